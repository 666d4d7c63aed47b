//! BER reader (X.690 clause 8) over a byte slice: identifier and length
//! octets (parsed with nom), element cursors for SEQUENCE / SEQUENCE OF, and
//! the primitive types Annex A uses.
//!
//! Every length is checked against the bytes actually present before it is
//! used, nothing is pre-sized from input, nesting is bounded, and no input
//! can make it panic: it only slices with `get`.

use nom::bytes::complete::take;
use nom::error::{ErrorKind, ParseError};
use nom::number::complete::be_u8;
use nom::IResult;

use super::error::{BerDecodeError, BerErrorKind, Tag, TagClass};
use super::BerLimits;

/// Universal tag numbers (X.680 clause 8.4) of the types Annex A uses.
pub(crate) mod universal {
    pub const INTEGER: u32 = 2;
    pub const OCTET_STRING: u32 = 4;
    pub const ENUMERATED: u32 = 10;
    pub const SEQUENCE: u32 = 16;
}

/// Errors are boxed: the success path of every element stays small.
pub(crate) type Result<T> = std::result::Result<T, Box<BerDecodeError>>;

/// The length octets of an element (X.690 clause 8.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Length {
    Definite(usize),
    /// `0x80`: contents end with the end-of-contents octets `00 00`.
    Indefinite,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Header {
    tag: Tag,
    constructed: bool,
    length: Length,
}

/// What can be wrong with identifier or length octets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HeaderProblem {
    Truncated,
    TagTooLarge,
    ReservedLength,
    LengthTooLarge,
}

/// nom error of the header parser: where and what.
#[derive(Debug)]
struct HeaderError<'a> {
    rest: &'a [u8],
    problem: HeaderProblem,
}

impl<'a> ParseError<&'a [u8]> for HeaderError<'a> {
    fn from_error_kind(rest: &'a [u8], _kind: ErrorKind) -> Self {
        HeaderError {
            rest,
            problem: HeaderProblem::Truncated,
        }
    }

    fn append(_input: &'a [u8], _kind: ErrorKind, other: Self) -> Self {
        other
    }
}

fn fail(rest: &[u8], problem: HeaderProblem) -> nom::Err<HeaderError<'_>> {
    nom::Err::Failure(HeaderError { rest, problem })
}

/// Tag classes by the top two bits of the identifier octet.
const CLASSES: [TagClass; 4] = [
    TagClass::Universal,
    TagClass::Application,
    TagClass::Context,
    TagClass::Private,
];

/// The class of identifier octet `identifier` (a `match` rather than a
/// lookup in [`CLASSES`]: it compiles to the shift alone).
#[inline(always)]
fn class_of(identifier: u8) -> TagClass {
    match identifier >> 6 {
        0 => TagClass::Universal,
        1 => TagClass::Application,
        2 => TagClass::Context,
        _ => TagClass::Private,
    }
}

/// Identifier octets (X.690 8.1.2), short and long form.
fn identifier(input: &[u8]) -> IResult<&[u8], (Tag, bool), HeaderError<'_>> {
    let (mut rest, first) = be_u8(input)?;
    let class = CLASSES[usize::from(first >> 6)];
    let constructed = first & 0x20 != 0;
    let mut number = u32::from(first & 0x1f);
    if number == 0x1f {
        number = 0;
        loop {
            let (after, octet) = be_u8(rest)?;
            if number > (u32::MAX >> 7) {
                return Err(fail(rest, HeaderProblem::TagTooLarge));
            }
            number = (number << 7) | u32::from(octet & 0x7f);
            rest = after;
            if octet & 0x80 == 0 {
                break;
            }
        }
    }
    Ok((rest, (Tag { class, number }, constructed)))
}

/// Length octets (X.690 8.1.3): short, long (minimal or not) and indefinite.
fn length(input: &[u8]) -> IResult<&[u8], Length, HeaderError<'_>> {
    let (rest, first) = be_u8(input)?;
    match first {
        0x80 => Ok((rest, Length::Indefinite)),
        0xff => Err(fail(input, HeaderProblem::ReservedLength)),
        short if short < 0x80 => Ok((rest, Length::Definite(usize::from(short)))),
        long => {
            let (rest, octets) = take(usize::from(long & 0x7f))(rest)?;
            let mut value: usize = 0;
            for &octet in octets {
                value = value
                    .checked_mul(256)
                    .and_then(|v| v.checked_add(usize::from(octet)))
                    .ok_or_else(|| fail(input, HeaderProblem::LengthTooLarge))?;
            }
            Ok((rest, Length::Definite(value)))
        }
    }
}

fn header(input: &[u8]) -> IResult<&[u8], Header, HeaderError<'_>> {
    let (rest, (tag, constructed)) = identifier(input)?;
    let (rest, length) = length(rest)?;
    Ok((
        rest,
        Header {
            tag,
            constructed,
            length,
        },
    ))
}

/// The limits a cursor enforces, narrowed from [`BerLimits`] to keep
/// elements small (they are passed by value everywhere).
#[derive(Debug, Clone, Copy)]
struct Bounds {
    max_depth: u16,
    max_list_len: u32,
}

impl From<BerLimits> for Bounds {
    fn from(limits: BerLimits) -> Self {
        Bounds {
            max_depth: u16::try_from(limits.max_depth).unwrap_or(u16::MAX),
            max_list_len: u32::try_from(limits.max_list_len).unwrap_or(u32::MAX),
        }
    }
}

