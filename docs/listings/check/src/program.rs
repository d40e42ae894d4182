//! The reader's program, as the checker sees it: built with cargo, started on a loopback
//! port the OS picks, watched (its stdout for the address, its stderr for a panic) and
//! always killed at the end, whatever the verdict.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a program may take to print its `listening on` line.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// How many of the program's last stderr lines a verdict quotes.
const QUOTED_LINES: usize = 8;

/// Builds `package` with the cargo that runs us (`CARGO`, set by `cargo run`) and returns
/// the path of its binary. Cargo's own errors go straight to the reader's terminal.
pub fn build(package: &str) -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let output = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "--message-format=json-render-diagnostics",
        ])
        .args(["-p", package])
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|error| format!("could not run cargo: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "`cargo build -p {package}` failed: your program does not compile yet; cargo's errors are above"
        ));
    }
    executable(&String::from_utf8_lossy(&output.stdout))
        .ok_or_else(|| format!("cargo built {package} but named no executable"))
}

/// The last `"executable":"..."` path in cargo's JSON messages (the package's binary;
/// libraries have `null` there).
pub fn executable(messages: &str) -> Option<PathBuf> {
    const FIELD: &str = "\"executable\":\"";
    messages.lines().rev().find_map(|line| {
        let start = line.find(FIELD)? + FIELD.len();
        let end = start + line[start..].find('"')?;
        Some(PathBuf::from(line[start..end].replace("\\\\", "\\")))
    })
}

/// The address in a program's first line, `listening on 127.0.0.1:PORT ...`.
pub fn listen_address(line: &str) -> Option<SocketAddr> {
    let rest = &line[line.find("listening on ")? + "listening on ".len()..];
    let word = rest.split_whitespace().next()?;
    let word = word.trim_start_matches("ws://").trim_end_matches('/');
    word.parse().ok()
}

/// A running program. Dropping it kills the program, so no check leaves one behind.
pub struct Program {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    stderr: Arc<Mutex<VecDeque<String>>>,
}

impl Program {
    /// Starts `binary` on `127.0.0.1:0` and waits for the port it prints.
    pub fn start(binary: &PathBuf) -> Result<Program, String> {
        let mut child = Command::new(binary)
            .arg("127.0.0.1:0")
            // A backtrace would push the panic's own message out of the quoted lines.
            .env_remove("RUST_BACKTRACE")
            .env_remove("RUST_LIB_BACKTRACE")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| format!("could not start {}: {error}", binary.display()))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        let lines = spawn_reader(stdout);
        let kept = Arc::new(Mutex::new(VecDeque::new()));
        let kept_by_thread = Arc::clone(&kept);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut kept = kept_by_thread.lock().unwrap_or_else(|p| p.into_inner());
                if kept.len() == 200 {
                    kept.pop_front();
                }
                kept.push_back(line);
            }
        });
        let mut program = Program {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            stderr: kept,
        };
        match lines.recv_timeout(START_TIMEOUT) {
            Ok(line) => match listen_address(&line) {
                Some(addr) => program.addr = addr,
                None => {
                    return Err(format!(
                        "your program's first line was `{line}`; the checker needs `listening on 127.0.0.1:PORT` first, so keep that println! in main"
                    ));
                }
            },
            Err(_) => {
                std::thread::sleep(Duration::from_millis(200));
                return Err(match program.crash_report() {
                    Some(report) => format!("your program did not start: {report}"),
                    None => format!(
                        "your program printed no `listening on` line within {} s",
                        START_TIMEOUT.as_secs()
                    ),
                });
            }
        }
        // Keep reading stdout, so a program that logs every event never blocks on a full pipe.
        std::thread::spawn(move || lines.iter().for_each(drop));
        Ok(program)
    }

    /// If the program has exited or panicked: its status and last stderr lines, and what
    /// to look for. `None` while it runs without a panic.
    pub fn crash_report(&mut self) -> Option<String> {
        let status = self.child.try_wait().ok().flatten();
        let lines: Vec<String> = self
            .stderr
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .cloned()
            .collect();
        describe_crash(status, &lines)
    }
}

impl Drop for Program {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Lines from `source`, each sent as it arrives.
fn spawn_reader(source: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(source).lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    receiver
}

/// The words for a program that exited (`status`) or panicked (a `panicked` line).
pub fn describe_crash(status: Option<ExitStatus>, stderr: &[String]) -> Option<String> {
    let panicked = stderr.iter().any(|line| line.contains("panicked"));
    let what = match status {
        Some(status) => format!("your program exited ({status})"),
        None if panicked => "a thread of your program panicked".to_owned(),
        None => return None,
    };
    // From the last panic on if there was one (the message follows it), else the last lines.
    let from = match stderr.iter().rposition(|line| line.contains("panicked at")) {
        Some(panic) => panic,
        None => stderr.len().saturating_sub(QUOTED_LINES),
    };
    let last = &stderr[from..stderr.len().min(from + QUOTED_LINES)];
    let quoted = if last.is_empty() {
        "\n    (its stderr was empty)".to_owned()
    } else {
        last.iter().map(|line| format!("\n    {line}")).collect()
    };
    Some(format!(
        "{what}; the last lines of its stderr:{quoted}\nLook for the `panicked at` line: it names the file and line where your code gave up, and why."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_binary_in_cargos_messages() {
        let messages = concat!(
            r#"{"reason":"compiler-artifact","target":{"name":"frame"},"executable":null}"#,
            "\n",
            r#"{"reason":"compiler-artifact","target":{"name":"exercise-2-1"},"executable":"/t/debug/exercise-2-1"}"#,
            "\n",
            r#"{"reason":"build-finished","success":true}"#,
        );
        assert_eq!(
            executable(messages),
            Some(PathBuf::from("/t/debug/exercise-2-1"))
        );
        assert_eq!(executable("{}"), None);
    }

    #[test]
    fn reads_the_address_from_the_first_line() {
        let expected: SocketAddr = "127.0.0.1:4321".parse().unwrap();
        assert_eq!(
            listen_address("listening on 127.0.0.1:4321"),
            Some(expected)
        );
        assert_eq!(
            listen_address("listening on ws://127.0.0.1:4321/ (at most 2 clients)"),
            Some(expected)
        );
        assert_eq!(listen_address("hello"), None);
    }

    #[test]
    fn a_running_program_without_a_panic_has_no_crash_report() {
        assert_eq!(describe_crash(None, &["a log line".to_owned()]), None);
    }

    #[test]
    fn a_panic_is_quoted_with_what_to_look_for() {
        let stderr: Vec<String> = (1..=10)
            .map(|i| format!("line {i}"))
            .chain(["thread 'main' panicked at src/main.rs:7:5:".to_owned()])
            .chain(["range end index 40 out of range".to_owned()])
            .collect();
        let report = describe_crash(None, &stderr).unwrap();
        assert!(report.starts_with("a thread of your program panicked"));
        assert!(report.contains("    thread 'main' panicked at src/main.rs:7:5:"));
        assert!(!report.contains("line 10"), "from the panic on: {report}");
        assert!(report.contains("    range end index 40 out of range"));
        assert!(report.contains("Look for the `panicked at` line"));
        let exited = describe_crash(None, &["line 1".to_owned(), "line 2".to_owned()]);
        assert_eq!(exited, None);
    }
}
