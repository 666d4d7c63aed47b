//! `ExternalBackend`: the media plane of the gateway's own process, reached
//! over a Unix socket with the JSON-lines protocol of
//! `daemon/BACKEND-PROTOCOL.md`: one JSON object per line, requests with an
//! `id`, replies matched by that `id`, events (detected events, finished
//! signals) unsolicited.
//!
//! - **Timeouts.** A call not answered within `call_timeout` fails with
//!   H.248.8 500 (internal failure in the MG: the media process is part of
//!   the MG, and a lost answer leaves the outcome unknown). Long calls are
//!   covered by the transaction engine, which answers TransactionPending
//!   (H.248.1 clause 8.2.3, Annex D.1.4) every ProvisionalResponseTimerValue
//!   while the executor has not replied.
//! - **Disconnection.** While the socket is down every call fails at once
//!   with 503 (Service Unavailable): nothing is queued. The calls in flight
//!   when it drops fail the same way. A task reconnects after
//!   `reconnect_delay`, doubling up to `max_reconnect_delay`.
//! - **Restarts.** The gateway's first line on each connection, `started`,
//!   names the run of its process; a new run has lost the media state, and
//!   the engine is told ([`BackendEvent::StateLost`]): it releases every
//!   context and sends the MGC ServiceChange Forced 915 (State Loss).
//! - **Bounds.** At most `max_in_flight` calls wait for an answer (511
//!   Temporarily Busy beyond); lines longer than [`MAX_LINE`] close the
//!   connection; events beyond the engine's queue are dropped and counted.
//! - **Errors from the gateway.** A reply `error` carries an H.248.8 code
//!   (400 to 599, anything else is answered as 500) and a text.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use h248_stack::model::{
    PropertyParm, SignalDirection, SignalType, StatisticsParameter, StreamId, StreamMode,
    TerminationId, Text,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::backend::{
    AddressFamily, Allocation, BackendEvent, BackendFuture, MediaBackend, ReserveRequest,
    SignalStart, StreamSetup,
};
use super::codes::{self, Refusal};
use super::sim::listed;
use crate::executor::BackendHealth;

/// Longest line accepted from the media gateway, in bytes; a longer one
/// closes the connection (the stream cannot be resynchronised).
pub const MAX_LINE: usize = 64 * 1024;

/// The configuration of the external backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalConfig {
    /// The media gateway's Unix socket.
    pub socket: PathBuf,
    /// Longest wait for the answer to one call (500 beyond).
    pub call_timeout: Duration,
    /// First wait before reconnecting; doubles up to `max_reconnect_delay`.
    pub reconnect_delay: Duration,
    pub max_reconnect_delay: Duration,
    /// Most calls waiting for an answer at once (511 beyond).
    pub max_in_flight: usize,
    /// Events it can detect (`pkg/item` or `pkg/*`).
    pub events: Vec<Text>,
    /// Signals it can generate (`pkg/item` or `pkg/*`).
    pub signals: Vec<Text>,
    /// Capacity of the event channel to the engine.
    pub event_queue: usize,
}

impl ExternalConfig {
    /// Defaults for `socket`: 5 s per call, reconnect after 100 ms up to 5 s,
    /// 1024 calls in flight, the events and signals of the Mp and Iq
    /// procedures (as the sim backend).
    pub fn new(socket: impl Into<PathBuf>) -> Self {
        let sim = super::SimConfig::default();
        ExternalConfig {
            socket: socket.into(),
            call_timeout: Duration::from_secs(5),
            reconnect_delay: Duration::from_millis(100),
            max_reconnect_delay: Duration::from_secs(5),
            max_in_flight: 1024,
            events: sim.events,
            signals: sim.signals,
            event_queue: 1024,
        }
    }
}

// ---- the wire ------------------------------------------------------------------

/// One request line: `{"id": 1, "op": "reserve", ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireRequest {
    pub id: u64,
    #[serde(flatten)]
    pub op: Op,
}

