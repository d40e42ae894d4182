//! Exercise 5.1, the starting point: a small chat, one thread per client, with
//! `frame::Connection` doing the protocol. Every line is said to everyone; the command
//! `/whisper NAME text`, said to one person only, is yours (marked YOUR CODE HERE).

#![forbid(unsafe_code)]

// The starting point does not call `send` yet; your code will.
#[allow(unused_imports)]
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
    // YOUR CODE HERE: `/whisper NAME text` sends "<name> whispers: <text>" to the members
    // called NAME only (`send(member, text)`), and returns true so the line is not said to
    // everyone. If no one is called NAME, tell the sender "no one here is called NAME"; if
    // the text is missing, "usage: /whisper NAME text". The RFC has nothing to say here: a
    // command is an application's meaning for a text message (RFC 6455 section 1.1).
    // Until then every line, commands too, is said to everyone.
    let _ = (members, name, line);
    false
}
// ANCHOR_END: reader
