//! `a=rtcp-fb:` (RFC 4585 clause 4.2) with the Codec Control Messages of
//! RFC 5104 clause 7.1, typed.
//!
//! The grammar, RFC 4585 clause 4.2 extended by RFC 5104 clause 7.1:
//!
//! ```text
//! rtcp-fb-syntax     = "a=rtcp-fb:" rtcp-fb-pt SP rtcp-fb-val
//! rtcp-fb-pt         = "*" / fmt
//! rtcp-fb-val        = "ack" rtcp-fb-ack-param
//!                    / "nack" rtcp-fb-nack-param
//!                    / "trr-int" SP 1*DIGIT
//!                    / "ccm" rtcp-fb-ccm-param            ; RFC 5104
//!                    / rtcp-fb-id rtcp-fb-param
//! rtcp-fb-id         = 1*(alpha-numeric / "-" / "_")
//! rtcp-fb-param      = SP "app" [SP byte-string] / SP token [SP byte-string] / ""
//! rtcp-fb-ack-param  = SP "rpsi" / SP "app" [SP byte-string]
//!                    / SP token [SP byte-string] / ""
//! rtcp-fb-nack-param = SP "pli" / SP "sli" / SP "rpsi" / SP "app" [SP byte-string]
//!                    / SP token [SP byte-string] / ""
//! rtcp-fb-ccm-param  = SP "fir" / SP "tmmbr" [SP "smaxpr=" MaxPacketRateValue]
//!                    / SP "tstr" / SP "vbcm" *(SP subMessageType)
//!                    / SP token [SP byte-string]
//! subMessageType     = 1*8DIGIT
//! MaxPacketRateValue = 1*15DIGIT
//! ```
//!
//! [`RtcpFb::parse`] reads that grammar and nothing more: unknown feedback
//! types (`goog-remb`, `transport-cc`, `3gpp-roi-arbitrary`, ...) and
//! unknown `ack` / `nack` / `ccm` parameters are kept as written
//! ([`FbKind::Other`], [`AckParam::Other`], [`NackParam::Other`],
//! [`Ccm::Other`]). Keywords are matched ASCII case-insensitively (ABNF
//! literals are) and written back in lower case. [`RtcpFb::check`] adds the
//! rules that are not grammar (a `vbcm` without sub-message types, a `ccm`
//! parameter outside the IANA registry) and [`RtcpFb::check_formats`] the
//! rule that needs the `m=` line (the payload type is one of its formats).
//!
//! H.248.1 clause 7.1.8 lets the MGC leave a value for the MG to choose
//! with `$`: the payload type, the `trr-int` interval and the `smaxpr`
//! value may be `$`.

use std::fmt;

use super::attribute::Choice;
use super::field::{is_digits, FieldError, Tokens};

fn err(reason: &'static str) -> FieldError {
    FieldError { kind: 'a', reason }
}

/// The payload type an `a=rtcp-fb:` line applies to (RFC 4585 clause 4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FbPayloadType {
    /// `*`: every format of the media description.
    Any,
    /// `$`: the MG chooses (H.248.1 clause 7.1.8).
    Choose,
    /// An RTP payload type, 0 to 127.
    Pt(u8),
}

impl FbPayloadType {
    /// Reads `*`, `$` or a payload type.
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        match s {
            "*" => Ok(FbPayloadType::Any),
            "$" => Ok(FbPayloadType::Choose),
            _ => match s.parse::<u8>() {
                Ok(pt) if is_digits(s) && pt <= 127 => Ok(FbPayloadType::Pt(pt)),
                _ => Err(err(
                    "`rtcp-fb`: the payload type is not `*`, `$` or a number up to 127",
                )),
            },
        }
    }

    /// Whether a line for `self` applies to payload type `pt` (`*` applies
    /// to all; `$` to none yet, the MG has not chosen).
    pub fn covers(&self, pt: u8) -> bool {
        match self {
            FbPayloadType::Any => true,
            FbPayloadType::Choose => false,
            FbPayloadType::Pt(p) => *p == pt,
        }
    }
}

