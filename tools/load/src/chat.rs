//! `load --mode chat`: com-server's chat under load. M members (`--connections`) join one
//! room and each sends `--messages` lines of `--size` bytes, either closed-loop (`--in-flight`
//! W of its own lines not yet delivered) or at a fixed `--rate` per member; every member
//! checks that it gets every member's lines exactly once and in each sender's order, and
//! the run reports deliveries per second, delivery latency and what the server spent.
//!
//! The protocol is com-server's: a member joins with `?name=mN`, is greeted (`Server:
//! Hello! Welcome to Chat, mN`), and every line it sends comes back to the whole room, the
//! sender included, as `mN: text`; lines starting `Server: ` are notices and are skipped.
//! Each text is `sender sequence nanoseconds` (since this process's shared `Instant` epoch),
//! padded with dots to `--size` bytes.
//!
//! Words used below: a *delivery* is one line of one member reaching one *other* member
//! (the sender's own copy is checked, but neither counted nor timed); the delivery latency
//! is its arrival time minus the send time in the text. A line is *delivered* for the
//! closed loop when every member, the sender included, has received it: so W bounds what
//! any member's queue in the server can hold (at most W lines of each member), and a
//! member's reader never has to keep up with more than the room's window. With `--rate R`
//! (R > 0) each member sends R lines a second whatever happens to them, spread evenly over
//! the members; a member behind its schedule sends what is due at once.
//!
//! Every member has a reader thread (it owns the `Client` and answers pings through the
//! writer) and a writer thread (the only one that writes its socket). `--slow-member` adds
//! one more member, `slow`, that never reads while it is in the room (it only sends an
//! unsolicited pong every 10 s, so that a keepalive does not take it for gone): the server
//! must evict it with close 1008. When the others are told `Server: slow left the chat` (or at the end
//! of the run, if they never are), it reads what the kernel buffered, within a bounded
//! time, and must find a close frame with code 1008.

use std::collections::BTreeSet;
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Barrier, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use frame::Opcode;

use crate::Settings;
use crate::client::{self, Client, Target};
use crate::process_stats;

/// The slow member's name (com-server keeps it: every other member is `m<index>`).
const SLOW_NAME: &str = "slow";

/// The slow member's receive buffer (the kernel doubles what it is asked for).
const SLOW_RECEIVE_BUFFER: usize = 4096;

/// How long the slow member may take to read its backlog and find the close frame.
const SLOW_DRAIN_LIMIT: Duration = Duration::from_secs(10);

/// How often the slow member, which never reads, sends an unsolicited pong.
const SLOW_HEARTBEAT: Duration = Duration::from_secs(10);

/// How long each member waits for the server's close reply at the end.
const CLOSE_WAIT: Duration = Duration::from_secs(5);

/// How long before the first member joins and after the last one joined the server's RSS
/// (and threads) are read: long enough for the last threads to start and the handshake
/// buffers to be freed.
const SETTLE: Duration = Duration::from_millis(1000);

/// The server's per-member queue in com-server (`--outbox-bytes`): a window that could
/// fill it makes the server evict healthy members, which this run would report as loss.
const SERVER_OUTBOX_BYTES: usize = 1 << 20;

/// A run's knobs beyond the common `Settings`.
#[derive(Debug, Clone, Copy)]
pub struct ChatOptions {
    /// Lines per second per member; 0 for the closed loop.
    pub rate: f64,
    /// Add a member that never reads.
    pub slow_member: bool,
}

/// Reads the chat-only flags.
pub fn options(args: &cli::Args) -> ChatOptions {
    let rate: f64 = args.value_or_exit("rate");
    if !(rate >= 0.0 && rate.is_finite()) {
        crate::usage_error("--rate must be 0 (closed loop) or a positive number");
    }
    ChatOptions {
        rate,
        slow_member: args.switch("slow-member"),
    }
}

// ANCHOR: check
/// What one member has seen of one sender's lines.
#[derive(Debug, Clone, Default)]
struct SenderProgress {
    /// The next sequence number expected in order.
    next: u64,
    /// Numbers skipped over: each is lost unless it turns up later (then it was reordered).
    missing: BTreeSet<u64>,
}

/// How an arrival compares with what the member has seen of its sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// The next one in order.
    InOrder,
    /// Later than expected: the numbers in between are missing (for now).
    Ahead,
    /// A number that was missing: it arrived out of order.
    Reordered,
    /// A number that had already arrived.
    Duplicate,
}

impl Arrival {
    /// The first arrival of this line (it counts as delivered).
    pub fn is_first(self) -> bool {
        self != Arrival::Duplicate
    }
}

