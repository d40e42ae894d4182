//! What the load tool reads about the server process from Linux's `/proc`: CPU time from
//! `/proc/PID/task/*/schedstat` and memory from `/proc/PID/status`. The kernel already keeps these
//! figures for every process, so measuring costs the server nothing and needs no `unsafe`.

use std::fs;

/// CPU time the process's live threads have used, to the nanosecond: the first field of
/// each `/proc/PID/task/TID/schedstat`. Not the ticks of `/proc/PID/stat`: tick
/// accounting charges a whole tick to whoever runs when the tick fires, and a loop woken
/// by a timer tends to be running exactly then, so ticks overstate a sleeping server's
/// CPU several times. Threads that have ended are not counted: measure over a window in
/// which the server starts or ends none.
pub fn cpu_time(pid: u32) -> Result<std::time::Duration, String> {
    let tasks = format!("/proc/{pid}/task");
    let mut nanoseconds: u64 = 0;
    for task in fs::read_dir(&tasks).map_err(|error| format!("cannot read {tasks}: {error}"))? {
        let Ok(task) = task else { continue };
        // A thread that ended since the listing has no schedstat any more: skip it.
        let Ok(text) = fs::read_to_string(task.path().join("schedstat")) else {
            continue;
        };
        let running: u64 = text
            .split_whitespace()
            .next()
            .and_then(|field| field.parse().ok())
            .ok_or_else(|| format!("{} has no run time", task.path().display()))?;
        nanoseconds += running;
    }
    Ok(std::time::Duration::from_nanos(nanoseconds))
}

/// One `/proc/PID/status` memory figure in KiB: `VmRSS` (resident now) or `VmHWM` (the
/// resident peak, the "high water mark").
pub fn memory_kib(pid: u32, field: &str) -> Result<u64, String> {
    let path = format!("/proc/{pid}/status");
    let status =
        fs::read_to_string(&path).map_err(|error| format!("cannot read {path}: {error}"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| format!("{path} has no {field} line"))
}

/// Resets the process's `VmHWM` to its current RSS (writing `5` to `/proc/PID/clear_refs`,
/// Linux 4.0 and later; needs the right to write there). Returns whether it worked: if
/// not, the peak includes whatever the process did before.
pub fn reset_peak_memory(pid: u32) -> bool {
    fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

/// How many threads the process has now (`Threads:` in `/proc/PID/status`): a
/// thread-per-client server shows what each member costs it in threads.
pub fn threads(pid: u32) -> Result<u64, String> {
    let path = format!("/proc/{pid}/status");
    let status =
        fs::read_to_string(&path).map_err(|error| format!("cannot read {path}: {error}"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))
        .and_then(|value| value.trim().parse().ok())
        .ok_or_else(|| format!("{path} has no Threads line"))
}
