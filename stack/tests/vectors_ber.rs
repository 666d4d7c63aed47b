//! Hostile and hand-built BER vectors (tests/vectors/ber, copied from
//! h248check's mkber.py set) and inputs built here: every one gives the
//! right outcome, the right error kind and offset, and never a panic.

use bytes::BytesMut;
use h248_stack::ber::{
    self, BerDecodeError, BerEncodeError, BerErrorKind, BerLimits, BitStringMapping, NameKind, Tag,
    UnknownId,
};
use h248_stack::package::{Catalogue, ItemKind};
use h248_stack::*;

fn vector(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/vectors/ber/{name}.ber",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn decode(input: &[u8]) -> Result<MegacoMessage, BerDecodeError> {
    ber::decode_default(input)
}

fn kind(input: &[u8]) -> BerErrorKind {
    decode(input).expect_err("must not decode").kind
}

#[test]
fn valid_vectors_decode_the_same_in_every_length_form() {
    let v01 = decode(&vector("v01_servicechange_restart")).unwrap();
    assert_eq!(v01.message.version, 3);
    let MessageBody::Transactions(transactions) = &v01.message.body else {
        panic!("transactions expected")
    };
    let Transaction::Request(request) = &transactions[0] else {
        panic!("request expected")
    };
    assert_eq!(request.transaction_id, 9998);
    let Command::ServiceChange(change) = &request.actions[0].commands[0].command else {
        panic!("ServiceChange expected")
    };
    // The reason is "double wrapped" (an IA5String inside the OCTET STRING).
    assert_eq!(change.parms.reason, "901");
    assert_eq!(change.parms.method, ServiceChangeMethod::Restart);
    assert_eq!(change.termination_ids[..], [TerminationId::root()]);
    // Long-form and indefinite outer lengths: the same message.
    assert_eq!(
        decode(&vector("x01_long_form_length_legal_ber")).unwrap(),
        v01
    );
    assert_eq!(
        decode(&vector("x02_indefinite_length_legal_ber")).unwrap(),
        v01
    );
    // A non-minimal INTEGER is accepted.
    assert!(decode(&vector("b15_integer_leading_zero")).is_ok());
    let pending = decode(&vector("v04_pending")).unwrap();
    assert!(matches!(
        &pending.message.body,
        MessageBody::Transactions(t) if matches!(t[0], Transaction::Pending(TransactionPending { transaction_id: 10003 }))
    ));
    let reply = decode(&vector("v03_reply_error")).unwrap();
    assert!(ber::encode_to_vec(&reply).is_ok());
}

#[test]
fn broken_vectors_give_typed_errors() {
    assert_eq!(kind(&vector("b01_truncated")), BerErrorKind::Truncated);
    let err = decode(&vector("b02_trailing_garbage")).unwrap_err();
    assert_eq!((err.kind, err.offset), (BerErrorKind::TrailingBytes, 77));
    assert_eq!(
        kind(&vector("b03_outer_length_too_long")),
        BerErrorKind::Truncated
    );
    assert_eq!(
        kind(&vector("b04_outer_length_too_short")),
        BerErrorKind::TrailingBytes
    );
    let err = decode(&vector("b05_wrong_tag_in_seq")).unwrap_err();
    assert_eq!(err.type_name, "TransactionRequest");
    assert_eq!(
        err.kind,
        BerErrorKind::UnexpectedTag {
            expected: Tag::context(0),
            found: Tag::context(5)
        }
    );
    let err = decode(&vector("b06_bad_enum_method")).unwrap_err();
    assert_eq!(err.type_name, "ServiceChangeMethod");
    assert!(matches!(err.kind, BerErrorKind::ConstraintViolated(_)));
    let err = decode(&vector("b07_bad_enum_streammode")).unwrap_err();
    assert_eq!(err.type_name, "StreamMode");
    let err = decode(&vector("b08_termid_too_long")).unwrap_err();
    assert_eq!(
        (err.type_name, err.kind),
        (
            "TerminationID",
            BerErrorKind::ConstraintViolated("id SIZE(1..8)")
        )
    );
    assert_eq!(
        kind(&vector("b09_unknown_package")),
        BerErrorKind::UnknownName(UnknownId::Package(0x7777))
    );
    assert_eq!(
        kind(&vector("b10_unknown_property")),
        BerErrorKind::UnknownName(UnknownId::Item {
            package: 0x000d,
            kind: ItemKind::Property,
            item: 0x0077
        })
    );
    assert!(matches!(
        kind(&vector("b11_bad_property_value")),
        BerErrorKind::ConstraintViolated(_)
    ));
    let err = decode(&vector("b12_version_100")).unwrap_err();
    assert_eq!(
        (err.type_name, err.offset, err.kind),
        (
            "Message",
            4,
            BerErrorKind::ConstraintViolated("INTEGER above its range")
        )
    );
    let err = decode(&vector("b13_tid_too_big")).unwrap_err();
    assert_eq!(err.type_name, "TransactionRequest");
    assert_eq!(
        err.kind,
        BerErrorKind::ConstraintViolated("INTEGER above its range")
    );
    let err = decode(&vector("b14_missing_mid")).unwrap_err();
    assert_eq!(
        (err.type_name, err.kind),
        (
            "Message",
            BerErrorKind::UnexpectedTag {
                expected: Tag::context(1),
                found: Tag::context(2)
            }
        )
    );
    assert_eq!(
        kind(&vector("b16_pkgdname_3_octets")),
        BerErrorKind::ConstraintViolated("PkgdName SIZE(4)")
    );
    // v02 carries BER-encoded (binary) property values, which the model's
    // text values cannot hold, in a package (0x002f) the base lacks.
    assert!(decode(&vector("v02_modify_lcd_props")).is_err());
}

