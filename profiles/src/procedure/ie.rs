//! Typed information elements shared by the Mp and Iq procedures, each with
//! its H.248 construct, builder and reader.

use std::net::IpAddr;

use h248_stack::model::{
    small_list, ActionReply, ActionRequest, AmmDescriptor, AmmRequest, AmmsReply,
    AuditReturnParameter, CommandRequest, ContextId, ContextRequest, DigitMapValue, EventDm,
    EventsDescriptor, LocalControlDescriptor, LocalRemoteDescriptor, MediaDescriptor,
    ObservedEvent, ParmValue, PropertyParm, RequestId, RequestedActions, RequestedEvent, Signal,
    SignalDirection, SignalRequest, StreamDescriptor, StreamId, StreamMode, StreamParms, Streams,
    TerminationId, Text,
};
use h248_stack::sdp::{Attr, SdpField, SdpLine, SdpValue, SessionDescription};

use super::{code, reply_action, Amm, IeError, Reader};

// ---- Context ------------------------------------------------------------------------------

/// "Context / Context Request": an existing context or CHOOSE (`$`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContextRef {
    Choose,
    Existing(u32),
}

impl ContextRef {
    pub fn id(self) -> ContextId {
        match self {
            ContextRef::Choose => ContextId::CHOOSE,
            ContextRef::Existing(id) => ContextId(id),
        }
    }

    pub(crate) fn read(r: Reader, id: ContextId) -> Result<Self, IeError> {
        if id == ContextId::CHOOSE {
            Ok(ContextRef::Choose)
        } else {
            ContextRef::read_existing(r, id).map(ContextRef::Existing)
        }
    }

    /// A specific context (not NULL, CHOOSE or ALL).
    pub(crate) fn read_existing(r: Reader, id: ContextId) -> Result<u32, IeError> {
        if id.is_specific() {
            Ok(id.0)
        } else {
            Err(r.bad(
                "Context",
                format!("context {id} where the procedure needs one context"),
            ))
        }
    }
}

/// "Priority information": the context priority, 0 (lowest) to 15
/// (H.248.1 clause 6.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Priority(u8);

impl Priority {
    /// `None` above 15.
    pub fn new(value: u8) -> Option<Self> {
        (value <= 15).then_some(Priority(value))
    }
    pub fn get(self) -> u8 {
        self.0
    }
}

/// The context properties of the connection-point procedures: "Emergency
/// Call Indicator" O and "Priority information" O.
pub(crate) fn context_request(
    emergency: bool,
    priority: Option<Priority>,
) -> Option<ContextRequest> {
    if !emergency && priority.is_none() {
        return None;
    }
    Some(ContextRequest {
        priority: priority.map(|p| u16::from(p.get())),
        emergency: emergency.then_some(true),
        ..Default::default()
    })
}

pub(crate) fn read_context_request(
    r: Reader,
    request: Option<&ContextRequest>,
    emergency_allowed: bool,
) -> Result<(bool, Option<Priority>), IeError> {
    let Some(request) = request else {
        return Ok((false, None));
    };
    if request.topology.is_some()
        || request.ieps.is_some()
        || request.context_props.is_some()
        || request.context_list.is_some()
    {
        return Err(r.bad(
            "context properties",
            "only Priority and Emergency are IEs of the procedure",
        ));
    }
    let priority = match request.priority {
        None => None,
        Some(p) => Some(
            u8::try_from(p)
                .ok()
                .and_then(Priority::new)
                .ok_or_else(|| r.bad("Priority", format!("{p} is above 15")))?,
        ),
    };
    let emergency = match request.emergency {
        Some(true) if !emergency_allowed => {
            return Err(r.bad("Emergency Call Indicator", "not an IE of the procedure"))
        }
        Some(e) => e,
        None => false,
    };
    Ok((emergency, priority))
}

// ---- Terminations ---------------------------------------------------------------------------

/// "Bearer Termination Request" / "IMS Termination Request": a termination ID
/// with CHOOSE (`$`) and no ALL (`*`): the MG picks the termination.
pub(crate) fn read_new_termination(
    r: Reader,
    ie: &'static str,
    id: &TerminationId,
) -> Result<TerminationId, IeError> {
    if !id.has_choose_wildcard() || id.has_all_wildcard() {
        return Err(r.bad(ie, format!("{id}: a new termination is requested with $")));
    }
    Ok(id.clone())
}

/// "Bearer Termination": one existing termination (no wildcard, not ROOT).
pub(crate) fn read_existing_termination(
    r: Reader,
    ie: &'static str,
    id: &TerminationId,
) -> Result<TerminationId, IeError> {
    if id.is_wildcarded() || id.is_root() {
        return Err(r.bad(ie, format!("{id}: the procedure names one termination")));
    }
    Ok(id.clone())
}

// ---- SDP: connection address, port, codecs ------------------------------------------------

/// The address type of a `c=` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddrType {
    Ip4,
    Ip6,
}

impl AddrType {
    fn token(self) -> &'static str {
        match self {
            AddrType::Ip4 => "IP4",
            AddrType::Ip6 => "IP6",
        }
    }
}

/// The connection address of `c=IN <type> <address>`: CHOOSE (`$`, "Local
/// Connection Address Request") or an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnAddress {
    Choose(AddrType),
    Ip(IpAddr),
}

