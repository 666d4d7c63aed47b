//! Property test over the model generators of `model::strategy` (written
//! for the text codec): model → BER → model.
//!
//! Those generators invent package, item and parameter names and path-name
//! termination IDs that no catalogue or bit-string layout knows, so this
//! test gives the codec a catalogue that assigns IDs to names as it meets
//! them and a termination ID table, both kept for the decode. Models the
//! binary encoding cannot carry (text-only `X-` extensions) are discarded;
//! the comparison allows the binary encoding's canonical forms (see
//! `canonical`).

use std::cell::RefCell;
use std::collections::HashMap;

use proptest::prelude::*;

use super::{decode, encode, BerLimits, TerminationIdMapping};
use crate::ber::{BerEncodeError, NameKind};
use crate::model::strategy;
use crate::model::*;
use crate::package::{BinaryNames, ItemKind, ParameterKind};

/// Names get IDs in the order they are first asked for; package `""` (Annex
/// C) is 0x0000. Leaked strings keep the `&str` answers simple (test only).
#[derive(Default)]
struct LearningNames {
    packages: RefCell<Vec<&'static str>>,
    items: RefCell<HashMap<(u16, u8, &'static str), u16>>,
    item_names: RefCell<HashMap<(u16, u8, u16), &'static str>>,
}

fn leak(name: &str) -> &'static str {
    Box::leak(name.to_owned().into_boxed_str())
}

impl LearningNames {
    fn scoped(&self, scope: (u16, u8), name: &str) -> u16 {
        let mut items = self.items.borrow_mut();
        if let Some(&id) = items.get(&(scope.0, scope.1, name)) {
            return id;
        }
        let name = leak(name);
        let id = 1 + items.keys().filter(|k| (k.0, k.1) == scope).count() as u16;
        items.insert((scope.0, scope.1, name), id);
        self.item_names
            .borrow_mut()
            .insert((scope.0, scope.1, id), name);
        id
    }

    fn name_of(&self, scope: (u16, u8), id: u16) -> Option<&str> {
        self.item_names
            .borrow()
            .get(&(scope.0, scope.1, id))
            .copied()
    }
}

fn kind_code(kind: ItemKind) -> u8 {
    kind as u8
}

fn parameter_scope(kind: ParameterKind, item: u16) -> u8 {
    // Parameters are scoped by their event or signal: fold the item ID in.
    16 + (kind as u8) * 8 + (item % 8) as u8
}

impl BinaryNames for LearningNames {
    fn package_id(&self, name: &str) -> Option<u16> {
        let mut packages = self.packages.borrow_mut();
        if packages.is_empty() {
            packages.push("");
        }
        if let Some(index) = packages.iter().position(|p| *p == name) {
            return Some(index as u16);
        }
        packages.push(leak(name));
        Some(packages.len() as u16 - 1)
    }

    fn package_name(&self, id: u16) -> Option<&str> {
        self.packages.borrow().get(usize::from(id)).copied()
    }

    fn item_id(&self, package_id: u16, kind: ItemKind, name: &str) -> Option<u16> {
        Some(self.scoped((package_id, kind_code(kind)), name))
    }

    fn item_name(&self, package_id: u16, kind: ItemKind, id: u16) -> Option<&str> {
        self.name_of((package_id, kind_code(kind)), id)
    }

    fn parameter_id(
        &self,
        package_id: u16,
        kind: ParameterKind,
        item_id: u16,
        name: &str,
    ) -> Option<u16> {
        let scope = (package_id ^ (item_id << 8), parameter_scope(kind, item_id));
        Some(self.scoped(scope, name))
    }

    fn parameter_name(
        &self,
        package_id: u16,
        kind: ParameterKind,
        item_id: u16,
        id: u16,
    ) -> Option<&str> {
        let scope = (package_id ^ (item_id << 8), parameter_scope(kind, item_id));
        self.name_of(scope, id)
    }
}

/// Termination IDs by their index in a table.
#[derive(Default)]
struct TermTable(RefCell<Vec<TerminationId>>);

