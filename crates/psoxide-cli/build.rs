//! Links GCC's unwinder into the `psoxide` command statically instead of loading
//! `libgcc_s.so.1` (docs/decisions.md, "The command links libgcc's unwinder
//! statically"): the shared library's constructor probes the CPU with `cpuid`, which
//! traps to the hypervisor in a VM, and loading it costs a few mappings; together
//! about 0.1 ms of every run of every subcommand, measured on this project's VM.
//!
//! Rust's standard library asks the linker for `-lgcc_s` on linux-gnu. A file named
//! `libgcc_s.so` in a directory searched first, holding the linker script
//! `INPUT(/path/to/libgcc_eh.a)`, answers that request with the static archive (the
//! same unwinder, as `-static-libgcc` would link it for C). Only done when building
//! for the machine itself (the host compiler tells where its `libgcc_eh.a` is); in any
//! other case nothing changes.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    if var("CARGO_CFG_TARGET_OS") != "linux"
        || var("CARGO_CFG_TARGET_ENV") != "gnu"
        || var("TARGET") != var("HOST")
    {
        return;
    }
    let Ok(out) = Command::new("cc").arg("-print-file-name=libgcc_eh.a").output() else {
        return;
    };
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    // Without the archive the compiler prints the bare name back.
    if !out.status.success() || !path.is_absolute() || !path.is_file() {
        return;
    }
    let dir = PathBuf::from(var("OUT_DIR")).join("static-unwind");
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    let script = format!("INPUT({})\n", path.display());
    if std::fs::write(dir.join("libgcc_s.so"), script).is_err() {
        return;
    }
    // A compiler upgrade that moves or removes the archive makes cargo run this
    // script again instead of linking against a stale path.
    println!("cargo:rerun-if-changed={}", path.display());
    println!("cargo:rustc-link-search=native={}", dir.display());
}
