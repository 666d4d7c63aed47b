//! The `h248d` configuration: a TOML file (every key documented in
//! `etc/h248d.toml`), or the embedded default ([`DEFAULT_CONFIG`]) when no
//! file is given.
//!
//! Reading is two steps: serde parses the file into [`Config`] (unknown keys
//! and wrong types are refused, with the key and the line), then
//! [`Config::validate`] checks what types cannot say (ports, ranges, mIds,
//! consistency between sections) and builds [`Settings`], the values the
//! service runs on: the engine's [`EngineConfig`], the association's
//! [`MgConfig`], the codec limits, the allowed peers. Every error names the
//! key it is about.

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use h248_profiles::profile::Profile;

use crate::gateway::sim::Pool;
use crate::gateway::{EphemeralNaming, ExternalConfig, GatewayConfig, SimConfig};
use h248_stack::association::{MgConfig, MgcAddress};
use h248_stack::ber::BitStringMapping;
use h248_stack::model::{
    MId, MessageBody, ServiceChangeAddress, ServiceChangeProfile, TerminationId, Text, Transaction,
};
use h248_stack::transaction::{EngineConfig, PeerKeyed, Role, Segmentation};
use serde::Deserialize;

/// The configuration used when no file is given: an Iq MG with the `sim`
/// backend, UDP text on 127.0.0.1:2946, registering with an MGC at
/// 127.0.0.1:2944, metrics on 127.0.0.1:9248.
pub const DEFAULT_CONFIG: &str = r#"
[profile]
name = "iq"

[mg]
mid = "[127.0.0.1]:2946"

[transport]
kind = "udp"
address = "127.0.0.1"
port = 2946
encoding = "pretty"

[[mgc]]
mid = "[127.0.0.1]:2944"
address = "127.0.0.1"
port = 2944

[metrics]
listen = "127.0.0.1:9248"

[gateway]
backend = "sim"
"#;

/// The whole file. Sections other than `[mg]` and `[[mgc]]` may be left
/// out; every key has a documented default.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub profile: ProfileSection,
    pub mg: MgSection,
    #[serde(default)]
    pub transport: TransportSection,
    #[serde(default)]
    pub mgc: Vec<MgcSection>,
    #[serde(default)]
    pub engine: EngineSection,
    #[serde(default)]
    pub association: AssociationSection,
    #[serde(default)]
    pub security: SecuritySection,
    #[serde(default)]
    pub metrics: MetricsSection,
    #[serde(default)]
    pub log: LogSection,
    #[serde(default)]
    pub service: ServiceSection,
    #[serde(default)]
    pub gateway: GatewaySection,
}

/// Which 3GPP profile the MG implements.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum ProfileKind {
    /// TS 29.333 (MRFC - MRFP).
    Mp,
    /// TS 29.334 (IMS-ALG - IMS-AGW).
    #[default]
    Iq,
}

