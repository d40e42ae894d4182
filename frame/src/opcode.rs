//! The opcode: the four bits that say what a frame carries (RFC 6455 section 5.2).
//! Data opcodes start or continue a message; control opcodes (8 and up) manage the
//! connection and may arrive between the fragments of a message.

use std::fmt;

/// What a frame carries. Unknown values are kept as `Reserved` so that a decoder never
/// panics on them; the connection refuses them with close code 1002.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Opcode {
    /// 0x0: the next fragment of the message that a Text or Binary frame started.
    Continuation,
    /// 0x1: the first frame of a UTF-8 text message.
    Text,
    /// 0x2: the first frame of a binary message.
    Binary,
    /// 0x8: the close handshake (section 5.5.1).
    Close,
    /// 0x9: "are you there?" (section 5.5.2); the peer must answer with a Pong.
    Ping,
    /// 0xA: the answer to a Ping, or an unsolicited heartbeat (section 5.5.3).
    Pong,
    /// 0x3-0x7 and 0xB-0xF: reserved for future extensions, never valid here.
    Reserved(u8),
}

/// The three control opcodes RFC 6455 defines (section 5.5): what a connection answers on
/// the spot. A separate type, so that code handling control frames matches all of them
/// and nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ControlOpcode {
    /// 0x8: the close handshake.
    Close,
    /// 0x9: the peer asks for a Pong.
    Ping,
    /// 0xA: the answer to a Ping.
    Pong,
}

/// The data opcodes: a message starts with Text or Binary and goes on with Continuation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataOpcode {
    /// 0x0: the next fragment of the message being received.
    Continuation,
    /// 0x1: a text message starts.
    Text,
    /// 0x2: a binary message starts.
    Binary,
}

/// An opcode sorted the way a receiver must treat it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpcodeKind {
    /// Part of a message.
    Data(DataOpcode),
    /// Answered on the spot, may arrive between fragments.
    Control(ControlOpcode),
    /// 0x3-0x7 and 0xB-0xF: no meaning here; the connection fails with 1002.
    Reserved(u8),
}

impl Opcode {
    /// Sorts the opcode into data, control or reserved, so that a `match` on the result
    /// needs no arm for a case that cannot happen.
    pub fn kind(self) -> OpcodeKind {
        match self {
            Opcode::Continuation => OpcodeKind::Data(DataOpcode::Continuation),
            Opcode::Text => OpcodeKind::Data(DataOpcode::Text),
            Opcode::Binary => OpcodeKind::Data(DataOpcode::Binary),
            Opcode::Close => OpcodeKind::Control(ControlOpcode::Close),
            Opcode::Ping => OpcodeKind::Control(ControlOpcode::Ping),
            Opcode::Pong => OpcodeKind::Control(ControlOpcode::Pong),
            Opcode::Reserved(value) => OpcodeKind::Reserved(value),
        }
    }

    /// True for Close, Ping and Pong, and for the reserved control range 0xB-0xF:
    /// control frames must fit in 125 bytes and may never be fragmented (section 5.5).
    pub fn is_control(self) -> bool {
        u8::from(self) & 0x8 != 0
    }

    /// True when the opcode is defined by RFC 6455 and so may appear on the wire.
    pub fn is_allowed(self) -> bool {
        !matches!(self, Opcode::Reserved(_))
    }

    /// The name a student sees in the frame dissection.
    pub fn name(self) -> &'static str {
        match self {
            Opcode::Continuation => "continuation",
            Opcode::Text => "text",
            Opcode::Binary => "binary",
            Opcode::Close => "close",
            Opcode::Ping => "ping",
            Opcode::Pong => "pong",
            Opcode::Reserved(_) => "reserved",
        }
    }
}

impl From<u8> for Opcode {
    /// Takes the low four bits of the first header byte.
    fn from(value: u8) -> Self {
        match value & 0x0F {
            0x0 => Opcode::Continuation,
            0x1 => Opcode::Text,
            0x2 => Opcode::Binary,
            0x8 => Opcode::Close,
            0x9 => Opcode::Ping,
            0xA => Opcode::Pong,
            other => Opcode::Reserved(other),
        }
    }
}

impl From<Opcode> for u8 {
    fn from(opcode: Opcode) -> u8 {
        match opcode {
            Opcode::Continuation => 0x0,
            Opcode::Text => 0x1,
            Opcode::Binary => 0x2,
            Opcode::Close => 0x8,
            Opcode::Ping => 0x9,
            Opcode::Pong => 0xA,
            Opcode::Reserved(value) => value & 0x0F,
        }
    }
}

impl From<ControlOpcode> for Opcode {
    fn from(control: ControlOpcode) -> Opcode {
        match control {
            ControlOpcode::Close => Opcode::Close,
            ControlOpcode::Ping => Opcode::Ping,
            ControlOpcode::Pong => Opcode::Pong,
        }
    }
}

impl From<DataOpcode> for Opcode {
    fn from(data: DataOpcode) -> Opcode {
        match data {
            DataOpcode::Continuation => Opcode::Continuation,
            DataOpcode::Text => Opcode::Text,
            DataOpcode::Binary => Opcode::Binary,
        }
    }
}

impl fmt::Display for Opcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:X} ({})", u8::from(*self), self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_four_bit_value_round_trips() {
        for value in 0u8..16 {
            assert_eq!(u8::from(Opcode::from(value)), value);
        }
    }

    #[test]
    fn reserved_ranges_are_not_allowed() {
        for value in (3u8..=7).chain(11..=15) {
            assert!(!Opcode::from(value).is_allowed(), "opcode {value}");
        }
        for value in [0u8, 1, 2, 8, 9, 10] {
            assert!(Opcode::from(value).is_allowed(), "opcode {value}");
        }
    }

    #[test]
    fn kinds_round_trip() {
        for value in 0u8..16 {
            let opcode = Opcode::from(value);
            let back = match opcode.kind() {
                OpcodeKind::Data(data) => Opcode::from(data),
                OpcodeKind::Control(control) => Opcode::from(control),
                OpcodeKind::Reserved(reserved) => Opcode::Reserved(reserved),
            };
            assert_eq!(back, opcode);
        }
    }

    #[test]
    fn control_opcodes_have_the_high_bit() {
        assert!(Opcode::Close.is_control());
        assert!(Opcode::Ping.is_control());
        assert!(Opcode::Pong.is_control());
        assert!(Opcode::Reserved(0xB).is_control());
        assert!(!Opcode::Text.is_control());
        assert!(!Opcode::Reserved(0x3).is_control());
    }
}
