//! The monitor's state: what is sampled, how the table is sorted, filtered and
//! scrolled, which overlay is open, and the view (the rows shown, in order).

use super::sample::{Row, Sampler, SysSample, STAT_ATTRS};
use psoxide::{Attr, Pid};
use std::cmp::Ordering;

/// A column of the process table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Column {
    /// `PID`.
    Pid,
    /// `PPID`: the parent's PID.
    Ppid,
    /// `USER`: the real user's name.
    User,
    /// `NI`: the nice value.
    Nice,
    /// `VIRT`: virtual memory size.
    Virt,
    /// `RES`: resident set size.
    Res,
    /// `S`: the state letter.
    State,
    /// `CPU%`: percent of one CPU since the previous refresh.
    Cpu,
    /// `MEM%`: RSS in percent of total memory.
    Mem,
    /// `TIME+`: user + system CPU time.
    Time,
    /// `THR`: threads.
    Threads,
    /// `NAME`: the process name.
    Name,
    /// `COMMAND`: the command line (fills the rest of the width).
    Command,
}

impl Column {
    /// Every column, in display order.
    pub const ALL: [Column; 13] = [
        Column::Pid,
        Column::Ppid,
        Column::User,
        Column::Nice,
        Column::Virt,
        Column::Res,
        Column::State,
        Column::Cpu,
        Column::Mem,
        Column::Time,
        Column::Threads,
        Column::Name,
        Column::Command,
    ];

    /// The columns shown by default.
    pub const DEFAULT: [Column; 9] = [
        Column::Pid,
        Column::User,
        Column::Virt,
        Column::Res,
        Column::State,
        Column::Cpu,
        Column::Mem,
        Column::Time,
        Column::Command,
    ];

    /// The heading.
    pub fn title(self) -> &'static str {
        match self {
            Column::Pid => "PID",
            Column::Ppid => "PPID",
            Column::User => "USER",
            Column::Nice => "NI",
            Column::Virt => "VIRT",
            Column::Res => "RES",
            Column::State => "S",
            Column::Cpu => "CPU%",
            Column::Mem => "MEM%",
            Column::Time => "TIME+",
            Column::Threads => "THR",
            Column::Name => "NAME",
            Column::Command => "COMMAND",
        }
    }

    /// The width in cells (the command column: at least this).
    pub fn width(self) -> u16 {
        match self {
            Column::Pid | Column::Ppid => 7,
            Column::User => 9,
            Column::Nice => 3,
            Column::Virt | Column::Res => 6,
            Column::State => 1,
            Column::Cpu | Column::Mem => 5,
            Column::Time => 9,
            Column::Threads => 4,
            Column::Name => 15,
            Column::Command => 7,
        }
    }

    /// Whether the values are right-aligned (numbers).
    pub fn numeric(self) -> bool {
        !matches!(
            self,
            Column::User | Column::State | Column::Name | Column::Command
        )
    }

    /// Whether the column sorts largest first by default (the busy processes on top).
    pub fn default_descending(self) -> bool {
        matches!(
            self,
            Column::Virt | Column::Res | Column::Cpu | Column::Mem | Column::Time | Column::Threads
        )
    }

    /// Compares two rows by this column, ascending (an unreadable value first).
    pub fn cmp(self, a: &Row, b: &Row) -> Ordering {
        match self {
            Column::Pid => a.pid.cmp(&b.pid),
            Column::Ppid => a.ppid.cmp(&b.ppid),
            Column::User => a.user.cmp(&b.user),
            Column::Nice => a.nice.cmp(&b.nice),
            Column::Virt => a.vms.cmp(&b.vms),
            Column::Res => a.rss.cmp(&b.rss),
            Column::State => a.status.value().cmp(b.status.value()),
            Column::Cpu => float_cmp(a.cpu, b.cpu),
            Column::Mem => float_cmp(a.mem, b.mem),
            Column::Time => float_cmp(a.time, b.time),
            Column::Threads => a.threads.cmp(&b.threads),
            Column::Name => a.name.cmp(&b.name),
            Column::Command => a.cmd.cmp(&b.cmd),
        }
    }

    /// The prefetch attributes this column needs beyond [`STAT_ATTRS`].
    pub fn attrs(self) -> &'static [Attr] {
        match self {
            Column::User => &[Attr::Username],
            Column::Nice => &[Attr::Nice],
            Column::Virt | Column::Res | Column::Mem => &[Attr::MemoryInfo, Attr::MemoryPercent],
            _ => &[],
        }
    }
}

