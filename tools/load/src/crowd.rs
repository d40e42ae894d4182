//! `load --mode crowd`: one server, a crowd of N connections of which only some talk. It is
//! the question a poll loop is really about: does the server's cost follow the connections
//! that talk, or every connection it holds? One client thread drives all N sockets through
//! `mio` (a thread each would measure our own scheduler), and `frame`'s client role speaks
//! the protocol.
//!
//! The run has six phases, each timed and reported:
//!
//! 1. connect: N handshakes, a window of them at a time, as fast as the server accepts
//!    (`accept_seconds`): what a burst of arrivals costs.
//! 2. idle: nobody talks; the server's CPU over `--idle-seconds` and its RSS per connection.
//!    A loop that scans every socket on every wake-up shows up here.
//! 3. first echo: single messages on different connections, each after 50 to 500 ms of
//!    silence (p50 and max in ms): what a sleeping server makes the first speaker wait.
//! 4. active: the first ceil(N * P / 100) connections echo closed-loop for `--seconds` while
//!    the rest stay silent (msgs/s, round trip p50 and p99): the throughput of the talkers.
//! 5. ping-pong among the idle: one connection, one message in flight, while N - 1 sit
//!    silent: compare its p50 with `--mode pingpong` (N = 1) to see what the silent cost.
//! 6. in turn: every connection sends one message, all sent before any is read: every one
//!    must be answered within 30 s, or the run fails.
//!
//! Every echo is checked byte for byte against what that connection sent in that place.

use std::collections::VecDeque;
use std::io::{ErrorKind, Read, Write};
use std::time::{Duration, Instant};

use cli::Args;
use frame::mask::random_u64;
use frame::{CloseCode, Connection, Event, Limits, Opcode, Role};
use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};

use crate::{Settings, make_payload, open_files, percentile, process_stats, verify_echo};

/// Handshakes in progress at once. std's listeners queue 128 connections: staying under
/// that keeps the kernel from dropping SYNs, whose one-second retries would be timed
/// instead of the server.
const CONNECT_WINDOW: usize = 64;
/// How long anything (a handshake, an echo) may take before the server counts as stuck.
const PROGRESS_WAIT: Duration = Duration::from_secs(15);
/// How many silent spells the first-echo phase times.
const FIRST_ECHO_SAMPLES: usize = 20;
/// The ping-pong among the idle: round trips on the one talking connection.
const PINGPONG_ROUND_TRIPS: usize = 2000;
/// The in-turn phase's deadline for all N answers.
const IN_TURN_WAIT: Duration = Duration::from_secs(30);
/// How long the server may take to finish each close handshake at the end.
const CLOSE_WAIT: Duration = Duration::from_secs(5);
/// A response head bigger than this is not a WebSocket server's 101.
const MAX_RESPONSE_HEAD: usize = 8 * 1024;

/// The crowd's own flags, read once.
struct CrowdSettings {
    active_percent: f64,
    active_seconds: f64,
    in_flight: usize,
}

/// The opening handshake of one connection, until the 101 is read (section 4.1).
struct Handshake {
    request: Vec<u8>,
    written: usize,
    key: String,
    response: Vec<u8>,
}

/// One connection of the crowd.
struct Peer {
    stream: TcpStream,
    /// `Some` until the server's 101 has been verified.
    handshake: Option<Handshake>,
    connection: Connection,
    /// Messages sent and echoes received so far: the sequence numbers of the payloads.
    sent: u64,
    received: u64,
    /// When each unanswered message went out; echoes come back in order on one socket.
    sent_at: VecDeque<Instant>,
    /// We sent our close frame: the server's close and its end of TCP are expected.
    closing: bool,
    /// The server ended TCP after our close.
    finished: bool,
}

/// One verified echo.
struct Echo {
    peer: usize,
    round_trip: Duration,
}

/// All N connections and the one `mio` poll that watches them.
struct Crowd {
    poll: Poll,
    events: Events,
    peers: Vec<Peer>,
    read_buffer: Vec<u8>,
    scratch: Vec<u8>,
    settings: Settings,
    /// Handshakes completed so far.
    opened: usize,
    /// Connections whose close handshake has ended.
    finished: usize,
}

/// The figures the last line reports.
#[derive(Default)]
struct Report {
    accept_seconds: f64,
    idle_cpu_percent: f64,
    kib_per_connection: f64,
    first_echo_p50_ms: f64,
    first_echo_max_ms: f64,
    msgs_per_sec: f64,
    p50_us: f64,
    p99_us: f64,
    pingpong_p50_us: f64,
    pingpong_p99_us: f64,
    in_turn_answered: usize,
    in_turn_seconds: f64,
}

