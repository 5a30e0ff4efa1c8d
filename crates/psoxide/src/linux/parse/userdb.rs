//! The local user database as glibc's `files` NSS service reads it: whether
//! `nsswitch.conf` asks `files` first for `passwd`, and the name of a UID in the
//! `passwd` file.
//!
//! psutil's `username()` is `pwd.getpwuid(uid).pw_name`, glibc's `getpwuid_r`. When the
//! `passwd` database starts with the `files` service, a UID that the file has is
//! answered from it and no other service is asked. Reading the file directly then gives
//! the same name without running libc's NSS machinery (configuration parsing, service
//! dispatch: some 200 KiB of libc's code paged in for a lookup that needs none of it).
//! These functions answer only where glibc's answer is certain; in any
//! doubt they say so ([`PasswdLookup::Unsure`], `false`) and the caller asks
//! `getpwuid_r`.
//!
//! What glibc does, and what is mirrored here:
//! - `nsswitch.conf`: `#` starts a comment anywhere on a line; a line is `DATABASE`,
//!   optional blanks, one or more `:`, then the services; a later line for the same
//!   database replaces an earlier one. A service may be followed by `[STATUS=action]`
//!   items, which change when the lookup stops: only a plain `files` first (no action
//!   items after it) is taken as "found in the file means the answer".
//! - `passwd`: lines are split at `\n`; leading white space is skipped; empty lines and
//!   lines starting with `#` are ignored; fields are split at `:`. The UID and GID
//!   fields are read with `strtoul`, which also accepts blanks, a sign and values
//!   beyond 32 bits: such a field (or any other line that is not plainly
//!   `name:passwd:UID:GID[:...]` with decimal digits) makes the answer unsure. Entries
//!   whose name starts with `+` or `-` (NIS compat markers) are never returned by the
//!   `files` service's UID lookup and are skipped. The first matching line wins.

/// What the `passwd` file says about one UID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswdLookup<'a> {
    /// The first line for the UID: the user name (bytes as in the file).
    Found(&'a [u8]),
    /// No line has the UID (every line was read as glibc reads it).
    Absent,
    /// A line glibc might read differently comes before any match: ask glibc.
    Unsure,
}

/// `isspace` in the C locale.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

fn trim_start(mut s: &[u8]) -> &[u8] {
    while let [b, rest @ ..] = s {
        if !is_c_space(*b) {
            break;
        }
        s = rest;
    }
    s
}

/// True when `nsswitch` (the bytes of `nsswitch.conf`) makes `files` the first service
/// of the `passwd` database with no action items after it; false otherwise, also when
/// it has no `passwd` line (glibc's built-in default then applies).
pub fn passwd_files_first(nsswitch: &[u8]) -> bool {
    let mut services: Option<&[u8]> = None;
    for raw in nsswitch.split(|&b| b == b'\n') {
        let line = raw.split(|&b| b == b'#').next().unwrap_or_default();
        let line = trim_start(line);
        let name_len = line
            .iter()
            .position(|&b| is_c_space(b) || b == b':')
            .unwrap_or(line.len());
        if name_len == 0 || name_len == line.len() {
            continue;
        }
        let (name, rest) = line.split_at(name_len);
        if name.eq_ignore_ascii_case(b"passwd") && name != b"passwd" {
            // A spelling glibc may or may not take for the database.
            return false;
        }
        if name == b"passwd" {
            let start = rest
                .iter()
                .position(|&b| !is_c_space(b) && b != b':')
                .unwrap_or(rest.len());
            services = Some(&rest[start..]);
        }
    }
    let Some(s) = services else {
        return false;
    };
    let first_len = s
        .iter()
        .position(|&b| is_c_space(b) || b == b'[')
        .unwrap_or(s.len());
    if &s[..first_len] != b"files" {
        return false;
    }
    trim_start(&s[first_len..]).first() != Some(&b'[')
}

/// A UID or GID field as `strtoul` reads it, when it is plain decimal digits that fit
/// in 32 bits; `None` for anything else.
fn plain_id(f: &[u8]) -> Option<u32> {
    if f.is_empty() || !f.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // At most 10 significant digits fit; leading zeros are allowed.
    let digits = &f[f.iter().position(|&b| b != b'0').unwrap_or(f.len())..];
    if digits.len() > 10 {
        return None;
    }
    let v = digits
        .iter()
        .fold(0u64, |v, &d| v * 10 + u64::from(d - b'0'));
    u32::try_from(v).ok()
}

