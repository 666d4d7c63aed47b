//! The tokens of H.248.1 Annex B (the `...Token` rules at the end of the
//! grammar), recognised case-insensitively in their long and short forms.

/// A grammar token. Which tokens are legal depends on the position; the
/// parser checks that, this only names the word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tok {
    Add,
    AndLgc,
    Audit,
    AuditCap,
    AuditValue,
    Authentication,
    Both,
    Bothway,
    Brief,
    Buffer,
    Context,
    ContextAudit,
    ContextAttr,
    ContextList,
    DigitMap,
    Direction,
    Disconnected,
    Delay,
    Duration,
    Embed,
    Emergency,
    EmergencyOff,
    EmergencyValue,
    Error,
    EventBuffer,
    Events,
    External,
    Failover,
    Forced,
    Graceful,
    H221,
    H223,
    H226,
    HandOff,
    Ieps,
    ImmAckRequired,
    Inactive,
    Internal,
    IntsigDelay,
    Isolate,
    InService,
    IntByEvent,
    IntBySigDescr,
    Iteration,
    KeepActive,
    Local,
    LocalControl,
    LockStep,
    Loopback,
    Media,
    Megaco,
    Segment,
    Method,
    MgcId,
    Mode,
    Modify,
    Modem,
    Move,
    Mtp,
    Mux,
    NeverNotify,
    Notify,
    NotifyCompletion,
    ImmediateNotify,
    RegulatedNotify,
    Nx64k,
    ObservedEvents,
    Oneway,
    OnewayBoth,
    OnewayExternal,
    OnOff,
    OrLgc,
    OtherReason,
    OutOfService,
    Packages,
    Pending,
    Priority,
    Profile,
    Reason,
    ReceiveOnly,
    Reply,
    ResetEventsDescriptor,
    Restart,
    Remote,
    SpaRequestId,
    ReservedGroup,
    ReservedValue,
    End,
    SendOnly,
    SendReceive,
    Services,
    ServiceStates,
    ServiceChangeInc,
    ServiceChange,
    ServiceChangeAddress,
    SignalList,
    Signals,
    SignalType,
    Statistics,
    Stream,
    Subtract,
    SynchIsdn,
    TerminationState,
    Test,
    TimeOut,
    Topology,
    Transaction,
    ResponseAck,
    V18,
    V22,
    V22b,
    V32,
    V32b,
    V34,
    V76,
    V90,
    V91,
    Version,
}

