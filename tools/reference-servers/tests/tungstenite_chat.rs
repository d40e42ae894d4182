//! The chat references against an independent client: two tungstenite clients join, see the
//! same greeting, notices and `name: text` lines com-server sends, and a client that stops
//! reading is closed with 1008 once its queue passes `--outbox-bytes`. If these lines ever
//! differed from com-server's, the chat benchmark would compare different work. The same
//! checks run against node-chat where Node and its `ws` package are installed.

use std::net::TcpStream;

use testkit::ServerProcess;
use testkit::tungstenite_client::{connect, read_text};
use tungstenite::{Message, WebSocket};

type Client = WebSocket<TcpStream>;

/// Which chat server a test starts.
#[derive(Clone, Copy)]
enum Chat {
    Tungstenite,
    Node,
}

const NODE_CHAT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/node-chat");

/// True when node-chat can run here: `node` on PATH and `npm ci` done in its folder.
fn node_chat_installed() -> bool {
    let node_runs = std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    let installed = node_runs
        && std::path::Path::new(NODE_CHAT)
            .join("node_modules/ws")
            .is_dir();
    if !installed {
        eprintln!("node-chat not checked: needs node on PATH and `npm ci` in {NODE_CHAT}");
    }
    installed
}

fn start(chat: Chat, extra: &[&str]) -> ServerProcess {
    let mut args = vec!["--addr", "127.0.0.1:0", "--time-limit", "120"];
    args.extend_from_slice(extra);
    match chat {
        Chat::Tungstenite => ServerProcess::start(env!("CARGO_BIN_EXE_tungstenite-chat"), &args),
        Chat::Node => {
            let script = format!("{NODE_CHAT}/chat.mjs");
            args.insert(0, &script);
            ServerProcess::start("node", &args)
        }
    }
}

fn join(server: &ServerProcess, name: &str) -> Client {
    let mut client = connect(&server.url(&format!("/?name={name}")));
    assert_eq!(
        read_text(&mut client),
        format!("Server: Hello! Welcome to Chat, {name}")
    );
    client
}

/// Says goodbye and waits for the server's close reply, so its leave notice is sent.
fn leave(mut client: Client) {
    client.close(None).expect("send a close frame");
    loop {
        match client.read() {
            Ok(Message::Close(_)) | Err(_) => break,
            Ok(_) => {}
        }
    }
}

fn send(client: &mut Client, text: &str) {
    client.send(Message::text(text)).expect("send a chat line");
}

#[test]
fn two_members_chat_and_the_room_tells_who_comes_and_goes() {
    chat_and_notices(Chat::Tungstenite);
}

#[test]
fn node_chat_sends_the_same_lines() {
    if node_chat_installed() {
        chat_and_notices(Chat::Node);
    }
}

#[test]
fn a_member_who_stops_reading_is_closed_with_1008() {
    stuck_member_is_evicted(Chat::Tungstenite);
}

#[test]
fn node_chat_closes_a_member_who_stops_reading_with_1008() {
    if node_chat_installed() {
        stuck_member_is_evicted(Chat::Node);
    }
}

fn chat_and_notices(chat: Chat) {
    let server = start(chat, &[]);
    let mut alice = join(&server, "Alice");
    let mut bob = join(&server, "Bob");
    assert_eq!(read_text(&mut alice), "Server: New User(Bob) in Chat!");
    send(&mut alice, "hi Bob");
    // Everyone gets the line, the sender included, as com-server does.
    assert_eq!(read_text(&mut alice), "Alice: hi Bob");
    assert_eq!(read_text(&mut bob), "Alice: hi Bob");
    send(&mut bob, "two\nlines");
    assert_eq!(read_text(&mut alice), "Bob: two↵lines");
    assert_eq!(read_text(&mut bob), "Bob: two↵lines");
    // A second Bob gets a suffix; a nameless client a number.
    let mut bob2 = connect(&server.url("/?name=Bob"));
    assert_eq!(read_text(&mut bob2), "Server: Hello! Welcome to Chat, Bob2");
    leave(bob2);
    let mut anonymous = connect(&server.url("/"));
    assert_eq!(
        read_text(&mut anonymous),
        "Server: Hello! Welcome to Chat, Anonymous1"
    );
    leave(anonymous);
    leave(bob);
    // Each goodbye waited for the server's reply, so Alice's notices come in this order.
    for notice in [
        "Server: New User(Bob2) in Chat!",
        "Server: Bob2 left the chat",
        "Server: New User(Anonymous1) in Chat!",
        "Server: Anonymous1 left the chat",
        "Server: Bob left the chat",
    ] {
        assert_eq!(read_text(&mut alice), notice);
    }
}

fn stuck_member_is_evicted(chat: Chat) {
    let server = start(chat, &["--outbox-bytes", "65536"]);
    let mut stuck = join(&server, "Stuck");
    let mut alice = join(&server, "Alice");
    let filler = "x".repeat(32 * 1024);
    let mut sent = 0;
    // Alice reads her own lines back; the stuck member reads nothing. Kernel buffers
    // hold some megabytes, so give up only far beyond them.
    let evicted = loop {
        assert!(sent < 2000, "Stuck was never closed after {sent} lines");
        send(&mut alice, &format!("{sent} {filler}"));
        sent += 1;
        let line = read_text(&mut alice);
        if line == "Server: Stuck left the chat" {
            break true;
        }
        assert!(line.starts_with("Alice: "), "{line:.40}");
    };
    assert!(evicted);
    assert!(
        server
            .wait_for_line("Stuck is too slow (outbox full): closing with 1008")
            .is_some(),
        "{:?}",
        server.lines()
    );
    assert_eq!(read_text(&mut stuck), "Server: New User(Alice) in Chat!");
    let code = loop {
        match stuck.read().expect("Stuck reads its backlog") {
            Message::Text(text) => assert!(text.starts_with("Alice: "), "{:.40}", text.as_str()),
            Message::Close(Some(frame)) => break u16::from(frame.code),
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(code, 1008);
}
