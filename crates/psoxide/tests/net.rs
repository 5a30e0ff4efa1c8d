//! Tests of `net_io_counters`, `net_if_addrs` and `net_if_stats`: fixture trees, then
//! live comparisons with sysfs and `ip -j`, then (as root) throw-away interfaces.
//!
//! Other tests (and other programs) may add or remove interfaces while these run, so
//! live comparisons bracket our reading between two readings of the other source and
//! only compare interfaces that did not change in between.

use psoxide::{AddressFamily, Error, NetIoCounters, NicAddr, NicDuplex, Roots};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> Roots {
    Roots::under(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
}

fn c(v: [u64; 8]) -> NetIoCounters {
    let [bytes_sent, bytes_recv, packets_sent, packets_recv, errin, errout, dropin, dropout] = v;
    NetIoCounters {
        bytes_sent,
        bytes_recv,
        packets_sent,
        packets_recv,
        errin,
        errout,
        dropin,
        dropout,
    }
}

fn as_array(n: &NetIoCounters) -> [u64; 8] {
    [
        n.bytes_sent,
        n.bytes_recv,
        n.packets_sent,
        n.packets_recv,
        n.errin,
        n.errout,
        n.dropin,
        n.dropout,
    ]
}

// ---------------------------------------------------------------- fixtures

#[test]
fn captured_proc_net_dev() {
    let r = fixture("net-capture");
    let m = psoxide::Host::new(r.clone())
        .net_io_counters_pernic(false)
        .unwrap();
    let names: Vec<_> = m.keys().map(String::as_str).collect();
    assert_eq!(names, ["lo", "ifb0", "ifb1", "eth0"]);
    assert_eq!(m["lo"], c([3193, 3193, 29, 29, 0, 0, 0, 0]));
    assert_eq!(m["ifb0"], c([0; 8]));
    assert_eq!(m["eth0"], c([138938, 24799304, 1506, 1648, 0, 0, 0, 0]));
    let sum = psoxide::Host::new(r.clone())
        .net_io_counters(false)
        .unwrap()
        .unwrap();
    assert_eq!(
        sum,
        c([3193 + 138938, 3193 + 24799304, 29 + 1506, 29 + 1648, 0, 0, 0, 0])
    );
}

#[test]
fn many_nics_odd_names_and_huge_counters() {
    let r = fixture("net-many");
    let m = psoxide::Host::new(r.clone())
        .net_io_counters_pernic(false)
        .unwrap();
    let names: Vec<_> = m.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        ["lo", "eth0", "wlan0", "docker0", "veth1a2b3c4d5e6", "eth0:1"]
    );
    let max = u64::MAX;
    assert_eq!(m["eth0"], c([98765432, 123456789, 90000, 100000, 3, 9, 4, 10]));
    assert_eq!(
        m["wlan0"],
        c([
            max,
            max - 10,
            max - 1,
            max - 20,
            max - 30,
            max - 2,
            max - 40,
            max - 3
        ])
    );
    assert_eq!(m["docker0"], c([1, 0, 2, 0, 0, 3, 0, 4]));
    assert_eq!(m["veth1a2b3c4d5e6"], c([21, 11, 22, 12, 13, 23, 14, 24]));
    assert_eq!(m["eth0:1"], c([41, 31, 42, 32, 33, 43, 34, 44]));
    // The total of wlan0 + the rest exceeds u64: every field saturates (psutil's Python
    // ints would keep growing; a u64 cannot).
    let mut want = [0u128; 8];
    for v in m.values() {
        for (w, x) in want.iter_mut().zip(as_array(v)) {
            *w += u128::from(x);
        }
    }
    let want = want.map(|w| u64::try_from(w).unwrap_or(u64::MAX));
    assert_eq!(want, [max; 8], "fixture meant to overflow every field");
    assert_eq!(
        psoxide::Host::new(r.clone())
            .net_io_counters(false)
            .unwrap()
            .unwrap(),
        c(want)
    );
}

#[test]
fn old_kernel_without_space_after_colon() {
    let m = psoxide::Host::new(fixture("net-oldkernel"))
        .net_io_counters_pernic(false)
        .unwrap();
    assert_eq!(m.keys().collect::<Vec<_>>(), ["lo", "eth0"]);
    assert_eq!(m["lo"], c([1234567, 1234567, 100, 100, 0, 0, 0, 0]));
    assert_eq!(
        m["eth0"],
        c([2147483648, 4294967295, 4000000, 3000000, 1, 3, 2, 4])
    );
}

