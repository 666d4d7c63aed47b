//! Unit tests per state transition, one named test per row of the
//! "Transactions" table of `lessons-from-erlang-megaco.md`, and the seeded
//! property over thousands of simulated runs.

use std::time::{Duration, Instant};

use super::sim::{self, actions, answer_to, mid, Pair, Side};
use super::*;
use crate::model::{ContextId, MId};

// ---- helpers ---------------------------------------------------------------

fn config(role: Role) -> EngineConfig {
    let side = match role {
        Role::Mgc => Side::Mgc,
        Role::Mg => Side::Mg,
    };
    EngineConfig::new(role, mid(side))
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn message(version: u8, transactions: Vec<Transaction>) -> MegacoMessage {
    MegacoMessage {
        auth_header: None,
        message: Message {
            version,
            mid: MId::Device("peer".into()),
            body: MessageBody::Transactions(transactions),
        },
    }
}

fn request(id: TransactionId, fingerprint: u32) -> Transaction {
    Transaction::Request(TransactionRequest {
        transaction_id: id,
        actions: actions(fingerprint, 1),
    })
}

fn reply_to(id: TransactionId, fingerprint: u32) -> Transaction {
    Transaction::Reply(TransactionReply {
        transaction_id: id,
        imm_ack_required: false,
        result: answer_to(&actions(fingerprint, 1)),
        segment_number: None,
        segmentation_complete: false,
    })
}

fn pending(id: TransactionId) -> Transaction {
    Transaction::Pending(TransactionPending { transaction_id: id })
}

/// Every message sent, in order.
fn sent(engine: &mut Engine<Side>) -> Vec<MegacoMessage> {
    std::iter::from_fn(|| engine.poll_transmit().map(|t| t.message)).collect()
}

/// Every transaction sent, flattened.
fn sent_transactions(engine: &mut Engine<Side>) -> Vec<Transaction> {
    sent(engine)
        .into_iter()
        .flat_map(|m| match m.message.body {
            MessageBody::Transactions(ts) => ts,
            MessageBody::Error(_) => vec![],
        })
        .collect()
}

fn events(engine: &mut Engine<Side>) -> Vec<Event<Side>> {
    std::iter::from_fn(|| engine.poll_event()).collect()
}

/// Runs the engine's timers up to `until`, step by step.
fn advance(engine: &mut Engine<Side>, until: Instant) {
    while let Some(t) = engine.poll_timeout() {
        if t > until {
            break;
        }
        engine.handle_timeout(t);
    }
}

/// Runs every timer to the end; the engine must then hold nothing.
fn run_dry(engine: &mut Engine<Side>) {
    let mut guard = 0;
    while let Some(t) = engine.poll_timeout() {
        engine.handle_timeout(t);
        guard += 1;
        assert!(guard < 100_000);
    }
    assert_eq!(engine.state_entries(), 0);
}

fn count<T>(items: &[T], f: impl Fn(&T) -> bool) -> usize {
    items.iter().filter(|t| f(t)).count()
}

fn is_request(t: &Transaction) -> bool {
    matches!(t, Transaction::Request(_))
}
fn is_reply(t: &Transaction) -> bool {
    matches!(t, Transaction::Reply(_))
}
fn is_ack(t: &Transaction) -> bool {
    matches!(t, Transaction::ResponseAck(_))
}

// ---- the property ------------------------------------------------------------

/// Runs `runs` seeds; returns the summed counters of both sides, to show
/// what the runs exercised.
fn seeded_runs(runs: u64, offset: u64) -> Vec<(&'static str, u64)> {
    let mut totals: Vec<(&'static str, u64)> = Vec::new();
    for seed in offset..offset + runs {
        let mut pair = sim::random_pair(seed);
        pair.run_until_idle();
        pair.check(seed);
        for side in [Side::Mgc, Side::Mg] {
            let c = *pair.engine(side).counters();
            let fields = [
                ("requests_sent", c.requests_sent),
                ("request_retransmissions", c.request_retransmissions),
                ("duplicate_requests", c.duplicate_requests),
                ("replies_received", c.replies_received),
                ("duplicate_replies", c.duplicate_replies),
                ("unexpected_replies", c.unexpected_replies),
                ("pendings_sent", c.pendings_sent),
                ("pendings_received", c.pendings_received),
                ("acks_sent", c.acks_sent),
                ("segments_sent", c.segments_sent),
                ("segment_replies_received", c.segment_replies_received),
                ("timeouts", c.timeouts),
                ("pending_limit_exceeded_sent", c.pending_limit_exceeded_sent),
                (
                    "pending_limit_exceeded_received",
                    c.pending_limit_exceeded_received,
                ),
                ("segment_timeouts", c.segment_timeouts),
                ("cancelled", c.cancelled),
            ];
            if totals.is_empty() {
                totals = fields.to_vec();
            } else {
                for (t, (_, v)) in totals.iter_mut().zip(fields) {
                    t.1 += v;
                }
            }
        }
    }
    totals
}

/// Thousands of seeded runs (20 000 in release, 2000 in debug; `SIM_RUNS`
/// overrides): every request executed at most once, answered or failed
/// exactly once (never both), replies matched to their request, and no
/// state left once the timers have run out.
#[test]
fn seeded_runs_keep_every_invariant() {
    let default = if cfg!(debug_assertions) { 2000 } else { 20_000 };
    let runs = std::env::var("SIM_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    let start = std::time::Instant::now();
    let totals = seeded_runs(runs, 0);
    eprintln!("{runs} seeded runs in {:?}: {totals:?}", start.elapsed());
    for (name, total) in totals {
        if name != "pending_limit_exceeded_received" {
            assert!(total > 0, "the runs never exercised {name}");
        }
    }
}

#[test]
fn lossless_run_answers_everything() {
    let mgc = config(Role::Mgc);
    let mg = config(Role::Mg);
    let net = sim::NetConfig {
        loss: 0.0,
        duplicate: 0.0,
        min_delay: ms(1),
        max_delay: ms(10),
    };
    let mut pair = Pair::new(mgc, mg, net, 7);
    pair.schedule_requests(Side::Mgc, 50, Duration::from_secs(1));
    pair.schedule_requests(Side::Mg, 50, Duration::from_secs(1));
    pair.run_until_idle();
    pair.check(7);
    for side in [Side::Mgc, Side::Mg] {
        let log = &pair.logs[side as usize];
        assert_eq!(log.replies.len(), 50);
        assert_eq!(pair.engine(side).counters().timeouts, 0);
    }
}

// ---- requester transitions ---------------------------------------------------

#[test]
fn request_is_retransmitted_with_backoff_then_times_out() {
    let t0 = Instant::now();
    let mut mgc = Engine::new(config(Role::Mgc));
    let id = mgc.send_request(t0, Side::Mg, 3, actions(1, 1)).unwrap();
    assert_eq!(id, 1);
    assert_eq!(count(&sent_transactions(&mut mgc), is_request), 1);
    // Annex D.1.3: 200 ms doubling, capped at 4 s; 7 retransmissions.
    let mut at = t0;
    for interval in [200, 400, 800, 1600, 3200, 4000, 4000] {
        at += ms(interval);
        assert_eq!(mgc.poll_timeout(), Some(at));
        mgc.handle_timeout(at);
        assert_eq!(count(&sent_transactions(&mut mgc), is_request), 1);
    }
    at += ms(4000);
    assert_eq!(mgc.poll_timeout(), Some(at));
    mgc.handle_timeout(at);
    assert!(sent(&mut mgc).is_empty());
    assert_eq!(
        events(&mut mgc),
        vec![Event::RequestFailed {
            peer: Side::Mg,
            transaction_id: id,
            reason: Failure::TimedOut
        }]
    );
    assert_eq!(mgc.counters().request_retransmissions, 7);
    assert_eq!(mgc.live_transactions(), 0);
    run_dry(&mut mgc);
}

#[test]
fn request_lifetime_bounds_the_retransmissions() {
    let t0 = Instant::now();
    let mut c = config(Role::Mgc);
    c.max_retransmissions = 100;
    c.request_lifetime = Duration::from_secs(5);
    let mut mgc = Engine::new(c);
    let id = mgc.send_request(t0, Side::Mg, 3, actions(1, 1)).unwrap();
    advance(&mut mgc, t0 + Duration::from_secs(5));
    let ev = events(&mut mgc);
    assert!(
        matches!(ev.as_slice(), [Event::RequestFailed { transaction_id, reason: Failure::TimedOut, .. }] if *transaction_id == id)
    );
}

#[test]
fn reliable_transport_never_retransmits() {
    let t0 = Instant::now();
    let mut c = config(Role::Mgc);
    c.reliable_transport = true;
    let mut mgc = Engine::new(c);
    mgc.send_request(t0, Side::Mg, 3, actions(1, 1)).unwrap();
    sent(&mut mgc);
    assert_eq!(mgc.poll_timeout(), Some(t0 + Duration::from_secs(30)));
    advance(&mut mgc, t0 + Duration::from_secs(30));
    assert!(sent(&mut mgc).is_empty());
    assert_eq!(mgc.counters().request_retransmissions, 0);
    assert_eq!(mgc.counters().timeouts, 1);
}

#[test]
fn pending_stops_retransmission_and_arms_long_timer() {
    let t0 = Instant::now();
    let mut mgc = Engine::new(config(Role::Mgc));
    let id = mgc.send_request(t0, Side::Mg, 3, actions(1, 1)).unwrap();
    sent(&mut mgc);
    mgc.handle_message(t0 + ms(50), Side::Mg, message(3, vec![pending(id)]));
    assert_eq!(
        mgc.poll_timeout(),
        Some(t0 + ms(50) + Duration::from_secs(32))
    );
    advance(&mut mgc, t0 + Duration::from_secs(20));
    assert!(sent(&mut mgc).is_empty(), "no retransmission after Pending");
    // The final reply after a Pending is acknowledged immediately (D.1.4).
    mgc.handle_message(
        t0 + Duration::from_secs(20),
        Side::Mg,
        message(3, vec![reply_to(id, 1)]),
    );
    let ts = sent_transactions(&mut mgc);
    assert_eq!(
        ts,
        vec![Transaction::ResponseAck(vec![TransactionAck {
            first: id,
            last: None
        }])]
    );
    assert!(matches!(
        events(&mut mgc).as_slice(),
        [Event::ReplyReceived { segments: None, .. }]
    ));
    run_dry(&mut mgc);
}

#[test]
fn replies_are_acknowledged_in_batched_ranges() {
    let t0 = Instant::now();
    let mut mgc = Engine::new(config(Role::Mgc));
    let ids: Vec<_> = (0..5)
        .map(|i| mgc.send_request(t0, Side::Mg, 3, actions(i, 1)).unwrap())
        .collect();
    sent(&mut mgc);
    let replies = [0usize, 1, 2, 4]
        .iter()
        .map(|&i| reply_to(ids[i], i as u32))
        .collect();
    mgc.handle_message(t0 + ms(10), Side::Mg, message(3, replies));
    assert!(
        sent(&mut mgc).is_empty(),
        "acks are held for the batching delay"
    );
    advance(&mut mgc, t0 + ms(60));
    assert_eq!(
        sent_transactions(&mut mgc),
        vec![Transaction::ResponseAck(vec![
            TransactionAck {
                first: ids[0],
                last: Some(ids[2])
            },
            TransactionAck {
                first: ids[4],
                last: None
            },
        ])]
    );
    assert_eq!(
        count(&events(&mut mgc), |e| matches!(
            e,
            Event::ReplyReceived { .. }
        )),
        4
    );
}

#[test]
fn held_acks_ride_along_with_the_next_message() {
    let t0 = Instant::now();
    let mut mgc = Engine::new(config(Role::Mgc));
    let id = mgc.send_request(t0, Side::Mg, 3, actions(1, 1)).unwrap();
    sent(&mut mgc);
    mgc.handle_message(t0 + ms(5), Side::Mg, message(3, vec![reply_to(id, 1)]));
    let id2 = mgc
        .send_request(t0 + ms(10), Side::Mg, 3, actions(2, 1))
        .unwrap();
    let ts = sent_transactions(&mut mgc);
    assert_eq!(ts.len(), 2);
    assert!(matches!(&ts[0], Transaction::Request(r) if r.transaction_id == id2));
    assert_eq!(
        ts[1],
        Transaction::ResponseAck(vec![TransactionAck {
            first: id,
            last: None
        }])
    );
}

#[test]
fn imm_ack_required_is_acknowledged_at_once() {
    let t0 = Instant::now();
    let mut mgc = Engine::new(config(Role::Mgc));
    let id = mgc.send_request(t0, Side::Mg, 3, actions(1, 1)).unwrap();
    sent(&mut mgc);
    let Transaction::Reply(mut r) = reply_to(id, 1) else {
        unreachable!()
    };
    r.imm_ack_required = true;
    mgc.handle_message(
        t0 + ms(5),
        Side::Mg,
        message(3, vec![Transaction::Reply(r)]),
    );
    assert_eq!(count(&sent_transactions(&mut mgc), is_ack), 1);
}

#[test]
fn duplicate_reply_is_delivered_once_and_acked_again() {
    let t0 = Instant::now();
    let mut mgc = Engine::new(config(Role::Mgc));
    let id = mgc.send_request(t0, Side::Mg, 3, actions(1, 1)).unwrap();
    sent(&mut mgc);
    for k in 0..3 {
        mgc.handle_message(t0 + ms(5 + k), Side::Mg, message(3, vec![reply_to(id, 1)]));
    }
    assert_eq!(events(&mut mgc).len(), 1);
    assert_eq!(mgc.counters().duplicate_replies, 2);
    advance(&mut mgc, t0 + ms(100));
    assert_eq!(count(&sent_transactions(&mut mgc), is_ack), 1);
}

#[test]
fn reply_from_another_peer_is_dropped() {
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    struct Addr(u8);
    let t0 = Instant::now();
    let mut mgc: Engine<Addr> = Engine::new(config(Role::Mgc));
    let id = mgc.send_request(t0, Addr(1), 3, actions(1, 1)).unwrap();
    mgc.handle_message(t0 + ms(5), Addr(2), message(3, vec![reply_to(id, 1)]));
    assert!(mgc.poll_event().is_none());
    assert_eq!(mgc.counters().unexpected_replies, 1);
    assert_eq!(mgc.live_transactions(), 1);
}

// ---- responder transitions -------------------------------------------------------

#[test]
fn duplicate_request_gets_pending_only_after_normal_execution_time() {
    let t0 = Instant::now();
    let mut mg = Engine::new(config(Role::Mg));
    mg.handle_message(t0, Side::Mgc, message(3, vec![request(7, 1)]));
    assert_eq!(events(&mut mg).len(), 1);
    mg.handle_message(t0 + ms(100), Side::Mgc, message(3, vec![request(7, 1)]));
    assert!(sent(&mut mg).is_empty(), "too early for a Pending");
    mg.handle_message(t0 + ms(250), Side::Mgc, message(3, vec![request(7, 1)]));
    assert_eq!(sent_transactions(&mut mg), vec![pending(7)]);
    assert!(
        events(&mut mg).is_empty(),
        "duplicates never reach the application"
    );
    // The final reply carries ImmAckRequired because a Pending was sent.
    mg.send_reply(t0 + ms(300), Side::Mgc, 7, answer_to(&actions(1, 1)))
        .unwrap();
    let ts = sent_transactions(&mut mg);
    assert!(matches!(&ts[..], [Transaction::Reply(r)] if r.imm_ack_required));
}

#[test]
fn slow_application_triggers_provisional_pendings() {
    let t0 = Instant::now();
    let mut mg = Engine::new(config(Role::Mg));
    mg.handle_message(t0, Side::Mgc, message(3, vec![request(7, 1)]));
    advance(&mut mg, t0 + Duration::from_secs(5));
    assert_eq!(sent_transactions(&mut mg), vec![pending(7), pending(7)]);
}

#[test]
fn duplicate_after_reply_gets_the_cached_reply() {
    let t0 = Instant::now();
    let mut mg = Engine::new(config(Role::Mg));
    mg.handle_message(t0, Side::Mgc, message(3, vec![request(7, 1)]));
    mg.send_reply(t0 + ms(10), Side::Mgc, 7, answer_to(&actions(1, 1)))
        .unwrap();
    let first = sent_transactions(&mut mg);
    mg.handle_message(t0 + ms(500), Side::Mgc, message(3, vec![request(7, 1)]));
    assert_eq!(sent_transactions(&mut mg), first);
    assert_eq!(mg.cached_replies(), 1);
    assert_eq!(events(&mut mg).len(), 1);
}

#[test]
fn response_ack_frees_the_reply_but_keeps_the_identifier() {
    let t0 = Instant::now();
    let mut mg = Engine::new(config(Role::Mg));
    mg.handle_message(
        t0,
        Side::Mgc,
        message(3, vec![request(7, 1), request(8, 2)]),
    );
    mg.send_reply(t0, Side::Mgc, 7, answer_to(&actions(1, 1)))
        .unwrap();
    mg.send_reply(t0, Side::Mgc, 8, answer_to(&actions(2, 1)))
        .unwrap();
    sent(&mut mg);
    let ack = Transaction::ResponseAck(vec![TransactionAck {
        first: 7,
        last: Some(8),
    }]);
    mg.handle_message(t0 + ms(10), Side::Mgc, message(3, vec![ack]));
    assert_eq!(mg.cached_replies(), 0);
    // A late retransmission is neither executed nor answered.
    mg.handle_message(t0 + ms(20), Side::Mgc, message(3, vec![request(7, 1)]));
    assert!(sent(&mut mg).is_empty());
    assert_eq!(events(&mut mg).len(), 2);
    assert_eq!(mg.state_entries(), 2);
    advance(&mut mg, t0 + Duration::from_secs(32));
    assert_eq!(
        mg.state_entries(),
        0,
        "identifiers are remembered LONG-TIMER only"
    );
}

#[test]
fn reply_cache_expires_after_long_timer() {
    let t0 = Instant::now();
    let mut mg = Engine::new(config(Role::Mg));
    mg.handle_message(t0, Side::Mgc, message(3, vec![request(7, 1)]));
    mg.send_reply(t0 + ms(10), Side::Mgc, 7, answer_to(&actions(1, 1)))
        .unwrap();
    assert_eq!(
        mg.poll_timeout(),
        Some(t0 + ms(10) + Duration::from_secs(32))
    );
    run_dry(&mut mg);
}

#[test]
fn tables_a_burst_grew_shrink_once_it_has_passed() {
    let t0 = Instant::now();
    let mut mg = Engine::new(config(Role::Mg));
    let burst = 20_000;
    for id in 1..=burst {
        mg.handle_message(t0, Side::Mgc, message(3, vec![request(id, 1)]));
        mg.send_reply(t0, Side::Mgc, id, answer_to(&actions(1, 1)))
            .unwrap();
    }
    let _ = sent(&mut mg);
    let grown = (mg.incoming.capacity(), mg.timers.capacity());
    assert!(
        grown.0 >= burst as usize && grown.1 >= burst as usize,
        "{grown:?}"
    );
    // One request a second keeps the engine busy past LONG-TIMER (32 s).
    let mut id = burst;
    for s in 1..=40 {
        id += 1;
        let now = t0 + Duration::from_secs(s);
        advance(&mut mg, now);
        mg.handle_message(now, Side::Mgc, message(3, vec![request(id, 1)]));
        mg.send_reply(now, Side::Mgc, id, answer_to(&actions(1, 1)))
            .unwrap();
        let _ = sent(&mut mg);
    }
    assert!(mg.incoming.len() <= 40);
    let shrunk = (mg.incoming.capacity(), mg.timers.capacity());
    assert!(shrunk.0 <= grown.0 / 4, "{grown:?} -> {shrunk:?}");
    assert!(shrunk.1 <= grown.1 / 4, "{grown:?} -> {shrunk:?}");
    // Still remembered after the shrink: a repeat is answered from the cache.
    let _ = events(&mut mg);
    let last = id;
    mg.handle_message(
        t0 + Duration::from_secs(41),
        Side::Mgc,
        message(3, vec![request(last, 1)]),
    );
    assert_eq!(count(&sent_transactions(&mut mg), is_reply), 1);
    assert!(events(&mut mg)
        .iter()
        .all(|e| !matches!(e, Event::RequestReceived { .. })));
}

#[test]
fn several_transactions_in_a_message_are_each_processed() {
    let t0 = Instant::now();
    let mut mg = Engine::new(config(Role::Mg));
    let ts = (1..=5).map(|i| request(i, i)).collect();
    mg.handle_message(t0, Side::Mgc, message(2, ts));
    let ev = events(&mut mg);
    let ids: Vec<_> = ev
        .iter()
        .map(|e| match e {
            Event::RequestReceived {
                transaction_id,
                version,
                ..
            } => {
                assert_eq!(*version, 2);
                *transaction_id
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(ids, vec![1, 2, 3, 4, 5]);
}

#[test]
fn replies_queued_together_are_batched_up_to_the_limit() {
    let t0 = Instant::now();
    let mut c = config(Role::Mg);
    c.max_transactions_per_message = 2;
    let mut mg = Engine::new(c);
    mg.handle_message(
        t0,
        Side::Mgc,
        message(3, (1..=5).map(|i| request(i, i)).collect()),
    );
    // A peer's message of five requests, answered in one go by the
    // application would be five calls; batching covers one call's output.
    mg.handle_message(
        t0 + ms(300),
        Side::Mgc,
        message(3, (1..=5).map(|i| request(i, i)).collect()),
    );
    let messages = sent(&mut mg);
    let sizes: Vec<usize> = messages
        .iter()
        .map(|m| match &m.message.body {
            MessageBody::Transactions(ts) => ts.len(),
            MessageBody::Error(_) => 0,
        })
        .collect();
    assert_eq!(
        sizes,
        vec![2, 2, 1],
        "five Pendings in messages of at most two"
    );
}

/// What is queued between two `poll_transmit`s leaves together: replies
/// answered one by one, and a request of our own to the same peer, share a
/// message; a message-level error queued after them follows them.
#[test]
fn what_is_queued_before_polling_shares_a_message() {
    let t0 = Instant::now();
    let mut mg = Engine::new(config(Role::Mg));
    mg.handle_message(
        t0,
        Side::Mgc,
        message(3, (1..=3).map(|i| request(i, i)).collect()),
    );
    assert_eq!(events(&mut mg).len(), 3);
    for i in 1..=3 {
        mg.send_reply(t0, Side::Mgc, i, answer_to(&actions(i, 1)))
            .unwrap();
    }
    let ours = mg.send_request(t0, Side::Mgc, 3, actions(9, 1)).unwrap();
    mg.send_message_error(Side::Mgc, 3, ErrorDescriptor::new(400, "Syntax error"));
    let messages = sent(&mut mg);
    assert_eq!(messages.len(), 2, "{messages:?}");
    let MessageBody::Transactions(first) = &messages[0].message.body else {
        panic!("the batch first");
    };
    let ids: Vec<_> = first
        .iter()
        .map(|t| match t {
            Transaction::Reply(r) => (r.transaction_id, "reply"),
            Transaction::Request(r) => (r.transaction_id, "request"),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        ids,
        vec![(1, "reply"), (2, "reply"), (3, "reply"), (ours, "request")]
    );
    assert!(matches!(messages[1].message.body, MessageBody::Error(_)));
    assert_eq!(mg.counters().messages_sent, 2);
}

#[test]
fn peer_message_error_is_reported() {
    let t0 = Instant::now();
    let mut mg = Engine::new(config(Role::Mg));
    let mut m = message(3, vec![]);
    m.message.body = MessageBody::Error(ErrorDescriptor::new(400, "Syntax error"));
    mg.handle_message(t0, Side::Mgc, m);
    assert!(matches!(
        events(&mut mg).as_slice(),
        [Event::PeerMessageError { error, .. }] if error.code == 400
    ));
}

#[test]
fn ack_ranges_merge_consecutive_ids() {
    let acks = ack_ranges(vec![9, 1, 2, 3, 3, 5, u32::MAX, 6]);
    let pairs: Vec<_> = acks.iter().map(|a| (a.first, a.last)).collect();
    assert_eq!(
        pairs,
        vec![(1, Some(3)), (5, Some(6)), (9, None), (u32::MAX, None)]
    );
}

#[test]
fn too_many_incoming_requests_are_dropped_until_there_is_room() {
    let t0 = Instant::now();
    let mut c = config(Role::Mg);
    c.max_incoming_transactions = 2;
    let mut mg = Engine::new(c);
    mg.handle_message(
        t0,
        Side::Mgc,
        message(3, (1..=3).map(|i| request(i, i)).collect()),
    );
    assert_eq!(events(&mut mg).len(), 2);
    assert!(sent(&mut mg).is_empty());
    assert_eq!(mg.counters().rejected_requests, 1);
    assert_eq!(mg.state_entries(), 2);
    // Once the others are released, its retransmission is executed.
    mg.send_reply(t0, Side::Mgc, 1, answer_to(&actions(1, 1)))
        .unwrap();
    mg.send_reply(t0, Side::Mgc, 2, answer_to(&actions(2, 1)))
        .unwrap();
    run_dry(&mut mg);
    mg.handle_message(
        t0 + Duration::from_secs(40),
        Side::Mgc,
        message(3, vec![request(3, 3)]),
    );
    assert_eq!(events(&mut mg).len(), 1);
}

// ---- segmentation -----------------------------------------------------------------

fn segmenting(role: Role) -> EngineConfig {
    let mut c = config(role);
    c.segmentation = Segmentation::MaxMessageSize(SEGMENT_OVERHEAD + 100);
    c
}

#[test]
fn large_reply_is_segmented_and_reassembled_in_order() {
    let t0 = Instant::now();
    let mut mgc = Engine::new(config(Role::Mgc));
    let mut mg = Engine::new(segmenting(Role::Mg));
    let acts = actions(3, 5);
    let id = mgc.send_request(t0, Side::Mg, 3, acts.clone()).unwrap();
    for t in sent(&mut mgc) {
        mg.handle_message(t0, Side::Mgc, t);
    }
    events(&mut mg);
    mg.send_reply(t0, Side::Mgc, id, answer_to(&acts)).unwrap();
    let mut segments = sent(&mut mg);
    assert_eq!(
        segments.len(),
        3,
        "48-byte action replies, two per 100-byte segment"
    );
    segments.reverse(); // arrive out of order
    for m in segments {
        mgc.handle_message(t0 + ms(1), Side::Mg, m);
    }
    let ev = events(&mut mgc);
    assert_eq!(ev.len(), 1);
    let Event::ReplyReceived {
        result, segments, ..
    } = &ev[0]
    else {
        panic!("{ev:?}")
    };
    assert_eq!(*segments, Some(3));
    assert_eq!(*result, answer_to(&acts));
    // Each segment was acknowledged with a SegmentReply.
    let acks = sent_transactions(&mut mgc);
    assert_eq!(
        count(&acks, |t| matches!(t, Transaction::SegmentReply(_))),
        3
    );
    for t in acks {
        if let Transaction::SegmentReply(s) = t {
            mg.handle_message(
                t0 + ms(2),
                Side::Mgc,
                message(3, vec![Transaction::SegmentReply(s)]),
            );
        }
    }
    assert_eq!(mg.counters().stray_segment_replies, 0);
    // Fully acknowledged: a retransmitted request resends nothing.
    mg.handle_message(t0 + ms(3), Side::Mgc, message(3, vec![request(id, 3)]));
    assert!(sent(&mut mg).is_empty());
}

#[test]
fn no_segmentation_over_reliable_transport_or_before_version_3() {
    let t0 = Instant::now();
    for (reliable, version) in [(true, 3), (false, 2)] {
        let mut c = segmenting(Role::Mg);
        c.reliable_transport = reliable;
        let mut mg = Engine::new(c);
        let acts = actions(3, 5);
        mg.handle_message(
            t0,
            Side::Mgc,
            message(
                version,
                vec![Transaction::Request(TransactionRequest {
                    transaction_id: 9,
                    actions: acts.clone(),
                })],
            ),
        );
        mg.send_reply(t0, Side::Mgc, 9, answer_to(&acts)).unwrap();
        let ts = sent_transactions(&mut mg);
        assert!(matches!(&ts[..], [Transaction::Reply(r)] if r.segment_number.is_none()));
    }
}

#[test]
fn missing_segment_is_requested_again_then_reported_with_459() {
    let t0 = Instant::now();
    let mut mgc = Engine::new(config(Role::Mgc));
    let mut mg = Engine::new(segmenting(Role::Mg));
    let acts = actions(3, 5);
    let id = mgc.send_request(t0, Side::Mg, 3, acts.clone()).unwrap();
    for m in sent(&mut mgc) {
        mg.handle_message(t0, Side::Mgc, m);
    }
    mg.send_reply(t0, Side::Mgc, id, answer_to(&acts)).unwrap();
    let segments = sent(&mut mg);
    // Segment 2 is lost.
    mgc.handle_message(t0 + ms(1), Side::Mg, segments[0].clone());
    mgc.handle_message(t0 + ms(1), Side::Mg, segments[2].clone());
    for t in sent_transactions(&mut mgc) {
        mg.handle_message(t0 + ms(2), Side::Mgc, message(3, vec![t]));
    }
    // The requester asks again; the responder resends only segment 2.
    advance(&mut mgc, t0 + ms(300));
    for m in sent(&mut mgc) {
        mg.handle_message(t0 + ms(300), Side::Mgc, m);
    }
    let resent = sent_transactions(&mut mg);
    assert!(matches!(&resent[..], [Transaction::Reply(r)] if r.segment_number == Some(2)));
    // Lost again, and again: after the reassembly timer, error 459.
    advance(&mut mgc, t0 + Duration::from_secs(11));
    let out = sent(&mut mgc);
    assert!(out
        .iter()
        .any(|m| matches!(&m.message.body, MessageBody::Error(e) if e.code == 459)));
    assert!(matches!(
        events(&mut mgc).as_slice(),
        [Event::RequestFailed {
            reason: Failure::SegmentsNotReceived,
            ..
        }]
    ));
    run_dry(&mut mgc);
}

// ---- one test per row of the lessons table (Transactions) ---------------------------

/// OTP-6148, OTP-6217: "pending limit exceeded" was sent as a message-level
/// error. It is a transaction reply with error 506, and only that
/// transaction ends.
#[test]
fn pending_limit_exceeded_is_scoped_to_the_transaction() {
    let t0 = Instant::now();
    let mut c = config(Role::Mg);
    c.mg_originated_pending_limit = 2;
    let mut mg = Engine::new(c);
    mg.handle_message(t0, Side::Mgc, message(3, vec![request(1, 1)]));
    mg.handle_message(
        t0 + Duration::from_secs(5),
        Side::Mgc,
        message(3, vec![request(2, 2)]),
    );
    events(&mut mg);
    advance(&mut mg, t0 + Duration::from_secs(6));
    let out = sent(&mut mg);
    assert!(out
        .iter()
        .all(|m| matches!(m.message.body, MessageBody::Transactions(_))));
    let ts: Vec<Transaction> = out
        .into_iter()
        .flat_map(|m| match m.message.body {
            MessageBody::Transactions(ts) => ts,
            MessageBody::Error(_) => unreachable!(),
        })
        .collect();
    assert_eq!(ts[..2], [pending(1), pending(1)]);
    assert!(matches!(&ts[2], Transaction::Reply(TransactionReply {
        transaction_id: 1,
        imm_ack_required: true,
        result: TransactionResult::Error(e), ..
    }) if e.code == 506));
    assert_eq!(
        events(&mut mg),
        vec![Event::RequestAborted {
            peer: Side::Mgc,
            transaction_id: 1
        }]
    );
    assert!(mg
        .send_reply(
            t0 + Duration::from_secs(6),
            Side::Mgc,
            1,
            answer_to(&actions(1, 1))
        )
        .is_err());
    // Transaction 2 is still in progress and can be answered.
    mg.send_reply(
        t0 + Duration::from_secs(6),
        Side::Mgc,
        2,
        answer_to(&actions(2, 1)),
    )
    .unwrap();

    // The requester side: a peer past its limit fails that request only.
    let mut c = config(Role::Mgc);
    c.mg_originated_pending_limit = 2;
    let mut mgc = Engine::new(c);
    let a = mgc.send_request(t0, Side::Mg, 3, actions(1, 1)).unwrap();
    let b = mgc.send_request(t0, Side::Mg, 3, actions(2, 1)).unwrap();
    for _ in 0..3 {
        mgc.handle_message(
            t0 + ms(10),
            Side::Mg,
            message(3, vec![pending(a), pending(b)]),
        );
        // b's Pending each time comes with a's; only b is then answered.
        mgc.handle_message(t0 + ms(11), Side::Mg, message(3, vec![reply_to(b, 2)]));
    }
    let ev = events(&mut mgc);
    assert!(ev.contains(&Event::RequestFailed {
        peer: Side::Mg,
        transaction_id: a,
        reason: Failure::PendingLimitExceeded
    }));
    assert_eq!(
        count(
            &ev,
            |e| matches!(e, Event::ReplyReceived { transaction_id, .. } if *transaction_id == b)
        ),
        1
    );
}

/// OTP-7189, OTP-8634, OTP-6256: a peer that sent Pending and never replied
/// left state behind forever. Every timer is bounded and the state goes.
#[test]
fn peer_that_sends_pending_and_never_replies_is_released() {
    let t0 = Instant::now();
    let mut mgc = Engine::new(config(Role::Mgc));
    let id = mgc.send_request(t0, Side::Mg, 3, actions(1, 1)).unwrap();
    mgc.handle_message(t0 + ms(10), Side::Mg, message(3, vec![pending(id)]));
    run_dry(&mut mgc);
    assert_eq!(
        events(&mut mgc),
        vec![Event::RequestFailed {
            peer: Side::Mg,
            transaction_id: id,
            reason: Failure::TimedOut
        }]
    );
    // A peer that keeps sending Pendings is bounded by the pending limit.
    let mut mgc = Engine::new(config(Role::Mgc));
    let id = mgc.send_request(t0, Side::Mg, 3, actions(1, 1)).unwrap();
    let mut now = t0;
    for _ in 0..20 {
        now += Duration::from_secs(1);
        advance(&mut mgc, now);
        mgc.handle_message(now, Side::Mg, message(3, vec![pending(id)]));
    }
    assert!(events(&mut mgc).contains(&Event::RequestFailed {
        peer: Side::Mg,
        transaction_id: id,
        reason: Failure::PendingLimitExceeded
    }));
    run_dry(&mut mgc);
    // And a responder whose application never answers is released too.
    let mut mg = Engine::new(config(Role::Mg));
    mg.handle_message(t0, Side::Mgc, message(3, vec![request(5, 1)]));
    run_dry(&mut mg);
}

/// OTP-6971, OTP-8529: a retransmitted request reached the application
/// twice under load. Duplicate detection is part of dispatch.
#[test]
fn retransmitted_request_reaches_application_once_under_load() {
    let t0 = Instant::now();
    let mut mg = Engine::new(config(Role::Mg));
    let mut rng = sim::Rng::new(42);
    let mut delivered = std::collections::HashMap::new();
    let mut now = t0;
    for round in 0..20_000u32 {
        now += ms(1);
        // A burst of new and retransmitted requests, in random order,
        // several to a message.
        let ts = (0..1 + rng.below(4))
            .map(|_| {
                let id = 1 + rng.below(u64::from(round / 4 + 1)) as u32;
                request(id, id)
            })
            .collect();
        mg.handle_message(now, Side::Mgc, message(3, ts));
        while let Some(e) = mg.poll_event() {
            if let Event::RequestReceived { transaction_id, .. } = e {
                *delivered.entry(transaction_id).or_insert(0) += 1;
                if rng.chance(0.7) {
                    mg.send_reply(
                        now,
                        Side::Mgc,
                        transaction_id,
                        answer_to(&actions(transaction_id, 1)),
                    )
                    .unwrap();
                }
            }
        }
        if rng.chance(0.1) {
            let first = 1 + rng.below(u64::from(round / 4 + 1)) as u32;
            let ack = Transaction::ResponseAck(vec![TransactionAck {
                first,
                last: Some(first + 10),
            }]);
            mg.handle_message(now, Side::Mgc, message(3, vec![ack]));
        }
        advance(&mut mg, now);
        sent(&mut mg);
    }
    assert!(delivered.len() > 4000);
    assert!(delivered.values().all(|&n| n == 1));
    assert!(mg.counters().duplicate_requests > 10_000);
}

/// OTP-7303, OTP-7216: transaction-id counter wrap-around. IDs wrap at
/// 2^32-1, 0 is never used, and an ID still in use is skipped.
#[test]
fn transaction_ids_wrap_without_collision() {
    let t0 = Instant::now();
    let mut mgc = Engine::new(config(Role::Mgc));
    mgc.set_next_transaction_id(u32::MAX - 1);
    let ids: Vec<_> = (0..3)
        .map(|i| mgc.send_request(t0, Side::Mg, 3, actions(i, 1)).unwrap())
        .collect();
    assert_eq!(ids, vec![u32::MAX - 1, u32::MAX, 1]);
    // All three still in use: coming round again skips them.
    mgc.set_next_transaction_id(u32::MAX - 1);
    assert_eq!(mgc.send_request(t0, Side::Mg, 3, actions(9, 1)).unwrap(), 2);
    mgc.set_next_transaction_id(0);
    assert_eq!(mgc.send_request(t0, Side::Mg, 3, actions(9, 1)).unwrap(), 3);
    // A finished transaction's ID stays reserved while its tombstone lives.
    mgc.handle_message(t0, Side::Mg, message(3, vec![reply_to(1, 2)]));
    mgc.set_next_transaction_id(1);
    assert_eq!(mgc.send_request(t0, Side::Mg, 3, actions(9, 1)).unwrap(), 4);
    // The limit on outgoing transactions is an error, not a spin.
    let mut c = config(Role::Mgc);
    c.max_outgoing_transactions = 2;
    let mut small = Engine::new(c);
    small.send_request(t0, Side::Mg, 3, actions(1, 1)).unwrap();
    small.send_request(t0, Side::Mg, 3, actions(1, 1)).unwrap();
    assert_eq!(
        small.send_request(t0, Side::Mg, 3, actions(1, 1)),
        Err(SendError::TooManyTransactions(2))
    );
}

/// OTP-7733: a reply that needed no segmentation crashed the segmentation
/// path. With segmentation on, a small reply goes whole, and a reply that
/// arrives as a single `1/END` segment is delivered too.
#[test]
fn unsegmented_reply_passes_the_segmentation_path() {
    let t0 = Instant::now();
    let mut mg = Engine::new(segmenting(Role::Mg));
    mg.handle_message(t0, Side::Mgc, message(3, vec![request(4, 1)]));
    mg.send_reply(t0, Side::Mgc, 4, answer_to(&actions(1, 1)))
        .unwrap();
    let ts = sent_transactions(&mut mg);
    assert!(matches!(&ts[..], [Transaction::Reply(r)] if r.segment_number.is_none()));
    // A transaction-level error is never segmented either.
    mg.handle_message(t0, Side::Mgc, message(3, vec![request(5, 1)]));
    mg.send_reply(
        t0,
        Side::Mgc,
        5,
        TransactionResult::Error(ErrorDescriptor::new(500, None)),
    )
    .unwrap();
    assert_eq!(count(&sent_transactions(&mut mg), is_reply), 1);

    let mut mgc = Engine::new(segmenting(Role::Mgc));
    let id = mgc.send_request(t0, Side::Mg, 3, actions(1, 1)).unwrap();
    let Transaction::Reply(mut r) = reply_to(id, 1) else {
        unreachable!()
    };
    r.segment_number = Some(1);
    r.segmentation_complete = true;
    mgc.handle_message(
        t0 + ms(1),
        Side::Mg,
        message(3, vec![Transaction::Reply(r)]),
    );
    assert!(matches!(
        events(&mut mgc).as_slice(),
        [Event::ReplyReceived {
            segments: Some(1),
            ..
        }]
    ));
    // Whole end to end, with segmentation on at both ends.
    let net = sim::NetConfig {
        loss: 0.0,
        duplicate: 0.0,
        min_delay: ms(1),
        max_delay: ms(5),
    };
    let mut pair = Pair::new(segmenting(Role::Mgc), segmenting(Role::Mg), net, 3);
    pair.schedule_requests(Side::Mgc, 10, Duration::from_secs(1));
    pair.run_until_idle();
    pair.check(3);
    assert_eq!(pair.engine(Side::Mg).counters().segments_sent, 0);
}

/// OTP-7455: an unexpected SegmentReply crashed the stack. It is ignored
/// and counted.
#[test]
fn stray_segment_reply_is_ignored() {
    let t0 = Instant::now();
    let mut mg = Engine::new(segmenting(Role::Mg));
    let seg = |id, n| {
        Transaction::SegmentReply(SegmentReply {
            transaction_id: id,
            segment_number: n,
            segmentation_complete: false,
        })
    };
    // For nothing at all, for an unsegmented cached reply, for an
    // in-progress request, for segment 0 and past the last segment.
    mg.handle_message(t0, Side::Mgc, message(3, vec![seg(99, 1)]));
    mg.handle_message(
        t0,
        Side::Mgc,
        message(3, vec![request(4, 1), request(5, 1)]),
    );
    mg.send_reply(t0, Side::Mgc, 4, answer_to(&actions(1, 1)))
        .unwrap();
    let acts = actions(3, 5);
    mg.handle_message(
        t0,
        Side::Mgc,
        message(
            3,
            vec![Transaction::Request(TransactionRequest {
                transaction_id: 6,
                actions: acts.clone(),
            })],
        ),
    );
    mg.send_reply(t0, Side::Mgc, 6, answer_to(&acts)).unwrap();
    sent(&mut mg);
    mg.handle_message(
        t0,
        Side::Mgc,
        message(3, vec![seg(4, 1), seg(5, 1), seg(6, 0), seg(6, 4)]),
    );
    assert_eq!(mg.counters().stray_segment_replies, 5);
    assert!(sent(&mut mg).is_empty());
    assert_eq!(events(&mut mg).len(), 3, "three requests, nothing else");
    // The requester side ignores a SegmentReply too (it only answers
    // segments it receives).
    let mut mgc = Engine::new(config(Role::Mgc));
    mgc.handle_message(t0, Side::Mg, message(3, vec![seg(1, 1)]));
    assert!(mgc.poll_event().is_none() && mgc.poll_transmit().is_none());
}

/// OTP-7192, OTP-6275: a request arriving during connect was answered with
/// Pending and then dropped; an MG got requests before its ServiceChange
/// reply. Transactions are processed in message order, and a request
/// arriving while our own (the ServiceChange) is outstanding is delivered
/// and answered like any other.
#[test]
fn requests_around_registration_are_handled_in_order() {
    let t0 = Instant::now();
    let mut mg = Engine::new(config(Role::Mg));
    let sc = mg.send_request(t0, Side::Mgc, 3, actions(100, 1)).unwrap();
    sent(&mut mg);
    // A request before the ServiceChange reply: delivered at once.
    mg.handle_message(t0 + ms(5), Side::Mgc, message(3, vec![request(50, 1)]));
    // The reply and two requests in one message: in that order.
    mg.handle_message(
        t0 + ms(6),
        Side::Mgc,
        message(3, vec![reply_to(sc, 100), request(51, 2), request(52, 3)]),
    );
    let order: Vec<(char, TransactionId)> = events(&mut mg)
        .into_iter()
        .map(|e| match e {
            Event::RequestReceived { transaction_id, .. } => ('q', transaction_id),
            Event::ReplyReceived { transaction_id, .. } => ('r', transaction_id),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(order, vec![('q', 50), ('r', sc), ('q', 51), ('q', 52)]);
    // Request 50 is answered normally, not Pending-then-dropped: its
    // retransmission gets the reply.
    mg.send_reply(t0 + ms(7), Side::Mgc, 50, answer_to(&actions(1, 1)))
        .unwrap();
    sent(&mut mg);
    mg.handle_message(t0 + ms(400), Side::Mgc, message(3, vec![request(50, 1)]));
    let ts = sent_transactions(&mut mg);
    assert!(matches!(&ts[..], [Transaction::Reply(r)] if r.transaction_id == 50));
}

/// OTP-6276, OTP-6921, OTP-6972, OTP-6999, OTP-6549: cancel raced with
/// replies and timers; replies went to the wrong caller. Each reply reaches
/// exactly the request it answers.
#[test]
fn cancel_racing_a_reply_delivers_nothing_to_the_wrong_caller() {
    let t0 = Instant::now();
    let mut mgc = Engine::new(config(Role::Mgc));
    let a = mgc.send_request(t0, Side::Mg, 3, actions(1, 1)).unwrap();
    assert!(mgc.cancel(t0 + ms(1), a));
    assert!(!mgc.cancel(t0 + ms(1), a), "cancel is idempotent");
    let b = mgc
        .send_request(t0 + ms(2), Side::Mg, 3, actions(2, 1))
        .unwrap();
    assert_ne!(a, b);
    // The reply to the cancelled request arrives, then b's.
    mgc.handle_message(
        t0 + ms(3),
        Side::Mg,
        message(3, vec![reply_to(a, 1), reply_to(b, 2)]),
    );
    let ev = events(&mut mgc);
    assert_eq!(ev.len(), 1);
    assert!(
        matches!(&ev[0], Event::ReplyReceived { transaction_id, result, .. }
        if *transaction_id == b && *result == answer_to(&actions(2, 1)))
    );
    assert_eq!(mgc.counters().unexpected_replies, 1);
    // Both are acknowledged so the peer frees its cache.
    advance(&mut mgc, t0 + ms(100));
    assert!(
        sent_transactions(&mut mgc).contains(&Transaction::ResponseAck(vec![TransactionAck {
            first: a,
            last: Some(b)
        }]))
    );
    // Cancel racing the timeout: after the timeout, cancel is a no-op and
    // nothing more is delivered.
    let c = mgc
        .send_request(t0 + ms(200), Side::Mg, 3, actions(3, 1))
        .unwrap();
    advance(&mut mgc, t0 + Duration::from_secs(40));
    assert!(!mgc.cancel(t0 + Duration::from_secs(40), c));
    let ev = events(&mut mgc);
    assert_eq!(
        ev,
        vec![Event::RequestFailed {
            peer: Side::Mg,
            transaction_id: c,
            reason: Failure::TimedOut
        }]
    );
    // A late reply after the timeout is dropped, not delivered.
    mgc.handle_message(
        t0 + Duration::from_secs(41),
        Side::Mg,
        message(3, vec![reply_to(c, 3)]),
    );
    assert!(mgc.poll_event().is_none());
    // Cancel racing a Pending: the Pending is ignored.
    let d = mgc
        .send_request(t0 + Duration::from_secs(42), Side::Mg, 3, actions(4, 1))
        .unwrap();
    mgc.cancel(t0 + Duration::from_secs(42), d);
    mgc.handle_message(
        t0 + Duration::from_secs(42),
        Side::Mg,
        message(3, vec![pending(d)]),
    );
    assert!(mgc.poll_event().is_none());
    run_dry(&mut mgc);
}

/// OTP-6051, OTP-6048, OTP-6030: wanted to keep resending after Pending, to
/// resend the reply on each intermediate timeout, and to ask for an
/// immediate ack only when Pending was sent. All three are configuration.
#[test]
fn resend_after_pending_is_configurable() {
    let t0 = Instant::now();
    // Default: no resends after a Pending.
    let mut mgc = Engine::new(config(Role::Mgc));
    let id = mgc.send_request(t0, Side::Mg, 3, actions(1, 1)).unwrap();
    mgc.handle_message(t0 + ms(10), Side::Mg, message(3, vec![pending(id)]));
    sent(&mut mgc);
    advance(&mut mgc, t0 + Duration::from_secs(10));
    assert_eq!(mgc.counters().request_retransmissions, 0);
    // ResendAfterPending::Every: resends at that interval.
    let mut c = config(Role::Mgc);
    c.resend_after_pending = ResendAfterPending::Every(Duration::from_secs(3));
    let mut mgc = Engine::new(c);
    let id = mgc.send_request(t0, Side::Mg, 3, actions(1, 1)).unwrap();
    mgc.handle_message(t0 + ms(10), Side::Mg, message(3, vec![pending(id)]));
    sent(&mut mgc);
    advance(&mut mgc, t0 + Duration::from_secs(10));
    assert_eq!(count(&sent_transactions(&mut mgc), is_request), 3);

    // ReplyResend::UntilAcked: the reply is resent on the backoff schedule
    // until acknowledged (replies that asked for an immediate ack).
    let mut c = config(Role::Mg);
    c.reply_resend = ReplyResend::UntilAcked;
    c.imm_ack = ImmAckPolicy::Always;
    let mut mg = Engine::new(c);
    mg.handle_message(t0, Side::Mgc, message(3, vec![request(7, 1)]));
    mg.send_reply(t0, Side::Mgc, 7, answer_to(&actions(1, 1)))
        .unwrap();
    sent(&mut mg);
    advance(&mut mg, t0 + ms(700));
    assert_eq!(
        count(&sent_transactions(&mut mg), is_reply),
        2,
        "at 200 and 600 ms"
    );
    let ack = Transaction::ResponseAck(vec![TransactionAck {
        first: 7,
        last: None,
    }]);
    mg.handle_message(t0 + ms(700), Side::Mgc, message(3, vec![ack]));
    advance(&mut mg, t0 + Duration::from_secs(10));
    assert!(sent(&mut mg).is_empty(), "no resend once acknowledged");

    // ImmAckPolicy: AfterPending asks only when a Pending was sent.
    let mut mg = Engine::new(config(Role::Mg));
    mg.handle_message(t0, Side::Mgc, message(3, vec![request(8, 1)]));
    mg.send_reply(t0, Side::Mgc, 8, answer_to(&actions(1, 1)))
        .unwrap();
    assert!(
        matches!(&sent_transactions(&mut mg)[..], [Transaction::Reply(r)] if !r.imm_ack_required)
    );
    mg.handle_message(t0, Side::Mgc, message(3, vec![request(9, 1)]));
    mg.send_reply_with(t0, Side::Mgc, 9, answer_to(&actions(1, 1)), true)
        .unwrap();
    assert!(
        matches!(&sent_transactions(&mut mg)[..], [Transaction::Reply(r)] if r.imm_ack_required),
        "asked for per reply"
    );
    let mut c = config(Role::Mg);
    c.imm_ack = ImmAckPolicy::Always;
    let mut mg = Engine::new(c);
    mg.handle_message(t0, Side::Mgc, message(3, vec![request(8, 1)]));
    mg.send_reply(t0, Side::Mgc, 8, answer_to(&actions(1, 1)))
        .unwrap();
    assert!(
        matches!(&sent_transactions(&mut mg)[..], [Transaction::Reply(r)] if r.imm_ack_required)
    );
}

#[test]
fn context_ids_fingerprint_requests_in_the_harness() {
    let a = actions(1, 2);
    assert_eq!(a[0].context_id, ContextId(17));
    assert_eq!(a[1].context_id, ContextId(18));
}

// ---- the byte layer ----------------------------------------------------------------

/// A stand-in codec for the byte layer (JSON via serde), so these tests do
/// not depend on the text codec's progress.
#[derive(Debug, Clone, Copy)]
struct JsonCodec;

impl codec::MessageCodec for JsonCodec {
    fn decode(&self, bytes: &[u8]) -> Result<MegacoMessage, codec::CodecDecodeError> {
        serde_json::from_slice(bytes).map_err(|e| codec::CodecDecodeError {
            code: 400,
            header_version: codec::sniff_text_version(bytes),
            reason: e.to_string(),
        })
    }
    fn encode(&self, message: &MegacoMessage, out: &mut Vec<u8>) -> Result<(), String> {
        serde_json::to_writer(out, message).map_err(|e| e.to_string())
    }
}

#[test]
fn datagrams_round_trip_through_a_codec() {
    let t0 = Instant::now();
    let mut mgc = codec::CodecEngine::new(Engine::new(config(Role::Mgc)), JsonCodec);
    let mut mg = codec::CodecEngine::new(Engine::new(config(Role::Mg)), JsonCodec);
    let id = mgc
        .engine
        .send_request(t0, Side::Mg, 3, actions(1, 2))
        .unwrap();
    let d = mgc.poll_transmit().unwrap();
    mg.handle_datagram(t0, Side::Mgc, &d.bytes);
    let Some(Event::RequestReceived { actions: a, .. }) = mg.poll_event() else {
        panic!()
    };
    mg.engine
        .send_reply(t0, Side::Mgc, id, answer_to(&a))
        .unwrap();
    let d = mg.poll_transmit().unwrap();
    mgc.handle_datagram(t0, Side::Mg, &d.bytes);
    assert!(
        matches!(mgc.poll_event(), Some(Event::ReplyReceived { transaction_id, .. }) if transaction_id == id)
    );
}

#[test]
fn exact_sizer_from_the_codec_drives_segmentation() {
    let t0 = Instant::now();
    let mut c = config(Role::Mg);
    c.segmentation = Segmentation::MaxMessageSize(SEGMENT_OVERHEAD + 150);
    let mut mg = codec::CodecEngine::new(Engine::new(c), JsonCodec);
    let acts = actions(1, 6);
    mg.engine.handle_message(
        t0,
        Side::Mgc,
        message(
            3,
            vec![Transaction::Request(TransactionRequest {
                transaction_id: 3,
                actions: acts.clone(),
            })],
        ),
    );
    mg.engine
        .send_reply(t0, Side::Mgc, 3, answer_to(&acts))
        .unwrap();
    let datagrams: Vec<_> = std::iter::from_fn(|| mg.poll_transmit()).collect();
    assert!(datagrams.len() > 1, "segmented by encoded size");
}

/// The reply of an Add in context 1 naming termination `id`.
fn add_reply_naming(id: &str) -> TransactionResult {
    use crate::model::{small_list, AmmsReply, CommandReply, TerminationId};
    TransactionResult::ActionReplies(vec![ActionReply {
        context_id: ContextId(1),
        error: None,
        context_reply: None,
        commands: vec![CommandReply::Add(AmmsReply {
            termination_ids: small_list![TerminationId::from(id)],
            audit: Vec::new(),
        })],
    }])
}

/// Under text, whose replies are kept as sent: a reply the encoding cannot
/// carry (a termination ID with a space) goes out as error 500, and a
/// repetition of the request gets that 500 again.
#[test]
fn a_text_reply_that_cannot_be_encoded_is_answered_500_again() {
    let t0 = Instant::now();
    let mut mg = codec::CodecEngine::new(
        Engine::new(config(Role::Mg)),
        codec::TextCodec::new(crate::text::Style::Compact),
    );
    let request = crate::text::encode_to_vec(
        &message(3, vec![request(9, 1)]),
        crate::text::Style::Compact,
    )
    .unwrap();
    mg.handle_datagram(t0, Side::Mgc, &request);
    assert!(matches!(
        mg.poll_event(),
        Some(Event::RequestReceived { .. })
    ));
    mg.engine
        .send_reply(t0, Side::Mgc, 9, add_reply_naming("ip 1"))
        .unwrap();
    let is_500_for_9 = |bytes: &[u8]| {
        let decoded = crate::text::decode(bytes).unwrap();
        matches!(
            &decoded.message.body,
            MessageBody::Transactions(t) if matches!(
                &t[..],
                [Transaction::Reply(r)] if r.transaction_id == 9
                    && matches!(&r.result, TransactionResult::Error(e) if e.code == 500)
            )
        )
    };
    let first = mg.poll_transmit().expect("an error reply goes out");
    assert!(is_500_for_9(&first.bytes));
    mg.handle_datagram(t0, Side::Mgc, &request);
    let again = mg.poll_transmit().expect("the repetition is answered");
    assert!(is_500_for_9(&again.bytes));
    assert_eq!(mg.engine.counters().unpack_failures, 0);
}

/// A reply the wire encoding cannot carry (here a termination ID without a
/// bit-string form, under BER) goes out as error 500 rather than not at
/// all, so the peer is not left retransmitting into silence.
#[test]
fn a_reply_that_cannot_be_encoded_goes_out_as_error_500() {
    use crate::model::{small_list, AmmRequest, Command, CommandRequest, TerminationId};
    let t0 = Instant::now();
    let mut mg = codec::CodecEngine::new(Engine::new(config(Role::Mg)), codec::BerCodec::new());
    let request = vec![ActionRequest {
        context_id: ContextId::CHOOSE,
        context_request: None,
        context_attr_audit: None,
        commands: vec![CommandRequest::new(Command::Add(AmmRequest {
            termination_ids: small_list![TerminationId::from("$")],
            descriptors: Vec::new(),
        }))],
    }];
    mg.engine.handle_message(
        t0,
        Side::Mgc,
        message(
            3,
            vec![Transaction::Request(TransactionRequest {
                transaction_id: 9,
                actions: request,
            })],
        ),
    );
    mg.engine
        .send_reply(t0, Side::Mgc, 9, add_reply_naming("ip/1"))
        .unwrap();
    let d = mg.poll_transmit().expect("an error reply goes out");
    let decoded = crate::ber::decode_default(&d.bytes).unwrap();
    let MessageBody::Transactions(t) = decoded.message.body else {
        panic!("transactions")
    };
    match &t[..] {
        [Transaction::Reply(r)] => {
            assert_eq!(r.transaction_id, 9);
            assert!(matches!(&r.result, TransactionResult::Error(e) if e.code == 500));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(mg.engine.counters().encode_errors, 1);
}

#[test]
fn undecodable_datagram_with_a_header_gets_a_message_error() {
    let t0 = Instant::now();
    let mut mg = codec::CodecEngine::new(
        Engine::new(config(Role::Mg)),
        codec::TextCodec::new(crate::text::Style::Compact),
    );
    mg.handle_datagram(
        t0,
        Side::Mgc,
        b"MEGACO/3 [192.0.2.1]:2944 Transaction = { garbage",
    );
    let t = mg.engine.poll_transmit().expect("an error reply");
    assert_eq!(t.peer, Side::Mgc);
    assert_eq!(t.message.message.version, 3);
    assert!(matches!(&t.message.message.body, MessageBody::Error(e) if e.code == 400));
    // A version we do not speak: 406, answered in version 3.
    mg.handle_datagram(t0, Side::Mgc, b"MEGACO/4 [192.0.2.1]:2944 T=1{C=1{MF=A1}}");
    if let Some(t) = mg.engine.poll_transmit() {
        assert_eq!(t.message.message.version, 3);
        assert!(
            matches!(&t.message.message.body, MessageBody::Error(e) if e.code == 406 || e.code == 400)
        );
    }
    // No header: dropped, but counted.
    mg.handle_datagram(t0, Side::Mgc, b"\x00\x01 not megaco");
    assert!(mg.engine.poll_transmit().is_none());
    assert_eq!(mg.engine.counters().undecodable_messages, 3);
    assert_eq!(mg.engine.counters().message_errors_sent, 2);
    assert!(mg.poll_event().is_none());
}

#[test]
fn text_header_version_is_sniffed() {
    use codec::sniff_text_version as v;
    assert_eq!(v(b"MEGACO/1 [1.2.3.4]:2944 T=1{}"), Some(1));
    assert_eq!(v(b"  \r\n!/3 [1.2.3.4] T=1{}"), Some(3));
    assert_eq!(v(b"megaco/2 <mgc>"), Some(2));
    assert_eq!(v(b"AU=0x1:0x2:0x0102 MEGACO/3 [1.2.3.4]"), Some(3));
    assert_eq!(v(b"MEGACO/12 x"), None);
    assert_eq!(v(b"HTTP/1.1 200"), None);
    assert_eq!(v(b""), None);
}

#[test]
#[ignore]
fn trace_seed() {
    let seed: u64 = std::env::var("SEED").unwrap().parse().unwrap();
    let mut pair = sim::random_pair(seed);
    pair.trace = true;
    eprintln!("{:?}\n{:?}", pair.engines[0].config(), pair.net);
    pair.run_until_idle();
    pair.check(seed);
}

#[test]
fn text_datagrams_drive_the_engine() {
    let t0 = Instant::now();
    let codec = codec::TextCodec::new(crate::text::Style::Compact);
    let mut mg = codec::CodecEngine::new(Engine::new(config(Role::Mg)), codec);
    let request = b"MEGACO/3 [192.0.2.1]:2944\nTransaction = 5 {\n  Context = 1 { Modify = A4444 }, Context = 2 { Modify = A4445 }\n}\n";
    mg.handle_datagram(t0, Side::Mgc, request);
    match mg.poll_event() {
        Some(Event::RequestReceived {
            transaction_id: 5,
            version: 3,
            actions,
            ..
        }) => {
            assert_eq!(actions.len(), 2);
            assert_eq!(actions[1].context_id, ContextId(2));
        }
        other => panic!("{other:?} ({:?})", mg.engine.counters()),
    }
    // The retransmission, with a Pending-worthy delay, compact tokens.
    mg.handle_datagram(
        t0 + ms(300),
        Side::Mgc,
        b"!/3 [192.0.2.1]:2944 T=5{C=1{MF=A4444},C=2{MF=A4445}}",
    );
    assert!(mg.poll_event().is_none());
    assert_eq!(mg.engine.counters().duplicate_requests, 1);
    let pending = mg.engine.poll_transmit().expect("a Pending");
    assert_eq!(
        sent_transactions_of(pending.message),
        vec![Transaction::Pending(TransactionPending {
            transaction_id: 5
        })]
    );

    let mut mgc = codec::CodecEngine::new(Engine::new(config(Role::Mgc)), codec);
    let id = mgc
        .engine
        .send_request(t0, Side::Mg, 3, actions(1, 1))
        .unwrap();
    let reply =
        format!("MEGACO/3 [192.0.2.2]:2944 Reply = {id} {{ Context = 17 {{ Modify = A4444 }} }}");
    mgc.handle_datagram(t0 + ms(5), Side::Mg, reply.as_bytes());
    assert!(
        matches!(mgc.poll_event(), Some(Event::ReplyReceived { transaction_id, .. }) if transaction_id == id)
    );
}

fn sent_transactions_of(m: MegacoMessage) -> Vec<Transaction> {
    match m.message.body {
        MessageBody::Transactions(ts) => ts,
        MessageBody::Error(_) => vec![],
    }
}

#[test]
fn wide_and_many_ack_ranges_cost_bounded_work() {
    let t0 = Instant::now();
    let mut mg = Engine::new(config(Role::Mg));
    mg.handle_message(
        t0,
        Side::Mgc,
        message(3, (1..=4).map(|i| request(i, i)).collect()),
    );
    mg.handle_message(t0, Side::Mgc, message(3, vec![request(u32::MAX, 9)]));
    for id in [1, 2, 3, 4, u32::MAX] {
        mg.send_reply(t0, Side::Mgc, id, answer_to(&actions(id, 1)))
            .unwrap();
    }
    assert_eq!(mg.cached_replies(), 5);
    // Ten thousand overlapping full-width ranges plus a narrow one.
    let mut acks = vec![
        TransactionAck {
            first: 1,
            last: Some(u32::MAX)
        };
        10_000
    ];
    acks.push(TransactionAck {
        first: 2,
        last: None,
    });
    let start = std::time::Instant::now();
    mg.handle_message(
        t0,
        Side::Mgc,
        message(3, vec![Transaction::ResponseAck(acks)]),
    );
    assert!(start.elapsed() < Duration::from_secs(1));
    assert_eq!(mg.cached_replies(), 0);
    // Ranges written backwards (last < first) are read as the same range.
    let mut mg = Engine::new(config(Role::Mg));
    mg.handle_message(t0, Side::Mgc, message(3, vec![request(7, 7)]));
    mg.send_reply(t0, Side::Mgc, 7, answer_to(&actions(7, 1)))
        .unwrap();
    let ack = Transaction::ResponseAck(vec![TransactionAck {
        first: 9,
        last: Some(5),
    }]);
    mg.handle_message(t0, Side::Mgc, message(3, vec![ack]));
    assert_eq!(mg.cached_replies(), 0);
}

#[test]
fn same_transaction_id_from_two_peers_is_two_transactions() {
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    struct Addr(u8);
    let t0 = Instant::now();
    let mut mgc: Engine<Addr> = Engine::new(config(Role::Mgc));
    mgc.handle_message(t0, Addr(1), message(3, vec![request(1, 1)]));
    mgc.handle_message(t0, Addr(2), message(3, vec![request(1, 2)]));
    let ev: Vec<_> = std::iter::from_fn(|| mgc.poll_event()).collect();
    assert_eq!(ev.len(), 2);
    mgc.send_reply(t0, Addr(2), 1, answer_to(&actions(2, 1)))
        .unwrap();
    let t = mgc.poll_transmit().unwrap();
    assert_eq!(t.peer, Addr(2));
    // An ack from one peer does not touch the other's transaction.
    mgc.send_reply(t0, Addr(1), 1, answer_to(&actions(1, 1)))
        .unwrap();
    let ack = Transaction::ResponseAck(vec![TransactionAck {
        first: 1,
        last: None,
    }]);
    mgc.handle_message(t0, Addr(2), message(3, vec![ack]));
    assert_eq!(mgc.cached_replies(), 1);
}

#[test]
fn reassembly_ignores_pending_and_accepts_a_whole_reply() {
    let t0 = Instant::now();
    let mut mgc = Engine::new(config(Role::Mgc));
    let id = mgc.send_request(t0, Side::Mg, 3, actions(1, 2)).unwrap();
    sent(&mut mgc);
    let Transaction::Reply(mut seg) = reply_to(id, 1) else {
        unreachable!()
    };
    seg.segment_number = Some(1);
    mgc.handle_message(
        t0 + ms(1),
        Side::Mg,
        message(3, vec![Transaction::Reply(seg)]),
    );
    mgc.handle_message(t0 + ms(2), Side::Mg, message(3, vec![pending(id)]));
    assert_eq!(mgc.counters().unexpected_pendings, 1);
    assert!(mgc.poll_event().is_none());
    // The peer gives up segmenting and sends the whole reply.
    let whole = Transaction::Reply(TransactionReply {
        transaction_id: id,
        imm_ack_required: false,
        result: answer_to(&actions(1, 2)),
        segment_number: None,
        segmentation_complete: false,
    });
    mgc.handle_message(t0 + ms(3), Side::Mg, message(3, vec![whole]));
    assert!(matches!(
        events(&mut mgc).as_slice(),
        [Event::ReplyReceived { segments: None, .. }]
    ));
    run_dry(&mut mgc);
}

#[test]
fn peer_lost_fails_its_requests_only() {
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    struct Conn(u8);
    let t0 = Instant::now();
    let mut c = config(Role::Mgc);
    c.reliable_transport = true;
    let mut mgc: Engine<Conn> = Engine::new(c);
    let a = mgc.send_request(t0, Conn(1), 3, actions(1, 1)).unwrap();
    let b = mgc.send_request(t0, Conn(2), 3, actions(2, 1)).unwrap();
    let c2 = mgc.send_request(t0, Conn(1), 3, actions(3, 1)).unwrap();
    mgc.handle_message(t0, Conn(1), message(3, vec![request(40, 1)]));
    std::iter::from_fn(|| mgc.poll_event()).for_each(drop);
    assert_eq!(mgc.peer_lost(t0 + ms(5), &Conn(1)), 2);
    let ev: Vec<_> = std::iter::from_fn(|| mgc.poll_event()).collect();
    assert_eq!(
        ev,
        vec![
            Event::RequestFailed {
                peer: Conn(1),
                transaction_id: a,
                reason: Failure::PeerLost
            },
            Event::RequestFailed {
                peer: Conn(1),
                transaction_id: c2,
                reason: Failure::PeerLost
            },
        ]
    );
    // b still waits; the incoming request from the lost peer is still known.
    assert_eq!(mgc.live_transactions(), 2);
    mgc.handle_message(t0 + ms(6), Conn(2), message(3, vec![reply_to(b, 2)]));
    assert!(mgc.poll_event().is_some());
    mgc.handle_message(t0 + ms(7), Conn(1), message(3, vec![request(40, 1)]));
    assert!(mgc.poll_event().is_none());
}

#[test]
fn segment_window_holds_segments_until_acknowledged() {
    let t0 = Instant::now();
    let mut c = segmenting(Role::Mg);
    c.segment_window = Some(1);
    let mut mg = Engine::new(c);
    let acts = actions(3, 6);
    mg.handle_message(
        t0,
        Side::Mgc,
        message(
            3,
            vec![Transaction::Request(TransactionRequest {
                transaction_id: 9,
                actions: acts.clone(),
            })],
        ),
    );
    mg.send_reply(t0, Side::Mgc, 9, answer_to(&acts)).unwrap();
    let number = |ts: Vec<Transaction>| -> Vec<Option<u16>> {
        ts.into_iter()
            .map(|t| match t {
                Transaction::Reply(r) => r.segment_number,
                _ => None,
            })
            .collect()
    };
    assert_eq!(number(sent_transactions(&mut mg)), vec![Some(1)]);
    let seg = |n| {
        Transaction::SegmentReply(SegmentReply {
            transaction_id: 9,
            segment_number: n,
            segmentation_complete: false,
        })
    };
    // A SegmentReply for a segment not yet sent is stray.
    mg.handle_message(t0, Side::Mgc, message(3, vec![seg(2)]));
    assert_eq!(mg.counters().stray_segment_replies, 1);
    assert!(sent(&mut mg).is_empty());
    mg.handle_message(t0, Side::Mgc, message(3, vec![seg(1)]));
    assert_eq!(number(sent_transactions(&mut mg)), vec![Some(2)]);
    // A retransmitted request resends only what was sent and not acknowledged.
    mg.handle_message(
        t0 + ms(300),
        Side::Mgc,
        message(
            3,
            vec![Transaction::Request(TransactionRequest {
                transaction_id: 9,
                actions: acts.clone(),
            })],
        ),
    );
    assert_eq!(number(sent_transactions(&mut mg)), vec![Some(2)]);
    mg.handle_message(t0, Side::Mgc, message(3, vec![seg(2)]));
    let last = sent_transactions(&mut mg);
    assert!(
        matches!(&last[..], [Transaction::Reply(r)] if r.segment_number == Some(3) && r.segmentation_complete)
    );
}

#[test]
fn default_configuration_is_valid_and_bad_ones_are_named() {
    assert_eq!(config(Role::Mg).validate(), Ok(()));
    let mut c = config(Role::Mgc);
    c.long_timer = c.request_lifetime;
    assert!(c.validate().unwrap_err().0.contains("long_timer"));
    let mut c = config(Role::Mgc);
    c.segmentation = Segmentation::MaxMessageSize(10);
    assert!(c.validate().is_err());
    let mut c = config(Role::Mgc);
    c.segment_window = Some(0);
    assert!(c.validate().is_err());
    assert_eq!(c.propagation_allowance(), Duration::from_secs(2));
    assert_eq!(c.resend_window(), Duration::from_secs(28));
}

// ---- the reply cache, packed ---------------------------------------------------

/// The MG side of a text byte layer that has answered request 7 (one Add
/// with Local SDP, as a media gateway's reply carries): the datagram it sent.
fn text_mg_answered(
    style: crate::text::Style,
) -> (codec::CodecEngine<Side, codec::TextCodec>, Vec<u8>, Vec<u8>) {
    let t0 = Instant::now();
    let mut mg =
        codec::CodecEngine::new(Engine::new(config(Role::Mg)), codec::TextCodec::new(style));
    let request = b"!/3 [10.0.0.1]:2944\nT=7{C=${A=${M{O{MO=SR},L{v=0\nc=IN IP4 $\nm=audio $ RTP/AVP 0\n}}}}}".to_vec();
    mg.handle_datagram(t0, Side::Mgc, &request);
    let Some(Event::RequestReceived { actions, .. }) = mg.poll_event() else {
        panic!("the request reaches the application")
    };
    mg.engine
        .send_reply(t0, Side::Mgc, 7, answer_to(&actions))
        .unwrap();
    let reply = mg.poll_transmit().unwrap().bytes;
    (mg, request, reply)
}

#[test]
fn a_packed_cached_reply_is_sent_again_byte_for_byte() {
    for style in [crate::text::Style::Pretty, crate::text::Style::Compact] {
        let (mut mg, request, reply) = text_mg_answered(style);
        assert_eq!(mg.engine.cached_replies(), 1);
        mg.handle_datagram(Instant::now(), Side::Mgc, &request);
        let again = mg.poll_transmit().expect("the cached reply is sent again");
        assert_eq!(again.bytes, reply, "{style:?}");
        assert!(
            mg.poll_event().is_none(),
            "a duplicate is not executed again"
        );
        assert_eq!(mg.engine.counters().reply_retransmissions, 1);
        assert_eq!(mg.engine.counters().unpack_failures, 0);
    }
}

/// Replies that left together in one message are each kept as their part
/// of it, and a repeated request gets its own reply again, the same
/// transaction; a repetition that arrives before the reply left is answered
/// by that reply alone.
#[test]
fn replies_kept_as_sent_are_sent_again_one_by_one() {
    for style in [crate::text::Style::Pretty, crate::text::Style::Compact] {
        let t0 = Instant::now();
        let mut mg =
            codec::CodecEngine::new(Engine::new(config(Role::Mg)), codec::TextCodec::new(style));
        assert!(mg.engine.keeps_replies_as_sent());
        let requests: Vec<Transaction> = (1..=3).map(|id| request(id, 40 + id)).collect();
        let datagram = crate::text::encode_to_vec(&message(3, requests), style).unwrap();
        mg.handle_datagram(t0, Side::Mgc, &datagram);
        let mut answers = Vec::new();
        while let Some(Event::RequestReceived {
            transaction_id,
            actions,
            ..
        }) = mg.poll_event()
        {
            let result = answer_to(&actions);
            answers.push((transaction_id, result.clone()));
            mg.engine
                .send_reply(t0, Side::Mgc, transaction_id, result)
                .unwrap();
        }
        assert_eq!(answers.len(), 3);
        // Request 2 repeated before anything was sent: the queued reply
        // answers it, nothing else is sent for it.
        let repeat_2 =
            crate::text::encode_to_vec(&message(3, vec![request(2, 42)]), style).unwrap();
        mg.handle_datagram(t0, Side::Mgc, &repeat_2);
        let batch = mg.poll_transmit().expect("the three replies leave");
        assert!(mg.poll_transmit().is_none(), "{style:?}: one message");
        let sent = crate::text::decode(&batch.bytes).unwrap();
        let MessageBody::Transactions(sent) = sent.message.body else {
            panic!("transactions")
        };
        assert_eq!(sent.len(), 3);
        assert_eq!(mg.engine.counters().unpack_failures, 0);
        // Each repeated now: its own reply, decoded equal to what was sent.
        for (i, (id, result)) in answers.iter().enumerate() {
            let again =
                crate::text::encode_to_vec(&message(3, vec![request(*id, 40 + *id)]), style)
                    .unwrap();
            mg.handle_datagram(t0, Side::Mgc, &again);
            let resent = mg.poll_transmit().expect("the cached reply is sent again");
            let resent = crate::text::decode(&resent.bytes).unwrap();
            let MessageBody::Transactions(resent) = resent.message.body else {
                panic!("transactions")
            };
            assert_eq!(resent, vec![sent[i].clone()], "{style:?} reply {id}");
            let Transaction::Reply(reply) = &resent[0] else {
                panic!("a reply")
            };
            assert_eq!((&reply.transaction_id, &reply.result), (id, result));
        }
        assert_eq!(mg.engine.counters().unpack_failures, 0);
        assert_eq!(mg.engine.counters().reply_retransmissions, 4);
    }
}

/// A packer whose output cannot be read back.
struct Unreadable;

impl ReplyPacker for Unreadable {
    fn pack(&self, _: u8, transaction: Transaction, out: &mut Vec<u8>) -> (Transaction, bool) {
        out.extend_from_slice(b"garbage");
        (transaction, true)
    }
    fn unpack(&self, _: &[u8]) -> Option<Transaction> {
        None
    }
}

#[test]
fn a_cached_reply_that_does_not_unpack_is_counted_not_sent() {
    let t0 = Instant::now();
    let mut mg = Engine::new(config(Role::Mg));
    mg.set_reply_packer(Box::new(Unreadable));
    mg.handle_message(t0, Side::Mgc, message(3, vec![request(9, 1)]));
    let Some(Event::RequestReceived { actions, .. }) = mg.poll_event() else {
        panic!()
    };
    mg.send_reply(t0, Side::Mgc, 9, answer_to(&actions))
        .unwrap();
    assert_eq!(
        count(&sent_transactions(&mut mg), is_reply),
        1,
        "the first reply goes as built"
    );
    mg.handle_message(t0 + ms(10), Side::Mgc, message(3, vec![request(9, 1)]));
    assert!(sent_transactions(&mut mg).is_empty());
    assert_eq!(mg.counters().unpack_failures, 1);
    assert!(events(&mut mg).is_empty());
}
