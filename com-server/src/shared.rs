//! What every client's thread shares: the command line, the room, and the one-shot signal
//! that asks the server to stop. A file of its own, so that the commands, the sessions and
//! the server each depend on it and none of them on each other in a circle.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::chat::Room;
use crate::settings::Settings;

/// What every session shares.
#[derive(Debug)]
pub struct Shared {
    /// The command line.
    pub settings: Settings,
    /// Everyone online.
    pub room: Room,
    /// Where `break` asks the main thread to stop the server.
    pub stopper: Stopper,
}

/// Why the server stops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// `--time-limit` ran out.
    TimeLimit(Duration),
    /// A client sent `break` (with `--allow-break`).
    Break {
        /// Who sent it.
        name: String,
    },
}

/// A one-shot signal from any thread to the main thread: please stop.
#[derive(Debug, Default)]
pub struct Stopper {
    reason: Mutex<Option<StopReason>>,
    requested: Condvar,
}

impl Stopper {
    fn lock(&self) -> MutexGuard<'_, Option<StopReason>> {
        self.reason.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Asks the server to stop; the first reason given is the one that counts.
    pub fn request(&self, reason: StopReason) {
        self.lock().get_or_insert(reason);
        self.requested.notify_all();
    }

    /// Blocks until a stop is requested or `time_limit` has passed.
    pub fn wait(&self, time_limit: Option<Duration>) -> StopReason {
        let deadline = time_limit.and_then(|limit| Instant::now().checked_add(limit));
        let mut reason = self.lock();
        loop {
            if let Some(reason) = reason.clone() {
                return reason;
            }
            reason = match (deadline, time_limit) {
                (Some(deadline), Some(limit)) => {
                    let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                        return StopReason::TimeLimit(limit);
                    };
                    self.requested
                        .wait_timeout(reason, left)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
                _ => self
                    .requested
                    .wait(reason)
                    .unwrap_or_else(PoisonError::into_inner),
            };
        }
    }
}
