//! The descriptors of H.248.1 clause 7.1 (Annex A `MediaDescriptor` ..
//! `StatisticsParameter`; Annex B `mediaDescriptor` .. `statisticsDescriptor`).

use serde::{Deserialize, Serialize};

use super::audit::IndAuditParameter;
use super::message::{ErrorDescriptor, TimeNotation};
use super::parameter::{EventParameter, Name, PkgdName, PropertyParm, SigParameter, Value};
use super::termination::{RequestId, StreamId, TerminationId};
use super::{SmallList, Text};
use crate::sdp::SessionDescription;

/// Media descriptor (clause 7.1.2): termination state and either the
/// parameters of the single stream or a list of streams.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaDescriptor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination_state: Option<TerminationStateDescriptor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub streams: Option<Streams>,
}

/// Stream parameters given directly (one stream, ID 1 implied) or per stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Streams {
    One(StreamParms),
    Multi(Vec<StreamDescriptor>),
}

/// `Stream = id { ... }` (clause 7.1.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamDescriptor {
    pub stream_id: StreamId,
    pub parms: StreamParms,
}

/// What a stream carries: LocalControl, Local, Remote and (v3) Statistics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamParms {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_control: Option<LocalControlDescriptor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local: Option<LocalRemoteDescriptor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<LocalRemoteDescriptor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistics: Option<StatisticsDescriptor>,
}

/// LocalControl descriptor (clause 7.1.7).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalControlDescriptor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_mode: Option<StreamMode>,
    /// `ReservedValue = ON|OFF`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserve_value: Option<bool>,
    /// `ReservedGroup = ON|OFF`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserve_group: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub property_parms: Vec<PropertyParm>,
}

/// Stream mode (clause 7.1.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamMode {
    SendOnly,
    RecvOnly,
    SendRecv,
    Inactive,
    Loopback,
}

/// Local or Remote descriptor (clause 7.1.8): one or more alternative
/// session descriptions (property groups), SDP in the text encoding and
/// Annex C property groups in the binary one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalRemoteDescriptor {
    pub groups: SmallList<SessionDescription>,
}

/// TerminationState descriptor (clause 7.1.5).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TerminationStateDescriptor {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub property_parms: Vec<PropertyParm>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_buffer_control: Option<EventBufferControl>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_state: Option<ServiceState>,
}

/// `Buffer = OFF|LockStep`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventBufferControl {
    Off,
    LockStep,
}

/// `ServiceStates = Test|OutOfService|InService`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceState {
    Test,
    OutOfService,
    InService,
}

/// Mux descriptor (clause 7.1.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MuxDescriptor {
    pub mux_type: MuxType,
    pub termination_ids: SmallList<TerminationId>,
    /// Binary only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub non_standard: Option<NonStandardData>,
}

/// Multiplex types of clause 7.1.3.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MuxType {
    H221,
    H223,
    H226,
    V76,
    /// `Nx64Kservice` (v2+).
    Nx64k,
    /// Text only: `X-...` extension.
    Extension(Text),
}

/// Modem descriptor (clause 7.1.2 of version 1; deprecated since v2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModemDescriptor {
    pub modem_types: Vec<ModemType>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub property_parms: Vec<PropertyParm>,
    /// Binary only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub non_standard: Option<NonStandardData>,
}

/// Modem types.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModemType {
    V18,
    V22,
    V22bis,
    V32,
    V32bis,
    V34,
    V90,
    V91,
    SynchIsdn,
    /// Text only: `X-...` extension.
    Extension(Text),
}

/// Events descriptor (clause 7.1.9). `Events` without a request ID and an
/// empty list clears the events of a termination.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventsDescriptor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<RequestId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<RequestedEvent>,
}

/// One requested event: name, stream, actions and other parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestedEvent {
    pub name: PkgdName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_id: Option<StreamId>,
    #[serde(default, skip_serializing_if = "RequestedActions::is_empty")]
    pub actions: RequestedActions,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<EventParameter>,
}

