//! The endpoint driver: one tokio task owning a
//! [`CodecEngine`] and one [`Transport`], and the cloneable [`Endpoint`]
//! handle the application uses.
//!
//! The task loops: run the engine's due timers; wait for whichever comes
//! first of a command from a handle, a message (or a lost peer) from the
//! transport, or the engine's next timer (`sleep_until(poll_timeout)`); feed
//! it to the engine with the current time; then drain the engine: every
//! `poll_transmit` goes to the transport, every `poll_event` to the
//! application (a reply resolves the future of its `send_request`, a new
//! request goes to [`IncomingRequests`]). Before draining it takes every
//! command already queued, so that replies ready together leave in one
//! message per peer (the engine batches what it holds at `poll_transmit`).
//! The engine takes every protocol decision; this task only moves bytes,
//! time and events.

use std::collections::HashMap;
use std::fmt::Debug;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Instant;

use tokio::sync::{mpsc, oneshot};
use tracing::Instrument;

use super::{Transport, TransportEvent};
use crate::association::{
    self, Association, MgAssociation, MgEvent, MgcAssociation, MgcEvent, OutgoingReply,
    OutgoingRequest, RequestHandle,
};
use crate::model::{ActionRequest, TransactionId, TransactionResult};
use crate::transaction::codec::{CodecEngine, MessageCodec};
use crate::transaction::{
    ConfigError, Counters, Engine, EngineConfig, Event, Failure, PeerKey, ReplyError, SendError,
};

/// Commands queued from handles to the task before senders wait.
const COMMAND_QUEUE: usize = 1024;

/// Most commands taken in one turn of the task beyond the one that woke
/// it, so that a flood of them cannot starve the transport and the timers.
const READY_COMMANDS_PER_TURN: usize = 256;

/// Pause after a transport receive error.
const RECV_ERROR_BACKOFF: std::time::Duration = std::time::Duration::from_millis(5);

/// At most one warning per this long about requests dropped on a full
/// incoming-transaction table.
const REJECTION_WARNING_INTERVAL: std::time::Duration = std::time::Duration::from_secs(10);

/// When to warn that the engine drops requests because its table of
/// incoming transactions is full (`max_incoming_transactions`): the peer
/// only sees silence and retransmits, so the log has to say why.
#[derive(Debug, Default)]
struct RejectionWarning {
    /// `Counters::rejected_requests` at the last warning.
    reported: u64,
    at: Option<Instant>,
}

impl RejectionWarning {
    /// The requests dropped since the last warning, when one is due.
    fn due(&mut self, now: Instant, rejected: u64) -> Option<u64> {
        let quiet = self
            .at
            .is_none_or(|at| now.saturating_duration_since(at) >= REJECTION_WARNING_INTERVAL);
        if rejected <= self.reported || !quiet {
            return None;
        }
        let dropped = rejected - self.reported;
        self.reported = rejected;
        self.at = Some(now);
        Some(dropped)
    }
}

/// Why a request sent through an [`Endpoint`] got no reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// The engine gave up on it (timeout, pending limit, lost peer...).
    #[error("request failed: {0:?}")]
    Failed(Failure),
    /// The engine refused to send it.
    #[error("request refused: {0}")]
    Refused(SendError),
    /// The endpoint has shut down.
    #[error("endpoint closed")]
    Closed,
}

/// Why a reply could not be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    /// The engine no longer waits for it (aborted at the pending limit).
    #[error(transparent)]
    Engine(#[from] ReplyError),
    #[error("endpoint closed")]
    Closed,
}

/// The endpoint is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("endpoint closed")]
pub struct Closed;

/// The engine's counters and table sizes, plus the transport's errors.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EndpointStats {
    pub engine: Counters,
    /// Outgoing requests waiting plus incoming ones not answered.
    pub live_transactions: usize,
    /// All per-transaction state (zero once every timer has run out).
    pub state_entries: usize,
    /// Messages the transport could not send.
    pub send_errors: u64,
    /// Receive errors of the transport.
    pub recv_errors: u64,
    /// Peers the transport reported lost.
    pub peers_lost: u64,
}

