//! The configuration file: process-exporter's YAML shape (`process_names:` with
//! `name`, `comm`, `exe`, `cmdline`) plus psoxide's `user` and `cgroup` matchers and
//! the exporter's own settings. Every error names the line (and column) of the bad
//! entry.

use regex::Regex;
use serde::de::{self, Deserializer};
use serde::Deserialize;
use std::fmt;
use std::path::Path;

/// The parsed configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// The process-group recipes, first match wins.
    pub process_names: Vec<GroupRule>,
    /// Whether a process that matches no recipe joins the group of its nearest
    /// tracked ancestor (process-exporter's `-children`, default true).
    pub children: bool,
    /// Whether to read `smaps_rollup` for the `proportionalResident` and
    /// `proportionalSwapped` memory types
    /// (process-exporter's `-gather-smaps`; default false here: it is the most
    /// expensive file of a scan).
    pub gather_smaps: bool,
    /// The most process groups exported; processes that would make more groups are
    /// not tracked and are counted in `psoxide_exporter_untracked_processes`.
    pub max_groups: usize,
    /// Container (cgroup v2) settings.
    pub cgroups: CgroupConfig,
    /// Host-collector filters.
    pub node: NodeConfig,
}

/// Which cgroups get their own series.
#[derive(Clone, Debug)]
pub struct CgroupConfig {
    /// How many levels below the cgroup2 root to export (0: the root only; default 2).
    pub depth: usize,
    /// Only cgroups whose path matches one of these (all when empty).
    pub include: Vec<Regex>,
    /// The most cgroups exported (default 200).
    pub max: usize,
}

/// Filters of the host collectors (node_exporter's flags, with Debian's defaults).
#[derive(Clone, Debug)]
pub struct NodeConfig {
    /// Mount points left out of `node_filesystem_*`.
    pub mount_points_exclude: Regex,
    /// File-system types left out of `node_filesystem_*`.
    pub fs_types_exclude: Regex,
    /// Interfaces left out of `node_network_*`.
    pub netdev_device_exclude: Regex,
    /// Block devices left out of `node_disk_*`.
    pub diskstats_device_exclude: Regex,
}

/// Debian's node_exporter default for `--collector.filesystem.mount-points-exclude`.
pub const MOUNT_POINTS_EXCLUDE: &str =
    r"^/(dev|proc|run|sys|mnt|media|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)";
/// node_exporter's default for `--collector.filesystem.fs-types-exclude`.
pub const FS_TYPES_EXCLUDE: &str = r"^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs)$";
/// Debian's node_exporter default for `--collector.netdev.device-exclude`.
pub const NETDEV_DEVICE_EXCLUDE: &str = r"^lo$";
/// node_exporter's default for `--collector.diskstats.device-exclude`.
pub const DISKSTATS_DEVICE_EXCLUDE: &str = r"^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$";

/// The configuration used without `--config`: one group per command name (`comm`)
/// for every process with a command line (kernel threads are left out).
pub const DEFAULT_CONFIG: &str = "process_names:\n  - name: \"{{.Comm}}\"\n    cmdline:\n      - '.+'\n";

/// One `process_names` entry: the matchers (all given kinds must match) and the
/// group-name template.
#[derive(Clone, Debug)]
pub struct GroupRule {
    /// The name template (default `{{.ExeBase}}`).
    pub name: Template,
    /// `comm` values (exact, any of them).
    pub comm: Option<Vec<String>>,
    /// `exe` values: with a `/`, argv\[0\] must equal it; without, argv\[0\]'s base name.
    pub exe: Option<Vec<String>>,
    /// `cmdline` regexes, all must match the space-joined argv; named captures feed
    /// `{{.Matches.NAME}}`.
    pub cmdline: Option<Vec<Regex>>,
    /// `user` names (the process's user, exact, any of them). psoxide's addition.
    pub user: Option<Vec<String>>,
    /// `cgroup` regexes (any of them) on the cgroup v2 path. psoxide's addition.
    pub cgroup: Option<Vec<Regex>>,
    /// The line of the entry in the file.
    pub line: usize,
}

