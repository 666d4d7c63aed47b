//! Annex B descriptors of clause 7.1: `mediaDescriptor` (streams,
//! `localControlDescriptor`, Local / Remote, `terminationStateDescriptor`),
//! `modemDescriptor`, `muxDescriptor`, `eventsDescriptor` with embedded
//! events and signals and notify behaviour, `signalsDescriptor`,
//! `eventBufferDescriptor`, `digitMapDescriptor`, `observedEventsDescriptor`,
//! `statisticsDescriptor` and `packagesDescriptor`.

use super::token::Tok;
use super::{List, PResult, Parser, Word};
use crate::model::{
    DigitMapDescriptor, DigitMapValue, EventBufferControl, EventBufferDescriptor, EventDm,
    EventSpec, EventsDescriptor, LocalControlDescriptor, LocalRemoteDescriptor, MediaDescriptor,
    ModemDescriptor, ModemType, MuxDescriptor, MuxType, NotifyBehaviour, NotifyCompletion,
    ObservedEvent, ObservedEventsDescriptor, PackagesDescriptor, PackagesItem, PropertyParm,
    RegulatedEmbeddedDescriptor, RequestedActions, RequestedEvent, SecondEventsDescriptor,
    SecondRequestedActions, SecondRequestedEvent, SeqSigList, ServiceState, Signal,
    SignalDirection, SignalRequest, SignalType, SignalsDescriptor, StatisticsDescriptor,
    StatisticsParameter, StreamDescriptor, StreamId, StreamMode, StreamParms, Streams,
    TerminationStateDescriptor,
};
use crate::text::DecodeErrorKind;

pub(super) const STREAM_MODES: &[(Tok, StreamMode)] = &[
    (Tok::SendOnly, StreamMode::SendOnly),
    (Tok::ReceiveOnly, StreamMode::RecvOnly),
    (Tok::SendReceive, StreamMode::SendRecv),
    (Tok::Inactive, StreamMode::Inactive),
    (Tok::Loopback, StreamMode::Loopback),
];

pub(super) const SERVICE_STATES: &[(Tok, ServiceState)] = &[
    (Tok::Test, ServiceState::Test),
    (Tok::OutOfService, ServiceState::OutOfService),
    (Tok::InService, ServiceState::InService),
];

const MODEM_TYPES: &[(Tok, ModemType)] = &[
    (Tok::V18, ModemType::V18),
    (Tok::V22, ModemType::V22),
    (Tok::V22b, ModemType::V22bis),
    (Tok::V32, ModemType::V32),
    (Tok::V32b, ModemType::V32bis),
    (Tok::V34, ModemType::V34),
    (Tok::V90, ModemType::V90),
    (Tok::V91, ModemType::V91),
    (Tok::SynchIsdn, ModemType::SynchIsdn),
];

const MUX_TYPES: &[(Tok, MuxType)] = &[
    (Tok::H221, MuxType::H221),
    (Tok::H223, MuxType::H223),
    (Tok::H226, MuxType::H226),
    (Tok::V76, MuxType::V76),
    (Tok::Nx64k, MuxType::Nx64k),
];

const SIGNAL_TYPES: &[(Tok, SignalType)] = &[
    (Tok::Brief, SignalType::Brief),
    (Tok::OnOff, SignalType::OnOff),
    (Tok::TimeOut, SignalType::TimeOut),
];

const SIGNAL_DIRECTIONS: &[(Tok, SignalDirection)] = &[
    (Tok::Internal, SignalDirection::Internal),
    (Tok::External, SignalDirection::External),
    (Tok::Both, SignalDirection::Both),
];

const NOTIFICATION_REASONS: &[(Tok, NotifyCompletion)] = &[
    (Tok::TimeOut, NotifyCompletion::OnTimeOut),
    (Tok::IntByEvent, NotifyCompletion::OnInterruptByEvent),
    (
        Tok::IntBySigDescr,
        NotifyCompletion::OnInterruptByNewSignalDescr,
    ),
    (Tok::OtherReason, NotifyCompletion::OtherReason),
    (Tok::Iteration, NotifyCompletion::OnIteration),
];

