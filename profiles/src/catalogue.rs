//! The shipped package catalogue: the IANA registry, item-level definitions
//! taken from Wireshark 4.0.17, and the packages of the 3GPP Mp (TS 29.333)
//! and Iq (TS 29.334) profiles.
//!
//! Data files (all embedded at build; nothing is read at run time):
//! - `packages/iana-packages.tsv`: every registered package by name, serial
//!   (binary ID), version and parent ([`crate::iana`]);
//! - `packages/wireshark.toml`: packages whose item IDs Wireshark 4.0.17
//!   gives (its `packet-h248_*.c` dissectors), outside the H.248.1 base set;
//! - `packages/profiles.toml`: item-level data for the Mp / Iq profile
//!   packages as far as a source gives the IDs;
//! - `packages/known-names.toml`: item names of profile packages whose
//!   binary IDs no source read gives ([`text_only_items`]).
//!
//! Where a detailed definition and the registry describe the same package,
//! the detailed one replaces the registry entry; its name, ID, version and
//! parent must agree with the registry ([`full_from`] checks).

use std::collections::{HashMap, HashSet};

use h248_stack::model::Text;
use h248_stack::package::{Catalogue, CatalogueError, ItemKind, Package, PackageRef, Provenance};
use serde::Deserialize;

use crate::iana::{self, IanaEntry, IanaParseError, REGISTRY_SOURCE};
use crate::load::{load_toml, CatalogueLoadError, Described};

/// The shipped TOML package files, by file name.
pub const SHIPPED_FILES: &[(&str, &str)] = &[
    ("wireshark.toml", include_str!("../packages/wireshark.toml")),
    ("profiles.toml", include_str!("../packages/profiles.toml")),
];

/// The shipped list of item names without known binary IDs.
pub const KNOWN_NAMES_FILE: &str = include_str!("../packages/known-names.toml");

