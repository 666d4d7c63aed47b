//! The `external` media backend end to end: `h248d`'s service and gateway
//! engine over [`ExternalBackend`], against a test media gateway that
//! answers the JSON-lines protocol of `daemon/BACKEND-PROTOCOL.md` on a
//! Unix socket in a temporary directory, driven by our own MGC side (an
//! `Endpoint` with an `MgcAssociation`) over UDP text with the Mp profile.
//!
//! Covered: Add / Modify / Subtract with the calls they make; an
//! announcement whose completion the test gateway reports (`g/sc` Notify);
//! DTMF digits the test gateway raises arriving as a `dd/ce` Notify; a slow
//! backend reply answered with TransactionPending, then the reply; a
//! backend that never answers (error 500); the socket closing (error 503
//! meanwhile) and the reconnection; the gateway restarting (its state lost:
//! contexts released, ServiceChange Forced 915 to the MGC); lines that are
//! not the protocol.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU16, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use h248_profiles::procedure::mp;
use h248_profiles::procedure::*;
use h248_stack::association::{MgcAssociation, MgcConfig, MgcEvent};
use h248_stack::model::*;
use h248_stack::text::Style;
use h248_stack::transaction::codec::TextCodec;
use h248_stack::transaction::{EngineConfig, Role};
use h248_stack::transport::{
    AssociationHandle, Endpoint, IncomingRequests, Transport, UdpTransport,
};
use h248d::config::{Config, Settings};
use h248d::executor::Executor;
use h248d::gateway::{ExternalBackend, Gateway};
use h248d::metrics::Metrics;
use h248d::service::{self, Running};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

// ---- the test media gateway --------------------------------------------------------

/// How the test gateway answers, per operation name.
#[derive(Default)]
struct Behaviour {
    /// Answered after this delay.
    delay: HashMap<String, Duration>,
    /// Never answered.
    silent: HashSet<String>,
}

/// A media gateway process as the protocol describes it: reserves
/// addresses, completes non-OnOff signals after 200 ms, answers the rest
/// with an empty result; the test pushes event lines and chooses delays.
struct TestMg {
    path: PathBuf,
    behaviour: Arc<Mutex<Behaviour>>,
    requests: Arc<Mutex<Vec<Value>>>,
    push: mpsc::UnboundedSender<String>,
    push_rx: Arc<tokio::sync::Mutex<mpsc::UnboundedReceiver<String>>>,
    task: Option<JoinHandle<()>>,
    /// The process's run, sent as `started` on every connection.
    instance: Arc<AtomicU32>,
}

impl TestMg {
    fn new(path: PathBuf) -> TestMg {
        let (push, push_rx) = mpsc::unbounded_channel();
        let mut mg = TestMg {
            path,
            behaviour: Arc::default(),
            requests: Arc::default(),
            push,
            push_rx: Arc::new(tokio::sync::Mutex::new(push_rx)),
            task: None,
            instance: Arc::new(AtomicU32::new(1)),
        };
        mg.start();
        mg
    }

