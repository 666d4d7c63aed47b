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

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;

use h248_stack::model::*;
use h248_stack::package::{Catalogue, ItemKind};

use super::walk::{ItemUse, Walker};
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
                        for kind in ItemKind::ALL {
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

/// Where in a message a rule is checked, from the top down (`transaction
/// 5, context 1, command 1 (Add t1), Media`): a chain of segments on the
/// stack, spelled out only when a violation is reported.
#[derive(Clone, Copy)]
struct Path<'a> {
    outer: Option<&'a Path<'a>>,
    segment: Part<'a>,
}

#[derive(Clone, Copy)]
enum Part<'a> {
    Text(&'a str),
    Transaction(TransactionId),
    TransactionReply(TransactionId),
    SegmentReply(TransactionId),
    Context(ContextId),
    Command {
        /// 1-based.
        index: usize,
        kind: CommandKind,
        terminations: &'a [TerminationId],
    },
    Reply {
        /// 1-based.
        index: usize,
        kind: CommandKind,
        terminations: &'a [TerminationId],
    },
    Stream(u16),
    SessionDescription(usize),
}

impl<'a> Path<'a> {
    fn top(segment: Part<'a>) -> Self {
        Path {
            outer: None,
            segment,
        }
    }

    /// `segment` inside this path.
    fn then(&'a self, segment: Part<'a>) -> Path<'a> {
        Path {
            outer: Some(self),
            segment,
        }
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(outer) = self.outer {
            write!(f, "{outer}, ")?;
        }
        match self.segment {
            Part::Text(text) => f.write_str(text),
            Part::Transaction(id) => write!(f, "transaction {id}"),
            Part::TransactionReply(id) => write!(f, "transaction reply {id}"),
            Part::SegmentReply(id) => write!(f, "segment reply {id}"),
            Part::Context(id) => match id {
                ContextId::NULL => f.write_str("context -"),
                ContextId::CHOOSE => f.write_str("context $"),
                ContextId::ALL => f.write_str("context *"),
                ContextId(n) => write!(f, "context {n}"),
            },
            Part::Command {
                index,
                kind,
                terminations,
            } => write!(f, "command {index} ({} {})", kind.name(), Ids(terminations)),
            Part::Reply {
                index,
                kind,
                terminations,
            } => write!(f, "reply {index} ({} {})", kind.name(), Ids(terminations)),
            Part::Stream(id) => write!(f, "Stream {id}"),
            Part::SessionDescription(n) => write!(f, "session description {n}"),
        }
    }
}

/// Termination IDs as a path shows them: `t1`, or `[t1, t2]`.
struct Ids<'a>(&'a [TerminationId]);

impl fmt::Display for Ids<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            [one] => write!(f, "{one}"),
            many => {
                f.write_str("[")?;
                for (i, id) in many.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{id}")?;
                }
                f.write_str("]")
            }
        }
    }
}

