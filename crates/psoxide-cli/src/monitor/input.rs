//! Keyboard and mouse handling: each event changes the state; the caller redraws.

use super::actions::{SIGNALS, SIGTERM_INDEX};
use super::app::{App, Column, Mode};
use super::detail::Detail;
use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use std::sync::Arc;

/// What the loop should do after an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Just redraw.
    Redraw,
    /// Scan again now (the attributes to fetch changed, or `r`).
    Refresh,
    /// Toggle pausing the refreshes.
    TogglePause,
}

/// Applies one terminal event.
pub fn handle(app: &mut App, ev: &Event) -> Effect {
    match ev {
        Event::Key(k) if k.kind != KeyEventKind::Release => key(app, k),
        Event::Mouse(m) => {
            mouse(app, m);
            Effect::Redraw
        }
        _ => Effect::Redraw,
    }
}

/// Opens the detail view of the selected process.
pub fn open_detail(app: &mut App) {
    if let Some(r) = app.selected_row() {
        let d = Detail::open(Arc::clone(&r.proc), r.name.clone());
        app.detail = Some(d);
        app.mode = Mode::Detail;
    }
}

fn key(app: &mut App, k: &KeyEvent) -> Effect {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && matches!(k.code, KeyCode::Char('c')) {
        app.quit = true;
        return Effect::Redraw;
    }
    match app.mode.clone() {
        Mode::Search => {
            match k.code {
                KeyCode::Esc => {
                    app.search.clear();
                    app.mode = Mode::Normal;
                }
                KeyCode::Enter => app.mode = Mode::Normal,
                KeyCode::Backspace => {
                    app.search.pop();
                    app.search_next(false, false);
                }
                KeyCode::F(3) | KeyCode::Down => {
                    app.search_next(false, true);
                }
                KeyCode::Char(c) if !ctrl => {
                    app.search.push(c);
                    if !app.search_next(false, false) {
                        app.say(format!("no match for \"{}\"", app.search), true);
                    } else {
                        app.status = None;
                    }
                }
                _ => {}
            }
            Effect::Redraw
        }
        Mode::Filter => {
            match k.code {
                KeyCode::Esc => {
                    app.filter.clear();
                    app.mode = Mode::Normal;
                }
                KeyCode::Enter => app.mode = Mode::Normal,
                KeyCode::Backspace => {
                    app.filter.pop();
                }
                KeyCode::Char(c) if !ctrl => app.filter.push(c),
                _ => {}
            }
            app.rebuild_view();
            Effect::Redraw
        }
        Mode::User => match k.code {
            KeyCode::Esc => {
                app.mode = Mode::Normal;
                Effect::Redraw
            }
            KeyCode::Enter => {
                let u = app.user_input.trim().to_string();
                app.user = (!u.is_empty()).then_some(u);
                app.mode = Mode::Normal;
                Effect::Refresh
            }
            KeyCode::Backspace => {
                app.user_input.pop();
                app.user_typed = None;
                Effect::Redraw
            }
            KeyCode::Tab => {
                app.complete_user();
                Effect::Redraw
            }
            KeyCode::Char(c) if !ctrl => {
                app.user_input.push(c);
                app.user_typed = None;
                Effect::Redraw
            }
            _ => Effect::Redraw,
        },
        Mode::Help => {
            match k.code {
                KeyCode::Char('q') | KeyCode::F(10) => app.quit = true,
                _ => app.mode = app.base_mode(),
            }
            Effect::Redraw
        }
        Mode::SignalPick(i) => {
            match k.code {
                KeyCode::Up => app.mode = Mode::SignalPick(i.saturating_sub(1)),
                KeyCode::Down => app.mode = Mode::SignalPick((i + 1).min(SIGNALS.len() - 1)),
                KeyCode::PageUp => app.mode = Mode::SignalPick(i.saturating_sub(10)),
                KeyCode::PageDown => app.mode = Mode::SignalPick((i + 10).min(SIGNALS.len() - 1)),
                KeyCode::Enter => app.pick_signal(i),
                KeyCode::Char(c) if c.is_ascii_digit() => {
                    // Typing a number jumps to it: "9" SIGKILL, "1" "5" SIGTERM.
                    let d = c as usize - '0' as usize;
                    let cur = SIGNALS[i].0 as usize;
                    let n = if cur * 10 + d <= SIGNALS.len() && cur < 10 && i != SIGTERM_INDEX {
                        cur * 10 + d
                    } else {
                        d
                    };
                    if (1..=SIGNALS.len()).contains(&n) {
                        app.mode = Mode::SignalPick(n - 1);
                    }
                }
                KeyCode::Esc | KeyCode::Char('q') => {
                    app.signal_target = None;
                    app.mode = app.base_mode();
                }
                _ => {}
            }
            Effect::Redraw
        }
        Mode::Confirm(_) => {
            match k.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => app.confirm(true),
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => app.confirm(false),
                _ => {}
            }
            Effect::Redraw
        }
        Mode::Columns(i) => match k.code {
            KeyCode::Up => {
                app.mode = Mode::Columns(i.saturating_sub(1));
                Effect::Redraw
            }
            KeyCode::Down => {
                app.mode = Mode::Columns((i + 1).min(Column::ALL.len() - 1));
                Effect::Redraw
            }
            KeyCode::Char(' ') | KeyCode::Enter => {
                app.toggle_column(Column::ALL[i]);
                Effect::Redraw
            }
            KeyCode::Char('q') => {
                app.quit = true;
                Effect::Redraw
            }
            KeyCode::Esc | KeyCode::Char('f') => {
                app.mode = Mode::Normal;
                // Newly shown columns may need attributes the last scan did not fetch.
                Effect::Refresh
            }
            _ => Effect::Redraw,
        },
        Mode::Detail => {
            let page = app.page.max(1) as isize;
            let d = app.detail.as_mut();
            match (k.code, d) {
                (KeyCode::Char('q') | KeyCode::F(10), _) => app.quit = true,
                (KeyCode::Esc | KeyCode::Backspace | KeyCode::Left, _) => {
                    app.mode = Mode::Normal;
                    app.detail = None;
                }
                (KeyCode::Char('k') | KeyCode::F(9), _) => app.ask_signal(),
                (KeyCode::Up, Some(d)) => d.scroll_by(-1, 1),
                (KeyCode::Down, Some(d)) => d.scroll_by(1, 1),
                (KeyCode::PageUp, Some(d)) => d.scroll_by(-page, 1),
                (KeyCode::PageDown, Some(d)) => d.scroll_by(page, 1),
                (KeyCode::Home, Some(d)) => d.scroll = 0,
                (KeyCode::End, Some(d)) => d.scroll = usize::MAX / 2,
                _ => {}
            }
            Effect::Redraw
        }
        Mode::Normal => normal_key(app, k),
    }
}