impl fmt::Display for FbPayloadType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FbPayloadType::Any => f.write_str("*"),
            FbPayloadType::Choose => f.write_str("$"),
            FbPayloadType::Pt(pt) => write!(f, "{pt}"),
        }
    }
}

/// The parameter of `ack` (RFC 4585 clause 4.2, `rtcp-fb-ack-param`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckParam<'a> {
    /// Plain `ack`.
    None,
    /// `ack rpsi`: Reference Picture Selection Indication (clause 6.3.3).
    Rpsi,
    /// `ack app [<byte-string>]`: application layer feedback (clause 6.4).
    App(Option<&'a str>),
    /// `ack <token> [<byte-string>]`: a parameter RFC 4585 does not define.
    Other {
        token: &'a str,
        rest: Option<&'a str>,
    },
}

/// The parameter of `nack` (RFC 4585 clause 4.2, `rtcp-fb-nack-param`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NackParam<'a> {
    /// Plain `nack`: Generic NACK (clause 6.2.1).
    None,
    /// `nack pli`: Picture Loss Indication (clause 6.3.1).
    Pli,
    /// `nack sli`: Slice Loss Indication (clause 6.3.2).
    Sli,
    /// `nack rpsi`: Reference Picture Selection Indication (clause 6.3.3).
    Rpsi,
    /// `nack app [<byte-string>]`: application layer feedback (clause 6.4).
    App(Option<&'a str>),
    /// `nack <token> [<byte-string>]` (e.g. `nack rai`, `nack ecn`).
    Other {
        token: &'a str,
        rest: Option<&'a str>,
    },
}

/// A Codec Control Message parameter of `ccm` (RFC 5104 clause 7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ccm<'a> {
    /// `ccm fir`: Full Intra Request (RFC 5104 clause 3.5.1; PSFB FMT 4).
    Fir,
    /// `ccm tmmbr [smaxpr=<packet rate>]`: Temporary Maximum Media Stream
    /// Bit Rate Request and Notification (clause 3.5.4; RTPFB FMT 3 and 4).
    /// `smaxpr` is the session maximum packet rate, at most 15 digits.
    Tmmbr { smaxpr: Option<Choice<u64>> },
    /// `ccm tstr`: Temporal-Spatial Trade-off Request and Notification
    /// (clause 3.5.2; PSFB FMT 5 and 6).
    Tstr,
    /// `ccm vbcm <sub-message type> ...`: H.271 Video Back Channel Messages
    /// (clause 3.5.3), with the H.271 sub-message types supported, each at
    /// most 8 digits. See [`Ccm::vbcm_sub_types`].
    Vbcm(Tokens<'a>),
    /// `ccm <token> [<byte-string>]`: a parameter RFC 5104 leaves for later
    /// registrations (e.g. RFC 7728's `pause`).
    Other {
        token: &'a str,
        rest: Option<&'a str>,
    },
}

impl Ccm<'_> {
    /// The sub-message types of `vbcm` (empty for the other parameters).
    /// Parsing checked they are numbers of at most 8 digits.
    pub fn vbcm_sub_types(&self) -> impl Iterator<Item = u32> + '_ {
        let tokens = match self {
            Ccm::Vbcm(t) => Some(*t),
            _ => None,
        };
        tokens
            .into_iter()
            .flat_map(|t| t.iter())
            .filter_map(|s| s.parse().ok())
    }
}

/// The feedback value of an `a=rtcp-fb:` line (`rtcp-fb-val`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FbKind<'a> {
    /// `ack ...` (RFC 4585 clause 4.2).
    Ack(AckParam<'a>),
    /// `nack ...` (RFC 4585 clause 4.2).
    Nack(NackParam<'a>),
    /// `trr-int <ms>`: the minimum interval between two regular RTCP
    /// packets, in ms (RFC 4585 clause 4.2).
    TrrInt(Choice<u64>),
    /// `ccm <parameter>` (RFC 5104 clause 7.1).
    Ccm(Ccm<'a>),
    /// A feedback type RFC 4585 and RFC 5104 do not define, with its
    /// parameters as written.
    Other { id: &'a str, param: Option<&'a str> },
}

/// `a=rtcp-fb:<pt> <feedback>` (RFC 4585 clause 4.2, RFC 5104 clause 7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtcpFb<'a> {
    pub pt: FbPayloadType,
    pub kind: FbKind<'a>,
}

/// The first white-space separated token and the rest (trimmed), `None`
/// when the rest is empty.
fn split(s: &str) -> (&str, Option<&str>) {
    let s = s.trim_start_matches(|c: char| c.is_ascii_whitespace());
    match s.find(|c: char| c.is_ascii_whitespace()) {
        Some(i) => {
            let rest = s[i..].trim_matches(|c: char| c.is_ascii_whitespace());
            (&s[..i], (!rest.is_empty()).then_some(rest))
        }
        None => (s, None),
    }
}

/// `token` of RFC 4566 clause 9.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| {
            matches!(b, 0x21 | 0x23..=0x27 | 0x2A..=0x2B | 0x2D..=0x2E | 0x30..=0x39 | 0x41..=0x5A | 0x5E..=0x7E)
        })
}