/// The port of the `m=` line: CHOOSE (`$`) or a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaPort {
    Choose,
    Port(u16),
}

/// A payload type of the `m=` line with its `a=rtpmap` when present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Codec {
    pub payload_type: u8,
    /// `(encoding name, clock rate, channels)` from `a=rtpmap`.
    pub rtpmap: Option<(Text, u32, Option<u16>)>,
}

impl Codec {
    /// A static payload type without `a=rtpmap` (e.g. 0 for PCMU).
    pub fn static_pt(payload_type: u8) -> Self {
        Codec {
            payload_type,
            rtpmap: None,
        }
    }
    /// A payload type with its `a=rtpmap`.
    pub fn mapped(payload_type: u8, name: &str, clock_rate: u32) -> Self {
        Codec {
            payload_type,
            rtpmap: Some((Text::from(name), clock_rate, None)),
        }
    }
}

/// One media component as Local or Remote SDP: "Local / Remote IP (IMS)
/// Resources" (media, transport, codec list, packetisation) and "Local /
/// Remote Connection Address" (address and port). One `v=` description with
/// one `m=` section per stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaSdp {
    pub address: ConnAddress,
    /// `audio`, `video`, `message`...
    pub media: Text,
    pub port: MediaPort,
    /// `RTP/AVP`, `TCP/MSRP`...
    pub proto: Text,
    /// Empty: the `m=` line carries `-` (no media function: the ATCF case of
    /// 23.334 §8.2, "Local IP Resources ('-' in the m-line)").
    pub codecs: Vec<Codec>,
    /// `a=ptime`.
    pub ptime: Option<u32>,
}

impl MediaSdp {
    /// The connection address and port are both CHOOSE.
    pub fn requests_address(&self) -> bool {
        matches!(self.address, ConnAddress::Choose(_)) && self.port == MediaPort::Choose
    }

    /// Both the address and the port are given.
    pub fn has_address(&self) -> bool {
        matches!(self.address, ConnAddress::Ip(_)) && matches!(self.port, MediaPort::Port(_))
    }

    pub fn session(&self) -> SessionDescription {
        let mut sd = SessionDescription::default();
        sd.push('v', "0");
        let c = match self.address {
            ConnAddress::Choose(t) => format!("IN {} $", t.token()),
            ConnAddress::Ip(IpAddr::V4(a)) => format!("IN IP4 {a}"),
            ConnAddress::Ip(IpAddr::V6(a)) => format!("IN IP6 {a}"),
        };
        sd.push('c', c);
        let port = match self.port {
            MediaPort::Choose => "$".to_owned(),
            MediaPort::Port(p) => p.to_string(),
        };
        let formats = if self.codecs.is_empty() {
            "-".to_owned()
        } else {
            self.codecs
                .iter()
                .map(|c| c.payload_type.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        };
        sd.push(
            'm',
            format!("{} {port} {} {formats}", self.media, self.proto),
        );
        for codec in &self.codecs {
            if let Some((name, rate, channels)) = &codec.rtpmap {
                let mut value = format!("rtpmap:{} {name}/{rate}", codec.payload_type);
                if let Some(ch) = channels {
                    value.push_str(&format!("/{ch}"));
                }
                sd.push('a', value);
            }
        }
        if let Some(ptime) = self.ptime {
            sd.push('a', format!("ptime:{ptime}"));
        }
        sd
    }

    pub(crate) fn read(
        r: Reader,
        ie: &'static str,
        sd: &SessionDescription,
    ) -> Result<Self, IeError> {
        let bad = |reason: String| r.bad(ie, reason);
        fn field<'l>(
            r: Reader,
            ie: &'static str,
            line: &'l SdpLine,
        ) -> Result<SdpField<'l>, IeError> {
            line.field()
                .map_err(|e| r.bad(ie, format!("`{line}`: {}", e.reason)))
        }
        let mut sections = sd.media_sections();
        let Some(section) = sections.next() else {
            return Err(r.missing(ie, "no m= line"));
        };
        if sections.next().is_some() {
            return Err(bad("several m= lines in one stream".into()));
        }
        let connection = section
            .iter()
            .chain(sd.session_lines())
            .find(|l| l.kind == 'c')
            .ok_or_else(|| r.missing(ie, "no c= line"))?;
        let address = match field(r, ie, connection)? {
            SdpField::Connection {
                nettype,
                addrtype,
                address,
                ..
            } if nettype.eq_ignore_ascii_case("IN") => {
                let kind = if addrtype.eq_ignore_ascii_case("IP4") {
                    AddrType::Ip4
                } else if addrtype.eq_ignore_ascii_case("IP6") {
                    AddrType::Ip6
                } else {
                    return Err(bad(format!("address type {addrtype}")));
                };
                match address {
                    SdpValue::Choose => ConnAddress::Choose(kind),
                    SdpValue::Value(a) => {
                        let ip: IpAddr = a
                            .parse()
                            .map_err(|_| bad(format!("{a} is not an IP address")))?;
                        if ip.is_ipv4() != (kind == AddrType::Ip4) {
                            return Err(bad(format!("{a} is not an {} address", kind.token())));
                        }
                        ConnAddress::Ip(ip)
                    }
                    SdpValue::Unspecified => return Err(r.missing(ie, "c= address is `-`")),
                }
            }
            _ => return Err(bad(format!("`{connection}` is not an IN connection"))),
        };
        let SdpField::Media {
            media,
            port,
            proto,
            formats,
            ..
        } = field(r, ie, &section[0])?
        else {
            return Err(bad("the media section does not start with m=".into()));
        };
        let port = match port {
            SdpValue::Choose => MediaPort::Choose,
            SdpValue::Value(p) => MediaPort::Port(
                p.parse()
                    .map_err(|_| bad(format!("port {p} is not a number up to 65535")))?,
            ),
            SdpValue::Unspecified => return Err(r.missing(ie, "m= port is `-`")),
        };
        let mut codecs = Vec::new();
        let mut ptime = None;
        let mut rtpmaps = Vec::new();
        for attr in SessionDescription::attributes(section) {
            match attr.map_err(|e| bad(e.reason.to_owned()))? {
                Attr::RtpMap(m) => rtpmaps.push(m),
                Attr::Ptime(p) => ptime = Some(p),
                _ => {}
            }
        }
        for format in formats.iter() {
            if format == "-" {
                continue;
            }
            let payload_type: u8 = format
                .parse()
                .ok()
                .filter(|pt| *pt <= 127)
                .ok_or_else(|| bad(format!("format {format} is not an RTP payload type")))?;
            let rtpmap = rtpmaps
                .iter()
                .find(|m| m.payload_type == payload_type)
                .map(|m| (Text::from(m.encoding_name), m.clock_rate, m.channels));
            codecs.push(Codec {
                payload_type,
                rtpmap,
            });
        }
        Ok(MediaSdp {
            address,
            media: Text::from(media),
            port,
            proto: Text::from(proto),
            codecs,
            ptime,
        })
    }
}

