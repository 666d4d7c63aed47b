//! The stage-2 procedures of the Mp (TS 23.333 clause 8) and Iq (TS 23.334
//! clause 8) links as typed builders and readers.
//!
//! Each procedure is a type holding its information elements (IEs) and
//! implementing [`Procedure`]:
//!
//! - [`Procedure::request`] builds the H.248 action of the request (on the
//!   side that starts the procedure: the MGC for Reserve, Send Tone...; the MG
//!   for Notify and ServiceChange procedures, see [`Procedure::INITIATOR`]);
//! - [`Procedure::read_request`] reads an action on the receiving side and
//!   checks the procedure's mandatory IEs, refusing with an [`IeError`] that
//!   names the procedure, the IE and the H.248.8 code to answer with
//!   ([`IeError::error_descriptor`]);
//! - [`Procedure::reply`] / [`Procedure::read_reply`] do the same for the
//!   reply ([`Procedure::Reply`]).
//!
//! The RTCP Codec Control Message IEs (TS 23.334 §6.2.24, and the Mp
//! counterpart) are in [`ccm`], the WebRTC DTLS-SRTP IEs of Iq in
//! [`webrtc`]: both are lines of a stream's Local / Remote SDP added to the
//! connection-point procedures ([`ccm::MediaIes`]).
//!
//! One procedure is one action with one command. Where stage 2 lets a
//! procedure request a new termination ("Bearer Termination / Bearer
//! Termination Request", 23.333 §8.2 Send Tone, §8.11 Detect DTMF) the
//! combination is its own type: one Add carrying the Reserve IMS Resources
//! IEs and the procedure's Signals / Events
//! ([`mp::SendToneOnNewTermination`], [`mp::DetectDtmfOnNewTermination`]).
//!
//! The stage-3 mapping of most IEs (TS 29.333 / 29.334 §5.17) was not
//! readable (`../shared/spec/3gpp-profiles.md` §7); where an IE's H.248
//! construct is this module's choice its documentation says "unconfirmed:"
//! with the reasoning. No binary ID is assumed: items the catalogue knows by
//! text name only cannot be BER-encoded, and the BER encoder names them.

/// The [`Procedure`] implementation of a connection-point procedure
/// (reserve / configure / both) of either link: a newtype over
/// [`ConnectionPointIes`] built and read with its command rules.
macro_rules! connection_point {
    ($link:expr, $ty:ident, $name:literal, $clause:literal, $rules:expr, $address_in_reply:expr) => {
        impl Procedure for $ty {
            const NAME: &'static str = $name;
            const CLAUSE: &'static str = $clause;
            const LINK: Link = $link;
            const INITIATOR: Sender = Sender::Mgc;
            type Reply = ConnectionPointReply;

            fn request(&self) -> ActionRequest {
                self.0.build($rules)
            }
            fn read_request(action: &ActionRequest) -> Result<Self, IeError> {
                ConnectionPointIes::read(Reader(Self::NAME), action, $rules).map($ty)
            }
            fn reply(reply: &Self::Reply) -> ActionReply {
                reply.build($rules.command)
            }
            fn read_reply(action: &ActionReply) -> Result<Self::Reply, IeError> {
                ConnectionPointReply::read(
                    Reader(Self::NAME),
                    action,
                    $rules.command,
                    $address_in_reply,
                )
            }
        }
    };
}

pub mod ccm;
mod ie;
pub mod iq;
pub mod mp;
pub mod webrtc;

pub use ie::*;

use std::fmt;

use h248_stack::model::{
    small_list, ActionReply, ActionRequest, AmmRequest, AmmsReply, Command, CommandReply,
    CommandRequest, ContextId, ErrorDescriptor, NotifyReply, NotifyRequest, ObservedEvent,
    ObservedEventsDescriptor, RequestId, ServiceChangeMethod, ServiceChangeParm,
    ServiceChangeReply, ServiceChangeRequest, ServiceChangeResParm, ServiceChangeResult, SmallList,
    SubtractRequest, TerminationId, Text,
};

