//! Transports: the thin async shell that carries the sans-IO core over
//! sockets (tokio), in the manner of `quinn` over `quinn-proto`.
//!
//! ```text
//! socket ─► Transport::recv ─► CodecEngine::handle_datagram ─► Engine ─► events ─► Endpoint handle
//! socket ◄─ Transport::send ◄─ CodecEngine::poll_transmit  ◄─ Engine ◄─ send_request / reply
//! ```
//!
//! - [`codec`]: [`BerCodec`], the binary encoding (Annex A) as a
//!   [`MessageCodec`](crate::transaction::codec::MessageCodec), beside
//!   `TextCodec` (always compiled: it is sans-IO);
//! - [`tpkt`]: RFC 1006 framing for TCP, a `tokio_util` codec;
//! - [`udp`]: H.248.1 Annex D.1, one datagram is one message;
//! - [`tcp`]: H.248.1 Annex D.2, TPKT over TCP, one connection per peer;
//! - [`sctp`]: H.248.1 Annex H / TS 29.334 (RFC 4960), one message per
//!   data chunk with PPID 7;
//! - [`endpoint`]: the task that owns a `CodecEngine` and one transport,
//!   runs its timers and gives the application a cloneable handle.
//!
//! Everything here but [`codec`] needs the `tokio` feature (on by
//! default). No protocol decision is taken here: retransmission,
//! duplicates, Pending and acks are all the engine's.

pub mod codec;
#[cfg(feature = "tokio")]
mod conn;
#[cfg(feature = "tokio")]
pub mod endpoint;
#[cfg(feature = "tokio")]
pub mod sctp;
#[cfg(feature = "tokio")]
pub mod tcp;
#[cfg(feature = "tokio")]
pub mod tpkt;
#[cfg(feature = "tokio")]
pub mod udp;

pub use codec::BerCodec;
#[cfg(feature = "tokio")]
pub use endpoint::{
    AssociationHandle, Endpoint, EndpointStats, IncomingRequest, IncomingRequests, LiveAssociation,
    NoAssociation, RequestError,
};
#[cfg(feature = "tokio")]
pub use sctp::SctpTransport;
#[cfg(feature = "tokio")]
pub use tcp::{AcceptFilter, TcpTransport};
#[cfg(feature = "tokio")]
pub use tpkt::{TpktCodec, TpktError};
#[cfg(feature = "tokio")]
pub use udp::UdpTransport;

/// The default port of text-encoded H.248 over UDP, TCP and SCTP (H.248.1
/// Annex D.1.1, D.2.1; IANA "megaco-h248").
pub const DEFAULT_TEXT_PORT: u16 = 2944;
/// The default port of binary-encoded H.248 (IANA "h248-binary").
pub const DEFAULT_BINARY_PORT: u16 = 2945;

/// What a transport hands the endpoint.
#[cfg(feature = "tokio")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportEvent<P> {
    /// One whole H.248 message (a datagram, a TPKT payload, an SCTP user
    /// message) from `peer`.
    Message { peer: P, bytes: Vec<u8> },
    /// The connection to `peer` closed or could not be set up: its
    /// outstanding requests fail now ([`Engine::peer_lost`](crate::transaction::Engine::peer_lost))
    /// instead of at the end of their timers.
    PeerLost(P),
}

/// A transport as the endpoint drives it. Implementations are thin: they
/// move whole messages and report lost connections, nothing more.
#[cfg(feature = "tokio")]
pub trait Transport: Send + 'static {
    /// The key the engine tracks peers by.
    type Peer: crate::transaction::PeerKey + Send + Sync + 'static;

    /// Reliable (TCP, SCTP): the engine neither retransmits nor segments
    /// (H.248.1 Annex D.2.3).
    fn is_reliable(&self) -> bool;

    /// The address we listen on, if any.
    fn local_addr(&self) -> Option<std::net::SocketAddr>;

    /// The next message or loss. Must be cancel-safe: the endpoint calls it
    /// in a `select!`, and dropping the future loses nothing.
    fn recv(
        &mut self,
    ) -> impl std::future::Future<Output = std::io::Result<TransportEvent<Self::Peer>>> + Send;

    /// Sends one whole message to `peer` (opening a connection if the
    /// transport connects on demand). An error concerns this message only.
    fn send(
        &mut self,
        peer: Self::Peer,
        bytes: Vec<u8>,
    ) -> impl std::future::Future<Output = std::io::Result<()>> + Send;
}
