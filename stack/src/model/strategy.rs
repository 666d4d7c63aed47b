//! Proptest strategies that generate whole messages of the model, limited to
//! what the text encoding (H.248.1 Annex B) can express and to the model
//! conventions the text codec keeps exactly (see `text::encode`):
//!
//! - no binary-only data (`nonStandardData`, property group IDs);
//! - names are `NAME`s, package-qualified names `name/item` (or `name/*`),
//!   termination IDs valid `pathNAME`s, `ROOT`, `$` or `*`;
//! - values mix `SafeChar` runs with text that needs quoting;
//! - SDP groups start with their only `v=` line; line values have no CR, LF
//!   or NUL and do not start with white space;
//! - digit maps follow the `digitMap` production;
//! - lists the grammar needs one item in are never empty, `ContextRequest`s
//!   are `None` or non-empty, an Events descriptor is either bare or has a
//!   request ID and events;
//! - embedded events go one level deep; sizes stay at a few KB per message.
//!
//! Enabled for this crate's tests and, with the `proptest` feature, for other
//! crates.

use std::net::{Ipv4Addr, Ipv6Addr};

use proptest::collection::{vec, SizeRange};
use proptest::option;
use proptest::prelude::*;
use proptest::sample::{select, subsequence};

use super::*;
use crate::sdp::{SdpLine, SessionDescription};

/// Long tokens that, used as an event or signal parameter name, would be
/// read as the token (short tokens are avoided by a minimum name length).
const RESERVED_PARAMETER_NAMES: &[&str] = &[
    "stream",
    "keepactive",
    "digitmap",
    "embed",
    "nbnn",
    "nbin",
    "nbrn",
    "nevernotify",
    "immediatenotify",
    "regulatednotify",
    "reseteventsdescriptor",
    "signaltype",
    "duration",
    "notifycompletion",
    "intersignal",
];

/// [`vec`] collected into a [`SmallList`]: the same items, drawn and
/// shrunk alike.
fn small_list_of<S: Strategy>(
    element: S,
    size: impl Into<SizeRange>,
) -> impl Strategy<Value = SmallList<S::Value>> {
    vec(element, size).prop_map(SmallList::from_vec)
}

/// `NAME = ALPHA *63(ALPHA / DIGIT / "_")`, kept short.
pub fn name() -> impl Strategy<Value = Text> {
    "[a-zA-Z][a-zA-Z0-9_]{0,7}".prop_map(Text::from)
}

/// An event or signal parameter name (`eventParameterName`,
/// `sigParameterName`) that no parameter token can be mistaken for.
pub fn parameter_name() -> impl Strategy<Value = Text> {
    "[a-z][a-z0-9_]{2,9}"
        .prop_filter("not a parameter token", |n: &String| {
            !RESERVED_PARAMETER_NAMES.contains(&n.as_str())
                && !n.starts_with("spa")
                && !n.starts_with("epa")
        })
        .prop_map(Text::from)
}

/// `pkgdName`: `package/item`, sometimes `package/*`.
pub fn pkgd_name() -> impl Strategy<Value = PkgdName> {
    prop_oneof![
        9 => (name(), name()).prop_map(|(package, item)| Text::from(format!("{package}/{item}"))),
        1 => name().prop_map(|package| Text::from(format!("{package}/*"))),
    ]
}

/// A `VALUE`: a `SafeChar` run, or text that must be quoted (white space
/// and `RestChar`s, or empty).
pub fn value() -> BoxedStrategy<Value> {
    prop_oneof![
        6 => "[a-zA-Z0-9+&!_/'?@^`~*$\\\\()%|.-]{1,10}",
        3 => "[a-zA-Z0-9 ;\\[\\]{}:,#<>=]{0,12}",
        1 => "[a-z]{1,4}é[a-z]{0,4}",
    ]
    .prop_map(Text::from)
    .boxed()
}

/// Text for a `quotedString` (error text, ServiceChange reason).
fn quotable_text() -> impl Strategy<Value = Text> {
    "[a-zA-Z0-9 ;:,.#<>=()/-]{0,24}".prop_map(Text::from)
}

/// `extensionParameter = "X" ("-" / "+") 1*6(ALPHA / DIGIT)`.
fn extension_parameter() -> impl Strategy<Value = Text> {
    "X[-+][A-Z0-9]{1,6}".prop_map(Text::from)
}

/// `TerminationID`: `ROOT`, `$`, `*`, or a path name with wildcard levels.
pub fn termination_id() -> BoxedStrategy<TerminationId> {
    prop_oneof![
        1 => Just(TerminationId::root()),
        1 => Just(TerminationId::choose()),
        1 => Just(TerminationId::all()),
        4 => "[a-z]{2,5}(/([0-9]{1,3}|\\*|\\$)){0,3}".prop_map(TerminationId::new),
        3 => "[01]{8}/[01]{8}/[01]{8}".prop_map(TerminationId::new),
    ]
    .boxed()
}

/// One to three termination IDs (a `termIDList`).
fn termination_ids() -> impl Strategy<Value = SmallList<TerminationId>> {
    small_list_of(termination_id(), 1..3)
}

