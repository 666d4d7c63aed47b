//! The service end to end, with a small test executor (a test double of the
//! gateway engine) against our own MGC side: an `Endpoint` with an
//! `MgcAssociation`, as in `stack/tests/interop_megaco.rs`, over UDP text,
//! UDP BER and TCP. Also the Erlang/OTP megaco MGC (`../shared`).
//!
//! Each run checks: registration; requests answered through the executor
//! (errors included); the executor's Notify sent to the MGC; unconfigured
//! peers dropped and counted; malformed and hostile messages answered with
//! 400 where the header is readable, dropped otherwise, and the association
//! still working after them; `/metrics` scraped and its counters checked;
//! shutdown sending a Graceful ServiceChange.

use std::collections::HashSet;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::process::{Child, Command as Process, Stdio};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use h248_stack::association::{MgcAssociation, MgcConfig, MgcEvent};
use h248_stack::model::*;
use h248_stack::text::Style;
use h248_stack::transaction::codec::TextCodec;
use h248_stack::transaction::{EngineConfig, Role};
use h248_stack::transport::{
    AssociationHandle, BerCodec, Endpoint, IncomingRequests, TcpTransport, Transport, UdpTransport,
};
use h248d::config::{Config, Settings};
use h248d::executor::{ExecuteFuture, Executor, GatewayStats};
use h248d::metrics::Metrics;
use h248d::service::{self, Running};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

// ---- the test executor ---------------------------------------------------------

/// Answers Add (CHOOSE context and termination), Modify and Subtract as a
/// gateway would, refuses anything else with 501 on its action, and hands
/// out the Notify requests the test queues.
struct TestGateway {
    next_context: AtomicU32,
    contexts: Mutex<HashSet<u32>>,
    calls: AtomicU64,
    errors: AtomicU64,
    notifies: tokio::sync::Mutex<mpsc::UnboundedReceiver<Vec<ActionRequest>>>,
}

impl TestGateway {
    fn new() -> (Arc<TestGateway>, mpsc::UnboundedSender<Vec<ActionRequest>>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (
            Arc::new(TestGateway {
                next_context: AtomicU32::new(1),
                contexts: Mutex::new(HashSet::new()),
                calls: AtomicU64::new(0),
                errors: AtomicU64::new(0),
                notifies: tokio::sync::Mutex::new(rx),
            }),
            tx,
        )
    }

    fn action(&self, action: ActionRequest) -> ActionReply {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let mut context = action.context_id;
        let mut commands = Vec::new();
        for request in action.commands {
            let reply = match request.command {
                Command::Add(add) => {
                    if context == ContextId::CHOOSE {
                        context = ContextId(self.next_context.fetch_add(1, Ordering::Relaxed));
                    }
                    self.contexts.lock().unwrap().insert(context.0);
                    let ids = add
                        .termination_ids
                        .into_iter()
                        .map(|id| {
                            if id.as_str() == "$" {
                                TerminationId::new(format!(
                                    "00000001/00000000/{:08b}",
                                    context.0 & 0xff
                                ))
                            } else {
                                id
                            }
                        })
                        .collect();
                    CommandReply::Add(AmmsReply {
                        termination_ids: ids,
                        audit: Vec::new(),
                    })
                }
                Command::Modify(modify) => CommandReply::Modify(AmmsReply {
                    termination_ids: modify.termination_ids,
                    audit: Vec::new(),
                }),
                Command::Subtract(subtract) => {
                    self.contexts.lock().unwrap().remove(&context.0);
                    CommandReply::Subtract(AmmsReply {
                        termination_ids: subtract.termination_ids,
                        audit: Vec::new(),
                    })
                }
                _ => {
                    self.errors.fetch_add(1, Ordering::Relaxed);
                    return ActionReply {
                        context_id: context,
                        error: Some(ErrorDescriptor::new(501, "Not Implemented")),
                        context_reply: None,
                        commands,
                    };
                }
            };
            commands.push(reply);
        }
        ActionReply {
            context_id: context,
            error: None,
            context_reply: None,
            commands,
        }
    }
}

impl Executor for TestGateway {
    fn execute(&self, _version: u8, actions: Vec<ActionRequest>) -> ExecuteFuture {
        let replies: Vec<ActionReply> = actions.into_iter().map(|a| self.action(a)).collect();
        Box::pin(async move { TransactionResult::ActionReplies(replies) })
    }

    fn next_request(
        &self,
    ) -> Pin<Box<dyn Future<Output = Option<Vec<ActionRequest>>> + Send + '_>> {
        Box::pin(async move { self.notifies.lock().await.recv().await })
    }

    fn stats(&self) -> GatewayStats {
        let contexts = self.contexts.lock().unwrap().len() as u64;
        GatewayStats {
            contexts,
            terminations: contexts,
            backend_calls: self.calls.load(Ordering::Relaxed),
            backend_errors: self.errors.load(Ordering::Relaxed),
            ..GatewayStats::default()
        }
    }
}

