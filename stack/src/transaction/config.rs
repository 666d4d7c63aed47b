//! Engine configuration, with defaults taken from H.248.1 Annex D and from
//! Erlang/OTP megaco where the Recommendation leaves a value "provisioned".

use std::time::Duration;

use crate::model::MId;

/// Which side of the control association this engine plays. It decides which
/// of the root package's pending limits (H.248.1 Annex E.2,
/// `MGOriginatedPendingLimit` / `MGCOriginatedPendingLimit`) bounds the
/// Pendings this engine sends and which bounds those it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Media gateway: sends at most `mg_originated_pending_limit` Pendings
    /// per request, accepts at most `mgc_originated_pending_limit`.
    Mg,
    /// Media gateway controller: the other way round.
    Mgc,
}

/// When a final reply asks for an immediate TransactionResponseAck
/// (`ImmAckRequired`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImmAckPolicy {
    /// Only when a Pending was sent for the transaction: what H.248.1 Annex
    /// D.1.4 requires ("an entity that sends a provisional response SHALL
    /// include the immAckRequired field in the ensuing final response").
    AfterPending,
    /// On every reply.
    Always,
}

/// What a requester does after it received a Pending (lesson OTP-6051).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResendAfterPending {
    /// Stop retransmitting (Annex D.1.4: Pending shows the request arrived);
    /// wait LONG-TIMER for the reply, restarted by every further Pending.
    Never,
    /// Keep retransmitting the request at this interval while waiting (in
    /// case the final reply is lost: the peer answers a retransmission with
    /// its cached reply). Erlang megaco's `long_request_resend`.
    Every(Duration),
}

/// When a cached reply is sent again (lesson OTP-6048).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReplyResend {
    /// Only in answer to a retransmitted request (Annex D.1.5).
    OnDuplicateRequest,
    /// Also on the request-retransmission schedule (initial timer, backoff,
    /// at most `max_retransmissions` times) until a TransactionResponseAck
    /// covers it; for replies that asked for `ImmAckRequired` only. Erlang
    /// megaco's incremental `reply_timer`.
    UntilAcked,
}

/// V3 segmentation of outgoing replies (H.248.1 v3 clause 8.1.1 / 8.2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Segmentation {
    /// Never segment (Erlang megaco's `segment_send = none`).
    Off,
    /// Segment version 3 replies whose estimated encoded size exceeds
    /// `max_message_size` bytes, over unreliable transports only, sending
    /// at most `segment_window` unacknowledged segments at a time.
    MaxMessageSize(usize),
}

