//! The gateway engine through the `Executor` seam: Iq and Mp procedure
//! flows, CHOOSE / ALL semantics, error codes, exhaustion, statistics, and
//! a property test for leaks.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use h248_profiles::procedure::iq::{ReleaseAgwTermination, ReserveAgwConnectionPoint};
use h248_profiles::procedure::mp::{SendTone, ToneCompleted, ToneId};
use h248_profiles::procedure::*;
use h248_profiles::profile::Profile;
use h248_stack::model::*;
use h248d::executor::Executor;
use h248d::gateway::sim::Pool;
use h248d::gateway::{Gateway, GatewayConfig, SimBackend, SimConfig};

fn gateway(
    profile: Profile,
    tweak: impl FnOnce(&mut GatewayConfig, &mut SimConfig),
) -> (Gateway, SimBackend) {
    let mut config = GatewayConfig::new(profile);
    config
        .ephemeral_prefixes
        .push(Text::from("00000001/00000010/"));
    let mut sim = SimConfig::default();
    tweak(&mut config, &mut sim);
    let backend = SimBackend::new(sim);
    (Gateway::new(config, Arc::new(backend.clone())), backend)
}

fn action(context: ContextId, commands: Vec<Command>) -> ActionRequest {
    ActionRequest {
        context_id: context,
        context_request: None,
        context_attr_audit: None,
        commands: commands.into_iter().map(CommandRequest::new).collect(),
    }
}

fn replies(result: TransactionResult) -> Vec<ActionReply> {
    match result {
        TransactionResult::ActionReplies(r) => r,
        TransactionResult::Error(e) => panic!("transaction error {e:?}"),
    }
}

/// The error code of the first failed command (or action), if any.
fn error_code(replies: &[ActionReply]) -> Option<u16> {
    for a in replies {
        if let Some(e) = &a.error {
            return Some(e.code);
        }
        for c in &a.commands {
            let audit = match c {
                CommandReply::Add(r)
                | CommandReply::Move(r)
                | CommandReply::Modify(r)
                | CommandReply::Subtract(r) => &r.audit,
                CommandReply::AuditValue(AuditReply::Result { audit, .. })
                | CommandReply::AuditCapabilities(AuditReply::Result { audit, .. }) => audit,
                CommandReply::Notify(n) => return n.error.as_ref().map(|e| e.code),
                CommandReply::ServiceChange(s) => match &s.result {
                    ServiceChangeResult::Error(e) => return Some(e.code),
                    _ => continue,
                },
                _ => continue,
            };
            for item in audit {
                if let AuditReturnParameter::Error(e) = item {
                    return Some(e.code);
                }
            }
        }
    }
    None
}

fn sdp(lines: &[(char, &str)]) -> LocalRemoteDescriptor {
    let mut sd = h248_stack::sdp::SessionDescription::default();
    for (k, v) in lines {
        sd.push(*k, *v);
    }
    LocalRemoteDescriptor {
        groups: small_list![sd],
    }
}

fn add_ip(local: bool) -> Command {
    let mut parms = StreamParms::default();
    if local {
        parms.local = Some(sdp(&[
            ('v', "0"),
            ('c', "IN IP4 $"),
            ('m', "audio $ RTP/AVP 0"),
        ]));
    }
    Command::Add(AmmRequest {
        termination_ids: small_list![TerminationId::from("ip/$")],
        descriptors: vec![AmmDescriptor::Media(MediaDescriptor {
            termination_state: None,
            streams: Some(Streams::One(parms)),
        })],
    })
}

/// Modify of `id` to SendRecv with a Remote at 203.0.113.9:`port`.
fn send_recv_to(id: TerminationId, port: u16) -> Command {
    let remote = format!("audio {port} RTP/AVP 0");
    Command::Modify(AmmRequest {
        termination_ids: small_list![id],
        descriptors: vec![AmmDescriptor::Media(MediaDescriptor {
            termination_state: None,
            streams: Some(Streams::One(StreamParms {
                local_control: Some(LocalControlDescriptor {
                    stream_mode: Some(StreamMode::SendRecv),
                    ..Default::default()
                }),
                remote: Some(sdp(&[
                    ('v', "0"),
                    ('c', "IN IP4 203.0.113.9"),
                    ('m', &remote),
                ])),
                ..Default::default()
            })),
        })],
    })
}

fn subtract(id: &str) -> Command {
    Command::Subtract(SubtractRequest {
        termination_ids: small_list![TerminationId::from(id)],
        audit: None,
    })
}

