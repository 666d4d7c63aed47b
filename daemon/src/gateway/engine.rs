//! The context engine: contexts and terminations with the semantics of
//! H.248.1 clauses 6 and 7, executing one transaction at a time over a
//! [`MediaBackend`]. The rules, with their clauses, are on the functions
//! that apply them; the H.248.8 codes are in [`super::codes`].

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use h248_profiles::profile::{Context as CheckContext, Sender, Validator};
use h248_stack::model::*;
use h248_stack::sdp::SessionDescription;
use h248_stack::transaction::PeerKeyedMap;
use smallvec::{smallvec, SmallVec};
use tokio::sync::mpsc;

use super::backend::{Allocation, MediaBackend, ReserveRequest, SignalStart, StreamSetup};
use super::claims::ClaimTable;
pub use super::claims::{Access, Held};
use super::codes::{self, refuse, Refusal};
use super::digitmap::{symbol_of_event, DigitMap, MatchState};
use super::media;
use super::streams::StreamMap;
use super::GatewayConfig;

/// Counters shared with [`super::Gateway::stats`].
#[derive(Debug, Default)]
pub struct Counters {
    pub contexts: AtomicU64,
    pub terminations: AtomicU64,
    pub backend_calls: AtomicU64,
    pub backend_errors: AtomicU64,
    /// Notify requests dropped because the service did not take them.
    pub notifies_dropped: AtomicU64,
}

/// Internal inputs of the engine besides transactions and backend events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Timer {
    /// The inter-digit timer of a termination's digit map expired
    /// (generation tells a stale timer from the current one).
    Digits {
        termination: TerminationId,
        generation: u64,
    },
}

#[derive(Debug, Clone, Default)]
struct Ctx {
    terminations: Vec<TerminationId>,
    priority: Option<u16>,
    emergency: bool,
    ieps: Option<bool>,
    /// Set on first use: most contexts keep the default (bothway between
    /// all), and a context table of small entries holds more contexts.
    topology: Option<Box<Topology>>,
}

/// The one-way and isolate associations of a context (clause 7.1.18); a
/// bothway pair is the default and not kept.
#[derive(Debug, Clone, Default)]
struct Topology(Vec<TopologyRequest>);

#[derive(Debug, Clone)]
struct StreamState {
    mode: StreamMode,
    reserve_value: Option<bool>,
    reserve_group: Option<bool>,
    props: Vec<PropertyParm>,
    /// The Local and Remote a stream holds: the one session description
    /// chosen of each (clause 7.1.8).
    local: Option<SessionDescription>,
    remote: Option<SessionDescription>,
    remote_address: Option<Allocation>,
    allocation: Option<Allocation>,
}

impl StreamState {
    fn new() -> Self {
        StreamState {
            // unconfirmed: clause 7.1.7 as read gives no default mode for a
            // new stream; inactive (no media until the MGC sets a mode) is
            // the safe choice.
            mode: StreamMode::Inactive,
            reserve_value: None,
            reserve_group: None,
            props: Vec::new(),
            local: None,
            remote: None,
            remote_address: None,
            allocation: None,
        }
    }
}

#[derive(Debug, Clone)]
struct ActiveSignal {
    id: u64,
    signal: Signal,
    /// The rest of a sequential signal list, with its ID.
    list: Option<(u16, VecDeque<Signal>)>,
}

#[derive(Debug, Clone, Default)]
struct Digits {
    collected: String,
    generation: u64,
}

/// What a termination asked to detect, play, buffer or keep: made on
/// first use (most terminations of a media gateway carry none of it, and
/// a termination table of small entries holds more terminations).
#[derive(Debug, Clone)]
struct Activity {
    /// The active Events descriptor (request ID and events).
    events: Option<(RequestId, Vec<RequestedEvent>)>,
    signals: Vec<ActiveSignal>,
    buffer_spec: Vec<EventSpec>,
    buffer: VecDeque<ObservedEvent>,
    state_props: Vec<PropertyParm>,
    digits: Digits,
}

/// The activity of a termination that has none.
static NO_ACTIVITY: Activity = Activity {
    events: None,
    signals: Vec::new(),
    buffer_spec: Vec::new(),
    buffer: VecDeque::new(),
    state_props: Vec::new(),
    digits: Digits {
        collected: String::new(),
        generation: 0,
    },
};

#[derive(Debug, Clone)]
struct Term {
    physical: bool,
    /// 0: the NULL context.
    context: u32,
    streams: StreamMap<StreamState>,
    buffer_control: EventBufferControl,
    /// LockStep: a Notify was sent and no new Events descriptor came yet.
    lockstep_blocked: bool,
    service_state: ServiceState,
    activity: Option<Box<Activity>>,
    /// The DigitMap descriptor set on it, if any (boxed: most never have one).
    digit_map: Option<Box<DigitMapDescriptor>>,
    session_id: u64,
}

impl Term {
    fn new(physical: bool, context: u32, session_id: u64) -> Self {
        Term {
            physical,
            context,
            streams: StreamMap::default(),
            buffer_control: EventBufferControl::Off,
            lockstep_blocked: false,
            service_state: ServiceState::InService,
            activity: None,
            digit_map: None,
            session_id,
        }
    }

    fn act(&self) -> &Activity {
        self.activity.as_deref().unwrap_or(&NO_ACTIVITY)
    }

    /// The activity, made now if there was none.
    fn act_mut(&mut self) -> &mut Activity {
        self.activity
            .get_or_insert_with(|| Box::new(NO_ACTIVITY.clone()))
    }
}

/// Which context an action addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Null,
    All,
    /// A specific context; under CHOOSE, the one created by the action (0
    /// until created).
    Specific(u32),
    Choose,
}

/// Whether a termination ID matches a pattern with `*` levels (H.248.1
/// clause 6.2.2): a `*` level matches any one level, a `*` last level any
/// number of remaining levels, `*` alone every termination.
pub fn wildcard_matches(pattern: &str, id: &str) -> bool {
    let p: Vec<&str> = pattern.split('/').collect();
    let t: Vec<&str> = id.split('/').collect();
    for (i, level) in p.iter().enumerate() {
        if *level == "*" && i == p.len() - 1 {
            return t.len() > i;
        }
        match t.get(i) {
            Some(x) if *level == "*" || level.eq_ignore_ascii_case(x) => {}
            _ => return false,
        }
    }
    p.len() == t.len()
}

fn ids_of(command: &Command) -> &[TerminationId] {
    match command {
        Command::Add(r) | Command::Move(r) | Command::Modify(r) => &r.termination_ids,
        Command::Subtract(r) => &r.termination_ids,
        Command::AuditCapabilities(r) | Command::AuditValue(r) => &r.termination_ids,
        Command::Notify(r) => &r.termination_ids,
        Command::ServiceChange(r) => &r.termination_ids,
    }
}

/// The reply of `command` refused with `refusal` (clause 8.2.2: the Error
/// descriptor in the reply of the command that failed).
fn error_reply(command: &Command, refusal: &Refusal) -> CommandReply {
    let ids = SmallList::from(ids_of(command));
    let error = refusal.descriptor();
    let amms = |ids| AmmsReply {
        termination_ids: ids,
        audit: vec![AuditReturnParameter::Error(error.clone())],
    };
    match command {
        Command::Add(_) => CommandReply::Add(amms(ids)),
        Command::Move(_) => CommandReply::Move(amms(ids)),
        Command::Modify(_) => CommandReply::Modify(amms(ids)),
        Command::Subtract(_) => CommandReply::Subtract(amms(ids)),
        Command::AuditValue(_) => CommandReply::AuditValue(AuditReply::Result {
            termination_ids: ids,
            audit: vec![AuditReturnParameter::Error(error)],
        }),
        Command::AuditCapabilities(_) => CommandReply::AuditCapabilities(AuditReply::Result {
            termination_ids: ids,
            audit: vec![AuditReturnParameter::Error(error)],
        }),
        Command::Notify(_) => CommandReply::Notify(NotifyReply {
            termination_ids: ids,
            error: Some(error),
        }),
        Command::ServiceChange(_) => CommandReply::ServiceChange(ServiceChangeReply {
            termination_ids: ids,
            result: ServiceChangeResult::Error(error),
        }),
    }
}

fn event_matches(requested: &str, observed: &str) -> bool {
    if requested.eq_ignore_ascii_case(observed) {
        return true;
    }
    match (requested.split_once('/'), observed.split_once('/')) {
        (Some((rp, "*")), Some((op, _))) => rp.eq_ignore_ascii_case(op) || rp == "*",
        _ => false,
    }
}

fn is_dtmf_completion(name: &str) -> bool {
    name.eq_ignore_ascii_case("dd/ce")
}

/// What the engine holds about contexts and terminations, behind a
/// short-lived lock (never held across a backend call).
struct State {
    contexts: BTreeMap<u32, Ctx>,
    terms: PeerKeyedMap<TerminationId, Term>,
    /// Terminations in contexts.
    in_contexts: usize,
    next_context: u32,
    next_termination: u64,
    next_signal: u64,
    root_events: Option<EventsDescriptor>,
}

impl State {
    /// The context audit (clause 7.2.5, v3 context attribute audit).
    fn context_audit(&self, id: u32, audit: &ContextAttrAuditRequest) -> Option<ContextRequest> {
        let ctx = self.contexts.get(&id)?;
        let mut reply = ContextRequest::default();
        if audit.priority {
            reply.priority = Some(ctx.priority.unwrap_or(0));
        }
        if audit.emergency {
            reply.emergency = Some(ctx.emergency);
        }
        if audit.ieps {
            reply.ieps = Some(ctx.ieps.unwrap_or(false));
        }
        if audit.topology {
            reply.topology = Some(ctx.topology.as_ref().map_or_else(Vec::new, |t| t.0.clone()));
        }
        Some(reply)
    }

    /// The terminations an existing-termination command addresses (clause
    /// 6.2.2 wildcards): 442 for CHOOSE or ROOT, 430 for an unknown ID, 435
    /// for one outside the action's context, 431 when a wildcard matches
    /// nothing.
    fn select(&self, scope: Scope, ids: &[TerminationId]) -> Result<Selected, Refusal> {
        let in_scope = |t: &Term| match scope {
            Scope::Null => t.context == 0,
            Scope::All => t.context != 0,
            Scope::Specific(id) => t.context == id,
            Scope::Choose => false,
        };
        let mut out = Selected::new();
        for id in ids {
            if id.has_choose_wildcard() {
                return refuse(
                    codes::BAD_COMMAND,
                    format!("CHOOSE ({id}) addresses no termination"),
                );
            }
            if id.is_root() {
                return refuse(codes::BAD_COMMAND, "ROOT is not a termination of a context");
            }
            if id.has_all_wildcard() {
                let mut matched: Vec<TerminationId> = self
                    .terms
                    .iter()
                    .filter(|(tid, t)| in_scope(t) && wildcard_matches(id.as_str(), tid.as_str()))
                    .map(|(tid, _)| tid.clone())
                    .collect();
                if matched.is_empty() {
                    return refuse(
                        codes::NO_WILDCARD_MATCH,
                        format!("{id} matched no termination"),
                    );
                }
                matched.sort();
                out.extend(matched);
            } else {
                match self.terms.get(id) {
                    None => {
                        return refuse(codes::UNKNOWN_TERMINATION, format!("no termination {id}"))
                    }
                    Some(t) if !in_scope(t) => {
                        return refuse(
                            codes::NOT_IN_CONTEXT,
                            format!("{id} is not in the context addressed"),
                        )
                    }
                    Some(_) => out.push(id.clone()),
                }
            }
        }
        out.dedup();
        Ok(out)
    }

