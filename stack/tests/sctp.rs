//! Our MGC endpoint against our MG endpoint over SCTP (H.248.1 Annex H,
//! TS 29.334; RFC 4960), text and BER, and the PPID / stream on the wire.
//!
//! The host kernel here has no SCTP: run this binary in the QEMU guest of
//! `../shared/tools/sctp-vm` (which sets `SCTPVM_GUEST=1`):
//!
//! ```sh
//! bash ../shared/tools/sctp-vm/setup.sh
//! CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER=$PWD/../shared/tools/sctp-vm/run-in-vm.sh \
//!     cargo test -p h248-stack --test sctp
//! ```
//!
//! Elsewhere, on a kernel without SCTP, every test prints "skipped: no
//! kernel SCTP (run via sctp-vm)" and passes; in the guest a missing SCTP is
//! a failure.

mod transport_util;

use std::net::SocketAddr;
use std::time::Duration;

use h248_stack::model::{MessageBody, Transaction};
use h248_stack::text;
use h248_stack::transaction::{EngineConfig, Failure, Role};
use h248_stack::transport::sctp::{
    kernel_supports_sctp, SctpOptions, H248_PPID, H248_PPID_WIRE, H248_STREAM,
};
use h248_stack::transport::{RequestError, SctpTransport};
use sctp_rs::{NotificationOrData, SendData, SendInfo, Socket, SocketToAssociation};
use transport_util::{
    actions, answer, assert_once, load, serve_mg, spawn, spawn_with, termination, test_config, Enc,
};

/// False (after saying so) when the test cannot run here.
fn sctp_available() -> bool {
    if kernel_supports_sctp() {
        return true;
    }
    assert!(
        std::env::var("SCTPVM_GUEST").as_deref() != Ok("1"),
        "no kernel SCTP inside the sctp-vm guest"
    );
    // Straight to the stream, past the test harness's output capture.
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        b"skipped: no kernel SCTP (run via sctp-vm)\n",
    );
    false
}

/// Transaction `id` (a Modify in context `id`) in compact text, as one
/// user message on stream 0 with PPID 7 in network byte order.
fn modify_request(id: u32) -> SendData {
    SendData {
        payload: format!(
            "!/3 [192.0.2.9]:2944\nT={id}{{C={id}{{MF={}}}}}",
            termination(id)
        )
        .into_bytes(),
        snd_info: Some(SendInfo {
            sid: 0,
            flags: 0,
            ppid: H248_PPID.to_be(),
            context: 0,
            assoc_id: 0,
        }),
    }
}

/// The next user message on `conn` (notifications skipped), within 10 s.
async fn next_data(conn: &sctp_rs::ConnectedSocket) -> sctp_rs::ReceivedData {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), conn.sctp_recv())
            .await
            .expect("a reply")
            .unwrap()
        {
            NotificationOrData::Data(d) => return d,
            NotificationOrData::Notification(_) => continue,
        }
    }
}

/// The test timers with the default T-MAX (30 s) and LONG-TIMER (32 s):
/// over a reliable transport T-MAX alone bounds a request (Annex D.2), and
/// the guest runs under emulation (TCG), some 50 times slower than native.
fn slow_machine_config(role: Role) -> EngineConfig {
    let mut config = test_config(role);
    config.request_lifetime = Duration::from_secs(30);
    config.long_timer = Duration::from_secs(32);
    config
}

