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
            local: Some(LocalRemoteDescriptor {
                groups: small_list![sdp],
            }),
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
                termination_ids: small_list![tid("11111111/00000000/00000000")],
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
                    termination_ids: small_list![tid("11111111/00000000/00000000")],
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
                termination_ids: small_list![tid("11111111/00000000/00000001")],
                descriptors: vec![AmmDescriptor::Mux(MuxDescriptor {
                    mux_type: MuxType::H221,
                    termination_ids: small_list![
                        tid("11111111/00000000/00000010"),
                        tid("11111111/00000000/00000011"),
                    ],
                    non_standard: None,
                })],
            })],
        )],
    )
}

/// The compact encoding of `message`, as text.
fn compact(message: &MegacoMessage) -> String {
    both(message).1
}

/// A version 3 message from device `mg` with one transaction.
fn single(transaction: Transaction) -> MegacoMessage {
    message(3, MId::Device("mg".into()), vec![transaction])
}

/// One command in `Transaction = 1 { Context = 1 { ... } }`.
fn one_command(command: Command) -> MegacoMessage {
    single(request(1, ContextId(1), vec![command]))
}

/// One reply in `Reply = 1 { Context = 1 { ... } }`.
fn one_reply(reply: CommandReply) -> MegacoMessage {
    single(Transaction::Reply(TransactionReply {
        transaction_id: 1,
        imm_ack_required: false,
        result: TransactionResult::ActionReplies(vec![ActionReply {
            context_id: ContextId(1),
            error: None,
            context_reply: None,
            commands: vec![reply],
        }]),
        segment_number: None,
        segmentation_complete: false,
    }))
}

/// Modify of termination `t` with `descriptors`.
fn modify(descriptors: Vec<AmmDescriptor>) -> MegacoMessage {
    one_command(Command::Modify(AmmRequest {
        termination_ids: small_list![tid("t")],
        descriptors,
    }))
}

/// The compact text of a Modify of `t` with one descriptor, between
/// `MF=t{` and its closing bracket.
fn compact_descriptor(descriptor: AmmDescriptor) -> String {
    let text = compact(&modify(vec![descriptor]));
    let body = text
        .strip_prefix("!/3 mg\nT=1{C=1{MF=t{")
        .and_then(|rest| rest.strip_suffix("}}}"))
        .unwrap_or_else(|| panic!("unexpected frame: {text}"));
    body.to_owned()
}

/// The error of encoding `message` in either style (both must agree).
fn encode_error(message: &MegacoMessage) -> EncodeError {
    let pretty = encode_to_vec(message, Style::Pretty).expect_err("pretty must fail");
    let compact = encode_to_vec(message, Style::Compact).expect_err("compact must fail");
    assert_eq!(pretty, compact);
    pretty
}

fn event(name: &str) -> RequestedEvent {
    RequestedEvent {
        name: name.into(),
        stream_id: None,
        actions: RequestedActions::default(),
        params: vec![],
    }
}

#[test]
fn corpus_message_layout_matches_megaco() {
    let (pretty, compact) = both(&msg01a());
    let megaco_pretty = "MEGACO/1 [123.123.123.4]:55555\nTransaction = 9999 {\n\tContext = - {\n\t\tModify = 11111111/00000000/00000000 {\n\t\t\tMedia {\n\t\t\t\tStream = 1 {\n\t\t\t\t\tLocalControl {\n\t\t\t\t\t\tMode = SendReceive,\n\t\t\t\t\t\ttdmc/gain=2,\n\t\t\t\t\t\ttdmc/ec=g165\n\t\t\t\t\t},\n\t\t\t\t\tLocal {\nv=0\nc=IN IP4 $ \nm=audio $ RTP/AVP 0\na=fmtp:PCMU VAD=X-NNVAD\n\t\t\t\t\t}\n\t\t\t\t}\n\t\t\t},\n\t\t\tEvents = 2222 {\n\t\t\t\tal/of\n\t\t\t}\n\t\t}\n\t}\n}";
    assert_eq!(pretty, megaco_pretty);
    assert_eq!(
        compact,
        "!/1 [123.123.123.4]:55555\nT=9999{C=-{MF=11111111/00000000/00000000{M{ST=1{O{MO=SR,tdmc/gain=2,tdmc/ec=g165},L{\nv=0\nc=IN IP4 $ \nm=audio $ RTP/AVP 0\na=fmtp:PCMU VAD=X-NNVAD\n}}},E=2222{al/of}}}}"
    );
    assert_eq!(
        compact_text_of(&x03_auditcap_reply()),
        "P=10010{C=-{AC=11111111/00000000/00000000{M{TS{BF=OFF,SI=IV},ST=1{O{MO=SR,tdmc/gain=2}}},E=1{al/on,al/of,dd/ce},SG{cg/rt,al/ri},PG{al-1,dd-1,cg-1,nt-1,rtp-1}}}}"
    );
}

