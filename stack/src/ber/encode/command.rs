//! Actions, context requests, commands and command replies (Annex A
//! `ActionRequest` .. `ServiceChangeResParm`).

use super::{Encoder, Result};
use crate::ber::error::BerEncodeError;
use crate::ber::writer::universal;
use crate::model::*;

impl<'a> Encoder<'a> {
    pub(super) fn action_request(&mut self, action: &ActionRequest) -> Result {
        let seq = self.w.open_sequence();
        self.w.uint(0, u64::from(action.context_id.0));
        if let Some(request) = &action.context_request {
            self.context_request(1, request)?;
        }
        if let Some(audit) = &action.context_attr_audit {
            self.context_attr_audit(2, audit)?;
        }
        let list = self.w.open(3);
        for command in &action.commands {
            self.command_request(command)?;
        }
        self.w.close(list);
        self.w.close(seq);
        Ok(())
    }

    pub(super) fn action_reply(&mut self, action: &ActionReply) -> Result {
        let seq = self.w.open_sequence();
        self.w.uint(0, u64::from(action.context_id.0));
        if let Some(error) = &action.error {
            self.error_descriptor(1, error);
        }
        if let Some(reply) = &action.context_reply {
            self.context_request(2, reply)?;
        }
        let list = self.w.open(3);
        for command in &action.commands {
            self.command_reply(command)?;
        }
        self.w.close(list);
        self.w.close(seq);
        Ok(())
    }

    fn context_request(&mut self, number: u8, request: &ContextRequest) -> Result {
        let seq = self.w.open(number);
        if let Some(priority) = request.priority {
            if priority > 15 {
                return Err(BerEncodeError::OutOfRange("priority INTEGER(0..15)"));
            }
            self.w.uint(0, u64::from(priority));
        }
        if let Some(emergency) = request.emergency {
            self.w.boolean(1, emergency);
        }
        if let Some(topology) = &request.topology {
            let list = self.w.open(2);
            for triple in topology {
                self.topology_request(triple)?;
            }
            self.w.close(list);
        }
        if let Some(ieps) = request.ieps {
            self.since(3, "ContextRequest iepscallind")?;
            self.w.boolean(3, ieps);
        }
        if let Some(props) = &request.context_props {
            self.since(3, "ContextRequest contextProp")?;
            self.property_parms(4, props)?;
        }
        if let Some(list) = &request.context_list {
            self.since(3, "ContextRequest contextList")?;
            let items = self.w.open(5);
            for id in list {
                self.w.uint_raw(universal::INTEGER, u64::from(id.0));
            }
            self.w.close(items);
        }
        self.w.close(seq);
        Ok(())
    }

    fn topology_request(&mut self, triple: &TopologyRequest) -> Result {
        let seq = self.w.open_sequence();
        self.termination_id(0, &triple.from)?;
        self.termination_id(1, &triple.to)?;
        let (base, extension) = match triple.direction {
            TopologyDirection::Bothway => (0, None),
            TopologyDirection::Isolate => (1, None),
            TopologyDirection::Oneway => (2, None),
            TopologyDirection::OnewayExternal => (2, Some(0)),
            TopologyDirection::OnewayBoth => (2, Some(1)),
        };
        self.w.uint(2, base);
        if let Some(stream_id) = triple.stream_id {
            self.since(2, "TopologyRequest streamID")?;
            self.w.uint(3, u64::from(stream_id));
        }
        if let Some(extension) = extension {
            self.since(3, "topologyDirectionExtension")?;
            self.w.uint(4, extension);
        }
        self.w.close(seq);
        Ok(())
    }

