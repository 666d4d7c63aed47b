//! Property test: arbitrary version 3 models round-trip model → BER → model.
//!
//! The strategies draw names from the base catalogue and termination IDs
//! that [`BitStringMapping`](h248_stack::ber::BitStringMapping) can express,
//! and keep to the canonical forms of the few constructs the binary encoding
//! cannot tell apart (audit tokens and notify completions are sets in BER, so
//! they are generated in bit order without repeats; an empty statistics value
//! is the same as none).

use h248_stack::ber;
use h248_stack::sdp::SessionDescription;
use h248_stack::*;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

fn text(pattern: &'static str) -> impl Strategy<Value = Text> {
    proptest::string::string_regex(pattern)
        .expect("valid pattern")
        .prop_map(|s| Text::from(s.as_str()))
}

fn termination_id() -> impl Strategy<Value = TerminationId> {
    let level = "[01]{8}";
    prop_oneof![
        Just(TerminationId::root()),
        Just(TerminationId::all()),
        Just(TerminationId::choose()),
        proptest::string::string_regex(&format!("{level}/{level}/{level}"))
            .expect("pattern")
            .prop_map(|s| TerminationId::from(s.as_str())),
        proptest::string::string_regex(&format!("{level}/({level}|\\*|\\$)"))
            .expect("pattern")
            .prop_map(|s| TerminationId::from(s.as_str())),
        proptest::string::string_regex(&format!("{level}/{level}/[*$]"))
            .expect("pattern")
            .prop_map(|s| TerminationId::from(s.as_str())),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    text("[ -~]{0,12}|é[a-z]{0,3}")
}

fn parm_value() -> impl Strategy<Value = ParmValue> {
    prop_oneof![
        value().prop_map(ParmValue::Equal),
        (
            prop_oneof![
                Just(Relation::GreaterThan),
                Just(Relation::SmallerThan),
                Just(Relation::UnequalTo)
            ],
            value()
        )
            .prop_map(|(r, v)| ParmValue::Relation(r, v)),
        (value(), value()).prop_map(|(a, b)| ParmValue::Range(a, b)),
        vec(value(), 0..4).prop_map(ParmValue::Sublist),
        vec(value(), 0..4).prop_map(ParmValue::Alternatives),
    ]
}

fn property() -> impl Strategy<Value = PropertyParm> {
    (
        prop_oneof![
            Just("tdmc/gain"),
            Just("tdmc/ec"),
            Just("nt/jit"),
            Just("root/maxNumberOfContexts"),
            Just("IPv4"),
            Just("al/*"),
            Just("*/*"),
        ],
        parm_value(),
    )
        .prop_map(|(name, value)| PropertyParm {
            name: Text::from(name),
            value,
        })
}

fn sdp() -> impl Strategy<Value = SessionDescription> {
    vec(
        (
            prop_oneof![
                Just('v'),
                Just('o'),
                Just('c'),
                Just('m'),
                Just('a'),
                Just('t')
            ],
            value(),
        ),
        1..6,
    )
    .prop_map(|lines| {
        let mut sdp = SessionDescription::default();
        for (kind, value) in lines {
            sdp.push(kind, value);
        }
        sdp
    })
}

fn stream_parms() -> impl Strategy<Value = StreamParms> {
    (
        option::of((
            option::of(prop_oneof![
                Just(StreamMode::SendOnly),
                Just(StreamMode::RecvOnly),
                Just(StreamMode::SendRecv),
                Just(StreamMode::Inactive),
                Just(StreamMode::Loopback)
            ]),
            option::of(any::<bool>()),
            option::of(any::<bool>()),
            vec(property(), 0..3),
        )),
        option::of(vec(sdp(), 0..3)),
        option::of(vec(sdp(), 0..2)),
        option::of(vec(statistic(), 0..3)),
    )
        .prop_map(|(control, local, remote, statistics)| StreamParms {
            local_control: control.map(
                |(stream_mode, reserve_value, reserve_group, property_parms)| {
                    LocalControlDescriptor {
                        stream_mode,
                        reserve_value,
                        reserve_group,
                        property_parms,
                    }
                },
            ),
            local: local.map(|groups| LocalRemoteDescriptor {
                groups: groups.into(),
            }),
            remote: remote.map(|groups| LocalRemoteDescriptor {
                groups: groups.into(),
            }),
            statistics,
        })
}

fn statistic() -> impl Strategy<Value = StatisticsParameter> {
    (
        prop_oneof![
            Just("nt/dur"),
            Just("nt/os"),
            Just("rtp/pl"),
            Just("rtp/jit")
        ],
        vec(value(), 0..3),
    )
        .prop_map(|(name, value)| StatisticsParameter {
            name: Text::from(name),
            value,
        })
}

fn media() -> impl Strategy<Value = MediaDescriptor> {
    (
        option::of((
            vec(property(), 0..3),
            option::of(prop_oneof![
                Just(EventBufferControl::Off),
                Just(EventBufferControl::LockStep)
            ]),
            option::of(prop_oneof![
                Just(ServiceState::Test),
                Just(ServiceState::OutOfService),
                Just(ServiceState::InService)
            ]),
        )),
        option::of(prop_oneof![
            stream_parms().prop_map(Streams::One),
            vec(
                (any::<u16>(), stream_parms())
                    .prop_map(|(stream_id, parms)| { StreamDescriptor { stream_id, parms } }),
                0..3
            )
            .prop_map(Streams::Multi),
        ]),
    )
        .prop_map(|(state, streams)| MediaDescriptor {
            termination_state: state.map(
                |(property_parms, event_buffer_control, service_state)| {
                    TerminationStateDescriptor {
                        property_parms,
                        event_buffer_control,
                        service_state,
                    }
                },
            ),
            streams,
        })
}

/// An event with parameters of its own.
fn event_and_params() -> impl Strategy<Value = (Text, Vec<PropertyParm>)> {
    prop_oneof![
        vec(
            (prop_oneof![Just("strict"), Just("init")], parm_value()).prop_map(|(n, value)| {
                PropertyParm {
                    name: Text::from(n),
                    value,
                }
            }),
            0..3
        )
        .prop_map(|p| (Text::from("al/of"), p)),
        vec(
            (
                prop_oneof![Just("tl"), Just("dur"), Just("tid")],
                parm_value()
            )
                .prop_map(|(n, value)| PropertyParm {
                    name: Text::from(n),
                    value
                }),
            0..3
        )
        .prop_map(|p| (Text::from("dd/std"), p)),
        Just((Text::from("al/on"), vec![])),
        Just((Text::from("g/*"), vec![])),
    ]
}

fn signal() -> impl Strategy<Value = Signal> {
    (
        prop_oneof![
            vec(
                (prop_oneof![Just("cad"), Just("freq")], parm_value()).prop_map(|(n, value)| {
                    PropertyParm {
                        name: Text::from(n),
                        value,
                    }
                }),
                0..3
            )
            .prop_map(|p| (Text::from("al/ri"), p)),
            Just((Text::from("cg/rt"), vec![])),
            Just((Text::from("dg/d5"), vec![])),
        ],
        option::of(any::<u16>()),
        option::of(prop_oneof![
            Just(SignalType::Brief),
            Just(SignalType::OnOff),
            Just(SignalType::TimeOut)
        ]),
        option::of(any::<u16>()),
        option::of(proptest::bits::u8::masked(0x1f)),
        any::<bool>(),
        option::of(prop_oneof![
            Just(SignalDirection::Internal),
            Just(SignalDirection::External),
            Just(SignalDirection::Both)
        ]),
        option::of(any::<u32>()),
        option::of(any::<u16>()),
    )
        .prop_map(
            |(
                (name, params),
                stream_id,
                signal_type,
                duration,
                completion,
                keep_active,
                direction,
                request_id,
                intersignal_delay,
            )| Signal {
                name,
                stream_id,
                signal_type,
                duration,
                notify_completion: completion.map(|bits| {
                    [
                        NotifyCompletion::OnTimeOut,
                        NotifyCompletion::OnInterruptByEvent,
                        NotifyCompletion::OnInterruptByNewSignalDescr,
                        NotifyCompletion::OtherReason,
                        NotifyCompletion::OnIteration,
                    ]
                    .into_iter()
                    .enumerate()
                    .filter(|(k, _)| bits & (1 << k) != 0)
                    .map(|(_, r)| r)
                    .collect()
                }),
                keep_active,
                params,
                direction,
                request_id: request_id.map(RequestId),
                intersignal_delay,
            },
        )
}

fn signals() -> impl Strategy<Value = SignalsDescriptor> {
    vec(
        prop_oneof![
            signal().prop_map(SignalRequest::Signal),
            (any::<u16>(), vec(signal(), 0..3))
                .prop_map(|(id, signals)| SignalRequest::SeqSigList(SeqSigList { id, signals })),
        ],
        0..3,
    )
}

fn digit_map_value() -> impl Strategy<Value = DigitMapValue> {
    (
        option::of(0u8..100),
        option::of(0u8..100),
        option::of(0u8..100),
        option::of(0u8..100),
        text("[0-9xsl.|()\\[\\]-]{1,20}"),
    )
        .prop_map(
            |(start_timer, short_timer, long_timer, duration_timer, body)| DigitMapValue {
                start_timer,
                short_timer,
                long_timer,
                duration_timer,
                body,
            },
        )
}

fn event_dm() -> impl Strategy<Value = EventDm> {
    prop_oneof![
        text("dialplan[0-9]{2}").prop_map(EventDm::Name),
        digit_map_value().prop_map(EventDm::Value),
    ]
}

fn second_events() -> impl Strategy<Value = SecondEventsDescriptor> {
    (
        option::of(any::<u32>()),
        vec(
            (
                event_and_params(),
                option::of(any::<u16>()),
                any::<bool>(),
                option::of(event_dm()),
                option::of(signals()),
                any::<bool>(),
            )
                .prop_map(
                    |((name, params), stream_id, keep_active, event_dm, signals, reset)| {
                        SecondRequestedEvent {
                            name,
                            stream_id,
                            actions: SecondRequestedActions {
                                keep_active,
                                event_dm,
                                signals,
                                notify_behaviour: None,
                                reset_events_descriptor: reset,
                            },
                            params,
                        }
                    },
                ),
            0..3,
        ),
    )
        .prop_map(|(request_id, events)| SecondEventsDescriptor {
            request_id: request_id.map(RequestId),
            events,
        })
}

fn events() -> impl Strategy<Value = EventsDescriptor> {
    (
        option::of(any::<u32>()),
        vec(
            (
                event_and_params(),
                option::of(any::<u16>()),
                any::<bool>(),
                option::of(event_dm()),
                option::of(second_events()),
                option::of(signals()),
                option::of(prop_oneof![
                    Just(NotifyBehaviour::Immediate),
                    Just(NotifyBehaviour::Never),
                    (option::of(second_events()), option::of(signals())).prop_map(
                        |(second_event, signals)| NotifyBehaviour::Regulated(
                            RegulatedEmbeddedDescriptor {
                                second_event,
                                signals
                            }
                        )
                    ),
                ]),
            )
                .prop_map(
                    |(
                        (name, params),
                        stream_id,
                        keep_active,
                        event_dm,
                        second,
                        signals,
                        notify,
                    )| {
                        RequestedEvent {
                            name,
                            stream_id,
                            actions: RequestedActions {
                                keep_active,
                                event_dm,
                                second_event: second,
                                signals,
                                notify_behaviour: notify,
                                reset_events_descriptor: keep_active,
                            },
                            params,
                        }
                    },
                ),
            0..3,
        ),
    )
        .prop_map(|(request_id, events)| EventsDescriptor {
            request_id: request_id.map(RequestId),
            events,
        })
}

fn ind_aud_parm() -> impl Strategy<Value = IndAudPropertyParm> {
    (
        prop_oneof![Just("tdmc/gain"), Just("m"), Just("v"), Just("nt/*")],
        option::of(property()),
    )
        .prop_map(|(name, parm)| IndAudPropertyParm {
            name: Text::from(name),
            parm,
        })
}

fn audit() -> impl Strategy<Value = AuditDescriptor> {
    (
        proptest::bits::u16::masked(0x3ff),
        vec(
            prop_oneof![
                (option::of(any::<u32>()), option::of(any::<u16>())).prop_map(
                    |(request_id, stream_id)| IndAuditParameter::Events(IndAudEventsDescriptor {
                        request_id: request_id.map(RequestId),
                        name: Text::from("al/on"),
                        stream_id,
                    })
                ),
                option::of(any::<u16>()).prop_map(|stream_id| IndAuditParameter::EventBuffer(
                    IndAudEventBufferDescriptor {
                        name: Text::from("al/of"),
                        stream_id
                    }
                )),
                (any::<u16>(), option::of(any::<u32>())).prop_map(|(id, request_id)| {
                    IndAuditParameter::Signals(IndAudSignalsDescriptor::SeqSigList {
                        id,
                        signal: Some(IndAudSignal {
                            name: Text::from("cg/dt"),
                            stream_id: None,
                            request_id: request_id.map(RequestId),
                        }),
                    })
                }),
                option::of(text("dialplan[0-9]{2}")).prop_map(|name| IndAuditParameter::DigitMap(
                    IndAudDigitMapDescriptor { name }
                )),
                Just(IndAuditParameter::Statistics(IndAudStatisticsDescriptor {
                    name: Text::from("nt/dur")
                })),
                (0u16..100).prop_map(|version| IndAuditParameter::Packages(
                    IndAudPackagesDescriptor {
                        name: Text::from("rtp"),
                        version
                    }
                )),
                (
                    option::of((vec(ind_aud_parm(), 0..3), any::<bool>(), any::<bool>())),
                    option::of((
                        any::<bool>(),
                        vec(ind_aud_parm(), 0..2),
                        option::of(Just(StreamMode::SendRecv)),
                        option::of((option::of(any::<u16>()), vec(ind_aud_parm(), 0..3))),
                    )),
                )
                    .prop_map(|(state, stream)| IndAuditParameter::Media(
                        IndAudMediaDescriptor {
                            termination_state: state.map(|(property_parms, buffer, service)| {
                                IndAudTerminationStateDescriptor {
                                    property_parms,
                                    event_buffer_control: buffer,
                                    service_state: service,
                                    service_state_sel: None,
                                }
                            }),
                            streams: stream.map(|(mode, property_parms, sel, local)| {
                                IndAudStreams::Multi(vec![IndAudStreamDescriptor {
                                    stream_id: 2,
                                    parms: IndAudStreamParms {
                                        local_control: Some(IndAudLocalControlDescriptor {
                                            stream_mode: mode,
                                            reserve_value: !mode,
                                            reserve_group: false,
                                            property_parms,
                                            stream_mode_sel: sel,
                                        }),
                                        local: local.map(|(prop_group_id, props)| {
                                            IndAudLocalRemoteDescriptor {
                                                prop_group_id,
                                                props,
                                            }
                                        }),
                                        remote: None,
                                        statistics: None,
                                    },
                                }])
                            }),
                        }
                    )),
            ],
            0..3,
        ),
    )
        .prop_map(|(bits, property_tokens)| AuditDescriptor {
            tokens: [
                AuditToken::Mux,
                AuditToken::Modem,
                AuditToken::Media,
                AuditToken::Events,
                AuditToken::Signals,
                AuditToken::DigitMap,
                AuditToken::Statistics,
                AuditToken::ObservedEvents,
                AuditToken::Packages,
                AuditToken::EventBuffer,
            ]
            .into_iter()
            .enumerate()
            .filter(|(k, _)| bits & (1 << k) != 0)
            .map(|(_, t)| t)
            .collect(),
            property_tokens,
        })
}

fn amm_descriptor() -> impl Strategy<Value = AmmDescriptor> {
    prop_oneof![
        media().prop_map(AmmDescriptor::Media),
        events().prop_map(AmmDescriptor::Events),
        signals().prop_map(AmmDescriptor::Signals),
        audit().prop_map(AmmDescriptor::Audit),
        vec(statistic(), 0..3).prop_map(AmmDescriptor::Statistics),
        vec(
            event_and_params().prop_map(|(name, params)| EventSpec {
                name,
                stream_id: None,
                params
            }),
            0..3
        )
        .prop_map(AmmDescriptor::EventBuffer),
        (
            option::of(text("dialplan[0-9]{2}")),
            option::of(digit_map_value())
        )
            .prop_map(|(name, value)| AmmDescriptor::DigitMap(DigitMapDescriptor { name, value })),
        (
            prop_oneof![
                Just(MuxType::H221),
                Just(MuxType::H223),
                Just(MuxType::H226),
                Just(MuxType::V76),
                Just(MuxType::Nx64k)
            ],
            vec(termination_id(), 0..3),
            option::of(non_standard()),
        )
            .prop_map(
                |(mux_type, termination_ids, non_standard)| AmmDescriptor::Mux(MuxDescriptor {
                    mux_type,
                    termination_ids: termination_ids.into(),
                    non_standard
                })
            ),
        (
            vec(
                prop_oneof![
                    Just(ModemType::V18),
                    Just(ModemType::V22bis),
                    Just(ModemType::V90),
                    Just(ModemType::SynchIsdn)
                ],
                0..3
            ),
            vec(property(), 0..2),
            option::of(non_standard()),
        )
            .prop_map(
                |(modem_types, property_parms, non_standard)| AmmDescriptor::Modem(
                    ModemDescriptor {
                        modem_types,
                        property_parms,
                        non_standard
                    }
                )
            ),
    ]
}

fn observed_events() -> impl Strategy<Value = ObservedEventsDescriptor> {
    (
        any::<u32>(),
        vec(
            (
                event_and_params(),
                option::of(any::<u16>()),
                option::of((text("[0-9]{8}"), text("[0-9]{8}"))),
            )
                .prop_map(|((name, params), stream_id, time)| ObservedEvent {
                    name,
                    stream_id,
                    params,
                    timestamp: time.map(|(date, time)| TimeNotation { date, time }),
                }),
            0..3,
        ),
    )
        .prop_map(|(request_id, events)| ObservedEventsDescriptor {
            request_id: RequestId(request_id),
            events,
        })
}

fn mid() -> impl Strategy<Value = MId> {
    prop_oneof![
        (any::<[u8; 4]>(), option::of(any::<u16>())).prop_map(|(a, port)| MId::Ip4 {
            address: a.into(),
            port
        }),
        (any::<[u8; 16]>(), option::of(any::<u16>())).prop_map(|(a, port)| MId::Ip6 {
            address: a.into(),
            port
        }),
        (text("[a-z][a-z0-9.-]{0,20}"), option::of(any::<u16>()))
            .prop_map(|(name, port)| MId::Domain { name, port }),
        text("[a-zA-Z][a-zA-Z0-9_/]{0,30}").prop_map(MId::Device),
        vec(any::<u8>(), 2..5).prop_map(MId::Mtp),
    ]
}

fn error() -> impl Strategy<Value = ErrorDescriptor> {
    (any::<u16>(), option::of(text("[ -~]{0,20}")))
        .prop_map(|(code, text)| ErrorDescriptor { code, text })
}

fn service_change() -> impl Strategy<Value = ServiceChangeParm> {
    (
        prop_oneof![
            Just(ServiceChangeMethod::Failover),
            Just(ServiceChangeMethod::Forced),
            Just(ServiceChangeMethod::Graceful),
            Just(ServiceChangeMethod::Restart),
            Just(ServiceChangeMethod::Disconnected),
            Just(ServiceChangeMethod::HandOff)
        ],
        option::of(prop_oneof![
            any::<u16>().prop_map(ServiceChangeAddress::Port),
            mid().prop_map(ServiceChangeAddress::Address),
        ]),
        option::of(0u8..100),
        option::of((text("[a-zA-Z][a-zA-Z0-9_]{0,20}"), 0u8..100)),
        text("[0-9]{3}( [ -~]{0,20})?"),
        option::of(any::<u32>()),
        option::of(mid()),
        option::of(audit()),
        any::<bool>(),
    )
        .prop_map(
            |(method, address, version, profile, reason, delay, mgc_id, info, incomplete)| {
                let mut parm = ServiceChangeParm::new(method, reason);
                parm.address = address;
                parm.version = version;
                parm.profile =
                    profile.map(|(name, version)| ServiceChangeProfile { name, version });
                parm.delay = delay;
                parm.mgc_id = mgc_id;
                parm.info = info;
                parm.incomplete = incomplete;
                parm
            },
        )
}

fn command() -> impl Strategy<Value = Command> {
    let ids = || vec(termination_id(), 1..3);
    let amm = || {
        (ids(), vec(amm_descriptor(), 1..4)).prop_map(|(termination_ids, descriptors)| AmmRequest {
            termination_ids: termination_ids.into(),
            descriptors,
        })
    };
    prop_oneof![
        amm().prop_map(Command::Add),
        amm().prop_map(Command::Move),
        amm().prop_map(Command::Modify),
        (ids(), option::of(audit())).prop_map(|(termination_ids, audit)| Command::Subtract(
            SubtractRequest {
                termination_ids: termination_ids.into(),
                audit
            }
        )),
        (ids(), audit()).prop_map(
            |(termination_ids, audit)| Command::AuditValue(AuditRequest {
                termination_ids: termination_ids.into(),
                audit
            })
        ),
        (ids(), observed_events(), option::of(error())).prop_map(
            |(termination_ids, observed_events, error)| Command::Notify(NotifyRequest {
                termination_ids: termination_ids.into(),
                observed_events,
                error
            })
        ),
        (ids(), service_change()).prop_map(|(termination_ids, parms)| Command::ServiceChange(
            Box::new(ServiceChangeRequest {
                termination_ids: termination_ids.into(),
                parms
            })
        )),
    ]
}

fn context_request() -> impl Strategy<Value = ContextRequest> {
    (
        option::of(0u16..16),
        option::of(any::<bool>()),
        option::of(vec(
            (
                termination_id(),
                termination_id(),
                prop_oneof![
                    Just(TopologyDirection::Bothway),
                    Just(TopologyDirection::Isolate),
                    Just(TopologyDirection::Oneway),
                    Just(TopologyDirection::OnewayExternal),
                    Just(TopologyDirection::OnewayBoth)
                ],
                option::of(any::<u16>()),
            )
                .prop_map(|(from, to, direction, stream_id)| TopologyRequest {
                    from,
                    to,
                    direction,
                    stream_id,
                }),
            0..3,
        )),
        option::of(any::<bool>()),
        option::of(vec(property(), 0..2)),
        option::of(vec(any::<u32>().prop_map(ContextId), 0..3)),
    )
        .prop_map(
            |(priority, emergency, topology, ieps, context_props, context_list)| ContextRequest {
                priority,
                emergency,
                topology,
                ieps,
                context_props,
                context_list,
            },
        )
}

fn context_attr_audit() -> impl Strategy<Value = ContextAttrAuditRequest> {
    (
        proptest::bits::u8::masked(0x0f),
        option::of(vec(ind_aud_parm(), 0..3)),
        option::of(0u16..16),
        option::of(any::<bool>()),
        option::of(any::<bool>()),
        option::of(prop_oneof![Just(SelectLogic::And), Just(SelectLogic::Or)]),
    )
        .prop_map(
            |(
                flags,
                context_prop_aud,
                select_priority,
                select_emergency,
                select_ieps,
                select_logic,
            )| {
                ContextAttrAuditRequest {
                    topology: flags & 1 != 0,
                    emergency: flags & 2 != 0,
                    priority: flags & 4 != 0,
                    ieps: flags & 8 != 0,
                    context_prop_aud,
                    select_priority,
                    select_emergency,
                    select_ieps,
                    select_logic,
                }
            },
        )
}

fn non_standard() -> impl Strategy<Value = NonStandardData> {
    (
        prop_oneof![
            (0u32..3, 0u32..40, vec(any::<u32>(), 0..4)).prop_map(|(a, b, rest)| {
                let mut arcs = vec![a, b];
                arcs.extend(rest);
                NonStandardIdentifier::Object(arcs)
            }),
            (any::<u8>(), any::<u8>(), any::<u8>(), any::<u16>()).prop_map(|(c1, c2, e, m)| {
                NonStandardIdentifier::H221NonStandard {
                    t35_country_code1: c1,
                    t35_country_code2: c2,
                    t35_extension: e,
                    manufacturer_code: m,
                }
            }),
            text("X-[A-Z]{6}").prop_map(NonStandardIdentifier::Experimental),
        ],
        vec(any::<u8>(), 0..8),
    )
        .prop_map(|(identifier, data)| NonStandardData { identifier, data })
}

/// Bare descriptor names next to each other share one BER element, a bit
/// string: they come back in bit order, each once. Puts each run of them in
/// that canonical form.
fn canonical_bare_names(audit: Vec<AuditReturnParameter>) -> Vec<AuditReturnParameter> {
    let bit = |item: &AuditReturnParameter| match item {
        AuditReturnParameter::EmptyDescriptors(d) => d.tokens.first().map(|t| *t as usize),
        _ => None,
    };
    let mut out: Vec<AuditReturnParameter> = Vec::with_capacity(audit.len());
    let mut run: Vec<AuditReturnParameter> = Vec::new();
    let flush = |run: &mut Vec<AuditReturnParameter>, out: &mut Vec<AuditReturnParameter>| {
        run.sort_by_key(|item| bit(item));
        run.dedup_by_key(|item| bit(item));
        out.append(run);
    };
    for item in audit {
        if bit(&item).is_some() {
            run.push(item);
        } else {
            flush(&mut run, &mut out);
            out.push(item);
        }
    }
    flush(&mut run, &mut out);
    out
}

fn command_reply() -> impl Strategy<Value = CommandReply> {
    let ids = || vec(termination_id(), 0..3);
    let audit_result = || {
        vec(
            prop_oneof![
                error().prop_map(AuditReturnParameter::Error),
                media().prop_map(AuditReturnParameter::Media),
                events().prop_map(AuditReturnParameter::Events),
                signals().prop_map(AuditReturnParameter::Signals),
                observed_events().prop_map(AuditReturnParameter::ObservedEvents),
                vec(statistic(), 0..2).prop_map(AuditReturnParameter::Statistics),
                vec(
                    (prop_oneof![Just("al"), Just("nt"), Just("g")], 0u16..100).prop_map(
                        |(name, version)| PackagesItem {
                            name: Text::from(name),
                            version
                        }
                    ),
                    0..3
                )
                .prop_map(AuditReturnParameter::Packages),
                // The canonical form of bare descriptor names: one per item.
                (0usize..10).prop_map(|bit| AuditReturnParameter::EmptyDescriptors(
                    AuditDescriptor {
                        tokens: vec![
                            [
                                AuditToken::Mux,
                                AuditToken::Modem,
                                AuditToken::Media,
                                AuditToken::Events,
                                AuditToken::Signals,
                                AuditToken::DigitMap,
                                AuditToken::Statistics,
                                AuditToken::ObservedEvents,
                                AuditToken::Packages,
                                AuditToken::EventBuffer,
                            ][bit]
                        ],
                        property_tokens: Vec::new(),
                    }
                )),
            ],
            0..3,
        )
        .prop_map(canonical_bare_names)
    };
    prop_oneof![
        (ids(), audit_result()).prop_map(|(termination_ids, audit)| CommandReply::Add(AmmsReply {
            termination_ids: termination_ids.into(),
            audit
        })),
        (ids(), audit_result()).prop_map(|(termination_ids, audit)| {
            CommandReply::Subtract(AmmsReply {
                termination_ids: termination_ids.into(),
                audit,
            })
        }),
        prop_oneof![
            ids().prop_map(AuditReply::ContextAuditResult),
            error().prop_map(AuditReply::Error),
            (ids(), audit_result()).prop_map(|(termination_ids, audit)| AuditReply::Result {
                termination_ids: termination_ids.into(),
                audit
            }),
        ]
        .prop_map(CommandReply::AuditCapabilities),
        (ids(), option::of(error())).prop_map(|(termination_ids, error)| CommandReply::Notify(
            NotifyReply {
                termination_ids: termination_ids.into(),
                error
            }
        )),
        (
            ids(),
            prop_oneof![
                error().prop_map(ServiceChangeResult::Error),
                (option::of(mid()), option::of(0u8..100)).prop_map(|(mgc_id, version)| {
                    ServiceChangeResult::Parms(ServiceChangeResParm {
                        mgc_id,
                        version,
                        ..Default::default()
                    })
                }),
            ]
        )
            .prop_map(|(termination_ids, result)| CommandReply::ServiceChange(
                ServiceChangeReply {
                    termination_ids: termination_ids.into(),
                    result
                }
            )),
    ]
}

fn transaction() -> impl Strategy<Value = Transaction> {
    prop_oneof![
        4 => (
            any::<u32>(),
            vec(
                (
                    any::<u32>(),
                    option::of(context_request()),
                    option::of(context_attr_audit()),
                    vec(
                        (command(), any::<bool>(), any::<bool>()).prop_map(
                            |(command, optional, wildcard_return)| CommandRequest {
                                command,
                                optional,
                                wildcard_return
                            }
                        ),
                        1..3
                    )
                )
                    .prop_map(
                        |(id, context_request, context_attr_audit, commands)| ActionRequest {
                            context_id: ContextId(id),
                            context_request,
                            context_attr_audit,
                            commands,
                        }
                    ),
                1..3
            )
        )
            .prop_map(|(transaction_id, actions)| Transaction::Request(TransactionRequest {
                transaction_id,
                actions
            })),
        1 => any::<u32>().prop_map(|transaction_id| Transaction::Pending(TransactionPending {
            transaction_id
        })),
        3 => (
            any::<u32>(),
            any::<bool>(),
            prop_oneof![
                error().prop_map(TransactionResult::Error),
                vec(
                    (any::<u32>(), option::of(error()), vec(command_reply(), 1..3)).prop_map(
                        |(id, error, commands)| ActionReply {
                            context_id: ContextId(id),
                            error,
                            context_reply: None,
                            commands
                        }
                    ),
                    0..3
                )
                .prop_map(TransactionResult::ActionReplies),
            ],
            option::of(any::<u16>()),
            any::<bool>()
        )
            .prop_map(|(transaction_id, imm, result, segment_number, complete)| {
                Transaction::Reply(TransactionReply {
                    transaction_id,
                    imm_ack_required: imm,
                    result,
                    segment_number,
                    segmentation_complete: complete,
                })
            }),
        1 => vec(
            (any::<u32>(), option::of(any::<u32>()))
                .prop_map(|(first, last)| TransactionAck { first, last }),
            0..3
        )
        .prop_map(Transaction::ResponseAck),
        1 => (any::<u32>(), any::<u16>(), any::<bool>()).prop_map(|(id, n, complete)| {
            Transaction::SegmentReply(SegmentReply {
                transaction_id: id,
                segment_number: n,
                segmentation_complete: complete,
            })
        }),
    ]
}

fn message() -> impl Strategy<Value = MegacoMessage> {
    (
        option::of((any::<u32>(), any::<u32>(), vec(any::<u8>(), 12..33))),
        mid(),
        prop_oneof![
            1 => error().prop_map(MessageBody::Error),
            8 => vec(transaction(), 1..3).prop_map(MessageBody::Transactions),
        ],
    )
        .prop_map(|(auth, mid, body)| MegacoMessage {
            auth_header: auth.map(|(spi, seq, data)| AuthenticationHeader {
                security_parm_index: spi,
                sequence_number: seq,
                auth_data: data,
            }),
            message: Message {
                version: 3,
                mid,
                body,
            },
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn model_ber_model_round_trips(message in message()) {
        let encoded = ber::encode_to_vec(&message).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let decoded = ber::decode_default(&encoded).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(decoded, message);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..300)) {
        let _ = ber::decode_default(&bytes);
    }
}
