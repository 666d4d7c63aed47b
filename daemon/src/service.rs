//! The service: one endpoint (transport, codec, transaction engine) with
//! the MG's control association beside it, an [`Executor`] behind it, the
//! metrics, and an orderly shutdown.
//!
//! - **Guard.** Every message passes a guard before the engine sees it:
//!   only the configured MGCs are served (anything else is dropped and
//!   counted as `unconfigured_peer`; over TCP and SCTP their connections
//!   and associations are closed at accept, `bind_filtered`), messages above
//!   `security.max_message_size` are dropped (`too_large`), and each peer
//!   gets a token bucket of `security.rate_limit_per_peer` messages per
//!   second with a burst of `security.rate_limit_burst` (`rate_limited`).
//!   Malformed messages from a served peer reach the engine, which answers
//!   error 400 where the header can be read (H.248.1 clause 8.2.2).
//! - **Registration.** The association starts at once (after its random
//!   MaxWaitDelay); its events set the `h248_association_state` gauge and
//!   the current registration (MGC peer and negotiated version).
//! - **Requests.** Each request the association does not take runs in a
//!   task of its own through [`Executor::execute`]; the reply is what it
//!   resolves to. The engine sends Pendings meanwhile. Ordering between
//!   requests of one context is the executor's business.
//! - **Gateway requests.** What [`Executor::next_request`] yields is sent
//!   to the registered MGC in the negotiated version, waiting while not
//!   registered. A request that times out (or whose TCP connection dropped)
//!   tells the association the MGC is lost (clauses 11.4, 11.5).
//! - **Shutdown** ([`Running::shutdown`]): a Graceful ServiceChange on ROOT
//!   (with `association.shutdown_delay_s`), requests still served for that
//!   delay, then a drain of the requests in progress and of the outgoing
//!   transactions (the Graceful's own reply included), bounded by
//!   `service.drain_timeout_ms`; then the endpoint stops.

use std::collections::hash_map::RandomState;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use h248_stack::association::{MgAssociation, MgEvent, MgState};
use h248_stack::ber::BerLimits;
use h248_stack::model::{
    ActionRequest, Command, ContextId, MId, MegacoMessage, MessageBody, TransactionResult,
};
use h248_stack::text::{DecodeLimits, Style};
use h248_stack::transaction::codec::{CodecDecodeError, MessageCodec, TextCodec};
use h248_stack::transaction::{Failure, PeerKeyedMap};
use h248_stack::transport::sctp::SctpOptions;
use h248_stack::transport::tcp::TcpOptions;
use h248_stack::transport::{
    AcceptFilter, AssociationHandle, BerCodec, Endpoint, EndpointStats, IncomingRequest,
    IncomingRequests, RequestError, SctpTransport, TcpTransport, Transport, TransportEvent,
    UdpTransport,
};
use tokio::sync::{mpsc, oneshot, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

use crate::config::{AllowedPeers, Encoding, RuntimeSettings, Settings, TransportKind};
use crate::executor::Executor;
use crate::metrics::Metrics;

type Peer = SocketAddr;
type Control = AssociationHandle<MgAssociation<Peer>, Peer>;

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("cannot bind {kind} {addr}: {source}")]
    Bind {
        kind: &'static str,
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot listen for metrics on {addr}: {source}")]
    Metrics {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Engine(#[from] h248_stack::transaction::ConfigError),
    #[error("the endpoint stopped")]
    Closed,
}

/// Where the MG is registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Registration {
    pub peer: SocketAddr,
    pub version: u8,
}

/// What [`Running::shutdown`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShutdownReport {
    /// A Graceful ServiceChange was sent (the MG was registered).
    pub graceful_sent: bool,
    /// Everything in progress finished before the drain timeout.
    pub drained: bool,
}

// ---- the guard ---------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

#[derive(Debug)]
struct RateLimit {
    per_second: u32,
    burst: u32,
    buckets: PeerKeyedMap<SocketAddr, Bucket>,
}

/// Most token buckets kept; past it they are all forgotten (they are only
/// made for served peers, so this is never reached in practice).
const MAX_BUCKETS: usize = 4096;