/// `mId` in each of its forms.
pub fn mid() -> BoxedStrategy<MId> {
    let port = || option::of(any::<u16>());
    prop_oneof![
        4 => (any::<[u8; 4]>(), port()).prop_map(|(octets, port)| MId::Ip4 { address: Ipv4Addr::from(octets), port }),
        1 => (any::<[u16; 8]>(), port()).prop_map(|(segments, port)| MId::Ip6 { address: Ipv6Addr::from(segments), port }),
        2 => ("[a-z][a-z0-9-]{0,10}(\\.[a-z]{2,5}){0,2}", port())
            .prop_map(|(name, port)| MId::Domain { name: Text::from(name), port }),
        1 => "[a-z]{2,6}(/[0-9]{1,3}){0,2}".prop_map(|name| MId::Device(Text::from(name))),
        1 => vec(any::<u8>(), 2..=4).prop_map(MId::Mtp),
    ]
    .boxed()
}

/// `ContextID`, including NULL, CHOOSE and ALL.
pub fn context_id() -> impl Strategy<Value = ContextId> {
    prop_oneof![
        1 => Just(ContextId::NULL),
        1 => Just(ContextId::CHOOSE),
        1 => Just(ContextId::ALL),
        5 => (1u32..0xFFFF_FFFE).prop_map(ContextId),
    ]
}

/// `RequestID`, sometimes ALL (`*`).
fn request_id() -> impl Strategy<Value = RequestId> {
    prop_oneof![9 => any::<u32>().prop_map(RequestId), 1 => Just(RequestId::ALL)]
}

/// `TimeStamp`: a plausible date and time, 8 digits each.
fn time_notation() -> impl Strategy<Value = TimeNotation> {
    (
        "20[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])",
        "([01][0-9]|2[0-3])[0-5][0-9][0-5][0-9][0-9]{2}",
    )
        .prop_map(|(date, time)| TimeNotation {
            date: Text::from(date),
            time: Text::from(time),
        })
}

/// `errorDescriptor`: a code of H.248.8's three digits (megaco refuses
/// more, although `ErrorCode` allows four) and an optional text.
pub fn error_descriptor() -> impl Strategy<Value = ErrorDescriptor> {
    (0u16..1000, option::of(quotable_text()))
        .prop_map(|(code, text)| ErrorDescriptor { code, text })
}

/// `parmValue` in each of its forms.
pub fn parm_value() -> BoxedStrategy<ParmValue> {
    let relation = select(vec![
        Relation::GreaterThan,
        Relation::SmallerThan,
        Relation::UnequalTo,
    ]);
    prop_oneof![
        6 => value().prop_map(ParmValue::Equal),
        1 => (relation, value()).prop_map(|(relation, value)| ParmValue::Relation(relation, value)),
        1 => (value(), value()).prop_map(|(low, high)| ParmValue::Range(low, high)),
        1 => vec(value(), 1..4).prop_map(ParmValue::Sublist),
        1 => vec(value(), 1..4).prop_map(ParmValue::Alternatives),
    ]
    .boxed()
}

/// `propertyParm = pkgdName parmValue`.
pub fn property_parm() -> impl Strategy<Value = PropertyParm> {
    (pkgd_name(), parm_value()).prop_map(|(name, value)| PropertyParm { name, value })
}

/// `eventOther` / `sigOther`: a parameter name and value.
fn named_parm() -> impl Strategy<Value = PropertyParm> {
    (parameter_name(), parm_value()).prop_map(|(name, value)| PropertyParm { name, value })
}

/// One alternative of a Local or Remote descriptor: `v=` first, then lines
/// of other types.
pub fn session_description() -> impl Strategy<Value = SessionDescription> {
    let kind = "[a-uw-zA-Z]".prop_map(|k: String| k.chars().next().expect("one letter"));
    let line = (kind, "([!-~][ -~]{0,20})?").prop_map(|(kind, value)| SdpLine::new(kind, value));
    ("[0-9]", vec(line, 0..5)).prop_map(|(version, rest)| {
        let mut lines = vec![SdpLine::new('v', version)];
        lines.extend(rest);
        SessionDescription { lines }
    })
}

fn local_remote() -> impl Strategy<Value = LocalRemoteDescriptor> {
    small_list_of(session_description(), 1..3).prop_map(|groups| LocalRemoteDescriptor { groups })
}

fn stream_mode() -> impl Strategy<Value = StreamMode> {
    select(vec![
        StreamMode::SendOnly,
        StreamMode::RecvOnly,
        StreamMode::SendRecv,
        StreamMode::Inactive,
        StreamMode::Loopback,
    ])
}

fn service_state() -> impl Strategy<Value = ServiceState> {
    select(vec![
        ServiceState::Test,
        ServiceState::OutOfService,
        ServiceState::InService,
    ])
}

fn local_control() -> impl Strategy<Value = LocalControlDescriptor> {
    (
        option::of(stream_mode()),
        option::of(any::<bool>()),
        option::of(any::<bool>()),
        vec(property_parm(), 0..3),
    )
        .prop_map(
            |(stream_mode, reserve_value, reserve_group, property_parms)| LocalControlDescriptor {
                stream_mode,
                reserve_value,
                reserve_group,
                property_parms,
            },
        )
        .prop_filter("LocalControl needs an item", |c| {
            *c != LocalControlDescriptor::default()
        })
}

fn stream_parms() -> impl Strategy<Value = StreamParms> {
    (
        option::of(local_control()),
        option::of(local_remote()),
        option::of(local_remote()),
        option::of(statistics_descriptor()),
    )
        .prop_map(|(local_control, local, remote, statistics)| StreamParms {
            local_control,
            local,
            remote,
            statistics,
        })
        .prop_filter("a stream needs a parameter", |p| {
            *p != StreamParms::default()
        })
}