/// A control association (`crate::association`) run by the endpoint task
/// beside its engine: the task feeds it every received message (liveness),
/// its timers and the engine's events, and moves its requests, replies and
/// cancellations into the engine ([`association::flush`]); the events it
/// does not take reach the application as usual.
pub trait LiveAssociation<P>: Association<P> + Send + 'static {
    /// What the association reports (registered, lost...).
    type Event: Send + 'static;
    fn poll_association_event(&mut self) -> Option<Self::Event>;
}

impl<P: PeerKey + Send + 'static> LiveAssociation<P> for MgAssociation<P> {
    type Event = MgEvent<P>;
    fn poll_association_event(&mut self) -> Option<MgEvent<P>> {
        self.poll_event()
    }
}

impl<P: PeerKey + Send + 'static> LiveAssociation<P> for MgcAssociation<P> {
    type Event = MgcEvent<P>;
    fn poll_association_event(&mut self) -> Option<MgcEvent<P>> {
        self.poll_event()
    }
}

/// No association: every engine event goes to the application.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoAssociation;

impl<P> Association<P> for NoAssociation {
    fn poll_request(&mut self) -> Option<OutgoingRequest<P>> {
        None
    }
    fn request_sent(&mut self, _: Instant, _: RequestHandle, _: Result<TransactionId, SendError>) {}
    fn poll_reply(&mut self) -> Option<OutgoingReply<P>> {
        None
    }
    fn poll_cancel(&mut self) -> Option<TransactionId> {
        None
    }
    fn cancelled(&mut self, _: TransactionId, _: bool) {}
    fn handle_event(&mut self, _: Instant, event: Event<P>) -> Option<Event<P>> {
        Some(event)
    }
    fn any_message_received(&mut self, _: Instant, _: &P) {}
    fn handle_timeout(&mut self, _: Instant) {}
    fn poll_timeout(&self) -> Option<Instant> {
        None
    }
}

impl<P: Send + 'static> LiveAssociation<P> for NoAssociation {
    type Event = std::convert::Infallible;
    fn poll_association_event(&mut self) -> Option<std::convert::Infallible> {
        None
    }
}

/// Work done on the association inside the endpoint task.
type AssociationCall<A> = Box<dyn FnOnce(&mut A, Instant) + Send>;

/// The application's side of an endpoint's association: act on it (start
/// a registration, go out of service...) and receive its events.
pub struct AssociationHandle<A: LiveAssociation<P>, P> {
    calls: mpsc::UnboundedSender<AssociationCall<A>>,
    events: mpsc::UnboundedReceiver<A::Event>,
}

impl<A: LiveAssociation<P>, P> AssociationHandle<A, P> {
    /// Runs `f` on the association in the endpoint task, with the current
    /// time, and returns its result; what it queued is sent at once.
    pub async fn act<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut A, Instant) -> R + Send + 'static,
    ) -> Result<R, Closed> {
        let (tx, rx) = oneshot::channel();
        self.calls
            .send(Box::new(move |association, now| {
                let _ = tx.send(f(association, now));
            }))
            .map_err(|_| Closed)?;
        rx.await.map_err(|_| Closed)
    }

    /// The association's next event; `None` once the endpoint has stopped.
    pub async fn next_event(&mut self) -> Option<A::Event> {
        self.events.recv().await
    }
}

impl<A: LiveAssociation<P>, P> Debug for AssociationHandle<A, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AssociationHandle")
    }
}

enum Command<P> {
    Request {
        peer: P,
        version: u8,
        actions: Vec<ActionRequest>,
        done: oneshot::Sender<Result<TransactionResult, RequestError>>,
    },
    Reply {
        peer: P,
        transaction_id: TransactionId,
        result: TransactionResult,
        /// `None`: nobody waits for the verdict; a refusal is logged.
        done: Option<oneshot::Sender<Result<(), ReplyError>>>,
    },
    Stats(oneshot::Sender<EndpointStats>),
    Shutdown(oneshot::Sender<()>),
}