fn normal_key(app: &mut App, k: &KeyEvent) -> Effect {
    let page = app.page.max(1) as isize;
    match k.code {
        KeyCode::Char('q') | KeyCode::F(10) => app.quit = true,
        KeyCode::Char('?') | KeyCode::Char('h') | KeyCode::F(1) => app.mode = Mode::Help,
        KeyCode::Up => app.move_selection(-1),
        KeyCode::Down => app.move_selection(1),
        KeyCode::PageUp => app.move_selection(-page),
        KeyCode::PageDown => app.move_selection(page),
        KeyCode::Home => app.select(0),
        KeyCode::End => app.select(app.view.len().saturating_sub(1)),
        KeyCode::Enter | KeyCode::Char('d') => open_detail(app),
        KeyCode::Char('/') => {
            app.search.clear();
            app.status = None;
            app.mode = Mode::Search;
        }
        KeyCode::Char('n') | KeyCode::F(3) => app.search_again(),
        KeyCode::Char('\\') | KeyCode::F(4) => {
            app.status = None;
            app.mode = Mode::Filter;
        }
        KeyCode::Char('u') => {
            app.user_input = app.user.clone().unwrap_or_default();
            app.user_typed = None;
            app.mode = Mode::User;
            // The user column may be hidden: fetch the names for Tab completion.
            return Effect::Refresh;
        }
        KeyCode::Char('t') | KeyCode::F(5) => {
            app.tree = !app.tree;
            app.rebuild_view();
        }
        KeyCode::Char('<') | KeyCode::Char(',') => {
            app.sort_step(-1);
            return Effect::Refresh;
        }
        KeyCode::Char('>') | KeyCode::Char('.') => {
            app.sort_step(1);
            return Effect::Refresh;
        }
        KeyCode::Char('P') => app.sort_by_keep(Column::Cpu),
        KeyCode::Char('M') => {
            app.sort_by_keep(Column::Mem);
            return Effect::Refresh;
        }
        KeyCode::Char('T') => app.sort_by_keep(Column::Time),
        KeyCode::Char('N') => app.sort_by_keep(Column::Pid),
        KeyCode::Char('I') => {
            app.descending = !app.descending;
            app.rebuild_view();
        }
        KeyCode::Char('f') | KeyCode::F(2) => app.mode = Mode::Columns(0),
        KeyCode::Char('k') | KeyCode::F(9) => app.ask_signal(),
        KeyCode::Char('K') => app.ask_kill(),
        KeyCode::Char('+') | KeyCode::Char(']') | KeyCode::F(8) => app.renice_selected(1),
        KeyCode::Char('-') | KeyCode::Char('[') | KeyCode::F(7) => app.renice_selected(-1),
        KeyCode::Char('z') => app.suspend_selected(true),
        KeyCode::Char('c') => app.suspend_selected(false),
        KeyCode::Char(' ') => return Effect::TogglePause,
        KeyCode::Char('r') => return Effect::Refresh,
        KeyCode::Esc => app.status = None,
        _ => {}
    }
    Effect::Redraw
}

