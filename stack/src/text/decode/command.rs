//! Annex B `commandRequest` and `commandReplys`: Add, Move, Modify,
//! Subtract, AuditValue, AuditCapabilities, Notify, ServiceChange and their
//! replies, with `serviceChangeDescriptor` and
//! `serviceChangeReplyDescriptor` (H.248.1 clause 7.2).

use super::token::Tok;
use super::{List, PResult, Parser, Word};
use crate::model::{
    AmmDescriptor, AmmRequest, AmmsReply, AuditDescriptor, AuditReply, AuditRequest, Command,
    CommandReply, CommandRequest, NotifyReply, NotifyRequest, ServiceChangeAddress,
    ServiceChangeMethod, ServiceChangeParm, ServiceChangeProfile, ServiceChangeReply,
    ServiceChangeRequest, ServiceChangeResParm, ServiceChangeResult, SubtractRequest,
    TerminationAudit,
};
use crate::text::DecodeErrorKind;

const SERVICE_CHANGE_METHODS: &[(Tok, ServiceChangeMethod)] = &[
    (Tok::Failover, ServiceChangeMethod::Failover),
    (Tok::Forced, ServiceChangeMethod::Forced),
    (Tok::Graceful, ServiceChangeMethod::Graceful),
    (Tok::Restart, ServiceChangeMethod::Restart),
    (Tok::Disconnected, ServiceChangeMethod::Disconnected),
    (Tok::HandOff, ServiceChangeMethod::HandOff),
];

/// The parameters shared by ServiceChange requests and replies, collected
/// before the required ones are checked.
#[derive(Default)]
struct ServiceChangeItems {
    method: Option<ServiceChangeMethod>,
    reason: Option<crate::model::Value>,
    parms: ServiceChangeResParm,
    delay: Option<u32>,
    info: Option<AuditDescriptor>,
    incomplete: bool,
    extensions: Vec<crate::model::PropertyParm>,
}

