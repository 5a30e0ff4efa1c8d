//! The process table: a bordered box whose title says the count, sort, filter and
//! mode; a heading row (the sort column marked); one line per process, the selected
//! one in reverse video. Fixed-width columns, the command takes the rest and is cut
//! at the box's edge.

use super::app::{App, Column, TableGeom};
use super::fmt::{clip, cpu_time, human};
use super::header::fg;
use super::sample::{state_letter, Row};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;
use std::fmt::Write as _;

/// Writes the cell of `c` for row `r`, `w` wide, into `out`.
fn cell(out: &mut String, c: Column, r: &Row, w: usize, prefix: &str) {
    let start = out.len();
    match c {
        Column::Pid => {
            let _ = write!(out, "{:>w$}", r.pid);
        }
        Column::Ppid => num(out, r.ppid, w, |v, o| {
            let _ = write!(o, "{v:>w$}");
        }),
        Column::User => {
            let _ = write!(out, "{:<w$}", clip(&r.user, w));
        }
        Column::Nice => match r.nice {
            Some(n) => {
                let _ = write!(out, "{n:>w$}");
            }
            None => {
                let _ = write!(out, "{:>w$}", "?");
            }
        },
        Column::Virt => num(out, r.vms, w, |v, o| {
            let _ = write!(o, "{:>w$}", human(v));
        }),
        Column::Res => num(out, r.rss, w, |v, o| {
            let _ = write!(o, "{:>w$}", human(v));
        }),
        Column::State => out.push(state_letter(r.status)),
        Column::Cpu => num(out, r.cpu, w, |v, o| {
            let _ = write!(o, "{v:>w$.1}");
        }),
        Column::Mem => num(out, r.mem, w, |v, o| {
            let _ = write!(o, "{v:>w$.1}");
        }),
        Column::Time => num(out, r.time, w, |v, o| {
            let _ = write!(o, "{:>w$}", cpu_time(v));
        }),
        Column::Threads => num(out, r.threads, w, |v, o| {
            let _ = write!(o, "{v:>w$}");
        }),
        Column::Name => {
            let _ = write!(out, "{:<w$}", clip(&r.name, w));
        }
        Column::Command => {
            out.push_str(prefix);
            out.push_str(clip(&r.cmd, w.saturating_sub(prefix.chars().count())));
        }
    }
    // A value wider than its column (a huge PID) is cut, never shifts the rest.
    if c != Column::Command {
        let text = out[start..].to_string();
        out.truncate(start);
        out.push_str(clip(&text, w));
    }
}

/// Writes a value with `f`, or a right-aligned `?` when it could not be read.
fn num<T>(out: &mut String, v: Option<T>, w: usize, f: impl FnOnce(T, &mut String)) {
    match v {
        Some(v) => f(v, out),
        None => {
            let _ = write!(out, "{:>w$}", "?");
        }
    }
}

/// Columns dropped first when the terminal is too narrow for all visible columns
/// and a command of [`MIN_COMMAND`] cells.
const DROP_ORDER: [Column; 11] = [
    Column::Ppid,
    Column::Threads,
    Column::Virt,
    Column::Nice,
    Column::Time,
    Column::Name,
    Column::State,
    Column::Mem,
    Column::User,
    Column::Res,
    Column::Cpu,
];

/// The command column's smallest useful width.
const MIN_COMMAND: u16 = 16;

/// The visible columns that fit in `width` cells, leaving the command (when shown)
/// at least [`MIN_COMMAND`] cells; the sort column is never dropped.
pub fn fitting_columns(cols: &[Column], width: u16, keep: Column) -> Vec<Column> {
    let mut v = cols.to_vec();
    let need = |v: &[Column]| -> u16 {
        v.iter()
            .map(|c| {
                if *c == Column::Command {
                    MIN_COMMAND
                } else {
                    c.width()
                }
            })
            .sum::<u16>()
            + v.len().saturating_sub(1) as u16
    };
    for d in DROP_ORDER {
        if need(&v) <= width {
            break;
        }
        if d == keep {
            continue;
        }
        v.retain(|c| *c != d);
    }
    v
}

/// The text of one table row for `columns` (screen positions, the table's inner
/// area starting at `x0`).
pub fn row_text(columns: &[(Column, u16, u16)], x0: u16, r: &Row, prefix: &str) -> String {
    let mut s = String::with_capacity(columns.last().map_or(0, |c| c.2 as usize));
    for &(c, a, b) in columns {
        let pad = a.saturating_sub(x0) as usize;
        while s.chars().count() < pad {
            s.push(' ');
        }
        cell(&mut s, c, r, b.saturating_sub(a) as usize, prefix);
    }
    s
}

