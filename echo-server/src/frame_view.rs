//! The frame view behind `ws://HOST:PORT/dissect`: a browser's JavaScript never sees a frame
//! (no header, no masking key, no masked bytes), so on this path the server tells the page
//! what came off the wire. After each echo it sends one more text message, a small JSON
//! description of the frames it received and sent; the page draws them as RFC 6455
//! section 5.2's diagram. The shape is documented in `docs/frame-view.md`.

use std::fmt::Write as _;

use frame::{Direction, Dissection};

/// The path that turns the frame view on. Plain `/` behaves exactly as without it.
pub const PATH: &str = "/dissect";

/// The text message that asks the server for a ping (the browser's pong then comes back
/// described): browsers cannot send a ping themselves.
pub const PING_REQUEST: &str = "/ping";

/// The payload of that ping.
pub const PING_PAYLOAD: &[u8] = b"ping me";

/// A description holds at most this many frames each way, the latest: a client sending
/// pings and no message must not make the list grow without end.
const MAX_FRAMES: usize = 32;

/// A close reason may hold 123 bytes (the close frame's payload is at most 125, section
/// 5.5, and two of them are the code).
const MAX_CLOSE_REASON: usize = 123;

/// The frames seen since the last description.
#[derive(Debug, Default)]
pub struct FrameView {
    received: Vec<Dissection>,
    sent: Vec<Dissection>,
}

impl FrameView {
    /// Keeps a frame for the next description.
    pub fn add(&mut self, dissection: Dissection) {
        let list = match dissection.direction {
            Direction::Received => &mut self.received,
            Direction::Sent => &mut self.sent,
        };
        if list.len() == MAX_FRAMES {
            list.remove(0);
        }
        list.push(dissection);
    }

    /// `{"type":"frames","received":[...],"sent":[...]}`, and a fresh start.
    pub fn describe(&mut self) -> String {
        let received = std::mem::take(&mut self.received);
        let sent = std::mem::take(&mut self.sent);
        format!(
            "{{\"type\":\"frames\",\"received\":[{}],\"sent\":[{}]}}",
            frames_json(&received),
            frames_json(&sent)
        )
    }

    /// The reason of our close reply: the client's close frame as it came off the wire,
    /// `{"type":"close","wire":"<hex>","cut":false}`, cut to fit a close reason.
    pub fn describe_close(&mut self) -> String {
        let close = self
            .received
            .iter()
            .rev()
            .find(|dissection| dissection.header.opcode == frame::Opcode::Close);
        let mut wire = close.map_or_else(Vec::new, |close| {
            let mut bytes = close.header_bytes.clone();
            bytes.extend_from_slice(&close.payload_on_wire);
            bytes
        });
        let whole =
            close.is_some_and(|close| close.payload.len() as u64 == close.header.payload_len);
        // Two hex digits a byte, in what the JSON around them leaves of the reason's room.
        let frame_of_json = "{\"type\":\"close\",\"wire\":\"\",\"cut\":false}".len();
        let room = (MAX_CLOSE_REASON - frame_of_json) / 2;
        let cut = !whole || wire.len() > room;
        wire.truncate(room);
        self.received.clear();
        self.sent.clear();
        format!(
            "{{\"type\":\"close\",\"wire\":\"{}\",\"cut\":{cut}}}",
            hex(&wire)
        )
    }
}

fn frames_json(frames: &[Dissection]) -> String {
    frames.iter().map(frame_json).collect::<Vec<_>>().join(",")
}

/// One frame, with its fields in the order of the section 5.2 diagram.
fn frame_json(dissection: &Dissection) -> String {
    let header = &dissection.header;
    let masking_key = match header.masking_key {
        Some(key) => format!("\"{}\"", hex(&key)),
        None => "null".to_owned(),
    };
    format!(
        "{{\"fin\":{},\"rsv1\":{},\"rsv2\":{},\"rsv3\":{},\"opcode\":{},\"opcode_name\":\"{}\",\
         \"mask\":{},\"masking_key\":{masking_key},\"length_form\":{},\"payload_length\":{},\
         \"header\":\"{}\",\"payload_on_wire\":\"{}\",\"payload\":\"{}\",\"shown\":{}}}",
        header.fin,
        header.rsv[0],
        header.rsv[1],
        header.rsv[2],
        u8::from(header.opcode),
        header.opcode.name(),
        header.masking_key.is_some(),
        header.length_form.bits(),
        header.payload_len,
        hex(&dissection.header_bytes),
        hex(&dissection.payload_on_wire),
        hex(&dissection.payload),
        dissection.payload.len()
    )
}

fn hex(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use frame::{CloseCode, Connection, Event, Limits, Role, close_payload, encode_frame};

    fn client_frame(opcode: frame::Opcode, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        encode_frame(opcode, payload, Some([0x37, 0xfa, 0x21, 0x3d]), &mut out);
        out
    }

    fn recorded(connection: &mut Connection, view: &mut FrameView) {
        for dissection in connection.take_dissections() {
            view.add(dissection);
        }
    }

    #[test]
    fn the_rfc_hello_is_described_field_by_field() {
        let mut connection = Connection::new(Role::Server, Limits::default());
        connection.record_dissections();
        connection.receive(&client_frame(frame::Opcode::Text, b"Hello"));
        let Ok(Some(Event::Text(text))) = connection.next_event() else {
            panic!("expected text");
        };
        connection.send_text(&text);
        let mut view = FrameView::default();
        recorded(&mut connection, &mut view);
        assert_eq!(
            view.describe(),
            "{\"type\":\"frames\",\"received\":[{\"fin\":true,\"rsv1\":false,\"rsv2\":false,\
             \"rsv3\":false,\"opcode\":1,\"opcode_name\":\"text\",\"mask\":true,\
             \"masking_key\":\"37fa213d\",\"length_form\":7,\"payload_length\":5,\
             \"header\":\"818537fa213d\",\"payload_on_wire\":\"7f9f4d5158\",\
             \"payload\":\"48656c6c6f\",\"shown\":5}],\"sent\":[{\"fin\":true,\"rsv1\":false,\
             \"rsv2\":false,\"rsv3\":false,\"opcode\":1,\"opcode_name\":\"text\",\"mask\":false,\
             \"masking_key\":null,\"length_form\":7,\"payload_length\":5,\"header\":\"8105\",\
             \"payload_on_wire\":\"48656c6c6f\",\"payload\":\"48656c6c6f\",\"shown\":5}]}"
        );
        assert_eq!(
            view.describe(),
            "{\"type\":\"frames\",\"received\":[],\"sent\":[]}"
        );
    }

    #[test]
    fn a_close_description_fits_a_close_reason() {
        for reason in ["", "bye", &"x".repeat(123)] {
            let mut connection = Connection::new(Role::Server, Limits::default());
            connection.record_dissections();
            let payload = close_payload(CloseCode::Normal, reason);
            connection.receive(&client_frame(frame::Opcode::Close, &payload));
            assert!(matches!(connection.next_event(), Ok(Some(Event::Close(_)))));
            let mut view = FrameView::default();
            recorded(&mut connection, &mut view);
            let text = view.describe_close();
            assert!(text.len() <= MAX_CLOSE_REASON, "{text}");
            assert!(
                text.starts_with("{\"type\":\"close\",\"wire\":\"88"),
                "{text}"
            );
            assert_eq!(text.ends_with("\"cut\":true}"), reason.len() > 30, "{text}");
        }
    }
}
