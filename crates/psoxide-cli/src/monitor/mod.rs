//! The full-screen monitor that `psoxide` runs with no subcommand (ratatui +
//! crossterm): a header with the machine's CPU, memory, load, disks, network and
//! sensors, and a process table with sorting, search, filter, tree view and actions.
//!
//! - `app`: the state; `sample`: reading the system and the processes (one
//!   `process_iter` pass per refresh); `header`, `table`, `render`: drawing;
//!   `input`: keys and mouse; `actions`: signals, nice, suspend/resume through the
//!   row's `Process` handle; `detail`: the detail view.
//! - On a terminal the monitor runs in the alternate screen in raw mode and restores
//!   the terminal on exit, on a panic and on SIGTERM/SIGINT/SIGHUP. With `--once`, or
//!   when standard output is not a terminal, it prints one plain frame (no escape
//!   codes); with `TERM=dumb` it prints a plain frame per refresh.
//!
//! See docs/monitor.md.

pub mod actions;
pub mod app;
pub mod detail;
pub mod fmt;
pub mod header;
pub mod input;
pub mod render;
pub mod sample;
pub mod table;

#[cfg(test)]
mod tests;

use app::App;
use crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event, MouseEventKind};
use crossterm::terminal::{disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::{cursor, execute};
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::Terminal;
use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Whether colours may be used: a terminal that is not `dumb`, and `NO_COLOR` unset
/// or empty (<https://no-color.org>).
pub fn colour_allowed() -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    !no_color && !term_is_dumb() && crossterm::style::available_color_count() >= 8
}

/// `TERM` is unset, empty or `dumb`: no cursor addressing.
fn term_is_dumb() -> bool {
    match std::env::var("TERM") {
        Ok(t) => t.is_empty() || t == "dumb",
        Err(_) => true,
    }
}

/// Runs the monitor: full screen on a capable terminal, else plain frames.
pub fn run(once: bool, interval: f64) -> io::Result<()> {
    let tty = io::stdout().is_terminal();
    if once || !tty {
        return plain(interval, tty, true);
    }
    if term_is_dumb() || !io::stdin().is_terminal() {
        return plain(interval, tty, false);
    }
    live(interval, colour_allowed())
}

/// The size of a plain frame: the terminal's, else `COLUMNS` (or 80) wide.
fn plain_width(tty: bool) -> u16 {
    if tty {
        if let Ok((w, _)) = crossterm::terminal::size() {
            if w > 0 {
                return w;
            }
        }
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<u16>().ok())
        .filter(|w| *w >= 20)
        .unwrap_or(80)
        .min(1000)
}

/// Renders the app at `w` x `h` into text lines, trailing blanks removed.
pub fn render_text(app: &mut App, w: u16, h: u16) -> io::Result<Vec<String>> {
    let mut term = Terminal::new(TestBackend::new(w, h))?;
    term.draw(|f| render::draw(f, app))?;
    let buf = term.backend().buffer();
    let mut lines = Vec::with_capacity(h as usize);
    for y in 0..h {
        let mut s = String::with_capacity(w as usize);
        for x in 0..w {
            s.push_str(buf[(x, y)].symbol());
        }
        lines.push(s.trim_end().to_string());
    }
    Ok(lines)
}

/// Prints plain frames: one (`once`), or one per refresh on a dumb terminal. Off a
/// terminal the frame lists every process; on one it has the terminal's size.
fn plain(interval: f64, tty: bool, once: bool) -> io::Result<()> {
    let mut app = App::new(interval, false);
    app.refresh();
    let mut out = io::stdout().lock();
    loop {
        std::thread::sleep(Duration::from_secs_f64(interval));
        app.refresh();
        let w = plain_width(tty);
        let h = match crossterm::terminal::size() {
            Ok((_, h)) if tty && h > 0 => h,
            _ => {
                let ncpu = app.sys.percpu.as_ref().map(|v| v.len()).unwrap_or(1);
                let mut h = header::plan(ncpu, w, 50).height() + 4 + app.view.len() as u16;
                h = header::plan(ncpu, w, h).height() + 4 + app.view.len() as u16;
                h
            }
        };
        // The footer's key hints mean nothing in a printed frame: say what it is.
        app.say(
            format!(
                "psoxide {}: one frame, sampled over {interval} s",
                env!("CARGO_PKG_VERSION")
            ),
            false,
        );
        // ratatui's buffers hold at most 65,535 cells: the rows that do not fit are
        // added below the rendered ones, in the same columns.
        let h = h.min((u16::MAX / w.max(1)).max(24));
        let mut lines = render_text(&mut app, w, h)?;
        let shown = app.offset + app.table_geom.rows as usize;
        if app.view.len() > shown && lines.len() >= 2 {
            let inner = w.saturating_sub(2) as usize;
            let tail = lines.split_off(lines.len() - 2);
            for v in &app.view[shown..] {
                let text = table::row_text(&app.table_geom.columns, 1, &app.rows()[v.idx], &v.prefix);
                lines.push(format!("│{:<inner$}│", fmt::clip(&text, inner)));
            }
            lines.extend(tail);
        }
        for line in lines {
            writeln!(out, "{line}")?;
        }
        out.flush()?;
        if once {
            return Ok(());
        }
        writeln!(out)?;
    }
}

