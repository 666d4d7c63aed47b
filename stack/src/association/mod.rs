//! The control association (H.248.1 clause 11), sans-IO, on top of the
//! transaction engine.
//!
//! - [`mg::MgAssociation`]: the MG side. Registration with ServiceChange on
//!   ROOT (clause 11.2, 7.2.8), retries over an ordered list of MGCs,
//!   redirection (ServiceChangeMgcId, ServiceChangeAddress), version and
//!   profile negotiation (clause 11.3), HandOff / Failover / Forced /
//!   Graceful / Disconnected (clauses 11.4, 11.5) and liveness (the H.248.14
//!   inactivity timer, or answering an audit of ROOT).
//! - [`mgc::MgcAssociation`]: the MGC side. Accepts, redirects or refuses
//!   registrations, negotiates the version, tracks registered MGs, detects a
//!   lost MG (audit of ROOT after silence) and sends HandOff.
//!
//! Like the engine, an association never reads a clock or touches a
//! socket. It sits beside an [`Engine`] rather than owning it:
//!
//! - it asks for requests to be sent ([`Association::poll_request`]); the
//!   caller hands them to [`Engine::send_request`] and reports the
//!   transaction ID it got back ([`Association::request_sent`]);
//! - it gives replies for the incoming requests it took
//!   ([`Association::poll_reply`], for [`Engine::send_reply`]) and asks for
//!   abandoned requests to be cancelled ([`Association::poll_cancel`]);
//! - every engine event goes through [`Association::handle_event`], which
//!   keeps the events about its own transactions and the incoming requests
//!   it answers (ServiceChange, heartbeat audit, inactivity timer on ROOT)
//!   and hands every other event back to the caller;
//! - [`Association::any_message_received`] feeds the liveness timers;
//!   [`Association::handle_timeout`] / [`Association::poll_timeout`] as for
//!   the engine.
//!
//! [`flush`] and [`dispatch`] do that plumbing for an engine and an
//! association living side by side.

pub mod mg;
pub mod mgc;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use crate::model::{
    small_list, ActionReply, ActionRequest, AuditDescriptor, AuditReply, AuditRequest, Command,
    CommandReply, CommandRequest, ContextId, ErrorDescriptor, MId, ServiceChangeAddress,
    ServiceChangeParm, ServiceChangeReply, ServiceChangeRequest, ServiceChangeResParm,
    ServiceChangeResult, TerminationId, TransactionId, TransactionResult,
};
use crate::transaction::{Engine, Event, Failure, PeerKey, SendError};

pub use mg::{MgAssociation, MgConfig, MgEvent, MgState, MgcAddress};
pub use mgc::{MgRecord, MgcAssociation, MgcConfig, MgcEvent, ProfileCheck};

/// H.248.8 ServiceChange reason 900: Service Restored.
pub const REASON_SERVICE_RESTORED: u16 = 900;
/// H.248.8 ServiceChange reason 901: Cold Boot.
pub const REASON_COLD_BOOT: u16 = 901;
/// H.248.8 ServiceChange reason 902: Warm Boot.
pub const REASON_WARM_BOOT: u16 = 902;
/// H.248.8 ServiceChange reason 903: MGC Directed Change.
pub const REASON_MGC_DIRECTED_CHANGE: u16 = 903;
/// H.248.8 ServiceChange reason 905: Termination taken out of service.
pub const REASON_OUT_OF_SERVICE: u16 = 905;
/// H.248.8 ServiceChange reason 909: MGC Impending Failure.
pub const REASON_MGC_IMPENDING_FAILURE: u16 = 909;
/// H.248.8 ServiceChange reason 915: State Loss.
pub const REASON_STATE_LOSS: u16 = 915;

/// H.248.8 error 442: Syntax Error in Command (here: a command the
/// association cannot act on, such as a HandOff without a usable
/// ServiceChangeMgcId).
pub const ERROR_BAD_REQUEST: u16 = 442;
/// H.248.8 error 449: Unsupported or Unknown Parameter or Property Value
/// (an unreadable `it/ito` `mit`).
pub const ERROR_BAD_PARAMETER_VALUE: u16 = 449;
/// H.248.8 error 406: Version Not Supported (clause 11.3).
pub const ERROR_VERSION_NOT_SUPPORTED: u16 = 406;
/// H.248.18 error 461: Unsupported or Unknown Profile.
pub const ERROR_UNSUPPORTED_PROFILE: u16 = 461;
/// H.248.8 error 501: Not Implemented.
pub const ERROR_NOT_IMPLEMENTED: u16 = 501;

