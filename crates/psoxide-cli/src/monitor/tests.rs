//! Tests of the monitor rendered into ratatui's TestBackend, of its state (sorting,
//! search, filter, selection, tree) and of its actions on real child processes.

use super::actions::SIGNALS;
use super::app::{App, Column, Mode};
use super::detail::Line as DLine;
use super::header::plan;
use super::input::{self, Effect};
use super::render_text;
use super::sample::{DiskLine, NetLine, Row, SensorLine, SysSample, Tasks};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use psoxide::{Process, ProcessStatus};
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use ratatui::Terminal;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

fn key(app: &mut App, code: KeyCode) -> Effect {
    input::handle(app, &Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn keys(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

/// A header sample with known values, sensors included, so that every panel has
/// content whatever this machine has.
fn synthetic_sys(ncpu: usize) -> SysSample {
    let mut s = SysSample::empty();
    s.host = "testhost".into();
    s.kernel = "Linux 6.18.0".into();
    s.uptime = Ok(90061.0);
    s.load = Ok([0.5, 0.25, 0.125]);
    s.cpu_total = Ok(37.5);
    s.percpu = Ok((0..ncpu).map(|i| (i * 7 % 100) as f64).collect());
    s.mem = psoxide::virtual_memory().map_err(|e| e.to_string());
    s.swap = psoxide::swap_memory().map_err(|e| e.to_string());
    s.disks = Ok(vec![
        DiskLine {
            mountpoint: "/".into(),
            device: "vda1".into(),
            percent: Some(42.0),
            read: 1024.0 * 1024.0,
            write: 0.0,
        },
        DiskLine {
            mountpoint: "/a/very/long/mount/point/that/does/not/fit/anywhere".into(),
            device: "vdb".into(),
            percent: None,
            read: 0.0,
            write: 5.0e9,
        },
    ]);
    s.nets = Ok(vec![
        NetLine {
            name: "eth0".into(),
            up: Some(true),
            rx: 2048.0,
            tx: 10.0,
        },
        NetLine {
            name: "lo".into(),
            up: Some(true),
            rx: 0.0,
            tx: 0.0,
        },
    ]);
    s.sensors = vec![SensorLine {
        label: "coretemp Package id 0".into(),
        value: "45.0°C".into(),
        alarm: false,
    }];
    s.tasks = Tasks {
        total: 3,
        running: 1,
        sleeping: 2,
        ..Tasks::default()
    };
    s.users = Ok(1);
    s
}

/// Rows with known values, all acting through this process's handle.
fn synthetic_rows() -> Vec<Row> {
    let me = Arc::new(Process::current().unwrap());
    let row = |pid: u32, ppid: u32, name: &str, user: &str, cpu: f64, rss: u64| Row {
        proc: Arc::clone(&me),
        pid,
        ppid: Some(ppid),
        name: name.into(),
        user: user.into(),
        cmd: format!("/usr/bin/{name} --flag"),
        cmd_known: true,
        status: ProcessStatus::Sleeping,
        nice: Some(0),
        threads: Some(1),
        cpu: Some(cpu),
        mem: Some(rss as f64 / 1e7),
        rss: Some(rss),
        vms: Some(rss * 2),
        time: Some(cpu),
    };
    vec![
        row(1, 0, "init", "root", 0.5, 4000),
        row(20, 1, "foo", "alice", 12.0, 9000),
        row(300, 1, "barbaz", "bob", 3.0, 1000),
        row(4000, 20, "foobar", "alice", 50.0, 500),
    ]
}

fn synthetic_app() -> App {
    let mut app = App::new(1.0, false);
    app.sys = synthetic_sys(4);
    app.sampler.rows = synthetic_rows();
    app.rebuild_view();
    app
}

/// PIDs in the order the rendered table shows them.
fn shown_pids(lines: &[String]) -> Vec<u32> {
    let head = lines
        .iter()
        .position(|l| l.contains("PID") && l.contains("COMMAND"))
        .expect("table heading");
    lines[head + 1..]
        .iter()
        .filter_map(|l| l.trim_start_matches('│').split_whitespace().next()?.parse().ok())
        .collect()
}

fn assert_fits(lines: &[String], w: u16, h: u16) {
    assert_eq!(lines.len(), h as usize);
    for l in lines {
        let n = l.chars().count();
        assert!(n <= w as usize, "line of {n} > {w} columns: {l:?}");
    }
}

#[test]
fn every_panel_is_visible_at_each_size_and_no_line_is_wider() {
    for (w, h) in [(80u16, 24u16), (60, 20), (200, 60), (120, 40), (40, 15)] {
        for ncpu in [1usize, 2, 8, 64] {
            let mut app = synthetic_app();
            app.sys = synthetic_sys(ncpu);
            let lines = render_text(&mut app, w, h).unwrap();
            assert_fits(&lines, w, h);
            let text = lines.join("\n");
            let mut want = vec!["testhost", "up ", "load ", "Mem", "Swp", "Processes", "PID"];
            if w >= 60 {
                want.extend(["tasks ", "Disks", "Network", "Sensors", "COMMAND"]);
            }
            for t in want {
                assert!(text.contains(t), "{w}x{h}, {ncpu} CPUs: {t:?} missing in\n{text}");
            }
            // CPU: bars with a percent, or the compact line with a label.
            assert!(
                text.contains("%]") || text.contains("CPU"),
                "{w}x{h}, {ncpu} CPUs: no CPU panel\n{text}"
            );
            // The boxes are closed on the right edge: nothing wrapped or pushed out.
            let top = lines.iter().find(|l| l.contains("Processes")).unwrap();
            assert!(top.ends_with('┐'), "{w}x{h}: {top:?}");
            assert_eq!(top.chars().count(), w as usize, "{w}x{h}: {top:?}");
            // At least three process rows are on screen.
            assert!(shown_pids(&lines).len() >= 3, "{w}x{h}, {ncpu} CPUs:\n{text}");
        }
    }
}

#[test]
fn header_plan_shrinks_but_keeps_the_panels_at_80x24_and_60x20() {
    for (w, h) in [(80, 24), (60, 20)] {
        for ncpu in [1, 2, 4, 16, 256] {
            let p = plan(ncpu, w, h);
            assert!(p.panel_lines >= 1, "{w}x{h} {ncpu}: {p:?}");
            assert!(p.height() + 7 <= h, "{w}x{h} {ncpu}: {p:?}");
        }
    }
    // Many cores on a small terminal: the compact one-character-per-core form.
    assert_eq!(plan(64, 80, 24).cpu_cols, 0);
    // Two cores fit side by side.
    assert_eq!(plan(2, 80, 24).cpu_rows, 1);
}

#[test]
fn real_sample_renders_at_each_size() {
    let mut app = App::new(1.0, false);
    app.refresh();
    std::thread::sleep(std::time::Duration::from_millis(200));
    app.refresh();
    assert!(
        app.rows().len() > 3,
        "process_iter listed {} processes",
        app.rows().len()
    );
    let me = std::process::id();
    assert!(app.rows().iter().any(|r| r.pid == me), "this process is listed");
    for (w, h) in [(80u16, 24u16), (60, 20), (200, 60)] {
        let lines = render_text(&mut app, w, h).unwrap();
        assert_fits(&lines, w, h);
        let text = lines.join("\n");
        for t in ["Mem", "Swp", "Disks", "Network", "Processes", "PID"] {
            assert!(text.contains(t), "{w}x{h}: {t:?} missing in\n{text}");
        }
        // The loopback interface is always there (60x20 has room for one line).
        if h >= 24 {
            assert!(text.contains("│lo "), "{w}x{h}:\n{text}");
        }
    }
}

#[test]
fn sorting_orders_the_table_and_flips_on_the_same_column() {
    let mut app = synthetic_app();
    // Default: CPU% largest first.
    let lines = render_text(&mut app, 120, 30).unwrap();
    assert_eq!(shown_pids(&lines), [4000, 20, 300, 1]);
    app.sort_by(Column::Cpu);
    let lines = render_text(&mut app, 120, 30).unwrap();
    assert_eq!(shown_pids(&lines), [1, 300, 20, 4000]);
    app.sort_by(Column::Res);
    assert_eq!(
        shown_pids(&render_text(&mut app, 120, 30).unwrap()),
        [20, 1, 300, 4000]
    );
    key(&mut app, KeyCode::Char('N'));
    assert_eq!(
        shown_pids(&render_text(&mut app, 120, 30).unwrap()),
        [1, 20, 300, 4000]
    );
    key(&mut app, KeyCode::Char('I'));
    assert_eq!(
        shown_pids(&render_text(&mut app, 120, 30).unwrap()),
        [4000, 300, 20, 1]
    );
    app.sort_by(Column::User);
    assert_eq!(app.sort, Column::User);
    assert!(!app.descending);
    assert_eq!(
        shown_pids(&render_text(&mut app, 120, 30).unwrap()),
        [20, 4000, 300, 1]
    );
    // `>` moves to the next visible column.
    key(&mut app, KeyCode::Char('>'));
    assert_eq!(app.sort, Column::Virt);
}

#[test]
fn clicking_a_heading_sorts_and_clicking_a_row_selects() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let mut app = synthetic_app();
    render_text(&mut app, 120, 30).unwrap();
    let g = app.table_geom.clone();
    let &(_, x, _) = g.columns.iter().find(|(c, _, _)| *c == Column::Pid).unwrap();
    let click = |col: u16, row: u16| {
        Event::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: col,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    input::handle(&mut app, &click(x + 1, g.heading_y));
    assert_eq!(app.sort, Column::Pid);
    input::handle(&mut app, &click(x + 1, g.first_y + 2));
    assert_eq!(app.selected_row().unwrap().pid, 300);
}

#[test]
fn search_selects_matches_and_filter_and_user_restrict_the_view() {
    let mut app = synthetic_app();
    key(&mut app, KeyCode::Char('/'));
    assert_eq!(app.mode, Mode::Search);
    keys(&mut app, "BAR");
    // Case-insensitive; the first match in view order (CPU%: 4000 foobar first).
    assert_eq!(app.selected_row().unwrap().pid, 4000);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(app.selected_row().unwrap().pid, 300);
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(app.selected_row().unwrap().pid, 4000, "wraps around");
    // A search without a match says so and keeps the selection.
    key(&mut app, KeyCode::Char('/'));
    keys(&mut app, "qqq");
    assert!(app.status.as_ref().unwrap().error);
    assert_eq!(app.selected_row().unwrap().pid, 4000);
    key(&mut app, KeyCode::Esc);

    key(&mut app, KeyCode::Char('\\'));
    keys(&mut app, "foo");
    let lines = render_text(&mut app, 100, 24).unwrap();
    assert_eq!(shown_pids(&lines), [4000, 20]);
    assert!(lines.iter().any(|l| l.contains("filter \"foo\"")));
    key(&mut app, KeyCode::Enter);
    // The selection follows its process when the view changes.
    app.select(1);
    assert_eq!(app.selected_row().unwrap().pid, 20);
    app.sort_by(Column::Pid);
    assert_eq!(app.selected_row().unwrap().pid, 20);
    key(&mut app, KeyCode::Char('\\'));
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.view.len(), 4);

    key(&mut app, KeyCode::Char('u'));
    // Tab completes from the listed users: "b" -> bob; "" cycles alice, bob, root.
    keys(&mut app, "b");
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.user_input, "bob");
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.user_input, "bob", "only one user starts with b");
    key(&mut app, KeyCode::Backspace);
    key(&mut app, KeyCode::Backspace);
    key(&mut app, KeyCode::Backspace);
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.user_input, "alice");
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.user_input, "bob");
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.user_input, "root");
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.user_input, "alice");
    while !app.user_input.is_empty() {
        key(&mut app, KeyCode::Backspace);
    }
    keys(&mut app, "alice");
    assert_eq!(key(&mut app, KeyCode::Enter), Effect::Refresh);
    app.rebuild_view();
    assert_eq!(shown_pids(&render_text(&mut app, 100, 24).unwrap()), [20, 4000]);
    assert!(app.attrs().contains(&psoxide::Attr::Username));
}

