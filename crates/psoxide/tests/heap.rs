//! heap_info / heap_trim on this process (glibc only).
//!
//! Independent sources: the sizes of our own allocations (a 64 MiB buffer is above
//! glibc's largest mmap threshold, 32 MiB, so malloc must mmap it; many small ones
//! come from the arena), and /proc/self/maps, which must show the mmapped block.
//! Everything runs in one test so no other test thread allocates meanwhile.

#![cfg(target_env = "gnu")]

use psoxide::{heap_info, heap_trim};

const MIB: u64 = 1 << 20;
const PAGE: u64 = 4096;

/// Sizes of the anonymous mappings in /proc/self/maps, in bytes.
fn anon_mappings() -> Vec<u64> {
    std::fs::read_to_string("/proc/self/maps")
        .unwrap()
        .lines()
        .filter(|l| l.split_whitespace().count() == 5)
        .map(|l| {
            let range = l.split_whitespace().next().unwrap();
            let (a, b) = range.split_once('-').unwrap();
            u64::from_str_radix(b, 16).unwrap() - u64::from_str_radix(a, 16).unwrap()
        })
        .collect()
}

#[test]
fn heap_info_tracks_this_process() {
    heap_trim().unwrap();
    let before = heap_info().unwrap();

    // A large block: mmapped by malloc, header included, rounded up to pages.
    let mut big = vec![0u8; 64 * MIB as usize];
    for i in (0..big.len()).step_by(PAGE as usize) {
        big[i] = 1;
    }
    let with_big = heap_info().unwrap();
    let grown = with_big.mmap_used - before.mmap_used;
    assert!(
        (64 * MIB..=64 * MIB + 2 * PAGE).contains(&grown),
        "mmap_used grew by {grown} bytes for a 64 MiB block"
    );
    assert!(
        anon_mappings().contains(&(64 * MIB + PAGE)),
        "no anonymous mapping of 64 MiB + one page in /proc/self/maps"
    );
    assert!(big.iter().step_by(PAGE as usize).all(|&b| b == 1));
    drop(big);
    let after_drop = heap_info().unwrap();
    assert_eq!(after_drop.mmap_used, before.mmap_used, "munmap on free");

    // Many small blocks come from the arena: heap_used grows by at least their size.
    let small: Vec<Box<[u8; 64]>> = (0..20_000).map(|i| Box::new([i as u8; 64])).collect();
    let with_small = heap_info().unwrap();
    let used = with_small.heap_used.saturating_sub(after_drop.heap_used);
    assert!(
        used >= 20_000 * 64,
        "heap_used grew by {used} for 20000 x 64 bytes"
    );
    assert!(
        used < 20_000 * 128 + MIB,
        "heap_used grew by {used}, far more than allocated"
    );
    // Only the 160000-byte vector of pointers is big enough to be mmapped.
    let mmapped = with_small.mmap_used - after_drop.mmap_used;
    assert!(mmapped <= 20_000 * 8 + 2 * PAGE, "mmap_used grew by {mmapped}");
    drop(small);
    let freed = heap_info().unwrap();
    assert!(freed.heap_used < with_small.heap_used);
    heap_trim().unwrap();
}
