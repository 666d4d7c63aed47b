//! The descriptors of Annex B (`mediaDescriptor` .. `statisticsDescriptor`)
//! and the parameters inside them.

use super::lexical::empty;
use super::{Encoded, Items, Writer};
use crate::model::*;
use crate::sdp::SessionDescription;
use crate::text::EncodeError;

impl Writer<'_> {
    /// `StreamToken EQUAL StreamID` (`eventStream`, `sigStream`, ...).
    pub(super) fn stream_id(&mut self, stream: StreamId) {
        self.put(self.tokens_equal.stream);
        self.uint(stream);
    }

    /// `RequestID = UINT32 / "*"`.
    pub(super) fn request_id(&mut self, id: RequestId) {
        if id == RequestId::ALL {
            self.out.push(b'*');
        } else {
            self.uint(id.0);
        }
    }

    /// `propertyParm = pkgdName parmValue`.
    pub(super) fn property_parm(&mut self, parm: &PropertyParm) -> Encoded {
        self.pkgd_name(&parm.name, "property name")?;
        self.parm_value(&parm.value)
    }

    /// `eventOther = eventParameterName parmValue` and
    /// `sigOther = sigParameterName parmValue`.
    fn named_parm(&mut self, parm: &PropertyParm, what: &'static str) -> Encoded {
        self.name(&parm.name, what)?;
        self.parm_value(&parm.value)
    }

    /// `parmValue = (EQUAL alternativeValue / INEQUAL VALUE)`, written tight
    /// (`name=value`) in both styles as megaco does.
    pub(super) fn parm_value(&mut self, value: &ParmValue) -> Encoded {
        match value {
            ParmValue::Equal(value) => {
                self.out.push(b'=');
                self.value(value)
            }
            ParmValue::Relation(relation, value) => {
                self.out.push(match relation {
                    Relation::GreaterThan => b'>',
                    Relation::SmallerThan => b'<',
                    Relation::UnequalTo => b'#',
                });
                self.value(value)
            }
            ParmValue::Range(low, high) => {
                self.put(b"=[");
                self.value(low)?;
                self.out.push(b':');
                self.value(high)?;
                self.out.push(b']');
                Ok(())
            }
            ParmValue::Sublist(values) => {
                self.value_list(b"=[", values, b']', "value sublist (empty)")
            }
            ParmValue::Alternatives(values) => {
                self.value_list(b"={", values, b'}', "value alternatives (empty)")
            }
        }
    }

    /// `VALUE *(COMMA VALUE)` between `open` and `close`.
    fn value_list(
        &mut self,
        open: &[u8],
        values: &[Value],
        close: u8,
        what: &'static str,
    ) -> Encoded {
        if values.is_empty() {
            return Err(empty(what));
        }
        self.put(open);
        for (index, value) in values.iter().enumerate() {
            if index > 0 {
                self.out.push(b',');
            }
            self.value(value)?;
        }
        self.out.push(close);
        Ok(())
    }

    /// `mediaDescriptor = MediaToken LBRKT mediaParm *(COMMA mediaParm) RBRKT`.
    pub(super) fn media_descriptor(&mut self, media: &MediaDescriptor) -> Encoded {
        self.put(self.tokens.media);
        let mut items = self.open();
        if let Some(state) = &media.termination_state {
            self.next(&mut items);
            self.termination_state(state)?;
        }
        match &media.streams {
            None => {}
            Some(Streams::One(parms)) => self.stream_parms(parms, &mut items)?,
            Some(Streams::Multi(streams)) => {
                if streams.is_empty() {
                    return Err(empty("stream list (empty)"));
                }
                for stream in streams {
                    // streamDescriptor = StreamToken EQUAL StreamID LBRKT streamParm *(COMMA streamParm) RBRKT
                    self.next(&mut items);
                    self.stream_id(stream.stream_id);
                    let mut parms = self.open();
                    self.stream_parms(&stream.parms, &mut parms)?;
                    self.close(parms);
                }
            }
        }
        self.close_nonempty(items, "Media descriptor (empty)")
    }

    /// `streamParm = (localDescriptor / remoteDescriptor / localControlDescriptor /
    /// statisticsDescriptor)`, each as an item of `items`.
    fn stream_parms(&mut self, parms: &StreamParms, items: &mut Items) -> Encoded {
        let StreamParms {
            local_control,
            local,
            remote,
            statistics,
        } = parms;
        if local_control.is_none() && local.is_none() && remote.is_none() && statistics.is_none() {
            return Err(empty("stream parameters (empty)"));
        }
        if let Some(control) = local_control {
            self.next(items);
            self.local_control(control)?;
        }
        if let Some(local) = local {
            self.next(items);
            self.sdp_descriptor(self.tokens.local, &local.groups)?;
        }
        if let Some(remote) = remote {
            self.next(items);
            self.sdp_descriptor(self.tokens.remote, &remote.groups)?;
        }
        if let Some(stats) = statistics {
            self.next(items);
            self.statistics_descriptor(stats)?;
        }
        Ok(())
    }

    /// `localControlDescriptor = LocalControlToken LBRKT localParm *(COMMA localParm) RBRKT`.
    fn local_control(&mut self, control: &LocalControlDescriptor) -> Encoded {
        let t = self.tokens;
        self.put(t.local_control);
        let mut items = self.open();
        if let Some(mode) = control.stream_mode {
            self.next(&mut items);
            self.put(self.tokens_equal.mode);
            self.stream_mode(mode);
        }
        if let Some(on) = control.reserve_value {
            self.next(&mut items);
            self.put(self.tokens_equal.reserved_value);
            self.on_off(on);
        }
        if let Some(on) = control.reserve_group {
            self.next(&mut items);
            self.put(self.tokens_equal.reserved_group);
            self.on_off(on);
        }
        for parm in &control.property_parms {
            self.next(&mut items);
            self.property_parm(parm)?;
        }
        self.close_nonempty(items, "LocalControl descriptor (empty)")
    }

    /// `streamModes = (SendonlyToken / RecvonlyToken / SendrecvToken /
    /// InactiveToken / LoopbackToken)`.
    pub(super) fn stream_mode(&mut self, mode: StreamMode) {
        let t = self.tokens;
        self.put(match mode {
            StreamMode::SendOnly => t.send_only,
            StreamMode::RecvOnly => t.recv_only,
            StreamMode::SendRecv => t.send_recv,
            StreamMode::Inactive => t.inactive,
            StreamMode::Loopback => t.loopback,
        });
    }

    /// `serviceStatesValue = (TestToken / OutOfSvcToken / InSvcToken)`.
    pub(super) fn service_state(&mut self, state: ServiceState) {
        let t = self.tokens;
        self.put(match state {
            ServiceState::Test => t.test,
            ServiceState::OutOfService => t.out_of_service,
            ServiceState::InService => t.in_service,
        });
    }

    /// `terminationStateDescriptor = TerminationStateToken LBRKT
    /// terminationStateParm *(COMMA terminationStateParm) RBRKT`.
    fn termination_state(&mut self, state: &TerminationStateDescriptor) -> Encoded {
        let t = self.tokens;
        self.put(t.termination_state);
        let mut items = self.open();
        for parm in &state.property_parms {
            self.next(&mut items);
            self.property_parm(parm)?;
        }
        if let Some(control) = state.event_buffer_control {
            // eventBufferControl = BufferToken EQUAL ("OFF" / LockStepToken)
            self.next(&mut items);
            self.put(self.tokens_equal.buffer);
            self.put(match control {
                EventBufferControl::Off => b"OFF",
                EventBufferControl::LockStep => t.lock_step,
            });
        }
        if let Some(service_state) = state.service_state {
            self.next(&mut items);
            self.put(self.tokens_equal.service_states);
            self.service_state(service_state);
        }
        self.close_nonempty(items, "TerminationState descriptor (empty)")
    }

    /// `localDescriptor = LocalToken LBRKT octetString RBRKT` (and Remote):
    /// every SDP line `kind=value` followed by an EOL.
    fn sdp_descriptor(&mut self, token: &'static [u8], groups: &[SessionDescription]) -> Encoded {
        self.sdp_open(token);
        for (index, group) in groups.iter().enumerate() {
            // A reader tells the alternatives apart by their `v=` lines: each
            // after the first starts with its only `v=` line; the first may
            // have none (a partial description such as `c=` and `m=` alone,
            // which the decoder reads as one group).
            let well_formed = group.lines.first().is_some_and(|line| {
                line.kind == 'v' || index == 0
            }) && group.lines[1..].iter().all(|line| line.kind != 'v');
            if !well_formed {
                return Err(empty(
                    "SDP session description (each alternative after the first starts with its only v= line)",
                ));
            }
            for line in &group.lines {
                self.sdp_line(line.kind, &line.value)?;
            }
        }
        self.sdp_close();
        Ok(())
    }

    /// The token and `LBRKT` of a Local or Remote descriptor, and the EOL
    /// that starts its SDP text.
    pub(super) fn sdp_open(&mut self, token: &'static [u8]) {
        self.put(token);
        self.put(self.punctuation.open);
        self.out.push(b'\n');
    }

    /// One SDP line `kind=value` and its EOL.
    pub(super) fn sdp_line(&mut self, kind: char, value: &str) -> Encoded {
        if !kind.is_ascii_alphabetic() {
            return Err(EncodeError::InvalidText {
                what: "SDP line type",
                value: kind.to_string(),
            });
        }
        self.out.push(kind as u8);
        self.out.push(b'=');
        self.sdp_value(value)?;
        self.out.push(b'\n');
        Ok(())
    }

    /// The `RBRKT` of a Local or Remote descriptor, on its own line.
    pub(super) fn sdp_close(&mut self) {
        if self.pretty {
            self.put(self.indentation());
        }
        self.out.push(b'}');
    }

    /// `muxDescriptor = MuxToken EQUAL MuxType terminationIDList`.
    pub(super) fn mux_descriptor(&mut self, mux: &MuxDescriptor) -> Encoded {
        if mux.non_standard.is_some() {
            return Err(EncodeError::BinaryOnly("Mux nonStandardData"));
        }
        let t = self.tokens;
        self.put(self.tokens_equal.mux);
        match &mux.mux_type {
            MuxType::H221 => self.put(b"H221"),
            MuxType::H223 => self.put(b"H223"),
            MuxType::H226 => self.put(b"H226"),
            MuxType::V76 => self.put(b"V76"),
            MuxType::Nx64k => self.put(t.nx64k),
            MuxType::Extension(name) => self.extension(name, "Mux type")?,
        }
        self.termination_id_braces(&mux.termination_ids)
    }

    /// `modemDescriptor = ModemToken ((EQUAL modemType) / (LSBRKT modemType
    /// *(COMMA modemType) RSBRKT)) [LBRKT propertyParm *(COMMA propertyParm) RBRKT]`.
    pub(super) fn modem_descriptor(&mut self, modem: &ModemDescriptor) -> Encoded {
        if modem.non_standard.is_some() {
            return Err(EncodeError::BinaryOnly("Modem nonStandardData"));
        }
        self.put(self.tokens.modem);
        match modem.modem_types.as_slice() {
            [] => return Err(empty("Modem types (empty)")),
            [single] => {
                self.equal();
                self.modem_type(single)?;
            }
            several => {
                self.out.push(b'[');
                for (index, modem_type) in several.iter().enumerate() {
                    if index > 0 {
                        self.out.push(b',');
                    }
                    self.modem_type(modem_type)?;
                }
                self.out.push(b']');
            }
        }
        if !modem.property_parms.is_empty() {
            let mut items = self.open();
            for parm in &modem.property_parms {
                self.next(&mut items);
                self.property_parm(parm)?;
            }
            self.close(items);
        }
        Ok(())
    }

    /// `modemType`.
    fn modem_type(&mut self, modem_type: &ModemType) -> Encoded {
        self.put(match modem_type {
            ModemType::V18 => b"V18",
            ModemType::V22 => b"V22",
            ModemType::V22bis => b"V22b",
            ModemType::V32 => b"V32",
            ModemType::V32bis => b"V32b",
            ModemType::V34 => b"V34",
            ModemType::V90 => b"V90",
            ModemType::V91 => b"V91",
            ModemType::SynchIsdn => self.tokens.synch_isdn,
            ModemType::Extension(name) => return self.extension(name, "Modem type"),
        });
        Ok(())
    }

    /// `eventsDescriptor = EventsToken [EQUAL RequestID LBRKT requestedEvent
    /// *(COMMA requestedEvent) RBRKT]`.
    pub(super) fn events_descriptor(&mut self, events: &EventsDescriptor) -> Encoded {
        self.put(self.tokens.events);
        let Some(request_id) =
            Self::events_request_id(events.request_id, events.events.is_empty())?
        else {
            return Ok(());
        };
        self.equal();
        self.request_id(request_id);
        let mut items = self.open();
        for event in &events.events {
            self.next(&mut items);
            self.requested_event(event)?;
        }
        self.close(items);
        Ok(())
    }

    /// The request ID to write after `Events`: none with no events (bare
    /// `Events`), the ID with some; other combinations have no text form.
    fn events_request_id(
        request_id: Option<RequestId>,
        no_events: bool,
    ) -> std::result::Result<Option<RequestId>, EncodeError> {
        match (request_id, no_events) {
            (None, true) => Ok(None),
            (Some(id), false) => Ok(Some(id)),
            (Some(_), true) => Err(empty("Events descriptor (request ID without events)")),
            (None, false) => Err(empty("Events descriptor (events without request ID)")),
        }
    }

    /// `requestedEvent = pkgdName [LBRKT eventParameter *(COMMA eventParameter) RBRKT]`.
    fn requested_event(&mut self, event: &RequestedEvent) -> Encoded {
        self.pkgd_name(&event.name, "event name")?;
        let actions = &event.actions;
        if event.stream_id.is_none() && event.params.is_empty() && actions.is_empty() {
            return Ok(());
        }
        let mut items = self.open();
        self.event_stream_and_parms(event.stream_id, &event.params, &mut items)?;
        if actions.keep_active {
            self.next(&mut items);
            self.put(self.tokens.keep_active);
        }
        if let Some(digit_map) = &actions.event_dm {
            self.next(&mut items);
            self.event_dm(digit_map)?;
        }
        if actions.signals.is_some() || actions.second_event.is_some() {
            self.next(&mut items);
            self.embed(actions.signals.as_ref(), actions.second_event.as_ref())?;
        }
        if let Some(behaviour) = &actions.notify_behaviour {
            self.next(&mut items);
            self.notify_behaviour(behaviour)?;
        }
        if actions.reset_events_descriptor {
            self.next(&mut items);
            self.put(self.tokens.reset_events_descriptor);
        }
        self.close(items);
        Ok(())
    }

    /// `eventStream` and `eventOther` items of an event.
    fn event_stream_and_parms(
        &mut self,
        stream: Option<StreamId>,
        parms: &[EventParameter],
        items: &mut Items,
    ) -> Encoded {
        if let Some(stream) = stream {
            self.next(items);
            self.stream_id(stream);
        }
        for parm in parms {
            self.next(items);
            self.named_parm(parm, "event parameter name")?;
        }
        Ok(())
    }

    /// `embedWithSig = EmbedToken LBRKT signalsDescriptor [COMMA embedFirst] RBRKT`,
    /// `embedNoSig = EmbedToken LBRKT embedFirst RBRKT`.
    fn embed(
        &mut self,
        signals: Option<&SignalsDescriptor>,
        events: Option<&SecondEventsDescriptor>,
    ) -> Encoded {
        self.put(self.tokens.embed);
        let mut items = self.open();
        if let Some(signals) = signals {
            self.next(&mut items);
            self.signals_descriptor(signals)?;
        }
        if let Some(events) = events {
            self.next(&mut items);
            self.embed_first(events)?;
        }
        self.close(items);
        Ok(())
    }

    /// `embedFirst = EventsToken [EQUAL RequestID LBRKT secondRequestedEvent
    /// *(COMMA secondRequestedEvent) RBRKT]`.
    fn embed_first(&mut self, events: &SecondEventsDescriptor) -> Encoded {
        self.put(self.tokens.events);
        let Some(request_id) =
            Self::events_request_id(events.request_id, events.events.is_empty())?
        else {
            return Ok(());
        };
        self.equal();
        self.request_id(request_id);
        let mut items = self.open();
        for event in &events.events {
            self.next(&mut items);
            self.second_requested_event(event)?;
        }
        self.close(items);
        Ok(())
    }

    /// `secondRequestedEvent = pkgdName [LBRKT secondEventParameter
    /// *(COMMA secondEventParameter) RBRKT]`.
    fn second_requested_event(&mut self, event: &SecondRequestedEvent) -> Encoded {
        self.pkgd_name(&event.name, "event name")?;
        let actions = &event.actions;
        if event.stream_id.is_none() && event.params.is_empty() && actions.is_empty() {
            return Ok(());
        }
        let mut items = self.open();
        self.event_stream_and_parms(event.stream_id, &event.params, &mut items)?;
        if actions.keep_active {
            self.next(&mut items);
            self.put(self.tokens.keep_active);
        }
        if let Some(digit_map) = &actions.event_dm {
            self.next(&mut items);
            self.event_dm(digit_map)?;
        }
        if let Some(signals) = &actions.signals {
            // embedSig = EmbedToken LBRKT signalsDescriptor RBRKT
            self.next(&mut items);
            self.embed(Some(signals), None)?;
        }
        if let Some(behaviour) = &actions.notify_behaviour {
            self.next(&mut items);
            self.notify_behaviour(behaviour)?;
        }
        if actions.reset_events_descriptor {
            self.next(&mut items);
            self.put(self.tokens.reset_events_descriptor);
        }
        self.close(items);
        Ok(())
    }

    /// `notifyBehaviour = NeverNotifyToken / NotifyImmediateToken / notifyRegulated`,
    /// `notifyRegulated = NotifyRegulatedToken [LBRKT (embedWithSig / embedNoSig) RBRKT]`.
    fn notify_behaviour(&mut self, behaviour: &NotifyBehaviour) -> Encoded {
        let t = self.tokens;
        match behaviour {
            NotifyBehaviour::Immediate => self.put(t.notify_immediate),
            NotifyBehaviour::Never => self.put(t.never_notify),
            NotifyBehaviour::Regulated(embedded) => {
                self.put(t.notify_regulated);
                if embedded.signals.is_some() || embedded.second_event.is_some() {
                    let mut items = self.open();
                    self.next(&mut items);
                    self.embed(embedded.signals.as_ref(), embedded.second_event.as_ref())?;
                    self.close(items);
                }
            }
        }
        Ok(())
    }

    /// `eventDM = DigitMapToken EQUAL ((digitMapName) / (LBRKT digitMapValue RBRKT))`.
    fn event_dm(&mut self, digit_map: &EventDm) -> Encoded {
        self.put(self.tokens_equal.digit_map);
        match digit_map {
            EventDm::Name(name) => self.name(name, "digit map name"),
            EventDm::Value(value) => self.digit_map_value(value),
        }
    }

    /// `signalsDescriptor = SignalsToken [LBRKT signalParm *(COMMA signalParm) RBRKT]`;
    /// an empty descriptor is the bare token, as megaco writes it.
    pub(super) fn signals_descriptor(&mut self, signals: &SignalsDescriptor) -> Encoded {
        self.put(self.tokens.signals);
        if signals.is_empty() {
            return Ok(());
        }
        let mut items = self.open();
        for request in signals {
            self.next(&mut items);
            match request {
                SignalRequest::Signal(signal) => self.signal_request(signal)?,
                SignalRequest::SeqSigList(list) => {
                    // signalList = SignalListToken EQUAL signalListId LBRKT
                    //   signalListParm *(COMMA signalListParm) RBRKT
                    self.put(self.tokens_equal.signal_list);
                    self.uint(list.id);
                    let mut signals = self.open();
                    for signal in &list.signals {
                        self.next(&mut signals);
                        self.signal_request(signal)?;
                    }
                    self.close_nonempty(signals, "signal list (empty)")?;
                }
            }
        }
        self.close(items);
        Ok(())
    }

    /// `signalRequest = signalName [LBRKT sigParameter *(COMMA sigParameter) RBRKT]`.
    fn signal_request(&mut self, signal: &Signal) -> Encoded {
        let t = self.tokens;
        self.pkgd_name(&signal.name, "signal name")?;
        let Signal {
            name: _,
            stream_id,
            signal_type,
            duration,
            notify_completion,
            keep_active,
            params,
            direction,
            request_id,
            intersignal_delay,
        } = signal;
        let has_parameters = stream_id.is_some()
            || signal_type.is_some()
            || duration.is_some()
            || notify_completion.is_some()
            || *keep_active
            || !params.is_empty()
            || direction.is_some()
            || request_id.is_some()
            || intersignal_delay.is_some();
        if !has_parameters {
            return Ok(());
        }
        let mut items = self.open();
        if let Some(stream) = signal.stream_id {
            self.next(&mut items);
            self.stream_id(stream);
        }
        if let Some(signal_type) = signal.signal_type {
            // sigSignalType = SignalTypeToken EQUAL signalType
            self.next(&mut items);
            self.put(self.tokens_equal.signal_type);
            self.put(match signal_type {
                SignalType::Brief => t.brief,
                SignalType::OnOff => t.on_off,
                SignalType::TimeOut => t.time_out,
            });
        }
        if let Some(duration) = signal.duration {
            self.next(&mut items);
            self.put(self.tokens_equal.duration);
            self.uint(duration);
        }
        if let Some(reasons) = &signal.notify_completion {
            // notifyCompletion = NotifyCompletionToken EQUAL (LBRKT
            //   notificationReason *(COMMA notificationReason) RBRKT)
            self.next(&mut items);
            self.put(self.tokens_equal.notify_completion);
            let mut list = self.open();
            for reason in reasons {
                self.next(&mut list);
                self.put(match reason {
                    NotifyCompletion::OnTimeOut => t.time_out,
                    NotifyCompletion::OnInterruptByEvent => t.int_by_event,
                    NotifyCompletion::OnInterruptByNewSignalDescr => t.int_by_sig_descr,
                    NotifyCompletion::OtherReason => t.other_reason,
                    NotifyCompletion::OnIteration => t.iteration,
                });
            }
            self.close_nonempty(list, "NotifyCompletion (empty)")?;
        }
        if signal.keep_active {
            self.next(&mut items);
            self.put(t.keep_active);
        }
        for parm in &signal.params {
            self.next(&mut items);
            self.named_parm(parm, "signal parameter name")?;
        }
        if let Some(direction) = signal.direction {
            // sigDirection = DirectionToken EQUAL direction
            self.next(&mut items);
            self.put(self.tokens_equal.direction);
            self.put(match direction {
                SignalDirection::Internal => t.internal,
                SignalDirection::External => t.external,
                SignalDirection::Both => t.both,
            });
        }
        if let Some(request_id) = signal.request_id {
            self.next(&mut items);
            self.put(self.tokens_equal.request_id);
            self.request_id(request_id);
        }
        if let Some(delay) = signal.intersignal_delay {
            self.next(&mut items);
            self.put(self.tokens_equal.intersignal);
            self.uint(delay);
        }
        self.close(items);
        Ok(())
    }

    /// `eventBufferDescriptor = EventBufferToken [LBRKT eventSpec *(COMMA eventSpec) RBRKT]`.
    pub(super) fn event_buffer_descriptor(&mut self, buffer: &EventBufferDescriptor) -> Encoded {
        self.put(self.tokens.event_buffer);
        if buffer.is_empty() {
            return Ok(());
        }
        let mut items = self.open();
        for spec in buffer {
            // eventSpec = pkgdName [LBRKT eventSpecParameter *(COMMA eventSpecParameter) RBRKT]
            self.next(&mut items);
            self.pkgd_name(&spec.name, "event name")?;
            if spec.stream_id.is_some() || !spec.params.is_empty() {
                let mut parms = self.open();
                self.event_stream_and_parms(spec.stream_id, &spec.params, &mut parms)?;
                self.close(parms);
            }
        }
        self.close(items);
        Ok(())
    }

    /// `digitMapDescriptor = DigitMapToken EQUAL ((LBRKT digitMapValue RBRKT) /
    /// (digitMapName [LBRKT digitMapValue RBRKT]))`.
    pub(super) fn digit_map_descriptor(&mut self, digit_map: &DigitMapDescriptor) -> Encoded {
        self.put(self.tokens_equal.digit_map);
        if let Some(name) = &digit_map.name {
            self.name(name, "digit map name")?;
        }
        match (&digit_map.value, &digit_map.name) {
            (Some(value), _) => self.digit_map_value(value),
            (None, Some(_)) => Ok(()),
            (None, None) => Err(empty("DigitMap descriptor (neither name nor value)")),
        }
    }

    /// `LBRKT digitMapValue RBRKT`, `digitMapValue = ["T" COLON Timer COMMA]
    /// ["S" COLON Timer COMMA] ["L" COLON Timer COMMA] ["Z" COLON Timer COMMA] digitMap`.
    fn digit_map_value(&mut self, value: &DigitMapValue) -> Encoded {
        let mut items = self.open();
        for (timer, label) in [
            (value.start_timer, b"T:"),
            (value.short_timer, b"S:"),
            (value.long_timer, b"L:"),
            (value.duration_timer, b"Z:"),
        ] {
            if let Some(timer) = timer {
                self.next(&mut items);
                self.put(label);
                self.two_digits(timer, "digit map timer")?;
            }
        }
        self.next(&mut items);
        self.digit_map_body(&value.body)?;
        self.close(items);
        Ok(())
    }

    /// `statisticsDescriptor = StatsToken LBRKT statisticsParameter
    /// *(COMMA statisticsParameter) RBRKT`, `statisticsParameter = pkgdName
    /// [EQUAL VALUE / (LSBRKT VALUE *(COMMA VALUE) RSBRKT)]`; several values
    /// are written `name=[a,b]` as agreed with the decoder.
    pub(super) fn statistics_descriptor(&mut self, stats: &StatisticsDescriptor) -> Encoded {
        self.put(self.tokens.stats);
        let mut items = self.open();
        for stat in stats {
            self.next(&mut items);
            self.pkgd_name(&stat.name, "statistic name")?;
            match stat.value.as_slice() {
                [] => {}
                [single] => {
                    self.equal();
                    self.value(single)?;
                }
                several => self.value_list(b"=[", several, b']', "statistic values")?,
            }
        }
        // The grammar wants at least one statistic, but an empty descriptor
        // is what a reply says when none were collected, and megaco and
        // others write and read it as `Statistics { }` (OTP-17012).
        self.close(items);
        Ok(())
    }

    /// `observedEventsDescriptor = ObservedEventsToken EQUAL RequestID LBRKT
    /// observedEvent *(COMMA observedEvent) RBRKT`.
    pub(super) fn observed_events(&mut self, observed: &ObservedEventsDescriptor) -> Encoded {
        self.put(self.tokens_equal.observed_events);
        self.request_id(observed.request_id);
        let mut items = self.open();
        for event in &observed.events {
            // observedEvent = [TimeStamp LWSP COLON] LWSP pkgdName [LBRKT
            //   observedEventParameter *(COMMA observedEventParameter) RBRKT]
            self.next(&mut items);
            if let Some(stamp) = &event.timestamp {
                self.time_stamp(stamp)?;
                self.out.push(b':');
            }
            self.pkgd_name(&event.name, "event name")?;
            if event.stream_id.is_some() || !event.params.is_empty() {
                let mut parms = self.open();
                self.event_stream_and_parms(event.stream_id, &event.params, &mut parms)?;
                self.close(parms);
            }
        }
        self.close_nonempty(items, "ObservedEvents descriptor (no events)")
    }

    /// `packagesDescriptor = PackagesToken LBRKT packagesItem *(COMMA packagesItem) RBRKT`.
    pub(super) fn packages_descriptor(&mut self, packages: &PackagesDescriptor) -> Encoded {
        self.put(self.tokens.packages);
        let mut items = self.open();
        for package in packages {
            self.next(&mut items);
            self.packages_item(&package.name, package.version)?;
        }
        self.close_nonempty(items, "Packages descriptor (empty)")
    }

    /// `packagesItem = NAME "-" UINT16`.
    pub(super) fn packages_item(&mut self, name: &str, version: u16) -> Encoded {
        self.name(name, "package name")?;
        self.out.push(b'-');
        self.uint(version);
        Ok(())
    }
}
