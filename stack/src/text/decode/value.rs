//! Leaf rules of Annex B: numbers (`UINT16`, `UINT32`), `NAME`, `pkgdName`,
//! `VALUE` and `quotedString`, `parmValue`, `TerminationID` and
//! `termIDList`, `ContextID`, `RequestID`, `TimeStamp`,
//! `extensionParameter`, `digitMapValue` and the SDP `octetString` of Local
//! and Remote descriptors.

use super::{List, PResult, Parser};
use crate::model::{
    small_list, ContextId, DigitMapValue, ParmValue, PropertyParm, Relation, RequestId, SmallList,
    TerminationId, Text, TimeNotation, Value,
};
use crate::sdp::SessionDescription;
use crate::text::DecodeErrorKind;

/// Byte classes of the grammar, one table lookup per byte.
const SAFE_CHAR: u8 = 1; // SafeChar / %x80-FF: unquoted VALUE
const NAME_CHAR: u8 = 2; // ALPHA / DIGIT / "_" / "/" / "*": pkgdName
pub(super) const WORD_CHAR: u8 = 4; // ALPHA / DIGIT / "_": tokens and NAME
/// Printable ASCII but `{`, `}`, `;` and `"`, and SP, HTAB, CR, LF: the
/// bytes of a `digitMapValue` body that need no more than reading past.
const DIGIT_MAP_CHAR: u8 = 8;

const fn byte_classes() -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut b = 0usize;
    while b < 256 {
        let c = b as u8;
        let alnum = c.is_ascii_alphanumeric();
        let mut class = 0;
        if alnum
            || c >= 0x80
            || matches!(
                c,
                b'+' | b'-'
                    | b'&'
                    | b'!'
                    | b'_'
                    | b'/'
                    | b'\''
                    | b'?'
                    | b'@'
                    | b'^'
                    | b'`'
                    | b'~'
                    | b'*'
                    | b'$'
                    | b'\\'
                    | b'('
                    | b')'
                    | b'%'
                    | b'|'
                    | b'.'
            )
        {
            class |= SAFE_CHAR;
        }
        if alnum || matches!(c, b'_' | b'/' | b'*') {
            class |= NAME_CHAR;
        }
        if alnum || c == b'_' {
            class |= WORD_CHAR;
        }
        if matches!(c, b'\t' | b'\n' | b'\r' | b' '..=b'~')
            && !matches!(c, b'{' | b'}' | b';' | b'"')
        {
            class |= DIGIT_MAP_CHAR;
        }
        table[b] = class;
        b += 1;
    }
    table
}

static CLASSES: [u8; 256] = byte_classes();

pub(super) fn is_class(b: u8, class: u8) -> bool {
    CLASSES[usize::from(b)] & class != 0
}

/// The length of the run of bytes of `class` (one of the classes above, a
/// single bit) at the start of `bytes`. Eight bytes at a time while the run
/// lasts, their classes ANDed without a branch between them, then byte by
/// byte: for runs that are often long (termination IDs are of tens of
/// bytes), where the byte loop's compare and branch per byte dominate.
fn long_run_len(bytes: &[u8], class: u8) -> usize {
    let mut len = 0;
    for chunk in bytes.chunks_exact(8) {
        let all_of_class = chunk
            .iter()
            .fold(class, |acc, &b| acc & CLASSES[usize::from(b)]);
        if all_of_class == 0 {
            break;
        }
        len += 8;
    }
    let tail = bytes.get(len..).unwrap_or_default();
    len + tail
        .iter()
        .position(|&b| !is_class(b, class))
        .unwrap_or(tail.len())
}

/// Annex B `TimeStamp = Date "T" Time` (8 digits each, `T` in either
/// case) at the start of `i`: true when the 17 bytes there have that form.
/// Fixed width, so checked directly rather than with nom combinators.
fn is_time_stamp(i: &[u8]) -> bool {
    let Some((date, rest)) = i.split_first_chunk::<8>() else {
        return false;
    };
    let Some((&t, rest)) = rest.split_first() else {
        return false;
    };
    let Some(time) = rest.first_chunk::<8>() else {
        return false;
    };
    eight_digits(date) && (t == b'T' || t == b't') && eight_digits(time)
}

