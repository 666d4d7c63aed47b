//! Text decoder: H.248.1 Annex B (version 2 and 3) and RFC 3525 Annex B
//! (version 1) text into the [`MegacoMessage`] model.
//!
//! A recursive-descent parser over bytes. Each grammar position reads a word
//! once, classifies it as a [`token::Tok`] case-insensitively and dispatches
//! on it, so no alternative is tried twice. The fixed-form leaf rules that
//! most messages hold (IPv4 addresses, time stamps, numbers) are read by
//! hand in one pass; the authentication header's hex fields use nom
//! combinators. Nesting is
//! bounded by [`DecodeLimits::max_depth`] (counted at every brace) and every
//! list by [`DecodeLimits::max_list_len`].
//!
//! Submodules follow the grammar: [`message`] (header, mId, transactions),
//! [`action`] (actions, context properties and audit), [`command`] (commands
//! and replies, ServiceChange), [`descriptor`] (clause 7.1 descriptors),
//! [`audit`] (audit descriptor and `indAud*`), [`value`] (names, values,
//! identifiers, digit maps, SDP).

mod action;
mod audit;
mod command;
mod descriptor;
mod message;
mod token;
mod value;

use super::{DecodeError, DecodeErrorKind, DecodeLimits};
use crate::model::{MegacoMessage, SmallList};
use token::Tok;

/// Decodes one text message (Annex B `megacoMessage`) with the default
/// limits.
pub fn decode(input: &[u8]) -> Result<MegacoMessage, DecodeError> {
    decode_with(input, &DecodeLimits::default())
}

/// Decodes one text message (Annex B `megacoMessage`) within `limits`:
/// the size is checked first, then the whole input must be one message,
/// followed by nothing but LWSP.
pub fn decode_with(input: &[u8], limits: &DecodeLimits) -> Result<MegacoMessage, DecodeError> {
    if input.len() > limits.max_message_size {
        return Err(DecodeError::at(
            input,
            0,
            DecodeErrorKind::MessageTooLarge {
                size: input.len(),
                limit: limits.max_message_size,
            },
        ));
    }
    let mut parser = Parser::new(input, limits);
    let message = parser.megaco_message().map_err(|e| *e)?;
    parser.skip_lwsp();
    if parser.pos < input.len() {
        return Err(*parser.error(DecodeErrorKind::TrailingData));
    }
    Ok(message)
}

/// Result of a grammar rule. The error is boxed so that the results of the
/// many small rules stay small (returned in registers) on the success path.
type PResult<T> = Result<T, Box<DecodeError>>;

/// The decoder state: the input, the read position, the brace depth and the
/// message's protocol version (known after the header).
struct Parser<'a> {
    input: &'a [u8],
    /// The input as text when all of it is UTF-8 (checked once, up front),
    /// so that the text the model keeps is sliced from it without checking
    /// each piece again; `None` otherwise (comments, say, may hold any
    /// octet), and each piece is then checked on its own.
    text: Option<&'a str>,
    pos: usize,
    depth: usize,
    limits: &'a DecodeLimits,
    version: u8,
}

/// A word read at some position: its bytes, where it starts, and its token
/// classification.
#[derive(Clone, Copy)]
struct Word<'a> {
    text: &'a [u8],
    start: usize,
    tok: Option<Tok>,
}

impl Word<'_> {
    /// Where the word ends (the position after its last byte).
    fn end(&self) -> usize {
        self.start + self.text.len()
    }
}

impl<'a> Parser<'a> {
    fn new(input: &'a [u8], limits: &'a DecodeLimits) -> Self {
        Parser {
            input,
            text: std::str::from_utf8(input).ok(),
            pos: 0,
            depth: 0,
            limits,
            version: 3,
        }
    }

    // ---- errors -------------------------------------------------------
    //
    // Errors are built out of line and marked cold: a rule's success path
    // then carries only the branch to them, not the code that boxes the
    // error and works out its line and column.

    #[cold]
    #[inline(never)]
    fn error_at(&self, offset: usize, kind: DecodeErrorKind) -> Box<DecodeError> {
        Box::new(DecodeError::at(self.input, offset, kind))
    }

