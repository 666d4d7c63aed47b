//! The MG side of the control association (H.248.1 clauses 7.2.8, 11.2 to
//! 11.5; Annex E.1 root; H.248.14 inactivity timer), sans-IO.
//!
//! Rules, with the clause each comes from:
//!
//! - **Registration** (clause 11.2): after a random wait between 0 and
//!   MaxWaitDelay (the random value is injected), the MG sends
//!   `ServiceChange = ROOT { Method = Restart, Reason = 901|902, Version =
//!   <highest>, [Profile], [ServiceChangeAddress] }` on the NULL context to
//!   the first MGC of its ordered list. The message header carries the
//!   version offered. Each MGC is tried [`MgConfig::attempts_per_mgc`]
//!   times (each attempt being one engine transaction with its own
//!   retransmissions, Annex D), with exponential backoff between attempts,
//!   then the next MGC; when the whole list failed the MG waits a random
//!   time again and starts over at the primary (clause 11.5, last
//!   paragraph), for [`MgConfig::max_rounds`] rounds.
//! - **Version** (clause 11.3): the ServiceChangeVersion of the reply is
//!   the negotiated version and is used in every later message; a reply
//!   without one accepts ours; one above ours or below
//!   [`MgConfig::min_version`] is refused. Error 406 (in the reply, or as a
//!   message-level error from the MGC being registered with) makes the MG
//!   retry at once with the next lower version down to `min_version`, then
//!   move to the next MGC.
//! - **Profile** (clause 11.3, 7.2.8.1.6): a reply without a profile
//!   accepts ours; a reply naming another profile is accepted when it is
//!   in [`MgConfig::acceptable_profiles`], else refused (the next MGC is
//!   tried).
//! - **Redirection** (clauses 7.2.8.1.8, 11.3): a reply with
//!   ServiceChangeMgcId means "register with that MGC instead": the MG
//!   sends the same ServiceChange there (at most
//!   [`MgConfig::max_redirects`] times in a row); a reply with
//!   ServiceChangeAddress (clause 7.2.8.1.3) gives the address to use for
//!   every later message to that MGC.
//! - **From the MGC, on ROOT** (clauses 7.2.8.1.1, 11.5): HandOff with
//!   MgcIdToTry is answered, then the MG registers with that MGC (Method
//!   HandOff, Reason 903), falling back to its list with Failover; Forced
//!   takes the MG out of service at once, Graceful after its
//!   ServiceChangeDelay (seconds, clause 7.2.8.1.5; absent or 0: at once,
//!   this stack does not wait for calls to end); other methods are
//!   acknowledged and reported; an `X-` extension method gets error 501.
//!   A HandOff without a ServiceChangeMgcId the resolver knows gets error
//!   442 and changes nothing.
//! - **MG-initiated** (clause 7.2.8.1.1): Graceful (with ServiceChangeDelay)
//!   and Forced on ROOT, reason 905 by default.
//! - **Loss of the MGC** (clauses 11.4, 11.5): when the inactivity Notify
//!   fails, or the application reports the MGC lost, the MG first tries
//!   the same MGC [`MgConfig::reconnect_attempts`] times with Method
//!   Disconnected (Reason 900), then fails over with Method Failover
//!   (Reason 909, MGC Impending Failure, configurable) over its list, from
//!   the primary, or from the secondary when the primary was the one lost.
//! - **Liveness** (H.248.14; TS 29.334 Table 5.12.3): the MGC arms the
//!   inactivity timer with an Events descriptor on ROOT holding `it/ito`
//!   with `mit` (units of 10 ms); a later Events descriptor on ROOT without
//!   `it/ito` disarms it. When nothing has come from the MGC for `mit`, the
//!   MG sends `Notify = ROOT { ObservedEvents = <rid> { it/ito } }`; if that
//!   request fails the MGC is lost. An empty AuditValue of ROOT (the
//!   MGC-driven heartbeat) is answered here.
//!
//! Requests the association does not take (anything but ServiceChange,
//! the empty audit and an Events-only Modify on ROOT in the NULL context)
//! go back to the application unchanged, in order (lesson OTP-7192).

use std::collections::VecDeque;
use std::fmt;
use std::time::{Duration, Instant};

use super::*;
use crate::model::{
    AmmDescriptor, AmmsReply, EventsDescriptor, NotifyRequest, ObservedEvent,
    ObservedEventsDescriptor, RequestId, ServiceChangeMethod, ServiceChangeProfile, Text,
};

/// One MGC of the ordered list: its identity and where to send to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MgcAddress<P> {
    pub mid: MId,
    pub peer: P,
}