/// Every spelling (lowercase) of every token of at most 16 letters: long
/// and short forms, and `EmergencyOffToken`, which megaco's text encoders
/// write for `EmergencyOff`.
const SPELLINGS: &[(&[u8], Tok)] = &[
    (b"a", Tok::Add),
    (b"add", Tok::Add),
    (b"at", Tok::Audit),
    (b"ac", Tok::AuditCap),
    (b"av", Tok::AuditValue),
    (b"au", Tok::Authentication),
    (b"b", Tok::Both),
    (b"bw", Tok::Bothway),
    (b"br", Tok::Brief),
    (b"bf", Tok::Buffer),
    (b"c", Tok::Context),
    (b"ca", Tok::ContextAudit),
    (b"ct", Tok::ContextAttr),
    (b"clt", Tok::ContextList),
    (b"dm", Tok::DigitMap),
    (b"dc", Tok::Disconnected),
    (b"dl", Tok::Delay),
    (b"dr", Tok::Duration),
    (b"em", Tok::Embed),
    (b"eg", Tok::Emergency),
    (b"ego", Tok::EmergencyOff),
    (b"egv", Tok::EmergencyValue),
    (b"er", Tok::Error),
    (b"eb", Tok::EventBuffer),
    (b"e", Tok::Events),
    (b"ex", Tok::External),
    (b"fl", Tok::Failover),
    (b"fo", Tok::Forced),
    (b"gr", Tok::Graceful),
    (b"ho", Tok::HandOff),
    (b"ia", Tok::ImmAckRequired),
    (b"in", Tok::Inactive),
    (b"it", Tok::Internal),
    (b"is", Tok::Isolate),
    (b"iv", Tok::InService),
    (b"ibe", Tok::IntByEvent),
    (b"ibs", Tok::IntBySigDescr),
    (b"ir", Tok::Iteration),
    (b"ka", Tok::KeepActive),
    (b"l", Tok::Local),
    (b"o", Tok::LocalControl),
    (b"sp", Tok::LockStep),
    (b"lb", Tok::Loopback),
    (b"m", Tok::Media),
    (b"sm", Tok::Segment),
    (b"mt", Tok::Method),
    (b"mg", Tok::MgcId),
    (b"mo", Tok::Mode),
    (b"mf", Tok::Modify),
    (b"md", Tok::Modem),
    (b"mv", Tok::Move),
    (b"mtp", Tok::Mtp),
    (b"mux", Tok::Mux),
    (b"mx", Tok::Mux),
    (b"n", Tok::Notify),
    (b"nc", Tok::NotifyCompletion),
    (b"n64", Tok::Nx64k),
    (b"oe", Tok::ObservedEvents),
    (b"ow", Tok::Oneway),
    (b"owb", Tok::OnewayBoth),
    (b"owe", Tok::OnewayExternal),
    (b"oo", Tok::OnOff),
    (b"or", Tok::OtherReason),
    (b"os", Tok::OutOfService),
    (b"pg", Tok::Packages),
    (b"pn", Tok::Pending),
    (b"pr", Tok::Priority),
    (b"pf", Tok::Profile),
    (b"re", Tok::Reason),
    (b"rc", Tok::ReceiveOnly),
    (b"p", Tok::Reply),
    (b"rse", Tok::ResetEventsDescriptor),
    (b"rs", Tok::Restart),
    (b"r", Tok::Remote),
    (b"rg", Tok::ReservedGroup),
    (b"rv", Tok::ReservedValue),
    (b"end", Tok::End),
    (b"so", Tok::SendOnly),
    (b"sr", Tok::SendReceive),
    (b"sv", Tok::Services),
    (b"si", Tok::ServiceStates),
    (b"sic", Tok::ServiceChangeInc),
    (b"sc", Tok::ServiceChange),
    (b"ad", Tok::ServiceChangeAddress),
    (b"sl", Tok::SignalList),
    (b"sg", Tok::Signals),
    (b"sy", Tok::SignalType),
    (b"sa", Tok::Statistics),
    (b"st", Tok::Stream),
    (b"s", Tok::Subtract),
    (b"sn", Tok::SynchIsdn),
    (b"ts", Tok::TerminationState),
    (b"te", Tok::Test),
    (b"to", Tok::TimeOut),
    (b"tp", Tok::Topology),
    (b"t", Tok::Transaction),
    (b"k", Tok::ResponseAck),
    (b"v18", Tok::V18),
    (b"v22", Tok::V22),
    (b"v32", Tok::V32),
    (b"v34", Tok::V34),
    (b"v76", Tok::V76),
    (b"v90", Tok::V90),
    (b"v91", Tok::V91),
    (b"v", Tok::Version),
    (b"andlgc", Tok::AndLgc),
    (b"audit", Tok::Audit),
    (b"auditcapability", Tok::AuditCap),
    (b"auditvalue", Tok::AuditValue),
    (b"authentication", Tok::Authentication),
    (b"both", Tok::Both),
    (b"bothway", Tok::Bothway),
    (b"brief", Tok::Brief),
    (b"buffer", Tok::Buffer),
    (b"context", Tok::Context),
    (b"contextaudit", Tok::ContextAudit),
    (b"contextattr", Tok::ContextAttr),
    (b"contextlist", Tok::ContextList),
    (b"digitmap", Tok::DigitMap),
    (b"spadirection", Tok::Direction),
    (b"spadi", Tok::Direction),
    (b"disconnected", Tok::Disconnected),
    (b"delay", Tok::Delay),
    (b"duration", Tok::Duration),
    (b"embed", Tok::Embed),
    (b"emergency", Tok::Emergency),
    (b"emergencyoff", Tok::EmergencyOff),
    (b"emergencyvalue", Tok::EmergencyValue),
    (b"error", Tok::Error),
    (b"eventbuffer", Tok::EventBuffer),
    (b"events", Tok::Events),
    (b"external", Tok::External),
    (b"failover", Tok::Failover),
    (b"forced", Tok::Forced),
    (b"graceful", Tok::Graceful),
    (b"h221", Tok::H221),
    (b"h223", Tok::H223),
    (b"h226", Tok::H226),
    (b"handoff", Tok::HandOff),
    (b"iepscall", Tok::Ieps),
    (b"ieps", Tok::Ieps),
    (b"immackrequired", Tok::ImmAckRequired),
    (b"inactive", Tok::Inactive),
    (b"internal", Tok::Internal),
    (b"intersignal", Tok::IntsigDelay),
    (b"spais", Tok::IntsigDelay),
    (b"isolate", Tok::Isolate),
    (b"inservice", Tok::InService),
    (b"intbyevent", Tok::IntByEvent),
    (b"intbysigdescr", Tok::IntBySigDescr),
    (b"iteration", Tok::Iteration),
    (b"keepactive", Tok::KeepActive),
    (b"local", Tok::Local),
    (b"localcontrol", Tok::LocalControl),
    (b"lockstep", Tok::LockStep),
    (b"loopback", Tok::Loopback),
    (b"media", Tok::Media),
    (b"megaco", Tok::Megaco),
    (b"segment", Tok::Segment),
    (b"method", Tok::Method),
    (b"mgcidtotry", Tok::MgcId),
    (b"mode", Tok::Mode),
    (b"modify", Tok::Modify),
    (b"modem", Tok::Modem),
    (b"move", Tok::Move),
    (b"nevernotify", Tok::NeverNotify),
    (b"nbnn", Tok::NeverNotify),
    (b"notify", Tok::Notify),
    (b"notifycompletion", Tok::NotifyCompletion),
    (b"immediatenotify", Tok::ImmediateNotify),
    (b"nbin", Tok::ImmediateNotify),
    (b"regulatednotify", Tok::RegulatedNotify),
    (b"nbrn", Tok::RegulatedNotify),
    (b"nx64kservice", Tok::Nx64k),
    (b"observedevents", Tok::ObservedEvents),
    (b"oneway", Tok::Oneway),
    (b"onewayboth", Tok::OnewayBoth),
    (b"onewayexternal", Tok::OnewayExternal),
    (b"onoff", Tok::OnOff),
    (b"orlgc", Tok::OrLgc),
    (b"otherreason", Tok::OtherReason),
    (b"outofservice", Tok::OutOfService),
    (b"packages", Tok::Packages),
    (b"pending", Tok::Pending),
    (b"priority", Tok::Priority),
    (b"profile", Tok::Profile),
    (b"reason", Tok::Reason),
    (b"receiveonly", Tok::ReceiveOnly),
    (b"reply", Tok::Reply),
    (b"restart", Tok::Restart),
    (b"remote", Tok::Remote),
    (b"sparequestid", Tok::SpaRequestId),
    (b"sparq", Tok::SpaRequestId),
    (b"reservedgroup", Tok::ReservedGroup),
    (b"reservedvalue", Tok::ReservedValue),
    (b"sendonly", Tok::SendOnly),
    (b"sendreceive", Tok::SendReceive),
    (b"services", Tok::Services),
    (b"servicestates", Tok::ServiceStates),
    (b"servicechangeinc", Tok::ServiceChangeInc),
    (b"servicechange", Tok::ServiceChange),
    (b"signallist", Tok::SignalList),
    (b"signals", Tok::Signals),
    (b"signaltype", Tok::SignalType),
    (b"statistics", Tok::Statistics),
    (b"stream", Tok::Stream),
    (b"subtract", Tok::Subtract),
    (b"synchisdn", Tok::SynchIsdn),
    (b"terminationstate", Tok::TerminationState),
    (b"test", Tok::Test),
    (b"timeout", Tok::TimeOut),
    (b"topology", Tok::Topology),
    (b"transaction", Tok::Transaction),
    (b"v22b", Tok::V22b),
    (b"v32b", Tok::V32b),
    (b"version", Tok::Version),
];

