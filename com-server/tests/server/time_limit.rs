//! `--time-limit SECS`: when it runs out every client gets close 1001 "going away" and the
//! process exits 0, as with every server of the suite.

use crate::common;

use common::{expect_close, join, wait_for_leave, wait_for_log};

#[test]
fn at_the_time_limit_clients_get_1001_and_the_server_exits_0() {
    let mut server = common::start(&["--time-limit", "1"]);
    let alice = join(&server, "Alice");
    assert_eq!(expect_close(alice), (1001, "going away".to_owned()));
    let status = server
        .wait_exit(testkit::DEADLINE)
        .expect("the server exits at its time limit");
    assert_eq!(status.code(), Some(0));
    wait_for_log(&server, "Time limit of 1 s reached");
    wait_for_leave(&server, "Alice", "closed 1001 (Going Away): going away");
}