/// The address of `octets[at]`: where the reader's errors point while a
/// message is decoded. Elements and cursors hold only their slices, and an
/// error's address becomes an offset once, where decoding began
/// ([`Cursor::offset_of`]); no offset is computed on the usual path.
#[inline(always)]
fn address(octets: &[u8], at: usize) -> usize {
    (octets.as_ptr() as usize).wrapping_add(at)
}

/// The identifier octet, the length of the identifier and length octets,
/// and the contents of the element at the start of `octets` when it has one
/// identifier octet and a definite length of one to three octets (`xx`,
/// `81 xx`, `82 xx xx`) whose contents are all there; `None` otherwise (the
/// identifier is not checked for the long form here).
#[inline(always)]
fn short_header(octets: &[u8]) -> Option<(u8, u8, &[u8])> {
    // Matched on the octets (one bound check) rather than on ranges of them.
    let (identifier, header_len, length, after) = match *octets {
        [identifier, length @ 0..=0x7f, ref after @ ..] => {
            (identifier, 2, u16::from(length), after)
        }
        [identifier, 0x81, length, ref after @ ..] => (identifier, 3, u16::from(length), after),
        [identifier, 0x82, high, low, ref after @ ..] => {
            (identifier, 4, u16::from_be_bytes([high, low]), after)
        }
        _ => return None,
    };
    Some((identifier, header_len, after.get(..usize::from(length))?))
}

/// One element: its tag, whether constructed, its contents (which also say
/// where it is: its identifier octets are `header_len` before them).
///
/// Kept to 32 bytes of plain integers (and the contents): with no enum or
/// `bool` inside, `Result<Option<Tlv>>` carries its discriminants outside
/// the fields, and the element moves between the reader's paths field by
/// field, in registers, rather than as bytes through the stack.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    pub content: &'a [u8],
    bounds: Bounds,
    /// The tag number.
    number: u32,
    /// The class and constructed bits of the first identifier octet
    /// (`0xe0`).
    form: u8,
    /// Length of the identifier and length octets, which come right before
    /// the contents.
    header_len: u8,
    /// Nesting depth of this element; the outermost is 1.
    depth: u16,
}

/// The class bits (`0xc0`) of the first identifier octet of class `class`.
fn class_bits(class: TagClass) -> u8 {
    match class {
        TagClass::Universal => 0x00,
        TagClass::Application => 0x40,
        TagClass::Context => 0x80,
        TagClass::Private => 0xc0,
    }
}

/// The constructed bit of the first identifier octet.
const CONSTRUCTED: u8 = 0x20;

/// Where an element lies in a cursor's data: what both ways of reading its
/// identifier and length octets give (plain integers, as in [`Tlv`]), so
/// that the element itself is built in one place from these scalars.
#[derive(Debug, Clone, Copy)]
struct Span<'a> {
    number: u32,
    /// As [`Tlv::form`].
    form: u8,
    /// Length of the identifier and length octets.
    header_len: u8,
    content: &'a [u8],
    /// Offset of what follows the element.
    end: usize,
}

/// A decode error at `address` (see [`address`]; out of line, and taking
/// scalars only: the elements and cursors of the paths that may fail stay in
/// registers).
#[cold]
#[inline(never)]
fn decode_error(
    address: usize,
    type_name: &'static str,
    kind: BerErrorKind,
) -> Box<BerDecodeError> {
    Box::new(BerDecodeError {
        offset: address,
        type_name,
        kind,
    })
}

/// A position inside the contents of a constructed element (or the input).
///
/// The out-of-line paths (rare forms, errors) take a copy of the cursor, so
/// that the cursor of the usual path is never borrowed beyond it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    type_name: &'static str,
    bounds: Bounds,
    items: u32,
    depth: u16,
    /// The input itself rather than an element's contents: running out of
    /// bytes is truncation rather than an overlong inner length.
    outermost: bool,
}

impl<'a> Cursor<'a> {
    /// A cursor over a whole message.
    pub fn outermost(input: &'a [u8], limits: BerLimits, type_name: &'static str) -> Self {
        Cursor {
            data: input,
            pos: 0,
            depth: 0,
            bounds: limits.into(),
            type_name,
            outermost: true,
            items: 0,
        }
    }

    #[inline(always)]
    fn error_at(&self, pos: usize, kind: BerErrorKind) -> Box<BerDecodeError> {
        decode_error(address(self.data, pos), self.type_name, kind)
    }

    /// `error`, made by a cursor over `input` or over any element within
    /// it, with its offset counted from the start of `input` (errors carry
    /// addresses while decoding, see [`address`]).
    pub fn offset_of(input: &[u8], mut error: Box<BerDecodeError>) -> Box<BerDecodeError> {
        error.offset = error.offset.wrapping_sub(input.as_ptr() as usize);
        error
    }

    fn overrun(&self) -> BerErrorKind {
        if self.outermost {
            BerErrorKind::Truncated
        } else {
            BerErrorKind::LengthBeyondContainer
        }
    }

