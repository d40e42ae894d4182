//! Incremental UTF-8 validation: a text message may arrive split across frames, and a
//! frame across reads, so a character can be cut anywhere. `Utf8Validator` remembers the
//! unfinished character between pieces and fails at the first byte that can never be valid.

use crate::error::ProtocolError;

/// Validates a byte stream piece by piece. Uses the standard library's validator (fast,
/// with an ASCII fast path) for the bulk and only handles the cut character by hand.
#[derive(Debug, Default, Clone)]
pub struct Utf8Validator {
    /// The first bytes of a character that the previous piece cut off (at most 3).
    pending: [u8; 4],
    pending_len: usize,
}

impl Utf8Validator {
    /// A validator at the start of a message.
    pub fn new() -> Utf8Validator {
        Utf8Validator::default()
    }

    /// Checks the next piece. Fails as soon as a byte makes the stream invalid, even if
    /// the character it belongs to is not complete yet (`F4 90` can never start a
    /// character, so it fails at once: Autobahn's "fail fast" cases check this).
    pub fn feed(&mut self, mut piece: &[u8]) -> Result<(), ProtocolError> {
        // First finish the character the previous piece cut, one byte at a time.
        while self.pending_len > 0 && !piece.is_empty() {
            self.pending[self.pending_len] = piece[0];
            self.pending_len += 1;
            piece = &piece[1..];
            match std::str::from_utf8(&self.pending[..self.pending_len]) {
                Ok(_) => self.pending_len = 0,
                Err(error) if error.error_len().is_some() => {
                    return Err(ProtocolError::InvalidUtf8);
                }
                Err(_) => {} // still a valid prefix: wait for the next byte
            }
        }
        match std::str::from_utf8(piece) {
            Ok(_) => Ok(()),
            // `error_len() == None` means "the input ended inside a character that could
            // still be valid": keep its bytes for the next piece.
            Err(error) if error.error_len().is_none() => {
                let tail = &piece[error.valid_up_to()..];
                self.pending[..tail.len()].copy_from_slice(tail);
                self.pending_len = tail.len();
                Ok(())
            }
            Err(_) => Err(ProtocolError::InvalidUtf8),
        }
    }

    /// Checks that the message did not end in the middle of a character.
    pub fn finish(&mut self) -> Result<(), ProtocolError> {
        let complete = self.pending_len == 0;
        self.pending_len = 0;
        if complete {
            Ok(())
        } else {
            Err(ProtocolError::InvalidUtf8)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validate_in_pieces(bytes: &[u8], piece_len: usize) -> Result<(), ProtocolError> {
        let mut validator = Utf8Validator::new();
        for piece in bytes.chunks(piece_len.max(1)) {
            validator.feed(piece)?;
        }
        validator.finish()
    }

    #[test]
    fn agrees_with_std_for_every_split() {
        let samples: &[&[u8]] = &[
            "Hello-µ@ßöäüàá-UTF-8!!".as_bytes(),
            "κόσμε".as_bytes(),
            "Привет, Богдан".as_bytes(),
            "𝄞 music".as_bytes(),
            b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited",
            b"\xf4\x90\x80\x80",
            b"\xc0\xaf",
            b"\xe0\x80\xaf",
            b"\xf0\x9f\x98",
            b"\x80",
        ];
        for sample in samples {
            let expected = std::str::from_utf8(sample).is_ok();
            for piece_len in 1..=sample.len() {
                assert_eq!(
                    validate_in_pieces(sample, piece_len).is_ok(),
                    expected,
                    "{sample:x?} in pieces of {piece_len}"
                );
            }
        }
    }

    #[test]
    fn fails_fast_on_an_impossible_prefix() {
        let mut validator = Utf8Validator::new();
        validator.feed(b"ok ").unwrap();
        validator.feed(&[0xF4]).unwrap(); // could still become U+100000..U+10FFFF
        assert_eq!(validator.feed(&[0x90]), Err(ProtocolError::InvalidUtf8)); // > U+10FFFF
    }

    #[test]
    fn a_cut_character_at_the_end_is_invalid() {
        let mut validator = Utf8Validator::new();
        validator.feed(&[0xD0]).unwrap();
        assert_eq!(validator.finish(), Err(ProtocolError::InvalidUtf8));
    }
}
