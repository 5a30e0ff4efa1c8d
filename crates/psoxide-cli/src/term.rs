//! Terminal helpers for the overview: width, bars, and human-readable sizes.

use std::io::IsTerminal;

/// True when standard output is a terminal.
pub fn stdout_is_tty() -> bool {
    std::io::stdout().is_terminal()
}

/// The terminal width in columns (80 when unknown), clamped to 40..=200.
pub fn width() -> usize {
    let w = match rustix::termios::tcgetwinsize(std::io::stdout()) {
        Ok(ws) if ws.ws_col > 0 => ws.ws_col as usize,
        _ => 80,
    };
    w.clamp(40, 200)
}

/// A bar `[|||||      text]` of `inner` columns, filled to `percent` (0-100), with
/// `text` right-aligned inside it.
pub fn bar(percent: f64, inner: usize, text: &str) -> String {
    let p = if percent.is_finite() {
        percent.clamp(0.0, 100.0)
    } else {
        0.0
    };
    let filled = ((p / 100.0) * inner as f64).round() as usize;
    let mut cells: Vec<char> = (0..inner).map(|i| if i < filled { '|' } else { ' ' }).collect();
    let t: Vec<char> = text.chars().collect();
    if t.len() <= inner {
        let start = inner - t.len();
        cells[start..].copy_from_slice(&t);
    }
    let s: String = cells.into_iter().collect();
    format!("[{s}]")
}

/// Bytes in psutil's `bytes2human` style (`9.8K`, `1.2G`).
pub fn human(n: u64) -> String {
    psoxide::bytes2human(n.min(i64::MAX as u64) as i64)
}

/// A rate in bytes per second, e.g. `1.2M/s`.
pub fn rate(bytes: f64) -> String {
    if !bytes.is_finite() || bytes <= 0.0 {
        return "0B/s".to_string();
    }
    format!("{}/s", human(bytes as u64))
}

/// Seconds as `3d 04:05:06` or `04:05:06`.
pub fn duration(secs: f64) -> String {
    let s = if secs.is_finite() && secs > 0.0 {
        secs as u64
    } else {
        0
    };
    let (d, h, m, sec) = (s / 86400, (s % 86400) / 3600, (s % 3600) / 60, s % 60);
    if d > 0 {
        format!("{d}d {h:02}:{m:02}:{sec:02}")
    } else {
        format!("{h:02}:{m:02}:{sec:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars() {
        assert_eq!(bar(50.0, 10, ""), "[|||||     ]");
        assert_eq!(bar(100.0, 4, "x"), "[|||x]");
        assert_eq!(bar(f64::NAN, 3, ""), "[   ]");
        assert_eq!(bar(10.0, 2, "toolong"), "[  ]");
    }

    #[test]
    fn durations() {
        assert_eq!(duration(0.0), "00:00:00");
        assert_eq!(duration(3661.5), "01:01:01");
        assert_eq!(duration(90000.0), "1d 01:00:00");
    }
}
