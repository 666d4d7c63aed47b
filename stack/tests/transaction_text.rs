//! The transaction engine over the text codec: an MGC and an MG exchanging
//! real Annex B bytes through `CodecEngine`, with loss, including v3 reply
//! segmentation sized by the encoder.

use std::time::{Duration, Instant};

use h248_stack::model::{
    small_list, ActionReply, ActionRequest, AmmRequest, AmmsReply, Command, CommandReply,
    CommandRequest, ContextId, MId, MegacoMessage, Message, MessageBody, TerminationId,
    Transaction, TransactionPending, TransactionResult,
};
use h248_stack::text::{self, Style};
use h248_stack::transaction::codec::{CodecEngine, TextCodec};
use h248_stack::transaction::{Engine, EngineConfig, Event, Role, Segmentation};

fn encoder_available() -> bool {
    let probe = MegacoMessage {
        auth_header: None,
        message: Message {
            version: 3,
            mid: MId::Device("probe".into()),
            body: MessageBody::Transactions(vec![Transaction::Pending(TransactionPending {
                transaction_id: 1,
            })]),
        },
    };
    text::encode_to_vec(&probe, Style::Compact).is_ok()
}

fn modify(name: &str) -> CommandRequest {
    CommandRequest::new(Command::Modify(AmmRequest {
        termination_ids: small_list![TerminationId::new(name)],
        descriptors: vec![],
    }))
}

fn actions(n: u32) -> Vec<ActionRequest> {
    (1..=n)
        .map(|i| ActionRequest {
            context_id: ContextId(i),
            context_request: None,
            context_attr_audit: None,
            commands: vec![modify(&format!("A{i}"))],
        })
        .collect()
}

fn answer(actions: &[ActionRequest]) -> TransactionResult {
    TransactionResult::ActionReplies(
        actions
            .iter()
            .map(|a| ActionReply {
                context_id: a.context_id,
                error: None,
                context_reply: None,
                commands: vec![CommandReply::Modify(AmmsReply {
                    termination_ids: match &a.commands[0].command {
                        Command::Modify(m) => m.termination_ids.clone(),
                        _ => small_list![],
                    },
                    audit: Default::default(),
                })],
            })
            .collect(),
    )
}

#[test]
fn text_exchange_with_loss_and_segmentation() {
    if !encoder_available() {
        eprintln!("text encoder not available yet: skipped");
        return;
    }
    let mid = |n: &str| MId::Domain {
        name: n.into(),
        port: Some(2944),
    };
    let mut mg_config = EngineConfig::new(Role::Mg, mid("mg.example.net"));
    mg_config.segmentation = Segmentation::MaxMessageSize(300);
    let codec = TextCodec::new(Style::Compact);
    let mut mgc = CodecEngine::new(
        Engine::new(EngineConfig::new(Role::Mgc, mid("mgc.example.net"))),
        codec,
    );
    let mut mg = CodecEngine::new(Engine::new(mg_config), TextCodec::new(Style::Pretty));
    let t0 = Instant::now();
    let mut now = t0;
    let mut sent = Vec::new();
    for i in 0..20u32 {
        let acts = actions(1 + i % 8);
        let id = mgc.engine.send_request(now, (), 3, acts.clone()).unwrap();
        sent.push((id, acts));
    }
    let mut replies = Vec::new();
    // Every fifth datagram to the MG and every seventh to the MGC is lost.
    let (mut to_mg, mut to_mgc) = (0u32, 0u32);
    for _ in 0..100_000 {
        let mut moved = false;
        while let Some(d) = mgc.poll_transmit() {
            moved = true;
            to_mg = (to_mg + 1) % 5;
            if to_mg != 0 {
                mg.handle_datagram(now, (), &d.bytes);
            }
        }
        while let Some(e) = mg.poll_event() {
            if let Event::RequestReceived {
                transaction_id,
                actions,
                ..
            } = e
            {
                mg.engine
                    .send_reply(now, (), transaction_id, answer(&actions))
                    .unwrap();
            }
        }
        while let Some(d) = mg.poll_transmit() {
            moved = true;
            assert!(d.bytes.len() <= 300 || !d.bytes.windows(3).any(|w| w == b"END"));
            to_mgc = (to_mgc + 1) % 7;
            if to_mgc != 0 {
                mgc.handle_datagram(now, (), &d.bytes);
            }
        }
        while let Some(e) = mgc.poll_event() {
            replies.push(e);
        }
        if !moved {
            let next = [mgc.poll_timeout(), mg.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            let Some(next) = next else { break };
            now = next.max(now);
            mgc.handle_timeout(now);
            mg.handle_timeout(now);
        }
    }
    assert!(now - t0 < Duration::from_secs(120));
    assert_eq!(replies.len(), sent.len());
    for (id, acts) in &sent {
        let got = replies.iter().find_map(|e| match e {
            Event::ReplyReceived {
                transaction_id,
                result,
                ..
            } if transaction_id == id => Some(result),
            _ => None,
        });
        assert_eq!(got, Some(&answer(acts)), "reply to {id}");
    }
    assert!(
        mg.engine.counters().segments_sent > 0,
        "large replies were segmented"
    );
    assert_eq!(mgc.engine.counters().undecodable_messages, 0);
    assert_eq!(mg.engine.counters().undecodable_messages, 0);
    assert_eq!(mgc.engine.state_entries() + mg.engine.state_entries(), 0);
}
