//! Priority and resource limits of `Process`, each getter beside its setter:
//! `nice()`/`set_nice()`, `ionice()`/`set_ionice()`, `rlimit()`/`set_rlimit()`.
//!
//! The setters first check that the PID still belongs to the handle's process
//! (`check_target`, in `signals.rs`: by the pidfd the handle holds, else by start
//! ticks). The nice/ionice/rlimit syscalls act on the live kernel, whatever procfs
//! root the handle reads (as psutil's `PROCFS_PATH`).

use super::enums::{IoPriorityClass, Ionice, Rlimit, RlimitValue};
use super::{Failed, Process};
use crate::error::{Error, Result};
use crate::linux::parse::pid_stat::field;
use crate::sys::process as sys;

/// Bits of the I/O priority value below the class (`IOPRIO_CLASS_SHIFT`).
const IOPRIO_CLASS_SHIFT: u32 = 13;

impl Process {
    /// The nice value, -20 (highest priority) to 19 (psutil's `nice()` getter).
    ///
    /// Inside a [`oneshot`](Process::oneshot) (and so in `as_dict` and a
    /// `process_iter` prefetch) whose snapshot already holds `/proc/PID/stat` of the
    /// live procfs, its field 19 is used: the kernel fills it with the same
    /// `task_nice()` of the thread-group leader that `getpriority(PRIO_PROCESS, pid)`
    /// returns, from the read that also fixed the process's identity, and it saves a
    /// system call per process in a scan. Otherwise `getpriority`, as psutil (also
    /// for a handle on another procfs tree: the system call asks the live kernel).
    pub fn nice(&self) -> Result<i32> {
        crate::process::attrs::serve_prefetched!(self, Nice);
        let snap = if self.root.live {
            self.snapshot_stat_with(field::NICE, |s| s.nice)
        } else {
            None
        };
        if let Some(n) = snap {
            let n = n?;
            return i32::try_from(n)
                .map_err(|_| Error::parse(self.root.path(self.pid, "stat"), format!("field 19 (nice) {n}")));
        }
        sys::getpriority(self.pid).map_err(|e| self.os_error(Failed::Call("getpriority"), e))
    }

    /// Sets the nice value (psutil's `nice(value)`) with `setpriority(PRIO_PROCESS)`;
    /// the kernel clamps it to -20..19. Checks PID reuse first. Lowering it without
    /// privilege gives `AccessDenied`.
    pub fn set_nice(&self, value: i32) -> Result<()> {
        self.check_target()?;
        self.refuse_pid0("setpriority")?;
        sys::setpriority(self.pid, value).map_err(|e| self.os_error(Failed::Call("setpriority"), e))
    }

    /// The I/O priority (psutil's `ionice()` getter) from
    /// `ioprio_get(IOPRIO_WHO_PROCESS)`: class = priority >> 13, value = the low 13 bits.
    pub fn ionice(&self) -> Result<Ionice> {
        crate::process::attrs::serve_prefetched!(self, Ionice);
        self.refuse_pid0("ioprio_get")?;
        let r = sys::ioprio_get(self.pid).map_err(|e| self.os_error(Failed::Call("ioprio_get"), e))?;
        decode_ioprio(r).ok_or_else(|| {
            Error::parse(
                format!("ioprio_get(pid={})", self.pid),
                format!(
                    "I/O priority {r:#x}: class {} is not 0-3",
                    r >> IOPRIO_CLASS_SHIFT
                ),
            )
        })
    }

    /// Sets the I/O priority (psutil's `ionice(ioclass, value)`) with
    /// `ioprio_set(IOPRIO_WHO_PROCESS)`. Checks PID reuse first, then psutil's
    /// argument rules: `value` `None` means 0; a non-zero value with
    /// [`IoPriorityClass::Idle`] or [`IoPriorityClass::None`] gives `InvalidArgument`
    /// "<ProcessIOPriority.IOPRIO_CLASS_IDLE: 3> ioclass accepts no value"; a value
    /// outside 0-7 "value not in 0-7 range". EPERM gives `AccessDenied`.
    pub fn set_ionice(&self, ioclass: IoPriorityClass, value: Option<i64>) -> Result<()> {
        self.check_target()?;
        let prio = encode_ioprio(ioclass, value)?;
        self.refuse_pid0("ioprio_set")?;
        sys::ioprio_set(self.pid, prio).map_err(|e| self.os_error(Failed::Call("ioprio_set"), e))
    }