impl<'a> Parser<'a> {
    /// The token of a word at a position where a `NAME` is also legal: a
    /// token of a later version than the message's is a name there.
    pub(super) fn name_position_tok(&self, w: &Word<'_>) -> Option<Tok> {
        w.tok.filter(|t| t.since_version() <= self.version)
    }

    /// `StreamToken EQUAL StreamID` after the token.
    pub(super) fn stream_id_value(&mut self) -> PResult<StreamId> {
        self.equal()?;
        self.uint16("stream ID")
    }

    /// Annex B `mediaDescriptor` after `Media`.
    pub(super) fn media_descriptor(&mut self) -> PResult<MediaDescriptor> {
        let mut media = MediaDescriptor::default();
        let mut single: Option<StreamParms> = None;
        let mut multi: Option<Vec<StreamDescriptor>> = None;
        self.braced_nonempty(|p| {
            let w = p.word();
            match w.tok {
                Some(Tok::TerminationState) => {
                    if media.termination_state.is_some() {
                        return Err(p.error_at(
                            w.start,
                            DecodeErrorKind::InvalidValue("second TerminationState"),
                        ));
                    }
                    media.termination_state = Some(p.termination_state_descriptor()?);
                }
                Some(Tok::Stream) => {
                    let stream_id = p.stream_id_value()?;
                    let mut parms = StreamParms::default();
                    p.braced_nonempty(|p| {
                        let w = p.word();
                        p.stream_parm(&w, &mut parms)
                    })?;
                    let streams = multi.get_or_insert_with(Vec::new);
                    p.push_bounded(streams, StreamDescriptor { stream_id, parms })?;
                }
                _ => p.stream_parm(&w, single.get_or_insert_with(StreamParms::default))?,
            }
            Ok(())
        })?;
        media.streams = match (single, multi) {
            (None, None) => None,
            (Some(one), None) => Some(Streams::One(one)),
            (None, Some(many)) => Some(Streams::Multi(many)),
            (Some(_), Some(_)) => {
                return Err(self.error_at(
                    self.pos.saturating_sub(1),
                    DecodeErrorKind::InvalidValue(
                        "Media with both stream parameters and Stream descriptors",
                    ),
                ))
            }
        };
        Ok(media)
    }

    /// Annex B `streamParm` starting with `w`, into `parms`.
    fn stream_parm(&mut self, w: &Word<'a>, parms: &mut StreamParms) -> PResult<()> {
        let duplicate = match w.tok {
            Some(Tok::LocalControl) => parms
                .local_control
                .replace(self.local_control_descriptor()?)
                .is_some(),
            Some(Tok::Local) => parms
                .local
                .replace(self.local_remote_descriptor()?)
                .is_some(),
            Some(Tok::Remote) => parms
                .remote
                .replace(self.local_remote_descriptor()?)
                .is_some(),
            Some(Tok::Statistics) => parms
                .statistics
                .replace(self.statistics_descriptor()?)
                .is_some(),
            _ => return Err(self.error_at(w.start, DecodeErrorKind::Expected("media parameter"))),
        };
        if duplicate {
            return Err(self.error_at(
                w.start,
                DecodeErrorKind::InvalidValue("descriptor given twice in a stream"),
            ));
        }
        Ok(())
    }

    /// Annex B `localDescriptor` / `remoteDescriptor` after the token.
    fn local_remote_descriptor(&mut self) -> PResult<LocalRemoteDescriptor> {
        self.open()?;
        let groups = self.sdp_groups()?;
        self.close()?;
        Ok(LocalRemoteDescriptor { groups })
    }

    /// Annex B `localControlDescriptor` after `LocalControl`.
    fn local_control_descriptor(&mut self) -> PResult<LocalControlDescriptor> {
        let mut lc = LocalControlDescriptor::default();
        self.braced_nonempty(|p| {
            let w = p.word();
            match w.tok {
                Some(Tok::Mode) if !p.at_slash() => {
                    p.equal()?;
                    lc.stream_mode = Some(p.token_of(STREAM_MODES, "stream mode")?);
                }
                Some(Tok::ReservedValue) if !p.at_slash() => {
                    p.equal()?;
                    lc.reserve_value = Some(p.on_off()?);
                }
                Some(Tok::ReservedGroup) if !p.at_slash() => {
                    p.equal()?;
                    lc.reserve_group = Some(p.on_off()?);
                }
                _ => {
                    let parm = p.property_parm_from(w.start)?;
                    lc.property_parms.push_item(parm);
                }
            }
            Ok(())
        })?;
        Ok(lc)
    }

