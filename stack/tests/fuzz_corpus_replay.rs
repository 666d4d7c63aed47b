//! Replays the saved fuzz corpora (`fuzz/corpus/*`) as ordinary tests, with
//! the same oracle as the fuzz targets: no panic, and every decoded message
//! survives pretty and compact encoding unchanged.

use std::path::Path;

use h248_stack::ber;
use h248_stack::text::{self, Style};

fn replay(target: &str, check: impl Fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("the saved fuzz corpus is in the repository") {
        let path = entry.expect("corpus entry").path();
        if path.is_file() {
            check(&std::fs::read(&path).expect("corpus file is readable"));
            count += 1;
        }
    }
    count
}

#[test]
fn saved_text_decode_corpus_replays_cleanly() {
    let count = replay("text_decode", |data| {
        let Ok(message) = text::decode(data) else {
            return;
        };
        for style in [Style::Pretty, Style::Compact] {
            let encoded = text::encode_to_vec(&message, style).expect("a decoded message encodes");
            let again = text::decode(&encoded).expect("our own output decodes");
            assert_eq!(again, message, "{style:?} round trip changed the message");
        }
    });
    assert!(count > 0, "the text_decode fuzz corpus is empty");
}

#[test]
fn saved_ber_decode_corpus_replays_cleanly() {
    let count = replay("ber_decode", |data| {
        let Ok(message) = ber::decode_default(data) else {
            return;
        };
        let Ok(encoded) = ber::encode_to_vec(&message) else {
            return;
        };
        let again = ber::decode_default(&encoded).expect("our own BER decodes");
        assert_eq!(again, message, "BER round trip changed the message");
    });
    assert!(count > 0, "the ber_decode fuzz corpus is empty");
}
