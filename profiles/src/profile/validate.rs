//! A message checked against a profile: every violation, with the H.248.8
//! error code the receiver answers and where it is.
//!
//! The codes (H.248.8 (08/07) clause 2, as the profiles use them):
//!
//! | rule | code |
//! |---|---|
//! | protocol version not in the profile (header or ServiceChangeVersion) | 406 |
//! | more transactions in one message than the profile allows | 413 |
//! | command not sent in this direction by the profile | 443 |
//! | descriptor not in the profile's Command API for this command | 444 |
//! | package not part of the profile | 440 |
//! | item the package does not define: property, event, signal, statistic | 450, 451, 452, 453 |
//! | item the package defines but the profile does not use: property, event, signal, statistic | 445, 512, 513, 501 |
//! | ServiceChangeProfile other than the profile's name and version | 461 (H.248.18) |
//! | Local/Remote SDP the profile cannot accept (syntax or attribute value) | 449 (TS 29.334 §5.17.1) |
//! | element the profile does not use: wildcarded response outside the allowed commands, EventBufferControl, segmentation over a transport that does not segment | 501 (TS 29.334 §5.2) |

use std::collections::{HashMap, HashSet};
use std::fmt;

use h248_stack::model::*;
use h248_stack::package::{Catalogue, ItemKind};

use super::walk::Walker;
use super::{CommandKind, DescriptorKind, Profile, TransportKind};
use crate::catalogue::TextOnlyItem;

/// Who sent the message being checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender {
    /// The controller (MRFC on Mp, IMS-ALG on Iq): requests go to the MG.
    Mgc,
    /// The gateway (MRFP, IMS-AGW).
    Mg,
}

/// The transport a message came over, when known (for the profile's
/// transport and segmentation rules).
pub type Transport = TransportKind;

/// What the check needs besides the message.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    pub sender: Sender,
    pub transport: Option<TransportKind>,
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The H.248.8 error code the receiver answers with.
    pub code: u16,
    /// Where: transaction, context, command, descriptor, item.
    pub path: String,
    /// What is wrong, naming the rule.
    pub message: String,
    /// The command (0-based, within its action) the violation is in, when
    /// it is in one: the command a gateway refuses for it.
    pub command: Option<usize>,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}: {}", self.code, self.path, self.message)
    }
}

/// The item names each package of the profile defines, from the
/// catalogue (binary IDs known) and the text-only list.
#[derive(Debug, Default)]
struct KnownItems {
    by_package: HashMap<String, [HashSet<String>; 4]>,
}

fn slot(kind: ItemKind) -> usize {
    match kind {
        ItemKind::Property => 0,
        ItemKind::Event => 1,
        ItemKind::Signal => 2,
        ItemKind::Statistic => 3,
    }
}

fn kind_name(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Property => "property",
        ItemKind::Event => "event",
        ItemKind::Signal => "signal",
        ItemKind::Statistic => "statistic",
    }
}

/// A profile with the catalogue knowledge it is checked with. Build it once
/// and check any number of messages.
#[derive(Debug)]
pub struct Validator {
    profile: Profile,
    /// The profile's packages and every package they extend (clause 12.1.2:
    /// an extending package carries its parent's items), lower case.
    allowed: HashSet<String>,
    /// For each allowed package, its own profile entry's name (for item
    /// restrictions) and the items known for it and its parents.
    known: KnownItems,
}

const KINDS: [ItemKind; 4] = [
    ItemKind::Property,
    ItemKind::Event,
    ItemKind::Signal,
    ItemKind::Statistic,
];

