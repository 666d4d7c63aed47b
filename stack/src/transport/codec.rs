//! The binary encoding (H.248.1 Annex A, ASN.1 BER) as a
//! [`MessageCodec`], beside the text one ([`TextCodec`](crate::transaction::codec::TextCodec)).
//! Sans-IO like the rest of the byte layer: it is compiled without the
//! `tokio` feature too.

use bytes::BytesMut;

use crate::ber::reader::Cursor;
use crate::ber::{self, BerLimits, BitStringMapping, Tag, TagClass};
use crate::model::MegacoMessage;
use crate::package::Catalogue;
use crate::transaction::codec::{CodecDecodeError, MessageCodec, MAX_VERSION};

/// H.248.8 error 400: Syntax error in message.
pub const ERROR_SYNTAX: u16 = 400;
/// H.248.8 error 406: Version not supported.
pub const ERROR_VERSION_NOT_SUPPORTED: u16 = 406;

/// The BER encoding of H.248.1 Annex A, with a package catalogue for binary
/// names and the bit-string termination ID layout (as megaco uses).
///
/// Errors map as for text: an undecodable message is error 400, a version
/// above [`MAX_VERSION`] (or 0) is error 406, and the header version is
/// reported whenever the outer `MegacoMessage` / `Message` / `version`
/// elements can be read, so that the engine answers with a message-level
/// error in that version (clause 8.2.2); otherwise the message is dropped.
#[derive(Debug, Clone, Copy)]
pub struct BerCodec {
    /// Binary package / item / parameter IDs (Annex C, Annex E by default).
    pub names: &'static Catalogue,
    pub limits: BerLimits,
}

impl Default for BerCodec {
    fn default() -> Self {
        BerCodec {
            names: Catalogue::base(),
            limits: BerLimits::default(),
        }
    }
}

impl BerCodec {
    /// The base catalogue and default limits.
    pub fn new() -> Self {
        Self::default()
    }
}

impl MessageCodec for BerCodec {
    fn decode(&self, bytes: &[u8]) -> Result<MegacoMessage, CodecDecodeError> {
        match ber::decode(bytes, self.names, &BitStringMapping::DEFAULT, &self.limits) {
            Ok(message) if (1..=MAX_VERSION).contains(&message.message.version) => Ok(message),
            Ok(message) => Err(CodecDecodeError {
                code: ERROR_VERSION_NOT_SUPPORTED,
                header_version: Some(message.message.version),
                reason: format!("unsupported protocol version {}", message.message.version),
            }),
            Err(e) => Err(CodecDecodeError {
                code: ERROR_SYNTAX,
                header_version: sniff_ber_version(bytes, &self.limits),
                reason: e.to_string(),
            }),
        }
    }

    fn encode(&self, message: &MegacoMessage, out: &mut Vec<u8>) -> Result<(), String> {
        let mut buf = BytesMut::with_capacity(256);
        ber::encode(message, self.names, &BitStringMapping::DEFAULT, &mut buf)
            .map_err(|e| e.to_string())?;
        out.extend_from_slice(&buf);
        Ok(())
    }
}

