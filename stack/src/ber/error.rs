//! Errors of the binary codec: a decode error names the byte offset, the
//! ASN.1 type being decoded (Annex A type names) and what was wrong; an
//! encode error names the model item that has no binary form.

use std::fmt;

use crate::model::Text;
use crate::package::{ItemKind, ParameterKind};

/// The class of a BER tag (X.690 clause 8.1.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TagClass {
    Universal,
    Application,
    Context,
    Private,
}

/// A BER tag: class and number. Annex A uses AUTOMATIC TAGS, so components
/// carry context tags numbered by position; list items carry universal tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tag {
    pub class: TagClass,
    pub number: u32,
}

impl Tag {
    /// `[n]`: the automatic tag of the component at position `n`.
    pub const fn context(number: u32) -> Tag {
        Tag {
            class: TagClass::Context,
            number,
        }
    }

    /// A universal tag (X.680 clause 8.4), e.g. 16 for SEQUENCE.
    pub const fn universal(number: u32) -> Tag {
        Tag {
            class: TagClass::Universal,
            number,
        }
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.class {
            TagClass::Universal => write!(f, "[UNIVERSAL {}]", self.number),
            TagClass::Application => write!(f, "[APPLICATION {}]", self.number),
            TagClass::Context => write!(f, "[{}]", self.number),
            TagClass::Private => write!(f, "[PRIVATE {}]", self.number),
        }
    }
}

/// A binary name the catalogue does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownId {
    /// The package half of a `PkgdName` or a package `Name`.
    Package(u16),
    /// The item half of a `PkgdName`.
    Item {
        package: u16,
        kind: ItemKind,
        item: u16,
    },
    /// An event or signal parameter `Name`, scoped to its event or signal.
    Parameter {
        package: u16,
        kind: ParameterKind,
        item: u16,
        parameter: u16,
    },
}

impl fmt::Display for UnknownId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            UnknownId::Package(id) => write!(f, "package {id:#06x}"),
            UnknownId::Item {
                package,
                kind,
                item,
            } => write!(f, "{kind:?} {item:#06x} of package {package:#06x}"),
            UnknownId::Parameter {
                package,
                kind,
                item,
                parameter,
            } => write!(
                f,
                "parameter {parameter:#06x} of {kind:?} {item:#06x} of package {package:#06x}"
            ),
        }
    }
}

/// What went wrong while decoding BER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BerErrorKind {
    /// The input ended inside an element (or before an end-of-contents).
    Truncated,
    /// An element's length runs past the end of the element containing it.
    LengthBeyondContainer,
    /// Bytes follow the outermost element.
    TrailingBytes,
    /// An element has another tag than the one the type wants here.
    UnexpectedTag { expected: Tag, found: Tag },
    /// A mandatory component is absent.
    MissingComponent { expected: Tag },
    /// A CHOICE alternative this codec does not know (an extension
    /// alternative of a later version, or garbage).
    UnknownAlternative { found: Tag },
    /// A value breaks its ASN.1 constraint or the BER rules; says which.
    ConstraintViolated(&'static str),
    /// A package, item or parameter ID the catalogue does not know.
    UnknownName(UnknownId),
    /// Constructed elements nested deeper than [`BerLimits::max_depth`](super::BerLimits).
    DepthExceeded,
    /// A SEQUENCE OF longer than [`BerLimits::max_list_len`](super::BerLimits).
    ListTooLong,
    /// The input is larger than [`BerLimits::max_message_size`](super::BerLimits).
    MessageTooLarge,
    /// The termination ID mapping refused the binary ID; says why.
    TerminationId(&'static str),
}

impl fmt::Display for BerErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BerErrorKind::Truncated => f.write_str("input ends inside an element"),
            BerErrorKind::LengthBeyondContainer => {
                f.write_str("length runs past the enclosing element")
            }
            BerErrorKind::TrailingBytes => f.write_str("bytes after the end of the message"),
            BerErrorKind::UnexpectedTag { expected, found } => {
                write!(f, "expected tag {expected}, found {found}")
            }
            BerErrorKind::MissingComponent { expected } => {
                write!(f, "mandatory component {expected} is missing")
            }
            BerErrorKind::UnknownAlternative { found } => {
                write!(f, "unknown CHOICE alternative {found}")
            }
            BerErrorKind::ConstraintViolated(what) => write!(f, "constraint violated: {what}"),
            BerErrorKind::UnknownName(id) => write!(f, "unknown binary name: {id}"),
            BerErrorKind::DepthExceeded => f.write_str("nesting too deep"),
            BerErrorKind::ListTooLong => f.write_str("list too long"),
            BerErrorKind::MessageTooLarge => f.write_str("message too large"),
            BerErrorKind::TerminationId(why) => write!(f, "termination ID: {why}"),
        }
    }
}

/// A BER decode failure: where, in which Annex A type, and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("BER decode error at byte {offset} in {type_name}: {kind}")]
pub struct BerDecodeError {
    /// Byte offset in the input, from 0.
    pub offset: usize,
    /// The ASN.1 type being decoded, e.g. `"TransactionRequest"`.
    pub type_name: &'static str,
    pub kind: BerErrorKind,
}

/// The kinds of names that need a binary ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    Package,
    Item(ItemKind),
    Parameter(ParameterKind),
    /// A digit map name (Annex A `DigitMapName ::= Name`, 2 octets).
    DigitMap,
}

/// Why a model could not be encoded in BER.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BerEncodeError {
    /// A package, item, parameter or digit map name without a binary ID.
    #[error("no binary ID for {kind:?} {name:?}")]
    NoBinaryId { kind: NameKind, name: Text },
    /// The termination ID mapping cannot express this ID.
    #[error("termination ID {id:?} has no binary form: {reason}")]
    TerminationId { id: Text, reason: &'static str },
    /// The message's version does not have this construct.
    #[error("{construct} is not in version {version} of Annex A")]
    NotInVersion {
        construct: &'static str,
        version: u8,
    },
    /// A text-only construct (an `X-` extension token or parameter).
    #[error("{0} has no binary encoding")]
    TextOnly(&'static str),
    /// A value outside its ASN.1 constraint.
    #[error("{0} is out of its Annex A range")]
    OutOfRange(&'static str),
}
