//! The control association end to end: an MG association and MGC
//! associations, each beside a real transaction engine, exchanging real
//! text-encoded (Annex B) messages over an in-memory network on simulated
//! time. Deterministic: no sleeps, no clocks, no randomness but the
//! injected MaxWaitDelay value.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use h248_stack::association::{
    self, Association, MgAssociation, MgConfig, MgEvent, MgState, MgcAddress, MgcAssociation,
    MgcConfig, MgcEvent,
};
use h248_stack::model::{
    AmmDescriptor, Command, CommandReply, MId, MegacoMessage, MessageBody, ServiceChangeAddress,
    ServiceChangeMethod, ServiceChangeParm, ServiceChangeProfile, ServiceChangeResParm,
    ServiceChangeResult, Transaction, TransactionId, TransactionResult,
};
use h248_stack::text::{self, Style};
use h248_stack::transaction::{Engine, EngineConfig, Event, Role};

type Peer = String;

const MG: &str = "mg";
const NET_DELAY: Duration = Duration::from_millis(5);

fn domain(name: &str) -> MId {
    MId::Domain {
        name: name.into(),
        port: None,
    }
}

/// Resolver of the test network: `<name>` or `<name>:<port>`.
fn resolve(mid: &MId) -> Option<Peer> {
    match mid {
        MId::Domain { name, port: None } => Some(name.to_string()),
        MId::Domain {
            name,
            port: Some(p),
        } => Some(format!("{name}:{p}")),
        _ => None,
    }
}

struct MgcNode {
    name: String,
    /// Addresses this node receives on besides its name.
    aliases: Vec<String>,
    engine: Engine<Peer>,
    assoc: MgcAssociation<Peer>,
    /// The local address each peer last sent to (replies leave from it, as
    /// from a UDP socket bound to that address).
    local_for: HashMap<Peer, String>,
    events: Vec<(Duration, MgcEvent<Peer>)>,
    app_events: Vec<Event<Peer>>,
}

/// One message as sent: who to whom, at what time, and what.
#[derive(Debug, Clone)]
struct Wire {
    at: Duration,
    from: String,
    to: String,
    message: MegacoMessage,
}

/// A ServiceChange request seen on the wire (first transmission only).
#[derive(Debug, Clone)]
struct SentServiceChange {
    at: Duration,
    from: String,
    to: String,
    header_version: u8,
    parms: ServiceChangeParm,
}

struct World {
    t0: Instant,
    now: Instant,
    mg_engine: Engine<Peer>,
    mg: MgAssociation<Peer>,
    mg_events: Vec<(Duration, MgEvent<Peer>)>,
    mg_app_events: Vec<Event<Peer>>,
    mgcs: Vec<MgcNode>,
    /// (deliver at, from, to address, bytes)
    net: Vec<(Instant, String, String, Vec<u8>)>,
    /// Nodes cut off the network (both ways).
    down: HashSet<String>,
    wire: Vec<Wire>,
}

fn mg_config(names: &[&str]) -> MgConfig<Peer> {
    let mut c = MgConfig::new(
        names
            .iter()
            .map(|n| MgcAddress {
                mid: domain(n),
                peer: n.to_string(),
            })
            .collect(),
    );
    c.max_wait_delay = Duration::from_secs(3);
    c
}

impl World {
    /// An MG and the MGC nodes `mgcs` (name, config); names in
    /// `mg_config.mgcs` without a node never answer.
    fn new(mg_config: MgConfig<Peer>, mgcs: Vec<(&str, MgcConfig)>) -> World {
        let t0 = Instant::now();
        let mg_engine = Engine::new(EngineConfig::new(Role::Mg, domain(MG)));
        // The injected random value: half of MaxWaitDelay.
        let mg = MgAssociation::new(mg_config, Box::new(resolve), Box::new(|| 1u32 << 31));
        let mgcs = mgcs
            .into_iter()
            .map(|(name, config)| MgcNode {
                name: name.to_string(),
                aliases: Vec::new(),
                engine: Engine::new(EngineConfig::new(Role::Mgc, domain(name))),
                assoc: MgcAssociation::new(config),
                local_for: HashMap::new(),
                events: Vec::new(),
                app_events: Vec::new(),
            })
            .collect();
        World {
            t0,
            now: t0,
            mg_engine,
            mg,
            mg_events: Vec::new(),
            mg_app_events: Vec::new(),
            mgcs,
            net: Vec::new(),
            down: HashSet::new(),
            wire: Vec::new(),
        }
    }

