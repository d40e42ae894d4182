//! The chat audit: after the run, every session's record of what it received is checked
//! against its own sends and against every other record. Because the room delivers every
//! line under one lock, "exactly once and in order" can be checked precisely, window by
//! window, not just counted.

use std::collections::{HashMap, HashSet};

use crate::chat_clients::{Ending, Line, NameId, Roster, SessionId, SessionRecord};

/// How many failures are described word for word.
const DESCRIBED: usize = 20;

/// What the audit found.
#[derive(Debug, Default)]
pub struct Audit {
    /// Distinct chat lines received by anyone.
    pub messages: u64,
    /// Chat lines received, counting every receiver.
    pub deliveries: u64,
    /// Lines a receiver should have had and did not.
    pub lost: u64,
    /// Lines received twice.
    pub duplicated: u64,
    /// Lines received out of order, and lines after which receivers disagree on what came
    /// next (a reordering, or a loss at a window's edge).
    pub out_of_order: u64,
    /// Notices missing (a name joined again before it left).
    pub notices_lost: u64,
    /// The first failures, in words.
    pub failures: Vec<String>,
}

impl Audit {
    fn fail(&mut self, what: String) {
        if self.failures.len() < DESCRIBED {
            self.failures.push(what);
        }
    }

    /// True when nothing was lost, duplicated or reordered.
    pub fn passed(&self) -> bool {
        self.lost + self.duplicated + self.out_of_order + self.notices_lost == 0
    }
}

/// One receiver's view of one sender: the sequence numbers it got, and where.
#[derive(Debug)]
struct SenderView {
    first: u32,
    last: u32,
    /// Where line `first + k` is in the receiver's record, while the numbers are unbroken.
    positions: Vec<u32>,
    unbroken: bool,
    /// Numbers skipped so far (a late arrival is out of order, not lost). Bounded.
    missing: HashSet<u32>,
    /// The receiver saw the sender's `left the chat` notice after its last line.
    saw_leave: bool,
}

impl SenderView {
    fn position_of(&self, seq: u32) -> Option<usize> {
        if !self.unbroken || seq < self.first {
            return None;
        }
        self.positions
            .get((seq - self.first) as usize)
            .map(|&position| position as usize)
    }
}

/// Who holds a name, in one receiver's view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Holder {
    /// Its `New User` notice came; its first line has not.
    Announced,
    /// Its lines are coming.
    Known(SessionId),
}

/// Checks every record; `roster` names the sessions.
///
/// What makes a precise check possible is how the room works: every line goes into every
/// member's outbox under one lock, so all lines have one global order, and a member
/// receives *every* line from its join (its greeting and the others' `New User` notice
/// are queued under the same lock) until it leaves, stops reading or closes. So each
/// session's record is an unbroken stretch of that one global order. The audit checks:
///
/// 1. per receiver and sender: sequence numbers go up by exactly one (no gap, duplicate
///    or reordering inside the window), and a receiver that saw the sender's `New User`
///    notice starts at the sender's line 1;
/// 2. per sender: it got back its own lines 1, 2, 3, ...; one that closed cleanly got
///    back every line it sent; every receiver that saw its `left the chat` notice got
///    every line up to its last one;
/// 3. every receiver agrees on what follows each line (one global order);
/// 4. per receiver: every member that saw its `New User` notice has no chat line between
///    that notice and the receiver's first line (nothing lost at the start of its window).
pub fn audit(records: &[SessionRecord], roster: &Roster) -> Audit {
    let mut audit = Audit::default();
    let name_of = |session: SessionId| roster.name_of(session).unwrap_or(NameId::MAX);
    let views: Vec<HashMap<SessionId, SenderView>> = records
        .iter()
        .map(|record| read_record(record, roster, &name_of, &mut audit))
        .collect();
    check_senders(records, &views, roster, &mut audit);
    check_one_order(records, &mut audit);
    check_window_starts(records, &views, roster, &mut audit);
    audit
}

