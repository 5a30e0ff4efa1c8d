//! `psoxide free`: memory and swap, like procps `free`.

use super::size::{self, Unit, UnitArgs};
use super::table::{Align, Table};
use super::{emit, emit_json, JsonArgs, Outcome};

/// Examples shown by `psoxide free --help`.
pub const EXAMPLES: &str = "Examples:
  psoxide free          human-readable sizes (5.7Gi), as free -h (also -h)
  psoxide free -b       bytes, as free -b (also -k, -m, -g)
  psoxide free -w       buffers and cache in separate columns
  psoxide free --json   {\"virtual_memory\": {...}, \"swap_memory\": {...}} with psutil's fields";

/// Options of `psoxide free`.
#[derive(clap::Args, Debug)]
pub struct FreeArgs {
    #[command(flatten)]
    units: UnitArgs,
    #[command(flatten)]
    help: super::size::LongHelp,
    /// Wide output: buffers and cache in separate columns.
    #[arg(short = 'w', long)]
    wide: bool,
    /// Add a Total row (memory + swap).
    #[arg(short = 't', long)]
    total: bool,
    #[command(flatten)]
    json: JsonArgs,
}

/// Runs `psoxide free`.
pub fn run(a: &FreeArgs) -> Outcome {
    let vm = psoxide::virtual_memory()?;
    let sw = psoxide::swap_memory()?;
    if a.json.json {
        let mut m = serde_json::Map::new();
        m.insert(
            "virtual_memory".into(),
            serde_json::to_value(vm).unwrap_or_default(),
        );
        m.insert("swap_memory".into(), serde_json::to_value(sw).unwrap_or_default());
        return emit_json(&m, a.json.pretty);
    }
    let unit = a.units.unit();
    let f = |n: u64| match unit {
        Unit::Human => size::human_free(n),
        u => size::fmt(n, u),
    };
    let mut heads = vec![("", Align::Left), ("total", Align::Right), ("used", Align::Right)];
    heads.push(("free", Align::Right));
    heads.push(("shared", Align::Right));
    if a.wide {
        heads.push(("buffers", Align::Right));
        heads.push(("cache", Align::Right));
    } else {
        heads.push(("buff/cache", Align::Right));
    }
    heads.push(("available", Align::Right));
    let mut t = Table::new(heads);
    let mut mem = vec![
        "Mem:".to_string(),
        f(vm.total),
        f(vm.used),
        f(vm.free),
        f(vm.shared),
    ];
    if a.wide {
        mem.push(f(vm.buffers));
        mem.push(f(vm.cached));
    } else {
        mem.push(f(vm.buffers.saturating_add(vm.cached)));
    }
    mem.push(f(vm.available));
    t.row(mem);
    t.row(vec!["Swap:".into(), f(sw.total), f(sw.used), f(sw.free)]);
    if a.total {
        t.row(vec![
            "Total:".into(),
            f(vm.total.saturating_add(sw.total)),
            f(vm.used.saturating_add(sw.used)),
            f(vm.free.saturating_add(sw.free)),
        ]);
    }
    emit(&t.render(None))
}
