//! The procfs 0.18 column: `all_processes()` and the typed parsers.

use super::rows::{full_name, passwd, status_str, user, Consts, Lite, Row};
use procfs::process::{all_processes, FDTarget, Process};
use std::collections::HashMap;
use std::hint::black_box;
use std::io::Read;

/// The procfs runner's state.
pub struct Pf {
    k: Consts,
    me: Process,
}

impl Default for Pf {
    fn default() -> Self {
        Self::new()
    }
}

impl Pf {
    /// `Process::myself()`.
    pub fn new() -> Pf {
        Pf {
            k: Consts::read(),
            me: Process::myself().expect("procfs myself"),
        }
    }

    /// W1: `stat` + `status` (real uid, exact VmRSS, Threads) + `cmdline`.
    pub fn w1(&mut self) -> Vec<Row> {
        let users = passwd();
        let mut out = Vec::with_capacity(1024);
        let Ok(all) = all_processes() else { return out };
        for p in all.flatten() {
            let (Ok(st), Ok(status)) = (p.stat(), p.status()) else {
                continue;
            };
            let cmdline = p.cmdline().unwrap_or_default();
            let hz = self.k.hz;
            out.push(Row {
                pid: st.pid as u32,
                ppid: st.ppid as u32,
                name: full_name(st.comm.as_bytes(), &cmdline),
                status: status_str(st.state as u8),
                utime: st.utime as f64 / hz,
                stime: st.stime as f64 / hz,
                rss: status.vmrss.unwrap_or(0) * 1024,
                vms: status.vmsize.unwrap_or(0) * 1024,
                num_threads: status.threads,
                create_time: self.k.btime + st.starttime as f64 / hz,
                cmdline,
                username: user(&users, status.ruid),
            });
        }
        out
    }

    /// W2: `stat` only (its rss is the approximate counter), `cmdline` for 15-byte comms.
    pub fn w2(&mut self) -> Vec<Lite> {
        let mut out = Vec::with_capacity(1024);
        let Ok(all) = all_processes() else { return out };
        for p in all.flatten() {
            let Ok(st) = p.stat() else { continue };
            let name = if st.comm.len() >= 15 {
                full_name(st.comm.as_bytes(), &p.cmdline().unwrap_or_default())
            } else {
                st.comm
            };
            out.push(Lite {
                pid: st.pid as u32,
                name,
                rss: st.rss * self.k.page,
            });
        }
        out
    }

    fn name(&self) -> Option<String> {
        let st = self.me.stat().ok()?;
        Some(full_name(
            st.comm.as_bytes(),
            &if st.comm.len() >= 15 {
                self.me.cmdline().ok()?
            } else {
                vec![]
            },
        ))
    }

    fn full_info(&self) -> Option<(u64, u64, u64, u64)> {
        let rss = self.me.statm().ok()?.resident * self.k.page;
        let r = self.me.smaps_rollup().ok()?;
        let m = &r.memory_map_rollup.0.first()?.extension.map;
        let g = |k: &str| m.get(k).copied().unwrap_or(0);
        Some((
            rss,
            g("Private_Clean") + g("Private_Dirty") + g("Private_Hugetlb"),
            g("Pss"),
            g("Swap"),
        ))
    }

    fn open_files(&self) -> Option<Vec<(String, i32, u64, u32)>> {
        let mut out = Vec::new();
        for fd in self.me.fd().ok()?.flatten() {
            let FDTarget::Path(p) = fd.target else { continue };
            if !p.is_absolute() || !std::fs::metadata(&p).is_ok_and(|m| m.is_file()) {
                continue;
            }
            let mut s = String::new();
            self.me
                .open_relative(format!("fdinfo/{}", fd.fd))
                .ok()?
                .read_to_string(&mut s)
                .ok()?;
            let (mut pos, mut flags) = (0, 0);
            for line in s.lines() {
                if let Some(v) = line.strip_prefix("pos:") {
                    pos = v.trim().parse().unwrap_or(0);
                } else if let Some(v) = line.strip_prefix("flags:") {
                    flags = u32::from_str_radix(v.trim(), 8).unwrap_or(0);
                }
            }
            out.push((p.to_string_lossy().into_owned(), fd.fd, pos, flags));
        }
        Some(out)
    }

    fn net(&self) -> Option<usize> {
        let mut owner: HashMap<u64, (i32, i32)> = HashMap::new();
        for p in all_processes().ok()?.flatten() {
            let Ok(fds) = p.fd() else { continue };
            for fd in fds.flatten() {
                if let FDTarget::Socket(ino) = fd.target {
                    owner.insert(ino, (p.pid, fd.fd));
                }
            }
        }
        let mut n = 0;
        for e in procfs::net::tcp()
            .ok()?
            .into_iter()
            .chain(procfs::net::tcp6().ok()?)
        {
            black_box((e.local_address, e.remote_address, e.state, owner.get(&e.inode)));
            n += 1;
        }
        for e in procfs::net::udp()
            .ok()?
            .into_iter()
            .chain(procfs::net::udp6().ok()?)
        {
            black_box((e.local_address, e.remote_address, owner.get(&e.inode)));
            n += 1;
        }
        Some(n)
    }

    /// One W3 call, `net` or `pids`.
    pub fn call(&mut self, w: &str) -> Option<usize> {
        Some(match w {
            "w3.name" => black_box(self.name()?).len(),
            "w3.cpu_times" => {
                let s = self.me.stat().ok()?;
                black_box((s.utime, s.stime, s.cutime, s.cstime, s.delayacct_blkio_ticks)).0 as usize & 1
            }
            "w3.memory_info" => black_box(self.me.statm().ok()?).resident as usize & 1,
            "w3.memory_full_info" => black_box(self.full_info()?).1 as usize & 1,
            "w3.num_fds" => self.me.fd_count().ok()?,
            "w3.open_files" => black_box(self.open_files()?).len(),
            "w3.cmdline" => black_box(self.me.cmdline().ok()?).len(),
            "w3.oneshot" => {
                let st = self.me.stat().ok()?;
                let cmd = self.me.cmdline().ok()?;
                let name = full_name(st.comm.as_bytes(), &cmd);
                black_box((
                    name,
                    st.utime,
                    st.stime,
                    self.full_info()?,
                    self.me.fd_count().ok()?,
                    self.open_files()?,
                    cmd,
                ));
                7
            }
            "net" => self.net()?,
            "pids" => black_box(all_processes().ok()?.flatten().map(|p| p.pid).collect::<Vec<_>>()).len(),
            _ => return None,
        })
    }
}
