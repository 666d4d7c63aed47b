//! The RTCP Codec Control Messages (CCM, RFC 5104) as procedure IEs: TS
//! 23.334 clause 6.2.24 on Iq and its Mp counterpart, plus the
//! connection-point procedures that carry them and the DTLS-SRTP IEs of
//! [`super::webrtc`] in the Local / Remote SDP of their streams.
//!
//! TS 23.334 clause 6.2.24: the IMS-ALG may tell the IMS-AGW that it shall
//! be *prepared to receive* and is *allowed to send* RTCP CCM FIR and / or
//! TMMBR/TMMBN, per payload type, within the flow of clause 6.2.1 (the
//! Configure / Reserve and Configure AGW Connection Point procedures).
//!
//! unconfirmed: the stage-3 construct. The TS 29.334 Table 5.17.1.1 row for
//! CCM was not visible (`../shared/spec/3gpp-profiles.md` §5.3, §7 item 5).
//! This module codes the IE as `a=rtcp-fb:<pt>|* ccm fir` / `ccm tmmbr
//! [smaxpr=<rate>]` lines in the stream's SDP, Local for "prepared to
//! receive" and Remote for "allowed to send", which is the reading of
//! `h248_stack::sdp::ccm::apply_instruction` (H.248.1 clause 7.1.8: Local
//! is what the MG receives, Remote what the peer receives); the sibling
//! RTCP feedback capability of 29.334 (`3gpp-roi-arbitrary`) is coded as
//! `a=rtcp-fb` in Local / Remote, which is the evidence for SDP over a
//! package (no CCM package is among the Iq packages, and nothing shows Iq
//! using H.248.71 `rtcpfb`). The AGW confirms in the Local of its reply the
//! CCMs it is prepared to receive ([`CcmNegotiation::answer_lines`]).
//!
//! unconfirmed: the Mp counterpart. No CCM clause of 23.333 / 29.333 was
//! found (digest §5.3 "Mp equivalent: none found"). The MRFP terminates
//! media, so it is an SDP answerer: the MRFC's Configure IMS Resources puts
//! the UE's offer, with its `ccm` lines, in Remote and the MRFP answers in
//! the Local of its reply with the CCMs it supports, by RFC 5104 clause 7.3
//! (`answer_offer`: remove, never add).
//!
//! Reading follows `SessionDescription::validate` (the profile Validator's
//! rule, so the reader and the Validator agree on 449): a `ccm` parameter
//! outside the IANA registry, a payload type not among the `m=` formats and
//! a malformed `smaxpr` are 449. Beyond it, the Iq reader refuses `ccm`
//! lines other than FIR and TMMBR (clause 6.2.24 names no other) and a `$`
//! payload type (the IMS-ALG names the payload types negotiated in SIP).

use h248_stack::model::{
    ActionReply, ActionRequest, AmmDescriptor, AuditReturnParameter, Command, CommandReply,
    StreamId, StreamParms, Streams, Text,
};
use h248_stack::sdp::ccm::{answer_offer, apply_instruction};
use h248_stack::sdp::{
    Attr, Ccm, CcmCapabilities, CcmNegotiation, Choice, FbPayloadType, RtcpFb, SdpLine,
    SessionDescription,
};

use super::webrtc::{DtlsAnswer, DtlsIes, DtlsTransport, StreamDtls};
use super::{
    code, iq, mp, read_streams, ConnectionPointIes, ConnectionPointReply, IeError, Link, MediaSdp,
    Need, Procedure, Reader,
};

// ---- the CCM IE ------------------------------------------------------------------------------

/// The payload type of a `ccm` line: `*` (every format of the `m=` line)
/// or one RTP payload type (RFC 4585 clause 4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CcmPt {
    Any,
    Pt(u8),
}