fn termination_state() -> impl Strategy<Value = TerminationStateDescriptor> {
    (
        vec(property_parm(), 0..3),
        option::of(select(vec![
            EventBufferControl::Off,
            EventBufferControl::LockStep,
        ])),
        option::of(service_state()),
    )
        .prop_map(|(property_parms, event_buffer_control, service_state)| {
            TerminationStateDescriptor {
                property_parms,
                event_buffer_control,
                service_state,
            }
        })
        .prop_filter("TerminationState needs an item", |s| {
            *s != TerminationStateDescriptor::default()
        })
}

/// `mediaDescriptor`: termination state and one or several streams.
pub fn media_descriptor() -> BoxedStrategy<MediaDescriptor> {
    let streams = prop_oneof![
        stream_parms().prop_map(Streams::One),
        vec(
            (any::<u16>(), stream_parms())
                .prop_map(|(stream_id, parms)| StreamDescriptor { stream_id, parms }),
            1..3
        )
        .prop_map(Streams::Multi),
    ];
    (option::of(termination_state()), option::of(streams))
        .prop_map(|(termination_state, streams)| MediaDescriptor {
            termination_state,
            streams,
        })
        .prop_filter("Media needs an item", |m| *m != MediaDescriptor::default())
        .boxed()
}

fn mux_descriptor() -> impl Strategy<Value = MuxDescriptor> {
    let mux_type = prop_oneof![
        Just(MuxType::H221),
        Just(MuxType::H223),
        Just(MuxType::H226),
        Just(MuxType::V76),
        Just(MuxType::Nx64k),
        extension_parameter().prop_map(MuxType::Extension),
    ];
    (mux_type, termination_ids()).prop_map(|(mux_type, termination_ids)| MuxDescriptor {
        mux_type,
        termination_ids,
        non_standard: None,
    })
}

fn modem_descriptor() -> impl Strategy<Value = ModemDescriptor> {
    let modem_type = prop_oneof![
        Just(ModemType::V18),
        Just(ModemType::V22),
        Just(ModemType::V22bis),
        Just(ModemType::V32),
        Just(ModemType::V32bis),
        Just(ModemType::V34),
        Just(ModemType::V90),
        Just(ModemType::V91),
        Just(ModemType::SynchIsdn),
        extension_parameter().prop_map(ModemType::Extension),
    ];
    (vec(modem_type, 1..3), vec(property_parm(), 0..3)).prop_map(|(modem_types, property_parms)| {
        ModemDescriptor {
            modem_types,
            property_parms,
            non_standard: None,
        }
    })
}

/// A `digitMap` per its production (without white space).
pub fn digit_map_body() -> impl Strategy<Value = Text> {
    let digit_string = "(([0-9a-kA-KLSTZx]|\\[([0-9]-[0-9]|[0-9A-K]){1,3}\\])\\.?){1,5}";
    prop_oneof![
        digit_string.prop_map(Text::from),
        vec(digit_string, 1..4).prop_map(|strings| Text::from(format!("({})", strings.join("|")))),
    ]
}

/// `digitMapValue`: optional timers and a digit map.
pub fn digit_map_value() -> BoxedStrategy<DigitMapValue> {
    let timer = || option::of(0u8..100);
    (timer(), timer(), timer(), timer(), digit_map_body())
        .prop_map(
            |(start_timer, short_timer, long_timer, duration_timer, body)| DigitMapValue {
                start_timer,
                short_timer,
                long_timer,
                duration_timer,
                body,
            },
        )
        .boxed()
}

fn digit_map_descriptor() -> impl Strategy<Value = DigitMapDescriptor> {
    (option::of(name()), option::of(digit_map_value()))
        .prop_map(|(name, value)| DigitMapDescriptor { name, value })
        .prop_filter("a digit map needs a name or a value", |d| {
            *d != DigitMapDescriptor::default()
        })
}

fn event_dm() -> impl Strategy<Value = EventDm> {
    prop_oneof![
        name().prop_map(EventDm::Name),
        digit_map_value().prop_map(EventDm::Value)
    ]
}

fn signal() -> BoxedStrategy<Signal> {
    let signal_type = select(vec![
        SignalType::Brief,
        SignalType::OnOff,
        SignalType::TimeOut,
    ]);
    let completion = select(vec![
        NotifyCompletion::OnTimeOut,
        NotifyCompletion::OnInterruptByEvent,
        NotifyCompletion::OnInterruptByNewSignalDescr,
        NotifyCompletion::OtherReason,
        NotifyCompletion::OnIteration,
    ]);
    let direction = select(vec![
        SignalDirection::Internal,
        SignalDirection::External,
        SignalDirection::Both,
    ]);
    (
        pkgd_name(),
        option::of(any::<u16>()),
        option::of(signal_type),
        option::of(any::<u16>()),
        option::of(vec(completion, 1..3)),
        any::<bool>(),
        vec(named_parm(), 0..3),
        option::of(direction),
        option::of(request_id()),
        option::of(any::<u16>()),
    )
        .prop_map(
            |(
                name,
                stream_id,
                signal_type,
                duration,
                notify_completion,
                keep_active,
                params,
                direction,
                request_id,
                intersignal_delay,
            )| Signal {
                name,
                stream_id,
                signal_type,
                duration,
                notify_completion,
                keep_active,
                params,
                direction,
                request_id,
                intersignal_delay,
            },
        )
        .boxed()
}

/// `signalsDescriptor`: signals and signal lists, possibly none.
pub fn signals_descriptor() -> BoxedStrategy<SignalsDescriptor> {
    let request = prop_oneof![
        3 => signal().prop_map(SignalRequest::Signal),
        1 => (any::<u16>(), vec(signal(), 1..3)).prop_map(|(id, signals)| SignalRequest::SeqSigList(SeqSigList { id, signals })),
    ];
    vec(request, 0..3).boxed()
}

