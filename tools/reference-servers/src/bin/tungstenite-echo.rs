//! The yardstick for the echo-server's benchmark: the textbook tungstenite echo server, one
//! thread per connection with tungstenite's default buffers. The load tool drives it and our
//! poll-loop server the same way, so every figure in `docs/performance.md` is a ratio
//! against this one, measured in the same run on the same machine.

#![forbid(unsafe_code)]

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use cli::Flag;
use frame::CloseCode;
use tungstenite::{Error, Message};

const FLAGS: &[Flag] = &[
    Flag::value("addr", "HOST:PORT", "127.0.0.1:7790", "where to listen"),
    Flag::value(
        "time-limit",
        "SECS",
        "0",
        "exit after this many seconds (0: run until killed)",
    ),
];

fn main() {
    let args = cli::parse_or_exit(
        "tungstenite-echo",
        "a tungstenite thread-per-connection echo server, the benchmark's reference",
        FLAGS,
    );
    let addr: SocketAddr = args.value_or_exit("addr");
    let time_limit: u64 = args.value_or_exit("time-limit");
    let listener = TcpListener::bind(addr).unwrap_or_else(|error| {
        eprintln!(
            "Error: cannot bind {addr}: {}",
            cli::describe_io_error(&error)
        );
        std::process::exit(1);
    });
    let bound = listener
        .local_addr()
        .expect("a bound listener knows its address");
    say("Server: tungstenite 0.30, one thread per connection, default buffers");
    if time_limit > 0 {
        say(&format!("Time limit: {time_limit} s"));
        // A benchmark driver that dies must not leave servers behind: the limit is the
        // backstop, so a plain exit (no close handshake) is good enough here.
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(time_limit));
            std::process::exit(0);
        });
    } else {
        say("Time limit: none");
    }
    say(&format!("Listening on ws://{bound}/"));
    for stream in listener.incoming() {
        match stream {
            Ok(stream) => {
                // Thread-per-connection is the design being measured: a thread (and its
                // stack) plus tungstenite's 128 KiB read buffer for every client.
                std::thread::spawn(move || serve(stream));
            }
            Err(error) => say(&format!(
                "cannot accept: {}",
                cli::describe_io_error(&error)
            )),
        }
    }
}

/// Echoes every data message until the client closes or the connection breaks.
fn serve(stream: TcpStream) {
    let peer = match stream.peer_addr() {
        Ok(peer) => peer.to_string(),
        Err(_) => "unknown peer".to_owned(),
    };
    // Both servers under test turn Nagle off: an echo must not wait for the next message.
    let _ = stream.set_nodelay(true);
    let mut socket = match tungstenite::accept(stream) {
        Ok(socket) => socket,
        Err(error) => {
            say(&format!("{peer} refused: {error}"));
            return;
        }
    };
    say(&format!("{peer} connected"));
    let mut close_code = None;
    loop {
        let outcome = match socket.read() {
            Ok(message @ (Message::Text(_) | Message::Binary(_))) => socket.send(message),
            Ok(Message::Close(frame)) => {
                // tungstenite queues the reply itself; the next read sends it and then
                // reports ConnectionClosed.
                close_code = Some(frame.map_or(1005, |frame| u16::from(frame.code)));
                Ok(())
            }
            // Pongs to our pings are queued by tungstenite and flushed on the next read.
            Ok(_) => Ok(()),
            Err(error) => Err(error),
        };
        match outcome {
            Ok(()) => {}
            Err(Error::ConnectionClosed | Error::AlreadyClosed) => {
                let code = CloseCode::from(close_code.unwrap_or(1005));
                say(&format!("{peer} closed {code}"));
                return;
            }
            Err(error) => {
                say(&format!("{peer} dropped: {error}"));
                return;
            }
        }
    }
}

/// One log line, flushed at once: the benchmark driver reads the pipe.
fn say(line: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
}
