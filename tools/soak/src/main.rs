//! `soak`: runs the real echo-server and com-server for a while under hundreds of clients
//! that connect, talk, vanish and come back, and then checks that nothing was lost,
//! corrupted or leaked. One line sums it up; any failure makes the exit code non-zero.
//!
//! ```text
//! $ cargo build --release -p echo-server -p com-server
//! $ cargo run --release -p soak -- --secs 300
//! ```

#![forbid(unsafe_code)]

mod chat_audit;
mod chat_clients;
mod dice;
mod echo_clients;
mod problems;
mod servers;
mod session;
mod watch;

use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use cli::{Args, Flag};

use crate::chat_audit::Audit;
use crate::chat_clients::{ChatClient, ChatShared};
use crate::dice::Dice;
use crate::echo_clients::{EchoClient, EchoTally, EchoTarget, MAX_ECHO};
use crate::problems::Problems;
use crate::servers::Server;
use crate::session::{CLIENT_STACK_SIZE, IO_TIMEOUT, Sessions};
use crate::watch::{Record, Sampler, Tolerance, Usage};

const ABOUT: &str = "runs the real echo-server and com-server under many clients for a while \
                     and checks that nothing was lost, corrupted or leaked";

const FLAGS: &[Flag] = &[
    Flag::value("secs", "SECONDS", "30", "how long the clients run"),
    Flag::value("echo-clients", "N", "200", "echo clients, one thread each"),
    Flag::value("chat-clients", "N", "50", "chat clients, one thread each"),
    Flag::value(
        "seed",
        "N",
        "",
        "seed for every random choice (default: a fresh one, printed at the start)",
    ),
];

/// Memory the echo-server may keep after its clients are gone: its allocator holds on
/// to some freed memory for reuse; a leak grows with the run's length, far past this.
const ECHO_TOLERANCE: Tolerance = Tolerance { rss_kib: 4 * 1024 };

/// The com-server's allowance is larger: each of its threads may get its own malloc
/// arena, and arenas keep some freed memory.
const COM_TOLERANCE: Tolerance = Tolerance { rss_kib: 8 * 1024 };

/// How long the servers get, once every client has gone, to be back to baseline.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(20);

/// How long clients get, after the end, to finish their last exchange and close: normally
/// well under a second, at most two `IO_TIMEOUT`s (one exchange, one close) when a server
/// stops answering.
const FINISH_GRACE: Duration = Duration::from_secs(2 * IO_TIMEOUT.as_secs() + 5);

/// How often a progress line is printed.
const PROGRESS_EVERY: Duration = Duration::from_secs(10);

/// Clients start spread over this long rather than all in the same millisecond.
const START_SPREAD: Duration = Duration::from_secs(1);

/// What the command line asked for.
struct Plan {
    secs: u64,
    echo_clients: usize,
    chat_clients: usize,
    seed: u64,
}

impl Plan {
    fn from_args(args: &Args) -> Plan {
        let seed = args.value_or_exit::<String>("seed");
        let seed = if seed.is_empty() {
            frame::mask::random_u64()
        } else {
            seed.parse().unwrap_or_else(|error| {
                eprintln!("soak: invalid value '{seed}' for --seed: {error} (try --help)");
                std::process::exit(2);
            })
        };
        Plan {
            secs: args.value_or_exit("secs"),
            echo_clients: args.value_or_exit("echo-clients"),
            chat_clients: args.value_or_exit("chat-clients"),
            seed,
        }
    }
}

