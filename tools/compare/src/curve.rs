//! `compare --suite curve`: the echo-server's curve. It measures our server, tungstenite-echo
//! and fastwebsockets-echo with `load --mode crowd` at every point of N connections times
//! P% active, each server started afresh per point, writes every `RESULT` figure to a TSV
//! and prints each figure with its ratio to fastwebsockets-echo, the one-core event-driven
//! yardstick. `compare --plot TSV` (plot.rs) draws the TSV without measuring again.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use cli::Args;
use testkit::ServerProcess;

/// A backstop for servers whose driver died.
const SERVER_TIME_LIMIT: &str = "3600";

/// The three servers of the curve, in the TSV's and the table's order.
pub const SERVERS: [&str; 3] = ["echo-server", "tungstenite-echo", "fastwebsockets-echo"];

/// The server every ratio divides by.
pub const YARDSTICK: &str = "fastwebsockets-echo";

/// The `RESULT` keys kept, in the TSV's column order.
pub const KEYS: &[&str] = &[
    "active",
    "size",
    "accept_seconds",
    "idle_cpu_percent",
    "kib_per_connection",
    "first_echo_p50_ms",
    "first_echo_max_ms",
    "msgs_per_sec",
    "p50_us",
    "p99_us",
    "pingpong_p50_us",
    "pingpong_p99_us",
    "in_turn_answered",
    "in_turn_seconds",
];

/// One measured point of one server.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub server: String,
    pub connections: u64,
    pub active_percent: f64,
    /// The load run exited 0 (every echo right, every connection answered in turn).
    pub ok: bool,
    pub values: BTreeMap<String, f64>,
}

impl Row {
    pub fn value(&self, key: &str) -> Option<f64> {
        self.values.get(key).copied()
    }
}

/// Where the binaries are.
struct Programs {
    by_server: BTreeMap<&'static str, PathBuf>,
    load: PathBuf,
}

/// Runs `--suite curve` or `--plot` if asked; returns the exit code, or `None` when the
/// classic comparison should run.
pub fn dispatch(args: &Args) -> Option<i32> {
    let plot_from: String = args.value_or_exit("plot");
    if !plot_from.is_empty() {
        let out_dir: String = args.value_or_exit("out-dir");
        if let Ok(text) = std::fs::read_to_string(&plot_from)
            && crate::tradeoff::is_tradeoff_tsv(&text)
        {
            return Some(crate::tradeoff::redraw(&text, Path::new(&out_dir)));
        }
        return Some(crate::plot::run(Path::new(&plot_from), Path::new(&out_dir)));
    }
    let suite: String = args.value_or_exit("suite");
    match suite.as_str() {
        "curve" => Some(run(args)),
        "echo" => None,
        other => {
            eprintln!(
                "compare: unknown --suite '{other}' (echo, chat, chat-quick or curve) (try --help)"
            );
            Some(2)
        }
    }
}

