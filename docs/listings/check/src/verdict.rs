//! What a check says: a `PASS` line for each thing that worked, or one `FAIL` line that
//! names what happened and what RFC 6455 (or the exercise) expects instead.

use std::fmt;

/// The first thing that went wrong, in three parts so every verdict reads the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// What the reader's program did.
    pub what: String,
    /// Whose rule it broke: "RFC 6455 section 4.2.2", "the exercise".
    pub rule: String,
    /// What that rule expects.
    pub expects: String,
}

impl Failure {
    /// A failure against `rule` ("RFC 6455 section 5.1", "the exercise").
    pub fn new(what: impl Into<String>, rule: &str, expects: impl Into<String>) -> Failure {
        Failure {
            what: what.into(),
            rule: rule.to_owned(),
            expects: expects.into(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "{}; {} expects {}",
            self.what, self.rule, self.expects
        )
    }
}

/// The `PASS` lines of one exercise, printed as they happen so a slow check shows progress.
pub struct Report {
    id: &'static str,
    passes: Vec<String>,
}

impl Report {
    /// An empty report for exercise `id` ("2.1").
    pub fn new(id: &'static str) -> Report {
        Report {
            id,
            passes: Vec::new(),
        }
    }

    /// Records and prints one thing that worked.
    pub fn pass(&mut self, what: impl Into<String>) {
        let line = format!("PASS {}: {}", self.id, what.into());
        println!("{line}");
        self.passes.push(line);
    }

    /// How many things passed.
    pub fn passes(&self) -> usize {
        self.passes.len()
    }
}

/// The line for a failed exercise, with the crash report (if the program died) after it.
pub fn fail_line(id: &str, failure: &Failure, crash: Option<&str>) -> String {
    match crash {
        Some(crash) => format!("FAIL {id}: {failure}\n{crash}"),
        None => format!("FAIL {id}: {failure}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_names_the_rule_and_what_it_expects() {
        let failure = Failure::new(
            "your server answered `HTTP/1.1 200 OK`",
            "RFC 6455 section 4.2.2",
            "`HTTP/1.1 101 Switching Protocols`",
        );
        assert_eq!(
            fail_line("2.1", &failure, None),
            "FAIL 2.1: your server answered `HTTP/1.1 200 OK`; RFC 6455 section 4.2.2 expects `HTTP/1.1 101 Switching Protocols`"
        );
        assert!(fail_line("2.1", &failure, Some("it crashed")).ends_with("\nit crashed"));
    }

    #[test]
    fn a_report_counts_its_passes() {
        let mut report = Report::new("9.9");
        report.pass("one");
        report.pass("two");
        assert_eq!(report.passes(), 2);
    }
}
