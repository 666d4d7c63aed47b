//! One test per row of the "Codec" table of
//! `shared/spec/lessons-from-erlang-megaco.md`: the defects Erlang/OTP
//! megaco's text codec had, as golden vectors of this decoder. The inputs
//! are the files under `tests/vectors/text/`.

use h248_stack::model::*;
use h248_stack::text::{decode, decode_with, DecodeErrorKind, DecodeLimits};

fn transactions(input: &[u8]) -> Vec<Transaction> {
    match decode(input) {
        Ok(MegacoMessage {
            message:
                Message {
                    body: MessageBody::Transactions(ts),
                    ..
                },
            ..
        }) => ts,
        other => panic!("not transactions: {other:?}"),
    }
}

fn request_commands(input: &[u8], action: usize) -> Vec<Command> {
    let mut ts = transactions(input);
    let Transaction::Request(mut r) = ts.remove(0) else {
        panic!("not a request")
    };
    r.actions
        .remove(action)
        .commands
        .into_iter()
        .map(|c| c.command)
        .collect()
}

fn reply_commands(input: &[u8]) -> Vec<CommandReply> {
    let mut ts = transactions(input);
    let Transaction::Reply(r) = ts.remove(0) else {
        panic!("not a reply")
    };
    let TransactionResult::ActionReplies(mut a) = r.result else {
        panic!("not action replies")
    };
    a.remove(0).commands
}

fn amm(command: &Command) -> &AmmRequest {
    match command {
        Command::Add(a) | Command::Move(a) | Command::Modify(a) => a,
        other => panic!("not Add/Move/Modify: {other:?}"),
    }
}

fn single_local_control(descriptor: &AmmDescriptor) -> &LocalControlDescriptor {
    let AmmDescriptor::Media(MediaDescriptor {
        streams: Some(Streams::One(s)),
        ..
    }) = descriptor
    else {
        panic!("not a single-stream Media: {descriptor:?}")
    };
    s.local_control.as_ref().unwrap()
}

/// OTP-7534: a keyword inside a property parameter value confused megaco.
#[test]
fn otp7534_tokens_spelled_as_values_are_values() {
    let commands = request_commands(
        include_bytes!("vectors/text/otp7534_tokens_as_values.txt"),
        0,
    );
    let modify = amm(&commands[0]);
    let lc = single_local_control(&modify.descriptors[0]);
    let values: Vec<&str> = lc
        .property_parms
        .iter()
        .map(|p| p.value.as_single().unwrap())
        .collect();
    assert_eq!(values, ["Add", "Reply", "v=0", "Transaction"]);
    let AmmDescriptor::Events(events) = &modify.descriptors[1] else {
        panic!()
    };
    assert_eq!(
        events.events[0].params,
        vec![PropertyParm::equal("strict", "Context")]
    );
}

/// OTP-7249: any 17-character string with a `T` in the middle was taken
/// for a TimeStamp.
#[test]
fn otp7249_time_stamp_lookalikes_are_plain_values() {
    let commands = request_commands(
        include_bytes!("vectors/text/otp7249_timestamp_lookalike_values.txt"),
        0,
    );
    let modify = amm(&commands[0]);
    let lc = single_local_control(&modify.descriptors[0]);
    assert_eq!(
        lc.property_parms,
        vec![PropertyParm::equal("tdmc/stamp", "19990729T22000000")]
    );
    let AmmDescriptor::Signals(signals) = &modify.descriptors[1] else {
        panic!()
    };
    let SignalRequest::Signal(signal) = &signals[0] else {
        panic!()
    };
    assert_eq!(
        signal.params,
        vec![PropertyParm::equal("when", "20010101T10203040")]
    );
}

/// OTP-7138: in a version 2 message `CT` was lexed as the v3 ContextAttr
/// token. Also the v3 token `RSE` is an ordinary parameter name in v2.
#[test]
fn otp7138_later_version_tokens_are_names_and_values() {
    let commands = request_commands(include_bytes!("vectors/text/otp7138_ct_in_v2.txt"), 0);
    let modify = amm(&commands[0]);
    let lc = single_local_control(&modify.descriptors[0]);
    assert_eq!(lc.property_parms, vec![PropertyParm::equal("ct/ct", "CT")]);
    let AmmDescriptor::Events(events) = &modify.descriptors[1] else {
        panic!()
    };
    let event = &events.events[0];
    assert_eq!(
        event.params,
        vec![
            PropertyParm::equal("CT", "CT"),
            PropertyParm::equal("RSE", "1")
        ]
    );
    assert!(!event.actions.reset_events_descriptor);
    let AmmDescriptor::Signals(signals) = &modify.descriptors[2] else {
        panic!()
    };
    let SignalRequest::Signal(signal) = &signals[0] else {
        panic!()
    };
    assert_eq!(signal.name, "ct/rt");
    assert_eq!(signal.params, vec![PropertyParm::equal("CT", "ct")]);
}

