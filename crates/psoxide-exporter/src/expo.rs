//! The exposition: metric families collected during one scrape, written in the
//! Prometheus text format 0.0.4 or in OpenMetrics 1.0.

use std::collections::HashMap;
use std::fmt::Write as _;

/// The type of a metric family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A monotonic counter (name ends in `_total` for new families).
    Counter,
    /// A value that goes up and down.
    Gauge,
    /// No type given (node_exporter's vmstat fields).
    Untyped,
}

/// One sample: its label pairs (in family order) and its value.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// `(name, value)` label pairs.
    pub labels: Vec<(&'static str, String)>,
    /// The value.
    pub value: f64,
}

/// A metric family: name, help text, type and samples.
#[derive(Clone, Debug, PartialEq)]
pub struct Family {
    /// The metric name (also the sample name).
    pub name: String,
    /// The help text (one line).
    pub help: String,
    /// The type.
    pub kind: Kind,
    /// The samples, in the order they were added.
    pub samples: Vec<Sample>,
}

/// The families of one scrape, in the order they were first added.
#[derive(Clone, Debug, Default)]
pub struct Exposition {
    families: Vec<Family>,
    index: HashMap<String, usize>,
}

/// The content type of the Prometheus text format.
pub const TEXT_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";
/// The content type of OpenMetrics 1.0.
pub const OPENMETRICS_CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

impl Exposition {
    /// An empty exposition.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one sample to family `name`, creating the family (with `help` and `kind`)
    /// on first use. A sample whose label set the family already has is dropped (the
    /// formats forbid duplicates); returns whether it was added.
    pub fn add(
        &mut self,
        name: &str,
        help: &str,
        kind: Kind,
        labels: Vec<(&'static str, String)>,
        value: f64,
    ) -> bool {
        let i = match self.index.get(name) {
            Some(&i) => i,
            None => {
                self.families.push(Family {
                    name: name.to_string(),
                    help: help.to_string(),
                    kind,
                    samples: Vec::new(),
                });
                self.index.insert(name.to_string(), self.families.len() - 1);
                self.families.len() - 1
            }
        };
        let fam = &mut self.families[i];
        if fam.samples.iter().any(|s| s.labels == labels) {
            return false;
        }
        fam.samples.push(Sample { labels, value });
        true
    }

    /// The families collected so far.
    pub fn families(&self) -> &[Family] {
        &self.families
    }

    /// The family called `name`, if any.
    pub fn family(&self, name: &str) -> Option<&Family> {
        self.index.get(name).map(|&i| &self.families[i])
    }

    /// Writes the Prometheus text format 0.0.4.
    pub fn render_text(&self) -> String {
        let mut out = String::with_capacity(64 * 1024);
        for f in &self.families {
            if f.samples.is_empty() {
                continue;
            }
            let kind = match f.kind {
                Kind::Counter => "counter",
                Kind::Gauge => "gauge",
                Kind::Untyped => "untyped",
            };
            let _ = writeln!(out, "# HELP {} {}", f.name, escape_help(&f.help));
            let _ = writeln!(out, "# TYPE {} {kind}", f.name);
            for s in &f.samples {
                write_sample(&mut out, &f.name, s);
            }
        }
        out
    }

    /// Writes OpenMetrics 1.0 text. A counter named `x_total` becomes family `x` with
    /// sample `x_total`; a counter without that suffix is written as `unknown` so
    /// that its sample keeps the same name as in the text format.
    pub fn render_openmetrics(&self) -> String {
        let mut out = String::with_capacity(64 * 1024);
        for f in &self.families {
            if f.samples.is_empty() {
                continue;
            }
            let (family, kind) = match f.kind {
                Kind::Counter => match f.name.strip_suffix("_total") {
                    Some(base) => (base, "counter"),
                    None => (f.name.as_str(), "unknown"),
                },
                Kind::Gauge => (f.name.as_str(), "gauge"),
                Kind::Untyped => (f.name.as_str(), "unknown"),
            };
            let _ = writeln!(out, "# TYPE {family} {kind}");
            let _ = writeln!(out, "# HELP {family} {}", escape_om(&f.help));
            for s in &f.samples {
                write_sample(&mut out, &f.name, s);
            }
        }
        out.push_str("# EOF\n");
        out
    }
}

fn write_sample(out: &mut String, name: &str, s: &Sample) {
    out.push_str(name);
    if !s.labels.is_empty() {
        out.push('{');
        for (i, (k, v)) in s.labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(k);
            out.push_str("=\"");
            out.push_str(&escape_label(v));
            out.push('"');
        }
        out.push('}');
    }
    out.push(' ');
    out.push_str(&format_value(s.value));
    out.push('\n');
}

/// A float as both formats spell it: `NaN`, `+Inf`, `-Inf`, integers without a
/// fraction, others in Rust's shortest round-trip form.
pub fn format_value(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_string()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.to_string()
    } else if v == v.trunc() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let plain = format!("{v}");
        if plain.len() <= 24 {
            plain
        } else {
            format!("{v:e}")
        }
    }
}