/// One member's check that it gets every sender's lines exactly once and in order.
#[derive(Debug, Clone)]
pub struct DeliveryCheck {
    senders: Vec<SenderProgress>,
    expected_each: u64,
    reordered: u64,
    duplicated: u64,
}

impl DeliveryCheck {
    /// A check for `senders` senders that each send `expected_each` lines.
    pub fn new(senders: usize, expected_each: u64) -> DeliveryCheck {
        DeliveryCheck {
            senders: vec![SenderProgress::default(); senders],
            expected_each,
            reordered: 0,
            duplicated: 0,
        }
    }

    /// Records line `sequence` from `sender` (which the caller checked is in range).
    pub fn record(&mut self, sender: usize, sequence: u64) -> Arrival {
        let progress = &mut self.senders[sender];
        if sequence == progress.next {
            progress.next += 1;
            Arrival::InOrder
        } else if sequence > progress.next {
            progress.missing.extend(progress.next..sequence);
            progress.next = sequence + 1;
            Arrival::Ahead
        } else if progress.missing.remove(&sequence) {
            self.reordered += 1;
            Arrival::Reordered
        } else {
            self.duplicated += 1;
            Arrival::Duplicate
        }
    }

    /// Every sender's every line has arrived.
    pub fn complete(&self) -> bool {
        self.senders
            .iter()
            .all(|progress| progress.next == self.expected_each && progress.missing.is_empty())
    }

    /// Lines that were sent (`sent[sender]` of each) and never arrived.
    pub fn lost(&self, sent: &[u64]) -> u64 {
        self.senders
            .iter()
            .zip(sent)
            .map(|(progress, sent)| {
                let arrived = progress.next - progress.missing.len() as u64;
                sent.saturating_sub(arrived)
            })
            .sum()
    }

    /// Lines that arrived a second time.
    pub fn duplicated(&self) -> u64 {
        self.duplicated
    }

    /// Lines that arrived after a later line of the same sender.
    pub fn reordered(&self) -> u64 {
        self.reordered
    }
}
// ANCHOR_END: check

/// A latency histogram in nanoseconds with 64 buckets per power of two (values are kept
/// to within 1.6%), so that millions of deliveries cost a few kilobytes per member.
#[derive(Debug, Clone)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
    max: u64,
}

const SUB_BUCKETS: u64 = 64;

impl Histogram {
    /// An empty histogram.
    pub fn new() -> Histogram {
        Histogram {
            counts: vec![0; Histogram::index(u64::MAX) + 1],
            total: 0,
            max: 0,
        }
    }

    fn index(value: u64) -> usize {
        if value < 2 * SUB_BUCKETS {
            return value as usize;
        }
        let exponent = 63 - u64::from(value.leading_zeros());
        let shift = exponent - 6;
        (2 * SUB_BUCKETS + (shift - 1) * SUB_BUCKETS + ((value >> shift) - SUB_BUCKETS)) as usize
    }

    /// The largest value that falls in bucket `index`.
    fn upper_bound(index: usize) -> u64 {
        let index = index as u64;
        if index < 2 * SUB_BUCKETS {
            return index;
        }
        let shift = (index - 2 * SUB_BUCKETS) / SUB_BUCKETS + 1;
        let mantissa = (index - 2 * SUB_BUCKETS) % SUB_BUCKETS + SUB_BUCKETS;
        // The top bucket ends at 2^64 - 1: computed in u128 so the shift cannot overflow.
        u64::try_from((u128::from(mantissa + 1) << shift) - 1).unwrap_or(u64::MAX)
    }

    /// Counts one value.
    pub fn record(&mut self, value: u64) {
        self.counts[Histogram::index(value)] += 1;
        self.total += 1;
        self.max = self.max.max(value);
    }

    /// Adds another histogram's counts.
    pub fn merge(&mut self, other: &Histogram) {
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine += theirs;
        }
        self.total += other.total;
        self.max = self.max.max(other.max);
    }

    /// The nearest-rank percentile (the upper end of its bucket, never above the max).
    pub fn percentile(&self, percent: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let rank = ((percent / 100.0 * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0;
        for (index, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return Histogram::upper_bound(index).min(self.max);
            }
        }
        self.max
    }

    /// The largest value recorded.
    pub fn max(&self) -> u64 {
        self.max
    }

    /// How many values were recorded.
    #[cfg(test)]
    pub fn count(&self) -> u64 {
        self.total
    }
}

