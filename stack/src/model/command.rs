//! Actions, context properties, commands and command replies (H.248.1
//! clauses 6.1, 7.2 and 8; Annex A `ActionRequest` .. `ServiceChangeResParm`).

use serde::{Deserialize, Serialize};

use super::audit::IndAudPropertyParm;
use super::descriptor::*;
use super::message::{ErrorDescriptor, TimeNotation};
use super::parameter::{PropertyParm, Value};
use super::termination::{ContextId, StreamId, TerminationId};
use super::{MId, SmallList, Text};

/// `Context = id { ... }` in a request: context properties, context audit
/// and commands, all on one context (clause 8.1.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionRequest {
    pub context_id: ContextId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_request: Option<ContextRequest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_attr_audit: Option<ContextAttrAuditRequest>,
    pub commands: Vec<CommandRequest>,
}

/// `Context = id { ... }` in a reply: an optional error, context properties
/// and the command replies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionReply {
    pub context_id: ContextId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDescriptor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_reply: Option<ContextRequest>,
    pub commands: Vec<CommandReply>,
}

/// Context properties (clause 6.1.1, Annex A `ContextRequest`): priority,
/// emergency, topology, IEPS (v2+), context attributes and context list (v3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContextRequest {
    /// `Priority = n`; 0 (lowest) to 15 in the binary encoding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u16>,
    /// `Emergency` (true) or `EmergencyOff` (false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emergency: Option<bool>,
    /// `Topology { from, to, direction[, Stream = n] ... }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topology: Option<Vec<TopologyRequest>>,
    /// `IEPSCall = ON|OFF` (v2+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ieps: Option<bool>,
    /// `ContextAttr { prop, ... }` (v3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_props: Option<Vec<PropertyParm>>,
    /// `ContextAttr { ContextList = { id, ... } }` (v3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_list: Option<Vec<ContextId>>,
}

impl ContextRequest {
    /// True when no property is set (nothing to encode).
    pub fn is_empty(&self) -> bool {
        *self == ContextRequest::default()
    }
}

/// `ContextAudit { ... }` (clause 7.2.5 and the v3 context attribute audit).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContextAttrAuditRequest {
    /// Audit the topology (`Topology`).
    #[serde(default)]
    pub topology: bool,
    /// Audit the emergency flag (`Emergency`).
    #[serde(default)]
    pub emergency: bool,
    /// Audit the priority (`Priority`).
    #[serde(default)]
    pub priority: bool,
    /// Audit the IEPS indicator (`IEPSCall`, v2+).
    #[serde(default)]
    pub ieps: bool,
    /// v3: context attributes to audit, by name (`pkg/item`) or, in
    /// `ContextAttr { ... }`, with a value as a selection condition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_prop_aud: Option<Vec<IndAudPropertyParm>>,
    /// v3 selection: `Priority = n`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select_priority: Option<u16>,
    /// v3 selection: `EmergencyValue = Emergency|EmergencyOff`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select_emergency: Option<bool>,
    /// v3 selection: `IEPSCall = ON|OFF`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select_ieps: Option<bool>,
    /// v3 selection logic; AND when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select_logic: Option<SelectLogic>,
}

/// v3 audit selection logic (`ANDLgc` / `ORLgc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SelectLogic {
    And,
    Or,
}

/// One triple of a Topology descriptor (clause 7.1.18).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopologyRequest {
    pub from: TerminationId,
    pub to: TerminationId,
    pub direction: TopologyDirection,
    /// v2+: the stream the triple applies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_id: Option<StreamId>,
}

/// Topology direction; `OnewayExternal` and `OnewayBoth` are the v3
/// `topologyDirectionExtension`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TopologyDirection {
    Bothway,
    Isolate,
    Oneway,
    OnewayExternal,
    OnewayBoth,
}

/// A command of an action, with the `O-` (optional) and `W-` (wildcarded
/// response) flags of clause 8.1.1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandRequest {
    pub command: Command,
    /// `O-`: failure of this command does not stop the transaction.
    #[serde(default)]
    pub optional: bool,
    /// `W-`: a single wildcarded reply is wanted (v2+).
    #[serde(default)]
    pub wildcard_return: bool,
}

impl CommandRequest {
    pub fn new(command: Command) -> Self {
        CommandRequest {
            command,
            optional: false,
            wildcard_return: false,
        }
    }
}

/// The eight commands of clause 7.2.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    Add(AmmRequest),
    Move(AmmRequest),
    Modify(AmmRequest),
    Subtract(SubtractRequest),
    AuditCapabilities(AuditRequest),
    AuditValue(AuditRequest),
    Notify(NotifyRequest),
    /// Boxed: its parameters are several times the size of any other
    /// command, and ServiceChange is rare next to Add / Modify / Subtract.
    ServiceChange(Box<ServiceChangeRequest>),
}

/// Add, Move and Modify: termination IDs and descriptors (clauses 7.2.1-7.2.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AmmRequest {
    /// One ID, or (v3) a list `[t1, t2]`.
    pub termination_ids: SmallList<TerminationId>,
    pub descriptors: Vec<AmmDescriptor>,
}

