//! The states of a transaction, as types. A transition consumes the state it
//! leaves, so e.g. a reply cannot be cached for a transaction that was
//! never in progress, and a Pending cannot be counted after the final reply.
//!
//! Outgoing (requester) side, H.248.1 Annex D.1.3 / D.1.4:
//! `AwaitingReply --Pending--> AwaitingFinal`, either `--segment--> Reassembling`,
//! any of them `--reply / failure--> finished` (a tombstone kept LONG-TIMER).
//!
//! Incoming (responder) side, Annex D.1.1 / D.1.5:
//! `InProgress --reply / 506--> Answered --TransactionResponseAck--> Confirmed`,
//! each released LONG-TIMER after the reply.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use smallvec::SmallVec;

use super::config::{EngineConfig, ResendAfterPending};
use crate::model::{ActionReply, Transaction, TransactionResult};

/// The request was sent and nothing came back yet (Annex D.1.3).
#[derive(Debug, Clone)]
pub(crate) struct AwaitingReply {
    /// Retransmissions so far.
    pub retransmissions: u32,
    /// The timer until the next retransmission.
    pub interval: Duration,
}

/// What an [`AwaitingReply`] timer expiry leads to.
pub(crate) enum RetransmitStep {
    /// Send again and wait longer.
    Retransmit(AwaitingReply),
    /// The schedule or T-MAX ran out.
    GiveUp,
}

impl AwaitingReply {
    pub fn new(config: &EngineConfig) -> Self {
        AwaitingReply {
            retransmissions: 0,
            interval: config.initial_retransmission_timer,
        }
    }

    /// When the timer of this state fires, armed after a send at `now`.
    pub fn timer(&self, now: Instant, first_sent: Instant, config: &EngineConfig) -> Instant {
        let lifetime_end = first_sent + config.request_lifetime;
        if config.reliable_transport {
            lifetime_end
        } else {
            (now + self.interval).min(lifetime_end)
        }
    }

    /// The retransmission timer expired at `now`.
    pub fn expire(
        self,
        now: Instant,
        first_sent: Instant,
        config: &EngineConfig,
    ) -> RetransmitStep {
        if config.reliable_transport
            || self.retransmissions >= config.max_retransmissions
            || now >= first_sent + config.request_lifetime
        {
            RetransmitStep::GiveUp
        } else {
            RetransmitStep::Retransmit(AwaitingReply {
                retransmissions: self.retransmissions + 1,
                interval: config.next_interval(self.interval),
            })
        }
    }

    /// A Pending arrived: stop retransmitting, wait LONG-TIMER (D.1.4).
    pub fn pending(
        self,
        now: Instant,
        config: &EngineConfig,
    ) -> Result<AwaitingFinal, PendingLimitExceeded> {
        AwaitingFinal {
            pendings: 0,
            deadline: now,
            next_resend: None,
            resend_until: now,
        }
        .pending(now, config)
    }
}

/// At least one Pending arrived; waiting for the final reply.
#[derive(Debug, Clone)]
pub(crate) struct AwaitingFinal {
    /// Pendings received so far.
    pub pendings: u32,
    /// No reply by then: the request failed (LONG-TIMER after the last
    /// Pending).
    pub deadline: Instant,
    /// When the request is sent again, if configured (lesson OTP-6051).
    pub next_resend: Option<Instant>,
    /// No resend after this ([`EngineConfig::resend_window`]).
    pub resend_until: Instant,
}

/// The peer sent more Pendings than its limit.
pub(crate) struct PendingLimitExceeded;

impl AwaitingFinal {
    /// Another Pending: restart the wait, or fail past the limit.
    pub fn pending(
        self,
        now: Instant,
        config: &EngineConfig,
    ) -> Result<AwaitingFinal, PendingLimitExceeded> {
        let next = AwaitingFinal {
            pendings: self.pendings.saturating_add(1),
            deadline: now + config.long_timer,
            next_resend: match config.resend_after_pending {
                ResendAfterPending::Never => None,
                ResendAfterPending::Every(_) if config.reliable_transport => None,
                ResendAfterPending::Every(d) => {
                    Some(now + d).filter(|&t| t < now + config.resend_window())
                }
            },
            resend_until: now + config.resend_window(),
        };
        if next.pendings > config.received_pending_limit() {
            Err(PendingLimitExceeded)
        } else {
            Ok(next)
        }
    }

    /// When the timer of this state fires.
    pub fn timer(&self) -> Instant {
        match self.next_resend {
            Some(t) => t.min(self.deadline),
            None => self.deadline,
        }
    }
}