/// Draws the table into `area` and records its geometry in `app` for the mouse.
pub fn draw(f: &mut Frame, app: &mut App, area: Rect) {
    let key = fg(app, Color::Cyan);
    let mut title = vec![Span::styled(
        format!(" Processes {}/{} ", app.view.len(), app.rows().len()),
        key.add_modifier(Modifier::BOLD),
    )];
    let arrow = if app.descending { "v" } else { "^" };
    title.push(Span::raw(format!(
        "sort {} {arrow} every {}s ",
        app.sort.title(),
        app.interval
    )));
    if app.tree {
        title.push(Span::styled("tree ", fg(app, Color::Yellow)));
    }
    if !app.filter.is_empty() {
        title.push(Span::styled(
            format!("filter \"{}\" ", app.filter),
            fg(app, Color::Yellow),
        ));
    }
    if let Some(u) = &app.user {
        title.push(Span::styled(format!("user {u} "), fg(app, Color::Yellow)));
    }
    let block = Block::bordered().title(Line::from(title));
    let inner = block.inner(area);
    f.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }

    // Column positions: fixed widths, the command column takes what is left.
    let mut geom = TableGeom {
        heading_y: inner.y,
        first_y: inner.y + 1,
        rows: inner.height.saturating_sub(1),
        columns: Vec::with_capacity(app.columns.len()),
    };
    let mut x = inner.x;
    let right = inner.x + inner.width;
    for c in fitting_columns(&app.columns, inner.width, app.sort) {
        if x >= right {
            break;
        }
        let w = if c == Column::Command {
            (right - x).max(c.width())
        } else {
            c.width()
        };
        let end = (x + w).min(right);
        geom.columns.push((c, x, end));
        x = end + 1;
    }

    // Heading.
    let mut heading = String::with_capacity(inner.width as usize);
    for &(c, x0, x1) in &geom.columns {
        let w = (x1 - x0) as usize;
        let pad = (x0 - inner.x) as usize;
        while heading.chars().count() < pad {
            heading.push(' ');
        }
        let t = c.title();
        if c.numeric() {
            let _ = write!(heading, "{t:>w$}");
        } else {
            let _ = write!(heading, "{t:<w$}");
        }
    }
    let head_style = if app.color {
        Style::default().fg(Color::Black).bg(Color::Green)
    } else {
        Style::default().add_modifier(Modifier::BOLD)
    };
    // Mark the sort column's heading.
    let mut spans = Vec::new();
    let mut last = 0;
    if let Some(&(_, x0, x1)) = geom.columns.iter().find(|(c, _, _)| *c == app.sort) {
        let (a, b) = ((x0 - inner.x) as usize, (x1 - inner.x) as usize);
        let chars: Vec<char> = heading.chars().collect();
        let (a, b) = (a.min(chars.len()), b.min(chars.len()));
        spans.push(Span::styled(chars[..a].iter().collect::<String>(), head_style));
        let sort_style = if app.color {
            Style::default().fg(Color::Black).bg(Color::Cyan)
        } else {
            Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
        };
        spans.push(Span::styled(chars[a..b].iter().collect::<String>(), sort_style));
        spans.push(Span::styled(chars[b..].iter().collect::<String>(), head_style));
        last = chars.len();
    }
    if spans.is_empty() {
        spans.push(Span::styled(heading.clone(), head_style));
        last = heading.chars().count();
    }
    let fill = (inner.width as usize).saturating_sub(last);
    spans.push(Span::styled(" ".repeat(fill), head_style));
    f.render_widget(
        Paragraph::new(Line::from(spans)),
        Rect::new(inner.x, inner.y, inner.width, 1),
    );

    // Rows.
    app.page = geom.rows as usize;
    app.clamp_selection();
    let mut lines = Vec::with_capacity(geom.rows as usize);
    let rows = &app.sampler.rows;
    for (k, v) in app
        .view
        .iter()
        .enumerate()
        .skip(app.offset)
        .take(geom.rows as usize)
    {
        let r = &rows[v.idx];
        let mut s = row_text(&geom.columns, inner.x, r, &v.prefix);
        let style = if k == app.selected {
            if app.color {
                Style::default().fg(Color::Black).bg(Color::Cyan)
            } else {
                Style::default().add_modifier(Modifier::REVERSED)
            }
        } else if r.status == psoxide::ProcessStatus::Running {
            fg(app, Color::Green)
        } else if r.status == psoxide::ProcessStatus::Zombie {
            fg(app, Color::Red)
        } else {
            Style::default()
        };
        if k == app.selected {
            let n = s.chars().count();
            s.push_str(&" ".repeat((inner.width as usize).saturating_sub(n)));
        }
        lines.push(Line::styled(s, style));
    }
    f.render_widget(
        Paragraph::new(lines),
        Rect::new(inner.x, inner.y + 1, inner.width, geom.rows),
    );
    app.table_geom = geom;
}
