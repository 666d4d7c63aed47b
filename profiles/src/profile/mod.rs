//! The 3GPP H.248 profiles as data: Mp (TS 29.333, MRFC–MRFP) and Iq
//! (TS 29.334, IMS-ALG–IMS-AGW), plus the code that checks a message
//! against one ([`validate`]).
//!
//! A profile is a TOML file (`profiles/iq.toml`, `profiles/mp.toml`, the
//! format documented in `profiles/README.md`): identification, protocol
//! versions, encodings, transports and their rules, transaction limits,
//! allowed commands per direction and descriptors per command, wildcard
//! rules, timers, error codes, and the packages with the items the profile
//! uses. Every rule in the files names the clause it comes from; rules the
//! stored copies of the specifications did not show are marked
//! `unconfirmed:` there.

mod validate;
mod walk;

use std::collections::BTreeMap;

use h248_stack::model::Text;
use serde::Deserialize;

pub use validate::{validate, Context, Sender, Transport, Validator, Violation};

const IQ_FILE: &str = include_str!("../../profiles/iq.toml");
const MP_FILE: &str = include_str!("../../profiles/mp.toml");

/// A message encoding a profile allows (H.248.1 Annex A binary, Annex B text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EncodingKind {
    Text,
    Binary,
}

/// A transport of H.248.1 Annex D (UDP, TCP) or Annex H / RFC 4960 (SCTP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportKind {
    Udp,
    Tcp,
    Sctp,
}

/// How a profile rates a transport or a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Mandatory,
    Recommended,
    Optional,
    /// Named by the profile without a visible mandatory / optional marking.
    Listed,
}

/// A transport and its status in the profile.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransportRule {
    pub kind: TransportKind,
    pub status: Status,
}

/// The eight commands of H.248.1 clause 7.2, as profile tables name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommandKind {
    Add,
    Modify,
    Move,
    Subtract,
    AuditValue,
    AuditCapabilities,
    Notify,
    ServiceChange,
}

impl CommandKind {
    /// The command's name as H.248.1 writes it.
    pub fn name(self) -> &'static str {
        match self {
            CommandKind::Add => "Add",
            CommandKind::Modify => "Modify",
            CommandKind::Move => "Move",
            CommandKind::Subtract => "Subtract",
            CommandKind::AuditValue => "AuditValue",
            CommandKind::AuditCapabilities => "AuditCapabilities",
            CommandKind::Notify => "Notify",
            CommandKind::ServiceChange => "ServiceChange",
        }
    }
}

/// The descriptors a request may carry (H.248.1 clause 7.1), as the
/// profiles' Command API tables name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DescriptorKind {
    Media,
    Modem,
    Mux,
    Events,
    EventBuffer,
    Signals,
    DigitMap,
    Audit,
    Statistics,
}

impl DescriptorKind {
    /// The descriptor's name as H.248.1 writes it.
    pub fn name(self) -> &'static str {
        match self {
            DescriptorKind::Media => "Media",
            DescriptorKind::Modem => "Modem",
            DescriptorKind::Mux => "Mux",
            DescriptorKind::Events => "Events",
            DescriptorKind::EventBuffer => "EventBuffer",
            DescriptorKind::Signals => "Signals",
            DescriptorKind::DigitMap => "DigitMap",
            DescriptorKind::Audit => "Audit",
            DescriptorKind::Statistics => "Statistics",
        }
    }
}

/// Which commands each side may send.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandRules {
    pub mgc_to_mg: Vec<CommandKind>,
    pub mg_to_mgc: Vec<CommandKind>,
    #[serde(default)]
    pub source: Text,
}

/// A package of the profile and, optionally, the items it uses of it. An
/// absent item list means every item the package defines.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfilePackage {
    pub name: Text,
    pub version: u8,
    pub status: Status,
    pub source: Text,
    #[serde(default)]
    pub properties: Option<Vec<Text>>,
    #[serde(default)]
    pub events: Option<Vec<Text>>,
    #[serde(default)]
    pub signals: Option<Vec<Text>>,
    #[serde(default)]
    pub statistics: Option<Vec<Text>>,
}

/// The descriptors each request command may carry (a profile's Command
/// API); a command without a list is not restricted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandDescriptors {
    pub add: Option<Vec<DescriptorKind>>,
    pub modify: Option<Vec<DescriptorKind>>,
    #[serde(rename = "move")]
    pub move_: Option<Vec<DescriptorKind>>,
    pub subtract: Option<Vec<DescriptorKind>>,
    pub audit_value: Option<Vec<DescriptorKind>>,
    pub audit_capabilities: Option<Vec<DescriptorKind>>,
    #[serde(default)]
    pub source: Text,
}

/// One H.248 profile (H.248.1 clause 14.4 names; the ITU-T profile template
/// of H.248.81 orders the rest).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// ServiceChangeProfile name (at most 64 characters, case-insensitive).
    pub name: Text,
    pub version: u8,
    pub title: Text,
    pub reference: Text,
    #[serde(default)]
    pub name_source: Text,
    /// Protocol versions (message header and ServiceChangeVersion) allowed.
    pub protocol_versions: Vec<u8>,
    #[serde(default)]
    pub protocol_versions_source: Text,
    pub encodings: Vec<EncodingKind>,
    /// Most transactions of all kinds in one message.
    #[serde(default)]
    pub max_transactions_per_message: Option<usize>,
    /// Commands for which a wildcarded response (`W-`) may be requested;
    /// absent: any.
    #[serde(default)]
    pub wildcard_response_commands: Option<Vec<CommandKind>>,
    /// Transports over which replies may be segmented; absent: as H.248.1
    /// (unreliable transports only).
    #[serde(default)]
    pub segmentation_transports: Option<Vec<TransportKind>>,
    /// Whether TerminationState's EventBufferControl is used.
    #[serde(default = "yes")]
    pub event_buffer_control: bool,
    /// Error codes the profile names for its refusals.
    #[serde(default)]
    pub error_codes: Vec<u16>,
    #[serde(rename = "transport")]
    pub transports: Vec<TransportRule>,
    pub commands: CommandRules,
    /// Descriptors each request command may carry.
    #[serde(default)]
    pub command_descriptors: CommandDescriptors,
    #[serde(default)]
    pub timers: BTreeMap<Text, Text>,
    #[serde(rename = "package")]
    pub packages: Vec<ProfilePackage>,
}