/// Segments of a v3 segmented reply are arriving (clause 8.2.4).
#[derive(Debug, Clone)]
pub(crate) struct Reassembling {
    /// Action replies by segment number.
    pub parts: BTreeMap<u16, Vec<ActionReply>>,
    /// The number of the segment marked END, once seen.
    pub end: Option<u16>,
    /// A segment asked for an immediate ack.
    pub imm_ack: bool,
    /// Give up (error 459) at this instant.
    pub deadline: Instant,
    /// Next retransmission of the request (unreliable transports), which
    /// makes the peer resend the segments we lack.
    pub next_resend: Option<Instant>,
    pub interval: Duration,
}

/// Result of adding a segment.
pub(crate) enum ReassemblyStep {
    Incomplete(Reassembling),
    /// All segments are in: the action replies in segment order.
    Complete {
        result: TransactionResult,
        segments: u16,
        imm_ack: bool,
    },
}

impl Reassembling {
    pub fn new(now: Instant, config: &EngineConfig) -> Self {
        let interval = config.initial_retransmission_timer;
        Reassembling {
            parts: BTreeMap::new(),
            end: None,
            imm_ack: false,
            // Resends stop within the window in which the peer still holds
            // the reply (see `EngineConfig::resend_window`).
            deadline: now + config.segment_reassembly_timer.min(config.resend_window()),
            next_resend: (!config.reliable_transport).then_some(now + interval),
            interval,
        }
    }

    /// Adds segment `number` (1-based). Duplicates are ignored. A segment
    /// with a transaction-level error completes the reply with that error.
    pub fn add(
        mut self,
        number: u16,
        end: bool,
        imm_ack: bool,
        result: TransactionResult,
    ) -> ReassemblyStep {
        self.imm_ack |= imm_ack;
        if end {
            self.end = Some(number);
        }
        match result {
            TransactionResult::Error(e) => {
                return ReassemblyStep::Complete {
                    result: TransactionResult::Error(e),
                    segments: number,
                    imm_ack: self.imm_ack,
                }
            }
            TransactionResult::ActionReplies(replies) => {
                self.parts.entry(number).or_insert(replies);
            }
        }
        match self.end {
            Some(last)
                if self.parts.len() == usize::from(last)
                    && self.parts.keys().all(|&n| n <= last) =>
            {
                let replies = self.parts.into_values().flatten().collect();
                ReassemblyStep::Complete {
                    result: TransactionResult::ActionReplies(replies),
                    segments: last,
                    imm_ack: self.imm_ack,
                }
            }
            _ => ReassemblyStep::Incomplete(self),
        }
    }

    /// When the timer of this state fires.
    pub fn timer(&self) -> Instant {
        match self.next_resend {
            Some(t) => t.min(self.deadline),
            None => self.deadline,
        }
    }
}

/// Where a live outgoing transaction is.
#[derive(Debug, Clone)]
pub(crate) enum Phase {
    AwaitingReply(AwaitingReply),
    AwaitingFinal(AwaitingFinal),
    Reassembling(Reassembling),
}

/// How an outgoing transaction ended (kept in its tombstone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Answered,
    Failed,
    Cancelled,
}

/// An outgoing transaction: live, or a tombstone that makes late or
/// duplicated replies recognisable (and keeps its ID from being reused).
#[derive(Debug, Clone)]
pub(crate) enum OutState {
    Live {
        /// The request as sent, for retransmission.
        request: Transaction,
        phase: Phase,
    },
    Finished {
        outcome: Outcome,
    },
}

/// A request we received and the application has not answered yet.
#[derive(Debug, Clone)]
pub(crate) struct InProgress {
    pub received_at: Instant,
    /// Pendings sent so far.
    pub pendings_sent: u32,
}

/// What sending a Pending leads to.
pub(crate) enum PendingStep {
    /// Send it; still in progress.
    Send(InProgress),
    /// The originated pending limit is reached: answer 506 instead.
    LimitReached(InProgress),
}

impl InProgress {
    pub fn new(now: Instant) -> Self {
        InProgress {
            received_at: now,
            pendings_sent: 0,
        }
    }

    pub fn pending(self, config: &EngineConfig) -> PendingStep {
        if self.pendings_sent >= config.sent_pending_limit() {
            PendingStep::LimitReached(self)
        } else {
            PendingStep::Send(InProgress {
                pendings_sent: self.pendings_sent + 1,
                ..self
            })
        }
    }

