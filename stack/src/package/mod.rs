//! Packages (H.248.1 clause 12): the catalogue of package definitions and the
//! small interface through which the binary codec turns `pkg/item` names into
//! their binary IDs and back.
//!
//! A package has a text name (`al`), a binary ID (its IANA serial, 0x0009), a
//! version, optionally a package it extends (clause 12.1.4: the extension
//! inherits every item of its parent), and items — properties, events,
//! signals, statistics — each with its own ID, and for events and signals,
//! parameters with IDs scoped to that event or signal.
//!
//! The base packages of H.248.1 (Annex C media stream properties, Annex E)
//! come with this crate ([`Catalogue::base`]); the IANA registry, the H.248.x
//! and 3GPP packages and users' vendor packages are added by `h248-profiles`.

mod base;

use rustc_hash::FxHashMap as HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::Text;

/// The kinds of package items that have binary IDs (clause 12.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Property,
    Event,
    Signal,
    Statistic,
}

impl ItemKind {
    /// Every kind, in the order of H.248.1 clause 12.1's package items.
    pub const ALL: [ItemKind; 4] = [
        ItemKind::Property,
        ItemKind::Event,
        ItemKind::Signal,
        ItemKind::Statistic,
    ];
}

/// What a parameter belongs to: an event (requested or observed) or a signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParameterKind {
    Event,
    Signal,
}

/// The names ↔ binary IDs lookups the BER codec needs (H.248.1 Annex A:
/// `PkgdName` is two octets of package ID then two of item ID; `Name` of an
/// event or signal parameter is two octets scoped to its event or signal).
pub trait BinaryNames {
    /// Binary ID of the package with this text name.
    fn package_id(&self, name: &str) -> Option<u16>;
    /// Text name of the package with this binary ID.
    fn package_name(&self, id: u16) -> Option<&str>;
    /// ID of item `name` of `kind` in the package (or a package it extends).
    fn item_id(&self, package_id: u16, kind: ItemKind, name: &str) -> Option<u16>;
    /// Name of item `id` of `kind` in the package (or a package it extends).
    fn item_name(&self, package_id: u16, kind: ItemKind, id: u16) -> Option<&str>;
    /// ID of parameter `name` of event or signal `item_id` of the package.
    fn parameter_id(
        &self,
        package_id: u16,
        kind: ParameterKind,
        item_id: u16,
        name: &str,
    ) -> Option<u16>;
    /// Name of parameter `id` of event or signal `item_id` of the package.
    fn parameter_name(
        &self,
        package_id: u16,
        kind: ParameterKind,
        item_id: u16,
        id: u16,
    ) -> Option<&str>;

    /// The text form of item `item_id` of `kind` of the package: `pkg/item`,
    /// or the item's name alone in the Annex C pseudo package (ID 0x0000,
    /// whose properties have no prefix in text); `None` when the package or
    /// the item is unknown. Provided from [`Self::package_name`] and
    /// [`Self::item_name`]; [`Catalogue`] answers from an index instead,
    /// since the binary decoder asks for every package item of a message.
    fn item_text(&self, package_id: u16, kind: ItemKind, item_id: u16) -> Option<Text> {
        item_text_of(self, package_id, kind, item_id)
    }

    /// The SDP type letter of Annex C property `item_id` (H.248.1 C.11: the
    /// SDP equivalents are the properties named by one lower-case letter),
    /// `None` when it is not one or is unknown. Provided from
    /// [`Self::item_name`]; [`Catalogue`] answers from a table, since the
    /// binary decoder asks for every line of a Local or Remote descriptor.
    fn sdp_letter(&self, item_id: u16) -> Option<u8> {
        sdp_letter_of(self.item_name(ANNEX_C_ID, ItemKind::Property, item_id)?)
    }
}

/// The SDP type letter an Annex C property named `name` stands for.
fn sdp_letter_of(name: &str) -> Option<u8> {
    match *name.as_bytes() {
        [letter] if letter.is_ascii_lowercase() => Some(letter),
        _ => None,
    }
}

/// The Annex C property IDs whose SDP letters [`Catalogue`] keeps in a
/// table (C.11 gives the SDP equivalents 0xB001 to 0xB00F), by their low
/// four bits.
const SDP_LETTER_IDS: u16 = 0xB000;

