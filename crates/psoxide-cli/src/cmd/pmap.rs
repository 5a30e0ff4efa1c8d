//! `psoxide pmap PID`: a process's memory maps, grouped by path (psutil's
//! memory_maps(grouped=True)) or one row per mapping (`-x`).

use super::size::{fmt, UnitArgs};
use super::table::{Align, Table};
use super::{emit, emit_json, error_text, parse_pid, Fail, JsonArgs, Outcome};
use psoxide::{MemoryMap, Pid, Process};

/// Examples shown by `psoxide pmap --help`.
pub const EXAMPLES: &str = "Examples:
  psoxide pmap 1234             one row per mapped path, largest RSS first
  psoxide pmap -x 1234          one row per mapping, with address and permissions
  psoxide pmap -b 1234          sizes in bytes
  psoxide pmap --json 1234      [pmmap_grouped, ...] with psutil's fields

Columns: Size (mapped), RSS (resident), PSS (proportional share), Private and Shared
(clean + dirty), Swap; the last row is the total.";

/// Options of `psoxide pmap`.
#[derive(clap::Args, Debug)]
pub struct PmapArgs {
    /// The process.
    #[arg(value_parser = parse_pid, allow_hyphen_values = true)]
    pid: Pid,
    /// One row per mapping (address, permissions) instead of one per path, in address
    /// order.
    #[arg(short = 'x', long)]
    extended: bool,
    #[command(flatten)]
    units: UnitArgs,
    #[command(flatten)]
    help: super::size::LongHelp,
    #[command(flatten)]
    json: JsonArgs,
}

/// Runs `psoxide pmap`.
pub fn run(a: &PmapArgs) -> Outcome {
    let fail = |e: psoxide::Error| Fail::Runtime(format!("pmap: pid {}: {}", a.pid, error_text(&e)));
    let p = Process::new(a.pid).map_err(fail)?;
    let mut maps: Vec<MemoryMap> = p.memory_maps(!a.extended).map_err(fail)?;
    if a.json.json {
        return emit_json(&maps, a.json.pretty);
    }
    if !a.extended {
        maps.sort_by(|x, y| y.rss.cmp(&x.rss).then_with(|| x.path.cmp(&y.path)));
    }
    let unit = a.units.unit();
    let mut heads = Vec::new();
    if a.extended {
        heads.push(("Address", Align::Left));
        heads.push(("Perms", Align::Left));
    }
    heads.extend([
        ("Size", Align::Right),
        ("RSS", Align::Right),
        ("PSS", Align::Right),
        ("Private", Align::Right),
        ("Shared", Align::Right),
        ("Swap", Align::Right),
        ("Path", Align::Left),
    ]);
    let mut t = Table::new(heads);
    let mut total = MemoryMap::default();
    for m in &maps {
        let private = m.private_clean.saturating_add(m.private_dirty);
        let shared = m.shared_clean.saturating_add(m.shared_dirty);
        let mut r = Vec::new();
        if a.extended {
            r.push(m.addr.clone());
            r.push(m.perms.clone());
        }
        r.extend([
            fmt(m.size, unit),
            fmt(m.rss, unit),
            fmt(m.pss, unit),
            fmt(private, unit),
            fmt(shared, unit),
            fmt(m.swap, unit),
            m.path.clone(),
        ]);
        t.row(r);
        total.size = total.size.saturating_add(m.size);
        total.rss = total.rss.saturating_add(m.rss);
        total.pss = total.pss.saturating_add(m.pss);
        total.private_clean = total.private_clean.saturating_add(private);
        total.shared_clean = total.shared_clean.saturating_add(shared);
        total.swap = total.swap.saturating_add(m.swap);
    }
    let mut r = Vec::new();
    if a.extended {
        r.push("total".to_string());
        r.push(String::new());
    }
    r.extend([
        fmt(total.size, unit),
        fmt(total.rss, unit),
        fmt(total.pss, unit),
        fmt(total.private_clean, unit),
        fmt(total.shared_clean, unit),
        fmt(total.swap, unit),
        if a.extended { String::new() } else { "total".into() },
    ]);
    t.row(r);
    let cmd = p
        .cmdline()
        .ok()
        .filter(|c| !c.is_empty())
        .map(|c| {
            c.iter()
                .map(|x| x.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|| format!("[{}]", super::name_of(&p)));
    emit(&format!("{}: {cmd}\n{}", a.pid, t.render(None)))
}
