//! The header: summary line, per-core CPU bars, memory and swap gauges, and the
//! Disks / Network / Sensors panels. Every size is derived from the area it gets, so
//! the header shrinks (compact CPU line, fewer panel lines) instead of wrapping.

use super::app::App;
use super::fmt::{bar, clip, duration, human, rate};
use super::sample::SysSample;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

/// A foreground colour, or no style without colours.
pub fn fg(app: &App, c: Color) -> Style {
    if app.color {
        Style::default().fg(c)
    } else {
        Style::default()
    }
}

/// The colour of a usage level.
fn level(app: &App, pct: f64) -> Style {
    fg(
        app,
        if pct >= 90.0 {
            Color::Red
        } else if pct >= 60.0 {
            Color::Yellow
        } else {
            Color::Green
        },
    )
}

/// How the header is laid out in a `w` x `h` terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeaderPlan {
    /// Rows of CPU bars (or of the compact per-core line).
    pub cpu_rows: u16,
    /// CPU cells per row (0: compact form, one character per core).
    pub cpu_cols: u16,
    /// Rows of the memory/swap gauges: 1 side by side, 2 stacked.
    pub mem_rows: u16,
    /// Lines inside the Disks/Network/Sensors boxes (0: no boxes).
    pub panel_lines: u16,
}

impl HeaderPlan {
    /// The header's total height.
    pub fn height(&self) -> u16 {
        1 + self.cpu_rows
            + self.mem_rows
            + if self.panel_lines > 0 {
                self.panel_lines + 2
            } else {
                0
            }
    }
}

/// Smallest width of one CPU cell (`NN [|||  99.9%]`).
const CPU_CELL_MIN: u16 = 18;

/// Plans the header for `ncpu` cores in a `w` x `h` terminal, leaving the table (with
/// its border and heading) at least a few rows and the footer its line.
pub fn plan(ncpu: usize, w: u16, h: u16) -> HeaderPlan {
    let ncpu = ncpu.max(1) as u16;
    // Bars: the average first ("CPU"), then one per core (one bar for one core).
    let cells = if ncpu > 1 { ncpu + 1 } else { 1 };
    let cols = (w / CPU_CELL_MIN).clamp(1, cells);
    let rows = cells.div_ceil(cols);
    let max_cpu_rows = if h >= 50 {
        h / 4
    } else if h >= 30 {
        4
    } else {
        2
    };
    let (cpu_rows, cpu_cols) = if rows <= max_cpu_rows {
        (rows, cols)
    } else {
        // Compact: one character per core after a 4-column label.
        let per_line = w.saturating_sub(5).max(1);
        (ncpu.div_ceil(per_line).min(max_cpu_rows).max(1), 0)
    };
    let mem_rows = if w >= 70 { 1 } else { 2 };
    let mut panel_lines: u16 = if h >= 50 {
        6
    } else if h >= 34 {
        4
    } else if h >= 22 {
        3
    } else {
        2
    };
    let mut p = HeaderPlan {
        cpu_rows,
        cpu_cols,
        mem_rows,
        panel_lines,
    };
    // Keep the table (border, heading and 3 rows) and the footer on screen: 7 lines.
    while p.height() + 7 > h && panel_lines > 1 {
        panel_lines -= 1;
        p.panel_lines = panel_lines;
    }
    if p.height() + 7 > h {
        p.panel_lines = 0;
    }
    if p.height() + 7 > h && p.cpu_rows > 1 {
        p.cpu_rows = 1;
        p.cpu_cols = 0;
    }
    p
}

