//! A load-generating MGC: Add / Modify / Subtract call cycles against any MG,
//! N transactions in flight, latency of every transaction.
//!
//! The cycle and its counting rules are those of `megaco-load`'s generator
//! (`../shared/tools/megaco-load/mgc_load.erl`), so that the two drive an MG
//! the same way and their figures compare:
//!
//! - `Context = $ { Add = $ { Media { Stream = 1 { LocalControl { Mode =
//!   ReceiveOnly }, Local { v=0 c=IN IP4 $ m=audio $ RTP/AVP 0 } } } } }`
//! - `Context = C { Modify = T { Media { Stream = 1 { LocalControl { Mode =
//!   SendReceive }, Remote { ... 192.0.2.10 ... 40000 ... } } } } }`
//! - `Context = C { Subtract = T }` (with `{ Audit { Statistics } }` when asked)
//!
//! where C and T come from the Add reply. Each cycle keeps one transaction
//! outstanding; there is no retransmission: a transaction without a reply
//! within the timeout is counted and its cycle starts again with an Add
//! (a `Pending` pushes the deadline back, clause 8.2.3). A reply with
//! `ImmAckRequired` is acknowledged at once (clause 8.2.2 / D.1.4).
//!
//! Unlike `mgc_load`, every message goes through this stack's codec: the
//! requests are models encoded in the chosen encoding (pretty, compact or
//! BER), the MG's messages are decoded, and its own requests (ServiceChange,
//! Notify) get replies built from the request.
//!
//! [`Driver`] is sans-IO: datagrams and the current time are its inputs and
//! the datagrams to send its output; the `h248-load` binary owns the socket
//! and the clock.

pub mod procfs;

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use h248_stack::model::{
    ActionReply, AmmsReply, AuditReply, CommandReply, CommandRequest, ContextId, MId,
    MegacoMessage, Message, MessageBody, NotifyReply, ServiceChangeReply, ServiceChangeResult,
    TerminationId, Transaction, TransactionAck, TransactionReply, TransactionRequest,
    TransactionResult,
};
use h248_stack::model::{AuditReturnParameter, Command, SmallList};
use h248_stack::wire::{self, Encoding};

/// What the generator sends, and how.
#[derive(Debug, Clone)]
pub struct LoadConfig {
    pub encoding: Encoding,
    /// Protocol version of the requests' header; `None`: the version of the
    /// MG's ServiceChange (1 when there was none).
    pub version: Option<u8>,
    /// The generator's own message identifier.
    pub mid: MId,
    /// Subtract with `Audit { Statistics }`.
    pub subtract_audit: bool,
    /// How long a transaction may go without a reply.
    pub timeout: Duration,
}

/// The three transactions of a call cycle, and the two of the hold test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Add,
    Modify,
    Subtract,
    /// An Add of the hold test: its context stays open.
    HoldAdd,
    /// The Subtract that closes a context of the hold test.
    HoldSubtract,
}

/// Where the generator is in a level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for the MG's registration; no cycles.
    Idle,
    /// Cycles run, nothing is counted.
    Warmup,
    /// Cycles run and replies arriving now are counted.
    Measure,
    /// Cycles in progress finish; none starts again.
    Drain,
    /// The hold test opens or closes contexts.
    Hold,
}

/// A transaction waiting for its reply.
#[derive(Debug, Clone)]
struct Outstanding {
    kind: Kind,
    sent: Instant,
    deadline: Instant,
    context: ContextId,
    termination: Option<TerminationId>,
}

/// The counts of one measurement window.
#[derive(Debug, Clone, Default)]
pub struct LevelStats {
    /// Transactions whose reply arrived inside the window.
    pub transactions: u64,
    /// Cycles whose Subtract reply arrived inside the window.
    pub cycles: u64,
    /// Latency of each counted transaction, µs from send to reply.
    pub latencies_us: Vec<u32>,
    /// The same, per kind: Add, Modify, Subtract.
    pub latencies_by_kind_us: [Vec<u32>; 3],
    /// Replies with an Error descriptor anywhere, and Add replies without a
    /// usable context or termination.
    pub errors: u64,
    /// Transactions without a reply within the timeout.
    pub timeouts: u64,
    /// Replies to unknown or timed-out transactions.
    pub late: u64,
    /// Datagrams from the MG that did not decode.
    pub undecodable: u64,
    /// The first few error codes seen, with the kind of transaction.
    pub error_samples: Vec<(Kind, u16)>,
}

