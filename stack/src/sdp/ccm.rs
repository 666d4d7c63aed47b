//! Negotiating the RTCP Codec Control Messages (CCM, RFC 5104) a gateway
//! uses on a media stream, from the `a=rtcp-fb:<pt> ccm ...` lines of the
//! Local and Remote SDP.
//!
//! Two rules, one per way a gateway meets CCM:
//!
//! - [`answer_offer`], RFC 5104 clause 7.3: the gateway answers an SDP
//!   offer (e.g. the MRFP, TS 29.333, answering in Local the offer the MRFC
//!   puts in Remote, Local left to the MG by H.248.1 clause 7.1.8). The
//!   answerer removes the CCMs it does not understand or does not wish to
//!   use and adds none; the answer binds both ends, which then use only the
//!   CCMs negotiated (paraphrased: the text of clause 7.3 was not at hand to
//!   quote). An offered CCM is therefore answered
//!   only if the gateway can act on it when received (answering binds it to
//!   honour the peer's requests); the gateway may then send it too when it
//!   supports sending.
//! - [`apply_instruction`], TS 23.334 clause 6.2.24 (Iq): the IMS-ALG, which
//!   has negotiated CCM in SIP, may tell the IMS-AGW to be *prepared to
//!   receive* and *allowed to send* FIR and / or TMMBR/TMMBN. In H.248 the
//!   Local descriptor describes what the MG receives and the Remote what the
//!   peer receives (H.248.1 clause 7.1.8), so a `ccm` line in Local asks the
//!   MG to be prepared to receive that message and one in Remote allows the
//!   MG to send it. The MG confirms in its Local reply only the CCMs it is
//!   prepared to receive. The TS 29.334 row that codes the clause 6.2.24
//!   information elements was not available (see
//!   `../shared/spec/3gpp-profiles.md` section 5.3): this mapping onto
//!   Local/Remote is inferred from H.248.1 semantics and the `rtcp-fb`
//!   coding 29.334 uses for its sibling feedback capabilities.
//!
//! Both work per payload type: a line for `*` and one for `96` are separate
//! entries, and [`CcmNegotiation::prepared_to_receive`] /
//! [`CcmNegotiation::allowed_to_send`] resolve a payload type against both.
//!
//! This lives in `sdp` rather than in `h248_profiles` because the rules are
//! RFC 5104 and H.248.1 semantics that Mp and Iq share; what is profile
//! policy is only which [`CcmCapabilities`] a gateway has, and a profile
//! passes them in (TS 23.334 clause 6.2.24 names only FIR and TMMBR/TMMBN:
//! [`CcmCapabilities::fir_and_tmmbr`]).

use std::fmt;

use compact_str::format_compact;

use super::attribute::{Attr, Choice};
use super::field::{FieldError, SdpField, Tokens};
use super::rtcp_fb::{Ccm, FbKind, FbPayloadType, RtcpFb};
use super::SdpLine;

/// A Codec Control Message of RFC 5104, by its `ccm` parameter (clause 7.1).
/// The request/notification pairs go together: `Tmmbr` is TMMBR with its
/// TMMBN, `Tstr` TSTR with its TSTN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CcmMessage {
    /// Full Intra Request (clause 3.5.1).
    Fir,
    /// Temporary Maximum Media Stream Bit Rate Request / Notification
    /// (clause 3.5.4).
    Tmmbr,
    /// Temporal-Spatial Trade-off Request / Notification (clause 3.5.2).
    Tstr,
    /// H.271 Video Back Channel Message (clause 3.5.3).
    Vbcm,
}

impl CcmMessage {
    /// The message a `ccm` parameter negotiates; `None` for parameters
    /// outside RFC 5104.
    pub fn of(ccm: &Ccm<'_>) -> Option<Self> {
        match ccm {
            Ccm::Fir => Some(CcmMessage::Fir),
            Ccm::Tmmbr { .. } => Some(CcmMessage::Tmmbr),
            Ccm::Tstr => Some(CcmMessage::Tstr),
            Ccm::Vbcm(_) => Some(CcmMessage::Vbcm),
            Ccm::Other { .. } => None,
        }
    }

