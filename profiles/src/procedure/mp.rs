//! The Mp procedures (MRFC → MRFP and back), TS 23.333 clause 8 and §6.1,
//! profiled by TS 29.333 (whose body could not be read: every stage-3
//! mapping here follows H.248.1 and the packages the Mp profile lists).
//!
//! Send Tone and Detect DTMF on a new termination (the "Bearer Termination
//! Request" form of 23.333 §8.2 / §8.11) are [`SendToneOnNewTermination`]
//! and [`DetectDtmfOnNewTermination`]: the Reserve IMS Resources Add with
//! the tone / `dd/ce` and the heartbeat.
//!
//! Not built here, and why (each needs the named document; none of the
//! stored copies read holds it, see `profiles/README.md` "Known gaps"):
//! - Start / Stop TTS, TTS Completed (23.333 §8: IEs SSML M, Iterations O,
//!   Direction O, Notify TTS Completed O, DTMF stop TTS O, heartbeat C):
//!   the signal that carries SSML and its parameter names are defined by
//!   H.248.9 (`aasb` play signal, clause 8.3.1) and its TTS extension
//!   `aastts` (IANA 0x00a8); neither text was readable, and 29.333 §5.14.3 /
//!   §5.17.2, which say which one Mp uses, were read as titles only.
//! - Start / Stop Audio Record, Audio Record Complete: the `aasrec` record
//!   signal (H.248.9 clause 10) and its parameters: same documents.
//! - ASR Request / Completed / Stop: `asr` (IANA 0x00a6, H.248.9) items:
//!   same documents.
//! - Start / Stop Playing Multimedia, Multimedia Record: `mpp` (0x00a9) and
//!   `mrp` (0x00b3), H.248.9 (12/2009) multimedia clauses: same documents.
//! - Configure BFCP Termination, Configure Conference, Designate Floor
//!   Chair, Floor Request Decision (R8): the floor-control package items
//!   (H.248.19 `fcp` and relatives) and the 29.333 §5.17.2 mapping of the
//!   BFCP IEs; playing / recording messages, quota, filtering (R8): the
//!   H.248.69 MSRP packages (0x00ea–0x00f1): neither read.
//! - Conferencing: no procedure of its own; a conference is a context
//!   joined by Reserve / Configure (23.333 §6.2.10).
//! - The heartbeat interval: see [`super::iq`].
//!
//! Stop Tone and Stop Announcement are the same H.248 request (an empty
//! Signals descriptor stops every signal, H.248.1 clause 7.1.11); the
//! reader of either accepts it.

use h248_stack::model::{
    ActionReply, ActionRequest, AmmDescriptor, Command, ParmValue, PropertyParm, SignalRequest,
    Text,
};

use super::{
    code, observed, one_signal, param, read_notify, read_signals_modify, service_change_procedure,
    signals_modify, Accepted, Amm, ConnectionPointIes, ConnectionPointReply, CpRules, EventsIes,
    HeartbeatIes, IeError, Link, Need, NotifyAck, Procedure, Reader, ReleaseIes, ReleaseReply,
    SignalIes, Target, OUT_OF_SERVICE, RESTORATION,
};
use crate::profile::Sender;

/// 23.333 §6.1.13: the MRFC requests periodic heartbeats on every new IP
/// termination, so the reserve procedures require the heartbeat event.
const RESERVE: CpRules = CpRules {
    command: Amm::Add,
    reserve: true,
    local_address_request: Need::Mandatory,
    remote: Need::Absent,
    heartbeat: Need::Mandatory,
    ip: false,
    emergency: false,
};

const RESERVE_AND_CONFIGURE: CpRules = CpRules {
    remote: Need::Mandatory,
    ..RESERVE
};

const CONFIGURE: CpRules = CpRules {
    command: Amm::Modify,
    reserve: false,
    local_address_request: Need::Optional,
    remote: Need::Mandatory,
    heartbeat: Need::Optional,
    ip: false,
    emergency: false,
};

/// Reserve IMS Resources (23.333 §8.21): Add of a new termination with
/// Local SDP whose address and port are `$`, for a participant that gave
/// no SDP yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReserveImsResources(pub ConnectionPointIes);

/// Configure IMS Resources (23.333 §8.22): Modify with Remote IMS Resources
/// and Remote Connection Address (M), Local optional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigureImsResources(pub ConnectionPointIes);

/// Reserve and Configure IMS Resources (23.333 §8.20): Add with Local
/// Connection Address Request (M), Remote IMS Resources and Remote
/// Connection Address (M); one stream per media component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReserveAndConfigureImsResources(pub ConnectionPointIes);

