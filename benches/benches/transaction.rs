//! Criterion benchmark of the transaction engine: request → reply
//! throughput of an MGC engine against an MG engine coupled in memory at
//! the model level (no codec, no loss), including the acknowledgements and
//! the LONG-TIMER bookkeeping of a steady state. Reported per transaction.

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use h248_stack::model::{ActionReply, ActionRequest, ContextId, MId, TransactionResult};
use h248_stack::transaction::{Engine, EngineConfig, Event, Role};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Side {
    Mgc,
    Mg,
}

struct Pair {
    now: Instant,
    mgc: Engine<Side>,
    mg: Engine<Side>,
    replies: u64,
}

impl Pair {
    fn new() -> Self {
        let mid = |n: &str| MId::Domain {
            name: n.into(),
            port: None,
        };
        Pair {
            now: Instant::now(),
            mgc: Engine::new(EngineConfig::new(Role::Mgc, mid("mgc"))),
            mg: Engine::new(EngineConfig::new(Role::Mg, mid("mg"))),
            replies: 0,
        }
    }

    /// `batch` requests sent at one instant, answered, acknowledged.
    fn round(&mut self, batch: u32) {
        self.now += Duration::from_millis(1);
        let now = self.now;
        for i in 0..batch {
            let actions = vec![ActionRequest {
                context_id: ContextId(i + 1),
                context_request: None,
                context_attr_audit: None,
                commands: vec![],
            }];
            let _ = self.mgc.send_request(now, Side::Mg, 3, actions);
        }
        while let Some(t) = self.mgc.poll_transmit() {
            self.mg.handle_message(now, Side::Mgc, t.message);
        }
        while let Some(e) = self.mg.poll_event() {
            if let Event::RequestReceived {
                transaction_id,
                actions,
                ..
            } = e
            {
                let result = TransactionResult::ActionReplies(
                    actions
                        .iter()
                        .map(|a| ActionReply {
                            context_id: a.context_id,
                            error: None,
                            context_reply: None,
                            commands: vec![],
                        })
                        .collect(),
                );
                let _ = self.mg.send_reply(now, Side::Mgc, transaction_id, result);
            }
        }
        while let Some(t) = self.mg.poll_transmit() {
            self.mgc.handle_message(now, Side::Mg, t.message);
        }
        while let Some(e) = self.mgc.poll_event() {
            if matches!(e, Event::ReplyReceived { .. }) {
                self.replies += 1;
            }
        }
        // The ack batching delay passes; acks flow back.
        self.now += Duration::from_millis(60);
        let now = self.now;
        self.mgc.handle_timeout(now);
        while let Some(t) = self.mgc.poll_transmit() {
            self.mg.handle_message(now, Side::Mgc, t.message);
        }
        self.mg.handle_timeout(now);
        while self.mg.poll_transmit().is_some() {}
    }
}

fn transaction(c: &mut Criterion) {
    const BATCH: u32 = 64;
    let mut group = c.benchmark_group("transaction");
    group.throughput(Throughput::Elements(u64::from(BATCH)));
    let mut pair = Pair::new();
    group.bench_function("request_reply_ack", |b| {
        b.iter(|| pair.round(std::hint::black_box(BATCH)))
    });
    group.finish();
    assert!(pair.replies > 0);
}

criterion_group!(benches, transaction);
criterion_main!(benches);
