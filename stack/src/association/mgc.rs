//! The MGC side of the control association (H.248.1 clauses 7.2.8, 11.3 to
//! 11.5; H.248.14), sans-IO.
//!
//! Rules, with the clause each comes from:
//!
//! - **Registration** (clauses 11.2, 11.3): a ServiceChange on ROOT with
//!   Method Restart, Failover, Disconnected or HandOff registers the MG
//!   (known by its peer key). The ServiceChangeVersion of the request
//!   (absent: the header's version) is negotiated down to ours: the reply
//!   carries `Version = min(ours, theirs)`; below [`MgcConfig::min_version`]
//!   the registration is refused with error 406. The profile is checked by
//!   the [`ProfileCheck`] callback if one is set, else against
//!   [`MgcConfig::profiles`]; a refusal is error 461 (H.248.18). An
//!   accepted profile is echoed in the reply (clause 7.2.8.1.6).
//! - **Redirection** (clause 7.2.8.1.8): with [`MgcConfig::redirect_to`],
//!   every registration is answered with ServiceChangeMgcId and not
//!   recorded; [`MgcConfig::reply_address`] adds a ServiceChangeAddress to
//!   accepting replies (clause 7.2.8.1.3).
//! - **Leaving** (clause 7.2.8.1.1): Forced from the MG removes it at once,
//!   Graceful after its ServiceChangeDelay (seconds).
//! - **HandOff** (clause 11.5): [`MgcAssociation::handoff`] sends
//!   `ServiceChange = ROOT { HandOff, 903, MgcIdToTry }`; once answered the
//!   MG is no longer ours.
//! - **Liveness** (TS 29.334 Table 5.12.3): after [`MgcConfig::audit_after`]
//!   without any message from an MG, an empty AuditValue of ROOT is sent;
//!   if it fails the MG is lost. With [`MgcConfig::inactivity_timer`] the
//!   MGC arms the MG's H.248.14 timer (`Modify = ROOT { Events = rid {
//!   it/ito { mit = n } } }`) after each registration, and answers the
//!   MG's `it/ito` Notify on ROOT.
//!
//! Anything else (requests on other terminations or contexts) goes back to
//! the application; [`MgcAssociation::is_registered`] tells it whether the
//! sender registered (error 505 otherwise, H.248.8).

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::time::{Duration, Instant};

use super::*;
use crate::model::{
    AmmDescriptor, AmmRequest, EventsDescriptor, NotifyReply, PropertyParm, RequestId,
    RequestedActions, RequestedEvent, ServiceChangeMethod, ServiceChangeProfile, Text,
};

/// Configuration of an [`MgcAssociation`]. Defaults from
/// [`MgcConfig::new`].
#[derive(Debug, Clone)]
pub struct MgcConfig {
    /// Highest version spoken. Default 3.
    pub version: u8,
    /// Lowest version accepted; below it registrations get 406. Default 1.
    pub min_version: u8,
    /// Profiles accepted; empty: any (or none).
    pub profiles: Vec<ServiceChangeProfile>,
    /// Refuse registrations without a profile when `profiles` is not
    /// empty. Default false.
    pub require_profile: bool,
    /// Answer every registration with this ServiceChangeMgcId.
    pub redirect_to: Option<MId>,
    /// ServiceChangeAddress put in accepting replies.
    pub reply_address: Option<ServiceChangeAddress>,
    /// Arm each MG's H.248.14 inactivity timer with this `mit`.
    pub inactivity_timer: Option<Duration>,
    /// Request ID of the Events descriptor arming it. Default 1.
    pub inactivity_request_id: u32,
    /// Silence after which an MG's ROOT is audited. Default `None`.
    pub audit_after: Option<Duration>,
    /// Reason of a HandOff (903 MGC Directed Change).
    pub handoff_reason: u16,
    /// Reason of MGC-initiated Forced / Graceful (905).
    pub shutdown_reason: u16,
}

impl MgcConfig {
    pub fn new() -> Self {
        MgcConfig {
            version: 3,
            min_version: 1,
            profiles: Vec::new(),
            require_profile: false,
            redirect_to: None,
            reply_address: None,
            inactivity_timer: None,
            inactivity_request_id: 1,
            audit_after: None,
            handoff_reason: REASON_MGC_DIRECTED_CHANGE,
            shutdown_reason: REASON_OUT_OF_SERVICE,
        }
    }
}