    /// The address of the next element (or of the end), for an error
    /// (see [`address`]).
    pub fn address(&self) -> usize {
        address(self.data, self.pos)
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    #[cold]
    fn header_error(&self, start: usize, error: nom::Err<HeaderError<'a>>) -> Box<BerDecodeError> {
        let (rest_len, problem) = match error {
            nom::Err::Error(e) | nom::Err::Failure(e) => (e.rest.len(), e.problem),
            nom::Err::Incomplete(_) => (0, HeaderProblem::Truncated),
        };
        let at = self.data.len().saturating_sub(rest_len).max(start);
        let kind = match problem {
            HeaderProblem::Truncated => self.overrun(),
            HeaderProblem::TagTooLarge => BerErrorKind::ConstraintViolated("tag number too large"),
            HeaderProblem::ReservedLength => {
                BerErrorKind::ConstraintViolated("reserved length octet 0xFF")
            }
            HeaderProblem::LengthTooLarge => self.overrun(),
        };
        self.error_at(at, kind)
    }

    /// Reads the element at `start`; returns it and where the next begins.
    ///
    /// The form of nearly every Annex A element (one identifier octet, a
    /// short definite length that fits) is located inline
    /// ([`Self::short_span`]); every other form by [`Self::span_general`].
    /// Both give a [`Span`], from which the element is built once.
    #[inline(always)]
    fn read_at(&self, start: usize) -> Result<(Tlv<'a>, usize)> {
        let span = match self.short_span(start) {
            Some(span) => span,
            None => self.span_general(start)?,
        };
        Ok((self.element(span), span.end))
    }

    /// The element at `start` located by `span`.
    #[inline(always)]
    fn element(&self, span: Span<'a>) -> Tlv<'a> {
        Tlv {
            content: span.content,
            bounds: self.bounds,
            number: span.number,
            form: span.form,
            header_len: span.header_len,
            depth: self.depth + 1,
        }
    }

    /// The element at `start` when it has one identifier octet and a short
    /// definite length, or the long form in one or two octets (`81 xx`,
    /// `82 xx xx`: the containers of 128 bytes to 64 KiB), its contents fit
    /// and its depth is within the bound; `None` otherwise.
    #[inline(always)]
    fn short_span(&self, start: usize) -> Option<Span<'a>> {
        let (identifier, header_len, content) = short_header(self.data.get(start..)?)?;
        if identifier & 0x1f == 0x1f || self.depth >= self.bounds.max_depth {
            return None;
        }
        Some(Span {
            number: u32::from(identifier & 0x1f),
            form: identifier & 0xe0,
            header_len,
            content,
            end: start + usize::from(header_len) + content.len(),
        })
    }

    /// [`Self::short_span`] for every form: long identifiers, lengths in
    /// three or more octets, indefinite lengths, and the errors.
    #[inline(never)]
    fn span_general(self, start: usize) -> Result<Span<'a>> {
        let input = self.data.get(start..).unwrap_or_default();
        let (rest, head) = header(input).map_err(|e| self.header_error(start, e))?;
        let header_len = input.len() - rest.len();
        let depth = self.depth + 1;
        if depth > self.bounds.max_depth {
            return Err(self.error_at(start, BerErrorKind::DepthExceeded));
        }
        let content_start = start + header_len;
        let (content_len, end) = match head.length {
            Length::Definite(len) => {
                if len > rest.len() {
                    return Err(self.error_at(start, self.overrun()));
                }
                (len, content_start + len)
            }
            Length::Indefinite => {
                if !head.constructed {
                    return Err(self.error_at(
                        start,
                        BerErrorKind::ConstraintViolated("indefinite length on a primitive"),
                    ));
                }
                let len = self.indefinite_content_len(content_start, depth)?;
                (len, content_start + len + 2)
            }
        };
        Ok(Span {
            number: head.tag.number,
            form: class_bits(head.tag.class) | if head.constructed { CONSTRUCTED } else { 0 },
            // identifier (at most 6 octets for a u32 tag number) and
            // length (at most 128 octets) always fit
            header_len: u8::try_from(header_len).unwrap_or(u8::MAX),
            content: self
                .data
                .get(content_start..content_start + content_len)
                .unwrap_or_default(),
            end,
        })
    }

    /// Length of indefinite-length contents starting at `start`, up to (not
    /// including) their end-of-contents octets; inner elements are walked,
    /// with the same depth bound, so that `00 00` inside them is not taken
    /// for the end.
    fn indefinite_content_len(&self, start: usize, depth: u16) -> Result<usize> {
        let mut pos = start;
        loop {
            match self.data.get(pos..pos + 2) {
                Some([0, 0]) => return Ok(pos - start),
                Some(_) => {}
                None => return Err(self.error_at(self.data.len(), self.overrun())),
            }
            let inner = Cursor { depth, ..*self };
            let (_, end) = inner.read_at(pos)?;
            pos = end;
        }
    }

    /// How many elements follow, for sizing the list they decode into: the
    /// elements with one identifier octet and a definite length of up to
    /// three octets whose contents fit ([`short_header`]), counted up to the
    /// first that is not (which the decoding proper then reads or reports)
    /// and to at most `max`. Nothing is validated or reported here.
    #[inline]
    pub fn count_hint(&self, max: usize) -> usize {
        let max = max.min(self.bounds.max_list_len as usize);
        let mut pos = self.pos;
        let mut count = 0;
        while count < max {
            match self.data.get(pos..).and_then(short_header) {
                Some((identifier, header_len, content)) if identifier & 0x1f != 0x1f => {
                    pos += usize::from(header_len) + content.len();
                }
                _ => break,
            }
            count += 1;
        }
        count
    }