    fn elapsed(&self) -> Duration {
        self.now - self.t0
    }

    fn mgc(&mut self, name: &str) -> &mut MgcNode {
        self.mgcs
            .iter_mut()
            .find(|n| n.name == name)
            .expect("no such MGC node")
    }

    fn owner_of(&self, address: &str) -> Option<String> {
        if address == MG {
            return Some(MG.to_string());
        }
        self.mgcs
            .iter()
            .find(|n| n.name == address || n.aliases.iter().any(|a| a == address))
            .map(|n| n.name.clone())
    }

    fn send(&mut self, from: String, to: String, message: MegacoMessage, style: Style) {
        let bytes = text::encode_to_vec(&message, style).expect("association messages encode");
        let decoded = text::decode(&bytes).expect("association messages decode");
        self.wire.push(Wire {
            at: self.elapsed(),
            from: from.clone(),
            to: to.clone(),
            message: decoded,
        });
        self.net.push((self.now + NET_DELAY, from, to, bytes));
    }

    /// Drives every association and engine until nothing more moves.
    fn pump(&mut self) {
        let now = self.now;
        let at = self.elapsed();
        let events = association::dispatch(now, &mut self.mg, &mut self.mg_engine);
        self.mg_app_events.extend(events);
        while let Some(e) = self.mg.poll_event() {
            self.mg_events.push((at, e));
        }
        let mut out = Vec::new();
        while let Some(t) = self.mg_engine.poll_transmit() {
            out.push((MG.to_string(), t.peer, t.message, Style::Pretty));
        }
        for node in &mut self.mgcs {
            let events = association::dispatch(now, &mut node.assoc, &mut node.engine);
            node.app_events.extend(events);
            while let Some(e) = node.assoc.poll_event() {
                node.events.push((at, e));
            }
            while let Some(t) = node.engine.poll_transmit() {
                let from = node
                    .local_for
                    .get(&t.peer)
                    .cloned()
                    .unwrap_or_else(|| node.name.clone());
                out.push((from, t.peer, t.message, Style::Compact));
            }
        }
        for (from, to, message, style) in out {
            self.send(from, to, message, style);
        }
    }

    fn next_wakeup(&mut self) -> Option<Instant> {
        let mut times: Vec<Instant> = self.net.iter().map(|m| m.0).collect();
        times.extend(self.mg_engine.poll_timeout());
        times.extend(self.mg.poll_timeout());
        for node in &mut self.mgcs {
            times.extend(node.engine.poll_timeout());
            times.extend(node.assoc.poll_timeout());
        }
        times.into_iter().min()
    }

    fn deliver_due(&mut self) {
        let now = self.now;
        let (due, later): (Vec<_>, Vec<_>) = self.net.drain(..).partition(|m| m.0 <= now);
        self.net = later;
        for (_, from, to, bytes) in due {
            let Some(owner) = self.owner_of(&to) else {
                continue; // nobody there
            };
            let from_owner = self.owner_of(&from).unwrap_or_default();
            if self.down.contains(&owner) || self.down.contains(&from_owner) {
                continue;
            }
            let message = text::decode(&bytes).expect("decodes");
            if owner == MG {
                self.mg.any_message_received(now, &from);
                self.mg_engine.handle_message(now, from, message);
            } else {
                let node = self.mgc(&owner);
                node.local_for.insert(from.clone(), to.clone());
                node.assoc.any_message_received(now, &from);
                node.engine.handle_message(now, from, message);
            }
        }
    }