impl Default for MgcConfig {
    fn default() -> Self {
        MgcConfig::new()
    }
}

/// Decides whether an MG's profile (or its absence) is accepted.
pub type ProfileCheck<P> = Box<dyn Fn(&P, Option<&ServiceChangeProfile>) -> bool + Send>;

/// What the MGC knows of a registered MG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MgRecord {
    /// Negotiated version: use it for every message to this MG.
    pub version: u8,
    pub profile: Option<ServiceChangeProfile>,
    /// Method and reason the MG registered with.
    pub method: ServiceChangeMethod,
    pub reason: Text,
    pub registered_at: Instant,
    pub last_heard: Instant,
}

/// What the MGC application must know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MgcEvent<P> {
    MgRegistered {
        peer: P,
        method: ServiceChangeMethod,
        reason: Text,
        version: u8,
        profile: Option<ServiceChangeProfile>,
    },
    RegistrationRefused {
        peer: P,
        error: ErrorDescriptor,
    },
    /// Answered with ServiceChangeMgcId `to`.
    Redirected {
        peer: P,
        to: MId,
    },
    MgGoingOutOfService {
        peer: P,
        delay: Duration,
    },
    MgOutOfService {
        peer: P,
    },
    /// No answer to the audit of ROOT (or to another association request).
    MgLost {
        peer: P,
    },
    /// The MG's H.248.14 inactivity Notify.
    InactivityNotify {
        peer: P,
    },
    /// The MG accepted a HandOff and is no longer ours.
    HandedOff {
        peer: P,
        to: MId,
    },
    HandoffRefused {
        peer: P,
        error: ErrorDescriptor,
    },
}

#[derive(Debug)]
struct Mg {
    record: MgRecord,
    audit: Option<RequestHandle>,
    handoff: Option<(RequestHandle, MId)>,
    leaving_at: Option<Instant>,
}

/// The MGC side of the control association. See the [module
/// documentation](self).
pub struct MgcAssociation<P> {
    config: MgcConfig,
    check: Option<ProfileCheck<P>>,
    core: Core<P>,
    events: VecDeque<MgcEvent<P>>,
    mgs: HashMap<P, Mg>,
}

impl<P: fmt::Debug> fmt::Debug for MgcAssociation<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MgcAssociation")
            .field("mgs", &self.mgs.len())
            .finish_non_exhaustive()
    }
}

impl<P: PeerKey> MgcAssociation<P> {
    pub fn new(config: MgcConfig) -> Self {
        MgcAssociation {
            config,
            check: None,
            core: Core::default(),
            events: VecDeque::new(),
            mgs: HashMap::new(),
        }
    }

    pub fn config(&self) -> &MgcConfig {
        &self.config
    }

    /// Replaces the profile list with a callback.
    pub fn set_profile_check(&mut self, check: ProfileCheck<P>) {
        self.check = Some(check);
    }

    pub fn is_registered(&self, peer: &P) -> bool {
        self.mgs.contains_key(peer)
    }

    pub fn record(&self, peer: &P) -> Option<&MgRecord> {
        self.mgs.get(peer).map(|m| &m.record)
    }

    /// The registered MGs.
    pub fn registered(&self) -> impl Iterator<Item = (&P, &MgRecord)> {
        self.mgs.iter().map(|(p, m)| (p, &m.record))
    }

    pub fn poll_event(&mut self) -> Option<MgcEvent<P>> {
        self.events.pop_front()
    }

    /// Clause 11.5: tells `peer` to register with `to` (MgcIdToTry). False
    /// when `peer` is not registered.
    pub fn handoff(&mut self, _now: Instant, peer: &P, to: MId) -> bool {
        let Some(mg) = self.mgs.get_mut(peer) else {
            return false;
        };
        let mut parms = ServiceChangeParm::new(
            ServiceChangeMethod::HandOff,
            self.config.handoff_reason.to_string(),
        );
        parms.mgc_id = Some(to.clone());
        let handle = self
            .core
            .request(peer.clone(), mg.record.version, service_change(parms));
        mg.handoff = Some((handle, to));
        true
    }

