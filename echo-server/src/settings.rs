//! The echo server's flags and what they become: one `Settings` value that the loop reads
//! and never changes. Every limit has a default, and the start-up prints them all so a
//! learner sees what the server will refuse before it refuses it.

use std::net::SocketAddr;
use std::num::{NonZeroU64, NonZeroUsize};
use std::time::Duration;

use frame::cli::{Args, Flag};

use crate::instance::InstanceId;

/// The one-line description `--help` starts with.
pub const ABOUT: &str =
    "echoes every WebSocket message back; one thread polls every client (step 2 of the tutorial)";

/// Every flag, with its default as `--help` shows it.
pub const FLAGS: &[Flag] = &[
    Flag::value("addr", "HOST:PORT", "127.0.0.1:7776", "where to listen"),
    Flag::switch(
        "no-greeting",
        "do not send `Request served by <id>` as the first message (pure echo)",
    ),
    Flag::value(
        "max-message",
        "BYTES",
        "16777216",
        "largest message (16 MiB); bigger gets close 1009",
    ),
    Flag::value(
        "max-connections",
        "N",
        "1024",
        "beyond this many clients, new ones get HTTP 503",
    ),
    Flag::value(
        "handshake-timeout",
        "SECS",
        "10",
        "drop a client that has not sent its whole request by then",
    ),
    Flag::value(
        "max-output",
        "BYTES",
        "4194304",
        "stop reading a client while this much (4 MiB) waits to be sent to it",
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
        "accept pages from this origin only (repeatable; default: any)",
    ),
    Flag::switch(
        "verbose",
        "print every frame in both directions, field by field",
    ),
];

/// How the server was asked to behave.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where to listen.
    pub addr: SocketAddr,
    /// This process's id, shown in greetings and HTTP answers.
    pub instance: InstanceId,
    /// The first message on every connection, unless `--no-greeting`.
    pub greeting: Option<String>,
    /// The largest message in bytes; bigger is refused with close 1009.
    pub max_message: usize,
    /// How many connections the server holds before answering 503.
    pub max_connections: usize,
    /// How long a client may take to send its request head.
    pub handshake_timeout: Duration,
    /// Output waiting for one client above which we stop reading from it.
    pub max_output: usize,
    /// When to close everything and exit, if ever.
    pub time_limit: Option<Duration>,
    /// Origins allowed to open a WebSocket (empty: any).
    pub allowed_origins: Vec<String>,
    /// Print every frame.
    pub verbose: bool,
}

impl Settings {
    /// Reads the parsed flags, exiting with code 2 on a bad value.
    pub fn from_args(args: &Args) -> Settings {
        let instance = InstanceId::random();
        let greeting = (!args.switch("no-greeting")).then(|| instance.served_by());
        let time_limit = args.value_or_exit::<u64>("time-limit");
        Settings {
            addr: args.value_or_exit("addr"),
            instance,
            greeting,
            max_message: args.value_or_exit("max-message"),
            max_connections: args.value_or_exit::<NonZeroUsize>("max-connections").get(),
            handshake_timeout: Duration::from_secs(
                args.value_or_exit::<NonZeroU64>("handshake-timeout").get(),
            ),
            max_output: args.value_or_exit::<NonZeroUsize>("max-output").get(),
            time_limit: (time_limit > 0).then(|| Duration::from_secs(time_limit)),
            allowed_origins: args.all("allowed-origin"),
            verbose: args.switch("verbose"),
        }
    }

    /// The start-up lines, one per setting, for a server bound to `bound`.
    pub fn describe(&self, bound: SocketAddr) -> Vec<String> {
        let mut lines = vec![
            format!("echo-server instance {}", self.instance),
            match &self.greeting {
                Some(greeting) => format!("Greeting: \"{greeting}\" (--no-greeting turns it off)"),
                None => "Greeting: none (--no-greeting)".to_owned(),
            },
            format!(
                "Max message: {} bytes (bigger: close 1009)",
                self.max_message
            ),
            format!("Max connections: {} (more: HTTP 503)", self.max_connections),
            format!("Handshake timeout: {} s", self.handshake_timeout.as_secs()),
            format!(
                "Output cap per connection: {} bytes (above it, stop reading that client)",
                self.max_output
            ),
            match self.time_limit {
                Some(limit) => format!(
                    "Time limit: {} s (then close 1001 to everyone and exit)",
                    limit.as_secs()
                ),
                None => "Time limit: none".to_owned(),
            },
        ];
        if self.allowed_origins.is_empty() {
            lines.push(
                "Allowed origins: any (--allowed-origin ORIGIN restricts them; a file:// page sends the origin null)"
                    .to_owned(),
            );
        } else {
            lines.push(format!(
                "Allowed origins: {} (add --allowed-origin null for file:// pages)",
                self.allowed_origins.join(", ")
            ));
        }
        lines.push(format!(
            "Verbose: {}",
            if self.verbose {
                "on, every frame is dissected"
            } else {
                "off (--verbose dissects every frame)"
            }
        ));
        lines.push(format!("Client page: http://{bound}/.ws"));
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(words: &[&str]) -> Settings {
        let args = frame::cli::parse(
            "echo-server",
            ABOUT,
            FLAGS,
            words.iter().map(|word| word.to_string()),
        )
        .expect("valid flags");
        Settings::from_args(&args)
    }

    #[test]
    fn defaults_match_the_issue() {
        let defaults = settings(&[]);
        assert_eq!(defaults.addr, "127.0.0.1:7776".parse().unwrap());
        assert_eq!(defaults.max_message, 16 * 1024 * 1024);
        assert_eq!(defaults.max_connections, 1024);
        assert_eq!(defaults.handshake_timeout, Duration::from_secs(10));
        assert_eq!(defaults.time_limit, None);
        assert!(defaults.allowed_origins.is_empty());
        assert_eq!(
            defaults.greeting,
            Some(format!("Request served by {}", defaults.instance))
        );
    }

    #[test]
    fn flags_change_settings() {
        let changed = settings(&[
            "--no-greeting",
            "--time-limit",
            "5",
            "--allowed-origin",
            "null",
            "--allowed-origin",
            "http://localhost",
            "--verbose",
        ]);
        assert_eq!(changed.greeting, None);
        assert_eq!(changed.time_limit, Some(Duration::from_secs(5)));
        assert_eq!(changed.allowed_origins, ["null", "http://localhost"]);
        assert!(changed.verbose);
        let lines = changed.describe("127.0.0.1:9".parse().unwrap());
        assert!(
            lines
                .iter()
                .any(|line| line.contains("null, http://localhost"))
        );
        assert!(
            lines
                .iter()
                .any(|line| line == "Client page: http://127.0.0.1:9/.ws")
        );
    }
}
