//! The TOML format for package definitions, its validation, and adding
//! loaded (vendor) packages to a catalogue.
//!
//! A file holds `[[package]]` tables, each the serde form of
//! [`h248_stack::package::Package`]; `profiles/packages/README.md` documents
//! the format with a commented example. The same format carries the shipped
//! data and users' own vendor packages.
//!
//! Validation on load (H.248.1 Annex B and clause 12):
//! - every package, item and parameter name matches the text grammar
//!   `NAME = ALPHA *(ALPHA / DIGIT / "_")` and is at most 64 characters;
//! - package IDs are 0x0001..=0xffff (0x0000 is the Annex C media stream
//!   property space of the base catalogue), item and parameter IDs are
//!   0x0001..=0xffff (0x0000 is the binary wildcard / "no item"), versions
//!   are at least 1;
//! - within a package, item IDs and names are unique per kind, and within an
//!   event or signal, parameter IDs and names are unique;
//! - no package name or ID appears twice in one file;
//! - no unknown keys (a typo such as `extend =` is an error, not ignored).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use h248_stack::model::Text;
use h248_stack::package::{Catalogue, CatalogueError, ItemDef, ItemKind, Package};
use serde::Deserialize;

/// Longest text name allowed (H.248.1 Annex B: `NAME` is at most 64 chars).
pub const MAX_NAME_LEN: usize = 64;

/// What is wrong with one package definition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("{what} name {name:?} does not match NAME = ALPHA *(ALPHA / DIGIT / \"_\") with at most 64 characters")]
    BadName { what: &'static str, name: Text },
    #[error("{what} ID {id:#06x} is out of range (must be 0x0001..=0xffff)")]
    IdOutOfRange { what: String, id: u16 },
    #[error("version {version} is out of range (must be at least 1)")]
    BadVersion { version: u8 },
    #[error("{kind:?} ID {id:#06x} is used twice")]
    DuplicateItemId { kind: ItemKind, id: u16 },
    #[error("{kind:?} {name:?} is defined twice")]
    DuplicateItemName { kind: ItemKind, name: Text },
    #[error("{kind:?} {item:?}: parameter ID {id:#06x} is used twice")]
    DuplicateParameterId { kind: ItemKind, item: Text, id: u16 },
    #[error("{kind:?} {item:?}: parameter {name:?} is defined twice")]
    DuplicateParameterName {
        kind: ItemKind,
        item: Text,
        name: Text,
    },
    #[error("properties and statistics have no parameters, but {kind:?} {item:?} lists some")]
    ParametersNotAllowed { kind: ItemKind, item: Text },
    #[error("package name {name:?} appears twice in the file")]
    DuplicatePackageName { name: Text },
    #[error("package ID {id:#06x} appears twice in the file")]
    DuplicatePackageId { id: u16 },
    #[error("unknown key `{key}` in {table}")]
    UnknownKey { table: String, key: String },
    #[error("a package cannot extend itself")]
    ExtendsItself,
}

/// Why a package file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueLoadError {
    /// The text is not valid TOML or does not have the shape of a package
    /// list (missing field, wrong type, unknown top-level table, ...).
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// A package parsed but is not a valid definition.
    #[error("line {line}, column {column}: package {package:?}: {problem}")]
    Invalid {
        line: usize,
        column: usize,
        package: Text,
        problem: Problem,
    },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// An error inside the named file.
    #[error("{}: {source}", path.display())]
    InFile {
        path: PathBuf,
        source: Box<CatalogueLoadError>,
    },
}

impl CatalogueLoadError {
    /// The line (1-based) the error points at, where it has one.
    pub fn line(&self) -> Option<usize> {
        match self {
            CatalogueLoadError::Syntax { line, .. } | CatalogueLoadError::Invalid { line, .. } => {
                Some(*line)
            }
            CatalogueLoadError::InFile { source, .. } => source.line(),
            CatalogueLoadError::Io { .. } => None,
        }
    }

