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

/// A list that nearly always holds one item: the termination IDs of a
/// command, of its reply and of a Mux descriptor, and the SDP session
/// descriptions (groups) of a Local / Remote descriptor. That item is kept
/// inline, and only a second one allocates. It derefs to a slice, and its
/// serde form is a plain sequence, as a `Vec`'s is. Build one with
/// [`small_list!`] (`vec!`'s syntax), `SmallList::from_vec` or `.into()`
/// from a `Vec`, or collect into it.
///
/// Deserializing one reserves room for as many items as the format's size
/// hint claims, without `Vec`'s cap: harmless for JSON (no hint) and for
/// models the stack serializes itself, but a length-prefixed binary format
/// reading untrusted input would want a capped deserializer.
pub type SmallList<T> = smallvec::SmallVec<[T; 1]>;

/// [`SmallList`]'s `vec!`: `small_list![a, b]`, `small_list![x; n]`.
pub use smallvec::smallvec as small_list;

/// A short string: names, values and identifiers of a message. Up to 24 bytes
/// are kept inline without allocation, which covers nearly every H.248 token.
pub type Text = compact_str::CompactString;

#[cfg(test)]
mod tests {
    use super::*;

    /// A [`SmallList`] has a `Vec`'s serde form, a plain sequence, whether
    /// it holds its items inline or not.
    #[test]
    fn small_list_serde_form_is_a_sequence() {
        for ids in [
            SmallList::new(),
            small_list![TerminationId::root()],
            small_list![TerminationId::from("a/1"), TerminationId::from("a/2")],
        ] {
            let as_vec: Vec<TerminationId> = ids.to_vec();
            let json = serde_json::to_string(&ids).unwrap();
            assert_eq!(json, serde_json::to_string(&as_vec).unwrap());
            let back: SmallList<TerminationId> = serde_json::from_str(&json).unwrap();
            assert_eq!(back, ids);
        }
    }
}
