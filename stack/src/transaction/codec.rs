//! The byte layer over the engine: a [`MessageCodec`] turns datagrams into
//! [`MegacoMessage`]s and back, and [`CodecEngine`] wraps an [`Engine`] with
//! one. The engine itself never sees bytes.

use std::collections::VecDeque;
use std::time::Instant;

use super::{Engine, Event, PeerKey, ReplyPacker};
use crate::model::{
    ActionReply, ErrorDescriptor, MId, MegacoMessage, Message, MessageBody, Transaction,
    TransactionReply, TransactionResult,
};
use crate::text::{self, DecodeLimits, Style};

/// The binary encoding (Annex A), beside [`TextCodec`].
pub use crate::transport::codec::BerCodec;

/// The highest protocol version this stack speaks.
pub const MAX_VERSION: u8 = 3;

/// Why a datagram could not be decoded, in the terms of the error reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodecDecodeError {
    /// The H.248.8 code to answer with (400 syntax error, 406 version...).
    pub code: u16,
    /// The protocol version read from the header, when the header could be
    /// read at all; without it the datagram is dropped unanswered.
    pub header_version: Option<u8>,
    /// Diagnostic text for the error descriptor.
    pub reason: String,
}

/// A message encoding: text (Annex B, [`TextCodec`]) or binary (Annex A,
/// [`BerCodec`]).
pub trait MessageCodec {
    fn decode(&self, bytes: &[u8]) -> Result<MegacoMessage, CodecDecodeError>;
    /// Appends the encoding of `message` to `out`.
    fn encode(&self, message: &MegacoMessage, out: &mut Vec<u8>) -> Result<(), String>;

    /// Encodes `message` as one or more messages of at most `budget` bytes
    /// each, cut only between transactions, and hands each to `emit` in
    /// order. A message of one transaction, or a message-level error, is
    /// never cut, whatever its size (large replies are segmented by the
    /// engine instead). Nothing is emitted when it fails.
    ///
    /// This default encodes the batch and, if it is too large, encodes
    /// parts of it again, each sized from the first encoding; a codec whose
    /// encoding can be cut directly ([`TextCodec`]) does better.
    fn encode_within(
        &self,
        message: &MegacoMessage,
        budget: usize,
        emit: &mut dyn FnMut(Vec<u8>),
    ) -> Result<(), String> {
        let mut out = Vec::with_capacity(256);
        self.encode(message, &mut out)?;
        let transactions = match &message.message.body {
            MessageBody::Transactions(t) if t.len() > 1 && out.len() > budget => t,
            _ => {
                emit(out);
                return Ok(());
            }
        };
        // Parts of the size that fits on average, checked again each.
        let per = (transactions.len() * budget / out.len()).clamp(1, transactions.len() - 1);
        let mut parts = Vec::with_capacity(transactions.len().div_ceil(per));
        for chunk in transactions.chunks(per) {
            let part = MegacoMessage {
                auth_header: message.auth_header.clone(),
                message: Message {
                    version: message.message.version,
                    mid: message.message.mid.clone(),
                    body: MessageBody::Transactions(chunk.to_vec()),
                },
            };
            self.encode_within(&part, budget, &mut |bytes| parts.push(bytes))?;
        }
        parts.into_iter().for_each(emit);
        Ok(())
    }

    /// [`Self::encode_within`], handing `each` the encoding of every
    /// transaction of `message` by its index, when the codec can point at
    /// it in its output ([`Self::shows_transactions`]). The default hands
    /// nothing.
    fn encode_within_each(
        &self,
        message: &MegacoMessage,
        budget: usize,
        emit: &mut dyn FnMut(Vec<u8>),
        each: &mut dyn FnMut(usize, &[u8]),
    ) -> Result<(), String> {
        let _ = each;
        self.encode_within(message, budget, emit)
    }

    /// Whether [`Self::encode_within_each`] hands every transaction, and
    /// [`Self::decode_sent_transaction`] reads what it handed.
    fn shows_transactions(&self) -> bool {
        false
    }

