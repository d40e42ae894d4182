//! The settings both WebSocket servers share: where to listen, how big a message and how
//! many clients they accept, how long a handshake may take, when to stop and which web
//! pages may connect. One definition gives both servers the same flags, help and start-up
//! lines, so the two chapters tell one story.

use std::net::SocketAddr;
use std::num::{NonZeroU64, NonZeroUsize};
use std::time::Duration;

use crate::flags::{Args, Flag};

/// `--addr`, with the server's own default port.
pub const fn addr_flag(default: &'static str) -> Flag {
    Flag::value("addr", "HOST:PORT", default, "where to listen")
}

/// `--max-message`, with the server's own default.
pub const fn max_message_flag(default: &'static str) -> Flag {
    Flag::value(
        "max-message",
        "BYTES",
        default,
        "the largest message a client may send; larger gets close 1009",
    )
}

/// `--max-connections`, with the server's own default.
pub const fn max_connections_flag(default: &'static str) -> Flag {
    Flag::value(
        "max-connections",
        "N",
        default,
        "clients at once; more get HTTP 503 with Retry-After",
    )
}

/// `--handshake-timeout`: slowloris protection.
pub const HANDSHAKE_TIMEOUT_FLAG: Flag = Flag::value(
    "handshake-timeout",
    "SECS",
    "10",
    "drop a connection that has not sent its whole HTTP request by then",
);

/// `--time-limit`: the PHP original's run time limit, done politely.
pub const TIME_LIMIT_FLAG: Flag = Flag::value(
    "time-limit",
    "SECS",
    "0",
    "after SECS, close every client with 1001 and exit (0: run until stopped)",
);

/// `--allowed-origin`: the defence against cross-site WebSocket hijacking.
pub const ALLOWED_ORIGIN_FLAG: Flag = Flag::value(
    "allowed-origin",
    "ORIGIN",
    "",
    "accept browser pages from this origin only (repeatable; default: any)",
);

/// What those flags say, read once at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSettings {
    /// Where to listen.
    pub addr: SocketAddr,
    /// The largest incoming message in bytes; larger is refused with close 1009.
    pub max_message: usize,
    /// How many connections at once; more get HTTP 503.
    pub max_connections: usize,
    /// How long a new connection may take to send its request head.
    pub handshake_timeout: Duration,
    /// When to close every client with 1001 and exit, if ever.
    pub time_limit: Option<Duration>,
    /// Origins a browser page may come from (empty: any).
    pub allowed_origins: Vec<String>,
}

impl ServerSettings {
    /// Reads the shared flags, exiting with code 2 on a bad value.
    pub fn from_args(args: &Args) -> ServerSettings {
        let time_limit = args.value_or_exit::<u64>("time-limit");
        ServerSettings {
            addr: args.value_or_exit("addr"),
            max_message: args.value_or_exit::<NonZeroUsize>("max-message").get(),
            max_connections: args.value_or_exit::<NonZeroUsize>("max-connections").get(),
            handshake_timeout: Duration::from_secs(
                args.value_or_exit::<NonZeroU64>("handshake-timeout").get(),
            ),
            time_limit: (time_limit > 0).then(|| Duration::from_secs(time_limit)),
            allowed_origins: args.all("allowed-origin"),
        }
    }

    /// The start-up lines for these settings, one per setting.
    pub fn describe(&self) -> Vec<String> {
        let time_limit = match self.time_limit {
            Some(limit) => format!("{} s, then every client gets close 1001", limit.as_secs()),
            None => "none".to_owned(),
        };
        let origins = if self.allowed_origins.is_empty() {
            "any (--allowed-origin ORIGIN restricts them; a page opened from a file sends Origin: null)".to_owned()
        } else {
            format!(
                "{} (a page opened from a file sends Origin: null: allow it with --allowed-origin null)",
                self.allowed_origins.join(", ")
            )
        };
        vec![
            format!(
                "Max message: {} bytes (larger: close 1009)",
                self.max_message
            ),
            format!("Max connections: {} (more: HTTP 503)", self.max_connections),
            format!("Handshake timeout: {} s", self.handshake_timeout.as_secs()),
            format!("Time limit: {time_limit}"),
            format!("Allowed origins: {origins}"),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLAGS: &[Flag] = &[
        addr_flag("127.0.0.1:7776"),
        max_message_flag("1024"),
        max_connections_flag("8"),
        HANDSHAKE_TIMEOUT_FLAG,
        TIME_LIMIT_FLAG,
        ALLOWED_ORIGIN_FLAG,
    ];

    fn settings(words: &[&str]) -> ServerSettings {
        let args =
            crate::flags::parse("test", "a test", FLAGS, words.iter().map(|w| w.to_string()))
                .expect("valid flags");
        ServerSettings::from_args(&args)
    }

    #[test]
    fn defaults_and_overrides() {
        let defaults = settings(&[]);
        assert_eq!(defaults.addr.port(), 7776);
        assert_eq!((defaults.max_message, defaults.max_connections), (1024, 8));
        assert_eq!(defaults.time_limit, None);
        let given = settings(&["--time-limit", "5", "--allowed-origin", "null"]);
        assert_eq!(given.time_limit, Some(Duration::from_secs(5)));
        assert_eq!(given.allowed_origins, ["null"]);
    }

    #[test]
    fn the_start_up_lines_say_how_to_allow_file_pages() {
        let any = settings(&[]).describe().join("\n");
        assert!(any.contains("Allowed origins: any"), "{any}");
        assert!(any.contains("Origin: null"), "{any}");
        let restricted = settings(&["--allowed-origin", "http://a.example"])
            .describe()
            .join("\n");
        assert!(restricted.contains("--allowed-origin null"), "{restricted}");
    }
}
