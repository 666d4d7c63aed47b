//! The WebRTC DTLS-SRTP information elements of Iq (TS 23.334 §5.20.1 and
//! the §6.2.10 end-to-access-edge DTLS-SRTP flow, `../shared/spec/
//! 3gpp-profiles.md` §6) as typed values carried in the Local and Remote
//! SDP of a stream, and the Iq procedures that carry them.
//!
//! The stage-2 IEs and their H.248 construct (all on the access-side
//! termination):
//!
//! | IE (23.334) | construct | type |
//! |---|---|---|
//! | transport `UDP/TLS/RTP/SAVP` or `UDP/TLS/RTP/SAVPF` | the `<proto>` of the `m=` line of Local and Remote | [`DtlsTransport`] |
//! | Remote certificate fingerprint | `a=fingerprint:<hash> <hex>` in Remote (RFC 8122) | [`CertFingerprint`] |
//! | Local certificate fingerprint Request | `a=fingerprint:$` (or `<hash> $`) in Local; the reply's Local carries the AGW's | [`FingerprintRequest`] |
//! | Establish (D)TLS session (only when the AGW is the DTLS client) | `a=setup` in Local (the AGW's role) and Remote (the peer's): the AGW is the client when RFC 5763 resolution makes it `active` | [`DtlsIes::establish_session`] |
//! | `a=tls-id` (RFC 8842) | `a=tls-id` in Remote (the peer's) and in Local (`$`: the AGW picks) | [`DtlsIes::local_tls_id`] |
//!
//! unconfirmed: the whole mapping. TS 29.334 (stage 3) was not available
//! for these IEs (digest §6, "How (D)TLS appears in H.248: not seen"). The
//! stage-2 IEs map 1:1 to stage-3 elements (23.334 §8.1 note), the SDP
//! attributes are the natural Local / Remote carriers (H.248.1 clause 7.1.8:
//! Local is what the MG receives / is, Remote the peer), and `$` is H.248's
//! way of asking the MG for a value. H.248.90 / H.248.93 define TLS / DTLS
//! packages (`tlsbsc`, `tlscn`, `dtlscn`...) whose items no source read
//! names; "Establish (D)TLS session" may be a signal of one of them in
//! 29.334. Here it is the `a=setup` resolution alone: RFC 5763 clause 5
//! makes the `active` end the DTLS client, the end that starts the
//! handshake, so a Local `a=setup:active` (against a Remote `passive` or
//! `actpass`) tells the AGW to establish the session, and a Local `passive`
//! tells it to wait for the peer's handshake.
//!
//! Not built: the other DTLS transports (`UDP/DTLS/SCTP` data channel,
//! `UDP/TLS/UDPTL` T.38, `TCP/DTLS/...`), "Notify (D)TLS session
//! establishment Failure Event" (its package event is not known), SDES
//! (`a=crypto`).

use h248_stack::model::{StreamId, Text};
use h248_stack::sdp::{
    Choice, DtlsParams, Fingerprint, HashFunction, MediaTransport, SdpLine, SessionDescription,
    SetupRole,
};

use super::ccm::{media_procedure, MediaRules};
use super::{iq, IeError, Link, Need, Reader};

/// The DTLS-SRTP transport of the `m=` line (RFC 5764 clause 8): what the
/// IMS-ALG tells the IMS-AGW to use towards the access side (23.334
/// §6.2.10, §5.20.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DtlsTransport {
    /// `UDP/TLS/RTP/SAVP`.
    Savp,
    /// `UDP/TLS/RTP/SAVPF` (with RTCP feedback, where CCM applies).
    Savpf,
}

impl DtlsTransport {
    /// The `<proto>` token of the `m=` line.
    pub fn proto(self) -> &'static str {
        match self {
            DtlsTransport::Savp => MediaTransport::UdpTlsRtpSavp.as_str(),
            DtlsTransport::Savpf => MediaTransport::UdpTlsRtpSavpf.as_str(),
        }
    }

    /// The transport of an `m=` protocol; `None` for every other protocol.
    pub fn of(proto: &str) -> Option<Self> {
        match MediaTransport::parse(proto) {
            MediaTransport::UdpTlsRtpSavp => Some(DtlsTransport::Savp),
            MediaTransport::UdpTlsRtpSavpf => Some(DtlsTransport::Savpf),
            _ => None,
        }
    }
}