/// Configuration of an [`MgAssociation`]. Defaults from [`MgConfig::new`].
#[derive(Debug, Clone)]
pub struct MgConfig<P> {
    /// The MGCs, primary first (clause 11.2: "pre-provisioned list").
    pub mgcs: Vec<MgcAddress<P>>,
    /// Reason of the first registration: 901 Cold Boot (default) or 902
    /// Warm Boot (clause 11.2, H.248.8).
    pub restart_reason: u16,
    /// Highest version spoken, sent as ServiceChangeVersion (clause 11.3).
    /// Default 3.
    pub version: u8,
    /// Lowest version accepted in negotiation. Default 1.
    pub min_version: u8,
    /// ServiceChangeProfile sent with registrations (clause 7.2.8.1.6).
    pub profile: Option<ServiceChangeProfile>,
    /// Profiles other than ours the MG accepts in a reply.
    pub acceptable_profiles: Vec<ServiceChangeProfile>,
    /// ServiceChangeAddress sent with registrations (clause 7.2.8.1.3):
    /// where the MGC should send to us.
    pub service_change_address: Option<ServiceChangeAddress>,
    /// MaxWaitDelay (clause 11.2): the random wait before the first
    /// registration, and before each new round over the list. Default 3 s.
    pub max_wait_delay: Duration,
    /// Registration attempts per MGC before the next. Default 2.
    pub attempts_per_mgc: u32,
    /// Wait after the first failed attempt. Default 1 s.
    pub retry_delay: Duration,
    /// Multiplier of the wait after each further failure. Default 2.
    pub retry_backoff: u32,
    /// Longest wait between attempts. Default 30 s.
    pub max_retry_delay: Duration,
    /// Rounds over the whole list before giving up; `None`: never give up.
    /// Default `None`.
    pub max_rounds: Option<u32>,
    /// ServiceChangeMgcId redirections followed in a row. Default 4.
    pub max_redirects: u32,
    /// Reason of a Failover registration (clause 11.5: "MGC Impending
    /// Failure", 909).
    pub failover_reason: u16,
    /// Reason of a HandOff registration (clause 11.5: 903 MGC Directed
    /// Change).
    pub handoff_reason: u16,
    /// Reason of a Disconnected registration (clause 11.4: 900 Service
    /// Restored).
    pub disconnected_reason: u16,
    /// Reason of MG-initiated Graceful / Forced (905 Termination taken out
    /// of service).
    pub shutdown_reason: u16,
    /// Attempts with Method Disconnected at the lost MGC before failing
    /// over (clause 11.4). Default 0: fail over at once (clause 11.5).
    pub reconnect_attempts: u32,
    /// Inactivity time used when `it/ito` is requested without `mit`.
    /// Default 120 s (H.248.14 leaves it provisioned).
    pub default_inactivity: Duration,
    /// Smallest `mit` accepted (an MGC asking for less gets this). Default
    /// 1 s.
    pub min_inactivity: Duration,
    /// Answer an empty AuditValue of ROOT (MGC-driven heartbeat). Default
    /// true.
    pub answer_root_audit: bool,
}

impl<P> MgConfig<P> {
    /// Defaults for an MG controlled by `mgcs`, primary first.
    pub fn new(mgcs: Vec<MgcAddress<P>>) -> Self {
        MgConfig {
            mgcs,
            restart_reason: REASON_COLD_BOOT,
            version: 3,
            min_version: 1,
            profile: None,
            acceptable_profiles: Vec::new(),
            service_change_address: None,
            max_wait_delay: Duration::from_secs(3),
            attempts_per_mgc: 2,
            retry_delay: Duration::from_secs(1),
            retry_backoff: 2,
            max_retry_delay: Duration::from_secs(30),
            max_rounds: None,
            max_redirects: 4,
            failover_reason: REASON_MGC_IMPENDING_FAILURE,
            handoff_reason: REASON_MGC_DIRECTED_CHANGE,
            disconnected_reason: REASON_SERVICE_RESTORED,
            shutdown_reason: REASON_OUT_OF_SERVICE,
            reconnect_attempts: 0,
            default_inactivity: Duration::from_secs(120),
            min_inactivity: Duration::from_secs(1),
            answer_root_audit: true,
        }
    }
}

/// Where the MG stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MgState {
    /// Not started.
    Idle,
    /// Waiting before the next registration attempt.
    Waiting,
    /// A registration ServiceChange is in flight.
    Registering,
    /// Registered with an MGC.
    Registered,
    /// Taken out of service (Forced, or Graceful after its delay).
    OutOfService,
    /// Gave up after [`MgConfig::max_rounds`].
    Failed,
}

/// What the MG application must know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MgEvent<P> {
    /// A registration ServiceChange was sent.
    Registering {
        mgc: MId,
        peer: P,
        method: ServiceChangeMethod,
        reason: u16,
        version: u8,
    },
    /// Registered: send to `peer` in messages of `version`.
    Registered {
        mgc: MId,
        peer: P,
        version: u8,
        profile: Option<ServiceChangeProfile>,
    },
    /// An attempt got no reply.
    AttemptFailed { mgc: MId },
    /// The MGC refused the registration (or its answer was unacceptable).
    Refused { mgc: MId, error: ErrorDescriptor },
    /// ServiceChangeMgcId: registering with `to` instead of `from`.
    Redirected { from: MId, to: MId },
    /// A ServiceChangeMgcId or ServiceChangeAddress that the resolver could
    /// not map to a peer.
    Unresolved { mid: MId },
    /// The MGC was lost (inactivity Notify failed, or reported lost).
    MgcLost { mgc: MId, peer: P },
    /// The MGC ordered a HandOff to `to`.
    HandoffRequested { from: MId, to: MId },
    /// A ServiceChange from the MGC that changes nothing here (Restart,
    /// Failover, Disconnected on ROOT), acknowledged.
    ServiceChangeFromMgc {
        method: ServiceChangeMethod,
        reason: Text,
    },
    /// Graceful: out of service after `delay`.
    GoingOutOfService { delay: Duration, by_mgc: bool },
    /// Out of service (Forced, or the Graceful delay ended).
    OutOfService { by_mgc: bool },
    /// The inactivity timer (H.248.14) was set or disarmed.
    InactivityTimer(Option<Duration>),
    /// Registration given up after `max_rounds` rounds.
    Failed,
}

