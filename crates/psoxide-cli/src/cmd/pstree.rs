//! `psoxide pstree`: the process tree as `name(pid)` lines, children below their
//! parent in PID order.

use super::{emit, emit_json, parse_pid, Fail, JsonArgs, Outcome};
use psoxide::{Attr, AttrRef, AttrValue, Pid};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Examples shown by `psoxide pstree --help`.
pub const EXAMPLES: &str = "Examples:
  psoxide pstree            the tree below PID 1 (as pstree -p)
  psoxide pstree 1234       the tree below one process
  psoxide pstree --all      every tree, kernel threads (below PID 2) included
  psoxide pstree -A         ASCII lines instead of box drawing
  psoxide pstree --json     {\"pid\": 1, \"name\": \"systemd\", \"children\": [...]}";

/// Options of `psoxide pstree`.
#[derive(clap::Args, Debug)]
pub struct PstreeArgs {
    /// The process at the top (default 1).
    #[arg(value_parser = parse_pid, allow_hyphen_values = true)]
    pid: Option<Pid>,
    /// Show every process without a parent as a root (PID 1, the kernel's PID 2).
    #[arg(long, conflicts_with = "pid")]
    all: bool,
    /// Draw with ASCII characters.
    #[arg(short = 'A', long)]
    ascii: bool,
    /// Show each process's user name too.
    #[arg(short = 'u', long)]
    user: bool,
    #[command(flatten)]
    json: JsonArgs,
}

struct Node {
    name: String,
    user: Option<String>,
    ppid: Option<Pid>,
}

struct Tree {
    nodes: BTreeMap<Pid, Node>,
    children: BTreeMap<Pid, Vec<Pid>>,
}

fn json_of(t: &Tree, pid: Pid, user: bool) -> Value {
    let n = &t.nodes[&pid];
    let kids: Vec<Value> = t
        .children
        .get(&pid)
        .map(|c| c.iter().map(|&k| json_of(t, k, user)).collect())
        .unwrap_or_default();
    let mut v = json!({"pid": pid, "name": n.name});
    if user {
        v["username"] = json!(n.user);
    }
    v["children"] = Value::Array(kids);
    v
}

/// Draws the tree below `top` (iteratively: a deep chain of processes cannot
/// exhaust the stack).
fn draw(t: &Tree, top: Pid, a: &PstreeArgs, out: &mut String) {
    let (tee, ell, bar) = if a.ascii {
        ("|-", "`-", "| ")
    } else {
        ("├─", "└─", "│ ")
    };
    // (pid, prefix of its line, None for the top, else whether it is the last child)
    let mut stack: Vec<(Pid, String, Option<bool>)> = vec![(top, String::new(), None)];
    while let Some((pid, prefix, last)) = stack.pop() {
        let Some(n) = t.nodes.get(&pid) else { continue };
        out.push_str(&prefix);
        match last {
            Some(true) => out.push_str(ell),
            Some(false) => out.push_str(tee),
            None => {}
        }
        out.push_str(&n.name);
        out.push('(');
        out.push_str(&pid.to_string());
        if a.user {
            out.push(',');
            out.push_str(n.user.as_deref().unwrap_or("?"));
        }
        out.push_str(")\n");
        let child_prefix = match last {
            None => prefix,
            Some(true) => format!("{prefix}  "),
            Some(false) => format!("{prefix}{bar}"),
        };
        if let Some(kids) = t.children.get(&pid) {
            for (i, &k) in kids.iter().enumerate().rev() {
                stack.push((k, child_prefix.clone(), Some(i + 1 == kids.len())));
            }
        }
    }
}

/// Runs `psoxide pstree`.
pub fn run(a: &PstreeArgs) -> Outcome {
    let mut attrs = vec![Attr::Ppid, Attr::Name];
    if a.user {
        attrs.push(Attr::Username);
    }
    super::listing_without_pidfds(&attrs);
    let mut nodes = BTreeMap::new();
    for p in psoxide::process_iter(Some(&attrs))? {
        let Ok(p) = p else { continue };
        // The scan's values, read in place: only the kept text is copied.
        let Some(view) = p.prefetched_view() else { continue };
        let text = |a: Attr| match view.get_ref(a) {
            Some(Ok(AttrRef::Text(t))) => Some(t.to_string_lossy().into_owned()),
            _ => None,
        };
        let name = text(Attr::Name).unwrap_or_else(|| "?".into());
        let ppid = match view.get(Attr::Ppid) {
            Some(Ok(AttrValue::Ppid(x))) => Some(x),
            _ => None,
        };
        let user = text(Attr::Username);
        nodes.insert(p.pid(), Node { name, user, ppid });
    }
    let mut children: BTreeMap<Pid, Vec<Pid>> = BTreeMap::new();
    let mut roots = Vec::new();
    for (&pid, n) in &nodes {
        match n.ppid {
            Some(pp) if pp != pid && nodes.contains_key(&pp) => children.entry(pp).or_default().push(pid),
            _ => roots.push(pid),
        }
    }
    let tree = Tree { nodes, children };
    let tops: Vec<Pid> = if a.all {
        roots
    } else {
        let top = a.pid.unwrap_or(1);
        if !tree.nodes.contains_key(&top) {
            return Err(Fail::Runtime(format!("pstree: pid {top}: no such process")));
        }
        vec![top]
    };
    if a.json.json {
        let list: Vec<Value> = tops.iter().map(|&r| json_of(&tree, r, a.user)).collect();
        return match (a.all, list.len()) {
            (false, 1) => emit_json(&list[0], a.json.pretty),
            _ => emit_json(&list, a.json.pretty),
        };
    }
    let mut out = String::new();
    for r in tops {
        draw(&tree, r, a, &mut out);
    }
    emit(&out)
}