#[test]
fn selection_scrolls_and_stays_in_range() {
    let mut app = synthetic_app();
    render_text(&mut app, 80, 24).unwrap();
    key(&mut app, KeyCode::End);
    assert_eq!(app.selected, 3);
    key(&mut app, KeyCode::Down);
    assert_eq!(app.selected, 3);
    key(&mut app, KeyCode::Home);
    key(&mut app, KeyCode::Up);
    assert_eq!(app.selected, 0);
    // Many rows on a short screen: the selection stays visible.
    let base = synthetic_rows();
    app.sampler.rows = (0..200u32)
        .map(|i| {
            let mut r = base[1].clone();
            r.pid = 10 + i;
            r
        })
        .collect();
    app.sort_by_keep(Column::Pid);
    render_text(&mut app, 80, 24).unwrap();
    for _ in 0..5 {
        key(&mut app, KeyCode::PageDown);
    }
    let lines = render_text(&mut app, 80, 24).unwrap();
    let sel = app.selected_row().unwrap().pid;
    assert!(shown_pids(&lines).contains(&sel), "{sel} not shown");
    assert!(app.offset > 0);
}

#[test]
fn tree_view_puts_children_under_their_parent() {
    let mut app = synthetic_app();
    key(&mut app, KeyCode::Char('t'));
    let lines = render_text(&mut app, 120, 30).unwrap();
    // init, then its children by CPU (foo 12 > barbaz 3), foobar under foo.
    assert_eq!(shown_pids(&lines), [1, 20, 4000, 300]);
    let text = lines.join("\n");
    assert!(text.contains("├─/usr/bin/foo"), "{text}");
    assert!(text.contains("│ └─/usr/bin/foobar"), "{text}");
    assert!(text.contains("└─/usr/bin/barbaz"), "{text}");
    assert!(app.attrs().contains(&psoxide::Attr::Ppid));
}

