//! Exercise 5.2, the starting point: a small chat, one thread per client, with
//! `frame::Connection` doing the protocol. Every line is said to everyone; the command
//! `/who`, answered to the one who asked only, is yours (marked YOUR CODE HERE).

#![forbid(unsafe_code)]

// The starting point does not call `send` yet; your code will.
#[allow(unused_imports)]
use exercise_base_5::{Member, send};

/// Where the server listens when no address is given on the command line.
const DEFAULT_ADDR: &str = "127.0.0.1:7852";

/// The chat itself is `exercise_base_5::run` (docs/listings/exercises/base-5/src/lib.rs); the
/// one piece this program adds is `command`.
fn main() -> std::io::Result<()> {
    exercise_base_5::run(DEFAULT_ADDR, command)
}

// ANCHOR: reader
/// Carries out `line` if it is a command. Returns true if it was one.
fn command(members: &[Member], name: &str, line: &str) -> bool {
    // YOUR CODE HERE: `/who` answers the sender only (the members called `name`, with
    // `send(member, text)`) with "online: " and every member's name in the order they came
    // (the order of `members`), joined by ", ", and returns true so the line is not said
    // to everyone. The RFC has nothing to say here: a command is an application's meaning
    // for a text message (RFC 6455 section 1.1). Until then `/who` is said to everyone.
    let _ = (members, name, line);
    false
}
// ANCHOR_END: reader