impl<'a> Parser<'a> {
    /// Annex B `commandRequest` starting with the word `w`, with the `O-`
    /// and `W-` flags read before it, pushed onto `commands`; false (and
    /// nothing read) if `w` is no command token. Pushed here rather than
    /// returned: the command is then moved once, not at each return.
    pub(super) fn command_request(
        &mut self,
        w: &Word<'a>,
        optional: bool,
        wildcard_return: bool,
        commands: &mut Vec<CommandRequest>,
    ) -> PResult<bool> {
        // Each kind of command is pushed where it is made: one move into the
        // list, rather than one into a `Command` shared by all arms and
        // another into the list.
        #[inline(always)]
        fn push(commands: &mut Vec<CommandRequest>, command: Command, flags: (bool, bool)) {
            let (optional, wildcard_return) = flags;
            commands.push_item(CommandRequest {
                command,
                optional,
                wildcard_return,
            });
        }
        let flags = (optional, wildcard_return);
        match w.tok {
            Some(Tok::Add) => push(commands, Command::Add(self.amm_request()?), flags),
            Some(Tok::Move) => push(commands, Command::Move(self.amm_request()?), flags),
            Some(Tok::Modify) => push(commands, Command::Modify(self.amm_request()?), flags),
            Some(Tok::Subtract) => {
                self.equal()?;
                let termination_ids = self.term_id_list()?;
                let mut audit = None;
                if self.try_open()? {
                    if self.peek() != Some(b'}') {
                        let w = self.word();
                        if w.tok != Some(Tok::Audit) {
                            return Err(
                                self.error_at(w.start, DecodeErrorKind::Expected("`Audit`"))
                            );
                        }
                        audit = Some(self.audit_descriptor()?);
                    }
                    self.close()?;
                }
                push(
                    commands,
                    Command::Subtract(SubtractRequest {
                        termination_ids,
                        audit,
                    }),
                    flags,
                );
            }
            Some(Tok::AuditValue) => {
                push(commands, Command::AuditValue(self.audit_request()?), flags)
            }
            Some(Tok::AuditCap) => {
                push(
                    commands,
                    Command::AuditCapabilities(self.audit_request()?),
                    flags,
                );
            }
            Some(Tok::Notify) => {
                self.equal()?;
                let termination_ids = self.term_id_list()?;
                self.open()?;
                let w = self.word();
                if w.tok != Some(Tok::ObservedEvents) {
                    return Err(
                        self.error_at(w.start, DecodeErrorKind::Expected("`ObservedEvents`"))
                    );
                }
                let observed_events = self.observed_events_body()?;
                let mut error = None;
                if self.eat(b',') {
                    let w = self.word();
                    if w.tok != Some(Tok::Error) {
                        return Err(self.error_at(w.start, DecodeErrorKind::Expected("`Error`")));
                    }
                    error = Some(self.error_descriptor_body()?);
                }
                self.close()?;
                push(
                    commands,
                    Command::Notify(NotifyRequest {
                        termination_ids,
                        observed_events,
                        error,
                    }),
                    flags,
                );
            }
            Some(Tok::ServiceChange) => {
                self.equal()?;
                let termination_ids = self.term_id_list()?;
                self.open()?;
                let w = self.word();
                if w.tok != Some(Tok::Services) {
                    return Err(self.error_at(w.start, DecodeErrorKind::Expected("`Services`")));
                }
                let parms = self.service_change_parm()?;
                self.close()?;
                push(
                    commands,
                    Command::ServiceChange(Box::new(ServiceChangeRequest {
                        termination_ids,
                        parms,
                    })),
                    flags,
                );
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Annex B `ammRequest` after its token.
    fn amm_request(&mut self) -> PResult<AmmRequest> {
        self.equal()?;
        let termination_ids = self.term_id_list()?;
        let mut descriptors = Vec::new();
        if self.peek() == Some(b'{') {
            self.braced_list(|p| {
                let w = p.word();
                p.amm_parameter(&w, &mut descriptors)
            })?;
        }
        Ok(AmmRequest {
            termination_ids,
            descriptors,
        })
    }

    /// Annex B `ammParameter` starting with `w`, pushed onto `descriptors`
    /// where it is made (one move, as for [`Self::command_request`]).
    fn amm_parameter(&mut self, w: &Word<'a>, descriptors: &mut Vec<AmmDescriptor>) -> PResult<()> {
        use AmmDescriptor as D;
        match w.tok {
            Some(Tok::Media) => descriptors.push_item(D::Media(self.media_descriptor()?)),
            Some(Tok::Modem) => descriptors.push_item(D::Modem(self.modem_descriptor()?)),
            Some(Tok::Mux) => descriptors.push_item(D::Mux(self.mux_descriptor()?)),
            Some(Tok::Events) => descriptors.push_item(D::Events(self.events_descriptor()?)),
            Some(Tok::Signals) => descriptors.push_item(D::Signals(self.signals_descriptor()?)),
            Some(Tok::DigitMap) => {
                descriptors.push_item(D::DigitMap(self.digit_map_descriptor()?));
            }
            Some(Tok::EventBuffer) => {
                descriptors.push_item(D::EventBuffer(self.event_buffer_descriptor()?));
            }
            Some(Tok::Audit) => descriptors.push_item(D::Audit(self.audit_descriptor()?)),
            Some(Tok::Statistics) => {
                descriptors.push_item(D::Statistics(self.statistics_descriptor()?));
            }
            _ => return Err(self.error_at(w.start, DecodeErrorKind::Expected("descriptor"))),
        }
        Ok(())
    }

    /// Annex B `auditRequest` after its token.
    fn audit_request(&mut self) -> PResult<AuditRequest> {
        self.equal()?;
        let termination_ids = self.term_id_list()?;
        self.open()?;
        let w = self.word();
        if w.tok != Some(Tok::Audit) {
            return Err(self.error_at(w.start, DecodeErrorKind::Expected("`Audit`")));
        }
        let audit = self.audit_descriptor()?;
        self.close()?;
        Ok(AuditRequest {
            termination_ids,
            audit,
        })
    }

    /// Annex B `commandReplys` starting with `w`; `None` if `w` is no
    /// command token.
    pub(super) fn command_reply(&mut self, w: &Word<'a>) -> PResult<Option<CommandReply>> {
        let reply = match w.tok {
            Some(Tok::Add) => CommandReply::Add(self.amms_reply()?),
            Some(Tok::Move) => CommandReply::Move(self.amms_reply()?),
            Some(Tok::Modify) => CommandReply::Modify(self.amms_reply()?),
            Some(Tok::Subtract) => CommandReply::Subtract(self.amms_reply()?),
            Some(Tok::AuditValue) => CommandReply::AuditValue(self.audit_reply()?),
            Some(Tok::AuditCap) => CommandReply::AuditCapabilities(self.audit_reply()?),
            Some(Tok::Notify) => {
                self.equal()?;
                let termination_ids = self.term_id_list()?;
                let mut error = None;
                if self.try_open()? {
                    if self.peek() != Some(b'}') {
                        let w = self.word();
                        if w.tok != Some(Tok::Error) {
                            return Err(
                                self.error_at(w.start, DecodeErrorKind::Expected("`Error`"))
                            );
                        }
                        error = Some(self.error_descriptor_body()?);
                    }
                    self.close()?;
                }
                CommandReply::Notify(NotifyReply {
                    termination_ids,
                    error,
                })
            }
            Some(Tok::ServiceChange) => {
                self.equal()?;
                let termination_ids = self.term_id_list()?;
                let mut result = ServiceChangeResult::Parms(ServiceChangeResParm::default());
                if self.try_open()? {
                    if self.peek() != Some(b'}') {
                        let w = self.word();
                        result = match w.tok {
                            Some(Tok::Error) => {
                                ServiceChangeResult::Error(self.error_descriptor_body()?)
                            }
                            Some(Tok::Services) => {
                                ServiceChangeResult::Parms(self.service_change_reply_parm()?)
                            }
                            _ => {
                                return Err(self.error_at(
                                    w.start,
                                    DecodeErrorKind::Expected("`Services` or `Error`"),
                                ))
                            }
                        };
                    }
                    self.close()?;
                }
                CommandReply::ServiceChange(ServiceChangeReply {
                    termination_ids,
                    result,
                })
            }
            _ => return Ok(None),
        };
        Ok(Some(reply))
    }

    /// Annex B `ammsReply` after its token.
    fn amms_reply(&mut self) -> PResult<AmmsReply> {
        self.equal()?;
        let termination_ids = self.term_id_list()?;
        let audit = self.optional_termination_audit()?;
        Ok(AmmsReply {
            termination_ids,
            audit,
        })
    }

    /// `[LBRKT terminationAudit RBRKT]`.
    fn optional_termination_audit(&mut self) -> PResult<TerminationAudit> {
        let mut audit = Vec::new();
        if self.peek() == Some(b'{') {
            self.braced_list(|p| {
                let item = p.audit_return_parameter()?;
                audit.push_item(item);
                Ok(())
            })?;
        }
        Ok(audit)
    }

    /// Annex B `auditReply` after its token: `= Context { ids }`,
    /// `= Context { Error }` or `= termIDList [{ terminationAudit }]`.
    ///
    /// The grammar lets a termination be named `C` or `Context`; when what
    /// follows such a word is not a context audit, it is read again as
    /// `auditOther`.
    fn audit_reply(&mut self) -> PResult<AuditReply> {
        self.equal()?;
        let w = self.word();
        if w.tok == Some(Tok::Context) && self.peek() == Some(b'{') {
            match self.context_termination_audit() {
                Ok(reply) => return Ok(reply),
                Err(context_error) => {
                    self.unread(&w);
                    let other = self.audit_other();
                    // Report the context reading's error unless the other one
                    // gets further.
                    return match other {
                        Ok(reply) => Ok(reply),
                        Err(e) if e.offset > context_error.offset => Err(e),
                        Err(_) => Err(context_error),
                    };
                }
            }
        }
        self.unread(&w);
        self.audit_other()
    }

    /// Annex B `contextTerminationAudit` after `Context`:
    /// `{ id *(, id) }` or `{ errorDescriptor }`.
    fn context_termination_audit(&mut self) -> PResult<AuditReply> {
        self.open()?;
        // `er` / `Error` opens an errorDescriptor only when `=` follows:
        // a termination ID may spell the token (`Context { er }`).
        let inner = self.word();
        if inner.tok == Some(Tok::Error) && self.peek() == Some(b'=') {
            let error = self.error_descriptor_body()?;
            self.close()?;
            return Ok(AuditReply::Error(error));
        }
        self.unread(&inner);
        let ids = self.comma_term_ids()?;
        self.close()?;
        Ok(AuditReply::ContextAuditResult(ids))
    }

    /// Annex B `auditOther`: `termIDList [{ terminationAudit }]`.
    fn audit_other(&mut self) -> PResult<AuditReply> {
        let termination_ids = self.term_id_list()?;
        let audit = self.optional_termination_audit()?;
        Ok(AuditReply::Result {
            termination_ids,
            audit,
        })
    }

    /// Annex B `serviceChangeDescriptor` after `Services`.
    fn service_change_parm(&mut self) -> PResult<ServiceChangeParm> {
        let open = self.pos;
        let items = self.service_change_items(true)?;
        let Some(method) = items.method else {
            return Err(self.error_at(open, DecodeErrorKind::Expected("ServiceChange `Method`")));
        };
        let Some(reason) = items.reason else {
            return Err(self.error_at(open, DecodeErrorKind::Expected("ServiceChange `Reason`")));
        };
        Ok(ServiceChangeParm {
            method,
            address: items.parms.address,
            version: items.parms.version,
            profile: items.parms.profile,
            reason,
            delay: items.delay,
            mgc_id: items.parms.mgc_id,
            timestamp: items.parms.timestamp,
            non_standard: None,
            info: items.info,
            incomplete: items.incomplete,
            extensions: items.extensions,
        })
    }

    /// Annex B `serviceChangeReplyDescriptor` after `Services`.
    fn service_change_reply_parm(&mut self) -> PResult<ServiceChangeResParm> {
        Ok(self.service_change_items(false)?.parms)
    }

    /// The braced list of `serviceChangeParm` (request) or
    /// `servChgReplyParm` (reply).
    fn service_change_items(&mut self, request: bool) -> PResult<ServiceChangeItems> {
        let mut items = ServiceChangeItems::default();
        self.braced_list(|p| p.service_change_item(&mut items, request))?;
        Ok(items)
    }

    fn service_change_item(
        &mut self,
        items: &mut ServiceChangeItems,
        request: bool,
    ) -> PResult<()> {
        if let Some(stamp) = self.try_time_stamp()? {
            return set_once(self, &mut items.parms.timestamp, stamp, "TimeStamp");
        }
        let w = self.word();
        match w.tok {
            Some(Tok::ServiceChangeAddress) => {
                self.equal()?;
                let address = if self.peek().is_some_and(|b| b.is_ascii_digit()) {
                    ServiceChangeAddress::Port(self.uint16("port number")?)
                } else {
                    ServiceChangeAddress::Address(self.mid()?)
                };
                return set_once(
                    self,
                    &mut items.parms.address,
                    address,
                    "ServiceChangeAddress",
                );
            }
            Some(Tok::MgcId) => {
                self.equal()?;
                let mid = self.mid()?;
                return set_once(self, &mut items.parms.mgc_id, mid, "MgcIdToTry");
            }
            Some(Tok::Profile) => {
                self.equal()?;
                let name = self.name("profile name")?;
                self.expect_here(b'/', "`/`")?;
                let version = self.version_number()?;
                let profile = ServiceChangeProfile { name, version };
                return set_once(self, &mut items.parms.profile, profile, "Profile");
            }
            Some(Tok::Version) => {
                self.equal()?;
                let version = self.version_number()?;
                return set_once(self, &mut items.parms.version, version, "Version");
            }
            _ if !request => {
                return Err(self.error_at(
                    w.start,
                    DecodeErrorKind::Expected("ServiceChange reply parameter"),
                ))
            }
            Some(Tok::Method) => {
                self.equal()?;
                let w = self.word();
                let method = if self.is_extension_at(&w) {
                    ServiceChangeMethod::Extension(self.extension_parameter_from(w.start)?)
                } else {
                    SERVICE_CHANGE_METHODS
                        .iter()
                        .find(|(t, _)| Some(*t) == w.tok)
                        .map(|(_, m)| m.clone())
                        .ok_or_else(|| {
                            self.error_at(
                                w.start,
                                DecodeErrorKind::Expected("ServiceChange method"),
                            )
                        })?
                };
                return set_once(self, &mut items.method, method, "Method");
            }
            Some(Tok::Reason) => {
                self.equal()?;
                let reason = self.value()?;
                return set_once(self, &mut items.reason, reason, "Reason");
            }
            Some(Tok::Delay) => {
                self.equal()?;
                let delay = self.uint32("delay")?;
                return set_once(self, &mut items.delay, delay, "Delay");
            }
            Some(Tok::ServiceChangeInc) => {
                items.incomplete = true;
                return Ok(());
            }
            _ => {}
        }
        if self.is_extension_at(&w) {
            let name = self.extension_parameter_from(w.start)?;
            let value = self.parm_value()?;
            return self.push_bounded(
                &mut items.extensions,
                crate::model::PropertyParm { name, value },
            );
        }
        let info = items.info.get_or_insert_with(AuditDescriptor::default);
        if self.audit_item(&w, info)? {
            return Ok(());
        }
        Err(self.error_at(
            w.start,
            DecodeErrorKind::Expected("ServiceChange parameter"),
        ))
    }
}

/// Sets an at-most-once parameter.
fn set_once<T>(p: &Parser<'_>, slot: &mut Option<T>, value: T, what: &'static str) -> PResult<()> {
    if slot.is_some() {
        return Err(p.error_at(p.pos, DecodeErrorKind::InvalidValue(what)));
    }
    *slot = Some(value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::*;
    use crate::text::decode::decode;
    use crate::text::DecodeErrorKind;

    fn commands(body: &str) -> Vec<CommandRequest> {
        let m = decode(format!("!/3 [1.2.3.4] T=1{{C=1{{{body}}}}}").as_bytes()).unwrap();
        let MessageBody::Transactions(mut ts) = m.message.body else {
            panic!()
        };
        let Transaction::Request(mut r) = ts.remove(0) else {
            panic!()
        };
        r.actions.remove(0).commands
    }

    fn replies(body: &str) -> Vec<CommandReply> {
        let m = decode(format!("!/3 [1.2.3.4] P=1{{C=1{{{body}}}}}").as_bytes()).unwrap();
        let MessageBody::Transactions(mut ts) = m.message.body else {
            panic!()
        };
        let Transaction::Reply(r) = ts.remove(0) else {
            panic!()
        };
        let TransactionResult::ActionReplies(mut a) = r.result else {
            panic!()
        };
        a.remove(0).commands
    }

    #[test]
    fn service_change_request_parameters() {
        let c = commands(
            "SC=a/*{SV{MT=X-Mine,RE=\"901 Cold\",DL=5,AD=[::1]:7,PF=ResGW/2,V=3,20010101T10203040,\
             X-Ext=1,SIC,M,SG{s/t},Packages}}",
        );
        let Command::ServiceChange(sc) = &c[0].command else {
            panic!()
        };
        let p = &sc.parms;
        assert_eq!(p.method, ServiceChangeMethod::Extension("X-Mine".into()));
        assert_eq!(p.reason, "901 Cold");
        assert_eq!(p.delay, Some(5));
        assert!(matches!(
            p.address,
            Some(ServiceChangeAddress::Address(MId::Ip6 {
                port: Some(7),
                ..
            }))
        ));
        assert_eq!(
            p.profile,
            Some(ServiceChangeProfile {
                name: "ResGW".into(),
                version: 2
            })
        );
        assert_eq!(p.version, Some(3));
        assert_eq!(p.timestamp.as_ref().unwrap().time, "10203040");
        assert_eq!(p.extensions, vec![PropertyParm::equal("X-Ext", "1")]);
        assert!(p.incomplete);
        let info = p.info.as_ref().unwrap();
        assert_eq!(info.tokens, vec![AuditToken::Media, AuditToken::Packages]);
        assert_eq!(info.property_tokens.len(), 1);
    }

    #[test]
    fn service_change_without_method_is_rejected() {
        let e = decode(b"!/1 [1.2.3.4] T=1{C=-{SC=ROOT{SV{RE=900}}}}").unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::Expected("ServiceChange `Method`"));
        assert_eq!(e.column, 33);
    }

    #[test]
    fn replies_without_braces() {
        let r = replies("A=t1,SC=ROOT,N=t2{ER=400{}},AV=Context{x,y},AC=C{ER=1{}},S=t3{SA{a/b=1}}");
        assert_eq!(
            r[0],
            CommandReply::Add(AmmsReply {
                termination_ids: small_list!["t1".into()],
                audit: vec![]
            })
        );
        assert_eq!(
            r[1],
            CommandReply::ServiceChange(ServiceChangeReply {
                termination_ids: small_list![TerminationId::root()],
                result: ServiceChangeResult::Parms(ServiceChangeResParm::default())
            })
        );
        assert!(matches!(&r[2], CommandReply::Notify(n) if n.error.as_ref().unwrap().code == 400));
        assert_eq!(
            r[3],
            CommandReply::AuditValue(AuditReply::ContextAuditResult(vec!["x".into(), "y".into()]))
        );
        assert!(matches!(
            &r[4],
            CommandReply::AuditCapabilities(AuditReply::Error(_))
        ));
        let CommandReply::Subtract(s) = &r[5] else {
            panic!()
        };
        assert!(
            matches!(&s.audit[0], AuditReturnParameter::Statistics(st) if st[0].value == vec![Text::from("1")])
        );
    }

    /// Found by the round-trip property: a context audit listing a
    /// termination named `er` (or `error`) is not an errorDescriptor.
    #[test]
    fn context_audit_lists_terminations_that_spell_the_error_token() {
        let r = replies("AV=Context{er},AV=C{\n\tError\n, ab},AC=C{er = 431{}}");
        assert_eq!(
            r[0],
            CommandReply::AuditValue(AuditReply::ContextAuditResult(vec!["er".into()]))
        );
        assert_eq!(
            r[1],
            CommandReply::AuditValue(AuditReply::ContextAuditResult(vec![
                "Error".into(),
                "ab".into()
            ]))
        );
        assert!(matches!(
            &r[2],
            CommandReply::AuditCapabilities(AuditReply::Error(e)) if e.code == 431
        ));
    }

    /// A termination may be named `C`: its audit result is `auditOther`.
    #[test]
    fn audit_of_a_termination_named_like_the_context_token() {
        let r = replies("AV=C{M{TS{SI=IV}}},AV=Context{Packages{g-1}}");
        let CommandReply::AuditValue(AuditReply::Result {
            termination_ids,
            audit,
        }) = &r[0]
        else {
            panic!("{:?}", r[0])
        };
        assert_eq!(termination_ids[..], [TerminationId::from("C")]);
        assert!(matches!(&audit[0], AuditReturnParameter::Media(_)));
        let CommandReply::AuditValue(AuditReply::Result {
            termination_ids,
            audit,
        }) = &r[1]
        else {
            panic!("{:?}", r[1])
        };
        assert_eq!(termination_ids[..], [TerminationId::from("Context")]);
        assert!(matches!(&audit[0], AuditReturnParameter::Packages(p) if p.len() == 1));
        let e = decode(b"!/1 [1.2.3.4] P=1{C=-{AV=C{x,}}}").unwrap_err();
        assert_eq!(
            (e.kind, e.column),
            (DecodeErrorKind::Expected("termination ID"), 30)
        );
    }

    #[test]
    fn unknown_descriptor_is_located() {
        let e = decode(b"!/1 [1.2.3.4] T=1{C=-{MF=t{Bogus}}}").unwrap_err();
        assert_eq!(
            (e.kind, e.column),
            (DecodeErrorKind::Expected("descriptor"), 28)
        );
    }
}
