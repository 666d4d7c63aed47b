//! H.248 package catalogue and the 3GPP Mp / Iq profiles (issue 5 builds them).
#![forbid(unsafe_code)]
