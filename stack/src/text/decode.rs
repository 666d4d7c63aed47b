//! Text decoder (H.248.1 Annex B). Being written: see the decoder work item.

use super::{DecodeError, DecodeErrorKind, DecodeLimits};
use crate::model::MegacoMessage;

/// Decodes one text message with the default limits.
pub fn decode(input: &[u8]) -> Result<MegacoMessage, DecodeError> {
    decode_with(input, &DecodeLimits::default())
}

/// Decodes one text message within `limits`.
pub fn decode_with(input: &[u8], limits: &DecodeLimits) -> Result<MegacoMessage, DecodeError> {
    let _ = limits;
    Err(DecodeError::at(input, 0, DecodeErrorKind::Expected("MEGACO header")))
}