/// [`BinaryNames::item_text`] from the package and item names.
fn item_text_of<N: BinaryNames + ?Sized>(
    names: &N,
    package_id: u16,
    kind: ItemKind,
    item_id: u16,
) -> Option<Text> {
    let package = names.package_name(package_id)?;
    let item = names.item_name(package_id, kind, item_id)?;
    Some(join_item_text(package_id, package, item))
}

/// `package/item`, or `item` alone in the Annex C pseudo package.
fn join_item_text(package_id: u16, package: &str, item: &str) -> Text {
    if package_id == ANNEX_C_ID {
        return Text::from(item);
    }
    let mut text = Text::with_capacity(package.len() + 1 + item.len());
    text.push_str(package);
    text.push('/');
    text.push_str(item);
    text
}

/// The package ID of the Annex C properties.
const ANNEX_C_ID: u16 = 0x0000;

/// Key of [`Catalogue`]'s item text index.
fn item_key(package_id: u16, kind: ItemKind, item_id: u16) -> u64 {
    (u64::from(package_id) << 32) | ((kind as u64) << 16) | u64::from(item_id)
}

/// The type of a property, parameter or statistic value (clause 12.1.2 and
/// Annex C "Type" column).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueType {
    Boolean,
    Integer,
    Double,
    /// UTF-8 / IA5 text.
    String,
    /// Octets (hex in text).
    OctetString,
    /// One of the named values, with their binary encodings.
    Enumeration(Vec<EnumValue>),
    /// A list of values of the inner type.
    SubList(Box<ValueType>),
}

/// A named value of an enumeration and its binary value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumValue {
    pub name: Text,
    pub id: u32,
}

/// A parameter of an event or signal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParameterDef {
    pub name: Text,
    pub id: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_type: Option<ValueType>,
}

/// A property, event, signal or statistic of a package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemDef {
    pub name: Text,
    pub id: u16,
    /// The value type of a property or statistic; for events, the type of
    /// the event's value where it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_type: Option<ValueType>,
    /// Parameters of an event or a signal.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<ParameterDef>,
}

/// Where a package's definition comes from and how sure it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provenance {
    /// Checked against the named source (e.g. "RFC 3525 Annex E.9",
    /// "IANA registry 2017-12-11").
    Confirmed(Text),
    /// Taken from a secondary source or inferred; says from where and what
    /// is unsure.
    Unconfirmed(Text),
}

/// A reference to a package version, as in "extends al v1".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageRef {
    pub name: Text,
    pub version: u8,
}

/// The definition of one package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// Text name (Annex B `PackageName`), e.g. `al`.
    pub name: Text,
    /// Binary ID (the IANA serial), e.g. 0x0009.
    pub id: u16,
    pub version: u8,
    /// The package this one extends, whose items it inherits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extends: Option<PackageRef>,
    /// Human title, e.g. "Analog Line Supervision".
    #[serde(default)]
    pub title: Text,
    /// The defining document, e.g. "H.248.1 Annex E.9".
    #[serde(default)]
    pub reference: Text,
    pub provenance: Provenance,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<ItemDef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<ItemDef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signals: Vec<ItemDef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statistics: Vec<ItemDef>,
}

impl Package {
    /// The items of `kind` defined by this package itself (not inherited).
    pub fn items(&self, kind: ItemKind) -> &[ItemDef] {
        match kind {
            ItemKind::Property => &self.properties,
            ItemKind::Event => &self.events,
            ItemKind::Signal => &self.signals,
            ItemKind::Statistic => &self.statistics,
        }
    }
}

/// Why a package could not be added to a catalogue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    #[error("package name {name:?} is already used by ID {existing:#06x}")]
    DuplicateName { name: Text, existing: u16 },
    #[error("package ID {id:#06x} is already used by {existing:?}")]
    DuplicateId { id: u16, existing: Text },
    #[error("package {package:?}: {kind:?} ID {id:#06x} is used twice")]
    DuplicateItemId {
        package: Text,
        kind: ItemKind,
        id: u16,
    },
    #[error("package {package:?}: {kind:?} {item:?} is defined twice")]
    DuplicateItemName {
        package: Text,
        kind: ItemKind,
        item: Text,
    },
}