impl RateLimit {
    fn allow(&mut self, key: SocketAddr, now: Instant) -> bool {
        if self.per_second == 0 {
            return true;
        }
        if self.buckets.len() >= MAX_BUCKETS && !self.buckets.contains_key(&key) {
            self.buckets.clear();
        }
        let capacity = f64::from(self.per_second) + f64::from(self.burst);
        let bucket = self.buckets.entry(key).or_insert(Bucket {
            tokens: capacity,
            last: now,
        });
        let elapsed = now.saturating_duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * f64::from(self.per_second)).min(capacity);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// The state the guard shares with [`Running`] (for reloads).
#[derive(Debug)]
struct GuardState {
    allowed: AllowedPeers,
    max_message_size: usize,
    rate: Mutex<RateLimit>,
    metrics: Arc<Metrics>,
}

impl GuardState {
    /// Whether a message of `len` bytes from `peer` may reach the engine.
    fn admit(&self, peer: &SocketAddr, len: usize) -> bool {
        if !self.allowed.allows(peer) {
            self.metrics.dropped("unconfigured_peer");
            tracing::debug!(%peer, len, "dropped: not a configured MGC");
            return false;
        }
        if len > self.max_message_size {
            self.metrics.dropped("too_large");
            tracing::debug!(%peer, len, "dropped: message too large");
            return false;
        }
        let key = if self.allowed.match_port {
            *peer
        } else {
            SocketAddr::new(peer.ip(), 0)
        };
        let allowed = self
            .rate
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .allow(key, Instant::now());
        if !allowed {
            self.metrics.dropped("rate_limited");
            tracing::debug!(%peer, "dropped: rate limit");
        }
        allowed
    }
}

/// Strangers' connections (TCP) and associations (SCTP) are closed at
/// accept, counted as `unconfigured_peer` like their datagrams.
fn stranger_filter(guard: &Arc<GuardState>, transport: &'static str) -> AcceptFilter {
    let state = guard.clone();
    Arc::new(move |peer: SocketAddr| {
        let served = state.allowed.allows(&peer);
        if !served {
            state.metrics.dropped("unconfigured_peer");
            tracing::debug!(%peer, transport, "connection closed: not a configured MGC");
        }
        served
    })
}

/// A transport that lets only admitted messages through.
struct Guarded<T> {
    inner: T,
    state: Arc<GuardState>,
}

impl<T: Transport<Peer = SocketAddr>> Transport for Guarded<T> {
    type Peer = SocketAddr;

    fn is_reliable(&self) -> bool {
        self.inner.is_reliable()
    }

    fn local_addr(&self) -> Option<SocketAddr> {
        self.inner.local_addr()
    }

    // Cancel-safe: the only await is the inner transport's (cancel-safe)
    // `recv`; what follows it runs without suspending.
    async fn recv(&mut self) -> std::io::Result<TransportEvent<SocketAddr>> {
        loop {
            match self.inner.recv().await? {
                TransportEvent::Message { peer, bytes } => {
                    if self.state.admit(&peer, bytes.len()) {
                        return Ok(TransportEvent::Message { peer, bytes });
                    }
                }
                lost @ TransportEvent::PeerLost(_) => return Ok(lost),
            }
        }
    }

    async fn send(&mut self, peer: SocketAddr, bytes: Vec<u8>) -> std::io::Result<()> {
        self.inner.send(peer, bytes).await
    }
}

// ---- starting ------------------------------------------------------------------

/// A codec that counts the message-level errors the engine sends
/// (H.248.1 clause 8.2.2: 400 for a message it could not decode, 406...)
/// under `h248_errors_total{direction="out"}`, as the service counts the
/// errors of its replies; the engine answers those without the service.
#[derive(Clone)]
struct Counted<C> {
    inner: C,
    metrics: Arc<Metrics>,
}

impl<C> Counted<C> {
    /// Counts `message`, just encoded, if it is a message-level error.
    fn count_sent(&self, message: &MegacoMessage) {
        if let MessageBody::Error(e) = &message.message.body {
            self.metrics.error(e.code, "out");
        }
    }
}

impl<C: MessageCodec + Clone> MessageCodec for Counted<C> {
    fn decode(&self, bytes: &[u8]) -> Result<MegacoMessage, CodecDecodeError> {
        self.inner.decode(bytes)
    }

