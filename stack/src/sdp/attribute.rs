//! Typed views of the `a=` attributes H.248 Local and Remote descriptors
//! commonly carry (RFC 4566 clauses 5.13 and 6; RFC 3605 for `rtcp`; RFC
//! 4585 / RFC 5104 for `rtcp-fb`, see [`super::rtcp_fb`]; RFC 8122, RFC
//! 4145 and RFC 8842 for `fingerprint`, `setup` and `tls-id`, see
//! [`super::dtls`]).
//!
//! Each type reads the attribute's value (the text after `<name>:`) without
//! allocating and writes it back with `Display`; [`Attr::to_line`] builds the
//! whole `a=` line. Errors are [`FieldError`]s of kind `a`.

use std::fmt;

use compact_str::ToCompactString;

use super::dtls::{Fingerprint, Setup, TlsId};
use super::field::{is_digits, FieldError, SdpField};
use super::rtcp_fb::RtcpFb;
use super::SdpLine;

fn err(reason: &'static str) -> FieldError {
    FieldError { kind: 'a', reason }
}

fn number<T: std::str::FromStr>(s: &str, reason: &'static str) -> Result<T, FieldError> {
    if !is_digits(s) {
        return Err(err(reason));
    }
    s.parse().map_err(|_| err(reason))
}

/// A value the MGC may leave for the MG to choose with `$` (H.248.1 clause
/// 7.1.8), or a concrete one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Choice<T> {
    /// `$`: the MG chooses.
    Choose,
    Value(T),
}

impl<T: Copy> Choice<T> {
    /// The concrete value, `None` for `$`.
    pub fn value(&self) -> Option<T> {
        match self {
            Choice::Choose => None,
            Choice::Value(v) => Some(*v),
        }
    }
}

impl<T: fmt::Display> fmt::Display for Choice<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Choice::Choose => f.write_str("$"),
            Choice::Value(v) => v.fmt(f),
        }
    }
}

/// The media direction properties (RFC 4566 clause 6): `a=sendrecv`,
/// `a=sendonly`, `a=recvonly`, `a=inactive`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    SendRecv,
    SendOnly,
    RecvOnly,
    Inactive,
}

impl Direction {
    /// The direction named `name` (ASCII case-insensitive), if it is one.
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Direction::SendRecv,
            Direction::SendOnly,
            Direction::RecvOnly,
            Direction::Inactive,
        ]
        .into_iter()
        .find(|d| d.as_str().eq_ignore_ascii_case(name))
    }

    /// The attribute name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding
/// parameters>]` (RFC 4566 clause 6); for audio the encoding parameters are
/// the number of channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpMap<'a> {
    /// 0 to 127 (RTP payload types are 7 bits).
    pub payload_type: u8,
    pub encoding_name: &'a str,
    pub clock_rate: u32,
    pub channels: Option<u16>,
}

impl<'a> RtpMap<'a> {
    pub const NAME: &'static str = "rtpmap";

    /// Reads the value of an `a=rtpmap:` line, e.g. `0 PCMU/8000`.
    pub fn parse(value: &'a str) -> Result<Self, FieldError> {
        let mut it = value.split_ascii_whitespace();
        let (Some(pt), Some(enc), None) = (it.next(), it.next(), it.next()) else {
            return Err(err(
                "`rtpmap` needs `<payload type> <encoding name>/<clock rate>`",
            ));
        };
        let payload_type: u8 = number(pt, "the rtpmap payload type is not a number")?;
        if payload_type > 127 {
            return Err(err("the rtpmap payload type is above 127"));
        }
        let mut parts = enc.splitn(3, '/');
        let encoding_name = parts.next().unwrap_or_default();
        if encoding_name.is_empty() {
            return Err(err("the rtpmap encoding name is empty"));
        }
        let clock_rate = match parts.next() {
            Some(rate) => number(rate, "the rtpmap clock rate is not a number")?,
            None => return Err(err("`rtpmap` needs a clock rate")),
        };
        let channels = match parts.next() {
            Some(ch) => Some(number(ch, "the rtpmap channel count is not a number")?),
            None => None,
        };
        Ok(RtpMap {
            payload_type,
            encoding_name,
            clock_rate,
            channels,
        })
    }
}

impl fmt::Display for RtpMap<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}/{}",
            self.payload_type, self.encoding_name, self.clock_rate
        )?;
        if let Some(ch) = self.channels {
            write!(f, "/{ch}")?;
        }
        Ok(())
    }
}

