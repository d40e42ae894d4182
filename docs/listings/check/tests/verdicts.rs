//! The checker, run as a reader runs it: every worked solution must pass, and an untouched
//! starting point must fail with a sentence a reader can act on, so the check can fail.

use std::io::Read;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Building eight programs on a busy machine can take a while; a hung check cannot.
const WATCHDOG: Duration = Duration::from_secs(600);

/// Kills the checker if a test gives up on it.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn check(args: &[&str]) -> Output {
    let child = Command::new(env!("CARGO_BIN_EXE_exercise-check"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the checker starts");
    let mut guard = Guard(child);
    let started = Instant::now();
    let status = loop {
        if let Some(status) = guard.0.try_wait().expect("the checker can be waited for") {
            break status;
        }
        assert!(started.elapsed() < WATCHDOG, "the checker hung: {args:?}");
        std::thread::sleep(Duration::from_millis(50));
    };
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let child = &mut guard.0;
    child
        .stdout
        .take()
        .expect("piped")
        .read_to_end(&mut stdout)
        .expect("stdout");
    child
        .stderr
        .take()
        .expect("piped")
        .read_to_end(&mut stderr)
        .expect("stderr");
    Output {
        status,
        stdout,
        stderr,
    }
}

#[test]
fn every_solution_passes_and_an_untouched_exercise_fails_readably() {
    let solutions = check(&["--all", "--solution"]);
    let stdout = String::from_utf8_lossy(&solutions.stdout);
    assert!(
        solutions.status.success(),
        "a worked solution failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&solutions.stderr)
    );
    assert!(stdout.contains("\n8 passed, 0 failed\n"), "{stdout}");
    assert!(!stdout.contains("FAIL"), "{stdout}");

    let untouched = check(&["2.1"]);
    let stdout = String::from_utf8_lossy(&untouched.stdout);
    assert_eq!(untouched.status.code(), Some(1), "{stdout}");
    assert!(stdout.starts_with("FAIL 2.1: "), "{stdout}");
    assert!(
        stdout.contains("; RFC 6455 section 4.2.2 expects `HTTP/1.1 101 Switching Protocols`"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("panicked"),
        "the checker itself panicked: {stdout}"
    );

    // Every starting point is wrong until the reader fills it in, and each says how.
    let untouched = check(&["--all"]);
    let stdout = String::from_utf8_lossy(&untouched.stdout);
    assert_eq!(untouched.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("\n0 passed, 8 failed\n"), "{stdout}");
    assert_eq!(stdout.matches("FAIL ").count(), 8, "{stdout}");
    assert!(
        stdout.contains("FAIL 3.2: your server echoed an unmasked client frame"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("panicked"),
        "a program or the checker panicked: {stdout}"
    );
}
