//! Individual audit items (Annex A `IndAuditParameter` ..
//! `IndAudPackagesDescriptor`, v2 and later).

use super::descriptor::{service_state_code, stream_mode_code};
use super::{Encoder, Result};
use crate::ber::error::BerEncodeError;
use crate::ber::names;
use crate::model::*;
use crate::package::ItemKind;

impl<'a> Encoder<'a> {
    /// One `IndAuditParameter` (a list item: its alternative's tag).
    pub(super) fn ind_audit_parameter(&mut self, parameter: &IndAuditParameter) -> Result {
        match parameter {
            IndAuditParameter::Media(media) => self.ind_aud_media(media)?,
            IndAuditParameter::Events(events) => {
                let seq = self.w.open(1);
                if let Some(id) = events.request_id {
                    self.w.uint(0, u64::from(id.0));
                }
                self.pkgd_name(1, ItemKind::Event, &events.name)?;
                if let Some(stream_id) = events.stream_id {
                    self.w.uint(2, u64::from(stream_id));
                }
                self.w.close(seq);
            }
            IndAuditParameter::EventBuffer(buffer) => {
                let seq = self.w.open(2);
                self.pkgd_name(0, ItemKind::Event, &buffer.name)?;
                if let Some(stream_id) = buffer.stream_id {
                    self.w.uint(1, u64::from(stream_id));
                }
                self.w.close(seq);
            }
            IndAuditParameter::Signals(signals) => {
                let choice = self.w.open(3);
                match signals {
                    IndAudSignalsDescriptor::Signal(signal) => self.ind_aud_signal(0, signal)?,
                    IndAudSignalsDescriptor::SeqSigList { id, signal } => {
                        let seq = self.w.open(1);
                        self.w.uint(0, u64::from(*id));
                        if let Some(signal) = signal {
                            self.ind_aud_signal(1, signal)?;
                        }
                        self.w.close(seq);
                    }
                }
                self.w.close(choice);
            }
            IndAuditParameter::DigitMap(digit_map) => {
                let seq = self.w.open(4);
                if let Some(name) = &digit_map.name {
                    self.w.octets(0, &names::digit_map_id(name)?);
                }
                self.w.close(seq);
            }
            IndAuditParameter::Statistics(statistics) => {
                self.ind_aud_statistics(5, statistics)?;
            }
            IndAuditParameter::Packages(package) => {
                if package.version > 99 {
                    return Err(BerEncodeError::OutOfRange("packageVersion INTEGER(0..99)"));
                }
                let seq = self.w.open(6);
                let id = names::package_id(self.names, &package.name)?;
                self.w.octets(0, &id.to_be_bytes());
                self.w.uint(1, u64::from(package.version));
                self.w.close(seq);
            }
        }
        Ok(())
    }

    fn ind_aud_statistics(
        &mut self,
        number: u8,
        statistics: &IndAudStatisticsDescriptor,
    ) -> Result {
        let seq = self.w.open(number);
        self.pkgd_name(0, ItemKind::Statistic, &statistics.name)?;
        self.w.close(seq);
        Ok(())
    }

    fn ind_aud_signal(&mut self, number: u8, signal: &IndAudSignal) -> Result {
        let seq = self.w.open(number);
        self.pkgd_name(0, ItemKind::Signal, &signal.name)?;
        if let Some(stream_id) = signal.stream_id {
            self.w.uint(1, u64::from(stream_id));
        }
        if let Some(id) = signal.request_id {
            self.since(3, "IndAudSignal signalRequestID")?;
            self.w.uint(2, u64::from(id.0));
        }
        self.w.close(seq);
        Ok(())
    }

    fn ind_aud_media(&mut self, media: &IndAudMediaDescriptor) -> Result {
        let seq = self.w.open(0);
        if let Some(state) = &media.termination_state {
            let s = self.w.open(0);
            self.ind_aud_property_parms(0, &state.property_parms)?;
            if state.event_buffer_control {
                self.w.null(1);
            }
            if state.service_state {
                self.w.null(2);
            }
            if let Some(selected) = state.service_state_sel {
                self.since(3, "serviceStateSel")?;
                self.w.uint(3, service_state_code(selected));
            }
            self.w.close(s);
        }
        if let Some(streams) = &media.streams {
            let choice = self.w.open(1);
            match streams {
                IndAudStreams::One(parms) => self.ind_aud_stream_parms(0, parms)?,
                IndAudStreams::Multi(list) => {
                    let items = self.w.open(1);
                    for stream in list {
                        let s = self.w.open_sequence();
                        self.w.uint(0, u64::from(stream.stream_id));
                        self.ind_aud_stream_parms(1, &stream.parms)?;
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

    fn ind_aud_stream_parms(&mut self, number: u8, parms: &IndAudStreamParms) -> Result {
        let seq = self.w.open(number);
        if let Some(control) = &parms.local_control {
            let s = self.w.open(0);
            for (set, tag) in [
                (control.stream_mode, 0),
                (control.reserve_value, 1),
                (control.reserve_group, 2),
            ] {
                if set {
                    self.w.null(tag);
                }
            }
            if !control.property_parms.is_empty() {
                self.ind_aud_property_parms(3, &control.property_parms)?;
            }
            if let Some(mode) = control.stream_mode_sel {
                self.since(3, "streamModeSel")?;
                self.w.uint(4, stream_mode_code(mode));
            }
            self.w.close(s);
        }
        for (descriptor, tag) in [(&parms.local, 1), (&parms.remote, 2)] {
            if let Some(descriptor) = descriptor {
                let s = self.w.open(tag);
                if let Some(id) = descriptor.prop_group_id {
                    self.w.uint(0, u64::from(id));
                }
                self.ind_aud_property_parms(1, &descriptor.props)?;
                self.w.close(s);
            }
        }
        if let Some(statistics) = &parms.statistics {
            self.since(3, "IndAudStreamParms statisticsDescriptor")?;
            self.ind_aud_statistics(3, statistics)?;
        }
        self.w.close(seq);
        Ok(())
    }

    /// `SEQUENCE OF IndAudPropertyParm` as component `[number]`; SDP letters
    /// (IndAud Local / Remote) are Annex C names.
    pub(super) fn ind_aud_property_parms(
        &mut self,
        number: u8,
        parms: &[IndAudPropertyParm],
    ) -> Result {
        let list = self.w.open(number);
        for parm in parms {
            let seq = self.w.open_sequence();
            self.pkgd_name(0, ItemKind::Property, &parm.name)?;
            if let Some(selection) = &parm.parm {
                self.since(3, "IndAudPropertyParm propertyParms")?;
                self.property_parm_raw(0xa1, selection)?;
            }
            self.w.close(seq);
        }
        self.w.close(list);
        Ok(())
    }
}
