//! Aligned text tables: a header row and data rows, each column padded to its widest
//! cell. Numbers are right-aligned, text left-aligned; the last column is never padded
//! (no trailing blanks). Lines are cut to the terminal's width only when a width is
//! given (standard output is a terminal); piped output is never truncated.

use std::fmt::Write as _;

/// How a column's cells line up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// Padded on the right (text).
    Left,
    /// Padded on the left (numbers, sizes).
    Right,
}

/// A table being built.
#[derive(Debug, Default)]
pub struct Table {
    heads: Vec<String>,
    align: Vec<Align>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers and alignments.
    pub fn new<S: Into<String>>(cols: impl IntoIterator<Item = (S, Align)>) -> Table {
        let mut t = Table::default();
        for (h, a) in cols {
            t.heads.push(h.into());
            t.align.push(a);
        }
        t
    }

    /// Appends a row (missing cells are blank, extra cells are dropped).
    pub fn row(&mut self, mut cells: Vec<String>) {
        cells.resize(self.heads.len(), String::new());
        self.rows.push(cells);
    }

    /// Renders the table; `width` cuts each line to that many characters.
    pub fn render(&self, width: Option<usize>) -> String {
        let n = self.heads.len();
        let mut widths: Vec<usize> = self.heads.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (w, c) in widths.iter_mut().zip(r) {
                *w = (*w).max(c.chars().count());
            }
        }
        let mut out = String::with_capacity((self.rows.len() + 1) * (widths.iter().sum::<usize>() + 2 * n));
        let mut line = String::new();
        for r in std::iter::once(&self.heads).chain(&self.rows) {
            line.clear();
            for (i, c) in r.iter().enumerate() {
                if i > 0 {
                    line.push(' ');
                }
                let pad = widths[i].saturating_sub(c.chars().count());
                let last = i + 1 == n;
                match self.align[i] {
                    Align::Right => {
                        line.extend(std::iter::repeat(' ').take(pad));
                        line.push_str(c);
                    }
                    Align::Left => {
                        line.push_str(c);
                        if !last {
                            line.extend(std::iter::repeat(' ').take(pad));
                        }
                    }
                }
            }
            let kept = line.trim_end();
            match width {
                Some(w) if kept.chars().count() > w => {
                    out.extend(kept.chars().take(w));
                }
                _ => out.push_str(kept),
            }
            out.push('\n');
        }
        out
    }
}

/// A right-aligned percentage with one decimal (`12.3`).
pub fn pct(v: f64) -> String {
    let mut s = String::new();
    let _ = write!(s, "{v:.1}");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_and_nothing_trails() {
        let mut t = Table::new([("PID", Align::Right), ("NAME", Align::Left), ("CMD", Align::Left)]);
        t.row(vec!["1".into(), "init".into(), "/sbin/init splash".into()]);
        t.row(vec!["12345".into(), "x".into(), "".into()]);
        let s = t.render(None);
        assert_eq!(s, "  PID NAME CMD\n    1 init /sbin/init splash\n12345 x\n");
        // Cut only when a width is given.
        let cut = t.render(Some(8));
        assert_eq!(cut.lines().next(), Some("  PID NA"));
    }
}
