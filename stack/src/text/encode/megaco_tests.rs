//! The encoder's output judged by an independent implementation, Erlang/OTP
//! megaco, through `megaco-judge` (in the shared tools next to the
//! workspace): generated messages must be accepted, and hand-built models of
//! corpus messages must read as the corpus message.

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use super::tests::{msg01a, x03_auditcap_reply, x12_add_mux};
use super::*;
use crate::model::*;

const JUDGE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/tools/megaco-judge/megaco-judge"
);
const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus");

/// The judge, or `None` (after saying so) when the shared tools are absent;
/// with `H248_REQUIRE_SHARED=1` their absence is a failure.
fn judge() -> Option<&'static Path> {
    let judge = Path::new(JUDGE);
    if judge.exists() {
        return Some(judge);
    }
    if std::env::var("H248_REQUIRE_SHARED").as_deref() == Ok("1") {
        panic!("{JUDGE} not found and H248_REQUIRE_SHARED=1");
    }
    println!("skipped: ../shared not found");
    None
}

/// A fresh scratch directory for this test.
fn scratch_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("h248-encode-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// Runs the judge; returns its report when it fails.
fn run_judge(judge: &Path, args: &[&std::ffi::OsStr]) -> Result<(), String> {
    let output = Process::new(judge)
        .args(args)
        .output()
        .expect("megaco-judge runs");
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// Constructs the grammar allows that megaco 4.4.2's text decoder refuses
/// (its limitations, not ours): the first one `message` has, if any.
/// `pretty` and `compact` are the message's encodings.
fn megaco_limitation(
    message: &MegacoMessage,
    pretty: &[u8],
    compact: &[u8],
) -> Option<&'static str> {
    let contains = |text: &[u8], needle: &[u8]| text.windows(needle.len()).any(|w| w == needle);
    let transactions = match &message.message.body {
        MessageBody::Transactions(transactions) => transactions.as_slice(),
        MessageBody::Error(_) => &[],
    };
    let commands = || {
        transactions
            .iter()
            .filter_map(|t| match t {
                Transaction::Request(request) => Some(request),
                _ => None,
            })
            .flat_map(|request| &request.actions)
            .flat_map(|action| &action.commands)
            .map(|request| &request.command)
    };
    if transactions.split_last().is_some_and(|(_, before)| {
        before
            .iter()
            .any(|t| matches!(t, Transaction::SegmentReply(_)))
    }) {
        // `segmentReply` ends without LWSP, so nothing can separate it from
        // a following transaction.
        Some("transaction after a segment reply")
    } else if commands().any(|c| matches!(c, Command::Notify(n) if n.error.is_some())) {
        Some("Notify request with an error descriptor")
    } else if let Some(limitation) = commands()
        .flat_map(audit_descriptors)
        .find_map(ind_aud_media_limitation)
    {
        Some(limitation)
    } else if contains(pretty, b"Iteration") {
        Some("long token Iteration")
    } else if compact.iter().any(|&b| b >= 0x80) {
        Some("octets 0x80-0xFF in values")
    } else if contains(compact, b"ANDLgc") {
        Some("ANDLgc audit selection logic")
    } else if contains(compact, b"\\}") {
        Some("`\\}` escape in SDP")
    } else if contains(compact, b"MT=X") {
        Some("extension ServiceChange method")
    } else if contains(compact, b"MX=N64") {
        Some("Nx64Kservice Mux type")
    } else {
        None
    }
}

/// The audit descriptors of a command request.
fn audit_descriptors(command: &Command) -> impl Iterator<Item = &AuditDescriptor> {
    let (direct, amm): (Option<&AuditDescriptor>, &[AmmDescriptor]) = match command {
        Command::Add(amm) | Command::Move(amm) | Command::Modify(amm) => (None, &amm.descriptors),
        Command::Subtract(subtract) => (subtract.audit.as_ref(), &[]),
        Command::AuditCapabilities(audit) | Command::AuditValue(audit) => (Some(&audit.audit), &[]),
        Command::ServiceChange(change) => (change.parms.info.as_ref(), &[]),
        Command::Notify(_) => (None, &[]),
    };
    direct.into_iter().chain(amm.iter().filter_map(|d| match d {
        AmmDescriptor::Audit(audit) => Some(audit),
        _ => None,
    }))
}

/// What megaco refuses in the audited Media descriptors of `audit`: several
/// items for the single stream (it takes one), or an audited property with
/// a value in LocalControl or TerminationState (it takes one only right
/// after the same property's bare name).
fn ind_aud_media_limitation(audit: &AuditDescriptor) -> Option<&'static str> {
    let has_selection = |parms: &[IndAudPropertyParm]| parms.iter().any(|p| p.parm.is_some());
    let stream_selects = |parms: &IndAudStreamParms| {
        parms
            .local_control
            .as_ref()
            .is_some_and(|control| has_selection(&control.property_parms))
    };
    for item in &audit.property_tokens {
        let IndAuditParameter::Media(media) = item else {
            continue;
        };
        let several_single_stream_items = match &media.streams {
            Some(IndAudStreams::One(parms)) => {
                [
                    parms.local_control.is_some(),
                    parms.local.is_some(),
                    parms.remote.is_some(),
                    parms.statistics.is_some(),
                ]
                .into_iter()
                .filter(|&present| present)
                .count()
                    > 1
            }
            _ => false,
        };
        let selects = media
            .termination_state
            .as_ref()
            .is_some_and(|state| has_selection(&state.property_parms))
            || match &media.streams {
                Some(IndAudStreams::One(parms)) => stream_selects(parms),
                Some(IndAudStreams::Multi(streams)) => {
                    streams.iter().any(|s| stream_selects(&s.parms))
                }
                None => false,
            };
        if several_single_stream_items {
            return Some("several audited items of the single stream");
        }
        if selects {
            return Some("audited property with a value in LocalControl or TerminationState");
        }
    }
    None
}