connection_point!(
    Link::Mp,
    ReserveImsResources,
    "Reserve IMS Resources",
    "23.333 §8.21",
    RESERVE,
    true
);
connection_point!(
    Link::Mp,
    ConfigureImsResources,
    "Configure IMS Resources",
    "23.333 §8.22",
    CONFIGURE,
    false
);
connection_point!(
    Link::Mp,
    ReserveAndConfigureImsResources,
    "Reserve and Configure IMS Resources",
    "23.333 §8.20",
    RESERVE_AND_CONFIGURE,
    true
);

/// Release IMS Termination (23.333 §8, as 29.163): Subtract of one
/// termination. unconfirmed: whether Mp allows wildcarded releases (its
/// §5.10 was not read); this reader refuses them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseImsTermination(pub ReleaseIes);

impl Procedure for ReleaseImsTermination {
    const NAME: &'static str = "Release IMS Termination";
    const CLAUSE: &'static str = "23.333 §8";
    const LINK: Link = Link::Mp;
    const INITIATOR: Sender = Sender::Mgc;
    type Reply = ReleaseReply;

    fn request(&self) -> ActionRequest {
        self.0.build()
    }
    fn read_request(action: &ActionRequest) -> Result<Self, IeError> {
        ReleaseIes::read(Reader(Self::NAME), action, false).map(ReleaseImsTermination)
    }
    fn reply(reply: &Self::Reply) -> ActionReply {
        reply.build()
    }
    fn read_reply(action: &ActionReply) -> Result<Self::Reply, IeError> {
        ReleaseReply::read(Reader(Self::NAME), action)
    }
}

// ---- Tones ---------------------------------------------------------------------------------

/// The tone packages of the Mp profile (29.333 §5.14.3 (7)–(9); `conftn`
/// and their base `tonegen` as the profile data lists them).
const TONE_PACKAGES: [&str; 6] = ["cg", "tonegen", "srvtn", "xcg", "threegxcg", "conftn"];

/// The signals of `cg` (H.248.1 E.7) and of `tonegen` (E.3), which it
/// extends.
const CG_SIGNALS: [&str; 10] = ["dt", "rt", "bt", "ct", "sit", "wt", "prt", "cw", "cr", "pt"];

/// "Tone": a tone signal of one of the Mp tone packages (`cg/rt`...). The
/// signals of `cg` are checked by name; the other packages' items are not
/// known (the profile data accepts any of their names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToneId(Text);

impl ToneId {
    /// `None` when `name` is not `package/signal` of an Mp tone package (or
    /// not a `cg` signal).
    pub fn new(name: &str) -> Option<Self> {
        let (package, item) = name.split_once('/')?;
        let package = package.to_ascii_lowercase();
        if !TONE_PACKAGES.contains(&package.as_str()) || item.is_empty() || item.contains('/') {
            return None;
        }
        if package == "cg" && !CG_SIGNALS.iter().any(|s| s.eq_ignore_ascii_case(item)) {
            return None;
        }
        Some(ToneId(Text::from(name)))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks that the events requested with a signal can report what the
/// signal asks: NotifyCompletion needs `g/sc`.
fn check_completion(
    r: Reader,
    ie: &'static str,
    signal: &SignalIes,
    events: &Option<EventsIes>,
) -> Result<(), IeError> {
    if signal.notify_completion && !events.as_ref().is_some_and(|e| e.signal_completion) {
        return Err(r.missing(ie, "NotifyCompletion without the g/sc event requested"));
    }
    if let Some(e) = events {
        if e.released_bearer || e.dtmf.is_some() {
            return Err(r.bad(
                "Events",
                "only g/sc, DTMF stop digits and the heartbeat go with a signal",
            ));
        }
    }
    Ok(())
}

/// Send Tone (23.333 §8.2): Modify with the tone signal (Tone M; Tone
/// Direction O = SPADirection; Tone Timing O = Duration; Notify Tone
/// Completion O = NotifyCompletion with `g/sc` requested; DTMF trigger O =
/// the requested `dd` digit events; Notify termination heartbeat C =
/// `hangterm/thb` requested again, since the Events descriptor replaces the
/// termination's events).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendTone {
    pub target: Target,
    pub tone: ToneId,
    pub signal: SignalIes,
    pub events: Option<EventsIes>,
}

impl Procedure for SendTone {
    const NAME: &'static str = "Send Tone";
    const CLAUSE: &'static str = "23.333 §8.2";
    const LINK: Link = Link::Mp;
    const INITIATOR: Sender = Sender::Mgc;
    type Reply = Accepted;

