//! The lexical level of Annex B: which octets each kind of text may hold,
//! and how values, names and identifiers are written (`VALUE`,
//! `quotedString`, `NAME`, `pkgdName`, `pathNAME`, `extensionParameter`,
//! `digitMap`, `TimeStamp`).

use super::{Encoded, Writer};
use crate::model::{TerminationId, TimeNotation};
use crate::text::EncodeError;

/// `SafeChar / %x80-FF`: may appear in an unquoted `VALUE`.
const SAFE: u8 = 1;
/// May appear inside a `quotedString` (`SafeChar / EOL / %x80-FF / RestChar / WSP`).
const QUOTABLE: u8 = 2;
/// `ALPHA / DIGIT / "_"`: the characters of a `NAME`.
const NAME: u8 = 4;
/// The characters of a `pathNAME` with its `pathDomainName`.
const PATH: u8 = 8;
/// The characters of a `pkgdName` (names, `/` and the `*` wildcard).
const PKGD: u8 = 16;
/// The characters of a `digitMap` without white space.
const DIGIT_MAP: u8 = 32;
/// The characters of a `domainName` between its angle brackets.
const DOMAIN: u8 = 64;

/// The character classes of every octet.
static CLASS: [u8; 256] = build_classes();

const fn build_classes() -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut byte = 0usize;
    while byte < 256 {
        let c = byte as u8;
        let alpha = c.is_ascii_alphabetic();
        let digit = c.is_ascii_digit();
        let mut class = 0u8;
        let safe_punct = matches!(
            c,
            b'+' | b'-'
                | b'&'
                | b'!'
                | b'_'
                | b'/'
                | b'\''
                | b'?'
                | b'@'
                | b'^'
                | b'`'
                | b'~'
                | b'*'
                | b'$'
                | b'\\'
                | b'('
                | b')'
                | b'%'
                | b'|'
                | b'.'
        );
        if alpha || digit || safe_punct || c >= 0x80 {
            class |= SAFE | QUOTABLE;
        }
        let rest_char = matches!(
            c,
            b';' | b'[' | b']' | b'{' | b'}' | b':' | b',' | b'#' | b'<' | b'>' | b'='
        );
        if rest_char || matches!(c, b' ' | b'\t' | b'\r' | b'\n') {
            class |= QUOTABLE;
        }
        if alpha || digit || c == b'_' {
            class |= NAME | PATH | PKGD;
        }
        if matches!(c, b'/' | b'*' | b'$' | b'@' | b'-' | b'.') {
            class |= PATH;
        }
        if matches!(c, b'/' | b'*') {
            class |= PKGD;
        }
        // A digit map as the decoder reads it: real ones use `*` and `#` for
        // the star and hash keys (RFC 3525 Appendix A) and keep white space
        // between alternatives, so anything but comments, braces, quotes and
        // control characters may stand in one.
        if (c >= b' ' && c < 0x7f && !matches!(c, b'{' | b'}' | b'"' | b';'))
            || matches!(c, b'\t' | b'\r' | b'\n')
        {
            class |= DIGIT_MAP;
        }
        if alpha || digit || c == b'-' || c == b'.' {
            class |= DOMAIN;
        }
        table[byte] = class;
        byte += 1;
    }
    table
}

/// True when every octet of `text` is in `class`.
fn all_in(text: &[u8], class: u8) -> bool {
    text.iter().all(|&b| CLASS[b as usize] & class != 0)
}

/// The error for `text` that the grammar does not allow as `what`.
pub(super) fn invalid(what: &'static str, text: &str) -> EncodeError {
    EncodeError::InvalidText {
        what,
        value: text.to_owned(),
    }
}

/// The error for a construct that has nothing to write where the grammar
/// needs at least one item.
pub(super) fn empty(what: &'static str) -> EncodeError {
    EncodeError::InvalidText {
        what,
        value: String::new(),
    }
}

