//! Message assembly: a message is one or more data frames, the first Text or Binary and the
//! rest Continuation, the last with FIN set (RFC 6455 section 5.4). `MessageAssembler`
//! glues the payloads together, enforces the size limit and checks UTF-8 as bytes arrive.

use crate::codec::FrameHeader;
use crate::error::ProtocolError;
use crate::opcode::Opcode;
use crate::utf8::Utf8Validator;

/// The most we reserve up front for a frame, whatever its header claims: a client that
/// announces 16 MiB and then sends ten bytes should cost us ten bytes, not 16 MiB.
const MAX_UPFRONT_RESERVE: u64 = 1024 * 1024;

/// A complete message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message, already checked to be UTF-8.
    Text(String),
    /// A binary message.
    Binary(Vec<u8>),
}

/// The two kinds of data message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MessageKind {
    Text,
    Binary,
}

/// Collects the frames of one message at a time.
#[derive(Debug)]
pub struct MessageAssembler {
    /// The kind of the message in progress, or `None` between messages.
    kind: Option<MessageKind>,
    payload: Vec<u8>,
    utf8: Utf8Validator,
    max_message: usize,
}

impl MessageAssembler {
    /// Forgets the message in progress (after a failure nothing more of it is read).
    pub fn reset(&mut self) {
        self.kind = None;
        self.payload = Vec::new();
        self.utf8 = Utf8Validator::new();
    }

    /// An assembler that refuses messages larger than `max_message` bytes.
    pub fn new(max_message: usize) -> MessageAssembler {
        MessageAssembler {
            kind: None,
            payload: Vec::new(),
            utf8: Utf8Validator::new(),
            max_message,
        }
    }

    /// Is a fragmented message in progress?
    pub fn in_message(&self) -> bool {
        self.kind.is_some()
    }

    /// Called with each data frame's header before its payload: checks that the frame
    /// fits the sequence (section 5.4) and that the message stays within the limit
    /// (before a single byte is allocated for it).
    pub fn start_frame(&mut self, header: &FrameHeader) -> Result<(), ProtocolError> {
        match (header.opcode, self.kind) {
            (Opcode::Continuation, None) => return Err(ProtocolError::UnexpectedContinuation),
            (Opcode::Continuation, Some(_)) => {}
            (Opcode::Text | Opcode::Binary, Some(_)) => {
                return Err(ProtocolError::ExpectedContinuation);
            }
            (Opcode::Text, None) => self.kind = Some(MessageKind::Text),
            (Opcode::Binary, None) => self.kind = Some(MessageKind::Binary),
            (other, _) => unreachable!("start_frame called with control opcode {other}"),
        }
        let size = self.payload.len() as u64 + header.payload_len;
        if size > self.max_message as u64 {
            return Err(ProtocolError::MessageTooBig {
                size,
                limit: self.max_message,
            });
        }
        self.payload
            .reserve(header.payload_len.min(MAX_UPFRONT_RESERVE) as usize);
        Ok(())
    }

    /// Adds the next (already unmasked) payload bytes of the current frame. A text message
    /// fails here, at the piece where its UTF-8 goes wrong.
    pub fn push(&mut self, bytes: &[u8]) -> Result<(), ProtocolError> {
        if self.kind == Some(MessageKind::Text) {
            self.utf8.feed(bytes)?;
        }
        self.payload.extend_from_slice(bytes);
        Ok(())
    }

    /// Called when a data frame's payload is complete. Returns the message when the frame
    /// had FIN set.
    pub fn end_frame(&mut self, fin: bool) -> Result<Option<Message>, ProtocolError> {
        if !fin {
            return Ok(None);
        }
        let payload = std::mem::take(&mut self.payload);
        match self.kind.take() {
            Some(MessageKind::Text) => {
                self.utf8.finish()?;
                // Validated piece by piece already; `from_utf8` checks once more because
                // this crate forbids the unsafe unchecked conversion.
                String::from_utf8(payload)
                    .map(|text| Some(Message::Text(text)))
                    .map_err(|_| ProtocolError::InvalidUtf8)
            }
            Some(MessageKind::Binary) => Ok(Some(Message::Binary(payload))),
            None => Err(ProtocolError::UnexpectedContinuation),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(opcode: Opcode, fin: bool, payload_len: u64) -> FrameHeader {
        let mut header = FrameHeader::new(opcode, payload_len, None);
        header.fin = fin;
        header
    }

    fn frame(
        assembler: &mut MessageAssembler,
        opcode: Opcode,
        fin: bool,
        payload: &[u8],
    ) -> Result<Option<Message>, ProtocolError> {
        assembler.start_frame(&header(opcode, fin, payload.len() as u64))?;
        assembler.push(payload)?;
        assembler.end_frame(fin)
    }

    #[test]
    fn three_fragments_make_one_message() {
        let mut assembler = MessageAssembler::new(1024);
        assert_eq!(frame(&mut assembler, Opcode::Text, false, b"Hel"), Ok(None));
        assert!(assembler.in_message());
        assert_eq!(
            frame(&mut assembler, Opcode::Continuation, false, b"lo, "),
            Ok(None)
        );
        assert_eq!(
            frame(&mut assembler, Opcode::Continuation, true, b"World"),
            Ok(Some(Message::Text("Hello, World".into())))
        );
        assert!(!assembler.in_message());
    }

    #[test]
    fn sequence_errors() {
        let mut assembler = MessageAssembler::new(1024);
        assert_eq!(
            frame(&mut assembler, Opcode::Continuation, true, b"x"),
            Err(ProtocolError::UnexpectedContinuation)
        );
        let mut assembler = MessageAssembler::new(1024);
        frame(&mut assembler, Opcode::Binary, false, b"x").unwrap();
        assert_eq!(
            frame(&mut assembler, Opcode::Text, true, b"y"),
            Err(ProtocolError::ExpectedContinuation)
        );
    }

    #[test]
    fn size_is_checked_before_allocating() {
        let mut assembler = MessageAssembler::new(10);
        assert!(matches!(
            assembler.start_frame(&header(Opcode::Binary, true, 1 << 40)),
            Err(ProtocolError::MessageTooBig { .. })
        ));
        assert_eq!(assembler.payload.capacity(), 0);
        let mut assembler = MessageAssembler::new(10);
        frame(&mut assembler, Opcode::Binary, false, b"123456").unwrap();
        assert!(matches!(
            frame(&mut assembler, Opcode::Continuation, true, b"78901"),
            Err(ProtocolError::MessageTooBig {
                size: 11,
                limit: 10
            })
        ));
    }

    #[test]
    fn invalid_utf8_fails_in_the_fragment_where_it_appears() {
        let mut assembler = MessageAssembler::new(1024);
        frame(&mut assembler, Opcode::Text, false, "κό".as_bytes()).unwrap();
        assert_eq!(
            frame(&mut assembler, Opcode::Continuation, false, b"\xed\xa0\x80"),
            Err(ProtocolError::InvalidUtf8)
        );
    }

    #[test]
    fn a_character_split_across_fragments_is_fine() {
        let mut assembler = MessageAssembler::new(1024);
        let bytes = "Б".as_bytes();
        frame(&mut assembler, Opcode::Text, false, &bytes[..1]).unwrap();
        assert_eq!(
            frame(&mut assembler, Opcode::Continuation, true, &bytes[1..]),
            Ok(Some(Message::Text("Б".into())))
        );
    }
}
