//! `h248`: decode, check, transcode and benchmark H.248 messages.
//!
//! Exit status: 0 success, 1 bad input (the message on stderr names the
//! position), 2 usage error.

/// mimalloc (`h248d::alloc`): the codec makes a handful of small,
/// short-lived allocations per message, served from its thread-local free
/// lists (benches/RESULTS.md).
#[global_allocator]
static GLOBAL: h248d::alloc::Allocator = h248d::alloc::Allocator;

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use clap::{Parser, Subcommand, ValueEnum};
use h248_profiles::profile::{Context, Profile, Sender, TransportKind, Validator};
use h248_stack::ber::{self, BitStringMapping};
use h248_stack::model::MegacoMessage;
use h248_stack::package::Catalogue;
use h248_stack::text::{self, Style};
use h248_stack::wire::{self, Family};

#[derive(Parser)]
#[command(
    name = "h248",
    version,
    about = "Decode, check, transcode and benchmark H.248 (Megaco) messages"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read one message (file or stdin) and write the same message in another encoding.
    Transcode {
        /// Output encoding.
        #[arg(long, value_enum)]
        to: Encoding,
        /// Input file; standard input when absent.
        file: Option<PathBuf>,
    },
    /// Print the decoded model of one message (file or stdin) as JSON.
    Decode {
        /// Input file; standard input when absent.
        file: Option<PathBuf>,
    },
    /// Check that each file holds one valid message: one line per file.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Check messages against the Mp or Iq profile: one line per violation
    /// with the H.248 error code the receiver answers and where it is.
    Validate {
        /// The profile: mp (TS 29.333) or iq (TS 29.334).
        #[arg(long, value_enum)]
        profile: ProfileName,
        /// Who sent the messages: mgc (requests to the gateway, the default)
        /// or mg (the gateway's requests and replies).
        #[arg(long, value_enum, default_value = "mgc")]
        role: Role,
        /// The transport the messages came over, for the profile's
        /// transport rules (segmentation).
        #[arg(long, value_enum)]
        transport: Option<TransportName>,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Decode and encode every message file of DIR in a loop, one thread,
    /// and print the throughput per encoding and direction.
    Bench {
        dir: PathBuf,
        /// Seconds to run each encoding × direction.
        #[arg(long, default_value_t = 3.0)]
        seconds: f64,
        /// Run exactly this many passes over the messages instead of
        /// `--seconds` (for instruction counts under callgrind).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
        passes: Option<u64>,
        /// Only these encodings (repeatable); all when absent.
        #[arg(long, value_enum)]
        encoding: Vec<Encoding>,
        /// Only this direction; both when absent.
        #[arg(long, value_enum)]
        direction: Option<Direction>,
    },
}

/// The shipped 3GPP profiles.
#[derive(Clone, Copy, ValueEnum)]
enum ProfileName {
    /// Mp: MRFC - MRFP (TS 29.333).
    Mp,
    /// Iq: IMS-ALG - IMS-AGW (TS 29.334).
    Iq,
}

/// The sender of a validated message.
#[derive(Clone, Copy, ValueEnum)]
enum Role {
    /// The controller (MRFC, IMS-ALG).
    Mgc,
    /// The gateway (MRFP, IMS-AGW).
    Mg,
}

/// A transport, for `h248 validate --transport`.
#[derive(Clone, Copy, ValueEnum)]
enum TransportName {
    Udp,
    Tcp,
    Sctp,
}

/// A codec direction measured by `h248 bench`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Direction {
    /// Bytes to model.
    Decode,
    /// Model to bytes.
    Encode,
}

/// The encodings the tool writes.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Encoding {
    /// Text, long tokens, indented.
    Pretty,
    /// Text, short tokens, minimal white space.
    Compact,
    /// Binary: raw ASN.1 BER (H.248.1 Annex A).
    Ber,
}

