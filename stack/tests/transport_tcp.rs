//! Our MGC endpoint against our MG endpoint over TCP with TPKT (H.248.1
//! Annex D.2, RFC 1006), text and BER, IPv4 and IPv6; a raw TPKT peer that
//! splits its bytes; and lost connections reported to the engine.

mod transport_util;

use std::net::SocketAddr;
use std::time::Duration;

use h248_stack::model::{MessageBody, Transaction, TransactionResult};
use h248_stack::text;
use h248_stack::transaction::{Failure, Role};
use h248_stack::transport::endpoint::AnswerError;
use h248_stack::transport::tcp::TcpOptions;
use h248_stack::transport::{RequestError, TcpTransport};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use transport_util::{actions, answer, assert_once, load, serve_mg, spawn, termination, Enc};

async fn exchange(enc: Enc, host: &str, connector_only: bool) {
    let any: SocketAddr = format!("{host}:0").parse().unwrap();
    let mg_transport = TcpTransport::bind(any, TcpOptions::default())
        .await
        .unwrap();
    let (mg, mg_incoming) = spawn(Role::Mg, enc, mg_transport);
    let mgc_transport = if connector_only {
        TcpTransport::connector(TcpOptions::default())
    } else {
        TcpTransport::bind(any, TcpOptions::default())
            .await
            .unwrap()
    };
    let (mgc, _mgc_incoming) = spawn(Role::Mgc, enc, mgc_transport);
    let executions = serve_mg(mg_incoming);
    let mg_addr = mg.local_addr().unwrap();
    for (i, version) in [1u8, 2, 3].into_iter().enumerate() {
        load(&mgc, mg_addr, version, 1 + 40 * i as u32, 40).await;
    }
    assert_once(&executions, 120);
    let mgc_stats = mgc.stats().await.unwrap();
    let mg_stats = mg.stats().await.unwrap();
    assert_eq!(mgc_stats.engine.replies_received, 120);
    // Reliable transport: nothing is retransmitted (Annex D.2.3).
    assert_eq!(mgc_stats.engine.request_retransmissions, 0);
    assert_eq!(mg_stats.engine.duplicate_requests, 0);
    assert_eq!(mgc_stats.peers_lost + mg_stats.peers_lost, 0);
    // The MG answered over the one connection the MGC opened: every
    // executed transaction came from the same peer address.
    let peers: std::collections::HashSet<_> =
        executions.lock().unwrap().keys().map(|(p, _)| *p).collect();
    assert_eq!(peers.len(), 1);
    mgc.shutdown().await;
    mg.shutdown().await;
}

#[tokio::test]
async fn tcp_text_ipv4() {
    exchange(Enc::Compact, "127.0.0.1", false).await;
}

#[tokio::test]
async fn tcp_pretty_ipv4_connector() {
    exchange(Enc::Pretty, "127.0.0.1", true).await;
}

#[tokio::test]
async fn tcp_ber_ipv4() {
    exchange(Enc::Ber, "127.0.0.1", false).await;
}

#[tokio::test]
async fn tcp_text_ipv6() {
    exchange(Enc::Compact, "[::1]", false).await;
}

#[tokio::test]
async fn tcp_ber_ipv6() {
    exchange(Enc::Ber, "[::1]", true).await;
}

/// A peer writing TPKT packets byte by byte, two requests in one packet
/// stream, gets TPKT-framed replies; a bad TPKT version closes the
/// connection.
#[tokio::test]
async fn raw_tpkt_peer() {
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let (mg, mg_incoming) = spawn(
        Role::Mg,
        Enc::Compact,
        TcpTransport::bind(any, TcpOptions::default())
            .await
            .unwrap(),
    );
    let executions = serve_mg(mg_incoming);
    let mut stream = TcpStream::connect(mg.local_addr().unwrap()).await.unwrap();
    let mut bytes = Vec::new();
    for id in [7u32, 8] {
        let k = id;
        let message = format!(
            "!/3 [192.0.2.9]:2944\nT={id}{{C={k}{{MF={}}}}}",
            termination(k)
        );
        bytes.extend_from_slice(&[3, 0]);
        bytes.extend_from_slice(&((message.len() + 4) as u16).to_be_bytes());
        bytes.extend_from_slice(message.as_bytes());
    }
    for b in &bytes {
        stream.write_all(&[*b]).await.unwrap();
        stream.flush().await.unwrap();
    }
    let mut replies = Vec::new();
    while replies.len() < 2 {
        let mut header = [0u8; 4];
        tokio::time::timeout(Duration::from_secs(5), stream.read_exact(&mut header))
            .await
            .expect("a reply")
            .unwrap();
        assert_eq!(header[..2], [3, 0]);
        let len = usize::from(u16::from_be_bytes([header[2], header[3]])) - 4;
        let mut body = vec![0u8; len];
        stream.read_exact(&mut body).await.unwrap();
        let message = text::decode(&body).unwrap();
        let MessageBody::Transactions(ts) = message.message.body else {
            panic!("expected transactions")
        };
        for t in ts {
            if let Transaction::Reply(r) = t {
                replies.push((r.transaction_id, r.result));
            }
        }
    }
    replies.sort_by_key(|(id, _)| *id);
    assert_eq!(replies[0], (7, answer(&actions(7))));
    assert_eq!(replies[1], (8, answer(&actions(8))));
    assert_once(&executions, 2);
    // Not TPKT: the MG closes the connection.
    let first_len = usize::from(u16::from_be_bytes([bytes[2], bytes[3]]));
    let unframed = &bytes[4..first_len];
    assert!(text::decode(unframed).is_ok());
    stream.write_all(unframed).await.unwrap();
    let mut rest = Vec::new();
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest))
        .await
        .expect("the connection closes")
        .unwrap_or(0);
    assert_eq!(n, 0, "nothing answered over broken framing");
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(mg.stats().await.unwrap().peers_lost, 1);
}