fn added(replies: &[ActionReply]) -> (u32, TerminationId) {
    let a = &replies[0];
    match &a.commands[0] {
        CommandReply::Add(r) => (a.context_id.0, r.termination_ids[0].clone()),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn iq_reserve_configure_release_with_the_procedure_builders() {
    let (gw, sim) = gateway(Profile::iq(), |_, _| {});
    let mut stream = StreamConfig::new(1);
    stream.mode = Some(StreamMode::RecvOnly);
    stream.local = Some(MediaSdp {
        address: ConnAddress::Choose(AddrType::Ip4),
        media: Text::from("audio"),
        port: MediaPort::Choose,
        proto: Text::from("RTP/AVP"),
        codecs: vec![Codec::static_pt(0)],
        ptime: None,
    });
    let mut events = EventsIes::new(1);
    events.heartbeat = true;
    let reserve = ReserveAgwConnectionPoint(ConnectionPointIes {
        context: ContextRef::Choose,
        emergency: true,
        priority: Priority::new(5),
        termination: TerminationId::from("00000001/00000010/$"),
        streams: vec![stream],
        events: Some(events),
    });
    let r = replies(gw.execute(3, vec![reserve.request()]).await);
    assert_eq!(error_code(&r), None, "{r:?}");
    let reply = ReserveAgwConnectionPoint::read_reply(&r[0]).expect("a Reserve reply");
    let (_, local) = &reply.local[0];
    assert!(
        local.has_address(),
        "the reply's Local has the allocated address: {local:?}"
    );
    assert_eq!(local.address, ConnAddress::Ip(IpAddr::from([127, 0, 0, 1])));
    assert_eq!(gw.stats().contexts, 1);
    assert_eq!(gw.stats().terminations, 1);
    assert_eq!(sim.allocated(), 1);

    // Configure: Remote and SendRecv.
    let configure = send_recv_to(reply.termination.clone(), 49170);
    let r = replies(
        gw.execute(3, vec![action(ContextId(reply.context), vec![configure])])
            .await,
    );
    assert_eq!(error_code(&r), None, "{r:?}");
    tokio::time::sleep(Duration::from_secs(2)).await;

    // Release with W-Subtract of the wildcard: one wildcarded reply.
    let release = ReleaseAgwTermination(ReleaseIes {
        context: reply.context,
        termination: TerminationId::from("00000001/00000010/*"),
        wildcard_return: true,
        no_statistics: false,
    });
    let r = replies(gw.execute(3, vec![release.request()]).await);
    assert_eq!(error_code(&r), None, "{r:?}");
    let released = ReleaseAgwTermination::read_reply(&r[0]).unwrap();
    assert_eq!(
        released.terminations[..],
        [TerminationId::from("00000001/00000010/*")]
    );
    assert_eq!(gw.stats().contexts, 0);
    assert_eq!(gw.stats().terminations, 0);
    assert_eq!(sim.allocated(), 0);
}

#[tokio::test(start_paused = true)]
async fn statistics_are_reported_on_subtract_and_audit() {
    let (gw, _) = gateway(Profile::mp(), |_, _| {});
    let r = replies(
        gw.execute(3, vec![action(ContextId::CHOOSE, vec![add_ip(true)])])
            .await,
    );
    let (ctx, id) = added(&r);
    let modify = send_recv_to(id.clone(), 4000);
    replies(
        gw.execute(3, vec![action(ContextId(ctx), vec![modify])])
            .await,
    );
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let audit = Command::AuditValue(AuditRequest {
        termination_ids: small_list![id.clone()],
        audit: AuditDescriptor {
            tokens: vec![AuditToken::Statistics],
            property_tokens: Vec::new(),
        },
    });
    let r = replies(
        gw.execute(3, vec![action(ContextId(ctx), vec![audit])])
            .await,
    );
    let stat = |r: &[ActionReply], name: &str| -> String {
        let audit = match &r[0].commands[0] {
            CommandReply::AuditValue(AuditReply::Result { audit, .. }) => audit.clone(),
            CommandReply::Subtract(a) => a.audit.clone(),
            other => panic!("{other:?}"),
        };
        for item in audit {
            if let AuditReturnParameter::Statistics(s) = item {
                if let Some(x) = s.iter().find(|x| x.name == name) {
                    return x.value[0].to_string();
                }
            }
        }
        panic!("no {name}")
    };
    assert_eq!(stat(&r, "rtp/ps"), "50");
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let r = replies(
        gw.execute(3, vec![action(ContextId(ctx), vec![subtract(id.as_str())])])
            .await,
    );
    assert_eq!(stat(&r, "rtp/ps"), "100");
    assert_eq!(stat(&r, "rtp/pr"), "100");
    assert_eq!(stat(&r, "nt/os"), (100 * 172).to_string());
}

fn send_tone(ctx: u32, id: &TerminationId, duration: u16) -> ActionRequest {
    let mut events = EventsIes::new(7);
    events.signal_completion = true;
    SendTone {
        target: Target {
            context: ctx,
            termination: id.clone(),
        },
        tone: ToneId::new("cg/rt").unwrap(),
        signal: SignalIes {
            direction: None,
            duration: Some(duration),
            notify_completion: true,
        },
        events: Some(events),
    }
    .request()
}

#[tokio::test(start_paused = true)]
async fn mp_tone_completes_with_g_sc_after_its_duration() {
    let (gw, _) = gateway(Profile::mp(), |_, _| {});
    let r = replies(
        gw.execute(3, vec![action(ContextId::CHOOSE, vec![add_ip(true)])])
            .await,
    );
    let (ctx, id) = added(&r);
    let start = tokio::time::Instant::now();
    let r = replies(gw.execute(3, vec![send_tone(ctx, &id, 1500)]).await);
    assert_eq!(error_code(&r), None, "{r:?}");
    let notify = gw.next_request().await.expect("a Notify");
    assert_eq!(start.elapsed(), Duration::from_millis(1500));
    let done = ToneCompleted::read_request(&notify[0]).expect("Tone Completed");
    assert_eq!(done.request_id, 7);
    assert_eq!(done.tone.as_str(), "cg/rt");
    assert_eq!(done.method, mp::Completion::TimeOut);
    assert_eq!(done.target.termination, id);
}

#[tokio::test(start_paused = true)]
async fn mp_dtmf_with_a_scripted_digit_string_reports_dd_ce() {
    let (gw, sim) = gateway(Profile::mp(), |_, _| {});
    let r = replies(
        gw.execute(3, vec![action(ContextId::CHOOSE, vec![add_ip(true)])])
            .await,
    );
    let (ctx, id) = added(&r);
    let mut events = EventsIes::new(9);
    events.dtmf = Some(DigitMapIe::Body(Text::from("(1xx|2x.F)")));
    let detect = mp::DetectDtmf {
        target: Target {
            context: ctx,
            termination: id.clone(),
        },
        events,
    };
    let r = replies(gw.execute(3, vec![detect.request()]).await);
    assert_eq!(error_code(&r), None, "{r:?}");
    assert_eq!(sim.inject_digits(&id, "123"), 3);
    let notify = gw.next_request().await.expect("a Notify");
    let report = mp::ReportDtmf::read_request(&notify[0]).expect("Report DTMF");
    assert_eq!(report.digits, "123");
    assert_eq!(report.method, mp::DigitMapMatch::Unambiguous);
    assert_eq!(report.request_id, 9);
}

#[tokio::test(start_paused = true)]
async fn mp_announcement_played_to_the_end() {
    let (gw, _) = gateway(Profile::mp(), |_, sim| {
        sim.signal_lengths = vec![(Text::from("an/apf"), 3000)];
    });
    let r = replies(
        gw.execute(3, vec![action(ContextId::CHOOSE, vec![add_ip(true)])])
            .await,
    );
    let (ctx, id) = added(&r);
    let mut events = EventsIes::new(3);
    events.signal_completion = true;
    let start = mp::StartAnnouncement {
        target: Target {
            context: ctx,
            termination: id.clone(),
        },
        announcement: 42,
        iterations: None,
        signal: SignalIes {
            direction: None,
            duration: None,
            notify_completion: true,
        },
        events: Some(events),
    };
    let begin = tokio::time::Instant::now();
    let r = replies(gw.execute(3, vec![start.request()]).await);
    assert_eq!(error_code(&r), None, "{r:?}");
    let notify = gw.next_request().await.unwrap();
    assert_eq!(begin.elapsed(), Duration::from_millis(3000));
    let done = mp::AnnouncementCompleted::read_request(&notify[0]).expect("Announcement Completed");
    assert_eq!(done.method, mp::Completion::TimeOut);
}

#[tokio::test(start_paused = true)]
async fn choose_all_and_wildcard_subtract_of_a_context() {
    let (gw, sim) = gateway(Profile::mp(), |_, _| {});
    let r = replies(
        gw.execute(
            3,
            vec![action(ContextId::CHOOSE, vec![add_ip(true), add_ip(true)])],
        )
        .await,
    );
    assert_eq!(r.len(), 1);
    let ctx = r[0].context_id;
    assert!(ctx.is_specific());
    let r2 = replies(
        gw.execute(3, vec![action(ContextId::CHOOSE, vec![add_ip(false)])])
            .await,
    );
    assert_ne!(r2[0].context_id, ctx, "CHOOSE makes a new context");
    // AuditValue of * with an empty audit in ALL: one reply per context.
    let audit = Command::AuditValue(AuditRequest {
        termination_ids: small_list![TerminationId::all()],
        audit: AuditDescriptor::default(),
    });
    let r = replies(
        gw.execute(3, vec![action(ContextId::ALL, vec![audit])])
            .await,
    );
    assert_eq!(r.len(), 2);
    match &r[0].commands[0] {
        CommandReply::AuditValue(AuditReply::ContextAuditResult(list)) => assert_eq!(list.len(), 2),
        other => panic!("{other:?}"),
    }
    // Subtract * of the first context: both go, the context is deleted.
    let r = replies(gw.execute(3, vec![action(ctx, vec![subtract("*")])]).await);
    assert_eq!(r[0].commands.len(), 2);
    assert_eq!(gw.stats().contexts, 1);
    assert_eq!(gw.stats().terminations, 1);
    // The deleted context is now unknown: 411.
    let r = replies(gw.execute(3, vec![action(ctx, vec![subtract("*")])]).await);
    assert_eq!(error_code(&r), Some(411));
    // Subtract * in ALL empties the gateway.
    replies(
        gw.execute(3, vec![action(ContextId::ALL, vec![subtract("*")])])
            .await,
    );
    assert_eq!(gw.stats().contexts, 0);
    assert_eq!(sim.allocated(), 0);
}

/// A bare `$` lets the MG choose the termination (H.248.1 clause 6.2): it
/// takes the first ephemeral kind (`ip/`); an unknown prefix is still 430.
#[tokio::test(start_paused = true)]
async fn bare_choose_takes_the_first_ephemeral_kind() {
    let (gw, _sim) = gateway(Profile::iq(), |_, _| {});
    let add_as = |name: &str| {
        let mut add = add_ip(true);
        if let Command::Add(amm) = &mut add {
            amm.termination_ids = small_list![TerminationId::from(name)];
        }
        gw.execute(3, vec![action(ContextId::CHOOSE, vec![add])])
    };
    let r = replies(add_as("$").await);
    assert_eq!(error_code(&r), None, "{r:?}");
    let (_, id) = added(&r);
    assert!(id.as_str().starts_with("ip/"), "{id}");
    let r = replies(add_as("tdm/$").await);
    assert_eq!(error_code(&r), Some(430));
}

/// Under BER (bit-string termination IDs, H.248.1 A.1) CHOOSE names each
/// ephemeral termination in the levels its prefix leaves, so that every
/// reply can be encoded; numbers wrap past the top, and when every name is
/// taken the Add is refused with 510 instead of looping.
#[tokio::test(start_paused = true)]
async fn choose_under_ber_makes_bit_string_ids() {
    use h248_stack::ber::{BinaryTerminationId, BitStringMapping, TerminationIdMapping};
    use h248d::gateway::EphemeralNaming;
    let (gw, _) = gateway(Profile::iq(), |c, _| {
        // Levels of 8, 6 and 2 bits (whole octets, as BER needs): a prefix
        // of the first two leaves 2 bits, room for 3 names.
        c.ephemeral_naming = EphemeralNaming::BitString {
            level_bits: vec![8, 6, 2],
        };
        c.ephemeral_prefixes = vec![Text::from("00000001/111111/")];
    });
    let mapping = BitStringMapping::with_levels(&[8, 6, 2]).unwrap();
    let add_bare = || {
        let mut add = add_ip(false);
        if let Command::Add(amm) = &mut add {
            amm.termination_ids = small_list![TerminationId::from("$")];
        }
        gw.execute(3, vec![action(ContextId::CHOOSE, vec![add])])
    };
    let mut names = Vec::new();
    for _ in 0..3 {
        let r = replies(add_bare().await);
        assert_eq!(error_code(&r), None, "{r:?}");
        let (_, id) = added(&r);
        let mut binary = BinaryTerminationId::default();
        mapping
            .to_binary(&id, &mut binary)
            .unwrap_or_else(|e| panic!("{id} has no binary form: {e}"));
        names.push(id.as_str().to_string());
    }
    names.sort();
    assert_eq!(
        names,
        [
            "00000001/111111/01",
            "00000001/111111/10",
            "00000001/111111/11"
        ]
    );
    let r = replies(add_bare().await);
    assert_eq!(error_code(&r), Some(510), "{r:?}");
    // A freed name is found again after the wrap.
    let r = replies(
        gw.execute(
            3,
            vec![action(ContextId::ALL, vec![subtract("00000001/111111/10")])],
        )
        .await,
    );
    assert_eq!(error_code(&r), None, "{r:?}");
    let r = replies(add_bare().await);
    assert_eq!(added(&r).1.as_str(), "00000001/111111/10");
}

#[tokio::test(start_paused = true)]
async fn error_codes_scoped_to_their_command() {
    let (gw, _) = gateway(Profile::mp(), |c, _| {
        c.physical = vec![TerminationId::from("tdm/1")];
    });
    let r = replies(
        gw.execute(3, vec![action(ContextId::CHOOSE, vec![add_ip(true)])])
            .await,
    );
    let (ctx, id) = added(&r);
    let r = replies(
        gw.execute(3, vec![action(ContextId::CHOOSE, vec![add_ip(false)])])
            .await,
    );
    let (_, other) = added(&r);
    let c = ContextId(ctx);
    let modify = |id: &str, descriptors: Vec<AmmDescriptor>| {
        Command::Modify(AmmRequest {
            termination_ids: small_list![TerminationId::from(id)],
            descriptors,
        })
    };
    let media_lc = |props: Vec<PropertyParm>| {
        AmmDescriptor::Media(MediaDescriptor {
            termination_state: None,
            streams: Some(Streams::One(StreamParms {
                local_control: Some(LocalControlDescriptor {
                    property_parms: props,
                    ..Default::default()
                }),
                ..Default::default()
            })),
        })
    };
    let signal =
        |name: &str| AmmDescriptor::Signals(vec![SignalRequest::Signal(Signal::named(name))]);
    let event = |name: &str| {
        AmmDescriptor::Events(EventsDescriptor {
            request_id: Some(RequestId(1)),
            events: vec![RequestedEvent {
                name: Text::from(name),
                stream_id: None,
                actions: RequestedActions::default(),
                params: Vec::new(),
            }],
        })
    };
    let cases: Vec<(u16, ActionRequest)> = vec![
        (411, action(ContextId(999), vec![subtract("ip/1")])),
        (421, action(ContextId::NULL, vec![add_ip(false)])),
        (430, action(c, vec![modify("ip/999", vec![])])),
        (
            430,
            action(
                ContextId::CHOOSE,
                vec![Command::Add(AmmRequest {
                    termination_ids: small_list![TerminationId::from("nosuch/$")],
                    descriptors: vec![],
                })],
            ),
        ),
        (431, action(c, vec![modify("rtp/*", vec![])])),
        (
            433,
            action(
                c,
                vec![Command::Add(AmmRequest {
                    termination_ids: small_list![other.clone()],
                    descriptors: vec![],
                })],
            ),
        ),
        (435, action(c, vec![modify(other.as_str(), vec![])])),
        (
            440,
            action(c, vec![modify(id.as_str(), vec![signal("zzpkg/x")])]),
        ),
        (442, action(c, vec![modify("ip/$", vec![])])),
        (
            443,
            action(
                c,
                vec![Command::Notify(NotifyRequest {
                    termination_ids: small_list![id.clone()],
                    observed_events: ObservedEventsDescriptor {
                        request_id: RequestId(1),
                        events: vec![],
                    },
                    error: None,
                })],
            ),
        ),
        (
            444,
            action(
                c,
                vec![modify(
                    id.as_str(),
                    vec![AmmDescriptor::Mux(MuxDescriptor {
                        mux_type: MuxType::H221,
                        termination_ids: small_list![],
                        non_standard: None,
                    })],
                )],
            ),
        ),
        (
            450,
            action(
                c,
                vec![modify(
                    id.as_str(),
                    vec![media_lc(vec![PropertyParm::equal("g/zz", "1")])],
                )],
            ),
        ),
        (
            447,
            action(ContextId::NULL, vec![modify("ROOT", vec![signal("cg/rt")])]),
        ),
        (
            448,
            action(
                c,
                vec![modify(id.as_str(), vec![signal("cg/rt"), signal("cg/rt")])],
            ),
        ),
        (
            449,
            action(
                c,
                vec![modify(
                    id.as_str(),
                    vec![AmmDescriptor::Media(MediaDescriptor {
                        termination_state: None,
                        streams: Some(Streams::One(StreamParms {
                            remote: Some(sdp(&[
                                ('v', "0"),
                                ('c', "IN IP4 $"),
                                ('m', "audio $ RTP/AVP 0"),
                            ])),
                            ..Default::default()
                        })),
                    })],
                )],
            ),
        ),
        (
            451,
            action(c, vec![modify(id.as_str(), vec![event("g/nosuch")])]),
        ),
        (
            452,
            action(c, vec![modify(id.as_str(), vec![signal("cg/nosuch")])]),
        ),
        (
            520,
            action(c, vec![modify(id.as_str(), vec![event("dd/ce")])]),
        ),
        (421, action(ContextId::NULL, vec![subtract("tdm/1")])),
    ];
    for (code, request) in cases {
        let r = replies(gw.execute(3, vec![request.clone()]).await);
        assert_eq!(error_code(&r), Some(code), "{request:?} -> {r:?}");
    }
    // The failed command stops the transaction; an optional one does not.
    let mut failing = action(c, vec![modify("ip/999", vec![]), subtract(id.as_str())]);
    let r = replies(gw.execute(3, vec![failing.clone()]).await);
    assert_eq!(r[0].commands.len(), 1);
    assert_eq!(gw.stats().terminations, 2);
    failing.commands[0].optional = true;
    let r = replies(gw.execute(3, vec![failing]).await);
    assert_eq!(r[0].commands.len(), 2);
    assert_eq!(gw.stats().terminations, 1);
    // The version outside the Iq profile is a transaction error (406).
    let (iq, _) = gateway(Profile::iq(), |_, _| {});
    match iq.execute(1, vec![]).await {
        TransactionResult::Error(e) => assert_eq!(e.code, 406),
        other => panic!("{other:?}"),
    }
    // Iq: W- on Modify is 501 by the profile.
    let r = replies(
        iq.execute(3, vec![action(ContextId::CHOOSE, vec![add_ip(false)])])
            .await,
    );
    let (iq_ctx, _) = added(&r);
    let mut w = CommandRequest::new(modify("ip/*", vec![]));
    w.wildcard_return = true;
    let r = replies(
        iq.execute(
            3,
            vec![ActionRequest {
                context_id: ContextId(iq_ctx),
                context_request: None,
                context_attr_audit: None,
                commands: vec![w],
            }],
        )
        .await,
    );
    assert_eq!(error_code(&r), Some(501));
}

#[tokio::test(start_paused = true)]
async fn resource_limits_answer_412_434_510() {
    let (gw, _) = gateway(Profile::mp(), |c, sim| {
        c.max_contexts = 2;
        c.max_terminations_per_context = 2;
        c.max_terminations = 4;
        sim.pools = vec![Pool {
            realm: None,
            address: IpAddr::from([192, 0, 2, 1]),
            first_port: 1000,
            last_port: 1003,
        }];
    });
    let r = replies(
        gw.execute(
            3,
            vec![action(ContextId::CHOOSE, vec![add_ip(true), add_ip(true)])],
        )
        .await,
    );
    let ctx = r[0].context_id;
    let r = replies(gw.execute(3, vec![action(ctx, vec![add_ip(false)])]).await);
    assert_eq!(error_code(&r), Some(434));
    // The address pool (2 pairs) is exhausted: 510, and no context is left behind.
    let r = replies(
        gw.execute(3, vec![action(ContextId::CHOOSE, vec![add_ip(true)])])
            .await,
    );
    assert_eq!(error_code(&r), Some(510));
    assert_eq!(gw.stats().contexts, 1);
    replies(
        gw.execute(3, vec![action(ContextId::CHOOSE, vec![add_ip(false)])])
            .await,
    );
    let r = replies(
        gw.execute(3, vec![action(ContextId::CHOOSE, vec![add_ip(false)])])
            .await,
    );
    assert_eq!(error_code(&r), Some(412));
    assert!(gw.stats().backend_errors >= 1);
}

mod leaks {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Add { ctx: u8, local: bool },
        Modify { ctx: u8, term: u8 },
        Subtract { ctx: u8, term: u8 },
        Move { ctx: u8, term: u8 },
        Tone { ctx: u8, term: u8 },
        Audit { ctx: u8 },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0u8..6, any::<bool>()).prop_map(|(ctx, local)| Op::Add { ctx, local }),
            (0u8..6, 0u8..12).prop_map(|(ctx, term)| Op::Modify { ctx, term }),
            (0u8..6, 0u8..12).prop_map(|(ctx, term)| Op::Subtract { ctx, term }),
            (0u8..6, 0u8..12).prop_map(|(ctx, term)| Op::Move { ctx, term }),
            (0u8..6, 0u8..12).prop_map(|(ctx, term)| Op::Tone { ctx, term }),
            (0u8..6).prop_map(|ctx| Op::Audit { ctx }),
        ]
    }

    fn context(n: u8) -> ContextId {
        match n {
            0 => ContextId::CHOOSE,
            1 => ContextId::ALL,
            2 => ContextId::NULL,
            n => ContextId(u32::from(n) - 2),
        }
    }

    fn term(n: u8) -> String {
        if n == 0 {
            "*".into()
        } else {
            format!("ip/{n}")
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn random_sequences_never_panic_nor_leak(ops in proptest::collection::vec(op(), 1..40)) {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().start_paused(true).build().unwrap();
            rt.block_on(async {
                let (gw, sim) = gateway(Profile::mp(), |c, _| {
                    c.max_contexts = 3;
                    c.max_terminations_per_context = 3;
                });
                for op in ops {
                    let request = match op {
                        Op::Add { ctx, local } => action(context(ctx), vec![add_ip(local)]),
                        Op::Modify { ctx, term: t } => action(context(ctx), vec![Command::Modify(AmmRequest {
                            termination_ids: small_list![TerminationId::from(term(t).as_str())],
                            descriptors: vec![AmmDescriptor::Signals(vec![])],
                        })]),
                        Op::Subtract { ctx, term: t } => action(context(ctx), vec![subtract(&term(t))]),
                        Op::Move { ctx, term: t } => action(context(ctx), vec![Command::Move(AmmRequest {
                            termination_ids: small_list![TerminationId::from(term(t).as_str())],
                            descriptors: vec![],
                        })]),
                        Op::Tone { ctx, term: t } => send_tone(context(ctx).0, &TerminationId::from(term(t).as_str()), 50),
                        Op::Audit { ctx } => action(context(ctx), vec![Command::AuditValue(AuditRequest {
                            termination_ids: small_list![TerminationId::all()],
                            audit: AuditDescriptor::default(),
                        })]),
                    };
                    let _ = gw.execute(3, vec![request]).await;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    let stats = gw.stats();
                    assert!(stats.contexts <= 3 && stats.terminations <= 9);
                }
                let _ = gw.execute(3, vec![action(ContextId::ALL, vec![subtract("*")])]).await;
                let stats = gw.stats();
                assert_eq!((stats.contexts, stats.terminations), (0, 0));
                assert_eq!(sim.allocated(), 0);
            });
        }
    }
}