/// OTP-7573: an empty quotedString was rejected.
#[test]
fn otp7573_empty_quoted_string_is_a_value() {
    let replies = reply_commands(include_bytes!(
        "vectors/text/otp7573_empty_quoted_string.txt"
    ));
    let CommandReply::Modify(AmmsReply { audit, .. }) = &replies[0] else {
        panic!()
    };
    assert_eq!(
        audit[0],
        AuditReturnParameter::Error(ErrorDescriptor {
            code: 400,
            text: Some("".into())
        })
    );
    let CommandReply::Modify(AmmsReply { audit, .. }) = &replies[1] else {
        panic!()
    };
    let AuditReturnParameter::Media(MediaDescriptor {
        streams: Some(Streams::One(s)),
        ..
    }) = &audit[0]
    else {
        panic!()
    };
    assert_eq!(
        s.local_control.as_ref().unwrap().property_parms,
        vec![PropertyParm::equal("tdmc/x", "")]
    );
}

/// OTP-7457: wildcarded ServiceChange / Add / Notify broke the scanner.
#[test]
fn otp7457_wildcards_in_termination_ids() {
    let input: &[u8] = include_bytes!("vectors/text/otp7457_wildcards.txt");
    let sc = request_commands(input, 0);
    let Command::ServiceChange(sc) = &sc[0] else {
        panic!()
    };
    assert_eq!(
        sc.termination_ids[..],
        [TerminationId::from("11111111/11111111/*")]
    );
    assert!(sc.termination_ids[0].has_all_wildcard());
    assert_eq!(sc.parms.method, ServiceChangeMethod::Graceful);
    assert_eq!(sc.parms.delay, Some(30));
    let adds = request_commands(input, 1);
    assert_eq!(amm(&adds[0]).termination_ids[..], [TerminationId::choose()]);
    assert_eq!(
        amm(&adds[1]).termination_ids[..],
        [TerminationId::from("ip/$/rtp")]
    );
    let all = request_commands(input, 2);
    let Command::Notify(n) = &all[0] else {
        panic!()
    };
    assert_eq!(n.termination_ids[..], [TerminationId::all()]);
    let Command::Subtract(s) = &all[1] else {
        panic!()
    };
    assert_eq!(
        (s.termination_ids.clone(), s.audit.clone()),
        (small_list![TerminationId::all()], None)
    );
    let Transaction::Request(r) = &transactions(input)[0] else {
        panic!()
    };
    let ids: Vec<ContextId> = r.actions.iter().map(|a| a.context_id).collect();
    assert_eq!(ids, [ContextId::NULL, ContextId::CHOOSE, ContextId::ALL]);
}

/// OTP-16631, OTP-16818: IPv6 MIDs and addresses, IPv4-mapped forms.
#[test]
fn otp16631_ipv6_mids() {
    let input: &[u8] = include_bytes!("vectors/text/otp16631_ipv6_mid.txt");
    let m = decode(input).unwrap();
    assert_eq!(
        m.message.mid,
        MId::Ip6 {
            address: "2001:db8::1".parse().unwrap(),
            port: Some(2944)
        }
    );
    let commands = request_commands(input, 0);
    let Command::ServiceChange(sc) = &commands[0] else {
        panic!()
    };
    assert_eq!(
        sc.parms.mgc_id,
        Some(MId::Ip6 {
            address: "::ffff:192.0.2.1".parse().unwrap(),
            port: None
        })
    );
}

/// OTP-6017: context IDs 0, 0xFFFFFFFE and 0xFFFFFFFF were accepted as
/// ordinary IDs.
#[test]
fn otp6017_reserved_context_ids_as_numbers_are_rejected() {
    let inputs: [&[u8]; 3] = [
        include_bytes!("vectors/text/otp6017_context_0.txt"),
        include_bytes!("vectors/text/otp6017_context_choose_number.txt"),
        include_bytes!("vectors/text/otp6017_context_all_number.txt"),
    ];
    for input in inputs {
        let e = decode(input).unwrap_err();
        let DecodeErrorKind::InvalidValue(what) = e.kind else {
            panic!("{e}")
        };
        assert!(
            what.contains('-') && what.contains('$') && what.contains('*'),
            "{what}"
        );
        assert_eq!((e.line, e.column), (2, 29));
    }
}

