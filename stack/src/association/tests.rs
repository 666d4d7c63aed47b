//! Unit tests of the association layer: helpers, and each side driven
//! directly through its inputs (no engine), including bad input.

use std::time::{Duration, Instant};

use super::*;
use crate::model::{
    AmmDescriptor, AmmRequest, EventsDescriptor, PropertyParm, RequestId, RequestedActions,
    RequestedEvent, ServiceChangeMethod, ServiceChangeProfile, Text,
};

type Peer = &'static str;

fn domain(name: &str) -> MId {
    MId::Domain {
        name: name.into(),
        port: None,
    }
}

fn resolver(mid: &MId) -> Option<Peer> {
    match mid {
        MId::Domain { name, .. } if name == "mgc-a" => Some("mgc-a"),
        MId::Domain { name, .. } if name == "mgc-b" => Some("mgc-b"),
        _ => None,
    }
}

fn mg() -> MgAssociation<Peer> {
    let mut config = MgConfig::new(vec![
        MgcAddress {
            mid: domain("mgc-a"),
            peer: "mgc-a",
        },
        MgcAddress {
            mid: domain("mgc-b"),
            peer: "mgc-b",
        },
    ]);
    config.max_wait_delay = Duration::ZERO;
    MgAssociation::new(config, Box::new(resolver), Box::new(|| 0))
}

fn sc_of(r: &OutgoingRequest<Peer>) -> ServiceChangeParm {
    match &r.actions[0].commands[0].command {
        Command::ServiceChange(sc) => sc.parms.clone(),
        other => panic!("not a ServiceChange: {other:?}"),
    }
}

fn accept(parms: ServiceChangeResParm) -> TransactionResult {
    null_context_reply(vec![service_change_accept(parms)])
}

/// Starts `a`, answers its registration with `reply`; returns the request.
fn register(
    a: &mut MgAssociation<Peer>,
    now: Instant,
    reply: TransactionResult,
) -> OutgoingRequest<Peer> {
    assert!(a.start(now));
    let r = a.poll_request().expect("registration sent at once");
    a.request_sent(now, r.handle, Ok(7));
    let event = Event::ReplyReceived {
        peer: r.peer,
        transaction_id: 7,
        version: 3,
        result: reply,
        segments: None,
    };
    assert_eq!(a.handle_event(now, event), None);
    r
}

fn request(peer: Peer, id: TransactionId, command: Command) -> Event<Peer> {
    Event::RequestReceived {
        peer,
        transaction_id: id,
        version: 3,
        actions: root_action(command),
    }
}

fn events_on_root(events: Vec<RequestedEvent>) -> Command {
    Command::Modify(AmmRequest {
        termination_ids: small_list![TerminationId::root()],
        descriptors: vec![AmmDescriptor::Events(EventsDescriptor {
            request_id: Some(RequestId(9)),
            events,
        })],
    })
}

fn ito(mit: Option<&str>) -> RequestedEvent {
    RequestedEvent {
        name: Text::const_new("IT/ITO"),
        stream_id: None,
        actions: RequestedActions::default(),
        params: mit
            .map(|v| vec![PropertyParm::equal("mit", v)])
            .unwrap_or_default(),
    }
}

fn action_error(result: &TransactionResult) -> Option<u16> {
    match result {
        TransactionResult::ActionReplies(a) => a[0].error.as_ref().map(|e| e.code),
        TransactionResult::Error(e) => Some(e.code),
    }
}

#[test]
fn reason_codes_are_read_from_the_start_of_the_value() {
    assert_eq!(reason_code("901 Cold Boot"), Some(901));
    assert_eq!(reason_code(" 902"), Some(902));
    assert_eq!(reason_code("Cold Boot"), None);
    assert_eq!(reason_code(""), None);
    assert_eq!(reason_code("99999999"), None);
}