    /// Annex B `terminationStateDescriptor` after `TerminationState`.
    fn termination_state_descriptor(&mut self) -> PResult<TerminationStateDescriptor> {
        let mut ts = TerminationStateDescriptor::default();
        self.braced_nonempty(|p| {
            let w = p.word();
            match w.tok {
                Some(Tok::ServiceStates) if !p.at_slash() => {
                    p.equal()?;
                    ts.service_state = Some(p.token_of(SERVICE_STATES, "service state")?);
                }
                Some(Tok::Buffer) if !p.at_slash() => {
                    p.equal()?;
                    ts.event_buffer_control = Some(p.event_buffer_control()?);
                }
                _ => {
                    let parm = p.property_parm_from(w.start)?;
                    ts.property_parms.push_item(parm);
                }
            }
            Ok(())
        })?;
        Ok(ts)
    }

    /// Annex B `eventBufferControlValue = ("OFF" / LockStepToken)`.
    fn event_buffer_control(&mut self) -> PResult<EventBufferControl> {
        let w = self.word();
        if w.text.eq_ignore_ascii_case(b"off") {
            Ok(EventBufferControl::Off)
        } else if w.tok == Some(Tok::LockStep) {
            Ok(EventBufferControl::LockStep)
        } else {
            Err(self.error_at(w.start, DecodeErrorKind::Expected("`OFF` or `LockStep`")))
        }
    }

    /// Annex B `modemDescriptor` after `Modem`.
    pub(super) fn modem_descriptor(&mut self) -> PResult<ModemDescriptor> {
        let mut modem_types = Vec::new();
        if self.eat(b'[') {
            self.comma_list(|p| {
                let t = p.modem_type()?;
                modem_types.push(t);
                Ok(())
            })?;
            self.expect(b']', "`]`")?;
        } else {
            self.equal()?;
            modem_types.push(self.modem_type()?);
        }
        let mut property_parms = Vec::new();
        if self.peek() == Some(b'{') {
            self.braced_list(|p| {
                let parm = p.property_parm()?;
                property_parms.push(parm);
                Ok(())
            })?;
        }
        Ok(ModemDescriptor {
            modem_types,
            property_parms,
            non_standard: None,
        })
    }

    fn modem_type(&mut self) -> PResult<ModemType> {
        let w = self.word();
        if self.is_extension_at(&w) {
            return Ok(ModemType::Extension(
                self.extension_parameter_from(w.start)?,
            ));
        }
        MODEM_TYPES
            .iter()
            .find(|(t, _)| Some(*t) == w.tok)
            .map(|(_, m)| m.clone())
            .ok_or_else(|| self.error_at(w.start, DecodeErrorKind::Expected("modem type")))
    }

    /// Annex B `muxDescriptor` after `Mux`.
    pub(super) fn mux_descriptor(&mut self) -> PResult<MuxDescriptor> {
        self.equal()?;
        let w = self.word();
        let mux_type = if self.is_extension_at(&w) {
            MuxType::Extension(self.extension_parameter_from(w.start)?)
        } else {
            MUX_TYPES
                .iter()
                .find(|(t, _)| Some(*t) == w.tok)
                .map(|(_, m)| m.clone())
                .ok_or_else(|| self.error_at(w.start, DecodeErrorKind::Expected("mux type")))?
        };
        let termination_ids = self.braced_term_ids()?;
        Ok(MuxDescriptor {
            mux_type,
            termination_ids,
            non_standard: None,
        })
    }