/// A request from a peer, delivered once however often it was
/// retransmitted (H.248.1 Annex D.1.1). Answer it with [`reply`](Self::reply).
/// One dropped unanswered is left to the engine: the peer gets Pendings,
/// then error 506 at the pending limit.
#[derive(Debug)]
pub struct IncomingRequest<P> {
    pub peer: P,
    pub transaction_id: TransactionId,
    pub version: u8,
    pub actions: Vec<ActionRequest>,
    commands: mpsc::Sender<Command<P>>,
}

impl<P> IncomingRequest<P> {
    /// Sends the TransactionReply (cached by the engine for
    /// retransmissions; segmented over UDP if configured).
    pub async fn reply(self, result: TransactionResult) -> Result<(), AnswerError> {
        let (done, rx) = oneshot::channel();
        self.commands
            .send(Command::Reply {
                peer: self.peer,
                transaction_id: self.transaction_id,
                result,
                done: Some(done),
            })
            .await
            .map_err(|_| AnswerError::Closed)?;
        rx.await
            .map_err(|_| AnswerError::Closed)?
            .map_err(AnswerError::Engine)
    }

    /// [`reply`](Self::reply) without waiting for the engine to take it:
    /// resolves once the reply is queued to the endpoint task, which logs
    /// (at warn) a reply the engine refuses. Saves a channel round trip per
    /// request where the caller would only log the refusal anyway.
    pub async fn answer(self, result: TransactionResult) -> Result<(), Closed> {
        self.commands
            .send(Command::Reply {
                peer: self.peer,
                transaction_id: self.transaction_id,
                result,
                done: None,
            })
            .await
            .map_err(|_| Closed)
    }
}

/// The requests peers send us, in arrival order.
#[derive(Debug)]
pub struct IncomingRequests<P> {
    rx: mpsc::UnboundedReceiver<IncomingRequest<P>>,
}

impl<P> IncomingRequests<P> {
    /// The next request; `None` once the endpoint has shut down.
    pub async fn recv(&mut self) -> Option<IncomingRequest<P>> {
        self.rx.recv().await
    }
}

/// A handle to a running endpoint. Cloneable; the endpoint runs until
/// [`shutdown`](Self::shutdown) or until every handle and every
/// [`IncomingRequest`] is dropped.
#[derive(Debug)]
pub struct Endpoint<P> {
    commands: mpsc::Sender<Command<P>>,
    local_addr: Option<SocketAddr>,
}

impl<P> Clone for Endpoint<P> {
    fn clone(&self) -> Self {
        Endpoint {
            commands: self.commands.clone(),
            local_addr: self.local_addr,
        }
    }
}