// ---- concurrency: no backend call awaited under the engine's lock ----------------------------

/// The sim backend, except that `configure` of one chosen termination
/// waits until the test opens the gate.
struct GatedBackend {
    inner: SimBackend,
    slow: std::sync::Mutex<Option<TerminationId>>,
    gate: tokio::sync::Semaphore,
}

impl h248d::gateway::MediaBackend for GatedBackend {
    fn reserve(
        &self,
        r: h248d::gateway::backend::ReserveRequest,
    ) -> h248d::gateway::backend::BackendFuture<'_, h248d::gateway::backend::Allocation> {
        self.inner.reserve(r)
    }
    fn release(
        &self,
        t: TerminationId,
        s: StreamId,
    ) -> h248d::gateway::backend::BackendFuture<'_, ()> {
        self.inner.release(t, s)
    }
    fn configure(
        &self,
        setup: h248d::gateway::backend::StreamSetup,
    ) -> h248d::gateway::backend::BackendFuture<'_, ()> {
        Box::pin(async move {
            let slow = self.slow.lock().unwrap().clone();
            if slow.as_ref() == Some(&setup.termination) {
                self.gate.acquire().await.expect("gate open").forget();
            }
            self.inner.configure(setup).await
        })
    }
    fn start_signal(
        &self,
        s: h248d::gateway::backend::SignalStart,
    ) -> h248d::gateway::backend::BackendFuture<'_, ()> {
        self.inner.start_signal(s)
    }
    fn stop_signal(
        &self,
        t: TerminationId,
        id: u64,
    ) -> h248d::gateway::backend::BackendFuture<'_, ()> {
        self.inner.stop_signal(t, id)
    }
    fn detect_events(
        &self,
        t: TerminationId,
        names: Vec<Text>,
    ) -> h248d::gateway::backend::BackendFuture<'_, ()> {
        self.inner.detect_events(t, names)
    }
    fn statistics(
        &self,
        t: TerminationId,
    ) -> h248d::gateway::backend::BackendFuture<'_, Vec<StatisticsParameter>> {
        self.inner.statistics(t)
    }
    fn forget(&self, t: TerminationId) -> h248d::gateway::backend::BackendFuture<'_, ()> {
        self.inner.forget(t)
    }
    fn can_detect(&self, name: &str) -> bool {
        self.inner.can_detect(name)
    }
    fn can_generate(&self, name: &str) -> bool {
        self.inner.can_generate(name)
    }
    fn take_events(
        &self,
    ) -> Option<tokio::sync::mpsc::Receiver<h248d::gateway::backend::BackendEvent>> {
        self.inner.take_events()
    }
}