    /// The `ccm` parameter name.
    pub fn as_str(&self) -> &'static str {
        match self {
            CcmMessage::Fir => "fir",
            CcmMessage::Tmmbr => "tmmbr",
            CcmMessage::Tstr => "tstr",
            CcmMessage::Vbcm => "vbcm",
        }
    }
}

impl fmt::Display for CcmMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a gateway can do with one CCM, per direction (TS 23.334 clause
/// 6.2.24 distinguishes "prepared to receive" from "allowed to send").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CcmSupport {
    /// It acts on the message when received (for TMMBR: applies the limit
    /// and answers TMMBN; for FIR: produces a decoder refresh point).
    pub receive: bool,
    /// It may originate the message.
    pub send: bool,
}

impl CcmSupport {
    pub const NONE: CcmSupport = CcmSupport {
        receive: false,
        send: false,
    };
    pub const BOTH: CcmSupport = CcmSupport {
        receive: true,
        send: true,
    };
}

/// The CCMs a gateway supports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CcmCapabilities {
    pub fir: CcmSupport,
    pub tmmbr: CcmSupport,
    pub tstr: CcmSupport,
    pub vbcm: CcmSupport,
    /// The H.271 sub-message types supported with VBCM.
    pub vbcm_sub_types: Vec<u32>,
    /// The session maximum packet rate the gateway declares with `ccm tmmbr
    /// smaxpr=` in its answer (RFC 5104 clause 7.1); `None` leaves it out.
    pub max_packet_rate: Option<u64>,
}

impl CcmCapabilities {
    /// No CCM at all: every offered CCM is declined.
    pub fn none() -> Self {
        Self::default()
    }

    /// FIR and TMMBR/TMMBN in both directions: what TS 23.334 clause 6.2.24
    /// lets the IMS-ALG ask of the IMS-AGW.
    pub fn fir_and_tmmbr() -> Self {
        CcmCapabilities {
            fir: CcmSupport::BOTH,
            tmmbr: CcmSupport::BOTH,
            ..Self::default()
        }
    }

    /// The support for one message.
    pub fn support(&self, message: CcmMessage) -> CcmSupport {
        match message {
            CcmMessage::Fir => self.fir,
            CcmMessage::Tmmbr => self.tmmbr,
            CcmMessage::Tstr => self.tstr,
            CcmMessage::Vbcm => self.vbcm,
        }
    }
}

/// Which SDP a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// The media section of an SDP offer ([`answer_offer`]).
    Offer,
    /// The Local descriptor's media section ([`apply_instruction`]).
    Local,
    /// The Remote descriptor's media section ([`apply_instruction`]).
    Remote,
}

/// A `ccm` line the negotiation did not take, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declined {
    pub side: Side,
    /// Index of the line in the media section given.
    pub line: usize,
    pub reason: &'static str,
}

/// A malformed line in a media section given to the negotiation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CcmError {
    pub side: Side,
    /// Index of the line in the media section given.
    pub line: usize,
    pub error: FieldError,
}

impl fmt::Display for CcmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} SDP line {}: {}", self.side, self.line, self.error)
    }
}

impl std::error::Error for CcmError {}

/// One CCM the gateway uses on one payload type (or `*`, or `$`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CcmEntry {
    pub pt: FbPayloadType,
    pub message: CcmMessage,
    /// The gateway is prepared to receive it (and confirms it in its
    /// answer / Local reply).
    pub receive: bool,
    /// The gateway is allowed to send it.
    pub send: bool,
    /// The `smaxpr` the peer declared with `ccm tmmbr` (RFC 5104 clause
    /// 7.1), if any.
    pub peer_smaxpr: Option<Choice<u64>>,
    /// For VBCM: the sub-message types both ends support, in offered order.
    pub vbcm_sub_types: Vec<u32>,
}