/// A Codec Control Message parameter (RFC 5104 clause 7.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CcmParam {
    /// `ccm fir`: Full Intra Request.
    Fir,
    /// `ccm tmmbr [smaxpr=<packet rate>]`: TMMBR with its TMMBN; `smaxpr`
    /// may be `$` in a request (the MG declares its own).
    Tmmbr { smaxpr: Option<Choice<u64>> },
    /// `ccm tstr` (Mp offers only; not a clause 6.2.24 IE).
    Tstr,
    /// `ccm vbcm <sub-message types>` (Mp offers only).
    Vbcm(Vec<u32>),
    /// A parameter of the IANA registry outside RFC 5104 (`pause`, RFC
    /// 7728), kept as written (Mp offers only; the MRFP declines it).
    Registered { token: Text, rest: Option<Text> },
}

/// One `a=rtcp-fb:<pt> ccm <param>` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CcmFeedback {
    pub pt: CcmPt,
    pub param: CcmParam,
}

impl CcmFeedback {
    pub fn fir(pt: CcmPt) -> Self {
        CcmFeedback {
            pt,
            param: CcmParam::Fir,
        }
    }
    pub fn tmmbr(pt: CcmPt, smaxpr: Option<Choice<u64>>) -> Self {
        CcmFeedback {
            pt,
            param: CcmParam::Tmmbr { smaxpr },
        }
    }

    /// Whether TS 23.334 clause 6.2.24 names it (FIR, TMMBR/TMMBN).
    pub fn is_iq(&self) -> bool {
        matches!(self.param, CcmParam::Fir | CcmParam::Tmmbr { .. })
    }

    /// The `a=rtcp-fb:` line.
    pub fn line(&self) -> SdpLine {
        let pt = match self.pt {
            CcmPt::Any => "*".to_owned(),
            CcmPt::Pt(p) => p.to_string(),
        };
        let param = match &self.param {
            CcmParam::Fir => "fir".to_owned(),
            CcmParam::Tmmbr { smaxpr: None } => "tmmbr".to_owned(),
            CcmParam::Tmmbr { smaxpr: Some(v) } => format!("tmmbr smaxpr={v}"),
            CcmParam::Tstr => "tstr".to_owned(),
            CcmParam::Vbcm(types) => {
                let mut s = "vbcm".to_owned();
                for t in types {
                    s.push(' ');
                    s.push_str(&t.to_string());
                }
                s
            }
            CcmParam::Registered { token, rest } => match rest {
                Some(rest) => format!("{token} {rest}"),
                None => token.to_string(),
            },
        };
        SdpLine::new('a', format!("{}:{pt} ccm {param}", RtcpFb::NAME))
    }

    /// The `ccm` line of a typed `rtcp-fb` attribute (`None` for other
    /// feedback types); an error names what is not an IE value.
    fn of(fb: &RtcpFb<'_>) -> Option<Result<Self, &'static str>> {
        let ccm = fb.ccm()?;
        let pt = match fb.pt {
            FbPayloadType::Any => CcmPt::Any,
            FbPayloadType::Pt(p) => CcmPt::Pt(p),
            FbPayloadType::Choose => {
                return Some(Err(
                    "`$` payload type: the IMS-ALG names the payload types (unconfirmed)",
                ))
            }
        };
        let param = match ccm {
            Ccm::Fir => CcmParam::Fir,
            Ccm::Tmmbr { smaxpr } => CcmParam::Tmmbr { smaxpr },
            Ccm::Tstr => CcmParam::Tstr,
            Ccm::Vbcm(_) => CcmParam::Vbcm(ccm.vbcm_sub_types().collect()),
            Ccm::Other { token, rest } => CcmParam::Registered {
                token: Text::from(token),
                rest: rest.map(Text::from),
            },
        };
        Some(Ok(CcmFeedback { pt, param }))
    }
}

/// The `ccm` lines of the media section of `sd` (validated beforehand).
fn read_ccm(
    r: Reader,
    ie: &'static str,
    sd: &SessionDescription,
) -> Result<Vec<CcmFeedback>, IeError> {
    let mut out = Vec::new();
    let Some(section) = sd.media_sections().next() else {
        return Ok(out);
    };
    for attr in SessionDescription::attributes(section) {
        let attr = attr.map_err(|e| r.bad(ie, e.reason))?;
        let Attr::RtcpFb(fb) = attr else { continue };
        match CcmFeedback::of(&fb) {
            None => {}
            Some(Ok(c)) => out.push(c),
            Some(Err(reason)) => return Err(r.bad(ie, reason)),
        }
    }
    Ok(out)
}

/// The CCM IEs of one stream, by the descriptor that carries them.
///
/// Iq (23.334 §6.2.24): `local` is "prepared to receive", `remote`
/// "allowed to send". Mp: `remote` is the CCMs of the SDP offer the MRFC
/// passes on; `local` is empty (the MRFP answers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamCcm {
    pub stream: StreamId,
    pub local: Vec<CcmFeedback>,
    pub remote: Vec<CcmFeedback>,
}

