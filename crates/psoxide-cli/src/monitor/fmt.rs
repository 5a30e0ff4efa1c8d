//! Text helpers shared by the panels: sizes, rates, durations, text bars.

/// Bytes in psutil's `bytes2human` style (`9.8K`, `1.2G`).
pub fn human(n: u64) -> String {
    psoxide::bytes2human(n.min(i64::MAX as u64) as i64)
}

/// A rate in bytes per second, e.g. `1.2M/s`; `0B/s` for anything not positive.
pub fn rate(bytes_per_sec: f64) -> String {
    if !bytes_per_sec.is_finite() || bytes_per_sec < 1.0 {
        return "0B/s".to_string();
    }
    format!("{}/s", human(bytes_per_sec as u64))
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

/// CPU seconds as top's `TIME+`: `MMM:SS.hh`, or `HHHhMM` past 999 minutes.
pub fn cpu_time(secs: f64) -> String {
    let s = if secs.is_finite() && secs > 0.0 { secs } else { 0.0 };
    let centis = (s * 100.0) as u64;
    let minutes = centis / 6000;
    if minutes > 999 {
        return format!("{}h{:02}", minutes / 60, minutes % 60);
    }
    format!("{}:{:02}.{:02}", minutes, (centis / 100) % 60, centis % 100)
}

/// A bar `[|||||     text]` of `inner` cells between brackets, filled to `percent`
/// (0-100; NaN counts as 0), with `text` right-aligned inside when it fits.
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
    let mut s = String::with_capacity(inner + 2);
    s.push('[');
    s.extend(cells);
    s.push(']');
    s
}

/// `s` cut to at most `width` characters (by `char`; the table only holds text that
/// ratatui would also count one column per `char` after this cut, or less).
pub fn clip(s: &str, width: usize) -> &str {
    match s.char_indices().nth(width) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// `s` with control characters (escape sequences a process may put in its name or
/// its command line) replaced by spaces, so that nothing printed can drive the
/// terminal.
pub fn clean(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
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
    fn durations_and_times() {
        assert_eq!(duration(0.0), "00:00:00");
        assert_eq!(duration(3661.5), "01:01:01");
        assert_eq!(duration(90000.0), "1d 01:00:00");
        assert_eq!(cpu_time(0.0), "0:00.00");
        assert_eq!(cpu_time(61.25), "1:01.25");
        assert_eq!(cpu_time(60.0 * 1000.0), "16h40");
    }

    #[test]
    fn rates_and_clips() {
        assert_eq!(rate(0.0), "0B/s");
        assert_eq!(rate(f64::NAN), "0B/s");
        assert_eq!(rate(2048.0), "2.0K/s");
        assert_eq!(clip("héllo", 2), "hé");
        assert_eq!(clip("ab", 5), "ab");
        assert_eq!(clean("a\x1b[2Jb\tc\u{9b}d"), "a [2Jb c d");
    }
}