/// The compact text after the header line.
fn compact_text_of(message: &MegacoMessage) -> String {
    let text = compact(message);
    text.split_once('\n').expect("header line").1.to_owned()
}

#[test]
fn every_mid_form_and_the_authentication_header() {
    let header = |mid: MId| {
        let text = compact(&message(
            2,
            mid,
            vec![Transaction::Pending(TransactionPending {
                transaction_id: 7,
            })],
        ));
        text.split_once('\n').expect("header line").0.to_owned()
    };
    assert_eq!(header(ip4_mid(10, 0, 0, 1)), "!/2 [10.0.0.1]:55555");
    let ip6 = MId::Ip6 {
        address: "2001:db8::1".parse().unwrap(),
        port: None,
    };
    assert_eq!(header(ip6), "!/2 [2001:db8::1]");
    let domain = MId::Domain {
        name: "mgc.example.net".into(),
        port: Some(2944),
    };
    assert_eq!(header(domain), "!/2 <mgc.example.net>:2944");
    assert_eq!(header(MId::Device("gw/7".into())), "!/2 gw/7");
    assert_eq!(header(MId::Mtp(vec![0x0A, 0xbc, 0x01])), "!/2 MTP{0ABC01}");

    let mut with_auth = message(
        1,
        MId::Device("mg".into()),
        vec![Transaction::Pending(TransactionPending {
            transaction_id: 7,
        })],
    );
    with_auth.auth_header = Some(AuthenticationHeader {
        security_parm_index: 0x1234_ABCD,
        sequence_number: 1,
        auth_data: (0u8..12).collect(),
    });
    let (pretty, compact) = both(&with_auth);
    assert_eq!(
        pretty,
        "Authentication = 0x1234ABCD:0x00000001:0x000102030405060708090A0B\nMEGACO/1 mg\nPending = 7 { }"
    );
    assert_eq!(
        compact,
        "AU=0x1234ABCD:0x00000001:0x000102030405060708090A0B\n!/1 mg\nPN=7{}"
    );
}

#[test]
fn message_error_and_transaction_kinds() {
    let error = MegacoMessage {
        auth_header: None,
        message: Message {
            version: 1,
            mid: MId::Device("mg".into()),
            body: MessageBody::Error(ErrorDescriptor::new(400, "Syntax error")),
        },
    };
    assert_eq!(
        both(&error),
        (
            "MEGACO/1 mg\nError = 400 { \"Syntax error\" }".into(),
            "!/1 mg\nER=400{\"Syntax error\"}".into()
        )
    );

    let reply = Transaction::Reply(TransactionReply {
        transaction_id: 5,
        imm_ack_required: true,
        result: TransactionResult::Error(ErrorDescriptor::new(504, None)),
        segment_number: Some(2),
        segmentation_complete: true,
    });
    let acks = Transaction::ResponseAck(vec![
        TransactionAck {
            first: 1,
            last: None,
        },
        TransactionAck {
            first: 5,
            last: Some(9),
        },
    ]);
    let segment = Transaction::SegmentReply(SegmentReply {
        transaction_id: 5,
        segment_number: 2,
        segmentation_complete: false,
    });
    let (pretty, compact) = both(&message(
        3,
        MId::Device("mg".into()),
        vec![reply, acks, segment],
    ));
    assert_eq!(
        pretty,
        "MEGACO/3 mg\nReply = 5/2/END {\n\tImmAckRequired,\n\tError = 504 { }\n}\nTransactionResponseAck {\n\t1,\n\t5-9\n}\nSegment = 5/2"
    );
    assert_eq!(compact, "!/3 mg\nP=5/2/&{IA,ER=504{}}\nK{1,5-9}\nSM=5/2");
}