impl StreamCcm {
    /// Iq: the CCMs the AGW shall be prepared to receive.
    pub fn prepared_to_receive(&self) -> &[CcmFeedback] {
        &self.local
    }
    /// Iq: the CCMs the AGW is allowed to send.
    pub fn allowed_to_send(&self) -> &[CcmFeedback] {
        &self.remote
    }
}

/// The CCMs the gateway confirms in the Local of its reply for one stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamCcmAnswer {
    pub stream: StreamId,
    pub confirmed: Vec<CcmFeedback>,
}

/// The DTLS answer of one stream in the gateway's reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamDtlsAnswer {
    pub stream: StreamId,
    pub answer: DtlsAnswer,
}

// ---- the procedures' IEs ---------------------------------------------------------------------

/// The IEs of a connection-point procedure carrying CCM and / or DTLS-SRTP
/// IEs: the connection point's own IEs and, per stream, the lines added to
/// its Local / Remote SDP. A stream named in `ccm` or `dtls` needs its
/// Local / Remote [`MediaSdp`] in `cp` for its lines to be written
/// ([`MediaIes::unwritten`] lists those that cannot be).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaIes {
    pub cp: ConnectionPointIes,
    pub ccm: Vec<StreamCcm>,
    pub dtls: Vec<StreamDtls>,
}

/// The reply of those procedures: the connection point's reply and what
/// the gateway's Local says of CCM and DTLS per stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaReply {
    pub cp: ConnectionPointReply,
    pub ccm: Vec<StreamCcmAnswer>,
    pub dtls: Vec<StreamDtlsAnswer>,
}

/// What a CCM / DTLS procedure requires beyond its base.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MediaRules {
    pub link: Link,
    /// At least one `ccm` line (Iq: in Local or Remote; Mp: in Remote).
    pub ccm: Need,
    /// At least one DTLS-SRTP stream.
    pub dtls: Need,
    /// Per DTLS stream: "Remote certificate fingerprint".
    pub remote_fingerprint: Need,
    /// Per DTLS stream: "Local certificate fingerprint Request".
    pub local_fingerprint_request: Need,
    /// The reply carries the AGW's fingerprint for a DTLS stream.
    pub reply_fingerprint: bool,
}

/// The base connection-point procedures these extend.
pub(crate) trait ConnectionPoint: Procedure<Reply = ConnectionPointReply> {
    fn wrap(ies: ConnectionPointIes) -> Self;
    fn into_ies(self) -> ConnectionPointIes;
}

macro_rules! connection_point_base {
    ($($ty:ty),*) => {$(
        impl ConnectionPoint for $ty {
            fn wrap(ies: ConnectionPointIes) -> Self {
                Self(ies)
            }
            fn into_ies(self) -> ConnectionPointIes {
                self.0
            }
        }
    )*};
}
connection_point_base!(
    iq::ConfigureAgwConnectionPoint,
    iq::ReserveAndConfigureAgwConnectionPoint,
    mp::ConfigureImsResources
);

/// The Local and Remote session descriptions of each stream of an Add /
/// Modify request, mutable.
fn request_streams(action: &mut ActionRequest) -> Vec<&mut h248_stack::model::StreamDescriptor> {
    let mut out = Vec::new();
    for c in &mut action.commands {
        if let Command::Add(a) | Command::Modify(a) = &mut c.command {
            for d in &mut a.descriptors {
                if let AmmDescriptor::Media(m) = d {
                    if let Some(Streams::Multi(list)) = &mut m.streams {
                        out.extend(list.iter_mut());
                    }
                }
            }
        }
    }
    out
}