/// Draws the header into `area` following `plan`.
pub fn draw(f: &mut Frame, app: &App, area: Rect, plan: HeaderPlan) {
    let s = &app.sys;
    let mut y = area.y;
    // Each part's rows, cut to the header's area (a tiny terminal may not hold them).
    let row = |y: u16, hgt: u16| Rect::new(area.x, y, area.width, hgt).intersection(area);
    let r = row(y, 1);
    if !r.is_empty() {
        f.render_widget(Paragraph::new(summary(app, s, area.width)), r);
    }
    y = y.saturating_add(1);
    let r = row(y, plan.cpu_rows);
    if !r.is_empty() {
        draw_cpu(f, app, r, plan);
    }
    y = y.saturating_add(plan.cpu_rows);
    let r = row(y, plan.mem_rows);
    if !r.is_empty() {
        draw_mem(f, app, r);
    }
    y = y.saturating_add(plan.mem_rows);
    let r = row(y, plan.panel_lines + 2);
    if plan.panel_lines > 0 && r.height >= 3 {
        draw_panels(f, app, r);
    }
}

/// The first line: host, uptime, load, tasks, users, kernel; shorter forms on
/// narrow terminals (the first that fits).
fn summary<'a>(app: &App, s: &'a SysSample, width: u16) -> Line<'a> {
    let key = fg(app, Color::Cyan);
    let up = match &s.uptime {
        Ok(u) => duration(*u),
        Err(e) => e.clone(),
    };
    let load = match &s.load {
        Ok(l) => format!("{:.2} {:.2} {:.2}", l[0], l[1], l[2]),
        Err(e) => e.clone(),
    };
    let t = s.tasks;
    let tasks_long = format!(
        "{} ({} run, {} sleep, {} stop, {} zombie), {} thr",
        t.total, t.running, t.sleeping, t.stopped, t.zombie, t.threads
    );
    let tasks_mid = format!("{}, {} run, {} thr", t.total, t.running, t.threads);
    let tasks_short = format!("{} ({} run)", t.total, t.running);
    let users = s.users.as_ref().map(|n| n.to_string()).ok();
    let variants: [(&str, bool, bool); 4] = [
        (&tasks_long, true, true),
        (&tasks_mid, true, false),
        (&tasks_short, false, false),
        (&tasks_short, false, false),
    ];
    let build = |tasks: &str, with_users: bool, with_kernel: bool| {
        let mut parts: Vec<(&'static str, String)> = vec![
            ("up ", up.clone()),
            ("load ", load.clone()),
            ("tasks ", tasks.to_string()),
        ];
        if with_users {
            if let Some(u) = &users {
                parts.push(("users ", u.clone()));
            }
        }
        if with_kernel {
            parts.push(("", s.kernel.clone()));
        }
        parts
    };
    let len = |parts: &[(&str, String)]| {
        s.host.chars().count()
            + parts
                .iter()
                .map(|(k, v)| 2 + k.len() + v.chars().count())
                .sum::<usize>()
    };
    let avail = width as usize;
    let mut chosen = build(&tasks_short, false, false);
    for (tasks, u, k) in variants {
        let p = build(tasks, u, k);
        if len(&p) <= avail {
            chosen = p;
            break;
        }
    }
    let mut spans = vec![Span::styled(s.host.as_str(), key.add_modifier(Modifier::BOLD))];
    for (k, v) in chosen {
        spans.push(Span::raw("  "));
        if !k.is_empty() {
            spans.push(Span::styled(k, key));
        }
        spans.push(Span::raw(v));
    }
    Line::from(spans)
}

