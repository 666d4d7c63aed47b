//! The Iq procedures (IMS-ALG → IMS-AGW and back), TS 23.334 clause 8 and
//! §6.1, profiled by TS 29.334.
//!
//! Not built here, and why (each needs the named document; none of the
//! stored copies read holds it, see `profiles/README.md` "Known gaps"):
//! - Realm Availability Activate / Notification (23.334 §8: IEs "Realm
//!   Availability Activate" M on ROOT, "Realm Availability Changes" M): the
//!   event of the `ipra` package (H.248.41 Amendment 1) that is requested
//!   on ROOT and notified, with its parameters; only the Available Realms
//!   property `ipra/ar` is known (29.334 Table 5.17.1.1, a BGF trace). An
//!   invented event name would be refused by the profile itself (451).
//! - RTCP handling (H.248.57 `rtcph`, Iq mandatory): no item name of the
//!   package is known (H.248.57 not read; 29.334 §5.14.3 usage not read).
//! - The heartbeat interval `hangterm/timerx` (H.248.36): stage 2 has no IE
//!   for it, and whether H.248.36 defines it as a property or as a
//!   parameter of the heartbeat event (and its ID) is in H.248.36 clause 6,
//!   not read; the MG's provisioned interval applies.
//! - ECN (23.334 §6.2.13; H.248.82 `ecnrous`, IANA 0x010b): H.248.82 not
//!   read and not in the Iq profile data seen (29.334 Table 5.14.2.1 cut).
//! - ICE / STUN consent (23.334 §6.2.17; H.248.50 `stunb`…`kar`, revised
//!   H.248.50 `stnconfres` 0x0120): item names in H.248.50, not read.
//! - WebRTC data channel (§6.2.22; draft H.248.SCTP `sctpbcc` / `sctpreset`,
//!   H.248.WEBRTC `dcep`), T.38 over DTLS and MSRP over TLS (§6.2.10.3,
//!   §5.19; H.248.90 / H.248.93 TLS packages, H.248.69 / H.248.89 for MSRP
//!   and TCP), the "Notify (D)TLS session establishment Failure" event
//!   (H.248.90 / H.248.93) and SDES (§6.2.10.2; H.248.77 `srtp` or the SDP
//!   `a=crypto` line, 29.334 Table 5.17.1.1 row not visible): the item names
//!   are in those Recommendations and the mapping in 29.334 §5.17.1, none
//!   read. WebRTC DTLS-SRTP and CCM, carried in the SDP of Local / Remote,
//!   are in [`super::webrtc`] and [`super::ccm`].

use h248_stack::model::{ActionReply, ActionRequest, PropertyParm, Text};

use super::{
    observed, param, read_notify, service_change_procedure, Amm, ConnectionPointIes,
    ConnectionPointReply, CpRules, HeartbeatIes, IeError, Link, Need, NotifyAck, Procedure, Reader,
    ReleaseIes, ReleaseReply, Target, OUT_OF_SERVICE, RESTORATION,
};
use crate::profile::Sender;

const RESERVE: CpRules = CpRules {
    command: Amm::Add,
    reserve: true,
    local_address_request: Need::Mandatory,
    remote: Need::Absent,
    heartbeat: Need::Mandatory,
    ip: true,
    emergency: true,
};

const CONFIGURE: CpRules = CpRules {
    command: Amm::Modify,
    reserve: false,
    local_address_request: Need::Optional,
    remote: Need::Optional,
    heartbeat: Need::Optional,
    ip: true,
    emergency: false,
};

/// unconfirmed: the IE table of 23.334 §8.2 was cut after "Local IP
/// Resources O"; Reserve and Configure is taken as Reserve (Local Connection
/// Address Request M, Notify termination heartbeat M) plus the remote side
/// of Configure made mandatory (Remote Connection Address M), as the Mp
/// equivalent (23.333 §8.20) has it.
const RESERVE_AND_CONFIGURE: CpRules = CpRules {
    remote: Need::Mandatory,
    ..RESERVE
};

