//! What the load tool reads about the server process from Linux's `/proc`: CPU time from
//! `/proc/PID/stat` and memory from `/proc/PID/status`. The kernel already keeps these
//! figures for every process, so measuring costs the server nothing and needs no `unsafe`.

use std::fs;
use std::process::Command;

/// CPU time the process has used, user plus system, in clock ticks (fields 14 and 15 of
/// `/proc/PID/stat`, `man 5 proc`). Ticks of finished threads are included.
pub fn cpu_ticks(pid: u32) -> Result<u64, String> {
    let path = format!("/proc/{pid}/stat");
    let stat = fs::read_to_string(&path).map_err(|error| format!("cannot read {path}: {error}"))?;
    // The second field is the command name in parentheses and may itself contain spaces,
    // so count fields from the last ')': after it come field 3 (state), 4, ...
    let after_name = stat
        .rfind(')')
        .map(|position| &stat[position + 1..])
        .ok_or_else(|| format!("{path} has no command name"))?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let field = |number: usize| -> Result<u64, String> {
        fields
            .get(number - 3)
            .and_then(|text| text.parse().ok())
            .ok_or_else(|| format!("{path} has no field {number}"))
    };
    Ok(field(14)? + field(15)?)
}

/// How many clock ticks make a second (`USER_HZ`, almost always 100). std cannot call
/// `sysconf`, so ask `getconf`, and assume 100 if it is missing.
pub fn clock_ticks_per_second() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .and_then(|text| text.trim().parse().ok())
        .filter(|ticks| *ticks > 0)
        .unwrap_or(100)
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