#[test]
fn timer_units_convert_both_ways() {
    assert_eq!(mit_duration(500), Duration::from_secs(5));
    assert_eq!(mit_units(Duration::from_secs(5)), 500);
    assert_eq!(mit_units(Duration::from_millis(1)), 1);
    assert_eq!(mit_units(Duration::ZERO), 1);
    assert_eq!(delay_seconds(Duration::from_millis(1200)), 2);
    assert_eq!(delay_seconds(Duration::ZERO), 0);
    assert_eq!(delay_of(Some(3)), Duration::from_secs(3));
    assert_eq!(
        address_mid(&ServiceChangeAddress::Port(2945), &domain("mgc")),
        MId::Domain {
            name: "mgc".into(),
            port: Some(2945)
        }
    );
}

#[test]
fn mg_registers_with_the_version_of_the_reply() {
    let mut a = mg();
    let now = Instant::now();
    let r = register(
        &mut a,
        now,
        accept(ServiceChangeResParm {
            version: Some(2),
            ..Default::default()
        }),
    );
    assert_eq!((r.peer, r.version), ("mgc-a", 3));
    let mut expected = ServiceChangeParm::new(ServiceChangeMethod::Restart, "901");
    expected.version = Some(3);
    assert_eq!(sc_of(&r), expected);
    assert_eq!(a.state(), MgState::Registered);
    assert_eq!(a.version(), Some(2));
}

#[test]
fn mg_settles_on_a_lower_message_version_when_the_reply_has_no_service_change_version() {
    // Clause 11.3 with Erlang/OTP megaco's behaviour: an MGC that speaks
    // version 1 answers a version 3 registration in a version 1 message
    // without ServiceChangeVersion.
    let mut a = mg();
    let now = Instant::now();
    assert!(a.start(now));
    let r = a.poll_request().expect("registration sent at once");
    a.request_sent(now, r.handle, Ok(7));
    let reply = Event::ReplyReceived {
        peer: r.peer,
        transaction_id: 7,
        version: 1,
        result: accept(ServiceChangeResParm::default()),
        segments: None,
    };
    assert_eq!(a.handle_event(now, reply), None);
    assert_eq!(a.state(), MgState::Registered);
    assert_eq!(a.version(), Some(1));
    // A reply in our own version without ServiceChangeVersion accepts ours.
    let mut b = mg();
    register(&mut b, now, accept(ServiceChangeResParm::default()));
    assert_eq!(b.version(), Some(3));
}

#[test]
fn mg_refuses_a_version_above_its_own_and_tries_the_next_mgc() {
    let mut a = mg();
    let now = Instant::now();
    register(
        &mut a,
        now,
        accept(ServiceChangeResParm {
            version: Some(4),
            ..Default::default()
        }),
    );
    assert_eq!(a.state(), MgState::Registering);
    let next = a.poll_request().unwrap();
    assert_eq!(next.peer, "mgc-b");
    let refused = std::iter::from_fn(|| a.poll_event())
        .any(|e| matches!(e, MgEvent::Refused { error, .. } if error.code == 406));
    assert!(refused);
}

#[test]
fn mg_handles_a_refused_send_as_a_failed_attempt() {
    let mut a = mg();
    let now = Instant::now();
    a.start(now);
    let r = a.poll_request().unwrap();
    a.request_sent(now, r.handle, Err(SendError::TooManyTransactions(1)));
    assert_eq!(a.state(), MgState::Waiting);
    assert_eq!(a.poll_timeout(), Some(now + Duration::from_secs(1)));
    a.handle_timeout(now + Duration::from_secs(1));
    assert_eq!(a.poll_request().unwrap().peer, "mgc-a");
}

#[test]
fn mg_downgrades_after_a_message_level_406() {
    let mut a = mg();
    let now = Instant::now();
    a.start(now);
    let r = a.poll_request().unwrap();
    a.request_sent(now, r.handle, Ok(3));
    let event = Event::PeerMessageError {
        peer: "mgc-a",
        error: ErrorDescriptor::new(ERROR_VERSION_NOT_SUPPORTED, None),
    };
    assert_eq!(a.handle_event(now, event), None);
    assert_eq!(a.poll_cancel(), Some(3));
    let retry = a.poll_request().unwrap();
    assert_eq!((retry.peer, retry.version), ("mgc-a", 2));
    assert_eq!(sc_of(&retry).version, Some(2));
}