/// The outcome of a CCM negotiation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CcmNegotiation {
    /// The CCMs in use, in the order offered.
    pub entries: Vec<CcmEntry>,
    /// The `ccm` lines not taken.
    pub declined: Vec<Declined>,
    /// The `smaxpr` the gateway declares in its answer.
    pub answer_smaxpr: Option<u64>,
}

impl CcmNegotiation {
    /// Whether the gateway is prepared to receive `message` on payload type
    /// `pt` (by a line for `pt` or for `*`).
    pub fn prepared_to_receive(&self, pt: u8, message: CcmMessage) -> bool {
        self.entries
            .iter()
            .any(|e| e.receive && e.message == message && e.pt.covers(pt))
    }

    /// Whether the gateway is allowed to send `message` on payload type
    /// `pt` (by a line for `pt` or for `*`).
    pub fn allowed_to_send(&self, pt: u8, message: CcmMessage) -> bool {
        self.entries
            .iter()
            .any(|e| e.send && e.message == message && e.pt.covers(pt))
    }

    /// The `a=rtcp-fb:` lines of the gateway's answer (its Local reply): one
    /// per CCM it is prepared to receive, in offered order, each with the
    /// payload type offered.
    pub fn answer_lines(&self) -> Vec<SdpLine> {
        self.entries
            .iter()
            .filter(|e| e.receive)
            .map(|e| {
                let types = e
                    .vbcm_sub_types
                    .iter()
                    .map(|t| format_compact!("{t}"))
                    .collect::<Vec<_>>()
                    .join(" ");
                let ccm = match e.message {
                    CcmMessage::Fir => Ccm::Fir,
                    CcmMessage::Tstr => Ccm::Tstr,
                    CcmMessage::Tmmbr => Ccm::Tmmbr {
                        smaxpr: self.answer_smaxpr.map(Choice::Value),
                    },
                    CcmMessage::Vbcm => Ccm::Vbcm(Tokens::new(&types)),
                };
                Attr::RtcpFb(RtcpFb {
                    pt: e.pt,
                    kind: FbKind::Ccm(ccm),
                })
                .to_line()
            })
            .collect()
    }
}

/// One well-formed, RFC 5104 `ccm` line of a media section.
struct Offered {
    line: usize,
    pt: FbPayloadType,
    message: CcmMessage,
    smaxpr: Option<Choice<u64>>,
    vbcm_sub_types: Vec<u32>,
}

/// The `ccm` lines of a media section (an `m=` line and the lines after
/// it), the ones that cannot be negotiated declined: a payload type not
/// among the `m=` formats (RFC 4585 clause 4.2), a parameter outside RFC
/// 5104, a `vbcm` without sub-message types, a repeated line.
fn offered(
    media: &[SdpLine],
    side: Side,
    declined: &mut Vec<Declined>,
) -> Result<Vec<Offered>, CcmError> {
    let error = |line: usize| move |error: FieldError| CcmError { side, line, error };
    let mut formats = None;
    let mut out: Vec<Offered> = Vec::new();
    for (i, line) in media.iter().enumerate() {
        let field = line.field().map_err(error(i))?;
        let (name, value) = match field {
            SdpField::Media { formats: f, .. } => {
                formats = Some(f);
                continue;
            }
            SdpField::Attribute { name, value } => (name, value),
            _ => continue,
        };
        if !name.eq_ignore_ascii_case(RtcpFb::NAME) {
            continue;
        }
        let Attr::RtcpFb(fb) = Attr::parse(name, value).map_err(error(i))? else {
            continue;
        };
        let Some(ccm) = fb.ccm() else { continue };
        let mut decline = |reason| {
            declined.push(Declined {
                side,
                line: i,
                reason,
            })
        };
        if let Some(f) = formats {
            if fb.check_formats(f).is_err() {
                decline("the payload type is not one of the m= line's formats");
                continue;
            }
        }
        let Some(message) = CcmMessage::of(&ccm) else {
            decline("a ccm parameter outside RFC 5104");
            continue;
        };
        if out.iter().any(|o| o.pt == fb.pt && o.message == message) {
            decline("a repeated ccm line");
            continue;
        }
        let vbcm_sub_types: Vec<u32> = ccm.vbcm_sub_types().collect();
        if message == CcmMessage::Vbcm && vbcm_sub_types.is_empty() {
            decline("vbcm without sub-message types");
            continue;
        }
        let smaxpr = match ccm {
            Ccm::Tmmbr { smaxpr } => smaxpr,
            _ => None,
        };
        out.push(Offered {
            line: i,
            pt: fb.pt,
            message,
            smaxpr,
            vbcm_sub_types,
        });
    }
    Ok(out)
}