// ---- Iq LocalControl IEs --------------------------------------------------------------------

/// "DiffServ Code Point" (H.248.52 `ds/dscp`), 0 to 63, written as two hex
/// digits as Wireshark reads it (`2e` = 46, EF).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dscp(u8);

impl Dscp {
    pub fn new(value: u8) -> Option<Self> {
        (value <= 63).then_some(Dscp(value))
    }
    pub fn get(self) -> u8 {
        self.0
    }
}

/// "Policing" (H.248.53 `tman`): `tman/pol = ON` with the sustainable data
/// rate (`tman/sdr`, bytes per second as Wireshark decodes it) and the
/// maximum burst size (`tman/mbs`, bytes).
///
/// unconfirmed: the units of `sdr` / `mbs` (H.248.53 not read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policing {
    pub sustainable_rate: u32,
    pub max_burst: u32,
}

/// Gate control (H.248.43 `gm`): remote source address filtering
/// (`gm/saf`) and remote source port filtering (`gm/spf`), each ON or OFF:
/// with filtering ON the AGW passes only packets from the Remote
/// descriptor's address / port.
///
/// unconfirmed: that 23.334's gate IEs map to `saf` / `spf` (their text
/// names and titles are Wireshark's; the 29.334 §5.14.3 usage clause was not
/// read). The mask and range properties (`gm/sam`, `gm/spr`) are not used:
/// their value syntax is not known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceFiltering {
    pub address: bool,
    pub port: bool,
}

/// The Iq IEs carried as LocalControl properties of a stream (23.334 §5.2,
/// §6; 29.334 Table 5.14.1.1 packages).
///
/// RTCP handling (H.248.57 `rtcph`, mandatory on Iq) has no IE here: no
/// source read names its properties, so nothing can be built or read for it;
/// the profile accepts any `rtcph` item until they are known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IpControl {
    /// "IP realm" (H.248.41 `ipdc/realm`): the realm the termination
    /// connects to.
    pub realm: Option<Text>,
    /// "Latching Requirement" (H.248.37 `ipnapt/latch`, ON/OFF): re-latch
    /// onto the source of received media.
    ///
    /// unconfirmed: the property name `latch` (recollection of H.248.37
    /// clause 6.1, see `packages/known-names.toml`).
    pub latching: Option<bool>,
    pub dscp: Option<Dscp>,
    pub policing: Option<Policing>,
    pub filtering: Option<SourceFiltering>,
}

fn on_off(b: bool) -> &'static str {
    if b {
        "ON"
    } else {
        "OFF"
    }
}

impl IpControl {
    pub fn is_empty(&self) -> bool {
        *self == IpControl::default()
    }

    fn properties(&self, out: &mut Vec<PropertyParm>) {
        if let Some(realm) = &self.realm {
            out.push(PropertyParm::equal("ipdc/realm", realm.clone()));
        }
        if let Some(latch) = self.latching {
            out.push(PropertyParm::equal("ipnapt/latch", on_off(latch)));
        }
        if let Some(dscp) = self.dscp {
            out.push(PropertyParm::equal(
                "ds/dscp",
                format!("{:02x}", dscp.get()),
            ));
        }
        if let Some(p) = self.policing {
            out.push(PropertyParm::equal("tman/pol", "ON"));
            out.push(PropertyParm::equal(
                "tman/sdr",
                p.sustainable_rate.to_string(),
            ));
            out.push(PropertyParm::equal("tman/mbs", p.max_burst.to_string()));
        }
        if let Some(f) = self.filtering {
            out.push(PropertyParm::equal("gm/saf", on_off(f.address)));
            out.push(PropertyParm::equal("gm/spf", on_off(f.port)));
        }
    }

