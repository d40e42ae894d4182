//! Listing 1-1: the first article's `Simple.php` in thirty lines of plain std. It listens
//! on 127.0.0.1:7777 (or the address given as the first argument), and answers every
//! client with `Hello, Client!` and a hang-up, one client after another.

// ANCHOR: all
#![forbid(unsafe_code)]

use std::io::Write;
use std::net::{Shutdown, TcpListener, TcpStream};

fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or("127.0.0.1:7777".into());
    // One call does the PHP's socket_create, socket_bind and socket_listen.
    let listener = TcpListener::bind(&addr)?;
    // With port 0 the OS picks a free port: print the one we really got.
    println!("Listening on {}", listener.local_addr()?);
    // ANCHOR: accept_loop
    for stream in listener.incoming() {
        match stream {
            Ok(stream) => greet(stream),
            // One failed accept (a client gone before we took it) is no reason to stop.
            Err(error) => eprintln!("accept failed: {error}"),
        }
    }
    // ANCHOR_END: accept_loop
    Ok(())
}

fn greet(mut stream: TcpStream) {
    let peer = stream.peer_addr().map_or(String::new(), |a| a.to_string());
    println!("{peer} greeted");
    // `\r\n` is the line end telnet expects. A client that vanished gets no greeting,
    // and the next client is served all the same.
    if let Err(error) = stream.write_all(b"Hello, Client!\r\n") {
        eprintln!("{peer}: cannot send: {error}");
    }
    // Closing our side is what makes telnet print "Connection closed by foreign host".
    let _ = stream.shutdown(Shutdown::Both);
}
// ANCHOR_END: all