/// True when each of the 8 bytes is an ASCII digit, checked on all of them
/// at once: a digit is `0x3d` with `d` below 10, so its high nibble is 3,
/// and stays 3 when 6 is added (which carries into it from `d` = 10 up; no
/// byte of high nibble 3 carries into the next).
fn eight_digits(bytes: &[u8; 8]) -> bool {
    const HIGH_NIBBLES: u64 = u64::from_le_bytes([0xF0; 8]);
    const ZEROS: u64 = u64::from_le_bytes([b'0'; 8]);
    const SIXES: u64 = u64::from_le_bytes([6; 8]);
    let x = u64::from_le_bytes(*bytes);
    x & HIGH_NIBBLES == ZEROS && x.wrapping_add(SIXES) & HIGH_NIBBLES == ZEROS
}

impl<'a> Parser<'a> {
    /// The input from `start` to the current position.
    pub(super) fn slice_from(&self, start: usize) -> &'a [u8] {
        self.input.get(start..self.pos).unwrap_or_default()
    }

    /// The input from `start` to `end` as text; `NotUtf8` where it breaks.
    ///
    /// Inlined: the text is most often sliced from the input checked up
    /// front; only input that is not all UTF-8 takes the call to
    /// [`Self::str_checked`].
    #[inline]
    pub(super) fn str_at(&self, start: usize, end: usize) -> PResult<&'a str> {
        match self.text.and_then(|text| text.get(start..end)) {
            Some(s) => Ok(s),
            None => self.str_checked(start, end),
        }
    }

    /// [`Self::str_at`] for input that is not all UTF-8: the piece is
    /// checked on its own.
    #[inline(never)]
    fn str_checked(&self, start: usize, end: usize) -> PResult<&'a str> {
        let bytes = self.input.get(start..end).unwrap_or_default();
        std::str::from_utf8(bytes)
            .map_err(|e| self.error_at(start + e.valid_up_to(), DecodeErrorKind::NotUtf8))
    }

    /// The input from `start` to `end` as [`Text`]; `NotUtf8` where it
    /// breaks.
    pub(super) fn text_at(&self, start: usize, end: usize) -> PResult<Text> {
        Ok(Text::from(self.str_at(start, end)?))
    }

    /// Unsigned decimal at the current position (no LWSP before it), at most
    /// `max`.
    pub(super) fn uint_here(&mut self, max: u64, what: &'static str) -> PResult<u64> {
        let start = self.pos;
        let rest = self.input.get(start..).unwrap_or_default();
        // One pass reads the digits and their value. Ten digits fit a u64;
        // the value of a longer run wraps, unused: such a run is refused.
        let mut len = 0;
        let mut value = 0u64;
        while let Some(&b) = rest.get(len) {
            let digit = b.wrapping_sub(b'0');
            if digit > 9 {
                break;
            }
            value = value.wrapping_mul(10).wrapping_add(u64::from(digit));
            len += 1;
        }
        if len == 0 {
            return Err(self.error(DecodeErrorKind::Expected(what)));
        }
        self.pos = start + len;
        if len > 10 || value > max {
            return Err(self.error_at(start, DecodeErrorKind::InvalidValue(what)));
        }
        Ok(value)
    }

    /// Unsigned decimal after LWSP, at most `max`.
    pub(super) fn uint(&mut self, max: u64, what: &'static str) -> PResult<u64> {
        self.skip_lwsp();
        self.uint_here(max, what)
    }

    /// Annex B `UINT16`.
    pub(super) fn uint16(&mut self, what: &'static str) -> PResult<u16> {
        Ok(self.uint(u64::from(u16::MAX), what)? as u16)
    }

    /// Annex B `UINT32`.
    pub(super) fn uint32(&mut self, what: &'static str) -> PResult<u32> {
        Ok(self.uint(u64::from(u32::MAX), what)? as u32)
    }

    /// Annex B `Version = 1*2(DIGIT)`.
    pub(super) fn version_number(&mut self) -> PResult<u8> {
        self.skip_lwsp();
        let start = self.pos;
        let v = self.uint_here(u64::from(u8::MAX), "version")?;
        if self.pos - start > 2 {
            return Err(self.error_at(start, DecodeErrorKind::InvalidValue("version")));
        }
        Ok(v as u8)
    }

    /// Reads a run of bytes of `class` from the current position.
    fn run_of(&mut self, class: u8) -> &'a [u8] {
        let rest = self.input.get(self.pos..).unwrap_or_default();
        let len = rest
            .iter()
            .position(|&b| !is_class(b, class))
            .unwrap_or(rest.len());
        self.pos += len;
        rest.get(..len).unwrap_or_default()
    }

    /// Annex B `NAME` after LWSP: a letter, then letters, digits, `_`, at most
    /// 64 characters (`ALPHA *63(ALPHA / DIGIT / "_")`).
    pub(super) fn name(&mut self, what: &'static str) -> PResult<Text> {
        let w = self.word();
        self.name_of(&w, what)
    }

    /// The word just read as an Annex B `NAME`, or `Expected(what)` at it.
    fn name_of(&self, word: &super::Word<'_>, what: &'static str) -> PResult<Text> {
        match word.text.first() {
            Some(b) if b.is_ascii_alphabetic() && word.text.len() <= 64 => {
                self.text_at(word.start, word.end())
            }
            _ => Err(self.error_at(word.start, DecodeErrorKind::Expected(what))),
        }
    }

    /// Annex B `pkgdName` after LWSP (`pkg/item`, `pkg/*`, `*/*`).
    pub(super) fn pkgd_name(&mut self) -> PResult<Text> {
        self.skip_lwsp();
        let start = self.pos;
        self.pkgd_name_from(start)
    }

    /// A `pkgdName` starting at `start` (where a word was already read).
    pub(super) fn pkgd_name_from(&mut self, start: usize) -> PResult<Text> {
        self.pos = start;
        let run = self.run_of(NAME_CHAR);
        if !run.contains(&b'/') || run.first() == Some(&b'/') || run.last() == Some(&b'/') {
            return Err(self.error_at(start, DecodeErrorKind::Expected("package/item name")));
        }
        self.text_at(start, self.pos)
    }

    /// True when the word just read continues as a `pkgdName` (`/` follows).
    pub(super) fn at_slash(&self) -> bool {
        self.peek_raw() == Some(b'/')
    }

    /// Annex B `VALUE` after LWSP: a `quotedString` (without its quotes) or
    /// a run of `SafeChar`.
    pub(super) fn value(&mut self) -> PResult<Value> {
        self.skip_lwsp();
        let start = self.pos;
        if self.peek_raw() == Some(b'"') {
            return self.quoted_string();
        }
        let run = self.run_of(SAFE_CHAR);
        if run.is_empty() {
            return Err(self.error_at(start, DecodeErrorKind::Expected("value")));
        }
        self.text_at(start, self.pos)
    }

    /// Annex B `quotedString` at the current position: everything up to the
    /// next `"` (EOL and white space included, case kept).
    pub(super) fn quoted_string(&mut self) -> PResult<Text> {
        let open = self.pos;
        if self.peek_raw() != Some(b'"') {
            return Err(self.error(DecodeErrorKind::Expected("quoted string")));
        }
        let body_start = open + 1;
        let rest = self.input.get(body_start..).unwrap_or_default();
        let Some(len) = rest.iter().position(|&b| b == b'"') else {
            return Err(self.error_at(open, DecodeErrorKind::Expected("closing `\"`")));
        };
        let body = rest.get(..len).unwrap_or_default();
        // quotedString = DQUOTE *(SafeChar / EOL / %x80-FF / RestChar / WSP)
        // DQUOTE: no control characters but the white space ones.
        if let Some(at) = body
            .iter()
            .position(|&b| matches!(b, 0..=0x08 | 0x0b | 0x0c | 0x0e..=0x1f | 0x7f))
        {
            return Err(self.error_at(
                body_start + at,
                DecodeErrorKind::InvalidValue("quoted string (control character)"),
            ));
        }
        self.pos = body_start + len + 1;
        self.text_at(body_start, body_start + len)
    }

    /// Annex B `parmValue` after a parameter name.
    pub(super) fn parm_value(&mut self) -> PResult<ParmValue> {
        let relation = match self.peek() {
            Some(b'=') => None,
            Some(b'>') => Some(Relation::GreaterThan),
            Some(b'<') => Some(Relation::SmallerThan),
            Some(b'#') => Some(Relation::UnequalTo),
            _ => return Err(self.error(DecodeErrorKind::Expected("`=`, `>`, `<` or `#`"))),
        };
        self.pos += 1;
        if let Some(relation) = relation {
            return Ok(ParmValue::Relation(relation, self.value()?));
        }
        match self.peek() {
            Some(b'[') => {
                self.pos += 1;
                let first = self.value()?;
                if self.eat(b':') {
                    let last = self.value()?;
                    self.expect(b']', "`]`")?;
                    return Ok(ParmValue::Range(first, last));
                }
                let mut values = vec![first];
                while self.eat(b',') {
                    let v = self.value()?;
                    self.push_bounded(&mut values, v)?;
                }
                self.expect(b']', "`]`")?;
                Ok(ParmValue::Sublist(values))
            }
            Some(b'{') => {
                self.open()?;
                let mut values = Vec::new();
                self.comma_list(|p| {
                    let v = p.value()?;
                    values.push_item(v);
                    Ok(())
                })?;
                self.close()?;
                Ok(ParmValue::Alternatives(values))
            }
            _ => Ok(ParmValue::Equal(self.value()?)),
        }
    }

    /// Annex B `propertyParm` whose name starts at `start`.
    pub(super) fn property_parm_from(&mut self, start: usize) -> PResult<PropertyParm> {
        let name = self.pkgd_name_from(start)?;
        let value = self.parm_value()?;
        Ok(PropertyParm { name, value })
    }

    /// Annex B `propertyParm` after LWSP.
    pub(super) fn property_parm(&mut self) -> PResult<PropertyParm> {
        self.skip_lwsp();
        let start = self.pos;
        self.property_parm_from(start)
    }

    /// `eventOther` / `sigOther`: `NAME parmValue`, the name at `word`.
    pub(super) fn other_parm(&mut self, word: &super::Word<'_>) -> PResult<PropertyParm> {
        let name = self.name_of(word, "parameter")?;
        let value = self.parm_value()?;
        Ok(PropertyParm { name, value })
    }

    /// Annex B `TerminationID` after LWSP: `pathNAME` (with `*` and `$`
    /// wildcards and an optional `@domain`), `$` or `*`. Case is kept. Read
    /// liberally, as megaco does: any run of `SafeChar` (so `ds1-1/a.b`
    /// too), at most 64 characters.
    pub(super) fn termination_id(&mut self) -> PResult<TerminationId> {
        self.skip_lwsp();
        let start = self.pos;
        let rest = self.input.get(start..).unwrap_or_default();
        let len = long_run_len(rest, SAFE_CHAR);
        self.pos = start + len;
        let id = rest.get(..len).unwrap_or_default();
        if id.is_empty() {
            return Err(self.error(DecodeErrorKind::Expected("termination ID")));
        }
        if id.len() > 64 {
            return Err(self.error_at(
                start,
                DecodeErrorKind::InvalidValue("termination ID longer than 64 characters"),
            ));
        }
        Ok(TerminationId::from(self.str_at(start, self.pos)?))
    }

    /// Annex B `termIDList`: one ID or (v3) `[ id, id ... ]`.
    pub(super) fn term_id_list(&mut self) -> PResult<SmallList<TerminationId>> {
        if self.eat(b'[') {
            let ids = self.comma_term_ids()?;
            self.expect(b']', "`]`")?;
            Ok(ids)
        } else {
            Ok(small_list![self.termination_id()?])
        }
    }

    /// `TerminationID *(COMMA TerminationID)`, inside brackets the caller
    /// opened and closes: a command's IDs ([`SmallList`]) or the
    /// terminations of a context (`Vec`).
    pub(super) fn comma_term_ids<L: List<TerminationId> + Default>(&mut self) -> PResult<L> {
        let mut ids = L::default();
        self.comma_list(|p| {
            let id = p.termination_id()?;
            ids.push_item(id);
            Ok(())
        })?;
        Ok(ids)
    }

    /// Annex B `terminationIDList`: `{ id *(, id) }`.
    pub(super) fn braced_term_ids(&mut self) -> PResult<SmallList<TerminationId>> {
        let mut ids = SmallList::new();
        self.braced_list(|p| {
            let id = p.termination_id()?;
            ids.push_item(id);
            Ok(())
        })?;
        Ok(ids)
    }

    /// Annex B `ContextID`: `-` (NULL), `$` (CHOOSE), `*` (ALL) or a
    /// number; the reserved values written as numbers are rejected
    /// (clause 6.1.1, lesson OTP-6017).
    pub(super) fn context_id(&mut self) -> PResult<ContextId> {
        let special = match self.peek() {
            Some(b'-') => Some(ContextId::NULL),
            Some(b'$') => Some(ContextId::CHOOSE),
            Some(b'*') => Some(ContextId::ALL),
            Some(b) if b.is_ascii_digit() => None,
            _ => return Err(self.error(DecodeErrorKind::Expected("context ID"))),
        };
        if let Some(id) = special {
            self.pos += 1;
            return Ok(id);
        }
        let start = self.pos;
        let id = ContextId(self.uint32("context ID")?);
        if !id.is_specific() {
            return Err(self.error_at(
                start,
                DecodeErrorKind::InvalidValue(
                    "context ID: 0, 4294967294 and 4294967295 are written `-`, `$` and `*`",
                ),
            ));
        }
        Ok(id)
    }

    /// Annex B `RequestID = UINT32 / "*"`.
    pub(super) fn request_id(&mut self) -> PResult<RequestId> {
        if self.eat(b'*') {
            Ok(RequestId::ALL)
        } else {
            Ok(RequestId(self.uint32("request ID")?))
        }
    }

    /// Annex B `TimeStamp` at the current position, if one is there.
    pub(super) fn try_time_stamp(&mut self) -> PResult<Option<TimeNotation>> {
        self.skip_lwsp();
        let start = self.pos;
        let rest = self.input.get(start..).unwrap_or_default();
        if !is_time_stamp(rest) {
            return Ok(None);
        }
        self.pos = start + 17;
        Ok(Some(TimeNotation {
            date: self.text_at(start, start + 8)?,
            time: self.text_at(start + 9, start + 17)?,
        }))
    }

    /// Annex B `extensionParameter` (`X-name` / `X+name`) whose `X` word
    /// starts at `start`; the whole spelling is kept.
    pub(super) fn extension_parameter_from(&mut self, start: usize) -> PResult<Text> {
        self.pos = start;
        let x = self.input.get(start).copied();
        let sign = self.input.get(start + 1).copied();
        if !matches!(x, Some(b'X' | b'x')) || !matches!(sign, Some(b'-' | b'+')) {
            return Err(self.error_at(start, DecodeErrorKind::Expected("`X-` extension")));
        }
        self.pos = start + 2;
        let name_start = self.pos;
        while self.peek_raw().is_some_and(|b| b.is_ascii_alphanumeric()) {
            self.pos += 1;
        }
        if self.pos == name_start {
            return Err(self.error(DecodeErrorKind::Expected("extension name")));
        }
        self.text_at(start, self.pos)
    }

    /// True when the word at `start` is the `X` of an `extensionParameter`.
    pub(super) fn is_extension_at(&self, word: &super::Word<'_>) -> bool {
        word.text.eq_ignore_ascii_case(b"x") && matches!(self.peek_raw(), Some(b'-' | b'+'))
    }

    /// Annex B `digitMapValue`, after its `{` and up to (not including) the
    /// `}`: the timers, then the digit map as written, without comments and
    /// without the white space that surrounds it.
    pub(super) fn digit_map_value(&mut self) -> PResult<DigitMapValue> {
        let mut value = DigitMapValue::default();
        loop {
            self.skip_lwsp();
            let letter = self.peek_raw().map(|b| b.to_ascii_uppercase());
            let timer_slot = match (letter, self.input.get(self.pos + 1)) {
                (Some(b'T'), Some(b':')) => &mut value.start_timer,
                (Some(b'S'), Some(b':')) => &mut value.short_timer,
                (Some(b'L'), Some(b':')) => &mut value.long_timer,
                (Some(b'Z'), Some(b':')) => &mut value.duration_timer,
                _ => break,
            };
            let timer_start = self.pos;
            self.pos += 2;
            let digits_start = self.pos;
            let timer = self.uint_here(99, "digit map timer")?;
            if self.pos - digits_start > 2 || timer_slot.is_some() {
                return Err(self.error_at(
                    timer_start,
                    DecodeErrorKind::InvalidValue("digit map timer"),
                ));
            }
            *timer_slot = Some(timer as u8);
            self.expect(b',', "`,`")?;
        }
        self.skip_lwsp();
        let body_start = self.pos;
        let mut has_comment = false;
        let mut end = self.pos;
        loop {
            end += long_run_len(self.input.get(end..).unwrap_or_default(), DIGIT_MAP_CHAR);
            match self.input.get(end) {
                None | Some(b'}') => break,
                Some(b';') => {
                    has_comment = true;
                    end += 1;
                }
                // Digit maps are printable ASCII and white space; `{`, `"`,
                // a control character or an octet above 0x7E cannot be one.
                Some(_) => {
                    return Err(self.error_at(end, DecodeErrorKind::Expected("digit map")));
                }
            }
        }
        let raw = self.input.get(body_start..end).unwrap_or_default();
        self.pos = end;
        // The body keeps the white space written inside it, as megaco and
        // other implementations carry it; comments are removed and white
        // space before the closing brace belongs to the brace (`RBRKT`).
        let body = if has_comment {
            let mut kept = Vec::with_capacity(raw.len());
            let mut in_comment = false;
            for &b in raw {
                match b {
                    b'\r' | b'\n' => {
                        in_comment = false;
                        kept.push(b);
                    }
                    _ if in_comment => {}
                    b';' => in_comment = true,
                    _ => kept.push(b),
                }
            }
            match std::str::from_utf8(trim_lwsp_end(&kept)) {
                Ok(s) => Text::from(s),
                // The bytes kept are printable ASCII and white space, as
                // checked above, so only a change there could bring this.
                Err(_) => return Err(self.error_at(body_start, DecodeErrorKind::NotUtf8)),
            }
        } else {
            self.text_at(body_start, body_start + trim_lwsp_end(raw).len())?
        };
        if body.is_empty() {
            return Err(self.error_at(body_start, DecodeErrorKind::Expected("digit map")));
        }
        value.body = body;
        Ok(value)
    }

    /// Annex B `octetString` of a Local or Remote descriptor, after its `{`
    /// and up to (not including) the first `}` not escaped as `\}`: the SDP
    /// text, unescaped and split into session descriptions.
    pub(super) fn sdp_groups(&mut self) -> PResult<SmallList<SessionDescription>> {
        let start = self.pos;
        let rest = self.input.get(start..).unwrap_or_default();
        let mut len = 0;
        let mut escaped = false;
        loop {
            let Some(brace) = memchr::memchr(b'}', rest.get(len..).unwrap_or_default()) else {
                return Err(self.error_at(start + rest.len(), DecodeErrorKind::Expected("`}`")));
            };
            len += brace;
            if len == 0 || rest.get(len - 1) != Some(&b'\\') {
                break;
            }
            escaped = true;
            len += 1;
        }
        self.pos = start + len;
        let mut raw = rest.get(..len).unwrap_or_default();
        while let Some((&last, init)) = raw.split_last() {
            if last == b' ' || last == b'\t' {
                raw = init;
            } else {
                break;
            }
        }
        let text = self.str_at(start, start + raw.len())?;
        let result = if escaped {
            SessionDescription::parse_groups(&text.replace("\\}", "}"), self.limits.max_sdp_lines)
        } else {
            SessionDescription::parse_groups(text, self.limits.max_sdp_lines)
        };
        result.map_err(|e| {
            let offset = if escaped {
                unescaped_to_raw(raw, e.offset)
            } else {
                e.offset
            };
            self.error_at(start + offset, DecodeErrorKind::Sdp(e.reason))
        })
    }
}