    /// The transaction whose encoding in a message of `version` is `bytes`,
    /// as [`Self::encode_within_each`] handed it.
    fn decode_sent_transaction(&self, version: u8, bytes: &[u8]) -> Option<Transaction> {
        let _ = (version, bytes);
        None
    }

    /// The codec that packs cached replies ([`ReplyPacker`]): this one, in
    /// its smallest style.
    fn packing_form(&self) -> Self
    where
        Self: Sized + Clone,
    {
        self.clone()
    }
}

/// The text encoding of H.248.1 Annex B in a given output style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextCodec {
    pub style: Style,
    pub limits: DecodeLimits,
}

impl TextCodec {
    pub fn new(style: Style) -> Self {
        TextCodec {
            style,
            limits: DecodeLimits::default(),
        }
    }
}

impl MessageCodec for TextCodec {
    fn decode(&self, bytes: &[u8]) -> Result<MegacoMessage, CodecDecodeError> {
        text::decode_with(bytes, &self.limits).map_err(|e| CodecDecodeError {
            code: e.error_code(),
            header_version: sniff_text_version(bytes),
            reason: e.to_string(),
        })
    }

    fn encode(&self, message: &MegacoMessage, out: &mut Vec<u8>) -> Result<(), String> {
        text::encode(message, self.style, out).map_err(|e| e.to_string())
    }

    /// One encoding, cut at transaction boundaries
    /// ([`text::encode_marking_transactions`]) when it is too large.
    fn encode_within(
        &self,
        message: &MegacoMessage,
        budget: usize,
        emit: &mut dyn FnMut(Vec<u8>),
    ) -> Result<(), String> {
        let batch = matches!(&message.message.body, MessageBody::Transactions(t) if t.len() > 1);
        if !batch {
            let mut out = Vec::with_capacity(256);
            self.encode(message, &mut out)?;
            emit(out);
            return Ok(());
        }
        self.encode_within_each(message, budget, emit, &mut |_, _| {})
    }

    /// One encoding, each transaction handed as it lies between the marks
    /// of [`text::encode_marking_transactions`], then cut as
    /// [`Self::encode_within`] does.
    fn encode_within_each(
        &self,
        message: &MegacoMessage,
        budget: usize,
        emit: &mut dyn FnMut(Vec<u8>),
        each: &mut dyn FnMut(usize, &[u8]),
    ) -> Result<(), String> {
        let mut out = Vec::with_capacity(256);
        let mut starts = Vec::new();
        text::encode_marking_transactions(message, self.style, &mut out, &mut starts)
            .map_err(|e| e.to_string())?;
        for (i, &start) in starts.iter().enumerate() {
            // Up to the line break before the next transaction.
            let end = starts.get(i + 1).map_or(out.len(), |&next| next - 1);
            each(i, &out[start..end]);
        }
        cut_text_batch(out, &starts, budget, emit);
        Ok(())
    }

    fn shows_transactions(&self) -> bool {
        true
    }

    /// Read behind a header naming the packing device (`!/3 p`).
    fn decode_sent_transaction(&self, version: u8, bytes: &[u8]) -> Option<Transaction> {
        let mut message = Vec::with_capacity(bytes.len() + PACKED_MID.len() + 8);
        message.extend_from_slice(b"!/");
        message.extend_from_slice(itoa::Buffer::new().format(version).as_bytes());
        message.push(b' ');
        message.extend_from_slice(PACKED_MID.as_bytes());
        message.push(b'\n');
        message.extend_from_slice(bytes);
        only_transaction(self.decode(&message).ok()?)
    }

    fn packing_form(&self) -> Self {
        TextCodec {
            style: Style::Compact,
            ..*self
        }
    }
}