#[derive(Debug, Clone)]
struct Target<P> {
    mid: MId,
    peer: P,
    /// Position in the configured list, when it is one of them.
    index: Option<usize>,
}

#[derive(Debug, Clone)]
struct Step<P> {
    target: Target<P>,
    method: ServiceChangeMethod,
    reason: u16,
    attempts: u32,
}

/// A registration campaign: the steps of the first round, then rounds over
/// the whole list with `round_method`.
#[derive(Debug, Clone)]
struct Campaign<P> {
    steps: Vec<Step<P>>,
    pos: usize,
    /// The MGC being tried (a redirection may replace the step's).
    current: Target<P>,
    attempt: u32,
    redirects: u32,
    /// Version offered (lowered after a 406).
    version: u8,
    round: u32,
    round_method: ServiceChangeMethod,
    round_reason: u16,
}

#[derive(Debug, Clone)]
struct Registration<P> {
    mgc: MId,
    /// The peer the registration went to.
    mgc_peer: P,
    /// Where to send (ServiceChangeAddress of the reply, else `mgc_peer`).
    peer: P,
    index: Option<usize>,
    version: u8,
    profile: Option<ServiceChangeProfile>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    Waiting { until: Instant },
    Registering { handle: RequestHandle },
    Registered,
    OutOfService,
    Failed,
}

/// Maps an MId (a ServiceChangeMgcId or ServiceChangeAddress) to a peer.
pub type Resolver<P> = Box<dyn Fn(&MId) -> Option<P> + Send>;
/// Random values for the MaxWaitDelay waits (uniform over `u32`).
pub type RandomSource = Box<dyn FnMut() -> u32 + Send>;

/// The MG side of the control association. See the [module
/// documentation](self).
pub struct MgAssociation<P> {
    config: MgConfig<P>,
    resolve: Resolver<P>,
    random: RandomSource,
    core: Core<P>,
    events: VecDeque<MgEvent<P>>,
    phase: Phase,
    campaign: Option<Campaign<P>>,
    registration: Option<Registration<P>>,
    /// H.248.14 maximum inactivity time, when armed.
    inactivity: Option<Duration>,
    ito_request_id: RequestId,
    last_heard: Option<Instant>,
    notify: Option<RequestHandle>,
    /// Graceful: when the MG goes out of service, and who asked.
    out_of_service_at: Option<(Instant, bool)>,
}

impl<P: fmt::Debug> fmt::Debug for MgAssociation<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MgAssociation")
            .field("phase", &self.phase)
            .field("registration", &self.registration)
            .field("inactivity", &self.inactivity)
            .finish_non_exhaustive()
    }
}

impl<P: PeerKey> MgAssociation<P> {
    /// A new, idle association. `resolve` maps the MIds of redirections to
    /// peers; `random` drives the MaxWaitDelay waits.
    pub fn new(config: MgConfig<P>, resolve: Resolver<P>, random: RandomSource) -> Self {
        MgAssociation {
            config,
            resolve,
            random,
            core: Core::default(),
            events: VecDeque::new(),
            phase: Phase::Idle,
            campaign: None,
            registration: None,
            inactivity: None,
            ito_request_id: RequestId(0),
            last_heard: None,
            notify: None,
            out_of_service_at: None,
        }
    }

    pub fn config(&self) -> &MgConfig<P> {
        &self.config
    }

    pub fn state(&self) -> MgState {
        match self.phase {
            Phase::Idle => MgState::Idle,
            Phase::Waiting { .. } => MgState::Waiting,
            Phase::Registering { .. } => MgState::Registering,
            Phase::Registered => MgState::Registered,
            Phase::OutOfService => MgState::OutOfService,
            Phase::Failed => MgState::Failed,
        }
    }

    /// Where to send requests while registered.
    pub fn peer(&self) -> Option<&P> {
        self.registration.as_ref().map(|r| &r.peer)
    }

    /// The MGC registered with.
    pub fn mgc(&self) -> Option<&MId> {
        self.registration.as_ref().map(|r| &r.mgc)
    }

    /// The negotiated version while registered.
    pub fn version(&self) -> Option<u8> {
        self.registration.as_ref().map(|r| r.version)
    }

    /// The accepted profile while registered.
    pub fn profile(&self) -> Option<&ServiceChangeProfile> {
        self.registration.as_ref().and_then(|r| r.profile.as_ref())
    }

    /// The armed H.248.14 inactivity time.
    pub fn inactivity(&self) -> Option<Duration> {
        self.inactivity
    }

    /// The next event for the application.
    pub fn poll_event(&mut self) -> Option<MgEvent<P>> {
        self.events.pop_front()
    }