#[test]
fn mg_answers_a_handoff_without_mgc_id_with_an_error() {
    let mut a = mg();
    let now = Instant::now();
    register(&mut a, now, accept(ServiceChangeResParm::default()));
    let handoff = Command::ServiceChange(Box::new(ServiceChangeRequest {
        termination_ids: small_list![TerminationId::root()],
        parms: ServiceChangeParm::new(ServiceChangeMethod::HandOff, "903"),
    }));
    assert_eq!(a.handle_event(now, request("mgc-a", 11, handoff)), None);
    let reply = a.poll_reply().unwrap();
    let TransactionResult::ActionReplies(replies) = &reply.result else {
        panic!("expected action replies");
    };
    assert!(matches!(
        &replies[0].commands[0],
        CommandReply::ServiceChange(ServiceChangeReply {
            result: ServiceChangeResult::Error(e),
            ..
        }) if e.code == ERROR_BAD_REQUEST
    ));
    assert_eq!(a.state(), MgState::Registered);
    assert!(a.poll_request().is_none());
}

#[test]
fn mg_arms_and_disarms_the_inactivity_timer_and_rejects_a_bad_mit() {
    let mut a = mg();
    let now = Instant::now();
    register(&mut a, now, accept(ServiceChangeResParm::default()));
    // Bad value: error 449, nothing armed, no panic.
    let bad = events_on_root(vec![ito(Some("soon"))]);
    assert_eq!(a.handle_event(now, request("mgc-a", 20, bad)), None);
    assert_eq!(
        action_error(&a.poll_reply().unwrap().result),
        Some(ERROR_BAD_PARAMETER_VALUE)
    );
    assert_eq!(a.inactivity(), None);
    // Armed without mit: the configured default.
    assert_eq!(
        a.handle_event(now, request("mgc-a", 21, events_on_root(vec![ito(None)]))),
        None
    );
    assert_eq!(action_error(&a.poll_reply().unwrap().result), None);
    assert_eq!(a.inactivity(), Some(Duration::from_secs(120)));
    // Armed with mit = 300 (3 s): the Notify goes when 3 s pass silently.
    a.handle_event(
        now,
        request("mgc-a", 22, events_on_root(vec![ito(Some("300"))])),
    );
    a.poll_reply();
    assert_eq!(a.poll_timeout(), Some(now + Duration::from_secs(3)));
    let later = now + Duration::from_secs(2);
    a.any_message_received(later, &"mgc-a");
    assert_eq!(a.poll_timeout(), Some(later + Duration::from_secs(3)));
    // A new Events descriptor without it/ito disarms it (clause 7.1.9).
    a.handle_event(later, request("mgc-a", 23, events_on_root(vec![])));
    a.poll_reply();
    assert_eq!(a.inactivity(), None);
    assert_eq!(a.poll_timeout(), None);
}

#[test]
fn mg_passes_on_requests_that_are_not_its_own() {
    let mut a = mg();
    let now = Instant::now();
    register(&mut a, now, accept(ServiceChangeResParm::default()));
    // An audit of ROOT asking for something: the application's.
    let audit = Command::AuditValue(AuditRequest {
        termination_ids: small_list![TerminationId::root()],
        audit: AuditDescriptor {
            tokens: vec![crate::model::AuditToken::Packages],
            property_tokens: vec![],
        },
    });
    let e = request("mgc-a", 30, audit);
    assert_eq!(a.handle_event(now, e.clone()), Some(e));
    // A heartbeat from a stranger: not taken either.
    let heartbeat = request("mallory", 31, root_audit()[0].commands[0].command.clone());
    assert_eq!(a.handle_event(now, heartbeat.clone()), Some(heartbeat));
    // The empty audit from the MGC is answered here.
    let heartbeat = request("mgc-a", 32, root_audit()[0].commands[0].command.clone());
    assert_eq!(a.handle_event(now, heartbeat), None);
    let reply = a.poll_reply().unwrap();
    assert_eq!(reply.result, null_context_reply(vec![root_audit_reply()]));
    // Replies to transactions that are not ours go back too.
    let stray = Event::ReplyReceived {
        peer: "mgc-a",
        transaction_id: 999,
        version: 3,
        result: accept(ServiceChangeResParm::default()),
        segments: None,
    };
    assert_eq!(a.handle_event(now, stray.clone()), Some(stray));
}

