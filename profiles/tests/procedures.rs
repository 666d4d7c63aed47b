//! Every procedure builder of `h248_profiles::procedure`: the request and
//! the reply, each wrapped in a whole message,
//! (a) pass the link's profile validation,
//! (b) are accepted by Erlang/OTP megaco (`megaco-judge check`),
//! (c) round-trip text → model → text (pretty and compact) unchanged, and
//!     text ↔ BER when every item has a binary ID (otherwise the BER encoder
//!     refuses, naming the item),
//! (d) are read back by the procedure's reader with equal IEs.
//! Then: requests missing each mandatory IE are refused with the right code,
//! and no reader accepts another procedure's request.

mod common;

use std::fmt::Debug;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::process::Command as Process;

use bytes::BytesMut;
use h248_profiles::procedure::ccm::{
    self as ccm, CcmFeedback, CcmParam, CcmPt, MediaIes, MediaReply, StreamCcm, StreamDtlsAnswer,
};
use h248_profiles::procedure::webrtc::{
    self, CertFingerprint, DtlsAnswer, DtlsIes, DtlsTransport, FingerprintHash, FingerprintRequest,
    StreamDtls,
};
use h248_profiles::procedure::{
    iq, mp, AddrType, Codec, ConnAddress, ConnectionPointIes, ConnectionPointReply, ContextRef,
    DigitMapIe, Dscp, EventsIes, HeartbeatIes, IpControl, Link, MediaPort, MediaSdp, NotifyAck,
    Policing, Priority, Procedure, ReleaseIes, ReleaseReply, RootServiceChange, ServiceChangeAck,
    SignalIes, SourceFiltering, StreamConfig, Target,
};
use h248_profiles::profile::{Context, Profile, Sender, Validator};
use h248_profiles::{full, text_only_items};
use h248_stack::ber::{self, BerEncodeError, BerLimits, BitStringMapping};
use h248_stack::model::{
    small_list, ActionReply, ActionRequest, AmmDescriptor, Command, ContextId, ErrorDescriptor,
    MId, MegacoMessage, Message, MessageBody, ServiceChangeMethod, SignalDirection,
    StatisticsParameter, StreamMode, TerminationId, Text, Transaction, TransactionReply,
    TransactionRequest, TransactionResult,
};
use h248_stack::package::Catalogue;
use h248_stack::sdp::{CcmCapabilities, CcmMessage, CcmSupport, Choice, Fingerprint, SetupRole};
use h248_stack::text::{self, Style};

// ---- the harness ----------------------------------------------------------------------------