impl Check<'_> {
    fn profile(&self) -> &Profile {
        &self.validator.profile
    }

    fn report(&mut self, code: u16, path: impl fmt::Display, message: impl Into<String>) {
        self.out.push(Violation {
            code,
            path: path.to_string(),
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
                    let path = Path::top(Part::Transaction(request.transaction_id));
                    for action in &request.actions {
                        self.action_request(Some(&path), action);
                    }
                }
                Transaction::Reply(reply) => {
                    let path = Path::top(Part::TransactionReply(reply.transaction_id));
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
                    let path = Path::top(Part::SegmentReply(segment.transaction_id));
                    self.segmentation(&path);
                }
                Transaction::Pending(_) | Transaction::ResponseAck(_) => {}
            }
        }
    }

    fn segmentation(&mut self, path: &Path<'_>) {
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
    fn action_request(&mut self, transaction: Option<&Path<'_>>, action: &ActionRequest) {
        let context = Part::Context(action.context_id);
        let path = match transaction {
            Some(transaction) => transaction.then(context),
            None => Path::top(context),
        };
        if let Some(request) = &action.context_request {
            let mut walker = Walker::new();
            walker.context(request);
            self.items(&path, &walker);
        }
        for (i, request) in action.commands.iter().enumerate() {
            self.command = Some(i);
            self.command(&path, i + 1, request);
        }
        self.command = None;
    }

    fn command(&mut self, action: &Path<'_>, index: usize, request: &CommandRequest) {
        let kind = command_kind(&request.command);
        let terminations = match &request.command {
            Command::Add(r) | Command::Move(r) | Command::Modify(r) => &r.termination_ids,
            Command::Subtract(r) => &r.termination_ids,
            Command::AuditCapabilities(r) | Command::AuditValue(r) => &r.termination_ids,
            Command::Notify(r) => &r.termination_ids,
            Command::ServiceChange(r) => &r.termination_ids,
        };
        let path = action.then(Part::Command {
            index,
            kind,
            terminations,
        });
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
            self.report(443, path, text);
        }
        if request.wildcard_return {
            if let Some(allowed) = &self.profile().wildcard_response_commands {
                if !allowed.contains(&kind) {
                    let text = format!(
                        "a wildcarded response (W-) may not be requested for {} in this profile",
                        kind.name()
                    );
                    self.report(501, path, text);
                }
            }
        }
        let mut walker = Walker::new();
        match &request.command {
            Command::Add(amm) | Command::Move(amm) | Command::Modify(amm) => {
                for descriptor in &amm.descriptors {
                    let descriptor_kind = amm_descriptor_kind(descriptor);
                    let refused = self
                        .profile()
                        .descriptors_of(kind)
                        .is_some_and(|allowed| !allowed.contains(&descriptor_kind));
                    if refused {
                        let text = format!(
                            "{} descriptor is not in this profile's {} request",
                            descriptor_kind.name(),
                            kind.name()
                        );
                        self.report(444, path, text);
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
                                path,
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
        self.items(&path, &walker);
    }

    fn service_change(&mut self, path: &Path<'_>, parms: &ServiceChangeParm) {
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
    fn media(&mut self, path: &Path<'_>, media: &MediaDescriptor) {
        let path = path.then(Part::Text("Media"));
        if let Some(state) = &media.termination_state {
            if state.event_buffer_control.is_some() && !self.profile().event_buffer_control {
                self.report(
                    501,
                    path.then(Part::Text("TerminationState")),
                    "EventBufferControl is not used in this profile",
                );
            }
        }
        match &media.streams {
            Some(Streams::One(parms)) => self.stream_sdp(&path, parms),
            Some(Streams::Multi(list)) => {
                for stream in list {
                    self.stream_sdp(&path.then(Part::Stream(stream.stream_id)), &stream.parms);
                }
            }
            None => {}
        }
    }

    /// The Local / Remote SDP of a stream, each session description valid.
    fn stream_sdp(&mut self, stream_path: &Path<'_>, parms: &StreamParms) {
        {
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
                        let descriptor_path = stream_path.then(Part::Text(name));
                        if descriptor.groups.len() > 1 {
                            let group = descriptor_path.then(Part::SessionDescription(g + 1));
                            self.report(449, group, text);
                        } else {
                            self.report(449, descriptor_path, text);
                        }
                    }
                }
            }
        }
    }

    fn action_reply(&mut self, transaction: &Path<'_>, action: &ActionReply) {
        let path = transaction.then(Part::Context(action.context_id));
        if let Some(reply) = &action.context_reply {
            let mut walker = Walker::new();
            walker.context(reply);
            self.items(&path, &walker);
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
            let path = path.then(Part::Reply {
                index: i + 1,
                kind,
                terminations,
            });
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
                    self.report(501, path, text);
                }
            }
            if let Some(audit) = audit {
                let mut walker = Walker::new();
                walker.audit_result(audit);
                self.items(&path, &walker);
            }
        }
        self.command = None;
    }

    /// The package rules for every item a walk under `path` found.
    fn items(&mut self, path: &Path<'_>, walker: &Walker<'_>) {
        for found in &walker.uses {
            if let Some((code, text)) = self.item_violation(found) {
                self.report(
                    code,
                    format_args!("{path}, {}", walker.path_of(found)),
                    text,
                );
            }
        }
    }

    /// The first package rule `found` breaks: its code and text.
    fn item_violation(&self, found: &ItemUse<'_>) -> Option<(u16, String)> {
        let (package, item) = found.name.split_once('/')?;
        if package == "*" {
            return None;
        }
        let package_lower = lowercase(package);
        if !self.validator.allowed.contains(package_lower.as_ref()) {
            let text = format!(
                "package {package} is not part of the {} profile",
                self.profile().title
            );
            return Some((440, text));
        }
        if item == "*" {
            return None;
        }
        let kind = kind_name(found.kind);
        let item_sets = self.validator.known.by_package.get(package_lower.as_ref());
        let package_knows_items = item_sets.is_some_and(|sets| sets.iter().any(|s| !s.is_empty()));
        let known =
            item_sets.is_some_and(|sets| sets[slot(found.kind)].contains(lowercase(item).as_ref()));
        if package_knows_items && !known {
            let code = match found.kind {
                ItemKind::Property => 450,
                ItemKind::Event => 451,
                ItemKind::Signal => 452,
                ItemKind::Statistic => 453,
            };
            return Some((code, format!("package {package} defines no {kind} {item}")));
        }
        // An item list the profile's own entry restricts.
        let restriction = self
            .profile()
            .package(package)
            .and_then(|entry| match found.kind {
                ItemKind::Property => entry.properties.as_ref(),
                ItemKind::Event => entry.events.as_ref(),
                ItemKind::Signal => entry.signals.as_ref(),
                ItemKind::Statistic => entry.statistics.as_ref(),
            })?;
        if restriction
            .iter()
            .any(|name| name.eq_ignore_ascii_case(item))
        {
            return None;
        }
        let code = match found.kind {
            ItemKind::Property => 445,
            ItemKind::Event => 512,
            ItemKind::Signal => 513,
            ItemKind::Statistic => 501,
        };
        Some((
            code,
            format!("{kind} {package}/{item} is not used by this profile"),
        ))
    }
}

