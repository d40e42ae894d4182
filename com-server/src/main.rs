//! `com-server`: step 3 of the tutorial, the command and chat server on port 7773. A client
//! sends commands (`date`, `time`, `users`, ...) and the server answers; any other text
//! goes to everyone. Blocking I/O, two threads per client, std only, on the `frame` crate.

#![forbid(unsafe_code)]

mod chat;
mod clock;
mod commands;
mod handshake;
mod keepalive;
mod language;
mod names;
mod outbox;
mod server;
mod session;
mod settings;
mod shared;
mod tcp;

use std::process::ExitCode;

use cli::describe_io_error;
use cli::log::log;

use crate::settings::{ABOUT, FLAGS, Settings};

fn main() -> ExitCode {
    let args = cli::parse_or_exit("com-server", ABOUT, FLAGS);
    let settings = Settings::from_args(&args);
    let listener = cli::bind_or_exit(settings.server.addr);
    for line in settings.describe() {
        log(line);
    }
    // The real port: with --addr 127.0.0.1:0 the OS chose it, and tests read it here.
    let address = listener.local_addr().unwrap_or(settings.server.addr);
    log(format_args!("Listening on ws://{address}/"));
    match server::run(listener, settings) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!(
                "Error: cannot start the accept thread: {}",
                describe_io_error(&error)
            );
            ExitCode::from(1)
        }
    }
}
