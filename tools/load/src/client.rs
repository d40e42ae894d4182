//! The load tool's WebSocket client: just enough of RFC 6455's client side to push many small
//! messages cheaply and hand every echoed payload back for a byte-for-byte check. It frames
//! with the `frame` crate's encoder, batches writes, and parses the server's frames straight
//! out of one reusable read buffer, so on a two-core machine the generator stays light.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::ops::Range;
use std::time::{Duration, Instant};

use frame::mask::{random_masking_key, random_u64};
use frame::{FrameHeader, Opcode};

/// How long one read or write may block: a server that stops answering fails the run
/// instead of hanging it.
pub const IO_TIMEOUT: Duration = Duration::from_secs(15);

/// How long [`Client::close`] waits for the server's side of the close handshake.
const CLOSE_WAIT: Duration = Duration::from_secs(5);

/// How many bytes one `read` asks for.
const READ_CHUNK: usize = 16 * 1024;

/// A response head bigger than this is not a WebSocket server's 101.
const MAX_RESPONSE_HEAD: usize = 8 * 1024;

/// The biggest message the client accepts: a guard against a corrupt length field asking
/// it to allocate terabytes, far above anything the benchmark sends.
const MAX_MESSAGE: u64 = 1 << 30;

/// Where the server is.
#[derive(Debug, Clone)]
pub struct Target {
    /// The resolved loopback address.
    pub addr: SocketAddr,
    /// What goes into the `Host` header.
    pub host: String,
    /// The request path, `/` unless the URL named one.
    pub path: String,
}

/// Where the payload of the last message returned by [`Client::next_message`] lives.
#[derive(Debug, Clone)]
enum Delivered {
    Nothing,
    /// An unfragmented message, still in the read buffer: no copy.
    InInbox(Range<usize>),
    /// A fragmented message, reassembled in `fragments`.
    InFragments,
}

/// One open WebSocket connection, client side.
pub struct Client {
    stream: TcpStream,
    /// Received bytes; `inbox[start..end]` are not parsed yet.
    inbox: Vec<u8>,
    start: usize,
    end: usize,
    /// The opcode and payload of a fragmented message being reassembled (section 5.4).
    fragment_opcode: Option<Opcode>,
    fragments: Vec<u8>,
    delivered: Delivered,
    /// Pongs owed to the server, sent with the caller's next write so that two threads
    /// never write to the socket at once.
    replies: Vec<u8>,
    /// The code of the server's close frame, once one arrived (1005 if it had none).
    close_code: Option<u16>,
}

impl Client {
    /// Opens a TCP connection and performs the opening handshake (section 4.1).
    pub fn connect(target: &Target) -> Result<Client, String> {
        Client::handshake(target, TcpStream::connect_timeout(&target.addr, IO_TIMEOUT))
    }

    /// Connects with the socket's receive buffer fixed at `bytes` before the SYN, so the
    /// kernel cannot grow it (Linux grows it up to 6 MiB for a socket nobody reads): a
    /// member that stops reading then backs up into the server's queue after a few
    /// kilobytes, as a phone on a slow network would, instead of after megabytes.
    pub fn connect_with_receive_buffer(target: &Target, bytes: usize) -> Result<Client, String> {
        use socket2::{Domain, Socket, Type};
        let connected =
            Socket::new(Domain::for_address(target.addr), Type::STREAM, None).and_then(|socket| {
                socket.set_recv_buffer_size(bytes)?;
                socket.connect_timeout(&target.addr.into(), IO_TIMEOUT)?;
                Ok(TcpStream::from(socket))
            });
        Client::handshake(target, connected)
    }

    fn handshake(target: &Target, connected: std::io::Result<TcpStream>) -> Result<Client, String> {
        let stream = connected.map_err(|error| {
            if crate::open_files::is_out_of_descriptors(&error) {
                format!(
                    "cannot connect: {}",
                    crate::open_files::too_many_open_files()
                )
            } else {
                format!("cannot connect to {}: {error}", target.addr)
            }
        })?;
        // Nagle's algorithm would hold a small message back waiting for more: with one
        // message in flight that is a 40 ms stall, not a measurement.
        stream
            .set_nodelay(true)
            .and_then(|()| stream.set_read_timeout(Some(IO_TIMEOUT)))
            .and_then(|()| stream.set_write_timeout(Some(IO_TIMEOUT)))
            .map_err(|error| format!("cannot configure the socket: {error}"))?;
        let mut client = Client {
            stream,
            inbox: Vec::new(),
            start: 0,
            end: 0,
            fragment_opcode: None,
            fragments: Vec::new(),
            delivered: Delivered::Nothing,
            replies: Vec::new(),
            close_code: None,
        };
        let mut nonce = [0u8; 16];
        nonce[..8].copy_from_slice(&random_u64().to_ne_bytes());
        nonce[8..].copy_from_slice(&random_u64().to_ne_bytes());
        let (request, key) = frame::handshake::client_request(&target.host, &target.path, nonce);
        client.send_all(&request)?;
        let head_len = loop {
            if let Some(position) = client.unread().windows(4).position(|w| w == b"\r\n\r\n") {
                break position + 4;
            }
            if client.end > MAX_RESPONSE_HEAD {
                return Err("the server's response head is over 8 KiB".to_owned());
            }
            client.fill()?;
        };
        let head = String::from_utf8_lossy(&client.inbox[..head_len]).into_owned();
        frame::handshake::verify_accept(&head, &key)?;
        // Whatever followed the head (a greeting, say) is the first WebSocket data.
        client.start = head_len;
        Ok(client)
    }

