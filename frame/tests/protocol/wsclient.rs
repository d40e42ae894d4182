//! Integration tests of the `wsclient` example as a reader would run it: every flag against
//! the suite's two servers and an independent tungstenite server, and every kind of bad
//! server answer (raw `TcpStream` servers written here) with its message and exit code.
//! Every wait is bounded and every process is killed when its guard drops.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use frame::{Connection, Event, Limits, Role, accept_key};

/// The longest any one wait may take before the test fails instead of hanging.
const DEADLINE: Duration = Duration::from_secs(30);

/// Builds the example and both servers once, and returns the target directory.
fn binaries() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-q", "-p", "frame", "--example", "wsclient"])
            .args(["-p", "echo-server", "-p", "com-server"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building wsclient and the servers failed");
        // This test binary is target/debug/deps/protocol-*; the programs are beside deps.
        let exe = std::env::current_exe().expect("the test binary has a path");
        exe.parent()
            .and_then(|deps| deps.parent())
            .expect("target/debug")
            .to_path_buf()
    })
}

/// A child process killed when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One of the suite's servers on a free port; returns its guard and ws:// URL.
fn start_server(name: &str, args: &[&str]) -> (Guard, String) {
    let mut child = Command::new(binaries().join(name))
        .args(["--addr", "127.0.0.1:0", "--time-limit", "60"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    let stdout = child.stdout.take().expect("piped");
    let guard = Guard(child);
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(start) = line.find("ws://") {
                let url = line[start..]
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_owned();
                let _ = sender.send(url);
            }
        }
    });
    let url = receiver
        .recv_timeout(DEADLINE)
        .expect("the server prints its ws:// URL");
    (guard, url)
}

/// What one run of wsclient did.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs wsclient with `args`, `stdin` as its input, and a deadline.
fn wsclient(args: &[&str], stdin: &[u8]) -> Run {
    let mut child = Command::new(binaries().join("examples").join("wsclient"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("wsclient starts");
    let mut input = child.stdin.take().expect("piped");
    let stdin = stdin.to_vec();
    std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut guard = Guard(child);
    let started = Instant::now();
    let status = loop {
        if let Some(status) = guard.0.try_wait().expect("wait works") {
            break status;
        }
        assert!(started.elapsed() < DEADLINE, "wsclient {args:?} hung");
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
    }
}

/// A hand-written server for one connection: reads the upgrade request, then hands the
/// socket and the client's key to `script`, whose result the test gets back.
fn raw_server<T: Send + 'static>(
    script: impl FnOnce(&mut TcpStream, &str) -> T + Send + 'static,
) -> (String, JoinHandle<T>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("ws://{}/", listener.local_addr().expect("address"));
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        stream.set_read_timeout(Some(DEADLINE)).expect("timeout");
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            stream.read_exact(&mut byte).expect("the request head");
            head.push(byte[0]);
        }
        let head = String::from_utf8(head).expect("ASCII head");
        let key = head
            .lines()
            .find_map(|line| line.strip_prefix("Sec-WebSocket-Key: "))
            .expect("a key")
            .to_owned();
        script(&mut stream, &key)
    });
    (url, handle)
}

fn switching(key: &str) -> String {
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n",
        accept_key(key)
    )
}

/// The good 101, then `frames`; returns the close code the client sent back, if any.
fn misbehaving(frames: &'static [u8]) -> (String, JoinHandle<Option<u16>>) {
    raw_server(move |stream, key| {
        stream
            .write_all(format!("{}\r\n", switching(key)).as_bytes())
            .expect("write");
        stream.write_all(frames).expect("write");
        client_close_code(stream)
    })
}

/// Reads what the client sends until it closes TCP, and decodes its close frame.
fn client_close_code(stream: &mut TcpStream) -> Option<u16> {
    let mut received = Vec::new();
    let _ = stream.read_to_end(&mut received);
    let mut server = Connection::new(Role::Server, Limits::default());
    server.receive(&received);
    loop {
        match server.next_event() {
            Ok(Some(Event::Close(close))) => return close.map(|frame| u16::from(frame.code)),
            Ok(Some(_)) => continue,
            _ => return None,
        }
    }
}