/// The descriptors an Add, Move or Modify may carry, in message order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AmmDescriptor {
    Media(MediaDescriptor),
    Modem(ModemDescriptor),
    Mux(MuxDescriptor),
    Events(EventsDescriptor),
    EventBuffer(EventBufferDescriptor),
    Signals(SignalsDescriptor),
    DigitMap(DigitMapDescriptor),
    Audit(AuditDescriptor),
    Statistics(StatisticsDescriptor),
}

/// Subtract (clause 7.2.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubtractRequest {
    pub termination_ids: SmallList<TerminationId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit: Option<AuditDescriptor>,
}

/// AuditValue and AuditCapabilities (clauses 7.2.5, 7.2.6). The binary
/// encoding puts the first ID in `terminationID` and, when there are several
/// (v3), all of them in `terminationIDList`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRequest {
    pub termination_ids: SmallList<TerminationId>,
    pub audit: AuditDescriptor,
}

/// Notify (clause 7.2.7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyRequest {
    pub termination_ids: SmallList<TerminationId>,
    pub observed_events: ObservedEventsDescriptor,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDescriptor>,
}

/// ServiceChange (clause 7.2.8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceChangeRequest {
    pub termination_ids: SmallList<TerminationId>,
    pub parms: ServiceChangeParm,
}

/// The `Services { ... }` descriptor of a ServiceChange request (clause 7.2.8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceChangeParm {
    pub method: ServiceChangeMethod,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<ServiceChangeAddress>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<ServiceChangeProfile>,
    /// `Reason = "901 Cold Boot"`: a reason code optionally followed by a
    /// space and text (kept as one value, without quotes).
    pub reason: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mgc_id: Option<MId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<TimeNotation>,
    /// Binary only: `nonStandardData`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub non_standard: Option<NonStandardData>,
    /// v3: `serviceChangeInfo`, the audit items of the text `auditItem`s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<AuditDescriptor>,
    /// v3: `ServiceChangeInc`.
    #[serde(default)]
    pub incomplete: bool,
    /// Text only: `X-name = value` extension parameters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extensions: Vec<PropertyParm>,
}

impl ServiceChangeParm {
    /// A parameter set with only the two mandatory fields.
    pub fn new(method: ServiceChangeMethod, reason: impl Into<Value>) -> Self {
        ServiceChangeParm {
            method,
            address: None,
            version: None,
            profile: None,
            reason: reason.into(),
            delay: None,
            mgc_id: None,
            timestamp: None,
            non_standard: None,
            info: None,
            incomplete: false,
            extensions: Vec::new(),
        }
    }
}

/// ServiceChange methods (clause 7.2.8.1.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceChangeMethod {
    Failover,
    Forced,
    Graceful,
    Restart,
    Disconnected,
    HandOff,
    /// Text only: an `X-...` / `X+...` extension method.
    Extension(Text),
}

/// `ServiceChangeAddress = ...`: a port alone or a full address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceChangeAddress {
    Port(u16),
    Address(MId),
}

/// `Profile = name/version` (clause 7.2.8.1.6). The binary encoding joins the
/// two as one `profileName` string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceChangeProfile {
    pub name: Text,
    pub version: u8,
}

/// The `Services { ... }` descriptor of a ServiceChange reply.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceChangeResParm {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mgc_id: Option<MId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<ServiceChangeAddress>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<ServiceChangeProfile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<TimeNotation>,
}

/// The replies to the commands of clause 7.2.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommandReply {
    Add(AmmsReply),
    Move(AmmsReply),
    Modify(AmmsReply),
    Subtract(AmmsReply),
    AuditCapabilities(AuditReply),
    AuditValue(AuditReply),
    Notify(NotifyReply),
    ServiceChange(ServiceChangeReply),
}

/// Reply to Add, Move, Modify or Subtract: the terminations and, when
/// descriptors were audited or statistics are reported, their values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AmmsReply {
    pub termination_ids: SmallList<TerminationId>,
    /// Empty when the reply carries no descriptors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audit: TerminationAudit,
}

/// Reply to AuditValue or AuditCapabilities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditReply {
    /// `AuditValue = Context { t1, t2 }`: the terminations of a context.
    ContextAuditResult(Vec<TerminationId>),
    /// `AuditValue = Context { Error = ... }`.
    Error(ErrorDescriptor),
    /// `AuditValue = t1 { ... }` (or, v3, a list `[t1, t2] { ... }`).
    Result {
        termination_ids: SmallList<TerminationId>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        audit: TerminationAudit,
    },
}

/// Reply to Notify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyReply {
    pub termination_ids: SmallList<TerminationId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDescriptor>,
}

/// Reply to ServiceChange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceChangeReply {
    pub termination_ids: SmallList<TerminationId>,
    pub result: ServiceChangeResult,
}

/// A ServiceChange reply is an error or the accepted parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceChangeResult {
    Error(ErrorDescriptor),
    /// An empty parameter set is written as no descriptor at all.
    Parms(ServiceChangeResParm),
}
