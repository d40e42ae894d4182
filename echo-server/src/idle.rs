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

/// The cap on sleeping for a server with few connections, and so the worst extra latency
/// of the first message after a quiet spell: 20 ms is below what a person notices, and
/// 50 wake-ups a second cost next to nothing.
pub const MIN_SLEEP_CAP: Duration = Duration::from_millis(20);

/// With many connections a quiet pass itself costs time (one `read` per connection, about
/// 0.7 us each here: 0.7 ms for 1000 connections), so the cap grows with it: sleeping at
/// least 200 times as long as a quiet pass took keeps idle polling under 0.5% of a core,
/// whatever the number of connections. The price is latency: with 1000 idle connections
/// the first message after a quiet spell may wait ~150 ms.
pub const SLEEP_PER_PASS: u32 = 200;

/// However slow a pass, never sleep longer than this.
pub const MAX_SLEEP_CAP: Duration = Duration::from_millis(500);

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

    /// Decides the pause after a pass that took `pass` and ended at `now`; any work
    /// resets the backoff.
    pub fn pause(&mut self, worked: bool, pass: Duration, now: Instant) -> Pause {
        if worked {
            self.last_work = now;
            self.next_sleep = FIRST_SLEEP;
            return Pause::None;
        }
        if now.duration_since(self.last_work) < SPIN_WINDOW {
            return Pause::Yield;
        }
        let cap = (pass * SLEEP_PER_PASS).clamp(MIN_SLEEP_CAP, MAX_SLEEP_CAP);
        let sleep = self.next_sleep.min(cap);
        self.next_sleep = sleep * 2;
        Pause::Sleep(sleep)
    }

    /// Decides the pause after a pass that started at `pass_started`, and takes it.
    pub fn after_pass(&mut self, worked: bool, pass_started: Instant) {
        let now = Instant::now();
        match self.pause(worked, now.duration_since(pass_started), now) {
            Pause::None => {}
            Pause::Yield => std::thread::yield_now(),
            Pause::Sleep(duration) => std::thread::sleep(duration),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quiet_sleeps(backoff: &mut IdleBackoff, pass: Duration, now: Instant) -> Vec<Duration> {
        (0..16)
            .map(|_| match backoff.pause(false, pass, now) {
                Pause::Sleep(duration) => duration,
                other => panic!("expected a sleep, got {other:?}"),
            })
            .collect()
    }

    #[test]
    fn spins_then_doubles_up_to_the_cap_and_resets_on_work() {
        let start = Instant::now();
        let fast_pass = Duration::from_micros(3);
        let mut backoff = IdleBackoff::new(start);
        assert_eq!(backoff.pause(false, fast_pass, start), Pause::Yield);
        let quiet = start + SPIN_WINDOW;
        let sleeps = quiet_sleeps(&mut backoff, fast_pass, quiet);
        assert_eq!(sleeps[0], FIRST_SLEEP);
        assert_eq!(sleeps[1], FIRST_SLEEP * 2);
        assert!(sleeps.windows(2).all(|pair| pair[1] >= pair[0]));
        assert_eq!(*sleeps.last().expect("sixteen sleeps"), MIN_SLEEP_CAP);
        assert_eq!(backoff.pause(true, fast_pass, quiet), Pause::None);
        assert_eq!(backoff.pause(false, fast_pass, quiet), Pause::Yield);
        assert_eq!(
            backoff.pause(false, fast_pass, quiet + SPIN_WINDOW),
            Pause::Sleep(FIRST_SLEEP)
        );
    }

    #[test]
    fn slow_passes_raise_the_cap_so_polling_stays_cheap() {
        let start = Instant::now();
        let quiet = start + SPIN_WINDOW;
        let mut backoff = IdleBackoff::new(start);
        let pass = Duration::from_micros(700);
        let sleeps = quiet_sleeps(&mut backoff, pass, quiet);
        assert_eq!(
            *sleeps.last().expect("sixteen sleeps"),
            pass * SLEEP_PER_PASS
        );
        let mut backoff = IdleBackoff::new(start);
        let sleeps = quiet_sleeps(&mut backoff, Duration::from_secs(1), quiet);
        assert_eq!(*sleeps.last().expect("sixteen sleeps"), MAX_SLEEP_CAP);
    }
}
