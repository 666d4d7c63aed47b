//! Interoperability with an independent implementation: Erlang/OTP megaco
//! as a live peer (`../shared/tools/megaco-peer`), over UDP (pretty,
//! compact, BER) and TCP/TPKT, versions 1 to 3.
//!
//! Both of our sides run their control association (`MgcAssociation`,
//! `MgAssociation`) in the endpoint task, as the daemon does.
//!
//! - our MGC side against megaco's MG: the MG registers (ServiceChange
//!   Restart), our association accepts, then we send Add (CHOOSE context and termination),
//!   Modify (SendReceive, Remote SDP, a signal) and Subtract (Audit of the
//!   statistics) and check every reply; the peer exits 0 once it answered
//!   the Subtract;
//! - our MG side against megaco's MGC: our association registers, megaco
//!   accepts and sends
//!   Add, Modify and Subtract, which we answer as a gateway would (a new
//!   context and termination, Local SDP, statistics on Subtract); the peer
//!   exits 0 once it has every reply.

mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use h248_stack::association::{
    MgAssociation, MgConfig, MgEvent, MgcAddress, MgcAssociation, MgcConfig, MgcEvent,
};
use h248_stack::model::*;
use h248_stack::text::Style;
use h248_stack::transaction::codec::TextCodec;
use h248_stack::transaction::{EngineConfig, Role};
use h248_stack::transport::{
    AssociationHandle, BerCodec, Endpoint, IncomingRequests, LiveAssociation, TcpTransport,
    Transport, UdpTransport,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Enc {
    Pretty,
    Compact,
    Ber,
}

impl Enc {
    fn arg(self) -> &'static str {
        match self {
            Enc::Pretty => "pretty",
            Enc::Compact => "compact",
            Enc::Ber => "ber",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tr {
    Udp,
    Tcp,
}

/// The peer script, with its Erlang module compiled once for all tests
/// (`peer.sh` would otherwise compile it concurrently into one folder).
fn peer_script() -> Option<(PathBuf, PathBuf)> {
    static EBIN: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let shared = common::shared_dir()?;
    let dir = shared.join("tools/megaco-peer");
    let ebin = EBIN.get_or_init(|| {
        let ebin = common::scratch_dir("megaco-peer-ebin");
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

fn start_peer(script: &Path, ebin: &Path, args: &[String]) -> Child {
    Process::new("sh")
        .arg(script)
        .args(args)
        .env("MEGACO_PEER_EBIN", ebin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the megaco peer starts")
}

/// Waits for the peer to exit; its exit status and everything it logged.
async fn finish_peer(child: Child) -> (Option<i32>, String) {
    tokio::task::spawn_blocking(move || {
        let out = child
            .wait_with_output()
            .expect("the peer can be waited for");
        let log = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code(), log)
    })
    .await
    .expect("waiting task")
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

/// Engine settings for a live peer: megaco resends after 1 s, 2 s, 4 s.
fn config(role: Role, port: u16) -> EngineConfig {
    let mut c = EngineConfig::new(
        role,
        MId::Ip4 {
            address: std::net::Ipv4Addr::LOCALHOST,
            port: Some(port),
        },
    );
    c.ack_delay = Duration::from_millis(10);
    c
}

type Spawned<A> = (
    Endpoint<SocketAddr>,
    IncomingRequests<SocketAddr>,
    AssociationHandle<A, SocketAddr>,
);

fn spawn<T: Transport<Peer = SocketAddr>, A: LiveAssociation<SocketAddr>>(
    config: EngineConfig,
    enc: Enc,
    transport: T,
    association: A,
) -> Spawned<A> {
    match enc {
        Enc::Pretty => Endpoint::spawn_with_association(
            config,
            TextCodec::new(Style::Pretty),
            transport,
            association,
        ),
        Enc::Compact => Endpoint::spawn_with_association(
            config,
            TextCodec::new(Style::Compact),
            transport,
            association,
        ),
        Enc::Ber => {
            Endpoint::spawn_with_association(config, BerCodec::new(), transport, association)
        }
    }
    .expect("valid configuration")
}

/// The body of a message written as text: its actions (requests) or its
/// transaction result (replies). Keeps the tests readable.
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

fn command_replies(result: &TransactionResult) -> &[CommandReply] {
    match result {
        TransactionResult::ActionReplies(actions) if actions.len() == 1 => &actions[0].commands,
        other => panic!("expected one action reply, got {other:?}"),
    }
}

// ---- our MGC against megaco's MG -------------------------------------------

async fn our_mgc(tr: Tr, enc: Enc, version: u8) {
    let Some((script, ebin)) = peer_script() else {
        return;
    };
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let association = MgcAssociation::new(MgcConfig::new());
    let (mgc, _incoming, mut control) = match tr {
        Tr::Udp => {
            let t = UdpTransport::bind(any).await.unwrap();
            let port = t.local_addr().unwrap().port();
            spawn(config(Role::Mgc, port), enc, t, association)
        }
        Tr::Tcp => {
            let t = TcpTransport::bind(any, Default::default()).await.unwrap();
            let port = t.local_addr().unwrap().port();
            spawn(config(Role::Mgc, port), enc, t, association)
        }
    };
    let our = mgc.local_addr().unwrap();
    let mg_port = free_port(tr);
    let args: Vec<String> = [
        "mg",
        "--mgc",
        &our.to_string(),
        "--port",
        &mg_port.to_string(),
        "--encoding",
        enc.arg(),
        "--transport",
        if tr == Tr::Udp { "udp" } else { "tcp" },
        "--version",
        &version.to_string(),
        "--timeout",
        "25",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let peer = start_peer(&script, &ebin, &args);

    let exchange = async {
        // Registration: ServiceChange Restart on ROOT, accepted by our
        // association at the MG's version.
        let (mg, v) = match control.next_event().await.expect("an association event") {
            MgcEvent::MgRegistered {
                peer,
                method,
                version: v,
                ..
            } => {
                assert_eq!(method, ServiceChangeMethod::Restart);
                (peer, v)
            }
            other => panic!("expected a registration, got {other:?}"),
        };
        assert_eq!(v, version);

        // Add a CHOOSE termination to a CHOOSE context.
        let add = request_actions(
            "Context = $ { Add = $ { Media { Stream = 1 { LocalControl { Mode = ReceiveOnly },
             Local { v=0\nc=IN IP4 $\nm=audio $ RTP/AVP 0\n } } } } }",
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
        assert!(!termination.as_str().contains('$'));

        let modify = request_actions(&format!(
            "Context = {} {{ Modify = {termination} {{ Media {{ Stream = 1 {{
             LocalControl {{ Mode = SendReceive }},
             Remote {{ v=0\nc=IN IP4 127.0.0.1\nm=audio 4000 RTP/AVP 0\n }} }} }},
             Signals {{ cg/rt }} }} }}",
            context.0
        ));
        let result = mgc
            .send_request(mg, v, modify)
            .await
            .expect("Modify answered");
        assert!(matches!(
            command_replies(&result)[0],
            CommandReply::Modify(_)
        ));

        let subtract = request_actions(&format!(
            "Context = {} {{ Subtract = {termination} {{ Audit {{ Statistics }} }} }}",
            context.0
        ));
        let result = mgc
            .send_request(mg, v, subtract)
            .await
            .expect("Subtract answered");
        let CommandReply::Subtract(subtracted) = &command_replies(&result)[0] else {
            panic!("a Subtract reply: {result:?}")
        };
        assert_eq!(subtracted.termination_ids[..], [termination]);
    };
    tokio::time::timeout(Duration::from_secs(25), exchange)
        .await
        .expect("the exchange completes in time");
    let (code, log) = finish_peer(peer).await;
    assert_eq!(code, Some(0), "megaco MG failed:\n{log}");
    let stats = mgc.stats().await.unwrap();
    assert_eq!(stats.engine.undecodable_messages, 0, "{log}");
    mgc.shutdown().await;
}