    /// The package problem, for validation errors.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            CatalogueLoadError::Invalid { problem, .. } => Some(problem),
            CatalogueLoadError::InFile { source, .. } => source.problem(),
            _ => None,
        }
    }
}

/// Why packages could not be added to a catalogue by [`extend_with`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtendError {
    #[error("package {name:?} ({id:#06x}): the name is already used by package {existing:?} ({existing_id:#06x})")]
    NameTaken {
        name: Text,
        id: u16,
        existing: Text,
        existing_id: u16,
    },
    #[error("package {name:?}: ID {id:#06x} is already used by package {existing:?}")]
    IdTaken { name: Text, id: u16, existing: Text },
    #[error(
        "package {name:?} extends {parent:?} version {version}, which is not in the catalogue"
    )]
    MissingParent {
        name: Text,
        parent: Text,
        version: u8,
    },
    #[error("package {name:?} extends {parent:?} version {version}, but the catalogue has version {available}")]
    ParentVersion {
        name: Text,
        parent: Text,
        version: u8,
        available: u8,
    },
    #[error("package {package:?}: {problem}")]
    Invalid { package: Text, problem: Problem },
    #[error(transparent)]
    Catalogue(#[from] CatalogueError),
}

/// The top level of a package file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PackageFile {
    #[serde(default)]
    package: Vec<toml::Spanned<Package>>,
}

const PACKAGE_KEYS: &[&str] = &[
    "name",
    "id",
    "version",
    "extends",
    "title",
    "reference",
    "provenance",
    "properties",
    "events",
    "signals",
    "statistics",
];
const ITEM_KEYS: &[&str] = &["name", "id", "value_type", "parameters"];
const PARAMETER_KEYS: &[&str] = &["name", "id", "value_type"];
const EXTENDS_KEYS: &[&str] = &["name", "version"];

/// Parses package definitions from TOML text and validates them.
///
/// Errors name the line and column (1-based) and what is wrong; for a
/// package that parses but is invalid, the position is the start of its
/// `[[package]]` table.
pub fn load_toml(text: &str) -> Result<Vec<Package>, CatalogueLoadError> {
    let file: PackageFile = toml::from_str(text).map_err(|e| {
        let (line, column) = e
            .span()
            .map(|span| line_column(text, span.start))
            .unwrap_or((1, 1));
        CatalogueLoadError::Syntax {
            line,
            column,
            message: e.message().to_string(),
        }
    })?;
    // Second look at the same text as plain tables, for keys serde ignored.
    let raw: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let (line, column) = e
            .span()
            .map(|span| line_column(text, span.start))
            .unwrap_or((1, 1));
        CatalogueLoadError::Syntax {
            line,
            column,
            message: e.message().to_string(),
        }
    })?;
    let raw_packages: Vec<&toml::Table> = raw
        .get("package")
        .and_then(toml::Value::as_array)
        .map(|a| a.iter().filter_map(toml::Value::as_table).collect())
        .unwrap_or_default();

    let mut names: HashSet<Text> = HashSet::new();
    let mut ids: HashSet<u16> = HashSet::new();
    let mut packages = Vec::with_capacity(file.package.len());
    for (index, spanned) in file.package.into_iter().enumerate() {
        let span = spanned.span();
        let package = spanned.into_inner();
        let invalid = |problem: Problem| {
            let (line, column) = package_position(text, &span);
            CatalogueLoadError::Invalid {
                line,
                column,
                package: package.name.clone(),
                problem,
            }
        };
        if let Some(table) = raw_packages.get(index) {
            check_keys(table).map_err(invalid)?;
        }
        validate(&package).map_err(invalid)?;
        if !names.insert(package.name.clone()) {
            return Err(invalid(Problem::DuplicatePackageName {
                name: package.name.clone(),
            }));
        }
        if !ids.insert(package.id) {
            return Err(invalid(Problem::DuplicatePackageId { id: package.id }));
        }
        packages.push(package);
    }
    Ok(packages)
}