    fn context_attr_audit(&mut self, number: u8, audit: &ContextAttrAuditRequest) -> Result {
        let seq = self.w.open(number);
        for (set, tag) in [
            (audit.topology, 0),
            (audit.emergency, 1),
            (audit.priority, 2),
        ] {
            if set {
                self.w.null(tag);
            }
        }
        if audit.ieps {
            self.since(3, "ContextAttrAuditRequest iepscallind")?;
            self.w.null(3);
        }
        if let Some(props) = &audit.context_prop_aud {
            self.since(3, "contextPropAud")?;
            self.ind_aud_property_parms(4, props)?;
        }
        if let Some(priority) = audit.select_priority {
            self.since(3, "selectpriority")?;
            if priority > 15 {
                return Err(BerEncodeError::OutOfRange("selectpriority INTEGER(0..15)"));
            }
            self.w.uint(5, u64::from(priority));
        }
        if let Some(emergency) = audit.select_emergency {
            self.since(3, "selectemergency")?;
            self.w.boolean(6, emergency);
        }
        if let Some(ieps) = audit.select_ieps {
            self.since(3, "selectiepscallind")?;
            self.w.boolean(7, ieps);
        }
        if let Some(logic) = audit.select_logic {
            self.since(3, "selectLogic")?;
            let choice = self.w.open(8);
            self.w.null(match logic {
                SelectLogic::And => 0,
                SelectLogic::Or => 1,
            });
            self.w.close(choice);
        }
        self.w.close(seq);
        Ok(())
    }

    fn command_request(&mut self, request: &CommandRequest) -> Result {
        let seq = self.w.open_sequence();
        let command = self.w.open(0);
        match &request.command {
            Command::Add(amm) => self.amm_request(0, amm)?,
            Command::Move(amm) => self.amm_request(1, amm)?,
            Command::Modify(amm) => self.amm_request(2, amm)?,
            Command::Subtract(subtract) => {
                let s = self.w.open(3);
                self.termination_ids(0, &subtract.termination_ids)?;
                if let Some(audit) = &subtract.audit {
                    self.audit_descriptor(1, audit)?;
                }
                self.w.close(s);
            }
            Command::AuditCapabilities(audit) => self.audit_request(4, audit)?,
            Command::AuditValue(audit) => self.audit_request(5, audit)?,
            Command::Notify(notify) => {
                let s = self.w.open(6);
                self.termination_ids(0, &notify.termination_ids)?;
                self.observed_events(1, &notify.observed_events)?;
                if let Some(error) = &notify.error {
                    self.error_descriptor(2, error);
                }
                self.w.close(s);
            }
            Command::ServiceChange(change) => {
                let s = self.w.open(7);
                self.termination_ids(0, &change.termination_ids)?;
                self.service_change_parm(1, &change.parms)?;
                self.w.close(s);
            }
        }
        self.w.close(command);
        if request.optional {
            self.w.null(1);
        }
        if request.wildcard_return {
            self.w.null(2);
        }
        self.w.close(seq);
        Ok(())
    }

    fn amm_request(&mut self, number: u8, amm: &AmmRequest) -> Result {
        let seq = self.w.open(number);
        self.termination_ids(0, &amm.termination_ids)?;
        let list = self.w.open(1);
        for descriptor in &amm.descriptors {
            match descriptor {
                AmmDescriptor::Media(media) => self.media_descriptor(0, media)?,
                AmmDescriptor::Modem(modem) => self.modem_descriptor(1, modem)?,
                AmmDescriptor::Mux(mux) => self.mux_descriptor(2, mux)?,
                AmmDescriptor::Events(events) => self.events_descriptor(3, events)?,
                AmmDescriptor::EventBuffer(buffer) => self.event_buffer_descriptor(4, buffer)?,
                AmmDescriptor::Signals(signals) => self.signals_descriptor(5, signals)?,
                AmmDescriptor::DigitMap(digit_map) => self.digit_map_descriptor(6, digit_map)?,
                AmmDescriptor::Audit(audit) => self.audit_descriptor(7, audit)?,
                AmmDescriptor::Statistics(statistics) => {
                    self.since(3, "AmmDescriptor statisticsDescriptor")?;
                    self.statistics_descriptor(8, statistics)?;
                }
            }
        }
        self.w.close(list);
        self.w.close(seq);
        Ok(())
    }