    /// Annex B `eventsDescriptor` after `Events`; bare `Events` is the
    /// empty descriptor.
    pub(super) fn events_descriptor(&mut self) -> PResult<EventsDescriptor> {
        if self.peek() != Some(b'=') {
            return Ok(EventsDescriptor::default());
        }
        self.equal()?;
        let request_id = Some(self.request_id()?);
        let mut events = Vec::new();
        // `Events = id { requestedEvent *(COMMA requestedEvent) }`: at least
        // one event (an empty list is bare `Events`).
        self.braced_nonempty(|p| {
            let name = p.pkgd_name()?;
            let mut parts = EventParts::default();
            if p.try_open()? {
                p.comma_list(|p| p.event_parameter(&mut parts, true))?;
                p.close()?;
            }
            events.push_item(RequestedEvent {
                name,
                stream_id: parts.stream_id,
                actions: parts.actions,
                params: parts.params,
            });
            Ok(())
        })?;
        Ok(EventsDescriptor { request_id, events })
    }

    /// Annex B `embedFirst` after `Events` (the events of an `Embed`).
    fn second_events_descriptor(&mut self) -> PResult<SecondEventsDescriptor> {
        if self.peek() != Some(b'=') {
            return Ok(SecondEventsDescriptor::default());
        }
        self.equal()?;
        let request_id = Some(self.request_id()?);
        let mut events = Vec::new();
        // `embedFirst`: at least one event after the request ID.
        self.braced_nonempty(|p| {
            let name = p.pkgd_name()?;
            let mut parts = EventParts::default();
            if p.try_open()? {
                p.comma_list(|p| p.event_parameter(&mut parts, false))?;
                p.close()?;
            }
            let a = parts.actions;
            events.push_item(SecondRequestedEvent {
                name,
                stream_id: parts.stream_id,
                actions: SecondRequestedActions {
                    keep_active: a.keep_active,
                    event_dm: a.event_dm,
                    signals: a.signals,
                    notify_behaviour: a.notify_behaviour,
                    reset_events_descriptor: a.reset_events_descriptor,
                },
                params: parts.params,
            });
            Ok(())
        })?;
        Ok(SecondEventsDescriptor { request_id, events })
    }

    /// Annex B `eventParameter` (`first`) or `secondEventParameter`.
    fn event_parameter(&mut self, parts: &mut EventParts, first: bool) -> PResult<()> {
        let w = self.word();
        let a = &mut parts.actions;
        match self.name_position_tok(&w) {
            Some(Tok::Stream) => parts.stream_id = Some(self.stream_id_value()?),
            Some(Tok::KeepActive) => a.keep_active = true,
            Some(Tok::DigitMap) => {
                self.equal()?;
                a.event_dm = Some(if self.try_open()? {
                    let value = self.digit_map_value()?;
                    self.close()?;
                    EventDm::Value(value)
                } else {
                    EventDm::Name(self.name("digit map name")?)
                });
            }
            Some(Tok::Embed) => {
                let embedded = self.embed(first)?;
                a.signals = embedded.signals;
                a.second_event = embedded.second_event;
            }
            Some(Tok::NeverNotify) => a.notify_behaviour = Some(NotifyBehaviour::Never),
            Some(Tok::ImmediateNotify) => a.notify_behaviour = Some(NotifyBehaviour::Immediate),
            Some(Tok::RegulatedNotify) => {
                let mut embedded = RegulatedEmbeddedDescriptor::default();
                if self.try_open()? {
                    let w = self.word();
                    if w.tok != Some(Tok::Embed) {
                        return Err(self.error_at(w.start, DecodeErrorKind::Expected("`Embed`")));
                    }
                    embedded = self.embed(true)?;
                    self.close()?;
                }
                a.notify_behaviour = Some(NotifyBehaviour::Regulated(embedded));
            }
            Some(Tok::ResetEventsDescriptor) => a.reset_events_descriptor = true,
            _ => {
                let parm = self.other_parm(&w)?;
                self.push_bounded(&mut parts.params, parm)?;
            }
        }
        Ok(())
    }

    /// Annex B `embedWithSig` / `embedNoSig` (`with_events`) or `embedSig`
    /// after `Embed`.
    fn embed(&mut self, with_events: bool) -> PResult<RegulatedEmbeddedDescriptor> {
        let mut embedded = RegulatedEmbeddedDescriptor::default();
        self.braced_list(|p| {
            let w = p.word();
            match w.tok {
                Some(Tok::Signals) if embedded.signals.is_none() => {
                    embedded.signals = Some(p.signals_descriptor()?);
                }
                Some(Tok::Events) if with_events && embedded.second_event.is_none() => {
                    embedded.second_event = Some(p.second_events_descriptor()?);
                }
                _ => {
                    let what = if with_events {
                        "`Signals` or `Events`"
                    } else {
                        "`Signals`"
                    };
                    return Err(p.error_at(w.start, DecodeErrorKind::Expected(what)));
                }
            }
            Ok(())
        })?;
        Ok(embedded)
    }