fn assert_parse_error(tree: &str, needle: &str) {
    let r = fixture(tree);
    let path = r.proc("net/dev");
    for e in [
        psoxide::Host::new(r.clone())
            .net_io_counters_pernic(false)
            .unwrap_err(),
        psoxide::Host::new(r.clone()).net_io_counters(true).unwrap_err(),
        psoxide::Host::new(r.clone()).net_if_stats().unwrap_err(),
    ] {
        match &e {
            Error::Parse { path: p, what, .. } => {
                assert_eq!(p, &path);
                assert!(what.contains(needle), "{what}");
            }
            other => panic!("expected Error::Parse, got {other:?}"),
        }
        // psutil's int() or unpacking fails on the same line: a ValueError.
        assert_eq!(e.exception_name(), "ValueError");
        assert!(e.to_string().contains(&path.display().to_string()), "{e}");
    }
}

#[test]
fn truncated_file_is_a_parse_error() {
    assert_parse_error("net-truncated", "expected 16 counter columns, found 10");
}

#[test]
fn garbage_number_is_a_parse_error() {
    assert_parse_error("net-garbage", "column 9 is not an unsigned integer: \"1e3\"");
}

#[test]
fn no_interfaces_gives_none_and_empty() {
    let r = fixture("net-empty");
    assert_eq!(
        psoxide::Host::new(r.clone()).net_io_counters(false).unwrap(),
        None
    );
    assert_eq!(psoxide::Host::new(r.clone()).net_io_counters(true).unwrap(), None);
    assert!(psoxide::Host::new(r.clone())
        .net_io_counters_pernic(true)
        .unwrap()
        .is_empty());
    assert!(psoxide::Host::new(r.clone()).net_if_stats().unwrap().is_empty());
}

#[test]
fn missing_file_is_an_io_error() {
    let r = Roots::under("/nonexistent/psoxide-net");
    let e = psoxide::Host::new(r.clone())
        .net_io_counters_pernic(false)
        .unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::ENOENT), "{e:?}");
    assert!(
        e.to_string().contains("/nonexistent/psoxide-net/proc/net/dev"),
        "{e}"
    );
    assert_eq!(
        psoxide::Host::new(r.clone())
            .net_if_stats()
            .unwrap_err()
            .exception_name(),
        "FileNotFoundError"
    );
}

#[test]
fn if_stats_names_from_fixture_skip_unknown_nics() {
    // lo exists everywhere; psxgone0 does not (ENODEV); the last name is longer than
    // IFNAMSIZ allows.
    let s = psoxide::Host::new(fixture("net-stats")).net_if_stats().unwrap();
    assert_eq!(s.keys().collect::<Vec<_>>(), ["lo"]);
    let lo = &s["lo"];
    assert_eq!(u64::from(lo.mtu), sys_u64("lo", "mtu").unwrap());
    assert_eq!(lo.flags, expected_flags(sys_flags("lo").unwrap()));
    assert!(lo.flags.contains("loopback"));
}

