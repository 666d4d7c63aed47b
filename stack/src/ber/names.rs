//! Names in the binary encoding, through the package catalogue
//! ([`BinaryNames`]):
//!
//! - `PkgdName ::= OCTET STRING(SIZE(4))`: package ID then item ID. 0xFFFF
//!   in the item half is the wildcard `pkg/*`; 0xFFFF in both halves is
//!   `*/*` (a package wildcard needs an item wildcard; CHOOSE is not
//!   allowed). Package 0x0000 is Annex C, whose items have no package prefix
//!   in text (`v`, `IPv4`).
//! - `Name ::= OCTET STRING(SIZE(2))` of an event or signal parameter: its ID
//!   within that event or signal.
//! - `Name` of a package (Packages descriptor): the package ID.
//! - `DigitMapName ::= Name`: no registry; this codec writes `dialplanNN`
//!   (two decimal digits, one per octet, as Erlang/OTP megaco) and otherwise
//!   `dialplanXXXX` (the two octets in hex).

use super::error::{BerEncodeError, BerErrorKind, NameKind, UnknownId};
use crate::model::Text;
use crate::package::{BinaryNames, ItemKind, ParameterKind};

/// The wildcard ID of a package or item.
pub(crate) const WILDCARD: u16 = 0xffff;
/// The pseudo package of Annex C properties.
pub(crate) const ANNEX_C: u16 = 0x0000;

/// A package-qualified name as its package and item IDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PkgdId {
    pub package: u16,
    pub item: u16,
}

impl PkgdId {
    pub fn from_octets(octets: &[u8]) -> Option<PkgdId> {
        octets.try_into().ok().map(PkgdId::from_array)
    }

    /// The IDs of the four octets of a `PkgdName`.
    pub fn from_array([a, b, c, d]: [u8; 4]) -> PkgdId {
        PkgdId {
            package: u16::from_be_bytes([a, b]),
            item: u16::from_be_bytes([c, d]),
        }
    }

    pub fn octets(self) -> [u8; 4] {
        let [a, b] = self.package.to_be_bytes();
        let [c, d] = self.item.to_be_bytes();
        [a, b, c, d]
    }
}

fn no_id(kind: NameKind, name: &str) -> BerEncodeError {
    BerEncodeError::NoBinaryId {
        kind,
        name: Text::from(name),
    }
}

/// `pkg/item`, `pkg/*`, `*/*` or an Annex C name → IDs.
pub(crate) fn pkgd_id(
    names: &dyn BinaryNames,
    kind: ItemKind,
    name: &str,
) -> Result<PkgdId, BerEncodeError> {
    let (package_name, item_name) = match name.bytes().position(|b| b == b'/') {
        Some(slash) => (&name[..slash], &name[slash + 1..]),
        None => ("", name),
    };
    if package_name == "*" {
        return if item_name == "*" {
            Ok(PkgdId {
                package: WILDCARD,
                item: WILDCARD,
            })
        } else {
            Err(no_id(NameKind::Item(kind), name))
        };
    }
    let package = names
        .package_id(package_name)
        .ok_or_else(|| no_id(NameKind::Package, package_name))?;
    let item = if item_name == "*" {
        WILDCARD
    } else {
        names
            .item_id(package, kind, item_name)
            .ok_or_else(|| no_id(NameKind::Item(kind), name))?
    };
    Ok(PkgdId { package, item })
}

/// IDs → the text name.
pub(crate) fn pkgd_name(
    names: &dyn BinaryNames,
    kind: ItemKind,
    id: PkgdId,
) -> Result<Text, BerErrorKind> {
    if id.package == WILDCARD {
        return if id.item == WILDCARD {
            Ok(Text::const_new("*/*"))
        } else {
            Err(BerErrorKind::ConstraintViolated(
                "PkgdName wildcards the package but not the item",
            ))
        };
    }
    if id.item != WILDCARD {
        if let Some(text) = names.item_text(id.package, kind, id.item) {
            return Ok(text);
        }
    }
    let package = names
        .package_name(id.package)
        .ok_or(BerErrorKind::UnknownName(UnknownId::Package(id.package)))?;
    let item = if id.item == WILDCARD {
        "*"
    } else {
        names
            .item_name(id.package, kind, id.item)
            .ok_or(BerErrorKind::UnknownName(UnknownId::Item {
                package: id.package,
                kind,
                item: id.item,
            }))?
    };
    if id.package == ANNEX_C {
        return Ok(Text::from(item));
    }
    let mut text = Text::with_capacity(package.len() + 1 + item.len());
    text.push_str(package);
    text.push('/');
    text.push_str(item);
    Ok(text)
}

