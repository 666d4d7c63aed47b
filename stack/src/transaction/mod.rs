//! The transaction engine of H.248.1 clause 8 and Annex D, sans-IO.
//!
//! An [`Engine`] is a deterministic state machine for one local endpoint (MG
//! or MGC) talking to any number of peers, named by a caller-chosen key `P`
//! (a `SocketAddr`, a connection id...). It never reads a clock, opens a
//! socket or spawns anything: time is the `now` argument of every input, and
//! the outputs are drained by polling, in the manner of `quinn-proto`:
//!
//! - inputs: [`Engine::handle_message`], [`Engine::handle_timeout`] and the
//!   application's [`Engine::send_request`], [`Engine::send_reply`],
//!   [`Engine::cancel`];
//! - outputs: [`Engine::poll_transmit`] (messages to send),
//!   [`Engine::poll_event`] (what the application must know),
//!   [`Engine::poll_timeout`] (when to call `handle_timeout` next).
//!
//! The engine works on [`MegacoMessage`] values; [`codec`] adds the byte
//! layer ([`codec::CodecEngine`] over a [`codec::MessageCodec`]).
//!
//! What it implements:
//! - at-most-once execution (Annex D.1.1): a request reaches the application
//!   once; a retransmission gets a Pending while it executes (D.1.4) and the
//!   cached reply once answered (D.1.5); identifiers are remembered
//!   LONG-TIMER after the reply, replies until a TransactionResponseAck
//!   covers them (D.1.2.2);
//! - retransmission with exponential backoff bounded by T-MAX (D.1.3, D.1.5),
//!   none over reliable transports (D.2.3);
//! - provisional responses (D.1.4): Pendings sent when the application is
//!   slow, LONG-TIMER after a received Pending, ImmAckRequired after
//!   Pending, and the originated pending limits of the root package both
//!   ways, the sent limit ending the transaction with error 506 in a
//!   transaction reply (never a message-level error);
//! - TransactionResponseAck batching with ranges, and immediate acks;
//! - several transactions per message both ways (clause 8: "transactions in
//!   a message are treated independently", processed in order): whatever
//!   is queued for one peer between two calls of `poll_transmit` (replies,
//!   requests, Pendings, acks) leaves in one message, up to
//!   `max_transactions_per_message` (the byte layer also splits at
//!   `max_message_bytes`); a caller that hands over all its ready replies
//!   before polling gets them batched with no timer and no added delay;
//! - version 3 segmentation of replies over unreliable transports (clause
//!   8.1.1 / 8.2.4): segments, SegmentReply, reassembly, error 459;
//! - bounded state: every table has a configured limit and every state a
//!   timer that releases it.
//!
//! The output queues (`poll_transmit`, `poll_event`) are drained by the
//! caller after its inputs; one input adds at most a few entries per
//! transaction it carries, so they stay bounded as long as the caller
//! drains them. `now` must never go backwards between calls.
//!
//! What it does not do (yet): the windowed segment sending of megaco's
//! `segment_send = K` (all segments go at once), the adaptive
//! retransmission timer of Annex D.1.3's note (the timer is the configured
//! exponential backoff), and failover of outstanding requests to another
//! MGC (Annex D.1.5; that belongs to the association layer above).

pub mod codec;
pub mod config;
pub mod event;
mod reply_chunks;
mod state;
mod table;
mod timer;

#[cfg(test)]
mod sim;
#[cfg(test)]
mod tests;

use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::fmt::Debug;
use std::hash::Hash;
use std::time::Instant;

pub use config::{
    ConfigError, EngineConfig, ImmAckPolicy, ReplyResend, ResendAfterPending, Role, Segmentation,
};
pub use event::{Counters, Event, Failure, ReplyError, SendError, Transmit};

use crate::model::{
    ActionReply, ActionRequest, ErrorDescriptor, MegacoMessage, Message, MessageBody, SegmentReply,
    Transaction, TransactionAck, TransactionId, TransactionPending, TransactionReply,
    TransactionRequest, TransactionResult,
};
use state::{
    AwaitingReply, CachedTransaction, InProgress, InState, OutState, Outcome, PendingStep, Phase,
    Reassembling, ReassemblyStep, RetransmitStep,
};
use timer::{TimerKey, Timers};

/// H.248.8 error 506: Number of TransactionPendings exceeded.
pub const ERROR_PENDING_LIMIT_EXCEEDED: u16 = 506;
/// H.248.8 error 459: Segments not received (v3).
pub const ERROR_SEGMENTS_NOT_RECEIVED: u16 = 459;

/// Most transaction IDs of narrow TransactionResponseAck ranges walked one
/// by one per received message; wider acknowledgements cost one pass over
/// the table instead.
pub const ACK_WALK_LIMIT: u64 = 65_536;

/// Bytes a segment's message adds around its action replies (header, mId,
/// `Reply = id/n/END { }`), used when sizing segments.
pub const SEGMENT_OVERHEAD: usize = 128;

/// Tables (and the timer heap) of at most this many entries' capacity are
/// never shrunk: below it the memory is not worth a rehash.
const SHRINK_ABOVE: usize = 4096;

/// The rule by which the engine gives back the memory a burst grew a table
/// to: above `floor` entries' capacity and under a quarter full, it
/// shrinks to twice its length, so it has to double again before it grows
/// (each entry pays for its share of the rehash once). The length to
/// shrink to, when it is time.
fn shrink_target(len: usize, capacity: usize, floor: usize) -> Option<usize> {
    (capacity > floor && len < capacity / 4).then_some(len * 2)
}

/// The size of one action reply in an encoded message, for segmentation.
pub type ActionReplySizer = Box<dyn Fn(&ActionReply) -> usize + Send + Sync>;

/// Keeps the replies cached for retransmission (Annex D.1.5) small: a
/// reply stays LONG-TIMER after it is sent, and is sent again only if the
/// request is repeated, so it is kept packed (its encoding) rather than as
/// a model. [`codec::CodecEngine::new`] installs one over its codec;
/// without one, replies are cached as models.
pub trait ReplyPacker: Send + Sync {
    /// Writes `transaction` as bytes, in a message of `version`, into `out`
    /// (empty on entry) and says whether it did (`false` keeps the model);
    /// the transaction is given back. The engine keeps a copy of the bytes
    /// (see `reply_chunks`).
    fn pack(&self, version: u8, transaction: Transaction, out: &mut Vec<u8>)
        -> (Transaction, bool);
    /// The transaction `pack` made `bytes` of.
    fn unpack(&self, bytes: &[u8]) -> Option<Transaction>;
    /// The transaction whose encoding, cut from a message of `version` it
    /// was sent in, is `bytes` ([`Engine::keep_sent_reply`]); `None` when
    /// this packer cannot read such cuts.
    fn unpack_sent(&self, version: u8, bytes: &[u8]) -> Option<Transaction> {
        let _ = (version, bytes);
        None
    }
}

