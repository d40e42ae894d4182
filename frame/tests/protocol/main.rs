//! frame's integration tests, one test binary: the property tests (random payloads and
//! random cuts of the byte stream) and the replay of every saved fuzz input.

#![forbid(unsafe_code)]

mod fuzz_regressions;
mod properties;
mod wsclient;