/// OTP-17012: the empty Statistics descriptor was mis-encoded.
#[test]
fn otp17012_empty_statistics() {
    let replies = reply_commands(include_bytes!("vectors/text/otp17012_empty_statistics.txt"));
    let CommandReply::Subtract(AmmsReply { audit, .. }) = &replies[0] else {
        panic!()
    };
    assert_eq!(audit[0], AuditReturnParameter::Statistics(vec![]));
    let CommandReply::Subtract(AmmsReply { audit, .. }) = &replies[1] else {
        panic!()
    };
    let AuditReturnParameter::Statistics(stats) = &audit[0] else {
        panic!()
    };
    let values: Vec<Vec<Text>> = stats.iter().map(|s| s.value.clone()).collect();
    let expected: Vec<Vec<Text>> = vec![vec!["12".into()], vec!["1".into(), "2".into()], vec![]];
    assert_eq!(values, expected);
    let CommandReply::Modify(AmmsReply { audit, .. }) = &replies[2] else {
        panic!()
    };
    let AuditReturnParameter::Media(MediaDescriptor {
        streams: Some(Streams::Multi(s)),
        ..
    }) = &audit[0]
    else {
        panic!()
    };
    assert_eq!(s[0].parms.statistics, Some(vec![]));
}

/// OTP-7671, OTP-7449: digit maps with ranges (`[0-9ef]`), letters, timers,
/// `Z` and `.`.
#[test]
fn otp7671_digit_maps() {
    let commands = request_commands(include_bytes!("vectors/text/otp7671_digit_maps.txt"), 0);
    let modify = amm(&commands[0]);
    let AmmDescriptor::DigitMap(dm) = &modify.descriptors[0] else {
        panic!()
    };
    assert_eq!(dm.name.as_deref(), Some("dialplan1"));
    let value = dm.value.as_ref().unwrap();
    assert_eq!(
        (
            value.start_timer,
            value.short_timer,
            value.long_timer,
            value.duration_timer
        ),
        (Some(5), Some(2), Some(20), Some(3))
    );
    // White space inside the digit map is kept as written (megaco keeps it
    // too); the comment and the space around the map are not.
    assert_eq!(
        value.body,
        "( 0 | 00 | [1-7]xxx | 8xxxxxxx \n        | [0-9ef]xx.E | Txx | 9L011x. | 1ZS )"
    );
    let AmmDescriptor::Events(events) = &modify.descriptors[1] else {
        panic!()
    };
    let Some(EventDm::Value(v)) = &events.events[0].actions.event_dm else {
        panic!()
    };
    assert_eq!(v.body, "(x.S|[2-9a-d])");
}

/// OTP-5993: v3 lists of termination IDs.
#[test]
fn otp5993_termination_id_lists() {
    let commands = request_commands(
        include_bytes!("vectors/text/otp5993_termination_id_list.txt"),
        0,
    );
    assert_eq!(
        amm(&commands[0]).termination_ids[..],
        [
            TerminationId::from("11111111/00000000/00000001"),
            TerminationId::from("11111111/00000000/00000002")
        ]
    );
    let Command::AuditValue(av) = &commands[1] else {
        panic!()
    };
    assert_eq!(av.termination_ids.len(), 2);
    assert_eq!(av.audit, AuditDescriptor::default());
}

/// OTP-6490: embedded events and signals in Events descriptors.
#[test]
fn otp6490_embedded_events_and_signals() {
    let commands = request_commands(
        include_bytes!("vectors/text/otp6490_embedded_events_signals.txt"),
        0,
    );
    let AmmDescriptor::Events(events) = &amm(&commands[0]).descriptors[0] else {
        panic!()
    };
    let first = &events.events[0].actions;
    assert_eq!(
        first.signals,
        Some(vec![SignalRequest::Signal(Signal::named("cg/dt"))])
    );
    let second = first.second_event.as_ref().unwrap();
    assert_eq!(second.request_id, Some(RequestId(2226)));
    assert_eq!(
        second.events[0].actions.event_dm,
        Some(EventDm::Name("dialplan00".into()))
    );
    let embedded_signal = second.events[1].actions.signals.as_ref().unwrap();
    let SignalRequest::Signal(rt) = &embedded_signal[0] else {
        panic!()
    };
    assert_eq!(rt.duration, Some(100));
    let regulated = &events.events[1].actions;
    let Some(NotifyBehaviour::Regulated(embed)) = &regulated.notify_behaviour else {
        panic!()
    };
    assert_eq!(embed.second_event.as_ref().unwrap().events[0].name, "al/fl");
    assert!(regulated.reset_events_descriptor);
}

