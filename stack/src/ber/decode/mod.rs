//! BER → model: Annex A types, decoded in the order of the version 3 module.
//! Versions 1 and 2 are its prefixes (their later components are extensions
//! after `...`), so one decoder reads all three.
//!
//! - this module: `MegacoMessage` .. `Transaction`, `MId`, `ErrorDescriptor`,
//!   `TerminationID`, `PropertyParm`, `Value` and the other shared pieces;
//! - [`command`]: actions, context requests, commands and replies;
//! - [`descriptor`]: the descriptors of clause 7.1;
//! - [`audit`]: the `IndAud*` types.

mod audit;
mod command;
mod descriptor;

use std::net::{Ipv4Addr, Ipv6Addr};

use super::error::{BerDecodeError, BerErrorKind};
use super::names::{self, PkgdId};
use super::reader::{universal, Cursor, Tlv};
use super::termination::TerminationIdMapping;
use super::BerLimits;
use crate::model::*;
use crate::package::{BinaryNames, ItemKind, ParameterKind};

use super::reader::Result;

/// Decodes one message (see [`super::decode`]).
pub(super) fn message(
    input: &[u8],
    names: &dyn BinaryNames,
    terms: &dyn TerminationIdMapping,
    limits: &BerLimits,
) -> Result<MegacoMessage> {
    if input.len() > limits.max_message_size {
        return Err(Box::new(BerDecodeError {
            offset: 0,
            type_name: MEGACO_MESSAGE,
            kind: BerErrorKind::MessageTooLarge,
        }));
    }
    // The reader's errors carry addresses; counted from the start here.
    whole_message(input, names, terms, limits).map_err(|e| Cursor::offset_of(input, e))
}

const MEGACO_MESSAGE: &str = "MegacoMessage";

/// [`message`], within the size bound.
fn whole_message(
    input: &[u8],
    names: &dyn BinaryNames,
    terms: &dyn TerminationIdMapping,
    limits: &BerLimits,
) -> Result<MegacoMessage> {
    const TYPE: &str = MEGACO_MESSAGE;
    let mut outer = Cursor::outermost(input, *limits, TYPE);
    let tlv = outer.next()?.ok_or_else(|| {
        Box::new(BerDecodeError {
            offset: outer.address(),
            type_name: TYPE,
            kind: BerErrorKind::Truncated,
        })
    })?;
    if !outer.is_empty() {
        return Err(Box::new(BerDecodeError {
            offset: outer.address(),
            type_name: TYPE,
            kind: BerErrorKind::TrailingBytes,
        }));
    }
    tlv.expect_tag(TYPE, super::error::Tag::universal(universal::SEQUENCE))?;
    Decoder { names, terms }.megaco_message(tlv)
}

/// Decoding context: the name catalogue and the termination ID mapping.
struct Decoder<'n> {
    names: &'n dyn BinaryNames,
    terms: &'n dyn TerminationIdMapping,
}

/// Most items a list is sized for when its first item is decoded (from the
/// elements present, [`Cursor::count_hint`]); longer lists grow as they are
/// read. Bounds what a hostile list of empty elements can make the
/// decoder reserve before it fails.
const LIST_CAPACITY_HINT: usize = 16;

