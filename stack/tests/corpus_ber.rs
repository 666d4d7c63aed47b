//! The BER codec against the shared corpus (Erlang/OTP megaco's BER encoder
//! output): every `NAME.ber.bin` decodes; our re-encoding is judged the same
//! message by megaco (`megaco-judge pairs`); and Wireshark (`h248check`)
//! flags none of our outputs whose corpus twin it does not flag.
//!
//! The corpus lives in `../shared` beside the repository; without it the test
//! prints "skipped: ../shared not found" and passes, unless
//! `H248_REQUIRE_SHARED=1`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use h248_stack::ber;

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared");

fn shared() -> Option<PathBuf> {
    let path = PathBuf::from(SHARED);
    if path.join("corpus").is_dir() {
        return Some(path);
    }
    if std::env::var("H248_REQUIRE_SHARED").as_deref() == Ok("1") {
        panic!("{SHARED} not found and H248_REQUIRE_SHARED=1");
    }
    println!("skipped: ../shared not found");
    None
}

fn corpus_ber_files(shared: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(shared.join("corpus"))
        .expect("corpus directory")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.to_string_lossy().ends_with(".ber.bin"))
        .collect();
    files.sort();
    files
}

/// Decodes and re-encodes every corpus message into `out_dir`; returns
/// (ours, theirs) pairs.
fn reencode_all(shared: &Path, out_dir: &Path) -> Vec<(PathBuf, PathBuf)> {
    std::fs::create_dir_all(out_dir).expect("output directory");
    let mut pairs = Vec::new();
    let mut identical = 0;
    for theirs in corpus_ber_files(shared) {
        let bytes = std::fs::read(&theirs).expect("corpus file");
        let name = theirs.file_name().expect("file name").to_owned();
        let message =
            ber::decode_default(&bytes).unwrap_or_else(|e| panic!("{}: {e}", theirs.display()));
        let encoded = ber::encode_to_vec(&message)
            .unwrap_or_else(|e| panic!("{}: encode: {e}", theirs.display()));
        let again = ber::decode_default(&encoded)
            .unwrap_or_else(|e| panic!("{}: our output: {e}", theirs.display()));
        assert_eq!(again, message, "{}: model → BER → model", theirs.display());
        identical += usize::from(encoded == bytes);
        let ours = out_dir.join(&name);
        std::fs::write(&ours, &encoded).expect("write our encoding");
        pairs.push((ours, theirs));
    }
    assert!(
        pairs.len() >= 100,
        "expected the whole corpus, got {}",
        pairs.len()
    );
    println!(
        "{} corpus BER messages decoded and re-encoded; {identical} byte-identical to megaco's",
        pairs.len()
    );
    pairs
}

#[test]
fn corpus_decodes_reencodes_and_megaco_judges_the_same() {
    let Some(shared) = shared() else { return };
    let out_dir = std::env::temp_dir().join(format!("h248-ber-corpus-{}", std::process::id()));
    let pairs = reencode_all(&shared, &out_dir.join("judge"));

    let judge = shared.join("tools/megaco-judge/megaco-judge");
    let list = out_dir.join("pairs.txt");
    let lines: String = pairs
        .iter()
        .map(|(ours, theirs)| format!("{} {}\n", ours.display(), theirs.display()))
        .collect();
    std::fs::write(&list, lines).expect("pairs list");
    let output = Command::new(&judge)
        .arg("pairs")
        .arg(&list)
        .output()
        .expect("run megaco-judge");
    let report = String::from_utf8_lossy(&output.stdout);
    let failed: Vec<&str> = report
        .lines()
        .filter(|line| !line.starts_with("same:") && !line.contains("passed"))
        .collect();
    assert!(
        output.status.success() && failed.is_empty(),
        "megaco-judge: {failed:#?}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary = report.lines().last().unwrap_or_default();
    assert_eq!(summary, format!("{} passed, 0 failed", pairs.len()));
    let _ = std::fs::remove_dir_all(&out_dir);
}

/// The files h248check fails, by file name.
fn h248check_failures(tool: &Path, files: &[PathBuf]) -> Option<BTreeSet<String>> {
    let output = Command::new(tool).args(files).output().ok()?;
    if output.status.code() == Some(2) {
        return None;
    }
    Some(
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| line.strip_prefix("FAIL"))
            .filter_map(|rest| rest.split_whitespace().next())
            .filter_map(|path| Path::new(path).file_name())
            .map(|name| name.to_string_lossy().into_owned())
            .collect(),
    )
}

