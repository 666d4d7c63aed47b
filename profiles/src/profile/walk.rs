//! Every package item a message names (H.248.1 clause 12: properties,
//! events, signals and statistics as `package/item`), with where it is.
//!
//! The walk covers requests and replies: LocalControl and TerminationState
//! properties, context attributes, Events (with embedded events and
//! signals), EventBuffer, Signals (and signal lists), ObservedEvents,
//! Statistics, and the individual audit items of v2+.

use std::fmt;

use smallvec::SmallVec;

use h248_stack::model::*;
use h248_stack::package::ItemKind;

/// One named item: its kind, its `package/item` name, and where it is
/// ([`Walker::path_of`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemUse<'m> {
    pub kind: ItemKind,
    pub name: &'m str,
    /// The innermost descriptor it is in (an index into the walker's
    /// segments); `None` at the top.
    within: Option<usize>,
}

/// One descriptor a walk enters, kept as its parts and written out only
/// when a path is asked for.
#[derive(Debug, Clone, Copy)]
enum Segment<'m> {
    Named(&'static str),
    Stream(StreamId),
    EmbedOf(&'m str),
    SignalList(u16),
}

impl From<&'static str> for Segment<'_> {
    fn from(name: &'static str) -> Self {
        Segment::Named(name)
    }
}

impl fmt::Display for Segment<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Segment::Named(name) => f.write_str(name),
            Segment::Stream(id) => write!(f, "Stream {id}"),
            Segment::EmbedOf(event) => write!(f, "Embed of {event}"),
            Segment::SignalList(id) => write!(f, "SignalList {id}"),
        }
    }
}