    /// Starts registering (clause 11.2) from Idle, OutOfService or Failed:
    /// Restart with the configured reason, after a random wait up to
    /// MaxWaitDelay. Returns false (and does nothing) otherwise.
    pub fn start(&mut self, now: Instant) -> bool {
        if !matches!(
            self.phase,
            Phase::Idle | Phase::OutOfService | Phase::Failed
        ) {
            return false;
        }
        let steps = self.list_steps(0, ServiceChangeMethod::Restart, self.config.restart_reason);
        let wait = self.random_wait();
        self.begin(
            now,
            steps,
            ServiceChangeMethod::Restart,
            self.config.restart_reason,
            wait,
        );
        true
    }

    /// MG-initiated Graceful on ROOT (clause 7.2.8.1.1): the MGC is told the
    /// MG goes out of service after `delay`, and it does. False when not
    /// registered.
    pub fn graceful(&mut self, now: Instant, delay: Duration) -> bool {
        let Some(reg) = &self.registration else {
            return false;
        };
        let mut parms = ServiceChangeParm::new(
            ServiceChangeMethod::Graceful,
            self.config.shutdown_reason.to_string(),
        );
        if !delay.is_zero() {
            parms.delay = Some(delay_seconds(delay));
        }
        self.core
            .request(reg.peer.clone(), reg.version, service_change(parms));
        self.events.push_back(MgEvent::GoingOutOfService {
            delay,
            by_mgc: false,
        });
        self.out_of_service_at = Some((now + delay, false));
        if delay.is_zero() {
            self.go_out_of_service(false);
        }
        true
    }

    /// MG-initiated Forced on ROOT (clause 7.2.8.1.1): out of service at
    /// once. False when not registered.
    pub fn forced(&mut self, _now: Instant) -> bool {
        let Some(reg) = &self.registration else {
            return false;
        };
        let parms = ServiceChangeParm::new(
            ServiceChangeMethod::Forced,
            self.config.shutdown_reason.to_string(),
        );
        self.core
            .request(reg.peer.clone(), reg.version, service_change(parms));
        self.go_out_of_service(false);
        true
    }

    /// The application lost the MGC (its own requests time out, a TCP
    /// connection closed): Disconnected / Failover as for a failed
    /// inactivity Notify (clauses 11.4, 11.5). False when not registered.
    pub fn mgc_lost(&mut self, now: Instant) -> bool {
        if self.registration.is_none() {
            return false;
        }
        self.lose(now);
        true
    }

    /// Arms (`Some`) or disarms the inactivity timer, for an Events
    /// descriptor on ROOT that the application handled itself.
    pub fn set_inactivity_timer(&mut self, now: Instant, mit: Option<Duration>) {
        self.inactivity = mit.map(|d| d.max(self.config.min_inactivity));
        self.last_heard = Some(now);
        self.events
            .push_back(MgEvent::InactivityTimer(self.inactivity));
    }

    // ---- registration ------------------------------------------------------

    fn target(&self, index: usize) -> Option<Target<P>> {
        self.config.mgcs.get(index).map(|m| Target {
            mid: m.mid.clone(),
            peer: m.peer.clone(),
            index: Some(index),
        })
    }

    /// The whole list from `first`, wrapping round.
    fn list_steps(&self, first: usize, method: ServiceChangeMethod, reason: u16) -> Vec<Step<P>> {
        let n = self.config.mgcs.len();
        (0..n)
            .filter_map(|i| self.target((first + i) % n))
            .map(|target| Step {
                target,
                method: method.clone(),
                reason,
                attempts: self.config.attempts_per_mgc.max(1),
            })
            .collect()
    }