    /// The application (or the engine, with 506) answered: cache the reply.
    pub fn answer(self, reply: CachedReply, now: Instant, config: &EngineConfig) -> Answered {
        let segmented = reply.len() > 1;
        let sent = match config.segment_window {
            Some(window) if segmented => reply.len().min(usize::from(window.max(1))),
            _ => reply.len(),
        };
        Answered {
            acked_segments: if segmented {
                vec![false; reply.len()]
            } else {
                Vec::new()
            },
            sent,
            reply,
            expires: now + config.long_timer,
            resends: 0,
            interval: config.initial_retransmission_timer,
            next_resend: None,
        }
    }
}

/// A transaction of a cached reply: as built, or packed into bytes by the
/// engine's [`ReplyPacker`](super::ReplyPacker) (a fraction of the model's
/// memory, kept in a shared chunk (`reply_chunks`), unpacked only if it has
/// to be sent again).
#[derive(Debug, Clone)]
pub(crate) enum CachedTransaction {
    Model(Box<Transaction>),
    Packed(bytes::Bytes),
    /// Queued to be sent: its encoding will be kept as it leaves
    /// ([`super::Engine::keep_sent_reply`]), so it is not encoded twice.
    AwaitingEncoding,
    /// The transaction's own text, cut from the message it was sent in
    /// (no header), kept in a shared chunk.
    AsSent(bytes::Bytes),
}

/// The parts of a cached reply: one transaction (kept inline, the usual
/// case), or the segments in order.
pub(crate) type CachedReply = SmallVec<[CachedTransaction; 1]>;

/// A reply sent and cached for retransmission (Annex D.1.5). The engine
/// keeps it boxed in [`InState::Answered`], so that the incoming table's
/// entries stay small: the table holds every request of the last
/// LONG-TIMER, and its size is what a resize copies.
#[derive(Debug, Clone)]
pub(crate) struct Answered {
    /// The reply: one transaction, or the segments in order.
    pub reply: CachedReply,
    /// Per segment: a SegmentReply came back (empty when unsegmented).
    pub acked_segments: Vec<bool>,
    /// How many segments (from the first) have been sent at least once;
    /// the rest wait for the window (`EngineConfig::segment_window`).
    pub sent: usize,
    /// Released at this instant (LONG-TIMER after the reply).
    pub expires: Instant,
    /// Timer resends done (ReplyResend::UntilAcked).
    pub resends: u32,
    pub interval: Duration,
    pub next_resend: Option<Instant>,
}

impl Answered {
    /// The parts to send again: all of an unsegmented reply, the segments
    /// not yet acknowledged of a segmented one.
    pub fn unacknowledged(&self) -> impl Iterator<Item = &CachedTransaction> {
        self.reply[..self.sent]
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.acked_segments.get(*i).copied().unwrap_or(false))
            .map(|(_, t)| t)
    }

    /// A SegmentReply for segment `number` (1-based) arrived. Returns the
    /// segments the window now lets go, or `None` for a SegmentReply that
    /// matches no segment sent (lesson OTP-7455: ignored).
    pub fn segment_acknowledged(
        &mut self,
        number: u16,
        window: Option<u16>,
    ) -> Option<std::ops::Range<usize>> {
        let index = usize::from(number).checked_sub(1)?;
        if index >= self.sent {
            return None;
        }
        *self.acked_segments.get_mut(index)? = true;
        let first = self.sent;
        if let Some(window) = window {
            let window = usize::from(window.max(1));
            let mut outstanding = self.acked_segments[..self.sent]
                .iter()
                .filter(|a| !**a)
                .count();
            while self.sent < self.reply.len() && outstanding < window {
                self.sent += 1;
                outstanding += 1;
            }
        }
        Some(first..self.sent)
    }

    /// A TransactionResponseAck covers it: the reply is freed, the
    /// identifier remembered until `expires`.
    pub fn confirm(self) -> Confirmed {
        Confirmed {
            expires: self.expires,
        }
    }

    pub fn timer(&self) -> Instant {
        match self.next_resend {
            Some(t) => t.min(self.expires),
            None => self.expires,
        }
    }
}

/// The peer acknowledged the reply; only the identifier is kept, so that a
/// late retransmission of the request is not executed again (D.1.2.2).
#[derive(Debug, Clone)]
pub(crate) struct Confirmed {
    pub expires: Instant,
}

/// An incoming transaction.
#[derive(Debug, Clone)]
pub(crate) enum InState {
    InProgress(InProgress),
    Answered(Box<Answered>),
    Confirmed(Confirmed),
}