    fn encode(&self, message: &MegacoMessage, out: &mut Vec<u8>) -> Result<(), String> {
        self.inner.encode(message, out)?;
        self.count_sent(message);
        Ok(())
    }

    fn encode_within(
        &self,
        message: &MegacoMessage,
        budget: usize,
        emit: &mut dyn FnMut(Vec<u8>),
    ) -> Result<(), String> {
        self.inner.encode_within(message, budget, emit)?;
        self.count_sent(message);
        Ok(())
    }

    fn encode_within_each(
        &self,
        message: &MegacoMessage,
        budget: usize,
        emit: &mut dyn FnMut(Vec<u8>),
        each: &mut dyn FnMut(usize, &[u8]),
    ) -> Result<(), String> {
        self.inner.encode_within_each(message, budget, emit, each)?;
        self.count_sent(message);
        Ok(())
    }

    fn shows_transactions(&self) -> bool {
        self.inner.shows_transactions()
    }

    fn decode_sent_transaction(
        &self,
        version: u8,
        bytes: &[u8],
    ) -> Option<h248_stack::model::Transaction> {
        self.inner.decode_sent_transaction(version, bytes)
    }

    fn packing_form(&self) -> Self {
        Counted {
            inner: self.inner.packing_form(),
            metrics: self.metrics.clone(),
        }
    }
}

type Spawned = (Endpoint<Peer>, IncomingRequests<Peer>, Control);

fn spawn_endpoint<T: Transport<Peer = SocketAddr>>(
    settings: &Settings,
    transport: Guarded<T>,
    association: MgAssociation<Peer>,
    metrics: &Arc<Metrics>,
) -> Result<Spawned, ServiceError> {
    let config = settings.engine.clone();
    let counted = |inner| Counted {
        inner,
        metrics: metrics.clone(),
    };
    let text = |style| {
        counted(TextCodec {
            style,
            limits: DecodeLimits {
                max_message_size: settings.max_message_size,
                ..DecodeLimits::default()
            },
        })
    };
    let spawned = match settings.encoding {
        Encoding::Pretty => {
            Endpoint::spawn_with_association(config, text(Style::Pretty), transport, association)
        }
        Encoding::Compact => {
            Endpoint::spawn_with_association(config, text(Style::Compact), transport, association)
        }
        Encoding::Ber => {
            let codec = Counted {
                inner: BerCodec {
                    limits: BerLimits {
                        max_message_size: settings.max_message_size,
                        ..BerLimits::default()
                    },
                    ..BerCodec::new()
                },
                metrics: metrics.clone(),
            };
            Endpoint::spawn_with_association(config, codec, transport, association)
        }
    }?;
    Ok(spawned)
}

/// Maps the MIds of redirections (ServiceChangeMgcId, ServiceChangeAddress)
/// to peers: only configured MGCs are known, by their mId or by their
/// address, so that a redirection never leads outside the list the guard
/// serves.
fn resolver(settings: &Settings) -> h248_stack::association::mg::Resolver<Peer> {
    let mgcs: Vec<(MId, SocketAddr)> = settings
        .association
        .mgcs
        .iter()
        .map(|m| (m.mid.clone(), m.peer))
        .collect();
    let allowed = settings.allowed.clone();
    Box::new(move |mid: &MId| {
        if let Some((_, peer)) = mgcs.iter().find(|(m, _)| m == mid) {
            return Some(*peer);
        }
        let addr = match mid {
            MId::Ip4 {
                address,
                port: Some(port),
            } => SocketAddr::from((*address, *port)),
            MId::Ip6 {
                address,
                port: Some(port),
            } => SocketAddr::from((*address, *port)),
            _ => return None,
        };
        allowed.allows(&addr).then_some(addr)
    })
}

/// Random values for MaxWaitDelay, from the standard library's per-process
/// random hash keys (no cryptographic quality is needed).
fn random_source() -> h248_stack::association::mg::RandomSource {
    let state = RandomState::new();
    let mut n = 0u64;
    Box::new(move || {
        n = n.wrapping_add(1);
        let mut h = state.build_hasher();
        h.write_u64(n);
        h.finish() as u32
    })
}

/// Starts the service on the current tokio runtime: binds the transport
/// (and the metrics listener), spawns the endpoint with the association
/// and starts registering.
pub async fn start<E: Executor + ?Sized>(
    settings: &Settings,
    executor: Arc<E>,
    metrics: Arc<Metrics>,
) -> Result<Running, ServiceError> {
    let guard = Arc::new(GuardState {
        allowed: settings.allowed.clone(),
        max_message_size: settings.max_message_size,
        rate: Mutex::new(RateLimit {
            per_second: settings.runtime.rate_limit_per_peer,
            burst: settings.runtime.rate_limit_burst,
            buckets: PeerKeyedMap::default(),
        }),
        metrics: metrics.clone(),
    });
    let association = MgAssociation::new(
        settings.association.clone(),
        resolver(settings),
        random_source(),
    );
    let bind = settings.bind;
    let (endpoint, incoming, control) = match settings.transport {
        TransportKind::Udp => {
            let t = UdpTransport::bind(bind)
                .await
                .map_err(|source| ServiceError::Bind {
                    kind: "udp",
                    addr: bind,
                    source,
                })?;
            let guarded = Guarded {
                inner: t,
                state: guard.clone(),
            };
            spawn_endpoint(settings, guarded, association, &metrics)?
        }
        TransportKind::Tcp => {
            let options = TcpOptions {
                max_message_size: settings.max_message_size,
                ..TcpOptions::default()
            };
            let t = TcpTransport::bind_filtered(bind, options, stranger_filter(&guard, "TCP"))
                .await
                .map_err(|source| ServiceError::Bind {
                    kind: "tcp",
                    addr: bind,
                    source,
                })?;
            let guarded = Guarded {
                inner: t,
                state: guard.clone(),
            };
            spawn_endpoint(settings, guarded, association, &metrics)?
        }
        TransportKind::Sctp => {
            let t = SctpTransport::bind_filtered(
                bind,
                SctpOptions::default(),
                stranger_filter(&guard, "SCTP"),
            )
            .await
            .map_err(|source| ServiceError::Bind {
                kind: "sctp",
                addr: bind,
                source,
            })?;
            let guarded = Guarded {
                inner: t,
                state: guard.clone(),
            };
            spawn_endpoint(settings, guarded, association, &metrics)?
        }
    };
    let local_addr = endpoint.local_addr().unwrap_or(bind);
    tracing::info!(
        local = %local_addr,
        transport = settings.transport.as_str(),
        profile = settings.profile_kind.as_str(),
        "endpoint up"
    );

    let stop = CancellationToken::new();
    let metrics_addr = match settings.metrics_listen {
        Some(addr) => {
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|source| ServiceError::Metrics { addr, source })?;
            let bound = listener.local_addr().unwrap_or(addr);
            tokio::spawn(crate::metrics::serve(
                listener,
                metrics.clone(),
                stop.child_token(),
            ));
            tracing::info!(listen = %bound, "metrics served at /metrics");
            Some(bound)
        }
        None => None,
    };