/// Reads and parses a package file (see [`load_toml`]); errors name the file.
pub fn load_file(path: impl AsRef<Path>) -> Result<Vec<Package>, CatalogueLoadError> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|source| CatalogueLoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    load_toml(&text).map_err(|e| CatalogueLoadError::InFile {
        path: path.to_path_buf(),
        source: Box::new(e),
    })
}

/// Adds vendor (or any extra) packages to a catalogue, all or nothing.
///
/// Each package is validated as on load; its name (compared without regard
/// to case, as text names are case-insensitive) and its ID must be new to
/// the catalogue, and the package it extends must be in the catalogue or in
/// `packages`, with at least the version named.
pub fn extend_with(catalogue: &mut Catalogue, packages: Vec<Package>) -> Result<(), ExtendError> {
    let mut names: HashMap<Text, (Text, u16)> = catalogue
        .packages()
        .map(|p| (p.name.to_ascii_lowercase(), (p.name.clone(), p.id)))
        .collect();
    let mut ids: HashMap<u16, Text> = catalogue
        .packages()
        .map(|p| (p.id, p.name.clone()))
        .collect();
    let mut versions: HashMap<Text, u8> = catalogue
        .packages()
        .map(|p| (p.name.clone(), p.version))
        .collect();
    for package in &packages {
        validate(package).map_err(|problem| ExtendError::Invalid {
            package: package.name.clone(),
            problem,
        })?;
        if let Some((existing, existing_id)) = names.get(&package.name.to_ascii_lowercase()) {
            return Err(ExtendError::NameTaken {
                name: package.name.clone(),
                id: package.id,
                existing: existing.clone(),
                existing_id: *existing_id,
            });
        }
        if let Some(existing) = ids.get(&package.id) {
            return Err(ExtendError::IdTaken {
                name: package.name.clone(),
                id: package.id,
                existing: existing.clone(),
            });
        }
        names.insert(
            package.name.to_ascii_lowercase(),
            (package.name.clone(), package.id),
        );
        ids.insert(package.id, package.name.clone());
        versions.insert(package.name.clone(), package.version);
    }
    for package in &packages {
        if let Some(parent) = &package.extends {
            match versions.get(&parent.name) {
                None => {
                    return Err(ExtendError::MissingParent {
                        name: package.name.clone(),
                        parent: parent.name.clone(),
                        version: parent.version,
                    })
                }
                Some(&available) if available < parent.version => {
                    return Err(ExtendError::ParentVersion {
                        name: package.name.clone(),
                        parent: parent.name.clone(),
                        version: parent.version,
                        available,
                    })
                }
                Some(_) => {}
            }
        }
    }
    for package in packages {
        catalogue.add(package)?;
    }
    Ok(())
}

