//! One model, many encodings: the text styles and BER side by side, with
//! detection of which one a message is in.
//!
//! A text message (H.248.1 Annex B) starts, after optional white space and
//! `;` comments, with `MEGACO/`, `!/` or an authentication header
//! (`Authentication =` / `AU=`); a binary one (Annex A) is a BER `SEQUENCE`,
//! whose first octet is 0x30.

use std::fmt;

use crate::ber::{self, BerDecodeError, BerEncodeError};
use crate::model::MegacoMessage;
use crate::text::{self, DecodeError, EncodeError, Style};

/// The encodings of an H.248 message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// Text, long tokens, indented.
    Pretty,
    /// Text, short tokens, minimal white space.
    Compact,
    /// ASN.1 BER (H.248.1 Annex A).
    Ber,
}

/// The two families of encodings, as far as detection can tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    Text,
    Binary,
}

/// Why a message in either family could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireDecodeError {
    Text(DecodeError),
    Ber(BerDecodeError),
}

/// Why a model could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireEncodeError {
    Text(EncodeError),
    Ber(BerEncodeError),
}

impl fmt::Display for WireDecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireDecodeError::Text(e) => write!(f, "{e}"),
            WireDecodeError::Ber(e) => write!(f, "BER: {e}"),
        }
    }
}

impl fmt::Display for WireEncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireEncodeError::Text(e) => write!(f, "{e}"),
            WireEncodeError::Ber(e) => write!(f, "BER: {e}"),
        }
    }
}

impl std::error::Error for WireDecodeError {}
impl std::error::Error for WireEncodeError {}

/// Which family `bytes` is in: text when, past white space and comments, it
/// starts like a text header; binary otherwise.
pub fn detect(bytes: &[u8]) -> Family {
    let mut rest = bytes;
    loop {
        match rest.first() {
            Some(b' ' | b'\t' | b'\r' | b'\n') => rest = &rest[1..],
            Some(b';') => {
                let end = rest.iter().position(|&b| b == b'\n' || b == b'\r');
                rest = end.map_or(&[][..], |e| &rest[e..]);
            }
            _ => break,
        }
    }
    let starts = |prefix: &[u8]| {
        rest.len() >= prefix.len() && rest[..prefix.len()].eq_ignore_ascii_case(prefix)
    };
    if starts(b"MEGACO/") || starts(b"!/") || starts(b"AU") {
        Family::Text
    } else {
        Family::Binary
    }
}

/// Decodes a message in whichever family it is in (see [`detect`]), text
/// with the default limits, BER with the base catalogue and the bit-string
/// termination ID mapping.
pub fn decode_any(bytes: &[u8]) -> Result<(MegacoMessage, Family), WireDecodeError> {
    match detect(bytes) {
        Family::Text => text::decode(bytes)
            .map(|m| (m, Family::Text))
            .map_err(WireDecodeError::Text),
        Family::Binary => ber::decode_default(bytes)
            .map(|m| (m, Family::Binary))
            .map_err(WireDecodeError::Ber),
    }
}

/// Encodes `message` in `encoding` (BER with the base catalogue and the
/// bit-string termination ID mapping).
pub fn encode(message: &MegacoMessage, encoding: Encoding) -> Result<Vec<u8>, WireEncodeError> {
    match encoding {
        Encoding::Pretty => {
            text::encode_to_vec(message, Style::Pretty).map_err(WireEncodeError::Text)
        }
        Encoding::Compact => {
            text::encode_to_vec(message, Style::Compact).map_err(WireEncodeError::Text)
        }
        Encoding::Ber => ber::encode_to_vec(message).map_err(WireEncodeError::Ber),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_binary_are_told_apart() {
        assert_eq!(detect(b"MEGACO/3 [1.2.3.4]"), Family::Text);
        assert_eq!(detect(b" ; note\r\n!/1 [1.2.3.4]"), Family::Text);
        assert_eq!(detect(b"megaco/1 x"), Family::Text);
        assert_eq!(detect(b"AU=0x1:0x2:0x3 MEGACO/1"), Family::Text);
        assert_eq!(detect(&[0x30, 0x81, 0x10]), Family::Binary);
        assert_eq!(detect(b""), Family::Binary);
    }

    #[test]
    fn a_message_moves_between_all_encodings() {
        let text = b"MEGACO/1 [192.0.2.1]:2944\nTransaction = 7 { Context = - { \
            ServiceChange = ROOT { Services { Method = Restart, Reason = \"901\" } } } }";
        let (model, family) = decode_any(text).unwrap();
        assert_eq!(family, Family::Text);
        for encoding in [Encoding::Pretty, Encoding::Compact, Encoding::Ber] {
            let bytes = encode(&model, encoding).unwrap();
            let (again, _) = decode_any(&bytes).unwrap();
            assert_eq!(again.message.body, model.message.body, "{encoding:?}");
        }
    }
}
