//! Interoperability with Erlang/OTP megaco: every text form of every corpus
//! message is decoded, re-encoded pretty and compact, and megaco must judge
//! each output the same message as the file it came from.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use h248_stack::text::{self, Style};

/// Corpus messages that megaco itself cannot judge against our standard
/// output, and the twin (kept in `tests/vectors/judge/`) to judge against
/// instead. Each twin differs from the corpus message only where the reason
/// says; megaco decodes twin and output alike, which shows that everything
/// else is the same.
const TWINS: &[(&str, &str, &str)] = &[(
    "msg71b10",
    "msg71b10.standard-topology.txt",
    "megaco writes the v3 topology extension as two directions \
     (`Oneway, OnewayBoth`), which the v3 grammar does not have \
     (`topologyDirection` is one token); the twin has the standard \
     `OnewayBoth`, which megaco decodes the same way as our output",
)];

/// What our output of `source` (corpus message `name`) is judged against.
fn judged_against(name: &str, source: &Path) -> PathBuf {
    match TWINS.iter().find(|(twin_of, _, _)| *twin_of == name) {
        Some((_, twin, _)) => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/vectors/judge")
            .join(twin),
        None => source.to_path_buf(),
    }
}

#[test]
fn megaco_judges_our_reencoding_of_every_corpus_message_the_same() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let corpus = shared.join("corpus");
    let judge = shared.join("tools/megaco-judge/megaco-judge");
    let out_dir = common::scratch_dir("judge");
    let mut pairs = String::new();
    let mut count = 0;
    for name in common::corpus_names(&shared) {
        for form in ["orig", "pretty", "compact"] {
            let source = corpus.join(format!("{name}.{form}.txt"));
            let bytes = std::fs::read(&source).expect("corpus file is readable");
            let message =
                text::decode(&bytes).unwrap_or_else(|e| panic!("{}: {e}", source.display()));
            for (style, tag) in [(Style::Pretty, "pretty"), (Style::Compact, "compact")] {
                let encoded = text::encode_to_vec(&message, style)
                    .unwrap_or_else(|e| panic!("{}: encode {tag}: {e}", source.display()));
                let ours = out_dir.join(format!("{name}.{form}.to-{tag}.txt"));
                std::fs::write(&ours, encoded).expect("scratch file is writable");
                let theirs = judged_against(&name, &source);
                pairs.push_str(&format!("{} {}\n", ours.display(), theirs.display()));
                count += 1;
            }
        }
    }
    assert!(
        count >= 600,
        "expected the whole corpus, got {count} outputs"
    );
    let list = out_dir.join("pairs.txt");
    std::fs::write(&list, pairs).expect("pair list is writable");
    let output = Command::new(&judge)
        .arg("pairs")
        .arg(&list)
        .output()
        .expect("megaco-judge runs (needs erlang-base and erlang-megaco)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let failures: Vec<&str> = stdout.lines().filter(|l| !l.starts_with("same:")).collect();
    assert!(
        output.status.success(),
        "megaco disagrees:\n{}\n{}",
        failures.join("\n"),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains(&format!("{count} passed, 0 failed")),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(&out_dir);
}