/// Whether the terminal is in the monitor's mode (set on entering, cleared by the
/// first restore: a second `LeaveAlternateScreen` would move the cursor back over
/// what was printed after the first, e.g. a panic message).
static TERMINAL_TAKEN: AtomicBool = AtomicBool::new(false);

/// Puts the terminal back: mouse off, main screen, cursor shown, cooked mode.
/// Only the first call after entering does anything.
fn restore_terminal() {
    if !TERMINAL_TAKEN.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut out = io::stdout();
    let _ = execute!(out, DisableMouseCapture, LeaveAlternateScreen, cursor::Show);
    let _ = disable_raw_mode();
}

/// Restores the terminal when dropped (normal exit, `?` errors, unwinding).
struct TermGuard;

impl TermGuard {
    fn enter() -> io::Result<TermGuard> {
        enable_raw_mode()?;
        TERMINAL_TAKEN.store(true, Ordering::SeqCst);
        let guard = TermGuard;
        execute!(
            io::stdout(),
            EnterAlternateScreen,
            EnableMouseCapture,
            cursor::Hide
        )?;
        Ok(guard)
    }
}

impl Drop for TermGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// How long crossterm may wait for the rest of an event once input is there (its
/// `/dev/tty` source reads nothing with a zero timeout).
const EVENT_WAIT: Duration = Duration::from_millis(2);

/// The terminal is gone (standard input hung up or was closed).
struct Hangup;

/// Waits up to `timeout` for input on standard input: `Ok(true)` when some is there,
/// `Ok(false)` on timeout or a signal.
fn wait_input(timeout: Duration) -> Result<bool, Hangup> {
    use rustix::event::{poll, PollFd, PollFlags, Timespec};
    let stdin = io::stdin();
    let mut fds = [PollFd::new(&stdin, PollFlags::IN)];
    let ts = Timespec {
        tv_sec: timeout.as_secs() as _,
        tv_nsec: timeout.subsec_nanos() as _,
    };
    match poll(&mut fds, Some(&ts)) {
        Ok(0) => Ok(false),
        Ok(_) => {
            let r = fds[0].revents();
            if r.intersects(PollFlags::HUP | PollFlags::ERR | PollFlags::NVAL) {
                Err(Hangup)
            } else {
                Ok(r.contains(PollFlags::IN))
            }
        }
        Err(rustix::io::Errno::INTR) => Ok(false),
        Err(_) => Err(Hangup),
    }
}

/// The full-screen loop.
fn live(interval: f64, color: bool) -> io::Result<()> {
    // Termination signals set a flag the loop checks at least every POLL_SLICE.
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGHUP,
        signal_hook::consts::SIGQUIT,
    ] {
        signal_hook::flag::register(sig, Arc::clone(&stop))?;
    }
    // A panic restores the terminal before its message is printed.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
    }));

    let mut app = App::new(interval, color);
    app.refresh();
    let guard = TermGuard::enter()?;
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    terminal.clear()?;
    const POLL_SLICE: Duration = Duration::from_millis(250);
    let period = Duration::from_secs_f64(interval);
    // The first sample only sets the baselines: take the second one soon.
    let mut next = Instant::now() + period.min(Duration::from_millis(500));
    let mut paused = false;
    let mut dirty = true;
    let winch = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGWINCH, Arc::clone(&winch))?;
    while !app.quit && !stop.load(Ordering::Relaxed) {
        if dirty {
            terminal.draw(|f| render::draw(f, &mut app))?;
            dirty = false;
        }
        let now = Instant::now();
        if now >= next {
            if !paused {
                app.refresh();
                dirty = true;
            }
            next += period;
            if next <= now {
                next = now + period;
            }
            continue;
        }
        // Wait on standard input ourselves: a terminal that hung up makes crossterm's
        // reader loop on end-of-file, so crossterm is only asked when there is input.
        // (crossterm reads through its level-triggered `/dev/tty` source: its default
        // edge-triggered one can lose a key that arrives with a resize.)
        let input = match wait_input((next - now).min(POLL_SLICE)) {
            Ok(ready) => ready,
            Err(Hangup) => break,
        };
        if winch.swap(false, Ordering::Relaxed) {
            dirty = true;
        }
        if input && event::poll(EVENT_WAIT)? {
            // Handle every event already queued before drawing once.
            loop {
                let ev = event::read()?;
                if let Event::Mouse(m) = &ev {
                    if m.kind == MouseEventKind::Moved {
                        if !event::poll(EVENT_WAIT)? {
                            break;
                        }
                        continue;
                    }
                }
                dirty = true;
                match input::handle(&mut app, &ev) {
                    input::Effect::Redraw => {}
                    input::Effect::Refresh => next = Instant::now(),
                    input::Effect::TogglePause => {
                        paused = !paused;
                        app.say(
                            if paused {
                                "paused (Space resumes)"
                            } else {
                                "resumed"
                            },
                            false,
                        );
                    }
                }
                if app.quit || !event::poll(EVENT_WAIT)? {
                    break;
                }
            }
        }
    }
    drop(terminal);
    drop(guard);
    Ok(())
}
