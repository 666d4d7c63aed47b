//! The descriptors of clause 7.1 (Annex A `MediaDescriptor` ..
//! `StatisticsParameter`), Local / Remote as Annex C SDP property groups.

use super::{Encoder, Result};
use crate::ber::error::{BerEncodeError, NameKind};
use crate::ber::names::{self, PkgdId};
use crate::ber::writer::universal;
use crate::ber::{AUDIT_TOKEN_BITS, NOTIFY_COMPLETION_BITS};
use crate::model::*;
use crate::package::{ItemKind, ParameterKind};

pub(super) fn stream_mode_code(mode: StreamMode) -> u64 {
    match mode {
        StreamMode::SendOnly => 0,
        StreamMode::RecvOnly => 1,
        StreamMode::SendRecv => 2,
        StreamMode::Inactive => 3,
        StreamMode::Loopback => 4,
    }
}

pub(super) fn service_state_code(state: ServiceState) -> u64 {
    match state {
        ServiceState::Test => 0,
        ServiceState::OutOfService => 1,
        ServiceState::InService => 2,
    }
}

/// An `EmptyDescriptors` item that can share an element with its neighbours.
fn mergeable(audit: &AuditDescriptor) -> bool {
    !audit.tokens.is_empty() && audit.property_tokens.is_empty()
}

impl<'a> Encoder<'a> {
    pub(super) fn media_descriptor(&mut self, number: u8, media: &MediaDescriptor) -> Result {
        let seq = self.w.open(number);
        if let Some(state) = &media.termination_state {
            self.termination_state(0, state)?;
        }
        if let Some(streams) = &media.streams {
            let choice = self.w.open(1);
            match streams {
                Streams::One(parms) => self.stream_parms(0, parms)?,
                Streams::Multi(list) => {
                    let items = self.w.open(1);
                    for stream in list {
                        let s = self.w.open_sequence();
                        self.w.uint(0, u64::from(stream.stream_id));
                        self.stream_parms(1, &stream.parms)?;
                        self.w.close(s);
                    }
                    self.w.close(items);
                }
            }
            self.w.close(choice);
        }
        self.w.close(seq);
        Ok(())
    }

    fn stream_parms(&mut self, number: u8, parms: &StreamParms) -> Result {
        let seq = self.w.open(number);
        if let Some(control) = &parms.local_control {
            let s = self.w.open(0);
            if let Some(mode) = control.stream_mode {
                self.w.uint(0, stream_mode_code(mode));
            }
            if let Some(value) = control.reserve_value {
                self.w.boolean(1, value);
            }
            if let Some(group) = control.reserve_group {
                self.w.boolean(2, group);
            }
            self.property_parms(3, &control.property_parms)?;
            self.w.close(s);
        }
        if let Some(local) = &parms.local {
            self.local_remote(1, local)?;
        }
        if let Some(remote) = &parms.remote {
            self.local_remote(2, remote)?;
        }
        if let Some(statistics) = &parms.statistics {
            self.since(3, "StreamParms statisticsDescriptor")?;
            self.statistics_descriptor(3, statistics)?;
        }
        self.w.close(seq);
        Ok(())
    }

    /// `LocalRemoteDescriptor`: one `PropertyGroup` per session description,
    /// each line the Annex C.11 property of its type letter.
    fn local_remote(&mut self, number: u8, descriptor: &LocalRemoteDescriptor) -> Result {
        let seq = self.w.open(number);
        let groups = self.w.open(0);
        for group in &descriptor.groups {
            let parms = self.w.open_sequence();
            for line in &group.lines {
                let id = self.sdp_id(line.kind)?;
                let parm = self.w.open_sequence();
                self.w.octets(0, &id.octets());
                self.values(1, [&line.value]);
                self.w.close(parm);
            }
            self.w.close(parms);
        }
        self.w.close(groups);
        self.w.close(seq);
        Ok(())
    }

