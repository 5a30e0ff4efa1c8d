//! Small utilities: psutil's `bytes2human` and Python-compatible rounding.

/// Rounds like Python's `round(x, 1)`: to the nearest multiple of 0.1 based on the exact
/// binary value of `x`, ties to even (so `round1(0.25) == 0.2`, `round1(0.35) == 0.3`),
/// keeping the sign of a zero result (`round1(-0.04)` is `-0.0`). psutil rounds every
/// percentage this way; matching it exactly keeps psoxide's numbers identical to
/// psutil's. Non-finite values are returned unchanged.
///
/// Fast path: for `|x * 10| < 1e15`, `y = x * 10` is rounded to an integer `k` directly
/// and `k / 10` returned. This is exact: floating-point multiplication rounds
/// monotonically and `floor(y) + 0.5` is representable, so `y` lies strictly on the
/// same side of that midpoint as the exact product whenever it is not equal to it;
/// and `k / 10` is the double nearest to the decimal `k/10`, which is what Python
/// returns. Only when `y` is within 1e-6 of a midpoint (or large) does the exact
/// decimal expansion (`round1_exact`) decide.
pub fn round1(x: f64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let y = x * 10.0;
    if y.abs() < 1e15 {
        let f = y.floor();
        let d = y - f; // exact: 0 <= d < 1
        if (d - 0.5).abs() > 1e-6 {
            let k = if d > 0.5 { f + 1.0 } else { f };
            let r = k / 10.0;
            return if r == 0.0 { 0.0f64.copysign(x) } else { r };
        }
    }
    round1_exact(x)
}

/// `round(x, 1)` by exact decimal formatting: Rust's fixed-precision formatting is
/// exact and rounds ties to even, like CPython's, so formatting then parsing gives the
/// same double as Python (about 0.1 µs; [`round1`] needs it only near ties).
fn round1_exact(x: f64) -> f64 {
    format!("{x:.1}").parse().unwrap_or(x)
}

/// A byte searcher over 16-byte vectors: on x86_64 the `memchr` crate's SSE2 routine
/// called directly. SSE2 is part of x86_64, so no CPU detection runs: the crate's
/// generic entry points detect AVX2 through std on their first call, which costs about
/// 70 µs of trapped `CPUID` instructions in a virtual machine, at every start of a
/// short-lived command. On `/proc` data (lines of tens of bytes, files of a few
/// hundred) the wider vectors would not pay that back.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
pub(crate) struct ByteFinder(Option<memchr::arch::x86_64::sse2::memchr::One>, u8);

#[cfg(target_arch = "x86_64")]
impl ByteFinder {
    /// A searcher for `needle`.
    #[inline]
    pub(crate) fn new(needle: u8) -> ByteFinder {
        ByteFinder(memchr::arch::x86_64::sse2::memchr::One::new(needle), needle)
    }

    /// The index of the first needle in `hay`.
    #[inline]
    pub(crate) fn find(&self, hay: &[u8]) -> Option<usize> {
        match &self.0 {
            Some(o) => o.find(hay),
            None => memchr::memchr(self.1, hay),
        }
    }

    /// The index of the last needle in `hay`.
    #[inline]
    pub(crate) fn rfind(&self, hay: &[u8]) -> Option<usize> {
        match &self.0 {
            Some(o) => o.rfind(hay),
            None => memchr::memrchr(self.1, hay),
        }
    }
}

/// A byte searcher: the `memchr` crate's (no run-time CPU detection is involved on
/// these architectures' baseline vector units).
#[cfg(not(target_arch = "x86_64"))]
#[derive(Clone, Copy)]
pub(crate) struct ByteFinder(u8);

#[cfg(not(target_arch = "x86_64"))]
impl ByteFinder {
    /// A searcher for `needle`.
    #[inline]
    pub(crate) fn new(needle: u8) -> ByteFinder {
        ByteFinder(needle)
    }

    /// The index of the first needle in `hay`.
    #[inline]
    pub(crate) fn find(&self, hay: &[u8]) -> Option<usize> {
        memchr::memchr(self.0, hay)
    }

    /// The index of the last needle in `hay`.
    #[inline]
    pub(crate) fn rfind(&self, hay: &[u8]) -> Option<usize> {
        memchr::memrchr(self.0, hay)
    }
}

/// The index of the first `needle` byte in `hay` ([`ByteFinder`]: vectorised, far
/// faster than a byte loop on a long `/proc` line).
#[inline]
pub(crate) fn find_byte(needle: u8, hay: &[u8]) -> Option<usize> {
    ByteFinder::new(needle).find(hay)
}

