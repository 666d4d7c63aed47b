//! Annex B `megacoMessage`: authentication header, `Message` header with
//! version and `mId`, message-level error, and the transaction list
//! (`transactionRequest`, `transactionReply`, `transactionPending`,
//! `transactionResponseAck`, `segmentReply`); H.248.1 clauses 8 and 10.2.

use std::net::{Ipv4Addr, Ipv6Addr};

use nom::bytes::complete::{tag_no_case, take_while1};
use nom::combinator::verify;
use nom::sequence::preceded;
use nom::IResult;

use super::token::Tok;
use super::{List, PResult, Parser};
use crate::model::{
    AuthenticationHeader, MId, MegacoMessage, Message, MessageBody, SegmentReply, Transaction,
    TransactionAck, TransactionPending, TransactionReply, TransactionRequest, TransactionResult,
};
use crate::text::DecodeErrorKind;

/// Annex B `IPv4address = V4hex DOT V4hex DOT V4hex DOT V4hex`, each
/// `V4hex = 1*3(DIGIT)` at most 255, at the start of `bytes`: the address
/// and its length, read up to the first byte that is neither a digit nor a
/// dot; `None` if what is there up to that byte is no such address.
/// One pass by hand: the form is short and fixed, and every message with
/// an IPv4 mId runs it.
fn ipv4_address(bytes: &[u8]) -> Option<(Ipv4Addr, usize)> {
    let mut octets = [0u8; 4];
    let mut at = 0usize;
    for (n, octet) in octets.iter_mut().enumerate() {
        if n > 0 {
            if bytes.get(at) != Some(&b'.') {
                return None;
            }
            at += 1;
        }
        let start = at;
        let mut value = 0u16;
        while let Some(&b) = bytes.get(at) {
            let digit = b.wrapping_sub(b'0');
            if digit > 9 {
                break;
            }
            if at - start == 3 {
                return None;
            }
            value = value * 10 + u16::from(digit);
            at += 1;
        }
        if at == start {
            return None;
        }
        *octet = u8::try_from(value).ok()?;
    }
    if bytes.get(at) == Some(&b'.') {
        return None;
    }
    Some((Ipv4Addr::from(octets), at))
}

/// nom: `"0x" n*m(HEXDIG)`, the digits.
fn hex_field(min: usize, max: usize) -> impl Fn(&[u8]) -> IResult<&[u8], &[u8]> {
    move |i| {
        preceded(
            tag_no_case("0x"),
            verify(take_while1(|b: u8| b.is_ascii_hexdigit()), |d: &[u8]| {
                (min..=max).contains(&d.len())
            }),
        )(i)
    }
}

/// The octets of a run of hex digits (a leading 0 nibble added to an odd
/// count).
fn hex_octets(digits: &[u8]) -> Vec<u8> {
    let nibble = |b: u8| match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        _ => b.wrapping_sub(b'A').wrapping_add(10) & 0x0f,
    };
    let mut out = Vec::with_capacity(digits.len().div_ceil(2));
    let (head, pairs) = digits.split_at(digits.len() % 2);
    if let Some(&h) = head.first() {
        out.push(nibble(h));
    }
    for pair in pairs.chunks_exact(2) {
        if let [hi, lo] = pair {
            out.push(nibble(*hi) << 4 | nibble(*lo));
        }
    }
    out
}

fn hex_u32(digits: &[u8]) -> u32 {
    hex_octets(digits)
        .iter()
        .fold(0u32, |acc, &b| acc.wrapping_shl(8) | u32::from(b))
}

impl<'a> Parser<'a> {
    /// Annex B `megacoMessage = LWSP [authenticationHeader SEP] message`.
    pub(super) fn megaco_message(&mut self) -> PResult<MegacoMessage> {
        let mut auth_header = None;
        let mut w = self.word();
        if w.tok == Some(Tok::Authentication) {
            auth_header = Some(self.authentication_header()?);
            self.sep("white space after the authentication header")?;
            w = self.word();
        }
        if w.tok != Some(Tok::Megaco) {
            if !(w.text.is_empty() && self.peek_raw() == Some(b'!')) {
                return Err(self.error_at(w.start, DecodeErrorKind::Expected("`MEGACO` header")));
            }
            self.pos += 1;
        }
        self.expect_here(b'/', "`/`")?;
        let version_start = self.pos;
        let version = self.uint_here(u64::from(u32::MAX), "version")?;
        if !(1..=3).contains(&version) {
            return Err(self.error_at(
                version_start,
                DecodeErrorKind::UnsupportedVersion(version as u32),
            ));
        }
        self.version = version as u8;
        self.sep("white space after the version")?;
        let mid = self.mid()?;
        let body = self.message_body()?;
        Ok(MegacoMessage {
            auth_header,
            message: Message {
                version: self.version,
                mid,
                body,
            },
        })
    }

