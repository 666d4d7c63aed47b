//! Individual audit items (Annex A `IndAuditParameter` ..
//! `IndAudPackagesDescriptor`, v2 and later).

use super::descriptor::{service_state, stream_mode};
use super::{flag, optional, sequences, Decoder, Result};
use crate::ber::reader::Tlv;
use crate::model::*;
use crate::package::ItemKind;

impl<'n> Decoder<'n> {
    pub(super) fn ind_audit_parameter(&self, tlv: Tlv<'_>) -> Result<IndAuditParameter> {
        Ok(match tlv.tag().number {
            0 => IndAuditParameter::Media(self.ind_aud_media(tlv)?),
            1 => {
                const T: &str = "IndAudEventsDescriptor";
                let mut s = tlv.cursor(T)?;
                let request_id = optional(&mut s, 0, |t| t.u32(T).map(RequestId))?;
                let name = self.pkgd_name(s.required(1)?, ItemKind::Event, T)?;
                let stream_id = optional(&mut s, 2, |t| t.u16(T))?;
                s.finish_extensible(2)?;
                IndAuditParameter::Events(IndAudEventsDescriptor {
                    request_id,
                    name,
                    stream_id,
                })
            }
            2 => {
                const T: &str = "IndAudEventBufferDescriptor";
                let mut s = tlv.cursor(T)?;
                let name = self.pkgd_name(s.required(0)?, ItemKind::Event, T)?;
                let stream_id = optional(&mut s, 1, |t| t.u16(T))?;
                s.finish_extensible(1)?;
                IndAuditParameter::EventBuffer(IndAudEventBufferDescriptor { name, stream_id })
            }
            3 => {
                const T: &str = "IndAudSignalsDescriptor";
                let inner = tlv.explicit(T)?;
                IndAuditParameter::Signals(match inner.tag().number {
                    0 => IndAudSignalsDescriptor::Signal(self.ind_aud_signal(inner)?),
                    1 => {
                        const L: &str = "IndAudSeqSigList";
                        let mut s = inner.cursor(L)?;
                        let id = s.required(0)?.u16(L)?;
                        let signal = optional(&mut s, 1, |t| self.ind_aud_signal(t))?;
                        s.finish()?;
                        IndAudSignalsDescriptor::SeqSigList { id, signal }
                    }
                    _ => return Err(inner.unknown_alternative(T)),
                })
            }
            4 => {
                const T: &str = "IndAudDigitMapDescriptor";
                let mut s = tlv.cursor(T)?;
                let name = optional(&mut s, 0, |t| Self::digit_map_name(t, T))?;
                s.finish()?;
                IndAuditParameter::DigitMap(IndAudDigitMapDescriptor { name })
            }
            5 => IndAuditParameter::Statistics(self.ind_aud_statistics(tlv)?),
            6 => {
                const T: &str = "IndAudPackagesDescriptor";
                let mut s = tlv.cursor(T)?;
                let name = self.package_name(s.required(0)?, T)?;
                let version = u16::from(s.required(1)?.u8_max(T, 99)?);
                s.finish_extensible(1)?;
                IndAuditParameter::Packages(IndAudPackagesDescriptor { name, version })
            }
            _ => return Err(tlv.unknown_alternative("IndAuditParameter")),
        })
    }

    fn ind_aud_statistics(&self, tlv: Tlv<'_>) -> Result<IndAudStatisticsDescriptor> {
        const T: &str = "IndAudStatisticsDescriptor";
        let mut s = tlv.cursor(T)?;
        let name = self.pkgd_name(s.required(0)?, ItemKind::Statistic, T)?;
        s.finish()?;
        Ok(IndAudStatisticsDescriptor { name })
    }

    fn ind_aud_signal(&self, tlv: Tlv<'_>) -> Result<IndAudSignal> {
        const T: &str = "IndAudSignal";
        let mut s = tlv.cursor(T)?;
        let name = self.pkgd_name(s.required(0)?, ItemKind::Signal, T)?;
        let stream_id = optional(&mut s, 1, |t| t.u16(T))?;
        let request_id = optional(&mut s, 2, |t| t.u32(T).map(RequestId))?;
        s.finish_extensible(2)?;
        Ok(IndAudSignal {
            name,
            stream_id,
            request_id,
        })
    }