/// A list the decoder fills item by item: a `Vec`, sized when its first
/// item is decoded for that item and those present after it, or a
/// [`SmallList`] (a command's termination IDs, the session descriptions of a
/// Local / Remote descriptor), whose usual one item is kept inline.
///
/// Nothing is counted or allocated before the first item: most lists of a
/// message hold one item, and the count of the rest is then a check that
/// nothing follows.
trait List<T>: Default {
    /// The list of `first`, read from `cursor`, which holds the items after
    /// it.
    fn with_first(first: T, cursor: &Cursor<'_>) -> Self;

    /// Pushes `item`, read from `cursor`, which holds the items after it.
    /// A `SmallList` moving out of line is sized for those as a `Vec` is
    /// sized with its first item.
    fn push_item(&mut self, item: T, cursor: &Cursor<'_>);
}

impl<T> List<T> for Vec<T> {
    #[inline]
    fn with_first(first: T, cursor: &Cursor<'_>) -> Self {
        // Room for this item and those after it, at most
        // `LIST_CAPACITY_HINT` in all.
        let mut list = Vec::with_capacity(1 + cursor.count_hint(LIST_CAPACITY_HINT - 1));
        list.push(first);
        list
    }

    #[inline]
    fn push_item(&mut self, item: T, _: &Cursor<'_>) {
        self.push(item);
    }
}

impl<T> List<T> for SmallList<T> {
    #[inline]
    fn with_first(first: T, _: &Cursor<'_>) -> Self {
        let mut list = SmallList::new();
        list.push(first);
        list
    }

    #[inline]
    fn push_item(&mut self, item: T, cursor: &Cursor<'_>) {
        if self.len() == self.inline_size() && !self.spilled() {
            // Room for this item and those after it, at most
            // `LIST_CAPACITY_HINT` in all.
            let after = cursor.count_hint(LIST_CAPACITY_HINT - self.len() - 1);
            self.reserve_exact(1 + after);
        }
        self.push(item);
    }
}

/// An empty list sized for the items present in `cursor`.
#[inline]
fn list_for<T>(cursor: &Cursor<'_>) -> Vec<T> {
    Vec::with_capacity(cursor.count_hint(LIST_CAPACITY_HINT))
}

/// The items of a `SEQUENCE OF` whose items are SEQUENCEs.
fn sequences<'a, T, L: List<T>>(
    tlv: Tlv<'a>,
    type_name: &'static str,
    mut item: impl FnMut(Tlv<'a>) -> Result<T>,
) -> Result<L> {
    let mut cursor = tlv.cursor(type_name)?;
    let mut out = match cursor.next_universal(universal::SEQUENCE)? {
        Some(tlv) => L::with_first(item(tlv)?, &cursor),
        None => return Ok(L::default()),
    };
    while let Some(tlv) = cursor.next_universal(universal::SEQUENCE)? {
        out.push_item(item(tlv)?, &cursor);
    }
    Ok(out)
}

/// The items of a `SEQUENCE OF` a CHOICE type (items carry their
/// alternative's tag).
fn choices<'a, T>(
    tlv: Tlv<'a>,
    type_name: &'static str,
    mut item: impl FnMut(Tlv<'a>) -> Result<T>,
) -> Result<Vec<T>> {
    let mut cursor = tlv.cursor(type_name)?;
    let mut out = match cursor.next_item()? {
        Some(tlv) => Vec::with_first(item(tlv)?, &cursor),
        None => return Ok(Vec::new()),
    };
    while let Some(tlv) = cursor.next_item()? {
        out.push(item(tlv)?);
    }
    Ok(out)
}

/// An OPTIONAL component decoded with `f`.
#[inline(always)]
fn optional<'a, T>(
    cursor: &mut Cursor<'a>,
    number: u32,
    f: impl FnOnce(Tlv<'a>) -> Result<T>,
) -> Result<Option<T>> {
    cursor.optional(number)?.map(f).transpose()
}

/// An OPTIONAL NULL: present or not.
#[inline(always)]
fn flag(cursor: &mut Cursor<'_>, number: u32, type_name: &'static str) -> Result<bool> {
    Ok(optional(cursor, number, |t| t.null(type_name))?.is_some())
}

/// `Value ::= SEQUENCE OF OCTET STRING`, each octet string text.
fn values(tlv: Tlv<'_>, type_name: &'static str) -> Result<Vec<Value>> {
    values_of(tlv, type_name).map(Values::into_vec)
}

/// The items of a `Value`, without a `Vec` for the usual single one.
enum Values {
    One(Value),
    /// None, or more than one.
    List(Vec<Value>),
}

impl Values {
    fn into_vec(self) -> Vec<Value> {
        match self {
            Values::One(value) => vec![value],
            Values::List(list) => list,
        }
    }
}

/// [`values`] read into [`Values`]: the same items, checks and errors.
#[inline]
fn values_of(tlv: Tlv<'_>, type_name: &'static str) -> Result<Values> {
    match plain_value(&tlv) {
        Some(value) => Ok(Values::One(value)),
        None => values_general(tlv, type_name),
    }
}

/// A `Value` holding one item in its usual encoding, read straight from its
/// contents octets: a primitive universal OCTET STRING with a short length
/// that fills them, UTF-8 text, within the nesting and list bounds. `None`
/// for any other encoding, which [`values_general`] reads (the same result
/// for this one, and the errors for the others).
#[inline]
fn plain_value(tlv: &Tlv<'_>) -> Option<Value> {
    let [0x04, len @ 0..=0x7f, ref octets @ ..] = *tlv.content else {
        return None;
    };
    if usize::from(len) != octets.len()
        || !tlv.constructed()
        || !tlv.nesting_allows(1)
        || !tlv.list_allows(1)
    {
        return None;
    }
    std::str::from_utf8(octets).ok().map(Text::from)
}

/// A `PropertyParm`, `EventParameter` or `SigParameter` (Annex A, `SEQUENCE
/// { name [0] ..., value [1] Value, extraInfo [2] ... OPTIONAL, ... }`) in
/// its usual encoding, read straight from its contents octets: `[0]`
/// primitive with the short length `N` (4 for a `PkgdName`, 2 for a
/// `Name`), then `[1]` with a short length holding exactly one primitive
/// universal OCTET STRING with a short length, UTF-8 text, then nothing,
/// within the nesting and list bounds. Returns the name octets and the
/// text. `None` for any other encoding, which the general reader of the
/// caller reads (the same result for this one, and the errors for the
/// others).
#[inline]
fn plain_named_value<'a, const N: usize>(tlv: &Tlv<'a>) -> Option<([u8; N], &'a str)> {
    let [0x80, name_len, ref rest @ ..] = *tlv.content else {
        return None;
    };
    let (name, rest) = rest.split_first_chunk::<N>()?;
    let [0xa1, value_len @ 0..=0x7f, 0x04, text_len @ 0..=0x7f, ref text @ ..] = *rest else {
        return None;
    };
    if usize::from(name_len) != N
        || usize::from(value_len) != usize::from(text_len) + 2
        || usize::from(text_len) != text.len()
        || !tlv.constructed()
        || !tlv.nesting_allows(2)
        || !tlv.list_allows(1)
    {
        return None;
    }
    Some((*name, std::str::from_utf8(text).ok()?))
}

/// A [`plain_named_value`] as a parameter holding one value, named by
/// `name_of` from its name octets; `None` if it is not in that encoding or
/// `name_of` does not know the name (the general reader then reports it).
#[inline]
fn plain_parm<const N: usize>(
    tlv: &Tlv<'_>,
    name_of: impl FnOnce([u8; N]) -> Option<Text>,
) -> Option<PropertyParm> {
    let (name, text) = plain_named_value::<N>(tlv)?;
    Some(PropertyParm {
        name: name_of(name)?,
        value: ParmValue::Equal(Text::from(text)),
    })
}

/// [`values_of`] for every encoding, and its errors.
#[inline(never)]
fn values_general(tlv: Tlv<'_>, type_name: &'static str) -> Result<Values> {
    let mut cursor = tlv.cursor(type_name)?;
    let first = match cursor.next_universal(universal::OCTET_STRING)? {
        Some(item) => Text::from(item.utf8(type_name)?),
        None => return Ok(Values::List(Vec::new())),
    };
    if cursor.is_empty() {
        return Ok(Values::One(first));
    }
    more_values(cursor, first, type_name).map(Values::List)
}

/// The second and later items of a `Value`.
#[inline(never)]
fn more_values(
    mut cursor: Cursor<'_>,
    first: Value,
    type_name: &'static str,
) -> Result<Vec<Value>> {
    let mut out = vec![first];
    while let Some(item) = cursor.next_universal(universal::OCTET_STRING)? {
        out.push(Text::from(item.utf8(type_name)?));
    }
    Ok(out)
}

/// The `extraInfo` CHOICE of PropertyParm, EventParameter and SigParameter.
enum ExtraInfo {
    Relation(Relation),
    Range(bool),
    Sublist(bool),
}

fn extra_info(tlv: Tlv<'_>, type_name: &'static str) -> Result<ExtraInfo> {
    let inner = tlv.explicit(type_name)?;
    match inner.tag().number {
        0 => Ok(ExtraInfo::Relation(
            match inner.enumerated("Relation", 2)? {
                0 => Relation::GreaterThan,
                1 => Relation::SmallerThan,
                _ => Relation::UnequalTo,
            },
        )),
        1 => Ok(ExtraInfo::Range(inner.boolean(type_name)?)),
        2 => Ok(ExtraInfo::Sublist(inner.boolean(type_name)?)),
        _ => Err(inner.unknown_alternative(type_name)),
    }
}

/// `value` and `extraInfo` → the model's parameter value (see the comment
/// on `PropertyParm` in Annex A).
fn parm_value(
    at: Tlv<'_>,
    type_name: &'static str,
    values: Values,
    extra: Option<ExtraInfo>,
) -> Result<ParmValue> {
    let mut values = match (values, &extra) {
        // The usual case: one value and no extraInfo (or range FALSE).
        (Values::One(value), None | Some(ExtraInfo::Range(false))) => {
            return Ok(ParmValue::Equal(value))
        }
        (values, _) => values.into_vec(),
    };
    match extra {
        Some(ExtraInfo::Relation(relation)) => match values.pop() {
            Some(value) if values.is_empty() => Ok(ParmValue::Relation(relation, value)),
            _ => Err(at.error(
                type_name,
                BerErrorKind::ConstraintViolated("a relation needs exactly one value"),
            )),
        },
        Some(ExtraInfo::Range(true)) => match (values.pop(), values.pop()) {
            (Some(high), Some(low)) if values.is_empty() => Ok(ParmValue::Range(low, high)),
            _ => Err(at.error(
                type_name,
                BerErrorKind::ConstraintViolated("a range needs exactly two values"),
            )),
        },
        Some(ExtraInfo::Sublist(true)) => Ok(ParmValue::Sublist(values)),
        Some(ExtraInfo::Sublist(false)) => Ok(ParmValue::Alternatives(values)),
        None | Some(ExtraInfo::Range(false)) => {
            if values.len() == 1 {
                Ok(ParmValue::Equal(values.pop().unwrap_or_default()))
            } else {
                Ok(ParmValue::Alternatives(values))
            }
        }
    }
}

impl<'n> Decoder<'n> {
    fn megaco_message(&self, tlv: Tlv<'_>) -> Result<MegacoMessage> {
        let mut s = tlv.cursor("MegacoMessage")?;
        let auth_header = optional(&mut s, 0, |t| self.auth_header(t))?;
        let message = self.message(s.required(1)?)?;
        s.finish()?;
        Ok(MegacoMessage {
            auth_header,
            message,
        })
    }

