//! `compare`: the whole performance comparison in one run. It starts our echo-server and the
//! tungstenite reference server afresh for every scenario, drives both with the `load` tool,
//! and prints each figure with its ratio to the reference measured moments apart on the same
//! machine, because on a shared two-core box only same-run ratios mean anything.
//!
//! Run it through `tools/compare/run.sh`, which builds everything in release first.

#![forbid(unsafe_code)]

mod chat;
mod curve;
mod plot;
mod tradeoff;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use cli::Flag;
use testkit::ServerProcess;

const FLAGS: &[Flag] = &[
    Flag::value("runs", "R", "3", "how many times to run every scenario"),
    Flag::value(
        "messages",
        "M",
        "10000",
        "throughput: messages per connection",
    ),
    Flag::value(
        "pingpong-messages",
        "M",
        "20000",
        "ping-pong: messages on the single connection",
    ),
    Flag::value(
        "idle-connections",
        "K",
        "1000",
        "idle: connections held open",
    ),
    Flag::value(
        "idle-seconds",
        "SECS",
        "10",
        "idle: how long to sample the server's CPU",
    ),
    Flag::value(
        "ours",
        "PATH",
        "",
        "our server binary (default: target/release/echo-server)",
    ),
    Flag::value(
        "reference",
        "PATH",
        "",
        "the reference binary (default: beside this program)",
    ),
    Flag::value(
        "load",
        "PATH",
        "",
        "the load tool (default: beside this program)",
    ),
    Flag::value(
        "rounds",
        "K",
        "3",
        "throughput and ping-pong: alternate the servers K times per run, keep the median",
    ),
    Flag::switch(
        "calibrate",
        "run the reference in both columns: an A/A test whose ratios show the noise",
    ),
    // The other suites: the chat (chat.rs), the crowd curve (curve.rs) and its plots (plot.rs).
    Flag::value(
        "suite",
        "NAME",
        "echo",
        "echo (this comparison), chat (com-server's chat, chat.rs), chat-quick (its smoke test), curve (N connections x P% active, curve.rs) or tradeoff (idle CPU against the first echo's wait, tradeoff.rs)",
    ),
    Flag::value(
        "tradeoff-connections",
        "N",
        "1000",
        "tradeoff: the silent connections held",
    ),
    Flag::value(
        "out",
        "PATH",
        "",
        "chat and curve: write every figure to PATH as TSV (curve: curve.tsv unless given)",
    ),
    Flag::value(
        "curve-connections",
        "LIST",
        "100,1000,5000,10000",
        "curve: the N of every point (comma-separated)",
    ),
    Flag::value(
        "curve-active",
        "LIST",
        "1,10,100",
        "curve: the active percentages of every point (comma-separated)",
    ),
    Flag::value(
        "curve-seconds",
        "SECS",
        "5",
        "curve: the active phase's length",
    ),
    Flag::value(
        "curve-idle-seconds",
        "SECS",
        "5",
        "curve: how long the idle phase samples the server's CPU",
    ),
    Flag::value(
        "fastwebsockets",
        "PATH",
        "",
        "curve: the fastwebsockets-echo binary (default: beside this program)",
    ),
    Flag::value(
        "plot",
        "TSV",
        "",
        "draw the curve's SVG plots from this TSV (no measuring) into --out-dir",
    ),
    Flag::value(
        "out-dir",
        "DIR",
        "docs/images",
        "--plot: where the SVG files go",
    ),
];

/// A backstop for servers whose driver died: they exit by themselves after this long.
const SERVER_TIME_LIMIT: &str = "1800";

/// The two servers under comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Server {
    Ours,
    Reference,
}

impl Server {
    fn name(self) -> &'static str {
        match self {
            Server::Ours => "echo-server",
            Server::Reference => "reference",
        }
    }
}

/// One measured figure: which server, and which `RESULT` key of which scenario.
type Figure = (Server, &'static str, &'static str);

/// Every run's value of each figure, by run number.
type Figures = BTreeMap<Figure, BTreeMap<usize, f64>>;

/// Each scenario's load arguments (the PID is appended where the mode needs it).
struct Scenario {
    name: &'static str,
    arguments: Vec<String>,
    needs_pid: bool,
    /// How many times each server is measured, alternately, within one run.
    rounds: usize,
}

struct Programs {
    ours: PathBuf,
    reference: PathBuf,
    load: PathBuf,
    /// Start the reference where ours belongs (`--calibrate`).
    calibrate: bool,
}