/// Step 1: one receiver's record, sender by sender.
fn read_record(
    record: &SessionRecord,
    roster: &Roster,
    name_of: &impl Fn(SessionId) -> NameId,
    audit: &mut Audit,
) -> HashMap<SessionId, SenderView> {
    let receiver = roster.spell(record.name);
    let mut views: HashMap<SessionId, SenderView> = HashMap::new();
    let mut holders: HashMap<NameId, Holder> = HashMap::new();
    for (position, line) in record.lines.iter().enumerate() {
        match *line {
            Line::Joined(name) => {
                if let Some(Holder::Known(_)) = holders.insert(name, Holder::Announced) {
                    audit.notices_lost += 1;
                    audit.fail(format!(
                        "{receiver} (session {}) got `New User({})` while that name's \
                         holder had not left",
                        record.session,
                        roster.spell(name)
                    ));
                }
            }
            Line::Left(name) => {
                if let Some(Holder::Known(sender)) = holders.remove(&name) {
                    if let Some(view) = views.get_mut(&sender) {
                        view.saw_leave = true;
                    }
                }
            }
            Line::Chat { session, seq } => {
                audit.deliveries += 1;
                let name = name_of(session);
                let saw_join = match holders.insert(name, Holder::Known(session)) {
                    Some(Holder::Announced) => true,
                    Some(Holder::Known(other)) if other != session => {
                        audit.notices_lost += 1;
                        audit.fail(format!(
                            "{receiver} (session {}) got a line of session {session} named \
                             {} before session {other}, its previous holder, left",
                            record.session,
                            roster.spell(name)
                        ));
                        false
                    }
                    _ => false,
                };
                match views.get_mut(&session) {
                    None => {
                        if saw_join && seq != 1 {
                            audit.lost += u64::from(seq.saturating_sub(1));
                            audit.fail(format!(
                                "{receiver} (session {}) saw session {session} join, but its \
                                 first line from it was number {seq}",
                                record.session
                            ));
                        }
                        views.insert(
                            session,
                            SenderView {
                                first: seq,
                                last: seq,
                                positions: vec![position as u32],
                                unbroken: true,
                                missing: HashSet::new(),
                                saw_leave: false,
                            },
                        );
                    }
                    Some(view) => check_next(view, seq, position, record.session, session, audit),
                }
            }
        }
    }
    views
}

/// One more line from a sender: it must be the next number.
fn check_next(
    view: &mut SenderView,
    seq: u32,
    position: usize,
    receiver: SessionId,
    sender: SessionId,
    audit: &mut Audit,
) {
    if seq == view.last + 1 {
        view.last = seq;
        if view.unbroken {
            view.positions.push(position as u32);
        }
        return;
    }
    view.unbroken = false;
    if seq > view.last {
        audit.lost += u64::from(seq - view.last - 1);
        audit.fail(format!(
            "session {receiver} got line {seq} of session {sender} after line {}: {} lost",
            view.last,
            seq - view.last - 1
        ));
        for skipped in (view.last + 1..seq).take(10_000) {
            view.missing.insert(skipped);
        }
        view.last = seq;
    } else if view.missing.remove(&seq) {
        // Counted as lost when skipped; it came after all, late.
        audit.lost -= 1;
        audit.out_of_order += 1;
        audit.fail(format!(
            "session {receiver} got line {seq} of session {sender} after line {}",
            view.last
        ));
    } else {
        audit.duplicated += 1;
        audit.fail(format!(
            "session {receiver} got line {seq} of session {sender} again (after line {})",
            view.last
        ));
    }
}

/// Step 2: each sender's own lines, and the receivers that saw it leave.
fn check_senders(
    records: &[SessionRecord],
    views: &[HashMap<SessionId, SenderView>],
    roster: &Roster,
    audit: &mut Audit,
) {
    let mut leaves: HashMap<SessionId, Vec<(SessionId, u32)>> = HashMap::new();
    for (record, record_views) in records.iter().zip(views) {
        for (&sender, view) in record_views {
            if view.saw_leave && sender != record.session {
                leaves
                    .entry(sender)
                    .or_default()
                    .push((record.session, view.last));
            }
        }
    }
    for (record, record_views) in records.iter().zip(views) {
        let name = roster.spell(record.name);
        let own_last = match record_views.get(&record.session) {
            Some(own) => {
                if own.first != 1 {
                    audit.lost += u64::from(own.first.saturating_sub(1));
                    audit.fail(format!(
                        "{name} (session {}) got its own lines back from number {}, not 1",
                        record.session, own.first
                    ));
                }
                own.last
            }
            None => 0,
        };
        if own_last > record.sent {
            audit.duplicated += u64::from(own_last - record.sent);
            audit.fail(format!(
                "{name} (session {}) sent {} lines and got back number {own_last}",
                record.session, record.sent
            ));
        }
        let reports = leaves.remove(&record.session).unwrap_or_default();
        // The sender's last line that reached the room: all it sent if it closed cleanly
        // (the server reads every line before the close), otherwise the furthest any
        // receiver got, which everyone who saw it leave must have got too.
        let final_line = if record.ending == Ending::Clean {
            if own_last < record.sent {
                audit.lost += u64::from(record.sent - own_last);
                audit.fail(format!(
                    "{name} (session {}) closed cleanly after sending {} lines, and got \
                     only {own_last} back",
                    record.session, record.sent
                ));
            }
            record.sent
        } else {
            reports
                .iter()
                .map(|&(_, last)| last)
                .chain([own_last])
                .max()
                .unwrap_or(0)
                .min(record.sent)
        };
        for (receiver, last) in reports {
            if last < final_line {
                audit.lost += u64::from(final_line - last);
                audit.fail(format!(
                    "session {receiver} saw {name} (session {}) leave, having got its lines \
                     only up to {last} of {final_line}",
                    record.session
                ));
            }
        }
    }
}