fn modify_mode(id: &TerminationId, mode: StreamMode) -> Command {
    Command::Modify(AmmRequest {
        termination_ids: small_list![id.clone()],
        descriptors: vec![AmmDescriptor::Media(MediaDescriptor {
            termination_state: None,
            streams: Some(Streams::One(StreamParms {
                local_control: Some(LocalControlDescriptor {
                    stream_mode: Some(mode),
                    ..Default::default()
                }),
                ..Default::default()
            })),
        })],
    })
}

fn audited_mode(replies: &[ActionReply]) -> Option<StreamMode> {
    let CommandReply::AuditValue(AuditReply::Result { audit, .. }) = &replies[0].commands[0] else {
        return None;
    };
    audit.iter().find_map(|a| match a {
        AuditReturnParameter::Media(m) => match &m.streams {
            Some(Streams::Multi(list)) => list[0].parms.local_control.as_ref()?.stream_mode,
            Some(Streams::One(p)) => p.local_control.as_ref()?.stream_mode,
            None => None,
        },
        _ => None,
    })
}

/// A backend call that does not return holds up the transactions of its
/// own context (clause 6.1: a context's commands in order) and nothing
/// else: another context is served meanwhile, and the waiting transaction
/// sees the slow one's outcome.
#[tokio::test]
async fn a_slow_backend_call_holds_up_only_its_own_context() {
    let backend = Arc::new(GatedBackend {
        inner: SimBackend::new(SimConfig::default()),
        slow: std::sync::Mutex::new(None),
        gate: tokio::sync::Semaphore::new(0),
    });
    let gw = Arc::new(Gateway::new(
        GatewayConfig::new(Profile::iq()),
        backend.clone(),
    ));
    let r = replies(
        gw.execute(3, vec![action(ContextId::CHOOSE, vec![add_ip(true)])])
            .await,
    );
    let (ctx, id) = added(&r);
    *backend.slow.lock().unwrap() = Some(id.clone());

    let slow = tokio::spawn(gw.execute(
        3,
        vec![action(
            ContextId(ctx),
            vec![modify_mode(&id, StreamMode::SendRecv)],
        )],
    ));
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!slow.is_finished());

    // Another context: served while the slow call waits.
    let other = tokio::time::timeout(
        Duration::from_secs(5),
        gw.execute(3, vec![action(ContextId::CHOOSE, vec![add_ip(true)])]),
    )
    .await
    .expect("another context is not held up");
    let (other_ctx, _) = added(&replies(other));
    assert_ne!(other_ctx, ctx);

    // The same context: waits for the slow transaction.
    let audit = Command::AuditValue(AuditRequest {
        termination_ids: small_list![id.clone()],
        audit: AuditDescriptor {
            tokens: vec![AuditToken::Media],
            property_tokens: Vec::new(),
        },
    });
    let same = tokio::spawn(gw.execute(3, vec![action(ContextId(ctx), vec![audit])]));
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!same.is_finished(), "same context must wait");

    backend.gate.add_permits(1);
    let r = replies(slow.await.unwrap());
    assert_eq!(error_code(&r), None);
    let r = replies(same.await.unwrap());
    assert_eq!(audited_mode(&r), Some(StreamMode::SendRecv));
    assert_eq!(gw.stats().contexts, 2);
}

