//! Exact output of the encoder for small constructs, in both styles, and
//! hand-built models of corpus messages.

use super::*;
use crate::model::*;
use crate::sdp::SessionDescription;

/// The pretty and compact encodings of `message`, as text.
fn both(message: &MegacoMessage) -> (String, String) {
    let pretty = encode_to_vec(message, Style::Pretty).expect("pretty encoding");
    let compact = encode_to_vec(message, Style::Compact).expect("compact encoding");
    (
        String::from_utf8(pretty).unwrap(),
        String::from_utf8(compact).unwrap(),
    )
}

fn ip4_mid(a: u8, b: u8, c: u8, d: u8) -> MId {
    MId::Ip4 {
        address: std::net::Ipv4Addr::new(a, b, c, d),
        port: Some(55555),
    }
}

fn message(version: u8, mid: MId, transactions: Vec<Transaction>) -> MegacoMessage {
    MegacoMessage {
        auth_header: None,
        message: Message {
            version,
            mid,
            body: MessageBody::Transactions(transactions),
        },
    }
}

fn request(id: u32, context_id: ContextId, commands: Vec<Command>) -> Transaction {
    Transaction::Request(TransactionRequest {
        transaction_id: id,
        actions: vec![ActionRequest {
            context_id,
            context_request: None,
            context_attr_audit: None,
            commands: commands.into_iter().map(CommandRequest::new).collect(),
        }],
    })
}

fn tid(text: &str) -> TerminationId {
    TerminationId::from(text)
}

/// msg01a: Modify with LocalControl, Local SDP and Events.
pub(super) fn msg01a() -> MegacoMessage {
    let mut sdp = SessionDescription::default();
    sdp.push('v', "0")
        .push('c', "IN IP4 $ ")
        .push('m', "audio $ RTP/AVP 0")
        .push('a', "fmtp:PCMU VAD=X-NNVAD");
    let stream = StreamDescriptor {
        stream_id: 1,
        parms: StreamParms {
            local_control: Some(LocalControlDescriptor {
                stream_mode: Some(StreamMode::SendRecv),
                reserve_value: None,
                reserve_group: None,
                property_parms: vec![
                    PropertyParm::equal("tdmc/gain", "2"),
                    PropertyParm::equal("tdmc/ec", "g165"),
                ],
            }),
            local: Some(LocalRemoteDescriptor { groups: vec![sdp] }),
            remote: None,
            statistics: None,
        },
    };
    let events = EventsDescriptor {
        request_id: Some(RequestId(2222)),
        events: vec![RequestedEvent {
            name: "al/of".into(),
            stream_id: None,
            actions: RequestedActions::default(),
            params: vec![],
        }],
    };
    message(
        1,
        ip4_mid(123, 123, 123, 4),
        vec![request(
            9999,
            ContextId::NULL,
            vec![Command::Modify(AmmRequest {
                termination_ids: vec![tid("11111111/00000000/00000000")],
                descriptors: vec![
                    AmmDescriptor::Media(MediaDescriptor {
                        termination_state: None,
                        streams: Some(Streams::Multi(vec![stream])),
                    }),
                    AmmDescriptor::Events(events),
                ],
            })],
        )],
    )
}

/// x03_auditcap_reply: an AuditCapabilities reply with Media, Events,
/// Signals and Packages.
pub(super) fn x03_auditcap_reply() -> MegacoMessage {
    let event = |name: &str| RequestedEvent {
        name: name.into(),
        stream_id: None,
        actions: RequestedActions::default(),
        params: vec![],
    };
    let package = |name: &str| PackagesItem {
        name: name.into(),
        version: 1,
    };
    let audit = vec![
        AuditReturnParameter::Media(MediaDescriptor {
            termination_state: Some(TerminationStateDescriptor {
                property_parms: vec![],
                event_buffer_control: Some(EventBufferControl::Off),
                service_state: Some(ServiceState::InService),
            }),
            streams: Some(Streams::Multi(vec![StreamDescriptor {
                stream_id: 1,
                parms: StreamParms {
                    local_control: Some(LocalControlDescriptor {
                        stream_mode: Some(StreamMode::SendRecv),
                        reserve_value: None,
                        reserve_group: None,
                        property_parms: vec![PropertyParm::equal("tdmc/gain", "2")],
                    }),
                    ..StreamParms::default()
                },
            }])),
        }),
        AuditReturnParameter::Events(EventsDescriptor {
            request_id: Some(RequestId(1)),
            events: vec![event("al/on"), event("al/of"), event("dd/ce")],
        }),
        AuditReturnParameter::Signals(vec![
            SignalRequest::Signal(Signal::named("cg/rt")),
            SignalRequest::Signal(Signal::named("al/ri")),
        ]),
        AuditReturnParameter::Packages(vec![
            package("al"),
            package("dd"),
            package("cg"),
            package("nt"),
            package("rtp"),
        ]),
    ];
    message(
        1,
        ip4_mid(124, 124, 124, 222),
        vec![Transaction::Reply(TransactionReply {
            transaction_id: 10010,
            imm_ack_required: false,
            result: TransactionResult::ActionReplies(vec![ActionReply {
                context_id: ContextId::NULL,
                error: None,
                context_reply: None,
                commands: vec![CommandReply::AuditCapabilities(AuditReply::Result {
                    termination_ids: vec![tid("11111111/00000000/00000000")],
                    audit,
                })],
            }]),
            segment_number: None,
            segmentation_complete: false,
        })],
    )
}

/// x12_add_mux: Add with a Mux descriptor.
pub(super) fn x12_add_mux() -> MegacoMessage {
    message(
        1,
        ip4_mid(123, 123, 123, 4),
        vec![request(
            10020,
            ContextId::CHOOSE,
            vec![Command::Add(AmmRequest {
                termination_ids: vec![tid("11111111/00000000/00000001")],
                descriptors: vec![AmmDescriptor::Mux(MuxDescriptor {
                    mux_type: MuxType::H221,
                    termination_ids: vec![
                        tid("11111111/00000000/00000010"),
                        tid("11111111/00000000/00000011"),
                    ],
                    non_standard: None,
                })],
            })],
        )],
    )
}

#[test]
fn corpus_models_dump() {
    for m in [msg01a(), x03_auditcap_reply(), x12_add_mux()] {
        let (p, c) = both(&m);
        println!("{p}\n{c}\n");
    }
}