/// A hash function of RFC 8122 clause 5 (the IANA "Hash Function Textual
/// Names").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FingerprintHash {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
    Md5,
    Md2,
}

const HASHES: [(FingerprintHash, HashFunction<'static>); 7] = [
    (FingerprintHash::Sha1, HashFunction::Sha1),
    (FingerprintHash::Sha224, HashFunction::Sha224),
    (FingerprintHash::Sha256, HashFunction::Sha256),
    (FingerprintHash::Sha384, HashFunction::Sha384),
    (FingerprintHash::Sha512, HashFunction::Sha512),
    (FingerprintHash::Md5, HashFunction::Md5),
    (FingerprintHash::Md2, HashFunction::Md2),
];

impl FingerprintHash {
    fn function(self) -> HashFunction<'static> {
        HASHES
            .iter()
            .find(|(h, _)| *h == self)
            .map_or(HashFunction::Sha256, |(_, f)| *f)
    }

    fn of(function: HashFunction<'_>) -> Option<Self> {
        HASHES
            .iter()
            .find(|(_, f)| f.name() == function.name())
            .map(|(h, _)| *h)
    }

    /// The registry name (`sha-256`...).
    pub fn name(self) -> &'static str {
        self.function().name()
    }

    /// The digest length in bytes.
    pub fn digest_len(self) -> usize {
        self.function().digest_len().unwrap_or(0)
    }
}

/// A certificate fingerprint (RFC 8122 clause 5): the hash function and
/// the digest, whose length is the function's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertFingerprint {
    hash: FingerprintHash,
    digest: Vec<u8>,
}

impl CertFingerprint {
    /// `None` when the digest is not `hash`'s length.
    pub fn new(hash: FingerprintHash, digest: Vec<u8>) -> Option<Self> {
        (digest.len() == hash.digest_len()).then_some(CertFingerprint { hash, digest })
    }
    pub fn hash(&self) -> FingerprintHash {
        self.hash
    }
    pub fn digest(&self) -> &[u8] {
        &self.digest
    }

    /// The `a=fingerprint:` line.
    pub fn line(&self) -> SdpLine {
        SdpLine::new(
            'a',
            format!(
                "{}:{} {}",
                Fingerprint::NAME,
                self.hash.name(),
                Fingerprint::hex(&self.digest)
            ),
        )
    }

    /// A concrete fingerprint of an SDP line (`None` for `$` in either
    /// part); an error when the hash function is unknown or the length is
    /// not the digest's (RFC 8122 clause 5).
    fn read(r: Reader, ie: &'static str, fp: &Fingerprint<'_>) -> Result<Option<Self>, IeError> {
        fp.check().map_err(|e| r.bad(ie, e.reason))?;
        let (Choice::Value(function), Some(digest)) = (fp.hash, fp.bytes()) else {
            return Ok(None);
        };
        let hash = FingerprintHash::of(function)
            .ok_or_else(|| r.bad(ie, format!("unknown hash function {function}")))?;
        CertFingerprint::new(hash, digest)
            .map(Some)
            .ok_or_else(|| r.bad(ie, "the digest length is not the hash function's"))
    }
}

/// "Local certificate fingerprint Request": `a=fingerprint:$` in Local
/// (the AGW chooses the hash function and gives its certificate's
/// fingerprint) or `a=fingerprint:<hash> $` (the IMS-ALG names the hash).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FingerprintRequest {
    pub hash: Option<FingerprintHash>,
}

impl FingerprintRequest {
    fn line(self) -> SdpLine {
        let value = match self.hash {
            None => "$".to_owned(),
            Some(h) => format!("{} $", h.name()),
        };
        SdpLine::new('a', format!("{}:{value}", Fingerprint::NAME))
    }
}

