//! Fuzz the BER decoder: any input must give a model or an error, never a
//! panic; and every model it gives must encode to BER that decodes back to
//! the same model.
#![no_main]

use h248_stack::ber;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(message) = ber::decode_default(data) else { return };
    // A decoded message may hold what this version cannot encode back
    // (e.g. a v3 item inside a v1 message); that is an error, not a panic.
    let Ok(encoded) = ber::encode_to_vec(&message) else { return };
    let again = ber::decode_default(&encoded).expect("our own BER decodes");
    assert_eq!(again, message, "BER round trip changed the message");
});