/// The value at quantile `q` (0 < q ≤ 1) of sorted samples, the
/// nearest-rank definition `mgc_load` uses.
pub fn quantile(sorted: &[u32], q: f64) -> Option<u32> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// The load generator's state machine (sans-IO).
pub struct Driver {
    config: LoadConfig,
    version: u8,
    /// The MG's protocol version once it registered.
    registered: Option<u8>,
    prototypes: Prototypes,
    next_transaction_id: u32,
    outstanding: HashMap<u32, Outstanding>,
    phase: Phase,
    stats: LevelStats,
    /// Contexts the hold test opened: (context, termination).
    held: Vec<(ContextId, TerminationId)>,
    transmit: VecDeque<Vec<u8>>,
    /// Requests from the MG that were answered.
    pub mg_requests: u64,
    /// Messages that could not be encoded, and were not sent.
    pub unencodable: u64,
}

impl Driver {
    pub fn new(config: LoadConfig) -> Self {
        Driver {
            version: config.version.unwrap_or(1),
            prototypes: Prototypes::new(),
            config,
            registered: None,
            next_transaction_id: 1,
            outstanding: HashMap::new(),
            phase: Phase::Idle,
            stats: LevelStats::default(),
            held: Vec::new(),
            transmit: VecDeque::new(),
            mg_requests: 0,
            unencodable: 0,
        }
    }

    /// The MG's protocol version, once its ServiceChange arrived.
    pub fn registered(&self) -> Option<u8> {
        self.registered
    }

    /// The protocol version the requests carry.
    pub fn version(&self) -> u8 {
        self.version
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Transactions waiting for a reply.
    pub fn outstanding(&self) -> usize {
        self.outstanding.len()
    }

    /// Contexts the hold test holds open.
    pub fn held(&self) -> usize {
        self.held.len()
    }

    /// The next datagram to send to the MG.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transmit.pop_front()
    }