#[test]
fn truncation_at_every_byte_is_an_error_never_a_panic() {
    for name in [
        "v01_servicechange_restart",
        "v03_reply_error",
        "x02_indefinite_length_legal_ber",
    ] {
        let whole = vector(name);
        for cut in 0..whole.len() {
            let err = decode(&whole[..cut]).expect_err("a prefix is not a message");
            assert!(
                matches!(
                    err.kind,
                    BerErrorKind::Truncated | BerErrorKind::LengthBeyondContainer
                ),
                "{name} cut at {cut}: {err}"
            );
            assert!(
                err.offset <= cut,
                "{name} cut at {cut}: offset {}",
                err.offset
            );
        }
    }
    // And every single-byte corruption of a valid message: no panic.
    let whole = vector("v01_servicechange_restart");
    for at in 0..whole.len() {
        for value in [0x00, 0x1f, 0x30, 0x80, 0x84, 0xa0, 0xff] {
            let mut bad = whole.clone();
            bad[at] = value;
            let _ = decode(&bad);
        }
    }
}

#[test]
fn length_bombs_nesting_and_limits() {
    // Length bomb: four length octets of 0xFF, nothing behind them.
    let err = decode(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).unwrap_err();
    assert_eq!((err.kind, err.offset), (BerErrorKind::Truncated, 0));
    // The same inside a valid outer element: beyond its container.
    let err = decode(&[0x30, 0x08, 0xa1, 0x84, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00]).unwrap_err();
    assert_eq!(
        (err.kind, err.offset, err.type_name),
        (BerErrorKind::LengthBeyondContainer, 2, "MegacoMessage")
    );
    // Constructed tags nested beyond the limit, indefinite and definite.
    let mut deep = Vec::new();
    for _ in 0..1000 {
        deep.extend_from_slice(&[0x30, 0x80]);
    }
    deep.extend_from_slice(&[0u8; 2000]);
    assert_eq!(kind(&deep), BerErrorKind::DepthExceeded);
    let mut nested = vec![0x05, 0x00];
    for _ in 0..200 {
        let mut outer = vec![0xa1, 0x82, (nested.len() >> 8) as u8, nested.len() as u8];
        outer.extend(nested);
        nested = outer;
    }
    let mut message = vec![0x30, 0x82, (nested.len() >> 8) as u8, nested.len() as u8];
    message.extend(nested);
    let err = decode(&message).unwrap_err();
    assert!(
        matches!(
            err.kind,
            BerErrorKind::DepthExceeded
                | BerErrorKind::UnexpectedTag { .. }
                | BerErrorKind::ConstraintViolated(_)
        ),
        "{err}"
    );
    let shallow = BerLimits {
        max_depth: 3,
        ..BerLimits::default()
    };
    let err = ber::decode(
        &vector("v01_servicechange_restart"),
        Catalogue::base(),
        &BitStringMapping::default(),
        &shallow,
    )
    .unwrap_err();
    assert_eq!(err.kind, BerErrorKind::DepthExceeded);
    // Indefinite length without end-of-contents, and an unterminated loop of
    // indefinite lengths.
    assert_eq!(kind(&[0x30, 0x80, 0xa1, 0x00]), BerErrorKind::Truncated);
    assert_eq!(
        kind(&[0x30, 0x80, 0x30, 0x80, 0x30, 0x80]),
        BerErrorKind::Truncated
    );
    // Trailing bytes after a valid message.
    let mut trailing = vector("v04_pending");
    trailing.push(0);
    let err = decode(&trailing).unwrap_err();
    assert_eq!((err.kind, err.offset), (BerErrorKind::TrailingBytes, 32));
    // Size and list limits.
    let tiny = BerLimits {
        max_message_size: 10,
        ..BerLimits::default()
    };
    let err = ber::decode(
        &vector("v04_pending"),
        Catalogue::base(),
        &BitStringMapping::default(),
        &tiny,
    )
    .unwrap_err();
    assert_eq!(err.kind, BerErrorKind::MessageTooLarge);
    let message = many_transactions(5);
    let encoded = ber::encode_to_vec(&message).unwrap();
    let short_lists = BerLimits {
        max_list_len: 4,
        ..BerLimits::default()
    };
    let err = ber::decode(
        &encoded,
        Catalogue::base(),
        &BitStringMapping::default(),
        &short_lists,
    )
    .unwrap_err();
    assert_eq!(
        (err.kind, err.type_name),
        (BerErrorKind::ListTooLong, "Message")
    );
    assert_eq!(decode(&encoded).unwrap(), message);
    assert_eq!(kind(&[]), BerErrorKind::Truncated);
}

