//! H.248 over TCP (H.248.1 Annex D.2): messages framed with TPKT (RFC 1006,
//! Annex H), one connection per peer, no retransmission by the engine
//! (Annex D.2.3). Both sides may connect: a listener accepts, and a message
//! for a peer without a connection opens one. The peer key is the remote
//! address of the connection, so a reply goes back over the connection its
//! request came in on. When a connection closes or cannot be opened the
//! peer is reported lost, and the engine fails the requests outstanding to
//! it (Annex D.2.1: requests may be retransmitted over a new connection).

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_util::codec::{FramedRead, FramedWrite};

use super::conn::{Connections, Spawner, DEFAULT_QUEUE};
use super::tpkt::{TpktCodec, TPKT_MAX_PAYLOAD};
use super::{Transport, TransportEvent};

/// How long a connection attempt may take before the peer is reported lost.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Settings of a [`TcpTransport`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpOptions {
    /// Largest message accepted or sent, in bytes (at most 65 531, the
    /// TPKT limit).
    pub max_message_size: usize,
    pub connect_timeout: Duration,
    /// Messages queued per connection before it is judged stuck.
    pub queue_len: usize,
}

impl Default for TcpOptions {
    fn default() -> Self {
        TcpOptions {
            max_message_size: TPKT_MAX_PAYLOAD,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            queue_len: DEFAULT_QUEUE,
        }
    }
}

/// Decides, from its remote address, whether an incoming connection is
/// served (`true`) or closed at once (`false`): a gateway serves only its
/// configured controllers (H.248.1 clause 10: traffic from unauthorised
/// peers is not processed).
pub type AcceptFilter = Arc<dyn Fn(SocketAddr) -> bool + Send + Sync>;

/// TCP with TPKT framing: a listener (optional) and connections on demand.
pub struct TcpTransport {
    conns: Connections,
    local: Option<SocketAddr>,
    options: TcpOptions,
}

impl std::fmt::Debug for TcpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpTransport")
            .field("local", &self.local)
            .field("connections", &self.conns.len())
            .finish_non_exhaustive()
    }
}

impl TcpTransport {
    /// Listens on `addr` (IPv4 or IPv6) and connects on demand.
    pub async fn bind(addr: SocketAddr, options: TcpOptions) -> io::Result<Self> {
        Self::listen(addr, options, None).await
    }

    /// [`Self::bind`], closing at once every incoming connection `filter`
    /// refuses (nothing is read from it and no peer is reported).
    pub async fn bind_filtered(
        addr: SocketAddr,
        options: TcpOptions,
        filter: AcceptFilter,
    ) -> io::Result<Self> {
        Self::listen(addr, options, Some(filter)).await
    }

    async fn listen(
        addr: SocketAddr,
        options: TcpOptions,
        filter: Option<AcceptFilter>,
    ) -> io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let conns = Connections::new(options.queue_len);
        let spawner = conns.spawner();
        conns
            .spawner()
            .spawn(accept_loop(listener, spawner, options, filter));
        Ok(TcpTransport {
            conns,
            local: Some(local),
            options,
        })
    }

    /// Connects on demand only (a client that never accepts).
    pub fn connector(options: TcpOptions) -> Self {
        TcpTransport {
            conns: Connections::new(options.queue_len),
            local: None,
            options,
        }
    }

    /// Open connections.
    pub fn connections(&self) -> usize {
        self.conns.len()
    }
}

async fn accept_loop(
    listener: TcpListener,
    spawner: Spawner,
    options: TcpOptions,
    filter: Option<AcceptFilter>,
) {
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                if filter.as_ref().is_some_and(|accept| !accept(peer)) {
                    tracing::debug!(%peer, "TCP connection refused by the accept filter");
                    drop(stream);
                    continue;
                }
                let (id, queue) = spawner.opened(peer);
                spawner.spawn(run(stream, peer, id, queue, spawner.clone(), options));
            }
            Err(e) => {
                // EMFILE and the like: back off rather than spin.
                tracing::warn!(error = %e, "TCP accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

async fn connect(
    spawner: Spawner,
    peer: SocketAddr,
    id: u64,
    queue: mpsc::Receiver<Vec<u8>>,
    options: TcpOptions,
) {
    match tokio::time::timeout(options.connect_timeout, TcpStream::connect(peer)).await {
        Ok(Ok(stream)) => run(stream, peer, id, queue, spawner, options).await,
        Ok(Err(e)) => {
            tracing::debug!(%peer, error = %e, "TCP connect failed");
            spawner.closed(peer, id);
        }
        Err(_) => {
            tracing::debug!(%peer, "TCP connect timed out");
            spawner.closed(peer, id);
        }
    }
}

/// One connection: reads TPKT packets into the inbound channel and writes
/// the queued messages, concurrently, until either side ends.
async fn run(
    stream: TcpStream,
    peer: SocketAddr,
    id: u64,
    mut queue: mpsc::Receiver<Vec<u8>>,
    spawner: Spawner,
    options: TcpOptions,
) {
    let _ = stream.set_nodelay(true);
    let codec = TpktCodec::new(options.max_message_size);
    let (r, w) = stream.into_split();
    let mut reader = FramedRead::new(r, codec);
    let mut writer = FramedWrite::new(w, codec);
    let read = async {
        loop {
            match reader.next().await {
                Some(Ok(message)) => spawner.message(peer, message.to_vec()),
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
        // The table dropped the queue: close our side.
        let _ = SinkExt::<Vec<u8>>::close(&mut writer).await;
    };
    tokio::select! {
        () = read => {}
        () = write => {}
    }
    spawner.closed(peer, id);
}

impl Transport for TcpTransport {
    type Peer = SocketAddr;

    fn is_reliable(&self) -> bool {
        true
    }

    fn local_addr(&self) -> Option<SocketAddr> {
        self.local
    }

    async fn recv(&mut self) -> io::Result<TransportEvent<SocketAddr>> {
        self.conns.recv().await
    }

    async fn send(&mut self, peer: SocketAddr, bytes: Vec<u8>) -> io::Result<()> {
        if bytes.len() > self.options.max_message_size.min(TPKT_MAX_PAYLOAD) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "message of {} bytes exceeds the TCP limit of {}",
                    bytes.len(),
                    self.options.max_message_size.min(TPKT_MAX_PAYLOAD)
                ),
            ));
        }
        let options = self.options;
        self.conns
            .send(peer, bytes, move |spawner, peer, id, queue| {
                connect(spawner, peer, id, queue, options)
            })
    }
}
