//! Hardware sensors: psutil's `sensors_temperatures()`, `sensors_fans()` and
//! `sensors_battery()` (spec 2.5), read from sysfs (`{sysfs}/class/hwmon`,
//! `{sysfs}/class/thermal`, `{sysfs}/class/power_supply`).
//!
//! sysfs is messy: attributes come and go between drivers, and some cannot be read at
//! all (EIO, ENODATA). The rules below follow psutil's exactly: which failures skip a
//! sensor, which become `None`, and which make the whole call fail. psutil reads the
//! text of sysfs files with Python's `float()` / `int()`, so the number parsers here
//! accept what those accept (surrounding ASCII whitespace, a sign, `_` between digits,
//! and for `float()` also `inf`/`nan` and exponents).

use crate::constants::BatteryTime;
use crate::context::Host;
use crate::error::{Error, Result};
use crate::roots::Roots;
use crate::sys::fs::{list_dir, with_file, Dir, FileKind};
use indexmap::IndexMap;
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

/// One temperature sensor: psutil's `shwtemp`.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Temperature {
    /// The sensor's label (`tempN_label`, trimmed), or `""` when it has none.
    pub label: String,
    /// Current temperature in °C (°F when asked for).
    pub current: f64,
    /// The "high" threshold in °C (°F), or `None` when unknown.
    pub high: Option<f64>,
    /// The "critical" threshold in °C (°F), or `None` when unknown.
    pub critical: Option<f64>,
}

/// One fan: psutil's `sfan`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Fan {
    /// The fan's label (`fanN_label`, trimmed), or `""` when it has none.
    pub label: String,
    /// Current speed in RPM.
    pub current: u64,
}

/// Battery status: psutil's `sbattery`.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Battery {
    /// Charge left, percent 0-100 (not rounded; may exceed 100 with odd firmware).
    pub percent: f64,
    /// Seconds until empty, or [`BatteryTime::Unlimited`] on AC power, or
    /// [`BatteryTime::Unknown`] when it cannot be estimated.
    pub secsleft: BatteryTime,
    /// `Some(true)` on AC power, `Some(false)` on battery, `None` when unknown.
    pub power_plugged: Option<bool>,
}

// ---------------------------------------------------------------------------------
// Python-compatible number parsing and stripping
// ---------------------------------------------------------------------------------

fn is_py_ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
}

fn strip_ascii_space(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|c| !is_py_ascii_space(*c)).unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !is_py_ascii_space(*c))
        .map_or(start, |i| i + 1);
    b.get(start..end).unwrap_or(&[])
}

