//! Termination IDs in the binary encoding (H.248.1 Annex A.1, Annex A
//! `TerminationID ::= SEQUENCE { wildcard SEQUENCE OF WildcardField, id
//! OCTET STRING(SIZE(1..8)), ... }`).
//!
//! The model keeps termination IDs as text; how a text ID maps to at most 64
//! bits is provisioned per gateway. [`TerminationIdMapping`] is that mapping;
//! [`BitStringMapping`] is the one Erlang/OTP megaco uses and the corpus
//! follows: each `/`-separated level is a string of `0`/`1` bits.
//!
//! A.1 wildcard field, one octet: bit 7 is 1 for ALL (`*`), 0 for CHOOSE
//! (`$`); bit 6 is 1 when the wildcard covers the level and all lower levels,
//! 0 for that level only; bits 5..0 give the position of the level's first
//! (most significant) bit, counting bit 0 as the least significant bit of the
//! whole ID. ROOT is the ID `0xFFFFFFFFFFFFFFFF` (A.1 and the comment on
//! `TerminationID`).

use arrayvec::ArrayString;

use crate::model::TerminationId;

/// The binary form of a termination ID: wildcard fields and ID octets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BinaryTerminationId {
    /// The A.1 wildcard fields, one octet each.
    pub wildcard: Vec<u8>,
    /// 1 to 8 octets.
    pub id: Vec<u8>,
}

/// Maps text termination IDs to their binary form and back.
pub trait TerminationIdMapping {
    /// Writes the binary form of `text` into `out` (cleared first; reusing
    /// `out` keeps encoding free of allocation). Errors say why the text has
    /// no binary form.
    fn to_binary(
        &self,
        text: &TerminationId,
        out: &mut BinaryTerminationId,
    ) -> Result<(), &'static str>;

    /// The text form of wildcard fields `wildcard` and ID octets `id`.
    fn to_text(&self, wildcard: &[u8], id: &[u8]) -> Result<TerminationId, &'static str>;
}

/// The eight binary digits of each octet value, most significant first.
static OCTET_DIGITS: [[u8; 8]; 256] = {
    let mut table = [[b'0'; 8]; 256];
    let mut value = 0;
    while value < 256 {
        let mut bit = 0;
        while bit < 8 {
            if value & (0x80 >> bit) != 0 {
                table[value][bit] = b'1';
            }
            bit += 1;
        }
        value += 1;
    }
    table
};

/// Each octet value's digits after a `/`, as the levels after the first of
/// an ID whose levels are octets are written: octet value `v`'s at `9 * v`.
const SLASHED_OCTET_DIGITS: [u8; 256 * 9] = {
    let mut flat = [b'/'; 256 * 9];
    let mut i = 0;
    while i < 256 * 8 {
        flat[i / 8 * 9 + 1 + i % 8] = OCTET_DIGITS[i / 8][i % 8];
        i += 1;
    }
    flat
};

/// The 256 pieces of [`SLASHED_OCTET_DIGITS`], each from `skip` bytes into
/// its nine, as text (checked once, at compile time), so that an ID's text
/// is built from `str` pieces without checking or slicing it again.
const fn pieces(skip: usize) -> [&'static str; 256] {
    let mut out = [""; 256];
    let mut value = 0;
    while value < 256 {
        let (_, from) = SLASHED_OCTET_DIGITS.split_at(value * 9 + skip);
        let (piece, _) = from.split_at(9 - skip);
        out[value] = match std::str::from_utf8(piece) {
            Ok(text) => text,
            Err(_) => panic!("binary digits and slashes are ASCII"),
        };
        value += 1;
    }
    out
}

/// The eight binary digits of each octet value, as text.
const OCTET_TEXTS: [&str; 256] = pieces(1);

/// `/` and the eight binary digits of each octet value, as text.
const SLASHED_OCTET_TEXTS: [&str; 256] = pieces(0);

/// The eight binary digits of `octet` as text.
#[inline]
fn octet_text(octet: u8) -> &'static str {
    OCTET_TEXTS[usize::from(octet)]
}

/// `/` and the eight binary digits of `octet`, as text.
#[inline]
fn slashed_octet_text(octet: u8) -> &'static str {
    SLASHED_OCTET_TEXTS[usize::from(octet)]
}