    fn handle_timeouts(&mut self) {
        let now = self.now;
        self.mg_engine.handle_timeout(now);
        self.mg.handle_timeout(now);
        for node in &mut self.mgcs {
            node.engine.handle_timeout(now);
            node.assoc.handle_timeout(now);
        }
    }

    /// Runs simulated time until `stop` holds (true) or `limit` more time
    /// has passed (false).
    fn run_until(&mut self, limit: Duration, mut stop: impl FnMut(&World) -> bool) -> bool {
        let deadline = self.now + limit;
        loop {
            self.pump();
            if stop(self) {
                return true;
            }
            match self.next_wakeup() {
                Some(t) if t <= deadline => self.now = self.now.max(t),
                _ => {
                    self.now = deadline;
                    self.pump();
                    return stop(self);
                }
            }
            self.deliver_due();
            self.handle_timeouts();
        }
    }

    fn run_for(&mut self, d: Duration) {
        self.run_until(d, |_| false);
    }

    fn registered(&self) -> bool {
        self.mg.state() == MgState::Registered
    }

    /// ServiceChange requests as first sent (retransmissions left out).
    fn service_changes(&self) -> Vec<SentServiceChange> {
        let mut seen: HashSet<(String, String, TransactionId)> = HashSet::new();
        let mut out = Vec::new();
        for w in &self.wire {
            let MessageBody::Transactions(ts) = &w.message.message.body else {
                continue;
            };
            for t in ts {
                let Transaction::Request(r) = t else { continue };
                if !seen.insert((w.from.clone(), w.to.clone(), r.transaction_id)) {
                    continue;
                }
                for a in &r.actions {
                    for c in &a.commands {
                        if let Command::ServiceChange(sc) = &c.command {
                            assert!(sc.termination_ids[0].is_root());
                            out.push(SentServiceChange {
                                at: w.at,
                                from: w.from.clone(),
                                to: w.to.clone(),
                                header_version: w.message.message.version,
                                parms: sc.parms.clone(),
                            });
                        }
                    }
                }
            }
        }
        out
    }

    /// Requests of any kind sent by `from`, first transmissions, with the
    /// header version.
    fn requests_from(&self, from: &str) -> Vec<(Duration, String, u8, Command)> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for w in self.wire.iter().filter(|w| w.from.starts_with(from)) {
            let MessageBody::Transactions(ts) = &w.message.message.body else {
                continue;
            };
            for t in ts {
                if let Transaction::Request(r) = t {
                    if seen.insert((w.to.clone(), r.transaction_id)) {
                        for a in &r.actions {
                            for c in &a.commands {
                                out.push((
                                    w.at,
                                    w.to.clone(),
                                    w.message.message.version,
                                    c.command.clone(),
                                ));
                            }
                        }
                    }
                }
            }
        }
        out
    }

    /// ServiceChange reply parameters sent by `from`.
    fn service_change_replies(&self, from: &str) -> Vec<ServiceChangeResult> {
        let mut out = Vec::new();
        for w in self.wire.iter().filter(|w| w.from.starts_with(from)) {
            let MessageBody::Transactions(ts) = &w.message.message.body else {
                continue;
            };
            for t in ts {
                if let Transaction::Reply(r) = t {
                    if let TransactionResult::ActionReplies(ars) = &r.result {
                        for a in ars {
                            for c in &a.commands {
                                if let CommandReply::ServiceChange(sc) = c {
                                    out.push(sc.result.clone());
                                }
                            }
                        }
                    }
                }
            }
        }
        out
    }

    fn mg_saw(&self, f: impl Fn(&MgEvent<Peer>) -> bool) -> bool {
        self.mg_events.iter().any(|(_, e)| f(e))
    }
}

fn restart(reason: &str, version: u8) -> ServiceChangeParm {
    let mut p = ServiceChangeParm::new(ServiceChangeMethod::Restart, reason);
    p.version = Some(version);
    p
}