/// The actions of a requested event (clause 7.1.9): KeepActive, an event
/// digit map, embedded events and signals, notify behaviour (v3) and
/// ResetEventsDescriptor (v3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestedActions {
    #[serde(default)]
    pub keep_active: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_dm: Option<EventDm>,
    /// `Embed { ..., Events = id { ... } }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_event: Option<SecondEventsDescriptor>,
    /// `Embed { Signals { ... } ... }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signals: Option<SignalsDescriptor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_behaviour: Option<NotifyBehaviour>,
    #[serde(default)]
    pub reset_events_descriptor: bool,
}

impl RequestedActions {
    pub fn is_empty(&self) -> bool {
        *self == RequestedActions::default()
    }
}

/// `DigitMap = name` or `DigitMap = { value }` inside an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventDm {
    Name(Name),
    Value(DigitMapValue),
}

/// The embedded Events descriptor of an `Embed`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondEventsDescriptor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<RequestId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<SecondRequestedEvent>,
}

/// An event of an embedded Events descriptor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondRequestedEvent {
    pub name: PkgdName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_id: Option<StreamId>,
    #[serde(default, skip_serializing_if = "SecondRequestedActions::is_empty")]
    pub actions: SecondRequestedActions,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<EventParameter>,
}

/// The actions of an embedded event: no further embedded events.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondRequestedActions {
    #[serde(default)]
    pub keep_active: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_dm: Option<EventDm>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signals: Option<SignalsDescriptor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_behaviour: Option<NotifyBehaviour>,
    #[serde(default)]
    pub reset_events_descriptor: bool,
}

impl SecondRequestedActions {
    pub fn is_empty(&self) -> bool {
        *self == SecondRequestedActions::default()
    }
}

/// v3 notify behaviour of an event (clause 7.1.9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotifyBehaviour {
    /// `ImmediateNotify` (the default).
    Immediate,
    /// `RegulatedNotify [{ Embed { ... } }]`.
    Regulated(RegulatedEmbeddedDescriptor),
    /// `NeverNotify`.
    Never,
}

/// The embedded descriptors of a regulated notify.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegulatedEmbeddedDescriptor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_event: Option<SecondEventsDescriptor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signals: Option<SignalsDescriptor>,
}

/// EventBuffer descriptor (clause 7.1.10).
pub type EventBufferDescriptor = Vec<EventSpec>;

/// An event of an EventBuffer descriptor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventSpec {
    pub name: PkgdName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_id: Option<StreamId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<EventParameter>,
}

/// Signals descriptor (clause 7.1.11); empty stops all signals.
pub type SignalsDescriptor = Vec<SignalRequest>;

/// A signal, or a sequential signal list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalRequest {
    Signal(Signal),
    /// `SignalList = id { sig, sig, ... }`.
    SeqSigList(SeqSigList),
}

/// A sequential signal list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeqSigList {
    pub id: u16,
    pub signals: Vec<Signal>,
}

/// A signal with its parameters (clause 7.1.11).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signal {
    pub name: PkgdName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_id: Option<StreamId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal_type: Option<SignalType>,
    /// `Duration = n`, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<u16>,
    /// `NotifyCompletion = { ... }`, in message order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_completion: Option<Vec<NotifyCompletion>>,
    #[serde(default)]
    pub keep_active: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<SigParameter>,
    /// v2+: `SPADirection = ...`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<SignalDirection>,
    /// v2+: `SPARequestID = n`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<RequestId>,
    /// v2+: `Intersignal = n`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intersignal_delay: Option<u16>,
}

impl Signal {
    /// A signal with only its name.
    pub fn named(name: impl Into<PkgdName>) -> Self {
        Signal {
            name: name.into(),
            stream_id: None,
            signal_type: None,
            duration: None,
            notify_completion: None,
            keep_active: false,
            params: Vec::new(),
            direction: None,
            request_id: None,
            intersignal_delay: None,
        }
    }
}

/// `SignalType = Brief|OnOff|TimeOut`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalType {
    Brief,
    OnOff,
    TimeOut,
}

