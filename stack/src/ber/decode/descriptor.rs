//! The descriptors of clause 7.1 (Annex A `MediaDescriptor` ..
//! `StatisticsParameter`), Local / Remote as Annex C SDP property groups.

use super::{
    choices, error_descriptor, flag, non_standard_data, optional, plain_named_value, sequences,
    time_notation, values, values_of, Decoder, Result, Values,
};
use crate::ber::error::BerErrorKind;
use crate::ber::names::{self, PkgdId, ANNEX_C};
use crate::ber::reader::{universal, Tlv};
use crate::ber::{AUDIT_TOKEN_BITS, NOTIFY_COMPLETION_BITS};
use crate::model::*;
use crate::package::{ItemKind, ParameterKind};
use crate::sdp::{SdpLine, SessionDescription};

/// `StreamMode` ENUMERATED.
pub(super) fn stream_mode(tlv: Tlv<'_>) -> Result<StreamMode> {
    Ok(match tlv.enumerated("StreamMode", 4)? {
        0 => StreamMode::SendOnly,
        1 => StreamMode::RecvOnly,
        2 => StreamMode::SendRecv,
        3 => StreamMode::Inactive,
        _ => StreamMode::Loopback,
    })
}

/// `ServiceState` ENUMERATED.
pub(super) fn service_state(tlv: Tlv<'_>) -> Result<ServiceState> {
    Ok(match tlv.enumerated("ServiceState", 2)? {
        0 => ServiceState::Test,
        1 => ServiceState::OutOfService,
        _ => ServiceState::InService,
    })
}

impl<'n> Decoder<'n> {
    pub(super) fn media_descriptor(&self, tlv: Tlv<'_>) -> Result<MediaDescriptor> {
        const T: &str = "MediaDescriptor";
        let mut s = tlv.cursor(T)?;
        let termination_state = optional(&mut s, 0, |t| self.termination_state(t))?;
        let streams = optional(&mut s, 1, |t| {
            let inner = t.explicit(T)?;
            match inner.tag().number {
                0 => Ok(Streams::One(self.stream_parms(inner)?)),
                1 => Ok(Streams::Multi(sequences(inner, T, |t| {
                    const D: &str = "StreamDescriptor";
                    let mut s = t.cursor(D)?;
                    let stream_id = s.required(0)?.u16(D)?;
                    let parms = self.stream_parms(s.required(1)?)?;
                    s.finish()?;
                    Ok(StreamDescriptor { stream_id, parms })
                })?)),
                _ => Err(inner.unknown_alternative(T)),
            }
        })?;
        s.finish_extensible(1)?;
        Ok(MediaDescriptor {
            termination_state,
            streams,
        })
    }

    fn stream_parms(&self, tlv: Tlv<'_>) -> Result<StreamParms> {
        const T: &str = "StreamParms";
        let mut s = tlv.cursor(T)?;
        let local_control = optional(&mut s, 0, |t| self.local_control(t))?;
        let local = optional(&mut s, 1, |t| self.local_remote(t))?;
        let remote = optional(&mut s, 2, |t| self.local_remote(t))?;
        let statistics = optional(&mut s, 3, |t| self.statistics_descriptor(t))?;
        s.finish_extensible(3)?;
        Ok(StreamParms {
            local_control,
            local,
            remote,
            statistics,
        })
    }

    fn local_control(&self, tlv: Tlv<'_>) -> Result<LocalControlDescriptor> {
        const T: &str = "LocalControlDescriptor";
        let mut s = tlv.cursor(T)?;
        let stream_mode = optional(&mut s, 0, stream_mode)?;
        let reserve_value = optional(&mut s, 1, |t| t.boolean(T))?;
        let reserve_group = optional(&mut s, 2, |t| t.boolean(T))?;
        let property_parms = self.property_parms(s.required(3)?)?;
        s.finish_extensible(3)?;
        Ok(LocalControlDescriptor {
            stream_mode,
            reserve_value,
            reserve_group,
            property_parms,
        })
    }

