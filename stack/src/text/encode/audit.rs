//! Audit descriptors, audit results and the individual audit items
//! (Annex B `auditDescriptor`, `auditItem`, `auditReturnParameter`,
//! `indAud*`).

use super::lexical::{empty, invalid};
use super::{Encoded, Items, Writer};
use crate::model::*;
use crate::text::EncodeError;

impl Writer<'_> {
    /// `auditDescriptor = AuditToken LBRKT [auditItem *(COMMA auditItem)] RBRKT`:
    /// the tokens first, in order, then the individual items.
    pub(super) fn audit_descriptor(&mut self, audit: &AuditDescriptor) -> Encoded {
        self.put(self.tokens.audit);
        let mut items = self.open();
        self.audit_items(audit, &mut items)?;
        self.close(items);
        Ok(())
    }

    /// The `auditItem`s of an audit descriptor, each an item of `items`.
    pub(super) fn audit_items(&mut self, audit: &AuditDescriptor, items: &mut Items) -> Encoded {
        for &token in &audit.tokens {
            self.next(items);
            self.put(self.audit_token(token));
        }
        for parameter in &audit.property_tokens {
            self.next(items);
            self.ind_aud_parameter(parameter)?;
        }
        Ok(())
    }

    /// The token of an `auditItem`.
    fn audit_token(&self, token: AuditToken) -> &'static [u8] {
        let t = self.tokens;
        match token {
            AuditToken::Mux => t.mux,
            AuditToken::Modem => t.modem,
            AuditToken::Media => t.media,
            AuditToken::Events => t.events,
            AuditToken::Signals => t.signals,
            AuditToken::DigitMap => t.digit_map,
            AuditToken::Statistics => t.stats,
            AuditToken::ObservedEvents => t.observed_events,
            AuditToken::Packages => t.packages,
            AuditToken::EventBuffer => t.event_buffer,
        }
    }

    /// `auditReturnParameter`, as one or (for the bare tokens of
    /// `EmptyDescriptors`) several items of `items`.
    pub(super) fn audit_return_parameter(
        &mut self,
        parameter: &AuditReturnParameter,
        items: &mut Items,
    ) -> Encoded {
        if let AuditReturnParameter::EmptyDescriptors(audit) = parameter {
            // auditReturnItem = (MuxToken / ModemToken / MediaToken / DigitMapToken /
            //   StatsToken / ObservedEventsToken / PackagesToken)
            if audit.tokens.is_empty() || !audit.property_tokens.is_empty() {
                return Err(empty(
                    "empty descriptors (only descriptor tokens, at least one)",
                ));
            }
            for &token in &audit.tokens {
                if matches!(
                    token,
                    AuditToken::Events | AuditToken::Signals | AuditToken::EventBuffer
                ) {
                    return Err(EncodeError::InvalidText {
                        what: "empty descriptor token (not an auditReturnItem)",
                        value: format!("{token:?}"),
                    });
                }
                self.next(items);
                self.put(self.audit_token(token));
            }
            return Ok(());
        }
        self.next(items);
        match parameter {
            AuditReturnParameter::Error(error) => self.error_descriptor(error),
            AuditReturnParameter::Media(media) => self.media_descriptor(media),
            AuditReturnParameter::Modem(modem) => self.modem_descriptor(modem),
            AuditReturnParameter::Mux(mux) => self.mux_descriptor(mux),
            AuditReturnParameter::Events(events) => self.events_descriptor(events),
            AuditReturnParameter::EventBuffer(buffer) => self.event_buffer_descriptor(buffer),
            AuditReturnParameter::Signals(signals) => self.signals_descriptor(signals),
            AuditReturnParameter::DigitMap(digit_map) => self.digit_map_descriptor(digit_map),
            AuditReturnParameter::ObservedEvents(observed) => self.observed_events(observed),
            AuditReturnParameter::Statistics(stats) => self.statistics_descriptor(stats),
            AuditReturnParameter::Packages(packages) => self.packages_descriptor(packages),
            AuditReturnParameter::EmptyDescriptors(_) => unreachable!("handled above"),
        }
    }

    /// `indAudauditReturnParameter = indAudmediaDescriptor / indAudeventsDescriptor /
    /// indAudsignalsDescriptor / indAuddigitMapDescriptor / indAudeventBufferDescriptor /
    /// indAudstatisticsDescriptor / indAudpackagesDescriptor`.
    fn ind_aud_parameter(&mut self, parameter: &IndAuditParameter) -> Encoded {
        let t = self.tokens;
        match parameter {
            IndAuditParameter::Media(media) => self.ind_aud_media(media),
            IndAuditParameter::Events(events) => {
                // indAudeventsDescriptor = EventsToken [EQUAL RequestID] LBRKT indAudrequestedEvent RBRKT
                if events.stream_id.is_some() {
                    return Err(invalid(
                        "audited event with a stream (not in the text grammar)",
                        &events.name,
                    ));
                }
                self.put(t.events);
                if let Some(request_id) = events.request_id {
                    self.equal();
                    self.request_id(request_id);
                }
                let mut items = self.open();
                self.next(&mut items);
                self.pkgd_name(&events.name, "event name")?;
                self.close(items);
                Ok(())
            }
            IndAuditParameter::EventBuffer(buffer) => {
                // indAudeventBufferDescriptor = EventBufferToken LBRKT indAudeventSpec RBRKT
                // indAudeventSpec = pkgdName [LBRKT indAudeventSpecParameter RBRKT]
                self.put(t.event_buffer);
                let mut items = self.open();
                self.next(&mut items);
                self.pkgd_name(&buffer.name, "event name")?;
                if let Some(stream) = buffer.stream_id {
                    let mut parms = self.open();
                    self.next(&mut parms);
                    self.stream_id(stream);
                    self.close(parms);
                }
                self.close(items);
                Ok(())
            }
            IndAuditParameter::Signals(signals) => {
                // indAudsignalsDescriptor = SignalsToken LBRKT [indAudsignalParm] RBRKT
                self.put(t.signals);
                let mut items = self.open();
                self.next(&mut items);
                match signals {
                    IndAudSignalsDescriptor::Signal(signal) => self.ind_aud_signal(signal)?,
                    IndAudSignalsDescriptor::SeqSigList { id, signal } => {
                        // indAudsignalList = SignalListToken EQUAL signalListId [LBRKT indAudsignalListParm RBRKT]
                        self.put(self.tokens_equal.signal_list);
                        self.uint(*id);
                        if let Some(signal) = signal {
                            let mut list = self.open();
                            self.next(&mut list);
                            self.ind_aud_signal(signal)?;
                            self.close(list);
                        }
                    }
                }
                self.close(items);
                Ok(())
            }
            IndAuditParameter::DigitMap(digit_map) => {
                // indAuddigitMapDescriptor = DigitMapToken EQUAL (digitMapName)
                let Some(name) = &digit_map.name else {
                    return Err(empty("audited DigitMap (no name)"));
                };
                self.put(self.tokens_equal.digit_map);
                self.name(name, "digit map name")
            }
            IndAuditParameter::Statistics(stats) => self.ind_aud_statistics(stats),
            IndAuditParameter::Packages(package) => {
                // indAudpackagesDescriptor = PackagesToken LBRKT packagesItem RBRKT
                self.put(t.packages);
                let mut items = self.open();
                self.next(&mut items);
                self.packages_item(&package.name, package.version)?;
                self.close(items);
                Ok(())
            }
        }
    }

    /// `indAudstatisticsDescriptor = StatsToken LBRKT pkgdName RBRKT`.
    fn ind_aud_statistics(&mut self, stats: &IndAudStatisticsDescriptor) -> Encoded {
        self.put(self.tokens.stats);
        let mut items = self.open();
        self.next(&mut items);
        self.pkgd_name(&stats.name, "statistic name")?;
        self.close(items);
        Ok(())
    }

    /// `indAudsignalRequest = signalName [LBRKT indAudsignalRequestParm
    /// *(COMMA indAudsignalRequestParm) RBRKT]`.
    fn ind_aud_signal(&mut self, signal: &IndAudSignal) -> Encoded {
        self.pkgd_name(&signal.name, "signal name")?;
        if signal.stream_id.is_none() && signal.request_id.is_none() {
            return Ok(());
        }
        let mut items = self.open();
        if let Some(stream) = signal.stream_id {
            self.next(&mut items);
            self.stream_id(stream);
        }
        if let Some(request_id) = signal.request_id {
            self.next(&mut items);
            self.put(self.tokens_equal.request_id);
            self.request_id(request_id);
        }
        self.close(items);
        Ok(())
    }

    /// `indAudmediaDescriptor = MediaToken LBRKT indAudmediaParm *(COMMA indAudmediaParm) RBRKT`.
    fn ind_aud_media(&mut self, media: &IndAudMediaDescriptor) -> Encoded {
        self.put(self.tokens.media);
        let mut items = self.open();
        if let Some(state) = &media.termination_state {
            self.next(&mut items);
            self.ind_aud_termination_state(state)?;
        }
        match &media.streams {
            None => {}
            Some(IndAudStreams::One(parms)) => self.ind_aud_stream_parms(parms, &mut items)?,
            Some(IndAudStreams::Multi(streams)) => {
                if streams.is_empty() {
                    return Err(empty("audited stream list (empty)"));
                }
                for stream in streams {
                    // indAudstreamDescriptor = StreamToken EQUAL StreamID LBRKT indAudstreamParm RBRKT
                    self.next(&mut items);
                    self.stream_id(stream.stream_id);
                    let mut parms = self.open();
                    self.ind_aud_stream_parms(&stream.parms, &mut parms)?;
                    self.close(parms);
                }
            }
        }
        self.close_nonempty(items, "audited Media descriptor (empty)")
    }

    /// `indAudstreamParm = (indAudlocalControlDescriptor / indAudstatisticsDescriptor /
    /// indAudremoteDescriptor / indAudlocalDescriptor)`, each an item of `items`.
    fn ind_aud_stream_parms(&mut self, parms: &IndAudStreamParms, items: &mut Items) -> Encoded {
        if *parms == IndAudStreamParms::default() {
            return Err(empty("audited stream parameters (empty)"));
        }
        if let Some(control) = &parms.local_control {
            self.next(items);
            self.ind_aud_local_control(control)?;
        }
        if let Some(local) = &parms.local {
            self.next(items);
            self.ind_aud_local_remote(self.tokens.local, local)?;
        }
        if let Some(remote) = &parms.remote {
            self.next(items);
            self.ind_aud_local_remote(self.tokens.remote, remote)?;
        }
        if let Some(stats) = &parms.statistics {
            self.next(items);
            self.ind_aud_statistics(stats)?;
        }
        Ok(())
    }

    /// `indAudlocalControlDescriptor = LocalControlToken LBRKT indAudlocalParm
    /// *(COMMA indAudlocalParm) RBRKT`, `indAudlocalParm = ModeToken
    /// [(EQUAL/INEQUAL) streamModes] / pkgdName / propertyParm /
    /// ReservedValueToken / ReservedGroupToken`.
    fn ind_aud_local_control(&mut self, control: &IndAudLocalControlDescriptor) -> Encoded {
        let t = self.tokens;
        self.put(t.local_control);
        let mut items = self.open();
        for (wanted, token) in [
            (control.stream_mode, t.mode),
            (control.reserve_value, t.reserved_value),
            (control.reserve_group, t.reserved_group),
        ] {
            if wanted {
                self.next(&mut items);
                self.put(token);
            }
        }
        for parm in &control.property_parms {
            self.next(&mut items);
            self.ind_aud_property_parm(parm)?;
        }
        if let Some(mode) = control.stream_mode_sel {
            self.next(&mut items);
            self.put(self.tokens_equal.mode);
            self.stream_mode(mode);
        }
        self.close_nonempty(items, "audited LocalControl (empty)")
    }

    /// `indAudterminationStateDescriptor = TerminationStateToken LBRKT
    /// indAudterminationStateParm RBRKT`, `indAudterminationStateParm =
    /// pkgdName / propertyParm / ServiceStatesToken [(EQUAL/INEQUAL)
    /// serviceStatesValue] / BufferToken`.
    fn ind_aud_termination_state(&mut self, state: &IndAudTerminationStateDescriptor) -> Encoded {
        let t = self.tokens;
        self.put(t.termination_state);
        let mut items = self.open();
        for parm in &state.property_parms {
            self.next(&mut items);
            self.ind_aud_property_parm(parm)?;
        }
        if state.event_buffer_control {
            self.next(&mut items);
            self.put(t.buffer);
        }
        if state.service_state {
            self.next(&mut items);
            self.put(t.service_states);
        }
        if let Some(service_state) = state.service_state_sel {
            self.next(&mut items);
            self.put(self.tokens_equal.service_states);
            self.service_state(service_state);
        }
        self.close_nonempty(items, "audited TerminationState (empty)")
    }

    /// An audited property: its `pkgdName` alone, or as a selection
    /// condition its `propertyParm`.
    pub(super) fn ind_aud_property_parm(&mut self, parm: &IndAudPropertyParm) -> Encoded {
        match &parm.parm {
            None => self.pkgd_name(&parm.name, "audited property name"),
            Some(property) if property.name == parm.name => self.property_parm(property),
            Some(property) => Err(invalid(
                "audited property (two different names)",
                &property.name,
            )),
        }
    }

    /// `indAudlocalDescriptor = LocalToken LBRKT octetString RBRKT` (and
    /// Remote): each audited property `x` with value `v` as the SDP line `x=v`.
    fn ind_aud_local_remote(
        &mut self,
        token: &'static [u8],
        descriptor: &IndAudLocalRemoteDescriptor,
    ) -> Encoded {
        if descriptor.prop_group_id.is_some() {
            return Err(EncodeError::BinaryOnly(
                "audited Local/Remote property group ID",
            ));
        }
        self.sdp_open(token);
        for prop in &descriptor.props {
            let line = match (&prop.parm, prop.name.as_bytes()) {
                (
                    Some(PropertyParm {
                        name,
                        value: ParmValue::Equal(value),
                    }),
                    &[kind],
                ) if *name == prop.name => Some((char::from(kind), value)),
                _ => None,
            };
            let Some((kind, value)) = line else {
                return Err(invalid(
                    "audited SDP line (one letter and one value)",
                    &prop.name,
                ));
            };
            self.sdp_line(kind, value)?;
        }
        self.sdp_close();
        Ok(())
    }
}