impl Encoding {
    fn wire(self) -> wire::Encoding {
        match self {
            Encoding::Pretty => wire::Encoding::Pretty,
            Encoding::Compact => wire::Encoding::Compact,
            Encoding::Ber => wire::Encoding::Ber,
        }
    }
}

/// A failure that ends the run with exit status 1.
struct BadInput(String);

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Transcode { to, file } => transcode(to, file.as_deref()),
        Command::Decode { file } => decode_json(file.as_deref()),
        Command::Check { files } => check(&files),
        Command::Validate {
            profile,
            role,
            transport,
            files,
        } => validate(profile, role, transport, &files),
        Command::Bench {
            dir,
            seconds,
            passes,
            encoding,
            direction,
        } => {
            let budget = match passes {
                Some(passes) => Ok(Budget::Passes(passes)),
                None if seconds > 0.0 && seconds.is_finite() => {
                    Ok(Budget::Time(Duration::from_secs_f64(seconds)))
                }
                None => Err(BadInput("--seconds must be a positive number".to_owned())),
            };
            budget.and_then(|budget| bench(&dir, budget, &encoding, direction))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(BadInput(why)) => {
            eprintln!("h248: {why}");
            ExitCode::from(1)
        }
    }
}

fn read_input(file: Option<&Path>) -> Result<Vec<u8>, BadInput> {
    match file {
        Some(path) => std::fs::read(path).map_err(|e| BadInput(format!("{}: {e}", path.display()))),
        None => {
            let mut buf = Vec::new();
            io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| BadInput(format!("stdin: {e}")))?;
            Ok(buf)
        }
    }
}

fn source_name(file: Option<&Path>) -> String {
    file.map_or_else(|| "<stdin>".to_owned(), |p| p.display().to_string())
}

fn decode_input(file: Option<&Path>) -> Result<MegacoMessage, BadInput> {
    let bytes = read_input(file)?;
    wire::decode_any(&bytes)
        .map(|(message, _)| message)
        .map_err(|e| BadInput(format!("{}:{e}", source_name(file))))
}

fn write_stdout(bytes: &[u8]) -> Result<(), BadInput> {
    let mut out = io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| BadInput(format!("stdout: {e}")))
}

fn transcode(to: Encoding, file: Option<&Path>) -> Result<(), BadInput> {
    let message = decode_input(file)?;
    let bytes = wire::encode(&message, to.wire())
        .map_err(|e| BadInput(format!("{}: cannot encode: {e}", source_name(file))))?;
    write_stdout(&bytes)
}

fn decode_json(file: Option<&Path>) -> Result<(), BadInput> {
    let message = decode_input(file)?;
    let mut json =
        serde_json::to_vec_pretty(&message).map_err(|e| BadInput(format!("JSON: {e}")))?;
    json.push(b'\n');
    write_stdout(&json)
}

fn check(files: &[PathBuf]) -> Result<(), BadInput> {
    let mut bad = 0usize;
    for path in files {
        let verdict = match std::fs::read(path) {
            Ok(bytes) => match wire::decode_any(&bytes) {
                Ok(_) => "ok".to_owned(),
                Err(e) => {
                    bad += 1;
                    e.to_string()
                }
            },
            Err(e) => {
                bad += 1;
                format!("cannot read: {e}")
            }
        };
        println!("{}: {verdict}", path.display());
    }
    if bad == 0 {
        Ok(())
    } else {
        Err(BadInput(format!("{bad} of {} files failed", files.len())))
    }
}

