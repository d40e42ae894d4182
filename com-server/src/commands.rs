//! Commands, as in the first article's server ("the client sends commands and the server
//! executes them"): a message that is exactly `date`, `time`, `country`, `city`, `users`,
//! `help` or `break` (trimmed, a leading `/` allowed), or `/name NEW`. Anything else that
//! starts with `/` is an unknown command; anything else at all is a chat message.

use std::net::SocketAddr;

use cli::log::{log, quoted};

use crate::chat::{MemberId, Rename, Room};
use crate::clock::UtcDateTime;
use crate::names;
use crate::settings::Settings;
use crate::shared::{StopReason, Stopper};

/// What a message asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Today's date, `DD.MM.YYYY` (UTC).
    Date,
    /// The time, `HH:MM:SS UTC`.
    Time,
    /// The `--country` value.
    Country,
    /// The `--city` value.
    City,
    /// Who is online.
    Users,
    /// The command list.
    Help,
    /// Stop the server (if `--allow-break`).
    Break,
    /// `/name NEW`: the new name as typed (not yet sanitized; may be empty).
    Rename(String),
    /// `/something` we do not know, the whole trimmed text.
    Unknown(String),
}

/// The answer to `help`.
pub const HELP: &str = "Commands (a leading / works too): date (DD.MM.YYYY, UTC), \
time (HH:MM:SS, UTC), country, city, users, help, /name NEW (rename yourself), \
break (stop the server, if it allows). Anything else goes to everyone as <name>: <text>.";

/// The answer to `break` without `--allow-break`.
pub const BREAK_DISABLED: &str = "Server: break is disabled (start the server with --allow-break)";

/// The answer to `/name` with nothing visible after it.
pub const RENAME_USAGE: &str =
    "Server: usage: /name NEW (a name with at least one visible character)";

impl Command {
    /// The command in `text`, or `None` for a chat message.
    pub fn parse(text: &str) -> Option<Command> {
        let trimmed = text.trim();
        let word = trimmed.strip_prefix('/').unwrap_or(trimmed);
        let command = match word {
            "date" => Command::Date,
            "time" => Command::Time,
            "country" => Command::Country,
            "city" => Command::City,
            "users" => Command::Users,
            "help" => Command::Help,
            "break" => Command::Break,
            _ => match trimmed.strip_prefix("/name") {
                Some(rest) if rest.is_empty() || rest.starts_with(char::is_whitespace) => {
                    Command::Rename(rest.trim().to_owned())
                }
                _ if trimmed.starts_with('/') => Command::Unknown(trimmed.to_owned()),
                _ => return None,
            },
        };
        Some(command)
    }

    /// The command's word, for the log.
    fn word(&self) -> &'static str {
        match self {
            Command::Date => "date",
            Command::Time => "time",
            Command::Country => "country",
            Command::City => "city",
            Command::Users => "users",
            Command::Help => "help",
            Command::Break => "break",
            Command::Rename(_) => "/name",
            Command::Unknown(_) => "an unknown command",
        }
    }
}

/// The `users` answer: `Users online (2): Alice, Bob`.
pub fn users_line(names: &[String]) -> String {
    format!("Users online ({}): {}", names.len(), names.join(", "))
}

/// Who sent the command.
#[derive(Debug)]
pub struct Caller<'a> {
    /// The member's id in the room.
    pub id: MemberId,
    /// Its address, for the log.
    pub peer: SocketAddr,
    /// Its current name; a rename updates it.
    pub name: &'a mut String,
}

/// Everything a command may need from the server.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The room, to answer through and to rename in.
    pub room: &'a Room,
    /// The flags (`--country`, `--city`, `--allow-break`).
    pub settings: &'a Settings,
    /// Where `break` asks the server to stop.
    pub stopper: &'a Stopper,
}