/// The sub-message types of `offered` the gateway supports, in offered order.
fn common_sub_types(offered: &[u32], caps: &CcmCapabilities) -> Vec<u32> {
    offered
        .iter()
        .copied()
        .filter(|t| caps.vbcm_sub_types.contains(t))
        .collect()
}

/// RFC 5104 clause 7.3: answer the `ccm` lines of an offered media section
/// (the `m=` line and the lines after it, e.g. an item of
/// [`super::SessionDescription::media_sections`]) with those the gateway
/// supports.
///
/// An offered CCM is answered when the gateway is prepared to receive it
/// (the answer binds the answerer to honour it); the entry allows sending
/// when the gateway can send it. VBCM is answered with the sub-message types
/// both support, and declined when there are none. TMMBR is answered with
/// the gateway's own `smaxpr` ([`CcmCapabilities::max_packet_rate`]): the
/// value describes the end that writes it. Nothing is added to the offer.
pub fn answer_offer(offer: &[SdpLine], caps: &CcmCapabilities) -> Result<CcmNegotiation, CcmError> {
    let mut declined = Vec::new();
    let offered = offered(offer, Side::Offer, &mut declined)?;
    let mut entries = Vec::new();
    for o in offered {
        let support = caps.support(o.message);
        let mut decline = |reason| {
            declined.push(Declined {
                side: Side::Offer,
                line: o.line,
                reason,
            })
        };
        if !support.receive {
            decline("the gateway cannot act on this CCM when received");
            continue;
        }
        let vbcm_sub_types = common_sub_types(&o.vbcm_sub_types, caps);
        if o.message == CcmMessage::Vbcm && vbcm_sub_types.is_empty() {
            decline("no VBCM sub-message type in common");
            continue;
        }
        entries.push(CcmEntry {
            pt: o.pt,
            message: o.message,
            receive: true,
            send: support.send,
            peer_smaxpr: o.smaxpr,
            vbcm_sub_types,
        });
    }
    declined.sort_by_key(|d| d.line);
    Ok(CcmNegotiation {
        entries,
        declined,
        answer_smaxpr: caps.max_packet_rate,
    })
}