/// Backend events are held up only by their own context too: DTMF on one
/// context reaches the MGC while a backend call of another context waits.
#[tokio::test]
async fn events_of_other_contexts_pass_a_slow_backend_call() {
    let backend = Arc::new(GatedBackend {
        inner: SimBackend::new(SimConfig::default()),
        slow: std::sync::Mutex::new(None),
        gate: tokio::sync::Semaphore::new(0),
    });
    let gw = Arc::new(Gateway::new(
        GatewayConfig::new(Profile::mp()),
        backend.clone(),
    ));
    let add = || action(ContextId::CHOOSE, vec![add_ip(true)]);
    let (ctx1, id1) = added(&replies(gw.execute(3, vec![add()]).await));
    let (ctx2, id2) = added(&replies(gw.execute(3, vec![add()]).await));
    for (ctx, id) in [(ctx1, &id1), (ctx2, &id2)] {
        let mut events = EventsIes::new(5);
        events.dtmf = Some(DigitMapIe::Body(Text::from("(1xx)")));
        let detect = mp::DetectDtmf {
            target: Target {
                context: ctx,
                termination: id.clone(),
            },
            events,
        };
        let r = replies(gw.execute(3, vec![detect.request()]).await);
        assert_eq!(error_code(&r), None, "{r:?}");
    }

    *backend.slow.lock().unwrap() = Some(id1.clone());
    let slow = tokio::spawn(gw.execute(
        3,
        vec![action(
            ContextId(ctx1),
            vec![modify_mode(&id1, StreamMode::SendRecv)],
        )],
    ));
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!slow.is_finished());

    // A digit of the held context first: it waits; the other's pass it.
    assert_eq!(backend.inner.inject_digits(&id1, "9"), 1);
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(backend.inner.inject_digits(&id2, "123"), 3);
    let notify = tokio::time::timeout(Duration::from_secs(5), gw.next_request())
        .await
        .expect("the other context's Notify is not held up")
        .expect("a Notify");
    let report = mp::ReportDtmf::read_request(&notify[0]).expect("Report DTMF");
    assert_eq!(report.digits, "123");
    assert!(!slow.is_finished());

    backend.gate.add_permits(1);
    assert_eq!(error_code(&replies(slow.await.unwrap())), None);
}