    fn join(&mut self, context: u32, id: &TerminationId) {
        if let Some(ctx) = self.contexts.get_mut(&context) {
            // Most contexts hold one or two terminations: no spare room
            // for the first (later ones grow as usual).
            if ctx.terminations.is_empty() {
                ctx.terminations.reserve_exact(1);
            }
            ctx.terminations.push(id.clone());
        }
        if let Some(t) = self.terms.get_mut(id) {
            t.context = context;
        }
        self.in_contexts += 1;
    }

    /// A termination released: out of its context, then gone (ephemeral)
    /// or back to the NULL context with nothing of its past (physical).
    fn forget(&mut self, id: &TerminationId) {
        self.leave(id);
        let Some(t) = self.terms.get(id) else { return };
        if t.physical {
            let session = t.session_id;
            self.terms.insert(id.clone(), Term::new(true, 0, session));
        } else {
            self.terms.remove(id);
        }
    }

    /// Takes a termination out of its context; an emptied context is
    /// deleted (clause 6.1: a context exists while it holds terminations).
    fn leave(&mut self, id: &TerminationId) {
        let Some(t) = self.terms.get_mut(id) else {
            return;
        };
        let context = std::mem::replace(&mut t.context, 0);
        if context == 0 {
            return;
        }
        self.in_contexts = self.in_contexts.saturating_sub(1);
        let empty = match self.contexts.get_mut(&context) {
            Some(ctx) => {
                ctx.terminations.retain(|x| x != id);
                if let Some(topology) = ctx.topology.as_mut() {
                    topology.0.retain(|x| &x.from != id && &x.to != id);
                }
                ctx.terminations.is_empty()
            }
            None => false,
        };
        if empty {
            self.contexts.remove(&context);
        }
    }

    /// Puts a termination back into context `from` (recreated if the move
    /// emptied it).
    fn restore_into(&mut self, id: &TerminationId, from: u32, snapshot: Option<Term>) {
        self.contexts.entry(from).or_default();
        if let Some(t) = snapshot {
            self.terms.insert(id.clone(), t);
        }
        self.join(from, id);
    }
}

/// A command's replies, each with its context (several under ALL or a
/// wildcard): most commands have one.
type Replies = SmallVec<[(ContextId, CommandReply); 1]>;

/// The terminations a command addresses: most commands name one.
type Selected = SmallList<TerminationId>;

/// The context engine. Its state sits behind a synchronous lock taken
/// only between backend calls; transactions and events are serialised
/// per context instead (see [`access`] and [`ClaimTable`]), so that
/// one slow media operation holds up only its own context.
pub struct Engine {
    config: GatewayConfig,
    validator: Validator,
    backend: Arc<dyn MediaBackend>,
    counters: Arc<Counters>,
    outbox: mpsc::Sender<Vec<ActionRequest>>,
    timers: mpsc::UnboundedSender<Timer>,
    state: std::sync::Mutex<State>,
    /// Who works on which context now.
    claims: ClaimTable,
}

/// What a transaction must hold (H.248.1 clause 6.1: a context's commands
/// apply in order). Specific contexts are held; the NULL context too when
/// an action addresses it or an Add takes a physical termination out of
/// it; CHOOSE contexts are held from their creation. The ALL context and
/// Move (whose source context the request does not name) hold everything.
pub fn access(actions: &[ActionRequest]) -> Access {
    let mut ids = SmallVec::new();
    for a in actions {
        match a.context_id {
            ContextId::ALL => return Access::Exclusive,
            ContextId::CHOOSE => {}
            ContextId(id) => ids.push(id),
        }
        for c in &a.commands {
            match &c.command {
                Command::Move(_) => return Access::Exclusive,
                Command::Add(r) if r.termination_ids.iter().any(|t| !t.has_choose_wildcard()) => {
                    ids.push(0)
                }
                _ => {}
            }
        }
    }
    ids.sort_unstable();
    ids.dedup();
    Access::Contexts(ids)
}

impl Engine {
    /// The backend's link (for the metrics).
    pub fn backend_health(&self) -> crate::executor::BackendHealth {
        self.backend.health()
    }

    pub fn new(
        config: GatewayConfig,
        validator: Validator,
        backend: Arc<dyn MediaBackend>,
        counters: Arc<Counters>,
        outbox: mpsc::Sender<Vec<ActionRequest>>,
        timers: mpsc::UnboundedSender<Timer>,
    ) -> Self {
        let mut terms = PeerKeyedMap::default();
        for (i, id) in config.physical.iter().enumerate() {
            terms.insert(id.clone(), Term::new(true, 0, i as u64 + 1));
        }
        Engine {
            config,
            validator,
            backend,
            counters,
            outbox,
            timers,
            state: std::sync::Mutex::new(State {
                contexts: BTreeMap::new(),
                terms,
                in_contexts: 0,
                next_context: 1,
                next_termination: 1,
                next_signal: 1,
                root_events: None,
            }),
            claims: ClaimTable::default(),
        }
    }

    /// The state; the guard is not `Send`, so it cannot be held across an
    /// await (a backend call) in the engine's futures.
    fn st(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn publish(&self) {
        let st = self.st();
        self.counters
            .contexts
            .store(st.contexts.len() as u64, Ordering::Relaxed);
        self.counters
            .terminations
            .store(st.in_contexts as u64, Ordering::Relaxed);
    }

    /// Counts a backend call and its failure.
    fn counted<T>(&self, result: Result<T, Refusal>) -> Result<T, Refusal> {
        self.counters.backend_calls.fetch_add(1, Ordering::Relaxed);
        if result.is_err() {
            self.counters.backend_errors.fetch_add(1, Ordering::Relaxed);
        }
        result
    }

    /// Contexts that exist now.
    pub fn context_count(&self) -> usize {
        self.st().contexts.len()
    }

    /// Terminations in contexts now.
    pub fn termination_count(&self) -> usize {
        self.st().in_contexts
    }

    // ---- serialisation -------------------------------------------------------------------------

    /// Runs `work` holding what `access` names ([`ClaimTable`]): some
    /// contexts beside other work, or the whole engine alone; with the
    /// contexts `work` created, released when it is done.
    pub async fn with_access<'e, T>(
        &'e self,
        access: &Access,
        work: Pin<&mut impl std::future::Future<Output = (T, Held<'e>)>>,
    ) -> T {
        // `work` is pinned by the caller: held by value, this future would
        // keep it twice more (once per await below).
        let mut held = self.claims.acquire(access).await;
        let (out, created) = work.await;
        held.absorb(created);
        out
    }

    /// Runs `work` for a backend event on termination `id`, holding its
    /// context (the termination may move while we wait: then again).
    pub async fn for_termination<T, F, Fut>(&self, id: &TerminationId, work: F) -> Option<T>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = T>,
    {
        loop {
            let context = self.st().terms.get(id)?.context;
            let held = self
                .claims
                .acquire(&Access::Contexts(smallvec![context]))
                .await;
            let still = self.st().terms.get(id).map(|t| t.context);
            match still {
                None => return None,
                Some(c) if c == context => {
                    let out = work().await;
                    drop(held);
                    return Some(out);
                }
                Some(_) => drop(held),
            }
        }
    }

    // ---- transactions ----------------------------------------------------------------------

    /// Executes one TransactionRequest (H.248.1 clause 8.2): actions in
    /// order, commands in order. Each action is first checked against the
    /// profile; a violation refuses the command it belongs to (or the
    /// action, for context properties) with its code. A failed command
    /// that is not optional (`O-`, clause 8.1.1) stops the transaction:
    /// the reply carries the replies of the commands executed and the Error
    /// descriptor of the failed one (clause 8.2.2); what succeeded before
    /// is not undone. Run it under [`Engine::with_access`] for
    /// [`access`]`(&actions)`; returns the contexts it created (held).
    pub async fn execute<'e>(
        &'e self,
        version: u8,
        actions: Vec<ActionRequest>,
    ) -> (TransactionResult, Held<'e>) {
        let mut held = Held::default();
        if !self
            .validator
            .profile()
            .protocol_versions
            .contains(&version)
        {
            let error = Refusal::new(
                codes::VERSION_NOT_SUPPORTED,
                format!("version {version} is not in the profile"),
            );
            return (TransactionResult::Error(error.descriptor()), held);
        }
        let mut replies = Vec::new();
        for action in actions {
            let stop = self.action(version, action, &mut replies, &mut held).await;
            if stop {
                break;
            }
        }
        self.publish();
        (TransactionResult::ActionReplies(replies), held)
    }

    /// The profile's violations in one action: those of its context
    /// properties, and per command (0-based index).
    fn check(
        &self,
        version: u8,
        action: &ActionRequest,
    ) -> (Option<Refusal>, HashMap<usize, Refusal>) {
        let violations = self.validator.check_action(
            version,
            action,
            CheckContext {
                sender: Sender::Mgc,
                transport: None,
            },
        );
        let mut action_level = None;
        let mut per_command: HashMap<usize, Refusal> = HashMap::new();
        for v in violations {
            let refusal = Refusal::new(v.code, format!("{}: {}", v.path, v.message));
            match v.command {
                Some(n) => {
                    per_command.entry(n).or_insert(refusal);
                }
                None => {
                    action_level.get_or_insert(refusal);
                }
            }
        }
        (action_level, per_command)
    }