use crate::profile::Sender;

/// The link a procedure belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// MRFC – MRFP (TS 23.333 / 29.333).
    Mp,
    /// IMS-ALG – IMS-AGW (TS 23.334 / 29.334).
    Iq,
}

/// The H.248.8 error codes the readers answer with.
pub mod code {
    /// 421 Unknown action or illegal combination of actions: the action does
    /// not hold the one command the procedure uses.
    pub const WRONG_COMMAND: u16 = 421;
    /// 442 Syntax error in command: the command has the wrong shape (e.g.
    /// several termination IDs where the procedure names one).
    pub const BAD_COMMAND: u16 = 442;
    /// 449 Unsupported or unknown parameter or property value.
    pub const BAD_VALUE: u16 = 449;
    /// 440 Unsupported or unknown package: an item of a package the link's
    /// profile does not use.
    pub const NOT_IN_PROFILE: u16 = 440;
    /// 472 Required information missing: a mandatory IE is absent.
    pub const MISSING: u16 = 472;
}

/// Why a request or reply is not a valid instance of a procedure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IeError {
    /// The procedure's name, e.g. `"Reserve AGW Connection Point"`.
    pub procedure: &'static str,
    /// The IE (stage-2 name) or the H.248 element concerned.
    pub ie: &'static str,
    /// The H.248.8 error code the receiver answers with (see [`code`]); for a
    /// reply that carries an Error descriptor, the peer's code.
    pub code: u16,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for IeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {} (error {})",
            self.procedure, self.ie, self.reason, self.code
        )
    }
}

impl std::error::Error for IeError {}

impl IeError {
    /// The Error descriptor to answer with: the code and, as text, the IE
    /// and the reason.
    pub fn error_descriptor(&self) -> ErrorDescriptor {
        ErrorDescriptor {
            code: self.code,
            text: Some(Text::from(format!("{}: {}", self.ie, self.reason))),
        }
    }

    /// The reply action refusing a request on `context` with this error.
    pub fn error_reply(&self, context: ContextId) -> ActionReply {
        ActionReply {
            context_id: context,
            error: Some(self.error_descriptor()),
            context_reply: None,
            commands: Vec::new(),
        }
    }
}

/// A stage-2 procedure: its IEs, the request builder and reader, and its
/// reply type with builder and reader.
pub trait Procedure: Sized {
    /// The stage-2 name.
    const NAME: &'static str;
    /// Where it is defined, e.g. `"23.333 §8.2"`.
    const CLAUSE: &'static str;
    const LINK: Link;
    /// Who sends the request: [`Sender::Mgc`] (MRFC, IMS-ALG) or
    /// [`Sender::Mg`] (MRFP, IMS-AGW); the other side replies.
    const INITIATOR: Sender;
    /// The IEs of the reply.
    type Reply;

    /// The request as one action.
    fn request(&self) -> ActionRequest;
    /// Reads a request, checking the mandatory IEs and their values.
    fn read_request(action: &ActionRequest) -> Result<Self, IeError>;
    /// The reply as one action.
    fn reply(reply: &Self::Reply) -> ActionReply;
    /// Reads a reply; a reply carrying an Error descriptor is an [`IeError`]
    /// with the peer's code.
    fn read_reply(action: &ActionReply) -> Result<Self::Reply, IeError>;
}

/// Error constructors for one procedure's reader.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reader(pub &'static str);

impl Reader {
    pub fn err(self, ie: &'static str, code: u16, reason: impl Into<String>) -> IeError {
        IeError {
            procedure: self.0,
            ie,
            code,
            reason: reason.into(),
        }
    }
    pub fn missing(self, ie: &'static str, reason: impl Into<String>) -> IeError {
        self.err(ie, code::MISSING, reason)
    }
    pub fn bad(self, ie: &'static str, reason: impl Into<String>) -> IeError {
        self.err(ie, code::BAD_VALUE, reason)
    }

