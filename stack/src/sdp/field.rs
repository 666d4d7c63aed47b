//! Typed view of SDP lines (RFC 4566 clause 5) with the H.248 `$` / `-` values.
//!
//! Filled in by the SDP work item; the raw line layer in `super` is complete.

use std::fmt;

/// A value that H.248 lets the MGC leave open: `$` (the MG chooses) or `-`
/// (not specified), or a concrete value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SdpValue<'a> {
    Choose,
    Unspecified,
    Value(&'a str),
}

impl<'a> SdpValue<'a> {
    pub fn parse(s: &'a str) -> Self {
        match s {
            "$" => SdpValue::Choose,
            "-" => SdpValue::Unspecified,
            v => SdpValue::Value(v),
        }
    }
}

/// A line of SDP, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SdpField<'a> {
    /// Any line, as type letter and value.
    Other(char, &'a str),
}

/// A line whose value does not have the form its type requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub kind: char,
    pub reason: &'static str,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SDP `{}=` line: {}", self.kind, self.reason)
    }
}

impl std::error::Error for FieldError {}

impl<'a> SdpField<'a> {
    pub fn parse(kind: char, value: &'a str) -> Result<Self, FieldError> {
        Ok(SdpField::Other(kind, value))
    }
}
