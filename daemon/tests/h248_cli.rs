//! The `h248` tool as users run it: outputs and exit statuses.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn h248(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_h248"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("h248 starts");
    {
        use std::io::Write;
        let mut input = child.stdin.take().expect("stdin is piped");
        input
            .write_all(stdin.unwrap_or_default())
            .expect("stdin accepts the message");
    }
    child.wait_with_output().expect("h248 finishes")
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/messages")
}

fn example(name: &str) -> String {
    examples().join(name).display().to_string()
}

#[test]
fn transcode_to_compact_and_back_to_pretty_keeps_the_message() {
    let compact = h248(
        &[
            "transcode",
            "--to",
            "compact",
            &example("mp-add-announcement.txt"),
        ],
        None,
    );
    assert!(
        compact.status.success(),
        "{}",
        String::from_utf8_lossy(&compact.stderr)
    );
    assert!(compact.stdout.starts_with(b"!/3 [192.0.2.10]:2944"));

    let pretty = h248(&["transcode", "--to", "pretty"], Some(&compact.stdout));
    assert!(
        pretty.status.success(),
        "{}",
        String::from_utf8_lossy(&pretty.stderr)
    );
    assert!(pretty.stdout.starts_with(b"MEGACO/3 [192.0.2.10]:2944"));

    let original = h248(&["decode", &example("mp-add-announcement.txt")], None);
    let round_trip = h248(&["decode"], Some(&pretty.stdout));
    assert_eq!(original.stdout, round_trip.stdout);
}

#[test]
fn decode_prints_the_model_as_json_with_stable_field_names() {
    let out = h248(&["decode", &example("mg-restart.txt")], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let message = &json["message"];
    assert_eq!(message["version"], 3);
    assert_eq!(message["mid"]["ip4"]["address"], "192.0.2.20");
    assert_eq!(message["mid"]["ip4"]["port"], 2944);
    let request = &message["body"]["transactions"][0]["request"];
    assert_eq!(request["transaction_id"], 1);
    let action = &request["actions"][0];
    assert_eq!(action["context_id"], 0);
    let service_change = &action["commands"][0]["command"]["service_change"];
    assert_eq!(service_change["termination_ids"][0], "ROOT");
    assert_eq!(service_change["parms"]["method"], "restart");
    assert_eq!(service_change["parms"]["reason"], "901 Cold Boot");
    assert_eq!(service_change["parms"]["version"], 3);
}

#[test]
fn check_reports_each_file_and_the_position_of_an_error() {
    let dir = std::env::temp_dir().join(format!("h248-cli-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let bad = dir.join("bad.txt");
    std::fs::write(
        &bad,
        "MEGACO/1 [192.0.2.1]:2944\nTransaction = 1 {\n  Context = x {}\n}\n",
    )
    .expect("scratch file");
    let good = example("mg-restart.txt");
    let out = h248(&["check", &good, &bad.display().to_string()], None);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("mg-restart.txt: ok"), "{stdout}");
    assert!(stdout.contains("bad.txt: 3:13:"), "{stdout}");

    let ok = h248(&["check", &good], None);
    assert_eq!(ok.status.code(), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input_exits_1_with_the_position_on_stderr() {
    let out = h248(
        &["transcode", "--to", "pretty"],
        Some(b"MEGACO/1 [192.0.2.1]:2944\nT=1{C=1{"),
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("<stdin>:2:"), "{stderr}");
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(h248(&["transcode"], None).status.code(), Some(2));
    assert_eq!(
        h248(&["transcode", "--to", "xml"], None).status.code(),
        Some(2)
    );
    assert_eq!(h248(&["frobnicate"], None).status.code(), Some(2));
    assert_eq!(h248(&["check"], None).status.code(), Some(2));
    assert_eq!(
        h248(&["bench", ".", "--seconds", "0"], None).status.code(),
        Some(1)
    );
}

#[test]
fn every_subcommand_has_help() {
    for sub in ["transcode", "decode", "check", "bench"] {
        let out = h248(&[sub, "--help"], None);
        assert!(out.status.success(), "{sub} --help");
        assert!(!out.stdout.is_empty());
    }
}

#[test]
fn bench_prints_one_line_per_encoding_and_direction() {
    let out = h248(
        &[
            "bench",
            &examples().display().to_string(),
            "--seconds",
            "0.05",
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    for (line, prefix) in lines.iter().zip([
        "pretty decode",
        "pretty encode",
        "compact decode",
        "compact encode",
    ]) {
        assert!(line.starts_with(prefix), "{line}");
        assert!(
            line.contains(" msgs/s ") && line.contains(" us/msg ") && line.ends_with(" MB/s"),
            "{line}"
        );
    }
}

#[test]
fn bench_filters_encoding_and_direction_and_counts_passes() {
    let dir = examples().display().to_string();
    let out = h248(
        &[
            "bench",
            &dir,
            "--passes",
            "3",
            "--encoding",
            "compact",
            "--direction",
            "encode",
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    assert!(lines[0].starts_with("compact encode "), "{stdout}");
    assert_eq!(
        h248(&["bench", &dir, "--passes", "0"], None).status.code(),
        Some(2)
    );
    assert_eq!(
        h248(&["bench", &dir, "--direction", "sideways"], None)
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn validate_reports_violations_with_codes_and_exits_1() {
    let dir = examples();
    let iq = dir
        .join("iq-reserve-connection-point.txt")
        .display()
        .to_string();
    let mp = dir.join("mp-add-announcement.txt").display().to_string();
    let out = h248(&["validate", "--profile", "iq", &iq], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).ends_with(": ok\n"));
    // An announcement (package an) is an Mp procedure, not an Iq one.
    let out = h248(&["validate", "--profile", "iq", &mp], None);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(": 440 at transaction"), "{stdout}");
    assert!(stdout.contains("an/apf"), "{stdout}");
    let out = h248(&["validate", "--profile", "mp", &mp], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        h248(&["validate", "--profile", "xx", &mp], None)
            .status
            .code(),
        Some(2)
    );
}
