//! A deterministic harness: an MGC engine and an MG engine coupled through a
//! simulated network (loss, duplication, reordering, delay) on simulated
//! time, each with an application model that answers requests after a
//! random delay. Everything is driven by one seeded RNG: a failing seed
//! replays exactly.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use super::*;
use crate::model::{ActionReply, ActionRequest, ContextId, MId, TransactionResult};

/// SplitMix64: tiny, fast, good enough for test schedules.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p && p > 0.0
    }
    pub fn millis(&mut self, lo: u64, hi: u64) -> Duration {
        Duration::from_millis(lo + self.below(hi - lo + 1))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Side {
    Mgc,
    Mg,
}

impl Side {
    pub fn other(self) -> Side {
        match self {
            Side::Mgc => Side::Mg,
            Side::Mg => Side::Mgc,
        }
    }
    fn index(self) -> usize {
        self as usize
    }
}

/// Network behaviour.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NetConfig {
    pub loss: f64,
    pub duplicate: f64,
    pub min_delay: Duration,
    /// Must stay below LONG-TIMER minus T-MAX (Annex D.1.5).
    pub max_delay: Duration,
}

pub(crate) fn mid(side: Side) -> MId {
    MId::Domain {
        name: match side {
            Side::Mgc => "mgc".into(),
            Side::Mg => "mg".into(),
        },
        port: None,
    }
}

/// `n` actions whose context IDs fingerprint the request.
pub(crate) fn actions(fingerprint: u32, n: u32) -> Vec<ActionRequest> {
    (0..n)
        .map(|i| ActionRequest {
            context_id: ContextId(fingerprint.wrapping_mul(16).wrapping_add(i + 1)),
            context_request: None,
            context_attr_audit: None,
            commands: vec![],
        })
        .collect()
}

/// The reply an application gives: one action reply per action, same
/// context IDs, in order.
pub(crate) fn answer_to(actions: &[ActionRequest]) -> TransactionResult {
    TransactionResult::ActionReplies(
        actions
            .iter()
            .map(|a| ActionReply {
                context_id: a.context_id,
                error: None,
                context_reply: None,
                commands: vec![],
            })
            .collect(),
    )
}

/// What one side's application saw.
#[derive(Debug, Default)]
pub(crate) struct AppLog {
    /// Requests this side sent: id → the actions.
    pub sent: HashMap<TransactionId, Vec<ActionRequest>>,
    /// Final outcomes per sent id (replies and failures).
    pub outcomes: HashMap<TransactionId, u32>,
    pub replies: HashMap<TransactionId, TransactionResult>,
    pub cancelled: Vec<TransactionId>,
    /// Executions per received id.
    pub executed: HashMap<TransactionId, u32>,
    pub aborted: Vec<TransactionId>,
    /// Scheduled answers: (when, seq) → (id, result).
    pub answers: BTreeMap<(Instant, u64), (TransactionId, TransactionResult)>,
    /// Scheduled sends: (when, seq) → (fingerprint, actions count).
    pub sends: BTreeMap<(Instant, u64), (u32, u32)>,
    pub cancels: BTreeMap<(Instant, u64), TransactionId>,
    pub message_errors: u32,
}

pub(crate) struct Pair {
    pub start: Instant,
    pub now: Instant,
    pub engines: [Engine<Side>; 2],
    pub logs: [AppLog; 2],
    pub net: NetConfig,
    pub rng: Rng,
    in_flight: BTreeMap<(Instant, u64), (Side, MegacoMessage)>,
    seq: u64,
    /// Probability an application never answers a request.
    pub p_never_answer: f64,
    /// Probability an application answers slowly (past the Pending timers).
    pub p_slow_answer: f64,
    pub p_cancel: f64,
    pub actions_max: u32,
    pub steps: u64,
    pub seed: u64,
    pub trace: bool,
}

