//! The IANA "Megaco/H.248 Packages" registry (RFC 5615), as of its update of
//! 2017-12-11, shipped as `profiles/packages/iana-packages.tsv` (public
//! registry data; copy of the XML registry's public-package table: serial,
//! name, version, extended package serial and version, status, reference).
//!
//! Quirks of the registry itself, kept as they are:
//! - 0x0071 is `UNASSIGNED` and 0x00a7 is `Reserved`: no package;
//! - the row for 0x0065 `h245indext` appears twice (once where 0x002e should
//!   stand), so 0x002e, the package `h245indext` extends, has no row; the
//!   catalogue gets it from Wireshark's package table (see
//!   `packages/wireshark.toml`);
//! - `iprnat` (0x0101) and `filtgrp` (0x0103) give an extended version but no
//!   extended serial: they extend nothing.

use h248_stack::model::Text;

/// Provenance text of every registry-only package.
pub const REGISTRY_SOURCE: &str = "IANA Megaco/H.248 registry, 2017-12-11";

/// The registry table, embedded at build.
pub const IANA_PACKAGES_TSV: &str = include_str!("../packages/iana-packages.tsv");

/// One registered package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IanaEntry {
    /// The package serial, i.e. its binary ID.
    pub id: u16,
    pub name: Text,
    /// Latest registered version.
    pub version: u8,
    /// Serial and version of the package it extends.
    pub extends: Option<(u16, u8)>,
    /// `Final`, or `IP` (in progress) with a date.
    pub status: Text,
    /// The defining document as the registry names it.
    pub reference: Text,
}

/// Why a registry line could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("iana-packages.tsv line {line}: {problem}")]
pub struct IanaParseError {
    pub line: usize,
    pub problem: String,
}

/// What parsing the registry found besides the entries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IanaTable {
    /// Registered packages, in registry order, each serial once.
    pub entries: Vec<IanaEntry>,
    /// Serials listed as unassigned or reserved.
    pub unassigned: Vec<u16>,
    /// Serials whose row appears more than once (identical rows).
    pub repeated: Vec<u16>,
}

fn hex16(s: &str) -> Option<u16> {
    u16::from_str_radix(s.strip_prefix("0x")?, 16).ok()
}

/// Parses the registry table (tab-separated, one header line).
pub fn parse(tsv: &str) -> Result<IanaTable, IanaParseError> {
    let mut table = IanaTable::default();
    for (index, line) in tsv.lines().enumerate().skip(1) {
        let line_no = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let err = |problem: String| IanaParseError {
            line: line_no,
            problem,
        };
        let cols: Vec<&str> = line.split('\t').collect();
        let col = |i: usize| cols.get(i).map_or("", |s| s.trim());
        let id = hex16(col(0)).ok_or_else(|| err(format!("bad serial {:?}", col(0))))?;
        let name = col(1);
        if name.eq_ignore_ascii_case("UNASSIGNED") || name == "-" || name.is_empty() {
            table.unassigned.push(id);
            continue;
        }
        let version: u8 = col(2)
            .parse()
            .map_err(|_| err(format!("bad version {:?}", col(2))))?;
        let extends = match col(3) {
            "-" | "" => None,
            serial => {
                let parent = hex16(serial).ok_or_else(|| err(format!("bad serial {serial:?}")))?;
                let parent_version: u8 = col(4)
                    .parse()
                    .map_err(|_| err(format!("bad extended version {:?}", col(4))))?;
                Some((parent, parent_version))
            }
        };
        let entry = IanaEntry {
            id,
            name: name.into(),
            version,
            extends,
            status: col(5).into(),
            reference: col(6).into(),
        };
        if let Some(previous) = table.entries.iter().find(|e| e.id == id) {
            if *previous != entry {
                return Err(err(format!(
                    "serial {id:#06x} is listed twice with different rows"
                )));
            }
            table.repeated.push(id);
            continue;
        }
        if table.entries.iter().any(|e| e.name == entry.name) {
            return Err(err(format!("name {name:?} is listed twice")));
        }
        table.entries.push(entry);
    }
    Ok(table)
}
