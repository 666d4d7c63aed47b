//! H.248 over TCP for the service (H.248.1 Annex D.2, TPKT framing of
//! RFC 1006): the stack's `TcpTransport` semantics (one connection per peer
//! address, a listener plus connections on demand, a peer reported lost
//! when its connection ends), with one addition the stack's transport has
//! no hook for: a connection from an address the service does not serve is
//! closed at accept, before anything is read from it, so that strangers
//! hold no connection, task or buffer.
//!
//! To be folded into `h248_stack::transport::tcp` as an accept filter once
//! that crate can change; until then this file mirrors its connection table.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use h248_stack::transport::tcp::TcpOptions;
use h248_stack::transport::tpkt::TPKT_MAX_PAYLOAD;
use h248_stack::transport::{TpktCodec, Transport, TransportEvent};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_util::codec::{FramedRead, FramedWrite};
use tokio_util::sync::{CancellationToken, DropGuard};

/// Decides at accept whether a peer is served; `false` closes the
/// connection at once.
pub type AcceptFilter = Arc<dyn Fn(&SocketAddr) -> bool + Send + Sync>;

enum Inbound {
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

/// What the accept loop and the connection tasks hold.
#[derive(Clone)]
struct Spawner {
    inbound: mpsc::UnboundedSender<Inbound>,
    ids: Arc<AtomicU64>,
    token: CancellationToken,
    options: TcpOptions,
}

impl Spawner {
    fn spawn(&self, task: impl std::future::Future<Output = ()> + Send + 'static) {
        let token = self.token.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = token.cancelled() => {}
                () = task => {}
            }
        });
    }

    fn queue(&self) -> (mpsc::Sender<Vec<u8>>, mpsc::Receiver<Vec<u8>>) {
        mpsc::channel(self.options.queue_len.max(1))
    }
}

/// TCP with TPKT framing and an accept filter.
pub struct FilteredTcpTransport {
    conns: HashMap<SocketAddr, (u64, mpsc::Sender<Vec<u8>>)>,
    rx: mpsc::UnboundedReceiver<Inbound>,
    spawner: Spawner,
    lost: VecDeque<SocketAddr>,
    local: SocketAddr,
    _guard: DropGuard,
}

impl FilteredTcpTransport {
    /// Listens on `addr`; connections from peers `filter` refuses are
    /// closed at accept.
    pub async fn bind(
        addr: SocketAddr,
        options: TcpOptions,
        filter: AcceptFilter,
    ) -> io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let (inbound, rx) = mpsc::unbounded_channel();
        let token = CancellationToken::new();
        let spawner = Spawner {
            inbound,
            ids: Arc::new(AtomicU64::new(1)),
            token: token.clone(),
            options,
        };
        spawner.spawn(accept_loop(listener, spawner.clone(), filter));
        Ok(FilteredTcpTransport {
            conns: HashMap::new(),
            rx,
            spawner,
            lost: VecDeque::new(),
            local,
            _guard: token.drop_guard(),
        })
    }
}

