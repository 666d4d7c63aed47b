//! The base packages of H.248.1 as catalogue data: the Annex C media stream
//! properties and the Annex E packages (RFC 3525 = H.248.1 v1 (03/2002)).
//!
//! **Annex C as a package.** Annex A encodes an Annex C property as a
//! `PkgdName` whose package half is 0x0000 ("To reference native property tag
//! specified in Annex C, use 0x0000 as first two octets"). The text encoding
//! has no package prefix for these: the SDP of Local / Remote is written as
//! SDP lines, and an Annex C property elsewhere is written by its bare name.
//! So this pseudo package has the empty text name `""`, and the binary codec
//! writes its items without a `package/` prefix (`v`, `IPv4`), as Erlang/OTP
//! megaco's name resolver does. Only the Annex C clauses with text names in
//! use are included: C.6 (IP), C.11 (SDP equivalents, one item per SDP line
//! type letter) and C.12 (H.245); C.1 to C.5 and C.7 to C.10 are not.
//!
//! The catalogue is built once, on first use, behind a `OnceLock`, and handed
//! out as `&'static Catalogue`: no copy per codec call; callers that want to
//! add packages clone it.

use std::sync::OnceLock;

use super::{
    Catalogue, EnumValue, ItemDef, Package, PackageRef, ParameterDef, Provenance, ValueType,
};
use crate::model::Text;

/// The shared base catalogue.
pub(super) fn catalogue() -> &'static Catalogue {
    static BASE: OnceLock<Catalogue> = OnceLock::new();
    BASE.get_or_init(|| {
        let mut catalogue = Catalogue::new();
        for package in packages() {
            // The data below is fixed and checked by the tests: a duplicate
            // would be a bug in this file, caught by `base_packages_load`.
            let _ = catalogue.add(package);
        }
        catalogue
    })
}

fn enumeration(values: &[(&str, u32)]) -> ValueType {
    ValueType::Enumeration(
        values
            .iter()
            .map(|&(name, id)| EnumValue {
                name: Text::from(name),
                id,
            })
            .collect(),
    )
}

fn item(name: &str, id: u16, value_type: Option<ValueType>) -> ItemDef {
    ItemDef {
        name: Text::from(name),
        id,
        value_type,
        parameters: Vec::new(),
    }
}

fn item_with(name: &str, id: u16, parameters: Vec<ParameterDef>) -> ItemDef {
    ItemDef {
        name: Text::from(name),
        id,
        value_type: None,
        parameters,
    }
}

fn param(name: &str, id: u16, value_type: ValueType) -> ParameterDef {
    ParameterDef {
        name: Text::from(name),
        id,
        value_type: Some(value_type),
    }
}

fn package(name: &str, id: u16, title: &str, reference: &str) -> Package {
    Package {
        name: Text::from(name),
        id,
        version: 1,
        extends: None,
        title: Text::from(title),
        reference: Text::from(reference),
        provenance: Provenance::Confirmed(Text::from(format!("RFC 3525 {reference}"))),
        properties: Vec::new(),
        events: Vec::new(),
        signals: Vec::new(),
        statistics: Vec::new(),
    }
}

fn extends(name: &str) -> Option<PackageRef> {
    Some(PackageRef {
        name: Text::from(name),
        version: 1,
    })
}

/// The DTMF tone names of E.5.3 / E.6.2 with their IDs.
const DTMF: [(&str, u16); 16] = [
    ("d0", 0x10),
    ("d1", 0x11),
    ("d2", 0x12),
    ("d3", 0x13),
    ("d4", 0x14),
    ("d5", 0x15),
    ("d6", 0x16),
    ("d7", 0x17),
    ("d8", 0x18),
    ("d9", 0x19),
    ("da", 0x1a),
    ("db", 0x1b),
    ("dc", 0x1c),
    ("dd", 0x1d),
    ("ds", 0x20),
    ("do", 0x21),
];

/// The call progress tones of E.7.3 with their IDs.
const CALL_PROGRESS: [(&str, u16); 9] = [
    ("dt", 0x30),
    ("rt", 0x31),
    ("bt", 0x32),
    ("ct", 0x33),
    ("sit", 0x34),
    ("wt", 0x35),
    ("prt", 0x36),
    ("cw", 0x37),
    ("cr", 0x38),
];

fn tone_detection_events() -> Vec<ParameterDef> {
    vec![
        param(
            "tl",
            0x0001,
            ValueType::SubList(Box::new(ValueType::String)),
        ),
        param("dur", 0x0002, ValueType::Integer),
        param("tid", 0x0003, ValueType::String),
    ]
}