/// [`encode_datagrams`], handing the reply cache of `engine` the encoding of
/// each reply of the message ([`Engine::keep_sent_reply`]).
fn encode_datagrams_keeping_replies<P: PeerKey, C: MessageCodec>(
    codec: &C,
    engine: &mut Engine<P>,
    message: &MegacoMessage,
    budget: usize,
    peer: &P,
    out: &mut VecDeque<Datagram<P>>,
) -> Result<(), String> {
    let transactions = match &message.message.body {
        MessageBody::Transactions(t) => t.as_slice(),
        MessageBody::Error(_) => &[],
    };
    codec.encode_within_each(
        message,
        budget,
        &mut |bytes| {
            out.push_back(Datagram {
                peer: peer.clone(),
                bytes,
            })
        },
        &mut |i, encoding| {
            if let Some(Transaction::Reply(reply)) = transactions.get(i) {
                engine.keep_sent_reply(peer, reply.transaction_id, encoding);
            }
        },
    )
}

/// Encodes `message` for `peer` as datagrams within `budget` bytes, queued
/// on `out`.
fn encode_datagrams<P: Clone, C: MessageCodec>(
    codec: &C,
    message: &MegacoMessage,
    budget: usize,
    peer: &P,
    out: &mut VecDeque<Datagram<P>>,
) -> Result<(), String> {
    codec.encode_within(message, budget, &mut |bytes| {
        out.push_back(Datagram {
            peer: peer.clone(),
            bytes,
        })
    })
}

/// Cuts a text message whose transactions begin at `starts` (one line
/// break between them, the header before the first) into messages of at
/// most `budget` bytes where it can: the header, then as many consecutive
/// transactions as fit, at least one.
fn cut_text_batch(bytes: Vec<u8>, starts: &[usize], budget: usize, emit: &mut dyn FnMut(Vec<u8>)) {
    if bytes.len() <= budget || starts.len() < 2 {
        emit(bytes);
        return;
    }
    let header = &bytes[..starts[0]];
    // Where transaction `i` ends: before the line break that separates it
    // from the next one.
    let end = |i: usize| starts.get(i + 1).map_or(bytes.len(), |&next| next - 1);
    let mut first = 0;
    while first < starts.len() {
        let mut last = first;
        while last + 1 < starts.len() && header.len() + end(last + 1) - starts[first] <= budget {
            last += 1;
        }
        let body = &bytes[starts[first]..end(last)];
        let mut message = Vec::with_capacity(header.len() + body.len());
        message.extend_from_slice(header);
        message.extend_from_slice(body);
        emit(message);
        first = last + 1;
    }
}

/// The version of a text header (`MEGACO/3` or `!/3`, after optional white
/// space and an authentication header), when it can be read.
pub fn sniff_text_version(bytes: &[u8]) -> Option<u8> {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
    let rest = &bytes[start..];
    // Skip `AU=...` / `Authentication=...` up to the white space before the
    // message proper.
    let rest = if rest.len() >= 2 && rest[..2].eq_ignore_ascii_case(b"AU") {
        let end = rest.iter().position(|b| b.is_ascii_whitespace())?;
        let rest = &rest[end..];
        &rest[rest.iter().position(|b| !b.is_ascii_whitespace())?..]
    } else {
        rest
    };
    let after = if rest.len() >= 7 && rest[..7].eq_ignore_ascii_case(b"MEGACO/") {
        &rest[7..]
    } else if rest.starts_with(b"!/") {
        &rest[2..]
    } else {
        return None;
    };
    match after.first() {
        Some(d @ b'1'..=b'9') if !after.get(1).is_some_and(u8::is_ascii_digit) => Some(d - b'0'),
        _ => None,
    }
}

/// An outgoing datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Datagram<P> {
    pub peer: P,
    pub bytes: Vec<u8>,
}

/// An [`Engine`] with a codec: bytes in, bytes out.
#[derive(Debug)]
pub struct CodecEngine<P: PeerKey, C> {
    pub engine: Engine<P>,
    pub codec: C,
    /// The rest of a batch cut into several datagrams
    /// ([`MessageCodec::encode_within`]), sent before anything else.
    cut: VecDeque<Datagram<P>>,
}

