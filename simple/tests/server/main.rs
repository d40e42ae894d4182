//! The simple server's integration tests, one test binary: each module starts the real
//! `simple` binary on a free loopback port and talks to it with raw TCP bytes.

#![forbid(unsafe_code)]

mod greeting;