    /// The one command of a request action.
    pub fn command(self, action: &ActionRequest) -> Result<&CommandRequest, IeError> {
        match action.commands.as_slice() {
            [one] => Ok(one),
            [] => Err(self.err("command", code::WRONG_COMMAND, "the action has no command")),
            _ => Err(self.err(
                "command",
                code::WRONG_COMMAND,
                format!(
                    "{} commands in one action; the procedure is one",
                    action.commands.len()
                ),
            )),
        }
    }

    /// The one command reply of a reply action, after its Error descriptor.
    pub fn command_reply(self, action: &ActionReply) -> Result<&CommandReply, IeError> {
        if let Some(error) = &action.error {
            return Err(self.refused(error));
        }
        match action.commands.as_slice() {
            [one] => Ok(one),
            _ => Err(self.err(
                "reply",
                code::WRONG_COMMAND,
                format!(
                    "{} command replies; the procedure has one",
                    action.commands.len()
                ),
            )),
        }
    }

    pub fn refused(self, error: &ErrorDescriptor) -> IeError {
        self.err(
            "Error descriptor",
            error.code,
            format!(
                "the peer refused: {}",
                error.text.as_deref().unwrap_or("(no text)")
            ),
        )
    }

    /// The single termination ID of a command.
    pub fn one_termination<'a>(
        self,
        ie: &'static str,
        ids: &'a [TerminationId],
    ) -> Result<&'a TerminationId, IeError> {
        match ids {
            [one] => Ok(one),
            [] => Err(self.missing(ie, "no termination ID")),
            _ => Err(self.err(ie, code::BAD_COMMAND, "several termination IDs")),
        }
    }
}

/// Which AMM command a procedure uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Amm {
    Add,
    Modify,
}

impl Amm {
    pub fn wrap(self, request: AmmRequest) -> Command {
        match self {
            Amm::Add => Command::Add(request),
            Amm::Modify => Command::Modify(request),
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Amm::Add => "Add",
            Amm::Modify => "Modify",
        }
    }
    /// The AMM request of `command` when it is this command.
    pub fn of(self, r: Reader, command: &CommandRequest) -> Result<&AmmRequest, IeError> {
        match (&command.command, self) {
            (Command::Add(a), Amm::Add) | (Command::Modify(a), Amm::Modify) => {
                if command.wildcard_return {
                    return Err(r.err(
                        "command",
                        code::BAD_COMMAND,
                        format!("W-{} is not part of the procedure", self.name()),
                    ));
                }
                Ok(a)
            }
            _ => Err(r.err(
                "command",
                code::WRONG_COMMAND,
                format!("the procedure is a {}", self.name()),
            )),
        }
    }
    pub fn reply(self, reply: AmmsReply) -> CommandReply {
        match self {
            Amm::Add => CommandReply::Add(reply),
            Amm::Modify => CommandReply::Modify(reply),
        }
    }
    pub fn of_reply(self, r: Reader, reply: &CommandReply) -> Result<&AmmsReply, IeError> {
        match (reply, self) {
            (CommandReply::Add(a), Amm::Add) | (CommandReply::Modify(a), Amm::Modify) => Ok(a),
            _ => Err(r.err(
                "reply",
                code::WRONG_COMMAND,
                format!("the reply is not a {} reply", self.name()),
            )),
        }
    }
}

/// A request action of one command.
pub(crate) fn action(
    context: ContextId,
    context_request: Option<h248_stack::model::ContextRequest>,
    command: CommandRequest,
) -> ActionRequest {
    ActionRequest {
        context_id: context,
        context_request,
        context_attr_audit: None,
        commands: vec![command],
    }
}

/// A reply action of one command reply.
pub(crate) fn reply_action(context: ContextId, reply: CommandReply) -> ActionReply {
    ActionReply {
        context_id: context,
        error: None,
        context_reply: None,
        commands: vec![reply],
    }
}

/// The reply of procedures whose reply carries nothing but the context and
/// the termination (Modify-based signal and event procedures): the MG
/// accepted the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub context: u32,
    pub termination: TerminationId,
}