fn validate(
    profile: ProfileName,
    role: Role,
    transport: Option<TransportName>,
    files: &[PathBuf],
) -> Result<(), BadInput> {
    let profile = match profile {
        ProfileName::Mp => Profile::mp(),
        ProfileName::Iq => Profile::iq(),
    };
    let text_only = h248_profiles::text_only_items()
        .map_err(|e| BadInput(format!("shipped package names: {e}")))?;
    let validator = Validator::new(profile, &h248_profiles::full(), &text_only);
    let context = Context {
        sender: match role {
            Role::Mgc => Sender::Mgc,
            Role::Mg => Sender::Mg,
        },
        transport: transport.map(|t| match t {
            TransportName::Udp => TransportKind::Udp,
            TransportName::Tcp => TransportKind::Tcp,
            TransportName::Sctp => TransportKind::Sctp,
        }),
    };
    let mut bad = 0usize;
    for path in files {
        let message = match std::fs::read(path) {
            Ok(bytes) => wire::decode_any(&bytes).map_err(|e| e.to_string()),
            Err(e) => Err(format!("cannot read: {e}")),
        };
        match message {
            Ok((message, _)) => {
                let violations = validator.check(&message, context);
                if violations.is_empty() {
                    println!("{}: ok", path.display());
                } else {
                    bad += 1;
                    for violation in violations {
                        println!("{}: {violation}", path.display());
                    }
                }
            }
            Err(e) => {
                bad += 1;
                println!("{}: {e}", path.display());
            }
        }
    }
    if bad == 0 {
        Ok(())
    } else {
        Err(BadInput(format!(
            "{bad} of {} files break the {} profile or do not decode",
            files.len(),
            validator.profile().title
        )))
    }
}

/// The messages of one encoding found in the benchmark directory.
struct Sample {
    encoding: wire::Encoding,
    name: &'static str,
    wire: Vec<Vec<u8>>,
    models: Vec<MegacoMessage>,
}

/// Which encoding a file holds: by its name in a corpus laid out as
/// `NAME.pretty.txt` / `NAME.compact.txt` / `NAME.ber.bin` (hand-written
/// `.orig.` files are left out), else by its content.
fn classify(path: &Path, bytes: &[u8]) -> Option<wire::Encoding> {
    let name = path.file_name()?.to_str()?;
    for (marker, encoding) in [
        (".pretty.", wire::Encoding::Pretty),
        (".compact.", wire::Encoding::Compact),
        (".ber.", wire::Encoding::Ber),
    ] {
        if name.contains(marker) {
            return Some(encoding);
        }
    }
    if name.contains(".orig.") || name.contains(".term.") {
        return None;
    }
    match wire::detect(bytes) {
        Family::Binary => Some(wire::Encoding::Ber),
        Family::Text if header(bytes).starts_with(b"!/") => Some(wire::Encoding::Compact),
        Family::Text => Some(wire::Encoding::Pretty),
    }
}

/// The message from its header on: past leading white space and `;`
/// comments (Annex B `LWSP`).
fn header(mut bytes: &[u8]) -> &[u8] {
    loop {
        match bytes.first() {
            Some(b) if b.is_ascii_whitespace() => bytes = &bytes[1..],
            Some(b';') => {
                let end = bytes.iter().position(|&b| b == b'\n' || b == b'\r');
                bytes = end.map_or(&[][..], |e| &bytes[e..]);
            }
            _ => return bytes,
        }
    }
}

fn load_samples(dir: &Path) -> Result<Vec<Sample>, BadInput> {
    let mut samples: Vec<Sample> = [
        (wire::Encoding::Pretty, "pretty"),
        (wire::Encoding::Compact, "compact"),
        (wire::Encoding::Ber, "ber"),
    ]
    .into_iter()
    .map(|(encoding, name)| Sample {
        encoding,
        name,
        wire: Vec::new(),
        models: Vec::new(),
    })
    .collect();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| BadInput(format!("{}: {e}", dir.display())))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    entries.sort();
    for path in entries {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let Some(encoding) = classify(&path, &bytes) else {
            continue;
        };
        // Only messages that decode take part; others are reported.
        match wire::decode_any(&bytes) {
            Ok((model, _)) => {
                if let Some(sample) = samples.iter_mut().find(|s| s.encoding == encoding) {
                    sample.wire.push(bytes);
                    sample.models.push(model);
                }
            }
            Err(e) => eprintln!("h248 bench: skipping {}: {e}", path.display()),
        }
    }
    Ok(samples)
}

