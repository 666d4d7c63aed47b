//! `SimBackend`: the embedded media backend. It holds no media; it keeps
//! the books a media plane would keep, on tokio time (tests run it under
//! `tokio::time::pause`):
//!
//! - address and port pairs from configured pools, one pool per realm and
//!   address family, even ports only (RTP on even ports, RTCP on the next
//!   odd one: RFC 3550 clause 11); an exhausted pool is 510;
//! - signals complete after their duration (the `Duration` asked for, else
//!   the configured length of that signal, else the default length);
//!   `OnOff` signals play until stopped;
//! - events are raised when a test injects them ([`SimBackend::inject`],
//!   [`SimBackend::inject_digits`]) or by the configured DTMF script
//!   ([`DtmfScript`]), and only while their detection is enabled;
//! - statistics per termination: `nt/dur` (milliseconds since the first
//!   stream was reserved), `nt/os` / `nt/or` (octets sent / received) and
//!   `rtp/ps` / `rtp/pr` (packets sent / received, H.248.1 Annex E.11 and
//!   E.12). A stream that sends (mode `SendOnly` or `SendRecv`, a Remote
//!   address known) sends one packet per configured packet interval; one
//!   that receives (`RecvOnly` or `SendRecv`, a Remote known) receives as
//!   many.

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use h248_stack::model::{
    PropertyParm, SignalType, StatisticsParameter, StreamId, StreamMode, TerminationId, Text,
};
use h248_stack::transaction::PeerKeyedMap;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::backend::{
    AddressFamily, Allocation, BackendEvent, BackendFuture, MediaBackend, ReserveRequest,
    SignalStart, StreamSetup,
};
use super::codes::{self, Refusal};
use super::streams::StreamMap;

/// One pool of addresses: an address, a port range, and the realm it
/// serves (`None`: the default realm, used when no `ipdc/realm` is given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    pub realm: Option<Text>,
    pub address: IpAddr,
    /// First port (rounded up to even).
    pub first_port: u16,
    /// Last port.
    pub last_port: u16,
}

/// Digits the simulated media plane "hears" on every termination where DTMF
/// detection is enabled: after `delay_ms`, one digit every `interval_ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DtmfScript {
    pub digits: Text,
    pub delay_ms: u32,
    pub interval_ms: u32,
}

/// The configuration of the simulated backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimConfig {
    pub pools: Vec<Pool>,
    /// The length of a signal without `Duration` and without an entry in
    /// [`Self::signal_lengths`], in milliseconds.
    pub default_signal_ms: u32,
    /// Lengths per signal name (`an/apf`, `cg/rt`...), in milliseconds.
    pub signal_lengths: Vec<(Text, u32)>,
    /// Packet interval of a sending stream (ptime), in milliseconds.
    pub packet_interval_ms: u32,
    /// Octets per packet (RTP header and payload).
    pub packet_octets: u64,
    /// Events it can detect (`pkg/item`, or `pkg/*` for all of a package).
    pub events: Vec<Text>,
    /// Signals it can generate (`pkg/item`, or `pkg/*`).
    pub signals: Vec<Text>,
    pub dtmf_script: Option<DtmfScript>,
    /// Capacity of the event channel to the engine.
    pub event_queue: usize,
}

impl Default for SimConfig {
    /// Loopback pools (IPv4 127.0.0.1 and IPv6 ::1, ports 20000–20999),
    /// 20 ms / 172-octet packets (G.711 at 20 ms with its RTP header), and
    /// the events and signals of the Mp and Iq procedures.
    fn default() -> Self {
        SimConfig {
            pools: vec![
                Pool {
                    realm: None,
                    address: IpAddr::from([127, 0, 0, 1]),
                    first_port: 20000,
                    last_port: 20999,
                },
                Pool {
                    realm: None,
                    address: IpAddr::from(std::net::Ipv6Addr::LOCALHOST),
                    first_port: 20000,
                    last_port: 20999,
                },
            ],
            default_signal_ms: 2000,
            signal_lengths: vec![(Text::from("an/apf"), 5000)],
            packet_interval_ms: 20,
            packet_octets: 172,
            events: ["g/sc", "g/cause", "dd/*", "hangterm/thb", "it/ito"]
                .into_iter()
                .map(Text::from)
                .collect(),
            signals: [
                "cg/*",
                "an/*",
                "xcg/*",
                "srvtn/*",
                "threegxcg/*",
                "tonegen/*",
            ]
            .into_iter()
            .map(Text::from)
            .collect(),
            dtmf_script: None,
            event_queue: 1024,
        }
    }
}