    /// The Annex C.11 property ID of SDP line type `letter`.
    fn sdp_id(&mut self, letter: char) -> Result<PkgdId> {
        let slot = (letter as u32).wrapping_sub(u32::from(b'a')) as usize;
        if let Some(Some(id)) = self.sdp_ids.get(slot) {
            return Ok(*id);
        }
        let mut buf = [0u8; 4];
        let name = letter.encode_utf8(&mut buf);
        // SDP type letters are lower case (RFC 4566 clause 5); C.11 has no
        // others, whatever a case-blind catalogue would answer.
        let id = Some(letter)
            .filter(char::is_ascii_lowercase)
            .ok_or(())
            .and_then(|_| names::pkgd_id(self.names, ItemKind::Property, name).map_err(|_| ()))
            .map_err(|()| BerEncodeError::NoBinaryId {
                kind: NameKind::Item(ItemKind::Property),
                name: Text::from(&*name),
            })?;
        if let Some(cached) = self.sdp_ids.get_mut(slot) {
            *cached = Some(id);
        }
        Ok(id)
    }

    fn termination_state(&mut self, number: u8, state: &TerminationStateDescriptor) -> Result {
        let seq = self.w.open(number);
        self.property_parms(0, &state.property_parms)?;
        if let Some(control) = state.event_buffer_control {
            self.w.uint(
                1,
                match control {
                    EventBufferControl::Off => 0,
                    EventBufferControl::LockStep => 1,
                },
            );
        }
        if let Some(service_state) = state.service_state {
            self.w.uint(2, service_state_code(service_state));
        }
        self.w.close(seq);
        Ok(())
    }

    pub(super) fn mux_descriptor(&mut self, number: u8, mux: &MuxDescriptor) -> Result {
        let code = match &mux.mux_type {
            MuxType::H221 => 0,
            MuxType::H223 => 1,
            MuxType::H226 => 2,
            MuxType::V76 => 3,
            MuxType::Nx64k => {
                self.since(2, "MuxType nx64k")?;
                4
            }
            MuxType::Extension(_) => return Err(BerEncodeError::TextOnly("an extension MuxType")),
        };
        let seq = self.w.open(number);
        self.w.uint(0, code);
        self.termination_ids(1, &mux.termination_ids)?;
        if let Some(data) = &mux.non_standard {
            self.non_standard_data(2, data)?;
        }
        self.w.close(seq);
        Ok(())
    }

    pub(super) fn modem_descriptor(&mut self, number: u8, modem: &ModemDescriptor) -> Result {
        let seq = self.w.open(number);
        let types = self.w.open(0);
        for modem_type in &modem.modem_types {
            let code = match modem_type {
                ModemType::V18 => 0,
                ModemType::V22 => 1,
                ModemType::V22bis => 2,
                ModemType::V32 => 3,
                ModemType::V32bis => 4,
                ModemType::V34 => 5,
                ModemType::V90 => 6,
                ModemType::V91 => 7,
                ModemType::SynchIsdn => 8,
                ModemType::Extension(_) => {
                    return Err(BerEncodeError::TextOnly("an extension ModemType"))
                }
            };
            self.w.uint_raw(universal::ENUMERATED, code);
        }
        self.w.close(types);
        self.property_parms(1, &modem.property_parms)?;
        if let Some(data) = &modem.non_standard {
            self.non_standard_data(2, data)?;
        }
        self.w.close(seq);
        Ok(())
    }

    pub(super) fn events_descriptor(&mut self, number: u8, events: &EventsDescriptor) -> Result {
        let seq = self.w.open(number);
        match events.request_id {
            Some(id) => self.w.uint(0, u64::from(id.0)),
            None => self.since(2, "EventsDescriptor without requestID")?,
        }
        let list = self.w.open(1);
        for event in &events.events {
            let s = self.w.open_sequence();
            let id = self.pkgd_name(0, ItemKind::Event, &event.name)?;
            if let Some(stream_id) = event.stream_id {
                self.w.uint(1, u64::from(stream_id));
            }
            let actions = &event.actions;
            if !actions.is_empty() {
                let a = self.w.open(2);
                self.event_actions(
                    actions.keep_active,
                    actions.event_dm.as_ref(),
                    actions.signals.as_ref(),
                    actions.notify_behaviour.as_ref(),
                    actions.reset_events_descriptor,
                    Some(actions.second_event.as_ref()),
                )?;
                self.w.close(a);
            }
            self.parameters(3, ParameterKind::Event, id, &event.params)?;
            self.w.close(s);
        }
        self.w.close(list);
        self.w.close(seq);
        Ok(())
    }

