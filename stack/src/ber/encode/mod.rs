//! stub
use bytes::BytesMut;
use super::error::BerEncodeError;
use super::termination::TerminationIdMapping;
use crate::model::MegacoMessage;
use crate::package::BinaryNames;
pub(super) fn message(_m: &MegacoMessage, _n: &dyn BinaryNames, _t: &dyn TerminationIdMapping, _o: &mut BytesMut) -> Result<(), BerEncodeError> { todo!() }
