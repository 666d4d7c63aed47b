//! Annex B `auditDescriptor` with its `auditItem`s and the individual audit
//! descriptors (`indAudmediaDescriptor` .. `indAudpackagesDescriptor`,
//! H.248.1 v2+ clause 7.1.15), and `auditReturnParameter` of audit replies.

use super::descriptor::{SERVICE_STATES, STREAM_MODES};
use super::token::Tok;
use super::{List, PResult, Parser, Word};
use crate::model::{
    AuditDescriptor, AuditReturnParameter, AuditToken, IndAudDigitMapDescriptor,
    IndAudEventBufferDescriptor, IndAudEventsDescriptor, IndAudLocalControlDescriptor,
    IndAudLocalRemoteDescriptor, IndAudMediaDescriptor, IndAudPackagesDescriptor,
    IndAudPropertyParm, IndAudSignal, IndAudSignalsDescriptor, IndAudStatisticsDescriptor,
    IndAudStreamDescriptor, IndAudStreamParms, IndAudStreams, IndAudTerminationStateDescriptor,
    IndAuditParameter, ParmValue, PropertyParm, Text,
};
use crate::text::DecodeErrorKind;

/// The descriptor token a word names in an audit, if any.
fn audit_token(tok: Option<Tok>) -> Option<AuditToken> {
    Some(match tok? {
        Tok::Mux => AuditToken::Mux,
        Tok::Modem => AuditToken::Modem,
        Tok::Media => AuditToken::Media,
        Tok::Events => AuditToken::Events,
        Tok::Signals => AuditToken::Signals,
        Tok::DigitMap => AuditToken::DigitMap,
        Tok::Statistics => AuditToken::Statistics,
        Tok::ObservedEvents => AuditToken::ObservedEvents,
        Tok::Packages => AuditToken::Packages,
        Tok::EventBuffer => AuditToken::EventBuffer,
        _ => return None,
    })
}

impl<'a> Parser<'a> {
    /// Annex B `auditDescriptor = AuditToken LBRKT [auditItem *(COMMA
    /// auditItem)] RBRKT` after `Audit`.
    pub(super) fn audit_descriptor(&mut self) -> PResult<AuditDescriptor> {
        let mut audit = AuditDescriptor::default();
        self.braced_list(|p| {
            let w = p.word();
            if p.audit_item(&w, &mut audit)? {
                Ok(())
            } else {
                Err(p.error_at(w.start, DecodeErrorKind::Expected("audit item")))
            }
        })?;
        Ok(audit)
    }

    /// Annex B `auditItem` starting with `w`, into `audit`: a bare token
    /// goes to `tokens`, an `indAudauditReturnParameter` to
    /// `property_tokens`. False if `w` starts no audit item.
    pub(super) fn audit_item(
        &mut self,
        w: &Word<'a>,
        audit: &mut AuditDescriptor,
    ) -> PResult<bool> {
        let Some(token) = audit_token(w.tok) else {
            return Ok(false);
        };
        let next = self.peek();
        let item = match (token, next) {
            (AuditToken::Media, Some(b'{')) => IndAuditParameter::Media(self.ind_aud_media()?),
            (AuditToken::Events, Some(b'=' | b'{')) => {
                IndAuditParameter::Events(self.ind_aud_events()?)
            }
            (AuditToken::EventBuffer, Some(b'{')) => {
                IndAuditParameter::EventBuffer(self.ind_aud_event_buffer()?)
            }
            (AuditToken::Signals, Some(b'{')) => match self.ind_aud_signals()? {
                Some(signals) => IndAuditParameter::Signals(signals),
                None => {
                    self.push_bounded(&mut audit.tokens, AuditToken::Signals)?;
                    return Ok(true);
                }
            },
            (AuditToken::DigitMap, Some(b'=')) => {
                self.equal()?;
                IndAuditParameter::DigitMap(IndAudDigitMapDescriptor {
                    name: Some(self.name("digit map name")?),
                })
            }
            (AuditToken::Statistics, Some(b'{')) => {
                self.open()?;
                let name = self.pkgd_name()?;
                self.close()?;
                IndAuditParameter::Statistics(IndAudStatisticsDescriptor { name })
            }
            (AuditToken::Packages, Some(b'{')) => {
                self.open()?;
                let item = self.packages_item()?;
                self.close()?;
                IndAuditParameter::Packages(IndAudPackagesDescriptor {
                    name: item.name,
                    version: item.version,
                })
            }
            _ => {
                self.push_bounded(&mut audit.tokens, token)?;
                return Ok(true);
            }
        };
        self.push_bounded(&mut audit.property_tokens, item)?;
        Ok(true)
    }