impl ProfileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileKind::Mp => "mp",
            ProfileKind::Iq => "iq",
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct ProfileSection {
    /// `mp` or `iq` (default `iq`).
    #[serde(default)]
    pub name: ProfileKind,
    /// ServiceChangeProfile name sent when registering; default the
    /// profile file's name.
    pub service_change_name: Option<String>,
    /// ServiceChangeProfile version; default the profile file's version.
    pub service_change_version: Option<u8>,
    /// Send `Profile = name/version` with registrations (default true).
    pub announce: Option<bool>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct MgSection {
    /// Our message identifier, as written in message headers:
    /// `[192.0.2.1]:2944`, `[2001:db8::1]:2944`, `<mg1.example.net>:2944`
    /// or a device name.
    pub mid: String,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum TransportKind {
    #[default]
    Udp,
    Tcp,
    Sctp,
}

impl TransportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TransportKind::Udp => "udp",
            TransportKind::Tcp => "tcp",
            TransportKind::Sctp => "sctp",
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// Text, long tokens, indented.
    #[default]
    Pretty,
    /// Text, short tokens.
    Compact,
    /// Binary (ASN.1 BER, Annex A).
    Ber,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TransportSection {
    /// `udp` (default), `tcp` or `sctp`.
    #[serde(default)]
    pub kind: TransportKind,
    /// Local address to bind (default 127.0.0.1).
    #[serde(default = "default_address")]
    pub address: IpAddr,
    /// Local port (default 2946; 0 lets the system choose).
    #[serde(default = "default_port")]
    pub port: u16,
    /// `pretty` (default), `compact` or `ber`.
    #[serde(default)]
    pub encoding: Encoding,
}

fn default_address() -> IpAddr {
    IpAddr::from([127, 0, 0, 1])
}

fn default_port() -> u16 {
    2946
}

impl Default for TransportSection {
    fn default() -> Self {
        TransportSection {
            kind: TransportKind::Udp,
            address: default_address(),
            port: default_port(),
            encoding: Encoding::Pretty,
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct MgcSection {
    /// The MGC's message identifier (as it writes it in its headers).
    pub mid: String,
    pub address: IpAddr,
    /// Default 2944 (2945 with `encoding = "ber"`).
    pub port: Option<u16>,
}

/// Engine timers and limits ([`EngineConfig`]); absent keys keep the
/// engine's defaults (H.248.1 Annex D values).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct EngineSection {
    pub initial_retransmission_timer_ms: Option<u64>,
    pub backoff_factor: Option<u32>,
    pub max_retransmission_timer_ms: Option<u64>,
    pub max_retransmissions: Option<u32>,
    pub request_lifetime_ms: Option<u64>,
    pub long_timer_ms: Option<u64>,
    pub normal_execution_time_ms: Option<u64>,
    pub provisional_response_timer_ms: Option<u64>,
    pub mg_originated_pending_limit: Option<u32>,
    pub mgc_originated_pending_limit: Option<u32>,
    pub ack_delay_ms: Option<u64>,
    pub max_pending_acks: Option<usize>,
    pub max_transactions_per_message: Option<usize>,
    /// Most bytes of a message that batches several transactions.
    pub max_message_bytes: Option<usize>,
    /// Segment v3 replies above this many bytes (UDP only); absent: off.
    pub segmentation_max_message_size: Option<usize>,
    pub max_outgoing_transactions: Option<usize>,
    pub max_incoming_transactions: Option<usize>,
}

/// The control association ([`MgConfig`]); absent keys keep its defaults.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct AssociationSection {
    /// 901 (Cold Boot, default) or 902 (Warm Boot).
    pub restart_reason: Option<u16>,
    /// Highest version offered (default 3).
    pub version: Option<u8>,
    /// Lowest version accepted (default: the lowest the profile allows).
    pub min_version: Option<u8>,
    pub max_wait_delay_ms: Option<u64>,
    pub attempts_per_mgc: Option<u32>,
    pub retry_delay_ms: Option<u64>,
    pub retry_backoff: Option<u32>,
    pub max_retry_delay_ms: Option<u64>,
    /// Rounds over the MGC list before giving up; absent: never.
    pub max_rounds: Option<u32>,
    pub max_redirects: Option<u32>,
    pub reconnect_attempts: Option<u32>,
    pub default_inactivity_ms: Option<u64>,
    pub min_inactivity_ms: Option<u64>,
    pub answer_root_audit: Option<bool>,
    /// ServiceChangeAddress sent with registrations (an mId).
    pub service_change_address: Option<String>,
    /// Other profiles accepted in a registration reply, as `name/version`.
    #[serde(default)]
    pub acceptable_profiles: Vec<String>,
    /// ServiceChangeDelay of the Graceful sent at shutdown, in seconds
    /// (default 0).
    pub shutdown_delay_s: Option<u32>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SecuritySection {
    /// Largest message accepted, in bytes (default 65 507; over TCP at most
    /// 65 531).
    #[serde(default = "default_max_message_size")]
    pub max_message_size: usize,
    /// Messages per second accepted from one peer (default 2000; 0: no
    /// limit). Reloaded on SIGHUP.
    #[serde(default = "default_rate")]
    pub rate_limit_per_peer: u32,
    /// Burst above the rate (default 200). Reloaded on SIGHUP.
    #[serde(default = "default_burst")]
    pub rate_limit_burst: u32,
    /// Serve a configured MGC only from its configured port (default
    /// true); false serves any port of its address (an MGC that sends from
    /// another port than it listens on, or opens its own TCP connections).
    #[serde(default = "yes")]
    pub match_port: bool,
}

fn default_max_message_size() -> usize {
    65_507
}
fn default_rate() -> u32 {
    2000
}
fn default_burst() -> u32 {
    200
}
fn yes() -> bool {
    true
}

impl Default for SecuritySection {
    fn default() -> Self {
        SecuritySection {
            max_message_size: default_max_message_size(),
            rate_limit_per_peer: default_rate(),
            rate_limit_burst: default_burst(),
            match_port: true,
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct MetricsSection {
    /// Where `/metrics` is served (default 127.0.0.1:9248).
    #[serde(default = "default_metrics_listen")]
    pub listen: SocketAddr,
    /// Serve metrics at all (default true).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// How often the engine and gateway counters are sampled (default
    /// 1000 ms).
    #[serde(default = "default_sample_ms")]
    pub sample_interval_ms: u64,
}

fn default_metrics_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 9248))
}
fn default_sample_ms() -> u64 {
    1000
}

impl Default for MetricsSection {
    fn default() -> Self {
        MetricsSection {
            listen: default_metrics_listen(),
            enabled: true,
            sample_interval_ms: default_sample_ms(),
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Human,
    Json,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LogSection {
    /// `human` (default) or `json`.
    #[serde(default)]
    pub format: LogFormat,
    /// A tracing filter (`info`, `h248d=debug,h248_stack=info`...);
    /// `RUST_LOG` overrides it. Reloaded on SIGHUP.
    #[serde(default = "default_level")]
    pub level: String,
}

fn default_level() -> String {
    "info".into()
}

impl Default for LogSection {
    fn default() -> Self {
        LogSection {
            format: LogFormat::Human,
            level: default_level(),
        }
    }
}

/// When systemd is told the service is ready.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum ReadyWhen {
    /// After the first successful registration (default).
    #[default]
    Registered,
    /// As soon as the endpoint is listening.
    Listening,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ServiceSection {
    #[serde(default)]
    pub ready: ReadyWhen,
    /// How long shutdown waits for requests in progress and the Graceful
    /// ServiceChange to be answered (default 5000 ms).
    #[serde(default = "default_drain_ms")]
    pub drain_timeout_ms: u64,
}

fn default_drain_ms() -> u64 {
    5000
}

impl Default for ServiceSection {
    fn default() -> Self {
        ServiceSection {
            ready: ReadyWhen::Registered,
            drain_timeout_ms: default_drain_ms(),
        }
    }
}

/// The media backend behind the gateway engine.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// The simulated backend (`[gateway.sim]`).
    #[default]
    Sim,
    /// The media gateway's own process over a Unix socket
    /// (`[gateway.external]`, `daemon/BACKEND-PROTOCOL.md`).
    External,
}

/// The gateway engine ([`GatewayConfig`]); absent keys keep its defaults.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct GatewaySection {
    /// `sim` (default) or `external`.
    #[serde(default)]
    pub backend: BackendKind,
    /// Most contexts at once (error 412 beyond). Default 10 000.
    pub max_contexts: Option<usize>,
    /// Most terminations in contexts at once (510 beyond). Default 20 000.
    pub max_terminations: Option<usize>,
    /// Most terminations in one context (434 beyond). Default 8.
    pub max_terminations_per_context: Option<usize>,
    /// Prefixes of the ephemeral terminations CHOOSE creates. Default
    /// `["ip/", "rtp/"]` (`ip/1`, `ip/2`...); with `encoding = "ber"`,
    /// `["00000001/"]` (`00000001/00000000/00000001`...: BER carries
    /// termination IDs as bit strings, so prefixes are 8-bit levels there).
    pub ephemeral_prefixes: Option<Vec<String>>,
    /// Physical terminations. Default none.
    #[serde(default)]
    pub physical: Vec<String>,
    /// RTP payload types offered where the MGC writes `$`. Default [0, 8].
    pub codecs: Option<Vec<u8>>,
    /// Events kept per termination under LockStep. Default 32.
    pub event_buffer_size: Option<usize>,
    /// Notify requests queued for the MGC before new ones are dropped.
    /// Default 1024.
    pub notify_queue: Option<usize>,
    /// Digit map timers (H.248.1 E.6.2). Defaults 4000 and 16000 ms.
    pub digit_short_timer_ms: Option<u32>,
    pub digit_long_timer_ms: Option<u32>,
    #[serde(default)]
    pub sim: SimSection,
    #[serde(default)]
    pub external: ExternalSection,
}

/// The external backend ([`ExternalConfig`]); `socket` is required with
/// `gateway.backend = "external"`, absent keys keep the defaults.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct ExternalSection {
    /// The media gateway's Unix socket.
    pub socket: Option<PathBuf>,
    /// Longest wait for one call's answer (error 500 beyond). Default 5000.
    pub call_timeout_ms: Option<u64>,
    /// First wait before reconnecting, doubled up to the maximum. Defaults
    /// 100 and 5000.
    pub reconnect_delay_ms: Option<u64>,
    pub max_reconnect_delay_ms: Option<u64>,
    /// Most calls waiting for an answer (error 511 beyond). Default 1024.
    pub max_in_flight: Option<usize>,
    /// Events and signals the media gateway supports (`pkg/item`,
    /// `pkg/*`). Defaults: those of the sim backend.
    pub events: Option<Vec<String>>,
    pub signals: Option<Vec<String>>,
}

/// The simulated backend ([`SimConfig`]); absent keys keep its defaults.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct SimSection {
    /// Address pools; default 127.0.0.1 and ::1, ports 20000 to 20999.
    pub pools: Option<Vec<PoolSection>>,
    /// Length of a signal without Duration, in ms. Default 2000.
    pub default_signal_ms: Option<u32>,
    /// Packet interval of a sending stream, in ms. Default 20.
    pub packet_interval_ms: Option<u32>,
    /// Octets per packet. Default 172.
    pub packet_octets: Option<u64>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PoolSection {
    /// The realm it serves (`ipdc/realm`); absent: the default realm.
    pub realm: Option<String>,
    pub address: IpAddr,
    pub first_port: u16,
    pub last_port: u16,
}

/// A configuration error, naming the key (or the position, for syntax).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {message}")]
    Read { path: String, message: String },
    #[error("{0}")]
    Parse(String),
    #[error("{key}: {message}")]
    Invalid { key: String, message: String },
}

fn invalid(key: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.into(),
        message: message.into(),
    }
}

/// What can change while running (SIGHUP).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeSettings {
    pub log_level: String,
    pub rate_limit_per_peer: u32,
    pub rate_limit_burst: u32,
}

/// The validated configuration, in the types the service uses.
#[derive(Debug, Clone)]
pub struct Settings {
    pub profile: Profile,
    pub profile_kind: ProfileKind,
    pub local_mid: MId,
    pub transport: TransportKind,
    pub bind: SocketAddr,
    pub encoding: Encoding,
    pub engine: EngineConfig,
    pub association: MgConfig<SocketAddr>,
    /// ServiceChangeDelay of the Graceful at shutdown.
    pub shutdown_delay: Duration,
    /// Peers served: the MGCs' addresses.
    pub allowed: AllowedPeers,
    pub max_message_size: usize,
    pub runtime: RuntimeSettings,
    pub metrics_listen: Option<SocketAddr>,
    pub sample_interval: Duration,
    pub log_format: LogFormat,
    pub ready: ReadyWhen,
    pub drain_timeout: Duration,
    /// The gateway engine's configuration.
    pub gateway: GatewayConfig,
    /// The simulated backend's (with `gateway.backend = "sim"`).
    pub sim: SimConfig,
    /// The external backend's (with `gateway.backend = "external"`).
    pub external: Option<ExternalConfig>,
    /// The configuration these settings were made from.
    pub source: Config,
}

impl Settings {
    /// Whether `self` differs from `running` in more than what a reload
    /// applies (log level, rate limits).
    pub fn restart_needed(&self, running: &Settings) -> bool {
        let mut new = self.source.clone();
        new.log.level = running.source.log.level.clone();
        new.security.rate_limit_per_peer = running.source.security.rate_limit_per_peer;
        new.security.rate_limit_burst = running.source.security.rate_limit_burst;
        new != running.source
    }
}

/// The peers the service serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedPeers {
    /// Looked up for every datagram: keyed with the stack's fast hasher.
    pub addresses: HashSet<SocketAddr, PeerKeyed>,
    pub match_port: bool,
}

