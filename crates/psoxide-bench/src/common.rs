//! What the `system` and `procs` drivers share: medians, the CPU model, and syscall
//! counts under `strace -c -f`.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::process::{Command, Stdio};

/// The median (mean of the two middle values for an even count); NaN when empty.
pub fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let n = s.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

/// The smallest value; +inf when empty.
pub fn min(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::INFINITY, f64::min)
}

/// The first `model name` of `/proc/cpuinfo`.
pub fn cpu_model() -> Option<String> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, m)| m.trim().to_string())
}

/// Whether `strace -V` runs.
pub fn have_strace() -> bool {
    Command::new("strace")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Syscalls per iteration of `argv N`: `strace -c -f` of `argv N` minus `argv 0`, divided
/// by N, by syscall name (entries under 0.05 in magnitude left out). `None` if strace or
/// the command fails.
pub fn strace_per_call(argv: &[String], n: u64, env: &[(&str, &OsStr)]) -> Option<BTreeMap<String, f64>> {
    let count = |k: u64| -> Option<BTreeMap<String, u64>> {
        let out = std::env::temp_dir().join(format!("psoxide-bench-strace-{}.txt", std::process::id()));
        let st = Command::new("strace")
            .args(["-c", "-f", "-o"])
            .arg(&out)
            .args(argv)
            .arg(k.to_string())
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .ok()?;
        let text = std::fs::read_to_string(&out);
        let _ = std::fs::remove_file(&out);
        if !st.success() {
            return None;
        }
        Some(parse_strace_c(&text.ok()?))
    };
    let a = count(n)?;
    let b = count(0)?;
    let mut d = BTreeMap::new();
    for k in a.keys().chain(b.keys()) {
        let v = (*a.get(k).unwrap_or(&0) as f64 - *b.get(k).unwrap_or(&0) as f64) / n as f64;
        if v.abs() >= 0.05 {
            d.insert(k.clone(), v);
        }
    }
    Some(d)
}

/// Calls by syscall name from an `strace -c` summary.
fn parse_strace_c(text: &str) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        // % time, seconds, usecs/call, calls, [errors], syscall
        if (f.len() == 5 || f.len() == 6) && f[0].parse::<f64>().is_ok() {
            let name = f[f.len() - 1];
            if name != "total" {
                if let Ok(c) = f[3].parse::<u64>() {
                    m.insert(name.to_string(), c);
                }
            }
        }
    }
    m
}

/// A small deterministic generator (xorshift64*): the same process table and the same
/// round orders on every run.
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }

    /// Shuffles `v` in place (Fisher-Yates).
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
        assert_eq!(min(&[3.0, 1.0]), 1.0);
    }

    #[test]
    fn strace_summary() {
        let text = "\
% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 40.00    0.000040           1        30           read
 30.00    0.000030           1        31         2 openat
------ ----------- ----------- --------- --------- ----------------
100.00    0.000070           1        61         2 total
";
        let m = parse_strace_c(text);
        assert_eq!(m.get("read"), Some(&30));
        assert_eq!(m.get("openat"), Some(&31));
        assert_eq!(m.len(), 2);
    }
}