    /// `LocalRemoteDescriptor`: one `PropertyGroup` per session description,
    /// each property an Annex C SDP equivalent (C.11) holding one line.
    fn local_remote(&self, tlv: Tlv<'_>) -> Result<LocalRemoteDescriptor> {
        const T: &str = "LocalRemoteDescriptor";
        let mut s = tlv.cursor(T)?;
        let groups = sequences(s.required(0)?, T, |group| {
            let lines = sequences(group, "PropertyGroup", |parm| self.sdp_line(parm))?;
            Ok(SessionDescription { lines })
        })?;
        s.finish_extensible(0)?;
        Ok(LocalRemoteDescriptor { groups })
    }

    /// One SDP line: a `PropertyParm` of a `PropertyGroup` (H.248.1 Annex C).
    #[inline]
    pub(super) fn sdp_line(&self, parm: Tlv<'_>) -> Result<SdpLine> {
        if let Some((name, text)) = plain_named_value::<4>(&parm) {
            if let Ok(kind) = self.sdp_letter(PkgdId::from_array(name)) {
                return Ok(SdpLine {
                    kind,
                    value: Text::from(text),
                });
            }
        }
        self.sdp_line_general(parm)
    }

    /// [`Self::sdp_line`] for every encoding, and its errors.
    #[inline(never)]
    pub(super) fn sdp_line_general(&self, parm: Tlv<'_>) -> Result<SdpLine> {
        const P: &str = "PropertyParm";
        let mut p = parm.cursor(P)?;
        let name_tlv = p.required(0)?;
        let id = self.pkgd_id(name_tlv, P)?;
        let letter = self
            .sdp_letter(id)
            .map_err(|kind| name_tlv.error(P, kind))?;
        let value_tlv = p.required(1)?;
        let vals = values_of(value_tlv, P)?;
        p.finish_extensible(1)?;
        match vals {
            Values::One(value) => Ok(SdpLine {
                kind: letter,
                value,
            }),
            Values::List(_) => Err(value_tlv.error(
                P,
                BerErrorKind::ConstraintViolated("an SDP property holds one value"),
            )),
        }
    }

    /// The SDP type letter of an Annex C property ID.
    fn sdp_letter(&self, id: PkgdId) -> std::result::Result<char, BerErrorKind> {
        const NOT_SDP: BerErrorKind = BerErrorKind::ConstraintViolated(
            "Local/Remote property that is not an Annex C SDP equivalent",
        );
        if id.package != ANNEX_C {
            return Err(NOT_SDP);
        }
        if let Some(letter) = self.names.sdp_letter(id.item) {
            return Ok(char::from(letter));
        }
        // Not an SDP letter: an unknown property, or one that is not SDP.
        names::pkgd_name(self.names, ItemKind::Property, id)?;
        Err(NOT_SDP)
    }

    pub(super) fn termination_state(&self, tlv: Tlv<'_>) -> Result<TerminationStateDescriptor> {
        const T: &str = "TerminationStateDescriptor";
        let mut s = tlv.cursor(T)?;
        let property_parms = self.property_parms(s.required(0)?)?;
        let event_buffer_control = optional(&mut s, 1, |t| {
            Ok(match t.enumerated("EventBufferControl", 1)? {
                0 => EventBufferControl::Off,
                _ => EventBufferControl::LockStep,
            })
        })?;
        let service_state = optional(&mut s, 2, service_state)?;
        s.finish_extensible(2)?;
        Ok(TerminationStateDescriptor {
            property_parms,
            event_buffer_control,
            service_state,
        })
    }

    pub(super) fn mux_descriptor(&self, tlv: Tlv<'_>) -> Result<MuxDescriptor> {
        const T: &str = "MuxDescriptor";
        let mut s = tlv.cursor(T)?;
        let mux_type = match s.required(0)?.enumerated("MuxType", 4)? {
            0 => MuxType::H221,
            1 => MuxType::H223,
            2 => MuxType::H226,
            3 => MuxType::V76,
            _ => MuxType::Nx64k,
        };
        let termination_ids = self.termination_ids(s.required(1)?)?;
        let non_standard = optional(&mut s, 2, non_standard_data)?;
        s.finish_extensible(2)?;
        Ok(MuxDescriptor {
            mux_type,
            termination_ids,
            non_standard,
        })
    }

