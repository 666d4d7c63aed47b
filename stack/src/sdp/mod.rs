//! SDP (RFC 4566) as H.248 carries it in Local and Remote descriptors
//! (H.248.1 clause 7.1.8 and Annex C.11).
//!
//! A descriptor holds one or more alternative session descriptions, each
//! starting with a `v=` line. Each description is kept as its lines, in
//! order and byte for byte (so that it re-encodes exactly, trailing white
//! space included); [`SdpLine::field`] gives the typed, structured view of a
//! line (see [`field`]), with the H.248 values `$` (CHOOSE: the MG fills it
//! in) and `-` (unspecified) recognised.

pub mod field;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::Text;
pub use field::{SdpField, SdpValue};

/// One session description of a Local or Remote descriptor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionDescription {
    pub lines: Vec<SdpLine>,
}

/// One `<type>=<value>` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SdpLine {
    /// The type letter (`v`, `o`, `c`, `m`, `a`, ...).
    pub kind: char,
    /// Everything after the `=`, exactly as written (no line terminator).
    pub value: Text,
}

/// Why SDP text could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdpError {
    /// Byte offset of the offending line within the SDP text.
    pub offset: usize,
    pub reason: &'static str,
}

impl fmt::Display for SdpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SDP at byte {}: {}", self.offset, self.reason)
    }
}

impl std::error::Error for SdpError {}

impl SdpLine {
    pub fn new(kind: char, value: impl Into<Text>) -> Self {
        SdpLine {
            kind,
            value: value.into(),
        }
    }

    /// The structured view of this line.
    pub fn field(&self) -> Result<SdpField<'_>, field::FieldError> {
        SdpField::parse(self.kind, &self.value)
    }
}

impl fmt::Display for SdpLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.kind, self.value)
    }
}

impl SessionDescription {
    /// Reads the SDP text of one Local or Remote descriptor (already
    /// unescaped) into its alternative session descriptions.
    ///
    /// Lines end with CRLF, LF or CR. White space before a line's type
    /// letter and empty lines are skipped; everything after the `=` is kept.
    /// A new `v=` line starts a new alternative. At most `max_lines` lines are
    /// accepted.
    pub fn parse_groups(text: &str, max_lines: usize) -> Result<Vec<SessionDescription>, SdpError> {
        let mut groups: Vec<SessionDescription> = Vec::new();
        let mut count = 0usize;
        let bytes = text.as_bytes();
        let mut pos = 0usize;
        while pos < bytes.len() {
            let end = bytes[pos..]
                .iter()
                .position(|&b| b == b'\n' || b == b'\r')
                .map_or(bytes.len(), |n| pos + n);
            let raw = &text[pos..end];
            let start_offset = pos;
            pos = end;
            if pos < bytes.len() {
                pos += if bytes[pos] == b'\r' && bytes.get(pos + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
            }
            let line = raw.trim_start_matches([' ', '\t']);
            if line.trim_end_matches([' ', '\t']).is_empty() {
                continue;
            }
            let offset = start_offset + (raw.len() - line.len());
            let mut chars = line.chars();
            let kind = match chars.next() {
                Some(c) if c.is_ascii_alphabetic() => c,
                _ => {
                    return Err(SdpError {
                        offset,
                        reason: "expected an SDP line `<letter>=<value>`",
                    })
                }
            };
            if chars.next() != Some('=') {
                return Err(SdpError {
                    offset,
                    reason: "expected `=` after the SDP type letter",
                });
            }
            let value = &line[2..];
            if value.contains('\0') {
                return Err(SdpError {
                    offset,
                    reason: "NUL is not allowed in SDP",
                });
            }
            count += 1;
            if count > max_lines {
                return Err(SdpError {
                    offset,
                    reason: "too many SDP lines",
                });
            }
            let sdp_line = SdpLine {
                kind,
                value: Text::from(value),
            };
            match groups.last_mut() {
                Some(group) if kind != 'v' => group.lines.push(sdp_line),
                _ => groups.push(SessionDescription {
                    lines: vec![sdp_line],
                }),
            }
        }
        Ok(groups)
    }

    /// The lines before the first `m=` line (the session level).
    pub fn session_lines(&self) -> &[SdpLine] {
        let end = self
            .lines
            .iter()
            .position(|l| l.kind == 'm')
            .unwrap_or(self.lines.len());
        &self.lines[..end]
    }

    /// The media sections: each `m=` line with the lines that follow it.
    pub fn media_sections(&self) -> impl Iterator<Item = &[SdpLine]> {
        let starts: Vec<usize> = self
            .lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.kind == 'm')
            .map(|(i, _)| i)
            .collect();
        let total = self.lines.len();
        (0..starts.len()).map(move |k| {
            let end = starts.get(k + 1).copied().unwrap_or(total);
            &self.lines[starts[k]..end]
        })
    }

    /// Appends a line.
    pub fn push(&mut self, kind: char, value: impl Into<Text>) -> &mut Self {
        self.lines.push(SdpLine::new(kind, value));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_kept_exactly_and_alternatives_split_at_v() {
        let sdp = "v=0\r\nc=IN IP4 $ \nm=audio $ RTP/AVP 0\n\n  v=0\nc=IN IP4 $\n";
        let groups = SessionDescription::parse_groups(sdp, 100).unwrap();
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].lines[1].value, "IN IP4 $ ");
        assert_eq!(groups[0].lines[2].kind, 'm');
        assert_eq!(groups[1].lines.len(), 2);
        assert_eq!(groups[0].media_sections().count(), 1);
        assert_eq!(groups[0].session_lines().len(), 2);
    }

    #[test]
    fn malformed_lines_are_errors_with_offsets() {
        let err = SessionDescription::parse_groups("v=0\nxyz\n", 10).unwrap_err();
        assert_eq!(err.offset, 4);
        let err = SessionDescription::parse_groups("v=0\na=1\na=2", 2).unwrap_err();
        assert_eq!(err.reason, "too many SDP lines");
    }
}