    fn auth_header(&self, tlv: Tlv<'_>) -> Result<AuthenticationHeader> {
        const T: &str = "AuthenticationHeader";
        let mut s = tlv.cursor(T)?;
        let four = |t: Tlv<'_>| -> Result<u32> {
            let octets = t.octets_sized(T, 4, 4, "SIZE(4)")?;
            Ok(u32::from_be_bytes([
                octets[0], octets[1], octets[2], octets[3],
            ]))
        };
        let security_parm_index = four(s.required(0)?)?;
        let sequence_number = four(s.required(1)?)?;
        let auth_data = s
            .required(2)?
            .octets_sized(T, 12, 32, "AuthData SIZE(12..32)")?
            .to_vec();
        s.finish()?;
        Ok(AuthenticationHeader {
            security_parm_index,
            sequence_number,
            auth_data,
        })
    }

    fn message(&self, tlv: Tlv<'_>) -> Result<Message> {
        const T: &str = "Message";
        let mut s = tlv.cursor(T)?;
        let version = s.required(0)?.u8_max(T, 99)?;
        let mid = mid(s.required(1)?.explicit(T)?)?;
        let body_tlv = s.required(2)?.explicit(T)?;
        let body = match body_tlv.tag().number {
            0 => MessageBody::Error(error_descriptor(body_tlv)?),
            1 => MessageBody::Transactions(choices(body_tlv, T, |t| self.transaction(t))?),
            _ => return Err(body_tlv.unknown_alternative(T)),
        };
        s.finish_extensible(2)?;
        Ok(Message { version, mid, body })
    }

    fn transaction(&self, tlv: Tlv<'_>) -> Result<Transaction> {
        match tlv.tag().number {
            0 => {
                const T: &str = "TransactionRequest";
                let mut s = tlv.cursor(T)?;
                let transaction_id = s.required(0)?.u32(T)?;
                let actions = sequences(s.required(1)?, T, |t| self.action_request(t))?;
                s.finish_extensible(1)?;
                Ok(Transaction::Request(TransactionRequest {
                    transaction_id,
                    actions,
                }))
            }
            1 => {
                const T: &str = "TransactionPending";
                let mut s = tlv.cursor(T)?;
                let transaction_id = s.required(0)?.u32(T)?;
                s.finish_extensible(0)?;
                Ok(Transaction::Pending(TransactionPending { transaction_id }))
            }
            2 => self.transaction_reply(tlv).map(Transaction::Reply),
            3 => {
                const T: &str = "TransactionAck";
                let acks = sequences(tlv, "TransactionResponseAck", |t| {
                    let mut s = t.cursor(T)?;
                    let first = s.required(0)?.u32(T)?;
                    let last = optional(&mut s, 1, |t| t.u32(T))?;
                    s.finish()?;
                    Ok(TransactionAck { first, last })
                })?;
                Ok(Transaction::ResponseAck(acks))
            }
            4 => {
                const T: &str = "SegmentReply";
                let mut s = tlv.cursor(T)?;
                let transaction_id = s.required(0)?.u32(T)?;
                let segment_number = s.required(1)?.u16(T)?;
                let segmentation_complete = flag(&mut s, 2, T)?;
                s.finish_extensible(2)?;
                Ok(Transaction::SegmentReply(SegmentReply {
                    transaction_id,
                    segment_number,
                    segmentation_complete,
                }))
            }
            _ => Err(tlv.unknown_alternative("Transaction")),
        }
    }