#[test]
fn help_and_column_chooser() {
    let mut app = synthetic_app();
    key(&mut app, KeyCode::Char('?'));
    let text = render_text(&mut app, 80, 40).unwrap().join("\n");
    assert!(
        text.contains("Help") && text.contains("incremental search"),
        "{text}"
    );
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.mode, Mode::Normal);
    key(&mut app, KeyCode::Char('f'));
    // Cursor on PID (cannot be hidden), then down to PPID and show it.
    key(&mut app, KeyCode::Char(' '));
    assert!(app.columns.contains(&Column::Pid));
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Char(' '));
    assert_eq!(key(&mut app, KeyCode::Esc), Effect::Refresh);
    assert!(app.columns.contains(&Column::Ppid));
    let text = render_text(&mut app, 120, 30).unwrap().join("\n");
    assert!(text.contains("PPID"), "{text}");
}

#[test]
fn colours_only_when_enabled() {
    let draw = |color: bool| {
        let mut app = synthetic_app();
        app.color = color;
        let mut t = Terminal::new(TestBackend::new(100, 30)).unwrap();
        t.draw(|f| super::render::draw(f, &mut app)).unwrap();
        let buf = t.backend().buffer().clone();
        buf.content()
            .iter()
            .any(|c| c.fg != Color::Reset || c.bg != Color::Reset)
    };
    assert!(!draw(false), "a colour was used with colours off");
    assert!(draw(true));
}

