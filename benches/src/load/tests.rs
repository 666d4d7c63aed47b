//! The load driver against a scripted MG: every datagram it sends is decoded
//! with the stack's codec and answered with a reply built here.

use super::*;
use h248_stack::model::{small_list, ErrorDescriptor, TransactionPending};

fn config(encoding: Encoding) -> LoadConfig {
    LoadConfig {
        encoding,
        version: None,
        mid: MId::Ip4 {
            address: [127, 0, 0, 1].into(),
            port: Some(2944),
        },
        subtract_audit: false,
        timeout: Duration::from_millis(2000),
    }
}

/// A termination ID the encoding can carry: text IDs are free-form, BER
/// ones are bit strings in the default three-octet layout (Annex A.1).
fn term(encoding: Encoding, n: u8) -> String {
    match encoding {
        Encoding::Ber => format!("00000000/00000001/{n:08b}"),
        Encoding::Pretty | Encoding::Compact => format!("rtp/{n}"),
    }
}

fn mg_mid() -> MId {
    MId::Ip4 {
        address: [127, 0, 0, 1].into(),
        port: Some(2946),
    }
}

/// The one request of a datagram the driver sent.
fn request_of(datagram: &[u8]) -> (u8, TransactionRequest) {
    let (message, _) = wire::decode_any(datagram).expect("the driver's message decodes");
    let version = message.message.version;
    let MessageBody::Transactions(mut transactions) = message.message.body else {
        panic!("a request message");
    };
    assert_eq!(transactions.len(), 1);
    match transactions.pop() {
        Some(Transaction::Request(r)) => (version, r),
        other => panic!("expected a request, got {other:?}"),
    }
}

fn sent_request(driver: &mut Driver) -> (u8, TransactionRequest) {
    let datagram = driver.poll_transmit().expect("the driver sent a request");
    request_of(&datagram)
}

/// What the MG answers to `request`: the context it names (or `context`
/// for `$`), and for each command a reply of its kind on `termination`.
fn reply_bytes(
    request: &TransactionRequest,
    context: u32,
    termination: &str,
    error: Option<u16>,
    imm_ack: bool,
    encoding: Encoding,
) -> Vec<u8> {
    let action = &request.actions[0];
    let context_id = if action.context_id == ContextId::CHOOSE {
        ContextId(context)
    } else {
        action.context_id
    };
    let ids = small_list![TerminationId::from(termination)];
    let command = match &action.commands[0].command {
        Command::Add(_) => CommandReply::Add(AmmsReply {
            termination_ids: ids,
            audit: Vec::new(),
        }),
        Command::Modify(_) => CommandReply::Modify(AmmsReply {
            termination_ids: ids,
            audit: error
                .map(|code| {
                    vec![AuditReturnParameter::Error(ErrorDescriptor::new(
                        code, None,
                    ))]
                })
                .unwrap_or_default(),
        }),
        Command::Subtract(_) => CommandReply::Subtract(AmmsReply {
            termination_ids: ids,
            audit: Vec::new(),
        }),
        other => panic!("the driver sent {other:?}"),
    };
    let message = MegacoMessage {
        auth_header: None,
        message: Message {
            version: 3,
            mid: mg_mid(),
            body: MessageBody::Transactions(vec![Transaction::Reply(TransactionReply {
                transaction_id: request.transaction_id,
                imm_ack_required: imm_ack,
                result: TransactionResult::ActionReplies(vec![ActionReply {
                    context_id,
                    error: None,
                    context_reply: None,
                    commands: vec![command],
                }]),
                segment_number: None,
                segmentation_complete: false,
            })]),
        },
    };
    wire::encode(&message, encoding).unwrap()
}

fn command_of(request: &TransactionRequest) -> (&Command, ContextId) {
    (
        &request.actions[0].commands[0].command,
        request.actions[0].context_id,
    )
}

