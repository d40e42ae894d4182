//! `cli`: what every program of the suite shows on the command line, written once. Flags and
//! `--help` ([`flags`]), one log line per event ([`log`]), the settings both WebSocket servers
//! take ([`server_settings`]), and the one-line start-up errors. None of it is RFC 6455: the
//! protocol lives in `frame`, which never prints, parses arguments or exits.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod flags;
pub mod log;
pub mod server_settings;

pub use flags::{
    Args, CliError, Flag, bind_or_exit, describe_io_error, parse, parse_command_line,
    parse_or_exit, parse_with_operand_or_exit,
};