// ---- helpers -----------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Enc {
    Pretty,
    Ber,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tr {
    Udp,
    Tcp,
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

fn reply_result(body: &str) -> TransactionResult {
    let text = format!("MEGACO/3 [127.0.0.1]:1\nReply = 1 {{ {body} }}");
    let message = h248_stack::text::decode(text.as_bytes()).expect("test reply decodes");
    match message.message.body {
        MessageBody::Transactions(mut t) => match t.remove(0) {
            Transaction::Reply(r) => r.result,
            other => panic!("not a reply: {other:?}"),
        },
        other => panic!("not transactions: {other:?}"),
    }
}

const NOTIFY: &str = "Context = - { Notify = 11111111/00000000/00000000 { ObservedEvents = 2222 { 19990729T22000000:al/of } } }";

fn settings(tr: Tr, enc: Enc, mgc: SocketAddr, extra: &str) -> Settings {
    let text = format!(
        r#"
[mg]
mid = "[127.0.0.1]:2946"
[transport]
kind = "{kind}"
address = "127.0.0.1"
port = 0
encoding = "{encoding}"
[[mgc]]
mid = "[127.0.0.1]:{port}"
address = "127.0.0.1"
port = {port}
[engine]
ack_delay_ms = 10
[association]
max_wait_delay_ms = 0
retry_delay_ms = 200
attempts_per_mgc = 20
[metrics]
listen = "127.0.0.1:0"
sample_interval_ms = 50
[service]
drain_timeout_ms = 3000
{extra}
"#,
        kind = if tr == Tr::Udp { "udp" } else { "tcp" },
        encoding = if enc == Enc::Ber { "ber" } else { "pretty" },
        port = mgc.port(),
    );
    Config::parse(&text)
        .and_then(|c| c.validate())
        .expect("test configuration is valid")
}

type Mgc = (
    Endpoint<SocketAddr>,
    IncomingRequests<SocketAddr>,
    AssociationHandle<MgcAssociation<SocketAddr>, SocketAddr>,
);

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

fn spawn_mgc<T: Transport<Peer = SocketAddr>>(enc: Enc, transport: T) -> Mgc {
    let port = transport.local_addr().map_or(0, |a| a.port());
    spawn_mgc_with(enc, transport, mgc_config(port))
}

fn spawn_mgc_with<T: Transport<Peer = SocketAddr>>(
    enc: Enc,
    transport: T,
    config: EngineConfig,
) -> Mgc {
    let association = MgcAssociation::new(MgcConfig::new());
    match enc {
        Enc::Pretty => Endpoint::spawn_with_association(
            config,
            TextCodec::new(Style::Pretty),
            transport,
            association,
        ),
        Enc::Ber => {
            Endpoint::spawn_with_association(config, BerCodec::new(), transport, association)
        }
    }
    .expect("valid MGC configuration")
}

async fn our_mgc(tr: Tr, enc: Enc) -> Mgc {
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    match tr {
        Tr::Udp => spawn_mgc(enc, UdpTransport::bind(any).await.unwrap()),
        Tr::Tcp => spawn_mgc(
            enc,
            TcpTransport::bind(any, Default::default()).await.unwrap(),
        ),
    }
}

/// Waits for the MG's registration at our MGC (its first association
/// event).
async fn registered_mg(
    control: &mut AssociationHandle<MgcAssociation<SocketAddr>, SocketAddr>,
) -> (SocketAddr, u8) {
    match control
        .next_event()
        .await
        .expect("an MGC association event")
    {
        MgcEvent::MgRegistered {
            peer,
            method,
            version,
            profile,
            ..
        } => {
            assert_eq!(method, ServiceChangeMethod::Restart);
            assert_eq!(
                profile.map(|p| p.name.to_string()),
                Some("threegppiq".to_string()),
                "the Iq profile is announced"
            );
            (peer, version)
        }
        other => panic!("expected a registration, got {other:?}"),
    }
}

/// Add then Modify then Subtract through the service; returns the context.
async fn add_modify_subtract(mgc: &Endpoint<SocketAddr>, mg: SocketAddr, v: u8) {
    let add = request_actions(
        "Context = $ { Add = $ { Media { Stream = 1 { LocalControl { Mode = ReceiveOnly } } } } }",
    );
    let result = mgc.send_request(mg, v, add).await.expect("Add answered");
    let TransactionResult::ActionReplies(actions) = &result else {
        panic!("Add failed: {result:?}")
    };
    let context = actions[0].context_id;
    assert!(context != ContextId::CHOOSE && context != ContextId::NULL);
    let CommandReply::Add(added) = &actions[0].commands[0] else {
        panic!("an Add reply: {result:?}")
    };
    let termination = added.termination_ids[0].clone();
    assert!(!termination.as_str().contains('$'), "{termination:?}");

    let modify = request_actions(&format!(
        "Context = {} {{ Modify = {termination} {{ Media {{ Stream = 1 {{ LocalControl {{ Mode = SendReceive }} }} }} }} }}",
        context.0
    ));
    let result = mgc
        .send_request(mg, v, modify)
        .await
        .expect("Modify answered");
    let TransactionResult::ActionReplies(actions) = &result else {
        panic!("Modify failed: {result:?}")
    };
    assert!(matches!(actions[0].commands[0], CommandReply::Modify(_)));
    assert_eq!(actions[0].context_id, context);

    let subtract = request_actions(&format!(
        "Context = {} {{ Subtract = {termination} }}",
        context.0
    ));
    let result = mgc
        .send_request(mg, v, subtract)
        .await
        .expect("Subtract answered");
    let TransactionResult::ActionReplies(actions) = &result else {
        panic!("Subtract failed: {result:?}")
    };
    let CommandReply::Subtract(subtracted) = &actions[0].commands[0] else {
        panic!("a Subtract reply: {result:?}")
    };
    assert_eq!(subtracted.termination_ids[..], [termination]);
}

/// The executor's Notify reaches our MGC, which answers it.
async fn notify_reaches_mgc(
    notifies: &mpsc::UnboundedSender<Vec<ActionRequest>>,
    incoming: &mut IncomingRequests<SocketAddr>,
) {
    notifies.send(request_actions(NOTIFY)).unwrap();
    let request = incoming.recv().await.expect("the Notify arrives");
    assert!(matches!(
        request.actions[0].commands[0].command,
        Command::Notify(_)
    ));
    request
        .reply(reply_result(
            "Context = - { Notify = 11111111/00000000/00000000 }",
        ))
        .await
        .expect("Notify answered");
}

async fn scrape(addr: SocketAddr, path: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).await.unwrap();
    out
}