/// The operations, one per [`MediaBackend`] call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    Reserve {
        termination: TerminationId,
        stream: StreamId,
        /// `IP4` or `IP6`.
        family: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        realm: Option<Text>,
    },
    Release {
        termination: TerminationId,
        stream: StreamId,
    },
    Configure {
        termination: TerminationId,
        stream: StreamId,
        mode: StreamMode,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        remote: Option<WireAddress>,
    },
    StartSignal {
        signal: u64,
        termination: TerminationId,
        name: Text,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stream: Option<StreamId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        direction: Option<SignalDirection>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        params: Vec<PropertyParm>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signal_type: Option<SignalType>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duration_ms: Option<u32>,
    },
    StopSignal {
        signal: u64,
        termination: TerminationId,
    },
    DetectEvents {
        termination: TerminationId,
        names: Vec<Text>,
    },
    Statistics {
        termination: TerminationId,
    },
    Forget {
        termination: TerminationId,
    },
}

/// An address and port: `{"address": "192.0.2.1", "port": 20000}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireAddress {
    pub address: IpAddr,
    pub port: u16,
}

/// The error of a reply: `{"code": 510, "text": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireError {
    pub code: u16,
    #[serde(default)]
    pub text: String,
}

/// One reply line: `{"id": 1, "result": ...}` or `{"id": 1, "error": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireReply {
    pub id: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<WireError>,
}

/// One event line: `{"event": "detected", ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum WireEvent {
    Detected {
        termination: TerminationId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stream: Option<StreamId>,
        name: Text,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        params: Vec<PropertyParm>,
    },
    SignalCompleted {
        termination: TerminationId,
        signal: u64,
    },
    /// The first line of the media gateway on every connection: `instance`
    /// names its process's run (a boot ID, a start time); a new one means
    /// it restarted and lost its state.
    Started { instance: String },
}

impl WireEvent {
    /// The engine's event for a termination event; `None` for `started`
    /// (the backend handles it).
    fn into_backend_event(self) -> Option<BackendEvent> {
        Some(match self {
            WireEvent::Detected {
                termination,
                stream,
                name,
                params,
            } => BackendEvent::Detected {
                termination,
                stream,
                name,
                params,
            },
            WireEvent::SignalCompleted {
                termination,
                signal,
            } => BackendEvent::SignalCompleted {
                termination,
                id: signal,
            },
            WireEvent::Started { .. } => return None,
        })
    }
}

/// What one line from the media gateway is.
#[derive(Debug, Clone, PartialEq)]
pub enum Inbound {
    Reply(WireReply),
    Event(WireEvent),
}

/// Reads one line from the media gateway: a reply when it has an `id`, an
/// event when it has an `event`.
pub fn parse_inbound(line: &[u8]) -> Result<Inbound, String> {
    let value: Value = serde_json::from_slice(line).map_err(|e| e.to_string())?;
    if value.get("id").is_some() {
        serde_json::from_value(value)
            .map(Inbound::Reply)
            .map_err(|e| format!("reply: {e}"))
    } else if value.get("event").is_some() {
        serde_json::from_value(value)
            .map(Inbound::Event)
            .map_err(|e| format!("event: {e}"))
    } else {
        Err("neither an `id` nor an `event`".to_string())
    }
}

// ---- the backend ---------------------------------------------------------------

type Answer = oneshot::Sender<Result<Value, Refusal>>;

/// The current connection: where request lines go, and the calls waiting.
struct Link {
    generation: u64,
    lines: mpsc::Sender<String>,
    waiting: HashMap<u64, Answer>,
}

