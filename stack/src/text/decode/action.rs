//! Annex B `actionRequest`, `actionReply`, `contextProperty`
//! (`topologyDescriptor`, `priority`, `Emergency[Off]`, `iepsValue`,
//! `contextAttrDescriptor`) and `contextAudit`; H.248.1 clauses 6.1 and 8.

use super::token::Tok;
use super::{List, PResult, Parser, Word};
use crate::model::{
    ActionReply, ActionRequest, ContextAttrAuditRequest, ContextRequest, ErrorDescriptor,
    SelectLogic, TopologyDirection, TopologyRequest,
};
use crate::text::DecodeErrorKind;

const TOPOLOGY_DIRECTIONS: &[(Tok, TopologyDirection)] = &[
    (Tok::Bothway, TopologyDirection::Bothway),
    (Tok::Isolate, TopologyDirection::Isolate),
    (Tok::Oneway, TopologyDirection::Oneway),
    (Tok::OnewayExternal, TopologyDirection::OnewayExternal),
    (Tok::OnewayBoth, TopologyDirection::OnewayBoth),
];

/// True for the tokens that start a `contextProperty`, those
/// [`Parser::context_property`] reads: only then is a context request made
/// for it to fill (made, then found empty and dropped, for each command it
/// cost more than the command's token).
fn starts_context_property(tok: Option<Tok>) -> bool {
    matches!(
        tok,
        Some(
            Tok::Priority
                | Tok::Emergency
                | Tok::EmergencyOff
                | Tok::Ieps
                | Tok::Topology
                | Tok::ContextAttr
        )
    )
}

impl<'a> Parser<'a> {
    /// Annex B `actionRequest = CtxToken EQUAL ContextID LBRKT
    /// ((contextRequest [COMMA commandRequestList]) / commandRequestList)
    /// RBRKT`.
    pub(super) fn action_request(&mut self) -> PResult<ActionRequest> {
        let w = self.word();
        if w.tok != Some(Tok::Context) {
            return Err(self.error_at(w.start, DecodeErrorKind::Expected("`Context`")));
        }
        self.equal()?;
        let context_id = self.context_id()?;
        let mut action = ActionRequest {
            context_id,
            context_request: None,
            context_attr_audit: None,
            commands: Vec::new(),
        };
        self.braced_list(|p| p.action_request_item(&mut action))?;
        Ok(action)
    }

    fn action_request_item(&mut self, action: &mut ActionRequest) -> PResult<()> {
        let mut w = self.word();
        let mut optional = false;
        let mut wildcard_return = false;
        // `"O-"` and `"W-"` command prefixes.
        loop {
            if self.peek_raw() != Some(b'-') {
                break;
            }
            if w.text.eq_ignore_ascii_case(b"o") && !optional && !wildcard_return {
                optional = true;
            } else if w.text.eq_ignore_ascii_case(b"w") && !wildcard_return {
                wildcard_return = true;
            } else {
                break;
            }
            self.pos += 1;
            w = self.word();
        }
        if !(optional || wildcard_return) {
            if w.tok == Some(Tok::ContextAudit) {
                if action.context_attr_audit.is_some() {
                    return Err(self.error_at(
                        w.start,
                        DecodeErrorKind::InvalidValue("second ContextAudit"),
                    ));
                }
                action.context_attr_audit = Some(self.context_audit()?);
                return Ok(());
            }
            if self.context_property_into(&w, &mut action.context_request)? {
                return Ok(());
            }
        }
        if self.command_request(&w, optional, wildcard_return, &mut action.commands)? {
            Ok(())
        } else {
            Err(self.error_at(w.start, DecodeErrorKind::Expected("command")))
        }
    }

