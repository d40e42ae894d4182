//! Who the loop asks on each pass. std has no epoll, so finding out whether a socket has
//! bytes costs one `read`; with thousands of connections, asking every one on every pass
//! makes each pass slow and each idle second expensive. But most connections of a big
//! server are quiet most of the time, so the roster keeps two lists: the *active* clients,
//! asked on every pass, and the *quiet* ones (nothing for [`QUIET_AFTER`]), asked in turn,
//! a few per pass, so that each is asked once per quiet interval. A quiet client that has
//! something to say goes back to the active list at once.
//!
//! # The price, and how it is kept small
//!
//! A message from a quiet client waits until its turn comes: up to one quiet interval.
//! The interval is chosen so that asking the quiet ones costs at most [`QUIET_CPU_BUDGET`]
//! of a core: with fifty clients that is [`MIN_QUIET_INTERVAL`] (a message waits at most
//! 20 ms, below what a person notices), with a thousand about 140 ms (a first message
//! waits about 70 ms at the median), with ten thousand about 1.4 s, on the test machine
//! where a `read` costs about 1 us (docs/performance.md, "The idle trade-off").
//! `--quiet-interval` fixes it instead, to try the trade-off. When a quiet client does
//! turn out to have bytes, others often do too (a broadcast everyone answers, a
//! benchmark's round): for the next [`WAKE_WINDOW`] the quiet list is asked at the
//! shortest interval.

use std::time::{Duration, Instant};

use crate::client::Activity;
use crate::idle::SLEEP_CAP;

/// How long a client must have done nothing before it joins the quiet list. Short, so
/// that a crowd of new connections that sit after their handshake soon stops costing a
/// `read` per pass; long enough that a client in a conversation (a ping-pong, a person
/// typing quickly) stays active between messages.
pub const QUIET_AFTER: Duration = Duration::from_millis(50);

/// The shortest quiet interval: a small server asks its quiet clients this often, as the
/// old loop's 20 ms sleep cap did, so a few idle clients wait no longer than before.
pub const MIN_QUIET_INTERVAL: Duration = Duration::from_millis(20);

/// However many quiet clients there are, each is asked at least this often. Past about
/// 20,000 quiet clients on the test machine this, not the budget, sets the interval.
pub const MAX_QUIET_INTERVAL: Duration = Duration::from_secs(5);

/// The share of one core that asking quiet clients may cost, in millionths (0.7%). With
/// the loop's wake-ups and accepts on top, an idle server stays under 1% of a core.
pub const QUIET_CPU_BUDGET: u32 = 7_000;

/// The longest the loop sleeps while every client is quiet. A wake-up costs far more
/// than a `read` (on the test machine about 130 us of CPU, as much as 80 reads: the timer,
/// the scheduler, a virtual machine's exits), so with nothing active the loop wakes less
/// often and asks more quiet clients each time. A new connection may wait this long for
/// its 101.
pub const QUIET_SLEEP_CAP: Duration = Duration::from_millis(100);

/// After a quiet client woke, how long the quiet list is asked at the shortest interval.
pub const WAKE_WINDOW: Duration = Duration::from_millis(100);

/// What one quiet `read` is assumed to cost until the loop has measured it (it does, on
/// every slice of a dozen or more: the cost depends on the machine and the kernel).
const FIRST_READ_COST: Duration = Duration::from_nanos(700);

/// The slices the cost is measured on: smaller ones are too short for the clock.
const MEASURED_SLICE: usize = 16;

/// How the quiet interval is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuietInterval {
    /// From the CPU budget and the measured cost of a `read` (the default).
    Automatic,
    /// Fixed (`--quiet-interval MS`).
    Fixed(Duration),
}

/// What the roster needs to know of a client: whether it may join the quiet list (an open
/// WebSocket with nothing to send; a handshake has a deadline to watch, a close a reply to
/// wait for). The server's `Client` is one; the tests use a stand-in.
pub trait Rest {
    fn can_rest(&self) -> bool;
}

/// An active client, and when it last did something.
#[derive(Debug)]
struct Active<C> {
    client: C,
    last_busy: Instant,
}

/// Every client of the server, in its two lists.
#[derive(Debug)]
pub struct Roster<C> {
    active: Vec<Active<C>>,
    quiet: Vec<C>,
    /// The next quiet client to ask.
    cursor: usize,
    /// Quiet clients owed a turn but not asked yet, in millionths of a client: a pass may
    /// come after a few microseconds, when the turns due are a fraction of one.
    owed: u64,
    interval: QuietInterval,
    /// When the quiet list was last given its share, and when a quiet client last woke.
    last_slice: Instant,
    last_wake: Option<Instant>,
    read_cost: Duration,
}

impl<C: Rest> Roster<C> {
    pub fn new(interval: QuietInterval, now: Instant) -> Roster<C> {
        Roster {
            active: Vec::new(),
            quiet: Vec::new(),
            cursor: 0,
            owed: 0,
            interval,
            last_slice: now,
            last_wake: None,
            read_cost: FIRST_READ_COST,
        }
    }