    /// The next element, if any.
    #[inline(always)]
    pub fn next(&mut self) -> Result<Option<Tlv<'a>>> {
        if self.is_empty() {
            return Ok(None);
        }
        let (tlv, end) = self.read_at(self.pos)?;
        self.pos = end;
        Ok(Some(tlv))
    }

    /// The next item of a SEQUENCE OF, counted against the list limit.
    #[inline(always)]
    pub fn next_item(&mut self) -> Result<Option<Tlv<'a>>> {
        if self.is_empty() {
            return Ok(None);
        }
        self.items += 1;
        if self.items > self.bounds.max_list_len {
            return Err(self.error_at(self.pos, BerErrorKind::ListTooLong));
        }
        self.next()
    }

    /// The next item of a SEQUENCE OF whose items have universal tag `number`.
    #[inline(always)]
    pub fn next_universal(&mut self, number: u32) -> Result<Option<Tlv<'a>>> {
        match self.next_item()? {
            Some(tlv) => {
                tlv.expect_tag(self.type_name, Tag::universal(number))?;
                Ok(Some(tlv))
            }
            None => Ok(None),
        }
    }

    /// The OPTIONAL component `[number]`, if it is next.
    #[inline(always)]
    pub fn optional(&mut self, number: u32) -> Result<Option<Tlv<'a>>> {
        let start = self.pos;
        let identifier = match self.data.get(start) {
            None => return Ok(None),
            Some(&identifier) => identifier,
        };
        // A one-octet identifier `[number]` (primitive or constructed):
        // compared without reading the element, which then has that tag.
        // One comparison for the component that is there (`number` is a
        // constant at each call).
        let one_octet = number < 0x1f && identifier & 0xdf == 0x80 | number as u8;
        if !one_octet {
            if identifier & 0x1f != 0x1f {
                return Ok(None);
            }
            return match self.optional_long_identifier(number)? {
                Some((tlv, end)) => {
                    self.pos = end;
                    Ok(Some(tlv))
                }
                None => Ok(None),
            };
        }
        let span = match self.short_span(start) {
            Some(span) => span,
            None => self.span_general(start)?,
        };
        self.pos = span.end;
        // The tag read is `[number]`: said so, the callers' tag checks fold.
        let span = Span {
            number,
            form: 0x80 | (span.form & CONSTRUCTED),
            ..span
        };
        Ok(Some(self.element(span)))
    }

    /// [`Self::optional`] when the next element has a long identifier:
    /// the element and where the next begins, if it is `[number]`.
    #[inline(never)]
    fn optional_long_identifier(self, number: u32) -> Result<Option<(Tlv<'a>, usize)>> {
        let (tlv, end) = self.read_at(self.pos)?;
        Ok((tlv.tag() == Tag::context(number)).then_some((tlv, end)))
    }

    /// The mandatory component `[number]`.
    #[inline(always)]
    pub fn required(&mut self, number: u32) -> Result<Tlv<'a>> {
        match self.optional(number)? {
            Some(tlv) => Ok(tlv),
            None => Err(self.missing(number)),
        }
    }

    /// The error for a mandatory component `[number]` that is not next.
    #[cold]
    #[inline(never)]
    fn missing(self, number: u32) -> Box<BerDecodeError> {
        let expected = Tag::context(number);
        match self.read_at(self.pos).ok() {
            Some((found, _)) => self.error_at(
                self.pos,
                BerErrorKind::UnexpectedTag {
                    expected,
                    found: found.tag(),
                },
            ),
            None => self.error_at(self.pos, BerErrorKind::MissingComponent { expected }),
        }
    }

    /// End of a SEQUENCE without extension marker: nothing may follow.
    #[inline]
    pub fn finish(&mut self) -> Result<()> {
        if self.is_empty() {
            return Ok(());
        }
        Err(self.not_finished())
    }

    #[cold]
    #[inline(never)]
    fn not_finished(mut self) -> Box<BerDecodeError> {
        let at = self.pos;
        match self.next() {
            Err(e) => e,
            Ok(None) => self.error_at(at, BerErrorKind::TrailingBytes),
            Ok(Some(tlv)) => self.error_at(
                at,
                BerErrorKind::ConstraintViolated(if tlv.tag().class == TagClass::Context {
                    "component out of order or not in this type"
                } else {
                    "unexpected element after the last component"
                }),
            ),
        }
    }

    /// End of an extensible SEQUENCE (`...`): components with context tags
    /// beyond the last one known (`last_known`) are later extensions and are
    /// skipped; anything else is an error.
    #[inline]
    pub fn finish_extensible(&mut self, last_known: u32) -> Result<()> {
        if self.is_empty() {
            return Ok(());
        }
        self.skip_extensions(last_known)?;
        self.pos = self.data.len();
        Ok(())
    }

    #[inline(never)]
    fn skip_extensions(mut self, last_known: u32) -> Result<()> {
        loop {
            let at = self.pos;
            match self.next()? {
                None => return Ok(()),
                Some(tlv) if tlv.tag().class == TagClass::Context && tlv.number > last_known => {}
                Some(_) => {
                    return Err(self.error_at(
                        at,
                        BerErrorKind::ConstraintViolated(
                            "component out of order or not in this type",
                        ),
                    ))
                }
            }
        }
    }
}

impl<'a> Tlv<'a> {
    /// The tag.
    #[inline(always)]
    pub fn tag(&self) -> Tag {
        Tag {
            class: class_of(self.form),
            number: self.number,
        }
    }

