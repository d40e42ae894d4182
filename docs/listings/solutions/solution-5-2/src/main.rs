//! Exercise 5.2, worked solution: a small chat, one thread per client, with `frame::Connection`
//! doing the protocol. A line is said to everyone; `/who` answers the one who asked with the
//! names of everyone here. Each client names itself in the URL: `ws://127.0.0.1:7852/?name=alice`.

#![forbid(unsafe_code)]

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
    if line != "/who" {
        return false;
    }
    // Only the one who asked gets the answer: the rest of the room did not ask.
    let names: Vec<&str> = members.iter().map(|member| member.name.as_str()).collect();
    let reply = format!("online: {}", names.join(", "));
    members
        .iter()
        .filter(|member| member.name == name)
        .for_each(|member| send(member, &reply));
    true
}
// ANCHOR_END: reader