fn profile(name: &str, version: u8) -> ServiceChangeProfile {
    ServiceChangeProfile {
        name: name.into(),
        version,
    }
}

/// Registers the MG with its primary and checks it did.
fn registered_world(mg: MgConfig<Peer>, mgcs: Vec<(&str, MgcConfig)>) -> World {
    let mut w = World::new(mg, mgcs);
    assert!(w.mg.start(w.now));
    assert!(w.run_until(Duration::from_secs(60), World::registered));
    w
}

#[test]
fn first_registration() {
    let mut mg = mg_config(&["mgc-a"]);
    mg.profile = Some(profile("TestProf", 1));
    let mut mgc = MgcConfig::new();
    mgc.profiles = vec![profile("testprof", 1)];
    let mut w = World::new(mg, vec![("mgc-a", mgc)]);
    assert_eq!(w.mg.state(), MgState::Idle);
    assert!(w.mg.start(w.now));
    assert_eq!(w.mg.state(), MgState::Waiting);
    assert!(w.run_until(Duration::from_secs(10), World::registered));

    let scs = w.service_changes();
    assert_eq!(scs.len(), 1, "{scs:?}");
    let sc = &scs[0];
    assert_eq!((sc.from.as_str(), sc.to.as_str()), (MG, "mgc-a"));
    // Clause 11.2: the random wait before the first registration (half of
    // MaxWaitDelay here), then Restart / 901 / the highest version.
    assert_eq!(sc.at, Duration::from_millis(1500));
    assert_eq!(sc.header_version, 3);
    let mut expected = restart("901", 3);
    expected.profile = Some(profile("TestProf", 1));
    assert_eq!(sc.parms, expected);

    let replies = w.service_change_replies("mgc-a");
    assert_eq!(
        replies,
        vec![ServiceChangeResult::Parms(ServiceChangeResParm {
            version: Some(3),
            profile: Some(profile("TestProf", 1)),
            ..Default::default()
        })]
    );
    assert_eq!(w.mg.version(), Some(3));
    assert_eq!(w.mg.peer().map(String::as_str), Some("mgc-a"));
    assert_eq!(w.mg.profile(), Some(&profile("TestProf", 1)));
    assert!(w.mg_saw(
        |e| matches!(e, MgEvent::Registered { mgc, version: 3, .. } if *mgc == domain("mgc-a"))
    ));
    let record = w
        .mgc("mgc-a")
        .assoc
        .record(&MG.to_string())
        .cloned()
        .unwrap();
    assert_eq!(record.version, 3);
    assert_eq!(record.method, ServiceChangeMethod::Restart);
    assert_eq!(record.reason, "901");
    assert!(w.mg_app_events.is_empty() && w.mgc("mgc-a").app_events.is_empty());
}

#[test]
fn retry_then_move_to_the_second_mgc() {
    let mut mg = mg_config(&["mgc-a", "mgc-b"]);
    mg.restart_reason = association::REASON_WARM_BOOT;
    mg.attempts_per_mgc = 2;
    mg.retry_delay = Duration::from_secs(1);
    // mgc-a has no node: it never answers.
    let mut w = World::new(mg, vec![("mgc-b", MgcConfig::new())]);
    w.mg.start(w.now);
    assert!(w.run_until(Duration::from_secs(300), World::registered));

    let scs = w.service_changes();
    let targets: Vec<&str> = scs.iter().map(|s| s.to.as_str()).collect();
    assert_eq!(targets, ["mgc-a", "mgc-a", "mgc-b"]);
    for sc in &scs {
        assert_eq!(sc.parms, restart("902", 3));
        assert_eq!(sc.header_version, 3);
    }
    // The second attempt waits for the first to time out (Annex D), then
    // the retry delay.
    assert!(scs[1].at >= scs[0].at + Duration::from_secs(1));
    let failures = w
        .mg_events
        .iter()
        .filter(|(_, e)| matches!(e, MgEvent::AttemptFailed { mgc } if *mgc == domain("mgc-a")))
        .count();
    assert_eq!(failures, 2);
    assert_eq!(w.mg.mgc(), Some(&domain("mgc-b")));
    assert!(w.mgc("mgc-b").assoc.is_registered(&MG.to_string()));
}

