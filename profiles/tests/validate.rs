//! Messages checked against the Mp and Iq profiles: well-formed procedure
//! messages pass, and each broken rule yields exactly its error code.

use h248_profiles::profile::{Context, Profile, Sender, TransportKind, Validator, Violation};
use h248_profiles::{full, text_only_items};

fn validator(profile: Profile) -> Validator {
    Validator::new(profile, &full(), &text_only_items().unwrap())
}

fn check(
    profile: Profile,
    sender: Sender,
    transport: Option<TransportKind>,
    text: &str,
) -> Vec<Violation> {
    let message = h248_stack::text::decode(text.as_bytes())
        .unwrap_or_else(|e| panic!("test message does not decode: {e}\n{text}"));
    validator(profile).check(&message, Context { sender, transport })
}

fn codes(violations: &[Violation]) -> Vec<u16> {
    violations.iter().map(|v| v.code).collect()
}

const IQ_RESERVE: &str = "MEGACO/3 [10.0.0.1]:2944
Transaction = 1 { Context = $ { Add = ip/$ {
  Media { Stream = 1 {
    LocalControl { Mode = ReceiveOnly, ipdc/realm = core, ds/dscp = 2e, gm/rsb = ON },
    Local { v=0
c=IN IP4 $
m=audio $ RTP/AVP 0 96
a=rtpmap:96 telephone-event/8000
} } },
  Events = 1 { hangterm/thb } } } }";