#[test]
fn context_properties_and_context_audit() {
    let action = ActionRequest {
        context_id: ContextId::CHOOSE,
        context_request: Some(ContextRequest {
            priority: Some(3),
            emergency: Some(false),
            topology: Some(vec![TopologyRequest {
                from: tid("a"),
                to: tid("b"),
                direction: TopologyDirection::OnewayBoth,
                stream_id: Some(2),
            }]),
            ieps: Some(true),
            context_props: Some(vec![PropertyParm::equal("p/q", "1")]),
            context_list: Some(vec![ContextId(4), ContextId::NULL]),
        }),
        context_attr_audit: Some(ContextAttrAuditRequest {
            topology: true,
            ieps: true,
            context_prop_aud: Some(vec![
                IndAudPropertyParm {
                    name: "p/q".into(),
                    parm: None,
                },
                IndAudPropertyParm {
                    name: "p/r".into(),
                    parm: Some(PropertyParm::equal("p/r", "2")),
                },
            ]),
            select_emergency: Some(true),
            select_logic: Some(SelectLogic::Or),
            ..ContextAttrAuditRequest::default()
        }),
        commands: vec![],
    };
    let message = single(Transaction::Request(TransactionRequest {
        transaction_id: 1,
        actions: vec![action],
    }));
    assert_eq!(
        compact_text_of(&message),
        "T=1{C=${PR=3,EGO,TP{a,b,OWB,ST=2},IEPS=ON,CT{p/q=1},CT{CLT={4,-}},CA{TP,IEPS,p/q,CT{p/r=2},EGV=EG,ORLgc}}}"
    );
    let pretty = both(&message).0;
    assert!(
        pretty.contains(
            "\t\tContextAttr {\n\t\t\tContextList = {\n\t\t\t\t4,\n\t\t\t\t-\n\t\t\t}\n\t\t},"
        ),
        "{pretty}"
    );
    assert!(
        pretty.contains("EmergencyValue = Emergency,\n\t\t\tORLgc\n"),
        "{pretty}"
    );
}

#[test]
fn optional_and_wildcard_commands_and_id_lists() {
    let mut command = CommandRequest::new(Command::Subtract(SubtractRequest {
        termination_ids: small_list![tid("a/*"), tid("ROOT")],
        audit: Some(AuditDescriptor::default()),
    }));
    command.optional = true;
    command.wildcard_return = true;
    let message = single(Transaction::Request(TransactionRequest {
        transaction_id: 1,
        actions: vec![ActionRequest {
            context_id: ContextId::ALL,
            context_request: None,
            context_attr_audit: None,
            commands: vec![command],
        }],
    }));
    let (pretty, compact) = both(&message);
    assert_eq!(compact, "!/3 mg\nT=1{C=*{O-W-S=[a/*,ROOT]{AT{}}}}");
    assert_eq!(pretty, "MEGACO/3 mg\nTransaction = 1 {\n\tContext = * {\n\t\tO-W-Subtract = [a/*, ROOT] {\n\t\t\tAudit { }\n\t\t}\n\t}\n}");
}