/// A coarse structural estimate of an action reply's text size, used until
/// the byte layer installs an exact sizer (see
/// [`codec::CodecEngine::new`]): 48 bytes per context plus 96 per command.
pub fn estimate_action_reply_size(reply: &ActionReply) -> usize {
    48 + 96 * reply.commands.len() + reply.error.as_ref().map_or(0, |_| 64)
}

/// A hasher for our own transaction identifiers (keys of the outgoing table,
/// which this engine allocates, so the peer cannot choose colliding ones):
/// one multiplication by the 64-bit golden ratio. Tables keyed by what the
/// peer sends use [`PeerKeyed`].
#[derive(Debug, Default, Clone, Copy)]
struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = (self.0 ^ u64::from(n)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type IdMap<V> = HashMap<TransactionId, V, std::hash::BuildHasherDefault<IdHasher>>;

/// The hasher of tables keyed by what a peer sends (its transaction IDs,
/// the termination IDs it names): foldhash with a seed drawn per table
/// from a per-process random value, so a peer cannot precompute colliding
/// keys. It replaces the standard library's SipHash-1-3, which cost about
/// 5 000 instructions per transaction in h248d (`SocketAddr` keys are
/// hashed field by field: a SipHash round trip per field).
pub type PeerKeyed = foldhash::quality::RandomState;

/// A map keyed by what a peer sends (see [`PeerKeyed`]).
pub type PeerKeyedMap<K, V> = HashMap<K, V, PeerKeyed>;

/// A peer key: any small, hashable value naming a remote endpoint.
pub trait PeerKey: Clone + Eq + Hash + Debug {}
impl<T: Clone + Eq + Hash + Debug> PeerKey for T {}

/// The transactions of one reply: itself, or its segments.
type Parts = smallvec::SmallVec<[Transaction; 1]>;

/// An outgoing transaction.
#[derive(Debug, Clone)]
struct OutTxn<P> {
    peer: P,
    version: u8,
    first_sent: Instant,
    /// Generation of the armed timer.
    timer: u64,
    state: OutState,
}

/// An incoming transaction.
#[derive(Debug, Clone)]
struct InTxn {
    version: u8,
    timer: u64,
    state: InState,
}

/// TransactionResponseAcks waiting to be sent to one peer.
#[derive(Debug, Clone)]
struct AckBatch {
    version: u8,
    ids: Vec<TransactionId>,
    timer: u64,
}

/// A transaction queued for the next flush (the next `poll_transmit`).
#[derive(Debug, Clone)]
struct Queued<P> {
    peer: P,
    version: u8,
    transaction: Transaction,
    /// Sent in a message of its own (a reply segment).
    solo: bool,
}

/// The transaction engine. See the [module documentation](self).
pub struct Engine<P: PeerKey> {
    config: EngineConfig,
    out: IdMap<OutTxn<P>>,
    incoming: table::InTable<P>,
    acks: PeerKeyedMap<P, AckBatch>,
    timers: Timers<P>,
    queue: Vec<Queued<P>>,
    transmits: VecDeque<Transmit<P>>,
    events: VecDeque<Event<P>>,
    counters: Counters,
    next_id: TransactionId,
    sizer: ActionReplySizer,
    packer: Option<Box<dyn ReplyPacker>>,
    /// Where packed replies are kept.
    reply_chunks: reply_chunks::ReplyChunks,
    /// The packer's output buffer, reused.
    pack_buffer: Vec<u8>,
    /// Replies are kept as the byte layer sends them
    /// ([`Self::keep_replies_as_sent`]) instead of being packed apart.
    replies_kept_as_sent: bool,
    /// The generation of the first timer when `poll_timeout` last found it
    /// live (0: none; generations start at 1).
    live_head: u64,
}

impl<P: PeerKey> Debug for Engine<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("role", &self.config.role)
            .field("outgoing", &self.out.len())
            .field("incoming", &self.incoming.len())
            .field("counters", &self.counters)
            .finish_non_exhaustive()
    }
}