/// The notify behaviour of an embedded event: no further embedded events.
fn second_notify_behaviour() -> impl Strategy<Value = NotifyBehaviour> {
    prop_oneof![
        Just(NotifyBehaviour::Immediate),
        Just(NotifyBehaviour::Never),
        option::of(signals_descriptor()).prop_map(|signals| NotifyBehaviour::Regulated(
            RegulatedEmbeddedDescriptor {
                second_event: None,
                signals,
            }
        )),
    ]
}

fn second_requested_event() -> BoxedStrategy<SecondRequestedEvent> {
    let actions = (
        any::<bool>(),
        option::of(event_dm()),
        option::of(signals_descriptor()),
        option::of(second_notify_behaviour()),
        any::<bool>(),
    )
        .prop_map(
            |(keep_active, event_dm, signals, notify_behaviour, reset_events_descriptor)| {
                SecondRequestedActions {
                    // KeepActiveToken and embedSig must not both be present.
                    signals: if keep_active { None } else { signals },
                    keep_active,
                    event_dm,
                    notify_behaviour,
                    reset_events_descriptor,
                }
            },
        );
    (
        pkgd_name(),
        option::of(any::<u16>()),
        actions,
        vec(named_parm(), 0..2),
    )
        .prop_map(|(name, stream_id, actions, params)| SecondRequestedEvent {
            name,
            stream_id,
            actions,
            params,
        })
        .boxed()
}

/// `embedFirst`: bare `Events`, or a request ID with events.
fn second_events_descriptor() -> impl Strategy<Value = SecondEventsDescriptor> {
    prop_oneof![
        1 => Just(SecondEventsDescriptor::default()),
        3 => (request_id(), vec(second_requested_event(), 1..3)).prop_map(|(id, events)| SecondEventsDescriptor {
            request_id: Some(id),
            events,
        }),
    ]
}

fn notify_behaviour() -> impl Strategy<Value = NotifyBehaviour> {
    prop_oneof![
        Just(NotifyBehaviour::Immediate),
        Just(NotifyBehaviour::Never),
        (
            option::of(second_events_descriptor()),
            option::of(signals_descriptor())
        )
            .prop_map(|(second_event, signals)| NotifyBehaviour::Regulated(
                RegulatedEmbeddedDescriptor {
                    second_event,
                    signals
                }
            )),
    ]
}

fn requested_event() -> BoxedStrategy<RequestedEvent> {
    let actions = (
        any::<bool>(),
        option::of(event_dm()),
        option::of(second_events_descriptor()),
        option::of(signals_descriptor()),
        option::of(notify_behaviour()),
        any::<bool>(),
    )
        .prop_map(
            |(
                keep_active,
                event_dm,
                second_event,
                signals,
                notify_behaviour,
                reset_events_descriptor,
            )| {
                RequestedActions {
                    // KeepActiveToken and embedWithSig must not both be present.
                    signals: if keep_active { None } else { signals },
                    keep_active,
                    event_dm,
                    second_event,
                    notify_behaviour,
                    reset_events_descriptor,
                }
            },
        );
    (
        pkgd_name(),
        option::of(any::<u16>()),
        actions,
        vec(named_parm(), 0..2),
    )
        .prop_map(|(name, stream_id, actions, params)| RequestedEvent {
            name,
            stream_id,
            actions,
            params,
        })
        .boxed()
}

/// `eventsDescriptor`: bare `Events`, or a request ID with events.
pub fn events_descriptor() -> BoxedStrategy<EventsDescriptor> {
    prop_oneof![
        1 => Just(EventsDescriptor::default()),
        4 => (request_id(), vec(requested_event(), 1..3)).prop_map(|(id, events)| EventsDescriptor {
            request_id: Some(id),
            events,
        }),
    ]
    .boxed()
}

fn event_spec() -> impl Strategy<Value = EventSpec> {
    (
        pkgd_name(),
        option::of(any::<u16>()),
        vec(named_parm(), 0..2),
    )
        .prop_map(|(name, stream_id, params)| EventSpec {
            name,
            stream_id,
            params,
        })
}

fn event_buffer_descriptor() -> impl Strategy<Value = EventBufferDescriptor> {
    vec(event_spec(), 0..3)
}

fn statistics_descriptor() -> impl Strategy<Value = StatisticsDescriptor> {
    let parameter = (pkgd_name(), vec(value(), 0..3))
        .prop_map(|(name, value)| StatisticsParameter { name, value });
    // Empty too: `Statistics { }` is written and read (OTP-17012).
    vec(parameter, 0..3)
}

/// A package version: small, as real ones are (megaco refuses more than two
/// digits, although `packagesItem` allows a `UINT16`).
fn package_version() -> impl Strategy<Value = u16> {
    0u16..100
}

fn packages_descriptor() -> impl Strategy<Value = PackagesDescriptor> {
    vec(
        (name(), package_version()).prop_map(|(name, version)| PackagesItem { name, version }),
        1..3,
    )
}

/// `observedEventsDescriptor`: a request ID and one or more events.
pub fn observed_events_descriptor() -> BoxedStrategy<ObservedEventsDescriptor> {
    let event = (
        pkgd_name(),
        option::of(any::<u16>()),
        vec(named_parm(), 0..3),
        option::of(time_notation()),
    )
        .prop_map(|(name, stream_id, params, timestamp)| ObservedEvent {
            name,
            stream_id,
            params,
            timestamp,
        });
    (request_id(), vec(event, 1..3))
        .prop_map(|(request_id, events)| ObservedEventsDescriptor { request_id, events })
        .boxed()
}