    /// Listens (again) on the socket path, as the same process.
    fn start(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        let listener = UnixListener::bind(&self.path).expect("bind the test socket");
        let behaviour = self.behaviour.clone();
        let requests = self.requests.clone();
        let push_rx = self.push_rx.clone();
        let instance = self.instance.clone();
        self.task = Some(tokio::spawn(async move {
            let port = Arc::new(AtomicU16::new(30000));
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (r, mut w) = stream.into_split();
                let started = json!({
                    "event": "started",
                    "instance": format!("run-{}", instance.load(Ordering::Relaxed)),
                });
                if w.write_all(format!("{started}\n").as_bytes())
                    .await
                    .is_err()
                {
                    continue;
                }
                let (out, mut out_rx) = mpsc::unbounded_channel::<String>();
                let mut lines = BufReader::new(r).lines();
                let mut push_rx = push_rx.lock().await;
                loop {
                    tokio::select! {
                        line = lines.next_line() => {
                            let Ok(Some(line)) = line else { break };
                            let request: Value = serde_json::from_str(&line).expect("valid JSON from h248d");
                            requests.lock().unwrap().push(request.clone());
                            answer(request, &behaviour, &port, out.clone());
                        }
                        Some(line) = out_rx.recv() => {
                            if w.write_all(line.as_bytes()).await.is_err() { break }
                        }
                        Some(line) = push_rx.recv() => {
                            if w.write_all(line.as_bytes()).await.is_err() { break }
                        }
                    }
                }
            }
        }));
    }

    /// Closes the listener and the connection, as a crashed process would.
    async fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
        let _ = std::fs::remove_file(&self.path);
    }

    /// Crashes and starts again as a new process (a new `instance`), its
    /// media state lost.
    async fn restart(&mut self) {
        self.stop().await;
        self.instance.fetch_add(1, Ordering::Relaxed);
        self.start();
    }

    /// Sends an event line to h248d.
    fn event(&self, event: Value) {
        self.push.send(format!("{event}\n")).unwrap();
    }

    /// The requests received with operation `op`.
    fn requests(&self, op: &str) -> Vec<Value> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r["op"] == op)
            .cloned()
            .collect()
    }
}

fn answer(
    request: Value,
    behaviour: &Mutex<Behaviour>,
    port: &AtomicU16,
    out: mpsc::UnboundedSender<String>,
) {
    let op = request["op"].as_str().unwrap_or("").to_string();
    let id = request["id"].clone();
    let (delay, silent) = {
        let b = behaviour.lock().unwrap();
        (b.delay.get(&op).copied(), b.silent.contains(&op))
    };
    if silent {
        return;
    }
    let result = match op.as_str() {
        "reserve" => {
            let address = if request["family"] == "IP6" {
                "::1"
            } else {
                "127.0.0.1"
            };
            json!({"address": address, "port": port.fetch_add(2, Ordering::Relaxed)})
        }
        "statistics" => json!([{"name": "rtp/ps", "value": ["7"]}]),
        _ => json!({}),
    };
    let completes = op == "start_signal" && request["signal_type"] != "on_off";
    tokio::spawn(async move {
        if let Some(d) = delay {
            tokio::time::sleep(d).await;
        }
        let _ = out.send(format!("{}\n", json!({"id": id, "result": result})));
        if completes {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let done = json!({
                "event": "signal_completed",
                "termination": request["termination"],
                "signal": request["signal"],
            });
            let _ = out.send(format!("{done}\n"));
        }
    });
}

// ---- the rig -----------------------------------------------------------------------

static DIRS: AtomicU32 = AtomicU32::new(0);

/// A fresh directory for the socket, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "h248d-ext-{}-{}",
            std::process::id(),
            DIRS.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

type Control = AssociationHandle<MgcAssociation<SocketAddr>, SocketAddr>;

struct Rig {
    mg_process: TestMg,
    backend: Arc<ExternalBackend>,
    gateway: Arc<Gateway>,
    running: Running,
    mgc: Endpoint<SocketAddr>,
    incoming: IncomingRequests<SocketAddr>,
    _control: Control,
    mg: SocketAddr,
    version: u8,
    _dir: TempDir,
}

fn settings(mgc: SocketAddr, socket: &Path) -> Settings {
    let text = format!(
        r#"
[profile]
name = "mp"
[mg]
mid = "[127.0.0.1]:2946"
[transport]
address = "127.0.0.1"
port = 0
[[mgc]]
mid = "[127.0.0.1]:{port}"
address = "127.0.0.1"
port = {port}
[engine]
ack_delay_ms = 10
provisional_response_timer_ms = 200
[association]
max_wait_delay_ms = 0
[metrics]
listen = "127.0.0.1:0"
sample_interval_ms = 50
[gateway]
backend = "external"
[gateway.external]
socket = "{socket}"
call_timeout_ms = 1500
reconnect_delay_ms = 50
max_reconnect_delay_ms = 400
"#,
        port = mgc.port(),
        socket = socket.display(),
    );
    Config::parse(&text)
        .and_then(|c| c.validate())
        .expect("test configuration is valid")
}

