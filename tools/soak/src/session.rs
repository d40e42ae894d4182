//! What the echo and chat clients share: connecting with every wait bounded, and the ways
//! a session ends. Real clients do not all say goodbye: some close cleanly (1000), some
//! just vanish, and some vanish halfway through sending a frame, which the server must
//! survive and clean up after just the same.

use std::io::Write;
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use frame::{Opcode, encode_frame};
use tungstenite::WebSocket;

use crate::dice::Dice;
use crate::problems::Counter;

/// The longest any read, write or connect may block. A server that stops answering fails
/// the soak after this long instead of hanging it; a healthy one answers in milliseconds
/// even on a loaded two-core machine.
pub const IO_TIMEOUT: Duration = Duration::from_secs(15);

/// Client threads do nothing deep: a small stack lets 250 of them start cheaply.
pub const CLIENT_STACK_SIZE: usize = 256 * 1024;

/// A client's WebSocket: tungstenite, the independent implementation.
pub type Socket = WebSocket<TcpStream>;

/// Opens a WebSocket to `url` with `IO_TIMEOUT` on the connect and on every read and write.
pub fn connect(url: &str) -> Result<Socket, String> {
    testkit::tungstenite_client::try_connect_within(url, IO_TIMEOUT)
        .map_err(|error| error.to_string())
}

/// True for the error a read timeout gives (`WouldBlock` on Unix, `TimedOut` on Windows).
pub fn is_timeout(error: &tungstenite::Error) -> bool {
    matches!(error, tungstenite::Error::Io(io) if matches!(
        io.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    ))
}

/// How a session ends when the client, not the end of the soak, decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Departure {
    /// Close frame 1000, then wait for the server's.
    Clean,
    /// TCP closed with no close frame: what a browser reports as 1006.
    Vanish,
    /// Half a frame, then TCP closed: the server holds an unfinished frame.
    VanishMidFrame,
}

impl Departure {
    /// Roughly half the sessions end cleanly, the rest abruptly.
    pub fn choose(dice: &mut Dice) -> Departure {
        match dice.between(0, 99) {
            0..=49 => Departure::Clean,
            50..=79 => Departure::Vanish,
            _ => Departure::VanishMidFrame,
        }
    }
}

/// How sessions started and ended, for the summary.
#[derive(Default)]
pub struct Sessions {
    /// Sessions that got through the handshake.
    pub opened: Counter,
    /// Sessions closed with a completed close handshake.
    pub clean: Counter,
    /// Sessions that vanished (all kinds).
    pub abrupt: Counter,
    /// Of those, how many vanished halfway through a frame.
    pub mid_frame: Counter,
}

/// Writes the first part of a masked `opcode` frame of up to `max_length` payload bytes
/// (anything from one header byte to all but the last payload byte) straight to the
/// socket, and drops the connection. Within the server's `--max-message`, or the server
/// would rightly answer 1009 at the header instead of holding an unfinished frame.
pub fn vanish_mid_frame(mut socket: Socket, dice: &mut Dice, opcode: Opcode, max_length: usize) {
    let length = dice.size(1, max_length);
    let payload = match opcode {
        Opcode::Text => dice.text(length).into_bytes(),
        _ => dice.bytes(length),
    };
    let masking_key = dice.next_u64().to_le_bytes();
    let mut whole = Vec::with_capacity(length + 14);
    encode_frame(
        opcode,
        &payload,
        Some([
            masking_key[0],
            masking_key[1],
            masking_key[2],
            masking_key[3],
        ]),
        &mut whole,
    );
    let cut = dice.size(1, whole.len() - 1);
    // A failed write only means the server is already gone, which the next session notices.
    let _ = socket.get_mut().write_all(&whole[..cut]);
}

/// Sleeps `low_ms..=high_ms` milliseconds, but not past `until`.
pub fn nap(dice: &mut Dice, low_ms: u64, high_ms: u64, until: Instant) {
    let pause = dice.millis(low_ms, high_ms);
    thread::sleep(pause.min(until.saturating_duration_since(Instant::now())));
}