/// The index of the last `needle` byte in `hay`.
#[inline]
pub(crate) fn rfind_byte(needle: u8, hay: &[u8]) -> Option<usize> {
    ByteFinder::new(needle).rfind(hay)
}

/// Splits `bytes` at every `\n` like `bytes.split(|&b| b == b'\n')` (same pieces, the
/// last one possibly empty), each line found with one vectorised search.
pub(crate) fn split_lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let nl = ByteFinder::new(b'\n');
    let mut rest = Some(bytes);
    std::iter::from_fn(move || {
        let r = rest?;
        match nl.find(r) {
            Some(i) => {
                rest = r.get(i + 1..);
                r.get(..i)
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
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
        assert_eq!(round1(-0.04).to_bits(), (-0.0f64).to_bits());
        assert_eq!(round1(-0.0).to_bits(), (-0.0f64).to_bits());
        assert_eq!(round1(0.04).to_bits(), 0.0f64.to_bits());
        assert!(round1(f64::NAN).is_nan());
        assert_eq!(round1(f64::INFINITY), f64::INFINITY);
    }

    fn same(x: f64) {
        let (fast, exact) = (round1(x), super::round1_exact(x));
        assert_eq!(
            fast.to_bits(),
            exact.to_bits(),
            "round1({x:e}): {fast} vs exact {exact}"
        );
    }

    /// The fast path against exact formatting: random ratios and doubles of every
    /// magnitude, values on and next to every tie k/20 over several ranges, binary ties
    /// (n + 0.25, n + 0.75), and huge, tiny and subnormal values of both signs.
    #[test]
    fn fast_path_matches_exact_formatting() {
        let mut z = 0x1234_5678_9abc_def0u64;
        let mut next = || {
            z ^= z << 13;
            z ^= z >> 7;
            z ^= z << 17;
            z
        };
        for _ in 0..100_000 {
            let r = next();
            let ratio = (r % 1_000_000) as f64 / (1 + (r >> 32) % 1_000_000) as f64 * 100.0;
            same(ratio);
            same(-ratio);
            // any finite double with a random exponent in a wide band
            let bits = (next() & 0x800f_ffff_ffff_ffff) | ((1023 - 60 + next() % 120) << 52);
            same(f64::from_bits(bits));
        }
        for scale in [1i64, 1_000, 1_000_000, 10_000_000_000, 1_000_000_000_000] {
            for k in 0..20_000i64 {
                let t = (k + scale) as f64 / 20.0;
                for x in [
                    t,
                    -t,
                    f64::from_bits(t.to_bits() + 1),
                    f64::from_bits(t.to_bits() - 1),
                ] {
                    same(x);
                }
                let n = (k + scale) as f64;
                same(n + 0.25);
                same(n + 0.75);
                same(-(n + 0.25));
            }
        }
        for x in [
            0.05,
            0.15,
            0.25,
            0.35,
            0.45,
            0.95,
            1e-300,
            -1e-300,
            5e-324,
            -5e-324,
            1e14,
            1e15,
            1e16,
            9.99e14,
            99_999_999_999_999.95,
            1e300,
            -1e300,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            0.0,
            -0.0,
        ] {
            same(x);
        }
    }
}

#[cfg(test)]
mod line_tests {
    use super::{find_byte, rfind_byte, split_lines};

    #[test]
    fn byte_searches_match_iterators() {
        for hay in [
            &b""[..],
            b")",
            b"a(b)c)d",
            b"((((",
            b"no parens here at all, just a long line",
        ] {
            for needle in [b'(', b')', b'z'] {
                assert_eq!(find_byte(needle, hay), hay.iter().position(|&c| c == needle));
                assert_eq!(rfind_byte(needle, hay), hay.iter().rposition(|&c| c == needle));
            }
        }
    }

    #[test]
    fn split_lines_matches_slice_split() {
        for s in [
            "",
            "\n",
            "a",
            "a\n",
            "\n\na\nbb\n\nccc",
            "x\ny",
            "only one line without newline",
        ] {
            let want: Vec<&[u8]> = s.as_bytes().split(|&b| b == b'\n').collect();
            let got: Vec<&[u8]> = split_lines(s.as_bytes()).collect();
            assert_eq!(got, want, "{s:?}");
        }
        let long: Vec<u8> = (0..10_000u32)
            .map(|i| {
                if i % 997 == 0 {
                    b'\n'
                } else {
                    b'a' + (i % 26) as u8
                }
            })
            .collect();
        assert_eq!(
            split_lines(&long).collect::<Vec<_>>(),
            long.split(|&b| b == b'\n').collect::<Vec<_>>()
        );
        assert_eq!(find_byte(b'x', b""), None);
        assert_eq!(find_byte(b'x', b"abx"), Some(2));
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