fn mgc_config(port: u16) -> EngineConfig {
    let mut c = EngineConfig::new(
        Role::Mgc,
        MId::Ip4 {
            address: std::net::Ipv4Addr::LOCALHOST,
            port: Some(port),
        },
    );
    c.ack_delay = Duration::from_millis(10);
    c
}

async fn rig() -> Rig {
    let dir = TempDir::new();
    let socket = dir.0.join("media.sock");
    let mg_process = TestMg::new(socket.clone());

    let transport = UdpTransport::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let port = transport.local_addr().unwrap().port();
    let (mgc, incoming, mut control) = Endpoint::spawn_with_association(
        mgc_config(port),
        TextCodec::new(Style::Pretty),
        transport,
        MgcAssociation::new(MgcConfig::new()),
    )
    .expect("valid MGC configuration");

    let settings = settings(mgc.local_addr().unwrap(), &socket);
    let backend = Arc::new(ExternalBackend::new(
        settings.external.clone().expect("external settings"),
    ));
    let gateway = Arc::new(Gateway::new(settings.gateway.clone(), backend.clone()));
    let running = service::start(&settings, gateway.clone(), Arc::new(Metrics::new()))
        .await
        .expect("service starts");
    let (mg, version) = match tokio::time::timeout(Duration::from_secs(10), control.next_event())
        .await
        .expect("registration in time")
    {
        Some(MgcEvent::MgRegistered { peer, version, .. }) => (peer, version),
        other => panic!("expected a registration, got {other:?}"),
    };
    eventually("the backend connects", || backend.is_connected()).await;
    Rig {
        mg_process,
        backend,
        gateway,
        running,
        mgc,
        incoming,
        _control: control,
        mg,
        version,
        _dir: dir,
    }
}

impl Rig {
    async fn send(&self, actions: Vec<ActionRequest>) -> Vec<ActionReply> {
        match self
            .mgc
            .send_request(self.mg, self.version, actions)
            .await
            .expect("answered")
        {
            TransactionResult::ActionReplies(r) => r,
            TransactionResult::Error(e) => panic!("transaction error {e:?}"),
        }
    }

    async fn send_text(&self, body: &str) -> Vec<ActionReply> {
        self.send(request_actions(body)).await
    }

    /// Adds an RTP termination with `$` in Local; returns its context and ID.
    async fn add(&self) -> (u32, TerminationId) {
        let r = self
            .send_text("Context = $ { Add = ip/$ { Media { Stream = 1 { Local { v=0\nc=IN IP4 $\nm=audio $ RTP/AVP 0\n } } } } }")
            .await;
        assert_eq!(error_of(&r), None, "{r:?}");
        let CommandReply::Add(added) = &r[0].commands[0] else {
            panic!("{r:?}")
        };
        (r[0].context_id.0, added.termination_ids[0].clone())
    }

    /// The next request from the MG, answered with an empty reply.
    async fn next_notify(&mut self) -> ActionRequest {
        let request = tokio::time::timeout(Duration::from_secs(5), self.incoming.recv())
            .await
            .expect("a Notify in time")
            .expect("the MGC endpoint runs");
        let action = request.actions[0].clone();
        let Command::Notify(n) = &action.commands[0].command else {
            panic!("not a Notify: {action:?}")
        };
        let reply = TransactionResult::ActionReplies(vec![ActionReply {
            context_id: action.context_id,
            error: None,
            context_reply: None,
            commands: vec![CommandReply::Notify(NotifyReply {
                termination_ids: n.termination_ids.clone(),
                error: None,
            })],
        }]);
        request.reply(reply).await.expect("Notify answered");
        action
    }