#[test]
fn values_are_quoted_only_when_needed() {
    let parms = |values: &[&str]| {
        AmmDescriptor::Media(MediaDescriptor {
            termination_state: Some(TerminationStateDescriptor {
                property_parms: values
                    .iter()
                    .map(|v| PropertyParm::equal("p/v", *v))
                    .collect(),
                ..TerminationStateDescriptor::default()
            }),
            streams: None,
        })
    };
    assert_eq!(
        compact_descriptor(parms(&["a+b$*/x", "", "two words", "x=1", "é"])),
        "M{TS{p/v=a+b$*/x,p/v=\"\",p/v=\"two words\",p/v=\"x=1\",p/v=é}}"
    );
    let error = encode_error(&modify(vec![parms(&["say \"hi\""])]));
    assert_eq!(
        error,
        EncodeError::InvalidText {
            what: "value",
            value: "say \"hi\"".into()
        }
    );
}

#[test]
fn parameter_value_forms() {
    let values = vec![
        PropertyParm::equal("p/a", "1"),
        PropertyParm {
            name: "p/b".into(),
            value: ParmValue::Relation(Relation::GreaterThan, "2".into()),
        },
        PropertyParm {
            name: "p/c".into(),
            value: ParmValue::Relation(Relation::UnequalTo, "3".into()),
        },
        PropertyParm {
            name: "p/d".into(),
            value: ParmValue::Range("1".into(), "9".into()),
        },
        PropertyParm {
            name: "p/e".into(),
            value: ParmValue::Sublist(vec!["x".into(), "y".into()]),
        },
        PropertyParm {
            name: "p/f".into(),
            value: ParmValue::Alternatives(vec!["z".into()]),
        },
    ];
    let control = AmmDescriptor::Media(MediaDescriptor {
        termination_state: None,
        streams: Some(Streams::One(StreamParms {
            local_control: Some(LocalControlDescriptor {
                stream_mode: None,
                reserve_value: Some(true),
                reserve_group: Some(false),
                property_parms: values,
            }),
            ..StreamParms::default()
        })),
    });
    assert_eq!(
        compact_descriptor(control),
        "M{O{RV=ON,RG=OFF,p/a=1,p/b>2,p/c#3,p/d=[1:9],p/e=[x,y],p/f={z}}}"
    );
}

#[test]
fn sdp_lines_are_escaped_and_checked() {
    let mut sdp = SessionDescription::default();
    sdp.push('v', "0").push('a', "x}y\\}");
    let local = |sdp: SessionDescription| {
        AmmDescriptor::Media(MediaDescriptor {
            termination_state: None,
            streams: Some(Streams::One(StreamParms {
                remote: Some(LocalRemoteDescriptor {
                    groups: small_list![sdp],
                }),
                ..StreamParms::default()
            })),
        })
    };
    assert_eq!(
        compact_descriptor(local(sdp)),
        "M{R{\nv=0\na=x\\}y\\\\}\n}}"
    );
    // A description without `v=` is written as the decoder reads it: as
    // the first (here only) alternative.
    let mut no_version = SessionDescription::default();
    no_version.push('c', "IN IP4 $");
    assert_eq!(
        compact_descriptor(local(no_version.clone())),
        "M{R{\nc=IN IP4 $\n}}"
    );
    // A later alternative without its `v=` would merge into the one before.
    let mut two = SessionDescription::default();
    two.push('v', "0");
    let remote_two = |groups: SmallList<SessionDescription>| {
        AmmDescriptor::Media(MediaDescriptor {
            termination_state: None,
            streams: Some(Streams::One(StreamParms {
                remote: Some(LocalRemoteDescriptor { groups }),
                ..StreamParms::default()
            })),
        })
    };
    assert!(matches!(
        encode_error(&modify(vec![remote_two(small_list![two, no_version])])),
        EncodeError::InvalidText { .. }
    ));
    let mut line_break = SessionDescription::default();
    line_break.push('v', "0\r\nc=IN");
    assert!(matches!(
        encode_error(&modify(vec![local(line_break)])),
        EncodeError::InvalidText { .. }
    ));
}