impl Pair {
    pub fn new(mgc: EngineConfig, mg: EngineConfig, net: NetConfig, seed: u64) -> Self {
        let now = Instant::now();
        Pair {
            start: now,
            now,
            engines: [Engine::new(mgc), Engine::new(mg)],
            logs: [AppLog::default(), AppLog::default()],
            net,
            rng: Rng::new(seed),
            in_flight: BTreeMap::new(),
            seq: 0,
            p_never_answer: 0.0,
            p_slow_answer: 0.0,
            p_cancel: 0.0,
            actions_max: 1,
            steps: 0,
            seed,
            trace: false,
        }
    }

    pub fn engine(&mut self, side: Side) -> &mut Engine<Side> {
        &mut self.engines[side.index()]
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Schedules `count` requests from `side` at random instants within
    /// `window` from now.
    pub fn schedule_requests(&mut self, side: Side, count: u32, window: Duration) {
        for i in 0..count {
            let at = self.now + self.rng.millis(0, window.as_millis() as u64);
            let seq = self.next_seq();
            let n = 1 + self.rng.below(u64::from(self.actions_max)) as u32;
            let fingerprint = (side.index() as u32) << 20 | i;
            self.logs[side.index()]
                .sends
                .insert((at, seq), (fingerprint, n));
        }
    }

    /// Moves transmits into the network and events into the applications.
    fn drain(&mut self) {
        for side in [Side::Mgc, Side::Mg] {
            while let Some(t) = self.engines[side.index()].poll_transmit() {
                debug_assert_eq!(t.peer, side.other());
                if self.rng.chance(self.net.loss) {
                    continue;
                }
                let copies = if self.rng.chance(self.net.duplicate) {
                    2
                } else {
                    1
                };
                for _ in 0..copies {
                    let delay = self.rng.millis(
                        self.net.min_delay.as_millis() as u64,
                        self.net.max_delay.as_millis() as u64,
                    );
                    let seq = self.next_seq();
                    self.in_flight
                        .insert((self.now + delay, seq), (side.other(), t.message.clone()));
                }
            }
            while let Some(e) = self.engines[side.index()].poll_event() {
                self.on_event(side, e);
            }
        }
    }

    fn on_event(&mut self, side: Side, event: Event<Side>) {
        let now = self.now;
        if self.trace {
            eprintln!(
                "{:?} {side:?} event {event:?}",
                now.duration_since(self.start)
            );
        }
        match event {
            Event::RequestReceived {
                transaction_id,
                actions,
                ..
            } => {
                *self.logs[side.index()]
                    .executed
                    .entry(transaction_id)
                    .or_default() += 1;
                if self.rng.chance(self.p_never_answer) {
                    return;
                }
                let delay = if self.rng.chance(self.p_slow_answer) {
                    self.rng.millis(300, 8_000)
                } else {
                    self.rng.millis(0, 100)
                };
                let seq = self.next_seq();
                self.logs[side.index()]
                    .answers
                    .insert((now + delay, seq), (transaction_id, answer_to(&actions)));
            }
            Event::ReplyReceived {
                transaction_id,
                result,
                ..
            } => {
                let log = &mut self.logs[side.index()];
                *log.outcomes.entry(transaction_id).or_default() += 1;
                log.replies.insert(transaction_id, result);
            }
            Event::RequestFailed { transaction_id, .. } => {
                *self.logs[side.index()]
                    .outcomes
                    .entry(transaction_id)
                    .or_default() += 1;
            }
            Event::RequestAborted { transaction_id, .. } => {
                self.logs[side.index()].aborted.push(transaction_id);
            }
            Event::PeerMessageError { .. } => self.logs[side.index()].message_errors += 1,
        }
    }

    fn next_instant(&mut self) -> Option<Instant> {
        let mut next: Option<Instant> = self.in_flight.keys().next().map(|k| k.0);
        let mut consider = |t: Option<Instant>| {
            if let Some(t) = t {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        };
        for side in [Side::Mgc, Side::Mg] {
            consider(self.engines[side.index()].poll_timeout());
            let log = &self.logs[side.index()];
            consider(log.answers.keys().next().map(|k| k.0));
            consider(log.sends.keys().next().map(|k| k.0));
            consider(log.cancels.keys().next().map(|k| k.0));
        }
        next
    }

    /// Runs until nothing is left to happen: no message in flight, no
    /// timer armed, no application action scheduled.
    pub fn run_until_idle(&mut self) {
        self.run_until(None);
    }

    /// Runs until `deadline` (or idle).
    pub fn run_until(&mut self, deadline: Option<Instant>) {
        loop {
            self.drain();
            let Some(at) = self.next_instant() else {
                return;
            };
            if deadline.is_some_and(|d| at > d) {
                self.now = deadline.unwrap_or(at);
                return;
            }
            self.now = self.now.max(at);
            self.steps += 1;
            assert!(self.steps < 5_000_000, "simulation does not settle");
            self.step();
        }
    }

    fn step(&mut self) {
        let now = self.now;
        while let Some(entry) = self.in_flight.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let (to, message) = entry.remove();
            if self.trace {
                eprintln!(
                    "{:?} -> {to:?}: {:?}",
                    now.duration_since(self.start),
                    message.message.body
                );
            }
            self.engines[to.index()].handle_message(now, to.other(), message);
        }
        for engine in &mut self.engines {
            engine.handle_timeout(now);
        }
        // The applications see what the engines reported before they act.
        self.drain();
        for side in [Side::Mgc, Side::Mg] {
            let i = side.index();
            while let Some(entry) = self.logs[i].answers.first_entry() {
                if entry.key().0 > now {
                    break;
                }
                let (id, result) = entry.remove();
                if self.trace {
                    eprintln!(
                        "{:?} {side:?} app replies {id}",
                        now.duration_since(self.start)
                    );
                }
                let r = self.engines[i].send_reply(now, side.other(), id, result);
                let aborted = self.logs[i].aborted.contains(&id);
                assert_eq!(
                    r.is_err(),
                    aborted,
                    "seed {}: {side:?} send_reply({id}) refused only after an abort",
                    self.seed
                );
            }
            while let Some(entry) = self.logs[i].sends.first_entry() {
                if entry.key().0 > now {
                    break;
                }
                let (fingerprint, n) = entry.remove();
                let actions = actions(fingerprint, n);
                let id = self.engines[i]
                    .send_request(now, side.other(), 3, actions.clone())
                    .expect("within limits");
                assert!(
                    self.logs[i].sent.insert(id, actions).is_none(),
                    "transaction id {id} reused"
                );
                if self.rng.chance(self.p_cancel) {
                    let at = now + self.rng.millis(0, 3_000);
                    let seq = self.next_seq();
                    self.logs[i].cancels.insert((at, seq), id);
                }
            }
            while let Some(entry) = self.logs[i].cancels.first_entry() {
                if entry.key().0 > now {
                    break;
                }
                let id = entry.remove();
                if self.engines[i].cancel(now, id) {
                    self.logs[i].cancelled.push(id);
                }
            }
        }
    }

    /// The properties every run must satisfy, once idle.
    pub fn check(&mut self, seed: u64) {
        for side in [Side::Mgc, Side::Mg] {
            let me = &self.logs[side.index()];
            let peer = &self.logs[side.other().index()];
            for (id, n) in &me.executed {
                assert_eq!(*n, 1, "seed {seed}: {side:?} executed {id} {n} times");
            }
            for (id, actions) in &me.sent {
                let outcomes = me.outcomes.get(id).copied().unwrap_or(0);
                let cancelled = me.cancelled.contains(id);
                if cancelled {
                    assert_eq!(
                        outcomes, 0,
                        "seed {seed}: {side:?} cancelled {id} yet saw an outcome"
                    );
                } else {
                    assert_eq!(
                        outcomes, 1,
                        "seed {seed}: {side:?} request {id}: {outcomes} outcomes"
                    );
                }
                if let Some(TransactionResult::ActionReplies(replies)) = me.replies.get(id) {
                    assert!(
                        peer.executed.contains_key(id),
                        "seed {seed}: reply without execution"
                    );
                    let want: Vec<ContextId> = actions.iter().map(|a| a.context_id).collect();
                    let got: Vec<ContextId> = replies.iter().map(|r| r.context_id).collect();
                    assert_eq!(
                        got, want,
                        "seed {seed}: reply to {id} answers another request"
                    );
                }
            }
            let engine = &mut self.engines[side.index()];
            assert_eq!(
                engine.live_transactions(),
                0,
                "seed {seed}: {side:?} live state left"
            );
            assert_eq!(
                engine.cached_replies(),
                0,
                "seed {seed}: {side:?} cached replies left"
            );
            assert_eq!(
                engine.state_entries(),
                0,
                "seed {seed}: {side:?} state left"
            );
            assert_eq!(
                engine.poll_timeout(),
                None,
                "seed {seed}: {side:?} timer left"
            );
        }
    }
}

/// A randomised configuration pair and network for `seed`.
pub(crate) fn random_pair(seed: u64) -> Pair {
    let mut rng = Rng::new(seed ^ 0x5EED);
    let mut mgc = EngineConfig::new(Role::Mgc, mid(Side::Mgc));
    let mut mg = EngineConfig::new(Role::Mg, mid(Side::Mg));
    let reliable = rng.chance(0.1);
    for c in [&mut mgc, &mut mg] {
        c.reliable_transport = reliable;
        if rng.chance(0.5) {
            c.segmentation = Segmentation::MaxMessageSize(SEGMENT_OVERHEAD + 100);
            c.segment_window = [None, Some(1), Some(2)][rng.below(3) as usize];
        }
        c.ack_delay = Duration::from_millis([0, 20, 50][rng.below(3) as usize]);
        c.max_transactions_per_message = [1, 4, 16][rng.below(3) as usize];
        if rng.chance(0.3) {
            c.resend_after_pending = ResendAfterPending::Every(Duration::from_secs(3));
        }
        if rng.chance(0.3) {
            c.reply_resend = ReplyResend::UntilAcked;
        }
        if rng.chance(0.3) {
            c.imm_ack = ImmAckPolicy::Always;
        }
        if rng.chance(0.1) {
            c.max_incoming_transactions = 4;
        }
        if rng.chance(0.2) {
            c.mg_originated_pending_limit = 2;
            c.mgc_originated_pending_limit = 2;
        }
    }
    let net = if reliable {
        NetConfig {
            loss: 0.0,
            duplicate: 0.0,
            min_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(5),
        }
    } else {
        NetConfig {
            loss: [0.0, 0.05, 0.2, 0.4][rng.below(4) as usize],
            duplicate: [0.0, 0.05, 0.2][rng.below(3) as usize],
            min_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis([5, 100, 1_500][rng.below(3) as usize]),
        }
    };
    let mut pair = Pair::new(mgc, mg, net, seed);
    if seed % 2 == 1 {
        // Odd seeds keep cached replies packed, as the byte layer does.
        for engine in &mut pair.engines {
            engine.set_reply_packer(Box::new(super::codec::CodecReplyPacker {
                codec: crate::transaction::codec::TextCodec::new(crate::text::Style::Compact),
            }));
        }
    }
    pair.p_never_answer = [0.0, 0.05][rng.below(2) as usize];
    pair.p_slow_answer = [0.0, 0.2, 0.5][rng.below(3) as usize];
    pair.p_cancel = [0.0, 0.05][rng.below(2) as usize];
    pair.actions_max = 1 + rng.below(6) as u32;
    let window = Duration::from_secs(5);
    let (a, b) = (1 + rng.below(12) as u32, 1 + rng.below(12) as u32);
    pair.schedule_requests(Side::Mgc, a, window);
    pair.schedule_requests(Side::Mg, b, window);
    pair
}
