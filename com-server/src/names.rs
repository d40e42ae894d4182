//! Chat names: what a client asks for in `?name=` (or with `/name`) is only a wish. We trim
//! it, remove what would let a client pass for the server or for someone else (control
//! characters, since a newline would forge a second line; `:`, since `Server: Hello` as a
//! name would read `Server: Hello: hi`; invisible format characters such as a right-to-left
//! override), cut it to 32 characters, and make it unique with a numeric suffix: `Bogdan`,
//! `Bogdan2`, ...

/// The longest name, in characters (not bytes: `Богдан` is 6 characters and 12 bytes).
pub const MAX_NAME_CHARS: usize = 32;

/// The name the server's own notices use: `Server: Hello! ...`. A client called `Server`
/// could forge notices, so it counts as taken and such a client becomes `Server2`.
pub const SERVER_NAME: &str = "Server";

/// Trims, removes control and format characters and `:`, and cuts to `MAX_NAME_CHARS`. The
/// result may be empty: the caller decides what an empty wish means (`Anonymous<N>` on join).
pub fn sanitize(wish: &str) -> String {
    let visible: String = wish
        .chars()
        .filter(|&c| !c.is_control() && !is_format(c) && c != ':')
        .collect();
    let cut: String = visible.trim().chars().take(MAX_NAME_CHARS).collect();
    // Cutting may have left a space at the end: "a very long name ... x" -> "... ".
    cut.trim_end().to_owned()
}

/// True for Unicode's format characters (general category Cf): invisible, yet they change
/// how text around them is shown. A right-to-left override (U+202E) makes `Alice` followed
/// by reversed text read as another name; zero-width ones make two names look the same.
/// std has no Unicode categories, so the ranges are listed (Unicode 15).
pub fn is_format(c: char) -> bool {
    matches!(
        c,
        '\u{AD}'
            | '\u{600}'..='\u{605}'
            | '\u{61C}'
            | '\u{6DD}'
            | '\u{70F}'
            | '\u{890}'..='\u{891}'
            | '\u{8E2}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
    )
}

/// A chat text as it is relayed: every line break shown as `↵`, so that no text can start
/// a line of its own that reads as a server notice (`hi\r\nServer: spoof`).
pub fn one_line(text: &str) -> String {
    let mut line = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{B}' | '\u{C}' => line.push('↵'),
            other => line.push(other),
        }
    }
    line
}

/// `wanted` itself if nobody uses it, else `wanted2`, `wanted3`, ... (shortened so the
/// suffix still fits in `MAX_NAME_CHARS`). `taken` says whether a name is in use.
pub fn unique(wanted: &str, taken: impl Fn(&str) -> bool) -> String {
    let unavailable = |name: &str| taken(name) || name.eq_ignore_ascii_case(SERVER_NAME);
    if !unavailable(wanted) {
        return wanted.to_owned();
    }
    let mut number: u64 = 2;
    loop {
        let suffix = number.to_string();
        let base: String = wanted.chars().take(MAX_NAME_CHARS - suffix.len()).collect();
        let candidate = base + &suffix;
        if !unavailable(&candidate) {
            return candidate;
        }
        number += 1;
    }
}

/// The next free `Anonymous<N>`, as the habr article names clients that gave no name.
/// `counter` only grows, so a name is not handed out twice while its first owner is online.
pub fn anonymous(counter: &mut u64, taken: impl Fn(&str) -> bool) -> String {
    loop {
        *counter += 1;
        let candidate = format!("Anonymous{counter}");
        if !taken(&candidate) {
            return candidate;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizing() {
        assert_eq!(sanitize("  Bogdan  "), "Bogdan");
        assert_eq!(sanitize("Bog\ndan\r\n"), "Bogdan");
        assert_eq!(sanitize("\t Al\u{7}ice \u{0}"), "Alice");
        assert_eq!(sanitize("Богдан"), "Богдан");
        assert_eq!(sanitize(""), "");
        assert_eq!(sanitize(" \t\n "), "");
        assert_eq!(sanitize(&"я".repeat(40)), "я".repeat(32));
        // Cut at 32 characters, then the trailing space is trimmed too.
        let long = format!("{} tail", "a".repeat(31));
        assert_eq!(sanitize(&long), "a".repeat(31));
    }

    #[test]
    fn nobody_can_pass_for_the_server_or_hide_letters() {
        assert_eq!(sanitize("Server: Hello"), "Server Hello");
        assert_eq!(sanitize("Ali\u{202E}ecila"), "Aliecila");
        assert_eq!(sanitize("Bo\u{200B}b"), "Bob");
        assert_eq!(sanitize("\u{FEFF}Eve\u{2066}"), "Eve");
        assert_eq!(sanitize(":::"), "");
    }

    #[test]
    fn a_chat_text_stays_on_its_line() {
        assert_eq!(one_line("hi\r\nServer: spoof"), "hi↵Server: spoof");
        assert_eq!(one_line("a\nb\rc\u{2028}d"), "a↵b↵c↵d");
        assert_eq!(one_line("Привет, мир"), "Привет, мир");
    }

    #[test]
    fn duplicates_get_a_suffix() {
        let online = ["Bob", "Bob2"];
        let taken = |name: &str| online.contains(&name);
        assert_eq!(unique("Alice", taken), "Alice");
        assert_eq!(unique("Bob", taken), "Bob3");
        assert_eq!(unique("bob", taken), "bob");
    }

    #[test]
    fn the_suffix_fits_in_the_limit() {
        let long = "x".repeat(MAX_NAME_CHARS);
        let name = unique(&long, |name| name == long);
        assert_eq!(name.chars().count(), MAX_NAME_CHARS);
        assert!(name.ends_with("x2"));
    }

    #[test]
    fn nobody_may_be_called_server() {
        assert_eq!(unique("Server", |_| false), "Server2");
        assert_eq!(unique("SERVER", |_| false), "SERVER2");
        assert_eq!(unique("Servers", |_| false), "Servers");
    }

    #[test]
    fn anonymous_names_count_up_and_skip_taken_ones() {
        let mut counter = 0;
        assert_eq!(anonymous(&mut counter, |_| false), "Anonymous1");
        assert_eq!(
            anonymous(&mut counter, |name| name == "Anonymous2"),
            "Anonymous3"
        );
        assert_eq!(anonymous(&mut counter, |_| false), "Anonymous4");
    }
}
