//! The H.248.1 (Megaco) protocol stack: message model, codecs and protocol
//! core (sans-IO: nothing below `transport` touches a socket or a clock).
//!
//! - [`model`]: one typed model of an H.248 message, versions 1 to 3;
//! - [`sdp`]: the SDP of Local and Remote descriptors;
//! - [`package`]: package definitions and the name ↔ binary ID catalogue;
//! - [`text`]: the text encoding of H.248.1 Annex B (pretty and compact);
//! - [`ber`]: the binary encoding of H.248.1 Annex A (ASN.1 BER);
//! - [`wire`]: the encodings side by side, with detection;
//! - [`transaction`]: the sans-IO transaction engine (clause 8, Annex D);
//! - [`association`]: the control association of clause 11 (MG and MGC
//!   sides), sans-IO, over the transaction engine;
//! - [`transport`]: the BER message codec and, with the `tokio` feature,
//!   the async shell: UDP, TCP/TPKT and SCTP transports and the endpoint
//!   driver (the only IO in the crate).
#![forbid(unsafe_code)]

pub mod association;
pub mod ber;
pub mod model;
pub mod package;
pub mod sdp;
pub mod text;
pub mod transaction;
pub mod transport;
pub mod wire;

pub use model::*;
