//! Message, header, message identifier and transactions (H.248.1 clauses 7.2,
//! 8 and 11.1; Annex A `MegacoMessage` .. `TransactionAck`).

use std::net::{Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use super::command::{ActionReply, ActionRequest};
use super::Text;

/// A whole H.248 message: optional authentication header and the message
/// (Annex A `MegacoMessage`; Annex B `megacoMessage`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MegacoMessage {
    /// The authentication header of clause 10.2, when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_header: Option<AuthenticationHeader>,
    pub message: Message,
}

/// Clause 10.2 authentication header (`AU=0x...:0x...:0x...`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthenticationHeader {
    /// Security parameter index (4 octets).
    pub security_parm_index: u32,
    /// Sequence number (4 octets).
    pub sequence_number: u32,
    /// Authentication data, 12 to 32 octets.
    pub auth_data: Vec<u8>,
}

/// The message proper: protocol version, sender and body (Annex A `Message`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Protocol version of the header, 1 to 3 for this stack (`MEGACO/3`).
    pub version: u8,
    /// Identity of the sender.
    pub mid: MId,
    pub body: MessageBody,
}

/// A message carries either a message-level error or transactions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageBody {
    /// Message-level error (clause 8.2.2: the message could not be processed).
    Error(ErrorDescriptor),
    /// One or more transactions, in order.
    Transactions(Vec<Transaction>),
}

/// Message identifier of the sender (Annex A `MId`; Annex B `mId`). Also the
/// form of `ServiceChangeAddress` and `MgcIdToTry`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MId {
    /// `[192.0.2.1]:2944`
    Ip4 { address: Ipv4Addr, port: Option<u16> },
    /// `[2001:db8::1]:2944`
    Ip6 { address: Ipv6Addr, port: Option<u16> },
    /// `<mgc.example.net>:2944` (the name without the angle brackets).
    Domain { name: Text, port: Option<u16> },
    /// A device name (`pathNAME`), at most 64 characters.
    Device(Text),
    /// `MTP{...}`: an SS7 MTP address of 2 to 4 octets.
    Mtp(Vec<u8>),
}

/// Error descriptor (clause 7.1.19): an H.248.8 error code and optional text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDescriptor {
    pub code: u16,
    /// The reason text, without quotes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<Text>,
}

impl ErrorDescriptor {
    pub fn new(code: u16, text: impl Into<Option<&'static str>>) -> Self {
        ErrorDescriptor {
            code,
            text: text.into().map(Text::const_new),
        }
    }
}

/// A transaction of a message (clause 8; Annex A `Transaction`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transaction {
    Request(TransactionRequest),
    Pending(TransactionPending),
    Reply(TransactionReply),
    /// `TransactionResponseAck { 1, 5-9 }`: the acknowledged IDs and ranges.
    ResponseAck(Vec<TransactionAck>),
    /// Version 3 `Segment = id/n[/END]` (clause 8.2.4).
    SegmentReply(SegmentReply),
}

/// A 32-bit transaction identifier (clause 8.1). 0 is not used on the wire
/// by this stack's transaction engine but is accepted by the codecs.
pub type TransactionId = u32;

/// `Transaction = id { actions }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionRequest {
    pub transaction_id: TransactionId,
    pub actions: Vec<ActionRequest>,
}

/// `Pending = id { }` (clause 8.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionPending {
    pub transaction_id: TransactionId,
}

/// `Reply = id[/segment[/END]] { [ImmAckRequired,] result }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionReply {
    pub transaction_id: TransactionId,
    /// The sender asks for an immediate TransactionResponseAck.
    #[serde(default)]
    pub imm_ack_required: bool,
    pub result: TransactionResult,
    /// Version 3 segment number of a segmented reply (clause 8.2.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment_number: Option<u16>,
    /// Version 3: this is the last segment (`/END`).
    #[serde(default)]
    pub segmentation_complete: bool,
}

/// The body of a transaction reply: a transaction-level error or one reply
/// per action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransactionResult {
    Error(ErrorDescriptor),
    ActionReplies(Vec<ActionReply>),
}

/// Version 3 segment acknowledgement `Segment = id/n[/END]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentReply {
    pub transaction_id: TransactionId,
    pub segment_number: u16,
    #[serde(default)]
    pub segmentation_complete: bool,
}

/// One acknowledged transaction, or a range `first-last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionAck {
    pub first: TransactionId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<TransactionId>,
}

/// Clause 7.1.17 / ASN.1 `TimeNotation`: `yyyymmddThhmmssss`, kept as the
/// two 8-digit strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeNotation {
    /// `yyyymmdd`, 8 digits.
    pub date: Text,
    /// `hhmmssss`, 8 digits (hundredths of seconds last).
    pub time: Text,
}