/// Why the shipped data could not be assembled into a catalogue (a bug in
/// the data; the crate's tests check that it does not happen).
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Registry(#[from] IanaParseError),
    #[error("{file}: {source}")]
    Load {
        file: &'static str,
        source: CatalogueLoadError,
    },
    #[error("{file}: {package}: {source}")]
    Catalogue {
        file: &'static str,
        package: Text,
        source: CatalogueError,
    },
    #[error("{file}: {detailed} does not agree with the registry entry {registry}")]
    RegistryMismatch {
        file: &'static str,
        detailed: String,
        registry: String,
    },
    #[error("{file}: {package} would replace a package of the starting (base) catalogue")]
    ReplacesBase { file: &'static str, package: String },
    #[error("registry entry {name:?} ({id:#06x}) disagrees with the starting catalogue")]
    BaseMismatch { name: Text, id: u16 },
    #[error("package {name:?} extends serial {parent:#06x}, which no source names")]
    UnknownParent { name: Text, parent: u16 },
}

/// The complete shipped catalogue: [`full_from`] the H.248.1 base packages
/// of `h248-stack` (Annex C and Annex E, `Catalogue::base()`, with every
/// item and ID), then the registry and the detailed definitions.
///
/// # Panics
/// Only if the embedded data is inconsistent, which the crate's tests rule
/// out (`full_from` on the shipped files must succeed).
pub fn full() -> Catalogue {
    match full_from(Catalogue::base().clone()) {
        Ok(catalogue) => catalogue,
        Err(e) => panic!("shipped package data is inconsistent: {e}"),
    }
}

/// Builds the shipped catalogue on top of `start` (normally the H.248.1 base
/// catalogue): registry entries for every package `start` lacks, then the
/// detailed definitions, each replacing its registry entry.
pub fn full_from(start: Catalogue) -> Result<Catalogue, BuildError> {
    let registry = iana::parse(iana::IANA_PACKAGES_TSV)?;
    let mut detailed: Vec<(&'static str, Vec<Package>)> = Vec::new();
    for (file, text) in SHIPPED_FILES {
        let packages = load_toml(text).map_err(|source| BuildError::Load { file, source })?;
        detailed.push((file, packages));
    }

    // Serial -> name, for resolving the registry's `extends` serials.
    let mut names_by_id: HashMap<u16, Text> = HashMap::new();
    for p in start.packages() {
        names_by_id.insert(p.id, p.name.clone());
    }
    for (_, packages) in &detailed {
        for p in packages {
            names_by_id.entry(p.id).or_insert_with(|| p.name.clone());
        }
    }
    for e in &registry.entries {
        names_by_id.insert(e.id, e.name.clone());
    }

    let base_ids: HashSet<u16> = start.packages().map(|p| p.id).collect();
    let mut catalogue = start;
    let mut from_registry: HashMap<u16, Package> = HashMap::new();
    for entry in &registry.entries {
        let package = registry_package(entry, &names_by_id)?;
        let same_id = catalogue.get_by_id(entry.id).map(|p| p.name.clone());
        let same_name = catalogue.get(&entry.name).map(|p| p.id);
        match (same_id, same_name) {
            (None, None) => {
                from_registry.insert(entry.id, package.clone());
                catalogue
                    .add(package)
                    .map_err(|source| BuildError::Catalogue {
                        file: "iana-packages.tsv",
                        package: entry.name.clone(),
                        source,
                    })?;
            }
            (Some(name), Some(id)) if name == entry.name && id == entry.id => {}
            _ => {
                return Err(BuildError::BaseMismatch {
                    name: entry.name.clone(),
                    id: entry.id,
                })
            }
        }
    }

    for (file, packages) in detailed {
        for package in packages {
            if base_ids.contains(&package.id)
                || catalogue
                    .get(&package.name)
                    .is_some_and(|p| base_ids.contains(&p.id))
            {
                return Err(BuildError::ReplacesBase {
                    file,
                    package: Described(&package).to_string(),
                });
            }
            let registered = from_registry
                .get(&package.id)
                .or_else(|| {
                    catalogue
                        .get(&package.name)
                        .and_then(|p| from_registry.get(&p.id))
                })
                .cloned();
            if let Some(registered) = registered {
                if !agrees_with_registry(&package, &registered) {
                    return Err(BuildError::RegistryMismatch {
                        file,
                        detailed: describe_with_parent(&package),
                        registry: describe_with_parent(&registered),
                    });
                }
            }
            let name = package.name.clone();
            catalogue
                .replace(package)
                .map_err(|source| BuildError::Catalogue {
                    file,
                    package: name,
                    source,
                })?;
        }
    }
    Ok(catalogue)
}

/// True if a detailed definition keeps the registry's name, serial, version
/// and parent.
pub fn agrees_with_registry(detailed: &Package, registered: &Package) -> bool {
    detailed.name == registered.name
        && detailed.id == registered.id
        && detailed.version == registered.version
        && detailed.extends == registered.extends
}

fn describe_with_parent(p: &Package) -> String {
    match &p.extends {
        Some(parent) => format!(
            "{} extends {} v{}",
            Described(p),
            parent.name,
            parent.version
        ),
        None => Described(p).to_string(),
    }
}

/// The package a registry row stands for (no items).
fn registry_package(
    entry: &IanaEntry,
    names_by_id: &HashMap<u16, Text>,
) -> Result<Package, BuildError> {
    let extends = match entry.extends {
        None => None,
        Some((parent, version)) => {
            let name = names_by_id
                .get(&parent)
                .ok_or_else(|| BuildError::UnknownParent {
                    name: entry.name.clone(),
                    parent,
                })?;
            Some(PackageRef {
                name: name.clone(),
                version,
            })
        }
    };
    let reference = if entry.status == "Final" || entry.status.is_empty() {
        entry.reference.clone()
    } else {
        format!(
            "{} (registry status: {}, in progress)",
            entry.reference, entry.status
        )
        .into()
    };
    Ok(Package {
        name: entry.name.clone(),
        id: entry.id,
        version: entry.version,
        extends,
        title: Text::default(),
        reference,
        provenance: Provenance::Confirmed(REGISTRY_SOURCE.into()),
        properties: Vec::new(),
        events: Vec::new(),
        signals: Vec::new(),
        statistics: Vec::new(),
    })
}

/// An item known by its text name only: no source read gives its binary ID,
/// so it is not in the binary catalogue (the binary codec cannot encode it).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextOnlyItem {
    /// Text name of the package.
    pub package: Text,
    pub kind: ItemKind,
    /// Text name of the item, or of the parameter when `parameter_of` is set.
    pub name: Text,
    /// For a parameter, the event or signal it belongs to.
    #[serde(default)]
    pub parameter_of: Option<Text>,
    /// Human title where the source gives one.
    #[serde(default)]
    pub title: Text,
    /// Where the name comes from.
    pub source: Text,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KnownNamesFile {
    #[serde(default)]
    item: Vec<TextOnlyItem>,
}

/// Items of shipped packages that are known by text name only (the
/// "known gaps" of `packages/README.md`).
pub fn text_only_items() -> Result<Vec<TextOnlyItem>, CatalogueLoadError> {
    parse_known_names(KNOWN_NAMES_FILE)
}

fn parse_known_names(text: &str) -> Result<Vec<TextOnlyItem>, CatalogueLoadError> {
    toml::from_str::<KnownNamesFile>(text)
        .map(|f| f.item)
        .map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            let before = text.get(..offset).unwrap_or(text);
            CatalogueLoadError::Syntax {
                line: before.matches('\n').count() + 1,
                column: before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1,
                message: e.message().to_string(),
            }
        })
}