fn draw_cpu(f: &mut Frame, app: &App, area: Rect, plan: HeaderPlan) {
    let percpu = match &app.sys.percpu {
        Ok(v) => v,
        Err(e) => {
            let line = Line::from(vec![
                Span::styled("CPU ", fg(app, Color::Cyan)),
                Span::styled(e.as_str(), fg(app, Color::Red)),
            ]);
            f.render_widget(Paragraph::new(line), area);
            return;
        }
    };
    let total = app.sys.cpu_total.as_ref().copied().unwrap_or(0.0);
    if plan.cpu_cols == 0 {
        // Compact: one block character per core.
        const BLOCKS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
        let per_line = area.width.saturating_sub(5).max(1) as usize;
        let mut lines = Vec::new();
        for (i, chunk) in percpu.chunks(per_line).take(area.height as usize).enumerate() {
            let label = if i == 0 {
                format!("CPU{:>3.0}% ", total)
            } else {
                "     ".to_string()
            };
            let label = if i == 0 && area.width < 40 {
                "CPU ".to_string()
            } else {
                label
            };
            let mut spans = vec![Span::styled(label, fg(app, Color::Cyan))];
            for p in chunk {
                let k = ((p.clamp(0.0, 100.0) / 100.0) * 8.0).round() as usize;
                spans.push(Span::styled(BLOCKS[k.min(8)].to_string(), level(app, *p)));
            }
            lines.push(Line::from(spans));
        }
        f.render_widget(Paragraph::new(lines), area);
        return;
    }
    let cols = plan.cpu_cols.max(1) as usize;
    let cell_w = (area.width as usize / cols).max(8);
    let label_w = if percpu.len() > 10 { 3 } else { 2 };
    // Cell 0 is the average (the only one for a single core), then the cores.
    let cells: Vec<(String, f64)> = if percpu.len() <= 1 {
        vec![("CPU".to_string(), percpu.first().copied().unwrap_or(total))]
    } else {
        std::iter::once(("CPU".to_string(), total))
            .chain(
                percpu
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (format!("{i:>label_w$}"), *p)),
            )
            .collect()
    };
    let mut lines = Vec::new();
    for row in cells.chunks(cols).take(plan.cpu_rows as usize) {
        let mut spans = Vec::new();
        for (label, p) in row {
            // label, space, [bar], separating space.
            let inner = cell_w.saturating_sub(label.chars().count() + 4);
            spans.push(Span::styled(label.clone(), fg(app, Color::Cyan)));
            spans.push(Span::raw(" "));
            spans.push(Span::styled(bar(*p, inner, &format!("{p:.1}%")), level(app, *p)));
            spans.push(Span::raw(" "));
        }
        lines.push(Line::from(spans));
    }
    f.render_widget(Paragraph::new(lines), area);
}

fn gauge<'a>(app: &App, label: &'a str, pct: f64, used: u64, total: u64, width: usize) -> Line<'a> {
    let inner = width.saturating_sub(label.len() + 4);
    let text = format!("{}/{}", human(used), human(total));
    Line::from(vec![
        Span::styled(label, fg(app, Color::Cyan)),
        Span::raw(" "),
        Span::styled(bar(pct, inner, &text), level(app, pct)),
    ])
}

fn draw_mem(f: &mut Frame, app: &App, area: Rect) {
    let s = &app.sys;
    let two = area.height >= 2;
    let width = if two {
        area.width as usize
    } else {
        area.width as usize / 2
    };
    let mem = match &s.mem {
        Ok(m) => gauge(app, "Mem", m.percent, m.used, m.total, width),
        Err(e) => Line::from(vec![
            Span::styled("Mem ", fg(app, Color::Cyan)),
            Span::styled(e.as_str(), fg(app, Color::Red)),
        ]),
    };
    let swap = match &s.swap {
        Ok(m) => gauge(app, "Swp", m.percent, m.used, m.total, width),
        Err(e) => Line::from(vec![
            Span::styled("Swp ", fg(app, Color::Cyan)),
            Span::styled(e.as_str(), fg(app, Color::Red)),
        ]),
    };
    if two {
        f.render_widget(Paragraph::new(vec![mem, swap]), area);
    } else {
        let half = area.width / 2;
        f.render_widget(Paragraph::new(mem), Rect::new(area.x, area.y, half, 1));
        f.render_widget(
            Paragraph::new(swap),
            Rect::new(area.x + half, area.y, area.width - half, 1),
        );
    }
}

/// A line `left ... right` exactly `w` cells wide (the left part clipped).
fn spread(left: &str, right: &str, w: usize) -> String {
    let rlen = right.chars().count();
    if rlen + 1 >= w {
        return clip(right, w).to_string();
    }
    let lw = w - rlen - 1;
    let l = clip(left, lw);
    format!("{l:<lw$} {right}")
}

