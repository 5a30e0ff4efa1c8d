//! Actions on the selected process. Each goes through the row's `Process` handle
//! (from `process_iter`'s cache), which holds a pidfd or checks the process's start
//! time first: once the process has exited, the action fails with `NoSuchProcess`
//! even when another process got its PID, and the footer says so.

use super::app::{App, Mode};
use psoxide::{Pid, Process};
use std::sync::Arc;

/// The signals offered by `k`: number and name, in number order.
pub const SIGNALS: [(i32, &str); 31] = [
    (1, "SIGHUP"),
    (2, "SIGINT"),
    (3, "SIGQUIT"),
    (4, "SIGILL"),
    (5, "SIGTRAP"),
    (6, "SIGABRT"),
    (7, "SIGBUS"),
    (8, "SIGFPE"),
    (9, "SIGKILL"),
    (10, "SIGUSR1"),
    (11, "SIGSEGV"),
    (12, "SIGUSR2"),
    (13, "SIGPIPE"),
    (14, "SIGALRM"),
    (15, "SIGTERM"),
    (16, "SIGSTKFLT"),
    (17, "SIGCHLD"),
    (18, "SIGCONT"),
    (19, "SIGSTOP"),
    (20, "SIGTSTP"),
    (21, "SIGTTIN"),
    (22, "SIGTTOU"),
    (23, "SIGURG"),
    (24, "SIGXCPU"),
    (25, "SIGXFSZ"),
    (26, "SIGVTALRM"),
    (27, "SIGPROF"),
    (28, "SIGWINCH"),
    (29, "SIGIO"),
    (30, "SIGPWR"),
    (31, "SIGSYS"),
];

/// Index of SIGTERM in [`SIGNALS`], the picker's initial choice.
pub const SIGTERM_INDEX: usize = 14;

/// A signal waiting for confirmation, with the handle it will go through.
#[derive(Clone, Debug)]
pub struct Pending {
    /// The handle of the process chosen when the action was asked for.
    pub proc: Arc<Process>,
    /// Its PID and name, for the question.
    pub pid: Pid,
    /// Its name.
    pub name: String,
    /// The signal number.
    pub sig: i32,
    /// The signal's name.
    pub sig_name: &'static str,
}

impl PartialEq for Pending {
    fn eq(&self, o: &Self) -> bool {
        self.pid == o.pid && self.sig == o.sig && Arc::ptr_eq(&self.proc, &o.proc)
    }
}

/// What an action did, for the footer: `Ok(message)` or `Err(message)`.
pub type Outcome = Result<String, String>;

fn failed(what: &str, pid: Pid, e: &psoxide::Error) -> String {
    format!("{what} PID {pid}: {e} ({})", e.exception_name())
}

/// Sends the confirmed signal through its handle.
pub fn send(p: &Pending) -> Outcome {
    match p.proc.send_signal(p.sig) {
        Ok(()) => Ok(format!(
            "sent {} ({}) to PID {} ({})",
            p.sig_name, p.sig, p.pid, p.name
        )),
        Err(e) => Err(failed(&format!("{} to", p.sig_name), p.pid, &e)),
    }
}

/// Changes the nice value by `delta` (positive: lower priority).
pub fn renice(proc: &Process, delta: i32) -> Outcome {
    let pid = proc.pid();
    let cur = proc.nice().map_err(|e| failed("nice of", pid, &e))?;
    let new = (cur + delta).clamp(-20, 19);
    proc.set_nice(new)
        .map(|()| format!("PID {pid}: nice {cur} -> {new}"))
        .map_err(|e| failed("renice", pid, &e))
}

/// Stops (`suspend`) or continues (`resume`) the process.
pub fn suspend_resume(proc: &Process, suspend: bool) -> Outcome {
    let pid = proc.pid();
    let r = if suspend { proc.suspend() } else { proc.resume() };
    let verb = if suspend { "suspend" } else { "resume" };
    r.map(|()| format!("PID {pid}: {verb}ed"))
        .map_err(|e| failed(verb, pid, &e))
}

impl App {
    /// Opens the signal picker for the selected process.
    /// The selected row's process is the target; from the detail view, its process
    /// (the selection may have moved on if it exited).
    pub fn ask_signal(&mut self) {
        self.signal_target = self.current_target();
        if self.signal_target.is_some() {
            self.mode = Mode::SignalPick(SIGTERM_INDEX);
        }
    }

    /// The mode a closed window returns to: the detail view while it is open.
    pub fn base_mode(&self) -> Mode {
        if self.detail.is_some() {
            Mode::Detail
        } else {
            Mode::Normal
        }
    }

    /// The process an action applies to now: the detail view's, else the selected row's.
    fn current_target(&self) -> Option<(Arc<Process>, Pid, String)> {
        match (&self.mode, &self.detail) {
            (Mode::Detail, Some(d)) => Some((Arc::clone(&d.proc), d.pid, d.name.clone())),
            _ => self
                .selected_row()
                .map(|r| (Arc::clone(&r.proc), r.pid, r.name.clone())),
        }
    }

    /// Moves from the picker to the confirmation for signal `SIGNALS[i]`, for the
    /// target chosen when the picker opened (a refresh in between does not change it).
    pub fn pick_signal(&mut self, i: usize) {
        let target = self.signal_target.take().or_else(|| self.current_target());
        let Some((proc, pid, name)) = target else {
            self.mode = self.base_mode();
            return;
        };
        let (sig, sig_name) = SIGNALS[i.min(SIGNALS.len() - 1)];
        self.mode = Mode::Confirm(Pending {
            proc,
            pid,
            name,
            sig,
            sig_name,
        });
    }

    /// Answers the confirmation: `yes` sends the signal.
    pub fn confirm(&mut self, yes: bool) {
        let back = self.base_mode();
        let Mode::Confirm(p) = std::mem::replace(&mut self.mode, back) else {
            return;
        };
        if !yes {
            self.say("cancelled", false);
            return;
        }
        self.report(send(&p));
    }

    /// Renices the selected process by `delta`.
    pub fn renice_selected(&mut self, delta: i32) {
        if let Some((proc, _, _)) = self.current_target() {
            let out = renice(&proc, delta);
            self.report(out);
        }
    }

    /// Suspends or resumes the selected process.
    pub fn suspend_selected(&mut self, suspend: bool) {
        if let Some((proc, _, _)) = self.current_target() {
            let out = suspend_resume(&proc, suspend);
            self.report(out);
        }
    }

    fn report(&mut self, out: Outcome) {
        match out {
            Ok(m) => self.say(m, false),
            Err(m) => self.say(m, true),
        }
    }
}