    fn request(&self) -> ActionRequest {
        signals_modify(
            &self.target,
            Some(vec![self.signal.signal(self.tone.as_str(), Vec::new())]),
            self.events.as_ref().map(EventsIes::descriptor),
        )
    }
    fn read_request(action: &ActionRequest) -> Result<Self, IeError> {
        let r = Reader(Self::NAME);
        let m = read_signals_modify(r, action)?;
        let s = one_signal(r, "Tone", m.signals)?;
        let tone = ToneId::new(&s.name).ok_or_else(|| {
            r.bad(
                "Tone",
                format!("{} is not a tone of the Mp profile", s.name),
            )
        })?;
        if !s.params.is_empty() {
            return Err(r.bad("Tone", "tone parameters are not IEs of the procedure"));
        }
        let signal = SignalIes::read(s);
        let events = m.events.flatten();
        check_completion(r, "Notify Tone Completion", &signal, &events)?;
        Ok(SendTone {
            target: m.target,
            tone,
            signal,
            events,
        })
    }
    fn reply(reply: &Self::Reply) -> ActionReply {
        reply.build()
    }
    fn read_reply(action: &ActionReply) -> Result<Self::Reply, IeError> {
        Accepted::read(Reader(Self::NAME), action)
    }
}

/// Reads a stop request: a Modify with an empty Signals descriptor.
fn read_stop(r: Reader, ie: &'static str, action: &ActionRequest) -> Result<Target, IeError> {
    let m = read_signals_modify(r, action)?;
    match m.signals {
        Some([]) => {}
        None => return Err(r.missing(ie, "no Signals descriptor")),
        Some(_) => return Err(r.bad(ie, "a stop carries an empty Signals descriptor")),
    }
    if m.events.is_some() {
        return Err(r.bad("Events", "not an IE of the procedure"));
    }
    Ok(m.target)
}

macro_rules! stop_procedure {
    ($(#[$doc:meta])* $ty:ident, $name:literal, $clause:literal, $ie:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $ty(pub Target);

        impl Procedure for $ty {
            const NAME: &'static str = $name;
            const CLAUSE: &'static str = $clause;
            const LINK: Link = Link::Mp;
            const INITIATOR: Sender = Sender::Mgc;
            type Reply = Accepted;

            fn request(&self) -> ActionRequest {
                signals_modify(&self.0, Some(Vec::new()), None)
            }
            fn read_request(action: &ActionRequest) -> Result<Self, IeError> {
                read_stop(Reader(Self::NAME), $ie, action).map($ty)
            }
            fn reply(reply: &Self::Reply) -> ActionReply {
                reply.build()
            }
            fn read_reply(action: &ActionReply) -> Result<Self::Reply, IeError> {
                Accepted::read(Reader(Self::NAME), action)
            }
        }
    };
}

stop_procedure!(
    /// Stop Tone (23.333 §8.3): Modify with an empty Signals descriptor.
    StopTone,
    "Stop Tone",
    "23.333 §8.3",
    "Stop Tone"
);
stop_procedure!(
    /// Stop Announcement (23.333 §8): Modify with an empty Signals
    /// descriptor.
    StopAnnouncement,
    "Stop Announcement",
    "23.333 §8",
    "Stop Announcement"
);

/// How a signal ended: the `Meth` parameter of `g/sc` (H.248.1 E.1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completion {
    /// `TO`: the signal timed out or ran to its end.
    TimeOut,
    /// `EV`: interrupted by an event (e.g. a DTMF trigger).
    Event,
    /// `SD`: halted by a new Signals descriptor.
    NewSignals,
    /// `NC`: not completed, other cause.
    Other,
    /// `PI`: an iteration ended (v2+).
    Iteration,
}

const COMPLETIONS: [(Completion, &str); 5] = [
    (Completion::TimeOut, "TO"),
    (Completion::Event, "EV"),
    (Completion::NewSignals, "SD"),
    (Completion::Other, "NC"),
    (Completion::Iteration, "PI"),
];

impl Completion {
    pub fn token(self) -> &'static str {
        COMPLETIONS
            .iter()
            .find(|(c, _)| *c == self)
            .map_or("NC", |(_, t)| t)
    }
    fn from_token(t: &str) -> Option<Self> {
        COMPLETIONS
            .iter()
            .find(|(_, x)| x.eq_ignore_ascii_case(t))
            .map(|(c, _)| *c)
    }
}

/// Reads `g/sc` of a completion Notify: the target, the request ID, the
/// signal ID and the method.
fn read_completion(
    r: Reader,
    ie: &'static str,
    action: &ActionRequest,
) -> Result<(Target, u32, Text, Completion), IeError> {
    let (context, termination, request_id, event) = read_notify(r, action, ie, "g/sc")?;
    let single = |name: &str| -> Result<&str, IeError> {
        match param(&event.params, name) {
            None => Err(r.missing(ie, format!("g/sc without {name}"))),
            Some(v) => v
                .as_single()
                .ok_or_else(|| r.bad(ie, format!("{name} takes one value"))),
        }
    };
    let signal = Text::from(single("SigID")?);
    let method_token = single("Meth")?;
    let method = Completion::from_token(method_token)
        .ok_or_else(|| r.bad(ie, format!("Meth = {method_token}")))?;
    Ok((
        Target {
            context,
            termination,
        },
        request_id,
        signal,
        method,
    ))
}

