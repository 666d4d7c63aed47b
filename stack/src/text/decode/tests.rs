//! Whole-message tests of the decoder: layout freedom (Annex B `LWSP`,
//! `SEP`, comments, case), limits and error positions.

use super::*;
use crate::model::*;

fn ok(input: &str) -> MegacoMessage {
    decode(input.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{input}"))
}

fn err(input: &[u8]) -> DecodeError {
    decode(input).expect_err("decoded")
}

#[test]
fn any_lwsp_comments_and_case_give_the_same_model() {
    let plain = ok("!/1 [10.0.0.1]:2944 T=5{C=-{MF=t1{E=1{al/on}}}}");
    let spaced = ok(
        "  ; leading comment\r\nmegaco/1\t[10.0.0.1]:2944 ; comment after the mId\r\n\
         transaction\t=\r\n5 {context = - ;c\n{ MODIFY= t1 {events=\n1{ al/on\n}\n}\r}\r}\n ; done",
    );
    assert_eq!(plain, spaced);
}

#[test]
fn compact_and_long_tokens_mix() {
    let a = ok("MEGACO/2 <mg.example> Transaction=1{Context=${Add=$,AuditValue=t2{Audit{Media}}}}");
    let b = ok("!/2 <mg.example> T=1{C=${A=$,AV=t2{AT{M}}}}");
    assert_eq!(a, b);
}

#[test]
fn comment_without_final_eol_ends_the_message() {
    let m = ok("!/1 [10.0.0.1] P=1{C=2{}} ; trailing comment");
    assert_eq!(m.message.version, 1);
}

#[test]
fn nesting_is_bounded_and_reported_at_the_brace() {
    let limits = DecodeLimits {
        max_depth: 3,
        ..DecodeLimits::default()
    };
    let e = decode_with(b"!/1 [10.0.0.1] T=1{C=-{MF=t{M{ST=1{O{}}}}}}", &limits).unwrap_err();
    assert_eq!(e.kind, DecodeErrorKind::LimitExceeded("nesting depth"));
    assert_eq!(e.column, 30);
}

#[test]
fn lists_are_bounded() {
    let limits = DecodeLimits {
        max_list_len: 2,
        ..DecodeLimits::default()
    };
    let e = decode_with(b"!/1 [10.0.0.1] K{1,2,3}", &limits).unwrap_err();
    assert_eq!(
        (e.kind, e.column),
        (DecodeErrorKind::LimitExceeded("list length"), 22)
    );
    let e = decode_with(b"!/1 [10.0.0.1] T=1{C=-{MF=t{M{O{a/b=[1,2,3]}}}}}", &limits).unwrap_err();
    assert_eq!(e.kind, DecodeErrorKind::LimitExceeded("list length"));
}

#[test]
fn oversized_message_is_rejected_before_parsing() {
    let limits = DecodeLimits {
        max_message_size: 10,
        ..DecodeLimits::default()
    };
    let e = decode_with(b"not even a message", &limits).unwrap_err();
    assert_eq!(
        e.kind,
        DecodeErrorKind::MessageTooLarge {
            size: 18,
            limit: 10
        }
    );
}

#[test]
fn errors_name_what_was_expected_and_where() {
    let e = err(b"!/1 [10.0.0.1]\nT=1{C=-{MF=t1{M{O{MO=Sideways}}}}}");
    assert_eq!(
        (e.kind, e.line, e.column),
        (DecodeErrorKind::Expected("stream mode"), 2, 22)
    );
    let e = err(b"!/1 [10.0.0.1]\nT=1 C=-{}");
    assert_eq!(
        (e.kind, e.line, e.column),
        (DecodeErrorKind::Expected("`{`"), 2, 5)
    );
    let e = err(b"!/1 [10.0.0.1]\nT=1{C=-{MF=}}");
    assert_eq!(
        (e.kind, e.line, e.column),
        (DecodeErrorKind::Expected("termination ID"), 2, 12)
    );
    let e = err(b"!/1 [10.0.0.1]\nT=1{C=-{N=t{OE=1{p/e{x}}}}}");
    assert_eq!(
        (e.kind, e.column),
        (DecodeErrorKind::Expected("`=`, `>`, `<` or `#`"), 23)
    );
    let e = err(b"!/1 [10.0.0.1]\nT=x{}");
    assert_eq!(
        (e.kind, e.column),
        (DecodeErrorKind::Expected("transaction ID"), 3)
    );
    let e = err(b"!/1 [10.0.0.1]\nT=4294967296{}");
    assert_eq!(
        (e.kind, e.column),
        (DecodeErrorKind::InvalidValue("transaction ID"), 3)
    );
    let e = err(b"!/1 [10.0.0.1]\nT=1{C=-{MF=t{E=1{al/on}}}");
    assert_eq!((e.kind, e.column), (DecodeErrorKind::Expected("`}`"), 26));
}

#[test]
fn non_utf8_values_are_reported_where_they_break() {
    let e = err(b"!/1 [10.0.0.1] T=1{C=-{MF=t{M{O{a/b=x\xff}}}}}");
    assert_eq!((e.kind, e.column), (DecodeErrorKind::NotUtf8, 38));
    let e = err(b"!/1 [10.0.0.1] T=1{C=-{MF=t{M{O{a/b=\"\xc3\"}}}}}");
    assert_eq!(e.kind, DecodeErrorKind::NotUtf8);
    let m = ok("!/1 [10.0.0.1] T=1{C=-{MF=t{M{O{a/b=\u{e9}t\u{e9}}}}}}");
    let MessageBody::Transactions(ts) = m.message.body else {
        panic!()
    };
    assert!(format!("{ts:?}").contains("été"));
}

#[test]
fn sdp_errors_point_into_the_descriptor() {
    let e = err(b"!/1 [10.0.0.1] T=1{C=-{MF=t{M{L{\nv=0\n\\}oops\n}}}}}");
    assert!(matches!(e.kind, DecodeErrorKind::Sdp(_)));
    assert_eq!((e.line, e.column), (3, 1));
    let limits = DecodeLimits {
        max_sdp_lines: 1,
        ..DecodeLimits::default()
    };
    let e = decode_with(
        b"!/1 [10.0.0.1] T=1{C=-{MF=t{M{L{\nv=0\nc=x\n}}}}}",
        &limits,
    )
    .unwrap_err();
    assert_eq!(
        (e.kind, e.line),
        (DecodeErrorKind::Sdp("too many SDP lines"), 3)
    );
}

#[test]
fn sdp_of_several_alternatives_with_escaped_braces() {
    let m = ok("!/1 [10.0.0.1] T=1{C=-{MF=t{M{R{v=0\na=x:{1\\}\nv=0\nc=IN IP4 $ }}}}}");
    let MessageBody::Transactions(ts) = m.message.body else {
        panic!()
    };
    let Transaction::Request(r) = &ts[0] else {
        panic!()
    };
    let Command::Modify(md) = &r.actions[0].commands[0].command else {
        panic!()
    };
    let AmmDescriptor::Media(media) = &md.descriptors[0] else {
        panic!()
    };
    let Some(Streams::One(s)) = &media.streams else {
        panic!()
    };
    let groups = &s.remote.as_ref().unwrap().groups;
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0].lines[1].value, "x:{1}");
    assert_eq!(groups[1].lines[1].value, "IN IP4 $");
}

