//! The command-line conventions all three servers share: `--flag value` or `--flag=value`,
//! `--help` lists every flag with its default and exits 0, and a mistake is one line on
//! stderr and exit code 2. Small enough to read, so no argument-parsing dependency.

use std::fmt;
use std::str::FromStr;

/// One flag a program accepts.
#[derive(Debug, Clone, Copy)]
pub struct Flag {
    /// The name without dashes: `addr` for `--addr`.
    pub name: &'static str,
    /// The placeholder for its value (`HOST:PORT`), or `None` for an on/off switch.
    pub value_name: Option<&'static str>,
    /// The default as text, shown by `--help` (empty: no default).
    pub default: &'static str,
    /// What it does, in one line.
    pub help: &'static str,
}

impl Flag {
    /// A flag that takes a value.
    pub const fn value(
        name: &'static str,
        value_name: &'static str,
        default: &'static str,
        help: &'static str,
    ) -> Flag {
        Flag {
            name,
            value_name: Some(value_name),
            default,
            help,
        }
    }

    /// An on/off switch, off unless given.
    pub const fn switch(name: &'static str, help: &'static str) -> Flag {
        Flag {
            name,
            value_name: None,
            default: "",
            help,
        }
    }
}

/// Why parsing stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliError {
    /// `--help` was given: the text to print on stdout, then exit 0.
    Help(String),
    /// A mistake: the line to print on stderr, then exit 2.
    Usage(String),
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Help(text) | CliError::Usage(text) => f.write_str(text),
        }
    }
}

/// The flags as given on the command line.
#[derive(Debug, Clone)]
pub struct Args {
    program: &'static str,
    given: Vec<(&'static str, String)>,
    flags: &'static [Flag],
    operand: Option<String>,
}

/// Parses `arguments` (without the program name) against `flags`.
pub fn parse(
    program: &'static str,
    about: &str,
    flags: &'static [Flag],
    arguments: impl IntoIterator<Item = String>,
) -> Result<Args, CliError> {
    parse_command_line(program, about, flags, None, arguments)
}

/// Like [`parse`] for a program that also takes one operand that is not a flag (the
/// example client's URL); `operand_name` names it in the help and in errors.
pub fn parse_command_line(
    program: &'static str,
    about: &str,
    flags: &'static [Flag],
    operand_name: Option<&str>,
    arguments: impl IntoIterator<Item = String>,
) -> Result<Args, CliError> {
    let mut given = Vec::new();
    let mut operand = None;
    let mut arguments = arguments.into_iter();
    while let Some(argument) = arguments.next() {
        if argument == "--help" || argument == "-h" {
            return Err(CliError::Help(help_text(
                program,
                about,
                flags,
                operand_name,
            )));
        }
        let Some(stripped) = argument.strip_prefix("--") else {
            match (operand_name, &operand) {
                (Some(_), None) => {
                    operand = Some(argument);
                    continue;
                }
                _ => return Err(usage(program, format!("unexpected argument '{argument}'"))),
            }
        };
        let (name, inline_value) = match stripped.split_once('=') {
            Some((name, value)) => (name, Some(value.to_owned())),
            None => (stripped, None),
        };
        let Some(flag) = flags.iter().find(|flag| flag.name == name) else {
            return Err(usage(program, format!("unknown flag '--{name}'")));
        };
        let value = match (flag.value_name, inline_value) {
            (None, None) => String::new(),
            (None, Some(_)) => return Err(usage(program, format!("--{name} takes no value"))),
            (Some(_), Some(value)) => value,
            (Some(value_name), None) => arguments
                .next()
                .ok_or_else(|| usage(program, format!("--{name} needs a value ({value_name})")))?,
        };
        given.push((flag.name, value));
    }
    if let (Some(name), None) = (operand_name, &operand) {
        return Err(usage(program, format!("missing {name}")));
    }
    Ok(Args {
        program,
        given,
        flags,
        operand,
    })
}

/// Like [`parse`] on the process's own arguments, printing and exiting on `--help` (0)
/// or a mistake (2).
pub fn parse_or_exit(program: &'static str, about: &str, flags: &'static [Flag]) -> Args {
    exit_on_error(parse(program, about, flags, std::env::args().skip(1)))
}

/// Like [`parse_command_line`] on the process's own arguments, exiting like
/// [`parse_or_exit`].
pub fn parse_with_operand_or_exit(
    program: &'static str,
    about: &str,
    flags: &'static [Flag],
    operand_name: &str,
) -> Args {
    exit_on_error(parse_command_line(
        program,
        about,
        flags,
        Some(operand_name),
        std::env::args().skip(1),
    ))
}

fn exit_on_error(parsed: Result<Args, CliError>) -> Args {
    match parsed {
        Ok(args) => args,
        Err(CliError::Help(text)) => {
            print!("{text}");
            std::process::exit(0);
        }
        Err(CliError::Usage(line)) => {
            eprintln!("{line}");
            std::process::exit(2);
        }
    }
}

fn usage(program: &str, problem: String) -> CliError {
    CliError::Usage(format!("{program}: {problem} (try --help)"))
}

fn help_text(program: &str, about: &str, flags: &[Flag], operand_name: Option<&str>) -> String {
    let operand = operand_name
        .map(|name| format!(" {name}"))
        .unwrap_or_default();
    let mut text = format!("{program}: {about}\n\nUsage: {program} [FLAGS]{operand}\n\nFlags:\n");
    for flag in flags {
        let left = match flag.value_name {
            Some(value_name) => format!("--{} {value_name}", flag.name),
            None => format!("--{}", flag.name),
        };
        let default = if flag.default.is_empty() {
            String::new()
        } else {
            format!(" (default: {})", flag.default)
        };
        text.push_str(&format!("  {left:<28} {}{default}\n", flag.help));
    }
    text.push_str(&format!("  {:<28} show this help and exit\n", "--help"));
    text
}

impl Args {
    /// The operand, for programs parsed with [`parse_command_line`].
    pub fn operand(&self) -> Option<&str> {
        self.operand.as_deref()
    }