#[test]
fn redirection_via_service_change_mgc_id_and_address() {
    let mut a = MgcConfig::new();
    a.redirect_to = Some(domain("mgc-b"));
    let mut b = MgcConfig::new();
    b.reply_address = Some(ServiceChangeAddress::Port(2945));
    let mut w = World::new(mg_config(&["mgc-a"]), vec![("mgc-a", a), ("mgc-b", b)]);
    w.mgc("mgc-b").aliases.push("mgc-b:2945".into());
    w.mg.start(w.now);
    assert!(w.run_until(Duration::from_secs(10), World::registered));

    let scs = w.service_changes();
    let got: Vec<(&str, &ServiceChangeParm)> =
        scs.iter().map(|s| (s.to.as_str(), &s.parms)).collect();
    let expected = restart("901", 3);
    assert_eq!(got, [("mgc-a", &expected), ("mgc-b", &expected)]);
    assert_eq!(
        w.service_change_replies("mgc-a"),
        vec![ServiceChangeResult::Parms(ServiceChangeResParm {
            mgc_id: Some(domain("mgc-b")),
            ..Default::default()
        })]
    );
    assert!(w.mg_saw(|e| *e
        == MgEvent::Redirected {
            from: domain("mgc-a"),
            to: domain("mgc-b")
        }));
    assert!(!w.mgc("mgc-a").assoc.is_registered(&MG.to_string()));
    assert!(w.mgc("mgc-b").assoc.is_registered(&MG.to_string()));
    // ServiceChangeAddress: later messages go to the port given.
    assert_eq!(w.mg.mgc(), Some(&domain("mgc-b")));
    assert_eq!(w.mg.peer().map(String::as_str), Some("mgc-b:2945"));
    let now = w.now;
    assert!(w.mg.forced(now));
    w.run_for(Duration::from_secs(1));
    let last = w.service_changes().pop().unwrap();
    assert_eq!(last.to, "mgc-b:2945");
    assert_eq!(
        last.parms,
        ServiceChangeParm::new(ServiceChangeMethod::Forced, "905")
    );
    assert!(!w.mgc("mgc-b").assoc.is_registered(&MG.to_string()));
}

fn negotiate_down_to(version: u8) {
    let mut mgc = MgcConfig::new();
    mgc.version = version;
    let mut w = registered_world(mg_config(&["mgc-a"]), vec![("mgc-a", mgc)]);
    let scs = w.service_changes();
    assert_eq!(scs[0].parms.version, Some(3));
    assert_eq!(
        w.service_change_replies("mgc-a"),
        vec![ServiceChangeResult::Parms(ServiceChangeResParm {
            version: Some(version),
            ..Default::default()
        })]
    );
    assert_eq!(w.mg.version(), Some(version));
    assert_eq!(
        w.mgc("mgc-a")
            .assoc
            .record(&MG.to_string())
            .unwrap()
            .version,
        version
    );
    // Clause 11.3: every later message uses the negotiated version.
    let now = w.now;
    w.mg.graceful(now, Duration::from_secs(2));
    w.run_for(Duration::from_secs(3));
    let last = w.service_changes().pop().unwrap();
    assert_eq!(last.parms.method, ServiceChangeMethod::Graceful);
    assert_eq!(last.header_version, version);
}

#[test]
fn version_negotiated_down_to_1() {
    negotiate_down_to(1);
}

#[test]
fn version_negotiated_down_to_2() {
    negotiate_down_to(2);
}