/// The tokens of more than 16 letters.
const LONG_SPELLINGS: &[(&[u8], Tok)] = &[
    (b"emergencyofftoken", Tok::EmergencyOff),
    (b"reseteventsdescriptor", Tok::ResetEventsDescriptor),
    (b"servicechangeaddress", Tok::ServiceChangeAddress),
    (b"transactionresponseack", Tok::ResponseAck),
];

/// The key of a lowercase spelling of up to 16 bytes: its bytes as one
/// little-endian integer (the first byte lowest, unused bytes zero), with
/// bit 0x20 set in each (which lowercases an ASCII letter and leaves a digit
/// as it is). A spelling of at most 8 bytes has a key below 2^64; a longer
/// one has its ninth byte, never zero, in the upper half.
const fn spelling_key(spelling: &[u8]) -> u128 {
    let mut key = 0u128;
    let mut i = 0;
    while i < spelling.len() {
        key |= ((spelling[i] | 0x20) as u128) << (8 * i);
        i += 1;
    }
    key
}

/// Bit 0x20 in each of 8 bytes: ORed into a word's bytes, it lowercases
/// its letters and leaves its digits (and `_`, which becomes DEL, no letter
/// of any spelling) as they are.
const LOWERCASE_BITS: u64 = u64::from_le_bytes([0x20; 8]);