struct Inner {
    config: ExternalConfig,
    link: Mutex<Option<Link>>,
    next_id: AtomicU64,
    sender: mpsc::Sender<BackendEvent>,
    receiver: Mutex<Option<mpsc::Receiver<BackendEvent>>>,
    events_dropped: AtomicU64,
    bad_lines: AtomicU64,
    connections: AtomicU64,
    /// The media gateway's instance as its last `started` said.
    instance: Mutex<Option<String>>,
    restarts: AtomicU64,
}

impl Inner {
    fn link(&self) -> std::sync::MutexGuard<'_, Option<Link>> {
        self.link.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The external media backend (see the module documentation). Create it
/// inside a tokio runtime: it spawns the task that keeps the connection
/// (stopped when the backend is dropped).
pub struct ExternalBackend {
    inner: Arc<Inner>,
    task: JoinHandle<()>,
}

impl Drop for ExternalBackend {
    fn drop(&mut self) {
        self.task.abort();
        // Fails the calls still waiting.
        self.inner.link().take();
    }
}

impl ExternalBackend {
    pub fn new(config: ExternalConfig) -> Self {
        let (sender, receiver) = mpsc::channel(config.event_queue.max(1));
        let inner = Arc::new(Inner {
            config,
            link: Mutex::new(None),
            next_id: AtomicU64::new(1),
            sender,
            receiver: Mutex::new(Some(receiver)),
            events_dropped: AtomicU64::new(0),
            bad_lines: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            instance: Mutex::new(None),
            restarts: AtomicU64::new(0),
        });
        let task = tokio::spawn(keep_connected(Arc::downgrade(&inner)));
        ExternalBackend { inner, task }
    }

    /// Whether the socket is connected now.
    pub fn is_connected(&self) -> bool {
        self.inner.link().is_some()
    }

    /// Connections made so far (the first and every reconnection).
    pub fn connections(&self) -> u64 {
        self.inner.connections.load(Ordering::Relaxed)
    }

    /// Events dropped because the engine's queue was full.
    pub fn events_dropped(&self) -> u64 {
        self.inner.events_dropped.load(Ordering::Relaxed)
    }

    /// Lines from the media gateway that were not valid protocol lines.
    pub fn bad_lines(&self) -> u64 {
        self.inner.bad_lines.load(Ordering::Relaxed)
    }

    /// Sends one request and waits for its answer (see the module
    /// documentation for the codes of the failures).
    async fn call(&self, op: Op) -> Result<Value, Refusal> {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let line = match serde_json::to_string(&WireRequest { id, op }) {
            Ok(mut l) => {
                l.push('\n');
                l
            }
            Err(e) => {
                return Err(Refusal::new(
                    codes::INTERNAL_FAILURE,
                    format!("backend request not encodable: {e}"),
                ))
            }
        };
        let (tx, rx) = oneshot::channel();
        {
            let mut link = self.inner.link();
            let Some(link) = link.as_mut() else {
                return Err(Refusal::new(
                    codes::SERVICE_UNAVAILABLE,
                    "media gateway not connected",
                ));
            };
            if link.waiting.len() >= self.inner.config.max_in_flight {
                return Err(Refusal::new(
                    codes::TEMPORARILY_BUSY,
                    "too many media gateway calls in progress",
                ));
            }
            match link.lines.try_send(line) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => {
                    return Err(Refusal::new(
                        codes::TEMPORARILY_BUSY,
                        "media gateway connection congested",
                    ))
                }
                Err(mpsc::error::TrySendError::Closed(_)) => {
                    return Err(Refusal::new(
                        codes::SERVICE_UNAVAILABLE,
                        "media gateway connection lost",
                    ))
                }
            }
            link.waiting.insert(id, tx);
        }
        let timeout = self.inner.config.call_timeout;
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(_)) => Err(Refusal::new(
                codes::SERVICE_UNAVAILABLE,
                "media gateway connection lost",
            )),
            Err(_) => {
                if let Some(link) = self.inner.link().as_mut() {
                    link.waiting.remove(&id);
                }
                Err(Refusal::new(
                    codes::INTERNAL_FAILURE,
                    format!(
                        "media gateway did not answer within {} ms",
                        timeout.as_millis()
                    ),
                ))
            }
        }
    }

    async fn call_unit(&self, op: Op) -> Result<(), Refusal> {
        self.call(op).await.map(|_| ())
    }
}