/// The text of an ID whose levels are its octets (the default layout):
/// their digits joined by `/`, as [`BitStringMapping::to_text`]'s general
/// loop writes them. IDs of one to three octets (up to 26 bytes) are written
/// straight into the inline form of [`TerminationId`], one case per length;
/// `id` is not empty.
#[inline]
fn octet_levels_text(first: u8, rest: &[u8]) -> TerminationId {
    let mut text = ArrayString::<{ TerminationId::INLINE }>::new();
    let inline = match *rest {
        [] => text.try_push_str(octet_text(first)).is_ok(),
        [second] => {
            text.try_push_str(octet_text(first)).is_ok()
                && text.try_push_str(slashed_octet_text(second)).is_ok()
        }
        [second, third] => {
            text.try_push_str(octet_text(first)).is_ok()
                && text.try_push_str(slashed_octet_text(second)).is_ok()
                && text.try_push_str(slashed_octet_text(third)).is_ok()
        }
        _ => false,
    };
    if inline {
        return TerminationId::from_inline(text);
    }
    let pieces = std::iter::once(octet_text(first))
        .chain(rest.iter().map(|&octet| slashed_octet_text(octet)));
    TerminationId::from_parts((1 + rest.len()) * 9 - 1, pieces)
}

/// ROOT (A.1): eight octets of ones.
pub const ROOT_ID: [u8; 8] = [0xff; 8];

/// Most wildcard fields written for one ID (one per wildcarded level).
const MAX_WILDCARD_FIELDS: usize = 16;

const WILDCARD_ALL: u8 = 0x80;
const WILDCARD_RECURSIVE: u8 = 0x40;
const WILDCARD_POSITION: u8 = 0x3f;

/// Text levels are bit strings: `11111111/00000000/00000001` is the three
/// octets `ff 00 01`. The level layout (bits per level, most significant
/// first) is needed to place wildcards and to split IDs on decoding; levels
/// beyond the layout are 8 bits. The default layout is three levels of 8
/// bits, as megaco's default; `*` or `$` as the last text level before the
/// end of the layout covers all lower levels too (`*` alone is "all
/// terminations": wildcard `0xD7` over `00 00 00`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BitStringMapping {
    /// Widths of the first `levels` levels (at most 64 levels of one bit).
    level_bits: [u8; 64],
    levels: u8,
    /// Every level of the layout is 8 bits wide (as the default).
    octet_levels: bool,
}

impl Default for BitStringMapping {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl BitStringMapping {
    /// The default layout, three levels of 8 bits (as a constant, so that
    /// `&BitStringMapping::DEFAULT` is a static and nothing is built per
    /// message).
    pub const DEFAULT: BitStringMapping = {
        let mut level_bits = [0; 64];
        level_bits[0] = 8;
        level_bits[1] = 8;
        level_bits[2] = 8;
        BitStringMapping {
            level_bits,
            levels: 3,
            octet_levels: true,
        }
    };

    /// A mapping with levels of these widths in bits (each 1 to 64, at most
    /// 64 bits in all); `None` if the layout is impossible.
    pub fn with_levels(level_bits: &[u8]) -> Option<Self> {
        let total: u32 = level_bits.iter().map(|&b| u32::from(b)).sum();
        if level_bits.iter().any(|&b| b == 0 || b > 64) || total > 64 {
            return None;
        }
        let mut widths = [0; 64];
        widths
            .get_mut(..level_bits.len())?
            .copy_from_slice(level_bits);
        Some(BitStringMapping {
            level_bits: widths,
            levels: u8::try_from(level_bits.len()).ok()?,
            octet_levels: level_bits.iter().all(|&width| width == 8),
        })
    }

    /// The widths in bits of the levels of the layout, most significant
    /// first (levels beyond them are 8 bits).
    pub fn level_widths(&self) -> &[u8] {
        &self.level_bits[..usize::from(self.levels)]
    }

