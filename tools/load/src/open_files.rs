//! The open-files limit: every connection is a descriptor, in the load tool and in the server
//! alike, and the usual soft limit of 1024 ends a 10,000-connection run long before the
//! server's design does. The tool raises its soft limit to the hard one at start, and when a
//! connect still fails for want of descriptors it says so in words instead of `os error 24`.

use std::io;

use rlimit::Resource;

/// Linux's `EMFILE`: this process has no descriptor left (`man 2 socket`).
const EMFILE: i32 = 24;
/// Linux's `ENFILE`: the whole system has none left.
const ENFILE: i32 = 23;

/// Raises the soft `RLIMIT_NOFILE` to the hard limit and returns the limit now in force.
/// Only the hard limit needs privilege to raise (`ulimit -Hn`); the soft one is ours.
pub fn raise_to_hard_limit() -> io::Result<u64> {
    let (_soft, hard) = Resource::NOFILE.get()?;
    rlimit::increase_nofile_limit(hard)
}

/// The descriptors this process may have open now (the soft limit), if it can be read.
pub fn limit() -> Option<u64> {
    Resource::NOFILE.get().ok().map(|(soft, _hard)| soft)
}

/// True when `error` says a process or the system ran out of descriptors.
pub fn is_out_of_descriptors(error: &io::Error) -> bool {
    matches!(error.raw_os_error(), Some(EMFILE | ENFILE))
}

/// What to tell the reader when a connection could not get a descriptor, after
/// "connection N failed: ".
pub fn too_many_open_files() -> String {
    format!(
        "too many open files; this machine allows {} per process (ulimit -Hn): lower \
         --connections or raise the hard limit",
        allowed()
    )
}

/// What to tell the reader when the server took the TCP connection but never answered the
/// handshake: a server out of descriptors leaves new connections in its listen queue.
pub fn server_not_accepting(waited_seconds: u64) -> String {
    format!(
        "no handshake answer within {waited_seconds} s: the server has stopped accepting \
         (out of open files? a server started by compare inherits its limit, {} per process, \
         ulimit -Hn): lower --connections or raise the hard limit",
        allowed()
    )
}

fn allowed() -> String {
    limit().map_or("an unknown number".to_owned(), |limit| limit.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emfile_and_enfile_are_out_of_descriptors_and_refusal_is_not() {
        assert!(is_out_of_descriptors(&io::Error::from_raw_os_error(EMFILE)));
        assert!(is_out_of_descriptors(&io::Error::from_raw_os_error(ENFILE)));
        assert!(!is_out_of_descriptors(&io::Error::from(
            io::ErrorKind::ConnectionRefused
        )));
    }

    #[test]
    fn raising_leaves_the_soft_limit_at_the_hard_limit() {
        let raised = raise_to_hard_limit().expect("raise the soft limit");
        let (soft, hard) = Resource::NOFILE.get().expect("read the limit");
        assert_eq!(soft, raised);
        assert_eq!(soft, hard);
    }

    #[test]
    fn the_explanation_names_the_connection_and_the_remedy() {
        let text = too_many_open_files();
        assert!(text.starts_with("too many open files; this machine allows "));
        assert!(text.contains("lower --connections"));
    }
}