fn completion_notify(
    target: &Target,
    request_id: u32,
    signal: &str,
    method: Completion,
) -> ActionRequest {
    super::notify(
        target.context,
        &target.termination,
        request_id,
        observed(
            "g/sc",
            vec![
                PropertyParm::equal("SigID", signal),
                PropertyParm::equal("Meth", method.token()),
            ],
        ),
    )
}

/// Tone Completed (23.333 §8; MRFP → MRFC): Notify of `g/sc` with the tone
/// as SigID and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToneCompleted {
    pub target: Target,
    pub request_id: u32,
    pub tone: ToneId,
    pub method: Completion,
}

impl Procedure for ToneCompleted {
    const NAME: &'static str = "Tone Completed";
    const CLAUSE: &'static str = "23.333 §8";
    const LINK: Link = Link::Mp;
    const INITIATOR: Sender = Sender::Mg;
    type Reply = NotifyAck;

    fn request(&self) -> ActionRequest {
        completion_notify(
            &self.target,
            self.request_id,
            self.tone.as_str(),
            self.method,
        )
    }
    fn read_request(action: &ActionRequest) -> Result<Self, IeError> {
        let r = Reader(Self::NAME);
        let (target, request_id, signal, method) = read_completion(r, "Tone Completed", action)?;
        let tone = ToneId::new(&signal)
            .ok_or_else(|| r.bad("Tone", format!("SigID {signal} is not a tone")))?;
        Ok(ToneCompleted {
            target,
            request_id,
            tone,
            method,
        })
    }
    fn reply(reply: &Self::Reply) -> ActionReply {
        reply.build()
    }
    fn read_reply(action: &ActionReply) -> Result<Self::Reply, IeError> {
        NotifyAck::read(Reader(Self::NAME), action)
    }
}

// ---- Announcements -------------------------------------------------------------------------

/// The announcement signal: H.248.7 `an/apf` (fixed announcement play).
///
/// unconfirmed: which announcement package 29.333 uses. `an` (H.248.7) is
/// chosen over H.248.9 `aasb` because its signal and parameter names and
/// binary IDs are known (`an` 0x0001 announcement name, `noc` 0x0002 number
/// of cycles), so the request is complete in both encodings; `aasb`'s items
/// are not known.
const ANNOUNCEMENT: &str = "an/apf";

/// Start Announcement (23.333 §8, §6.2.2): Modify with `an/apf` (the
/// announcement ID M as `an`, the iterations O as `noc`), the direction O
/// (SPADirection), Notify Announcement Completion O (NotifyCompletion with
/// `g/sc` requested), DTMF stop O and the heartbeat C as for Send Tone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartAnnouncement {
    pub target: Target,
    pub announcement: u32,
    /// Number of plays (`noc`); the package default when absent.
    pub iterations: Option<u32>,
    pub signal: SignalIes,
    pub events: Option<EventsIes>,
}

impl Procedure for StartAnnouncement {
    const NAME: &'static str = "Start Announcement";
    const CLAUSE: &'static str = "23.333 §8 (§6.2.2)";
    const LINK: Link = Link::Mp;
    const INITIATOR: Sender = Sender::Mgc;
    type Reply = Accepted;

    fn request(&self) -> ActionRequest {
        let mut params = vec![PropertyParm::equal("an", self.announcement.to_string())];
        if let Some(n) = self.iterations {
            params.push(PropertyParm::equal("noc", n.to_string()));
        }
        signals_modify(
            &self.target,
            Some(vec![self.signal.signal(ANNOUNCEMENT, params)]),
            self.events.as_ref().map(EventsIes::descriptor),
        )
    }
    fn read_request(action: &ActionRequest) -> Result<Self, IeError> {
        let r = Reader(Self::NAME);
        let m = read_signals_modify(r, action)?;
        let s = one_signal(r, "Announcement", m.signals)?;
        if !s.name.eq_ignore_ascii_case(ANNOUNCEMENT) {
            return Err(r.bad("Announcement", format!("{} is not {ANNOUNCEMENT}", s.name)));
        }
        let number = |name: &str, ie: &'static str| -> Result<Option<u32>, IeError> {
            match param(&s.params, name) {
                None => Ok(None),
                Some(ParmValue::Equal(v)) => v
                    .parse()
                    .map(Some)
                    .map_err(|_| r.bad(ie, format!("{name} = {v}: not a number"))),
                Some(_) => Err(r.bad(ie, format!("{name} takes one value"))),
            }
        };
        let announcement = number("an", "Announcement")?
            .ok_or_else(|| r.missing("Announcement", "an/apf without the announcement (an)"))?;
        let iterations = number("noc", "Iterations")?;
        if let Some(p) = s
            .params
            .iter()
            .find(|p| !["an", "noc"].iter().any(|n| p.name.eq_ignore_ascii_case(n)))
        {
            return Err(r.bad("Announcement", format!("parameter {} is not an IE", p.name)));
        }
        let signal = SignalIes::read(s);
        let events = m.events.flatten();
        check_completion(r, "Notify Announcement Completion", &signal, &events)?;
        Ok(StartAnnouncement {
            target: m.target,
            announcement,
            iterations,
            signal,
            events,
        })
    }
    fn reply(reply: &Self::Reply) -> ActionReply {
        reply.build()
    }
    fn read_reply(action: &ActionReply) -> Result<Self::Reply, IeError> {
        Accepted::read(Reader(Self::NAME), action)
    }
}