/// What the keyboard currently drives.
#[derive(Clone, Debug, PartialEq)]
pub enum Mode {
    /// The table: navigation and single-key commands.
    Normal,
    /// Typing an incremental search (`/`): the selection jumps to the first match.
    Search,
    /// Typing a filter (`\`): only matching rows are listed.
    Filter,
    /// Typing a user name (`u`): only that user's processes are listed.
    User,
    /// The help screen (`?`).
    Help,
    /// Choosing a signal for the selected process (`k`); the index into
    /// [`super::actions::SIGNALS`].
    SignalPick(usize),
    /// Asking to confirm sending a signal.
    Confirm(super::actions::Pending),
    /// Choosing visible columns (`f`); the cursor in [`Column::ALL`].
    Columns(usize),
    /// The detail view of one process.
    Detail,
}

/// A message on the footer line.
#[derive(Clone, Debug, PartialEq)]
pub struct Status {
    /// The text.
    pub text: String,
    /// Whether it reports a failure (shown in red on a colour terminal).
    pub error: bool,
    /// When it was set: the footer shows it for [`STATUS_SHOWN`].
    pub at: std::time::Instant,
}

/// How long the footer shows a message before the key hints come back.
pub const STATUS_SHOWN: std::time::Duration = std::time::Duration::from_secs(8);

/// One row of the view: an index into [`App::rows`] and, in tree view, the branch
/// drawing before the command.
#[derive(Clone, Debug, PartialEq)]
pub struct ViewRow {
    /// Index into the rows.
    pub idx: usize,
    /// Tree prefix (`│ ├─`), empty outside tree view.
    pub prefix: String,
}

/// The whole state of the monitor.
pub struct App {
    /// Reads the system and the processes.
    pub sampler: Sampler,
    /// The header's data of the last refresh.
    pub sys: SysSample,
    /// Visible columns, in order.
    pub columns: Vec<Column>,
    /// The sort column.
    pub sort: Column,
    /// Largest first.
    pub descending: bool,
    /// Incremental search text.
    pub search: String,
    /// Filter text (case-insensitive substring of the name or the command line).
    pub filter: String,
    /// Only this user's processes, when set.
    pub user: Option<String>,
    /// The text being typed in [`Mode::User`].
    pub user_input: String,
    /// What was typed before Tab completed it.
    pub user_typed: Option<String>,
    /// Tree view.
    pub tree: bool,
    /// The rows shown, in order.
    pub view: Vec<ViewRow>,
    /// Index of the selected row in [`App::view`].
    pub selected: usize,
    /// PID of the selected process: the selection follows it across refreshes.
    pub selected_pid: Option<Pid>,
    /// First view row shown.
    pub offset: usize,
    /// Rows of the table that fit on screen (set by the last draw).
    pub page: usize,
    /// Where the table's rows start on screen and the column x positions (set by the
    /// last draw, for the mouse).
    pub table_geom: TableGeom,
    /// The keyboard's mode.
    pub mode: Mode,
    /// The footer message.
    pub status: Option<Status>,
    /// Use colours.
    pub color: bool,
    /// Refresh period in seconds.
    pub interval: f64,
    /// The detail view's content, when open.
    pub detail: Option<super::detail::Detail>,
    /// Set when the user asked to quit.
    pub quit: bool,
    /// The process the open signal picker is for: handle, PID, name.
    pub signal_target: Option<(std::sync::Arc<psoxide::Process>, Pid, String)>,
}

/// Screen geometry of the table from the last draw.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TableGeom {
    /// Screen row of the column headings.
    pub heading_y: u16,
    /// Screen row of the first process row.
    pub first_y: u16,
    /// Number of process rows drawn.
    pub rows: u16,
    /// Column and its start and end x (exclusive) on screen.
    pub columns: Vec<(Column, u16, u16)>,
}

impl App {
    /// A monitor with default columns, sorted by CPU, nothing sampled yet.
    pub fn new(interval: f64, color: bool) -> App {
        App {
            sampler: Sampler::new(),
            sys: SysSample::empty(),
            columns: Column::DEFAULT.to_vec(),
            sort: Column::Cpu,
            descending: true,
            search: String::new(),
            filter: String::new(),
            user: None,
            user_input: String::new(),
            user_typed: None,
            tree: false,
            view: Vec::new(),
            selected: 0,
            selected_pid: None,
            offset: 0,
            page: 10,
            table_geom: TableGeom::default(),
            mode: Mode::Normal,
            status: None,
            color,
            interval,
            detail: None,
            quit: false,
            signal_target: None,
        }
    }

