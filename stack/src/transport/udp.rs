//! H.248 over UDP (H.248.1 Annex D.1): each datagram carries exactly one
//! message (text or binary), and the engine retransmits (Annex D.1.3).

use std::io;
use std::net::SocketAddr;

use tokio::net::UdpSocket;

use super::{Transport, TransportEvent};

/// The largest UDP payload (IPv4: 65 507; the receive buffer is sized for
/// any datagram so that none is silently truncated).
pub const MAX_DATAGRAM: usize = 65_536;

/// One UDP socket bound to an IPv4 or IPv6 address; peers are the source
/// addresses of datagrams.
#[derive(Debug)]
pub struct UdpTransport {
    socket: UdpSocket,
    local: SocketAddr,
    buf: Vec<u8>,
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
        Ok(UdpTransport {
            socket,
            local,
            buf: vec![0; MAX_DATAGRAM],
        })
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

    async fn recv(&mut self) -> io::Result<TransportEvent<SocketAddr>> {
        // `recv_from` is cancel-safe; the copy happens after it completes.
        let (n, peer) = self.socket.recv_from(&mut self.buf).await?;
        // Peers are keyed by their plain address: an IPv4 peer of a
        // dual-stack socket is its IPv4 address, whichever way it is seen.
        let peer = match peer {
            SocketAddr::V6(v6) => match v6.ip().to_ipv4_mapped() {
                Some(v4) => SocketAddr::new(v4.into(), v6.port()),
                None => peer,
            },
            SocketAddr::V4(_) => peer,
        };
        Ok(TransportEvent::Message {
            peer,
            bytes: self.buf[..n].to_vec(),
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