/// The DTLS-SRTP IEs of one stream (see the module documentation for the
/// construct of each).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DtlsIes {
    /// The `m=` protocol of the stream's Local and Remote SDP; the builder
    /// writes it in place of their `proto`.
    pub transport: DtlsTransport,
    /// "Remote certificate fingerprint": the peer's (the UE's)
    /// `a=fingerprint` lines in Remote (RFC 8122 allows several).
    pub remote_fingerprints: Vec<CertFingerprint>,
    /// "Local certificate fingerprint Request" in Local.
    pub local_fingerprint_request: Option<FingerprintRequest>,
    /// `a=setup` in Local: the AGW's connection role.
    pub local_setup: Option<SetupRole>,
    /// `a=setup` in Remote: the peer's connection role.
    pub remote_setup: Option<SetupRole>,
    /// `a=tls-id` in Local: `$` (the AGW picks its DTLS association ID,
    /// returned in the reply) or the IMS-ALG's value (RFC 8842).
    ///
    /// unconfirmed: who generates the tls-id the IMS-ALG puts in its answer
    /// to the UE (digest §6: "plus a=tls-id"); both are allowed.
    pub local_tls_id: Option<Choice<Text>>,
    /// `a=tls-id` in Remote: the peer's DTLS association ID.
    pub remote_tls_id: Option<Text>,
}

impl DtlsIes {
    /// DTLS-SRTP over `transport` with nothing else yet.
    pub fn new(transport: DtlsTransport) -> Self {
        DtlsIes {
            transport,
            remote_fingerprints: Vec::new(),
            local_fingerprint_request: None,
            local_setup: None,
            remote_setup: None,
            local_tls_id: None,
            remote_tls_id: None,
        }
    }

    /// "Establish (D)TLS session": the AGW is the DTLS client once Local and
    /// Remote roles are resolved (RFC 5763 clause 5; see the module
    /// documentation: unconfirmed as the stage-3 construct).
    pub fn establish_session(&self) -> bool {
        match (self.local_setup, self.remote_setup) {
            (Some(local), Some(remote)) => matches!(
                SetupRole::dtls_role(local, remote),
                Ok(Some(h248_stack::sdp::DtlsRole::Client))
            ),
            _ => false,
        }
    }

    /// The `a=` lines of Local.
    pub(crate) fn local_lines(&self) -> Vec<SdpLine> {
        let mut out = Vec::new();
        if let Some(req) = self.local_fingerprint_request {
            out.push(req.line());
        }
        if let Some(role) = self.local_setup {
            out.push(setup_line(role));
        }
        if let Some(id) = &self.local_tls_id {
            out.push(tls_id_line(&id.to_string()));
        }
        out
    }

    /// The `a=` lines of Remote.
    pub(crate) fn remote_lines(&self) -> Vec<SdpLine> {
        let mut out: Vec<SdpLine> = self
            .remote_fingerprints
            .iter()
            .map(CertFingerprint::line)
            .collect();
        if let Some(role) = self.remote_setup {
            out.push(setup_line(role));
        }
        if let Some(id) = &self.remote_tls_id {
            out.push(tls_id_line(id));
        }
        out
    }

