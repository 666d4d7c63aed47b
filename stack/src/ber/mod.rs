//! The binary encoding of H.248.1 Annex A: ASN.1 BER (X.690) of the
//! `MEDIA-GATEWAY-CONTROL` module, versions 1 to 3.
//!
//! Sans-IO: bytes in, [`MegacoMessage`] out, and back. The model keeps names
//! and termination IDs as text, so both directions take
//! - the package catalogue ([`BinaryNames`]) for every `PkgdName` (package ID
//!   and item ID), event / signal parameter `Name` and package `Name`;
//! - a [`TerminationIdMapping`] for `TerminationID` (A.1);
//!
//! and [`decode_default`] / [`encode_to_vec`] use [`Catalogue::base`] and
//! [`BitStringMapping`].
//!
//! Versions: the version 3 module extends versions 1 and 2 only after
//! extension markers, with the same automatic tags, so the decoder reads any
//! version with the version 3 types; the encoder writes only what the
//! message's `version` has and refuses later constructs
//! ([`BerEncodeError::NotInVersion`]).
//!
//! Layout: `reader` and `writer` are BER itself; `names` and
//! [`termination`] map names and termination IDs; `decode` and `encode` map
//! the model per area (messages, commands, descriptors, audit items).
//!
//! Local and Remote descriptors are Annex C property groups: one
//! `PropertyGroup` per session description, each SDP line the Annex C.11
//! property of its type letter (`v` = 0x0000B001 ... `m` = 0x0000B00F) with
//! the line's value as its one value.

mod decode;
mod encode;
pub mod error;
mod names;
pub(crate) mod reader;
pub mod termination;
pub(crate) mod writer;

use bytes::BytesMut;

pub use error::{BerDecodeError, BerEncodeError, BerErrorKind, NameKind, Tag, TagClass, UnknownId};
pub use termination::{BinaryTerminationId, BitStringMapping, TerminationIdMapping};

use crate::model::{AuditToken, MegacoMessage, NotifyCompletion};
use crate::package::{BinaryNames, Catalogue};

/// Bounds on what the decoder accepts, so that no input can make it use
/// unbounded memory or stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BerLimits {
    /// Largest message accepted, in bytes.
    pub max_message_size: usize,
    /// Deepest nesting of elements accepted (the outermost is 1).
    pub max_depth: usize,
    /// Most items accepted in any one SEQUENCE OF.
    pub max_list_len: usize,
}

impl BerLimits {
    /// 1 MiB: far above any real H.248 message (UDP caps them at 64 KiB).
    pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 1 << 20;
    /// 64 levels; the deepest Annex A structure (an embedded signal
    /// parameter inside a regulated notify in an audit reply) needs about 30.
    pub const DEFAULT_MAX_DEPTH: usize = 64;
    /// 10 000 items in any one list.
    pub const DEFAULT_MAX_LIST_LEN: usize = 10_000;
}

impl Default for BerLimits {
    fn default() -> Self {
        BerLimits {
            max_message_size: Self::DEFAULT_MAX_MESSAGE_SIZE,
            max_depth: Self::DEFAULT_MAX_DEPTH,
            max_list_len: Self::DEFAULT_MAX_LIST_LEN,
        }
    }
}

/// Decodes one BER message (definite or indefinite lengths) of any version.
pub fn decode(
    input: &[u8],
    names: &dyn BinaryNames,
    terms: &dyn TerminationIdMapping,
    limits: &BerLimits,
) -> Result<MegacoMessage, BerDecodeError> {
    decode::message(input, names, terms, limits).map_err(|e| *e)
}

/// Appends the BER encoding of `message` (definite, minimal lengths) to
/// `out`. On error `out` is left as it was.
pub fn encode(
    message: &MegacoMessage,
    names: &dyn BinaryNames,
    terms: &dyn TerminationIdMapping,
    out: &mut BytesMut,
) -> Result<(), BerEncodeError> {
    let start = out.len();
    let result = encode::message(message, names, terms, out);
    if result.is_err() {
        out.truncate(start);
    }
    result
}

/// [`decode`] with the base catalogue, [`BitStringMapping`] and default limits.
pub fn decode_default(input: &[u8]) -> Result<MegacoMessage, BerDecodeError> {
    decode(
        input,
        Catalogue::base(),
        &BitStringMapping::DEFAULT,
        &BerLimits::default(),
    )
}

/// [`encode`] with the base catalogue and [`BitStringMapping`], into a new vector.
pub fn encode_to_vec(message: &MegacoMessage) -> Result<Vec<u8>, BerEncodeError> {
    let mut out = BytesMut::with_capacity(256);
    encode(
        message,
        Catalogue::base(),
        &BitStringMapping::DEFAULT,
        &mut out,
    )?;
    Ok(out.to_vec())
}

/// `AuditDescriptor.auditToken` named bits, bit `k` at index `k`.
const AUDIT_TOKEN_BITS: [AuditToken; 10] = [
    AuditToken::Mux,
    AuditToken::Modem,
    AuditToken::Media,
    AuditToken::Events,
    AuditToken::Signals,
    AuditToken::DigitMap,
    AuditToken::Statistics,
    AuditToken::ObservedEvents,
    AuditToken::Packages,
    AuditToken::EventBuffer,
];

/// `NotifyCompletion` named bits, bit `k` at index `k` (bit 4, onIteration,
/// is version 3).
const NOTIFY_COMPLETION_BITS: [NotifyCompletion; 5] = [
    NotifyCompletion::OnTimeOut,
    NotifyCompletion::OnInterruptByEvent,
    NotifyCompletion::OnInterruptByNewSignalDescr,
    NotifyCompletion::OtherReason,
    NotifyCompletion::OnIteration,
];

#[cfg(test)]
mod model_tests;