    fn transaction_reply(&self, tlv: Tlv<'_>) -> Result<TransactionReply> {
        const T: &str = "TransactionReply";
        let mut s = tlv.cursor(T)?;
        let transaction_id = s.required(0)?.u32(T)?;
        let imm_ack_required = flag(&mut s, 1, T)?;
        let result_tlv = s.required(2)?.explicit(T)?;
        let result = match result_tlv.tag().number {
            0 => TransactionResult::Error(error_descriptor(result_tlv)?),
            1 => TransactionResult::ActionReplies(sequences(result_tlv, T, |t| {
                self.action_reply(t)
            })?),
            _ => return Err(result_tlv.unknown_alternative(T)),
        };
        let segment_number = optional(&mut s, 3, |t| t.u16(T))?;
        let segmentation_complete = flag(&mut s, 4, T)?;
        s.finish_extensible(4)?;
        Ok(TransactionReply {
            transaction_id,
            imm_ack_required,
            result,
            segment_number,
            segmentation_complete,
        })
    }

    /// `TerminationID`: wildcard fields and ID, through the mapping.
    #[inline]
    fn termination_id(&self, tlv: Tlv<'_>) -> Result<TerminationId> {
        let mut fields = [0u8; MAX_WILDCARD_FIELDS];
        match plain_termination_id(&tlv, &mut fields) {
            Some((count, id)) => self.termination_id_text(tlv, &fields[..count], id),
            None => self.termination_id_general(tlv),
        }
    }

    /// [`Self::termination_id`] for every encoding, and its errors.
    #[inline(never)]
    fn termination_id_general(&self, tlv: Tlv<'_>) -> Result<TerminationId> {
        const T: &str = "TerminationID";
        let mut s = tlv.cursor(T)?;
        let wildcard_tlv = s.required(0)?;
        let mut fields = [0u8; MAX_WILDCARD_FIELDS];
        let mut count = 0;
        let mut wildcards = wildcard_tlv.cursor(T)?;
        while let Some(field) = wildcards.next_universal(universal::OCTET_STRING)? {
            let octet = field.octets_sized(T, 1, 1, "WildcardField SIZE(1)")?;
            let slot = fields.get_mut(count).ok_or_else(|| {
                field.error(
                    T,
                    BerErrorKind::ConstraintViolated("more than 64 wildcard fields"),
                )
            })?;
            *slot = octet[0];
            count += 1;
        }
        let id_tlv = s.required(1)?;
        let id = id_tlv.octets_sized(T, 1, 8, "id SIZE(1..8)")?;
        s.finish_extensible(1)?;
        self.termination_id_text(tlv, &fields[..count], id)
    }

    /// The text of a termination ID through the mapping.
    fn termination_id_text(
        &self,
        tlv: Tlv<'_>,
        wildcard: &[u8],
        id: &[u8],
    ) -> Result<TerminationId> {
        self.terms
            .to_text(wildcard, id)
            .map_err(|why| tlv.error("TerminationID", BerErrorKind::TerminationId(why)))
    }

    /// `TerminationIDList ::= SEQUENCE OF TerminationID`: a command's
    /// termination IDs ([`SmallList`]) or the terminations of a context
    /// (`Vec`).
    fn termination_ids<L: List<TerminationId>>(&self, tlv: Tlv<'_>) -> Result<L> {
        sequences(tlv, "TerminationIDList", |t| self.termination_id(t))
    }

    fn pkgd_name(&self, tlv: Tlv<'_>, kind: ItemKind, type_name: &'static str) -> Result<Text> {
        let id = self.pkgd_id(tlv, type_name)?;
        self.pkgd_text(tlv, id, kind, type_name)
    }

    /// The text of `id`, already read from the `PkgdName` element `tlv`.
    fn pkgd_text(
        &self,
        tlv: Tlv<'_>,
        id: PkgdId,
        kind: ItemKind,
        type_name: &'static str,
    ) -> Result<Text> {
        names::pkgd_name(self.names, kind, id).map_err(|k| tlv.error(type_name, k))
    }

    fn pkgd_id(&self, tlv: Tlv<'_>, type_name: &'static str) -> Result<PkgdId> {
        let octets = tlv.octets_sized(type_name, 4, 4, "PkgdName SIZE(4)")?;
        PkgdId::from_octets(octets)
            .ok_or_else(|| tlv.error(type_name, BerErrorKind::ConstraintViolated("PkgdName")))
    }

    fn two_octets(tlv: Tlv<'_>, type_name: &'static str) -> Result<[u8; 2]> {
        match *tlv.octets_sized(type_name, 2, 2, "Name SIZE(2)")? {
            [a, b] => Ok([a, b]),
            _ => Err(tlv.error(type_name, BerErrorKind::ConstraintViolated("Name SIZE(2)"))),
        }
    }

    /// A package `Name` (Packages descriptor).
    fn package_name(&self, tlv: Tlv<'_>, type_name: &'static str) -> Result<Name> {
        let id = u16::from_be_bytes(Self::two_octets(tlv, type_name)?);
        names::package_name(self.names, id).map_err(|k| tlv.error(type_name, k))
    }

    /// `PropertyParm` with a property name.
    fn property_parm(&self, tlv: Tlv<'_>) -> Result<PropertyParm> {
        let name_of =
            |name| names::pkgd_name(self.names, ItemKind::Property, PkgdId::from_array(name)).ok();
        match plain_parm(&tlv, name_of) {
            Some(parm) => Ok(parm),
            None => self.property_parm_general(tlv),
        }
    }

