//! Actions, context requests, commands and command replies (Annex A
//! `ActionRequest` .. `ServiceChangeResParm`).

use super::{
    error_descriptor, flag, mid, mid_alternative, optional, sequences, time_notation, Decoder,
    Result,
};
use super::{non_standard_data, values_of, Values};
use crate::ber::error::BerErrorKind;
use crate::ber::reader::{universal, Tlv};
use crate::model::*;

impl<'n> Decoder<'n> {
    pub(super) fn action_request(&self, tlv: Tlv<'_>) -> Result<ActionRequest> {
        const T: &str = "ActionRequest";
        let mut s = tlv.cursor(T)?;
        let context_id = ContextId(s.required(0)?.u32(T)?);
        let context_request = optional(&mut s, 1, |t| self.context_request(t))?;
        let context_attr_audit = optional(&mut s, 2, |t| self.context_attr_audit(t))?;
        let commands = sequences(s.required(3)?, T, |t| self.command_request(t))?;
        s.finish()?;
        Ok(ActionRequest {
            context_id,
            context_request,
            context_attr_audit,
            commands,
        })
    }

    pub(super) fn action_reply(&self, tlv: Tlv<'_>) -> Result<ActionReply> {
        const T: &str = "ActionReply";
        let mut s = tlv.cursor(T)?;
        let context_id = ContextId(s.required(0)?.u32(T)?);
        let error = optional(&mut s, 1, error_descriptor)?;
        let context_reply = optional(&mut s, 2, |t| self.context_request(t))?;
        let commands = super::choices(s.required(3)?, T, |t| self.command_reply(t))?;
        s.finish()?;
        Ok(ActionReply {
            context_id,
            error,
            context_reply,
            commands,
        })
    }

    fn context_request(&self, tlv: Tlv<'_>) -> Result<ContextRequest> {
        const T: &str = "ContextRequest";
        let mut s = tlv.cursor(T)?;
        let priority = optional(&mut s, 0, |t| t.uint(T, 15).map(|v| v as u16))?;
        let emergency = optional(&mut s, 1, |t| t.boolean(T))?;
        let topology = optional(&mut s, 2, |t| sequences(t, T, |t| self.topology_request(t)))?;
        let ieps = optional(&mut s, 3, |t| t.boolean(T))?;
        let context_props = optional(&mut s, 4, |t| self.property_parms(t))?;
        let context_list = optional(&mut s, 5, |t| {
            let mut list = t.cursor(T)?;
            let mut ids = Vec::new();
            while let Some(id) = list.next_universal(universal::INTEGER)? {
                ids.push(ContextId(id.u32(T)?));
            }
            Ok(ids)
        })?;
        s.finish_extensible(5)?;
        Ok(ContextRequest {
            priority,
            emergency,
            topology,
            ieps,
            context_props,
            context_list,
        })
    }

    fn topology_request(&self, tlv: Tlv<'_>) -> Result<TopologyRequest> {
        const T: &str = "TopologyRequest";
        let mut s = tlv.cursor(T)?;
        let from = self.termination_id(s.required(0)?)?;
        let to = self.termination_id(s.required(1)?)?;
        let base = s.required(2)?.enumerated(T, 2)?;
        let stream_id = optional(&mut s, 3, |t| t.u16(T))?;
        let extension = optional(&mut s, 4, |t| t.enumerated(T, 1))?;
        s.finish_extensible(4)?;
        let direction = match (extension, base) {
            (Some(0), _) => TopologyDirection::OnewayExternal,
            (Some(_), _) => TopologyDirection::OnewayBoth,
            (None, 0) => TopologyDirection::Bothway,
            (None, 1) => TopologyDirection::Isolate,
            (None, _) => TopologyDirection::Oneway,
        };
        Ok(TopologyRequest {
            from,
            to,
            direction,
            stream_id,
        })
    }

    fn context_attr_audit(&self, tlv: Tlv<'_>) -> Result<ContextAttrAuditRequest> {
        const T: &str = "ContextAttrAuditRequest";
        let mut s = tlv.cursor(T)?;
        let topology = flag(&mut s, 0, T)?;
        let emergency = flag(&mut s, 1, T)?;
        let priority = flag(&mut s, 2, T)?;
        let ieps = flag(&mut s, 3, T)?;
        let context_prop_aud = optional(&mut s, 4, |t| self.ind_aud_property_parms(t))?;
        let select_priority = optional(&mut s, 5, |t| t.uint(T, 15).map(|v| v as u16))?;
        let select_emergency = optional(&mut s, 6, |t| t.boolean(T))?;
        let select_ieps = optional(&mut s, 7, |t| t.boolean(T))?;
        let select_logic = optional(&mut s, 8, |t| {
            let inner = t.explicit(T)?;
            inner.null("SelectLogic")?;
            match inner.tag().number {
                0 => Ok(SelectLogic::And),
                1 => Ok(SelectLogic::Or),
                _ => Err(inner.unknown_alternative("SelectLogic")),
            }
        })?;
        s.finish_extensible(8)?;
        Ok(ContextAttrAuditRequest {
            topology,
            emergency,
            priority,
            ieps,
            context_prop_aud,
            select_priority,
            select_emergency,
            select_ieps,
            select_logic,
        })
    }