    /// Whether the encoding is constructed (X.690 8.1.2.5).
    #[inline(always)]
    pub fn constructed(&self) -> bool {
        self.form & CONSTRUCTED != 0
    }

    /// The address of the identifier octets, for an error (see
    /// [`address`]).
    pub fn address(&self) -> usize {
        (self.content.as_ptr() as usize).wrapping_sub(usize::from(self.header_len))
    }

    /// Whether elements `levels` below this one are within the nesting
    /// bound (the check [`Cursor`] makes on each element it reads).
    #[inline]
    pub fn nesting_allows(&self, levels: u16) -> bool {
        u32::from(self.depth) + u32::from(levels) <= u32::from(self.bounds.max_depth)
    }

    /// Whether a `SEQUENCE OF` with `items` items is within the list bound
    /// (the check of [`Cursor::next_item`]).
    #[inline]
    pub fn list_allows(&self, items: usize) -> bool {
        items <= self.bounds.max_list_len as usize
    }

    #[inline(always)]
    pub fn error(&self, type_name: &'static str, kind: BerErrorKind) -> Box<BerDecodeError> {
        decode_error(self.address(), type_name, kind)
    }

    #[inline(always)]
    fn violated(&self, type_name: &'static str, what: &'static str) -> Box<BerDecodeError> {
        self.error(type_name, BerErrorKind::ConstraintViolated(what))
    }

    #[inline(always)]
    pub fn expect_tag(&self, type_name: &'static str, expected: Tag) -> Result<()> {
        if self.tag() == expected {
            Ok(())
        } else {
            Err(self.error(
                type_name,
                BerErrorKind::UnexpectedTag {
                    expected,
                    found: self.tag(),
                },
            ))
        }
    }