    /// The earliest deadline of an outstanding transaction.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.outstanding.values().map(|o| o.deadline).min()
    }

    /// Starts a level: `cycles` call cycles, each with one transaction in
    /// flight, unmeasured until [`Driver::begin_measure`].
    pub fn start_level(&mut self, now: Instant, cycles: usize) {
        self.phase = Phase::Warmup;
        for _ in 0..cycles {
            self.send(now, Kind::Add, ContextId::CHOOSE, None);
        }
    }

    /// Opens the measurement window: the counts start from zero.
    pub fn begin_measure(&mut self) {
        self.stats = LevelStats::default();
        self.phase = Phase::Measure;
    }

    /// Closes the window: cycles in progress finish, none starts again.
    /// Returns the window's counts.
    pub fn begin_drain(&mut self) -> LevelStats {
        self.phase = Phase::Drain;
        std::mem::take(&mut self.stats)
    }

    /// Hold test: sends Adds that keep their context open, while fewer than
    /// `in_flight` are outstanding, up to `total` in all.
    pub fn hold_open(&mut self, now: Instant, total: usize, in_flight: usize) {
        self.phase = Phase::Hold;
        while self.held.len() + self.outstanding.len() < total && self.outstanding.len() < in_flight
        {
            self.send(now, Kind::HoldAdd, ContextId::CHOOSE, None);
        }
    }

    /// Hold test: sends Subtracts for the held contexts, while fewer than
    /// `in_flight` are outstanding.
    pub fn hold_close(&mut self, now: Instant, in_flight: usize) {
        self.phase = Phase::Hold;
        while self.outstanding.len() < in_flight {
            let Some((context, termination)) = self.held.pop() else {
                break;
            };
            self.send(now, Kind::HoldSubtract, context, Some(termination));
        }
    }

    /// Expires the transactions whose deadline has passed.
    pub fn handle_timeouts(&mut self, now: Instant) {
        let expired: Vec<u32> = self
            .outstanding
            .iter()
            .filter(|(_, o)| o.deadline <= now)
            .map(|(&id, _)| id)
            .collect();
        for id in expired {
            let Some(o) = self.outstanding.remove(&id) else {
                continue;
            };
            if self.phase == Phase::Measure {
                self.stats.timeouts += 1;
            }
            match o.kind {
                Kind::Add | Kind::Modify | Kind::Subtract => self.restart(now),
                Kind::HoldAdd | Kind::HoldSubtract => {}
            }
        }
    }

    /// Handles one datagram from the MG.
    pub fn handle_datagram(&mut self, now: Instant, datagram: &[u8]) {
        let message = match wire::decode_any(datagram) {
            Ok((message, _)) => message,
            Err(_) => {
                self.stats.undecodable += 1;
                return;
            }
        };
        let version = message.message.version;
        let MessageBody::Transactions(transactions) = message.message.body else {
            // A message-level error answers a message we sent; it names no
            // transaction, so the transactions of that message time out.
            self.stats.errors += 1;
            return;
        };
        for transaction in transactions {
            match transaction {
                Transaction::Reply(reply) => self.handle_reply(now, reply),
                Transaction::Pending(pending) => {
                    if let Some(o) = self.outstanding.get_mut(&pending.transaction_id) {
                        o.deadline = now + self.config.timeout;
                    }
                }
                Transaction::Request(request) => {
                    if self.registered.is_none() {
                        self.registered = Some(version);
                        if self.config.version.is_none() {
                            self.version = version;
                        }
                    }
                    self.answer_request(&request);
                }
                Transaction::ResponseAck(_) | Transaction::SegmentReply(_) => {}
            }
        }
    }

    fn handle_reply(&mut self, now: Instant, reply: TransactionReply) {
        let id = reply.transaction_id;
        if reply.imm_ack_required {
            let ack = self.message(vec![Transaction::ResponseAck(vec![TransactionAck {
                first: id,
                last: None,
            }])]);
            self.queue(&ack);
        }
        let Some(o) = self.outstanding.remove(&id) else {
            if self.phase == Phase::Measure {
                self.stats.late += 1;
            }
            return;
        };
        let error = first_error(&reply.result);
        if self.phase == Phase::Measure {
            let latency = now.saturating_duration_since(o.sent).as_micros();
            let latency = u32::try_from(latency).unwrap_or(u32::MAX);
            self.stats.transactions += 1;
            self.stats.latencies_us.push(latency);
            if let Some(slot) = match o.kind {
                Kind::Add => Some(0),
                Kind::Modify => Some(1),
                Kind::Subtract => Some(2),
                Kind::HoldAdd | Kind::HoldSubtract => None,
            } {
                self.stats.latencies_by_kind_us[slot].push(latency);
            }
            if let Some(code) = error {
                self.stats.errors += 1;
                if self.stats.error_samples.len() < 5 {
                    self.stats.error_samples.push((o.kind, code));
                }
            }
            if o.kind == Kind::Subtract {
                self.stats.cycles += 1;
            }
        }
        match o.kind {
            Kind::Add | Kind::HoldAdd if error.is_none() => match added(&reply.result) {
                Some((context, termination)) if o.kind == Kind::Add => {
                    self.send(now, Kind::Modify, context, Some(termination))
                }
                Some(pair) => self.held.push(pair),
                None => {
                    if self.phase == Phase::Measure {
                        self.stats.errors += 1;
                    }
                    if o.kind == Kind::Add {
                        self.restart(now);
                    }
                }
            },
            Kind::Add => self.restart(now),
            // Subtract even when the Modify failed, so that no context stays open.
            Kind::Modify => self.send(now, Kind::Subtract, o.context, o.termination),
            Kind::Subtract => self.restart(now),
            Kind::HoldAdd | Kind::HoldSubtract => {}
        }
    }

    /// Starts a new cycle in place of one that ended, unless draining.
    fn restart(&mut self, now: Instant) {
        if matches!(self.phase, Phase::Warmup | Phase::Measure) {
            self.send(now, Kind::Add, ContextId::CHOOSE, None);
        }
    }

    fn send(
        &mut self,
        now: Instant,
        kind: Kind,
        context: ContextId,
        termination: Option<TerminationId>,
    ) {
        let id = self.next_transaction_id;
        self.next_transaction_id = self.next_transaction_id.wrapping_add(1).max(1);
        let actions = self.prototypes.actions(
            kind,
            context,
            termination.clone(),
            self.config.subtract_audit,
        );
        let message = self.message(vec![Transaction::Request(TransactionRequest {
            transaction_id: id,
            actions,
        })]);
        self.queue(&message);
        self.outstanding.insert(
            id,
            Outstanding {
                kind,
                sent: now,
                deadline: now + self.config.timeout,
                context,
                termination,
            },
        );
    }

    /// Answers a request of the MG: each command gets the reply of its
    /// kind, for the same terminations, without descriptors (what an MGC
    /// that accepts a ServiceChange or a Notify sends).
    fn answer_request(&mut self, request: &TransactionRequest) {
        self.mg_requests += 1;
        let actions = request
            .actions
            .iter()
            .map(|action| ActionReply {
                context_id: action.context_id,
                error: None,
                context_reply: None,
                commands: action.commands.iter().map(reply_to_command).collect(),
            })
            .collect();
        let reply = self.message(vec![Transaction::Reply(TransactionReply {
            transaction_id: request.transaction_id,
            imm_ack_required: false,
            result: TransactionResult::ActionReplies(actions),
            segment_number: None,
            segmentation_complete: false,
        })]);
        self.queue(&reply);
    }

    fn message(&self, transactions: Vec<Transaction>) -> MegacoMessage {
        MegacoMessage {
            auth_header: None,
            message: Message {
                version: self.version,
                mid: self.config.mid.clone(),
                body: MessageBody::Transactions(transactions),
            },
        }
    }

    fn queue(&mut self, message: &MegacoMessage) {
        match wire::encode(message, self.config.encoding) {
            Ok(bytes) => self.transmit.push_back(bytes),
            // Only a reply that repeats what the MG sent can fail to encode
            // (a termination ID BER cannot carry, say): it is left unsent
            // and counted, as the MG's retransmissions will be.
            Err(_) => self.unencodable += 1,
        }
    }
}

