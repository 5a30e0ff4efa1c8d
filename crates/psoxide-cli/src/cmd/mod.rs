//! The classic views: `psoxide ps`, `free`, `df`, `disks`, `net`, `ifconfig`,
//! `netstat`, `pstree`, `pmap`, `sensors`, `who`, `pidof`, `killall` and `proc`.
//!
//! Each subcommand is one module with its clap arguments and a `run` function. They
//! share what is here: the outcome type (exit status 0 ok, 1 runtime error; usage errors are
//! clap's, status 2), the value parsers that give clear messages for bad PIDs, intervals and
//! names, and the output helpers in [`table`] (aligned columns, never truncated when
//! piped) and [`size`] (human sizes like procps).
//!
//! The data comes from the psoxide library; nothing here reads `/proc` itself.

pub mod df;
pub mod free;
pub mod ifconfig;
pub mod io_rates;
pub mod killall;
pub mod netstat;
pub mod pidof;
pub mod pmap;
pub mod proc_;
pub mod ps;
pub mod pstree;
pub mod sensors;
pub mod size;
pub mod table;
pub mod who;

use clap::Subcommand;
use std::io::Write;
use std::process::ExitCode;

/// The classic-view subcommands, flattened into the `psoxide` command.
#[derive(Subcommand, Debug)]
pub enum Classic {
    /// List processes: one row per process, columns chosen with -o (psutil's
    /// attribute names), sorted, filtered, or as a tree.
    #[command(after_help = ps::EXAMPLES, disable_help_flag = true)]
    Ps(Lazy<ps::PsArgs>),
    /// Memory and swap: total, used, free, shared, buff/cache, available.
    #[command(after_help = free::EXAMPLES, disable_help_flag = true)]
    Free(Lazy<free::FreeArgs>),
    /// Mounted file systems: size, used, available, percent used.
    #[command(after_help = df::EXAMPLES, disable_help_flag = true)]
    Df(Lazy<df::DfArgs>),
    /// Disk I/O rates per disk, measured over an interval.
    #[command(after_help = io_rates::DISKS_EXAMPLES)]
    Disks(Lazy<io_rates::RateArgs>),
    /// Network traffic rates per interface, measured over an interval.
    #[command(after_help = io_rates::NET_EXAMPLES)]
    Net(Lazy<io_rates::RateArgs>),
    /// Network interfaces: state, MTU, speed, addresses and traffic counters.
    #[command(after_help = ifconfig::EXAMPLES)]
    Ifconfig(Lazy<ifconfig::IfconfigArgs>),
    /// Sockets with their owning PID and program, by kind and state.
    #[command(after_help = netstat::EXAMPLES)]
    Netstat(Lazy<netstat::NetstatArgs>),
    /// The process tree, as name(pid) lines.
    #[command(after_help = pstree::EXAMPLES)]
    Pstree(Lazy<pstree::PstreeArgs>),
    /// A process's memory maps, grouped by path (psutil's memory_maps()).
    #[command(after_help = pmap::EXAMPLES, disable_help_flag = true)]
    Pmap(Lazy<pmap::PmapArgs>),
    /// Temperatures, fan speeds and the battery.
    #[command(after_help = sensors::EXAMPLES)]
    Sensors(Lazy<sensors::SensorsArgs>),
    /// Users logged in: name, terminal, host, login time, PID.
    #[command(after_help = who::EXAMPLES)]
    Who(Lazy<who::WhoArgs>),
    /// PIDs of the processes with a given name (exit status 1 when none).
    #[command(after_help = pidof::EXAMPLES)]
    Pidof(Lazy<pidof::PidofArgs>),
    /// Send a signal to every process with a given name.
    #[command(after_help = killall::EXAMPLES)]
    Killall(Lazy<killall::KillallArgs>),
    /// One process, everything psutil knows about it.
    #[command(name = "proc", after_help = proc_::EXAMPLES)]
    Proc(Lazy<proc_::ProcArgs>),
}

/// A subcommand's arguments, which clap builds only when that subcommand is the one
/// given (`Command::defer`): building the arguments of all 16 subcommands took
/// 0.2-0.5 ms of every run (measured), as much as `psoxide free` spends reading.
/// Parsing, help and errors are the same as for `T` (tests/cli.rs renders every
/// subcommand's help and checks the usage errors).
#[derive(Debug)]
pub struct Lazy<T>(pub T);