fn main() {
    let args = cli::parse_or_exit(
        "compare",
        "benchmark our echo-server against a tungstenite thread-per-connection reference",
        FLAGS,
    );
    // The servers started here inherit our open-files limit: raise the soft one to the hard.
    if let Err(error) = rlimit::increase_nofile_limit(u64::MAX) {
        eprintln!("compare: cannot raise the open-files limit: {error}");
    }
    if let suite @ ("chat" | "chat-quick") = args.value_or_exit::<String>("suite").as_str() {
        std::process::exit(chat::run(&args, suite == "chat-quick"));
    }
    if args.value_or_exit::<String>("suite") == "tradeoff" {
        std::process::exit(tradeoff::run(&args));
    }
    if let Some(code) = curve::dispatch(&args) {
        std::process::exit(code);
    }
    let runs: usize = args.value_or_exit("runs");
    let messages: u64 = args.value_or_exit("messages");
    let pingpong_messages: u64 = args.value_or_exit("pingpong-messages");
    let idle_connections: u64 = args.value_or_exit("idle-connections");
    let idle_seconds: u64 = args.value_or_exit("idle-seconds");
    let rounds: usize = args.value_or_exit("rounds");
    if runs == 0 || rounds == 0 {
        eprintln!("compare: --runs and --rounds must be at least 1 (try --help)");
        std::process::exit(2);
    }
    let here = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    let program = |flag: &str, default: PathBuf| -> PathBuf {
        let given: String = args.value_or_exit(flag);
        if given.is_empty() {
            default
        } else {
            PathBuf::from(given)
        }
    };
    let programs = Programs {
        // Every binary of the workspace lands in the same target/<profile> directory.
        ours: program("ours", here.join("echo-server")),
        reference: program("reference", here.join("tungstenite-echo")),
        load: program("load", here.join("load")),
        calibrate: args.switch("calibrate"),
    };
    for path in [&programs.ours, &programs.reference, &programs.load] {
        if !path.is_file() {
            eprintln!(
                "compare: {} does not exist: build with `cargo build --release -p echo-server -p reference-servers -p load -p compare` (or run tools/compare/run.sh)",
                path.display()
            );
            std::process::exit(2);
        }
    }
    print_machine(idle_connections);
    if programs.calibrate {
        println!("calibration (--calibrate): the echo-server column is the reference again");
    }

    let scenarios = [
        Scenario {
            name: "throughput",
            arguments: strings(&[
                "--mode",
                "throughput",
                "--connections",
                "50",
                "--size",
                "32",
                "--in-flight",
                "8",
                "--messages",
                &messages.to_string(),
            ]),
            needs_pid: false,
            rounds,
        },
        Scenario {
            name: "pingpong",
            arguments: strings(&[
                "--mode",
                "pingpong",
                "--size",
                "32",
                "--messages",
                &pingpong_messages.to_string(),
            ]),
            needs_pid: false,
            rounds,
        },
        Scenario {
            name: "idle",
            arguments: strings(&[
                "--mode",
                "idle",
                "--connections",
                &idle_connections.to_string(),
                "--idle-seconds",
                &idle_seconds.to_string(),
            ]),
            needs_pid: true,
            rounds: 1,
        },
        Scenario {
            name: "big",
            arguments: strings(&["--mode", "big", "--binary", "--size", "16777216"]),
            needs_pid: true,
            rounds: 1,
        },
    ];

    let mut figures = Figures::new();
    let mut failures = Vec::new();
    for run in 1..=runs {
        println!("\n== run {run} of {runs} (load average {})", load_average());
        // Alternate who goes first, so a slow drift of the machine favours neither.
        let order = if run % 2 == 1 {
            [Server::Ours, Server::Reference]
        } else {
            [Server::Reference, Server::Ours]
        };
        for scenario in &scenarios {
            let mut rounds_by_figure: BTreeMap<(Server, &'static str), Vec<f64>> = BTreeMap::new();
            for (round, server, outcome) in measure_scenario(&programs, scenario, order) {
                let label = format!("{} {}/{}", scenario.name, round, scenario.rounds);
                match outcome {
                    Ok(result) => {
                        println!("  {label:<16} {:<11} {result}", server.name());
                        for (key, value) in parse_result(&result) {
                            if let Some(key) = RESULT_KEYS.iter().find(|known| **known == key) {
                                rounds_by_figure
                                    .entry((server, key))
                                    .or_default()
                                    .push(value);
                            }
                        }
                    }
                    Err(error) => {
                        println!("  {label:<16} {:<11} FAILED: {error}", server.name());
                        failures.push(format!("run {run} {label} {}: {error}", server.name()));
                    }
                }
            }
            for ((server, key), values) in rounds_by_figure {
                if let Some(value) = median(&values) {
                    figures
                        .entry((server, scenario.name, key))
                        .or_default()
                        .insert(run, value);
                }
            }
        }
    }
    print_summary(&figures, runs);
    if !failures.is_empty() {
        println!("\n{} load run(s) failed:", failures.len());
        for failure in &failures {
            println!("  {failure}");
        }
        std::process::exit(1);
    }
}

/// The `RESULT` keys the summary uses.
const RESULT_KEYS: &[&str] = &[
    "msgs_per_sec",
    "mb_per_sec",
    "p50_us",
    "p99_us",
    "cpu_percent",
    "kib_per_connection",
    "first_echo_ms",
    "peak_ratio",
    "growth_ratio",
];

fn strings(words: &[&str]) -> Vec<String> {
    words.iter().map(|word| word.to_string()).collect()
}

/// Runs one scenario against both servers in `order` and returns each round's
/// `RESULT` line. Scenarios that read a server's memory get a fresh process for every
/// measurement, so that one scenario's memory (a thousand thread stacks, a 16 MiB
/// buffer) stays out of the next one's figures. The others start both servers once and
/// alternate between them round by round, so that a change in the machine's load
/// (other jobs come and go) hits both servers alike.
fn measure_scenario(
    programs: &Programs,
    scenario: &Scenario,
    order: [Server; 2],
) -> Vec<(usize, Server, Result<String, String>)> {
    let mut outcomes = Vec::new();
    if scenario.needs_pid {
        for server in order {
            let process = start_server(programs, server);
            outcomes.push((1, server, run_load(programs, &process, scenario)));
        }
    } else {
        let processes = order.map(|server| start_server(programs, server));
        for round in 1..=scenario.rounds {
            for (server, process) in order.iter().zip(&processes) {
                outcomes.push((round, *server, run_load(programs, process, scenario)));
            }
        }
    }
    outcomes
}

/// Starts one server on a free loopback port and waits for its `Listening` line.
fn start_server(programs: &Programs, server: Server) -> ServerProcess {
    match server {
        Server::Ours if !programs.calibrate => ServerProcess::start(
            &programs.ours.to_string_lossy(),
            &[
                "--addr",
                "127.0.0.1:0",
                "--no-greeting",
                "--time-limit",
                SERVER_TIME_LIMIT,
            ],
        ),
        Server::Ours | Server::Reference => ServerProcess::start(
            &programs.reference.to_string_lossy(),
            &["--addr", "127.0.0.1:0", "--time-limit", SERVER_TIME_LIMIT],
        ),
    }
}

/// Runs the load tool once against `process` and returns its `RESULT` line.
fn run_load(
    programs: &Programs,
    process: &ServerProcess,
    scenario: &Scenario,
) -> Result<String, String> {
    let mut load = Command::new(&programs.load);
    load.arg("--addr")
        .arg(process.addr().to_string())
        .args(&scenario.arguments);
    if scenario.needs_pid {
        load.arg("--pid").arg(process.pid().to_string());
    }
    let output = load
        .output()
        .map_err(|error| format!("cannot run {}: {error}", programs.load.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let result = stdout
        .lines()
        .find_map(|line| line.strip_prefix("RESULT "))
        .map(str::to_owned);
    match result {
        Some(result) if output.status.success() => Ok(result),
        _ => Err(format!(
            "{} {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )),
    }
}

fn parse_result(result: &str) -> Vec<(&str, f64)> {
    result
        .split_whitespace()
        .filter_map(|pair| pair.split_once('='))
        .filter_map(|(key, value)| Some((key, value.parse().ok()?)))
        .collect()
}

/// One summary row: a figure of ours, the same of the reference, and the target.
struct Row {
    label: &'static str,
    scenario: &'static str,
    key: &'static str,
    unit: &'static str,
    target: Target,
}

enum Target {
    /// Ours divided by the reference, per run, must be at least this.
    RatioAtLeast(f64),
    /// Ours divided by the reference, per run, must be at most this.
    RatioAtMost(f64),
    /// Ours alone must be at most this.
    AtMost(f64),
    /// Shown for context.
    None,
}

fn print_summary(figures: &Figures, runs: usize) {
    let rows = [
        Row {
            label: "throughput 50 conns x 32 B, 8 in flight",
            scenario: "throughput",
            key: "msgs_per_sec",
            unit: "msgs/s",
            target: Target::RatioAtLeast(1.0),
        },
        Row {
            label: "  its round trip p50",
            scenario: "throughput",
            key: "p50_us",
            unit: "us",
            target: Target::None,
        },
        Row {
            label: "  its round trip p99",
            scenario: "throughput",
            key: "p99_us",
            unit: "us",
            target: Target::None,
        },
        Row {
            label: "ping-pong round trip p50",
            scenario: "pingpong",
            key: "p50_us",
            unit: "us",
            target: Target::RatioAtMost(1.2),
        },
        Row {
            label: "  its p99",
            scenario: "pingpong",
            key: "p99_us",
            unit: "us",
            target: Target::None,
        },
        Row {
            label: "idle connections: server CPU",
            scenario: "idle",
            key: "cpu_percent",
            unit: "% core",
            target: Target::AtMost(1.0),
        },
        Row {
            label: "idle connections: RSS each",
            scenario: "idle",
            key: "kib_per_connection",
            unit: "KiB",
            target: Target::AtMost(3.0),
        },
        Row {
            label: "  first echo after the idle spell",
            scenario: "idle",
            key: "first_echo_ms",
            unit: "ms",
            target: Target::None,
        },
        Row {
            label: "16 MiB echo: peak RSS / size",
            scenario: "big",
            key: "peak_ratio",
            unit: "x",
            target: Target::AtMost(2.5),
        },
    ];
    println!(
        "\n== summary over {runs} run(s) (each run's figure: the median of its rounds): \
         median [min - max] over the runs; ratio = ours / reference in the same run"
    );
    println!(
        "{:<42} {:>30} {:>30} {:>22}  target",
        "scenario", "echo-server", "reference", "ratio"
    );
    let empty = BTreeMap::new();
    for row in rows {
        let ours_by_run = figures
            .get(&(Server::Ours, row.scenario, row.key))
            .unwrap_or(&empty);
        let reference_by_run = figures
            .get(&(Server::Reference, row.scenario, row.key))
            .unwrap_or(&empty);
        // A ratio pairs the two servers' figures of one run; a failed run has no pair.
        let ratios: Vec<f64> = ours_by_run
            .iter()
            .filter_map(|(run, ours)| {
                let reference = reference_by_run.get(run)?;
                (*reference > 0.0).then(|| ours / reference)
            })
            .collect();
        let ours: Vec<f64> = ours_by_run.values().copied().collect();
        let reference: Vec<f64> = reference_by_run.values().copied().collect();
        let (target, met) = match row.target {
            Target::RatioAtLeast(limit) => (
                format!(">= {limit}x"),
                median(&ratios).map(|ratio| ratio >= limit),
            ),
            Target::RatioAtMost(limit) => (
                format!("<= {limit}x"),
                median(&ratios).map(|ratio| ratio <= limit),
            ),
            Target::AtMost(limit) => (
                format!("<= {limit} {}", row.unit),
                median(&ours).map(|value| value <= limit),
            ),
            Target::None => (String::new(), None),
        };
        let verdict = match met {
            Some(true) => "met",
            Some(false) => "MISSED",
            None if target.is_empty() => "",
            None => "no data",
        };
        println!(
            "{:<42} {:>30} {:>30} {:>22}  {target} {verdict}",
            row.label,
            spread(&ours, row.unit),
            spread(&reference, row.unit),
            spread(&ratios, "x"),
        );
    }
}

fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    Some(if sorted.len() % 2 == 1 {
        sorted[middle]
    } else {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    })
}

/// `median [min - max] unit`, with as many decimals as the size of the figure needs.
fn spread(values: &[f64], unit: &str) -> String {
    let Some(middle) = median(values) else {
        return "-".to_owned();
    };
    let minimum = values.iter().copied().fold(f64::INFINITY, f64::min);
    let maximum = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let show = |value: f64| {
        if value.abs() >= 1000.0 {
            format!("{value:.0}")
        } else if value.abs() >= 10.0 {
            format!("{value:.1}")
        } else {
            format!("{value:.2}")
        }
    };
    format!(
        "{} [{} - {}] {unit}",
        show(middle),
        show(minimum),
        show(maximum)
    )
}

/// The machine, printed first so that every pasted result says where it came from.
fn print_machine(idle_connections: u64) {
    let cores = std::thread::available_parallelism().map_or(0, |cores| cores.get());
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name")?.split_once(':'))
        .map_or("unknown".to_owned(), |(_, model)| model.trim().to_owned());
    let meminfo = fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find(|line| line.starts_with("MemTotal:"))
        .map_or("unknown", |line| line["MemTotal:".len()..].trim());
    let kernel = fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let limits = fs::read_to_string("/proc/self/limits").unwrap_or_default();
    let open_files = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .and_then(|line| line.split_whitespace().nth(3))
        .and_then(|soft| soft.parse::<u64>().ok());
    println!(
        "machine: {cores} CPU(s), {model}, {memory} memory, Linux {}",
        kernel.trim()
    );
    println!(
        "open files limit: {}",
        open_files.map_or("unknown".to_owned(), |limit| limit.to_string())
    );
    // Each idle connection is one descriptor in the load tool and one in the server.
    if open_files.is_some_and(|limit| limit < idle_connections + 64) {
        println!(
            "warning: {idle_connections} idle connections need more open files: run `ulimit -n {}` first",
            idle_connections * 2 + 64
        );
    }
    println!(
        "note: the load generator runs on the same {cores} core(s) as the server it measures, so both \
         servers are measured while competing with it; compare the ratios, not the absolute figures"
    );
}

fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".to_owned())
}
