//! The second yardstick: an echo server on fastwebsockets, built the way its own echo example
//! builds one (hyper's HTTP/1 upgrade, one task per connection, auto-close and auto-pong on),
//! on a current-thread tokio runtime so that, like our poll loop, it lives on one core. Where
//! tungstenite-echo shows what a thread per client costs, this one shows what a fast
//! event-driven server manages on the same single core.

#![forbid(unsafe_code)]

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use cli::Flag;
use fastwebsockets::{FragmentCollector, OpCode, WebSocketError, upgrade};
use http_body_util::Empty;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use tokio::net::TcpListener;

const FLAGS: &[Flag] = &[
    Flag::value("addr", "HOST:PORT", "127.0.0.1:7791", "where to listen"),
    Flag::value(
        "time-limit",
        "SECS",
        "0",
        "exit after this many seconds (0: run until killed)",
    ),
];

fn main() {
    let args = cli::parse_or_exit(
        "fastwebsockets-echo",
        "a fastwebsockets echo server on one thread (tokio current-thread), the curve's reference",
        FLAGS,
    );
    let addr: SocketAddr = args.value_or_exit("addr");
    let time_limit: u64 = args.value_or_exit("time-limit");
    // One thread, like our poll loop: the comparison is of designs on one core, not of
    // how many cores a runtime can use.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .unwrap_or_else(|error| {
            eprintln!("Error: cannot start the tokio runtime: {error}");
            std::process::exit(1);
        });
    runtime.block_on(serve(addr, time_limit));
}

async fn serve(addr: SocketAddr, time_limit: u64) {
    let listener = TcpListener::bind(addr).await.unwrap_or_else(|error| {
        eprintln!(
            "Error: cannot bind {addr}: {}",
            cli::describe_io_error(&error)
        );
        std::process::exit(1);
    });
    let bound = listener
        .local_addr()
        .expect("a bound listener knows its address");
    say("Server: fastwebsockets 0.10 on hyper 1, tokio current-thread runtime (one core)");
    if time_limit > 0 {
        say(&format!("Time limit: {time_limit} s"));
        // The backstop for a benchmark driver that dies: a plain exit is good enough.
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(time_limit)).await;
            std::process::exit(0);
        });
    } else {
        say("Time limit: none");
    }
    say(&format!("Listening on ws://{bound}/"));
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _peer)) => stream,
            Err(error) => {
                say(&format!(
                    "cannot accept: {}",
                    cli::describe_io_error(&error)
                ));
                // Out of descriptors: accepting again at once would spin on the same error.
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        // Like tungstenite-echo and ours: an echo must not wait for Nagle.
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let io = hyper_util::rt::TokioIo::new(stream);
            let connection = http1::Builder::new()
                .serve_connection(io, service_fn(upgrade_request))
                .with_upgrades();
            if let Err(error) = connection.await {
                say(&format!("HTTP connection failed: {error}"));
            }
        });
    }
}

/// Answers the HTTP request with 101 and hands the upgraded connection to its own task
/// (section 4.2.2), as fastwebsockets' example does.
async fn upgrade_request(
    mut request: Request<Incoming>,
) -> Result<Response<Empty<Bytes>>, WebSocketError> {
    let (response, upgraded) = upgrade::upgrade(&mut request)?;
    tokio::spawn(async move {
        // unconstrained: the example's choice, so tokio's cooperative budget does not make
        // a busy connection yield between frames that are already buffered.
        let outcome = tokio::task::unconstrained(async move {
            let mut socket = FragmentCollector::new(upgraded.await?);
            echo(&mut socket).await
        })
        .await;
        if let Err(error) = outcome {
            say(&format!("connection dropped: {error}"));
        }
    });
    Ok(response)
}

/// Echoes every data message until the close handshake ends. auto_close and auto_pong are
/// on by default: fastwebsockets answers pings and the client's close frame itself.
async fn echo<S>(socket: &mut FragmentCollector<S>) -> Result<(), WebSocketError>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    loop {
        let frame = socket.read_frame().await?;
        match frame.opcode {
            OpCode::Close => return Ok(()),
            OpCode::Text | OpCode::Binary => socket.write_frame(frame).await?,
            _ => {}
        }
    }
}

/// One log line, flushed at once: the benchmark driver reads the pipe.
fn say(line: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
}