#[test]
fn iq_reserve_connection_point_passes() {
    let found = check(
        Profile::iq(),
        Sender::Mgc,
        Some(TransportKind::Sctp),
        IQ_RESERVE,
    );
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn iq_unknown_package_is_440_with_its_path() {
    let text = IQ_RESERVE.replace("hangterm/thb", "xyz/abc");
    let found = check(Profile::iq(), Sender::Mgc, None, &text);
    assert_eq!(codes(&found), [440]);
    assert_eq!(
        found[0].path,
        "transaction 1, context $, command 1 (Add ip/$), Events, xyz/abc"
    );
}

#[test]
fn iq_package_of_another_profile_is_440() {
    // Call progress tones are an Mp package, not an Iq one.
    let text = IQ_RESERVE.replace("Events = 1 { hangterm/thb }", "Signals { cg/rt }");
    assert_eq!(
        codes(&check(Profile::iq(), Sender::Mgc, None, &text)),
        [440]
    );
}

#[test]
fn iq_item_the_package_does_not_define_is_450_to_453() {
    let text = IQ_RESERVE.replace("ds/dscp = 2e", "ds/colour = 2e");
    assert_eq!(
        codes(&check(Profile::iq(), Sender::Mgc, None, &text)),
        [450]
    );
    let text = IQ_RESERVE.replace("hangterm/thb", "hangterm/beat");
    assert_eq!(
        codes(&check(Profile::iq(), Sender::Mgc, None, &text)),
        [451]
    );
}

#[test]
fn iq_wildcarded_response_only_for_subtract() {
    let modify = "MEGACO/3 [10.0.0.1]:2944
Transaction = 2 { Context = 5 { W-Modify = ip/* { Media { Stream = 1 { LocalControl { Mode = Inactive } } } } } }";
    let found = check(Profile::iq(), Sender::Mgc, None, modify);
    assert_eq!(codes(&found), [501], "{found:#?}");
    let subtract = "MEGACO/3 [10.0.0.1]:2944
Transaction = 3 { Context = 5 { W-Subtract = ip/* } }";
    assert!(check(Profile::iq(), Sender::Mgc, None, subtract).is_empty());
    // A wildcarded reply to anything else is refused as well.
    let reply = "MEGACO/3 [10.0.0.2]:2944
Reply = 2 { Context = 5 { Modify = ip/* } }";
    assert_eq!(codes(&check(Profile::iq(), Sender::Mg, None, reply)), [501]);
}

#[test]
fn iq_more_than_ten_transactions_is_413() {
    let mut text = String::from("MEGACO/3 [10.0.0.1]:2944\n");
    for id in 1..=11 {
        text.push_str(&format!(
            "Transaction = {id} {{ Context = 5 {{ Subtract = ip/{id} }} }}\n"
        ));
    }
    assert_eq!(
        codes(&check(Profile::iq(), Sender::Mgc, None, &text)),
        [413]
    );
    let ten: String = text.lines().take(11).collect::<Vec<_>>().join("\n");
    assert!(check(Profile::iq(), Sender::Mgc, None, &ten).is_empty());
}

#[test]
fn iq_direction_descriptor_version_and_event_buffer_rules() {
    // The IMS-ALG does not send Notify.
    let notify = "MEGACO/3 [10.0.0.1]:2944
Transaction = 4 { Context = 5 { Notify = ip/1 { ObservedEvents = 1 { hangterm/thb } } } }";
    assert_eq!(
        codes(&check(Profile::iq(), Sender::Mgc, None, notify)),
        [443]
    );
    assert!(check(Profile::iq(), Sender::Mg, None, notify).is_empty());
    // DigitMap is not in the Iq Add (29.334 §5.8).
    let text = IQ_RESERVE.replace("Events = 1 { hangterm/thb }", "DigitMap = { (1|2) }");
    assert_eq!(
        codes(&check(Profile::iq(), Sender::Mgc, None, &text)),
        [444]
    );
    // Version 1 is not part of Iq.
    let text = IQ_RESERVE.replace("MEGACO/3", "MEGACO/1");
    assert_eq!(
        codes(&check(Profile::iq(), Sender::Mgc, None, &text)),
        [406]
    );
    // EventBufferControl is not used (Table 5.7.1.2).
    let text = IQ_RESERVE.replace(
        "Media { Stream",
        "Media { TerminationState { Buffer = LockStep }, Stream",
    );
    assert_eq!(
        codes(&check(Profile::iq(), Sender::Mgc, None, &text)),
        [501]
    );
}

#[test]
fn iq_segmentation_only_over_sctp() {
    let reply = "MEGACO/3 [10.0.0.2]:2944
Reply = 7/1 { Context = 5 { Subtract = ip/1 } }";
    assert_eq!(
        codes(&check(
            Profile::iq(),
            Sender::Mg,
            Some(TransportKind::Udp),
            reply
        )),
        [501]
    );
    assert!(check(Profile::iq(), Sender::Mg, Some(TransportKind::Sctp), reply).is_empty());
}

#[test]
fn iq_bad_sdp_is_449() {
    let text = IQ_RESERVE.replace("c=IN IP4 $", "c=IN IP4");
    let found = check(Profile::iq(), Sender::Mgc, None, &text);
    assert_eq!(codes(&found), [449], "{found:#?}");
    assert!(
        found[0].path.ends_with("Media, Stream 1, Local"),
        "{}",
        found[0].path
    );
}

#[test]
fn service_change_profile_must_be_the_profile() {
    let text = "MEGACO/3 [10.0.0.2]:2944
Transaction = 9 { Context = - { ServiceChange = ROOT { Services { Method = Restart, Reason = 901, Version = 3, Profile = threegppiq/1 } } } }";
    assert!(check(Profile::iq(), Sender::Mg, None, text).is_empty());
    let other = text.replace("threegppiq/1", "threegppmp/1");
    assert_eq!(
        codes(&check(Profile::iq(), Sender::Mg, None, &other)),
        [461]
    );
    let old = text.replace("Version = 3", "Version = 1");
    assert_eq!(codes(&check(Profile::iq(), Sender::Mg, None, &old)), [406]);
}

const MP_TONE_AND_DTMF: &str = "MEGACO/3 [10.0.0.1]:2944
Transaction = 20 { Context = 77 { Modify = ip/3 {
  Signals { cg/rt },
  Events = 4 { dd/ce { DigitMap = dm1 }, g/sc } } } }";

#[test]
fn mp_send_tone_and_detect_dtmf_pass() {
    let found = check(Profile::mp(), Sender::Mgc, None, MP_TONE_AND_DTMF);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn mp_rules() {
    // NAPT is an Iq package.
    let text = MP_TONE_AND_DTMF.replace(
        "Signals { cg/rt }",
        "Media { Stream = 1 { LocalControl { ipnapt/latch = ON } } }",
    );
    assert_eq!(
        codes(&check(Profile::mp(), Sender::Mgc, None, &text)),
        [440]
    );
    // cg defines no signal "xx".
    let text = MP_TONE_AND_DTMF.replace("cg/rt", "cg/xx");
    assert_eq!(
        codes(&check(Profile::mp(), Sender::Mgc, None, &text)),
        [452]
    );
    // Items inherited from the extended package are the package's own
    // (dd extends tonedet; cg extends tonegen).
    let text = MP_TONE_AND_DTMF.replace("cg/rt", "cg/pt");
    assert!(check(Profile::mp(), Sender::Mgc, None, &text).is_empty());
    // The MRFP does not send Add.
    let add = "MEGACO/3 [10.0.0.2]:2944
Transaction = 1 { Context = $ { Add = ip/$ } }";
    assert_eq!(codes(&check(Profile::mp(), Sender::Mg, None, add)), [443]);
}

#[test]
fn every_violation_of_a_message_is_reported_in_order() {
    let text = "MEGACO/1 [10.0.0.1]:2944
Transaction = 1 { Context = $ { W-Add = ip/$ { Events = 1 { xyz/a, ds/dscp }, DigitMap = { (1) } } } }";
    let found = check(Profile::iq(), Sender::Mgc, None, text);
    assert_eq!(codes(&found), [406, 501, 444, 440, 451], "{found:#?}");
}

#[test]
fn bad_ccm_attribute_and_bad_fingerprint_are_449() {
    let with_sdp = |lines: &str| {
        IQ_RESERVE.replace(
            "a=rtpmap:96 telephone-event/8000\n",
            &format!("a=rtpmap:96 telephone-event/8000\n{lines}"),
        )
    };
    // Well-formed CCM and DTLS lines pass.
    let good = with_sdp(
        "a=rtcp-fb:96 ccm fir\na=rtcp-fb:* ccm tmmbr smaxpr=120\na=fingerprint:sha-256 \
         4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:3C:47:A1:2B:8F:2C:3E:2A:4E:2D:2E:1F\n",
    );
    let found = check(Profile::iq(), Sender::Mgc, None, &good);
    assert!(found.is_empty(), "{found:#?}");
    // A CCM parameter no registry knows, a payload type not on the m= line,
    // a fingerprint of the wrong length: each is 449 on that descriptor.
    for bad in [
        "a=rtcp-fb:96 ccm frobnicate\n",
        "a=rtcp-fb:97 ccm fir\n",
        "a=rtcp-fb:96 ccm tmmbr smaxpr=fast\n",
        "a=fingerprint:sha-256 4A:AD:B9\n",
        "a=fingerprint:sha-999 4A:AD\n",
    ] {
        let found = check(Profile::iq(), Sender::Mgc, None, &with_sdp(bad));
        assert_eq!(codes(&found), [449], "{bad}: {found:#?}");
        assert!(
            found[0].path.ends_with("Stream 1, Local"),
            "{}",
            found[0].path
        );
    }
}
