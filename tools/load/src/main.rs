//! `load`: the echo-server's benchmark. It opens connections to an echo server on this
//! machine, sends messages, checks that every echo comes back byte for byte, and prints
//! throughput, round-trip percentiles, and (given the server's PID) its CPU and memory cost.
//!
//! Six modes answer the questions of docs/performance.md: `throughput` (N connections, M
//! messages each, W in flight), `pingpong` (one connection, one message in flight: pure
//! latency), `idle` (what K quiet connections cost the server), `big` (the server's peak
//! memory while it echoes one large message), `crowd` (N connections on one thread, P% of
//! them talking: the curve, `crowd.rs`) and `chat` (com-server's room under load,
//! `chat.rs`). The last line of every run is `RESULT key=value ...`, which `compare` reads.

#![forbid(unsafe_code)]

mod chat;
mod client;
mod crowd;
mod open_files;
mod process_stats;

use std::collections::VecDeque;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier, mpsc};
use std::time::{Duration, Instant};

use cli::{Args, Flag};
use client::{Client, Target};
use frame::Opcode;

const FLAGS: &[Flag] = &[
    Flag::value(
        "mode",
        "MODE",
        "throughput",
        "throughput, pingpong, idle, big, crowd or chat",
    ),
    Flag::value(
        "url",
        "ws://HOST:PORT/PATH",
        "",
        "the server to load (instead of --addr)",
    ),
    Flag::value(
        "addr",
        "HOST:PORT",
        "127.0.0.1:7776",
        "the server to load (loopback only)",
    ),
    Flag::value(
        "connections",
        "N",
        "50",
        "connections (throughput: one thread each; idle: held open)",
    ),
    Flag::value("messages", "M", "2000", "messages per connection"),
    Flag::value(
        "size",
        "BYTES",
        "32",
        "payload bytes per message (big mode: 16777216 unless given)",
    ),
    Flag::value(
        "in-flight",
        "W",
        "8",
        "messages each connection keeps sent but not yet echoed",
    ),
    // Chat mode (`--mode chat`, see chat.rs): --connections members in one room, each
    // sending --messages lines of --size bytes with --in-flight W undelivered, or at --rate.
    Flag::value(
        "rate",
        "PER_SEC",
        "0",
        "chat: lines per second per member (0: closed loop, --in-flight each)",
    ),
    Flag::switch(
        "slow-member",
        "chat: add a member that never reads; it must be closed with 1008",
    ),
    Flag::switch("binary", "send binary messages instead of text"),
    Flag::value(
        "fragment",
        "BYTES",
        "0",
        "split each message into frames of at most this many bytes (0: one frame)",
    ),
    Flag::switch(
        "skip-greeting",
        "expect one 'Request served by ...' text first on each connection and skip it",
    ),
    Flag::value(
        "pid",
        "PID",
        "0",
        "the server's process id (idle and big modes read /proc/PID)",
    ),
    Flag::value(
        "idle-seconds",
        "SECS",
        "10",
        "idle mode: how long to sample the server's CPU time",
    ),
    // The crowd mode's flags (see crowd.rs): N connections, of which P% talk.
    Flag::value(
        "active-percent",
        "P",
        "10",
        "crowd mode: the share of --connections that echo in the active phase",
    ),
    Flag::value(
        "seconds",
        "T",
        "5",
        "crowd mode: how long the active phase lasts",
    ),
    Flag::value(
        "timeout",
        "SECS",
        "300",
        "give up (exit 1) if the whole run takes longer",
    ),
];

/// What every mode needs to know, read once from the flags.
#[derive(Debug, Clone)]
struct Settings {
    target: Target,
    connections: usize,
    messages: usize,
    size: usize,
    in_flight: usize,
    fragment: usize,
    opcode: Opcode,
    skip_greeting: bool,
    pid: u32,
    idle_seconds: u64,
}

