//! Values of the process-control methods: I/O priority classes, resource limits and
//! exit statuses (psutil's `ProcessIOPriority`, `ProcessRlimit`, `RLIM_INFINITY`,
//! `pionice` and `NegSignal`).

use crate::error::{Error, Result};
use std::fmt;
use std::str::FromStr;

/// An I/O scheduling class (psutil's `ProcessIOPriority` int enum, Linux
/// `IOPRIO_CLASS_*`). Serializes as its int value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IoPriorityClass {
    /// `IOPRIO_CLASS_NONE` = 0: no class set; the kernel derives best-effort from nice.
    None = 0,
    /// `IOPRIO_CLASS_RT` = 1: real time, served first.
    Rt = 1,
    /// `IOPRIO_CLASS_BE` = 2: best effort, the normal class.
    Be = 2,
    /// `IOPRIO_CLASS_IDLE` = 3: served only when no one else needs the disk.
    Idle = 3,
}

impl IoPriorityClass {
    /// Every class, by value.
    pub const ALL: [IoPriorityClass; 4] = [
        IoPriorityClass::None,
        IoPriorityClass::Rt,
        IoPriorityClass::Be,
        IoPriorityClass::Idle,
    ];

    /// psutil's int value (0-3).
    pub fn value(self) -> i32 {
        self as i32
    }

    /// psutil's member name, e.g. `"IOPRIO_CLASS_IDLE"`.
    pub fn name(self) -> &'static str {
        match self {
            IoPriorityClass::None => "IOPRIO_CLASS_NONE",
            IoPriorityClass::Rt => "IOPRIO_CLASS_RT",
            IoPriorityClass::Be => "IOPRIO_CLASS_BE",
            IoPriorityClass::Idle => "IOPRIO_CLASS_IDLE",
        }
    }

    /// The class with this int value; `None` outside 0-3.
    pub fn from_value(v: i64) -> Option<IoPriorityClass> {
        Self::ALL.into_iter().find(|c| c.value() as i64 == v)
    }

    /// Python's `repr()` of the member, e.g. `<ProcessIOPriority.IOPRIO_CLASS_IDLE: 3>`
    /// (used in psutil's "ioclass accepts no value" message).
    pub fn repr(self) -> String {
        format!("<ProcessIOPriority.{}: {}>", self.name(), self.value())
    }
}

impl fmt::Display for IoPriorityClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for IoPriorityClass {
    type Err = Error;
    /// Accepts the member name (`IOPRIO_CLASS_BE`) or its suffix (`be`), any case,
    /// or the int value.
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim();
        if let Ok(v) = t.parse::<i64>() {
            if let Some(c) = Self::from_value(v) {
                return Ok(c);
            }
        }
        let up = t.to_ascii_uppercase();
        let short = up.strip_prefix("IOPRIO_CLASS_").unwrap_or(&up);
        Self::ALL
            .into_iter()
            .find(|c| c.name().strip_prefix("IOPRIO_CLASS_") == Some(short))
            .ok_or_else(|| {
                Error::invalid(format!(
                    "unknown I/O priority class {s:?}; accepted: IOPRIO_CLASS_NONE, IOPRIO_CLASS_RT, IOPRIO_CLASS_BE, IOPRIO_CLASS_IDLE (or 0-3)"
                ))
            })
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for IoPriorityClass {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_i32(self.value())
    }
}

/// I/O priority of a process (psutil's `pionice`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Ionice {
    /// The scheduling class.
    pub ioclass: IoPriorityClass,
    /// The level within the class, 0 (highest) to 7 (lowest); the kernel returns
    /// whatever the low 13 bits of the priority hold.
    pub value: u32,
}