    /// `AuditRequest`: the first ID in `terminationID`, and all of them in
    /// `terminationIDList` (v3) when there are several.
    fn audit_request(&mut self, number: u8, audit: &AuditRequest) -> Result {
        let (first, rest) =
            audit
                .termination_ids
                .split_first()
                .ok_or(BerEncodeError::OutOfRange(
                    "AuditRequest without a termination ID",
                ))?;
        let seq = self.w.open(number);
        self.termination_id(0, first)?;
        self.audit_descriptor(1, &audit.audit)?;
        if !rest.is_empty() {
            self.since(3, "AuditRequest terminationIDList")?;
            self.termination_ids(2, &audit.termination_ids)?;
        }
        self.w.close(seq);
        Ok(())
    }

    fn service_change_parm(&mut self, number: u8, parm: &ServiceChangeParm) -> Result {
        if !parm.extensions.is_empty() {
            return Err(BerEncodeError::TextOnly("a ServiceChange X- parameter"));
        }
        let seq = self.w.open(number);
        let method = match &parm.method {
            ServiceChangeMethod::Failover => 0,
            ServiceChangeMethod::Forced => 1,
            ServiceChangeMethod::Graceful => 2,
            ServiceChangeMethod::Restart => 3,
            ServiceChangeMethod::Disconnected => 4,
            ServiceChangeMethod::HandOff => 5,
            ServiceChangeMethod::Extension(_) => {
                return Err(BerEncodeError::TextOnly("an extension ServiceChangeMethod"))
            }
        };
        self.w.uint(0, method);
        if let Some(address) = &parm.address {
            self.service_change_address(1, address)?;
        }
        if let Some(version) = parm.version {
            self.service_change_version(2, version)?;
        }
        if let Some(profile) = &parm.profile {
            self.service_change_profile(3, profile)?;
        }
        self.values(4, [&parm.reason]);
        if let Some(delay) = parm.delay {
            self.w.uint(5, u64::from(delay));
        }
        if let Some(mgc_id) = &parm.mgc_id {
            let choice = self.w.open(6);
            self.mid(mgc_id, 0)?;
            self.w.close(choice);
        }
        if let Some(timestamp) = &parm.timestamp {
            self.time_notation(7, timestamp)?;
        }
        if let Some(data) = &parm.non_standard {
            self.non_standard_data(8, data)?;
        }
        if let Some(info) = &parm.info {
            self.since(2, "serviceChangeInfo")?;
            self.audit_descriptor(9, info)?;
        }
        if parm.incomplete {
            self.since(3, "serviceChangeIncompleteFlag")?;
            self.w.null(10);
        }
        self.w.close(seq);
        Ok(())
    }

    fn service_change_version(&mut self, number: u8, version: u8) -> Result {
        if version > 99 {
            return Err(BerEncodeError::OutOfRange(
                "serviceChangeVersion INTEGER(0..99)",
            ));
        }
        self.w.uint(number, u64::from(version));
        Ok(())
    }

    /// `ServiceChangeAddress` (a CHOICE, so explicitly tagged `[number]`).
    fn service_change_address(&mut self, number: u8, address: &ServiceChangeAddress) -> Result {
        let choice = self.w.open(number);
        match address {
            ServiceChangeAddress::Port(port) => self.w.uint(0, u64::from(*port)),
            ServiceChangeAddress::Address(mid) => self.mid(mid, 1)?,
        }
        self.w.close(choice);
        Ok(())
    }

