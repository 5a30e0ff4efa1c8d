//! Short byte strings kept inline (process names, CPU lists): copying them costs no
//! allocation, which matters when a scan touches every process several times.

/// Bytes stored inline up to [`INLINE`] (a 15-byte `comm` fits), on the heap beyond.
/// The whole value is 24 bytes: it sits in every handle and every cached `stat`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum SmallBytes {
    /// Inline storage and the used length.
    Inline([u8; INLINE], u8),
    /// Longer values.
    Heap(Box<[u8]>),
}

/// The longest value kept inline.
pub(crate) const INLINE: usize = 22;

impl SmallBytes {
    /// Copies `b`.
    pub(crate) fn new(b: &[u8]) -> SmallBytes {
        if b.len() <= INLINE {
            let mut a = [0u8; INLINE];
            a[..b.len()].copy_from_slice(b);
            SmallBytes::Inline(a, b.len() as u8)
        } else {
            SmallBytes::Heap(b.into())
        }
    }

    /// The bytes.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        match self {
            SmallBytes::Inline(a, n) => &a[..*n as usize],
            SmallBytes::Heap(b) => b,
        }
    }
}

impl std::fmt::Debug for SmallBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::{SmallBytes, INLINE};

    #[test]
    fn round_trips() {
        for n in [0usize, 1, 15, INLINE, INLINE + 1, 64, 65, 300] {
            let v: Vec<u8> = (0..n).map(|i| i as u8).collect();
            assert_eq!(SmallBytes::new(&v).as_bytes(), &v[..]);
        }
        assert_eq!(std::mem::size_of::<SmallBytes>(), 24);
    }
}