    /// Reads the LocalControl properties; `allowed` false (Mp) refuses any
    /// of them with 440 (packages outside the Mp profile).
    fn read(r: Reader, properties: &[PropertyParm], allowed: bool) -> Result<Self, IeError> {
        let mut ip = IpControl::default();
        let mut pol: Option<bool> = None;
        let (mut sdr, mut mbs) = (None, None);
        let (mut saf, mut spf) = (None, None);
        for p in properties {
            let name = p.name.to_ascii_lowercase();
            let known = matches!(
                name.as_str(),
                "ipdc/realm"
                    | "ipnapt/latch"
                    | "ds/dscp"
                    | "tman/pol"
                    | "tman/sdr"
                    | "tman/mbs"
                    | "gm/saf"
                    | "gm/spf"
            );
            if !known {
                continue;
            }
            if !allowed {
                return Err(r.err(
                    "LocalControl",
                    code::NOT_IN_PROFILE,
                    format!("{} is not part of this profile", p.name),
                ));
            }
            let value = p
                .value
                .as_single()
                .ok_or_else(|| r.bad("LocalControl", format!("{} takes one value", p.name)))?;
            let flag = |ie: &'static str| match value.to_ascii_uppercase().as_str() {
                "ON" => Ok(true),
                "OFF" => Ok(false),
                _ => Err(r.bad(ie, format!("{} = {value}: ON or OFF", p.name))),
            };
            let number = |ie: &'static str| {
                value
                    .parse::<u32>()
                    .map_err(|_| r.bad(ie, format!("{} = {value}: not a number", p.name)))
            };
            match name.as_str() {
                "ipdc/realm" => ip.realm = Some(Text::from(value)),
                "ipnapt/latch" => ip.latching = Some(flag("Latching Requirement")?),
                "ds/dscp" => {
                    ip.dscp = Some(
                        u8::from_str_radix(value, 16)
                            .ok()
                            .and_then(Dscp::new)
                            .ok_or_else(|| {
                                r.bad("DiffServ Code Point", format!("{value}: hex 00 to 3f"))
                            })?,
                    )
                }
                "tman/pol" => pol = Some(flag("Policing")?),
                "tman/sdr" => sdr = Some(number("Policing")?),
                "tman/mbs" => mbs = Some(number("Policing")?),
                "gm/saf" => saf = Some(flag("Gate")?),
                _ => spf = Some(flag("Gate")?),
            }
        }
        match (pol, sdr, mbs) {
            (None | Some(false), None, None) => {}
            (Some(true), Some(sustainable_rate), Some(max_burst)) => {
                ip.policing = Some(Policing {
                    sustainable_rate,
                    max_burst,
                })
            }
            _ => return Err(r.missing("Policing", "tman/pol = ON goes with tman/sdr and tman/mbs")),
        }
        match (saf, spf) {
            (None, None) => {}
            (Some(address), Some(port)) => ip.filtering = Some(SourceFiltering { address, port }),
            _ => return Err(r.missing("Gate", "gm/saf and gm/spf go together")),
        }
        Ok(ip)
    }
}

// ---- Streams --------------------------------------------------------------------------------

/// The IEs of one stream (one media component) of a connection point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamConfig {
    pub stream: StreamId,
    /// Stream mode (through-connection).
    pub mode: Option<StreamMode>,
    /// "ReserveValue" (`ReservedValue = ON|OFF`): reserve resources for all
    /// alternatives (codec plus auxiliary payload types).
    pub reserve_value: Option<bool>,
    pub local: Option<MediaSdp>,
    pub remote: Option<MediaSdp>,
    /// Iq only (empty on Mp).
    pub ip: IpControl,
}

impl StreamConfig {
    /// A stream with only its ID.
    pub fn new(stream: StreamId) -> Self {
        StreamConfig {
            stream,
            mode: None,
            reserve_value: None,
            local: None,
            remote: None,
            ip: IpControl::default(),
        }
    }

    fn descriptor(&self) -> StreamDescriptor {
        let mut props = Vec::new();
        self.ip.properties(&mut props);
        let local_control = (self.mode.is_some()
            || self.reserve_value.is_some()
            || !props.is_empty())
        .then(|| LocalControlDescriptor {
            stream_mode: self.mode,
            reserve_value: self.reserve_value,
            reserve_group: None,
            property_parms: props,
        });
        let sdp = |m: &Option<MediaSdp>| {
            m.as_ref().map(|m| LocalRemoteDescriptor {
                groups: small_list![m.session()],
            })
        };
        StreamDescriptor {
            stream_id: self.stream,
            parms: StreamParms {
                local_control,
                local: sdp(&self.local),
                remote: sdp(&self.remote),
                statistics: None,
            },
        }
    }