    pub(super) fn modem_descriptor(&self, tlv: Tlv<'_>) -> Result<ModemDescriptor> {
        const T: &str = "ModemDescriptor";
        let mut s = tlv.cursor(T)?;
        let mut types = s.required(0)?.cursor(T)?;
        let mut modem_types = Vec::new();
        while let Some(item) = types.next_universal(universal::ENUMERATED)? {
            modem_types.push(match item.enumerated("ModemType", 8)? {
                0 => ModemType::V18,
                1 => ModemType::V22,
                2 => ModemType::V22bis,
                3 => ModemType::V32,
                4 => ModemType::V32bis,
                5 => ModemType::V34,
                6 => ModemType::V90,
                7 => ModemType::V91,
                _ => ModemType::SynchIsdn,
            });
        }
        let property_parms = self.property_parms(s.required(1)?)?;
        let non_standard = optional(&mut s, 2, non_standard_data)?;
        s.finish()?;
        Ok(ModemDescriptor {
            modem_types,
            property_parms,
            non_standard,
        })
    }

    pub(super) fn events_descriptor(&self, tlv: Tlv<'_>) -> Result<EventsDescriptor> {
        const T: &str = "EventsDescriptor";
        let mut s = tlv.cursor(T)?;
        let request_id = optional(&mut s, 0, |t| t.u32(T).map(RequestId))?;
        let events = sequences(s.required(1)?, T, |t| self.requested_event(t))?;
        s.finish_extensible(1)?;
        Ok(EventsDescriptor { request_id, events })
    }

    fn requested_event(&self, tlv: Tlv<'_>) -> Result<RequestedEvent> {
        const T: &str = "RequestedEvent";
        let mut s = tlv.cursor(T)?;
        let name_tlv = s.required(0)?;
        let id = self.pkgd_id(name_tlv, T)?;
        let name = self.pkgd_text(name_tlv, id, ItemKind::Event, T)?;
        let stream_id = optional(&mut s, 1, |t| t.u16(T))?;
        let actions = optional(&mut s, 2, |t| self.requested_actions(t))?.unwrap_or_default();
        let params = self.event_parameters(s.required(3)?, id)?;
        s.finish_extensible(3)?;
        Ok(RequestedEvent {
            name,
            stream_id,
            actions,
            params,
        })
    }

    fn requested_actions(&self, tlv: Tlv<'_>) -> Result<RequestedActions> {
        const T: &str = "RequestedActions";
        let mut s = tlv.cursor(T)?;
        let keep_active = optional(&mut s, 0, |t| t.boolean(T))?.unwrap_or(false);
        let event_dm = optional(&mut s, 1, |t| self.event_dm(t))?;
        let second_event = optional(&mut s, 2, |t| self.second_events(t))?;
        let signals = optional(&mut s, 3, |t| self.signals_descriptor(t))?;
        let notify_behaviour = optional(&mut s, 4, |t| self.notify_behaviour(t))?;
        let reset_events_descriptor = flag(&mut s, 5, T)?;
        s.finish_extensible(5)?;
        Ok(RequestedActions {
            keep_active,
            event_dm,
            second_event,
            signals,
            notify_behaviour,
            reset_events_descriptor,
        })
    }

    fn event_dm(&self, tlv: Tlv<'_>) -> Result<EventDm> {
        const T: &str = "EventDM";
        let inner = tlv.explicit(T)?;
        match inner.tag().number {
            0 => Ok(EventDm::Name(Self::digit_map_name(inner, T)?)),
            1 => Ok(EventDm::Value(digit_map_value(inner)?)),
            _ => Err(inner.unknown_alternative(T)),
        }
    }

    pub(super) fn digit_map_name(tlv: Tlv<'_>, type_name: &'static str) -> Result<Name> {
        Ok(names::digit_map_name(Self::two_octets(tlv, type_name)?))
    }

    fn notify_behaviour(&self, tlv: Tlv<'_>) -> Result<NotifyBehaviour> {
        const T: &str = "NotifyBehaviour";
        let inner = tlv.explicit(T)?;
        match inner.tag().number {
            0 => inner.null(T).map(|()| NotifyBehaviour::Immediate),
            1 => {
                const R: &str = "RegulatedEmbeddedDescriptor";
                let mut s = inner.cursor(R)?;
                let second_event = optional(&mut s, 0, |t| self.second_events(t))?;
                let signals = optional(&mut s, 1, |t| self.signals_descriptor(t))?;
                s.finish_extensible(1)?;
                Ok(NotifyBehaviour::Regulated(RegulatedEmbeddedDescriptor {
                    second_event,
                    signals,
                }))
            }
            2 => inner.null(T).map(|()| NotifyBehaviour::Never),
            _ => Err(inner.unknown_alternative(T)),
        }
    }

