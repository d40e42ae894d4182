//! The command line and what it sets: every flag with its default, read once at start-up
//! into `Settings`, and the lines the server prints about them before it listens. A student
//! who runs `com-server --help` sees every knob this chapter talks about.

use std::num::{NonZeroU64, NonZeroUsize};
use std::time::Duration;

use cli::server_settings::{self, ServerSettings};
use cli::{Args, Flag};

use crate::language::Language;

/// The one-line description `--help` starts with.
pub const ABOUT: &str = "commands and chat over WebSocket (step 3 of the tutorial)";

/// Every flag, with its default as `--help` shows it.
pub const FLAGS: &[Flag] = &[
    server_settings::addr_flag("127.0.0.1:7773"),
    Flag::value(
        "lang",
        "LANG",
        "en",
        "the answers' language: en, or ru as the original PHP server (Россия, Москва)",
    ),
    Flag::value(
        "country",
        "NAME",
        "",
        "the answer to `country` (default: Russia, or Россия with --lang ru)",
    ),
    Flag::value(
        "city",
        "NAME",
        "",
        "the answer to `city` (default: Moscow, or Москва with --lang ru)",
    ),
    Flag::switch(
        "allow-break",
        "let any client stop the server with `break` (off: anyone could kill it)",
    ),
    server_settings::max_message_flag("65536"),
    server_settings::max_connections_flag("256"),
    Flag::value(
        "outbox-bytes",
        "BYTES",
        "1048576",
        "how far a client may fall behind before it is closed with 1008",
    ),
    Flag::value(
        "ping-interval",
        "SECS",
        "30",
        "ping a client quiet this long; close 1001 after twice as long",
    ),
    server_settings::HANDSHAKE_TIMEOUT_FLAG,
    server_settings::TIME_LIMIT_FLAG,
    server_settings::ALLOWED_ORIGIN_FLAG,
];

/// Everything the command line decides.
#[derive(Debug, Clone)]
pub struct Settings {
    /// What every server of the suite is told: address, limits, time limit, origins.
    pub server: ServerSettings,
    /// The language of the command answers.
    pub language: Language,
    /// The answer to `country`.
    pub country: String,
    /// The answer to `city`.
    pub city: String,
    /// May a client stop the server with `break`?
    pub allow_break: bool,
    /// The most bytes queued for one client.
    pub outbox_bytes: usize,
    /// Quiet this long: ping. Twice this long: close.
    pub ping_interval: Duration,
}

impl Settings {
    /// Reads the parsed flags, exiting with code 2 on a bad value.
    pub fn from_args(args: &Args) -> Settings {
        let language: Language = args.value_or_exit("lang");
        // An explicit --country or --city wins over the language's answer.
        let given = |name: &str, otherwise: &str| {
            args.all(name).pop().unwrap_or_else(|| otherwise.to_owned())
        };
        Settings {
            server: ServerSettings::from_args(args),
            country: given("country", language.country()),
            city: given("city", language.city()),
            language,
            allow_break: args.switch("allow-break"),
            outbox_bytes: args.value_or_exit::<NonZeroUsize>("outbox-bytes").get(),
            ping_interval: Duration::from_secs(
                args.value_or_exit::<NonZeroU64>("ping-interval").get(),
            ),
        }
    }

    /// The start-up lines, one setting per line.
    pub fn describe(&self) -> Vec<String> {
        let break_line = if self.allow_break {
            "Break: enabled: any client can stop the server with `break`".to_owned()
        } else {
            "Break: disabled (start with --allow-break to let a client stop the server)".to_owned()
        };
        let mut lines = vec![
            format!("com-server: {ABOUT}"),
            "Commands: date, time, country, city, users, help, /name NEW, break".to_owned(),
            format!("Language: {}", self.language),
            format!("Country and city: {}, {}", self.country, self.city),
            break_line,
            format!(
                "Outbox per client: {} bytes (a client further behind: close 1008)",
                self.outbox_bytes
            ),
            format!(
                "Keepalive: ping after {} s without traffic, close 1001 after {} s",
                self.ping_interval.as_secs(),
                self.ping_interval.as_secs() * 2
            ),
        ];
        lines.extend(self.server.describe());
        lines
    }
}
