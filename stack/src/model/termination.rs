//! Context and termination identifiers (H.248.1 clauses 6.1, 6.2 and 6.2.2;
//! Annex A `ContextID`, `TerminationID`; Annex B `ContextID`, `TerminationID`).

use std::fmt;

use arrayvec::ArrayString;
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
///
/// IDs of up to [`TerminationId::INLINE`] bytes are kept inline, without
/// allocation: that covers the bit-string form of a three-level ID (26
/// bytes, the default binary mapping's and megaco's), which [`Text`]'s 24
/// inline bytes do not. Compared, ordered and hashed as its text.
#[derive(Clone)]
pub struct TerminationId(IdText);

/// A [`Text`] (up to 24 bytes inline), or the longer IDs that still fit
/// inline here.
#[derive(Clone)]
enum IdText {
    Compact(Text),
    Array(ArrayString<{ TerminationId::INLINE }>),
}

impl TerminationId {
    /// Longest ID kept inline, in bytes.
    pub const INLINE: usize = 30;

    /// The ROOT termination (the MG as a whole).
    pub fn root() -> Self {
        TerminationId(IdText::Compact(Text::const_new("ROOT")))
    }

    /// `$`: the MG chooses the termination.
    pub fn choose() -> Self {
        TerminationId(IdText::Compact(Text::const_new("$")))
    }

    /// `*`: all terminations.
    pub fn all() -> Self {
        TerminationId(IdText::Compact(Text::const_new("*")))
    }

    pub fn new(text: impl AsRef<str>) -> Self {
        Self::from(text.as_ref())
    }

    /// The ID written from `parts` in order, `len` bytes in all (checked:
    /// a wrong `len` only costs an allocation), without building it
    /// elsewhere first.
    pub fn from_parts<'a>(len: usize, parts: impl IntoIterator<Item = &'a str>) -> Self {
        let mut parts = parts.into_iter();
        if len <= Self::INLINE {
            let mut text = ArrayString::new();
            for part in parts.by_ref() {
                if text.try_push_str(part).is_err() {
                    // Longer than said: the rest goes with it to the heap.
                    let mut long = String::from(text.as_str());
                    long.push_str(part);
                    long.extend(parts);
                    return TerminationId(IdText::Compact(Text::from(long)));
                }
            }
            return TerminationId(IdText::Array(text));
        }
        let mut text = String::with_capacity(len.min(1024));
        text.extend(parts);
        TerminationId(IdText::Compact(Text::from(text)))
    }

    /// The ID of text `text`, kept inline.
    pub(crate) fn from_inline(text: ArrayString<{ Self::INLINE }>) -> Self {
        TerminationId(IdText::Array(text))
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            IdText::Array(text) => text.as_str(),
            IdText::Compact(text) => text.as_str(),
        }
    }

    /// The ID as a [`Text`].
    pub fn to_text(&self) -> Text {
        match &self.0 {
            IdText::Array(text) => Text::from(text.as_str()),
            IdText::Compact(text) => text.clone(),
        }
    }

    /// True for ROOT (any case, as the grammar's tokens are case-insensitive).
    pub fn is_root(&self) -> bool {
        self.as_str().eq_ignore_ascii_case("root")
    }

    /// The ID before any `@domain` part, where wildcards count.
    fn local_part(&self) -> impl Iterator<Item = u8> + '_ {
        // IDs are a few dozen octets: a plain scan beats a searcher's set-up.
        self.as_str().bytes().take_while(|&b| b != b'@')
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

impl std::ops::Deref for TerminationId {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for TerminationId {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for TerminationId {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for TerminationId {}

impl PartialOrd for TerminationId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for TerminationId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::hash::Hash for TerminationId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl fmt::Debug for TerminationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TerminationId")
            .field(&self.as_str())
            .finish()
    }
}

impl fmt::Display for TerminationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Longest text a [`Text`] keeps inline.
const TEXT_INLINE: usize = std::mem::size_of::<Text>();

/// Whether an ID of `len` bytes is kept in the [`IdText::Array`] form: too
/// long for a [`Text`] to keep inline, short enough for the array.
fn in_array_form(len: usize) -> bool {
    (TEXT_INLINE + 1..=TerminationId::INLINE).contains(&len)
}

impl From<&str> for TerminationId {
    fn from(s: &str) -> Self {
        if in_array_form(s.len()) {
            if let Ok(text) = ArrayString::from(s) {
                return TerminationId(IdText::Array(text));
            }
        }
        TerminationId(IdText::Compact(Text::from(s)))
    }
}

impl From<String> for TerminationId {
    fn from(s: String) -> Self {
        if in_array_form(s.len()) {
            return Self::from(s.as_str());
        }
        TerminationId(IdText::Compact(Text::from(s)))
    }
}

impl From<Text> for TerminationId {
    fn from(s: Text) -> Self {
        if in_array_form(s.len()) {
            return Self::from(s.as_str());
        }
        TerminationId(IdText::Compact(s))
    }
}

impl Serialize for TerminationId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TerminationId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Text::deserialize(deserializer).map(TerminationId::from)
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
    fn termination_ids_are_their_text_however_held() {
        use std::collections::hash_map::DefaultHasher;
        use std::hash::{Hash, Hasher};
        let hash = |id: &TerminationId| {
            let mut h = DefaultHasher::new();
            id.hash(&mut h);
            h.finish()
        };
        for len in [1, 24, 25, 26, 30, 31, 71] {
            let text: String = "01/".chars().cycle().take(len).collect();
            // From the text, from parts (right and wrong lengths given),
            // from a `String` and from a `Text`.
            let ids = [
                TerminationId::from(text.as_str()),
                TerminationId::from_parts(len, [&text[..len / 2], &text[len / 2..]]),
                TerminationId::from_parts(0, [&text[..len / 2], &text[len / 2..]]),
                TerminationId::from_parts(usize::MAX, [text.as_str()]),
                TerminationId::from(text.clone()),
                TerminationId::from(Text::from(text.as_str())),
                TerminationId::new(&text),
            ];
            for id in &ids {
                assert_eq!(id.as_str(), text);
                assert_eq!(id, &ids[0]);
                assert_eq!(id.cmp(&ids[0]), std::cmp::Ordering::Equal);
                assert_eq!(hash(id), hash(&ids[0]));
                assert_eq!(id.to_text(), text);
                assert_eq!(id.to_string(), text);
            }
        }
        let a = TerminationId::from("11111111/00000000/00000001");
        // Ordered as text across the two forms (17 bytes inline in a `Text`).
        let b = TerminationId::from("11111111/00000000");
        assert!(b < a);
        assert!(TerminationId::from("ROOT") == TerminationId::root());
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, "\"11111111/00000000/00000001\"");
        assert_eq!(serde_json::from_str::<TerminationId>(&json).unwrap(), a);
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
