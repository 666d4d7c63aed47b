//! The connection table shared by the stream transports (TCP, SCTP): one
//! connection per peer address, each run by a task of its own that reads
//! whole messages into one inbound channel and writes the messages queued
//! for it. The table lives in the endpoint task; accept loops and
//! connection tasks talk to it through [`Spawner`].

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_util::sync::{CancellationToken, DropGuard};

use super::TransportEvent;

/// Messages queued for one connection's writer before the connection is
/// declared stuck (the peer stopped reading) and closed.
pub(crate) const DEFAULT_QUEUE: usize = 1024;

pub(crate) enum Inbound {
    /// An accepted connection: register its writer queue.
    Opened {
        peer: SocketAddr,
        id: u64,
        queue: mpsc::Sender<Vec<u8>>,
    },
    Message {
        peer: SocketAddr,
        bytes: Vec<u8>,
    },
    Closed {
        peer: SocketAddr,
        id: u64,
    },
}

struct Conn {
    id: u64,
    queue: mpsc::Sender<Vec<u8>>,
}

/// What accept loops and connection tasks hold: a way to report to the
/// table, fresh connection ids, and the cancellation of the whole transport.
#[derive(Clone)]
pub(crate) struct Spawner {
    inbound: mpsc::UnboundedSender<Inbound>,
    ids: Arc<AtomicU64>,
    pub(crate) token: CancellationToken,
    queue_len: usize,
}

impl Spawner {
    fn next_id(&self) -> u64 {
        self.ids.fetch_add(1, Ordering::Relaxed)
    }

    /// Registers an accepted connection with the table; returns its id and
    /// the queue its writer drains.
    pub(crate) fn opened(&self, peer: SocketAddr) -> (u64, mpsc::Receiver<Vec<u8>>) {
        let id = self.next_id();
        let (queue, rx) = mpsc::channel(self.queue_len);
        let _ = self.inbound.send(Inbound::Opened { peer, id, queue });
        (id, rx)
    }

    pub(crate) fn message(&self, peer: SocketAddr, bytes: Vec<u8>) {
        let _ = self.inbound.send(Inbound::Message { peer, bytes });
    }

    pub(crate) fn closed(&self, peer: SocketAddr, id: u64) {
        let _ = self.inbound.send(Inbound::Closed { peer, id });
    }

    /// Runs `task` until it ends or the transport is dropped.
    pub(crate) fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        let token = self.token.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = token.cancelled() => {}
                () = task => {}
            }
        });
    }
}

/// The table itself, owned by the transport (so by the endpoint task).
/// Dropping it cancels every accept loop and connection task.
pub(crate) struct Connections {
    conns: HashMap<SocketAddr, Conn>,
    rx: mpsc::UnboundedReceiver<Inbound>,
    spawner: Spawner,
    lost: VecDeque<SocketAddr>,
    _guard: DropGuard,
}

impl Connections {
    pub(crate) fn new(queue_len: usize) -> Self {
        let (inbound, rx) = mpsc::unbounded_channel();
        let token = CancellationToken::new();
        Connections {
            conns: HashMap::new(),
            rx,
            spawner: Spawner {
                inbound,
                ids: Arc::new(AtomicU64::new(1)),
                token: token.clone(),
                queue_len: queue_len.max(1),
            },
            lost: VecDeque::new(),
            _guard: token.drop_guard(),
        }
    }

    pub(crate) fn spawner(&self) -> Spawner {
        self.spawner.clone()
    }

    /// Open connections.
    pub(crate) fn len(&self) -> usize {
        self.conns.len()
    }

    /// The next message or loss. Cancel-safe: state changes happen only
    /// after a channel receive has completed, and a receive that has not
    /// completed loses nothing.
    pub(crate) async fn recv(&mut self) -> io::Result<TransportEvent<SocketAddr>> {
        loop {
            if let Some(peer) = self.lost.pop_front() {
                return Ok(TransportEvent::PeerLost(peer));
            }
            // The table holds a sender itself, so the channel never closes.
            let Some(inbound) = self.rx.recv().await else {
                return Err(io::Error::other("connection table closed"));
            };
            match inbound {
                Inbound::Opened { peer, id, queue } => {
                    tracing::debug!(%peer, id, "connection accepted");
                    self.conns.insert(peer, Conn { id, queue });
                }
                Inbound::Message { peer, bytes } => {
                    return Ok(TransportEvent::Message { peer, bytes })
                }
                Inbound::Closed { peer, id } => {
                    // A connection replaced since (a reconnect to the same
                    // address) is not the peer's loss.
                    if self.conns.get(&peer).is_some_and(|c| c.id == id) {
                        self.conns.remove(&peer);
                        tracing::debug!(%peer, id, "connection closed");
                        return Ok(TransportEvent::PeerLost(peer));
                    }
                }
            }
        }
    }

    /// Queues `bytes` for `peer`'s connection; without one, `connect` is
    /// spawned with a fresh queue that already holds them. A full queue
    /// (the peer stopped reading) or a connection that has just ended drops
    /// the message, closes the connection and reports the peer lost.
    pub(crate) fn send<F, Fut>(
        &mut self,
        peer: SocketAddr,
        bytes: Vec<u8>,
        connect: F,
    ) -> io::Result<()>
    where
        F: FnOnce(Spawner, SocketAddr, u64, mpsc::Receiver<Vec<u8>>) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        if let Some(conn) = self.conns.get(&peer) {
            let error = match conn.queue.try_send(bytes) {
                Ok(()) => return Ok(()),
                Err(mpsc::error::TrySendError::Full(_)) => io::Error::new(
                    io::ErrorKind::WouldBlock,
                    "connection queue full: peer not reading, connection closed",
                ),
                Err(mpsc::error::TrySendError::Closed(_)) => io::Error::new(
                    io::ErrorKind::ConnectionReset,
                    "connection closed before the message could be queued",
                ),
            };
            // Dropping the queue ends the writer, which closes the
            // connection; its own Closed report then no longer matches. The
            // peer is reported lost now, and the next message connects
            // afresh.
            self.conns.remove(&peer);
            self.lost.push_back(peer);
            return Err(error);
        }
        let id = self.spawner.next_id();
        let (queue, rx) = mpsc::channel(self.spawner.queue_len);
        // A fresh channel has room for one message.
        let _ = queue.try_send(bytes);
        self.conns.insert(peer, Conn { id, queue });
        tracing::debug!(%peer, id, "connecting");
        let spawner = self.spawner.clone();
        self.spawner.spawn(connect(spawner, peer, id, rx));
        Ok(())
    }
}
