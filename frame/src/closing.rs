//! How a server ends a connection, after the close frames (RFC 6455 section 7.1.1): the
//! server closes TCP first, and it must do so without losing its last bytes. Closing a
//! socket that still has unread input makes the kernel send a reset, which can destroy our
//! close frame before the client read it (the client then reports 1006). So we send our FIN
//! and then *linger*: read and discard what the client still sends, until its FIN or a
//! bound. This file holds that policy and its numbers once; both servers drive it.

use std::time::{Duration, Instant};

/// After our close frame, how long the client has to answer with its own before we close
/// TCP anyway; also how long closing output may stall. Section 7.1.1 leaves the wait to
/// the server; browsers answer in milliseconds.
pub const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// How long, at most, we read and discard after our FIN.
pub const LINGER_TIMEOUT: Duration = Duration::from_secs(2);

/// How much, at most, we discard: enough to swallow the rest of a message we refused for
/// its size (16 MiB is the default limit), so that its sender reads our 1009 and not a
/// reset; a client streaming more than that at us is not worth more.
pub const LINGER_BYTES: usize = 64 * 1024 * 1024;

/// The lingering close of one connection, without the socket: call [`Linger::start`]
/// right after shutting down the write side, then [`Linger::read`] after every read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Linger {
    deadline: Instant,
    discarded: usize,
}

/// What to do next while lingering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LingerStep {
    /// Read again, waiting at most this long (a blocking socket's read timeout).
    Read(Duration),
    /// Close the socket now: the client's FIN came, or a bound was reached.
    Close,
}

impl Linger {
    /// Lingering starts now.
    pub fn start(now: Instant) -> Linger {
        Linger {
            deadline: now + LINGER_TIMEOUT,
            discarded: 0,
        }
    }

    /// What to do when nothing was read (yet).
    pub fn next(&self, now: Instant) -> LingerStep {
        match self.deadline.checked_duration_since(now) {
            Some(left) if !left.is_zero() && self.discarded < LINGER_BYTES => {
                LingerStep::Read(left)
            }
            _ => LingerStep::Close,
        }
    }

    /// A read returned `count` bytes; 0 is the client's FIN.
    pub fn read(&mut self, count: usize, now: Instant) -> LingerStep {
        if count == 0 {
            return LingerStep::Close;
        }
        self.discarded = self.discarded.saturating_add(count);
        self.next(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clients_fin_ends_it() {
        let now = Instant::now();
        let mut linger = Linger::start(now);
        assert_eq!(linger.read(10, now), LingerStep::Read(LINGER_TIMEOUT));
        assert_eq!(linger.read(0, now), LingerStep::Close);
    }

    #[test]
    fn time_and_bytes_are_bounded() {
        let now = Instant::now();
        let linger = Linger::start(now);
        assert_eq!(linger.next(now + LINGER_TIMEOUT), LingerStep::Close);
        let mut flooded = Linger::start(now);
        assert_eq!(flooded.read(LINGER_BYTES, now), LingerStep::Close);
    }
}