impl<P: PeerKey> Engine<P> {
    /// A new engine with no transactions.
    pub fn new(config: EngineConfig) -> Self {
        let next_id = config.initial_transaction_id.max(1);
        let timers = Timers::new(&[
            config.initial_retransmission_timer,
            config.provisional_response_timer,
            config.long_timer,
            config.ack_delay,
            config.request_lifetime,
        ]);
        Engine {
            config,
            out: IdMap::default(),
            incoming: table::InTable::new(),
            acks: PeerKeyedMap::default(),
            timers,
            queue: Vec::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            counters: Counters::default(),
            next_id,
            sizer: Box::new(estimate_action_reply_size),
            packer: None,
            reply_chunks: Default::default(),
            pack_buffer: Vec::new(),
            replies_kept_as_sent: false,
            live_head: 0,
        }
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The counters for the metrics layer.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Installs the function that sizes action replies for segmentation.
    pub fn set_action_reply_sizer(&mut self, sizer: ActionReplySizer) {
        self.sizer = sizer;
    }

    /// Installs the packer that keeps cached replies as bytes.
    pub fn set_reply_packer(&mut self, packer: Box<dyn ReplyPacker>) {
        self.packer = Some(packer);
    }

    /// Has the cache keep each unsegmented reply as the byte layer sends it
    /// (the byte layer then calls [`Self::keep_sent_reply`] for every reply
    /// it encodes), rather than packing it apart: a reply is encoded once.
    /// The installed packer must read such cuts
    /// ([`ReplyPacker::unpack_sent`]).
    pub fn keep_replies_as_sent(&mut self, on: bool) {
        self.replies_kept_as_sent = on;
    }

    /// Whether [`Self::keep_replies_as_sent`] is on.
    pub fn keeps_replies_as_sent(&self) -> bool {
        self.replies_kept_as_sent
    }

    /// The byte layer sent reply `id` to `peer`, and `encoding` is the
    /// transaction's part of the message: the reply cache keeps it if it
    /// was waiting for it. Anything else (a reply sent again, one whose
    /// transaction is gone) is left as it is.
    pub fn keep_sent_reply(&mut self, peer: &P, id: TransactionId, encoding: &[u8]) {
        let chunks = &mut self.reply_chunks;
        self.incoming.update(&(peer.clone(), id), |txn| {
            if let InState::Answered(answered) = &mut txn.state {
                if let [part @ CachedTransaction::AwaitingEncoding] = answered.reply.as_mut_slice()
                {
                    *part = CachedTransaction::AsSent(chunks.store(encoding));
                }
            }
        });
    }

    /// `transaction` and the form in which the reply cache keeps it
    /// (`solo`: a segment of a segmented reply).
    fn cache(
        &mut self,
        version: u8,
        transaction: Transaction,
        solo: bool,
    ) -> (Transaction, CachedTransaction) {
        if self.replies_kept_as_sent && !solo && matches!(transaction, Transaction::Reply(_)) {
            return (transaction, CachedTransaction::AwaitingEncoding);
        }
        self.pack_buffer.clear();
        let (transaction, packed) = match &self.packer {
            Some(packer) => packer.pack(version, transaction, &mut self.pack_buffer),
            None => (transaction, false),
        };
        let cached = if packed {
            CachedTransaction::Packed(self.reply_chunks.store(&self.pack_buffer))
        } else {
            CachedTransaction::Model(Box::new(transaction.clone()))
        };
        (transaction, cached)
    }

    /// Queues cached reply parts to be sent again to `peer`. A part that
    /// does not unpack (a codec that cannot read its own output) is
    /// counted and not sent.
    fn resend_cached<'a>(
        &mut self,
        peer: &P,
        version: u8,
        solo: bool,
        parts: impl IntoIterator<Item = &'a CachedTransaction>,
    ) {
        for part in parts {
            let transaction = match part {
                CachedTransaction::Model(t) => Some((**t).clone()),
                CachedTransaction::Packed(bytes) => {
                    self.packer.as_ref().and_then(|p| p.unpack(bytes))
                }
                CachedTransaction::AsSent(bytes) => self
                    .packer
                    .as_ref()
                    .and_then(|p| p.unpack_sent(version, bytes)),
                // Still queued (a repetition that came before the reply
                // left): the reply about to go out answers it.
                CachedTransaction::AwaitingEncoding => continue,
            };
            match transaction {
                Some(transaction) => self.queue.push(Queued {
                    peer: peer.clone(),
                    version,
                    transaction,
                    solo,
                }),
                None => self.counters.unpack_failures += 1,
            }
        }
    }

    /// Sets the identifier the next request tries first (0 is skipped, as
    /// is any identifier still in use). For restoring a counter across
    /// restarts (megaco's `trans_id`).
    pub fn set_next_transaction_id(&mut self, id: TransactionId) {
        self.next_id = id.max(1);
    }

    /// Outgoing requests still waiting plus incoming requests the
    /// application has not answered.
    pub fn live_transactions(&self) -> usize {
        let out = self
            .out
            .values()
            .filter(|t| matches!(t.state, OutState::Live { .. }))
            .count();
        out + self.incoming.in_progress()
    }

    /// Replies kept for retransmission (Annex D.1.5).
    pub fn cached_replies(&self) -> usize {
        self.incoming.answered()
    }

    /// Every piece of per-transaction state: live transactions, cached
    /// replies, remembered identifiers and pending acks. Zero once all
    /// timers have run out.
    pub fn state_entries(&self) -> usize {
        self.out.len() + self.incoming.len() + self.acks.len()
    }

    /// The next message to send. What was queued since the last call is
    /// made into messages first: per peer, in the order queued.
    pub fn poll_transmit(&mut self) -> Option<Transmit<P>> {
        self.flush();
        self.transmits.pop_front()
    }

