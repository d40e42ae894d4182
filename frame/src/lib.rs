//! `frame`: a small, hand-written implementation of the WebSocket protocol (RFC 6455) for
//! learning. It is sans-IO: it turns bytes into events and calls into bytes, and never
//! touches a socket, so the suite's blocking and polling servers share every protocol rule.
//!
//! Read it in this order: [`handshake`] (and [`http`] under it), [`opcode`], [`codec`] and
//! [`mask`] (one frame), [`message`] and [`utf8`] (frames into messages), [`close`] and [`close_frame`],
//! [`output`] (what waits for the socket), and last [`connection`], which ties them
//! together and records who closed; [`closing`] is how a server then closes TCP (section
//! 7.1.1). [`dissect`] watches frames go by for `--verbose`. Flags, log lines and start-up errors are not the protocol: they live in the
//! `cli` crate beside this one.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod close;
pub mod close_frame;
pub mod closing;
pub mod codec;
pub mod connection;
pub mod dissect;
pub mod error;
pub mod handshake;
pub mod http;
pub mod mask;
pub mod message;
pub mod opcode;
pub mod output;
pub mod utf8;

pub use close::CloseCode;
pub use close_frame::{CloseFrame, close_payload, parse_close_payload};
pub use closing::{CLOSE_TIMEOUT, LINGER_BYTES, LINGER_TIMEOUT, Linger, LingerStep};
pub use codec::{FrameHeader, LengthForm, encode_fragment, encode_frame};
pub use connection::{CloseReply, Connection, Event, Limits, Role, State};
pub use dissect::{Direction, Dissection};
pub use error::{HandshakeError, ProtocolError};
pub use handshake::{
    RequestVerdict, UpgradeRequest, accept_key, accept_response, check_origin, judge_request,
    negotiate, reject_response, validate_upgrade, wants_upgrade,
};
pub use http::{HeadReader, HttpVersion, RequestHead};
pub use mask::apply_mask;
pub use message::{Message, MessageAssembler};
pub use opcode::{ControlOpcode, DataOpcode, Opcode, OpcodeKind};
pub use output::EncodedMessage;
pub use utf8::Utf8Validator;