#[test]
fn media_forms_and_termination_state() {
    let m = ok("!/1 [10.0.0.1] T=1{C=-{MF=t{M{TS{SI=OS,BF=LockStep,a/b=1}}},MF=u{M{O{MO=LB,RV=ON,RG=off}}},\
                MV=v{MD=V18{a/b=1}},A=w{MD[V22b,X-Fax]},MF=x{MX=X-mux{y,z}}}}");
    let MessageBody::Transactions(ts) = m.message.body else {
        panic!()
    };
    let Transaction::Request(r) = &ts[0] else {
        panic!()
    };
    let c = &r.actions[0].commands;
    let Command::Modify(a) = &c[0].command else {
        panic!()
    };
    let AmmDescriptor::Media(media) = &a.descriptors[0] else {
        panic!()
    };
    assert!(media.streams.is_none());
    let ts = media.termination_state.as_ref().unwrap();
    assert_eq!(ts.service_state, Some(ServiceState::OutOfService));
    assert_eq!(ts.event_buffer_control, Some(EventBufferControl::LockStep));
    let Command::Modify(b) = &c[1].command else {
        panic!()
    };
    let AmmDescriptor::Media(MediaDescriptor {
        streams: Some(Streams::One(s)),
        ..
    }) = &b.descriptors[0]
    else {
        panic!()
    };
    let lc = s.local_control.as_ref().unwrap();
    assert_eq!(
        (lc.stream_mode, lc.reserve_value, lc.reserve_group),
        (Some(StreamMode::Loopback), Some(true), Some(false))
    );
    let Command::Move(mv) = &c[2].command else {
        panic!()
    };
    assert!(
        matches!(&mv.descriptors[0], AmmDescriptor::Modem(m) if m.modem_types == [ModemType::V18] && m.property_parms.len() == 1)
    );
    let Command::Add(add) = &c[3].command else {
        panic!()
    };
    assert!(
        matches!(&add.descriptors[0], AmmDescriptor::Modem(m) if m.modem_types == [ModemType::V22bis, ModemType::Extension("X-Fax".into())])
    );
    let Command::Modify(mx) = &c[4].command else {
        panic!()
    };
    assert!(
        matches!(&mx.descriptors[0], AmmDescriptor::Mux(m) if m.mux_type == MuxType::Extension("X-mux".into()) && m.termination_ids.len() == 2)
    );
}