/// Runs the six phases against `settings.target` and prints the `RESULT` line.
pub fn run(args: &Args, settings: &Settings) -> Result<(), String> {
    let crowd_settings = read_crowd_settings(args, settings)?;
    let mut settings = settings.clone();
    settings.in_flight = crowd_settings.in_flight;
    let count = settings.connections;
    let pid = settings.pid;
    let active = active_count(count, crowd_settings.active_percent);
    println!(
        "mode crowd: {count} connections to {} (server pid {pid}), {active} of them active \
         ({}%), {} bytes, {} in flight each",
        settings.target.addr, crowd_settings.active_percent, settings.size, settings.in_flight
    );
    let mut report = Report::default();
    let rss_before = process_stats::memory_kib(pid, "VmRSS")?;
    let mut crowd = Crowd::new(settings.clone())?;

    report.accept_seconds = crowd.connect_all()?;
    println!(
        "connect: {count} handshakes in {:.3} s ({:.0} per second)",
        report.accept_seconds,
        count as f64 / report.accept_seconds
    );

    // Let the server finish what each accept started before its memory is read.
    std::thread::sleep(Duration::from_secs(2));
    let rss_after = process_stats::memory_kib(pid, "VmRSS")?;
    report.kib_per_connection = (rss_after as f64 - rss_before as f64) / count as f64;
    report.idle_cpu_percent = idle_cpu_percent(pid, settings.idle_seconds)?;
    println!(
        "idle: server CPU {:.2}% of one core over {} s; RSS {rss_before} KiB before, \
         {rss_after} KiB after: {:.2} KiB per connection",
        report.idle_cpu_percent, settings.idle_seconds, report.kib_per_connection
    );

    let mut first_echoes = crowd.first_echoes()?;
    first_echoes.sort_unstable();
    report.first_echo_p50_ms = percentile(&first_echoes, 50.0) / 1000.0;
    report.first_echo_max_ms = percentile(&first_echoes, 100.0) / 1000.0;
    println!(
        "first echo after 50-500 ms of silence ({} connections): p50 {:.3} ms, max {:.3} ms",
        first_echoes.len(),
        report.first_echo_p50_ms,
        report.first_echo_max_ms
    );

    let (mut round_trips, seconds) = crowd.active_phase(
        active,
        Duration::from_secs_f64(crowd_settings.active_seconds),
    )?;
    round_trips.sort_unstable();
    report.msgs_per_sec = round_trips.len() as f64 / seconds;
    report.p50_us = percentile(&round_trips, 50.0);
    report.p99_us = percentile(&round_trips, 99.0);
    println!(
        "active: {active} connections echoed {} messages in {seconds:.3} s while {} stayed \
         silent: {:.0} msgs/s, round trip p50 {:.1} us, p99 {:.1} us",
        round_trips.len(),
        count - active,
        report.msgs_per_sec,
        report.p50_us,
        report.p99_us
    );

    let mut pingpong = crowd.pingpong(count - 1)?;
    pingpong.sort_unstable();
    report.pingpong_p50_us = percentile(&pingpong, 50.0);
    report.pingpong_p99_us = percentile(&pingpong, 99.0);
    println!(
        "ping-pong among {} silent connections: {PINGPONG_ROUND_TRIPS} round trips, p50 \
         {:.1} us, p99 {:.1} us",
        count - 1,
        report.pingpong_p50_us,
        report.pingpong_p99_us
    );

    let (answered, in_turn) = crowd.in_turn()?;
    report.in_turn_answered = answered;
    report.in_turn_seconds = in_turn.as_secs_f64();
    println!(
        "in turn: {answered} of {count} connections answered in {:.3} s",
        report.in_turn_seconds
    );
    if answered == count {
        let closed = crowd.close_all();
        if closed < count {
            println!(
                "note: {closed} of {count} close handshakes ended within {} s",
                CLOSE_WAIT.as_secs()
            );
        }
    }
    print_result(&settings, active, &report);
    if answered < count {
        return Err(format!(
            "only {answered} of {count} connections were answered within {} s",
            IN_TURN_WAIT.as_secs()
        ));
    }
    Ok(())
}

