//! `h248d`: the gateway-side daemon (MG role) of the H.248 stack, and the
//! `h248` command-line tool.
//!
//! - [`executor`]: the seam between the service (transport, association,
//!   configuration, metrics) and the gateway engine that executes commands.
//! - [`gateway`]: the gateway engine (contexts, terminations, media
//!   backends) that implements [`executor::Executor`].
//! - [`config`]: the TOML configuration and its validation.
//! - [`service`]: the endpoint, the MG's control association, the guard
//!   against unconfigured peers, serving requests through an executor and
//!   the orderly shutdown.
//! - [`metrics`]: Prometheus metrics and the `/metrics` listener.
//! - [`logging`]: `tracing` output, human or JSON, reloadable level.
//! - [`alloc`]: the global allocator of both binaries (the only `unsafe`).
#![deny(unsafe_code)]

pub mod alloc;
pub mod config;
pub mod executor;
pub mod gateway;
pub mod logging;
pub mod metrics;
pub mod service;