    /// Reads the DTLS IEs of one stream from its Local and Remote SDP
    /// (each already validated); `None` when neither uses a DTLS-SRTP
    /// transport nor carries a DTLS attribute.
    pub(crate) fn read(
        r: Reader,
        local: Option<&SessionDescription>,
        remote: Option<&SessionDescription>,
    ) -> Result<Option<Self>, IeError> {
        const LOCAL: &str = "Local certificate fingerprint Request";
        const REMOTE: &str = "Remote certificate fingerprint";
        let local_p = dtls_params(r, LOCAL, local)?;
        let remote_p = dtls_params(r, REMOTE, remote)?;
        // Only streams over UDP/TLS/RTP/SAVP(F) carry these IEs; DTLS or TLS
        // attributes of other transports (data channel, T.38, MSRP over
        // TLS, `a=setup` of TCP media) are not these IEs and are left to the
        // base procedure (their syntax was validated with the SDP).
        let transport_of = |p: &Option<DtlsParams<'_>>| {
            p.as_ref()
                .and_then(|p| DtlsTransport::of(p.transport.as_str()))
        };
        let transport = match (transport_of(&local_p), transport_of(&remote_p)) {
            (None, None) => return Ok(None),
            (Some(l), Some(rm)) if l != rm => {
                return Err(r.bad(
                    "transport",
                    "Local and Remote use different DTLS-SRTP transports",
                ))
            }
            (Some(t), _) | (None, Some(t)) => t,
        };
        for (ie, p) in [
            ("Local IP Resources", &local_p),
            ("Remote IP Resources", &remote_p),
        ] {
            if let Some(p) = p {
                if DtlsTransport::of(p.transport.as_str()).is_none() {
                    return Err(r.bad(
                        ie,
                        format!(
                            "{}: the other side of the stream uses {}",
                            p.transport,
                            transport.proto()
                        ),
                    ));
                }
            }
        }
        let mut ies = DtlsIes::new(transport);
        if let Some(p) = &local_p {
            match p.fingerprints.as_slice() {
                [] => {}
                [one] => {
                    if CertFingerprint::read(r, LOCAL, one)?.is_some() {
                        return Err(r.bad(
                            LOCAL,
                            "Local carries the request (`$`), not a fingerprint: the AGW gives its own",
                        ));
                    }
                    let hash =
                        match one.hash {
                            Choice::Choose => None,
                            Choice::Value(f) => Some(FingerprintHash::of(f).ok_or_else(|| {
                                r.bad(LOCAL, format!("unknown hash function {f}"))
                            })?),
                        };
                    if one.fingerprint.value().is_some() {
                        return Err(r.bad(LOCAL, "the fingerprint of the request is `$`"));
                    }
                    ies.local_fingerprint_request = Some(FingerprintRequest { hash });
                }
                _ => return Err(r.bad(LOCAL, "one request per stream")),
            }
            ies.local_setup = setup_role(r, "Establish (D)TLS session", p)?;
            ies.local_tls_id = p.tls_id.map(|t| match t.0 {
                Choice::Choose => Choice::Choose,
                Choice::Value(v) => Choice::Value(Text::from(v)),
            });
        }
        if let Some(p) = &remote_p {
            for fp in &p.fingerprints {
                match CertFingerprint::read(r, REMOTE, fp)? {
                    Some(f) => ies.remote_fingerprints.push(f),
                    None => {
                        return Err(r.bad(
                            REMOTE,
                            "`$` in Remote: the peer's fingerprint is given, not chosen",
                        ))
                    }
                }
            }
            ies.remote_setup = setup_role(r, "Establish (D)TLS session", p)?;
            ies.remote_tls_id = match p.tls_id.map(|t| t.0) {
                None => None,
                Some(Choice::Value(v)) => Some(Text::from(v)),
                Some(Choice::Choose) => {
                    return Err(r.bad("tls-id", "`$` in Remote: the peer's tls-id is given"))
                }
            };
        }
        if let (Some(l), Some(rm)) = (ies.local_setup, ies.remote_setup) {
            SetupRole::dtls_role(l, rm).map_err(|e| r.bad("Establish (D)TLS session", e.reason))?;
        }
        Ok(Some(ies))
    }
}

fn dtls_params<'s>(
    r: Reader,
    ie: &'static str,
    sd: Option<&'s SessionDescription>,
) -> Result<Option<DtlsParams<'s>>, IeError> {
    match sd {
        None => Ok(None),
        Some(sd) => DtlsParams::read(sd, 0)
            .map_err(|(line, e)| r.bad(ie, format!("SDP line {line}: {}", e.reason))),
    }
}

fn setup_line(role: SetupRole) -> SdpLine {
    SdpLine::new('a', format!("setup:{role}"))
}

fn tls_id_line(id: &str) -> SdpLine {
    SdpLine::new('a', format!("tls-id:{id}"))
}

fn setup_role(
    r: Reader,
    ie: &'static str,
    p: &DtlsParams<'_>,
) -> Result<Option<SetupRole>, IeError> {
    match p.setup.map(|s| s.0) {
        None => Ok(None),
        Some(Choice::Value(role)) => Ok(Some(role)),
        Some(Choice::Choose) => Err(r.bad(
            ie,
            "`a=setup:$`: the IMS-ALG resolves the role (23.334 §6.2.10)",
        )),
    }
}

/// What the AGW's Local reply says of DTLS for one stream: its own
/// certificate fingerprint ("Local certificate fingerprint"), its role and
/// its tls-id, for the IMS-ALG to put in its answer to the UE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DtlsAnswer {
    pub fingerprint: CertFingerprint,
    pub setup: Option<SetupRole>,
    pub tls_id: Option<Text>,
}