async fn exchange(enc: Enc, host: &str) {
    let any: SocketAddr = format!("{host}:0").parse().unwrap();
    let mg_transport = SctpTransport::bind(any, SctpOptions::default())
        .await
        .unwrap();
    let (mg, mg_incoming) = spawn_with(slow_machine_config(Role::Mg), enc, mg_transport);
    let (mgc, _i) = spawn_with(
        slow_machine_config(Role::Mgc),
        enc,
        SctpTransport::connector(SctpOptions::default()).unwrap(),
    );
    let executions = serve_mg(mg_incoming);
    let mg_addr = mg.local_addr().expect("bound address");
    assert_ne!(mg_addr.port(), 0);
    let started = std::time::Instant::now();
    for (i, version) in [1u8, 2, 3].into_iter().enumerate() {
        load(&mgc, mg_addr, version, 1 + 30 * i as u32, 30).await;
    }
    println!(
        "SCTP {enc:?} on {host}: 90 transactions in {:?}",
        started.elapsed()
    );
    assert_once(&executions, 90);
    let mgc_stats = mgc.stats().await.unwrap();
    let mg_stats = mg.stats().await.unwrap();
    assert_eq!(mgc_stats.engine.replies_received, 90);
    assert_eq!(mgc_stats.engine.request_retransmissions, 0);
    assert_eq!(mg_stats.engine.undecodable_messages, 0);
    assert_eq!(mgc_stats.send_errors + mg_stats.send_errors, 0);
    mgc.shutdown().await;
    mg.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sctp_text_ipv4() {
    if sctp_available() {
        exchange(Enc::Compact, "127.0.0.1").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sctp_ber_ipv4() {
    if sctp_available() {
        exchange(Enc::Ber, "127.0.0.1").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sctp_pretty_ipv6() {
    if sctp_available() {
        exchange(Enc::Pretty, "[::1]").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sctp_ber_ipv6() {
    if sctp_available() {
        exchange(Enc::Ber, "[::1]").await;
    }
}

/// A plain sctp-rs client: its request (PPID 7, stream 0) is answered in
/// one user message on stream 0 with PPID 7 in network byte order.
#[tokio::test]
async fn ppid_and_stream_on_the_wire() {
    if !sctp_available() {
        return;
    }
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let (mg, mg_incoming) = spawn(
        Role::Mg,
        Enc::Compact,
        SctpTransport::bind(any, SctpOptions::default())
            .await
            .unwrap(),
    );
    let executions = serve_mg(mg_incoming);
    let client = Socket::new_v4(SocketToAssociation::OneToOne).unwrap();
    let (conn, _assoc) = client.connect(mg.local_addr().unwrap()).await.unwrap();
    conn.sctp_request_rcvinfo(true).unwrap();
    conn.sctp_send(modify_request(42)).await.unwrap();
    let data = next_data(&conn).await;
    let info = data.rcv_info.expect("SCTP_RCVINFO");
    assert_eq!(info.ppid, H248_PPID_WIRE);
    assert_eq!(u32::from_be(info.ppid), 7);
    assert_eq!(info.sid, H248_STREAM);
    let reply = text::decode(&data.payload).unwrap();
    let MessageBody::Transactions(ts) = reply.message.body else {
        panic!("expected transactions")
    };
    match &ts[..] {
        [Transaction::Reply(r)] => {
            assert_eq!(r.transaction_id, 42);
            assert_eq!(r.result, answer(&actions(42)));
        }
        other => panic!("expected one reply, got {other:?}"),
    }
    assert_once(&executions, 1);
    mg.shutdown().await;
}

/// `bind_filtered`: an association the filter refuses is shut down at
/// once and its request never executed; a later one it accepts is served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accept_filter_shuts_down_refused_associations() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    if !sctp_available() {
        return;
    }
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let seen = Arc::new(AtomicUsize::new(0));
    // Refuses the first association, accepts the rest.
    let filter = {
        let seen = seen.clone();
        Arc::new(move |_peer: SocketAddr| seen.fetch_add(1, Ordering::Relaxed) > 0)
    };
    let (mg, mg_incoming) = spawn(
        Role::Mg,
        Enc::Compact,
        SctpTransport::bind_filtered(any, SctpOptions::default(), filter)
            .await
            .unwrap(),
    );
    let executions = serve_mg(mg_incoming);
    let mg_addr = mg.local_addr().unwrap();
    // The stranger: its association ends without an answer. The refusal
    // can be so quick that the stranger's connect already reports it.
    let stranger = Socket::new_v4(SocketToAssociation::OneToOne).unwrap();
    if let Ok((conn, _assoc)) = stranger.connect(mg_addr).await {
        let _ = conn.sctp_send(modify_request(1)).await;
        let ended = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                match conn.sctp_recv().await {
                    Ok(NotificationOrData::Data(d)) if d.payload.is_empty() => return,
                    Ok(NotificationOrData::Data(d)) => {
                        panic!("the stranger was answered: {:?}", d.payload)
                    }
                    Ok(NotificationOrData::Notification(_)) => continue,
                    Err(_) => return,
                }
            }
        })
        .await;
        assert!(ended.is_ok(), "the refused association stays open");
    }
    assert_eq!(seen.load(Ordering::Relaxed), 1);
    // The next association is accepted and served.
    let friend = Socket::new_v4(SocketToAssociation::OneToOne).unwrap();
    let (conn, _assoc) = friend.connect(mg_addr).await.unwrap();
    conn.sctp_send(modify_request(2)).await.unwrap();
    let reply = next_data(&conn).await;
    let reply = text::decode(&reply.payload).unwrap();
    let MessageBody::Transactions(ts) = reply.message.body else {
        panic!("expected transactions")
    };
    assert!(matches!(&ts[..], [Transaction::Reply(r)] if r.transaction_id == 2));
    // Only the friend's request ran.
    assert_once(&executions, 1);
    assert_eq!(seen.load(Ordering::Relaxed), 2);
    mg.shutdown().await;
}

/// The MG's association goes away: the MGC's waiting request fails with
/// `PeerLost` at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_association_fails_requests() {
    if !sctp_available() {
        return;
    }
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let (mg, mut mg_incoming) = spawn(
        Role::Mg,
        Enc::Compact,
        SctpTransport::bind(any, SctpOptions::default())
            .await
            .unwrap(),
    );
    let (mgc, _i) = spawn(
        Role::Mgc,
        Enc::Compact,
        SctpTransport::connector(SctpOptions::default()).unwrap(),
    );
    let waiting = tokio::spawn(mgc.send_request(mg.local_addr().unwrap(), 3, actions(1)));
    let request = mg_incoming.recv().await.unwrap();
    assert_eq!(request.transaction_id, 1);
    mg.shutdown().await;
    let outcome = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("failed before T-MAX")
        .unwrap();
    assert_eq!(outcome, Err(RequestError::Failed(Failure::PeerLost)));
    mgc.shutdown().await;
}

/// Messages sctp-rs could not deliver whole are refused before any socket
/// is touched (runs on any kernel).
#[tokio::test]
async fn oversized_messages_refused() {
    use h248_stack::transport::sctp::SCTP_MAX_MESSAGE;
    use h248_stack::transport::Transport;
    let mut transport = SctpTransport::connector(SctpOptions::default()).unwrap();
    let peer: SocketAddr = "127.0.0.1:2944".parse().unwrap();
    let error = transport
        .send(peer, vec![b' '; SCTP_MAX_MESSAGE + 1])
        .await
        .unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert_eq!(transport.associations(), 0);
}