    fn read(
        r: Reader,
        stream: StreamId,
        parms: &StreamParms,
        ip_allowed: bool,
    ) -> Result<Self, IeError> {
        let sdp = |ie: &'static str,
                   d: &Option<LocalRemoteDescriptor>|
         -> Result<Option<MediaSdp>, IeError> {
            match d {
                None => Ok(None),
                Some(d) => match d.groups.as_slice() {
                    [] => Ok(None),
                    [one] => MediaSdp::read(r, ie, one).map(Some),
                    _ => Err(r.bad(ie, "alternative session descriptions are not supported")),
                },
            }
        };
        let (mode, reserve_value, ip) = match &parms.local_control {
            None => (None, None, IpControl::default()),
            Some(lc) => (
                lc.stream_mode,
                lc.reserve_value,
                IpControl::read(r, &lc.property_parms, ip_allowed)?,
            ),
        };
        Ok(StreamConfig {
            stream,
            mode,
            reserve_value,
            local: sdp("Local IP Resources", &parms.local)?,
            remote: sdp("Remote IP Resources", &parms.remote)?,
            ip,
        })
    }
}

fn media_streams(streams: &[StreamDescriptor]) -> MediaDescriptor {
    MediaDescriptor {
        termination_state: None,
        streams: Some(Streams::Multi(streams.to_vec())),
    }
}

/// The streams of a Media descriptor; parameters given without a Stream
/// descriptor are stream 1 (29.334 Table 5.7.2.1).
pub(crate) fn read_streams(media: &MediaDescriptor) -> Vec<(StreamId, &StreamParms)> {
    match &media.streams {
        None => Vec::new(),
        Some(Streams::One(p)) => vec![(1, p)],
        Some(Streams::Multi(list)) => list.iter().map(|s| (s.stream_id, &s.parms)).collect(),
    }
}

// ---- Events ---------------------------------------------------------------------------------

/// A DTMF digit and its `dd` event (H.248.1 E.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Digit {
    D0,
    D1,
    D2,
    D3,
    D4,
    D5,
    D6,
    D7,
    D8,
    D9,
    Star,
    Hash,
    A,
    B,
    C,
    D,
}

const DIGIT_EVENTS: [(Digit, &str); 16] = [
    (Digit::D0, "dd/d0"),
    (Digit::D1, "dd/d1"),
    (Digit::D2, "dd/d2"),
    (Digit::D3, "dd/d3"),
    (Digit::D4, "dd/d4"),
    (Digit::D5, "dd/d5"),
    (Digit::D6, "dd/d6"),
    (Digit::D7, "dd/d7"),
    (Digit::D8, "dd/d8"),
    (Digit::D9, "dd/d9"),
    (Digit::Star, "dd/ds"),
    (Digit::Hash, "dd/do"),
    (Digit::A, "dd/da"),
    (Digit::B, "dd/db"),
    (Digit::C, "dd/dc"),
    (Digit::D, "dd/dd"),
];

impl Digit {
    /// The `dd` event reporting this digit.
    pub fn event(self) -> &'static str {
        DIGIT_EVENTS
            .iter()
            .find(|(d, _)| *d == self)
            .map_or("dd/d0", |(_, e)| e)
    }
    fn from_event(name: &str) -> Option<Self> {
        DIGIT_EVENTS
            .iter()
            .find(|(_, e)| e.eq_ignore_ascii_case(name))
            .map(|(d, _)| *d)
    }
}

/// A digit map for DTMF detection: by name (provisioned or sent earlier) or
/// given in the event (`DigitMap = { ... }`, the body as written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigitMapIe {
    Name(Text),
    Body(Text),
}

/// The events a procedure requests on a termination (one Events
/// descriptor, which replaces the termination's earlier events: a
/// procedure that keeps the heartbeat requests it again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventsIes {
    pub request_id: u32,
    /// "Notify termination heartbeat": the hanging-termination event
    /// `hangterm/thb` (H.248.36; 23.334 §8, 23.333 §6.1.13).
    pub heartbeat: bool,
    /// "Notify Released Bearer": `g/cause` (H.248.1 E.1).
    ///
    /// unconfirmed: the Generic cause event, as 29.232 maps the same IE for
    /// the MGW (the digest's IP Bearer Released row was cut).
    pub released_bearer: bool,
    /// Signal completion `g/sc` ("Notify Tone / Announcement Completion").
    pub signal_completion: bool,
    /// "DTMF trigger": digits whose detection stops the signal (the
    /// requested `dd/dN` events; without KeepActive their detection stops the
    /// signals, H.248.1 clause 7.1.9).
    pub stop_digits: Vec<Digit>,
    /// "Start_DTMF_Detection": `dd/ce` with a digit map (H.248.1 E.6.2).
    pub dtmf: Option<DigitMapIe>,
}

impl EventsIes {
    /// No event requested yet, under `request_id`.
    pub fn new(request_id: u32) -> Self {
        EventsIes {
            request_id,
            heartbeat: false,
            released_bearer: false,
            signal_completion: false,
            stop_digits: Vec::new(),
            dtmf: None,
        }
    }

    pub(crate) fn descriptor(&self) -> EventsDescriptor {
        let event = |name: &str| RequestedEvent {
            name: Text::from(name),
            stream_id: None,
            actions: RequestedActions::default(),
            params: Vec::new(),
        };
        let mut events = Vec::new();
        if self.heartbeat {
            events.push(event("hangterm/thb"));
        }
        if self.released_bearer {
            events.push(event("g/cause"));
        }
        if self.signal_completion {
            events.push(event("g/sc"));
        }
        for d in &self.stop_digits {
            events.push(event(d.event()));
        }
        if let Some(dm) = &self.dtmf {
            let mut ce = event("dd/ce");
            ce.actions.event_dm = Some(match dm {
                DigitMapIe::Name(n) => EventDm::Name(n.clone()),
                DigitMapIe::Body(b) => EventDm::Value(DigitMapValue {
                    body: b.clone(),
                    ..Default::default()
                }),
            });
            events.push(ce);
        }
        EventsDescriptor {
            request_id: Some(RequestId(self.request_id)),
            events,
        }
    }