impl AllowedPeers {
    pub fn allows(&self, peer: &SocketAddr) -> bool {
        if self.match_port {
            self.addresses.contains(peer)
        } else {
            self.addresses.iter().any(|a| a.ip() == peer.ip())
        }
    }
}

impl Config {
    /// Parses a file's text (no validation beyond types and known keys).
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Parse(e.to_string()))
    }

    /// The embedded default.
    pub fn embedded() -> Config {
        Config::parse(DEFAULT_CONFIG).expect("the embedded default parses")
    }

    /// Reads and parses `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Config::parse(&text).map_err(|e| match e {
            ConfigError::Parse(m) => ConfigError::Parse(format!("{}: {m}", path.display())),
            other => other,
        })
    }

    /// Reads `path`, or the embedded default, and validates it.
    pub fn load_settings(path: Option<&Path>) -> Result<Settings, ConfigError> {
        match path {
            Some(p) => Config::load(p)?.validate(),
            None => Config::embedded().validate(),
        }
    }

    /// Checks everything types cannot and builds the [`Settings`].
    pub fn validate(&self) -> Result<Settings, ConfigError> {
        let profile = match self.profile.name {
            ProfileKind::Mp => Profile::mp(),
            ProfileKind::Iq => Profile::iq(),
        };
        let local_mid = parse_mid(&self.mg.mid).map_err(|m| invalid("mg.mid", m))?;

        let t = &self.transport;
        let bind = SocketAddr::new(t.address, t.port);

        // MGCs.
        if self.mgc.is_empty() {
            return Err(invalid("mgc", "at least one [[mgc]] is needed"));
        }
        let default_mgc_port = if t.encoding == Encoding::Ber {
            h248_stack::transport::DEFAULT_BINARY_PORT
        } else {
            h248_stack::transport::DEFAULT_TEXT_PORT
        };
        let mut mgcs = Vec::new();
        let mut addresses = HashSet::default();
        for (i, m) in self.mgc.iter().enumerate() {
            let mid = parse_mid(&m.mid).map_err(|e| invalid(format!("mgc[{i}].mid"), e))?;
            let port = m.port.unwrap_or(default_mgc_port);
            if port == 0 {
                return Err(invalid(format!("mgc[{i}].port"), "must not be 0"));
            }
            if m.address.is_unspecified() {
                return Err(invalid(
                    format!("mgc[{i}].address"),
                    "an unspecified address cannot be sent to",
                ));
            }
            if m.address.is_ipv4() != t.address.is_ipv4() && !t.address.is_unspecified() {
                return Err(invalid(
                    format!("mgc[{i}].address"),
                    "not of the family of transport.address",
                ));
            }
            let peer = SocketAddr::new(m.address, port);
            if !addresses.insert(peer) {
                return Err(invalid(format!("mgc[{i}]"), "listed twice"));
            }
            mgcs.push(MgcAddress { mid, peer });
        }

        let mut engine = self.engine_config(local_mid.clone())?;
        // A batch must not break the profile's limit at the peer (Iq:
        // at most 10 transactions per message, TS 29.334 Table 5.10.1).
        if let Some(limit) = profile.max_transactions_per_message {
            if self
                .engine
                .max_transactions_per_message
                .is_some_and(|n| n > limit)
            {
                return Err(invalid(
                    "engine.max_transactions_per_message",
                    format!(
                        "the {} profile allows at most {limit} transactions per message",
                        self.profile.name.as_str()
                    ),
                ));
            }
            engine.max_transactions_per_message = engine.max_transactions_per_message.min(limit);
        }

        // Association.
        let a = &self.association;
        let mut mg = MgConfig::new(mgcs);
        if let Some(r) = a.restart_reason {
            if r != 901 && r != 902 {
                return Err(invalid(
                    "association.restart_reason",
                    "must be 901 (Cold Boot) or 902 (Warm Boot)",
                ));
            }
            mg.restart_reason = r;
        }
        let lowest = profile.protocol_versions.iter().copied().min().unwrap_or(1);
        let highest = profile.protocol_versions.iter().copied().max().unwrap_or(3);
        mg.version = a.version.unwrap_or(highest.min(3));
        mg.min_version = a.min_version.unwrap_or(lowest);
        if !(1..=3).contains(&mg.version) {
            return Err(invalid("association.version", "must be 1, 2 or 3"));
        }
        if !profile.protocol_versions.contains(&mg.version) {
            return Err(invalid(
                "association.version",
                format!(
                    "the {} profile allows versions {:?}",
                    self.profile.name.as_str(),
                    profile.protocol_versions
                ),
            ));
        }
        if !(1..=3).contains(&mg.min_version) || mg.min_version > mg.version {
            return Err(invalid(
                "association.min_version",
                "must be between 1 and association.version",
            ));
        }
        set_ms(&mut mg.max_wait_delay, a.max_wait_delay_ms);
        if let Some(n) = a.attempts_per_mgc {
            if n == 0 {
                return Err(invalid(
                    "association.attempts_per_mgc",
                    "must be at least 1",
                ));
            }
            mg.attempts_per_mgc = n;
        }
        set_ms(&mut mg.retry_delay, a.retry_delay_ms);
        if let Some(b) = a.retry_backoff {
            if b == 0 {
                return Err(invalid("association.retry_backoff", "must be at least 1"));
            }
            mg.retry_backoff = b;
        }
        set_ms(&mut mg.max_retry_delay, a.max_retry_delay_ms);
        mg.max_rounds = a.max_rounds;
        if let Some(n) = a.max_redirects {
            mg.max_redirects = n;
        }
        if let Some(n) = a.reconnect_attempts {
            mg.reconnect_attempts = n;
        }
        set_ms(&mut mg.default_inactivity, a.default_inactivity_ms);
        set_ms(&mut mg.min_inactivity, a.min_inactivity_ms);
        if let Some(b) = a.answer_root_audit {
            mg.answer_root_audit = b;
        }
        if let Some(addr) = &a.service_change_address {
            let mid =
                parse_mid(addr).map_err(|e| invalid("association.service_change_address", e))?;
            mg.service_change_address = Some(ServiceChangeAddress::Address(mid));
        }
        for (i, p) in a.acceptable_profiles.iter().enumerate() {
            let parsed = parse_profile(p)
                .map_err(|e| invalid(format!("association.acceptable_profiles[{i}]"), e))?;
            mg.acceptable_profiles.push(parsed);
        }
        let name = self
            .profile
            .service_change_name
            .clone()
            .unwrap_or_else(|| profile.name.to_string());
        if name.is_empty() || name.len() > 64 || !name.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(invalid(
                "profile.service_change_name",
                "1 to 64 printable characters without spaces",
            ));
        }
        let version = self
            .profile
            .service_change_version
            .unwrap_or(profile.version);
        if self.profile.announce.unwrap_or(true) {
            mg.profile = Some(ServiceChangeProfile {
                name: Text::from(name),
                version,
            });
        }

        // Security.
        let s = &self.security;
        if s.max_message_size < 64 {
            return Err(invalid("security.max_message_size", "must be at least 64"));
        }
        let limit = match t.kind {
            TransportKind::Udp => 65_507,
            TransportKind::Tcp => h248_stack::transport::tpkt::TPKT_MAX_PAYLOAD,
            TransportKind::Sctp => 4095,
        };
        if engine.max_message_bytes > limit {
            return Err(invalid(
                "engine.max_message_bytes",
                format!("at most {limit} over {}", t.kind.as_str()),
            ));
        }
        if s.max_message_size > limit {
            return Err(invalid(
                "security.max_message_size",
                format!("at most {limit} over {}", t.kind.as_str()),
            ));
        }

        let m = &self.metrics;
        if m.sample_interval_ms == 0 {
            return Err(invalid("metrics.sample_interval_ms", "must be positive"));
        }
        check_filter(&self.log.level).map_err(|e| invalid("log.level", e))?;
        if self.service.drain_timeout_ms == 0 {
            return Err(invalid("service.drain_timeout_ms", "must be positive"));
        }

        let (gateway, sim) = self.gateway_config(&profile)?;
        let external = self.external_config(&engine)?;

        Ok(Settings {
            profile,
            profile_kind: self.profile.name,
            local_mid,
            transport: t.kind,
            bind,
            encoding: t.encoding,
            engine,
            association: mg,
            shutdown_delay: Duration::from_secs(u64::from(a.shutdown_delay_s.unwrap_or(0))),
            allowed: AllowedPeers {
                addresses,
                match_port: s.match_port,
            },
            max_message_size: s.max_message_size,
            runtime: RuntimeSettings {
                log_level: self.log.level.clone(),
                rate_limit_per_peer: s.rate_limit_per_peer,
                rate_limit_burst: s.rate_limit_burst,
            },
            metrics_listen: m.enabled.then_some(m.listen),
            sample_interval: Duration::from_millis(m.sample_interval_ms),
            log_format: self.log.format,
            ready: self.service.ready,
            drain_timeout: Duration::from_millis(self.service.drain_timeout_ms),
            gateway,
            sim,
            external,
            source: self.clone(),
        })
    }

    fn gateway_config(&self, profile: &Profile) -> Result<(GatewayConfig, SimConfig), ConfigError> {
        let g = &self.gateway;
        let mut c = GatewayConfig::new(profile.clone());
        let positive = |key: &str, v: Option<usize>| match v {
            Some(0) => Err(invalid(format!("gateway.{key}"), "must be at least 1")),
            other => Ok(other),
        };
        set(
            &mut c.max_contexts,
            positive("max_contexts", g.max_contexts)?,
        );
        set(
            &mut c.max_terminations,
            positive("max_terminations", g.max_terminations)?,
        );
        set(
            &mut c.max_terminations_per_context,
            positive(
                "max_terminations_per_context",
                g.max_terminations_per_context,
            )?,
        );
        if self.transport.encoding == Encoding::Ber {
            // BER carries termination IDs as bit strings (H.248.1 A.1, in
            // the layout of the codec's mapping): CHOOSE must make IDs of
            // that form, or their replies cannot be sent.
            c.ephemeral_naming = EphemeralNaming::BitString {
                level_bits: BitStringMapping::default().level_widths().to_vec(),
            };
            c.ephemeral_prefixes = vec![Text::from("00000001/")];
        }
        if let Some(prefixes) = &g.ephemeral_prefixes {
            if prefixes.iter().any(|p| p.is_empty()) {
                return Err(invalid("gateway.ephemeral_prefixes", "empty prefix"));
            }
            if let Some(p) = prefixes.iter().find(|p| !c.ephemeral_naming.accepts(p)) {
                return Err(invalid(
                    "gateway.ephemeral_prefixes",
                    format!(
                        "{p:?} has no binary form: with encoding = \"ber\" a prefix is one or \
                         two 8-bit levels of 0 and 1, each followed by /, such as \"00000001/\""
                    ),
                ));
            }
            c.ephemeral_prefixes = prefixes.iter().map(|p| Text::from(p.as_str())).collect();
        }
        c.physical = g
            .physical
            .iter()
            .map(|t| TerminationId::new(t.as_str()))
            .collect();
        if let Some(codecs) = &g.codecs {
            if codecs.is_empty() || codecs.iter().any(|&pt| pt > 127) {
                return Err(invalid(
                    "gateway.codecs",
                    "one or more RTP payload types (0 to 127)",
                ));
            }
            c.codecs = codecs.clone();
        }
        set(&mut c.event_buffer_size, g.event_buffer_size);
        set(
            &mut c.notify_queue,
            positive("notify_queue", g.notify_queue)?,
        );
        set(&mut c.digit_short_timer_ms, g.digit_short_timer_ms);
        set(&mut c.digit_long_timer_ms, g.digit_long_timer_ms);

        let mut sim = SimConfig::default();
        if let Some(pools) = &g.sim.pools {
            if pools.is_empty() {
                return Err(invalid("gateway.sim.pools", "at least one pool"));
            }
            sim.pools = Vec::new();
            for (i, p) in pools.iter().enumerate() {
                if p.first_port == 0 || p.first_port > p.last_port {
                    return Err(invalid(
                        format!("gateway.sim.pools[{i}]"),
                        "needs 0 < first_port <= last_port",
                    ));
                }
                sim.pools.push(Pool {
                    realm: p.realm.as_deref().map(Text::from),
                    address: p.address,
                    first_port: p.first_port,
                    last_port: p.last_port,
                });
            }
        }
        set(&mut sim.default_signal_ms, g.sim.default_signal_ms);
        if g.sim.packet_interval_ms == Some(0) {
            return Err(invalid(
                "gateway.sim.packet_interval_ms",
                "must be positive",
            ));
        }
        set(&mut sim.packet_interval_ms, g.sim.packet_interval_ms);
        set(&mut sim.packet_octets, g.sim.packet_octets);
        Ok((c, sim))
    }

    /// `[gateway.external]`, checked against the engine's Pending timing:
    /// a call must time out (500) before the engine gives up on the
    /// transaction after its last Pending (506, H.248.1 Annex D.1.4).
    fn external_config(
        &self,
        engine: &EngineConfig,
    ) -> Result<Option<ExternalConfig>, ConfigError> {
        let x = &self.gateway.external;
        if self.gateway.backend != BackendKind::External {
            return Ok(None);
        }
        let Some(socket) = &x.socket else {
            return Err(invalid(
                "gateway.external.socket",
                "required with gateway.backend = \"external\"",
            ));
        };
        let mut c = ExternalConfig::new(socket.clone());
        let positive = |key: &str, v: Option<u64>| match v {
            Some(0) => Err(invalid(
                format!("gateway.external.{key}"),
                "must be positive",
            )),
            other => Ok(other),
        };
        set_ms(
            &mut c.call_timeout,
            positive("call_timeout_ms", x.call_timeout_ms)?,
        );
        set_ms(
            &mut c.reconnect_delay,
            positive("reconnect_delay_ms", x.reconnect_delay_ms)?,
        );
        set_ms(
            &mut c.max_reconnect_delay,
            positive("max_reconnect_delay_ms", x.max_reconnect_delay_ms)?,
        );
        if c.max_reconnect_delay < c.reconnect_delay {
            return Err(invalid(
                "gateway.external.max_reconnect_delay_ms",
                "must be at least reconnect_delay_ms",
            ));
        }
        if x.max_in_flight == Some(0) {
            return Err(invalid(
                "gateway.external.max_in_flight",
                "must be at least 1",
            ));
        }
        set(&mut c.max_in_flight, x.max_in_flight);
        if let Some(events) = &x.events {
            c.events = events.iter().map(|e| Text::from(e.as_str())).collect();
        }
        if let Some(signals) = &x.signals {
            c.signals = signals.iter().map(|e| Text::from(e.as_str())).collect();
        }
        let pending_span =
            engine.provisional_response_timer * engine.mg_originated_pending_limit.max(1);
        if c.call_timeout >= pending_span {
            return Err(invalid(
                "gateway.external.call_timeout_ms",
                format!(
                    "must be below engine.provisional_response_timer_ms x \
                     engine.mg_originated_pending_limit ({} ms), after which the \
                     transaction fails with 506",
                    pending_span.as_millis()
                ),
            ));
        }
        Ok(Some(c))
    }

    fn engine_config(&self, local_mid: MId) -> Result<EngineConfig, ConfigError> {
        let e = &self.engine;
        let mut c = EngineConfig::new(Role::Mg, local_mid);
        set_ms(
            &mut c.initial_retransmission_timer,
            e.initial_retransmission_timer_ms,
        );
        set(&mut c.backoff_factor, e.backoff_factor);
        set_ms(
            &mut c.max_retransmission_timer,
            e.max_retransmission_timer_ms,
        );
        set(&mut c.max_retransmissions, e.max_retransmissions);
        set_ms(&mut c.request_lifetime, e.request_lifetime_ms);
        set_ms(&mut c.long_timer, e.long_timer_ms);
        set_ms(&mut c.normal_execution_time, e.normal_execution_time_ms);
        set_ms(
            &mut c.provisional_response_timer,
            e.provisional_response_timer_ms,
        );
        set(
            &mut c.mg_originated_pending_limit,
            e.mg_originated_pending_limit,
        );
        set(
            &mut c.mgc_originated_pending_limit,
            e.mgc_originated_pending_limit,
        );
        set_ms(&mut c.ack_delay, e.ack_delay_ms);
        set(&mut c.max_pending_acks, e.max_pending_acks);
        set(
            &mut c.max_transactions_per_message,
            e.max_transactions_per_message,
        );
        set(&mut c.max_message_bytes, e.max_message_bytes);
        if let Some(size) = e.segmentation_max_message_size {
            c.segmentation = Segmentation::MaxMessageSize(size);
        }
        set(
            &mut c.max_outgoing_transactions,
            e.max_outgoing_transactions,
        );
        set(
            &mut c.max_incoming_transactions,
            e.max_incoming_transactions,
        );
        c.reliable_transport = self.transport.kind != TransportKind::Udp;
        // The engine names its field; say which key of ours it is.
        c.validate().map_err(|err| {
            let text = err.0;
            let key = ENGINE_KEYS
                .iter()
                .find(|(field, _)| text.starts_with(field))
                .map_or("engine", |(_, key)| key);
            invalid(key, text)
        })?;
        Ok(c)
    }
}