    /// Annex B `signalsDescriptor` after `Signals`; bare `Signals` and
    /// `Signals { }` are the empty descriptor.
    pub(super) fn signals_descriptor(&mut self) -> PResult<SignalsDescriptor> {
        let mut signals = Vec::new();
        if self.peek() != Some(b'{') {
            return Ok(signals);
        }
        self.braced_list(|p| {
            let w = p.word();
            let request = if w.tok == Some(Tok::SignalList) && !p.at_slash() {
                p.equal()?;
                let id = p.uint16("signal list ID")?;
                let mut list = Vec::new();
                p.braced_nonempty(|p| {
                    let signal = p.signal_request()?;
                    list.push_item(signal);
                    Ok(())
                })?;
                SignalRequest::SeqSigList(SeqSigList { id, signals: list })
            } else {
                p.unread(&w);
                SignalRequest::Signal(p.signal_request()?)
            };
            signals.push_item(request);
            Ok(())
        })?;
        Ok(signals)
    }

    /// Annex B `signalRequest = signalName [LBRKT sigParameter *(COMMA
    /// sigParameter) RBRKT]`.
    fn signal_request(&mut self) -> PResult<Signal> {
        let mut signal = Signal::named(self.pkgd_name()?);
        if self.try_open()? {
            self.comma_list(|p| p.signal_parameter(&mut signal))?;
            self.close()?;
        }
        Ok(signal)
    }

    /// Annex B `sigParameter`.
    fn signal_parameter(&mut self, signal: &mut Signal) -> PResult<()> {
        let w = self.word();
        match self.name_position_tok(&w) {
            Some(Tok::Stream) => signal.stream_id = Some(self.stream_id_value()?),
            Some(Tok::SignalType) => {
                self.equal()?;
                signal.signal_type = Some(self.token_of(SIGNAL_TYPES, "signal type")?);
            }
            Some(Tok::Duration) => {
                self.equal()?;
                signal.duration = Some(self.uint16("duration")?);
            }
            Some(Tok::NotifyCompletion) => {
                self.equal()?;
                let mut reasons = Vec::new();
                self.braced_nonempty(|p| {
                    let reason = p.token_of(NOTIFICATION_REASONS, "notification reason")?;
                    reasons.push(reason);
                    Ok(())
                })?;
                signal.notify_completion = Some(reasons);
            }
            Some(Tok::KeepActive) => signal.keep_active = true,
            Some(Tok::Direction) => {
                self.equal()?;
                signal.direction = Some(self.token_of(SIGNAL_DIRECTIONS, "signal direction")?);
            }
            Some(Tok::SpaRequestId) => {
                self.equal()?;
                signal.request_id = Some(self.request_id()?);
            }
            Some(Tok::IntsigDelay) => {
                self.equal()?;
                signal.intersignal_delay = Some(self.uint16("intersignal delay")?);
            }
            _ => {
                let parm = self.other_parm(&w)?;
                self.push_bounded(&mut signal.params, parm)?;
            }
        }
        Ok(())
    }

    /// Annex B `eventBufferDescriptor` after `EventBuffer`; bare
    /// `EventBuffer` is the empty descriptor.
    pub(super) fn event_buffer_descriptor(&mut self) -> PResult<EventBufferDescriptor> {
        let mut specs = Vec::new();
        if self.peek() != Some(b'{') {
            return Ok(specs);
        }
        self.braced_list(|p| {
            let name = p.pkgd_name()?;
            let mut spec = EventSpec {
                name,
                stream_id: None,
                params: Vec::new(),
            };
            if p.try_open()? {
                p.comma_list(|p| {
                    let w = p.word();
                    if w.tok == Some(Tok::Stream) {
                        spec.stream_id = Some(p.stream_id_value()?);
                    } else {
                        let parm = p.other_parm(&w)?;
                        spec.params.push_item(parm);
                    }
                    Ok(())
                })?;
                p.close()?;
            }
            specs.push_item(spec);
            Ok(())
        })?;
        Ok(specs)
    }

