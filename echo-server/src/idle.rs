//! What the loop does after a pass that found nothing to do. std has no epoll, so the
//! loop cannot sleep until a socket is ready: it guesses. Right after work it keeps
//! polling for a moment (the answer to an echo usually brings the next message within
//! microseconds); after that it sleeps, twice as long each quiet pass, up to a cap.

use std::time::{Duration, Instant};

/// How long after the last work the loop keeps polling without sleeping. A ping-pong
/// client sends its next message tens of microseconds after our echo; a sleep there
/// would cost each message the sleep plus the scheduler's wake-up (~60-100 us), doubling
/// the round trip. 1 ms of polling covers that gap and costs at most 1 ms of CPU per
/// burst of traffic.
pub const SPIN_WINDOW: Duration = Duration::from_millis(1);

/// The first sleep after the spin window: short enough that a conversation with pauses
/// of a few milliseconds is still answered quickly.
pub const FIRST_SLEEP: Duration = Duration::from_micros(50);

/// The longest sleep while any client is active, and so the extra wait of its message
/// after a quiet moment: 20 ms is below what a person notices. (A pass stays short however
/// many clients are connected: the quiet ones are asked a few at a time, and while all of
/// them are quiet the loop may sleep longer, see [`crate::roster`].)
pub const SLEEP_CAP: Duration = Duration::from_millis(20);

/// What to do before the next pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pause {
    /// Work was done: start the next pass at once.
    None,
    /// Quiet, but inside the spin window: let other threads run, then poll again.
    Yield,
    /// Quiet for a while: sleep this long.
    Sleep(Duration),
}

/// The backoff state: when work last happened and how long the next sleep is.
#[derive(Debug)]
pub struct IdleBackoff {
    last_work: Instant,
    next_sleep: Duration,
}

impl IdleBackoff {
    /// A backoff that counts `now` as the last work.
    pub fn new(now: Instant) -> IdleBackoff {
        IdleBackoff {
            last_work: now,
            next_sleep: FIRST_SLEEP,
        }
    }

    /// Decides the pause after a pass that ended at `now`, sleeping at most `cap`; any
    /// work resets the backoff.
    pub fn pause(&mut self, worked: bool, cap: Duration, now: Instant) -> Pause {
        if worked {
            self.last_work = now;
            self.next_sleep = FIRST_SLEEP;
            return Pause::None;
        }
        if now.duration_since(self.last_work) < SPIN_WINDOW {
            return Pause::Yield;
        }
        let sleep = self.next_sleep.min(cap);
        self.next_sleep = sleep * 2;
        Pause::Sleep(sleep)
    }

    /// Decides the pause after a pass, and takes it.
    pub fn after_pass(&mut self, worked: bool, cap: Duration) {
        match self.pause(worked, cap, Instant::now()) {
            Pause::None => {}
            Pause::Yield => std::thread::yield_now(),
            Pause::Sleep(duration) => std::thread::sleep(duration),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spins_then_doubles_up_to_the_cap_and_resets_on_work() {
        let start = Instant::now();
        let mut backoff = IdleBackoff::new(start);
        assert_eq!(backoff.pause(false, SLEEP_CAP, start), Pause::Yield);
        let quiet = start + SPIN_WINDOW;
        let sleeps: Vec<Duration> = (0..16)
            .map(|_| match backoff.pause(false, SLEEP_CAP, quiet) {
                Pause::Sleep(duration) => duration,
                other => panic!("expected a sleep, got {other:?}"),
            })
            .collect();
        assert_eq!(sleeps[0], FIRST_SLEEP);
        assert_eq!(sleeps[1], FIRST_SLEEP * 2);
        assert!(sleeps.windows(2).all(|pair| pair[1] >= pair[0]));
        assert_eq!(*sleeps.last().expect("sixteen sleeps"), SLEEP_CAP);
        assert_eq!(backoff.pause(true, SLEEP_CAP, quiet), Pause::None);
        assert_eq!(backoff.pause(false, SLEEP_CAP, quiet), Pause::Yield);
        assert_eq!(
            backoff.pause(false, SLEEP_CAP, quiet + SPIN_WINDOW),
            Pause::Sleep(FIRST_SLEEP)
        );
    }
}