    /// [`Self::property_parm`] for every encoding, and its errors.
    #[inline(never)]
    fn property_parm_general(&self, tlv: Tlv<'_>) -> Result<PropertyParm> {
        const T: &str = "PropertyParm";
        let mut s = tlv.cursor(T)?;
        let name = self.pkgd_name(s.required(0)?, ItemKind::Property, T)?;
        let values = values_of(s.required(1)?, T)?;
        let extra = optional(&mut s, 2, |t| extra_info(t, T))?;
        s.finish_extensible(2)?;
        let value = parm_value(tlv, T, values, extra)?;
        Ok(PropertyParm { name, value })
    }

    fn property_parms(&self, tlv: Tlv<'_>) -> Result<Vec<PropertyParm>> {
        sequences(tlv, "PropertyParm", |t| self.property_parm(t))
    }

    /// `EventParameter` / `SigParameter`: a `Name` scoped to its event or
    /// signal `owner`.
    fn parameter(
        &self,
        tlv: Tlv<'_>,
        kind: ParameterKind,
        owner: PkgdId,
        type_name: &'static str,
    ) -> Result<PropertyParm> {
        let name_of =
            |name| names::parameter_name(self.names, kind, owner, u16::from_be_bytes(name)).ok();
        match plain_parm(&tlv, name_of) {
            Some(parm) => Ok(parm),
            None => self.parameter_general(tlv, kind, owner, type_name),
        }
    }

    /// [`Self::parameter`] for every encoding, and its errors.
    #[inline(never)]
    fn parameter_general(
        &self,
        tlv: Tlv<'_>,
        kind: ParameterKind,
        owner: PkgdId,
        type_name: &'static str,
    ) -> Result<PropertyParm> {
        let mut s = tlv.cursor(type_name)?;
        let name_tlv = s.required(0)?;
        let id = u16::from_be_bytes(Self::two_octets(name_tlv, type_name)?);
        let name = names::parameter_name(self.names, kind, owner, id)
            .map_err(|k| name_tlv.error(type_name, k))?;
        let values = values_of(s.required(1)?, type_name)?;
        let extra = optional(&mut s, 2, |t| extra_info(t, type_name))?;
        s.finish_extensible(2)?;
        let value = parm_value(tlv, type_name, values, extra)?;
        Ok(PropertyParm { name, value })
    }

    fn event_parameters(&self, tlv: Tlv<'_>, event: PkgdId) -> Result<Vec<EventParameter>> {
        sequences(tlv, "EventParameter", |t| {
            self.parameter(t, ParameterKind::Event, event, "EventParameter")
        })
    }
}

/// `ErrorDescriptor`.
fn error_descriptor(tlv: Tlv<'_>) -> Result<ErrorDescriptor> {
    const T: &str = "ErrorDescriptor";
    let mut s = tlv.cursor(T)?;
    let code = s.required(0)?.u16(T)?;
    let text = optional(&mut s, 1, |t| t.ia5(T).map(Text::from))?;
    s.finish()?;
    Ok(ErrorDescriptor { code, text })
}

/// `MId` (the CHOICE, already unwrapped from its explicit tag).
fn mid(tlv: Tlv<'_>) -> Result<MId> {
    mid_alternative(tlv, tlv.tag().number, "MId")
}

/// Alternative `alternative` of `MId` (also the tail of
/// `ServiceChangeAddress`, type `type_name`).
fn mid_alternative(tlv: Tlv<'_>, alternative: u32, type_name: &'static str) -> Result<MId> {
    const T: &str = "MId";
    match alternative {
        0 => {
            if let Some(mid) = plain_ip4_address(&tlv) {
                return Ok(mid);
            }
            let (octets, port) = ip_address(tlv, "IP4Address", 4)?;
            let address = Ipv4Addr::new(octets[0], octets[1], octets[2], octets[3]);
            Ok(MId::Ip4 { address, port })
        }
        1 => {
            let (octets, port) = ip_address(tlv, "IP6Address", 16)?;
            let mut sixteen = [0u8; 16];
            sixteen.copy_from_slice(octets);
            Ok(MId::Ip6 {
                address: Ipv6Addr::from(sixteen),
                port,
            })
        }
        2 => {
            const D: &str = "DomainName";
            let mut s = tlv.cursor(D)?;
            let name = Text::from(s.required(0)?.ia5(D)?);
            let port = optional(&mut s, 1, |t| t.u16(D))?;
            s.finish()?;
            Ok(MId::Domain { name, port })
        }
        3 => path_name(tlv).map(MId::Device),
        4 => Ok(MId::Mtp(
            tlv.octets_sized(T, 2, 4, "mtpAddress SIZE(2..4)")?.to_vec(),
        )),
        _ => Err(tlv.unknown_alternative(type_name)),
    }
}

/// `PathName ::= IA5String(SIZE (1..64))`.
fn path_name(tlv: Tlv<'_>) -> Result<Text> {
    const T: &str = "PathName";
    let text = tlv.ia5(T)?;
    if text.is_empty() || text.len() > 64 {
        return Err(tlv.error(T, BerErrorKind::ConstraintViolated("PathName SIZE(1..64)")));
    }
    Ok(Text::from(text))
}

/// Most wildcard fields a `TerminationID` may carry (a 64-bit ID has at
/// most 64 levels).
const MAX_WILDCARD_FIELDS: usize = 64;