/// Announcement Completed (23.333 §8; MRFP → MRFC): Notify of `g/sc` with
/// SigID `an/apf`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnouncementCompleted {
    pub target: Target,
    pub request_id: u32,
    pub method: Completion,
}

impl Procedure for AnnouncementCompleted {
    const NAME: &'static str = "Announcement Completed";
    const CLAUSE: &'static str = "23.333 §8";
    const LINK: Link = Link::Mp;
    const INITIATOR: Sender = Sender::Mg;
    type Reply = NotifyAck;

    fn request(&self) -> ActionRequest {
        completion_notify(&self.target, self.request_id, ANNOUNCEMENT, self.method)
    }
    fn read_request(action: &ActionRequest) -> Result<Self, IeError> {
        let r = Reader(Self::NAME);
        let (target, request_id, signal, method) =
            read_completion(r, "Announcement Completed", action)?;
        if !signal.eq_ignore_ascii_case(ANNOUNCEMENT) {
            return Err(r.bad(
                "Announcement",
                format!("SigID {signal} is not {ANNOUNCEMENT}"),
            ));
        }
        Ok(AnnouncementCompleted {
            target,
            request_id,
            method,
        })
    }
    fn reply(reply: &Self::Reply) -> ActionReply {
        reply.build()
    }
    fn read_reply(action: &ActionReply) -> Result<Self::Reply, IeError> {
        NotifyAck::read(Reader(Self::NAME), action)
    }
}

// ---- DTMF ----------------------------------------------------------------------------------

/// Detect DTMF (23.333 §8.11): Modify with the Events descriptor requesting
/// `dd/ce` with a digit map (Start_DTMF_Detection M) and, optionally, the
/// heartbeat again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetectDtmf {
    pub target: Target,
    /// Must carry [`EventsIes::dtmf`].
    pub events: EventsIes,
}

impl Procedure for DetectDtmf {
    const NAME: &'static str = "Detect DTMF";
    const CLAUSE: &'static str = "23.333 §8.11";
    const LINK: Link = Link::Mp;
    const INITIATOR: Sender = Sender::Mgc;
    type Reply = Accepted;

    fn request(&self) -> ActionRequest {
        signals_modify(&self.target, None, Some(self.events.descriptor()))
    }
    fn read_request(action: &ActionRequest) -> Result<Self, IeError> {
        let r = Reader(Self::NAME);
        let m = read_signals_modify(r, action)?;
        if m.signals.is_some() {
            return Err(r.bad("Signals", "not an IE of the procedure"));
        }
        let events = m
            .events
            .flatten()
            .filter(|e| e.dtmf.is_some())
            .ok_or_else(|| r.missing("Start_DTMF_Detection", "dd/ce is not requested"))?;
        if events.released_bearer || events.signal_completion || !events.stop_digits.is_empty() {
            return Err(r.bad(
                "Events",
                "only dd/ce and the heartbeat are IEs of the procedure",
            ));
        }
        Ok(DetectDtmf {
            target: m.target,
            events,
        })
    }
    fn reply(reply: &Self::Reply) -> ActionReply {
        reply.build()
    }
    fn read_reply(action: &ActionReply) -> Result<Self::Reply, IeError> {
        Accepted::read(Reader(Self::NAME), action)
    }
}

/// How the digit map matched: the `Meth` parameter of `dd/ce` (H.248.1
/// E.6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigitMapMatch {
    /// `UM` unambiguous match.
    Unambiguous,
    /// `PM` partial match (a timer expired).
    Partial,
    /// `FM` full match (a longer match was possible).
    Full,
}