/// `a=fmtp:<format> <format specific parameters>` (RFC 4566 clause 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fmtp<'a> {
    /// The format (payload type for RTP) the parameters apply to.
    pub format: &'a str,
    /// The parameters, as written (may be empty).
    pub params: &'a str,
}

impl<'a> Fmtp<'a> {
    pub const NAME: &'static str = "fmtp";

    /// Reads the value of an `a=fmtp:` line, e.g. `101 0-15`.
    pub fn parse(value: &'a str) -> Result<Self, FieldError> {
        let value = value.trim_start_matches(|c: char| c.is_ascii_whitespace());
        let (format, params) = match value.find(|c: char| c.is_ascii_whitespace()) {
            Some(i) => {
                let (f, p) = value.split_at(i);
                (f, p.trim_start_matches(|c: char| c.is_ascii_whitespace()))
            }
            None => (value, ""),
        };
        if format.is_empty() {
            return Err(err("`fmtp` needs a format"));
        }
        Ok(Fmtp { format, params })
    }

    /// The `;`-separated parameters as `(name, value)`, e.g. `mode=20` gives
    /// `("mode", Some("20"))` and `0-15` gives `("0-15", None)`.
    pub fn parameters(&self) -> impl Iterator<Item = (&'a str, Option<&'a str>)> + 'a {
        self.params
            .split(';')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((n, v)) => (n.trim(), Some(v.trim())),
                None => (p, None),
            })
    }
}

impl fmt::Display for Fmtp<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.format)?;
        if !self.params.is_empty() {
            write!(f, " {}", self.params)?;
        }
        Ok(())
    }
}

/// The address part of `a=rtcp:` (RFC 3605): `<nettype> <addrtype>
/// <connection-address>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtcpAddress<'a> {
    pub nettype: &'a str,
    pub addrtype: &'a str,
    pub address: &'a str,
}

/// `a=rtcp:<port>[ <nettype> <addrtype> <connection-address>]` (RFC 3605
/// clause 2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rtcp<'a> {
    pub port: u16,
    pub address: Option<RtcpAddress<'a>>,
}

impl<'a> Rtcp<'a> {
    pub const NAME: &'static str = "rtcp";

    /// Reads the value of an `a=rtcp:` line, e.g. `53020 IN IP4 126.16.64.4`.
    pub fn parse(value: &'a str) -> Result<Self, FieldError> {
        let mut it = value.split_ascii_whitespace();
        let port = match it.next() {
            Some(p) => number(p, "the rtcp port is not a number up to 65535")?,
            None => return Err(err("`rtcp` needs a port")),
        };
        let address = match (it.next(), it.next(), it.next(), it.next()) {
            (None, ..) => None,
            (Some(nettype), Some(addrtype), Some(address), None) => Some(RtcpAddress {
                nettype,
                addrtype,
                address,
            }),
            _ => {
                return Err(err(
                    "`rtcp` takes a port, optionally with nettype, addrtype and address",
                ))
            }
        };
        Ok(Rtcp { port, address })
    }
}

impl fmt::Display for Rtcp<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.port)?;
        if let Some(a) = &self.address {
            write!(f, " {} {} {}", a.nettype, a.addrtype, a.address)?;
        }
        Ok(())
    }
}

/// A packet time in milliseconds, as `a=ptime:` and `a=maxptime:` carry it
/// (RFC 4566 clause 6). Only whole milliseconds are accepted.
fn parse_ms(value: &str, reason: &'static str) -> Result<u32, FieldError> {
    number(value.trim(), reason)
}

