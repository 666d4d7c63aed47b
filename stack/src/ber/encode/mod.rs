//! Model → BER: Annex A types in the order of the version 3 module, writing
//! only the components the message's version has.
//!
//! - this module: `MegacoMessage` .. `Transaction`, `MId`, `ErrorDescriptor`,
//!   `TerminationID`, `PropertyParm`, `Value` and the other shared pieces;
//! - [`command`]: actions, context requests, commands and replies;
//! - [`descriptor`]: the descriptors of clause 7.1;
//! - [`audit`]: the `IndAud*` types.

mod audit;
mod command;
mod descriptor;

use bytes::BytesMut;

use super::error::BerEncodeError;
use super::names::{self, PkgdId};
use super::termination::{BinaryTerminationId, TerminationIdMapping};
use super::writer::Writer;
use crate::model::*;
use crate::package::{BinaryNames, ItemKind, ParameterKind};

type Result<T = ()> = std::result::Result<T, BerEncodeError>;

/// Encodes one message (see [`super::encode`]).
pub(super) fn message(
    message: &MegacoMessage,
    names: &dyn BinaryNames,
    terms: &dyn TerminationIdMapping,
    out: &mut BytesMut,
) -> Result {
    let mut encoder = Encoder {
        w: Writer::new(out),
        names,
        terms,
        version: message.message.version,
        termination: BinaryTerminationId::default(),
        sdp_ids: [None; 26],
    };
    encoder.megaco_message(message)
}

/// Encoding context: the output, the name catalogue, the termination ID
/// mapping, the message's version and a reused termination ID buffer.
struct Encoder<'a> {
    w: Writer<'a>,
    names: &'a dyn BinaryNames,
    terms: &'a dyn TerminationIdMapping,
    version: u8,
    termination: BinaryTerminationId,
    /// Annex C IDs of the SDP letters `a` to `z` already looked up.
    sdp_ids: [Option<PkgdId>; 26],
}

impl<'a> Encoder<'a> {
    /// Refuses `construct` when the message's version is below `version`.
    fn since(&self, version: u8, construct: &'static str) -> Result {
        if self.version < version {
            Err(BerEncodeError::NotInVersion {
                construct,
                version: self.version,
            })
        } else {
            Ok(())
        }
    }

    fn megaco_message(&mut self, message: &MegacoMessage) -> Result {
        let outer = self.w.open_sequence();
        if let Some(auth) = &message.auth_header {
            if !(12..=32).contains(&auth.auth_data.len()) {
                return Err(BerEncodeError::OutOfRange("AuthData SIZE(12..32)"));
            }
            let seq = self.w.open(0);
            self.w.octets(0, &auth.security_parm_index.to_be_bytes());
            self.w.octets(1, &auth.sequence_number.to_be_bytes());
            self.w.octets(2, &auth.auth_data);
            self.w.close(seq);
        }
        let m = &message.message;
        if m.version > 99 {
            return Err(BerEncodeError::OutOfRange("Message.version INTEGER(0..99)"));
        }
        let seq = self.w.open(1);
        self.w.uint(0, u64::from(m.version));
        let mid = self.w.open(1);
        self.mid(&m.mid, 0)?;
        self.w.close(mid);
        let body = self.w.open(2);
        match &m.body {
            MessageBody::Error(error) => self.error_descriptor(0, error),
            MessageBody::Transactions(transactions) => {
                let list = self.w.open(1);
                for transaction in transactions {
                    self.transaction(transaction)?;
                }
                self.w.close(list);
            }
        }
        self.w.close(body);
        self.w.close(seq);
        self.w.close(outer);
        Ok(())
    }

    fn transaction(&mut self, transaction: &Transaction) -> Result {
        match transaction {
            Transaction::Request(request) => {
                let seq = self.w.open(0);
                self.w.uint(0, u64::from(request.transaction_id));
                let list = self.w.open(1);
                for action in &request.actions {
                    self.action_request(action)?;
                }
                self.w.close(list);
                self.w.close(seq);
            }
            Transaction::Pending(pending) => {
                let seq = self.w.open(1);
                self.w.uint(0, u64::from(pending.transaction_id));
                self.w.close(seq);
            }
            Transaction::Reply(reply) => self.transaction_reply(reply)?,
            Transaction::ResponseAck(acks) => {
                let list = self.w.open(3);
                for ack in acks {
                    let seq = self.w.open_sequence();
                    self.w.uint(0, u64::from(ack.first));
                    if let Some(last) = ack.last {
                        self.w.uint(1, u64::from(last));
                    }
                    self.w.close(seq);
                }
                self.w.close(list);
            }
            Transaction::SegmentReply(segment) => {
                self.since(3, "SegmentReply")?;
                let seq = self.w.open(4);
                self.w.uint(0, u64::from(segment.transaction_id));
                self.w.uint(1, u64::from(segment.segment_number));
                if segment.segmentation_complete {
                    self.w.null(2);
                }
                self.w.close(seq);
            }
        }
        Ok(())
    }