/// A connection that closes fails the requests waiting on it at once with
/// `PeerLost`, not at T-MAX; a peer nobody listens on likewise.
#[tokio::test]
async fn lost_connections_fail_requests_at_once() {
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let (mg, mut mg_incoming) = spawn(
        Role::Mg,
        Enc::Compact,
        TcpTransport::bind(any, TcpOptions::default())
            .await
            .unwrap(),
    );
    let mg_addr = mg.local_addr().unwrap();
    let (mgc, _i) = spawn(
        Role::Mgc,
        Enc::Compact,
        TcpTransport::connector(TcpOptions::default()),
    );
    let started = std::time::Instant::now();
    let pending = mgc.send_request(mg_addr, 3, actions(1));
    let waiting = tokio::spawn(pending);
    // The MG receives it and shuts down without answering.
    let request = mg_incoming.recv().await.unwrap();
    assert_eq!(request.transaction_id, 1);
    mg.shutdown().await;
    let outcome = tokio::time::timeout(Duration::from_secs(3), waiting)
        .await
        .expect("failed before T-MAX")
        .unwrap();
    assert_eq!(outcome, Err(RequestError::Failed(Failure::PeerLost)));
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(
        request
            .reply(TransactionResult::ActionReplies(vec![]))
            .await,
        Err(AnswerError::Closed)
    );
    // Nobody listens there any more: the connect fails, so does the request.
    let outcome = tokio::time::timeout(
        Duration::from_secs(3),
        mgc.send_request(mg_addr, 3, actions(2)),
    )
    .await
    .expect("failed before T-MAX");
    assert_eq!(outcome, Err(RequestError::Failed(Failure::PeerLost)));
    assert_eq!(mgc.stats().await.unwrap().peers_lost, 2);
}

/// `bind_filtered`: a connection the filter refuses is closed at once, its
/// request is never executed and no peer is counted; an accepted peer is
/// served as usual.
#[tokio::test]
async fn accept_filter_closes_refused_peers() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let refused = Arc::new(AtomicUsize::new(0));
    let allowed_port = Arc::new(std::sync::Mutex::new(None::<u16>));
    let filter = {
        let refused = refused.clone();
        let allowed_port = allowed_port.clone();
        Arc::new(move |peer: SocketAddr| {
            let ok = *allowed_port.lock().unwrap() == Some(peer.port());
            if !ok {
                refused.fetch_add(1, Ordering::Relaxed);
            }
            ok
        })
    };
    let (mg, mg_incoming) = spawn(
        Role::Mg,
        Enc::Compact,
        TcpTransport::bind_filtered(any, TcpOptions::default(), filter)
            .await
            .unwrap(),
    );
    let executions = serve_mg(mg_incoming);
    let mg_addr = mg.local_addr().unwrap();
    let framed = |id: u32| {
        let message = format!(
            "!/3 [192.0.2.9]:2944\nT={id}{{C={id}{{MF={}}}}}",
            termination(id)
        );
        let mut bytes = vec![3, 0];
        bytes.extend_from_slice(&((message.len() + 4) as u16).to_be_bytes());
        bytes.extend_from_slice(message.as_bytes());
        bytes
    };
    // A stranger: closed without an answer.
    let mut stranger = TcpStream::connect(mg_addr).await.unwrap();
    let _ = stranger.write_all(&framed(1)).await;
    let mut rest = Vec::new();
    let n = tokio::time::timeout(Duration::from_secs(5), stranger.read_to_end(&mut rest))
        .await
        .expect("the stranger's connection closes")
        .unwrap_or(0);
    assert_eq!(n, 0);
    assert_eq!(refused.load(Ordering::Relaxed), 1);
    // An allowed peer (bound to a known local port) is served.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    *allowed_port.lock().unwrap() = Some(socket.local_addr().unwrap().port());
    let mut friend = socket.connect(mg_addr).await.unwrap();
    friend.write_all(&framed(2)).await.unwrap();
    let mut header = [0u8; 4];
    tokio::time::timeout(Duration::from_secs(5), friend.read_exact(&mut header))
        .await
        .expect("a reply")
        .unwrap();
    assert_eq!(header[..2], [3, 0]);
    assert_once(&executions, 1);
    assert!(executions.lock().unwrap().keys().all(|(_, id)| *id == 2));
    assert_eq!(refused.load(Ordering::Relaxed), 1);
    assert_eq!(mg.stats().await.unwrap().peers_lost, 0);
}
