//! `KernelApi::NewestUnheld`: a scan's handles hold their pidfd only while each
//! process is read (the IDs still come from `PIDFD_GET_INFO`, as with `Newest`), so a
//! listing leaves no pidfd open; `Newest` keeps one per cached handle.
//!
//! One test in its own binary: it counts this process's pidfds, which handles made by
//! other tests running in parallel would change.

mod common;

use common::pidfds_open;
use psoxide::{Attr, AttrValue, Host, KernelApi, Roots};

#[test]
fn scans_keep_pidfds_only_where_the_api_says() {
    if !common::pidfds_or_skip("no API holds any") {
        return;
    }
    let mut names = Vec::new();
    for (api, kept) in [(KernelApi::Newest, true), (KernelApi::NewestUnheld, false)] {
        let host = Host::with_kernel_api(Roots::default(), api);
        assert_eq!(pidfds_open(), 0, "{api:?}: pidfds open before the scan");
        let mut seen = std::collections::BTreeMap::new();
        for p in host.process_iter(Some(&[Attr::Username, Attr::Nice])).unwrap() {
            let p = p.unwrap();
            let info = p.prefetched().unwrap();
            let Some(AttrValue::Username(u)) = info.get(Attr::Username) else {
                panic!("{api:?}: pid {}: {info:?}", p.pid())
            };
            seen.insert(p.pid(), u.clone());
        }
        let held = pidfds_open();
        if kept {
            assert!(
                held * 2 > seen.len(),
                "{api:?}: {held} pidfds after scanning {} processes",
                seen.len()
            );
        } else {
            assert_eq!(
                held,
                0,
                "{api:?}: pidfds left after scanning {} processes",
                seen.len()
            );
        }
        drop(host);
        assert_eq!(pidfds_open(), 0, "{api:?}: pidfds left after the host went");
        names.push(seen);
    }
    // The same user names either way, for the processes both scans saw.
    let both: Vec<_> = names[0]
        .iter()
        .filter(|(pid, _)| names[1].contains_key(pid))
        .collect();
    assert!(both.len() > 10, "only {} processes in both scans", both.len());
    for (pid, user) in both {
        assert_eq!(&names[1][pid], user, "pid {pid}");
    }
}