#[test]
fn unknown_choice_alternatives_name_their_type() {
    // A v4-style Transaction alternative [9].
    let mut message = vector("v04_pending");
    // ... a106 a104 8002 2713: the pending transaction [1] inside the list.
    let at = message.len() - 6;
    assert_eq!(message[at], 0xa1);
    message[at] = 0xa9;
    let err = decode(&message).unwrap_err();
    assert_eq!(
        (err.type_name, err.kind),
        (
            "Transaction",
            BerErrorKind::UnknownAlternative {
                found: Tag::context(9)
            }
        )
    );
}

fn header(version: u8) -> (u8, MId) {
    (
        version,
        MId::Ip4 {
            address: [124, 124, 124, 222].into(),
            port: Some(55555),
        },
    )
}

fn many_transactions(count: u32) -> MegacoMessage {
    let (version, mid) = header(1);
    MegacoMessage {
        auth_header: None,
        message: Message {
            version,
            mid,
            body: MessageBody::Transactions(
                (1..=count)
                    .map(|id| Transaction::Pending(TransactionPending { transaction_id: id }))
                    .collect(),
            ),
        },
    }
}

fn modify(version: u8, descriptors: Vec<AmmDescriptor>) -> MegacoMessage {
    let (version, mid) = header(version);
    MegacoMessage {
        auth_header: None,
        message: Message {
            version,
            mid,
            body: MessageBody::Transactions(vec![Transaction::Request(TransactionRequest {
                transaction_id: 7,
                actions: vec![ActionRequest {
                    context_id: ContextId(1),
                    context_request: None,
                    context_attr_audit: None,
                    commands: vec![CommandRequest::new(Command::Modify(AmmRequest {
                        termination_ids: small_list![TerminationId::from(
                            "11111111/00000000/00000001"
                        )],
                        descriptors,
                    }))],
                }],
            })]),
        },
    }
}