    /// How many clients there are, active and quiet.
    pub fn len(&self) -> usize {
        self.active.len() + self.quiet.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A new client starts active: its request is on its way.
    pub fn add(&mut self, client: C, now: Instant) {
        self.active.push(Active {
            client,
            last_busy: now,
        });
    }

    /// Gives a turn to every active client and to the quiet ones whose turn has come,
    /// with `serve`; moves clients between the lists and drops those that are done.
    /// Returns true if any client did anything.
    pub fn serve_pass(&mut self, now: Instant, mut serve: impl FnMut(&mut C) -> Activity) -> bool {
        let mut worked = false;
        let mut index = 0;
        while index < self.active.len() {
            let active = &mut self.active[index];
            match serve(&mut active.client) {
                Activity::Busy => {
                    active.last_busy = now;
                    worked = true;
                    index += 1;
                }
                Activity::Idle
                    if now.duration_since(active.last_busy) >= QUIET_AFTER
                        && active.client.can_rest() =>
                {
                    // The last client takes this place and is served next, in this pass.
                    let resting = self.active.swap_remove(index);
                    self.quiet.push(resting.client);
                }
                Activity::Idle => index += 1,
                Activity::Done => {
                    self.active.swap_remove(index);
                    worked = true;
                }
            }
        }
        worked | self.serve_quiet(now, &mut serve)
    }

    /// Asks the quiet clients whose turn has come since the last slice.
    fn serve_quiet(&mut self, now: Instant, serve: &mut impl FnMut(&mut C) -> Activity) -> bool {
        let since = now.duration_since(self.last_slice);
        self.last_slice = now;
        if self.quiet.is_empty() {
            self.owed = 0;
            return false;
        }
        let interval = self.current_interval(now);
        self.owed += (self.quiet.len() as u128 * since.as_nanos() * 1_000_000
            / interval.as_nanos().max(1)) as u64;
        let due = ((self.owed / 1_000_000) as usize).min(self.quiet.len());
        self.owed -= due as u64 * 1_000_000;
        let started = Instant::now();
        let mut worked = false;
        let mut asked = 0;
        while asked < due && !self.quiet.is_empty() {
            asked += 1;
            if self.cursor >= self.quiet.len() {
                self.cursor = 0;
            }
            match serve(&mut self.quiet[self.cursor]) {
                Activity::Idle => self.cursor += 1,
                activity => {
                    // Whoever was last takes this place and is asked next: no one loses
                    // a turn, one client gets its turn early.
                    let client = self.quiet.swap_remove(self.cursor);
                    worked = true;
                    self.last_wake = Some(now);
                    if activity == Activity::Busy {
                        self.add(client, now);
                    }
                }
            }
        }
        if asked >= MEASURED_SLICE && !worked {
            // A moving average, and a slice that was interrupted (the loop was descheduled
            // in the middle: 30 times the usual cost per read is seen here) counts as at
            // most twice the average, so one bad moment does not stretch the interval.
            let cost = (started.elapsed() / asked as u32).min(self.read_cost * 2);
            self.read_cost = (self.read_cost * 7 + cost) / 8;
        }
        worked
    }

    /// The quiet interval right now (see the module's doc).
    pub fn current_interval(&self, now: Instant) -> Duration {
        if self
            .last_wake
            .is_some_and(|woke| now.duration_since(woke) < WAKE_WINDOW)
        {
            return MIN_QUIET_INTERVAL;
        }
        match self.interval {
            QuietInterval::Fixed(interval) => interval,
            QuietInterval::Automatic => {
                // Asking all of them once costs `read_cost` each; spread over the
                // interval, that is the budget's share of a core.
                let round = self.read_cost.as_nanos() * self.quiet.len() as u128;
                let nanos = round * 1_000_000 / u128::from(QUIET_CPU_BUDGET);
                Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
                    .clamp(MIN_QUIET_INTERVAL, MAX_QUIET_INTERVAL)
            }
        }
    }

    /// The longest the loop may sleep now: [`SLEEP_CAP`] while anyone is active (or no one
    /// is connected), longer while all are quiet, but never past a quiet client's turn by
    /// more than one interval.
    pub fn sleep_cap(&self, now: Instant) -> Duration {
        if !self.active.is_empty() || self.quiet.is_empty() {
            return SLEEP_CAP;
        }
        self.current_interval(now).clamp(SLEEP_CAP, QUIET_SLEEP_CAP)
    }

    /// Every client, active or quiet (for the time limit's goodbye); all become active,
    /// and those for which `keep` returns false are dropped.
    pub fn wake_all(&mut self, now: Instant, mut keep: impl FnMut(&mut C) -> bool) {
        for client in std::mem::take(&mut self.quiet) {
            self.add(client, now);
        }
        self.cursor = 0;
        self.active.retain_mut(|active| keep(&mut active.client));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in client: it has bytes on the passes listed in `talks_on`.
    #[derive(Debug)]
    struct Stub {
        id: usize,
        asked: usize,
        talks: bool,
    }

    impl Rest for Stub {
        fn can_rest(&self) -> bool {
            true
        }
    }

    fn roster(count: usize, interval: QuietInterval, start: Instant) -> Roster<Stub> {
        let mut roster = Roster::new(interval, start);
        for id in 0..count {
            roster.add(
                Stub {
                    id,
                    asked: 0,
                    talks: false,
                },
                start,
            );
        }
        roster
    }

    fn ask(stub: &mut Stub) -> Activity {
        stub.asked += 1;
        if std::mem::take(&mut stub.talks) {
            Activity::Busy
        } else {
            Activity::Idle
        }
    }

    fn asked(roster: &Roster<Stub>) -> Vec<usize> {
        let mut counts: Vec<(usize, usize)> = roster
            .active
            .iter()
            .map(|active| &active.client)
            .chain(&roster.quiet)
            .map(|stub| (stub.id, stub.asked))
            .collect();
        counts.sort_unstable();
        counts.into_iter().map(|(_, asked)| asked).collect()
    }

    #[test]
    fn clients_quiet_for_a_while_are_asked_once_per_interval() {
        let start = Instant::now();
        let interval = Duration::from_millis(100);
        let mut roster = roster(50, QuietInterval::Fixed(interval), start);
        // Active at first: everyone is asked on every pass.
        roster.serve_pass(start, ask);
        roster.serve_pass(start + Duration::from_millis(10), ask);
        assert!(asked(&roster).iter().all(|&count| count == 2));
        // Quiet after QUIET_AFTER: on the pass that notices, they move to the quiet list.
        let later = start + QUIET_AFTER;
        roster.serve_pass(later, ask);
        assert_eq!((roster.active.len(), roster.quiet.len()), (0, 50));
        // Then one interval of passes, 1 ms apart, asks each of them exactly once.
        let before: Vec<usize> = asked(&roster);
        for millisecond in 1..=100 {
            roster.serve_pass(later + Duration::from_millis(millisecond), ask);
        }
        let after = asked(&roster);
        assert!(
            before.iter().zip(&after).all(|(b, a)| a - b == 1),
            "{before:?} -> {after:?}"
        );
    }

    #[test]
    fn a_quiet_client_that_talks_is_active_again_and_the_list_speeds_up() {
        let start = Instant::now();
        let interval = Duration::from_secs(1);
        let mut roster = roster(10, QuietInterval::Fixed(interval), start);
        roster.serve_pass(start + QUIET_AFTER, ask);
        assert_eq!(roster.quiet.len(), 10);
        assert_eq!(roster.current_interval(start + QUIET_AFTER), interval);
        for stub in &mut roster.quiet {
            stub.talks = stub.id == 3;
        }
        let woke = start + QUIET_AFTER + interval;
        assert!(roster.serve_pass(woke, ask));
        assert_eq!(roster.active.len(), 1);
        assert_eq!(roster.active[0].client.id, 3);
        assert_eq!(roster.current_interval(woke), MIN_QUIET_INTERVAL);
        assert_eq!(roster.current_interval(woke + WAKE_WINDOW), interval);
    }

    #[test]
    fn the_automatic_interval_keeps_to_the_budget() {
        let start = Instant::now();
        let mut roster = roster(10_000, QuietInterval::Automatic, start);
        roster.serve_pass(start + QUIET_AFTER, ask);
        roster.read_cost = Duration::from_micros(1);
        // 10,000 reads of 1 us each, spread to cost 0.7% of a core: once every 1.43 s.
        let interval = roster.current_interval(start + QUIET_AFTER);
        assert_eq!(interval.as_millis(), 1428);
        assert_eq!(roster.sleep_cap(start + QUIET_AFTER), QUIET_SLEEP_CAP);
        let mut few = self::roster(5, QuietInterval::Automatic, start);
        few.serve_pass(start + QUIET_AFTER, ask);
        assert_eq!(
            few.current_interval(start + QUIET_AFTER),
            MIN_QUIET_INTERVAL
        );
        assert_eq!(few.sleep_cap(start + QUIET_AFTER), SLEEP_CAP);
    }

    #[test]
    fn clients_that_are_done_leave_from_either_list() {
        let start = Instant::now();
        let mut roster = roster(4, QuietInterval::Fixed(MIN_QUIET_INTERVAL), start);
        roster.serve_pass(start, |stub| {
            if stub.id == 0 {
                Activity::Done
            } else {
                Activity::Idle
            }
        });
        roster.serve_pass(start + QUIET_AFTER, ask);
        assert_eq!((roster.active.len(), roster.quiet.len()), (0, 3));
        roster.serve_pass(start + QUIET_AFTER + MIN_QUIET_INTERVAL, |stub| {
            if stub.id == 2 {
                Activity::Done
            } else {
                Activity::Idle
            }
        });
        assert_eq!(roster.len(), 2);
    }
}