fn escape_help(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\n', "\\n")
}

fn escape_om(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\n', "\\n").replace('"', "\\\"")
}

/// Escapes a label value (`\`, `"` and newline), as both formats require.
pub fn escape_label(s: &str) -> String {
    if !s.contains(['\\', '"', '\n']) {
        return s.to_string();
    }
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Replaces every character not allowed in a metric name (`[a-zA-Z0-9_:]`, no leading
/// digit) with `_`.
pub fn sanitize_name(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == ':' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// Whether `Accept` asks for OpenMetrics (any `application/openmetrics-text` entry
/// whose quality is not 0, preferred when its quality is at least the text format's).
pub fn wants_openmetrics(accept: &str) -> bool {
    let mut om_q: Option<f32> = None;
    let mut text_q: f32 = 0.0;
    for part in accept.split(',') {
        let mut it = part.split(';');
        let media = it.next().unwrap_or("").trim().to_ascii_lowercase();
        let mut q = 1.0f32;
        for p in it {
            if let Some(v) = p.trim().strip_prefix("q=") {
                q = v.trim().parse().unwrap_or(0.0);
            }
        }
        if media == "application/openmetrics-text" {
            om_q = Some(om_q.map_or(q, |o: f32| o.max(q)));
        } else if media == "text/plain" || media == "*/*" || media == "text/*" {
            text_q = text_q.max(q);
        }
    }
    matches!(om_q, Some(q) if q > 0.0 && q >= text_q)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_exposition() -> Exposition {
        let mut e = Exposition::new();
        e.add("node_load1", "1m load average.", Kind::Gauge, vec![], 0.5);
        e.add(
            "node_cpu_seconds_total",
            "Seconds the CPUs spent in each mode.",
            Kind::Counter,
            vec![("cpu", "0".into()), ("mode", "idle".into())],
            12.25,
        );
        e.add(
            "node_vmstat_pgpgin",
            "/proc/vmstat information field pgpgin.",
            Kind::Untyped,
            vec![],
            7.0,
        );
        e.add(
            "x_errors",
            "a \\ help\nline",
            Kind::Counter,
            vec![("l", "a\"b\\c\nd".into())],
            f64::INFINITY,
        );
        e
    }

    #[test]
    fn text_format() {
        let t = sample_exposition().render_text();
        let want = "# HELP node_load1 1m load average.\n# TYPE node_load1 gauge\nnode_load1 0.5\n\
# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.\n# TYPE node_cpu_seconds_total counter\n\
node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 12.25\n\
# HELP node_vmstat_pgpgin /proc/vmstat information field pgpgin.\n# TYPE node_vmstat_pgpgin untyped\nnode_vmstat_pgpgin 7\n\
# HELP x_errors a \\\\ help\\nline\n# TYPE x_errors counter\nx_errors{l=\"a\\\"b\\\\c\\nd\"} +Inf\n";
        assert_eq!(t, want);
    }

    #[test]
    fn openmetrics_format() {
        let t = sample_exposition().render_openmetrics();
        assert!(
            t.contains("# TYPE node_cpu_seconds counter\n# HELP node_cpu_seconds Seconds"),
            "{t}"
        );
        assert!(
            t.contains("\nnode_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 12.25\n"),
            "{t}"
        );
        assert!(t.contains("# TYPE node_vmstat_pgpgin unknown\n"), "{t}");
        assert!(t.contains("# TYPE x_errors unknown\n"), "{t}");
        assert!(t.ends_with("# EOF\n"));
    }

    #[test]
    fn duplicates_are_dropped() {
        let mut e = Exposition::new();
        assert!(e.add("a", "h", Kind::Gauge, vec![("x", "1".into())], 1.0));
        assert!(!e.add("a", "h", Kind::Gauge, vec![("x", "1".into())], 2.0));
        assert_eq!(e.family("a").unwrap().samples.len(), 1);
    }

    #[test]
    fn values() {
        assert_eq!(format_value(0.0), "0");
        assert_eq!(format_value(1796580782.0), "1796580782");
        assert_eq!(format_value(0.25), "0.25");
        assert_eq!(format_value(f64::NAN), "NaN");
        assert_eq!(format_value(f64::NEG_INFINITY), "-Inf");
        assert_eq!(format_value(1e300).parse::<f64>().unwrap(), 1e300);
        assert_eq!(format_value(1.5e-7).parse::<f64>().unwrap(), 1.5e-7);
    }

    #[test]
    fn accept_negotiation() {
        let prom = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert!(wants_openmetrics(prom));
        assert!(!wants_openmetrics("text/plain"));
        assert!(!wants_openmetrics("*/*"));
        assert!(!wants_openmetrics(""));
        assert!(!wants_openmetrics("application/openmetrics-text;q=0"));
        assert!(!wants_openmetrics(
            "application/openmetrics-text;q=0.2,text/plain"
        ));
    }

    #[test]
    fn names() {
        assert_eq!(sanitize_name("Active(anon)"), "Active_anon_");
        assert_eq!(sanitize_name("9a-b"), "_9a_b");
    }
}