/// A `TerminationID` (Annex A, `SEQUENCE { wildcard [0] SEQUENCE OF
/// WildcardField, id [1] OCTET STRING (SIZE(1..8)), ... }`) in its usual
/// encoding, read straight from its contents octets: `[0]` with a short
/// length holding only one-octet `OCTET STRING`s (`04 01 xx`), then `[1]`
/// with 1 to 8 octets, then nothing, all within the nesting and list bounds.
/// The wildcard octets go into `fields`; returns their count and the ID.
/// `None` for any other encoding, which [`Decoder::termination_id_general`]
/// reads (the same result for this one, and the errors for the others).
#[inline]
fn plain_termination_id<'a>(
    tlv: &Tlv<'a>,
    fields: &mut [u8; MAX_WILDCARD_FIELDS],
) -> Option<(usize, &'a [u8])> {
    let [0xa0, wildcard_len @ 0..=0x7f, ref rest @ ..] = *tlv.content else {
        return None;
    };
    let (wildcard, after) = rest.split_at_checked(usize::from(wildcard_len))?;
    let [0x81, id_len @ 1..=8, ref id @ ..] = *after else {
        return None;
    };
    let count = wildcard.len() / 3;
    if !tlv.constructed()
        || usize::from(id_len) != id.len()
        || wildcard.len() % 3 != 0
        || count > MAX_WILDCARD_FIELDS
        || !tlv.nesting_allows(if count == 0 { 1 } else { 2 })
        || !tlv.list_allows(count)
    {
        return None;
    }
    for (slot, field) in fields.iter_mut().zip(wildcard.chunks_exact(3)) {
        // A universal OCTET STRING of one octet.
        let [0x04, 0x01, octet] = *field else {
            return None;
        };
        *slot = octet;
    }
    Some((count, id))
}

/// An `IP4Address` (Annex A, `SEQUENCE { address [0] OCTET STRING
/// (SIZE(4)), portNumber [1] INTEGER(0..65535) OPTIONAL }`) in its usual
/// encoding, read straight from its contents octets: `[0]` primitive with
/// the short length 4, then nothing or `[1]` primitive holding one to three
/// octets in the minimal forms [`Tlv::uint`] reads at once (three only with
/// a leading zero), within the nesting bound. `None` for any other encoding,
/// which [`ip_address`] reads (the same result for this one, and the errors
/// for the others).
#[inline]
fn plain_ip4_address(tlv: &Tlv<'_>) -> Option<MId> {
    let [0x80, 4, a, b, c, d, ref rest @ ..] = *tlv.content else {
        return None;
    };
    let port = match *rest {
        [] => None,
        [0x81, 1, port @ 0..=0x7f] => Some(u16::from(port)),
        [0x81, 2, high @ 0..=0x7f, low] | [0x81, 3, 0, high, low] => {
            Some(u16::from_be_bytes([high, low]))
        }
        _ => return None,
    };
    if !tlv.constructed() || !tlv.nesting_allows(1) {
        return None;
    }
    Some(MId::Ip4 {
        address: Ipv4Addr::new(a, b, c, d),
        port,
    })
}

/// `IP4Address` / `IP6Address`: the address octets and the optional port.
fn ip_address<'a>(
    tlv: Tlv<'a>,
    type_name: &'static str,
    size: usize,
) -> Result<(&'a [u8], Option<u16>)> {
    let mut s = tlv.cursor(type_name)?;
    let address = s
        .required(0)?
        .octets_sized(type_name, size, size, "address size")?;
    let port = optional(&mut s, 1, |t| t.u16(type_name))?;
    s.finish()?;
    Ok((address, port))
}

/// `TimeNotation`.
#[inline]
fn time_notation(tlv: Tlv<'_>) -> Result<TimeNotation> {
    match plain_time_notation(&tlv) {
        Some(time) => Ok(time),
        None => time_notation_general(tlv),
    }
}

/// A `TimeNotation` (Annex A, `SEQUENCE { date [0] IA5String(SIZE(8)),
/// time [1] IA5String(SIZE(8)) }`) in its usual encoding, read straight from
/// its contents octets: `[0]` and `[1]` primitive with the short length 8,
/// then nothing, within the nesting bound, all 16 characters below 0x80.
/// `None` for any other encoding, which [`time_notation_general`] reads (the
/// same result for this one, and the errors for the others).
#[inline]
fn plain_time_notation(tlv: &Tlv<'_>) -> Option<TimeNotation> {
    let [0x80, 8, ref rest @ ..] = *tlv.content else {
        return None;
    };
    let (date, rest) = rest.split_first_chunk::<8>()?;
    let [0x81, 8, ref time @ ..] = *rest else {
        return None;
    };
    let time: &[u8; 8] = time.try_into().ok()?;
    if !tlv.constructed() || !tlv.nesting_allows(1) {
        return None;
    }
    // Both halves in one aligned copy: one check that all sixteen octets
    // are below 0x80 (IA5), and one `str::from_utf8`, which takes aligned
    // ASCII a word pair at a time (octet by octet otherwise).
    let mut both = Aligned16([0; 16]);
    both.0[..8].copy_from_slice(date);
    both.0[8..].copy_from_slice(time);
    if u128::from_ne_bytes(both.0) & 0x8080_8080_8080_8080_8080_8080_8080_8080 != 0 {
        return None;
    }
    let (date, time) = std::str::from_utf8(&both.0).ok()?.split_at_checked(8)?;
    Some(TimeNotation {
        date: Text::from(date),
        time: Text::from(time),
    })
}

/// Sixteen octets on a 16-byte boundary.
#[repr(align(16))]
struct Aligned16([u8; 16]);

/// [`time_notation`] for every encoding, and its errors.
#[inline(never)]
fn time_notation_general(tlv: Tlv<'_>) -> Result<TimeNotation> {
    const T: &str = "TimeNotation";
    let mut s = tlv.cursor(T)?;
    let mut eight = |n| -> Result<Text> {
        let t = s.required(n)?;
        let text = t.ia5(T)?;
        if text.len() != 8 {
            return Err(t.error(T, BerErrorKind::ConstraintViolated("IA5String SIZE(8)")));
        }
        Ok(Text::from(text))
    };
    let date = eight(0)?;
    let time = eight(1)?;
    s.finish()?;
    Ok(TimeNotation { date, time })
}

