//! The soak's dice: every random choice (message sizes, pauses, how a session ends) comes
//! from a small seeded generator, so `--seed` repeats a run's choices. SplitMix64 is not
//! cryptographic and needs no crate; a soak only needs varied, cheap, repeatable numbers.

use std::time::Duration;

/// A SplitMix64 generator: one `u64` of state, one multiply-xorshift round per number.
pub struct Dice {
    state: u64,
}

impl Dice {
    /// Dice for one client: the run's seed mixed with the client's own number, so that
    /// clients differ and a rerun with the same seed repeats them.
    pub fn new(seed: u64, stream: u64) -> Dice {
        let mut dice = Dice {
            state: seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F),
        };
        dice.next_u64();
        dice
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut mixed = self.state;
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        mixed ^ (mixed >> 31)
    }

    /// A number in `low..=high`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        debug_assert!(low <= high);
        // The modulo bias is below one in 2^40 for the ranges the soak uses.
        low + self.next_u64() % (high - low + 1)
    }

    /// A size in `low..=high` bytes.
    pub fn size(&mut self, low: usize, high: usize) -> usize {
        self.between(low as u64, high as u64) as usize
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    /// A pause of `low_ms..=high_ms` milliseconds.
    pub fn millis(&mut self, low_ms: u64, high_ms: u64) -> Duration {
        Duration::from_millis(self.between(low_ms, high_ms))
    }

    /// One of `choices`, which must not be empty.
    pub fn pick<T: Copy>(&mut self, choices: &[T]) -> T {
        choices[self.next_u64() as usize % choices.len()]
    }

    /// `length` random bytes.
    pub fn bytes(&mut self, length: usize) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(length + 8);
        while bytes.len() < length {
            bytes.extend_from_slice(&self.next_u64().to_le_bytes());
        }
        bytes.truncate(length);
        bytes
    }

    /// Valid UTF-8 of exactly `length` bytes, mixing 1-, 2-, 3- and 4-byte characters so
    /// that message and frame boundaries fall inside characters too.
    pub fn text(&mut self, length: usize) -> String {
        const WIDE: [char; 6] = ['я', 'ж', '€', '→', '𝄞', '🙂'];
        let mut text = String::with_capacity(length);
        let mut bits = 0u64;
        while text.len() < length {
            if bits < 0x100 {
                bits = self.next_u64() | (1 << 63);
            }
            let left = length - text.len();
            let wide = WIDE[(bits >> 2) as usize % WIDE.len()];
            if bits & 3 == 0 && wide.len_utf8() <= left {
                text.push(wide);
            } else {
                text.push(char::from(b'a' + ((bits >> 5) % 26) as u8));
            }
            bits >>= 8;
        }
        text
    }
}