fn run(args: &Args) -> i32 {
    let connections = parse_list::<u64>(&args.value_or_exit::<String>("curve-connections"));
    let actives = parse_list::<f64>(&args.value_or_exit::<String>("curve-active"));
    let (Ok(connections), Ok(actives)) = (connections, actives) else {
        eprintln!("compare: --curve-connections and --curve-active take comma-separated numbers");
        return 2;
    };
    let seconds: String = args.value_or_exit("curve-seconds");
    let idle_seconds: String = args.value_or_exit("curve-idle-seconds");
    let out = match args.value_or_exit::<String>("out") {
        out if out.is_empty() => "curve.tsv".to_owned(),
        out => out,
    };
    let Some(programs) = find_programs(args) else {
        return 2;
    };
    let largest = connections.iter().copied().max().unwrap_or(1);
    println!(
        "curve: {} servers x N in {connections:?} x active % in {actives:?}, plus each alone \
         (N = 1); active phase {seconds} s, idle phase {idle_seconds} s; open files allowed: {}",
        SERVERS.len(),
        rlimit::Resource::NOFILE
            .get()
            .map_or("unknown".to_owned(), |(soft, _)| soft.to_string())
    );
    // N = 1 first: the ping-pong alone that the crowd's ping-pong is compared with.
    let mut points = vec![(1, 100.0)];
    for &count in &connections {
        for &active in &actives {
            points.push((count, active));
        }
    }
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for (number, &(count, active)) in points.iter().enumerate() {
        // Alternate who goes first, so a drift of the shared machine favours nobody.
        let mut order = SERVERS;
        order.rotate_left(number % SERVERS.len());
        for server in order {
            let load_arguments = crowd_arguments(count, active, &seconds, &idle_seconds);
            match measure(&programs, server, largest, &load_arguments) {
                Ok((ok, result, problem)) => {
                    println!("  N={count:<6} active={active:>3}% {server:<20} {result}");
                    if let Some(problem) = problem {
                        println!("    FAILED: {problem}");
                        failures.push(format!("N={count} active={active}% {server}: {problem}"));
                    }
                    rows.push(Row {
                        server: server.to_owned(),
                        connections: count,
                        active_percent: active,
                        ok,
                        values: parse_result(&result),
                    });
                }
                Err(problem) => {
                    println!("  N={count:<6} active={active:>3}% {server:<20} FAILED: {problem}");
                    failures.push(format!("N={count} active={active}% {server}: {problem}"));
                }
            }
        }
        // Written after every point: a run that dies at 10,000 keeps what it measured.
        if let Err(error) = std::fs::write(&out, to_tsv(&rows)) {
            eprintln!("compare: cannot write {out}: {error}");
            return 1;
        }
    }
    println!(
        "\nevery figure is in {out}; draw it with `compare --plot {out} --out-dir docs/images`"
    );
    print!("{}", table(&rows));
    if failures.is_empty() {
        0
    } else {
        println!("\n{} run(s) failed:", failures.len());
        for failure in &failures {
            println!("  {failure}");
        }
        1
    }
}

fn find_programs(args: &Args) -> Option<Programs> {
    let here = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    let program = |flag: &str, name: &str| -> PathBuf {
        let given: String = args.value_or_exit(flag);
        if given.is_empty() {
            here.join(name)
        } else {
            PathBuf::from(given)
        }
    };
    let mut by_server = BTreeMap::new();
    by_server.insert("echo-server", program("ours", "echo-server"));
    by_server.insert("tungstenite-echo", program("reference", "tungstenite-echo"));
    by_server.insert(
        "fastwebsockets-echo",
        program("fastwebsockets", "fastwebsockets-echo"),
    );
    let load = program("load", "load");
    for path in by_server.values().chain([&load]) {
        if !path.is_file() {
            eprintln!(
                "compare: {} does not exist: build with `cargo build --release -p echo-server \
                 -p reference-servers -p load -p compare` (or run tools/compare/run.sh)",
                path.display()
            );
            return None;
        }
    }
    Some(Programs { by_server, load })
}

fn crowd_arguments(count: u64, active: f64, seconds: &str, idle_seconds: &str) -> Vec<String> {
    [
        "--mode",
        "crowd",
        "--connections",
        &count.to_string(),
        "--active-percent",
        &active.to_string(),
        "--seconds",
        seconds,
        "--idle-seconds",
        idle_seconds,
        "--size",
        "32",
        "--timeout",
        "900",
    ]
    .iter()
    .map(|word| word.to_string())
    .collect()
}

/// Starts `server` afresh and runs the load tool once against it. Returns whether the run
/// passed, its `RESULT` line, and what went wrong if it did not pass.
fn measure(
    programs: &Programs,
    server: &str,
    largest: u64,
    load_arguments: &[String],
) -> Result<(bool, String, Option<String>), String> {
    let binary = programs.by_server[server].to_string_lossy().into_owned();
    // Ours turns away clients beyond --max-connections with 503: the curve must not
    // measure that limit, so it is set above the largest N.
    let max_connections = (largest + 64).to_string();
    let mut server_arguments = vec!["--addr", "127.0.0.1:0", "--time-limit", SERVER_TIME_LIMIT];
    if server == "echo-server" {
        server_arguments.extend(["--no-greeting", "--max-connections", &max_connections]);
    }
    let process = ServerProcess::start(&binary, &server_arguments);
    let output = Command::new(&programs.load)
        .arg("--addr")
        .arg(process.addr().to_string())
        .arg("--pid")
        .arg(process.pid().to_string())
        .args(load_arguments)
        .output()
        .map_err(|error| format!("cannot run {}: {error}", programs.load.display()))?;
    drop(process);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
    let result = stdout
        .lines()
        .find_map(|line| line.strip_prefix("RESULT "))
        .map(str::to_owned);
    match result {
        Some(result) if output.status.success() => Ok((true, result, None)),
        // The in-turn phase prints its figures before it fails the run.
        Some(result) => Ok((false, result, Some(format!("{} {stderr}", output.status)))),
        None => Err(format!("{} {stderr}", output.status)),
    }
}