#[test]
fn encode_errors_name_what_has_no_binary_form() {
    let unknown_signal = modify(
        1,
        vec![AmmDescriptor::Signals(vec![SignalRequest::Signal(
            Signal::named("cg/nosuch"),
        )])],
    );
    assert_eq!(
        ber::encode_to_vec(&unknown_signal),
        Err(BerEncodeError::NoBinaryId {
            kind: NameKind::Item(ItemKind::Signal),
            name: Text::from("cg/nosuch")
        })
    );
    let mut signal = Signal::named("al/ri");
    signal.params.push(PropertyParm::equal("nosuch", "1"));
    let unknown_parameter = modify(
        1,
        vec![AmmDescriptor::Signals(vec![SignalRequest::Signal(signal)])],
    );
    assert!(matches!(
        ber::encode_to_vec(&unknown_parameter),
        Err(BerEncodeError::NoBinaryId {
            kind: NameKind::Parameter(_),
            ..
        })
    ));
    let v3_only = modify(1, vec![AmmDescriptor::Statistics(vec![])]);
    assert!(matches!(
        ber::encode_to_vec(&v3_only),
        Err(BerEncodeError::NotInVersion { version: 1, .. })
    ));
    assert!(matches!(
        ber::encode_to_vec(&modify(2, vec![AmmDescriptor::Statistics(vec![])])),
        Err(BerEncodeError::NotInVersion { version: 2, .. })
    ));
    assert!(ber::encode_to_vec(&modify(3, vec![AmmDescriptor::Statistics(vec![])])).is_ok());
    let mut bad_id = modify(3, vec![]);
    if let MessageBody::Transactions(t) = &mut bad_id.message.body {
        if let Transaction::Request(r) = &mut t[0] {
            if let Command::Modify(amm) = &mut r.actions[0].commands[0].command {
                amm.termination_ids = small_list![TerminationId::from("ip/12/3")];
            }
        }
    }
    assert!(matches!(
        ber::encode_to_vec(&bad_id),
        Err(BerEncodeError::TerminationId { .. })
    ));
    // A failed encode leaves the buffer as it was.
    let mut out = BytesMut::from(&b"keep"[..]);
    assert!(ber::encode(
        &bad_id,
        Catalogue::base(),
        &BitStringMapping::default(),
        &mut out
    )
    .is_err());
    assert_eq!(&out[..], b"keep");
}