/// Engine field names, as its errors name them, and our keys.
const ENGINE_KEYS: &[(&str, &str)] = &[
    (
        "initial_retransmission_timer",
        "engine.initial_retransmission_timer_ms",
    ),
    ("backoff_factor", "engine.backoff_factor"),
    (
        "max_retransmission_timer",
        "engine.max_retransmission_timer_ms",
    ),
    ("max_retransmissions", "engine.max_retransmissions"),
    ("request_lifetime", "engine.request_lifetime_ms"),
    ("long_timer", "engine.long_timer_ms"),
    ("normal_execution_time", "engine.normal_execution_time_ms"),
    (
        "provisional_response_timer",
        "engine.provisional_response_timer_ms",
    ),
    (
        "mg_originated_pending_limit",
        "engine.mg_originated_pending_limit",
    ),
    (
        "mgc_originated_pending_limit",
        "engine.mgc_originated_pending_limit",
    ),
    ("ack_delay", "engine.ack_delay_ms"),
    ("max_pending_acks", "engine.max_pending_acks"),
    (
        "max_transactions_per_message",
        "engine.max_transactions_per_message",
    ),
    ("max_message_bytes", "engine.max_message_bytes"),
    ("segment", "engine.segmentation_max_message_size"),
    (
        "max_outgoing_transactions",
        "engine.max_outgoing_transactions",
    ),
    (
        "max_incoming_transactions",
        "engine.max_incoming_transactions",
    ),
];