fn read_crowd_settings(args: &Args, settings: &Settings) -> Result<CrowdSettings, String> {
    let active_percent: f64 = args.value_or_exit("active-percent");
    let active_seconds: f64 = args.value_or_exit("seconds");
    if !(active_percent > 0.0 && active_percent <= 100.0) {
        return Err(format!(
            "--active-percent must be above 0 and at most 100 (got {active_percent})"
        ));
    }
    if !(active_seconds > 0.0 && active_seconds.is_finite()) {
        return Err(format!("--seconds must be above 0 (got {active_seconds})"));
    }
    if settings.pid == 0 {
        return Err("crowd mode measures a server process: give its --pid".to_owned());
    }
    // One message in flight unless asked: the closed loop then measures round trips, not
    // how deep a queue the client can build.
    let in_flight = if args.all("in-flight").is_empty() {
        1
    } else {
        settings.in_flight
    };
    Ok(CrowdSettings {
        active_percent,
        active_seconds,
        in_flight,
    })
}

/// ceil(N * P / 100), at least one: even 1% of 10 connections has somebody talking.
fn active_count(connections: usize, percent: f64) -> usize {
    let exact = connections as f64 * percent / 100.0;
    // The small tolerance keeps 10% of 1000 at 100 despite binary fractions.
    ((exact - 1e-9).ceil() as usize).clamp(1, connections)
}

/// The server's CPU use while nobody talks, in percent of one core.
fn idle_cpu_percent(pid: u32, seconds: u64) -> Result<f64, String> {
    let before = process_stats::cpu_time(pid)?;
    let sampling = Instant::now();
    std::thread::sleep(Duration::from_secs(seconds));
    let cpu = process_stats::cpu_time(pid)?.saturating_sub(before);
    Ok(cpu.as_secs_f64() / sampling.elapsed().as_secs_f64() * 100.0)
}

fn print_result(settings: &Settings, active: usize, report: &Report) {
    println!(
        "RESULT mode=crowd connections={} active={active} size={} accept_seconds={:.3} \
         idle_cpu_percent={:.3} kib_per_connection={:.2} first_echo_p50_ms={:.3} \
         first_echo_max_ms={:.3} msgs_per_sec={:.0} p50_us={:.1} p99_us={:.1} \
         pingpong_p50_us={:.1} pingpong_p99_us={:.1} in_turn_answered={} in_turn_seconds={:.3}",
        settings.connections,
        settings.size,
        report.accept_seconds,
        report.idle_cpu_percent,
        report.kib_per_connection,
        report.first_echo_p50_ms,
        report.first_echo_max_ms,
        report.msgs_per_sec,
        report.p50_us,
        report.p99_us,
        report.pingpong_p50_us,
        report.pingpong_p99_us,
        report.in_turn_answered,
        report.in_turn_seconds,
    );
}

impl Crowd {
    fn new(settings: Settings) -> Result<Crowd, String> {
        Ok(Crowd {
            poll: Poll::new().map_err(|error| format!("cannot create a poll: {error}"))?,
            events: Events::with_capacity(1024),
            peers: Vec::with_capacity(settings.connections),
            read_buffer: vec![0; 64 * 1024],
            scratch: Vec::new(),
            settings,
            opened: 0,
            finished: 0,
        })
    }

    /// Phase 1: opens every connection, [`CONNECT_WINDOW`] handshakes at a time, and
    /// returns how many seconds it took.
    fn connect_all(&mut self) -> Result<f64, String> {
        let count = self.settings.connections;
        let started = Instant::now();
        let mut last_progress = Instant::now();
        while self.opened < count {
            while self.peers.len() < count && self.peers.len() - self.opened < CONNECT_WINDOW {
                self.start_connect()?;
            }
            let opened_before = self.opened;
            self.pump(Duration::from_millis(100), &mut Vec::new())?;
            if self.opened > opened_before {
                last_progress = Instant::now();
            } else if last_progress.elapsed() > PROGRESS_WAIT {
                let stuck = self
                    .peers
                    .iter()
                    .position(|peer| peer.handshake.is_some())
                    .unwrap_or(self.opened);
                return Err(format!(
                    "connection {stuck} failed: {}",
                    open_files::server_not_accepting(PROGRESS_WAIT.as_secs())
                ));
            }
        }
        Ok(started.elapsed().as_secs_f64())
    }