    /// Writes all of `bytes`, failing after [`IO_TIMEOUT`] without progress.
    pub fn send_all(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.stream
            .write_all(bytes)
            .map_err(|error| describe("write", &error))
    }

    /// A second handle on the socket, for writing from another thread while this one
    /// reads: a 16 MiB message must be read back while it is still being sent, or a
    /// server that streams its echo would deadlock with us.
    pub fn writer(&self) -> Result<TcpStream, String> {
        self.stream
            .try_clone()
            .map_err(|error| format!("cannot clone the socket: {error}"))
    }

    /// The payload of the message the last [`Client::next_message`] returned.
    pub fn message(&self) -> &[u8] {
        match &self.delivered {
            Delivered::Nothing => &[],
            Delivered::InInbox(range) => &self.inbox[range.clone()],
            Delivered::InFragments => &self.fragments,
        }
    }

    /// The next whole data message already received, without reading the socket:
    /// `Ok(None)` means "call [`Client::fill`] and ask again". Pings are answered on the
    /// spot (section 5.5.2: queued for [`Client::take_replies`]), pongs skipped; a close
    /// frame ends the run with its code.
    pub fn next_message(&mut self) -> Result<Option<Opcode>, String> {
        if matches!(self.delivered, Delivered::InFragments) {
            self.fragments.clear();
        }
        self.delivered = Delivered::Nothing;
        loop {
            let Some((header, header_len)) =
                FrameHeader::parse(self.unread()).map_err(|error| error.to_string())?
            else {
                return Ok(None);
            };
            if header.masking_key.is_some() || header.rsv.contains(&true) {
                return Err(format!("the server sent a masked or RSV frame: {header:?}"));
            }
            if header.payload_len > MAX_MESSAGE {
                return Err(format!(
                    "the server announced a {} byte frame",
                    header.payload_len
                ));
            }
            let frame_len = header_len + header.payload_len as usize;
            if self.unread().len() < frame_len {
                self.make_room(frame_len);
                return Ok(None);
            }
            let payload = self.start + header_len..self.start + frame_len;
            self.start += frame_len;
            match header.opcode {
                Opcode::Text | Opcode::Binary if self.fragment_opcode.is_none() => {
                    if header.fin {
                        self.delivered = Delivered::InInbox(payload);
                        return Ok(Some(header.opcode));
                    }
                    self.fragment_opcode = Some(header.opcode);
                    self.fragments.extend_from_slice(&self.inbox[payload]);
                }
                Opcode::Continuation if self.fragment_opcode.is_some() => {
                    self.fragments.extend_from_slice(&self.inbox[payload]);
                    if self.fragments.len() as u64 > MAX_MESSAGE {
                        return Err("the server sent an endless fragmented message".to_owned());
                    }
                    if header.fin {
                        self.delivered = Delivered::InFragments;
                        return Ok(self.fragment_opcode.take());
                    }
                }
                Opcode::Ping => {
                    let ping_payload = self.inbox[payload].to_vec();
                    encode_message(Opcode::Pong, &ping_payload, &mut self.replies);
                }
                Opcode::Pong => {}
                Opcode::Close => {
                    let reason = match frame::parse_close_payload(&self.inbox[payload]) {
                        Ok(Some(close)) => {
                            self.close_code = Some(u16::from(close.code));
                            format!("{} {:?}", close.code, close.reason)
                        }
                        Ok(None) => {
                            self.close_code = Some(1005);
                            "no code".to_owned()
                        }
                        Err(error) => format!("a bad close payload: {error}"),
                    };
                    return Err(format!("the server closed the connection: {reason}"));
                }
                other => {
                    return Err(format!(
                        "unexpected {} frame (fin {}) while {}",
                        other.name(),
                        header.fin,
                        if self.fragment_opcode.is_some() {
                            "reassembling a fragmented message"
                        } else {
                            "waiting for a message"
                        }
                    ));
                }
            }
        }
    }

    /// The code of the close frame the server sent, if one has arrived (the chat's slow
    /// member must find 1008 there).
    pub fn close_code(&self) -> Option<u16> {
        self.close_code
    }

    /// Moves the pongs owed to the server to the end of `out`, for the next write.
    pub fn take_replies(&mut self, out: &mut Vec<u8>) {
        out.append(&mut self.replies);
    }