    /// `ServiceChangeProfile { profileName "name/version" }`.
    fn service_change_profile(&mut self, number: u8, profile: &ServiceChangeProfile) -> Result {
        let mut version = itoa::Buffer::new();
        let version = version.format(profile.version);
        let len = profile.name.len() + 1 + version.len();
        if profile.name.is_empty() || len > 67 || !profile.name.is_ascii() {
            return Err(BerEncodeError::OutOfRange(
                "profileName IA5String(SIZE(1..67))",
            ));
        }
        let mut text = [0u8; 67];
        text[..profile.name.len()].copy_from_slice(profile.name.as_bytes());
        text[profile.name.len()] = b'/';
        text[profile.name.len() + 1..len].copy_from_slice(version.as_bytes());
        let seq = self.w.open(number);
        self.w.octets(0, &text[..len]);
        self.w.close(seq);
        Ok(())
    }

    fn command_reply(&mut self, reply: &CommandReply) -> Result {
        match reply {
            CommandReply::Add(r) => self.amms_reply(0, r),
            CommandReply::Move(r) => self.amms_reply(1, r),
            CommandReply::Modify(r) => self.amms_reply(2, r),
            CommandReply::Subtract(r) => self.amms_reply(3, r),
            CommandReply::AuditCapabilities(r) => self.audit_reply(4, r),
            CommandReply::AuditValue(r) => self.audit_reply(5, r),
            CommandReply::Notify(notify) => {
                let seq = self.w.open(6);
                self.termination_ids(0, &notify.termination_ids)?;
                if let Some(error) = &notify.error {
                    self.error_descriptor(1, error);
                }
                self.w.close(seq);
                Ok(())
            }
            CommandReply::ServiceChange(change) => {
                let seq = self.w.open(7);
                self.termination_ids(0, &change.termination_ids)?;
                let result = self.w.open(1);
                match &change.result {
                    ServiceChangeResult::Error(error) => self.error_descriptor(0, error),
                    ServiceChangeResult::Parms(parms) => self.service_change_res_parm(1, parms)?,
                }
                self.w.close(result);
                self.w.close(seq);
                Ok(())
            }
        }
    }

    fn service_change_res_parm(&mut self, number: u8, parms: &ServiceChangeResParm) -> Result {
        let seq = self.w.open(number);
        if let Some(mgc_id) = &parms.mgc_id {
            let choice = self.w.open(0);
            self.mid(mgc_id, 0)?;
            self.w.close(choice);
        }
        if let Some(address) = &parms.address {
            self.service_change_address(1, address)?;
        }
        if let Some(version) = parms.version {
            self.service_change_version(2, version)?;
        }
        if let Some(profile) = &parms.profile {
            self.service_change_profile(3, profile)?;
        }
        if let Some(timestamp) = &parms.timestamp {
            self.time_notation(4, timestamp)?;
        }
        self.w.close(seq);
        Ok(())
    }

    fn amms_reply(&mut self, number: u8, reply: &AmmsReply) -> Result {
        let seq = self.w.open(number);
        self.termination_ids(0, &reply.termination_ids)?;
        if !reply.audit.is_empty() {
            self.termination_audit(1, &reply.audit)?;
        }
        self.w.close(seq);
        Ok(())
    }

    /// `AuditReply` (a CHOICE, so explicitly tagged `[number]`).
    fn audit_reply(&mut self, number: u8, reply: &AuditReply) -> Result {
        let choice = self.w.open(number);
        match reply {
            AuditReply::ContextAuditResult(ids) => self.termination_ids(0, ids)?,
            AuditReply::Error(error) => self.error_descriptor(1, error),
            AuditReply::Result {
                termination_ids,
                audit,
            } => match termination_ids.as_slice() {
                [only] => {
                    let seq = self.w.open(2);
                    self.termination_id(0, only)?;
                    self.termination_audit(1, audit)?;
                    self.w.close(seq);
                }
                ids => {
                    self.since(3, "auditResultTermList")?;
                    let seq = self.w.open(3);
                    self.termination_ids(0, ids)?;
                    self.termination_audit(1, audit)?;
                    self.w.close(seq);
                }
            },
        }
        self.w.close(choice);
        Ok(())
    }
}
