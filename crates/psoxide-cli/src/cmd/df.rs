//! `psoxide df`: mounted file systems and their usage, like `df`.

use super::size::{fmt, UnitArgs};
use super::table::{pct, Align, Table};
use super::{emit, emit_json, error_text, Fail, JsonArgs, Outcome};

/// Examples shown by `psoxide df --help`.
pub const EXAMPLES: &str = "Examples:
  psoxide df            human-readable sizes (rounded up, as df -h)
  psoxide df -b         bytes, as df -B1
  psoxide df --all      also pseudo and duplicate file systems (psutil's all=True)
  psoxide df / /home    only the file systems holding these paths
  psoxide df --json     [{\"device\", \"mountpoint\", \"fstype\", \"opts\", \"total\", \"used\", \"free\", \"percent\"}, ...]";

/// Options of `psoxide df`.
#[derive(clap::Args, Debug)]
pub struct DfArgs {
    /// Paths: show the file system of each (psutil's disk_usage(path)) instead of
    /// every mounted one.
    paths: Vec<std::path::PathBuf>,
    #[command(flatten)]
    units: UnitArgs,
    #[command(flatten)]
    help: super::size::LongHelp,
    /// Every mount, including pseudo and duplicate file systems (psutil's
    /// disk_partitions(all=True)).
    #[arg(short = 'a', long)]
    all: bool,
    /// Show the file-system type column.
    #[arg(short = 'T', long = "print-type")]
    print_type: bool,
    #[command(flatten)]
    json: JsonArgs,
}

/// Runs `psoxide df`.
pub fn run(a: &DfArgs) -> Outcome {
    // (device, mountpoint, fstype, opts, usage or error)
    let mut rows = Vec::new();
    let mut failed = false;
    if a.paths.is_empty() {
        for p in psoxide::disk_partitions(a.all)? {
            let u = psoxide::disk_usage(&p.mountpoint);
            rows.push((p.device, p.mountpoint, p.fstype, p.opts, u));
        }
    } else {
        let parts = psoxide::disk_partitions(true)?;
        for path in &a.paths {
            let u = match psoxide::disk_usage(path) {
                Ok(u) => u,
                Err(e) => {
                    eprintln!("psoxide: df: {}", error_text(&e));
                    failed = true;
                    continue;
                }
            };
            // The mount holding `path`: the longest mount point that is a prefix of
            // its canonical form.
            let canon = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
            let best = parts
                .iter()
                .filter(|p| canon.starts_with(&p.mountpoint))
                .max_by_key(|p| p.mountpoint.len());
            match best {
                Some(p) => rows.push((
                    p.device.clone(),
                    p.mountpoint.clone(),
                    p.fstype.clone(),
                    p.opts.clone(),
                    Ok(u),
                )),
                None => rows.push((
                    "-".into(),
                    path.display().to_string(),
                    "-".into(),
                    String::new(),
                    Ok(u),
                )),
            }
        }
    }
    if a.json.json {
        let list: Vec<serde_json::Value> = rows
            .iter()
            .map(|(dev, mp, fs, opts, u)| {
                let mut m = serde_json::Map::new();
                m.insert("device".into(), dev.clone().into());
                m.insert("mountpoint".into(), mp.clone().into());
                m.insert("fstype".into(), fs.clone().into());
                m.insert("opts".into(), opts.clone().into());
                match u {
                    Ok(u) => {
                        if let Ok(serde_json::Value::Object(o)) = serde_json::to_value(u) {
                            m.extend(o);
                        }
                    }
                    Err(e) => {
                        m.insert("error".into(), e.exception_name().into());
                        m.insert("msg".into(), e.to_string().into());
                    }
                }
                serde_json::Value::Object(m)
            })
            .collect();
        emit_json(&list, a.json.pretty)?;
    } else {
        let unit = a.units.unit();
        let mut heads = vec![("Filesystem", Align::Left)];
        if a.print_type {
            heads.push(("Type", Align::Left));
        }
        heads.extend([
            ("Size", Align::Right),
            ("Used", Align::Right),
            ("Avail", Align::Right),
            ("Use%", Align::Right),
            ("Mounted on", Align::Left),
        ]);
        let mut t = Table::new(heads);
        for (dev, mp, fs, _, u) in &rows {
            let mut r = vec![dev.clone()];
            if a.print_type {
                r.push(fs.clone());
            }
            match u {
                Ok(u) => r.extend([
                    fmt(u.total, unit),
                    fmt(u.used, unit),
                    fmt(u.free, unit),
                    format!("{}%", pct(u.percent)),
                ]),
                Err(e) => {
                    eprintln!("psoxide: df: {mp}: {}", error_text(e));
                    failed = true;
                    r.extend(["-".into(), "-".into(), "-".into(), "-".into()]);
                }
            }
            r.push(mp.clone());
            t.row(r);
        }
        if !(rows.is_empty() && failed) {
            emit(&t.render(None))?;
        }
    }
    if failed {
        return Err(Fail::Quiet);
    }
    Ok(())
}
