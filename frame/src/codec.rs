//! The frame header: two to fourteen bytes in front of every payload (RFC 6455 section 5.2).
//! `FrameHeader::parse` reads one from the front of a buffer and answers `Ok(None)` when
//! more bytes are needed; `FrameHeader::encode` writes one, always in the shortest form.

use crate::error::ProtocolError;
use crate::mask::apply_mask;
use crate::opcode::Opcode;

/// Which of the three length encodings carried the payload length (section 5.2):
/// 0-125 in the 7 bits of the second byte, 126 means "a 16-bit length follows",
/// 127 means "a 64-bit length follows".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LengthForm {
    /// The length fits in the 7-bit field itself (0 to 125 bytes).
    Short7,
    /// The 7-bit field holds 126 and the next 2 bytes hold the length.
    Extended16,
    /// The 7-bit field holds 127 and the next 8 bytes hold the length.
    Extended64,
}

impl LengthForm {
    /// The shortest form that can carry `payload_len`: the RFC requires the minimal
    /// encoding ("the minimal number of bytes MUST be used").
    pub fn for_length(payload_len: u64) -> LengthForm {
        match payload_len {
            0..=125 => LengthForm::Short7,
            126..=0xFFFF => LengthForm::Extended16,
            _ => LengthForm::Extended64,
        }
    }

    /// How many bits carried the length: 7, 16 or 64.
    pub fn bits(self) -> u8 {
        match self {
            LengthForm::Short7 => 7,
            LengthForm::Extended16 => 16,
            LengthForm::Extended64 => 64,
        }
    }
}

/// Everything a frame says about itself before its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// Set on the last frame of a message (and on every control frame).
    pub fin: bool,
    /// RSV1, RSV2, RSV3: zero unless an extension was negotiated, and we negotiate none.
    pub rsv: [bool; 3],
    /// What the frame carries.
    pub opcode: Opcode,
    /// The 4-byte masking key, present exactly when the MASK bit is set.
    pub masking_key: Option<[u8; 4]>,
    /// How many payload bytes follow the header.
    pub payload_len: u64,
    /// Which length encoding the sender used (kept so `--verbose` can show it).
    pub length_form: LengthForm,
}

impl FrameHeader {
    /// A header for a final frame, in the shortest length form.
    pub fn new(opcode: Opcode, payload_len: u64, masking_key: Option<[u8; 4]>) -> FrameHeader {
        FrameHeader {
            fin: true,
            rsv: [false; 3],
            opcode,
            masking_key,
            payload_len,
            length_form: LengthForm::for_length(payload_len),
        }
    }

    /// Reads a header from the front of `buffer`.
    ///
    /// Returns `Ok(None)` when the buffer does not yet hold the whole header (nothing is
    /// consumed: call again with more bytes), or the header and its length in bytes.
    /// The only error at this level is a 64-bit length with its top bit set, which the
    /// RFC forbids; everything else (opcodes, RSV bits, sizes) is judged by the
    /// connection, so that a dissection can still show a bad frame.
    pub fn parse(buffer: &[u8]) -> Result<Option<(FrameHeader, usize)>, ProtocolError> {
        let [first, second, ..] = *buffer else {
            return Ok(None);
        };
        let (length_form, length_bytes) = match second & 0x7F {
            126 => (LengthForm::Extended16, 2),
            127 => (LengthForm::Extended64, 8),
            _ => (LengthForm::Short7, 0),
        };
        let masked = second & 0x80 != 0;
        let header_len = 2 + length_bytes + if masked { 4 } else { 0 };
        if buffer.len() < header_len {
            return Ok(None);
        }
        let extended = &buffer[2..2 + length_bytes];
        let payload_len = match length_form {
            LengthForm::Short7 => u64::from(second & 0x7F),
            LengthForm::Extended16 => u64::from(u16::from_be_bytes([extended[0], extended[1]])),
            LengthForm::Extended64 => {
                let length = u64::from_be_bytes(extended.try_into().expect("eight bytes"));
                if length >> 63 != 0 {
                    return Err(ProtocolError::LengthTopBitSet);
                }
                length
            }
        };
        let masking_key = masked.then(|| {
            let start = 2 + length_bytes;
            [
                buffer[start],
                buffer[start + 1],
                buffer[start + 2],
                buffer[start + 3],
            ]
        });
        let header = FrameHeader {
            fin: first & 0x80 != 0,
            rsv: [first & 0x40 != 0, first & 0x20 != 0, first & 0x10 != 0],
            opcode: Opcode::from(first),
            masking_key,
            payload_len,
            length_form,
        };
        Ok(Some((header, header_len)))
    }

    /// The number of bytes `encode` writes for this header.
    pub fn encoded_len(&self) -> usize {
        let length_bytes = match LengthForm::for_length(self.payload_len) {
            LengthForm::Short7 => 0,
            LengthForm::Extended16 => 2,
            LengthForm::Extended64 => 8,
        };
        2 + length_bytes + if self.masking_key.is_some() { 4 } else { 0 }
    }