#[test]
fn version_not_supported_406_then_next_mgc() {
    let mut mg = mg_config(&["mgc-a", "mgc-b"]);
    mg.version = 2;
    let mut a = MgcConfig::new();
    a.min_version = 3;
    let mut w = World::new(mg, vec![("mgc-a", a), ("mgc-b", MgcConfig::new())]);
    w.mg.start(w.now);
    assert!(w.run_until(Duration::from_secs(10), World::registered));

    let scs = w.service_changes();
    let got: Vec<(&str, u8, Option<u8>)> = scs
        .iter()
        .map(|s| (s.to.as_str(), s.header_version, s.parms.version))
        .collect();
    // 406 at version 2, again at version 1, then the next MGC at 2.
    assert_eq!(
        got,
        [
            ("mgc-a", 2, Some(2)),
            ("mgc-a", 1, Some(1)),
            ("mgc-b", 2, Some(2))
        ]
    );
    let refusals: Vec<u16> = w
        .service_change_replies("mgc-a")
        .iter()
        .map(|r| match r {
            ServiceChangeResult::Error(e) => e.code,
            ServiceChangeResult::Parms(_) => 0,
        })
        .collect();
    assert_eq!(refusals, [406, 406]);
    assert!(w.mg_saw(|e| matches!(e, MgEvent::Refused { mgc, error } if *mgc == domain("mgc-a") && error.code == 406)));
    assert!(w.mgc("mgc-a").events.iter().any(
        |(_, e)| matches!(e, MgcEvent::RegistrationRefused { error, .. } if error.code == 406)
    ));
    assert_eq!(w.mg.version(), Some(2));
    assert_eq!(w.mg.mgc(), Some(&domain("mgc-b")));
}

#[test]
fn profile_refused_with_461() {
    let mut mg = mg_config(&["mgc-a"]);
    mg.profile = Some(profile("Other", 1));
    mg.max_rounds = Some(1);
    let mut a = MgcConfig::new();
    a.profiles = vec![profile("Mine", 2)];
    let mut w = World::new(mg, vec![("mgc-a", a)]);
    w.mg.start(w.now);
    assert!(w.run_until(Duration::from_secs(10), |w| w.mg.state() == MgState::Failed));
    assert!(w.mg_saw(|e| matches!(e, MgEvent::Refused { error, .. } if error.code == 461)));
    assert!(w.mg_saw(|e| *e == MgEvent::Failed));
}

#[test]
fn handoff_from_the_mgc() {
    let mut w = registered_world(
        mg_config(&["mgc-a", "mgc-b"]),
        vec![("mgc-a", MgcConfig::new()), ("mgc-b", MgcConfig::new())],
    );
    let now = w.now;
    assert!(w
        .mgc("mgc-a")
        .assoc
        .handoff(now, &MG.to_string(), domain("mgc-b")));
    assert!(w.run_until(Duration::from_secs(10), |w| w.registered()
        && w.mg.mgc() == Some(&domain("mgc-b"))));

    let scs = w.service_changes();
    let from_a = scs.iter().find(|s| s.from == "mgc-a").unwrap();
    let mut handoff = ServiceChangeParm::new(ServiceChangeMethod::HandOff, "903");
    handoff.mgc_id = Some(domain("mgc-b"));
    assert_eq!((from_a.to.as_str(), &from_a.parms), (MG, &handoff));
    let to_b = scs.iter().find(|s| s.to == "mgc-b").unwrap();
    let mut expected = ServiceChangeParm::new(ServiceChangeMethod::HandOff, "903");
    expected.version = Some(3);
    assert_eq!(to_b.parms, expected);
    assert!(to_b.at >= from_a.at);
    assert!(w.mg_saw(|e| *e
        == MgEvent::HandoffRequested {
            from: domain("mgc-a"),
            to: domain("mgc-b")
        }));
    let mg = MG.to_string();
    assert!(w.mgc("mgc-a").events.iter().any(|(_, e)| *e
        == MgcEvent::HandedOff {
            peer: mg.clone(),
            to: domain("mgc-b")
        }));
    assert!(!w.mgc("mgc-a").assoc.is_registered(&mg));
    assert_eq!(
        w.mgc("mgc-b").assoc.record(&mg).unwrap().method,
        ServiceChangeMethod::HandOff
    );
}

