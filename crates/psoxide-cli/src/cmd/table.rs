//! Aligned text tables: a header row and data rows, each column padded to its widest
//! cell. Numbers are right-aligned, text left-aligned; the last column is never padded
//! (no trailing blanks). Lines are cut to the terminal's width only when a width is
//! given (standard output is a terminal); piped output is never truncated.
//!
//! Every cell's text is kept in one string (a cell is its end offset), so a table of
//! a thousand rows is two allocations that grow, not ten thousand small strings; and
//! cells can be written in place ([`Table::cell_with`]) instead of formatted into a
//! string of their own first.

use std::fmt::Write as _;
use std::io::Write;

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
    /// Every data cell's text, row after row.
    text: String,
    /// The end offset in `text` of each data cell (row `r`, column `c` is cell
    /// `r * columns + c`; its start is the previous cell's end).
    ends: Vec<usize>,
    /// The widest cell of each column so far, in characters (headers included).
    widths: Vec<usize>,
    /// Whether every cell is ASCII (a cell's width is then its length in bytes).
    ascii: bool,
    /// The column of the next cell.
    col: usize,
}

/// How [`Table::write`] lays the rows out.
#[derive(Clone, Copy, Debug, Default)]
pub struct Layout<'a> {
    /// Cut each line to this many characters (a terminal's width).
    pub width: Option<usize>,
    /// Leave out the header line.
    pub no_headers: bool,
    /// The rows to print and their depth in a tree, in this order (all rows in the
    /// order they were added when `None`).
    pub order: Option<&'a [(usize, usize)]>,
    /// The column indented by the depth (`\_ ` four characters deeper per level).
    pub indent: usize,
}

fn width_of(s: &str, ascii: bool) -> usize {
    if ascii {
        s.len()
    } else {
        s.chars().count()
    }
}

impl Table {
    /// A table with these column headers and alignments.
    pub fn new<S: Into<String>>(cols: impl IntoIterator<Item = (S, Align)>) -> Table {
        let mut t = Table {
            ascii: true,
            ..Table::default()
        };
        for (h, a) in cols {
            let h = h.into();
            t.widths.push(h.chars().count());
            t.heads.push(h);
            t.align.push(a);
        }
        t
    }

    /// Reserves room for `rows` more rows of about `bytes` bytes of text each.
    pub fn reserve(&mut self, rows: usize, bytes: usize) {
        self.ends.reserve(rows.saturating_mul(self.heads.len()));
        self.text.reserve(rows.saturating_mul(bytes));
    }

    /// The number of complete data rows.
    pub fn len(&self) -> usize {
        self.ends.len().checked_div(self.heads.len()).unwrap_or(0)
    }

    /// Appends a row (missing cells are blank, extra cells are dropped).
    pub fn row(&mut self, cells: Vec<String>) {
        let n = self.heads.len();
        for c in cells.iter().take(n) {
            self.cell(c);
        }
        for _ in cells.len()..n {
            self.cell("");
        }
    }

    /// Appends one cell to the row being built (a row is complete after one cell per
    /// column).
    pub fn cell(&mut self, s: &str) {
        self.cell_with(|t| t.push_str(s));
    }

    /// Appends one cell whose text `f` writes at the end of the string it is given.
    pub fn cell_with(&mut self, f: impl FnOnce(&mut String)) {
        let start = self.text.len();
        f(&mut self.text);
        let s = &self.text[start..];
        if self.ascii && !s.is_ascii() {
            self.ascii = false;
        }
        let w = width_of(s, self.ascii);
        if let Some(m) = self.widths.get_mut(self.col) {
            *m = (*m).max(w);
        }
        self.col = if self.col + 1 >= self.heads.len() {
            0
        } else {
            self.col + 1
        };
        self.ends.push(self.text.len());
    }

