//! Step 1 of the tutorial: a TCP server and nothing else. It accepts a connection, writes
//! `Hello, Client!` and hangs up, printing each step the way the PHP original does, so
//! that `telnet 127.0.0.1 7777` shows what a socket server is before any WebSocket exists.

#![forbid(unsafe_code)]

use std::io::Write;
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use cli::Flag;

const ABOUT: &str =
    "step 1 of the tutorial: a TCP server that answers every client with Hello, Client!";

const FLAGS: &[Flag] = &[
    Flag::value(
        "addr",
        "HOST:PORT",
        "127.0.0.1:7777",
        "address to listen on",
    ),
    // The same name as the WebSocket servers' flag; there is no close frame to send here.
    Flag::value(
        "time-limit",
        "SECS",
        "0",
        "stop after SECS, even if no client comes (0: run until stopped)",
    ),
];

/// What every client gets. `\r\n` is the line ending telnet expects.
const GREETING: &[u8] = b"Hello, Client!\r\n";

fn main() {
    let args = cli::parse_or_exit("simple", ABOUT, FLAGS);
    let addr: SocketAddr = args.value_or_exit("addr");
    let time_limit = match args.value_or_exit::<u64>("time-limit") {
        0 => None,
        seconds => Some(seconds),
    };

    println!("SERVER START");
    // std's `TcpListener::bind` (inside `bind_or_exit`) does in one call what the PHP script does in four:
    // socket() creates the socket, setsockopt(SO_REUSEADDR) lets a restarted server take
    // its port back at once instead of waiting out TIME_WAIT, bind() claims the address
    // and listen() starts queueing clients. We print the four steps to keep the story.
    println!("Socket create...");
    let listener = cli::bind_or_exit(addr);
    let local_addr = listener.local_addr().unwrap_or(addr);
    println!("Socket bind... {local_addr}");
    println!("Set options...");
    println!("Listening socket...");

    let stopping = Arc::new(AtomicBool::new(false));
    if let Some(seconds) = time_limit {
        stop_after(Duration::from_secs(seconds), local_addr, stopping.clone());
    }

    println!("Waiting for connections...");
    // `incoming()` blocks in accept(): this thread sleeps until a client arrives. That is
    // fine for a greeting, and it is exactly why step 2 needs something else.
    for stream in listener.incoming() {
        if stopping.load(Ordering::SeqCst) {
            break;
        }
        match stream {
            Ok(stream) => greet(stream),
            Err(error) => eprintln!("accept failed: {}", cli::describe_io_error(&error)),
        }
    }
    println!("Closing connection...");
    println!("SERVER STOP");
}

/// Writes the greeting and closes. Errors only concern this one client.
fn greet(mut stream: TcpStream) {
    let peer = stream
        .peer_addr()
        .map(|addr| addr.to_string())
        .unwrap_or_else(|_| "unknown peer".into());
    println!("Client connected... {peer}");
    println!("Send message to client...");
    if let Err(error) = stream.write_all(GREETING) {
        eprintln!("{peer}: cannot send: {}", cli::describe_io_error(&error));
    }
    // Closing our side is what makes telnet print "Connection closed by foreign host".
    let _ = stream.shutdown(Shutdown::Both);
}

/// A blocking accept() cannot be told to stop, so after `limit` a timer thread raises the
/// flag and then connects to the server itself: that wakes accept(), the loop sees the flag
/// and ends.
fn stop_after(limit: Duration, local_addr: SocketAddr, stopping: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        std::thread::sleep(limit);
        stopping.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&local_addr, Duration::from_secs(1));
    });
}