/// The H.248.14 inactivity timeout event (package `it`, event `ito`).
pub const EVENT_INACTIVITY_TIMEOUT: &str = "it/ito";
/// The `ito` parameter Maximum Inactivity Time, in units of 10 ms
/// (H.248.14).
pub const PARAM_MAX_INACTIVITY_TIME: &str = "mit";

/// Names a request an association asked to send, until the engine gave it
/// a transaction ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestHandle(pub u64);

/// A request to give to [`Engine::send_request`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingRequest<P> {
    pub handle: RequestHandle,
    pub peer: P,
    /// Protocol version of the message header.
    pub version: u8,
    pub actions: Vec<ActionRequest>,
}

/// A reply to give to [`Engine::send_reply`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingReply<P> {
    pub peer: P,
    pub transaction_id: TransactionId,
    pub result: TransactionResult,
}

/// How one of the association's own requests ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The reply, and the protocol version of the message that carried it.
    Reply(TransactionResult, u8),
    Failed(Failure),
    /// The engine refused to send it.
    NotSent(SendError),
}

/// The interface shared by both sides, for [`flush`] and [`dispatch`].
pub trait Association<P> {
    /// The next request to send.
    fn poll_request(&mut self) -> Option<OutgoingRequest<P>>;
    /// What [`Engine::send_request`] returned for `handle`.
    fn request_sent(
        &mut self,
        now: Instant,
        handle: RequestHandle,
        result: Result<TransactionId, SendError>,
    );
    /// The next reply to send.
    fn poll_reply(&mut self) -> Option<OutgoingReply<P>>;
    /// The next outgoing transaction to cancel ([`Engine::cancel`]).
    fn poll_cancel(&mut self) -> Option<TransactionId>;
    /// What [`Engine::cancel`] returned for `transaction_id`: when it was no
    /// longer live its outcome may already wait in the engine's queue, and
    /// the association swallows that event.
    fn cancelled(&mut self, transaction_id: TransactionId, was_live: bool);
    /// An engine event: `None` when the association took it, else the event
    /// back for the application.
    fn handle_event(&mut self, now: Instant, event: Event<P>) -> Option<Event<P>>;
    /// A message (anything) arrived from `peer`: liveness input.
    fn any_message_received(&mut self, now: Instant, peer: &P);
    fn handle_timeout(&mut self, now: Instant);
    fn poll_timeout(&self) -> Option<Instant>;
}

/// Moves the association's requests, replies and cancellations into the
/// engine. Returns how many replies the engine refused (the request was
/// already answered or aborted); they need no further action.
pub fn flush<P: PeerKey, A: Association<P>>(
    now: Instant,
    association: &mut A,
    engine: &mut Engine<P>,
) -> usize {
    let mut refused = 0;
    loop {
        let mut moved = false;
        while let Some(id) = association.poll_cancel() {
            moved = true;
            let was_live = engine.cancel(now, id);
            association.cancelled(id, was_live);
        }
        // Replies first: an answer goes before any request it led to (a
        // registration reply before the MGC's first request, lesson
        // OTP-6275).
        while let Some(r) = association.poll_reply() {
            moved = true;
            if engine
                .send_reply(now, r.peer, r.transaction_id, r.result)
                .is_err()
            {
                refused += 1;
            }
        }
        while let Some(r) = association.poll_request() {
            moved = true;
            let result = engine.send_request(now, r.peer, r.version, r.actions);
            association.request_sent(now, r.handle, result);
        }
        if !moved {
            return refused;
        }
    }
}

/// Passes every pending engine event through the association, then
/// [`flush`]es; returns the events for the application.
pub fn dispatch<P: PeerKey, A: Association<P>>(
    now: Instant,
    association: &mut A,
    engine: &mut Engine<P>,
) -> Vec<Event<P>> {
    let mut out = Vec::new();
    loop {
        let mut moved = false;
        while let Some(event) = engine.poll_event() {
            moved = true;
            if let Some(event) = association.handle_event(now, event) {
                out.push(event);
            }
        }
        flush(now, association, engine);
        if !moved {
            return out;
        }
    }
}

/// Request bookkeeping shared by both sides: handles, their transaction
/// IDs and the output queues.
#[derive(Debug)]
pub(crate) struct Core<P> {
    next_handle: u64,
    requests: VecDeque<OutgoingRequest<P>>,
    replies: VecDeque<OutgoingReply<P>>,
    cancels: VecDeque<TransactionId>,
    by_txn: HashMap<TransactionId, RequestHandle>,
    by_handle: HashMap<RequestHandle, TransactionId>,
    /// Abandoned transactions whose outcome may still arrive.
    abandoned: HashSet<TransactionId>,
    /// Outcomes known without the engine (a send refused).
    outcomes: VecDeque<(RequestHandle, Outcome)>,
}