    fn random_wait(&mut self) -> Duration {
        let r = u128::from((self.random)());
        let nanos = self.config.max_wait_delay.as_nanos() * r / u128::from(u32::MAX);
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    fn begin(
        &mut self,
        now: Instant,
        steps: Vec<Step<P>>,
        round_method: ServiceChangeMethod,
        round_reason: u16,
        wait: Duration,
    ) {
        self.abandon_registration();
        // A new MGC sets its own inactivity timer (H.248.14); one armed
        // during this registration (before its reply) is kept.
        self.inactivity = None;
        let Some(first) = steps.first() else {
            self.phase = Phase::Failed;
            self.events.push_back(MgEvent::Failed);
            return;
        };
        self.campaign = Some(Campaign {
            current: first.target.clone(),
            steps,
            pos: 0,
            attempt: 0,
            redirects: 0,
            version: self.config.version,
            round: 0,
            round_method,
            round_reason,
        });
        self.wait_then_attempt(now, wait);
    }

    fn wait_then_attempt(&mut self, now: Instant, wait: Duration) {
        if wait.is_zero() {
            self.send_attempt(now);
        } else {
            self.phase = Phase::Waiting { until: now + wait };
        }
    }

    fn send_attempt(&mut self, _now: Instant) {
        let Some(c) = &self.campaign else {
            return;
        };
        let Some(step) = c.steps.get(c.pos) else {
            return;
        };
        let mut parms = ServiceChangeParm::new(step.method.clone(), step.reason.to_string());
        parms.version = Some(c.version);
        parms.profile = self.config.profile.clone();
        parms.address = self.config.service_change_address.clone();
        let handle = self
            .core
            .request(c.current.peer.clone(), c.version, service_change(parms));
        self.events.push_back(MgEvent::Registering {
            mgc: c.current.mid.clone(),
            peer: c.current.peer.clone(),
            method: step.method.clone(),
            reason: step.reason,
            version: c.version,
        });
        self.phase = Phase::Registering { handle };
    }

    fn abandon_registration(&mut self) {
        if let Phase::Registering { handle } = self.phase {
            self.core.abandon(handle);
        }
        self.campaign = None;
    }

    fn on_registration_outcome(&mut self, now: Instant, outcome: Outcome) {
        match outcome {
            Outcome::Failed(_) | Outcome::NotSent(_) => self.attempt_failed(now),
            Outcome::Reply(result, header_version) => match service_change_result(&result) {
                Err(error) => self.on_refusal(now, error),
                Ok(parms) => {
                    let parms = parms.clone();
                    self.on_accept(now, parms, header_version)
                }
            },
        }
    }

    fn attempt_failed(&mut self, now: Instant) {
        let Some(c) = &mut self.campaign else {
            return;
        };
        self.events.push_back(MgEvent::AttemptFailed {
            mgc: c.current.mid.clone(),
        });
        c.attempt += 1;
        let allowed = c.steps.get(c.pos).map_or(0, |s| s.attempts);
        if c.attempt < allowed {
            let factor = self
                .config
                .retry_backoff
                .max(1)
                .saturating_pow(c.attempt - 1);
            let wait = self
                .config
                .retry_delay
                .saturating_mul(factor)
                .min(self.config.max_retry_delay);
            self.wait_then_attempt(now, wait);
        } else {
            self.next_target(now);
        }
    }

    /// Clause 11.3: 406 → a lower version at the same MGC, else the next.
    fn on_refusal(&mut self, now: Instant, error: ErrorDescriptor) {
        let Some(c) = &mut self.campaign else {
            return;
        };
        if error.code == ERROR_VERSION_NOT_SUPPORTED && c.version > self.config.min_version {
            c.version -= 1;
            self.send_attempt(now);
            return;
        }
        self.events.push_back(MgEvent::Refused {
            mgc: c.current.mid.clone(),
            error,
        });
        self.next_target(now);
    }

    fn on_accept(&mut self, now: Instant, parms: ServiceChangeResParm, header_version: u8) {
        let Some(c) = &mut self.campaign else {
            return;
        };
        // Clause 7.2.8.1.8 / 11.3: register with the named MGC instead.
        if let Some(to) = parms.mgc_id {
            c.redirects += 1;
            if c.redirects > self.config.max_redirects {
                let mgc = c.current.mid.clone();
                self.events.push_back(MgEvent::Refused {
                    mgc,
                    error: ErrorDescriptor::new(ERROR_BAD_REQUEST, "too many redirections"),
                });
                self.next_target(now);
                return;
            }
            let Some(peer) = (self.resolve)(&to) else {
                self.events.push_back(MgEvent::Unresolved { mid: to });
                self.next_target(now);
                return;
            };
            let index = self.config.mgcs.iter().position(|m| m.mid == to);
            self.events.push_back(MgEvent::Redirected {
                from: c.current.mid.clone(),
                to: to.clone(),
            });
            c.current = Target {
                mid: to,
                peer,
                index,
            };
            c.attempt = 0;
            c.version = self.config.version;
            self.send_attempt(now);
            return;
        }
        // Clause 11.3: the reply's ServiceChangeVersion is the negotiated
        // version; without one the version offered is accepted, unless the
        // MGC answered in a lower protocol version, which it then speaks
        // (Erlang/OTP megaco set to version 1 answers a version 3
        // registration with a version 1 message and no ServiceChangeVersion).
        let version = parms.version.unwrap_or(c.version.min(header_version));
        if version > c.version || version < self.config.min_version {
            let mgc = c.current.mid.clone();
            self.events.push_back(MgEvent::Refused {
                mgc,
                error: ErrorDescriptor::new(
                    ERROR_VERSION_NOT_SUPPORTED,
                    "negotiated version out of range",
                ),
            });
            self.next_target(now);
            return;
        }
        // Clause 7.2.8.1.6: the profile.
        let ours = self.config.profile.clone();
        let profile = match (ours, parms.profile) {
            (ours, None) => ours,
            (Some(ours), Some(theirs)) if same_profile(&ours, &theirs) => Some(ours),
            (_, Some(theirs))
                if self
                    .config
                    .acceptable_profiles
                    .iter()
                    .any(|p| same_profile(p, &theirs)) =>
            {
                Some(theirs)
            }
            (_, Some(_)) => {
                let mgc = c.current.mid.clone();
                self.events.push_back(MgEvent::Refused {
                    mgc,
                    error: ErrorDescriptor::new(
                        ERROR_UNSUPPORTED_PROFILE,
                        "profile not acceptable",
                    ),
                });
                self.next_target(now);
                return;
            }
        };
        // Clause 7.2.8.1.3: where to send from now on.
        let target = c.current.clone();
        let peer = match &parms.address {
            None => target.peer.clone(),
            Some(address) => {
                let mid = address_mid(address, &target.mid);
                match (self.resolve)(&mid) {
                    Some(peer) => peer,
                    None => {
                        self.events.push_back(MgEvent::Unresolved { mid });
                        target.peer.clone()
                    }
                }
            }
        };
        self.campaign = None;
        self.phase = Phase::Registered;
        self.last_heard = Some(now);
        self.out_of_service_at = None;
        self.events.push_back(MgEvent::Registered {
            mgc: target.mid.clone(),
            peer: peer.clone(),
            version,
            profile: profile.clone(),
        });
        self.registration = Some(Registration {
            mgc: target.mid,
            mgc_peer: target.peer,
            peer,
            index: target.index,
            version,
            profile,
        });
    }

    fn next_target(&mut self, now: Instant) {
        let Some(c) = &mut self.campaign else {
            return;
        };
        c.pos += 1;
        c.attempt = 0;
        c.redirects = 0;
        c.version = self.config.version;
        if let Some(step) = c.steps.get(c.pos) {
            c.current = step.target.clone();
            self.send_attempt(now);
            return;
        }
        // Clause 11.5: no MGC answered: wait at random, start over at the
        // primary.
        c.round += 1;
        if self.config.max_rounds.is_some_and(|m| c.round >= m) {
            self.campaign = None;
            self.phase = Phase::Failed;
            self.events.push_back(MgEvent::Failed);
            return;
        }
        let (method, reason) = (c.round_method.clone(), c.round_reason);
        let steps = self.list_steps(0, method, reason);
        let wait = self.random_wait();
        let Some(c) = &mut self.campaign else {
            return;
        };
        match steps.first() {
            Some(first) => {
                c.current = first.target.clone();
                c.steps = steps;
                c.pos = 0;
                self.wait_then_attempt(now, wait);
            }
            None => {
                self.campaign = None;
                self.phase = Phase::Failed;
                self.events.push_back(MgEvent::Failed);
            }
        }
    }

    /// Clauses 11.4 and 11.5: the MGC is gone.
    fn lose(&mut self, now: Instant) {
        self.abandon_notify();
        let Some(reg) = self.registration.take() else {
            return;
        };
        self.inactivity = None;
        self.out_of_service_at = None;
        self.events.push_back(MgEvent::MgcLost {
            mgc: reg.mgc.clone(),
            peer: reg.peer.clone(),
        });
        let mut steps = Vec::new();
        if self.config.reconnect_attempts > 0 {
            steps.push(Step {
                target: Target {
                    mid: reg.mgc.clone(),
                    peer: reg.mgc_peer.clone(),
                    index: reg.index,
                },
                method: ServiceChangeMethod::Disconnected,
                reason: self.config.disconnected_reason,
                attempts: self.config.reconnect_attempts,
            });
        }
        // Clause 11.5: from the primary, or from the secondary when the
        // primary is the one that failed.
        let first = usize::from(reg.index == Some(0));
        steps.extend(self.list_steps(
            first,
            ServiceChangeMethod::Failover,
            self.config.failover_reason,
        ));
        self.begin(
            now,
            steps,
            ServiceChangeMethod::Failover,
            self.config.failover_reason,
            Duration::ZERO,
        );
    }

    fn go_out_of_service(&mut self, by_mgc: bool) {
        self.abandon_notify();
        self.abandon_registration();
        self.registration = None;
        self.inactivity = None;
        self.out_of_service_at = None;
        self.phase = Phase::OutOfService;
        self.events.push_back(MgEvent::OutOfService { by_mgc });
    }

    // ---- liveness (H.248.14) ---------------------------------------------------

    fn abandon_notify(&mut self) {
        if let Some(h) = self.notify.take() {
            self.core.abandon(h);
        }
    }

    fn inactivity_deadline(&self) -> Option<Instant> {
        if self.phase != Phase::Registered || self.notify.is_some() {
            return None;
        }
        Some(self.last_heard? + self.inactivity?)
    }

    fn send_inactivity_notify(&mut self) {
        let Some(reg) = &self.registration else {
            return;
        };
        let notify = Command::Notify(NotifyRequest {
            termination_ids: small_list![TerminationId::root()],
            observed_events: ObservedEventsDescriptor {
                request_id: self.ito_request_id,
                events: vec![ObservedEvent {
                    name: Text::const_new(EVENT_INACTIVITY_TIMEOUT),
                    stream_id: None,
                    params: Vec::new(),
                    timestamp: None,
                }],
            },
            error: None,
        });
        let handle = self
            .core
            .request(reg.peer.clone(), reg.version, root_action(notify));
        self.notify = Some(handle);
    }

    // ---- incoming requests -------------------------------------------------------

    fn is_from_mgc(&self, peer: &P) -> bool {
        if let Some(r) = &self.registration {
            if &r.peer == peer || &r.mgc_peer == peer {
                return true;
            }
        }
        self.campaign
            .as_ref()
            .is_some_and(|c| &c.current.peer == peer)
    }

    /// What an incoming command on ROOT is to the association, if anything.
    fn classify<'a>(&self, command: &'a Command) -> Option<RootCommand<'a>> {
        match command {
            Command::ServiceChange(sc)
                if sc.termination_ids.len() == 1 && sc.termination_ids[0].is_root() =>
            {
                Some(RootCommand::ServiceChange(&sc.parms))
            }
            Command::AuditValue(a)
                if self.config.answer_root_audit
                    && a.termination_ids.len() == 1
                    && a.termination_ids[0].is_root()
                    && a.audit == AuditDescriptor::default() =>
            {
                Some(RootCommand::Heartbeat)
            }
            Command::Modify(m)
                if m.termination_ids.len() == 1
                    && m.termination_ids[0].is_root()
                    && !m.descriptors.is_empty() =>
            {
                let mut events = None;
                for d in &m.descriptors {
                    match d {
                        AmmDescriptor::Events(e) => events = Some(e),
                        _ => return None,
                    }
                }
                events.map(RootCommand::Events)
            }
            _ => None,
        }
    }

    /// Takes the request when every command of it is the association's.
    fn take_request(
        &mut self,
        now: Instant,
        peer: &P,
        transaction_id: TransactionId,
        actions: &[ActionRequest],
    ) -> bool {
        let mut commands = Vec::new();
        for action in actions {
            if action.context_id != ContextId::NULL {
                return false;
            }
            for c in &action.commands {
                match self.classify(&c.command) {
                    Some(rc) => commands.push(rc),
                    None => return false,
                }
            }
        }
        if commands.is_empty() {
            return false;
        }
        let mut replies = Vec::new();
        let mut effects = Vec::new();
        for command in commands {
            match command {
                RootCommand::Heartbeat => replies.push(root_audit_reply()),
                RootCommand::Events(events) => match inactivity_request(events) {
                    Ok(setting) => {
                        replies.push(CommandReply::Modify(AmmsReply {
                            termination_ids: small_list![TerminationId::root()],
                            audit: Vec::new(),
                        }));
                        effects.push(Effect::Inactivity(setting));
                    }
                    Err(error) => {
                        self.core.reply(
                            peer.clone(),
                            transaction_id,
                            TransactionResult::ActionReplies(vec![ActionReply {
                                context_id: ContextId::NULL,
                                error: Some(error),
                                context_reply: None,
                                commands: replies,
                            }]),
                        );
                        return true;
                    }
                },
                RootCommand::ServiceChange(parms) => match self.service_change_effect(parms) {
                    Ok(effect) => {
                        replies.push(service_change_accept(ServiceChangeResParm::default()));
                        effects.push(effect);
                    }
                    Err(error) => {
                        replies.push(service_change_reply(ServiceChangeResult::Error(error)))
                    }
                },
            }
        }
        self.core
            .reply(peer.clone(), transaction_id, null_context_reply(replies));
        for effect in effects {
            self.apply(now, effect);
        }
        true
    }

    fn service_change_effect(
        &self,
        parms: &ServiceChangeParm,
    ) -> Result<Effect<P>, ErrorDescriptor> {
        match &parms.method {
            // Clause 11.5: the MGC hands the MG over to MgcIdToTry.
            ServiceChangeMethod::HandOff => {
                let Some(to) = &parms.mgc_id else {
                    return Err(ErrorDescriptor::new(
                        ERROR_BAD_REQUEST,
                        "HandOff without ServiceChangeMgcId",
                    ));
                };
                let Some(peer) = (self.resolve)(to) else {
                    return Err(ErrorDescriptor::new(
                        ERROR_BAD_REQUEST,
                        "ServiceChangeMgcId not reachable",
                    ));
                };
                Ok(Effect::Handoff(Target {
                    mid: to.clone(),
                    peer,
                    index: self.config.mgcs.iter().position(|m| &m.mid == to),
                }))
            }
            ServiceChangeMethod::Forced => Ok(Effect::OutOfService(Duration::ZERO)),
            ServiceChangeMethod::Graceful => Ok(Effect::OutOfService(delay_of(parms.delay))),
            ServiceChangeMethod::Extension(_) => Err(ErrorDescriptor::new(
                ERROR_NOT_IMPLEMENTED,
                "ServiceChange method not implemented",
            )),
            other => Ok(Effect::Report(other.clone(), parms.reason.clone())),
        }
    }

    fn apply(&mut self, now: Instant, effect: Effect<P>) {
        match effect {
            Effect::Inactivity(setting) => {
                match setting {
                    Some((rid, mit)) => {
                        self.ito_request_id = rid;
                        let mit = mit.unwrap_or(self.config.default_inactivity);
                        self.inactivity = Some(mit.max(self.config.min_inactivity));
                    }
                    None => self.inactivity = None,
                }
                self.last_heard = Some(now);
                self.events
                    .push_back(MgEvent::InactivityTimer(self.inactivity));
            }
            Effect::Handoff(target) => {
                let from = self
                    .registration
                    .as_ref()
                    .map(|r| r.mgc.clone())
                    .or_else(|| self.campaign.as_ref().map(|c| c.current.mid.clone()));
                if let Some(from) = from {
                    self.events.push_back(MgEvent::HandoffRequested {
                        from,
                        to: target.mid.clone(),
                    });
                }
                self.abandon_notify();
                self.registration = None;
                self.inactivity = None;
                self.out_of_service_at = None;
                let mut steps = vec![Step {
                    target,
                    method: ServiceChangeMethod::HandOff,
                    reason: self.config.handoff_reason,
                    attempts: self.config.attempts_per_mgc.max(1),
                }];
                steps.extend(self.list_steps(
                    0,
                    ServiceChangeMethod::Failover,
                    self.config.failover_reason,
                ));
                self.begin(
                    now,
                    steps,
                    ServiceChangeMethod::Failover,
                    self.config.failover_reason,
                    Duration::ZERO,
                );
            }
            Effect::OutOfService(delay) => {
                if delay.is_zero() {
                    self.go_out_of_service(true);
                } else if self.phase == Phase::Registered {
                    self.out_of_service_at = Some((now + delay, true));
                    self.events.push_back(MgEvent::GoingOutOfService {
                        delay,
                        by_mgc: true,
                    });
                }
            }
            Effect::Report(method, reason) => {
                self.events
                    .push_back(MgEvent::ServiceChangeFromMgc { method, reason });
            }
        }
    }

    fn on_outcome(&mut self, now: Instant, handle: RequestHandle, outcome: Outcome) {
        if self.phase == (Phase::Registering { handle }) {
            self.on_registration_outcome(now, outcome);
        } else if self.notify == Some(handle) {
            self.notify = None;
            match outcome {
                // Any answer shows the MGC alive.
                Outcome::Reply(..) => self.last_heard = Some(now),
                Outcome::Failed(_) | Outcome::NotSent(_) => self.lose(now),
            }
        }
        // Graceful / Forced outcomes need nothing.
    }
}

