//! Everything that went wrong, from every thread of the soak, in one place. A soak that
//! stops at the first failure hides the second, so threads report and carry on; the run
//! fails at the end if anything was reported, and prints the first few reports in full.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

/// How many reports are kept word for word; the rest are only counted.
const KEPT: usize = 30;

/// A shared, bounded list of failures.
#[derive(Default)]
pub struct Problems {
    total: AtomicU64,
    kept: Mutex<Vec<String>>,
}

impl Problems {
    /// Records one failure.
    pub fn report(&self, what: impl Into<String>) {
        self.total.fetch_add(1, Ordering::Relaxed);
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.len() < KEPT {
            kept.push(what.into());
        }
    }

    /// How many failures were reported.
    pub fn count(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    /// The first reports, word for word, and how many more there were.
    pub fn describe(&self) -> Vec<String> {
        let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        let mut lines = kept.clone();
        let more = self.count().saturating_sub(kept.len() as u64);
        if more > 0 {
            lines.push(format!("... and {more} more"));
        }
        lines
    }
}

/// A counter that many threads add to.
#[derive(Default)]
pub struct Counter(AtomicU64);

impl Counter {
    /// Adds `amount`.
    pub fn add(&self, amount: u64) {
        self.0.fetch_add(amount, Ordering::Relaxed);
    }

    /// Adds one.
    pub fn bump(&self) {
        self.add(1);
    }

    /// The total so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}
