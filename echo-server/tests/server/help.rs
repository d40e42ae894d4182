//! `--help` lists every flag with its default and exits 0 (the convention all three
//! servers share, from the `cli` crate).

use crate::common;

use std::time::Duration;

#[test]
fn help_lists_every_flag_and_exits_0() {
    let mut process = testkit::ServerProcess::spawn(common::PROGRAM, &["--help"]);
    let status = process
        .wait_exit(Duration::from_secs(10))
        .expect("--help exits");
    assert_eq!(status.code(), Some(0));
    for expected in [
        "--addr HOST:PORT",
        "(default: 127.0.0.1:7776)",
        "--no-greeting",
        "--max-message BYTES",
        "(default: 16777216)",
        "--max-connections N",
        "(default: 1024)",
        "--handshake-timeout SECS",
        "(default: 10)",
        "--max-output BYTES",
        "--time-limit SECS",
        "--allowed-origin ORIGIN",
        "--verbose",
        "--help",
    ] {
        assert!(
            process.wait_for_line(expected).is_some(),
            "--help does not mention {expected}: {:?}",
            process.lines()
        );
    }
}
