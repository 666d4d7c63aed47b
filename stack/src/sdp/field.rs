//! Typed view of SDP lines (RFC 4566 clause 5) with the H.248 `$` / `-` values.
//!
//! [`SdpField::parse`] reads the value of one line (the text after `=`) into a
//! zero-copy view that borrows from it; [`SdpField`]'s `Display` writes the
//! value back as RFC 4566 spells it (fields separated by single spaces), so
//! that `SdpLine::from_field(&line.field()?) == line` for every canonical
//! line. The lines of a [`super::SessionDescription`] stay the source of
//! truth: nothing here is stored, the view is computed on demand.
//!
//! H.248.1 clause 7.1.8 lets the MGC leave values open in Local and Remote
//! descriptors: `$` (CHOOSE, the MG fills the value in) and `-` (the value is
//! not specified). Every field where that makes sense is an [`SdpValue`].
//!
//! Lists of tokens (the `<fmt>` list of `m=`, the `r=` and `z=` values) are a
//! [`Tokens`] view over the original text rather than a `Vec`: reading a line
//! never allocates, the view is `Copy`, and it compares token by token. To
//! build an `m=` line from payload types, format them into a string first
//! (`"0 8 101"`) and wrap it with [`Tokens::new`].
//!
//! Parsing is tolerant of extra white space between fields (tokens are split
//! on runs of ASCII white space, surrounding white space is ignored) but
//! strict about the shape of each field. No input makes it panic.

use std::fmt;

/// A value that H.248 lets the MGC leave open (H.248.1 clause 7.1.8): `$`
/// (CHOOSE, the MG chooses) or `-` (not specified), or a concrete value.
///
/// Numeric values keep their text; [`SdpValue::as_u16`] and friends parse it.
/// `Value("$")` and `Value("-")` are not canonical (they write and read back
/// as [`SdpValue::Choose`] / [`SdpValue::Unspecified`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SdpValue<'a> {
    /// `$`: the MG chooses the value.
    Choose,
    /// `-`: the value is not specified.
    Unspecified,
    /// A concrete value.
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

    /// The text of the value: `$`, `-` or the value itself.
    pub fn as_str(&self) -> &'a str {
        match self {
            SdpValue::Choose => "$",
            SdpValue::Unspecified => "-",
            SdpValue::Value(v) => v,
        }
    }

    /// The concrete value, `None` for `$` and `-`.
    pub fn value(&self) -> Option<&'a str> {
        match self {
            SdpValue::Value(v) => Some(v),
            _ => None,
        }
    }

    pub fn is_choose(&self) -> bool {
        matches!(self, SdpValue::Choose)
    }

    pub fn is_unspecified(&self) -> bool {
        matches!(self, SdpValue::Unspecified)
    }

    /// The value as a number; `None` for `$`, `-`, non-digits or overflow.
    pub fn as_u8(&self) -> Option<u8> {
        self.number()
    }

    /// The value as a number; `None` for `$`, `-`, non-digits or overflow.
    pub fn as_u16(&self) -> Option<u16> {
        self.number()
    }

    /// The value as a number; `None` for `$`, `-`, non-digits or overflow.
    pub fn as_u32(&self) -> Option<u32> {
        self.number()
    }

    /// The value as a number; `None` for `$`, `-`, non-digits or overflow.
    pub fn as_u64(&self) -> Option<u64> {
        self.number()
    }

    fn number<T: TryFrom<u64>>(&self) -> Option<T> {
        match self {
            SdpValue::Value(v) => T::try_from(decimal(v)?).ok(),
            _ => None,
        }
    }
}

impl<'a> From<&'a str> for SdpValue<'a> {
    fn from(s: &'a str) -> Self {
        SdpValue::parse(s)
    }
}

impl fmt::Display for SdpValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A white-space separated list of tokens, borrowed from a line's value
/// (the `<fmt>` list of `m=`, the values of `r=` and `z=`).
///
/// Equality is token by token, so `"0  8"` equals `"0 8"`; `Display` writes
/// the tokens separated by single spaces.
#[derive(Clone, Copy)]
pub struct Tokens<'a> {
    raw: &'a str,
}

impl<'a> Tokens<'a> {
    /// Wraps a white-space separated list (e.g. `"0 8 18 101"`).
    pub fn new(raw: &'a str) -> Self {
        Tokens { raw }
    }

    /// The text the list was read from.
    pub fn as_str(&self) -> &'a str {
        self.raw
    }

    /// The tokens.
    pub fn iter(&self) -> std::str::SplitAsciiWhitespace<'a> {
        self.raw.split_ascii_whitespace()
    }

    /// The tokens, with `$` and `-` recognised (H.248.1 clause 7.1.8).
    pub fn values(&self) -> impl Iterator<Item = SdpValue<'a>> + 'a {
        self.raw.split_ascii_whitespace().map(SdpValue::parse)
    }

    pub fn len(&self) -> usize {
        self.iter().count()
    }

    pub fn is_empty(&self) -> bool {
        self.raw.trim_ascii_start().is_empty()
    }
}

impl<'a> IntoIterator for Tokens<'a> {
    type Item = &'a str;
    type IntoIter = std::str::SplitAsciiWhitespace<'a>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl PartialEq for Tokens<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Tokens<'_> {}

impl fmt::Debug for Tokens<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl fmt::Display for Tokens<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, t) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(t)?;
        }
        Ok(())
    }
}

