//! Shared by the transport tests (`transport_*.rs`, `sctp.rs`): endpoints
//! with short timers, an MG that answers every request and counts how often
//! each transaction executed, and an MGC load that checks every reply
//! answers the request it was sent for.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use h248_stack::model::{
    small_list, ActionReply, ActionRequest, AmmRequest, AmmsReply, Command, CommandReply,
    CommandRequest, ContextId, MId, TerminationId, TransactionResult,
};
use h248_stack::text::Style;
use h248_stack::transaction::codec::TextCodec;
use h248_stack::transaction::{EngineConfig, Role};
use h248_stack::transport::{BerCodec, Endpoint, IncomingRequests, Transport};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enc {
    Pretty,
    Compact,
    Ber,
}

/// Engine timers short enough for tests to run in seconds, with room for
/// the lossy relay: 20 ms first retransmission, up to 20 retransmissions
/// within T-MAX 6 s, LONG-TIMER 8 s.
pub fn test_config(role: Role) -> EngineConfig {
    let name = match role {
        Role::Mg => "mg.example.net",
        Role::Mgc => "mgc.example.net",
    };
    let mut c = EngineConfig::new(
        role,
        MId::Domain {
            name: name.into(),
            port: None,
        },
    );
    c.initial_retransmission_timer = Duration::from_millis(20);
    c.max_retransmission_timer = Duration::from_millis(160);
    c.max_retransmissions = 20;
    c.request_lifetime = Duration::from_secs(6);
    c.long_timer = Duration::from_secs(8);
    c.normal_execution_time = Duration::from_millis(20);
    c.provisional_response_timer = Duration::from_millis(200);
    c.ack_delay = Duration::from_millis(5);
    c
}

pub fn spawn<T: Transport<Peer = SocketAddr>>(
    role: Role,
    enc: Enc,
    transport: T,
) -> (Endpoint<SocketAddr>, IncomingRequests<SocketAddr>) {
    spawn_with(test_config(role), enc, transport)
}

pub fn spawn_with<T: Transport<Peer = SocketAddr>>(
    config: EngineConfig,
    enc: Enc,
    transport: T,
) -> (Endpoint<SocketAddr>, IncomingRequests<SocketAddr>) {
    match enc {
        Enc::Pretty => Endpoint::spawn(config, TextCodec::new(Style::Pretty), transport),
        Enc::Compact => Endpoint::spawn(config, TextCodec::new(Style::Compact), transport),
        Enc::Ber => Endpoint::spawn(config, BerCodec::new(), transport),
    }
    .expect("valid test configuration")
}

/// A termination ID both encodings carry (BER: three 8-bit levels).
pub fn termination(k: u32) -> String {
    format!(
        "{:08b}/{:08b}/{:08b}",
        (k >> 16) & 0xff,
        (k >> 8) & 0xff,
        k & 0xff
    )
}

/// One Modify of termination `k` in context `k`.
pub fn actions(k: u32) -> Vec<ActionRequest> {
    vec![ActionRequest {
        context_id: ContextId(k),
        context_request: None,
        context_attr_audit: None,
        commands: vec![CommandRequest::new(Command::Modify(AmmRequest {
            termination_ids: small_list![TerminationId::new(termination(k))],
            descriptors: vec![],
        }))],
    }]
}

/// The reply the MG computes: echoes each action's context and
/// termination, so the MGC can tell which request a reply answers.
pub fn answer(actions: &[ActionRequest]) -> TransactionResult {
    TransactionResult::ActionReplies(
        actions
            .iter()
            .map(|a| ActionReply {
                context_id: a.context_id,
                error: None,
                context_reply: None,
                commands: a
                    .commands
                    .iter()
                    .map(|c| match &c.command {
                        Command::Modify(m) => CommandReply::Modify(AmmsReply {
                            termination_ids: m.termination_ids.clone(),
                            audit: Default::default(),
                        }),
                        _ => CommandReply::Modify(AmmsReply {
                            termination_ids: small_list![],
                            audit: Default::default(),
                        }),
                    })
                    .collect(),
            })
            .collect(),
    )
}

/// Executions per (peer, transaction ID) at the MG.
pub type Executions = Arc<Mutex<HashMap<(SocketAddr, u32), u32>>>;

/// Runs an MG application: answers every request with [`answer`] and
/// counts executions.
pub fn serve_mg(mut incoming: IncomingRequests<SocketAddr>) -> Executions {
    let executions: Executions = Arc::default();
    let counts = Arc::clone(&executions);
    tokio::spawn(async move {
        while let Some(request) = incoming.recv().await {
            *counts
                .lock()
                .unwrap()
                .entry((request.peer, request.transaction_id))
                .or_insert(0) += 1;
            let result = answer(&request.actions);
            request.reply(result).await.expect("reply accepted");
        }
    });
    executions
}

/// Sends `n` requests (contexts `first..first + n`), all at once, from
/// `mgc` to `mg`; checks that each one's reply is the answer to it.
pub async fn load(mgc: &Endpoint<SocketAddr>, mg: SocketAddr, version: u8, first: u32, n: u32) {
    let tasks: Vec<_> = (first..first + n)
        .map(|k| {
            let reply = mgc.send_request(mg, version, actions(k));
            tokio::spawn(async move { (k, reply.await) })
        })
        .collect();
    for task in tasks {
        let (k, result) = task.await.unwrap();
        let result = result.unwrap_or_else(|e| panic!("request {k}: {e}"));
        assert_eq!(result, answer(&actions(k)), "reply to request {k}");
    }
}

/// Every transaction executed exactly once, `n` in all.
pub fn assert_once(executions: &Executions, n: usize) {
    let executions = executions.lock().unwrap();
    let twice: Vec<_> = executions.iter().filter(|(_, &c)| c != 1).collect();
    assert!(twice.is_empty(), "executed more than once: {twice:?}");
    assert_eq!(executions.len(), n, "transactions executed");
}