/// `key=value` pairs of a `RESULT` line whose value is a number and whose key is kept.
pub fn parse_result(result: &str) -> BTreeMap<String, f64> {
    result
        .split_whitespace()
        .filter_map(|pair| pair.split_once('='))
        .filter(|(key, _)| KEYS.contains(key))
        .filter_map(|(key, value)| Some((key.to_owned(), value.parse().ok()?)))
        .collect()
}

fn parse_list<T: std::str::FromStr>(text: &str) -> Result<Vec<T>, String> {
    text.split(',')
        .map(|item| {
            item.trim()
                .parse()
                .map_err(|_| format!("'{item}' is not a number"))
        })
        .collect()
}

/// The TSV: a header line, then one line per row; a figure the run did not print is empty.
pub fn to_tsv(rows: &[Row]) -> String {
    let mut text = String::from("server\tconnections\tactive_percent\tok");
    for key in KEYS {
        text.push('\t');
        text.push_str(key);
    }
    text.push('\n');
    for row in rows {
        let _ = write!(
            text,
            "{}\t{}\t{}\t{}",
            row.server,
            row.connections,
            row.active_percent,
            u8::from(row.ok)
        );
        for key in KEYS {
            text.push('\t');
            if let Some(value) = row.value(key) {
                let _ = write!(text, "{value}");
            }
        }
        text.push('\n');
    }
    text
}

/// Reads what [`to_tsv`] wrote (columns found by their header names, so a TSV with more
/// or fewer figures still reads).
pub fn parse_tsv(text: &str) -> Result<Vec<Row>, String> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.is_empty());
    let (_, header) = lines.next().ok_or("the TSV is empty")?;
    let columns: Vec<&str> = header.split('\t').collect();
    let column = |name: &str| {
        columns
            .iter()
            .position(|column| *column == name)
            .ok_or(format!("the TSV has no '{name}' column"))
    };
    let (server, connections, active, ok) = (
        column("server")?,
        column("connections")?,
        column("active_percent")?,
        column("ok")?,
    );
    let mut rows = Vec::new();
    for (number, line) in lines {
        let cells: Vec<&str> = line.split('\t').collect();
        if cells.len() != columns.len() {
            return Err(format!(
                "line {}: {} cells for {} columns",
                number + 1,
                cells.len(),
                columns.len()
            ));
        }
        let number_in = |index: usize| -> Result<f64, String> {
            cells[index]
                .parse()
                .map_err(|_| format!("line {}: '{}' is not a number", number + 1, cells[index]))
        };
        let mut values = BTreeMap::new();
        for (index, name) in columns.iter().enumerate() {
            if [server, connections, active, ok].contains(&index) || cells[index].is_empty() {
                continue;
            }
            values.insert((*name).to_owned(), number_in(index)?);
        }
        rows.push(Row {
            server: cells[server].to_owned(),
            connections: number_in(connections)? as u64,
            active_percent: number_in(active)?,
            ok: cells[ok] == "1",
            values,
        });
    }
    Ok(rows)
}

/// The figures the printed table shows, with their units.
const SHOWN: &[(&str, &str)] = &[
    ("msgs_per_sec", "msgs/s"),
    ("p50_us", "round trip p50, us"),
    ("p99_us", "round trip p99, us"),
    ("pingpong_p50_us", "ping-pong among the idle p50, us"),
    ("first_echo_p50_ms", "first echo after silence p50, ms"),
    ("idle_cpu_percent", "idle CPU, % of a core"),
    ("kib_per_connection", "KiB per connection"),
    ("accept_seconds", "connect N, s"),
    ("in_turn_seconds", "all N in turn, s"),
];

