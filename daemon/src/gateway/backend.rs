//! The media backend: what the engine asks of the gateway's media plane.
//!
//! The engine decides the protocol (H.248.1 clauses 6 and 7); a backend
//! only holds media resources: an address and port pair per stream, the
//! signals being played, the events being detected and the counters. Every
//! operation is asynchronous (an external media gateway answers over a
//! socket) and returns boxed futures, so that the trait stays object-safe
//! without extra crates. Detected events and finished signals come back on
//! the channel [`MediaBackend::take_events`] hands out once.

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;

use h248_stack::model::{
    PropertyParm, SignalDirection, SignalType, StatisticsParameter, StreamId, StreamMode,
    TerminationId, Text,
};
use tokio::sync::mpsc;

use super::codes::Refusal;
use crate::executor::BackendHealth;

/// What a backend operation resolves to; a failure carries the H.248.8 code
/// the engine answers with (e.g. 510 when a pool is exhausted).
pub type BackendFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, Refusal>> + Send + 'a>>;

/// The address family of a `c=` line (`IP4` / `IP6`, RFC 4566 clause 5.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddressFamily {
    Ip4,
    Ip6,
}

impl AddressFamily {
    /// The `c=` address type token.
    pub fn token(self) -> &'static str {
        match self {
            AddressFamily::Ip4 => "IP4",
            AddressFamily::Ip6 => "IP6",
        }
    }

    /// Reads a `c=` address type, any case.
    pub fn parse(token: &str) -> Option<Self> {
        if token.eq_ignore_ascii_case("IP4") {
            Some(AddressFamily::Ip4)
        } else if token.eq_ignore_ascii_case("IP6") {
            Some(AddressFamily::Ip6)
        } else {
            None
        }
    }
}

/// A request for an address and port pair for one stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReserveRequest {
    pub termination: TerminationId,
    pub stream: StreamId,
    pub family: AddressFamily,
    /// The IP realm (`ipdc/realm`, H.248.41) the address belongs to; `None`
    /// for the backend's default realm.
    pub realm: Option<Text>,
}

/// An address and port pair held for one stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allocation {
    pub address: IpAddr,
    pub port: u16,
}

/// How a stream is to carry media: its mode (H.248.1 clause 7.1.7) and the
/// remote address media is sent to, once known (clause 7.1.8 Remote).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamSetup {
    pub termination: TerminationId,
    pub stream: StreamId,
    pub mode: StreamMode,
    pub remote: Option<Allocation>,
}

/// A signal to play (H.248.1 clause 7.1.11), identified by the engine's
/// `id` in later calls and events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignalStart {
    pub id: u64,
    pub termination: TerminationId,
    pub name: Text,
    pub stream: Option<StreamId>,
    pub direction: Option<SignalDirection>,
    pub params: Vec<PropertyParm>,
    /// The signal type asked for (H.248.1 clause 7.1.11): an `OnOff`
    /// signal plays until stopped, `TimeOut` and `Brief` ones complete.
    /// `None`: the package's default type.
    pub signal_type: Option<SignalType>,
    /// `Duration` in milliseconds when the request gave one; otherwise the
    /// backend's own length for the signal (an announcement's length, a
    /// tone's default duration).
    pub duration_ms: Option<u32>,
}

/// What the backend reports to the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendEvent {
    /// A signal played out its duration (completion reason TimeOut,
    /// H.248.1 E.1.2 `g/sc` `Meth = TO`).
    SignalCompleted { termination: TerminationId, id: u64 },
    /// An event was detected on a termination whose detection was enabled.
    Detected {
        termination: TerminationId,
        stream: Option<StreamId>,
        name: Text,
        params: Vec<PropertyParm>,
    },
    /// The media plane lost the state of every termination (its process
    /// restarted): the engine releases them and tells the MGC.
    StateLost,
}

/// The gateway's media plane, as the engine uses it.
pub trait MediaBackend: Send + Sync + 'static {
    /// Reserves an address and port pair of `family` in `realm` for a
    /// stream. Exhaustion is 510.
    fn reserve(&self, request: ReserveRequest) -> BackendFuture<'_, Allocation>;
    /// Releases the pair held for a stream (nothing if none is held).
    fn release(&self, termination: TerminationId, stream: StreamId) -> BackendFuture<'_, ()>;
    /// Sets a stream's mode and remote address.
    fn configure(&self, setup: StreamSetup) -> BackendFuture<'_, ()>;
    /// Starts a signal; it completes (reported as
    /// [`BackendEvent::SignalCompleted`]) after its duration.
    fn start_signal(&self, signal: SignalStart) -> BackendFuture<'_, ()>;
    /// Stops a signal before it completes (no completion is reported).
    fn stop_signal(&self, termination: TerminationId, id: u64) -> BackendFuture<'_, ()>;
    /// Sets the events detected on a termination (replacing the previous
    /// set; empty disables detection).
    fn detect_events(&self, termination: TerminationId, names: Vec<Text>) -> BackendFuture<'_, ()>;
    /// The statistics of a termination now (H.248.1 clause 7.1.15; `nt`
    /// and `rtp` of Annex E.11 / E.12).
    fn statistics(&self, termination: TerminationId)
        -> BackendFuture<'_, Vec<StatisticsParameter>>;
    /// Forgets everything about a termination (it left its context).
    fn forget(&self, termination: TerminationId) -> BackendFuture<'_, ()>;
    /// Whether the media plane can detect event `name` (`pkg/item`).
    fn can_detect(&self, name: &str) -> bool;
    /// Whether the media plane can generate signal `name` (`pkg/item`).
    fn can_generate(&self, name: &str) -> bool;
    /// The channel of events; `Some` once, for the engine.
    fn take_events(&self) -> Option<mpsc::Receiver<BackendEvent>>;
    /// The state of the link to the media plane (metrics); always up for a
    /// backend without one.
    fn health(&self) -> BackendHealth {
        BackendHealth::default()
    }
}