    /// Annex B `digitMapDescriptor` after `DigitMap`: `= { value }` or
    /// `= name [{ value }]`.
    pub(super) fn digit_map_descriptor(&mut self) -> PResult<DigitMapDescriptor> {
        self.equal()?;
        let mut descriptor = DigitMapDescriptor::default();
        if self.peek() != Some(b'{') {
            descriptor.name = Some(self.name("digit map name")?);
        }
        if self.try_open()? {
            descriptor.value = Some(self.braced_digit_map_rest()?);
        }
        Ok(descriptor)
    }

    fn braced_digit_map_rest(&mut self) -> PResult<DigitMapValue> {
        let value = self.digit_map_value()?;
        self.close()?;
        Ok(value)
    }

    /// Annex B `observedEventsDescriptor` after `ObservedEvents`.
    pub(super) fn observed_events_body(&mut self) -> PResult<ObservedEventsDescriptor> {
        self.equal()?;
        let request_id = self.request_id()?;
        let mut events = Vec::new();
        self.braced_nonempty(|p| {
            let timestamp = p.try_time_stamp()?;
            if timestamp.is_some() {
                p.expect(b':', "`:` after the time stamp")?;
            }
            let name = p.pkgd_name()?;
            let mut event = ObservedEvent {
                name,
                stream_id: None,
                params: Vec::new(),
                timestamp,
            };
            if p.try_open()? {
                p.comma_list(|p| {
                    let w = p.word();
                    if w.tok == Some(Tok::Stream) {
                        event.stream_id = Some(p.stream_id_value()?);
                    } else {
                        let parm = p.other_parm(&w)?;
                        event.params.push_item(parm);
                    }
                    Ok(())
                })?;
                p.close()?;
            }
            events.push_item(event);
            Ok(())
        })?;
        Ok(ObservedEventsDescriptor { request_id, events })
    }

    /// Annex B `statisticsDescriptor` after `Statistics`; `Statistics { }`
    /// is the empty descriptor.
    pub(super) fn statistics_descriptor(&mut self) -> PResult<StatisticsDescriptor> {
        let mut stats = Vec::new();
        self.braced_list(|p| {
            let name = p.pkgd_name()?;
            let mut value = Vec::new();
            let equal = p.eat(b'=');
            if p.peek() == Some(b'[') {
                p.pos += 1;
                p.comma_list(|p| {
                    let v = p.value()?;
                    value.push(v);
                    Ok(())
                })?;
                p.expect(b']', "`]`")?;
            } else if equal {
                value.push(p.value()?);
            }
            stats.push_item(StatisticsParameter { name, value });
            Ok(())
        })?;
        Ok(stats)
    }

    /// Annex B `packagesDescriptor` after `Packages`.
    pub(super) fn packages_descriptor(&mut self) -> PResult<PackagesDescriptor> {
        let mut packages = Vec::new();
        self.braced_nonempty(|p| {
            let item = p.packages_item()?;
            packages.push_item(item);
            Ok(())
        })?;
        Ok(packages)
    }

    /// Annex B `packagesItem = NAME "-" UINT16`.
    pub(super) fn packages_item(&mut self) -> PResult<PackagesItem> {
        let name = self.name("package name")?;
        self.expect_here(b'-', "`-` and package version")?;
        let version = self.uint_here(u64::from(u16::MAX), "package version")? as u16;
        Ok(PackagesItem { name, version })
    }
}

/// What an event's parameters say, before it is known whether the event is
/// a first-level or an embedded one.
#[derive(Default)]
struct EventParts {
    stream_id: Option<StreamId>,
    actions: RequestedActions,
    params: Vec<PropertyParm>,
}

#[cfg(test)]
mod tests {
    use crate::model::*;
    use crate::text::decode::decode;
    use crate::text::DecodeErrorKind;