fn spawn_sleep() -> Child {
    Command::new("sleep")
        .arg("60")
        .stdin(Stdio::null())
        .spawn()
        .expect("spawn sleep")
}

/// An app whose selection is on `pid` (from a real scan).
fn app_on(pid: u32) -> App {
    let mut app = App::new(1.0, false);
    app.refresh();
    let i = app
        .view
        .iter()
        .position(|v| app.rows()[v.idx].pid == pid)
        .expect("child listed");
    app.select(i);
    assert_eq!(app.selected_row().unwrap().pid, pid);
    app
}

#[test]
fn kill_asks_for_confirmation_and_sends_the_chosen_signal() {
    use std::os::unix::process::ExitStatusExt;
    let mut child = spawn_sleep();
    let mut app = app_on(child.id());
    key(&mut app, KeyCode::Char('k'));
    assert_eq!(app.mode, Mode::SignalPick(14), "SIGTERM preselected");
    key(&mut app, KeyCode::Enter);
    let Mode::Confirm(p) = &app.mode else {
        panic!("no confirmation: {:?}", app.mode)
    };
    assert_eq!((p.sig, p.pid), (15, child.id()));
    let text = render_text(&mut app, 80, 24).unwrap().join("\n");
    assert!(
        text.contains(&format!("Send SIGTERM (15) to PID {} (sleep)?", child.id())),
        "{text}"
    );
    // "n" cancels: the child still runs.
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(app.mode, Mode::Normal);
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert!(
        child.try_wait().unwrap().is_none(),
        "signal sent without confirmation"
    );
    // Choose SIGUSR1 by number, confirm with "y".
    key(&mut app, KeyCode::Char('k'));
    key(&mut app, KeyCode::Char('1'));
    key(&mut app, KeyCode::Char('0'));
    assert_eq!(app.mode, Mode::SignalPick(9));
    assert_eq!(SIGNALS[9].1, "SIGUSR1");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('y'));
    let st = app.status.clone().unwrap();
    assert!(!st.error, "{}", st.text);
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(10), "the child died of SIGUSR1");
}