fn set<T>(field: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *field = v;
    }
}

fn set_ms(field: &mut Duration, value: Option<u64>) {
    if let Some(ms) = value {
        *field = Duration::from_millis(ms);
    }
}

/// Parses an mId in its text form (`[192.0.2.1]:2944`, `<name>:port`, a
/// device name) with the stack's own decoder.
pub fn parse_mid(text: &str) -> Result<MId, String> {
    if text.is_empty()
        || text.len() > 128
        || text
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control() || b"{}=;".contains(&b))
    {
        return Err(format!(
            "`{text}` is not an mId (`[192.0.2.1]:2944`, `<mg.example.net>:2944` or a device name)"
        ));
    }
    let message = format!("MEGACO/1 {text} TransactionResponseAck {{ 1 }}");
    match h248_stack::text::decode(message.as_bytes()) {
        Ok(m)
            if matches!(&m.message.body, MessageBody::Transactions(t)
                if t.len() == 1 && matches!(t[0], Transaction::ResponseAck(_))) =>
        {
            Ok(m.message.mid)
        }
        _ => Err(format!(
            "`{text}` is not an mId (`[192.0.2.1]:2944`, `<mg.example.net>:2944` or a device name)"
        )),
    }
}

/// Parses `name/version`.
fn parse_profile(text: &str) -> Result<ServiceChangeProfile, String> {
    let (name, version) = text
        .split_once('/')
        .ok_or_else(|| format!("`{text}` is not `name/version`"))?;
    let version: u8 = version
        .parse()
        .map_err(|_| format!("`{version}` is not a version number"))?;
    if name.is_empty() || name.len() > 64 || !name.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!("`{name}` is not a profile name"));
    }
    Ok(ServiceChangeProfile {
        name: Text::from(name),
        version,
    })
}