    fn descriptors(version: u8, body: &str) -> Vec<AmmDescriptor> {
        let input = format!("!/{version} [10.0.0.1] T=1{{C=-{{MF=t{{{body}}}}}}}");
        let m = decode(input.as_bytes()).unwrap_or_else(|e| panic!("{e}: {input}"));
        let MessageBody::Transactions(mut ts) = m.message.body else {
            panic!()
        };
        let Transaction::Request(mut r) = ts.remove(0) else {
            panic!()
        };
        let Command::Modify(amm) = r.actions.remove(0).commands.remove(0).command else {
            panic!()
        };
        amm.descriptors
    }

    fn error(body: &str) -> (DecodeErrorKind, u32) {
        let input = format!("!/3 [10.0.0.1] T=1{{C=-{{MF=t{{{body}}}}}}}");
        let e = decode(input.as_bytes()).unwrap_err();
        // Columns relative to the start of `body` (which is at column 29).
        (e.kind, e.column - 28)
    }

    #[test]
    fn digit_map_descriptor_forms() {
        let d = descriptors(1, "DM=plan1,DM={(1|2)},DM=plan2{T:3,x.}");
        assert_eq!(
            d[0],
            AmmDescriptor::DigitMap(DigitMapDescriptor {
                name: Some("plan1".into()),
                value: None
            })
        );
        let AmmDescriptor::DigitMap(DigitMapDescriptor {
            name: None,
            value: Some(v),
        }) = &d[1]
        else {
            panic!()
        };
        assert_eq!(v.body, "(1|2)");
        let AmmDescriptor::DigitMap(DigitMapDescriptor {
            name: Some(_),
            value: Some(v),
        }) = &d[2]
        else {
            panic!()
        };
        assert_eq!((v.start_timer, v.body.as_str()), (Some(3), "x."));
    }

    #[test]
    fn observed_events_in_a_reply_audit_and_statistics_forms() {
        let d = descriptors(3, "SA{a/b,c/d=1,e/f=[1,2],g/h[3]}");
        let AmmDescriptor::Statistics(s) = &d[0] else {
            panic!()
        };
        let counts: Vec<usize> = s.iter().map(|p| p.value.len()).collect();
        assert_eq!(counts, [0, 1, 2, 1]);
    }

    #[test]
    fn sig_parameter_tokens_of_v2_are_names_in_v1() {
        let d = descriptors(1, "SG{a/b{SPADI=x,ST=2}}");
        let AmmDescriptor::Signals(s) = &d[0] else {
            panic!()
        };
        let SignalRequest::Signal(sig) = &s[0] else {
            panic!()
        };
        assert_eq!(sig.direction, None);
        assert_eq!(sig.params, vec![PropertyParm::equal("SPADI", "x")]);
        assert_eq!(sig.stream_id, Some(2));
    }

    #[test]
    fn malformed_descriptors_are_located() {
        assert_eq!(
            error("MX=H999{a}"),
            (DecodeErrorKind::Expected("mux type"), 4)
        );
        assert_eq!(error("DM={}"), (DecodeErrorKind::Expected("digit map"), 5));
        assert_eq!(
            error("DM={T:100,x}"),
            (DecodeErrorKind::InvalidValue("digit map timer"), 7)
        );
        assert_eq!(error("SA{a/b=}"), (DecodeErrorKind::Expected("value"), 8));
        assert_eq!(
            error("SG{a/b{SY=Long}}"),
            (DecodeErrorKind::Expected("signal type"), 11)
        );
        assert_eq!(
            error("E=1{a/b{EM{E=2{c/d{EM{E}}}}}}"),
            (DecodeErrorKind::Expected("`Signals`"), 23)
        );
        assert_eq!(
            error("M{ST=1{O{MO=SR}},O{MO=SR}}"),
            (
                DecodeErrorKind::InvalidValue(
                    "Media with both stream parameters and Stream descriptors"
                ),
                26
            )
        );
        // The grammar's descriptors hold at least one item (megaco agrees).
        assert_eq!(
            error("M{}"),
            (DecodeErrorKind::Expected("media parameter"), 3)
        );
        assert_eq!(
            error("M{ST=1{O{}}}"),
            (DecodeErrorKind::Expected("package/item name"), 10)
        );
        assert_eq!(error("M{L{v=0}"), (DecodeErrorKind::Expected("`}`"), 12));
        assert_eq!(
            error("M{TS{BF=ON}}"),
            (DecodeErrorKind::Expected("`OFF` or `LockStep`"), 9)
        );
    }
}
