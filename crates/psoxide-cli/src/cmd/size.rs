//! Sizes for people: `free -h` style (`5.7Gi`), `df -h` style (`7.7G`), and the
//! integer units of `free -b/-k/-m/-g`.

/// The unit a size column is shown in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Unit {
    /// Human-readable with a binary prefix (the default).
    #[default]
    Human,
    /// Bytes, exact.
    Bytes,
    /// KiB, truncated (as `free -k`).
    Kibi,
    /// MiB, truncated (as `free -m`).
    Mebi,
    /// GiB, truncated (as `free -g`).
    Gibi,
}

/// `-b/-k/-m/-g/-h`, shared by the commands that print sizes.
#[derive(clap::Args, Debug, Clone, Copy, Default)]
#[group(multiple = false)]
pub struct UnitArgs {
    /// Show sizes in bytes.
    #[arg(short = 'b', long = "bytes")]
    pub bytes: bool,
    /// Show sizes in KiB (1024 bytes), truncated.
    #[arg(short = 'k', long = "kibi")]
    pub kibi: bool,
    /// Show sizes in MiB, truncated.
    #[arg(short = 'm', long = "mebi")]
    pub mebi: bool,
    /// Show sizes in GiB, truncated.
    #[arg(short = 'g', long = "gibi")]
    pub gibi: bool,
    /// Show sizes human-readable, e.g. 5.7G (the default).
    #[arg(short = 'h', long = "human")]
    pub human: bool,
}

/// `--help` without `-h`, for the commands where `-h` means human-readable sizes (as
/// in `free -h` and `df -h`). Those commands set `disable_help_flag`.
#[derive(clap::Args, Debug, Clone, Copy, Default)]
pub struct LongHelp {
    /// Print help.
    #[arg(long, action = clap::ArgAction::Help)]
    help: Option<bool>,
}

impl UnitArgs {
    /// The chosen unit.
    pub fn unit(&self) -> Unit {
        if self.bytes {
            Unit::Bytes
        } else if self.kibi {
            Unit::Kibi
        } else if self.mebi {
            Unit::Mebi
        } else if self.gibi {
            Unit::Gibi
        } else {
            Unit::Human
        }
    }
}

/// Formats `n` bytes in `unit`; human sizes in `df -h` style ([`human`]).
pub fn fmt(n: u64, unit: Unit) -> String {
    let mut s = String::new();
    fmt_to(&mut s, n, unit);
    s
}

/// [`fmt`] appended to `out`.
pub fn fmt_to(out: &mut String, n: u64, unit: Unit) {
    use super::table::push_int;
    match unit {
        Unit::Human => human_to(out, n),
        Unit::Bytes => push_int(out, n),
        Unit::Kibi => push_int(out, n >> 10),
        Unit::Mebi => push_int(out, n >> 20),
        Unit::Gibi => push_int(out, n >> 30),
    }
}

const PREFIXES: [char; 6] = ['K', 'M', 'G', 'T', 'P', 'E'];

/// `df -h` style: below 1024 the plain byte count; above, the value in the largest
/// fitting power of 1024, rounded up, with one decimal below 10 (`4.0K`, `7.7G`,
/// `252G`). Rounding up (as df does) never shows less than there is.
pub fn human(n: u64) -> String {
    let mut s = String::new();
    human_to(&mut s, n);
    s
}

/// [`human`] appended to `out`.
pub fn human_to(out: &mut String, n: u64) {
    use super::table::push_int;
    if n < 1024 {
        push_int(out, n);
        return;
    }
    let mut i = 0;
    let mut div: u128 = 1024;
    while i + 1 < PREFIXES.len() && u128::from(n) >= div * 1024 {
        i += 1;
        div *= 1024;
    }
    let n = u128::from(n);
    // Tenths, rounded up.
    let tenths = (n * 10).div_ceil(div);
    if tenths < 100 {
        push_int(out, tenths / 10);
        out.push('.');
        push_int(out, tenths % 10);
        out.push(PREFIXES[i]);
    } else {
        let whole = n.div_ceil(div);
        if whole >= 1024 && i + 1 < PREFIXES.len() {
            // 1023.9 rounded up to 1024: the next prefix says it better.
            out.push_str("1.0");
            out.push(PREFIXES[i + 1]);
        } else {
            push_int(out, whole);
            out.push(PREFIXES[i]);
        }
    }
}

/// `free -h` style: at most 4 characters before the `i` (`0B`, `999B`, `1.0Ki`,
/// `5.7Gi`, `761Mi`): one decimal (rounded) while that fits in three characters,
/// else the truncated integer while it has at most three digits, else the next prefix.
pub fn human_free(n: u64) -> String {
    if n < 1000 {
        return format!("{n}B");
    }
    let mut div = 1024f64;
    for p in PREFIXES {
        let v = n as f64 / div;
        let one = format!("{v:.1}");
        if one.len() <= 3 {
            return format!("{one}{p}i");
        }
        let whole = v.trunc() as u64;
        if whole < 1000 {
            return format!("{whole}{p}i");
        }
        div *= 1024.0;
    }
    format!("{n}B")
}

/// A rate in bytes per second, human-readable (`1.5M/s`).
pub fn rate(bytes_per_sec: f64) -> String {
    if !bytes_per_sec.is_finite() || bytes_per_sec < 0.0 {
        return "?".into();
    }
    format!("{}/s", human(bytes_per_sec.round() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn df_style_rounds_up() {
        assert_eq!(human(0), "0");
        assert_eq!(human(1023), "1023");
        assert_eq!(human(1024), "1.0K");
        assert_eq!(human(4096), "4.0K");
        assert_eq!(human(1025), "1.1K");
        assert_eq!(human(10 * 1024), "10K");
        assert_eq!(human(12 * 1024 * 1024 * 1024 + 1), "13G");
        assert_eq!(human(1024 * 1024 - 1), "1.0M");
        assert_eq!(human(7_700_000_000), "7.2G");
    }

    #[test]
    fn free_style_matches_procps() {
        // Values and strings as procps-ng 4.0.2's `free -h` printed them on this VM.
        assert_eq!(human_free(0), "0B");
        assert_eq!(human_free(999), "999B");
        assert_eq!(human_free(1000), "1.0Ki");
        assert_eq!(human_free(25_324_953_600), "23Gi");
        assert_eq!(human_free(798_191_616), "761Mi");
        assert_eq!(human_free(18_722_336_768), "17Gi");
        // 9.98 MiB: "10.0" is too wide, so the truncated integer.
        assert_eq!(human_free(10_465_280), "9Mi");
        assert_eq!(human_free(6_167_965_696), "5.7Gi");
    }

    #[test]
    fn integer_units_truncate() {
        assert_eq!(fmt(2047, Unit::Kibi), "1");
        assert_eq!(fmt(3 << 20, Unit::Mebi), "3");
        assert_eq!(fmt((1 << 30) - 1, Unit::Gibi), "0");
        assert_eq!(fmt(5, Unit::Bytes), "5");
    }
}