/// `T`'s arguments added to `cmd` the way the derive adds them to a subcommand: the
/// texts the subcommand's own attributes set (its doc comment, examples) win over the
/// ones `T`'s doc comment would set, as they do when they are applied after `T`.
fn add_args<T: clap::Args>(cmd: clap::Command) -> clap::Command {
    keeping_texts(cmd, T::augment_args)
}

fn add_args_for_update<T: clap::Args>(cmd: clap::Command) -> clap::Command {
    keeping_texts(cmd, T::augment_args_for_update)
}

fn keeping_texts(cmd: clap::Command, add: fn(clap::Command) -> clap::Command) -> clap::Command {
    use clap::builder::{Resettable, StyledStr};
    // A text that was not set is reset, as the subcommand's own attribute resets it.
    let kept = |t: Option<&StyledStr>| t.cloned().map_or(Resettable::Reset, Resettable::Value);
    let about = kept(cmd.get_about());
    let long_about = kept(cmd.get_long_about());
    let after = kept(cmd.get_after_help());
    let after_long = kept(cmd.get_after_long_help());
    let before = kept(cmd.get_before_help());
    let before_long = kept(cmd.get_before_long_help());
    add(cmd)
        .about(about)
        .long_about(long_about)
        .after_help(after)
        .after_long_help(after_long)
        .before_help(before)
        .before_long_help(before_long)
}

impl<T: clap::Args> clap::Args for Lazy<T> {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        cmd.defer(add_args::<T>)
    }
    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        cmd.defer(add_args_for_update::<T>)
    }
    fn group_id() -> Option<clap::Id> {
        T::group_id()
    }
}

impl<T: clap::FromArgMatches> clap::FromArgMatches for Lazy<T> {
    fn from_arg_matches(m: &clap::ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches(m).map(Lazy)
    }
    fn from_arg_matches_mut(m: &mut clap::ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches_mut(m).map(Lazy)
    }
    fn update_from_arg_matches(&mut self, m: &clap::ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches(m)
    }
}

/// Runs one classic subcommand and turns its outcome into the exit status.
pub fn run(c: Classic) -> ExitCode {
    let r = match c {
        Classic::Ps(Lazy(a)) => ps::run(&a),
        Classic::Free(Lazy(a)) => free::run(&a),
        Classic::Df(Lazy(a)) => df::run(&a),
        Classic::Disks(Lazy(a)) => io_rates::run_disks(&a),
        Classic::Net(Lazy(a)) => io_rates::run_net(&a),
        Classic::Ifconfig(Lazy(a)) => ifconfig::run(&a),
        Classic::Netstat(Lazy(a)) => netstat::run(&a),
        Classic::Pstree(Lazy(a)) => pstree::run(&a),
        Classic::Pmap(Lazy(a)) => pmap::run(&a),
        Classic::Sensors(Lazy(a)) => sensors::run(&a),
        Classic::Who(Lazy(a)) => who::run(&a),
        Classic::Pidof(Lazy(a)) => pidof::run(&a),
        Classic::Killall(Lazy(a)) => killall::run(&a),
        Classic::Proc(Lazy(a)) => proc_::run(&a),
    };
    exit_code(r)
}

/// How a subcommand failed.
#[derive(Debug)]
pub enum Fail {
    /// A runtime error (exit status 1): the message names the PID, path or value.
    Runtime(String),
    /// Exit status 1 with nothing more to say (e.g. `pidof` found nothing), or with
    /// the messages already printed.
    Quiet,
}

/// What every subcommand returns.
pub type Outcome = Result<(), Fail>;

impl From<std::io::Error> for Fail {
    fn from(e: std::io::Error) -> Fail {
        Fail::Runtime(format!("writing the output: {e}"))
    }
}

impl From<psoxide::Error> for Fail {
    fn from(e: psoxide::Error) -> Fail {
        Fail::Runtime(error_text(&e))
    }
}