impl Accepted {
    pub(crate) fn build(&self) -> ActionReply {
        reply_action(
            ContextId(self.context),
            CommandReply::Modify(AmmsReply {
                termination_ids: small_list![self.termination.clone()],
                audit: Vec::new(),
            }),
        )
    }
    pub(crate) fn read(r: Reader, action: &ActionReply) -> Result<Self, IeError> {
        let reply = Amm::Modify.of_reply(r, r.command_reply(action)?)?;
        let context = ContextRef::read_existing(r, action.context_id)?;
        let termination = read_existing_termination(
            r,
            "Bearer Termination",
            r.one_termination("Bearer Termination", &reply.termination_ids)?,
        )?;
        Ok(Accepted {
            context,
            termination,
        })
    }
}

// ---- Release (Subtract) ------------------------------------------------------------------

/// The IEs of Release AGW Termination (Iq) and Release IMS Termination (Mp):
/// Context M, Bearer Termination M (23.334 §8, 23.333 §8 as 29.163).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseIes {
    pub context: u32,
    /// One termination, or (Iq) a `*`-wildcarded ID with
    /// [`Self::wildcard_return`].
    pub termination: TerminationId,
    /// `W-Subtract`: one wildcarded reply (Iq Tables 5.10.5 / 5.10.6).
    pub wildcard_return: bool,
    /// `Audit { }`: no statistics in the reply (29.334 §5.8).
    pub no_statistics: bool,
}

impl ReleaseIes {
    pub(crate) fn build(&self) -> ActionRequest {
        let mut command = CommandRequest::new(Command::Subtract(SubtractRequest {
            termination_ids: small_list![self.termination.clone()],
            audit: self.no_statistics.then(Default::default),
        }));
        command.wildcard_return = self.wildcard_return;
        action(ContextId(self.context), None, command)
    }

    pub(crate) fn read(
        r: Reader,
        action: &ActionRequest,
        wildcards: bool,
    ) -> Result<Self, IeError> {
        let command = r.command(action)?;
        let Command::Subtract(subtract) = &command.command else {
            return Err(r.err(
                "command",
                code::WRONG_COMMAND,
                "the procedure is a Subtract",
            ));
        };
        let context = ContextRef::read_existing(r, action.context_id)?;
        let id = r.one_termination("Bearer Termination", &subtract.termination_ids)?;
        if id.has_choose_wildcard() {
            return Err(r.bad("Bearer Termination", "CHOOSE ($) in a release"));
        }
        if id.has_all_wildcard() && !wildcards {
            return Err(r.bad(
                "Bearer Termination",
                "a wildcarded termination is not part of this procedure",
            ));
        }
        if command.wildcard_return && !wildcards {
            return Err(r.err(
                "command",
                code::BAD_COMMAND,
                "W-Subtract is not part of this profile",
            ));
        }
        let no_statistics = match &subtract.audit {
            None => false,
            Some(audit) if audit.tokens.is_empty() && audit.property_tokens.is_empty() => true,
            Some(_) => {
                return Err(r.bad(
                    "Audit",
                    "only an empty Audit (no statistics) is part of the procedure",
                ))
            }
        };
        Ok(ReleaseIes {
            context,
            termination: id.clone(),
            wildcard_return: command.wildcard_return,
            no_statistics,
        })
    }
}

/// The reply to a release: the terminations released and the statistics
/// they reported (none when the request asked for none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseReply {
    pub context: u32,
    pub terminations: SmallList<TerminationId>,
    pub statistics: h248_stack::model::StatisticsDescriptor,
}

impl ReleaseReply {
    pub(crate) fn build(&self) -> ActionReply {
        let audit = if self.statistics.is_empty() {
            Vec::new()
        } else {
            vec![h248_stack::model::AuditReturnParameter::Statistics(
                self.statistics.clone(),
            )]
        };
        reply_action(
            ContextId(self.context),
            CommandReply::Subtract(AmmsReply {
                termination_ids: self.terminations.clone(),
                audit,
            }),
        )
    }

