//! The keyword tokens of H.248.1 Annex B (the `...Token` productions at the
//! end of the grammar), in their long and short spellings, plus the
//! punctuation that differs between the two output styles.
//!
//! The encoder picks its tables once per message, so writing a token is a
//! single slice copy with no branch on the style. As most tokens are
//! followed by `EQUAL`, each table has a twin with the `EQUAL` appended,
//! which saves a copy per `Token = value`.

/// The punctuation that differs between the styles.
pub(super) struct Punctuation {
    /// `EQUAL` between a token and its value.
    pub equal: &'static [u8],
    /// `LBRKT` of a braced list.
    pub open: &'static [u8],
    /// `LBRKT RBRKT` of an empty list.
    pub empty_braces: &'static [u8],
}

/// Spaced punctuation, for [`Style::Pretty`](crate::text::Style::Pretty).
pub(super) static SPACED: Punctuation = Punctuation {
    equal: b" = ",
    open: b" {",
    empty_braces: b" { }",
};

/// Tight punctuation, for [`Style::Compact`](crate::text::Style::Compact).
pub(super) static TIGHT: Punctuation = Punctuation {
    equal: b"=",
    open: b"{",
    empty_braces: b"{}",
};

macro_rules! token_table {
    ($($field:ident: $long:literal, $short:literal;)*) => {
        /// One spelling of every token the encoder writes.
        pub(super) struct Tokens {
            $(pub $field: &'static [u8],)*
        }

        /// Long tokens, for [`Style::Pretty`](crate::text::Style::Pretty).
        pub(super) static LONG: Tokens = Tokens { $($field: $long.as_bytes(),)* };

        /// Long tokens followed by a spaced `EQUAL`.
        pub(super) static LONG_EQUAL: Tokens = Tokens { $($field: concat!($long, " = ").as_bytes(),)* };

        /// Short tokens, for [`Style::Compact`](crate::text::Style::Compact).
        pub(super) static SHORT: Tokens = Tokens { $($field: $short.as_bytes(),)* };

        /// Short tokens followed by a tight `EQUAL`.
        pub(super) static SHORT_EQUAL: Tokens = Tokens { $($field: concat!($short, "=").as_bytes(),)* };
    };
}

token_table! {
    add: "Add", "A";
    and_lgc: "ANDLgc", "ANDLgc";
    audit: "Audit", "AT";
    audit_cap: "AuditCapability", "AC";
    audit_value: "AuditValue", "AV";
    auth: "Authentication", "AU";
    both: "Both", "B";
    bothway: "Bothway", "BW";
    brief: "Brief", "BR";
    buffer: "Buffer", "BF";
    context: "Context", "C";
    context_audit: "ContextAudit", "CA";
    context_attr: "ContextAttr", "CT";
    context_list: "ContextList", "CLT";
    digit_map: "DigitMap", "DM";
    direction: "SPADirection", "SPADI";
    disconnected: "Disconnected", "DC";
    delay: "Delay", "DL";
    duration: "Duration", "DR";
    embed: "Embed", "EM";
    emergency: "Emergency", "EG";
    emergency_off: "EmergencyOff", "EGO";
    emergency_value: "EmergencyValue", "EGV";
    error: "Error", "ER";
    event_buffer: "EventBuffer", "EB";
    events: "Events", "E";
    external: "External", "EX";
    failover: "Failover", "FL";
    forced: "Forced", "FO";
    graceful: "Graceful", "GR";
    hand_off: "HandOff", "HO";
    ieps: "IEPSCall", "IEPS";
    imm_ack_required: "ImmAckRequired", "IA";
    inactive: "Inactive", "IN";
    internal: "Internal", "IT";
    intersignal: "Intersignal", "SPAIS";
    isolate: "Isolate", "IS";
    in_service: "InService", "IV";
    int_by_event: "IntByEvent", "IBE";
    int_by_sig_descr: "IntBySigDescr", "IBS";
    iteration: "Iteration", "IR";
    keep_active: "KeepActive", "KA";
    local: "Local", "L";
    local_control: "LocalControl", "O";
    lock_step: "LockStep", "SP";
    loopback: "Loopback", "LB";
    media: "Media", "M";
    megacop: "MEGACO", "!";
    message_segment: "Segment", "SM";
    method: "Method", "MT";
    mgc_id: "MgcIdToTry", "MG";
    mode: "Mode", "MO";
    modify: "Modify", "MF";
    modem: "Modem", "MD";
    move_: "Move", "MV";
    mux: "Mux", "MX";
    never_notify: "NeverNotify", "NBNN";
    notify: "Notify", "N";
    notify_completion: "NotifyCompletion", "NC";
    notify_immediate: "ImmediateNotify", "NBIN";
    notify_regulated: "RegulatedNotify", "NBRN";
    nx64k: "Nx64Kservice", "N64";
    observed_events: "ObservedEvents", "OE";
    oneway: "Oneway", "OW";
    oneway_both: "OnewayBoth", "OWB";
    oneway_external: "OnewayExternal", "OWE";
    on_off: "OnOff", "OO";
    or_lgc: "ORLgc", "ORLgc";
    other_reason: "OtherReason", "OR";
    out_of_service: "OutOfService", "OS";
    packages: "Packages", "PG";
    pending: "Pending", "PN";
    priority: "Priority", "PR";
    profile: "Profile", "PF";
    reason: "Reason", "RE";
    recv_only: "ReceiveOnly", "RC";
    reply: "Reply", "P";
    reset_events_descriptor: "ResetEventsDescriptor", "RSE";
    restart: "Restart", "RS";
    remote: "Remote", "R";
    request_id: "SPARequestID", "SPARQ";
    reserved_group: "ReservedGroup", "RG";
    reserved_value: "ReservedValue", "RV";
    segmentation_complete: "END", "&";
    send_only: "SendOnly", "SO";
    send_recv: "SendReceive", "SR";
    services: "Services", "SV";
    service_states: "ServiceStates", "SI";
    service_change_inc: "ServiceChangeInc", "SIC";
    service_change: "ServiceChange", "SC";
    service_change_address: "ServiceChangeAddress", "AD";
    signal_list: "SignalList", "SL";
    signals: "Signals", "SG";
    signal_type: "SignalType", "SY";
    stats: "Statistics", "SA";
    stream: "Stream", "ST";
    subtract: "Subtract", "S";
    synch_isdn: "SynchISDN", "SN";
    termination_state: "TerminationState", "TS";
    test: "Test", "TE";
    time_out: "TimeOut", "TO";
    topology: "Topology", "TP";
    trans: "Transaction", "T";
    response_ack: "TransactionResponseAck", "K";
    version: "Version", "V";
}