    fn second_events(&self, tlv: Tlv<'_>) -> Result<SecondEventsDescriptor> {
        const T: &str = "SecondEventsDescriptor";
        let mut s = tlv.cursor(T)?;
        let request_id = optional(&mut s, 0, |t| t.u32(T).map(RequestId))?;
        let events = sequences(s.required(1)?, T, |t| {
            const E: &str = "SecondRequestedEvent";
            let mut s = t.cursor(E)?;
            let name_tlv = s.required(0)?;
            let id = self.pkgd_id(name_tlv, E)?;
            let name = self.pkgd_text(name_tlv, id, ItemKind::Event, E)?;
            let stream_id = optional(&mut s, 1, |t| t.u16(E))?;
            let actions = optional(&mut s, 2, |t| {
                const A: &str = "SecondRequestedActions";
                let mut s = t.cursor(A)?;
                let keep_active = optional(&mut s, 0, |t| t.boolean(A))?.unwrap_or(false);
                let event_dm = optional(&mut s, 1, |t| self.event_dm(t))?;
                let signals = optional(&mut s, 2, |t| self.signals_descriptor(t))?;
                let notify_behaviour = optional(&mut s, 3, |t| self.notify_behaviour(t))?;
                let reset_events_descriptor = flag(&mut s, 4, A)?;
                s.finish_extensible(4)?;
                Ok(SecondRequestedActions {
                    keep_active,
                    event_dm,
                    signals,
                    notify_behaviour,
                    reset_events_descriptor,
                })
            })?
            .unwrap_or_default();
            let params = self.event_parameters(s.required(3)?, id)?;
            s.finish_extensible(3)?;
            Ok(SecondRequestedEvent {
                name,
                stream_id,
                actions,
                params,
            })
        })?;
        s.finish_extensible(1)?;
        Ok(SecondEventsDescriptor { request_id, events })
    }

    pub(super) fn event_buffer_descriptor(&self, tlv: Tlv<'_>) -> Result<EventBufferDescriptor> {
        sequences(tlv, "EventBufferDescriptor", |t| {
            const T: &str = "EventSpec";
            let mut s = t.cursor(T)?;
            let name_tlv = s.required(0)?;
            let id = self.pkgd_id(name_tlv, T)?;
            let name = self.pkgd_text(name_tlv, id, ItemKind::Event, T)?;
            let stream_id = optional(&mut s, 1, |t| t.u16(T))?;
            let params = self.event_parameters(s.required(2)?, id)?;
            s.finish_extensible(2)?;
            Ok(EventSpec {
                name,
                stream_id,
                params,
            })
        })
    }

    pub(super) fn signals_descriptor(&self, tlv: Tlv<'_>) -> Result<SignalsDescriptor> {
        choices(tlv, "SignalsDescriptor", |t| match t.tag().number {
            0 => Ok(SignalRequest::Signal(self.signal(t)?)),
            1 => {
                const T: &str = "SeqSigList";
                let mut s = t.cursor(T)?;
                let id = s.required(0)?.u16(T)?;
                let signals = sequences(s.required(1)?, T, |t| self.signal(t))?;
                s.finish()?;
                Ok(SignalRequest::SeqSigList(SeqSigList { id, signals }))
            }
            _ => Err(t.unknown_alternative("SignalRequest")),
        })
    }