    let (registration_tx, registration) = watch::channel(None);
    let (state_tx, state) = watch::channel(MgState::Idle);
    let (control_tx, control_rx) = mpsc::unbounded_channel();
    let requests = TaskTracker::new();

    tokio::spawn(
        association_task(
            control,
            control_rx,
            registration_tx,
            state_tx,
            metrics.clone(),
            stop.clone(),
        )
        .instrument(tracing::info_span!("association")),
    );
    tokio::spawn(incoming_task(
        incoming,
        executor.clone(),
        metrics.clone(),
        requests.clone(),
    ));
    let outgoing = tokio::spawn(outgoing_task(
        endpoint.clone(),
        executor.clone(),
        metrics.clone(),
        registration.clone(),
        control_tx.clone(),
        stop.child_token(),
    ));
    tokio::spawn(sample_task(
        endpoint.clone(),
        executor,
        metrics.clone(),
        settings.sample_interval,
        stop.child_token(),
    ));

    let running = Running {
        endpoint,
        local_addr,
        metrics_addr,
        metrics,
        guard,
        control: control_tx,
        registration,
        state,
        requests,
        stop,
        outgoing,
        drain_timeout: settings.drain_timeout,
        shutdown_delay: settings.shutdown_delay,
    };
    running.act(Act::Start).await?;
    Ok(running)
}