const ALL_AUDIT_TOKENS: [AuditToken; 10] = [
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
];

/// An audited property: by name, or with a value as selection condition.
fn ind_aud_property_parm() -> impl Strategy<Value = IndAudPropertyParm> {
    (pkgd_name(), option::of(parm_value())).prop_map(|(name, value)| IndAudPropertyParm {
        parm: value.map(|value| PropertyParm {
            name: name.clone(),
            value,
        }),
        name,
    })
}

/// An audited Local or Remote descriptor: SDP lines as properties.
fn ind_aud_local_remote() -> impl Strategy<Value = IndAudLocalRemoteDescriptor> {
    let line = ("[a-zA-Z]", "[!-~][ -~]{0,12}").prop_map(|(kind, value)| IndAudPropertyParm {
        name: Text::from(kind.as_str()),
        parm: Some(PropertyParm::equal(kind, value)),
    });
    vec(line, 1..3).prop_map(|props| IndAudLocalRemoteDescriptor {
        prop_group_id: None,
        props,
    })
}

fn ind_aud_local_control() -> impl Strategy<Value = IndAudLocalControlDescriptor> {
    (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        vec(ind_aud_property_parm(), 0..3),
        option::of(stream_mode()),
    )
        .prop_map(
            |(stream_mode, reserve_value, reserve_group, property_parms, stream_mode_sel)| {
                IndAudLocalControlDescriptor {
                    stream_mode,
                    reserve_value,
                    reserve_group,
                    property_parms,
                    stream_mode_sel,
                }
            },
        )
        .prop_filter("audited LocalControl needs an item", |c| {
            *c != IndAudLocalControlDescriptor::default()
        })
}

fn ind_aud_statistics() -> impl Strategy<Value = IndAudStatisticsDescriptor> {
    pkgd_name().prop_map(|name| IndAudStatisticsDescriptor { name })
}

/// Audited stream items: any non-empty set for the single stream (each is a
/// `mediaParm` of its own).
fn ind_aud_stream_parms() -> impl Strategy<Value = IndAudStreamParms> {
    (
        option::of(ind_aud_local_control()),
        option::of(ind_aud_local_remote()),
        option::of(ind_aud_local_remote()),
        option::of(ind_aud_statistics()),
    )
        .prop_map(
            |(local_control, local, remote, statistics)| IndAudStreamParms {
                local_control,
                local,
                remote,
                statistics,
            },
        )
        .prop_filter("audited stream needs an item", |p| {
            *p != IndAudStreamParms::default()
        })
}

/// Exactly one audited stream item, as `indAudstreamDescriptor` allows.
fn ind_aud_single_stream_parm() -> impl Strategy<Value = IndAudStreamParms> {
    prop_oneof![
        ind_aud_local_control().prop_map(|c| IndAudStreamParms {
            local_control: Some(c),
            ..IndAudStreamParms::default()
        }),
        ind_aud_local_remote().prop_map(|l| IndAudStreamParms {
            local: Some(l),
            ..IndAudStreamParms::default()
        }),
        ind_aud_local_remote().prop_map(|r| IndAudStreamParms {
            remote: Some(r),
            ..IndAudStreamParms::default()
        }),
        ind_aud_statistics().prop_map(|s| IndAudStreamParms {
            statistics: Some(s),
            ..IndAudStreamParms::default()
        }),
    ]
}

/// Exactly one audited termination state item, as
/// `indAudterminationStateDescriptor` allows.
fn ind_aud_termination_state() -> impl Strategy<Value = IndAudTerminationStateDescriptor> {
    prop_oneof![
        ind_aud_property_parm().prop_map(|p| IndAudTerminationStateDescriptor {
            property_parms: vec![p],
            ..IndAudTerminationStateDescriptor::default()
        }),
        Just(IndAudTerminationStateDescriptor {
            event_buffer_control: true,
            ..IndAudTerminationStateDescriptor::default()
        }),
        Just(IndAudTerminationStateDescriptor {
            service_state: true,
            ..IndAudTerminationStateDescriptor::default()
        }),
        service_state().prop_map(|s| IndAudTerminationStateDescriptor {
            service_state_sel: Some(s),
            ..IndAudTerminationStateDescriptor::default()
        }),
    ]
}

fn ind_aud_media() -> impl Strategy<Value = IndAudMediaDescriptor> {
    let streams = prop_oneof![
        ind_aud_stream_parms().prop_map(IndAudStreams::One),
        vec(
            (any::<u16>(), ind_aud_single_stream_parm())
                .prop_map(|(stream_id, parms)| IndAudStreamDescriptor { stream_id, parms }),
            1..3
        )
        .prop_map(IndAudStreams::Multi),
    ];
    (option::of(ind_aud_termination_state()), option::of(streams))
        .prop_map(|(termination_state, streams)| IndAudMediaDescriptor {
            termination_state,
            streams,
        })
        .prop_filter("audited Media needs an item", |m| {
            *m != IndAudMediaDescriptor::default()
        })
}

fn ind_aud_signal() -> impl Strategy<Value = IndAudSignal> {
    (
        pkgd_name(),
        option::of(any::<u16>()),
        option::of(request_id()),
    )
        .prop_map(|(name, stream_id, request_id)| IndAudSignal {
            name,
            stream_id,
            request_id,
        })
}