fn mouse(app: &mut App, m: &MouseEvent) {
    match m.kind {
        MouseEventKind::ScrollDown => match (&app.mode, app.detail.as_mut()) {
            (Mode::Detail, Some(d)) => d.scroll_by(3, 1),
            _ => app.move_selection(3),
        },
        MouseEventKind::ScrollUp => match (&app.mode, app.detail.as_mut()) {
            (Mode::Detail, Some(d)) => d.scroll_by(-3, 1),
            _ => app.move_selection(-3),
        },
        MouseEventKind::Down(MouseButton::Left) if app.mode == Mode::Normal => {
            let g = &app.table_geom;
            if m.row == g.heading_y {
                if let Some(&(c, _, _)) = g.columns.iter().find(|(_, a, b)| m.column >= *a && m.column < *b) {
                    app.sort_by(c);
                }
            } else if m.row >= g.first_y && m.row < g.first_y + g.rows {
                let i = app.offset + (m.row - g.first_y) as usize;
                if i < app.view.len() {
                    app.select(i);
                }
            }
        }
        _ => {}
    }
}

impl App {
    /// Tab in the user prompt: the next user name (in name order) of the listed
    /// processes that starts with what was typed before the first Tab.
    fn complete_user(&mut self) {
        let mut users: Vec<&str> = self
            .rows()
            .iter()
            .map(|r| r.user.as_str())
            .filter(|u| !u.is_empty())
            .collect();
        users.sort_unstable();
        users.dedup();
        // What was typed: the input, unless it is itself a completion.
        let typed = match &self.user_typed {
            Some(t) if users.contains(&self.user_input.as_str()) => t.clone(),
            _ => self.user_input.clone(),
        };
        let matching: Vec<&str> = users
            .into_iter()
            .filter(|u| u.starts_with(typed.as_str()))
            .collect();
        if matching.is_empty() {
            return;
        }
        let next = match matching.iter().position(|u| *u == self.user_input) {
            Some(i) => matching[(i + 1) % matching.len()],
            None => matching[0],
        };
        self.user_input = next.to_string();
        self.user_typed = Some(typed);
    }

    /// The next match of the last search, or a message that there is none.
    fn search_again(&mut self) {
        if !self.search_next(false, true) && !self.search.is_empty() {
            self.say(format!("no match for \"{}\"", self.search), true);
        }
    }

    /// Asks to confirm SIGKILL for the selected process.
    fn ask_kill(&mut self) {
        self.signal_target = None;
        if self.selected_row().is_some() {
            self.pick_signal(8);
        }
    }

    /// Sorts by `c`, largest first for the usage columns, without flipping when it
    /// is already the sort column (the `P`, `M`, `T`, `N` keys).
    pub fn sort_by_keep(&mut self, c: Column) {
        self.sort = c;
        self.descending = c.default_descending();
        self.rebuild_view();
    }
}