    pub(crate) fn read(r: Reader, action: &ActionReply) -> Result<Self, IeError> {
        let CommandReply::Subtract(reply) = r.command_reply(action)? else {
            return Err(r.err("reply", code::WRONG_COMMAND, "not a Subtract reply"));
        };
        let context = ContextRef::read_existing(r, action.context_id)?;
        if reply.termination_ids.is_empty() {
            return Err(r.missing("Bearer Termination", "no termination in the reply"));
        }
        let mut statistics = Vec::new();
        for item in &reply.audit {
            match item {
                h248_stack::model::AuditReturnParameter::Statistics(s) => {
                    statistics.extend(s.iter().cloned())
                }
                h248_stack::model::AuditReturnParameter::Error(e) => return Err(r.refused(e)),
                _ => return Err(r.bad("reply", "a release reply carries statistics only")),
            }
        }
        Ok(ReleaseReply {
            context,
            terminations: reply.termination_ids.clone(),
            statistics,
        })
    }
}

// ---- Notify --------------------------------------------------------------------------------

/// Builds a Notify of one observed event.
pub(crate) fn notify(
    context: u32,
    termination: &TerminationId,
    request_id: u32,
    event: ObservedEvent,
) -> ActionRequest {
    action(
        ContextId(context),
        None,
        CommandRequest::new(Command::Notify(NotifyRequest {
            termination_ids: small_list![termination.clone()],
            observed_events: ObservedEventsDescriptor {
                request_id: RequestId(request_id),
                events: vec![event],
            },
            error: None,
        })),
    )
}

/// Reads a Notify of one event named `event` (case-insensitive): the
/// context, the termination, the request ID and the event.
pub(crate) fn read_notify<'a>(
    r: Reader,
    action: &'a ActionRequest,
    ie: &'static str,
    event: &str,
) -> Result<(u32, TerminationId, u32, &'a ObservedEvent), IeError> {
    let command = r.command(action)?;
    let Command::Notify(notify) = &command.command else {
        return Err(r.err("command", code::WRONG_COMMAND, "the procedure is a Notify"));
    };
    let context = ContextRef::read_existing(r, action.context_id)?;
    let termination = read_existing_termination(
        r,
        "Bearer Termination",
        r.one_termination("Bearer Termination", &notify.termination_ids)?,
    )?;
    let found = match notify.observed_events.events.as_slice() {
        [one] if one.name.eq_ignore_ascii_case(event) => one,
        [] => return Err(r.missing(ie, format!("no observed event (expected {event})"))),
        [one] => return Err(r.missing(ie, format!("observed {}, expected {event}", one.name))),
        _ => return Err(r.err(ie, code::BAD_COMMAND, "several observed events")),
    };
    Ok((
        context,
        termination,
        notify.observed_events.request_id.0,
        found,
    ))
}

/// The MGC's reply to an MG's Notify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyAck {
    pub context: u32,
    pub termination: TerminationId,
}

impl NotifyAck {
    pub(crate) fn build(&self) -> ActionReply {
        reply_action(
            ContextId(self.context),
            CommandReply::Notify(NotifyReply {
                termination_ids: small_list![self.termination.clone()],
                error: None,
            }),
        )
    }
    pub(crate) fn read(r: Reader, action: &ActionReply) -> Result<Self, IeError> {
        let CommandReply::Notify(reply) = r.command_reply(action)? else {
            return Err(r.err("reply", code::WRONG_COMMAND, "not a Notify reply"));
        };
        if let Some(error) = &reply.error {
            return Err(r.refused(error));
        }
        let context = ContextRef::read_existing(r, action.context_id)?;
        let termination = r
            .one_termination("Bearer Termination", &reply.termination_ids)?
            .clone();
        Ok(NotifyAck {
            context,
            termination,
        })
    }
}

// ---- ServiceChange on ROOT -----------------------------------------------------------------