fn main() -> ExitCode {
    let args = cli::parse_or_exit("soak", ABOUT, FLAGS);
    let plan = Plan::from_args(&args);
    match run(&plan) {
        Ok(outcome) => {
            println!("{}", outcome.summary);
            if outcome.failures.is_empty() {
                return ExitCode::SUCCESS;
            }
            println!("soak FAILED:");
            for failure in &outcome.failures {
                println!("  {failure}");
            }
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("soak: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The one-line summary and every reason the soak failed (none: it passed).
struct Outcome {
    summary: String,
    failures: Vec<String>,
}

/// Starts the servers, runs the clients, checks everything. Unit tests check one behaviour
/// at a time; this checks that they still hold after thousands of connections: every
/// echoed byte comes back, every chat line reaches every member exactly once and in order
/// (`chat_audit`), memory and threads return to where they started, nothing panics.
///
/// The servers are killed when this returns, however it returns (their handles kill them
/// on drop), and they carry a `--time-limit` in case the whole process is killed.
fn run(plan: &Plan) -> Result<Outcome, String> {
    let (mut echo, mut com, greeting) = start_servers(plan)?;
    println!(
        "soak: {} s with seed {}: {} echo clients on {} (pid {}), {} chat clients on {} (pid {})",
        plan.secs,
        plan.seed,
        plan.echo_clients,
        echo.url(),
        echo.process.pid(),
        plan.chat_clients,
        com.url(),
        com.process.pid()
    );

    // The baseline: started up, listening, no client yet.
    thread::sleep(Duration::from_millis(500));
    let pids = vec![echo.process.pid(), com.process.pid()];
    let baselines: Vec<Usage> = pids
        .iter()
        .map(|&pid| watch::usage(pid).ok_or(format!("cannot read /proc/{pid}/status")))
        .collect::<Result<_, _>>()?;
    let sampler = Sampler::start(pids.clone());

    let problems = Arc::new(Problems::default());
    let stop_at = Instant::now() + Duration::from_secs(plan.secs);
    let echo_shared = Arc::new(EchoShared {
        target: EchoTarget {
            url: echo.url(),
            greeting,
        },
        tally: EchoTally::default(),
        sessions: Sessions::default(),
    });
    let chat_shared = Arc::new(ChatShared {
        url: com.url(),
        stop_at,
        roster: Default::default(),
        tally: Default::default(),
        sessions: Sessions::default(),
        records: Mutex::new(Vec::new()),
    });
    let clients = start_clients(plan, stop_at, &echo_shared, &chat_shared, &problems);

    print_progress_until(stop_at, plan, &echo_shared, &chat_shared, &sampler);
    wait_for_clients(clients, stop_at + FINISH_GRACE, &problems);

    let tolerances = [ECHO_TOLERANCE, COM_TOLERANCE];
    let settled = watch::settle(&pids, &baselines, &tolerances, SETTLE_TIMEOUT);
    let records = sampler.finish();
    for server in [&mut echo, &mut com] {
        if !server.is_running() {
            problems.report(format!("{} exited during the soak", server.name));
        }
        for line in server.log_problems() {
            problems.report(line);
        }
    }
    let resources = check_resources(
        [&echo, &com],
        &baselines,
        &settled,
        &records,
        &tolerances,
        &problems,
    );

    let chat_records = std::mem::take(
        &mut *chat_shared
            .records
            .lock()
            .unwrap_or_else(PoisonError::into_inner),
    );
    let audit = chat_audit::audit(&chat_records, &chat_shared.roster);
    for failure in &audit.failures {
        problems.report(format!("chat audit: {failure}"));
    }
    if !audit.passed() {
        problems.report(format!(
            "chat audit: {} lost, {} duplicated, {} out of order, {} join/leave notices lost",
            audit.lost, audit.duplicated, audit.out_of_order, audit.notices_lost
        ));
    }

    let panics = echo.panics() + com.panics();
    Ok(Outcome {
        summary: summary_line(plan, &echo_shared, &chat_shared, &audit, &resources, panics),
        failures: problems.describe(),
    })
    // `echo` and `com` drop here: both servers are killed.
}

/// What the echo clients share.
struct EchoShared {
    target: EchoTarget,
    tally: EchoTally,
    sessions: Sessions,
}

/// Starts both servers on free ports, with a time limit past the soak's end and message
/// limits above what the clients send. Returns them and the echo-server's greeting.
fn start_servers(plan: &Plan) -> Result<(Server, Server, String), String> {
    let echo_program = servers::locate("echo-server")?;
    let com_program = servers::locate("com-server")?;
    let time_limit = (plan.secs + 60).to_string();
    let echo_flags = [
        "--time-limit".to_owned(),
        time_limit.clone(),
        "--max-message".to_owned(),
        (2 * MAX_ECHO).to_string(),
    ];
    let com_flags = [
        "--time-limit".to_owned(),
        time_limit,
        "--max-message".to_owned(),
        (2 * chat_clients::MAX_PADDING + 1024).to_string(),
    ];
    let echo = servers::start("echo-server", &echo_program, &echo_flags)?;
    let com = servers::start("com-server", &com_program, &com_flags)?;
    let instance = echo
        .process
        .lines()
        .iter()
        .find_map(|line| {
            line.strip_prefix("echo-server instance ")
                .map(str::to_owned)
        })
        .ok_or("echo-server did not print its instance id")?;
    Ok((echo, com, format!("Request served by {instance}")))
}

/// The line that sums the run up.
fn summary_line(
    plan: &Plan,
    echo_shared: &EchoShared,
    chat_shared: &ChatShared,
    audit: &Audit,
    resources: &str,
    panics: usize,
) -> String {
    let echo_tally = &echo_shared.tally;
    let lost = echo_tally.lost.get() + audit.lost + audit.notices_lost;
    let duplicated = echo_tally.duplicated.get() + audit.duplicated;
    let out_of_order = echo_tally.out_of_order.get() + audit.out_of_order;
    let corrupted = echo_tally.corrupted.get() + chat_shared.tally.corrupted.get();
    let sessions = [&echo_shared.sessions, &chat_shared.sessions];
    let opened: u64 = sessions.iter().map(|counts| counts.opened.get()).sum();
    // Every session after a client's first is a reconnect.
    let reconnects = opened.saturating_sub((plan.echo_clients + plan.chat_clients) as u64);
    let abrupt: u64 = sessions.iter().map(|counts| counts.abrupt.get()).sum();
    let mid_frame: u64 = sessions.iter().map(|counts| counts.mid_frame.get()).sum();
    format!(
        "soak: {} s, echo {} messages ({}) verified, chat {} messages delivered {} times, \
         {lost} lost, {duplicated} duplicated, {out_of_order} out of order, {corrupted} corrupted, \
         {reconnects} reconnects, {abrupt} abrupt ({mid_frame} mid-frame); {resources}; \
         {panics} panics",
        plan.secs,
        echo_tally.messages.get(),
        bytes(echo_tally.bytes.get()),
        audit.messages,
        count(audit.deliveries),
    )
}

/// Starts every client thread, spread over `START_SPREAD`.
fn start_clients(
    plan: &Plan,
    stop_at: Instant,
    echo_shared: &Arc<EchoShared>,
    chat_shared: &Arc<ChatShared>,
    problems: &Arc<Problems>,
) -> Vec<JoinHandle<()>> {
    let total = plan.echo_clients + plan.chat_clients;
    let mut handles = Vec::with_capacity(total);
    for index in 0..total {
        let delay = START_SPREAD.mul_f64(index as f64 / total.max(1) as f64);
        let dice = Dice::new(plan.seed, index as u64);
        let client_problems = problems.clone();
        let builder = thread::Builder::new().stack_size(CLIENT_STACK_SIZE);
        let spawned = if index < plan.echo_clients {
            let shared = echo_shared.clone();
            builder.name(format!("echo-{index}")).spawn(move || {
                thread::sleep(delay);
                EchoClient {
                    number: index,
                    dice,
                    target: &shared.target,
                    stop_at,
                    tally: &shared.tally,
                    sessions: &shared.sessions,
                    problems: &client_problems,
                }
                .run();
            })
        } else {
            let shared = chat_shared.clone();
            let number = index - plan.echo_clients;
            builder.name(format!("chat-{number}")).spawn(move || {
                thread::sleep(delay);
                ChatClient {
                    number,
                    dice,
                    shared: &shared,
                    problems: &client_problems,
                }
                .run();
            })
        };
        match spawned {
            Ok(handle) => handles.push(handle),
            Err(error) => problems.report(format!("cannot start client thread {index}: {error}")),
        }
    }
    handles
}

/// Prints a progress line every `PROGRESS_EVERY` until `stop_at`.
fn print_progress_until(
    stop_at: Instant,
    plan: &Plan,
    echo_shared: &EchoShared,
    chat_shared: &ChatShared,
    sampler: &Sampler,
) {
    let started = Instant::now();
    loop {
        let left = stop_at.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        thread::sleep(left.min(PROGRESS_EVERY));
        if Instant::now() >= stop_at {
            return;
        }
        let records = sampler.records();
        let (echo, com) = (records[0].latest, records[1].latest);
        println!(
            "soak: {:>4}/{} s: echo {} messages ({}), chat {} lines sent; echo-server {:.1} MiB \
             {} thread(s), com-server {:.1} MiB {} threads",
            started.elapsed().as_secs(),
            plan.secs,
            echo_shared.tally.messages.get(),
            bytes(echo_shared.tally.bytes.get()),
            chat_shared.tally.sent.get(),
            echo.rss_mib(),
            echo.threads,
            com.rss_mib(),
            com.threads
        );
    }
}

/// Waits for every client thread to finish, up to `deadline`. A thread still running
/// then is stuck on a server that stopped answering: reported, and left behind (the
/// process exit ends it).
fn wait_for_clients(handles: Vec<JoinHandle<()>>, deadline: Instant, problems: &Problems) {
    while handles.iter().any(|handle| !handle.is_finished()) && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(100));
    }
    let mut stuck = 0;
    for handle in handles {
        if !handle.is_finished() {
            stuck += 1;
            continue;
        }
        let name = handle.thread().name().unwrap_or("client").to_owned();
        if handle.join().is_err() {
            problems.report(format!("client thread {name} panicked"));
        }
    }
    if stuck > 0 {
        problems.report(format!(
            "{stuck} client thread(s) still running {} s after the end: a server stopped answering",
            FINISH_GRACE.as_secs()
        ));
    }
}

/// Checks that each server is back to its baseline, and describes memory and threads
/// for the summary: `echo RSS 3.1 -> 3.2 MiB (peak 40.2), ...`.
fn check_resources(
    servers: [&Server; 2],
    baselines: &[Usage],
    settled: &[Option<Usage>],
    records: &[Record],
    tolerances: &[Tolerance],
    problems: &Problems,
) -> String {
    let mut memory = Vec::new();
    let mut threads = Vec::new();
    for (index, server) in servers.iter().enumerate() {
        let (baseline, tolerance, record) = (baselines[index], tolerances[index], records[index]);
        let short = server.name.trim_end_matches("-server");
        if record.missing > 0 {
            problems.report(format!(
                "{} was gone in {} of the per-second samples",
                server.name, record.missing
            ));
        }
        let Some(end) = settled[index] else {
            problems.report(format!("{} is gone at the end", server.name));
            memory.push(format!("{short} RSS {:.1} -> gone", baseline.rss_mib()));
            threads.push(format!("{} -> gone", baseline.threads));
            continue;
        };
        if !watch::is_back(end, baseline, tolerance) {
            problems.report(format!(
                "{} is not back to its baseline {} s after the last client left: RSS {:.1} -> \
                 {:.1} MiB (allowed +{:.1}), threads {} -> {}",
                server.name,
                SETTLE_TIMEOUT.as_secs(),
                baseline.rss_mib(),
                end.rss_mib(),
                tolerance.rss_kib as f64 / 1024.0,
                baseline.threads,
                end.threads
            ));
        }
        memory.push(format!(
            "{short} RSS {:.1} -> {:.1} MiB (peak {:.1})",
            baseline.rss_mib(),
            end.rss_mib(),
            record.peak.rss_mib()
        ));
        threads.push(format!(
            "{} -> {} (peak {})",
            baseline.threads, end.threads, record.peak.threads
        ));
    }
    format!("{}, threads {}", memory.join(", "), threads.join(" / "))
}

/// `812.4 MB`, `1.2 GB`.
fn bytes(amount: u64) -> String {
    let amount = amount as f64;
    if amount >= 1e9 {
        format!("{:.1} GB", amount / 1e9)
    } else {
        format!("{:.1} MB", amount / 1e6)
    }
}

/// `987`, `45.6k`, `4.5M`.
fn count(amount: u64) -> String {
    match amount {
        0..10_000 => amount.to_string(),
        10_000..1_000_000 => format!("{:.1}k", amount as f64 / 1e3),
        _ => format!("{:.1}M", amount as f64 / 1e6),
    }
}