    /// Appends the header to `out`, always in the minimal length form
    /// (whatever `length_form` says).
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut first = u8::from(self.opcode);
        if self.fin {
            first |= 0x80;
        }
        for (bit, set) in [0x40, 0x20, 0x10].into_iter().zip(self.rsv) {
            if set {
                first |= bit;
            }
        }
        let mask_bit = if self.masking_key.is_some() { 0x80 } else { 0 };
        out.push(first);
        match LengthForm::for_length(self.payload_len) {
            LengthForm::Short7 => out.push(mask_bit | self.payload_len as u8),
            LengthForm::Extended16 => {
                out.push(mask_bit | 126);
                out.extend_from_slice(&(self.payload_len as u16).to_be_bytes());
            }
            LengthForm::Extended64 => {
                out.push(mask_bit | 127);
                out.extend_from_slice(&self.payload_len.to_be_bytes());
            }
        }
        if let Some(key) = self.masking_key {
            out.extend_from_slice(&key);
        }
    }
}

/// Appends one whole final frame to `out`: header, then the payload, masked when a
/// `masking_key` is given. Servers pass `None` (server frames are never masked);
/// clients must pass a fresh random key for every frame (section 5.3).
pub fn encode_frame(
    opcode: Opcode,
    payload: &[u8],
    masking_key: Option<[u8; 4]>,
    out: &mut Vec<u8>,
) {
    encode_fragment(opcode, true, payload, masking_key, out);
}

/// Appends one frame that may be a fragment: `fin` false means "more frames follow"
/// (the next ones use `Opcode::Continuation`).
pub fn encode_fragment(
    opcode: Opcode,
    fin: bool,
    payload: &[u8],
    masking_key: Option<[u8; 4]>,
    out: &mut Vec<u8>,
) {
    let mut header = FrameHeader::new(opcode, payload.len() as u64, masking_key);
    header.fin = fin;
    out.reserve(header.encoded_len() + payload.len());
    header.encode(out);
    let payload_start = out.len();
    out.extend_from_slice(payload);
    if let Some(key) = masking_key {
        apply_mask(&mut out[payload_start..], key, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_examples_decode() {
        // RFC 6455 section 5.7.
        let unmasked_hello = [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
        let (header, len) = FrameHeader::parse(&unmasked_hello).unwrap().unwrap();
        assert_eq!(len, 2);
        assert!(header.fin);
        assert_eq!(header.opcode, Opcode::Text);
        assert_eq!(header.payload_len, 5);
        assert_eq!(header.masking_key, None);

        let masked_hello = [
            0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
        ];
        let (header, len) = FrameHeader::parse(&masked_hello).unwrap().unwrap();
        assert_eq!(len, 6);
        assert_eq!(header.masking_key, Some([0x37, 0xfa, 0x21, 0x3d]));

        let first_fragment = [0x01, 0x03, 0x48, 0x65, 0x6c];
        let (header, _) = FrameHeader::parse(&first_fragment).unwrap().unwrap();
        assert!(!header.fin);
        assert_eq!(header.opcode, Opcode::Text);

        let binary_256 = [0x82, 0x7E, 0x01, 0x00];
        let (header, len) = FrameHeader::parse(&binary_256).unwrap().unwrap();
        assert_eq!(
            (header.payload_len, len, header.length_form),
            (256, 4, LengthForm::Extended16)
        );

        let binary_64k = [0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0];
        let (header, len) = FrameHeader::parse(&binary_64k).unwrap().unwrap();
        assert_eq!(
            (header.payload_len, len, header.length_form),
            (65536, 10, LengthForm::Extended64)
        );
    }

    #[test]
    fn rfc_example_encodes_byte_for_byte() {
        let mut out = Vec::new();
        encode_frame(
            Opcode::Text,
            b"Hello",
            Some([0x37, 0xfa, 0x21, 0x3d]),
            &mut out,
        );
        assert_eq!(
            out,
            [
                0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58
            ]
        );
        out.clear();
        encode_frame(Opcode::Text, b"Hello", None, &mut out);
        assert_eq!(out, [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
    }

    #[test]
    fn partial_headers_need_more() {
        let frame = [0x82, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4];
        for end in 0..frame.len() {
            assert_eq!(
                FrameHeader::parse(&frame[..end]).unwrap(),
                None,
                "prefix {end}"
            );
        }
        assert!(FrameHeader::parse(&frame).unwrap().is_some());
    }

    #[test]
    fn top_bit_of_64_bit_length_is_refused() {
        let frame = [0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(
            FrameHeader::parse(&frame),
            Err(ProtocolError::LengthTopBitSet)
        );
    }

    #[test]
    fn encoding_uses_the_minimal_length_form() {
        for (length, header_len) in [(0u64, 2), (125, 2), (126, 4), (65535, 4), (65536, 10)] {
            let mut out = Vec::new();
            FrameHeader::new(Opcode::Binary, length, None).encode(&mut out);
            assert_eq!(out.len(), header_len, "length {length}");
            let (parsed, _) = FrameHeader::parse(&out).unwrap().unwrap();
            assert_eq!(parsed.length_form, LengthForm::for_length(length));
        }
    }
}
