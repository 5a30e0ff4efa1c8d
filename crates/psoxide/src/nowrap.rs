//! Compensation for counters that wrap around (psutil's `nowrap=True`).
//!
//! Kernel counters in `/proc/diskstats` and `/proc/net/dev` may be 32-bit on some
//! drivers and wrap to 0. Given successive readings of a table of named devices, each
//! with N counters, [`NoWrap::apply`] returns readings that only grow: when a counter
//! is lower than in the previous reading, the previous value is added to an offset
//! that is added to every later reading of that counter. A device that disappears
//! loses its offsets. This is the algorithm of psutil's `_WrapNumbers`.

use indexmap::IndexMap;
use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;

/// Wrap-around state for one table (one for disks, one for NICs).
#[derive(Debug, Default)]
pub(crate) struct NoWrap<const N: usize> {
    /// The previous raw reading (`None` before the first one).
    last: Option<IndexMap<String, [u64; N]>>,
    /// Accumulated offsets; a device without an entry has all-zero offsets. Invariant
    /// after each call: every key is also a key of `last`.
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
    #[cfg(test)]
    pub(crate) fn apply(&mut self, mut input: IndexMap<String, [u64; N]>) -> IndexMap<String, [u64; N]> {
        self.apply_in_place(&mut input, |v| *v, |v, c| *v = c);
        input
    }

    /// Compensates a raw reading in place: `table` maps device names to values from
    /// which `get` extracts the N raw counters and into which `set` writes the
    /// compensated ones.
    ///
    /// In the steady state (the same devices in the same order as last time) this
    /// allocates nothing and hashes nothing unless a counter wrapped: the previous
    /// reading is matched by position and overwritten in place.
    pub(crate) fn apply_in_place<K: Borrow<str> + Hash + Eq, V>(
        &mut self,
        table: &mut IndexMap<K, V>,
        get: impl Fn(&V) -> [u64; N],
        set: impl Fn(&mut V, [u64; N]),
    ) {
        let Some(last) = self.last.as_mut() else {
            self.last = Some(
                table
                    .iter()
                    .map(|(k, v)| (k.borrow().to_owned(), get(v)))
                    .collect(),
            );
            return;
        };
        let same_devices = last.len() == table.len()
            && last
                .keys()
                .zip(table.keys())
                .all(|(a, b)| a.as_str() == b.borrow());
        if same_devices {
            // Keys are equal, so `offsets` (a subset of `last`'s keys) needs no pruning.
            for ((name, prev), (_, v)) in last.iter_mut().zip(table.iter_mut()) {
                let now = get(v);
                let wrapped = (0..N).any(|i| now[i] < prev[i]);
                let off = if wrapped {
                    let off = match self.offsets.get_mut(name.as_str()) {
                        Some(o) => o,
                        None => self.offsets.entry(name.clone()).or_insert([0; N]),
                    };
                    for i in 0..N {
                        if now[i] < prev[i] {
                            off[i] = off[i].wrapping_add(prev[i]);
                        }
                    }
                    Some(*off)
                } else if self.offsets.is_empty() {
                    None
                } else {
                    self.offsets.get(name.as_str()).copied()
                };
                *prev = now;
                if let Some(off) = off {
                    let mut c = now;
                    for i in 0..N {
                        c[i] = now[i].wrapping_add(off[i]);
                    }
                    set(v, c);
                }
            }
            return;
        }
        // Devices appeared, vanished or moved: psutil's general algorithm. Devices that
        // vanished lose their offsets.
        self.offsets.retain(|k, _| table.contains_key(k.as_str()));
        let mut raw = IndexMap::with_capacity(table.len());
        for (name, v) in table.iter_mut() {
            let name: &str = name.borrow();
            let now = get(v);
            raw.insert(name.to_owned(), now);
            let Some(prev) = last.get(name) else {
                continue; // a new device passes through
            };
            let wrapped = (0..N).any(|i| now[i] < prev[i]);
            if !wrapped && !self.offsets.contains_key(name) {
                continue;
            }
            let off = self.offsets.entry(name.to_owned()).or_insert([0; N]);
            let mut c = [0u64; N];
            for i in 0..N {
                if now[i] < prev[i] {
                    off[i] = off[i].wrapping_add(prev[i]);
                }
                c[i] = now[i].wrapping_add(off[i]);
            }
            set(v, c);
        }
        *last = raw;
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

    /// psutil's `_WrapNumbers.run`, written plainly (a new output map each call).
    #[derive(Default)]
    struct Reference {
        last: Option<IndexMap<String, [u64; 2]>>,
        offsets: HashMap<String, [u64; 2]>,
    }

    impl Reference {
        fn run(&mut self, input: &IndexMap<String, [u64; 2]>) -> IndexMap<String, [u64; 2]> {
            let Some(old) = self.last.replace(input.clone()) else {
                return input.clone();
            };
            self.offsets.retain(|k, _| input.contains_key(k));
            let mut out = IndexMap::new();
            for (name, now) in input {
                let Some(prev) = old.get(name) else {
                    out.insert(name.clone(), *now);
                    continue;
                };
                let off = self.offsets.entry(name.clone()).or_insert([0; 2]);
                let mut v = [0; 2];
                for i in 0..2 {
                    if now[i] < prev[i] {
                        off[i] += prev[i];
                    }
                    v[i] = now[i] + off[i];
                }
                out.insert(name.clone(), v);
            }
            out
        }
    }

    #[test]
    fn matches_reference_on_random_sequences() {
        let mut z = 0x9e37_79b9_7f4a_7c15u64;
        let mut rnd = |m: u64| {
            z ^= z << 13;
            z ^= z >> 7;
            z ^= z << 17;
            z % m
        };
        for _ in 0..200 {
            let mut s = NoWrap::<2>::new();
            let mut r = Reference::default();
            let mut devs: Vec<(String, [u64; 2])> = (0..3).map(|i| (format!("d{i}"), [0, 0])).collect();
            for _ in 0..40 {
                match rnd(10) {
                    0 if devs.len() > 1 => {
                        let i = rnd(devs.len() as u64) as usize;
                        devs.remove(i);
                    }
                    1 => devs.push((format!("d{}", rnd(6)), [rnd(50), rnd(50)])),
                    2 if devs.len() > 1 => devs.swap(0, 1),
                    _ => {}
                }
                for d in devs.iter_mut() {
                    for c in d.1.iter_mut() {
                        // mostly growing, sometimes wrapping to a small value
                        *c = if rnd(5) == 0 { rnd(10) } else { *c + rnd(20) };
                    }
                }
                let input: IndexMap<String, [u64; 2]> = devs.iter().cloned().collect();
                assert_eq!(s.apply(input.clone()), r.run(&input));
            }
        }
    }
}