    /// Reads an Events descriptor; `None` for `Events` without a request ID
    /// (clear all events).
    pub(crate) fn read(r: Reader, d: &EventsDescriptor) -> Result<Option<Self>, IeError> {
        let Some(request_id) = d.request_id else {
            if d.events.is_empty() {
                return Ok(None);
            }
            return Err(r.missing("Events", "events without a request ID"));
        };
        let mut ies = EventsIes::new(request_id.0);
        for e in &d.events {
            let name = e.name.as_str();
            if name.eq_ignore_ascii_case("hangterm/thb") {
                ies.heartbeat = true;
            } else if name.eq_ignore_ascii_case("g/cause") {
                ies.released_bearer = true;
            } else if name.eq_ignore_ascii_case("g/sc") {
                ies.signal_completion = true;
            } else if let Some(d) = Digit::from_event(name) {
                ies.stop_digits.push(d);
            } else if name.eq_ignore_ascii_case("dd/ce") {
                ies.dtmf = Some(match &e.actions.event_dm {
                    Some(EventDm::Name(n)) => DigitMapIe::Name(n.clone()),
                    Some(EventDm::Value(v)) => DigitMapIe::Body(v.body.clone()),
                    None => return Err(r.missing("Digit map", "dd/ce without a digit map")),
                });
            } else {
                return Err(r.bad(
                    "Events",
                    format!("{name} is not an event of the procedures"),
                ));
            }
        }
        Ok(Some(ies))
    }
}

// ---- Connection points (Reserve / Configure) -------------------------------------------------

/// The IEs of the Reserve / Configure / Reserve and Configure procedures of
/// both links (23.334 §8.2 and neighbours; 23.333 §8.20–8.22).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionPointIes {
    /// "Context / Context Request".
    pub context: ContextRef,
    /// "Emergency Call Indicator" (Iq reserve procedures only).
    pub emergency: bool,
    pub priority: Option<Priority>,
    /// "Bearer / IMS Termination (Request)": `…/$` to reserve, an ID to
    /// configure.
    pub termination: TerminationId,
    pub streams: Vec<StreamConfig>,
    pub events: Option<EventsIes>,
}

/// Whether an IE must be present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Need {
    Mandatory,
    Optional,
    /// Not an IE of the procedure: present, the request is another
    /// procedure's (a Reserve with Remote SDP is a Reserve and Configure).
    Absent,
}

/// What a connection-point procedure requires.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CpRules {
    pub command: Amm,
    /// Reserve: new termination, context CHOOSE or existing; configure:
    /// existing of both.
    pub reserve: bool,
    /// "Local Connection Address Request" (c= and m= port `$`).
    pub local_address_request: Need,
    /// "Remote IP/IMS Resources" and "Remote Connection Address".
    pub remote: Need,
    /// "Notify termination heartbeat".
    pub heartbeat: Need,
    /// Iq LocalControl IEs allowed.
    pub ip: bool,
    /// Emergency Call Indicator allowed.
    pub emergency: bool,
}

impl ConnectionPointIes {
    pub(crate) fn build(&self, rules: CpRules) -> ActionRequest {
        let mut descriptors = Vec::new();
        if !self.streams.is_empty() {
            let streams: Vec<StreamDescriptor> =
                self.streams.iter().map(StreamConfig::descriptor).collect();
            descriptors.push(AmmDescriptor::Media(media_streams(&streams)));
        }
        if let Some(events) = &self.events {
            descriptors.push(AmmDescriptor::Events(events.descriptor()));
        }
        super::action(
            self.context.id(),
            context_request(self.emergency, self.priority),
            CommandRequest::new(rules.command.wrap(AmmRequest {
                termination_ids: small_list![self.termination.clone()],
                descriptors,
            })),
        )
    }

