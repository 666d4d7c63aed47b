//! Our MGC and MG endpoints over UDP through a lossy relay that drops 20 %
//! of the datagrams each way, duplicates some, and delays the rest by a
//! random time (so they arrive out of order), from a seeded generator.
//! Every one of N transactions is executed exactly once at the MG and
//! answered at the MGC (H.248.1 Annex D.1.1: at-most-once; D.1.3 / D.1.5:
//! retransmission until answered).

mod transport_util;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use h248_stack::transaction::Role;
use h248_stack::transport::UdpTransport;
use tokio::net::UdpSocket;
use tokio::sync::Mutex;
use transport_util::{assert_once, load, serve_mg, spawn_with, test_config, Enc};

/// SplitMix64: small, seeded, good enough to shuffle a network.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// True with probability `percent` %.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

#[derive(Debug, Default)]
struct RelayStats {
    forwarded: AtomicU64,
    dropped: AtomicU64,
    duplicated: AtomicU64,
}

/// A relay between the MGC (which sends to `front`) and the MG at
/// `mg_addr` (which sees the relay's `back` socket as its peer).
async fn relay(mg_addr: SocketAddr, seed: u64) -> (SocketAddr, Arc<RelayStats>) {
    let front = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
    let back = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
    let front_addr = front.local_addr().unwrap();
    let stats = Arc::new(RelayStats::default());
    let rng = Arc::new(Mutex::new(Rng(seed)));
    let mgc_addr = Arc::new(Mutex::new(None::<SocketAddr>));

    // One direction: read from `from`, forward through `to` to `dest` (or,
    // towards the MGC, to whoever last sent to the front socket).
    async fn forward(
        from: Arc<UdpSocket>,
        to: Arc<UdpSocket>,
        dest: Option<SocketAddr>,
        mgc_addr: Arc<Mutex<Option<SocketAddr>>>,
        rng: Arc<Mutex<Rng>>,
        stats: Arc<RelayStats>,
    ) {
        let mut buf = vec![0u8; 65536];
        loop {
            let Ok((n, src)) = from.recv_from(&mut buf).await else {
                return;
            };
            let target = match dest {
                Some(d) => {
                    *mgc_addr.lock().await = Some(src);
                    d
                }
                None => match *mgc_addr.lock().await {
                    Some(a) => a,
                    None => continue,
                },
            };
            let (copies, delays) = {
                let mut rng = rng.lock().await;
                if rng.chance(20) {
                    stats.dropped.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                let copies = if rng.chance(10) { 2 } else { 1 };
                let delays: Vec<u64> = (0..copies).map(|_| rng.next() % 25).collect();
                (copies, delays)
            };
            if copies == 2 {
                stats.duplicated.fetch_add(1, Ordering::Relaxed);
            }
            for delay in delays {
                let bytes = buf[..n].to_vec();
                let to = Arc::clone(&to);
                let stats = Arc::clone(&stats);
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(delay)).await;
                    if to.send_to(&bytes, target).await.is_ok() {
                        stats.forwarded.fetch_add(1, Ordering::Relaxed);
                    }
                });
            }
        }
    }

    tokio::spawn(forward(
        Arc::clone(&front),
        Arc::clone(&back),
        Some(mg_addr),
        Arc::clone(&mgc_addr),
        Arc::clone(&rng),
        Arc::clone(&stats),
    ));
    tokio::spawn(forward(
        back,
        front,
        None,
        mgc_addr,
        rng,
        Arc::clone(&stats),
    ));
    (front_addr, stats)
}

async fn lossy(enc: Enc, seed: u64, n: u32) {
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    // The engine defaults recover a final reply lost after a Pending: the
    // reply asks for an immediate ack (Annex D.1.4) and the MG resends it
    // until acked (ReplyResend::UntilAcked, the default; lesson OTP-6048).
    let mg_config = test_config(Role::Mg);
    let mgc_config = test_config(Role::Mgc);
    let (mg, mg_incoming) = spawn_with(mg_config, enc, UdpTransport::bind(any).await.unwrap());
    let (mgc, _i) = spawn_with(mgc_config, enc, UdpTransport::bind(any).await.unwrap());
    let executions = serve_mg(mg_incoming);
    let (relay_addr, relay_stats) = relay(mg.local_addr().unwrap(), seed).await;
    // All N at once: the relay reorders among them too.
    load(&mgc, relay_addr, 3, 1, n).await;
    assert_once(&executions, n as usize);
    let mgc_stats = mgc.stats().await.unwrap();
    let mg_stats = mg.stats().await.unwrap();
    let dropped = relay_stats.dropped.load(Ordering::Relaxed);
    let duplicated = relay_stats.duplicated.load(Ordering::Relaxed);
    eprintln!(
        "seed {seed:#x}: relay forwarded {}, dropped {dropped}, duplicated {duplicated}; \
         MGC retransmissions {}, MG duplicate requests {}",
        relay_stats.forwarded.load(Ordering::Relaxed),
        mgc_stats.engine.request_retransmissions,
        mg_stats.engine.duplicate_requests,
    );
    // The relay really was hostile, and the engines had work to do.
    assert!(dropped > 0 && duplicated > 0);
    assert!(mgc_stats.engine.request_retransmissions > 0);
    assert!(mg_stats.engine.duplicate_requests > 0);
    // Counters count messages, duplicates included; the events (one
    // resolved future per request, one execution per transaction) were
    // checked above.
    assert_eq!(mgc_stats.engine.requests_sent, u64::from(n));
    assert!(mgc_stats.engine.replies_received >= u64::from(n));
    assert_eq!(mgc_stats.engine.timeouts, 0);
    assert_eq!(mgc_stats.live_transactions, 0);
    mgc.shutdown().await;
    mg.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lossy_udp_compact_every_transaction_once() {
    lossy(Enc::Compact, 0x5eed_0001, 250).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lossy_udp_ber_every_transaction_once() {
    lossy(Enc::Ber, 0x5eed_0002, 250).await;
}
