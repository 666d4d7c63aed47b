//! Golden SDP bodies of Mp and Iq (`tests/vectors/sdp/`) decoded inside
//! whole H.248 messages: their Local / Remote SDP yields the typed RTCP
//! feedback (RFC 4585 / RFC 5104) and DTLS-SRTP (RFC 8122, RFC 4145 / RFC
//! 5763, RFC 8842) attributes, and the CCM negotiation of the request gives
//! the CCM lines of the reply.

use h248_stack::model::*;
use h248_stack::sdp::ccm::{answer_offer, apply_instruction, Side};
use h248_stack::sdp::{
    Attr, Ccm, CcmCapabilities, CcmMessage, CcmSupport, Choice, DtlsParams, DtlsRole, FbKind,
    FbPayloadType, HashFunction, MediaTransport, NackParam, RtcpFb, SdpLine, SessionDescription,
    Setup, SetupRole, TlsId,
};
use h248_stack::text::{decode, encode_to_vec, Style};

const IQ_OFFER: &[u8] = include_bytes!("vectors/sdp/iq-webrtc-offer.txt");
const IQ_REPLY: &[u8] = include_bytes!("vectors/sdp/iq-webrtc-reply.txt");
const MP_CONFERENCE: &[u8] = include_bytes!("vectors/sdp/mp-video-conference.txt");

/// The streams of every Media descriptor of a message, requests and
/// replies alike: (stream ID, Local, Remote).
type Stream = (
    StreamId,
    Option<LocalRemoteDescriptor>,
    Option<LocalRemoteDescriptor>,
);

fn streams_of(media: &MediaDescriptor, out: &mut Vec<Stream>) {
    let parms = match &media.streams {
        Some(Streams::One(p)) => vec![(1, p)],
        Some(Streams::Multi(list)) => list.iter().map(|s| (s.stream_id, &s.parms)).collect(),
        None => vec![],
    };
    for (id, p) in parms {
        out.push((id, p.local.clone(), p.remote.clone()));
    }
}