    /// The `(soft, hard)` limits of `resource` (psutil's `rlimit(resource)`) via
    /// `prlimit(2)`; unlimited is [`RlimitValue::Infinity`] (psutil's -1). Another
    /// user's process gives `AccessDenied` unless privileged. Does not check PID reuse
    /// (psutil's getter does not either).
    pub fn rlimit(&self, resource: Rlimit) -> Result<(RlimitValue, RlimitValue)> {
        self.refuse_pid0("prlimit")?;
        let (soft, hard) = sys::prlimit_get(self.pid, resource.value())
            .map_err(|e| self.os_error(Failed::Call("prlimit"), e))?;
        Ok((RlimitValue::from_raw(soft), RlimitValue::from_raw(hard)))
    }

    /// Sets the limits of `resource` (psutil's `rlimit(resource, (soft, hard))`) via
    /// `prlimit(2)`. Checks PID reuse first. `soft` above `hard` gives
    /// `InvalidArgument` "current limit exceeds maximum limit" (Python's message);
    /// raising `hard` without privilege gives `AccessDenied`.
    pub fn set_rlimit(&self, resource: Rlimit, soft: RlimitValue, hard: RlimitValue) -> Result<()> {
        self.check_target()?;
        self.refuse_pid0("prlimit")?;
        if soft.to_raw() > hard.to_raw() {
            return Err(Error::invalid("current limit exceeds maximum limit"));
        }
        sys::prlimit_set(self.pid, resource.value(), soft.to_raw(), hard.to_raw())
            .map_err(|e| self.os_error(Failed::Call("prlimit"), e))
    }
}

/// Splits a kernel I/O priority into class and value; `None` for a class above 3.
fn decode_ioprio(prio: i64) -> Option<Ionice> {
    let class = IoPriorityClass::from_value(prio >> IOPRIO_CLASS_SHIFT)?;
    Some(Ionice {
        ioclass: class,
        value: (prio & ((1 << IOPRIO_CLASS_SHIFT) - 1)) as u32,
    })
}

/// psutil's `ionice` setter rules, then the kernel encoding.
fn encode_ioprio(ioclass: IoPriorityClass, value: Option<i64>) -> Result<i32> {
    let value = value.unwrap_or(0);
    if value != 0 && matches!(ioclass, IoPriorityClass::Idle | IoPriorityClass::None) {
        return Err(Error::invalid(format!(
            "{} ioclass accepts no value",
            ioclass.repr()
        )));
    }
    if !(0..=7).contains(&value) {
        return Err(Error::invalid("value not in 0-7 range"));
    }
    Ok((ioclass.value() << IOPRIO_CLASS_SHIFT) | value as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ioprio_encoding() {
        assert_eq!(
            encode_ioprio(IoPriorityClass::Be, Some(4)).unwrap(),
            (2 << 13) | 4
        );
        assert_eq!(encode_ioprio(IoPriorityClass::Rt, None).unwrap(), 1 << 13);
        assert_eq!(encode_ioprio(IoPriorityClass::Idle, Some(0)).unwrap(), 3 << 13);
        assert_eq!(
            encode_ioprio(IoPriorityClass::Idle, Some(1))
                .unwrap_err()
                .to_string(),
            "<ProcessIOPriority.IOPRIO_CLASS_IDLE: 3> ioclass accepts no value"
        );
        assert_eq!(
            encode_ioprio(IoPriorityClass::None, Some(7))
                .unwrap_err()
                .to_string(),
            "<ProcessIOPriority.IOPRIO_CLASS_NONE: 0> ioclass accepts no value"
        );
        for bad in [8, -1, i64::MAX, i64::MIN] {
            assert_eq!(
                encode_ioprio(IoPriorityClass::Be, Some(bad))
                    .unwrap_err()
                    .to_string(),
                "value not in 0-7 range"
            );
        }
        // psutil checks "accepts no value" before the range.
        assert!(encode_ioprio(IoPriorityClass::Idle, Some(9))
            .unwrap_err()
            .to_string()
            .contains("accepts no value"));
    }

    #[test]
    fn ioprio_decoding() {
        let d = decode_ioprio((2 << 13) | 6).unwrap();
        assert_eq!((d.ioclass, d.value), (IoPriorityClass::Be, 6));
        let d = decode_ioprio(0).unwrap();
        assert_eq!((d.ioclass, d.value), (IoPriorityClass::None, 0));
        assert!(decode_ioprio(7 << 13).is_none());
        assert!(decode_ioprio(-1).is_none());
    }
}