fn same_profile(a: &ServiceChangeProfile, b: &ServiceChangeProfile) -> bool {
    a.version == b.version && a.name.eq_ignore_ascii_case(&b.name)
}

enum RootCommand<'a> {
    ServiceChange(&'a ServiceChangeParm),
    Heartbeat,
    Events(&'a EventsDescriptor),
}

enum Effect<P> {
    /// `Some((request id, mit))`: arm; `None`: disarm.
    Inactivity(Option<(RequestId, Option<Duration>)>),
    Handoff(Target<P>),
    OutOfService(Duration),
    Report(ServiceChangeMethod, Text),
}

/// Reads an Events descriptor on ROOT for H.248.14: `Ok(Some)` when it asks
/// for `it/ito` (with its `mit`, if any), `Ok(None)` when it does not (the
/// new descriptor replaces the old, clause 7.1.9, so the timer is
/// disarmed), `Err` for an unreadable `mit` (error 449).
fn inactivity_request(
    events: &EventsDescriptor,
) -> Result<Option<(RequestId, Option<Duration>)>, ErrorDescriptor> {
    let Some(ito) = events
        .events
        .iter()
        .find(|e| e.name.eq_ignore_ascii_case(EVENT_INACTIVITY_TIMEOUT))
    else {
        return Ok(None);
    };
    let rid = events.request_id.unwrap_or(RequestId(0));
    let Some(mit) = ito
        .params
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(PARAM_MAX_INACTIVITY_TIME))
    else {
        return Ok(Some((rid, None)));
    };
    let units = mit
        .value
        .as_single()
        .and_then(|v| v.trim().parse::<u32>().ok())
        .ok_or_else(|| ErrorDescriptor::new(ERROR_BAD_PARAMETER_VALUE, "bad it/ito mit value"))?;
    Ok(Some((rid, Some(mit_duration(units)))))
}