/// A parameter name of event or signal `owner` → its ID.
pub(crate) fn parameter_id(
    names: &dyn BinaryNames,
    kind: ParameterKind,
    owner: PkgdId,
    name: &str,
) -> Result<u16, BerEncodeError> {
    names
        .parameter_id(owner.package, kind, owner.item, name)
        .ok_or_else(|| no_id(NameKind::Parameter(kind), name))
}

/// A parameter ID of event or signal `owner` → its name.
pub(crate) fn parameter_name(
    names: &dyn BinaryNames,
    kind: ParameterKind,
    owner: PkgdId,
    id: u16,
) -> Result<Text, BerErrorKind> {
    names
        .parameter_name(owner.package, kind, owner.item, id)
        .map(Text::from)
        .ok_or(BerErrorKind::UnknownName(UnknownId::Parameter {
            package: owner.package,
            kind,
            item: owner.item,
            parameter: id,
        }))
}

/// A package name (Packages descriptor) → its ID.
pub(crate) fn package_id(names: &dyn BinaryNames, name: &str) -> Result<u16, BerEncodeError> {
    names
        .package_id(name)
        .ok_or_else(|| no_id(NameKind::Package, name))
}

/// A package ID → its name.
pub(crate) fn package_name(names: &dyn BinaryNames, id: u16) -> Result<Text, BerErrorKind> {
    names
        .package_name(id)
        .map(Text::from)
        .ok_or(BerErrorKind::UnknownName(UnknownId::Package(id)))
}

const DIGIT_MAP_PREFIX: &str = "dialplan";

/// A digit map name → its two octets.
pub(crate) fn digit_map_id(name: &str) -> Result<[u8; 2], BerEncodeError> {
    let suffix = name
        .strip_prefix(DIGIT_MAP_PREFIX)
        .ok_or_else(|| no_id(NameKind::DigitMap, name))?;
    match suffix.as_bytes() {
        [a @ b'0'..=b'9', b @ b'0'..=b'9'] => Ok([a - b'0', b - b'0']),
        digits if digits.len() == 4 => u16::from_str_radix(suffix, 16)
            .map(u16::to_be_bytes)
            .map_err(|_| no_id(NameKind::DigitMap, name)),
        _ => Err(no_id(NameKind::DigitMap, name)),
    }
}

/// Two octets → a digit map name.
pub(crate) fn digit_map_name(octets: [u8; 2]) -> Text {
    let mut text = Text::const_new(DIGIT_MAP_PREFIX);
    match octets {
        [a @ 0..=9, b @ 0..=9] => {
            text.push(char::from(b'0' + a));
            text.push(char::from(b'0' + b));
        }
        _ => {
            for octet in octets {
                for nibble in [octet >> 4, octet & 0xf] {
                    text.push(char::from_digit(u32::from(nibble), 16).unwrap_or('0'));
                }
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::package::Catalogue;

    #[test]
    fn pkgd_names_round_trip_with_wildcards_and_annex_c() {
        let names = Catalogue::base();
        for (text, package, item) in [
            ("al/of", 0x0009, 0x0005),
            ("al/*", 0x0009, 0xffff),
            ("*/*", 0xffff, 0xffff),
            ("m", 0x0000, 0xb00f),
        ] {
            let id = pkgd_id(names, ItemKind::Event, text)
                .or_else(|_| pkgd_id(names, ItemKind::Property, text));
            let id = id.unwrap();
            assert_eq!((id.package, id.item), (package, item), "{text}");
            let kind = if package == 0 {
                ItemKind::Property
            } else {
                ItemKind::Event
            };
            assert_eq!(pkgd_name(names, kind, id).unwrap(), text);
        }
        assert!(matches!(
            pkgd_id(names, ItemKind::Event, "al/nosuch"),
            Err(BerEncodeError::NoBinaryId { .. })
        ));
        assert!(matches!(
            pkgd_id(names, ItemKind::Event, "*/of"),
            Err(BerEncodeError::NoBinaryId { .. })
        ));
        assert!(pkgd_name(
            names,
            ItemKind::Event,
            PkgdId {
                package: 0xffff,
                item: 1
            }
        )
        .is_err());
        assert_eq!(
            pkgd_name(
                names,
                ItemKind::Event,
                PkgdId {
                    package: 0x1234,
                    item: 1
                }
            ),
            Err(BerErrorKind::UnknownName(UnknownId::Package(0x1234)))
        );
    }

    #[test]
    fn digit_map_names() {
        assert_eq!(digit_map_id("dialplan00").unwrap(), [0, 0]);
        assert_eq!(digit_map_name([0, 7]), "dialplan07");
        assert_eq!(digit_map_name([0x12, 0xab]), "dialplan12ab");
        assert_eq!(digit_map_id("dialplan12ab").unwrap(), [0x12, 0xab]);
        assert!(digit_map_id("mymap").is_err());
    }
}