/// The IEs of the MG's ServiceChange procedures on the Root termination
/// (out of service, restoration): Reason M, Method M (23.333 §6.1, 23.334
/// §6.1, after TS 23.205).
///
/// unconfirmed: which reasons each procedure uses (digest §7 item 6). This
/// module follows H.248.1 clause 7.2.8.1.2: out of service is Forced or
/// Graceful (with an optional ServiceChangeDelay) with reason 904–908;
/// restoration is Restart with 900 (Service Restored), 901 or 902 (cold /
/// warm boot: communication up after a restart).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootServiceChange {
    /// `Forced` or `Graceful` for out of service; `Restart` for restoration.
    pub method: ServiceChangeMethod,
    /// The H.248.8 ServiceChangeReason code.
    pub reason: u16,
    /// `ServiceChangeDelay` in seconds (Graceful only).
    pub delay: Option<u32>,
}

/// What a ServiceChange procedure allows.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ServiceChangeRules {
    pub methods: &'static [&'static str],
    pub reasons: &'static [u16],
}

pub(crate) const OUT_OF_SERVICE: ServiceChangeRules = ServiceChangeRules {
    methods: &["Forced", "Graceful"],
    reasons: &[904, 905, 906, 907, 908],
};

pub(crate) const RESTORATION: ServiceChangeRules = ServiceChangeRules {
    methods: &["Restart"],
    reasons: &[900, 901, 902],
};

fn method_name(method: &ServiceChangeMethod) -> &str {
    match method {
        ServiceChangeMethod::Failover => "Failover",
        ServiceChangeMethod::Forced => "Forced",
        ServiceChangeMethod::Graceful => "Graceful",
        ServiceChangeMethod::Restart => "Restart",
        ServiceChangeMethod::Disconnected => "Disconnected",
        ServiceChangeMethod::HandOff => "HandOff",
        ServiceChangeMethod::Extension(x) => x,
    }
}

impl RootServiceChange {
    pub(crate) fn build(&self) -> ActionRequest {
        let mut parms = ServiceChangeParm::new(self.method.clone(), self.reason.to_string());
        parms.delay = self.delay;
        action(
            ContextId::NULL,
            None,
            CommandRequest::new(Command::ServiceChange(Box::new(ServiceChangeRequest {
                termination_ids: small_list![TerminationId::root()],
                parms,
            }))),
        )
    }

    pub(crate) fn read(
        r: Reader,
        action: &ActionRequest,
        rules: ServiceChangeRules,
    ) -> Result<Self, IeError> {
        let command = r.command(action)?;
        let Command::ServiceChange(sc) = &command.command else {
            return Err(r.err(
                "command",
                code::WRONG_COMMAND,
                "the procedure is a ServiceChange",
            ));
        };
        if action.context_id != ContextId::NULL {
            return Err(r.bad("Context", "a ServiceChange on ROOT is in the NULL context"));
        }
        let id = r.one_termination("Root Termination", &sc.termination_ids)?;
        if !id.is_root() {
            return Err(r.bad("Root Termination", format!("{id} is not ROOT")));
        }
        let method = method_name(&sc.parms.method);
        if !rules.methods.contains(&method) {
            return Err(r.bad(
                "Method",
                format!(
                    "{method}; the procedure uses {}",
                    rules.methods.join(" or ")
                ),
            ));
        }
        let digits: &str = sc
            .parms
            .reason
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap_or_default();
        if digits.is_empty() {
            return Err(r.missing("Reason", format!("no reason code in {:?}", sc.parms.reason)));
        }
        let reason: u16 = digits
            .parse()
            .map_err(|_| r.bad("Reason", format!("{digits} is not a reason code")))?;
        if !rules.reasons.contains(&reason) {
            return Err(r.bad(
                "Reason",
                format!("{reason} is not a reason of the procedure"),
            ));
        }
        if sc.parms.delay.is_some() && sc.parms.method != ServiceChangeMethod::Graceful {
            return Err(r.bad("ServiceChangeDelay", "a delay only goes with Graceful"));
        }
        Ok(RootServiceChange {
            method: sc.parms.method.clone(),
            reason,
            delay: sc.parms.delay,
        })
    }
}