fn termination_of(command: &Command) -> &str {
    match command {
        Command::Add(r) | Command::Modify(r) => r.termination_ids[0].as_str(),
        Command::Subtract(r) => r.termination_ids[0].as_str(),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_cycle_is_add_modify_subtract_on_the_context_the_mg_chose() {
    for encoding in [Encoding::Pretty, Encoding::Compact, Encoding::Ber] {
        let mut driver = Driver::new(config(encoding));
        let t0 = Instant::now();
        driver.start_level(t0, 1);
        driver.begin_measure();

        let (version, add) = sent_request(&mut driver);
        assert_eq!(version, 1, "no registration: version 1, as mgc_load");
        let (command, context) = command_of(&add);
        assert!(matches!(command, Command::Add(_)));
        assert_eq!(context, ContextId::CHOOSE);
        assert_eq!(termination_of(command), "$");
        let t9 = term(encoding, 9);
        let reply = reply_bytes(&add, 77, &t9, None, false, encoding);
        driver.handle_datagram(t0 + Duration::from_micros(100), &reply);

        let (_, modify) = sent_request(&mut driver);
        let (command, context) = command_of(&modify);
        assert!(matches!(command, Command::Modify(_)), "{encoding:?}");
        assert_eq!(context, ContextId(77));
        assert_eq!(termination_of(command), t9);
        let t1 = t0 + Duration::from_micros(100);
        let reply = reply_bytes(&modify, 0, &t9, None, false, encoding);
        driver.handle_datagram(t1 + Duration::from_micros(250), &reply);

        let (_, subtract) = sent_request(&mut driver);
        let (command, context) = command_of(&subtract);
        assert!(matches!(command, Command::Subtract(_)));
        assert_eq!(context, ContextId(77));
        assert_eq!(termination_of(command), t9);
        let reply = reply_bytes(&subtract, 0, &t9, None, false, encoding);
        driver.handle_datagram(t1 + Duration::from_micros(250), &reply);

        // The cycle starts again with an Add.
        let (_, again) = sent_request(&mut driver);
        assert!(matches!(command_of(&again).0, Command::Add(_)));
        assert!(again.transaction_id > subtract.transaction_id);

        let stats = driver.begin_drain();
        assert_eq!(stats.transactions, 3);
        assert_eq!(stats.cycles, 1);
        assert_eq!(stats.errors + stats.timeouts + stats.late, 0);
        assert_eq!(stats.latencies_by_kind_us[0], vec![100]);
        assert_eq!(stats.latencies_by_kind_us[1], vec![250]);
        assert_eq!(stats.latencies_by_kind_us[2], vec![0]);
    }
}

#[test]
fn the_mg_registration_is_answered_and_sets_the_version() {
    let mut driver = Driver::new(config(Encoding::Compact));
    let service_change = b"!/3 [127.0.0.1]:2946\nT=9{C=-{SC=ROOT{SV{MT=RS,RE=\"901 Cold Boot\"}}}}";
    driver.handle_datagram(Instant::now(), service_change);
    assert_eq!(driver.registered(), Some(3));
    assert_eq!(driver.version(), 3);
    let (message, _) = wire::decode_any(&driver.poll_transmit().unwrap()).unwrap();
    assert_eq!(message.message.version, 3);
    let MessageBody::Transactions(t) = message.message.body else {
        panic!("a reply");
    };
    let Transaction::Reply(reply) = &t[0] else {
        panic!("a reply");
    };
    assert_eq!(reply.transaction_id, 9);
    let TransactionResult::ActionReplies(actions) = &reply.result else {
        panic!("accepted");
    };
    assert_eq!(actions[0].context_id, ContextId::NULL);
    match &actions[0].commands[0] {
        CommandReply::ServiceChange(sc) => {
            assert_eq!(sc.termination_ids[..], [TerminationId::root()]);
            assert!(matches!(sc.result, ServiceChangeResult::Parms(_)));
        }
        other => panic!("expected a ServiceChange reply, got {other:?}"),
    }
    // A configured version wins over the MG's.
    let mut fixed = Driver::new(LoadConfig {
        version: Some(2),
        ..config(Encoding::Compact)
    });
    fixed.handle_datagram(Instant::now(), service_change);
    assert_eq!(fixed.version(), 2);
}

#[test]
fn a_silent_mg_times_out_and_the_cycle_restarts() {
    let mut driver = Driver::new(config(Encoding::Pretty));
    let t0 = Instant::now();
    driver.start_level(t0, 2);
    driver.begin_measure();
    let (_, first) = sent_request(&mut driver);
    let (_, second) = sent_request(&mut driver);
    assert_eq!(driver.next_deadline(), Some(t0 + Duration::from_secs(2)));

    // A Pending for the first pushes its deadline back (clause 8.2.3).
    let pending = MegacoMessage {
        auth_header: None,
        message: Message {
            version: 1,
            mid: mg_mid(),
            body: MessageBody::Transactions(vec![Transaction::Pending(TransactionPending {
                transaction_id: first.transaction_id,
            })]),
        },
    };
    let pending = wire::encode(&pending, Encoding::Pretty).unwrap();
    driver.handle_datagram(t0 + Duration::from_secs(1), &pending);

    driver.handle_timeouts(t0 + Duration::from_millis(1999));
    assert_eq!(driver.outstanding(), 2);
    driver.handle_timeouts(t0 + Duration::from_secs(2));
    assert_eq!(
        driver.outstanding(),
        2,
        "the second expired and an Add replaced it"
    );
    let (_, replacement) = sent_request(&mut driver);
    assert!(matches!(command_of(&replacement).0, Command::Add(_)));

    // A reply to the expired transaction is late.
    let late = reply_bytes(&second, 5, "rtp/1", None, false, Encoding::Pretty);
    driver.handle_datagram(t0 + Duration::from_millis(2500), &late);
    let stats = driver.begin_drain();
    assert_eq!(stats.timeouts, 1);
    assert_eq!(stats.late, 1);
    assert_eq!(stats.transactions, 0);
}

#[test]
fn errors_are_counted_and_a_failed_modify_is_still_subtracted() {
    let mut driver = Driver::new(config(Encoding::Compact));
    let t0 = Instant::now();
    driver.start_level(t0, 1);
    driver.begin_measure();
    let (_, add) = sent_request(&mut driver);
    driver.handle_datagram(
        t0,
        &reply_bytes(&add, 3, "rtp/3", None, true, Encoding::Compact),
    );
    // ImmAckRequired: the acknowledgement goes out before the next request.
    let (ack, _) = wire::decode_any(&driver.poll_transmit().unwrap()).unwrap();
    match ack.message.body {
        MessageBody::Transactions(t) => assert_eq!(
            t,
            vec![Transaction::ResponseAck(vec![TransactionAck {
                first: add.transaction_id,
                last: None
            }])]
        ),
        MessageBody::Error(e) => panic!("{e:?}"),
    }
    let (_, modify) = sent_request(&mut driver);
    driver.handle_datagram(
        t0,
        &reply_bytes(&modify, 0, "rtp/3", Some(430), false, Encoding::Compact),
    );
    let (_, subtract) = sent_request(&mut driver);
    let (command, context) = command_of(&subtract);
    assert!(matches!(command, Command::Subtract(_)));
    assert_eq!(context, ContextId(3));
    let stats = driver.begin_drain();
    assert_eq!(stats.errors, 1);
    assert_eq!(stats.error_samples, vec![(Kind::Modify, 430)]);

    // Draining: the Subtract's reply ends the cycle and none starts again.
    driver.handle_datagram(
        t0,
        &reply_bytes(&subtract, 0, "rtp/3", None, false, Encoding::Compact),
    );
    assert_eq!(driver.outstanding(), 0);
    assert!(driver.poll_transmit().is_none());
}

#[test]
fn an_add_reply_without_a_context_is_an_error_and_restarts() {
    let mut driver = Driver::new(config(Encoding::Pretty));
    let t0 = Instant::now();
    driver.start_level(t0, 1);
    driver.begin_measure();
    let (_, add) = sent_request(&mut driver);
    // The MG answers with context `$` still unresolved.
    let reply = reply_bytes(
        &add,
        ContextId::CHOOSE.0,
        "rtp/1",
        None,
        false,
        Encoding::Pretty,
    );
    driver.handle_datagram(t0, &reply);
    let (_, next) = sent_request(&mut driver);
    assert!(matches!(command_of(&next).0, Command::Add(_)));
    assert_eq!(driver.begin_drain().errors, 1);
}

#[test]
fn garbage_is_counted_not_fatal() {
    let mut driver = Driver::new(config(Encoding::Pretty));
    driver.begin_measure();
    driver.handle_datagram(Instant::now(), b"MEGACO/1 [1.2.3.4]:5 Transaction = {");
    driver.handle_datagram(Instant::now(), &[0x30, 0x82, 0xff]);
    assert_eq!(driver.begin_drain().undecodable, 2);
}

#[test]
fn the_hold_test_opens_then_closes_every_context() {
    let mut driver = Driver::new(config(Encoding::Ber));
    let t0 = Instant::now();
    let mut next_context = 100;
    driver.hold_open(t0, 5, 2);
    while driver.held() < 5 {
        let (_, add) = sent_request(&mut driver);
        assert!(driver.outstanding() <= 2);
        next_context += 1;
        let t7 = term(Encoding::Ber, 7);
        let reply = reply_bytes(&add, next_context, &t7, None, false, Encoding::Ber);
        driver.handle_datagram(t0, &reply);
        driver.hold_open(t0, 5, 2);
    }
    assert_eq!(driver.outstanding(), 0);
    assert!(driver.poll_transmit().is_none());
    let mut closed = Vec::new();
    driver.hold_close(t0, 2);
    while let Some(datagram) = driver.poll_transmit() {
        let (_, subtract) = request_of(&datagram);
        let (command, context) = command_of(&subtract);
        assert!(matches!(command, Command::Subtract(_)));
        closed.push(context.0);
        let t7 = term(Encoding::Ber, 7);
        let reply = reply_bytes(&subtract, 0, &t7, None, false, Encoding::Ber);
        driver.handle_datagram(t0, &reply);
        driver.hold_close(t0, 2);
    }
    closed.sort_unstable();
    assert_eq!(closed, vec![101, 102, 103, 104, 105]);
    assert_eq!((driver.held(), driver.outstanding()), (0, 0));
}

#[test]
fn quantiles_are_nearest_rank() {
    let samples: Vec<u32> = (1..=100).collect();
    assert_eq!(quantile(&samples, 0.5), Some(50));
    assert_eq!(quantile(&samples, 0.99), Some(99));
    assert_eq!(quantile(&samples, 1.0), Some(100));
    assert_eq!(quantile(&[7], 0.5), Some(7));
    assert_eq!(quantile(&[], 0.5), None);
}
