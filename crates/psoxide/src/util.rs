//! Small utilities: psutil's `bytes2human` and Python-compatible rounding.

/// Rounds like Python's `round(x, 1)`: to the nearest multiple of 0.1 based on the exact
/// binary value of `x`, ties to even (so `round1(0.25) == 0.2`, `round1(0.35) == 0.3`).
/// psutil rounds every percentage this way; matching it exactly keeps psoxide's numbers
/// identical to psutil's. Non-finite values are returned unchanged.
pub fn round1(x: f64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    // Rust's fixed-precision formatting is exact and rounds ties to even, like CPython's
    // float rounding, so formatting then parsing gives the same double as Python.
    format!("{x:.1}").parse().unwrap_or(x)
}

#[cfg(test)]
mod round_tests {
    use super::round1;

    #[test]
    fn matches_python_round() {
        for (x, want) in [
            (0.25, 0.2),
            (0.35, 0.3),
            (0.05, 0.1),
            (0.15, 0.1),
            (2.675, 2.7),
            (12.45, 12.4),
            (99.95, 100.0),
            (-0.25, -0.2),
            (33.333333, 33.3),
        ] {
            assert_eq!(round1(x), want, "round1({x})");
        }
    }
}