impl TerminationIdMapping for TermTable {
    fn to_binary(
        &self,
        text: &TerminationId,
        out: &mut super::BinaryTerminationId,
    ) -> Result<(), &'static str> {
        let mut table = self.0.borrow_mut();
        let index = match table.iter().position(|t| t == text) {
            Some(index) => index,
            None => {
                table.push(text.clone());
                table.len() - 1
            }
        };
        out.wildcard.clear();
        out.id.clear();
        out.id.extend_from_slice(&(index as u32).to_be_bytes());
        Ok(())
    }

    fn to_text(&self, _wildcard: &[u8], id: &[u8]) -> Result<TerminationId, &'static str> {
        let index = u32::from_be_bytes(id.try_into().map_err(|_| "4 octets")?);
        self.0
            .borrow()
            .get(index as usize)
            .cloned()
            .ok_or("unknown index")
    }
}

/// The model in the binary encoding's canonical forms: audit tokens and
/// notify completions as sets in bit order; bare descriptor names one per
/// item (merged on the wire); ROOT in one spelling.
fn canonical(message: &MegacoMessage) -> serde_json::Value {
    fn walk(value: &mut serde_json::Value, key: &str) {
        match value {
            serde_json::Value::Array(items) => {
                if key == "tokens" || key == "notify_completion" {
                    let order: &[&str] = if key == "tokens" {
                        &[
                            "mux",
                            "modem",
                            "media",
                            "events",
                            "signals",
                            "digit_map",
                            "statistics",
                            "observed_events",
                            "packages",
                            "event_buffer",
                        ]
                    } else {
                        &[
                            "on_time_out",
                            "on_interrupt_by_event",
                            "on_interrupt_by_new_signal_descr",
                            "other_reason",
                            "on_iteration",
                        ]
                    };
                    let rank =
                        |v: &serde_json::Value| order.iter().position(|o| v.as_str() == Some(o));
                    items.sort_by_key(rank);
                    items.dedup();
                }
                if key == "audit" {
                    // A run of bare descriptor names is one set on the wire.
                    let mut out = Vec::new();
                    let mut run: Vec<serde_json::Value> = Vec::new();
                    let flush = |run: &mut Vec<serde_json::Value>, out: &mut Vec<_>| {
                        let mut tokens = serde_json::Value::Array(std::mem::take(run));
                        walk(&mut tokens, "tokens");
                        for token in tokens.as_array().cloned().unwrap_or_default() {
                            out.push(serde_json::json!({"empty_descriptors": {"tokens": [token]}}));
                        }
                    };
                    for item in items.drain(..) {
                        match item.get("empty_descriptors") {
                            Some(e)
                                if e.get("property_tokens").is_none()
                                    && e.get("tokens").is_some() =>
                            {
                                run.extend(e["tokens"].as_array().cloned().unwrap_or_default());
                            }
                            _ => {
                                flush(&mut run, &mut out);
                                out.push(item);
                            }
                        }
                    }
                    flush(&mut run, &mut out);
                    *items = out;
                }
                items.iter_mut().for_each(|v| walk(v, ""));
            }
            serde_json::Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    walk(v, k);
                }
            }
            serde_json::Value::String(s) if s.eq_ignore_ascii_case("root") => {
                *s = "ROOT".to_owned();
            }
            _ => {}
        }
    }
    let mut value = serde_json::to_value(message).expect("model serializes");
    walk(&mut value, "");
    value
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn text_model_generators_round_trip_through_ber(message in strategy::megaco_message()) {
        let names = LearningNames::default();
        let terms = TermTable::default();
        let mut out = bytes::BytesMut::new();
        match encode(&message, &names, &terms, &mut out) {
            Ok(()) => {}
            // Text-only constructs, and digit map names with no two-octet
            // form (Annex A has no registry for them).
            Err(BerEncodeError::TextOnly(_))
            | Err(BerEncodeError::NotInVersion { .. })
            | Err(BerEncodeError::NoBinaryId { kind: NameKind::DigitMap, .. }) => {
                return Err(TestCaseError::reject("not expressible in BER"));
            }
            // An SDP line type that is not a lower-case letter.
            Err(BerEncodeError::NoBinaryId { kind: NameKind::Item(ItemKind::Property), name })
                if name.len() == 1 && !name.as_bytes()[0].is_ascii_lowercase() =>
            {
                return Err(TestCaseError::reject("not expressible in BER"));
            }
            Err(e) => return Err(TestCaseError::fail(format!("encode: {e}"))),
        }
        let decoded = decode(&out, &names, &terms, &BerLimits::default())
            .map_err(|e| TestCaseError::fail(format!("decode: {e}")))?;
        prop_assert_eq!(canonical(&decoded), canonical(&message));
    }
}