// ---- the running service -----------------------------------------------------

enum Act {
    Start,
    Graceful(Duration),
    MgcLost,
}

struct ControlCall {
    act: Act,
    done: Option<oneshot::Sender<bool>>,
}

/// A started service. Dropping it leaves the tasks running until the
/// runtime stops; [`shutdown`](Self::shutdown) ends it in order.
#[derive(Debug)]
pub struct Running {
    endpoint: Endpoint<Peer>,
    local_addr: SocketAddr,
    metrics_addr: Option<SocketAddr>,
    metrics: Arc<Metrics>,
    guard: Arc<GuardState>,
    control: mpsc::UnboundedSender<ControlCall>,
    registration: watch::Receiver<Option<Registration>>,
    state: watch::Receiver<MgState>,
    requests: TaskTracker,
    stop: CancellationToken,
    outgoing: tokio::task::JoinHandle<()>,
    drain_timeout: Duration,
    shutdown_delay: Duration,
}

impl std::fmt::Debug for ControlCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ControlCall")
    }
}

impl Running {
    async fn act(&self, act: Act) -> Result<bool, ServiceError> {
        let (done, rx) = oneshot::channel();
        self.control
            .send(ControlCall {
                act,
                done: Some(done),
            })
            .map_err(|_| ServiceError::Closed)?;
        rx.await.map_err(|_| ServiceError::Closed)
    }

    /// The address the H.248 transport is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The address `/metrics` is served on, if enabled.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// The current registration, if any.
    pub fn registration(&self) -> Option<Registration> {
        *self.registration.borrow()
    }

    /// The association's state, as last reported.
    pub fn state(&self) -> MgState {
        *self.state.borrow()
    }

    /// Follows the association's state.
    pub fn watch_state(&self) -> watch::Receiver<MgState> {
        self.state.clone()
    }

    /// Waits until registered (or the association gave up: `None`).
    pub async fn registered(&self) -> Option<Registration> {
        let mut registration = self.registration.clone();
        let mut state = self.state.clone();
        loop {
            if let Some(r) = *registration.borrow_and_update() {
                return Some(r);
            }
            if *state.borrow_and_update() == MgState::Failed {
                return None;
            }
            tokio::select! {
                changed = registration.changed() => if changed.is_err() { return None },
                changed = state.changed() => if changed.is_err() { return None },
            }
        }
    }

    /// The endpoint's counters (and they are sampled into the metrics).
    pub async fn endpoint_stats(&self) -> Result<EndpointStats, ServiceError> {
        let stats = self
            .endpoint
            .stats()
            .await
            .map_err(|_| ServiceError::Closed)?;
        self.metrics.observe_endpoint(&stats);
        Ok(stats)
    }

    /// Whether the endpoint task answers within `within` (for the systemd
    /// watchdog: a stuck endpoint stops the pings).
    pub async fn healthy(&self, within: Duration) -> bool {
        matches!(
            tokio::time::timeout(within, self.endpoint.stats()).await,
            Ok(Ok(_))
        )
    }

    /// Applies what can change at run time: the per-peer rate limit (the
    /// log level is the logger's, see `logging::LogHandle`).
    pub fn reload(&self, runtime: &RuntimeSettings) {
        let mut rate = self.guard.rate.lock().unwrap_or_else(|e| e.into_inner());
        rate.per_second = runtime.rate_limit_per_peer;
        rate.burst = runtime.rate_limit_burst;
        rate.buckets.clear();
        tracing::info!(
            rate_limit_per_peer = runtime.rate_limit_per_peer,
            rate_limit_burst = runtime.rate_limit_burst,
            "rate limit reloaded"
        );
    }

