//! The decoder never panics: every prefix of every corpus pretty message and
//! byte-flipped variants of them decode or fail with an error.

use std::path::Path;

use h248_stack::text::{decode, decode_with, DecodeLimits};

fn pretty_messages() -> Option<Vec<Vec<u8>>> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus"));
    let Ok(entries) = std::fs::read_dir(dir) else {
        if std::env::var("H248_REQUIRE_SHARED").as_deref() == Ok("1") {
            panic!("corpus not found at {}", dir.display());
        }
        println!("skipped: ../shared not found");
        return None;
    };
    let mut files: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_str().is_some_and(|s| s.ends_with(".pretty.txt")))
        .collect();
    files.sort();
    Some(files.iter().map(|p| std::fs::read(p).unwrap()).collect())
}

#[test]
fn every_truncation_is_an_error_or_a_message() {
    let Some(messages) = pretty_messages() else {
        return;
    };
    for message in &messages {
        for len in 0..message.len() {
            let prefix = &message[..len];
            if let Err(e) = decode(prefix) {
                assert!(e.offset <= len);
            }
        }
    }
}

#[test]
fn byte_flips_never_panic() {
    let Some(messages) = pretty_messages() else {
        return;
    };
    const REPLACEMENTS: &[u8] = b"{}[]=,;:\"\\/-*$#<> \n\x00\xff\xc3Tx9";
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let tight = DecodeLimits {
        max_depth: 6,
        max_list_len: 4,
        max_sdp_lines: 3,
        ..DecodeLimits::default()
    };
    for message in &messages {
        for _ in 0..200 {
            let mut mutated = message.clone();
            for _ in 0..1 + next() % 3 {
                let at = (next() % mutated.len() as u64) as usize;
                mutated[at] = REPLACEMENTS[(next() % REPLACEMENTS.len() as u64) as usize];
            }
            let _ = decode(&mutated);
            let _ = decode_with(&mutated, &tight);
        }
    }
}

proptest::proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
        let _ = decode(&bytes);
    }

    #[test]
    fn grammar_shaped_noise_never_panics(
        body in "(T|P|C|MF|A|E|SG|M|O|L|ST|DM|AT|SA|=|\\{|\\}|\\[|\\]|,|:|/|-|\\$|\\*|1|22|a/b|\"x\"|;c\n| |\n){0,80}"
    ) {
        let input = format!("!/3 [1.2.3.4] {body}");
        let _ = decode(input.as_bytes());
    }
}
