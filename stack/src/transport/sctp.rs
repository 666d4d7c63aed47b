//! H.248 over SCTP (H.248.1 Annex H; 3GPP TS 29.334 and TS 29.333 name it
//! for the Iq and Mp interfaces; SCTP itself is RFC 4960), on the Linux
//! kernel's SCTP through `sctp-rs`, one-to-one (TCP-style) sockets.
//!
//! - Each H.248 message is one SCTP user message (one data chunk sequence
//!   delivered whole), so there is no TPKT: SCTP keeps message boundaries.
//! - Payload protocol identifier 7 (H.248, IANA "SCTP Payload Protocol
//!   Identifiers"). `sctp-rs` hands `SendInfo.ppid` to the kernel as-is, and
//!   the kernel puts it on the wire unconverted, so it is written in network
//!   byte order: `7u32.to_be()` ([`H248_PPID_WIRE`]). Received PPIDs are
//!   logged when they differ, not enforced.
//! - **Stream choice: stream 0 for every message.** Annex H allows
//!   spreading transactions over streams to avoid head-of-line blocking, on
//!   condition that messages about one context stay in order; the engine
//!   batches several transactions (possibly of several contexts) into one
//!   message and the association carries one control link, so one ordered
//!   stream keeps the ordering guarantees of TCP with no per-context
//!   bookkeeping here. A per-context choice can come later without changing
//!   the wire format.
//! - Like TCP, the engine neither retransmits nor segments (Annex D.2.3),
//!   connections are per peer address and opened on demand, and a closed
//!   association reports the peer lost.
//!
//! `sctp-rs` 0.3.1 futures are not `Send` (they hold raw pointers across
//! awaits), so every SCTP socket of a transport lives on one thread of its
//! own running a current-thread runtime; the endpoint talks to it through
//! channels like to any connection task.
//!
//! Limit of `sctp-rs` 0.3.1: it reads with a 4 096-byte buffer and does not
//! return `MSG_EOR`, so a longer user message would arrive in pieces that
//! cannot be told from whole messages. This transport therefore refuses to
//! send messages over [`SCTP_MAX_MESSAGE`] bytes, and a read that fills the
//! whole buffer is taken as a piece of such an oversized message: it and
//! the pieces that follow, up to the first short read, are dropped (and
//! logged) instead of being decoded as messages.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use sctp_rs::{
    ConnectedSocket, NotificationOrData, SendData, SendInfo, Socket, SocketToAssociation,
};
use tokio::sync::{mpsc, oneshot};

use super::conn::{Connections, Spawner, DEFAULT_QUEUE};
use super::{AcceptFilter, Transport, TransportEvent};

/// The H.248 payload protocol identifier (IANA; RFC 4960 clause 14.4).
pub const H248_PPID: u32 = 7;
/// [`H248_PPID`] as `sctp-rs` must be given it (and gives it back).
pub const H248_PPID_WIRE: u32 = H248_PPID.to_be();
/// The stream every message is sent on (see the module documentation).
pub const H248_STREAM: u16 = 0;
/// The receive buffer of `sctp-rs` 0.3.1.
pub const SCTP_RECV_BUFFER: usize = 4096;
/// The largest message this transport sends: one less than the receive
/// buffer, so that a full read always means a piece of a larger message.
pub const SCTP_MAX_MESSAGE: usize = SCTP_RECV_BUFFER - 1;

/// Settings of an [`SctpTransport`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SctpOptions {
    pub connect_timeout: Duration,
    /// Messages queued per association before it is judged stuck.
    pub queue_len: usize,
    /// Listen backlog.
    pub backlog: i32,
}

impl Default for SctpOptions {
    fn default() -> Self {
        SctpOptions {
            connect_timeout: Duration::from_secs(5),
            queue_len: DEFAULT_QUEUE,
            backlog: 128,
        }
    }
}

/// SCTP, one association per peer: a listener (optional) and associations
/// on demand.
pub struct SctpTransport {
    conns: Connections,
    local: Option<SocketAddr>,
    /// Connection requests for the SCTP thread.
    jobs: mpsc::UnboundedSender<Job>,
}

/// Work for the SCTP thread.
enum Job {
    Listen {
        addr: SocketAddr,
        filter: Option<AcceptFilter>,
        done: oneshot::Sender<io::Result<Option<SocketAddr>>>,
    },
    Connect {
        peer: SocketAddr,
        id: u64,
        queue: mpsc::Receiver<Vec<u8>>,
    },
}

impl std::fmt::Debug for SctpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SctpTransport")
            .field("local", &self.local)
            .field("associations", &self.conns.len())
            .finish_non_exhaustive()
    }
}