    fn signal(&self, tlv: Tlv<'_>) -> Result<Signal> {
        const T: &str = "Signal";
        let mut s = tlv.cursor(T)?;
        let name_tlv = s.required(0)?;
        let id = self.pkgd_id(name_tlv, T)?;
        let name = self.pkgd_text(name_tlv, id, ItemKind::Signal, T)?;
        let stream_id = optional(&mut s, 1, |t| t.u16(T))?;
        let signal_type = optional(&mut s, 2, |t| {
            Ok(match t.enumerated("SignalType", 2)? {
                0 => SignalType::Brief,
                1 => SignalType::OnOff,
                _ => SignalType::TimeOut,
            })
        })?;
        let duration = optional(&mut s, 3, |t| t.u16(T))?;
        let notify_completion = optional(&mut s, 4, |t| {
            let bits = t.named_bits("NotifyCompletion")?;
            if bits >> NOTIFY_COMPLETION_BITS.len() != 0 {
                return Err(t.error(
                    "NotifyCompletion",
                    BerErrorKind::ConstraintViolated("unknown NotifyCompletion bit"),
                ));
            }
            Ok(NOTIFY_COMPLETION_BITS
                .iter()
                .enumerate()
                .filter(|(k, _)| bits & (1 << k) != 0)
                .map(|(_, &r)| r)
                .collect())
        })?;
        let keep_active = optional(&mut s, 5, |t| t.boolean(T))?.unwrap_or(false);
        let params = sequences(s.required(6)?, T, |t| {
            self.parameter(t, ParameterKind::Signal, id, "SigParameter")
        })?;
        let direction = optional(&mut s, 7, |t| {
            Ok(match t.uint("SignalDirection", 3)? {
                0 => SignalDirection::Internal,
                1 => SignalDirection::External,
                3 => SignalDirection::Both,
                _ => {
                    return Err(t.error(
                        "SignalDirection",
                        BerErrorKind::ConstraintViolated("unknown SignalDirection"),
                    ))
                }
            })
        })?;
        let request_id = optional(&mut s, 8, |t| t.u32(T).map(RequestId))?;
        let intersignal_delay = optional(&mut s, 9, |t| t.u16(T))?;
        s.finish_extensible(9)?;
        Ok(Signal {
            name,
            stream_id,
            signal_type,
            duration,
            notify_completion,
            keep_active,
            params,
            direction,
            request_id,
            intersignal_delay,
        })
    }

    pub(super) fn digit_map_descriptor(&self, tlv: Tlv<'_>) -> Result<DigitMapDescriptor> {
        const T: &str = "DigitMapDescriptor";
        let mut s = tlv.cursor(T)?;
        let name = optional(&mut s, 0, |t| Self::digit_map_name(t, T))?;
        let value = optional(&mut s, 1, digit_map_value)?;
        s.finish()?;
        Ok(DigitMapDescriptor { name, value })
    }

    pub(super) fn audit_descriptor(&self, tlv: Tlv<'_>) -> Result<AuditDescriptor> {
        const T: &str = "AuditDescriptor";
        let mut s = tlv.cursor(T)?;
        let tokens = optional(&mut s, 0, |t| {
            let bits = t.named_bits(T)?;
            if bits >> AUDIT_TOKEN_BITS.len() != 0 {
                return Err(t.error(
                    T,
                    BerErrorKind::ConstraintViolated("unknown auditToken bit"),
                ));
            }
            Ok(AUDIT_TOKEN_BITS
                .iter()
                .enumerate()
                .filter(|(k, _)| bits & (1 << k) != 0)
                .map(|(_, &token)| token)
                .collect())
        })?
        .unwrap_or_default();
        let property_tokens = optional(&mut s, 1, |t| {
            super::choices(t, T, |t| self.ind_audit_parameter(t))
        })?
        .unwrap_or_default();
        s.finish_extensible(1)?;
        Ok(AuditDescriptor {
            tokens,
            property_tokens,
        })
    }

    /// `TerminationAudit ::= SEQUENCE OF AuditReturnParameter`.
    ///
    /// An `emptyDescriptors` element naming several descriptors (and no
    /// individual audit items) becomes one model item per descriptor, in bit
    /// order, as the text form lists them (`Media, DigitMap, ...`).
    pub(super) fn termination_audit(&self, tlv: Tlv<'_>) -> Result<TerminationAudit> {
        let mut cursor = tlv.cursor("TerminationAudit")?;
        let mut out = super::list_for(&cursor);
        while let Some(t) = cursor.next_item()? {
            let item = self.audit_return_parameter(t)?;
            match item {
                AuditReturnParameter::EmptyDescriptors(audit)
                    if audit.property_tokens.is_empty() && audit.tokens.len() > 1 =>
                {
                    out.extend(audit.tokens.into_iter().map(|token| {
                        AuditReturnParameter::EmptyDescriptors(AuditDescriptor {
                            tokens: vec![token],
                            property_tokens: Vec::new(),
                        })
                    }));
                }
                item => out.push(item),
            }
        }
        Ok(out)
    }