/// A resource limit (psutil's `ProcessRlimit` int enum, `RLIMIT_*`). The values are
/// the target's `<sys/resource.h>` numbers (taken from `libc`, so MIPS and SPARC get
/// their own numbering); the numbers in the docs are x86_64's. Serializes as its int
/// value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rlimit {
    /// `RLIMIT_AS` = 9: address-space size (bytes).
    As = libc::RLIMIT_AS as isize,
    /// `RLIMIT_CORE` = 4: core file size (bytes).
    Core = libc::RLIMIT_CORE as isize,
    /// `RLIMIT_CPU` = 0: CPU time (seconds).
    Cpu = libc::RLIMIT_CPU as isize,
    /// `RLIMIT_DATA` = 2: data segment size (bytes).
    Data = libc::RLIMIT_DATA as isize,
    /// `RLIMIT_FSIZE` = 1: size of files written (bytes).
    Fsize = libc::RLIMIT_FSIZE as isize,
    /// `RLIMIT_LOCKS` = 10: file locks (count).
    Locks = libc::RLIMIT_LOCKS as isize,
    /// `RLIMIT_MEMLOCK` = 8: locked memory (bytes).
    Memlock = libc::RLIMIT_MEMLOCK as isize,
    /// `RLIMIT_MSGQUEUE` = 12: POSIX message-queue bytes (bytes).
    Msgqueue = libc::RLIMIT_MSGQUEUE as isize,
    /// `RLIMIT_NICE` = 13: ceiling of the nice value, as `20 - nice`.
    Nice = libc::RLIMIT_NICE as isize,
    /// `RLIMIT_NOFILE` = 7: open file descriptors (count).
    Nofile = libc::RLIMIT_NOFILE as isize,
    /// `RLIMIT_NPROC` = 6: processes of the real user (count).
    Nproc = libc::RLIMIT_NPROC as isize,
    /// `RLIMIT_RSS` = 5: resident set size (bytes; ignored by Linux since 2.6).
    Rss = libc::RLIMIT_RSS as isize,
    /// `RLIMIT_RTPRIO` = 14: real-time priority ceiling.
    Rtprio = libc::RLIMIT_RTPRIO as isize,
    /// `RLIMIT_RTTIME` = 15: CPU time under real-time scheduling without blocking
    /// (microseconds).
    Rttime = libc::RLIMIT_RTTIME as isize,
    /// `RLIMIT_SIGPENDING` = 11: queued signals (count).
    Sigpending = libc::RLIMIT_SIGPENDING as isize,
    /// `RLIMIT_STACK` = 3: main-thread stack size (bytes).
    Stack = libc::RLIMIT_STACK as isize,
}

impl Rlimit {
    /// Every resource in psutil's member order (alphabetical).
    pub const ALL: [Rlimit; 16] = [
        Rlimit::As,
        Rlimit::Core,
        Rlimit::Cpu,
        Rlimit::Data,
        Rlimit::Fsize,
        Rlimit::Locks,
        Rlimit::Memlock,
        Rlimit::Msgqueue,
        Rlimit::Nice,
        Rlimit::Nofile,
        Rlimit::Nproc,
        Rlimit::Rss,
        Rlimit::Rtprio,
        Rlimit::Rttime,
        Rlimit::Sigpending,
        Rlimit::Stack,
    ];

    /// The kernel's resource number (psutil's int value).
    pub fn value(self) -> i32 {
        self as i32
    }

    /// psutil's member name, e.g. `"RLIMIT_NOFILE"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Rlimit::As => "RLIMIT_AS",
            Rlimit::Core => "RLIMIT_CORE",
            Rlimit::Cpu => "RLIMIT_CPU",
            Rlimit::Data => "RLIMIT_DATA",
            Rlimit::Fsize => "RLIMIT_FSIZE",
            Rlimit::Locks => "RLIMIT_LOCKS",
            Rlimit::Memlock => "RLIMIT_MEMLOCK",
            Rlimit::Msgqueue => "RLIMIT_MSGQUEUE",
            Rlimit::Nice => "RLIMIT_NICE",
            Rlimit::Nofile => "RLIMIT_NOFILE",
            Rlimit::Nproc => "RLIMIT_NPROC",
            Rlimit::Rss => "RLIMIT_RSS",
            Rlimit::Rtprio => "RLIMIT_RTPRIO",
            Rlimit::Rttime => "RLIMIT_RTTIME",
            Rlimit::Sigpending => "RLIMIT_SIGPENDING",
            Rlimit::Stack => "RLIMIT_STACK",
        }
    }

    /// The resource with this kernel number; `None` for unknown numbers.
    pub fn from_value(v: i64) -> Option<Rlimit> {
        Self::ALL.into_iter().find(|r| r.value() as i64 == v)
    }
}

