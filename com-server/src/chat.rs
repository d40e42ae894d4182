//! The chat room: who is online under which name, and every line the room sends. All of it
//! happens under one lock, and a line is encoded once (`frame::EncodedMessage`) and queued
//! on each member's connection while the lock is held, so every client sees the room's
//! lines in one and the same order: a sender's messages in the order sent, and a
//! newcomer's greeting before any notice. The writers that were asleep are woken after
//! the lock is let go: a wake-up is a system call, and the next sender should not wait
//! for a hundred of them.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use cli::log::log;
use frame::{CloseCode, EncodedMessage};

use crate::names;
use crate::outbox::{Outbox, PushError, Queued};

/// A member's number, unique for the life of the server (names can change).
pub type MemberId = u64;

/// `Server: Hello! Welcome to Chat, <name>`: the newcomer's first message.
pub fn greeting(name: &str) -> String {
    format!("Server: Hello! Welcome to Chat, {name}")
}

/// `Server: New User(<name>) in Chat!`: what everyone else is told.
pub fn joined_notice(name: &str) -> String {
    format!("Server: New User({name}) in Chat!")
}

/// `Server: <name> left the chat`, whether it closed, failed or timed out.
pub fn left_notice(name: &str) -> String {
    format!("Server: {name} left the chat")
}

/// `Server: <old> is now known as <new>`: what everyone else is told about a rename.
pub fn renamed_notice(old: &str, new: &str) -> String {
    format!("Server: {old} is now known as {new}")
}

/// `Server: you are now known as <new>`: the renamed member's confirmation.
pub fn rename_confirmation(new: &str) -> String {
    format!("Server: you are now known as {new}")
}

/// `<name>: <text>`: a chat line, as the habr article relays it.
pub fn chat_line(name: &str, text: &str) -> String {
    format!("{name}: {text}")
}

/// The result of `/name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rename {
    /// The member now has a new name (maybe with a suffix, if the wish was taken).
    Renamed {
        /// The name before.
        old: String,
        /// The name now.
        new: String,
    },
    /// The wish came out as the name the member already has.
    Unchanged(String),
    /// The caller is no longer in the room.
    NotMember,
}

/// Everyone online.
#[derive(Debug, Default)]
pub struct Room {
    members: Mutex<Members>,
}

#[derive(Debug, Default)]
struct Members {
    list: Vec<Member>,
    last_id: MemberId,
    anonymous_count: u64,
    stopping: bool,
}

#[derive(Debug)]
struct Member {
    id: MemberId,
    peer: SocketAddr,
    name: String,
    outbox: Arc<Outbox>,
}

/// Who gets a line.
#[derive(Debug, Clone, Copy)]
enum Recipients {
    Everyone,
    EveryoneBut(MemberId),
    Only(MemberId),
}

impl Recipients {
    fn include(self, id: MemberId) -> bool {
        match self {
            Recipients::Everyone => true,
            Recipients::EveryoneBut(excluded) => id != excluded,
            Recipients::Only(only) => id == only,
        }
    }
}

impl Room {
    /// An empty room.
    pub fn new() -> Room {
        Room::default()
    }