    /// Leaves in order: Graceful ServiceChange (when registered), requests
    /// still served during its delay, then drain (bounded by the drain
    /// timeout), then the endpoint stops.
    pub async fn shutdown(&self) -> ShutdownReport {
        // No more gateway requests once we announced leaving.
        self.outgoing.abort();
        let graceful_sent = self
            .act(Act::Graceful(self.shutdown_delay))
            .await
            .unwrap_or(false);
        tracing::info!(
            graceful_sent,
            delay_s = self.shutdown_delay.as_secs(),
            "shutting down"
        );
        if graceful_sent && !self.shutdown_delay.is_zero() {
            tokio::time::sleep(self.shutdown_delay).await;
        }
        let deadline = tokio::time::Instant::now() + self.drain_timeout;
        self.requests.close();
        let mut drained = tokio::time::timeout_at(deadline, self.requests.wait())
            .await
            .is_ok();
        // Outgoing transactions (the Graceful itself among them).
        loop {
            match self.endpoint.stats().await {
                Ok(stats) => {
                    self.metrics.observe_endpoint(&stats);
                    if stats.live_transactions == 0 {
                        break;
                    }
                }
                Err(_) => break,
            }
            if tokio::time::Instant::now() >= deadline {
                drained = false;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.stop.cancel();
        self.endpoint.shutdown().await;
        tracing::info!(drained, "stopped");
        ShutdownReport {
            graceful_sent,
            drained,
        }
    }
}

// ---- tasks ---------------------------------------------------------------------

fn state_name(state: MgState) -> &'static str {
    match state {
        MgState::Idle => "idle",
        MgState::Waiting => "waiting",
        MgState::Registering => "registering",
        MgState::Registered => "registered",
        MgState::OutOfService => "out_of_service",
        MgState::Failed => "failed",
    }
}

async fn association_task(
    mut control: Control,
    mut calls: mpsc::UnboundedReceiver<ControlCall>,
    registration: watch::Sender<Option<Registration>>,
    state: watch::Sender<MgState>,
    metrics: Arc<Metrics>,
    stop: CancellationToken,
) {
    let mut leaving = false;
    loop {
        tokio::select! {
            event = control.next_event() => {
                let Some(event) = event else { break };
                let restart = on_event(&event, &registration, &metrics, leaving);
                if restart && control.act(|a, now| a.start(now)).await.is_err() {
                    break;
                }
            }
            call = calls.recv() => {
                let Some(ControlCall { act, done }) = call else { break };
                let result = match act {
                    Act::Start => control.act(|a, now| a.start(now)).await,
                    Act::Graceful(delay) => {
                        leaving = true;
                        control.act(move |a, now| a.graceful(now, delay)).await
                    }
                    Act::MgcLost => control.act(|a, now| a.mgc_lost(now)).await,
                };
                if let Some(done) = done {
                    let _ = done.send(result.unwrap_or(false));
                }
            }
            () = stop.cancelled() => break,
        }
        match control.act(|a, _| a.state()).await {
            Ok(s) => {
                metrics.set_association_state(state_name(s));
                state.send_replace(s);
                if s != MgState::Registered {
                    registration.send_replace(None);
                }
            }
            Err(_) => break,
        }
    }
}

/// Records an association event; true when registration should start
/// again (the MGC took us out of service).
fn on_event(
    event: &MgEvent<Peer>,
    registration: &watch::Sender<Option<Registration>>,
    metrics: &Metrics,
    leaving: bool,
) -> bool {
    match event {
        MgEvent::Registering {
            mgc,
            peer,
            method,
            reason,
            version,
        } => {
            metrics.association_event("registering");
            tracing::info!(%peer, ?mgc, ?method, reason, version, "registering");
        }
        MgEvent::Registered {
            mgc,
            peer,
            version,
            profile,
        } => {
            metrics.association_event("registered");
            tracing::info!(%peer, ?mgc, version, ?profile, "registered");
            registration.send_replace(Some(Registration {
                peer: *peer,
                version: *version,
            }));
        }
        MgEvent::AttemptFailed { mgc } => {
            metrics.association_event("attempt_failed");
            tracing::warn!(?mgc, "registration attempt got no reply");
        }
        MgEvent::Refused { mgc, error } => {
            metrics.association_event("refused");
            metrics.error(error.code, "in");
            tracing::warn!(?mgc, code = error.code, text = ?error.text, "registration refused");
        }
        MgEvent::Redirected { from, to } => {
            metrics.association_event("redirected");
            tracing::info!(?from, ?to, "redirected");
        }
        MgEvent::Unresolved { mid } => {
            metrics.association_event("unresolved");
            tracing::warn!(?mid, "redirection to an MGC not configured: ignored");
        }
        MgEvent::MgcLost { mgc, peer } => {
            metrics.association_event("mgc_lost");
            tracing::warn!(%peer, ?mgc, "MGC lost");
            registration.send_replace(None);
        }
        MgEvent::HandoffRequested { from, to } => {
            metrics.association_event("handoff");
            tracing::info!(?from, ?to, "handoff requested");
            registration.send_replace(None);
        }
        MgEvent::ServiceChangeFromMgc { method, reason } => {
            metrics.association_event("service_change_from_mgc");
            tracing::info!(?method, %reason, "ServiceChange from the MGC");
        }
        MgEvent::GoingOutOfService { delay, by_mgc } => {
            metrics.association_event("going_out_of_service");
            tracing::info!(delay_s = delay.as_secs(), by_mgc, "going out of service");
        }
        MgEvent::OutOfService { by_mgc } => {
            metrics.association_event("out_of_service");
            tracing::warn!(by_mgc, "out of service");
            registration.send_replace(None);
            // Taken out by the MGC: register again (after MaxWaitDelay),
            // unless we are leaving ourselves.
            return *by_mgc && !leaving;
        }
        MgEvent::InactivityTimer(mit) => {
            tracing::info!(
                mit_ms = mit.map(|d| d.as_millis() as u64),
                "inactivity timer"
            );
        }
        MgEvent::Failed => {
            metrics.association_event("failed");
            tracing::error!("registration given up");
            registration.send_replace(None);
        }
    }
    false
}

/// The metric label of a transaction: its first command.
pub fn command_label(actions: &[ActionRequest]) -> &'static str {
    let Some(command) = actions.iter().flat_map(|a| a.commands.iter()).next() else {
        return "none";
    };
    match &command.command {
        Command::Add(_) => "add",
        Command::Move(_) => "move",
        Command::Modify(_) => "modify",
        Command::Subtract(_) => "subtract",
        Command::AuditCapabilities(_) => "audit_capabilities",
        Command::AuditValue(_) => "audit_value",
        Command::Notify(_) => "notify",
        Command::ServiceChange(_) => "service_change",
    }
}