/// `NonStandardData`.
fn non_standard_data(tlv: Tlv<'_>) -> Result<NonStandardData> {
    const T: &str = "NonStandardData";
    let mut s = tlv.cursor(T)?;
    let id_tlv = s.required(0)?.explicit(T)?;
    let identifier = match id_tlv.tag().number {
        0 => NonStandardIdentifier::Object(id_tlv.object_identifier(T)?),
        1 => {
            const H: &str = "H221NonStandard";
            let mut h = id_tlv.cursor(H)?;
            let t35_country_code1 = h.required(0)?.u8_max(H, 255)?;
            let t35_country_code2 = h.required(1)?.u8_max(H, 255)?;
            let t35_extension = h.required(2)?.u8_max(H, 255)?;
            let manufacturer_code = h.required(3)?.u16(H)?;
            h.finish_extensible(3)?;
            NonStandardIdentifier::H221NonStandard {
                t35_country_code1,
                t35_country_code2,
                t35_extension,
                manufacturer_code,
            }
        }
        2 => {
            let text = id_tlv.ia5(T)?;
            if text.len() != 8 {
                return Err(
                    id_tlv.error(T, BerErrorKind::ConstraintViolated("experimental SIZE(8)"))
                );
            }
            NonStandardIdentifier::Experimental(Text::from(text))
        }
        _ => return Err(id_tlv.unknown_alternative("NonStandardIdentifier")),
    };
    let data = s.required(1)?.octets(T)?.to_vec();
    s.finish()?;
    Ok(NonStandardData { identifier, data })
}

#[cfg(test)]
mod tests {
    //! Each fast path against the general reader it stands in for: the same
    //! result, or the same error, for its encoding and for near misses.

    use super::*;