impl DigitMapMatch {
    pub fn token(self) -> &'static str {
        match self {
            DigitMapMatch::Unambiguous => "UM",
            DigitMapMatch::Partial => "PM",
            DigitMapMatch::Full => "FM",
        }
    }
    fn from_token(t: &str) -> Option<Self> {
        [
            DigitMapMatch::Unambiguous,
            DigitMapMatch::Partial,
            DigitMapMatch::Full,
        ]
        .into_iter()
        .find(|m| m.token().eq_ignore_ascii_case(t))
    }
}

/// Report DTMF (23.333 §8; MRFP → MRFC): Notify of `dd/ce` with the digit
/// string (`ds`, digit-map symbols 0–9 and A–F, E being `*` and F `#`) and
/// the match method (`Meth`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportDtmf {
    pub target: Target,
    pub request_id: u32,
    pub digits: Text,
    pub method: DigitMapMatch,
}

fn valid_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Procedure for ReportDtmf {
    const NAME: &'static str = "Report DTMF";
    const CLAUSE: &'static str = "23.333 §8";
    const LINK: Link = Link::Mp;
    const INITIATOR: Sender = Sender::Mg;
    type Reply = NotifyAck;

    fn request(&self) -> ActionRequest {
        super::notify(
            self.target.context,
            &self.target.termination,
            self.request_id,
            observed(
                "dd/ce",
                vec![
                    PropertyParm::equal("ds", self.digits.clone()),
                    PropertyParm::equal("Meth", self.method.token()),
                ],
            ),
        )
    }
    fn read_request(action: &ActionRequest) -> Result<Self, IeError> {
        let r = Reader(Self::NAME);
        let (context, termination, request_id, event) =
            read_notify(r, action, "Reported digits", "dd/ce")?;
        let single = |name: &str| -> Result<&str, IeError> {
            match param(&event.params, name) {
                None => Err(r.missing("Reported digits", format!("dd/ce without {name}"))),
                Some(v) => v
                    .as_single()
                    .ok_or_else(|| r.bad("Reported digits", format!("{name} takes one value"))),
            }
        };
        let digits = single("ds")?;
        if !valid_digits(digits) {
            return Err(r.bad(
                "Reported digits",
                format!("{digits:?} is not a digit string"),
            ));
        }
        let method_token = single("Meth")?;
        let method = DigitMapMatch::from_token(method_token)
            .ok_or_else(|| r.bad("Reported digits", format!("Meth = {method_token}")))?;
        Ok(ReportDtmf {
            target: Target {
                context,
                termination,
            },
            request_id,
            digits: Text::from(digits),
            method,
        })
    }
    fn reply(reply: &Self::Reply) -> ActionReply {
        reply.build()
    }
    fn read_reply(action: &ActionReply) -> Result<Self::Reply, IeError> {
        NotifyAck::read(Reader(Self::NAME), action)
    }
}

/// Stop DTMF Detection (23.333 §8.12): Modify with an Events descriptor
/// without `dd/ce`: the events kept (e.g. the heartbeat) under a new
/// request ID, or `Events` alone, which clears every event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StopDtmfDetection {
    pub target: Target,
    /// `None`: clear every event.
    pub kept: Option<EventsIes>,
}

impl Procedure for StopDtmfDetection {
    const NAME: &'static str = "Stop DTMF Detection";
    const CLAUSE: &'static str = "23.333 §8.12";
    const LINK: Link = Link::Mp;
    const INITIATOR: Sender = Sender::Mgc;
    type Reply = Accepted;

    fn request(&self) -> ActionRequest {
        let events = match &self.kept {
            Some(e) => e.descriptor(),
            None => Default::default(),
        };
        signals_modify(&self.target, None, Some(events))
    }
    fn read_request(action: &ActionRequest) -> Result<Self, IeError> {
        let r = Reader(Self::NAME);
        let m = read_signals_modify(r, action)?;
        if m.signals.is_some() {
            return Err(r.bad("Signals", "not an IE of the procedure"));
        }
        let Some(kept) = m.events else {
            return Err(r.missing("Stop DTMF detection", "no Events descriptor"));
        };
        if kept.as_ref().is_some_and(|e| e.dtmf.is_some()) {
            return Err(r.err(
                "Stop DTMF detection",
                code::BAD_VALUE,
                "dd/ce is still requested",
            ));
        }
        Ok(StopDtmfDetection {
            target: m.target,
            kept,
        })
    }
    fn reply(reply: &Self::Reply) -> ActionReply {
        reply.build()
    }
    fn read_reply(action: &ActionReply) -> Result<Self::Reply, IeError> {
        Accepted::read(Reader(Self::NAME), action)
    }
}

// ---- Tone / DTMF combined with a new termination (23.333 §8.2, §8.11) ----------------------

