//! How every program of the suite reads an `io::Error`: try again (a signal interrupted the
//! call), nothing yet (a nonblocking socket would block), time is up (a blocking socket's
//! timeout), and the short sentence for the log. Written once, so the polling server and
//! the threaded one classify errors the same way.

use std::io;

/// A signal arrived during the system call: simply try again.
pub fn interrupted(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::Interrupted
}

/// A nonblocking socket has nothing for us (read) or no room (write) right now.
pub fn would_block(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::WouldBlock
}

/// A blocking socket's read or write timeout ran out (`WouldBlock` on Unix, `TimedOut` on
/// Windows).
pub fn timed_out(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// An I/O error as a short sentence: "Address already in use", without the
/// "(os error 98)" that std appends and a learner cannot use.
pub fn describe_io_error(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error") {
        Some(position) => text[..position].to_owned(),
        None => text,
    }
}
