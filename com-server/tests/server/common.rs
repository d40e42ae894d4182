//! What the com-server tests share: start the real binary (on a free port, with a time
//! limit so it never outlives a crashed test), join the chat under a name, and read the
//! next text message or the close frame with tungstenite, the independent client.

use std::net::TcpStream;

use testkit::ServerProcess;

pub use testkit::tungstenite_client::{connect, try_connect};
use tungstenite::protocol::CloseFrame;
use tungstenite::{Message, WebSocket};

/// The binary under test.
pub const PROGRAM: &str = env!("CARGO_BIN_EXE_com-server");

/// A connected chat client.
pub type Client = WebSocket<TcpStream>;

/// Starts com-server on a free loopback port with a 120 s time limit and `extra` flags.
pub fn start(extra: &[&str]) -> ServerProcess {
    let mut args = vec!["--addr", "127.0.0.1:0", "--time-limit", "120"];
    args.extend_from_slice(extra);
    ServerProcess::start(PROGRAM, &args)
}

/// Connects with `query` (e.g. `?name=Bob`, or empty) and returns the client and the
/// name the greeting gave it.
pub fn join_with_query(server: &ServerProcess, query: &str) -> (Client, String) {
    let mut client = connect(&server.url(&format!("/{query}")));
    let greeting = next_text(&mut client);
    let name = greeting
        .strip_prefix("Server: Hello! Welcome to Chat, ")
        .unwrap_or_else(|| panic!("the first message must be the greeting, got {greeting:?}"))
        .to_owned();
    (client, name)
}

/// Joins as `name` (plain ASCII without spaces) and checks the greeting names it so.
pub fn join(server: &ServerProcess, name: &str) -> Client {
    let (client, given) = join_with_query(server, &format!("?name={name}"));
    assert_eq!(given, name);
    client
}

/// Sends one text message.
pub fn send(client: &mut Client, text: &str) {
    client
        .send(Message::text(text))
        .expect("send a text message");
}

/// The next text message, skipping pings and pongs (tungstenite answers pings itself).
pub fn next_text(client: &mut Client) -> String {
    loop {
        match client.read().expect("read the next message") {
            Message::Text(text) => return text.as_str().to_owned(),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("expected a text message, got {other:?}"),
        }
    }
}

/// Sends `text` and returns the next text message.
pub fn ask(client: &mut Client, text: &str) -> String {
    send(client, text);
    next_text(client)
}

/// Reads until the server's close frame, skipping text messages still on their way,
/// sends tungstenite's reply, waits for the server to close TCP and hangs up (so the
/// server's last read sees the end at once). Returns the code and reason.
pub fn expect_close(mut client: Client) -> (u16, String) {
    let close = loop {
        match client.read().expect("read until the close frame") {
            Message::Close(Some(CloseFrame { code, reason })) => {
                break (u16::from(code), reason.as_str().to_owned());
            }
            Message::Close(None) => panic!("the close frame carried no code"),
            Message::Text(_) | Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    // Sends the queued reply; then reads until the server's FIN (or the read deadline).
    while client.read().is_ok() {}
    close
}

/// Waits for a log line containing `needle`, failing the test with the log if it never comes.
pub fn wait_for_log(server: &ServerProcess, needle: &str) -> String {
    server
        .wait_for_line(needle)
        .unwrap_or_else(|| panic!("no log line with {needle:?}; log: {:#?}", server.lines()))
}

/// Waits for `name`'s leave line (`<peer> closed 1000 (Normal Closure); <name> left the
/// chat`) and checks that it says `outcome`.
pub fn wait_for_leave(server: &ServerProcess, name: &str, outcome: &str) {
    let line = wait_for_log(server, &format!("; {name} left the chat"));
    let (peer, rest) = line.split_once(' ').expect("the peer address first");
    assert!(peer.starts_with("127.0.0.1:"), "{line}");
    assert!(
        rest.starts_with(outcome),
        "expected {outcome:?} in {line:?}"
    );
}