    /// A cursor over the components of this constructed element.
    #[inline(always)]
    pub fn cursor(&self, type_name: &'static str) -> Result<Cursor<'a>> {
        if !self.constructed() {
            return Err(self.violated(type_name, "expected a constructed encoding"));
        }
        Ok(Cursor {
            data: self.content,
            pos: 0,
            depth: self.depth,
            bounds: self.bounds,
            type_name,
            outermost: false,
            items: 0,
        })
    }

    /// The one element inside an EXPLICIT tag (a CHOICE component).
    #[inline(always)]
    pub fn explicit(&self, type_name: &'static str) -> Result<Tlv<'a>> {
        let mut inner = self.cursor(type_name)?;
        let tlv = inner.next()?.ok_or_else(|| {
            self.error(
                type_name,
                BerErrorKind::ConstraintViolated("empty CHOICE wrapper"),
            )
        })?;
        inner.finish()?;
        Ok(tlv)
    }

    /// The error for a CHOICE alternative that is not known.
    #[inline(always)]
    pub fn unknown_alternative(&self, type_name: &'static str) -> Box<BerDecodeError> {
        self.error(
            type_name,
            BerErrorKind::UnknownAlternative { found: self.tag() },
        )
    }

    /// The contents of a primitive element.
    #[inline]
    pub fn primitive(&self, type_name: &'static str) -> Result<&'a [u8]> {
        if self.constructed() {
            return Err(self.violated(type_name, "expected a primitive encoding"));
        }
        Ok(self.content)
    }

    /// A non-negative INTEGER (X.690 8.3) no larger than `max`.
    #[inline]
    pub fn uint(&self, type_name: &'static str, max: u64) -> Result<u64> {
        // One to three contents octets, the first below 0x80 (IDs, ports,
        // enumerations): the value, when in range.
        if !self.constructed() {
            let value = match *self.content {
                [a @ 0..=0x7f] => Some(u64::from(a)),
                [a @ 0..=0x7f, b] => Some(u64::from(u16::from_be_bytes([a, b]))),
                [a @ 0..=0x7f, b, c] => Some(u64::from(u32::from_be_bytes([0, a, b, c]))),
                _ => None,
            };
            if let Some(value) = value.filter(|&v| v <= max) {
                return Ok(value);
            }
        }
        self.uint_general(type_name, max)
    }

    /// [`Self::uint`] for every form, and its errors.
    #[inline(never)]
    fn uint_general(self, type_name: &'static str, max: u64) -> Result<u64> {
        let bytes = self.primitive(type_name)?;
        let (&first, _) = bytes
            .split_first()
            .ok_or_else(|| self.violated(type_name, "INTEGER with no contents octets"))?;
        if first & 0x80 != 0 {
            return Err(self.violated(type_name, "INTEGER below its range"));
        }
        if bytes.len() <= 8 {
            // Fits: the first octet is below 0x80.
            let value = bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
            if value > max {
                return Err(self.violated(type_name, "INTEGER above its range"));
            }
            return Ok(value);
        }
        let significant = match bytes.iter().position(|&b| b != 0) {
            Some(i) => &bytes[i..],
            None => &[],
        };
        if significant.len() > 8 {
            return Err(self.violated(type_name, "INTEGER above its range"));
        }
        let value = significant
            .iter()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        if value > max {
            return Err(self.violated(type_name, "INTEGER above its range"));
        }
        Ok(value)
    }

    #[inline]
    pub fn u32(&self, type_name: &'static str) -> Result<u32> {
        self.uint(type_name, u64::from(u32::MAX)).map(|v| v as u32)
    }

    #[inline]
    pub fn u16(&self, type_name: &'static str) -> Result<u16> {
        self.uint(type_name, u64::from(u16::MAX)).map(|v| v as u16)
    }

    /// An INTEGER(0..max) that fits a `u8`.
    #[inline]
    pub fn u8_max(&self, type_name: &'static str, max: u8) -> Result<u8> {
        self.uint(type_name, u64::from(max)).map(|v| v as u8)
    }

    /// An ENUMERATED value (X.690 8.4) no larger than `max`.
    #[inline]
    pub fn enumerated(&self, type_name: &'static str, max: u32) -> Result<u32> {
        self.uint(type_name, u64::from(max))
            .map(|v| v as u32)
            .map_err(|_| self.violated(type_name, "ENUMERATED value not in this version"))
    }

    /// BOOLEAN (X.690 8.2): one octet, zero is FALSE.
    #[inline]
    pub fn boolean(&self, type_name: &'static str) -> Result<bool> {
        match self.primitive(type_name)? {
            [octet] => Ok(*octet != 0),
            _ => Err(self.violated(type_name, "BOOLEAN must be one octet")),
        }
    }

    /// NULL (X.690 8.8): no contents.
    #[inline]
    pub fn null(&self, type_name: &'static str) -> Result<()> {
        if self.primitive(type_name)?.is_empty() {
            Ok(())
        } else {
            Err(self.violated(type_name, "NULL with contents"))
        }
    }

    /// OCTET STRING (primitive form).
    #[inline]
    pub fn octets(&self, type_name: &'static str) -> Result<&'a [u8]> {
        self.primitive(type_name)
    }

    /// OCTET STRING (SIZE(min..max)).
    #[inline]
    pub fn octets_sized(
        &self,
        type_name: &'static str,
        min: usize,
        max: usize,
        what: &'static str,
    ) -> Result<&'a [u8]> {
        let bytes = self.primitive(type_name)?;
        if bytes.len() < min || bytes.len() > max {
            return Err(self.violated(type_name, what));
        }
        Ok(bytes)
    }

    /// IA5String: 7-bit characters.
    #[inline]
    pub fn ia5(&self, type_name: &'static str) -> Result<&'a str> {
        let bytes = self.primitive(type_name)?;
        if !bytes.is_ascii() {
            return Err(self.violated(type_name, "IA5String with an octet above 0x7F"));
        }
        std::str::from_utf8(bytes).map_err(|_| self.violated(type_name, "IA5String"))
    }

    /// OCTET STRING carrying text (values, the serviceChangeReason).
    #[inline]
    pub fn utf8(&self, type_name: &'static str) -> Result<&'a str> {
        std::str::from_utf8(self.primitive(type_name)?)
            .map_err(|_| self.violated(type_name, "value octets are not UTF-8 text"))
    }

    /// BIT STRING (X.690 8.6, primitive form) of at most 32 named bits:
    /// named bit `n` is set in the result as `1 << n`.
    pub fn named_bits(&self, type_name: &'static str) -> Result<u32> {
        let bytes = self.primitive(type_name)?;
        let (&unused, bits) = bytes
            .split_first()
            .ok_or_else(|| self.violated(type_name, "BIT STRING with no contents octets"))?;
        if unused > 7 || (bits.is_empty() && unused != 0) {
            return Err(self.violated(type_name, "BIT STRING unused-bits octet"));
        }
        let mut value = 0u32;
        for (i, &octet) in bits.iter().enumerate() {
            for bit in 0..8 {
                if octet & (0x80 >> bit) != 0 {
                    let n = i * 8 + bit;
                    if n >= 32 {
                        return Err(self.violated(type_name, "BIT STRING names an unknown bit"));
                    }
                    value |= 1 << n;
                }
            }
        }
        Ok(value)
    }

    /// OBJECT IDENTIFIER (X.690 8.19) as its arcs.
    pub fn object_identifier(&self, type_name: &'static str) -> Result<Vec<u32>> {
        let bytes = self.primitive(type_name)?;
        if bytes.is_empty() || bytes.last().is_some_and(|b| b & 0x80 != 0) {
            return Err(self.violated(type_name, "OBJECT IDENTIFIER encoding"));
        }
        let mut arcs = Vec::new();
        let mut value: u32 = 0;
        for &octet in bytes {
            if value > (u32::MAX >> 7) {
                return Err(self.violated(type_name, "OBJECT IDENTIFIER arc too large"));
            }
            value = (value << 7) | u32::from(octet & 0x7f);
            if octet & 0x80 == 0 {
                if arcs.is_empty() {
                    let first = (value / 40).min(2);
                    arcs.push(first);
                    arcs.push(value - first * 40);
                } else {
                    arcs.push(value);
                }
                value = 0;
            }
        }
        Ok(arcs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> BerLimits {
        BerLimits::default()
    }

    /// The first element of `input`; an error's offset counted from the
    /// start of `input`.
    fn one(input: &[u8]) -> Result<Tlv<'_>> {
        let mut cursor = Cursor::outermost(input, limits(), "Test");
        let tlv = cursor
            .next()
            .map_err(|e| Cursor::offset_of(input, e))?
            .expect("an element");
        Ok(tlv)
    }

    #[test]
    fn identifiers_short_and_long_form() {
        let tlv = one(&[0x80, 0x01, 0x05]).unwrap();
        assert_eq!(tlv.tag(), Tag::context(0));
        assert!(!tlv.constructed());
        let tlv = one(&[0xbf, 0x81, 0x00, 0x00]).unwrap();
        assert_eq!(tlv.tag(), Tag::context(128));
        assert!(tlv.constructed());
        let tlv = one(&[0x1f, 0x1f, 0x00]).unwrap();
        assert_eq!(tlv.tag(), Tag::universal(31));
        let err = one(&[0x9f, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00]).unwrap_err();
        assert_eq!(
            err.kind,
            BerErrorKind::ConstraintViolated("tag number too large")
        );
    }

    #[test]
    fn lengths_short_long_nonminimal_and_indefinite() {
        assert_eq!(one(&[0x04, 0x01, 0xaa]).unwrap().content, &[0xaa]);
        assert_eq!(one(&[0x04, 0x81, 0x01, 0xaa]).unwrap().content, &[0xaa]);
        assert_eq!(
            one(&[0x04, 0x84, 0, 0, 0, 0x01, 0xaa]).unwrap().content,
            &[0xaa]
        );
        let tlv = one(&[0x30, 0x80, 0x04, 0x01, 0xaa, 0x00, 0x00]).unwrap();
        assert_eq!(tlv.content, &[0x04, 0x01, 0xaa]);
        // Nested indefinite lengths: the inner end-of-contents is not the outer one.
        let input = [0x30, 0x80, 0x30, 0x80, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00];
        let tlv = one(&input).unwrap();
        assert_eq!(tlv.content.len(), 6);
    }

    #[test]
    fn hostile_lengths_are_errors_with_offsets() {
        let err = one(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).unwrap_err();
        assert_eq!((err.kind, err.offset), (BerErrorKind::Truncated, 0));
        let err = one(&[
            0x30, 0x89, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        ])
        .unwrap_err();
        assert_eq!(err.kind, BerErrorKind::Truncated);
        let err = one(&[0x30, 0xff]).unwrap_err();
        assert_eq!(
            err.kind,
            BerErrorKind::ConstraintViolated("reserved length octet 0xFF")
        );
        // Missing end-of-contents.
        let err = one(&[0x30, 0x80, 0x05, 0x00]).unwrap_err();
        assert_eq!(err.kind, BerErrorKind::Truncated);
        // Indefinite length on a primitive.
        let err = one(&[0x04, 0x80, 0x00, 0x00]).unwrap_err();
        assert!(matches!(err.kind, BerErrorKind::ConstraintViolated(_)));
        // An inner length beyond its container.
        let input = [0x30, 0x03, 0x04, 0x05, 0x00];
        let tlv = one(&input).unwrap();
        let err = Cursor::offset_of(&input, tlv.cursor("Inner").unwrap().next().unwrap_err());
        assert_eq!(
            (err.kind, err.offset, err.type_name),
            (BerErrorKind::LengthBeyondContainer, 2, "Inner")
        );
        // The same in the long forms of one and two octets (at the element),
        // and a two-octet length with one octet present (at its length
        // octets).
        for (inner, at) in [
            (&[0x04, 0x81, 0x05, 0x00][..], 2),
            (&[0x04, 0x82, 0x00, 0x05, 0x00], 2),
            (&[0x04, 0x82, 0x01, 0x00, 0x00], 2),
            (&[0x04, 0x82, 0x00], 4),
        ] {
            let mut input = vec![0x30, inner.len() as u8];
            input.extend_from_slice(inner);
            let tlv = one(&input).unwrap();
            let err = Cursor::offset_of(&input, tlv.cursor("Inner").unwrap().next().unwrap_err());
            assert_eq!(
                (err.kind, err.offset),
                (BerErrorKind::LengthBeyondContainer, at),
                "{inner:02x?}"
            );
        }
        // A two-octet length, minimal or not, inside a container.
        for inner in [
            &[0x04, 0x82, 0x00, 0x01, 0xaa][..],
            &[0x04, 0x81, 0x01, 0xaa],
        ] {
            let mut input = vec![0x30, inner.len() as u8];
            input.extend_from_slice(inner);
            let tlv = one(&input).unwrap();
            let mut cursor = tlv.cursor("Inner").unwrap();
            let inner_tlv = cursor.next().unwrap().unwrap();
            assert_eq!(inner_tlv.content, &[0xaa]);
            assert!(cursor.is_empty());
        }
    }

    #[test]
    fn count_hint_counts_whole_elements_present() {
        let limits = limits();
        let count = |data: &[u8], max| Cursor::outermost(data, limits, "T").count_hint(max);
        let three = [0x05, 0x00, 0x04, 0x81, 0x01, 0xaa, 0x30, 0x82, 0x00, 0x00];
        assert_eq!(count(&three, 16), 3);
        assert_eq!(count(&three, 2), 2);
        assert_eq!(count(&[], 16), 0);
        // Stops at an element whose contents are not all there, at a long
        // identifier and at an indefinite length.
        assert_eq!(count(&[0x05, 0x00, 0x04, 0x05, 0x00], 16), 1);
        assert_eq!(count(&[0x05, 0x00, 0x1f, 0x1f, 0x00], 16), 1);
        assert_eq!(count(&[0x30, 0x80, 0x00, 0x00], 16), 0);
        // Long lengths of one and two octets are read as the cursor reads them.
        let tlv = one(&[0x30, 0x82, 0x00, 0x03, 0x05, 0x01, 0x00]).unwrap();
        assert_eq!(tlv.content, &[0x05, 0x01, 0x00]);
        let err = one(&[0x30, 0x81, 0x05, 0x00]).unwrap_err();
        assert_eq!((err.kind, err.offset), (BerErrorKind::Truncated, 0));
    }

    #[test]
    fn nesting_is_bounded() {
        let mut input = Vec::new();
        for _ in 0..100 {
            input.extend_from_slice(&[0x30, 0x80]);
        }
        input.extend_from_slice(&[0u8; 200]);
        let err = one(&input).unwrap_err();
        assert_eq!(err.kind, BerErrorKind::DepthExceeded);
        let mut definite = vec![0x05, 0x00];
        for _ in 0..100 {
            let len = definite.len();
            let mut outer = vec![0x30, 0x82, (len >> 8) as u8, len as u8];
            outer.extend(definite);
            definite = outer;
        }
        let mut tlv = one(&definite).unwrap();
        let err = loop {
            match tlv.cursor("Nest").and_then(|mut c| c.next()) {
                Ok(Some(inner)) => tlv = inner,
                Ok(None) => panic!("ran out"),
                Err(e) => break e,
            }
        };
        assert_eq!(err.kind, BerErrorKind::DepthExceeded);
    }

    #[test]
    fn primitives() {
        assert_eq!(one(&[0x02, 0x01, 0x05]).unwrap().u32("T").unwrap(), 5);
        assert_eq!(
            one(&[0x02, 0x05, 0x00, 0xff, 0xff, 0xff, 0xff])
                .unwrap()
                .u32("T")
                .unwrap(),
            u32::MAX
        );
        let too_big = one(&[0x02, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00]).unwrap();
        assert!(matches!(
            too_big.u32("T").unwrap_err().kind,
            BerErrorKind::ConstraintViolated(_)
        ));
        assert!(one(&[0x02, 0x01, 0xff]).unwrap().u32("T").is_err());
        assert!(one(&[0x02, 0x00]).unwrap().u32("T").is_err());
        assert!(one(&[0x01, 0x01, 0xff]).unwrap().boolean("T").unwrap());
        assert!(!one(&[0x01, 0x01, 0x00]).unwrap().boolean("T").unwrap());
        assert!(one(&[0x01, 0x02, 0x00, 0x00])
            .unwrap()
            .boolean("T")
            .is_err());
        assert!(one(&[0x05, 0x00]).unwrap().null("T").is_ok());
        assert!(one(&[0x05, 0x01, 0x00]).unwrap().null("T").is_err());
        assert_eq!(
            one(&[0x0a, 0x01, 0x02])
                .unwrap()
                .enumerated("T", 4)
                .unwrap(),
            2
        );
        assert!(one(&[0x0a, 0x01, 0x05])
            .unwrap()
            .enumerated("T", 4)
            .is_err());
        assert_eq!(
            one(&[0x16, 0x02, b'h', b'i']).unwrap().ia5("T").unwrap(),
            "hi"
        );
        assert!(one(&[0x16, 0x01, 0xc3]).unwrap().ia5("T").is_err());
        let sized = one(&[0x04, 0x03, 1, 2, 3]).unwrap();
        assert!(sized.octets_sized("T", 4, 4, "size").is_err());
        assert_eq!(
            one(&[0x03, 0x02, 0x06, 0xa0])
                .unwrap()
                .named_bits("T")
                .unwrap(),
            0b101
        );
        assert!(one(&[0x03, 0x01, 0x01]).unwrap().named_bits("T").is_err());
        assert_eq!(
            one(&[0x06, 0x03, 0x2a, 0x86, 0x48])
                .unwrap()
                .object_identifier("T")
                .unwrap(),
            vec![1, 2, 840]
        );
        assert!(one(&[0x30, 0x00]).unwrap().octets("T").is_err());
        assert!(one(&[0x04, 0x00]).unwrap().cursor("T").is_err());
    }

    #[test]
    fn sequences_optional_required_and_extensions() {
        let input = [
            0x30, 0x09, 0x80, 0x01, 0x01, 0x82, 0x01, 0x02, 0x85, 0x01, 0x09,
        ];
        let tlv = one(&input).unwrap();
        let mut seq = tlv.cursor("Seq").unwrap();
        assert_eq!(seq.required(0).unwrap().u32("T").unwrap(), 1);
        assert!(seq.optional(1).unwrap().is_none());
        assert_eq!(seq.required(2).unwrap().u32("T").unwrap(), 2);
        assert!({ seq }.finish().is_err());
        seq.finish_extensible(2).unwrap();
        let mut seq = tlv.cursor("Seq").unwrap();
        let err = seq.required(1).unwrap_err();
        assert_eq!(
            err.kind,
            BerErrorKind::UnexpectedTag {
                expected: Tag::context(1),
                found: Tag::context(0)
            }
        );
        let small = BerLimits {
            max_list_len: 2,
            ..BerLimits::default()
        };
        let list = [0x30, 0x06, 0x05, 0x00, 0x05, 0x00, 0x05, 0x00];
        let mut cursor = Cursor::outermost(&list, small, "List");
        let mut items = cursor.next().unwrap().unwrap().cursor("List").unwrap();
        assert!(items.next_item().unwrap().is_some());
        assert!(items.next_item().unwrap().is_some());
        assert_eq!(
            items.next_item().unwrap_err().kind,
            BerErrorKind::ListTooLong
        );
    }
}