/// The key ([`spelling_key`]) of the word made of the first `len` (1 to 8)
/// bytes of `first8`, the 8 bytes at the word's start.
fn short_key(first8: [u8; 8], len: usize) -> u64 {
    let unused_bits = 8 * 8usize.saturating_sub(len);
    let word_bytes = u64::MAX.checked_shr(u32::try_from(unused_bits).unwrap_or(64));
    (u64::from_le_bytes(first8) | LOWERCASE_BITS) & word_bytes.unwrap_or(0)
}

/// Slots of each token hash table: a power of two, several times the
/// number of spellings, so that a lookup rarely probes more than one slot.
const SHORT_TABLE_BITS: u32 = 10;
const LONG_TABLE_BITS: u32 = 8;

/// The home slot of a key of a table of `2^bits` slots (Fibonacci hashing).
const fn home_slot(key: u64, bits: u32) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as usize
}

/// An open-addressing hash table (linear probing) of the [`SPELLINGS`]
/// whose key half `half` (0: spellings of at most 8 bytes, keyed by the low
/// half of the key; 1: spellings of 9 to 16 bytes, keyed by the high half
/// and checked on the low one), built at compile time; `None` marks an
/// empty slot.
const fn token_table<const SLOTS: usize>(half: u32, bits: u32) -> [(u64, u64, Option<Tok>); SLOTS] {
    let mut table = [(0u64, 0u64, None); SLOTS];
    let mut i = 0;
    while i < SPELLINGS.len() {
        let spelling = SPELLINGS[i].0;
        if spelling.len() > 16 {
            panic!("token spelling longer than 16 letters");
        }
        if (spelling.len() > 8) == (half == 1) {
            let key = spelling_key(spelling);
            let (low, high) = (key as u64, (key >> 64) as u64);
            let mut slot = home_slot(if half == 0 { low } else { high }, bits);
            while table[slot].2.is_some() {
                if table[slot].0 == low && table[slot].1 == high {
                    panic!("token spelled twice");
                }
                slot = (slot + 1) & (SLOTS - 1);
            }
            table[slot] = (low, high, Some(SPELLINGS[i].1));
        }
        i += 1;
    }
    table
}