/// Checks a tracing filter directive.
pub fn check_filter(level: &str) -> Result<(), String> {
    tracing_subscriber::EnvFilter::builder()
        .parse(level)
        .map(|_| ())
        .map_err(|e| format!("`{level}` is not a log filter: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_default_is_the_documented_one() {
        let s = Config::embedded().validate().expect("valid");
        assert_eq!(s.profile_kind, ProfileKind::Iq);
        assert_eq!(s.bind, "127.0.0.1:2946".parse().unwrap());
        assert_eq!(s.transport, TransportKind::Udp);
        assert_eq!(s.encoding, Encoding::Pretty);
        assert_eq!(
            s.association.mgcs[0].peer,
            "127.0.0.1:2944".parse::<SocketAddr>().unwrap()
        );
        assert_eq!(s.metrics_listen, Some("127.0.0.1:9248".parse().unwrap()));
        assert_eq!(s.source.gateway.backend, BackendKind::Sim);
        assert_eq!(s.gateway.max_contexts, 10_000);
        // Iq speaks versions 2 and 3 (TS 29.334).
        assert_eq!(s.association.version, 3);
        assert_eq!(s.association.min_version, 2);
        assert_eq!(
            s.association.profile.as_ref().map(|p| p.name.as_str()),
            Some("threegppiq")
        );
    }

    #[test]
    fn the_example_file_parses_and_validates() {
        let text = include_str!("../../etc/h248d.toml");
        let config = Config::parse(text).expect("etc/h248d.toml parses");
        let s = config.validate().expect("etc/h248d.toml validates");
        assert_eq!(s.association.mgcs.len(), 2);
        assert_eq!(s.engine.max_retransmissions, 7);
        assert_eq!(s.runtime.rate_limit_per_peer, 2000);
        assert_eq!(s.gateway.max_contexts, 10_000);
        assert_eq!(s.gateway.max_terminations, 20_000);
        assert_eq!(s.sim.pools.len(), 2);
        assert!(s.external.is_none());
        // Its [gateway.external] section, selected.
        let text = text.replace("backend = \"sim\"", "backend = \"external\"");
        let s = Config::parse(&text)
            .unwrap()
            .validate()
            .expect("external validates");
        let x = s.external.expect("external settings");
        assert_eq!(x.socket, PathBuf::from("/run/media-gateway/h248.sock"));
        assert_eq!(x.call_timeout, Duration::from_millis(5000));
        assert_eq!(x.max_in_flight, 1024);
    }

    #[test]
    fn mids_parse_in_every_form() {
        assert_eq!(
            parse_mid("[192.0.2.1]:2944").unwrap(),
            MId::Ip4 {
                address: "192.0.2.1".parse().unwrap(),
                port: Some(2944)
            }
        );
        assert!(matches!(
            parse_mid("<mg.example.net>:2944"),
            Ok(MId::Domain { .. })
        ));
        assert!(matches!(parse_mid("[2001:db8::1]"), Ok(MId::Ip6 { .. })));
        for bad in ["", "[1.2.3.4", "a b", "[1.2.3.4]:1 Transaction", "x{y}"] {
            assert!(parse_mid(bad).is_err(), "{bad}");
        }
    }

    fn error_of(text: &str) -> String {
        match Config::parse(text).and_then(|c| c.validate()) {
            Ok(_) => panic!("accepted:\n{text}"),
            Err(e) => e.to_string(),
        }
    }

    const BASE: &str = "[mg]\nmid = \"[127.0.0.1]:2946\"\n[[mgc]]\nmid = \"[127.0.0.1]:2944\"\naddress = \"127.0.0.1\"\n";

    #[test]
    fn errors_name_the_key() {
        let e = error_of(&format!("{BASE}[transport]\nprot = 1\n"));
        assert!(e.contains("prot"), "{e}");
        let e = error_of(&format!("{BASE}[transport]\nport = \"x\"\n"));
        assert!(e.contains("port"), "{e}");
        let e = error_of(&format!("{BASE}[transport]\nencoding = \"xml\"\n"));
        assert!(e.contains("encoding") || e.contains("xml"), "{e}");
        let e = error_of("[mg]\nmid = \"nope nope\"\n[[mgc]]\nmid = \"[127.0.0.1]:2944\"\naddress = \"127.0.0.1\"\n");
        assert!(e.starts_with("mg.mid:"), "{e}");
        let e = error_of("[mg]\nmid = \"[127.0.0.1]:1\"\n");
        assert!(e.starts_with("mgc:"), "{e}");
        let e = error_of(&format!("{BASE}[association]\nversion = 1\n"));
        assert!(e.starts_with("association.version:"), "{e}");
        let e = error_of(&format!("{BASE}[association]\nrestart_reason = 905\n"));
        assert!(e.starts_with("association.restart_reason:"), "{e}");
        let e = error_of(&format!("{BASE}[security]\nmax_message_size = 100000\n"));
        assert!(e.starts_with("security.max_message_size:"), "{e}");
        let e = error_of(&format!("{BASE}[log]\nlevel = \"=[\"\n"));
        assert!(e.starts_with("log.level:"), "{e}");
        let e = error_of(&format!("{BASE}[engine]\nbackoff_factor = 0\n"));
        assert!(e.starts_with("engine."), "{e}");
        let e = error_of(&format!("{BASE}[gateway]\nbackend = \"external\"\n"));
        assert!(e.starts_with("gateway.external.socket:"), "{e}");
        let ext =
            "[gateway]\nbackend = \"external\"\n[gateway.external]\nsocket = \"/run/m.sock\"\n";
        let e = error_of(&format!("{BASE}{ext}call_timeout_ms = 0\n"));
        assert!(e.starts_with("gateway.external.call_timeout_ms:"), "{e}");
        // 2000 ms x 10 Pendings: a call may not outlast the last Pending.
        let e = error_of(&format!("{BASE}{ext}call_timeout_ms = 20000\n"));
        assert!(e.starts_with("gateway.external.call_timeout_ms:"), "{e}");
        let e = error_of(&format!("{BASE}{ext}max_in_flight = 0\n"));
        assert!(e.starts_with("gateway.external.max_in_flight:"), "{e}");
        let e = error_of(&format!(
            "{BASE}{ext}reconnect_delay_ms = 500\nmax_reconnect_delay_ms = 100\n"
        ));
        assert!(
            e.starts_with("gateway.external.max_reconnect_delay_ms:"),
            "{e}"
        );
        let e = error_of(&format!("{BASE}{ext}sokcet = \"x\"\n"));
        assert!(e.contains("sokcet"), "{e}");
        let e = error_of(&format!("{BASE}[gateway]\nmax_contexts = 0\n"));
        assert!(e.starts_with("gateway.max_contexts:"), "{e}");
        let e = error_of(&format!(
            "{BASE}[[gateway.sim.pools]]\naddress = \"127.0.0.1\"\nfirst_port = 9\nlast_port = 8\n"
        ));
        assert!(e.starts_with("gateway.sim.pools[0]:"), "{e}");
        let e = error_of(&format!("{BASE}[gateway]\nmax_context = 1\n"));
        assert!(e.contains("max_context"), "{e}");
        let e = error_of(&format!(
            "{BASE}[[mgc]]\nmid = \"[127.0.0.1]:2944\"\naddress = \"127.0.0.1\"\n"
        ));
        assert!(e.starts_with("mgc[1]:"), "{e}");
    }

    /// Batching never breaks the profile's limit on transactions per
    /// message (Iq: 10), and the message byte limit is configurable.
    #[test]
    fn batches_follow_the_profile_limit() {
        let iq = Config::parse(BASE).unwrap().validate().unwrap();
        assert_eq!(iq.engine.max_transactions_per_message, 10);
        assert_eq!(iq.engine.max_message_bytes, 1400);
        let mp = Config::parse(&format!("[profile]\nname = \"mp\"\n{BASE}"))
            .unwrap()
            .validate()
            .unwrap();
        assert_eq!(mp.engine.max_transactions_per_message, 16);
        let e = error_of(&format!(
            "{BASE}[engine]\nmax_transactions_per_message = 11\n"
        ));
        assert!(e.starts_with("engine.max_transactions_per_message:"), "{e}");
        let s = Config::parse(&format!(
            "{BASE}[engine]\nmax_transactions_per_message = 4\nmax_message_bytes = 9000\n"
        ))
        .unwrap()
        .validate()
        .unwrap();
        assert_eq!(s.engine.max_transactions_per_message, 4);
        assert_eq!(s.engine.max_message_bytes, 9000);
        let e = error_of(&format!("{BASE}[engine]\nmax_message_bytes = 0\n"));
        assert!(e.starts_with("engine.max_message_bytes:"), "{e}");
        // A batch must fit the transport's largest message (sctp-rs: 4095).
        let e = error_of(&format!(
            "{BASE}[transport]\nkind = \"sctp\"\n[engine]\nmax_message_bytes = 5000\n"
        ));
        assert!(e.starts_with("engine.max_message_bytes:"), "{e}");
    }

    #[test]
    fn the_external_backend_is_configured() {
        let s = Config::parse(&format!(
            "{BASE}[gateway]\nbackend = \"external\"\n[gateway.external]\n\
             socket = \"/run/h248d/media.sock\"\ncall_timeout_ms = 3000\n\
             reconnect_delay_ms = 50\nmax_reconnect_delay_ms = 800\nmax_in_flight = 16\n\
             events = [\"dd/*\"]\nsignals = [\"an/apf\"]\n"
        ))
        .unwrap()
        .validate()
        .unwrap();
        let x = s.external.expect("external settings");
        assert_eq!(x.socket, PathBuf::from("/run/h248d/media.sock"));
        assert_eq!(x.call_timeout, Duration::from_millis(3000));
        assert_eq!(x.reconnect_delay, Duration::from_millis(50));
        assert_eq!(x.max_reconnect_delay, Duration::from_millis(800));
        assert_eq!(x.max_in_flight, 16);
        assert_eq!(x.events, vec![Text::from("dd/*")]);
        assert_eq!(x.signals, vec![Text::from("an/apf")]);
        // The sim backend has none.
        let s = Config::parse(BASE).unwrap().validate().unwrap();
        assert!(s.external.is_none());
    }

    #[test]
    fn mgc_port_defaults_follow_the_encoding() {
        let s = Config::parse(&format!("{BASE}[transport]\nencoding = \"ber\"\n"))
            .unwrap()
            .validate()
            .unwrap();
        assert_eq!(s.association.mgcs[0].peer.port(), 2945);
    }

    #[test]
    fn ber_names_ephemeral_terminations_as_bit_strings() {
        use crate::gateway::EphemeralNaming;
        let s = Config::parse(&format!("{BASE}[transport]\nencoding = \"ber\"\n"))
            .unwrap()
            .validate()
            .unwrap();
        assert!(matches!(
            s.gateway.ephemeral_naming,
            EphemeralNaming::BitString { .. }
        ));
        assert_eq!(s.gateway.ephemeral_prefixes, vec![Text::from("00000001/")]);
        let text = Config::parse(BASE).unwrap().validate().unwrap();
        assert_eq!(text.gateway.ephemeral_naming, EphemeralNaming::Decimal);
        // A text prefix has no binary form: refused, naming the key.
        let e = error_of(&format!(
            "{BASE}[transport]\nencoding = \"ber\"\n[gateway]\nephemeral_prefixes = [\"ip/\"]\n"
        ));
        assert!(e.starts_with("gateway.ephemeral_prefixes:"), "{e}");
        let ok = Config::parse(&format!(
            "{BASE}[transport]\nencoding = \"ber\"\n[gateway]\nephemeral_prefixes = [\"00000010/\"]\n"
        ))
        .unwrap()
        .validate()
        .unwrap();
        assert_eq!(ok.gateway.ephemeral_prefixes, vec![Text::from("00000010/")]);
    }

    #[test]
    fn allowed_peers_match_port_or_address() {
        let mut allowed = AllowedPeers {
            addresses: ["127.0.0.1:2944".parse().unwrap()].into_iter().collect(),
            match_port: true,
        };
        assert!(allowed.allows(&"127.0.0.1:2944".parse().unwrap()));
        assert!(!allowed.allows(&"127.0.0.1:2945".parse().unwrap()));
        allowed.match_port = false;
        assert!(allowed.allows(&"127.0.0.1:2945".parse().unwrap()));
        assert!(!allowed.allows(&"127.0.0.2:2944".parse().unwrap()));
    }
}