/// The value of one sample line (`name{labels} value`).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|v| v.trim().parse().ok()))
}

/// Polls `check` until it holds (metrics are sampled and counted by tasks).
async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..200 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("never happened: {what}");
}

/// Shutdown sends Graceful and our MGC sees the MG leave.
async fn graceful_shutdown(
    running: Running,
    mg: SocketAddr,
    control: &mut AssociationHandle<MgcAssociation<SocketAddr>, SocketAddr>,
) {
    let report = running.shutdown().await;
    assert!(report.graceful_sent, "{report:?}");
    assert!(report.drained, "{report:?}");
    let left = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match control.next_event().await {
                Some(MgcEvent::MgGoingOutOfService { peer, .. })
                | Some(MgcEvent::MgOutOfService { peer }) => break peer,
                Some(_) => {}
                None => panic!("MGC endpoint stopped"),
            }
        }
    })
    .await
    .expect("the Graceful ServiceChange arrives");
    assert_eq!(left, mg);
}

async fn recv_within(socket: &tokio::net::UdpSocket, ms: u64) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; 65536];
    match tokio::time::timeout(Duration::from_millis(ms), socket.recv_from(&mut buf)).await {
        Ok(Ok((n, _))) => Some(buf[..n].to_vec()),
        _ => None,
    }
}

/// Decodes a message-level error answer (text or BER) to its code.
fn error_code(bytes: &[u8]) -> Option<u16> {
    let message = h248_stack::text::decode(bytes)
        .ok()
        .or_else(|| h248_stack::ber::decode_default(bytes).ok())?;
    match message.message.body {
        MessageBody::Error(e) => Some(e.code),
        _ => None,
    }
}

// ---- the tests -------------------------------------------------------------------