impl Validator {
    /// `profile` with the item definitions of `catalogue` and `text_only`.
    pub fn new(profile: Profile, catalogue: &Catalogue, text_only: &[TextOnlyItem]) -> Self {
        let mut allowed = HashSet::new();
        let mut known = KnownItems::default();
        for entry in &profile.packages {
            // The package and its lineage, nearest first.
            let mut lineage = vec![entry.name.to_ascii_lowercase().to_string()];
            let mut next = catalogue.get(&entry.name);
            while let Some(package) = next {
                match &package.extends {
                    Some(parent) if lineage.len() < 16 => {
                        lineage.push(parent.name.to_ascii_lowercase().to_string());
                        next = catalogue.get(&parent.name);
                    }
                    _ => next = None,
                }
            }
            for (i, name) in lineage.iter().enumerate() {
                allowed.insert(name.clone());
                // Items known for this package: its own and its ancestors'.
                let sets = known.by_package.entry(name.clone()).or_default();
                for ancestor in &lineage[i..] {
                    if let Some(package) = catalogue.get(ancestor) {
                        for kind in KINDS {
                            sets[slot(kind)].extend(
                                package
                                    .items(kind)
                                    .iter()
                                    .map(|item| item.name.to_ascii_lowercase().to_string()),
                            );
                        }
                    }
                    for item in text_only.iter().filter(|t| {
                        t.parameter_of.is_none() && t.package.eq_ignore_ascii_case(ancestor)
                    }) {
                        sets[slot(item.kind)].insert(item.name.to_ascii_lowercase().to_string());
                    }
                }
            }
        }
        Validator {
            profile,
            allowed,
            known,
        }
    }

    /// The profile checked against.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// Every violation of the profile in `message`, in message order.
    pub fn check(&self, message: &MegacoMessage, context: Context) -> Vec<Violation> {
        let mut check = Check {
            validator: self,
            context,
            out: Vec::new(),
            command: None,
        };
        check.message(&message.message);
        check.out
    }

    /// Every violation of the profile in one action of a request in
    /// message `version` (the version and action rules of [`check`]
    /// without the message around it); paths start at the context.
    ///
    /// [`check`]: Validator::check
    pub fn check_action(
        &self,
        version: u8,
        action: &ActionRequest,
        context: Context,
    ) -> Vec<Violation> {
        let mut check = Check {
            validator: self,
            context,
            out: Vec::new(),
            command: None,
        };
        check.version(version);
        check.action_request(None, action);
        check.out
    }
}

/// Checks `message` against `profile` with the full catalogue of this crate.
pub fn validate(message: &MegacoMessage, profile: &Profile, context: Context) -> Vec<Violation> {
    let text_only = crate::catalogue::text_only_items().unwrap_or_default();
    Validator::new(profile.clone(), &crate::catalogue::full(), &text_only).check(message, context)
}

struct Check<'v> {
    validator: &'v Validator,
    context: Context,
    out: Vec<Violation>,
    /// The command being checked (0-based within its action).
    command: Option<usize>,
}

fn command_kind(command: &Command) -> CommandKind {
    match command {
        Command::Add(_) => CommandKind::Add,
        Command::Move(_) => CommandKind::Move,
        Command::Modify(_) => CommandKind::Modify,
        Command::Subtract(_) => CommandKind::Subtract,
        Command::AuditCapabilities(_) => CommandKind::AuditCapabilities,
        Command::AuditValue(_) => CommandKind::AuditValue,
        Command::Notify(_) => CommandKind::Notify,
        Command::ServiceChange(_) => CommandKind::ServiceChange,
    }
}

fn reply_kind(reply: &CommandReply) -> CommandKind {
    match reply {
        CommandReply::Add(_) => CommandKind::Add,
        CommandReply::Move(_) => CommandKind::Move,
        CommandReply::Modify(_) => CommandKind::Modify,
        CommandReply::Subtract(_) => CommandKind::Subtract,
        CommandReply::AuditCapabilities(_) => CommandKind::AuditCapabilities,
        CommandReply::AuditValue(_) => CommandKind::AuditValue,
        CommandReply::Notify(_) => CommandKind::Notify,
        CommandReply::ServiceChange(_) => CommandKind::ServiceChange,
    }
}

fn amm_descriptor_kind(descriptor: &AmmDescriptor) -> DescriptorKind {
    match descriptor {
        AmmDescriptor::Media(_) => DescriptorKind::Media,
        AmmDescriptor::Modem(_) => DescriptorKind::Modem,
        AmmDescriptor::Mux(_) => DescriptorKind::Mux,
        AmmDescriptor::Events(_) => DescriptorKind::Events,
        AmmDescriptor::EventBuffer(_) => DescriptorKind::EventBuffer,
        AmmDescriptor::Signals(_) => DescriptorKind::Signals,
        AmmDescriptor::DigitMap(_) => DescriptorKind::DigitMap,
        AmmDescriptor::Audit(_) => DescriptorKind::Audit,
        AmmDescriptor::Statistics(_) => DescriptorKind::Statistics,
    }
}

