//! `h248d`: the gateway-side daemon (MG role) of the H.248 stack, and the
//! `h248` command-line tool.
//!
//! - [`executor`]: the seam between the service (transport, association,
//!   configuration, metrics) and the gateway engine that executes commands.
//! - [`gateway`]: the gateway engine (contexts, terminations, media
//!   backends) that implements [`executor::Executor`].
#![forbid(unsafe_code)]

pub mod executor;
pub mod gateway;