    #[cold]
    #[inline(never)]
    fn error(&self, kind: DecodeErrorKind) -> Box<DecodeError> {
        self.error_at(self.pos, kind)
    }

    /// `Expected(what)` at the current position (after LWSP).
    #[cold]
    #[inline(never)]
    fn expected(&mut self, what: &'static str) -> Box<DecodeError> {
        self.skip_lwsp();
        self.error(DecodeErrorKind::Expected(what))
    }

    // ---- LWSP and single bytes ------------------------------------------

    /// Skips Annex B `LWSP`: SP, HTAB, CR, LF and `;` comments to the end of
    /// the line.
    ///
    /// The position is kept in a local while skipping: through `self`, it
    /// is stored again at each byte of white space (pretty text has lines of
    /// indentation).
    fn skip_lwsp(&mut self) {
        let mut pos = self.pos;
        while let Some(&b) = self.input.get(pos) {
            match b {
                b' ' | b'\t' | b'\r' | b'\n' => pos += 1,
                b';' => {
                    while let Some(&c) = self.input.get(pos) {
                        if c == b'\r' || c == b'\n' {
                            break;
                        }
                        pos += 1;
                    }
                }
                _ => break,
            }
        }
        self.pos = pos;
    }

    /// The byte at the current position, without skipping anything.
    fn peek_raw(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    /// The next byte after LWSP.
    fn peek(&mut self) -> Option<u8> {
        self.skip_lwsp();
        self.peek_raw()
    }

    /// Consumes `byte` if it is next after LWSP.
    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Consumes `byte` after LWSP or fails with `Expected(what)`.
    fn expect(&mut self, byte: u8, what: &'static str) -> PResult<()> {
        if self.eat(byte) {
            Ok(())
        } else {
            Err(self.expected(what))
        }
    }

    /// Annex B `EQUAL`.
    fn equal(&mut self) -> PResult<()> {
        self.expect(b'=', "`=`")
    }

    /// Annex B `LBRKT`, entering one nesting level.
    fn open(&mut self) -> PResult<()> {
        self.expect(b'{', "`{`")?;
        self.enter()
    }

    /// Consumes an optional `LBRKT`; true (and one level deeper) if present.
    fn try_open(&mut self) -> PResult<bool> {
        if self.eat(b'{') {
            self.enter()?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            let at = self.pos.saturating_sub(1);
            return Err(self.error_at(at, DecodeErrorKind::LimitExceeded("nesting depth")));
        }
        Ok(())
    }

    /// Annex B `RBRKT`, leaving one nesting level.
    fn close(&mut self) -> PResult<()> {
        self.expect(b'}', "`}`")?;
        self.depth = self.depth.saturating_sub(1);
        Ok(())
    }

    /// Parses `item *(COMMA item)` (at least one item), bounded by
    /// `max_list_len`.
    fn comma_list(&mut self, mut item: impl FnMut(&mut Self) -> PResult<()>) -> PResult<()> {
        let mut count = 0usize;
        loop {
            count += 1;
            if count > self.limits.max_list_len {
                self.skip_lwsp();
                return Err(self.error(DecodeErrorKind::LimitExceeded("list length")));
            }
            item(self)?;
            if !self.eat(b',') {
                return Ok(());
            }
        }
    }

    /// `LBRKT item *(COMMA item) RBRKT`: a braced list of at least one item,
    /// as the grammar writes most descriptors (Erlang/OTP megaco refuses the
    /// empty forms too).
    fn braced_nonempty(&mut self, item: impl FnMut(&mut Self) -> PResult<()>) -> PResult<()> {
        self.open()?;
        self.comma_list(item)?;
        self.close()
    }

    /// `LBRKT [item *(COMMA item)] RBRKT`: a braced list that may be empty.
    fn braced_list(&mut self, item: impl FnMut(&mut Self) -> PResult<()>) -> PResult<()> {
        self.open()?;
        if self.peek() != Some(b'}') {
            self.comma_list(item)?;
        }
        self.close()
    }

    // ---- words and tokens -------------------------------------------------

    /// Reads the ASCII letter/digit/underscore run after LWSP (possibly
    /// empty) and classifies it.
    #[inline]
    fn word(&mut self) -> Word<'a> {
        self.skip_lwsp();
        let start = self.pos;
        let rest = self.input.get(start..).unwrap_or_default();
        let len = rest
            .iter()
            .position(|&b| !value::is_class(b, value::WORD_CHAR))
            .unwrap_or(rest.len());
        self.pos = start + len;
        let text = rest.get(..len).unwrap_or_default();
        Word {
            text,
            start,
            tok: Tok::classify_prefix(rest, len),
        }
    }