fn draw_panels(f: &mut Frame, app: &App, area: Rect) {
    let s = &app.sys;
    let with_sensors = !s.sensors.is_empty();
    let n: u16 = if with_sensors { 3 } else { 2 };
    let w = area.width / n;
    let lines = area.height.saturating_sub(2) as usize;
    let title = |t: &'static str| Span::styled(t, fg(app, Color::Cyan).add_modifier(Modifier::BOLD));
    let rects: Vec<Rect> = (0..n)
        .map(|i| {
            let x = area.x + i * w;
            let width = if i + 1 == n { area.width - i * w } else { w };
            Rect::new(x, area.y, width, area.height)
        })
        .collect();

    // Disks.
    let iw = rects[0].width.saturating_sub(2) as usize;
    let body: Vec<Line> = match &s.disks {
        Ok(d) => more(
            d.iter()
                .map(|d| {
                    let pct = d
                        .percent
                        .map(|p| format!("{p:>3.0}%"))
                        .unwrap_or_else(|| "   ?".into());
                    let right = if iw >= 34 {
                        format!("{pct} r {:>7} w {:>7}", rate(d.read), rate(d.write))
                    } else {
                        format!("{pct} {}/{}", short_rate(d.read), short_rate(d.write))
                    };
                    Line::raw(spread(&d.mountpoint, &right, iw))
                })
                .collect(),
            lines,
        ),
        Err(e) => vec![Line::styled(e.clone(), fg(app, Color::Red))],
    };
    f.render_widget(
        Paragraph::new(body).block(Block::bordered().title(title(" Disks "))),
        rects[0],
    );

    // Network.
    let iw = rects[1].width.saturating_sub(2) as usize;
    let body: Vec<Line> = match &s.nets {
        Ok(list) => {
            let mut v: Vec<_> = list.iter().collect();
            // Up interfaces first, the loopback last.
            v.sort_by_key(|n| (n.up == Some(false), n.name == "lo"));
            more(
                v.into_iter()
                    .map(|n| {
                        let right = if iw >= 34 {
                            format!("rx {:>7} tx {:>7}", rate(n.rx), rate(n.tx))
                        } else {
                            format!("{}/{}", short_rate(n.rx), short_rate(n.tx))
                        };
                        let name = if n.up == Some(false) {
                            format!("{} (down)", n.name)
                        } else {
                            n.name.clone()
                        };
                        Line::raw(spread(&name, &right, iw))
                    })
                    .collect(),
                lines,
            )
        }
        Err(e) => vec![Line::styled(e.clone(), fg(app, Color::Red))],
    };
    f.render_widget(
        Paragraph::new(body).block(Block::bordered().title(title(" Network "))),
        rects[1],
    );

    // Sensors, only where the machine has any.
    if with_sensors {
        let iw = rects[2].width.saturating_sub(2) as usize;
        let mut v: Vec<_> = s.sensors.iter().collect();
        v.sort_by_key(|s| !s.alarm);
        let body = more(
            v.into_iter()
                .map(|s| {
                    let style = if s.alarm {
                        fg(app, Color::Red)
                    } else {
                        Style::default()
                    };
                    Line::styled(spread(&s.label, &s.value, iw), style)
                })
                .collect(),
            lines,
        );
        f.render_widget(
            Paragraph::new(body).block(Block::bordered().title(title(" Sensors "))),
            rects[2],
        );
    }
}

/// Keeps at most `max` lines; the last says how many more there are.
fn more(mut lines: Vec<Line<'static>>, max: usize) -> Vec<Line<'static>> {
    if lines.len() > max && max > 0 {
        let extra = lines.len() - (max - 1);
        lines.truncate(max - 1);
        lines.push(Line::raw(format!("+{extra} more")));
    }
    lines
}

/// A rate without the `/s`, for narrow panels.
fn short_rate(b: f64) -> String {
    let r = rate(b);
    r.trim_end_matches("/s").to_string()
}