/// Reserve IMS Resources read without its Events descriptor: the combined
/// procedures below read the Events themselves (they hold the tone's or the
/// DTMF detection's events besides the heartbeat).
const RESERVE_WITHOUT_EVENTS: CpRules = CpRules {
    heartbeat: Need::Optional,
    ..RESERVE
};

/// Reads an Add that reserves a new termination as Reserve IMS Resources
/// (23.333 §8.21) does and also carries the Events and Signals of a tone or
/// DTMF procedure. Returns the reserve IEs, whose `events` are the whole
/// Events descriptor with the heartbeat checked (Notify termination
/// heartbeat is C in §8.2 and §8.11: "shall be included when requesting a
/// new bearer termination"), and the Signals descriptor, if any.
fn read_reserve_with(
    r: Reader,
    action: &ActionRequest,
) -> Result<(ConnectionPointIes, Option<&[SignalRequest]>), IeError> {
    let add = Amm::Add.of(r, r.command(action)?)?;
    let mut signals = None;
    let mut events = None;
    for d in &add.descriptors {
        match d {
            AmmDescriptor::Signals(s) => signals = Some(s.as_slice()),
            AmmDescriptor::Events(e) => events = Some(e),
            _ => {}
        }
    }
    let mut rest = action.clone();
    if let Some(Command::Add(a)) = rest.commands.first_mut().map(|c| &mut c.command) {
        a.descriptors
            .retain(|d| !matches!(d, AmmDescriptor::Signals(_) | AmmDescriptor::Events(_)));
    }
    let mut reserve = ConnectionPointIes::read(r, &rest, RESERVE_WITHOUT_EVENTS)?;
    reserve.events = match events {
        Some(e) => EventsIes::read(r, e)?,
        None => None,
    };
    if !reserve.events.as_ref().is_some_and(|e| e.heartbeat) {
        return Err(r.missing(
            "Notify termination heartbeat",
            "a new bearer termination is requested without hangterm/thb",
        ));
    }
    if reserve.events.as_ref().is_some_and(|e| e.released_bearer) {
        return Err(r.bad("Events", "g/cause is not an IE of the procedure"));
    }
    Ok((reserve, signals))
}

/// The request of a combined procedure: the Reserve IMS Resources Add with
/// the procedure's Signals descriptor, if any, after its Media and Events.
fn reserve_with(
    reserve: &ConnectionPointIes,
    signals: Option<Vec<SignalRequest>>,
) -> ActionRequest {
    let mut action = reserve.build(RESERVE);
    if let Some(s) = signals {
        if let Some(Command::Add(a)) = action.commands.first_mut().map(|c| &mut c.command) {
            a.descriptors.push(AmmDescriptor::Signals(s));
        }
    }
    action
}

/// Send Tone combined with the Add of a new termination (23.333 §8.2:
/// "Bearer Termination / Bearer Termination Request M", "Notify termination
/// heartbeat C, included when requesting a new bearer termination"): one Add
/// of `…/$` carrying the Reserve IMS Resources IEs (§8.21: Context / Context
/// Request, the Local IMS Resources with the Local Connection Address
/// Request), the tone signal with the Send Tone IEs, and one Events
/// descriptor with the heartbeat (M here) and the tone's `g/sc` / DTMF
/// trigger events. The reply is Reserve IMS Resources' (the allocated
/// address and port).
///
/// unconfirmed: 29.333's stage-3 table for the combination was not read;
/// the command is the H.248.1 one that both procedures use (an Add may
/// carry Media, Events and Signals, clause 7.2.1), with the Local
/// descriptor Reserve IMS Resources requires for a new IP termination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendToneOnNewTermination {
    /// Its `events` hold the heartbeat and the tone's events.
    pub reserve: ConnectionPointIes,
    pub tone: ToneId,
    pub signal: SignalIes,
}

impl Procedure for SendToneOnNewTermination {
    const NAME: &'static str = "Send Tone (with Bearer Termination Request)";
    const CLAUSE: &'static str = "23.333 §8.2";
    const LINK: Link = Link::Mp;
    const INITIATOR: Sender = Sender::Mgc;
    type Reply = ConnectionPointReply;