/// How many generated messages megaco judges, each in both styles.
const JUDGED_MESSAGES: usize = 200;

#[test]
fn megaco_accepts_generated_messages_in_both_styles() {
    let Some(judge) = judge() else { return };
    let dir = scratch_dir("generated");
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    let messages = strategy::megaco_message();
    let mut files = Vec::new();
    let mut skipped = std::collections::BTreeMap::<&str, usize>::new();
    let mut judged = 0;
    while judged < JUDGED_MESSAGES {
        let mut message = messages.new_tree(&mut runner).expect("a message").current();
        // The judge takes a file not starting with the `MEGACO/` header for
        // BER, so the authentication header cannot be judged.
        message.auth_header = None;
        let pretty = encode_to_vec(&message, Style::Pretty).expect("generated messages encode");
        let compact = encode_to_vec(&message, Style::Compact).expect("generated messages encode");
        if let Some(limitation) = megaco_limitation(&message, &pretty, &compact) {
            *skipped.entry(limitation).or_default() += 1;
            continue;
        }
        judged += 1;
        for (bytes, suffix) in [(pretty, "pretty"), (compact, "compact")] {
            let file = dir.join(format!("gen{judged:03}.{suffix}.txt"));
            std::fs::write(&file, bytes).expect("write message");
            files.push(file);
        }
    }
    let args: Vec<&std::ffi::OsStr> = std::iter::once("check".as_ref())
        .chain(files.iter().map(|f| f.as_os_str()))
        .collect();
    println!("skipped for megaco's limitations: {skipped:?}");
    if let Err(report) = run_judge(judge, &args) {
        let rejected: Vec<&str> = report
            .lines()
            .filter_map(|line| line.strip_prefix("REJECTED: "))
            .map(|rest| rest.split(": ").next().unwrap_or(rest))
            .collect();
        panic!(
            "megaco rejected {} of {} files (kept in {}; `megaco-judge show FILE` tells why):\n{}",
            rejected.len(),
            files.len(),
            dir.display(),
            rejected.join("\n")
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn megaco_reads_hand_built_corpus_messages_as_the_corpus_message() {
    let Some(judge) = judge() else { return };
    let dir = scratch_dir("corpus");
    let mut pairs = String::new();
    for (name, message) in [
        ("msg01a", msg01a()),
        ("x03_auditcap_reply", x03_auditcap_reply()),
        ("x12_add_mux", x12_add_mux()),
    ] {
        for (style, suffix) in [(Style::Pretty, "pretty"), (Style::Compact, "compact")] {
            let ours = dir.join(format!("{name}.{suffix}.txt"));
            std::fs::write(&ours, encode_to_vec(&message, style).expect("encodes"))
                .expect("write message");
            let theirs = format!("{CORPUS}/{name}.pretty.txt");
            pairs.push_str(&format!("{} {theirs}\n", ours.display()));
        }
    }
    let list = dir.join("pairs.txt");
    std::fs::write(&list, pairs).expect("write pair list");
    if let Err(report) = run_judge(judge, &["pairs".as_ref(), list.as_os_str()]) {
        panic!("megaco reads our encoding differently:\n{report}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
