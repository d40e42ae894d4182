//! Keepalive: a client whose network vanished (a laptop lid closed, a cable pulled) sends
//! no close frame and no TCP reset; without a question we would wait for it forever. So
//! after one `--ping-interval` of silence we ping (RFC 6455 section 5.5.2), and after two
//! intervals without a single byte from the client we close with 1001.

use std::time::{Duration, Instant};

/// What the reader should do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Nothing is due.
    Wait,
    /// The client has been quiet for one interval: ask it with a ping.
    Ping,
    /// Quiet for two intervals, even after a ping: the client is gone.
    GiveUp,
}

/// When we last heard from the client, and whether we asked since.
#[derive(Debug, Clone, Copy)]
pub struct Keepalive {
    interval: Duration,
    last_heard: Instant,
    pinged: bool,
}

impl Keepalive {
    /// Starts counting from `now`.
    pub fn new(interval: Duration, now: Instant) -> Keepalive {
        Keepalive {
            interval,
            last_heard: now,
            pinged: false,
        }
    }

    /// Any bytes from the client count: a pong, a message, even a ping of its own.
    pub fn heard(&mut self, now: Instant) {
        self.last_heard = now;
        self.pinged = false;
    }

    /// How long the reader may block before `check` has something to do (at least 1 ms,
    /// since a zero read timeout means "block forever" to the OS).
    pub fn time_to_next_check(&self, now: Instant) -> Duration {
        let quiet_allowed = if self.pinged {
            self.give_up_after()
        } else {
            self.interval
        };
        let quiet_so_far = now.saturating_duration_since(self.last_heard);
        quiet_allowed
            .saturating_sub(quiet_so_far)
            .max(Duration::from_millis(1))
    }

    /// What is due at `now`.
    pub fn check(&mut self, now: Instant) -> Action {
        let quiet = now.saturating_duration_since(self.last_heard);
        if quiet >= self.give_up_after() {
            Action::GiveUp
        } else if quiet >= self.interval && !self.pinged {
            self.pinged = true;
            Action::Ping
        } else {
            Action::Wait
        }
    }

    /// The silence after which we give up, for the close reason.
    pub fn give_up_after(&self) -> Duration {
        self.interval.saturating_mul(2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn quiet_clients_are_pinged_then_given_up() {
        let start = Instant::now();
        let mut keepalive = Keepalive::new(30 * SECOND, start);
        assert_eq!(keepalive.time_to_next_check(start), 30 * SECOND);
        assert_eq!(keepalive.check(start + 29 * SECOND), Action::Wait);
        assert_eq!(keepalive.check(start + 30 * SECOND), Action::Ping);
        assert_eq!(
            keepalive.time_to_next_check(start + 30 * SECOND),
            30 * SECOND
        );
        assert_eq!(keepalive.check(start + 45 * SECOND), Action::Wait);
        assert_eq!(keepalive.check(start + 60 * SECOND), Action::GiveUp);
    }

    #[test]
    fn any_traffic_starts_over() {
        let start = Instant::now();
        let mut keepalive = Keepalive::new(30 * SECOND, start);
        assert_eq!(keepalive.check(start + 30 * SECOND), Action::Ping);
        keepalive.heard(start + 31 * SECOND);
        assert_eq!(keepalive.check(start + 60 * SECOND), Action::Wait);
        assert_eq!(keepalive.check(start + 61 * SECOND), Action::Ping);
        assert_eq!(keepalive.check(start + 90 * SECOND), Action::Wait);
        assert_eq!(keepalive.check(start + 91 * SECOND), Action::GiveUp);
    }

    #[test]
    fn the_next_check_is_never_zero() {
        let start = Instant::now();
        let keepalive = Keepalive::new(SECOND, start);
        assert_eq!(
            keepalive.time_to_next_check(start + 5 * SECOND),
            Duration::from_millis(1)
        );
    }
}
