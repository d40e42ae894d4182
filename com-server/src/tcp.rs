//! The TCP details under every connection: how long we wait, how big a thread's stack is,
//! and how to close a socket so that our last bytes arrive. Closing with unread input
//! makes the kernel send a reset, which can destroy a close frame still in flight.

use std::io::{self, Read};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

/// After we send a close frame, how long the client has to answer with its own before
/// we close TCP anyway (RFC 6455 section 7.1.1 leaves the time to us).
pub const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// How long, at most, we read and discard the client's last bytes before closing.
const DRAIN_TIME: Duration = Duration::from_secs(1);

/// How much, at most, we discard: a client still streaming at us is not worth more.
const DRAIN_BYTES: usize = 256 * 1024;

/// Each connection costs two threads (reader and writer). Neither recurses nor keeps big
/// arrays on its stack, so 256 KiB is plenty, and 512 threads reserve 128 MiB of
/// address space instead of the default 2 MiB each.
pub const THREAD_STACK_SIZE: usize = 256 * 1024;

/// True for the errors a read or write timeout produces (`WouldBlock` on Unix,
/// `TimedOut` on Windows).
pub fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// A failed write as a sentence for the log: a timeout means the client stopped reading.
pub fn describe_write_error(error: &io::Error, stream: &TcpStream) -> String {
    match stream.write_timeout() {
        Ok(Some(timeout)) if is_timeout(error) => format!(
            "the client read nothing for {} s",
            timeout.as_secs_f64().round()
        ),
        _ => cli::describe_io_error(error),
    }
}

/// Says "no more bytes from us" (a FIN after everything already written), then reads
/// and discards what the client still sends, briefly, so that closing the socket does
/// not turn into a reset. Dropping the stream closes it.
pub fn close_gracefully(mut stream: TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let deadline = Instant::now() + DRAIN_TIME;
    let mut sink = [0u8; 4096];
    let mut drained = 0;
    while drained < DRAIN_BYTES {
        let Some(left) = deadline.checked_duration_since(Instant::now()) else {
            return;
        };
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return;
        }
        match stream.read(&mut sink) {
            Ok(0) => return,
            Ok(count) => drained += count,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}