impl fmt::Display for Rlimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Rlimit {
    type Err = Error;
    /// Accepts `RLIMIT_NOFILE`, `nofile` (any case) or the kernel number.
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim();
        if let Ok(v) = t.parse::<i64>() {
            if let Some(r) = Self::from_value(v) {
                return Ok(r);
            }
        }
        let up = t.to_ascii_uppercase();
        let short = up.strip_prefix("RLIMIT_").unwrap_or(&up);
        Self::ALL
            .into_iter()
            .find(|r| r.as_str().strip_prefix("RLIMIT_") == Some(short))
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|r| r.as_str()).collect();
                Error::invalid(format!(
                    "unknown resource {s:?}; accepted: {} (or their numbers)",
                    names.join(", ")
                ))
            })
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Rlimit {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_i32(self.value())
    }
}

/// One resource-limit value: a number or unlimited.
///
/// psutil reports unlimited as `-1` (its `RLIM_INFINITY`); the kernel's
/// `RLIM64_INFINITY` is `u64::MAX`. This type keeps the two apart from real numbers:
/// [`RlimitValue::Infinity`] serializes as `-1`, a limit as its number, so a
/// `(soft, hard)` pair serializes exactly like psutil's tuple.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RlimitValue {
    /// A finite limit, in the resource's unit (see [`Rlimit`]).
    Limited(u64),
    /// No limit (`RLIM_INFINITY`).
    Infinity,
}

/// psutil's `RLIM_INFINITY` (-1): no limit.
pub const RLIM_INFINITY: RlimitValue = RlimitValue::Infinity;

impl RlimitValue {
    /// From the kernel's 64-bit representation (`u64::MAX` is infinity).
    pub fn from_raw(v: u64) -> RlimitValue {
        if v == u64::MAX {
            RlimitValue::Infinity
        } else {
            RlimitValue::Limited(v)
        }
    }

    /// To the kernel's 64-bit representation.
    pub fn to_raw(self) -> u64 {
        match self {
            RlimitValue::Limited(v) => v,
            RlimitValue::Infinity => u64::MAX,
        }
    }

    /// psutil's int: `-1` for infinity, else the number (`i128` so that no finite
    /// kernel value is lost).
    pub fn as_psutil(self) -> i128 {
        match self {
            RlimitValue::Limited(v) => v as i128,
            RlimitValue::Infinity => -1,
        }
    }

    /// From psutil's int: `-1` is infinity; other negative numbers are rejected.
    pub fn from_psutil(v: i128) -> Result<RlimitValue> {
        match v {
            -1 => Ok(RlimitValue::Infinity),
            v if v < 0 => Err(Error::invalid(format!(
                "resource limit {v} is negative; accepted: -1 (RLIM_INFINITY) or 0..2^64-2"
            ))),
            v => u64::try_from(v)
                .ok()
                .filter(|x| *x != u64::MAX)
                .map(RlimitValue::Limited)
                .ok_or_else(|| {
                    Error::invalid(format!("resource limit {v} is too large; accepted up to 2^64-2"))
                }),
        }
    }
}

impl fmt::Display for RlimitValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RlimitValue::Limited(v) => write!(f, "{v}"),
            RlimitValue::Infinity => f.write_str("-1"),
        }
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for RlimitValue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            RlimitValue::Limited(v) => s.serialize_u64(*v),
            RlimitValue::Infinity => s.serialize_i64(-1),
        }
    }
}

/// How a waited-for child ended (the value of psutil's `wait()` for a child).
///
/// Serializes like psutil: the exit code as an int, a signal death as the negated
/// signal number (psutil's `NegSignal` member, e.g. `-15`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExitStatus {
    /// Normal exit with this code (0-255).
    Code(i32),
    /// Killed by a signal; holds the **negated** signal number as psutil does
    /// (`NegSignal(-15)` for SIGTERM).
    NegSignal(i32),
}

