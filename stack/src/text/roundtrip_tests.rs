//! The text codec's contract: any message the model generators produce
//! encodes, in either style, to text that decodes back to the same message.

use proptest::prelude::*;

use super::{decode, encode_to_vec, Style};
use crate::model::strategy::megaco_message;

/// Encodes `message` in `style` and decodes the result.
fn round_trip(message: &crate::model::MegacoMessage, style: Style) -> Result<(), TestCaseError> {
    let text =
        encode_to_vec(message, style).map_err(|e| TestCaseError::fail(format!("encode: {e}")))?;
    let shown = String::from_utf8_lossy(&text);
    let decoded =
        decode(&text).map_err(|e| TestCaseError::fail(format!("decode: {e}\n{shown}")))?;
    prop_assert_eq!(&decoded, message, "{}", shown);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    #[ignore = "needs the text decoder"]
    fn pretty_text_decodes_to_the_encoded_message(message in megaco_message()) {
        round_trip(&message, Style::Pretty)?;
    }

    #[test]
    #[ignore = "needs the text decoder"]
    fn compact_text_decodes_to_the_encoded_message(message in megaco_message()) {
        round_trip(&message, Style::Compact)?;
    }
}
