//! Exercise 5.1, worked solution: a small chat, one thread per client, with `frame::Connection`
//! doing the protocol. A line is said to everyone; `/whisper NAME text` is said to one person.
//! Each client names itself in the URL: `ws://127.0.0.1:7851/?name=alice`.

#![forbid(unsafe_code)]

use exercise_base_5::{Member, send};

/// Where the server listens when no address is given on the command line.
const DEFAULT_ADDR: &str = "127.0.0.1:7851";

/// The chat itself is `exercise_base_5::run` (docs/listings/exercises/base-5/src/lib.rs); the
/// one piece this program adds is `command`.
fn main() -> std::io::Result<()> {
    exercise_base_5::run(DEFAULT_ADDR, command)
}

// ANCHOR: reader
/// Carries out `line` if it is a command. Returns true if it was one.
fn command(members: &[Member], name: &str, line: &str) -> bool {
    let Some(rest) = line.strip_prefix("/whisper ") else {
        return false;
    };
    let reply_to_sender = |text: &str| {
        members
            .iter()
            .filter(|member| member.name == name)
            .for_each(|member| send(member, text));
    };
    let Some((to, text)) = rest.split_once(' ') else {
        reply_to_sender("usage: /whisper NAME text");
        return true;
    };
    let recipients: Vec<&Member> = members.iter().filter(|member| member.name == to).collect();
    if recipients.is_empty() {
        reply_to_sender(&format!("no one here is called {to}"));
    }
    for member in recipients {
        send(member, &format!("{name} whispers: {text}"));
    }
    true
}
// ANCHOR_END: reader