#[test]
fn signals_with_every_parameter() {
    let m = ok("!/2 [10.0.0.1] T=1{C=-{MF=t{SG{SL=7{a/b,c/d{SY=OO}},e/f{ST=2,SY=TO,DR=10,NC={TO,IBE,IBS,OR,IR},KA,\
                SPADI=IT,SPARQ=9,SPAIS=3,lvl=[1:5]}}}}}");
    let MessageBody::Transactions(ts) = m.message.body else {
        panic!()
    };
    let Transaction::Request(r) = &ts[0] else {
        panic!()
    };
    let Command::Modify(md) = &r.actions[0].commands[0].command else {
        panic!()
    };
    let AmmDescriptor::Signals(sigs) = &md.descriptors[0] else {
        panic!()
    };
    let SignalRequest::SeqSigList(list) = &sigs[0] else {
        panic!()
    };
    assert_eq!((list.id, list.signals.len()), (7, 2));
    assert_eq!(list.signals[1].signal_type, Some(SignalType::OnOff));
    let SignalRequest::Signal(s) = &sigs[1] else {
        panic!()
    };
    assert_eq!(s.stream_id, Some(2));
    assert_eq!(s.duration, Some(10));
    assert_eq!(s.notify_completion.as_ref().unwrap().len(), 5);
    assert!(s.keep_active);
    assert_eq!(s.direction, Some(SignalDirection::Internal));
    assert_eq!(s.request_id, Some(RequestId(9)));
    assert_eq!(s.intersignal_delay, Some(3));
    assert_eq!(s.params[0].value, ParmValue::Range("1".into(), "5".into()));
}

#[test]
fn events_with_stream_keep_active_and_notify_behaviour() {
    let m = ok(
        "!/3 [10.0.0.1] T=1{C=-{MF=t{E=*{a/b{ST=3,KA,NBNN,x>2},c/d{NBIN}},EB{g/h{ST=1,p=q}},E}}}",
    );
    let MessageBody::Transactions(ts) = m.message.body else {
        panic!()
    };
    let Transaction::Request(r) = &ts[0] else {
        panic!()
    };
    let Command::Modify(md) = &r.actions[0].commands[0].command else {
        panic!()
    };
    let AmmDescriptor::Events(e) = &md.descriptors[0] else {
        panic!()
    };
    assert_eq!(e.request_id, Some(RequestId::ALL));
    assert_eq!(e.events[0].stream_id, Some(3));
    assert_eq!(
        e.events[0].actions.notify_behaviour,
        Some(NotifyBehaviour::Never)
    );
    assert_eq!(
        e.events[0].params[0].value,
        ParmValue::Relation(Relation::GreaterThan, "2".into())
    );
    assert_eq!(
        e.events[1].actions.notify_behaviour,
        Some(NotifyBehaviour::Immediate)
    );
    let AmmDescriptor::EventBuffer(eb) = &md.descriptors[1] else {
        panic!()
    };
    assert_eq!((eb[0].stream_id, eb[0].params.len()), (Some(1), 1));
    assert_eq!(
        md.descriptors[2],
        AmmDescriptor::Events(EventsDescriptor::default())
    );
}

#[test]
fn names_are_at_most_64_characters() {
    let name64 = format!("d{}", "1".repeat(63));
    let m = ok(&format!(
        "!/1 [10.0.0.1] T=1{{C=1{{MF=t1{{DM={name64}{{(x)}}}}}}}}"
    ));
    assert!(format!("{m:?}").contains(&name64));
    let name65 = format!("d{}", "1".repeat(64));
    let e = err(format!("!/1 [10.0.0.1] T=1{{C=1{{MF=t1{{DM={name65}{{(x)}}}}}}}}").as_bytes());
    assert!(e.to_string().contains("digit map name"), "{e}");
}

#[test]
fn parameter_names_are_at_most_64_characters() {
    let long = format!("p{}", "d".repeat(64));
    let input = format!("!/1 [10.0.0.1] T=1{{C=1{{N=t1{{OE=1{{dd/ce{{ds=\"1\",{long}=UM}}}}}}}}}}");
    let e = err(input.as_bytes());
    assert!(e.to_string().contains("parameter"), "{e}");
    let ok_input = input.replace(&long, &long[..64]);
    assert!(format!("{:?}", ok(&ok_input)).contains(&long[..64]));
}
