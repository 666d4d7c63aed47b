//! Our MGC endpoint against our MG endpoint over UDP (H.248.1 Annex D.1),
//! in every encoding, on IPv4 and IPv6 loopback; and what an undecodable
//! datagram gets back.

mod transport_util;

use std::net::SocketAddr;
use std::time::Duration;

use h248_stack::model::MessageBody;
use h248_stack::transaction::Role;
use h248_stack::transport::UdpTransport;
use h248_stack::wire;
use transport_util::{assert_once, load, serve_mg, spawn, Enc};

async fn exchange(enc: Enc, host: &str) {
    let any: SocketAddr = format!("{host}:0").parse().unwrap();
    let (mg, mg_incoming) = spawn(Role::Mg, enc, UdpTransport::bind(any).await.unwrap());
    let (mgc, _mgc_incoming) = spawn(Role::Mgc, enc, UdpTransport::bind(any).await.unwrap());
    let executions = serve_mg(mg_incoming);
    let mg_addr = mg.local_addr().unwrap();
    assert_eq!(mg_addr.ip(), any.ip());
    // Versions 1 to 3, 40 concurrent transactions each.
    for (i, version) in [1u8, 2, 3].into_iter().enumerate() {
        load(&mgc, mg_addr, version, 1 + 40 * i as u32, 40).await;
    }
    assert_once(&executions, 120);
    let mgc_stats = mgc.stats().await.unwrap();
    let mg_stats = mg.stats().await.unwrap();
    assert_eq!(mgc_stats.engine.requests_sent, 120);
    // Message counters include retransmissions, which the 20 ms test
    // timer provokes on a loaded machine; executions were counted above.
    assert!(mgc_stats.engine.replies_received >= 120);
    assert!(mg_stats.engine.requests_received >= 120);
    assert_eq!(mg_stats.engine.undecodable_messages, 0);
    assert_eq!(mgc_stats.send_errors + mg_stats.send_errors, 0);
    // The MGC acknowledges the replies in batches (Annex D.1.2.2), and
    // nothing is left in progress on either side.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mg_stats = mg.stats().await.unwrap();
    assert!(mg_stats.engine.acks_received >= 1);
    assert_eq!(
        mg_stats.engine.acks_received,
        mgc.stats().await.unwrap().engine.acks_sent
    );
    assert_eq!(mg_stats.live_transactions, 0);
    assert_eq!(mgc.stats().await.unwrap().live_transactions, 0);
    mgc.shutdown().await;
    mg.shutdown().await;
    // Shut down: the handles now fail fast.
    assert!(mgc.stats().await.is_err());
}

#[tokio::test]
async fn udp_pretty_ipv4() {
    exchange(Enc::Pretty, "127.0.0.1").await;
}

#[tokio::test]
async fn udp_compact_ipv4() {
    exchange(Enc::Compact, "127.0.0.1").await;
}

#[tokio::test]
async fn udp_ber_ipv4() {
    exchange(Enc::Ber, "127.0.0.1").await;
}

#[tokio::test]
async fn udp_pretty_ipv6() {
    exchange(Enc::Pretty, "[::1]").await;
}

#[tokio::test]
async fn udp_compact_ipv6() {
    exchange(Enc::Compact, "[::1]").await;
}

#[tokio::test]
async fn udp_ber_ipv6() {
    exchange(Enc::Ber, "[::1]").await;
}

/// A datagram whose header reads but whose body does not gets a
/// message-level error 400 in its version (clause 8.2.2); one whose header
/// does not read is dropped; the endpoint keeps serving either way.
#[tokio::test]
async fn undecodable_datagrams() {
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let (mg, mg_incoming) = spawn(
        Role::Mg,
        Enc::Compact,
        UdpTransport::bind(any).await.unwrap(),
    );
    let executions = serve_mg(mg_incoming);
    let mg_addr = mg.local_addr().unwrap();
    let raw = tokio::net::UdpSocket::bind(any).await.unwrap();
    raw.send_to(b"\x00\x01garbage", mg_addr).await.unwrap();
    raw.send_to(b"MEGACO/2 [192.0.2.1]:2944 Transaction = {", mg_addr)
        .await
        .unwrap();
    let mut buf = vec![0u8; 65536];
    let (n, from) = tokio::time::timeout(Duration::from_secs(5), raw.recv_from(&mut buf))
        .await
        .expect("an error reply")
        .unwrap();
    assert_eq!(from, mg_addr);
    let (reply, _) = wire::decode_any(&buf[..n]).unwrap();
    assert_eq!(reply.message.version, 2);
    match reply.message.body {
        MessageBody::Error(e) => assert_eq!(e.code, 400),
        other => panic!("expected an error descriptor, got {other:?}"),
    }
    // Still serving: a real exchange through a second endpoint.
    let (mgc, _i) = spawn(
        Role::Mgc,
        Enc::Compact,
        UdpTransport::bind(any).await.unwrap(),
    );
    load(&mgc, mg_addr, 3, 1, 5).await;
    assert_once(&executions, 5);
    let stats = mg.stats().await.unwrap();
    assert_eq!(stats.engine.undecodable_messages, 2);
    assert_eq!(stats.engine.message_errors_sent, 1);
}