    fn transaction_reply(&mut self, reply: &TransactionReply) -> Result {
        let seq = self.w.open(2);
        self.w.uint(0, u64::from(reply.transaction_id));
        if reply.imm_ack_required {
            self.w.null(1);
        }
        let result = self.w.open(2);
        match &reply.result {
            TransactionResult::Error(error) => self.error_descriptor(0, error),
            TransactionResult::ActionReplies(replies) => {
                let list = self.w.open(1);
                for action in replies {
                    self.action_reply(action)?;
                }
                self.w.close(list);
            }
        }
        self.w.close(result);
        if let Some(segment_number) = reply.segment_number {
            self.since(3, "TransactionReply segmentNumber")?;
            self.w.uint(3, u64::from(segment_number));
        }
        if reply.segmentation_complete {
            self.since(3, "TransactionReply segmentationComplete")?;
            self.w.null(4);
        }
        self.w.close(seq);
        Ok(())
    }

    /// `ErrorDescriptor` as component / alternative `[number]`.
    fn error_descriptor(&mut self, number: u8, error: &ErrorDescriptor) {
        let seq = self.w.open(number);
        self.w.uint(0, u64::from(error.code));
        if let Some(text) = &error.text {
            self.w.octets(1, text.as_bytes());
        }
        self.w.close(seq);
    }

    /// The alternatives of `MId`, numbered from `first` (0 in `MId`, 1 in
    /// `ServiceChangeAddress`).
    fn mid(&mut self, mid: &MId, first: u8) -> Result {
        match mid {
            MId::Ip4 { address, port } => {
                self.ip_address(first, &address.octets(), *port);
            }
            MId::Ip6 { address, port } => {
                self.ip_address(first + 1, &address.octets(), *port);
            }
            MId::Domain { name, port } => {
                if !name.is_ascii() {
                    return Err(BerEncodeError::OutOfRange("DomainName IA5String"));
                }
                let seq = self.w.open(first + 2);
                self.w.octets(0, name.as_bytes());
                if let Some(port) = port {
                    self.w.uint(1, u64::from(*port));
                }
                self.w.close(seq);
            }
            MId::Device(name) => {
                if name.is_empty() || name.len() > 64 || !name.is_ascii() {
                    return Err(BerEncodeError::OutOfRange(
                        "PathName IA5String(SIZE(1..64))",
                    ));
                }
                self.w.octets(first + 3, name.as_bytes());
            }
            MId::Mtp(octets) => {
                if !(2..=4).contains(&octets.len()) {
                    return Err(BerEncodeError::OutOfRange("mtpAddress SIZE(2..4)"));
                }
                self.w.octets(first + 4, octets);
            }
        }
        Ok(())
    }

    fn ip_address(&mut self, number: u8, octets: &[u8], port: Option<u16>) {
        let seq = self.w.open(number);
        self.w.octets(0, octets);
        if let Some(port) = port {
            self.w.uint(1, u64::from(port));
        }
        self.w.close(seq);
    }

    /// `TerminationID` with identifier `identifier` (a list item or `[n]`).
    fn termination_id_raw(&mut self, identifier: u8, id: &TerminationId) -> Result {
        self.terms
            .to_binary(id, &mut self.termination)
            .map_err(|reason| BerEncodeError::TerminationId {
                id: id.to_text(),
                reason,
            })?;
        let seq = self.w.open_raw(identifier);
        let wildcards = self.w.open(0);
        for &field in &self.termination.wildcard {
            self.w.octet_string_item(&[field]);
        }
        self.w.close(wildcards);
        self.w.octets(1, &self.termination.id);
        self.w.close(seq);
        Ok(())
    }

    fn termination_id(&mut self, number: u8, id: &TerminationId) -> Result {
        self.termination_id_raw(0xa0 | number, id)
    }

    /// `TerminationIDList` as component `[number]`.
    fn termination_ids(&mut self, number: u8, ids: &[TerminationId]) -> Result {
        let list = self.w.open(number);
        for id in ids {
            self.termination_id_raw(0x30, id)?;
        }
        self.w.close(list);
        Ok(())
    }

    fn pkgd_id(&self, kind: ItemKind, name: &str) -> Result<PkgdId> {
        names::pkgd_id(self.names, kind, name)
    }

    /// `PkgdName` as component `[number]`.
    fn pkgd_name(&mut self, number: u8, kind: ItemKind, name: &str) -> Result<PkgdId> {
        let id = self.pkgd_id(kind, name)?;
        self.w.octets(number, &id.octets());
        Ok(id)
    }