fn inactivity_world(reconnect_attempts: u32) -> World {
    let mut mg = mg_config(&["mgc-a", "mgc-b"]);
    mg.reconnect_attempts = reconnect_attempts;
    let mut a = MgcConfig::new();
    a.inactivity_timer = Some(Duration::from_secs(5));
    let mut w = registered_world(mg, vec![("mgc-a", a), ("mgc-b", MgcConfig::new())]);
    w.run_for(Duration::from_millis(100));
    // H.248.14: the MGC armed the timer with mit in units of 10 ms.
    let modify = w
        .requests_from("mgc-a")
        .into_iter()
        .find_map(|(_, _, _, c)| match c {
            Command::Modify(m) => Some(m),
            _ => None,
        })
        .expect("Modify ROOT with it/ito");
    assert!(modify.termination_ids[0].is_root());
    let AmmDescriptor::Events(events) = &modify.descriptors[0] else {
        panic!("not an Events descriptor");
    };
    assert_eq!(events.events[0].name, "it/ito");
    assert_eq!(events.events[0].params[0].name, "mit");
    assert_eq!(events.events[0].params[0].value.as_single(), Some("500"));
    assert_eq!(w.mg.inactivity(), Some(Duration::from_secs(5)));

    // A quiet MGC: the MG notifies it/ito, the MGC answers, all stays up.
    w.run_for(Duration::from_secs(6));
    assert!(w
        .mgc("mgc-a")
        .events
        .iter()
        .any(|(_, e)| matches!(e, MgcEvent::InactivityNotify { .. })));
    assert!(w.registered());
    let notifies = w
        .requests_from(MG)
        .into_iter()
        .filter(|(_, to, _, c)| to == "mgc-a" && matches!(c, Command::Notify(n) if n.observed_events.events[0].name == "it/ito" && n.termination_ids[0].is_root()))
        .count();
    assert_eq!(notifies, 1);
    w
}

#[test]
fn mgc_loss_detected_by_inactivity_timer_then_failover() {
    let mut w = inactivity_world(0);
    let lost_at = w.elapsed();
    w.down.insert("mgc-a".into());
    assert!(w.run_until(Duration::from_secs(120), |w| w.registered()
        && w.mg.mgc() == Some(&domain("mgc-b"))));
    assert!(w.mg_saw(|e| *e
        == MgEvent::MgcLost {
            mgc: domain("mgc-a"),
            peer: "mgc-a".into()
        }));
    let failover = w.service_changes().pop().unwrap();
    assert!(failover.at > lost_at + Duration::from_secs(5));
    assert_eq!(failover.to, "mgc-b");
    // Clause 11.5: Failover, MGC Impending Failure, from the secondary.
    let mut expected = ServiceChangeParm::new(ServiceChangeMethod::Failover, "909");
    expected.version = Some(3);
    assert_eq!(failover.parms, expected);
    assert_eq!(
        w.mgc("mgc-b").assoc.record(&MG.to_string()).unwrap().method,
        ServiceChangeMethod::Failover
    );
}

#[test]
fn mgc_loss_then_disconnected_900_when_it_comes_back() {
    let mut w = inactivity_world(1);
    w.down.insert("mgc-a".into());
    assert!(w.run_until(Duration::from_secs(120), |w| w
        .mg_saw(|e| matches!(e, MgEvent::MgcLost { .. }))));
    // Connectivity regained.
    w.down.clear();
    assert!(w.run_until(Duration::from_secs(60), World::registered));
    let sc = w.service_changes().pop().unwrap();
    assert_eq!(sc.to, "mgc-a");
    // Clause 11.4.
    let mut expected = ServiceChangeParm::new(ServiceChangeMethod::Disconnected, "900");
    expected.version = Some(3);
    assert_eq!(sc.parms, expected);
    assert_eq!(w.mg.mgc(), Some(&domain("mgc-a")));
    assert_eq!(
        w.mgc("mgc-a").assoc.record(&MG.to_string()).unwrap().method,
        ServiceChangeMethod::Disconnected
    );
}