/// What the BER encoder does with a message.
#[derive(Debug, Clone, Copy)]
enum Ber {
    /// Every item has a binary ID: the message round-trips.
    Encodes,
    /// The item (`pkg/item`) the encoder names when it refuses.
    Refuses(&'static str),
}

struct Env {
    catalogue: Catalogue,
    mp: Validator,
    iq: Validator,
}

impl Env {
    fn new() -> Self {
        let catalogue = full();
        let text_only = text_only_items().expect("known names load");
        Env {
            mp: Validator::new(Profile::mp(), &catalogue, &text_only),
            iq: Validator::new(Profile::iq(), &catalogue, &text_only),
            catalogue,
        }
    }
    fn validator(&self, link: Link) -> &Validator {
        match link {
            Link::Mp => &self.mp,
            Link::Iq => &self.iq,
        }
    }
}

/// One message of a procedure, checked.
struct Checked {
    label: String,
    pretty: Vec<u8>,
    ber: Result<(), String>,
}

/// The outcome of one procedure sample.
struct Outcome {
    name: &'static str,
    link: Link,
    request: Checked,
    reply: Checked,
}

fn mid(sender: Sender) -> MId {
    let last = match sender {
        Sender::Mgc => 1,
        Sender::Mg => 2,
    };
    MId::Ip4 {
        address: Ipv4Addr::new(192, 0, 2, last),
        port: Some(2944),
    }
}

fn other(sender: Sender) -> Sender {
    match sender {
        Sender::Mgc => Sender::Mg,
        Sender::Mg => Sender::Mgc,
    }
}

fn request_message(sender: Sender, action: ActionRequest) -> MegacoMessage {
    MegacoMessage {
        auth_header: None,
        message: Message {
            version: 3,
            mid: mid(sender),
            body: MessageBody::Transactions(vec![Transaction::Request(TransactionRequest {
                transaction_id: 41,
                actions: vec![action],
            })]),
        },
    }
}

fn reply_message(sender: Sender, action: ActionReply) -> MegacoMessage {
    MegacoMessage {
        auth_header: None,
        message: Message {
            version: 3,
            mid: mid(sender),
            body: MessageBody::Transactions(vec![Transaction::Reply(TransactionReply {
                transaction_id: 41,
                imm_ack_required: false,
                result: TransactionResult::ActionReplies(vec![action]),
                segment_number: None,
                segmentation_complete: false,
            })]),
        },
    }
}

/// Checks (a) and (c) on one message and returns the message decoded from
/// its pretty text, for (d).
fn check_message(
    env: &Env,
    label: &str,
    link: Link,
    sender: Sender,
    message: &MegacoMessage,
    ber: Ber,
) -> (Checked, MegacoMessage) {
    // (a) the profile
    let violations = env.validator(link).check(
        message,
        Context {
            sender,
            transport: None,
        },
    );
    assert!(violations.is_empty(), "{label}: {violations:#?}");
    // (c) text, pretty and compact
    let mut pretty = Vec::new();
    let mut decoded_pretty = None;
    for style in [Style::Pretty, Style::Compact] {
        let bytes = text::encode_to_vec(message, style)
            .unwrap_or_else(|e| panic!("{label}: encode {style:?}: {e}"));
        let decoded = text::decode(&bytes).unwrap_or_else(|e| {
            panic!(
                "{label}: decode {style:?}: {e}\n{}",
                String::from_utf8_lossy(&bytes)
            )
        });
        assert_eq!(
            &decoded, message,
            "{label}: {style:?} text changes the model"
        );
        let again = text::encode_to_vec(&decoded, style).expect("re-encodes");
        assert_eq!(again, bytes, "{label}: {style:?} text is not stable");
        if style == Style::Pretty {
            pretty = bytes;
            decoded_pretty = Some(decoded);
        }
    }
    // (c) BER
    let mapping = BitStringMapping::default();
    let mut out = BytesMut::new();
    let encoded = ber::encode(message, &env.catalogue, &mapping, &mut out);
    let ber_result = match (ber, encoded) {
        (Ber::Encodes, Ok(())) => {
            let back = ber::decode(&out, &env.catalogue, &mapping, &BerLimits::default())
                .unwrap_or_else(|e| panic!("{label}: BER decode: {e}"));
            assert_eq!(&back, message, "{label}: BER changes the model");
            Ok(())
        }
        (Ber::Refuses(item), Err(BerEncodeError::NoBinaryId { name, .. })) => {
            assert!(
                name.eq_ignore_ascii_case(item),
                "{label}: BER refused {name:?}, expected {item:?}"
            );
            Err(name.to_string())
        }
        (expected, got) => panic!("{label}: BER: expected {expected:?}, got {got:?}"),
    };
    (
        Checked {
            label: label.to_owned(),
            pretty,
            ber: ber_result,
        },
        decoded_pretty.expect("pretty style ran"),
    )
}

fn first_request(message: &MegacoMessage) -> &ActionRequest {
    match &message.message.body {
        MessageBody::Transactions(t) => match t.as_slice() {
            [Transaction::Request(r)] => &r.actions[0],
            _ => panic!("not one request"),
        },
        MessageBody::Error(_) => panic!("error message"),
    }
}

fn first_reply(message: &MegacoMessage) -> &ActionReply {
    match &message.message.body {
        MessageBody::Transactions(t) => match t.as_slice() {
            [Transaction::Reply(TransactionReply {
                result: TransactionResult::ActionReplies(a),
                ..
            })] => &a[0],
            _ => panic!("not one reply"),
        },
        MessageBody::Error(_) => panic!("error message"),
    }
}

/// Runs checks (a), (c) and (d) on a procedure sample and its reply.
fn exercise<P>(env: &Env, sample: &P, reply: &P::Reply, ber_request: Ber, ber_reply: Ber) -> Outcome
where
    P: Procedure + PartialEq + Debug,
    P::Reply: PartialEq + Debug,
{
    let request = request_message(P::INITIATOR, sample.request());
    let label = format!("{} (request)", P::NAME);
    let (request_checked, decoded) =
        check_message(env, &label, P::LINK, P::INITIATOR, &request, ber_request);
    // (d) the reader gives the IEs back
    let read = P::read_request(first_request(&decoded))
        .unwrap_or_else(|e| panic!("{label}: reader refuses the built request: {e}"));
    assert_eq!(&read, sample, "{label}: IEs read back differ");

    let replier = other(P::INITIATOR);
    let reply_msg = reply_message(replier, P::reply(reply));
    let label = format!("{} (reply)", P::NAME);
    let (reply_checked, decoded) =
        check_message(env, &label, P::LINK, replier, &reply_msg, ber_reply);
    let read = P::read_reply(first_reply(&decoded))
        .unwrap_or_else(|e| panic!("{label}: reader refuses the built reply: {e}"));
    assert_eq!(&read, reply, "{label}: reply IEs read back differ");
    Outcome {
        name: P::NAME,
        link: P::LINK,
        request: request_checked,
        reply: reply_checked,
    }
}

// ---- samples --------------------------------------------------------------------------------

fn tid(s: &str) -> TerminationId {
    TerminationId::new(s)
}

fn ip(a: [u8; 4]) -> ConnAddress {
    ConnAddress::Ip(IpAddr::V4(Ipv4Addr::from(a)))
}

fn audio(address: ConnAddress, port: MediaPort) -> MediaSdp {
    MediaSdp {
        address,
        media: Text::from("audio"),
        port,
        proto: Text::from("RTP/AVP"),
        codecs: vec![
            Codec::static_pt(0),
            Codec::mapped(96, "telephone-event", 8000),
        ],
        ptime: Some(20),
    }
}

fn video(address: ConnAddress, port: MediaPort) -> MediaSdp {
    MediaSdp {
        address,
        media: Text::from("video"),
        port,
        proto: Text::from("RTP/AVP"),
        codecs: vec![Codec::mapped(97, "H264", 90000)],
        ptime: None,
    }
}

fn local_request() -> MediaSdp {
    audio(ConnAddress::Choose(AddrType::Ip4), MediaPort::Choose)
}

fn heartbeat(request_id: u32) -> EventsIes {
    let mut e = EventsIes::new(request_id);
    e.heartbeat = true;
    e
}

const IQ_NEW: &str = "00000001/00000010/$";
const IQ_TERM: &str = "00000001/00000010/00000101";
const MP_NEW: &str = "00000010/00000001/$";
const MP_TERM: &str = "00000010/00000001/00000011";

fn iq_control() -> IpControl {
    IpControl {
        realm: Some(Text::from("core")),
        latching: Some(true),
        dscp: Dscp::new(46),
        policing: Some(Policing {
            sustainable_rate: 12000,
            max_burst: 1500,
        }),
        filtering: Some(SourceFiltering {
            address: true,
            port: false,
        }),
    }
}

fn iq_reserve() -> ConnectionPointIes {
    let mut stream = StreamConfig::new(1);
    stream.mode = Some(StreamMode::RecvOnly);
    stream.reserve_value = Some(true);
    stream.local = Some(local_request());
    stream.ip = iq_control();
    let mut events = heartbeat(1);
    events.released_bearer = true;
    ConnectionPointIes {
        context: ContextRef::Choose,
        emergency: true,
        priority: Priority::new(5),
        termination: tid(IQ_NEW),
        streams: vec![stream],
        events: Some(events),
    }
}

fn iq_reserve_and_configure() -> ConnectionPointIes {
    let mut ies = iq_reserve();
    ies.emergency = false;
    ies.context = ContextRef::Existing(7);
    ies.streams[0].mode = Some(StreamMode::SendRecv);
    ies.streams[0].remote = Some(audio(ip([203, 0, 113, 9]), MediaPort::Port(49170)));
    ies.streams[0].ip = IpControl {
        realm: Some(Text::from("access")),
        ..Default::default()
    };
    ies
}

fn iq_configure(with_ip: bool) -> ConnectionPointIes {
    let mut stream = StreamConfig::new(1);
    stream.mode = Some(StreamMode::SendRecv);
    stream.remote = Some(audio(ip([203, 0, 113, 9]), MediaPort::Port(49170)));
    if with_ip {
        stream.ip.dscp = Dscp::new(34);
    }
    ConnectionPointIes {
        context: ContextRef::Existing(7),
        emergency: false,
        priority: Priority::new(2),
        termination: tid(IQ_TERM),
        streams: vec![stream],
        events: None,
    }
}

fn reserved_reply(
    context: u32,
    termination: &str,
    local: Vec<(u16, MediaSdp)>,
) -> ConnectionPointReply {
    ConnectionPointReply {
        context,
        termination: tid(termination),
        local,
    }
}

fn mp_reserve() -> ConnectionPointIes {
    let mut stream = StreamConfig::new(1);
    stream.mode = Some(StreamMode::RecvOnly);
    stream.local = Some(local_request());
    ConnectionPointIes {
        context: ContextRef::Choose,
        emergency: false,
        priority: Priority::new(3),
        termination: tid(MP_NEW),
        streams: vec![stream],
        events: Some(heartbeat(1)),
    }
}

fn mp_reserve_and_configure() -> ConnectionPointIes {
    let mut audio_stream = StreamConfig::new(1);
    audio_stream.mode = Some(StreamMode::SendRecv);
    audio_stream.local = Some(local_request());
    audio_stream.remote = Some(audio(ip([198, 51, 100, 7]), MediaPort::Port(30000)));
    let mut video_stream = StreamConfig::new(2);
    video_stream.mode = Some(StreamMode::SendRecv);
    video_stream.local = Some(video(ConnAddress::Choose(AddrType::Ip4), MediaPort::Choose));
    video_stream.remote = Some(video(ip([198, 51, 100, 7]), MediaPort::Port(30002)));
    ConnectionPointIes {
        context: ContextRef::Choose,
        emergency: false,
        priority: None,
        termination: tid(MP_NEW),
        streams: vec![audio_stream, video_stream],
        events: Some(heartbeat(1)),
    }
}

fn mp_configure() -> ConnectionPointIes {
    let mut stream = StreamConfig::new(1);
    stream.mode = Some(StreamMode::SendRecv);
    stream.remote = Some(audio(ip([198, 51, 100, 7]), MediaPort::Port(30000)));
    ConnectionPointIes {
        context: ContextRef::Existing(12),
        emergency: false,
        priority: None,
        termination: tid(MP_TERM),
        streams: vec![stream],
        events: None,
    }
}

fn iq_target() -> Target {
    Target {
        context: 7,
        termination: tid(IQ_TERM),
    }
}

fn mp_target() -> Target {
    Target {
        context: 12,
        termination: tid(MP_TERM),
    }
}

fn iq_ack() -> NotifyAck {
    NotifyAck {
        context: 7,
        termination: tid(IQ_TERM),
    }
}

fn mp_ack() -> NotifyAck {
    NotifyAck {
        context: 12,
        termination: tid(MP_TERM),
    }
}

fn mp_accepted() -> h248_profiles::procedure::Accepted {
    h248_profiles::procedure::Accepted {
        context: 12,
        termination: tid(MP_TERM),
    }
}

fn send_tone() -> mp::SendTone {
    let mut events = heartbeat(2);
    events.signal_completion = true;
    events.stop_digits = vec![
        h248_profiles::procedure::Digit::Hash,
        h248_profiles::procedure::Digit::Star,
    ];
    mp::SendTone {
        target: mp_target(),
        tone: mp::ToneId::new("cg/rt").expect("cg/rt is a tone"),
        signal: SignalIes {
            direction: Some(SignalDirection::External),
            duration: Some(3000),
            notify_completion: true,
        },
        events: Some(events),
    }
}

fn start_announcement() -> mp::StartAnnouncement {
    let mut events = heartbeat(3);
    events.signal_completion = true;
    mp::StartAnnouncement {
        target: mp_target(),
        announcement: 101,
        iterations: Some(2),
        signal: SignalIes {
            direction: None,
            duration: None,
            notify_completion: true,
        },
        events: Some(events),
    }
}

fn detect_dtmf() -> mp::DetectDtmf {
    let mut events = heartbeat(4);
    events.dtmf = Some(DigitMapIe::Body(Text::from("([0-9]xxx|E|F)")));
    mp::DetectDtmf {
        target: mp_target(),
        events,
    }
}

/// Send Tone on a new termination: the Reserve IMS Resources Add with the
/// tone (23.333 §8.2).
fn send_tone_on_new_termination() -> mp::SendToneOnNewTermination {
    let tone = send_tone();
    let mut reserve = mp_reserve();
    reserve.events = tone.events;
    mp::SendToneOnNewTermination {
        reserve,
        tone: tone.tone,
        signal: tone.signal,
    }
}

/// Detect DTMF on a new termination: the Reserve IMS Resources Add with
/// `dd/ce` (23.333 §8.11).
fn detect_dtmf_on_new_termination() -> mp::DetectDtmfOnNewTermination {
    let mut reserve = mp_reserve();
    reserve.events = Some(detect_dtmf().events);
    mp::DetectDtmfOnNewTermination { reserve }
}

// ---- CCM (23.334 §6.2.24, Mp counterpart) and WebRTC DTLS-SRTP samples -----------------------

fn avpf_video(address: ConnAddress, port: MediaPort) -> MediaSdp {
    MediaSdp {
        proto: Text::from("RTP/AVPF"),
        codecs: vec![
            Codec::mapped(97, "H264", 90000),
            Codec::mapped(98, "VP8", 90000),
        ],
        ..video(address, port)
    }
}

/// Iq Configure: prepared to receive FIR on every format and TMMBR on 97
/// (Local), allowed to send FIR and TMMBR on 97 (Remote).
fn iq_ccm_configure() -> MediaIes {
    let mut stream = StreamConfig::new(2);
    stream.mode = Some(StreamMode::SendRecv);
    stream.local = Some(avpf_video(ip([10, 1, 1, 1]), MediaPort::Port(5006)));
    stream.remote = Some(avpf_video(ip([203, 0, 113, 9]), MediaPort::Port(49172)));
    MediaIes {
        cp: ConnectionPointIes {
            context: ContextRef::Existing(7),
            emergency: false,
            priority: None,
            termination: tid(IQ_TERM),
            streams: vec![stream],
            events: None,
        },
        ccm: vec![StreamCcm {
            stream: 2,
            local: vec![
                CcmFeedback::fir(CcmPt::Any),
                CcmFeedback::tmmbr(CcmPt::Pt(97), None),
            ],
            remote: vec![
                CcmFeedback::fir(CcmPt::Pt(97)),
                CcmFeedback::tmmbr(CcmPt::Pt(97), Some(Choice::Value(120))),
            ],
        }],
        dtls: Vec::new(),
    }
}

/// Iq Reserve and Configure with CCM: FIR both ways on 98 only.
fn iq_ccm_reserve_and_configure() -> MediaIes {
    let mut stream = StreamConfig::new(1);
    stream.mode = Some(StreamMode::SendRecv);
    stream.local = Some(avpf_video(
        ConnAddress::Choose(AddrType::Ip4),
        MediaPort::Choose,
    ));
    stream.remote = Some(avpf_video(ip([203, 0, 113, 9]), MediaPort::Port(49174)));
    MediaIes {
        cp: ConnectionPointIes {
            context: ContextRef::Choose,
            emergency: false,
            priority: Priority::new(4),
            termination: tid(IQ_NEW),
            streams: vec![stream],
            events: Some(heartbeat(1)),
        },
        ccm: vec![StreamCcm {
            stream: 1,
            local: vec![
                CcmFeedback::fir(CcmPt::Pt(98)),
                CcmFeedback::tmmbr(CcmPt::Any, Some(Choice::Choose)),
            ],
            remote: vec![CcmFeedback::fir(CcmPt::Pt(98))],
        }],
        dtls: Vec::new(),
    }
}

/// Mp Configure IMS Resources: the UE's offer in Remote with every CCM.
fn mp_ccm_configure() -> MediaIes {
    let mut stream = StreamConfig::new(1);
    stream.mode = Some(StreamMode::SendRecv);
    stream.remote = Some(avpf_video(ip([198, 51, 100, 7]), MediaPort::Port(30002)));
    MediaIes {
        cp: ConnectionPointIes {
            context: ContextRef::Existing(12),
            emergency: false,
            priority: None,
            termination: tid(MP_TERM),
            streams: vec![stream],
            events: None,
        },
        ccm: vec![StreamCcm {
            stream: 1,
            local: Vec::new(),
            remote: vec![
                CcmFeedback::fir(CcmPt::Any),
                CcmFeedback::tmmbr(CcmPt::Pt(97), Some(Choice::Value(30))),
                CcmFeedback {
                    pt: CcmPt::Pt(97),
                    param: CcmParam::Tstr,
                },
                CcmFeedback {
                    pt: CcmPt::Pt(98),
                    param: CcmParam::Vbcm(vec![1, 2]),
                },
                CcmFeedback {
                    pt: CcmPt::Pt(98),
                    param: CcmParam::Registered {
                        token: Text::from("pause"),
                        rest: Some(Text::from("config=2")),
                    },
                },
            ],
        }],
        dtls: Vec::new(),
    }
}

const UE_SHA256: [u8; 32] = [
    0xD1, 0x2C, 0xBE, 0xAD, 0xC4, 0xF6, 0x64, 0x5C, 0x25, 0x16, 0x11, 0x9C, 0xAF, 0xE7, 0x0F, 0x73,
    0x79, 0x36, 0x4E, 0x9C, 0x1E, 0x15, 0x54, 0x39, 0x0C, 0x06, 0x8B, 0x56, 0x96, 0x97, 0x9B, 0xC5,
];

fn ue_fingerprint() -> CertFingerprint {
    CertFingerprint::new(FingerprintHash::Sha256, UE_SHA256.to_vec()).expect("32 bytes")
}

/// The AGW's own certificate fingerprint (any 32 bytes will do).
fn agw_fingerprint() -> CertFingerprint {
    CertFingerprint::new(
        FingerprintHash::Sha256,
        (0u8..32).map(|b| b.wrapping_mul(37)).collect(),
    )
    .expect("32 bytes")
}

/// The UE's WebRTC offer (actpass) on audio and video, answered by the
/// IMS-ALG with the AGW as the DTLS client: Remote fingerprint, Local
/// fingerprint request, Local `active` (Establish (D)TLS session), the
/// UE's tls-id, `$` for the AGW's; FIR both ways on the video stream.
fn iq_dtls_reserve_and_configure() -> MediaIes {
    let transport = DtlsTransport::Savpf;
    let mut audio_stream = StreamConfig::new(1);
    audio_stream.mode = Some(StreamMode::SendRecv);
    audio_stream.local = Some(local_request());
    audio_stream.remote = Some(audio(ip([203, 0, 113, 20]), MediaPort::Port(50000)));
    let mut video_stream = StreamConfig::new(2);
    video_stream.mode = Some(StreamMode::SendRecv);
    video_stream.local = Some(avpf_video(
        ConnAddress::Choose(AddrType::Ip4),
        MediaPort::Choose,
    ));
    video_stream.remote = Some(avpf_video(ip([203, 0, 113, 20]), MediaPort::Port(50002)));
    for s in [&mut audio_stream, &mut video_stream] {
        for m in [&mut s.local, &mut s.remote].into_iter().flatten() {
            m.proto = Text::from(transport.proto());
        }
    }
    let dtls = |stream| StreamDtls {
        stream,
        ies: DtlsIes {
            remote_fingerprints: vec![ue_fingerprint()],
            local_fingerprint_request: Some(FingerprintRequest { hash: None }),
            local_setup: Some(SetupRole::Active),
            remote_setup: Some(SetupRole::ActPass),
            local_tls_id: Some(Choice::Choose),
            remote_tls_id: Some(Text::from("dGhpcyBpcyB0aGUgVUUncyBpZA")),
            ..DtlsIes::new(transport)
        },
    };
    MediaIes {
        cp: ConnectionPointIes {
            context: ContextRef::Choose,
            emergency: false,
            priority: None,
            termination: tid(IQ_NEW),
            streams: vec![audio_stream, video_stream],
            events: Some(heartbeat(1)),
        },
        ccm: vec![StreamCcm {
            stream: 2,
            local: vec![CcmFeedback::fir(CcmPt::Pt(97))],
            remote: vec![CcmFeedback::fir(CcmPt::Pt(97))],
        }],
        dtls: vec![dtls(1), dtls(2)],
    }
}

/// The IMS-ALG offered first; the UE answered `passive` with a SHA-1
/// certificate: the AGW (Local `active`) is the client and establishes.
fn iq_dtls_configure() -> MediaIes {
    let transport = DtlsTransport::Savp;
    let mut stream = StreamConfig::new(1);
    stream.mode = Some(StreamMode::SendRecv);
    // The AGW's address was reserved earlier; the Local written again
    // carries its role (a Local descriptor is whole SDP: c= and m= with it).
    stream.local = Some(MediaSdp {
        proto: Text::from(transport.proto()),
        ..audio(ip([10, 1, 1, 1]), MediaPort::Port(5002))
    });
    stream.remote = Some(MediaSdp {
        proto: Text::from(transport.proto()),
        ..audio(ip([203, 0, 113, 21]), MediaPort::Port(50010))
    });
    let sha1 = CertFingerprint::new(
        FingerprintHash::Sha1,
        vec![
            0x4A, 0xAD, 0xB9, 0xB1, 0x3F, 0x82, 0x18, 0x3B, 0x54, 0x02, 0x12, 0xDF, 0x3E, 0x5D,
            0x49, 0x6B, 0x19, 0xE5, 0x7C, 0xAB,
        ],
    )
    .expect("20 bytes");
    MediaIes {
        cp: ConnectionPointIes {
            context: ContextRef::Existing(7),
            emergency: false,
            priority: None,
            termination: tid(IQ_TERM),
            streams: vec![stream],
            events: None,
        },
        ccm: Vec::new(),
        dtls: vec![StreamDtls {
            stream: 1,
            ies: DtlsIes {
                remote_fingerprints: vec![sha1],
                local_setup: Some(SetupRole::Active),
                remote_setup: Some(SetupRole::Passive),
                ..DtlsIes::new(transport)
            },
        }],
    }
}

/// What the gateway answers: its Local per stream (address filled in when
/// the request asked for it), the CCMs it negotiated with `caps`, and for
/// DTLS streams its fingerprint, its role and its tls-id.
fn media_reply(
    link: Link,
    ies: &MediaIes,
    context: u32,
    termination: &str,
    local_address: Option<[u8; 4]>,
    caps: &CcmCapabilities,
) -> MediaReply {
    let local = match local_address {
        None => Vec::new(),
        Some(a) => ies
            .cp
            .streams
            .iter()
            .filter_map(|s| {
                let mut l = s.local.clone()?;
                l.address = ip(a);
                l.port = MediaPort::Port(5000 + 2 * s.stream);
                Some((s.stream, l))
            })
            .collect(),
    };
    let negotiated = ies.negotiate(link, caps);
    let answered: Vec<u16> = local.iter().map(|(id, _)| *id).collect();
    MediaReply {
        cp: reserved_reply(context, termination, local),
        ccm: MediaIes::ccm_answers(&negotiated)
            .into_iter()
            .filter(|a| answered.contains(&a.stream))
            .collect(),
        dtls: ies
            .dtls
            .iter()
            .filter(|d| d.ies.local_fingerprint_request.is_some() && answered.contains(&d.stream))
            .map(|d| StreamDtlsAnswer {
                stream: d.stream,
                answer: DtlsAnswer {
                    fingerprint: agw_fingerprint(),
                    setup: d.ies.local_setup,
                    tls_id: Some(Text::from(format!("agw-tls-id-of-stream-{:04}", d.stream))),
                },
            })
            .collect(),
    }
}

/// The Mp CCM reply: the MRFP's Local answering the offer.
fn mp_ccm_reply(caps: &CcmCapabilities) -> MediaReply {
    let ies = mp_ccm_configure();
    let mut reply = media_reply(Link::Mp, &ies, 12, MP_TERM, None, caps);
    reply.cp.local = vec![(1, avpf_video(ip([10, 2, 2, 2]), MediaPort::Port(6002)))];
    reply.ccm = MediaIes::ccm_answers(&ies.negotiate(Link::Mp, caps));
    reply
}

/// The Iq Configure CCM reply: the AGW's Local with what it confirms.
fn iq_ccm_configure_reply(caps: &CcmCapabilities) -> MediaReply {
    let ies = iq_ccm_configure();
    let mut reply = media_reply(Link::Iq, &ies, 7, IQ_TERM, None, caps);
    reply.cp.local = vec![(2, avpf_video(ip([10, 1, 1, 1]), MediaPort::Port(5006)))];
    reply.ccm = MediaIes::ccm_answers(&ies.negotiate(Link::Iq, caps));
    reply
}

fn ccm_samples(env: &Env) -> Vec<Outcome> {
    use Ber::Encodes;
    let caps = CcmCapabilities {
        max_packet_rate: Some(60),
        ..CcmCapabilities::fir_and_tmmbr()
    };
    let rc = iq_ccm_reserve_and_configure();
    let dtls_rc = iq_dtls_reserve_and_configure();
    let dtls_c = iq_dtls_configure();
    vec![
        exercise(
            env,
            &ccm::ConfigureAgwCcm(iq_ccm_configure()),
            &iq_ccm_configure_reply(&caps),
            Encodes,
            Encodes,
        ),
        exercise(
            env,
            &ccm::ReserveAndConfigureAgwCcm(rc.clone()),
            &media_reply(Link::Iq, &rc, 7, IQ_TERM, Some([10, 1, 1, 1]), &caps),
            Encodes,
            Encodes,
        ),
        exercise(
            env,
            &ccm::ConfigureImsResourcesCcm(mp_ccm_configure()),
            &mp_ccm_reply(&caps),
            Encodes,
            Encodes,
        ),
        exercise(
            env,
            &webrtc::ReserveAndConfigureAgwDtls(dtls_rc.clone()),
            &media_reply(Link::Iq, &dtls_rc, 7, IQ_TERM, Some([10, 1, 1, 1]), &caps),
            Encodes,
            Encodes,
        ),
        exercise(
            env,
            &webrtc::ConfigureAgwDtls(dtls_c.clone()),
            &media_reply(Link::Iq, &dtls_c, 7, IQ_TERM, None, &caps),
            Encodes,
            Encodes,
        ),
    ]
}

/// Every procedure sample, exercised.
fn all(env: &Env) -> Vec<Outcome> {
    use Ber::{Encodes, Refuses};
    let iq_reply = reserved_reply(
        7,
        IQ_TERM,
        vec![(1, audio(ip([10, 1, 1, 1]), MediaPort::Port(5004)))],
    );
    let mp_reply = reserved_reply(
        12,
        MP_TERM,
        vec![(1, audio(ip([10, 2, 2, 2]), MediaPort::Port(6000)))],
    );
    let mp_rc_reply = reserved_reply(
        12,
        MP_TERM,
        vec![
            (1, audio(ip([10, 2, 2, 2]), MediaPort::Port(6000))),
            (2, video(ip([10, 2, 2, 2]), MediaPort::Port(6002))),
        ],
    );
    let statistics = vec![
        StatisticsParameter {
            name: Text::from("nt/os"),
            value: vec![Text::from("45123")],
        },
        StatisticsParameter {
            name: Text::from("rtp/ps"),
            value: vec![Text::from("1200")],
        },
    ];
    vec![
        // ---- Iq
        exercise(
            env,
            &iq::ReserveAgwConnectionPoint(iq_reserve()),
            &iq_reply,
            Refuses("ipdc/realm"),
            Encodes,
        ),
        exercise(
            env,
            &iq::ConfigureAgwConnectionPoint(iq_configure(true)),
            &reserved_reply(7, IQ_TERM, Vec::new()),
            Refuses("ds/dscp"),
            Encodes,
        ),
        exercise(
            env,
            &iq::ConfigureAgwConnectionPoint(iq_configure(false)),
            &reserved_reply(7, IQ_TERM, Vec::new()),
            Encodes,
            Encodes,
        ),
        exercise(
            env,
            &iq::ReserveAndConfigureAgwConnectionPoint(iq_reserve_and_configure()),
            &iq_reply,
            Refuses("ipdc/realm"),
            Encodes,
        ),
        exercise(
            env,
            &iq::ReleaseAgwTermination(ReleaseIes {
                context: 7,
                termination: tid("00000001/00000010/*"),
                wildcard_return: true,
                no_statistics: true,
            }),
            &ReleaseReply {
                context: 7,
                terminations: small_list![tid("00000001/00000010/*")],
                statistics: Vec::new(),
            },
            Encodes,
            Encodes,
        ),
        exercise(
            env,
            &iq::TerminationHeartbeat(HeartbeatIes {
                target: iq_target(),
                request_id: 1,
            }),
            &iq_ack(),
            Encodes,
            Encodes,
        ),
        exercise(
            env,
            &iq::IpBearerReleased {
                target: iq_target(),
                request_id: 1,
                cause: iq::GeneralCause::FailureTemporary,
                failure: Some(Text::from("remote bearer lost")),
            },
            &iq_ack(),
            Encodes,
            Encodes,
        ),
        exercise(
            env,
            &iq::AgwOutOfService(RootServiceChange {
                method: ServiceChangeMethod::Graceful,
                reason: 905,
                delay: Some(30),
            }),
            &ServiceChangeAck { version: None },
            Encodes,
            Encodes,
        ),
        exercise(
            env,
            &iq::AgwRestoration(RootServiceChange {
                method: ServiceChangeMethod::Restart,
                reason: 900,
                delay: None,
            }),
            &ServiceChangeAck { version: Some(3) },
            Encodes,
            Encodes,
        ),
        // ---- Mp
        exercise(
            env,
            &mp::ReserveImsResources(mp_reserve()),
            &mp_reply,
            Encodes,
            Encodes,
        ),
        exercise(
            env,
            &mp::ConfigureImsResources(mp_configure()),
            &reserved_reply(12, MP_TERM, Vec::new()),
            Encodes,
            Encodes,
        ),
        exercise(
            env,
            &mp::ReserveAndConfigureImsResources(mp_reserve_and_configure()),
            &mp_rc_reply,
            Encodes,
            Encodes,
        ),
        exercise(
            env,
            &mp::ReleaseImsTermination(ReleaseIes {
                context: 12,
                termination: tid(MP_TERM),
                wildcard_return: false,
                no_statistics: false,
            }),
            &ReleaseReply {
                context: 12,
                terminations: small_list![tid(MP_TERM)],
                statistics,
            },
            Encodes,
            Encodes,
        ),
        exercise(env, &send_tone(), &mp_accepted(), Encodes, Encodes),
        exercise(
            env,
            &mp::StopTone(mp_target()),
            &mp_accepted(),
            Encodes,
            Encodes,
        ),
        exercise(
            env,
            &mp::ToneCompleted {
                target: mp_target(),
                request_id: 2,
                tone: mp::ToneId::new("cg/rt").expect("tone"),
                method: mp::Completion::Event,
            },
            &mp_ack(),
            Encodes,
            Encodes,
        ),
        exercise(env, &start_announcement(), &mp_accepted(), Encodes, Encodes),
        exercise(
            env,
            &mp::StopAnnouncement(mp_target()),
            &mp_accepted(),
            Encodes,
            Encodes,
        ),
        exercise(
            env,
            &mp::AnnouncementCompleted {
                target: mp_target(),
                request_id: 3,
                method: mp::Completion::TimeOut,
            },
            &mp_ack(),
            Encodes,
            Encodes,
        ),
        exercise(env, &detect_dtmf(), &mp_accepted(), Encodes, Encodes),
        exercise(
            env,
            &send_tone_on_new_termination(),
            &mp_reply,
            Encodes,
            Encodes,
        ),
        exercise(
            env,
            &detect_dtmf_on_new_termination(),
            &mp_reply,
            Encodes,
            Encodes,
        ),
        exercise(
            env,
            &mp::ReportDtmf {
                target: mp_target(),
                request_id: 4,
                digits: Text::from("1234"),
                method: mp::DigitMapMatch::Unambiguous,
            },
            &mp_ack(),
            Encodes,
            Encodes,
        ),
        exercise(
            env,
            &mp::StopDtmfDetection {
                target: mp_target(),
                kept: Some(heartbeat(5)),
            },
            &mp_accepted(),
            Encodes,
            Encodes,
        ),
        exercise(
            env,
            &mp::StopDtmfDetection {
                target: mp_target(),
                kept: None,
            },
            &mp_accepted(),
            Encodes,
            Encodes,
        ),
        exercise(
            env,
            &mp::TerminationHeartbeat(HeartbeatIes {
                target: mp_target(),
                request_id: 1,
            }),
            &mp_ack(),
            Encodes,
            Encodes,
        ),
        exercise(
            env,
            &mp::MrfpOutOfService(RootServiceChange {
                method: ServiceChangeMethod::Forced,
                reason: 908,
                delay: None,
            }),
            &ServiceChangeAck { version: None },
            Encodes,
            Encodes,
        ),
        exercise(
            env,
            &mp::MrfpRestoration(RootServiceChange {
                method: ServiceChangeMethod::Restart,
                reason: 901,
                delay: None,
            }),
            &ServiceChangeAck { version: Some(3) },
            Encodes,
            Encodes,
        ),
    ]
    .into_iter()
    .chain(ccm_samples(env))
    .collect()
}

#[test]
fn every_procedure_validates_round_trips_and_reads_back() {
    let env = Env::new();
    let outcomes = all(&env);
    let refused: Vec<String> = outcomes
        .iter()
        .flat_map(|o| [&o.request, &o.reply])
        .filter_map(|c| {
            c.ber
                .as_ref()
                .err()
                .map(|item| format!("{} ({item})", c.label))
        })
        .collect();
    let procedures: std::collections::BTreeSet<&str> = outcomes.iter().map(|o| o.name).collect();
    eprintln!(
        "{} samples of {} procedures ({} Mp, {} Iq) pass validation, text and reader checks; \
         BER refused for: {}",
        outcomes.len(),
        procedures.len(),
        outcomes.iter().filter(|o| o.link == Link::Mp).count(),
        outcomes.iter().filter(|o| o.link == Link::Iq).count(),
        refused.join("; ")
    );
    // The Iq IP LocalControl items have no binary IDs; every other message
    // round-trips through BER.
    assert_eq!(refused.len(), 3, "{refused:#?}");
    assert!(refused
        .iter()
        .all(|r| r.starts_with("Reserve") || r.starts_with("Configure AGW")));
}

#[test]
fn megaco_accepts_every_procedure_message() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let judge = shared.join("tools/megaco-judge/megaco-judge");
    let env = Env::new();
    let dir = common::scratch_dir("procedures");
    let mut files: Vec<PathBuf> = Vec::new();
    for (n, outcome) in all(&env).iter().enumerate() {
        for (kind, checked) in [("request", &outcome.request), ("reply", &outcome.reply)] {
            let path = dir.join(format!("{n:02}-{kind}.txt"));
            std::fs::write(&path, &checked.pretty).expect("scratch file is writable");
            files.push(path);
        }
    }
    let output = Process::new(&judge)
        .arg("check")
        .args(&files)
        .output()
        .expect("megaco-judge runs (needs erlang-base and erlang-megaco)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "megaco refuses:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("ok:")).count(),
        files.len(),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- negative tests: each mandatory IE missing -----------------------------------------------

fn amm_mut(action: &mut ActionRequest) -> &mut h248_stack::model::AmmRequest {
    match &mut action.commands[0].command {
        Command::Add(a) | Command::Modify(a) => a,
        other => panic!("not an Add / Modify: {other:?}"),
    }
}

fn code_of<P: Procedure + Debug>(action: &ActionRequest) -> (u16, &'static str) {
    let e = P::read_request(action).expect_err("the reader must refuse");
    (e.code, e.ie)
}

#[test]
fn connection_point_requests_missing_a_mandatory_ie_are_refused() {
    use iq::ReserveAgwConnectionPoint as Reserve;
    let built = Reserve(iq_reserve()).request();

    // Local Connection Address Request: no Local, or a Local with a port.
    let mut a = built.clone();
    if let AmmDescriptor::Media(m) = &mut amm_mut(&mut a).descriptors[0] {
        if let Some(h248_stack::model::Streams::Multi(s)) = &mut m.streams {
            s[0].parms.local = None;
        }
    }
    assert_eq!(
        code_of::<Reserve>(&a),
        (472, "Local Connection Address Request")
    );
    let mut ies = iq_reserve();
    ies.streams[0].local = Some(audio(
        ConnAddress::Choose(AddrType::Ip4),
        MediaPort::Port(5000),
    ));
    assert_eq!(
        code_of::<Reserve>(&Reserve(ies).request()),
        (472, "Local Connection Address Request")
    );
    // No stream at all.
    let mut ies = iq_reserve();
    ies.streams.clear();
    assert_eq!(code_of::<Reserve>(&Reserve(ies).request()).0, 472);
    // Remote SDP makes it a Reserve and Configure.
    let mut ies = iq_reserve();
    ies.streams[0].remote = Some(audio(ip([203, 0, 113, 9]), MediaPort::Port(49170)));
    assert_eq!(
        code_of::<Reserve>(&Reserve(ies).request()),
        (449, "Remote IP Resources")
    );
    // Notify termination heartbeat.
    let mut ies = iq_reserve();
    ies.events.as_mut().expect("events").heartbeat = false;
    assert_eq!(
        code_of::<Reserve>(&Reserve(ies).request()),
        (472, "Notify termination heartbeat")
    );
    let mut ies = iq_reserve();
    ies.events = None;
    assert_eq!(
        code_of::<Reserve>(&Reserve(ies).request()),
        (472, "Notify termination heartbeat")
    );
    // Bearer Termination Request: a specific ID is not a request.
    let mut ies = iq_reserve();
    ies.termination = tid(IQ_TERM);
    assert_eq!(
        code_of::<Reserve>(&Reserve(ies).request()),
        (449, "Bearer Termination Request")
    );
    // The wrong command.
    let mut a = built.clone();
    let amm = amm_mut(&mut a).clone();
    a.commands[0].command = Command::Modify(amm);
    assert_eq!(code_of::<Reserve>(&a), (421, "command"));
    // Two commands in the action.
    let mut a = built.clone();
    a.commands.push(a.commands[0].clone());
    assert_eq!(code_of::<Reserve>(&a), (421, "command"));
    // Priority above 15.
    let mut a = built.clone();
    a.context_request
        .as_mut()
        .expect("context request")
        .priority = Some(16);
    assert_eq!(code_of::<Reserve>(&a), (449, "Priority"));
    // A bad DSCP value.
    let mut a = built.clone();
    if let AmmDescriptor::Media(m) = &mut amm_mut(&mut a).descriptors[0] {
        if let Some(h248_stack::model::Streams::Multi(s)) = &mut m.streams {
            let lc = s[0].parms.local_control.as_mut().expect("LocalControl");
            for p in &mut lc.property_parms {
                if p.name == "ds/dscp" {
                    p.value = h248_stack::model::ParmValue::Equal(Text::from("7f"));
                }
            }
        }
    }
    assert_eq!(code_of::<Reserve>(&a), (449, "DiffServ Code Point"));

    // Reserve and Configure: the Remote side is mandatory.
    use iq::ReserveAndConfigureAgwConnectionPoint as Rc;
    let mut ies = iq_reserve_and_configure();
    ies.streams[0].remote = None;
    assert_eq!(
        code_of::<Rc>(&Rc(ies).request()),
        (472, "Remote IP Resources")
    );
    let mut ies = iq_reserve_and_configure();
    ies.streams[0].remote = Some(audio(ip([203, 0, 113, 9]), MediaPort::Choose));
    assert_eq!(
        code_of::<Rc>(&Rc(ies).request()),
        (472, "Remote Connection Address")
    );

    // Configure: an existing context and termination.
    use iq::ConfigureAgwConnectionPoint as Configure;
    let mut a = Configure(iq_configure(false)).request();
    a.context_id = ContextId::CHOOSE;
    assert_eq!(code_of::<Configure>(&a), (449, "Context"));
    let mut ies = iq_configure(false);
    ies.termination = tid(IQ_NEW);
    assert_eq!(
        code_of::<Configure>(&Configure(ies).request()),
        (449, "Bearer Termination")
    );

    // Mp Configure IMS Resources: Remote M; the Iq packages are not Mp's.
    use mp::ConfigureImsResources as MpConfigure;
    let mut ies = mp_configure();
    ies.streams[0].remote = None;
    assert_eq!(
        code_of::<MpConfigure>(&MpConfigure(ies).request()),
        (472, "Remote IP Resources")
    );
    let mut ies = mp_configure();
    ies.streams[0].ip.realm = Some(Text::from("core"));
    assert_eq!(
        code_of::<MpConfigure>(&MpConfigure(ies).request()),
        (440, "LocalControl")
    );
    // Mp Reserve: Emergency is not an IE of the Mp procedures.
    use mp::ReserveImsResources as MpReserve;
    let mut ies = mp_reserve();
    ies.emergency = true;
    assert_eq!(
        code_of::<MpReserve>(&MpReserve(ies).request()),
        (449, "Emergency Call Indicator")
    );
}

#[test]
fn reserve_replies_must_give_the_local_address() {
    use iq::ReserveAgwConnectionPoint as Reserve;
    let no_sdp = Reserve::reply(&reserved_reply(7, IQ_TERM, Vec::new()));
    let e = Reserve::read_reply(&no_sdp).expect_err("no address");
    assert_eq!((e.code, e.ie), (472, "Local Connection Address"));
    let unfilled = Reserve::reply(&reserved_reply(7, IQ_TERM, vec![(1, local_request())]));
    let e = Reserve::read_reply(&unfilled).expect_err("address still $");
    assert_eq!((e.code, e.ie), (472, "Local Connection Address"));
    // The MG refusing is reported with its code.
    let mut refused = no_sdp.clone();
    refused.commands.clear();
    refused.error = Some(ErrorDescriptor::new(510, "Insufficient resources"));
    let e = Reserve::read_reply(&refused).expect_err("refused");
    assert_eq!((e.code, e.ie), (510, "Error descriptor"));
    // The error reply an MG builds from a reader's refusal.
    let mut ies = iq_reserve();
    ies.events = None;
    let e = Reserve::read_request(&Reserve(ies).request()).expect_err("no heartbeat");
    let reply = e.error_reply(ContextId::CHOOSE);
    assert_eq!(reply.error.as_ref().map(|d| d.code), Some(472));
    assert!(reply
        .error
        .and_then(|d| d.text)
        .is_some_and(|t| t.contains("heartbeat")));
}

#[test]
fn release_requests_are_checked() {
    let release = |termination: &str, wildcard_return: bool| ReleaseIes {
        context: 7,
        termination: tid(termination),
        wildcard_return,
        no_statistics: false,
    };
    // Mp does not take wildcarded releases (29.333 §5.10 unread).
    let a = mp::ReleaseImsTermination(release("00000010/00000001/*", true)).request();
    assert_eq!(code_of::<mp::ReleaseImsTermination>(&a).0, 449);
    let a = mp::ReleaseImsTermination(release(MP_TERM, true)).request();
    assert_eq!(code_of::<mp::ReleaseImsTermination>(&a), (442, "command"));
    // CHOOSE is never released.
    let a = iq::ReleaseAgwTermination(release(IQ_NEW, false)).request();
    assert_eq!(
        code_of::<iq::ReleaseAgwTermination>(&a),
        (449, "Bearer Termination")
    );
    // The NULL context.
    let mut a = iq::ReleaseAgwTermination(release(IQ_TERM, false)).request();
    a.context_id = ContextId::NULL;
    assert_eq!(code_of::<iq::ReleaseAgwTermination>(&a), (449, "Context"));
}

#[test]
fn signal_and_event_requests_missing_a_mandatory_ie_are_refused() {
    // Send Tone: the tone, its completion event, a tone of the profile.
    let mut a = send_tone().request();
    amm_mut(&mut a)
        .descriptors
        .retain(|d| !matches!(d, AmmDescriptor::Signals(_)));
    assert_eq!(code_of::<mp::SendTone>(&a), (472, "Tone"));
    let mut tone = send_tone();
    tone.events.as_mut().expect("events").signal_completion = false;
    assert_eq!(
        code_of::<mp::SendTone>(&tone.request()),
        (472, "Notify Tone Completion")
    );
    assert!(mp::ToneId::new("cg/zz").is_none());
    assert!(mp::ToneId::new("an/apf").is_none());
    let mut a = send_tone().request();
    if let AmmDescriptor::Signals(s) = &mut amm_mut(&mut a).descriptors[0] {
        if let h248_stack::model::SignalRequest::Signal(sig) = &mut s[0] {
            sig.name = Text::from("cg/zz");
        }
    }
    assert_eq!(code_of::<mp::SendTone>(&a), (449, "Tone"));

    // Start Announcement: the announcement ID.
    let mut a = start_announcement().request();
    if let AmmDescriptor::Signals(s) = &mut amm_mut(&mut a).descriptors[0] {
        if let h248_stack::model::SignalRequest::Signal(sig) = &mut s[0] {
            sig.params.retain(|p| p.name != "an");
        }
    }
    assert_eq!(code_of::<mp::StartAnnouncement>(&a), (472, "Announcement"));

    // Detect DTMF: dd/ce.
    let mut dtmf = detect_dtmf();
    dtmf.events.dtmf = None;
    assert_eq!(
        code_of::<mp::DetectDtmf>(&dtmf.request()),
        (472, "Start_DTMF_Detection")
    );
    // Stop DTMF Detection must not keep dd/ce.
    let a = mp::StopDtmfDetection {
        target: mp_target(),
        kept: Some(detect_dtmf().events),
    }
    .request();
    assert_eq!(code_of::<mp::StopDtmfDetection>(&a).0, 449);
    // Stop Tone needs the (empty) Signals descriptor.
    let mut a = mp::StopTone(mp_target()).request();
    amm_mut(&mut a).descriptors.clear();
    assert_eq!(code_of::<mp::StopTone>(&a), (472, "Stop Tone"));
}

fn observed_params(action: &mut ActionRequest) -> &mut Vec<h248_stack::model::PropertyParm> {
    match &mut action.commands[0].command {
        Command::Notify(n) => &mut n.observed_events.events[0].params,
        other => panic!("not a Notify: {other:?}"),
    }
}

#[test]
fn notify_and_service_change_requests_missing_a_mandatory_ie_are_refused() {
    let completed = mp::ToneCompleted {
        target: mp_target(),
        request_id: 2,
        tone: mp::ToneId::new("cg/bt").expect("tone"),
        method: mp::Completion::TimeOut,
    };
    for name in ["SigID", "Meth"] {
        let mut a = completed.request();
        observed_params(&mut a).retain(|p| p.name != name);
        assert_eq!(
            code_of::<mp::ToneCompleted>(&a),
            (472, "Tone Completed"),
            "{name}"
        );
    }
    let report = mp::ReportDtmf {
        target: mp_target(),
        request_id: 4,
        digits: Text::from("12"),
        method: mp::DigitMapMatch::Full,
    };
    let mut a = report.request();
    observed_params(&mut a).retain(|p| p.name != "ds");
    assert_eq!(code_of::<mp::ReportDtmf>(&a), (472, "Reported digits"));
    let mut bad = report.clone();
    bad.digits = Text::from("12x");
    assert_eq!(
        code_of::<mp::ReportDtmf>(&bad.request()),
        (449, "Reported digits")
    );

    let released = iq::IpBearerReleased {
        target: iq_target(),
        request_id: 1,
        cause: iq::GeneralCause::NormalRelease,
        failure: None,
    };
    let mut a = released.request();
    observed_params(&mut a).clear();
    assert_eq!(code_of::<iq::IpBearerReleased>(&a), (472, "Cause"));
    // A heartbeat reader given another event.
    assert_eq!(
        code_of::<iq::TerminationHeartbeat>(&released.request()),
        (472, "Termination heartbeat")
    );

    // ServiceChange: Reason and Method.
    let oos = iq::AgwOutOfService(RootServiceChange {
        method: ServiceChangeMethod::Forced,
        reason: 905,
        delay: None,
    });
    let mut a = oos.request();
    if let Command::ServiceChange(sc) = &mut a.commands[0].command {
        sc.parms.reason = Text::from("Out of service");
    }
    assert_eq!(code_of::<iq::AgwOutOfService>(&a), (472, "Reason"));
    let wrong = iq::AgwOutOfService(RootServiceChange {
        method: ServiceChangeMethod::Restart,
        reason: 905,
        delay: None,
    });
    assert_eq!(
        code_of::<iq::AgwOutOfService>(&wrong.request()),
        (449, "Method")
    );
    let wrong = mp::MrfpRestoration(RootServiceChange {
        method: ServiceChangeMethod::Restart,
        reason: 905,
        delay: None,
    });
    assert_eq!(
        code_of::<mp::MrfpRestoration>(&wrong.request()),
        (449, "Reason")
    );
}

type ReaderFn = (&'static str, fn(&ActionRequest) -> bool);

#[test]
fn procedures_combined_with_a_new_termination_check_their_ies() {
    use mp::{DetectDtmfOnNewTermination as Dtmf, SendToneOnNewTermination as Tone};
    // The heartbeat is mandatory when a new termination is requested.
    let mut tone = send_tone_on_new_termination();
    tone.reserve.events.as_mut().expect("events").heartbeat = false;
    assert_eq!(
        code_of::<Tone>(&tone.request()),
        (472, "Notify termination heartbeat")
    );
    let mut dtmf = detect_dtmf_on_new_termination();
    dtmf.reserve.events.as_mut().expect("events").heartbeat = false;
    assert_eq!(
        code_of::<Dtmf>(&dtmf.request()),
        (472, "Notify termination heartbeat")
    );
    // The tone / dd/ce.
    let mut a = send_tone_on_new_termination().request();
    amm_mut(&mut a)
        .descriptors
        .retain(|d| !matches!(d, AmmDescriptor::Signals(_)));
    assert_eq!(code_of::<Tone>(&a), (472, "Tone"));
    let mut dtmf = detect_dtmf_on_new_termination();
    dtmf.reserve.events.as_mut().expect("events").dtmf = None;
    assert_eq!(
        code_of::<Dtmf>(&dtmf.request()),
        (472, "Start_DTMF_Detection")
    );
    // NotifyCompletion needs g/sc.
    let mut tone = send_tone_on_new_termination();
    tone.reserve
        .events
        .as_mut()
        .expect("events")
        .signal_completion = false;
    assert_eq!(
        code_of::<Tone>(&tone.request()),
        (472, "Notify Tone Completion")
    );
    // The Reserve IEs: Local Connection Address Request, a new termination.
    let mut tone = send_tone_on_new_termination();
    tone.reserve.streams[0].local = None;
    assert_eq!(
        code_of::<Tone>(&tone.request()),
        (472, "Local Connection Address Request")
    );
    let mut dtmf = detect_dtmf_on_new_termination();
    dtmf.reserve.termination = tid(MP_TERM);
    assert_eq!(
        code_of::<Dtmf>(&dtmf.request()).1,
        "Bearer Termination Request"
    );
    // On an existing termination the procedures are Modify requests: the
    // combined readers refuse them with 421.
    assert_eq!(code_of::<Tone>(&send_tone().request()), (421, "command"));
    assert_eq!(code_of::<Dtmf>(&detect_dtmf().request()), (421, "command"));
    // A reply without the allocated address is refused.
    let reply = reserved_reply(
        12,
        MP_TERM,
        vec![(1, audio(ip([10, 2, 2, 2]), MediaPort::Port(6000)))],
    );
    assert!(Tone::read_reply(&Tone::reply(&reply)).is_ok());
    let no_address = reserved_reply(12, MP_TERM, Vec::new());
    assert_eq!(
        Tone::read_reply(&Tone::reply(&no_address))
            .expect_err("refused")
            .code,
        472
    );
}

fn reads<P: Procedure>(a: &ActionRequest) -> bool {
    P::read_request(a).is_ok()
}

fn reply_reads<P: Procedure>(a: &ActionReply) -> bool {
    P::read_reply(a).is_ok()
}

/// The request reader of every procedure, by name.
fn readers() -> Vec<ReaderFn> {
    vec![
        (
            iq::ReserveAgwConnectionPoint::NAME,
            reads::<iq::ReserveAgwConnectionPoint>,
        ),
        (
            iq::ConfigureAgwConnectionPoint::NAME,
            reads::<iq::ConfigureAgwConnectionPoint>,
        ),
        (
            iq::ReserveAndConfigureAgwConnectionPoint::NAME,
            reads::<iq::ReserveAndConfigureAgwConnectionPoint>,
        ),
        (
            iq::ReleaseAgwTermination::NAME,
            reads::<iq::ReleaseAgwTermination>,
        ),
        (
            iq::TerminationHeartbeat::NAME,
            reads::<iq::TerminationHeartbeat>,
        ),
        (iq::IpBearerReleased::NAME, reads::<iq::IpBearerReleased>),
        (iq::AgwOutOfService::NAME, reads::<iq::AgwOutOfService>),
        (iq::AgwRestoration::NAME, reads::<iq::AgwRestoration>),
        (
            mp::ReserveImsResources::NAME,
            reads::<mp::ReserveImsResources>,
        ),
        (
            mp::ConfigureImsResources::NAME,
            reads::<mp::ConfigureImsResources>,
        ),
        (
            mp::ReserveAndConfigureImsResources::NAME,
            reads::<mp::ReserveAndConfigureImsResources>,
        ),
        (
            mp::ReleaseImsTermination::NAME,
            reads::<mp::ReleaseImsTermination>,
        ),
        (mp::SendTone::NAME, reads::<mp::SendTone>),
        (mp::StopTone::NAME, reads::<mp::StopTone>),
        (mp::ToneCompleted::NAME, reads::<mp::ToneCompleted>),
        (mp::StartAnnouncement::NAME, reads::<mp::StartAnnouncement>),
        (mp::StopAnnouncement::NAME, reads::<mp::StopAnnouncement>),
        (
            mp::AnnouncementCompleted::NAME,
            reads::<mp::AnnouncementCompleted>,
        ),
        (mp::DetectDtmf::NAME, reads::<mp::DetectDtmf>),
        (
            mp::SendToneOnNewTermination::NAME,
            reads::<mp::SendToneOnNewTermination>,
        ),
        (
            mp::DetectDtmfOnNewTermination::NAME,
            reads::<mp::DetectDtmfOnNewTermination>,
        ),
        (mp::ReportDtmf::NAME, reads::<mp::ReportDtmf>),
        (mp::StopDtmfDetection::NAME, reads::<mp::StopDtmfDetection>),
        (
            mp::TerminationHeartbeat::NAME,
            reads::<mp::TerminationHeartbeat>,
        ),
        (mp::MrfpOutOfService::NAME, reads::<mp::MrfpOutOfService>),
        (mp::MrfpRestoration::NAME, reads::<mp::MrfpRestoration>),
        (ccm::ConfigureAgwCcm::NAME, reads::<ccm::ConfigureAgwCcm>),
        (
            ccm::ReserveAndConfigureAgwCcm::NAME,
            reads::<ccm::ReserveAndConfigureAgwCcm>,
        ),
        (
            ccm::ConfigureImsResourcesCcm::NAME,
            reads::<ccm::ConfigureImsResourcesCcm>,
        ),
        (
            webrtc::ReserveAndConfigureAgwDtls::NAME,
            reads::<webrtc::ReserveAndConfigureAgwDtls>,
        ),
        (
            webrtc::ConfigureAgwDtls::NAME,
            reads::<webrtc::ConfigureAgwDtls>,
        ),
    ]
}

/// Every reader against every procedure's request: only the procedure's own
/// reader (and the reader of the identical Stop request) accepts it, and
/// nothing panics.
#[test]
fn no_reader_accepts_another_procedures_request() {
    let readers = readers();
    let env = Env::new();
    let requests: Vec<(&'static str, ActionRequest)> = all(&env)
        .into_iter()
        .map(|o| {
            let message = text::decode(&o.request.pretty).expect("decodes");
            (o.name, first_request(&message).clone())
        })
        .collect();
    // Same H.248 shape, different stage-2 names (documented in `mp`); and
    // the heartbeat Notify is the same message on both links.
    let same_message = |a: &str, b: &str| {
        let pair = |x: &str, y: &str| (a == x && b == y) || (a == y && b == x);
        pair("Stop Tone", "Stop Announcement")
            || pair(
                "Termination Heartbeat Indication",
                "Termination heartbeat indication",
            )
            || pair("IMS-AGW Out-of-Service", "MRFP Out-of-Service")
            || pair("IMS-AGW Restoration", "MRFP Restoration")
    };
    let mut wrong = Vec::new();
    for (request_of, action) in &requests {
        for (reader, read) in &readers {
            let expected = reader == request_of || same_message(reader, request_of);
            if read(action) != expected {
                wrong.push(format!(
                    "reader {reader} on {request_of}: accepted = {}",
                    !expected
                ));
            }
        }
    }
    // Where the IEs allow it, a message is also another procedure's, and
    // only the link tells them apart: the Mp connection-point and release
    // messages carry nothing an Iq reader refuses (an Iq Configure without IP
    // IEs is an Mp Configure too), and a Modify carrying only Events (Stop
    // DTMF Detection keeping the heartbeat, or clearing every event) is a
    // Configure AGW Connection Point that changes only the events.
    let allowed_overlaps = [
        ("Reserve AGW Connection Point", "Reserve IMS Resources"),
        (
            "Reserve and Configure AGW Connection Point",
            "Reserve and Configure IMS Resources",
        ),
        ("Configure AGW Connection Point", "Configure IMS Resources"),
        ("Configure IMS Resources", "Configure AGW Connection Point"),
        ("Release AGW Termination", "Release IMS Termination"),
        ("Configure AGW Connection Point", "Stop DTMF Detection"),
        // The DTLS-SRTP sample carries CCM on its video stream: it is also a
        // Reserve and Configure with the clause 6.2.24 IEs.
        (
            "Reserve and Configure AGW Connection Point (CCM)",
            "Reserve and Configure AGW Connection Point (DTLS-SRTP)",
        ),
    ];
    // The CCM and DTLS-SRTP procedures are connection points with more IEs
    // in their SDP: the base readers (of either link) do not type those
    // attributes, so they accept the message as a plain connection point.
    let base_of = |extended: &str, base: &str| {
        let stem = extended
            .trim_end_matches(" (CCM)")
            .trim_end_matches(" (DTLS-SRTP)");
        extended != stem
            && (base == stem
                || base == stem.replace("AGW Connection Point", "IMS Resources")
                || base == stem.replace("IMS Resources", "AGW Connection Point"))
    };
    let unexpected: Vec<&String> = wrong
        .iter()
        .filter(|w| {
            !allowed_overlaps.iter().any(|(reader, request)| {
                w.starts_with(&format!("reader {reader} on {request}: accepted = true"))
            }) && !requests.iter().any(|(request, _)| {
                readers.iter().any(|(reader, _)| {
                    base_of(request, reader)
                        && w.starts_with(&format!("reader {reader} on {request}: accepted = true"))
                })
            })
        })
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:#?}\nall: {wrong:#?}");
}

macro_rules! reply_readers {
    ($($p:ty),* $(,)?) => {
        vec![$(reply_reads::<$p> as fn(&ActionReply) -> bool),*]
    };
}

/// Every reader on every action of the shared corpus (real messages of
/// other gateways and controllers): none panics, whatever it is given.
#[test]
fn readers_survive_every_corpus_message() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let request_readers = readers();
    let reply_readers: Vec<fn(&ActionReply) -> bool> = reply_readers![
        iq::ReserveAgwConnectionPoint,
        iq::ConfigureAgwConnectionPoint,
        iq::ReserveAndConfigureAgwConnectionPoint,
        iq::ReleaseAgwTermination,
        iq::TerminationHeartbeat,
        iq::IpBearerReleased,
        iq::AgwOutOfService,
        iq::AgwRestoration,
        mp::ReserveImsResources,
        mp::ConfigureImsResources,
        mp::ReserveAndConfigureImsResources,
        mp::ReleaseImsTermination,
        mp::SendTone,
        mp::StopTone,
        mp::ToneCompleted,
        mp::StartAnnouncement,
        mp::StopAnnouncement,
        mp::AnnouncementCompleted,
        mp::DetectDtmf,
        mp::SendToneOnNewTermination,
        mp::DetectDtmfOnNewTermination,
        mp::ReportDtmf,
        mp::StopDtmfDetection,
        mp::TerminationHeartbeat,
        mp::MrfpOutOfService,
        mp::MrfpRestoration,
        ccm::ConfigureAgwCcm,
        ccm::ReserveAndConfigureAgwCcm,
        ccm::ConfigureImsResourcesCcm,
        webrtc::ReserveAndConfigureAgwDtls,
        webrtc::ConfigureAgwDtls,
    ];
    let (mut actions, mut accepted) = (0usize, 0usize);
    let mut entries: Vec<PathBuf> = std::fs::read_dir(shared.join("corpus"))
        .expect("corpus directory is readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".pretty.txt"))
        .collect();
    entries.sort();
    for path in &entries {
        let bytes = std::fs::read(path).expect("corpus file is readable");
        let Ok(message) = text::decode(&bytes) else {
            continue;
        };
        let MessageBody::Transactions(transactions) = &message.message.body else {
            continue;
        };
        for t in transactions {
            match t {
                Transaction::Request(r) => {
                    for a in &r.actions {
                        actions += 1;
                        accepted += request_readers.iter().filter(|(_, read)| read(a)).count();
                    }
                }
                Transaction::Reply(TransactionReply {
                    result: TransactionResult::ActionReplies(replies),
                    ..
                }) => {
                    for a in replies {
                        actions += 1;
                        accepted += reply_readers.iter().filter(|read| read(a)).count();
                    }
                }
                _ => {}
            }
        }
    }
    assert!(actions > 100, "only {actions} actions in the corpus");
    eprintln!("{actions} corpus actions read by every reader; {accepted} acceptances");
}

// ---- CCM and DTLS-SRTP: negative tests, negotiation, BER --------------------------------------

/// The Local (`local` true) or Remote SDP of `stream` in a request action.
fn stream_sdp(
    action: &mut ActionRequest,
    stream: u16,
    local: bool,
) -> &mut h248_stack::sdp::SessionDescription {
    let AmmDescriptor::Media(m) = amm_mut(action)
        .descriptors
        .iter_mut()
        .find(|d| matches!(d, AmmDescriptor::Media(_)))
        .expect("a Media descriptor")
    else {
        unreachable!("found a Media descriptor")
    };
    let Some(h248_stack::model::Streams::Multi(list)) = &mut m.streams else {
        panic!("streams")
    };
    let s = list
        .iter_mut()
        .find(|s| s.stream_id == stream)
        .expect("the stream");
    let d = if local {
        &mut s.parms.local
    } else {
        &mut s.parms.remote
    };
    &mut d.as_mut().expect("the descriptor").groups[0]
}

/// The codes the profile Validator gives a request of `link`.
fn validator_codes(env: &Env, link: Link, action: &ActionRequest) -> Vec<u16> {
    env.validator(link)
        .check(
            &request_message(Sender::Mgc, action.clone()),
            Context {
                sender: Sender::Mgc,
                transport: None,
            },
        )
        .iter()
        .map(|v| v.code)
        .collect()
}

/// Replaces the line starting with `prefix` (or appends when none does).
fn set_line(sd: &mut h248_stack::sdp::SessionDescription, prefix: &str, value: &str) {
    let line = h248_stack::sdp::SdpLine::new('a', value);
    match sd.lines.iter_mut().find(|l| l.value.starts_with(prefix)) {
        Some(l) => *l = line,
        None => sd.lines.push(line),
    }
}

#[test]
fn bad_ccm_lines_are_449_for_the_reader_and_the_validator() {
    let env = Env::new();
    let built = ccm::ConfigureAgwCcm(iq_ccm_configure()).request();
    assert!(validator_codes(&env, Link::Iq, &built).is_empty());
    for (local, bad) in [
        (true, "rtcp-fb:97 ccm frobnicate"), // unknown ccm parameter
        (false, "rtcp-fb:99 ccm fir"),       // pt not on the m= line
        (false, "rtcp-fb:97 ccm tmmbr smaxpr=fast"), // smaxpr not a number
        (true, "rtcp-fb:* ccm tmmbr smaxpr=12x"), // nor this one
    ] {
        let mut a = built.clone();
        set_line(stream_sdp(&mut a, 2, local), "rtcp-fb:97 ccm tmmbr", bad);
        let e = ccm::ConfigureAgwCcm::read_request(&a).expect_err(bad);
        assert_eq!(e.code, 449, "{bad}: {e}");
        assert_eq!(validator_codes(&env, Link::Iq, &a), [449], "{bad}");
        // The Mp reader and validator agree on the Mp procedure.
        let mut a = ccm::ConfigureImsResourcesCcm(mp_ccm_configure()).request();
        set_line(stream_sdp(&mut a, 1, false), "rtcp-fb:97 ccm tstr", bad);
        let e = ccm::ConfigureImsResourcesCcm::read_request(&a).expect_err(bad);
        assert_eq!(e.code, 449, "Mp {bad}: {e}");
        assert_eq!(validator_codes(&env, Link::Mp, &a), [449], "Mp {bad}");
    }
    // Valid SDP that is not a clause 6.2.24 IE: only the Iq reader refuses.
    for (local, other) in [
        (true, "rtcp-fb:97 ccm tstr"),
        (false, "rtcp-fb:97 ccm vbcm 1"),
        (true, "rtcp-fb:$ ccm fir"),
    ] {
        let mut a = built.clone();
        set_line(stream_sdp(&mut a, 2, local), "rtcp-fb:97 ccm tmmbr", other);
        assert!(validator_codes(&env, Link::Iq, &a).is_empty(), "{other}");
        let e = ccm::ConfigureAgwCcm::read_request(&a).expect_err(other);
        assert_eq!(e.code, 449, "{other}: {e}");
    }
    // No ccm line at all: the clause 6.2.24 IEs are missing.
    let mut ies = iq_ccm_configure();
    ies.ccm.clear();
    let e = ccm::ConfigureAgwCcm::read_request(&ccm::ConfigureAgwCcm(ies).request())
        .expect_err("no CCM");
    assert_eq!((e.code, e.ie), (472, "CCM"));
    // The MRFP answers: the MRFC's Local carries no ccm line.
    let mut a = ccm::ConfigureImsResourcesCcm(mp_ccm_configure()).request();
    if let AmmDescriptor::Media(m) = &mut amm_mut(&mut a).descriptors[0] {
        if let Some(h248_stack::model::Streams::Multi(s)) = &mut m.streams {
            s[0].parms.local = s[0].parms.remote.clone();
        }
    }
    assert_eq!(
        ccm::ConfigureImsResourcesCcm::read_request(&a)
            .expect_err("ccm in Local")
            .code,
        449
    );
}

#[test]
fn bad_fingerprints_are_449_for_the_reader_and_the_validator() {
    let env = Env::new();
    use webrtc::ReserveAndConfigureAgwDtls as Dtls;
    let built = Dtls(iq_dtls_reserve_and_configure()).request();
    assert!(validator_codes(&env, Link::Iq, &built).is_empty());
    let sha256 = Fingerprint::hex(&UE_SHA256);
    for bad in [
        // wrong length for the hash function
        format!("fingerprint:sha-256 {}", &sha256[..59]),
        format!("fingerprint:sha-1 {sha256}"),
        // unknown hash function
        format!("fingerprint:sha-999 {sha256}"),
        // not hex pairs
        "fingerprint:sha-256 D1:2C:BE:X".to_owned(),
    ] {
        let mut a = built.clone();
        set_line(stream_sdp(&mut a, 1, false), "fingerprint:", &bad);
        let e = Dtls::read_request(&a).expect_err(&bad);
        assert_eq!(e.code, 449, "{bad}: {e}");
        assert_eq!(validator_codes(&env, Link::Iq, &a), [449], "{bad}");
    }
    // A concrete fingerprint where the AGW is asked for its own, `$` where
    // the peer's is given, roles that leave no DTLS client: 449.
    for (local, line) in [
        (true, format!("fingerprint:sha-256 {sha256}")),
        (false, "fingerprint:$".to_owned()),
        (false, "setup:active".to_owned()),
    ] {
        let prefix = line.split(':').next().unwrap_or_default().to_owned() + ":";
        let mut a = built.clone();
        set_line(stream_sdp(&mut a, 1, local), &prefix, &line);
        let e = Dtls::read_request(&a).expect_err(&line);
        assert_eq!(e.code, 449, "{line}: {e}");
    }
    // DTLS attributes on a transport other than UDP/TLS/RTP/SAVP(F).
    let mut ies = iq_configure(false);
    ies.streams[0].remote.as_mut().expect("remote").proto = Text::from("RTP/AVP");
    let mut a = iq::ConfigureAgwConnectionPoint(ies).request();
    set_line(
        stream_sdp(&mut a, 1, false),
        "fingerprint:",
        &format!("fingerprint:sha-256 {sha256}"),
    );
    // A fingerprint over RTP/AVP is not a DTLS-SRTP stream: no transport.
    let e = webrtc::ConfigureAgwDtls::read_request(&a).expect_err("RTP/AVP");
    assert_eq!((e.code, e.ie), (472, "transport"));
    // One side DTLS-SRTP, the other not.
    let mut ies = iq_dtls_configure();
    ies.cp.streams[0].local.as_mut().expect("local").proto = Text::from("RTP/AVP");
    let mut a = webrtc::ConfigureAgwDtls(ies).request();
    let sd = stream_sdp(&mut a, 1, true);
    let m = sd
        .lines
        .iter_mut()
        .find(|l| l.kind == 'm')
        .expect("m= line");
    *m = h248_stack::sdp::SdpLine::new('m', m.value.replace("UDP/TLS/RTP/SAVP", "RTP/AVP"));
    let e = webrtc::ConfigureAgwDtls::read_request(&a).expect_err("mixed");
    assert_eq!((e.code, e.ie), (449, "Local IP Resources"));
}

#[test]
fn dtls_requests_missing_a_mandatory_ie_are_refused() {
    use webrtc::ReserveAndConfigureAgwDtls as Dtls;
    let mut ies = iq_dtls_reserve_and_configure();
    ies.dtls[1].ies.remote_fingerprints.clear();
    let e = Dtls::read_request(&Dtls(ies).request()).expect_err("no remote fingerprint");
    assert_eq!((e.code, e.ie), (472, "Remote certificate fingerprint"));
    let mut ies = iq_dtls_reserve_and_configure();
    ies.dtls[0].ies.local_fingerprint_request = None;
    let e = Dtls::read_request(&Dtls(ies).request()).expect_err("no request");
    assert_eq!(
        (e.code, e.ie),
        (472, "Local certificate fingerprint Request")
    );
    // Without a DTLS-SRTP stream the procedure is a plain connection point.
    let e = webrtc::ConfigureAgwDtls::read_request(
        &iq::ConfigureAgwConnectionPoint(iq_configure(false)).request(),
    )
    .expect_err("no DTLS");
    assert_eq!((e.code, e.ie), (472, "transport"));

    // The reply must carry the AGW's fingerprint, filled in.
    let caps = CcmCapabilities::fir_and_tmmbr();
    let ies = iq_dtls_reserve_and_configure();
    let mut reply = media_reply(Link::Iq, &ies, 7, IQ_TERM, Some([10, 1, 1, 1]), &caps);
    reply.dtls.clear();
    let built = Dtls::reply(&reply);
    let e = Dtls::read_reply(&built).expect_err("no fingerprint");
    assert_eq!((e.code, e.ie), (472, "Local certificate fingerprint"));
    // `$` left in the reply's fingerprint.
    let mut reply = media_reply(Link::Iq, &ies, 7, IQ_TERM, Some([10, 1, 1, 1]), &caps);
    reply.dtls.truncate(1);
    let mut built = Dtls::reply(&reply);
    if let h248_stack::model::CommandReply::Add(a) = &mut built.commands[0] {
        if let h248_stack::model::AuditReturnParameter::Media(m) = &mut a.audit[0] {
            if let Some(h248_stack::model::Streams::Multi(s)) = &mut m.streams {
                let sd = &mut s[0].parms.local.as_mut().expect("local").groups[0];
                set_line(sd, "fingerprint:", "fingerprint:$");
            }
        }
    }
    let e = Dtls::read_reply(&built).expect_err("$ fingerprint");
    assert_eq!((e.code, e.ie), (472, "Local certificate fingerprint"));
}

#[test]
fn establish_dtls_session_only_when_the_agw_is_the_client() {
    let ies = iq_dtls_reserve_and_configure();
    let read = webrtc::ReserveAndConfigureAgwDtls::read_request(
        &webrtc::ReserveAndConfigureAgwDtls(ies).request(),
    )
    .expect("reads");
    // actpass offered, the IMS-ALG chose active for the AGW: it establishes.
    assert!(read.0.dtls.iter().all(|d| d.ies.establish_session()));
    let cases = [
        (SetupRole::Active, SetupRole::Passive, true),
        (SetupRole::Active, SetupRole::ActPass, true),
        (SetupRole::Passive, SetupRole::Active, false),
        (SetupRole::Passive, SetupRole::ActPass, false),
        (SetupRole::ActPass, SetupRole::Passive, true),
        (SetupRole::ActPass, SetupRole::Active, false),
        (SetupRole::HoldConn, SetupRole::Passive, false),
    ];
    // Without its Local, the AGW's role cannot be written: the builder says so.
    let mut ies = iq_dtls_configure();
    ies.cp.streams[0].local = None;
    assert_eq!(ies.unwritten(), [(1, "Local")]);
    let read = webrtc::ConfigureAgwDtls::read_request(&webrtc::ConfigureAgwDtls(ies).request())
        .expect("reads");
    assert!(!read.0.dtls[0].ies.establish_session());
    for (local, remote, establish) in cases {
        let mut ies = iq_dtls_configure();
        assert!(ies.unwritten().is_empty());
        ies.dtls[0].ies.local_setup = Some(local);
        ies.dtls[0].ies.remote_setup = Some(remote);
        let request = webrtc::ConfigureAgwDtls(ies.clone()).request();
        let read = webrtc::ConfigureAgwDtls::read_request(&request).expect("reads");
        assert_eq!(read.0, ies, "{local} / {remote}");
        assert_eq!(
            read.0.dtls[0].ies.establish_session(),
            establish,
            "{local} / {remote}"
        );
    }
}

#[test]
fn unsupported_ccm_is_answered_without_it() {
    // Mp: the offer holds FIR, TMMBR, TSTR, VBCM and pause; the MRFP
    // supports FIR and TMMBR only, and answers those alone.
    let caps = CcmCapabilities::fir_and_tmmbr();
    let reply = mp_ccm_reply(&caps);
    let built = ccm::ConfigureImsResourcesCcm::reply(&reply);
    let read = ccm::ConfigureImsResourcesCcm::read_reply(&built).expect("reads");
    let confirmed: Vec<String> = read.ccm[0]
        .confirmed
        .iter()
        .map(|c| c.line().to_string())
        .collect();
    assert_eq!(confirmed, ["a=rtcp-fb:* ccm fir", "a=rtcp-fb:97 ccm tmmbr"]);
    // An MRFP without CCM answers none: no ccm line in its Local.
    let read = ccm::ConfigureImsResourcesCcm::read_reply(&ccm::ConfigureImsResourcesCcm::reply(
        &mp_ccm_reply(&CcmCapabilities::none()),
    ))
    .expect("reads");
    assert!(read.ccm.is_empty());
    assert_eq!(read.cp.local.len(), 1);

    // Iq: an AGW that can receive FIR but not TMMBR (and send neither):
    // it confirms FIR only, and is allowed to send nothing.
    let caps = CcmCapabilities {
        fir: CcmSupport {
            receive: true,
            send: false,
        },
        ..CcmCapabilities::none()
    };
    let ies = iq_ccm_configure();
    let negotiated = ies.negotiate(Link::Iq, &caps);
    let (_, n) = &negotiated[0];
    for pt in [97, 98] {
        assert!(n.prepared_to_receive(pt, CcmMessage::Fir));
        assert!(!n.prepared_to_receive(pt, CcmMessage::Tmmbr));
        assert!(!n.allowed_to_send(pt, CcmMessage::Fir));
    }
    let reply = iq_ccm_configure_reply(&caps);
    let read =
        ccm::ConfigureAgwCcm::read_reply(&ccm::ConfigureAgwCcm::reply(&reply)).expect("reads");
    assert_eq!(read, reply);
    assert_eq!(read.ccm.len(), 1);
    assert_eq!(read.ccm[0].confirmed, [CcmFeedback::fir(CcmPt::Any)]);
}

/// The `a=` lines of every Local / Remote of a message, in order.
fn attribute_lines(message: &MegacoMessage) -> Vec<String> {
    let text = text::encode_to_vec(message, Style::Pretty).expect("encodes");
    String::from_utf8_lossy(&text)
        .lines()
        .filter(|l| l.starts_with("a="))
        .map(str::to_owned)
        .collect()
}

#[test]
fn rtcp_fb_and_fingerprint_lines_survive_text_ber_text() {
    let env = Env::new();
    let caps = CcmCapabilities::fir_and_tmmbr();
    let ies = iq_dtls_reserve_and_configure();
    let messages = [
        request_message(
            Sender::Mgc,
            webrtc::ReserveAndConfigureAgwDtls(ies.clone()).request(),
        ),
        reply_message(
            Sender::Mg,
            webrtc::ReserveAndConfigureAgwDtls::reply(&media_reply(
                Link::Iq,
                &ies,
                7,
                IQ_TERM,
                Some([10, 1, 1, 1]),
                &caps,
            )),
        ),
    ];
    let mapping = BitStringMapping::default();
    for message in &messages {
        let text = text::encode_to_vec(message, Style::Compact).expect("encodes");
        let from_text = text::decode(&text).expect("decodes");
        let mut ber_bytes = BytesMut::new();
        ber::encode(&from_text, &env.catalogue, &mapping, &mut ber_bytes).expect("BER encodes");
        let back = ber::decode(&ber_bytes, &env.catalogue, &mapping, &BerLimits::default())
            .expect("BER decodes");
        let before = attribute_lines(message);
        assert_eq!(attribute_lines(&back), before);
        for wanted in [
            "a=rtcp-fb:97 ccm fir",
            "a=fingerprint:",
            "a=setup:",
            "a=tls-id:",
        ] {
            assert!(
                before.iter().any(|l| l.starts_with(wanted)),
                "{wanted} in {before:#?}"
            );
        }
        assert_eq!(
            text::encode_to_vec(&back, Style::Compact).expect("encodes"),
            text
        );
    }
}

#[test]
fn the_reply_gives_the_agw_fingerprint_and_answered_ccm_back_to_the_mgc() {
    let caps = CcmCapabilities::fir_and_tmmbr();
    let ies = iq_dtls_reserve_and_configure();
    let reply = media_reply(Link::Iq, &ies, 7, IQ_TERM, Some([10, 1, 1, 1]), &caps);
    let text = text::encode_to_vec(
        &reply_message(
            Sender::Mg,
            webrtc::ReserveAndConfigureAgwDtls::reply(&reply),
        ),
        Style::Pretty,
    )
    .expect("encodes");
    let message = text::decode(&text).expect("decodes");
    let read = webrtc::ReserveAndConfigureAgwDtls::read_reply(first_reply(&message))
        .expect("the MGC reads the reply");
    assert_eq!(read.dtls.len(), 2);
    for d in &read.dtls {
        assert_eq!(d.answer.fingerprint, agw_fingerprint());
        assert_eq!(d.answer.fingerprint.digest().len(), 32);
        assert_eq!(d.answer.setup, Some(SetupRole::Active));
        assert!(d.answer.tls_id.is_some());
    }
    assert_eq!(
        read.ccm,
        [ccm::StreamCcmAnswer {
            stream: 2,
            confirmed: vec![CcmFeedback::fir(CcmPt::Pt(97))],
        }]
    );
    assert!(read.cp.local.iter().all(|(_, l)| l.has_address()));
}

/// Every SDP line of the CCM and DTLS samples replaced in turn by damaged
/// values: each reader answers (accepts or refuses) and never panics.
#[test]
fn ccm_and_dtls_readers_survive_damaged_sdp() {
    let caps = CcmCapabilities::fir_and_tmmbr();
    let damaged = [
        "",
        "rtcp-fb:",
        "rtcp-fb:* ccm",
        "rtcp-fb:97 ccm tmmbr smaxpr=",
        "rtcp-fb:97 ccm tmmbr smaxpr=$",
        "rtcp-fb:128 ccm fir",
        "rtcp-fb:97 ccm vbcm x",
        "fingerprint:",
        "fingerprint:sha-256",
        "fingerprint:$ $ $",
        "fingerprint:SHA-256 $",
        "setup:",
        "setup:$",
        "setup:holdconn",
        "tls-id:short",
        "tls-id:$",
        "m=video $ UDP/TLS/RTP/SAVPF $",
    ];
    let ies = iq_dtls_reserve_and_configure();
    let requests = [
        ccm::ConfigureAgwCcm(iq_ccm_configure()).request(),
        ccm::ConfigureImsResourcesCcm(mp_ccm_configure()).request(),
        webrtc::ReserveAndConfigureAgwDtls(ies.clone()).request(),
    ];
    let reply = webrtc::ReserveAndConfigureAgwDtls::reply(&media_reply(
        Link::Iq,
        &ies,
        7,
        IQ_TERM,
        Some([10, 1, 1, 1]),
        &caps,
    ));
    let (mut tried, mut refused) = (0usize, 0usize);
    for request in &requests {
        for local in [true, false] {
            let lines = {
                let mut a = request.clone();
                let stream = first_stream(&a);
                if !has_sdp(&mut a, stream, local) {
                    continue;
                }
                stream_sdp(&mut a, stream, local).lines.len()
            };
            for i in 0..lines {
                for value in damaged {
                    let mut a = request.clone();
                    let stream = first_stream(&a);
                    let sd = stream_sdp(&mut a, stream, local);
                    let kind = if value.starts_with("m=") { 'm' } else { 'a' };
                    sd.lines[i] =
                        h248_stack::sdp::SdpLine::new(kind, value.trim_start_matches("m="));
                    for (_, read) in readers() {
                        tried += 1;
                        refused += usize::from(!read(&a));
                    }
                }
            }
        }
    }
    // The reply's Local lines damaged the same way.
    let mut reply_tried = 0usize;
    for i in 0..12 {
        for value in damaged {
            let mut r = reply.clone();
            if let h248_stack::model::CommandReply::Add(a) = &mut r.commands[0] {
                if let h248_stack::model::AuditReturnParameter::Media(m) = &mut a.audit[0] {
                    if let Some(h248_stack::model::Streams::Multi(s)) = &mut m.streams {
                        let sd = &mut s[1].parms.local.as_mut().expect("local").groups[0];
                        if let Some(line) = sd.lines.get_mut(i) {
                            *line = h248_stack::sdp::SdpLine::new('a', value);
                        }
                    }
                }
            }
            reply_tried += 1;
            let _ = webrtc::ReserveAndConfigureAgwDtls::read_reply(&r);
            let _ = ccm::ReserveAndConfigureAgwCcm::read_reply(&r);
        }
    }
    assert!(tried > 1000 && refused > 0 && reply_tried > 100);
}

/// Whether `stream` of a request carries Local (`local` true) or Remote.
fn has_sdp(action: &mut ActionRequest, stream: u16, local: bool) -> bool {
    amm_mut(action).descriptors.iter().any(|d| match d {
        AmmDescriptor::Media(m) => match &m.streams {
            Some(h248_stack::model::Streams::Multi(list)) => list.iter().any(|s| {
                s.stream_id == stream
                    && if local {
                        s.parms.local.is_some()
                    } else {
                        s.parms.remote.is_some()
                    }
            }),
            _ => false,
        },
        _ => false,
    })
}

fn first_stream(action: &ActionRequest) -> u16 {
    match &action.commands[0].command {
        Command::Add(a) | Command::Modify(a) => a
            .descriptors
            .iter()
            .find_map(|d| match d {
                AmmDescriptor::Media(m) => match &m.streams {
                    Some(h248_stack::model::Streams::Multi(s)) => s.last().map(|s| s.stream_id),
                    _ => None,
                },
                _ => None,
            })
            .expect("a stream"),
        other => panic!("not an Add / Modify: {other:?}"),
    }
}
