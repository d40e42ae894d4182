//! The hostile-client matrix (issue 8) against the real com-server: every row of
//! `testkit::hostile` is one test here, each on its own server.

use crate::common;

testkit::hostile_matrix!(common::start);
