//! Errors of the text codec. A decode error names where (byte offset, line
//! and column, both 1-based) and what was expected, and maps to the H.248
//! error code a receiver answers with (H.248.8).

use std::fmt;

/// What went wrong while decoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeErrorKind {
    /// The grammar wanted something else here; names what it wanted.
    Expected(&'static str),
    /// A value is out of its range or malformed (names which value).
    InvalidValue(&'static str),
    /// The message is larger than the configured limit.
    MessageTooLarge { size: usize, limit: usize },
    /// A configured limit (list length, nesting, SDP lines) was exceeded.
    LimitExceeded(&'static str),
    /// The protocol version of the header is not 1, 2 or 3.
    UnsupportedVersion(u32),
    /// A construct the message's version does not have.
    NotInVersion { construct: &'static str, version: u8 },
    /// The SDP of a Local or Remote descriptor is malformed.
    Sdp(&'static str),
    /// Text is not valid UTF-8 where the model needs text.
    NotUtf8,
    /// Bytes after the end of the message.
    TrailingData,
}

/// A decode failure and where it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Byte offset in the input, from 0.
    pub offset: usize,
    /// Line, from 1.
    pub line: u32,
    /// Column (in bytes), from 1.
    pub column: u32,
    pub kind: DecodeErrorKind,
}

impl DecodeError {
    /// Builds an error at `offset` of `input`, computing line and column.
    pub fn at(input: &[u8], offset: usize, kind: DecodeErrorKind) -> Self {
        let offset = offset.min(input.len());
        let before = &input[..offset];
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        DecodeError {
            offset,
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(offset - line_start + 1).unwrap_or(u32::MAX),
            kind,
        }
    }

    /// The H.248.8 error code a receiver answers this failure with:
    /// 406 for an unsupported version, 400 (syntax error in message) for the
    /// rest.
    pub fn error_code(&self) -> u16 {
        match self.kind {
            DecodeErrorKind::UnsupportedVersion(_) => 406,
            _ => 400,
        }
    }
}

impl fmt::Display for DecodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeErrorKind::Expected(what) => write!(f, "expected {what}"),
            DecodeErrorKind::InvalidValue(what) => write!(f, "invalid {what}"),
            DecodeErrorKind::MessageTooLarge { size, limit } => {
                write!(f, "message of {size} bytes exceeds the limit of {limit}")
            }
            DecodeErrorKind::LimitExceeded(what) => write!(f, "limit exceeded: {what}"),
            DecodeErrorKind::UnsupportedVersion(v) => write!(f, "unsupported protocol version {v}"),
            DecodeErrorKind::NotInVersion { construct, version } => {
                write!(f, "{construct} does not exist in version {version}")
            }
            DecodeErrorKind::Sdp(what) => write!(f, "bad SDP: {what}"),
            DecodeErrorKind::NotUtf8 => f.write_str("text is not valid UTF-8"),
            DecodeErrorKind::TrailingData => f.write_str("unexpected data after the message"),
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.kind)
    }
}

impl std::error::Error for DecodeError {}

/// A model that cannot be written as text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// A construct only the binary encoding has (e.g. `nonStandardData`).
    #[error("{0} has no text encoding")]
    BinaryOnly(&'static str),
    /// A name or value whose characters the grammar does not allow there.
    #[error("invalid {what} {value:?} for the text encoding")]
    InvalidText { what: &'static str, value: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_is_line_and_column_of_the_offset() {
        let input = b"MEGACO/1 [1.2.3.4]\nT=1{\n  C=x";
        let e = DecodeError::at(input, 28, DecodeErrorKind::Expected("context ID"));
        assert_eq!((e.line, e.column), (3, 5));
        assert_eq!(e.to_string(), "3:5: expected context ID");
        assert_eq!(e.error_code(), 400);
    }
}