/// Sets the library's kernel interfaces for a read-only listing, which reads every
/// process once and acts on none. A pidfd held by a handle pins it to its process for
/// later actions, which a listing does not take, and a thousand held pidfds cost it
/// about 7% more CPU than closing each at once. So: with user or group IDs, a pidfd
/// per process only while it is read (its `PIDFD_GET_INFO` gives the IDs cheaper than
/// `/proc/PID/status`; [`psoxide::KernelApi::NewestUnheld`]); without, no pidfds at
/// all (opening and closing one per process would be about a quarter of the
/// listing's CPU time). The values are the same either way (BENCHMARKS.md). Never for
/// commands that send signals (killall, the monitor).
pub fn listing_without_pidfds(attrs: &[psoxide::Attr]) {
    use psoxide::Attr;
    let ids = attrs
        .iter()
        .any(|a| matches!(a, Attr::Username | Attr::Uids | Attr::Gids));
    psoxide::set_kernel_api(if ids {
        psoxide::KernelApi::NewestUnheld
    } else {
        psoxide::KernelApi::NoPidfd
    });
}

/// A library error as one line: the message and psutil's exception name.
pub fn error_text(e: &psoxide::Error) -> String {
    format!("{e} ({})", e.exception_name())
}

/// Prints the message of `r` on stderr and gives the exit status.
pub fn exit_code(r: Outcome) -> ExitCode {
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(Fail::Runtime(m)) => {
            eprintln!("psoxide: {m}");
            ExitCode::from(1)
        }
        Err(Fail::Quiet) => ExitCode::from(1),
    }
}

/// Writes `text` to standard output; a closed pipe ends the command quietly with
/// status 0 (as procps tools do when their reader exits early).
pub fn emit(text: &str) -> Outcome {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => Err(e.into()),
    }
}

/// Writes to standard output through one buffer with `f`; a closed pipe ends the
/// program quietly (exit 0), as [`emit`] does.
pub fn emit_with(
    f: impl FnOnce(&mut std::io::BufWriter<std::io::StdoutLock<'static>>) -> std::io::Result<()>,
) -> Outcome {
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    match f(&mut out).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => Err(e.into()),
    }
}

/// Prints a JSON value on one line (indented with `pretty`).
pub fn emit_json<T: serde::Serialize + ?Sized>(v: &T, pretty: bool) -> Outcome {
    let text = if pretty {
        serde_json::to_string_pretty(v)
    } else {
        serde_json::to_string(v)
    }
    .map_err(|e| Fail::Runtime(format!("encoding JSON: {e}")))?;
    emit(&(text + "\n"))
}

/// `--json` and `--pretty`, shared by every subcommand.
#[derive(clap::Args, Debug, Clone, Copy)]
pub struct JsonArgs {
    /// Print JSON with psutil's field names instead of a table.
    #[arg(long)]
    pub json: bool,
    /// With --json: indent the output.
    #[arg(long, requires = "json")]
    pub pretty: bool,
}

/// Parses a PID: a non-negative decimal integer within the kernel's `pid_t` range.
pub fn parse_pid(s: &str) -> Result<psoxide::Pid, String> {
    let t = s.trim();
    if let Some(rest) = t.strip_prefix('-') {
        if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("pid must be a non-negative integer, got {t}"));
        }
    }
    match t.parse::<u64>() {
        Ok(v) if v <= i32::MAX as u64 => Ok(v as psoxide::Pid),
        Ok(v) => Err(format!(
            "pid {v} is out of range: the largest pid is {}",
            i32::MAX
        )),
        Err(_) => Err(format!(
            "invalid pid {t:?}: expected a non-negative integer, e.g. 1"
        )),
    }
}

/// The shortest `--interval` accepted, seconds: shorter windows make rates mostly noise.
pub const MIN_INTERVAL: f64 = 0.05;
/// The longest `--interval` accepted, seconds.
pub const MAX_INTERVAL: f64 = 3600.0;

/// Parses a sampling interval in seconds, between [`MIN_INTERVAL`] and [`MAX_INTERVAL`].
pub fn parse_interval(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("invalid interval {s:?}: expected a number of seconds, e.g. 1 or 0.5"))?;
    if !(v.is_finite() && (MIN_INTERVAL..=MAX_INTERVAL).contains(&v)) {
        return Err(format!(
            "invalid interval {s}: accepted values are {MIN_INTERVAL} to {MAX_INTERVAL} seconds"
        ));
    }
    Ok(v)
}