fn append(
    sdp: &mut Option<h248_stack::model::LocalRemoteDescriptor>,
    lines: impl IntoIterator<Item = SdpLine>,
) {
    if let Some(group) = sdp.as_mut().and_then(|d| d.groups.first_mut()) {
        group.lines.extend(lines);
    }
}

/// The one session description of a Local / Remote descriptor, validated
/// as the profile Validator does (449).
fn checked<'a>(
    r: Reader,
    ie: &'static str,
    d: &'a Option<h248_stack::model::LocalRemoteDescriptor>,
) -> Result<Option<&'a SessionDescription>, IeError> {
    let Some(sd) = d.as_ref().and_then(|d| d.groups.first()) else {
        return Ok(None);
    };
    sd.validate()
        .map_err(|(line, e)| r.bad(ie, format!("SDP line {line}: {}", e.reason)))?;
    Ok(Some(sd))
}

impl MediaIes {
    /// The IEs the builder cannot write: `(stream, "Local" | "Remote")` for
    /// each stream whose CCM or DTLS lines belong in a descriptor that the
    /// stream's [`ConnectionPointIes`] does not carry (a Local / Remote
    /// descriptor is whole SDP, `c=` and `m=` with its attributes), or that
    /// names no stream at all. Empty when [`Procedure::request`] writes
    /// every IE.
    pub fn unwritten(&self) -> Vec<(StreamId, &'static str)> {
        let mut out = Vec::new();
        let needs = self
            .ccm
            .iter()
            .map(|c| (c.stream, !c.local.is_empty(), !c.remote.is_empty()))
            .chain(self.dtls.iter().map(|d| {
                (
                    d.stream,
                    !d.ies.local_lines().is_empty(),
                    !d.ies.remote_lines().is_empty(),
                )
            }));
        for (id, local, remote) in needs {
            let stream = self.cp.streams.iter().find(|s| s.stream == id);
            if local && stream.and_then(|s| s.local.as_ref()).is_none() {
                out.push((id, "Local"));
            }
            if remote && stream.and_then(|s| s.remote.as_ref()).is_none() {
                out.push((id, "Remote"));
            }
        }
        out
    }

    pub(crate) fn build<B: ConnectionPoint>(&self) -> ActionRequest {
        let mut cp = self.cp.clone();
        for d in &self.dtls {
            if let Some(s) = cp.streams.iter_mut().find(|s| s.stream == d.stream) {
                for m in [&mut s.local, &mut s.remote].into_iter().flatten() {
                    m.proto = Text::from(d.ies.transport.proto());
                }
            }
        }
        let mut action = B::wrap(cp).request();
        for s in request_streams(&mut action) {
            let id = s.stream_id;
            for d in self.dtls.iter().filter(|d| d.stream == id) {
                append(&mut s.parms.local, d.ies.local_lines());
                append(&mut s.parms.remote, d.ies.remote_lines());
            }
            for c in self.ccm.iter().filter(|c| c.stream == id) {
                append(&mut s.parms.local, c.local.iter().map(CcmFeedback::line));
                append(&mut s.parms.remote, c.remote.iter().map(CcmFeedback::line));
            }
        }
        action
    }