#[test]
fn graceful_shutdown_with_delay() {
    let mut w = registered_world(mg_config(&["mgc-a"]), vec![("mgc-a", MgcConfig::new())]);
    let start = w.elapsed();
    let now = w.now;
    assert!(w.mg.graceful(now, Duration::from_secs(10)));
    w.run_for(Duration::from_secs(5));
    let sc = w.service_changes().pop().unwrap();
    let mut expected = ServiceChangeParm::new(ServiceChangeMethod::Graceful, "905");
    expected.delay = Some(10);
    assert_eq!(sc.parms, expected);
    assert_eq!(sc.at, start);
    let mg = MG.to_string();
    assert!(w.mgc("mgc-a").events.iter().any(|(_, e)| *e
        == MgcEvent::MgGoingOutOfService {
            peer: mg.clone(),
            delay: Duration::from_secs(10)
        }));
    // Still in service during the delay, on both sides.
    assert_eq!(w.mg.state(), MgState::Registered);
    assert!(w.mgc("mgc-a").assoc.is_registered(&mg));
    w.run_for(Duration::from_secs(6));
    assert_eq!(w.mg.state(), MgState::OutOfService);
    let out_at = w
        .mg_events
        .iter()
        .find(|(_, e)| *e == MgEvent::OutOfService { by_mgc: false })
        .map(|(t, _)| *t)
        .unwrap();
    assert_eq!(out_at, start + Duration::from_secs(10));
    assert!(!w.mgc("mgc-a").assoc.is_registered(&mg));
    assert!(w
        .mgc("mgc-a")
        .events
        .iter()
        .any(|(_, e)| *e == MgcEvent::MgOutOfService { peer: mg.clone() }));
}

#[test]
fn forced_from_the_mgc_takes_the_mg_out_of_service() {
    let mut w = registered_world(mg_config(&["mgc-a"]), vec![("mgc-a", MgcConfig::new())]);
    let now = w.now;
    assert!(w
        .mgc("mgc-a")
        .assoc
        .out_of_service(now, &MG.to_string(), Duration::ZERO));
    assert!(w.run_until(Duration::from_secs(5), |w| w.mg.state()
        == MgState::OutOfService));
    let sc = w.service_changes().pop().unwrap();
    assert_eq!((sc.from.as_str(), sc.to.as_str()), ("mgc-a", MG));
    assert_eq!(
        sc.parms,
        ServiceChangeParm::new(ServiceChangeMethod::Forced, "905")
    );
    assert!(w.mg_saw(|e| *e == MgEvent::OutOfService { by_mgc: true }));
    // Restart from out of service.
    let now = w.now;
    assert!(w.mg.start(now));
    assert!(w.run_until(Duration::from_secs(10), World::registered));
}

#[test]
fn mgc_detects_a_lost_mg() {
    let mut a = MgcConfig::new();
    a.audit_after = Some(Duration::from_secs(20));
    let mut w = registered_world(mg_config(&["mgc-a"]), vec![("mgc-a", a)]);
    let mg = MG.to_string();
    // A live MG answers the audit of ROOT.
    w.run_for(Duration::from_secs(25));
    let audits = |w: &World| {
        w.requests_from("mgc-a")
            .into_iter()
            .filter(|(_, to, _, c)| to == MG && matches!(c, Command::AuditValue(a) if a.termination_ids[0].is_root() && a.audit == Default::default()))
            .count()
    };
    assert_eq!(audits(&w), 1);
    assert!(w.mgc("mgc-a").assoc.is_registered(&mg));
    // Then the MG goes silent.
    w.down.insert(MG.into());
    assert!(w.run_until(Duration::from_secs(120), |w| w.mgcs[0]
        .events
        .iter()
        .any(|(_, e)| matches!(e, MgcEvent::MgLost { .. }))));
    assert_eq!(audits(&w), 2);
    assert!(!w.mgc("mgc-a").assoc.is_registered(&mg));
}
