//! Individual audit items (H.248.1 v2+ clause 7.1.15 and 7.2.5; Annex A
//! `IndAuditParameter` .. `IndAudPackagesDescriptor`; Annex B `indAud*`).

use serde::{Deserialize, Serialize};

use super::descriptor::{ServiceState, StreamMode};
use super::parameter::{Name, PkgdName, PropertyParm};
use super::termination::{RequestId, StreamId};

/// One item of an Audit descriptor's individual audit list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndAuditParameter {
    Media(IndAudMediaDescriptor),
    Events(IndAudEventsDescriptor),
    EventBuffer(IndAudEventBufferDescriptor),
    Signals(IndAudSignalsDescriptor),
    DigitMap(IndAudDigitMapDescriptor),
    Statistics(IndAudStatisticsDescriptor),
    Packages(IndAudPackagesDescriptor),
}

/// `Media { ... }` inside an Audit descriptor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndAudMediaDescriptor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination_state: Option<IndAudTerminationStateDescriptor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub streams: Option<IndAudStreams>,
}

/// Audited stream items, for the single stream or per stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndAudStreams {
    One(IndAudStreamParms),
    Multi(Vec<IndAudStreamDescriptor>),
}

/// `Stream = id { ... }` inside an audited Media descriptor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndAudStreamDescriptor {
    pub stream_id: StreamId,
    pub parms: IndAudStreamParms,
}

/// The audited items of a stream.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndAudStreamParms {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_control: Option<IndAudLocalControlDescriptor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local: Option<IndAudLocalRemoteDescriptor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<IndAudLocalRemoteDescriptor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistics: Option<IndAudStatisticsDescriptor>,
}

/// `LocalControl { Mode, ReservedValue, pkg/prop, ... }` in an audit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndAudLocalControlDescriptor {
    /// `Mode` is audited.
    #[serde(default)]
    pub stream_mode: bool,
    /// `ReservedValue` is audited.
    #[serde(default)]
    pub reserve_value: bool,
    /// `ReservedGroup` is audited.
    #[serde(default)]
    pub reserve_group: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub property_parms: Vec<IndAudPropertyParm>,
    /// v3 selection: `Mode = SendReceive`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_mode_sel: Option<StreamMode>,
}

/// An audited property: its name, and (v3) a value as selection condition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndAudPropertyParm {
    pub name: PkgdName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parm: Option<PropertyParm>,
}

/// `Local { ... }` / `Remote { ... }` in an audit. In the text encoding the
/// SDP lines of the descriptor are the property names and values (each line
/// `x=value` is a property `x` with value `value`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndAudLocalRemoteDescriptor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prop_group_id: Option<u16>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<IndAudPropertyParm>,
}

/// `TerminationState { ... }` in an audit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndAudTerminationStateDescriptor {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub property_parms: Vec<IndAudPropertyParm>,
    /// `Buffer` is audited.
    #[serde(default)]
    pub event_buffer_control: bool,
    /// `ServiceStates` is audited.
    #[serde(default)]
    pub service_state: bool,
    /// v3 selection: `ServiceStates = InService`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_state_sel: Option<ServiceState>,
}

/// `Events [= id] { pkg/event }` in an audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndAudEventsDescriptor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<RequestId>,
    pub name: PkgdName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_id: Option<StreamId>,
}

/// `EventBuffer { pkg/event [{ Stream = n }] }` in an audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndAudEventBufferDescriptor {
    pub name: PkgdName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_id: Option<StreamId>,
}

/// `Signals { ... }` in an audit: one signal or a signal list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndAudSignalsDescriptor {
    Signal(IndAudSignal),
    SeqSigList {
        id: u16,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signal: Option<IndAudSignal>,
    },
}

/// An audited signal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndAudSignal {
    pub name: PkgdName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_id: Option<StreamId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<RequestId>,
}

/// `DigitMap = name` in an audit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndAudDigitMapDescriptor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Name>,
}

/// `Statistics { pkg/stat }` in an audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndAudStatisticsDescriptor {
    pub name: PkgdName,
}

/// `Packages { name-version }` in an audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndAudPackagesDescriptor {
    pub name: Name,
    pub version: u16,
}
