//! BER writer (X.690 clause 8, definite lengths, minimal forms) into a
//! reusable [`BytesMut`].
//!
//! A constructed element is written as its identifier and a one-octet length
//! slot; its contents follow; when it is closed the slot gets the length,
//! and only when the contents reach 128 octets are they shifted to make room
//! for the long form. No allocation per element, and the shift only touches
//! the few outer elements of a message.

use bytes::{BufMut, BytesMut};

/// Identifier octet bits (X.690 8.1.2).
const CONTEXT: u8 = 0x80;
const CONSTRUCTED: u8 = 0x20;

/// Universal identifier octets of the types Annex A uses.
pub(crate) mod universal {
    pub const INTEGER: u8 = 0x02;
    pub const OCTET_STRING: u8 = 0x04;
    pub const ENUMERATED: u8 = 0x0a;
    pub const SEQUENCE: u8 = 0x30;
}

/// The identifier octet of context tag `[n]` (Annex A tags are all below 31).
const fn context(number: u8, constructed: bool) -> u8 {
    CONTEXT | if constructed { CONSTRUCTED } else { 0 } | (number & 0x1f)
}

/// An open constructed element: where its length slot is.
#[must_use]
pub(crate) struct Open(usize);

pub(crate) struct Writer<'b> {
    buf: &'b mut BytesMut,
}

impl<'b> Writer<'b> {
    pub fn new(buf: &'b mut BytesMut) -> Self {
        Writer { buf }
    }

    /// Opens a constructed element with identifier octet `identifier`.
    pub fn open_raw(&mut self, identifier: u8) -> Open {
        self.buf.put_u8(identifier);
        self.buf.put_u8(0);
        Open(self.buf.len() - 1)
    }

    /// Opens constructed `[n]` (a SEQUENCE, SEQUENCE OF or explicit tag).
    pub fn open(&mut self, number: u8) -> Open {
        self.open_raw(context(number, true))
    }

    /// Opens a universal SEQUENCE (an item of a SEQUENCE OF).
    pub fn open_sequence(&mut self) -> Open {
        self.open_raw(universal::SEQUENCE)
    }

    /// Closes an element: writes its length in minimal form.
    pub fn close(&mut self, open: Open) {
        let slot = open.0;
        let content_len = self.buf.len() - slot - 1;
        if content_len < 0x80 {
            self.buf[slot] = content_len as u8;
            return;
        }
        let octets = length_octets(content_len);
        let old_len = self.buf.len();
        self.buf.resize(old_len + octets, 0);
        self.buf.copy_within(slot + 1..old_len, slot + 1 + octets);
        self.buf[slot] = 0x80 | octets as u8;
        for i in 0..octets {
            self.buf[slot + 1 + i] = (content_len >> (8 * (octets - 1 - i))) as u8;
        }
    }

    fn length(&mut self, len: usize) {
        if len < 0x80 {
            self.buf.put_u8(len as u8);
        } else {
            let octets = length_octets(len);
            self.buf.put_u8(0x80 | octets as u8);
            for i in (0..octets).rev() {
                self.buf.put_u8((len >> (8 * i)) as u8);
            }
        }
    }

    fn primitive_raw(&mut self, identifier: u8, content: &[u8]) {
        self.buf.put_u8(identifier);
        self.length(content.len());
        self.buf.put_slice(content);
    }

    /// Primitive `[n]` with these contents (OCTET STRING, IA5String, ...).
    pub fn octets(&mut self, number: u8, content: &[u8]) {
        self.primitive_raw(context(number, false), content);
    }

    /// A universal OCTET STRING (an item of `SEQUENCE OF OCTET STRING`).
    pub fn octet_string_item(&mut self, content: &[u8]) {
        self.primitive_raw(universal::OCTET_STRING, content);
    }

    /// `[n] NULL`.
    pub fn null(&mut self, number: u8) {
        self.primitive_raw(context(number, false), &[]);
    }

    /// `[n] BOOLEAN` (TRUE as 0xFF).
    pub fn boolean(&mut self, number: u8, value: bool) {
        self.primitive_raw(context(number, false), &[if value { 0xff } else { 0 }]);
    }

    /// A non-negative INTEGER or ENUMERATED with identifier `identifier`, in
    /// the fewest octets (a leading zero octet when the top bit is set).
    pub fn uint_raw(&mut self, identifier: u8, value: u64) {
        let bytes = value.to_be_bytes();
        let skip = bytes.iter().take(7).take_while(|&&b| b == 0).count();
        let significant = &bytes[skip..];
        self.buf.put_u8(identifier);
        if significant[0] & 0x80 != 0 {
            self.buf.put_u8(significant.len() as u8 + 1);
            self.buf.put_u8(0);
        } else {
            self.buf.put_u8(significant.len() as u8);
        }
        self.buf.put_slice(significant);
    }