/// Runs `command` for `caller`: answers it (to the caller only), renames, or stops the
/// server; logs one line.
pub fn run(command: Command, caller: &mut Caller, context: Context) {
    let peer = caller.peer;
    let answer = match &command {
        Command::Date => UtcDateTime::now().date(),
        Command::Time => format!("{} UTC", UtcDateTime::now().time()),
        Command::Country => context.settings.country.clone(),
        Command::City => context.settings.city.clone(),
        Command::Users => users_line(&context.room.names()),
        Command::Help => HELP.to_owned(),
        Command::Unknown(text) => {
            log(format_args!(
                "{peer} {} ran an unknown command {}",
                caller.name,
                quoted(text)
            ));
            context
                .room
                .tell(caller.id, &context.settings.language.unknown_command(text));
            return;
        }
        Command::Rename(wish) => return rename(wish, caller, context),
        Command::Break if context.settings.allow_break => {
            log(format_args!(
                "{peer} {} ran break: stopping the server",
                caller.name
            ));
            context.stopper.request(StopReason::Break {
                name: caller.name.clone(),
            });
            return;
        }
        Command::Break => {
            log(format_args!("{peer} {} ran break (disabled)", caller.name));
            context.room.tell(caller.id, BREAK_DISABLED);
            return;
        }
    };
    log(format_args!(
        "{peer} {} ran {}",
        caller.name,
        command.word()
    ));
    context.room.tell(caller.id, &answer);
}

fn rename(wish: &str, caller: &mut Caller, context: Context) {
    let peer = caller.peer;
    let wish = names::sanitize(wish);
    if wish.is_empty() {
        log(format_args!(
            "{peer} {} ran /name without a name",
            caller.name
        ));
        context.room.tell(caller.id, RENAME_USAGE);
        return;
    }
    match context.room.rename(caller.id, &wish) {
        Rename::Renamed { old, new } => {
            log(format_args!("{peer} {old} renamed to {new}"));
            *caller.name = new;
        }
        Rename::Unchanged(name) => {
            log(format_args!("{peer} {name} ran /name with its own name"));
            context
                .room
                .tell(caller.id, &format!("Server: you are already called {name}"));
        }
        Rename::NotMember => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_words_trimmed_with_or_without_a_slash() {
        assert_eq!(Command::parse("date"), Some(Command::Date));
        assert_eq!(Command::parse("  /time \n"), Some(Command::Time));
        assert_eq!(Command::parse("/country"), Some(Command::Country));
        assert_eq!(Command::parse("city"), Some(Command::City));
        assert_eq!(Command::parse("users"), Some(Command::Users));
        assert_eq!(Command::parse("/help"), Some(Command::Help));
        assert_eq!(Command::parse("break"), Some(Command::Break));
    }

    #[test]
    fn other_text_is_chat() {
        for text in [
            "Date",
            "date please",
            "what time is it",
            "",
            "name Bob",
            "break it",
        ] {
            assert_eq!(Command::parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn rename_takes_the_rest_of_the_line() {
        assert_eq!(
            Command::parse("/name  Bogdan K. "),
            Some(Command::Rename("Bogdan K.".into()))
        );
        assert_eq!(
            Command::parse("/name"),
            Some(Command::Rename(String::new()))
        );
        assert_eq!(
            Command::parse("/names"),
            Some(Command::Unknown("/names".into()))
        );
    }

    #[test]
    fn other_slashes_are_unknown_commands() {
        assert_eq!(
            Command::parse(" /dance now "),
            Some(Command::Unknown("/dance now".into()))
        );
        assert_eq!(
            Command::parse("//date"),
            Some(Command::Unknown("//date".into()))
        );
        assert_eq!(
            crate::language::Language::English.unknown_command("/dance now"),
            "Unknown command: /dance now. Try help."
        );
    }

    #[test]
    fn users_line_counts_and_lists() {
        let names = vec!["Alice".to_owned(), "Богдан".to_owned()];
        assert_eq!(users_line(&names), "Users online (2): Alice, Богдан");
    }
}