/// One piece of a name template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    /// Literal text.
    Text(String),
    /// `{{.Comm}}`: the kernel's command name (15 bytes at most).
    Comm,
    /// `{{.ExeBase}}`: base name of argv\[0\] (the command name without argv).
    ExeBase,
    /// `{{.ExeFull}}`: argv\[0\] (the command name without argv).
    ExeFull,
    /// `{{.Username}}`: the process's user name.
    Username,
    /// `{{.PID}}`: the process ID (unbounded cardinality).
    Pid,
    /// `{{.StartTime}}`: the start time (unbounded cardinality).
    StartTime,
    /// `{{.Cgroups}}`: the cgroup v2 path.
    Cgroups,
    /// `{{.Matches.NAME}}`: a named capture of the `cmdline` regexes.
    Match(String),
}

/// A parsed name template (Go template syntax, field references only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template(pub Vec<Piece>);

impl Template {
    /// Parses `{{.Field}}` references and literal text.
    pub fn parse(s: &str) -> Result<Template, String> {
        let mut out = Vec::new();
        let mut rest = s;
        while let Some(i) = rest.find("{{") {
            if i > 0 {
                out.push(Piece::Text(rest[..i].to_string()));
            }
            let after = &rest[i + 2..];
            let j = after
                .find("}}")
                .ok_or_else(|| format!("bad name template {s:?}: `{{{{` without `}}}}`"))?;
            let field = after[..j].trim();
            let piece = match field {
                ".Comm" => Piece::Comm,
                ".ExeBase" => Piece::ExeBase,
                ".ExeFull" => Piece::ExeFull,
                ".Username" => Piece::Username,
                ".PID" => Piece::Pid,
                ".StartTime" => Piece::StartTime,
                ".Cgroups" => Piece::Cgroups,
                f => match f.strip_prefix(".Matches.") {
                    Some(name)
                        if !name.is_empty()
                            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
                    {
                        Piece::Match(name.to_string())
                    }
                    _ => {
                        return Err(format!(
                            "bad name template {s:?}: unknown field {{{{{f}}}}}; accepted: .Comm, .ExeBase, \
                             .ExeFull, .Username, .PID, .StartTime, .Cgroups, .Matches.NAME"
                        ))
                    }
                },
            };
            out.push(piece);
            rest = &after[j + 2..];
        }
        if !rest.is_empty() {
            out.push(Piece::Text(rest.to_string()));
        }
        Ok(Template(out))
    }

    /// Whether the template can name many groups per recipe (PID or start time).
    pub fn per_process(&self) -> bool {
        self.0.iter().any(|p| matches!(p, Piece::Pid | Piece::StartTime))
    }
}

/// A configuration error, with the file and line where known.
#[derive(Debug)]
pub struct ConfigError {
    /// The file (or `<default>`).
    pub file: String,
    /// 1-based line of the bad entry, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub msg: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}: {}", self.file, l, self.msg),
            None => write!(f, "{}: {}", self.file, self.msg),
        }
    }
}

impl std::error::Error for ConfigError {}

/// A regex that compiles while the YAML is read, so that a bad one is reported at
/// its own line.
#[derive(Clone, Debug)]
struct Re(Regex);

impl<'de> Deserialize<'de> for Re {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Regex::new(&s)
            .map(Re)
            .map_err(|e| de::Error::custom(format!("bad regex {s:?}: {e}")))
    }
}

#[derive(Clone, Debug)]
struct Tmpl(Template);