/// `rtcp-fb-id = 1*(alpha-numeric / "-" / "_")` (RFC 4585 clause 4.2).
fn is_fb_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A number of at most `max_digits` digits, or `$`.
fn choice_number(
    s: &str,
    max_digits: usize,
    reason: &'static str,
) -> Result<Choice<u64>, FieldError> {
    if s == "$" {
        return Ok(Choice::Choose);
    }
    if !is_digits(s) || s.len() > max_digits {
        return Err(err(reason));
    }
    s.parse().map(Choice::Value).map_err(|_| err(reason))
}

/// The IANA "Codec Control Messages" registry: RFC 5104 clause 8 (`fir`,
/// `tmmbr`, `tstr`, `vbcm`) and the `pause` of RFC 7728.
pub const CCM_REGISTRY: [&str; 5] = ["fir", "tmmbr", "tstr", "vbcm", "pause"];

impl<'a> RtcpFb<'a> {
    pub const NAME: &'static str = "rtcp-fb";

    /// Reads the value of an `a=rtcp-fb:` line, e.g. `96 ccm tmmbr
    /// smaxpr=120` (the grammar of the module documentation).
    pub fn parse(value: &'a str) -> Result<Self, FieldError> {
        let (pt, val) = split(value);
        let Some(val) = val else {
            return Err(err(
                "`rtcp-fb` needs a payload type (or `*`) and a feedback type",
            ));
        };
        let pt = FbPayloadType::parse(pt)?;
        let (id, param) = split(val);
        if !is_fb_id(id) {
            return Err(err(
                "`rtcp-fb`: the feedback type is not letters, digits, `-` and `_`",
            ));
        }
        let is = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
        let kind = if is(id, "ack") {
            FbKind::Ack(match param.map(split) {
                None => AckParam::None,
                Some((p, None)) if is(p, "rpsi") => AckParam::Rpsi,
                Some((p, rest)) if is(p, "app") => AckParam::App(rest),
                Some((token, rest)) => {
                    if !is_token(token) {
                        return Err(err("`rtcp-fb`: the `ack` parameter is not a token"));
                    }
                    AckParam::Other { token, rest }
                }
            })
        } else if is(id, "nack") {
            FbKind::Nack(match param.map(split) {
                None => NackParam::None,
                Some((p, None)) if is(p, "pli") => NackParam::Pli,
                Some((p, None)) if is(p, "sli") => NackParam::Sli,
                Some((p, None)) if is(p, "rpsi") => NackParam::Rpsi,
                Some((p, rest)) if is(p, "app") => NackParam::App(rest),
                Some((token, rest)) => {
                    if !is_token(token) {
                        return Err(err("`rtcp-fb`: the `nack` parameter is not a token"));
                    }
                    NackParam::Other { token, rest }
                }
            })
        } else if is(id, "trr-int") {
            match param.map(split) {
                Some((ms, None)) => FbKind::TrrInt(choice_number(
                    ms,
                    usize::MAX,
                    "`rtcp-fb`: `trr-int` is not a number of ms (or `$`)",
                )?),
                _ => {
                    return Err(err(
                        "`rtcp-fb`: `trr-int` needs exactly one value, the interval in ms",
                    ))
                }
            }
        } else if is(id, "ccm") {
            FbKind::Ccm(parse_ccm(param)?)
        } else {
            FbKind::Other { id, param }
        };
        Ok(RtcpFb { pt, kind })
    }