    /// The components of `RequestedActions` (with `second_event`) or of
    /// `SecondRequestedActions` (without, so one tag lower from there on).
    fn event_actions(
        &mut self,
        keep_active: bool,
        event_dm: Option<&EventDm>,
        signals: Option<&SignalsDescriptor>,
        notify_behaviour: Option<&NotifyBehaviour>,
        reset_events_descriptor: bool,
        second_event: Option<Option<&SecondEventsDescriptor>>,
    ) -> Result {
        if keep_active {
            self.w.boolean(0, true);
        }
        if let Some(dm) = event_dm {
            let choice = self.w.open(1);
            match dm {
                EventDm::Name(name) => {
                    let octets = names::digit_map_id(name)?;
                    self.w.octets(0, &octets);
                }
                EventDm::Value(value) => self.digit_map_value(1, value)?,
            }
            self.w.close(choice);
        }
        let mut next = 2;
        if let Some(second) = second_event {
            if let Some(second) = second {
                self.second_events(next, second)?;
            }
            next += 1;
        }
        if let Some(signals) = signals {
            self.signals_descriptor(next, signals)?;
        }
        next += 1;
        if let Some(behaviour) = notify_behaviour {
            self.since(3, "notifyBehaviour")?;
            let choice = self.w.open(next);
            match behaviour {
                NotifyBehaviour::Immediate => self.w.null(0),
                NotifyBehaviour::Regulated(regulated) => {
                    let seq = self.w.open(1);
                    if let Some(second) = &regulated.second_event {
                        self.second_events(0, second)?;
                    }
                    if let Some(signals) = &regulated.signals {
                        self.signals_descriptor(1, signals)?;
                    }
                    self.w.close(seq);
                }
                NotifyBehaviour::Never => self.w.null(2),
            }
            self.w.close(choice);
        }
        next += 1;
        if reset_events_descriptor {
            self.since(3, "resetEventsDescriptor")?;
            self.w.null(next);
        }
        Ok(())
    }

    fn second_events(&mut self, number: u8, events: &SecondEventsDescriptor) -> Result {
        let seq = self.w.open(number);
        match events.request_id {
            Some(id) => self.w.uint(0, u64::from(id.0)),
            None => self.since(2, "SecondEventsDescriptor without requestID")?,
        }
        let list = self.w.open(1);
        for event in &events.events {
            let s = self.w.open_sequence();
            let id = self.pkgd_name(0, ItemKind::Event, &event.name)?;
            if let Some(stream_id) = event.stream_id {
                self.w.uint(1, u64::from(stream_id));
            }
            let actions = &event.actions;
            if !actions.is_empty() {
                let a = self.w.open(2);
                self.event_actions(
                    actions.keep_active,
                    actions.event_dm.as_ref(),
                    actions.signals.as_ref(),
                    actions.notify_behaviour.as_ref(),
                    actions.reset_events_descriptor,
                    None,
                )?;
                self.w.close(a);
            }
            self.parameters(3, ParameterKind::Event, id, &event.params)?;
            self.w.close(s);
        }
        self.w.close(list);
        self.w.close(seq);
        Ok(())
    }

    pub(super) fn event_buffer_descriptor(
        &mut self,
        number: u8,
        events: &EventBufferDescriptor,
    ) -> Result {
        let list = self.w.open(number);
        for event in events {
            let s = self.w.open_sequence();
            let id = self.pkgd_name(0, ItemKind::Event, &event.name)?;
            if let Some(stream_id) = event.stream_id {
                self.w.uint(1, u64::from(stream_id));
            }
            self.parameters(2, ParameterKind::Event, id, &event.params)?;
            self.w.close(s);
        }
        self.w.close(list);
        Ok(())
    }

    pub(super) fn signals_descriptor(&mut self, number: u8, signals: &SignalsDescriptor) -> Result {
        let list = self.w.open(number);
        for request in signals {
            match request {
                SignalRequest::Signal(signal) => self.signal(0xa0, signal)?,
                SignalRequest::SeqSigList(list) => {
                    let seq = self.w.open(1);
                    self.w.uint(0, u64::from(list.id));
                    let items = self.w.open(1);
                    for signal in &list.signals {
                        self.signal(0x30, signal)?;
                    }
                    self.w.close(items);
                    self.w.close(seq);
                }
            }
        }
        self.w.close(list);
        Ok(())
    }