impl<P: PeerKey + Send + Sync + 'static> Endpoint<P> {
    /// Starts an endpoint on the current tokio runtime: `config` (whose
    /// `reliable_transport` is set from the transport), `codec` for the
    /// bytes, `transport` for the socket.
    pub fn spawn<T, C>(
        config: EngineConfig,
        codec: C,
        transport: T,
    ) -> Result<(Endpoint<P>, IncomingRequests<P>), ConfigError>
    where
        T: Transport<Peer = P>,
        C: MessageCodec + Clone + Send + Sync + 'static,
    {
        Self::spawn_with_association(config, codec, transport, NoAssociation)
            .map(|(endpoint, incoming, _)| (endpoint, incoming))
    }

    /// [`Endpoint::spawn`] with a control association run beside the
    /// engine (an [`MgAssociation`] or an [`MgcAssociation`]); the requests
    /// and events it takes do not reach [`IncomingRequests`].
    #[allow(clippy::type_complexity)]
    pub fn spawn_with_association<T, C, A>(
        mut config: EngineConfig,
        codec: C,
        transport: T,
        association: A,
    ) -> Result<(Endpoint<P>, IncomingRequests<P>, AssociationHandle<A, P>), ConfigError>
    where
        T: Transport<Peer = P>,
        C: MessageCodec + Clone + Send + Sync + 'static,
        A: LiveAssociation<P>,
    {
        config.reliable_transport = transport.is_reliable();
        config.validate()?;
        let local_addr = transport.local_addr();
        let engine = CodecEngine::new(Engine::new(config), codec);
        let (commands, command_rx) = mpsc::channel(COMMAND_QUEUE);
        let (incoming, incoming_rx) = mpsc::unbounded_channel();
        let (calls, call_rx) = mpsc::unbounded_channel();
        let (event_tx, events) = mpsc::unbounded_channel();
        let driver = Driver {
            engine,
            transport,
            commands: command_rx,
            command_tx: commands.downgrade(),
            incoming,
            waiting: HashMap::new(),
            stats: EndpointStats::default(),
            association,
            association_calls: Some(call_rx),
            association_events: event_tx,
            rejections: RejectionWarning::default(),
        };
        let span = tracing::debug_span!("h248_endpoint", local = ?local_addr);
        tokio::spawn(driver.run().instrument(span));
        Ok((
            Endpoint {
                commands,
                local_addr,
            },
            IncomingRequests { rx: incoming_rx },
            AssociationHandle { calls, events },
        ))
    }

    /// The address the transport listens on, if any.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.local_addr
    }

    /// Sends a TransactionRequest with `actions` to `peer` in a message of
    /// `version`; resolves to the reply's result, or why there is none.
    /// Dropping the future does not cancel the transaction.
    pub fn send_request(
        &self,
        peer: P,
        version: u8,
        actions: Vec<ActionRequest>,
    ) -> impl Future<Output = Result<TransactionResult, RequestError>> + Send + 'static {
        let commands = self.commands.clone();
        async move {
            let (done, rx) = oneshot::channel();
            commands
                .send(Command::Request {
                    peer,
                    version,
                    actions,
                    done,
                })
                .await
                .map_err(|_| RequestError::Closed)?;
            rx.await.unwrap_or(Err(RequestError::Closed))
        }
    }

    /// The engine's counters and the transport's error counts.
    pub async fn stats(&self) -> Result<EndpointStats, Closed> {
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(Command::Stats(tx))
            .await
            .map_err(|_| Closed)?;
        rx.await.map_err(|_| Closed)
    }

    /// The engine's counters.
    pub async fn counters(&self) -> Result<Counters, Closed> {
        self.stats().await.map(|s| s.engine)
    }

    /// Stops the endpoint: requests still waiting resolve to
    /// [`RequestError::Closed`], the transport's sockets and connections
    /// close, and [`IncomingRequests`] ends. Returns once done (at once if
    /// it had already stopped).
    pub async fn shutdown(&self) {
        let (tx, rx) = oneshot::channel();
        if self.commands.send(Command::Shutdown(tx)).await.is_ok() {
            let _ = rx.await;
        }
    }
}

struct Driver<T: Transport, C, A: LiveAssociation<T::Peer>> {
    engine: CodecEngine<T::Peer, C>,
    transport: T,
    commands: mpsc::Receiver<Command<T::Peer>>,
    /// For the answer handles of incoming requests; weak, so that the task
    /// ends when the application has dropped everything.
    command_tx: mpsc::WeakSender<Command<T::Peer>>,
    incoming: mpsc::UnboundedSender<IncomingRequest<T::Peer>>,
    waiting: HashMap<TransactionId, oneshot::Sender<Result<TransactionResult, RequestError>>>,
    stats: EndpointStats,
    association: A,
    /// `None` once every [`AssociationHandle`] is gone.
    association_calls: Option<mpsc::UnboundedReceiver<AssociationCall<A>>>,
    association_events: mpsc::UnboundedSender<A::Event>,
    rejections: RejectionWarning,
}

