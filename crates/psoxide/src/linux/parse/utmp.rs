//! The utmp database (`/var/run/utmp`): glibc's `struct utmp` records on Linux x86_64.
//!
//! The file is an array of fixed-size 384-byte records in native byte order:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 2 | `ut_type` (`i16`), then 2 bytes of padding |
//! | 4 | 4 | `ut_pid` (`i32`) |
//! | 8 | 32 | `ut_line`: device name without `/dev/` |
//! | 40 | 4 | `ut_id`: inittab id or tty suffix |
//! | 44 | 32 | `ut_user` |
//! | 76 | 256 | `ut_host`: remote host name or X display |
//! | 332 | 4 | `ut_exit`: `e_termination`, `e_exit` (`i16` each) |
//! | 336 | 4 | `ut_session` (`i32`) |
//! | 340 | 8 | `ut_tv`: `tv_sec`, `tv_usec` (`i32` each, even on 64-bit) |
//! | 348 | 16 | `ut_addr_v6` (`[i32; 4]`) |
//! | 364 | 20 | unused |
//!
//! Text fields are NUL-padded but need not be NUL-terminated when full; each is cut at
//! its first NUL or at the end of its field. The layout is checked against the `libc`
//! crate's `utmpx` in the tests below.

use crate::error::Result;
use std::path::Path;

/// Size of one record in bytes (`sizeof(struct utmp)` on glibc x86_64).
pub const UTMP_RECORD_SIZE: usize = 384;

/// `ut_type` of an empty slot.
pub const EMPTY: i16 = 0;
/// `ut_type` of a run-level change record.
pub const RUN_LVL: i16 = 1;
/// `ut_type` of the boot-time record.
pub const BOOT_TIME: i16 = 2;
/// `ut_type` of a record written by init for a process it spawned.
pub const INIT_PROCESS: i16 = 5;
/// `ut_type` of a getty waiting for a login.
pub const LOGIN_PROCESS: i16 = 6;
/// `ut_type` of a logged-in user's session.
pub const USER_PROCESS: i16 = 7;
/// `ut_type` of a session that has ended.
pub const DEAD_PROCESS: i16 = 8;

const OFF_TYPE: usize = 0;
const OFF_PID: usize = 4;
const OFF_LINE: usize = 8;
const LINE_SIZE: usize = 32;
const OFF_ID: usize = 40;
const ID_SIZE: usize = 4;
const OFF_USER: usize = 44;
const USER_SIZE: usize = 32;
const OFF_HOST: usize = 76;
const HOST_SIZE: usize = 256;
const OFF_SESSION: usize = 336;
const OFF_TV_SEC: usize = 340;
const OFF_TV_USEC: usize = 344;

/// One utmp record, with its text fields cut at the first NUL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UtmpRecord {
    /// `ut_type`: [`USER_PROCESS`], [`DEAD_PROCESS`], [`BOOT_TIME`] ...
    pub ut_type: i16,
    /// `ut_pid`: the session leader's PID (login shell, sshd child...).
    pub ut_pid: i32,
    /// `ut_line`: the terminal, without `/dev/` (raw bytes).
    pub ut_line: Vec<u8>,
    /// `ut_id`: the inittab id or terminal suffix (raw bytes).
    pub ut_id: Vec<u8>,
    /// `ut_user`: the user name (raw bytes).
    pub ut_user: Vec<u8>,
    /// `ut_host`: the remote host or X display (raw bytes).
    pub ut_host: Vec<u8>,
    /// `ut_session`: the session ID.
    pub ut_session: i32,
    /// `ut_tv.tv_sec`: when the record was written, seconds since the epoch.
    pub tv_sec: i32,
    /// `ut_tv.tv_usec`: microseconds part of the same time.
    pub tv_usec: i32,
}

/// Parses the whole utmp file into its records, in file order.
///
/// A trailing partial record (fewer than [`UTMP_RECORD_SIZE`] bytes) is ignored, as
/// glibc's `getutxent` does (it stops at the first short read). There is no way for a
/// record to be malformed: every byte pattern is a valid record. `_path` is kept for
/// symmetry with the other parsers.
pub fn parse_utmp(bytes: &[u8], _path: &Path) -> Result<Vec<UtmpRecord>> {
    Ok(bytes.chunks_exact(UTMP_RECORD_SIZE).map(parse_record).collect())
}

