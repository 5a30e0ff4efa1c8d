//! Drawing a whole frame: header, table and footer, or the detail view; then the
//! open overlay (help, signal picker, confirmation, column chooser).

use super::actions::SIGNALS;
use super::app::{App, Column, Mode};
use super::detail::Line as DLine;
use super::header::{self, fg};
use super::table;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

/// Draws the monitor into the frame.
pub fn draw(f: &mut Frame, app: &mut App) {
    let area = f.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    let body = Rect::new(area.x, area.y, area.width, area.height.saturating_sub(1));
    let footer = Rect::new(area.x, area.y + area.height - 1, area.width, 1);
    let detail_open = app.detail.is_some()
        && matches!(
            app.mode,
            Mode::Detail | Mode::SignalPick(_) | Mode::Confirm(_) | Mode::Help
        );
    if detail_open {
        draw_detail(f, app, body);
    } else {
        let ncpu = app.sys.percpu.as_ref().map(|v| v.len()).unwrap_or(1);
        let mut plan = header::plan(ncpu, area.width, area.height);
        // Panel boxes no taller than their longest content.
        let content = [
            app.sys.disks.as_ref().map_or(1, Vec::len),
            app.sys.nets.as_ref().map_or(1, Vec::len),
            app.sys.sensors.len(),
        ];
        let longest = content.into_iter().max().unwrap_or(1).max(1) as u16;
        plan.panel_lines = plan.panel_lines.min(longest);
        let hh = plan.height().min(body.height);
        header::draw(f, app, Rect::new(body.x, body.y, body.width, hh), plan);
        let t = Rect::new(body.x, body.y + hh, body.width, body.height - hh);
        table::draw(f, app, t);
    }
    draw_footer(f, app, footer);
    match app.mode.clone() {
        Mode::Help => draw_help(f, app, area),
        Mode::SignalPick(i) => draw_signals(f, app, area, i),
        Mode::Confirm(p) => {
            let text = vec![
                Line::raw(format!(
                    "Send {} ({}) to PID {} ({})?",
                    p.sig_name, p.sig, p.pid, p.name
                )),
                Line::raw(""),
                Line::styled("y: send   n / Esc: cancel", fg(app, Color::Yellow)),
            ];
            popup(f, app, area, " Confirm ", text, 46, 5);
        }
        Mode::Columns(i) => draw_columns(f, app, area, i),
        _ => {}
    }
}

/// The bottom line: the prompt being typed, the last message, or key hints.
fn draw_footer(f: &mut Frame, app: &App, area: Rect) {
    let key = fg(app, Color::Cyan).add_modifier(Modifier::BOLD);
    let line = match &app.mode {
        Mode::Search => Line::from(vec![
            Span::styled("Search: ", key),
            Span::raw(format!("{}_", app.search)),
            Span::styled("  Enter keep  Esc cancel  F3 next", fg(app, Color::DarkGray)),
        ]),
        Mode::Filter => Line::from(vec![
            Span::styled("Filter: ", key),
            Span::raw(format!("{}_", app.filter)),
            Span::styled("  Enter keep  Esc clear", fg(app, Color::DarkGray)),
        ]),
        Mode::User => Line::from(vec![
            Span::styled("User: ", key),
            Span::raw(format!("{}_", app.user_input)),
            Span::styled(
                "  Tab complete  Enter apply (empty: all users)  Esc cancel",
                fg(app, Color::DarkGray),
            ),
        ]),
        Mode::Detail => Line::from(vec![
            Span::styled("Esc", key),
            Span::raw(" back  "),
            Span::styled("Up/Down PgUp/PgDn", key),
            Span::raw(" scroll  "),
            Span::styled("k", key),
            Span::raw(" signal  "),
            Span::styled("q", key),
            Span::raw(" quit"),
        ]),
        _ => match &app.status {
            Some(s) if s.at.elapsed() < super::app::STATUS_SHOWN => Line::styled(
                s.text.clone(),
                if s.error {
                    fg(app, Color::Red).add_modifier(Modifier::BOLD)
                } else {
                    fg(app, Color::Green)
                },
            ),
            _ => {
                let mut spans = Vec::new();
                for (k, what) in [
                    ("?", "help"),
                    ("/", "search"),
                    ("\\", "filter"),
                    ("u", "user"),
                    ("t", "tree"),
                    ("<>", "sort"),
                    ("f", "columns"),
                    ("k", "signal"),
                    ("Enter", "detail"),
                    ("q", "quit"),
                ] {
                    spans.push(Span::styled(k, key));
                    spans.push(Span::raw(format!(" {what}  ")));
                }
                Line::from(spans)
            }
        },
    };
    f.render_widget(Paragraph::new(line), area);
}

