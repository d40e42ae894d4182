//! `echo-server`, step 2 of the tutorial: one thread serves every client by polling
//! nonblocking sockets, and echoes every message back. This file reads the flags, binds
//! the port and prints the settings; the loop itself is in `server.rs`.

#![forbid(unsafe_code)]

mod client;
mod frame_view;
mod http_pages;
mod idle;
mod instance;
mod nonblocking;
mod roster;
mod server;
mod settings;

use cli::describe_io_error;
use cli::log::log;

use crate::server::Server;
use crate::settings::{ABOUT, FLAGS, Settings};

fn main() {
    let args = cli::parse_or_exit("echo-server", ABOUT, FLAGS);
    let settings = Settings::from_args(&args);
    let listener = cli::bind_or_exit(settings.server.addr);
    // The real port: with --addr 127.0.0.1:0 the OS chose it, and tests read it here.
    let bound = listener.local_addr().unwrap_or(settings.server.addr);
    for line in settings.describe(bound) {
        log(format_args!("{line}"));
    }
    let mut server = match Server::new(listener, settings) {
        Ok(server) => server,
        Err(error) => {
            eprintln!(
                "Error: cannot make the listening socket nonblocking: {}",
                describe_io_error(&error)
            );
            std::process::exit(1);
        }
    };
    log(format_args!("Listening on ws://{bound}/"));
    server.run();
}
