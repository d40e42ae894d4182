//! `cargo run -p exercise-check -- 2.1`: checks the reader's answer to one of the book's
//! exercises. It builds the reader's program, starts it on a free loopback port, talks to it
//! as an independent client and prints `PASS` lines, or one `FAIL` line saying what RFC 6455
//! expects instead.

#![forbid(unsafe_code)]

mod exercises;
mod program;
mod verdict;
mod wire;

use std::process::ExitCode;

use exercises::{EXERCISES, Exercise};
use program::Program;
use verdict::Report;

const USAGE: &str = "usage: cargo run -p exercise-check -- [--solution] (N.M | --all | --list)
  N.M         check your answer to exercise N.M (the package exercise-N-M)
  --all       check every exercise
  --solution  check the book's worked solutions (solution-N-M) instead";

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
struct Request {
    exercises: Vec<&'static Exercise>,
    solution: bool,
}

impl std::fmt::Debug for Exercise {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}", self.id)
    }
}

impl PartialEq for Exercise {
    fn eq(&self, other: &Exercise) -> bool {
        self.id == other.id
    }
}

impl Eq for Exercise {}

fn parse_args(args: &[String]) -> Result<Option<Request>, String> {
    let mut solution = false;
    let mut exercises = Vec::new();
    for arg in args {
        match arg.as_str() {
            "--solution" => solution = true,
            "--all" => exercises.extend(EXERCISES.iter()),
            "--list" => return Ok(None),
            "-h" | "--help" => return Err(USAGE.to_owned()),
            id => match exercises::find(id) {
                Some(exercise) => exercises.push(exercise),
                None => return Err(format!("there is no exercise `{id}`\n{USAGE}")),
            },
        }
    }
    if exercises.is_empty() {
        return Err(USAGE.to_owned());
    }
    Ok(Some(Request {
        exercises,
        solution,
    }))
}

/// The package that holds the reader's program (or the book's solution) for `id`.
fn package(id: &str, solution: bool) -> String {
    let kind = if solution { "solution" } else { "exercise" };
    format!("{kind}-{}", id.replace('.', "-"))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let request = match parse_args(&args) {
        Ok(Some(request)) => request,
        Ok(None) => {
            for exercise in EXERCISES {
                println!("{}  {}", exercise.id, exercise.summary);
            }
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let failed = request
        .exercises
        .iter()
        .filter(|exercise| !run(exercise, request.solution))
        .count();
    if request.exercises.len() > 1 {
        println!(
            "{} passed, {failed} failed",
            request.exercises.len() - failed
        );
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Builds, starts and checks one program; prints its verdict. Returns true on a pass.
fn run(exercise: &Exercise, solution: bool) -> bool {
    let package = package(exercise.id, solution);
    let mut report = Report::new(exercise.id);
    let started = program::build(&package).and_then(|binary| Program::start(&binary));
    let mut program = match started {
        Ok(program) => program,
        Err(error) => {
            println!("FAIL {}: {error}", exercise.id);
            return false;
        }
    };
    match (exercise.check)(program.addr, &mut report) {
        // A check that passed nothing checked nothing: that is not a pass.
        Ok(()) => report.passes() > 0,
        Err(failure) => {
            // A program that died mid-check explains the failure better than the check does.
            std::thread::sleep(std::time::Duration::from_millis(100));
            let crash = program.crash_report();
            println!(
                "{}",
                verdict::fail_line(exercise.id, &failure, crash.as_deref())
            );
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn one_exercise_or_all_of_them() {
        let request = parse_args(&args("2.1")).unwrap().unwrap();
        assert_eq!(request.exercises.len(), 1);
        assert!(!request.solution);
        let request = parse_args(&args("--all --solution")).unwrap().unwrap();
        assert_eq!(request.exercises.len(), EXERCISES.len());
        assert!(request.solution);
    }

    #[test]
    fn unknown_exercises_and_no_arguments_are_refused() {
        assert!(
            parse_args(&args("9.9"))
                .unwrap_err()
                .contains("no exercise `9.9`")
        );
        assert!(parse_args(&[]).unwrap_err().starts_with("usage"));
        assert_eq!(parse_args(&args("--list")), Ok(None));
    }

    #[test]
    fn packages_are_named_after_the_exercise() {
        assert_eq!(package("2.1", false), "exercise-2-1");
        assert_eq!(package("5.2", true), "solution-5-2");
    }
}