/// `(number, name)` of the signals Python's `signal.Signals` knows on Linux.
const SIGNALS: [(i32, &str); 33] = [
    (libc::SIGHUP, "SIGHUP"),
    (libc::SIGINT, "SIGINT"),
    (libc::SIGQUIT, "SIGQUIT"),
    (libc::SIGILL, "SIGILL"),
    (libc::SIGTRAP, "SIGTRAP"),
    (libc::SIGABRT, "SIGABRT"),
    (libc::SIGBUS, "SIGBUS"),
    (libc::SIGFPE, "SIGFPE"),
    (libc::SIGKILL, "SIGKILL"),
    (libc::SIGUSR1, "SIGUSR1"),
    (libc::SIGSEGV, "SIGSEGV"),
    (libc::SIGUSR2, "SIGUSR2"),
    (libc::SIGPIPE, "SIGPIPE"),
    (libc::SIGALRM, "SIGALRM"),
    (libc::SIGTERM, "SIGTERM"),
    (libc::SIGSTKFLT, "SIGSTKFLT"),
    (libc::SIGCHLD, "SIGCHLD"),
    (libc::SIGCONT, "SIGCONT"),
    (libc::SIGSTOP, "SIGSTOP"),
    (libc::SIGTSTP, "SIGTSTP"),
    (libc::SIGTTIN, "SIGTTIN"),
    (libc::SIGTTOU, "SIGTTOU"),
    (libc::SIGURG, "SIGURG"),
    (libc::SIGXCPU, "SIGXCPU"),
    (libc::SIGXFSZ, "SIGXFSZ"),
    (libc::SIGVTALRM, "SIGVTALRM"),
    (libc::SIGPROF, "SIGPROF"),
    (libc::SIGWINCH, "SIGWINCH"),
    (libc::SIGIO, "SIGIO"),
    (libc::SIGPWR, "SIGPWR"),
    (libc::SIGSYS, "SIGSYS"),
    (34, "SIGRTMIN"),
    (64, "SIGRTMAX"),
];

/// The name Python's `signal.Signals` gives signal `sig` (`"SIGTERM"` for 15), if any.
pub fn signal_name(sig: i32) -> Option<&'static str> {
    SIGNALS.iter().find(|(n, _)| *n == sig).map(|(_, s)| *s)
}

impl ExitStatus {
    /// From a `waitpid` status word; `None` when it describes neither an exit nor a
    /// signal death (a stopped or continued child).
    pub fn from_wait_status(status: i32) -> Option<ExitStatus> {
        if libc::WIFEXITED(status) {
            Some(ExitStatus::Code(libc::WEXITSTATUS(status)))
        } else if libc::WIFSIGNALED(status) {
            Some(ExitStatus::NegSignal(-libc::WTERMSIG(status)))
        } else {
            None
        }
    }

    /// psutil's int: the exit code, or the negated signal number.
    pub fn value(self) -> i32 {
        match self {
            ExitStatus::Code(c) | ExitStatus::NegSignal(c) => c,
        }
    }

    /// The exit code of a normal exit.
    pub fn code(self) -> Option<i32> {
        match self {
            ExitStatus::Code(c) => Some(c),
            ExitStatus::NegSignal(_) => None,
        }
    }

    /// The (positive) number of the signal that killed the process.
    pub fn signal(self) -> Option<i32> {
        match self {
            ExitStatus::Code(_) => None,
            ExitStatus::NegSignal(n) => Some(n.saturating_neg()),
        }
    }

    /// True for exit code 0.
    pub fn success(self) -> bool {
        self == ExitStatus::Code(0)
    }

    /// Python's `repr()` of psutil's value: `3`, `<NegSignal.SIGTERM: -15>`, or a
    /// plain negative int for a signal Python does not name.
    pub fn repr(self) -> String {
        match self {
            ExitStatus::Code(c) => c.to_string(),
            ExitStatus::NegSignal(n) => match signal_name(n.saturating_neg()) {
                Some(name) => format!("<NegSignal.{name}: {n}>"),
                None => n.to_string(),
            },
        }
    }
}