impl<P: PeerKey, C: MessageCodec + Clone + Send + Sync + 'static> CodecEngine<P, C> {
    /// Wraps `engine`, sizes reply segments by encoding them with `codec`
    /// (falling back to the structural estimate if it cannot), and keeps
    /// cached replies packed by `codec`.
    pub fn new(mut engine: Engine<P>, codec: C) -> Self {
        engine.set_reply_packer(Box::new(CodecReplyPacker {
            codec: codec.packing_form(),
        }));
        engine.keep_replies_as_sent(codec.shows_transactions());
        let sizer_codec = codec.clone();
        let mid = engine.config().local_mid.clone();
        engine.set_action_reply_sizer(Box::new(move |reply: &ActionReply| {
            exact_size(&sizer_codec, &mid, reply)
                .unwrap_or_else(|| super::estimate_action_reply_size(reply))
        }));
        CodecEngine {
            engine,
            codec,
            cut: VecDeque::new(),
        }
    }
}

/// Packs cached replies into one-transaction messages of a codec. The
/// header names a placeholder device (`!/3 p`): only the transaction is
/// kept.
pub(crate) struct CodecReplyPacker<C> {
    pub codec: C,
}

impl<C: MessageCodec + Send + Sync> ReplyPacker for CodecReplyPacker<C> {
    fn pack(
        &self,
        version: u8,
        transaction: Transaction,
        out: &mut Vec<u8>,
    ) -> (Transaction, bool) {
        let message = MegacoMessage {
            auth_header: None,
            message: Message {
                version,
                mid: MId::Device(PACKED_MID.into()),
                body: MessageBody::Transactions(vec![transaction]),
            },
        };
        let packed = self.codec.encode(&message, out).is_ok();
        let MessageBody::Transactions(mut transactions) = message.message.body else {
            unreachable!("built as a transaction list above")
        };
        match transactions.pop() {
            Some(transaction) => (transaction, packed),
            None => unreachable!("built with one transaction above"),
        }
    }

    fn unpack_sent(&self, version: u8, bytes: &[u8]) -> Option<Transaction> {
        self.codec.decode_sent_transaction(version, bytes)
    }

    fn unpack(&self, bytes: &[u8]) -> Option<Transaction> {
        only_transaction(self.codec.decode(bytes).ok()?)
    }
}

/// The one transaction of a message that holds exactly one.
fn only_transaction(message: MegacoMessage) -> Option<Transaction> {
    match message.message.body {
        MessageBody::Transactions(mut transactions) if transactions.len() == 1 => {
            transactions.pop()
        }
        _ => None,
    }
}

/// The device name in the header of a packed reply.
const PACKED_MID: &str = "p";

/// The encoded size of `reply` inside a reply message: the size of a
/// one-reply message less that of the same message without it.
fn exact_size<C: MessageCodec>(codec: &C, mid: &MId, reply: &ActionReply) -> Option<usize> {
    let encoded_len = |replies: Vec<ActionReply>| {
        let message = MegacoMessage {
            auth_header: None,
            message: Message {
                version: MAX_VERSION,
                mid: mid.clone(),
                body: MessageBody::Transactions(vec![Transaction::Reply(TransactionReply {
                    transaction_id: 1,
                    imm_ack_required: false,
                    result: TransactionResult::ActionReplies(replies),
                    segment_number: None,
                    segmentation_complete: false,
                })]),
            },
        };
        let mut out = Vec::new();
        codec.encode(&message, &mut out).ok().map(|()| out.len())
    };
    let with = encoded_len(vec![reply.clone()])?;
    let without = encoded_len(Vec::new()).unwrap_or(0);
    Some(with.saturating_sub(without).max(1))
}