impl<T: Transport, C: MessageCodec, A: LiveAssociation<T::Peer>> Driver<T, C, A> {
    /// The earlier of the engine's and the association's next timer.
    fn deadline(&mut self) -> Option<Instant> {
        match (self.engine.poll_timeout(), self.association.poll_timeout()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.engine.handle_timeout(now);
        self.association.handle_timeout(now);
    }

    async fn run(mut self) {
        // One timer for the whole loop, moved only when the deadline moves:
        // a timer made per turn would be registered and removed again for
        // every datagram.
        let timer = tokio::time::sleep_until(tokio::time::Instant::now());
        tokio::pin!(timer);
        let mut armed: Option<Instant> = None;
        let shutdown_ack = loop {
            let now = Instant::now();
            let deadline = self.deadline();
            if deadline.is_some_and(|d| d <= now) {
                self.handle_timeout(now);
                self.drain().await;
                continue;
            }
            if let Some(deadline) = deadline.filter(|&d| armed != Some(d)) {
                timer
                    .as_mut()
                    .reset(tokio::time::Instant::from_std(deadline));
                armed = Some(deadline);
            }
            tokio::select! {
                command = self.commands.recv() => match command {
                    None => break None,
                    Some(Command::Shutdown(ack)) => break Some(ack),
                    Some(command) => self.command(command),
                },
                event = self.transport.recv() => match event {
                    Ok(TransportEvent::Message { peer, bytes }) => {
                        let now = Instant::now();
                        self.association.any_message_received(now, &peer);
                        self.engine.handle_datagram(now, peer, &bytes);
                        let rejected = self.engine.engine.counters().rejected_requests;
                        if let Some(dropped) = self.rejections.due(now, rejected) {
                            tracing::warn!(
                                dropped,
                                limit = self.engine.engine.config().max_incoming_transactions,
                                "incoming-transaction table full: new requests dropped \
                                 unanswered; size max_incoming_transactions to the peak \
                                 request rate times LONG-TIMER"
                            );
                        }
                    }
                    Ok(TransportEvent::PeerLost(peer)) => {
                        self.stats.peers_lost += 1;
                        let failed = self.engine.engine.peer_lost(Instant::now(), &peer);
                        tracing::info!(?peer, failed, "peer lost");
                    }
                    Err(e) => {
                        self.stats.recv_errors += 1;
                        tracing::warn!(error = %e, "transport receive error");
                        // A socket error that persists must not spin the
                        // task; timers and commands wait this long at most.
                        tokio::time::sleep(RECV_ERROR_BACKOFF).await;
                    }
                },
                call = recv_call(&mut self.association_calls), if self.association_calls.is_some() => {
                    match call {
                        Some(call) => call(&mut self.association, Instant::now()),
                        None => self.association_calls = None,
                    }
                }
                () = timer.as_mut(), if deadline.is_some() => {
                    armed = None;
                    self.handle_timeout(Instant::now());
                }
            }
            // Replies the application already has ready go out with this
            // turn's: the engine batches what is queued for one peer
            // before `poll_transmit` into one message, so taking them all
            // first saves a datagram per reply under load and delays none.
            let shutdown = self.take_ready_commands();
            self.drain().await;
            if let Some(ack) = shutdown {
                break Some(ack);
            }
        };
        // Waiting requests resolve to Closed as their senders drop here.
        self.waiting.clear();
        drop(self.transport);
        tracing::debug!("endpoint stopped");
        if let Some(ack) = shutdown_ack {
            let _ = ack.send(());
        }
    }

    /// Runs the commands already queued, up to
    /// [`READY_COMMANDS_PER_TURN`]; stops at a shutdown and returns its
    /// acknowledgement.
    fn take_ready_commands(&mut self) -> Option<oneshot::Sender<()>> {
        for _ in 0..READY_COMMANDS_PER_TURN {
            match self.commands.try_recv() {
                Ok(Command::Shutdown(ack)) => return Some(ack),
                Ok(command) => self.command(command),
                Err(_) => break,
            }
        }
        None
    }

    fn command(&mut self, command: Command<T::Peer>) {
        let now = Instant::now();
        match command {
            Command::Request {
                peer,
                version,
                actions,
                done,
            } => match self
                .engine
                .engine
                .send_request(now, peer.clone(), version, actions)
            {
                Ok(id) => {
                    tracing::trace!(?peer, transaction_id = id, "request sent");
                    self.waiting.insert(id, done);
                }
                Err(e) => {
                    let _ = done.send(Err(RequestError::Refused(e)));
                }
            },
            Command::Reply {
                peer,
                transaction_id,
                result,
                done,
            } => {
                let verdict = self
                    .engine
                    .engine
                    .send_reply(now, peer, transaction_id, result);
                match done {
                    Some(done) => {
                        let _ = done.send(verdict);
                    }
                    None => {
                        if let Err(e) = verdict {
                            tracing::warn!(error = %e, transaction_id, "reply not sent");
                        }
                    }
                }
            }
            Command::Stats(tx) => {
                let engine = &self.engine.engine;
                let _ = tx.send(EndpointStats {
                    engine: *engine.counters(),
                    live_transactions: engine.live_transactions(),
                    state_entries: engine.state_entries(),
                    ..self.stats
                });
            }
            Command::Shutdown(_) => unreachable!("handled by the loop"),
        }
    }

    /// Moves the association's work into the engine, sends what the engine
    /// queued and delivers its events (through the association first),
    /// until nothing moves.
    async fn drain(&mut self) {
        loop {
            let now = Instant::now();
            association::flush(now, &mut self.association, &mut self.engine.engine);
            while let Some(datagram) = self.engine.poll_transmit() {
                let peer = datagram.peer.clone();
                if let Err(e) = self.transport.send(datagram.peer, datagram.bytes).await {
                    self.stats.send_errors += 1;
                    tracing::warn!(?peer, error = %e, "send failed");
                }
            }
            let mut moved = false;
            while let Some(event) = self.engine.poll_event() {
                moved = true;
                if let Some(event) = self.association.handle_event(now, event) {
                    self.event(event);
                }
            }
            while let Some(event) = self.association.poll_association_event() {
                let _ = self.association_events.send(event);
            }
            if !moved {
                return;
            }
        }
    }

    fn event(&mut self, event: Event<T::Peer>) {
        match event {
            Event::RequestReceived {
                peer,
                transaction_id,
                version,
                actions,
            } => {
                tracing::trace!(?peer, transaction_id, "request received");
                // Without a live command sender the endpoint is going away
                // and nobody could answer.
                if let Some(commands) = self.command_tx.upgrade() {
                    let _ = self.incoming.send(IncomingRequest {
                        peer,
                        transaction_id,
                        version,
                        actions,
                        commands,
                    });
                }
            }
            Event::ReplyReceived {
                peer,
                transaction_id,
                result,
                ..
            } => {
                tracing::trace!(?peer, transaction_id, "reply received");
                if let Some(done) = self.waiting.remove(&transaction_id) {
                    let _ = done.send(Ok(result));
                }
            }
            Event::RequestFailed {
                peer,
                transaction_id,
                reason,
            } => {
                tracing::debug!(?peer, transaction_id, ?reason, "request failed");
                if let Some(done) = self.waiting.remove(&transaction_id) {
                    let _ = done.send(Err(RequestError::Failed(reason)));
                }
            }
            Event::RequestAborted {
                peer,
                transaction_id,
            } => {
                tracing::warn!(
                    ?peer,
                    transaction_id,
                    "incoming request aborted at the pending limit"
                );
            }
            Event::PeerMessageError { peer, error } => {
                tracing::warn!(?peer, code = error.code, "peer sent a message-level error");
            }
        }
    }
}

/// The next call for the association (the channel is known to be open).
async fn recv_call<A>(
    calls: &mut Option<mpsc::UnboundedReceiver<AssociationCall<A>>>,
) -> Option<AssociationCall<A>> {
    match calls {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

impl<P: Debug> Debug for Command<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Command::Request { peer, .. } => write!(f, "Request to {peer:?}"),
            Command::Reply {
                peer,
                transaction_id,
                ..
            } => write!(f, "Reply {transaction_id} to {peer:?}"),
            Command::Stats(_) => f.write_str("Stats"),
            Command::Shutdown(_) => f.write_str("Shutdown"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejection_warnings_are_spaced_and_count_what_was_dropped() {
        let t0 = Instant::now();
        let mut w = RejectionWarning::default();
        assert_eq!(w.due(t0, 0), None);
        assert_eq!(w.due(t0, 3), Some(3));
        assert_eq!(w.due(t0 + std::time::Duration::from_secs(1), 9), None);
        assert_eq!(w.due(t0 + REJECTION_WARNING_INTERVAL, 9), Some(6));
        let later = t0 + 3 * REJECTION_WARNING_INTERVAL;
        assert_eq!(w.due(later, 9), None, "nothing new dropped");
        assert_eq!(w.due(later, 10), Some(1));
    }
}
