//! SDP (RFC 4566) as H.248 carries it in Local and Remote descriptors
//! (H.248.1 clause 7.1.8 and Annex C.11).
//!
//! A descriptor holds one or more alternative session descriptions, each
//! starting with a `v=` line. Each description is kept as its lines, in
//! order and byte for byte (so that it re-encodes exactly, trailing white
//! space included); [`SdpLine::field`] gives the typed, structured view of a
//! line (see [`field`]), with the H.248 values `$` (CHOOSE: the MG fills it
//! in) and `-` (unspecified) recognised.
//!
//! Beyond RFC 4566: the RTCP feedback attribute with the Codec Control
//! Messages ([`rtcp_fb`], RFC 4585 / RFC 5104), the negotiation of those
//! messages ([`ccm`], RFC 5104 clause 7.3 and TS 23.334 clause 6.2.24), and
//! the DTLS-SRTP attributes and transports of WebRTC ([`dtls`], RFC 8122,
//! RFC 4145 / RFC 5763, RFC 8842).

pub mod attribute;
pub mod ccm;
pub mod dtls;
pub mod field;
pub mod rtcp_fb;

use std::fmt;

use compact_str::ToCompactString;
use serde::{Deserialize, Serialize};

use crate::model::{SmallList, Text};
pub use attribute::{Attr, Choice, Direction, Fmtp, Rtcp, RtcpAddress, RtpMap};
pub use ccm::{CcmCapabilities, CcmMessage, CcmNegotiation, CcmSupport};
pub use dtls::{
    DtlsParams, DtlsRole, Fingerprint, HashFunction, MediaTransport, Setup, SetupRole, TlsId,
};
pub use field::{FieldError, SdpField, SdpValue, Tokens};
pub use rtcp_fb::{AckParam, Ccm, FbKind, FbPayloadType, NackParam, RtcpFb};

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

    /// The line that carries `field`, its value written as RFC 4566 spells
    /// it. For a canonical line (single spaces between fields),
    /// `SdpLine::from_field(&line.field()?) == line`.
    pub fn from_field(field: &SdpField<'_>) -> SdpLine {
        SdpLine {
            kind: field.kind(),
            value: field.to_compact_string(),
        }
    }
}

impl fmt::Display for SdpLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.kind, self.value)
    }
}

/// The most lines [`SessionDescription::parse_groups`] makes room for up
/// front.
const FIRST_LINES_CAPACITY_MAX: usize = 16;

