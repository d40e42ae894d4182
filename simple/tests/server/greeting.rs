//! The real `simple` binary on a free port: a client gets `Hello, Client!` and the log
//! shows each step of the article; `--time-limit` stops it; a taken port is one clear error.

use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use testkit::{ServerProcess, exchange_raw};

const SIMPLE: &str = env!("CARGO_BIN_EXE_simple");

/// Starts the server on a free port and returns it with the port it printed.
fn start(args: &[&str]) -> (ServerProcess, SocketAddr) {
    let server = ServerProcess::spawn(SIMPLE, args);
    let line = server
        .wait_for_line("Socket bind... ")
        .expect("simple printed its bind line");
    let addr = line["Socket bind... ".len()..].parse().expect("an address");
    (server, addr)
}

#[test]
fn a_client_is_greeted_and_the_steps_are_logged() {
    let (server, addr) = start(&["--addr", "127.0.0.1:0", "--time-limit", "60"]);
    let received = exchange_raw(addr, b"");
    assert_eq!(received, b"Hello, Client!\r\n");
    server
        .wait_for_line("Send message to client...")
        .expect("log line");
    let lines = server.lines();
    let expected_order = [
        "SERVER START",
        "Socket create...",
        "Socket bind... 127.0.0.1:",
        "Set options...",
        "Listening socket...",
        "Waiting for connections...",
        "Client connected... 127.0.0.1:",
        "Send message to client...",
    ];
    assert_eq!(lines.len(), expected_order.len(), "{lines:?}");
    for (line, expected) in lines.iter().zip(expected_order) {
        assert!(
            line.starts_with(expected),
            "{line:?} should start with {expected:?}"
        );
    }
}

#[test]
fn limit_stops_the_server_without_clients() {
    let (mut server, _addr) = start(&["--addr", "127.0.0.1:0", "--time-limit", "1"]);
    let status = server
        .wait_exit(Duration::from_secs(10))
        .expect("simple stopped by itself");
    assert!(status.success(), "{status:?}");
    let lines = server.lines();
    assert_eq!(
        lines[lines.len() - 2..],
        ["Closing connection...", "SERVER STOP"]
    );
}

#[test]
fn a_taken_port_is_one_clear_error() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let mut server = ServerProcess::spawn(SIMPLE, &["--addr", &addr]);
    let status = server
        .wait_exit(Duration::from_secs(10))
        .expect("simple exited");
    assert_eq!(status.code(), Some(1));
    let errors = server.stderr_lines();
    assert_eq!(
        errors,
        [format!("Error: cannot bind {addr}: Address already in use")]
    );
}

#[test]
fn help_and_bad_flags() {
    let mut help = ServerProcess::spawn(SIMPLE, &["--help"]);
    assert_eq!(
        help.wait_exit(Duration::from_secs(10))
            .and_then(|s| s.code()),
        Some(0)
    );
    let text = help.lines().join("\n");
    assert!(
        text.contains("--addr HOST:PORT") && text.contains("(default: 127.0.0.1:7777)"),
        "{text}"
    );
    assert!(text.contains("--time-limit SECS"), "{text}");

    for bad in [
        &["--port", "1"][..],
        &["--time-limit", "soon"],
        &["--addr", "nowhere"],
    ] {
        let mut server = ServerProcess::spawn(SIMPLE, bad);
        let status = server.wait_exit(Duration::from_secs(10)).expect("exited");
        assert_eq!(status.code(), Some(2), "{bad:?}");
        assert_eq!(
            server.stderr_lines().len(),
            1,
            "{bad:?}: {:?}",
            server.stderr_lines()
        );
    }
}