/// The `version` of a BER message (`MegacoMessage ::= SEQUENCE { authHeader
/// [0] OPTIONAL, mess [1] Message }`, `Message ::= SEQUENCE { version [0]
/// INTEGER (0..99), ... }`), when the elements down to it are well formed;
/// the rest of the message is not looked at.
pub fn sniff_ber_version(bytes: &[u8], limits: &BerLimits) -> Option<u8> {
    const T: &str = "MegacoMessage";
    let mut outer = Cursor::outermost(bytes, *limits, T);
    let top = outer.next().ok()??;
    if top.tag() != Tag::universal(16) || top.tag().class != TagClass::Universal {
        return None;
    }
    let mut s = top.cursor(T).ok()?;
    let _auth = s.optional(0).ok()?;
    let message = s.required(1).ok()?;
    let mut m = message.cursor("Message").ok()?;
    m.required(0).ok()?.u8_max("Message", 99).ok()
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::model::{MId, Message, MessageBody, Transaction, TransactionPending};
    use crate::transaction::codec::CodecEngine;
    use crate::transaction::{Engine, EngineConfig, Role};

    fn pending(version: u8) -> MegacoMessage {
        MegacoMessage {
            auth_header: None,
            message: Message {
                version,
                mid: MId::Domain {
                    name: "mgc.example.net".into(),
                    port: Some(2945),
                },
                body: MessageBody::Transactions(vec![Transaction::Pending(TransactionPending {
                    transaction_id: 77,
                })]),
            },
        }
    }

    #[test]
    fn round_trip_and_version_sniffed() {
        let codec = BerCodec::new();
        for version in 1..=3 {
            let mut out = Vec::new();
            codec.encode(&pending(version), &mut out).unwrap();
            assert_eq!(out[0], 0x30);
            assert_eq!(codec.decode(&out).unwrap(), pending(version));
            assert_eq!(
                sniff_ber_version(&out, &BerLimits::default()),
                Some(version)
            );
        }
    }

    #[test]
    fn unsupported_version_is_406_with_header_version() {
        let codec = BerCodec::new();
        // Encode as version 3, then patch the version INTEGER to 4: the
        // encoder refuses to write a version it does not know.
        let mut out = Vec::new();
        codec.encode(&pending(3), &mut out).unwrap();
        let at = out
            .windows(3)
            .position(|w| w == [0x80, 0x01, 0x03])
            .expect("version element");
        out[at + 2] = 4;
        let e = codec.decode(&out).unwrap_err();
        assert_eq!(e.code, ERROR_VERSION_NOT_SUPPORTED);
        assert_eq!(e.header_version, Some(4));
    }

    #[test]
    fn broken_body_is_400_with_header_version() {
        let codec = BerCodec::new();
        let mut out = Vec::new();
        codec.encode(&pending(2), &mut out).unwrap();
        // Cut the message short: the outer lengths no longer hold.
        let e = codec.decode(&out[..out.len() - 3]).unwrap_err();
        assert_eq!(e.code, ERROR_SYNTAX);
        assert_eq!(e.header_version, None, "truncated outer element");
        // A well-formed header over a body that breaks its constraint: the
        // last octet is the transaction ID's INTEGER, made negative.
        let mut bad = out.clone();
        let n = bad.len();
        bad[n - 1] |= 0x80;
        let e = codec.decode(&bad).unwrap_err();
        assert_eq!(e.code, ERROR_SYNTAX);
        assert_eq!(e.header_version, Some(2));
    }

    #[test]
    fn garbage_never_panics_and_is_dropped_or_answered() {
        let codec = BerCodec::new();
        let config = EngineConfig::new(
            Role::Mg,
            MId::Domain {
                name: "mg".into(),
                port: None,
            },
        );
        let mut engine = CodecEngine::new(Engine::new(config), codec);
        let now = Instant::now();
        let mut seed = 0x1234_5678_9abc_def0_u64;
        for len in 0..200 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                })
                .collect();
            engine.handle_datagram(now, 1u8, &bytes);
            while engine.poll_transmit().is_some() {}
        }
        assert_eq!(engine.engine.counters().undecodable_messages, 200);
        // A message whose header reads is answered in its version.
        let mut bad = Vec::new();
        codec.encode(&pending(2), &mut bad).unwrap();
        let n = bad.len();
        bad[n - 1] |= 0x80;
        engine.handle_datagram(now, 2u8, &bad);
        let d = engine.poll_transmit().expect("a message-level error");
        assert_eq!(d.peer, 2);
        let reply = codec.decode(&d.bytes).unwrap();
        assert_eq!(reply.message.version, 2);
        assert!(matches!(reply.message.body, MessageBody::Error(ref e) if e.code == ERROR_SYNTAX));
    }
}