    /// The rules beyond the grammar that need no context:
    ///
    /// - `ccm vbcm` lists the H.271 sub-message types it supports (RFC 5104
    ///   clause 7.1 gives `vbcm` as "H.271 video back channel messages" with
    ///   the sub-message types that qualify it; one without any names no
    ///   message, so it is refused here although the ABNF's `*` admits it);
    /// - a `ccm` parameter is one of the IANA "Codec Control Messages"
    ///   registry ([`CCM_REGISTRY`]; RFC 5104 clause 8 requires
    ///   registration of new ones).
    pub fn check(&self) -> Result<(), FieldError> {
        match self.kind {
            FbKind::Ccm(Ccm::Vbcm(types)) if types.is_empty() => Err(err(
                "`rtcp-fb`: `ccm vbcm` needs at least one H.271 sub-message type",
            )),
            FbKind::Ccm(Ccm::Other { token, .. })
                if !CCM_REGISTRY.iter().any(|r| r.eq_ignore_ascii_case(token)) =>
            {
                Err(err(
                    "`rtcp-fb`: unknown `ccm` parameter (not fir, tmmbr, tstr, vbcm or pause)",
                ))
            }
            _ => Ok(()),
        }
    }

    /// The payload type is `*`, `$` or one of the formats of the `m=` line
    /// the attribute belongs to (RFC 4585 clause 4.2: "fmt" is a format of
    /// the media description). A format list holding `$` (the MG chooses the
    /// formats, H.248.1 clause 7.1.8) admits any payload type.
    pub fn check_formats(&self, formats: Tokens<'_>) -> Result<(), FieldError> {
        let FbPayloadType::Pt(pt) = self.pt else {
            return Ok(());
        };
        let listed = formats
            .iter()
            .any(|f| f == "$" || f.parse::<u8>().is_ok_and(|p| is_digits(f) && p == pt));
        if listed {
            Ok(())
        } else {
            Err(err(
                "`rtcp-fb`: the payload type is not one of the m= line's formats",
            ))
        }
    }

    /// The CCM parameter, if this is a `ccm` line.
    pub fn ccm(&self) -> Option<Ccm<'a>> {
        match self.kind {
            FbKind::Ccm(c) => Some(c),
            _ => None,
        }
    }
}

fn parse_ccm(param: Option<&str>) -> Result<Ccm<'_>, FieldError> {
    let Some(param) = param else {
        return Err(err(
            "`rtcp-fb`: `ccm` needs a parameter (fir, tmmbr, tstr or vbcm)",
        ));
    };
    let (p, rest) = split(param);
    let is = |k: &str| p.eq_ignore_ascii_case(k);
    Ok(if is("fir") {
        if rest.is_some() {
            return Err(err("`rtcp-fb`: `ccm fir` takes no value"));
        }
        Ccm::Fir
    } else if is("tstr") {
        if rest.is_some() {
            return Err(err("`rtcp-fb`: `ccm tstr` takes no value"));
        }
        Ccm::Tstr
    } else if is("tmmbr") {
        let smaxpr = match rest.map(split) {
            None => None,
            Some((kv, None)) => {
                let value = kv
                    .split_once('=')
                    .filter(|(k, _)| k.eq_ignore_ascii_case("smaxpr"))
                    .map(|(_, v)| v)
                    .ok_or_else(|| {
                        err("`rtcp-fb`: `ccm tmmbr` takes only `smaxpr=<packet rate>`")
                    })?;
                Some(choice_number(
                    value,
                    15,
                    "`rtcp-fb`: smaxpr is not a number of up to 15 digits (or `$`)",
                )?)
            }
            Some(_) => {
                return Err(err(
                    "`rtcp-fb`: `ccm tmmbr` takes only `smaxpr=<packet rate>`",
                ))
            }
        };
        Ccm::Tmmbr { smaxpr }
    } else if is("vbcm") {
        let types = Tokens::new(rest.unwrap_or(""));
        if !types.iter().all(|t| is_digits(t) && t.len() <= 8) {
            return Err(err(
                "`rtcp-fb`: a vbcm sub-message type is not a number of up to 8 digits",
            ));
        }
        Ccm::Vbcm(types)
    } else {
        if !is_token(p) {
            return Err(err("`rtcp-fb`: the `ccm` parameter is not a token"));
        }
        Ccm::Other { token: p, rest }
    })
}

