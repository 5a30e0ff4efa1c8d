//! The psutil column: a long-lived Python process running `py/system_runner.py`.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

/// The runner's source, embedded so the binary works from any directory.
pub const RUNNER_PY: &str = include_str!("../../py/system_runner.py");

/// A running psutil runner.
pub struct PyRunner {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    /// psutil's version, as the runner reports it.
    pub psutil_version: String,
    /// Python's version.
    pub python_version: String,
}

impl PyRunner {
    /// Starts `python -c RUNNER_PY`; `Err` with the reason if psutil cannot be imported.
    pub fn start(python: &str) -> Result<Self, String> {
        let mut child = Command::new(python)
            .args(["-c", RUNNER_PY])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run {python}: {e}"))?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
        let mut r = PyRunner {
            child,
            stdin,
            stdout,
            psutil_version: String::new(),
            python_version: String::new(),
        };
        match r.ask("VERSION") {
            Some(v) => {
                let mut it = v.split_whitespace();
                r.psutil_version = it.next().unwrap_or("?").to_string();
                r.python_version = it.next().unwrap_or("?").to_string();
                Ok(r)
            }
            None => {
                let _ = r.child.kill();
                let mut err = String::new();
                if let Some(mut e) = r.child.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                let last = err.lines().last().unwrap_or("runner exited").to_string();
                Err(format!("{python}: {last}"))
            }
        }
    }

    fn ask(&mut self, line: &str) -> Option<String> {
        writeln!(self.stdin, "{line}").ok()?;
        self.stdin.flush().ok()?;
        let mut s = String::new();
        if self.stdout.read_line(&mut s).ok()? == 0 {
            return None;
        }
        let s = s.trim().to_string();
        (s != "NA").then_some(s)
    }

    /// Runs `call` `n` times inside Python; the elapsed ns, or `None` if unsupported.
    pub fn time(&mut self, call: &str, n: u64) -> Option<u64> {
        self.ask(&format!("{call} {n}"))?.parse().ok()
    }

    /// psutil's value of `call` as JSON.
    pub fn json(&mut self, call: &str) -> Option<Value> {
        serde_json::from_str(&self.ask(&format!("JSON {call}"))?).ok()
    }
}

impl Drop for PyRunner {
    fn drop(&mut self) {
        let _ = self.stdin.flush();
        // closing stdin ends the runner's loop
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