    /// One action (clause 8.1.1: a context and its commands). Returns
    /// whether the transaction stops here.
    async fn action<'e>(
        &'e self,
        version: u8,
        action: ActionRequest,
        replies: &mut Vec<ActionReply>,
        held: &mut Held<'e>,
    ) -> bool {
        let (action_violation, command_violations) = self.check(version, &action);
        let refuse_action = |replies: &mut Vec<ActionReply>, r: Refusal| {
            replies.push(ActionReply {
                context_id: action.context_id,
                error: Some(r.descriptor()),
                context_reply: None,
                commands: Vec::new(),
            });
            true
        };
        if let Some(r) = action_violation {
            return refuse_action(replies, r);
        }
        let mut scope = match action.context_id {
            ContextId::NULL => Scope::Null,
            ContextId::ALL => Scope::All,
            ContextId::CHOOSE => Scope::Choose,
            ContextId(id) => {
                // Clause 6.1.1 / H.248.8 411: a specific ID must name an
                // existing context.
                if !self.st().contexts.contains_key(&id) {
                    return refuse_action(
                        replies,
                        Refusal::new(codes::UNKNOWN_CONTEXT, format!("no context {id}")),
                    );
                }
                Scope::Specific(id)
            }
        };
        if let Some(request) = &action.context_request {
            if let Scope::Specific(id) = scope {
                if let Err(r) = self.context_properties(&mut self.st(), id, request) {
                    return refuse_action(replies, r);
                }
            } else if scope != Scope::Choose && !request.is_empty() {
                // Context properties belong to one context (clause 6.1.1).
                return refuse_action(
                    replies,
                    Refusal::new(
                        codes::ILLEGAL_ACTION,
                        "context properties on the NULL or ALL context",
                    ),
                );
            }
        }
        let first_reply = replies.len();
        let mut stop = false;
        let mut props_applied = action.context_id != ContextId::CHOOSE;
        for (i, request) in action.commands.iter().enumerate() {
            let outcome = match command_violations.get(&i) {
                Some(r) => Err(r.clone()),
                None => self.command(&mut scope, request, held).await,
            };
            // Under CHOOSE the context properties apply once the first
            // command has created the context.
            if let (false, Scope::Specific(id), Some(props)) =
                (props_applied, scope, &action.context_request)
            {
                props_applied = true;
                if let Err(r) = self.context_properties(&mut self.st(), id, props) {
                    push(replies, first_reply, ContextId(id), None);
                    if let Some(last) = replies.last_mut() {
                        last.error = Some(r.descriptor());
                    }
                    return true;
                }
            }
            match outcome {
                Ok(list) => {
                    for (context, reply) in list {
                        push(replies, first_reply, context, Some(reply));
                    }
                }
                Err(refusal) => {
                    let context = match scope {
                        Scope::Specific(id) => ContextId(id),
                        _ => action.context_id,
                    };
                    push(
                        replies,
                        first_reply,
                        context,
                        Some(error_reply(&request.command, &refusal)),
                    );
                    if !request.optional {
                        stop = true;
                        break;
                    }
                }
            }
        }
        if replies.len() == first_reply {
            let context = match scope {
                Scope::Specific(id) => ContextId(id),
                _ => action.context_id,
            };
            push(replies, first_reply, context, None);
        }
        if let Some(audit) = &action.context_attr_audit {
            if let Scope::Specific(id) = scope {
                if let Some(reply) = replies.last_mut() {
                    reply.context_reply = self.st().context_audit(id, audit);
                }
            }
        }
        stop
    }

    /// Context properties (clause 6.1.1 priority 0–15, emergency, IEPS;
    /// clause 7.1.18 topology between terminations of the context).
    fn context_properties(
        &self,
        st: &mut State,
        id: u32,
        request: &ContextRequest,
    ) -> Result<(), Refusal> {
        if let Some(p) = request.priority {
            if p > 15 {
                return refuse(codes::BAD_VALUE, format!("priority {p} is not 0 to 15"));
            }
        }
        let members = st
            .contexts
            .get(&id)
            .map(|c| c.terminations.clone())
            .unwrap_or_default();
        if let Some(topology) = &request.topology {
            for t in topology {
                for end in [&t.from, &t.to] {
                    let known = end.has_all_wildcard() || members.iter().any(|m| m == end);
                    if !known {
                        return refuse(
                            codes::NOT_IN_CONTEXT,
                            format!("topology names {end}, not in context {id}"),
                        );
                    }
                }
            }
        }
        let Some(ctx) = st.contexts.get_mut(&id) else {
            return refuse(codes::UNKNOWN_CONTEXT, format!("no context {id}"));
        };
        if let Some(p) = request.priority {
            ctx.priority = Some(p);
        }
        if let Some(e) = request.emergency {
            ctx.emergency = e;
        }
        if let Some(i) = request.ieps {
            ctx.ieps = Some(i);
        }
        if let Some(topology) = &request.topology {
            for t in topology {
                if ctx.topology.is_none() && t.direction == TopologyDirection::Bothway {
                    continue;
                }
                let kept = &mut ctx.topology.get_or_insert_with(Box::default).0;
                kept.retain(|x| !(x.from == t.from && x.to == t.to && x.stream_id == t.stream_id));
                if t.direction != TopologyDirection::Bothway {
                    kept.push(t.clone());
                }
            }
        }
        Ok(())
    }

    /// One command. Replies come with the context they belong to (several
    /// under the ALL context).
    async fn command<'e>(
        &'e self,
        scope: &mut Scope,
        request: &CommandRequest,
        held: &mut Held<'e>,
    ) -> Result<Replies, Refusal> {
        let ids = ids_of(&request.command);
        if ids.is_empty() {
            return refuse(codes::BAD_COMMAND, "a command without a termination");
        }
        match &request.command {
            Command::Add(amm) => self.add(scope, amm, held).await,
            Command::Move(amm) => self.move_(scope, amm, held).await,
            Command::Modify(amm) => self.modify(*scope, amm, request.wildcard_return).await,
            Command::Subtract(s) => self.subtract(*scope, s, request.wildcard_return).await,
            Command::AuditValue(a) => self.audit_value(*scope, a, request.wildcard_return).await,
            Command::AuditCapabilities(a) => self.audit_capabilities(*scope, a),
            Command::ServiceChange(sc) => self.service_change(*scope, sc),
            // Clause 7.2.7: Notify goes from the MG to the MGC. A profile
            // that lets the MGC send it gets 501 (H.248.8: not implemented).
            Command::Notify(_) => refuse(codes::NOT_IMPLEMENTED, "Notify from the MGC"),
        }
    }

    // ---- termination selection ----------------------------------------------------------------

    fn new_context_id(&self, st: &mut State) -> Result<u32, Refusal> {
        // Bounded (H.248.8 412 when the configured maximum is reached).
        if st.contexts.len() >= self.config.max_contexts {
            return refuse(
                codes::NO_CONTEXT_AVAILABLE,
                format!("{} contexts exist, the maximum", st.contexts.len()),
            );
        }
        loop {
            let id = st.next_context;
            st.next_context = match st.next_context.wrapping_add(1) {
                n if n == 0 || n >= ContextId::CHOOSE.0 => 1,
                n => n,
            };
            // An ID with a lock still in use (a transaction waiting for a
            // context that no longer exists) is not reused yet.
            if !st.contexts.contains_key(&id) && !self.claims.in_use(id) {
                return Ok(id);
            }
        }
    }

    /// Puts a termination into a context (creating a CHOOSE context on
    /// first use, held by the transaction from then on): 434 when the
    /// context is full, 510 at the maximum of terminations.
    fn admit<'e>(
        &'e self,
        st: &mut State,
        scope: &mut Scope,
        held: &mut Held<'e>,
    ) -> Result<u32, Refusal> {
        if st.in_contexts >= self.config.max_terminations {
            return refuse(
                codes::INSUFFICIENT_RESOURCES,
                format!("{} terminations in contexts, the maximum", st.in_contexts),
            );
        }
        match *scope {
            Scope::Specific(id) => {
                let count = st.contexts.get(&id).map_or(0, |c| c.terminations.len());
                if count >= self.config.max_terminations_per_context {
                    return refuse(
                        codes::CONTEXT_FULL,
                        format!("context {id} holds {count} terminations, the maximum"),
                    );
                }
                Ok(id)
            }
            Scope::Choose => {
                let id = self.new_context_id(st)?;
                held.claim_new(&self.claims, id);
                st.contexts.insert(id, Ctx::default());
                *scope = Scope::Specific(id);
                Ok(id)
            }
            Scope::Null | Scope::All => refuse(
                codes::ILLEGAL_ACTION,
                "Add and Move go to a specific context or CHOOSE",
            ),
        }
    }

    /// Releases a termination's media and, for an ephemeral one, the
    /// termination itself; a physical one returns to the NULL context with
    /// its defaults (clause 7.2.4). The media are forgotten first, so that
    /// the termination leaves its context in one step.
    async fn release(&self, id: &TerminationId) {
        if !self.st().terms.contains_key(id) {
            return;
        }
        let r = self.backend.forget(id.clone()).await;
        let _ = self.counted(r);
        self.st().forget(id);
    }

    /// The media plane lost the state of every termination (its process
    /// restarted: [`BackendEvent::StateLost`](super::backend::BackendEvent)).
    /// Every context is deleted here, without calling the backend (it holds
    /// nothing any more), and the MGC is told, one transaction per context,
    /// with a ServiceChange of the context's terminations, Method Forced
    /// (H.248.1 clause 7.2.8.1.1: abrupt removal; the MGC clears the
    /// context), Reason 915 State Loss (H.248.8). Run it exclusive
    /// ([`Access::Exclusive`]). Returns the contexts deleted.
    pub async fn state_lost(&self) -> usize {
        let contexts: Vec<(u32, Vec<TerminationId>)> = {
            let mut st = self.st();
            let contexts: Vec<_> = st
                .contexts
                .iter()
                .map(|(id, c)| (*id, c.terminations.clone()))
                .collect();
            for (_, terminations) in &contexts {
                for id in terminations {
                    st.forget(id);
                }
            }
            contexts
        };
        let reason = h248_stack::association::REASON_STATE_LOSS.to_string();
        for (context, terminations) in &contexts {
            let action = ActionRequest {
                context_id: ContextId(*context),
                context_request: None,
                context_attr_audit: None,
                commands: vec![CommandRequest::new(Command::ServiceChange(Box::new(
                    ServiceChangeRequest {
                        termination_ids: SmallList::from(terminations.as_slice()),
                        parms: ServiceChangeParm::new(ServiceChangeMethod::Forced, reason.as_str()),
                    },
                )))],
            };
            if self.outbox.try_send(vec![action]).is_err() {
                self.counters
                    .notifies_dropped
                    .fetch_add(1, Ordering::Relaxed);
            }
        }
        self.publish();
        contexts.len()
    }

    // ---- Add / Move / Modify -------------------------------------------------------------------

    /// Add (clause 7.2.1): `prefix$` creates an ephemeral termination named
    /// by the prefix and a counter (a prefix must be configured, else 430; a
    /// bare `$` takes the first configured one);
    /// a physical termination comes from the NULL context (433 when it is
    /// in a context already); ROOT and `*` are 442. Descriptors are then
    /// applied; a failure undoes the Add.
    async fn add<'e>(
        &'e self,
        scope: &mut Scope,
        amm: &AmmRequest,
        held: &mut Held<'e>,
    ) -> Result<Replies, Refusal> {
        if matches!(scope, Scope::Null | Scope::All) {
            return refuse(codes::ILLEGAL_ACTION, "Add to the NULL or ALL context");
        }
        let mut out = Replies::new();
        for id in &amm.termination_ids {
            if id.is_root() || id.has_all_wildcard() {
                return refuse(codes::BAD_COMMAND, format!("Add of {id}"));
            }
            let created_context = *scope == Scope::Choose;
            let (new_id, context) = {
                let mut st = self.st();
                let (new_id, ephemeral) = if id.has_choose_wildcard() {
                    let text = id.as_str();
                    let prefix = text.strip_suffix('$').filter(|p| !p.contains('$'));
                    // A bare `$` leaves the choice of termination to the MG
                    // (H.248.1 clause 6.2): the first ephemeral kind.
                    let known = match prefix {
                        Some("") => self.config.ephemeral_prefixes.first().map(Text::as_str),
                        _ => prefix.filter(|p| {
                            self.config
                                .ephemeral_prefixes
                                .iter()
                                .any(|q| q.eq_ignore_ascii_case(p))
                        }),
                    };
                    let Some(prefix) = known else {
                        return refuse(
                            codes::UNKNOWN_TERMINATION,
                            format!("no ephemeral terminations of the form {id}"),
                        );
                    };
                    // The next free number; a bit-string scheme (BER) has
                    // room for a bounded count, so numbers wrap within it
                    // and the search stops after one turn.
                    let naming = &self.config.ephemeral_naming;
                    let capacity = naming.capacity(prefix).unwrap_or(u64::MAX);
                    let mut n = st.next_termination;
                    let mut tries = 0u64;
                    let name = loop {
                        if n == 0 || n > capacity {
                            n = 1;
                        }
                        let candidate = naming.name(prefix, n);
                        n += 1;
                        tries += 1;
                        match candidate {
                            Some(c) if !st.terms.contains_key(&c) => break c,
                            _ if tries >= capacity.min(st.terms.len() as u64 + 1) => {
                                return refuse(
                                    codes::INSUFFICIENT_RESOURCES,
                                    format!("no free termination ID under {prefix}"),
                                );
                            }
                            _ => {}
                        }
                    };
                    st.next_termination = n;
                    (name, true)
                } else {
                    match st.terms.get(id) {
                        None => {
                            return refuse(
                                codes::UNKNOWN_TERMINATION,
                                format!("no termination {id}"),
                            )
                        }
                        Some(t) if t.context != 0 || !t.physical => {
                            return refuse(
                                codes::ALREADY_IN_CONTEXT,
                                format!("{id} is in context {}", t.context),
                            )
                        }
                        Some(_) => (id.clone(), false),
                    }
                };
                let context = self.admit(&mut st, scope, held)?;
                if ephemeral {
                    let session = st.next_termination;
                    st.terms
                        .insert(new_id.clone(), Term::new(false, 0, session));
                }
                st.join(context, &new_id);
                (new_id, context)
            };
            match self.apply(&new_id, &amm.descriptors).await {
                Ok(audit) => out.push((
                    ContextId(context),
                    CommandReply::Add(AmmsReply {
                        termination_ids: small_list![new_id],
                        audit,
                    }),
                )),
                Err(r) => {
                    self.release(&new_id).await;
                    if created_context && !self.st().contexts.contains_key(&context) {
                        *scope = Scope::Choose;
                    }
                    return Err(r);
                }
            }
        }
        Ok(out)
    }

    /// Move (clause 7.2.3): a termination of another context into this one
    /// (never to or from the NULL context: 435 / 421); the emptied source
    /// context is deleted.
    async fn move_<'e>(
        &'e self,
        scope: &mut Scope,
        amm: &AmmRequest,
        held: &mut Held<'e>,
    ) -> Result<Replies, Refusal> {
        if matches!(scope, Scope::Null | Scope::All) {
            return refuse(codes::ILLEGAL_ACTION, "Move to the NULL or ALL context");
        }
        let mut out = Replies::new();
        for id in &amm.termination_ids {
            if id.is_wildcarded() || id.is_root() {
                return refuse(codes::BAD_COMMAND, format!("Move of {id}"));
            }
            let (from, to, snapshot) = {
                let mut st = self.st();
                let from = match st.terms.get(id) {
                    None => {
                        return refuse(codes::UNKNOWN_TERMINATION, format!("no termination {id}"))
                    }
                    Some(t) if t.context == 0 => {
                        return refuse(
                            codes::NOT_IN_CONTEXT,
                            format!("{id} is in the NULL context"),
                        )
                    }
                    Some(t) => t.context,
                };
                if *scope == Scope::Specific(from) {
                    return refuse(
                        codes::ALREADY_IN_CONTEXT,
                        format!("{id} is in context {from}"),
                    );
                }
                let snapshot = st.terms.get(id).cloned();
                // Counted out first so that the maximum of terminations is
                // checked for the move, not for one more termination.
                st.leave(id);
                let to = match self.admit(&mut st, scope, held) {
                    Ok(to) => to,
                    Err(r) => {
                        st.restore_into(id, from, snapshot);
                        return Err(r);
                    }
                };
                st.join(to, id);
                (from, to, snapshot)
            };
            match self.apply(id, &amm.descriptors).await {
                Ok(audit) => out.push((
                    ContextId(to),
                    CommandReply::Move(AmmsReply {
                        termination_ids: small_list![id.clone()],
                        audit,
                    }),
                )),
                Err(r) => {
                    let mut st = self.st();
                    st.leave(id);
                    st.restore_into(id, from, snapshot);
                    return Err(r);
                }
            }
        }
        Ok(out)
    }

    /// Modify (clause 7.2.2) of terminations of the context (or, in the
    /// NULL context, of physical terminations and ROOT). With `W-` the
    /// reply is one, for the wildcarded ID (clause 6.2.2).
    async fn modify(
        &self,
        scope: Scope,
        amm: &AmmRequest,
        wildcard_return: bool,
    ) -> Result<Replies, Refusal> {
        if scope == Scope::Choose {
            return refuse(codes::ILLEGAL_ACTION, "Modify under CHOOSE");
        }
        let context = |t: &Term| ContextId(t.context);
        if amm.termination_ids.len() == 1 && amm.termination_ids[0].is_root() {
            return self.modify_root(scope, amm);
        }
        let targets = self.st().select(scope, &amm.termination_ids)?;
        let mut out = Replies::new();
        for id in &targets {
            let audit = self.apply(id, &amm.descriptors).await?;
            let ctx = self.st().terms.get(id).map_or(ContextId::NULL, context);
            out.push((
                ctx,
                CommandReply::Modify(AmmsReply {
                    termination_ids: small_list![id.clone()],
                    audit,
                }),
            ));
        }
        Ok(wildcard_collapse(
            out,
            &amm.termination_ids,
            wildcard_return,
        ))
    }

    /// Modify of ROOT (NULL context only): its Events (e.g. H.248.14
    /// `it/ito`) and TerminationState properties; Media, Signals and the
    /// rest are not legal on ROOT (447).
    fn modify_root(&self, scope: Scope, amm: &AmmRequest) -> Result<Replies, Refusal> {
        if scope != Scope::Null {
            return refuse(codes::NOT_IN_CONTEXT, "ROOT is in the NULL context");
        }
        for d in &amm.descriptors {
            match d {
                AmmDescriptor::Events(e) => {
                    if let Some(bad) = e.events.iter().find(|x| !self.backend.can_detect(&x.name)) {
                        return refuse(
                            codes::CANNOT_DETECT,
                            format!("{} cannot be detected on ROOT", bad.name),
                        );
                    }
                    self.st().root_events = (!e.events.is_empty()).then(|| e.clone());
                }
                AmmDescriptor::Media(m) if m.streams.is_none() => {}
                _ => {
                    return refuse(
                        codes::DESCRIPTOR_NOT_LEGAL,
                        "only Events and TerminationState apply to ROOT",
                    )
                }
            }
        }
        Ok(smallvec![(
            ContextId::NULL,
            CommandReply::Modify(AmmsReply {
                termination_ids: small_list![TerminationId::root()],
                audit: Vec::new(),
            }),
        )])
    }

    /// Applies the descriptors of an Add / Move / Modify to one termination
    /// (clause 7.2.2), all or nothing: on a failure the termination's state
    /// and its media are put back as they were. A descriptor given twice is
    /// 448; Modem and Mux are not supported (444). The reply carries the
    /// resolved Local of each stream whose Local was given, and what the
    /// Audit descriptor asks.
    async fn apply(
        &self,
        id: &TerminationId,
        descriptors: &[AmmDescriptor],
    ) -> Result<TerminationAudit, Refusal> {
        let mut seen = Vec::new();
        for d in descriptors {
            let kind = std::mem::discriminant(d);
            if seen.contains(&kind) {
                return refuse(codes::DESCRIPTOR_TWICE, "a descriptor appears twice");
            }
            seen.push(kind);
            if matches!(d, AmmDescriptor::Modem(_) | AmmDescriptor::Mux(_)) {
                return refuse(
                    codes::UNSUPPORTED_DESCRIPTOR,
                    "Modem and Mux descriptors are not supported",
                );
            }
        }
        let Some(snapshot) = self.st().terms.get(id).cloned() else {
            return refuse(codes::UNKNOWN_TERMINATION, format!("no termination {id}"));
        };
        match self.apply_all(id, descriptors).await {
            Ok(audit) => Ok(audit),
            Err(r) => {
                self.undo(id, snapshot).await;
                Err(r)
            }
        }
    }

    async fn undo(&self, id: &TerminationId, snapshot: Term) {
        let Some(now) = self.st().terms.get(id).cloned() else {
            return;
        };
        for (sid, s) in &now.streams {
            let kept = snapshot.streams.get(sid).and_then(|x| x.allocation);
            if s.allocation.is_some() && kept.is_none() {
                let r = self.backend.release(id.clone(), *sid).await;
                let _ = self.counted(r);
            }
        }
        let names = snapshot
            .act()
            .events
            .as_ref()
            .map(|(_, e)| e.iter().map(|x| x.name.clone()).collect())
            .unwrap_or_default();
        let r = self.backend.detect_events(id.clone(), names).await;
        let _ = self.counted(r);
        let context = now.context;
        let mut restored = snapshot;
        restored.context = context;
        self.st().terms.insert(id.clone(), restored);
    }

    async fn apply_all(
        &self,
        id: &TerminationId,
        descriptors: &[AmmDescriptor],
    ) -> Result<TerminationAudit, Refusal> {
        let mut audit = Vec::new();
        // DigitMap first, so that an Events descriptor of the same command
        // may name it (clause 7.1.14).
        for d in descriptors {
            if let AmmDescriptor::DigitMap(dm) = d {
                if let Some(value) = &dm.value {
                    if DigitMap::parse(&value.body).is_none() {
                        return refuse(codes::BAD_VALUE, "a digit map this gateway cannot read");
                    }
                }
                if let Some(t) = self.st().terms.get_mut(id) {
                    t.digit_map = Some(Box::new(dm.clone()));
                }
            }
        }
        for d in descriptors {
            match d {
                AmmDescriptor::Media(m) => {
                    if let Some(local) = self.media(id, m).await? {
                        audit.push(AuditReturnParameter::Media(local));
                    }
                }
                AmmDescriptor::EventBuffer(spec) => {
                    if let Some(t) = self.st().terms.get_mut(id) {
                        t.act_mut().buffer_spec = spec.clone();
                    }
                }
                AmmDescriptor::Statistics(_) | AmmDescriptor::DigitMap(_) => {}
                AmmDescriptor::Events(_)
                | AmmDescriptor::Signals(_)
                | AmmDescriptor::Audit(_)
                | AmmDescriptor::Modem(_)
                | AmmDescriptor::Mux(_) => {}
            }
        }
        for d in descriptors {
            if let AmmDescriptor::Events(e) = d {
                self.set_events(id, e).await?;
            }
        }
        for d in descriptors {
            if let AmmDescriptor::Signals(s) = d {
                self.set_signals(id, s, NotifyCompletion::OnInterruptByNewSignalDescr)
                    .await?;
            }
        }
        for d in descriptors {
            if let AmmDescriptor::Audit(a) = d {
                audit.extend(self.audit(id, a).await?);
            }
        }
        Ok(audit)
    }

    // ---- Media ---------------------------------------------------------------------------------

    /// The Media descriptor (clause 7.1.2): TerminationState (clause
    /// 7.1.5), and per stream (clause 7.1.4; the single-stream form is
    /// stream 1) LocalControl (clause 7.1.7), Remote and Local (clause
    /// 7.1.8, see [`media`]). Returns the Media descriptor of the reply:
    /// the resolved Local of each stream whose Local was given.
    async fn media(
        &self,
        id: &TerminationId,
        m: &MediaDescriptor,
    ) -> Result<Option<MediaDescriptor>, Refusal> {
        if let Some(ts) = &m.termination_state {
            let profile_buffers = self.validator.profile().event_buffer_control;
            let mut st = self.st();
            let t = st
                .terms
                .get_mut(id)
                .ok_or_else(|| Refusal::new(codes::UNKNOWN_TERMINATION, "gone"))?;
            if let Some(c) = ts.event_buffer_control {
                if !profile_buffers {
                    return refuse(codes::NOT_IMPLEMENTED, "EventBufferControl is not used");
                }
                t.buffer_control = c;
                if c == EventBufferControl::Off {
                    if let Some(a) = t.activity.as_mut() {
                        a.buffer.clear();
                    }
                    t.lockstep_blocked = false;
                }
            }
            if let Some(s) = ts.service_state {
                t.service_state = s;
            }
            for p in &ts.property_parms {
                let props = &mut t.act_mut().state_props;
                props.retain(|x| !x.name.eq_ignore_ascii_case(&p.name));
                props.push(p.clone());
            }
        }
        let (streams, single): (Vec<(StreamId, &StreamParms)>, bool) = match &m.streams {
            None => (Vec::new(), false),
            Some(Streams::One(p)) => (vec![(1, p)], true),
            Some(Streams::Multi(list)) => (
                list.iter().map(|s| (s.stream_id, &s.parms)).collect(),
                false,
            ),
        };
        let mut locals = Vec::new();
        for (sid, parms) in streams {
            if sid == 0 {
                return refuse(codes::BAD_VALUE, "stream 0");
            }
            if let Some(local) = self.stream(id, sid, parms).await? {
                locals.push(StreamDescriptor {
                    stream_id: sid,
                    parms: StreamParms {
                        local: Some(local),
                        ..Default::default()
                    },
                });
            }
        }
        if locals.is_empty() {
            return Ok(None);
        }
        let streams = if single && locals.len() == 1 {
            Streams::One(locals.remove(0).parms)
        } else {
            Streams::Multi(locals)
        };
        Ok(Some(MediaDescriptor {
            termination_state: None,
            streams: Some(streams),
        }))
    }

    async fn stream(
        &self,
        id: &TerminationId,
        sid: StreamId,
        parms: &StreamParms,
    ) -> Result<Option<LocalRemoteDescriptor>, Refusal> {
        let mut s = self
            .st()
            .terms
            .get(id)
            .and_then(|t| t.streams.get(&sid).cloned())
            .unwrap_or_else(StreamState::new);
        let session_id = self.st().terms.get(id).map_or(0, |t| t.session_id);
        if let Some(lc) = &parms.local_control {
            if let Some(mode) = lc.stream_mode {
                s.mode = mode;
            }
            if lc.reserve_value.is_some() {
                s.reserve_value = lc.reserve_value;
            }
            if lc.reserve_group.is_some() {
                s.reserve_group = lc.reserve_group;
            }
            for p in &lc.property_parms {
                if p.value.as_single().is_none() {
                    return refuse(codes::BAD_VALUE, format!("{} takes one value", p.name));
                }
                s.props.retain(|x| !x.name.eq_ignore_ascii_case(&p.name));
                s.props.push(p.clone());
            }
        }
        if let Some(remote) = &parms.remote {
            if remote.groups.is_empty() {
                s.remote = None;
                s.remote_address = None;
            } else {
                let sd = media::chosen(remote)?;
                s.remote_address = media::remote_address(sd)?;
                s.remote = Some(sd.clone());
            }
        }
        let mut reply = None;
        if let Some(local) = &parms.local {
            if local.groups.is_empty() {
                if s.allocation.take().is_some() {
                    let r = self.backend.release(id.clone(), sid).await;
                    self.counted(r)?;
                }
                s.local = None;
            } else {
                let sd = media::chosen(local)?;
                let v = media::view(sd)?;
                if (v.address.is_none() || v.port.is_none()) && s.allocation.is_none() {
                    let realm = s
                        .props
                        .iter()
                        .find(|p| p.name.eq_ignore_ascii_case("ipdc/realm"))
                        .and_then(|p| p.value.as_single())
                        .map(Text::from);
                    let r = self
                        .backend
                        .reserve(ReserveRequest {
                            termination: id.clone(),
                            stream: sid,
                            family: v.family,
                            realm,
                        })
                        .await;
                    let allocation = self.counted(r)?;
                    // Stored at once so that a later failure releases it.
                    s.allocation = Some(allocation);
                    if let Some(t) = self.st().terms.get_mut(id) {
                        t.streams.insert(sid, s.clone());
                    }
                }
                let ccm_lines = media::negotiate(Some(sd), s.remote.as_ref(), &self.config.ccm)?;
                let resolved = media::resolve_local(
                    sd,
                    s.allocation,
                    session_id,
                    &self.config.codecs,
                    ccm_lines,
                )?;
                s.local = Some(resolved.clone());
                reply = Some(media::descriptor(resolved));
            }
        } else if parms.remote.is_some() {
            // A new Remote may change what the held Local negotiated.
            if let (Some(l), Some(r)) = (&s.local, &s.remote) {
                if let Some(lines) = media::negotiate(Some(l), Some(r), &self.config.ccm)? {
                    let resolved = media::resolve_local(
                        l,
                        s.allocation,
                        session_id,
                        &self.config.codecs,
                        Some(lines),
                    )?;
                    s.local = Some(resolved);
                }
            }
        }
        let r = self
            .backend
            .configure(StreamSetup {
                termination: id.clone(),
                stream: sid,
                mode: s.mode,
                remote: s.remote_address,
            })
            .await;
        self.counted(r)?;
        if let Some(t) = self.st().terms.get_mut(id) {
            t.streams.insert(sid, s);
        }
        Ok(reply)
    }

    // ---- Events and Signals --------------------------------------------------------------------

    /// The Events descriptor (clause 7.1.9) replaces the termination's
    /// events; `Events` without a RequestID clears them. An event the
    /// media plane cannot detect is 512; a `dd/ce` without a digit map the
    /// termination knows is 520 (E.6.2); embedded signals must be ones it
    /// can generate (513). Under LockStep (clause 7.1.10) a new Events
    /// descriptor releases the buffer: the first buffered event the new
    /// descriptor asks for is processed.
    async fn set_events(&self, id: &TerminationId, e: &EventsDescriptor) -> Result<(), Refusal> {
        let Some(request_id) = e.request_id else {
            if !e.events.is_empty() {
                return refuse(codes::BAD_COMMAND, "events without a RequestID");
            }
            if let Some(a) = self
                .st()
                .terms
                .get_mut(id)
                .and_then(|t| t.activity.as_mut())
            {
                a.events = None;
                a.digits = Digits::default();
            }
            let r = self.backend.detect_events(id.clone(), Vec::new()).await;
            return self.counted(r);
        };
        let digit_map = self
            .st()
            .terms
            .get(id)
            .and_then(|t| t.digit_map.as_deref().cloned())
            .unwrap_or_default();
        for ev in &e.events {
            if !self.backend.can_detect(&ev.name) {
                return refuse(
                    codes::CANNOT_DETECT,
                    format!("{} cannot be detected", ev.name),
                );
            }
            if is_dtmf_completion(&ev.name) {
                let body = match &ev.actions.event_dm {
                    Some(EventDm::Value(v)) => Some(v.body.clone()),
                    Some(EventDm::Name(n)) => digit_map
                        .name
                        .as_ref()
                        .filter(|x| x.eq_ignore_ascii_case(n))
                        .and(digit_map.value.as_ref().map(|v| v.body.clone())),
                    None => digit_map.value.as_ref().map(|v| v.body.clone()),
                };
                match body {
                    None => return refuse(codes::DIGIT_MAP_UNDEFINED, "dd/ce without a digit map"),
                    Some(b) if DigitMap::parse(&b).is_none() => {
                        return refuse(codes::BAD_VALUE, "a digit map this gateway cannot read")
                    }
                    Some(_) => {}
                }
            }
            if let Some(signals) = &ev.actions.signals {
                self.check_signals(signals)?;
            }
            if let Some(second) = &ev.actions.second_event {
                if let Some(bad) = second
                    .events
                    .iter()
                    .find(|x| !self.backend.can_detect(&x.name))
                {
                    return refuse(
                        codes::CANNOT_DETECT,
                        format!("{} cannot be detected", bad.name),
                    );
                }
            }
        }
        let mut names: Vec<Text> = e.events.iter().map(|x| x.name.clone()).collect();
        for ev in &e.events {
            if let Some(second) = &ev.actions.second_event {
                names.extend(second.events.iter().map(|x| x.name.clone()));
            }
        }
        let r = self.backend.detect_events(id.clone(), names).await;
        self.counted(r)?;
        let replay = match self.st().terms.get_mut(id) {
            Some(t) => {
                let was_blocked = std::mem::replace(&mut t.lockstep_blocked, false);
                let lockstep = t.buffer_control == EventBufferControl::LockStep;
                let a = t.act_mut();
                a.events = Some((request_id, e.events.clone()));
                a.digits = Digits::default();
                if was_blocked || lockstep {
                    let pos = a
                        .buffer
                        .iter()
                        .position(|b| e.events.iter().any(|r| event_matches(&r.name, &b.name)));
                    pos.and_then(|p| a.buffer.remove(p))
                } else {
                    None
                }
            }
            None => None,
        };
        if let Some(ev) = replay {
            Box::pin(self.observe(id, ev.stream_id, &ev.name, ev.params)).await;
        }
        Ok(())
    }

    fn check_signals(&self, signals: &[SignalRequest]) -> Result<(), Refusal> {
        for s in signals {
            let list: Vec<&Signal> = match s {
                SignalRequest::Signal(x) => vec![x],
                SignalRequest::SeqSigList(l) => l.signals.iter().collect(),
            };
            for x in list {
                if !self.backend.can_generate(&x.name) {
                    return refuse(
                        codes::CANNOT_GENERATE,
                        format!("{} cannot be generated", x.name),
                    );
                }
            }
        }
        Ok(())
    }

    /// The Signals descriptor (clause 7.1.11) replaces the signals playing:
    /// those playing stop (completion reason `reason`, reported with `g/sc`
    /// when their NotifyCompletion asks for it), the new ones start; an
    /// empty descriptor stops all. A sequential list plays its signals one
    /// after the other.
    async fn set_signals(
        &self,
        id: &TerminationId,
        signals: &[SignalRequest],
        reason: NotifyCompletion,
    ) -> Result<(), Refusal> {
        self.check_signals(signals)?;
        self.stop_signals(id, reason).await;
        for s in signals {
            let (first, list) = match s {
                SignalRequest::Signal(x) => (x.clone(), None),
                SignalRequest::SeqSigList(l) => {
                    let mut rest: VecDeque<Signal> = l.signals.iter().cloned().collect();
                    let Some(first) = rest.pop_front() else {
                        continue;
                    };
                    (first, Some((l.id, rest)))
                }
            };
            self.start_signal(id, first, list).await?;
        }
        Ok(())
    }

    async fn start_signal(
        &self,
        id: &TerminationId,
        signal: Signal,
        list: Option<(u16, VecDeque<Signal>)>,
    ) -> Result<(), Refusal> {
        let sig_id = {
            let mut st = self.st();
            st.next_signal += 1;
            st.next_signal - 1
        };
        let r = self
            .backend
            .start_signal(SignalStart {
                id: sig_id,
                termination: id.clone(),
                name: signal.name.clone(),
                stream: signal.stream_id,
                direction: signal.direction,
                params: signal.params.clone(),
                signal_type: signal.signal_type,
                duration_ms: signal.duration.map(u32::from),
            })
            .await;
        self.counted(r)?;
        if let Some(t) = self.st().terms.get_mut(id) {
            t.act_mut().signals.push(ActiveSignal {
                id: sig_id,
                signal,
                list,
            });
        }
        Ok(())
    }

    async fn stop_signals(&self, id: &TerminationId, reason: NotifyCompletion) {
        let playing = match self.st().terms.get_mut(id) {
            Some(t) => t
                .activity
                .as_mut()
                .map(|a| std::mem::take(&mut a.signals))
                .unwrap_or_default(),
            None => return,
        };
        for s in playing {
            let r = self.backend.stop_signal(id.clone(), s.id).await;
            let _ = self.counted(r);
            self.completed(id, &s.signal, reason);
        }
    }

    /// Reports a signal's completion with `g/sc` (H.248.1 E.1.2: SigID and
    /// Meth) when its NotifyCompletion lists the reason and `g/sc` is among
    /// the requested events.
    fn completed(&self, id: &TerminationId, signal: &Signal, reason: NotifyCompletion) {
        let wanted = signal
            .notify_completion
            .as_ref()
            .is_some_and(|list| list.contains(&reason));
        if !wanted {
            return;
        }
        let method = match reason {
            NotifyCompletion::OnTimeOut => "TO",
            NotifyCompletion::OnInterruptByEvent => "EV",
            NotifyCompletion::OnInterruptByNewSignalDescr => "SD",
            NotifyCompletion::OtherReason => "NC",
            NotifyCompletion::OnIteration => "PI",
        };
        let params = vec![
            PropertyParm::equal("SigID", signal.name.clone()),
            PropertyParm::equal("Meth", method),
        ];
        self.report(id, signal.stream_id, "g/sc", params);
    }

    /// A backend's signal finished its duration (TimeOut): the next signal
    /// of its list starts, or the signal is done.
    pub async fn signal_completed(&self, id: &TerminationId, sig_id: u64) {
        let done = {
            let mut st = self.st();
            let Some(t) = st.terms.get_mut(id) else {
                return;
            };
            let Some(signals) = t.activity.as_mut().map(|a| &mut a.signals) else {
                return;
            };
            let Some(pos) = signals.iter().position(|s| s.id == sig_id) else {
                return;
            };
            signals.remove(pos)
        };
        if let Some((list_id, mut rest)) = done.list {
            if let Some(next) = rest.pop_front() {
                if self
                    .start_signal(id, next, Some((list_id, rest)))
                    .await
                    .is_ok()
                {
                    return;
                }
            }
        }
        self.completed(id, &done.signal, NotifyCompletion::OnTimeOut);
        self.publish();
    }

    /// Queues an ObservedEvent for the Notify path, without the signal /
    /// embedded processing (used for `g/sc`, which itself interrupts
    /// nothing).
    fn report(
        &self,
        id: &TerminationId,
        stream: Option<StreamId>,
        name: &str,
        params: Vec<PropertyParm>,
    ) {
        let mut st = self.st();
        let Some(t) = st.terms.get_mut(id) else {
            return;
        };
        let Some((request_id, events)) = &t.act().events else {
            return;
        };
        let Some(requested) = events.iter().find(|r| event_matches(&r.name, name)) else {
            return;
        };
        if t.lockstep_blocked {
            push_buffer(t, stream, name, params, self.config.event_buffer_size);
            return;
        }
        let never = matches!(
            requested.actions.notify_behaviour,
            Some(NotifyBehaviour::Never)
        );
        let request_id = *request_id;
        if t.buffer_control == EventBufferControl::LockStep {
            t.lockstep_blocked = true;
        }
        let context = t.context;
        if !never {
            self.notify(id, context, request_id, stream, name, params);
        }
    }

    fn notify(
        &self,
        id: &TerminationId,
        context: u32,
        request_id: RequestId,
        stream: Option<StreamId>,
        name: &str,
        params: Vec<PropertyParm>,
    ) {
        let action = ActionRequest {
            context_id: ContextId(context),
            context_request: None,
            context_attr_audit: None,
            commands: vec![CommandRequest::new(Command::Notify(NotifyRequest {
                termination_ids: small_list![id.clone()],
                observed_events: ObservedEventsDescriptor {
                    request_id,
                    events: vec![ObservedEvent {
                        name: Text::from(name),
                        stream_id: stream,
                        params,
                        timestamp: None,
                    }],
                },
                error: None,
            }))],
        };
        if self.outbox.try_send(vec![action]).is_err() {
            self.counters
                .notifies_dropped
                .fetch_add(1, Ordering::Relaxed);
        }
    }

    /// An event the media plane detected (clause 7.1.9): reported when the
    /// Events descriptor asks for it (ObservedEvents in a Notify, clause
    /// 7.2.7), buffered under LockStep while a Notify is outstanding
    /// (clause 7.1.10), its embedded Signals and Events applied; without
    /// KeepActive it stops the signals playing (completion reason EV). DTMF
    /// digits feed the `dd/ce` digit map (E.6.2).
    pub async fn observe(
        &self,
        id: &TerminationId,
        stream: Option<StreamId>,
        name: &str,
        params: Vec<PropertyParm>,
    ) {
        let events = {
            let mut st = self.st();
            let Some(t) = st.terms.get_mut(id) else {
                return;
            };
            if t.lockstep_blocked {
                let a = t.act();
                let buffered = a.buffer_spec.iter().any(|s| event_matches(&s.name, name))
                    || a.events
                        .as_ref()
                        .is_some_and(|(_, e)| e.iter().any(|r| event_matches(&r.name, name)));
                if buffered {
                    push_buffer(t, stream, name, params, self.config.event_buffer_size);
                }
                return;
            }
            let Some((_, events)) = &t.act().events else {
                return;
            };
            events.clone()
        };
        if let Some(symbol) = symbol_of_event(name) {
            if let Some(ce) = events.iter().find(|r| is_dtmf_completion(&r.name)) {
                let ce = ce.clone();
                self.digit(id, symbol, &ce).await;
            }
        }
        let Some(requested) = events
            .iter()
            .find(|r| event_matches(&r.name, name))
            .cloned()
        else {
            return;
        };
        if is_dtmf_completion(name) {
            return;
        }
        self.fire(id, stream, name, params, &requested).await;
    }

    /// Reports a requested event and runs its actions.
    async fn fire(
        &self,
        id: &TerminationId,
        stream: Option<StreamId>,
        name: &str,
        params: Vec<PropertyParm>,
        requested: &RequestedEvent,
    ) {
        self.report(id, stream, name, params);
        let actions = &requested.actions;
        if let Some(signals) = &actions.signals {
            let _ = self
                .set_signals(id, signals, NotifyCompletion::OnInterruptByEvent)
                .await;
        } else if !actions.keep_active {
            self.stop_signals(id, NotifyCompletion::OnInterruptByEvent)
                .await;
        }
        if let Some(second) = &actions.second_event {
            let events = EventsDescriptor {
                request_id: second.request_id,
                events: second
                    .events
                    .iter()
                    .map(|e| RequestedEvent {
                        name: e.name.clone(),
                        stream_id: e.stream_id,
                        actions: RequestedActions {
                            keep_active: e.actions.keep_active,
                            event_dm: e.actions.event_dm.clone(),
                            second_event: None,
                            signals: e.actions.signals.clone(),
                            notify_behaviour: e.actions.notify_behaviour.clone(),
                            reset_events_descriptor: e.actions.reset_events_descriptor,
                        },
                        params: e.params.clone(),
                    })
                    .collect(),
            };
            let _ = Box::pin(self.set_events(id, &events)).await;
        }
    }

    /// One DTMF symbol for the `dd/ce` digit map (H.248.1 E.6.2): complete
    /// with UM on an unambiguous match, at once with PM / FM when no
    /// alternative can match any more, else arm the inter-digit timer.
    async fn digit(&self, id: &TerminationId, symbol: char, ce: &RequestedEvent) {
        let body = self.digit_map_body(id, ce);
        let Some(map) = body.as_deref().and_then(DigitMap::parse) else {
            return;
        };
        let (collected, generation) = {
            let mut st = self.st();
            let Some(t) = st.terms.get_mut(id) else {
                return;
            };
            let digits = &mut t.act_mut().digits;
            digits.collected.push(symbol);
            digits.generation += 1;
            (digits.collected.clone(), digits.generation)
        };
        match map.state(&collected) {
            MatchState::Unambiguous => self.digits_done(id, "UM", ce).await,
            MatchState::NoMatch => {
                let before = &collected[..collected.len() - 1];
                let method = if !before.is_empty() && map.state(before) == MatchState::Full {
                    "FM"
                } else {
                    "PM"
                };
                self.digits_done(id, method, ce).await
            }
            state => {
                let ms = if state == MatchState::Full {
                    self.config.digit_short_timer_ms
                } else {
                    self.config.digit_long_timer_ms
                };
                let timers = self.timers.clone();
                let termination = id.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(std::time::Duration::from_millis(u64::from(ms))).await;
                    let _ = timers.send(Timer::Digits {
                        termination,
                        generation,
                    });
                });
            }
        }
    }

    fn digit_map_body(&self, id: &TerminationId, ce: &RequestedEvent) -> Option<Text> {
        let st = self.st();
        let t = st.terms.get(id)?;
        match &ce.actions.event_dm {
            Some(EventDm::Value(v)) => Some(v.body.clone()),
            _ => t
                .digit_map
                .as_ref()
                .and_then(|d| d.value.as_ref())
                .map(|v| v.body.clone()),
        }
    }

    async fn digits_done(&self, id: &TerminationId, method: &str, ce: &RequestedEvent) {
        let digits = {
            let mut st = self.st();
            let Some(t) = st.terms.get_mut(id) else {
                return;
            };
            let digits = &mut t.act_mut().digits;
            digits.generation += 1;
            std::mem::take(&mut digits.collected)
        };
        let params = vec![
            PropertyParm::equal("ds", digits),
            PropertyParm::equal("Meth", method),
        ];
        self.fire(id, ce.stream_id, &ce.name.clone(), params, ce)
            .await;
    }

    /// The inter-digit timer expired: FM after a full match, PM otherwise.
    pub async fn timer(&self, timer: Timer) {
        let Timer::Digits {
            termination,
            generation,
        } = timer;
        let (ce, collected) = {
            let st = self.st();
            let Some(t) = st.terms.get(&termination) else {
                return;
            };
            let a = t.act();
            if a.digits.generation != generation || a.digits.collected.is_empty() {
                return;
            }
            let Some((_, events)) = &a.events else { return };
            let Some(ce) = events.iter().find(|r| is_dtmf_completion(&r.name)).cloned() else {
                return;
            };
            (ce, a.digits.collected.clone())
        };
        let full = self
            .digit_map_body(&termination, &ce)
            .and_then(|b| DigitMap::parse(&b))
            .is_some_and(|m| m.state(&collected) == MatchState::Full);
        self.digits_done(&termination, if full { "FM" } else { "PM" }, &ce)
            .await;
    }

    // ---- Subtract, audits, ServiceChange --------------------------------------------------------

    /// Subtract (clause 7.2.4) from a context or, with `*`, from every
    /// context (the ALL context). By default the reply carries the
    /// termination's Statistics; an empty Audit descriptor asks for none,
    /// another Audit descriptor for what it names. The emptied context is
    /// deleted.
    async fn subtract(
        &self,
        scope: Scope,
        s: &SubtractRequest,
        wildcard_return: bool,
    ) -> Result<Replies, Refusal> {
        if matches!(scope, Scope::Null | Scope::Choose) {
            return refuse(
                codes::ILLEGAL_ACTION,
                "Subtract from the NULL context or CHOOSE",
            );
        }
        let targets = self.st().select(scope, &s.termination_ids)?;
        let mut out = Replies::new();
        for id in &targets {
            let context = self.st().terms.get(id).map_or(0, |t| t.context);
            let audit = match &s.audit {
                None => match self.statistics(id).await {
                    Ok(st) => vec![AuditReturnParameter::Statistics(st)],
                    Err(_) => Vec::new(),
                },
                Some(a) => self.audit(id, a).await.unwrap_or_default(),
            };
            self.stop_signals(id, NotifyCompletion::OtherReason).await;
            self.release(id).await;
            out.push((
                ContextId(context),
                CommandReply::Subtract(AmmsReply {
                    termination_ids: small_list![id.clone()],
                    audit,
                }),
            ));
        }
        Ok(wildcard_collapse(out, &s.termination_ids, wildcard_return))
    }

    async fn statistics(&self, id: &TerminationId) -> Result<StatisticsDescriptor, Refusal> {
        let r = self.backend.statistics(id.clone()).await;
        self.counted(r)
    }

    /// AuditValue (clause 7.2.5): `*` with an empty Audit descriptor lists
    /// the terminations of the context (one reply per context under ALL);
    /// otherwise the audited descriptors of each termination; ROOT reports
    /// its Packages and Events.
    async fn audit_value(
        &self,
        scope: Scope,
        a: &AuditRequest,
        wildcard_return: bool,
    ) -> Result<Replies, Refusal> {
        if scope == Scope::Choose {
            return refuse(codes::ILLEGAL_ACTION, "AuditValue under CHOOSE");
        }
        let empty = a.audit.tokens.is_empty() && a.audit.property_tokens.is_empty();
        if a.termination_ids.len() == 1 && a.termination_ids[0].is_root() {
            if scope != Scope::Null {
                return refuse(codes::NOT_IN_CONTEXT, "ROOT is in the NULL context");
            }
            let mut audit = Vec::new();
            if a.audit.tokens.contains(&AuditToken::Packages) {
                audit.push(AuditReturnParameter::Packages(self.packages()));
            }
            if a.audit.tokens.contains(&AuditToken::Events) {
                if let Some(e) = &self.st().root_events {
                    audit.push(AuditReturnParameter::Events(e.clone()));
                }
            }
            return Ok(smallvec![(
                ContextId::NULL,
                CommandReply::AuditValue(AuditReply::Result {
                    termination_ids: small_list![TerminationId::root()],
                    audit,
                }),
            )]);
        }
        if empty && a.termination_ids.len() == 1 && a.termination_ids[0].as_str() == "*" {
            let contexts: Vec<(u32, Vec<TerminationId>)> = match scope {
                Scope::Specific(id) => self
                    .st()
                    .contexts
                    .get(&id)
                    .map(|c| vec![(id, c.terminations.clone())])
                    .unwrap_or_default(),
                Scope::All => self
                    .st()
                    .contexts
                    .iter()
                    .map(|(id, c)| (*id, c.terminations.clone()))
                    .collect(),
                _ => {
                    let mut physical: Vec<TerminationId> = self
                        .st()
                        .terms
                        .iter()
                        .filter(|(_, t)| t.physical && t.context == 0)
                        .map(|(id, _)| id.clone())
                        .collect();
                    physical.sort();
                    vec![(0, physical)]
                }
            };
            if contexts.is_empty() {
                return refuse(codes::NO_WILDCARD_MATCH, "no context to audit");
            }
            return Ok(contexts
                .into_iter()
                .map(|(id, list)| {
                    (
                        ContextId(id),
                        CommandReply::AuditValue(AuditReply::ContextAuditResult(list)),
                    )
                })
                .collect());
        }
        let targets = self.st().select(scope, &a.termination_ids)?;
        let mut out = Replies::new();
        for id in &targets {
            let audit = self.audit(id, &a.audit).await?;
            let context = self.st().terms.get(id).map_or(0, |t| t.context);
            out.push((
                ContextId(context),
                CommandReply::AuditValue(AuditReply::Result {
                    termination_ids: small_list![id.clone()],
                    audit,
                }),
            ));
        }
        Ok(wildcard_collapse(out, &a.termination_ids, wildcard_return))
    }

    fn packages(&self) -> PackagesDescriptor {
        self.validator
            .profile()
            .packages
            .iter()
            .map(|p| PackagesItem {
                name: p.name.clone(),
                version: u16::from(p.version),
            })
            .collect()
    }

    /// The audited descriptors of one termination (clause 7.1.15 tokens and
    /// the v2+ individual items, each answered with its whole descriptor;
    /// a Statistics item with that statistic).
    async fn audit(
        &self,
        id: &TerminationId,
        a: &AuditDescriptor,
    ) -> Result<TerminationAudit, Refusal> {
        let mut out = Vec::new();
        let Some(t) = self.st().terms.get(id).cloned() else {
            return refuse(codes::UNKNOWN_TERMINATION, format!("no termination {id}"));
        };
        let mut wanted: Vec<AuditToken> = a.tokens.clone();
        let mut statistics: Vec<Text> = Vec::new();
        for p in &a.property_tokens {
            let token = match p {
                IndAuditParameter::Media(_) => AuditToken::Media,
                IndAuditParameter::Events(_) => AuditToken::Events,
                IndAuditParameter::EventBuffer(_) => AuditToken::EventBuffer,
                IndAuditParameter::Signals(_) => AuditToken::Signals,
                IndAuditParameter::DigitMap(_) => AuditToken::DigitMap,
                IndAuditParameter::Packages(_) => AuditToken::Packages,
                IndAuditParameter::Statistics(s) => {
                    statistics.push(s.name.clone());
                    continue;
                }
            };
            if !wanted.contains(&token) {
                wanted.push(token);
            }
        }
        for token in wanted {
            match token {
                AuditToken::Media => out.push(AuditReturnParameter::Media(media_of(&t))),
                AuditToken::Events => out.push(AuditReturnParameter::Events(EventsDescriptor {
                    request_id: t.act().events.as_ref().map(|(r, _)| *r),
                    events: t
                        .act()
                        .events
                        .as_ref()
                        .map(|(_, e)| e.clone())
                        .unwrap_or_default(),
                })),
                AuditToken::Signals => out.push(AuditReturnParameter::Signals(
                    t.act()
                        .signals
                        .iter()
                        .map(|s| SignalRequest::Signal(s.signal.clone()))
                        .collect(),
                )),
                AuditToken::DigitMap => out.push(AuditReturnParameter::DigitMap(
                    t.digit_map.as_deref().cloned().unwrap_or_default(),
                )),
                AuditToken::EventBuffer => out.push(AuditReturnParameter::EventBuffer(
                    t.act().buffer_spec.clone(),
                )),
                AuditToken::ObservedEvents => out.push(AuditReturnParameter::ObservedEvents(
                    ObservedEventsDescriptor {
                        request_id: t.act().events.as_ref().map_or(RequestId(0), |(r, _)| *r),
                        events: t.act().buffer.iter().cloned().collect(),
                    },
                )),
                AuditToken::Statistics => {
                    out.push(AuditReturnParameter::Statistics(self.statistics(id).await?))
                }
                AuditToken::Packages => out.push(AuditReturnParameter::Packages(self.packages())),
                AuditToken::Mux | AuditToken::Modem => {}
            }
        }
        if !statistics.is_empty() {
            let all = self.statistics(id).await?;
            let picked: StatisticsDescriptor = all
                .into_iter()
                .filter(|s| statistics.iter().any(|n| n.eq_ignore_ascii_case(&s.name)))
                .collect();
            out.push(AuditReturnParameter::Statistics(picked));
        }
        Ok(out)
    }

    /// AuditCapabilities (clause 7.2.6): the packages of the profile, the
    /// events and signals of them the media plane supports (`Events = *`),
    /// and for Media the address families and codecs it serves with `$`.
    fn audit_capabilities(&self, scope: Scope, a: &AuditRequest) -> Result<Replies, Refusal> {
        if scope == Scope::Choose {
            return refuse(codes::ILLEGAL_ACTION, "AuditCapabilities under CHOOSE");
        }
        let root = a.termination_ids.len() == 1 && a.termination_ids[0].is_root();
        let targets = if root {
            smallvec![TerminationId::root()]
        } else {
            self.st().select(scope, &a.termination_ids)?
        };
        let profile = self.validator.profile();
        let mut events = Vec::new();
        let mut signals = Vec::new();
        for p in &profile.packages {
            for e in p.events.iter().flatten() {
                let name = format!("{}/{}", p.name, e);
                if self.backend.can_detect(&name) {
                    events.push(RequestedEvent {
                        name: Text::from(name),
                        stream_id: None,
                        actions: RequestedActions::default(),
                        params: Vec::new(),
                    });
                }
            }
            for s in p.signals.iter().flatten() {
                let name = format!("{}/{}", p.name, s);
                if self.backend.can_generate(&name) {
                    signals.push(SignalRequest::Signal(Signal::named(name)));
                }
            }
        }
        let mut audit = Vec::new();
        for token in &a.audit.tokens {
            match token {
                AuditToken::Packages => audit.push(AuditReturnParameter::Packages(self.packages())),
                AuditToken::Events => audit.push(AuditReturnParameter::Events(EventsDescriptor {
                    request_id: Some(RequestId::ALL),
                    events: events.clone(),
                })),
                AuditToken::Signals => audit.push(AuditReturnParameter::Signals(signals.clone())),
                AuditToken::Media if !root => {
                    audit.push(AuditReturnParameter::Media(MediaDescriptor {
                        termination_state: None,
                        streams: Some(Streams::One(StreamParms {
                            local: Some(LocalRemoteDescriptor {
                                groups: media::capability_sdp(
                                    &self.config.families,
                                    &self.config.codecs,
                                ),
                            }),
                            ..Default::default()
                        })),
                    }))
                }
                _ => {}
            }
        }
        Ok(targets
            .into_iter()
            .map(|id| {
                let context = self.st().terms.get(&id).map_or(0, |t| t.context);
                (
                    ContextId(context),
                    CommandReply::AuditCapabilities(AuditReply::Result {
                        termination_ids: small_list![id],
                        audit: audit.clone(),
                    }),
                )
            })
            .collect())
    }

    /// ServiceChange from the MGC (clause 7.2.8): on ROOT it is answered
    /// (the control association keeps registration to itself); on
    /// terminations, Forced / Graceful take them out of service and Restart
    /// puts them back (ServiceStates, clause 7.1.5); other methods are 501.
    fn service_change(&self, scope: Scope, sc: &ServiceChangeRequest) -> Result<Replies, Refusal> {
        let reply = |ids: SmallList<TerminationId>| {
            CommandReply::ServiceChange(ServiceChangeReply {
                termination_ids: ids,
                result: ServiceChangeResult::Parms(ServiceChangeResParm::default()),
            })
        };
        if sc.termination_ids.len() == 1 && sc.termination_ids[0].is_root() {
            if scope != Scope::Null {
                return refuse(codes::NOT_IN_CONTEXT, "ROOT is in the NULL context");
            }
            return Ok(smallvec![(
                ContextId::NULL,
                reply(small_list![TerminationId::root()])
            )]);
        }
        let state = match sc.parms.method {
            ServiceChangeMethod::Forced | ServiceChangeMethod::Graceful => {
                ServiceState::OutOfService
            }
            ServiceChangeMethod::Restart => ServiceState::InService,
            _ => {
                return refuse(
                    codes::NOT_IMPLEMENTED,
                    "only Forced, Graceful and Restart apply to terminations",
                )
            }
        };
        if scope == Scope::Choose {
            return refuse(codes::ILLEGAL_ACTION, "ServiceChange under CHOOSE");
        }
        let targets = self.st().select(scope, &sc.termination_ids)?;
        let mut out = Replies::new();
        for id in targets {
            let context = match self.st().terms.get_mut(&id) {
                Some(t) => {
                    t.service_state = state;
                    t.context
                }
                None => 0,
            };
            out.push((ContextId(context), reply(small_list![id])));
        }
        Ok(out)
    }

    /// Subtracts everything (shutdown).
    pub async fn clear(&self) {
        let ids: Vec<TerminationId> = self
            .st()
            .terms
            .iter()
            .filter(|(_, t)| t.context != 0)
            .map(|(id, _)| id.clone())
            .collect();
        for id in ids {
            self.stop_signals(&id, NotifyCompletion::OtherReason).await;
            self.release(&id).await;
        }
        self.publish();
    }
}