fn parse_record(rec: &[u8]) -> UtmpRecord {
    UtmpRecord {
        ut_type: i16::from_ne_bytes(array(rec, OFF_TYPE)),
        ut_pid: i32::from_ne_bytes(array(rec, OFF_PID)),
        ut_line: cstr_field(rec, OFF_LINE, LINE_SIZE),
        ut_id: cstr_field(rec, OFF_ID, ID_SIZE),
        ut_user: cstr_field(rec, OFF_USER, USER_SIZE),
        ut_host: cstr_field(rec, OFF_HOST, HOST_SIZE),
        ut_session: i32::from_ne_bytes(array(rec, OFF_SESSION)),
        tv_sec: i32::from_ne_bytes(array(rec, OFF_TV_SEC)),
        tv_usec: i32::from_ne_bytes(array(rec, OFF_TV_USEC)),
    }
}

/// `N` bytes at `off`; zeros if the record were too short (it never is: callers pass
/// exact 384-byte chunks).
fn array<const N: usize>(rec: &[u8], off: usize) -> [u8; N] {
    let mut out = [0u8; N];
    if let Some(src) = rec.get(off..off + N) {
        out.copy_from_slice(src);
    }
    out
}

/// The bytes of a fixed-size text field up to its first NUL (or the whole field).
fn cstr_field(rec: &[u8], off: usize, size: usize) -> Vec<u8> {
    let field = rec.get(off..off + size).unwrap_or(&[]);
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    field[..end].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{offset_of, size_of};

    /// Builds one record the way glibc lays it out.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn record(
        ut_type: i16,
        pid: i32,
        line: &[u8],
        id: &[u8],
        user: &[u8],
        host: &[u8],
        sec: i32,
        usec: i32,
    ) -> Vec<u8> {
        let mut r = vec![0u8; UTMP_RECORD_SIZE];
        r[0..2].copy_from_slice(&ut_type.to_ne_bytes());
        r[4..8].copy_from_slice(&pid.to_ne_bytes());
        r[OFF_LINE..OFF_LINE + line.len()].copy_from_slice(line);
        r[OFF_ID..OFF_ID + id.len()].copy_from_slice(id);
        r[OFF_USER..OFF_USER + user.len()].copy_from_slice(user);
        r[OFF_HOST..OFF_HOST + host.len()].copy_from_slice(host);
        r[OFF_SESSION..OFF_SESSION + 4].copy_from_slice(&77i32.to_ne_bytes());
        r[OFF_TV_SEC..OFF_TV_SEC + 4].copy_from_slice(&sec.to_ne_bytes());
        r[OFF_TV_USEC..OFF_TV_USEC + 4].copy_from_slice(&usec.to_ne_bytes());
        r
    }

    #[cfg(all(target_env = "gnu", target_arch = "x86_64"))]
    #[test]
    fn layout_matches_glibc() {
        use libc::utmpx;
        assert_eq!(size_of::<utmpx>(), UTMP_RECORD_SIZE);
        assert_eq!(offset_of!(utmpx, ut_type), OFF_TYPE);
        assert_eq!(offset_of!(utmpx, ut_pid), OFF_PID);
        assert_eq!(offset_of!(utmpx, ut_line), OFF_LINE);
        assert_eq!(offset_of!(utmpx, ut_id), OFF_ID);
        assert_eq!(offset_of!(utmpx, ut_user), OFF_USER);
        assert_eq!(offset_of!(utmpx, ut_host), OFF_HOST);
        assert_eq!(offset_of!(utmpx, ut_session), OFF_SESSION);
        assert_eq!(offset_of!(utmpx, ut_tv), OFF_TV_SEC);
        assert_eq!(offset_of!(utmpx, ut_addr_v6), 348);
        assert_eq!(size_of::<libc::__timeval>(), 8);
        // The length of an array field, read from its type (no value needed).
        fn len<T, const N: usize>(_: fn(&utmpx) -> &[T; N]) -> usize {
            N
        }
        assert_eq!(len(|u| &u.ut_line), LINE_SIZE);
        assert_eq!(len(|u| &u.ut_id), ID_SIZE);
        assert_eq!(len(|u| &u.ut_user), USER_SIZE);
        assert_eq!(len(|u| &u.ut_host), HOST_SIZE);
        assert_eq!(libc::USER_PROCESS, USER_PROCESS);
        assert_eq!(libc::DEAD_PROCESS, DEAD_PROCESS);
        assert_eq!(libc::LOGIN_PROCESS, LOGIN_PROCESS);
        assert_eq!(libc::BOOT_TIME, BOOT_TIME);
    }

    #[test]
    fn parses_records_in_order() {
        let mut data = record(BOOT_TIME, 0, b"~", b"~~", b"reboot", b"6.1.0", 1_700_000_000, 5);
        data.extend(record(
            USER_PROCESS,
            1234,
            b"pts/0",
            b"ts/0",
            b"alice",
            b"10.0.0.1",
            1_700_000_100,
            250,
        ));
        let recs = parse_utmp(&data, Path::new("utmp")).unwrap();
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].ut_type, BOOT_TIME);
        assert_eq!(recs[0].ut_user, b"reboot");
        assert_eq!(recs[1].ut_type, USER_PROCESS);
        assert_eq!(recs[1].ut_pid, 1234);
        assert_eq!(recs[1].ut_line, b"pts/0");
        assert_eq!(recs[1].ut_id, b"ts/0");
        assert_eq!(recs[1].ut_user, b"alice");
        assert_eq!(recs[1].ut_host, b"10.0.0.1");
        assert_eq!(recs[1].ut_session, 77);
        assert_eq!(recs[1].tv_sec, 1_700_000_100);
        assert_eq!(recs[1].tv_usec, 250);
    }

    #[test]
    fn full_fields_without_nul_stay_within_their_field() {
        let user = [b'u'; USER_SIZE];
        let line = [b'l'; LINE_SIZE];
        let host = [b'h'; HOST_SIZE];
        let data = record(USER_PROCESS, 1, &line, b"abcd", &user, &host, 0, 0);
        let r = &parse_utmp(&data, Path::new("utmp")).unwrap()[0];
        assert_eq!(r.ut_user, user);
        assert_eq!(r.ut_line, line);
        assert_eq!(r.ut_id, b"abcd");
        assert_eq!(r.ut_host, host);
    }

    #[test]
    fn garbage_after_nul_is_ignored() {
        let data = record(USER_PROCESS, 1, b"tty1\0junk", b"", b"bob\0xx", b"", 0, 0);
        let r = &parse_utmp(&data, Path::new("utmp")).unwrap()[0];
        assert_eq!(r.ut_line, b"tty1");
        assert_eq!(r.ut_user, b"bob");
        assert!(r.ut_host.is_empty());
    }

    #[test]
    fn truncated_and_empty_inputs() {
        let p = Path::new("utmp");
        assert!(parse_utmp(b"", p).unwrap().is_empty());
        assert!(parse_utmp(&[7u8; 100], p).unwrap().is_empty());
        let mut data = record(USER_PROCESS, 9, b"tty2", b"", b"carol", b"", 1, 0);
        data.extend_from_slice(&record(USER_PROCESS, 10, b"tty3", b"", b"dave", b"", 1, 0)[..383]);
        let recs = parse_utmp(&data, p).unwrap();
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].ut_user, b"carol");
    }

    #[test]
    fn any_bytes_parse_without_panic() {
        let mut seed = 0x1234_5678_u32;
        for len in [1usize, 383, 384, 385, 768, 1000] {
            let data: Vec<u8> = (0..len)
                .map(|_| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    (seed >> 16) as u8
                })
                .collect();
            let recs = parse_utmp(&data, Path::new("utmp")).unwrap();
            assert_eq!(recs.len(), len / UTMP_RECORD_SIZE);
        }
    }
}
