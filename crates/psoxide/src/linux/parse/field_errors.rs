//! Per-field parse errors: a record with one bad field still gives the others.
//!
//! psutil converts each field of `/proc/PID/stat` or `/proc/PID/status` only when a
//! function needs it, so a bad `utime` fails `cpu_times()` and nothing else. The
//! parsers of those files record a bad field here instead of failing the whole file,
//! and each user checks the fields it needs with [`FieldErrors::check`].

use crate::error::{Error, Result};
use std::path::Path;

/// The fields of one parsed record that were not valid: for each, the parser's bit for
/// that field and a description naming the field and the text found. Empty (and not
/// allocated) for a valid record.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<(u64, String)>);

impl FieldErrors {
    /// Records that the field `bit` is bad, described by `what` ("field 14 (utime):
    /// \"x\"").
    pub fn push(&mut self, bit: u64, what: String) {
        self.0.push((bit, what));
    }

    /// Forgets an earlier error of the field `bit` (a later valid line of the same key
    /// replaces it).
    pub fn clear(&mut self, bit: u64) {
        if !self.0.is_empty() {
            self.0.retain(|(b, _)| b & bit == 0);
        }
    }

    /// True when no field is bad.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The bits of every bad field.
    pub fn mask(&self) -> u64 {
        self.0.iter().fold(0, |m, (b, _)| m | b)
    }

    /// `Ok` unless a field of `need` (bits, or-ed) is bad; then the parse error of the
    /// first such field, naming `path`.
    pub fn check(&self, need: u64, path: &Path) -> Result<()> {
        match self.0.iter().find(|(b, _)| b & need != 0) {
            None => Ok(()),
            Some((_, what)) => Err(Error::parse(path, what.clone())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_needed_fields_fail() {
        let mut f = FieldErrors::default();
        assert!(f.is_empty());
        assert!(f.check(u64::MAX, Path::new("/p")).is_ok());
        f.push(1 << 14, "field 14 (utime): \"x\"".into());
        f.push(1 << 4, "field 4 (ppid): \"y\"".into());
        assert_eq!(f.mask(), 1 << 14 | 1 << 4);
        assert!(f.check(1 << 22, Path::new("/p")).is_ok());
        let e = f.check(1 << 22 | 1 << 4, Path::new("/proc/1/stat")).unwrap_err();
        assert_eq!(e.to_string(), "/proc/1/stat: cannot parse field 4 (ppid): \"y\"");
        f.clear(1 << 4);
        assert_eq!(f.mask(), 1 << 14);
    }
}