/// Runs `round` (one pass over the sample, returning bytes handled) until
/// `budget` has passed; returns messages per pass times passes, bytes, time.
/// How long `h248 bench` runs each encoding × direction.
#[derive(Clone, Copy)]
enum Budget {
    /// Passes over the messages until this much time has gone by.
    Time(Duration),
    /// Exactly this many passes.
    Passes(u64),
}

fn run_for(
    budget: Budget,
    per_pass: usize,
    mut round: impl FnMut() -> usize,
) -> (u64, u64, Duration) {
    let start = Instant::now();
    let (mut messages, mut bytes, mut passes) = (0u64, 0u64, 0u64);
    loop {
        let done = match budget {
            Budget::Time(limit) => passes > 0 && start.elapsed() >= limit,
            Budget::Passes(limit) => passes >= limit,
        };
        if done {
            return (messages, bytes, start.elapsed());
        }
        bytes += round() as u64;
        messages += per_pass as u64;
        passes += 1;
    }
}

fn report(name: &str, direction: &str, (messages, bytes, elapsed): (u64, u64, Duration)) {
    let secs = elapsed.as_secs_f64().max(f64::MIN_POSITIVE);
    println!(
        "{name} {direction} {:.0} msgs/s {:.3} us/msg {:.1} MB/s",
        messages as f64 / secs,
        secs * 1e6 / messages as f64,
        bytes as f64 / secs / 1e6
    );
}

fn bench(
    dir: &Path,
    budget: Budget,
    encodings: &[Encoding],
    direction: Option<Direction>,
) -> Result<(), BadInput> {
    let samples = load_samples(dir)?;
    if samples.iter().all(|s| s.wire.is_empty()) {
        return Err(BadInput(format!(
            "{}: no decodable message files",
            dir.display()
        )));
    }
    let mut out = Vec::with_capacity(64 * 1024);
    let mut ber_out = BytesMut::with_capacity(64 * 1024);
    let names = Catalogue::base();
    let terms = BitStringMapping::default();
    let wanted = |sample: &Sample| {
        encodings.is_empty() || encodings.iter().any(|e| e.wire() == sample.encoding)
    };
    for sample in samples.iter().filter(|s| !s.wire.is_empty() && wanted(s)) {
        if direction != Some(Direction::Encode) {
            let decode = run_for(budget, sample.wire.len(), || {
                let mut bytes = 0;
                for wire in &sample.wire {
                    let model = match sample.encoding {
                        wire::Encoding::Ber => ber::decode_default(wire).ok(),
                        _ => text::decode(wire).ok(),
                    };
                    std::hint::black_box(model);
                    bytes += wire.len();
                }
                bytes
            });
            report(sample.name, "decode", decode);
        }
        if direction == Some(Direction::Decode) {
            continue;
        }
        let encode = run_for(budget, sample.models.len(), || {
            let mut bytes = 0;
            for model in &sample.models {
                // Encoding a decoded model does not fail; a failure would
                // show as 0 bytes in the MB/s figure.
                bytes += match sample.encoding {
                    wire::Encoding::Ber => {
                        ber_out.clear();
                        let _ = ber::encode(model, names, &terms, &mut ber_out);
                        std::hint::black_box(&ber_out).len()
                    }
                    wire::Encoding::Pretty | wire::Encoding::Compact => {
                        out.clear();
                        let style = if sample.encoding == wire::Encoding::Pretty {
                            Style::Pretty
                        } else {
                            Style::Compact
                        };
                        let _ = text::encode(model, style, &mut out);
                        std::hint::black_box(&out).len()
                    }
                };
            }
            bytes
        });
        report(sample.name, "encode", encode);
    }
    Ok(())
}