    /// The lock is only held for pushes into queues, which cannot panic; if something
    /// did, the member list is still a valid list and the room carries on.
    fn lock(&self) -> Locked<'_> {
        Locked {
            members: self.members.lock().unwrap_or_else(PoisonError::into_inner),
            wakes: Wakes::default(),
        }
    }

    /// Adds a client under the name it asked for (made unique; `Anonymous<N>` when empty),
    /// greets it and tells the others. `None` once the server is stopping.
    pub fn join(
        &self,
        peer: SocketAddr,
        wish: Option<&str>,
        outbox: Arc<Outbox>,
    ) -> Option<(MemberId, String)> {
        let mut members = self.lock();
        if members.stopping {
            return None;
        }
        let name = members.free_name(wish.map(names::sanitize), None);
        members.last_id += 1;
        let id = members.last_id;
        // The greeting is queued before the newcomer is on the list, under the lock that
        // every notice needs: no other line can reach this client before it.
        // An empty outbox cannot be full, and a closed one needs no greeting.
        if let Ok(queued) = outbox.queue(&EncodedMessage::text(&greeting(&name))) {
            members.wakes.owe(&outbox, queued);
        }
        members.deliver(
            EncodedMessage::text(&joined_notice(&name)),
            Recipients::Everyone,
        );
        members.list.push(Member {
            id,
            peer,
            name: name.clone(),
            outbox,
        });
        Some((id, name))
    }

    /// Removes a member and tells the others. False if it was not in the room (already
    /// evicted, or the server is stopping).
    pub fn leave(&self, id: MemberId) -> bool {
        let mut members = self.lock();
        match members.remove(id) {
            Some(member) => {
                members.deliver(
                    EncodedMessage::text(&left_notice(&member.name)),
                    Recipients::Everyone,
                );
                true
            }
            None => false,
        }
    }

    /// Sends `<name>: <text>` to everyone, the sender included.
    // ANCHOR: say
    pub fn say(&self, id: MemberId, text: &str) {
        let mut members = self.lock();
        if let Some(index) = members.position(id) {
            let line = chat_line(&members.list[index].name, &names::one_line(text));
            members.deliver(EncodedMessage::text(&line), Recipients::Everyone);
        }
    }
    // ANCHOR_END: say

    /// Sends `text` to one member only (a command's answer). Going through the room keeps
    /// it in order with the room's lines: `users` never lists someone whose join notice
    /// has not arrived yet.
    pub fn tell(&self, id: MemberId, text: &str) {
        self.lock()
            .deliver(EncodedMessage::text(text), Recipients::Only(id));
    }

    /// The names online, in the order they joined.
    pub fn names(&self) -> Vec<String> {
        self.lock()
            .list
            .iter()
            .map(|member| member.name.clone())
            .collect()
    }

    /// Renames a member to `wish` (already sanitized, not empty), made unique; confirms
    /// to the member and tells the others.
    pub fn rename(&self, id: MemberId, wish: &str) -> Rename {
        let mut members = self.lock();
        let Some(index) = members.position(id) else {
            return Rename::NotMember;
        };
        let new = members.free_name(Some(wish.to_owned()), Some(id));
        let old = std::mem::replace(&mut members.list[index].name, new.clone());
        if old == new {
            return Rename::Unchanged(new);
        }
        members.deliver(
            EncodedMessage::text(&rename_confirmation(&new)),
            Recipients::Only(id),
        );
        members.deliver(
            EncodedMessage::text(&renamed_notice(&old, &new)),
            Recipients::EveryoneBut(id),
        );
        Rename::Renamed { old, new }
    }

    /// Evicts a member whose own outbox turned out full (its reader could not queue a
    /// pong), exactly as a broadcast would have.
    pub fn evict(&self, id: MemberId, outbox: &Outbox) {
        let mut members = self.lock();
        match members.evict(id) {
            Some(name) => members.deliver(
                EncodedMessage::text(&left_notice(&name)),
                Recipients::Everyone,
            ),
            None => {
                outbox.evict();
            }
        }
    }

    /// Closes every member's connection with `code` and `reason` and lets nobody in any
    /// more. Returns how many were online.
    pub fn stop(&self, code: CloseCode, reason: &str) -> usize {
        let mut members = self.lock();
        members.stopping = true;
        let online = members.list.len();
        for member in members.list.drain(..) {
            member.outbox.close(code, reason);
        }
        online
    }
}

/// The room's lock, held: the members, and the writers to wake once it is let go.
struct Locked<'a> {
    // Fields are dropped in the order declared: the lock is let go before the writers
    // are woken, so that a woken writer and the next sender do not wait for each other.
    members: MutexGuard<'a, Members>,
    wakes: Wakes,
}

/// Sleeping writers owed a wake; woken when dropped.
#[derive(Default)]
struct Wakes(Vec<Arc<Outbox>>);

impl Drop for Wakes {
    fn drop(&mut self) {
        for outbox in self.0.drain(..) {
            outbox.wake_writer();
        }
    }
}

impl Wakes {
    /// Remembers `outbox`'s writer if queuing a line found it asleep.
    fn owe(&mut self, outbox: &Arc<Outbox>, queued: Queued) {
        if queued == Queued::WriterAsleep {
            self.0.push(outbox.clone());
        }
    }
}

impl std::ops::Deref for Locked<'_> {
    type Target = Members;
    fn deref(&self) -> &Members {
        &self.members
    }
}

impl std::ops::DerefMut for Locked<'_> {
    fn deref_mut(&mut self) -> &mut Members {
        &mut self.members
    }
}

