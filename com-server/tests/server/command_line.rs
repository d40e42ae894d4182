//! The command line, as every server of the suite has it: `--help` lists each flag with
//! its default (exit 0), a mistake is one line on stderr (exit 2), and a port in use is
//! `Error: cannot bind ...` (exit 1).

use crate::common;

use std::net::TcpListener;
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use testkit::ServerProcess;

/// Runs the binary to its exit; returns the status and its stderr lines.
fn run_to_exit(args: &[&str]) -> (ExitStatus, ServerProcess) {
    let mut process = ServerProcess::spawn(common::PROGRAM, args);
    let status = process
        .wait_exit(testkit::DEADLINE)
        .expect("the program exits by itself");
    (status, process)
}

/// The pipes are read by threads: give them a moment to pass on the last line.
fn stderr_of(process: &ServerProcess) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(2);
    while process.stderr_lines().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    process.stderr_lines()
}

#[test]
fn help_lists_every_flag_with_its_default() {
    let (status, process) = run_to_exit(&["--help"]);
    assert_eq!(status.code(), Some(0));
    process.wait_for_line("--help").expect("the help text");
    let help = process.lines().join("\n");
    for (flag, default) in [
        ("--addr HOST:PORT", "127.0.0.1:7773"),
        ("--lang LANG", "en"),
        ("--max-message BYTES", "65536"),
        ("--max-connections N", "256"),
        ("--outbox-bytes BYTES", "1048576"),
        ("--ping-interval SECS", "30"),
        ("--handshake-timeout SECS", "10"),
        ("--time-limit SECS", "0"),
    ] {
        let line = help
            .lines()
            .find(|line| line.contains(flag))
            .unwrap_or_else(|| panic!("{flag} missing from:\n{help}"));
        assert!(line.contains(&format!("(default: {default})")), "{line}");
    }
    // Their default depends on --lang.
    assert!(help.contains("--country NAME               the answer to `country` (default: Russia, or Россия with --lang ru)"));
    assert!(help.contains("--city NAME                  the answer to `city` (default: Moscow, or Москва with --lang ru)"));
    assert!(help.contains("--allow-break"));
    assert!(help.contains("--allowed-origin ORIGIN"));
}

#[test]
fn mistakes_are_one_line_and_exit_2() {
    for args in [
        &["--bogus"][..],
        &["--ping-interval", "0"],
        &["--max-message", "lots"],
    ] {
        let (status, process) = run_to_exit(args);
        assert_eq!(status.code(), Some(2), "{args:?}");
        let stderr = stderr_of(&process);
        assert_eq!(stderr.len(), 1, "{args:?}: {stderr:?}");
        assert!(stderr[0].starts_with("com-server: "), "{stderr:?}");
    }
}

#[test]
fn a_port_in_use_is_reported_and_exits_1() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind a port");
    let address = taken.local_addr().expect("its address").to_string();
    let (status, process) = run_to_exit(&["--addr", &address, "--time-limit", "120"]);
    assert_eq!(status.code(), Some(1));
    assert_eq!(
        stderr_of(&process),
        [format!(
            "Error: cannot bind {address}: Address already in use"
        )]
    );
}
