//! Whole-message tests of the decoder: layout freedom, limits, errors.

use super::*;
use crate::model::*;

#[test]
fn placeholder() {
    assert!(decode(b"").is_err());
}
