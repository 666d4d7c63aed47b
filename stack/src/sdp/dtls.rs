//! The DTLS-SRTP items of SDP that the Iq profile carries for WebRTC and
//! end-to-access-edge security (TS 23.334 clauses 5.20, 6.2.10): the
//! certificate fingerprint (RFC 8122), the connection role (`a=setup`, RFC
//! 4145, with the DTLS use of RFC 5763), the DTLS association identifier
//! (`a=tls-id`, RFC 8842) and the DTLS transport protocols of the `m=` line.
//!
//! TS 23.334 names the stage-2 information elements (Remote certificate
//! fingerprint, Local certificate fingerprint Request, Establish (D)TLS
//! session); how TS 29.334 codes them in H.248 was not available
//! (`../shared/spec/3gpp-profiles.md` section 6). The SDP attributes in
//! Local / Remote are their natural carriers, and `$` (H.248.1 clause
//! 7.1.8, the MG chooses) is accepted where the MGC asks the MG for a
//! value: `a=fingerprint:$` or `a=fingerprint:sha-256 $` (the MG's own
//! certificate fingerprint), `a=setup:$`, `a=tls-id:$`.

use std::fmt;

use super::attribute::Choice;
use super::field::FieldError;

fn err(reason: &'static str) -> FieldError {
    FieldError { kind: 'a', reason }
}

/// A hash function of the IANA "Hash Function Textual Names" registry that
/// RFC 8122 clause 5 lists for `a=fingerprint` (the names of RFC 3279).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashFunction<'a> {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
    Md5,
    Md2,
    /// A name outside that list, as written (the grammar admits any token;
    /// [`Fingerprint::check`] refuses it).
    Other(&'a str),
}

impl<'a> HashFunction<'a> {
    const KNOWN: [HashFunction<'static>; 7] = [
        HashFunction::Sha1,
        HashFunction::Sha224,
        HashFunction::Sha256,
        HashFunction::Sha384,
        HashFunction::Sha512,
        HashFunction::Md5,
        HashFunction::Md2,
    ];

    /// The hash function named `name` (ASCII case-insensitive, as ABNF
    /// literals are).
    pub fn parse(name: &'a str) -> Self {
        Self::KNOWN
            .into_iter()
            .find(|h| h.name().eq_ignore_ascii_case(name))
            .unwrap_or(HashFunction::Other(name))
    }

    /// The registry name, lower case.
    pub fn name(&self) -> &'a str {
        match self {
            HashFunction::Sha1 => "sha-1",
            HashFunction::Sha224 => "sha-224",
            HashFunction::Sha256 => "sha-256",
            HashFunction::Sha384 => "sha-384",
            HashFunction::Sha512 => "sha-512",
            HashFunction::Md5 => "md5",
            HashFunction::Md2 => "md2",
            HashFunction::Other(n) => n,
        }
    }

    /// The length of the digest in bytes; `None` for an unknown function.
    pub fn digest_len(&self) -> Option<usize> {
        match self {
            HashFunction::Sha1 => Some(20),
            HashFunction::Sha224 => Some(28),
            HashFunction::Sha256 => Some(32),
            HashFunction::Sha384 => Some(48),
            HashFunction::Sha512 => Some(64),
            HashFunction::Md5 | HashFunction::Md2 => Some(16),
            HashFunction::Other(_) => None,
        }
    }
}

impl fmt::Display for HashFunction<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `a=fingerprint:<hash-func> <fingerprint>` (RFC 8122 clause 5):
///
/// ```text
/// fingerprint-attribute = "fingerprint" ":" hash-func SP fingerprint
/// hash-func   = "sha-1" / "sha-224" / "sha-256" / "sha-384" / "sha-512"
///             / "md5" / "md2" / token
/// fingerprint = 2UHEX *(":" 2UHEX)    ; upper-case hex bytes, `:` between
/// ```
///
/// Either part may be `$` (the MG fills in its own certificate's
/// fingerprint), and `a=fingerprint:$` leaves both to the MG.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint<'a> {
    pub hash: Choice<HashFunction<'a>>,
    /// The hex bytes as written (`AB:CD:...`), checked against the grammar.
    pub fingerprint: Choice<&'a str>,
}

impl<'a> Fingerprint<'a> {
    pub const NAME: &'static str = "fingerprint";

