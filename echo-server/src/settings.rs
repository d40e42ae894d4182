//! The echo server's flags and what they become: one `Settings` value that the loop reads
//! and never changes. Every limit has a default, and the start-up prints them all so a
//! learner sees what the server will refuse before it refuses it.

use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::time::Duration;

use cli::server_settings::{self, ServerSettings};
use cli::{Args, Flag};

use crate::instance::InstanceId;
use crate::roster::{MAX_QUIET_INTERVAL, MIN_QUIET_INTERVAL, QUIET_CPU_BUDGET, QuietInterval};

/// The one-line description `--help` starts with.
pub const ABOUT: &str =
    "echoes every WebSocket message back; one thread polls every client (step 2 of the tutorial)";

/// Every flag, with its default as `--help` shows it.
pub const FLAGS: &[Flag] = &[
    server_settings::addr_flag("127.0.0.1:7776"),
    Flag::switch(
        "no-greeting",
        "do not send `Request served by <id>` as the first message (pure echo)",
    ),
    server_settings::max_message_flag("16777216"),
    server_settings::max_connections_flag("1024"),
    server_settings::HANDSHAKE_TIMEOUT_FLAG,
    Flag::value(
        "max-output",
        "BYTES",
        "4194304",
        "stop reading a client while this much (4 MiB) waits to be sent to it",
    ),
    Flag::value(
        "quiet-interval",
        "MS",
        "0",
        "ask a client that has been quiet for a while once per MS ms (0: as often as 0.7% of a core allows)",
    ),
    server_settings::TIME_LIMIT_FLAG,
    server_settings::ALLOWED_ORIGIN_FLAG,
    Flag::switch(
        "verbose",
        "print every frame in both directions, field by field",
    ),
];

/// How the server was asked to behave.
#[derive(Debug, Clone)]
pub struct Settings {
    /// What every server of the suite is told: address, limits, time limit, origins.
    pub server: ServerSettings,
    /// This process's id, shown in greetings and HTTP answers.
    pub instance: InstanceId,
    /// The first message on every connection, unless `--no-greeting`.
    pub greeting: Option<String>,
    /// Output waiting for one client above which we stop reading from it.
    pub max_output: usize,
    /// How often a quiet client is asked for bytes (see `roster.rs`).
    pub quiet_interval: QuietInterval,
    /// Print every frame.
    pub verbose: bool,
}

impl Settings {
    /// Reads the parsed flags, exiting with code 2 on a bad value.
    pub fn from_args(args: &Args) -> Settings {
        let instance = InstanceId::random();
        let greeting = (!args.switch("no-greeting")).then(|| instance.served_by());
        Settings {
            server: ServerSettings::from_args(args),
            instance,
            greeting,
            max_output: args.value_or_exit::<NonZeroUsize>("max-output").get(),
            quiet_interval: match args.value_or_exit::<u64>("quiet-interval") {
                0 => QuietInterval::Automatic,
                millis => QuietInterval::Fixed(Duration::from_millis(millis)),
            },
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
                "Output cap per connection: {} bytes (above it, stop reading that client)",
                self.max_output
            ),
        ];
        lines.push(match self.quiet_interval {
            QuietInterval::Automatic => format!(
                "Quiet clients: asked once per {} ms to {} s, as {}% of a core allows (--quiet-interval MS fixes it)",
                MIN_QUIET_INTERVAL.as_millis(),
                MAX_QUIET_INTERVAL.as_secs(),
                f64::from(QUIET_CPU_BUDGET) / 10_000.0
            ),
            QuietInterval::Fixed(interval) => format!(
                "Quiet clients: asked once per {} ms (--quiet-interval)",
                interval.as_millis()
            ),
        });
        lines.extend(self.server.describe());
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
        let args = cli::parse(
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
        assert_eq!(defaults.server.addr, "127.0.0.1:7776".parse().unwrap());
        assert_eq!(defaults.server.max_message, 16 * 1024 * 1024);
        assert_eq!(defaults.server.max_connections, 1024);
        assert_eq!(defaults.server.handshake_timeout, Duration::from_secs(10));
        assert_eq!(defaults.server.time_limit, None);
        assert!(defaults.server.allowed_origins.is_empty());
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
        assert_eq!(changed.server.time_limit, Some(Duration::from_secs(5)));
        assert_eq!(changed.server.allowed_origins, ["null", "http://localhost"]);
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