/// The reply of the MGC to one command of the MG.
fn reply_to_command(request: &CommandRequest) -> CommandReply {
    let amms = |ids: &SmallList<TerminationId>| AmmsReply {
        termination_ids: ids.clone(),
        audit: Vec::new(),
    };
    match &request.command {
        Command::Add(r) => CommandReply::Add(amms(&r.termination_ids)),
        Command::Move(r) => CommandReply::Move(amms(&r.termination_ids)),
        Command::Modify(r) => CommandReply::Modify(amms(&r.termination_ids)),
        Command::Subtract(r) => CommandReply::Subtract(amms(&r.termination_ids)),
        Command::AuditValue(r) => CommandReply::AuditValue(AuditReply::Result {
            termination_ids: r.termination_ids.clone(),
            audit: Vec::new(),
        }),
        Command::AuditCapabilities(r) => CommandReply::AuditCapabilities(AuditReply::Result {
            termination_ids: r.termination_ids.clone(),
            audit: Vec::new(),
        }),
        Command::Notify(r) => CommandReply::Notify(NotifyReply {
            termination_ids: r.termination_ids.clone(),
            error: None,
        }),
        Command::ServiceChange(r) => CommandReply::ServiceChange(ServiceChangeReply {
            termination_ids: r.termination_ids.clone(),
            result: ServiceChangeResult::Parms(Default::default()),
        }),
    }
}

/// The code of the first Error descriptor anywhere in a reply.
fn first_error(result: &TransactionResult) -> Option<u16> {
    let actions = match result {
        TransactionResult::Error(e) => return Some(e.code),
        TransactionResult::ActionReplies(actions) => actions,
    };
    for action in actions {
        if let Some(e) = &action.error {
            return Some(e.code);
        }
        for command in &action.commands {
            let audit = match command {
                CommandReply::Add(r)
                | CommandReply::Move(r)
                | CommandReply::Modify(r)
                | CommandReply::Subtract(r) => &r.audit,
                CommandReply::AuditValue(a) | CommandReply::AuditCapabilities(a) => match a {
                    AuditReply::Error(e) => return Some(e.code),
                    AuditReply::Result { audit, .. } => audit,
                    AuditReply::ContextAuditResult(_) => continue,
                },
                CommandReply::Notify(r) => match &r.error {
                    Some(e) => return Some(e.code),
                    None => continue,
                },
                CommandReply::ServiceChange(r) => match &r.result {
                    ServiceChangeResult::Error(e) => return Some(e.code),
                    ServiceChangeResult::Parms(_) => continue,
                },
            };
            for item in audit {
                if let AuditReturnParameter::Error(e) = item {
                    return Some(e.code);
                }
            }
        }
    }
    None
}