/// The spellings of at most 8 bytes (every compact token, and most long
/// ones), by their key (whose high half is zero).
static SHORT_TABLE: [(u64, Option<Tok>); 1 << SHORT_TABLE_BITS] = {
    let full: [(u64, u64, Option<Tok>); 1 << SHORT_TABLE_BITS] = token_table(0, SHORT_TABLE_BITS);
    let mut table = [(0u64, None); 1 << SHORT_TABLE_BITS];
    let mut slot = 0;
    while slot < table.len() {
        table[slot] = (full[slot].0, full[slot].2);
        slot += 1;
    }
    table
};

/// The spellings of 9 to 16 bytes, by the high half of their key.
static LONG_TABLE: [(u64, u64, Option<Tok>); 1 << LONG_TABLE_BITS] =
    token_table(1, LONG_TABLE_BITS);

/// The token of the word of at most 8 bytes whose key is `key`, if any.
fn find_short(key: u64) -> Option<Tok> {
    let mask = SHORT_TABLE.len() - 1;
    let mut slot = home_slot(key, SHORT_TABLE_BITS);
    loop {
        let &(slot_key, tok) = SHORT_TABLE.get(slot & mask)?;
        if slot_key == key || tok.is_none() {
            return tok;
        }
        slot = (slot & mask) + 1;
    }
}

/// The token of the word of 9 to 16 bytes whose key has halves `low` and
/// `high`, if any.
fn find_long(low: u64, high: u64) -> Option<Tok> {
    let mask = LONG_TABLE.len() - 1;
    let mut slot = home_slot(high, LONG_TABLE_BITS);
    loop {
        let &(slot_low, slot_high, tok) = LONG_TABLE.get(slot & mask)?;
        if (slot_low == low && slot_high == high) || tok.is_none() {
            return tok;
        }
        slot = (slot & mask) + 1;
    }
}

impl Tok {
    /// Classifies `word` (an ASCII letter/digit run) as a token, ignoring
    /// case; `None` for any other word.
    #[cfg(test)]
    pub(super) fn classify(word: &[u8]) -> Option<Tok> {
        Tok::classify_prefix(word, word.len())
    }

    /// Classifies the word made of the first `len` bytes of `rest` (an
    /// ASCII letter/digit run; what follows it is only read, to load the
    /// word at once) as a token, ignoring case; `None` for any other word.
    ///
    /// Kept out of line: [`Parser::word`](super::Parser::word) is inlined
    /// into its many callers, and this, the larger part, is shared by them.
    /// Words of at most 8 bytes with 8 bytes of input at their start (every
    /// compact token, and most words of a message) take the first branch,
    /// which needs no stack frame; the rest go to [`Self::classify_other`].
    #[inline(never)]
    pub(super) fn classify_prefix(rest: &[u8], len: usize) -> Option<Tok> {
        match (len, rest.first_chunk::<8>()) {
            (1..=8, Some(&first8)) => find_short(short_key(first8, len)),
            _ => Tok::classify_other(rest, len),
        }
    }