    fn command_request(&self, tlv: Tlv<'_>) -> Result<CommandRequest> {
        const T: &str = "CommandRequest";
        let mut s = tlv.cursor(T)?;
        let command = self.command(s.required(0)?.explicit(T)?)?;
        let optional_flag = flag(&mut s, 1, T)?;
        let wildcard_return = flag(&mut s, 2, T)?;
        s.finish_extensible(2)?;
        Ok(CommandRequest {
            command,
            optional: optional_flag,
            wildcard_return,
        })
    }

    fn command(&self, tlv: Tlv<'_>) -> Result<Command> {
        Ok(match tlv.tag().number {
            0 => Command::Add(self.amm_request(tlv)?),
            1 => Command::Move(self.amm_request(tlv)?),
            2 => Command::Modify(self.amm_request(tlv)?),
            3 => {
                const T: &str = "SubtractRequest";
                let mut s = tlv.cursor(T)?;
                let termination_ids = self.termination_ids(s.required(0)?)?;
                let audit = optional(&mut s, 1, |t| self.audit_descriptor(t))?;
                s.finish_extensible(1)?;
                Command::Subtract(SubtractRequest {
                    termination_ids,
                    audit,
                })
            }
            4 => Command::AuditCapabilities(self.audit_request(tlv)?),
            5 => Command::AuditValue(self.audit_request(tlv)?),
            6 => {
                const T: &str = "NotifyRequest";
                let mut s = tlv.cursor(T)?;
                let termination_ids = self.termination_ids(s.required(0)?)?;
                let observed_events = self.observed_events(s.required(1)?)?;
                let error = optional(&mut s, 2, error_descriptor)?;
                s.finish_extensible(2)?;
                Command::Notify(NotifyRequest {
                    termination_ids,
                    observed_events,
                    error,
                })
            }
            7 => {
                const T: &str = "ServiceChangeRequest";
                let mut s = tlv.cursor(T)?;
                let termination_ids = self.termination_ids(s.required(0)?)?;
                let parms = self.service_change_parm(s.required(1)?)?;
                s.finish_extensible(1)?;
                Command::ServiceChange(Box::new(ServiceChangeRequest {
                    termination_ids,
                    parms,
                }))
            }
            _ => return Err(tlv.unknown_alternative("Command")),
        })
    }

    fn amm_request(&self, tlv: Tlv<'_>) -> Result<AmmRequest> {
        const T: &str = "AmmRequest";
        let mut s = tlv.cursor(T)?;
        let termination_ids = self.termination_ids(s.required(0)?)?;
        let descriptors = super::choices(s.required(1)?, T, |t| self.amm_descriptor(t))?;
        s.finish_extensible(1)?;
        Ok(AmmRequest {
            termination_ids,
            descriptors,
        })
    }

    fn amm_descriptor(&self, tlv: Tlv<'_>) -> Result<AmmDescriptor> {
        Ok(match tlv.tag().number {
            0 => AmmDescriptor::Media(self.media_descriptor(tlv)?),
            1 => AmmDescriptor::Modem(self.modem_descriptor(tlv)?),
            2 => AmmDescriptor::Mux(self.mux_descriptor(tlv)?),
            3 => AmmDescriptor::Events(self.events_descriptor(tlv)?),
            4 => AmmDescriptor::EventBuffer(self.event_buffer_descriptor(tlv)?),
            5 => AmmDescriptor::Signals(self.signals_descriptor(tlv)?),
            6 => AmmDescriptor::DigitMap(self.digit_map_descriptor(tlv)?),
            7 => AmmDescriptor::Audit(self.audit_descriptor(tlv)?),
            8 => AmmDescriptor::Statistics(self.statistics_descriptor(tlv)?),
            _ => return Err(tlv.unknown_alternative("AmmDescriptor")),
        })
    }