    /// [`Self::context_property`] into `slot`, whose properties are made
    /// only for a word that can start one (and dropped again if it did not
    /// and they are still empty): true when `w` was a context property.
    #[inline(always)]
    fn context_property_into(
        &mut self,
        w: &Word<'a>,
        slot: &mut Option<ContextRequest>,
    ) -> PResult<bool> {
        if !starts_context_property(w.tok) {
            return Ok(false);
        }
        let props = slot.get_or_insert_with(ContextRequest::default);
        if self.context_property(w, props)? {
            return Ok(true);
        }
        if props.is_empty() {
            *slot = None;
        }
        Ok(false)
    }

    /// Annex B `contextProperty`, if `w` starts one: parsed into `props`.
    pub(super) fn context_property(
        &mut self,
        w: &Word<'a>,
        props: &mut ContextRequest,
    ) -> PResult<bool> {
        match w.tok {
            Some(Tok::Priority) => {
                self.equal()?;
                props.priority = Some(self.uint16("priority")?);
            }
            Some(Tok::Emergency) => props.emergency = Some(true),
            Some(Tok::EmergencyOff) => props.emergency = Some(false),
            Some(Tok::Ieps) => {
                self.equal()?;
                props.ieps = Some(self.on_off()?);
            }
            Some(Tok::Topology) => props.topology = Some(self.topology()?),
            Some(Tok::ContextAttr) => self.context_attr(props)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Annex B `topologyDescriptor`: triples `from, to, direction[, Stream
    /// = n]`.
    fn topology(&mut self) -> PResult<Vec<TopologyRequest>> {
        self.open()?;
        let mut triples = Vec::new();
        loop {
            let from = self.termination_id()?;
            self.expect(b',', "`,`")?;
            let to = self.termination_id()?;
            self.expect(b',', "`,`")?;
            let direction = self.token_of(TOPOLOGY_DIRECTIONS, "topology direction")?;
            let mut triple = TopologyRequest {
                from,
                to,
                direction,
                stream_id: None,
            };
            // After the direction: `Stream = n`, and megaco's spelling of
            // the v3 direction extension as a second direction (`Oneway,
            // OnewayBoth`), which refines `Oneway`.
            let more = loop {
                if !self.eat(b',') {
                    break false;
                }
                let w = self.word();
                if w.tok == Some(Tok::Stream) && self.peek() == Some(b'=') {
                    triple.stream_id = Some(self.stream_id_value()?);
                    continue;
                }
                let extension = match self.name_position_tok(&w) {
                    Some(Tok::OnewayBoth) => Some(TopologyDirection::OnewayBoth),
                    Some(Tok::OnewayExternal) => Some(TopologyDirection::OnewayExternal),
                    _ => None,
                };
                match extension {
                    Some(ext) if triple.direction == TopologyDirection::Oneway => {
                        triple.direction = ext;
                    }
                    _ => {
                        self.unread(&w);
                        break true;
                    }
                }
            };
            self.push_bounded(&mut triples, triple)?;
            if !more {
                break;
            }
        }
        self.close()?;
        Ok(triples)
    }

    /// Annex B `contextAttrDescriptor = ContextAttrToken LBRKT (contextIdList
    /// / propertyParm *(COMMA propertyParm)) RBRKT` (v3).
    fn context_attr(&mut self, props: &mut ContextRequest) -> PResult<()> {
        self.open()?;
        let w = self.word();
        if w.tok == Some(Tok::ContextList) && !self.at_slash() {
            self.equal()?;
            let mut ids = Vec::new();
            self.braced_list(|p| {
                let id = p.context_id()?;
                ids.push_item(id);
                Ok(())
            })?;
            props.context_list = Some(ids);
        } else {
            self.unread(&w);
            let mut parms = Vec::new();
            self.comma_list(|p| {
                let parm = p.property_parm()?;
                parms.push_item(parm);
                Ok(())
            })?;
            props.context_props = Some(parms);
        }
        self.close()
    }

    /// Annex B `contextAudit = ContextAuditToken LBRKT
    /// (contextAuditProperties *(COMMA contextAuditProperties)) /
    /// indAudcontextAttrDescriptor RBRKT`.
    fn context_audit(&mut self) -> PResult<ContextAttrAuditRequest> {
        let mut audit = ContextAttrAuditRequest::default();
        self.braced_list(|p| p.context_audit_property(&mut audit))?;
        Ok(audit)
    }

    /// Annex B `contextAuditProperties` and `contextAuditSelector`; the
    /// items of `ContextAttr { ... }` inside a ContextAudit go to the same
    /// request.
    fn context_audit_property(&mut self, audit: &mut ContextAttrAuditRequest) -> PResult<()> {
        let w = self.word();
        if self.at_slash() || w.tok.is_none() {
            let prop = self.ind_aud_property(&w)?;
            let list = audit.context_prop_aud.get_or_insert_with(Vec::new);
            return self.push_ind_aud_property(list, prop);
        }
        let selects = self.peek() == Some(b'=');
        match w.tok {
            Some(Tok::Topology) => audit.topology = true,
            Some(Tok::Emergency) => audit.emergency = true,
            Some(Tok::Priority) if selects => {
                self.equal()?;
                audit.select_priority = Some(self.uint16("priority")?);
            }
            Some(Tok::Priority) => audit.priority = true,
            Some(Tok::Ieps) if selects => {
                self.equal()?;
                audit.select_ieps = Some(self.on_off()?);
            }
            Some(Tok::Ieps) => audit.ieps = true,
            Some(Tok::EmergencyValue) => {
                self.equal()?;
                audit.select_emergency = Some(self.token_of(
                    &[(Tok::Emergency, true), (Tok::EmergencyOff, false)],
                    "`Emergency` or `EmergencyOff`",
                )?);
            }
            Some(Tok::AndLgc) => audit.select_logic = Some(SelectLogic::And),
            Some(Tok::OrLgc) => audit.select_logic = Some(SelectLogic::Or),
            Some(Tok::ContextAttr) => {
                self.braced_list(|p| p.context_audit_property(audit))?;
            }
            _ => {
                return Err(
                    self.error_at(w.start, DecodeErrorKind::Expected("context audit property"))
                )
            }
        }
        Ok(())
    }

    /// Annex B `actionReply = CtxToken EQUAL ContextID [LBRKT
    /// (errorDescriptor / commandReply / (commandReply COMMA
    /// errorDescriptor)) RBRKT]`.
    pub(super) fn action_reply(&mut self) -> PResult<ActionReply> {
        let w = self.word();
        if w.tok != Some(Tok::Context) {
            return Err(self.error_at(w.start, DecodeErrorKind::Expected("`Context`")));
        }
        self.equal()?;
        let context_id = self.context_id()?;
        let mut reply = ActionReply {
            context_id,
            error: None,
            context_reply: None,
            commands: Vec::new(),
        };
        if self.peek() == Some(b'{') {
            self.braced_list(|p| p.action_reply_item(&mut reply))?;
        }
        Ok(reply)
    }

    fn action_reply_item(&mut self, reply: &mut ActionReply) -> PResult<()> {
        let w = self.word();
        if w.tok == Some(Tok::Error) {
            if reply.error.is_some() {
                return Err(self.error_at(
                    w.start,
                    DecodeErrorKind::InvalidValue("second error descriptor"),
                ));
            }
            reply.error = Some(self.error_descriptor_body()?);
            return Ok(());
        }
        if self.context_property_into(&w, &mut reply.context_reply)? {
            return Ok(());
        }
        match self.command_reply(&w)? {
            Some(command) => {
                reply.commands.push_item(command);
                Ok(())
            }
            None => Err(self.error_at(w.start, DecodeErrorKind::Expected("command reply"))),
        }
    }

    /// Annex B `errorDescriptor` after its `ErrorToken`: `EQUAL ErrorCode
    /// LBRKT [quotedString] RBRKT` (clause 7.1.19).
    pub(super) fn error_descriptor_body(&mut self) -> PResult<ErrorDescriptor> {
        self.equal()?;
        self.skip_lwsp();
        let start = self.pos;
        let code = self.uint(9999, "error code")?;
        if self.pos - start > 4 {
            return Err(self.error_at(start, DecodeErrorKind::InvalidValue("error code")));
        }
        self.open()?;
        let text = if self.peek() == Some(b'}') {
            None
        } else {
            Some(self.value()?)
        };
        self.close()?;
        Ok(ErrorDescriptor {
            code: code as u16,
            text,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::model::*;
    use crate::text::decode::decode;
    use crate::text::DecodeErrorKind;

    fn first_action(body: &str) -> ActionRequest {
        let m = decode(format!("!/3 [1.2.3.4] T=1{{{body}}}").as_bytes()).unwrap();
        let MessageBody::Transactions(mut ts) = m.message.body else {
            panic!()
        };
        let Transaction::Request(mut r) = ts.remove(0) else {
            panic!()
        };
        r.actions.remove(0)
    }

    #[test]
    fn context_properties() {
        let a = first_action(
            "C=1{PR=3,EG,IEPS=ON,TP{a,b,OWB,ST=2,c,d,isolate},CT{x/y=1},O-W-N=a{OE=1{p/e}}}",
        );
        let cr = a.context_request.unwrap();
        assert_eq!(cr.priority, Some(3));
        assert_eq!(cr.emergency, Some(true));
        assert_eq!(cr.ieps, Some(true));
        let t = cr.topology.unwrap();
        assert_eq!(t[0].direction, TopologyDirection::OnewayBoth);
        assert_eq!(t[0].stream_id, Some(2));
        assert_eq!(t[1].direction, TopologyDirection::Isolate);
        assert_eq!(cr.context_props.unwrap()[0].name, "x/y");
        assert!(a.commands[0].optional && a.commands[0].wildcard_return);
        let a = first_action("C=2{EmergencyOff,ContextAttr{ContextList={1,*}}}");
        let cr = a.context_request.unwrap();
        assert_eq!(cr.emergency, Some(false));
        assert_eq!(cr.context_list.unwrap(), vec![ContextId(1), ContextId::ALL]);
    }

    #[test]
    fn context_audit_with_selectors() {
        let a = first_action(
            "C=1{CA{TP,EG,PR,IEPSCall,a/b,PR=10,EGV=EGO,IEPS=OFF,ORLgc,CT{c/d=2,e/f}}}",
        );
        let ca = a.context_attr_audit.unwrap();
        assert!(ca.topology && ca.emergency && ca.priority && ca.ieps);
        assert_eq!(ca.select_priority, Some(10));
        assert_eq!(ca.select_emergency, Some(false));
        assert_eq!(ca.select_ieps, Some(false));
        assert_eq!(ca.select_logic, Some(SelectLogic::Or));
        let props = ca.context_prop_aud.unwrap();
        assert_eq!(props.len(), 3);
        assert_eq!(props[1].parm, Some(PropertyParm::equal("c/d", "2")));
        assert_eq!(props[2].parm, None);
    }

    #[test]
    fn bad_action_items_are_located() {
        let e = decode(b"!/3 [1.2.3.4] T=1{C=1{Bogus=1}}").unwrap_err();
        assert_eq!(
            (e.kind, e.column),
            (DecodeErrorKind::Expected("command"), 23)
        );
        let e = decode(b"!/3 [1.2.3.4] T=1{C=x{}}").unwrap_err();
        assert_eq!(
            (e.kind, e.column),
            (DecodeErrorKind::Expected("context ID"), 21)
        );
        let e = decode(b"!/3 [1.2.3.4] T=1{C=0{}}").unwrap_err();
        assert!(matches!(e.kind, DecodeErrorKind::InvalidValue(_)));
    }
}