impl Writer<'_> {
    /// `VALUE = quotedString / 1*(SafeChar / %x80-FF)`: unquoted when it can
    /// be, quoted otherwise.
    pub(super) fn value(&mut self, value: &str) -> Encoded {
        let bytes = value.as_bytes();
        if !bytes.is_empty() && all_in(bytes, SAFE) {
            self.put(bytes);
            Ok(())
        } else {
            self.quoted(value, "value")
        }
    }

    /// `quotedString = DQUOTE *(SafeChar / EOL / %x80-FF / RestChar / WSP) DQUOTE`.
    pub(super) fn quoted(&mut self, text: &str, what: &'static str) -> Encoded {
        if !all_in(text.as_bytes(), QUOTABLE) {
            return Err(invalid(what, text));
        }
        self.out.push(b'"');
        self.put(text.as_bytes());
        self.out.push(b'"');
        Ok(())
    }

    /// `NAME = ALPHA *63(ALPHA / DIGIT / "_")`.
    pub(super) fn name(&mut self, name: &str, what: &'static str) -> Encoded {
        let bytes = name.as_bytes();
        match bytes.first() {
            Some(first)
                if first.is_ascii_alphabetic() && bytes.len() <= 64 && all_in(bytes, NAME) =>
            {
                self.put(bytes);
                Ok(())
            }
            _ => Err(invalid(what, name)),
        }
    }

    /// `pkgdName = PackageName SLASH ItemID / PackageName SLASH "*" / "*" SLASH "*"`
    /// (the characters are checked, not the structure).
    pub(super) fn pkgd_name(&mut self, name: &str, what: &'static str) -> Encoded {
        let bytes = name.as_bytes();
        if bytes.is_empty() || !all_in(bytes, PKGD) {
            return Err(invalid(what, name));
        }
        self.put(bytes);
        Ok(())
    }

    /// `TerminationID = pathNAME / "$" / "*"`, with `pathNAME` at most 64
    /// characters (the characters are checked, not the structure).
    pub(super) fn termination_id(&mut self, id: &TerminationId) -> Encoded {
        // As liberal as the decoder, which takes any run of SafeChar (real
        // gateways use `-` and `.` that `pathNAME` lacks): anything it
        // reads, the encoder writes back.
        let bytes = id.as_str().as_bytes();
        if bytes.is_empty() || bytes.len() > 64 || !all_in(bytes, SAFE) {
            return Err(invalid("termination ID", id.as_str()));
        }
        self.put(bytes);
        Ok(())
    }

    /// `pathNAME` (termination IDs and device names).
    pub(super) fn path_name(&mut self, path: &str, what: &'static str) -> Encoded {
        let bytes = path.as_bytes();
        if bytes.is_empty() || bytes.len() > 64 || !all_in(bytes, PATH) {
            return Err(invalid(what, path));
        }
        self.put(bytes);
        Ok(())
    }

    /// `domainName = "<" (ALPHA / DIGIT) *63(ALPHA / DIGIT / "-" / ".") ">"`.
    pub(super) fn domain_name(&mut self, name: &str) -> Encoded {
        let bytes = name.as_bytes();
        match bytes.first() {
            Some(first)
                if first.is_ascii_alphanumeric() && bytes.len() <= 64 && all_in(bytes, DOMAIN) =>
            {
                self.out.push(b'<');
                self.put(bytes);
                self.out.push(b'>');
                Ok(())
            }
            _ => Err(invalid("domain name", name)),
        }
    }

    /// `extensionParameter = "X" ("-" / "+") 1*6(ALPHA / DIGIT)`.
    pub(super) fn extension(&mut self, name: &str, what: &'static str) -> Encoded {
        let bytes = name.as_bytes();
        let valid = (3..=8).contains(&bytes.len())
            && bytes[0].eq_ignore_ascii_case(&b'X')
            && matches!(bytes[1], b'-' | b'+')
            && bytes[2..].iter().all(u8::is_ascii_alphanumeric);
        if !valid {
            return Err(invalid(what, name));
        }
        self.put(bytes);
        Ok(())
    }

    /// The `digitMap` of a `digitMapValue`, as the model holds it: white
    /// space inside it is kept, around it refused (it would not read back).
    pub(super) fn digit_map_body(&mut self, body: &str) -> Encoded {
        let bytes = body.as_bytes();
        let padded = |b: Option<&u8>| b.is_some_and(u8::is_ascii_whitespace);
        if bytes.is_empty()
            || !all_in(bytes, DIGIT_MAP)
            || padded(bytes.first())
            || padded(bytes.last())
        {
            return Err(invalid("digit map", body));
        }
        self.put(bytes);
        Ok(())
    }

    /// `TimeStamp = Date "T" Time`, `Date = 8(DIGIT)`, `Time = 8(DIGIT)`.
    pub(super) fn time_stamp(&mut self, stamp: &TimeNotation) -> Encoded {
        let eight_digits = |s: &str| s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit());
        if !eight_digits(&stamp.date) {
            return Err(invalid("time stamp date", &stamp.date));
        }
        if !eight_digits(&stamp.time) {
            return Err(invalid("time stamp time", &stamp.time));
        }
        self.put(stamp.date.as_bytes());
        self.out.push(b'T');
        self.put(stamp.time.as_bytes());
        Ok(())
    }

    /// The text of an SDP line value inside `Local { ... }` / `Remote { ... }`
    /// (`octetString`): every `}` escaped as `\}`; CR, LF and NUL would end
    /// or break the line and are refused.
    pub(super) fn sdp_value(&mut self, value: &str) -> Encoded {
        let bytes = value.as_bytes();
        let mut start = 0;
        for (at, &byte) in bytes.iter().enumerate() {
            match byte {
                b'}' => {
                    self.put(&bytes[start..at]);
                    self.put(b"\\}");
                    start = at + 1;
                }
                b'\r' | b'\n' | 0 => return Err(invalid("SDP line value", value)),
                _ => {}
            }
        }
        self.put(&bytes[start..]);
        Ok(())
    }
}