    /// The rows of the last scan, in PID order.
    pub fn rows(&self) -> &[Row] {
        &self.sampler.rows
    }

    /// The attributes a scan must fetch for the visible columns, the sort and the
    /// user filter.
    pub fn attrs(&self) -> Vec<Attr> {
        let mut a = STAT_ATTRS.to_vec();
        let mut add = |list: &[Attr]| {
            for x in list {
                if !a.contains(x) {
                    a.push(*x);
                }
            }
        };
        for c in &self.columns {
            add(c.attrs());
        }
        add(self.sort.attrs());
        if self.user.is_some() || self.mode == Mode::User {
            add(&[Attr::Username]);
        }
        a
    }

    /// One refresh: system sections, then the process scan, then the view.
    pub fn refresh(&mut self) {
        let attrs = self.attrs();
        self.sampler.scan(&attrs);
        self.sys = self.sampler.sample_system();
        if let Some(e) = &self.sampler.scan_error {
            if self
                .status
                .as_ref()
                .map_or(true, |s| s.at.elapsed() >= STATUS_SHOWN)
            {
                self.status = Some(Status {
                    text: super::fmt::clean(e),
                    error: true,
                    at: std::time::Instant::now(),
                });
            }
        }
        self.rebuild_view();
        if self.mode == Mode::Detail {
            if let Some(d) = &mut self.detail {
                d.refresh();
            }
        }
    }

    /// Whether row `r` passes the filter and the user filter.
    fn passes(&self, r: &Row, filter_lower: &str) -> bool {
        if let Some(u) = &self.user {
            if &r.user != u {
                return false;
            }
        }
        filter_lower.is_empty() || matches_text(r, filter_lower)
    }

    /// Re-sorts and re-filters the rows into [`App::view`], keeping the selection on
    /// the same process when it is still listed.
    pub fn rebuild_view(&mut self) {
        let rows = &self.sampler.rows;
        let filter = self.filter.to_lowercase();
        let (sort, desc) = (self.sort, self.descending);
        let order = |a: &Row, b: &Row| {
            let o = sort.cmp(a, b);
            let o = if desc { o.reverse() } else { o };
            o.then(a.pid.cmp(&b.pid))
        };
        let mut view = std::mem::take(&mut self.view);
        view.clear();
        if self.tree {
            tree_view(rows, &order, &mut view);
            view.retain(|v| self.passes(&rows[v.idx], &filter));
        } else {
            let mut idx: Vec<usize> = (0..rows.len())
                .filter(|&i| self.passes(&rows[i], &filter))
                .collect();
            idx.sort_by(|&a, &b| order(&rows[a], &rows[b]));
            view.extend(idx.into_iter().map(|idx| ViewRow {
                idx,
                prefix: String::new(),
            }));
        }
        self.view = view;
        // Keep the selection on its process; else keep its position.
        if let Some(pid) = self.selected_pid {
            if let Some(i) = self.view.iter().position(|v| rows[v.idx].pid == pid) {
                self.selected = i;
            }
        }
        self.clamp_selection();
    }

    /// Keeps the selection inside the view and visible, and records its PID.
    pub fn clamp_selection(&mut self) {
        if self.view.is_empty() {
            self.selected = 0;
            self.offset = 0;
            self.selected_pid = None;
            return;
        }
        self.selected = self.selected.min(self.view.len() - 1);
        let page = self.page.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
        self.offset = self.offset.min(self.view.len().saturating_sub(page));
        self.selected_pid = Some(self.sampler.rows[self.view[self.selected].idx].pid);
    }

    /// Moves the selection by `delta` rows.
    pub fn move_selection(&mut self, delta: isize) {
        if self.view.is_empty() {
            return;
        }
        let last = self.view.len() as isize - 1;
        self.selected = (self.selected as isize + delta).clamp(0, last) as usize;
        self.clamp_selection();
    }

    /// Selects view row `i`.
    pub fn select(&mut self, i: usize) {
        self.selected = i;
        self.clamp_selection();
    }

    /// The selected row.
    pub fn selected_row(&self) -> Option<&Row> {
        self.view
            .get(self.selected)
            .and_then(|v| self.sampler.rows.get(v.idx))
    }