fn new_socket(addr: &SocketAddr) -> io::Result<Socket> {
    // On a kernel without SCTP `sctp-rs` reports EBADF here rather than
    // EPROTONOSUPPORT; either way this fails.
    match addr {
        SocketAddr::V4(_) => Socket::new_v4(SocketToAssociation::OneToOne),
        SocketAddr::V6(_) => Socket::new_v6(SocketToAssociation::OneToOne),
    }
}

/// Whether this kernel can open SCTP sockets at all: the SCTP sysctl
/// directory exists once the module is loaded; otherwise a socket is tried
/// (which may load it). `sctp-rs` never closes a socket that is neither
/// connected nor accepted, so a successful try leaks one descriptor, once.
pub fn kernel_supports_sctp() -> bool {
    if std::path::Path::new("/proc/sys/net/sctp").exists() {
        return true;
    }
    let any: SocketAddr = (std::net::Ipv4Addr::LOCALHOST, 0).into();
    // The socket registers with a tokio reactor: the caller's if there is
    // one, else a runtime of its own.
    if tokio::runtime::Handle::try_current().is_ok() {
        return new_socket(&any).is_ok();
    }
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
    else {
        return false;
    };
    let _entered = runtime.enter();
    new_socket(&any).is_ok()
}

/// A listener that is shut down when dropped: `sctp-rs` 0.3.1 does not
/// close listening sockets, so shutting it down is what stops it accepting
/// when the transport goes (the descriptor itself stays open).
struct ClosingListener(sctp_rs::Listener);

impl Drop for ClosingListener {
    fn drop(&mut self) {
        let _ = self.0.shutdown(std::net::Shutdown::Both);
    }
}

impl SctpTransport {
    /// Listens on `addr` (IPv4 or IPv6) and connects on demand.
    pub async fn bind(addr: SocketAddr, options: SctpOptions) -> io::Result<Self> {
        Self::listen(addr, options, None).await
    }

    /// [`Self::bind`], shutting down at once every incoming association
    /// `filter` refuses (nothing is read from it and no peer is reported).
    pub async fn bind_filtered(
        addr: SocketAddr,
        options: SctpOptions,
        filter: AcceptFilter,
    ) -> io::Result<Self> {
        Self::listen(addr, options, Some(filter)).await
    }

    async fn listen(
        addr: SocketAddr,
        options: SctpOptions,
        filter: Option<AcceptFilter>,
    ) -> io::Result<Self> {
        let transport = Self::connector(options)?;
        let (done, rx) = oneshot::channel();
        transport
            .jobs
            .send(Job::Listen { addr, filter, done })
            .map_err(|_| io::Error::other("SCTP thread gone"))?;
        let local = rx
            .await
            .map_err(|_| io::Error::other("SCTP thread gone"))??;
        Ok(SctpTransport { local, ..transport })
    }

    /// Connects on demand only.
    pub fn connector(options: SctpOptions) -> io::Result<Self> {
        let conns = Connections::new(options.queue_len);
        let spawner = conns.spawner();
        let (jobs, job_rx) = mpsc::unbounded_channel();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        std::thread::Builder::new()
            .name("h248-sctp".into())
            .spawn(move || sctp_thread(runtime, spawner, job_rx, options))?;
        Ok(SctpTransport {
            conns,
            local: None,
            jobs,
        })
    }

    /// Open associations.
    pub fn associations(&self) -> usize {
        self.conns.len()
    }
}

/// The SCTP thread: owns every SCTP socket of one transport, until the
/// transport is dropped (its cancellation token fires).
fn sctp_thread(
    runtime: tokio::runtime::Runtime,
    spawner: Spawner,
    mut jobs: mpsc::UnboundedReceiver<Job>,
    options: SctpOptions,
) {
    let local = tokio::task::LocalSet::new();
    let token = spawner.token.clone();
    local.block_on(&runtime, async move {
        let serve = async {
            while let Some(job) = jobs.recv().await {
                match job {
                    Job::Listen { addr, filter, done } => {
                        let _ = done.send(listen(addr, options, filter, &spawner));
                    }
                    Job::Connect { peer, id, queue } => {
                        tokio::task::spawn_local(connect(
                            spawner.clone(),
                            peer,
                            id,
                            queue,
                            options,
                        ));
                    }
                }
            }
        };
        tokio::select! {
            () = token.cancelled() => {}
            () = serve => {}
        }
    });
    // Dropping the LocalSet and the runtime drops every task and socket.
}

fn listen(
    addr: SocketAddr,
    options: SctpOptions,
    filter: Option<AcceptFilter>,
    spawner: &Spawner,
) -> io::Result<Option<SocketAddr>> {
    let socket = new_socket(&addr)?;
    socket.bind(addr)?;
    let listener = socket.listen(options.backlog)?;
    // sctp-rs 0.3.1 has no getsockname; the bound addresses of a
    // one-to-one listener are read with sctp_getladdrs.
    let local = match addr.port() {
        0 => listener
            .sctp_getladdrs(0)
            .ok()
            .and_then(|a| a.first().copied()),
        _ => Some(addr),
    };
    tokio::task::spawn_local(accept_loop(listener, spawner.clone(), filter));
    Ok(local)
}