fn ids(terminations: &[TerminationId]) -> String {
    match terminations {
        [one] => one.to_string(),
        many => format!(
            "[{}]",
            many.iter()
                .map(|t| t.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn context_name(id: ContextId) -> String {
    match id {
        ContextId::NULL => "-".into(),
        ContextId::CHOOSE => "$".into(),
        ContextId::ALL => "*".into(),
        ContextId(n) => n.to_string(),
    }
}

impl Check<'_> {
    fn profile(&self) -> &Profile {
        &self.validator.profile
    }

    fn report(&mut self, code: u16, path: impl Into<String>, message: impl Into<String>) {
        self.out.push(Violation {
            code,
            path: path.into(),
            message: message.into(),
            command: self.command,
        });
    }

    fn version(&mut self, version: u8) {
        if !self.profile().protocol_versions.contains(&version) {
            let text = format!(
                "protocol version {} is not one of the profile's {:?}",
                version,
                self.profile().protocol_versions
            );
            self.report(406, "message header", text);
        }
    }

    fn message(&mut self, message: &Message) {
        self.version(message.version);
        let MessageBody::Transactions(transactions) = &message.body else {
            return;
        };
        if let Some(max) = self.profile().max_transactions_per_message {
            if transactions.len() > max {
                let text = format!(
                    "{} transactions in one message; the profile allows at most {max}",
                    transactions.len()
                );
                self.report(413, "message", text);
            }
        }
        for transaction in transactions {
            match transaction {
                Transaction::Request(request) => {
                    let path = format!("transaction {}", request.transaction_id);
                    for action in &request.actions {
                        self.action_request(Some(&path), action);
                    }
                }
                Transaction::Reply(reply) => {
                    let path = format!("transaction reply {}", reply.transaction_id);
                    if reply.segment_number.is_some() {
                        self.segmentation(&path);
                    }
                    if let TransactionResult::ActionReplies(actions) = &reply.result {
                        for action in actions {
                            self.action_reply(&path, action);
                        }
                    }
                }
                Transaction::SegmentReply(segment) => {
                    let path = format!("segment reply {}", segment.transaction_id);
                    self.segmentation(&path);
                }
                Transaction::Pending(_) | Transaction::ResponseAck(_) => {}
            }
        }
    }

    fn segmentation(&mut self, path: &str) {
        let (Some(allowed), Some(transport)) = (
            self.profile().segmentation_transports.clone(),
            self.context.transport,
        ) else {
            return;
        };
        if !allowed.contains(&transport) {
            self.report(
                501,
                path,
                format!("segmentation is not used over {transport:?} in this profile"),
            );
        }
    }

    /// An action request, its path under `transaction` when there is one.
    fn action_request(&mut self, transaction: Option<&str>, action: &ActionRequest) {
        let context = context_name(action.context_id);
        let path = match transaction {
            Some(transaction) => format!("{transaction}, context {context}"),
            None => format!("context {context}"),
        };
        if let Some(request) = &action.context_request {
            let mut walker = Walker::new(path.clone());
            walker.context(request);
            self.items(walker);
        }
        for (i, request) in action.commands.iter().enumerate() {
            self.command = Some(i);
            self.command(&path, i + 1, request);
        }
        self.command = None;
    }

    fn command(&mut self, action: &str, index: usize, request: &CommandRequest) {
        let kind = command_kind(&request.command);
        let terminations = match &request.command {
            Command::Add(r) | Command::Move(r) | Command::Modify(r) => &r.termination_ids,
            Command::Subtract(r) => &r.termination_ids,
            Command::AuditCapabilities(r) | Command::AuditValue(r) => &r.termination_ids,
            Command::Notify(r) => &r.termination_ids,
            Command::ServiceChange(r) => &r.termination_ids,
        };
        let path = format!(
            "{action}, command {index} ({} {})",
            kind.name(),
            ids(terminations)
        );
        let direction = match self.context.sender {
            Sender::Mgc => &self.profile().commands.mgc_to_mg,
            Sender::Mg => &self.profile().commands.mg_to_mgc,
        };
        if !direction.contains(&kind) {
            let text = format!(
                "{} is not sent by the {} in this profile",
                kind.name(),
                match self.context.sender {
                    Sender::Mgc => "MGC",
                    Sender::Mg => "MG",
                }
            );
            self.report(443, path.clone(), text);
        }
        if request.wildcard_return {
            if let Some(allowed) = &self.profile().wildcard_response_commands {
                if !allowed.contains(&kind) {
                    let text = format!(
                        "a wildcarded response (W-) may not be requested for {} in this profile",
                        kind.name()
                    );
                    self.report(501, path.clone(), text);
                }
            }
        }
        let mut walker = Walker::new(path.clone());
        match &request.command {
            Command::Add(amm) | Command::Move(amm) | Command::Modify(amm) => {
                let allowed = self.profile().descriptors_of(kind).map(<[_]>::to_vec);
                for descriptor in &amm.descriptors {
                    let descriptor_kind = amm_descriptor_kind(descriptor);
                    if let Some(allowed) = &allowed {
                        if !allowed.contains(&descriptor_kind) {
                            let text = format!(
                                "{} descriptor is not in this profile's {} request",
                                descriptor_kind.name(),
                                kind.name()
                            );
                            self.report(444, path.clone(), text);
                        }
                    }
                    match descriptor {
                        AmmDescriptor::Media(media) => {
                            self.media(&path, media);
                            walker.media(media);
                        }
                        AmmDescriptor::Events(events) => walker.events(events),
                        AmmDescriptor::EventBuffer(buffer) => walker.event_buffer(buffer),
                        AmmDescriptor::Signals(signals) => walker.signals(signals),
                        AmmDescriptor::Statistics(statistics) => walker.statistics(statistics),
                        AmmDescriptor::Audit(audit) => walker.audit(audit),
                        AmmDescriptor::Modem(_)
                        | AmmDescriptor::Mux(_)
                        | AmmDescriptor::DigitMap(_) => {}
                    }
                }
            }
            Command::Subtract(subtract) => {
                if let Some(audit) = &subtract.audit {
                    if let Some(allowed) = self.profile().descriptors_of(kind) {
                        if !allowed.contains(&DescriptorKind::Audit) {
                            self.report(
                                444,
                                path.clone(),
                                "Audit descriptor is not in this profile's Subtract request",
                            );
                        }
                    }
                    walker.audit(audit);
                }
            }
            Command::AuditCapabilities(audit) | Command::AuditValue(audit) => {
                walker.audit(&audit.audit)
            }
            Command::Notify(notify) => walker.observed_events(&notify.observed_events),
            Command::ServiceChange(service_change) => {
                self.service_change(&path, &service_change.parms);
            }
        }
        self.items(walker);
    }

    fn service_change(&mut self, path: &str, parms: &ServiceChangeParm) {
        if let Some(version) = parms.version {
            if !self.profile().protocol_versions.contains(&version) {
                let text = format!(
                    "ServiceChangeVersion {version} is not one of the profile's {:?}",
                    self.profile().protocol_versions
                );
                self.report(406, path, text);
            }
        }
        if let Some(profile) = &parms.profile {
            let expected = self.profile();
            if !profile.name.eq_ignore_ascii_case(&expected.name)
                || profile.version != expected.version
            {
                let text = format!(
                    "ServiceChangeProfile {}/{} is not this profile ({}/{})",
                    profile.name, profile.version, expected.name, expected.version
                );
                self.report(461, path, text);
            }
        }
    }

    /// Rules on a Media descriptor beyond its items: EventBufferControl and
    /// the Local / Remote SDP.
    fn media(&mut self, path: &str, media: &MediaDescriptor) {
        if let Some(state) = &media.termination_state {
            if state.event_buffer_control.is_some() && !self.profile().event_buffer_control {
                self.report(
                    501,
                    format!("{path}, Media, TerminationState"),
                    "EventBufferControl is not used in this profile",
                );
            }
        }
        let streams: Vec<(String, &StreamParms)> = match &media.streams {
            Some(Streams::One(parms)) => vec![(format!("{path}, Media"), parms)],
            Some(Streams::Multi(list)) => list
                .iter()
                .map(|s| (format!("{path}, Media, Stream {}", s.stream_id), &s.parms))
                .collect(),
            None => Vec::new(),
        };
        for (stream_path, parms) in streams {
            for (name, descriptor) in [("Local", &parms.local), ("Remote", &parms.remote)] {
                let Some(descriptor) = descriptor else {
                    continue;
                };
                for (g, group) in descriptor.groups.iter().enumerate() {
                    if let Err((line, error)) = group.validate() {
                        let text = format!(
                            "SDP line {} (`{}=`): {}",
                            line + 1,
                            error.kind,
                            error.reason
                        );
                        let where_ = if descriptor.groups.len() > 1 {
                            format!("{stream_path}, {name}, session description {}", g + 1)
                        } else {
                            format!("{stream_path}, {name}")
                        };
                        self.report(449, where_, text);
                    }
                }
            }
        }
    }

    fn action_reply(&mut self, transaction: &str, action: &ActionReply) {
        let path = format!("{transaction}, context {}", context_name(action.context_id));
        if let Some(reply) = &action.context_reply {
            let mut walker = Walker::new(path.clone());
            walker.context(reply);
            self.items(walker);
        }
        for (i, reply) in action.commands.iter().enumerate() {
            self.command = Some(i);
            let kind = reply_kind(reply);
            let (terminations, audit): (&[TerminationId], Option<&TerminationAudit>) = match reply {
                CommandReply::Add(r)
                | CommandReply::Move(r)
                | CommandReply::Modify(r)
                | CommandReply::Subtract(r) => (&r.termination_ids, Some(&r.audit)),
                CommandReply::AuditCapabilities(r) | CommandReply::AuditValue(r) => match r {
                    AuditReply::Result {
                        termination_ids,
                        audit,
                    } => (termination_ids, Some(audit)),
                    AuditReply::ContextAuditResult(ids) => (ids, None),
                    AuditReply::Error(_) => (&[], None),
                },
                CommandReply::Notify(r) => (&r.termination_ids, None),
                CommandReply::ServiceChange(r) => (&r.termination_ids, None),
            };
            let path = format!(
                "{path}, reply {} ({} {})",
                i + 1,
                kind.name(),
                ids(terminations)
            );
            if let Some(allowed) = &self.profile().wildcard_response_commands {
                let wildcarded = terminations
                    .iter()
                    .any(|t| t.as_str().contains('*') && !t.is_root());
                if wildcarded && !allowed.contains(&kind) {
                    let text = format!(
                        "a wildcarded response is only used for {} in this profile",
                        allowed
                            .iter()
                            .map(|k| k.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                    self.report(501, path.clone(), text);
                }
            }
            if let Some(audit) = audit {
                let mut walker = Walker::new(path.clone());
                walker.audit_result(audit);
                self.items(walker);
            }
        }
        self.command = None;
    }

    /// The package rules for every item a walk found.
    fn items(&mut self, walker: Walker<'_>) {
        for found in walker.uses {
            let Some((package, item)) = found.name.split_once('/') else {
                continue;
            };
            if package == "*" {
                continue;
            }
            let package_lower = package.to_ascii_lowercase();
            if !self.validator.allowed.contains(&package_lower) {
                let text = format!(
                    "package {package} is not part of the {} profile",
                    self.profile().title
                );
                self.report(440, found.path, text);
                continue;
            }
            if item == "*" {
                continue;
            }
            let item_lower = item.to_ascii_lowercase();
            let kind = kind_name(found.kind);
            // An item list the profile's own entry restricts.
            let restriction = self
                .profile()
                .package(package)
                .and_then(|entry| match found.kind {
                    ItemKind::Property => entry.properties.clone(),
                    ItemKind::Event => entry.events.clone(),
                    ItemKind::Signal => entry.signals.clone(),
                    ItemKind::Statistic => entry.statistics.clone(),
                });
            let known = self
                .validator
                .known
                .by_package
                .get(&package_lower)
                .map(|sets| &sets[slot(found.kind)]);
            let package_knows_items = self
                .validator
                .known
                .by_package
                .get(&package_lower)
                .is_some_and(|sets| sets.iter().any(|s| !s.is_empty()));
            if package_knows_items && !known.is_some_and(|set| set.contains(&item_lower)) {
                let code = match found.kind {
                    ItemKind::Property => 450,
                    ItemKind::Event => 451,
                    ItemKind::Signal => 452,
                    ItemKind::Statistic => 453,
                };
                let text = format!("package {package} defines no {kind} {item}");
                self.report(code, found.path, text);
                continue;
            }
            if let Some(list) = restriction {
                if !list.iter().any(|name| name.eq_ignore_ascii_case(item)) {
                    let code = match found.kind {
                        ItemKind::Property => 445,
                        ItemKind::Event => 512,
                        ItemKind::Signal => 513,
                        ItemKind::Statistic => 501,
                    };
                    let text = format!("{kind} {package}/{item} is not used by this profile");
                    self.report(code, found.path, text);
                }
            }
        }
    }
}
