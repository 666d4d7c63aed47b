//! End-to-end loopback: our MGC endpoint against our MG endpoint over UDP
//! on 127.0.0.1 (tokio transports, codec, transaction engines, the MG
//! application answering each request), in transactions per second and
//! request → reply latency percentiles.
//!
//! First a fixed run prints throughput and p50 / p99 / p99.9 latency for 1
//! and 64 requests in flight, compact text and BER; then criterion measures
//! the 64-in-flight throughput. `cargo bench -p h248-benches --bench
//! loopback`.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use h248_stack::model::{
    small_list, ActionReply, ActionRequest, AmmRequest, AmmsReply, Command, CommandReply,
    CommandRequest, ContextId, MId, TerminationId, TransactionResult,
};
use h248_stack::text::Style;
use h248_stack::transaction::codec::TextCodec;
use h248_stack::transaction::{EngineConfig, Role};
use h248_stack::transport::{BerCodec, Endpoint, IncomingRequests, UdpTransport};

#[derive(Debug, Clone, Copy)]
enum Enc {
    Compact,
    Ber,
}

fn config(role: Role, name: &str) -> EngineConfig {
    let mut c = EngineConfig::new(
        role,
        MId::Domain {
            name: name.into(),
            port: None,
        },
    );
    // Finished transactions are remembered LONG-TIMER (32 s); at tens of
    // thousands per second the default table bounds would be reached.
    c.max_outgoing_transactions = 1 << 22;
    c.max_incoming_transactions = 1 << 22;
    c
}

fn actions(k: u32) -> Vec<ActionRequest> {
    vec![ActionRequest {
        context_id: ContextId(k),
        context_request: None,
        context_attr_audit: None,
        commands: vec![CommandRequest::new(Command::Modify(AmmRequest {
            termination_ids: small_list![TerminationId::new(format!(
                "{:08b}/{:08b}/{:08b}",
                (k >> 16) & 0xff,
                (k >> 8) & 0xff,
                k & 0xff
            ))],
            descriptors: vec![],
        }))],
    }]
}

fn answer(actions: &[ActionRequest]) -> TransactionResult {
    TransactionResult::ActionReplies(
        actions
            .iter()
            .map(|a| ActionReply {
                context_id: a.context_id,
                error: None,
                context_reply: None,
                commands: a
                    .commands
                    .iter()
                    .filter_map(|c| match &c.command {
                        Command::Modify(m) => Some(CommandReply::Modify(AmmsReply {
                            termination_ids: m.termination_ids.clone(),
                            audit: Default::default(),
                        })),
                        _ => None,
                    })
                    .collect(),
            })
            .collect(),
    )
}

fn spawn(
    role: Role,
    name: &str,
    enc: Enc,
    transport: UdpTransport,
) -> (Endpoint<SocketAddr>, IncomingRequests<SocketAddr>) {
    let config = config(role, name);
    match enc {
        Enc::Compact => Endpoint::spawn(config, TextCodec::new(Style::Compact), transport),
        Enc::Ber => Endpoint::spawn(config, BerCodec::new(), transport),
    }
    .expect("valid configuration")
}

struct Pair {
    mgc: Endpoint<SocketAddr>,
    mg: Endpoint<SocketAddr>,
    mg_addr: SocketAddr,
}

impl Pair {
    async fn new(enc: Enc) -> Pair {
        let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
        let (mg, mut incoming) = spawn(Role::Mg, "mg", enc, UdpTransport::bind(any).await.unwrap());
        let (mgc, _) = spawn(
            Role::Mgc,
            "mgc",
            enc,
            UdpTransport::bind(any).await.unwrap(),
        );
        tokio::spawn(async move {
            // The application answers each request in a task of its own,
            // so that waiting for one reply's hand-over to the endpoint
            // task does not hold up the next request.
            while let Some(request) = incoming.recv().await {
                let result = answer(&request.actions);
                tokio::spawn(request.reply(result));
            }
        });
        let mg_addr = mg.local_addr().unwrap();
        Pair { mgc, mg, mg_addr }
    }

    /// `n` transactions with `window` in flight; the elapsed time and each
    /// one's latency.
    async fn run(&self, n: u64, window: u64) -> (Duration, Vec<Duration>) {
        let started = Instant::now();
        let workers: Vec<_> = (0..window.min(n))
            .map(|w| {
                let mgc = self.mgc.clone();
                let mg = self.mg_addr;
                let count = n / window.min(n) + u64::from(w < n % window.min(n));
                tokio::spawn(async move {
                    let mut latencies = Vec::with_capacity(count as usize);
                    for i in 0..count {
                        let k =
                            (w as u32).wrapping_mul(100_003).wrapping_add(i as u32) % 0xfff_fff + 1;
                        let t = Instant::now();
                        let result = mgc.send_request(mg, 3, actions(k)).await;
                        latencies.push(t.elapsed());
                        assert!(result.is_ok(), "request failed: {result:?}");
                    }
                    latencies
                })
            })
            .collect();
        let mut latencies = Vec::with_capacity(n as usize);
        for w in workers {
            latencies.extend(w.await.unwrap());
        }
        (started.elapsed(), latencies)
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn report(rt: &tokio::runtime::Runtime) {
    const N: u64 = 20_000;
    for enc in [Enc::Compact, Enc::Ber] {
        let pair = rt.block_on(Pair::new(enc));
        // Warm up.
        rt.block_on(pair.run(2_000, 64));
        for window in [1u64, 64] {
            let n = if window == 1 { N / 4 } else { N };
            let (elapsed, mut latencies) = rt.block_on(pair.run(n, window));
            latencies.sort_unstable();
            println!(
                "loopback UDP {enc:?}, {window} in flight: {n} transactions in {elapsed:.2?} = \
                 {:.0}/s; latency p50 {:.1?} p99 {:.1?} p99.9 {:.1?} max {:.1?}",
                n as f64 / elapsed.as_secs_f64(),
                percentile(&latencies, 0.50),
                percentile(&latencies, 0.99),
                percentile(&latencies, 0.999),
                latencies[latencies.len() - 1],
            );
        }
        let stats = rt.block_on(pair.mgc.stats()).unwrap();
        println!(
            "  MGC: {} requests, {} retransmissions, {} timeouts",
            stats.engine.requests_sent, stats.engine.request_retransmissions, stats.engine.timeouts
        );
        rt.block_on(pair.mgc.shutdown());
        rt.block_on(pair.mg.shutdown());
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut criterion = Criterion::default().configure_from_args();
    // `cargo test --benches` runs each benchmark once: skip the report there.
    if std::env::args().any(|a| a == "--bench") {
        report(&rt);
    }
    let pair = rt.block_on(Pair::new(Enc::Compact));
    let mut group = criterion.benchmark_group("loopback_udp");
    group.throughput(Throughput::Elements(1));
    group.sample_size(20);
    group.bench_function("compact_64_in_flight", |b| {
        b.iter_custom(|iters| rt.block_on(pair.run(iters, 64)).0)
    });
    group.finish();
    rt.block_on(pair.mgc.shutdown());
    rt.block_on(pair.mg.shutdown());
    criterion.final_summary();
}