impl<P> Default for Core<P> {
    fn default() -> Self {
        Core {
            next_handle: 1,
            requests: VecDeque::new(),
            replies: VecDeque::new(),
            cancels: VecDeque::new(),
            by_txn: HashMap::new(),
            by_handle: HashMap::new(),
            abandoned: HashSet::new(),
            outcomes: VecDeque::new(),
        }
    }
}

impl<P> Core<P> {
    pub(crate) fn request(
        &mut self,
        peer: P,
        version: u8,
        actions: Vec<ActionRequest>,
    ) -> RequestHandle {
        let handle = RequestHandle(self.next_handle);
        self.next_handle += 1;
        self.requests.push_back(OutgoingRequest {
            handle,
            peer,
            version,
            actions,
        });
        handle
    }

    pub(crate) fn reply(
        &mut self,
        peer: P,
        transaction_id: TransactionId,
        result: TransactionResult,
    ) {
        self.replies.push_back(OutgoingReply {
            peer,
            transaction_id,
            result,
        });
    }

    /// Records what the engine did with `handle`.
    pub(crate) fn sent(&mut self, handle: RequestHandle, result: Result<TransactionId, SendError>) {
        match result {
            Ok(id) => {
                self.by_txn.insert(id, handle);
                self.by_handle.insert(handle, id);
            }
            Err(e) => self.outcomes.push_back((handle, Outcome::NotSent(e))),
        }
    }

    /// The handle of our transaction `id`, forgotten once its outcome came.
    pub(crate) fn finished(&mut self, id: TransactionId) -> Option<RequestHandle> {
        let handle = self.by_txn.remove(&id)?;
        self.by_handle.remove(&handle);
        Some(handle)
    }

    /// Abandons `handle`: cancelled in the engine if it was sent, dropped
    /// from the queue if not.
    pub(crate) fn abandon(&mut self, handle: RequestHandle) {
        if let Some(id) = self.by_handle.remove(&handle) {
            self.by_txn.remove(&id);
            self.abandoned.insert(id);
            self.cancels.push_back(id);
        } else {
            self.requests.retain(|r| r.handle != handle);
        }
    }

    pub(crate) fn next_outcome(&mut self) -> Option<(RequestHandle, Outcome)> {
        self.outcomes.pop_front()
    }

    pub(crate) fn poll_request(&mut self) -> Option<OutgoingRequest<P>> {
        self.requests.pop_front()
    }

    pub(crate) fn poll_reply(&mut self) -> Option<OutgoingReply<P>> {
        self.replies.pop_front()
    }

    pub(crate) fn poll_cancel(&mut self) -> Option<TransactionId> {
        self.cancels.pop_front()
    }

    pub(crate) fn cancelled(&mut self, id: TransactionId, was_live: bool) {
        if was_live {
            // No event will come for it.
            self.abandoned.remove(&id);
        }
    }

    /// The outcome an engine event carries for one of our transactions
    /// (`Ok(None)`: one we abandoned, swallowed); gives the event back when
    /// it is not ours.
    #[allow(clippy::type_complexity)]
    pub(crate) fn outcome_of(
        &mut self,
        event: Event<P>,
    ) -> Result<Option<(RequestHandle, Outcome)>, Event<P>> {
        let id = match &event {
            Event::ReplyReceived { transaction_id, .. }
            | Event::RequestFailed { transaction_id, .. } => *transaction_id,
            _ => return Err(event),
        };
        if self.abandoned.remove(&id) {
            return Ok(None);
        }
        let Some(handle) = self.finished(id) else {
            return Err(event);
        };
        match event {
            Event::ReplyReceived {
                result, version, ..
            } => Ok(Some((handle, Outcome::Reply(result, version)))),
            Event::RequestFailed { reason, .. } => Ok(Some((handle, Outcome::Failed(reason)))),
            other => Err(other),
        }
    }
}

// ---------------------------------------------------------------------------
// Message building and reading helpers (clause 7.2.8, Annex E.1, H.248.14).

/// The reason code at the start of a ServiceChangeReason value
/// (`"901 Cold Boot"` → 901): clause 7.2.8.1.2 / H.248.8.
pub fn reason_code(reason: &str) -> Option<u16> {
    let digits: &str = {
        let t = reason.trim_start();
        let end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        &t[..end]
    };
    digits.parse().ok()
}

/// One action on the NULL context with one command on ROOT.
pub(crate) fn root_action(command: Command) -> Vec<ActionRequest> {
    vec![ActionRequest {
        context_id: ContextId::NULL,
        context_request: None,
        context_attr_audit: None,
        commands: vec![CommandRequest::new(command)],
    }]
}