    /// Annex B `indAudmediaDescriptor` after `Media`.
    fn ind_aud_media(&mut self) -> PResult<IndAudMediaDescriptor> {
        let mut media = IndAudMediaDescriptor::default();
        let mut single: Option<IndAudStreamParms> = None;
        let mut multi: Option<Vec<IndAudStreamDescriptor>> = None;
        self.braced_nonempty(|p| {
            let w = p.word();
            match w.tok {
                Some(Tok::TerminationState) => {
                    media.termination_state = Some(p.ind_aud_termination_state()?);
                }
                Some(Tok::Stream) => {
                    let stream_id = p.stream_id_value()?;
                    let mut parms = IndAudStreamParms::default();
                    p.braced_nonempty(|p| {
                        let w = p.word();
                        p.ind_aud_stream_parm(&w, &mut parms)
                    })?;
                    let streams = multi.get_or_insert_with(Vec::new);
                    p.push_bounded(streams, IndAudStreamDescriptor { stream_id, parms })?;
                }
                _ => p.ind_aud_stream_parm(
                    &w,
                    single.get_or_insert_with(IndAudStreamParms::default),
                )?,
            }
            Ok(())
        })?;
        media.streams = match (single, multi) {
            (None, None) => None,
            (Some(one), None) => Some(IndAudStreams::One(one)),
            (None, Some(many)) => Some(IndAudStreams::Multi(many)),
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

    /// Annex B `indAudstreamParm` starting with `w`.
    fn ind_aud_stream_parm(&mut self, w: &Word<'a>, parms: &mut IndAudStreamParms) -> PResult<()> {
        match w.tok {
            Some(Tok::LocalControl) => parms.local_control = Some(self.ind_aud_local_control()?),
            Some(Tok::Local) => parms.local = Some(self.ind_aud_local_remote()?),
            Some(Tok::Remote) => parms.remote = Some(self.ind_aud_local_remote()?),
            Some(Tok::Statistics) => {
                self.open()?;
                let name = self.pkgd_name()?;
                self.close()?;
                parms.statistics = Some(IndAudStatisticsDescriptor { name });
            }
            _ => return Err(self.error_at(w.start, DecodeErrorKind::Expected("media parameter"))),
        }
        Ok(())
    }

    /// Annex B `indAudlocalDescriptor` / `indAudremoteDescriptor`: each SDP
    /// line `x=value` is the audited property `x` with that value.
    fn ind_aud_local_remote(&mut self) -> PResult<IndAudLocalRemoteDescriptor> {
        self.open()?;
        let groups = self.sdp_groups()?;
        self.close()?;
        let mut props = Vec::new();
        for line in groups.iter().flat_map(|g| g.lines.iter()) {
            let mut kind = [0u8; 4];
            let name = Text::from(&*line.kind.encode_utf8(&mut kind));
            props.push_item(IndAudPropertyParm {
                name: name.clone(),
                parm: Some(PropertyParm {
                    name,
                    value: ParmValue::Equal(line.value.clone()),
                }),
            });
        }
        Ok(IndAudLocalRemoteDescriptor {
            prop_group_id: None,
            props,
        })
    }

    /// An audited property: `pkgdName` alone or `propertyParm` (a v3
    /// selection condition), the name at `w`.
    pub(super) fn ind_aud_property(&mut self, w: &Word<'a>) -> PResult<IndAudPropertyParm> {
        let name = self.pkgd_name_from(w.start)?;
        let parm = if matches!(self.peek(), Some(b'=' | b'>' | b'<' | b'#')) {
            Some(PropertyParm {
                name: name.clone(),
                value: self.parm_value()?,
            })
        } else {
            None
        };
        Ok(IndAudPropertyParm { name, parm })
    }

    /// Appends an audited property. A name followed directly by a selection
    /// on the same name (`p/x, p/x = 2`, as megaco writes one
    /// `IndAudPropertyParm` with both) is one item, as Annex A has it.
    pub(super) fn push_ind_aud_property(
        &self,
        list: &mut Vec<IndAudPropertyParm>,
        prop: IndAudPropertyParm,
    ) -> PResult<()> {
        if let Some(last) = list.last_mut() {
            if last.parm.is_none() && prop.parm.is_some() && last.name == prop.name {
                *last = prop;
                return Ok(());
            }
        }
        self.push_bounded(list, prop)
    }

    /// `Mode` and `ServiceStates` selections may be written with `INEQUAL`
    /// (`#`, `>`, `<`), which the model cannot hold (it keeps the selected
    /// value only): rejected where the operator is.
    fn reject_inequality(&mut self) -> PResult<()> {
        if matches!(self.peek(), Some(b'#' | b'>' | b'<')) {
            return Err(self.error(DecodeErrorKind::Expected("`=`")));
        }
        Ok(())
    }

    /// Annex B `indAudlocalControlDescriptor` after `LocalControl`.
    fn ind_aud_local_control(&mut self) -> PResult<IndAudLocalControlDescriptor> {
        let mut lc = IndAudLocalControlDescriptor::default();
        self.braced_nonempty(|p| {
            let w = p.word();
            match w.tok {
                Some(Tok::Mode) if !p.at_slash() => {
                    p.reject_inequality()?;
                    if p.eat(b'=') {
                        lc.stream_mode_sel = Some(p.token_of(STREAM_MODES, "stream mode")?);
                    } else {
                        lc.stream_mode = true;
                    }
                }
                Some(Tok::ReservedValue) if !p.at_slash() => lc.reserve_value = true,
                Some(Tok::ReservedGroup) if !p.at_slash() => lc.reserve_group = true,
                _ => {
                    let prop = p.ind_aud_property(&w)?;
                    p.push_ind_aud_property(&mut lc.property_parms, prop)?;
                }
            }
            Ok(())
        })?;
        Ok(lc)
    }

    /// Annex B `indAudterminationStateDescriptor` after `TerminationState`.
    fn ind_aud_termination_state(&mut self) -> PResult<IndAudTerminationStateDescriptor> {
        let mut ts = IndAudTerminationStateDescriptor::default();
        self.braced_nonempty(|p| {
            let w = p.word();
            match w.tok {
                Some(Tok::ServiceStates) if !p.at_slash() => {
                    p.reject_inequality()?;
                    if p.eat(b'=') {
                        ts.service_state_sel = Some(p.token_of(SERVICE_STATES, "service state")?);
                    } else {
                        ts.service_state = true;
                    }
                }
                Some(Tok::Buffer) if !p.at_slash() => ts.event_buffer_control = true,
                _ => {
                    let prop = p.ind_aud_property(&w)?;
                    p.push_ind_aud_property(&mut ts.property_parms, prop)?;
                }
            }
            Ok(())
        })?;
        Ok(ts)
    }

    /// Annex B `indAudeventsDescriptor = EventsToken [EQUAL RequestID]
    /// LBRKT indAudrequestedEvent RBRKT` after `Events`.
    fn ind_aud_events(&mut self) -> PResult<IndAudEventsDescriptor> {
        let request_id = if self.eat(b'=') {
            Some(self.request_id()?)
        } else {
            None
        };
        self.open()?;
        let name = self.pkgd_name()?;
        let stream_id = self.optional_braced_stream()?;
        self.close()?;
        Ok(IndAudEventsDescriptor {
            request_id,
            name,
            stream_id,
        })
    }

    /// `[LBRKT StreamToken EQUAL StreamID RBRKT]` after an audited event.
    fn optional_braced_stream(&mut self) -> PResult<Option<u16>> {
        if !self.try_open()? {
            return Ok(None);
        }
        let w = self.word();
        if w.tok != Some(Tok::Stream) {
            return Err(self.error_at(w.start, DecodeErrorKind::Expected("`Stream`")));
        }
        let id = self.stream_id_value()?;
        self.close()?;
        Ok(Some(id))
    }

    /// Annex B `indAudeventBufferDescriptor` after `EventBuffer`.
    fn ind_aud_event_buffer(&mut self) -> PResult<IndAudEventBufferDescriptor> {
        self.open()?;
        let name = self.pkgd_name()?;
        let stream_id = self.optional_braced_stream()?;
        self.close()?;
        Ok(IndAudEventBufferDescriptor { name, stream_id })
    }

    /// Annex B `indAudsignalsDescriptor` after `Signals`; `None` for the
    /// empty `Signals { }`.
    fn ind_aud_signals(&mut self) -> PResult<Option<IndAudSignalsDescriptor>> {
        self.open()?;
        if self.peek() == Some(b'}') {
            self.close()?;
            return Ok(None);
        }
        let w = self.word();
        let signals = if w.tok == Some(Tok::SignalList) && !self.at_slash() {
            self.equal()?;
            let id = self.uint16("signal list ID")?;
            let mut signal = None;
            if self.try_open()? {
                signal = Some(self.ind_aud_signal()?);
                self.close()?;
            }
            IndAudSignalsDescriptor::SeqSigList { id, signal }
        } else {
            self.unread(&w);
            IndAudSignalsDescriptor::Signal(self.ind_aud_signal()?)
        };
        self.close()?;
        Ok(Some(signals))
    }

    /// Annex B `indAudsignalRequest = signalName [LBRKT
    /// indAudsignalRequestParm *(COMMA indAudsignalRequestParm) RBRKT]`.
    fn ind_aud_signal(&mut self) -> PResult<IndAudSignal> {
        let mut signal = IndAudSignal {
            name: self.pkgd_name()?,
            stream_id: None,
            request_id: None,
        };
        if self.try_open()? {
            self.comma_list(|p| {
                let w = p.word();
                match w.tok {
                    Some(Tok::Stream) => signal.stream_id = Some(p.stream_id_value()?),
                    Some(Tok::SpaRequestId) => {
                        p.equal()?;
                        signal.request_id = Some(p.request_id()?);
                    }
                    _ => {
                        return Err(p.error_at(
                            w.start,
                            DecodeErrorKind::Expected("`Stream` or `SPARequestID`"),
                        ))
                    }
                }
                Ok(())
            })?;
            self.close()?;
        }
        Ok(signal)
    }

    /// Annex B `auditReturnParameter` of a `terminationAudit`. A bare
    /// `auditReturnItem` token is an empty descriptor of that kind; bare
    /// `Events`, `Signals`, `EventBuffer` are the empty descriptors of
    /// `eventsDescriptor`, `signalsDescriptor`, `eventBufferDescriptor`.
    pub(super) fn audit_return_parameter(&mut self) -> PResult<AuditReturnParameter> {
        let w = self.word();
        let next = self.peek();
        let empty = |token| {
            AuditReturnParameter::EmptyDescriptors(AuditDescriptor {
                tokens: vec![token],
                property_tokens: Vec::new(),
            })
        };
        Ok(match (w.tok, next) {
            (Some(Tok::Error), _) => AuditReturnParameter::Error(self.error_descriptor_body()?),
            (Some(Tok::Media), Some(b'{')) => AuditReturnParameter::Media(self.media_descriptor()?),
            (Some(Tok::Media), _) => empty(AuditToken::Media),
            (Some(Tok::Modem), Some(b'=' | b'[')) => {
                AuditReturnParameter::Modem(self.modem_descriptor()?)
            }
            (Some(Tok::Modem), _) => empty(AuditToken::Modem),
            (Some(Tok::Mux), Some(b'=')) => AuditReturnParameter::Mux(self.mux_descriptor()?),
            (Some(Tok::Mux), _) => empty(AuditToken::Mux),
            (Some(Tok::Events), _) => AuditReturnParameter::Events(self.events_descriptor()?),
            (Some(Tok::Signals), _) => AuditReturnParameter::Signals(self.signals_descriptor()?),
            (Some(Tok::EventBuffer), _) => {
                AuditReturnParameter::EventBuffer(self.event_buffer_descriptor()?)
            }
            (Some(Tok::DigitMap), Some(b'=')) => {
                AuditReturnParameter::DigitMap(self.digit_map_descriptor()?)
            }
            (Some(Tok::DigitMap), _) => empty(AuditToken::DigitMap),
            (Some(Tok::ObservedEvents), Some(b'=')) => {
                AuditReturnParameter::ObservedEvents(self.observed_events_body()?)
            }
            (Some(Tok::ObservedEvents), _) => empty(AuditToken::ObservedEvents),
            (Some(Tok::Statistics), Some(b'{')) => {
                AuditReturnParameter::Statistics(self.statistics_descriptor()?)
            }
            (Some(Tok::Statistics), _) => empty(AuditToken::Statistics),
            (Some(Tok::Packages), Some(b'{')) => {
                AuditReturnParameter::Packages(self.packages_descriptor()?)
            }
            (Some(Tok::Packages), _) => empty(AuditToken::Packages),
            _ => {
                return Err(
                    self.error_at(w.start, DecodeErrorKind::Expected("audit return parameter"))
                )
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::model::*;
    use crate::text::decode::decode;
    use crate::text::DecodeErrorKind;

    fn audit_of(items: &str) -> AuditDescriptor {
        let m = decode(format!("!/3 [1.2.3.4] T=1{{C=-{{AV=t{{AT{{{items}}}}}}}}}").as_bytes())
            .unwrap();
        let MessageBody::Transactions(mut ts) = m.message.body else {
            panic!()
        };
        let Transaction::Request(mut r) = ts.remove(0) else {
            panic!()
        };
        let Command::AuditValue(a) = r.actions.remove(0).commands.remove(0).command else {
            panic!()
        };
        a.audit
    }

    #[test]
    fn bare_tokens_and_individual_audits_keep_their_order() {
        let a = audit_of("Media,E,SG{},M{ST=2{O{MO,RV,a/b=1}}},E=5{p/e},EB{p/e{ST=1}},SG{SL=3{s/t{SPARQ=*}}},DM=dm1,SA{s/x},PG{al-1},Packages");
        assert_eq!(
            a.tokens,
            vec![
                AuditToken::Media,
                AuditToken::Events,
                AuditToken::Signals,
                AuditToken::Packages
            ]
        );
        assert_eq!(a.property_tokens.len(), 7);
        let IndAuditParameter::Media(m) = &a.property_tokens[0] else {
            panic!()
        };
        let Some(IndAudStreams::Multi(s)) = &m.streams else {
            panic!()
        };
        let lc = s[0].parms.local_control.as_ref().unwrap();
        assert!(lc.stream_mode && lc.reserve_value && !lc.reserve_group);
        assert_eq!(
            lc.property_parms[0].parm,
            Some(PropertyParm::equal("a/b", "1"))
        );
        assert!(
            matches!(&a.property_tokens[3], IndAuditParameter::Signals(IndAudSignalsDescriptor::SeqSigList { id: 3, signal: Some(s) }) if s.request_id == Some(RequestId::ALL))
        );
    }

    #[test]
    fn audited_sdp_lines_are_properties() {
        let a = audit_of("M{L{\nv=0\nc=IN IP4 $\n}}");
        let IndAuditParameter::Media(m) = &a.property_tokens[0] else {
            panic!()
        };
        let Some(IndAudStreams::One(s)) = &m.streams else {
            panic!()
        };
        let props = &s.local.as_ref().unwrap().props;
        assert_eq!(props[1].name, "c");
        assert_eq!(props[1].parm, Some(PropertyParm::equal("c", "IN IP4 $")));
    }

    #[test]
    fn inequality_selections_are_rejected() {
        let e = decode(b"!/3 [1.2.3.4] T=1{C=-{AV=t{AT{M{O{MO#SO}}}}}}").unwrap_err();
        assert_eq!((e.kind, e.column), (DecodeErrorKind::Expected("`=`"), 37));
    }

    #[test]
    fn bad_audit_item_is_located() {
        let e = decode(b"!/3 [1.2.3.4] T=1{C=-{AV=t{AT{Topology}}}}").unwrap_err();
        assert_eq!(
            (e.kind, e.column),
            (DecodeErrorKind::Expected("audit item"), 31)
        );
    }
}