async fn full_run(tr: Tr, enc: Enc) {
    let (mgc, mut mgc_incoming, mut control) = our_mgc(tr, enc).await;
    let mgc_addr = mgc.local_addr().unwrap();
    let (gateway, notifies) = TestGateway::new();
    let metrics = Arc::new(Metrics::new());
    let settings = settings(tr, enc, mgc_addr, "");
    let running = service::start(&settings, gateway.clone(), metrics.clone())
        .await
        .expect("service starts");

    let (mg, v) = tokio::time::timeout(Duration::from_secs(10), registered_mg(&mut control))
        .await
        .expect("registered in time");
    if tr == Tr::Udp {
        assert_eq!(mg.port(), running.local_addr().port());
    }
    assert_eq!(v, 3);
    let registration = tokio::time::timeout(Duration::from_secs(5), running.registered())
        .await
        .expect("the service knows it is registered")
        .expect("registered");
    assert_eq!(registration.peer, mgc_addr);

    tokio::time::timeout(Duration::from_secs(10), async {
        add_modify_subtract(&mgc, mg, v).await;
        // A command the gateway refuses: error 501 on its action.
        let audit = request_actions("Context = - { AuditCapability = ROOT { Audit { } } }");
        let result = mgc.send_request(mg, v, audit).await.expect("answered");
        let TransactionResult::ActionReplies(actions) = &result else {
            panic!("{result:?}")
        };
        assert_eq!(actions[0].error.as_ref().map(|e| e.code), Some(501));
        notify_reaches_mgc(&notifies, &mut mgc_incoming).await;
    })
    .await
    .expect("the exchange completes in time");

    let metrics_addr = running.metrics_addr().expect("metrics served");
    eventually("the Notify counted", || {
        String::from_utf8(metrics.render()).unwrap().contains(
            "h248_transactions_total{command=\"notify\",direction=\"out\",result=\"ok\"} 1",
        )
    })
    .await;
    running.endpoint_stats().await.unwrap();
    tokio::time::sleep(Duration::from_millis(120)).await; // one gateway sample
    let text = scrape(metrics_addr, "/metrics").await;
    assert!(text.starts_with("HTTP/1.1 200 OK"), "{text}");
    for (series, value) in [
        (
            "h248_transactions_total{command=\"add\",direction=\"in\",result=\"ok\"}",
            1.0,
        ),
        (
            "h248_transactions_total{command=\"modify\",direction=\"in\",result=\"ok\"}",
            1.0,
        ),
        (
            "h248_transactions_total{command=\"subtract\",direction=\"in\",result=\"ok\"}",
            1.0,
        ),
        (
            "h248_transactions_total{command=\"audit_capabilities\",direction=\"in\",result=\"error\"}",
            1.0,
        ),
        ("h248_errors_total{code=\"501\",direction=\"out\"}", 1.0),
        (
            "h248_transactions_total{command=\"notify\",direction=\"out\",result=\"ok\"}",
            1.0,
        ),
        (
            "h248_transaction_duration_seconds_count{command=\"add\",direction=\"in\"}",
            1.0,
        ),
        ("h248_association_state{state=\"registered\"}", 1.0),
        ("h248_association_events_total{event=\"registered\"}", 1.0),
        ("h248_gateway_backend_calls_total", 4.0),
        ("h248_gateway_backend_errors_total", 1.0),
        ("h248_gateway_contexts", 0.0),
    ] {
        assert_eq!(sample(&text, series), Some(value), "{series} in\n{text}");
    }
    assert!(
        sample(
            &text,
            "h248_engine_events_total{event=\"requests_received\"}"
        )
        .is_some_and(|n| n >= 4.0),
        "{text}"
    );
    let not_found = scrape(metrics_addr, "/").await;
    assert!(not_found.starts_with("HTTP/1.1 404"), "{not_found}");

    graceful_shutdown(running, mg, &mut control).await;
    mgc.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn udp_text_registers_serves_notifies_and_leaves() {
    full_run(Tr::Udp, Enc::Pretty).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn udp_ber_registers_serves_notifies_and_leaves() {
    full_run(Tr::Udp, Enc::Ber).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_registers_serves_notifies_and_leaves() {
    full_run(Tr::Tcp, Enc::Pretty).await;
}

/// Unconfigured peers are dropped and counted; malformed and hostile
/// datagrams from a served peer get 400 where the header is readable and
/// nothing otherwise; the association keeps working throughout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn udp_unconfigured_and_hostile_input() {
    let (mgc, _mgc_incoming, mut control) = our_mgc(Tr::Udp, Enc::Pretty).await;
    let mgc_addr = mgc.local_addr().unwrap();
    let (gateway, _notifies) = TestGateway::new();
    let metrics = Arc::new(Metrics::new());
    // Any port of 127.0.0.1 is served (so that the raw socket below is a
    // served peer); 127.0.0.2 is not.
    let settings = settings(
        Tr::Udp,
        Enc::Pretty,
        mgc_addr,
        "[security]\nmatch_port = false\nmax_message_size = 8192\n",
    );
    let running = service::start(&settings, gateway.clone(), metrics.clone())
        .await
        .expect("service starts");
    let (mg, v) = tokio::time::timeout(Duration::from_secs(10), registered_mg(&mut control))
        .await
        .expect("registered in time");
    let service_addr = running.local_addr();

    // An unconfigured peer sending a valid request: no answer, counted.
    let stranger = tokio::net::UdpSocket::bind("127.0.0.2:0")
        .await
        .expect("127.0.0.2 is loopback");
    let request = b"MEGACO/3 [127.0.0.2]:5555\nTransaction = 9 { Context = - { AuditValue = ROOT { Audit { } } } }";
    stranger.send_to(request, service_addr).await.unwrap();
    assert_eq!(recv_within(&stranger, 400).await, None, "stranger answered");
    assert_eq!(metrics.dropped_count("unconfigured_peer"), 1);

    // Served but hostile.
    let raw = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let readable_header: &[&[u8]] = &[
        b"MEGACO/3 [127.0.0.1]:9\nTransaction = 5 { Context = - { Bogus = ROOT } }",
        b"MEGACO/3 [127.0.0.1]:9\nTransaction = 99999999999999999999 { }",
        b"MEGACO/3 [127.0.0.1]:9\nTransaction = 6 { Context = 1 { Add = a { Media { Stream = 1 { Local { v=0\n",
    ];
    let mut answered_400 = 0.0;
    for message in readable_header {
        raw.send_to(message, service_addr).await.unwrap();
        let answer = recv_within(&raw, 2000).await.expect("an error answer");
        assert_eq!(
            error_code(&answer),
            Some(400),
            "{}",
            String::from_utf8_lossy(&answer)
        );
        answered_400 += 1.0;
    }
    // Nesting far beyond the limit.
    let mut deep =
        b"MEGACO/3 [127.0.0.1]:9\nTransaction = 7 { Context = 1 { Modify = a { ".to_vec();
    deep.extend(vec![b'{'; 4000]);
    raw.send_to(&deep, service_addr).await.unwrap();
    let answer = recv_within(&raw, 2000).await.expect("an error answer");
    let deep_code = error_code(&answer);
    assert!(deep_code.is_some_and(|c| (400..500).contains(&c)));
    if deep_code == Some(400) {
        answered_400 += 1.0;
    }
    // No readable header: dropped.
    for junk in [&b"\x00\x01\x02garbage"[..], b"", b"MEGACO/", &[0xff; 300]] {
        raw.send_to(junk, service_addr).await.unwrap();
    }
    assert_eq!(recv_within(&raw, 400).await, None);
    // Above security.max_message_size: dropped before decoding.
    let mut big = b"MEGACO/3 [127.0.0.1]:9\n".to_vec();
    big.resize(20_000, b' ');
    raw.send_to(&big, service_addr).await.unwrap();
    assert_eq!(recv_within(&raw, 400).await, None);
    assert_eq!(metrics.dropped_count("too_large"), 1);

    // The association still works.
    tokio::time::timeout(Duration::from_secs(10), add_modify_subtract(&mgc, mg, v))
        .await
        .expect("still served");
    let stats = running.endpoint_stats().await.unwrap();
    assert!(stats.engine.undecodable_messages >= 5, "{stats:?}");
    let text = scrape(running.metrics_addr().unwrap(), "/metrics").await;
    assert_eq!(
        sample(
            &text,
            "h248_dropped_messages_total{reason=\"unconfigured_peer\"}"
        ),
        Some(1.0),
        "{text}"
    );
    assert!(
        sample(
            &text,
            "h248_engine_events_total{event=\"undecodable_messages\"}"
        )
        .is_some_and(|n| n >= 5.0),
        "{text}"
    );
    // The 400 answers the engine sent count among the errors by code.
    assert_eq!(
        sample(&text, "h248_errors_total{code=\"400\",direction=\"out\"}"),
        Some(answered_400),
        "{text}"
    );
    graceful_shutdown(running, mg, &mut control).await;
    mgc.shutdown().await;
}

/// Over TCP a connection from anything but a configured MGC (here the
/// MGC's address from another port) is closed at accept, before it sends
/// anything, and counted; the MGC's own connection is served throughout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_strangers_are_closed_at_accept() {
    let (mgc, _mgc_incoming, mut control) = our_mgc(Tr::Tcp, Enc::Pretty).await;
    let mgc_addr = mgc.local_addr().unwrap();
    let (gateway, _notifies) = TestGateway::new();
    let metrics = Arc::new(Metrics::new());
    let settings = settings(Tr::Tcp, Enc::Pretty, mgc_addr, "");
    let running = service::start(&settings, gateway.clone(), metrics.clone())
        .await
        .expect("service starts");
    let (mg, v) = tokio::time::timeout(Duration::from_secs(10), registered_mg(&mut control))
        .await
        .expect("registered in time");

    for (n, request) in [&b""[..], b"\x03\x00\x00\x0cMEGACO/3 x"]
        .into_iter()
        .enumerate()
    {
        let mut stranger = tokio::net::TcpStream::connect(running.local_addr())
            .await
            .expect("the listener accepts");
        if !request.is_empty() {
            // Writing may already fail: the connection is closed.
            let _ = stranger.write_all(request).await;
        }
        let mut buf = [0u8; 64];
        let read = tokio::time::timeout(Duration::from_secs(2), stranger.read(&mut buf))
            .await
            .expect("closed at once, not left open");
        assert_eq!(read.unwrap_or(0), 0, "a stranger's connection is closed");
        let want = n as u64 + 1;
        eventually("the stranger counted", || {
            metrics.dropped_count("unconfigured_peer") == want
        })
        .await;
    }

    tokio::time::timeout(Duration::from_secs(10), add_modify_subtract(&mgc, mg, v))
        .await
        .expect("the MGC is still served");
    graceful_shutdown(running, mg, &mut control).await;
    mgc.shutdown().await;
}

/// With `match_port` (the default), the MGC's address from another port is
/// not served either; a flood above the rate limit is cut.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn udp_ber_other_port_and_rate_limit() {
    // One request per message: the limit counts messages, and the burst
    // below must be one of messages.
    let transport = UdpTransport::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let mut config = mgc_config(transport.local_addr().unwrap().port());
    config.max_transactions_per_message = 1;
    let (mgc, _mgc_incoming, mut control) = spawn_mgc_with(Enc::Ber, transport, config);
    let mgc_addr = mgc.local_addr().unwrap();
    let (gateway, _notifies) = TestGateway::new();
    let metrics = Arc::new(Metrics::new());
    let settings = settings(
        Tr::Udp,
        Enc::Ber,
        mgc_addr,
        "[security]\nrate_limit_per_peer = 50\nrate_limit_burst = 0\n",
    );
    let running = service::start(&settings, gateway.clone(), metrics.clone())
        .await
        .expect("service starts");
    let (mg, v) = tokio::time::timeout(Duration::from_secs(10), registered_mg(&mut control))
        .await
        .expect("registered in time");

    let other = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    other
        .send_to(&[0x30, 0x03, 0x02, 0x01, 0x03], running.local_addr())
        .await
        .unwrap();
    assert_eq!(recv_within(&other, 400).await, None);
    assert_eq!(metrics.dropped_count("unconfigured_peer"), 1);

    // A burst of requests from the MGC itself beyond 50/s: some dropped.
    let mut pending = Vec::new();
    for _ in 0..120 {
        let audit = request_actions("Context = - { Modify = 11111111/00000000/00000001 }");
        pending.push(mgc.send_request(mg, v, audit));
    }
    let results = tokio::time::timeout(
        Duration::from_secs(20),
        futures_join(pending.into_iter().map(|f| Box::pin(f) as _).collect()),
    )
    .await
    .expect("retransmissions get every request through");
    assert!(results.iter().all(|r| r.is_ok()), "{results:?}");
    let limited = metrics.dropped_count("rate_limited");
    assert!(limited > 0, "the burst was limited");

    // SIGHUP's reload: no limit any more, the next burst passes untouched.
    let mut runtime = settings.runtime.clone();
    runtime.rate_limit_per_peer = 0;
    running.reload(&runtime);
    let mut pending: Vec<ReplyFuture> = Vec::new();
    for _ in 0..120 {
        let modify = request_actions("Context = - { Modify = 11111111/00000000/00000001 }");
        pending.push(Box::pin(mgc.send_request(mg, v, modify)));
    }
    let results = tokio::time::timeout(Duration::from_secs(20), futures_join(pending))
        .await
        .expect("answered");
    assert!(results.iter().all(|r| r.is_ok()), "{results:?}");
    assert_eq!(metrics.dropped_count("rate_limited"), limited);
    graceful_shutdown(running, mg, &mut control).await;
    mgc.shutdown().await;
}

