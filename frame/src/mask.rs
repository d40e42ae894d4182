//! Masking: every byte a client sends is XORed with a 4-byte key (RFC 6455 section 5.3).
//! Unmasking is the one loop that touches every payload byte, so it works a 64-byte block
//! at a time instead of a byte at a time; `cargo bench -p frame` measures it.

/// XORs `payload` in place with `masking_key`, as if the payload started `offset` bytes
/// into the frame. The offset lets a decoder unmask a payload in pieces as they arrive:
/// byte `i` of the frame is always XORed with `masking_key[i % 4]`.
///
/// Masking and unmasking are the same operation, so this function does both.
pub fn apply_mask(payload: &mut [u8], masking_key: [u8; 4], offset: usize) {
    // A block at a time: the key repeats every four bytes, so XORing a 64-byte block with
    // the key written out sixteen times handles 64 payload bytes in one step. The block
    // has a length the compiler knows, so it drops the bounds checks and turns the inner
    // loop into SIMD instructions, with no unsafe code and no platform intrinsics.
    const BLOCK: usize = 64;
    let mut key_block = [0u8; BLOCK];
    for (index, byte) in key_block.iter_mut().enumerate() {
        *byte = masking_key[(offset + index) % 4];
    }
    let mut blocks = payload.chunks_exact_mut(BLOCK);
    for block in &mut blocks {
        for (byte, key_byte) in block.iter_mut().zip(key_block.iter()) {
            *byte ^= key_byte;
        }
    }
    // The tail (under 64 bytes) starts at a multiple of four, so at key[0] again.
    for (byte, key_byte) in blocks.into_remainder().iter_mut().zip(key_block.iter()) {
        *byte ^= key_byte;
    }
}

/// A fresh masking key for a client frame. RFC 6455 section 10.3 asks for keys an
/// attacker cannot predict; std has no public random generator, but its `RandomState` is
/// seeded from the operating system's randomness for each process, which is enough for
/// a teaching client (a production client would use a CSPRNG crate).
pub fn random_masking_key() -> [u8; 4] {
    let bytes = random_u64().to_ne_bytes();
    [bytes[0], bytes[1], bytes[2], bytes[3]]
}

/// 64 unpredictable bits from std's randomly keyed SipHash.
pub fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.finish()
}

/// The byte-at-a-time version straight from the RFC's formula, kept as the reference
/// the fast version is tested and benchmarked against.
pub fn apply_mask_bytewise(payload: &mut [u8], masking_key: [u8; 4], offset: usize) {
    for (index, byte) in payload.iter_mut().enumerate() {
        *byte ^= masking_key[(offset + index) % 4];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_example_hello() {
        // RFC 6455 section 5.7: "Hello" masked with 37 fa 21 3d.
        let mut payload = [0x7f, 0x9f, 0x4d, 0x51, 0x58];
        apply_mask(&mut payload, [0x37, 0xfa, 0x21, 0x3d], 0);
        assert_eq!(&payload, b"Hello");
    }

    #[test]
    fn fast_matches_bytewise_for_every_length_and_offset() {
        let key = [0x12, 0x34, 0x56, 0x78];
        for length in 0..40 {
            for offset in 0..8 {
                let original: Vec<u8> = (0..length as u8).collect();
                let mut fast = original.clone();
                let mut slow = original.clone();
                apply_mask(&mut fast, key, offset);
                apply_mask_bytewise(&mut slow, key, offset);
                assert_eq!(fast, slow, "length {length} offset {offset}");
            }
        }
    }

    #[test]
    fn unmasking_in_pieces_equals_unmasking_at_once() {
        let key = [1, 2, 3, 4];
        let original: Vec<u8> = (0..100u8).collect();
        let mut whole = original.clone();
        apply_mask(&mut whole, key, 0);
        let mut pieces = original.clone();
        let (first, rest) = pieces.split_at_mut(13);
        apply_mask(first, key, 0);
        apply_mask(rest, key, 13);
        assert_eq!(whole, pieces);
    }
}