/// `indAudauditReturnParameter` in each of its forms.
fn ind_audit_parameter() -> BoxedStrategy<IndAuditParameter> {
    prop_oneof![
        ind_aud_media().prop_map(IndAuditParameter::Media),
        (option::of(request_id()), pkgd_name()).prop_map(|(request_id, name)| {
            IndAuditParameter::Events(IndAudEventsDescriptor {
                request_id,
                name,
                stream_id: None,
            })
        }),
        (pkgd_name(), option::of(any::<u16>())).prop_map(|(name, stream_id)| {
            IndAuditParameter::EventBuffer(IndAudEventBufferDescriptor { name, stream_id })
        }),
        prop_oneof![
            ind_aud_signal().prop_map(IndAudSignalsDescriptor::Signal),
            (any::<u16>(), option::of(ind_aud_signal()))
                .prop_map(|(id, signal)| IndAudSignalsDescriptor::SeqSigList { id, signal }),
        ]
        .prop_map(IndAuditParameter::Signals),
        name().prop_map(
            |name| IndAuditParameter::DigitMap(IndAudDigitMapDescriptor { name: Some(name) })
        ),
        ind_aud_statistics().prop_map(IndAuditParameter::Statistics),
        (name(), package_version()).prop_map(|(name, version)| IndAuditParameter::Packages(
            IndAudPackagesDescriptor { name, version }
        )),
    ]
    .boxed()
}

/// `auditDescriptor`: distinct tokens in any order and individual items.
pub fn audit_descriptor() -> BoxedStrategy<AuditDescriptor> {
    (
        subsequence(ALL_AUDIT_TOKENS.to_vec(), 0..4).prop_shuffle(),
        vec(ind_audit_parameter(), 0..3),
    )
        .prop_map(|(tokens, property_tokens)| AuditDescriptor {
            tokens,
            property_tokens,
        })
        .boxed()
}

/// A non-empty `auditDescriptor` (for ServiceChange audit items).
fn non_empty_audit_descriptor() -> impl Strategy<Value = AuditDescriptor> {
    audit_descriptor().prop_filter("audit items needed", |a| *a != AuditDescriptor::default())
}

/// `auditReturnParameter` in each of its forms; an empty descriptor is one
/// `auditReturnItem` token.
pub fn audit_return_parameter() -> BoxedStrategy<AuditReturnParameter> {
    let empty_token = select(vec![
        AuditToken::Mux,
        AuditToken::Modem,
        AuditToken::Media,
        AuditToken::DigitMap,
        AuditToken::Statistics,
        AuditToken::ObservedEvents,
        AuditToken::Packages,
    ]);
    prop_oneof![
        error_descriptor().prop_map(AuditReturnParameter::Error),
        media_descriptor().prop_map(AuditReturnParameter::Media),
        modem_descriptor().prop_map(AuditReturnParameter::Modem),
        mux_descriptor().prop_map(AuditReturnParameter::Mux),
        events_descriptor().prop_map(AuditReturnParameter::Events),
        event_buffer_descriptor().prop_map(AuditReturnParameter::EventBuffer),
        signals_descriptor().prop_map(AuditReturnParameter::Signals),
        digit_map_descriptor().prop_map(AuditReturnParameter::DigitMap),
        observed_events_descriptor().prop_map(AuditReturnParameter::ObservedEvents),
        statistics_descriptor().prop_map(AuditReturnParameter::Statistics),
        packages_descriptor().prop_map(AuditReturnParameter::Packages),
        empty_token.prop_map(
            |token| AuditReturnParameter::EmptyDescriptors(AuditDescriptor {
                tokens: vec![token],
                property_tokens: vec![],
            })
        ),
    ]
    .boxed()
}

/// `ammParameter`: each kind of descriptor at most once.
fn amm_descriptors() -> BoxedStrategy<Vec<AmmDescriptor>> {
    let descriptor = prop_oneof![
        media_descriptor().prop_map(AmmDescriptor::Media),
        modem_descriptor().prop_map(AmmDescriptor::Modem),
        mux_descriptor().prop_map(AmmDescriptor::Mux),
        events_descriptor().prop_map(AmmDescriptor::Events),
        event_buffer_descriptor().prop_map(AmmDescriptor::EventBuffer),
        signals_descriptor().prop_map(AmmDescriptor::Signals),
        digit_map_descriptor().prop_map(AmmDescriptor::DigitMap),
        audit_descriptor().prop_map(AmmDescriptor::Audit),
        statistics_descriptor().prop_map(AmmDescriptor::Statistics),
    ];
    vec(descriptor, 0..4)
        .prop_map(|mut descriptors| {
            let mut seen = Vec::new();
            descriptors.retain(|d| {
                let kind = std::mem::discriminant(d);
                let first = !seen.contains(&kind);
                seen.push(kind);
                first
            });
            descriptors
        })
        .boxed()
}

fn terminations_audit() -> impl Strategy<Value = TerminationAudit> {
    vec(audit_return_parameter(), 0..3)
}

fn topology_request() -> impl Strategy<Value = TopologyRequest> {
    let direction = select(vec![
        TopologyDirection::Bothway,
        TopologyDirection::Isolate,
        TopologyDirection::Oneway,
        TopologyDirection::OnewayExternal,
        TopologyDirection::OnewayBoth,
    ]);
    (
        termination_id(),
        termination_id(),
        direction,
        option::of(any::<u16>()),
    )
        .prop_map(|(from, to, direction, stream_id)| TopologyRequest {
            from,
            to,
            direction,
            stream_id,
        })
}