/// OTP-7444: the `dd/ce` parameter values need quoting.
#[test]
fn otp7444_quoted_dd_ce_values() {
    let commands = request_commands(
        include_bytes!("vectors/text/otp7444_dd_ce_quoted_values.txt"),
        0,
    );
    let Command::Notify(n) = &commands[0] else {
        panic!()
    };
    let event = &n.observed_events.events[0];
    assert_eq!(event.name, "dd/ce");
    assert_eq!(
        event.params,
        vec![
            PropertyParm::equal("ds", "12#*"),
            PropertyParm::equal("Meth", "UM")
        ]
    );
    let ts = event.timestamp.as_ref().unwrap();
    assert_eq!(
        (ts.date.as_str(), ts.time.as_str()),
        ("20000101", "12000000")
    );
}

/// OTP-10998, OTP-7700: large messages overran a scanner buffer. Size,
/// list length and nesting are bounded; exceeding them is an error.
#[test]
fn otp10998_large_messages_are_bounded() {
    let input: &[u8] = include_bytes!("vectors/text/otp7457_wildcards.txt");
    let small = DecodeLimits {
        max_message_size: 64,
        ..DecodeLimits::default()
    };
    let e = decode_with(input, &small).unwrap_err();
    assert_eq!(
        e.kind,
        DecodeErrorKind::MessageTooLarge {
            size: input.len(),
            limit: 64
        }
    );
    assert_eq!(e.offset, 0);

    // A big message built from the same vector: 2000 actions decode with the
    // default limits and fail cleanly with a list limit of 1000.
    let text = std::str::from_utf8(input).unwrap();
    let (head, rest) = text.split_once('{').unwrap();
    let body = rest.trim_end().strip_suffix('}').unwrap();
    let big = format!("{head}{{{}}}", vec![body; 2000].join(","));
    let ts = transactions(big.as_bytes());
    let Transaction::Request(r) = &ts[0] else {
        panic!()
    };
    assert_eq!(r.actions.len(), 6000);
    let short = DecodeLimits {
        max_list_len: 1000,
        ..DecodeLimits::default()
    };
    let e = decode_with(big.as_bytes(), &short).unwrap_err();
    assert_eq!(e.kind, DecodeErrorKind::LimitExceeded("list length"));

    // Deep nesting (embedded signals inside embedded events) is bounded.
    let shallow = DecodeLimits {
        max_depth: 6,
        ..DecodeLimits::default()
    };
    let nested: &[u8] = include_bytes!("vectors/text/otp6490_embedded_events_signals.txt");
    let e = decode_with(nested, &shallow).unwrap_err();
    assert_eq!(e.kind, DecodeErrorKind::LimitExceeded("nesting depth"));
}

/// Flex-scanner defect: quoted strings were lowercased. Names, values,
/// termination IDs and quoted strings keep their case.
#[test]
fn quoted_strings_names_and_ids_keep_their_case() {
    let commands = request_commands(
        include_bytes!("vectors/text/quoted_strings_keep_case.txt"),
        0,
    );
    let Command::ServiceChange(sc) = &commands[0] else {
        panic!()
    };
    assert_eq!(sc.termination_ids[0].as_str(), "Root");
    assert_eq!(sc.parms.reason, "901 Cold BOOT");
    assert_eq!(
        sc.parms.profile,
        Some(ServiceChangeProfile {
            name: "ResGW".into(),
            version: 1
        })
    );
    let modify = amm(&commands[1]);
    assert_eq!(modify.termination_ids[0].as_str(), "Ip/RTP/1");
    let lc = single_local_control(&modify.descriptors[0]);
    assert_eq!(
        lc.property_parms,
        vec![
            PropertyParm::equal("Tdmc/Gain", "MiXeD"),
            PropertyParm::equal("tdmc/x", "UpPeR")
        ]
    );
}