/// Whether `name` is in `list` (by name or by `pkg/*`), any case.
pub(crate) fn listed(list: &[Text], name: &str) -> bool {
    let package = name.split('/').next().unwrap_or("");
    list.iter().any(|item| {
        item.eq_ignore_ascii_case(name)
            || item
                .strip_suffix("/*")
                .is_some_and(|p| p.eq_ignore_ascii_case(package))
    })
}

#[derive(Debug)]
struct SimStream {
    allocation: Option<(usize, Allocation)>,
    mode: StreamMode,
    remote: bool,
    /// Since when the current mode has been counted.
    since: Instant,
    packets_sent: u64,
    packets_received: u64,
}

impl SimStream {
    fn new(now: Instant) -> Self {
        SimStream {
            allocation: None,
            mode: StreamMode::Inactive,
            remote: false,
            since: now,
            packets_sent: 0,
            packets_received: 0,
        }
    }

    /// Adds the packets of the time since the last update.
    fn advance(&mut self, now: Instant, interval_ms: u32) {
        let elapsed = now.saturating_duration_since(self.since).as_millis() as u64;
        let interval = u64::from(interval_ms.max(1));
        let packets = elapsed / interval;
        if packets == 0 {
            return;
        }
        self.since += Duration::from_millis(packets * interval);
        if self.remote {
            if matches!(self.mode, StreamMode::SendOnly | StreamMode::SendRecv) {
                self.packets_sent += packets;
            }
            if matches!(self.mode, StreamMode::RecvOnly | StreamMode::SendRecv) {
                self.packets_received += packets;
            }
        }
    }
}

#[derive(Debug)]
struct SimTermination {
    created: Instant,
    streams: StreamMap<SimStream>,
    /// Detection and playing: made on first use (a media termination of a
    /// call usually has neither), so that the table's entries stay small.
    activity: Option<Box<SimActivity>>,
}

/// What a termination detects and plays.
#[derive(Debug, Default)]
struct SimActivity {
    detect: Vec<Text>,
    /// Signals playing, by the engine's signal ID (a few at most).
    signals: Vec<(u64, JoinHandle<()>)>,
    script: Option<JoinHandle<()>>,
}

impl SimTermination {
    fn new(now: Instant) -> Self {
        SimTermination {
            created: now,
            streams: StreamMap::default(),
            activity: None,
        }
    }

    /// The events it detects.
    fn detect(&self) -> &[Text] {
        self.activity.as_ref().map_or(&[], |a| &a.detect)
    }

    /// Its activity, made now if it had none.
    fn activity_mut(&mut self) -> &mut SimActivity {
        self.activity.get_or_insert_with(Box::default)
    }

    /// Takes signal `id`'s task out, if it is playing.
    fn stop_signal(&mut self, id: u64) -> Option<JoinHandle<()>> {
        let signals = &mut self.activity.as_mut()?.signals;
        let i = signals.iter().position(|(s, _)| *s == id)?;
        Some(signals.swap_remove(i).1)
    }

    fn stop_tasks(&mut self) {
        let Some(activity) = self.activity.as_mut() else {
            return;
        };
        for (_, task) in activity.signals.drain(..) {
            task.abort();
        }
        if let Some(task) = activity.script.take() {
            task.abort();
        }
    }
}