    fn audit_request(&self, tlv: Tlv<'_>) -> Result<AuditRequest> {
        const T: &str = "AuditRequest";
        let mut s = tlv.cursor(T)?;
        let first = self.termination_id(s.required(0)?)?;
        let audit = self.audit_descriptor(s.required(1)?)?;
        let list: Option<SmallList<_>> = optional(&mut s, 2, |t| self.termination_ids(t))?;
        s.finish_extensible(2)?;
        let termination_ids = match list {
            Some(list) if !list.is_empty() => list,
            _ => small_list![first],
        };
        Ok(AuditRequest {
            termination_ids,
            audit,
        })
    }

    fn service_change_parm(&self, tlv: Tlv<'_>) -> Result<ServiceChangeParm> {
        const T: &str = "ServiceChangeParm";
        let mut s = tlv.cursor(T)?;
        let method = service_change_method(s.required(0)?)?;
        let address = optional(&mut s, 1, |t| service_change_address(t.explicit(T)?))?;
        let version = optional(&mut s, 2, |t| t.u8_max(T, 99))?;
        let profile = optional(&mut s, 3, service_change_profile)?;
        let reason_tlv = s.required(4)?;
        let reason = match values_of(reason_tlv, T)? {
            Values::One(reason) => unwrap_ia5(reason),
            Values::List(_) => {
                return Err(reason_tlv.error(
                    T,
                    BerErrorKind::ConstraintViolated("serviceChangeReason must hold one value"),
                ))
            }
        };
        let delay = optional(&mut s, 5, |t| t.u32(T))?;
        let mgc_id = optional(&mut s, 6, |t| mid(t.explicit(T)?))?;
        let timestamp = optional(&mut s, 7, time_notation)?;
        let non_standard = optional(&mut s, 8, non_standard_data)?;
        let info = optional(&mut s, 9, |t| self.audit_descriptor(t))?;
        let incomplete = flag(&mut s, 10, T)?;
        s.finish_extensible(10)?;
        Ok(ServiceChangeParm {
            method,
            address,
            version,
            profile,
            reason,
            delay,
            mgc_id,
            timestamp,
            non_standard,
            info,
            incomplete,
            extensions: Vec::new(),
        })
    }

    fn command_reply(&self, tlv: Tlv<'_>) -> Result<CommandReply> {
        Ok(match tlv.tag().number {
            0 => CommandReply::Add(self.amms_reply(tlv)?),
            1 => CommandReply::Move(self.amms_reply(tlv)?),
            2 => CommandReply::Modify(self.amms_reply(tlv)?),
            3 => CommandReply::Subtract(self.amms_reply(tlv)?),
            4 => CommandReply::AuditCapabilities(self.audit_reply(tlv.explicit("AuditReply")?)?),
            5 => CommandReply::AuditValue(self.audit_reply(tlv.explicit("AuditReply")?)?),
            6 => {
                const T: &str = "NotifyReply";
                let mut s = tlv.cursor(T)?;
                let termination_ids = self.termination_ids(s.required(0)?)?;
                let error = optional(&mut s, 1, error_descriptor)?;
                s.finish_extensible(1)?;
                CommandReply::Notify(NotifyReply {
                    termination_ids,
                    error,
                })
            }
            7 => {
                const T: &str = "ServiceChangeReply";
                let mut s = tlv.cursor(T)?;
                let termination_ids = self.termination_ids(s.required(0)?)?;
                let result_tlv = s.required(1)?.explicit(T)?;
                let result = match result_tlv.tag().number {
                    0 => ServiceChangeResult::Error(error_descriptor(result_tlv)?),
                    1 => ServiceChangeResult::Parms(service_change_res_parm(result_tlv)?),
                    _ => return Err(result_tlv.unknown_alternative("ServiceChangeResult")),
                };
                s.finish_extensible(1)?;
                CommandReply::ServiceChange(ServiceChangeReply {
                    termination_ids,
                    result,
                })
            }
            _ => return Err(tlv.unknown_alternative("CommandReply")),
        })
    }

    fn amms_reply(&self, tlv: Tlv<'_>) -> Result<AmmsReply> {
        const T: &str = "AmmsReply";
        let mut s = tlv.cursor(T)?;
        let termination_ids = self.termination_ids(s.required(0)?)?;
        let audit = optional(&mut s, 1, |t| self.termination_audit(t))?.unwrap_or_default();
        s.finish_extensible(1)?;
        Ok(AmmsReply {
            termination_ids,
            audit,
        })
    }