/// The only test that uses `nowrap = true` (its state is process-wide).
#[test]
fn nowrap_compensates_wraps_and_cache_clear_resets() {
    let dir = tempfile::tempdir().unwrap();
    let roots = Roots::under(dir.path());
    let h = psoxide::Host::new(roots.clone());
    std::fs::create_dir_all(dir.path().join("proc/net")).unwrap();
    let header = "Inter-|   Receive                                                |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n";
    let write = |rows: &[(&str, u64, u64)]| {
        let mut s = header.to_string();
        for (n, rx, tx) in rows {
            s.push_str(&format!("{n}: {rx} 1 0 0 0 0 0 0 {tx} 1 0 0 0 0 0 0\n"));
        }
        std::fs::write(dir.path().join("proc/net/dev"), s).unwrap();
    };
    let pid = std::process::id();
    let (a, b) = (format!("nwa{pid}"), format!("nwb{pid}"));
    h.net_io_counters_cache_clear();
    write(&[(&a, 100, 1000), (&b, 5, 5)]);
    let m = h.net_io_counters_pernic(true).unwrap();
    assert_eq!((m[&a].bytes_recv, m[&a].bytes_sent), (100, 1000));
    // rx of `a` wrapped: 100 is carried over.
    write(&[(&a, 30, 1100), (&b, 6, 6)]);
    let m = h.net_io_counters_pernic(true).unwrap();
    assert_eq!((m[&a].bytes_recv, m[&a].bytes_sent), (130, 1100));
    assert_eq!(m[&b].bytes_recv, 6);
    // nowrap=false is untouched by the state
    let raw = h.net_io_counters_pernic(false).unwrap();
    assert_eq!(raw[&a].bytes_recv, 30);
    // the sum uses the compensated table
    write(&[(&a, 40, 1200), (&b, 7, 7)]);
    let sum = h.net_io_counters(true).unwrap().unwrap();
    assert_eq!((sum.bytes_recv, sum.bytes_sent), (140 + 7, 1200 + 7));
    // tx of `a` wraps too; the rx offset stays
    write(&[(&a, 50, 10), (&b, 8, 8)]);
    let m = h.net_io_counters_pernic(true).unwrap();
    assert_eq!((m[&a].bytes_recv, m[&a].bytes_sent), (150, 1210));
    // an empty table leaves the state alone (psutil returns before applying nowrap)
    write(&[]);
    assert_eq!(h.net_io_counters(true).unwrap(), None);
    write(&[(&a, 60, 20), (&b, 9, 9)]);
    let m = h.net_io_counters_pernic(true).unwrap();
    assert_eq!((m[&a].bytes_recv, m[&a].bytes_sent), (160, 1220));
    // cache_clear forgets the offsets
    h.net_io_counters_cache_clear();
    let m = h.net_io_counters_pernic(true).unwrap();
    assert_eq!((m[&a].bytes_recv, m[&a].bytes_sent), (60, 20));
    h.net_io_counters_cache_clear();
}

// ---------------------------------------------------------------- live helpers

fn sys_path(nic: &str, attr: &str) -> PathBuf {
    Path::new("/sys/class/net").join(nic).join(attr)
}

fn sys_str(nic: &str, attr: &str) -> Option<String> {
    std::fs::read_to_string(sys_path(nic, attr))
        .ok()
        .map(|s| s.trim().to_string())
}

fn sys_u64(nic: &str, attr: &str) -> Option<u64> {
    sys_str(nic, attr)?.parse().ok()
}

/// The interface flags as `SIOCGIFFLAGS` reports them: sysfs `flags` holds the
/// configured flags only; the kernel adds `IFF_RUNNING` (0x40) while the operational
/// state is up or unknown (`dev_get_flags`).
fn sys_flags(nic: &str) -> Option<u32> {
    let configured = u32::from_str_radix(sys_str(nic, "flags")?.trim_start_matches("0x"), 16).ok()?;
    let oper = sys_str(nic, "operstate")?;
    let running = if oper == "up" || oper == "unknown" {
        0x40
    } else {
        0
    };
    Some(configured | running)
}

fn sys_nics() -> BTreeSet<String> {
    std::fs::read_dir("/sys/class/net")
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

/// The counters of `/proc/net/dev` rebuilt from sysfs (the kernel prints
/// rx_dropped + rx_missed_errors in the receive "drop" column).
fn sys_counters(nic: &str) -> Option<[u64; 8]> {
    let s = |a: &str| sys_u64(nic, &format!("statistics/{a}"));
    Some([
        s("tx_bytes")?,
        s("rx_bytes")?,
        s("tx_packets")?,
        s("rx_packets")?,
        s("rx_errors")?,
        s("tx_errors")?,
        s("rx_dropped")? + s("rx_missed_errors")?,
        s("tx_dropped")?,
    ])
}

/// The low-16-bit flag names in psutil's documented order, written out independently
/// of the library's table.
fn expected_flags(bits: u32) -> String {
    let table = [
        (0x1, "up"),
        (0x2, "broadcast"),
        (0x4, "debug"),
        (0x8, "loopback"),
        (0x10, "pointopoint"),
        (0x20, "notrailers"),
        (0x40, "running"),
        (0x80, "noarp"),
        (0x100, "promisc"),
        (0x200, "allmulti"),
        (0x400, "master"),
        (0x800, "slave"),
        (0x1000, "multicast"),
        (0x2000, "portsel"),
        (0x4000, "automedia"),
        (0x8000, "dynamic"),
    ];
    table
        .iter()
        .filter(|(b, _)| bits & b != 0)
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join(",")
}

/// `ip -j ARGS` parsed, or `None` (with the reason printed) when `ip` is unusable.
fn ip_json(args: &[&str]) -> Option<Value> {
    let out = match Command::new("ip").arg("-j").args(args).output() {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            println!(
                "SKIP part: `ip -j {}` failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&o.stderr)
            );
            return None;
        }
        Err(e) => {
            println!("SKIP part: cannot run `ip`: {e}");
            return None;
        }
    };
    Some(serde_json::from_slice(&out.stdout).expect("ip -j output is JSON"))
}

