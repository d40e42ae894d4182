//! `cli`: what every program of the suite shows on the command line, written once. Flags and
//! `--help` ([`flags`]), one log line per event ([`log`]), the settings both WebSocket servers
//! take ([`server_settings`]), the one-line start-up errors, and how an I/O error reads
//! ([`io_errors`]). None of it is RFC 6455: the
//! protocol lives in `frame`, which never prints, parses arguments or exits.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod flags;
pub mod io_errors;
pub mod log;
pub mod server_settings;

pub use flags::{
    Args, CliError, Flag, bind_or_exit, parse, parse_command_line, parse_or_exit,
    parse_with_operand_or_exit,
};
pub use io_errors::describe_io_error;