    /// `Signal` with identifier octet `identifier`.
    fn signal(&mut self, identifier: u8, signal: &Signal) -> Result {
        let seq = self.w.open_raw(identifier);
        let id = self.pkgd_name(0, ItemKind::Signal, &signal.name)?;
        if let Some(stream_id) = signal.stream_id {
            self.w.uint(1, u64::from(stream_id));
        }
        if let Some(signal_type) = signal.signal_type {
            self.w.uint(
                2,
                match signal_type {
                    SignalType::Brief => 0,
                    SignalType::OnOff => 1,
                    SignalType::TimeOut => 2,
                },
            );
        }
        if let Some(duration) = signal.duration {
            self.w.uint(3, u64::from(duration));
        }
        if let Some(reasons) = &signal.notify_completion {
            let mut bits = 0u32;
            for &reason in reasons {
                if reason == NotifyCompletion::OnIteration {
                    self.since(3, "NotifyCompletion onIteration")?;
                }
                let bit = NOTIFY_COMPLETION_BITS
                    .iter()
                    .position(|&r| r == reason)
                    .unwrap_or(0);
                bits |= 1 << bit;
            }
            self.w.named_bits(4, bits);
        }
        if signal.keep_active {
            self.w.boolean(5, true);
        }
        self.parameters(6, ParameterKind::Signal, id, &signal.params)?;
        if let Some(direction) = signal.direction {
            self.since(3, "Signal direction")?;
            self.w.uint(
                7,
                match direction {
                    SignalDirection::Internal => 0,
                    SignalDirection::External => 1,
                    SignalDirection::Both => 3,
                },
            );
        }
        if let Some(request_id) = signal.request_id {
            self.since(3, "Signal requestID")?;
            self.w.uint(8, u64::from(request_id.0));
        }
        if let Some(delay) = signal.intersignal_delay {
            self.since(3, "Signal intersigDelay")?;
            self.w.uint(9, u64::from(delay));
        }
        self.w.close(seq);
        Ok(())
    }

    pub(super) fn digit_map_descriptor(
        &mut self,
        number: u8,
        descriptor: &DigitMapDescriptor,
    ) -> Result {
        let seq = self.w.open(number);
        if let Some(name) = &descriptor.name {
            self.w.octets(0, &names::digit_map_id(name)?);
        }
        if let Some(value) = &descriptor.value {
            self.digit_map_value(1, value)?;
        }
        self.w.close(seq);
        Ok(())
    }

    fn digit_map_value(&mut self, number: u8, value: &DigitMapValue) -> Result {
        let seq = self.w.open(number);
        for (timer, tag) in [
            (value.start_timer, 0),
            (value.short_timer, 1),
            (value.long_timer, 2),
        ] {
            if let Some(timer) = timer {
                if timer > 99 {
                    return Err(BerEncodeError::OutOfRange("digit map timer INTEGER(0..99)"));
                }
                self.w.uint(tag, u64::from(timer));
            }
        }
        if !value.body.is_ascii() {
            return Err(BerEncodeError::OutOfRange("digitMapBody IA5String"));
        }
        self.w.octets(3, value.body.as_bytes());
        if let Some(timer) = value.duration_timer {
            self.since(2, "durationTimer")?;
            if timer > 99 {
                return Err(BerEncodeError::OutOfRange("durationTimer INTEGER(0..99)"));
            }
            self.w.uint(4, u64::from(timer));
        }
        self.w.close(seq);
        Ok(())
    }

    pub(super) fn audit_descriptor(&mut self, number: u8, audit: &AuditDescriptor) -> Result {
        let seq = self.w.open(number);
        if !audit.tokens.is_empty() {
            let mut bits = 0u32;
            for &token in &audit.tokens {
                let bit = AUDIT_TOKEN_BITS
                    .iter()
                    .position(|&t| t == token)
                    .unwrap_or(0);
                bits |= 1 << bit;
            }
            self.w.named_bits(0, bits);
        }
        if !audit.property_tokens.is_empty() {
            self.since(2, "auditPropertyToken")?;
            let list = self.w.open(1);
            for parameter in &audit.property_tokens {
                self.ind_audit_parameter(parameter)?;
            }
            self.w.close(list);
        }
        self.w.close(seq);
        Ok(())
    }