/// The text of line `sequence` of `sender`, sent `nanoseconds` after the epoch, padded with
/// dots to `size` bytes. `None` if the numbers do not fit.
pub fn make_text(sender: usize, sequence: u64, nanoseconds: u64, size: usize) -> Option<String> {
    let mut text = format!("{sender} {sequence} {nanoseconds}");
    if text.len() > size {
        return None;
    }
    text.extend(std::iter::repeat_n('.', size - text.len()));
    Some(text)
}

/// A chat line as a member sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line<'a> {
    /// `Server: ...`.
    Notice(&'a str),
    /// `name: sender sequence nanoseconds....`.
    Chat {
        name: &'a str,
        sender: usize,
        sequence: u64,
        sent_at: u64,
        text_len: usize,
    },
}

/// Reads a line the room sent.
pub fn parse_line(line: &[u8]) -> Result<Line<'_>, String> {
    let line = std::str::from_utf8(line).map_err(|_| "a text message that is not UTF-8")?;
    if let Some(notice) = line.strip_prefix("Server: ") {
        return Ok(Line::Notice(notice));
    }
    let shown = || line.chars().take(60).collect::<String>();
    let (name, text) = line.split_once(": ").ok_or_else(|| {
        format!(
            "a line that is neither a notice nor `name: text`: {:?}",
            shown()
        )
    })?;
    let mut fields = text.splitn(3, ' ');
    let mut number = || -> Option<u64> {
        let field = fields.next()?;
        let digits = field.trim_end_matches('.');
        digits.parse().ok()
    };
    let (Some(sender), Some(sequence), Some(sent_at)) = (number(), number(), number()) else {
        return Err(format!(
            "a chat line without sender, sequence and time: {:?}",
            shown()
        ));
    };
    Ok(Line::Chat {
        name,
        sender: sender as usize,
        sequence,
        sent_at,
        text_len: text.len(),
    })
}

/// A flag one thread raises and others wait for.
#[derive(Default)]
struct Signal {
    raised: Mutex<bool>,
    changed: Condvar,
}

impl Signal {
    fn raise(&self) {
        *self.raised.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.changed.notify_all();
    }

    fn wait(&self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        let mut raised = self.raised.lock().unwrap_or_else(PoisonError::into_inner);
        while !*raised {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                return false;
            };
            raised = self
                .changed
                .wait_timeout(raised, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        true
    }
}

/// What a member's reader hands its writer, and how far its lines have got.
#[derive(Default)]
struct WriterState {
    /// Own lines received by every member (closed loop).
    delivered: u64,
    /// Pongs owed to the server: only the writer writes the socket.
    replies: Vec<u8>,
    /// The run is over: stop.
    stop: bool,
}

#[derive(Default)]
struct WriterLink {
    state: Mutex<WriterState>,
    changed: Condvar,
}

impl WriterLink {
    fn lock(&self) -> MutexGuard<'_, WriterState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Everything the members' threads share.
struct Room {
    epoch: Instant,
    members: usize,
    size: usize,
    messages: u64,
    in_flight: u64,
    rate: f64,
    names: Vec<String>,
    /// Per member: how many of its lines were written to the socket.
    sent: Vec<AtomicU64>,
    /// Closed loop: per member, W slots counting down the members that still have to
    /// receive line `sequence` (slot `sequence % W`); the one that reaches zero tells the
    /// sender.
    countdown: Vec<Vec<AtomicU32>>,
    writers: Vec<WriterLink>,
    /// The others were told the slow member left, or the run is over: it may read now.
    slow_left: Signal,
    /// A member saw the notice (not only the end of the run).
    slow_left_seen: std::sync::atomic::AtomicBool,
    slow_left_notice: String,
}

impl Room {
    fn now(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64
    }

    fn closed_loop(&self) -> bool {
        self.rate <= 0.0
    }