fn mgc_request(parms: ServiceChangeParm, header_version: u8) -> Event<Peer> {
    Event::RequestReceived {
        peer: "mg",
        transaction_id: 5,
        version: header_version,
        actions: service_change(parms),
    }
}

fn mgc_reply(a: &mut MgcAssociation<Peer>) -> ServiceChangeResult {
    let reply = a.poll_reply().expect("a reply");
    match reply.result {
        TransactionResult::ActionReplies(r) => match &r[0].commands[0] {
            CommandReply::ServiceChange(sc) => sc.result.clone(),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

#[test]
fn mgc_takes_the_header_version_when_service_change_version_is_absent() {
    let mut a = MgcAssociation::new(MgcConfig::new());
    let now = Instant::now();
    let parms = ServiceChangeParm::new(ServiceChangeMethod::Restart, "901");
    assert_eq!(a.handle_event(now, mgc_request(parms.clone(), 1)), None);
    assert_eq!(
        mgc_reply(&mut a),
        ServiceChangeResult::Parms(ServiceChangeResParm {
            version: Some(1),
            ..Default::default()
        })
    );
    assert_eq!(a.record(&"mg").unwrap().version, 1);

    let mut config = MgcConfig::new();
    config.min_version = 2;
    let mut b = MgcAssociation::new(config);
    b.handle_event(now, mgc_request(parms, 1));
    assert!(matches!(
        mgc_reply(&mut b),
        ServiceChangeResult::Error(e) if e.code == ERROR_VERSION_NOT_SUPPORTED
    ));
    assert!(!b.is_registered(&"mg"));
}

#[test]
fn mgc_profile_callback_decides() {
    let mut a = MgcAssociation::new(MgcConfig::new());
    a.set_profile_check(Box::new(|_, p| p.is_some_and(|p| p.name == "Good")));
    let now = Instant::now();
    let mut parms = ServiceChangeParm::new(ServiceChangeMethod::Restart, "901");
    parms.profile = Some(ServiceChangeProfile {
        name: "Bad".into(),
        version: 1,
    });
    a.handle_event(now, mgc_request(parms, 3));
    assert!(matches!(
        mgc_reply(&mut a),
        ServiceChangeResult::Error(e) if e.code == ERROR_UNSUPPORTED_PROFILE
    ));
}

#[test]
fn mgc_rejects_unknown_methods_and_passes_on_mixed_transactions() {
    let mut a = MgcAssociation::new(MgcConfig::new());
    let now = Instant::now();
    let parms = ServiceChangeParm::new(ServiceChangeMethod::Extension("X-Foo".into()), "901");
    a.handle_event(now, mgc_request(parms, 3));
    assert!(matches!(
        mgc_reply(&mut a),
        ServiceChangeResult::Error(e) if e.code == ERROR_NOT_IMPLEMENTED
    ));
    // ServiceChange on ROOT plus a command on another termination.
    let mut actions = service_change(ServiceChangeParm::new(ServiceChangeMethod::Restart, "901"));
    actions[0]
        .commands
        .push(CommandRequest::new(Command::Modify(AmmRequest {
            termination_ids: small_list![TerminationId::new("t1")],
            descriptors: vec![],
        })));
    let e = Event::RequestReceived {
        peer: "mg",
        transaction_id: 6,
        version: 3,
        actions,
    };
    assert_eq!(a.handle_event(now, e.clone()), Some(e));
    assert!(a.poll_reply().is_none());
}

/// Lesson OTP-6275 / OTP-7192: the MGC's first request may overtake the
/// registration reply; it is answered, in order, and what it set survives
/// the reply.
#[test]
fn mg_takes_a_request_that_overtakes_the_registration_reply() {
    let mut a = mg();
    let now = Instant::now();
    a.start(now);
    let r = a.poll_request().unwrap();
    a.request_sent(now, r.handle, Ok(7));
    let arm = request("mgc-a", 40, events_on_root(vec![ito(Some("1000"))]));
    assert_eq!(a.handle_event(now, arm), None);
    assert_eq!(a.poll_reply().unwrap().transaction_id, 40);
    let reply = Event::ReplyReceived {
        peer: "mgc-a",
        transaction_id: 7,
        version: 3,
        result: accept(ServiceChangeResParm::default()),
        segments: None,
    };
    assert_eq!(a.handle_event(now, reply), None);
    assert_eq!(a.state(), MgState::Registered);
    assert_eq!(a.inactivity(), Some(Duration::from_secs(10)));
    assert_eq!(a.poll_timeout(), Some(now + Duration::from_secs(10)));
}

/// Clause 11.5: when no MGC of the list answered, the MG waits a random
/// time (up to MaxWaitDelay) and starts again at the primary; with
/// `max_rounds` it gives up.
#[test]
fn mg_starts_the_list_again_after_a_random_wait_then_gives_up() {
    let mut config = MgConfig::new(vec![
        MgcAddress {
            mid: domain("mgc-a"),
            peer: "mgc-a",
        },
        MgcAddress {
            mid: domain("mgc-b"),
            peer: "mgc-b",
        },
    ]);
    config.max_wait_delay = Duration::from_secs(4);
    config.attempts_per_mgc = 1;
    config.max_rounds = Some(2);
    let mut a = MgAssociation::new(config, Box::new(resolver), Box::new(|| u32::MAX));
    let mut now = Instant::now();
    a.start(now);
    assert_eq!(a.poll_timeout(), Some(now + Duration::from_secs(4)));
    let mut sent = Vec::new();
    let mut id = 100;
    for _ in 0..4 {
        if let Some(at) = a.poll_timeout() {
            now = at;
            a.handle_timeout(now);
        }
        let r = a.poll_request().expect("an attempt");
        sent.push((r.peer, sc_of(&r).method));
        id += 1;
        a.request_sent(now, r.handle, Ok(id));
        let failed = Event::RequestFailed {
            peer: r.peer,
            transaction_id: id,
            reason: Failure::TimedOut,
        };
        assert_eq!(a.handle_event(now, failed), None);
    }
    assert_eq!(
        sent,
        [
            ("mgc-a", ServiceChangeMethod::Restart),
            ("mgc-b", ServiceChangeMethod::Restart),
            ("mgc-a", ServiceChangeMethod::Restart),
            ("mgc-b", ServiceChangeMethod::Restart),
        ]
    );
    assert_eq!(a.state(), MgState::Failed);
    assert!(a.poll_request().is_none());
    assert!(std::iter::from_fn(|| a.poll_event()).any(|e| e == MgEvent::Failed));
    // And it can be started again.
    assert!(a.start(now));
}

#[test]
fn mg_accepts_a_counter_profile_only_when_configured() {
    let theirs = ServiceChangeProfile {
        name: "Theirs".into(),
        version: 2,
    };
    let reply = accept(ServiceChangeResParm {
        profile: Some(theirs.clone()),
        ..Default::default()
    });
    let mut a = mg();
    let now = Instant::now();
    register(&mut a, now, reply.clone());
    assert_eq!(a.state(), MgState::Registering);
    assert_eq!(a.poll_request().unwrap().peer, "mgc-b");

    let mut config = MgConfig::new(vec![MgcAddress {
        mid: domain("mgc-a"),
        peer: "mgc-a",
    }]);
    config.max_wait_delay = Duration::ZERO;
    config.acceptable_profiles = vec![theirs.clone()];
    let mut b = MgAssociation::new(config, Box::new(resolver), Box::new(|| 0));
    register(&mut b, now, reply);
    assert_eq!(b.state(), MgState::Registered);
    assert_eq!(b.profile(), Some(&theirs));
}

/// Clause 11.5: after losing the secondary the MG fails over starting at
/// the primary; after losing the primary, at the secondary.
#[test]
fn mg_failover_order_depends_on_which_mgc_was_lost() {
    let now = Instant::now();
    let mut a = mg();
    // Registered with mgc-b after a redirection from mgc-a.
    register(
        &mut a,
        now,
        accept(ServiceChangeResParm {
            mgc_id: Some(domain("mgc-b")),
            ..Default::default()
        }),
    );
    let r = a.poll_request().unwrap();
    assert_eq!(r.peer, "mgc-b");
    a.request_sent(now, r.handle, Ok(8));
    let reply = Event::ReplyReceived {
        peer: "mgc-b",
        transaction_id: 8,
        version: 3,
        result: accept(ServiceChangeResParm::default()),
        segments: None,
    };
    a.handle_event(now, reply);
    assert_eq!(a.mgc(), Some(&domain("mgc-b")));
    assert!(a.mgc_lost(now));
    let f = a.poll_request().unwrap();
    assert_eq!(f.peer, "mgc-a");
    let mut expected = ServiceChangeParm::new(ServiceChangeMethod::Failover, "909");
    expected.version = Some(3);
    assert_eq!(sc_of(&f), expected);

    let mut b = mg();
    register(&mut b, now, accept(ServiceChangeResParm::default()));
    assert!(b.mgc_lost(now));
    assert_eq!(b.poll_request().unwrap().peer, "mgc-b");
    // Not registered: nothing to lose.
    let mut c = mg();
    assert!(!c.mgc_lost(now));
}

/// An abandoned request whose outcome was already queued in the engine
/// (cancel found it no longer live) is swallowed, not handed to the
/// application; one cancelled while live leaves nothing behind.
#[test]
fn outcomes_of_abandoned_requests_are_swallowed() {
    let mut a = mg();
    let now = Instant::now();
    a.start(now);
    let r = a.poll_request().unwrap();
    a.request_sent(now, r.handle, Ok(3));
    // A message-level 406 abandons the registration transaction 3.
    let error = Event::PeerMessageError {
        peer: "mgc-a",
        error: ErrorDescriptor::new(ERROR_VERSION_NOT_SUPPORTED, None),
    };
    a.handle_event(now, error);
    assert_eq!(a.poll_cancel(), Some(3));
    a.cancelled(3, false);
    let late = Event::ReplyReceived {
        peer: "mgc-a",
        transaction_id: 3,
        version: 3,
        result: accept(ServiceChangeResParm::default()),
        segments: None,
    };
    assert_eq!(a.handle_event(now, late.clone()), None);
    // Only once: a second event for 3 is not ours any more.
    assert_eq!(a.handle_event(now, late.clone()), Some(late));
    assert_eq!(a.state(), MgState::Registering);
    // The retry (version 2) is abandoned too, but cancelled while live.
    let retry = a.poll_request().unwrap();
    a.request_sent(now, retry.handle, Ok(4));
    let error = Event::PeerMessageError {
        peer: "mgc-a",
        error: ErrorDescriptor::new(ERROR_VERSION_NOT_SUPPORTED, None),
    };
    a.handle_event(now, error);
    assert_eq!(a.poll_cancel(), Some(4));
    a.cancelled(4, true);
    let stray = Event::RequestFailed {
        peer: "mgc-a",
        transaction_id: 4,
        reason: Failure::TimedOut,
    };
    assert_eq!(a.handle_event(now, stray.clone()), Some(stray));
}