impl Locked<'_> {
    /// Queues `line` on each recipient's connection. A recipient whose outbox is full is
    /// evicted (close 1008), and its departure is itself a line for everyone, which may
    /// evict another: hence the work list instead of recursion.
    fn deliver(&mut self, line: EncodedMessage, recipients: Recipients) {
        let mut pending = VecDeque::from([(line, recipients)]);
        while let Some((line, recipients)) = pending.pop_front() {
            let mut full = Vec::new();
            // What queuing left to do for one member: a writer to wake, or an eviction.
            let wakes = &mut self.wakes;
            let mut settle = |member: &Member, queued: Result<Queued, PushError>| match queued {
                Ok(queued) => wakes.owe(&member.outbox, queued),
                Err(PushError::Full) => full.push(member.id),
                Err(PushError::Closed) => {}
            };
            // Members whose reader or writer holds their connection right now get the line
            // after the others: nobody waits for one busy member while the room is locked.
            // Every member still has this line before the next, as the lock is kept.
            let mut busy = Vec::new();
            for member in &self.members.list {
                if !recipients.include(member.id) {
                    continue;
                }
                match member.outbox.try_queue(&line) {
                    Some(queued) => settle(member, queued),
                    None => busy.push(member),
                }
            }
            for member in busy {
                settle(member, member.outbox.queue(&line));
            }
            for id in full {
                if let Some(name) = self.members.evict(id) {
                    pending.push_back((
                        EncodedMessage::text(&left_notice(&name)),
                        Recipients::Everyone,
                    ));
                }
            }
        }
    }
}

impl Members {
    fn position(&self, id: MemberId) -> Option<usize> {
        self.list.iter().position(|member| member.id == id)
    }

    fn remove(&mut self, id: MemberId) -> Option<Member> {
        // `remove`, not `swap_remove`: `users` lists members in the order they joined.
        self.position(id).map(|index| self.list.remove(index))
    }

    /// A name nobody else has: the sanitized wish made unique, or `Anonymous<N>` when the
    /// wish is missing or empty. `renaming` is left out of the comparison (a member may
    /// "rename" to its own name).
    fn free_name(&mut self, wish: Option<String>, renaming: Option<MemberId>) -> String {
        let list = &self.list;
        let taken = |candidate: &str| {
            list.iter()
                .any(|member| member.name == candidate && Some(member.id) != renaming)
        };
        match wish.filter(|wish| !wish.is_empty()) {
            Some(wish) => names::unique(&wish, taken),
            None => names::anonymous(&mut self.anonymous_count, taken),
        }
    }

