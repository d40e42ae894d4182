//! cargo-fuzz target: `cargo +nightly fuzz run assemble` from `frame/`. The check itself
//! lives in the `fuzz-checks` crate (`tools/fuzz-checks/`), shared with the regression
//! test that replays saved inputs.

#![no_main]
#![forbid(unsafe_code)]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_checks::assemble(data));