    /// Consumes `byte` at the current position (no LWSP before it).
    pub(super) fn expect_here(&mut self, byte: u8, what: &'static str) -> PResult<()> {
        if self.peek_raw() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(DecodeErrorKind::Expected(what)))
        }
    }

    /// Annex B `SEP`: at least one white space, EOL or comment.
    fn sep(&mut self, what: &'static str) -> PResult<()> {
        let start = self.pos;
        self.skip_lwsp();
        if self.pos == start {
            return Err(self.error(DecodeErrorKind::Expected(what)));
        }
        Ok(())
    }

    /// Annex B `authenticationHeader = AuthToken EQUAL SecurityParmIndex
    /// COLON SequenceNum COLON AuthData` (clause 10.2).
    fn authentication_header(&mut self) -> PResult<AuthenticationHeader> {
        self.equal()?;
        self.skip_lwsp();
        let spi = self.hex_here(8, 8, "security parameter index `0x` and 8 hex digits")?;
        self.expect_here(b':', "`:`")?;
        let seq = self.hex_here(8, 8, "sequence number `0x` and 8 hex digits")?;
        self.expect_here(b':', "`:`")?;
        let data = self.hex_here(24, 64, "authentication data `0x` and 24 to 64 hex digits")?;
        Ok(AuthenticationHeader {
            security_parm_index: hex_u32(spi),
            sequence_number: hex_u32(seq),
            auth_data: hex_octets(data),
        })
    }

    fn hex_here(&mut self, min: usize, max: usize, what: &'static str) -> PResult<&'a [u8]> {
        let rest = self.input.get(self.pos..).unwrap_or_default();
        match hex_field(min, max)(rest) {
            Ok((after, digits)) => {
                self.pos = self.input.len() - after.len();
                Ok(digits)
            }
            Err(_) => Err(self.error(DecodeErrorKind::Expected(what))),
        }
    }

    /// Annex B `mId`: `[IPv4]` / `[IPv6]` / `<domain>` with an optional
    /// `:port`, `MTP{hex}` or a device name.
    pub(super) fn mid(&mut self) -> PResult<MId> {
        self.skip_lwsp();
        let start = self.pos;
        match self.peek_raw() {
            Some(b'[') => {
                self.pos += 1;
                let addr_start = self.pos;
                let rest = self.input.get(addr_start..).unwrap_or_default();
                // An IPv4 address up to the `]`: the common case, read in
                // one pass. Anything else is found again below, with the
                // address's end first.
                if let Some((v4, len)) = ipv4_address(rest) {
                    if rest.get(len) == Some(&b']') {
                        self.pos = addr_start + len + 1;
                        let port = self.port()?;
                        return Ok(MId::Ip4 { address: v4, port });
                    }
                }
                let len = rest.iter().position(|&b| b == b']').ok_or_else(|| {
                    self.error_at(start, DecodeErrorKind::Expected("`]` closing the address"))
                })?;
                let addr = rest.get(..len).unwrap_or_default();
                self.pos = addr_start + len + 1;
                // Not an IPv4 address (that was read above): IPv6.
                let v6 = std::str::from_utf8(addr)
                    .ok()
                    .and_then(|s| s.parse::<Ipv6Addr>().ok())
                    .ok_or_else(|| {
                        self.error_at(addr_start, DecodeErrorKind::InvalidValue("IP address"))
                    })?;
                let port = self.port()?;
                Ok(MId::Ip6 { address: v6, port })
            }
            Some(b'<') => {
                self.pos += 1;
                let name_start = self.pos;
                while self
                    .peek_raw()
                    .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
                {
                    self.pos += 1;
                }
                let name = self.slice_from(name_start);
                if !name.first().is_some_and(|b| b.is_ascii_alphanumeric()) || name.len() > 64 {
                    return Err(self.error_at(name_start, DecodeErrorKind::Expected("domain name")));
                }
                let name = self.text_at(name_start, self.pos)?;
                self.expect_here(b'>', "`>`")?;
                let port = self.port()?;
                Ok(MId::Domain { name, port })
            }
            _ => {
                let w = self.word();
                if w.tok == Some(Tok::Mtp) && self.peek() == Some(b'{') {
                    self.open()?;
                    self.skip_lwsp();
                    let digits_start = self.pos;
                    while self.peek_raw().is_some_and(|b| b.is_ascii_hexdigit()) {
                        self.pos += 1;
                    }
                    let digits = self.slice_from(digits_start);
                    if !(4..=8).contains(&digits.len()) {
                        return Err(self.error_at(
                            digits_start,
                            DecodeErrorKind::Expected("4 to 8 hex digits of an MTP address"),
                        ));
                    }
                    self.close()?;
                    return Ok(MId::Mtp(hex_octets(digits)));
                }
                self.unread(&w);
                // deviceName = pathNAME: letters, digits and `_/*$@-.` (the
                // characters the encoder writes back; a termination ID may
                // hold any SafeChar, a device name may not).
                let is_path_char = |b: u8| {
                    b.is_ascii_alphanumeric()
                        || matches!(b, b'_' | b'/' | b'*' | b'$' | b'@' | b'-' | b'.')
                };
                match self.termination_id() {
                    Ok(device) if device.bytes().all(is_path_char) => {
                        Ok(MId::Device(device.to_text()))
                    }
                    _ => {
                        Err(self
                            .error_at(start, DecodeErrorKind::Expected("message identifier (mId)")))
                    }
                }
            }
        }
    }

    /// `[":" portNumber]` right after an address.
    fn port(&mut self) -> PResult<Option<u16>> {
        if self.peek_raw() == Some(b':') {
            self.pos += 1;
            Ok(Some(
                self.uint_here(u64::from(u16::MAX), "port number")? as u16
            ))
        } else {
            Ok(None)
        }
    }

    /// Annex B `messageBody = errorDescriptor / transactionList`.
    fn message_body(&mut self) -> PResult<MessageBody> {
        let w = self.word();
        if w.tok == Some(Tok::Error) {
            return Ok(MessageBody::Error(self.error_descriptor_body()?));
        }
        self.unread(&w);
        let mut transactions = Vec::new();
        loop {
            let w = self.word();
            let transaction = match w.tok {
                Some(Tok::Transaction) => Transaction::Request(self.transaction_request()?),
                Some(Tok::Reply) => Transaction::Reply(self.transaction_reply()?),
                Some(Tok::Pending) => Transaction::Pending(self.transaction_pending()?),
                Some(Tok::ResponseAck) => {
                    Transaction::ResponseAck(self.transaction_response_ack()?)
                }
                Some(Tok::Segment) => Transaction::SegmentReply(self.segment_reply()?),
                _ if transactions.is_empty() => {
                    return Err(self.error_at(w.start, DecodeErrorKind::Expected("transaction")))
                }
                _ => {
                    self.unread(&w);
                    break;
                }
            };
            self.push_bounded(&mut transactions, transaction)?;
        }
        Ok(MessageBody::Transactions(transactions))
    }

    /// Annex B `transactionRequest = TransToken EQUAL TransactionID LBRKT
    /// actionRequest *(COMMA actionRequest) RBRKT`.
    fn transaction_request(&mut self) -> PResult<TransactionRequest> {
        self.equal()?;
        let transaction_id = self.uint32("transaction ID")?;
        let mut actions = Vec::new();
        self.braced_list(|p| {
            let action = p.action_request()?;
            actions.push_item(action);
            Ok(())
        })?;
        Ok(TransactionRequest {
            transaction_id,
            actions,
        })
    }

    /// `[SLASH segmentNumber [SLASH SegmentationCompleteToken]]` (v3).
    fn segment_suffix(&mut self, required: bool) -> PResult<(Option<u16>, bool)> {
        if !self.eat(b'/') {
            if required {
                return Err(self.expected("`/` and segment number"));
            }
            return Ok((None, false));
        }
        let number = self.uint16("segment number")?;
        let mut complete = false;
        if self.eat(b'/') {
            if self.eat(b'&') {
                complete = true;
            } else {
                let w = self.word();
                if w.tok != Some(Tok::End) {
                    return Err(self.error_at(w.start, DecodeErrorKind::Expected("`END`")));
                }
                complete = true;
            }
        }
        Ok((Some(number), complete))
    }

    /// Annex B `transactionReply`.
    fn transaction_reply(&mut self) -> PResult<TransactionReply> {
        self.equal()?;
        let transaction_id = self.uint32("transaction ID")?;
        let (segment_number, segmentation_complete) = self.segment_suffix(false)?;
        self.open()?;
        let mut imm_ack_required = false;
        let mut w = self.word();
        if w.tok == Some(Tok::ImmAckRequired) {
            imm_ack_required = true;
            if !self.eat(b',') {
                // `{ ImmAckRequired }` alone: an empty reply.
                self.close()?;
                return Ok(TransactionReply {
                    transaction_id,
                    imm_ack_required,
                    result: TransactionResult::ActionReplies(Vec::new()),
                    segment_number,
                    segmentation_complete,
                });
            }
            w = self.word();
        }
        let result = if w.tok == Some(Tok::Error) {
            TransactionResult::Error(self.error_descriptor_body()?)
        } else if w.text.is_empty() && self.peek() == Some(b'}') {
            TransactionResult::ActionReplies(Vec::new())
        } else {
            self.unread(&w);
            let mut replies = Vec::new();
            self.comma_list(|p| {
                let reply = p.action_reply()?;
                replies.push_item(reply);
                Ok(())
            })?;
            TransactionResult::ActionReplies(replies)
        };
        self.close()?;
        Ok(TransactionReply {
            transaction_id,
            imm_ack_required,
            result,
            segment_number,
            segmentation_complete,
        })
    }

    /// Annex B `transactionPending = PendingToken EQUAL TransactionID LBRKT
    /// RBRKT` (the braces may be left out).
    fn transaction_pending(&mut self) -> PResult<TransactionPending> {
        self.equal()?;
        let transaction_id = self.uint32("transaction ID")?;
        if self.try_open()? {
            self.close()?;
        }
        Ok(TransactionPending { transaction_id })
    }

    /// Annex B `transactionResponseAck`: `{ id / id-id, ... }`.
    fn transaction_response_ack(&mut self) -> PResult<Vec<TransactionAck>> {
        let mut acks = Vec::new();
        self.open()?;
        self.comma_list(|p| {
            let first = p.uint32("transaction ID")?;
            let last = if p.eat(b'-') {
                Some(p.uint32("transaction ID")?)
            } else {
                None
            };
            acks.push(TransactionAck { first, last });
            Ok(())
        })?;
        self.close()?;
        Ok(acks)
    }

    /// Annex B `segmentReply = MessageSegmentToken EQUAL TransactionID SLASH
    /// segmentNumber [SLASH SegmentationCompleteToken]` (v3).
    fn segment_reply(&mut self) -> PResult<SegmentReply> {
        self.equal()?;
        let transaction_id = self.uint32("transaction ID")?;
        let (number, segmentation_complete) = self.segment_suffix(true)?;
        Ok(SegmentReply {
            transaction_id,
            segment_number: number.unwrap_or_default(),
            segmentation_complete,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::decode::decode;

    #[test]
    fn mid_forms() {
        let m = |s: &str| {
            decode(format!("MEGACO/1 {s} T=1{{C=-{{N=a{{OE=1{{p/e}}}}}}}}").as_bytes())
                .map(|m| m.message.mid)
        };
        assert_eq!(
            m("[1.2.3.4]:5").unwrap(),
            MId::Ip4 {
                address: Ipv4Addr::new(1, 2, 3, 4),
                port: Some(5)
            }
        );
        assert_eq!(
            m("[2001:db8::1]:2944").unwrap(),
            MId::Ip6 {
                address: "2001:db8::1".parse().unwrap(),
                port: Some(2944)
            }
        );
        assert_eq!(
            m("[::ffff:192.0.2.1]").unwrap(),
            MId::Ip6 {
                address: "::ffff:192.0.2.1".parse().unwrap(),
                port: None
            }
        );
        assert_eq!(
            m("<Mgc.example-1.net>:1").unwrap(),
            MId::Domain {
                name: "Mgc.example-1.net".into(),
                port: Some(1)
            }
        );
        assert_eq!(m("mg1/Dev").unwrap(), MId::Device("mg1/Dev".into()));
        // Found by the fuzzer: a SafeChar the encoder cannot write back.
        assert_eq!(
            m("9r.044&").unwrap_err().kind,
            DecodeErrorKind::Expected("message identifier (mId)")
        );
        assert_eq!(m("MTP{0a1B}").unwrap(), MId::Mtp(vec![0x0a, 0x1b]));
        let e = m("[1.2.3]").unwrap_err();
        assert_eq!((e.line, e.column), (1, 11));
        assert_eq!(e.kind, DecodeErrorKind::InvalidValue("IP address"));
    }

    #[test]
    fn ipv4_addresses_only_of_the_exact_form() {
        let m = |s: &str| {
            decode(format!("!/1 {s} T=1{{C=-{{N=a{{OE=1{{p/e}}}}}}}}").as_bytes())
                .map(|m| m.message.mid)
        };
        let v4 = |a, b, c, d| MId::Ip4 {
            address: Ipv4Addr::new(a, b, c, d),
            port: None,
        };
        assert_eq!(m("[255.0.01.001]").unwrap(), v4(255, 0, 1, 1));
        assert_eq!(m("[0.0.0.0]").unwrap(), v4(0, 0, 0, 0));
        for bad in [
            "[256.1.1.1]",
            "[1.2.3.4.5]",
            "[1.2.3.]",
            "[.1.2.3]",
            "[1..2.3]",
            "[1.2.3.0004]",
            "[1.2.3.4x]",
            "[1.2.3]",
            "[]",
        ] {
            let e = m(bad).unwrap_err();
            assert_eq!(e.kind, DecodeErrorKind::InvalidValue("IP address"), "{bad}");
            assert_eq!(e.column, 6, "{bad}");
        }
        let e = m("[1.2.3.4").unwrap_err();
        assert_eq!(
            (e.kind, e.column),
            (DecodeErrorKind::Expected("`]` closing the address"), 5)
        );
        assert_eq!(
            ipv4_address(b"10.0.0.1]:2944"),
            Some((Ipv4Addr::new(10, 0, 0, 1), 8))
        );
    }

    #[test]
    fn header_errors() {
        let e = decode(b"MEGACO/4 [1.2.3.4] T=1{}").unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::UnsupportedVersion(4));
        assert_eq!(e.column, 8);
        let e = decode(b"!/100 [1.2.3.4] T=1{}").unwrap_err();
        assert_eq!(
            (e.kind, e.column),
            (DecodeErrorKind::UnsupportedVersion(100), 3)
        );
        let e = decode(b"MEGACX/1 [1.2.3.4] T=1{}").unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::Expected("`MEGACO` header"));
        let e = decode(b"!/1 [1.2.3.4] T=1{C=-{}} junk").unwrap_err();
        assert_eq!((e.kind, e.column), (DecodeErrorKind::TrailingData, 26));
        let e = decode(b"!/1 [1.2.3.4]\n  X=1").unwrap_err();
        assert_eq!(
            (e.kind, e.line, e.column),
            (DecodeErrorKind::Expected("transaction"), 2, 3)
        );
    }

    #[test]
    fn authentication_header() {
        let m = decode(
            b"AU=0x01020304:0x0000000A:0x000102030405060708090a0b\n!/2 [1.2.3.4] T=1{C=-{}}",
        )
        .unwrap();
        let a = m.auth_header.unwrap();
        assert_eq!(a.security_parm_index, 0x01020304);
        assert_eq!(a.sequence_number, 10);
        assert_eq!(a.auth_data.len(), 12);
        let e = decode(b"AU=0x0102:0x0000000A:0x00 !/2 [1.2.3.4] T=1{C=-{}}").unwrap_err();
        assert_eq!(e.column, 4);
    }

    #[test]
    fn transactions_of_every_kind() {
        let m = decode(
            b"!/3 <mgc>\nK{1,5-9}PN=7{}P=8/2/END{IA,C=1{}}SM=9/3/&P=10{ER=401{\"Bad\"}}SM = 11/4",
        )
        .unwrap();
        let MessageBody::Transactions(ts) = m.message.body else {
            panic!()
        };
        assert_eq!(ts.len(), 6);
        assert_eq!(
            ts[0],
            Transaction::ResponseAck(vec![
                TransactionAck {
                    first: 1,
                    last: None
                },
                TransactionAck {
                    first: 5,
                    last: Some(9)
                }
            ])
        );
        let Transaction::Reply(r) = &ts[2] else {
            panic!()
        };
        assert!(r.imm_ack_required && r.segmentation_complete);
        assert_eq!(r.segment_number, Some(2));
        assert_eq!(
            ts[3],
            Transaction::SegmentReply(SegmentReply {
                transaction_id: 9,
                segment_number: 3,
                segmentation_complete: true
            })
        );
        let Transaction::Reply(r) = &ts[4] else {
            panic!()
        };
        assert!(
            matches!(&r.result, TransactionResult::Error(e) if e.code == 401 && e.text.as_deref() == Some("Bad"))
        );
    }

    #[test]
    fn message_error() {
        let m = decode(b"!/1 [1.2.3.4] ER=400{\"Syntax\"}").unwrap();
        assert!(matches!(m.message.body, MessageBody::Error(e) if e.code == 400));
    }
}