/// Entries of an `ip -j` array keyed by ifname.
fn by_ifname(v: &Value) -> BTreeMap<String, Value> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| (e["ifname"].as_str().unwrap().to_string(), e.clone()))
        .collect()
}

/// Entries equal in two snapshots (interfaces that did not change in between).
fn stable(a: &BTreeMap<String, Value>, b: &BTreeMap<String, Value>) -> BTreeMap<String, Value> {
    a.iter()
        .filter(|(k, v)| b.get(*k) == Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn v4_mask(prefix: u32) -> String {
    let m = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
    std::net::Ipv4Addr::from(m).to_string()
}

fn v6_mask(prefix: u32) -> String {
    let m = if prefix == 0 {
        0
    } else {
        u128::MAX << (128 - prefix)
    };
    std::net::Ipv6Addr::from(m).to_string()
}

// ---------------------------------------------------------------- live tests

#[test]
fn live_pernic_counters_match_sysfs() {
    let names_before = sys_nics();
    let before: BTreeMap<_, _> = names_before
        .iter()
        .filter_map(|n| Some((n.clone(), sys_counters(n)?)))
        .collect();
    let ours = psoxide::net_io_counters_pernic(false).unwrap();
    let names_after = sys_nics();
    let after: BTreeMap<_, _> = names_after
        .iter()
        .filter_map(|n| Some((n.clone(), sys_counters(n)?)))
        .collect();

    let ours_names: BTreeSet<String> = ours.keys().cloned().collect();
    let both: BTreeSet<_> = names_before.intersection(&names_after).cloned().collect();
    let either: BTreeSet<_> = names_before.union(&names_after).cloned().collect();
    assert!(
        both.is_subset(&ours_names),
        "missing: {:?}",
        both.difference(&ours_names).collect::<Vec<_>>()
    );
    assert!(
        ours_names.is_subset(&either),
        "extra: {:?}",
        ours_names.difference(&either).collect::<Vec<_>>()
    );
    assert!(ours.contains_key("lo"));

    let mut compared = 0;
    for (name, v) in &ours {
        let (Some(b), Some(a)) = (before.get(name), after.get(name)) else {
            continue;
        };
        let v = as_array(v);
        for i in 0..8 {
            assert!(
                b[i] <= v[i] && v[i] <= a[i],
                "{name} field {i}: {} <= {} <= {}",
                b[i],
                v[i],
                a[i]
            );
        }
        compared += 1;
    }
    assert!(compared >= 1);
}

#[test]
fn live_pernic_matches_ip_stats() {
    let Some(b) = ip_json(&["-s", "link"]) else { return };
    let ours = psoxide::net_io_counters_pernic(false).unwrap();
    let Some(a) = ip_json(&["-s", "link"]) else { return };
    let (b, a) = (by_ifname(&b), by_ifname(&a));
    let mut compared = 0;
    for (name, eb) in &b {
        let Some(ea) = a.get(name) else { continue };
        let o = ours
            .get(name)
            .unwrap_or_else(|| panic!("{name} listed by ip twice but not by us"));
        for (dir, bytes, packets) in [
            ("rx", o.bytes_recv, o.packets_recv),
            ("tx", o.bytes_sent, o.packets_sent),
        ] {
            let get = |e: &Value, k: &str| e["stats64"][dir][k].as_u64().unwrap();
            assert!(
                get(eb, "bytes") <= bytes && bytes <= get(ea, "bytes"),
                "{name} {dir} bytes"
            );
            assert!(
                get(eb, "packets") <= packets && packets <= get(ea, "packets"),
                "{name} {dir} packets"
            );
        }
        compared += 1;
    }
    assert!(compared >= 1);
    for name in ours.keys() {
        assert!(
            b.contains_key(name) || a.contains_key(name),
            "{name} unknown to ip"
        );
    }
}

#[test]
fn live_sum_is_sum_of_pernic() {
    for _ in 0..20 {
        let p1 = psoxide::net_io_counters_pernic(false).unwrap();
        let total = psoxide::net_io_counters(false).unwrap().expect("lo at least");
        let p2 = psoxide::net_io_counters_pernic(false).unwrap();
        if p1.keys().collect::<Vec<_>>() != p2.keys().collect::<Vec<_>>() {
            continue; // an interface came or went: try again
        }
        let sum = |m: &psoxide::IndexMap<String, NetIoCounters>| {
            m.values().fold([0u64; 8], |mut acc, v| {
                for (x, y) in acc.iter_mut().zip(as_array(v)) {
                    *x = x.saturating_add(y);
                }
                acc
            })
        };
        let (lo, hi, t) = (sum(&p1), sum(&p2), as_array(&total));
        for i in 0..8 {
            assert!(
                lo[i] <= t[i] && t[i] <= hi[i],
                "field {i}: {} <= {} <= {}",
                lo[i],
                t[i],
                hi[i]
            );
        }
        return;
    }
    panic!("interfaces kept changing");
}

/// sysfs view of one interface: flags (with RUNNING), mtu, operstate.
type SysLink = (Option<u32>, Option<u64>, Option<String>);

#[test]
fn live_if_stats_match_sysfs_and_ip() {
    let proc_names_before: Vec<String> = psoxide::net_io_counters_pernic(false)
        .unwrap()
        .into_keys()
        .collect();
    let ip_before = ip_json(&["link"]).map(|v| by_ifname(&v));
    let sys_before: BTreeMap<String, SysLink> = sys_nics()
        .into_iter()
        .map(|n| {
            let v = (sys_flags(&n), sys_u64(&n, "mtu"), sys_str(&n, "operstate"));
            (n, v)
        })
        .collect();
    let stats = psoxide::net_if_stats().unwrap();
    let proc_names_after: Vec<String> = psoxide::net_io_counters_pernic(false)
        .unwrap()
        .into_keys()
        .collect();
    let ip_after = ip_json(&["link"]).map(|v| by_ifname(&v));

    // Same order as /proc/net/dev.
    if proc_names_before == proc_names_after {
        let ours: Vec<&String> = stats.keys().collect();
        let want: Vec<&String> = proc_names_before.iter().collect();
        assert_eq!(ours, want);
    }

    let mut compared = 0;
    for (name, s) in &stats {
        let Some((Some(flags), Some(mtu), Some(oper))) = sys_before.get(name).cloned() else {
            continue;
        };
        let now = (sys_flags(name), sys_u64(name, "mtu"), sys_str(name, "operstate"));
        if now != (Some(flags), Some(mtu), Some(oper.clone())) {
            continue; // changed while we looked
        }
        assert_eq!(u64::from(s.mtu), mtu, "{name} mtu");
        assert_eq!(s.flags, expected_flags(flags & 0xffff), "{name} flags");
        // IFF_RUNNING is what the kernel reports while the operational state is up
        // or unknown.
        assert_eq!(
            s.isup,
            oper == "up" || oper == "unknown",
            "{name} isup vs operstate {oper}"
        );
        // sysfs speed/duplex use the same driver call, but only while the link runs.
        if let (Some(speed), Some(duplex)) = (sys_str(name, "speed"), sys_str(name, "duplex")) {
            if let Ok(sp) = speed.parse::<i64>() {
                let want = if sp < 0 || sp > i64::from(i32::MAX) {
                    0
                } else {
                    sp as u32
                };
                assert_eq!(s.speed, want, "{name} speed");
            }
            let want = match duplex.as_str() {
                "full" => NicDuplex::Full,
                "half" => NicDuplex::Half,
                _ => NicDuplex::Unknown,
            };
            assert_eq!(s.duplex, want, "{name} duplex");
        }
        compared += 1;
    }
    assert!(compared >= 1);

    if let (Some(b), Some(a)) = (ip_before, ip_after) {
        for (name, e) in stable(&b, &a) {
            let Some(s) = stats.get(&name) else { continue };
            assert_eq!(u64::from(s.mtu), e["mtu"].as_u64().unwrap(), "{name} mtu vs ip");
            let ip_flags: BTreeSet<String> = e["flags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_str().unwrap().to_lowercase())
                .collect();
            // `ip` prints every flag but RUNNING under its own name.
            for f in expected_flags(0xffff).split(',').filter(|f| *f != "running") {
                let ours_has = s.flags.split(',').any(|x| x == f);
                assert_eq!(
                    ours_has,
                    ip_flags.contains(f),
                    "{name}: flag {f} (ip: {ip_flags:?})"
                );
            }
            let oper = e["operstate"].as_str().unwrap();
            assert_eq!(
                s.isup,
                oper == "UP" || oper == "UNKNOWN",
                "{name} isup vs ip operstate {oper}"
            );
        }
    }
}

/// Checks our entries of one interface against `ip -j addr` and sysfs.
fn check_nic_addrs(name: &str, ours: &[NicAddr], ip: &Value) {
    let flags: BTreeSet<&str> = ip["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    let is_bcast = flags.contains("BROADCAST");
    let is_ptp = flags.contains("POINTOPOINT");
    let fam = |f: AddressFamily| {
        ours.iter()
            .filter(move |a| a.family == f)
            .cloned()
            .collect::<Vec<_>>()
    };

    let mut want4 = Vec::new();
    let mut want6 = Vec::new();
    for ai in ip["addr_info"].as_array().into_iter().flatten() {
        let local = ai["local"].as_str().unwrap().to_string();
        let prefix = ai["prefixlen"].as_u64().unwrap() as u32;
        match ai["family"].as_str().unwrap() {
            "inet" => want4.push((
                local,
                v4_mask(prefix),
                ai.get("broadcast").and_then(Value::as_str),
                ai.get("address").and_then(Value::as_str),
                prefix,
            )),
            "inet6" => {
                let scoped = if ai["scope"] == "link" {
                    format!("{local}%{name}")
                } else {
                    local
                };
                want6.push(NicAddr {
                    family: AddressFamily::Inet6,
                    address: Some(scoped),
                    netmask: Some(v6_mask(prefix)),
                    broadcast: None,
                    ptp: None,
                });
            }
            _ => {}
        }
    }
    let got4 = fam(AddressFamily::Inet);
    assert_eq!(got4.len(), want4.len(), "{name}: IPv4 {got4:?} vs ip {want4:?}");
    for (g, (local, mask, brd, peer, prefix)) in got4.iter().zip(&want4) {
        assert_eq!(g.address.as_deref(), Some(local.as_str()), "{name}");
        assert_eq!(g.netmask.as_deref(), Some(mask.as_str()), "{name} {local}");
        if *prefix == 32 || !is_bcast {
            assert_eq!(g.broadcast, None, "{name} {local}");
        } else if let Some(brd) = brd {
            assert_eq!(g.broadcast.as_deref(), Some(*brd), "{name} {local}");
        } else {
            assert!(
                g.broadcast.is_some(),
                "{name} {local}: IFF_BROADCAST but no broadcast"
            );
        }
        if is_ptp && !is_bcast {
            assert_eq!(g.ptp.as_deref(), Some(peer.unwrap_or(local)), "{name} {local}");
        } else {
            assert_eq!(g.ptp, None, "{name} {local}");
        }
    }
    assert_eq!(fam(AddressFamily::Inet6), want6, "{name}: IPv6");

    // Link layer: sysfs address (empty when the device has no hardware address).
    let mac = sys_str(name, "address").unwrap_or_default();
    let links = fam(AddressFamily::Link);
    let unspec = fam(AddressFamily::Unspec);
    if mac.is_empty() {
        assert!(links.is_empty(), "{name}: {links:?}");
        assert_eq!(unspec.len(), 1, "{name}: {ours:?}");
        assert_eq!(ours[0], unspec[0], "AF_UNSPEC sorts first");
        assert_eq!(
            (unspec[0].address.clone(), unspec[0].netmask.clone()),
            (None, None)
        );
    } else {
        assert!(unspec.is_empty(), "{name}: {ours:?}");
        assert_eq!(links.len(), 1, "{name}: {links:?}");
        let l = &links[0];
        assert_eq!(l.address.as_deref(), Some(mac.as_str()), "{name} MAC");
        assert_eq!(l.netmask, None);
        let want_brd = if is_bcast {
            sys_str(name, "broadcast")
        } else {
            None
        };
        assert_eq!(l.broadcast, want_brd, "{name} link broadcast");
        assert_eq!(l.ptp.is_some(), is_ptp && !is_bcast, "{name} link ptp");
    }
}

#[test]
fn live_if_addrs_match_ip_and_sysfs() {
    let Some(b) = ip_json(&["addr"]) else { return };
    let macs_before: BTreeMap<String, Option<String>> = sys_nics()
        .into_iter()
        .map(|n| (n.clone(), sys_str(&n, "address")))
        .collect();
    let ours = psoxide::net_if_addrs().unwrap();
    let Some(a) = ip_json(&["addr"]) else { return };
    let macs_after: BTreeMap<String, Option<String>> = sys_nics()
        .into_iter()
        .map(|n| (n.clone(), sys_str(&n, "address")))
        .collect();
    let (b, a) = (by_ifname(&b), by_ifname(&a));

    // Key order: the first entry's family decides (0, 2, 10, 17), then getifaddrs order.
    let first_fams: Vec<i32> = ours.values().map(|v| v[0].family.value()).collect();
    assert!(first_fams.windows(2).all(|w| w[0] <= w[1]), "{first_fams:?}");
    for v in ours.values() {
        let fams: Vec<i32> = v.iter().map(|x| x.family.value()).collect();
        assert!(fams.windows(2).all(|w| w[0] <= w[1]), "{fams:?}");
    }

    let mut compared = 0;
    for (name, e) in stable(&b, &a) {
        if macs_before.get(&name) != macs_after.get(&name) {
            continue;
        }
        let got = ours
            .get(&name)
            .unwrap_or_else(|| panic!("{name} missing from net_if_addrs"));
        check_nic_addrs(&name, got, &e);
        compared += 1;
    }
    assert!(compared >= 1);
    for name in ours.keys() {
        assert!(
            b.contains_key(name) || a.contains_key(name),
            "{name} unknown to ip"
        );
    }
}

// ---------------------------------------------------------------- as root

/// Deletes the listed interfaces when dropped, also when an assertion failed.
struct Cleanup(Vec<String>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for n in &self.0 {
            let _ = Command::new("ip").args(["link", "del", n]).output();
        }
    }
}

fn ip_cmd(args: &[&str]) -> Result<(), String> {
    let o = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("ip {}: {e}", args.join(" ")))?;
    if o.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&o.stderr).trim()
        ))
    }
}

