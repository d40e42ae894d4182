//! A port that is already taken is a one-line error naming the address and the reason,
//! and exit status 1.

use crate::common;

use std::net::TcpListener;
use std::time::{Duration, Instant};

#[test]
fn a_taken_port_exits_1_with_one_line() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind a port to take");
    let addr = taken.local_addr().unwrap().to_string();
    let mut process = testkit::ServerProcess::spawn(common::PROGRAM, &["--addr", &addr]);
    let status = process
        .wait_exit(Duration::from_secs(10))
        .expect("the server exits when it cannot bind");
    assert_eq!(status.code(), Some(1));
    let deadline = Instant::now() + Duration::from_secs(2);
    while process.stderr_lines().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        process.stderr_lines(),
        [format!("Error: cannot bind {addr}: Address already in use")]
    );
    assert!(
        process
            .lines()
            .iter()
            .all(|line| !line.starts_with("Listening"))
    );
}