    /// A first arrival of `sender`'s line `sequence`: the last member to get it unblocks
    /// the sender's window.
    fn arrived(&self, sender: usize, sequence: u64) {
        if !self.closed_loop() {
            return;
        }
        let slot = &self.countdown[sender][(sequence % self.in_flight) as usize];
        if slot.fetch_sub(1, Ordering::AcqRel) == 1 {
            let link = &self.writers[sender];
            link.lock().delivered += 1;
            link.changed.notify_all();
        }
    }
}

/// What one member's reader found.
struct MemberReport {
    check: DeliveryCheck,
    latencies: Histogram,
    deliveries: u64,
    /// Why the reader stopped early, if it did.
    error: Option<String>,
}

/// Runs the chat mode: the caller has the common settings and the chat-only ones.
pub fn run(settings: &Settings, options: ChatOptions) -> Result<(), String> {
    let members = settings.connections;
    let messages = settings.messages as u64;
    let size = settings.size;
    let pid = settings.pid;
    if pid == 0 {
        crate::usage_error("chat mode measures a server process: give its --pid");
    }
    if members < 2 {
        crate::usage_error("chat mode needs at least 2 members (--connections)");
    }
    // Send times stay below 10^13 ns (about three hours after the epoch).
    let widest = format!("{members} {messages} 10000000000000").len();
    if size < widest {
        crate::usage_error(&format!(
            "--size must be at least {widest} in chat mode: each line carries the sender, its number and the send time"
        ));
    }
    let in_flight = settings.in_flight as u64;
    let schedule = if options.closed_loop() {
        format!("closed loop, {in_flight} in flight each")
    } else {
        format!("{} lines/s each", options.rate)
    };
    println!(
        "mode chat: {members} members x {messages} lines of {size} bytes, {schedule}{}, to {} (server pid {pid})",
        if options.slow_member {
            ", plus one member that never reads"
        } else {
            ""
        },
        settings.target.addr
    );
    // A line on the server's queue: its frame header, `mN: ` and the text.
    let line_bytes = size + 4 + format!("m{members}: ").len();
    let window_bytes = members * in_flight as usize * line_bytes;
    if options.closed_loop() && window_bytes > SERVER_OUTBOX_BYTES / 2 {
        println!(
            "warning: {members} members x {in_flight} in flight x {line_bytes} bytes = {window_bytes} bytes may sit in one member's queue on the server, near com-server's 1 MiB outbox: healthy members may be evicted; lower --in-flight"
        );
    }

    // A server just started may still be settling (Node frees part of its start-up heap).
    std::thread::sleep(SETTLE);
    let rss_before = process_stats::memory_kib(pid, "VmRSS")?;
    let joining = Instant::now();
    let mut clients = Vec::with_capacity(members);
    let mut names = Vec::with_capacity(members);
    for index in 0..members {
        let (client, name) = join(&settings.target, &format!("m{index}"))
            .map_err(|error| format!("member {index}: {error}"))?;
        clients.push(client);
        names.push(name);
    }
    let joined_in = joining.elapsed().as_secs_f64();
    std::thread::sleep(SETTLE);
    let rss_joined = process_stats::memory_kib(pid, "VmRSS")?;
    let threads = process_stats::threads(pid)?;
    let kib_per_member = (rss_joined as f64 - rss_before as f64) / members as f64;
    println!(
        "{members} members joined in {joined_in:.2} s; server RSS {rss_before} KiB before, {rss_joined} KiB after: {kib_per_member:.1} KiB per member; {threads} server threads"
    );
    let slow = if options.slow_member {
        Some(
            join_reading_slowly(&settings.target, SLOW_NAME)
                .map_err(|error| format!("the slow member: {error}"))?,
        )
    } else {
        None
    };
    let slow_name = slow
        .as_ref()
        .map_or(SLOW_NAME.to_owned(), |(_, name)| name.clone());

    let room = Arc::new(Room {
        epoch: Instant::now(),
        members,
        size,
        messages,
        in_flight,
        rate: options.rate,
        names,
        sent: (0..members).map(|_| AtomicU64::new(0)).collect(),
        countdown: (0..members)
            .map(|_| (0..in_flight).map(|_| AtomicU32::new(0)).collect())
            .collect(),
        writers: (0..members).map(|_| WriterLink::default()).collect(),
        slow_left: Signal::default(),
        slow_left_seen: std::sync::atomic::AtomicBool::new(false),
        slow_left_notice: format!("{slow_name} left the chat"),
    });
    let slow_thread = slow.map(|(client, _)| {
        let room = room.clone();
        std::thread::spawn(move || drain_slow_member(client, &room))
    });

    let start_line = Arc::new(Barrier::new(2 * members + 1));
    let mut writers = Vec::with_capacity(members);
    let mut readers = Vec::with_capacity(members);
    for (index, client) in clients.into_iter().enumerate() {
        let stream = client.writer()?;
        let (room_for_writer, start_for_writer) = (room.clone(), start_line.clone());
        writers.push(std::thread::spawn(move || {
            start_for_writer.wait();
            write_lines(stream, index, &room_for_writer)
        }));
        let (room_for_reader, start_for_reader) = (room.clone(), start_line.clone());
        readers.push(std::thread::spawn(move || {
            start_for_reader.wait();
            read_lines(client, index, &room_for_reader)
        }));
    }
    // Every member's threads in the server exist for the whole run (they were started by
    // the joins above), so the live threads' run time is the run's CPU.
    let cpu_before = process_stats::cpu_time(pid)?;
    start_line.wait();
    let started = Instant::now();
    let mut finished = Vec::with_capacity(members);
    for reader in readers {
        finished.push(
            reader
                .join()
                .map_err(|_| "a member's reader thread panicked".to_owned())?,
        );
    }
    let seconds = started.elapsed().as_secs_f64();
    let cpu = process_stats::cpu_time(pid)?.saturating_sub(cpu_before);
    let cpu_percent = cpu.as_secs_f64() / seconds * 100.0;
    for link in &room.writers {
        link.lock().stop = true;
        link.changed.notify_all();
    }
    let mut writer_errors = Vec::new();
    for (index, writer) in writers.into_iter().enumerate() {
        match writer.join() {
            Ok(Ok(())) => {}
            Ok(Err(error)) => writer_errors.push(format!("member {index} (writing): {error}")),
            Err(_) => writer_errors.push(format!("member {index}: the writer thread panicked")),
        }
    }
    // The run is over: a slow member never told to go reads what it has now.
    room.slow_left.raise();

    // Goodbyes, one member at a time; a line that turns up now is a duplicate.
    let mut reports = Vec::with_capacity(members);
    for (index, (client, mut report)) in finished.into_iter().enumerate() {
        if let Some(mut client) = client {
            if let Err(error) = say_goodbye(&mut client, index, &room, &mut report) {
                report.error.get_or_insert(error);
            }
        }
        reports.push(report);
    }
    let slow_outcome = slow_thread.map(|thread| {
        thread
            .join()
            .unwrap_or_else(|_| Err("the slow member's thread panicked".to_owned()))
    });

    let sent: Vec<u64> = room
        .sent
        .iter()
        .map(|count| count.load(Ordering::Acquire))
        .collect();
    let mut latencies = Histogram::new();
    let (mut deliveries, mut lost, mut duplicated, mut reordered) = (0, 0, 0, 0);
    let mut problems = writer_errors;
    for (index, report) in reports.iter().enumerate() {
        latencies.merge(&report.latencies);
        deliveries += report.deliveries;
        lost += report.check.lost(&sent);
        duplicated += report.check.duplicated();
        reordered += report.check.reordered();
        if let Some(error) = &report.error {
            problems.push(format!("member {index}: {error}"));
        }
    }
    let deliveries_per_sec = deliveries as f64 / seconds;
    let micros = |nanoseconds: u64| nanoseconds as f64 / 1000.0;
    let (p50, p99, max) = (
        micros(latencies.percentile(50.0)),
        micros(latencies.percentile(99.0)),
        micros(latencies.max()),
    );
    let slow_member = match &slow_outcome {
        None => "none".to_owned(),
        Some(Ok(drained)) => {
            println!("slow member: {drained}");
            "evicted_1008".to_owned()
        }
        Some(Err(error)) => {
            problems.push(format!("the slow member: {error}"));
            "not_evicted".to_owned()
        }
    };
    println!(
        "{deliveries} deliveries in {seconds:.3} s; every member checked every sender's lines for loss, duplicates and order: lost {lost}, duplicated {duplicated}, reordered {reordered}"
    );
    println!(
        "deliveries: {deliveries_per_sec:.0}/s; delivery latency p50 {p50:.1} us, p99 {p99:.1} us, max {max:.1} us"
    );
    println!(
        "server: CPU {cpu_percent:.1}% of one core over the run, {kib_per_member:.1} KiB RSS per member, {threads} threads"
    );
    let rate = if options.closed_loop() {
        "0".to_owned()
    } else {
        options.rate.to_string()
    };
    println!(
        "RESULT mode=chat members={members} size={size} rate={rate} deliveries={deliveries} seconds={seconds:.3} deliveries_per_sec={deliveries_per_sec:.0} p50_us={p50:.1} p99_us={p99:.1} max_us={max:.1} cpu_percent={cpu_percent:.1} kib_per_member={kib_per_member:.1} threads={threads} slow_member={slow_member} lost={lost} duplicated={duplicated} reordered={reordered}"
    );
    if lost + duplicated + reordered > 0 {
        problems.insert(
            0,
            format!(
                "deliveries went wrong: lost {lost}, duplicated {duplicated}, reordered {reordered}"
            ),
        );
    }
    if problems.is_empty() {
        return Ok(());
    }
    let shown: Vec<&str> = problems.iter().take(5).map(String::as_str).collect();
    Err(format!(
        "the chat run failed ({} problem(s)): {}",
        problems.len(),
        shown.join("; ")
    ))
}

impl ChatOptions {
    fn closed_loop(self) -> bool {
        self.rate <= 0.0
    }
}

/// Connects as `name` and reads the greeting; returns the client and the name given.
fn join(target: &Target, name: &str) -> Result<(Client, String), String> {
    greeted(Client::connect(&named(target, name))?)
}

/// The slow member's join: a small receive buffer, so that what it does not read piles
/// up in the server's queue for it within seconds, not after the kernel has taken
/// megabytes.
fn join_reading_slowly(target: &Target, name: &str) -> Result<(Client, String), String> {
    greeted(Client::connect_with_receive_buffer(
        &named(target, name),
        SLOW_RECEIVE_BUFFER,
    )?)
}

fn named(target: &Target, name: &str) -> Target {
    Target {
        path: format!("/?name={name}"),
        ..target.clone()
    }
}

fn greeted(mut client: Client) -> Result<(Client, String), String> {
    let opcode = client.receive_message()?;
    let greeting = String::from_utf8_lossy(client.message()).into_owned();
    match greeting.strip_prefix("Server: Hello! Welcome to Chat, ") {
        Some(given) if opcode == Opcode::Text => Ok((client, given.to_owned())),
        _ => Err(format!("expected the greeting first, got {greeting:?}")),
    }
}

/// A member's writer: its lines, paced by its window or by the rate, and the pongs its
/// reader hands over, until the run is over.
fn write_lines(mut stream: TcpStream, index: usize, room: &Room) -> Result<(), String> {
    use std::io::Write;
    let link = &room.writers[index];
    let period = if room.closed_loop() {
        Duration::ZERO
    } else {
        Duration::from_secs_f64(1.0 / room.rate)
    };
    // Members start their schedules evenly spread over one period, not all at once.
    let start = Instant::now() + period.mul_f64(index as f64 / room.members as f64);
    let mut sent = 0u64;
    let mut batch = Vec::new();
    loop {
        let mut state = link.lock();
        let allowed = loop {
            if state.stop {
                return Ok(());
            }
            let allowed = if sent == room.messages {
                0
            } else if room.closed_loop() {
                (room.in_flight - (sent - state.delivered)).min(room.messages - sent)
            } else {
                let due = start.elapsed().as_secs_f64() * room.rate;
                let due = if Instant::now() < start {
                    0
                } else {
                    due as u64 + 1
                };
                due.min(room.messages).saturating_sub(sent)
            };
            if allowed > 0 || !state.replies.is_empty() {
                break allowed;
            }
            let wait = if sent == room.messages || room.closed_loop() {
                Duration::from_millis(100)
            } else {
                let next_due = start + period.mul_f64(sent as f64);
                next_due
                    .saturating_duration_since(Instant::now())
                    .max(Duration::from_micros(50))
            };
            state = link
                .changed
                .wait_timeout(state, wait)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        };
        batch.clear();
        batch.append(&mut state.replies);
        drop(state);
        for _ in 0..allowed {
            if room.closed_loop() {
                let slot = &room.countdown[index][(sent % room.in_flight) as usize];
                slot.store(room.members as u32, Ordering::Release);
            }
            let text = make_text(index, sent, room.now(), room.size)
                .ok_or("a line's numbers do not fit in --size")?;
            client::encode_message(Opcode::Text, text.as_bytes(), &mut batch);
            sent += 1;
        }
        stream
            .write_all(&batch)
            .map_err(|error| format!("write failed: {}", cli::describe_io_error(&error)))?;
        room.sent[index].store(sent, Ordering::Release);
    }
}

/// A member's reader: every line until it has every member's every line, or an error.
fn read_lines(mut client: Client, index: usize, room: &Room) -> (Option<Client>, MemberReport) {
    let mut report = MemberReport {
        check: DeliveryCheck::new(room.members, room.messages),
        latencies: Histogram::new(),
        deliveries: 0,
        error: None,
    };
    let mut replies = Vec::new();
    let outcome = (|| -> Result<(), String> {
        while !report.check.complete() {
            match client.next_message()? {
                Some(opcode) => {
                    let arrived_at = room.now();
                    if opcode != Opcode::Text {
                        return Err(format!("the room sent a {} message", opcode.name()));
                    }
                    note_line(client.message(), arrived_at, index, room, &mut report)?;
                }
                None => {
                    client.take_replies(&mut replies);
                    if !replies.is_empty() {
                        let link = &room.writers[index];
                        link.lock().replies.append(&mut replies);
                        link.changed.notify_all();
                    }
                    client.fill()?;
                }
            }
        }
        Ok(())
    })();
    match outcome {
        Ok(()) => (Some(client), report),
        Err(error) => {
            report.error = Some(error);
            (None, report)
        }
    }
}

/// Checks and counts one line a member received.
fn note_line(
    line: &[u8],
    arrived_at: u64,
    index: usize,
    room: &Room,
    report: &mut MemberReport,
) -> Result<(), String> {
    match parse_line(line)? {
        Line::Notice(notice) => {
            if notice == room.slow_left_notice {
                room.slow_left_seen.store(true, Ordering::Release);
                room.slow_left.raise();
            }
            Ok(())
        }
        Line::Chat {
            name,
            sender,
            sequence,
            sent_at,
            text_len,
        } => {
            if sender >= room.members || sequence >= room.messages || text_len != room.size {
                return Err(format!(
                    "a line that was never sent: sender {sender}, number {sequence}, {text_len} bytes"
                ));
            }
            if name != room.names[sender] {
                return Err(format!(
                    "member {sender}'s line {sequence} came as {name:?}'s, not {:?}'s",
                    room.names[sender]
                ));
            }
            let arrival = report.check.record(sender, sequence);
            if arrival.is_first() {
                room.arrived(sender, sequence);
                if sender != index {
                    report.deliveries += 1;
                    report.latencies.record(arrived_at.saturating_sub(sent_at));
                }
            }
            Ok(())
        }
    }
}

/// Sends close 1000 and reads until the server's close frame, checking lines still on
/// their way (any chat line now is one too many).
fn say_goodbye(
    client: &mut Client,
    index: usize,
    room: &Room,
    report: &mut MemberReport,
) -> Result<(), String> {
    let mut close = Vec::new();
    frame::encode_frame(
        Opcode::Close,
        &frame::close_payload(frame::CloseCode::from(1000), ""),
        Some(frame::mask::random_masking_key()),
        &mut close,
    );
    client
        .writer()?
        .set_read_timeout(Some(CLOSE_WAIT))
        .map_err(|error| error.to_string())?;
    client.send_all(&close)?;
    let deadline = Instant::now() + CLOSE_WAIT;
    while Instant::now() < deadline {
        match client.next_message() {
            Ok(Some(_)) => {
                let arrived_at = room.now();
                note_line(client.message(), arrived_at, index, room, report)?;
                continue;
            }
            // The server's close frame ends the exchange.
            Err(_) if client.close_code().is_some() => return Ok(()),
            Err(error) => return Err(error),
            Ok(None) => {}
        }
        client.fill()?;
    }
    Err(format!(
        "no close frame came back within {} s",
        CLOSE_WAIT.as_secs()
    ))
}

/// The slow member: reads nothing until the room has told the others it left (or the run
/// is over), then reads its backlog and must find close 1008.
fn drain_slow_member(mut client: Client, room: &Room) -> Result<String, String> {
    // Silent is not the same as not reading: com-server closes a client it has heard
    // nothing from for 60 s with 1001. An unsolicited pong is a heartbeat that asks for no
    // answer (RFC 6455 section 5.5.3), so the member stays in the room without reading.
    // The main thread raises the signal when the run ends, whatever happens.
    let mut heartbeat = Vec::new();
    client::encode_message(Opcode::Pong, b"still here", &mut heartbeat);
    while !room.slow_left.wait(SLOW_HEARTBEAT) {
        // A failed write means the server closed us: the reading below finds out how.
        let _ = client.send_all(&heartbeat);
    }
    let told_at = room.epoch.elapsed();
    let socket = client.writer()?;
    socket
        .set_read_timeout(Some(Duration::from_millis(500)))
        .map_err(|error| error.to_string())?;
    let deadline = Instant::now() + SLOW_DRAIN_LIMIT;
    let mut lines = 0u64;
    let outcome = loop {
        if Instant::now() >= deadline {
            break Err(format!(
                "no close frame within {} s of reading ({lines} lines read)",
                SLOW_DRAIN_LIMIT.as_secs()
            ));
        }
        match client.next_message() {
            Ok(Some(_)) => lines += 1,
            Ok(None) => match client.fill() {
                Ok(()) => {}
                // A read timeout: the server may still be writing.
                Err(error) if error.contains("timed out") => {}
                Err(error) => {
                    break Err(format!("{error} after {lines} lines, with no close frame"));
                }
            },
            Err(error) => match client.close_code() {
                Some(1008) => break Ok(()),
                Some(_) => break Err(error),
                None => break Err(format!("{error} after {lines} lines")),
            },
        }
    };
    let _ = socket.shutdown(Shutdown::Both);
    if !room.slow_left_seen.load(Ordering::Acquire) {
        let read = outcome
            .err()
            .unwrap_or_else(|| "then close 1008".to_owned());
        return Err(format!(
            "the room never said it left: it was not evicted during the run (raise --messages: the kernel buffers megabytes before the server's queue fills); after the run it read: {read}"
        ));
    }
    outcome?;
    Ok(format!(
        "read {lines} buffered lines from {:.2} s into the run, then close 1008 (evicted)",
        told_at.as_secs_f64()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_order_lines_are_complete() {
        let mut check = DeliveryCheck::new(2, 3);
        for sequence in 0..3 {
            assert_eq!(check.record(0, sequence), Arrival::InOrder);
            assert_eq!(check.record(1, sequence), Arrival::InOrder);
        }
        assert!(check.complete());
        assert_eq!(
            (check.lost(&[3, 3]), check.duplicated(), check.reordered()),
            (0, 0, 0)
        );
    }

    #[test]
    fn a_lost_line_is_counted() {
        let mut check = DeliveryCheck::new(1, 3);
        check.record(0, 0);
        assert_eq!(check.record(0, 2), Arrival::Ahead);
        assert!(!check.complete());
        assert_eq!(check.lost(&[3]), 1);
        // A line that was sent and never came at all is lost too.
        let mut short = DeliveryCheck::new(1, 3);
        short.record(0, 0);
        assert_eq!(short.lost(&[3]), 2);
        assert_eq!(short.lost(&[1]), 0, "only what was sent can be lost");
    }

    #[test]
    fn a_duplicated_line_is_counted() {
        let mut check = DeliveryCheck::new(1, 2);
        check.record(0, 0);
        assert_eq!(check.record(0, 0), Arrival::Duplicate);
        check.record(0, 1);
        assert_eq!(check.record(0, 1), Arrival::Duplicate);
        assert!(check.complete());
        assert_eq!((check.duplicated(), check.lost(&[2])), (2, 0));
    }

    #[test]
    fn a_reordered_line_is_counted_and_not_lost() {
        let mut check = DeliveryCheck::new(1, 3);
        check.record(0, 0);
        check.record(0, 2);
        assert_eq!(check.record(0, 1), Arrival::Reordered);
        assert!(check.complete());
        assert_eq!(
            (check.reordered(), check.lost(&[3]), check.duplicated()),
            (1, 0, 0)
        );
        // Once it has arrived, a second copy is a duplicate.
        assert_eq!(check.record(0, 1), Arrival::Duplicate);
    }

    #[test]
    fn lines_parse_back() {
        let text = make_text(7, 42, 123_456_789, 32).expect("fits");
        assert_eq!(text.len(), 32);
        let line = format!("m7: {text}");
        assert_eq!(
            parse_line(line.as_bytes()),
            Ok(Line::Chat {
                name: "m7",
                sender: 7,
                sequence: 42,
                sent_at: 123_456_789,
                text_len: 32
            })
        );
        assert_eq!(
            parse_line(b"Server: m3 left the chat"),
            Ok(Line::Notice("m3 left the chat"))
        );
        assert!(parse_line(b"m1: hello").is_err());
        assert!(make_text(1, 2, 3, 4).is_none());
    }

    #[test]
    fn percentiles_come_within_two_percent() {
        let mut histogram = Histogram::new();
        for value in 1..=100_000u64 {
            histogram.record(value * 10);
        }
        let near = |value: u64, expected: u64| {
            let error = (value as f64 - expected as f64).abs() / expected as f64;
            assert!(error < 0.02, "{value} vs {expected}");
        };
        near(histogram.percentile(50.0), 500_000);
        near(histogram.percentile(99.0), 990_000);
        assert_eq!(histogram.max(), 1_000_000);
        assert_eq!(histogram.percentile(100.0), 1_000_000);
        let mut small = Histogram::new();
        small.record(3);
        assert_eq!(small.percentile(50.0), 3);
        let mut merged = Histogram::new();
        merged.merge(&histogram);
        merged.merge(&small);
        assert_eq!(merged.count(), 100_001);
    }

    #[test]
    fn every_value_lands_in_a_bucket_that_holds_it() {
        for value in [0, 1, 127, 128, 129, 1000, 65_535, 1 << 40, u64::MAX] {
            let index = Histogram::index(value);
            assert!(Histogram::upper_bound(index) >= value, "{value}");
            if index > 0 {
                assert!(Histogram::upper_bound(index - 1) < value, "{value}");
            }
        }
    }
}