    /// Reads the value of an `a=fingerprint:` line.
    pub fn parse(value: &'a str) -> Result<Self, FieldError> {
        let mut it = value.split_ascii_whitespace();
        let (hash, fingerprint) = match (it.next(), it.next(), it.next()) {
            (Some("$"), None, _) => {
                return Ok(Fingerprint {
                    hash: Choice::Choose,
                    fingerprint: Choice::Choose,
                })
            }
            (Some(h), Some(fp), None) => (h, fp),
            _ => {
                return Err(err(
                    "`fingerprint` needs `<hash function> <fingerprint>` (RFC 8122 clause 5)",
                ))
            }
        };
        let hash = match hash {
            "$" => Choice::Choose,
            h if h.bytes().all(|b| b.is_ascii_graphic()) => Choice::Value(HashFunction::parse(h)),
            _ => return Err(err("`fingerprint`: the hash function is not a token")),
        };
        let fingerprint = if fingerprint == "$" {
            Choice::Choose
        } else {
            check_hex_pairs(fingerprint)?;
            Choice::Value(fingerprint)
        };
        Ok(Fingerprint { hash, fingerprint })
    }

    /// The number of bytes of the fingerprint, `None` for `$`.
    pub fn byte_count(&self) -> Option<usize> {
        self.fingerprint.value().map(|f| f.len().div_ceil(3))
    }

    /// The bytes of the fingerprint, `None` for `$`.
    pub fn bytes(&self) -> Option<Vec<u8>> {
        self.fingerprint.value().map(|f| {
            f.split(':')
                .filter_map(|pair| u8::from_str_radix(pair, 16).ok())
                .collect()
        })
    }

    /// The fingerprint text of a digest, as RFC 8122 clause 5 writes it
    /// (upper-case hex bytes separated by `:`), for the gateway's own
    /// `a=fingerprint:<hash> <text>`; empty for no bytes.
    pub fn hex(digest: &[u8]) -> String {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        let mut out = String::with_capacity(digest.len() * 3);
        for (i, b) in digest.iter().enumerate() {
            if i > 0 {
                out.push(':');
            }
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
        out
    }

    /// The hash function is one RFC 8122 clause 5 lists, and the number of
    /// bytes is that function's digest length (a fingerprint is the digest
    /// of the certificate, RFC 8122 clause 5).
    pub fn check(&self) -> Result<(), FieldError> {
        let Choice::Value(hash) = self.hash else {
            return Ok(());
        };
        let Some(expected) = hash.digest_len() else {
            return Err(err(
                "`fingerprint`: unknown hash function (RFC 8122: sha-1, sha-224, sha-256, \
                 sha-384, sha-512, md5, md2)",
            ));
        };
        match self.byte_count() {
            Some(n) if n != expected => Err(err(
                "`fingerprint`: the number of bytes does not match the hash function's digest",
            )),
            _ => Ok(()),
        }
    }
}

/// `2UHEX *(":" 2UHEX)` with `UHEX = DIGIT / %x41-46` (RFC 8122 clause 5).
fn check_hex_pairs(s: &str) -> Result<(), FieldError> {
    for pair in s.split(':') {
        let b = pair.as_bytes();
        if b.len() != 2 || !b.iter().all(u8::is_ascii_hexdigit) {
            return Err(err(
                "`fingerprint`: the fingerprint is not two-digit hex bytes separated by `:`",
            ));
        }
        if b.iter().any(u8::is_ascii_lowercase) {
            return Err(err(
                "`fingerprint`: the hex digits must be upper case (RFC 8122 clause 5)",
            ));
        }
    }
    Ok(())
}

impl fmt::Display for Fingerprint<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.hash, self.fingerprint) {
            (Choice::Choose, Choice::Choose) => f.write_str("$"),
            (hash, fp) => write!(f, "{hash} {fp}"),
        }
    }
}

/// The connection role of `a=setup:<role>` (RFC 4145 clause 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetupRole {
    /// The endpoint initiates the connection; for DTLS it is the client
    /// (RFC 5763 clause 5).
    Active,
    /// The endpoint accepts the connection; for DTLS the server.
    Passive,
    /// Either; only in an offer (RFC 4145 clause 4.1, RFC 5763 clause 5).
    ActPass,
    /// No connection for now.
    HoldConn,
}

/// Which end of the DTLS handshake an endpoint is (RFC 5763 clause 5: the
/// `active` endpoint is the DTLS client).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DtlsRole {
    Client,
    Server,
}