    fn audit_return_parameter(&self, t: Tlv<'_>) -> Result<AuditReturnParameter> {
        {
            Ok(match t.tag().number {
                0 => AuditReturnParameter::Error(error_descriptor(t)?),
                1 => AuditReturnParameter::Media(self.media_descriptor(t)?),
                2 => AuditReturnParameter::Modem(self.modem_descriptor(t)?),
                3 => AuditReturnParameter::Mux(self.mux_descriptor(t)?),
                4 => AuditReturnParameter::Events(self.events_descriptor(t)?),
                5 => AuditReturnParameter::EventBuffer(self.event_buffer_descriptor(t)?),
                6 => AuditReturnParameter::Signals(self.signals_descriptor(t)?),
                7 => AuditReturnParameter::DigitMap(self.digit_map_descriptor(t)?),
                8 => AuditReturnParameter::ObservedEvents(self.observed_events(t)?),
                9 => AuditReturnParameter::Statistics(self.statistics_descriptor(t)?),
                10 => AuditReturnParameter::Packages(sequences(t, "PackagesDescriptor", |t| {
                    const P: &str = "PackagesItem";
                    let mut s = t.cursor(P)?;
                    let name = self.package_name(s.required(0)?, P)?;
                    let version = u16::from(s.required(1)?.u8_max(P, 99)?);
                    s.finish_extensible(1)?;
                    Ok(PackagesItem { name, version })
                })?),
                11 => AuditReturnParameter::EmptyDescriptors(self.audit_descriptor(t)?),
                _ => return Err(t.unknown_alternative("AuditReturnParameter")),
            })
        }
    }

    pub(super) fn observed_events(&self, tlv: Tlv<'_>) -> Result<ObservedEventsDescriptor> {
        const T: &str = "ObservedEventsDescriptor";
        let mut s = tlv.cursor(T)?;
        let request_id = RequestId(s.required(0)?.u32(T)?);
        let events = sequences(s.required(1)?, T, |t| {
            const E: &str = "ObservedEvent";
            let mut s = t.cursor(E)?;
            let name_tlv = s.required(0)?;
            let id = self.pkgd_id(name_tlv, E)?;
            let name = self.pkgd_text(name_tlv, id, ItemKind::Event, E)?;
            let stream_id = optional(&mut s, 1, |t| t.u16(E))?;
            let params = self.event_parameters(s.required(2)?, id)?;
            let timestamp = optional(&mut s, 3, time_notation)?;
            s.finish_extensible(3)?;
            Ok(ObservedEvent {
                name,
                stream_id,
                params,
                timestamp,
            })
        })?;
        s.finish()?;
        Ok(ObservedEventsDescriptor { request_id, events })
    }

    pub(super) fn statistics_descriptor(&self, tlv: Tlv<'_>) -> Result<StatisticsDescriptor> {
        sequences(tlv, "StatisticsDescriptor", |t| {
            const T: &str = "StatisticsParameter";
            let mut s = t.cursor(T)?;
            let name = self.pkgd_name(s.required(0)?, ItemKind::Statistic, T)?;
            let value = optional(&mut s, 1, |t| values(t, T))?.unwrap_or_default();
            s.finish()?;
            Ok(StatisticsParameter { name, value })
        })
    }
}

/// `DigitMapValue`.
fn digit_map_value(tlv: Tlv<'_>) -> Result<DigitMapValue> {
    const T: &str = "DigitMapValue";
    let mut s = tlv.cursor(T)?;
    let start_timer = optional(&mut s, 0, |t| t.u8_max(T, 99))?;
    let short_timer = optional(&mut s, 1, |t| t.u8_max(T, 99))?;
    let long_timer = optional(&mut s, 2, |t| t.u8_max(T, 99))?;
    let body = Text::from(s.required(3)?.ia5(T)?);
    let duration_timer = optional(&mut s, 4, |t| t.u8_max(T, 99))?;
    s.finish_extensible(4)?;
    Ok(DigitMapValue {
        start_timer,
        short_timer,
        long_timer,
        duration_timer,
        body,
    })
}