    /// Starts one nonblocking connect; the handshake goes on in [`Crowd::pump`].
    fn start_connect(&mut self) -> Result<(), String> {
        let index = self.peers.len();
        let mut stream = TcpStream::connect(self.settings.target.addr).map_err(|error| {
            if open_files::is_out_of_descriptors(&error) {
                format!(
                    "connection {index} failed: {}",
                    open_files::too_many_open_files()
                )
            } else {
                format!(
                    "connection {index} failed: cannot connect to {}: {}",
                    self.settings.target.addr,
                    cli::describe_io_error(&error)
                )
            }
        })?;
        self.poll
            .registry()
            .register(
                &mut stream,
                Token(index),
                Interest::READABLE | Interest::WRITABLE,
            )
            .map_err(|error| format!("connection {index}: cannot watch the socket: {error}"))?;
        let mut nonce = [0u8; 16];
        nonce[..8].copy_from_slice(&random_u64().to_ne_bytes());
        nonce[8..].copy_from_slice(&random_u64().to_ne_bytes());
        let target = &self.settings.target;
        let (request, key) = frame::handshake::client_request(&target.host, &target.path, nonce);
        self.peers.push(Peer {
            stream,
            handshake: Some(Handshake {
                request,
                written: 0,
                key,
                response: Vec::new(),
            }),
            connection: Connection::new(Role::Client, Limits::default()),
            sent: 0,
            received: 0,
            sent_at: VecDeque::new(),
            closing: false,
            finished: false,
        });
        Ok(())
    }

    /// Phase 3: one message at a time on [`FIRST_ECHO_SAMPLES`] different connections,
    /// each after a pause of 50 to 500 ms; returns the round trips in nanoseconds.
    fn first_echoes(&mut self) -> Result<Vec<u64>, String> {
        let count = self.peers.len();
        let samples = FIRST_ECHO_SAMPLES.min(count);
        let mut round_trips = Vec::with_capacity(samples);
        for sample in 0..samples {
            // Pauses that vary, so a server that wakes on a fixed tick cannot look good
            // by luck of the phase.
            std::thread::sleep(Duration::from_millis(50 + random_u64() % 451));
            let peer = sample * count / samples;
            round_trips.push(self.echo_once(peer)?);
        }
        Ok(round_trips)
    }

    /// Phase 4: the first `active` connections each keep `in_flight` messages unanswered
    /// for `length`, then wait for the last echoes. Returns the round trips (nanoseconds)
    /// and the seconds from the first send to the last echo.
    fn active_phase(&mut self, active: usize, length: Duration) -> Result<(Vec<u64>, f64), String> {
        let in_flight = self.settings.in_flight;
        let started = Instant::now();
        for peer in 0..active {
            for _ in 0..in_flight {
                self.send(peer)?;
            }
        }
        let stop_sending = started + length;
        let mut outstanding = active * in_flight;
        let mut round_trips = Vec::new();
        let mut echoes = Vec::new();
        let mut last_progress = Instant::now();
        while outstanding > 0 {
            echoes.clear();
            self.pump(Duration::from_millis(100), &mut echoes)?;
            let sending = Instant::now() < stop_sending;
            for echo in &echoes {
                round_trips.push(echo.round_trip.as_nanos() as u64);
                if sending {
                    self.send(echo.peer)?;
                } else {
                    outstanding -= 1;
                }
            }
            if !echoes.is_empty() {
                last_progress = Instant::now();
            } else if last_progress.elapsed() > PROGRESS_WAIT {
                return Err(format!(
                    "active phase: no echo for {} s with {outstanding} messages unanswered",
                    PROGRESS_WAIT.as_secs()
                ));
            }
        }
        Ok((round_trips, started.elapsed().as_secs_f64()))
    }

    /// Phase 5: [`PINGPONG_ROUND_TRIPS`] round trips on `peer`, one message in flight.
    fn pingpong(&mut self, peer: usize) -> Result<Vec<u64>, String> {
        (0..PINGPONG_ROUND_TRIPS)
            .map(|_| self.echo_once(peer))
            .collect()
    }

    /// Phase 6: one message on every connection, all sent before any echo is read.
    /// Returns how many were answered within [`IN_TURN_WAIT`], and how long that took.
    fn in_turn(&mut self) -> Result<(usize, Duration), String> {
        let count = self.peers.len();
        let started = Instant::now();
        for peer in 0..count {
            self.send(peer)?;
        }
        let deadline = started + IN_TURN_WAIT;
        let mut answered = 0;
        let mut echoes = Vec::new();
        while answered < count && Instant::now() < deadline {
            echoes.clear();
            self.pump(Duration::from_millis(100), &mut echoes)?;
            // One message each: every echo is a different connection's answer.
            answered += echoes.len();
        }
        Ok((answered, started.elapsed()))
    }