#[test]
fn events_signals_and_embedded_descriptors() {
    let mut on = event("al/on");
    on.stream_id = Some(2);
    on.params = vec![PropertyParm::equal("strict", "state")];
    on.actions = RequestedActions {
        keep_active: true,
        event_dm: Some(EventDm::Name("dp".into())),
        second_event: Some(SecondEventsDescriptor {
            request_id: Some(RequestId(8)),
            events: vec![SecondRequestedEvent {
                name: "dd/ce".into(),
                stream_id: None,
                actions: SecondRequestedActions {
                    signals: Some(vec![]),
                    ..SecondRequestedActions::default()
                },
                params: vec![],
            }],
        }),
        signals: None,
        notify_behaviour: Some(NotifyBehaviour::Regulated(
            RegulatedEmbeddedDescriptor::default(),
        )),
        reset_events_descriptor: true,
    };
    let events = EventsDescriptor {
        request_id: Some(RequestId::ALL),
        events: vec![on],
    };
    assert_eq!(
        compact_descriptor(AmmDescriptor::Events(events)),
        "E=*{al/on{ST=2,strict=state,KA,DM=dp,EM{E=8{dd/ce{EM{SG}}}},NBRN,RSE}}"
    );
    assert_eq!(
        compact_descriptor(AmmDescriptor::Events(EventsDescriptor::default())),
        "E"
    );
    let no_events = EventsDescriptor {
        request_id: Some(RequestId(1)),
        events: vec![],
    };
    assert!(matches!(
        encode_error(&modify(vec![AmmDescriptor::Events(no_events)])),
        EncodeError::InvalidText { .. }
    ));

    let mut tone = Signal::named("cg/rt");
    tone.stream_id = Some(1);
    tone.signal_type = Some(SignalType::TimeOut);
    tone.duration = Some(100);
    tone.notify_completion = Some(vec![
        NotifyCompletion::OnTimeOut,
        NotifyCompletion::OnIteration,
    ]);
    tone.keep_active = true;
    tone.params = vec![PropertyParm::equal("cad", "5")];
    tone.direction = Some(SignalDirection::Both);
    tone.request_id = Some(RequestId(7));
    tone.intersignal_delay = Some(20);
    let signals = vec![
        SignalRequest::Signal(tone),
        SignalRequest::SeqSigList(SeqSigList {
            id: 3,
            signals: vec![Signal::named("a/b")],
        }),
    ];
    assert_eq!(
        compact_descriptor(AmmDescriptor::Signals(signals)),
        "SG{cg/rt{ST=1,SY=TO,DR=100,NC={TO,IR},KA,cad=5,SPADI=B,SPARQ=7,SPAIS=20},SL=3{a/b}}"
    );
    assert_eq!(compact_descriptor(AmmDescriptor::Signals(vec![])), "SG");
    assert_eq!(compact_descriptor(AmmDescriptor::EventBuffer(vec![])), "EB");
    let pretty_empty_signals = both(&modify(vec![AmmDescriptor::Signals(vec![])])).0;
    assert!(
        pretty_empty_signals.contains("\t\t\tSignals\n"),
        "{pretty_empty_signals}"
    );
}

