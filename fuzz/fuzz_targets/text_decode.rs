//! Fuzz the text decoder: any input must give a model or an error, never a
//! panic; and every model it gives must survive pretty and compact encoding
//! and decode back to itself.
#![no_main]

use h248_stack::text::{self, Style};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(message) = text::decode(data) else { return };
    for style in [Style::Pretty, Style::Compact] {
        let encoded = text::encode_to_vec(&message, style).expect("a decoded message encodes");
        let again = text::decode(&encoded).expect("our own output decodes");
        assert_eq!(again, message, "{style:?} round trip changed the message");
    }
});
