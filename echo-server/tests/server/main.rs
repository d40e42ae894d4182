//! The echo-server's integration tests, one test binary: each module starts the real
//! `echo-server` binary on a free loopback port and checks one behaviour with an independent
//! client (tungstenite or raw bytes). One binary links once; `common` holds what they share.

#![forbid(unsafe_code)]

mod common;

mod allowed_origin;
mod any_path_echo;
mod bad_flags;
mod bad_handshake;
mod binary;
mod client_page;
mod close_codes;
mod empty_messages;
mod fragmented;
mod frame_view;
mod greeting;
mod help;
mod hostile;
mod http_header_echo;
mod lingering_close;
mod many_clients;
mod max_connections;
mod message_sizes;
mod method_not_allowed;
mod oversize;
mod ping_pong;
mod port_in_use;
mod slow_reader;
mod slowloris;
mod text;
mod time_limit;
mod verbose;
