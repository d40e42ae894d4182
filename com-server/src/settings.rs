//! The command line and what it sets: every flag with its default, read once at start-up
//! into `Settings`, and the lines the server prints about them before it listens. A student
//! who runs `com-server --help` sees every knob this chapter talks about.

use std::net::SocketAddr;
use std::num::{NonZeroU64, NonZeroUsize};
use std::time::Duration;

use frame::cli::{self, Flag};

const ABOUT: &str = "commands and chat over WebSocket (step 3 of the tutorial)";

const FLAGS: &[Flag] = &[
    Flag::value("addr", "HOST:PORT", "127.0.0.1:7773", "where to listen"),
    Flag::value("country", "NAME", "Russia", "the answer to `country`"),
    Flag::value("city", "NAME", "Moscow", "the answer to `city`"),
    Flag::switch(
        "allow-break",
        "let any client stop the server with `break` (off: anyone could kill it)",
    ),
    Flag::value(
        "max-message",
        "BYTES",
        "65536",
        "the largest message a client may send; larger gets close 1009",
    ),
    Flag::value(
        "max-connections",
        "N",
        "256",
        "clients at once; more get HTTP 503 with Retry-After",
    ),
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
    Flag::value(
        "handshake-timeout",
        "SECS",
        "10",
        "how long a new connection may take to send its HTTP request",
    ),
    Flag::value(
        "time-limit",
        "SECS",
        "0",
        "after SECS, close every client with 1001 and exit (0: run until stopped)",
    ),
    Flag::value(
        "allowed-origin",
        "ORIGIN",
        "",
        "accept browser pages from this origin only (repeatable; default: any)",
    ),
];

/// Everything the command line decides.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where to listen.
    pub addr: SocketAddr,
    /// The answer to `country`.
    pub country: String,
    /// The answer to `city`.
    pub city: String,
    /// May a client stop the server with `break`?
    pub allow_break: bool,
    /// The largest incoming message, in bytes.
    pub max_message: usize,
    /// How many connections at once.
    pub max_connections: usize,
    /// The most bytes queued for one client.
    pub outbox_bytes: usize,
    /// Quiet this long: ping. Twice this long: close.
    pub ping_interval: Duration,
    /// How long a new connection may take to send its request head.
    pub handshake_timeout: Duration,
    /// When to stop by itself, if ever.
    pub time_limit: Option<Duration>,
    /// Origins a browser page may come from (empty: any).
    pub allowed_origins: Vec<String>,
}

impl Settings {
    /// Reads the process's command line; prints help or a mistake and exits if needed.
    pub fn from_command_line() -> Settings {
        let args = cli::parse_or_exit("com-server", ABOUT, FLAGS);
        let seconds =
            |name: &str| Duration::from_secs(args.value_or_exit::<NonZeroU64>(name).get());
        let time_limit = args.value_or_exit::<u64>("time-limit");
        Settings {
            addr: args.value_or_exit("addr"),
            country: args.value_or_exit("country"),
            city: args.value_or_exit("city"),
            allow_break: args.switch("allow-break"),
            max_message: args.value_or_exit::<NonZeroUsize>("max-message").get(),
            max_connections: args.value_or_exit::<NonZeroUsize>("max-connections").get(),
            outbox_bytes: args.value_or_exit::<NonZeroUsize>("outbox-bytes").get(),
            ping_interval: seconds("ping-interval"),
            handshake_timeout: seconds("handshake-timeout"),
            time_limit: (time_limit > 0).then(|| Duration::from_secs(time_limit)),
            allowed_origins: args.all("allowed-origin"),
        }
    }

    /// The start-up lines, one setting per line.
    pub fn describe(&self) -> Vec<String> {
        let break_line = if self.allow_break {
            "Break: enabled: any client can stop the server with `break`".to_owned()
        } else {
            "Break: disabled (start with --allow-break to let a client stop the server)".to_owned()
        };
        let time_limit = match self.time_limit {
            Some(limit) => format!("{} s, then every client gets close 1001", limit.as_secs()),
            None => "none".to_owned(),
        };
        let origins = if self.allowed_origins.is_empty() {
            "any (--allowed-origin ORIGIN to restrict; pages opened from a file send \
             Origin: null, allow them with --allowed-origin null)"
                .to_owned()
        } else {
            self.allowed_origins.join(", ")
        };
        vec![
            format!("com-server: {ABOUT}"),
            "Commands: date, time, country, city, users, help, /name NEW, break".to_owned(),
            format!("Country and city: {}, {}", self.country, self.city),
            break_line,
            format!(
                "Max message: {} bytes (larger: close 1009)",
                self.max_message
            ),
            format!("Max connections: {} (more: HTTP 503)", self.max_connections),
            format!(
                "Outbox per client: {} bytes (a client further behind: close 1008)",
                self.outbox_bytes
            ),
            format!(
                "Keepalive: ping after {} s without traffic, close 1001 after {} s",
                self.ping_interval.as_secs(),
                self.ping_interval.as_secs() * 2
            ),
            format!("Handshake timeout: {} s", self.handshake_timeout.as_secs()),
            format!("Time limit: {time_limit}"),
            format!("Allowed origins: {origins}"),
        ]
    }
}