    pub(crate) fn read<B: ConnectionPoint>(
        r: Reader,
        action: &ActionRequest,
        rules: MediaRules,
    ) -> Result<Self, IeError> {
        let cp = B::read_request(action)
            .map_err(|e| IeError {
                procedure: r.0,
                ..e
            })?
            .into_ies();
        let mut ccm = Vec::new();
        let mut dtls = Vec::new();
        let commands = action.commands.iter().filter_map(|c| match &c.command {
            Command::Add(a) | Command::Modify(a) => Some(a),
            _ => None,
        });
        for amm in commands {
            for d in &amm.descriptors {
                let AmmDescriptor::Media(m) = d else { continue };
                for (id, parms) in read_streams(m) {
                    read_stream(r, rules, id, parms, &mut ccm, &mut dtls)?;
                }
            }
        }
        if rules.ccm == Need::Mandatory && ccm.is_empty() {
            return Err(r.missing("CCM", "no `a=rtcp-fb:<pt> ccm` line in any stream"));
        }
        if rules.dtls == Need::Mandatory && dtls.is_empty() {
            return Err(r.missing(
                "transport",
                "no stream uses UDP/TLS/RTP/SAVP or UDP/TLS/RTP/SAVPF",
            ));
        }
        if rules.dtls == Need::Absent && !dtls.is_empty() {
            return Err(r.err(
                "DTLS",
                code::BAD_VALUE,
                "DTLS-SRTP is not an IE of this procedure",
            ));
        }
        for d in &dtls {
            if rules.remote_fingerprint == Need::Mandatory && d.ies.remote_fingerprints.is_empty() {
                return Err(r.missing(
                    "Remote certificate fingerprint",
                    format!("stream {}: no a=fingerprint in Remote", d.stream),
                ));
            }
            if rules.local_fingerprint_request == Need::Mandatory
                && d.ies.local_fingerprint_request.is_none()
            {
                return Err(r.missing(
                    "Local certificate fingerprint Request",
                    format!("stream {}: no a=fingerprint:$ in Local", d.stream),
                ));
            }
        }
        Ok(MediaIes { cp, ccm, dtls })
    }

    /// The gateway's CCM answer per stream with CCM IEs: Iq by TS 23.334
    /// clause 6.2.24 (`apply_instruction`: Local prepared to receive, Remote
    /// allowed to send), Mp by RFC 5104 clause 7.3 (`answer_offer` on
    /// Remote). The lines of the answer are what the gateway is prepared to
    /// receive; what it may send is in the [`CcmNegotiation`].
    pub fn negotiate(&self, link: Link, caps: &CcmCapabilities) -> Vec<(StreamId, CcmNegotiation)> {
        let section = |sdp: &Option<MediaSdp>, lines: &[CcmFeedback]| -> Vec<SdpLine> {
            let Some(sdp) = sdp else { return Vec::new() };
            let mut sd = sdp.session();
            sd.lines.extend(lines.iter().map(CcmFeedback::line));
            let section = sd
                .media_sections()
                .next()
                .map(<[SdpLine]>::to_vec)
                .unwrap_or_default();
            section
        };
        let mut out = Vec::new();
        for c in &self.ccm {
            let stream = self.cp.streams.iter().find(|s| s.stream == c.stream);
            let (local, remote) = match stream {
                Some(s) => (section(&s.local, &c.local), section(&s.remote, &c.remote)),
                None => continue,
            };
            // The lines are typed IEs, so both functions only see
            // well-formed lines; an error would leave the stream unanswered.
            let negotiation = match link {
                Link::Iq => apply_instruction(&local, &remote, caps),
                Link::Mp => answer_offer(&remote, caps),
            };
            if let Ok(n) = negotiation {
                out.push((c.stream, n));
            }
        }
        out
    }

    /// The [`StreamCcmAnswer`]s of a negotiation, for the reply.
    pub fn ccm_answers(negotiations: &[(StreamId, CcmNegotiation)]) -> Vec<StreamCcmAnswer> {
        negotiations
            .iter()
            .map(|(stream, n)| StreamCcmAnswer {
                stream: *stream,
                confirmed: n
                    .answer_lines()
                    .iter()
                    .filter_map(|l| match Attr::from_line(l) {
                        Ok(Attr::RtcpFb(fb)) => CcmFeedback::of(&fb).and_then(Result::ok),
                        _ => None,
                    })
                    .collect(),
            })
            .filter(|a| !a.confirmed.is_empty())
            .collect()
    }
}