/// A line of SDP, typed (RFC 4566 clause 5). Borrows from the line's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SdpField<'a> {
    /// `v=0` (RFC 4566 clause 5.1).
    Version(u32),
    /// `o=<username> <sess-id> <sess-version> <nettype> <addrtype>
    /// <unicast-address>` (RFC 4566 clause 5.2). H.248 commonly sends
    /// `o=- 2890844526 2890842807 IN IP4 $`.
    Origin {
        username: SdpValue<'a>,
        sess_id: SdpValue<'a>,
        sess_version: SdpValue<'a>,
        nettype: &'a str,
        addrtype: &'a str,
        unicast_address: SdpValue<'a>,
    },
    /// `s=<session name>` (RFC 4566 clause 5.3).
    SessionName(&'a str),
    /// `i=<session description>` (RFC 4566 clause 5.4).
    Information(&'a str),
    /// `u=<uri>` (RFC 4566 clause 5.5).
    Uri(&'a str),
    /// `e=<email-address>` (RFC 4566 clause 5.6).
    Email(&'a str),
    /// `p=<phone-number>` (RFC 4566 clause 5.6).
    Phone(&'a str),
    /// `c=<nettype> <addrtype> <connection-address>` (RFC 4566 clause 5.7).
    ///
    /// For `IP4` multicast the address may carry `/<ttl>[/<number of
    /// addresses>]`; for `IP6` only `/<number of addresses>` (IPv6 has no TTL
    /// scoping). For other address types the address is kept whole.
    Connection {
        nettype: &'a str,
        addrtype: &'a str,
        address: SdpValue<'a>,
        ttl: Option<u8>,
        count: Option<u32>,
    },
    /// `b=<bwtype>:<bandwidth>` (RFC 4566 clause 5.8), bandwidth in kb/s.
    Bandwidth {
        bwtype: &'a str,
        bandwidth: SdpValue<'a>,
    },
    /// `t=<start-time> <stop-time>` (RFC 4566 clause 5.9).
    Timing {
        start: SdpValue<'a>,
        stop: SdpValue<'a>,
    },
    /// `r=<repeat interval> <active duration> <offsets from start-time>`
    /// (RFC 4566 clause 5.10), kept as tokens.
    Repeat(Tokens<'a>),
    /// `z=<adjustment time> <offset> ...` (RFC 4566 clause 5.11), kept as
    /// tokens.
    TimeZones(Tokens<'a>),
    /// `k=<method>` or `k=<method>:<encryption key>` (RFC 4566 clause 5.12).
    Key {
        method: &'a str,
        value: Option<&'a str>,
    },
    /// `a=<attribute>` (property) or `a=<attribute>:<value>` (RFC 4566
    /// clause 5.13). See [`super::attribute`] for the typed common ones.
    Attribute {
        name: &'a str,
        value: Option<&'a str>,
    },
    /// `m=<media> <port>[/<number of ports>] <proto> <fmt> ...` (RFC 4566
    /// clause 5.14). H.248 commonly sends `m=audio $ RTP/AVP 0`.
    Media {
        media: &'a str,
        port: SdpValue<'a>,
        port_count: Option<u16>,
        proto: &'a str,
        formats: Tokens<'a>,
    },
    /// A line of a type RFC 4566 does not define, as type letter and value.
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

/// The value of a run of ASCII digits; `None` for anything else, empty,
/// or above `u64::MAX` (as `str::parse` reads digits alone, without its
/// sign and radix handling: SDP numbers are parsed on every line read).
pub(crate) fn decimal(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let mut value: u64 = 0;
    for b in s.bytes() {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(u64::from(digit))?;
    }
    Some(value)
}

/// `1*DIGIT`
pub(crate) fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A token: non-empty and without white space or control characters.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| {
            if c.is_ascii() {
                c.is_ascii_graphic()
            } else {
                !c.is_whitespace() && !c.is_control()
            }
        })
}

/// `typed-time = 1*DIGIT [fixed-len-time-unit]` (RFC 4566 clause 9).
fn is_typed_time(s: &str) -> bool {
    let digits = s.strip_suffix(['d', 'h', 'm', 's']).unwrap_or(s);
    is_digits(digits)
}

impl<'a> SdpField<'a> {
    /// Reads the value of a line of type `kind` (everything after the `=`).
    pub fn parse(kind: char, value: &'a str) -> Result<Self, FieldError> {
        let err = |reason| FieldError { kind, reason };
        if value.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
            return Err(err("CR, LF and NUL are not allowed in a value"));
        }
        Ok(match kind {
            'v' => {
                let v = value.trim_ascii();
                if !is_digits(v) {
                    return Err(err("the version is not a number"));
                }
                SdpField::Version(v.parse().map_err(|_| err("the version is too large"))?)
            }
            'o' => {
                let mut it = value.split_ascii_whitespace();
                let (Some(user), Some(id), Some(ver), Some(net), Some(addrtype), Some(addr)) = (
                    it.next(),
                    it.next(),
                    it.next(),
                    it.next(),
                    it.next(),
                    it.next(),
                ) else {
                    return Err(err(
                        "`o=` needs username, sess-id, sess-version, nettype, addrtype and address",
                    ));
                };
                if it.next().is_some() {
                    return Err(err("`o=` has more than six fields"));
                }
                let sess_id =
                    numeric(id).ok_or_else(|| err("sess-id is not a number, `$` or `-`"))?;
                let sess_version =
                    numeric(ver).ok_or_else(|| err("sess-version is not a number, `$` or `-`"))?;
                SdpField::Origin {
                    username: SdpValue::parse(user),
                    sess_id,
                    sess_version,
                    nettype: net,
                    addrtype,
                    unicast_address: SdpValue::parse(addr),
                }
            }
            's' => SdpField::SessionName(value),
            'i' => SdpField::Information(value),
            'u' => SdpField::Uri(value),
            'e' => SdpField::Email(value),
            'p' => SdpField::Phone(value),
            'c' => parse_connection(value).map_err(err)?,
            'b' => {
                let v = value.trim_ascii();
                let (bwtype, bw) = v
                    .split_once(':')
                    .ok_or_else(|| err("`b=` needs `<bwtype>:<bandwidth>`"))?;
                if !is_token(bwtype) {
                    return Err(err("the bandwidth type is empty or has white space"));
                }
                let bandwidth =
                    numeric(bw).ok_or_else(|| err("the bandwidth is not a number, `$` or `-`"))?;
                SdpField::Bandwidth { bwtype, bandwidth }
            }
            't' => {
                let mut it = value.split_ascii_whitespace();
                let (Some(start), Some(stop), None) = (it.next(), it.next(), it.next()) else {
                    return Err(err("`t=` needs exactly a start and a stop time"));
                };
                SdpField::Timing {
                    start: numeric(start)
                        .ok_or_else(|| err("the start time is not a number, `$` or `-`"))?,
                    stop: numeric(stop)
                        .ok_or_else(|| err("the stop time is not a number, `$` or `-`"))?,
                }
            }
            'r' => {
                let tokens = Tokens::new(value);
                if tokens.len() < 3 {
                    return Err(err(
                        "`r=` needs an interval, a duration and at least one offset",
                    ));
                }
                if !tokens.iter().all(is_typed_time) {
                    return Err(err("`r=` times are numbers with an optional d/h/m/s unit"));
                }
                SdpField::Repeat(tokens)
            }
            'z' => {
                let tokens = Tokens::new(value);
                let n = tokens.len();
                if n == 0 || n % 2 == 1 {
                    return Err(err("`z=` needs pairs of adjustment time and offset"));
                }
                let ok = tokens.iter().enumerate().all(|(i, t)| {
                    if i % 2 == 0 {
                        is_digits(t)
                    } else {
                        is_typed_time(t.strip_prefix('-').unwrap_or(t))
                    }
                });
                if !ok {
                    return Err(err(
                        "`z=` adjustment times are numbers, offsets signed typed times",
                    ));
                }
                SdpField::TimeZones(tokens)
            }
            'k' => {
                let (method, key) = match split_at_byte(value, b':') {
                    Some((m, k)) => (m, Some(k)),
                    None => (value, None),
                };
                if !is_token(method) {
                    return Err(err("the key method is empty or has white space"));
                }
                SdpField::Key { method, value: key }
            }
            'a' => {
                let (name, attr_value) = match split_at_byte(value, b':') {
                    Some((n, v)) => (n, Some(v)),
                    None => (value, None),
                };
                if !is_token(name) {
                    return Err(err("the attribute name is empty or has white space"));
                }
                SdpField::Attribute {
                    name,
                    value: attr_value,
                }
            }
            'm' => parse_media(value).map_err(err)?,
            other => SdpField::Other(other, value),
        })
    }

    /// The type letter of the line this field is written on.
    pub fn kind(&self) -> char {
        match self {
            SdpField::Version(_) => 'v',
            SdpField::Origin { .. } => 'o',
            SdpField::SessionName(_) => 's',
            SdpField::Information(_) => 'i',
            SdpField::Uri(_) => 'u',
            SdpField::Email(_) => 'e',
            SdpField::Phone(_) => 'p',
            SdpField::Connection { .. } => 'c',
            SdpField::Bandwidth { .. } => 'b',
            SdpField::Timing { .. } => 't',
            SdpField::Repeat(_) => 'r',
            SdpField::TimeZones(_) => 'z',
            SdpField::Key { .. } => 'k',
            SdpField::Attribute { .. } => 'a',
            SdpField::Media { .. } => 'm',
            SdpField::Other(kind, _) => *kind,
        }
    }

    /// The typed view of an `a=` line's common attributes (`rtpmap`, `fmtp`,
    /// `ptime`, ...); `None` if this is not an attribute.
    pub fn attribute(&self) -> Option<Result<super::attribute::Attr<'a>, FieldError>> {
        match *self {
            SdpField::Attribute { name, value } => Some(super::attribute::Attr::parse(name, value)),
            _ => None,
        }
    }
}

/// A number, `$` or `-`.
fn numeric(s: &str) -> Option<SdpValue<'_>> {
    match SdpValue::parse(s) {
        SdpValue::Value(v) if !is_digits(v) => None,
        v => Some(v),
    }
}

fn parse_connection(value: &str) -> Result<SdpField<'_>, &'static str> {
    let (nettype, rest) = split_token(value.trim_ascii_start());
    let (addrtype, rest) = split_token(rest);
    let (full, rest) = split_token(rest);
    if full.is_empty() || !rest.is_empty() {
        return Err("`c=` needs exactly nettype, addrtype and connection address");
    }
    let (addr, ttl, count) = if addrtype.eq_ignore_ascii_case("IP4") {
        // `<address>[/<ttl>[/<number of addresses>]]`
        match split_at_byte(full, b'/') {
            None => (full, None, None),
            Some((addr, rest)) => {
                let (ttl, count) =
                    split_at_byte(rest, b'/').map_or((rest, None), |(t, n)| (t, Some(n)));
                if !is_digits(ttl) {
                    return Err("the TTL is not a number");
                }
                let ttl = ttl.parse::<u8>().map_err(|_| "the TTL is above 255")?;
                let count = count.map(parse_count).transpose()?;
                (addr, Some(ttl), count)
            }
        }
    } else if addrtype.eq_ignore_ascii_case("IP6") {
        match split_at_byte(full, b'/') {
            Some((addr, n)) => (addr, None, Some(parse_count(n)?)),
            None => (full, None, None),
        }
    } else {
        (full, None, None)
    };
    if addr.is_empty() {
        return Err("the connection address is empty");
    }
    Ok(SdpField::Connection {
        nettype,
        addrtype,
        address: SdpValue::parse(addr),
        ttl,
        count,
    })
}

fn parse_count(n: &str) -> Result<u32, &'static str> {
    if !is_digits(n) {
        return Err("the number of addresses is not a number");
    }
    n.parse()
        .map_err(|_| "the number of addresses is too large")
}

fn parse_media(value: &str) -> Result<SdpField<'_>, &'static str> {
    let rest = value.trim_ascii_start();
    let (media, rest) = split_token(rest);
    let (port_field, rest) = split_token(rest);
    let (proto, rest) = split_token(rest);
    if media.is_empty() || port_field.is_empty() || proto.is_empty() {
        return Err("`m=` needs media, port, proto and at least one format");
    }
    let formats = Tokens::new(rest);
    if formats.is_empty() {
        return Err("`m=` needs at least one format");
    }
    let (port, port_count) = match split_at_byte(port_field, b'/') {
        Some((p, n)) => {
            if !is_digits(n) {
                return Err("the number of ports is not a number");
            }
            (
                p,
                Some(
                    n.parse::<u16>()
                        .map_err(|_| "the number of ports is above 65535")?,
                ),
            )
        }
        None => (port_field, None),
    };
    let port = match SdpValue::parse(port) {
        v @ SdpValue::Value(p) => {
            if !is_digits(p) {
                return Err("the port is not a number, `$` or `-`");
            }
            if v.as_u16().is_none() {
                return Err("the port is above 65535");
            }
            v
        }
        v => v,
    };
    Ok(SdpField::Media {
        media,
        port,
        port_count,
        proto,
        formats,
    })
}

/// `s` split around the first `byte` (ASCII, so the split is at a character
/// boundary). SDP fields are short: a plain scan beats a searcher's set-up.
pub(crate) fn split_at_byte(s: &str, byte: u8) -> Option<(&str, &str)> {
    debug_assert!(byte.is_ascii());
    let i = s.bytes().position(|b| b == byte)?;
    Some((&s[..i], &s[i + 1..]))
}

/// The first white-space separated token and the rest (leading white space
/// of the rest removed).
fn split_token(s: &str) -> (&str, &str) {
    // White space is ASCII: the split is at a character boundary.
    match s.bytes().position(|b| b.is_ascii_whitespace()) {
        Some(i) => {
            let (tok, rest) = s.split_at(i);
            (tok, rest.trim_ascii_start())
        }
        None => (s, ""),
    }
}

impl fmt::Display for SdpField<'_> {
    /// Writes the value part of the line (what follows `<type>=`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SdpField::Version(v) => write!(f, "{v}"),
            SdpField::Origin {
                username,
                sess_id,
                sess_version,
                nettype,
                addrtype,
                unicast_address,
            } => write!(
                f,
                "{username} {sess_id} {sess_version} {nettype} {addrtype} {unicast_address}"
            ),
            SdpField::SessionName(s)
            | SdpField::Information(s)
            | SdpField::Uri(s)
            | SdpField::Email(s)
            | SdpField::Phone(s)
            | SdpField::Other(_, s) => f.write_str(s),
            SdpField::Connection {
                nettype,
                addrtype,
                address,
                ttl,
                count,
            } => {
                write!(f, "{nettype} {addrtype} {address}")?;
                if let Some(ttl) = ttl {
                    write!(f, "/{ttl}")?;
                }
                if let Some(count) = count {
                    write!(f, "/{count}")?;
                }
                Ok(())
            }
            SdpField::Bandwidth { bwtype, bandwidth } => write!(f, "{bwtype}:{bandwidth}"),
            SdpField::Timing { start, stop } => write!(f, "{start} {stop}"),
            SdpField::Repeat(t) | SdpField::TimeZones(t) => write!(f, "{t}"),
            SdpField::Key { method, value }
            | SdpField::Attribute {
                name: method,
                value,
            } => {
                f.write_str(method)?;
                match value {
                    Some(v) => write!(f, ":{v}"),
                    None => Ok(()),
                }
            }
            SdpField::Media {
                media,
                port,
                port_count,
                proto,
                formats,
            } => {
                write!(f, "{media} {port}")?;
                if let Some(n) = port_count {
                    write!(f, "/{n}")?;
                }
                write!(f, " {proto} {formats}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdp::SdpLine;

    /// Numbers read as `str::parse` reads a run of digits.
    #[test]
    fn numbers_read_as_std_parses_digits() {
        for text in [
            "0",
            "7",
            "00",
            "65535",
            "65536",
            "4294967295",
            "4294967296",
            "18446744073709551615",
            "18446744073709551616",
            "99999999999999999999999",
            "",
            "+1",
            "-1",
            "1a",
            " 1",
            "١",
        ] {
            let v = SdpValue::Value(text);
            let digits = is_digits(text);
            assert_eq!(
                v.as_u16(),
                digits.then(|| text.parse().ok()).flatten(),
                "{text:?}"
            );
            assert_eq!(
                v.as_u32(),
                digits.then(|| text.parse().ok()).flatten(),
                "{text:?}"
            );
            assert_eq!(
                v.as_u64(),
                digits.then(|| text.parse().ok()).flatten(),
                "{text:?}"
            );
        }
        assert_eq!(SdpValue::Choose.as_u16(), None);
        assert_eq!(SdpValue::Unspecified.as_u64(), None);
    }

    /// White space between fields is any run of ASCII white space; a token
    /// may hold any character but white space and controls, Unicode ones
    /// included; CR, LF and NUL are refused anywhere in a value.
    #[test]
    fn white_space_tokens_and_forbidden_octets() {
        let SdpField::Media {
            media,
            port,
            proto,
            formats,
            ..
        } = p('m', " audio\t4000  RTP/AVP\x0c0 8 ")
        else {
            panic!("not a media line")
        };
        assert_eq!(
            (media, port.as_u16(), proto),
            ("audio", Some(4000), "RTP/AVP")
        );
        assert_eq!(formats.iter().collect::<Vec<_>>(), ["0", "8"]);
        assert!(!formats.is_empty());
        assert!(SdpField::parse('m', "audio 4000 RTP/AVP \t ").is_err());
        assert_eq!(p('v', " \t0 "), SdpField::Version(0));
        assert!(matches!(
            p('a', "n\u{e4}me:1"),
            SdpField::Attribute {
                name: "n\u{e4}me",
                value: Some("1")
            }
        ));
        for bad in ["bad\u{a0}name:1", "bad\u{85}name", "del\u{7f}:1", ""] {
            assert!(SdpField::parse('a', bad).is_err(), "{bad:?}");
        }
        for value in ["IN IP4 a\rb", "IN IP4 a\nb", "IN IP4 a\0b"] {
            let e = SdpField::parse('c', value).unwrap_err();
            assert_eq!(e.reason, "CR, LF and NUL are not allowed in a value");
        }
    }

    fn p(kind: char, value: &str) -> SdpField<'_> {
        SdpField::parse(kind, value).unwrap()
    }

    fn reason(kind: char, value: &str) -> &'static str {
        SdpField::parse(kind, value).unwrap_err().reason
    }

    #[test]
    fn version() {
        assert_eq!(p('v', "0"), SdpField::Version(0));
        assert!(!reason('v', "x").is_empty());
        assert!(SdpField::parse('v', "").is_err());
        assert!(SdpField::parse('v', "99999999999").is_err());
    }

    #[test]
    fn origin_with_h248_values() {
        let f = p('o', "- 2890844526 2890842807 IN IP4 $");
        assert_eq!(
            f,
            SdpField::Origin {
                username: SdpValue::Unspecified,
                sess_id: SdpValue::Value("2890844526"),
                sess_version: SdpValue::Value("2890842807"),
                nettype: "IN",
                addrtype: "IP4",
                unicast_address: SdpValue::Choose,
            }
        );
        if let SdpField::Origin { sess_id, .. } = f {
            assert_eq!(sess_id.as_u64(), Some(2890844526));
            assert_eq!(sess_id.as_u16(), None);
        }
        let f = p('o', "jdoe $ - IN IP6 2001:db8::1");
        assert!(matches!(
            f,
            SdpField::Origin {
                username: SdpValue::Value("jdoe"),
                sess_id: SdpValue::Choose,
                sess_version: SdpValue::Unspecified,
                unicast_address: SdpValue::Value("2001:db8::1"),
                ..
            }
        ));
        assert!(reason('o', "- 1 2 IN IP4").contains("needs"));
        assert!(reason('o', "- 1 2 IN IP4 a b").contains("more than six"));
        assert!(reason('o', "- x1 2 IN IP4 a").contains("sess-id"));
        assert!(reason('o', "- 1 +2 IN IP4 a").contains("sess-version"));
    }

    #[test]
    fn text_fields() {
        assert_eq!(p('s', " "), SdpField::SessionName(" "));
        assert_eq!(p('i', "A Seminar"), SdpField::Information("A Seminar"));
        assert_eq!(
            p('u', "http://a.example/x"),
            SdpField::Uri("http://a.example/x")
        );
        assert_eq!(
            p('e', "j@a.example (J)"),
            SdpField::Email("j@a.example (J)")
        );
        assert_eq!(
            p('p', "+1 617 555-6011"),
            SdpField::Phone("+1 617 555-6011")
        );
        assert_eq!(p('x', "anything"), SdpField::Other('x', "anything"));
        assert_eq!(p('Z', "x"), SdpField::Other('Z', "x"));
        assert!(reason('s', "a\nb").contains("CR"));
    }

    #[test]
    fn connection() {
        assert_eq!(
            p('c', "IN IP4 $"),
            SdpField::Connection {
                nettype: "IN",
                addrtype: "IP4",
                address: SdpValue::Choose,
                ttl: None,
                count: None
            }
        );
        assert_eq!(
            p('c', "IN IP6 2001:db8::1"),
            SdpField::Connection {
                nettype: "IN",
                addrtype: "IP6",
                address: SdpValue::Value("2001:db8::1"),
                ttl: None,
                count: None
            }
        );
        assert_eq!(
            p('c', "IN IP4 224.2.1.1/127/3"),
            SdpField::Connection {
                nettype: "IN",
                addrtype: "IP4",
                address: SdpValue::Value("224.2.1.1"),
                ttl: Some(127),
                count: Some(3)
            }
        );
        assert!(matches!(
            p('c', "IN IP4 224.2.1.1/127"),
            SdpField::Connection {
                ttl: Some(127),
                count: None,
                ..
            }
        ));
        assert!(matches!(
            p('c', "IN IP6 FF15::101/3"),
            SdpField::Connection {
                ttl: None,
                count: Some(3),
                ..
            }
        ));
        assert!(matches!(
            p('c', "ATM NSAP 47.0091.8100.0000.0060.3e64.fd01/x"),
            SdpField::Connection {
                address: SdpValue::Value("47.0091.8100.0000.0060.3e64.fd01/x"),
                ..
            }
        ));
        assert!(matches!(
            p('c', "IN IP4 -"),
            SdpField::Connection {
                address: SdpValue::Unspecified,
                ..
            }
        ));
        assert!(reason('c', "IN IP4").contains("needs"));
        assert!(reason('c', "IN IP4 1.2.3.4 x").contains("needs"));
        assert!(reason('c', "IN IP4 224.2.1.1/256").contains("255"));
        assert!(reason('c', "IN IP4 224.2.1.1/x").contains("TTL"));
        assert!(reason('c', "IN IP4 224.2.1.1/1/y").contains("number of addresses"));
        assert!(reason('c', "IN IP6 ff15::1/").contains("number of addresses"));
        assert!(reason('c', "IN IP4 /1").contains("empty"));
        assert!(reason('c', "IN IP4 224.2.1.1/").contains("TTL"));
        assert!(reason('c', "IN IP4 224.2.1.1/1/").contains("number of addresses"));
        assert!(reason('c', "IN IP4 224.2.1.1/1/2/3").contains("number of addresses"));
        assert!(reason('c', "").contains("needs"));
        // Runs of white space between and around the fields are tolerated.
        assert_eq!(p('c', "  IN\tIP4   $  "), p('c', "IN IP4 $"));
    }

    #[test]
    fn bandwidth() {
        let f = p('b', "AS:64");
        assert_eq!(
            f,
            SdpField::Bandwidth {
                bwtype: "AS",
                bandwidth: SdpValue::Value("64")
            }
        );
        if let SdpField::Bandwidth { bandwidth, .. } = f {
            assert_eq!(bandwidth.as_u32(), Some(64));
        }
        assert!(matches!(
            p('b', "CT:$"),
            SdpField::Bandwidth {
                bandwidth: SdpValue::Choose,
                ..
            }
        ));
        assert!(reason('b', "AS64").contains("<bwtype>"));
        assert!(reason('b', ":64").contains("type"));
        assert!(reason('b', "AS:6x").contains("not a number"));
    }

    #[test]
    fn timing_repeat_zones() {
        assert_eq!(
            p('t', "0 0"),
            SdpField::Timing {
                start: SdpValue::Value("0"),
                stop: SdpValue::Value("0")
            }
        );
        assert_eq!(
            p('t', "$ -"),
            SdpField::Timing {
                start: SdpValue::Choose,
                stop: SdpValue::Unspecified
            }
        );
        assert!(reason('t', "0").contains("exactly"));
        assert!(reason('t', "0 0 0").contains("exactly"));
        assert!(reason('t', "a 0").contains("start"));
        let f = p('r', "7d 1h 0 25h");
        let SdpField::Repeat(t) = f else {
            panic!("not r=")
        };
        assert_eq!(t.iter().collect::<Vec<_>>(), ["7d", "1h", "0", "25h"]);
        assert_eq!(t.len(), 4);
        assert!(SdpField::parse('r', "7d 1h").is_err());
        assert!(SdpField::parse('r', "7x 1h 0").is_err());
        let SdpField::TimeZones(z) = p('z', "2882844526 -1h 2898848070 0") else {
            panic!("not z=")
        };
        assert_eq!(z.len(), 4);
        assert!(SdpField::parse('z', "2882844526").is_err());
        assert!(SdpField::parse('z', "").is_err());
        assert!(SdpField::parse('z', "x 0").is_err());
    }

    #[test]
    fn key_and_attribute() {
        assert_eq!(
            p('k', "clear:secret"),
            SdpField::Key {
                method: "clear",
                value: Some("secret")
            }
        );
        assert_eq!(
            p('k', "prompt"),
            SdpField::Key {
                method: "prompt",
                value: None
            }
        );
        assert!(SdpField::parse('k', ":x").is_err());
        assert_eq!(
            p('a', "recvonly"),
            SdpField::Attribute {
                name: "recvonly",
                value: None
            }
        );
        assert_eq!(
            p('a', "rtpmap:0 PCMU/8000"),
            SdpField::Attribute {
                name: "rtpmap",
                value: Some("0 PCMU/8000")
            }
        );
        assert_eq!(
            p('a', "fmtp:"),
            SdpField::Attribute {
                name: "fmtp",
                value: Some("")
            }
        );
        assert!(reason('a', "").contains("name"));
        assert!(reason('a', "a b").contains("name"));
    }

    #[test]
    fn media() {
        let f = p('m', "audio $ RTP/AVP 0 8 18 101");
        let SdpField::Media {
            media,
            port,
            port_count,
            proto,
            formats,
        } = f
        else {
            panic!("not m=")
        };
        assert_eq!(
            (media, port, port_count, proto),
            ("audio", SdpValue::Choose, None, "RTP/AVP")
        );
        assert_eq!(formats.iter().collect::<Vec<_>>(), ["0", "8", "18", "101"]);
        assert_eq!(
            formats
                .values()
                .filter_map(|v| v.as_u8())
                .collect::<Vec<_>>(),
            [0, 8, 18, 101]
        );
        assert_eq!(
            p('m', "video 49170/2 RTP/AVP 31"),
            SdpField::Media {
                media: "video",
                port: SdpValue::Value("49170"),
                port_count: Some(2),
                proto: "RTP/AVP",
                formats: Tokens::new("31"),
            }
        );
        if let SdpField::Media { port, .. } = p('m', "video 49170/2 RTP/AVP 31") {
            assert_eq!(port.as_u16(), Some(49170));
        }
        assert!(matches!(
            p('m', "audio - RTP/AVP $"),
            SdpField::Media {
                port: SdpValue::Unspecified,
                ..
            }
        ));
        assert!(matches!(
            p('m', "audio $/2 RTP/AVP 0"),
            SdpField::Media {
                port: SdpValue::Choose,
                port_count: Some(2),
                ..
            }
        ));
        assert!(reason('m', "audio $ RTP/AVP").contains("format"));
        assert!(reason('m', "audio").contains("needs"));
        assert!(reason('m', "audio 70000 RTP/AVP 0").contains("65535"));
        assert!(reason('m', "audio x RTP/AVP 0").contains("port"));
        assert!(reason('m', "audio 1/x RTP/AVP 0").contains("number of ports"));
        assert!(reason('m', "audio 1/70000 RTP/AVP 0").contains("65535"));
    }

    #[test]
    fn sdp_value_accessors() {
        assert_eq!(SdpValue::parse("$").as_u16(), None);
        assert_eq!(SdpValue::parse("-").as_u32(), None);
        assert_eq!(SdpValue::parse("+5").as_u32(), None);
        assert_eq!(SdpValue::parse("300").as_u8(), None);
        assert_eq!(SdpValue::parse("300").as_u16(), Some(300));
        assert_eq!(SdpValue::parse("x").value(), Some("x"));
        assert_eq!(SdpValue::Choose.value(), None);
        assert!(SdpValue::from("$").is_choose());
        assert!(SdpValue::from("-").is_unspecified());
        assert_eq!(SdpValue::Unspecified.to_string(), "-");
    }

    #[test]
    fn tolerant_white_space_and_display_is_canonical() {
        let f = p('m', "  audio  $   RTP/AVP 0  8 ");
        assert_eq!(f, p('m', "audio $ RTP/AVP 0 8"));
        assert_eq!(f.to_string(), "audio $ RTP/AVP 0 8");
        assert_eq!(p('c', "IN IP4 $ ").to_string(), "IN IP4 $");
        assert_eq!(p('b', "AS:64 ").to_string(), "AS:64");
    }

    #[test]
    fn display_round_trips_canonical_lines() {
        let lines = [
            ('v', "0"),
            ('o', "- 2890844526 2890842807 IN IP4 $"),
            ('o', "jdoe 1 2 IN IP6 2001:db8::1"),
            ('s', "-"),
            ('s', " "),
            ('i', "A Seminar on the session description protocol"),
            ('u', "http://www.example.com/seminars/sdp.pdf"),
            ('e', "j.doe@example.com (Jane Doe)"),
            ('p', "+1 617 555-6011"),
            ('c', "IN IP4 $"),
            ('c', "IN IP6 2001:db8::1"),
            ('c', "IN IP4 224.2.1.1/127/3"),
            ('c', "IN IP6 FF15::101/3"),
            ('b', "AS:64"),
            ('t', "0 0"),
            ('t', "2873397496 2873404696"),
            ('r', "7d 1h 0 25h"),
            ('z', "2882844526 -1h 2898848070 0"),
            ('k', "prompt"),
            ('k', "base64:AAAA"),
            ('a', "recvonly"),
            ('a', "rtpmap:0 PCMU/8000"),
            ('a', "fmtp:101 0-15"),
            ('m', "audio $ RTP/AVP 0 8 18 101"),
            ('m', "video 49170/2 RTP/AVP 31"),
            ('m', "audio - RTP/AVP -"),
            ('X', "unknown line"),
        ];
        for (kind, value) in lines {
            let line = SdpLine::new(kind, value);
            let field = line.field().unwrap();
            assert_eq!(field.kind(), kind);
            assert_eq!(field.to_string(), value);
            assert_eq!(SdpLine::from_field(&field), line);
        }
    }

    #[test]
    fn no_panic_on_odd_input() {
        let odd = [
            "",
            " ",
            "/",
            "//",
            "$/",
            "é",
            "a:é",
            "IN IP4 é/é/é",
            "IN IP6 /",
            "é é é é",
            ":",
            "0/",
            "\u{feff}",
            "99999999999999999999999999",
        ];
        for kind in "vosiuepcbtrzkamXY".chars() {
            for v in odd {
                let _ = SdpField::parse(kind, v).map(|f| f.to_string());
            }
        }
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn token() -> impl Strategy<Value = String> {
            "[A-Za-z0-9.+_][A-Za-z0-9.+_:/-]{0,8}"
        }

        fn plain() -> impl Strategy<Value = String> {
            "[A-Za-z0-9.+_]{1,8}"
        }

        fn value(s: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
            prop_oneof![Just("$".to_string()), Just("-".to_string()), s]
        }

        fn digits() -> impl Strategy<Value = String> {
            "[0-9]{1,10}"
        }

        fn port() -> impl Strategy<Value = String> {
            any::<u16>().prop_map(|p| p.to_string())
        }

        /// Canonical value text for each line type.
        fn line() -> impl Strategy<Value = (char, String)> {
            prop_oneof![
                any::<u32>().prop_map(|v| ('v', v.to_string())),
                (
                    value(plain()),
                    value(digits()),
                    value(digits()),
                    plain(),
                    plain(),
                    value(token())
                )
                    .prop_map(|(u, i, v, n, t, a)| ('o', format!("{u} {i} {v} {n} {t} {a}"))),
                "[ -~]{0,20}".prop_map(|s| ('s', s)),
                "[ -~]{0,20}".prop_map(|s| ('i', s)),
                "[!-~]{1,20}".prop_map(|s| ('u', s)),
                "[ -~]{0,20}".prop_map(|s| ('e', s)),
                "[ -~]{0,20}".prop_map(|s| ('p', s)),
                (
                    plain(),
                    value(plain()),
                    any::<u8>(),
                    proptest::option::of(any::<u32>()),
                    any::<bool>()
                )
                    .prop_map(|(n, a, ttl, count, mc)| {
                        let suffix = match (mc, count) {
                            (false, _) => String::new(),
                            (true, None) => format!("/{ttl}"),
                            (true, Some(c)) => format!("/{ttl}/{c}"),
                        };
                        ('c', format!("{n} IP4 {a}{suffix}"))
                    }),
                (value(plain()), proptest::option::of(any::<u32>())).prop_map(|(a, c)| {
                    let suffix = c.map(|c| format!("/{c}")).unwrap_or_default();
                    ('c', format!("IN IP6 {a}{suffix}"))
                }),
                ("[A-Z]{1,4}", value(token())).prop_map(|(n, a)| ('c', format!("{n} X{n} {a}"))),
                ("[A-Za-z-]{1,6}", value(digits())).prop_map(|(t, b)| ('b', format!("{t}:{b}"))),
                (value(digits()), value(digits())).prop_map(|(a, b)| ('t', format!("{a} {b}"))),
                proptest::collection::vec("[0-9]{1,6}[dhms]?", 3..6)
                    .prop_map(|v| ('r', v.join(" "))),
                proptest::collection::vec(("[0-9]{1,10}", "-?[0-9]{1,4}[dhms]?"), 1..4).prop_map(
                    |v| {
                        let parts: Vec<String> =
                            v.into_iter().map(|(a, b)| format!("{a} {b}")).collect();
                        ('z', parts.join(" "))
                    }
                ),
                (plain(), proptest::option::of("[ -~]{0,16}")).prop_map(|(m, k)| match k {
                    Some(k) => ('k', format!("{m}:{k}")),
                    None => ('k', m),
                }),
                (plain(), proptest::option::of("[ -~]{0,16}")).prop_map(|(n, v)| match v {
                    Some(v) => ('a', format!("{n}:{v}")),
                    None => ('a', n),
                }),
                (
                    plain(),
                    value(port()),
                    proptest::option::of(any::<u16>()),
                    token(),
                    proptest::collection::vec(value(plain()), 1..6)
                )
                    .prop_map(|(m, p, n, proto, fmts)| {
                        let n = n.map(|n| format!("/{n}")).unwrap_or_default();
                        ('m', format!("{m} {p}{n} {proto} {}", fmts.join(" ")))
                    }),
                ("[A-Zfghjlnqwxy]", "[ -~]{0,16}")
                    .prop_map(|(k, v)| (k.chars().next().unwrap_or('X'), v)),
            ]
        }

        proptest! {
            #[test]
            fn canonical_lines_round_trip((kind, value) in line()) {
                let line = SdpLine::new(kind, value.as_str());
                let field = line.field();
                prop_assert!(field.is_ok(), "{kind}={value}: {field:?}");
                let field = field.unwrap();
                prop_assert_eq!(field.kind(), kind);
                prop_assert_eq!(field.to_string(), value.as_str());
                prop_assert_eq!(SdpLine::from_field(&field), line.clone());
                let again = SdpLine::from_field(&field);
                prop_assert_eq!(again.field().unwrap(), field);
            }

            #[test]
            fn any_value_never_panics(kind in any::<char>(), value in "\\PC{0,40}") {
                if let Ok(f) = SdpField::parse(kind, &value) {
                    let line = SdpLine::from_field(&f);
                    // Whatever parsed writes back to something that parses the same.
                    prop_assert_eq!(line.field().unwrap(), f);
                }
            }
        }
    }
}