impl DtlsAnswer {
    pub(crate) fn lines(&self) -> Vec<SdpLine> {
        let mut out = vec![self.fingerprint.line()];
        if let Some(role) = self.setup {
            out.push(setup_line(role));
        }
        if let Some(id) = &self.tls_id {
            out.push(tls_id_line(id));
        }
        out
    }

    /// Reads the reply's Local SDP of one stream (validated): `None` when
    /// the stream is not over UDP/TLS/RTP/SAVP(F) or its Local carries no
    /// DTLS attribute; with any, the fingerprint is required (RFC 5763
    /// clause 5: DTLS-SRTP SDP always carries it), and a `$` left is a
    /// missing value (472).
    pub(crate) fn read(r: Reader, local: &SessionDescription) -> Result<Option<Self>, IeError> {
        const IE: &str = "Local certificate fingerprint";
        let Some(p) = DtlsParams::read(local, 0)
            .map_err(|(line, e)| r.bad(IE, format!("SDP line {line}: {}", e.reason)))?
        else {
            return Ok(None);
        };
        if DtlsTransport::of(p.transport.as_str()).is_none()
            || (p.fingerprints.is_empty() && p.setup.is_none() && p.tls_id.is_none())
        {
            return Ok(None);
        }
        let fingerprint = match p.fingerprints.as_slice() {
            [one] => CertFingerprint::read(r, IE, one)?
                .ok_or_else(|| r.missing(IE, "the AGW did not fill in its fingerprint (`$`)"))?,
            [] => return Err(r.missing(IE, "no fingerprint in the reply")),
            _ => return Err(r.bad(IE, "one fingerprint per stream in the reply")),
        };
        let setup = setup_role(r, "setup", &p)
            .map_err(|_| r.missing("setup", "the AGW did not give its role (`$`)"))?;
        let tls_id = match p.tls_id.map(|t| t.0) {
            None => None,
            Some(Choice::Value(v)) => Some(Text::from(v)),
            Some(Choice::Choose) => {
                return Err(r.missing("tls-id", "the AGW did not fill in its tls-id (`$`)"))
            }
        };
        Ok(Some(DtlsAnswer {
            fingerprint,
            setup,
            tls_id,
        }))
    }
}

/// The DTLS IEs of one stream of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamDtls {
    pub stream: StreamId,
    pub ies: DtlsIes,
}

// ---- the procedures ---------------------------------------------------------------------------

/// The WebRTC access side offered by the UE: Reserve and Configure with the
/// UE's offer in Remote (its fingerprint, M) and the Local certificate
/// fingerprint Request (M); the AGW's reply gives its fingerprint (M).
const RESERVE_AND_CONFIGURE: MediaRules = MediaRules {
    link: Link::Iq,
    ccm: Need::Optional,
    dtls: Need::Mandatory,
    remote_fingerprint: Need::Mandatory,
    local_fingerprint_request: Need::Mandatory,
    reply_fingerprint: true,
};

/// The access side answered (the IMS-ALG offered first, after a Reserve
/// with the fingerprint request): Configure with the UE's fingerprint (M)
/// and, when the AGW is the client, Establish (D)TLS session.
const CONFIGURE: MediaRules = MediaRules {
    local_fingerprint_request: Need::Optional,
    reply_fingerprint: false,
    ..RESERVE_AND_CONFIGURE
};

media_procedure!(
    /// Reserve and Configure AGW Connection Point for WebRTC DTLS-SRTP (Iq,
    /// Add; 23.334 §5.20.1, §6.2.10): [`DtlsIes`] on the access-side
    /// streams, CCM IEs allowed beside them.
    ReserveAndConfigureAgwDtls,
    iq::ReserveAndConfigureAgwConnectionPoint,
    "Reserve and Configure AGW Connection Point (DTLS-SRTP)",
    "23.334 §6.2.10, §8.2",
    RESERVE_AND_CONFIGURE
);

media_procedure!(
    /// Configure AGW Connection Point for WebRTC DTLS-SRTP (Iq, Modify):
    /// the peer's fingerprint and roles, "Establish (D)TLS session" when the
    /// AGW is the client.
    ConfigureAgwDtls,
    iq::ConfigureAgwConnectionPoint,
    "Configure AGW Connection Point (DTLS-SRTP)",
    "23.334 §6.2.10, §8",
    CONFIGURE
);
