//! The gateway engine: contexts and terminations with the semantics of
//! H.248.1 clauses 6 and 7 over a [`MediaBackend`], behind the
//! [`Executor`] seam.
//!
//! - [`engine`]: the context engine (one transaction at a time; every rule
//!   documented with its clause, every refusal with its H.248.8 code);
//! - [`backend`]: the media backend trait; [`sim`]: the simulated backend;
//!   [`external`]: the media gateway's own process over a Unix socket;
//! - [`media`]: Local / Remote SDP (`$` resolution, CCM negotiation);
//! - [`digitmap`]: digit maps for `dd/ce`;
//! - [`codes`]: the H.248.8 codes.
//!
//! [`Gateway`] owns the engine, runs a task that feeds it the backend's
//! events and the digit timers, and queues the Notify requests they
//! produce for [`Executor::next_request`]. Transactions run concurrently,
//! serialised per context ([`engine::access`]); no backend call is awaited
//! under the engine's state lock. Each
//! request is first checked by the profile's
//! [`Validator`](h248_profiles::profile::Validator).

pub mod backend;
pub mod claims;
pub mod codes;
pub mod digitmap;
pub mod engine;
pub mod external;
pub mod media;
pub mod sim;
mod streams;

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use h248_profiles::profile::{Profile, Validator};
use h248_stack::model::{ActionRequest, TerminationId, Text, TransactionResult};
use h248_stack::sdp::CcmCapabilities;
use tokio::sync::oneshot::error::TryRecvError;
use tokio::sync::{mpsc, oneshot, Mutex, Semaphore};
use tokio::task::JoinHandle;

use crate::executor::{ExecuteFuture, Executor, GatewayStats};
use backend::BackendEvent;
pub use backend::{AddressFamily, MediaBackend};
use engine::{Access, Counters, Engine, Held, Timer};
pub use external::{ExternalBackend, ExternalConfig};
pub use sim::{SimBackend, SimConfig};

/// How CHOOSE (`$`, H.248.1 clause 6.2) names an ephemeral termination
/// after its prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EphemeralNaming {
    /// A decimal number: `ip/1`, `ip/2`... (the text encodings carry any
    /// name).
    Decimal,
    /// The number as bit-string levels after a prefix of whole bit-string
    /// levels, so that the ID has a binary form (H.248.1 A.1, the BER
    /// codec's bit-string mapping): with levels `[8, 8, 8]` and prefix
    /// `00000001/`, `00000001/00000000/00000001`, ... up to all ones in the
    /// levels left.
    BitString { level_bits: Vec<u8> },
}

impl EphemeralNaming {
    /// The ID of ephemeral termination `n` (from 1) under `prefix`, or
    /// `None` when `n` does not fit the levels the prefix leaves.
    pub fn name(&self, prefix: &str, n: u64) -> Option<TerminationId> {
        match self {
            EphemeralNaming::Decimal => {
                let mut text = Text::from(prefix);
                text.push_str(itoa::Buffer::new().format(n));
                Some(TerminationId::new(text))
            }
            EphemeralNaming::BitString { level_bits } => {
                let rest = levels_left(prefix, level_bits)?;
                let bits = total_bits(rest);
                if rest.is_empty() || bits < 64 && n >> bits != 0 {
                    return None;
                }
                let mut text = String::with_capacity(prefix.len() + rest.len() * 9);
                text.push_str(prefix);
                // The number's bits from the highest, a `/` between levels.
                let mut left = bits;
                for (i, &width) in rest.iter().enumerate() {
                    if i > 0 {
                        text.push('/');
                    }
                    for _ in 0..width {
                        left -= 1;
                        let bit = n.checked_shr(left).unwrap_or(0) & 1;
                        text.push(if bit == 1 { '1' } else { '0' });
                    }
                }
                Some(TerminationId::new(text))
            }
        }
    }

    /// How many terminations a prefix can name (`None`: no limit).
    pub fn capacity(&self, prefix: &str) -> Option<u64> {
        match self {
            EphemeralNaming::Decimal => None,
            EphemeralNaming::BitString { level_bits } => {
                let bits = total_bits(levels_left(prefix, level_bits).unwrap_or_default());
                Some(if bits >= 64 {
                    u64::MAX
                } else {
                    (1u64 << bits) - 1
                })
            }
        }
    }