    fn request(&self) -> ActionRequest {
        reserve_with(
            &self.reserve,
            Some(vec![self.signal.signal(self.tone.as_str(), Vec::new())]),
        )
    }
    fn read_request(action: &ActionRequest) -> Result<Self, IeError> {
        let r = Reader(Self::NAME);
        let (reserve, signals) = read_reserve_with(r, action)?;
        let s = one_signal(r, "Tone", signals)?;
        let tone = ToneId::new(&s.name).ok_or_else(|| {
            r.bad(
                "Tone",
                format!("{} is not a tone of the Mp profile", s.name),
            )
        })?;
        if !s.params.is_empty() {
            return Err(r.bad("Tone", "tone parameters are not IEs of the procedure"));
        }
        let signal = SignalIes::read(s);
        if reserve.events.as_ref().is_some_and(|e| e.dtmf.is_some()) {
            return Err(r.bad("Events", "dd/ce is not an IE of the procedure"));
        }
        if signal.notify_completion && !reserve.events.as_ref().is_some_and(|e| e.signal_completion)
        {
            return Err(r.missing(
                "Notify Tone Completion",
                "NotifyCompletion without the g/sc event requested",
            ));
        }
        Ok(SendToneOnNewTermination {
            reserve,
            tone,
            signal,
        })
    }
    fn reply(reply: &Self::Reply) -> ActionReply {
        reply.build(Amm::Add)
    }
    fn read_reply(action: &ActionReply) -> Result<Self::Reply, IeError> {
        ConnectionPointReply::read(Reader(Self::NAME), action, Amm::Add, true)
    }
}

/// Detect DTMF combined with the Add of a new termination (23.333 §8.11:
/// "Bearer Termination / Bearer Termination Request M", Start_DTMF_Detection
/// M, the heartbeat C, included for a new termination): one Add of `…/$`
/// with the Reserve IMS Resources IEs and one Events descriptor requesting
/// `dd/ce` with its digit map and `hangterm/thb`. The reply is Reserve IMS
/// Resources'.
///
/// unconfirmed: as for [`SendToneOnNewTermination`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetectDtmfOnNewTermination {
    /// Its `events` hold the heartbeat and `dd/ce` ([`EventsIes::dtmf`]).
    pub reserve: ConnectionPointIes,
}

impl Procedure for DetectDtmfOnNewTermination {
    const NAME: &'static str = "Detect DTMF (with Bearer Termination Request)";
    const CLAUSE: &'static str = "23.333 §8.11";
    const LINK: Link = Link::Mp;
    const INITIATOR: Sender = Sender::Mgc;
    type Reply = ConnectionPointReply;

    fn request(&self) -> ActionRequest {
        reserve_with(&self.reserve, None)
    }
    fn read_request(action: &ActionRequest) -> Result<Self, IeError> {
        let r = Reader(Self::NAME);
        let (reserve, signals) = read_reserve_with(r, action)?;
        if signals.is_some() {
            return Err(r.bad("Signals", "not an IE of the procedure"));
        }
        let Some(events) = reserve.events.as_ref().filter(|e| e.dtmf.is_some()) else {
            return Err(r.missing("Start_DTMF_Detection", "dd/ce is not requested"));
        };
        if events.signal_completion || !events.stop_digits.is_empty() {
            return Err(r.bad(
                "Events",
                "only dd/ce and the heartbeat are IEs of the procedure",
            ));
        }
        Ok(DetectDtmfOnNewTermination { reserve })
    }
    fn reply(reply: &Self::Reply) -> ActionReply {
        reply.build(Amm::Add)
    }
    fn read_reply(action: &ActionReply) -> Result<Self::Reply, IeError> {
        ConnectionPointReply::read(Reader(Self::NAME), action, Amm::Add, true)
    }
}

// ---- Heartbeat, ServiceChange --------------------------------------------------------------

/// Termination heartbeat indication (23.333 §6.1.13; MRFP → MRFC): Notify
/// of `hangterm/thb`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminationHeartbeat(pub HeartbeatIes);

impl Procedure for TerminationHeartbeat {
    const NAME: &'static str = "Termination heartbeat indication";
    const CLAUSE: &'static str = "23.333 §6.1.13";
    const LINK: Link = Link::Mp;
    const INITIATOR: Sender = Sender::Mg;
    type Reply = NotifyAck;

    fn request(&self) -> ActionRequest {
        self.0.build()
    }
    fn read_request(action: &ActionRequest) -> Result<Self, IeError> {
        HeartbeatIes::read(Reader(Self::NAME), action).map(TerminationHeartbeat)
    }
    fn reply(reply: &Self::Reply) -> ActionReply {
        reply.build()
    }
    fn read_reply(action: &ActionReply) -> Result<Self::Reply, IeError> {
        NotifyAck::read(Reader(Self::NAME), action)
    }
}

service_change_procedure!(
    /// MRFP Out-of-Service (23.333 §6.1): ServiceChange on ROOT, Forced or
    /// Graceful, Reason M, Method M.
    MrfpOutOfService,
    "MRFP Out-of-Service",
    "23.333 §6.1",
    Link::Mp,
    OUT_OF_SERVICE
);

service_change_procedure!(
    /// MRFP Restoration / Communication Up (23.333 §6.1): ServiceChange on
    /// ROOT, Restart, Reason M, Method M.
    MrfpRestoration,
    "MRFP Restoration",
    "23.333 §6.1",
    Link::Mp,
    RESTORATION
);