fn na(family: AddressFamily, a: Option<&str>, m: Option<&str>, b: Option<&str>, p: Option<&str>) -> NicAddr {
    NicAddr {
        family,
        address: a.map(Into::into),
        netmask: m.map(Into::into),
        broadcast: b.map(Into::into),
        ptp: p.map(Into::into),
    }
}

#[test]
fn root_throwaway_interfaces() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        println!("SKIP root_throwaway_interfaces: needs root to create test interfaces");
        return;
    }
    let id = std::process::id() % 100_000;
    let n = |s: &str| format!("px{id}{s}");
    let (v0, v1, t0, t1, b0) = (n("v0"), n("v1"), n("t0"), n("t1"), n("b0"));
    let sub = id % 250;
    let (a24, brd24, a32) = (
        format!("10.213.{sub}.1"),
        format!("10.213.{sub}.255"),
        format!("10.214.{sub}.1"),
    );
    let (tl, tp) = (format!("10.215.{sub}.1"), format!("10.215.{sub}.2"));
    let _guard = Cleanup(vec![v0.clone(), t0.clone(), t1.clone(), b0.clone()]);

    // Private and link-local addresses only; no traffic leaves the machine (the veth
    // pair only talks to itself; addrgenmode none avoids automatic IPv6 addresses).
    let setup = || -> Result<(), String> {
        ip_cmd(&["link", "add", &v0, "type", "veth", "peer", "name", &v1])?;
        for v in [&v0, &v1] {
            ip_cmd(&["link", "set", "dev", v, "addrgenmode", "none"])?;
        }
        ip_cmd(&["addr", "add", &format!("{a24}/24"), "brd", "+", "dev", &v0])?;
        ip_cmd(&["addr", "add", &format!("{a32}/32"), "dev", &v0])?;
        ip_cmd(&["addr", "add", "fe80::1234/64", "dev", &v0, "nodad"])?;
        ip_cmd(&["link", "set", "dev", &v1, "mtu", "1280"])?;
        ip_cmd(&["link", "set", &v0, "up"])?;
        ip_cmd(&["link", "set", &v1, "up"])?;
        ip_cmd(&["tuntap", "add", "dev", &t0, "mode", "tun"])?;
        ip_cmd(&["tuntap", "add", "dev", &t1, "mode", "tun"])?;
        ip_cmd(&["link", "set", "dev", &t0, "addrgenmode", "none"])?;
        ip_cmd(&["addr", "add", &tl, "peer", &tp, "dev", &t0])?;
        ip_cmd(&["addr", "add", "fe80::99/64", "dev", &t0, "nodad"])?;
        ip_cmd(&["link", "set", &t0, "up"])?;
        ip_cmd(&["link", "add", &b0, "type", "bridge"])?;
        ip_cmd(&["link", "set", "dev", &b0, "addrgenmode", "none"])?;
        ip_cmd(&["link", "set", &b0, "promisc", "on"])?;
        Ok(())
    };
    if let Err(e) = setup() {
        println!("SKIP root_throwaway_interfaces: cannot create test interfaces: {e}");
        return;
    }

    // ---- net_if_addrs
    let addrs = psoxide::net_if_addrs().unwrap();
    use AddressFamily::*;
    let mac = |nic: &str| sys_str(nic, "address").unwrap();
    let ff = Some("ff:ff:ff:ff:ff:ff");
    assert_eq!(
        addrs[&v0],
        vec![
            na(Inet, Some(&a24), Some("255.255.255.0"), Some(&brd24), None),
            na(Inet, Some(&a32), Some("255.255.255.255"), None, None),
            na(
                Inet6,
                Some(&format!("fe80::1234%{v0}")),
                Some("ffff:ffff:ffff:ffff::"),
                None,
                None
            ),
            na(Link, Some(&mac(&v0)), None, ff, None),
        ]
    );
    // A device with a MAC but no IP address: only its link entry, no AF_UNSPEC.
    assert_eq!(addrs[&v1], vec![na(Link, Some(&mac(&v1)), None, ff, None)]);
    assert_eq!(addrs[&b0], vec![na(Link, Some(&mac(&b0)), None, ff, None)]);
    // A tunnel has no hardware address: AF_UNSPEC entry, first.
    assert_eq!(
        addrs[&t0],
        vec![
            na(Unspec, None, None, None, None),
            na(Inet, Some(&tl), Some("255.255.255.255"), None, Some(&tp)),
            na(
                Inet6,
                Some(&format!("fe80::99%{t0}")),
                Some("ffff:ffff:ffff:ffff::"),
                None,
                None
            ),
        ]
    );
    assert_eq!(addrs[&t1], vec![na(Unspec, None, None, None, None)]);
    // AF_UNSPEC-first NICs come before every NIC whose first entry is AF_INET.
    let pos = |k: &str| addrs.get_index_of(k).unwrap();
    assert!(pos(&t0) < pos("lo") && pos(&t1) < pos("lo"));
    assert!(pos(&v0) < pos(&v1), "{v0} has IPv4, {v1} only a MAC");

    // ---- net_if_stats
    let stats = psoxide::net_if_stats().unwrap();
    let s = &stats[&v0];
    assert_eq!(
        (s.mtu, s.flags.as_str()),
        (1500, "up,broadcast,running,multicast")
    );
    assert!(s.isup);
    // veth reports its speed and duplex; sysfs gives the same driver answer.
    assert_eq!(u64::from(s.speed), sys_u64(&v0, "speed").unwrap());
    assert_eq!(sys_str(&v0, "duplex").as_deref(), Some("full"));
    assert_eq!(s.duplex, NicDuplex::Full);
    assert_eq!(stats[&v1].mtu, 1280);
    let t = &stats[&t0];
    assert_eq!(t.flags, "up,pointopoint,noarp,multicast");
    assert!(!t.isup, "no process holds the tun device, so no carrier");
    assert_eq!(stats[&t1].flags, "pointopoint,noarp,multicast");
    let b = &stats[&b0];
    assert_eq!((b.flags.as_str(), b.isup), ("broadcast,promisc,multicast", false));
    for nic in [&v0, &v1, &t0, &t1, &b0] {
        assert_eq!(u64::from(stats[nic].mtu), sys_u64(nic, "mtu").unwrap(), "{nic}");
        assert_eq!(stats[nic].flags, expected_flags(sys_flags(nic).unwrap()), "{nic}");
    }

    // ---- net_io_counters
    let io = psoxide::net_io_counters_pernic(false).unwrap();
    for nic in [&v0, &v1, &t0, &t1, &b0] {
        assert!(io.contains_key(nic.as_str()), "{nic}");
    }
    assert_eq!(
        io[&t1],
        c([0; 8]),
        "a tun device that never came up moved nothing"
    );

    // ---- after deletion the names vanish (ENODEV for ioctls on a stale name)
    drop(_guard);
    let addrs = psoxide::net_if_addrs().unwrap();
    let stats = psoxide::net_if_stats().unwrap();
    for nic in [&v0, &v1, &t0, &t1, &b0] {
        assert!(
            !addrs.contains_key(nic.as_str()) && !stats.contains_key(nic.as_str()),
            "{nic}"
        );
    }
}