    /// Clause 7.2.8.1.1: takes `peer` out of service: Forced when `delay`
    /// is zero, else Graceful with ServiceChangeDelay. False when `peer` is
    /// not registered.
    pub fn out_of_service(&mut self, now: Instant, peer: &P, delay: Duration) -> bool {
        let Some(mg) = self.mgs.get_mut(peer) else {
            return false;
        };
        let method = if delay.is_zero() {
            ServiceChangeMethod::Forced
        } else {
            ServiceChangeMethod::Graceful
        };
        let mut parms = ServiceChangeParm::new(method, self.config.shutdown_reason.to_string());
        if !delay.is_zero() {
            parms.delay = Some(delay_seconds(delay));
        }
        self.core
            .request(peer.clone(), mg.record.version, service_change(parms));
        if delay.is_zero() {
            self.remove(peer);
            self.events
                .push_back(MgcEvent::MgOutOfService { peer: peer.clone() });
        } else {
            mg.leaving_at = Some(now + delay);
            self.events.push_back(MgcEvent::MgGoingOutOfService {
                peer: peer.clone(),
                delay,
            });
        }
        true
    }

    fn remove(&mut self, peer: &P) {
        if let Some(mg) = self.mgs.remove(peer) {
            if let Some(h) = mg.audit {
                self.core.abandon(h);
            }
        }
    }

    fn profile_ok(&self, peer: &P, profile: Option<&ServiceChangeProfile>) -> bool {
        if let Some(check) = &self.check {
            return check(peer, profile);
        }
        if self.config.profiles.is_empty() {
            return true;
        }
        match profile {
            None => !self.config.require_profile,
            Some(p) => self
                .config
                .profiles
                .iter()
                .any(|q| q.version == p.version && q.name.eq_ignore_ascii_case(&p.name)),
        }
    }

    /// Clauses 11.2, 11.3: answer a registration.
    fn register(
        &mut self,
        now: Instant,
        peer: &P,
        header_version: u8,
        parms: &ServiceChangeParm,
    ) -> CommandReply {
        if let Some(to) = &self.config.redirect_to {
            self.events.push_back(MgcEvent::Redirected {
                peer: peer.clone(),
                to: to.clone(),
            });
            return service_change_accept(ServiceChangeResParm {
                mgc_id: Some(to.clone()),
                ..ServiceChangeResParm::default()
            });
        }
        let theirs = parms.version.unwrap_or(header_version);
        let version = theirs.min(self.config.version);
        if version < self.config.min_version {
            return self.refuse(
                peer,
                ErrorDescriptor::new(ERROR_VERSION_NOT_SUPPORTED, "Version Not Supported"),
            );
        }
        if !self.profile_ok(peer, parms.profile.as_ref()) {
            return self.refuse(
                peer,
                ErrorDescriptor::new(ERROR_UNSUPPORTED_PROFILE, "Unsupported or Unknown Profile"),
            );
        }
        // A new registration replaces the old one (the MG restarted).
        self.remove(peer);
        self.mgs.insert(
            peer.clone(),
            Mg {
                record: MgRecord {
                    version,
                    profile: parms.profile.clone(),
                    method: parms.method.clone(),
                    reason: parms.reason.clone(),
                    registered_at: now,
                    last_heard: now,
                },
                audit: None,
                handoff: None,
                leaving_at: None,
            },
        );
        self.events.push_back(MgcEvent::MgRegistered {
            peer: peer.clone(),
            method: parms.method.clone(),
            reason: parms.reason.clone(),
            version,
            profile: parms.profile.clone(),
        });
        if let Some(mit) = self.config.inactivity_timer {
            self.arm_inactivity_timer(peer, version, mit);
        }
        service_change_accept(ServiceChangeResParm {
            version: Some(version),
            profile: parms.profile.clone(),
            address: self.config.reply_address.clone(),
            ..ServiceChangeResParm::default()
        })
    }

    fn refuse(&mut self, peer: &P, error: ErrorDescriptor) -> CommandReply {
        self.events.push_back(MgcEvent::RegistrationRefused {
            peer: peer.clone(),
            error: error.clone(),
        });
        service_change_reply(ServiceChangeResult::Error(error))
    }

