//! Log lines: one per event, the peer address first (`127.0.0.1:50312 connected`). Each
//! line is flushed at once so a test, or a learner piping the server into `tee`, sees it
//! when it happens.

use std::fmt;
use std::io::Write;

/// Prints one log line on stdout. A closed stdout (the terminal went away) is ignored:
/// losing a log line must never stop the server, so this is not `println!`, which panics.
pub fn log(line: fmt::Arguments<'_>) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
}