    /// `contents` inside a `[3]` element (constructed unless `primitive`),
    /// read with a nesting bound of `max_depth`.
    fn with_element<R>(
        contents: &[u8],
        primitive: bool,
        max_depth: usize,
        read: impl FnOnce(Tlv<'_>) -> R,
    ) -> R {
        let mut input = vec![if primitive { 0x83 } else { 0xa3 }, contents.len() as u8];
        input.extend_from_slice(contents);
        let limits = BerLimits {
            max_depth,
            ..BerLimits::default()
        };
        let tlv = Cursor::outermost(&input, limits, "Test")
            .next()
            .unwrap()
            .unwrap();
        read(tlv)
    }

    /// Every contents in `cases`, constructed and primitive, with room for
    /// the components and without: `fast` agrees with `general`.
    fn agree<T: PartialEq + std::fmt::Debug>(
        cases: &[Vec<u8>],
        fast: impl Fn(Tlv<'_>) -> Result<T>,
        general: impl Fn(Tlv<'_>) -> Result<T>,
    ) {
        for contents in cases {
            for primitive in [false, true] {
                for max_depth in [1, 2, 64] {
                    // The offset of an error, not where the input happened
                    // to be (errors carry addresses while decoding).
                    let relative = |read: &dyn Fn(Tlv<'_>) -> Result<T>| {
                        with_element(contents, primitive, max_depth, |t| {
                            let start = t.address();
                            read(t).map_err(|mut e| {
                                e.offset = e.offset.wrapping_sub(start);
                                e
                            })
                        })
                    };
                    let a = relative(&fast);
                    let b = relative(&general);
                    assert_eq!(
                        a, b,
                        "{contents:02x?} primitive {primitive} depth {max_depth}"
                    );
                }
            }
        }
    }

    /// A decoder with the base catalogue and the default mapping.
    fn decoder() -> Decoder<'static> {
        Decoder {
            names: crate::package::Catalogue::base(),
            terms: &super::super::termination::BitStringMapping::DEFAULT,
        }
    }

    /// The contents of a `PropertyParm`-shaped element: `[0]` holding
    /// `name`, then `[1]` holding one OCTET STRING `text`.
    fn named_value(name: &[u8], text: &[u8]) -> Vec<u8> {
        let mut contents = vec![0x80, name.len() as u8];
        contents.extend_from_slice(name);
        contents.extend_from_slice(&[0xa1, text.len() as u8 + 2, 0x04, text.len() as u8]);
        contents.extend_from_slice(text);
        contents
    }

    /// `named_value(name, text)` and near misses of it: every other
    /// encoding of the same components, and broken ones.
    fn named_value_cases(name: &[u8], text: &[u8]) -> Vec<Vec<u8>> {
        let plain = named_value(name, text);
        let value_at = 2 + name.len();
        let mut cases = vec![plain.clone()];
        for (at, change) in [
            (1, 1i16),            // name length
            (0, 0x20),            // `[0]` constructed
            (value_at, -0x20),    // `[1]` primitive
            (value_at + 1, 1),    // value length beyond
            (value_at + 1, -1),   // value length short
            (value_at + 2, 0x20), // the item constructed
            (value_at + 2, 8),    // the item a UTF8String
            (value_at + 3, -1),   // text length short
            (value_at + 3, 1),    // text length beyond
        ] {
            let mut case = plain.clone();
            case[at] = (i16::from(case[at]) + change) as u8;
            cases.push(case);
        }
        // extraInfo (a range needs two values), an unknown later
        // component, a second value, a long-form text length, text that is
        // not UTF-8, an empty text, an unknown name.
        cases.push([&plain[..], &[0xa2, 0x03, 0x81, 0x01, 0xff]].concat());
        cases.push([&plain[..], &[0x83, 0x00]].concat());
        let mut two = named_value(name, text);
        two[value_at + 1] += 2 + text.len() as u8;
        two.extend_from_slice(&[0x04, text.len() as u8]);
        two.extend_from_slice(text);
        cases.push(two);
        let mut long = named_value(name, text);
        long[value_at + 1] += 1;
        long.insert(value_at + 3, 0x81);
        cases.push(long);
        cases.push(named_value(name, &[0xc3, 0x28]));
        cases.push(named_value(name, b""));
        cases.push(named_value(&vec![0x7e; name.len()], text));
        cases
    }

    #[test]
    fn plain_property_parms_read_as_the_general_reader() {
        let dec = decoder();
        // Annex C `m` (0000 b00f): an SDP line and a property.
        let cases = named_value_cases(&[0x00, 0x00, 0xb0, 0x0f], b"audio 0 RTP/AVP 0");
        assert!(with_element(&cases[0], false, 64, |t| dec.sdp_line(t)).is_ok());
        assert!(with_element(&cases[0], false, 64, |t| {
            plain_named_value::<4>(&t).is_some()
        }));
        agree(&cases, |t| dec.sdp_line(t), |t| dec.sdp_line_general(t));
        agree(
            &cases,
            |t| dec.property_parm(t),
            |t| dec.property_parm_general(t),
        );
        // A property that is not an SDP line: the SDP reader refuses it
        // both ways.
        let names = crate::package::Catalogue::base();
        let other = names::pkgd_id(names, ItemKind::Property, "tdmc/ec").unwrap();
        let cases = named_value_cases(&other.octets(), b"on");
        assert!(with_element(&cases[0], false, 64, |t| dec.property_parm(t)).is_ok());
        agree(&cases, |t| dec.sdp_line(t), |t| dec.sdp_line_general(t));
        agree(
            &cases,
            |t| dec.property_parm(t),
            |t| dec.property_parm_general(t),
        );
    }

    #[test]
    fn plain_parameters_read_as_the_general_reader() {
        let dec = decoder();
        let names = crate::package::Catalogue::base();
        let event = names::pkgd_id(names, ItemKind::Event, "g/cause").unwrap();
        let id = names::parameter_id(names, ParameterKind::Event, event, "Generalcause").unwrap();
        let cases = named_value_cases(&id.to_be_bytes(), b"NR");
        let fast = |t: Tlv<'_>| dec.parameter(t, ParameterKind::Event, event, "EventParameter");
        let general =
            |t: Tlv<'_>| dec.parameter_general(t, ParameterKind::Event, event, "EventParameter");
        assert!(with_element(&cases[0], false, 64, fast).is_ok());
        agree(&cases, fast, general);
    }

    #[test]
    fn plain_time_notation_reads_as_the_general_reader() {
        let plain = [&[0x80, 8][..], b"20240229", &[0x81, 8], b"12345600"].concat();
        let mut cases = vec![plain.clone()];
        // A non-IA5 octet in each half, a wrong length, a trailing element,
        // a constructed component, a long-form length, tags swapped.
        for (at, octet) in [
            (3, 0x80),
            (15, 0xff),
            (1, 7),
            (11, 9),
            (0, 0xa0),
            (10, 0xa1),
        ] {
            let mut case = plain.clone();
            case[at] = octet;
            cases.push(case);
        }
        cases.push([&plain[..], &[0x82, 0]].concat());
        cases.push(plain[..19].to_vec());
        cases.push([&[0x80, 0x81, 8], &plain[2..]].concat());
        let mut swapped = plain.clone();
        swapped[0] = 0x81;
        swapped[10] = 0x80;
        cases.push(swapped);
        assert!(with_element(&plain, false, 64, |t| plain_time_notation(&t)).is_some());
        agree(&cases, time_notation, time_notation_general);
    }

    #[test]
    fn plain_value_reads_as_the_general_reader() {
        let cases = [
            vec![0x04, 3, b'a', b'=', b'1'],
            vec![0x04, 0],
            vec![0x04, 2, 0xc3, 0xa9],
            vec![0x04, 2, 0xc3, 0x28],
            vec![0x04, 2, b'x'],
            vec![0x04, 1, b'x', 0x04, 1, b'y'],
            vec![0x24, 3, 0x04, 1, b'x'],
            vec![0x0c, 1, b'x'],
            vec![0x04, 0x81, 1, b'x'],
            vec![],
        ];
        let into_vec = |values: Result<Values>| values.map(Values::into_vec);
        assert!(with_element(&cases[0], false, 64, |t| plain_value(&t)).is_some());
        agree(
            &cases,
            |t| into_vec(values_of(t, "Value")),
            |t| into_vec(values_general(t, "Value")),
        );
        let no_lists = BerLimits {
            max_list_len: 0,
            ..BerLimits::default()
        };
        let input = [0xa3, 3, 0x04, 1, b'x'];
        let tlv = Cursor::outermost(&input, no_lists, "Test")
            .next()
            .unwrap()
            .unwrap();
        assert_eq!(
            into_vec(values_of(tlv, "Value")),
            into_vec(values_general(tlv, "Value"))
        );
        assert!(values_of(tlv, "Value").is_err());
    }

    #[test]
    fn plain_ip4_address_reads_as_the_general_reader() {
        let address = [0x80, 4, 10, 0, 0, 1];
        let mut cases = vec![address.to_vec()];
        for port in [
            &[0x81, 1, 0x05][..],
            &[0x81, 1, 0x85],
            &[0x81, 2, 0x12, 0x34],
            &[0x81, 2, 0x92, 0x34],
            &[0x81, 3, 0x00, 0xd9, 0x03],
            &[0x81, 3, 0x01, 0xd9, 0x03],
            &[0x81, 4, 0x00, 0x00, 0xd9, 0x03],
            &[0x81, 0],
            &[0xa1, 1, 0x05],
            &[0x81, 1, 0x05, 0x82, 0],
        ] {
            cases.push([&address[..], port].concat());
        }
        cases.push(vec![0x80, 3, 10, 0, 0]);
        cases.push(vec![0xa0, 4, 10, 0, 0, 1]);
        let general = |t: Tlv<'_>| {
            let (octets, port) = ip_address(t, "IP4Address", 4)?;
            let address = Ipv4Addr::new(octets[0], octets[1], octets[2], octets[3]);
            Ok(MId::Ip4 { address, port })
        };
        assert!(with_element(&cases[5], false, 64, |t| plain_ip4_address(&t)).is_some());
        agree(&cases, |t| mid_alternative(t, 0, "MId"), general);
    }
}