#[test]
fn suspend_resume_and_nice_act_on_the_selected_process() {
    let mut child = spawn_sleep();
    let mut app = app_on(child.id());
    let stat = || std::fs::read_to_string(format!("/proc/{}/stat", child.id())).unwrap();
    let state = |s: String| {
        s.rsplit(')')
            .next()
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .to_string()
    };
    key(&mut app, KeyCode::Char('z'));
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert_eq!(state(stat()), "T", "{:?}", app.status);
    key(&mut app, KeyCode::Char('c'));
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert_eq!(state(stat()), "S", "{:?}", app.status);
    // Field 19 of `stat`: the nice value. The child starts at this test's (which may
    // run under `nice`).
    let nice_of = |s: String| -> i32 {
        s.rsplit(')')
            .next()
            .unwrap()
            .split_whitespace()
            .nth(16)
            .unwrap()
            .parse()
            .unwrap()
    };
    let before = nice_of(stat());
    key(&mut app, KeyCode::Char('+'));
    assert_eq!(nice_of(stat()), (before + 1).min(19), "{:?}", app.status);
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn actions_on_an_exited_and_reaped_process_are_refused() {
    let mut child = spawn_sleep();
    let pid = child.id();
    let mut app = app_on(pid);
    // The process ends and is reaped; its PID is free for another process.
    child.kill().unwrap();
    child.wait().unwrap();
    // Signal through the monitor's state, as the keys do.
    key(&mut app, KeyCode::Char('k'));
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('y'));
    let st = app.status.clone().unwrap();
    assert!(st.error, "{}", st.text);
    assert!(st.text.contains("NoSuchProcess"), "{}", st.text);
    assert!(st.text.contains(&pid.to_string()), "{}", st.text);
    for k in ['z', 'c', '+', '-'] {
        key(&mut app, KeyCode::Char(k));
        let st = app.status.clone().unwrap();
        assert!(st.error && st.text.contains("NoSuchProcess"), "{k}: {}", st.text);
    }
}