/// A set of package definitions, looked up by name and by binary ID. Names
/// are matched without regard to ASCII case, as the text encoding's are
/// (H.248.1 Annex B: the grammar is case-insensitive outside quoted strings).
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    packages: Vec<Package>,
    /// Indexes by lower-case name and by binary ID, with FxHash: the codecs
    /// look a name up for every package item of a message, and these keys
    /// come from the catalogue's own data, not from peers.
    by_name: HashMap<Text, usize>,
    by_id: HashMap<u16, usize>,
    /// The text form ([`BinaryNames::item_text`]) of every item a package
    /// defines itself, by package ID, kind and item ID (see [`item_key`]).
    /// Inherited items are not in it and are found through the `extends`
    /// chain, as before.
    item_texts: HashMap<u64, Text>,
    /// [`BinaryNames::sdp_letter`] of the Annex C properties 0xB000 to
    /// 0xB00F by their low four bits, 0 for none.
    sdp_letters: [u8; 16],
}

/// Longest `extends` chain followed; guards against cycles in loaded data.
const MAX_EXTENDS_DEPTH: usize = 16;

/// Longest package or item name (Annex B `NAME` is at most 64 characters).
const MAX_NAME_LEN: usize = 64;

/// `name` in ASCII lower case, in `buf` (no allocation); `None` when it is
/// longer than any valid name.
fn lowercase_key<'b>(name: &str, buf: &'b mut [u8; MAX_NAME_LEN]) -> Option<&'b str> {
    let bytes = name.as_bytes();
    let out = buf.get_mut(..bytes.len())?;
    for (o, b) in out.iter_mut().zip(bytes) {
        *o = b.to_ascii_lowercase();
    }
    std::str::from_utf8(out).ok()
}

impl Catalogue {
    /// An empty catalogue.
    pub fn new() -> Self {
        Catalogue::default()
    }