/// An independent server: tungstenite, echoing, answering `chat` when offered, and
/// returning the request's headers.
// tungstenite's handshake callback returns its large `ErrorResponse` by design.
#[allow(clippy::result_large_err)]
fn tungstenite_server() -> (String, JoinHandle<Vec<(String, String)>>) {
    use tungstenite::handshake::server::{Request, Response};
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("ws://{}/", listener.local_addr().expect("address"));
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("accept");
        stream.set_read_timeout(Some(DEADLINE)).expect("timeout");
        let mut headers = Vec::new();
        let callback = |request: &Request, mut response: Response| {
            for (name, value) in request.headers() {
                headers.push((
                    name.as_str().to_owned(),
                    value.to_str().unwrap_or("").to_owned(),
                ));
            }
            let offered = request
                .headers()
                .get("Sec-WebSocket-Protocol")
                .and_then(|value| value.to_str().ok())
                .unwrap_or("");
            if offered.split(',').any(|name| name.trim() == "chat") {
                response
                    .headers_mut()
                    .insert("Sec-WebSocket-Protocol", "chat".parse().expect("a value"));
            }
            Ok(response)
        };
        let mut socket = tungstenite::accept_hdr(stream, callback).expect("handshake");
        loop {
            match socket.read() {
                Ok(message) if message.is_text() || message.is_binary() => {
                    if socket.send(message).is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
        headers
    });
    (url, handle)
}

#[test]
fn help_lists_every_flag() {
    let run = wsclient(&["--help"], b"");
    assert_eq!(run.code, 0);
    for flag in [
        "--close-code",
        "--linger",
        "--verbose",
        "--binary",
        "--ping-interval",
        "--header",
        "--subprotocol",
        "--commands",
        "Exit codes",
    ] {
        assert!(
            run.stdout.contains(flag),
            "--help lacks {flag}:\n{}",
            run.stdout
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["--no-such-flag", "ws://127.0.0.1:1/"][..],
        &["--header", "no colon", "ws://127.0.0.1:1/"],
        &["--ping-interval", "soon", "ws://127.0.0.1:1/"],
        &["http://127.0.0.1:1/"],
        &["wss://127.0.0.1:1/"],
    ] {
        let run = wsclient(args, b"");
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.starts_with("wsclient: "),
            "{args:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn echo_server_lines_and_a_clean_close() {
    let (_server, url) = start_server("echo-server", &["--no-greeting"]);
    let run = wsclient(&["--linger", "1", &url], b"hello\n");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("< hello\n"), "{}", run.stdout);
    assert!(
        run.stdout.contains("closed 1000 (Normal Closure)"),
        "{}",
        run.stdout
    );
}

#[test]
fn close_code_comes_back_from_both_servers() {
    let (_echo, echo_url) = start_server("echo-server", &[]);
    let run = wsclient(&["--close-code", "4000", &echo_url], b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("closed 4000 (Application Code)"),
        "{}",
        run.stdout
    );
    let (_com, com_url) = start_server("com-server", &[]);
    let run = wsclient(&["--close-code", "3000", &com_url], b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("closed 3000 (Library Code)"),
        "{}",
        run.stdout
    );
}

#[test]
fn binary_goes_out_as_binary_and_comes_back_as_hex() {
    let (_server, url) = start_server("echo-server", &["--no-greeting"]);
    let run = wsclient(&["--binary", "--linger", "1", &url], b"hi\x00\xff");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("< binary message of 4 bytes: 68 69 00 ff"),
        "{}",
        run.stdout
    );
    // The chat is text-only: binary gets 1003, a clean close all the same.
    let (_com, com_url) = start_server("com-server", &[]);
    let run = wsclient(&["--binary", "--linger", "2", &com_url], b"hi");
    assert!(
        run.stdout.contains("closed 1003 (Unsupported Data)"),
        "{}",
        run.stdout
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn verbose_dissects_frames() {
    let (_server, url) = start_server("echo-server", &["--no-greeting"]);
    let run = wsclient(&["--verbose", "--linger", "1", &url], b"Hello\n");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("header bytes: 81 85"), "{}", run.stdout);
    assert!(run.stdout.contains("header bytes: 81 05"), "{}", run.stdout);
}

#[test]
fn pings_get_pongs_from_every_server() {
    let (_echo, echo_url) = start_server("echo-server", &[]);
    let (_com, com_url) = start_server("com-server", &[]);
    let (tung_url, tung) = tungstenite_server();
    for url in [&echo_url, &com_url, &tung_url] {
        let run = wsclient(&["--ping-interval", "0.2", "--linger", "1", url], b"");
        assert_eq!(run.code, 0, "{url}: {}", run.stderr);
        assert!(run.stdout.contains("< pong"), "{url}: {}", run.stdout);
    }
    tung.join().expect("the tungstenite server");
}

#[test]
fn a_missing_pong_is_a_dead_connection() {
    let (url, server) = raw_server(|stream, key| {
        stream
            .write_all(format!("{}\r\n", switching(key)).as_bytes())
            .expect("write");
        // Read and ignore everything: a server that hangs but keeps TCP up.
        let _ = stream.read_to_end(&mut Vec::new());
    });
    let run = wsclient(&["--ping-interval", "0.3", "--linger", "30", &url], b"");
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("no pong within 0.3 s"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("dead"), "{}", run.stderr);
    server.join().expect("the raw server");
}

#[test]
fn headers_and_origin_reach_the_server() {
    let (url, server) = tungstenite_server();
    let run = wsclient(
        &[
            "--header",
            "Origin: http://example.test",
            "--header",
            "X-Trace: 42",
            &url,
        ],
        b"",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let headers = server.join().expect("the tungstenite server");
    assert!(
        headers.contains(&("origin".into(), "http://example.test".into())),
        "{headers:?}"
    );
    assert!(
        headers.contains(&("x-trace".into(), "42".into())),
        "{headers:?}"
    );
}

#[test]
fn an_origin_the_server_refuses_is_exit_1_with_the_status() {
    for name in ["echo-server", "com-server"] {
        let (_server, url) = start_server(name, &["--allowed-origin", "http://good.test"]);
        let run = wsclient(&["--header", "Origin: http://evil.test", &url], b"");
        assert_eq!(run.code, 1, "{name}: {}", run.stderr);
        assert!(
            run.stderr.contains("refused the upgrade: HTTP/1.1 403"),
            "{name}: {}",
            run.stderr
        );
        let run = wsclient(&["--header", "Origin: http://good.test", &url], b"");
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
    }
}

#[test]
fn subprotocol_is_offered_and_the_answer_checked() {
    let (url, server) = tungstenite_server();
    let run = wsclient(
        &["--subprotocol", "superchat", "--subprotocol", "chat", &url],
        b"",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("subprotocol: chat"), "{}", run.stdout);
    let headers = server.join().expect("the tungstenite server");
    assert!(
        headers.contains(&("sec-websocket-protocol".into(), "superchat, chat".into())),
        "{headers:?}"
    );
    // Our servers choose none, which the client accepts (RFC 6455 4.1).
    let (_echo, echo_url) = start_server("echo-server", &[]);
    let run = wsclient(&["--subprotocol", "chat", &echo_url], b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("subprotocol: none"), "{}", run.stdout);
    // A server that picks one we did not offer fails the handshake.
    let (url, _server) = raw_server(|stream, key| {
        let answer = format!("{}Sec-WebSocket-Protocol: mqtt\r\n\r\n", switching(key));
        let _ = stream.write_all(answer.as_bytes());
        let _ = stream.read_to_end(&mut Vec::new());
    });
    let run = wsclient(&["--subprotocol", "chat", &url], b"");
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("\"mqtt\", which we did not offer (RFC 6455 4.1)"),
        "{}",
        run.stderr
    );
}

#[test]
fn commands_ping_and_close_with_a_reason() {
    let (url, server) = tungstenite_server();
    let run = wsclient(
        &["--commands", "--linger", "30", &url],
        b"hi\n/ping\n/close 4001 bye\n",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("< hi\n"), "{}", run.stdout);
    assert!(run.stdout.contains("< pong"), "{}", run.stdout);
    assert!(
        run.stdout.contains("closed 4001 (Application Code)"),
        "{}",
        run.stdout
    );
    server.join().expect("the tungstenite server");
    // Without --commands (and stdin not a terminal) the same lines are just text.
    let (_echo, echo_url) = start_server("echo-server", &["--no-greeting"]);
    let run = wsclient(&["--linger", "1", &echo_url], b"/ping\n");
    assert!(run.stdout.contains("< /ping\n"), "{}", run.stdout);
}

#[test]
fn a_200_instead_of_101_is_a_refusal() {
    let (url, _server) = raw_server(|stream, _key| {
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
    });
    let run = wsclient(&[&url], b"");
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "wsclient: the server refused the upgrade: HTTP/1.1 200 OK\n"
    );
}

#[test]
fn a_wrong_accept_key_fails_the_handshake() {
    let (url, _server) = raw_server(|stream, _key| {
        let _ = stream.write_all(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n",
        );
        let _ = stream.read_to_end(&mut Vec::new());
    });
    let run = wsclient(&[&url], b"");
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("Sec-WebSocket-Accept"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("(RFC 6455 4.1)"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
}

/// The client fails the connection: one line naming the rule, the code it closed with
/// reaching the server, exit 4.
fn assert_failed(frames: &'static [u8], rule: &str, code: u16) {
    let (url, server) = misbehaving(frames);
    let run = wsclient(&["--linger", "30", &url], b"");
    assert_eq!(run.code, 4, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .starts_with("wsclient: the server broke the protocol: "),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(rule), "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("we closed with {code} (")),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert_eq!(server.join().expect("the raw server"), Some(code));
}

#[test]
fn a_masked_server_frame_is_failed_with_1002() {
    assert_failed(
        b"\x81\x82\x37\xfa\x21\x3d\x5f\x93",
        "server frames must not be masked (RFC 6455 5.1)",
        1002,
    );
}

#[test]
fn an_oversized_frame_is_failed_with_1009() {
    // A header announcing 1 TiB: refused from the header alone, nothing allocated.
    assert_failed(
        b"\x82\x7f\x00\x00\x01\x00\x00\x00\x00\x00",
        "exceeds the limit of 16777216",
        1009,
    );
}

#[test]
fn invalid_utf8_is_failed_with_1007() {
    assert_failed(b"\x81\x02\xc3\x28", "not valid UTF-8 (RFC 6455 8.1)", 1007);
}

#[test]
fn a_server_that_vanishes_mid_frame_is_an_abnormal_close() {
    let (url, _server) = raw_server(|stream, key| {
        let _ = stream.write_all(format!("{}\r\n", switching(key)).as_bytes());
        // Five bytes announced, two sent, then TCP closes.
        let _ = stream.write_all(b"\x81\x05he");
    });
    let run = wsclient(&["--linger", "30", &url], b"");
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("abnormal closure 1006"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
}

#[test]
fn a_server_that_never_answers_our_close_is_an_abnormal_close() {
    let (url, _server) = raw_server(|stream, key| {
        let _ = stream.write_all(format!("{}\r\n", switching(key)).as_bytes());
        let _ = stream.read_to_end(&mut Vec::new());
    });
    let run = wsclient(&[&url], b"");
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("no close frame from the server"),
        "{}",
        run.stderr
    );
}