/// `name` in lower case, borrowed when it already is (package and item
/// names usually are).
fn lowercase(name: &str) -> Cow<'_, str> {
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(name.to_ascii_lowercase())
    } else {
        Cow::Borrowed(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_from_the_top_down() {
        let ids = [TerminationId::from("ip/1"), TerminationId::from("ip/2")];
        let transaction = Path::top(Part::Transaction(5));
        let context = transaction.then(Part::Context(ContextId::CHOOSE));
        let command = context.then(Part::Command {
            index: 1,
            kind: CommandKind::Add,
            terminations: &ids,
        });
        assert_eq!(
            command
                .then(Part::Text("Media"))
                .then(Part::Stream(2))
                .then(Part::Text("Local"))
                .then(Part::SessionDescription(1))
                .to_string(),
            "transaction 5, context $, command 1 (Add [ip/1, ip/2]), Media, Stream 2, Local, \
             session description 1"
        );
        let reply = Path::top(Part::TransactionReply(7));
        let reply = reply.then(Part::Context(ContextId(3)));
        assert_eq!(
            reply
                .then(Part::Reply {
                    index: 2,
                    kind: CommandKind::Subtract,
                    terminations: &ids[..1],
                })
                .to_string(),
            "transaction reply 7, context 3, reply 2 (Subtract ip/1)"
        );
        assert_eq!(
            Path::top(Part::SegmentReply(9)).to_string(),
            "segment reply 9"
        );
    }
}
