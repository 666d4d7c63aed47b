//! The text encoding of H.248.1 Annex B (and RFC 3525 for version 1):
//! decoding any legal text, long or compact tokens, and encoding in the
//! pretty (long tokens, indented) or compact (short tokens, minimal white
//! space) style.
//!
//! Sans-IO: bytes in, [`MegacoMessage`] out, and back.

mod decode;
mod encode;
pub mod error;
#[cfg(test)]
mod roundtrip_tests;

pub use decode::{decode, decode_with};
pub use encode::{encode, encode_marking_transactions, encode_to_vec};
pub use error::{DecodeError, DecodeErrorKind, EncodeError};

use crate::model::MegacoMessage;

/// Output style of the text encoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Style {
    /// Long tokens (`Transaction`, `Context`, `Modify`), one construct per
    /// line, indented with tabs.
    Pretty,
    /// Short tokens (`T`, `C`, `MF`) and minimal white space.
    Compact,
}

/// Bounds on what the decoder accepts, so that no input can make it use
/// unbounded memory or stack. The defaults suit a gateway controller link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Largest message accepted, in bytes.
    pub max_message_size: usize,
    /// Longest list (transactions, actions, commands, descriptors, IDs,
    /// parameters, values, ...) accepted at any one place.
    pub max_list_len: usize,
    /// Deepest nesting of braces accepted.
    pub max_depth: usize,
    /// Most SDP lines accepted in one Local or Remote descriptor.
    pub max_sdp_lines: usize,
}

impl DecodeLimits {
    /// 1 MiB per message: far above any real H.248 message (UDP caps them at
    /// 64 KiB) but bounded.
    pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 1 << 20;
    /// 10 000 entries in any one list.
    pub const DEFAULT_MAX_LIST_LEN: usize = 10_000;
    /// 32 levels of braces; the grammar itself needs about 12.
    pub const DEFAULT_MAX_DEPTH: usize = 32;
    /// 1 000 SDP lines per descriptor.
    pub const DEFAULT_MAX_SDP_LINES: usize = 1_000;
}

impl Default for DecodeLimits {
    fn default() -> Self {
        DecodeLimits {
            max_message_size: Self::DEFAULT_MAX_MESSAGE_SIZE,
            max_list_len: Self::DEFAULT_MAX_LIST_LEN,
            max_depth: Self::DEFAULT_MAX_DEPTH,
            max_sdp_lines: Self::DEFAULT_MAX_SDP_LINES,
        }
    }
}

/// Decodes and re-encodes in `style`: the transcoding the `h248` tool does.
pub fn transcode(input: &[u8], style: Style) -> Result<Vec<u8>, TranscodeError> {
    let message = decode(input).map_err(TranscodeError::Decode)?;
    encode_to_vec(&message, style).map_err(TranscodeError::Encode)
}

/// Either half of a transcoding failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TranscodeError {
    #[error("{0}")]
    Decode(DecodeError),
    #[error("{0}")]
    Encode(EncodeError),
}

#[doc(hidden)]
pub fn _assert_message_is_send_sync(m: MegacoMessage) -> impl Send + Sync {
    m
}