impl SetupRole {
    const ALL: [SetupRole; 4] = [
        SetupRole::Active,
        SetupRole::Passive,
        SetupRole::ActPass,
        SetupRole::HoldConn,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            SetupRole::Active => "active",
            SetupRole::Passive => "passive",
            SetupRole::ActPass => "actpass",
            SetupRole::HoldConn => "holdconn",
        }
    }

    /// The role named `name` (ASCII case-insensitive).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(name))
    }

    /// Whether `answer` may answer `self` (RFC 4145 clause 4.1): `active` is
    /// answered `passive`, `passive` `active`, `actpass` either, and each
    /// may be answered `holdconn`; `holdconn` only `holdconn`; `actpass` is
    /// never an answer.
    pub fn accepts_answer(&self, answer: SetupRole) -> bool {
        use SetupRole::*;
        matches!(
            (self, answer),
            (Active, Passive) | (Passive, Active) | (ActPass, Active | Passive) | (_, HoldConn)
        )
    }

    /// The answer to an offered role (RFC 4145 clause 4.1, RFC 5763 clause
    /// 5). `prefer` decides an `actpass` offer and must be `Active` or
    /// `Passive`; RFC 5763 recommends `Active` (the handshake then runs in
    /// parallel with the answer). An `active` offer is answered `passive`,
    /// `passive` `active`, `holdconn` `holdconn`.
    pub fn answer(&self, prefer: SetupRole) -> Result<SetupRole, FieldError> {
        Ok(match self {
            SetupRole::Active => SetupRole::Passive,
            SetupRole::Passive => SetupRole::Active,
            SetupRole::HoldConn => SetupRole::HoldConn,
            SetupRole::ActPass => match prefer {
                SetupRole::Active | SetupRole::Passive => prefer,
                _ => {
                    return Err(err(
                        "`setup`: an actpass offer is answered active or passive",
                    ))
                }
            },
        })
    }

    /// Who is the DTLS client once `local` and `remote` roles are known
    /// (after offer and answer): the `active` end (RFC 5763 clause 5). An
    /// `actpass` end takes the role the other end leaves it. `None` when
    /// either holds the connection (`holdconn`); an error when both are
    /// active, both passive or both actpass (no valid offer/answer gives
    /// that).
    ///
    /// In H.248, `local` is the role in the MG's Local descriptor and
    /// `remote` the role in Remote: TS 23.334 has the IMS-ALG add
    /// "Establish (D)TLS session" only when the IMS-AGW is the client.
    pub fn dtls_role(local: SetupRole, remote: SetupRole) -> Result<Option<DtlsRole>, FieldError> {
        use SetupRole::*;
        match (local, remote) {
            (HoldConn, _) | (_, HoldConn) => Ok(None),
            (Active, Passive | ActPass) | (ActPass, Passive) => Ok(Some(DtlsRole::Client)),
            (Passive, Active | ActPass) | (ActPass, Active) => Ok(Some(DtlsRole::Server)),
            _ => Err(err(
                "`setup`: the local and remote roles leave no DTLS client \
                 (both active, both passive or both actpass)",
            )),
        }
    }
}

impl fmt::Display for SetupRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `a=setup:<role>` (RFC 4145 clause 4), or `a=setup:$`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setup(pub Choice<SetupRole>);

impl Setup {
    pub const NAME: &'static str = "setup";

    pub fn parse(value: &str) -> Result<Self, FieldError> {
        match value.trim_matches(|c: char| c.is_ascii_whitespace()) {
            "$" => Ok(Setup(Choice::Choose)),
            v => SetupRole::from_name(v)
                .map(|r| Setup(Choice::Value(r)))
                .ok_or_else(|| {
                    err("`setup` is not active, passive, actpass or holdconn (RFC 4145 clause 4)")
                }),
        }
    }
}

impl fmt::Display for Setup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// `a=tls-id:<tls-id-value>` (RFC 8842 clause 4), or `a=tls-id:$`:
///
/// ```text
/// tls-id-value = 20*255(tls-id-char)
/// tls-id-char  = ALPHA / DIGIT / "+" / "/" / "-" / "_"
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TlsId<'a>(pub Choice<&'a str>);

impl<'a> TlsId<'a> {
    pub const NAME: &'static str = "tls-id";

    pub fn parse(value: &'a str) -> Result<Self, FieldError> {
        let v = value.trim_matches(|c: char| c.is_ascii_whitespace());
        if v == "$" {
            return Ok(TlsId(Choice::Choose));
        }
        if !(20..=255).contains(&v.len()) {
            return Err(err(
                "`tls-id` is 20 to 255 characters long (RFC 8842 clause 4)",
            ));
        }
        if !v
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_'))
        {
            return Err(err(
                "`tls-id` has a character other than letters, digits, `+`, `/`, `-` and `_`",
            ));
        }
        Ok(TlsId(Choice::Value(v)))
    }
}