fn yes() -> bool {
    true
}

/// A profile file that does not parse or is inconsistent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("profile {file}: {message}")]
pub struct ProfileError {
    pub file: String,
    pub message: String,
}

impl Profile {
    /// The Iq profile (TS 29.334) shipped with the project.
    pub fn iq() -> Profile {
        Profile::from_toml("iq.toml", IQ_FILE).expect("the shipped Iq profile is valid")
    }

    /// The Mp profile (TS 29.333) shipped with the project.
    pub fn mp() -> Profile {
        Profile::from_toml("mp.toml", MP_FILE).expect("the shipped Mp profile is valid")
    }

    /// A shipped profile by its short name (`iq`, `mp`), any case.
    pub fn builtin(short: &str) -> Option<Profile> {
        match short.to_ascii_lowercase().as_str() {
            "iq" => Some(Profile::iq()),
            "mp" => Some(Profile::mp()),
            _ => None,
        }
    }

    /// Parses and checks a profile file.
    pub fn from_toml(file: &str, text: &str) -> Result<Profile, ProfileError> {
        let error = |message: String| ProfileError {
            file: file.to_owned(),
            message,
        };
        let profile: Profile = toml::from_str(text).map_err(|e| error(e.to_string()))?;
        if profile.name.is_empty() || profile.name.len() > 64 {
            return Err(error(
                "the profile name must have 1 to 64 characters".into(),
            ));
        }
        if profile.protocol_versions.is_empty()
            || profile
                .protocol_versions
                .iter()
                .any(|v| !(1..=3).contains(v))
        {
            return Err(error("protocol_versions must list versions 1 to 3".into()));
        }
        Ok(profile)
    }

    /// The descriptors `command` may carry, when the profile restricts them.
    pub fn descriptors_of(&self, command: CommandKind) -> Option<&[DescriptorKind]> {
        let table = &self.command_descriptors;
        match command {
            CommandKind::Add => table.add.as_deref(),
            CommandKind::Modify => table.modify.as_deref(),
            CommandKind::Move => table.move_.as_deref(),
            CommandKind::Subtract => table.subtract.as_deref(),
            CommandKind::AuditValue => table.audit_value.as_deref(),
            CommandKind::AuditCapabilities => table.audit_capabilities.as_deref(),
            CommandKind::Notify | CommandKind::ServiceChange => None,
        }
    }

    /// The profile's entry for package `name`, any case.
    pub fn package(&self, name: &str) -> Option<&ProfilePackage> {
        self.packages
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// Whether the profile allows `transport`.
    pub fn allows_transport(&self, transport: TransportKind) -> bool {
        self.transports.iter().any(|t| t.kind == transport)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_profiles_load_and_say_what_the_digest_says() {
        let iq = Profile::iq();
        assert_eq!(iq.max_transactions_per_message, Some(10));
        assert_eq!(
            iq.wildcard_response_commands,
            Some(vec![CommandKind::Subtract])
        );
        assert!(iq.allows_transport(TransportKind::Sctp));
        assert!(iq.allows_transport(TransportKind::Udp));
        assert!(!iq.allows_transport(TransportKind::Tcp));
        assert_eq!(iq.segmentation_transports, Some(vec![TransportKind::Sctp]));
        assert!(!iq.event_buffer_control);
        assert_eq!(
            iq.descriptors_of(CommandKind::Add),
            Some(
                &[
                    DescriptorKind::Media,
                    DescriptorKind::Events,
                    DescriptorKind::Signals
                ][..]
            )
        );
        assert_eq!(iq.descriptors_of(CommandKind::Move), None);
        for name in [
            "ipnapt", "g", "root", "gm", "tman", "ipdc", "hangterm", "ds", "rtcph",
        ] {
            assert_eq!(iq.package(name).map(|p| p.status), Some(Status::Mandatory));
        }
        let mp = Profile::mp();
        assert!(mp.package("bannsyx").is_some());
        assert!(mp.package("ipnapt").is_none());
        assert_eq!(Profile::builtin("IQ"), Some(iq));
        assert_eq!(Profile::builtin("xx"), None);
    }

    #[test]
    fn bad_profile_files_are_refused_with_the_reason() {
        let base = IQ_FILE.replace("name = \"threegppiq\"", "name = \"\"");
        let err = Profile::from_toml("x.toml", &base).unwrap_err();
        assert!(err.message.contains("1 to 64"), "{err}");
        let base = IQ_FILE.replace("protocol_versions = [2, 3]", "protocol_versions = [4]");
        assert!(Profile::from_toml("x.toml", &base).is_err());
        let base = IQ_FILE.replace("add = [\"media\"", "ad = [\"media\"");
        let err = Profile::from_toml("x.toml", &base).unwrap_err();
        assert!(err.message.contains("unknown field"), "{err}");
        let base = IQ_FILE.replace("add = [\"media\"", "add = [\"medium\"");
        assert!(Profile::from_toml("x.toml", &base).is_err());
        assert!(Profile::from_toml("x.toml", "name = 3").is_err());
    }
}