impl SessionDescription {
    /// Reads the SDP text of one Local or Remote descriptor (already
    /// unescaped) into its alternative session descriptions.
    ///
    /// Lines end with CRLF, LF or CR. White space before a line's type
    /// letter and empty lines are skipped; everything after the `=` is kept.
    /// A new `v=` line starts a new alternative. At most `max_lines` lines are
    /// accepted. NUL, like CR and LF, may not appear in a value (RFC 4566
    /// clause 5).
    pub fn parse_groups(
        text: &str,
        max_lines: usize,
    ) -> Result<SmallList<SessionDescription>, SdpError> {
        let mut groups: SmallList<SessionDescription> = SmallList::new();
        let mut count = 0usize;
        let bytes = text.as_bytes();
        // The first description's line list is made as long as the lines
        // there can be (each ends with LF but the last; lines ended by a
        // lone CR are not counted), within a bound: it grows past that, as
        // the lists of any alternatives do.
        let first_capacity = (memchr::memchr_iter(b'\n', bytes).count() + 1)
            .min(max_lines)
            .min(FIRST_LINES_CAPACITY_MAX);
        let mut pos = 0usize;
        while pos < bytes.len() {
            let start_offset = pos;
            let rest = &bytes[pos..];
            // One search finds the end of the line or, first, a NUL in it.
            let (len, has_nul) = match memchr::memchr3(b'\n', b'\r', 0, rest) {
                Some(nul) if rest[nul] == 0 => {
                    let end = memchr::memchr2(b'\n', b'\r', &rest[nul..]);
                    (end.map_or(rest.len(), |n| nul + n), true)
                }
                Some(end) => (end, false),
                None => (rest.len(), false),
            };
            let raw = &rest[..len];
            pos += len;
            if pos < bytes.len() {
                pos += if bytes[pos] == b'\r' && bytes.get(pos + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
            }
            let indent = raw.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
            let offset = start_offset + indent;
            // After the indent, a line of white space alone is empty.
            let kind = match raw.get(indent) {
                None => continue,
                Some(&b) if b.is_ascii_alphabetic() => char::from(b),
                Some(_) => {
                    return Err(SdpError {
                        offset,
                        reason: "expected an SDP line `<letter>=<value>`",
                    })
                }
            };
            if raw.get(indent + 1) != Some(&b'=') {
                return Err(SdpError {
                    offset,
                    reason: "expected `=` after the SDP type letter",
                });
            }
            // The indent, the letter and `=` hold no NUL: it is in the value.
            if has_nul {
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
                value: Text::from(&text[offset + 2..start_offset + len]),
            };
            match groups.last_mut() {
                Some(group) if kind != 'v' => group.lines.push(sdp_line),
                _ => {
                    let capacity = if groups.is_empty() { first_capacity } else { 1 };
                    let mut lines = Vec::with_capacity(capacity);
                    lines.push(sdp_line);
                    groups.push(SessionDescription { lines });
                }
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

    /// Appends the line that carries a typed field.
    pub fn push_field(&mut self, field: &SdpField<'_>) -> &mut Self {
        self.lines.push(SdpLine::from_field(field));
        self
    }

    /// The typed view of each line, in order.
    pub fn fields(&self) -> impl Iterator<Item = Result<SdpField<'_>, FieldError>> {
        self.lines.iter().map(SdpLine::field)
    }

    /// The typed common attributes (`a=` lines) of the given lines, e.g. of
    /// [`Self::session_lines`] or of one of [`Self::media_sections`].
    pub fn attributes(lines: &[SdpLine]) -> impl Iterator<Item = Result<Attr<'_>, FieldError>> {
        lines.iter().filter(|l| l.kind == 'a').map(Attr::from_line)
    }

    /// Checks the description as H.248 needs it, returning the index of the
    /// first offending line with the reason.
    ///
    /// - the first line is `v=` (RFC 4566 clause 5.1) and no other is;
    /// - every line of a type RFC 4566 defines is well-formed (clause 5),
    ///   and so are the common attributes of [`attribute`], including the
    ///   rules of [`Attr::check`] (`rtcp-fb` and `fingerprint`);
    /// - `a=rtcp-fb` is a media-level attribute whose payload type is `*`,
    ///   `$` or one of the formats of its `m=` line (RFC 4585 clause 4.2).
    ///   Its other rule there, "only in media sessions for which AVPF is
    ///   specified", is not enforced: 3GPP MTSI offers AVPF through SDP
    ///   capability negotiation (RFC 5939 `a=tcap`) on an `RTP/AVP` line;
    /// - `o=` (clause 5.2), if present, comes right after `v=`, then `s=`
    ///   (clause 5.3), if present; each appears at most once, as do `u=` and
    ///   `z=`;
    /// - the session-level-only lines (`o= s= u= e= p= t= r= z=`) do not
    ///   appear inside media sections (clause 5.14), and `r=` follows `t=`
    ///   or `r=` (clause 5.10).
    ///
    /// `o=`, `s=` and `t=` are not required: H.248.1 clause 7.1.8 lets the
    /// MGC omit them in Local and Remote descriptors. Lines of unknown types
    /// are accepted. An empty description is an error at index 0.
    pub fn validate(&self) -> Result<(), (usize, FieldError)> {
        let fail =
            |i: usize, kind: char, reason: &'static str| Err((i, FieldError { kind, reason }));
        match self.lines.first() {
            Some(l) if l.kind == 'v' => {}
            Some(l) => return fail(0, l.kind, "a session description starts with `v=`"),
            None => return fail(0, 'v', "a session description starts with `v=`"),
        }
        let mut in_media = false;
        let mut seen_other = false; // a line other than v= o= s= seen
        let mut seen_s = false;
        let mut seen = [false; 4]; // o u z s
        let mut prev = 'v';
        let mut formats: Option<Tokens<'_>> = None;
        for (i, line) in self.lines.iter().enumerate() {
            let field = line.field().map_err(|e| (i, e))?;
            match field {
                SdpField::Attribute { name, value } => {
                    let attr = Attr::parse(name, value).map_err(|e| (i, e))?;
                    attr.check().map_err(|e| (i, e))?;
                    if let Attr::RtcpFb(fb) = attr {
                        match formats {
                            Some(f) => fb.check_formats(f).map_err(|e| (i, e))?,
                            None => {
                                return fail(
                                    i,
                                    'a',
                                    "`rtcp-fb` is a media-level attribute, after an `m=` line",
                                )
                            }
                        }
                    }
                }
                SdpField::Media { formats: f, .. } => formats = Some(f),
                _ => {}
            }
            let kind = line.kind;
            match kind {
                'v' if i > 0 => return fail(i, kind, "only the first line is `v=`"),
                'v' => {}
                'o' | 's' | 'u' | 'e' | 'p' | 't' | 'r' | 'z' if in_media => {
                    return fail(
                        i,
                        kind,
                        "this line belongs to the session level, before any `m=`",
                    )
                }
                'o' if seen_other || seen_s => return fail(i, kind, "`o=` comes right after `v=`"),
                's' if seen_other => return fail(i, kind, "`s=` comes right after `v=` and `o=`"),
                'r' if prev != 't' && prev != 'r' => {
                    return fail(i, kind, "`r=` follows a `t=` line")
                }
                'm' => in_media = true,
                _ => {}
            }
            let once = match kind {
                'o' => Some(0),
                'u' => Some(1),
                'z' => Some(2),
                's' => Some(3),
                _ => None,
            };
            if let Some(slot) = once {
                if std::mem::replace(&mut seen[slot], true) {
                    return fail(i, kind, "this line appears at most once");
                }
            }
            match kind {
                'v' | 'o' => {}
                's' => seen_s = true,
                _ => seen_other = true,
            }
            prev = kind;
        }
        Ok(())
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

    #[test]
    fn nul_is_refused_where_the_line_would_otherwise_be_read() {
        let err = SessionDescription::parse_groups("v=0\r\n  a=x\0y\r\nm=", 10).unwrap_err();
        assert_eq!((err.offset, err.reason), (7, "NUL is not allowed in SDP"));
        // Before the type letter or `=`, the line is malformed first.
        let err = SessionDescription::parse_groups("v=0\n\0=x\n", 10).unwrap_err();
        assert_eq!(
            (err.offset, err.reason),
            (4, "expected an SDP line `<letter>=<value>`")
        );
        let err = SessionDescription::parse_groups("v=0\na\0x\n", 10).unwrap_err();
        assert_eq!(
            (err.offset, err.reason),
            (4, "expected `=` after the SDP type letter")
        );
        // Lines keep their exact values, up to a lone CR too.
        let groups = SessionDescription::parse_groups(" \t\nv=0 \ra=b\n", 10).unwrap();
        assert_eq!(
            groups[0].lines,
            [SdpLine::new('v', "0 "), SdpLine::new('a', "b")]
        );
    }

    fn one(text: &str) -> SessionDescription {
        let mut groups = SessionDescription::parse_groups(text, 100).unwrap();
        assert_eq!(groups.len(), 1);
        groups.remove(0)
    }

    #[test]
    fn typed_fields_of_h248_local_descriptor() {
        let sd = one(
            "v=0\no=- 2890844526 2890842807 IN IP4 $\ns=-\nc=IN IP4 $\nb=AS:64\nt=0 0\n\
             m=audio $ RTP/AVP 0 8 18 101\na=rtpmap:101 telephone-event/8000\n\
             a=fmtp:101 0-15\na=ptime:20\na=sendrecv\n",
        );
        assert_eq!(sd.validate(), Ok(()));
        let fields: Vec<_> = sd.fields().collect::<Result<_, _>>().unwrap();
        assert_eq!(fields[0], SdpField::Version(0));
        assert!(matches!(
            fields[3],
            SdpField::Connection {
                address: SdpValue::Choose,
                ..
            }
        ));
        let media = sd.media_sections().next().unwrap();
        let attrs: Vec<_> = SessionDescription::attributes(media)
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(attrs.len(), 4);
        assert_eq!(attrs[2], Attr::Ptime(20));
        assert_eq!(attrs[3], Attr::Direction(Direction::SendRecv));
        // Building the same description from its typed fields gives the same lines.
        let mut built = SessionDescription::default();
        for f in &fields {
            built.push_field(f);
        }
        assert_eq!(built, sd);
    }

    #[test]
    fn validate_is_tolerant_as_h248_is() {
        // o=, s= and t= may be omitted (H.248.1 clause 7.1.8).
        assert_eq!(
            one("v=0\nc=IN IP6 2001:db8::1\nm=audio $ RTP/AVP 0\n").validate(),
            Ok(())
        );
        assert_eq!(
            one("v=0\nm=video 49170/2 RTP/AVP 31\nc=IN IP4 224.2.1.1/127/3\n").validate(),
            Ok(())
        );
        assert_eq!(one("v=0\nx=unknown\n").validate(), Ok(()));
        assert_eq!(one("v=0\ns=-\nt=0 0\nr=7d 1h 0 25h\n").validate(), Ok(()));
    }

    #[test]
    fn validate_rejects_with_line_index() {
        let check = |text: &str, index: usize, kind: char| {
            let (i, e) = one(text).validate().unwrap_err();
            assert_eq!((i, e.kind), (index, kind), "{text}: {e}");
        };
        check("c=IN IP4 $\n", 0, 'c');
        check("v=x\n", 0, 'v');
        check("v=0\nc=IN IP4\n", 1, 'c');
        check("v=0\nm=audio $ RTP/AVP 0\nb=AS:x\n", 2, 'b');
        check("v=0\nm=audio $ RTP/AVP 0\na=rtpmap:0 PCMU\n", 2, 'a');
        check("v=0\nm=audio $ RTP/AVP 0\nt=0 0\n", 2, 't');
        check("v=0\nm=audio $ RTP/AVP 0\no=- 1 1 IN IP4 $\n", 2, 'o');
        check("v=0\nc=IN IP4 $\no=- 1 1 IN IP4 $\n", 2, 'o');
        check("v=0\ns=-\no=- 1 1 IN IP4 $\n", 2, 'o');
        check("v=0\nc=IN IP4 $\ns=-\n", 2, 's');
        check("v=0\ns=-\ns=-\n", 2, 's');
        check("v=0\nr=7d 1h 0\n", 1, 'r');
        assert_eq!(SessionDescription::default().validate().unwrap_err().0, 0);
        let mut two_v = one("v=0\n");
        two_v.push('v', "0");
        assert_eq!(two_v.validate().unwrap_err().0, 1);
    }

    #[test]
    fn validate_checks_feedback_and_dtls_attributes() {
        let fp = "a=fingerprint:sha-256 D1:2C:BE:AD:C4:F6:64:5C:25:16:11:9C:AF:E7:0F:73:\
                  79:36:4E:9C:1E:15:54:39:0C:06:8B:56:96:97:9B:C5\n";
        let good = format!(
            "v=0\nc=IN IP4 $\n{fp}m=video $ UDP/TLS/RTP/SAVPF 96 97\n\
             a=rtcp-fb:96 ccm fir\na=rtcp-fb:* ccm tmmbr smaxpr=$\na=rtcp-fb:97 nack pli\n\
             a=rtcp-fb:* trr-int 100\na=rtcp-fb:96 ccm vbcm 1 2\na=rtcp-fb:$ goog-remb\n\
             a=setup:actpass\na=tls-id:abcdefghijklmnopqrstuvwxyz\n\
             m=video $ RTP/AVPF $\na=rtcp-fb:100 ccm fir\n"
        );
        assert_eq!(one(&good).validate(), Ok(()));
        let check = |text: &str, index: usize, reason: &str| {
            let (i, e) = one(text).validate().unwrap_err();
            assert_eq!(i, index, "{text}: {e}");
            assert!(e.reason.contains(reason), "{text}: {e}");
        };
        let m = "v=0\nm=video $ RTP/AVPF 96\n";
        check(
            &format!("{m}a=rtcp-fb:98 ccm fir\n"),
            2,
            "not one of the m= line's formats",
        );
        check(
            &format!("{m}a=rtcp-fb:96 ccm vbcm\n"),
            2,
            "at least one H.271 sub-message type",
        );
        check(
            &format!("{m}a=rtcp-fb:96 ccm foo\n"),
            2,
            "unknown `ccm` parameter",
        );
        check(
            &format!("{m}a=rtcp-fb:96 ccm tmmbr smaxpr=fast\n"),
            2,
            "smaxpr is not a number",
        );
        check(&format!("{m}a=rtcp-fb:96\n"), 2, "needs a payload type");
        check(
            "v=0\na=rtcp-fb:* ccm fir\nm=video $ RTP/AVPF 96\n",
            1,
            "media-level",
        );
        check(
            &format!("{m}a=fingerprint:sha-256 AB:CD\n"),
            2,
            "does not match the hash",
        );
        check(
            &format!("{m}a=fingerprint:sha-256 ab:cd\n"),
            2,
            "upper case",
        );
        check(
            &format!("{m}a=fingerprint:blake AB:CD\n"),
            2,
            "unknown hash function",
        );
        check(&format!("{m}a=setup:client\n"), 2, "actpass");
        check(&format!("{m}a=tls-id:short\n"), 2, "20 to 255");
    }

    #[test]
    fn from_field_builds_lines() {
        let mut sd = SessionDescription::default();
        sd.push_field(&SdpField::Version(0))
            .push_field(&SdpField::Connection {
                nettype: "IN",
                addrtype: "IP4",
                address: SdpValue::Choose,
                ttl: None,
                count: None,
            })
            .push_field(&SdpField::Media {
                media: "audio",
                port: SdpValue::Choose,
                port_count: None,
                proto: "RTP/AVP",
                formats: Tokens::new("0 8"),
            });
        sd.lines.push(Attr::Ptime(20).to_line());
        let text: Vec<String> = sd.lines.iter().map(|l| l.to_string()).collect();
        assert_eq!(
            text,
            ["v=0", "c=IN IP4 $", "m=audio $ RTP/AVP 0 8", "a=ptime:20"]
        );
        assert_eq!(sd.validate(), Ok(()));
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        /// SDP-like text built from the attribute names and values this
        /// layer types, in any order and shape.
        fn sdp_text() -> impl Strategy<Value = String> {
            let line = prop_oneof![
                Just("v=0".to_string()),
                "m=(audio|video) (\\$|[0-9]{1,5}) (RTP/AVPF|UDP/TLS/RTP/SAVPF|x) [0-9$ ]{0,12}",
                "a=rtcp-fb:[*$0-9]{0,4} (ccm|nack|ack|trr-int|x)? ?[a-z0-9= $]{0,16}",
                "a=fingerprint:[a-z0-9$-]{0,8} ?[0-9A-Fa-f:$]{0,20}",
                "a=setup:[a-z$]{0,9}",
                "a=tls-id:[A-Za-z0-9+/_$.-]{0,30}",
                "[a-z]=\\PC{0,20}",
            ];
            proptest::collection::vec(line, 0..12).prop_map(|l| l.join("\n"))
        }

        proptest! {
            #[test]
            fn typed_layer_never_panics(text in sdp_text()) {
                let Ok(groups) = SessionDescription::parse_groups(&text, 100) else {
                    return Ok(());
                };
                let caps = ccm::CcmCapabilities {
                    vbcm: ccm::CcmSupport::BOTH,
                    vbcm_sub_types: vec![1, 2],
                    ..ccm::CcmCapabilities::fir_and_tmmbr()
                };
                for sd in &groups {
                    let valid = sd.validate().is_ok();
                    for i in 0..3 {
                        if let Ok(Some(p)) = dtls::DtlsParams::read(sd, i) {
                            let _ = p.check_complete();
                        }
                    }
                    let sections: Vec<&[SdpLine]> = sd.media_sections().collect();
                    for s in &sections {
                        let answered = ccm::answer_offer(s, &caps);
                        if valid {
                            // A valid description has no malformed line.
                            prop_assert!(answered.is_ok(), "{answered:?}");
                        }
                        if let Ok(n) = answered {
                            let _ = n.answer_lines();
                        }
                    }
                    if let (Some(a), Some(b)) = (sections.first(), sections.last()) {
                        let _ = ccm::apply_instruction(a, b, &caps);
                    }
                }
            }
        }
    }
}