fn streams(input: &[u8]) -> Vec<Stream> {
    let message = decode(input).unwrap_or_else(|e| panic!("vector does not decode: {e}"));
    // The SDP is kept byte for byte: re-encoding and decoding gives it back.
    for style in [Style::Pretty, Style::Compact] {
        let again = decode(&encode_to_vec(&message, style).unwrap()).unwrap();
        assert_eq!(again, message, "{style:?}");
    }
    let MessageBody::Transactions(transactions) = message.message.body else {
        panic!("not transactions")
    };
    let mut out = Vec::new();
    for t in &transactions {
        match t {
            Transaction::Request(r) => {
                for a in &r.actions {
                    for c in &a.commands {
                        if let Command::Add(amm) | Command::Modify(amm) | Command::Move(amm) =
                            &c.command
                        {
                            for d in &amm.descriptors {
                                if let AmmDescriptor::Media(m) = d {
                                    streams_of(m, &mut out);
                                }
                            }
                        }
                    }
                }
            }
            Transaction::Reply(r) => {
                let TransactionResult::ActionReplies(actions) = &r.result else {
                    continue;
                };
                for a in actions {
                    for c in &a.commands {
                        if let CommandReply::Add(reply)
                        | CommandReply::Modify(reply)
                        | CommandReply::Move(reply) = c
                        {
                            for p in &reply.audit {
                                if let AuditReturnParameter::Media(m) = p {
                                    streams_of(m, &mut out);
                                }
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// The one session description of a Local or Remote descriptor.
fn single(d: &Option<LocalRemoteDescriptor>) -> &SessionDescription {
    let d = d.as_ref().expect("descriptor present");
    assert_eq!(d.groups.len(), 1);
    let sd = &d.groups[0];
    assert_eq!(sd.validate(), Ok(()), "{sd:?}");
    sd
}

fn media(sd: &SessionDescription, index: usize) -> &[SdpLine] {
    sd.media_sections().nth(index).expect("media section")
}

/// The typed `a=rtcp-fb` lines of a media section, as text again.
fn rtcp_fb_lines(lines: &[SdpLine]) -> Vec<String> {
    SessionDescription::attributes(lines)
        .filter_map(|a| match a.unwrap() {
            a @ Attr::RtcpFb(_) => Some(a.to_line().to_string()),
            _ => None,
        })
        .collect()
}

fn rtcp_fb(lines: &[SdpLine]) -> Vec<RtcpFb<'_>> {
    SessionDescription::attributes(lines)
        .filter_map(|a| match a.unwrap() {
            Attr::RtcpFb(fb) => Some(fb),
            _ => None,
        })
        .collect()
}

#[test]
fn iq_webrtc_offer_yields_typed_feedback_and_dtls_attributes() {
    let streams = streams(IQ_OFFER);
    assert_eq!(streams.len(), 1);
    let (id, local, remote) = &streams[0];
    assert_eq!(*id, 1);
    let remote = single(remote);
    let local = single(local);

    // RTCP feedback of the UE's offer, typed.
    let fb = rtcp_fb(media(remote, 0));
    let pt96 = FbPayloadType::Pt(96);
    let pt97 = FbPayloadType::Pt(97);
    let expected = [
        (pt96, FbKind::Ccm(Ccm::Fir)),
        (
            pt96,
            FbKind::Ccm(Ccm::Tmmbr {
                smaxpr: Some(Choice::Value(60)),
            }),
        ),
        (pt96, FbKind::Nack(NackParam::None)),
        (pt96, FbKind::Nack(NackParam::Pli)),
        (pt97, FbKind::Ccm(Ccm::Fir)),
        (
            pt97,
            FbKind::Other {
                id: "goog-remb",
                param: None,
            },
        ),
        (FbPayloadType::Any, FbKind::TrrInt(Choice::Value(100))),
    ];
    assert_eq!(fb.len(), expected.len());
    for (got, (pt, kind)) in fb.iter().zip(expected) {
        assert_eq!((got.pt, got.kind), (pt, kind));
    }

    // DTLS-SRTP of the UE's offer: session-level fingerprint inherited.
    let dtls = DtlsParams::read(remote, 0).unwrap().unwrap();
    assert_eq!(dtls.transport, MediaTransport::UdpTlsRtpSavpf);
    assert!(dtls.transport.is_dtls() && dtls.transport.has_feedback());
    assert_eq!(dtls.fingerprints.len(), 1);
    let fp = dtls.fingerprints[0];
    assert_eq!(fp.hash, Choice::Value(HashFunction::Sha256));
    let bytes = fp.bytes().unwrap();
    assert_eq!((bytes.len(), bytes[0], bytes[31]), (32, 0xD1, 0xC5));
    assert_eq!(dtls.setup, Some(Setup(Choice::Value(SetupRole::ActPass))));
    assert_eq!(
        dtls.tls_id,
        Some(TlsId(Choice::Value("UE7f3kQ9zXw2LmNp4RtY8vBc")))
    );
    assert_eq!(dtls.check_complete(), Ok(()));

    // Local asks the AGW for its own fingerprint, role and tls-id.
    let asked = DtlsParams::read(local, 0).unwrap().unwrap();
    assert_eq!(asked.fingerprints.len(), 1);
    assert_eq!(asked.fingerprints[0].hash, Choice::Choose);
    assert_eq!(asked.fingerprints[0].fingerprint, Choice::Choose);
    assert_eq!(asked.setup, Some(Setup(Choice::Choose)));
    assert_eq!(asked.tls_id, Some(TlsId(Choice::Choose)));
}

#[test]
fn iq_ccm_instruction_gives_the_reply_lines_and_the_dtls_client() {
    let offer = streams(IQ_OFFER);
    let reply = streams(IQ_REPLY);
    let (_, local, remote) = &offer[0];
    let (local, remote) = (single(local), single(remote));
    let reply_local = single(&reply[0].1);

    // TS 23.334 clause 6.2.24: an AGW with FIR and TMMBR/TMMBN, no TSTR.
    let n = apply_instruction(
        media(local, 0),
        media(remote, 0),
        &CcmCapabilities::fir_and_tmmbr(),
    )
    .unwrap();
    assert_eq!(
        n.answer_lines()
            .iter()
            .map(|l| l.to_string())
            .collect::<Vec<_>>(),
        rtcp_fb_lines(media(reply_local, 0)),
        "the reply's Local confirms exactly the CCMs negotiated"
    );
    assert_eq!(n.declined.len(), 1);
    assert_eq!((n.declined[0].side, n.declined[0].line), (Side::Local, 5));
    assert!(n.prepared_to_receive(97, CcmMessage::Fir), "by `*`");
    assert!(n.prepared_to_receive(96, CcmMessage::Tmmbr));
    assert!(!n.prepared_to_receive(97, CcmMessage::Tmmbr));
    assert!(!n.prepared_to_receive(96, CcmMessage::Tstr));
    assert!(n.allowed_to_send(96, CcmMessage::Fir));
    assert!(n.allowed_to_send(97, CcmMessage::Fir));
    assert!(n.allowed_to_send(96, CcmMessage::Tmmbr));
    assert!(!n.allowed_to_send(97, CcmMessage::Tmmbr));
    let tmmbr = n
        .entries
        .iter()
        .find(|e| e.message == CcmMessage::Tmmbr)
        .unwrap();
    assert_eq!(tmmbr.peer_smaxpr, Some(Choice::Value(60)));

    // The AGW answered the UE's actpass with active: it is the DTLS client
    // (so the IMS-ALG adds "Establish (D)TLS session").
    let ours = DtlsParams::read(reply_local, 0).unwrap().unwrap();
    let theirs = DtlsParams::read(remote, 0).unwrap().unwrap();
    assert_eq!(ours.check_complete(), Ok(()));
    let (Some(Setup(Choice::Value(local_role))), Some(Setup(Choice::Value(remote_role)))) =
        (ours.setup, theirs.setup)
    else {
        panic!("setup roles missing")
    };
    assert!(remote_role.accepts_answer(local_role));
    assert_eq!(remote_role.answer(SetupRole::Active), Ok(local_role));
    assert_eq!(
        SetupRole::dtls_role(local_role, remote_role),
        Ok(Some(DtlsRole::Client))
    );
    assert_eq!(ours.fingerprints[0].byte_count(), Some(32));
    assert_ne!(ours.tls_id, theirs.tls_id);
}

#[test]
fn mp_video_conference_ccm_is_answered_from_the_offer() {
    let streams = streams(MP_CONFERENCE);
    assert_eq!(
        streams.iter().map(|s| s.0).collect::<Vec<_>>(),
        [1, 2],
        "audio and video streams"
    );
    // The audio stream has no feedback at all.
    let audio_remote = single(&streams[0].2);
    assert!(rtcp_fb(media(audio_remote, 0)).is_empty());
    let n = answer_offer(media(audio_remote, 0), &CcmCapabilities::fir_and_tmmbr()).unwrap();
    assert!(n.entries.is_empty() && n.declined.is_empty());

    let video_local = single(&streams[1].1);
    let video_remote = single(&streams[1].2);
    assert!(rtcp_fb(media(video_local, 0)).is_empty());
    let fb = rtcp_fb(media(video_remote, 0));
    assert_eq!(
        fb.iter().filter_map(RtcpFb::ccm).collect::<Vec<_>>(),
        [
            Ccm::Fir,
            Ccm::Tmmbr {
                smaxpr: Some(Choice::Value(120))
            },
            Ccm::Tmmbr { smaxpr: None },
            Ccm::Tstr,
            Ccm::Vbcm(h248_stack::sdp::Tokens::new("1 2")),
        ]
    );
    assert_eq!(
        fb[4].ccm().unwrap().vbcm_sub_types().collect::<Vec<_>>(),
        [1, 2]
    );
    assert_eq!(fb[5].kind, FbKind::Nack(NackParam::Pli));
    assert_eq!(fb[5].pt, FbPayloadType::Any);

    // An MRFP with FIR both ways and TMMBR it can act on but not originate,
    // declaring its own packet rate.
    let caps = CcmCapabilities {
        tmmbr: CcmSupport {
            receive: true,
            send: false,
        },
        max_packet_rate: Some(30),
        ..CcmCapabilities::fir_and_tmmbr()
    };
    let n = answer_offer(media(video_remote, 0), &caps).unwrap();
    let answer: Vec<String> = n.answer_lines().iter().map(|l| l.to_string()).collect();
    assert_eq!(
        answer,
        [
            "a=rtcp-fb:* ccm fir",
            "a=rtcp-fb:98 ccm tmmbr smaxpr=30",
            "a=rtcp-fb:99 ccm tmmbr smaxpr=30",
        ]
    );
    assert_eq!(
        n.declined.iter().map(|d| d.line).collect::<Vec<_>>(),
        [7, 8],
        "tstr and vbcm are not supported"
    );
    assert!(n.allowed_to_send(99, CcmMessage::Fir));
    assert!(!n.allowed_to_send(98, CcmMessage::Tmmbr));
    assert!(n.prepared_to_receive(98, CcmMessage::Tmmbr));

    // The MRFP's Local answer, built from the negotiation, is valid SDP.
    let mut answer_sd = video_local.clone();
    answer_sd.lines.extend(n.answer_lines());
    assert_eq!(answer_sd.validate(), Ok(()));
}

#[test]
fn bad_attributes_in_a_message_are_found_by_validate() {
    let text = std::str::from_utf8(IQ_OFFER).unwrap();
    for (from, to, reason) in [
        (
            "a=rtcp-fb:96 ccm tmmbr smaxpr=60",
            "a=rtcp-fb:96 ccm tmmbr smaxpr=sixty",
            "smaxpr",
        ),
        ("a=rtcp-fb:97 ccm fir", "a=rtcp-fb:95 ccm fir", "formats"),
        (
            "a=rtcp-fb:97 ccm fir",
            "a=rtcp-fb:97 ccm vbcm",
            "sub-message type",
        ),
        (
            "a=rtcp-fb:97 ccm fir",
            "a=rtcp-fb:97 ccm xyz",
            "unknown `ccm` parameter",
        ),
        ("sha-256 D1:2C:BE", "sha-256 d1:2C:BE", "upper case"),
        (
            "sha-256 D1:2C:BE",
            "sha-1 D1:2C:BE",
            "does not match the hash",
        ),
        (
            "sha-256 D1:2C:BE",
            "sha-3 D1:2C:BE",
            "unknown hash function",
        ),
        ("a=setup:actpass", "a=setup:both", "actpass"),
        (
            "a=tls-id:UE7f3kQ9zXw2LmNp4RtY8vBc",
            "a=tls-id:UE7f3k",
            "20 to 255",
        ),
    ] {
        assert!(text.contains(from), "{from}");
        let broken = text.replacen(from, to, 1);
        // The message still decodes: SDP is checked by its typed layer.
        let streams = streams(broken.as_bytes());
        let remote = streams[0].2.as_ref().unwrap();
        let (_, e) = remote.groups[0].validate().unwrap_err();
        assert!(e.reason.contains(reason), "{to}: {e}");
    }
}
