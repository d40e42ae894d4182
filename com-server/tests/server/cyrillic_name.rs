//! Names are percent-decoded UTF-8: `?name=%D0%91%D0%BE%D0%B3%D0%B4%D0%B0%D0%BD` is
//! Богдан, as a browser encodes `ws://127.0.0.1:7773/?name=Богдан`.

use crate::common;

use common::{join, join_with_query, next_text, send, wait_for_log};

#[test]
fn a_percent_encoded_cyrillic_name_is_decoded() {
    let server = common::start(&[]);
    let mut alice = join(&server, "Alice");
    let (mut bogdan, name) = join_with_query(&server, "?name=%D0%91%D0%BE%D0%B3%D0%B4%D0%B0%D0%BD");
    assert_eq!(name, "Богдан");
    assert_eq!(next_text(&mut alice), "Server: New User(Богдан) in Chat!");

    send(&mut bogdan, "Привет, мир!");
    assert_eq!(next_text(&mut bogdan), "Богдан: Привет, мир!");
    assert_eq!(next_text(&mut alice), "Богдан: Привет, мир!");
    wait_for_log(&server, "connected as Богдан");
}
