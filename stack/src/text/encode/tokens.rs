//! The keyword tokens of H.248.1 Annex B (the `...Token` productions at the
//! end of the grammar), in their long and short spellings, plus the
//! punctuation that differs between the two output styles.
//!
//! The encoder picks one [`Tokens`] table per message, so writing a token is
//! a single slice copy with no branch on the style.

macro_rules! token_table {
    ($($(#[$doc:meta])* $field:ident: $long:literal, $short:literal;)*) => {
        /// One spelling of every token the encoder writes.
        pub(super) struct Tokens {
            $($(#[$doc])* pub $field: &'static [u8],)*
        }

        /// Long tokens and spaced punctuation, for [`Style::Pretty`](crate::text::Style::Pretty).
        pub(super) static LONG: Tokens = Tokens { $($field: $long,)* };

        /// Short tokens and tight punctuation, for [`Style::Compact`](crate::text::Style::Compact).
        pub(super) static SHORT: Tokens = Tokens { $($field: $short,)* };
    };
}

token_table! {
    /// `EQUAL` between a token and its value.
    equal: b" = ", b"=";
    /// `LBRKT` of a braced list.
    open: b" {", b"{";
    /// `LBRKT RBRKT` of an empty list.
    empty_braces: b" { }", b"{}";
    add: b"Add", b"A";
    and_lgc: b"ANDLgc", b"ANDLgc";
    audit: b"Audit", b"AT";
    audit_cap: b"AuditCapability", b"AC";
    audit_value: b"AuditValue", b"AV";
    auth: b"Authentication", b"AU";
    both: b"Both", b"B";
    bothway: b"Bothway", b"BW";
    brief: b"Brief", b"BR";
    buffer: b"Buffer", b"BF";
    context: b"Context", b"C";
    context_audit: b"ContextAudit", b"CA";
    context_attr: b"ContextAttr", b"CT";
    context_list: b"ContextList", b"CLT";
    digit_map: b"DigitMap", b"DM";
    direction: b"SPADirection", b"SPADI";
    disconnected: b"Disconnected", b"DC";
    delay: b"Delay", b"DL";
    duration: b"Duration", b"DR";
    embed: b"Embed", b"EM";
    emergency: b"Emergency", b"EG";
    emergency_off: b"EmergencyOff", b"EGO";
    emergency_value: b"EmergencyValue", b"EGV";
    error: b"Error", b"ER";
    event_buffer: b"EventBuffer", b"EB";
    events: b"Events", b"E";
    external: b"External", b"EX";
    failover: b"Failover", b"FL";
    forced: b"Forced", b"FO";
    graceful: b"Graceful", b"GR";
    hand_off: b"HandOff", b"HO";
    ieps: b"IEPSCall", b"IEPS";
    imm_ack_required: b"ImmAckRequired", b"IA";
    inactive: b"Inactive", b"IN";
    internal: b"Internal", b"IT";
    intersignal: b"Intersignal", b"SPAIS";
    isolate: b"Isolate", b"IS";
    in_service: b"InService", b"IV";
    int_by_event: b"IntByEvent", b"IBE";
    int_by_sig_descr: b"IntBySigDescr", b"IBS";
    iteration: b"Iteration", b"IR";
    keep_active: b"KeepActive", b"KA";
    local: b"Local", b"L";
    local_control: b"LocalControl", b"O";
    lock_step: b"LockStep", b"SP";
    loopback: b"Loopback", b"LB";
    media: b"Media", b"M";
    megacop: b"MEGACO", b"!";
    message_segment: b"Segment", b"SM";
    method: b"Method", b"MT";
    mgc_id: b"MgcIdToTry", b"MG";
    mode: b"Mode", b"MO";
    modify: b"Modify", b"MF";
    modem: b"Modem", b"MD";
    move_: b"Move", b"MV";
    mux: b"Mux", b"MX";
    never_notify: b"NeverNotify", b"NBNN";
    notify: b"Notify", b"N";
    notify_completion: b"NotifyCompletion", b"NC";
    notify_immediate: b"ImmediateNotify", b"NBIN";
    notify_regulated: b"RegulatedNotify", b"NBRN";
    nx64k: b"Nx64Kservice", b"N64";
    observed_events: b"ObservedEvents", b"OE";
    oneway: b"Oneway", b"OW";
    oneway_both: b"OnewayBoth", b"OWB";
    oneway_external: b"OnewayExternal", b"OWE";
    on_off: b"OnOff", b"OO";
    or_lgc: b"ORLgc", b"ORLgc";
    other_reason: b"OtherReason", b"OR";
    out_of_service: b"OutOfService", b"OS";
    packages: b"Packages", b"PG";
    pending: b"Pending", b"PN";
    priority: b"Priority", b"PR";
    profile: b"Profile", b"PF";
    reason: b"Reason", b"RE";
    recv_only: b"ReceiveOnly", b"RC";
    reply: b"Reply", b"P";
    reset_events_descriptor: b"ResetEventsDescriptor", b"RSE";
    restart: b"Restart", b"RS";
    remote: b"Remote", b"R";
    request_id: b"SPARequestID", b"SPARQ";
    reserved_group: b"ReservedGroup", b"RG";
    reserved_value: b"ReservedValue", b"RV";
    segmentation_complete: b"END", b"&";
    send_only: b"SendOnly", b"SO";
    send_recv: b"SendReceive", b"SR";
    services: b"Services", b"SV";
    service_states: b"ServiceStates", b"SI";
    service_change_inc: b"ServiceChangeInc", b"SIC";
    service_change: b"ServiceChange", b"SC";
    service_change_address: b"ServiceChangeAddress", b"AD";
    signal_list: b"SignalList", b"SL";
    signals: b"Signals", b"SG";
    signal_type: b"SignalType", b"SY";
    stats: b"Statistics", b"SA";
    stream: b"Stream", b"ST";
    subtract: b"Subtract", b"S";
    synch_isdn: b"SynchISDN", b"SN";
    termination_state: b"TerminationState", b"TS";
    test: b"Test", b"TE";
    time_out: b"TimeOut", b"TO";
    topology: b"Topology", b"TP";
    trans: b"Transaction", b"T";
    response_ack: b"TransactionResponseAck", b"K";
    version: b"Version", b"V";
}