/// Context properties: `None`, or a request with at least one property.
pub fn context_request() -> BoxedStrategy<Option<ContextRequest>> {
    let request = (
        option::of(0u16..16),
        option::of(any::<bool>()),
        option::of(vec(topology_request(), 1..3)),
        option::of(any::<bool>()),
        option::of(vec(property_parm(), 1..3)),
        option::of(vec(context_id(), 1..3)),
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
        .prop_filter("a context request needs a property", |r| !r.is_empty());
    option::of(request).boxed()
}

fn context_attr_audit() -> impl Strategy<Value = ContextAttrAuditRequest> {
    (
        (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()),
        option::of(vec(ind_aud_property_parm(), 1..3)),
        option::of(0u16..16),
        option::of(any::<bool>()),
        option::of(any::<bool>()),
        option::of(select(vec![SelectLogic::And, SelectLogic::Or])),
    )
        .prop_map(
            |(
                (topology, emergency, priority, ieps),
                context_prop_aud,
                select_priority,
                select_emergency,
                select_ieps,
                select_logic,
            )| ContextAttrAuditRequest {
                topology,
                emergency,
                priority,
                ieps,
                context_prop_aud,
                select_priority,
                select_emergency,
                select_ieps,
                select_logic,
            },
        )
        .prop_filter("a context audit needs an item", |a| {
            *a != ContextAttrAuditRequest::default()
        })
}

fn service_change_address() -> impl Strategy<Value = ServiceChangeAddress> {
    prop_oneof![
        any::<u16>().prop_map(ServiceChangeAddress::Port),
        mid().prop_map(ServiceChangeAddress::Address),
    ]
}

fn service_change_profile() -> impl Strategy<Value = ServiceChangeProfile> {
    (name(), 1u8..100).prop_map(|(name, version)| ServiceChangeProfile { name, version })
}

/// The `Services { ... }` of a ServiceChange request.
pub fn service_change_parm() -> BoxedStrategy<ServiceChangeParm> {
    let method = prop_oneof![
        Just(ServiceChangeMethod::Failover),
        Just(ServiceChangeMethod::Forced),
        Just(ServiceChangeMethod::Graceful),
        Just(ServiceChangeMethod::Restart),
        Just(ServiceChangeMethod::Disconnected),
        Just(ServiceChangeMethod::HandOff),
        extension_parameter().prop_map(ServiceChangeMethod::Extension),
    ];
    // At most one of ServiceChangeAddress and MgcIdToTry.
    let where_to = prop_oneof![
        Just((None, None)),
        service_change_address().prop_map(|a| (Some(a), None)),
        mid().prop_map(|m| (None, Some(m))),
    ];
    let extension = (extension_parameter(), parm_value())
        .prop_map(|(name, value)| PropertyParm { name, value });
    (
        method,
        where_to,
        option::of(1u8..4),
        option::of(service_change_profile()),
        "[0-9]{3}( [a-zA-Z][a-zA-Z ]{0,16})?",
        option::of(any::<u32>()),
        option::of(time_notation()),
        option::of(non_empty_audit_descriptor()),
        any::<bool>(),
        vec(extension, 0..2),
    )
        .prop_map(
            |(
                method,
                (address, mgc_id),
                version,
                profile,
                reason,
                delay,
                timestamp,
                info,
                incomplete,
                extensions,
            )| {
                ServiceChangeParm {
                    method,
                    address,
                    version,
                    profile,
                    reason: Text::from(reason),
                    delay,
                    mgc_id,
                    timestamp,
                    non_standard: None,
                    info,
                    incomplete,
                    extensions,
                }
            },
        )
        .boxed()
}

fn service_change_res_parm() -> impl Strategy<Value = ServiceChangeResParm> {
    let where_to = prop_oneof![
        Just((None, None)),
        service_change_address().prop_map(|a| (Some(a), None)),
        mid().prop_map(|m| (None, Some(m))),
    ];
    (
        where_to,
        option::of(1u8..4),
        option::of(service_change_profile()),
        option::of(time_notation()),
    )
        .prop_map(
            |((address, mgc_id), version, profile, timestamp)| ServiceChangeResParm {
                mgc_id,
                address,
                version,
                profile,
                timestamp,
            },
        )
}

/// A command of an action request.
pub fn command() -> BoxedStrategy<Command> {
    let amm = || {
        (termination_ids(), amm_descriptors()).prop_map(|(termination_ids, descriptors)| {
            AmmRequest {
                termination_ids,
                descriptors,
            }
        })
    };
    let audit = || {
        (termination_ids(), audit_descriptor()).prop_map(|(termination_ids, audit)| AuditRequest {
            termination_ids,
            audit,
        })
    };
    prop_oneof![
        amm().prop_map(Command::Add),
        amm().prop_map(Command::Move),
        amm().prop_map(Command::Modify),
        (termination_ids(), option::of(audit_descriptor())).prop_map(|(termination_ids, audit)| {
            Command::Subtract(SubtractRequest {
                termination_ids,
                audit,
            })
        }),
        audit().prop_map(Command::AuditCapabilities),
        audit().prop_map(Command::AuditValue),
        (
            termination_ids(),
            observed_events_descriptor(),
            option::of(error_descriptor())
        )
            .prop_map(|(termination_ids, observed_events, error)| Command::Notify(
                NotifyRequest {
                    termination_ids,
                    observed_events,
                    error,
                }
            )),
        (termination_ids(), service_change_parm()).prop_map(|(termination_ids, parms)| {
            Command::ServiceChange(Box::new(ServiceChangeRequest {
                termination_ids,
                parms,
            }))
        }),
    ]
    .boxed()
}

/// A command reply.
pub fn command_reply() -> BoxedStrategy<CommandReply> {
    let amms = || {
        (termination_ids(), terminations_audit()).prop_map(|(termination_ids, audit)| AmmsReply {
            termination_ids,
            audit,
        })
    };
    let audit = || {
        prop_oneof![
            vec(termination_id(), 1..3).prop_map(AuditReply::ContextAuditResult),
            error_descriptor().prop_map(AuditReply::Error),
            (termination_ids(), terminations_audit()).prop_map(|(termination_ids, audit)| {
                AuditReply::Result {
                    termination_ids,
                    audit,
                }
            }),
        ]
    };
    prop_oneof![
        amms().prop_map(CommandReply::Add),
        amms().prop_map(CommandReply::Move),
        amms().prop_map(CommandReply::Modify),
        amms().prop_map(CommandReply::Subtract),
        audit().prop_map(CommandReply::AuditCapabilities),
        audit().prop_map(CommandReply::AuditValue),
        (termination_ids(), option::of(error_descriptor())).prop_map(|(termination_ids, error)| {
            CommandReply::Notify(NotifyReply {
                termination_ids,
                error,
            })
        }),
        (
            termination_ids(),
            prop_oneof![
                error_descriptor().prop_map(ServiceChangeResult::Error),
                service_change_res_parm().prop_map(ServiceChangeResult::Parms),
            ]
        )
            .prop_map(|(termination_ids, result)| CommandReply::ServiceChange(
                ServiceChangeReply {
                    termination_ids,
                    result
                }
            )),
    ]
    .boxed()
}

/// `actionRequest`: context properties, context audit and commands, not all
/// absent.
pub fn action_request() -> BoxedStrategy<ActionRequest> {
    let command_request = (command(), any::<bool>(), any::<bool>()).prop_map(
        |(command, optional, wildcard_return)| CommandRequest {
            command,
            optional,
            wildcard_return,
        },
    );
    (
        context_id(),
        context_request(),
        option::of(context_attr_audit()),
        vec(command_request, 0..3),
    )
        .prop_map(
            |(context_id, context_request, context_attr_audit, commands)| ActionRequest {
                context_id,
                context_request,
                context_attr_audit,
                commands,
            },
        )
        .prop_filter("an action needs something to do", |a| {
            a.context_request.is_some() || a.context_attr_audit.is_some() || !a.commands.is_empty()
        })
        .boxed()
}

/// `actionReply`, including the bare `Context = id`.
pub fn action_reply() -> BoxedStrategy<ActionReply> {
    (
        context_id(),
        option::of(error_descriptor()),
        context_request(),
        vec(command_reply(), 0..3),
    )
        .prop_map(|(context_id, error, context_reply, commands)| ActionReply {
            context_id,
            error,
            context_reply,
            commands,
        })
        .boxed()
}

/// A transaction of any kind.
pub fn transaction() -> BoxedStrategy<Transaction> {
    let request =
        (any::<u32>(), vec(action_request(), 1..3)).prop_map(|(transaction_id, actions)| {
            Transaction::Request(TransactionRequest {
                transaction_id,
                actions,
            })
        });
    let result = prop_oneof![
        1 => error_descriptor().prop_map(TransactionResult::Error),
        4 => vec(action_reply(), 1..3).prop_map(TransactionResult::ActionReplies),
    ];
    let segment = option::of((any::<u16>(), any::<bool>()));
    let reply = (any::<u32>(), any::<bool>(), result, segment).prop_map(
        |(transaction_id, imm_ack_required, result, segment)| {
            Transaction::Reply(TransactionReply {
                transaction_id,
                imm_ack_required,
                result,
                segment_number: segment.map(|(number, _)| number),
                segmentation_complete: segment.is_some_and(|(_, complete)| complete),
            })
        },
    );
    let ack = (any::<u32>(), option::of(any::<u32>()))
        .prop_map(|(first, last)| TransactionAck { first, last });
    prop_oneof![
        4 => request,
        4 => reply,
        1 => any::<u32>().prop_map(|transaction_id| Transaction::Pending(TransactionPending { transaction_id })),
        1 => vec(ack, 1..4).prop_map(Transaction::ResponseAck),
        1 => (any::<u32>(), any::<u16>(), any::<bool>()).prop_map(|(transaction_id, segment_number, segmentation_complete)| {
            Transaction::SegmentReply(SegmentReply { transaction_id, segment_number, segmentation_complete })
        }),
    ]
    .boxed()
}

/// A whole version 3 message: optional authentication header, any sender,
/// and a message error or one or two transactions.
pub fn megaco_message() -> impl Strategy<Value = MegacoMessage> {
    let auth = (any::<u32>(), any::<u32>(), vec(any::<u8>(), 12..=32)).prop_map(
        |(security_parm_index, sequence_number, auth_data)| AuthenticationHeader {
            security_parm_index,
            sequence_number,
            auth_data,
        },
    );
    let body = prop_oneof![
        1 => error_descriptor().prop_map(MessageBody::Error),
        9 => vec(transaction(), 1..3).prop_map(MessageBody::Transactions),
    ];
    (option::weighted(0.1, auth), mid(), body).prop_map(|(auth_header, mid, body)| MegacoMessage {
        auth_header,
        message: Message {
            version: 3,
            mid,
            body,
        },
    })
}
