//! Fuzz the text decoder for safety alone: any input gives a model or an
//! error, never a panic, within the limits. (`text_decode` adds the strict
//! round-trip oracle.)
#![no_main]

use h248_stack::text;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = text::decode(data);
});