    /// Whether `prefix` can name terminations under this scheme.
    pub fn accepts(&self, prefix: &str) -> bool {
        match self {
            EphemeralNaming::Decimal => !prefix.is_empty(),
            EphemeralNaming::BitString { level_bits } => {
                levels_left(prefix, level_bits).is_some_and(|rest| !rest.is_empty())
            }
        }
    }
}

/// The levels of `level_bits` that `prefix` leaves for the number: the
/// prefix is whole levels of `0`/`1` digits of the layout's widths, each
/// followed by `/`; `None` if it is not such a prefix.
fn levels_left<'a>(prefix: &str, level_bits: &'a [u8]) -> Option<&'a [u8]> {
    if prefix.is_empty() {
        return Some(level_bits);
    }
    let levels = prefix.strip_suffix('/')?.split('/');
    let mut used = 0;
    for (level, &width) in levels.zip(level_bits) {
        if level.len() != usize::from(width) || !level.bytes().all(|b| b == b'0' || b == b'1') {
            return None;
        }
        used += 1;
    }
    (used == prefix.matches('/').count()).then(|| &level_bits[used..])
}

/// The bits of `levels` in all.
fn total_bits(levels: &[u8]) -> u32 {
    levels.iter().map(|&w| u32::from(w)).sum()
}

/// What the engine is configured with.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// The profile requests are checked against (Mp or Iq).
    pub profile: Profile,
    /// Prefixes of ephemeral terminations created by CHOOSE: `ip/` makes
    /// `ip/$` create `ip/1`, `ip/2`...
    pub ephemeral_prefixes: Vec<Text>,
    /// How the number after the prefix is written.
    pub ephemeral_naming: EphemeralNaming,
    /// Physical terminations (in the NULL context when in no other).
    pub physical: Vec<TerminationId>,
    /// Most contexts at once (412 beyond).
    pub max_contexts: usize,
    /// Most terminations in one context (434 beyond).
    pub max_terminations_per_context: usize,
    /// Most terminations in contexts at once (510 beyond).
    pub max_terminations: usize,
    /// The CCMs the gateway supports (RFC 5104; TS 23.334 clause 6.2.24).
    pub ccm: CcmCapabilities,
    /// RTP payload types the gateway offers where the MGC writes `$`.
    pub codecs: Vec<u8>,
    /// Address families it serves (AuditCapabilities).
    pub families: Vec<AddressFamily>,
    /// Events kept per termination under LockStep.
    pub event_buffer_size: usize,
    /// Notify requests queued for the service before new ones are dropped.
    pub notify_queue: usize,
    /// Digit map timers (H.248.1 E.6.2): after a full match that could
    /// grow (short) and after a partial match (long), in milliseconds.
    pub digit_short_timer_ms: u32,
    pub digit_long_timer_ms: u32,
}

impl GatewayConfig {
    /// Defaults for `profile`: ephemeral `ip/` and `rtp/` terminations, no
    /// physical ones, 10 000 contexts of up to 8 terminations and 20 000
    /// terminations, FIR and TMMBR, PCMU and PCMA, IPv4 and IPv6.
    pub fn new(profile: Profile) -> Self {
        GatewayConfig {
            profile,
            ephemeral_prefixes: vec![Text::from("ip/"), Text::from("rtp/")],
            ephemeral_naming: EphemeralNaming::Decimal,
            physical: Vec::new(),
            max_contexts: 10_000,
            max_terminations_per_context: 8,
            max_terminations: 20_000,
            ccm: CcmCapabilities::fir_and_tmmbr(),
            codecs: vec![0, 8],
            families: vec![AddressFamily::Ip4, AddressFamily::Ip6],
            event_buffer_size: 32,
            notify_queue: 1024,
            digit_short_timer_ms: 4000,
            digit_long_timer_ms: 16000,
        }
    }
}

struct Shared {
    engine: Engine,
    counters: Arc<Counters>,
    outbox: Mutex<mpsc::Receiver<Vec<ActionRequest>>>,
}