fn packages() -> Vec<Package> {
    let mut annex_c = package("", 0x0000, "Media stream properties", "Annex C");
    annex_c.provenance = Provenance::Confirmed(Text::from("RFC 3525 Annex C.6, C.11, C.12"));
    annex_c.properties = [
        ("IPv4", 0x6001, ValueType::OctetString),
        ("IPv6", 0x6002, ValueType::OctetString),
        ("Port", 0x6003, ValueType::Integer),
        (
            "Porttype",
            0x6004,
            enumeration(&[("TCP", 0), ("UDP", 1), ("SCTP", 2)]),
        ),
        ("v", 0xB001, ValueType::String),
        ("o", 0xB002, ValueType::String),
        ("s", 0xB003, ValueType::String),
        ("i", 0xB004, ValueType::String),
        ("u", 0xB005, ValueType::String),
        ("e", 0xB006, ValueType::String),
        ("p", 0xB007, ValueType::String),
        ("c", 0xB008, ValueType::String),
        ("b", 0xB009, ValueType::String),
        ("z", 0xB00A, ValueType::String),
        ("k", 0xB00B, ValueType::String),
        ("a", 0xB00C, ValueType::String),
        ("t", 0xB00D, ValueType::String),
        ("r", 0xB00E, ValueType::String),
        ("m", 0xB00F, ValueType::String),
        ("OLC", 0xC001, ValueType::OctetString),
        ("OLCack", 0xC002, ValueType::OctetString),
        ("OLCcnf", 0xC003, ValueType::OctetString),
        ("OLCrej", 0xC004, ValueType::OctetString),
        ("CLC", 0xC005, ValueType::OctetString),
        ("CLCack", 0xC006, ValueType::OctetString),
    ]
    .into_iter()
    .map(|(name, id, value_type)| item(name, id, Some(value_type)))
    .collect();

    let mut g = package("g", 0x0001, "Generic", "Annex E.1");
    g.events = vec![
        item_with(
            "cause",
            0x0001,
            vec![
                param(
                    "Generalcause",
                    0x0001,
                    enumeration(&[
                        ("NR", 1),
                        ("UR", 2),
                        ("FT", 3),
                        ("FP", 4),
                        ("IW", 5),
                        ("UN", 6),
                    ]),
                ),
                param("Failurecause", 0x0002, ValueType::OctetString),
            ],
        ),
        item_with(
            "sc",
            0x0002,
            vec![
                param("SigID", 0x0001, ValueType::String),
                param(
                    "Meth",
                    0x0002,
                    enumeration(&[("TO", 1), ("EV", 2), ("SD", 3), ("NC", 4)]),
                ),
                param("SLID", 0x0003, ValueType::Integer),
            ],
        ),
    ];

    let mut root = package("root", 0x0002, "Base Root Package", "Annex E.2");
    root.properties = vec![
        item("maxNumberOfContexts", 0x0001, Some(ValueType::Double)),
        item(
            "maxTerminationsPerContext",
            0x0002,
            Some(ValueType::Integer),
        ),
        item("normalMGExecutionTime", 0x0003, Some(ValueType::Integer)),
        item("normalMGCExecutionTime", 0x0004, Some(ValueType::Integer)),
        item(
            "MGProvisionalResponseTimerValue",
            0x0005,
            Some(ValueType::Integer),
        ),
        item(
            "MGCProvisionalResponseTimerValue",
            0x0006,
            Some(ValueType::Integer),
        ),
    ];

    let mut tonegen = package("tonegen", 0x0003, "Tone Generator Package", "Annex E.3");
    tonegen.signals = vec![item_with(
        "pt",
        0x0001,
        vec![
            param(
                "tl",
                0x0001,
                ValueType::SubList(Box::new(ValueType::String)),
            ),
            param("ind", 0x0002, ValueType::Integer),
        ],
    )];

    let mut tonedet = package("tonedet", 0x0004, "Tone Detection Package", "Annex E.4");
    tonedet.events = vec![
        item_with("std", 0x0001, tone_detection_events()),
        item_with("etd", 0x0002, tone_detection_events()),
        item_with("ltd", 0x0003, tone_detection_events()),
    ];

    let mut dg = package("dg", 0x0005, "Basic DTMF Generator Package", "Annex E.5");
    dg.extends = extends("tonegen");
    dg.signals = DTMF.iter().map(|&(n, id)| item(n, id, None)).collect();

    let mut dd = package("dd", 0x0006, "DTMF detection Package", "Annex E.6");
    dd.extends = extends("tonedet");
    dd.events = DTMF.iter().map(|&(n, id)| item(n, id, None)).collect();
    dd.events.push(item_with(
        "ce",
        0x0004,
        vec![
            param("ds", 0x0001, ValueType::String),
            param(
                "Meth",
                0x0003,
                enumeration(&[("UM", 1), ("PM", 2), ("FM", 3)]),
            ),
        ],
    ));

    let mut cg = package(
        "cg",
        0x0007,
        "Call Progress Tones Generator Package",
        "Annex E.7",
    );
    cg.extends = extends("tonegen");
    cg.signals = CALL_PROGRESS
        .iter()
        .map(|&(n, id)| item(n, id, None))
        .collect();

    let mut cd = package(
        "cd",
        0x0008,
        "Call Progress Tones Detection Package",
        "Annex E.8",
    );
    cd.extends = extends("tonedet");
    cd.events = CALL_PROGRESS
        .iter()
        .map(|&(n, id)| item(n, id, None))
        .collect();

    let strict = || {
        param(
            "strict",
            0x0001,
            enumeration(&[("exact", 0), ("state", 1), ("failWrong", 2)]),
        )
    };
    let mut al = package("al", 0x0009, "Analog Line Supervision Package", "Annex E.9");
    al.events = vec![
        item_with(
            "on",
            0x0004,
            vec![strict(), param("init", 0x0002, ValueType::Boolean)],
        ),
        item_with(
            "of",
            0x0005,
            vec![strict(), param("init", 0x0002, ValueType::Boolean)],
        ),
        item_with(
            "fl",
            0x0006,
            vec![
                param("mindur", 0x0004, ValueType::Integer),
                param("maxdur", 0x0005, ValueType::Integer),
            ],
        ),
    ];
    al.signals = vec![item_with(
        "ri",
        0x0002,
        vec![
            param(
                "cad",
                0x0006,
                ValueType::SubList(Box::new(ValueType::Integer)),
            ),
            param("freq", 0x0007, ValueType::Integer),
        ],
    )];

    let mut ct = package("ct", 0x000a, "Basic Continuity Package", "Annex E.10");
    ct.events = vec![item_with(
        "cmp",
        0x0005,
        vec![param(
            "res",
            0x0008,
            enumeration(&[("success", 1), ("failure", 0)]),
        )],
    )];
    ct.signals = vec![item("ct", 0x0003, None), item("rsp", 0x0004, None)];

    let mut nt = package("nt", 0x000b, "Network Package", "Annex E.11");
    nt.properties = vec![item("jit", 0x0007, Some(ValueType::Integer))];
    nt.events = vec![
        item_with(
            "netfail",
            0x0005,
            vec![param("cs", 0x0001, ValueType::String)],
        ),
        item_with(
            "qualert",
            0x0006,
            vec![param("th", 0x0001, ValueType::Integer)],
        ),
    ];
    nt.statistics = vec![
        item("dur", 0x0001, Some(ValueType::Double)),
        item("os", 0x0002, Some(ValueType::Double)),
        item("or", 0x0003, Some(ValueType::Double)),
    ];

    let mut rtp = package("rtp", 0x000c, "RTP Package", "Annex E.12");
    rtp.extends = extends("nt");
    rtp.events = vec![item_with(
        "pltrans",
        0x0001,
        vec![param(
            "rtppltype",
            0x0001,
            ValueType::SubList(Box::new(ValueType::String)),
        )],
    )];
    rtp.statistics = vec![
        item("ps", 0x0004, Some(ValueType::Double)),
        item("pr", 0x0005, Some(ValueType::Double)),
        item("pl", 0x0006, Some(ValueType::Double)),
        item("jit", 0x0007, None),
        item("delay", 0x0008, None),
    ];

    let mut tdmc = package("tdmc", 0x000d, "TDM Circuit Package", "Annex E.13");
    tdmc.extends = extends("nt");
    tdmc.properties = vec![
        item("ec", 0x0008, Some(ValueType::Boolean)),
        item("gain", 0x000a, Some(ValueType::Integer)),
    ];

    // The items above include the version 2 additions of H.248.1 (2002)
    // Annex E that Erlang/OTP megaco resolves (g/sc, the root timers, the
    // rtp statistics...), so these packages carry the version the IANA
    // registry (2017-12-11) gives as their latest.
    for package in [
        &mut g,
        &mut root,
        &mut tonegen,
        &mut dg,
        &mut dd,
        &mut cg,
        &mut rtp,
    ] {
        package.version = 2;
    }
    vec![
        annex_c, g, root, tonegen, tonedet, dg, dd, cg, cd, al, ct, nt, rtp, tdmc,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::package::{BinaryNames, ItemKind, ParameterKind};

    #[test]
    fn base_packages_load() {
        let mut catalogue = Catalogue::new();
        for package in packages() {
            catalogue
                .add(package)
                .expect("base package data is consistent");
        }
        assert_eq!(catalogue.len(), Catalogue::base().len());
        assert_eq!(catalogue.len(), 14);
    }

    #[test]
    fn annex_e_and_annex_c_ids_resolve() {
        let base = Catalogue::base();
        assert_eq!(base.package_id("al"), Some(0x0009));
        assert_eq!(base.item_id(0x0009, ItemKind::Event, "of"), Some(0x0005));
        assert_eq!(
            base.parameter_id(0x0009, ParameterKind::Event, 0x0005, "strict"),
            Some(0x0001)
        );
        assert_eq!(base.package_id(""), Some(0x0000));
        assert_eq!(base.item_id(0, ItemKind::Property, "m"), Some(0xB00F));
        assert_eq!(base.item_name(0, ItemKind::Property, 0xB001), Some("v"));
        // Inherited through `extends`: rtp and tdmc extend nt.
        assert_eq!(base.item_id(0x000c, ItemKind::Property, "jit"), Some(7));
        assert_eq!(base.item_id(0x000d, ItemKind::Statistic, "dur"), Some(1));
        assert_eq!(base.item_id(0x0006, ItemKind::Event, "std"), Some(1));
        assert_eq!(base.item_name(0x0007, ItemKind::Signal, 0x0031), Some("rt"));
    }
}