    /// The next event for the application.
    pub fn poll_event(&mut self) -> Option<Event<P>> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) should next be called;
    /// `None` when nothing is pending.
    pub fn poll_timeout(&mut self) -> Option<Instant> {
        while let Some((at, generation, key)) = self.timers.peek() {
            // The first timer is asked about once, not at every call: the
            // lookup is a cache miss in a large table. A hint only: if its
            // owner re-arms since, `handle_timeout` finds it stale.
            if generation == self.live_head || self.is_live_timer(generation, key) {
                self.live_head = generation;
                return Some(at);
            }
            self.timers.pop();
        }
        None
    }

    /// Sends a request with `actions` to `peer` in a message of `version`;
    /// returns its transaction identifier (32-bit, wrapping, never 0, never
    /// one still in use or remembered).
    pub fn send_request(
        &mut self,
        now: Instant,
        peer: P,
        version: u8,
        actions: Vec<ActionRequest>,
    ) -> Result<TransactionId, SendError> {
        if actions.is_empty() {
            return Err(SendError::NoActions);
        }
        if self.out.len() >= self.config.max_outgoing_transactions {
            return Err(SendError::TooManyTransactions(
                self.config.max_outgoing_transactions,
            ));
        }
        let id = self.allocate_id();
        let request = Transaction::Request(TransactionRequest {
            transaction_id: id,
            actions,
        });
        let phase = AwaitingReply::new(&self.config);
        let at = phase.timer(now, now, &self.config);
        let timer = self.timers.arm(now, at, TimerKey::Out(id));
        self.queue.push(Queued {
            peer: peer.clone(),
            version,
            transaction: request.clone(),
            solo: false,
        });
        self.counters.requests_sent += 1;
        self.out.insert(
            id,
            OutTxn {
                peer,
                version,
                first_sent: now,
                timer,
                state: OutState::Live {
                    request,
                    phase: Phase::AwaitingReply(phase),
                },
            },
        );
        Ok(id)
    }

    /// Answers request `transaction_id` from `peer`. The reply is cached
    /// for retransmissions and segmented if configured and needed. Sets
    /// ImmAckRequired per [`ImmAckPolicy`].
    pub fn send_reply(
        &mut self,
        now: Instant,
        peer: P,
        transaction_id: TransactionId,
        result: TransactionResult,
    ) -> Result<(), ReplyError> {
        self.send_reply_with(now, peer, transaction_id, result, false)
    }

    /// [`send_reply`](Self::send_reply), asking for an immediate
    /// TransactionResponseAck when `imm_ack_required` even where the
    /// [`ImmAckPolicy`] would not (it cannot turn off the one D.1.4
    /// requires after a Pending).
    pub fn send_reply_with(
        &mut self,
        now: Instant,
        peer: P,
        transaction_id: TransactionId,
        result: TransactionResult,
        imm_ack_required: bool,
    ) -> Result<(), ReplyError> {
        let key = (peer, transaction_id);
        let Some(mut txn) = self.incoming.remove(&key) else {
            return Err(ReplyError::NotInProgress(transaction_id));
        };
        match txn.state {
            InState::InProgress(progress) => {
                // The provisional-response timer is replaced by the reply's.
                self.timers.cancel(txn.timer);
                self.answer(now, key, txn.version, progress, result, imm_ack_required);
                Ok(())
            }
            state => {
                txn.state = state;
                self.incoming.insert(key, txn);
                Err(ReplyError::NotInProgress(transaction_id))
            }
        }
    }

    /// Forgets outgoing request `transaction_id`: no event will be delivered
    /// for it, and a late reply is dropped (and acknowledged). Returns false
    /// when it was not live.
    pub fn cancel(&mut self, now: Instant, transaction_id: TransactionId) -> bool {
        let live = matches!(
            self.out.get(&transaction_id),
            Some(OutTxn {
                state: OutState::Live { .. },
                ..
            })
        );
        if live {
            self.counters.cancelled += 1;
            self.finish(now, transaction_id, Outcome::Cancelled);
        }
        live
    }

    /// The transport to `peer` is gone (a closed TCP connection, a failover
    /// decided above): every live request to it fails now with
    /// [`Failure::PeerLost`], in transaction ID order, and held acks for it
    /// are dropped. Incoming transactions from it are kept until their
    /// timers release them, so that a request retransmitted over a new
    /// connection is still recognised (Annex D.2.1). Returns how many
    /// requests failed.
    pub fn peer_lost(&mut self, now: Instant, peer: &P) -> usize {
        let mut ids: Vec<TransactionId> = self
            .out
            .iter()
            .filter(|(_, t)| &t.peer == peer && matches!(t.state, OutState::Live { .. }))
            .map(|(id, _)| *id)
            .collect();
        ids.sort_unstable();
        for &id in &ids {
            if let Some(txn) = self.out.remove(&id) {
                self.fail(now, id, txn, Failure::PeerLost);
            }
        }
        self.acks.remove(peer);
        ids.len()
    }

    /// Sends a message-level error (clause 8.2.2) to `peer`: for messages
    /// that could not be decoded at all.
    pub fn send_message_error(&mut self, peer: P, version: u8, error: ErrorDescriptor) {
        // What was queued before goes first.
        self.flush();
        self.counters.message_errors_sent += 1;
        self.counters.messages_sent += 1;
        self.transmits.push_back(Transmit {
            peer,
            message: MegacoMessage {
                auth_header: None,
                message: Message {
                    version,
                    mid: self.config.local_mid.clone(),
                    body: MessageBody::Error(error),
                },
            },
        });
    }

    /// Counts a datagram the byte layer could not decode.
    pub fn count_undecodable(&mut self) {
        self.counters.undecodable_messages += 1;
    }

    /// Counts a message the byte layer could not encode.
    pub fn count_encode_error(&mut self) {
        self.counters.encode_errors += 1;
    }

    /// Processes a message from `peer`: each of its transactions in order
    /// (clause 8).
    pub fn handle_message(&mut self, now: Instant, peer: P, message: MegacoMessage) {
        self.counters.messages_received += 1;
        let version = message.message.version;
        match message.message.body {
            MessageBody::Error(error) => {
                self.counters.message_errors_received += 1;
                self.events
                    .push_back(Event::PeerMessageError { peer, error });
            }
            MessageBody::Transactions(transactions) => {
                for transaction in transactions {
                    match transaction {
                        Transaction::Request(r) => self.on_request(now, &peer, version, r),
                        Transaction::Pending(p) => self.on_pending(now, &peer, p.transaction_id),
                        Transaction::Reply(r) => self.on_reply(now, &peer, version, r),
                        Transaction::ResponseAck(acks) => self.on_response_ack(now, &peer, &acks),
                        Transaction::SegmentReply(s) => self.on_segment_reply(&peer, s),
                    }
                }
            }
        }
    }

    /// Runs every timer due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some((generation, key)) = self.timers.pop_due(now) {
            match key {
                TimerKey::Out(id) => {
                    if self.out.get(&id).is_some_and(|t| t.timer == generation) {
                        self.on_out_timer(now, id);
                    }
                }
                TimerKey::In(peer, id) => {
                    let key = (peer, id);
                    if self
                        .incoming
                        .get(&key)
                        .is_some_and(|t| t.timer == generation)
                    {
                        self.on_in_timer(now, key);
                    }
                }
                TimerKey::Ack(peer) => {
                    if self.acks.get(&peer).is_some_and(|b| b.timer == generation) {
                        self.send_acks(&peer);
                    }
                }
            }
        }
        self.compact_timers();
        self.shrink_tables();
    }

    // ---- requester side -------------------------------------------------

    fn allocate_id(&mut self) -> TransactionId {
        // Bounded: `out` holds fewer than `max_outgoing_transactions` IDs.
        loop {
            let id = self.next_id;
            self.next_id = self.next_id.wrapping_add(1);
            if self.next_id == 0 {
                self.next_id = 1;
            }
            if id != 0 && !self.out.contains_key(&id) {
                return id;
            }
        }
    }

    fn on_pending(&mut self, now: Instant, peer: &P, id: TransactionId) {
        self.counters.pendings_received += 1;
        let Some(mut txn) = self.take_live_out(peer, id) else {
            // D.1.4: a Pending after the reply (or for nothing) is ignored.
            self.counters.unexpected_pendings += 1;
            return;
        };
        let OutState::Live { request, phase } = take_state(&mut txn) else {
            return;
        };
        let next = match phase {
            Phase::AwaitingReply(a) => a.pending(now, &self.config),
            Phase::AwaitingFinal(f) => f.pending(now, &self.config),
            phase @ Phase::Reassembling(_) => {
                self.counters.unexpected_pendings += 1;
                txn.state = OutState::Live { request, phase };
                self.out.insert(id, txn);
                return;
            }
        };
        match next {
            Ok(waiting) => {
                self.timers.cancel(txn.timer);
                txn.timer = self.timers.arm(now, waiting.timer(), TimerKey::Out(id));
                txn.state = OutState::Live {
                    request,
                    phase: Phase::AwaitingFinal(waiting),
                };
                self.out.insert(id, txn);
            }
            Err(_) => {
                self.counters.pending_limit_exceeded_received += 1;
                self.fail(now, id, txn, Failure::PendingLimitExceeded);
            }
        }
    }

    /// Removes and returns the live outgoing transaction `id` if `peer`
    /// sent it; otherwise leaves the table untouched.
    fn take_live_out(&mut self, peer: &P, id: TransactionId) -> Option<OutTxn<P>> {
        match self.out.get(&id) {
            Some(t) if &t.peer == peer && matches!(t.state, OutState::Live { .. }) => {
                self.out.remove(&id)
            }
            _ => None,
        }
    }

    fn on_reply(&mut self, now: Instant, peer: &P, version: u8, reply: TransactionReply) {
        let id = reply.transaction_id;
        if reply.segment_number.is_some() {
            self.counters.segments_received += 1;
        } else {
            self.counters.replies_received += 1;
        }
        let known = self
            .out
            .get(&id)
            .filter(|t| &t.peer == peer)
            .map(|t| &t.state);
        match known {
            None => {
                // Never ours, or long forgotten: dropped.
                self.counters.unexpected_replies += 1;
                return;
            }
            Some(OutState::Finished { outcome, .. }) => {
                if *outcome == Outcome::Answered {
                    self.counters.duplicate_replies += 1;
                } else {
                    self.counters.unexpected_replies += 1;
                }
                // Acknowledge again so that the peer frees its cache.
                self.queue_ack(now, peer, version, id, reply.imm_ack_required);
                return;
            }
            Some(OutState::Live { .. }) => {}
        }
        let Some(mut txn) = self.take_live_out(peer, id) else {
            return;
        };
        let OutState::Live { request, phase } = take_state(&mut txn) else {
            return;
        };
        let after_pending = matches!(phase, Phase::AwaitingFinal(_));
        let Some(number) = reply.segment_number else {
            // A whole reply. After a Pending, D.1.4 wants an immediate ack.
            let imm = reply.imm_ack_required || after_pending;
            txn.state = OutState::Live { request, phase };
            self.out.insert(id, txn);
            self.complete(now, peer, version, id, reply.result, None, imm);
            return;
        };
        if number == 0 || number > self.config.max_segments {
            self.counters.unexpected_replies += 1;
            txn.state = OutState::Live { request, phase };
            self.out.insert(id, txn);
            return;
        }
        // Acknowledge the segment (clause 8.2.4).
        self.counters.segment_replies_sent += 1;
        self.queue.push(Queued {
            peer: peer.clone(),
            version,
            transaction: Transaction::SegmentReply(SegmentReply {
                transaction_id: id,
                segment_number: number,
                segmentation_complete: reply.segmentation_complete,
            }),
            solo: false,
        });
        let reassembly = match phase {
            Phase::Reassembling(r) => r,
            Phase::AwaitingReply(_) | Phase::AwaitingFinal(_) => {
                Reassembling::new(now, &self.config)
            }
        };
        match reassembly.add(
            number,
            reply.segmentation_complete,
            reply.imm_ack_required,
            reply.result,
        ) {
            ReassemblyStep::Incomplete(r) => {
                self.timers.cancel(txn.timer);
                txn.timer = self.timers.arm(now, r.timer(), TimerKey::Out(id));
                txn.state = OutState::Live {
                    request,
                    phase: Phase::Reassembling(r),
                };
                self.out.insert(id, txn);
            }
            ReassemblyStep::Complete {
                result,
                segments,
                imm_ack,
            } => {
                txn.state = OutState::Live {
                    request,
                    phase: Phase::AwaitingReply(AwaitingReply::new(&self.config)),
                };
                self.out.insert(id, txn);
                self.complete(
                    now,
                    peer,
                    version,
                    id,
                    result,
                    Some(segments),
                    imm_ack || after_pending,
                );
            }
        }
    }

    /// Delivers the final reply of live transaction `id` and acks it.
    #[allow(clippy::too_many_arguments)]
    fn complete(
        &mut self,
        now: Instant,
        peer: &P,
        version: u8,
        id: TransactionId,
        result: TransactionResult,
        segments: Option<u16>,
        imm_ack: bool,
    ) {
        self.events.push_back(Event::ReplyReceived {
            peer: peer.clone(),
            transaction_id: id,
            version,
            result,
            segments,
        });
        self.finish(now, id, Outcome::Answered);
        self.queue_ack(now, peer, version, id, imm_ack);
    }

    /// Turns outgoing transaction `id` into a tombstone kept LONG-TIMER, so
    /// that late replies are recognised and the ID is not reused.
    fn finish(&mut self, now: Instant, id: TransactionId, outcome: Outcome) {
        let until = now + self.config.long_timer;
        let timer = self.timers.arm(now, until, TimerKey::Out(id));
        if let Some(txn) = self.out.get_mut(&id) {
            let stale = std::mem::replace(&mut txn.timer, timer);
            txn.state = OutState::Finished { outcome };
            self.timers.cancel(stale);
        }
    }

    /// Ends live transaction `id` (taken out of the table) without a
    /// reply: tells the application, keeps a tombstone.
    fn fail(&mut self, now: Instant, id: TransactionId, mut txn: OutTxn<P>, reason: Failure) {
        self.events.push_back(Event::RequestFailed {
            peer: txn.peer.clone(),
            transaction_id: id,
            reason,
        });
        let until = now + self.config.long_timer;
        // Stale unless its expiry is what failed the transaction.
        self.timers.cancel(txn.timer);
        txn.timer = self.timers.arm(now, until, TimerKey::Out(id));
        txn.state = OutState::Finished {
            outcome: Outcome::Failed,
        };
        self.out.insert(id, txn);
    }

    fn on_out_timer(&mut self, now: Instant, id: TransactionId) {
        let Some(mut txn) = self.out.remove(&id) else {
            return;
        };
        let (request, phase) = match take_state(&mut txn) {
            OutState::Finished { .. } => return, // tombstone expired: released
            OutState::Live { request, phase } => (request, phase),
        };
        let resend = |engine: &mut Self, txn: &OutTxn<P>, request: &Transaction| {
            engine.counters.request_retransmissions += 1;
            engine.queue.push(Queued {
                peer: txn.peer.clone(),
                version: txn.version,
                transaction: request.clone(),
                solo: false,
            });
        };
        match phase {
            Phase::AwaitingReply(a) => match a.expire(now, txn.first_sent, &self.config) {
                RetransmitStep::Retransmit(a) => {
                    resend(self, &txn, &request);
                    txn.timer = self.timers.arm(
                        now,
                        a.timer(now, txn.first_sent, &self.config),
                        TimerKey::Out(id),
                    );
                    txn.state = OutState::Live {
                        request,
                        phase: Phase::AwaitingReply(a),
                    };
                    self.out.insert(id, txn);
                }
                RetransmitStep::GiveUp => {
                    self.counters.timeouts += 1;
                    self.fail(now, id, txn, Failure::TimedOut);
                }
            },
            Phase::AwaitingFinal(mut f) => {
                if now >= f.deadline {
                    self.counters.timeouts += 1;
                    self.fail(now, id, txn, Failure::TimedOut);
                } else {
                    if let (Some(_), ResendAfterPending::Every(every)) =
                        (f.next_resend, self.config.resend_after_pending)
                    {
                        resend(self, &txn, &request);
                        f.next_resend = Some(now + every).filter(|&t| t < f.resend_until);
                    }
                    txn.timer = self.timers.arm(now, f.timer(), TimerKey::Out(id));
                    txn.state = OutState::Live {
                        request,
                        phase: Phase::AwaitingFinal(f),
                    };
                    self.out.insert(id, txn);
                }
            }
            Phase::Reassembling(mut r) => {
                if now >= r.deadline {
                    self.counters.segment_timeouts += 1;
                    self.send_message_error(
                        txn.peer.clone(),
                        txn.version,
                        ErrorDescriptor {
                            code: ERROR_SEGMENTS_NOT_RECEIVED,
                            text: Some(format!("segments of transaction {id} not received").into()),
                        },
                    );
                    self.fail(now, id, txn, Failure::SegmentsNotReceived);
                } else {
                    if r.next_resend.is_some() {
                        // Ask again: the peer resends the unacknowledged segments.
                        resend(self, &txn, &request);
                        r.interval = self.config.next_interval(r.interval);
                        r.next_resend = Some(now + r.interval);
                    }
                    txn.timer = self.timers.arm(now, r.timer(), TimerKey::Out(id));
                    txn.state = OutState::Live {
                        request,
                        phase: Phase::Reassembling(r),
                    };
                    self.out.insert(id, txn);
                }
            }
        }
    }

    // ---- acknowledgements ------------------------------------------------

    /// Adds `id` to the ack batch for `peer`; sends the batch now if
    /// `immediate`, full, or batching is off.
    fn queue_ack(
        &mut self,
        now: Instant,
        peer: &P,
        version: u8,
        id: TransactionId,
        immediate: bool,
    ) {
        let batch = match self.acks.entry(peer.clone()) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(AckBatch {
                version,
                ids: Vec::new(),
                timer: self.timers.arm(
                    now,
                    now + self.config.ack_delay,
                    TimerKey::Ack(peer.clone()),
                ),
            }),
        };
        batch.ids.push(id);
        if immediate
            || batch.ids.len() >= self.config.max_pending_acks
            || self.config.ack_delay.is_zero()
        {
            self.send_acks(peer);
        }
    }

    fn send_acks(&mut self, peer: &P) {
        if let Some(batch) = self.acks.remove(peer) {
            self.counters.acks_sent += 1;
            self.queue.push(Queued {
                peer: peer.clone(),
                version: batch.version,
                transaction: Transaction::ResponseAck(ack_ranges(batch.ids)),
                solo: false,
            });
        }
    }

    // ---- responder side ---------------------------------------------------

    fn on_request(&mut self, now: Instant, peer: &P, version: u8, request: TransactionRequest) {
        self.counters.requests_received += 1;
        let id = request.transaction_id;
        let key = (peer.clone(), id);
        if let Some(txn) = self.incoming.remove(&key) {
            // A retransmission: never delivered again (Annex D.1.1).
            self.counters.duplicate_requests += 1;
            let version = txn.version;
            match txn.state {
                InState::InProgress(ref progress) => {
                    let late = now >= progress.received_at + self.config.normal_execution_time;
                    self.incoming.insert(key.clone(), txn);
                    if late {
                        // D.1.4: a repetition of a transaction still executing.
                        self.send_pending(now, key);
                    }
                }
                InState::Answered(ref answered) => {
                    self.counters.reply_retransmissions += 1;
                    let solo = answered.reply.len() > 1;
                    self.resend_cached(peer, version, solo, answered.unacknowledged());
                    self.incoming.insert(key, txn);
                }
                InState::Confirmed(_) => {
                    self.incoming.insert(key, txn);
                }
            }
            return;
        }
        if self.incoming.len() >= self.config.max_incoming_transactions {
            // No room to remember it: dropped unanswered, so the peer
            // retransmits later. Answering (say, error 510) without keeping
            // the identifier would let a retransmission already in flight
            // be executed after the peer was told it failed.
            self.counters.rejected_requests += 1;
            return;
        }
        let timer = self.timers.arm(
            now,
            now + self.config.provisional_response_timer,
            TimerKey::In(peer.clone(), id),
        );
        self.incoming.insert(
            key,
            InTxn {
                version,
                timer,
                state: InState::InProgress(InProgress::new(now)),
            },
        );
        self.events.push_back(Event::RequestReceived {
            peer: peer.clone(),
            transaction_id: id,
            version,
            actions: request.actions,
        });
    }

    /// Sends a Pending for in-progress `key`, or error 506 when our
    /// originated pending limit is reached (lesson OTP-6148: the error is
    /// a transaction reply, not a message-level error).
    fn send_pending(&mut self, now: Instant, key: (P, TransactionId)) {
        let Some(mut txn) = self.incoming.remove(&key) else {
            return;
        };
        let InState::InProgress(progress) = txn.state else {
            self.incoming.insert(key, txn);
            return;
        };
        match progress.pending(&self.config) {
            PendingStep::Send(progress) => {
                self.counters.pendings_sent += 1;
                self.queue.push(Queued {
                    peer: key.0.clone(),
                    version: txn.version,
                    transaction: Transaction::Pending(TransactionPending {
                        transaction_id: key.1,
                    }),
                    solo: false,
                });
                txn.timer = self.timers.arm(
                    now,
                    now + self.config.provisional_response_timer,
                    TimerKey::In(key.0.clone(), key.1),
                );
                txn.state = InState::InProgress(progress);
                self.incoming.insert(key, txn);
            }
            PendingStep::LimitReached(progress) => {
                self.counters.pending_limit_exceeded_sent += 1;
                self.events.push_back(Event::RequestAborted {
                    peer: key.0.clone(),
                    transaction_id: key.1,
                });
                let error = TransactionResult::Error(ErrorDescriptor::new(
                    ERROR_PENDING_LIMIT_EXCEEDED,
                    "Number of TransactionPendings exceeded",
                ));
                self.answer(now, key, txn.version, progress, error, false);
            }
        }
    }

    /// Sends and caches the reply of in-progress `key` (not in the table).
    fn answer(
        &mut self,
        now: Instant,
        key: (P, TransactionId),
        version: u8,
        progress: InProgress,
        result: TransactionResult,
        imm_ack_required: bool,
    ) {
        let imm_ack = imm_ack_required
            || match self.config.imm_ack {
                ImmAckPolicy::Always => true,
                ImmAckPolicy::AfterPending => progress.pendings_sent > 0,
            };
        let reply = self.build_reply(key.1, version, imm_ack, result);
        let solo = reply.len() > 1;
        let (reply, cached): (Parts, state::CachedReply) = reply
            .into_iter()
            .map(|t| self.cache(version, t, solo))
            .unzip();
        let mut answered = Box::new(progress.answer(cached, now, &self.config));
        if solo {
            self.counters.segments_sent += answered.sent as u64;
        }
        self.counters.replies_sent += 1;
        // The parts the window lets go now are sent as built.
        for transaction in reply.into_iter().take(answered.sent) {
            self.queue.push(Queued {
                peer: key.0.clone(),
                version,
                transaction,
                solo,
            });
        }
        if self.config.reply_resend == ReplyResend::UntilAcked
            && imm_ack
            && !self.config.reliable_transport
        {
            answered.next_resend = Some(now + answered.interval);
        }
        let timer = self
            .timers
            .arm(now, answered.timer(), TimerKey::In(key.0.clone(), key.1));
        self.incoming.insert(
            key,
            InTxn {
                version,
                timer,
                state: InState::Answered(answered),
            },
        );
    }

    /// The reply as one transaction (inline: no allocation), or as v3
    /// segments each within the configured size (clause 8.2.4), never over
    /// reliable transports.
    fn build_reply(
        &self,
        id: TransactionId,
        version: u8,
        imm_ack: bool,
        result: TransactionResult,
    ) -> Parts {
        let whole = |result| {
            smallvec::smallvec![Transaction::Reply(TransactionReply {
                transaction_id: id,
                imm_ack_required: imm_ack,
                result,
                segment_number: None,
                segmentation_complete: false,
            })]
        };
        let Segmentation::MaxMessageSize(max) = self.config.segmentation else {
            return whole(result);
        };
        if self.config.reliable_transport || version < 3 {
            return whole(result);
        }
        let TransactionResult::ActionReplies(replies) = result else {
            return whole(result);
        };
        if replies.len() < 2 {
            return whole(TransactionResult::ActionReplies(replies));
        }
        let sizes: Vec<usize> = replies.iter().map(|r| (self.sizer)(r)).collect();
        let total: usize = SEGMENT_OVERHEAD + sizes.iter().sum::<usize>();
        if total <= max {
            return whole(TransactionResult::ActionReplies(replies));
        }
        // Greedy packing; an action reply larger than the limit travels alone.
        let budget = max.saturating_sub(SEGMENT_OVERHEAD);
        let mut segments: Vec<Vec<ActionReply>> = Vec::new();
        let mut current: Vec<ActionReply> = Vec::new();
        let mut used = 0usize;
        for (reply, size) in replies.into_iter().zip(sizes) {
            if !current.is_empty() && used + size > budget {
                segments.push(std::mem::take(&mut current));
                used = 0;
            }
            used += size;
            current.push(reply);
        }
        if !current.is_empty() {
            segments.push(current);
        }
        let count = segments.len();
        if count < 2 || count > usize::from(self.config.max_segments) {
            return whole(TransactionResult::ActionReplies(
                segments.into_iter().flatten().collect(),
            ));
        }
        segments
            .into_iter()
            .enumerate()
            .map(|(i, part)| {
                let last = i + 1 == count;
                Transaction::Reply(TransactionReply {
                    transaction_id: id,
                    imm_ack_required: imm_ack && last,
                    result: TransactionResult::ActionReplies(part),
                    // `count` is bounded by `max_segments` (a u16).
                    segment_number: Some(u16::try_from(i + 1).unwrap_or(u16::MAX)),
                    segmentation_complete: last,
                })
            })
            .collect()
    }

    /// Confirms the replies a TransactionResponseAck covers (Annex
    /// D.1.2.2). The work is bounded whatever the ranges: narrow ranges are
    /// walked ID by ID up to [`ACK_WALK_LIMIT`] IDs per message; the rest
    /// are merged and checked in one pass over the table.
    fn on_response_ack(&mut self, now: Instant, peer: &P, acks: &[TransactionAck]) {
        self.counters.acks_received += 1;
        let mut budget = ACK_WALK_LIMIT;
        let mut wide: Vec<(TransactionId, TransactionId)> = Vec::new();
        for ack in acks {
            let first = ack.first;
            let last = ack.last.unwrap_or(first);
            let (lo, hi) = (first.min(last), first.max(last));
            let len = u64::from(hi - lo) + 1;
            if len <= budget {
                budget -= len;
                for id in lo..=hi {
                    self.confirm(now, &(peer.clone(), id));
                }
            } else {
                wide.push((lo, hi));
            }
        }
        if wide.is_empty() {
            return;
        }
        wide.sort_unstable();
        let mut merged: Vec<(TransactionId, TransactionId)> = Vec::with_capacity(wide.len());
        for (lo, hi) in wide {
            match merged.last_mut() {
                Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        let covered = |id: TransactionId| {
            let i = merged.partition_point(|&(lo, _)| lo <= id);
            i > 0 && merged[i - 1].1 >= id
        };
        let keys: Vec<(P, TransactionId)> = self
            .incoming
            .iter()
            .filter(|((p, id), t)| {
                p == peer && matches!(t.state, InState::Answered(_)) && covered(*id)
            })
            .map(|(k, _)| k.clone())
            .collect();
        for key in keys {
            self.confirm(now, &key);
        }
    }

    /// A TransactionResponseAck covers `key`: free its cached reply.
    fn confirm(&mut self, now: Instant, key: &(P, TransactionId)) {
        self.incoming.update(key, |txn| {
            let state = std::mem::replace(
                &mut txn.state,
                InState::Confirmed(state::Confirmed { expires: now }),
            );
            txn.state = match state {
                // The armed timer stays: it fires at or before `expires`, and
                // the Confirmed state re-arms for `expires` if it came early.
                InState::Answered(answered) => InState::Confirmed(answered.confirm()),
                other => other,
            };
        });
    }

    fn on_segment_reply(&mut self, peer: &P, reply: SegmentReply) {
        self.counters.segment_replies_received += 1;
        let key = (peer.clone(), reply.transaction_id);
        let window = self.config.segment_window;
        let released = self
            .incoming
            .update(&key, |txn| match &mut txn.state {
                InState::Answered(answered) => answered
                    .segment_acknowledged(reply.segment_number, window)
                    .map(|range| (txn.version, answered.reply[range].to_vec())),
                _ => None,
            })
            .flatten();
        match released {
            Some((version, segments)) => {
                self.counters.segments_sent += segments.len() as u64;
                self.resend_cached(peer, version, true, &segments);
            }
            // Lesson OTP-7455: an unexpected SegmentReply is ignored.
            None => self.counters.stray_segment_replies += 1,
        }
    }

    fn on_in_timer(&mut self, now: Instant, key: (P, TransactionId)) {
        let Some(mut txn) = self.incoming.remove(&key) else {
            return;
        };
        match txn.state {
            InState::InProgress(_) => {
                // ProvisionalResponseTimerValue ran out: tell the peer.
                self.incoming.insert(key.clone(), txn);
                self.send_pending(now, key);
            }
            InState::Answered(mut answered) => {
                if now >= answered.expires {
                    return; // released
                }
                if answered.next_resend.is_some_and(|t| now >= t) {
                    self.counters.reply_retransmissions += 1;
                    let solo = answered.reply.len() > 1;
                    self.resend_cached(&key.0, txn.version, solo, answered.unacknowledged());
                    answered.resends += 1;
                    answered.interval = self.config.next_interval(answered.interval);
                    answered.next_resend = (answered.resends < self.config.max_retransmissions)
                        .then_some(now + answered.interval);
                }
                txn.timer =
                    self.timers
                        .arm(now, answered.timer(), TimerKey::In(key.0.clone(), key.1));
                txn.state = InState::Answered(answered);
                self.incoming.insert(key, txn);
            }
            InState::Confirmed(confirmed) => {
                if now < confirmed.expires {
                    txn.timer =
                        self.timers
                            .arm(now, confirmed.expires, TimerKey::In(key.0.clone(), key.1));
                    txn.state = InState::Confirmed(confirmed);
                    self.incoming.insert(key, txn);
                }
            }
        }
    }

    // ---- plumbing -----------------------------------------------------------

    fn is_live_timer(&self, generation: u64, key: &TimerKey<P>) -> bool {
        match key {
            TimerKey::Out(id) => self.out.get(id).is_some_and(|t| t.timer == generation),
            TimerKey::In(peer, id) => self
                .incoming
                .get(&(peer.clone(), *id))
                .is_some_and(|t| t.timer == generation),
            TimerKey::Ack(peer) => self.acks.get(peer).is_some_and(|b| b.timer == generation),
        }
    }

    /// Drops stale timer entries once they outnumber live state, so the
    /// queue is bounded by a constant factor of the tables.
    fn compact_timers(&mut self) {
        let live = self.out.len() + self.incoming.len() + self.acks.len();
        if self.timers.len() > 2 * live + 1024 {
            let (out, incoming, acks) = (&self.out, &self.incoming, &self.acks);
            self.timers.retain(|generation, key| match key {
                TimerKey::Out(id) => out.get(id).is_some_and(|t| t.timer == generation),
                TimerKey::In(peer, id) => incoming
                    .get(&(peer.clone(), *id))
                    .is_some_and(|t| t.timer == generation),
                TimerKey::Ack(peer) => acks.get(peer).is_some_and(|b| b.timer == generation),
            });
        }
    }

    /// Gives back the memory a burst grew the tables to ([`shrink_target`]).
    fn shrink_tables(&mut self) {
        if let Some(target) = shrink_target(self.out.len(), self.out.capacity(), SHRINK_ABOVE) {
            self.out.shrink_to(target);
        }
        self.incoming.shrink();
        self.timers.shrink(SHRINK_ABOVE);
    }

    /// Turns the queued transactions into messages: per peer and version,
    /// in the order first queued, up to `max_transactions_per_message` each,
    /// with any held acks for that peer piggybacked.
    fn flush(&mut self) {
        if self.queue.is_empty() {
            return;
        }
        let queue = std::mem::take(&mut self.queue);
        let max = self.config.max_transactions_per_message.max(1);
        // (peer, version, transactions) in first-appearance order.
        let mut open: Vec<(P, u8, Vec<Transaction>)> = Vec::new();
        for q in queue {
            if q.solo {
                self.emit(q.peer, q.version, vec![q.transaction]);
                continue;
            }
            let slot = open
                .iter()
                .position(|(p, v, _)| *p == q.peer && *v == q.version);
            match slot {
                Some(i) => {
                    open[i].2.push(q.transaction);
                    if open[i].2.len() >= max {
                        let (peer, version, ts) = open.remove(i);
                        self.emit(peer, version, ts);
                    }
                }
                None => open.push((q.peer, q.version, vec![q.transaction])),
            }
        }
        for (peer, version, mut transactions) in open {
            if transactions.len() < max {
                if let Some(batch) = self.acks.remove(&peer) {
                    self.counters.acks_sent += 1;
                    transactions.push(Transaction::ResponseAck(ack_ranges(batch.ids)));
                }
            }
            self.emit(peer, version, transactions);
        }
    }

    fn emit(&mut self, peer: P, version: u8, transactions: Vec<Transaction>) {
        self.counters.messages_sent += 1;
        self.transmits.push_back(Transmit {
            peer,
            message: MegacoMessage {
                auth_header: None,
                message: Message {
                    version,
                    mid: self.config.local_mid.clone(),
                    body: MessageBody::Transactions(transactions),
                },
            },
        });
    }
}

/// Moves the state out of `txn`, leaving a placeholder the caller replaces.
fn take_state<P>(txn: &mut OutTxn<P>) -> OutState {
    std::mem::replace(
        &mut txn.state,
        OutState::Finished {
            outcome: Outcome::Failed,
        },
    )
}

/// Sorted, deduplicated IDs as `first-last` ranges (Annex D.1.2.2).
pub fn ack_ranges(mut ids: Vec<TransactionId>) -> Vec<TransactionAck> {
    ids.sort_unstable();
    ids.dedup();
    let mut ranges: Vec<TransactionAck> = Vec::new();
    for id in ids {
        match ranges.last_mut() {
            Some(range) if range.last.unwrap_or(range.first).checked_add(1) == Some(id) => {
                range.last = Some(id);
            }
            _ => ranges.push(TransactionAck {
                first: id,
                last: None,
            }),
        }
    }
    ranges
}
