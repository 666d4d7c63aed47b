//! What the engine hands back: messages to send, events for the
//! application, counters for the metrics layer, and the errors of its calls.

use crate::model::{
    ActionRequest, ErrorDescriptor, MegacoMessage, TransactionId, TransactionResult,
};

/// A message to send to `peer`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit<P> {
    pub peer: P,
    pub message: MegacoMessage,
}

/// Why an outgoing request ended without a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Failure {
    /// No reply (nor Pending) within the retransmission schedule or T-MAX
    /// (Annex D.1.5), or no reply within LONG-TIMER after the last Pending.
    TimedOut,
    /// The peer sent more Pendings than its originated pending limit
    /// (root package MGOriginatedPendingLimit / MGCOriginatedPendingLimit).
    PendingLimitExceeded,
    /// Some segments of a segmented reply never arrived (v3; error 459 was
    /// sent to the peer).
    SegmentsNotReceived,
    /// The application reported the peer lost
    /// ([`Engine::peer_lost`](super::Engine::peer_lost)), e.g. its TCP
    /// connection closed.
    PeerLost,
}

/// Something the application must know about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event<P> {
    /// A new request: delivered exactly once per transaction, however often
    /// the peer retransmits it (Annex D.1.1). Answer with
    /// [`Engine::send_reply`](super::Engine::send_reply).
    RequestReceived {
        peer: P,
        transaction_id: TransactionId,
        version: u8,
        actions: Vec<ActionRequest>,
    },
    /// The final reply to one of our requests, delivered at most once.
    /// `segments` is the number of segments it was reassembled from (v3), or
    /// `None` when it came whole.
    ReplyReceived {
        peer: P,
        transaction_id: TransactionId,
        /// Protocol version of the message that carried the reply (of its
        /// last segment when segmented).
        version: u8,
        result: TransactionResult,
        segments: Option<u16>,
    },
    /// One of our requests ended without a reply. Exactly one of
    /// `ReplyReceived` or `RequestFailed` is delivered per request, unless
    /// the application cancelled it.
    RequestFailed {
        peer: P,
        transaction_id: TransactionId,
        reason: Failure,
    },
    /// We gave up on an incoming request: our originated pending limit was
    /// reached before the application answered, so the peer got the
    /// transaction-scoped error 506 (lesson OTP-6148). A later
    /// [`send_reply`](super::Engine::send_reply) for it is refused.
    RequestAborted {
        peer: P,
        transaction_id: TransactionId,
    },
    /// The peer sent a message-level error (clause 8.2.2).
    PeerMessageError { peer: P, error: ErrorDescriptor },
}

/// Plain counters for the metrics layer. All monotonically increasing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    pub messages_sent: u64,
    pub messages_received: u64,
    pub requests_sent: u64,
    pub requests_received: u64,
    pub request_retransmissions: u64,
    pub duplicate_requests: u64,
    pub replies_sent: u64,
    pub replies_received: u64,
    pub reply_retransmissions: u64,
    pub duplicate_replies: u64,
    /// Replies for transactions we do not know, cancelled or timed out.
    pub unexpected_replies: u64,
    pub pendings_sent: u64,
    pub pendings_received: u64,
    /// Pendings for transactions not waiting for a reply (ignored, D.1.4).
    pub unexpected_pendings: u64,
    pub acks_sent: u64,
    pub acks_received: u64,
    pub segments_sent: u64,
    pub segments_received: u64,
    pub segment_replies_sent: u64,
    pub segment_replies_received: u64,
    /// SegmentReplies for nothing we sent (lesson OTP-7455).
    pub stray_segment_replies: u64,
    pub timeouts: u64,
    pub pending_limit_exceeded_received: u64,
    pub pending_limit_exceeded_sent: u64,
    pub segment_timeouts: u64,
    pub cancelled: u64,
    pub message_errors_received: u64,
    pub message_errors_sent: u64,
    /// Requests dropped for lack of table space.
    pub rejected_requests: u64,
    /// Datagrams that could not be decoded, answered or not.
    pub undecodable_messages: u64,
    /// Messages the codec could not encode (dropped).
    pub encode_errors: u64,
    /// Cached reply parts that could not be unpacked to be sent again
    /// (not sent; a codec that cannot read its own output).
    pub unpack_failures: u64,
}

/// Why [`Engine::send_request`](super::Engine::send_request) refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    #[error("too many outgoing transactions (limit {0})")]
    TooManyTransactions(usize),
    #[error("a request needs at least one action")]
    NoActions,
}

/// Why [`Engine::send_reply`](super::Engine::send_reply) refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    #[error("no request {0} from that peer is waiting for a reply")]
    NotInProgress(TransactionId),
}
