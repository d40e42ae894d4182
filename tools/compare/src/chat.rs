//! `compare --suite chat`: com-server's chat against the textbook tungstenite chat and (when
//! Node and its `ws` package are installed) the same chat on Node, each started afresh for
//! every scenario and driven by `load --mode chat`. It prints every figure with its ratio to
//! tungstenite-chat, measured minutes apart on the same machine, and writes them all as TSV
//! (`--out`) so that plots can be drawn later.
//!
//! The scenarios: 10, 100 and 500 members x 32 and 1024 bytes, closed loop; 100 x 32 B at a
//! fixed rate; and 100 x 32 B with a member that never reads, beside the same run without
//! it, so the healthy members' p99 with and without the stuck one can be read side by side.
//! `--suite chat-quick` runs the 10-member scenarios only, with few lines: a smoke test.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use testkit::ServerProcess;

use crate::{median, parse_result, spread};

/// Servers exit by themselves after this long if the driver dies.
const SERVER_TIME_LIMIT: &str = "1800";

/// The load tool gives up (and fails the scenario) after this long.
const LOAD_TIMEOUT: &str = "1500";

/// Closed loop: each scenario sends about this many deliveries (M x (M - 1) x lines).
const DELIVERIES_TARGET: u64 = 1_000_000;

/// The fewest and most lines per member in a closed-loop scenario (and never fewer than
/// four windows).
const LINES_RANGE: (u64, u64) = (4, 10_000);

/// How many bytes of the room's window (M x W lines) may wait in one member's queue on
/// the server: a quarter of com-server's 1 MiB outbox, so healthy members are never evicted.
const WINDOW_BYTES: u64 = 256 * 1024;

/// How many lines the whole room may have undelivered (M x W): beyond this a big room
/// measures how long a burst takes to drain, not a conversation.
const WINDOW_LINES: u64 = 1000;

/// The fixed-rate scenario: lines per second per member, and lines per member (10 s).
const RATE: u64 = 5;
const RATE_LINES: u64 = 50;

/// The slow-member pair: 100 members send 1 KiB lines at a fixed rate, once as they are
/// and once with a member that never reads. At a fixed rate (unlike the closed loop) the
/// room is not saturated, so the others' p99 is the server's own delay, and the pair's
/// p99s show whether the stuck member costs the others anything. 100 members x 5 lines/s
/// of 1 KiB put 0.5 MB/s into the stuck member's queue: its socket buffers (the server's
/// send buffer grows to 4 MiB) and its 1 MiB outbox are full after about ten seconds, and
/// the 20 s run evicts it in the middle.
const SLOW_RATE: u64 = 5;
const SLOW_LINES: u64 = 100;
const SLOW_SIZE: u64 = 1024;

/// Where node-chat lives, from this crate's directory.
const NODE_CHAT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../reference-servers/node-chat"
);

/// A server under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Server {
    /// com-server, ours.
    Com,
    Tungstenite,
    Node,
}

impl Server {
    fn name(self) -> &'static str {
        match self {
            Server::Com => "com-server",
            Server::Tungstenite => "tungstenite-chat",
            Server::Node => "node-chat",
        }
    }
}

/// One load run's parameters.
#[derive(Debug, Clone)]
struct Scenario {
    name: String,
    members: u64,
    size: u64,
    lines: u64,
    in_flight: u64,
    rate: u64,
    slow_member: bool,
    /// Why node-chat sits this scenario out, if it does.
    without_node: Option<&'static str>,
}

impl Scenario {
    fn closed_loop(members: u64, size: u64, lines: Option<u64>) -> Scenario {
        // A line on the server's queue: frame header, `mN: ` and the text.
        let line_bytes = size + 16;
        let in_flight = (WINDOW_BYTES / (members * line_bytes))
            .min(WINDOW_LINES / members)
            .clamp(1, 8);
        // At least four windows, so the closed loop turns a few times.
        let lines = lines.unwrap_or_else(|| {
            DELIVERIES_TARGET
                .div_ceil(members * (members - 1))
                .clamp(LINES_RANGE.0.max(4 * in_flight), LINES_RANGE.1)
        });
        Scenario {
            name: format!("{members}x{size}B"),
            members,
            size,
            lines,
            in_flight,
            rate: 0,
            slow_member: false,
            without_node: None,
        }
    }

    fn arguments(&self) -> Vec<String> {
        let mut arguments: Vec<String> = [
            "--mode",
            "chat",
            "--connections",
            &self.members.to_string(),
            "--size",
            &self.size.to_string(),
            "--messages",
            &self.lines.to_string(),
            "--in-flight",
            &self.in_flight.to_string(),
            "--rate",
            &self.rate.to_string(),
            // node-chat needs several minutes for the slow-member pair: more than the
            // load tool's default watchdog of 300 s.
            "--timeout",
            LOAD_TIMEOUT,
        ]
        .iter()
        .map(|word| word.to_string())
        .collect();
        if self.slow_member {
            arguments.push("--slow-member".to_owned());
        }
        arguments
    }