/// A centred box of at most `w` x `h` (inner size) over the frame.
fn popup(f: &mut Frame, app: &App, area: Rect, title: &str, text: Vec<Line>, w: u16, h: u16) {
    let bw = (w + 2).min(area.width);
    let bh = (h + 2).min(area.height);
    let r = Rect::new(
        area.x + (area.width - bw) / 2,
        area.y + (area.height - bh) / 2,
        bw,
        bh,
    );
    f.render_widget(Clear, r);
    let title = Span::styled(
        title.to_string(),
        fg(app, Color::Cyan).add_modifier(Modifier::BOLD),
    );
    f.render_widget(Paragraph::new(text).block(Block::bordered().title(title)), r);
}

/// The keys, one per line (also the help screen's content).
pub const HELP: [(&str, &str); 27] = [
    ("Up/Down", "move the selection (mouse: click a row, wheel)"),
    ("PgUp/PgDn Home/End", "move by a page / to the ends"),
    ("Enter, d", "detail view of the selected process"),
    ("/", "incremental search (name or command line)"),
    ("n, F3", "next search match"),
    ("\\", "filter: list only matching processes"),
    ("u", "list only one user's processes (Tab completes)"),
    ("t", "tree view"),
    ("< >", "sort by the column left / right"),
    ("click a heading", "sort by it (again: reverse)"),
    ("P M T N", "sort by CPU%, MEM%, TIME+, PID"),
    ("I", "invert the sort order"),
    ("f", "choose the visible columns"),
    ("k, F9", "send a signal (asks to confirm)"),
    ("K", "send SIGKILL (asks to confirm)"),
    ("+ / -", "nice +1 / -1 (lower / raise priority)"),
    ("z / c", "suspend (SIGSTOP) / continue (SIGCONT)"),
    ("Space", "pause / resume refreshing"),
    ("r", "refresh now"),
    ("Esc", "close a window, clear the message"),
    ("?, F1, h", "this help"),
    ("q, F10, Ctrl-C", "quit"),
    ("", ""),
    ("Colours", "only on a colour terminal and never with NO_COLOR"),
    ("Actions", "go through the process's pidfd: a PID reused"),
    ("", "by another process is refused (NoSuchProcess)"),
    ("", "docs/monitor.md: columns, panels, sources"),
];

fn draw_help(f: &mut Frame, app: &App, area: Rect) {
    let key = fg(app, Color::Cyan).add_modifier(Modifier::BOLD);
    let lines: Vec<Line> = HELP
        .iter()
        .map(|(k, v)| Line::from(vec![Span::styled(format!("{k:<19}"), key), Span::raw(*v)]))
        .collect();
    let h = lines.len() as u16;
    popup(f, app, area, " Help (Esc to close) ", lines, 72, h);
}

fn draw_signals(f: &mut Frame, app: &App, area: Rect, sel: usize) {
    let h = area.height.saturating_sub(6).clamp(1, SIGNALS.len() as u16);
    let first = sel.saturating_sub(h as usize / 2).min(SIGNALS.len() - h as usize);
    let target = app
        .signal_target
        .as_ref()
        .map(|(_, pid, _)| format!(" Signal to PID {pid} "))
        .unwrap_or_else(|| " Signal ".into());
    let lines: Vec<Line> = SIGNALS
        .iter()
        .enumerate()
        .skip(first)
        .take(h as usize)
        .map(|(i, (n, name))| {
            let s = format!("{n:>2} {name:<10}");
            if i == sel {
                Line::styled(s, Style::default().add_modifier(Modifier::REVERSED))
            } else {
                Line::raw(s)
            }
        })
        .collect();
    popup(f, app, area, &target, lines, 24, h);
}

fn draw_columns(f: &mut Frame, app: &App, area: Rect, sel: usize) {
    let lines: Vec<Line> = Column::ALL
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let on = app.columns.contains(c);
            let s = format!("[{}] {}", if on { 'x' } else { ' ' }, c.title());
            if i == sel {
                Line::styled(s, Style::default().add_modifier(Modifier::REVERSED))
            } else {
                Line::raw(s)
            }
        })
        .collect();
    let h = lines.len() as u16;
    popup(f, app, area, " Columns (Space toggles) ", lines, 28, h);
}

fn draw_detail(f: &mut Frame, app: &mut App, area: Rect) {
    let key = fg(app, Color::Cyan).add_modifier(Modifier::BOLD);
    let title_style = fg(app, Color::Yellow).add_modifier(Modifier::BOLD);
    let err_style = fg(app, Color::Red);
    let Some(d) = &mut app.detail else { return };
    let page = area.height.saturating_sub(2) as usize;
    d.scroll_by(0, page);
    let gone = if d.proc.is_running() { "" } else { " (exited)" };
    let title = Span::styled(format!(" Process {} {}{gone} ", d.pid, d.name), key);
    let lines: Vec<Line> = d
        .lines
        .iter()
        .skip(d.scroll)
        .take(page)
        .map(|l| match l {
            DLine::Title(t) => Line::styled(t.clone(), title_style),
            DLine::Text(t) => Line::raw(format!("  {t}")),
            DLine::Error(t) => Line::styled(format!("  {t}"), err_style),
        })
        .collect();
    f.render_widget(Paragraph::new(lines).block(Block::bordered().title(title)), area);
}
