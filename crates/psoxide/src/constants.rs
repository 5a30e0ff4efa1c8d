//! psutil's constants and small enums used by the system-wide API (spec section 7).

#[cfg(feature = "serde")]
use serde::{Serialize, Serializer};

/// psutil's `POSIX`: true on every Unix.
pub const POSIX: bool = cfg!(unix);
/// psutil's `LINUX`.
pub const LINUX: bool = cfg!(target_os = "linux");
/// psutil's `WINDOWS`.
pub const WINDOWS: bool = cfg!(windows);
/// psutil's `MACOS`.
pub const MACOS: bool = cfg!(target_os = "macos");
/// psutil's `OSX` (deprecated alias of [`MACOS`]).
pub const OSX: bool = MACOS;
/// psutil's `FREEBSD`.
pub const FREEBSD: bool = cfg!(target_os = "freebsd");
/// psutil's `OPENBSD`.
pub const OPENBSD: bool = cfg!(target_os = "openbsd");
/// psutil's `NETBSD`.
pub const NETBSD: bool = cfg!(target_os = "netbsd");
/// psutil's `BSD`: any of the BSDs.
pub const BSD: bool = FREEBSD || OPENBSD || NETBSD;
/// psutil's `SUNOS`.
pub const SUNOS: bool = cfg!(any(target_os = "solaris", target_os = "illumos"));
/// psutil's `AIX`.
pub const AIX: bool = cfg!(target_os = "aix");

/// The psutil release whose API this crate implements: psutil's `version_info`.
pub const PSUTIL_VERSION_INFO: (u32, u32, u32) = (8, 0, 0);
/// The same as a string: psutil's `__version__`.
pub const PSUTIL_VERSION: &str = "8.0.0";

/// Address family of a NIC address (psutil returns `socket.AddressFamily` members).
/// Serialized as its number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(i32)]
pub enum AddressFamily {
    /// `AF_UNSPEC` (0): an interface without any address (new in psutil 8.0).
    Unspec = 0,
    /// `AF_UNIX` (1): local sockets.
    Unix = 1,
    /// `AF_INET` (2): IPv4.
    Inet = 2,
    /// `AF_INET6` (10): IPv6.
    Inet6 = 10,
    /// `AF_PACKET` (17), psutil's `AF_LINK`: a link-layer (MAC) address.
    Link = 17,
}

/// psutil's `AF_LINK` (= `AF_PACKET` = 17 on Linux).
pub const AF_LINK: AddressFamily = AddressFamily::Link;

impl AddressFamily {
    /// The numeric `AF_*` value.
    pub fn value(self) -> i32 {
        self as i32
    }
    /// The name Python's `socket` module gives the member (`AF_PACKET` for 17).
    pub fn name(self) -> &'static str {
        match self {
            AddressFamily::Unspec => "AF_UNSPEC",
            AddressFamily::Unix => "AF_UNIX",
            AddressFamily::Inet => "AF_INET",
            AddressFamily::Inet6 => "AF_INET6",
            AddressFamily::Link => "AF_PACKET",
        }
    }
}

/// Duplex of a NIC (psutil's `NicDuplex`). Serialized as psutil's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum NicDuplex {
    /// `NIC_DUPLEX_FULL` = 2.
    Full = 2,
    /// `NIC_DUPLEX_HALF` = 1.
    Half = 1,
    /// `NIC_DUPLEX_UNKNOWN` = 0.
    Unknown = 0,
}

impl NicDuplex {
    /// psutil's integer value.
    pub fn value(self) -> i32 {
        self as i32
    }
    /// psutil's constant name, e.g. `NIC_DUPLEX_FULL`.
    pub fn name(self) -> &'static str {
        match self {
            NicDuplex::Full => "NIC_DUPLEX_FULL",
            NicDuplex::Half => "NIC_DUPLEX_HALF",
            NicDuplex::Unknown => "NIC_DUPLEX_UNKNOWN",
        }
    }
}

/// psutil's `POWER_TIME_UNKNOWN` (-1).
pub const POWER_TIME_UNKNOWN: i64 = -1;
/// psutil's `POWER_TIME_UNLIMITED` (-2).
pub const POWER_TIME_UNLIMITED: i64 = -2;