/// The gateway engine as an [`Executor`]. Create it inside a tokio
/// runtime: it spawns the task that feeds backend events to the engine
/// (stopped when the `Gateway` is dropped or shut down).
pub struct Gateway {
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl Gateway {
    /// A gateway over `backend`, checking requests against
    /// `config.profile` with the full package catalogue.
    pub fn new(config: GatewayConfig, backend: Arc<dyn MediaBackend>) -> Self {
        let text_only = h248_profiles::text_only_items().unwrap_or_default();
        let validator = Validator::new(config.profile.clone(), &h248_profiles::full(), &text_only);
        let counters = Arc::new(Counters::default());
        let (outbox_tx, outbox_rx) = mpsc::channel(config.notify_queue.max(1));
        let (timer_tx, mut timer_rx) = mpsc::unbounded_channel();
        let mut events = backend.take_events();
        let engine = Engine::new(
            config,
            validator,
            backend,
            counters.clone(),
            outbox_tx,
            timer_tx,
        );
        let shared = Arc::new(Shared {
            engine,
            counters,
            outbox: Mutex::new(outbox_rx),
        });
        let weak = Arc::downgrade(&shared);
        let task = tokio::spawn(async move {
            // Events of one termination are handled in arrival order (each
            // waits for the one before); events of different terminations
            // run side by side, each holding its own context, so a slow
            // backend call delays only its context's events.
            let permits = Arc::new(Semaphore::new(MAX_EVENTS_IN_FLIGHT));
            let mut last: HashMap<TerminationId, oneshot::Receiver<()>> = HashMap::new();
            loop {
                let input = tokio::select! {
                    Some(e) = async { match events.as_mut() {
                        Some(rx) => rx.recv().await,
                        None => std::future::pending().await,
                    } } => Input::Backend(e),
                    Some(t) = timer_rx.recv() => Input::Timer(t),
                    else => break,
                };
                // Bounded: past the limit the backend's queue fills up and
                // it drops (and counts) events.
                let Ok(permit) = permits.clone().acquire_owned().await else {
                    break;
                };
                let Some(shared) = weak.upgrade() else { break };
                if let Input::Backend(BackendEvent::StateLost) = input {
                    // Everything at once: it waits for the transactions
                    // and events in progress and holds off new ones.
                    tokio::spawn(async move {
                        let engine = &shared.engine;
                        let lost = engine
                            .with_access(
                                &Access::Exclusive,
                                std::pin::pin!(async {
                                    (engine.state_lost().await, Held::default())
                                }),
                            )
                            .await;
                        tracing::warn!(contexts = lost, "media state lost: contexts released");
                        drop(permit);
                    });
                    continue;
                }
                let Some(termination) = input.termination().cloned() else {
                    continue;
                };
                if last.len() >= MAX_EVENTS_IN_FLIGHT {
                    last.retain(|_, done| matches!(done.try_recv(), Err(TryRecvError::Empty)));
                }
                let (done, done_rx) = oneshot::channel();
                let before = last.insert(termination.clone(), done_rx);
                tokio::spawn(async move {
                    if let Some(before) = before {
                        let _ = before.await;
                    }
                    let engine = &shared.engine;
                    engine
                        .for_termination(&termination, || input.apply(engine))
                        .await;
                    let _ = done.send(());
                    drop(permit);
                });
            }
        });
        Gateway { shared, task }
    }

    /// Subtracts every termination (releasing the media) and stops the
    /// event task; [`Executor::next_request`] then returns `None` once the
    /// queued Notify requests are taken.
    pub async fn shutdown(&self) {
        let engine = &self.shared.engine;
        engine
            .with_access(
                &Access::Exclusive,
                std::pin::pin!(async {
                    engine.clear().await;
                    ((), Held::default())
                }),
            )
            .await;
        self.task.abort();
    }

    /// Notify requests dropped because the queue to the service was full.
    pub fn notifies_dropped(&self) -> u64 {
        self.shared
            .counters
            .notifies_dropped
            .load(Ordering::Relaxed)
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Executor for Gateway {
    fn execute(&self, version: u8, actions: Vec<ActionRequest>) -> ExecuteFuture {
        let shared = self.shared.clone();
        Box::pin(async move {
            let engine = &shared.engine;
            let access = engine::access(&actions);
            let result: TransactionResult = engine
                .with_access(&access, std::pin::pin!(engine.execute(version, actions)))
                .await;
            result
        })
    }

    fn next_request(
        &self,
    ) -> Pin<Box<dyn std::future::Future<Output = Option<Vec<ActionRequest>>> + Send + '_>> {
        Box::pin(async move {
            let mut outbox = self.shared.outbox.lock().await;
            if self.task.is_finished() {
                return outbox.try_recv().ok();
            }
            tokio::select! {
                r = outbox.recv() => r,
                _ = wait_finished(&self.task) => outbox.try_recv().ok(),
            }
        })
    }

    fn stats(&self) -> GatewayStats {
        let c = &self.shared.counters;
        GatewayStats {
            contexts: c.contexts.load(Ordering::Relaxed),
            terminations: c.terminations.load(Ordering::Relaxed),
            backend_calls: c.backend_calls.load(Ordering::Relaxed),
            backend_errors: c.backend_errors.load(Ordering::Relaxed),
            backend: self.shared.engine.backend_health(),
        }
    }
}

/// Most backend events and digit timers handled at once.
const MAX_EVENTS_IN_FLIGHT: usize = 256;

/// What the event task feeds the engine.
enum Input {
    Backend(BackendEvent),
    Timer(Timer),
}

impl Input {
    /// The termination it concerns (`None`: the whole media plane).
    fn termination(&self) -> Option<&TerminationId> {
        match self {
            Input::Backend(BackendEvent::SignalCompleted { termination, .. })
            | Input::Backend(BackendEvent::Detected { termination, .. })
            | Input::Timer(Timer::Digits { termination, .. }) => Some(termination),
            Input::Backend(BackendEvent::StateLost) => None,
        }
    }

    async fn apply(self, engine: &Engine) {
        match self {
            Input::Backend(BackendEvent::SignalCompleted { termination, id }) => {
                engine.signal_completed(&termination, id).await
            }
            Input::Backend(BackendEvent::Detected {
                termination,
                stream,
                name,
                params,
            }) => engine.observe(&termination, stream, &name, params).await,
            Input::Timer(t) => engine.timer(t).await,
            // Handled by the event task itself (exclusive access).
            Input::Backend(BackendEvent::StateLost) => {}
        }
    }
}

/// Resolves once the event task has ended (polled every 100 ms: the task
/// handle cannot be awaited by reference).
async fn wait_finished(task: &JoinHandle<()>) {
    while !task.is_finished() {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[cfg(test)]
mod naming_tests {
    use super::EphemeralNaming;
    use h248_stack::ber::{BinaryTerminationId, BitStringMapping, TerminationIdMapping};

    #[test]
    fn decimal_names_follow_the_prefix() {
        let naming = EphemeralNaming::Decimal;
        assert_eq!(naming.name("ip/", 7).unwrap().as_str(), "ip/7");
        assert_eq!(naming.capacity("ip/"), None);
        assert!(naming.accepts("rtp/") && !naming.accepts(""));
    }

    #[test]
    fn bit_string_names_fill_the_levels_left_and_have_a_binary_form() {
        let naming = EphemeralNaming::BitString {
            level_bits: vec![8, 8, 8],
        };
        let mapping = BitStringMapping::default();
        let name = |prefix, n| naming.name(prefix, n).map(|t| t.as_str().to_string());
        assert_eq!(
            name("00000001/", 1).as_deref(),
            Some("00000001/00000000/00000001")
        );
        assert_eq!(
            name("00000001/", 0x1234).as_deref(),
            Some("00000001/00010010/00110100")
        );
        assert_eq!(
            name("00000001/", 65_535).as_deref(),
            Some("00000001/11111111/11111111")
        );
        assert_eq!(name("00000001/", 65_536), None);
        assert_eq!(naming.capacity("00000001/"), Some(65_535));
        assert_eq!(
            name("00000001/00000010/", 3).as_deref(),
            Some("00000001/00000010/00000011")
        );
        assert_eq!(name("", 1).as_deref(), Some("00000000/00000000/00000001"));
        for n in [1, 255, 256, 40_000, 65_535] {
            let id = naming.name("00000001/", n).unwrap();
            let mut binary = BinaryTerminationId::default();
            mapping.to_binary(&id, &mut binary).unwrap();
            assert_eq!(mapping.to_text(&binary.wildcard, &binary.id).unwrap(), id);
        }
    }

    #[test]
    fn only_whole_bit_string_levels_are_prefixes() {
        let naming = EphemeralNaming::BitString {
            level_bits: vec![8, 8, 8],
        };
        assert!(naming.accepts("00000001/"));
        assert!(naming.accepts("00000001/11110000/"));
        assert!(
            !naming.accepts("00000001/11110000/00000001/"),
            "no level left"
        );
        assert!(!naming.accepts("ip/"));
        assert!(!naming.accepts("0001/"));
        assert!(!naming.accepts("00000001"));
        assert!(!naming.accepts("00000002/"));
    }
}