    /// Was the switch given?
    pub fn switch(&self, name: &str) -> bool {
        self.given.iter().any(|(given, _)| *given == name)
    }

    /// Every value given for a repeatable flag, in order.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.given
            .iter()
            .filter(|(given, _)| *given == name)
            .map(|(_, value)| value.clone())
            .collect()
    }

    /// The flag's value (the last one given, or its default) parsed as `T`.
    pub fn value<T: FromStr>(&self, name: &str) -> Result<T, CliError>
    where
        T::Err: fmt::Display,
    {
        let flag = self
            .flags
            .iter()
            .find(|flag| flag.name == name)
            .expect("value() asked for a flag the program declared");
        let text = self
            .given
            .iter()
            .rev()
            .find(|(given, _)| *given == name)
            .map(|(_, value)| value.as_str())
            .unwrap_or(flag.default);
        text.parse().map_err(|error| {
            usage(
                self.program,
                format!("invalid value '{text}' for --{name}: {error}"),
            )
        })
    }

    /// Like [`Args::value`], printing the mistake and exiting with code 2.
    pub fn value_or_exit<T: FromStr>(&self, name: &str) -> T
    where
        T::Err: fmt::Display,
    {
        self.value(name).unwrap_or_else(|error| {
            eprintln!("{error}");
            std::process::exit(2);
        })
    }
}

/// Binds the listening socket, or fails the way every server of the suite does: one line
/// on stderr (`Error: cannot bind 127.0.0.1:7776: Address already in use`) and exit code 1.
pub fn bind_or_exit(addr: std::net::SocketAddr) -> std::net::TcpListener {
    std::net::TcpListener::bind(addr).unwrap_or_else(|error| {
        eprintln!(
            "Error: cannot bind {addr}: {}",
            crate::io_errors::describe_io_error(&error)
        );
        std::process::exit(1);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLAGS: &[Flag] = &[
        Flag::value("addr", "HOST:PORT", "127.0.0.1:7776", "where to listen"),
        Flag::value(
            "allowed-origin",
            "ORIGIN",
            "",
            "allow this origin (repeatable)",
        ),
        Flag::switch("verbose", "dissect every frame"),
    ];

    fn parse_words(words: &[&str]) -> Result<Args, CliError> {
        parse("test", "a test", FLAGS, words.iter().map(|w| w.to_string()))
    }

    #[test]
    fn defaults_values_and_switches() {
        let args = parse_words(&[
            "--verbose",
            "--addr=127.0.0.1:1",
            "--allowed-origin",
            "null",
            "--allowed-origin",
            "http://a",
        ])
        .unwrap();
        assert!(args.switch("verbose"));
        assert_eq!(
            args.value::<std::net::SocketAddr>("addr").unwrap().port(),
            1
        );
        assert_eq!(args.all("allowed-origin"), ["null", "http://a"]);
        let defaults = parse_words(&[]).unwrap();
        assert!(!defaults.switch("verbose"));
        assert_eq!(defaults.value::<String>("addr").unwrap(), "127.0.0.1:7776");
    }

    #[test]
    fn mistakes_are_usage_errors() {
        for words in [&["--nope"][..], &["--addr"], &["--verbose=yes"], &["stray"]] {
            assert!(
                matches!(parse_words(words), Err(CliError::Usage(_))),
                "{words:?}"
            );
        }
        let args = parse_words(&["--addr", "nowhere"]).unwrap();
        assert!(matches!(
            args.value::<std::net::SocketAddr>("addr"),
            Err(CliError::Usage(_))
        ));
    }

    #[test]
    fn help_lists_every_flag_with_its_default() {
        let Err(CliError::Help(text)) = parse_words(&["--help"]) else {
            panic!("expected help");
        };
        assert!(text.contains("--addr HOST:PORT"));
        assert!(text.contains("(default: 127.0.0.1:7776)"));
        assert!(text.contains("--verbose"));
    }
}
