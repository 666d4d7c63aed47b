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

/// Longest token (`TransactionResponseAck`).
const MAX_TOKEN_LEN: usize = 22;

impl Tok {
    /// Classifies `word` (an ASCII letter/digit run) as a token, ignoring
    /// case; `None` for any other word.
    pub(super) fn classify(word: &[u8]) -> Option<Tok> {
        if word.is_empty() || word.len() > MAX_TOKEN_LEN {
            return None;
        }
        let mut buf = [0u8; MAX_TOKEN_LEN];
        let lower = buf.get_mut(..word.len())?;
        for (dst, src) in lower.iter_mut().zip(word) {
            *dst = src.to_ascii_lowercase();
        }
        match word.len() {
            1..=3 => Self::classify_short(lower),
            _ => Self::classify_long(lower),
        }
    }

    fn classify_short(lower: &[u8]) -> Option<Tok> {
        use Tok::*;
        Some(match lower {
            b"a" | b"add" => Add,
            b"at" => Audit,
            b"ac" => AuditCap,
            b"av" => AuditValue,
            b"au" => Authentication,
            b"b" => Both,
            b"bw" => Bothway,
            b"br" => Brief,
            b"bf" => Buffer,
            b"c" => Context,
            b"ca" => ContextAudit,
            b"ct" => ContextAttr,
            b"clt" => ContextList,
            b"dm" => DigitMap,
            b"dc" => Disconnected,
            b"dl" => Delay,
            b"dr" => Duration,
            b"em" => Embed,
            b"eg" => Emergency,
            b"ego" => EmergencyOff,
            b"egv" => EmergencyValue,
            b"er" => Error,
            b"eb" => EventBuffer,
            b"e" => Events,
            b"ex" => External,
            b"fl" => Failover,
            b"fo" => Forced,
            b"gr" => Graceful,
            b"ho" => HandOff,
            b"ia" => ImmAckRequired,
            b"in" => Inactive,
            b"it" => Internal,
            b"is" => Isolate,
            b"iv" => InService,
            b"ibe" => IntByEvent,
            b"ibs" => IntBySigDescr,
            b"ir" => Iteration,
            b"ka" => KeepActive,
            b"l" => Local,
            b"o" => LocalControl,
            b"sp" => LockStep,
            b"lb" => Loopback,
            b"m" => Media,
            b"sm" => Segment,
            b"mt" => Method,
            b"mg" => MgcId,
            b"mo" => Mode,
            b"mf" => Modify,
            b"md" => Modem,
            b"mv" => Move,
            b"mtp" => Mtp,
            b"mux" | b"mx" => Mux,
            b"n" => Notify,
            b"nc" => NotifyCompletion,
            b"n64" => Nx64k,
            b"oe" => ObservedEvents,
            b"ow" => Oneway,
            b"owb" => OnewayBoth,
            b"owe" => OnewayExternal,
            b"oo" => OnOff,
            b"or" => OtherReason,
            b"os" => OutOfService,
            b"pg" => Packages,
            b"pn" => Pending,
            b"pr" => Priority,
            b"pf" => Profile,
            b"re" => Reason,
            b"rc" => ReceiveOnly,
            b"p" => Reply,
            b"rse" => ResetEventsDescriptor,
            b"rs" => Restart,
            b"r" => Remote,
            b"rg" => ReservedGroup,
            b"rv" => ReservedValue,
            b"end" => End,
            b"so" => SendOnly,
            b"sr" => SendReceive,
            b"sv" => Services,
            b"si" => ServiceStates,
            b"sic" => ServiceChangeInc,
            b"sc" => ServiceChange,
            b"ad" => ServiceChangeAddress,
            b"sl" => SignalList,
            b"sg" => Signals,
            b"sy" => SignalType,
            b"sa" => Statistics,
            b"st" => Stream,
            b"s" => Subtract,
            b"sn" => SynchIsdn,
            b"ts" => TerminationState,
            b"te" => Test,
            b"to" => TimeOut,
            b"tp" => Topology,
            b"t" => Transaction,
            b"k" => ResponseAck,
            b"v18" => V18,
            b"v22" => V22,
            b"v32" => V32,
            b"v34" => V34,
            b"v76" => V76,
            b"v90" => V90,
            b"v91" => V91,
            b"v" => Version,
            _ => return None,
        })
    }

