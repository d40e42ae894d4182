//! The TCP details under every connection: how big a thread's stack is, what a timeout
//! looks like, and the blocking side of the lingering close (`frame::closing`), so that our
//! last bytes arrive.

use std::io::{self, Read};
use std::net::{Shutdown, TcpStream};
use std::time::Instant;

use cli::io_errors::{interrupted, timed_out};
use frame::{Linger, LingerStep};

/// Each connection costs two threads (reader and writer). Neither recurses nor keeps big
/// arrays on its stack, so 256 KiB is plenty, and 512 threads reserve 128 MiB of
/// address space instead of the default 2 MiB each.
pub const THREAD_STACK_SIZE: usize = 256 * 1024;

/// A failed write as a sentence for the log: a timeout means the client stopped reading.
pub fn describe_write_error(error: &io::Error, stream: &TcpStream) -> String {
    match stream.write_timeout() {
        Ok(Some(timeout)) if timed_out(error) => format!(
            "the client read nothing for {} s",
            timeout.as_secs_f64().round()
        ),
        _ => cli::describe_io_error(error),
    }
}

/// Says "no more bytes from us" (a FIN after everything already written), then reads and
/// discards what the client still sends, as `frame::Linger` allows, so that closing the
/// socket does not turn into a reset. Dropping the stream closes it.
pub fn close_gracefully(mut stream: TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let mut linger = Linger::start(Instant::now());
    let mut sink = [0u8; 4096];
    let mut step = linger.next(Instant::now());
    while let LingerStep::Read(left) = step {
        if stream.set_read_timeout(Some(left)).is_err() {
            return;
        }
        step = match stream.read(&mut sink) {
            Ok(count) => linger.read(count, Instant::now()),
            Err(error) if interrupted(&error) => linger.next(Instant::now()),
            Err(_) => LingerStep::Close,
        };
    }
}
