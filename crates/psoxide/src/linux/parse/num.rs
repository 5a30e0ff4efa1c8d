//! Number parsing straight from bytes, shared by the parsers.

/// Parses an unsigned decimal number; `None` on empty input, a non-digit, or overflow.
pub fn u64_dec(b: &[u8]) -> Option<u64> {
    if b.is_empty() {
        return None;
    }
    let mut v: u64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((c - b'0') as u64)?;
    }
    Some(v)
}

/// Parses a signed decimal number (optional leading `-` or `+`).
pub fn i64_dec(b: &[u8]) -> Option<i64> {
    match b.first()? {
        b'-' => {
            let v = u64_dec(&b[1..])?;
            if v <= i64::MAX as u64 {
                Some(-(v as i64))
            } else if v == i64::MAX as u64 + 1 {
                Some(i64::MIN)
            } else {
                None
            }
        }
        b'+' => i64::try_from(u64_dec(&b[1..])?).ok(),
        _ => i64::try_from(u64_dec(b)?).ok(),
    }
}

/// Parses an unsigned number in base 8 (as `/proc/PID/fdinfo` prints `flags`).
pub fn u64_oct(b: &[u8]) -> Option<u64> {
    if b.is_empty() {
        return None;
    }
    let mut v: u64 = 0;
    for &c in b {
        if !(b'0'..=b'7').contains(&c) {
            return None;
        }
        v = v.checked_mul(8)?.checked_add((c - b'0') as u64)?;
    }
    Some(v)
}

/// Parses an unsigned number in base 16 (no `0x` prefix).
pub fn u64_hex(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 16 {
        return None;
    }
    let mut v: u64 = 0;
    for &c in b {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => return None,
        };
        v = (v << 4) | d as u64;
    }
    Some(v)
}

/// Strips ASCII whitespace from both ends.
pub fn trim(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &b[start..end.max(start)]
}

/// Up to 40 characters of `bytes` (lossily decoded, "..." when cut), for quoting bad
/// input in error messages without copying a whole line.
pub fn show(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(bytes);
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push_str("...");
    }
    out
}

/// Splits on runs of ASCII whitespace, skipping empty pieces.
pub fn fields(b: &[u8]) -> impl Iterator<Item = &[u8]> {
    b.split(|c| c.is_ascii_whitespace()).filter(|s| !s.is_empty())
}

/// Splits `key: value` at the first colon; the value is trimmed.
pub fn key_value(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let i = line.iter().position(|&c| c == b':')?;
    Some((trim(&line[..i]), trim(&line[i + 1..])))
}

/// Parses a `N kB` value (or a bare `N`) into bytes (N × 1024 when `kB` is present).
pub fn kb_bytes(v: &[u8]) -> Option<u64> {
    // One pass (a scan parses a dozen of these per process).
    let ws = |c: u8| c.is_ascii_whitespace();
    let mut i = 0;
    while i < v.len() && ws(v[i]) {
        i += 1;
    }
    let digits = i;
    let mut n: u64 = 0;
    while i < v.len() && v[i].is_ascii_digit() {
        n = n.checked_mul(10)?.checked_add(u64::from(v[i] - b'0'))?;
        i += 1;
    }
    if i == digits {
        return None;
    }
    let mut unit = i;
    while unit < v.len() && ws(v[unit]) {
        unit += 1;
    }
    if unit == v.len() {
        return Some(n);
    }
    // The number must end at whitespace ("12kB" is not accepted).
    if unit == i {
        return None;
    }
    let mut end = v.len();
    while ws(v[end - 1]) {
        end -= 1;
    }
    match &v[unit..end] {
        b"kB" | b"KB" | b"kb" => n.checked_mul(1024),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal() {
        assert_eq!(u64_dec(b"0"), Some(0));
        assert_eq!(u64_dec(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(u64_dec(b"18446744073709551616"), None);
        assert_eq!(u64_dec(b""), None);
        assert_eq!(u64_dec(b"1a"), None);
        assert_eq!(i64_dec(b"-20"), Some(-20));
        assert_eq!(i64_dec(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(i64_dec(b"9223372036854775808"), None);
        assert_eq!(i64_dec(b"-"), None);
    }

    #[test]
    fn other_bases_and_helpers() {
        assert_eq!(u64_oct(b"0100002"), Some(0o100002));
        assert_eq!(u64_oct(b"8"), None);
        assert_eq!(u64_hex(b"0A"), Some(10));
        assert_eq!(u64_hex(b"x"), None);
        assert_eq!(trim(b"  a b \n"), b"a b");
        assert_eq!(trim(b"   "), b"");
        assert_eq!(
            key_value(b"VmRSS:\t  1756 kB"),
            Some((&b"VmRSS"[..], &b"1756 kB"[..]))
        );
        assert_eq!(kb_bytes(b"1756 kB"), Some(1756 * 1024));
        assert_eq!(kb_bytes(b"3"), Some(3));
        assert_eq!(kb_bytes(b"3 MB"), None);
        assert_eq!(kb_bytes(b"  12 \t kB \n"), Some(12 * 1024));
        assert_eq!(kb_bytes(b"12kB"), None);
        assert_eq!(kb_bytes(b"12 kB x"), None);
        assert_eq!(kb_bytes(b"kB"), None);
        assert_eq!(kb_bytes(b""), None);
        assert_eq!(kb_bytes(b"18014398509481984 kB"), None);
    }
}