#[derive(Debug, Default)]
struct SimState {
    /// Ports in use per pool.
    used: Vec<HashSet<u16, foldhash::fast::RandomState>>,
    /// Next port to try per pool.
    next: Vec<u16>,
    terminations: PeerKeyedMap<TerminationId, SimTermination>,
}

struct SimInner {
    config: SimConfig,
    state: Mutex<SimState>,
    sender: mpsc::Sender<BackendEvent>,
    receiver: Mutex<Option<mpsc::Receiver<BackendEvent>>>,
    dropped: AtomicU64,
}

/// The simulated media backend (see the module documentation). Cloning
/// gives another handle on the same backend (for a test to inject events).
#[derive(Clone)]
pub struct SimBackend {
    inner: Arc<SimInner>,
}

impl std::fmt::Debug for SimBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimBackend").finish_non_exhaustive()
    }
}

fn lock(state: &Mutex<SimState>) -> std::sync::MutexGuard<'_, SimState> {
    // A panic while holding the lock cannot leave the books inconsistent in
    // a way worse than losing the panicking call: keep serving.
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl SimBackend {
    pub fn new(config: SimConfig) -> Self {
        let (sender, receiver) = mpsc::channel(config.event_queue.max(1));
        let pools = config.pools.len();
        let next = config
            .pools
            .iter()
            .map(|p| p.first_port + (p.first_port & 1))
            .collect();
        SimBackend {
            inner: Arc::new(SimInner {
                config,
                state: Mutex::new(SimState {
                    used: vec![HashSet::default(); pools],
                    next,
                    terminations: PeerKeyedMap::default(),
                }),
                sender,
                receiver: Mutex::new(Some(receiver)),
                dropped: AtomicU64::new(0),
            }),
        }
    }

    /// Raises event `name` on `termination` as if the media plane had
    /// detected it; `false` when its detection is not enabled there (or
    /// the engine's queue is full).
    pub fn inject(
        &self,
        termination: &TerminationId,
        name: &str,
        params: Vec<PropertyParm>,
    ) -> bool {
        let enabled = {
            let state = lock(&self.inner.state);
            state
                .terminations
                .get(termination)
                .is_some_and(|t| detects(t.detect(), name))
        };
        if !enabled {
            return false;
        }
        let sent = self
            .inner
            .sender
            .try_send(BackendEvent::Detected {
                termination: termination.clone(),
                stream: None,
                name: Text::from(name),
                params,
            })
            .is_ok();
        if !sent {
            self.inner.dropped.fetch_add(1, Ordering::Relaxed);
        }
        sent
    }

    /// Raises the DTMF events (`dd/d0`..`dd/d9`, `dd/ds` for `*`, `dd/do`
    /// for `#`, `dd/da`..`dd/dd`: H.248.1 E.6) of `digits`; the number
    /// delivered.
    pub fn inject_digits(&self, termination: &TerminationId, digits: &str) -> usize {
        digits
            .chars()
            .filter_map(digit_event)
            .filter(|event| self.inject(termination, event, Vec::new()))
            .count()
    }

    /// Pairs in use now, over all pools.
    pub fn allocated(&self) -> usize {
        lock(&self.inner.state).used.iter().map(HashSet::len).sum()
    }

    /// Events not delivered because the engine's queue was full.
    pub fn dropped_events(&self) -> u64 {
        self.inner.dropped.load(Ordering::Relaxed)
    }

    fn signal_length(&self, signal: &SignalStart) -> Option<u32> {
        if signal.signal_type == Some(SignalType::OnOff) && signal.duration_ms.is_none() {
            return None;
        }
        Some(signal.duration_ms.unwrap_or_else(|| {
            self.inner
                .config
                .signal_lengths
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(&signal.name))
                .map_or(self.inner.config.default_signal_ms, |(_, ms)| *ms)
        }))
    }
}