/// One block per figure: a line per point, each server's value and its ratio to the
/// yardstick's at the same point.
pub fn table(rows: &[Row]) -> String {
    let mut points: Vec<(u64, f64)> = rows
        .iter()
        .map(|row| (row.connections, row.active_percent))
        .collect();
    points.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    points.dedup();
    let find = |server: &str, point: (u64, f64), key: &str| {
        rows.iter()
            .find(|row| row.server == server && (row.connections, row.active_percent) == point)
            .and_then(|row| row.value(key))
    };
    let mut text = String::new();
    for (key, unit) in SHOWN {
        let _ = writeln!(
            text,
            "\n{unit} ({key}); ratio = server / {YARDSTICK} at the same point"
        );
        let _ = writeln!(
            text,
            "{:>7} {:>7} {:>24} {:>24} {:>12}",
            "N", "active", SERVERS[0], SERVERS[1], SERVERS[2]
        );
        for &point in &points {
            let yardstick = find(YARDSTICK, point, key);
            let cell = |server: &str| match (find(server, point, key), yardstick) {
                (Some(value), Some(base)) if base > 0.0 && server != YARDSTICK => {
                    format!("{} ({:.2}x)", show(value), value / base)
                }
                (Some(value), _) => show(value),
                (None, _) => "-".to_owned(),
            };
            let _ = writeln!(
                text,
                "{:>7} {:>6}% {:>24} {:>24} {:>12}",
                point.0,
                point.1,
                cell(SERVERS[0]),
                cell(SERVERS[1]),
                cell(SERVERS[2])
            );
        }
    }
    text
}

/// As many decimals as the size of the figure needs.
fn show(value: f64) -> String {
    if value.abs() >= 1000.0 {
        format!("{value:.0}")
    } else if value.abs() >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(server: &str, connections: u64, active: f64, result: &str) -> Row {
        Row {
            server: server.to_owned(),
            connections,
            active_percent: active,
            ok: true,
            values: parse_result(result),
        }
    }

    #[test]
    fn a_result_line_keeps_the_known_numeric_keys() {
        let values = parse_result("mode=crowd connections=100 msgs_per_sec=12073 p99_us=8713.8");
        assert_eq!(values.get("msgs_per_sec"), Some(&12073.0));
        assert_eq!(values.get("p99_us"), Some(&8713.8));
        // mode is not a number, connections is a column of its own.
        assert!(!values.contains_key("mode") && !values.contains_key("connections"));
    }

    #[test]
    fn the_tsv_reads_back_what_was_written() {
        let mut rows = vec![
            row("echo-server", 100, 1.0, "msgs_per_sec=500 p99_us=80.5"),
            row("fastwebsockets-echo", 10000, 100.0, "accept_seconds=1.25"),
        ];
        rows[1].ok = false;
        let parsed = parse_tsv(&to_tsv(&rows)).expect("parse");
        assert_eq!(parsed, rows);
    }

    #[test]
    fn a_short_line_or_a_word_for_a_number_is_an_error() {
        let header = "server\tconnections\tactive_percent\tok\tp99_us\n";
        assert!(parse_tsv(&format!("{header}echo-server\t100\t1\n")).is_err());
        assert!(parse_tsv(&format!("{header}echo-server\tmany\t1\t1\t5\n")).is_err());
        assert!(parse_tsv("server\tok\n").is_err());
    }

    #[test]
    fn the_table_divides_by_the_yardstick_at_the_same_point() {
        let rows = vec![
            row("echo-server", 100, 10.0, "msgs_per_sec=3000"),
            row("fastwebsockets-echo", 100, 10.0, "msgs_per_sec=2000"),
            row("fastwebsockets-echo", 1000, 10.0, "msgs_per_sec=9000"),
        ];
        let text = table(&rows);
        assert!(text.contains("3000 (1.50x)"), "{text}");
        assert!(!text.contains("0.33x"), "{text}");
    }
}