/// Counts the error descriptors of a result; true when there is none.
fn count_errors(result: &TransactionResult, direction: &str, metrics: &Metrics) -> bool {
    match result {
        TransactionResult::Error(e) => {
            metrics.error(e.code, direction);
            false
        }
        TransactionResult::ActionReplies(actions) => {
            let mut ok = true;
            for e in actions.iter().filter_map(|a| a.error.as_ref()) {
                metrics.error(e.code, direction);
                ok = false;
            }
            ok
        }
    }
}

async fn incoming_task<E: Executor + ?Sized>(
    mut incoming: IncomingRequests<Peer>,
    executor: Arc<E>,
    metrics: Arc<Metrics>,
    requests: TaskTracker,
) {
    while let Some(request) = incoming.recv().await {
        let span = tracing::info_span!(
            "request",
            peer = %request.peer,
            transaction = request.transaction_id,
            context = tracing::field::Empty,
        );
        // The context named, or (after execution) the one chosen for `$`.
        if let Some(a) = request.actions.first() {
            if a.context_id != ContextId::CHOOSE {
                span.record("context", a.context_id.0);
            }
        }
        let mut work = Box::pin(serve(request, executor.clone(), metrics.clone()).instrument(span));
        // Most requests (the `sim` backend, an uncontended context) finish
        // in one poll: that poll runs here, and only a request that has to
        // wait (a backend call, a busy context) gets a task of its own.
        // The task polls it at once with its own waker, which replaces the
        // no-op one of this first poll.
        let mut cx = std::task::Context::from_waker(futures_util::task::noop_waker_ref());
        if work.as_mut().poll(&mut cx).is_pending() {
            requests.spawn(work);
        }
    }
}