// ---- our MG against megaco's MGC -------------------------------------------

/// The gateway side: answers the MGC's commands as an MG would.
async fn serve_gateway(mut incoming: IncomingRequests<SocketAddr>) -> Vec<&'static str> {
    let mut seen = Vec::new();
    let mut next_context = 7u32;
    while let Some(request) = incoming.recv().await {
        let mut replies = Vec::new();
        for action in &request.actions {
            let mut context = action.context_id;
            let mut commands = Vec::new();
            for command in &action.commands {
                let reply = match &command.command {
                    Command::Add(add) => {
                        seen.push("Add");
                        if context == ContextId::CHOOSE {
                            context = ContextId(next_context);
                            next_context += 1;
                        }
                        let id = if add.termination_ids[0].as_str() == "$" {
                            TerminationId::new(format!(
                                "00000001/00000000/{:08b}",
                                context.0 & 0xff
                            ))
                        } else {
                            add.termination_ids[0].clone()
                        };
                        let reply = reply_result(&format!(
                            "Context = 1 {{ Add = {id} {{ Media {{ Stream = 1 {{ Local {{ v=0\nc=IN IP4 127.0.0.1\nm=audio 4{:03} RTP/AVP 0\n }} }} }} }} }}",
                            context.0 % 1000
                        ));
                        command_replies(&reply)[0].clone()
                    }
                    Command::Modify(modify) => {
                        seen.push("Modify");
                        CommandReply::Modify(AmmsReply {
                            termination_ids: modify.termination_ids.clone(),
                            audit: Vec::new(),
                        })
                    }
                    Command::Subtract(subtract) => {
                        seen.push("Subtract");
                        let reply = reply_result(&format!(
                            "Context = 1 {{ Subtract = {} {{ Statistics {{ nt/os = 1200, nt/or = 960 }} }} }}",
                            subtract.termination_ids[0]
                        ));
                        command_replies(&reply)[0].clone()
                    }
                    other => panic!("unexpected command from the MGC: {other:?}"),
                };
                commands.push(reply);
            }
            replies.push(ActionReply {
                context_id: context,
                error: None,
                context_reply: None,
                commands,
            });
        }
        request
            .reply(TransactionResult::ActionReplies(replies))
            .await
            .expect("reply accepted");
    }
    seen
}

