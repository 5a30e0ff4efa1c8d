//! The sysinfo 0.40 column (single-threaded: no `multithread` feature). One `System`
//! is kept across scans, as a monitor keeps it; `Users` gives the names.

use super::rows::{full_name, status_str, Lite, Row};
use std::hint::black_box;
use sysinfo::{
    Pid, ProcessRefreshKind, ProcessStatus, ProcessesToUpdate, System, ThreadKind, UpdateKind, Users,
};

/// The sysinfo runner's state.
pub struct Si {
    sys: System,
    users: Users,
    me: Pid,
}

impl Default for Si {
    fn default() -> Self {
        Self::new()
    }
}

fn letter(s: ProcessStatus) -> u8 {
    match s {
        ProcessStatus::Run => b'R',
        ProcessStatus::Sleep => b'S',
        ProcessStatus::Idle => b'I',
        ProcessStatus::Zombie => b'Z',
        ProcessStatus::Stop => b'T',
        ProcessStatus::Tracing => b't',
        ProcessStatus::Dead => b'X',
        ProcessStatus::UninterruptibleDiskSleep => b'D',
        ProcessStatus::Wakekill => b'K',
        ProcessStatus::Waking => b'W',
        ProcessStatus::Parked => b'P',
        _ => b'?',
    }
}

impl Si {
    /// A new `System` and `Users`.
    pub fn new() -> Si {
        Si {
            sys: System::new().expect("sysinfo System"),
            users: Users::new().expect("sysinfo Users"),
            me: sysinfo::get_current_pid().expect("current pid"),
        }
    }

    /// W1. `tasks`: refresh threads too (sysinfo's only source of a thread count);
    /// `cold`: a new `System` first.
    pub fn w1(&mut self, tasks: bool, cold: bool) -> Vec<Row> {
        let base = ProcessRefreshKind::nothing()
            .with_cpu()
            .with_memory()
            .with_cmd(UpdateKind::Always)
            .with_user(UpdateKind::Always);
        let kind = if tasks {
            base.with_tasks()
        } else {
            base.without_tasks()
        };
        if cold {
            if let Ok(s) = System::new() {
                self.sys = s;
            }
        }
        self.sys
            .refresh_processes_specifics(ProcessesToUpdate::All, true, kind);
        self.users.refresh();
        let mut out = Vec::with_capacity(self.sys.processes().len());
        for (pid, p) in self.sys.processes() {
            if p.thread_kind() == Some(ThreadKind::Userland) {
                continue; // threads are listed as processes when tasks are on
            }
            let cmdline: Vec<String> = p.cmd().iter().map(|s| s.to_string_lossy().into_owned()).collect();
            let username = p
                .user_id()
                .and_then(|u| self.users.get_user_by_id(u))
                .map(|u| u.name().to_string())
                .unwrap_or_default();
            let secs = p.accumulated_cpu_time() as f64 / 1000.0; // user+system only
            out.push(Row {
                pid: pid.as_u32(),
                ppid: p.parent().map_or(0, |x| x.as_u32()),
                name: full_name(p.name().as_encoded_bytes(), &cmdline),
                status: status_str(letter(p.status())),
                utime: secs,
                stime: 0.0,
                rss: p.memory(),
                vms: p.virtual_memory(),
                num_threads: p.tasks().map_or(0, |t| t.len() as u64 + 1),
                create_time: p.start_time() as f64,
                cmdline,
                username,
            });
        }
        out
    }

    /// W2: sysinfo's name is the truncated comm (no cmdline read).
    pub fn w2(&mut self) -> Vec<Lite> {
        let kind = ProcessRefreshKind::nothing().with_memory().without_tasks();
        self.sys
            .refresh_processes_specifics(ProcessesToUpdate::All, true, kind);
        self.sys
            .processes()
            .iter()
            .map(|(pid, p)| Lite {
                pid: pid.as_u32(),
                name: p.name().to_string_lossy().into_owned(),
                rss: p.memory(),
            })
            .collect()
    }

    fn me(&mut self, kind: ProcessRefreshKind) -> Option<&sysinfo::Process> {
        self.sys.refresh_processes_specifics(
            ProcessesToUpdate::Some(&[self.me]),
            false,
            kind.without_tasks(),
        );
        self.sys.process(self.me)
    }

    /// The W3 calls sysinfo has, and `pids` (a full refresh is its only listing).
    pub fn call(&mut self, w: &str) -> Option<usize> {
        let none = ProcessRefreshKind::nothing();
        Some(match w {
            "w3.name" => black_box(self.me(none)?.name().len()),
            "w3.cpu_times" => black_box(self.me(none.with_cpu())?.accumulated_cpu_time()) as usize & 1,
            "w3.memory_info" => black_box(self.me(none.with_memory())?.memory()) as usize & 1,
            "w3.num_fds" => self.me(none)?.open_files()?,
            "w3.cmdline" => black_box(self.me(none.with_cmd(UpdateKind::Always))?.cmd().len()),
            "w3.oneshot" => {
                let p = self.me(none.with_cpu().with_memory().with_cmd(UpdateKind::Always))?;
                black_box((
                    p.name().len(),
                    p.accumulated_cpu_time(),
                    p.memory(),
                    p.cmd().len(),
                    p.open_files(),
                ));
                5
            }
            "pids" => {
                self.sys
                    .refresh_processes_specifics(ProcessesToUpdate::All, true, none.without_tasks());
                self.sys.processes().len()
            }
            _ => return None,
        })
    }
}
