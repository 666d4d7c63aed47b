//! The H.248.8 error codes the engine answers with, and [`Refusal`], the
//! error of one command (H.248.1 clause 7.1.19: an Error descriptor scoped
//! to the command that caused it).

use h248_stack::model::{ErrorDescriptor, Text};

/// 406 Version not supported (the message header's version is not one of
/// the profile's).
pub const VERSION_NOT_SUPPORTED: u16 = 406;
/// 411 The transaction refers to an unknown ContextID.
pub const UNKNOWN_CONTEXT: u16 = 411;
/// 412 No ContextIDs available (the configured maximum of contexts).
pub const NO_CONTEXT_AVAILABLE: u16 = 412;
/// 421 Unknown action or illegal combination of actions (e.g. an Add in
/// the NULL context, a first command other than Add / Move under CHOOSE).
pub const ILLEGAL_ACTION: u16 = 421;
/// 430 Unknown TerminationID.
pub const UNKNOWN_TERMINATION: u16 = 430;
/// 431 No TerminationID matched a wildcard.
pub const NO_WILDCARD_MATCH: u16 = 431;
/// 433 TerminationID is already in a Context.
pub const ALREADY_IN_CONTEXT: u16 = 433;
/// 434 Max number of Terminations in a Context exceeded.
pub const CONTEXT_FULL: u16 = 434;
/// 435 Termination ID is not in specified Context.
pub const NOT_IN_CONTEXT: u16 = 435;
/// 440 Unsupported or unknown Package.
pub const UNKNOWN_PACKAGE: u16 = 440;
/// 442 Syntax error in Command (a command whose shape is wrong: no
/// termination, CHOOSE where only existing terminations are allowed...).
pub const BAD_COMMAND: u16 = 442;
/// 443 Unsupported or Unknown Command.
pub const UNSUPPORTED_COMMAND: u16 = 443;
/// 444 Unsupported or Unknown Descriptor.
pub const UNSUPPORTED_DESCRIPTOR: u16 = 444;
/// 445 Unsupported or Unknown Property.
pub const UNSUPPORTED_PROPERTY: u16 = 445;
/// 447 Descriptor not legal in this command.
pub const DESCRIPTOR_NOT_LEGAL: u16 = 447;
/// 448 Descriptor appears twice in a command.
pub const DESCRIPTOR_TWICE: u16 = 448;
/// 449 Unsupported or Unknown Parameter or Property Value.
pub const BAD_VALUE: u16 = 449;
/// 451 No such event in this package.
pub const UNKNOWN_EVENT: u16 = 451;
/// 452 No such signal in this package.
pub const UNKNOWN_SIGNAL: u16 = 452;
/// 500 Internal software failure in the MG: the media gateway's process
/// did not answer a backend call in time, or answered nonsense (the
/// outcome of the call is unknown).
pub const INTERNAL_FAILURE: u16 = 500;
/// 501 Not Implemented.
pub const NOT_IMPLEMENTED: u16 = 501;
/// 503 Service Unavailable: the media gateway's process is not connected.
pub const SERVICE_UNAVAILABLE: u16 = 503;
/// 510 Insufficient resources (address pools, the maximum of terminations).
pub const INSUFFICIENT_RESOURCES: u16 = 510;
/// 511 Temporarily Busy: too many calls to the media gateway in progress.
pub const TEMPORARILY_BUSY: u16 = 511;
/// 512 Media Gateway unequipped to detect requested Event.
pub const CANNOT_DETECT: u16 = 512;
/// 513 Media Gateway unequipped to generate requested Signals.
pub const CANNOT_GENERATE: u16 = 513;
/// 520 Digit Map undefined in the MG (a `dd/ce` naming a digit map the
/// termination does not have).
pub const DIGIT_MAP_UNDEFINED: u16 = 520;

/// Why a command (or an action, or the transaction) was refused: an
/// H.248.8 code and a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: u16,
    pub text: String,
}

impl Refusal {
    pub fn new(code: u16, text: impl Into<String>) -> Self {
        Refusal {
            code,
            text: text.into(),
        }
    }

    /// The Error descriptor that carries it.
    pub fn descriptor(&self) -> ErrorDescriptor {
        ErrorDescriptor {
            code: self.code,
            text: Some(Text::from(self.text.as_str())),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.code, self.text)
    }
}

/// `Err(Refusal)` shorthand.
pub fn refuse<T>(code: u16, text: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal::new(code, text))
}