    fn cell_text(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    /// Renders the table; `width` cuts each line to that many characters.
    pub fn render(&self, width: Option<usize>) -> String {
        let mut out = Vec::with_capacity(self.text.len() + self.ends.len() * 2 + 64);
        let layout = Layout {
            width,
            ..Layout::default()
        };
        // Writing into a Vec cannot fail.
        let _ = self.write(&mut out, &layout);
        String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }

    /// Writes the table to `out` as `layout` says.
    pub fn write(&self, out: &mut impl Write, layout: &Layout) -> std::io::Result<()> {
        let n = self.heads.len();
        if n == 0 {
            return Ok(());
        }
        let rows = self.len();
        let mut widths = self.widths.clone();
        let indent = |depth: usize| if depth == 0 { 0 } else { 4 * depth };
        if let Some(order) = layout.order {
            if let Some(w) = widths.get_mut(layout.indent) {
                for &(r, d) in order.iter().filter(|(r, d)| *d > 0 && *r < rows) {
                    *w = (*w).max(indent(d) + width_of(self.cell_text(r * n + layout.indent), self.ascii));
                }
            }
        }
        let mut line = String::new();
        let emit_line = |line: &mut String, out: &mut dyn Write| -> std::io::Result<()> {
            line.truncate(line.trim_end().len());
            if let Some(w) = layout.width {
                if width_of(line, self.ascii && line.is_ascii()) > w {
                    let cut = line.char_indices().nth(w).map_or(line.len(), |(i, _)| i);
                    line.truncate(cut);
                }
            }
            line.push('\n');
            out.write_all(line.as_bytes())
        };
        let put = |line: &mut String, i: usize, c: &str, prefix: usize, cw: usize| {
            if i > 0 {
                line.push(' ');
            }
            let pad = widths[i].saturating_sub(cw + prefix);
            let last = i + 1 == n;
            if self.align[i] == Align::Right {
                push_spaces(line, pad);
            }
            if prefix > 0 {
                push_spaces(line, prefix - 3);
                line.push_str("\\_ ");
            }
            line.push_str(c);
            if self.align[i] == Align::Left && !last {
                push_spaces(line, pad);
            }
        };
        if !layout.no_headers {
            for (i, h) in self.heads.iter().enumerate() {
                put(&mut line, i, h, 0, h.chars().count());
            }
            emit_line(&mut line, out)?;
        }
        let mut one = |r: usize, depth: usize, out: &mut dyn Write| -> std::io::Result<()> {
            line.clear();
            for i in 0..n {
                let c = self.cell_text(r * n + i);
                let prefix = if i == layout.indent { indent(depth) } else { 0 };
                put(&mut line, i, c, prefix, width_of(c, self.ascii));
            }
            emit_line(&mut line, out)
        };
        match layout.order {
            Some(order) => {
                for &(r, d) in order.iter().filter(|(r, _)| *r < rows) {
                    one(r, d, out)?;
                }
            }
            None => {
                for r in 0..rows {
                    one(r, 0, out)?;
                }
            }
        }
        Ok(())
    }
}

/// Appends `n` blanks, a slice of them at a time.
fn push_spaces(out: &mut String, mut n: usize) {
    const BLANKS: &str = "                                                                ";
    while n > 0 {
        let k = n.min(BLANKS.len());
        out.push_str(&BLANKS[..k]);
        n -= k;
    }
}

/// A right-aligned percentage with one decimal (`12.3`).
pub fn pct(v: f64) -> String {
    let mut s = String::new();
    push_one_decimal(&mut s, v);
    s
}

/// Appends an integer in decimal (`itoa`: no formatter machinery, which a table of a
/// thousand rows would otherwise run ten thousand times).
pub fn push_int(out: &mut String, n: impl itoa::Integer) {
    out.push_str(itoa::Buffer::new().format(n));
}

/// Appends `n` (below 100) as two digits, zero-padded.
pub fn push_2digits(out: &mut String, n: u64) {
    if n < 10 {
        out.push('0');
    }
    push_int(out, n);
}

/// Appends `v` with one decimal, exactly as `format!("{v:.1}")` (the exact binary
/// value rounded half to even). Values in the usual range whose tenths are not within
/// a hair of a tie are rounded with integer arithmetic; the rest go through the
/// formatter.
pub fn push_one_decimal(out: &mut String, v: f64) {
    let t = v * 10.0;
    if v.is_sign_positive() && t < 1e9 {
        let r = t.round();
        // Below 1e9, `t` is within 1.2e-7 of the exact 10 * v (half a unit in the
        // last place), so away from the midpoints the nearest integer is the same
        // for both. (-0.0 and NaN go to the formatter.)
        if ((t - t.trunc()) - 0.5).abs() > 1e-6 {
            let r = r as u64;
            push_int(out, r / 10);
            out.push('.');
            push_int(out, r % 10);
            return;
        }
    }
    let _ = write!(out, "{v:.1}");
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

    #[test]
    fn one_decimal_is_the_formatter_s() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut cases = vec![
            0.0,
            0.05,
            0.15,
            0.25,
            0.35,
            1.45,
            2.5,
            99.95,
            100.0,
            0.049_999_999,
            1e14,
            5e14,
            -0.0,
            -1.25,
            f64::NAN,
            f64::INFINITY,
        ];
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            cases.push((x >> 11) as f64 / (1u64 << 53) as f64 * 100.0);
            // Exact tenths and midpoints, the hard cases.
            cases.push((x % 20_000) as f64 / 20.0);
            cases.push((x % 20_000) as f64 / 200.0);
        }
        for v in cases {
            let mut s = String::new();
            push_one_decimal(&mut s, v);
            assert_eq!(s, format!("{v:.1}"), "{v:e}");
        }
        let mut s = String::new();
        push_2digits(&mut s, 7);
        push_2digits(&mut s, 42);
        push_int(&mut s, -3i64);
        assert_eq!(s, "0742-3");
    }

    #[test]
    fn short_and_long_rows_are_padded_and_cut() {
        let mut t = Table::new([("A", Align::Left), ("B", Align::Right)]);
        t.row(vec!["x".into()]);
        t.row(vec!["y".into(), "22".into(), "dropped".into()]);
        assert_eq!(t.len(), 2);
        assert_eq!(t.render(None), "A  B\nx\ny 22\n");
    }

    #[test]
    fn wide_characters_count_as_one_column_each() {
        let mut t = Table::new([("N", Align::Left), ("X", Align::Right)]);
        t.cell("é");
        t.cell("1");
        t.cell_with(|s| s.push_str("ab"));
        t.cell_with(|s| {
            let _ = write!(s, "{}", 22);
        });
        assert_eq!(t.render(None), "N   X\né   1\nab 22\n");
        // Cutting counts characters, not bytes.
        assert_eq!(t.render(Some(2)).lines().nth(1), Some("é "));
    }

    #[test]
    fn rows_follow_the_given_order_with_the_tree_indent() {
        let mut t = Table::new([("PID", Align::Right), ("CMD", Align::Left)]);
        for (p, c) in [("1", "init"), ("2", "child"), ("3", "grandchild")] {
            t.cell(p);
            t.cell(c);
        }
        let order = [(0, 0), (2, 2), (1, 1)];
        let mut out = Vec::new();
        let layout = Layout {
            order: Some(&order),
            indent: 1,
            no_headers: true,
            ..Layout::default()
        };
        t.write(&mut out, &layout).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            // The header still sets the widths (as when it is printed).
            "  1 init\n  3      \\_ grandchild\n  2  \\_ child\n"
        );
    }
}