fn write_rest(f: &mut fmt::Formatter<'_>, rest: Option<&str>) -> fmt::Result {
    match rest {
        Some(r) => write!(f, " {r}"),
        None => Ok(()),
    }
}

impl fmt::Display for Ccm<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ccm::Fir => f.write_str("fir"),
            Ccm::Tstr => f.write_str("tstr"),
            Ccm::Tmmbr { smaxpr } => {
                f.write_str("tmmbr")?;
                match smaxpr {
                    Some(v) => write!(f, " smaxpr={v}"),
                    None => Ok(()),
                }
            }
            Ccm::Vbcm(types) => {
                f.write_str("vbcm")?;
                for t in types.iter() {
                    write!(f, " {t}")?;
                }
                Ok(())
            }
            Ccm::Other { token, rest } => {
                f.write_str(token)?;
                write_rest(f, *rest)
            }
        }
    }
}

impl fmt::Display for FbKind<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FbKind::Ack(p) => {
                f.write_str("ack")?;
                match p {
                    AckParam::None => Ok(()),
                    AckParam::Rpsi => f.write_str(" rpsi"),
                    AckParam::App(rest) => {
                        f.write_str(" app")?;
                        write_rest(f, *rest)
                    }
                    AckParam::Other { token, rest } => {
                        write!(f, " {token}")?;
                        write_rest(f, *rest)
                    }
                }
            }
            FbKind::Nack(p) => {
                f.write_str("nack")?;
                match p {
                    NackParam::None => Ok(()),
                    NackParam::Pli => f.write_str(" pli"),
                    NackParam::Sli => f.write_str(" sli"),
                    NackParam::Rpsi => f.write_str(" rpsi"),
                    NackParam::App(rest) => {
                        f.write_str(" app")?;
                        write_rest(f, *rest)
                    }
                    NackParam::Other { token, rest } => {
                        write!(f, " {token}")?;
                        write_rest(f, *rest)
                    }
                }
            }
            FbKind::TrrInt(ms) => write!(f, "trr-int {ms}"),
            FbKind::Ccm(c) => write!(f, "ccm {c}"),
            FbKind::Other { id, param } => {
                f.write_str(id)?;
                write_rest(f, *param)
            }
        }
    }
}