type ReplyFuture = Pin<
    Box<dyn Future<Output = Result<TransactionResult, h248_stack::transport::RequestError>> + Send>,
>;

/// Awaits every future (spawned, so they progress together).
async fn futures_join(
    futures: Vec<ReplyFuture>,
) -> Vec<Result<TransactionResult, h248_stack::transport::RequestError>> {
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("task"));
    }
    out
}

// ---- configuration and the binary ------------------------------------------------

#[test]
fn check_config_exit_codes() {
    let bin = env!("CARGO_BIN_EXE_h248d");
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../etc/h248d.toml");
    let ok = Process::new(bin)
        .args(["check-config", example])
        .output()
        .unwrap();
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).starts_with("ok: "));

    let embedded = Process::new(bin).arg("check-config").output().unwrap();
    assert_eq!(embedded.status.code(), Some(0));

    let dir = std::env::temp_dir().join(format!("h248d-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "[mg]\nmid = \"[127.0.0.1]:2946\"\n[[mgc]]\nmid = \"[127.0.0.1]:2944\"\naddress = \"127.0.0.1\"\n[association]\nrestart_reason = 42\n",
    )
    .unwrap();
    let out = Process::new(bin)
        .args(["check-config"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("association.restart_reason"), "{err}");

    let missing = Process::new(bin)
        .args(["check-config"])
        .arg(dir.join("absent.toml"))
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));

    let usage = Process::new(bin).arg("--bogus").output().unwrap();
    assert_eq!(usage.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn default_config_is_printed_and_valid() {
    let out = Process::new(env!("CARGO_BIN_EXE_h248d"))
        .arg("default-config")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let settings = Config::parse(&text).unwrap().validate().unwrap();
    assert_eq!(settings.bind, "127.0.0.1:2946".parse().unwrap());
    assert_eq!(
        settings.association.mgcs[0].peer,
        "127.0.0.1:2944".parse::<SocketAddr>().unwrap()
    );
}

// ---- against Erlang/OTP megaco's MGC ---------------------------------------------

fn shared_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared"));
    if dir.join("corpus").is_dir() {
        return Some(dir);
    }
    if std::env::var("H248_REQUIRE_SHARED").as_deref() == Ok("1") {
        panic!("H248_REQUIRE_SHARED=1 but {} is missing", dir.display());
    }
    eprintln!("skipped: ../shared not found");
    None
}