    /// The base packages of H.248.1: the Annex C media stream properties
    /// (package ID 0x0000, text name `""`: Annex C properties have no package
    /// prefix in text) and the Annex E
    /// packages `g`, `root`, `tonegen`, `tonedet`, `dg`, `dd`, `cg`, `cd`,
    /// `al`, `ct`, `nt`, `rtp` and `tdmc`. Built once on first use and shared;
    /// clone it to add packages.
    pub fn base() -> &'static Catalogue {
        base::catalogue()
    }

    /// Adds a package. Its name and ID must be new, and within it item IDs and
    /// names must be unique per kind.
    pub fn add(&mut self, package: Package) -> Result<(), CatalogueError> {
        if let Some(i) = self.index_of(&package.name) {
            return Err(CatalogueError::DuplicateName {
                name: package.name,
                existing: self.packages[i].id,
            });
        }
        if let Some(&i) = self.by_id.get(&package.id) {
            return Err(CatalogueError::DuplicateId {
                id: package.id,
                existing: self.packages[i].name.clone(),
            });
        }
        for kind in ItemKind::ALL {
            let items = package.items(kind);
            for (n, item) in items.iter().enumerate() {
                if items[..n].iter().any(|other| other.id == item.id) {
                    return Err(CatalogueError::DuplicateItemId {
                        package: package.name.clone(),
                        kind,
                        id: item.id,
                    });
                }
                if items[..n]
                    .iter()
                    .any(|other| other.name.eq_ignore_ascii_case(&item.name))
                {
                    return Err(CatalogueError::DuplicateItemName {
                        package: package.name.clone(),
                        kind,
                        item: item.name.clone(),
                    });
                }
            }
        }
        let index = self.packages.len();
        self.by_name
            .insert(package.name.to_ascii_lowercase(), index);
        self.by_id.insert(package.id, index);
        self.index_item_texts(&package);
        self.packages.push(package);
        Ok(())
    }

    /// Adds the text forms of the items `package` defines to `item_texts`.
    fn index_item_texts(&mut self, package: &Package) {
        if package.id == ANNEX_C_ID {
            for item in &package.properties {
                if item.id & 0xfff0 == SDP_LETTER_IDS {
                    self.sdp_letters[usize::from(item.id & 0x000f)] =
                        sdp_letter_of(&item.name).unwrap_or(0);
                }
            }
        }
        for kind in ItemKind::ALL {
            for item in package.items(kind) {
                self.item_texts.insert(
                    item_key(package.id, kind, item.id),
                    join_item_text(package.id, &package.name, &item.name),
                );
            }
        }
    }

    /// Adds a package, replacing any package with the same name or ID (used
    /// when a more detailed definition supersedes a registry entry).
    pub fn replace(&mut self, package: Package) -> Result<(), CatalogueError> {
        let stale: Vec<usize> = [
            self.index_of(&package.name),
            self.by_id.get(&package.id).copied(),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !stale.is_empty() {
            let mut kept: Vec<Package> = std::mem::take(&mut self.packages)
                .into_iter()
                .enumerate()
                .filter(|(i, _)| !stale.contains(i))
                .map(|(_, p)| p)
                .collect();
            self.by_name.clear();
            self.by_id.clear();
            self.item_texts.clear();
            self.sdp_letters = [0; 16];
            for (i, p) in kept.iter().enumerate() {
                self.by_name.insert(p.name.to_ascii_lowercase(), i);
                self.by_id.insert(p.id, i);
                self.index_item_texts(p);
            }
            self.packages.append(&mut kept);
        }
        self.add(package)
    }

    fn index_of(&self, name: &str) -> Option<usize> {
        let mut buf = [0u8; MAX_NAME_LEN];
        self.by_name.get(lowercase_key(name, &mut buf)?).copied()
    }

    /// The package with this text name (any ASCII case).
    pub fn get(&self, name: &str) -> Option<&Package> {
        self.index_of(name).map(|i| &self.packages[i])
    }

    /// The package with this binary ID.
    pub fn get_by_id(&self, id: u16) -> Option<&Package> {
        self.by_id.get(&id).map(|&i| &self.packages[i])
    }

    /// Every package, in the order added.
    pub fn packages(&self) -> impl Iterator<Item = &Package> {
        self.packages.iter()
    }

    pub fn len(&self) -> usize {
        self.packages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.packages.is_empty()
    }

    /// The package and then each package it extends, nearest first.
    fn lineage(&self, package_id: u16) -> impl Iterator<Item = &Package> {
        let mut next = self.get_by_id(package_id);
        let mut depth = 0;
        std::iter::from_fn(move || {
            let current = next?;
            depth += 1;
            next = if depth < MAX_EXTENDS_DEPTH {
                current
                    .extends
                    .as_ref()
                    .and_then(|parent| self.get(&parent.name))
            } else {
                None
            };
            Some(current)
        })
    }

    /// The definition of item `id` of `kind`, searching the extends chain.
    pub fn item_by_id(&self, package_id: u16, kind: ItemKind, id: u16) -> Option<&ItemDef> {
        self.lineage(package_id)
            .find_map(|p| p.items(kind).iter().find(|item| item.id == id))
    }

    /// The definition of item `name` of `kind`, searching the extends chain.
    pub fn item_by_name(&self, package_id: u16, kind: ItemKind, name: &str) -> Option<&ItemDef> {
        self.lineage(package_id).find_map(|p| {
            p.items(kind)
                .iter()
                .find(|item| item.name.eq_ignore_ascii_case(name))
        })
    }
}

impl fmt::Display for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Provenance::Confirmed(source) => write!(f, "confirmed: {source}"),
            Provenance::Unconfirmed(note) => write!(f, "unconfirmed: {note}"),
        }
    }
}

fn parameter_kind_items(kind: ParameterKind) -> ItemKind {
    match kind {
        ParameterKind::Event => ItemKind::Event,
        ParameterKind::Signal => ItemKind::Signal,
    }
}

impl BinaryNames for Catalogue {
    fn package_id(&self, name: &str) -> Option<u16> {
        self.get(name).map(|p| p.id)
    }

    fn package_name(&self, id: u16) -> Option<&str> {
        self.get_by_id(id).map(|p| p.name.as_str())
    }

    fn item_id(&self, package_id: u16, kind: ItemKind, name: &str) -> Option<u16> {
        self.item_by_name(package_id, kind, name)
            .map(|item| item.id)
    }