impl<P: PeerKey, C: MessageCodec> CodecEngine<P, C> {
    /// Decodes a datagram and hands it to the engine. An undecodable one is
    /// answered with a message-level error (clause 8.2.2) when its header
    /// could be read, and dropped otherwise; either way it is counted.
    pub fn handle_datagram(&mut self, now: Instant, peer: P, bytes: &[u8]) {
        match self.codec.decode(bytes) {
            Ok(message) => self.engine.handle_message(now, peer, message),
            Err(e) => {
                self.engine.count_undecodable();
                if let Some(version) = e.header_version {
                    // A version we do not speak (error 406) is answered in
                    // the highest one we do.
                    let version = version.clamp(1, MAX_VERSION);
                    let mut text = e.reason;
                    text.truncate(80);
                    self.engine.send_message_error(
                        peer,
                        version,
                        ErrorDescriptor {
                            code: e.code,
                            text: Some(text.into()),
                        },
                    );
                }
            }
        }
    }

    /// The next datagram to send; messages the codec refuses are counted
    /// and skipped. A batch that encodes larger than the engine's
    /// `max_message_bytes` leaves as several datagrams, cut between
    /// transactions.
    pub fn poll_transmit(&mut self) -> Option<Datagram<P>> {
        if let Some(datagram) = self.cut.pop_front() {
            return Some(datagram);
        }
        let budget = self.engine.config().max_message_bytes;
        while let Some(t) = self.engine.poll_transmit() {
            if self.encode(&t.message, budget, &t.peer).is_ok() {
                return self.cut.pop_front();
            }
            self.engine.count_encode_error();
            // A reply this encoding cannot carry (a termination ID without
            // a binary form, say) must not leave the peer retransmitting
            // into silence: it goes out as error 500 (H.248.8), and what
            // else the message held as it was. The reply cache keeps what
            // went out, so a repetition gets the 500 again.
            if let Some(message) = self.without_unencodable(t.message) {
                if self.encode(&message, budget, &t.peer).is_ok() {
                    return self.cut.pop_front();
                }
            }
        }
        None
    }

    /// `message` as datagrams for `peer` on `cut`, handing the engine the
    /// encoding of its replies when it keeps them as sent.
    fn encode(&mut self, message: &MegacoMessage, budget: usize, peer: &P) -> Result<(), String> {
        if self.engine.keeps_replies_as_sent() {
            encode_datagrams_keeping_replies(
                &self.codec,
                &mut self.engine,
                message,
                budget,
                peer,
                &mut self.cut,
            )
        } else {
            encode_datagrams(&self.codec, message, budget, peer, &mut self.cut)
        }
    }

    /// `message` with each reply that does not encode on its own replaced
    /// by an error 500 reply, and each other transaction that does not
    /// encode left out; `None` if nothing is left.
    fn without_unencodable(&self, message: MegacoMessage) -> Option<MegacoMessage> {
        let MegacoMessage {
            auth_header,
            message: Message { version, mid, body },
        } = message;
        let MessageBody::Transactions(transactions) = body else {
            return None;
        };
        let mut scratch = Vec::new();
        let mut encodes = |t: &Transaction| {
            scratch.clear();
            let alone = MegacoMessage {
                auth_header: None,
                message: Message {
                    version,
                    mid: mid.clone(),
                    body: MessageBody::Transactions(vec![t.clone()]),
                },
            };
            self.codec.encode(&alone, &mut scratch).is_ok()
        };
        let kept: Vec<Transaction> = transactions
            .into_iter()
            .filter_map(|t| match t {
                t if encodes(&t) => Some(t),
                Transaction::Reply(reply) => Some(Transaction::Reply(TransactionReply {
                    result: TransactionResult::Error(ErrorDescriptor::new(
                        500,
                        "the reply could not be encoded",
                    )),
                    segment_number: None,
                    segmentation_complete: false,
                    ..reply
                })),
                _ => None,
            })
            .collect();
        (!kept.is_empty()).then(|| MegacoMessage {
            auth_header,
            message: Message {
                version,
                mid,
                body: MessageBody::Transactions(kept),
            },
        })
    }

    pub fn poll_event(&mut self) -> Option<Event<P>> {
        self.engine.poll_event()
    }

    pub fn poll_timeout(&mut self) -> Option<Instant> {
        self.engine.poll_timeout()
    }

    pub fn handle_timeout(&mut self, now: Instant) {
        self.engine.handle_timeout(now)
    }
}
