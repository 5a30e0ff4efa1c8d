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

/// psutil's `bytes2human(n)`: a byte count as a short human-readable string.
///
/// The largest binary prefix `K` (2^10), `M` (2^20), ... `E` (2^60) whose size is at
/// most `|n|` is used, and the quotient is printed with one decimal and no space:
/// `bytes2human(10000) == "9.8K"`, `bytes2human(100001221) == "95.4M"`,
/// `bytes2human(-2048) == "-2.0K"`. Below 1024 the suffix is `B`
/// (`bytes2human(1023) == "1023.0B"`, `bytes2human(0) == "0.0B"`). psutil also knows
/// `Z` (2^70) and `Y` (2^80), which an `i64` never reaches. The decimal is rounded the
/// way Python's `"%.1f"` does (exact binary value, ties to even), so the strings are
/// identical to psutil's.
pub fn bytes2human(n: i64) -> String {
    bytes2human_wide(i128::from(n))
}

/// [`bytes2human`] for any integer up to 128 bits (reaches the `Z` and `Y` prefixes).
pub(crate) fn bytes2human_wide(n: i128) -> String {
    const SYMBOLS: [char; 8] = ['K', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
    let magnitude = n.unsigned_abs();
    for (i, symbol) in SYMBOLS.iter().enumerate().rev() {
        let prefix: u128 = 1 << ((i + 1) * 10);
        if magnitude >= prefix {
            // Python: float(n) / prefix. Both conversions round to nearest, ties to even,
            // and dividing by a power of two is exact.
            let value = n as f64 / prefix as f64;
            return format!("{value:.1}{symbol}");
        }
    }
    format!("{:.1}B", n as f64)
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

#[cfg(test)]
mod bytes2human_tests {
    use super::{bytes2human, bytes2human_wide};

    /// Expected strings computed with psutil 7.2.2's `psutil._common.bytes2human`
    /// (the default format of 8.0's public function).
    const CASES: &[(i64, &str)] = &[
        (0, "0.0B"),
        (1, "1.0B"),
        (-1, "-1.0B"),
        (5, "5.0B"),
        (-5, "-5.0B"),
        (1023, "1023.0B"),
        (-1023, "-1023.0B"),
        (1024, "1.0K"),
        (-1024, "-1.0K"),
        (1025, "1.0K"),
        (1280, "1.2K"),
        (1792, "1.8K"),
        (2304, "2.2K"),
        (2816, "2.8K"),
        (1331, "1.3K"),
        (1332, "1.3K"),
        (1383, "1.4K"),
        (2048, "2.0K"),
        (-2048, "-2.0K"),
        (-1280, "-1.2K"),
        (10000, "9.8K"),
        (100001221, "95.4M"),
        (1536, "1.5K"),
        (1587, "1.5K"),
        (1638, "1.6K"),
        (9223372036854775807, "8.0E"),
        (-9223372036854775808, "-8.0E"),
        (-9223372036854775807, "-8.0E"),
        (4611686018427387904, "4.0E"),
        (1152921504606846975, "1024.0P"),
        (1152921504606846976, "1.0E"),
        (1224979098644774912, "1.1E"),
        (1048575, "1024.0K"),
        (1048576, "1.0M"),
        (1073741823, "1024.0M"),
        (1048577, "1.0M"),
        (-1048576, "-1.0M"),
        (-1048575, "-1024.0K"),
        (1310720, "1.2M"),
        (1625292, "1.5M"),
        (1073741824, "1.0G"),
        (1073741825, "1.0G"),
        (-1073741824, "-1.0G"),
        (-1073741823, "-1024.0M"),
        (1342177280, "1.2G"),
        (1664299827, "1.5G"),
        (1099511627775, "1024.0G"),
        (1099511627776, "1.0T"),
        (1099511627777, "1.0T"),
        (-1099511627776, "-1.0T"),
        (-1099511627775, "-1024.0G"),
        (1374389534720, "1.2T"),
        (1704243023052, "1.5T"),
        (1125899906842623, "1024.0T"),
        (1125899906842624, "1.0P"),
        (1125899906842625, "1.0P"),
        (-1125899906842624, "-1.0P"),
        (-1125899906842623, "-1024.0T"),
        (1407374883553280, "1.2P"),
        (1745144855606067, "1.5P"),
        (1152921504606846977, "1.0E"),
        (-1152921504606846976, "-1.0E"),
        (-1152921504606846975, "-1024.0P"),
        (1441151880758558720, "1.2E"),
        (1787028332140612812, "1.6E"),
        (8261657684473197624, "7.2E"),
        (-781476659248, "-727.8G"),
        (3779, "3.7K"),
        (-8531699129511414324, "-7.4E"),
        (740596868954, "689.7G"),
        (-3856, "-3.8K"),
        (8258772313671944433, "7.2E"),
        (-883059533292, "-822.4G"),
        (-1378, "-1.3K"),
        (-3881023613069443411, "-3.4E"),
        (-647763847797, "-603.3G"),
        (4528, "4.4K"),
        (2562501216369800041, "2.2E"),
        (-672710430205, "-626.5G"),
        (3974, "3.9K"),
        (2195339552552519092, "1.9E"),
        (779672801634, "726.1G"),
        (146, "146.0B"),
        (-2553354791350442960, "-2.2E"),
        (-26715428320, "-24.9G"),
        (-3659, "-3.6K"),
        (6920065358279733766, "6.0E"),
        (875011304736, "814.9G"),
        (-283, "-283.0B"),
        (8857662617962200316, "7.7E"),
        (-376161298200, "-350.3G"),
        (604, "604.0B"),
        (7992424660898182485, "6.9E"),
        (-925901755287, "-862.3G"),
        (-3729, "-3.6K"),
        (1740816960299813499, "1.5E"),
        (-796904530070, "-742.2G"),
        (-3467, "-3.4K"),
        (-4243871333037465898, "-3.7E"),
        (-832944482638, "-775.7G"),
        (72, "72.0B"),
    ];
    const WIDE: &[(i128, &str)] = &[
        (1180591620717411303424, "1.0Z"),
        (1180591620717411303423, "1024.0E"),
        (-1180591620717411303424, "-1.0Z"),
        (1208925819614629174706176, "1.0Y"),
        (1208925819614629174706175, "1024.0Z"),
        (1208925819614629174706176000, "1000.0Y"),
        (1237940039285380274899124231, "1024.0Y"),
        (-170141183460469231731687303715884105728, "-140737488355328.0Y"),
        (170141183460469231731687303715884105727, "140737488355328.0Y"),
    ];

    #[test]
    fn matches_psutil() {
        for &(n, want) in CASES {
            assert_eq!(bytes2human(n), want, "bytes2human({n})");
            assert_eq!(bytes2human_wide(i128::from(n)), want, "bytes2human_wide({n})");
        }
    }

    #[test]
    fn zetta_and_yotta_prefixes_match_psutil() {
        for &(n, want) in WIDE {
            assert_eq!(bytes2human_wide(n), want, "bytes2human_wide({n})");
        }
    }

    #[test]
    fn spec_examples() {
        assert_eq!(bytes2human(10000), "9.8K");
        assert_eq!(bytes2human(100001221), "95.4M");
        assert_eq!(bytes2human(-2048), "-2.0K");
        assert_eq!(bytes2human(1023), "1023.0B");
        assert_eq!(bytes2human(0), "0.0B");
    }
}
