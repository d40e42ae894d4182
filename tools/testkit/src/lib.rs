//! Helpers the integration tests and the tools share: start a real server binary on a free
//! loopback port, wait for its log lines, and talk to it with raw bytes, the hand-rolled
//! `raw_client`, or tungstenite (`tungstenite_client`), the independent client. Every wait has
//! a deadline and every process is killed when its handle drops.

#![forbid(unsafe_code)]

pub mod hostile;
pub mod raw_client;
pub mod tungstenite_client;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// How long any single wait in a test may take before the test fails instead of hanging.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// The lines a process printed, shared with the thread that reads its pipe.
#[derive(Default)]
struct Transcript {
    lines: Mutex<Vec<String>>,
    changed: Condvar,
    /// Set when the pipe reached end of file: every line the process printed is in.
    finished: Mutex<bool>,
}

/// A server binary running for one test. Dropping it kills the process.
pub struct ServerProcess {
    child: Child,
    stdout: Arc<Transcript>,
    stderr: Arc<Transcript>,
    addr: Option<SocketAddr>,
}

fn collect_lines(pipe: impl Read + Send + 'static, transcript: Arc<Transcript>) {
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            transcript.lines.lock().expect("transcript lock").push(line);
            transcript.changed.notify_all();
        }
        *transcript.finished.lock().expect("transcript lock") = true;
        transcript.changed.notify_all();
    });
}

impl ServerProcess {
    /// Starts `program` with `args` and waits for its `Listening on ws://HOST:PORT/` line.
    /// Pass `--addr 127.0.0.1:0` so the OS picks a free port, and a `--time-limit` so the
    /// server stops by itself even if the test process dies.
    pub fn start(program: &str, args: &[&str]) -> ServerProcess {
        let mut server = ServerProcess::spawn(program, args);
        let line = server
            .wait_for_line("Listening on ws://")
            .unwrap_or_else(|| {
                panic!(
                    "{program} did not print its Listening line; stderr: {:?}",
                    server.stderr_lines()
                )
            });
        let address = line
            .split("ws://")
            .nth(1)
            .and_then(|rest| rest.trim_end_matches('/').parse().ok())
            .unwrap_or_else(|| panic!("cannot read an address from {line:?}"));
        server.addr = Some(address);
        server
    }

    /// Starts `program` without waiting for anything (for servers with other start-up lines
    /// and for tests of start-up failures).
    pub fn spawn(program: &str, args: &[&str]) -> ServerProcess {
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {program}: {error}"));
        let stdout = Arc::new(Transcript::default());
        let stderr = Arc::new(Transcript::default());
        collect_lines(child.stdout.take().expect("piped stdout"), stdout.clone());
        collect_lines(child.stderr.take().expect("piped stderr"), stderr.clone());
        ServerProcess {
            child,
            stdout,
            stderr,
            addr: None,
        }
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr.expect("start() read the address")
    }

    /// `ws://HOST:PORT` followed by `path_and_query` (which starts with `/`).
    pub fn url(&self, path_and_query: &str) -> String {
        format!("ws://{}{path_and_query}", self.addr())
    }

    /// Everything printed on stdout so far.
    pub fn lines(&self) -> Vec<String> {
        self.stdout.lines.lock().expect("transcript lock").clone()
    }

    /// Everything printed on stderr so far.
    pub fn stderr_lines(&self) -> Vec<String> {
        self.stderr.lines.lock().expect("transcript lock").clone()
    }

    /// Waits (up to `DEADLINE`) for a stdout line containing `needle` and returns it.
    pub fn wait_for_line(&self, needle: &str) -> Option<String> {
        self.wait_for_line_within(needle, DEADLINE)
    }

    /// Waits up to `timeout` for a stdout line containing `needle`.
    pub fn wait_for_line_within(&self, needle: &str, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        let mut lines = self.stdout.lines.lock().expect("transcript lock");
        loop {
            if let Some(line) = lines.iter().find(|line| line.contains(needle)) {
                return Some(line.clone());
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            lines = self
                .stdout
                .changed
                .wait_timeout(lines, left)
                .expect("transcript lock")
                .0;
        }
    }

    /// Waits up to `timeout` for the process to exit by itself, and then for the last
    /// lines it printed to be read from its pipes.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                for transcript in [&self.stdout, &self.stderr] {
                    while !*transcript.finished.lock().expect("transcript lock")
                        && Instant::now() < deadline
                    {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                }
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// The process id, for tests that sample its memory or threads in /proc.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Opens a plain TCP connection with timeouts, for raw-byte tests.
pub fn connect_raw(address: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(DEADLINE))
        .expect("read timeout");
    stream
        .set_write_timeout(Some(DEADLINE))
        .expect("write timeout");
    stream
}

/// Sends `request` and reads until the server closes (or the deadline), returning all of it.
pub fn exchange_raw(address: SocketAddr, request: &[u8]) -> Vec<u8> {
    let mut stream = connect_raw(address);
    stream.write_all(request).expect("send request");
    read_to_close(&mut stream)
}

/// Reads until the peer closes, the connection resets, or the deadline passes.
pub fn read_to_close(stream: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    let mut buffer = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => return received,
            Ok(count) => received.extend_from_slice(&buffer[..count]),
        }
    }
}

/// A valid client handshake request for `path`, with the RFC's sample key.
pub fn upgrade_request(path: &str) -> String {
    format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
}