async fn accept_loop(listener: sctp_rs::Listener, spawner: Spawner, filter: Option<AcceptFilter>) {
    let listener = ClosingListener(listener);
    loop {
        match listener.0.accept().await {
            Ok((socket, peer)) => {
                if filter.as_ref().is_some_and(|accept| !accept(peer)) {
                    tracing::debug!(%peer, "SCTP association refused by the accept filter");
                    // SHUTDOWN to the peer; dropping the socket closes it.
                    let _ = socket.shutdown(std::net::Shutdown::Both);
                    drop(socket);
                    continue;
                }
                let (id, queue) = spawner.opened(peer);
                tokio::task::spawn_local(run(socket, peer, id, queue, spawner.clone()));
            }
            Err(e) => {
                tracing::warn!(error = %e, "SCTP accept failed");
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
    options: SctpOptions,
) {
    let attempt = async {
        let socket = new_socket(&peer)?;
        socket.connect(peer).await
    };
    match tokio::time::timeout(options.connect_timeout, attempt).await {
        Ok(Ok((socket, _assoc))) => run(socket, peer, id, queue, spawner).await,
        Ok(Err(e)) => {
            tracing::debug!(%peer, error = %e, "SCTP connect failed");
            spawner.closed(peer, id);
        }
        Err(_) => {
            tracing::debug!(%peer, "SCTP connect timed out");
            spawner.closed(peer, id);
        }
    }
}

/// One association: reads user messages into the inbound channel and sends
/// the queued ones on stream 0 with PPID 7, concurrently.
async fn run(
    socket: ConnectedSocket,
    peer: SocketAddr,
    id: u64,
    mut queue: mpsc::Receiver<Vec<u8>>,
    spawner: Spawner,
) {
    if let Err(e) = socket.sctp_request_rcvinfo(true) {
        tracing::debug!(%peer, error = %e, "SCTP_RECVRCVINFO not available");
    }
    let socket = Arc::new(socket);
    let reader = Arc::clone(&socket);
    let read = async {
        let mut oversized = false;
        loop {
            match reader.sctp_recv().await {
                Ok(NotificationOrData::Data(data)) => {
                    // A zero-length read is the end of the association
                    // (SCTP has no empty user messages).
                    if data.payload.is_empty() {
                        return;
                    }
                    let full = data.payload.len() >= SCTP_RECV_BUFFER;
                    if oversized || full {
                        // A piece of a message too large for sctp-rs; the
                        // first short read is its last piece.
                        if !oversized {
                            tracing::warn!(%peer, "dropping an SCTP message over 4095 bytes");
                        }
                        oversized = full;
                        continue;
                    }
                    if let Some(info) = &data.rcv_info {
                        if info.ppid != H248_PPID_WIRE {
                            tracing::debug!(%peer, ppid = u32::from_be(info.ppid), "unexpected SCTP PPID");
                        }
                    }
                    spawner.message(peer, data.payload);
                }
                // Nothing is subscribed; whatever comes is ignored.
                Ok(NotificationOrData::Notification(_)) => {}
                Err(e) => {
                    tracing::info!(%peer, error = %e, "SCTP association ended");
                    return;
                }
            }
        }
    };
    let write = async {
        while let Some(payload) = queue.recv().await {
            let data = SendData {
                payload,
                snd_info: Some(SendInfo {
                    sid: H248_STREAM,
                    flags: 0,
                    ppid: H248_PPID_WIRE,
                    context: 0,
                    assoc_id: 0,
                }),
            };
            if let Err(e) = socket.sctp_send(data).await {
                tracing::info!(%peer, error = %e, "closing SCTP association: send failed");
                return;
            }
        }
        let _ = socket.shutdown(std::net::Shutdown::Both);
    };
    tokio::select! {
        () = read => {}
        () = write => {}
    }
    spawner.closed(peer, id);
}

impl Transport for SctpTransport {
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
        if bytes.len() > SCTP_MAX_MESSAGE {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "message of {} bytes exceeds the SCTP limit of {SCTP_MAX_MESSAGE} (sctp-rs)",
                    bytes.len()
                ),
            ));
        }
        let jobs = self.jobs.clone();
        self.conns.send(peer, bytes, move |_, peer, id, queue| {
            // The connection itself is made on the SCTP thread; if that is
            // gone the queue drops and the peer is reported lost on the
            // next send.
            let _ = jobs.send(Job::Connect { peer, id, queue });
            std::future::ready(())
        })
    }
}