/// A dual-stack socket on `[::]` serves an IPv4 MGC, keyed by its IPv4
/// address, and sends requests to IPv4 peers whose replies match them.
#[tokio::test]
async fn dual_stack_mg_serves_ipv4_peers() {
    let Ok(mg_transport) = UdpTransport::bind("[::]:0".parse().unwrap()).await else {
        eprintln!("no IPv6 here: skipped");
        return;
    };
    let (mg, mg_incoming) = spawn(Role::Mg, Enc::Compact, mg_transport);
    let executions = serve_mg(mg_incoming);
    let v4: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let (mgc, mgc_incoming) = spawn(
        Role::Mgc,
        Enc::Compact,
        UdpTransport::bind(v4).await.unwrap(),
    );
    let mg_v4: SocketAddr = ([127, 0, 0, 1], mg.local_addr().unwrap().port()).into();
    load(&mgc, mg_v4, 3, 1, 10).await;
    assert_once(&executions, 10);
    // The other way: the MG endpoint sends a request to the IPv4 MGC.
    let (mgc_addr_seen, _) = *executions.lock().unwrap().keys().next().unwrap();
    assert_eq!(
        mgc_addr_seen,
        mgc.local_addr().unwrap(),
        "keyed by the IPv4 address"
    );
    let mgc_v4: SocketAddr = mgc.local_addr().unwrap();
    let mgc_executions = serve_mg(mgc_incoming);
    load(&mg, mgc_v4, 3, 100, 5).await;
    assert_once(&mgc_executions, 5);
}

/// What the engine refuses comes back as an error, not a hang: a request
/// without actions, and a configuration that breaks Annex D.1.5.
#[tokio::test]
async fn refusals_are_reported() {
    use h248_stack::transaction::SendError;
    use h248_stack::transport::RequestError;
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let (mgc, _i) = spawn(
        Role::Mgc,
        Enc::Compact,
        UdpTransport::bind(any).await.unwrap(),
    );
    let outcome = mgc.send_request(any, 3, vec![]).await;
    assert_eq!(outcome, Err(RequestError::Refused(SendError::NoActions)));
    mgc.shutdown().await;
    assert_eq!(
        mgc.send_request(any, 3, transport_util::actions(1)).await,
        Err(RequestError::Closed)
    );
    let mut config = transport_util::test_config(Role::Mgc);
    config.long_timer = config.request_lifetime;
    let spawned = h248_stack::transport::Endpoint::spawn(
        config,
        h248_stack::transaction::codec::TextCodec::new(h248_stack::text::Style::Compact),
        UdpTransport::bind(any).await.unwrap(),
    );
    assert!(spawned.is_err());
}

/// Sends one datagram holding requests 1..=`n` (one Modify each) from a raw
/// socket, lets the MG application answer them all before the endpoint
/// task runs again, and returns the datagrams that come back, each with
/// the reply transaction IDs it carries, in the order received.
async fn answers_to_one_datagram(
    enc: Enc,
    max_message_bytes: usize,
    n: u32,
) -> Vec<(usize, Vec<u32>)> {
    use h248_stack::model::{MegacoMessage, Message, Transaction, TransactionRequest};
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let mut config = transport_util::test_config(Role::Mg);
    config.max_message_bytes = max_message_bytes;
    let (mg, mut incoming) =
        transport_util::spawn_with(config, enc, UdpTransport::bind(any).await.unwrap());
    let raw = tokio::net::UdpSocket::bind(any).await.unwrap();
    let requests = MegacoMessage {
        auth_header: None,
        message: Message {
            version: 3,
            mid: h248_stack::model::MId::Domain {
                name: "mgc.example.net".into(),
                port: None,
            },
            body: MessageBody::Transactions(
                (1..=n)
                    .map(|k| {
                        Transaction::Request(TransactionRequest {
                            transaction_id: k,
                            actions: transport_util::actions(k),
                        })
                    })
                    .collect(),
            ),
        },
    };
    let encoding = match enc {
        Enc::Pretty => wire::Encoding::Pretty,
        Enc::Compact => wire::Encoding::Compact,
        Enc::Ber => wire::Encoding::Ber,
    };
    raw.send_to(
        &wire::encode(&requests, encoding).unwrap(),
        mg.local_addr().unwrap(),
    )
    .await
    .unwrap();
    // The test runtime has one thread: the answers below are all queued
    // before the endpoint task runs again.
    let mut ready = Vec::new();
    for _ in 0..n {
        ready.push(incoming.recv().await.unwrap());
    }
    for request in ready {
        let result = transport_util::answer(&request.actions);
        request.answer(result).await.unwrap();
    }
    let mut got = Vec::new();
    let mut buf = vec![0u8; 65536];
    let mut replies = 0;
    while replies < n as usize {
        let (len, _) = tokio::time::timeout(Duration::from_secs(5), raw.recv_from(&mut buf))
            .await
            .expect("the replies")
            .unwrap();
        let (message, _) = wire::decode_any(&buf[..len]).unwrap();
        let MessageBody::Transactions(transactions) = message.message.body else {
            panic!("a transaction list");
        };
        let ids: Vec<u32> = transactions
            .iter()
            .map(|t| match t {
                Transaction::Reply(r) => r.transaction_id,
                other => panic!("only replies expected, got {other:?}"),
            })
            .collect();
        replies += ids.len();
        got.push((len, ids));
    }
    mg.shutdown().await;
    got
}