/// Reserve AGW Connection Point (23.334 §8): Add of a new IP termination
/// (`…/$`) in a new or existing context, with Local SDP whose address and
/// port are `$` (Local Connection Address Request M) and the heartbeat
/// event requested (M). The reply gives the allocated address and port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReserveAgwConnectionPoint(pub ConnectionPointIes);

/// Configure AGW Connection Point (23.334 §8): Modify of the termination
/// with Local / Remote SDP and LocalControl IEs, all optional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigureAgwConnectionPoint(pub ConnectionPointIes);

/// Reserve and Configure AGW Connection Point (23.334 §8.2): Reserve with
/// the Remote SDP.
///
/// unconfirmed: the IE table of 23.334 §8.2 was cut after "Local IP
/// Resources O"; the reader requires what Reserve requires plus the Remote
/// Connection Address, as the Mp equivalent (23.333 §8.20) does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReserveAndConfigureAgwConnectionPoint(pub ConnectionPointIes);

connection_point!(
    Link::Iq,
    ReserveAgwConnectionPoint,
    "Reserve AGW Connection Point",
    "23.334 §8",
    RESERVE,
    true
);
connection_point!(
    Link::Iq,
    ConfigureAgwConnectionPoint,
    "Configure AGW Connection Point",
    "23.334 §8",
    CONFIGURE,
    false
);
connection_point!(
    Link::Iq,
    ReserveAndConfigureAgwConnectionPoint,
    "Reserve and Configure AGW Connection Point",
    "23.334 §8.2",
    RESERVE_AND_CONFIGURE,
    true
);

/// Release AGW Termination (23.334 §8): Subtract of one termination, or a
/// `*`-wildcarded one with `W-Subtract` (29.334 Tables 5.10.5 / 5.10.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseAgwTermination(pub ReleaseIes);

impl Procedure for ReleaseAgwTermination {
    const NAME: &'static str = "Release AGW Termination";
    const CLAUSE: &'static str = "23.334 §8";
    const LINK: Link = Link::Iq;
    const INITIATOR: Sender = Sender::Mgc;
    type Reply = ReleaseReply;

    fn request(&self) -> ActionRequest {
        self.0.build()
    }
    fn read_request(action: &ActionRequest) -> Result<Self, IeError> {
        ReleaseIes::read(Reader(Self::NAME), action, true).map(ReleaseAgwTermination)
    }
    fn reply(reply: &Self::Reply) -> ActionReply {
        reply.build()
    }
    fn read_reply(action: &ActionReply) -> Result<Self::Reply, IeError> {
        ReleaseReply::read(Reader(Self::NAME), action)
    }
}

/// Termination Heartbeat Indication (23.334 §8; AGW → ALG): Notify of
/// `hangterm/thb`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminationHeartbeat(pub HeartbeatIes);

impl Procedure for TerminationHeartbeat {
    const NAME: &'static str = "Termination Heartbeat Indication";
    const CLAUSE: &'static str = "23.334 §8";
    const LINK: Link = Link::Iq;
    const INITIATOR: Sender = Sender::Mg;
    type Reply = NotifyAck;

    fn request(&self) -> ActionRequest {
        self.0.build()
    }
    fn read_request(action: &ActionRequest) -> Result<Self, IeError> {
        HeartbeatIes::read(Reader(Self::NAME), action).map(TerminationHeartbeat)
    }
    fn reply(reply: &Self::Reply) -> ActionReply {
        reply.build()
    }
    fn read_reply(action: &ActionReply) -> Result<Self::Reply, IeError> {
        NotifyAck::read(Reader(Self::NAME), action)
    }
}

/// The General Cause of `g/cause` (H.248.1 E.1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeneralCause {
    /// `NR` normal release.
    NormalRelease,
    /// `UR` unavailable resources.
    UnavailableResources,
    /// `FT` failure, temporary.
    FailureTemporary,
    /// `FP` failure, permanent.
    FailurePermanent,
    /// `IW` interworking error.
    InterworkingError,
    /// `UN` unsupported.
    Unsupported,
}