    /// `TerminationAudit ::= SEQUENCE OF AuditReturnParameter`.
    ///
    /// Consecutive descriptor names without content (model items
    /// `EmptyDescriptors` with tokens and no individual audit items) share
    /// one `emptyDescriptors` element, as Erlang/OTP megaco writes them.
    pub(super) fn termination_audit(&mut self, number: u8, audit: &TerminationAudit) -> Result {
        let list = self.w.open(number);
        let mut index = 0;
        while let Some(item) = audit.get(index) {
            index += 1;
            if let AuditReturnParameter::EmptyDescriptors(first) = item {
                if mergeable(first) {
                    let mut merged = first.tokens.clone();
                    while let Some(AuditReturnParameter::EmptyDescriptors(next)) = audit.get(index)
                    {
                        if !mergeable(next) {
                            break;
                        }
                        merged.extend_from_slice(&next.tokens);
                        index += 1;
                    }
                    self.audit_descriptor(
                        11,
                        &AuditDescriptor {
                            tokens: merged,
                            property_tokens: Vec::new(),
                        },
                    )?;
                    continue;
                }
            }
            match item {
                AuditReturnParameter::Error(error) => self.error_descriptor(0, error),
                AuditReturnParameter::Media(media) => self.media_descriptor(1, media)?,
                AuditReturnParameter::Modem(modem) => self.modem_descriptor(2, modem)?,
                AuditReturnParameter::Mux(mux) => self.mux_descriptor(3, mux)?,
                AuditReturnParameter::Events(events) => self.events_descriptor(4, events)?,
                AuditReturnParameter::EventBuffer(events) => {
                    self.event_buffer_descriptor(5, events)?
                }
                AuditReturnParameter::Signals(signals) => self.signals_descriptor(6, signals)?,
                AuditReturnParameter::DigitMap(digit_map) => {
                    self.digit_map_descriptor(7, digit_map)?
                }
                AuditReturnParameter::ObservedEvents(observed) => {
                    self.observed_events(8, observed)?
                }
                AuditReturnParameter::Statistics(statistics) => {
                    self.statistics_descriptor(9, statistics)?
                }
                AuditReturnParameter::Packages(packages) => {
                    let items = self.w.open(10);
                    for package in packages {
                        if package.version > 99 {
                            return Err(BerEncodeError::OutOfRange(
                                "packageVersion INTEGER(0..99)",
                            ));
                        }
                        let seq = self.w.open_sequence();
                        let id = names::package_id(self.names, &package.name)?;
                        self.w.octets(0, &id.to_be_bytes());
                        self.w.uint(1, u64::from(package.version));
                        self.w.close(seq);
                    }
                    self.w.close(items);
                }
                AuditReturnParameter::EmptyDescriptors(audit) => {
                    self.audit_descriptor(11, audit)?
                }
            }
        }
        self.w.close(list);
        Ok(())
    }

    pub(super) fn observed_events(
        &mut self,
        number: u8,
        observed: &ObservedEventsDescriptor,
    ) -> Result {
        let seq = self.w.open(number);
        self.w.uint(0, u64::from(observed.request_id.0));
        let list = self.w.open(1);
        for event in &observed.events {
            let s = self.w.open_sequence();
            let id = self.pkgd_name(0, ItemKind::Event, &event.name)?;
            if let Some(stream_id) = event.stream_id {
                self.w.uint(1, u64::from(stream_id));
            }
            self.parameters(2, ParameterKind::Event, id, &event.params)?;
            if let Some(timestamp) = &event.timestamp {
                self.time_notation(3, timestamp)?;
            }
            self.w.close(s);
        }
        self.w.close(list);
        self.w.close(seq);
        Ok(())
    }

    pub(super) fn statistics_descriptor(
        &mut self,
        number: u8,
        statistics: &StatisticsDescriptor,
    ) -> Result {
        let list = self.w.open(number);
        for statistic in statistics {
            let seq = self.w.open_sequence();
            self.pkgd_name(0, ItemKind::Statistic, &statistic.name)?;
            if !statistic.value.is_empty() {
                self.values(1, &statistic.value);
            }
            self.w.close(seq);
        }
        self.w.close(list);
        Ok(())
    }
}
