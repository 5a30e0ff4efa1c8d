//! `psoxide pidof NAME...`: the PIDs of the processes running a program, as procps
//! `pidof` prints them (space-separated, highest first; exit status 1 when none).

use super::{emit, emit_json, parse_pid, Fail, JsonArgs, Outcome};
use psoxide::{Attr, AttrRef, Pid};
use std::ffi::OsStr;
use std::path::Path;

/// Examples shown by `psoxide pidof --help`.
pub const EXAMPLES: &str = "Examples:
  psoxide pidof sshd            e.g. 812 501
  psoxide pidof -s bash         one PID only
  psoxide pidof -o 1234 sleep   leave out PID 1234
  psoxide pidof --json sshd     [812, 501]

A process matches when NAME is its program as procps pidof sees it: the first
argument of its command line or the file it executes, as given or by base name.
With -w, also when NAME is psutil's name() (this finds kernel threads too).
This command's own process is never listed. Exit status 1 when nothing matches.";

/// Options of `psoxide pidof`.
#[derive(clap::Args, Debug)]
pub struct PidofArgs {
    /// Program names.
    #[arg(required = true)]
    names: Vec<String>,
    /// Single shot: print one PID only.
    #[arg(short = 's', long)]
    single: bool,
    /// Leave out these PIDs (comma-separated).
    #[arg(short = 'o', long, value_delimiter = ',', value_parser = parse_pid, allow_hyphen_values = true)]
    omit: Vec<Pid>,
    /// Also match psutil's name() (finds kernel threads, which have no command line).
    #[arg(short = 'w', long)]
    with_workers: bool,
    #[command(flatten)]
    json: JsonArgs,
}

fn base(s: &OsStr) -> &OsStr {
    Path::new(s).file_name().unwrap_or(s)
}

/// True when `want` names the program of a process with this first command-line
/// argument, exe and name.
pub fn matches(
    want: &str,
    arg0: Option<&OsStr>,
    exe: Option<&Path>,
    name: Option<&str>,
    workers: bool,
) -> bool {
    let w = OsStr::new(want);
    let wb = base(w);
    if let Some(arg0) = arg0 {
        if arg0 == w || base(arg0) == w || arg0 == wb {
            return true;
        }
    }
    if let Some(exe) = exe {
        if exe.as_os_str() == w || exe.file_name() == Some(w) {
            return true;
        }
    }
    workers && name == Some(want)
}

/// Runs `psoxide pidof`.
pub fn run(a: &PidofArgs) -> Outcome {
    let me = std::process::id();
    let mut attrs = vec![Attr::Cmdline, Attr::Exe];
    if a.with_workers {
        attrs.push(Attr::Name);
    }
    super::listing_without_pidfds(&attrs);
    let mut found: Vec<Pid> = Vec::new();
    for p in psoxide::process_iter(Some(&attrs))? {
        let Ok(p) = p else { continue };
        if p.pid() == me || a.omit.contains(&p.pid()) {
            continue;
        }
        // The scan's values, read in place (nothing copied).
        let Some(view) = p.prefetched_view() else { continue };
        let arg0 = match view.get_ref(Attr::Cmdline) {
            Some(Ok(AttrRef::Cmdline(mut args))) => args.next(),
            _ => None,
        };
        let exe = match view.get_ref(Attr::Exe) {
            Some(Ok(AttrRef::Text(e))) => Some(Path::new(e)),
            _ => None,
        };
        let name = match view.get_ref(Attr::Name) {
            Some(Ok(AttrRef::Text(n))) => Some(n.to_string_lossy()),
            _ => None,
        };
        if a.names
            .iter()
            .any(|n| matches(n, arg0, exe, name.as_deref(), a.with_workers))
        {
            found.push(p.pid());
        }
    }
    found.sort_unstable_by(|x, y| y.cmp(x));
    if a.single {
        found.truncate(1);
    }
    if a.json.json {
        emit_json(&found, a.json.pretty)?;
    } else if !found.is_empty() {
        let text: Vec<String> = found.iter().map(Pid::to_string).collect();
        emit(&(text.join(" ") + "\n"))?;
    }
    if found.is_empty() {
        return Err(Fail::Quiet);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_names_match_as_procps_pidof() {
        let sshd = Some(OsStr::new("/usr/sbin/sshd"));
        assert!(matches("sshd", sshd, None, None, false));
        assert!(matches("/usr/sbin/sshd", sshd, None, None, false));
        assert!(!matches("ssh", sshd, None, None, false));
        assert!(matches(
            "python3.11",
            Some(OsStr::new("python3")),
            Some(Path::new("/usr/bin/python3.11")),
            None,
            false
        ));
        assert!(!matches("kthreadd", None, None, Some("kthreadd"), false));
        assert!(matches("kthreadd", None, None, Some("kthreadd"), true));
    }
}