/// Battery time left (psutil's `sbattery.secsleft`: an int or a `BatteryTime` member).
/// Serialized as psutil's integer: seconds, or -1 (unknown) / -2 (unlimited).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BatteryTime {
    /// Seconds until the battery is empty.
    Seconds(u64),
    /// `POWER_TIME_UNKNOWN` (-1): cannot be estimated.
    Unknown,
    /// `POWER_TIME_UNLIMITED` (-2): on AC power.
    Unlimited,
}

impl BatteryTime {
    /// psutil's integer value: seconds, -1 or -2.
    pub fn value(self) -> i64 {
        match self {
            BatteryTime::Seconds(s) => s.min(i64::MAX as u64) as i64,
            BatteryTime::Unknown => POWER_TIME_UNKNOWN,
            BatteryTime::Unlimited => POWER_TIME_UNLIMITED,
        }
    }
}

#[cfg(feature = "serde")]
impl Serialize for AddressFamily {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i32(self.value())
    }
}
#[cfg(feature = "serde")]
impl Serialize for NicDuplex {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i32(self.value())
    }
}
#[cfg(feature = "serde")]
impl Serialize for BatteryTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.value())
    }
}

/// A process's scheduling state (psutil's `ProcessStatus`, a string enum; the
/// `STATUS_*` constants). Serialized as psutil's string value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProcessStatus {
    /// `STATUS_RUNNING` = "running" (state `R`).
    Running,
    /// `STATUS_SLEEPING` = "sleeping" (state `S`).
    Sleeping,
    /// `STATUS_DISK_SLEEP` = "disk-sleep" (state `D`).
    DiskSleep,
    /// `STATUS_STOPPED` = "stopped" (state `T`).
    Stopped,
    /// `STATUS_TRACING_STOP` = "tracing-stop" (state `t`).
    TracingStop,
    /// `STATUS_ZOMBIE` = "zombie" (state `Z`).
    Zombie,
    /// `STATUS_DEAD` = "dead" (states `X`, `x`).
    Dead,
    /// `STATUS_WAKE_KILL` = "wake-kill" (state `K`).
    WakeKill,
    /// `STATUS_WAKING` = "waking" (state `W`).
    Waking,
    /// `STATUS_IDLE` = "idle" (state `I`).
    Idle,
    /// `STATUS_PARKED` = "parked" (state `P`).
    Parked,
    /// `STATUS_LOCKED` = "locked" (never produced on Linux).
    Locked,
    /// `STATUS_WAITING` = "waiting" (never produced on Linux).
    Waiting,
    /// `STATUS_SUSPENDED` = "suspended" (never produced on Linux).
    Suspended,
    /// A state letter psutil does not know: psutil returns the plain string "?".
    Unknown,
}

impl ProcessStatus {
    /// Maps a `/proc/PID/stat` state letter.
    pub fn from_state_letter(c: u8) -> ProcessStatus {
        match c {
            b'R' => ProcessStatus::Running,
            b'S' => ProcessStatus::Sleeping,
            b'D' => ProcessStatus::DiskSleep,
            b'T' => ProcessStatus::Stopped,
            b't' => ProcessStatus::TracingStop,
            b'Z' => ProcessStatus::Zombie,
            b'X' | b'x' => ProcessStatus::Dead,
            b'K' => ProcessStatus::WakeKill,
            b'W' => ProcessStatus::Waking,
            b'I' => ProcessStatus::Idle,
            b'P' => ProcessStatus::Parked,
            _ => ProcessStatus::Unknown,
        }
    }

    /// psutil's string value ("running", "disk-sleep", ..., or "?").
    pub fn value(self) -> &'static str {
        match self {
            ProcessStatus::Running => "running",
            ProcessStatus::Sleeping => "sleeping",
            ProcessStatus::DiskSleep => "disk-sleep",
            ProcessStatus::Stopped => "stopped",
            ProcessStatus::TracingStop => "tracing-stop",
            ProcessStatus::Zombie => "zombie",
            ProcessStatus::Dead => "dead",
            ProcessStatus::WakeKill => "wake-kill",
            ProcessStatus::Waking => "waking",
            ProcessStatus::Idle => "idle",
            ProcessStatus::Parked => "parked",
            ProcessStatus::Locked => "locked",
            ProcessStatus::Waiting => "waiting",
            ProcessStatus::Suspended => "suspended",
            ProcessStatus::Unknown => "?",
        }
    }
}

impl std::fmt::Display for ProcessStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.value())
    }
}

#[cfg(feature = "serde")]
impl Serialize for ProcessStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.value())
    }
}
