//! Every command of the first article's server, answered to the sender only: `date`
//! (DD.MM.YYYY) and `time` (HH:MM:SS UTC) checked against the system's `date -u`,
//! `country` and `city` from the flags, `users` and `help`; trimmed, with or without `/`.

use crate::common;

use std::process::Command;

use common::{ask, join, next_text};

/// `date -u +FORMAT`: an oracle that shares no code with the server.
fn system_date(format: &str) -> String {
    let output = Command::new("date")
        .args(["-u", &format!("+{format}")])
        .output()
        .expect("run date -u");
    String::from_utf8(output.stdout)
        .expect("date prints text")
        .trim()
        .to_owned()
}

fn seconds_of_day(time: &str) -> i64 {
    let parts: Vec<i64> = time
        .split(':')
        .map(|part| part.parse().expect("a number"))
        .collect();
    assert_eq!(parts.len(), 3, "{time}");
    parts[0] * 3600 + parts[1] * 60 + parts[2]
}

#[test]
fn date_is_todays_date_in_utc() {
    let server = common::start(&[]);
    let mut alice = join(&server, "Alice");
    let before = system_date("%d.%m.%Y");
    let answer = ask(&mut alice, "date");
    let after = system_date("%d.%m.%Y");
    // Around midnight the day may change between the three readings.
    assert!(
        answer == before || answer == after,
        "{answer} vs {before}/{after}"
    );
    assert_eq!(answer.len(), 10, "{answer}");
}

#[test]
fn time_is_the_current_utc_time_and_says_so() {
    let server = common::start(&[]);
    let mut alice = join(&server, "Alice");
    let before = seconds_of_day(&system_date("%H:%M:%S"));
    let answer = ask(&mut alice, "time");
    let after = seconds_of_day(&system_date("%H:%M:%S"));
    let time = answer
        .strip_suffix(" UTC")
        .unwrap_or_else(|| panic!("the answer must say UTC: {answer:?}"));
    assert_eq!(time.len(), 8, "HH:MM:SS, got {time:?}");
    let told = seconds_of_day(time);
    let in_order = if before <= after {
        (before..=after).contains(&told)
    } else {
        told >= before || told <= after // midnight passed
    };
    assert!(
        in_order,
        "{time} is not between the readings {before} and {after}"
    );
}

#[test]
fn country_and_city_default_to_the_articles_values() {
    let server = common::start(&[]);
    let mut alice = join(&server, "Alice");
    assert_eq!(ask(&mut alice, "country"), "Russia");
    assert_eq!(ask(&mut alice, "city"), "Moscow");
}

#[test]
fn country_and_city_come_from_the_flags() {
    let server = common::start(&["--country", "Kazakhstan", "--city", "Алматы"]);
    let mut alice = join(&server, "Alice");
    assert_eq!(ask(&mut alice, "country"), "Kazakhstan");
    assert_eq!(ask(&mut alice, "city"), "Алматы");
}

#[test]
fn users_lists_everyone_in_joining_order() {
    let server = common::start(&[]);
    let mut alice = join(&server, "Alice");
    assert_eq!(ask(&mut alice, "users"), "Users online (1): Alice");
    let _bob = join(&server, "Bob");
    assert_eq!(next_text(&mut alice), "Server: New User(Bob) in Chat!");
    assert_eq!(ask(&mut alice, "users"), "Users online (2): Alice, Bob");
}

#[test]
fn help_lists_every_command() {
    let server = common::start(&[]);
    let mut alice = join(&server, "Alice");
    let help = ask(&mut alice, "help");
    for command in [
        "date",
        "time",
        "country",
        "city",
        "users",
        "help",
        "/name NEW",
        "break",
    ] {
        assert!(help.contains(command), "{command} missing from {help:?}");
    }
}

#[test]
fn commands_are_trimmed_and_take_an_optional_slash() {
    let server = common::start(&[]);
    let mut alice = join(&server, "Alice");
    assert_eq!(ask(&mut alice, "/country"), "Russia");
    assert_eq!(ask(&mut alice, "  city \n"), "Moscow");
    assert_eq!(ask(&mut alice, " /users "), "Users online (1): Alice");
    // Not exactly a command word: a chat message.
    assert_eq!(ask(&mut alice, "City"), "Alice: City");
}

#[test]
fn answers_go_to_the_sender_only() {
    let server = common::start(&[]);
    let mut alice = join(&server, "Alice");
    let mut bob = join(&server, "Bob");
    assert_eq!(next_text(&mut alice), "Server: New User(Bob) in Chat!");
    for command in ["date", "time", "country", "city", "users", "help"] {
        ask(&mut alice, command);
    }
    // Had any answer reached Bob, it would be queued before the answer to his question.
    assert_eq!(ask(&mut bob, "country"), "Russia");
    let line = common::wait_for_log(&server, "Alice ran help");
    assert!(line.starts_with("127.0.0.1:"), "{line}");
}