fn read_stream(
    r: Reader,
    rules: MediaRules,
    id: StreamId,
    parms: &StreamParms,
    ccm: &mut Vec<StreamCcm>,
    dtls: &mut Vec<StreamDtls>,
) -> Result<(), IeError> {
    let local = checked(r, "Local IP Resources", &parms.local)?;
    let remote = checked(r, "Remote IP Resources", &parms.remote)?;
    let (ie_local, ie_remote) = match rules.link {
        Link::Iq => ("CCM prepared to receive", "CCM allowed to send"),
        Link::Mp => ("CCM", "CCM offered"),
    };
    let local_ccm = match local {
        Some(sd) => read_ccm(r, ie_local, sd)?,
        None => Vec::new(),
    };
    let remote_ccm = match remote {
        Some(sd) => read_ccm(r, ie_remote, sd)?,
        None => Vec::new(),
    };
    match rules.link {
        Link::Iq => {
            for (ie, list) in [(ie_local, &local_ccm), (ie_remote, &remote_ccm)] {
                if let Some(c) = list.iter().find(|c| !c.is_iq()) {
                    return Err(r.bad(
                        ie,
                        format!(
                            "`{}`: TS 23.334 §6.2.24 names FIR and TMMBR/TMMBN only",
                            c.line()
                        ),
                    ));
                }
            }
        }
        Link::Mp => {
            if !local_ccm.is_empty() {
                return Err(r.bad(
                    ie_local,
                    "the MRFP answers the offered CCMs: Local carries none (unconfirmed)",
                ));
            }
        }
    }
    if !local_ccm.is_empty() || !remote_ccm.is_empty() {
        ccm.push(StreamCcm {
            stream: id,
            local: local_ccm,
            remote: remote_ccm,
        });
    }
    if let Some(ies) = DtlsIes::read(r, local, remote)? {
        dtls.push(StreamDtls { stream: id, ies });
    }
    Ok(())
}

/// The stream's `m=` protocol is UDP/TLS/RTP/SAVP(F).
fn is_dtls_srtp(sd: &SessionDescription) -> bool {
    sd.media_sections()
        .next()
        .and_then(|m| m.first())
        .and_then(|l| match l.field() {
            Ok(h248_stack::sdp::SdpField::Media { proto, .. }) => DtlsTransport::of(proto),
            _ => None,
        })
        .is_some()
}

impl MediaReply {
    pub(crate) fn build<B: ConnectionPoint>(&self) -> ActionReply {
        let mut action = B::reply(&self.cp);
        for c in &mut action.commands {
            let (CommandReply::Add(a) | CommandReply::Modify(a)) = c else {
                continue;
            };
            for item in &mut a.audit {
                let AuditReturnParameter::Media(m) = item else {
                    continue;
                };
                let Some(Streams::Multi(list)) = &mut m.streams else {
                    continue;
                };
                for s in list {
                    let id = s.stream_id;
                    for d in self.dtls.iter().filter(|d| d.stream == id) {
                        append(&mut s.parms.local, d.answer.lines());
                    }
                    for c in self.ccm.iter().filter(|c| c.stream == id) {
                        append(
                            &mut s.parms.local,
                            c.confirmed.iter().map(CcmFeedback::line),
                        );
                    }
                }
            }
        }
        action
    }

    pub(crate) fn read<B: ConnectionPoint>(
        r: Reader,
        action: &ActionReply,
        rules: MediaRules,
    ) -> Result<Self, IeError> {
        let cp = B::read_reply(action).map_err(|e| IeError {
            procedure: r.0,
            ..e
        })?;
        let mut ccm = Vec::new();
        let mut dtls = Vec::new();
        for c in &action.commands {
            let (CommandReply::Add(a) | CommandReply::Modify(a)) = c else {
                continue;
            };
            for item in &a.audit {
                let AuditReturnParameter::Media(m) = item else {
                    continue;
                };
                for (id, parms) in read_streams(m) {
                    let Some(local) = checked(r, "Local IP Resources", &parms.local)? else {
                        continue;
                    };
                    let confirmed = read_ccm(r, "CCM", local)?;
                    if let Some(c) = confirmed.iter().find(|c| {
                        matches!(
                            c.param,
                            CcmParam::Tmmbr {
                                smaxpr: Some(Choice::Choose)
                            }
                        )
                    }) {
                        return Err(r.missing(
                            "CCM",
                            format!("`{}`: the gateway did not fill in smaxpr", c.line()),
                        ));
                    }
                    if rules.link == Link::Iq {
                        if let Some(c) = confirmed.iter().find(|c| !c.is_iq()) {
                            return Err(r.bad(
                                "CCM",
                                format!("`{}`: not a CCM of TS 23.334 §6.2.24", c.line()),
                            ));
                        }
                    }
                    if !confirmed.is_empty() {
                        ccm.push(StreamCcmAnswer {
                            stream: id,
                            confirmed,
                        });
                    }
                    match DtlsAnswer::read(r, local)? {
                        Some(answer) => dtls.push(StreamDtlsAnswer { stream: id, answer }),
                        None if rules.reply_fingerprint && is_dtls_srtp(local) => {
                            return Err(r.missing(
                                "Local certificate fingerprint",
                                format!("stream {id}: no a=fingerprint in the reply's Local"),
                            ))
                        }
                        None => {}
                    }
                }
            }
        }
        if rules.reply_fingerprint && dtls.is_empty() {
            return Err(r.missing(
                "Local certificate fingerprint",
                "no a=fingerprint in the reply's Local",
            ));
        }
        Ok(MediaReply { cp, ccm, dtls })
    }
}