/// `SPADirection = Internal|External|Both`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalDirection {
    Internal,
    External,
    Both,
}

/// Reasons for which a signal completion is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotifyCompletion {
    /// `TimeOut`
    OnTimeOut,
    /// `IntByEvent`
    OnInterruptByEvent,
    /// `IntBySigDescr`
    OnInterruptByNewSignalDescr,
    /// `OtherReason`
    OtherReason,
    /// `Iteration` (v2+)
    OnIteration,
}

/// ObservedEvents descriptor (clause 7.1.17).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedEventsDescriptor {
    pub request_id: RequestId,
    pub events: Vec<ObservedEvent>,
}

/// One observed event, with an optional time stamp.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedEvent {
    pub name: PkgdName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_id: Option<StreamId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<EventParameter>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<TimeNotation>,
}

/// DigitMap descriptor (clause 7.1.14): a name, a value, or both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigitMapDescriptor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Name>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<DigitMapValue>,
}

/// A digit map with its timers (clause 7.1.14).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigitMapValue {
    /// `T:` start timer, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_timer: Option<u8>,
    /// `S:` short timer, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_timer: Option<u8>,
    /// `L:` long timer, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long_timer: Option<u8>,
    /// `Z:` duration timer (v2+), hundreds of milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_timer: Option<u8>,
    /// The digit map itself, e.g. `(0s|00s|[1-7]xlxx|8lxxxxxxx)`, as written:
    /// white space inside it is kept (as other implementations keep it),
    /// comments and the white space around it are not.
    pub body: Text,
}

/// Audit descriptor (clause 7.1.15): what to audit, as tokens (in message
/// order) and, v2+, individual audit items.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditDescriptor {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tokens: Vec<AuditToken>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub property_tokens: Vec<IndAuditParameter>,
}

/// The descriptor tokens of an Audit descriptor (Annex A `auditToken` bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditToken {
    Mux,
    Modem,
    Media,
    Events,
    Signals,
    DigitMap,
    Statistics,
    ObservedEvents,
    Packages,
    EventBuffer,
}

/// The descriptors of an audit result, in message order.
pub type TerminationAudit = Vec<AuditReturnParameter>;

/// One item of an audit result (Annex A `AuditReturnParameter`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditReturnParameter {
    Error(ErrorDescriptor),
    Media(MediaDescriptor),
    Modem(ModemDescriptor),
    Mux(MuxDescriptor),
    Events(EventsDescriptor),
    EventBuffer(EventBufferDescriptor),
    Signals(SignalsDescriptor),
    DigitMap(DigitMapDescriptor),
    ObservedEvents(ObservedEventsDescriptor),
    Statistics(StatisticsDescriptor),
    Packages(PackagesDescriptor),
    /// Descriptor names without content (text `auditReturnItem`, such as a
    /// bare `Media` or `Packages`): the descriptor exists but is empty.
    EmptyDescriptors(AuditDescriptor),
}

/// Packages descriptor (clause 7.1.16).
pub type PackagesDescriptor = Vec<PackagesItem>;

/// `name-version` of a Packages descriptor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackagesItem {
    pub name: Name,
    pub version: u16,
}

/// Statistics descriptor (clause 7.1.15).
pub type StatisticsDescriptor = Vec<StatisticsParameter>;

/// One statistic: its name and, in replies, its value(s).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatisticsParameter {
    pub name: PkgdName,
    /// Empty: no value (`pkg/stat`); one: `= v`; several: `= [a, b]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub value: Vec<Value>,
}

/// Binary-only non-standard data (Annex A `NonStandardData`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NonStandardData {
    pub identifier: NonStandardIdentifier,
    pub data: Vec<u8>,
}

/// Who defines non-standard data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NonStandardIdentifier {
    /// An object identifier, as its arcs.
    Object(Vec<u32>),
    H221NonStandard {
        t35_country_code1: u8,
        t35_country_code2: u8,
        t35_extension: u8,
        manufacturer_code: u16,
    },
    /// Eight characters.
    Experimental(Text),
}