    /// H.248.14: `Modify = ROOT { Events = rid { it/ito { mit = n } } }`.
    fn arm_inactivity_timer(&mut self, peer: &P, version: u8, mit: Duration) {
        let events = EventsDescriptor {
            request_id: Some(RequestId(self.config.inactivity_request_id)),
            events: vec![RequestedEvent {
                name: Text::const_new(EVENT_INACTIVITY_TIMEOUT),
                stream_id: None,
                actions: RequestedActions::default(),
                params: vec![PropertyParm::equal(
                    PARAM_MAX_INACTIVITY_TIME,
                    mit_units(mit).to_string(),
                )],
            }],
        };
        let modify = Command::Modify(AmmRequest {
            termination_ids: small_list![TerminationId::root()],
            descriptors: vec![AmmDescriptor::Events(events)],
        });
        self.core
            .request(peer.clone(), version, root_action(modify));
    }

    fn take_request(
        &mut self,
        now: Instant,
        peer: &P,
        transaction_id: TransactionId,
        version: u8,
        actions: &[ActionRequest],
    ) -> bool {
        let mut commands = Vec::new();
        for action in actions {
            if action.context_id != ContextId::NULL {
                return false;
            }
            for c in &action.commands {
                match &c.command {
                    Command::ServiceChange(sc)
                        if sc.termination_ids.len() == 1 && sc.termination_ids[0].is_root() =>
                    {
                        commands.push(Some(&sc.parms))
                    }
                    Command::Notify(n)
                        if n.termination_ids.len() == 1
                            && n.termination_ids[0].is_root()
                            && !n.observed_events.events.is_empty()
                            && n.observed_events
                                .events
                                .iter()
                                .all(|e| e.name.eq_ignore_ascii_case(EVENT_INACTIVITY_TIMEOUT)) =>
                    {
                        commands.push(None)
                    }
                    _ => return false,
                }
            }
        }
        if commands.is_empty() {
            return false;
        }
        let mut replies = Vec::new();
        for command in commands {
            let reply = match command {
                None => {
                    self.events
                        .push_back(MgcEvent::InactivityNotify { peer: peer.clone() });
                    CommandReply::Notify(NotifyReply {
                        termination_ids: small_list![TerminationId::root()],
                        error: None,
                    })
                }
                Some(parms) => match &parms.method {
                    ServiceChangeMethod::Restart
                    | ServiceChangeMethod::Failover
                    | ServiceChangeMethod::Disconnected
                    | ServiceChangeMethod::HandOff => self.register(now, peer, version, parms),
                    ServiceChangeMethod::Forced => {
                        self.remove(peer);
                        self.events
                            .push_back(MgcEvent::MgOutOfService { peer: peer.clone() });
                        service_change_accept(ServiceChangeResParm::default())
                    }
                    ServiceChangeMethod::Graceful => {
                        let delay = delay_of(parms.delay);
                        self.events.push_back(MgcEvent::MgGoingOutOfService {
                            peer: peer.clone(),
                            delay,
                        });
                        if delay.is_zero() {
                            self.remove(peer);
                            self.events
                                .push_back(MgcEvent::MgOutOfService { peer: peer.clone() });
                        } else if let Some(mg) = self.mgs.get_mut(peer) {
                            mg.leaving_at = Some(now + delay);
                        }
                        service_change_accept(ServiceChangeResParm::default())
                    }
                    ServiceChangeMethod::Extension(_) => {
                        service_change_reply(ServiceChangeResult::Error(ErrorDescriptor::new(
                            ERROR_NOT_IMPLEMENTED,
                            "ServiceChange method not implemented",
                        )))
                    }
                },
            };
            replies.push(reply);
        }
        self.core
            .reply(peer.clone(), transaction_id, null_context_reply(replies));
        true
    }