/// Whether long lines may be cut to the terminal's width: only when standard output is
/// a terminal; piped or redirected output is never truncated.
pub fn terminal_width() -> Option<usize> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return None;
    }
    match rustix::termios::tcgetwinsize(std::io::stdout()) {
        Ok(ws) if ws.ws_col > 0 => Some(ws.ws_col as usize),
        _ => None,
    }
}

/// Local time of `secs` since the epoch as `YYYY-MM-DD HH:MM:SS`, or the number when
/// it is out of range.
pub fn local_datetime(secs: f64) -> String {
    use chrono::TimeZone;
    if !secs.is_finite() {
        return format!("{secs}");
    }
    match chrono::Local.timestamp_opt(secs.floor() as i64, 0) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => {
            t.format("%Y-%m-%d %H:%M:%S").to_string()
        }
        chrono::LocalResult::None => format!("{secs}"),
    }
}

/// Local start times as ps shows them: `HH:MM` for today, `MonDD` within the year,
/// the year otherwise. Made once per listing (today's date is looked up once), then
/// used for every row.
pub struct StartClock {
    today: Option<chrono::NaiveDate>,
    /// The last start second written and its text: processes started in the same
    /// second (a boot, a burst of children) need one time-zone conversion.
    last: std::cell::RefCell<Option<(i64, String)>>,
}

impl StartClock {
    /// A clock that compares start times with `now` (seconds since the epoch).
    pub fn new(now: f64) -> StartClock {
        use chrono::TimeZone;
        let today = now
            .is_finite()
            .then(|| chrono::Local.timestamp_opt(now.floor() as i64, 0).earliest())
            .flatten()
            .map(|t| t.date_naive());
        StartClock {
            today,
            last: Default::default(),
        }
    }

    /// Appends the start time `secs` (seconds since the epoch) to `out`; `?` when it
    /// is not a representable time.
    pub fn write(&self, out: &mut String, secs: f64) {
        if !secs.is_finite() {
            out.push('?');
            return;
        }
        let whole = secs.floor() as i64;
        let mut last = self.last.borrow_mut();
        match &mut *last {
            Some((s, text)) if *s == whole => out.push_str(text),
            slot => {
                let mut text = String::new();
                self.format(&mut text, whole);
                out.push_str(&text);
                *slot = Some((whole, text));
            }
        }
    }

    fn format(&self, out: &mut String, whole: i64) {
        use chrono::{Datelike, TimeZone, Timelike};
        use table::{push_2digits, push_int};
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let t = chrono::Local.timestamp_opt(whole, 0).earliest();
        let (Some(t), Some(today)) = (t, self.today) else {
            out.push('?');
            return;
        };
        if t.date_naive() == today {
            push_2digits(out, u64::from(t.hour()));
            out.push(':');
            push_2digits(out, u64::from(t.minute()));
        } else if t.year() == today.year() {
            out.push_str(MONTHS.get(t.month0() as usize).copied().unwrap_or("?"));
            push_2digits(out, u64::from(t.day()));
        } else {
            push_int(out, t.year());
        }
    }
}

/// Seconds since the epoch now.
pub fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// A process's name for messages, or `?` when it cannot be read.
pub fn name_of(p: &psoxide::Process) -> String {
    p.name().unwrap_or_else(|_| "?".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pids_are_checked_with_clear_messages() {
        assert_eq!(parse_pid("42"), Ok(42));
        assert_eq!(parse_pid("0"), Ok(0));
        assert!(parse_pid("-1")
            .unwrap_err()
            .contains("non-negative integer, got -1"));
        assert!(parse_pid("abc")
            .unwrap_err()
            .contains("expected a non-negative integer"));
        assert!(parse_pid("99999999999").unwrap_err().contains("out of range"));
    }

    #[test]
    fn intervals_have_a_floor() {
        assert_eq!(parse_interval("0.5"), Ok(0.5));
        assert!(parse_interval("0.001").unwrap_err().contains("0.05 to 3600"));
        assert!(parse_interval("-1").is_err());
        assert!(parse_interval("nan").is_err());
    }
}