/// The name of `uid` in `passwd` (the bytes of a `passwd` file), as glibc's `files`
/// service finds it.
pub fn passwd_name(passwd: &[u8], uid: u32) -> PasswdLookup<'_> {
    for raw in passwd.split(|&b| b == b'\n') {
        let line = trim_start(raw);
        if line.is_empty() || line[0] == b'#' {
            continue;
        }
        if line.contains(&0) {
            // glibc reads up to the NUL only.
            return PasswdLookup::Unsure;
        }
        let mut f = line.splitn(4, |&b| b == b':');
        let name = f.next().unwrap_or_default();
        if matches!(name.first(), Some(b'+' | b'-')) {
            continue;
        }
        let (Some(_password), Some(uid_field), Some(rest)) = (f.next(), f.next(), f.next()) else {
            return PasswdLookup::Unsure;
        };
        let gid_field = rest.split(|&b| b == b':').next().unwrap_or_default();
        let (Some(line_uid), Some(_gid)) = (plain_id(uid_field), plain_id(gid_field)) else {
            return PasswdLookup::Unsure;
        };
        if line_uid == uid {
            return PasswdLookup::Found(name);
        }
    }
    PasswdLookup::Absent
}

#[cfg(test)]
mod tests {
    use super::*;
    use PasswdLookup::*;

    #[test]
    fn nsswitch_files_first() {
        let yes: &[&[u8]] = &[
            b"passwd: files\n",
            b"passwd:         files systemd\ngroup: files\n",
            b"# comment\npasswd:files sss # trailing comment\n",
            b"  passwd :: files\n",
            b"passwd: compat\npasswd: files\n",
            b"passwd: files\tldap",
        ];
        for y in yes {
            assert!(passwd_files_first(y), "{}", String::from_utf8_lossy(y));
        }
        let no: &[&[u8]] = &[
            b"",
            b"group: files\n",
            b"passwd: sss files\n",
            b"passwd: compat\n",
            b"passwd: files [SUCCESS=continue] systemd\n",
            b"passwd: files[NOTFOUND=return]\n",
            b"passwd: files\npasswd: ldap files\n",
            b"PASSWD: files\n",
            b"passwd: filesx\n",
            b"passwd:\n",
            b"passwd\n",
            b"#passwd: files\n",
            b"passwd: # files\n",
        ];
        for n in no {
            assert!(!passwd_files_first(n), "{}", String::from_utf8_lossy(n));
        }
    }

    #[test]
    fn plain_passwd() {
        let f = b"root:x:0:0:root:/root:/bin/bash\n\
                  daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
                  \n\
                  # a comment\n\
                  \t alice:x:1000:1000:Alice,,,:/home/alice:/bin/sh\n\
                  bob:x:1001:1001\n\
                  dup:x:1000:5::/:/bin/false\n\
                  big:x:4294967294:0:::\n\
                  zeros:x:0001002:0::";
        assert_eq!(passwd_name(f, 0), Found(b"root"));
        assert_eq!(passwd_name(f, 1), Found(b"daemon"));
        assert_eq!(passwd_name(f, 1000), Found(b"alice"));
        assert_eq!(passwd_name(f, 1001), Found(b"bob"));
        assert_eq!(passwd_name(f, 4294967294), Found(b"big"));
        assert_eq!(passwd_name(f, 1002), Found(b"zeros"));
        assert_eq!(passwd_name(f, 7), Absent);
        assert_eq!(passwd_name(b"", 0), Absent);
        // Empty names are names.
        assert_eq!(passwd_name(b":x:5:5::/:/bin/sh\n", 5), Found(b""));
        // Non-UTF-8 names come back as bytes.
        assert_eq!(passwd_name(b"\xffn:x:9:9::/:\n", 9), Found(b"\xffn"));
    }

    #[test]
    fn compat_markers_are_skipped() {
        let f = b"+alice:x:0:0:::\n-bob:x:1000:1000:::\n+\n-\nroot:x:0:0:::\nu:x:1000:1::\n";
        assert_eq!(passwd_name(f, 0), Found(b"root"));
        assert_eq!(passwd_name(f, 1000), Found(b"u"));
    }

    #[test]
    fn odd_lines_before_a_match_make_it_unsure() {
        let odd: &[&[u8]] = &[
            b"a:x: 7:7::/:\n",
            b"a:x:+7:7::/:\n",
            b"a:x:-1:7::/:\n",
            b"a:x:4294967296:7::/:\n",
            b"a:x:99999999999999999999:7::/:\n",
            b"a:x::7::/:\n",
            b"a:x:7\n",
            b"a:x:7:\n",
            b"a:x:7:g::/:\n",
            b"a:x\n",
            b"a\n",
            b"a:x:7:7\0::/:\n",
            b"a:x:7x:7::/:\n",
        ];
        for o in odd {
            let mut f = o.to_vec();
            f.extend_from_slice(b"root:x:0:0:::\n");
            assert_eq!(passwd_name(&f, 0), Unsure, "{}", String::from_utf8_lossy(o));
        }
        // After the match, odd lines do not matter.
        assert_eq!(passwd_name(b"root:x:0:0:::\na:x: 7:7\n", 0), Found(b"root"));
    }
}