/// The MGC's reply to a ServiceChange on ROOT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceChangeAck {
    /// `ServiceChangeVersion` when the MGC states it.
    pub version: Option<u8>,
}

impl ServiceChangeAck {
    pub(crate) fn build(&self) -> ActionReply {
        reply_action(
            ContextId::NULL,
            CommandReply::ServiceChange(ServiceChangeReply {
                termination_ids: small_list![TerminationId::root()],
                result: ServiceChangeResult::Parms(ServiceChangeResParm {
                    version: self.version,
                    ..Default::default()
                }),
            }),
        )
    }
    pub(crate) fn read(r: Reader, action: &ActionReply) -> Result<Self, IeError> {
        let CommandReply::ServiceChange(reply) = r.command_reply(action)? else {
            return Err(r.err("reply", code::WRONG_COMMAND, "not a ServiceChange reply"));
        };
        let id = r.one_termination("Root Termination", &reply.termination_ids)?;
        if !id.is_root() {
            return Err(r.bad("Root Termination", format!("{id} is not ROOT")));
        }
        match &reply.result {
            ServiceChangeResult::Error(e) => Err(r.refused(e)),
            ServiceChangeResult::Parms(p) => Ok(ServiceChangeAck { version: p.version }),
        }
    }
}

/// Declares a ServiceChange procedure type over [`RootServiceChange`].
macro_rules! service_change_procedure {
    ($(#[$doc:meta])* $ty:ident, $name:literal, $clause:literal, $link:expr, $rules:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $ty(pub $crate::procedure::RootServiceChange);

        impl $crate::procedure::Procedure for $ty {
            const NAME: &'static str = $name;
            const CLAUSE: &'static str = $clause;
            const LINK: $crate::procedure::Link = $link;
            const INITIATOR: $crate::profile::Sender = $crate::profile::Sender::Mg;
            type Reply = $crate::procedure::ServiceChangeAck;

            fn request(&self) -> h248_stack::model::ActionRequest {
                self.0.build()
            }
            fn read_request(
                action: &h248_stack::model::ActionRequest,
            ) -> Result<Self, $crate::procedure::IeError> {
                $crate::procedure::RootServiceChange::read(
                    $crate::procedure::Reader(Self::NAME),
                    action,
                    $rules,
                )
                .map($ty)
            }
            fn reply(reply: &Self::Reply) -> h248_stack::model::ActionReply {
                reply.build()
            }
            fn read_reply(
                action: &h248_stack::model::ActionReply,
            ) -> Result<Self::Reply, $crate::procedure::IeError> {
                $crate::procedure::ServiceChangeAck::read(
                    $crate::procedure::Reader(Self::NAME),
                    action,
                )
            }
        }
    };
}
pub(crate) use service_change_procedure;

// ---- Termination heartbeat (Notify of hangterm/thb) -----------------------------------------

/// The IEs of the termination heartbeat indication (MG → MGC): Context,
/// Bearer Termination, "Termination heartbeat" = the hanging-termination
/// event `hangterm/thb` (H.248.36) observed under the request ID of the
/// Events descriptor that asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeartbeatIes {
    pub target: Target,
    pub request_id: u32,
}

impl HeartbeatIes {
    pub(crate) fn build(&self) -> ActionRequest {
        notify(
            self.target.context,
            &self.target.termination,
            self.request_id,
            observed("hangterm/thb", Vec::new()),
        )
    }
    pub(crate) fn read(r: Reader, action: &ActionRequest) -> Result<Self, IeError> {
        let (context, termination, request_id, _) =
            read_notify(r, action, "Termination heartbeat", "hangterm/thb")?;
        Ok(HeartbeatIes {
            target: Target {
                context,
                termination,
            },
            request_id,
        })
    }
}
