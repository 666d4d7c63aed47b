//! The seam between the service and the gateway engine.
//!
//! The service (`service`) owns the endpoint, the control association,
//! configuration, metrics and signals; it hands each TransactionRequest the
//! MGC sends to an [`Executor`] and sends back what it resolves to. The
//! gateway engine (`gateway`) implements [`Executor`] over a media backend:
//! contexts and terminations with the semantics of H.248.1 clause 7, and
//! the Notify requests its events produce.
//!
//! Execution may take time (an external media gateway answers over a
//! socket): the future resolves when the reply is ready, and the
//! transaction engine sends TransactionPending meanwhile (H.248.1 Annex
//! D.1.4), so the service never blocks on it.

use std::future::Future;
use std::pin::Pin;

use h248_stack::model::{ActionRequest, TransactionResult};

/// A boxed, sendable future: what [`Executor::execute`] returns.
pub type ExecuteFuture = Pin<Box<dyn Future<Output = TransactionResult> + Send + 'static>>;

/// The state of the link to the media backend, for the metrics. A backend
/// without a link of its own (`sim`) is always up with no connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackendHealth {
    /// The backend can take calls now.
    pub up: bool,
    /// Connections made so far (the first and every reconnection).
    pub connections: u64,
    /// Events from the backend dropped because the engine's queue was full.
    pub events_dropped: u64,
    /// Lines from the backend that were not protocol lines (ignored).
    pub bad_lines: u64,
    /// Restarts of the media plane seen so far (each lost its state).
    pub restarts: u64,
}

impl Default for BackendHealth {
    fn default() -> Self {
        BackendHealth {
            up: true,
            connections: 0,
            events_dropped: 0,
            bad_lines: 0,
            restarts: 0,
        }
    }
}

/// Counts the service exports as metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GatewayStats {
    /// Contexts that exist now.
    pub contexts: u64,
    /// Terminations in contexts now (ephemeral and physical).
    pub terminations: u64,
    /// Calls made to the media backend so far.
    pub backend_calls: u64,
    /// Backend calls that failed or timed out so far.
    pub backend_errors: u64,
    /// The backend's link.
    pub backend: BackendHealth,
}

/// Executes the MGC's requests on the gateway's resources.
pub trait Executor: Send + Sync + 'static {
    /// Executes the actions of one TransactionRequest in message `version`
    /// (H.248.1 clause 8.2.2: actions in order, commands in order; a failed
    /// command stops the processing of the whole transaction unless it was
    /// marked optional, `O-`) and resolves to the
    /// TransactionReply's result, with the H.248.8 error of every refusal
    /// scoped to the command that caused it.
    fn execute(&self, version: u8, actions: Vec<ActionRequest>) -> ExecuteFuture;

    /// The next Notify (or other request) the gateway wants sent to the
    /// MGC, as the actions of one TransactionRequest; `None` once the
    /// gateway has shut down.
    fn next_request(&self)
        -> Pin<Box<dyn Future<Output = Option<Vec<ActionRequest>>> + Send + '_>>;

    /// Current counts for the metrics.
    fn stats(&self) -> GatewayStats;
}