    /// Sends one message on `peer` and waits for its echo; returns the round trip in
    /// nanoseconds.
    fn echo_once(&mut self, peer: usize) -> Result<u64, String> {
        self.send(peer)?;
        let deadline = Instant::now() + PROGRESS_WAIT;
        let mut echoes = Vec::new();
        while Instant::now() < deadline {
            self.pump(Duration::from_millis(100), &mut echoes)?;
            if let Some(echo) = echoes.iter().find(|echo| echo.peer == peer) {
                return Ok(echo.round_trip.as_nanos() as u64);
            }
        }
        Err(format!(
            "connection {peer}: no echo within {} s",
            PROGRESS_WAIT.as_secs()
        ))
    }

    /// Sends close 1000 on every connection (section 7.1.2) and waits up to
    /// [`CLOSE_WAIT`] for the servers to end them; returns how many ended.
    fn close_all(&mut self) -> usize {
        for index in 0..self.peers.len() {
            let peer = &mut self.peers[index];
            peer.connection.close(CloseCode::from(1000), "");
            peer.closing = true;
            if self.flush(index).is_err() {
                self.peers[index].finished = true;
                self.finished += 1;
            }
        }
        let deadline = Instant::now() + CLOSE_WAIT;
        while self.finished < self.peers.len() && Instant::now() < deadline {
            // A server that answers a close badly is not this phase's business.
            if self
                .pump(Duration::from_millis(100), &mut Vec::new())
                .is_err()
            {
                break;
            }
        }
        self.finished
    }

    /// Queues the next message of `peer` (payload `make_payload(peer, sent)`) and writes
    /// what the socket takes now; the rest goes when it is writable again.
    fn send(&mut self, index: usize) -> Result<(), String> {
        let peer = &mut self.peers[index];
        make_payload(index as u64, peer.sent, &self.settings, &mut self.scratch);
        match self.settings.opcode {
            Opcode::Text => {
                let text = std::str::from_utf8(&self.scratch)
                    .expect("make_payload's text messages are printable ASCII");
                peer.connection.send_text(text);
            }
            _ => peer.connection.send_binary(&self.scratch),
        }
        peer.sent_at.push_back(Instant::now());
        peer.sent += 1;
        self.flush(index)
    }

    /// Waits up to `timeout` for sockets to be ready, serves every ready one, and appends
    /// the verified echoes to `echoes`.
    fn pump(&mut self, timeout: Duration, echoes: &mut Vec<Echo>) -> Result<(), String> {
        match self.poll.poll(&mut self.events, Some(timeout)) {
            Ok(()) => {}
            Err(error) if error.kind() == ErrorKind::Interrupted => return Ok(()),
            Err(error) => return Err(format!("poll failed: {error}")),
        }
        let ready: Vec<usize> = self.events.iter().map(|event| event.token().0).collect();
        for index in ready {
            self.serve(index, echoes)
                .map_err(|error| format!("connection {index}: {error}"))?;
        }
        Ok(())
    }

    /// Everything a ready socket allows: the handshake's next step, pending output, and
    /// every byte that arrived. mio reports readiness once per change (edge-triggered), so
    /// reads go on until the socket would block.
    fn serve(&mut self, index: usize, echoes: &mut Vec<Echo>) -> Result<(), String> {
        if self.peers[index].finished {
            return Ok(());
        }
        if self.peers[index].handshake.is_some() {
            self.advance_handshake(index)?;
            if self.peers[index].handshake.is_some() {
                return Ok(());
            }
        }
        self.flush(index)?;
        self.read_messages(index, echoes)?;
        // Pongs to the server's pings are queued while reading.
        self.flush(index)
    }

