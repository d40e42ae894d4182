//! Replays every input saved under `frame/fuzz/regressions/<target>/` (crashes the fuzzers
//! once found, and seeds worth keeping) through the fuzz targets' own checks (the
//! `fuzz-checks` crate), so a fixed bug stays fixed in an ordinary `cargo test`, with no
//! nightly toolchain.

use fuzz_checks as checks;

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) -> usize {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let mut replayed = 0;
    for entry in std::fs::read_dir(&folder).unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
    {
        let path = entry.expect("directory entry").path();
        let bytes = std::fs::read(&path).expect("readable input");
        check(&bytes);
        replayed += 1;
    }
    replayed
}

#[test]
fn saved_decode_inputs_still_pass() {
    assert!(
        replay("decode", checks::decode) > 0,
        "the decode regressions folder is empty"
    );
}

#[test]
fn saved_handshake_inputs_still_pass() {
    assert!(
        replay("handshake", checks::handshake) > 0,
        "the handshake regressions folder is empty"
    );
}

#[test]
fn saved_assemble_inputs_still_pass() {
    assert!(
        replay("assemble", checks::assemble) > 0,
        "the assemble regressions folder is empty"
    );
}
