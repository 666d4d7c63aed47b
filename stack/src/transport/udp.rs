//! H.248 over UDP (H.248.1 Annex D.1): each datagram carries exactly one
//! message (text or binary), and the engine retransmits (Annex D.1.3).
//!
//! On Linux the datagrams waiting on the socket are read several at a
//! time (`recvmmsg`, up to [`RECEIVE_BATCH`]): an MGC sends one transaction
//! per datagram, and one system call per datagram was most of the
//! daemon's system calls under load.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;

use tokio::net::UdpSocket;

use super::{Transport, TransportEvent};

/// The largest UDP payload (IPv4: 65 507; the receive buffer is sized for
/// any datagram so that none is silently truncated).
pub const MAX_DATAGRAM: usize = 65_536;

/// Most datagrams read by one system call. Each has a buffer of
/// [`MAX_DATAGRAM`] bytes; only the pages datagrams are written to become
/// resident.
pub const RECEIVE_BATCH: usize = 32;

/// One UDP socket bound to an IPv4 or IPv6 address; peers are the source
/// addresses of datagrams.
#[derive(Debug)]
pub struct UdpTransport {
    socket: UdpSocket,
    local: SocketAddr,
    /// Receive buffers: one per datagram of a batch (one where datagrams
    /// are read one at a time).
    bufs: Vec<Vec<u8>>,
    /// Datagrams read and not yet handed out, in arrival order.
    received: VecDeque<(SocketAddr, Vec<u8>)>,
}

impl UdpTransport {
    /// Binds `addr` (`0.0.0.0:2944`, `[::1]:0`, ...). A socket bound to
    /// `[::]` also serves IPv4 peers where the system allows dual-stack
    /// sockets; they are keyed by their IPv4 address (mapped to and from
    /// `::ffff:a.b.c.d` here), so replies match their requests whichever
    /// form the application used.
    pub async fn bind(addr: SocketAddr) -> io::Result<Self> {
        Self::from_socket(UdpSocket::bind(addr).await?)
    }

    /// Wraps a socket set up elsewhere.
    pub fn from_socket(socket: UdpSocket) -> io::Result<Self> {
        let local = socket.local_addr()?;
        let buffers = if cfg!(target_os = "linux") {
            RECEIVE_BATCH
        } else {
            1
        };
        Ok(UdpTransport {
            socket,
            local,
            bufs: (0..buffers).map(|_| vec![0; MAX_DATAGRAM]).collect(),
            received: VecDeque::new(),
        })
    }
}

/// Reads the datagrams waiting on `socket`, without blocking, into
/// `received`, one per buffer of `bufs` at most; `WouldBlock` when there
/// are none.
#[cfg(target_os = "linux")]
fn read_waiting(
    socket: &UdpSocket,
    bufs: &mut [Vec<u8>],
    received: &mut VecDeque<(SocketAddr, Vec<u8>)>,
) -> io::Result<()> {
    use nix::sys::socket::{recvmmsg, MsgFlags, MultiHeaders, SockaddrLike, SockaddrStorage};
    use std::io::IoSliceMut;
    use std::os::fd::AsRawFd;

    let mut read = [(0usize, None::<SocketAddr>); RECEIVE_BATCH];
    let mut count = 0;
    {
        let mut headers = MultiHeaders::<SockaddrStorage>::preallocate(bufs.len(), None);
        let mut slices: Vec<[IoSliceMut<'_>; 1]> =
            bufs.iter_mut().map(|b| [IoSliceMut::new(b)]).collect();
        let messages = recvmmsg(
            socket.as_raw_fd(),
            &mut headers,
            slices.iter_mut(),
            MsgFlags::MSG_DONTWAIT,
            None,
        )?;
        for (slot, message) in read.iter_mut().zip(messages) {
            let peer = message
                .address
                .filter(|a| a.family().is_some())
                .and_then(|a| {
                    a.as_sockaddr_in()
                        .map(|v4| SocketAddr::V4((*v4).into()))
                        .or_else(|| a.as_sockaddr_in6().map(|v6| SocketAddr::V6((*v6).into())))
                });
            *slot = (message.bytes, peer);
            count += 1;
        }
    }
    for (buf, &(len, peer)) in bufs.iter().zip(&read[..count]) {
        // A datagram without an IP source cannot be answered.
        if let Some(peer) = peer {
            received.push_back((plain(peer), buf[..len].to_vec()));
        }
    }
    Ok(())
}

/// Peers are keyed by their plain address: an IPv4 peer of a dual-stack
/// socket is its IPv4 address, whichever way it is seen.
fn plain(peer: SocketAddr) -> SocketAddr {
    match peer {
        SocketAddr::V6(v6) => match v6.ip().to_ipv4_mapped() {
            Some(v4) => SocketAddr::new(v4.into(), v6.port()),
            None => peer,
        },
        SocketAddr::V4(_) => peer,
    }
}

impl Transport for UdpTransport {
    type Peer = SocketAddr;

    fn is_reliable(&self) -> bool {
        false
    }

    fn local_addr(&self) -> Option<SocketAddr> {
        Some(self.local)
    }

    // Cancel-safe: datagrams are read only after the wait for readiness
    // completes, synchronously, into `received`, which a later call empties.
    #[cfg(target_os = "linux")]
    async fn recv(&mut self) -> io::Result<TransportEvent<SocketAddr>> {
        loop {
            if let Some((peer, bytes)) = self.received.pop_front() {
                return Ok(TransportEvent::Message { peer, bytes });
            }
            self.socket.readable().await?;
            let UdpTransport {
                socket,
                bufs,
                received,
                ..
            } = self;
            // `try_io` clears the readiness when the read would block.
            let outcome = socket.try_io(tokio::io::Interest::READABLE, || {
                read_waiting(socket, bufs, received)
            });
            match outcome {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
    }

    #[cfg(not(target_os = "linux"))]
    async fn recv(&mut self) -> io::Result<TransportEvent<SocketAddr>> {
        // `recv_from` is cancel-safe; the copy happens after it completes.
        let (n, peer) = self.socket.recv_from(&mut self.bufs[0]).await?;
        Ok(TransportEvent::Message {
            peer: plain(peer),
            bytes: self.bufs[0][..n].to_vec(),
        })
    }

    async fn send(&mut self, peer: SocketAddr, bytes: Vec<u8>) -> io::Result<()> {
        // An IPv6 socket reaches an IPv4 peer through its IPv4-mapped
        // address (dual-stack sockets; elsewhere the send fails as before).
        let peer = match (self.local, peer) {
            (SocketAddr::V6(_), SocketAddr::V4(v4)) => {
                SocketAddr::new(v4.ip().to_ipv6_mapped().into(), v4.port())
            }
            _ => peer,
        };
        self.socket.send_to(&bytes, peer).await.map(|_| ())
    }
}