async fn serve<E: Executor + ?Sized>(
    mut request: IncomingRequest<Peer>,
    executor: Arc<E>,
    metrics: Arc<Metrics>,
) {
    let command = command_label(&request.actions);
    let started = Instant::now();
    let actions = std::mem::take(&mut request.actions);
    let result = executor.execute(request.version, actions).await;
    if let TransactionResult::ActionReplies(replies) = &result {
        if let Some(a) = replies.first() {
            tracing::Span::current().record("context", a.context_id.0);
        }
    }
    let ok = count_errors(&result, "out", &metrics);
    let elapsed = started.elapsed();
    metrics.transaction(
        command,
        "in",
        if ok { "ok" } else { "error" },
        elapsed.as_secs_f64(),
    );
    tracing::debug!(
        command,
        ok,
        elapsed_us = elapsed.as_micros() as u64,
        "executed"
    );
    // The endpoint logs a reply its engine refuses (aborted at the pending
    // limit); waiting here for that verdict would cost a round trip.
    if let Err(e) = request.answer(result).await {
        tracing::warn!(error = %e, "reply not sent");
    }
}

async fn outgoing_task<E: Executor + ?Sized>(
    endpoint: Endpoint<Peer>,
    executor: Arc<E>,
    metrics: Arc<Metrics>,
    mut registration: watch::Receiver<Option<Registration>>,
    control: mpsc::UnboundedSender<ControlCall>,
    stop: CancellationToken,
) {
    loop {
        let actions = tokio::select! {
            () = stop.cancelled() => return,
            next = executor.next_request() => match next {
                Some(actions) => actions,
                None => return,
            },
        };
        let target = loop {
            if let Some(r) = *registration.borrow_and_update() {
                break r;
            }
            tokio::select! {
                () = stop.cancelled() => return,
                changed = registration.changed() => if changed.is_err() { return },
            }
        };
        let command = command_label(&actions);
        let span = tracing::info_span!(
            "gateway_request",
            peer = %target.peer,
            context = tracing::field::Empty,
        );
        if let Some(a) = actions.first() {
            span.record("context", a.context_id.0);
        }
        let reply = endpoint.send_request(target.peer, target.version, actions);
        let metrics = metrics.clone();
        let control = control.clone();
        tokio::spawn(
            async move {
                let started = Instant::now();
                let outcome = reply.await;
                let seconds = started.elapsed().as_secs_f64();
                match outcome {
                    Ok(result) => {
                        let ok = count_errors(&result, "in", &metrics);
                        metrics.transaction(
                            command,
                            "out",
                            if ok { "ok" } else { "error" },
                            seconds,
                        );
                        tracing::debug!(command, ok, "answered");
                    }
                    Err(e) => {
                        metrics.transaction(command, "out", "failed", seconds);
                        tracing::warn!(command, error = %e, "gateway request failed");
                        if matches!(
                            e,
                            RequestError::Failed(Failure::TimedOut | Failure::PeerLost)
                        ) {
                            let _ = control.send(ControlCall {
                                act: Act::MgcLost,
                                done: None,
                            });
                        }
                    }
                }
            }
            .instrument(span),
        );
    }
}

async fn sample_task<E: Executor + ?Sized>(
    endpoint: Endpoint<Peer>,
    executor: Arc<E>,
    metrics: Arc<Metrics>,
    every: Duration,
    stop: CancellationToken,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        match endpoint.stats().await {
            Ok(stats) => metrics.observe_endpoint(&stats),
            Err(_) => return,
        }
        metrics.observe_gateway(&executor.stats());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_bucket_limits_and_refills() {
        let mut rate = RateLimit {
            per_second: 10,
            burst: 0,
            buckets: PeerKeyedMap::default(),
        };
        let peer: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let t0 = Instant::now();
        let passed = (0..20).filter(|_| rate.allow(peer, t0)).count();
        assert_eq!(passed, 10);
        assert!(rate.allow(peer, t0 + Duration::from_millis(150)));
        rate.per_second = 0;
        assert!((0..100).all(|_| rate.allow(peer, t0)));
    }
}
