//! Text encoder (H.248.1 Annex B). Being written: see the encoder work item.

use super::{EncodeError, Style};
use crate::model::MegacoMessage;

/// Appends the text encoding of `message` in `style` to `out`.
pub fn encode(message: &MegacoMessage, style: Style, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let _ = (message, style, out);
    Err(EncodeError::BinaryOnly("everything"))
}

/// The text encoding of `message` in `style`, in a new buffer.
pub fn encode_to_vec(message: &MegacoMessage, style: Style) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(512);
    encode(message, style, &mut out)?;
    Ok(out)
}