/// Declares a procedure over [`MediaIes`] extending a base connection-point
/// procedure.
macro_rules! media_procedure {
    ($(#[$doc:meta])* $ty:ident, $base:ty, $name:literal, $clause:literal, $rules:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $ty(pub $crate::procedure::ccm::MediaIes);

        impl $crate::procedure::Procedure for $ty {
            const NAME: &'static str = $name;
            const CLAUSE: &'static str = $clause;
            const LINK: $crate::procedure::Link = $rules.link;
            const INITIATOR: $crate::profile::Sender = $crate::profile::Sender::Mgc;
            type Reply = $crate::procedure::ccm::MediaReply;

            fn request(&self) -> h248_stack::model::ActionRequest {
                self.0.build::<$base>()
            }
            fn read_request(
                action: &h248_stack::model::ActionRequest,
            ) -> Result<Self, $crate::procedure::IeError> {
                $crate::procedure::ccm::MediaIes::read::<$base>(
                    $crate::procedure::Reader(Self::NAME),
                    action,
                    $rules,
                )
                .map($ty)
            }
            fn reply(reply: &Self::Reply) -> h248_stack::model::ActionReply {
                reply.build::<$base>()
            }
            fn read_reply(
                action: &h248_stack::model::ActionReply,
            ) -> Result<Self::Reply, $crate::procedure::IeError> {
                $crate::procedure::ccm::MediaReply::read::<$base>(
                    $crate::procedure::Reader(Self::NAME),
                    action,
                    $rules,
                )
            }
        }
    };
}
pub(crate) use media_procedure;

const IQ_CCM: MediaRules = MediaRules {
    link: Link::Iq,
    ccm: Need::Mandatory,
    dtls: Need::Optional,
    remote_fingerprint: Need::Optional,
    local_fingerprint_request: Need::Optional,
    reply_fingerprint: false,
};

const MP_CCM: MediaRules = MediaRules {
    link: Link::Mp,
    dtls: Need::Absent,
    ..IQ_CCM
};

media_procedure!(
    /// Configure AGW Connection Point with the CCM IEs of TS 23.334 clause
    /// 6.2.24 (Modify): `ccm` lines in Local (prepared to receive) and / or
    /// Remote (allowed to send); DTLS-SRTP IEs may ride along.
    ConfigureAgwCcm,
    iq::ConfigureAgwConnectionPoint,
    "Configure AGW Connection Point (CCM)",
    "23.334 §6.2.24, §8",
    IQ_CCM
);

media_procedure!(
    /// Reserve and Configure AGW Connection Point with the CCM IEs of TS
    /// 23.334 clause 6.2.24 (Add).
    ReserveAndConfigureAgwCcm,
    iq::ReserveAndConfigureAgwConnectionPoint,
    "Reserve and Configure AGW Connection Point (CCM)",
    "23.334 §6.2.24, §8.2",
    IQ_CCM
);

media_procedure!(
    /// Configure IMS Resources with CCM offered (Mp, Modify): the offer's
    /// `ccm` lines in Remote, answered by the MRFP in its Local reply with
    /// those it supports (RFC 5104 clause 7.3; unconfirmed, see the module
    /// documentation).
    ConfigureImsResourcesCcm,
    mp::ConfigureImsResources,
    "Configure IMS Resources (CCM)",
    "23.333 §8.22; RFC 5104 §7.3",
    MP_CCM
);