    fn width(&self, level: usize) -> usize {
        let width = self.level_bits[..usize::from(self.levels)].get(level);
        usize::from(width.copied().unwrap_or(8))
    }
}

impl TerminationIdMapping for BitStringMapping {
    fn to_binary(
        &self,
        text: &TerminationId,
        out: &mut BinaryTerminationId,
    ) -> Result<(), &'static str> {
        out.wildcard.clear();
        out.id.clear();
        if text.is_root() {
            out.id.extend_from_slice(&ROOT_ID);
            return Ok(());
        }
        let bytes = text.as_str().as_bytes();
        let mut id = [0u8; 8];
        // Bits placed so far, most significant first.
        let mut pos = 0usize;
        // Each wildcard field without its position, and its level's first bit.
        let mut fields = [(0u8, 0u8); MAX_WILDCARD_FIELDS];
        let mut field_count = 0;
        let mut level = 0;
        let mut start = 0;
        loop {
            let end = bytes[start..]
                .iter()
                .position(|&b| b == b'/')
                .map_or(bytes.len(), |p| start + p);
            let part = &bytes[start..end];
            let last = end == bytes.len();
            let width = self.width(level);
            if let [wildcard @ (b'*' | b'$')] = *part {
                let kind = if wildcard == b'*' { WILDCARD_ALL } else { 0 };
                let recursive = last && level + 1 < usize::from(self.levels);
                let slot = fields
                    .get_mut(field_count)
                    .ok_or("too many wildcard levels")?;
                *slot = (
                    kind | if recursive { WILDCARD_RECURSIVE } else { 0 },
                    pos as u8,
                );
                field_count += 1;
                pos += if recursive {
                    (level..usize::from(self.levels))
                        .map(|l| self.width(l))
                        .sum()
                } else {
                    width
                };
            } else {
                if part.len() != width || pos + width > 64 {
                    return Err(if part.is_empty() || pos + width > 64 {
                        "a level is empty or the ID has more than 64 bits"
                    } else {
                        "a level's bit count differs from the configured layout"
                    });
                }
                for &b in part {
                    match b {
                        b'0' => {}
                        b'1' => id[pos / 8] |= 0x80 >> (pos % 8),
                        _ => return Err("a level is not a string of 0 and 1 bits (or * or $)"),
                    }
                    pos += 1;
                }
            }
            if pos > 64 {
                return Err("more than 64 bits");
            }
            if last {
                break;
            }
            start = end + 1;
            level += 1;
        }
        if pos & 7 != 0 {
            return Err("the bits do not fill whole octets");
        }
        out.id.extend_from_slice(&id[..pos / 8]);
        for &(field, start) in &fields[..field_count] {
            out.wildcard
                .push(field | ((pos - 1 - usize::from(start)) as u8 & WILDCARD_POSITION));
        }
        Ok(())
    }