#[test]
fn detail_view_shows_every_section_for_the_selected_process() {
    let me = std::process::id();
    let mut app = app_on(me);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.mode, Mode::Detail);
    let d = app.detail.as_ref().unwrap();
    let titles: Vec<&str> = d
        .lines
        .iter()
        .filter_map(|l| match l {
            DLine::Title(t) => Some(t.as_str()),
            _ => None,
        })
        .collect();
    for t in [
        "Process",
        "Command line",
        "Environment",
        "Open files",
        "Connections",
        "Threads",
        "Limits (soft / hard, -1 = unlimited)",
        "Control groups",
        "Memory maps (grouped by path)",
    ] {
        assert!(titles.contains(&t), "{t:?} missing from {titles:?}");
    }
    let text: Vec<String> = d
        .lines
        .iter()
        .map(|l| match l {
            DLine::Title(t) | DLine::Text(t) | DLine::Error(t) => t.clone(),
        })
        .collect();
    // The cgroup lines are /proc/self/cgroup's, read here directly.
    for line in std::fs::read_to_string("/proc/self/cgroup").unwrap().lines() {
        assert!(text.iter().any(|t| t == line), "{line:?} missing");
    }
    // The NOFILE limit matches getrlimit through /proc/self/limits.
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap();
    let nofile = limits.lines().find(|l| l.starts_with("Max open files")).unwrap();
    let soft: Vec<&str> = nofile.split_whitespace().collect();
    assert!(
        text.iter()
            .any(|t| t.starts_with("RLIMIT_NOFILE") && t.contains(&format!(" {} / {}", soft[3], soft[4]))),
        "{nofile}"
    );
    // Threads: as many as /proc/self/task has entries (this test's threads may come
    // and go: at least one line).
    assert!(text.iter().any(|t| t.starts_with("tid ")));
    let lines = render_text(&mut app, 80, 24).unwrap();
    assert_fits(&lines, 80, 24);
    assert!(lines[0].contains(&format!("Process {me}")), "{}", lines[0]);
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.mode, Mode::Normal);
}