/// The `dd` event of a DTMF character (H.248.1 E.6.3).
pub fn digit_event(c: char) -> Option<&'static str> {
    Some(match c.to_ascii_uppercase() {
        '0' => "dd/d0",
        '1' => "dd/d1",
        '2' => "dd/d2",
        '3' => "dd/d3",
        '4' => "dd/d4",
        '5' => "dd/d5",
        '6' => "dd/d6",
        '7' => "dd/d7",
        '8' => "dd/d8",
        '9' => "dd/d9",
        '*' => "dd/ds",
        '#' => "dd/do",
        'A' => "dd/da",
        'B' => "dd/db",
        'C' => "dd/dc",
        'D' => "dd/dd",
        _ => return None,
    })
}

/// Whether the detection list covers `name`: by name, `pkg/*`, and the
/// digit events of `dd` when the digit-map completion `dd/ce` is detected.
fn detects(list: &[Text], name: &str) -> bool {
    listed(list, name)
        || (name.len() > 3
            && name[..3].eq_ignore_ascii_case("dd/")
            && list.iter().any(|n| n.eq_ignore_ascii_case("dd/ce")))
}

impl MediaBackend for SimBackend {
    fn reserve(&self, request: ReserveRequest) -> BackendFuture<'_, Allocation> {
        Box::pin(async move {
            let now = Instant::now();
            let mut state = lock(&self.inner.state);
            let state = &mut *state;
            let termination = state
                .terminations
                .entry(request.termination.clone())
                .or_insert_with(|| SimTermination::new(now));
            let stream = termination
                .streams
                .get_or_insert_with(request.stream, || SimStream::new(now));
            if let Some((_, held)) = stream.allocation {
                return Ok(held);
            }
            for (i, pool) in self.inner.config.pools.iter().enumerate() {
                let family = match pool.address {
                    IpAddr::V4(_) => AddressFamily::Ip4,
                    IpAddr::V6(_) => AddressFamily::Ip6,
                };
                let realm_ok = match (&request.realm, &pool.realm) {
                    (None, None) => true,
                    (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                    _ => false,
                };
                if family != request.family || !realm_ok {
                    continue;
                }
                let first = pool.first_port + (pool.first_port & 1);
                if first > pool.last_port {
                    continue;
                }
                let slots = u32::from((pool.last_port - first) / 2) + 1;
                let mut port = state.next[i].clamp(first, pool.last_port);
                for _ in 0..slots {
                    if !state.used[i].contains(&port) {
                        state.used[i].insert(port);
                        let next = u32::from(port) + 2;
                        state.next[i] = if next > u32::from(pool.last_port) {
                            first
                        } else {
                            next as u16
                        };
                        let allocation = Allocation {
                            address: pool.address,
                            port,
                        };
                        stream.allocation = Some((i, allocation));
                        return Ok(allocation);
                    }
                    let next = u32::from(port) + 2;
                    port = if next > u32::from(pool.last_port) {
                        first
                    } else {
                        next as u16
                    };
                }
            }
            Err(Refusal::new(
                codes::INSUFFICIENT_RESOURCES,
                format!(
                    "no {} address and port free in realm {}",
                    request.family.token(),
                    request.realm.as_deref().unwrap_or("(default)")
                ),
            ))
        })
    }

