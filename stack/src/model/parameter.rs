//! Property, event and signal parameters and their values (H.248.1 clause
//! 7.1.1 and Annex B `propertyParm`, `parmValue`, `eventOther`, `sigOther`;
//! Annex A `PropertyParm`, `EventParameter`, `SigParameter`, `Value`).

use serde::{Deserialize, Serialize};

use super::Text;

/// A value as carried on the wire: the characters of a `VALUE` (Annex B),
/// without the quotes of a `quotedString`. Encoders quote a value when its
/// characters require it (empty, or anything outside `SafeChar`).
pub type Value = Text;

/// A package-qualified name `package/item` (Annex B `pkgdName`), including
/// the wildcard forms `package/*` and `*/*`.
pub type PkgdName = Text;

/// A plain name (Annex B `NAME`): event and signal parameter names, digit map
/// names, package names.
pub type Name = Text;

/// The comparison operator of an inequality (`>`, `<`, `#`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// `>`
    GreaterThan,
    /// `<`
    SmallerThan,
    /// `#`
    UnequalTo,
}

/// The value part of a parameter (Annex B `parmValue`). In the binary
/// encoding these are `value SEQUENCE OF OCTET STRING` plus `extraInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParmValue {
    /// `= v`
    Equal(Value),
    /// `> v`, `< v`, `# v`
    Relation(Relation, Value),
    /// `= [low : high]`: a range.
    Range(Value, Value),
    /// `= [a, b, ...]`: all of the values (AND).
    Sublist(Vec<Value>),
    /// `= {a, b, ...}`: one of the values (OR).
    Alternatives(Vec<Value>),
}

impl ParmValue {
    /// The single value of an `Equal` parameter.
    pub fn as_single(&self) -> Option<&str> {
        match self {
            ParmValue::Equal(v) => Some(v),
            _ => None,
        }
    }
}

/// A property (clause 7.1.1) or a parameter of an event, signal or
/// observed event: a name and a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PropertyParm {
    /// `pkg/item` for properties; a plain `NAME` for event and signal
    /// parameters.
    pub name: Text,
    pub value: ParmValue,
}

impl PropertyParm {
    /// `name = value`.
    pub fn equal(name: impl Into<Text>, value: impl Into<Value>) -> Self {
        PropertyParm {
            name: name.into(),
            value: ParmValue::Equal(value.into()),
        }
    }
}

/// A parameter of a requested, observed or buffered event.
pub type EventParameter = PropertyParm;

/// A parameter of a signal.
pub type SigParameter = PropertyParm;
