//! Message, header, transactions, actions, commands and replies (Annex B
//! `megacoMessage` .. `serviceChangeReplyDescriptor`).

use std::io::Write as _;

use super::lexical::{empty, invalid};
use super::tokens::SHORT;
use super::{Encoded, Items, Writer};
use crate::model::*;
use crate::text::EncodeError;

/// Upper-case hexadecimal digits (`HEXDIG`).
const HEX: &[u8; 16] = b"0123456789ABCDEF";

impl Writer<'_> {
    /// `megacoMessage = LWSP [authenticationHeader SEP] message`.
    pub(super) fn megaco_message(&mut self, message: &MegacoMessage) -> Encoded {
        if let Some(auth) = &message.auth_header {
            self.authentication_header(auth)?;
        }
        let message = &message.message;
        self.version = message.version;
        // Message = MegacopToken SLASH Version SEP mId SEP messageBody
        self.put(self.tokens.megacop);
        self.out.push(b'/');
        self.two_digits(message.version, "protocol version")?;
        self.out.push(b' ');
        self.mid(&message.mid)?;
        self.out.push(b'\n');
        match &message.body {
            MessageBody::Error(error) => self.error_descriptor(error)?,
            MessageBody::Transactions(transactions) => {
                if transactions.is_empty() {
                    return Err(empty("transaction list (empty)"));
                }
                for (index, transaction) in transactions.iter().enumerate() {
                    if index > 0 {
                        self.out.push(b'\n');
                    }
                    if let Some(starts) = self.transaction_starts.as_deref_mut() {
                        starts.push(self.out.len());
                    }
                    self.transaction(transaction)?;
                }
            }
        }
        // No line break after the last transaction: `segmentReply` ends
        // without LWSP, so nothing may follow it.
        Ok(())
    }

    /// `authenticationHeader = AuthToken EQUAL SecurityParmIndex COLON
    /// SequenceNum COLON AuthData`, followed by its `SEP`.
    fn authentication_header(&mut self, auth: &AuthenticationHeader) -> Encoded {
        // AuthData = "0x" 24*64(HEXDIG)
        if !(12..=32).contains(&auth.auth_data.len()) {
            return Err(EncodeError::InvalidText {
                what: "authentication data (12 to 32 octets)",
                value: format!("{} octets", auth.auth_data.len()),
            });
        }
        self.put(self.tokens_equal.auth);
        self.hex_u32(auth.security_parm_index);
        self.out.push(b':');
        self.hex_u32(auth.sequence_number);
        self.put(b":0x");
        self.hex_octets(&auth.auth_data);
        self.out.push(b'\n');
        Ok(())
    }

    /// `"0x" 8(HEXDIG)`.
    fn hex_u32(&mut self, n: u32) {
        self.put(b"0x");
        self.hex_octets(&n.to_be_bytes());
    }

    /// Two upper-case hex digits per octet.
    fn hex_octets(&mut self, octets: &[u8]) {
        for &octet in octets {
            self.out.push(HEX[usize::from(octet >> 4)]);
            self.out.push(HEX[usize::from(octet & 0xF)]);
        }
    }

    /// `mId = ((domainAddress / domainName) [":" portNumber]) / mtpAddress / deviceName`.
    pub(super) fn mid(&mut self, mid: &MId) -> Encoded {
        let port = match mid {
            MId::Ip4 { address, port } => {
                self.out.push(b'[');
                for (index, octet) in address.octets().into_iter().enumerate() {
                    if index > 0 {
                        self.out.push(b'.');
                    }
                    self.uint(octet);
                }
                self.out.push(b']');
                port
            }
            MId::Ip6 { address, port } => {
                self.out.push(b'[');
                write!(self.out, "{address}").expect("writing to a Vec cannot fail");
                self.out.push(b']');
                port
            }
            MId::Domain { name, port } => {
                self.domain_name(name)?;
                port
            }
            MId::Device(name) => return self.path_name(name, "device name"),
            MId::Mtp(octets) => {
                // mtpAddress = MTPToken LBRKT 4*8(HEXDIG) RBRKT
                if !(2..=4).contains(&octets.len()) {
                    return Err(EncodeError::InvalidText {
                        what: "MTP address (2 to 4 octets)",
                        value: format!("{} octets", octets.len()),
                    });
                }
                self.put(b"MTP{");
                self.hex_octets(octets);
                self.out.push(b'}');
                return Ok(());
            }
        };
        if let Some(port) = port {
            self.out.push(b':');
            self.uint(*port);
        }
        Ok(())
    }

    /// `errorDescriptor = ErrorToken EQUAL ErrorCode LBRKT [quotedString] RBRKT`.
    pub(super) fn error_descriptor(&mut self, error: &ErrorDescriptor) -> Encoded {
        // ErrorCode = 1*4(DIGIT)
        if error.code > 9999 {
            return Err(invalid("error code", &error.code.to_string()));
        }
        self.put(self.tokens_equal.error);
        self.uint(error.code);
        match &error.text {
            Some(text) => {
                self.put(if self.pretty { b" { " } else { b"{" });
                self.quoted(text, "error text")?;
                self.put(if self.pretty { b" }" } else { b"}" });
            }
            None => self.put(self.punctuation.empty_braces),
        }
        Ok(())
    }

    /// `transactionList` items.
    fn transaction(&mut self, transaction: &Transaction) -> Encoded {
        match transaction {
            Transaction::Request(request) => {
                // transactionRequest = TransToken EQUAL TransactionID LBRKT
                //   actionRequest *(COMMA actionRequest) RBRKT
                self.put(self.tokens_equal.trans);
                self.uint(request.transaction_id);
                let mut items = self.open();
                for action in &request.actions {
                    self.next(&mut items);
                    self.action_request(action)?;
                }
                // The grammar wants an action; the decoder reads `{ }` as
                // none (as other implementations send it), so it is written
                // back that way rather than refused.
                self.close(items);
                Ok(())
            }
            Transaction::Pending(pending) => {
                // transactionPending = PendingToken EQUAL TransactionID LBRKT RBRKT
                self.put(self.tokens_equal.pending);
                self.uint(pending.transaction_id);
                self.put(self.punctuation.empty_braces);
                Ok(())
            }
            Transaction::Reply(reply) => self.transaction_reply(reply),
            Transaction::ResponseAck(acks) => {
                // transactionResponseAck = ResponseAckToken LBRKT transactionAck
                //   *(COMMA transactionAck) RBRKT
                self.put(self.tokens.response_ack);
                let mut items = self.open();
                for ack in acks {
                    self.next(&mut items);
                    self.uint(ack.first);
                    if let Some(last) = ack.last {
                        self.out.push(b'-');
                        self.uint(last);
                    }
                }
                self.close_nonempty(items, "transaction response ack (empty)")
            }
            Transaction::SegmentReply(segment) => {
                // segmentReply = MessageSegmentToken EQUAL TransactionID SLASH
                //   segmentNumber [SLASH SegmentationCompleteToken]
                self.put(self.tokens_equal.message_segment);
                self.uint(segment.transaction_id);
                self.out.push(b'/');
                self.uint(segment.segment_number);
                if segment.segmentation_complete {
                    self.out.push(b'/');
                    self.put(self.tokens.segmentation_complete);
                }
                Ok(())
            }
        }
    }

    /// `transactionReply = ReplyToken EQUAL TransactionID [SLASH segmentNumber
    /// [SLASH SegmentationCompleteToken]] LBRKT [ImmAckRequiredToken COMMA]
    /// (errorDescriptor / actionReplyList) RBRKT`.
    fn transaction_reply(&mut self, reply: &TransactionReply) -> Encoded {
        self.put(self.tokens_equal.reply);
        self.uint(reply.transaction_id);
        match reply.segment_number {
            Some(segment) => {
                self.out.push(b'/');
                self.uint(segment);
                if reply.segmentation_complete {
                    self.out.push(b'/');
                    self.put(self.tokens.segmentation_complete);
                }
            }
            None if reply.segmentation_complete => {
                return Err(empty("segmentation complete without a segment number"))
            }
            None => {}
        }
        let mut items = self.open();
        if reply.imm_ack_required {
            self.next(&mut items);
            self.put(self.tokens.imm_ack_required);
        }
        match &reply.result {
            TransactionResult::Error(error) => {
                self.next(&mut items);
                self.error_descriptor(error)?;
            }
            TransactionResult::ActionReplies(actions) => {
                // An empty reply (`Reply = 1 { }`, or `{ ImmAckRequired }`)
                // is read as no actions and written back the same way.
                for action in actions {
                    self.next(&mut items);
                    self.action_reply(action)?;
                }
            }
        }
        self.close(items);
        Ok(())
    }

    /// `ContextID = (UINT32 / "*" / "-" / "$")`.
    fn context_id(&mut self, id: ContextId) {
        match id {
            ContextId::NULL => self.out.push(b'-'),
            ContextId::CHOOSE => self.out.push(b'$'),
            ContextId::ALL => self.out.push(b'*'),
            ContextId(id) => self.uint(id),
        }
    }

    /// `actionRequest = CtxToken EQUAL ContextID LBRKT ((contextRequest
    /// [COMMA commandRequestList]) / commandRequestList) RBRKT`.
    fn action_request(&mut self, action: &ActionRequest) -> Encoded {
        self.put(self.tokens_equal.context);
        self.context_id(action.context_id);
        let mut items = self.open();
        if let Some(properties) = &action.context_request {
            self.context_properties(properties, &mut items)?;
        }
        if let Some(audit) = &action.context_attr_audit {
            self.next(&mut items);
            self.context_audit(audit)?;
        }
        // commandRequestList = ["O-"] ["W-"] commandRequest *(COMMA ["O-"] ["W-"] commandRequest)
        for request in &action.commands {
            self.next(&mut items);
            if request.optional {
                self.put(b"O-");
            }
            if request.wildcard_return {
                self.put(b"W-");
            }
            self.command_request(&request.command)?;
        }
        // An action with nothing in it is read as such and written back so.
        self.close(items);
        Ok(())
    }

    /// `actionReply = CtxToken EQUAL ContextID [LBRKT (errorDescriptor /
    /// commandReply / (commandReply COMMA errorDescriptor)) RBRKT]`.
    fn action_reply(&mut self, action: &ActionReply) -> Encoded {
        self.put(self.tokens_equal.context);
        self.context_id(action.context_id);
        if action.error.is_none() && action.context_reply.is_none() && action.commands.is_empty() {
            return Ok(());
        }
        let mut items = self.open();
        if let Some(properties) = &action.context_reply {
            self.context_properties(properties, &mut items)?;
        }
        for reply in &action.commands {
            self.next(&mut items);
            self.command_reply(reply)?;
        }
        if let Some(error) = &action.error {
            self.next(&mut items);
            self.error_descriptor(error)?;
        }
        self.close(items);
        Ok(())
    }

    /// `contextProperties = contextProperty *(COMMA contextProperty)`, with
    /// `contextProperty = (topologyDescriptor / priority / EmergencyOffToken /
    /// EmergencyToken / iepsValue / contextAttrDescriptor)`.
    fn context_properties(&mut self, properties: &ContextRequest, items: &mut Items) -> Encoded {
        if properties.is_empty() {
            return Err(empty("context request (no property)"));
        }
        if let Some(priority) = properties.priority {
            self.next(items);
            self.put(self.tokens_equal.priority);
            self.uint(priority);
        }
        if let Some(emergency) = properties.emergency {
            self.next(items);
            self.put(if emergency {
                self.tokens.emergency
            } else if self.version < 3 {
                // Versions 1 and 2 predate the long spelling `EmergencyOff`;
                // parsers of those versions (megaco's among them) take only
                // the short token.
                SHORT.emergency_off
            } else {
                self.tokens.emergency_off
            });
        }
        if let Some(topology) = &properties.topology {
            self.next(items);
            self.topology(topology)?;
        }
        if let Some(ieps) = properties.ieps {
            self.next(items);
            self.put(self.tokens_equal.ieps);
            self.on_off(ieps);
        }
        if let Some(props) = &properties.context_props {
            // contextAttrDescriptor = ContextAttrToken LBRKT propertyParm *(COMMA propertyParm) RBRKT
            self.next(items);
            self.put(self.tokens.context_attr);
            let mut attrs = self.open();
            for prop in props {
                self.next(&mut attrs);
                self.property_parm(prop)?;
            }
            self.close_nonempty(attrs, "context attributes (empty)")?;
        }
        if let Some(list) = &properties.context_list {
            // contextAttrDescriptor = ContextAttrToken LBRKT contextIdList RBRKT
            // contextIdList = ContextListToken EQUAL LBRKT ContextID *(COMMA ContextID) RBRKT
            self.next(items);
            self.put(self.tokens.context_attr);
            let mut attrs = self.open();
            self.next(&mut attrs);
            self.put(self.tokens_equal.context_list);
            let mut ids = self.open();
            for &id in list {
                self.next(&mut ids);
                self.context_id(id);
            }
            self.close_nonempty(ids, "context list (empty)")?;
            self.close(attrs);
        }
        Ok(())
    }

    /// `topologyDescriptor = TopologyToken LBRKT topologyTriple *(COMMA topologyTriple) RBRKT`,
    /// `topologyTriple = terminationA COMMA terminationB COMMA topologyDirection [COMMA eventStream]`.
    fn topology(&mut self, triples: &[TopologyRequest]) -> Encoded {
        self.put(self.tokens.topology);
        let mut items = self.open();
        for triple in triples {
            self.next(&mut items);
            self.termination_id(&triple.from)?;
            self.next(&mut items);
            self.termination_id(&triple.to)?;
            self.next(&mut items);
            let t = self.tokens;
            self.put(match triple.direction {
                TopologyDirection::Bothway => t.bothway,
                TopologyDirection::Isolate => t.isolate,
                TopologyDirection::Oneway => t.oneway,
                TopologyDirection::OnewayExternal => t.oneway_external,
                TopologyDirection::OnewayBoth => t.oneway_both,
            });
            if let Some(stream) = triple.stream_id {
                self.next(&mut items);
                self.stream_id(stream);
            }
        }
        self.close_nonempty(items, "topology (empty)")
    }

    /// `contextAudit = ContextAuditToken LBRKT (contextAuditProperties
    /// *(COMMA contextAuditProperties)) / indAudcontextAttrDescriptor RBRKT`.
    ///
    /// Audited attributes by name are written bare (`pkgdName`); attributes
    /// with a value are selection conditions, written in place in a
    /// `ContextAttr { ... }` (`contextAuditSelector`) so their order is kept.
    fn context_audit(&mut self, audit: &ContextAttrAuditRequest) -> Encoded {
        let t = self.tokens;
        self.put(t.context_audit);
        let mut items = self.open();
        for (wanted, token) in [
            (audit.topology, t.topology),
            (audit.emergency, t.emergency),
            (audit.priority, t.priority),
            (audit.ieps, t.ieps),
        ] {
            if wanted {
                self.next(&mut items);
                self.put(token);
            }
        }
        if let Some(props) = &audit.context_prop_aud {
            let mut rest = props.as_slice();
            while let Some(prop) = rest.first() {
                self.next(&mut items);
                if prop.parm.is_none() {
                    self.pkgd_name(&prop.name, "context attribute name")?;
                    rest = &rest[1..];
                    continue;
                }
                let run = rest.iter().take_while(|p| p.parm.is_some()).count();
                self.put(t.context_attr);
                let mut attrs = self.open();
                for prop in &rest[..run] {
                    self.next(&mut attrs);
                    self.ind_aud_property_parm(prop)?;
                }
                self.close(attrs);
                rest = &rest[run..];
            }
        }
        if let Some(priority) = audit.select_priority {
            self.next(&mut items);
            self.put(self.tokens_equal.priority);
            self.uint(priority);
        }
        if let Some(emergency) = audit.select_emergency {
            // emergencyValue = EmergencyValueToken EQUAL (EmergencyToken / EmergencyOffToken)
            self.next(&mut items);
            self.put(self.tokens_equal.emergency_value);
            self.put(if emergency {
                t.emergency
            } else {
                t.emergency_off
            });
        }
        if let Some(ieps) = audit.select_ieps {
            self.next(&mut items);
            self.put(self.tokens_equal.ieps);
            self.on_off(ieps);
        }
        if let Some(logic) = audit.select_logic {
            self.next(&mut items);
            self.put(match logic {
                SelectLogic::And => t.and_lgc,
                SelectLogic::Or => t.or_lgc,
            });
        }
        self.close_nonempty(items, "context audit (empty)")
    }

    /// `termIDList = (TerminationID / LSBRKT TerminationID 1*(COMMA TerminationID) RSBRKT)`.
    pub(super) fn term_id_list(&mut self, ids: &[TerminationId]) -> Encoded {
        match ids {
            [] => Err(empty("termination ID list (empty)")),
            [id] => self.termination_id(id),
            _ => {
                self.out.push(b'[');
                for (index, id) in ids.iter().enumerate() {
                    if index > 0 {
                        self.put(if self.pretty { b", " } else { b"," });
                    }
                    self.termination_id(id)?;
                }
                self.out.push(b']');
                Ok(())
            }
        }
    }

    /// `terminationIDList = LBRKT TerminationID *(COMMA TerminationID) RBRKT`.
    pub(super) fn termination_id_braces(&mut self, ids: &[TerminationId]) -> Encoded {
        let mut items = self.open();
        for id in ids {
            self.next(&mut items);
            self.termination_id(id)?;
        }
        self.close_nonempty(items, "termination ID list (empty)")
    }

    /// `commandRequest = (ammRequest / subtractRequest / auditRequest /
    /// notifyRequest / serviceChangeRequest)`.
    fn command_request(&mut self, command: &Command) -> Encoded {
        let t = self.tokens_equal;
        match command {
            Command::Add(amm) => self.amm_request(t.add, amm),
            Command::Move(amm) => self.amm_request(t.move_, amm),
            Command::Modify(amm) => self.amm_request(t.modify, amm),
            Command::Subtract(subtract) => {
                // subtractRequest = SubtractToken EQUAL termIDList [LBRKT auditDescriptor RBRKT]
                self.put(self.tokens_equal.subtract);
                self.term_id_list(&subtract.termination_ids)?;
                if let Some(audit) = &subtract.audit {
                    let mut items = self.open();
                    self.next(&mut items);
                    self.audit_descriptor(audit)?;
                    self.close(items);
                }
                Ok(())
            }
            Command::AuditCapabilities(audit) => self.audit_request(t.audit_cap, audit),
            Command::AuditValue(audit) => self.audit_request(t.audit_value, audit),
            Command::Notify(notify) => {
                // notifyRequest = NotifyToken EQUAL termIDList LBRKT
                //   (observedEventsDescriptor [COMMA errorDescriptor]) RBRKT
                self.put(self.tokens_equal.notify);
                self.term_id_list(&notify.termination_ids)?;
                let mut items = self.open();
                self.next(&mut items);
                self.observed_events(&notify.observed_events)?;
                if let Some(error) = &notify.error {
                    self.next(&mut items);
                    self.error_descriptor(error)?;
                }
                self.close(items);
                Ok(())
            }
            Command::ServiceChange(change) => {
                // serviceChangeRequest = ServiceChangeToken EQUAL termIDList LBRKT
                //   serviceChangeDescriptor RBRKT
                self.put(self.tokens_equal.service_change);
                self.term_id_list(&change.termination_ids)?;
                let mut items = self.open();
                self.next(&mut items);
                self.service_change_descriptor(&change.parms)?;
                self.close(items);
                Ok(())
            }
        }
    }

    /// `ammRequest = (AddToken / MoveToken / ModifyToken) EQUAL termIDList
    /// [LBRKT ammParameter *(COMMA ammParameter) RBRKT]`.
    fn amm_request(&mut self, token: &'static [u8], amm: &AmmRequest) -> Encoded {
        self.put(token);
        self.term_id_list(&amm.termination_ids)?;
        if amm.descriptors.is_empty() {
            return Ok(());
        }
        let mut items = self.open();
        for descriptor in &amm.descriptors {
            self.next(&mut items);
            match descriptor {
                AmmDescriptor::Media(media) => self.media_descriptor(media)?,
                AmmDescriptor::Modem(modem) => self.modem_descriptor(modem)?,
                AmmDescriptor::Mux(mux) => self.mux_descriptor(mux)?,
                AmmDescriptor::Events(events) => self.events_descriptor(events)?,
                AmmDescriptor::EventBuffer(buffer) => self.event_buffer_descriptor(buffer)?,
                AmmDescriptor::Signals(signals) => self.signals_descriptor(signals)?,
                AmmDescriptor::DigitMap(digit_map) => self.digit_map_descriptor(digit_map)?,
                AmmDescriptor::Audit(audit) => self.audit_descriptor(audit)?,
                AmmDescriptor::Statistics(stats) => self.statistics_descriptor(stats)?,
            }
        }
        self.close(items);
        Ok(())
    }

    /// `auditRequest = (AuditValueToken / AuditCapToken) EQUAL termIDList
    /// LBRKT auditDescriptor RBRKT`.
    fn audit_request(&mut self, token: &'static [u8], audit: &AuditRequest) -> Encoded {
        self.put(token);
        self.term_id_list(&audit.termination_ids)?;
        let mut items = self.open();
        self.next(&mut items);
        self.audit_descriptor(&audit.audit)?;
        self.close(items);
        Ok(())
    }

    /// `commandReplys = (serviceChangeReply / auditReply / ammsReply / notifyReply)`.
    fn command_reply(&mut self, reply: &CommandReply) -> Encoded {
        let t = self.tokens_equal;
        match reply {
            CommandReply::Add(amms) => self.amms_reply(t.add, amms),
            CommandReply::Move(amms) => self.amms_reply(t.move_, amms),
            CommandReply::Modify(amms) => self.amms_reply(t.modify, amms),
            CommandReply::Subtract(amms) => self.amms_reply(t.subtract, amms),
            CommandReply::AuditCapabilities(audit) => self.audit_reply(t.audit_cap, audit),
            CommandReply::AuditValue(audit) => self.audit_reply(t.audit_value, audit),
            CommandReply::Notify(notify) => {
                // notifyReply = NotifyToken EQUAL termIDList [LBRKT errorDescriptor RBRKT]
                self.put(self.tokens_equal.notify);
                self.term_id_list(&notify.termination_ids)?;
                if let Some(error) = &notify.error {
                    let mut items = self.open();
                    self.next(&mut items);
                    self.error_descriptor(error)?;
                    self.close(items);
                }
                Ok(())
            }
            CommandReply::ServiceChange(change) => {
                // serviceChangeReply = ServiceChangeToken EQUAL termIDList [LBRKT
                //   (errorDescriptor / serviceChangeReplyDescriptor) RBRKT]
                self.put(self.tokens_equal.service_change);
                self.term_id_list(&change.termination_ids)?;
                match &change.result {
                    ServiceChangeResult::Parms(parms)
                        if *parms == ServiceChangeResParm::default() => {}
                    result => {
                        let mut items = self.open();
                        self.next(&mut items);
                        match result {
                            ServiceChangeResult::Error(error) => self.error_descriptor(error)?,
                            ServiceChangeResult::Parms(parms) => {
                                self.service_change_reply_descriptor(parms)?
                            }
                        }
                        self.close(items);
                    }
                }
                Ok(())
            }
        }
    }

    /// `ammsReply = (AddToken / MoveToken / ModifyToken / SubtractToken)
    /// EQUAL termIDList [LBRKT terminationAudit RBRKT]`.
    fn amms_reply(&mut self, token: &'static [u8], reply: &AmmsReply) -> Encoded {
        self.put(token);
        self.term_id_list(&reply.termination_ids)?;
        self.termination_audit(&reply.audit)
    }

    /// `auditReply = (AuditValueToken / AuditCapToken) (contextTerminationAudit / auditOther)`.
    fn audit_reply(&mut self, token: &'static [u8], reply: &AuditReply) -> Encoded {
        self.put(token);
        match reply {
            // contextTerminationAudit = EQUAL CtxToken (terminationIDList / LBRKT errorDescriptor RBRKT)
            AuditReply::ContextAuditResult(ids) => {
                self.put(self.tokens.context);
                self.termination_id_braces(ids)
            }
            AuditReply::Error(error) => {
                self.put(self.tokens.context);
                let mut items = self.open();
                self.next(&mut items);
                self.error_descriptor(error)?;
                self.close(items);
                Ok(())
            }
            // auditOther = EQUAL termIDList [LBRKT terminationAudit RBRKT]
            AuditReply::Result {
                termination_ids,
                audit,
            } => {
                self.term_id_list(termination_ids)?;
                self.termination_audit(audit)
            }
        }
    }

    /// `[LBRKT terminationAudit RBRKT]`, nothing when there is no item.
    fn termination_audit(&mut self, audit: &TerminationAudit) -> Encoded {
        if audit.is_empty() {
            return Ok(());
        }
        let mut items = self.open();
        for parameter in audit {
            self.audit_return_parameter(parameter, &mut items)?;
        }
        self.close(items);
        Ok(())
    }

    /// `serviceChangeDescriptor = ServicesToken LBRKT serviceChangeParm
    /// *(COMMA serviceChangeParm) RBRKT`.
    fn service_change_descriptor(&mut self, parms: &ServiceChangeParm) -> Encoded {
        if parms.non_standard.is_some() {
            return Err(EncodeError::BinaryOnly("ServiceChange nonStandardData"));
        }
        let t = self.tokens;
        self.put(t.services);
        let mut items = self.open();
        // serviceChangeMethod = MethodToken EQUAL (FailoverToken / ForcedToken /
        //   GracefulToken / RestartToken / DisconnectedToken / HandOffToken / extensionParameter)
        self.next(&mut items);
        self.put(self.tokens_equal.method);
        match &parms.method {
            ServiceChangeMethod::Failover => self.put(t.failover),
            ServiceChangeMethod::Forced => self.put(t.forced),
            ServiceChangeMethod::Graceful => self.put(t.graceful),
            ServiceChangeMethod::Restart => self.put(t.restart),
            ServiceChangeMethod::Disconnected => self.put(t.disconnected),
            ServiceChangeMethod::HandOff => self.put(t.hand_off),
            ServiceChangeMethod::Extension(name) => self.extension(name, "ServiceChange method")?,
        }
        if let Some(address) = &parms.address {
            self.next(&mut items);
            self.service_change_address(address)?;
        }
        if let Some(version) = parms.version {
            self.next(&mut items);
            self.service_change_version(version)?;
        }
        if let Some(profile) = &parms.profile {
            self.next(&mut items);
            self.service_change_profile(profile)?;
        }
        // serviceChangeReason = ReasonToken EQUAL VALUE, always a quotedString
        self.next(&mut items);
        self.put(self.tokens_equal.reason);
        self.quoted(&parms.reason, "ServiceChange reason")?;
        if let Some(delay) = parms.delay {
            self.next(&mut items);
            self.put(self.tokens_equal.delay);
            self.uint(delay);
        }
        if let Some(mgc_id) = &parms.mgc_id {
            self.next(&mut items);
            self.put(self.tokens_equal.mgc_id);
            self.mid(mgc_id)?;
        }
        if let Some(stamp) = &parms.timestamp {
            self.next(&mut items);
            self.time_stamp(stamp)?;
        }
        for extension in &parms.extensions {
            // extension = extensionParameter parmValue
            self.next(&mut items);
            self.extension(&extension.name, "ServiceChange extension")?;
            self.parm_value(&extension.value)?;
        }
        if let Some(info) = &parms.info {
            if *info == AuditDescriptor::default() {
                return Err(empty("ServiceChange audit items (empty)"));
            }
            self.audit_items(info, &mut items)?;
        }
        if parms.incomplete {
            self.next(&mut items);
            self.put(t.service_change_inc);
        }
        self.close(items);
        Ok(())
    }

    /// `serviceChangeReplyDescriptor = ServicesToken LBRKT servChgReplyParm
    /// *(COMMA servChgReplyParm) RBRKT`.
    fn service_change_reply_descriptor(&mut self, parms: &ServiceChangeResParm) -> Encoded {
        self.put(self.tokens.services);
        let mut items = self.open();
        if let Some(address) = &parms.address {
            self.next(&mut items);
            self.service_change_address(address)?;
        }
        if let Some(mgc_id) = &parms.mgc_id {
            self.next(&mut items);
            self.put(self.tokens_equal.mgc_id);
            self.mid(mgc_id)?;
        }
        if let Some(profile) = &parms.profile {
            self.next(&mut items);
            self.service_change_profile(profile)?;
        }
        if let Some(version) = parms.version {
            self.next(&mut items);
            self.service_change_version(version)?;
        }
        if let Some(stamp) = &parms.timestamp {
            self.next(&mut items);
            self.time_stamp(stamp)?;
        }
        self.close_nonempty(items, "ServiceChange reply parameters (empty)")
    }

    /// `serviceChangeAddress = ServiceChangeAddressToken EQUAL (mId / portNumber)`.
    fn service_change_address(&mut self, address: &ServiceChangeAddress) -> Encoded {
        self.put(self.tokens_equal.service_change_address);
        match address {
            ServiceChangeAddress::Port(port) => {
                self.uint(*port);
                Ok(())
            }
            ServiceChangeAddress::Address(mid) => self.mid(mid),
        }
    }

    /// `serviceChangeVersion = VersionToken EQUAL Version`.
    fn service_change_version(&mut self, version: u8) -> Encoded {
        self.put(self.tokens_equal.version);
        self.two_digits(version, "ServiceChange version")
    }

    /// `serviceChangeProfile = ProfileToken EQUAL NAME SLASH Version`.
    fn service_change_profile(&mut self, profile: &ServiceChangeProfile) -> Encoded {
        self.put(self.tokens_equal.profile);
        self.name(&profile.name, "profile name")?;
        self.out.push(b'/');
        self.two_digits(profile.version, "profile version")
    }
}