    fn ind_aud_media(&self, tlv: Tlv<'_>) -> Result<IndAudMediaDescriptor> {
        const T: &str = "IndAudMediaDescriptor";
        let mut s = tlv.cursor(T)?;
        let termination_state = optional(&mut s, 0, |t| {
            const S: &str = "IndAudTerminationStateDescriptor";
            let mut s = t.cursor(S)?;
            let property_parms = self.ind_aud_property_parms(s.required(0)?)?;
            let event_buffer_control = flag(&mut s, 1, S)?;
            let service_state_flag = flag(&mut s, 2, S)?;
            let service_state_sel = optional(&mut s, 3, service_state)?;
            s.finish_extensible(3)?;
            Ok(IndAudTerminationStateDescriptor {
                property_parms,
                event_buffer_control,
                service_state: service_state_flag,
                service_state_sel,
            })
        })?;
        let streams = optional(&mut s, 1, |t| {
            let inner = t.explicit(T)?;
            match inner.tag().number {
                0 => Ok(IndAudStreams::One(self.ind_aud_stream_parms(inner)?)),
                1 => Ok(IndAudStreams::Multi(sequences(inner, T, |t| {
                    const D: &str = "IndAudStreamDescriptor";
                    let mut s = t.cursor(D)?;
                    let stream_id = s.required(0)?.u16(D)?;
                    let parms = self.ind_aud_stream_parms(s.required(1)?)?;
                    s.finish()?;
                    Ok(IndAudStreamDescriptor { stream_id, parms })
                })?)),
                _ => Err(inner.unknown_alternative(T)),
            }
        })?;
        s.finish_extensible(1)?;
        Ok(IndAudMediaDescriptor {
            termination_state,
            streams,
        })
    }

    fn ind_aud_stream_parms(&self, tlv: Tlv<'_>) -> Result<IndAudStreamParms> {
        const T: &str = "IndAudStreamParms";
        let mut s = tlv.cursor(T)?;
        let local_control = optional(&mut s, 0, |t| {
            const L: &str = "IndAudLocalControlDescriptor";
            let mut s = t.cursor(L)?;
            let stream_mode_flag = flag(&mut s, 0, L)?;
            let reserve_value = flag(&mut s, 1, L)?;
            let reserve_group = flag(&mut s, 2, L)?;
            let property_parms =
                optional(&mut s, 3, |t| self.ind_aud_property_parms(t))?.unwrap_or_default();
            let stream_mode_sel = optional(&mut s, 4, stream_mode)?;
            s.finish_extensible(4)?;
            Ok(IndAudLocalControlDescriptor {
                stream_mode: stream_mode_flag,
                reserve_value,
                reserve_group,
                property_parms,
                stream_mode_sel,
            })
        })?;
        let local = optional(&mut s, 1, |t| self.ind_aud_local_remote(t))?;
        let remote = optional(&mut s, 2, |t| self.ind_aud_local_remote(t))?;
        let statistics = optional(&mut s, 3, |t| self.ind_aud_statistics(t))?;
        s.finish_extensible(3)?;
        Ok(IndAudStreamParms {
            local_control,
            local,
            remote,
            statistics,
        })
    }

    /// `IndAudLocalRemoteDescriptor`: SDP letters are Annex C names.
    fn ind_aud_local_remote(&self, tlv: Tlv<'_>) -> Result<IndAudLocalRemoteDescriptor> {
        const T: &str = "IndAudLocalRemoteDescriptor";
        let mut s = tlv.cursor(T)?;
        let prop_group_id = optional(&mut s, 0, |t| t.u16(T))?;
        let props = self.ind_aud_property_parms(s.required(1)?)?;
        s.finish_extensible(1)?;
        Ok(IndAudLocalRemoteDescriptor {
            prop_group_id,
            props,
        })
    }

    /// `SEQUENCE OF IndAudPropertyParm`.
    pub(super) fn ind_aud_property_parms(&self, tlv: Tlv<'_>) -> Result<Vec<IndAudPropertyParm>> {
        sequences(tlv, "IndAudPropertyParm", |t| {
            const T: &str = "IndAudPropertyParm";
            let mut s = t.cursor(T)?;
            let name = self.pkgd_name(s.required(0)?, ItemKind::Property, T)?;
            let parm = optional(&mut s, 1, |t| self.property_parm(t))?;
            s.finish_extensible(1)?;
            Ok(IndAudPropertyParm { name, parm })
        })
    }
}