    /// Waits for the next whole data message. Pongs owed are sent before each wait,
    /// so only call this while no other thread writes to the socket.
    pub fn receive_message(&mut self) -> Result<Opcode, String> {
        loop {
            if let Some(opcode) = self.next_message()? {
                return Ok(opcode);
            }
            if !self.replies.is_empty() {
                let replies = std::mem::take(&mut self.replies);
                self.send_all(&replies)?;
            }
            self.fill()?;
        }
    }

    /// One `read` from the socket into the inbox (blocking up to [`IO_TIMEOUT`]).
    /// Invalidates the last delivered message, so check it before calling this.
    pub fn fill(&mut self) -> Result<(), String> {
        self.delivered = Delivered::Nothing;
        self.make_room(READ_CHUNK);
        if self.inbox.len() - self.end < READ_CHUNK {
            self.inbox.resize(self.end + READ_CHUNK, 0);
        }
        let read = loop {
            match self.stream.read(&mut self.inbox[self.end..]) {
                Ok(read) => break read,
                Err(error) if error.kind() == ErrorKind::Interrupted => continue,
                Err(error) => return Err(describe("read", &error)),
            }
        };
        if read == 0 {
            return Err("the server closed TCP without a close frame (a browser says 1006)".into());
        }
        self.end += read;
        Ok(())
    }

    /// Sends a close frame 1000 and waits (up to [`CLOSE_WAIT`]) for the server's close
    /// and its end of TCP, the polite way to leave (section 7.1.2).
    pub fn close(mut self) -> Result<(), String> {
        self.send_close()?;
        self.await_close()
    }

    /// Closes many connections at once: every close frame goes out first, then each
    /// answer is awaited. One by one, each close would wait for the server to get round to
    /// that connection: a poll loop asks a quiet connection only now and then.
    pub fn close_all(clients: Vec<Client>) -> Result<(), String> {
        let mut closing = Vec::with_capacity(clients.len());
        for mut client in clients {
            client.send_close()?;
            closing.push(client);
        }
        closing.into_iter().try_for_each(Client::await_close)
    }

    fn send_close(&mut self) -> Result<(), String> {
        let mut close = Vec::new();
        frame::encode_frame(
            Opcode::Close,
            &frame::close_payload(frame::CloseCode::from(1000), ""),
            Some(random_masking_key()),
            &mut close,
        );
        self.send_all(&close)
    }

    fn await_close(mut self) -> Result<(), String> {
        let deadline = Instant::now() + CLOSE_WAIT;
        let _ = self.stream.set_read_timeout(Some(CLOSE_WAIT));
        while Instant::now() < deadline {
            match self.next_message() {
                Ok(Some(_)) => continue,
                // The close answer surfaces as an error from next_message: that is the
                // goal here, so stop reading.
                Err(_) => return Ok(()),
                Ok(None) => {}
            }
            if self.fill().is_err() {
                return Ok(());
            }
        }
        Err(format!(
            "the server did not finish the close handshake within {} s",
            CLOSE_WAIT.as_secs()
        ))
    }

    fn unread(&self) -> &[u8] {
        &self.inbox[self.start..self.end]
    }

    /// Makes sure `needed` bytes fit from `start` on, moving unread bytes to the front
    /// first so the buffer only grows when one frame is bigger than it.
    fn make_room(&mut self, needed: usize) {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.start > 0 && self.inbox.len() - self.start < needed {
            self.inbox.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.inbox.len() - self.start < needed {
            self.inbox.resize(self.start + needed, 0);
        }
    }
}

/// Appends one client frame (masked with a fresh key, section 5.3) to `out`.
pub fn encode_message(opcode: Opcode, payload: &[u8], out: &mut Vec<u8>) {
    frame::encode_frame(opcode, payload, Some(random_masking_key()), out);
}

/// Appends one message split into frames of at most `fragment_size` payload bytes
/// (section 5.4: the first frame carries the opcode, the others are continuations);
/// `0` means one frame. A server must reassemble them: this is how the benchmark sees
/// what reassembly costs it.
pub fn encode_fragmented(opcode: Opcode, payload: &[u8], fragment_size: usize, out: &mut Vec<u8>) {
    if fragment_size == 0 || payload.len() <= fragment_size {
        encode_message(opcode, payload, out);
        return;
    }
    let mut fragments = payload.chunks(fragment_size).peekable();
    let mut frame_opcode = opcode;
    while let Some(fragment) = fragments.next() {
        let fin = fragments.peek().is_none();
        frame::encode_fragment(frame_opcode, fin, fragment, Some(random_masking_key()), out);
        frame_opcode = Opcode::Continuation;
    }
}

fn describe(what: &str, error: &std::io::Error) -> String {
    match error.kind() {
        ErrorKind::WouldBlock | ErrorKind::TimedOut => {
            format!("{what} timed out after {} s", IO_TIMEOUT.as_secs())
        }
        _ => format!("{what} failed: {}", cli::describe_io_error(error)),
    }
}
