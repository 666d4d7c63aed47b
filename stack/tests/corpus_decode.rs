//! Every corpus message (`../shared/corpus`) decodes from its hand-written,
//! pretty and compact text forms, all three to the same model; a few values
//! are checked against megaco's decoded record (`NAME.term.txt`).

use std::path::{Path, PathBuf};

use h248_stack::model::*;
use h248_stack::text::decode;

fn corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus")).to_path_buf();
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("H248_REQUIRE_SHARED").as_deref() == Ok("1") {
        panic!("corpus not found at {}", dir.display());
    }
    println!("skipped: ../shared not found");
    None
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".pretty.txt").map(str::to_owned)
        })
        .collect();
    names.sort();
    names
}

fn decode_file(dir: &Path, name: &str, form: &str) -> MegacoMessage {
    let path = dir.join(format!("{name}.{form}.txt"));
    let bytes = std::fs::read(&path).unwrap();
    decode(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_text_form_decodes_to_the_same_model() {
    let Some(dir) = corpus_dir() else { return };
    let names = names(&dir);
    assert!(names.len() >= 100, "only {} corpus messages", names.len());
    for name in &names {
        let pretty = decode_file(&dir, name, "pretty");
        let compact = decode_file(&dir, name, "compact");
        let orig = decode_file(&dir, name, "orig");
        assert_eq!(pretty, compact, "{name}: pretty and compact differ");
        // msg79a01: megaco's encoders reverse one audit-token list, so only
        // its pretty and compact forms are the same message (corpus README).
        if name != "msg79a01" {
            assert_eq!(orig, pretty, "{name}: orig and pretty differ");
        }
    }
}

fn only_request(m: &MegacoMessage) -> &TransactionRequest {
    let MessageBody::Transactions(ts) = &m.message.body else {
        panic!("no transactions")
    };
    let [Transaction::Request(r)] = ts.as_slice() else {
        panic!("not one request")
    };
    r
}

#[test]
fn msg01a_matches_megacos_record() {
    let Some(dir) = corpus_dir() else { return };
    let m = decode_file(&dir, "msg01a", "orig");
    assert_eq!(m.message.version, 1);
    assert_eq!(
        m.message.mid,
        MId::Ip4 {
            address: [123, 123, 123, 4].into(),
            port: Some(55555)
        }
    );
    let r = only_request(&m);
    assert_eq!(r.transaction_id, 9999);
    assert_eq!(r.actions[0].context_id, ContextId::NULL);
    let Command::Modify(modify) = &r.actions[0].commands[0].command else {
        panic!("not Modify")
    };
    assert_eq!(
        modify.termination_ids[..],
        [TerminationId::from("11111111/00000000/00000000")]
    );
    let AmmDescriptor::Media(media) = &modify.descriptors[0] else {
        panic!("not Media")
    };
    let Some(Streams::Multi(streams)) = &media.streams else {
        panic!("not Stream = 1")
    };
    assert_eq!(streams[0].stream_id, 1);
    let lc = streams[0].parms.local_control.as_ref().unwrap();
    assert_eq!(lc.stream_mode, Some(StreamMode::SendRecv));
    assert_eq!(lc.property_parms[0], PropertyParm::equal("tdmc/gain", "2"));
    assert_eq!(lc.property_parms[1], PropertyParm::equal("tdmc/ec", "g165"));
    let local = streams[0].parms.local.as_ref().unwrap();
    let c = &local.groups[0].lines[1];
    assert_eq!((c.kind, c.value.as_str()), ('c', "IN IP4 $ "));
    assert_eq!(local.groups[0].lines[3].value, "fmtp:PCMU VAD=X-NNVAD");
    let AmmDescriptor::Events(events) = &modify.descriptors[1] else {
        panic!("not Events")
    };
    assert_eq!(events.request_id, Some(RequestId(2222)));
    assert_eq!(events.events[0].name, "al/of");
}

#[test]
fn msg71d03_context_properties_and_time_stamps() {
    let Some(dir) = corpus_dir() else { return };
    let m = decode_file(&dir, "msg71d03", "compact");
    let action = &only_request(&m).actions[0];
    let cr = action.context_request.as_ref().unwrap();
    assert_eq!(cr.priority, Some(15));
    assert_eq!(cr.emergency, Some(true));
    assert_eq!(cr.ieps, Some(false));
    assert_eq!(
        cr.context_props.as_ref().unwrap()[0].value,
        ParmValue::Relation(Relation::UnequalTo, "2".into())
    );
    let Command::Notify(n) = &action.commands[0].command else {
        panic!("not Notify")
    };
    let ts = n.observed_events.events[0].timestamp.as_ref().unwrap();
    assert_eq!(
        (ts.date.as_str(), ts.time.as_str()),
        ("19990729", "22000000")
    );
}

#[test]
fn msg79a01_audit_reply_items_in_order() {
    let Some(dir) = corpus_dir() else { return };
    let m = decode_file(&dir, "msg79a01", "orig");
    let MessageBody::Transactions(ts) = &m.message.body else {
        panic!()
    };
    let Transaction::Reply(reply) = &ts[0] else {
        panic!()
    };
    let TransactionResult::ActionReplies(actions) = &reply.result else {
        panic!()
    };
    let CommandReply::AuditValue(AuditReply::Result {
        termination_ids,
        audit,
    }) = &actions[0].commands[0]
    else {
        panic!("not an AuditValue result")
    };
    assert_eq!(termination_ids.len(), 3);
    assert!(
        matches!(&audit[0], AuditReturnParameter::Error(e) if e.code == 502 && e.text.is_none())
    );
    let tokens: Vec<AuditToken> = audit[2..]
        .iter()
        .map(|p| match p {
            AuditReturnParameter::EmptyDescriptors(d) => d.tokens[0],
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        tokens,
        [
            AuditToken::Media,
            AuditToken::DigitMap,
            AuditToken::Statistics,
            AuditToken::Packages
        ]
    );
}