impl fmt::Display for TlsId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The transport protocol (`<proto>`) of an `m=` line, for the profiles Iq
/// uses (TS 23.334 clauses 5.20, 6.2.10, 6.2.22 and the T.38 flow of
/// `../shared/spec/3gpp-profiles.md` section 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaTransport<'a> {
    /// `RTP/AVP` (RFC 4566 clause 5.14): the core side.
    RtpAvp,
    /// `RTP/AVPF` (RFC 4585 clause 4.1).
    RtpAvpf,
    /// `RTP/SAVP` (RFC 3711): SRTP, e.g. keyed by SDES `a=crypto`.
    RtpSavp,
    /// `RTP/SAVPF` (RFC 5124).
    RtpSavpf,
    /// `UDP/TLS/RTP/SAVP`: DTLS-SRTP (RFC 5764).
    UdpTlsRtpSavp,
    /// `UDP/TLS/RTP/SAVPF`: DTLS-SRTP with feedback (RFC 5764).
    UdpTlsRtpSavpf,
    /// `TCP/DTLS/RTP/SAVP`: DTLS-SRTP over TCP (RFC 7850; TS
    /// 23.334 clause 5.11.2.5).
    TcpDtlsRtpSavp,
    /// `TCP/DTLS/RTP/SAVPF` (RFC 7850).
    TcpDtlsRtpSavpf,
    /// `UDP/DTLS/SCTP`: the WebRTC data channel (RFC 8841; TS
    /// 23.334 clause 6.2.22).
    UdpDtlsSctp,
    /// `TCP/DTLS/SCTP` (RFC 8841).
    TcpDtlsSctp,
    /// `UDP/TLS/UDPTL`: T.38 over DTLS (RFC 7345).
    UdpTlsUdptl,
    /// Any other, as written.
    Other(&'a str),
}

impl<'a> MediaTransport<'a> {
    const KNOWN: [MediaTransport<'static>; 11] = [
        MediaTransport::RtpAvp,
        MediaTransport::RtpAvpf,
        MediaTransport::RtpSavp,
        MediaTransport::RtpSavpf,
        MediaTransport::UdpTlsRtpSavp,
        MediaTransport::UdpTlsRtpSavpf,
        MediaTransport::TcpDtlsRtpSavp,
        MediaTransport::TcpDtlsRtpSavpf,
        MediaTransport::UdpDtlsSctp,
        MediaTransport::TcpDtlsSctp,
        MediaTransport::UdpTlsUdptl,
    ];

    /// The transport named `proto` (ASCII case-insensitive).
    pub fn parse(proto: &'a str) -> Self {
        Self::KNOWN
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(proto))
            .unwrap_or(MediaTransport::Other(proto))
    }

    pub fn as_str(&self) -> &'a str {
        match self {
            MediaTransport::RtpAvp => "RTP/AVP",
            MediaTransport::RtpAvpf => "RTP/AVPF",
            MediaTransport::RtpSavp => "RTP/SAVP",
            MediaTransport::RtpSavpf => "RTP/SAVPF",
            MediaTransport::UdpTlsRtpSavp => "UDP/TLS/RTP/SAVP",
            MediaTransport::UdpTlsRtpSavpf => "UDP/TLS/RTP/SAVPF",
            MediaTransport::TcpDtlsRtpSavp => "TCP/DTLS/RTP/SAVP",
            MediaTransport::TcpDtlsRtpSavpf => "TCP/DTLS/RTP/SAVPF",
            MediaTransport::UdpDtlsSctp => "UDP/DTLS/SCTP",
            MediaTransport::TcpDtlsSctp => "TCP/DTLS/SCTP",
            MediaTransport::UdpTlsUdptl => "UDP/TLS/UDPTL",
            MediaTransport::Other(p) => p,
        }
    }

    /// Whether the media is protected by DTLS, so that the description needs
    /// `a=fingerprint` (RFC 8122 clause 5; RFC 5763 clause 5) and `a=setup`.
    pub fn is_dtls(&self) -> bool {
        use MediaTransport::*;
        matches!(
            self,
            UdpTlsRtpSavp
                | UdpTlsRtpSavpf
                | TcpDtlsRtpSavp
                | TcpDtlsRtpSavpf
                | UdpDtlsSctp
                | TcpDtlsSctp
                | UdpTlsUdptl
        )
    }

    /// Whether the RTP profile is one with RTCP feedback (AVPF, RFC 4585
    /// clause 4.1), where `a=rtcp-fb` and CCM apply.
    pub fn has_feedback(&self) -> bool {
        use MediaTransport::*;
        matches!(self, RtpAvpf | RtpSavpf | UdpTlsRtpSavpf | TcpDtlsRtpSavpf)
    }
}

impl fmt::Display for MediaTransport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The DTLS-SRTP items of one media description, with the session-level
/// attributes it inherits: a session-level `a=fingerprint` applies to every
/// media description that has none of its own (RFC 8122 clause 5), and so
/// do session-level `a=setup` (RFC 4145 clause 4) and `a=tls-id` (RFC 8842
/// clause 4, both session- and media-level).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DtlsParams<'a> {
    pub transport: MediaTransport<'a>,
    /// Every fingerprint that applies (RFC 8122 clause 5 allows several, one
    /// per certificate or hash function).
    pub fingerprints: Vec<Fingerprint<'a>>,
    pub setup: Option<Setup>,
    pub tls_id: Option<TlsId<'a>>,
}