/// Collects the item uses of a command. Where each one is, is kept as a
/// tree of descriptor segments and spelled out only when asked for (a
/// violation to report), so that a walk allocates nothing per item; a
/// command's few segments and items are kept inline.
#[derive(Default)]
pub struct Walker<'m> {
    /// Every descriptor segment entered, with the one it is inside.
    segments: SmallVec<[(Segment<'m>, Option<usize>); 8]>,
    current: Option<usize>,
    pub uses: SmallVec<[ItemUse<'m>; 8]>,
}

impl<'m> Walker<'m> {
    pub fn new() -> Self {
        Self::default()
    }

    fn within(&mut self, segment: impl Into<Segment<'m>>, f: impl FnOnce(&mut Self)) {
        let outer = self.current;
        self.segments.push((segment.into(), outer));
        self.current = Some(self.segments.len() - 1);
        f(self);
        self.current = outer;
    }

    fn item(&mut self, kind: ItemKind, name: &'m str) {
        self.uses.push(ItemUse {
            kind,
            name,
            within: self.current,
        });
    }

    /// Where `found` is, from the command down: `Media, Stream 1,
    /// LocalControl, ds/dscp`.
    pub fn path_of(&self, found: &ItemUse<'_>) -> String {
        let mut segments = vec![found.name.to_string()];
        let mut at = found.within;
        while let Some((segment, outer)) = at.and_then(|i| self.segments.get(i)) {
            segments.push(segment.to_string());
            at = *outer;
        }
        segments.reverse();
        segments.join(", ")
    }

    fn properties(&mut self, parms: &'m [PropertyParm]) {
        for parm in parms {
            self.item(ItemKind::Property, &parm.name);
        }
    }

    pub fn media(&mut self, media: &'m MediaDescriptor) {
        self.within("Media", |w| {
            if let Some(state) = &media.termination_state {
                w.within("TerminationState", |w| w.properties(&state.property_parms));
            }
            match &media.streams {
                Some(Streams::One(parms)) => w.stream(parms),
                Some(Streams::Multi(streams)) => {
                    for stream in streams {
                        w.within(Segment::Stream(stream.stream_id), |w| {
                            w.stream(&stream.parms)
                        });
                    }
                }
                None => {}
            }
        });
    }

    fn stream(&mut self, parms: &'m StreamParms) {
        if let Some(control) = &parms.local_control {
            self.within("LocalControl", |w| w.properties(&control.property_parms));
        }
        if let Some(statistics) = &parms.statistics {
            self.statistics(statistics);
        }
    }

    pub fn context(&mut self, request: &'m ContextRequest) {
        if let Some(props) = &request.context_props {
            self.within("ContextAttr", |w| w.properties(props));
        }
    }

    pub fn events(&mut self, events: &'m EventsDescriptor) {
        self.within("Events", |w| {
            for event in &events.events {
                w.item(ItemKind::Event, &event.name);
                let actions = &event.actions;
                if let Some(second) = &actions.second_event {
                    w.second_events(second);
                }
                if let Some(signals) = &actions.signals {
                    w.within(Segment::EmbedOf(&event.name), |w| w.signals(signals));
                }
                if let Some(NotifyBehaviour::Regulated(embedded)) = &actions.notify_behaviour {
                    if let Some(second) = &embedded.second_event {
                        w.second_events(second);
                    }
                    if let Some(signals) = &embedded.signals {
                        w.signals(signals);
                    }
                }
            }
        });
    }

    fn second_events(&mut self, events: &'m SecondEventsDescriptor) {
        self.within("Embed Events", |w| {
            for event in &events.events {
                w.item(ItemKind::Event, &event.name);
                if let Some(signals) = &event.actions.signals {
                    w.signals(signals);
                }
            }
        });
    }

    pub fn event_buffer(&mut self, events: &'m [EventSpec]) {
        self.within("EventBuffer", |w| {
            for event in events {
                w.item(ItemKind::Event, &event.name);
            }
        });
    }

    pub fn signals(&mut self, signals: &'m [SignalRequest]) {
        self.within("Signals", |w| {
            for request in signals {
                match request {
                    SignalRequest::Signal(signal) => w.item(ItemKind::Signal, &signal.name),
                    SignalRequest::SeqSigList(list) => {
                        w.within(Segment::SignalList(list.id), |w| {
                            for signal in &list.signals {
                                w.item(ItemKind::Signal, &signal.name);
                            }
                        })
                    }
                }
            }
        });
    }

    pub fn observed_events(&mut self, observed: &'m ObservedEventsDescriptor) {
        self.within("ObservedEvents", |w| {
            for event in &observed.events {
                w.item(ItemKind::Event, &event.name);
            }
        });
    }

    pub fn statistics(&mut self, statistics: &'m [StatisticsParameter]) {
        self.within("Statistics", |w| {
            for statistic in statistics {
                w.item(ItemKind::Statistic, &statistic.name);
            }
        });
    }

    pub fn audit(&mut self, audit: &'m AuditDescriptor) {
        self.within("Audit", |w| {
            for item in &audit.property_tokens {
                w.audit_item(item);
            }
        });
    }

    fn audit_item(&mut self, item: &'m IndAuditParameter) {
        match item {
            IndAuditParameter::Media(media) => self.within("Media", |w| {
                if let Some(state) = &media.termination_state {
                    for parm in &state.property_parms {
                        w.item(ItemKind::Property, &parm.name);
                    }
                }
                let streams: Vec<&IndAudStreamParms> = match &media.streams {
                    Some(IndAudStreams::One(parms)) => vec![parms],
                    Some(IndAudStreams::Multi(list)) => list.iter().map(|s| &s.parms).collect(),
                    None => Vec::new(),
                };
                for parms in streams {
                    if let Some(control) = &parms.local_control {
                        for parm in &control.property_parms {
                            w.item(ItemKind::Property, &parm.name);
                        }
                    }
                    if let Some(statistic) = &parms.statistics {
                        w.item(ItemKind::Statistic, &statistic.name);
                    }
                }
            }),
            IndAuditParameter::Events(events) => self.item(ItemKind::Event, &events.name),
            IndAuditParameter::EventBuffer(buffer) => self.item(ItemKind::Event, &buffer.name),
            IndAuditParameter::Signals(IndAudSignalsDescriptor::Signal(signal)) => {
                self.item(ItemKind::Signal, &signal.name)
            }
            IndAuditParameter::Signals(IndAudSignalsDescriptor::SeqSigList { signal, .. }) => {
                if let Some(signal) = signal {
                    self.item(ItemKind::Signal, &signal.name);
                }
            }
            IndAuditParameter::Statistics(statistic) => {
                self.item(ItemKind::Statistic, &statistic.name)
            }
            IndAuditParameter::DigitMap(_) | IndAuditParameter::Packages(_) => {}
        }
    }

    /// The descriptors of an audit result or of an Add / Move / Modify /
    /// Subtract reply.
    pub fn audit_result(&mut self, result: &'m [AuditReturnParameter]) {
        for parameter in result {
            match parameter {
                AuditReturnParameter::Media(media) => self.media(media),
                AuditReturnParameter::Events(events) => self.events(events),
                AuditReturnParameter::EventBuffer(buffer) => self.event_buffer(buffer),
                AuditReturnParameter::Signals(signals) => self.signals(signals),
                AuditReturnParameter::ObservedEvents(observed) => self.observed_events(observed),
                AuditReturnParameter::Statistics(statistics) => self.statistics(statistics),
                AuditReturnParameter::Error(_)
                | AuditReturnParameter::Modem(_)
                | AuditReturnParameter::Mux(_)
                | AuditReturnParameter::DigitMap(_)
                | AuditReturnParameter::Packages(_)
                | AuditReturnParameter::EmptyDescriptors(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_items_at_every_depth_with_their_path() {
        let message = h248_stack::text::decode(
            b"MEGACO/3 [10.0.0.1]:2944\nTransaction = 1 { Context = $ { Add = ip/$ {
              Media { TerminationState { ipdc/realm = core },
                Stream = 1 { LocalControl { Mode = SendReceive, ds/dscp = 2e },
                  Statistics { rtp/ps } } },
              Events = 7 { hangterm/thb { timerx = 30 },
                dd/ce { Embed { Signals { cg/rt }, Events = 8 { dd/d1 } } } },
              Signals { SignalList = 3 { an/apf { an = 12 } } },
              EventBuffer { g/sc } } } }",
        )
        .unwrap();
        let MessageBody::Transactions(transactions) = &message.message.body else {
            panic!()
        };
        let Transaction::Request(request) = &transactions[0] else {
            panic!()
        };
        let Command::Add(add) = &request.actions[0].commands[0].command else {
            panic!()
        };
        let mut walker = Walker::new();
        for descriptor in &add.descriptors {
            match descriptor {
                AmmDescriptor::Media(m) => walker.media(m),
                AmmDescriptor::Events(e) => walker.events(e),
                AmmDescriptor::Signals(s) => walker.signals(s),
                AmmDescriptor::EventBuffer(b) => walker.event_buffer(b),
                _ => {}
            }
        }
        let found: Vec<(ItemKind, &str)> = walker.uses.iter().map(|u| (u.kind, u.name)).collect();
        assert_eq!(
            found,
            vec![
                (ItemKind::Property, "ipdc/realm"),
                (ItemKind::Property, "ds/dscp"),
                (ItemKind::Statistic, "rtp/ps"),
                (ItemKind::Event, "hangterm/thb"),
                (ItemKind::Event, "dd/ce"),
                (ItemKind::Event, "dd/d1"),
                (ItemKind::Signal, "cg/rt"),
                (ItemKind::Signal, "an/apf"),
                (ItemKind::Event, "g/sc"),
            ]
        );
        assert_eq!(
            walker.path_of(&walker.uses[0]),
            "Media, TerminationState, ipdc/realm"
        );
        assert_eq!(
            walker.path_of(&walker.uses[1]),
            "Media, Stream 1, LocalControl, ds/dscp"
        );
        assert_eq!(
            walker.path_of(&walker.uses[6]),
            "Events, Embed of dd/ce, Signals, cg/rt"
        );
        assert_eq!(
            walker.path_of(&walker.uses[7]),
            "Signals, SignalList 3, an/apf"
        );
    }
}