fn main() {
    let args = cli::parse_or_exit(
        "load",
        "load an echo server on this machine and verify every echo",
        FLAGS,
    );
    let mode: String = args.value_or_exit("mode");
    let settings = read_settings(&args, &mode);
    let timeout: u64 = args.value_or_exit("timeout");
    // Every connection is a descriptor: the soft limit (often 1024) is ours to raise.
    if let Err(error) = open_files::raise_to_hard_limit() {
        eprintln!("load: cannot raise the open-files limit: {error}");
    }
    // The watchdog: whatever goes wrong (a server that accepts and never answers, a lost
    // frame), the tool ends with an error instead of hanging its caller.
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(timeout));
        eprintln!("load: gave up after {timeout} s (--timeout)");
        std::process::exit(1);
    });
    let outcome = match mode.as_str() {
        "chat" => chat::run(&settings, chat::options(&args)),
        "throughput" | "pingpong" => run_throughput(&mode, &settings),
        "idle" => run_idle(&settings),
        "big" => run_big(&settings),
        "crowd" => crowd::run(&args, &settings),
        other => Err(format!(
            "unknown mode '{other}' (throughput, pingpong, idle, big, crowd or chat)"
        )),
    };
    if let Err(error) = outcome {
        eprintln!("load: {error}");
        std::process::exit(1);
    }
}

fn read_settings(args: &Args, mode: &str) -> Settings {
    let url: String = args.value_or_exit("url");
    let target = if url.is_empty() {
        let addr: String = args.value_or_exit("addr");
        resolve(&addr, "/")
    } else {
        match url.strip_prefix("ws://") {
            Some(rest) => {
                let (host, path) = match rest.find('/') {
                    Some(slash) => (&rest[..slash], &rest[slash..]),
                    None => (rest, "/"),
                };
                resolve(host, path)
            }
            None => Err(format!("--url must start with ws:// (got '{url}')")),
        }
    };
    let target = target.unwrap_or_else(|error| usage_error(&error));
    let mut settings = Settings {
        target,
        connections: args.value_or_exit("connections"),
        messages: args.value_or_exit("messages"),
        size: args.value_or_exit("size"),
        in_flight: args.value_or_exit("in-flight"),
        fragment: args.value_or_exit("fragment"),
        opcode: if args.switch("binary") {
            Opcode::Binary
        } else {
            Opcode::Text
        },
        skip_greeting: args.switch("skip-greeting"),
        pid: args.value_or_exit("pid"),
        idle_seconds: args.value_or_exit("idle-seconds"),
    };
    match mode {
        "pingpong" => {
            settings.connections = 1;
            settings.in_flight = 1;
        }
        "big" if args.all("size").is_empty() => settings.size = 16 << 20,
        _ => {}
    }
    if settings.connections == 0 || settings.messages == 0 || settings.in_flight == 0 {
        usage_error("--connections, --messages and --in-flight must be at least 1");
    }
    if matches!(mode, "idle" | "big") && settings.pid == 0 {
        usage_error(&format!(
            "{mode} mode measures a server process: give its --pid"
        ));
    }
    settings
}

/// Resolves `host_port` and insists on loopback: a load tool must never be pointed at
/// somebody else's server by a typo.
fn resolve(host_port: &str, path: &str) -> Result<Target, String> {
    let with_port = if host_port
        .rsplit_once(':')
        .is_some_and(|(_, port)| !port.is_empty() && port.bytes().all(|byte| byte.is_ascii_digit()))
    {
        host_port.to_owned()
    } else {
        format!("{host_port}:80")
    };
    let addr: SocketAddr = with_port
        .to_socket_addrs()
        .map_err(|error| format!("cannot resolve '{host_port}': {error}"))?
        .next()
        .ok_or_else(|| format!("'{host_port}' resolves to no address"))?;
    if !addr.ip().is_loopback() {
        return Err(format!(
            "{addr} is not a loopback address: this tool only loads servers on this machine"
        ));
    }
    Ok(Target {
        addr,
        host: host_port.to_owned(),
        path: path.to_owned(),
    })
}

fn usage_error(problem: &str) -> ! {
    eprintln!("load: {problem} (try --help)");
    std::process::exit(2);
}

