//! TPKT framing (RFC 1006 clause 6): how H.248 messages, text and binary
//! alike, are delimited on a TCP connection (H.248.1 Annex D.2 and Annex H).
//!
//! ```text
//!  0        1        2        3
//! +--------+--------+--------+--------+--------- - -
//! |vrsn = 3|reserved| packet length   | H.248 message
//! +--------+--------+--------+--------+--------- - -
//! ```
//!
//! The length is 16-bit big-endian and counts the 4-byte header, so one
//! packet carries at most 65 531 bytes of message. The decoder never sizes a
//! buffer from the length field: it waits for the bytes to arrive, and
//! refuses a length above its configured maximum before any of them do.

use bytes::{Buf, BufMut, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

/// The TPKT version (RFC 1006).
pub const TPKT_VERSION: u8 = 3;
/// Bytes of the TPKT header.
pub const TPKT_HEADER_LEN: usize = 4;
/// The largest message one TPKT packet can carry: 65 535 less the header.
pub const TPKT_MAX_PAYLOAD: usize = u16::MAX as usize - TPKT_HEADER_LEN;

/// Why a TPKT stream cannot be read (the connection is then closed: a
/// stream whose framing is lost cannot be resynchronised) or a message
/// cannot be framed.
#[derive(Debug, thiserror::Error)]
pub enum TpktError {
    /// The first octet of a packet is not 3.
    #[error("TPKT version {0}, expected 3")]
    BadVersion(u8),
    /// The length field is smaller than the header itself.
    #[error("TPKT length {0} is shorter than the 4-byte header")]
    LengthTooShort(u16),
    /// The message is larger than the configured maximum (or than 65 531).
    #[error("TPKT message of {size} bytes exceeds the limit of {limit}")]
    TooLarge { size: usize, limit: usize },
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
}

/// The TPKT codec for `tokio_util::codec::Framed*`: items are whole H.248
/// messages (the payloads), without the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TpktCodec {
    max_payload: usize,
}

impl Default for TpktCodec {
    fn default() -> Self {
        TpktCodec {
            max_payload: TPKT_MAX_PAYLOAD,
        }
    }
}

impl TpktCodec {
    /// A codec accepting messages up to `max_payload` bytes (at most
    /// [`TPKT_MAX_PAYLOAD`]).
    pub fn new(max_payload: usize) -> Self {
        TpktCodec {
            max_payload: max_payload.min(TPKT_MAX_PAYLOAD),
        }
    }

    pub fn max_payload(&self) -> usize {
        self.max_payload
    }
}

impl Decoder for TpktCodec {
    type Item = BytesMut;
    type Error = TpktError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<BytesMut>, TpktError> {
        // Refuse a bad version as soon as its octet arrives.
        match src.first() {
            None => return Ok(None),
            Some(&v) if v != TPKT_VERSION => return Err(TpktError::BadVersion(v)),
            Some(_) => {}
        }
        if src.len() < TPKT_HEADER_LEN {
            return Ok(None);
        }
        // The reserved octet (src[1]) is written as 0 and not checked on
        // receipt (RFC 1006 gives it no meaning).
        let length = u16::from_be_bytes([src[2], src[3]]);
        let total = usize::from(length);
        if total < TPKT_HEADER_LEN {
            return Err(TpktError::LengthTooShort(length));
        }
        let payload = total - TPKT_HEADER_LEN;
        if payload > self.max_payload {
            return Err(TpktError::TooLarge {
                size: payload,
                limit: self.max_payload,
            });
        }
        if src.len() < total {
            return Ok(None);
        }
        src.advance(TPKT_HEADER_LEN);
        Ok(Some(src.split_to(payload)))
    }
}

impl<B: AsRef<[u8]>> Encoder<B> for TpktCodec {
    type Error = TpktError;