fn malformed(what: &str, e: impl std::fmt::Display) -> Refusal {
    Refusal::new(
        codes::INTERNAL_FAILURE,
        format!("media gateway answered a malformed {what}: {e}"),
    )
}

impl MediaBackend for ExternalBackend {
    fn reserve(&self, request: ReserveRequest) -> BackendFuture<'_, Allocation> {
        Box::pin(async move {
            let value = self
                .call(Op::Reserve {
                    termination: request.termination,
                    stream: request.stream,
                    family: request.family.token().to_string(),
                    realm: request.realm,
                })
                .await?;
            let a: WireAddress =
                serde_json::from_value(value).map_err(|e| malformed("reservation", e))?;
            let family = match a.address {
                IpAddr::V4(_) => AddressFamily::Ip4,
                IpAddr::V6(_) => AddressFamily::Ip6,
            };
            if family != request.family {
                return Err(malformed(
                    "reservation",
                    format!("{} for {}", a.address, request.family.token()),
                ));
            }
            Ok(Allocation {
                address: a.address,
                port: a.port,
            })
        })
    }

    fn release(&self, termination: TerminationId, stream: StreamId) -> BackendFuture<'_, ()> {
        Box::pin(self.call_unit(Op::Release {
            termination,
            stream,
        }))
    }

    fn configure(&self, setup: StreamSetup) -> BackendFuture<'_, ()> {
        Box::pin(self.call_unit(Op::Configure {
            termination: setup.termination,
            stream: setup.stream,
            mode: setup.mode,
            remote: setup.remote.map(|a| WireAddress {
                address: a.address,
                port: a.port,
            }),
        }))
    }

    fn start_signal(&self, signal: SignalStart) -> BackendFuture<'_, ()> {
        Box::pin(self.call_unit(Op::StartSignal {
            signal: signal.id,
            termination: signal.termination,
            name: signal.name,
            stream: signal.stream,
            direction: signal.direction,
            params: signal.params,
            signal_type: signal.signal_type,
            duration_ms: signal.duration_ms,
        }))
    }

    fn stop_signal(&self, termination: TerminationId, id: u64) -> BackendFuture<'_, ()> {
        Box::pin(self.call_unit(Op::StopSignal {
            signal: id,
            termination,
        }))
    }

    fn detect_events(&self, termination: TerminationId, names: Vec<Text>) -> BackendFuture<'_, ()> {
        Box::pin(self.call_unit(Op::DetectEvents { termination, names }))
    }

    fn statistics(
        &self,
        termination: TerminationId,
    ) -> BackendFuture<'_, Vec<StatisticsParameter>> {
        Box::pin(async move {
            let value = self.call(Op::Statistics { termination }).await?;
            serde_json::from_value(value).map_err(|e| malformed("statistics", e))
        })
    }

    fn forget(&self, termination: TerminationId) -> BackendFuture<'_, ()> {
        Box::pin(self.call_unit(Op::Forget { termination }))
    }

    fn can_detect(&self, name: &str) -> bool {
        listed(&self.inner.config.events, name)
    }

    fn can_generate(&self, name: &str) -> bool {
        listed(&self.inner.config.signals, name)
    }

    fn health(&self) -> BackendHealth {
        BackendHealth {
            up: self.is_connected(),
            connections: self.connections(),
            events_dropped: self.events_dropped(),
            bad_lines: self.bad_lines(),
            restarts: self.inner.restarts.load(Ordering::Relaxed),
        }
    }

    fn take_events(&self) -> Option<mpsc::Receiver<BackendEvent>> {
        self.inner
            .receiver
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

// ---- the connection -----------------------------------------------------------

/// Connects, serves the connection until it drops, waits, reconnects; ends
/// when the backend is dropped.
async fn keep_connected(weak: std::sync::Weak<Inner>) {
    let mut generation = 0u64;
    let mut delay: Option<Duration> = None;
    loop {
        let (socket, first, max) = match weak.upgrade() {
            Some(inner) => (
                inner.config.socket.clone(),
                inner.config.reconnect_delay,
                inner.config.max_reconnect_delay,
            ),
            None => return,
        };
        if let Some(d) = delay {
            tokio::time::sleep(d).await;
        }
        let stream = match UnixStream::connect(&socket).await {
            Ok(s) => s,
            Err(e) => {
                tracing::debug!(socket = %socket.display(), error = %e, "media gateway connect failed");
                delay = Some(delay.map_or(first, |d| (d * 2).min(max.max(first))));
                continue;
            }
        };
        delay = Some(first);
        generation += 1;
        let lines_rx = {
            let Some(inner) = weak.upgrade() else { return };
            inner.connections.fetch_add(1, Ordering::Relaxed);
            let (lines, lines_rx) = mpsc::channel(inner.config.max_in_flight.max(1));
            *inner.link() = Some(Link {
                generation,
                lines,
                waiting: HashMap::new(),
            });
            lines_rx
        };
        tracing::info!(socket = %socket.display(), "media gateway connected");
        serve(stream, lines_rx, &weak).await;
        let Some(inner) = weak.upgrade() else { return };
        let mut link = inner.link();
        if link.as_ref().is_some_and(|l| l.generation == generation) {
            // Dropping the answers fails the waiting calls (503).
            link.take();
        }
        drop(link);
        tracing::warn!(socket = %socket.display(), "media gateway connection lost");
    }
}

/// One connection: writes the queued request lines and reads replies and
/// events, until either side ends or a line is too long.
async fn serve(
    stream: UnixStream,
    mut lines: mpsc::Receiver<String>,
    weak: &std::sync::Weak<Inner>,
) {
    let (r, mut w) = stream.into_split();
    let mut reader = BufReader::new(r);
    let write = async {
        while let Some(line) = lines.recv().await {
            if w.write_all(line.as_bytes()).await.is_err() {
                return;
            }
        }
    };
    let read = async {
        let mut buf = Vec::with_capacity(512);
        loop {
            buf.clear();
            let limit = MAX_LINE as u64 + 1;
            match (&mut reader).take(limit).read_until(b'\n', &mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if buf.last() != Some(&b'\n') {
                if buf.len() > MAX_LINE {
                    tracing::warn!("media gateway line over {MAX_LINE} bytes: closing");
                }
                // Too long, or the last line without its end: either way
                // the connection is done.
                return;
            }
            let Some(inner) = weak.upgrade() else { return };
            let line = buf.trim_ascii();
            if line.is_empty() {
                continue;
            }
            handle_line(&inner, line);
        }
    };
    tokio::select! {
        () = write => {}
        () = read => {}
    }
}

fn handle_line(inner: &Inner, line: &[u8]) {
    match parse_inbound(line) {
        Ok(Inbound::Reply(reply)) => {
            let answer = inner
                .link()
                .as_mut()
                .and_then(|l| l.waiting.remove(&reply.id));
            let Some(answer) = answer else {
                // Late (timed out) or unknown: nothing waits for it.
                tracing::debug!(id = reply.id, "media gateway reply for no call");
                return;
            };
            let result = match reply.error {
                Some(e) => {
                    let code = if (400..600).contains(&e.code) {
                        e.code
                    } else {
                        codes::INTERNAL_FAILURE
                    };
                    Err(Refusal::new(code, e.text))
                }
                None => Ok(reply.result.unwrap_or(Value::Null)),
            };
            let _ = answer.send(result);
        }
        Ok(Inbound::Event(WireEvent::Started { instance })) => {
            let before = inner
                .instance
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .replace(instance.clone());
            if before.is_some_and(|b| b != instance) {
                inner.restarts.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(%instance, "the media gateway restarted: its state is lost");
                // Never dropped: the engine must release what is gone.
                let sender = inner.sender.clone();
                tokio::spawn(async move {
                    let _ = sender.send(BackendEvent::StateLost).await;
                });
            }
        }
        Ok(Inbound::Event(event)) => {
            let Some(event) = event.into_backend_event() else {
                return;
            };
            if inner.sender.try_send(event).is_err() {
                inner.events_dropped.fetch_add(1, Ordering::Relaxed);
                tracing::warn!("media gateway event dropped: the engine's queue is full");
            }
        }
        Err(e) => {
            inner.bad_lines.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(error = %e, "media gateway sent a line that is not the protocol");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_one_flat_object() {
        let r = WireRequest {
            id: 3,
            op: Op::Reserve {
                termination: TerminationId::new("ip/1"),
                stream: 1,
                family: "IP4".into(),
                realm: None,
            },
        };
        let s = serde_json::to_string(&r).unwrap();
        assert_eq!(
            s,
            r#"{"id":3,"op":"reserve","termination":"ip/1","stream":1,"family":"IP4"}"#
        );
        assert_eq!(serde_json::from_str::<WireRequest>(&s).unwrap(), r);
    }

    #[test]
    fn inbound_lines_are_replies_or_events() {
        let reply = parse_inbound(br#"{"id":9,"result":{"address":"10.0.0.1","port":4000}}"#);
        assert!(matches!(reply, Ok(Inbound::Reply(WireReply { id: 9, .. }))));
        let event =
            parse_inbound(br#"{"event":"detected","termination":"ip/1","name":"dd/d5"}"#).unwrap();
        assert_eq!(
            match event {
                Inbound::Event(e) => e.into_backend_event(),
                other => panic!("{other:?}"),
            },
            Some(BackendEvent::Detected {
                termination: TerminationId::new("ip/1"),
                stream: None,
                name: "dd/d5".into(),
                params: Vec::new(),
            })
        );
        // `started` is the backend's own business, not an engine event.
        match parse_inbound(br#"{"event":"started","instance":"a"}"#).unwrap() {
            Inbound::Event(e) => assert_eq!(e.into_backend_event(), None),
            other => panic!("{other:?}"),
        }
        for bad in [
            &b"not json"[..],
            b"{}",
            b"[1,2]",
            br#"{"id":"x"}"#,
            br#"{"event":"exploded"}"#,
            br#"{"event":"signal_completed","termination":"ip/1"}"#,
            br#"{"event":"started"}"#,
        ] {
            assert!(
                parse_inbound(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    /// Every JSON line of `BACKEND-PROTOCOL.md` is what this module writes
    /// or reads.
    #[test]
    fn the_documented_examples_are_the_protocol() {
        let doc = include_str!("../../BACKEND-PROTOCOL.md");
        let lines: Vec<&str> = doc.lines().filter(|l| l.starts_with('{')).collect();
        assert!(lines.len() >= 12, "{lines:?}");
        for line in lines {
            if line.contains("\"op\"") {
                let request: WireRequest = serde_json::from_str(line).expect(line);
                let again = serde_json::to_string(&request).unwrap();
                assert_eq!(again, line, "written as documented");
            } else {
                parse_inbound(line.as_bytes()).expect(line);
            }
        }
    }

    #[test]
    fn relations_are_written_as_documented() {
        let p = PropertyParm {
            name: "n".into(),
            value: h248_stack::model::ParmValue::Relation(
                h248_stack::model::Relation::GreaterThan,
                "3".into(),
            ),
        };
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            r#"{"name":"n","value":{"relation":["greater_than","3"]}}"#
        );
    }
}
