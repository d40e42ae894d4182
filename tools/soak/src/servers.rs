//! The two servers under soak. The soak builds nothing: it runs the binaries cargo built
//! next to its own executable, on free loopback ports and with a `--time-limit` of their
//! own, so even a soak killed outright leaves no server running for long.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use testkit::ServerProcess;

/// One running server and where it listens.
pub struct Server {
    /// `echo-server` or `com-server`.
    pub name: &'static str,
    /// The process; dropping it kills the server.
    pub process: ServerProcess,
    /// The address from its `Listening on ws://HOST:PORT/` line.
    pub addr: SocketAddr,
}

/// Finds `program` in the target profile directory the soak runs from
/// (`target/release/soak` -> `target/release/echo-server`).
pub fn locate(program: &str) -> Result<PathBuf, String> {
    let me = std::env::current_exe()
        .map_err(|error| format!("cannot find the soak's own executable: {error}"))?;
    let profile_dir = me.parent().map(Path::to_path_buf).unwrap_or_default();
    let path = profile_dir.join(program);
    if path.is_file() {
        return Ok(path);
    }
    let release = if profile_dir.ends_with("release") {
        " --release"
    } else {
        ""
    };
    Err(format!(
        "cannot find {}: the soak runs the real servers and builds nothing itself; \
         build them first with `cargo build{release} -p echo-server -p com-server`",
        path.display()
    ))
}

/// Starts `program` on a free port with `flags` and waits for its `Listening` line.
pub fn start(name: &'static str, program: &Path, flags: &[String]) -> Result<Server, String> {
    let mut arguments = vec!["--addr".to_owned(), "127.0.0.1:0".to_owned()];
    arguments.extend_from_slice(flags);
    let arguments: Vec<&str> = arguments.iter().map(String::as_str).collect();
    let program_text = program.to_string_lossy();
    let process = ServerProcess::spawn(&program_text, &arguments);
    let Some(line) = process.wait_for_line("Listening on ws://") else {
        return Err(format!(
            "{name} did not start (no Listening line); it printed {:?} {:?}",
            process.lines(),
            process.stderr_lines()
        ));
    };
    let addr = line
        .split("ws://")
        .nth(1)
        .and_then(|rest| rest.trim_end_matches('/').parse().ok())
        .ok_or_else(|| format!("{name}: cannot read an address from {line:?}"))?;
    Ok(Server {
        name,
        process,
        addr,
    })
}

impl Server {
    /// `ws://HOST:PORT/`.
    pub fn url(&self) -> String {
        format!("ws://{}/", self.addr)
    }

    /// True while the process runs (it must not exit before the soak is over).
    pub fn is_running(&mut self) -> bool {
        self.process.wait_exit(Duration::from_millis(50)).is_none()
    }

    /// What the server's own log says went wrong: any panic, on stdout or stderr, and any
    /// protocol failure (`failed 1002 ...`): the soak's clients only ever send valid
    /// frames, so a server that finds one invalid has misread its input.
    pub fn log_problems(&self) -> Vec<String> {
        let stdout = self.process.lines();
        let stderr = self.process.stderr_lines();
        stdout
            .iter()
            .chain(&stderr)
            .filter(|line| line.contains("panicked") || line.contains(" failed "))
            .map(|line| format!("{} printed: {line}", self.name))
            .collect()
    }

    /// How many lines mention a panic.
    pub fn panics(&self) -> usize {
        let stdout = self.process.lines();
        let stderr = self.process.stderr_lines();
        stdout
            .iter()
            .chain(&stderr)
            .filter(|line| line.contains("panicked"))
            .count()
    }
}