/// TS 23.334 clause 6.2.24: the `ccm` lines of the Local media section ask
/// the gateway to be prepared to receive those messages; those of the
/// Remote media section allow it to send them (see the module
/// documentation). A CCM is prepared to receive when it is in Local and the
/// gateway can receive it, allowed to send when it is in Remote and the
/// gateway can send it; one in neither role is declined on its side.
/// Entries follow Local's order, then Remote's lines not in Local. For
/// VBCM, the sub-message types are those of Local (or of Remote when Local
/// has none) that the gateway supports.
pub fn apply_instruction(
    local: &[SdpLine],
    remote: &[SdpLine],
    caps: &CcmCapabilities,
) -> Result<CcmNegotiation, CcmError> {
    let mut declined = Vec::new();
    let local_ccm = offered(local, Side::Local, &mut declined)?;
    let remote_ccm = offered(remote, Side::Remote, &mut declined)?;
    let mut entries: Vec<CcmEntry> = Vec::new();
    for (side, list) in [(Side::Local, &local_ccm), (Side::Remote, &remote_ccm)] {
        for o in list.iter() {
            let support = caps.support(o.message);
            let vbcm_sub_types = common_sub_types(&o.vbcm_sub_types, caps);
            let vbcm_ok = o.message != CcmMessage::Vbcm || !vbcm_sub_types.is_empty();
            let (able, reason) = match side {
                Side::Local => (
                    support.receive,
                    "the gateway cannot act on this CCM when received",
                ),
                _ => (support.send, "the gateway cannot send this CCM"),
            };
            if !able || !vbcm_ok {
                declined.push(Declined {
                    side,
                    line: o.line,
                    reason: if able {
                        "no VBCM sub-message type in common"
                    } else {
                        reason
                    },
                });
                continue;
            }
            let existing = entries
                .iter_mut()
                .find(|e| e.pt == o.pt && e.message == o.message);
            let entry = match existing {
                Some(e) => e,
                None => {
                    entries.push(CcmEntry {
                        pt: o.pt,
                        message: o.message,
                        receive: false,
                        send: false,
                        peer_smaxpr: None,
                        vbcm_sub_types,
                    });
                    let last = entries.len() - 1;
                    &mut entries[last]
                }
            };
            match side {
                Side::Local => entry.receive = true,
                _ => {
                    entry.send = true;
                    // Remote describes the peer: its smaxpr is the peer's.
                    entry.peer_smaxpr = o.smaxpr;
                }
            }
        }
    }
    declined.sort_by_key(|d| (d.side != Side::Local, d.line));
    Ok(CcmNegotiation {
        entries,
        declined,
        answer_smaxpr: caps.max_packet_rate,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdp::SessionDescription;

    fn media(text: &str) -> Vec<SdpLine> {
        let groups = SessionDescription::parse_groups(text, 100).unwrap();
        let sd = &groups[0];
        let section = sd.media_sections().next().unwrap().to_vec();
        section
    }

    fn lines(n: &CcmNegotiation) -> Vec<String> {
        n.answer_lines().iter().map(|l| l.to_string()).collect()
    }

    fn reasons(n: &CcmNegotiation) -> Vec<(Side, usize, &'static str)> {
        n.declined
            .iter()
            .map(|d| (d.side, d.line, d.reason))
            .collect()
    }

    #[test]
    fn unsupported_ccm_is_removed_from_the_answer() {
        let offer = media(
            "v=0\nm=video 49170 RTP/AVPF 96\na=rtpmap:96 H264/90000\n\
             a=rtcp-fb:96 ccm fir\na=rtcp-fb:96 ccm tmmbr smaxpr=120\na=rtcp-fb:96 ccm tstr\n\
             a=rtcp-fb:96 ccm vbcm 1 2\na=rtcp-fb:96 ccm pause\na=rtcp-fb:96 nack pli\n",
        );
        let n = answer_offer(&offer, &CcmCapabilities::fir_and_tmmbr()).unwrap();
        assert_eq!(
            lines(&n),
            ["a=rtcp-fb:96 ccm fir", "a=rtcp-fb:96 ccm tmmbr"]
        );
        assert_eq!(n.entries[1].peer_smaxpr, Some(Choice::Value(120)));
        assert_eq!(
            reasons(&n),
            [
                (
                    Side::Offer,
                    4,
                    "the gateway cannot act on this CCM when received"
                ),
                (
                    Side::Offer,
                    5,
                    "the gateway cannot act on this CCM when received"
                ),
                (Side::Offer, 6, "a ccm parameter outside RFC 5104"),
            ]
        );
        assert!(n.prepared_to_receive(96, CcmMessage::Fir));
        assert!(n.allowed_to_send(96, CcmMessage::Tmmbr));
        assert!(!n.prepared_to_receive(96, CcmMessage::Tstr));
    }

    #[test]
    fn wildcards_and_several_payload_types() {
        let offer = media(
            "v=0\nm=video 49170 RTP/AVPF 96 97 98\na=rtcp-fb:* ccm fir\n\
             a=rtcp-fb:97 ccm tmmbr\na=rtcp-fb:98 ccm tmmbr smaxpr=30\n\
             a=rtcp-fb:99 ccm tmmbr\na=rtcp-fb:* ccm fir\n",
        );
        let caps = CcmCapabilities {
            max_packet_rate: Some(50),
            ..CcmCapabilities::fir_and_tmmbr()
        };
        let n = answer_offer(&offer, &caps).unwrap();
        assert_eq!(
            lines(&n),
            [
                "a=rtcp-fb:* ccm fir",
                "a=rtcp-fb:97 ccm tmmbr smaxpr=50",
                "a=rtcp-fb:98 ccm tmmbr smaxpr=50"
            ]
        );
        assert_eq!(
            reasons(&n),
            [
                (
                    Side::Offer,
                    4,
                    "the payload type is not one of the m= line's formats"
                ),
                (Side::Offer, 5, "a repeated ccm line"),
            ]
        );
        for pt in [96, 97, 98] {
            assert!(n.prepared_to_receive(pt, CcmMessage::Fir), "{pt}");
        }
        assert!(!n.prepared_to_receive(96, CcmMessage::Tmmbr));
        assert!(n.prepared_to_receive(97, CcmMessage::Tmmbr));
        assert!(n.allowed_to_send(98, CcmMessage::Tmmbr));
        assert_eq!(n.entries[2].peer_smaxpr, Some(Choice::Value(30)));
    }

    #[test]
    fn offers_without_ccm_or_gateways_without_ccm() {
        let offer = media("v=0\nm=video 49170 RTP/AVPF 96\na=rtcp-fb:96 nack\n");
        let n = answer_offer(&offer, &CcmCapabilities::fir_and_tmmbr()).unwrap();
        assert_eq!(
            n,
            CcmNegotiation {
                answer_smaxpr: None,
                ..CcmNegotiation::default()
            }
        );
        assert!(n.answer_lines().is_empty());

        let offer = media("v=0\nm=video 49170 RTP/AVPF 96\na=rtcp-fb:96 ccm fir\n");
        let n = answer_offer(&offer, &CcmCapabilities::none()).unwrap();
        assert!(n.entries.is_empty());
        assert_eq!(reasons(&n).len(), 1);
        assert!(!n.prepared_to_receive(96, CcmMessage::Fir));
    }

    #[test]
    fn directions_of_the_gateway() {
        let caps = CcmCapabilities {
            fir: CcmSupport {
                receive: true,
                send: false,
            },
            tmmbr: CcmSupport {
                receive: false,
                send: true,
            },
            ..CcmCapabilities::none()
        };
        // RFC 5104 offer/answer: only what the gateway can receive is answered.
        let offer =
            media("v=0\nm=video 1 RTP/AVPF 96\na=rtcp-fb:96 ccm fir\na=rtcp-fb:96 ccm tmmbr\n");
        let n = answer_offer(&offer, &caps).unwrap();
        assert_eq!(lines(&n), ["a=rtcp-fb:96 ccm fir"]);
        assert!(n.prepared_to_receive(96, CcmMessage::Fir));
        assert!(!n.allowed_to_send(96, CcmMessage::Fir));
        assert!(!n.allowed_to_send(96, CcmMessage::Tmmbr));

        // TS 23.334 clause 6.2.24: Local asks to receive, Remote allows to send.
        let local =
            media("v=0\nm=video $ RTP/AVPF 96\na=rtcp-fb:96 ccm fir\na=rtcp-fb:96 ccm tmmbr\n");
        let remote =
            media("v=0\nm=video 5000 RTP/AVPF 96\na=rtcp-fb:96 ccm fir\na=rtcp-fb:96 ccm tmmbr\n");
        let n = apply_instruction(&local, &remote, &caps).unwrap();
        assert!(n.prepared_to_receive(96, CcmMessage::Fir));
        assert!(!n.allowed_to_send(96, CcmMessage::Fir));
        assert!(!n.prepared_to_receive(96, CcmMessage::Tmmbr));
        assert!(n.allowed_to_send(96, CcmMessage::Tmmbr));
        assert_eq!(lines(&n), ["a=rtcp-fb:96 ccm fir"]);
        assert_eq!(
            reasons(&n),
            [
                (
                    Side::Local,
                    2,
                    "the gateway cannot act on this CCM when received"
                ),
                (Side::Remote, 1, "the gateway cannot send this CCM"),
            ]
        );

        // Allowed to send FIR only: in Remote, not in Local.
        let local = media("v=0\nm=video $ RTP/AVPF 96\n");
        let remote = media("v=0\nm=video 5000 RTP/AVPF 96\na=rtcp-fb:* ccm fir\n");
        let n = apply_instruction(&local, &remote, &CcmCapabilities::fir_and_tmmbr()).unwrap();
        assert!(n.allowed_to_send(96, CcmMessage::Fir));
        assert!(!n.prepared_to_receive(96, CcmMessage::Fir));
        assert!(n.answer_lines().is_empty());
    }

    #[test]
    fn vbcm_sub_types_in_common() {
        let caps = CcmCapabilities {
            vbcm: CcmSupport::BOTH,
            vbcm_sub_types: vec![2, 3],
            ..CcmCapabilities::none()
        };
        let offer = media(
            "v=0\nm=video 1 RTP/AVPF 96 97 98\na=rtcp-fb:96 ccm vbcm 1 2 3\n\
             a=rtcp-fb:97 ccm vbcm 1\na=rtcp-fb:98 ccm vbcm\n",
        );
        let n = answer_offer(&offer, &caps).unwrap();
        assert_eq!(lines(&n), ["a=rtcp-fb:96 ccm vbcm 2 3"]);
        assert_eq!(n.entries[0].vbcm_sub_types, [2, 3]);
        assert_eq!(
            reasons(&n),
            [
                (Side::Offer, 2, "no VBCM sub-message type in common"),
                (Side::Offer, 3, "vbcm without sub-message types"),
            ]
        );
    }

    #[test]
    fn malformed_lines_are_errors_naming_side_and_line() {
        let bad = media("v=0\nm=video 1 RTP/AVPF 96\na=rtcp-fb:96 ccm tmmbr smaxpr=x\n");
        let e = answer_offer(&bad, &CcmCapabilities::fir_and_tmmbr()).unwrap_err();
        assert_eq!((e.side, e.line), (Side::Offer, 1));
        assert!(e.error.reason.contains("smaxpr"));
        let good = media("v=0\nm=video 1 RTP/AVPF 96\n");
        let e = apply_instruction(&good, &bad, &CcmCapabilities::fir_and_tmmbr()).unwrap_err();
        assert_eq!((e.side, e.line), (Side::Remote, 1));
        assert!(e.to_string().contains("Remote SDP line 1"));
    }

    #[test]
    fn answer_lines_are_valid_sdp_for_the_offered_m_line() {
        let offer = media(
            "v=0\nm=video 1 RTP/AVPF 96 97\na=rtcp-fb:* ccm fir\na=rtcp-fb:97 ccm tmmbr smaxpr=9\n",
        );
        let caps = CcmCapabilities {
            max_packet_rate: Some(25),
            ..CcmCapabilities::fir_and_tmmbr()
        };
        let n = answer_offer(&offer, &caps).unwrap();
        let mut answer = SessionDescription::default();
        answer.push('v', "0").push('m', "video 2 RTP/AVPF 96 97");
        answer.lines.extend(n.answer_lines());
        assert_eq!(answer.validate(), Ok(()));
        let again = answer_offer(answer.media_sections().next().unwrap(), &caps).unwrap();
        assert_eq!(again.entries.len(), n.entries.len());
        assert_eq!(lines(&again), lines(&n));
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn support() -> impl Strategy<Value = CcmSupport> {
            (any::<bool>(), any::<bool>()).prop_map(|(receive, send)| CcmSupport { receive, send })
        }

        fn caps() -> impl Strategy<Value = CcmCapabilities> {
            (
                support(),
                support(),
                support(),
                support(),
                proptest::collection::vec(0u32..5, 0..3),
                proptest::option::of(0u64..1000),
            )
                .prop_map(
                    |(fir, tmmbr, tstr, vbcm, vbcm_sub_types, max_packet_rate)| CcmCapabilities {
                        fir,
                        tmmbr,
                        tstr,
                        vbcm,
                        vbcm_sub_types,
                        max_packet_rate,
                    },
                )
        }

        /// A media section with payload types 96 and 97 and random
        /// `rtcp-fb` lines, CCM or not, for listed and unlisted payload types.
        fn section() -> impl Strategy<Value = Vec<SdpLine>> {
            let pt = prop_oneof![Just("*"), Just("96"), Just("97"), Just("98"), Just("$")];
            let fb = prop_oneof![
                Just("ccm fir".to_string()),
                Just("ccm tstr".to_string()),
                Just("ccm tmmbr".to_string()),
                (0u64..500).prop_map(|n| format!("ccm tmmbr smaxpr={n}")),
                proptest::collection::vec(0u32..5, 0..3).prop_map(|v| {
                    let t: Vec<String> = v.iter().map(|n| n.to_string()).collect();
                    format!("ccm vbcm {}", t.join(" ")).trim_end().to_string()
                }),
                Just("ccm pause".to_string()),
                Just("nack pli".to_string()),
                Just("trr-int 50".to_string()),
            ];
            proptest::collection::vec((pt, fb), 0..8).prop_map(|lines| {
                let mut out = vec![SdpLine::new('m', "video 9 RTP/AVPF 96 97")];
                out.extend(
                    lines
                        .into_iter()
                        .map(|(p, f)| SdpLine::new('a', format!("rtcp-fb:{p} {f}"))),
                );
                out
            })
        }

        fn ccm_lines(section: &[SdpLine]) -> usize {
            section
                .iter()
                .filter(|l| l.value.starts_with("rtcp-fb:") && l.value.contains(" ccm "))
                .count()
        }

        proptest! {
            #[test]
            fn the_answer_never_adds_and_only_what_is_supported(
                offer in section(),
                caps in caps(),
            ) {
                let n = answer_offer(&offer, &caps).unwrap();
                // Every ccm line is answered or declined, once.
                prop_assert_eq!(n.entries.len() + n.declined.len(), ccm_lines(&offer));
                for e in &n.entries {
                    let support = caps.support(e.message);
                    prop_assert!(e.receive && support.receive);
                    prop_assert_eq!(e.send, support.send);
                    let offered = offer.iter().skip(1).any(|l| {
                        let Ok(Attr::RtcpFb(fb)) = Attr::from_line(l) else { return false };
                        fb.pt == e.pt && fb.ccm().and_then(|c| CcmMessage::of(&c)) == Some(e.message)
                    });
                    prop_assert!(offered, "{e:?} was not offered");
                    prop_assert!(e.vbcm_sub_types.iter().all(|t| caps.vbcm_sub_types.contains(t)));
                }
                // The answer lines are valid SDP for the same m= line, and
                // answering the answer gives the same answer.
                let mut answer = vec![offer[0].clone()];
                answer.extend(n.answer_lines());
                let mut sd = SessionDescription::default();
                sd.push('v', "0");
                sd.lines.extend(answer.iter().cloned());
                prop_assert_eq!(sd.validate(), Ok(()));
                let again = answer_offer(&answer, &caps).unwrap();
                prop_assert_eq!(again.answer_lines(), n.answer_lines());
            }

            #[test]
            fn instruction_directions_follow_local_and_remote(
                local in section(),
                remote in section(),
                caps in caps(),
            ) {
                let n = apply_instruction(&local, &remote, &caps).unwrap();
                for e in &n.entries {
                    let support = caps.support(e.message);
                    prop_assert!(e.receive || e.send);
                    prop_assert!(!e.receive || support.receive);
                    prop_assert!(!e.send || support.send);
                }
                prop_assert_eq!(
                    n.answer_lines().len(),
                    n.entries.iter().filter(|e| e.receive).count()
                );
                prop_assert!(n.entries.len() + n.declined.len() <= ccm_lines(&local) + ccm_lines(&remote));
            }
        }
    }
}