    fn describe(&self) -> String {
        let pace = if self.rate > 0 {
            format!("{} lines/s each", self.rate)
        } else {
            format!("closed loop W={}", self.in_flight)
        };
        format!(
            "{} members x {} lines of {} B, {pace}{}",
            self.members,
            self.lines,
            self.size,
            if self.slow_member {
                ", + a member that never reads"
            } else {
                ""
            }
        )
    }
}

fn scenarios(quick: bool) -> Vec<Scenario> {
    if quick {
        let mut rate = Scenario::closed_loop(10, 32, Some(20));
        rate.name = "10x32B-rate".to_owned();
        rate.rate = 10;
        let mut slow = Scenario::closed_loop(10, 32, Some(15_000));
        slow.name = "10x32B-slow".to_owned();
        slow.slow_member = true;
        return vec![
            Scenario::closed_loop(10, 32, Some(1000)),
            Scenario::closed_loop(10, 1024, Some(200)),
            rate,
            slow,
        ];
    }
    let mut list = Vec::new();
    for members in [10, 100, 500] {
        for size in [32, 1024] {
            list.push(Scenario::closed_loop(members, size, None));
        }
    }
    let mut rate = Scenario::closed_loop(100, 32, Some(RATE_LINES));
    rate.name = "100x32B-rate".to_owned();
    rate.rate = RATE;
    list.push(rate);
    let mut twin = Scenario::closed_loop(100, SLOW_SIZE, Some(SLOW_LINES));
    twin.name = "100x1KiB-rate".to_owned();
    twin.rate = SLOW_RATE;
    let mut slow = twin.clone();
    slow.name = "100x1KiB-rate-slow".to_owned();
    slow.slow_member = true;
    list.push(twin);
    list.push(slow);
    list
}

/// The programs, found beside this one (and Node on PATH, if it is there).
struct Programs {
    com_server: PathBuf,
    tungstenite: PathBuf,
    load: PathBuf,
    node: bool,
}

/// The `RESULT` keys shown in the table and written to the TSV.
const KEYS: &[(&str, &str)] = &[
    ("deliveries_per_sec", "deliveries/s"),
    ("p50_us", "p50 us"),
    ("p99_us", "p99 us"),
    ("max_us", "max us"),
    ("cpu_percent", "CPU % core"),
    ("kib_per_member", "KiB/member"),
    ("threads", "threads"),
];

/// Runs the chat suite; returns the process exit code.
pub fn run(args: &cli::Args, quick: bool) -> i32 {
    let runs: usize = args.value_or_exit("runs");
    let out: String = args.value_or_exit("out");
    let here = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    let load: String = args.value_or_exit("load");
    let programs = Programs {
        com_server: here.join("com-server"),
        tungstenite: here.join("tungstenite-chat"),
        load: if load.is_empty() {
            here.join("load")
        } else {
            PathBuf::from(load)
        },
        node: node_chat_ready(),
    };
    for path in [&programs.com_server, &programs.tungstenite, &programs.load] {
        if !path.is_file() {
            eprintln!(
                "compare: {} does not exist: build with `cargo build --release -p com-server -p reference-servers -p load -p compare` (or run tools/compare/run.sh)",
                path.display()
            );
            return 2;
        }
    }
    let mut servers = vec![Server::Com, Server::Tungstenite];
    if programs.node {
        servers.push(Server::Node);
    } else {
        println!("node-chat: skipped (needs `node` on PATH and `npm ci` in {NODE_CHAT})");
    }
    let scenarios = scenarios(quick);
    // (scenario, server, key) -> one value per run.
    let mut figures: Vec<(usize, Server, &str, usize, f64)> = Vec::new();
    let mut tsv = String::from(
        "run\tscenario\tmembers\tsize\tlines\tin_flight\trate\twith_slow_member\tserver\tkey\tvalue\n",
    );
    let mut failures = Vec::new();
    for run in 1..=runs {
        println!("\n== chat run {run} of {runs}");
        for (number, scenario) in scenarios.iter().enumerate() {
            println!("  {}: {}", scenario.name, scenario.describe());
            // Alternate who goes first, so a drift of the machine favours nobody.
            let mut order = servers.clone();
            if run % 2 == 0 {
                order.reverse();
            }
            for server in order {
                if let (Server::Node, Some(why)) = (server, scenario.without_node) {
                    println!("    {:<17} skipped: {why}", server.name());
                    continue;
                }
                match measure(&programs, server, scenario) {
                    Ok(result) => {
                        println!("    {:<17} {result}", server.name());
                        for (key, value) in parse_result(&result) {
                            let Some((key, _)) = KEYS.iter().find(|(known, _)| *known == key)
                            else {
                                continue;
                            };
                            figures.push((number, server, key, run, value));
                            let _ = writeln!(
                                tsv,
                                "{run}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{key}\t{value}",
                                scenario.name,
                                scenario.members,
                                scenario.size,
                                scenario.lines,
                                scenario.in_flight,
                                scenario.rate,
                                scenario.slow_member,
                                server.name()
                            );
                        }
                    }
                    Err(error) => {
                        println!("    {:<17} FAILED: {error}", server.name());
                        failures.push(format!(
                            "run {run} {} {}: {error}",
                            scenario.name,
                            server.name()
                        ));
                    }
                }
            }
        }
    }
    print_table(&scenarios, &servers, &figures, runs);
    if !out.is_empty() {
        match std::fs::write(&out, &tsv) {
            Ok(()) => println!(
                "\nfigures written to {out} (one row per run, scenario, server and figure)"
            ),
            Err(error) => {
                eprintln!("compare: cannot write {out}: {error}");
                return 1;
            }
        }
    }
    if !failures.is_empty() {
        println!("\n{} load run(s) failed:", failures.len());
        for failure in &failures {
            println!("  {failure}");
        }
        return 1;
    }
    0
}