/// The context and termination an Add reply names: the first action's
/// context (a real one, not `-`, `$` or `*`) and its Add's first termination.
fn added(result: &TransactionResult) -> Option<(ContextId, TerminationId)> {
    let TransactionResult::ActionReplies(actions) = result else {
        return None;
    };
    let action = actions.first()?;
    if matches!(
        action.context_id,
        ContextId::NULL | ContextId::CHOOSE | ContextId::ALL
    ) {
        return None;
    }
    let termination = action.commands.iter().find_map(|c| match c {
        CommandReply::Add(r) => r.termination_ids.first().cloned(),
        _ => None,
    })?;
    Some((action.context_id, termination))
}

/// The request bodies of a cycle, decoded once from their text and then
/// given their context and termination per transaction.
struct Prototypes {
    add: Vec<h248_stack::model::ActionRequest>,
    modify: Vec<h248_stack::model::ActionRequest>,
    subtract: Vec<h248_stack::model::ActionRequest>,
    subtract_audit: Vec<h248_stack::model::ActionRequest>,
}

/// The request templates, as `mgc_load` writes them (Annex B, pretty).
const ADD: &str = "MEGACO/1 [192.0.2.1]:2944\nTransaction = 1 {\n\
Context = $ {\n  Add = $ {\n    Media {\n      Stream = 1 {\n\
        LocalControl { Mode = ReceiveOnly },\n\
        Local {\nv=0\nc=IN IP4 $\nm=audio $ RTP/AVP 0\n}\n      }\n    }\n  }\n}\n}\n";
const MODIFY: &str = "MEGACO/1 [192.0.2.1]:2944\nTransaction = 1 {\n\
Context = 1 {\n  Modify = t {\n    Media {\n      Stream = 1 {\n\
        LocalControl { Mode = SendReceive },\n\
        Remote {\nv=0\nc=IN IP4 192.0.2.10\nm=audio 40000 RTP/AVP 0\n}\n      }\n    }\n  }\n}\n}\n";
const SUBTRACT: &str =
    "MEGACO/1 [192.0.2.1]:2944\nTransaction = 1 { Context = 1 { Subtract = t } }\n";
const SUBTRACT_AUDIT: &str = "MEGACO/1 [192.0.2.1]:2944\n\
Transaction = 1 { Context = 1 { Subtract = t { Audit { Statistics } } } }\n";

impl Prototypes {
    fn new() -> Self {
        let actions = |text: &str| {
            let message = h248_stack::text::decode(text.as_bytes())
                .unwrap_or_else(|e| panic!("h248-load template does not decode: {e}"));
            match message.message.body {
                MessageBody::Transactions(mut t) => match t.pop() {
                    Some(Transaction::Request(r)) => r.actions,
                    _ => unreachable!("each template is one transaction request"),
                },
                MessageBody::Error(_) => unreachable!("each template is a request"),
            }
        };
        Prototypes {
            add: actions(ADD),
            modify: actions(MODIFY),
            subtract: actions(SUBTRACT),
            subtract_audit: actions(SUBTRACT_AUDIT),
        }
    }

    /// The actions of a request of `kind` on `context` / `termination`.
    fn actions(
        &self,
        kind: Kind,
        context: ContextId,
        termination: Option<TerminationId>,
        subtract_audit: bool,
    ) -> Vec<h248_stack::model::ActionRequest> {
        let mut actions = match kind {
            Kind::Add | Kind::HoldAdd => return self.add.clone(),
            Kind::Modify => self.modify.clone(),
            Kind::Subtract if subtract_audit => self.subtract_audit.clone(),
            Kind::Subtract | Kind::HoldSubtract => self.subtract.clone(),
        };
        let action = &mut actions[0];
        action.context_id = context;
        if let Some(termination) = termination {
            let ids = match &mut action.commands[0].command {
                Command::Modify(r) => &mut r.termination_ids,
                Command::Subtract(r) => &mut r.termination_ids,
                _ => unreachable!("the templates are Modify and Subtract"),
            };
            ids[0] = termination;
        }
        actions
    }
}

#[cfg(test)]
mod tests;
