//! The com-server's integration tests, one test binary: each module starts the real
//! `com-server` binary on a free loopback port and checks one behaviour of the chat with
//! tungstenite, the independent client. `common` holds what the modules share.

#![forbid(unsafe_code)]

mod common;

mod binary_message;
mod break_command;
mod chat_fan_out_order;
mod command_line;
mod commands;
mod connection_limit;
mod cyrillic_name;
mod default_and_duplicate_names;
mod fifty_clients;
mod greeting_and_join_notices;
mod handshake_refusals;
mod hostile;
mod keepalive;
mod lang_and_spoofing;
mod last_words;
mod leave_notice;
mod oversize_message;
mod rename;
mod slow_reader;
mod time_limit;
mod unknown_command;