fn push_buffer(
    t: &mut Term,
    stream: Option<StreamId>,
    name: &str,
    params: Vec<PropertyParm>,
    max: usize,
) {
    // Bounded (clause 7.1.10 leaves the size to the MG): the oldest goes.
    let buffer = &mut t.act_mut().buffer;
    if buffer.len() >= max.max(1) {
        buffer.pop_front();
    }
    buffer.push_back(ObservedEvent {
        name: Text::from(name),
        stream_id: stream,
        params,
        timestamp: None,
    });
}

fn media_of(t: &Term) -> MediaDescriptor {
    let streams = t
        .streams
        .iter()
        .map(|(sid, s)| StreamDescriptor {
            stream_id: *sid,
            parms: StreamParms {
                local_control: Some(LocalControlDescriptor {
                    stream_mode: Some(s.mode),
                    reserve_value: s.reserve_value,
                    reserve_group: s.reserve_group,
                    property_parms: s.props.clone(),
                }),
                local: s.local.clone().map(media::descriptor),
                remote: s.remote.clone().map(media::descriptor),
                statistics: None,
            },
        })
        .collect::<Vec<_>>();
    MediaDescriptor {
        termination_state: Some(TerminationStateDescriptor {
            property_parms: t.act().state_props.clone(),
            event_buffer_control: Some(t.buffer_control),
            service_state: Some(t.service_state),
        }),
        streams: (!streams.is_empty()).then_some(Streams::Multi(streams)),
    }
}

