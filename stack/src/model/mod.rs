//! The H.248.1 message model: one set of types for every encoding.
//!
//! The types follow the version 3 ASN.1 module of H.248.1 Annex A
//! (`MEDIA-GATEWAY-CONTROL-v3`) component by component, so that the binary
//! codec maps onto them directly, while names, values and termination IDs are
//! kept in their text (Annex B) form, as the text codec and users see them.
//! Where the text grammar can say something the ASN.1 cannot (or the other way
//! round) the type says so in its documentation.
//!
//! Versions 1 and 2 are subsets of version 3: a message of any version decodes
//! into these types, and [`Message::version`] tells the encoders which tokens
//! they may use.
//!
//! Module layout follows the concepts of the standard:
//! - [`message`]: message, header, MId, authentication, transactions (clause 8);
//! - [`command`]: actions, context requests, commands and replies (clause 7.2);
//! - [`descriptor`]: the descriptors of clause 7.1;
//! - [`audit`]: the individual-audit (`IndAud*`) descriptors of clause 7.1.1;
//! - [`termination`]: context and termination identifiers and wildcards;
//! - [`parameter`]: property / event / signal parameters and their values.

pub mod audit;
pub mod command;
pub mod descriptor;
pub mod message;
pub mod parameter;
#[cfg(any(test, feature = "proptest"))]
pub mod strategy;
pub mod termination;

pub use audit::*;
pub use command::*;
pub use descriptor::*;
pub use message::*;
pub use parameter::*;
pub use termination::*;

/// A short string: names, values and identifiers of a message. Up to 24 bytes
/// are kept inline without allocation, which covers nearly every H.248 token.
pub type Text = compact_str::CompactString;