/// True if `node` runs and node-chat's `ws` is installed.
fn node_chat_ready() -> bool {
    let node_runs = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    node_runs && Path::new(NODE_CHAT).join("node_modules/ws").is_dir()
}

/// Starts `server` afresh, runs the load once and returns its `RESULT` line.
fn measure(programs: &Programs, server: Server, scenario: &Scenario) -> Result<String, String> {
    let address = ["--addr", "127.0.0.1:0", "--time-limit", SERVER_TIME_LIMIT];
    let process = match server {
        // 500 members and the slow one: more than com-server's default 256 clients.
        Server::Com => ServerProcess::start(
            &programs.com_server.to_string_lossy(),
            &[&address[..], &["--max-connections", "1024"]].concat(),
        ),
        Server::Tungstenite => {
            ServerProcess::start(&programs.tungstenite.to_string_lossy(), &address)
        }
        Server::Node => {
            let script = format!("{NODE_CHAT}/chat.mjs");
            ServerProcess::start("node", &[&[script.as_str()][..], &address].concat())
        }
    };
    let output = Command::new(&programs.load)
        .arg("--addr")
        .arg(process.addr().to_string())
        .arg("--pid")
        .arg(process.pid().to_string())
        .args(scenario.arguments())
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

/// One block per scenario: each figure's median over the runs for every server, and the
/// ratio of each to tungstenite-chat in the same run.
fn print_table(
    scenarios: &[Scenario],
    servers: &[Server],
    figures: &[(usize, Server, &str, usize, f64)],
    runs: usize,
) {
    println!(
        "\n== chat summary over {runs} run(s): median [min - max]; ratio = server / tungstenite-chat in the same run"
    );
    let values = |number: usize, server: Server, key: &str| -> Vec<(usize, f64)> {
        figures
            .iter()
            .filter(|(n, s, k, _, _)| *n == number && *s == server && *k == key)
            .map(|(_, _, _, run, value)| (*run, *value))
            .collect()
    };
    for (number, scenario) in scenarios.iter().enumerate() {
        println!("\n{}: {}", scenario.name, scenario.describe());
        let mut header = format!("  {:<14}", "figure");
        for server in servers {
            let _ = write!(header, " {:>28}", server.name());
            if *server != Server::Tungstenite {
                let _ = write!(header, " {:>22}", format!("{} ratio", short(*server)));
            }
        }
        println!("{header}");
        for (key, label) in KEYS {
            let reference = values(number, Server::Tungstenite, key);
            let mut row = format!("  {label:<14}");
            for server in servers {
                let mine = values(number, *server, key);
                let plain: Vec<f64> = mine.iter().map(|(_, value)| *value).collect();
                let _ = write!(row, " {:>28}", spread(&plain, ""));
                if *server != Server::Tungstenite {
                    let ratios: Vec<f64> = mine
                        .iter()
                        .filter_map(|(run, value)| {
                            let (_, base) = reference.iter().find(|(r, _)| r == run)?;
                            (*base != 0.0).then(|| value / base)
                        })
                        .collect();
                    let shown = if ratios.is_empty() {
                        "-".to_owned()
                    } else {
                        format!("{:.2}x", median(&ratios).unwrap_or(0.0))
                    };
                    let _ = write!(row, " {shown:>22}");
                }
            }
            println!("{row}");
        }
    }
}

fn short(server: Server) -> &'static str {
    match server {
        Server::Com => "com",
        Server::Tungstenite => "tungstenite",
        Server::Node => "node",
    }
}