    fn to_text(&self, wildcard: &[u8], id: &[u8]) -> Result<TerminationId, &'static str> {
        if wildcard.is_empty() && id == ROOT_ID {
            return Ok(TerminationId::root());
        }
        let total = id.len() * 8;
        if total == 0 || total > 64 {
            return Err("the ID must have 1 to 8 octets");
        }
        if wildcard.is_empty() && self.octet_levels {
            // Every level an octet (as the default layout): the octets'
            // digits joined by `/`, as the general loop below writes them.
            let (&first, rest) = id.split_first().ok_or("the ID must have 1 to 8 octets")?;
            return Ok(octet_levels_text(first, rest));
        }
        // At most 64 one-bit levels and their 63 slashes.
        let mut text = [0u8; 128];
        let mut len = 0;
        let mut start = 0usize;
        let mut level = 0usize;
        let mut matched = 0usize;
        while start < total {
            let width = self.width(level).min(total - start);
            if level > 0 {
                text[len] = b'/';
                len += 1;
            }
            let position = total - 1 - start;
            let field = wildcard
                .iter()
                .find(|&&f| usize::from(f & WILDCARD_POSITION) == position);
            if field.is_none() && width == 8 && start & 7 == 0 {
                // A whole octet: its eight digits at once.
                text[len..len + 8].copy_from_slice(&OCTET_DIGITS[usize::from(id[start / 8])]);
                len += 8;
            } else if let Some(&field) = field {
                matched += 1;
                text[len] = if field & WILDCARD_ALL != 0 {
                    b'*'
                } else {
                    b'$'
                };
                len += 1;
                if field & WILDCARD_RECURSIVE != 0 {
                    break;
                }
            } else {
                for bit in start..start + width {
                    let set = id[bit / 8] & (0x80 >> (bit % 8)) != 0;
                    text[len] = if set { b'1' } else { b'0' };
                    len += 1;
                }
            }
            start += width;
            level += 1;
        }
        if matched != wildcard.len() {
            return Err("a wildcard position does not start a level");
        }
        let text = std::str::from_utf8(&text[..len]).map_err(|_| "not text")?;
        Ok(TerminationId::from(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binary(text: &str) -> Result<(Vec<u8>, Vec<u8>), &'static str> {
        let mut out = BinaryTerminationId::default();
        BitStringMapping::default().to_binary(&TerminationId::from(text), &mut out)?;
        Ok((out.wildcard, out.id))
    }

    fn text(wildcard: &[u8], id: &[u8]) -> String {
        BitStringMapping::default()
            .to_text(wildcard, id)
            .unwrap()
            .to_string()
    }

    #[test]
    fn plain_ids_and_root() {
        assert_eq!(
            binary("11111111/00000000/00000001").unwrap(),
            (vec![], vec![0xff, 0, 1])
        );
        assert_eq!(text(&[], &[0xff, 0, 1]), "11111111/00000000/00000001");
        assert_eq!(binary("ROOT").unwrap(), (vec![], ROOT_ID.to_vec()));
        assert_eq!(binary("root").unwrap().1, ROOT_ID.to_vec());
        assert_eq!(text(&[], &ROOT_ID), "ROOT");
    }

    #[test]
    fn wildcards_as_megaco_and_annex_a1_encode_them() {
        // The corpus: `*` and `$` alone, and a last-level `*`.
        assert_eq!(binary("*").unwrap(), (vec![0xd7], vec![0, 0, 0]));
        assert_eq!(binary("$").unwrap(), (vec![0x57], vec![0, 0, 0]));
        assert_eq!(
            binary("11111111/11111111/*").unwrap(),
            (vec![0x87], vec![0xff, 0xff, 0])
        );
        assert_eq!(text(&[0xd7], &[0, 0, 0]), "*");
        assert_eq!(text(&[0x57], &[0, 0, 0]), "$");
        assert_eq!(text(&[0x87], &[0xff, 0xff, 0]), "11111111/11111111/*");
        // A.1's example: CHOOSE the first and last of three levels.
        assert_eq!(text(&[0x17, 0x07], &[0, 0x1e, 0]), "$/00011110/$");
        assert_eq!(
            binary("$/00011110/$").unwrap(),
            (vec![0x17, 0x07], vec![0, 0x1e, 0])
        );
        // A middle level covering the ones below.
        assert_eq!(
            binary("11111111/*").unwrap(),
            (vec![0xcf], vec![0xff, 0, 0])
        );
        assert_eq!(text(&[0xcf], &[0xff, 0, 0]), "11111111/*");
    }

    #[test]
    fn impossible_ids_are_refused() {
        assert!(binary("ip/12").is_err());
        assert!(binary("1111").is_err());
        assert!(binary(
            "11111111/11111111/11111111/11111111/11111111/11111111/11111111/11111111/11111111"
        )
        .is_err());
        assert!(BitStringMapping::default()
            .to_text(&[0x85], &[0, 0, 0])
            .is_err());
        assert!(BitStringMapping::with_levels(&[60, 8]).is_none());
    }

    #[test]
    fn octet_levels_are_written_as_the_general_loop_writes_them() {
        let octets = BitStringMapping::default();
        // The same layout, not taken for octet levels: the general loop.
        let general = BitStringMapping {
            octet_levels: false,
            ..BitStringMapping::default()
        };
        for id in [
            &[0x00][..],
            &[0xff, 0x01],
            &[0x80, 0x7f, 0x5a],
            // The first that does not fit inline (35 bytes).
            &[0x01, 0x02, 0x03, 0x04],
            &[1, 2, 3, 4, 5, 6, 7, 8],
        ] {
            assert_eq!(
                octets.to_text(&[], id),
                general.to_text(&[], id),
                "{id:02x?}"
            );
        }
        for value in 0..=255u8 {
            assert_eq!(slashed_octet_text(value)[1..], *octet_text(value));
        }
    }
}