#[test]
fn rich_version_3_message_round_trips() {
    let mut signal = Signal::named("al/ri");
    signal.params.push(PropertyParm::equal("cad", "1000"));
    signal.notify_completion = Some(vec![
        NotifyCompletion::OnTimeOut,
        NotifyCompletion::OnIteration,
    ]);
    signal.direction = Some(SignalDirection::Both);
    signal.request_id = Some(RequestId(77));
    signal.intersignal_delay = Some(5);
    let events = EventsDescriptor {
        request_id: Some(RequestId(2222)),
        events: vec![RequestedEvent {
            name: Text::from("al/of"),
            stream_id: Some(1),
            actions: RequestedActions {
                keep_active: true,
                event_dm: Some(EventDm::Name(Text::from("dialplan00"))),
                second_event: Some(SecondEventsDescriptor {
                    request_id: Some(RequestId(3)),
                    events: vec![SecondRequestedEvent {
                        name: Text::from("al/on"),
                        stream_id: None,
                        actions: SecondRequestedActions {
                            notify_behaviour: Some(NotifyBehaviour::Never),
                            ..Default::default()
                        },
                        params: vec![PropertyParm::equal("strict", "state")],
                    }],
                }),
                signals: Some(vec![SignalRequest::Signal(Signal::named("cg/rt"))]),
                notify_behaviour: Some(NotifyBehaviour::Regulated(RegulatedEmbeddedDescriptor {
                    second_event: None,
                    signals: Some(vec![]),
                })),
                reset_events_descriptor: true,
            },
            params: vec![PropertyParm {
                name: Text::from("strict"),
                value: ParmValue::Alternatives(vec![Text::from("exact"), Text::from("state")]),
            }],
        }],
    };
    let audit = AuditDescriptor {
        tokens: vec![AuditToken::Media, AuditToken::EventBuffer],
        property_tokens: vec![
            IndAuditParameter::Media(IndAudMediaDescriptor {
                termination_state: None,
                streams: Some(IndAudStreams::One(IndAudStreamParms {
                    local: Some(IndAudLocalRemoteDescriptor {
                        prop_group_id: Some(1),
                        props: vec![IndAudPropertyParm {
                            name: Text::from("m"),
                            parm: None,
                        }],
                    }),
                    ..Default::default()
                })),
            }),
            IndAuditParameter::Signals(IndAudSignalsDescriptor::SeqSigList {
                id: 4,
                signal: Some(IndAudSignal {
                    name: Text::from("cg/*"),
                    stream_id: None,
                    request_id: Some(RequestId(1)),
                }),
            }),
            IndAuditParameter::Packages(IndAudPackagesDescriptor {
                name: Text::from("al"),
                version: 1,
            }),
        ],
    };
    let mut sdp = crate_sdp();
    sdp.push('m', "audio $ RTP/AVP 0");
    let media = MediaDescriptor {
        termination_state: Some(TerminationStateDescriptor {
            property_parms: vec![],
            event_buffer_control: Some(EventBufferControl::LockStep),
            service_state: Some(ServiceState::InService),
        }),
        streams: Some(Streams::Multi(vec![StreamDescriptor {
            stream_id: 1,
            parms: StreamParms {
                local_control: Some(LocalControlDescriptor {
                    stream_mode: Some(StreamMode::SendRecv),
                    reserve_value: Some(true),
                    reserve_group: None,
                    property_parms: vec![
                        PropertyParm {
                            name: Text::from("tdmc/gain"),
                            value: ParmValue::Range(Text::from("2"), Text::from("10")),
                        },
                        PropertyParm {
                            name: Text::from("nt/jit"),
                            value: ParmValue::Relation(Relation::SmallerThan, Text::from("40")),
                        },
                    ],
                }),
                local: Some(LocalRemoteDescriptor {
                    groups: small_list![sdp],
                }),
                remote: None,
                statistics: Some(vec![StatisticsParameter {
                    name: Text::from("nt/os"),
                    value: vec![Text::from("10"), Text::from("20")],
                }]),
            },
        }])),
    };
    let message = modify(
        3,
        vec![
            AmmDescriptor::Media(media),
            AmmDescriptor::Events(events),
            AmmDescriptor::Signals(vec![SignalRequest::SeqSigList(SeqSigList {
                id: 9,
                signals: vec![signal],
            })]),
            AmmDescriptor::Audit(audit),
            AmmDescriptor::DigitMap(DigitMapDescriptor {
                name: Some(Text::from("dialplan01")),
                value: Some(DigitMapValue {
                    start_timer: Some(1),
                    short_timer: None,
                    long_timer: Some(99),
                    duration_timer: Some(5),
                    body: Text::from("(0s|[1-7]xxx)"),
                }),
            }),
        ],
    );
    let encoded = ber::encode_to_vec(&message).unwrap();
    assert_eq!(decode(&encoded).unwrap(), message);
    // The same message is not a version 1 message.
    let mut v1 = message.clone();
    v1.message.version = 1;
    assert!(matches!(
        ber::encode_to_vec(&v1),
        Err(BerEncodeError::NotInVersion { .. })
    ));
}

fn crate_sdp() -> h248_stack::sdp::SessionDescription {
    let mut sdp = h248_stack::sdp::SessionDescription::default();
    sdp.push('v', "0").push('c', "IN IP4 $ ");
    sdp
}

#[test]
fn unknown_extension_components_are_skipped() {
    let plain = decode(&vector("v04_pending")).unwrap();
    // TransactionPending { transactionId, ..., [5] (a later extension) }
    // and Message { ..., messageBody, ..., [3] }.
    let extended: Vec<u8> = [
        &[0x30, 0x24, 0xa1, 0x22, 0x80, 0x01, 0x03][..],
        &[
            0xa1, 0x0d, 0xa0, 0x0b, 0x80, 0x04, 0x7c, 0x7c, 0x7c, 0xde, 0x81, 0x03, 0x00, 0xd9,
            0x03,
        ],
        &[
            0xa2, 0x0b, 0xa1, 0x09, 0xa1, 0x07, 0x80, 0x02, 0x27, 0x13, 0x85, 0x01, 0x00,
        ],
        &[0x83, 0x01, 0x00],
    ]
    .concat();
    assert_eq!(decode(&extended).unwrap(), plain);
    // A component out of order is not an extension.
    let mut disordered = extended.clone();
    let at = disordered.len() - 3;
    disordered[at] = 0x81;
    assert!(matches!(
        kind(&disordered),
        BerErrorKind::ConstraintViolated(_)
    ));
}