    /// `Value ::= SEQUENCE OF OCTET STRING` as component `[number]`.
    fn values<'v>(&mut self, number: u8, values: impl IntoIterator<Item = &'v Value>) {
        let list = self.w.open(number);
        for value in values {
            self.w.octet_string_item(value.as_bytes());
        }
        self.w.close(list);
    }

    /// `value` and `extraInfo` (components 1 and 2) of a parameter.
    fn parm_value(&mut self, value: &ParmValue) {
        match value {
            ParmValue::Equal(v) => self.values(1, [v]),
            ParmValue::Relation(relation, v) => {
                self.values(1, [v]);
                let extra = self.w.open(2);
                let code = match relation {
                    Relation::GreaterThan => 0,
                    Relation::SmallerThan => 1,
                    Relation::UnequalTo => 2,
                };
                self.w.uint(0, code);
                self.w.close(extra);
            }
            ParmValue::Range(low, high) => {
                self.values(1, [low, high]);
                let extra = self.w.open(2);
                self.w.boolean(1, true);
                self.w.close(extra);
            }
            ParmValue::Sublist(list) | ParmValue::Alternatives(list) => {
                self.values(1, list);
                let extra = self.w.open(2);
                self.w.boolean(2, matches!(value, ParmValue::Sublist(_)));
                self.w.close(extra);
            }
        }
    }

    /// A `PropertyParm` list item.
    fn property_parm_raw(&mut self, identifier: u8, parm: &PropertyParm) -> Result {
        let seq = self.w.open_raw(identifier);
        self.pkgd_name(0, ItemKind::Property, &parm.name)?;
        self.parm_value(&parm.value);
        self.w.close(seq);
        Ok(())
    }

    /// `SEQUENCE OF PropertyParm` as component `[number]`.
    fn property_parms(&mut self, number: u8, parms: &[PropertyParm]) -> Result {
        let list = self.w.open(number);
        for parm in parms {
            self.property_parm_raw(0x30, parm)?;
        }
        self.w.close(list);
        Ok(())
    }

    /// `SEQUENCE OF EventParameter` / `SigParameter` as component `[number]`,
    /// names scoped to event or signal `owner`.
    fn parameters(
        &mut self,
        number: u8,
        kind: ParameterKind,
        owner: PkgdId,
        parms: &[PropertyParm],
    ) -> Result {
        let list = self.w.open(number);
        for parm in parms {
            let id = names::parameter_id(self.names, kind, owner, &parm.name)?;
            let seq = self.w.open_sequence();
            self.w.octets(0, &id.to_be_bytes());
            self.parm_value(&parm.value);
            self.w.close(seq);
        }
        self.w.close(list);
        Ok(())
    }

    /// `TimeNotation` as component `[number]`.
    fn time_notation(&mut self, number: u8, time: &TimeNotation) -> Result {
        if time.date.len() != 8 || time.time.len() != 8 || !time.date.is_ascii() {
            return Err(BerEncodeError::OutOfRange(
                "TimeNotation IA5String(SIZE(8))",
            ));
        }
        let seq = self.w.open(number);
        self.w.octets(0, time.date.as_bytes());
        self.w.octets(1, time.time.as_bytes());
        self.w.close(seq);
        Ok(())
    }

    /// `NonStandardData` as component `[number]`.
    fn non_standard_data(&mut self, number: u8, data: &NonStandardData) -> Result {
        let seq = self.w.open(number);
        let id = self.w.open(0);
        match &data.identifier {
            NonStandardIdentifier::Object(arcs) => {
                if arcs.len() < 2 || arcs.len() > 32 {
                    return Err(BerEncodeError::OutOfRange("OBJECT IDENTIFIER arcs"));
                }
                self.w.object_identifier(0, arcs);
            }
            NonStandardIdentifier::H221NonStandard {
                t35_country_code1,
                t35_country_code2,
                t35_extension,
                manufacturer_code,
            } => {
                let h = self.w.open(1);
                self.w.uint(0, u64::from(*t35_country_code1));
                self.w.uint(1, u64::from(*t35_country_code2));
                self.w.uint(2, u64::from(*t35_extension));
                self.w.uint(3, u64::from(*manufacturer_code));
                self.w.close(h);
            }
            NonStandardIdentifier::Experimental(text) => {
                if text.len() != 8 || !text.is_ascii() {
                    return Err(BerEncodeError::OutOfRange(
                        "experimental IA5String(SIZE(8))",
                    ));
                }
                self.w.octets(2, text.as_bytes());
            }
        }
        self.w.close(id);
        self.w.octets(1, &data.data);
        self.w.close(seq);
        Ok(())
    }
}
