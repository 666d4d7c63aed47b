//! Shared inputs of the H.248 benchmarks.
//!
//! The benchmark messages are the corpus in `../shared/corpus` when it is
//! present (the same corpus Erlang/OTP megaco's figures were measured on), and
//! otherwise the repository's own example messages.
#![forbid(unsafe_code)]

pub mod load;

use std::path::{Path, PathBuf};

use h248_stack::model::MegacoMessage;
use h248_stack::text::{self, Style};

/// The messages of one text style, as wire bytes and as decoded models.
pub struct TextSample {
    pub style: Style,
    pub wire: Vec<Vec<u8>>,
    pub models: Vec<MegacoMessage>,
}

impl TextSample {
    /// Total wire bytes of the sample.
    pub fn bytes(&self) -> u64 {
        self.wire.iter().map(|w| w.len() as u64).sum()
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Loads the benchmark messages of `style`: `NAME.pretty.txt` or
/// `NAME.compact.txt` from the shared corpus, or else the repository's
/// example messages re-encoded in `style`. Returns the sample and where it
/// came from.
pub fn text_sample(style: Style) -> (TextSample, String) {
    let suffix = match style {
        Style::Pretty => ".pretty.txt",
        Style::Compact => ".compact.txt",
    };
    let corpus = repo_root().join("../shared/corpus");
    let mut wire = Vec::new();
    let origin;
    if corpus.is_dir() {
        origin = format!("{} (*{suffix})", corpus.display());
        for path in sorted_files(&corpus) {
            if path.to_string_lossy().ends_with(suffix) {
                if let Ok(bytes) = std::fs::read(&path) {
                    wire.push(bytes);
                }
            }
        }
    } else {
        let examples = repo_root().join("examples/messages");
        origin = format!("{} (re-encoded)", examples.display());
        for path in sorted_files(&examples) {
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            if let Ok(model) = text::decode(&bytes) {
                if let Ok(encoded) = text::encode_to_vec(&model, style) {
                    wire.push(encoded);
                }
            }
        }
    }
    let (wire, models): (Vec<_>, Vec<_>) = wire
        .into_iter()
        .filter_map(|w| text::decode(&w).ok().map(|m| (w, m)))
        .unzip();
    (
        TextSample {
            style,
            wire,
            models,
        },
        origin,
    )
}

fn sorted_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}
