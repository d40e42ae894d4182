//! The language of the command answers. English is the default; `--lang ru` answers as the
//! PHP command server the first article follows did: `country` is "Россия", `city` is
//! "Москва", and an unknown command gets "Неизвестная команда". Chat lines and notices stay
//! as the habr chat wrote them.

use std::fmt;
use std::str::FromStr;

/// `en` or `ru`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// The default.
    English,
    /// The original's answers.
    Russian,
}

impl Language {
    /// The answer to `country` unless `--country` gives one.
    pub fn country(self) -> &'static str {
        match self {
            Language::English => "Russia",
            Language::Russian => "Россия",
        }
    }

    /// The answer to `city` unless `--city` gives one.
    pub fn city(self) -> &'static str {
        match self {
            Language::English => "Moscow",
            Language::Russian => "Москва",
        }
    }

    /// The answer to an unknown command.
    pub fn unknown_command(self, text: &str) -> String {
        match self {
            Language::English => format!("Unknown command: {text}. Try help."),
            Language::Russian => "Неизвестная команда".to_owned(),
        }
    }
}

impl FromStr for Language {
    type Err = String;

    fn from_str(text: &str) -> Result<Language, String> {
        match text {
            "en" => Ok(Language::English),
            "ru" => Ok(Language::Russian),
            _ => Err("the languages are en and ru".to_owned()),
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Language::English => "en",
            Language::Russian => "ru (the original PHP server's answers)",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_original_answers() {
        let russian: Language = "ru".parse().unwrap();
        assert_eq!((russian.country(), russian.city()), ("Россия", "Москва"));
        assert_eq!(russian.unknown_command("/dance"), "Неизвестная команда");
        assert_eq!(
            Language::English.unknown_command("/dance"),
            "Unknown command: /dance. Try help."
        );
        assert!("de".parse::<Language>().is_err());
    }
}