async fn our_mg(tr: Tr, enc: Enc, version: u8) {
    let Some((script, ebin)) = peer_script() else {
        return;
    };
    let mgc_port = free_port(tr);
    let args: Vec<String> = [
        "mgc",
        "--port",
        &mgc_port.to_string(),
        "--encoding",
        enc.arg(),
        "--transport",
        if tr == Tr::Udp { "udp" } else { "tcp" },
        "--version",
        &version.to_string(),
        "--timeout",
        "25",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let peer = start_peer(&script, &ebin, &args);
    let mgc: SocketAddr = format!("127.0.0.1:{mgc_port}").parse().unwrap();
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let mgc_mid = MId::Ip4 {
        address: std::net::Ipv4Addr::LOCALHOST,
        port: Some(mgc_port),
    };
    let mut mg_config = MgConfig::new(vec![MgcAddress {
        mid: mgc_mid.clone(),
        peer: mgc,
    }]);
    // The version this MG is provisioned with. (Offering 3 to the peer set
    // to version 1 or 2 also registers: megaco answers in the request's
    // version without ServiceChangeVersion, which accepts 3, and then
    // sends its own requests in its version; the association's unit tests
    // cover negotiation downwards.)
    mg_config.version = version;
    mg_config.max_wait_delay = Duration::ZERO;
    mg_config.retry_delay = Duration::from_millis(300);
    mg_config.attempts_per_mgc = 20;
    let resolve = Box::new(move |mid: &MId| (*mid == mgc_mid).then_some(mgc));
    let association = MgAssociation::new(mg_config, resolve, Box::new(|| 0));
    let (mg, incoming, mut control) = match tr {
        Tr::Udp => {
            let t = UdpTransport::bind(any).await.unwrap();
            let port = t.local_addr().unwrap().port();
            spawn(config(Role::Mg, port), enc, t, association)
        }
        Tr::Tcp => spawn(
            config(Role::Mg, 2950),
            enc,
            TcpTransport::connector(Default::default()),
            association,
        ),
    };
    let gateway = tokio::spawn(serve_gateway(incoming));
    control
        .act(|association, now| association.start(now))
        .await
        .expect("endpoint running");
    // The peer needs a moment to listen: over UDP the engine retransmits;
    // over TCP a refused connection fails the attempt and the association
    // tries again.
    let registered = async {
        loop {
            match control.next_event().await.expect("an association event") {
                MgEvent::Registered {
                    version: settled, ..
                } => break settled,
                MgEvent::Registering { .. } | MgEvent::AttemptFailed { .. } => {}
                other => panic!("registration failed: {other:?}"),
            }
        }
    };
    let settled = tokio::time::timeout(Duration::from_secs(20), registered)
        .await
        .expect("registered in time");
    assert_eq!(settled, version, "the negotiated version");
    let (code, log) = finish_peer(peer).await;
    assert_eq!(code, Some(0), "megaco MGC failed:\n{log}");
    mg.shutdown().await;
    let seen = gateway.await.expect("gateway task");
    assert_eq!(seen, ["Add", "Modify", "Subtract"], "{log}");
}

#[tokio::test]
async fn our_mgc_megaco_mg_udp_pretty_v1() {
    our_mgc(Tr::Udp, Enc::Pretty, 1).await;
}

#[tokio::test]
async fn our_mgc_megaco_mg_udp_compact_v2() {
    our_mgc(Tr::Udp, Enc::Compact, 2).await;
}

#[tokio::test]
async fn our_mgc_megaco_mg_udp_pretty_v3() {
    our_mgc(Tr::Udp, Enc::Pretty, 3).await;
}

#[tokio::test]
async fn our_mgc_megaco_mg_udp_ber_v3() {
    our_mgc(Tr::Udp, Enc::Ber, 3).await;
}

#[tokio::test]
async fn our_mgc_megaco_mg_tcp_compact_v3() {
    our_mgc(Tr::Tcp, Enc::Compact, 3).await;
}

#[tokio::test]
async fn our_mgc_megaco_mg_tcp_ber_v2() {
    our_mgc(Tr::Tcp, Enc::Ber, 2).await;
}

#[tokio::test]
async fn our_mg_megaco_mgc_udp_pretty_v1() {
    our_mg(Tr::Udp, Enc::Pretty, 1).await;
}

#[tokio::test]
async fn our_mg_megaco_mgc_udp_compact_v3() {
    our_mg(Tr::Udp, Enc::Compact, 3).await;
}

#[tokio::test]
async fn our_mg_megaco_mgc_udp_ber_v1() {
    our_mg(Tr::Udp, Enc::Ber, 1).await;
}

#[tokio::test]
async fn our_mg_megaco_mgc_udp_ber_v3() {
    our_mg(Tr::Udp, Enc::Ber, 3).await;
}

#[tokio::test]
async fn our_mg_megaco_mgc_tcp_pretty_v1() {
    our_mg(Tr::Tcp, Enc::Pretty, 1).await;
}

#[tokio::test]
async fn our_mg_megaco_mgc_tcp_ber_v2() {
    our_mg(Tr::Tcp, Enc::Ber, 2).await;
}