/// An `a=` line, typed for the attributes H.248 commonly uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attr<'a> {
    RtpMap(RtpMap<'a>),
    Fmtp(Fmtp<'a>),
    /// `a=ptime:<packet time>` in ms (RFC 4566 clause 6).
    Ptime(u32),
    /// `a=maxptime:<maximum packet time>` in ms (RFC 4566 clause 6).
    MaxPtime(u32),
    /// `a=sendrecv` and friends (RFC 4566 clause 6).
    Direction(Direction),
    Rtcp(Rtcp<'a>),
    /// `a=rtcp-fb:` (RFC 4585 clause 4.2, RFC 5104 clause 7.1).
    RtcpFb(RtcpFb<'a>),
    /// `a=fingerprint:` (RFC 8122 clause 5).
    Fingerprint(Fingerprint<'a>),
    /// `a=setup:` (RFC 4145 clause 4).
    Setup(Setup),
    /// `a=tls-id:` (RFC 8842 clause 4).
    TlsId(TlsId<'a>),
    /// Any other attribute, untyped.
    Other {
        name: &'a str,
        value: Option<&'a str>,
    },
}

impl<'a> Attr<'a> {
    /// Types the attribute `name` with its value (`None` for a property).
    /// Known names are matched ASCII case-insensitively.
    pub fn parse(name: &'a str, value: Option<&'a str>) -> Result<Self, FieldError> {
        let is = |n: &str| name.eq_ignore_ascii_case(n);
        let need = |v: Option<&'a str>| v.ok_or_else(|| err("this attribute needs a value"));
        if let Some(d) = Direction::from_name(name) {
            return match value {
                None => Ok(Attr::Direction(d)),
                Some(_) => Err(err("direction attributes take no value")),
            };
        }
        Ok(if is(RtpMap::NAME) {
            Attr::RtpMap(RtpMap::parse(need(value)?)?)
        } else if is(Fmtp::NAME) {
            Attr::Fmtp(Fmtp::parse(need(value)?)?)
        } else if is("ptime") {
            Attr::Ptime(parse_ms(need(value)?, "ptime is not a whole number of ms")?)
        } else if is("maxptime") {
            Attr::MaxPtime(parse_ms(
                need(value)?,
                "maxptime is not a whole number of ms",
            )?)
        } else if is(Rtcp::NAME) {
            Attr::Rtcp(Rtcp::parse(need(value)?)?)
        } else if is(RtcpFb::NAME) {
            Attr::RtcpFb(RtcpFb::parse(need(value)?)?)
        } else if is(Fingerprint::NAME) {
            Attr::Fingerprint(Fingerprint::parse(need(value)?)?)
        } else if is(Setup::NAME) {
            Attr::Setup(Setup::parse(need(value)?)?)
        } else if is(TlsId::NAME) {
            Attr::TlsId(TlsId::parse(need(value)?)?)
        } else {
            Attr::Other { name, value }
        })
    }

    /// The rules beyond an attribute's grammar that need no other line:
    /// [`RtcpFb::check`] and [`Fingerprint::check`]. The rules that need the
    /// media description (an `rtcp-fb` payload type among the `m=` formats,
    /// `rtcp-fb` only at media level) are in
    /// [`super::SessionDescription::validate`].
    pub fn check(&self) -> Result<(), FieldError> {
        match self {
            Attr::RtcpFb(fb) => fb.check(),
            Attr::Fingerprint(fp) => fp.check(),
            _ => Ok(()),
        }
    }

    /// Types the value of an `a=` line; an error for other lines.
    pub fn from_line(line: &'a SdpLine) -> Result<Self, FieldError> {
        match line.field()? {
            SdpField::Attribute { name, value } => Attr::parse(name, value),
            _ => Err(FieldError {
                kind: line.kind,
                reason: "not an `a=` line",
            }),
        }
    }

    /// The attribute name, canonical for the known ones.
    pub fn name(&self) -> &'a str {
        match self {
            Attr::RtpMap(_) => RtpMap::NAME,
            Attr::Fmtp(_) => Fmtp::NAME,
            Attr::Ptime(_) => "ptime",
            Attr::MaxPtime(_) => "maxptime",
            Attr::Direction(d) => d.as_str(),
            Attr::Rtcp(_) => Rtcp::NAME,
            Attr::RtcpFb(_) => RtcpFb::NAME,
            Attr::Fingerprint(_) => Fingerprint::NAME,
            Attr::Setup(_) => Setup::NAME,
            Attr::TlsId(_) => TlsId::NAME,
            Attr::Other { name, .. } => name,
        }
    }

    /// The `a=` line for this attribute.
    pub fn to_line(&self) -> SdpLine {
        SdpLine::new('a', self.to_compact_string())
    }
}

impl fmt::Display for Attr<'_> {
    /// Writes the value of the `a=` line: `<name>` or `<name>:<value>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())?;
        match self {
            Attr::RtpMap(r) => write!(f, ":{r}"),
            Attr::Fmtp(p) => write!(f, ":{p}"),
            Attr::Ptime(ms) | Attr::MaxPtime(ms) => write!(f, ":{ms}"),
            Attr::Direction(_) => Ok(()),
            Attr::Rtcp(r) => write!(f, ":{r}"),
            Attr::RtcpFb(r) => write!(f, ":{r}"),
            Attr::Fingerprint(r) => write!(f, ":{r}"),
            Attr::Setup(r) => write!(f, ":{r}"),
            Attr::TlsId(r) => write!(f, ":{r}"),
            Attr::Other { value, .. } => match value {
                Some(v) => write!(f, ":{v}"),
                None => Ok(()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(line: &str) -> Result<Attr<'_>, FieldError> {
        match SdpField::parse('a', line)? {
            SdpField::Attribute { name, value } => Attr::parse(name, value),
            _ => unreachable!(),
        }
    }

    #[test]
    fn rtpmap() {
        assert_eq!(
            attr("rtpmap:0 PCMU/8000").unwrap(),
            Attr::RtpMap(RtpMap {
                payload_type: 0,
                encoding_name: "PCMU",
                clock_rate: 8000,
                channels: None
            })
        );
        assert_eq!(
            RtpMap::parse("97 L16/16000/2").unwrap(),
            RtpMap {
                payload_type: 97,
                encoding_name: "L16",
                clock_rate: 16000,
                channels: Some(2)
            }
        );
        assert_eq!(
            RtpMap::parse("101 telephone-event/8000")
                .unwrap()
                .encoding_name,
            "telephone-event"
        );
        for bad in [
            "",
            "0",
            "0 PCMU",
            "128 X/8000",
            "x PCMU/8000",
            "0 /8000",
            "0 PCMU/x",
            "0 PCMU/8000/x",
            "0 PCMU/8000 y",
        ] {
            assert!(RtpMap::parse(bad).is_err(), "{bad}");
        }
        assert!(attr("rtpmap").unwrap_err().reason.contains("needs a value"));
    }

    #[test]
    fn fmtp() {
        let f = Fmtp::parse("101 0-15").unwrap();
        assert_eq!((f.format, f.params), ("101", "0-15"));
        let f = Fmtp::parse("18 annexb=no; foo ; x=").unwrap();
        assert_eq!(
            f.parameters().collect::<Vec<_>>(),
            [("annexb", Some("no")), ("foo", None), ("x", Some(""))]
        );
        assert_eq!(Fmtp::parse("18").unwrap().params, "");
        assert!(Fmtp::parse(" ").is_err());
    }

    #[test]
    fn ptime_direction_rtcp() {
        assert_eq!(attr("ptime:20").unwrap(), Attr::Ptime(20));
        assert_eq!(attr("maxptime:40").unwrap(), Attr::MaxPtime(40));
        assert!(attr("ptime:2.5").is_err());
        assert!(attr("ptime:$").is_err());
        assert_eq!(
            attr("recvonly").unwrap(),
            Attr::Direction(Direction::RecvOnly)
        );
        assert_eq!(
            attr("sendrecv").unwrap(),
            Attr::Direction(Direction::SendRecv)
        );
        assert_eq!(
            attr("sendonly").unwrap(),
            Attr::Direction(Direction::SendOnly)
        );
        assert_eq!(
            attr("inactive").unwrap(),
            Attr::Direction(Direction::Inactive)
        );
        assert!(attr("inactive:1").is_err());
        assert_eq!(
            attr("rtcp:53020").unwrap(),
            Attr::Rtcp(Rtcp {
                port: 53020,
                address: None
            })
        );
        assert_eq!(
            Rtcp::parse("53020 IN IP6 2001:db8::1").unwrap().address,
            Some(RtcpAddress {
                nettype: "IN",
                addrtype: "IP6",
                address: "2001:db8::1"
            })
        );
        assert!(Rtcp::parse("70000").is_err());
        assert!(Rtcp::parse("5 IN IP4").is_err());
        assert!(Rtcp::parse("").is_err());
        assert_eq!(
            attr("x-vendor:1 2").unwrap(),
            Attr::Other {
                name: "x-vendor",
                value: Some("1 2")
            }
        );
    }

    #[test]
    fn round_trips() {
        for value in [
            "rtpmap:0 PCMU/8000",
            "rtpmap:97 L16/16000/2",
            "fmtp:101 0-15",
            "fmtp:18",
            "ptime:20",
            "maxptime:40",
            "sendrecv",
            "rtcp:53020",
            "rtcp:53020 IN IP4 126.16.64.4",
            "x-other:value",
            "x-prop",
        ] {
            let line = SdpLine::new('a', value);
            let a = Attr::from_line(&line).unwrap();
            assert_eq!(a.to_string(), value);
            assert_eq!(a.to_line(), line);
            assert_eq!(line.field().unwrap().attribute(), Some(Ok(a)));
        }
        assert!(Attr::from_line(&SdpLine::new('b', "AS:64")).is_err());
        assert_eq!(SdpField::Version(0).attribute(), None);
    }
}