#[test]
fn scanned_rows_match_the_kernel_and_ps_and_survive_scans_without_memory() {
    let child = Command::new("sleep")
        .args(["30", "31"])
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    // Killed and reaped on drop, also when an assertion fails.
    struct Reap(Child);
    impl Drop for Reap {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let child = Reap(child);
    let busy = Reap(
        Command::new("sh")
            .args(["-c", "while :; do :; done"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let (child_pid, busy_pid) = (child.0.id(), busy.0.id());
    // The child must have run `exec` and gone to sleep before the first scan (a scan
    // right after the spawn can see it still running, under the test's own name).
    let asleep = || {
        std::fs::read_to_string(format!("/proc/{child_pid}/stat"))
            .is_ok_and(|s| s.starts_with(&format!("{child_pid} (sleep) S ")))
    };
    let t0 = std::time::Instant::now();
    while !asleep() {
        assert!(t0.elapsed().as_secs() < 10, "the child never slept");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let mut app = App::new(1.0, false);
    let page = rustix::param::page_size() as u64;
    let ps = |pid: u32, field: &str| {
        let out = Command::new("ps")
            .args(["-o", &format!("{field}="), "-p", &pid.to_string()])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    for scan in 0..3 {
        app.refresh();
        let r = app
            .rows()
            .iter()
            .find(|r| r.pid == child_pid)
            .expect("child listed")
            .clone();
        let statm = std::fs::read_to_string(format!("/proc/{child_pid}/statm")).unwrap();
        let f: Vec<u64> = statm.split_whitespace().map(|x| x.parse().unwrap()).collect();
        assert_eq!(
            (r.vms, r.rss),
            (Some(f[0] * page), Some(f[1] * page)),
            "scan {scan}"
        );
        assert_eq!(r.cmd, "sleep 30 31");
        assert_eq!(r.name, "sleep");
        assert_eq!(r.ppid, Some(std::process::id()));
        assert_eq!(r.user, ps(child_pid, "user"), "scan {scan}");
        assert_eq!(r.status, ProcessStatus::Sleeping);
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    // The busy child's CPU% since the previous scan (ps gives the lifetime average).
    let b = app.rows().iter().find(|r| r.pid == busy_pid).unwrap();
    assert!(b.cpu.is_some_and(|c| c > 5.0), "busy loop at {:?}%", b.cpu);
    assert!(b.time.is_some_and(|t| t > 0.0));
    let tasks = app.sys.tasks;
    assert_eq!(tasks.total, app.rows().len());
    assert!(tasks.running >= 1, "{tasks:?}");
    drop((busy, child));
}

#[test]
fn a_signal_from_the_detail_view_targets_its_process() {
    let child = spawn_sleep();
    let pid = child.id();
    let mut app = app_on(pid);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.mode, Mode::Detail);
    // The table's selection moves (as when the process exits and a refresh follows).
    let other = app
        .view
        .iter()
        .position(|v| app.rows()[v.idx].pid != pid)
        .unwrap();
    app.select(other);
    key(&mut app, KeyCode::Char('k'));
    let text = render_text(&mut app, 100, 30).unwrap().join("\n");
    assert!(text.contains(&format!("Signal to PID {pid}")), "{text}");
    key(&mut app, KeyCode::Enter);
    let Mode::Confirm(p) = &app.mode else {
        panic!("{:?}", app.mode)
    };
    assert_eq!(p.pid, pid);
    // Cancelling returns to the detail view.
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(app.mode, Mode::Detail);
    let mut child = child;
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn tiny_terminals_and_every_overlay_render_without_panicking() {
    // Every size up to 61x31 in steps, with 64 CPUs (the largest header).
    for w in (1u16..62).step_by(3) {
        for h in (1u16..32).step_by(2) {
            let mut app = synthetic_app();
            app.sys = synthetic_sys(64);
            assert_fits(&render_text(&mut app, w, h).unwrap(), w, h);
        }
    }
    for (w, h) in [
        (1u16, 1u16),
        (2, 2),
        (5, 3),
        (12, 4),
        (20, 6),
        (30, 8),
        (300, 5),
        (3, 100),
    ] {
        for mode in [
            Mode::Normal,
            Mode::Help,
            Mode::SignalPick(30),
            Mode::Columns(12),
            Mode::Search,
            Mode::Filter,
            Mode::User,
        ] {
            let mut app = synthetic_app();
            app.tree = true;
            app.rebuild_view();
            app.mode = mode.clone();
            let lines = render_text(&mut app, w, h).unwrap();
            assert_fits(&lines, w, h);
        }
        let mut app = synthetic_app();
        app.detail = Some(super::detail::Detail::open(
            Arc::clone(&app.rows()[0].proc),
            "x".into(),
        ));
        app.mode = Mode::Detail;
        assert_fits(&render_text(&mut app, w, h).unwrap(), w, h);
        app.ask_signal();
        app.pick_signal(8);
        assert!(matches!(app.mode, Mode::Confirm(_)));
        assert_fits(&render_text(&mut app, w, h).unwrap(), w, h);
    }
}

#[test]
fn escape_sequences_in_names_and_command_lines_are_not_printed() {
    // A process can set its name and arguments to anything, escapes included.
    let mut child = Command::new("bash")
        .args(["-c", "exec -a \"$(printf 'x\\033[2Jy')\" sleep 30"])
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    let mut app = app_on(child.id());
    let r = app.selected_row().unwrap().clone();
    assert!(!r.cmd.contains('\x1b'), "{:?}", r.cmd);
    assert!(r.cmd.starts_with("x [2Jy"), "{:?}", r.cmd);
    key(&mut app, KeyCode::Enter);
    let d = app.detail.as_ref().unwrap();
    for l in &d.lines {
        let (DLine::Title(t) | DLine::Text(t) | DLine::Error(t)) = l;
        assert!(!t.chars().any(char::is_control), "{t:?}");
    }
    let text = render_text(&mut app, 100, 30).unwrap().join("\n");
    assert!(!text.contains('\x1b'));
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn unreadable_values_show_a_question_mark_and_sort_lowest() {
    let mut rows = synthetic_rows();
    let r = &mut rows[1];
    (r.ppid, r.threads, r.cpu, r.mem, r.rss, r.vms, r.time) = (None, None, None, None, None, None, None);
    let numeric = [
        Column::Ppid,
        Column::Virt,
        Column::Res,
        Column::Cpu,
        Column::Mem,
        Column::Time,
        Column::Threads,
    ];
    // Each column alone, at its own width: the cell is a right-aligned '?'.
    for c in numeric {
        let w = c.width();
        let text = super::table::row_text(&[(c, 0, w)], 0, &rows[1], "");
        assert_eq!(text, format!("{:>w$}", "?", w = w as usize), "{c:?}");
        let known = super::table::row_text(&[(c, 0, w)], 0, &rows[0], "");
        assert!(!known.contains('?'), "{c:?}: {known:?}");
        // Ascending, the unreadable value comes before every known one.
        for other in rows.iter().filter(|o| o.pid != rows[1].pid) {
            assert_eq!(c.cmp(&rows[1], other), std::cmp::Ordering::Less, "{c:?}");
        }
    }
}