    pub(crate) fn read(r: Reader, action: &ActionRequest, rules: CpRules) -> Result<Self, IeError> {
        let amm = rules.command.of(r, r.command(action)?)?;
        let context = if rules.reserve {
            ContextRef::read(r, action.context_id)?
        } else {
            ContextRef::Existing(ContextRef::read_existing(r, action.context_id)?)
        };
        let (emergency, priority) =
            read_context_request(r, action.context_request.as_ref(), rules.emergency)?;
        let id = r.one_termination("Bearer Termination", &amm.termination_ids)?;
        let termination = if rules.reserve {
            read_new_termination(r, "Bearer Termination Request", id)?
        } else {
            read_existing_termination(r, "Bearer Termination", id)?
        };
        let mut streams = Vec::new();
        let mut events = None;
        for d in &amm.descriptors {
            match d {
                AmmDescriptor::Media(m) => {
                    if m.termination_state.is_some() {
                        return Err(
                            r.bad("Media", "TerminationState is not an IE of the procedure")
                        );
                    }
                    for (id, parms) in read_streams(m) {
                        streams.push(StreamConfig::read(r, id, parms, rules.ip)?);
                    }
                }
                AmmDescriptor::Events(e) => events = EventsIes::read(r, e)?,
                other => {
                    return Err(r.bad(
                        "descriptor",
                        format!("{} is not part of the procedure", descriptor_name(other)),
                    ))
                }
            }
        }
        if rules.local_address_request == Need::Mandatory {
            if streams.is_empty() {
                return Err(r.missing("Local Connection Address Request", "no stream"));
            }
            for s in &streams {
                match &s.local {
                    Some(l) if l.requests_address() => {}
                    Some(_) => {
                        return Err(r.missing(
                            "Local Connection Address Request",
                            format!(
                                "stream {}: Local c= address and m= port must be $",
                                s.stream
                            ),
                        ))
                    }
                    None => {
                        return Err(r.missing(
                            "Local Connection Address Request",
                            format!("stream {} has no Local descriptor", s.stream),
                        ))
                    }
                }
            }
        }
        if rules.remote == Need::Mandatory {
            if streams.is_empty() {
                return Err(r.missing("Remote Connection Address", "no stream"));
            }
            for s in &streams {
                match &s.remote {
                    Some(remote) if remote.has_address() => {}
                    Some(_) => {
                        return Err(r.missing(
                            "Remote Connection Address",
                            format!("stream {}: Remote needs an address and a port", s.stream),
                        ))
                    }
                    None => {
                        return Err(r.missing(
                            "Remote IP Resources",
                            format!("stream {} has no Remote descriptor", s.stream),
                        ))
                    }
                }
            }
        }
        if rules.remote == Need::Absent {
            if let Some(s) = streams.iter().find(|s| s.remote.is_some()) {
                return Err(r.bad(
                    "Remote IP Resources",
                    format!(
                        "stream {}: Remote SDP is not an IE of the procedure (Reserve and Configure carries it)",
                        s.stream
                    ),
                ));
            }
        }
        if rules.heartbeat == Need::Mandatory && !events.as_ref().is_some_and(|e| e.heartbeat) {
            return Err(r.missing(
                "Notify termination heartbeat",
                "hangterm/thb is not requested",
            ));
        }
        if let Some(e) = &events {
            if e.signal_completion || !e.stop_digits.is_empty() || e.dtmf.is_some() {
                return Err(r.bad(
                    "Events",
                    "only the heartbeat and released-bearer events are part of the procedure",
                ));
            }
        }
        Ok(ConnectionPointIes {
            context,
            emergency,
            priority,
            termination,
            streams,
            events,
        })
    }
}

pub(crate) fn descriptor_name(d: &AmmDescriptor) -> &'static str {
    match d {
        AmmDescriptor::Media(_) => "Media",
        AmmDescriptor::Modem(_) => "Modem",
        AmmDescriptor::Mux(_) => "Mux",
        AmmDescriptor::Events(_) => "Events",
        AmmDescriptor::EventBuffer(_) => "EventBuffer",
        AmmDescriptor::Signals(_) => "Signals",
        AmmDescriptor::DigitMap(_) => "DigitMap",
        AmmDescriptor::Audit(_) => "Audit",
        AmmDescriptor::Statistics(_) => "Statistics",
    }
}

/// The reply of a connection-point procedure: the context (chosen by the MG
/// when requested), the termination and the Local SDP per stream (the
/// allocated address and port: "Local Connection Address").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionPointReply {
    pub context: u32,
    pub termination: TerminationId,
    pub local: Vec<(StreamId, MediaSdp)>,
}

impl ConnectionPointReply {
    pub(crate) fn build(&self, command: Amm) -> ActionReply {
        let audit = if self.local.is_empty() {
            Vec::new()
        } else {
            let streams: Vec<StreamDescriptor> = self
                .local
                .iter()
                .map(|(id, sdp)| StreamDescriptor {
                    stream_id: *id,
                    parms: StreamParms {
                        local: Some(LocalRemoteDescriptor {
                            groups: small_list![sdp.session()],
                        }),
                        ..Default::default()
                    },
                })
                .collect();
            vec![AuditReturnParameter::Media(media_streams(&streams))]
        };
        reply_action(
            ContextId(self.context),
            command.reply(AmmsReply {
                termination_ids: small_list![self.termination.clone()],
                audit,
            }),
        )
    }

    /// `address_required`: the reply must give the allocated local address
    /// and port of every stream (reserve procedures).
    pub(crate) fn read(
        r: Reader,
        action: &ActionReply,
        command: Amm,
        address_required: bool,
    ) -> Result<Self, IeError> {
        let reply = command.of_reply(r, r.command_reply(action)?)?;
        let context = ContextRef::read_existing(r, action.context_id)?;
        let termination = read_existing_termination(
            r,
            "Bearer Termination",
            r.one_termination("Bearer Termination", &reply.termination_ids)?,
        )?;
        let mut local = Vec::new();
        for item in &reply.audit {
            match item {
                AuditReturnParameter::Media(m) => {
                    for (id, parms) in read_streams(m) {
                        if let Some(d) = &parms.local {
                            if let [one] = d.groups.as_slice() {
                                local.push((
                                    id,
                                    MediaSdp::read(r, "Local Connection Address", one)?,
                                ));
                            } else {
                                return Err(r.bad(
                                    "Local Connection Address",
                                    "the reply's Local holds one session description",
                                ));
                            }
                        }
                    }
                }
                AuditReturnParameter::Error(e) => return Err(r.refused(e)),
                _ => {}
            }
        }
        if address_required {
            if local.is_empty() {
                return Err(r.missing("Local Connection Address", "no Local SDP in the reply"));
            }
            if let Some((id, _)) = local.iter().find(|(_, l)| !l.has_address()) {
                return Err(r.missing(
                    "Local Connection Address",
                    format!("stream {id}: the MG did not fill in the address and port"),
                ));
            }
        }
        Ok(ConnectionPointReply {
            context,
            termination,
            local,
        })
    }
}