/// Configuration of an [`Engine`](super::Engine). Every timer and every
/// table is bounded; each field documents its default (set by
/// [`EngineConfig::new`]) and where that value comes from.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Our side of the association.
    pub role: Role,
    /// The `mId` written in the header of every message we send.
    pub local_mid: MId,
    /// True over TCP/SCTP (Annex D.2): no retransmissions, no segmentation,
    /// requests bounded by `request_lifetime` alone.
    pub reliable_transport: bool,
    /// First retransmission timer. Default 200 ms: the example value of
    /// Annex D.1.5 ("if the initial timer is set to 200 milliseconds...").
    pub initial_retransmission_timer: Duration,
    /// Multiplier applied to the timer after each retransmission. Default 2:
    /// Annex D.1.3 requires an exponentially increasing backoff.
    pub backoff_factor: u32,
    /// Largest retransmission timer. Default 4 s: "a suggested maximum value
    /// is 4 seconds" (Annex D.1.3).
    pub max_retransmission_timer: Duration,
    /// Retransmissions before a request times out. Default 7: the low end of
    /// "typically between 7 and 11 times" (Annex D.1.5).
    pub max_retransmissions: u32,
    /// T-MAX: no request is retransmitted, or waited for without a Pending,
    /// longer than this after it was first sent. Default 30 s ("waiting a
    /// total delay of 30 seconds is probably acceptable", Annex D.1.5).
    pub request_lifetime: Duration,
    /// LONG-TIMER: how long transaction identifiers and replies are kept
    /// (Annex D.1.1, D.1.5) and how long a requester waits for the reply
    /// after a Pending. Must be at least T-MAX plus the largest network
    /// delay (Annex D.1.5); default 32 s (30 s + 2 s).
    pub long_timer: Duration,
    /// normalMGExecutionTime / normalMGCExecutionTime (root package, v2+):
    /// a retransmitted request that arrives this long after the original,
    /// while still executing, is answered with a Pending (Annex D.1.4).
    /// Provisioned in the Recommendation; default 200 ms (one initial
    /// retransmission timer).
    pub normal_execution_time: Duration,
    /// ProvisionalResponseTimerValue (root package, Annex D.1.4): the most
    /// time between the receipt of a request and the sending of a Pending
    /// while the application has not answered; Pendings repeat at this
    /// interval. Default 2 s (provisioned in the Recommendation).
    pub provisional_response_timer: Duration,
    /// MGOriginatedPendingLimit (root package, v2+): Pendings an MG sends for
    /// one request before it gives up with error 506. Provisioned in the
    /// Recommendation; default 10, so that every request is bounded.
    pub mg_originated_pending_limit: u32,
    /// MGCOriginatedPendingLimit: the same for the MGC. Default 10.
    pub mgc_originated_pending_limit: u32,
    /// Whether to resend requests after a Pending (lesson OTP-6051).
    /// Default [`ResendAfterPending::Never`] (Annex D.1.4).
    pub resend_after_pending: ResendAfterPending,
    /// Whether to resend replies on a timer (lesson OTP-6048). Default
    /// [`ReplyResend::UntilAcked`]: a reply that follows a Pending asks for
    /// an immediate ack (Annex D.1.4) because the requester, told by the
    /// Pending that its request arrived, no longer retransmits it; if that
    /// reply were lost and only resent on a duplicate request, nothing would
    /// ever recover it. Replies without `ImmAckRequired` are resent only on
    /// duplicates either way. Over reliable transports nothing is resent.
    pub reply_resend: ReplyResend,
    /// When replies ask for an immediate ack (lesson OTP-6030). Default
    /// [`ImmAckPolicy::AfterPending`] (Annex D.1.4).
    pub imm_ack: ImmAckPolicy,
    /// How long TransactionResponseAcks are held to be batched (Annex
    /// D.1.2.2 allows ranges). Default 50 ms; zero sends them with the next
    /// flush.
    pub ack_delay: Duration,
    /// Most acknowledged transactions held per peer before the batch is
    /// sent at once. Default 64.
    pub max_pending_acks: usize,
    /// Most transactions in one outgoing message: what is queued for the
    /// same peer between two calls of `poll_transmit` is batched up to this
    /// (and `max_message_bytes`). Default 16 (1 disables batching).
    pub max_transactions_per_message: usize,
    /// Most bytes in an outgoing message that batches several
    /// transactions: the byte layer ([`CodecEngine`](super::codec::CodecEngine))
    /// cuts a batch that encodes larger into messages within it, between
    /// transactions. One transaction alone is never cut (a large reply is
    /// segmented instead, see `segmentation`). Default 1 400: a batch fits
    /// one Ethernet frame with IPv6 and UDP headers, so it never makes IP
    /// fragment. (Erlang megaco bounds its accumulated requests by
    /// `trans_req_maxsize`, 2 048 by default.)
    pub max_message_bytes: usize,
    /// Segmentation of large replies (v3, unreliable transports only).
    /// Default [`Segmentation::Off`] (megaco's default).
    pub segmentation: Segmentation,
    /// Most segments of one reply sent and not yet acknowledged by a
    /// SegmentReply; the next goes when one is acknowledged. `None` sends
    /// all at once. Erlang megaco's `segment_send` (K, or `infinity`, its
    /// default when segmenting; ours too).
    pub segment_window: Option<u16>,
    /// segment_recv_timer: how long a requester waits for the missing
    /// segments of a reply after the first segment arrived before it gives
    /// up with error 459. Default 10 s (Erlang megaco).
    pub segment_reassembly_timer: Duration,
    /// Most segments accepted for one reply. Default 1024.
    pub max_segments: u16,
    /// Bound on live outgoing transactions plus remembered finished ones
    /// (kept LONG-TIMER to drop late replies). Default 65 536.
    pub max_outgoing_transactions: usize,
    /// Bound on incoming transactions in progress plus cached replies and
    /// remembered identifiers. Past it new requests are dropped unanswered
    /// (and counted), so that the peer retransmits them later: answering
    /// without remembering would break at-most-once. Default 65 536.
    pub max_incoming_transactions: usize,
    /// First transaction identifier this engine uses (megaco's
    /// `min_trans_id`). Default 1; 0 is never used.
    pub initial_transaction_id: u32,
}