    async fn pendings_received(&self) -> u64 {
        self.mgc.stats().await.unwrap().engine.pendings_received
    }

    async fn end(self) {
        let report = self.running.shutdown().await;
        assert!(report.drained, "{report:?}");
    }
}

fn request_actions(body: &str) -> Vec<ActionRequest> {
    let text = format!("MEGACO/3 [127.0.0.1]:1\nTransaction = 1 {{ {body} }}");
    let message = h248_stack::text::decode(text.as_bytes()).expect("test request decodes");
    match message.message.body {
        MessageBody::Transactions(mut t) => match t.remove(0) {
            Transaction::Request(r) => r.actions,
            other => panic!("not a request: {other:?}"),
        },
        other => panic!("not transactions: {other:?}"),
    }
}

/// The first Error descriptor of a reply: code and text.
fn error_of(replies: &[ActionReply]) -> Option<(u16, String)> {
    for a in replies {
        if let Some(e) = &a.error {
            return Some((e.code, e.text.as_deref().unwrap_or("").to_string()));
        }
        for c in &a.commands {
            if let CommandReply::Add(r) | CommandReply::Modify(r) | CommandReply::Subtract(r) = c {
                for item in &r.audit {
                    if let AuditReturnParameter::Error(e) = item {
                        return Some((e.code, e.text.as_deref().unwrap_or("").to_string()));
                    }
                }
            }
        }
    }
    None
}

async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..250 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("never happened: {what}");
}