    /// `[n] INTEGER` / `[n] ENUMERATED`.
    pub fn uint(&mut self, number: u8, value: u64) {
        self.uint_raw(context(number, false), value);
    }

    /// `[n] BIT STRING` of named bits (bit `k` set as `1 << k`), without
    /// trailing zero bits (X.690 11.2.2 for named bit lists).
    pub fn named_bits(&mut self, number: u8, bits: u32) {
        let used = 32 - bits.leading_zeros() as usize;
        let octets = used.div_ceil(8);
        self.buf.put_u8(context(number, false));
        self.buf.put_u8(1 + octets as u8);
        self.buf.put_u8(((8 - used % 8) % 8) as u8);
        for i in 0..octets {
            let mut octet = 0u8;
            for bit in 0..8 {
                if bits & (1 << (i * 8 + bit)) != 0 {
                    octet |= 0x80 >> bit;
                }
            }
            self.buf.put_u8(octet);
        }
    }

    /// An OBJECT IDENTIFIER with identifier `identifier` from its arcs.
    pub fn object_identifier(&mut self, number: u8, arcs: &[u32]) {
        let mut content = [0u8; 5 * 32];
        let mut len = 0;
        let first = match arcs {
            [a, b, ..] => u64::from(*a) * 40 + u64::from(*b),
            [a] => u64::from(*a) * 40,
            [] => 0,
        };
        let mut push = |value: u64, len: &mut usize| {
            let groups = (64 - value.leading_zeros() as usize).div_ceil(7).max(1);
            for g in (0..groups).rev() {
                let more = if g == 0 { 0 } else { 0x80 };
                if let Some(slot) = content.get_mut(*len) {
                    *slot = ((value >> (7 * g)) & 0x7f) as u8 | more;
                }
                *len += 1;
            }
        };
        push(first, &mut len);
        for &arc in arcs.iter().skip(2) {
            push(u64::from(arc), &mut len);
        }
        let len = len.min(content.len());
        self.primitive_raw(context(number, false), &content[..len]);
    }
}

/// How many octets the long form of `len` needs.
fn length_octets(len: usize) -> usize {
    (usize::BITS as usize - len.leading_zeros() as usize).div_ceil(8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(f: impl FnOnce(&mut Writer<'_>)) -> Vec<u8> {
        let mut buf = BytesMut::new();
        f(&mut Writer::new(&mut buf));
        buf.to_vec()
    }

    #[test]
    fn integers_are_minimal() {
        assert_eq!(written(|w| w.uint(0, 0)), [0x80, 1, 0]);
        assert_eq!(written(|w| w.uint(1, 127)), [0x81, 1, 127]);
        assert_eq!(written(|w| w.uint(1, 128)), [0x81, 2, 0, 128]);
        assert_eq!(written(|w| w.uint(0, 55555)), [0x80, 3, 0, 0xd9, 0x03]);
        assert_eq!(
            written(|w| w.uint(0, u64::from(u32::MAX))),
            [0x80, 5, 0, 0xff, 0xff, 0xff, 0xff]
        );
    }

    #[test]
    fn lengths_switch_to_long_form_and_shift_contents() {
        let out = written(|w| {
            let outer = w.open(1);
            let inner = w.open_sequence();
            w.octets(0, &[7; 200]);
            w.close(inner);
            w.close(outer);
        });
        assert_eq!(&out[..8], &[0xa1, 0x81, 206, 0x30, 0x81, 203, 0x80, 0x81]);
        assert_eq!(out[8], 200);
        assert_eq!(out.len(), 3 + 3 + 3 + 200);
        let out = written(|w| {
            let outer = w.open(2);
            w.octets(0, &[1; 300]);
            w.close(outer);
        });
        assert_eq!(&out[..4], &[0xa2, 0x82, 0x01, 0x30]);
    }

    #[test]
    fn bit_strings_and_oids() {
        assert_eq!(written(|w| w.named_bits(4, 0b101)), [0x84, 2, 5, 0xa0]);
        assert_eq!(written(|w| w.named_bits(0, 1 << 9)), [0x80, 3, 6, 0, 0x40]);
        assert_eq!(written(|w| w.named_bits(0, 0)), [0x80, 1, 0]);
        assert_eq!(
            written(|w| w.object_identifier(0, &[1, 2, 840])),
            [0x80, 3, 0x2a, 0x86, 0x48]
        );
        assert_eq!(written(|w| w.boolean(1, true)), [0x81, 1, 0xff]);
        assert_eq!(written(|w| w.null(1)), [0x81, 0]);
    }
}
