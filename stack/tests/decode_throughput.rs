//! Release-mode throughput of the text decoder over the corpus pretty files:
//! `cargo test --release -p h248-stack --test decode_throughput -- --ignored --nocapture`.

use std::path::Path;
use std::time::Instant;

#[test]
#[ignore = "timing; run in release mode"]
fn decode_throughput_on_corpus_pretty_files() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus"));
    let Ok(entries) = std::fs::read_dir(dir) else {
        println!("skipped: ../shared not found");
        return;
    };
    let messages: Vec<Vec<u8>> = entries
        .filter_map(|e| {
            let path = e.ok()?.path();
            let name = path.file_name()?.to_str()?.to_owned();
            name.ends_with(".pretty.txt")
                .then(|| std::fs::read(&path).ok())
                .flatten()
        })
        .collect();
    let bytes: usize = messages.iter().map(Vec::len).sum();
    // Best of several batches: the machine may be shared.
    let rounds = 400;
    let mut best = f64::MAX;
    for _ in 0..8 {
        let start = Instant::now();
        let mut decoded = 0usize;
        for _ in 0..rounds {
            for m in &messages {
                decoded += usize::from(h248_stack::text::decode(std::hint::black_box(m)).is_ok());
            }
        }
        best = best.min(start.elapsed().as_secs_f64());
        assert_eq!(decoded, rounds * messages.len());
    }
    let count = (rounds * messages.len()) as f64;
    println!(
        "{} messages ({} bytes avg): {:.0} msgs/s, {:.0} MB/s",
        messages.len(),
        bytes / messages.len(),
        count / best,
        (rounds * bytes) as f64 / best / 1e6
    );
}