    fn classify_long(lower: &[u8]) -> Option<Tok> {
        use Tok::*;
        Some(match lower {
            b"andlgc" => AndLgc,
            b"audit" => Audit,
            b"auditcapability" => AuditCap,
            b"auditvalue" => AuditValue,
            b"authentication" => Authentication,
            b"both" => Both,
            b"bothway" => Bothway,
            b"brief" => Brief,
            b"buffer" => Buffer,
            b"context" => Context,
            b"contextaudit" => ContextAudit,
            b"contextattr" => ContextAttr,
            b"contextlist" => ContextList,
            b"digitmap" => DigitMap,
            b"spadirection" => Direction,
            b"spadi" => Direction,
            b"disconnected" => Disconnected,
            b"delay" => Delay,
            b"duration" => Duration,
            b"embed" => Embed,
            b"emergency" => Emergency,
            // megaco's text encoders write `EmergencyOffToken`.
            b"emergencyoff" | b"emergencyofftoken" => EmergencyOff,
            b"emergencyvalue" => EmergencyValue,
            b"error" => Error,
            b"eventbuffer" => EventBuffer,
            b"events" => Events,
            b"external" => External,
            b"failover" => Failover,
            b"forced" => Forced,
            b"graceful" => Graceful,
            b"h221" => H221,
            b"h223" => H223,
            b"h226" => H226,
            b"handoff" => HandOff,
            b"iepscall" | b"ieps" => Ieps,
            b"immackrequired" => ImmAckRequired,
            b"inactive" => Inactive,
            b"internal" => Internal,
            b"intersignal" | b"spais" => IntsigDelay,
            b"isolate" => Isolate,
            b"inservice" => InService,
            b"intbyevent" => IntByEvent,
            b"intbysigdescr" => IntBySigDescr,
            b"iteration" => Iteration,
            b"keepactive" => KeepActive,
            b"local" => Local,
            b"localcontrol" => LocalControl,
            b"lockstep" => LockStep,
            b"loopback" => Loopback,
            b"media" => Media,
            b"megaco" => Megaco,
            b"segment" => Segment,
            b"method" => Method,
            b"mgcidtotry" => MgcId,
            b"mode" => Mode,
            b"modify" => Modify,
            b"modem" => Modem,
            b"move" => Move,
            b"nevernotify" | b"nbnn" => NeverNotify,
            b"notify" => Notify,
            b"notifycompletion" => NotifyCompletion,
            b"immediatenotify" | b"nbin" => ImmediateNotify,
            b"regulatednotify" | b"nbrn" => RegulatedNotify,
            b"nx64kservice" => Nx64k,
            b"observedevents" => ObservedEvents,
            b"oneway" => Oneway,
            b"onewayboth" => OnewayBoth,
            b"onewayexternal" => OnewayExternal,
            b"onoff" => OnOff,
            b"orlgc" => OrLgc,
            b"otherreason" => OtherReason,
            b"outofservice" => OutOfService,
            b"packages" => Packages,
            b"pending" => Pending,
            b"priority" => Priority,
            b"profile" => Profile,
            b"reason" => Reason,
            b"receiveonly" => ReceiveOnly,
            b"reply" => Reply,
            b"reseteventsdescriptor" => ResetEventsDescriptor,
            b"restart" => Restart,
            b"remote" => Remote,
            b"sparequestid" | b"sparq" => SpaRequestId,
            b"reservedgroup" => ReservedGroup,
            b"reservedvalue" => ReservedValue,
            b"sendonly" => SendOnly,
            b"sendreceive" => SendReceive,
            b"services" => Services,
            b"servicestates" => ServiceStates,
            b"servicechangeinc" => ServiceChangeInc,
            b"servicechange" => ServiceChange,
            b"servicechangeaddress" => ServiceChangeAddress,
            b"signallist" => SignalList,
            b"signals" => Signals,
            b"signaltype" => SignalType,
            b"statistics" => Statistics,
            b"stream" => Stream,
            b"subtract" => Subtract,
            b"synchisdn" => SynchIsdn,
            b"terminationstate" => TerminationState,
            b"test" => Test,
            b"timeout" => TimeOut,
            b"topology" => Topology,
            b"transaction" => Transaction,
            b"transactionresponseack" => ResponseAck,
            b"v22b" => V22b,
            b"v32b" => V32b,
            b"version" => Version,
            _ => return None,
        })
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
    fn later_version_tokens_are_marked() {
        assert_eq!(Tok::ContextAttr.since_version(), 3);
        assert_eq!(Tok::Direction.since_version(), 2);
        assert_eq!(Tok::Media.since_version(), 1);
    }
}