    fn audit_reply(&self, tlv: Tlv<'_>) -> Result<AuditReply> {
        Ok(match tlv.tag().number {
            0 => AuditReply::ContextAuditResult(self.termination_ids(tlv)?),
            1 => AuditReply::Error(error_descriptor(tlv)?),
            2 => {
                const T: &str = "AuditResult";
                let mut s = tlv.cursor(T)?;
                let id = self.termination_id(s.required(0)?)?;
                let audit = self.termination_audit(s.required(1)?)?;
                s.finish()?;
                AuditReply::Result {
                    termination_ids: small_list![id],
                    audit,
                }
            }
            3 => {
                const T: &str = "TermListAuditResult";
                let mut s = tlv.cursor(T)?;
                let termination_ids = self.termination_ids(s.required(0)?)?;
                let audit = self.termination_audit(s.required(1)?)?;
                s.finish_extensible(1)?;
                AuditReply::Result {
                    termination_ids,
                    audit,
                }
            }
            _ => return Err(tlv.unknown_alternative("AuditReply")),
        })
    }
}

/// The serviceChangeReason as the Annex A comment describes it: an
/// IA5String BER-encoded inside the OCTET STRING ("double wrapping").
/// Erlang/OTP megaco writes the text directly; both are accepted (a reason
/// starts with a digit, never with the IA5String tag 0x16).
fn unwrap_ia5(reason: Text) -> Text {
    let bytes = reason.as_bytes();
    let inner = match *bytes {
        [0x16, len, ref rest @ ..] if usize::from(len) == rest.len() => rest,
        [0x16, 0x81, len, ref rest @ ..] if usize::from(len) == rest.len() && len >= 0x80 => rest,
        _ => return reason,
    };
    match std::str::from_utf8(inner) {
        Ok(text) if text.is_ascii() => Text::from(text),
        _ => reason,
    }
}

fn service_change_method(tlv: Tlv<'_>) -> Result<ServiceChangeMethod> {
    Ok(match tlv.enumerated("ServiceChangeMethod", 5)? {
        0 => ServiceChangeMethod::Failover,
        1 => ServiceChangeMethod::Forced,
        2 => ServiceChangeMethod::Graceful,
        3 => ServiceChangeMethod::Restart,
        4 => ServiceChangeMethod::Disconnected,
        _ => ServiceChangeMethod::HandOff,
    })
}

/// `ServiceChangeAddress` (unwrapped CHOICE).
fn service_change_address(tlv: Tlv<'_>) -> Result<ServiceChangeAddress> {
    const T: &str = "ServiceChangeAddress";
    Ok(match tlv.tag().number {
        0 => ServiceChangeAddress::Port(tlv.u16(T)?),
        // ip4Address .. mtpAddress are MId's alternatives 0..4, one higher.
        n @ 1..=5 => ServiceChangeAddress::Address(mid_alternative(tlv, n - 1, T)?),
        _ => return Err(tlv.unknown_alternative(T)),
    })
}

/// `ServiceChangeProfile ::= SEQUENCE { profileName IA5String(SIZE(1..67)) }`
/// holding `name/version`.
fn service_change_profile(tlv: Tlv<'_>) -> Result<ServiceChangeProfile> {
    const T: &str = "ServiceChangeProfile";
    let mut s = tlv.cursor(T)?;
    let name_tlv = s.required(0)?;
    let text = name_tlv.ia5(T)?;
    s.finish()?;
    let bad = || {
        name_tlv.error(
            T,
            BerErrorKind::ConstraintViolated("profileName is not name/version"),
        )
    };
    if text.is_empty() || text.len() > 67 {
        return Err(name_tlv.error(
            T,
            BerErrorKind::ConstraintViolated("profileName SIZE(1..67)"),
        ));
    }
    let (name, version) = text.rsplit_once('/').ok_or_else(bad)?;
    let version = version.parse::<u8>().map_err(|_| bad())?;
    if name.is_empty() {
        return Err(bad());
    }
    Ok(ServiceChangeProfile {
        name: Text::from(name),
        version,
    })
}

fn service_change_res_parm(tlv: Tlv<'_>) -> Result<ServiceChangeResParm> {
    const T: &str = "ServiceChangeResParm";
    let mut s = tlv.cursor(T)?;
    let mgc_id = optional(&mut s, 0, |t| mid(t.explicit(T)?))?;
    let address = optional(&mut s, 1, |t| service_change_address(t.explicit(T)?))?;
    let version = optional(&mut s, 2, |t| t.u8_max(T, 99))?;
    let profile = optional(&mut s, 3, service_change_profile)?;
    let timestamp = optional(&mut s, 4, time_notation)?;
    s.finish_extensible(4)?;
    Ok(ServiceChangeResParm {
        mgc_id,
        address,
        version,
        profile,
        timestamp,
    })
}