    fn on_outcome(
        &mut self,
        now: Instant,
        peer: Option<P>,
        handle: RequestHandle,
        outcome: Outcome,
    ) {
        let found = peer.or_else(|| {
            self.mgs
                .iter()
                .find(|(_, m)| {
                    m.audit == Some(handle) || m.handoff.as_ref().is_some_and(|h| h.0 == handle)
                })
                .map(|(p, _)| p.clone())
        });
        let Some(peer) = found else {
            return;
        };
        let Some(mg) = self.mgs.get_mut(&peer) else {
            return;
        };
        if mg.audit == Some(handle) {
            mg.audit = None;
            match outcome {
                Outcome::Reply(..) => mg.record.last_heard = now,
                Outcome::Failed(_) | Outcome::NotSent(_) => self.lost(&peer),
            }
        } else if let Some((h, to)) = mg.handoff.clone() {
            if h != handle {
                return;
            }
            mg.handoff = None;
            match outcome {
                Outcome::Reply(result, _) => match service_change_result(&result) {
                    Ok(_) => {
                        self.remove(&peer);
                        self.events.push_back(MgcEvent::HandedOff { peer, to });
                    }
                    Err(error) => self
                        .events
                        .push_back(MgcEvent::HandoffRefused { peer, error }),
                },
                Outcome::Failed(_) | Outcome::NotSent(_) => self.lost(&peer),
            }
        }
    }

    fn lost(&mut self, peer: &P) {
        self.remove(peer);
        self.events
            .push_back(MgcEvent::MgLost { peer: peer.clone() });
    }

    fn audit_deadline(&self, mg: &Mg) -> Option<Instant> {
        if mg.audit.is_some() {
            return None;
        }
        Some(mg.record.last_heard + self.config.audit_after?)
    }
}

impl<P: PeerKey> Association<P> for MgcAssociation<P> {
    fn poll_request(&mut self) -> Option<OutgoingRequest<P>> {
        self.core.poll_request()
    }

    fn request_sent(
        &mut self,
        now: Instant,
        handle: RequestHandle,
        result: Result<TransactionId, SendError>,
    ) {
        self.core.sent(handle, result);
        while let Some((h, outcome)) = self.core.next_outcome() {
            self.on_outcome(now, None, h, outcome);
        }
    }

    fn poll_reply(&mut self) -> Option<OutgoingReply<P>> {
        self.core.poll_reply()
    }

    fn poll_cancel(&mut self) -> Option<TransactionId> {
        self.core.poll_cancel()
    }

    fn cancelled(&mut self, transaction_id: TransactionId, was_live: bool) {
        self.core.cancelled(transaction_id, was_live);
    }

    fn handle_event(&mut self, now: Instant, event: Event<P>) -> Option<Event<P>> {
        let peer = match &event {
            Event::ReplyReceived { peer, .. } | Event::RequestFailed { peer, .. } => {
                Some(peer.clone())
            }
            _ => None,
        };
        match self.core.outcome_of(event) {
            Ok(None) => None,
            Ok(Some((handle, outcome))) => {
                self.on_outcome(now, peer, handle, outcome);
                None
            }
            Err(Event::RequestReceived {
                peer,
                transaction_id,
                version,
                actions,
            }) => {
                if self.take_request(now, &peer, transaction_id, version, &actions) {
                    None
                } else {
                    Some(Event::RequestReceived {
                        peer,
                        transaction_id,
                        version,
                        actions,
                    })
                }
            }
            Err(other) => Some(other),
        }
    }

    fn any_message_received(&mut self, now: Instant, peer: &P) {
        if let Some(mg) = self.mgs.get_mut(peer) {
            mg.record.last_heard = now;
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        let mut leaving = Vec::new();
        let mut audit = Vec::new();
        for (peer, mg) in &self.mgs {
            if mg.leaving_at.is_some_and(|at| now >= at) {
                leaving.push(peer.clone());
            } else if self.audit_deadline(mg).is_some_and(|d| now >= d) {
                audit.push((peer.clone(), mg.record.version));
            }
        }
        for peer in leaving {
            self.remove(&peer);
            self.events.push_back(MgcEvent::MgOutOfService { peer });
        }
        for (peer, version) in audit {
            let handle = self.core.request(peer.clone(), version, root_audit());
            if let Some(mg) = self.mgs.get_mut(&peer) {
                mg.audit = Some(handle);
            }
        }
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.mgs
            .values()
            .flat_map(|mg| [mg.leaving_at, self.audit_deadline(mg)])
            .flatten()
            .min()
    }
}
