//! Watching the servers from outside: resident memory (`VmRSS`) and thread count
//! (`Threads`) from Linux's `/proc/PID/status`, once a second for the whole run. A leak
//! shows as memory or threads that do not come back down once every client has gone.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How often the sampler looks.
const SAMPLE_EVERY: Duration = Duration::from_secs(1);

/// What one look at a process found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Resident memory in KiB.
    pub rss_kib: u64,
    /// Threads, the main one included.
    pub threads: u64,
}

impl Usage {
    /// Resident memory in MiB, for the summary.
    pub fn rss_mib(self) -> f64 {
        self.rss_kib as f64 / 1024.0
    }
}

/// Reads `/proc/PID/status`; `None` once the process is gone (a zombie has no `VmRSS`).
pub fn usage(pid: u32) -> Option<Usage> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
    };
    Some(Usage {
        rss_kib: field("VmRSS:")?,
        threads: field("Threads:")?,
    })
}

/// What the sampler saw of one server over the run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Record {
    /// The most recent sample.
    pub latest: Usage,
    /// The highest memory and thread count seen.
    pub peak: Usage,
    /// Samples taken while the process was alive.
    pub samples: u64,
    /// Samples that found no process: it died during the run.
    pub missing: u64,
}

/// A thread sampling several processes every second until stopped.
pub struct Sampler {
    stop: Arc<AtomicBool>,
    records: Arc<Mutex<Vec<Record>>>,
    thread: Option<JoinHandle<()>>,
}

impl Sampler {
    /// Starts sampling `pids`, in that order.
    pub fn start(pids: Vec<u32>) -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let records = Arc::new(Mutex::new(vec![Record::default(); pids.len()]));
        let thread = {
            let (stop, records) = (stop.clone(), records.clone());
            thread::spawn(move || {
                let mut next = Instant::now();
                while !stop.load(Ordering::Relaxed) {
                    let found: Vec<Option<Usage>> = pids.iter().map(|&pid| usage(pid)).collect();
                    let mut records = records.lock().unwrap_or_else(PoisonError::into_inner);
                    for (record, found) in records.iter_mut().zip(found) {
                        match found {
                            Some(now) => {
                                record.latest = now;
                                record.peak.rss_kib = record.peak.rss_kib.max(now.rss_kib);
                                record.peak.threads = record.peak.threads.max(now.threads);
                                record.samples += 1;
                            }
                            None => record.missing += 1,
                        }
                    }
                    drop(records);
                    next += SAMPLE_EVERY;
                    // Short naps, so that stopping takes at most 50 ms.
                    while !stop.load(Ordering::Relaxed) && Instant::now() < next {
                        thread::sleep(Duration::from_millis(50));
                    }
                }
            })
        };
        Sampler {
            stop,
            records,
            thread: Some(thread),
        }
    }

    /// What has been seen so far, one record per process.
    pub fn records(&self) -> Vec<Record> {
        self.records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Stops sampling and returns the records.
    pub fn finish(mut self) -> Vec<Record> {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        self.records()
    }
}

/// How far above its baseline a server may end and still count as back to it.
#[derive(Debug, Clone, Copy)]
pub struct Tolerance {
    /// Extra resident memory allowed, in KiB: freed memory the allocator keeps for reuse.
    pub rss_kib: u64,
}

/// True if `now` is back to `baseline`: the same threads, memory within the tolerance.
pub fn is_back(now: Usage, baseline: Usage, tolerance: Tolerance) -> bool {
    now.threads == baseline.threads && now.rss_kib <= baseline.rss_kib + tolerance.rss_kib
}

/// Polls every process until each is back to its baseline or `timeout` passes (closed
/// connections take a moment to be reaped: close handshakes, lingering closes). Returns
/// the last usage of each, `None` for a process that is gone.
pub fn settle(
    pids: &[u32],
    baselines: &[Usage],
    tolerances: &[Tolerance],
    timeout: Duration,
) -> Vec<Option<Usage>> {
    let deadline = Instant::now() + timeout;
    loop {
        let now: Vec<Option<Usage>> = pids.iter().map(|&pid| usage(pid)).collect();
        let all_back =
            now.iter()
                .zip(baselines)
                .zip(tolerances)
                .all(|((now, &baseline), &tolerance)| {
                    now.is_some_and(|now| is_back(now, baseline, tolerance))
                });
        if all_back || Instant::now() >= deadline {
            return now;
        }
        thread::sleep(Duration::from_millis(250));
    }
}