impl<'a> DtlsParams<'a> {
    /// Reads media description `index` (0-based, in the order of
    /// [`super::SessionDescription::media_sections`]) of `sd`; `None` when
    /// there is no such description. Errors give the index of the line in
    /// `sd.lines`.
    pub fn read(
        sd: &'a super::SessionDescription,
        index: usize,
    ) -> Result<Option<Self>, (usize, FieldError)> {
        use super::attribute::Attr;
        use super::field::SdpField;
        let Some(start) = sd
            .lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.kind == 'm')
            .map(|(i, _)| i)
            .nth(index)
        else {
            return Ok(None);
        };
        let end = sd.lines[start + 1..]
            .iter()
            .position(|l| l.kind == 'm')
            .map_or(sd.lines.len(), |n| start + 1 + n);
        let session_end = sd
            .lines
            .iter()
            .position(|l| l.kind == 'm')
            .unwrap_or(sd.lines.len());
        let transport = match sd.lines[start].field().map_err(|e| (start, e))? {
            SdpField::Media { proto, .. } => MediaTransport::parse(proto),
            _ => return Ok(None),
        };
        #[derive(Default)]
        struct Level<'a> {
            fingerprints: Vec<Fingerprint<'a>>,
            setup: Option<Setup>,
            tls_id: Option<TlsId<'a>>,
        }
        let read_level = |range: std::ops::Range<usize>| -> Result<Level<'a>, (usize, FieldError)> {
            let mut level = Level::default();
            for i in range {
                let line = &sd.lines[i];
                if line.kind != 'a' {
                    continue;
                }
                match Attr::from_line(line).map_err(|e| (i, e))? {
                    Attr::Fingerprint(f) => level.fingerprints.push(f),
                    Attr::Setup(s) => level.setup = Some(s),
                    Attr::TlsId(t) => level.tls_id = Some(t),
                    _ => {}
                }
            }
            Ok(level)
        };
        let session = read_level(0..session_end)?;
        let media = read_level(start + 1..end)?;
        Ok(Some(DtlsParams {
            transport,
            fingerprints: if media.fingerprints.is_empty() {
                session.fingerprints
            } else {
                media.fingerprints
            },
            setup: media.setup.or(session.setup),
            tls_id: media.tls_id.or(session.tls_id),
        }))
    }

    /// For a DTLS transport, the items a peer's description must carry: a
    /// fingerprint (RFC 8122 clause 5, RFC 5763 clause 5) and a setup role
    /// (RFC 5763 clause 5); each fingerprint passes [`Fingerprint::check`].
    /// Nothing is required of other transports.
    pub fn check_complete(&self) -> Result<(), FieldError> {
        for f in &self.fingerprints {
            f.check()?;
        }
        if !self.transport.is_dtls() {
            return Ok(());
        }
        if self.fingerprints.is_empty() {
            return Err(err(
                "a DTLS media description needs `a=fingerprint` (RFC 8122 clause 5)",
            ));
        }
        if self.setup.is_none() {
            return Err(err(
                "a DTLS media description needs `a=setup` (RFC 5763 clause 5)",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdp::{Attr, SdpLine};

    const SHA256: &str = "D1:2C:BE:AD:C4:F6:64:5C:25:16:11:9C:AF:E7:0F:73:79:36:4E:9C:1E:15:54:39:0C:06:8B:56:96:97:9B:C5";

    fn fp_reason(value: &str) -> &'static str {
        match Fingerprint::parse(value) {
            Ok(f) => match f.check() {
                Ok(()) => panic!("{value} is accepted"),
                Err(e) => e.reason,
            },
            Err(e) => e.reason,
        }
    }

    #[test]
    fn fingerprint_valid() {
        let value = format!("sha-256 {SHA256}");
        let fp = Fingerprint::parse(&value).unwrap();
        assert_eq!(fp.hash, Choice::Value(HashFunction::Sha256));
        assert_eq!(fp.byte_count(), Some(32));
        let bytes = fp.bytes().unwrap();
        assert_eq!((bytes.len(), bytes[0], bytes[31]), (32, 0xD1, 0xC5));
        assert_eq!(fp.check(), Ok(()));
        assert_eq!(fp.to_string(), value);
        let sha1 = "sha-1 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB";
        assert_eq!(Fingerprint::parse(sha1).unwrap().check(), Ok(()));
        let md5 =
            Fingerprint::parse("md5 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF").unwrap();
        assert_eq!(
            (md5.hash, md5.check()),
            (Choice::Value(HashFunction::Md5), Ok(()))
        );
        for (hash, len) in [
            ("sha-224", 28),
            ("sha-384", 48),
            ("sha-512", 64),
            ("md2", 16),
            ("SHA-256", 32),
        ] {
            let hex = vec!["0A"; len].join(":");
            let value = format!("{hash} {hex}");
            let fp = Fingerprint::parse(&value).unwrap();
            assert_eq!(fp.check(), Ok(()), "{value}");
            assert_eq!(
                fp.to_string(),
                format!("{} {hex}", hash.to_ascii_lowercase())
            );
        }
        // The MG fills in its own certificate's fingerprint.
        let choose = Fingerprint::parse("$").unwrap();
        assert_eq!(
            (choose.hash, choose.fingerprint),
            (Choice::Choose, Choice::Choose)
        );
        assert_eq!(
            (choose.check(), choose.to_string()),
            (Ok(()), "$".to_string())
        );
        let half = Fingerprint::parse("sha-256 $").unwrap();
        assert_eq!(half.fingerprint, Choice::Choose);
        assert_eq!(
            (half.check(), half.to_string()),
            (Ok(()), "sha-256 $".to_string())
        );
    }

    #[test]
    fn fingerprint_invalid() {
        assert!(fp_reason("").contains("needs `<hash function> <fingerprint>`"));
        assert!(fp_reason("sha-256").contains("needs"));
        assert!(fp_reason(&format!("sha-256 {SHA256} x")).contains("needs"));
        assert!(
            fp_reason(&format!("sha-256 {}", SHA256.to_ascii_lowercase())).contains("upper case")
        );
        assert!(fp_reason("sha-256 D12CBE").contains("two-digit hex bytes"));
        assert!(fp_reason("sha-256 D1:2C:").contains("two-digit hex bytes"));
        assert!(fp_reason("sha-256 D1::2C").contains("two-digit hex bytes"));
        assert!(fp_reason("sha-256 D1:2G").contains("two-digit hex bytes"));
        assert!(fp_reason("sha-256 D1:2C3").contains("two-digit hex bytes"));
        assert!(fp_reason("sha-256 D1:2C").contains("does not match the hash function"));
        assert!(fp_reason(&format!("sha-1 {SHA256}")).contains("does not match"));
        assert!(fp_reason(&format!("sha-3 {SHA256}")).contains("unknown hash function"));
        assert!(fp_reason("sha-256 ÄB").contains("two-digit hex bytes"));
    }

    #[test]
    fn setup_roles_and_resolution() {
        use SetupRole::*;
        for role in [Active, Passive, ActPass, HoldConn] {
            let setup = Setup::parse(role.as_str()).unwrap();
            assert_eq!(setup, Setup(Choice::Value(role)));
            assert_eq!(setup.to_string(), role.as_str());
        }
        assert_eq!(
            Setup::parse("ACTPASS").unwrap(),
            Setup(Choice::Value(ActPass))
        );
        assert_eq!(Setup::parse("$").unwrap(), Setup(Choice::Choose));
        assert!(Setup::parse("client")
            .unwrap_err()
            .reason
            .contains("actpass"));
        assert!(Setup::parse("").is_err());

        // RFC 4145 clause 4.1 / RFC 5763 clause 5.
        assert_eq!(ActPass.answer(Active), Ok(Active));
        assert_eq!(ActPass.answer(Passive), Ok(Passive));
        assert!(ActPass.answer(ActPass).is_err());
        assert!(ActPass.answer(HoldConn).is_err());
        assert_eq!(Active.answer(Active), Ok(Passive));
        assert_eq!(Passive.answer(Passive), Ok(Active));
        assert_eq!(HoldConn.answer(Active), Ok(HoldConn));
        for offer in [Active, Passive, ActPass, HoldConn] {
            assert!(offer.accepts_answer(offer.answer(Active).unwrap()));
            assert!(!offer.accepts_answer(ActPass), "actpass is never an answer");
            assert!(offer.accepts_answer(HoldConn));
        }
        assert!(!Active.accepts_answer(Active));
        assert!(!Passive.accepts_answer(Passive));
        assert!(!HoldConn.accepts_answer(Active));

        // Who is the DTLS client: the active end.
        assert_eq!(
            SetupRole::dtls_role(Active, Passive),
            Ok(Some(DtlsRole::Client))
        );
        assert_eq!(
            SetupRole::dtls_role(Passive, Active),
            Ok(Some(DtlsRole::Server))
        );
        assert_eq!(
            SetupRole::dtls_role(ActPass, Active),
            Ok(Some(DtlsRole::Server))
        );
        assert_eq!(
            SetupRole::dtls_role(ActPass, Passive),
            Ok(Some(DtlsRole::Client))
        );
        assert_eq!(
            SetupRole::dtls_role(Active, ActPass),
            Ok(Some(DtlsRole::Client))
        );
        assert_eq!(
            SetupRole::dtls_role(Passive, ActPass),
            Ok(Some(DtlsRole::Server))
        );
        assert_eq!(SetupRole::dtls_role(HoldConn, Active), Ok(None));
        assert_eq!(SetupRole::dtls_role(Active, HoldConn), Ok(None));
        for (a, b) in [(Active, Active), (Passive, Passive), (ActPass, ActPass)] {
            assert!(SetupRole::dtls_role(a, b)
                .unwrap_err()
                .reason
                .contains("no DTLS client"));
        }
    }

    #[test]
    fn tls_id() {
        let id = "dGhpcyBpcyB0aGUgdGxzLWlk+/-_";
        assert_eq!(TlsId::parse(id).unwrap(), TlsId(Choice::Value(id)));
        assert_eq!(TlsId::parse(id).unwrap().to_string(), id);
        assert_eq!(TlsId::parse("$").unwrap(), TlsId(Choice::Choose));
        assert!(TlsId::parse("short")
            .unwrap_err()
            .reason
            .contains("20 to 255"));
        assert!(TlsId::parse(&"a".repeat(256))
            .unwrap_err()
            .reason
            .contains("20 to 255"));
        assert!(TlsId::parse(&"a".repeat(255)).is_ok());
        assert!(TlsId::parse("abcdefghij.klmnopqrstu")
            .unwrap_err()
            .reason
            .contains("character"));
    }

    #[test]
    fn transports() {
        use MediaTransport::*;
        for (proto, t, dtls, fb) in [
            ("RTP/AVP", RtpAvp, false, false),
            ("RTP/AVPF", RtpAvpf, false, true),
            ("RTP/SAVP", RtpSavp, false, false),
            ("RTP/SAVPF", RtpSavpf, false, true),
            ("UDP/TLS/RTP/SAVP", UdpTlsRtpSavp, true, false),
            ("UDP/TLS/RTP/SAVPF", UdpTlsRtpSavpf, true, true),
            ("TCP/DTLS/RTP/SAVP", TcpDtlsRtpSavp, true, false),
            ("TCP/DTLS/RTP/SAVPF", TcpDtlsRtpSavpf, true, true),
            ("UDP/DTLS/SCTP", UdpDtlsSctp, true, false),
            ("TCP/DTLS/SCTP", TcpDtlsSctp, true, false),
            ("UDP/TLS/UDPTL", UdpTlsUdptl, true, false),
        ] {
            assert_eq!(MediaTransport::parse(proto), t);
            assert_eq!(t.to_string(), proto);
            assert_eq!((t.is_dtls(), t.has_feedback()), (dtls, fb), "{proto}");
        }
        assert_eq!(MediaTransport::parse("udp/tls/rtp/savpf"), UdpTlsRtpSavpf);
        assert_eq!(MediaTransport::parse("TCP/MSRP"), Other("TCP/MSRP"));
        assert!(!Other("TCP/MSRP").is_dtls());
    }

    #[test]
    fn as_attributes() {
        let fp = format!("fingerprint:sha-256 {SHA256}");
        for value in [
            fp.as_str(),
            "fingerprint:$",
            "setup:actpass",
            "setup:$",
            "tls-id:abcdefghijklmnopqrstuvwxyz",
            "tls-id:$",
        ] {
            let line = SdpLine::new('a', value);
            let attr = Attr::from_line(&line).unwrap();
            assert!(!matches!(attr, Attr::Other { .. }), "{value}");
            assert_eq!(attr.check(), Ok(()));
            assert_eq!(attr.to_line(), line);
        }
        let short = SdpLine::new('a', "fingerprint:sha-256 AB:CD");
        assert!(Attr::from_line(&short).unwrap().check().is_err());
        assert!(Attr::from_line(&SdpLine::new('a', "setup")).is_err());
    }

    #[test]
    fn dtls_params_inherit_session_level() {
        let text = format!(
            "v=0\na=fingerprint:sha-256 {SHA256}\na=setup:actpass\n\
             m=audio 9 UDP/TLS/RTP/SAVPF 111\na=setup:active\n\
             m=application 9 UDP/DTLS/SCTP webrtc-datachannel\n\
             a=fingerprint:sha-1 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB\n\
             a=tls-id:abcdefghijklmnopqrstuvwxyz\n\
             m=audio 9 RTP/AVP 0\n"
        );
        let sd = crate::sdp::SessionDescription::parse_groups(&text, 100)
            .unwrap()
            .remove(0);
        let audio = DtlsParams::read(&sd, 0).unwrap().unwrap();
        assert_eq!(audio.transport, MediaTransport::UdpTlsRtpSavpf);
        assert_eq!(audio.fingerprints.len(), 1);
        assert_eq!(
            audio.fingerprints[0].hash,
            Choice::Value(HashFunction::Sha256)
        );
        assert_eq!(audio.setup, Some(Setup(Choice::Value(SetupRole::Active))));
        assert_eq!(audio.tls_id, None);
        assert_eq!(audio.check_complete(), Ok(()));
        let data = DtlsParams::read(&sd, 1).unwrap().unwrap();
        assert_eq!(data.transport, MediaTransport::UdpDtlsSctp);
        assert_eq!(data.fingerprints[0].hash, Choice::Value(HashFunction::Sha1));
        assert_eq!(data.setup, Some(Setup(Choice::Value(SetupRole::ActPass))));
        assert_eq!(
            data.tls_id,
            Some(TlsId(Choice::Value("abcdefghijklmnopqrstuvwxyz")))
        );
        let plain = DtlsParams::read(&sd, 2).unwrap().unwrap();
        assert_eq!(plain.transport, MediaTransport::RtpAvp);
        assert_eq!(plain.check_complete(), Ok(()));
        assert_eq!(DtlsParams::read(&sd, 3).unwrap(), None);

        let bare = crate::sdp::SessionDescription::parse_groups(
            "v=0\nm=audio 9 UDP/TLS/RTP/SAVP 0\na=setup:passive\n",
            10,
        )
        .unwrap()
        .remove(0);
        let p = DtlsParams::read(&bare, 0).unwrap().unwrap();
        assert!(p
            .check_complete()
            .unwrap_err()
            .reason
            .contains("needs `a=fingerprint`"));
        let bad = crate::sdp::SessionDescription::parse_groups(
            "v=0\nm=audio 9 UDP/TLS/RTP/SAVP 0\na=setup:sideways\n",
            10,
        )
        .unwrap()
        .remove(0);
        assert_eq!(DtlsParams::read(&bad, 0).unwrap_err().0, 2);
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn fingerprint() -> impl Strategy<Value = String> {
            let hashes = prop_oneof![
                Just(("sha-1", 20usize)),
                Just(("sha-224", 28)),
                Just(("sha-256", 32)),
                Just(("sha-384", 48)),
                Just(("sha-512", 64)),
                Just(("md5", 16)),
                Just(("md2", 16)),
            ];
            hashes.prop_flat_map(|(h, n)| {
                proptest::collection::vec(any::<u8>(), n).prop_map(move |bytes| {
                    let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02X}")).collect();
                    format!("fingerprint:{h} {}", hex.join(":"))
                })
            })
        }

        fn attribute() -> impl Strategy<Value = String> {
            prop_oneof![
                fingerprint(),
                Just("fingerprint:$".to_string()),
                prop_oneof![
                    Just("active"),
                    Just("passive"),
                    Just("actpass"),
                    Just("holdconn"),
                    Just("$")
                ]
                .prop_map(|r| format!("setup:{r}")),
                "[A-Za-z0-9+/_-]{20,255}".prop_map(|t| format!("tls-id:{t}")),
            ]
        }

        proptest! {
            #[test]
            fn generated_attributes_round_trip(v in attribute()) {
                let line = SdpLine::new('a', v.as_str());
                let attr = Attr::from_line(&line);
                prop_assert!(attr.is_ok(), "{v}: {attr:?}");
                let attr = attr.unwrap();
                prop_assert!(!matches!(attr, Attr::Other { .. }), "{}", v);
                prop_assert_eq!(attr.check(), Ok(()));
                prop_assert_eq!(attr.to_line(), line);
            }

            #[test]
            fn fingerprint_bytes_round_trip(bytes in proptest::collection::vec(any::<u8>(), 1..70)) {
                let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02X}")).collect();
                prop_assert_eq!(Fingerprint::hex(&bytes), hex.join(":"));
                let value = format!("sha-256 {}", Fingerprint::hex(&bytes));
                let fp = Fingerprint::parse(&value).unwrap();
                prop_assert_eq!(fp.bytes(), Some(bytes.clone()));
                prop_assert_eq!(fp.check().is_ok(), bytes.len() == 32);
            }

            #[test]
            fn any_value_never_panics(v in "\\PC{0,80}") {
                if let Ok(fp) = Fingerprint::parse(&v) {
                    let _ = fp.check();
                    let text = fp.to_string();
                    prop_assert_eq!(Fingerprint::parse(&text), Ok(fp));
                }
                if let Ok(s) = Setup::parse(&v) {
                    prop_assert_eq!(Setup::parse(&s.to_string()), Ok(s));
                }
                if let Ok(t) = TlsId::parse(&v) {
                    let text = t.to_string();
                    prop_assert_eq!(TlsId::parse(&text), Ok(t));
                }
            }
        }
    }
}
