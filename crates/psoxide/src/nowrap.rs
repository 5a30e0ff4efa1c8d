//! Compensation for counters that wrap around (psutil's `nowrap=True`).
//!
//! Kernel counters in `/proc/diskstats` and `/proc/net/dev` may be 32-bit on some
//! drivers and wrap to 0. Given successive readings of a table of named devices, each
//! with N counters, [`NoWrap::apply`] returns readings that only grow: when a counter
//! is lower than in the previous reading, the previous value is added to an offset
//! that is added to every later reading of that counter. A device that disappears
//! loses its offsets. This is the algorithm of psutil's `_WrapNumbers`.

use indexmap::IndexMap;
use std::collections::HashMap;

/// Wrap-around state for one table (one for disks, one for NICs).
#[derive(Debug, Default)]
pub(crate) struct NoWrap<const N: usize> {
    last: Option<IndexMap<String, [u64; N]>>,
    offsets: HashMap<String, [u64; N]>,
}

impl<const N: usize> NoWrap<N> {
    /// An empty state: the next reading is passed through unchanged.
    pub(crate) fn new() -> Self {
        NoWrap {
            last: None,
            offsets: HashMap::new(),
        }
    }

    /// Forgets every previous reading and offset (psutil's `cache_clear()`).
    pub(crate) fn clear(&mut self) {
        self.last = None;
        self.offsets.clear();
    }

    /// Takes a raw reading and returns the compensated one.
    pub(crate) fn apply(&mut self, input: IndexMap<String, [u64; N]>) -> IndexMap<String, [u64; N]> {
        let Some(old) = self.last.as_ref() else {
            self.last = Some(input.clone());
            return input;
        };
        // Devices that vanished lose their offsets.
        self.offsets.retain(|k, _| input.contains_key(k));
        let mut out = IndexMap::with_capacity(input.len());
        for (name, now) in &input {
            let Some(prev) = old.get(name) else {
                out.insert(name.clone(), *now);
                continue;
            };
            let off = self.offsets.entry(name.clone()).or_insert([0; N]);
            let mut v = [0u64; N];
            for i in 0..N {
                if now[i] < prev[i] {
                    off[i] = off[i].wrapping_add(prev[i]);
                }
                v[i] = now[i].wrapping_add(off[i]);
            }
            out.insert(name.clone(), v);
        }
        self.last = Some(input);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(v: &[(&str, [u64; 2])]) -> IndexMap<String, [u64; 2]> {
        v.iter().map(|(k, a)| (k.to_string(), *a)).collect()
    }

    #[test]
    fn wraps_accumulate_and_reset() {
        let mut s = NoWrap::<2>::new();
        assert_eq!(s.apply(table(&[("a", [100, 5])])), table(&[("a", [100, 5])]));
        assert_eq!(s.apply(table(&[("a", [150, 6])])), table(&[("a", [150, 6])]));
        // counter 0 wrapped: 150 is carried
        assert_eq!(s.apply(table(&[("a", [10, 7])])), table(&[("a", [160, 7])]));
        assert_eq!(s.apply(table(&[("a", [20, 8])])), table(&[("a", [170, 8])]));
        // wraps again: 20 more carried
        assert_eq!(s.apply(table(&[("a", [5, 8])])), table(&[("a", [175, 8])]));
        // a new device passes through; a vanished one loses its offsets
        assert_eq!(s.apply(table(&[("b", [1, 1])])), table(&[("b", [1, 1])]));
        assert_eq!(
            s.apply(table(&[("a", [1, 1]), ("b", [2, 2])])),
            table(&[("a", [1, 1]), ("b", [2, 2])])
        );
        s.clear();
        assert_eq!(s.apply(table(&[("a", [0, 0])])), table(&[("a", [0, 0])]));
    }
}