/// The offset in `raw` (with `\}` escapes) of offset `target` in its
/// unescaped form.
fn unescaped_to_raw(raw: &[u8], target: usize) -> usize {
    let mut raw_pos = 0;
    let mut plain_pos = 0;
    while plain_pos < target && raw_pos < raw.len() {
        if raw.get(raw_pos) == Some(&b'\\') && raw.get(raw_pos + 1) == Some(&b'}') {
            raw_pos += 2;
        } else {
            raw_pos += 1;
        }
        plain_pos += 1;
    }
    raw_pos
}

/// `bytes` without the white space (SP, HTAB, CR, LF) at its end.
fn trim_lwsp_end(bytes: &[u8]) -> &[u8] {
    let end = bytes
        .iter()
        .rposition(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .map_or(0, |p| p + 1);
    &bytes[..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::DecodeLimits;

    fn parser<'a>(input: &'a [u8], limits: &'a DecodeLimits) -> Parser<'a> {
        Parser::new(input, limits)
    }

    #[test]
    fn values_quoted_and_unquoted_give_the_same_text() {
        let limits = DecodeLimits::default();
        let mut p = parser(b" \"Add\" Add \"\" \"Mixed Case\nline\"", &limits);
        assert_eq!(p.value().unwrap(), "Add");
        assert_eq!(p.value().unwrap(), "Add");
        assert_eq!(p.value().unwrap(), "");
        assert_eq!(p.value().unwrap(), "Mixed Case\nline");
    }

    #[test]
    fn unterminated_quoted_string_is_reported_at_the_quote() {
        let limits = DecodeLimits::default();
        let mut p = parser(b"  \"abc", &limits);
        let e = p.value().unwrap_err();
        assert_eq!((e.line, e.column), (1, 3));
        assert_eq!(e.kind, DecodeErrorKind::Expected("closing `\"`"));
    }

    #[test]
    fn parm_values_of_every_form() {
        let limits = DecodeLimits::default();
        let mut p = parser(b"= 5 > 7 #x = [a, b] = {c} = [1 : 9] =[z]", &limits);
        assert_eq!(p.parm_value().unwrap(), ParmValue::Equal("5".into()));
        assert_eq!(
            p.parm_value().unwrap(),
            ParmValue::Relation(Relation::GreaterThan, "7".into())
        );
        assert_eq!(
            p.parm_value().unwrap(),
            ParmValue::Relation(Relation::UnequalTo, "x".into())
        );
        assert_eq!(
            p.parm_value().unwrap(),
            ParmValue::Sublist(vec!["a".into(), "b".into()])
        );
        assert_eq!(
            p.parm_value().unwrap(),
            ParmValue::Alternatives(vec!["c".into()])
        );
        assert_eq!(
            p.parm_value().unwrap(),
            ParmValue::Range("1".into(), "9".into())
        );
        assert_eq!(
            p.parm_value().unwrap(),
            ParmValue::Sublist(vec!["z".into()])
        );
    }

    #[test]
    fn unsigned_numbers_and_their_bounds() {
        let limits = DecodeLimits::default();
        let mut p = parser(
            b"0 4294967295 4294967296 00000000042 12345678901 x",
            &limits,
        );
        assert_eq!(p.uint32("n").unwrap(), 0);
        assert_eq!(p.uint32("n").unwrap(), u32::MAX);
        let e = p.uint32("n").unwrap_err();
        assert_eq!((e.kind, e.column), (DecodeErrorKind::InvalidValue("n"), 14));
        // Ten digits at most, leading zeros included.
        let e = p.uint32("n").unwrap_err();
        assert_eq!((e.kind, e.column), (DecodeErrorKind::InvalidValue("n"), 25));
        let e = p.uint32("n").unwrap_err();
        assert_eq!((e.kind, e.column), (DecodeErrorKind::InvalidValue("n"), 37));
        let e = p.uint32("n").unwrap_err();
        assert_eq!((e.kind, e.column), (DecodeErrorKind::Expected("n"), 49));
        let mut p = parser(b"65535 65536", &limits);
        assert_eq!(p.uint16("n").unwrap(), u16::MAX);
        assert!(p.uint16("n").is_err());
    }

    #[test]
    fn context_ids_and_reserved_numbers() {
        let limits = DecodeLimits::default();
        let mut p = parser(b"- $ * 42 4294967295", &limits);
        assert_eq!(p.context_id().unwrap(), ContextId::NULL);
        assert_eq!(p.context_id().unwrap(), ContextId::CHOOSE);
        assert_eq!(p.context_id().unwrap(), ContextId::ALL);
        assert_eq!(p.context_id().unwrap(), ContextId(42));
        let e = p.context_id().unwrap_err();
        assert!(matches!(e.kind, DecodeErrorKind::InvalidValue(_)));
        assert_eq!(e.column, 10);
    }

    #[test]
    fn termination_ids_keep_case_and_wildcards() {
        let limits = DecodeLimits::default();
        let mut p = parser(b"Root a/*/$ [t1 , T2] x@Gw-1.example ds1-1/a.b", &limits);
        assert_eq!(p.termination_id().unwrap().as_str(), "Root");
        assert_eq!(p.termination_id().unwrap().as_str(), "a/*/$");
        let ids = p.term_id_list().unwrap();
        assert_eq!(
            ids[..],
            [TerminationId::from("t1"), TerminationId::from("T2")]
        );
        assert_eq!(p.termination_id().unwrap().as_str(), "x@Gw-1.example");
        assert_eq!(p.termination_id().unwrap().as_str(), "ds1-1/a.b");
        let e = p.termination_id().unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::Expected("termination ID"));
    }

    #[test]
    fn digit_maps_keep_inner_white_space_lose_comments_and_keep_timers() {
        let limits = DecodeLimits::default();
        let mut p = parser(
            b"T:1, s:23,Z:5, (0s| 00s ; comment\n |[0-9ef].) \n\t}",
            &limits,
        );
        let v = p.digit_map_value().unwrap();
        assert_eq!(v.start_timer, Some(1));
        assert_eq!(v.short_timer, Some(23));
        assert_eq!(v.duration_timer, Some(5));
        assert_eq!(v.body, "(0s| 00s \n |[0-9ef].)");
    }

    #[test]
    fn time_stamps_only_with_the_exact_form() {
        let limits = DecodeLimits::default();
        let mut p = parser(b"19990729T22000000:", &limits);
        let ts = p.try_time_stamp().unwrap().unwrap();
        assert_eq!(
            (ts.date.as_str(), ts.time.as_str()),
            ("19990729", "22000000")
        );
        let mut p = parser(b"1999072T22000000", &limits);
        assert_eq!(p.try_time_stamp().unwrap(), None);
        assert_eq!(p.pos, 0);
        let mut p = parser(b" 19990729t2200000", &limits);
        assert_eq!(p.try_time_stamp().unwrap(), None);
        let mut p = parser(b"19990729x22000000", &limits);
        assert_eq!(p.try_time_stamp().unwrap(), None);
        let mut p = parser(b"19990729t220000001", &limits);
        let ts = p.try_time_stamp().unwrap().unwrap();
        assert_eq!(ts.time.as_str(), "22000000");
        assert_eq!(p.pos, 17);
    }

    #[test]
    fn eight_digits_and_long_runs_agree_with_the_byte_rules() {
        for b in 0..=255u8 {
            for at in 0..8 {
                let mut bytes = *b"01234567";
                bytes[at] = b;
                assert_eq!(eight_digits(&bytes), b.is_ascii_digit(), "{b:#x} at {at}");
            }
        }
        let id = b"11111111/00000000/00000000{M";
        for end in 0..id.len() {
            for class in [SAFE_CHAR, NAME_CHAR, WORD_CHAR, DIGIT_MAP_CHAR] {
                let bytes = &id[..end];
                let expected = bytes
                    .iter()
                    .position(|&b| !is_class(b, class))
                    .unwrap_or(bytes.len());
                assert_eq!(long_run_len(bytes, class), expected);
            }
        }
        for b in 0..=255u8 {
            let plain = matches!(b, b'\t' | b'\n' | b'\r' | 0x20..=0x7e)
                && !matches!(b, b'{' | b'}' | b';' | b'"');
            assert_eq!(is_class(b, DIGIT_MAP_CHAR), plain, "{b:#x}");
        }
        assert_eq!(long_run_len(b"abcdefgh ijk", SAFE_CHAR), 8);
        assert_eq!(long_run_len(b"abcdefghijklmnopq}", SAFE_CHAR), 17);
    }

    #[test]
    fn sdp_runs_to_the_first_unescaped_brace() {
        let limits = DecodeLimits::default();
        let mut p = parser(b"\nv=0\na=x:\\}y\n}", &limits);
        let groups = p.sdp_groups().unwrap();
        assert_eq!(groups[0].lines[1].value, "x:}y");
        let mut p = parser(b"\nv=0\nbad\n}", &limits);
        let e = p.sdp_groups().unwrap_err();
        assert!(matches!(e.kind, DecodeErrorKind::Sdp(_)));
        assert_eq!((e.line, e.column), (3, 1));
    }
}