impl fmt::Display for ExitStatus {
    /// psutil's `str()` of the value: the int.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.value())
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for ExitStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_i32(self.value())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rlimit_values_match_libc() {
        let pairs = [
            (Rlimit::As, libc::RLIMIT_AS),
            (Rlimit::Core, libc::RLIMIT_CORE),
            (Rlimit::Cpu, libc::RLIMIT_CPU),
            (Rlimit::Data, libc::RLIMIT_DATA),
            (Rlimit::Fsize, libc::RLIMIT_FSIZE),
            (Rlimit::Locks, libc::RLIMIT_LOCKS),
            (Rlimit::Memlock, libc::RLIMIT_MEMLOCK),
            (Rlimit::Msgqueue, libc::RLIMIT_MSGQUEUE),
            (Rlimit::Nice, libc::RLIMIT_NICE),
            (Rlimit::Nofile, libc::RLIMIT_NOFILE),
            (Rlimit::Nproc, libc::RLIMIT_NPROC),
            (Rlimit::Rss, libc::RLIMIT_RSS),
            (Rlimit::Rtprio, libc::RLIMIT_RTPRIO),
            (Rlimit::Rttime, libc::RLIMIT_RTTIME),
            (Rlimit::Sigpending, libc::RLIMIT_SIGPENDING),
            (Rlimit::Stack, libc::RLIMIT_STACK),
        ];
        for (r, v) in pairs {
            assert_eq!(r.value() as i64, v as i64, "{r}");
            assert_eq!(Rlimit::from_value(v as i64), Some(r));
        }
        // Alphabetical, like psutil's members.
        let names: Vec<&str> = Rlimit::ALL.iter().map(|r| r.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
    }

    #[test]
    fn rlimit_from_str() {
        assert_eq!("RLIMIT_NOFILE".parse::<Rlimit>().unwrap(), Rlimit::Nofile);
        assert_eq!("nofile".parse::<Rlimit>().unwrap(), Rlimit::Nofile);
        assert_eq!(" 3 ".parse::<Rlimit>().unwrap(), Rlimit::Stack);
        for r in Rlimit::ALL {
            assert_eq!(r.as_str().parse::<Rlimit>().unwrap(), r);
        }
        let e = "RLIMIT_SWAP".parse::<Rlimit>().unwrap_err();
        assert!(e.to_string().contains("RLIMIT_AS, RLIMIT_CORE"), "{e}");
        assert!("16".parse::<Rlimit>().is_err());
        assert!("".parse::<Rlimit>().is_err());
    }

    #[test]
    fn ioprio_class() {
        assert_eq!(
            IoPriorityClass::Idle.repr(),
            "<ProcessIOPriority.IOPRIO_CLASS_IDLE: 3>"
        );
        assert_eq!("be".parse::<IoPriorityClass>().unwrap(), IoPriorityClass::Be);
        assert_eq!(
            "IOPRIO_CLASS_RT".parse::<IoPriorityClass>().unwrap(),
            IoPriorityClass::Rt
        );
        assert_eq!("0".parse::<IoPriorityClass>().unwrap(), IoPriorityClass::None);
        assert!("4".parse::<IoPriorityClass>().is_err());
        assert_eq!(IoPriorityClass::from_value(-1), None);
    }

    #[test]
    fn rlimit_value_conversions() {
        assert_eq!(RlimitValue::from_raw(u64::MAX), RLIM_INFINITY);
        assert_eq!(RlimitValue::from_raw(5), RlimitValue::Limited(5));
        assert_eq!(RLIM_INFINITY.to_raw(), u64::MAX);
        assert_eq!(RLIM_INFINITY.as_psutil(), -1);
        assert_eq!(RlimitValue::from_psutil(-1).unwrap(), RLIM_INFINITY);
        assert_eq!(RlimitValue::from_psutil(7).unwrap(), RlimitValue::Limited(7));
        assert!(RlimitValue::from_psutil(-2).is_err());
        assert!(RlimitValue::from_psutil(u64::MAX as i128).is_err());
        assert!(RlimitValue::from_psutil(1i128 << 70).is_err());
        assert_eq!(RLIM_INFINITY.to_string(), "-1");
    }

    #[test]
    fn exit_status() {
        // WIFEXITED with code 3: status 0x0300; killed by SIGTERM: status 15.
        assert_eq!(ExitStatus::from_wait_status(3 << 8), Some(ExitStatus::Code(3)));
        assert_eq!(ExitStatus::from_wait_status(15), Some(ExitStatus::NegSignal(-15)));
        // Killed by SIGKILL with a core flag.
        assert_eq!(
            ExitStatus::from_wait_status(9 | 0x80),
            Some(ExitStatus::NegSignal(-9))
        );
        // Stopped by SIGSTOP (0x137f) and continued (0xffff): neither.
        assert_eq!(ExitStatus::from_wait_status(0x137f), None);
        assert_eq!(ExitStatus::from_wait_status(0xffff), None);
        assert_eq!(ExitStatus::NegSignal(-15).repr(), "<NegSignal.SIGTERM: -15>");
        assert_eq!(ExitStatus::NegSignal(-40).repr(), "-40");
        assert_eq!(ExitStatus::Code(3).repr(), "3");
        assert_eq!(ExitStatus::NegSignal(-9).signal(), Some(9));
        assert_eq!(ExitStatus::NegSignal(-9).value(), -9);
        assert_eq!(ExitStatus::Code(0).code(), Some(0));
        assert!(ExitStatus::Code(0).success());
        assert_eq!(signal_name(libc::SIGSTOP), Some("SIGSTOP"));
        assert_eq!(signal_name(0), None);
    }
}