/// True if `name` matches `NAME = ALPHA *(ALPHA / DIGIT / "_")`, ≤ 64 chars.
pub fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= MAX_NAME_LEN
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Checks one package definition (names, ID ranges, uniqueness of items and
/// parameters). Does not look at other packages.
pub fn validate(package: &Package) -> Result<(), Problem> {
    if !is_valid_name(&package.name) {
        return Err(Problem::BadName {
            what: "package",
            name: package.name.clone(),
        });
    }
    if package.id == 0 {
        return Err(Problem::IdOutOfRange {
            what: "package".into(),
            id: 0,
        });
    }
    if package.version == 0 {
        return Err(Problem::BadVersion { version: 0 });
    }
    if let Some(parent) = &package.extends {
        if !is_valid_name(&parent.name) {
            return Err(Problem::BadName {
                what: "extended package",
                name: parent.name.clone(),
            });
        }
        if parent.version == 0 {
            return Err(Problem::BadVersion { version: 0 });
        }
        if parent.name == package.name {
            return Err(Problem::ExtendsItself);
        }
    }
    for kind in ItemKind::ALL {
        let items = package.items(kind);
        for (n, item) in items.iter().enumerate() {
            validate_item(kind, item)?;
            if items[..n].iter().any(|other| other.id == item.id) {
                return Err(Problem::DuplicateItemId { kind, id: item.id });
            }
            if items[..n].iter().any(|other| other.name == item.name) {
                return Err(Problem::DuplicateItemName {
                    kind,
                    name: item.name.clone(),
                });
            }
        }
    }
    Ok(())
}

fn validate_item(kind: ItemKind, item: &ItemDef) -> Result<(), Problem> {
    let what = match kind {
        ItemKind::Property => "property",
        ItemKind::Event => "event",
        ItemKind::Signal => "signal",
        ItemKind::Statistic => "statistic",
    };
    if !is_valid_name(&item.name) {
        return Err(Problem::BadName {
            what,
            name: item.name.clone(),
        });
    }
    if item.id == 0 {
        return Err(Problem::IdOutOfRange {
            what: format!("{what} {:?}", item.name),
            id: 0,
        });
    }
    if !item.parameters.is_empty() && matches!(kind, ItemKind::Property | ItemKind::Statistic) {
        return Err(Problem::ParametersNotAllowed {
            kind,
            item: item.name.clone(),
        });
    }
    for (n, parameter) in item.parameters.iter().enumerate() {
        if !is_valid_name(&parameter.name) {
            return Err(Problem::BadName {
                what: "parameter",
                name: parameter.name.clone(),
            });
        }
        if parameter.id == 0 {
            return Err(Problem::IdOutOfRange {
                what: format!("parameter {:?} of {what} {:?}", parameter.name, item.name),
                id: 0,
            });
        }
        let earlier = &item.parameters[..n];
        if earlier.iter().any(|p| p.id == parameter.id) {
            return Err(Problem::DuplicateParameterId {
                kind,
                item: item.name.clone(),
                id: parameter.id,
            });
        }
        if earlier.iter().any(|p| p.name == parameter.name) {
            return Err(Problem::DuplicateParameterName {
                kind,
                item: item.name.clone(),
                name: parameter.name.clone(),
            });
        }
    }
    Ok(())
}

/// Reports the first key of a `[[package]]` table (or of its items,
/// parameters or `extends`) that the format does not know.
fn check_keys(package: &toml::Table) -> Result<(), Problem> {
    let name = package
        .get("name")
        .and_then(toml::Value::as_str)
        .unwrap_or("?")
        .to_string();
    unknown_key(package, PACKAGE_KEYS, || "the package table".to_string())?;
    if let Some(extends) = package.get("extends").and_then(toml::Value::as_table) {
        unknown_key(extends, EXTENDS_KEYS, || "`extends`".to_string())?;
    }
    for list in ["properties", "events", "signals", "statistics"] {
        let Some(items) = package.get(list).and_then(toml::Value::as_array) else {
            continue;
        };
        for item in items.iter().filter_map(toml::Value::as_table) {
            let item_name = item
                .get("name")
                .and_then(toml::Value::as_str)
                .unwrap_or("?");
            unknown_key(item, ITEM_KEYS, || {
                format!("{list} entry {item_name:?} of package {name:?}")
            })?;
            let Some(parameters) = item.get("parameters").and_then(toml::Value::as_array) else {
                continue;
            };
            for parameter in parameters.iter().filter_map(toml::Value::as_table) {
                unknown_key(parameter, PARAMETER_KEYS, || {
                    format!("a parameter of {list} entry {item_name:?}")
                })?;
            }
        }
    }
    Ok(())
}

fn unknown_key(
    table: &toml::Table,
    allowed: &[&str],
    where_: impl FnOnce() -> String,
) -> Result<(), Problem> {
    match table.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(key) => Err(Problem::UnknownKey {
            table: where_(),
            key: key.clone(),
        }),
        None => Ok(()),
    }
}

/// 1-based line and column (in characters) of byte offset `offset`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

/// Position of a `[[package]]` table: toml's span of an array-of-tables
/// entry starts at its `[[package]]` header.
fn package_position(text: &str, span: &Range<usize>) -> (usize, usize) {
    line_column(text, span.start)
}

/// A short description of a package for messages: `name (0x0001) vN`.
pub(crate) struct Described<'a>(pub &'a Package);

impl fmt::Display for Described<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({:#06x}) v{}",
            self.0.name, self.0.id, self.0.version
        )
    }
}