const CAUSES: [(GeneralCause, &str); 6] = [
    (GeneralCause::NormalRelease, "NR"),
    (GeneralCause::UnavailableResources, "UR"),
    (GeneralCause::FailureTemporary, "FT"),
    (GeneralCause::FailurePermanent, "FP"),
    (GeneralCause::InterworkingError, "IW"),
    (GeneralCause::Unsupported, "UN"),
];

impl GeneralCause {
    pub fn token(self) -> &'static str {
        CAUSES
            .iter()
            .find(|(c, _)| *c == self)
            .map_or("NR", |(_, t)| t)
    }
    fn from_token(token: &str) -> Option<Self> {
        CAUSES
            .iter()
            .find(|(_, t)| t.eq_ignore_ascii_case(token))
            .map(|(c, _)| *c)
    }
}

/// IP Bearer Released (23.334 §8; AGW → ALG): Notify of the Generic cause
/// event `g/cause` with its General Cause and optional Failure Cause text,
/// for a termination whose ALG asked for it ("Notify Released Bearer").
///
/// unconfirmed: the digest's IE table for this procedure was cut; the
/// construct is the one 29.232 uses for the same IE on the MGW (Generic
/// cause), which the Iq profile's mandatory `g` package provides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpBearerReleased {
    pub target: Target,
    pub request_id: u32,
    pub cause: GeneralCause,
    pub failure: Option<Text>,
}

impl Procedure for IpBearerReleased {
    const NAME: &'static str = "IP Bearer Released";
    const CLAUSE: &'static str = "23.334 §8";
    const LINK: Link = Link::Iq;
    const INITIATOR: Sender = Sender::Mg;
    type Reply = NotifyAck;

    fn request(&self) -> ActionRequest {
        let mut params = vec![PropertyParm::equal("Generalcause", self.cause.token())];
        if let Some(f) = &self.failure {
            params.push(PropertyParm::equal("Failurecause", f.clone()));
        }
        super::notify(
            self.target.context,
            &self.target.termination,
            self.request_id,
            observed("g/cause", params),
        )
    }
    fn read_request(action: &ActionRequest) -> Result<Self, IeError> {
        let r = Reader(Self::NAME);
        let (context, termination, request_id, event) =
            read_notify(r, action, "Bearer released", "g/cause")?;
        let cause = match param(&event.params, "Generalcause") {
            None => return Err(r.missing("Cause", "no Generalcause")),
            Some(v) => v
                .as_single()
                .and_then(GeneralCause::from_token)
                .ok_or_else(|| r.bad("Cause", format!("Generalcause {v:?}")))?,
        };
        let failure = match param(&event.params, "Failurecause") {
            None => None,
            Some(v) => {
                Some(Text::from(v.as_single().ok_or_else(|| {
                    r.bad("Cause", "Failurecause takes one value")
                })?))
            }
        };
        Ok(IpBearerReleased {
            target: Target {
                context,
                termination,
            },
            request_id,
            cause,
            failure,
        })
    }
    fn reply(reply: &Self::Reply) -> ActionReply {
        reply.build()
    }
    fn read_reply(action: &ActionReply) -> Result<Self::Reply, IeError> {
        NotifyAck::read(Reader(Self::NAME), action)
    }
}

service_change_procedure!(
    /// IMS-AGW Out-of-Service (23.334 §6.1): ServiceChange on ROOT, Forced
    /// or Graceful, Reason M, Method M.
    AgwOutOfService,
    "IMS-AGW Out-of-Service",
    "23.334 §6.1",
    Link::Iq,
    OUT_OF_SERVICE
);

service_change_procedure!(
    /// IMS-AGW Restoration / communication up (23.334 §6.1): ServiceChange
    /// on ROOT, Restart, Reason M, Method M.
    AgwRestoration,
    "IMS-AGW Restoration",
    "23.334 §6.1",
    Link::Iq,
    RESTORATION
);
