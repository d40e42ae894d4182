//! A flag the server does not know, or a value it cannot use, is one line on stderr and
//! exit status 2, before anything is bound.

use crate::common;

use std::time::{Duration, Instant};

fn stderr_after_exit(args: &[&str]) -> (Option<i32>, Vec<String>) {
    let mut process = testkit::ServerProcess::spawn(common::PROGRAM, args);
    let status = process
        .wait_exit(Duration::from_secs(10))
        .expect("a bad flag exits");
    // The pipe reader may still be catching up with the last line.
    let deadline = Instant::now() + Duration::from_secs(2);
    while process.stderr_lines().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    (status.code(), process.stderr_lines())
}

#[test]
fn unknown_flags_and_bad_values_exit_2() {
    for (args, expected) in [
        (&["--bogus"][..], "unknown flag '--bogus'"),
        (&["--addr", "nowhere"], "invalid value 'nowhere' for --addr"),
        (&["--max-connections", "0"], "--max-connections"),
        (&["--handshake-timeout", "-1"], "--handshake-timeout"),
        (&["--time-limit"], "--time-limit needs a value"),
    ] {
        let (code, stderr) = stderr_after_exit(args);
        assert_eq!(code, Some(2), "{args:?}");
        assert_eq!(stderr.len(), 1, "{args:?}: {stderr:?}");
        assert!(stderr[0].contains(expected), "{args:?}: {stderr:?}");
    }
}
