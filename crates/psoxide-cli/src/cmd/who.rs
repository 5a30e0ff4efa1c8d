//! `psoxide who`: the users logged in (psutil's users()).

use super::table::{Align, Table};
use super::{emit, emit_json, local_datetime, JsonArgs, Outcome};

/// Examples shown by `psoxide who --help`.
pub const EXAMPLES: &str = "Examples:
  psoxide who           NAME TTY HOST STARTED PID
  psoxide who --json    [{\"name\", \"terminal\", \"host\", \"started\", \"pid\"}, ...]";

/// Options of `psoxide who`.
#[derive(clap::Args, Debug)]
pub struct WhoArgs {
    #[command(flatten)]
    json: JsonArgs,
}

/// Runs `psoxide who`.
pub fn run(a: &WhoArgs) -> Outcome {
    let users = psoxide::users()?;
    if a.json.json {
        return emit_json(&users, a.json.pretty);
    }
    let mut t = Table::new([
        ("NAME", Align::Left),
        ("TTY", Align::Left),
        ("HOST", Align::Left),
        ("STARTED", Align::Left),
        ("PID", Align::Right),
    ]);
    for u in &users {
        t.row(vec![
            u.name.clone(),
            u.terminal.clone().unwrap_or_else(|| "-".into()),
            if u.host.is_empty() {
                "-".into()
            } else {
                u.host.clone()
            },
            local_datetime(u.started),
            u.pid.to_string(),
        ]);
    }
    emit(&t.render(None))
}