    /// [`Self::classify_prefix`] for the empty word, words of more than 8
    /// bytes, and words with fewer than 8 bytes of input at their start.
    #[inline(never)]
    fn classify_other(rest: &[u8], len: usize) -> Option<Tok> {
        let word = rest.get(..len)?;
        match len {
            0 => None,
            1..=8 => {
                let mut first8 = [0u8; 8];
                first8.get_mut(..len)?.copy_from_slice(word);
                find_short(short_key(first8, len))
            }
            9..=16 => {
                // The 16 bytes at once where the input has them (the key
                // masks off what follows the word), else the word alone.
                let bytes = match rest.first_chunk::<16>() {
                    Some(&chunk) => chunk,
                    None => {
                        let mut bytes = [0u8; 16];
                        bytes.get_mut(..len)?.copy_from_slice(word);
                        bytes
                    }
                };
                let (low, high) = bytes.split_at(8);
                let low = short_key(low.try_into().ok()?, 8);
                let high = short_key(high.try_into().ok()?, len - 8);
                find_long(low, high)
            }
            _ => LONG_SPELLINGS
                .iter()
                .find(|(spelling, _)| spelling.eq_ignore_ascii_case(word))
                .map(|&(_, tok)| tok),
        }
    }

    /// The first protocol version with this token. Where the grammar allows
    /// a name in the same place, a token of a later version than the
    /// message's is read as that name (lesson OTP-7138).
    pub(super) fn since_version(self) -> u8 {
        use Tok::*;
        match self {
            Ieps | Direction | SpaRequestId | IntsigDelay | Iteration | Nx64k | EmergencyOff => 2,
            AndLgc
            | OrLgc
            | ContextAttr
            | ContextList
            | EmergencyValue
            | OnewayBoth
            | OnewayExternal
            | NeverNotify
            | ImmediateNotify
            | RegulatedNotify
            | ResetEventsDescriptor
            | Segment
            | End
            | ServiceChangeInc => 3,
            _ => 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_and_short_forms_in_any_case() {
        assert_eq!(Tok::classify(b"TRANSACTION"), Some(Tok::Transaction));
        assert_eq!(Tok::classify(b"t"), Some(Tok::Transaction));
        assert_eq!(Tok::classify(b"ADD"), Some(Tok::Add));
        assert_eq!(
            Tok::classify(b"TransactionResponseAck"),
            Some(Tok::ResponseAck)
        );
        assert_eq!(Tok::classify(b"SpaDi"), Some(Tok::Direction));
        assert_eq!(Tok::classify(b"nbnn"), Some(Tok::NeverNotify));
        assert_eq!(Tok::classify(b"gain"), None);
        assert_eq!(Tok::classify(b""), None);
        assert_eq!(Tok::classify(b"TransactionResponseAckX"), None);
    }

    #[test]
    fn every_spelling_is_unique_and_found() {
        for &(spelling, tok) in SPELLINGS.iter().chain(LONG_SPELLINGS) {
            assert_eq!(Tok::classify(&spelling.to_ascii_uppercase()), Some(tok));
        }
    }

    #[test]
    fn spellings_followed_by_more_input_are_found() {
        // A word inside a message: the key is made from the bytes loaded
        // at once, with what follows the word masked off.
        for &(spelling, tok) in SPELLINGS.iter().chain(LONG_SPELLINGS) {
            for tail in [&b"{"[..], b"=1{C=-{MF=a/b}}", b" T=1 0123456789abcdef"] {
                let mut input = spelling.to_ascii_uppercase();
                input.extend_from_slice(tail);
                assert_eq!(Tok::classify_prefix(&input, spelling.len()), Some(tok));
                // One letter more or less is another word.
                if spelling.len() > 1 {
                    let shorter = Tok::classify_prefix(&input, spelling.len() - 1);
                    assert_ne!(shorter, Some(tok), "{spelling:?}");
                }
            }
        }
        assert_eq!(Tok::classify_prefix(b"MFx=1{C=-{MF=a/b}}", 3), None);
        assert_eq!(Tok::classify_prefix(b"addX=1{C=-{}}", 4), None);
    }

    #[test]
    fn later_version_tokens_are_marked() {
        assert_eq!(Tok::ContextAttr.since_version(), 3);
        assert_eq!(Tok::Direction.since_version(), 2);
        assert_eq!(Tok::Media.since_version(), 1);
    }
}