#[test]
fn wireshark_flags_none_of_ours_that_it_accepts_from_megaco() {
    let Some(shared) = shared() else { return };
    let tool = shared.join("tools/h248check/h248check");
    let out_dir = std::env::temp_dir().join(format!("h248-ber-tshark-{}", std::process::id()));
    let pairs = reencode_all(&shared, &out_dir);
    let (ours, theirs): (Vec<PathBuf>, Vec<PathBuf>) = pairs.into_iter().unzip();
    let (Some(ours_failed), Some(theirs_failed)) = (
        h248check_failures(&tool, &ours),
        h248check_failures(&tool, &theirs),
    ) else {
        println!("skipped: h248check (tshark) not usable");
        return;
    };
    let newly_flagged: Vec<&String> = ours_failed.difference(&theirs_failed).collect();
    println!(
        "h248check flags {} of megaco's and {} of ours",
        theirs_failed.len(),
        ours_failed.len()
    );
    assert!(
        newly_flagged.is_empty(),
        "flagged only in ours: {newly_flagged:?}"
    );
    let _ = std::fs::remove_dir_all(&out_dir);
}

/// Throughput over the corpus, single thread: run with
/// `cargo test --release -p h248-stack --test corpus_ber -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, meaningful only in release mode"]
fn throughput() {
    use std::time::Instant;

    let Some(shared) = shared() else { return };
    let inputs: Vec<Vec<u8>> = corpus_ber_files(&shared)
        .iter()
        .map(|path| std::fs::read(path).expect("corpus file"))
        .collect();
    let messages: Vec<_> = inputs
        .iter()
        .map(|bytes| ber::decode_default(bytes).expect("decodes"))
        .collect();
    let bytes: usize = inputs.iter().map(Vec::len).sum();
    let rounds: usize = std::env::var("H248_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(20_000);
    let names = h248_stack::package::Catalogue::base();
    let terms = ber::BitStringMapping::default();
    let limits = ber::BerLimits::default();

    let start = Instant::now();
    let cpu_start = thread_cpu_seconds();
    let mut count = 0usize;
    for _ in 0..rounds {
        for input in &inputs {
            let message = ber::decode(input, names, &terms, &limits).expect("decodes");
            count += usize::from(message.message.version > 0);
        }
    }
    let decode = start.elapsed();
    let decode_cpu = thread_cpu_seconds() - cpu_start;

    let mut out = bytes::BytesMut::with_capacity(4096);
    let start = Instant::now();
    let cpu_start = thread_cpu_seconds();
    for _ in 0..rounds {
        for message in &messages {
            out.clear();
            ber::encode(message, names, &terms, &mut out).expect("encodes");
        }
    }
    let encode = start.elapsed();
    let encode_cpu = thread_cpu_seconds() - cpu_start;

    let total = (rounds * inputs.len()) as f64;
    println!(
        "{} messages, {:.0} bytes/msg, {count} decoded; wall clock: decode {:.0} msgs/s, \
         encode {:.0} msgs/s; per CPU second of this thread: decode {:.0} msgs/s, encode {:.0} msgs/s",
        inputs.len(),
        bytes as f64 / inputs.len() as f64,
        total / decode.as_secs_f64(),
        total / encode.as_secs_f64(),
        total / decode_cpu,
        total / encode_cpu,
    );
}

/// CPU time of the calling thread (Linux `/proc/thread-self/stat`, user +
/// system, in clock ticks of 10 ms), so that a loaded machine does not
/// distort the rate; `NaN` elsewhere.
fn thread_cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/thread-self/stat") else {
        return f64::NAN;
    };
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th fields of the whole line.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: f64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i).and_then(|f| f.parse::<f64>().ok()))
        .sum();
    ticks / 100.0
}