// ---- Signals --------------------------------------------------------------------------------

/// The common signal IEs: "Tone / Announcement Direction" (SPADirection,
/// H.248.1 v2), "Tone Timing" (Duration, ms) and "Notify ... Completion"
/// (NotifyCompletion with every reason, reported by `g/sc`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignalIes {
    pub direction: Option<SignalDirection>,
    pub duration: Option<u16>,
    pub notify_completion: bool,
}

impl SignalIes {
    pub fn plain() -> Self {
        SignalIes {
            direction: None,
            duration: None,
            notify_completion: false,
        }
    }

    pub(crate) fn signal(&self, name: &str, params: Vec<PropertyParm>) -> SignalRequest {
        use h248_stack::model::NotifyCompletion as N;
        let mut s = Signal::named(name);
        s.params = params;
        s.direction = self.direction;
        s.duration = self.duration;
        if self.notify_completion {
            s.notify_completion = Some(vec![
                N::OnTimeOut,
                N::OnInterruptByEvent,
                N::OnInterruptByNewSignalDescr,
                N::OtherReason,
            ]);
        }
        SignalRequest::Signal(s)
    }

    pub(crate) fn read(s: &Signal) -> Self {
        SignalIes {
            direction: s.direction,
            duration: s.duration,
            notify_completion: s.notify_completion.as_ref().is_some_and(|n| !n.is_empty()),
        }
    }
}

/// The target of a signal or event procedure: Context M, Bearer
/// Termination M.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub context: u32,
    pub termination: TerminationId,
}

/// A Modify carrying Signals and / or Events on one termination.
pub(crate) fn signals_modify(
    target: &Target,
    signals: Option<Vec<SignalRequest>>,
    events: Option<EventsDescriptor>,
) -> ActionRequest {
    let mut descriptors = Vec::new();
    if let Some(s) = signals {
        descriptors.push(AmmDescriptor::Signals(s));
    }
    if let Some(e) = events {
        descriptors.push(AmmDescriptor::Events(e));
    }
    super::action(
        ContextId(target.context),
        None,
        CommandRequest::new(Amm::Modify.wrap(AmmRequest {
            termination_ids: small_list![target.termination.clone()],
            descriptors,
        })),
    )
}

/// What a signal / event Modify holds.
pub(crate) struct ReadModify<'a> {
    pub target: Target,
    pub signals: Option<&'a [SignalRequest]>,
    /// Present and `None`: `Events` clearing every event.
    pub events: Option<Option<EventsIes>>,
}

pub(crate) fn read_signals_modify<'a>(
    r: Reader,
    action: &'a ActionRequest,
) -> Result<ReadModify<'a>, IeError> {
    let amm = Amm::Modify.of(r, r.command(action)?)?;
    let context = ContextRef::read_existing(r, action.context_id)?;
    let termination = read_existing_termination(
        r,
        "Bearer Termination",
        r.one_termination("Bearer Termination", &amm.termination_ids)?,
    )?;
    if action.context_request.is_some() {
        return Err(r.bad("context properties", "not IEs of the procedure"));
    }
    let mut signals = None;
    let mut events = None;
    for d in &amm.descriptors {
        match d {
            AmmDescriptor::Signals(s) => signals = Some(s.as_slice()),
            AmmDescriptor::Events(e) => events = Some(EventsIes::read(r, e)?),
            other => {
                return Err(r.bad(
                    "descriptor",
                    format!("{} is not part of the procedure", descriptor_name(other)),
                ))
            }
        }
    }
    Ok(ReadModify {
        target: Target {
            context,
            termination,
        },
        signals,
        events,
    })
}

/// The one signal of a Signals descriptor.
pub(crate) fn one_signal<'a>(
    r: Reader,
    ie: &'static str,
    signals: Option<&'a [SignalRequest]>,
) -> Result<&'a Signal, IeError> {
    match signals {
        Some([SignalRequest::Signal(s)]) => Ok(s),
        None | Some([]) => Err(r.missing(ie, "no signal")),
        Some(_) => Err(r.bad(ie, "one signal (no list) is part of the procedure")),
    }
}

/// The value of parameter `name` (case-insensitive) of a signal or event.
pub(crate) fn param<'a>(params: &'a [PropertyParm], name: &str) -> Option<&'a ParmValue> {
    params
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(name))
        .map(|p| &p.value)
}

/// An observed event with parameters.
pub(crate) fn observed(name: &str, params: Vec<PropertyParm>) -> ObservedEvent {
    ObservedEvent {
        name: Text::from(name),
        stream_id: None,
        params,
        timestamp: None,
    }
}
