//! Text encoder (H.248.1 Annex B; RFC 3525 for version 1).
//!
//! Two styles share one code path and differ only in the [`Tokens`] table
//! (long or short keywords, spaced or tight punctuation) and in the layout:
//! [`Style::Pretty`] puts every list item on its own line, indented with
//! tabs as Erlang/OTP megaco's pretty encoder does; [`Style::Compact`]
//! writes no optional white space at all.
//!
//! Everything is written straight into the caller's buffer: integers with
//! `itoa`, tokens as static slices, indentation from a static run of tabs.
//! Text fields of the model are checked against the characters the grammar
//! allows where they go; a model that cannot be written gives an
//! [`EncodeError`] and leaves the buffer as it was.

mod audit;
mod descriptor;
mod lexical;
#[cfg(test)]
mod megaco_tests;
mod message;
#[cfg(test)]
mod tests;
mod tokens;

use super::{EncodeError, Style};
use crate::model::MegacoMessage;
use tokens::{Punctuation, Tokens, LONG, LONG_EQUAL, SHORT, SHORT_EQUAL, SPACED, TIGHT};

/// Appends the text encoding of `message` in `style` to `out`. On error
/// `out` is left as it was.
pub fn encode(message: &MegacoMessage, style: Style, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let start = out.len();
    let mut writer = Writer::new(out, style);
    let result = writer.megaco_message(message);
    if result.is_err() {
        out.truncate(start);
    }
    result
}

/// [`encode`], noting in `starts` where in `out` each transaction of the
/// message begins (nothing for a message-level error). What precedes the
/// first is the header with its line break, and consecutive transactions
/// are separated by exactly one line break, so the header followed by any
/// run of consecutive transactions is a message too: the byte layer cuts a
/// batch that is too large for one datagram that way, without encoding it
/// again. On error `out` is left as it was and `starts` is cleared.
pub fn encode_marking_transactions(
    message: &MegacoMessage,
    style: Style,
    out: &mut Vec<u8>,
    starts: &mut Vec<usize>,
) -> Result<(), EncodeError> {
    let start = out.len();
    starts.clear();
    let mut writer = Writer::new(out, style);
    writer.transaction_starts = Some(starts);
    let result = writer.megaco_message(message);
    if result.is_err() {
        out.truncate(start);
        starts.clear();
    }
    result
}

/// The text encoding of `message` in `style`, in a new buffer.
pub fn encode_to_vec(message: &MegacoMessage, style: Style) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(512);
    encode(message, style, &mut out)?;
    Ok(out)
}

/// What the writing functions return: nothing, or why the model cannot be written.
type Encoded = std::result::Result<(), EncodeError>;

/// Deepest indentation of the pretty style; deeper levels share it.
const MAX_INDENT: usize = 32;

/// What precedes a list item in the pretty style: the `COMMA` (not before
/// the first item), a line break and one tab per nesting level, sliced
/// from here in one copy.
static ITEM_BREAK: &[u8; 2 + MAX_INDENT] =
    b",\n\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t";

/// The output buffer with the style's tokens and the current nesting depth.
struct Writer<'o> {
    out: &'o mut Vec<u8>,
    tokens: &'static Tokens,
    /// The tokens followed by `EQUAL`.
    tokens_equal: &'static Tokens,
    punctuation: &'static Punctuation,
    pretty: bool,
    depth: usize,
    /// Protocol version of the message being written.
    version: u8,
    /// Where each transaction begins, when asked for
    /// ([`encode_marking_transactions`]).
    transaction_starts: Option<&'o mut Vec<usize>>,
}

/// A braced list being written (`LBRKT item *(COMMA item) RBRKT`): knows
/// whether an item was written yet.
#[must_use = "a list must be closed"]
struct Items {
    empty: bool,
}

impl<'o> Writer<'o> {
    fn new(out: &'o mut Vec<u8>, style: Style) -> Self {
        let (tokens, tokens_equal, punctuation, pretty) = match style {
            Style::Pretty => (&LONG, &LONG_EQUAL, &SPACED, true),
            Style::Compact => (&SHORT, &SHORT_EQUAL, &TIGHT, false),
        };
        Writer {
            out,
            tokens,
            tokens_equal,
            punctuation,
            pretty,
            depth: 0,
            version: 3,
            transaction_starts: None,
        }
    }

    /// Writes a token or literal text.
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    /// `EQUAL`.
    fn equal(&mut self) {
        self.put(self.punctuation.equal);
    }

    /// A decimal integer (`UINT16`, `UINT32`, ...).
    fn uint(&mut self, n: impl itoa::Integer) {
        self.put(itoa::Buffer::new().format(n).as_bytes());
    }

    /// An integer the grammar allows at most two digits for (`Version`,
    /// `Timer`).
    fn two_digits(&mut self, n: u8, what: &'static str) -> Encoded {
        if n > 99 {
            return Err(EncodeError::InvalidText {
                what,
                value: n.to_string(),
            });
        }
        self.uint(n);
        Ok(())
    }

    /// `ON` / `OFF`.
    fn on_off(&mut self, on: bool) {
        self.put(if on { b"ON" } else { b"OFF" });
    }

    /// Indentation of the current depth (pretty only).
    fn indentation(&self) -> &'static [u8] {
        &ITEM_BREAK[2..2 + self.depth.min(MAX_INDENT)]
    }

    /// Line break and indentation of the current depth (pretty only).
    fn line_break(&self) -> &'static [u8] {
        &ITEM_BREAK[1..2 + self.depth.min(MAX_INDENT)]
    }

    /// `LBRKT`: opens a braced list.
    fn open(&mut self) -> Items {
        if self.out.last() == Some(&b' ') {
            self.out.push(b'{');
        } else {
            self.put(self.punctuation.open);
        }
        self.depth += 1;
        Items { empty: true }
    }

    /// `COMMA` before every item but the first; in pretty style each item
    /// starts a new line.
    fn next(&mut self, items: &mut Items) {
        let first = items.empty;
        items.empty = false;
        if self.pretty {
            let item_break = self.line_break();
            self.put(if first {
                item_break
            } else {
                &ITEM_BREAK[..item_break.len() + 1]
            });
        } else if !first {
            self.out.push(b',');
        }
    }

    /// `RBRKT`: closes a braced list.
    fn close(&mut self, items: Items) {
        self.depth -= 1;
        if items.empty {
            self.put(if self.pretty { b" }" } else { b"}" });
        } else {
            if self.pretty {
                self.put(self.line_break());
            }
            self.out.push(b'}');
        }
    }

    /// `RBRKT` of a list the grammar needs at least one item in.
    fn close_nonempty(&mut self, items: Items, what: &'static str) -> Encoded {
        if items.empty {
            return Err(lexical::empty(what));
        }
        self.close(items);
        Ok(())
    }
}
