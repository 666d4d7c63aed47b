//! Tests of the shipped catalogue and of the package file format.

use std::collections::HashSet;

use h248_profiles::catalogue::{agrees_with_registry, SHIPPED_FILES};
use h248_profiles::iana::{self, IANA_PACKAGES_TSV};
use h248_profiles::{
    extend_with, full, full_from, load_file, load_toml, text_only_items, CatalogueLoadError,
    ExtendError, Problem,
};
use h248_stack::package::{
    BinaryNames, Catalogue, ItemKind, Package, PackageRef, ParameterKind, Provenance,
};

const KINDS: [ItemKind; 4] = [
    ItemKind::Property,
    ItemKind::Event,
    ItemKind::Signal,
    ItemKind::Statistic,
];

/// The H.248.1 Annex E packages, which the base catalogue of h248-stack
/// defines when it is the starting catalogue.
fn is_base(id: u16) -> bool {
    (0x0001..=0x000d).contains(&id)
}

fn registry_provenance() -> Provenance {
    Provenance::Confirmed("IANA Megaco/H.248 registry, 2017-12-11".into())
}

fn data(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

#[test]
fn shipped_data_builds() {
    let cat = full_from(Catalogue::new()).expect("shipped data is consistent");
    // full() starts from the base catalogue, which adds the Annex C
    // pseudo-package (ID 0) the registry does not list.
    assert_eq!(cat.len() + 1, full().len());
    let with_base = full_from(Catalogue::base().clone()).unwrap();
    assert_eq!(with_base.len(), full().len());
    // The base definitions, with every Annex E item, are the ones kept.
    let dd = full().get("dd").unwrap().clone();
    assert_eq!(Some(&dd), Catalogue::base().get("dd"));
    assert_eq!(dd.version, 2);
}

#[test]
fn every_registry_package_resolves_by_name_and_id_with_version_and_parent() {
    let table = iana::parse(IANA_PACKAGES_TSV).unwrap();
    // 317 rows: 314 packages, one unassigned, one reserved, one repeated row.
    let rows = IANA_PACKAGES_TSV.lines().skip(1).count();
    assert_eq!(rows, 317);
    assert_eq!(table.entries.len(), 314);
    assert_eq!(table.unassigned, vec![0x0071, 0x00a7]);
    assert_eq!(table.repeated, vec![0x0065]);

    let cat = full();
    for e in &table.entries {
        let by_name = cat
            .get(&e.name)
            .unwrap_or_else(|| panic!("{} by name", e.name));
        let by_id = cat
            .get_by_id(e.id)
            .unwrap_or_else(|| panic!("{:#06x} by id", e.id));
        assert_eq!(by_name.id, e.id, "{}", e.name);
        assert_eq!(by_id.name, e.name);
        assert_eq!(cat.package_id(&e.name), Some(e.id));
        assert_eq!(cat.package_name(e.id), Some(e.name.as_str()));
        if is_base(e.id) && by_id.provenance != registry_provenance() {
            // A base definition (h248-stack) may describe an earlier version
            // than the registry's latest; name and ID must still agree.
            assert!(by_id.version <= e.version, "{}", e.name);
            continue;
        }
        assert_eq!(by_id.version, e.version, "{}", e.name);
        match (e.extends, &by_id.extends) {
            (None, None) => {}
            (Some((serial, version)), Some(parent)) => {
                assert_eq!(parent.version, version, "{}", e.name);
                assert_eq!(
                    cat.get(&parent.name).map(|p| p.id),
                    Some(serial),
                    "{}",
                    e.name
                );
            }
            other => panic!("{}: extends {other:?}", e.name),
        }
    }
    // Registry-only packages carry the registry provenance.
    assert_eq!(
        cat.get("ftmd").unwrap().provenance,
        Provenance::Confirmed("IANA Megaco/H.248 registry, 2017-12-11".into())
    );
    assert_eq!(cat.get("ipdc").unwrap().version, 2);
}

#[test]
fn parent_of_every_extending_package_is_in_the_catalogue() {
    let cat = full();
    for p in cat.packages() {
        if let Some(parent) = &p.extends {
            let found = cat
                .get(&parent.name)
                .unwrap_or_else(|| panic!("{} extends missing {}", p.name, parent.name));
            assert!(
                found.version >= parent.version,
                "{} extends {} v{}, catalogue has v{}",
                p.name,
                parent.name,
                parent.version,
                found.version
            );
        }
    }
    // The registry's own gap: h245indext extends 0x002e, which has no row.
    assert_eq!(
        cat.get_by_id(0x002e).map(|p| p.name.as_str()),
        Some("h245ind")
    );
}

#[test]
fn detailed_entries_keep_the_registry_name_serial_version_and_parent() {
    let table = iana::parse(IANA_PACKAGES_TSV).unwrap();
    let registry = full_from(Catalogue::new()).unwrap();
    let mut checked = 0;
    for (file, text) in SHIPPED_FILES {
        for p in load_toml(text).unwrap() {
            let Some(e) = table
                .entries
                .iter()
                .find(|e| e.id == p.id || e.name == p.name)
            else {
                assert_eq!(p.name, "h245ind", "{file}: {} is not registered", p.name);
                continue;
            };
            assert_eq!(
                (p.name.as_str(), p.id, p.version),
                (e.name.as_str(), e.id, e.version)
            );
            let parent = e.extends.map(|(serial, version)| PackageRef {
                name: registry.get_by_id(serial).unwrap().name.clone(),
                version,
            });
            assert_eq!(p.extends, parent, "{file}: {}", p.name);
            // And the detailed entry is what the catalogue holds.
            assert_eq!(registry.get(&p.name), Some(&p));
            checked += 1;
        }
    }
    assert!(checked >= 30, "{checked}");
    let a = full();
    let ctyp = a.get("ctyp").unwrap().clone();
    let mut other = ctyp.clone();
    other.version = 1;
    assert!(!agrees_with_registry(&other, &ctyp));
}

#[test]
fn item_ids_are_unique_per_kind_in_every_shipped_package() {
    for (file, text) in SHIPPED_FILES {
        for p in load_toml(text).unwrap() {
            for kind in KINDS {
                let mut ids = HashSet::new();
                let mut names = HashSet::new();
                for item in p.items(kind) {
                    assert!(
                        ids.insert(item.id),
                        "{file}: {} {kind:?} {:#06x}",
                        p.name,
                        item.id
                    );
                    assert!(
                        names.insert(item.name.clone()),
                        "{file}: {} {kind:?} {}",
                        p.name,
                        item.name
                    );
                    let mut pids = HashSet::new();
                    for param in &item.parameters {
                        assert!(
                            pids.insert(param.id),
                            "{file}: {}/{} param",
                            p.name,
                            item.name
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn wireshark_detailed_packages_spot_checks() {
    let cat = full();
    let an = cat.package_id("an").unwrap();
    assert_eq!(an, 0x001d);
    assert_eq!(cat.item_id(an, ItemKind::Signal, "apv"), Some(0x0002));
    assert_eq!(
        cat.parameter_id(an, ParameterKind::Signal, 0x0002, "spi"),
        Some(0x0005)
    );
    assert_eq!(
        cat.parameter_name(an, ParameterKind::Signal, 0x0001, 0x0004),
        Some("di")
    );

    let bcg = cat.package_id("bcg").unwrap();
    assert_eq!(cat.item_name(bcg, ItemKind::Signal, 0x0049), Some("bpy"));
    assert_eq!(
        cat.parameter_id(bcg, ParameterKind::Signal, 0x0040, "btd"),
        Some(1)
    );
    assert_eq!(
        cat.get("bcg").unwrap().extends.as_ref().unwrap().name,
        "tonegen"
    );

    let chp = cat.package_id("chp").unwrap();
    assert_eq!(cat.item_id(chp, ItemKind::Event, "mgcon"), Some(1));
    assert_eq!(
        cat.parameter_id(chp, ParameterKind::Event, 1, "reduction"),
        Some(1)
    );

    let gb = cat.package_id("gb").unwrap();
    assert_eq!(cat.item_id(gb, ItemKind::Signal, "RelBNC"), Some(3));
    assert_eq!(
        cat.parameter_name(gb, ParameterKind::Signal, 3, 2),
        Some("Failurecause")
    );

    assert_eq!(
        cat.item_name(0x002f, ItemKind::Property, 0x0005),
        Some("initdir")
    );
    assert_eq!(cat.item_id(0x0030, ItemKind::Event, "ratechg"), Some(2));
    assert_eq!(cat.item_id(0x0083, ItemKind::Property, "udport"), Some(3));
    assert_eq!(
        cat.item_id(0x0046, ItemKind::Event, "mod_link_supp"),
        Some(1)
    );
    assert!(matches!(
        cat.get("an").unwrap().provenance,
        Provenance::Confirmed(ref s) if s.contains("Wireshark 4.0.17") && s.contains("packet-h248_7.c")
    ));
}

#[test]
fn profile_packages_spot_checks() {
    let cat = full();
    // Iq mandatory and optional packages, Mp packages: all present with the
    // registry's ID and version.
    for (name, id, version) in [
        ("ipnapt", 0x0099, 1),
        ("gm", 0x008c, 2),
        ("tman", 0x008d, 2),
        ("ipdc", 0x009d, 2),
        ("hangterm", 0x0098, 1),
        ("ds", 0x008b, 2),
        ("rtcph", 0x00b5, 1),
        ("it", 0x0045, 1),
        ("ocp", 0x0051, 1),
        ("chp", 0x0029, 1),
        ("ipra", 0x00e0, 1),
        ("adid", 0x009c, 1),
        ("mgroup", 0x011f, 1),
        ("eroas", 0x0109, 1),
        ("an", 0x001d, 1),
        ("bcg", 0x0023, 1),
        ("srvtn", 0x0025, 1),
        ("xcg", 0x0024, 1),
        ("threegxcg", 0x0032, 1),
        ("bannsyx", 0x0047, 1),
        ("vvsyx", 0x0048, 2),
        ("setsyx", 0x0049, 3),
    ] {
        let p = cat.get(name).unwrap_or_else(|| panic!("{name}"));
        assert_eq!((p.id, p.version), (id, version), "{name}");
        assert!(!p.title.is_empty(), "{name} has a title");
    }
    assert_eq!(cat.item_id(0x0045, ItemKind::Event, "ito"), Some(1));
    assert_eq!(cat.item_name(0x0098, ItemKind::Event, 1), Some("thb"));
    // gm extends rtcph v1 (registry row), so its lookups reach rtcph.
    assert_eq!(
        cat.get("gm").unwrap().extends.as_ref().unwrap().name,
        "rtcph"
    );
    // ipra extends ipdc.
    assert_eq!(
        cat.get("ipra").unwrap().extends.as_ref().unwrap().name,
        "ipdc"
    );
}

#[test]
fn text_only_items_name_shipped_packages() {
    let cat = full();
    let items = text_only_items().unwrap();
    assert!(items.len() >= 20);
    for item in &items {
        let p = cat
            .get(&item.package)
            .unwrap_or_else(|| panic!("{}", item.package));
        // Not (also) in the binary table.
        if item.parameter_of.is_none() {
            assert_eq!(
                cat.item_by_name(p.id, item.kind, &item.name),
                None,
                "{}",
                item.name
            );
        }
        assert!(!item.source.is_empty());
    }
    assert!(items.iter().any(|i| i.package == "gm" && i.name == "saf"));
}

#[test]
fn vendor_file_loads_and_resolves_through_binary_names() {
    let packages = load_file(data("vendor.toml")).unwrap();
    assert_eq!(packages.len(), 2);
    let mut cat = full();
    let before = cat.len();
    extend_with(&mut cat, packages).unwrap();
    assert_eq!(cat.len(), before + 2);
    assert_eq!(cat.package_id("acme_lic"), Some(0x8100));
    assert_eq!(cat.package_name(0x8101), Some("acme_tones"));
    assert_eq!(cat.item_id(0x8100, ItemKind::Property, "mode"), Some(2));
    assert_eq!(cat.item_name(0x8100, ItemKind::Statistic, 1), Some("peak"));
    assert_eq!(
        cat.parameter_id(0x8100, ParameterKind::Event, 1, "used"),
        Some(1)
    );
    assert_eq!(cat.item_id(0x8101, ItemKind::Signal, "chime"), Some(0x0080));
}

#[test]
fn serialised_packages_load_back() {
    let cat = full();
    let bcg = cat.get("bcg").unwrap().clone();
    #[derive(serde::Serialize)]
    struct File<'a> {
        package: Vec<&'a Package>,
    }
    let text = toml::to_string(&File {
        package: vec![&bcg],
    })
    .unwrap();
    assert_eq!(load_toml(&text).unwrap(), vec![bcg]);
}

fn problem(text: &str) -> (usize, Problem) {
    match load_toml(text) {
        Err(e @ CatalogueLoadError::Invalid { .. }) => {
            (e.line().unwrap(), e.problem().unwrap().clone())
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
}

const HEADER: &str = "# vendor\n[[package]]\nname = \"okpkg\"\nid = 0x8200\nversion = 1\nprovenance = { unconfirmed = \"test\" }\n";

#[test]
fn bad_toml_names_line_and_column() {
    let err = load_toml("[[package]]\nname = \"x\"\nid = = 3\n").unwrap_err();
    match &err {
        CatalogueLoadError::Syntax { line, column, .. } => {
            assert_eq!(*line, 3);
            assert!(*column >= 5);
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().starts_with("line 3, column"));
    // Missing field and wrong type are reported with a position too.
    let err =
        load_toml("[[package]]\nname = \"x\"\nversion = 1\nprovenance = { confirmed = \"a\" }\n")
            .unwrap_err();
    assert!(matches!(err, CatalogueLoadError::Syntax { .. }), "{err}");
    assert!(err.to_string().contains("id"), "{err}");
    let err = load_toml(
        "[[package]]\nname = \"x\"\nid = 70000\nversion = 1\nprovenance = { confirmed = \"a\" }\n",
    )
    .unwrap_err();
    assert_eq!(err.line(), Some(3), "{err}");
    let err = load_toml("[[packages]]\nname = \"x\"\n").unwrap_err();
    assert!(err.to_string().contains("packages"), "{err}");
}

#[test]
fn duplicate_item_id_is_refused() {
    let text = format!(
        "{HEADER}[[package.events]]\nname = \"a\"\nid = 1\n[[package.events]]\nname = \"b\"\nid = 1\n"
    );
    let (line, p) = problem(&text);
    assert_eq!(line, 2);
    assert_eq!(
        p,
        Problem::DuplicateItemId {
            kind: ItemKind::Event,
            id: 1
        }
    );
    let text = format!(
        "{HEADER}[[package.signals]]\nname = \"s\"\nid = 1\nparameters = [{{ name = \"p\", id = 2 }}, {{ name = \"q\", id = 2 }}]\n"
    );
    assert!(matches!(
        problem(&text).1,
        Problem::DuplicateParameterId { id: 2, .. }
    ));
}

#[test]
fn bad_names_and_ids_are_refused() {
    let (_, p) = problem(&HEADER.replace("okpkg", "9pkg"));
    assert!(matches!(
        p,
        Problem::BadName {
            what: "package",
            ..
        }
    ));
    let (_, p) = problem(&HEADER.replace("okpkg", "ok-pkg"));
    assert!(matches!(p, Problem::BadName { .. }));
    let long = "a".repeat(65);
    let (_, p) = problem(&HEADER.replace("okpkg", &long));
    assert!(matches!(p, Problem::BadName { .. }));
    let (_, p) = problem(&format!(
        "{HEADER}[[package.properties]]\nname = \"has space\"\nid = 1\n"
    ));
    assert!(matches!(
        p,
        Problem::BadName {
            what: "property",
            ..
        }
    ));
    let (_, p) = problem(&format!(
        "{HEADER}[[package.properties]]\nname = \"p\"\nid = 0\n"
    ));
    assert!(matches!(p, Problem::IdOutOfRange { id: 0, .. }));
    let (_, p) = problem(&HEADER.replace("0x8200", "0"));
    assert!(matches!(p, Problem::IdOutOfRange { id: 0, .. }));
    let (_, p) = problem(&HEADER.replace("version = 1", "version = 0"));
    assert_eq!(p, Problem::BadVersion { version: 0 });
    let (_, p) = problem(&format!(
        "{HEADER}extend = {{ name = \"al\", version = 1 }}\n"
    ));
    assert!(matches!(p, Problem::UnknownKey { ref key, .. } if key == "extend"));
    let (_, p) = problem(&format!(
        "{HEADER}[[package.properties]]\nname = \"p\"\nid = 1\nvalue = \"integer\"\n"
    ));
    assert!(matches!(p, Problem::UnknownKey { ref key, .. } if key == "value"));
    let two = format!("{HEADER}{}", HEADER.replace("0x8200", "0x8201"));
    let (line, p) = problem(&two);
    assert_eq!(line, 8);
    assert!(matches!(p, Problem::DuplicatePackageName { .. }));
    assert!(is_name_ok("a_1") && !is_name_ok("_a") && !is_name_ok(""));
}

fn is_name_ok(name: &str) -> bool {
    h248_profiles::load::is_valid_name(name)
}

#[test]
fn vendor_packages_colliding_with_shipped_ones_are_refused() {
    let mut cat = full();
    let before = cat.len();
    // ID of `al` (0x0009) under a new name.
    let pkgs = load_toml(&HEADER.replace("0x8200", "0x0009")).unwrap();
    match extend_with(&mut cat, pkgs) {
        Err(ExtendError::IdTaken {
            id: 0x0009,
            existing,
            ..
        }) => assert_eq!(existing, "al"),
        other => panic!("{other:?}"),
    }
    // A shipped name, in another case.
    let pkgs = load_toml(&HEADER.replace("okpkg", "GM")).unwrap();
    let err = extend_with(&mut cat, pkgs).unwrap_err();
    assert!(
        matches!(err, ExtendError::NameTaken { ref existing, .. } if existing == "gm"),
        "{err}"
    );
    assert!(err.to_string().contains("gm"));
    // Parent missing.
    let pkgs = load_toml(&format!(
        "{HEADER}extends = {{ name = \"nosuch\", version = 1 }}\n"
    ))
    .unwrap();
    assert!(matches!(
        extend_with(&mut cat, pkgs),
        Err(ExtendError::MissingParent { .. })
    ));
    // Parent version too new.
    let pkgs = load_toml(&format!(
        "{HEADER}extends = {{ name = \"al\", version = 9 }}\n"
    ))
    .unwrap();
    assert!(matches!(
        extend_with(&mut cat, pkgs),
        Err(ExtendError::ParentVersion { available: 1, .. })
    ));
    // All or nothing: nothing was added.
    assert_eq!(cat.len(), before);
    assert_eq!(cat.get("okpkg"), None);
}

#[test]
fn missing_file_is_an_io_error() {
    let err = load_file(data("no-such-file.toml")).unwrap_err();
    assert!(matches!(err, CatalogueLoadError::Io { .. }));
    assert!(err.to_string().contains("no-such-file.toml"));
}

#[test]
fn counts_match_the_readme() {
    let cat = full();
    assert_eq!(cat.len(), 316);
    let with_items = |file: &str| {
        let (_, text) = SHIPPED_FILES.iter().find(|(f, _)| *f == file).unwrap();
        load_toml(text)
            .unwrap()
            .iter()
            .filter(|p| KINDS.iter().any(|k| !p.items(*k).is_empty()))
            .count()
    };
    assert_eq!(with_items("wireshark.toml"), 17);
    assert_eq!(with_items("profiles.toml"), 2);
}

fn bare(name: &str, id: u16, version: u8) -> Package {
    Package {
        name: name.into(),
        id,
        version,
        extends: None,
        title: Default::default(),
        reference: "H.248.1 Annex E".into(),
        provenance: Provenance::Confirmed("test base".into()),
        properties: Vec::new(),
        events: Vec::new(),
        signals: Vec::new(),
        statistics: Vec::new(),
    }
}

#[test]
fn starting_catalogue_is_kept_and_checked() {
    let mut start = Catalogue::new();
    start.add(bare("g", 0x0001, 1)).unwrap();
    start.add(bare("tonegen", 0x0003, 1)).unwrap();
    let cat = full_from(start).unwrap();
    assert_eq!(cat.len(), 315);
    assert_eq!(
        cat.get("g").unwrap().provenance,
        Provenance::Confirmed("test base".into())
    );
    // bcg still finds its parent, the base tonegen.
    assert_eq!(
        cat.get("bcg").unwrap().extends.as_ref().unwrap().name,
        "tonegen"
    );

    let mut wrong = Catalogue::new();
    wrong.add(bare("gee", 0x0001, 1)).unwrap();
    assert!(matches!(
        full_from(wrong),
        Err(h248_profiles::BuildError::BaseMismatch { id: 0x0001, .. })
    ));
}
