//! Context and termination identifiers (H.248.1 clauses 6.1, 6.2 and 6.2.2;
//! Annex A `ContextID`, `TerminationID`; Annex B `ContextID`, `TerminationID`).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::Text;

/// A context identifier. Three values are reserved (clause 6.1.1): 0 is the
/// NULL context (`-`), 0xFFFFFFFE is CHOOSE (`$`), 0xFFFFFFFF is ALL (`*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ContextId(pub u32);

impl ContextId {
    /// The NULL context, `-` in text.
    pub const NULL: ContextId = ContextId(0);
    /// CHOOSE: the MG picks a new context, `$` in text.
    pub const CHOOSE: ContextId = ContextId(0xFFFF_FFFE);
    /// ALL contexts, `*` in text.
    pub const ALL: ContextId = ContextId(0xFFFF_FFFF);

    /// True for an ordinary (non-reserved) context ID.
    pub fn is_specific(self) -> bool {
        !matches!(self, ContextId::NULL | ContextId::CHOOSE | ContextId::ALL)
    }
}

impl fmt::Display for ContextId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ContextId::NULL => f.write_str("-"),
            ContextId::CHOOSE => f.write_str("$"),
            ContextId::ALL => f.write_str("*"),
            ContextId(id) => write!(f, "{id}"),
        }
    }
}

/// A request identifier of an Events or ObservedEvents descriptor (clause
/// 7.1.9); `*` (ALL, 0xFFFFFFFF in binary) in AuditCapabilities replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RequestId(pub u32);

impl RequestId {
    /// `*`: all request IDs.
    pub const ALL: RequestId = RequestId(0xFFFF_FFFF);
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == RequestId::ALL {
            f.write_str("*")
        } else {
            write!(f, "{}", self.0)
        }
    }
}

/// A stream identifier (clause 7.1.4), 16 bits.
pub type StreamId = u16;

/// A termination identifier in its text form (Annex B `TerminationID`):
/// `ROOT`, `$` (CHOOSE), `*` (ALL), or a path name such as
/// `11111111/00000000/00000001` or `ip/12/*/3` whose levels may be the
/// wildcards `*` and `$` (clause 6.2.2).
///
/// The binary encoding (Annex A.1) maps this text to wildcard fields and up
/// to 8 octets; that mapping is configurable and lives with the binary codec.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TerminationId(pub Text);

impl TerminationId {
    /// The ROOT termination (the MG as a whole).
    pub fn root() -> Self {
        TerminationId(Text::const_new("ROOT"))
    }

    /// `$`: the MG chooses the termination.
    pub fn choose() -> Self {
        TerminationId(Text::const_new("$"))
    }

    /// `*`: all terminations.
    pub fn all() -> Self {
        TerminationId(Text::const_new("*"))
    }

    pub fn new(text: impl Into<Text>) -> Self {
        TerminationId(text.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for ROOT (any case, as the grammar's tokens are case-insensitive).
    pub fn is_root(&self) -> bool {
        self.0.eq_ignore_ascii_case("root")
    }

    /// The ID before any `@domain` part, where wildcards count.
    fn local_part(&self) -> impl Iterator<Item = u8> + '_ {
        // IDs are a few dozen octets: a plain scan beats a searcher's set-up.
        self.0.bytes().take_while(|&b| b != b'@')
    }

    /// True when any part of the ID is the ALL wildcard `*`.
    pub fn has_all_wildcard(&self) -> bool {
        self.local_part().any(|b| b == b'*')
    }

    /// True when any part of the ID is the CHOOSE wildcard `$`.
    pub fn has_choose_wildcard(&self) -> bool {
        self.local_part().any(|b| b == b'$')
    }

    /// True when the ID contains a wildcard of either kind.
    pub fn is_wildcarded(&self) -> bool {
        self.has_all_wildcard() || self.has_choose_wildcard()
    }
}

impl fmt::Display for TerminationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for TerminationId {
    fn from(s: &str) -> Self {
        TerminationId(Text::from(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_context_ids_display_as_their_text_tokens() {
        assert_eq!(ContextId::NULL.to_string(), "-");
        assert_eq!(ContextId::CHOOSE.to_string(), "$");
        assert_eq!(ContextId::ALL.to_string(), "*");
        assert_eq!(ContextId(42).to_string(), "42");
        assert!(ContextId(42).is_specific());
        assert!(!ContextId::CHOOSE.is_specific());
    }

    #[test]
    fn termination_wildcards_are_recognised_per_level() {
        assert!(TerminationId::from("11111111/11111111/*").has_all_wildcard());
        assert!(TerminationId::from("ip/$").has_choose_wildcard());
        assert!(!TerminationId::from("ip/12/3").is_wildcarded());
        assert!(TerminationId::from("Root").is_root());
        // Only the part before `@` counts (a `*` or `$` in a domain is not
        // a wildcard).
        assert!(!TerminationId::from("ip/1@*.example").is_wildcarded());
        assert!(TerminationId::from("ip/*@host").has_all_wildcard());
        assert!(!TerminationId::from("ip/*@host").has_choose_wildcard());
        assert!(TerminationId::from("$").has_choose_wildcard());
    }
}