    /// The handshake's next step: wait for TCP, write the request, read the 101.
    fn advance_handshake(&mut self, index: usize) -> Result<(), String> {
        let peer = &mut self.peers[index];
        let Some(handshake) = peer.handshake.as_mut() else {
            return Ok(());
        };
        if let Some(error) = peer
            .stream
            .take_error()
            .map_err(|error| error.to_string())?
        {
            return Err(format!(
                "cannot connect: {}",
                cli::describe_io_error(&error)
            ));
        }
        // mio's way to learn that a nonblocking connect finished: the peer has an address.
        match peer.stream.peer_addr() {
            Ok(_) => {}
            Err(error) if error.kind() == ErrorKind::NotConnected => return Ok(()),
            Err(error) => return Err(format!("cannot connect: {error}")),
        }
        while handshake.written < handshake.request.len() {
            match peer.stream.write(&handshake.request[handshake.written..]) {
                Ok(written) => handshake.written += written,
                Err(error) if error.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(error) => return Err(format!("cannot send the handshake: {error}")),
            }
        }
        let head_len = loop {
            if let Some(end) = handshake
                .response
                .windows(4)
                .position(|window| window == b"\r\n\r\n")
            {
                break end + 4;
            }
            if handshake.response.len() > MAX_RESPONSE_HEAD {
                return Err("the server's response head is over 8 KiB".to_owned());
            }
            match peer.stream.read(&mut self.read_buffer) {
                Ok(0) => return Err("the server closed TCP during the handshake".to_owned()),
                Ok(read) => handshake
                    .response
                    .extend_from_slice(&self.read_buffer[..read]),
                Err(error) if error.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(error) => return Err(format!("cannot read the handshake: {error}")),
            }
        };
        let head = String::from_utf8_lossy(&handshake.response[..head_len]);
        frame::handshake::verify_accept(&head, &handshake.key)?;
        // Whatever followed the head is the first WebSocket data.
        peer.connection.receive(&handshake.response[head_len..]);
        peer.handshake = None;
        self.opened += 1;
        Ok(())
    }

    /// Reads until the socket would block and turns the bytes into verified echoes.
    fn read_messages(&mut self, index: usize, echoes: &mut Vec<Echo>) -> Result<(), String> {
        let peer = &mut self.peers[index];
        loop {
            match peer.stream.read(&mut self.read_buffer) {
                Ok(0) if peer.closing => {
                    peer.finished = true;
                    self.finished += 1;
                    return Ok(());
                }
                Ok(0) => {
                    return Err(
                        "the server closed TCP without a close frame (a browser says 1006)"
                            .to_owned(),
                    );
                }
                Ok(read) => peer.connection.receive(&self.read_buffer[..read]),
                Err(error) if error.kind() == ErrorKind::WouldBlock => break,
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(error) => return Err(format!("read failed: {error}")),
            }
        }
        loop {
            let event = peer
                .connection
                .next_event()
                .map_err(|error| format!("the server broke the protocol: {error}"))?;
            let (opcode, payload) = match &event {
                None => return Ok(()),
                Some(Event::Text(text)) => (Opcode::Text, text.as_bytes()),
                Some(Event::Binary(bytes)) => (Opcode::Binary, bytes.as_slice()),
                // The connection queued the pong itself (section 5.5.2).
                Some(Event::Ping(_) | Event::Pong(_)) => continue,
                Some(Event::Close(_)) if peer.closing => continue,
                Some(Event::Close(close)) => {
                    let reason = close.as_ref().map_or("no code".to_owned(), |close| {
                        format!("{} {:?}", close.code, close.reason)
                    });
                    return Err(format!("the server closed the connection: {reason}"));
                }
            };
            let sent_at = peer
                .sent_at
                .pop_front()
                .ok_or("an echo arrived for a message never sent")?;
            make_payload(
                index as u64,
                peer.received,
                &self.settings,
                &mut self.scratch,
            );
            verify_echo(opcode, payload, self.settings.opcode, &self.scratch)
                .map_err(|error| format!("message {}: {error}", peer.received))?;
            peer.received += 1;
            echoes.push(Echo {
                peer: index,
                round_trip: sent_at.elapsed(),
            });
        }
    }

    /// Writes what the connection has queued until done or the socket is full (the
    /// writable event that follows brings us back).
    fn flush(&mut self, index: usize) -> Result<(), String> {
        let peer = &mut self.peers[index];
        if peer.handshake.is_some() {
            return Ok(());
        }
        loop {
            let pending = peer.connection.pending_output();
            if pending.is_empty() {
                return Ok(());
            }
            match peer.stream.write(pending) {
                Ok(written) => peer.connection.consume_output(written),
                Err(error) if error.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(error) => {
                    return Err(format!("write failed: {}", cli::describe_io_error(&error)));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_active_share_rounds_up_and_never_reaches_zero() {
        assert_eq!(active_count(100, 1.0), 1);
        assert_eq!(active_count(1000, 10.0), 100);
        assert_eq!(active_count(10_000, 100.0), 10_000);
        assert_eq!(active_count(150, 1.0), 2);
        assert_eq!(active_count(10, 1.0), 1);
        assert_eq!(active_count(5000, 10.0), 500);
    }
}