/// Step 3: every receiver agrees on which chat line follows which.
fn check_one_order(records: &[SessionRecord], audit: &mut Audit) {
    const UNKNOWN: u64 = u64::MAX;
    let key = |session: SessionId, seq: u32| (u64::from(session) << 32) | u64::from(seq);
    let mut next: HashMap<u64, u64> = HashMap::new();
    let mut disputed: HashSet<u64> = HashSet::new();
    for record in records {
        let mut previous: Option<u64> = None;
        for line in &record.lines {
            let Line::Chat { session, seq } = *line else {
                continue;
            };
            let this = key(session, seq);
            if let Some(previous) = previous {
                let agreed = next.entry(previous).or_insert(this);
                if *agreed == UNKNOWN {
                    *agreed = this;
                }
                let agreed = *agreed;
                if agreed != this && disputed.insert(previous) {
                    audit.out_of_order += 1;
                    audit.fail(format!(
                        "receivers disagree on what follows line {} of session {}: session {} \
                         got line {seq} of session {session}, another got line {} of session {}",
                        previous & 0xFFFF_FFFF,
                        previous >> 32,
                        record.session,
                        agreed & 0xFFFF_FFFF,
                        agreed >> 32
                    ));
                }
            }
            previous = Some(this);
        }
        if let Some(last) = previous {
            // Counted as a message even if no record shows what came after it.
            next.entry(last).or_insert(UNKNOWN);
        }
    }
    audit.messages = next.len() as u64;
}

/// Step 4: nobody who saw a session join has a chat line between that notice and the
/// session's own first line.
fn check_window_starts(
    records: &[SessionRecord],
    views: &[HashMap<SessionId, SenderView>],
    roster: &Roster,
    audit: &mut Audit,
) {
    for record in records {
        let Some((first_session, first_seq)) = record.lines.iter().find_map(|line| match *line {
            Line::Chat { session, seq } => Some((session, seq)),
            _ => None,
        }) else {
            continue;
        };
        let mut worst = 0u64;
        let mut notice_missing = false;
        for (witness, witness_views) in records.iter().zip(views) {
            if witness.session == record.session {
                continue;
            }
            let Some(position) = witness_views
                .get(&first_session)
                .and_then(|view| view.position_of(first_seq))
            else {
                continue;
            };
            let mut between = 0u64;
            for line in witness.lines[..position].iter().rev() {
                match *line {
                    Line::Chat { .. } => between += 1,
                    Line::Joined(name) if name == record.name => {
                        worst = worst.max(between);
                        break;
                    }
                    Line::Left(name) if name == record.name => {
                        // The name's previous holder left, and then no `New User` for
                        // this session came, though the witness was there all along.
                        notice_missing = true;
                        break;
                    }
                    _ => {}
                }
            }
        }
        let name = roster.spell(record.name);
        if worst > 0 {
            audit.lost += worst;
            audit.fail(format!(
                "{name} (session {}) missed {worst} line(s) between its join and its first line",
                record.session
            ));
        }
        if notice_missing {
            audit.notices_lost += 1;
            audit.fail(format!(
                "a member present when {name} (session {}) joined never got its `New User` notice",
                record.session
            ));
        }
    }
}