#[test]
fn digit_maps_modems_muxes_and_statistics() {
    let value = DigitMapValue {
        start_timer: Some(1),
        short_timer: None,
        long_timer: Some(99),
        duration_timer: Some(5),
        body: "(0s|[1-7]xxx|8.)".into(),
    };
    let named = |name: Option<&str>, value: Option<DigitMapValue>| {
        AmmDescriptor::DigitMap(DigitMapDescriptor {
            name: name.map(Text::from),
            value,
        })
    };
    assert_eq!(compact_descriptor(named(Some("dp"), None)), "DM=dp");
    assert_eq!(
        compact_descriptor(named(Some("dp"), Some(value.clone()))),
        "DM=dp{T:1,L:99,Z:5,(0s|[1-7]xxx|8.)}"
    );
    assert_eq!(
        compact_descriptor(named(None, Some(value.clone()))),
        "DM={T:1,L:99,Z:5,(0s|[1-7]xxx|8.)}"
    );
    let pretty = both(&modify(vec![named(None, Some(value))])).0;
    assert!(pretty.contains("DigitMap = {\n\t\t\t\tT:1,\n\t\t\t\tL:99,\n\t\t\t\tZ:5,\n\t\t\t\t(0s|[1-7]xxx|8.)\n\t\t\t}"), "{pretty}");

    let modem = |types: Vec<ModemType>| {
        AmmDescriptor::Modem(ModemDescriptor {
            modem_types: types,
            property_parms: vec![],
            non_standard: None,
        })
    };
    assert_eq!(compact_descriptor(modem(vec![ModemType::V90])), "MD=V90");
    assert_eq!(
        compact_descriptor(modem(vec![ModemType::V22bis, ModemType::SynchIsdn])),
        "MD[V22b,SN]"
    );
    let mux = AmmDescriptor::Mux(MuxDescriptor {
        mux_type: MuxType::Extension("X-abc".into()),
        termination_ids: small_list![tid("a")],
        non_standard: None,
    });
    assert_eq!(compact_descriptor(mux), "MX=X-abc{a}");

    let stat = |values: &[&str]| StatisticsParameter {
        name: "nt/os".into(),
        value: values.iter().map(|v| Text::from(*v)).collect(),
    };
    assert_eq!(
        compact_descriptor(AmmDescriptor::Statistics(vec![
            stat(&[]),
            stat(&["1"]),
            stat(&["1", "2"])
        ])),
        "SA{nt/os,nt/os=1,nt/os=[1,2]}"
    );
}

#[test]
fn replies_without_content_have_no_braces() {
    let add = CommandReply::Add(AmmsReply {
        termination_ids: small_list![tid("t")],
        audit: vec![],
    });
    assert_eq!(compact_text_of(&one_reply(add)), "P=1{C=1{A=t}}");
    let change = CommandReply::ServiceChange(ServiceChangeReply {
        termination_ids: small_list![tid("ROOT")],
        result: ServiceChangeResult::Parms(ServiceChangeResParm::default()),
    });
    assert_eq!(compact_text_of(&one_reply(change)), "P=1{C=1{SC=ROOT}}");
    let bare = single(Transaction::Reply(TransactionReply {
        transaction_id: 1,
        imm_ack_required: false,
        result: TransactionResult::ActionReplies(vec![ActionReply {
            context_id: ContextId(9),
            error: None,
            context_reply: None,
            commands: vec![],
        }]),
        segment_number: None,
        segmentation_complete: false,
    }));
    assert_eq!(
        both(&bare),
        (
            "MEGACO/3 mg\nReply = 1 {\n\tContext = 9\n}".into(),
            "!/3 mg\nP=1{C=9}".into()
        )
    );
}

#[test]
fn audit_replies_and_empty_descriptors() {
    let observed = ObservedEventsDescriptor {
        request_id: RequestId(2222),
        events: vec![ObservedEvent {
            name: "al/of".into(),
            stream_id: Some(1),
            params: vec![],
            timestamp: Some(TimeNotation {
                date: "20020101".into(),
                time: "10000000".into(),
            }),
        }],
    };
    let reply = CommandReply::AuditValue(AuditReply::Result {
        termination_ids: small_list![tid("t")],
        audit: vec![
            AuditReturnParameter::ObservedEvents(observed),
            AuditReturnParameter::EmptyDescriptors(AuditDescriptor {
                tokens: vec![AuditToken::Media, AuditToken::Packages],
                property_tokens: vec![],
            }),
            AuditReturnParameter::Error(ErrorDescriptor::new(502, None)),
        ],
    });
    assert_eq!(
        compact_text_of(&one_reply(reply)),
        "P=1{C=1{AV=t{OE=2222{20020101T10000000:al/of{ST=1}},M,PG,ER=502{}}}}"
    );
    let context =
        CommandReply::AuditCapabilities(AuditReply::ContextAuditResult(vec![tid("a"), tid("b")]));
    assert_eq!(compact_text_of(&one_reply(context)), "P=1{C=1{AC=C{a,b}}}");
}