/// Replies the application has ready together leave in one message
/// (clause 8: several transactions per message), with no timer involved;
/// a batch larger than `max_message_bytes` is cut between transactions
/// into messages within it, in order, in every encoding.
#[tokio::test]
async fn ready_replies_are_batched_within_the_byte_limit() {
    for enc in [Enc::Pretty, Enc::Compact, Enc::Ber] {
        let batched = answers_to_one_datagram(enc, 1400, 6).await;
        assert_eq!(batched.len(), 1, "{enc:?}: one datagram: {batched:?}");
        assert_eq!(batched[0].1, vec![1, 2, 3, 4, 5, 6]);
        // Small enough that no two replies fit together... then two or three.
        let one_reply = batched[0].0 / 6;
        for budget in [one_reply, 2 * one_reply + 40, 3 * one_reply + 40] {
            let cut = answers_to_one_datagram(enc, budget, 6).await;
            assert!(cut.len() > 1, "{enc:?} within {budget}: {cut:?}");
            let ids: Vec<u32> = cut.iter().flat_map(|(_, ids)| ids.clone()).collect();
            assert_eq!(ids, vec![1, 2, 3, 4, 5, 6], "{enc:?}: in order");
            for (len, ids) in &cut {
                assert!(
                    *len <= budget || ids.len() == 1,
                    "{enc:?}: {len} bytes over {budget} with {} replies",
                    ids.len()
                );
            }
            if budget > 2 * one_reply {
                assert!(cut.iter().any(|(_, ids)| ids.len() > 1), "{enc:?}: {cut:?}");
            }
        }
    }
}

/// Datagrams that wait on the socket are all handed out, in order, each
/// with its sender, however many wait (more than one read takes) and
/// whatever their size (up to the largest UDP payload).
#[tokio::test]
async fn waiting_datagrams_come_out_whole_and_in_order() {
    use h248_stack::transport::{Transport, TransportEvent};
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let mut transport = UdpTransport::bind(any).await.unwrap();
    let to = transport.local_addr().unwrap();
    let a = tokio::net::UdpSocket::bind(any).await.unwrap();
    let b = tokio::net::UdpSocket::bind(any).await.unwrap();
    // Small enough together for the socket's receive buffer.
    let payload = |i: usize| -> Vec<u8> {
        let len = if i == 40 { 0 } else { 1 + i * 37 % 300 };
        (0..len).map(|j| (i + j) as u8).collect()
    };
    let count = h248_stack::transport::udp::RECEIVE_BATCH * 3 + 5;
    let mut sent = Vec::new();
    for i in 0..count {
        let from = if i % 3 == 0 { &b } else { &a };
        from.send_to(&payload(i), to).await.unwrap();
        sent.push((from.local_addr().unwrap(), payload(i)));
    }
    // Then the largest payload, between two small ones.
    let largest: Vec<u8> = (0..65_507).map(|j| (j % 251) as u8).collect();
    for bytes in [vec![1], largest, vec![2]] {
        a.send_to(&bytes, to).await.unwrap();
        sent.push((a.local_addr().unwrap(), bytes));
    }
    for (i, (peer, bytes)) in sent.into_iter().enumerate() {
        let event = tokio::time::timeout(Duration::from_secs(5), transport.recv())
            .await
            .expect("every datagram arrives")
            .unwrap();
        let TransportEvent::Message {
            peer: got_peer,
            bytes: got,
        } = event
        else {
            panic!("a message")
        };
        assert_eq!(got_peer, peer, "datagram {i}");
        assert_eq!(got.len(), bytes.len(), "datagram {i}");
        assert!(got == bytes, "datagram {i}");
    }
}