    /// Moves the selection to the first row at or after the selection (from the top
    /// with `from_start`) whose name or command contains the search text; wraps
    /// around. Returns whether one was found.
    pub fn search_next(&mut self, from_start: bool, skip_current: bool) -> bool {
        let needle = self.search.to_lowercase();
        if needle.is_empty() || self.view.is_empty() {
            return false;
        }
        let n = self.view.len();
        let start = if from_start { 0 } else { self.selected };
        let first = usize::from(skip_current);
        for k in first..n + first {
            let i = (start + k) % n;
            if matches_text(&self.sampler.rows[self.view[i].idx], &needle) {
                self.select(i);
                return true;
            }
        }
        false
    }

    /// Sorts by `c`; the same column again flips the direction.
    pub fn sort_by(&mut self, c: Column) {
        if self.sort == c {
            self.descending = !self.descending;
        } else {
            self.sort = c;
            self.descending = c.default_descending();
        }
        self.rebuild_view();
    }

    /// Sorts by the visible column `step` places right (or left) of the current one.
    pub fn sort_step(&mut self, step: isize) {
        let cols = &self.columns;
        let cur = cols.iter().position(|c| *c == self.sort).unwrap_or(0) as isize;
        let n = cols.len() as isize;
        if n == 0 {
            return;
        }
        let next = cols[(cur + step).rem_euclid(n) as usize];
        self.sort = next;
        self.descending = next.default_descending();
        self.rebuild_view();
    }

    /// Shows or hides column `c` (PID stays: the table needs it).
    pub fn toggle_column(&mut self, c: Column) {
        if c == Column::Pid {
            return;
        }
        if let Some(i) = self.columns.iter().position(|x| *x == c) {
            self.columns.remove(i);
        } else {
            self.columns.push(c);
            let order = |c: &Column| Column::ALL.iter().position(|x| x == c).unwrap_or(0);
            self.columns.sort_by_key(order);
        }
    }

    /// Sets the footer message.
    pub fn say(&mut self, text: impl Into<String>, error: bool) {
        self.status = Some(Status {
            text: super::fmt::clean(&text.into()),
            error,
            at: std::time::Instant::now(),
        });
    }
}

/// Whether the row's name or command line contains `needle` (already lower case).
pub fn matches_text(r: &Row, needle: &str) -> bool {
    contains_ci(&r.name, needle) || contains_ci(&r.cmd, needle)
}

/// Case-insensitive substring test without allocating for ASCII text.
fn contains_ci(hay: &str, needle_lower: &str) -> bool {
    if hay.is_ascii() && needle_lower.is_ascii() {
        let (h, n) = (hay.as_bytes(), needle_lower.as_bytes());
        if n.len() > h.len() {
            return false;
        }
        return h
            .windows(n.len())
            .any(|w| w.iter().zip(n).all(|(a, b)| a.to_ascii_lowercase() == *b));
    }
    hay.to_lowercase().contains(needle_lower)
}

/// Orders the rows as a tree: roots (no listed parent) and then, depth first, each
/// process's children, siblings in `order`.
fn tree_view(rows: &[Row], order: &dyn Fn(&Row, &Row) -> Ordering, out: &mut Vec<ViewRow>) {
    use std::collections::HashMap;
    let by_pid: HashMap<Pid, usize> = rows.iter().enumerate().map(|(i, r)| (r.pid, i)).collect();
    let mut children: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut roots = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        match r.ppid.and_then(|pp| by_pid.get(&pp)) {
            Some(&p) if r.ppid != Some(r.pid) && r.pid != 0 => children.entry(p).or_default().push(i),
            _ => roots.push(i),
        }
    }
    for list in children.values_mut() {
        list.sort_by(|&a, &b| order(&rows[a], &rows[b]));
    }
    roots.sort_by(|&a, &b| order(&rows[a], &rows[b]));
    // Depth-first with an explicit stack: (row, prefix of its children, own prefix).
    let mut stack: Vec<(usize, String, String)> = roots
        .into_iter()
        .rev()
        .map(|i| (i, String::new(), String::new()))
        .collect();
    let mut seen = vec![false; rows.len()];
    while let Some((i, child_base, own)) = stack.pop() {
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        out.push(ViewRow { idx: i, prefix: own });
        if let Some(kids) = children.get(&i) {
            let n = kids.len();
            for (k, &c) in kids.iter().enumerate().rev() {
                let last = k + 1 == n;
                let own = format!("{child_base}{}", if last { "└─" } else { "├─" });
                let base = format!("{child_base}{}", if last { "  " } else { "│ " });
                stack.push((c, base, own));
            }
        }
    }
}

/// Orders two optional numbers, an unreadable (`None`) one below every value.
fn float_cmp(a: Option<f64>, b: Option<f64>) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        _ => a.is_some().cmp(&b.is_some()),
    }
}