impl EngineConfig {
    /// Defaults for `role` writing `local_mid` in its headers, over UDP.
    pub fn new(role: Role, local_mid: MId) -> Self {
        EngineConfig {
            role,
            local_mid,
            reliable_transport: false,
            initial_retransmission_timer: Duration::from_millis(200),
            backoff_factor: 2,
            max_retransmission_timer: Duration::from_secs(4),
            max_retransmissions: 7,
            request_lifetime: Duration::from_secs(30),
            long_timer: Duration::from_secs(32),
            normal_execution_time: Duration::from_millis(200),
            provisional_response_timer: Duration::from_secs(2),
            mg_originated_pending_limit: 10,
            mgc_originated_pending_limit: 10,
            resend_after_pending: ResendAfterPending::Never,
            reply_resend: ReplyResend::UntilAcked,
            imm_ack: ImmAckPolicy::AfterPending,
            ack_delay: Duration::from_millis(50),
            max_pending_acks: 64,
            max_transactions_per_message: 16,
            max_message_bytes: 1400,
            segmentation: Segmentation::Off,
            segment_window: None,
            segment_reassembly_timer: Duration::from_secs(10),
            max_segments: 1024,
            max_outgoing_transactions: 65_536,
            max_incoming_transactions: 65_536,
            initial_transaction_id: 1,
        }
    }

    /// Checks the relations the engine relies on; a daemon should refuse a
    /// configuration that fails. [`Engine`](super::Engine) works with any
    /// values, but at-most-once needs LONG-TIMER above T-MAX (Annex D.1.5).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let fail = |what: &'static str| Err(ConfigError(what));
        if self.long_timer <= self.request_lifetime {
            return fail(
                "long_timer must exceed request_lifetime (T-MAX) by the largest network delay",
            );
        }
        if self.initial_retransmission_timer.is_zero() {
            return fail("initial_retransmission_timer must not be zero");
        }
        if self.max_retransmission_timer < self.initial_retransmission_timer {
            return fail("max_retransmission_timer must not be below initial_retransmission_timer");
        }
        if self.backoff_factor == 0 {
            return fail("backoff_factor must be at least 1");
        }
        if self.provisional_response_timer.is_zero() {
            return fail("provisional_response_timer must not be zero");
        }
        if self.max_transactions_per_message == 0 || self.max_pending_acks == 0 {
            return fail("batch sizes must be at least 1");
        }
        if self.max_message_bytes == 0 {
            return fail("max_message_bytes must be at least 1");
        }
        if let Segmentation::MaxMessageSize(size) = self.segmentation {
            if size <= super::SEGMENT_OVERHEAD {
                return fail("segmentation max_message_size must exceed SEGMENT_OVERHEAD");
            }
        }
        if self.segment_window == Some(0) || self.max_segments == 0 {
            return fail("segment_window and max_segments must be at least 1");
        }
        if self.segment_reassembly_timer.is_zero() {
            return fail("segment_reassembly_timer must not be zero");
        }
        if self.max_outgoing_transactions == 0 || self.max_incoming_transactions == 0 {
            return fail("table bounds must be at least 1");
        }
        Ok(())
    }

    /// The limit on Pendings we send per incoming request.
    pub fn sent_pending_limit(&self) -> u32 {
        match self.role {
            Role::Mg => self.mg_originated_pending_limit,
            Role::Mgc => self.mgc_originated_pending_limit,
        }
    }

    /// The limit on Pendings we accept per outgoing request.
    pub fn received_pending_limit(&self) -> u32 {
        match self.role {
            Role::Mg => self.mgc_originated_pending_limit,
            Role::Mgc => self.mg_originated_pending_limit,
        }
    }

    /// The largest one-way network delay the timers allow for: LONG-TIMER
    /// minus T-MAX (Annex D.1.5).
    pub fn propagation_allowance(&self) -> Duration {
        self.long_timer.saturating_sub(self.request_lifetime)
    }

    /// How long after the event that started a wait (a Pending, a first
    /// segment) a requester may still send its request again: LONG-TIMER
    /// less two propagation allowances, so that every retransmission
    /// reaches the peer while it still remembers the transaction and the
    /// request is never executed twice (Annex D.1.1).
    pub fn resend_window(&self) -> Duration {
        self.long_timer
            .saturating_sub(self.propagation_allowance().saturating_mul(2))
    }

    /// The retransmission timer that follows `current` (Annex D.1.3 backoff).
    pub(crate) fn next_interval(&self, current: Duration) -> Duration {
        current
            .saturating_mul(self.backoff_factor.max(1))
            .min(self.max_retransmission_timer)
    }
}

/// A configuration the engine should not run with: names the rule broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid transaction engine configuration: {0}")]
pub struct ConfigError(pub &'static str);