impl<P: PeerKey> Association<P> for MgAssociation<P> {
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
            self.on_outcome(now, h, outcome);
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
        match self.core.outcome_of(event) {
            Ok(None) => None,
            Ok(Some((handle, outcome))) => {
                self.on_outcome(now, handle, outcome);
                None
            }
            Err(Event::RequestReceived {
                peer,
                transaction_id,
                version,
                actions,
            }) => {
                if self.is_from_mgc(&peer)
                    && self.take_request(now, &peer, transaction_id, &actions)
                {
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
            // Clause 11.3: an MGC that cannot read our version may answer
            // with a message-level 406.
            Err(Event::PeerMessageError { peer, error }) => {
                let registering_with = match (&self.phase, &self.campaign) {
                    (Phase::Registering { handle }, Some(c)) if c.current.peer == peer => {
                        Some(*handle)
                    }
                    _ => None,
                };
                match registering_with {
                    Some(handle) if error.code == ERROR_VERSION_NOT_SUPPORTED => {
                        self.core.abandon(handle);
                        self.on_refusal(now, error);
                        None
                    }
                    _ => Some(Event::PeerMessageError { peer, error }),
                }
            }
            Err(other) => Some(other),
        }
    }

    fn any_message_received(&mut self, now: Instant, peer: &P) {
        if let Some(r) = &self.registration {
            if &r.peer == peer || &r.mgc_peer == peer {
                self.last_heard = Some(now);
            }
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        if let Phase::Waiting { until } = self.phase {
            if now >= until {
                self.send_attempt(now);
            }
        }
        if let Some((at, by_mgc)) = self.out_of_service_at {
            if now >= at && self.phase == Phase::Registered {
                self.go_out_of_service(by_mgc);
            }
        }
        if self.inactivity_deadline().is_some_and(|d| now >= d) {
            self.send_inactivity_notify();
        }
    }

    fn poll_timeout(&self) -> Option<Instant> {
        let waiting = match self.phase {
            Phase::Waiting { until } => Some(until),
            _ => None,
        };
        let out = self
            .out_of_service_at
            .filter(|_| self.phase == Phase::Registered)
            .map(|(at, _)| at);
        [waiting, out, self.inactivity_deadline()]
            .into_iter()
            .flatten()
            .min()
    }
}