    fn release(&self, termination: TerminationId, stream: StreamId) -> BackendFuture<'_, ()> {
        Box::pin(async move {
            let mut state = lock(&self.inner.state);
            let state = &mut *state;
            if let Some(t) = state.terminations.get_mut(&termination) {
                if let Some(s) = t.streams.get_mut(&stream) {
                    if let Some((pool, a)) = s.allocation.take() {
                        state.used[pool].remove(&a.port);
                    }
                }
            }
            Ok(())
        })
    }

    fn configure(&self, setup: StreamSetup) -> BackendFuture<'_, ()> {
        Box::pin(async move {
            let now = Instant::now();
            let interval = self.inner.config.packet_interval_ms;
            let mut state = lock(&self.inner.state);
            let t = state
                .terminations
                .entry(setup.termination)
                .or_insert_with(|| SimTermination::new(now));
            let s = t
                .streams
                .get_or_insert_with(setup.stream, || SimStream::new(now));
            s.advance(now, interval);
            s.since = now;
            s.mode = setup.mode;
            s.remote = setup.remote.is_some();
            Ok(())
        })
    }

    fn start_signal(&self, signal: SignalStart) -> BackendFuture<'_, ()> {
        Box::pin(async move {
            if !self.can_generate(&signal.name) {
                return Err(Refusal::new(
                    codes::CANNOT_GENERATE,
                    format!("the media plane cannot generate {}", signal.name),
                ));
            }
            let length = self.signal_length(&signal);
            let now = Instant::now();
            let mut state = lock(&self.inner.state);
            let t = state
                .terminations
                .entry(signal.termination.clone())
                .or_insert_with(|| SimTermination::new(now));
            if let Some(old) = t.stop_signal(signal.id) {
                old.abort();
            }
            if let Some(ms) = length {
                let sender = self.inner.sender.clone();
                let termination = signal.termination.clone();
                let id = signal.id;
                let task = tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(u64::from(ms))).await;
                    let _ = sender
                        .send(BackendEvent::SignalCompleted { termination, id })
                        .await;
                });
                let signals = &mut t.activity_mut().signals;
                if signals.is_empty() {
                    signals.reserve_exact(1);
                }
                signals.push((signal.id, task));
            }
            Ok(())
        })
    }

    fn stop_signal(&self, termination: TerminationId, id: u64) -> BackendFuture<'_, ()> {
        Box::pin(async move {
            let mut state = lock(&self.inner.state);
            if let Some(task) = state
                .terminations
                .get_mut(&termination)
                .and_then(|t| t.stop_signal(id))
            {
                task.abort();
            }
            Ok(())
        })
    }

    fn detect_events(&self, termination: TerminationId, names: Vec<Text>) -> BackendFuture<'_, ()> {
        Box::pin(async move {
            if let Some(name) = names.iter().find(|n| !self.can_detect(n)) {
                return Err(Refusal::new(
                    codes::CANNOT_DETECT,
                    format!("the media plane cannot detect {name}"),
                ));
            }
            let now = Instant::now();
            let mut state = lock(&self.inner.state);
            let t = state
                .terminations
                .entry(termination.clone())
                .or_insert_with(|| SimTermination::new(now));
            if names.is_empty() && t.activity.is_none() {
                return Ok(());
            }
            let activity = t.activity_mut();
            let had_dtmf = activity.script.is_some();
            activity.detect = names;
            let wants_dtmf = activity
                .detect
                .iter()
                .any(|n| n.len() > 3 && n[..3].eq_ignore_ascii_case("dd/"));
            if !wants_dtmf {
                if let Some(task) = activity.script.take() {
                    task.abort();
                }
            } else if !had_dtmf {
                if let Some(script) = self.inner.config.dtmf_script.clone() {
                    let backend = self.clone();
                    activity.script = Some(tokio::spawn(async move {
                        tokio::time::sleep(Duration::from_millis(u64::from(script.delay_ms))).await;
                        for (i, c) in script.digits.chars().enumerate() {
                            if i > 0 {
                                tokio::time::sleep(Duration::from_millis(u64::from(
                                    script.interval_ms,
                                )))
                                .await;
                            }
                            if let Some(event) = digit_event(c) {
                                backend.inject(&termination, event, Vec::new());
                            }
                        }
                    }));
                }
            }
            Ok(())
        })
    }

    fn statistics(
        &self,
        termination: TerminationId,
    ) -> BackendFuture<'_, Vec<StatisticsParameter>> {
        Box::pin(async move {
            let now = Instant::now();
            let config = &self.inner.config;
            let mut state = lock(&self.inner.state);
            let (duration, sent, received) = match state.terminations.get_mut(&termination) {
                Some(t) => {
                    let mut sent = 0;
                    let mut received = 0;
                    for s in t.streams.values_mut() {
                        s.advance(now, config.packet_interval_ms);
                        sent += s.packets_sent;
                        received += s.packets_received;
                    }
                    (
                        now.saturating_duration_since(t.created).as_millis() as u64,
                        sent,
                        received,
                    )
                }
                None => (0, 0, 0),
            };
            let mut decimal = itoa::Buffer::new();
            let mut stat = |name: &'static str, value: u64| StatisticsParameter {
                name: Text::const_new(name),
                value: vec![Text::from(decimal.format(value))],
            };
            Ok(vec![
                stat("nt/dur", duration),
                stat("nt/os", sent.saturating_mul(config.packet_octets)),
                stat("nt/or", received.saturating_mul(config.packet_octets)),
                stat("rtp/ps", sent),
                stat("rtp/pr", received),
            ])
        })
    }

    fn forget(&self, termination: TerminationId) -> BackendFuture<'_, ()> {
        Box::pin(async move {
            let mut state = lock(&self.inner.state);
            let state = &mut *state;
            if let Some(mut t) = state.terminations.remove(&termination) {
                t.stop_tasks();
                for s in t.streams.values_mut() {
                    if let Some((pool, a)) = s.allocation.take() {
                        state.used[pool].remove(&a.port);
                    }
                }
            }
            Ok(())
        })
    }

    fn can_detect(&self, name: &str) -> bool {
        listed(&self.inner.config.events, name)
    }

    fn can_generate(&self, name: &str) -> bool {
        listed(&self.inner.config.signals, name)
    }

    fn take_events(&self) -> Option<mpsc::Receiver<BackendEvent>> {
        self.inner
            .receiver
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_pool(first: u16, last: u16) -> SimConfig {
        SimConfig {
            pools: vec![Pool {
                realm: None,
                address: IpAddr::from([192, 0, 2, 1]),
                first_port: first,
                last_port: last,
            }],
            ..SimConfig::default()
        }
    }

    fn reserve(t: &str, stream: StreamId) -> ReserveRequest {
        ReserveRequest {
            termination: TerminationId::from(t),
            stream,
            family: AddressFamily::Ip4,
            realm: None,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn pools_hand_out_even_ports_and_run_dry_with_510() {
        let sim = SimBackend::new(one_pool(5001, 5005));
        let a = sim.reserve(reserve("ip/1", 1)).await.unwrap();
        let b = sim.reserve(reserve("ip/2", 1)).await.unwrap();
        assert_eq!((a.port, b.port), (5002, 5004));
        let err = sim.reserve(reserve("ip/3", 1)).await.unwrap_err();
        assert_eq!(err.code, 510);
        // Asking again for a stream that holds a pair returns the same pair.
        assert_eq!(sim.reserve(reserve("ip/1", 1)).await.unwrap(), a);
        sim.release(TerminationId::from("ip/1"), 1).await.unwrap();
        assert_eq!(sim.reserve(reserve("ip/3", 1)).await.unwrap().port, 5002);
        sim.forget(TerminationId::from("ip/2")).await.unwrap();
        sim.forget(TerminationId::from("ip/3")).await.unwrap();
        assert_eq!(sim.allocated(), 0);
        // No IPv6 pool, no realm "core" pool.
        let mut v6 = reserve("ip/4", 1);
        v6.family = AddressFamily::Ip6;
        assert_eq!(sim.reserve(v6).await.unwrap_err().code, 510);
        let mut core = reserve("ip/4", 1);
        core.realm = Some(Text::from("core"));
        assert_eq!(sim.reserve(core).await.unwrap_err().code, 510);
    }

    #[tokio::test(start_paused = true)]
    async fn signals_complete_after_their_duration_unless_stopped() {
        let sim = SimBackend::new(SimConfig::default());
        let mut events = sim.take_events().unwrap();
        assert!(sim.take_events().is_none());
        let t = TerminationId::from("ip/1");
        let start = |id, duration_ms, signal_type| SignalStart {
            id,
            termination: t.clone(),
            name: Text::from("cg/rt"),
            stream: None,
            direction: None,
            params: Vec::new(),
            signal_type,
            duration_ms,
        };
        sim.start_signal(start(1, Some(300), None)).await.unwrap();
        sim.start_signal(start(2, Some(100), None)).await.unwrap();
        sim.start_signal(start(3, None, Some(SignalType::OnOff)))
            .await
            .unwrap();
        sim.stop_signal(t.clone(), 2).await.unwrap();
        let begin = Instant::now();
        let event = events.recv().await.unwrap();
        assert_eq!(
            event,
            BackendEvent::SignalCompleted {
                termination: t.clone(),
                id: 1
            }
        );
        assert_eq!(begin.elapsed(), Duration::from_millis(300));
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert!(
            events.try_recv().is_err(),
            "OnOff and stopped signals never complete"
        );
        let unknown = SignalStart {
            name: Text::from("zz/top"),
            ..start(4, None, None)
        };
        assert_eq!(sim.start_signal(unknown).await.unwrap_err().code, 513);
    }

    #[tokio::test(start_paused = true)]
    async fn statistics_advance_with_time_by_mode() {
        let sim = SimBackend::new(SimConfig::default());
        let t = TerminationId::from("ip/1");
        sim.reserve(reserve("ip/1", 1)).await.unwrap();
        let remote = Some(Allocation {
            address: IpAddr::from([192, 0, 2, 9]),
            port: 4000,
        });
        sim.configure(StreamSetup {
            termination: t.clone(),
            stream: 1,
            mode: StreamMode::SendRecv,
            remote,
        })
        .await
        .unwrap();
        tokio::time::sleep(Duration::from_millis(1000)).await;
        sim.configure(StreamSetup {
            termination: t.clone(),
            stream: 1,
            mode: StreamMode::RecvOnly,
            remote,
        })
        .await
        .unwrap();
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let stats = sim.statistics(t.clone()).await.unwrap();
        let get = |n: &str| {
            stats
                .iter()
                .find(|s| s.name == n)
                .map(|s| s.value[0].to_string())
                .unwrap()
        };
        assert_eq!(get("nt/dur"), "2000");
        assert_eq!(get("rtp/ps"), "50");
        assert_eq!(get("rtp/pr"), "100");
        assert_eq!(get("nt/os"), (50 * 172).to_string());
        assert_eq!(get("nt/or"), (100 * 172).to_string());
    }

    #[tokio::test(start_paused = true)]
    async fn events_are_raised_only_while_detection_is_enabled() {
        let config = SimConfig {
            dtmf_script: Some(DtmfScript {
                digits: Text::from("4#"),
                delay_ms: 500,
                interval_ms: 100,
            }),
            ..SimConfig::default()
        };
        let sim = SimBackend::new(config);
        let mut events = sim.take_events().unwrap();
        let t = TerminationId::from("ip/1");
        assert!(!sim.inject(&t, "dd/d1", Vec::new()));
        sim.detect_events(t.clone(), vec![Text::from("dd/ce")])
            .await
            .unwrap();
        let names: Vec<Text> = [events.recv().await, events.recv().await]
            .into_iter()
            .map(|e| match e {
                Some(BackendEvent::Detected { name, .. }) => name,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(names, ["dd/d4", "dd/do"]);
        assert_eq!(sim.inject_digits(&t, "1x2"), 2);
        sim.detect_events(t.clone(), Vec::new()).await.unwrap();
        assert!(!sim.inject(&t, "dd/d1", Vec::new()));
        let refused = sim
            .detect_events(t.clone(), vec![Text::from("zz/top")])
            .await
            .unwrap_err();
        assert_eq!(refused.code, 512);
    }
}