    /// Removes a member whose outbox is full and queues close 1008 for it. Returns its
    /// name, for the notice the caller still has to deliver.
    fn evict(&mut self, id: MemberId) -> Option<String> {
        let member = self.remove(id)?;
        if member.outbox.evict() {
            log(format_args!(
                "{} {} is too slow (outbox full): closing with {}",
                member.peer,
                member.name,
                CloseCode::PolicyViolation
            ));
        }
        Some(member.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use frame::{Connection, Event, Limits, Role};

    fn peer() -> SocketAddr {
        "127.0.0.1:50312".parse().unwrap()
    }

    /// Everything queued in `outbox`, decoded as a client would.
    fn received(outbox: &Outbox) -> Vec<Event> {
        let mut client = Connection::new(Role::Client, Limits::default());
        client.receive(&outbox.take_queued());
        let mut events = Vec::new();
        while let Ok(Some(event)) = client.next_event() {
            events.push(event);
        }
        events
    }

    fn texts(outbox: &Outbox) -> Vec<String> {
        received(outbox)
            .into_iter()
            .filter_map(|event| match event {
                Event::Text(text) => Some(text),
                _ => None,
            })
            .collect()
    }

    fn new_outbox(limit: usize) -> Arc<Outbox> {
        let connection = Connection::new(Role::Server, Limits::default());
        Arc::new(Outbox::new(connection, limit, Vec::new()))
    }

    fn join(room: &Room, wish: Option<&str>, limit: usize) -> (MemberId, Arc<Outbox>) {
        let outbox = new_outbox(limit);
        let (id, _) = room.join(peer(), wish, outbox.clone()).unwrap();
        (id, outbox)
    }

    #[test]
    fn greeting_first_then_notices_to_the_others_only() {
        let room = Room::new();
        let (_, alice) = join(&room, Some("Alice"), 1 << 20);
        let (_, bob) = join(&room, Some("Bob"), 1 << 20);
        let (_, carol) = join(&room, None, 1 << 20);
        assert_eq!(
            texts(&alice),
            [
                "Server: Hello! Welcome to Chat, Alice",
                "Server: New User(Bob) in Chat!",
                "Server: New User(Anonymous1) in Chat!"
            ]
        );
        assert_eq!(
            texts(&bob),
            [
                "Server: Hello! Welcome to Chat, Bob",
                "Server: New User(Anonymous1) in Chat!"
            ]
        );
        assert_eq!(
            texts(&carol),
            ["Server: Hello! Welcome to Chat, Anonymous1"]
        );
    }

    #[test]
    fn chat_goes_to_everyone_and_leaving_is_announced() {
        let room = Room::new();
        let (_, alice) = join(&room, Some("Alice"), 1 << 20);
        let (bob_id, bob) = join(&room, Some("Alice"), 1 << 20);
        texts(&alice);
        texts(&bob);
        room.say(bob_id, "hi");
        assert!(room.leave(bob_id));
        assert!(!room.leave(bob_id));
        room.say(bob_id, "ignored: Bob is gone");
        assert_eq!(
            texts(&alice),
            ["Alice2: hi", "Server: Alice2 left the chat"]
        );
        assert_eq!(texts(&bob), ["Alice2: hi"]);
        assert_eq!(room.names(), ["Alice"]);
    }

    #[test]
    fn renames_are_confirmed_and_announced() {
        let room = Room::new();
        let (alice_id, alice) = join(&room, Some("Alice"), 1 << 20);
        let (_, bob) = join(&room, Some("Bob"), 1 << 20);
        texts(&alice);
        texts(&bob);
        assert_eq!(
            room.rename(alice_id, "Bob"),
            Rename::Renamed {
                old: "Alice".into(),
                new: "Bob2".into()
            }
        );
        assert_eq!(
            room.rename(alice_id, "Bob2"),
            Rename::Unchanged("Bob2".into())
        );
        assert_eq!(texts(&alice), ["Server: you are now known as Bob2"]);
        assert_eq!(texts(&bob), ["Server: Alice is now known as Bob2"]);
    }

    #[test]
    fn a_full_outbox_is_evicted_and_its_departure_announced() {
        let room = Room::new();
        let (_, slow) = join(&room, Some("Slow"), 200);
        let (fast_id, fast) = join(&room, Some("Fast"), 1 << 20);
        texts(&fast);
        // "Slow" never drains its outbox; "Fast" does.
        for number in 0..10 {
            room.say(fast_id, &format!("message number {number}"));
        }
        let lines = texts(&fast);
        let chat: Vec<&String> = lines
            .iter()
            .filter(|line| line.starts_with("Fast: "))
            .collect();
        let expected: Vec<String> = (0..10)
            .map(|n| format!("Fast: message number {n}"))
            .collect();
        assert_eq!(
            chat,
            expected.iter().collect::<Vec<_>>(),
            "nothing lost for Fast"
        );
        let notices: Vec<&String> = lines
            .iter()
            .filter(|line| line.starts_with("Server: "))
            .collect();
        assert_eq!(notices, ["Server: Slow left the chat"]);
        assert_eq!(room.names(), ["Fast"]);
        match received(&slow).last() {
            Some(Event::Close(Some(close))) => assert_eq!(close.code, CloseCode::PolicyViolation),
            other => panic!("expected close 1008 last, got {other:?}"),
        }
    }

    #[test]
    fn stopping_closes_everyone_and_refuses_newcomers() {
        let room = Room::new();
        let (_, alice) = join(&room, Some("Alice"), 1 << 20);
        assert_eq!(room.stop(CloseCode::GoingAway, "stopped by Alice"), 1);
        match received(&alice).last() {
            Some(Event::Close(Some(close))) => {
                assert_eq!(close.code, CloseCode::GoingAway);
                assert_eq!(close.reason, "stopped by Alice");
            }
            other => panic!("expected close 1001, got {other:?}"),
        }
        let late = new_outbox(100);
        assert!(room.join(peer(), Some("Late"), late).is_none());
    }
}
