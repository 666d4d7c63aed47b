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
fn is_pending(t: &Transaction) -> bool {
    matches!(t, Transaction::Pending(_))
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
                ("pending_limit_exceeded_received", c.pending_limit_exceeded_received),
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

/// Thousands of seeded runs (5000 in release, 500 in debug; `SIM_RUNS`
/// overrides): every request executed at most once, answered or failed
/// exactly once (never both), replies matched to their request, and no
/// state left once the timers have run out.
#[test]
fn seeded_runs_keep_every_invariant() {
    let default = if cfg!(debug_assertions) { 500 } else { 5000 };
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