    /// Reads a word that must be a token; `Expected(what)` at its start
    /// otherwise.
    fn token(&mut self, what: &'static str) -> PResult<(Tok, usize)> {
        let w = self.word();
        match w.tok {
            Some(t) => Ok((t, w.start)),
            None => Err(self.error_at(w.start, DecodeErrorKind::Expected(what))),
        }
    }

    /// Reads a token that must be one of `allowed`, mapped to its value.
    fn token_of<T: Copy>(&mut self, allowed: &[(Tok, T)], what: &'static str) -> PResult<T> {
        let (tok, start) = self.token(what)?;
        allowed
            .iter()
            .find(|(t, _)| *t == tok)
            .map(|&(_, v)| v)
            .ok_or_else(|| self.error_at(start, DecodeErrorKind::Expected(what)))
    }

    /// Moves back to the start of `word` (to re-read it as something else).
    fn unread(&mut self, word: &Word<'_>) {
        self.pos = word.start;
    }

    /// `"ON"` / `"OFF"` (case-insensitive).
    fn on_off(&mut self) -> PResult<bool> {
        let w = self.word();
        if w.text.eq_ignore_ascii_case(b"on") {
            Ok(true)
        } else if w.text.eq_ignore_ascii_case(b"off") {
            Ok(false)
        } else {
            Err(self.error_at(w.start, DecodeErrorKind::Expected("`ON` or `OFF`")))
        }
    }

    /// Pushes onto a list that is not delimited by `comma_list`, bounded by
    /// `max_list_len`.
    fn push_bounded<T>(&self, list: &mut Vec<T>, item: T) -> PResult<()> {
        if list.len() >= self.limits.max_list_len {
            return Err(self.error(DecodeErrorKind::LimitExceeded("list length")));
        }
        list.push_item(item);
        Ok(())
    }
}

/// A list the decoder fills: a `Vec`, or a [`SmallList`] for the lists
/// that nearly always hold one item (the termination IDs of a command or
/// a Mux descriptor).
trait List<T> {
    /// Pushes `item`. An empty `Vec` is given room for four items first:
    /// what the first `push` onto `Vec::new()` allocates anyway (for items
    /// of up to 1 KiB), but allocated directly rather than through the
    /// vector's out-of-line growth path, which costs more than the
    /// allocation. Lists that stay empty allocate nothing. A `SmallList`
    /// keeps its first item inline, and moves to room for four items at the
    /// second. Both are always inlined: out of line, the item would be moved
    /// once more, into the call.
    fn push_item(&mut self, item: T);
}

impl<T> List<T> for Vec<T> {
    #[inline(always)]
    fn push_item(&mut self, item: T) {
        if self.capacity() == 0 {
            *self = Vec::with_capacity(4);
        }
        self.push(item);
    }
}

impl<T> List<T> for SmallList<T> {
    #[inline(always)]
    fn push_item(&mut self, item: T) {
        if self.len() == self.inline_size() && !self.spilled() {
            self.reserve_exact(4 - self.len());
        }
        self.push(item);
    }
}

#[cfg(test)]
mod tests;

/// True when `word` is a token of the text grammar (any version, long or
/// short, any case): such words are ambiguous as names to lexer-based
/// parsers such as megaco's.
#[cfg(test)]
pub(crate) fn is_token(word: &[u8]) -> bool {
    token::Tok::classify(word).is_some()
}