impl<'de> Deserialize<'de> for Tmpl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Template::parse(&s).map(Tmpl).map_err(de::Error::custom)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    name: Option<Tmpl>,
    comm: Option<Vec<String>>,
    exe: Option<Vec<String>>,
    cmdline: Option<Vec<Re>>,
    user: Option<Vec<String>>,
    cgroup: Option<Vec<Re>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawCgroups {
    depth: Option<usize>,
    include: Option<Vec<Re>>,
    max: Option<usize>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawNode {
    mount_points_exclude: Option<Re>,
    fs_types_exclude: Option<Re>,
    netdev_device_exclude: Option<Re>,
    diskstats_device_exclude: Option<Re>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    process_names: Option<Vec<RawGroup>>,
    children: Option<bool>,
    gather_smaps: Option<bool>,
    max_groups: Option<usize>,
    cgroups: Option<RawCgroups>,
    node: Option<RawNode>,
}

impl Config {
    /// Reads and checks the file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: file.clone(),
            line: None,
            msg: format!("cannot read the configuration: {e}"),
        })?;
        Config::parse(&text, &file)
    }

    /// The configuration used without `--config` ([`DEFAULT_CONFIG`]).
    pub fn default_config() -> Config {
        match Config::parse(DEFAULT_CONFIG, "<default>") {
            Ok(c) => c,
            // DEFAULT_CONFIG is a constant checked by the unit tests.
            Err(_) => Config {
                process_names: Vec::new(),
                children: true,
                gather_smaps: false,
                max_groups: 1000,
                cgroups: CgroupConfig {
                    depth: 2,
                    include: Vec::new(),
                    max: 200,
                },
                node: NodeConfig::defaults(),
            },
        }
    }

    /// Parses YAML `text` read from `file` (named in errors).
    pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
        let err = |line: Option<usize>, msg: String| ConfigError {
            file: file.to_string(),
            line,
            msg,
        };
        let raw: RawConfig = serde_norway::from_str(text).map_err(|e| {
            let line = e.location().map(|l| l.line());
            // The library's message ends with "at line N column M"; the line is given
            // in front instead.
            let msg = e.to_string();
            let msg = match msg.rfind(" at line ") {
                Some(i) if line.is_some() => msg[..i].to_string(),
                _ => msg,
            };
            err(line, msg)
        })?;
        let lines = entry_lines(text);
        let mut process_names = Vec::new();
        for (i, g) in raw.process_names.unwrap_or_default().into_iter().enumerate() {
            let line = lines.get(i).copied();
            if g.comm.is_none()
                && g.exe.is_none()
                && g.cmdline.is_none()
                && g.user.is_none()
                && g.cgroup.is_none()
            {
                return Err(err(
                    line,
                    format!(
                        "process_names entry {}: no matchers provided; give at least one of comm, exe, cmdline, user, cgroup",
                        i + 1
                    ),
                ));
            }
            let name = match g.name {
                Some(t) => t.0,
                None => Template(vec![Piece::ExeBase]),
            };
            let cmdline: Option<Vec<Regex>> = g.cmdline.map(|v| v.into_iter().map(|r| r.0).collect());
            for piece in &name.0 {
                if let Piece::Match(m) = piece {
                    let known = cmdline
                        .iter()
                        .flatten()
                        .any(|r| r.capture_names().flatten().any(|n| n == m));
                    if !known {
                        return Err(err(
                            line,
                            format!("process_names entry {}: the name uses {{{{.Matches.{m}}}}} but no cmdline regex has a group (?P<{m}>...)", i + 1),
                        ));
                    }
                }
            }
            process_names.push(GroupRule {
                name,
                comm: g.comm,
                exe: g.exe,
                cmdline,
                user: g.user,
                cgroup: g.cgroup.map(|v| v.into_iter().map(|r| r.0).collect()),
                line: line.unwrap_or(0),
            });
        }
        let c = raw.cgroups.unwrap_or_default();
        let n = raw.node.unwrap_or_default();
        let d = NodeConfig::defaults();
        let max_groups = raw.max_groups.unwrap_or(1000);
        if max_groups == 0 {
            return Err(err(
                find_key_line(text, "max_groups"),
                "max_groups must be at least 1".into(),
            ));
        }
        Ok(Config {
            process_names,
            children: raw.children.unwrap_or(true),
            gather_smaps: raw.gather_smaps.unwrap_or(false),
            max_groups,
            cgroups: CgroupConfig {
                depth: c.depth.unwrap_or(2),
                include: c.include.unwrap_or_default().into_iter().map(|r| r.0).collect(),
                max: c.max.unwrap_or(200),
            },
            node: NodeConfig {
                mount_points_exclude: n.mount_points_exclude.map_or(d.mount_points_exclude, |r| r.0),
                fs_types_exclude: n.fs_types_exclude.map_or(d.fs_types_exclude, |r| r.0),
                netdev_device_exclude: n.netdev_device_exclude.map_or(d.netdev_device_exclude, |r| r.0),
                diskstats_device_exclude: n
                    .diskstats_device_exclude
                    .map_or(d.diskstats_device_exclude, |r| r.0),
            },
        })
    }
}

impl NodeConfig {
    /// The default filters (the constants of this module).
    pub fn defaults() -> NodeConfig {
        // The constants are valid regexes (unit-tested); `Regex::new("")` cannot fail.
        #[allow(clippy::expect_used)]
        let re = |s: &str| Regex::new(s).expect("the default filters are valid regexes (unit-tested)");
        NodeConfig {
            mount_points_exclude: re(MOUNT_POINTS_EXCLUDE),
            fs_types_exclude: re(FS_TYPES_EXCLUDE),
            netdev_device_exclude: re(NETDEV_DEVICE_EXCLUDE),
            diskstats_device_exclude: re(DISKSTATS_DEVICE_EXCLUDE),
        }
    }
}