#[test]
fn audit_descriptor_with_individual_items() {
    let audit = AuditDescriptor {
        tokens: vec![AuditToken::Media, AuditToken::EventBuffer],
        property_tokens: vec![
            IndAuditParameter::Media(IndAudMediaDescriptor {
                termination_state: Some(IndAudTerminationStateDescriptor {
                    service_state_sel: Some(ServiceState::Test),
                    ..IndAudTerminationStateDescriptor::default()
                }),
                streams: Some(IndAudStreams::Multi(vec![IndAudStreamDescriptor {
                    stream_id: 1,
                    parms: IndAudStreamParms {
                        local_control: Some(IndAudLocalControlDescriptor {
                            stream_mode: true,
                            property_parms: vec![IndAudPropertyParm {
                                name: "nt/jit".into(),
                                parm: None,
                            }],
                            ..IndAudLocalControlDescriptor::default()
                        }),
                        ..IndAudStreamParms::default()
                    },
                }])),
            }),
            IndAuditParameter::Signals(IndAudSignalsDescriptor::SeqSigList {
                id: 4,
                signal: None,
            }),
            IndAuditParameter::DigitMap(IndAudDigitMapDescriptor {
                name: Some("dp".into()),
            }),
            IndAuditParameter::Packages(IndAudPackagesDescriptor {
                name: "al".into(),
                version: 1,
            }),
        ],
    };
    let command = Command::AuditValue(AuditRequest {
        termination_ids: small_list![tid("t")],
        audit,
    });
    assert_eq!(
        compact_text_of(&one_command(command)),
        "T=1{C=1{AV=t{AT{M,EB,M{TS{SI=TE},ST=1{O{MO,nt/jit}}},SG{SL=4},DM=dp,PG{al-1}}}}}"
    );
}

#[test]
fn service_change_parameters() {
    let mut parms = ServiceChangeParm::new(ServiceChangeMethod::Restart, "901 Cold Boot");
    parms.address = Some(ServiceChangeAddress::Port(2944));
    parms.version = Some(3);
    parms.profile = Some(ServiceChangeProfile {
        name: "resgw".into(),
        version: 1,
    });
    parms.delay = Some(10);
    parms.timestamp = Some(TimeNotation {
        date: "20240101".into(),
        time: "12000000".into(),
    });
    parms.extensions = vec![PropertyParm::equal("X-foo", "1")];
    parms.info = Some(AuditDescriptor {
        tokens: vec![AuditToken::Packages],
        property_tokens: vec![],
    });
    parms.incomplete = true;
    let command = Command::ServiceChange(Box::new(ServiceChangeRequest {
        termination_ids: small_list![TerminationId::root()],
        parms,
    }));
    assert_eq!(
        compact_text_of(&one_command(command)),
        "T=1{C=1{SC=ROOT{SV{MT=RS,AD=2944,V=3,PF=resgw/1,RE=\"901 Cold Boot\",DL=10,20240101T12000000,X-foo=1,PG,SIC}}}}"
    );
}

#[test]
fn binary_only_and_invalid_models_are_refused_and_leave_the_buffer_as_it_was() {
    let mux = AmmDescriptor::Mux(MuxDescriptor {
        mux_type: MuxType::H221,
        termination_ids: small_list![tid("a")],
        non_standard: Some(NonStandardData {
            identifier: NonStandardIdentifier::Experimental("12345678".into()),
            data: vec![1],
        }),
    });
    assert_eq!(
        encode_error(&modify(vec![mux])),
        EncodeError::BinaryOnly("Mux nonStandardData")
    );

    let bad_id = one_command(Command::Modify(AmmRequest {
        termination_ids: small_list![tid("a b")],
        descriptors: vec![],
    }));
    assert_eq!(
        encode_error(&bad_id),
        EncodeError::InvalidText {
            what: "termination ID",
            value: "a b".into()
        }
    );

    let mut out = b"kept".to_vec();
    assert!(encode(&bad_id, Style::Compact, &mut out).is_err());
    assert_eq!(out, b"kept");
}