    fn item_name(&self, package_id: u16, kind: ItemKind, id: u16) -> Option<&str> {
        self.item_by_id(package_id, kind, id)
            .map(|item| item.name.as_str())
    }

    fn parameter_id(
        &self,
        package_id: u16,
        kind: ParameterKind,
        item_id: u16,
        name: &str,
    ) -> Option<u16> {
        let item = self.item_by_id(package_id, parameter_kind_items(kind), item_id)?;
        item.parameters
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
            .map(|p| p.id)
    }

    fn parameter_name(
        &self,
        package_id: u16,
        kind: ParameterKind,
        item_id: u16,
        id: u16,
    ) -> Option<&str> {
        let item = self.item_by_id(package_id, parameter_kind_items(kind), item_id)?;
        item.parameters
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.name.as_str())
    }

    fn item_text(&self, package_id: u16, kind: ItemKind, item_id: u16) -> Option<Text> {
        match self.item_texts.get(&item_key(package_id, kind, item_id)) {
            Some(text) => Some(text.clone()),
            // Not defined by the package itself: inherited, or unknown.
            None => item_text_of(self, package_id, kind, item_id),
        }
    }

    fn sdp_letter(&self, item_id: u16) -> Option<u8> {
        if item_id & 0xfff0 == SDP_LETTER_IDS {
            let letter = self.sdp_letters[usize::from(item_id & 0x000f)];
            return (letter != 0).then_some(letter);
        }
        sdp_letter_of(self.item_name(ANNEX_C_ID, ItemKind::Property, item_id)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(name: &str, id: u16) -> ItemDef {
        ItemDef {
            name: name.into(),
            id,
            value_type: None,
            parameters: Vec::new(),
        }
    }

    fn package(name: &str, id: u16, extends: Option<&str>) -> Package {
        Package {
            name: name.into(),
            id,
            version: 1,
            extends: extends.map(|n| PackageRef {
                name: n.into(),
                version: 1,
            }),
            title: Text::default(),
            reference: Text::default(),
            provenance: Provenance::Unconfirmed("test".into()),
            properties: Vec::new(),
            events: Vec::new(),
            signals: Vec::new(),
            statistics: Vec::new(),
        }
    }

    #[test]
    fn extended_packages_inherit_items_and_parameters() {
        let mut base = package("base", 0x10, None);
        let mut ev = item("ev", 1);
        ev.parameters.push(ParameterDef {
            name: "p".into(),
            id: 7,
            value_type: None,
        });
        base.events.push(ev);
        let mut ext = package("ext", 0x11, Some("base"));
        ext.events.push(item("ev2", 2));
        let mut cat = Catalogue::new();
        cat.add(base).unwrap();
        cat.add(ext).unwrap();
        assert_eq!(cat.item_id(0x11, ItemKind::Event, "ev"), Some(1));
        assert_eq!(cat.item_name(0x11, ItemKind::Event, 2), Some("ev2"));
        assert_eq!(
            cat.parameter_id(0x11, ParameterKind::Event, 1, "p"),
            Some(7)
        );
        assert_eq!(
            cat.parameter_name(0x10, ParameterKind::Event, 1, 7),
            Some("p")
        );
        assert_eq!(cat.item_id(0x10, ItemKind::Event, "ev2"), None);
        assert_eq!(cat.package_id("BASE"), Some(0x10));
        assert_eq!(cat.item_id(0x11, ItemKind::Event, "EV"), Some(1));
        assert_eq!(
            cat.parameter_id(0x11, ParameterKind::Event, 1, "P"),
            Some(7)
        );
    }

    #[test]
    fn duplicates_are_refused_and_cycles_do_not_hang() {
        let mut cat = Catalogue::new();
        cat.add(package("a", 1, Some("b"))).unwrap();
        cat.add(package("b", 2, Some("a"))).unwrap();
        assert!(matches!(
            cat.add(package("a", 3, None)),
            Err(CatalogueError::DuplicateName { .. })
        ));
        assert!(matches!(
            cat.add(package("c", 2, None)),
            Err(CatalogueError::DuplicateId { .. })
        ));
        assert_eq!(cat.item_id(1, ItemKind::Property, "nothing"), None);
        let mut dup = package("d", 4, None);
        dup.properties = vec![item("x", 1), item("y", 1)];
        assert!(matches!(
            cat.add(dup),
            Err(CatalogueError::DuplicateItemId { .. })
        ));
    }

    #[test]
    fn replace_supersedes_by_name_or_id() {
        let mut cat = Catalogue::new();
        cat.add(package("a", 1, None)).unwrap();
        cat.add(package("b", 2, None)).unwrap();
        let mut detailed = package("a", 1, None);
        detailed.properties.push(item("p", 1));
        cat.replace(detailed).unwrap();
        assert_eq!(cat.len(), 2);
        assert_eq!(cat.item_id(1, ItemKind::Property, "p"), Some(1));
        assert_eq!(cat.package_name(2), Some("b"));
    }

    /// The catalogue's SDP letter table answers as the item names do, for
    /// every Annex C property ID, in the base catalogue and after the Annex
    /// C package is replaced by one that renames a letter and drops one.
    #[test]
    fn sdp_letters_match_the_annex_c_item_names() {
        // The answer `BinaryNames::sdp_letter` gives without the table.
        let agree = |cat: &Catalogue| {
            for id in 0..=u16::MAX {
                let by_name = cat
                    .item_name(ANNEX_C_ID, ItemKind::Property, id)
                    .and_then(sdp_letter_of);
                assert_eq!(cat.sdp_letter(id), by_name, "{id:#06x}");
            }
        };
        let base = Catalogue::base();
        agree(base);
        assert_eq!(base.sdp_letter(0xB001), Some(b'v'));
        assert_eq!(base.sdp_letter(0xB00F), Some(b'm'));
        assert_eq!(base.sdp_letter(0xB000), None);
        assert_eq!(base.sdp_letter(0x1001), None);

        let mut cat = base.clone();
        let mut annex_c = base.get_by_id(0).unwrap().clone();
        annex_c.properties.retain(|p| p.id != 0xB00C);
        for p in &mut annex_c.properties {
            if p.id == 0xB001 {
                p.name = "vv".into();
            }
        }
        cat.replace(annex_c).unwrap();
        agree(&cat);
        assert_eq!(cat.sdp_letter(0xB001), None);
        assert_eq!(cat.sdp_letter(0xB00C), None);
        assert_eq!(cat.sdp_letter(0xB00F), Some(b'm'));
    }

    /// The item text index answers as the composition of package and item
    /// names it stands for: own items, inherited items, Annex C, unknown IDs,
    /// and after `replace`.
    #[test]
    fn item_text_matches_package_and_item_names() {
        let base = Catalogue::base();
        for package in base.packages() {
            for kind in ItemKind::ALL {
                for item in package.items(kind) {
                    let expected = item_text_of(base, package.id, kind, item.id);
                    assert_eq!(base.item_text(package.id, kind, item.id), expected);
                    assert!(expected.is_some());
                }
            }
        }
        assert_eq!(base.item_text(0, ItemKind::Property, 0xb00f).unwrap(), "m");
        assert_eq!(
            base.item_text(0x0009, ItemKind::Event, 0x0005).unwrap(),
            "al/of"
        );
        assert_eq!(base.item_text(0x0009, ItemKind::Event, 0x7777), None);
        assert_eq!(base.item_text(0x7777, ItemKind::Event, 0x0005), None);

        let mut cat = Catalogue::new();
        let mut parent = package("parent", 0x10, None);
        parent.events.push(item("ev", 1));
        cat.add(parent).unwrap();
        let mut child = package("child", 0x11, Some("parent"));
        child.events.push(item("own", 2));
        cat.add(child).unwrap();
        assert_eq!(
            cat.item_text(0x11, ItemKind::Event, 2).unwrap(),
            "child/own"
        );
        assert_eq!(cat.item_text(0x11, ItemKind::Event, 1).unwrap(), "child/ev");
        let mut renamed = package("parent2", 0x10, None);
        renamed.events.push(item("ev2", 1));
        cat.replace(renamed).unwrap();
        assert_eq!(
            cat.item_text(0x10, ItemKind::Event, 1).unwrap(),
            "parent2/ev2"
        );
        assert_eq!(
            cat.item_text(0x11, ItemKind::Event, 2).unwrap(),
            "child/own"
        );
    }
}