/// The peer script, with its Erlang module compiled once into a scratch
/// folder.
fn peer_script() -> Option<(PathBuf, PathBuf)> {
    static EBIN: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let dir = shared_dir()?.join("tools/megaco-peer");
    let ebin = EBIN.get_or_init(|| {
        let ebin = std::env::temp_dir().join(format!("h248d-megaco-ebin-{}", std::process::id()));
        std::fs::create_dir_all(&ebin).map_err(|e| e.to_string())?;
        let status = Process::new("erlc")
            .arg("-o")
            .arg(&ebin)
            .arg(dir.join("megaco_peer.erl"))
            .status()
            .map_err(|e| format!("erlc: {e}"))?;
        if status.success() {
            Ok(ebin)
        } else {
            Err(format!("erlc failed: {status}"))
        }
    });
    match ebin {
        Ok(ebin) => Some((dir.join("peer.sh"), ebin.clone())),
        Err(e) => panic!("cannot build the megaco peer: {e}"),
    }
}

fn free_port(tr: Tr) -> u16 {
    match tr {
        Tr::Udp => std::net::UdpSocket::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port(),
        Tr::Tcp => std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port(),
    }
}

async fn against_megaco_mgc(tr: Tr, enc: &str) {
    let Some((script, ebin)) = peer_script() else {
        return;
    };
    let port = free_port(tr);
    let peer: Child = Process::new("sh")
        .arg(&script)
        .args([
            "mgc",
            "--port",
            &port.to_string(),
            "--encoding",
            enc,
            "--transport",
            if tr == Tr::Udp { "udp" } else { "tcp" },
            "--version",
            "3",
            "--timeout",
            "25",
        ])
        .env("MEGACO_PEER_EBIN", &ebin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the megaco peer starts");
    let mgc: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let (gateway, _notifies) = TestGateway::new();
    let metrics = Arc::new(Metrics::new());
    let e = if enc == "ber" { Enc::Ber } else { Enc::Pretty };
    let mut settings = settings(tr, e, mgc, "");
    if enc == "compact" {
        settings.encoding = h248d::config::Encoding::Compact;
    }
    let running = service::start(&settings, gateway.clone(), metrics.clone())
        .await
        .expect("service starts");
    let registered = tokio::time::timeout(Duration::from_secs(20), running.registered())
        .await
        .expect("registered with megaco in time");
    assert!(registered.is_some());
    let (code, log) = tokio::task::spawn_blocking(move || {
        let out = peer.wait_with_output().expect("the peer can be waited for");
        (
            out.status.code(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    })
    .await
    .unwrap();
    assert_eq!(code, Some(0), "megaco MGC failed:\n{log}");
    // Add, Modify and Subtract went through the executor.
    let text = String::from_utf8(metrics.render()).unwrap();
    for command in ["add", "modify", "subtract"] {
        let series = format!(
            "h248_transactions_total{{command=\"{command}\",direction=\"in\",result=\"ok\"}}"
        );
        assert_eq!(sample(&text, &series), Some(1.0), "{series}\n{log}");
    }
    let stats = running.endpoint_stats().await.unwrap();
    assert_eq!(stats.engine.undecodable_messages, 0, "{log}");
    // The peer has exited: the Graceful (if still registered) gets no
    // answer and the drain ends at its timeout.
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn megaco_mgc_udp_text() {
    against_megaco_mgc(Tr::Udp, "pretty").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn megaco_mgc_udp_ber() {
    against_megaco_mgc(Tr::Udp, "ber").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn megaco_mgc_tcp_compact() {
    against_megaco_mgc(Tr::Tcp, "compact").await;
}

// ---- the systemd unit --------------------------------------------------------------

/// `systemd-analyze verify` accepts the unit (with ExecStart pointing at the
/// binary just built, since verify checks that it exists).
#[test]
fn systemd_unit_verifies() {
    let Ok(status) = Process::new("systemd-analyze").arg("--version").output() else {
        eprintln!("skipped: systemd-analyze not found");
        return;
    };
    assert!(status.status.success());
    let unit =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../etc/h248d.service"))
            .unwrap();
    assert!(unit.contains("Type=notify"));
    assert!(unit.contains("WatchdogSec="));
    let unit = unit.replace("/usr/bin/h248d", env!("CARGO_BIN_EXE_h248d"));
    let dir = std::env::temp_dir().join(format!("h248d-unit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("h248d.service");
    std::fs::write(&path, unit).unwrap();
    let out = Process::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---- the h248d binary with the real gateway engine ----------------------------------

/// Reads the child's stderr lines into a shared buffer.
fn collect_stderr(child: &mut Child) -> Arc<Mutex<Vec<String>>> {
    use std::io::BufRead;
    let lines = Arc::new(Mutex::new(Vec::new()));
    let stderr = child.stderr.take().expect("piped stderr");
    let sink = lines.clone();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            sink.lock().unwrap().push(line);
        }
    });
    lines
}

fn signal(child: &Child, name: &str) {
    let status = Process::new("kill")
        .arg(format!("-{name}"))
        .arg(child.id().to_string())
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// `h248d --config FILE` with the sim gateway: registers with our MGC,
/// answers Add (CHOOSE context, `ip/$`, Local `$` resolved) and Subtract,
/// serves `/metrics`, logs JSON with the request span's fields, reloads on
/// SIGHUP, and on SIGTERM sends Graceful and exits 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_serves_with_the_gateway_and_stops_on_sigterm() {
    let (mgc, _mgc_incoming, mut control) = our_mgc(Tr::Udp, Enc::Pretty).await;
    let mgc_addr = mgc.local_addr().unwrap();
    let metrics_port = free_port(Tr::Tcp);
    let dir = std::env::temp_dir().join(format!("h248d-bin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("h248d.toml");
    let text = format!(
        r#"
[mg]
mid = "[127.0.0.1]:2946"
[transport]
port = 0
[[mgc]]
mid = "[127.0.0.1]:{port}"
address = "127.0.0.1"
port = {port}
[engine]
ack_delay_ms = 10
[association]
max_wait_delay_ms = 0
retry_delay_ms = 200
attempts_per_mgc = 20
[metrics]
listen = "127.0.0.1:{metrics_port}"
sample_interval_ms = 50
[log]
format = "json"
level = "info,h248d=debug"
[service]
drain_timeout_ms = 3000
"#,
        port = mgc_addr.port()
    );
    std::fs::write(&config, text).unwrap();
    let mut child = Process::new(env!("CARGO_BIN_EXE_h248d"))
        .arg("--config")
        .arg(&config)
        .env_remove("RUST_LOG")
        .env_remove("NOTIFY_SOCKET")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("h248d starts");
    let log = collect_stderr(&mut child);
    let dump = |log: &Arc<Mutex<Vec<String>>>| log.lock().unwrap().join("\n");

    let (mg, v) =
        match tokio::time::timeout(Duration::from_secs(10), registered_mg(&mut control)).await {
            Ok(r) => r,
            Err(_) => {
                let _ = child.kill();
                panic!("no registration:\n{}", dump(&log));
            }
        };
    let add = request_actions(
        "Context = $ { Add = ip/$ { Media { Stream = 1 { Local { v=0\nc=IN IP4 $\nm=audio $ RTP/AVP 0\n } } } } }",
    );
    let result = tokio::time::timeout(Duration::from_secs(10), mgc.send_request(mg, v, add))
        .await
        .expect("in time")
        .expect("Add answered");
    let TransactionResult::ActionReplies(actions) = &result else {
        panic!("Add failed: {result:?}\n{}", dump(&log))
    };
    assert_eq!(actions[0].error, None, "{result:?}");
    let context = actions[0].context_id;
    let CommandReply::Add(added) = &actions[0].commands[0] else {
        panic!("an Add reply: {result:?}")
    };
    let termination = added.termination_ids[0].clone();
    assert!(termination.as_str().starts_with("ip/"), "{termination:?}");
    // The gateway resolved `$` in Local from its sim pool.
    let reply_text = format!("{:?}", added.audit);
    assert!(reply_text.contains("127.0.0.1"), "{reply_text}");

    let metrics_addr: SocketAddr = format!("127.0.0.1:{metrics_port}").parse().unwrap();
    let mut contexts = None;
    for _ in 0..100 {
        let text = scrape(metrics_addr, "/metrics").await;
        contexts = sample(&text, "h248_gateway_contexts");
        if contexts == Some(1.0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(contexts, Some(1.0), "{}", dump(&log));

    let subtract = request_actions(&format!(
        "Context = {} {{ Subtract = {termination} }}",
        context.0
    ));
    let result = mgc
        .send_request(mg, v, subtract)
        .await
        .expect("Subtract answered");
    let TransactionResult::ActionReplies(actions) = &result else {
        panic!("Subtract failed: {result:?}")
    };
    assert_eq!(actions[0].error, None, "{result:?}");

    // SIGHUP: reloaded, still running.
    signal(&child, "HUP");
    let mut reloaded = false;
    for _ in 0..100 {
        if log
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("SIGHUP: reloaded"))
        {
            reloaded = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(reloaded, "{}", dump(&log));
    assert!(child.try_wait().unwrap().is_none(), "still running");

    // SIGTERM: Graceful to the MGC, then exit 0.
    signal(&child, "TERM");
    let left = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match control.next_event().await {
                Some(MgcEvent::MgGoingOutOfService { peer, .. })
                | Some(MgcEvent::MgOutOfService { peer }) => break peer,
                Some(_) => {}
                None => panic!("MGC endpoint stopped"),
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no Graceful:\n{}", dump(&log)));
    assert_eq!(left, mg);
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.code(), Some(0), "{}", dump(&log));

    // JSON logs: every line an object; the request spans carry peer and
    // transaction.
    let lines = log.lock().unwrap().clone();
    assert!(!lines.is_empty());
    for line in &lines {
        let value: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(value.get("level").is_some(), "{line}");
    }
    let executed: Vec<serde_json::Value> = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["fields"]["message"] == "executed")
        .collect();
    assert_eq!(executed.len(), 2, "{}", lines.join("\n"));
    let span = &executed[0]["span"];
    assert_eq!(span["name"], "request", "{span}");
    assert_eq!(span["peer"], mgc_addr.to_string(), "{span}");
    assert!(span["transaction"].is_u64(), "{span}");
    // The context the gateway chose for `$`.
    assert_eq!(span["context"], context.0, "{span}");
    let _ = std::fs::remove_dir_all(&dir);
    mgc.shutdown().await;
}

/// The daemon's own gateway engine (the `sim` backend, not a test double)
/// under the load generator's Add / Modify / Subtract cycles, over UDP in
/// text and in BER: every transaction is answered, none with an error. Under
/// BER this needs CHOOSE to make IDs with a binary form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_gateway_answers_load_cycles_over_udp() {
    use h248_benches::load::{Driver, LoadConfig};
    use h248_stack::wire::Encoding;
    use h248d::gateway::{Gateway, SimBackend};
    use std::time::Instant;

    for (enc, encoding) in [(Enc::Pretty, Encoding::Pretty), (Enc::Ber, Encoding::Ber)] {
        let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let mgc_addr = socket.local_addr().unwrap();
        // The driver does not retransmit: a request the per-peer rate limit
        // dropped would stall its cycle, and this test is about the engine.
        let settings = settings(
            Tr::Udp,
            enc,
            mgc_addr,
            "[security]\nrate_limit_per_peer = 1000000\nrate_limit_burst = 100000\n",
        );
        let backend = Arc::new(SimBackend::new(settings.sim.clone()));
        let gateway = Arc::new(Gateway::new(settings.gateway.clone(), backend));
        let running = service::start(&settings, gateway, Arc::new(Metrics::new()))
            .await
            .expect("service starts");
        let mut driver = Driver::new(LoadConfig {
            encoding,
            version: None,
            mid: MId::Ip4 {
                address: std::net::Ipv4Addr::LOCALHOST,
                port: Some(mgc_addr.port()),
            },
            subtract_audit: true,
            timeout: Duration::from_secs(5),
        });
        let mut buffer = vec![0u8; 65_536];
        let mut mg = None;
        let mut replies = 0usize;
        let outcome = tokio::time::timeout(Duration::from_secs(20), async {
            // Registration: the MG's ServiceChange, answered by the driver.
            while driver.registered().is_none() {
                let (len, from) = socket.recv_from(&mut buffer).await.unwrap();
                driver.handle_datagram(Instant::now(), &buffer[..len]);
                mg = Some(from);
                while let Some(d) = driver.poll_transmit() {
                    socket.send_to(&d, from).await.unwrap();
                }
            }
            let mg = mg.expect("the MG's address");
            driver.start_level(Instant::now(), 8);
            driver.begin_measure();
            loop {
                while let Some(d) = driver.poll_transmit() {
                    socket.send_to(&d, mg).await.unwrap();
                }
                if replies >= 600 {
                    break;
                }
                let (len, _) = socket.recv_from(&mut buffer).await.unwrap();
                driver.handle_datagram(Instant::now(), &buffer[..len]);
                replies += 1;
            }
            let stats = driver.begin_drain();
            while driver.outstanding() > 0 {
                while let Some(d) = driver.poll_transmit() {
                    socket.send_to(&d, mg).await.unwrap();
                }
                let (len, _) = socket.recv_from(&mut buffer).await.unwrap();
                driver.handle_datagram(Instant::now(), &buffer[..len]);
            }
            stats
        })
        .await;
        let stats =
            outcome.unwrap_or_else(|_| panic!("{enc:?}: stalled after {replies} datagrams"));
        assert!(stats.transactions >= 590, "{enc:?}: {stats:?}");
        assert!(stats.cycles >= 190, "{enc:?}: {stats:?}");
        assert_eq!(
            (stats.errors, stats.timeouts, stats.late, stats.undecodable),
            (0, 0, 0, 0),
            "{enc:?}: {:?}",
            stats.error_samples
        );
        running.shutdown().await;
    }
}