/// `ServiceChange = ROOT { Services { ... } }` (clause 7.2.8).
pub(crate) fn service_change(parms: ServiceChangeParm) -> Vec<ActionRequest> {
    root_action(Command::ServiceChange(Box::new(ServiceChangeRequest {
        termination_ids: small_list![TerminationId::root()],
        parms,
    })))
}

/// `AuditValue = ROOT { Audit { } }`: the empty audit of ROOT used as a
/// heartbeat (clause 7.2.5; 3GPP TS 29.334 Table 5.12.3).
pub(crate) fn root_audit() -> Vec<ActionRequest> {
    root_action(Command::AuditValue(AuditRequest {
        termination_ids: small_list![TerminationId::root()],
        audit: AuditDescriptor::default(),
    }))
}

/// A transaction reply of one NULL-context action with `commands`.
pub(crate) fn null_context_reply(commands: Vec<CommandReply>) -> TransactionResult {
    TransactionResult::ActionReplies(vec![ActionReply {
        context_id: ContextId::NULL,
        error: None,
        context_reply: None,
        commands,
    }])
}

/// The reply to a ServiceChange on ROOT.
pub(crate) fn service_change_reply(result: ServiceChangeResult) -> CommandReply {
    CommandReply::ServiceChange(ServiceChangeReply {
        termination_ids: small_list![TerminationId::root()],
        result,
    })
}

/// An accepting ServiceChange reply with `parms`.
pub(crate) fn service_change_accept(parms: ServiceChangeResParm) -> CommandReply {
    service_change_reply(ServiceChangeResult::Parms(parms))
}

/// The empty reply to an audit of ROOT.
pub(crate) fn root_audit_reply() -> CommandReply {
    CommandReply::AuditValue(AuditReply::Result {
        termination_ids: small_list![TerminationId::root()],
        audit: Vec::new(),
    })
}

/// The ServiceChange reply of a transaction result: its parameters, or the
/// error that refused it (transaction, action or command level).
pub(crate) fn service_change_result(
    result: &TransactionResult,
) -> Result<&ServiceChangeResParm, ErrorDescriptor> {
    let replies = match result {
        TransactionResult::Error(e) => return Err(e.clone()),
        TransactionResult::ActionReplies(r) => r,
    };
    for action in replies {
        if let Some(e) = &action.error {
            return Err(e.clone());
        }
        for command in &action.commands {
            if let CommandReply::ServiceChange(r) = command {
                return match &r.result {
                    ServiceChangeResult::Parms(p) => Ok(p),
                    ServiceChangeResult::Error(e) => Err(e.clone()),
                };
            }
        }
    }
    Err(ErrorDescriptor::new(
        ERROR_BAD_REQUEST,
        "reply carries no ServiceChange reply",
    ))
}

/// `MId` with its port replaced: the target of a `ServiceChangeAddress`
/// that gives only a port (clause 7.2.8.1.3).
pub(crate) fn with_port(mid: &MId, port: u16) -> MId {
    match mid {
        MId::Ip4 { address, .. } => MId::Ip4 {
            address: *address,
            port: Some(port),
        },
        MId::Ip6 { address, .. } => MId::Ip6 {
            address: *address,
            port: Some(port),
        },
        MId::Domain { name, .. } => MId::Domain {
            name: name.clone(),
            port: Some(port),
        },
        other => other.clone(),
    }
}

/// The MId a `ServiceChangeAddress` names, relative to `current`.
pub(crate) fn address_mid(address: &ServiceChangeAddress, current: &MId) -> MId {
    match address {
        ServiceChangeAddress::Port(port) => with_port(current, *port),
        ServiceChangeAddress::Address(mid) => mid.clone(),
    }
}

/// `ServiceChangeDelay` is in seconds (clause 7.2.8.1.5).
pub(crate) fn delay_of(seconds: Option<u32>) -> Duration {
    Duration::from_secs(u64::from(seconds.unwrap_or(0)))
}

/// A duration as whole seconds for ServiceChangeDelay, rounded up so that
/// a sub-second delay is not sent as 0 ("no delay").
pub(crate) fn delay_seconds(delay: Duration) -> u32 {
    let secs = delay.as_secs() + u64::from(delay.subsec_nanos() > 0);
    u32::try_from(secs).unwrap_or(u32::MAX)
}

/// The H.248.14 `mit` value (units of 10 ms) as a duration.
pub fn mit_duration(units: u32) -> Duration {
    Duration::from_millis(u64::from(units) * 10)
}

/// A duration as H.248.14 `mit` units of 10 ms (rounded up, at least 1).
pub fn mit_units(d: Duration) -> u32 {
    let units = d.as_millis().div_ceil(10).max(1);
    u32::try_from(units).unwrap_or(u32::MAX)
}