/// Removes `_` separators if each one sits between two ASCII digits (Python's rule);
/// `None` if one does not.
fn strip_underscores(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    for (i, &c) in s.iter().enumerate() {
        if c == b'_' {
            let before = i
                .checked_sub(1)
                .and_then(|j| s.get(j))
                .is_some_and(u8::is_ascii_digit);
            let after = s.get(i + 1).is_some_and(u8::is_ascii_digit);
            if !(before && after) {
                return None;
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// Python's `float(bytes)`: `None` where Python raises `ValueError`.
pub(crate) fn py_float(b: &[u8]) -> Option<f64> {
    let s = strip_underscores(strip_ascii_space(b))?;
    let s = std::str::from_utf8(&s).ok()?;
    // Rust's grammar for f64 is Python's: optional sign, digits with an optional '.',
    // optional exponent, or inf / infinity / nan in any case.
    s.parse::<f64>().ok()
}

/// Python's `int(bytes)` in base 10: `None` where Python raises `ValueError` (and,
/// beyond Python, for values outside `i128`).
pub(crate) fn py_int(b: &[u8]) -> Option<i128> {
    let s = strip_ascii_space(b);
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let digits = strip_underscores(digits)?;
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: i128 = 0;
    for d in digits {
        v = v.checked_mul(10)?.checked_add(i128::from(d - b'0'))?;
    }
    Some(if neg { -v } else { v })
}

/// Python's `str.strip()` (Unicode whitespace, including U+001C..U+001F).
fn py_strip(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}

// ---------------------------------------------------------------------------------
// File helpers
// ---------------------------------------------------------------------------------

/// Reads a sysfs attribute's raw bytes.
fn read_raw(path: &Path) -> Result<Vec<u8>> {
    with_file(path, FileKind::RECORD, |b| Ok(b.to_vec()))
}

/// Reads a text attribute, decoded lossily and stripped like Python's `str.strip()`.
fn read_text(path: &Path) -> Result<String> {
    with_file(path, FileKind::RECORD, |b| {
        Ok(py_strip(&String::from_utf8_lossy(b)).to_string())
    })
}

/// `path` with `suffix` appended to its last component (Python's `path + suffix`).
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s: OsString = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// The directory part of `path`, like `os.path.dirname`.
fn dirname(path: &Path) -> PathBuf {
    path.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// The entries of `dir` whose names satisfy `pred`, in directory order, like one
/// component of Python's `glob.glob`: a directory that cannot be listed contributes
/// nothing (glob swallows the error).
fn glob_dir(dir: &Path, pred: impl Fn(&[u8]) -> bool) -> Vec<OsString> {
    list_dir(dir)
        .unwrap_or_default()
        .into_iter()
        .filter(|n| pred(n.as_bytes()))
        .collect()
}

fn starts(prefix: &'static [u8]) -> impl Fn(&[u8]) -> bool {
    move |n: &[u8]| n.starts_with(prefix)
}

/// fnmatch `{word}*_*`: starts with `word`, and an `_` follows somewhere after it.
fn word_star_underscore(word: &'static [u8]) -> impl Fn(&[u8]) -> bool {
    move |n: &[u8]| n.starts_with(word) && n[word.len()..].contains(&b'_')
}

/// `{sysfs}/class/hwmon`, opened once per call, and its `hwmon*` entries (psutil's
/// `hwmon*` glob component), in directory order. `None` when it cannot be listed
/// (glob swallows the error and matches nothing).
struct Hwmon {
    dir: Dir,
    names: Vec<Vec<u8>>,
}

impl Hwmon {
    fn open(roots: &Roots) -> Option<Hwmon> {
        let mut dir = Dir::open_joined(&roots.sysfs, "class/hwmon").ok()?;
        let mut names = Vec::new();
        dir.for_each(|n| {
            if n.starts_with(b"hwmon") {
                names.push(n.to_vec());
            }
        })
        .ok()?;
        Some(Hwmon { dir, names })
    }

    /// Appends to `out` the paths, relative to the sysfs root, of the files matching
    /// `class/hwmon/hwmon*/{sub}{word}*_*` (`sub` is `""` or `"device/"`). Each
    /// directory is opened relative to the held `class/hwmon` descriptor.
    fn glob(&self, sub: &str, word: &'static [u8], out: &mut Vec<Vec<u8>>) {
        let matches = word_star_underscore(word);
        let mut rel = Vec::with_capacity(64);
        for h in &self.names {
            rel.clear();
            rel.extend_from_slice(h);
            if !sub.is_empty() {
                rel.push(b'/');
                rel.extend_from_slice(sub.trim_end_matches('/').as_bytes());
            }
            let Ok(mut d) = self.dir.open_dir(&rel) else {
                continue;
            };
            // A directory whose listing fails contributes nothing (glob swallows the
            // error), even if part of it was listed.
            let mut found = Vec::new();
            let ok = d
                .for_each(|f| {
                    if matches(f) {
                        let mut p = b"class/hwmon/".to_vec();
                        p.extend_from_slice(h);
                        p.push(b'/');
                        p.extend_from_slice(sub.as_bytes());
                        p.extend_from_slice(f);
                        found.push(p);
                    }
                })
                .is_ok();
            if ok {
                out.append(&mut found);
            }
        }
    }
}

/// psutil's candidate prefixes: each path cut before its first `_`, deduplicated and
/// sorted as strings (so `temp10` sorts before `temp2`). psutil cuts the absolute
/// `/sys/...` path, which has no `_` before the hwmon directory; cutting the path
/// relative to the sysfs root gives the same result for any root.
fn prefixes(roots: &Roots, rels: Vec<Vec<u8>>) -> Vec<PathBuf> {
    let set: BTreeSet<Vec<u8>> = rels
        .into_iter()
        .map(|mut r| {
            if let Some(i) = r.iter().position(|&c| c == b'_') {
                r.truncate(i);
            }
            r
        })
        .collect();
    set.into_iter()
        .map(|r| roots.sysfs.join(OsString::from_vec(r)))
        .collect()
}

// ---------------------------------------------------------------------------------
// Temperatures
// ---------------------------------------------------------------------------------

/// Hardware temperatures by chip name: psutil's `sensors_temperatures(fahrenheit)`.
///
/// Returns `{}` when nothing is found. Sources, in psutil's order:
/// - every `tempN_input` of `{sysfs}/class/hwmon/hwmon*/` and
///   `{sysfs}/class/hwmon/hwmon*/device/`, sorted by path as strings; the key is the
///   `name` file next to it; `tempN_max` and `tempN_crit` give `high` and `critical`;
///   a sensor whose input or name cannot be read (or whose input is not a number) is
///   skipped; thresholds that cannot be read or parsed are `None`;
/// - only when no hwmon file matched (and no file matched psutil's extra
///   `{sysfs}/devices/platform/coretemp.*/hwmon/hwmon*/temp*_*` glob, which contributes
///   no sensors of its own: quirk 10.9), `{sysfs}/class/thermal/thermal_zone*` with
///   `temp`, `type`, and the `critical` / `high` trip points.
///
/// All values are millidegrees / 1000. With `fahrenheit`, every value becomes
/// `x * 9 / 5 + 32`. Then a missing or zero `critical` takes `high`'s value, or else
/// a missing or zero `high` takes `critical`'s (psutil's truthiness test: 0.0 counts as
/// missing). Keys keep the order in which they were first met.
///
/// Difference from psutil: for thermal zones, psutil divides a trip point's
/// temperature by 1000 again for every trip point it visits after it (in a hash
/// order that changes from run to run), so with several trip points its `high` /
/// `critical` are often 1000 or 10^6 times too small and not reproducible. psoxide
/// divides once and visits trip points in numeric order (the last `critical` / `high`
/// one wins). With a single trip point per zone both agree.
pub fn sensors_temperatures(fahrenheit: bool) -> Result<IndexMap<String, Vec<Temperature>>> {
    Host::current().sensors_temperatures(fahrenheit)
}

impl Host {
    /// [`sensors_temperatures`] on this host (below `roots.sysfs`).
    pub fn sensors_temperatures(&self, fahrenheit: bool) -> Result<IndexMap<String, Vec<Temperature>>> {
        let roots: &Roots = self.roots();
        let mut raw: IndexMap<String, Vec<Temperature>> = IndexMap::new();

        let mut rels = Vec::new();
        if let Some(h) = Hwmon::open(roots) {
            h.glob("", b"temp", &mut rels);
            h.glob("device/", b"temp", &mut rels);
        }
        let candidates = prefixes(roots, rels);

        for base in &candidates {
            let Some(current) = read_float_or_skip(&with_suffix(base, "_input")) else {
                continue;
            };
            let Some(name) = read_text_or_skip(&dirname(base).join("name")) else {
                continue;
            };
            let high = read_float(&with_suffix(base, "_max"));
            let critical = read_float(&with_suffix(base, "_crit"));
            let label = read_text(&with_suffix(base, "_label")).unwrap_or_default();
            raw.entry(name).or_default().push(Temperature {
                label,
                current: current / 1000.0,
                high: high.map(|v| v / 1000.0),
                critical: critical.map(|v| v / 1000.0),
            });
        }

        if candidates.is_empty() {
            // psutil also globs `{sysfs}/devices/platform/coretemp.*/hwmon/hwmon*/temp*_*`
            // and appends the full file names it finds to the candidates (its "already
            // listed?" test compares a full file name with prefixes, so it never matches).
            // Reading "<file>_input" then fails (hwmon attribute names never have a second
            // `_input`), so they add no sensor; their one effect is to suppress the
            // thermal-zone fallback. That effect can only matter when there are no hwmon
            // candidates (the fallback is skipped anyway otherwise) and the fallback finds
            // something, so the glob (a listing of every platform device) is done only then.
            // On a live system it then finds nothing: a coretemp hwmon directory is always
            // also `{sysfs}/class/hwmon/hwmonN`.
            let mut zones = IndexMap::new();
            thermal_zones(roots, &mut zones);
            if !zones.is_empty() && !coretemp_has_files(roots) {
                raw = zones;
            }
        }

        for temps in raw.values_mut() {
            for t in temps.iter_mut() {
                if fahrenheit {
                    t.current = to_fahrenheit(t.current);
                    t.high = t.high.map(to_fahrenheit);
                    t.critical = t.critical.map(to_fahrenheit);
                }
                if truthy(t.high) && !truthy(t.critical) {
                    t.critical = t.high;
                } else if truthy(t.critical) && !truthy(t.high) {
                    t.high = t.critical;
                }
            }
        }
        Ok(raw)
    }
}

/// Whether psutil's `{sysfs}/devices/platform/coretemp.*/hwmon/hwmon*/temp*_*` glob
/// matches anything.
fn coretemp_has_files(roots: &Roots) -> bool {
    let platform = roots.sys("devices/platform");
    for c in glob_dir(&platform, starts(b"coretemp.")) {
        let hw_dir = platform.join(&c).join("hwmon");
        for h in glob_dir(&hw_dir, starts(b"hwmon")) {
            if !glob_dir(&hw_dir.join(&h), word_star_underscore(b"temp")).is_empty() {
                return true;
            }
        }
    }
    false
}

/// Reads a file with Python's `float()`; `None` if it cannot be read or parsed.
fn read_float(path: &Path) -> Option<f64> {
    read_raw(path).ok().and_then(|b| py_float(&b))
}

/// [`read_float`] of a value whose absence skips the sensor: a debug message says
/// why it was skipped.
#[track_caller]
fn read_float_or_skip(path: &Path) -> Option<f64> {
    match read_raw(path) {
        Ok(b) => {
            let v = py_float(&b);
            if v.is_none() {
                crate::debug::debug(|| format!("ignoring {}: not a number", path.display()));
            }
            v
        }
        Err(e) => {
            crate::debug::debug(|| crate::debug::ignoring(&e));
            None
        }
    }
}

/// [`read_text`] of a file whose absence skips the sensor, with a debug message.
#[track_caller]
fn read_text_or_skip(path: &Path) -> Option<String> {
    read_text(path)
        .map_err(|e| crate::debug::debug(|| crate::debug::ignoring(&e)))
        .ok()
}

fn to_fahrenheit(c: f64) -> f64 {
    c * 9.0 / 5.0 + 32.0
}

/// Python's truthiness of an optional float: `None` and `0.0` are false (NaN is true).
fn truthy(v: Option<f64>) -> bool {
    v.is_some_and(|x| x != 0.0)
}

/// The `/sys/class/thermal` fallback.
fn thermal_zones(roots: &Roots, raw: &mut IndexMap<String, Vec<Temperature>>) {
    let class = roots.sys("class/thermal");
    let mut zones = glob_dir(&class, starts(b"thermal_zone"));
    zones.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    for z in zones {
        let base = class.join(&z);
        let Some(current) = read_float_or_skip(&base.join("temp")) else {
            continue;
        };
        let Some(kind) = read_text_or_skip(&base.join("type")) else {
            continue;
        };
        // Trip point ids: the first three `_`-separated parts of each `trip_point*` name
        // ("trip_point_0_temp" -> "trip_point_0"), visited in numeric order.
        let mut trips: Vec<(Option<u64>, OsString)> = glob_dir(&base, starts(b"trip_point"))
            .into_iter()
            .map(|n| {
                let id: Vec<u8> = n
                    .as_bytes()
                    .split(|&c| c == b'_')
                    .take(3)
                    .collect::<Vec<_>>()
                    .join(&b'_');
                let num = id
                    .strip_prefix(b"trip_point_")
                    .and_then(|d| std::str::from_utf8(d).ok())
                    .and_then(|d| d.parse().ok());
                (num, OsString::from_vec(id))
            })
            .collect();
        trips.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.as_bytes().cmp(b.1.as_bytes())));
        trips.dedup();
        let mut high = None;
        let mut critical = None;
        for (_, id) in &trips {
            let trip = base.join(id);
            let kind = read_text(&with_suffix(&trip, "_type")).unwrap_or_default();
            let temp = || read_float(&with_suffix(&trip, "_temp")).map(|v| v / 1000.0);
            if kind == "critical" {
                critical = temp();
            } else if kind == "high" {
                high = temp();
            }
        }
        raw.entry(kind).or_default().push(Temperature {
            label: String::new(),
            current: current / 1000.0,
            high,
            critical,
        });
    }
}

// ---------------------------------------------------------------------------------
// Fans
// ---------------------------------------------------------------------------------

/// Fan speeds by chip name: psutil's `sensors_fans()`.
///
/// Sources: every `fanN_input` of `{sysfs}/class/hwmon/hwmon*/` or, only if there is
/// none there, of `{sysfs}/class/hwmon/hwmon*/device/`, sorted by path as strings.
/// The key is the `name` file next to it; the label is `fanN_label` or `""`. Returns
/// `{}` when there are no fans.
///
/// Like psutil, a fan whose input cannot be read is skipped, but an input that is not
/// an integer makes the call fail ([`Error::Parse`]; psutil raises `ValueError`), and so
/// does a missing `name` file ([`Error::Io`]; psutil raises `FileNotFoundError`).
/// Beyond psutil, a negative speed is an [`Error::Parse`] (psutil would return it).
pub fn sensors_fans() -> Result<IndexMap<String, Vec<Fan>>> {
    Host::current().sensors_fans()
}

impl Host {
    /// [`sensors_fans`] reading below `roots.sysfs`.
    pub fn sensors_fans(&self) -> Result<IndexMap<String, Vec<Fan>>> {
        let roots: &Roots = self.roots();
        let mut rels = Vec::new();
        if let Some(h) = Hwmon::open(roots) {
            h.glob("", b"fan", &mut rels);
            if rels.is_empty() {
                h.glob("device/", b"fan", &mut rels);
            }
        }
        let mut out: IndexMap<String, Vec<Fan>> = IndexMap::new();
        for base in prefixes(roots, rels) {
            let input = with_suffix(&base, "_input");
            let bytes = match read_raw(&input) {
                Ok(b) => b,
                Err(e) => {
                    crate::debug::debug(|| crate::debug::ignoring(&e));
                    continue;
                }
            };
            let current = py_int(&bytes).ok_or_else(|| {
                Error::parse(
                    &input,
                    format!("fan speed: got {:?}", String::from_utf8_lossy(&bytes)),
                )
            })?;
            let current = u64::try_from(current)
                .map_err(|_| Error::parse(&input, format!("fan speed: out of range: {current}")))?;
            let name = read_text(&dirname(&base).join("name"))?;
            let label = read_text(&with_suffix(&base, "_label")).unwrap_or_default();
            out.entry(name).or_default().push(Fan { label, current });
        }
        Ok(out)
    }
}

// ---------------------------------------------------------------------------------
// Battery
// ---------------------------------------------------------------------------------

/// A battery attribute as psutil sees it: an integer, or (when `int()` fails) the
/// stripped raw text, which makes any arithmetic on it fail.
#[derive(Clone, Debug, PartialEq)]
enum Attr {
    Int(i128),
    Text(PathBuf, String),
}

/// The first of `paths` that can be read (psutil's `multi_bcat`).
fn first_attr(paths: &[PathBuf]) -> Option<Attr> {
    for p in paths {
        if let Ok(b) = read_raw(p) {
            return Some(match py_int(&b) {
                Some(v) => Attr::Int(v),
                None => Attr::Text(
                    p.clone(),
                    String::from_utf8_lossy(strip_ascii_space(&b)).into_owned(),
                ),
            });
        }
    }
    None
}

/// The integer value of an attribute used in arithmetic; text is a parse error (where
/// psutil raises `TypeError` / `ValueError`).
fn attr_int(a: &Attr, what: &str) -> Result<i128> {
    match a {
        Attr::Int(v) => Ok(*v),
        Attr::Text(p, s) => Err(Error::parse(p, format!("{what}: not an integer: {s:?}"))),
    }
}

/// The battery: psutil's `sensors_battery()`; `None` when there is no battery.
///
/// Reads `{sysfs}/class/power_supply`: the entries named `BAT*` or containing
/// `battery` (any case); the smallest name is used. `percent` is
/// `100 * (energy_now|charge_now) / (energy_full|charge_full)` (0.0 when full is 0),
/// or else the `capacity` file; without either, `None`. `power_plugged` comes from
/// `AC0/online` or `AC/online` (1 is plugged), else from the battery's `status`
/// (`discharging` / `charging` / `full`), else `None`. `secsleft` is
/// [`BatteryTime::Unlimited`] when plugged, else `now / |power_now|current_now|` hours
/// (truncated to whole seconds; [`BatteryTime::Unknown`] when the power is 0), else
/// `time_to_empty_now` minutes, else unknown.
///
/// Errors, as in psutil: a missing `{sysfs}/class/power_supply` directory is an
/// [`Error::Io`] with `ENOENT` (psutil raises `FileNotFoundError`, quirk 10.10, rather
/// than returning `None`); attribute files holding text where a number is needed are
/// [`Error::Parse`] (psutil: `TypeError` / `ValueError`). Difference: a negative time
/// left (possible only with a negative charge reading) is reported as
/// [`BatteryTime::Unknown`], where psutil returns the negative number.
pub fn sensors_battery() -> Result<Option<Battery>> {
    Host::current().sensors_battery()
}

impl Host {
    /// [`sensors_battery`] reading below `roots.sysfs`.
    pub fn sensors_battery(&self) -> Result<Option<Battery>> {
        let roots: &Roots = self.roots();
        let ps = roots.sys("class/power_supply");
        let bat = list_dir(&ps)?
            .into_iter()
            .filter(|n| {
                let s = n.to_string_lossy();
                s.starts_with("BAT") || s.to_lowercase().contains("battery")
            })
            .min_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        let Some(bat) = bat else {
            return Ok(None);
        };
        let root = ps.join(&bat);
        let at = |names: &[&str]| -> Vec<PathBuf> { names.iter().map(|n| root.join(n)).collect() };

        let energy_now = first_attr(&at(&["energy_now", "charge_now"]));
        let power_now = first_attr(&at(&["power_now", "current_now"]));
        let energy_full = first_attr(&at(&["energy_full", "charge_full"]));
        let time_to_empty = first_attr(&at(&["time_to_empty_now"]));

        let percent = match (&energy_now, &energy_full) {
            (Some(now), Some(full)) => {
                let now = attr_int(now, "energy_now/charge_now")?;
                let full = attr_int(full, "energy_full/charge_full")?;
                if full == 0 {
                    0.0
                } else {
                    100.0 * now as f64 / full as f64
                }
            }
            _ => {
                let path = root.join("capacity");
                let Ok(text) = read_text(&path) else {
                    return Ok(None);
                };
                let capacity = py_int(text.as_bytes())
                    .ok_or_else(|| Error::parse(&path, format!("battery capacity: got {text:?}")))?;
                // psutil uses -1 as its "file missing" marker, so a capacity of -1 reads as none.
                if capacity == -1 {
                    return Ok(None);
                }
                capacity as f64
            }
        };

        let online = first_attr(&[ps.join("AC0/online"), ps.join("AC/online")]);
        let power_plugged = match online {
            Some(a) => Some(a == Attr::Int(1)),
            None => match read_text(&root.join("status"))
                .unwrap_or_default()
                .to_lowercase()
                .as_str()
            {
                "discharging" => Some(false),
                "charging" | "full" => Some(true),
                _ => None,
            },
        };

        let secsleft = if power_plugged == Some(true) {
            BatteryTime::Unlimited
        } else if let (Some(now), Some(power)) = (&energy_now, &power_now) {
            let now = attr_int(now, "energy_now/charge_now")?;
            let power = attr_int(power, "power_now/current_now")?;
            if power == 0 {
                BatteryTime::Unknown
            } else {
                seconds(now as f64 / power.unsigned_abs() as f64 * 3600.0)
            }
        } else if let Some(tte) = &time_to_empty {
            let minutes = attr_int(tte, "time_to_empty_now")?;
            if minutes < 0 {
                BatteryTime::Unknown
            } else {
                let secs = minutes.saturating_mul(60);
                BatteryTime::Seconds(u64::try_from(secs).unwrap_or(u64::MAX))
            }
        } else {
            BatteryTime::Unknown
        };

        Ok(Some(Battery {
            percent,
            secsleft,
            power_plugged,
        }))
    }
}

/// Python's `int(x)` of a float number of seconds (truncation toward zero); negative
/// or NaN becomes unknown, values past `u64` saturate.
fn seconds(x: f64) -> BatteryTime {
    if x.is_nan() || x <= -1.0 {
        BatteryTime::Unknown
    } else {
        BatteryTime::Seconds(x as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn py_float_matches_python() {
        // Each case checked with CPython's float(bytes).
        let ok: &[(&[u8], f64)] = &[
            (b"45000\n", 45000.0),
            (b"  -1250 ", -1250.0),
            (b"+7", 7.0),
            (b"1_000", 1000.0),
            (b"1.5e3", 1500.0),
            (b".5", 0.5),
            (b"5.", 5.0),
            (b"\t42\x0b\x0c\r\n", 42.0),
        ];
        for (b, want) in ok {
            assert_eq!(py_float(b), Some(*want), "{:?}", String::from_utf8_lossy(b));
        }
        assert!(py_float(b"inf").unwrap().is_infinite());
        assert!(py_float(b"-Infinity").unwrap().is_infinite());
        assert!(py_float(b"nan").unwrap().is_nan());
        for bad in [
            &b""[..],
            b" ",
            b"abc",
            b"1__0",
            b"_1",
            b"1_",
            b"1_.5",
            b"0x10",
            b"\xff",
            b"1 2",
            b".",
            b"e5",
        ] {
            assert_eq!(py_float(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn py_int_matches_python() {
        let ok: &[(&[u8], i128)] = &[
            (b"1200\n", 1200),
            (b" -5 ", -5),
            (b"+0", 0),
            (b"007", 7),
            (b"1_000_000", 1_000_000),
            (b"-0", 0),
        ];
        for (b, want) in ok {
            assert_eq!(py_int(b), Some(*want), "{:?}", String::from_utf8_lossy(b));
        }
        for bad in [
            &b""[..],
            b"-",
            b"1.0",
            b"1e3",
            b"_1",
            b"1__2",
            b"abc",
            b"\xff",
            b"1 2",
            b"--1",
            b"+-1",
        ] {
            assert_eq!(py_int(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
        assert_eq!(py_int(b"999999999999999999999999999999999999999999"), None);
    }

    #[test]
    fn py_strip_matches_python() {
        assert_eq!(py_strip(" \u{1c}Core 0\u{a0}\n"), "Core 0");
        assert_eq!(py_strip(""), "");
    }

    #[test]
    fn truthiness() {
        assert!(!truthy(None));
        assert!(!truthy(Some(0.0)));
        assert!(!truthy(Some(-0.0)));
        assert!(truthy(Some(f64::NAN)));
        assert!(truthy(Some(-3.0)));
    }

    #[test]
    fn seconds_truncate() {
        assert_eq!(seconds(59.99), BatteryTime::Seconds(59));
        assert_eq!(seconds(-0.5), BatteryTime::Seconds(0));
        assert_eq!(seconds(-1.0), BatteryTime::Unknown);
        assert_eq!(seconds(1e30), BatteryTime::Seconds(u64::MAX));
    }

    /// psutil's coretemp glob adds no sensor but suppresses the thermal-zone fallback;
    /// psoxide looks at it only when that fallback found something.
    #[test]
    fn coretemp_glob_only_suppresses_the_thermal_fallback() {
        let dir = std::env::temp_dir().join(format!("psoxide-coretemp-{}", std::process::id()));
        let w = |rel: &str, text: &str| {
            let p = dir.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        w("sys/class/thermal/thermal_zone0/temp", "45000\n");
        w("sys/class/thermal/thermal_zone0/type", "acpitz\n");
        let roots = Roots::under(&dir);
        let got = Host::new(roots.clone()).sensors_temperatures(false).unwrap();
        assert_eq!(got.keys().collect::<Vec<_>>(), ["acpitz"]);
        assert_eq!(got["acpitz"][0].current, 45.0);
        // coretemp files that are not under class/hwmon: no sensor, no fallback either.
        w(
            "sys/devices/platform/coretemp.0/hwmon/hwmon3/temp1_input",
            "50000\n",
        );
        w("sys/devices/platform/coretemp.0/hwmon/hwmon3/name", "coretemp\n");
        assert!(Host::new(roots.clone())
            .sensors_temperatures(false)
            .unwrap()
            .is_empty());
        // A coretemp directory without temp*_* files does not suppress it.
        std::fs::remove_dir_all(dir.join("sys/devices/platform/coretemp.0/hwmon/hwmon3")).unwrap();
        std::fs::create_dir_all(dir.join("sys/devices/platform/coretemp.0/hwmon/hwmon3")).unwrap();
        assert_eq!(
            Host::new(roots.clone())
                .sensors_temperatures(false)
                .unwrap()
                .len(),
            1
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
