//! Prometheus metrics (the `prometheus` crate) and the small HTTP listener
//! that serves them at `/metrics`.
//!
//! Metric families (all prefixed `h248_`):
//!
//! | name | type | labels | source |
//! |---|---|---|---|
//! | `transactions_total` | counter | `command`, `direction` (in, out), `result` (ok, error, failed) | each request served or sent; `command` is that of the first command of the first action |
//! | `transaction_duration_seconds` | histogram | `command`, `direction` | in: executor time; out: until the reply |
//! | `errors_total` | counter | `code`, `direction` | error descriptors in replies sent (out) or received (in), and the message-level errors the engine answers undecodable messages with (out: 400...) |
//! | `retransmissions_total` | counter | `kind` (request, reply) | engine counters |
//! | `duplicates_total` | counter | `kind` (request, reply) | engine counters |
//! | `pendings_total` | counter | `direction` (sent, received) | engine counters |
//! | `engine_events_total` | counter | `event` (every other engine counter) | engine counters |
//! | `live_transactions` | gauge | | engine |
//! | `dropped_messages_total` | counter | `reason` (unconfigured_peer, rate_limited, too_large) | the service's guard |
//! | `transport_errors_total` | counter | `kind` (send, receive, peer_lost) | endpoint |
//! | `association_state` | gauge | `state` | 1 for the current state of the control association |
//! | `association_events_total` | counter | `event` | registrations, failures, losses... |
//! | `gateway_contexts`, `gateway_terminations` | gauge | | `Executor::stats` |
//! | `gateway_backend_calls_total`, `gateway_backend_errors_total` | counter | | `Executor::stats` |
//! | `gateway_backend_up` | gauge | | 1 while the media backend can take calls (always 1 for `sim`) |
//! | `gateway_backend_connections_total`, `gateway_backend_events_dropped_total`, `gateway_backend_bad_lines_total`, `gateway_backend_restarts_total` | counter | | the `external` backend's link: connections made, events dropped on a full queue, lines that were not the protocol, restarts of the media gateway (state lost) |
//!
//! Engine and gateway counters are sampled periodically and added as
//! deltas, so the exported counters only grow.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use h248_stack::transaction::Counters;
use h248_stack::transport::EndpointStats;
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::executor::GatewayStats;

/// Association states, as the `state` label of `h248_association_state`.
pub const ASSOCIATION_STATES: &[&str] = &[
    "idle",
    "waiting",
    "registering",
    "registered",
    "out_of_service",
    "failed",
];

/// Most bytes read of one HTTP request (request line and headers).
pub const MAX_HTTP_REQUEST: usize = 8 * 1024;
/// Longest time one HTTP exchange may take.
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(5);
/// Most HTTP connections served at once; others wait in the backlog.
pub const MAX_HTTP_CONNECTIONS: usize = 16;

#[derive(Debug, Default)]
struct Previous {
    engine: Counters,
    send_errors: u64,
    recv_errors: u64,
    peers_lost: u64,
    gateway: GatewayStats,
}

/// Every metric the daemon exports.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    transactions: IntCounterVec,
    duration: HistogramVec,
    errors: IntCounterVec,
    retransmissions: IntCounterVec,
    duplicates: IntCounterVec,
    pendings: IntCounterVec,
    engine_events: IntCounterVec,
    live_transactions: IntGauge,
    dropped: IntCounterVec,
    transport_errors: IntCounterVec,
    association_state: IntGaugeVec,
    association_events: IntCounterVec,
    contexts: IntGauge,
    terminations: IntGauge,
    backend_calls: IntCounter,
    backend_errors: IntCounter,
    backend_up: IntGauge,
    backend_connections: IntCounter,
    backend_events_dropped: IntCounter,
    backend_bad_lines: IntCounter,
    backend_restarts: IntCounter,
    previous: Mutex<Previous>,
    /// The transaction count and duration of each label set seen, so that
    /// counting a transaction neither hashes its labels nor looks them up
    /// in the families (`with_label_values`) every time.
    transaction_handles: Mutex<Vec<TransactionHandles>>,
}

