//! The server's instance id, like echo.websocket.org's `Request served by 1781505b56ee58`:
//! a short random name picked at start-up, so a learner with two servers running can tell
//! which process answered. It opens every WebSocket and every plain HTTP answer.

use std::fmt;

/// Eight hex digits, fresh for every run of the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceId(String);

impl InstanceId {
    /// A new random id (32 bits of std's randomly keyed hash: unique enough to tell
    /// processes apart, not a secret).
    pub fn random() -> InstanceId {
        let bits = frame::mask::random_u64() as u32;
        InstanceId(format!("{bits:08x}"))
    }

    /// The greeting echo.websocket.org sends: `Request served by <id>`.
    pub fn served_by(&self) -> String {
        format!("Request served by {}", self.0)
    }
}

impl fmt::Display for InstanceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_eight_hex_digits_and_differ() {
        let first = InstanceId::random();
        let second = InstanceId::random();
        assert_eq!(first.to_string().len(), 8);
        assert!(first.to_string().chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(first, second);
        assert_eq!(first.served_by(), format!("Request served by {first}"));
    }
}