impl fmt::Display for RtcpFb<'_> {
    /// The value of the `a=rtcp-fb:` line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.pt, self.kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdp::{Attr, SdpLine};

    fn fb(value: &str) -> RtcpFb<'_> {
        RtcpFb::parse(value).unwrap_or_else(|e| panic!("{value}: {e}"))
    }

    fn reason(value: &str) -> &'static str {
        match RtcpFb::parse(value) {
            Ok(v) => panic!("{value} parsed as {v:?}"),
            Err(e) => e.reason,
        }
    }

    #[test]
    fn payload_types() {
        assert_eq!(fb("* nack").pt, FbPayloadType::Any);
        assert_eq!(fb("$ nack").pt, FbPayloadType::Choose);
        assert_eq!(fb("96 nack").pt, FbPayloadType::Pt(96));
        assert_eq!(fb("0 nack").pt, FbPayloadType::Pt(0));
        for bad in [
            "128 nack",
            "x nack",
            "-1 nack",
            "+5 nack",
            "** nack",
            "9999 nack",
        ] {
            assert!(reason(bad).contains("payload type"), "{bad}");
        }
        assert!(FbPayloadType::Any.covers(5));
        assert!(FbPayloadType::Pt(5).covers(5));
        assert!(!FbPayloadType::Pt(5).covers(6));
        assert!(!FbPayloadType::Choose.covers(5));
    }

    #[test]
    fn ack_and_nack() {
        assert_eq!(fb("96 ack").kind, FbKind::Ack(AckParam::None));
        assert_eq!(fb("96 ack rpsi").kind, FbKind::Ack(AckParam::Rpsi));
        assert_eq!(fb("96 ack app").kind, FbKind::Ack(AckParam::App(None)));
        assert_eq!(
            fb("96 ack app foo bar").kind,
            FbKind::Ack(AckParam::App(Some("foo bar")))
        );
        assert_eq!(
            fb("96 ack pli").kind,
            FbKind::Ack(AckParam::Other {
                token: "pli",
                rest: None
            }),
            "pli is a nack parameter, an unknown token for ack"
        );
        assert_eq!(fb("96 nack").kind, FbKind::Nack(NackParam::None));
        assert_eq!(fb("96 nack pli").kind, FbKind::Nack(NackParam::Pli));
        assert_eq!(fb("96 nack sli").kind, FbKind::Nack(NackParam::Sli));
        assert_eq!(fb("96 nack rpsi").kind, FbKind::Nack(NackParam::Rpsi));
        assert_eq!(
            fb("96 nack app x").kind,
            FbKind::Nack(NackParam::App(Some("x")))
        );
        assert_eq!(
            fb("96 nack rai").kind,
            FbKind::Nack(NackParam::Other {
                token: "rai",
                rest: None
            })
        );
        assert_eq!(
            fb("96 nack pli extra").kind,
            FbKind::Nack(NackParam::Other {
                token: "pli",
                rest: Some("extra")
            }),
            "`pli` takes nothing, so `pli extra` is the token form"
        );
        assert_eq!(fb("96 NACK PLI").kind, FbKind::Nack(NackParam::Pli));
        assert!(reason("96 nack \"x\"").contains("not a token"));
        assert!(reason("96 ack \"x\"").contains("not a token"));
    }

    #[test]
    fn trr_int() {
        assert_eq!(fb("* trr-int 100").kind, FbKind::TrrInt(Choice::Value(100)));
        assert_eq!(fb("* trr-int $").kind, FbKind::TrrInt(Choice::Choose));
        assert!(reason("* trr-int").contains("trr-int"));
        assert!(reason("* trr-int 1 2").contains("exactly one"));
        assert!(reason("* trr-int 1.5").contains("not a number"));
        assert!(reason("* trr-int 99999999999999999999999").contains("not a number"));
    }

    #[test]
    fn ccm_parameters() {
        assert_eq!(fb("96 ccm fir").ccm(), Some(Ccm::Fir));
        assert_eq!(fb("96 ccm tstr").ccm(), Some(Ccm::Tstr));
        assert_eq!(fb("96 ccm tmmbr").ccm(), Some(Ccm::Tmmbr { smaxpr: None }));
        assert_eq!(
            fb("* ccm tmmbr smaxpr=120").ccm(),
            Some(Ccm::Tmmbr {
                smaxpr: Some(Choice::Value(120))
            })
        );
        assert_eq!(
            fb("* ccm tmmbr smaxpr=$").ccm(),
            Some(Ccm::Tmmbr {
                smaxpr: Some(Choice::Choose)
            })
        );
        assert_eq!(
            fb("* ccm tmmbr smaxpr=999999999999999").ccm(),
            Some(Ccm::Tmmbr {
                smaxpr: Some(Choice::Value(999_999_999_999_999))
            })
        );
        let vbcm = fb("96 ccm vbcm 1 2").ccm().unwrap();
        assert_eq!(vbcm.vbcm_sub_types().collect::<Vec<_>>(), [1, 2]);
        assert_eq!(vbcm, Ccm::Vbcm(Tokens::new("1 2")));
        assert_eq!(
            fb("96 ccm vbcm").ccm(),
            Some(Ccm::Vbcm(Tokens::new(""))),
            "the ABNF admits an empty list; check() refuses it"
        );
        assert_eq!(
            fb("96 ccm pause config=2").ccm(),
            Some(Ccm::Other {
                token: "pause",
                rest: Some("config=2")
            })
        );
        assert_eq!(fb("96 CCM FIR").ccm(), Some(Ccm::Fir));
        assert_eq!(fb("96 nack").ccm(), None);

        assert!(reason("96 ccm").contains("needs a parameter"));
        assert!(reason("96 ccm fir 1").contains("`ccm fir` takes no value"));
        assert!(reason("96 ccm tstr x").contains("`ccm tstr` takes no value"));
        assert!(reason("96 ccm tmmbr smaxpr=x").contains("smaxpr is not a number"));
        assert!(reason("96 ccm tmmbr smaxpr=").contains("smaxpr is not a number"));
        assert!(reason("96 ccm tmmbr smaxpr=1234567890123456").contains("up to 15 digits"));
        assert!(reason("96 ccm tmmbr maxpr=1").contains("only `smaxpr="));
        assert!(reason("96 ccm tmmbr smaxpr=1 x").contains("only `smaxpr="));
        assert!(reason("96 ccm vbcm a").contains("vbcm sub-message type"));
        assert!(reason("96 ccm vbcm 123456789").contains("up to 8 digits"));
        assert!(reason("96 ccm \"x\"").contains("not a token"));
    }

    #[test]
    fn unknown_feedback_types_are_kept() {
        assert_eq!(
            fb("96 goog-remb").kind,
            FbKind::Other {
                id: "goog-remb",
                param: None
            }
        );
        assert_eq!(
            fb("96 3gpp-roi-arbitrary").kind,
            FbKind::Other {
                id: "3gpp-roi-arbitrary",
                param: None
            }
        );
        assert_eq!(
            fb("* x_y a b  c").kind,
            FbKind::Other {
                id: "x_y",
                param: Some("a b  c")
            }
        );
        assert!(reason("96 a.b").contains("feedback type"));
        assert!(reason("96").contains("needs a payload type"));
        assert!(reason("").contains("needs a payload type"));
        assert!(reason("   ").contains("needs a payload type"));
    }

    #[test]
    fn check_rules() {
        assert_eq!(fb("96 ccm vbcm 1").check(), Ok(()));
        assert!(fb("96 ccm vbcm")
            .check()
            .unwrap_err()
            .reason
            .contains("vbcm` needs at least one"));
        assert!(fb("96 ccm foo")
            .check()
            .unwrap_err()
            .reason
            .contains("unknown `ccm` parameter"));
        assert_eq!(fb("96 ccm pause").check(), Ok(()));
        assert_eq!(fb("96 goog-remb").check(), Ok(()), "only ccm is closed");
        assert_eq!(fb("96 nack foo").check(), Ok(()));
    }

    #[test]
    fn payload_type_among_formats() {
        let formats = Tokens::new("96 97");
        assert_eq!(fb("96 ccm fir").check_formats(formats), Ok(()));
        assert_eq!(fb("* ccm fir").check_formats(formats), Ok(()));
        assert_eq!(fb("$ ccm fir").check_formats(formats), Ok(()));
        assert!(fb("98 ccm fir")
            .check_formats(formats)
            .unwrap_err()
            .reason
            .contains("not one of the m= line's formats"));
        assert_eq!(
            fb("98 ccm fir").check_formats(Tokens::new("96 $")),
            Ok(()),
            "the MG chooses the formats"
        );
        assert!(fb("5 nack").check_formats(Tokens::new("05")).is_ok());
    }

    #[test]
    fn canonical_forms_round_trip() {
        for value in [
            "* nack",
            "96 nack pli",
            "96 nack sli",
            "96 nack rpsi",
            "96 nack app",
            "96 nack app foo bar",
            "96 nack rai",
            "96 ack",
            "96 ack rpsi",
            "96 ack app x",
            "96 ack foo bar",
            "* trr-int 100",
            "$ trr-int $",
            "96 ccm fir",
            "96 ccm tmmbr",
            "* ccm tmmbr smaxpr=120",
            "96 ccm tstr",
            "96 ccm vbcm 1 2",
            "96 ccm pause config=2",
            "96 goog-remb",
            "96 transport-cc",
        ] {
            let line = SdpLine::new('a', format!("rtcp-fb:{value}"));
            let attr = Attr::from_line(&line).unwrap();
            assert!(matches!(attr, Attr::RtcpFb(_)), "{value}");
            assert_eq!(attr.to_line(), line, "{value}");
        }
        // Non-canonical spellings read the same and write canonically.
        assert_eq!(
            fb("96  CCM   Tmmbr  SMAXPR=5 ").to_string(),
            "96 ccm tmmbr smaxpr=5"
        );
        assert_eq!(fb("96 ccm vbcm  1   2").to_string(), "96 ccm vbcm 1 2");
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn pt() -> impl Strategy<Value = String> {
            prop_oneof![
                Just("*".to_string()),
                Just("$".to_string()),
                (0u8..=127).prop_map(|p| p.to_string()),
            ]
        }

        fn token() -> impl Strategy<Value = String> {
            "[a-z0-9][a-z0-9_.-]{0,8}"
        }

        fn byte_string() -> impl Strategy<Value = String> {
            "[!-~]{1,6}( [!-~]{1,6}){0,2}"
        }

        fn opt_rest() -> impl Strategy<Value = String> {
            proptest::option::of(byte_string())
                .prop_map(|r| r.map(|r| format!(" {r}")).unwrap_or_default())
        }

        /// Canonical `rtcp-fb` values of every form.
        fn value() -> impl Strategy<Value = String> {
            let reserved = |t: &String| {
                !["pli", "sli", "rpsi", "app", "fir", "tstr", "tmmbr", "vbcm"].contains(&t.as_str())
            };
            let fbv = prop_oneof![
                Just("nack".to_string()),
                Just("nack pli".to_string()),
                Just("nack sli".to_string()),
                Just("nack rpsi".to_string()),
                opt_rest().prop_map(|r| format!("nack app{r}")),
                (token().prop_filter("reserved", reserved), opt_rest())
                    .prop_map(|(t, r)| format!("nack {t}{r}")),
                Just("ack".to_string()),
                Just("ack rpsi".to_string()),
                opt_rest().prop_map(|r| format!("ack app{r}")),
                (token().prop_filter("reserved", reserved), opt_rest())
                    .prop_map(|(t, r)| format!("ack {t}{r}")),
                prop_oneof![any::<u64>().prop_map(|n| n.to_string()), Just("$".into())]
                    .prop_map(|n| format!("trr-int {n}")),
                Just("ccm fir".to_string()),
                Just("ccm tstr".to_string()),
                proptest::option::of(prop_oneof![
                    "[0-9]{1,15}"
                        .prop_map(|n| n.trim_start_matches('0').to_string())
                        .prop_map(|n| if n.is_empty() { "0".to_string() } else { n }),
                    Just("$".to_string())
                ])
                .prop_map(|s| match s {
                    Some(s) => format!("ccm tmmbr smaxpr={s}"),
                    None => "ccm tmmbr".to_string(),
                }),
                proptest::collection::vec("[0-9]{1,8}", 1..4)
                    .prop_map(|v| format!("ccm vbcm {}", v.join(" "))),
                (token().prop_filter("reserved", reserved), opt_rest())
                    .prop_map(|(t, r)| format!("ccm {t}{r}")),
                ("[a-z0-9][a-z0-9_-]{0,10}", opt_rest())
                    .prop_filter("known ids", |(id, _)| {
                        !["ack", "nack", "trr-int", "ccm"].contains(&id.as_str())
                    })
                    .prop_map(|(id, r)| format!("{id}{r}")),
            ];
            (pt(), fbv).prop_map(|(p, v)| format!("{p} {v}"))
        }

        proptest! {
            #[test]
            fn generated_attributes_round_trip(v in value()) {
                let line = SdpLine::new('a', format!("rtcp-fb:{v}"));
                let attr = Attr::from_line(&line);
                prop_assert!(matches!(attr, Ok(Attr::RtcpFb(_))), "{v}: {attr:?}");
                let attr = attr.unwrap();
                prop_assert_eq!(attr.to_line(), line.clone());
                let again = attr.to_line();
                prop_assert_eq!(Attr::from_line(&again).unwrap(), attr);
            }

            #[test]
            fn any_value_never_panics(v in "\\PC{0,40}") {
                if let Ok(fb) = RtcpFb::parse(&v) {
                    let _ = fb.check();
                    let text = fb.to_string();
                    // What parsed writes back to something that parses the same.
                    prop_assert_eq!(RtcpFb::parse(&text), Ok(fb));
                }
            }
        }
    }
}