async fn accept_loop(listener: TcpListener, spawner: Spawner, filter: AcceptFilter) {
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                if !filter(&peer) {
                    // Dropping the stream closes it; nothing was read.
                    drop(stream);
                    continue;
                }
                let id = spawner.ids.fetch_add(1, Ordering::Relaxed);
                let (queue, rx) = spawner.queue();
                let _ = spawner.inbound.send(Inbound::Opened { peer, id, queue });
                spawner.spawn(run(stream, peer, id, rx, spawner.clone()));
            }
            Err(e) => {
                // EMFILE and the like: back off rather than spin.
                tracing::warn!(error = %e, "TCP accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

async fn connect(peer: SocketAddr, id: u64, queue: mpsc::Receiver<Vec<u8>>, spawner: Spawner) {
    let timeout = spawner.options.connect_timeout;
    match tokio::time::timeout(timeout, TcpStream::connect(peer)).await {
        Ok(Ok(stream)) => run(stream, peer, id, queue, spawner).await,
        Ok(Err(e)) => {
            tracing::debug!(%peer, error = %e, "TCP connect failed");
            let _ = spawner.inbound.send(Inbound::Closed { peer, id });
        }
        Err(_) => {
            tracing::debug!(%peer, "TCP connect timed out");
            let _ = spawner.inbound.send(Inbound::Closed { peer, id });
        }
    }
}

/// One connection: TPKT packets in, queued messages out, until either
/// side ends.
async fn run(
    stream: TcpStream,
    peer: SocketAddr,
    id: u64,
    mut queue: mpsc::Receiver<Vec<u8>>,
    spawner: Spawner,
) {
    let _ = stream.set_nodelay(true);
    let codec = TpktCodec::new(spawner.options.max_message_size);
    let (r, w) = stream.into_split();
    let mut reader = FramedRead::new(r, codec);
    let mut writer = FramedWrite::new(w, codec);
    let read = async {
        loop {
            match reader.next().await {
                Some(Ok(message)) => {
                    let bytes = message.to_vec();
                    let _ = spawner.inbound.send(Inbound::Message { peer, bytes });
                }
                Some(Err(e)) => {
                    tracing::info!(%peer, error = %e, "closing TCP connection: bad framing");
                    return;
                }
                None => return,
            }
        }
    };
    let write = async {
        while let Some(bytes) = queue.recv().await {
            if let Err(e) = writer.send(bytes).await {
                tracing::info!(%peer, error = %e, "closing TCP connection: write failed");
                return;
            }
        }
        let _ = SinkExt::<Vec<u8>>::close(&mut writer).await;
    };
    tokio::select! {
        () = read => {}
        () = write => {}
    }
    let _ = spawner.inbound.send(Inbound::Closed { peer, id });
}

impl Transport for FilteredTcpTransport {
    type Peer = SocketAddr;

    fn is_reliable(&self) -> bool {
        true
    }

    fn local_addr(&self) -> Option<SocketAddr> {
        Some(self.local)
    }

    // Cancel-safe: state changes only after a completed channel receive.
    async fn recv(&mut self) -> io::Result<TransportEvent<SocketAddr>> {
        loop {
            if let Some(peer) = self.lost.pop_front() {
                return Ok(TransportEvent::PeerLost(peer));
            }
            let Some(inbound) = self.rx.recv().await else {
                return Err(io::Error::other("connection table closed"));
            };
            match inbound {
                Inbound::Opened { peer, id, queue } => {
                    self.conns.insert(peer, (id, queue));
                }
                Inbound::Message { peer, bytes } => {
                    return Ok(TransportEvent::Message { peer, bytes })
                }
                Inbound::Closed { peer, id } => {
                    // A connection replaced since is not the peer's loss.
                    if self.conns.get(&peer).is_some_and(|(c, _)| *c == id) {
                        self.conns.remove(&peer);
                        return Ok(TransportEvent::PeerLost(peer));
                    }
                }
            }
        }
    }

    async fn send(&mut self, peer: SocketAddr, bytes: Vec<u8>) -> io::Result<()> {
        let limit = self.spawner.options.max_message_size.min(TPKT_MAX_PAYLOAD);
        if bytes.len() > limit {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "message of {} bytes exceeds the TCP limit of {limit}",
                    bytes.len()
                ),
            ));
        }
        if let Some((_, queue)) = self.conns.get(&peer) {
            let error = match queue.try_send(bytes) {
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
            // Dropping the queue ends the writer and the connection.
            self.conns.remove(&peer);
            self.lost.push_back(peer);
            return Err(error);
        }
        let id = self.spawner.ids.fetch_add(1, Ordering::Relaxed);
        let (queue, rx) = self.spawner.queue();
        let _ = queue.try_send(bytes);
        self.conns.insert(peer, (id, queue));
        let spawner = self.spawner.clone();
        self.spawner.spawn(connect(peer, id, rx, spawner));
        Ok(())
    }
}