    fn encode(&mut self, item: B, dst: &mut BytesMut) -> Result<(), TpktError> {
        let payload = item.as_ref();
        if payload.len() > self.max_payload {
            return Err(TpktError::TooLarge {
                size: payload.len(),
                limit: self.max_payload,
            });
        }
        // Fits: max_payload <= TPKT_MAX_PAYLOAD.
        let total = (payload.len() + TPKT_HEADER_LEN) as u16;
        dst.reserve(usize::from(total));
        dst.put_u8(TPKT_VERSION);
        dst.put_u8(0);
        dst.put_u16(total);
        dst.put_slice(payload);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(payload: &[u8]) -> Vec<u8> {
        let mut out = BytesMut::new();
        TpktCodec::default().encode(payload, &mut out).unwrap();
        out.to_vec()
    }

    /// Feeds `stream` to a decoder in the chunks `cuts` delimit and returns
    /// the messages in order.
    fn feed(
        codec: &mut TpktCodec,
        stream: &[u8],
        cuts: &[usize],
    ) -> Result<Vec<Vec<u8>>, TpktError> {
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        let mut start = 0;
        for &end in cuts.iter().chain(std::iter::once(&stream.len())) {
            buf.extend_from_slice(&stream[start..end]);
            start = end;
            while let Some(m) = codec.decode(&mut buf)? {
                out.push(m.to_vec());
            }
        }
        assert!(buf.is_empty(), "bytes left over: {buf:?}");
        Ok(out)
    }

    #[test]
    fn header_layout() {
        assert_eq!(frame(b"MEGACO/3"), b"\x03\x00\x00\x0cMEGACO/3");
        assert_eq!(frame(b""), b"\x03\x00\x00\x04");
    }

    #[test]
    fn split_at_every_offset_and_at_every_pair_of_offsets() {
        let messages: [&[u8]; 3] = [
            b"MEGACO/1 [10.0.0.1]:2944\nT=1{C=-{N=ROOT{}}}",
            b"",
            &[0x30, 0x03, 0x02, 0x01, 0x01],
        ];
        let stream: Vec<u8> = messages.iter().flat_map(|m| frame(m)).collect();
        for cut in 0..=stream.len() {
            let got = feed(&mut TpktCodec::default(), &stream, &[cut]).unwrap();
            assert_eq!(got, messages.map(<[u8]>::to_vec), "cut at {cut}");
        }
        for a in 0..=stream.len() {
            for b in a..=stream.len() {
                let got = feed(&mut TpktCodec::default(), &stream, &[a, b]).unwrap();
                assert_eq!(got, messages.map(<[u8]>::to_vec), "cuts at {a}, {b}");
            }
        }
        // One byte at a time.
        let cuts: Vec<usize> = (1..stream.len()).collect();
        let got = feed(&mut TpktCodec::default(), &stream, &cuts).unwrap();
        assert_eq!(got.len(), 3);
    }

    #[test]
    fn several_packets_in_one_read() {
        let stream: Vec<u8> = (0..50u8)
            .flat_map(|i| frame(&vec![i; usize::from(i)]))
            .collect();
        let got = feed(&mut TpktCodec::default(), &stream, &[]).unwrap();
        assert_eq!(got.len(), 50);
        for (i, m) in got.iter().enumerate() {
            assert_eq!(m, &vec![i as u8; i]);
        }
    }

    #[test]
    fn bad_version_rejected_at_once() {
        let mut codec = TpktCodec::default();
        let mut buf = BytesMut::from(&[0x02u8][..]);
        assert!(matches!(
            codec.decode(&mut buf),
            Err(TpktError::BadVersion(2))
        ));
        // A text message sent without TPKT.
        let mut buf = BytesMut::from(&b"MEGACO/1 [1.2.3.4]"[..]);
        assert!(matches!(
            codec.decode(&mut buf),
            Err(TpktError::BadVersion(b'M'))
        ));
        // After a good packet.
        let mut stream = frame(b"abc");
        stream.push(0x04);
        let mut buf = BytesMut::from(&stream[..]);
        assert_eq!(codec.decode(&mut buf).unwrap().unwrap(), &b"abc"[..]);
        assert!(matches!(
            codec.decode(&mut buf),
            Err(TpktError::BadVersion(4))
        ));
    }

    #[test]
    fn length_shorter_than_header_rejected() {
        for len in 0..4u8 {
            let mut buf = BytesMut::from(&[3u8, 0, 0, len][..]);
            assert!(matches!(
                TpktCodec::default().decode(&mut buf),
                Err(TpktError::LengthTooShort(l)) if l == u16::from(len)
            ));
        }
    }

    #[test]
    fn oversized_refused_from_the_header_without_allocating() {
        let mut codec = TpktCodec::new(100);
        assert_eq!(codec.max_payload(), 100);
        // 105 = 101 bytes of payload: refused with only the header present.
        let mut buf = BytesMut::from(&[3u8, 0, 0, 105][..]);
        let capacity = buf.capacity();
        assert!(matches!(
            codec.decode(&mut buf),
            Err(TpktError::TooLarge {
                size: 101,
                limit: 100
            })
        ));
        assert_eq!(buf.capacity(), capacity);
        // Exactly at the limit is fine, and nothing is reserved while the
        // payload is still on its way.
        let mut buf = BytesMut::with_capacity(8);
        buf.extend_from_slice(&[3u8, 0, 0, 104, b'x']);
        let capacity = buf.capacity();
        assert!(codec.decode(&mut buf).unwrap().is_none());
        assert_eq!(buf.capacity(), capacity);
        buf.extend_from_slice(&[b'x'; 99]);
        assert_eq!(codec.decode(&mut buf).unwrap().unwrap().len(), 100);
        // The encoder keeps to the same bound, and to the 16-bit field.
        let mut out = BytesMut::new();
        assert!(matches!(
            codec.encode(&[0u8; 101][..], &mut out),
            Err(TpktError::TooLarge {
                size: 101,
                limit: 100
            })
        ));
        assert!(out.is_empty());
        assert_eq!(TpktCodec::new(usize::MAX).max_payload(), TPKT_MAX_PAYLOAD);
        let mut big = TpktCodec::default();
        assert!(big
            .encode(&vec![0u8; TPKT_MAX_PAYLOAD][..], &mut out)
            .is_ok());
        assert_eq!(&out[..4], &[3, 0, 0xff, 0xff]);
        assert!(big
            .encode(&vec![0u8; TPKT_MAX_PAYLOAD + 1][..], &mut out)
            .is_err());
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..2000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 64) as usize;
            let mut bytes: Vec<u8> = (0..len).map(|i| (seed >> (i % 56)) as u8).collect();
            if let Some(b) = bytes.first_mut() {
                *b = if seed & 1 == 0 { 3 } else { *b };
            }
            let mut buf = BytesMut::from(&bytes[..]);
            let mut codec = TpktCodec::new(32);
            while let Ok(Some(_)) = codec.decode(&mut buf) {}
        }
    }
}