/// With `W-` (clause 6.2.2, v2+), one reply per context, naming the
/// wildcarded ID of the request, without per-termination descriptors.
fn wildcard_collapse(
    replies: Replies,
    requested: &[TerminationId],
    wildcard_return: bool,
) -> Replies {
    if !wildcard_return || !requested.iter().any(TerminationId::has_all_wildcard) {
        return replies;
    }
    let mut out = Replies::new();
    for (context, reply) in replies {
        if out.iter().any(|(c, _)| *c == context) {
            continue;
        }
        let ids = SmallList::from(requested);
        let collapsed = match reply {
            CommandReply::Subtract(_) => CommandReply::Subtract(AmmsReply {
                termination_ids: ids,
                audit: Vec::new(),
            }),
            CommandReply::Modify(_) => CommandReply::Modify(AmmsReply {
                termination_ids: ids,
                audit: Vec::new(),
            }),
            CommandReply::AuditValue(_) => CommandReply::AuditValue(AuditReply::Result {
                termination_ids: ids,
                audit: Vec::new(),
            }),
            other => other,
        };
        out.push((context, collapsed));
    }
    out
}

/// Appends a command reply to the action replies of this action, starting
/// a new ActionReply when the context changes.
fn push(
    replies: &mut Vec<ActionReply>,
    first: usize,
    context: ContextId,
    reply: Option<CommandReply>,
) {
    let same = replies.len() > first && replies.last().is_some_and(|r| r.context_id == context);
    if !same {
        replies.push(ActionReply {
            context_id: context,
            error: None,
            context_reply: None,
            commands: Vec::new(),
        });
    }
    if let (Some(reply), Some(last)) = (reply, replies.last_mut()) {
        last.commands.push(reply);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(context: ContextId, command: Command) -> ActionRequest {
        ActionRequest {
            context_id: context,
            context_request: None,
            context_attr_audit: None,
            commands: vec![CommandRequest::new(command)],
        }
    }

    fn amm(id: &str) -> AmmRequest {
        AmmRequest {
            termination_ids: small_list![TerminationId::from(id)],
            descriptors: Vec::new(),
        }
    }

    #[test]
    fn access_names_the_contexts_a_transaction_holds() {
        let add = |id| Command::Add(amm(id));
        assert_eq!(
            access(&[
                request(ContextId(7), Command::Modify(amm("ip/1"))),
                request(ContextId::CHOOSE, add("ip/$")),
                request(ContextId(3), Command::Modify(amm("ip/2"))),
                request(ContextId(7), Command::Modify(amm("ip/1"))),
            ]),
            Access::Contexts(smallvec![3, 7])
        );
        // A physical termination comes out of the NULL context.
        assert_eq!(
            access(&[request(ContextId::CHOOSE, add("tdm/1"))]),
            Access::Contexts(smallvec![0])
        );
        assert_eq!(
            access(&[request(ContextId::NULL, Command::Modify(amm("ROOT")))]),
            Access::Contexts(smallvec![0])
        );
        assert_eq!(
            access(&[request(ContextId::ALL, Command::Modify(amm("*")))]),
            Access::Exclusive
        );
        assert_eq!(
            access(&[request(ContextId(2), Command::Move(amm("ip/1")))]),
            Access::Exclusive
        );
    }

    /// Contexts are held only while a transaction holds them: none is
    /// left behind by Add / Subtract, a failed Add, Move, or unknown
    /// contexts, and an idle context costs nothing.
    #[tokio::test]
    async fn context_locks_are_held_only_while_in_use() {
        let profile = h248_profiles::profile::Profile::iq();
        let validator = Validator::new(profile.clone(), &h248_profiles::full(), &[]);
        let (outbox, _outbox_rx) = mpsc::channel(16);
        let (timers, _timers_rx) = mpsc::unbounded_channel();
        let engine = Engine::new(
            GatewayConfig::new(profile),
            validator,
            Arc::new(super::super::SimBackend::new(Default::default())),
            Arc::new(Counters::default()),
            outbox,
            timers,
        );
        let run = |actions: Vec<ActionRequest>| {
            let engine = &engine;
            async move {
                let access = access(&actions);
                match engine
                    .with_access(&access, std::pin::pin!(engine.execute(3, actions)))
                    .await
                {
                    TransactionResult::ActionReplies(r) => r,
                    TransactionResult::Error(e) => panic!("{e:?}"),
                }
            }
        };
        // Contexts held, the NULL context (0) aside.
        let locks_in_table = || engine.claims.held_contexts();
        let add = || request(ContextId::CHOOSE, Command::Add(amm("ip/$")));
        let r = run(vec![add()]).await;
        let c1 = r[0].context_id;
        let r = run(vec![add()]).await;
        let c2 = r[0].context_id;
        assert_eq!(engine.context_count(), 2);
        assert_eq!(locks_in_table(), 0);
        // While a transaction holds c1, its lock is there; then it goes.
        {
            let held = engine
                .claims
                .acquire(&Access::Contexts(smallvec![c1.0]))
                .await;
            assert_eq!(locks_in_table(), 1);
            drop(held);
        }
        assert_eq!(locks_in_table(), 0);
        // Unknown contexts (411) leave nothing.
        run(vec![request(ContextId(999), Command::Modify(amm("ip/1")))]).await;
        assert_eq!(locks_in_table(), 0);
        // A failed Add under CHOOSE (unknown prefix: 430) leaves nothing.
        run(vec![request(ContextId::CHOOSE, Command::Add(amm("zz/$")))]).await;
        assert_eq!(locks_in_table(), 0);
        // Move empties c1 (exclusive), Subtract empties c2.
        run(vec![request(c2, Command::Move(amm("ip/1")))]).await;
        assert_eq!(engine.context_count(), 1);
        assert_eq!(locks_in_table(), 0);
        let subtract = Command::Subtract(SubtractRequest {
            termination_ids: small_list![TerminationId::from("*")],
            audit: None,
        });
        run(vec![request(c2, subtract)]).await;
        assert_eq!(engine.context_count(), 0);
        assert_eq!(locks_in_table(), 0);
        assert_ne!(c1, c2);
    }

    #[test]
    fn wildcards_match_per_level() {
        assert!(wildcard_matches("*", "ip/1"));
        assert!(wildcard_matches("ip/*", "ip/1"));
        assert!(wildcard_matches("ip/*", "ip/1/2"));
        assert!(!wildcard_matches("ip/*", "rtp/1"));
        assert!(wildcard_matches("a/*/c", "a/b/c"));
        assert!(!wildcard_matches("a/*/c", "a/b/d"));
        assert!(!wildcard_matches("a/*/c", "a/b/c/d"));
        assert!(wildcard_matches("ip/1", "IP/1"));
        assert!(!wildcard_matches("ip/1", "ip/12"));
    }
}