/// The series of one label set of `h248_transactions_total` and
/// `h248_transaction_duration_seconds`.
#[derive(Debug)]
struct TransactionHandles {
    labels: [&'static str; 3],
    count: IntCounter,
    duration: Histogram,
}

fn counter_vec(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    let c = IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric");
    registry
        .register(Box::new(c.clone()))
        .expect("unique metric");
    c
}

fn gauge(registry: &Registry, name: &str, help: &str) -> IntGauge {
    let g = IntGauge::new(name, help).expect("valid metric");
    registry
        .register(Box::new(g.clone()))
        .expect("unique metric");
    g
}

fn counter(registry: &Registry, name: &str, help: &str) -> IntCounter {
    let c = IntCounter::new(name, help).expect("valid metric");
    registry
        .register(Box::new(c.clone()))
        .expect("unique metric");
    c
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// A fresh registry with every family registered.
    pub fn new() -> Metrics {
        let r = Registry::new();
        let duration = HistogramVec::new(
            HistogramOpts::new(
                "h248_transaction_duration_seconds",
                "Time to execute an incoming request (in) or to get the reply to an outgoing one (out)",
            )
            .buckets(vec![
                0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                1.0, 2.5, 5.0, 10.0, 30.0,
            ]),
            &["command", "direction"],
        )
        .expect("valid metric");
        r.register(Box::new(duration.clone()))
            .expect("unique metric");
        let association_state = IntGaugeVec::new(
            Opts::new(
                "h248_association_state",
                "1 for the current state of the control association",
            ),
            &["state"],
        )
        .expect("valid metric");
        r.register(Box::new(association_state.clone()))
            .expect("unique metric");
        let m = Metrics {
            transactions: counter_vec(
                &r,
                "h248_transactions_total",
                "Transactions by command, direction and result",
                &["command", "direction", "result"],
            ),
            duration,
            errors: counter_vec(
                &r,
                "h248_errors_total",
                "Error descriptors in replies, by H.248.8 code and direction",
                &["code", "direction"],
            ),
            retransmissions: counter_vec(
                &r,
                "h248_retransmissions_total",
                "Requests and replies sent again",
                &["kind"],
            ),
            duplicates: counter_vec(
                &r,
                "h248_duplicates_total",
                "Duplicate requests and replies received",
                &["kind"],
            ),
            pendings: counter_vec(
                &r,
                "h248_pendings_total",
                "TransactionPendings sent and received",
                &["direction"],
            ),
            engine_events: counter_vec(
                &r,
                "h248_engine_events_total",
                "Other transaction engine counters",
                &["event"],
            ),
            live_transactions: gauge(
                &r,
                "h248_live_transactions",
                "Outgoing requests waiting plus incoming requests not answered",
            ),
            dropped: counter_vec(
                &r,
                "h248_dropped_messages_total",
                "Messages dropped before decoding, by reason",
                &["reason"],
            ),
            transport_errors: counter_vec(
                &r,
                "h248_transport_errors_total",
                "Transport send and receive errors and lost peers",
                &["kind"],
            ),
            association_state,
            association_events: counter_vec(
                &r,
                "h248_association_events_total",
                "Events of the control association",
                &["event"],
            ),
            contexts: gauge(&r, "h248_gateway_contexts", "Contexts that exist now"),
            terminations: gauge(
                &r,
                "h248_gateway_terminations",
                "Terminations in contexts now",
            ),
            backend_calls: counter(
                &r,
                "h248_gateway_backend_calls_total",
                "Calls made to the media backend",
            ),
            backend_errors: counter(
                &r,
                "h248_gateway_backend_errors_total",
                "Media backend calls that failed or timed out",
            ),
            backend_up: gauge(
                &r,
                "h248_gateway_backend_up",
                "1 while the media backend can take calls",
            ),
            backend_connections: counter(
                &r,
                "h248_gateway_backend_connections_total",
                "Connections made to the media backend",
            ),
            backend_events_dropped: counter(
                &r,
                "h248_gateway_backend_events_dropped_total",
                "Media backend events dropped because the engine's queue was full",
            ),
            backend_bad_lines: counter(
                &r,
                "h248_gateway_backend_bad_lines_total",
                "Lines from the media backend that were not protocol lines",
            ),
            backend_restarts: counter(
                &r,
                "h248_gateway_backend_restarts_total",
                "Restarts of the media backend that lost its state",
            ),
            previous: Mutex::new(Previous::default()),
            transaction_handles: Mutex::new(Vec::new()),
            registry: r,
        };
        m.set_association_state("idle");
        m
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// One transaction finished.
    pub fn transaction(
        &self,
        command: &'static str,
        direction: &'static str,
        result: &'static str,
        seconds: f64,
    ) {
        let labels = [command, direction, result];
        let mut handles = self
            .transaction_handles
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let index = match handles.iter().position(|h| h.labels == labels) {
            Some(index) => index,
            None => {
                handles.push(TransactionHandles {
                    labels,
                    count: self.transactions.with_label_values(&labels),
                    duration: self.duration.with_label_values(&[command, direction]),
                });
                handles.len() - 1
            }
        };
        let series = &handles[index];
        series.count.inc();
        series.duration.observe(seconds);
    }

    /// An error descriptor with `code` went `direction`.
    /// Codes outside H.248.8's range (100 to 999) are counted as `other`,
    /// so that a peer cannot grow the label set without bound.
    pub fn error(&self, code: u16, direction: &str) {
        let code = if (100..1000).contains(&code) {
            code.to_string()
        } else {
            "other".to_string()
        };
        self.errors.with_label_values(&[&code, direction]).inc();
    }

    /// A message dropped before the engine saw it.
    pub fn dropped(&self, reason: &str) {
        self.dropped.with_label_values(&[reason]).inc();
    }

    /// The value of `h248_dropped_messages_total{reason}`.
    pub fn dropped_count(&self, reason: &str) -> u64 {
        self.dropped.with_label_values(&[reason]).get()
    }

    pub fn set_association_state(&self, state: &str) {
        for s in ASSOCIATION_STATES {
            self.association_state
                .with_label_values(&[s])
                .set(i64::from(*s == state));
        }
    }

    pub fn association_event(&self, event: &str) {
        self.association_events.with_label_values(&[event]).inc();
    }

    /// Adds what the engine and transport counted since the last sample.
    pub fn observe_endpoint(&self, stats: &EndpointStats) {
        let mut prev = self.previous.lock().unwrap_or_else(|e| e.into_inner());
        let c = &stats.engine;
        let p = prev.engine;
        let d = |now: u64, before: u64| now.saturating_sub(before);
        self.retransmissions
            .with_label_values(&["request"])
            .inc_by(d(c.request_retransmissions, p.request_retransmissions));
        self.retransmissions
            .with_label_values(&["reply"])
            .inc_by(d(c.reply_retransmissions, p.reply_retransmissions));
        self.duplicates
            .with_label_values(&["request"])
            .inc_by(d(c.duplicate_requests, p.duplicate_requests));
        self.duplicates
            .with_label_values(&["reply"])
            .inc_by(d(c.duplicate_replies, p.duplicate_replies));
        self.pendings
            .with_label_values(&["sent"])
            .inc_by(d(c.pendings_sent, p.pendings_sent));
        self.pendings
            .with_label_values(&["received"])
            .inc_by(d(c.pendings_received, p.pendings_received));
        for (name, now, before) in engine_events(c, &p) {
            self.engine_events
                .with_label_values(&[name])
                .inc_by(d(now, before));
        }
        self.transport_errors
            .with_label_values(&["send"])
            .inc_by(d(stats.send_errors, prev.send_errors));
        self.transport_errors
            .with_label_values(&["receive"])
            .inc_by(d(stats.recv_errors, prev.recv_errors));
        self.transport_errors
            .with_label_values(&["peer_lost"])
            .inc_by(d(stats.peers_lost, prev.peers_lost));
        self.live_transactions
            .set(i64::try_from(stats.live_transactions).unwrap_or(i64::MAX));
        prev.engine = *c;
        prev.send_errors = stats.send_errors;
        prev.recv_errors = stats.recv_errors;
        prev.peers_lost = stats.peers_lost;
    }

    /// Sets the gateway gauges and adds its counters' growth.
    pub fn observe_gateway(&self, stats: &GatewayStats) {
        let mut prev = self.previous.lock().unwrap_or_else(|e| e.into_inner());
        let p = prev.gateway;
        let d = |now: u64, before: u64| now.saturating_sub(before);
        self.contexts
            .set(i64::try_from(stats.contexts).unwrap_or(i64::MAX));
        self.terminations
            .set(i64::try_from(stats.terminations).unwrap_or(i64::MAX));
        self.backend_calls
            .inc_by(d(stats.backend_calls, p.backend_calls));
        self.backend_errors
            .inc_by(d(stats.backend_errors, p.backend_errors));
        let (link, before) = (&stats.backend, &p.backend);
        self.backend_up.set(i64::from(link.up));
        self.backend_connections
            .inc_by(d(link.connections, before.connections));
        self.backend_events_dropped
            .inc_by(d(link.events_dropped, before.events_dropped));
        self.backend_bad_lines
            .inc_by(d(link.bad_lines, before.bad_lines));
        self.backend_restarts
            .inc_by(d(link.restarts, before.restarts));
        prev.gateway = *stats;
    }

    /// The text exposition format.
    pub fn render(&self) -> Vec<u8> {
        let mut out = Vec::new();
        // Encoding into a Vec only fails on invalid metric data, which the
        // registration above rules out; an empty body is the fallback.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        out
    }
}

/// Engine counters exported as `h248_engine_events_total{event}`.
fn engine_events(c: &Counters, p: &Counters) -> [(&'static str, u64, u64); 24] {
    [
        ("messages_sent", c.messages_sent, p.messages_sent),
        (
            "messages_received",
            c.messages_received,
            p.messages_received,
        ),
        ("requests_sent", c.requests_sent, p.requests_sent),
        (
            "requests_received",
            c.requests_received,
            p.requests_received,
        ),
        ("replies_sent", c.replies_sent, p.replies_sent),
        ("replies_received", c.replies_received, p.replies_received),
        (
            "unexpected_replies",
            c.unexpected_replies,
            p.unexpected_replies,
        ),
        (
            "unexpected_pendings",
            c.unexpected_pendings,
            p.unexpected_pendings,
        ),
        ("acks_sent", c.acks_sent, p.acks_sent),
        ("acks_received", c.acks_received, p.acks_received),
        ("segments_sent", c.segments_sent, p.segments_sent),
        (
            "segments_received",
            c.segments_received,
            p.segments_received,
        ),
        (
            "stray_segment_replies",
            c.stray_segment_replies,
            p.stray_segment_replies,
        ),
        ("timeouts", c.timeouts, p.timeouts),
        (
            "pending_limit_exceeded_received",
            c.pending_limit_exceeded_received,
            p.pending_limit_exceeded_received,
        ),
        (
            "pending_limit_exceeded_sent",
            c.pending_limit_exceeded_sent,
            p.pending_limit_exceeded_sent,
        ),
        ("segment_timeouts", c.segment_timeouts, p.segment_timeouts),
        ("cancelled", c.cancelled, p.cancelled),
        (
            "message_errors_received",
            c.message_errors_received,
            p.message_errors_received,
        ),
        (
            "message_errors_sent",
            c.message_errors_sent,
            p.message_errors_sent,
        ),
        (
            "rejected_requests",
            c.rejected_requests,
            p.rejected_requests,
        ),
        (
            "undecodable_messages",
            c.undecodable_messages,
            p.undecodable_messages,
        ),
        ("encode_errors", c.encode_errors, p.encode_errors),
        ("unpack_failures", c.unpack_failures, p.unpack_failures),
    ]
}

/// Serves `GET /metrics` on `listener` until `stop` is cancelled. Anything
/// else gets 404 (405 for another method, 400 for an unreadable request);
/// each exchange is bounded in size ([`MAX_HTTP_REQUEST`]) and time
/// ([`HTTP_TIMEOUT`]), and at most [`MAX_HTTP_CONNECTIONS`] run at once.
pub async fn serve(listener: TcpListener, metrics: Arc<Metrics>, stop: CancellationToken) {
    let slots = Arc::new(Semaphore::new(MAX_HTTP_CONNECTIONS));
    loop {
        let permit = tokio::select! {
            () = stop.cancelled() => return,
            permit = slots.clone().acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => return,
            },
        };
        let accepted = tokio::select! {
            () = stop.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => {
                let metrics = metrics.clone();
                tokio::spawn(async move {
                    let _permit = permit;
                    if tokio::time::timeout(HTTP_TIMEOUT, exchange(stream, &metrics))
                        .await
                        .is_err()
                    {
                        tracing::debug!(%peer, "metrics request timed out");
                    }
                });
            }
            Err(e) => {
                tracing::warn!(error = %e, "metrics listener accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

async fn exchange(mut stream: TcpStream, metrics: &Metrics) {
    let mut buf = Vec::with_capacity(512);
    let mut chunk = [0u8; 1024];
    let complete = loop {
        if buf.windows(4).any(|w| w == b"\r\n\r\n") || buf.windows(2).any(|w| w == b"\n\n") {
            break true;
        }
        if buf.len() >= MAX_HTTP_REQUEST {
            break false;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => break false,
            Ok(n) => buf.extend_from_slice(&chunk[..n.min(MAX_HTTP_REQUEST - buf.len())]),
        }
    };
    let (status, content_type, body) = if !complete {
        ("400 Bad Request", "text/plain", b"bad request\n".to_vec())
    } else {
        route(&buf, metrics)
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(&body).await;
    let _ = stream.shutdown().await;
}

fn route(request: &[u8], metrics: &Metrics) -> (&'static str, &'static str, Vec<u8>) {
    let line = request
        .split(|&b| b == b'\n')
        .next()
        .map(|l| String::from_utf8_lossy(l).trim_end().to_string())
        .unwrap_or_default();
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return ("400 Bad Request", "text/plain", b"bad request\n".to_vec());
    };
    if !version.starts_with("HTTP/1.") {
        return ("400 Bad Request", "text/plain", b"bad request\n".to_vec());
    }
    let path = target.split('?').next().unwrap_or(target);
    match (method, path) {
        ("GET", "/metrics") => (
            "200 OK",
            "text/plain; version=0.0.4; charset=utf-8",
            metrics.render(),
        ),
        (_, "/metrics") => (
            "405 Method Not Allowed",
            "text/plain",
            b"method not allowed\n".to_vec(),
        ),
        _ => ("404 Not Found", "text/plain", b"not found\n".to_vec()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_counters_are_added_as_deltas() {
        let m = Metrics::new();
        let mut stats = EndpointStats::default();
        stats.engine.request_retransmissions = 3;
        stats.engine.pendings_sent = 2;
        m.observe_endpoint(&stats);
        stats.engine.request_retransmissions = 5;
        m.observe_endpoint(&stats);
        let text = String::from_utf8(m.render()).unwrap();
        assert!(
            text.contains("h248_retransmissions_total{kind=\"request\"} 5"),
            "{text}"
        );
        assert!(
            text.contains("h248_pendings_total{direction=\"sent\"} 2"),
            "{text}"
        );
    }

    /// Transactions are counted per label set, the duration per command and
    /// direction, whichever order the label sets first appear in.
    #[test]
    fn transactions_are_counted_per_label_set() {
        let m = Metrics::new();
        m.transaction("add", "in", "ok", 0.001);
        m.transaction("add", "in", "error", 0.002);
        m.transaction("add", "in", "ok", 0.003);
        m.transaction("subtract", "out", "failed", 0.5);
        m.transaction("add", "in", "ok", 0.004);
        let text = String::from_utf8(m.render()).unwrap();
        for line in [
            "h248_transactions_total{command=\"add\",direction=\"in\",result=\"ok\"} 3",
            "h248_transactions_total{command=\"add\",direction=\"in\",result=\"error\"} 1",
            "h248_transactions_total{command=\"subtract\",direction=\"out\",result=\"failed\"} 1",
            "h248_transaction_duration_seconds_count{command=\"add\",direction=\"in\"} 4",
            "h248_transaction_duration_seconds_sum{command=\"add\",direction=\"in\"} 0.01",
            "h248_transaction_duration_seconds_count{command=\"subtract\",direction=\"out\"} 1",
        ] {
            assert!(text.contains(line), "{line} in\n{text}");
        }
    }

    /// The dashboard and the alerting rules of `etc/` name only metrics
    /// this module registers (a histogram's series by its `_bucket`,
    /// `_sum` and `_count` names).
    #[test]
    fn dashboards_and_alerts_name_exported_metrics() {
        /// Every `h248_...` name in `text`; with `quoted`, only those
        /// written alone in a string literal (this file's registrations).
        fn names(text: &str, quoted: bool) -> std::collections::BTreeSet<String> {
            let mut out = std::collections::BTreeSet::new();
            let mut rest = text;
            while let Some(at) = rest.find("h248_") {
                let opened = rest[..at].ends_with('"');
                let tail = &rest[at..];
                let end = tail
                    .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
                    .unwrap_or(tail.len());
                if !quoted || (opened && tail[end..].starts_with('"')) {
                    out.insert(tail[..end].to_string());
                }
                rest = &tail[end..];
            }
            out
        }
        let exported = names(include_str!("metrics.rs"), true);
        let known = |name: &str| {
            exported.contains(name)
                || ["_bucket", "_sum", "_count"].iter().any(|suffix| {
                    name.strip_suffix(suffix)
                        .is_some_and(|base| exported.contains(base))
                })
        };
        for (file, text) in [
            (
                "etc/grafana-h248d.json",
                include_str!("../../etc/grafana-h248d.json"),
            ),
            (
                "etc/h248d-alerts.yml",
                include_str!("../../etc/h248d-alerts.yml"),
            ),
        ] {
            let used = names(text, false);
            assert!(used.len() > 5, "{file} names metrics");
            for name in used {
                assert!(
                    known(&name),
                    "{file} names {name}, which h248d does not export"
                );
            }
        }
    }

    #[test]
    fn backend_link_is_a_gauge_and_counters() {
        let m = Metrics::new();
        let mut stats = GatewayStats::default();
        m.observe_gateway(&stats);
        let text = String::from_utf8(m.render()).unwrap();
        assert!(text.contains("h248_gateway_backend_up 1"), "{text}");
        stats.backend = crate::executor::BackendHealth {
            up: false,
            connections: 2,
            events_dropped: 1,
            bad_lines: 5,
            restarts: 1,
        };
        m.observe_gateway(&stats);
        stats.backend.bad_lines = 7;
        m.observe_gateway(&stats);
        let text = String::from_utf8(m.render()).unwrap();
        for line in [
            "h248_gateway_backend_up 0",
            "h248_gateway_backend_connections_total 2",
            "h248_gateway_backend_events_dropped_total 1",
            "h248_gateway_backend_bad_lines_total 7",
            "h248_gateway_backend_restarts_total 1",
        ] {
            assert!(text.contains(line), "{line} in\n{text}");
        }
    }

    #[test]
    fn association_state_is_one_hot() {
        let m = Metrics::new();
        m.set_association_state("registered");
        let text = String::from_utf8(m.render()).unwrap();
        assert!(text.contains("h248_association_state{state=\"registered\"} 1"));
        assert!(text.contains("h248_association_state{state=\"idle\"} 0"));
    }

    #[test]
    fn routes() {
        let m = Metrics::new();
        assert_eq!(route(b"GET /metrics HTTP/1.1\r\n\r\n", &m).0, "200 OK");
        assert_eq!(route(b"GET /metrics?x=1 HTTP/1.0\r\n\r\n", &m).0, "200 OK");
        assert_eq!(route(b"GET / HTTP/1.1\r\n\r\n", &m).0, "404 Not Found");
        assert_eq!(
            route(b"POST /metrics HTTP/1.1\r\n\r\n", &m).0,
            "405 Method Not Allowed"
        );
        assert_eq!(route(b"\xff\xfe\r\n\r\n", &m).0, "400 Bad Request");
    }
}
