//! `psoxide netstat`: the system's sockets with the PID and program that own them
//! (psutil's net_connections(kind)).

use super::table::{Align, Table};
use super::{emit, emit_json, parse_pid, Fail, JsonArgs, Outcome};
use psoxide::{Addr, AddressFamily, ConnectionKind, ConnectionStatus, SocketKind};
use std::collections::HashMap;

/// Examples shown by `psoxide netstat --help`.
pub const EXAMPLES: &str = "Examples:
  psoxide netstat                       TCP and UDP sockets (kind inet)
  psoxide netstat --kind tcp --state LISTEN
  psoxide netstat -l                    listening sockets only (same as --state LISTEN)
  psoxide netstat --kind unix
  psoxide netstat --pid 1234            only the sockets of one process
  psoxide netstat --json                [sconn, ...] with psutil's fields plus \"name\"

Kinds (psutil's): all, tcp, tcp4, tcp6, udp, udp4, udp6, inet, inet4, inet6, unix.
States (psutil's): ESTABLISHED, SYN_SENT, SYN_RECV, FIN_WAIT1, FIN_WAIT2, TIME_WAIT,
CLOSE, CLOSE_WAIT, LAST_ACK, LISTEN, CLOSING, NONE (UDP and UNIX sockets).
Sockets of other users' processes show no PID unless run as root, as in psutil.";

const STATES: [ConnectionStatus; 12] = [
    ConnectionStatus::Established,
    ConnectionStatus::SynSent,
    ConnectionStatus::SynRecv,
    ConnectionStatus::FinWait1,
    ConnectionStatus::FinWait2,
    ConnectionStatus::TimeWait,
    ConnectionStatus::Close,
    ConnectionStatus::CloseWait,
    ConnectionStatus::LastAck,
    ConnectionStatus::Listen,
    ConnectionStatus::Closing,
    ConnectionStatus::None,
];

fn parse_kind(s: &str) -> Result<ConnectionKind, String> {
    s.parse::<ConnectionKind>().map_err(|e| e.to_string())
}

fn parse_state(s: &str) -> Result<ConnectionStatus, String> {
    let u = s.trim().to_ascii_uppercase();
    let u = u.strip_prefix("CONN_").unwrap_or(&u);
    STATES.into_iter().find(|st| st.value() == u).ok_or_else(|| {
        let names: Vec<&str> = STATES.iter().map(|s| s.value()).collect();
        format!("unknown state {s:?}; accepted: {}", names.join(", "))
    })
}

/// Options of `psoxide netstat`.
#[derive(clap::Args, Debug)]
pub struct NetstatArgs {
    /// Which sockets (psutil's kind).
    #[arg(short = 'k', long, default_value = "inet", value_parser = parse_kind)]
    kind: ConnectionKind,
    /// Only sockets in these states (comma-separated, case-insensitive).
    #[arg(short = 's', long, value_delimiter = ',', value_parser = parse_state)]
    state: Vec<ConnectionStatus>,
    /// Only listening sockets (--state LISTEN).
    #[arg(short = 'l', long)]
    listening: bool,
    /// Only the sockets of these PIDs (comma-separated).
    #[arg(short = 'p', long, value_delimiter = ',', value_parser = parse_pid, allow_hyphen_values = true)]
    pid: Vec<psoxide::Pid>,
    /// Show numeric addresses only (the only form; accepted for netstat habits).
    #[arg(short = 'n', long)]
    numeric: bool,
    #[command(flatten)]
    json: JsonArgs,
}

fn proto(family: AddressFamily, t: SocketKind) -> String {
    let base = match (family, t) {
        (AddressFamily::Unix, SocketKind::Stream) => return "unix/stream".into(),
        (AddressFamily::Unix, SocketKind::Dgram) => return "unix/dgram".into(),
        (AddressFamily::Unix, SocketKind::SeqPacket) => return "unix/seqpacket".into(),
        (AddressFamily::Unix, SocketKind::Other(n)) => return format!("unix/{n}"),
        (_, SocketKind::Stream) => "tcp",
        (_, SocketKind::Dgram) => "udp",
        (_, _) => "?",
    };
    match family {
        AddressFamily::Inet6 => format!("{base}6"),
        _ => base.into(),
    }
}

fn addr(a: &Addr) -> String {
    match a {
        Addr::Inet { port, .. } => match a.ip_text() {
            Some(ip) if ip.contains(':') => format!("[{ip}]:{port}"),
            Some(ip) => format!("{ip}:{port}"),
            None => format!("?:{port}"),
        },
        Addr::Unix(s) if s.is_empty() => "-".into(),
        Addr::Unix(s) => s.clone(),
        Addr::Empty => "*".into(),
    }
}

/// Runs `psoxide netstat`.
pub fn run(a: &NetstatArgs) -> Outcome {
    let _ = a.numeric;
    let mut states = a.state.clone();
    if a.listening && !states.contains(&ConnectionStatus::Listen) {
        states.push(ConnectionStatus::Listen);
    }
    let conns = psoxide::net_connections(a.kind).map_err(|e| {
        Fail::Runtime(format!(
            "netstat: reading the socket tables: {}",
            super::error_text(&e)
        ))
    })?;
    let conns: Vec<_> = conns
        .into_iter()
        .filter(|c| states.is_empty() || states.contains(&c.status))
        .filter(|c| a.pid.is_empty() || c.pid.is_some_and(|p| a.pid.contains(&p)))
        .collect();
    // Program names, one lookup per PID.
    let mut names: HashMap<psoxide::Pid, Option<String>> = HashMap::new();
    for c in &conns {
        if let Some(pid) = c.pid {
            names
                .entry(pid)
                .or_insert_with(|| psoxide::Process::new(pid).and_then(|p| p.name()).ok());
        }
    }
    let name_of = |pid: Option<psoxide::Pid>| pid.and_then(|p| names.get(&p).cloned().flatten());
    if a.json.json {
        let list: Vec<serde_json::Value> = conns
            .iter()
            .map(|c| {
                let mut v = serde_json::to_value(c).unwrap_or_default();
                if let serde_json::Value::Object(m) = &mut v {
                    m.insert("name".into(), name_of(c.pid).into());
                }
                v
            })
            .collect();
        return emit_json(&list, a.json.pretty);
    }
    let mut t = Table::new([
        ("Proto", Align::Left),
        ("Local Address", Align::Left),
        ("Foreign Address", Align::Left),
        ("State", Align::Left),
        ("PID/Program", Align::Left),
    ]);
    for c in &conns {
        let prog = match c.pid {
            Some(p) => format!("{p}/{}", name_of(Some(p)).unwrap_or_else(|| "?".into())),
            None => "-".into(),
        };
        let state = match c.status {
            ConnectionStatus::None => String::new(),
            s => s.value().to_string(),
        };
        t.row(vec![
            proto(c.family, c.type_),
            addr(&c.laddr),
            addr(&c.raddr),
            state,
            prog,
        ]);
    }
    emit(&t.render(None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_and_kinds_are_checked() {
        assert_eq!(parse_state("listen"), Ok(ConnectionStatus::Listen));
        assert_eq!(parse_state("CONN_TIME_WAIT"), Ok(ConnectionStatus::TimeWait));
        assert!(parse_state("bogus")
            .unwrap_err()
            .contains("ESTABLISHED, SYN_SENT"));
        assert!(parse_kind("tcp9").unwrap_err().contains("'tcp4'"));
    }
}