/// The 1-based line of each item of the top-level `process_names:` list, in order.
fn entry_lines(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut inside = false;
    let mut item_indent: Option<usize> = None;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        if indent == 0 && !trimmed.starts_with('-') {
            inside = trimmed.starts_with("process_names:");
            item_indent = None;
            continue;
        }
        if !inside {
            continue;
        }
        if trimmed.starts_with("- ") || trimmed == "-" {
            match item_indent {
                None => {
                    item_indent = Some(indent);
                    out.push(i + 1);
                }
                Some(n) if n == indent => out.push(i + 1),
                _ => {}
            }
        }
    }
    out
}

/// The 1-based line where top-level `key:` appears.
fn find_key_line(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| l.starts_with(key) && l[key.len()..].trim_start().starts_with(':'))
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(t: &str) -> Result<Config, ConfigError> {
        Config::parse(t, "test.yml")
    }

    #[test]
    fn default_config_parses() {
        let c = parse(DEFAULT_CONFIG).unwrap();
        assert_eq!(c.process_names.len(), 1);
        assert_eq!(c.process_names[0].name, Template(vec![Piece::Comm]));
        assert!(c.children);
        assert!(!c.gather_smaps);
        for r in [
            MOUNT_POINTS_EXCLUDE,
            FS_TYPES_EXCLUDE,
            NETDEV_DEVICE_EXCLUDE,
            DISKSTATS_DEVICE_EXCLUDE,
        ] {
            Regex::new(r).unwrap();
        }
    }

    #[test]
    fn process_exporter_example() {
        let c = parse(
            "process_names:\n  - comm:\n    - bash\n  - exe:\n    - postgres\n    - /usr/local/bin/prometheus\n  - name: \"{{.ExeFull}}:{{.Matches.Cfgfile}}\"\n    exe:\n    - /usr/local/bin/process-exporter\n    cmdline:\n    - -config.path\\s+(?P<Cfgfile>\\S+)\n  - user: [root]\n    cgroup: ['^/system.slice/']\n    name: '{{.Username}}-{{.Cgroups}}'\n",
        )
        .unwrap();
        assert_eq!(c.process_names.len(), 4);
        assert_eq!(
            c.process_names.iter().map(|g| g.line).collect::<Vec<_>>(),
            vec![2, 4, 7, 12]
        );
        assert_eq!(c.process_names[0].name, Template(vec![Piece::ExeBase]));
        assert_eq!(
            c.process_names[2].name,
            Template(vec![
                Piece::ExeFull,
                Piece::Text(":".into()),
                Piece::Match("Cfgfile".into())
            ])
        );
    }

    #[test]
    fn errors_name_the_line() {
        let cases: [(&str, usize, &str); 7] = [
            (
                "process_names:\n  - comm: [a]\n  - cmdline:\n    - '(unclosed'\n",
                4,
                "bad regex",
            ),
            (
                "process_names:\n  - comm: [a]\n  - name: '{{.Nope}}'\n    comm: [b]\n",
                3,
                "unknown field",
            ),
            ("process_names:\n  - comm: [a]\n  - name: x\n", 3, "no matchers"),
            (
                "process_names:\n  - comm: [a]\n    bogus: 1\n",
                3,
                "unknown field",
            ),
            ("children: maybe\n", 1, "invalid type"),
            (
                "process_names:\n  - comm: [a]\n  - name: '{{.Matches.x}}'\n    cmdline: ['a']\n",
                3,
                "Matches.x",
            ),
            ("node:\n  fs_types_exclude: '['\n", 2, "bad regex"),
        ];
        for (text, line, what) in cases {
            let e = parse(text).unwrap_err();
            assert_eq!(e.line, Some(line), "{text:?}: {e}");
            assert!(e.to_string().contains(what), "{text:?}: {e}");
            assert!(e.to_string().starts_with(&format!("test.yml:{line}: ")), "{e}");
        }
    }

    #[test]
    fn templates() {
        assert_eq!(Template::parse("a{{ .PID }}b").unwrap().0.len(), 3);
        assert!(Template::parse("{{.PID}}").unwrap().per_process());
        assert!(Template::parse("{{.Comm").is_err());
        assert!(Template::parse("{{.Matches.}}").is_err());
    }
}