// ---- the tests ---------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_signals_and_dtmf_through_the_external_backend() {
    let mut rig = rig().await;

    // Add: `$` in Local is resolved from the test gateway's reservation.
    let (ctx, id) = rig.add().await;
    let reserve = &rig.mg_process.requests("reserve")[0];
    assert_eq!(reserve["termination"], id.as_str());
    assert_eq!(reserve["stream"], 1);
    assert_eq!(reserve["family"], "IP4");
    assert!(reserve["id"].is_u64());
    assert!(!rig.mg_process.requests("configure").is_empty());

    // Modify: the mode and Remote reach the gateway.
    let r = rig
        .send_text(&format!(
            "Context = {ctx} {{ Modify = {id} {{ Media {{ Stream = 1 {{ LocalControl {{ Mode = SendReceive }}, \
             Remote {{ v=0\nc=IN IP4 192.0.2.7\nm=audio 4000 RTP/AVP 0\n }} }} }} }} }}"
        ))
        .await;
    assert_eq!(error_of(&r), None, "{r:?}");
    let configure = rig.mg_process.requests("configure").pop().unwrap();
    assert_eq!(configure["mode"], "send_recv");
    assert_eq!(
        configure["remote"],
        json!({"address": "192.0.2.7", "port": 4000})
    );

    // An announcement; the gateway reports its end: g/sc Notify (TimeOut).
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
    let r = rig.send(vec![start.request()]).await;
    assert_eq!(error_of(&r), None, "{r:?}");
    let signal = rig.mg_process.requests("start_signal").pop().unwrap();
    assert_eq!(signal["name"], "an/apf");
    assert_eq!(signal["termination"], id.as_str());
    let notify = rig.next_notify().await;
    let done = mp::AnnouncementCompleted::read_request(&notify).expect("Announcement Completed");
    assert_eq!(done.method, mp::Completion::TimeOut);

    // DTMF detection; the gateway raises digits: dd/ce Notify.
    let mut events = EventsIes::new(9);
    events.dtmf = Some(DigitMapIe::Body(Text::from("(1xx|2x.F)")));
    let detect = mp::DetectDtmf {
        target: Target {
            context: ctx,
            termination: id.clone(),
        },
        events,
    };
    let r = rig.send(vec![detect.request()]).await;
    assert_eq!(error_of(&r), None, "{r:?}");
    let detect_call = rig.mg_process.requests("detect_events").pop().unwrap();
    assert!(
        detect_call["names"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n == "dd/ce"),
        "{detect_call}"
    );
    for digit in ["dd/d1", "dd/d2", "dd/d3"] {
        rig.mg_process.event(json!({
            "event": "detected",
            "termination": id.as_str(),
            "name": digit,
        }));
    }
    let notify = rig.next_notify().await;
    let report = mp::ReportDtmf::read_request(&notify).expect("Report DTMF");
    assert_eq!(report.digits, "123");
    assert_eq!(report.request_id, 9);

    // Subtract: statistics from the gateway, the termination forgotten.
    let r = rig
        .send_text(&format!("Context = {ctx} {{ Subtract = {id} }}"))
        .await;
    assert_eq!(error_of(&r), None, "{r:?}");
    let CommandReply::Subtract(s) = &r[0].commands[0] else {
        panic!("{r:?}")
    };
    assert!(
        s.audit
            .iter()
            .any(|a| matches!(a, AuditReturnParameter::Statistics(st)
            if st.iter().any(|x| x.name == "rtp/ps" && x.value == ["7"]))),
        "{s:?}"
    );
    assert_eq!(
        rig.mg_process.requests("forget").pop().unwrap()["termination"],
        id.as_str()
    );
    assert_eq!(rig.backend.bad_lines(), 0);
    rig.end().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_backend_gets_pending_and_a_silent_one_error_500() {
    let rig = rig().await;
    let (ctx, id) = rig.add().await;
    assert_eq!(rig.pendings_received().await, 0);

    // 700 ms for a call, Pendings every 200 ms: the MGC hears Pending,
    // then the reply.
    rig.mg_process
        .behaviour
        .lock()
        .unwrap()
        .delay
        .insert("configure".into(), Duration::from_millis(700));
    let modify = format!(
        "Context = {ctx} {{ Modify = {id} {{ Media {{ Stream = 1 {{ LocalControl {{ Mode = SendOnly }} }} }} }} }}"
    );
    let r = rig.send_text(&modify).await;
    assert_eq!(error_of(&r), None, "{r:?}");
    let pendings = rig.pendings_received().await;
    assert!(pendings >= 1, "{pendings} Pendings");

    // Never answered: the call times out after 1500 ms and the command
    // fails with 500; Pendings came meanwhile.
    {
        let mut b = rig.mg_process.behaviour.lock().unwrap();
        b.delay.clear();
        b.silent.insert("configure".into());
    }
    let began = std::time::Instant::now();
    let r = rig.send_text(&modify).await;
    let (code, text) = error_of(&r).expect("an error");
    assert_eq!(code, 500, "{text}");
    assert!(text.contains("did not answer"), "{text}");
    assert!(began.elapsed() >= Duration::from_millis(1500));
    assert!(rig.pendings_received().await > pendings);

    // Answering again, the context works on.
    rig.mg_process.behaviour.lock().unwrap().silent.clear();
    let r = rig.send_text(&modify).await;
    assert_eq!(error_of(&r), None, "{r:?}");
    rig.end().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socket_drop_fails_commands_with_503_until_reconnected() {
    let mut rig = rig().await;
    let (ctx, id) = rig.add().await;
    assert_eq!(rig.backend.connections(), 1);

    rig.mg_process.stop().await;
    let backend = rig.backend.clone();
    eventually("the backend sees the drop", || !backend.is_connected()).await;
    let r = rig
        .send_text("Context = $ { Add = ip/$ { Media { Stream = 1 { Local { v=0\nc=IN IP4 $\nm=audio $ RTP/AVP 0\n } } } } }")
        .await;
    let (code, text) = error_of(&r).expect("an error while disconnected");
    assert_eq!(code, 503, "{text}");
    // The failed Add left nothing behind.
    assert_eq!(rig.gateway.stats().contexts, 1);

    rig.mg_process.start();
    eventually("the backend reconnects", || backend.is_connected()).await;
    assert_eq!(backend.connections(), 2);
    let (ctx2, _) = rig.add().await;
    assert_ne!(ctx2, ctx);
    let r = rig
        .send_text(&format!("Context = {ctx} {{ Subtract = {id} }}"))
        .await;
    assert_eq!(error_of(&r), None, "{r:?}");
    rig.end().await;
}

/// A media gateway that comes back as a new process (another `started`
/// instance) has lost its state: every context is released and the MGC is
/// told with ServiceChange Forced 915 (State Loss) per context; new calls
/// work, the old contexts are gone (411), the restart is counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarted_gateway_releases_contexts_and_tells_the_mgc() {
    let mut rig = rig().await;
    let (ctx1, id1) = rig.add().await;
    let (ctx2, id2) = rig.add().await;
    assert_eq!(rig.gateway.stats().contexts, 2);

    rig.mg_process.restart().await;
    let backend = rig.backend.clone();
    eventually("the backend reconnects", || backend.connections() == 2).await;
    let mut told = HashMap::new();
    for _ in 0..2 {
        let request = tokio::time::timeout(Duration::from_secs(5), rig.incoming.recv())
            .await
            .expect("a ServiceChange in time")
            .expect("the MGC endpoint runs");
        let action = request.actions[0].clone();
        let Command::ServiceChange(sc) = &action.commands[0].command else {
            panic!("not a ServiceChange: {action:?}")
        };
        assert_eq!(sc.parms.method, ServiceChangeMethod::Forced);
        assert_eq!(sc.parms.reason.to_string(), "915");
        told.insert(action.context_id.0, sc.termination_ids.clone());
        let reply = TransactionResult::ActionReplies(vec![ActionReply {
            context_id: action.context_id,
            error: None,
            context_reply: None,
            commands: vec![CommandReply::ServiceChange(ServiceChangeReply {
                termination_ids: sc.termination_ids.clone(),
                result: ServiceChangeResult::Parms(ServiceChangeResParm::default()),
            })],
        }]);
        request.reply(reply).await.expect("ServiceChange answered");
    }
    assert_eq!(told.get(&ctx1), Some(&small_list![id1.clone()]));
    assert_eq!(told.get(&ctx2), Some(&small_list![id2]));
    assert_eq!(rig.gateway.stats().contexts, 0);
    assert_eq!(Executor::stats(rig.gateway.as_ref()).backend.restarts, 1);
    // The released contexts are unknown; new ones work.
    let r = rig
        .send_text(&format!("Context = {ctx1} {{ Subtract = {id1} }}"))
        .await;
    assert_eq!(error_of(&r).map(|(code, _)| code), Some(411), "{r:?}");
    let (_, _) = rig.add().await;
    // A dropped connection to the same process is not a restart.
    rig.mg_process.stop().await;
    rig.mg_process.start();
    eventually("the backend reconnects", || backend.connections() == 3).await;
    assert_eq!(rig.gateway.stats().contexts, 1);
    assert_eq!(Executor::stats(rig.gateway.as_ref()).backend.restarts, 1);
    rig.end().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lines_that_are_not_the_protocol_are_counted_and_ignored() {
    let rig = rig().await;
    for junk in [
        json!("a string"),
        json!({"neither": 1}),
        json!({"id": "x"}),
        json!({"event": "exploded"}),
        json!({"id": 999_999, "result": {}}),
        json!({"event": "detected", "termination": "ip/404", "name": "dd/d1"}),
    ] {
        rig.mg_process.event(junk);
    }
    rig.mg_process.push.send("{not json\n".into()).unwrap();
    let backend = rig.backend.clone();
    eventually("five bad lines counted", || backend.bad_lines() == 5).await;
    // The connection still serves.
    let (_, _) = rig.add().await;
    assert_eq!(backend.connections(), 1);
    // The gateway reports the link for the metrics.
    let link = Executor::stats(rig.gateway.as_ref()).backend;
    assert!(link.up);
    assert_eq!((link.connections, link.bad_lines), (1, 5));
    rig.end().await;
}