/// Throughput and ping-pong: every connection in its own thread keeps `in_flight`
/// messages unanswered until it has sent `messages`, and times each round trip.
fn run_throughput(mode: &str, settings: &Settings) -> Result<(), String> {
    let kind = if settings.opcode == Opcode::Text {
        "text"
    } else {
        "binary"
    };
    println!(
        "mode {mode}: {} connection(s) x {} messages of {} bytes ({kind}){}, {} in flight each, to {}",
        settings.connections,
        settings.messages,
        settings.size,
        framing(settings),
        settings.in_flight,
        settings.target.addr
    );
    // Connect everyone first, so that the clock only runs while messages flow.
    let mut clients = Vec::with_capacity(settings.connections);
    for index in 0..settings.connections {
        let mut client = Client::connect(&settings.target)
            .map_err(|error| format!("connection {index}: {error}"))?;
        if settings.skip_greeting {
            skip_greeting(&mut client).map_err(|error| format!("connection {index}: {error}"))?;
        }
        clients.push(client);
    }
    let start_line = Arc::new(Barrier::new(settings.connections + 1));
    let mut workers = Vec::with_capacity(settings.connections);
    for (index, client) in clients.into_iter().enumerate() {
        let start_line = start_line.clone();
        let settings = settings.clone();
        workers.push(std::thread::spawn(move || {
            start_line.wait();
            echo_many(client, index as u64, &settings)
                .map_err(|error| format!("connection {index}: {error}"))
        }));
    }
    start_line.wait();
    let started = Instant::now();
    let mut round_trips = Vec::with_capacity(settings.connections * settings.messages);
    for worker in workers {
        let finished = worker
            .join()
            .map_err(|_| "a connection thread panicked".to_owned())??;
        round_trips.extend(finished);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let messages = round_trips.len();
    let messages_per_second = messages as f64 / elapsed;
    let megabytes_per_second = (messages * settings.size) as f64 / elapsed / 1e6;
    round_trips.sort_unstable();
    let p50 = percentile(&round_trips, 50.0);
    let p99 = percentile(&round_trips, 99.0);
    let max = round_trips.last().copied().unwrap_or(0) as f64 / 1000.0;
    println!("{messages} messages echoed and verified byte for byte in {elapsed:.3} s");
    println!(
        "throughput: {messages_per_second:.0} msgs/s, {megabytes_per_second:.2} MB/s of payload each way"
    );
    println!("round trip: p50 {p50:.1} us, p99 {p99:.1} us, max {max:.1} us");
    println!(
        "RESULT mode={mode} connections={} messages={messages} size={} in_flight={} seconds={elapsed:.3} msgs_per_sec={messages_per_second:.0} mb_per_sec={megabytes_per_second:.3} p50_us={p50:.1} p99_us={p99:.1}",
        settings.connections, settings.size, settings.in_flight
    );
    Ok(())
}

/// One connection's share of a throughput run: returns its round-trip times in
/// nanoseconds, in order.
fn echo_many(mut client: Client, connection: u64, settings: &Settings) -> Result<Vec<u64>, String> {
    let total = settings.messages;
    let mut round_trips = Vec::with_capacity(total);
    // Echoes come back in the order the messages went out (TCP and one connection), so
    // the send times form a queue.
    let mut sent_at = VecDeque::with_capacity(settings.in_flight);
    let mut payload = Vec::with_capacity(settings.size);
    let mut expected = Vec::with_capacity(settings.size);
    let mut outgoing = Vec::new();
    let mut outbox = Outbox::new(&client, settings.in_flight * settings.size)?;
    let mut sent = 0;
    let mut received = 0;
    while sent < total.min(settings.in_flight) {
        queue_message(connection, sent, settings, &mut payload, &mut outgoing);
        sent_at.push_back(Instant::now());
        sent += 1;
    }
    while received < total {
        match client.next_message()? {
            Some(opcode) => {
                let round_trip = sent_at
                    .pop_front()
                    .ok_or("an echo arrived for a message never sent")?
                    .elapsed();
                round_trips.push(round_trip.as_nanos() as u64);
                make_payload(connection, received as u64, settings, &mut expected);
                verify_echo(opcode, client.message(), settings.opcode, &expected)
                    .map_err(|error| format!("message {received}: {error}"))?;
                received += 1;
                if sent < total {
                    queue_message(connection, sent, settings, &mut payload, &mut outgoing);
                    sent_at.push_back(Instant::now());
                    sent += 1;
                }
            }
            None => {
                // Everything already received is answered: send the batch in one write,
                // then wait for more.
                client.take_replies(&mut outgoing);
                if !outgoing.is_empty() {
                    outbox.send(&mut client, &mut outgoing)?;
                }
                client.fill()?;
            }
        }
    }
    outbox.finish()?;
    client.close()?;
    Ok(round_trips)
}

/// How a connection's batches reach the socket. Small windows are written by the
/// connection's own thread between reads: cheapest, and safe because a whole window fits
/// in the socket buffers. A bigger window could fill them while a thread-per-connection
/// server is blocked writing echoes we are not reading yet (both sides stuck in `write`),
/// so it gets a writer thread and the reading never stops.
enum Outbox {
    Inline,
    Threaded {
        batches: mpsc::Sender<Vec<u8>>,
        writer: std::thread::JoinHandle<Result<(), String>>,
    },
}

/// The largest window written inline: well under loopback's socket buffers.
const INLINE_WINDOW_BYTES: usize = 64 * 1024;

impl Outbox {
    fn new(client: &Client, window_bytes: usize) -> Result<Outbox, String> {
        if window_bytes <= INLINE_WINDOW_BYTES {
            return Ok(Outbox::Inline);
        }
        let mut stream = client.writer()?;
        // The window bounds what can wait in the channel: a new message is only
        // queued when an echo has come back.
        let (batches, receiver) = mpsc::channel::<Vec<u8>>();
        let writer = std::thread::spawn(move || {
            use std::io::Write;
            for batch in receiver {
                stream
                    .write_all(&batch)
                    .map_err(|error| format!("write failed: {error}"))?;
            }
            Ok(())
        });
        Ok(Outbox::Threaded { batches, writer })
    }

    /// Sends `batch` (leaving it empty).
    fn send(&mut self, client: &mut Client, batch: &mut Vec<u8>) -> Result<(), String> {
        match self {
            Outbox::Inline => {
                client.send_all(batch)?;
                batch.clear();
                Ok(())
            }
            Outbox::Threaded { batches, .. } => batches
                .send(std::mem::take(batch))
                .map_err(|_| "the writer thread stopped".to_owned()),
        }
    }

    /// Waits until everything sent is written.
    fn finish(self) -> Result<(), String> {
        match self {
            Outbox::Inline => Ok(()),
            Outbox::Threaded { batches, writer } => {
                drop(batches);
                writer
                    .join()
                    .map_err(|_| "the writer thread panicked".to_owned())?
            }
        }
    }
}

fn queue_message(
    connection: u64,
    sequence: usize,
    settings: &Settings,
    payload: &mut Vec<u8>,
    outgoing: &mut Vec<u8>,
) {
    make_payload(connection, sequence as u64, settings, payload);
    client::encode_fragmented(settings.opcode, payload, settings.fragment, outgoing);
}

/// The payload of message `sequence` on `connection`: pseudo-random bytes seeded by both,
/// so an echo that comes back late, twice, from another connection or with one byte
/// changed does not match. Text messages use printable ASCII (always valid UTF-8).
fn make_payload(connection: u64, sequence: u64, settings: &Settings, out: &mut Vec<u8>) {
    out.clear();
    let mut state = (connection << 32 ^ sequence).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    while out.len() < settings.size {
        // xorshift64: eight fresh bytes per step, cheap enough for 16 MiB.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let word = state.to_le_bytes();
        let take = (settings.size - out.len()).min(8);
        if settings.opcode == Opcode::Text {
            out.extend(word[..take].iter().map(|byte| b' ' + byte % 95));
        } else {
            out.extend_from_slice(&word[..take]);
        }
    }
}

fn verify_echo(
    opcode: Opcode,
    echoed: &[u8],
    sent_opcode: Opcode,
    sent: &[u8],
) -> Result<(), String> {
    if opcode != sent_opcode {
        return Err(format!(
            "sent {} but the echo is {}",
            sent_opcode.name(),
            opcode.name()
        ));
    }
    if echoed == sent {
        return Ok(());
    }
    if echoed.starts_with(b"Request served by ") {
        return Err(
            "got the greeting 'Request served by ...': start the server with \
             --no-greeting or give --skip-greeting"
                .to_owned(),
        );
    }
    let first_difference = echoed
        .iter()
        .zip(sent)
        .position(|(echoed, sent)| echoed != sent)
        .unwrap_or(echoed.len().min(sent.len()));
    Err(format!(
        "the echo differs from what was sent: {} bytes back for {} sent, first difference at byte {first_difference}",
        echoed.len(),
        sent.len()
    ))
}

/// Our echo-server greets every connection like echo.websocket.org does; the benchmark
/// runs it with `--no-greeting`, but can also skip exactly that one message.
fn skip_greeting(client: &mut Client) -> Result<(), String> {
    let opcode = client.receive_message()?;
    if opcode == Opcode::Text && client.message().starts_with(b"Request served by ") {
        Ok(())
    } else {
        Err(format!(
            "expected the greeting 'Request served by ...' first, got {} {:?}",
            opcode.name(),
            String::from_utf8_lossy(&client.message()[..client.message().len().min(60)])
        ))
    }
}

/// How messages are framed, for the report's first line.
fn framing(settings: &Settings) -> String {
    if settings.fragment == 0 || settings.size <= settings.fragment {
        String::new()
    } else {
        format!(" in frames of {} bytes", settings.fragment)
    }
}

/// Nearest-rank percentile of sorted nanoseconds, in microseconds.
fn percentile(sorted_nanoseconds: &[u64], percent: f64) -> f64 {
    if sorted_nanoseconds.is_empty() {
        return 0.0;
    }
    let rank = (percent / 100.0 * sorted_nanoseconds.len() as f64).ceil() as usize;
    sorted_nanoseconds[rank.clamp(1, sorted_nanoseconds.len()) - 1] as f64 / 1000.0
}

/// Idle cost: open K connections, let them sit, and read what the server spends on them.
fn run_idle(settings: &Settings) -> Result<(), String> {
    let pid = settings.pid;
    let count = settings.connections;
    println!(
        "mode idle: {count} idle connections to {} (server pid {pid}), CPU sampled over {} s",
        settings.target.addr, settings.idle_seconds
    );
    let rss_before = process_stats::memory_kib(pid, "VmRSS")?;
    let mut clients = Vec::with_capacity(count);
    for index in 0..count {
        let mut client = Client::connect(&settings.target)
            .map_err(|error| format!("connection {index}: {error}"))?;
        if settings.skip_greeting {
            skip_greeting(&mut client).map_err(|error| format!("connection {index}: {error}"))?;
        }
        clients.push(client);
    }
    // Give the server a moment to finish whatever each accept started (a thread
    // starting up, a handshake buffer being released) before measuring.
    std::thread::sleep(Duration::from_secs(2));
    let rss_after = process_stats::memory_kib(pid, "VmRSS")?;
    let cpu_before = process_stats::cpu_time(pid)?;
    let sampling = Instant::now();
    std::thread::sleep(Duration::from_secs(settings.idle_seconds));
    let cpu = process_stats::cpu_time(pid)?.saturating_sub(cpu_before);
    let seconds = sampling.elapsed().as_secs_f64();
    let cpu_percent = cpu.as_secs_f64() / seconds * 100.0;
    let kib_each = (rss_after as f64 - rss_before as f64) / count as f64;
    // Idle must not mean dead: every connection still echoes after the quiet spell.
    // The first echo is timed on its own: it is what a poll loop's sleeping costs, the
    // wait of the first message after a quiet spell.
    let mut outgoing = Vec::new();
    let mut payload = Vec::new();
    let first_echo = {
        let first = clients.first_mut().ok_or("idle mode needs a connection")?;
        queue_message(0, 0, settings, &mut payload, &mut outgoing);
        let sent = Instant::now();
        first.send_all(&outgoing)?;
        let opcode = first.receive_message()?;
        let round_trip = sent.elapsed().as_secs_f64() * 1000.0;
        verify_echo(opcode, first.message(), settings.opcode, &payload)
            .map_err(|error| format!("idle connection 0: {error}"))?;
        round_trip
    };
    for (index, client) in clients.iter_mut().enumerate().skip(1) {
        outgoing.clear();
        queue_message(index as u64, 0, settings, &mut payload, &mut outgoing);
        client.send_all(&outgoing)?;
    }
    for (index, client) in clients.iter_mut().enumerate().skip(1) {
        let opcode = client
            .receive_message()
            .map_err(|error| format!("idle connection {index}: {error}"))?;
        make_payload(index as u64, 0, settings, &mut payload);
        verify_echo(opcode, client.message(), settings.opcode, &payload)
            .map_err(|error| format!("idle connection {index}: {error}"))?;
    }
    Client::close_all(clients)?;
    println!(
        "server CPU while idle: {cpu_percent:.2}% of one core ({:.1} ms in {seconds:.1} s, from /proc/PID/task/*/schedstat)",
        cpu.as_secs_f64() * 1000.0
    );
    println!(
        "server RSS: {rss_before} KiB before, {rss_after} KiB with {count} idle connections: {kib_each:.2} KiB each"
    );
    println!(
        "all {count} connections still echoed after the idle spell; the first echo took {first_echo:.2} ms"
    );
    println!(
        "RESULT mode=idle connections={count} cpu_percent={cpu_percent:.3} rss_before_kib={rss_before} rss_after_kib={rss_after} kib_per_connection={kib_each:.2} first_echo_ms={first_echo:.3}"
    );
    Ok(())
}

/// Big message: one message (16 MiB by default) echoed while the server's peak resident
/// memory is watched.
fn run_big(settings: &Settings) -> Result<(), String> {
    let pid = settings.pid;
    let size = settings.size;
    println!(
        "mode big: one {size}-byte message{} to {} (server pid {pid})",
        framing(settings),
        settings.target.addr
    );
    let mut client = Client::connect(&settings.target)?;
    if settings.skip_greeting {
        skip_greeting(&mut client)?;
    }
    let mut payload = Vec::new();
    make_payload(0, 0, settings, &mut payload);
    let mut outgoing = Vec::with_capacity(size + 14);
    client::encode_fragmented(settings.opcode, &payload, settings.fragment, &mut outgoing);
    std::thread::sleep(Duration::from_millis(200));
    let rss_before = process_stats::memory_kib(pid, "VmRSS")?;
    let peak_was_reset = process_stats::reset_peak_memory(pid);
    // VmHWM catches a peak between two samples; sampling VmRSS every 2 ms as well is
    // the fallback where VmHWM cannot be reset, and catches VmHWM's bookkeeping lag.
    let sampling = Arc::new(AtomicBool::new(true));
    let sampled_peak = Arc::new(AtomicU64::new(rss_before));
    let sampler = {
        let sampling = sampling.clone();
        let sampled_peak = sampled_peak.clone();
        std::thread::spawn(move || {
            while sampling.load(Ordering::Relaxed) {
                if let Ok(rss) = process_stats::memory_kib(pid, "VmRSS") {
                    sampled_peak.fetch_max(rss, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    let started = Instant::now();
    let mut writer = client.writer()?;
    let sending = std::thread::spawn(move || {
        use std::io::Write;
        writer
            .write_all(&outgoing)
            .map_err(|error| format!("cannot send the big message: {error}"))
    });
    // Not receive_message: that would send pongs while the writer thread writes.
    let echoed = loop {
        match client.next_message() {
            Ok(Some(opcode)) => break Ok(opcode),
            Ok(None) => {}
            Err(error) => break Err(error),
        }
        if let Err(error) = client.fill() {
            break Err(error);
        }
    };
    let elapsed = started.elapsed().as_secs_f64();
    sending
        .join()
        .map_err(|_| "the sending thread panicked".to_owned())??;
    let opcode = echoed?;
    verify_echo(opcode, client.message(), settings.opcode, &payload)?;
    std::thread::sleep(Duration::from_millis(50));
    sampling.store(false, Ordering::Relaxed);
    sampler
        .join()
        .map_err(|_| "the sampling thread panicked".to_owned())?;
    let high_water_mark = process_stats::memory_kib(pid, "VmHWM")?;
    let sampled_peak = sampled_peak.load(Ordering::Relaxed);
    client.close()?;
    // The kernel batches RSS updates per thread, so VmHWM can lag the sampled VmRSS by
    // a few hundred KiB: take the larger of the two.
    let peak = if peak_was_reset {
        high_water_mark.max(sampled_peak)
    } else {
        sampled_peak
    };
    let ratio = (peak * 1024) as f64 / size as f64;
    let growth = ((peak.saturating_sub(rss_before)) * 1024) as f64 / size as f64;
    println!("echoed and verified in {elapsed:.3} s");
    println!(
        "server RSS: {rss_before} KiB before, peak {peak} KiB ({}; sampled VmRSS peak {sampled_peak} KiB)",
        if peak_was_reset {
            "the larger of VmHWM, reset just before sending, and the sampled VmRSS"
        } else {
            "VmHWM could not be reset: using the sampled peak"
        }
    );
    println!("peak RSS = {ratio:.2}x the message size ({growth:.2}x above the RSS before)");
    println!(
        "RESULT mode=big size={size} fragment={} seconds={elapsed:.3} rss_before_kib={rss_before} peak_kib={peak} sampled_peak_kib={sampled_peak} peak_ratio={ratio:.3} growth_ratio={growth:.3}",
        settings.fragment
    );
    Ok(())
}
