//! cargo-fuzz target: `cargo +nightly fuzz run assemble` from `frame/`. The check itself
//! lives in `checks.rs`, shared with the regression test that replays saved inputs.

#![no_main]
#![forbid(unsafe_code)]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::assemble(data));
