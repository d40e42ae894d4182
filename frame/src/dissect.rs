//! Frame dissection for `--verbose`: every field of a frame, spelled out the way the habr
//! article explains the layout, so a learner can watch their own browser's frames.

use std::fmt;

use crate::codec::FrameHeader;
use crate::mask::apply_mask;
use crate::opcode::Opcode;

/// How many payload bytes a dissection keeps, masked and unmasked: enough for the page's
/// frame view, and for all of a typed message.
pub const RECORDED_PAYLOAD_BYTES: usize = 64;

/// How many of them the one-line-per-field text of `--verbose` shows in hex.
pub const SHOWN_PAYLOAD_BYTES: usize = 16;

/// Which way a frame travelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From the peer to us.
    Received,
    /// From us to the peer.
    Sent,
}

/// One frame, taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dissection {
    /// Which way it went.
    pub direction: Direction,
    /// The header bytes exactly as they were on the wire (2 to 14 bytes).
    pub header_bytes: Vec<u8>,
    /// The parsed header.
    pub header: FrameHeader,
    /// The first payload bytes as they were on the wire (masked, if the frame was).
    pub payload_on_wire: Vec<u8>,
    /// The same bytes unmasked.
    pub payload: Vec<u8>,
}

impl Dissection {
    /// Records the start of a frame from its header bytes.
    pub fn new(direction: Direction, header: FrameHeader, header_bytes: &[u8]) -> Dissection {
        Dissection {
            direction,
            header_bytes: header_bytes.to_vec(),
            header,
            payload_on_wire: Vec::new(),
            payload: Vec::new(),
        }
    }

    /// Keeps the first payload bytes as they were on the wire, and unmasks its own copy of
    /// them, until enough are shown. `offset` is where `on_wire` starts in the payload.
    pub fn record_payload(&mut self, on_wire: &[u8], offset: usize) {
        let room = RECORDED_PAYLOAD_BYTES.saturating_sub(self.payload.len());
        let shown = &on_wire[..room.min(on_wire.len())];
        let mut unmasked = shown.to_vec();
        if let Some(key) = self.header.masking_key {
            apply_mask(&mut unmasked, key, offset);
        }
        self.payload_on_wire.extend_from_slice(shown);
        self.payload.extend(unmasked);
    }
}

/// Watches a connection's frames go by, both ways, for `--verbose`. The connection tells it
/// about each header and each piece of payload as it was on the wire, and decides nothing
/// by it: the receive path is the same with or without a recorder.
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    receiving: Option<(Dissection, usize)>,
    finished: Vec<Dissection>,
}

impl Recorder {
    /// A received frame's header was parsed from `header_bytes`.
    pub(crate) fn received_header(&mut self, header: FrameHeader, header_bytes: &[u8]) {
        let dissection = Dissection::new(Direction::Received, header, header_bytes);
        self.receiving = Some((dissection, 0));
    }

    /// The next received payload bytes, still masked.
    pub(crate) fn received_payload(&mut self, on_wire: &[u8]) {
        if let Some((dissection, offset)) = self.receiving.as_mut() {
            dissection.record_payload(on_wire, *offset);
            *offset += on_wire.len();
        }
    }

    /// The received frame is complete.
    pub(crate) fn received_end(&mut self) {
        if let Some((dissection, _)) = self.receiving.take() {
            self.finished.push(dissection);
        }
    }

    /// We queued this whole frame.
    pub(crate) fn sent(&mut self, frame: &[u8]) {
        if let Ok(Some((header, header_len))) = FrameHeader::parse(frame) {
            let mut dissection = Dissection::new(Direction::Sent, header, &frame[..header_len]);
            dissection.record_payload(&frame[header_len..], 0);
            self.finished.push(dissection);
        }
    }

    /// The frames seen since the last call.
    pub(crate) fn take(&mut self) -> Vec<Dissection> {
        std::mem::take(&mut self.finished)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

impl fmt::Display for Dissection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header = &self.header;
        let arrow = match self.direction {
            Direction::Received => "<- received",
            Direction::Sent => "-> sent",
        };
        let bit = |set: bool| u8::from(set);
        writeln!(
            f,
            "{arrow} frame, header bytes: {}",
            hex(&self.header_bytes)
        )?;
        writeln!(
            f,
            "   FIN={} RSV1={} RSV2={} RSV3={} opcode={} MASK={}",
            bit(header.fin),
            bit(header.rsv[0]),
            bit(header.rsv[1]),
            bit(header.rsv[2]),
            header.opcode,
            bit(header.masking_key.is_some()),
        )?;
        write!(
            f,
            "   payload length {} ({}-bit length field)",
            header.payload_len,
            header.length_form.bits()
        )?;
        match header.masking_key {
            Some(key) => write!(f, ", masking key {}", hex(&key))?,
            None => write!(f, ", not masked")?,
        }
        let shown = self.payload.len().min(SHOWN_PAYLOAD_BYTES);
        let (payload, payload_on_wire) = (&self.payload[..shown], &self.payload_on_wire[..shown]);
        let more = if (shown as u64) < header.payload_len {
            " ..."
        } else {
            ""
        };
        if header.masking_key.is_some() && !payload.is_empty() {
            write!(f, "\n   payload masked:   {}{more}", hex(payload_on_wire))?;
            write!(f, "\n   payload unmasked: {}{more}", hex(payload))?;
        } else if !payload.is_empty() {
            write!(f, "\n   payload: {}{more}", hex(payload))?;
        }
        match header.opcode {
            Opcode::Text | Opcode::Continuation | Opcode::Close => {
                let text_start = if header.opcode == Opcode::Close {
                    2.min(payload.len())
                } else {
                    0
                };
                let text = String::from_utf8_lossy(&payload[text_start..]);
                if !text.is_empty() {
                    write!(f, "\n   as text: {text:?}{more}")?;
                }
                if header.opcode == Opcode::Close && payload.len() >= 2 {
                    let code = u16::from_be_bytes([payload[0], payload[1]]);
                    write!(f, "\n   close code: {}", crate::CloseCode::from(code))?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::FrameHeader;

    #[test]
    fn the_rfc_hello_frame_reads_well() {
        let bytes = [
            0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
        ];
        let (header, header_len) = FrameHeader::parse(&bytes).unwrap().unwrap();
        let mut dissection = Dissection::new(Direction::Received, header, &bytes[..header_len]);
        dissection.record_payload(&bytes[header_len..], 0);
        let text = dissection.to_string();
        assert!(text.contains("header bytes: 81 85 37 fa 21 3d"), "{text}");
        assert!(
            text.contains("FIN=1 RSV1=0 RSV2=0 RSV3=0 opcode=0x1 (text) MASK=1"),
            "{text}"
        );
        assert!(
            text.contains("payload length 5 (7-bit length field), masking key 37 fa 21 3d"),
            "{text}"
        );
        assert!(text.contains("payload masked:   7f 9f 4d 51 58"), "{text}");
        assert!(text.contains("payload unmasked: 48 65 6c 6c 6f"), "{text}");
        assert!(text.contains("as text: \"Hello\""), "{text}");
    }
}
