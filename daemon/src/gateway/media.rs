//! Local and Remote SDP as the gateway reads and answers them (H.248.1
//! clause 7.1.8):
//!
//! - in Local, `$` in the `c=` address and the `m=` port asks the MG to
//!   choose: the engine reserves a pair from the backend and writes it in;
//!   `$` in `o=` fields is replaced by the session ID and the address, and
//!   `$` among the `m=` formats by the gateway's first codec;
//! - Remote must name the peer's address and port (`$` there is 449: only
//!   the MG's own side can be left to it);
//! - one `m=` line per stream (clause 7.1.8: a stream is one media); more
//!   is 449;
//! - CCM (RFC 5104): `ccm` lines in Local are the TS 23.334 clause 6.2.24
//!   instruction ([`ccm::apply_instruction`] with Remote); otherwise a Remote
//!   with `ccm` lines is an offer the gateway answers
//!   ([`ccm::answer_offer`]). The reply's Local carries only the CCMs the
//!   gateway takes ([`ccm::CcmNegotiation::answer_lines`]), replacing the
//!   `ccm` lines it was given.

use std::fmt::Write as _;
use std::net::IpAddr;

use h248_stack::model::{small_list, LocalRemoteDescriptor, SmallList, Text};
use h248_stack::sdp::{ccm, Attr, CcmCapabilities, SdpField, SdpLine, SessionDescription};

use super::backend::{AddressFamily, Allocation};
use super::codes::{self, refuse, Refusal};

/// What the engine needs to know of one side's SDP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdpView {
    pub family: AddressFamily,
    /// The address, `None` for `$`.
    pub address: Option<IpAddr>,
    /// The port, `None` for `$`.
    pub port: Option<u16>,
}

/// The session description of a Local / Remote descriptor the gateway
/// uses: the first alternative (clause 7.1.8: with several, the MG picks
/// one; this gateway takes the first, ReserveGroup aside).
pub fn chosen(descriptor: &LocalRemoteDescriptor) -> Result<&SessionDescription, Refusal> {
    descriptor
        .groups
        .first()
        .ok_or_else(|| Refusal::new(codes::BAD_VALUE, "an empty Local/Remote descriptor"))
}

/// Reads the address and port of a session description with one `m=`.
pub fn view(sd: &SessionDescription) -> Result<SdpView, Refusal> {
    let bad = |text: String| Refusal::new(codes::BAD_VALUE, text);
    let mut family = None;
    let mut address = None;
    let mut port = None;
    let mut media_lines = 0;
    // Only `c=` and `m=` say where media goes; the other lines were
    // checked with the whole description when the message was validated.
    for line in sd.lines.iter().filter(|l| matches!(l.kind, 'c' | 'm')) {
        let field = line
            .field()
            .map_err(|e| bad(format!("SDP `{line}`: {}", e.reason)))?;
        match field {
            SdpField::Connection {
                nettype,
                addrtype,
                address: a,
                ..
            } => {
                if !nettype.eq_ignore_ascii_case("IN") {
                    return Err(bad(format!("c= network type {nettype} is not IN")));
                }
                let f = AddressFamily::parse(addrtype)
                    .ok_or_else(|| bad(format!("c= address type {addrtype}")))?;
                family = Some(f);
                address = match a.value() {
                    None => None,
                    Some(text) => {
                        let ip = parse_ip(text).ok_or_else(|| {
                            bad(format!("c= address {text} is not an IP address"))
                        })?;
                        if matches!(
                            (f, ip),
                            (AddressFamily::Ip4, IpAddr::V6(_))
                                | (AddressFamily::Ip6, IpAddr::V4(_))
                        ) {
                            return Err(bad(format!("c= address {text} is not {}", f.token())));
                        }
                        Some(ip)
                    }
                };
            }
            SdpField::Media { port: p, .. } => {
                media_lines += 1;
                port = match p.value() {
                    None => None,
                    Some(text) => Some(
                        text.parse::<u16>()
                            .map_err(|_| bad(format!("m= port {text}")))?,
                    ),
                };
            }
            _ => {}
        }
    }
    if media_lines > 1 {
        return refuse(codes::BAD_VALUE, "several m= lines in one stream");
    }
    Ok(SdpView {
        family: family.unwrap_or(AddressFamily::Ip4),
        address,
        port,
    })
}

/// An IP address as `IpAddr`'s parser reads it, with the dotted quad of
/// IPv4 read by a byte scan first (the standard parser tries both forms
/// through a general one: about 700 instructions for `192.0.2.1`, once
/// per Remote).
fn parse_ip(text: &str) -> Option<IpAddr> {
    match parse_ipv4(text.as_bytes()) {
        Some(v4) => Some(IpAddr::V4(v4)),
        None => text.parse().ok(),
    }
}

/// Four decimal octets separated by dots, each 0–255 without a leading
/// zero (as `Ipv4Addr`'s parser, which refuses them); `None` for anything
/// else, left to the standard parser.
fn parse_ipv4(text: &[u8]) -> Option<std::net::Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut index = 0;
    // The current octet: its value and digits.
    let (mut value, mut digits) = (0u16, 0u8);
    for &b in text {
        if b == b'.' {
            if digits == 0 || index == 3 {
                return None;
            }
            octets[index] = u8::try_from(value).ok()?;
            index += 1;
            (value, digits) = (0, 0);
            continue;
        }
        let digit = b.wrapping_sub(b'0');
        // At most three digits, and no leading zero.
        if digit > 9 || digits == 3 || (digits == 1 && value == 0) {
            return None;
        }
        value = value * 10 + u16::from(digit);
        digits += 1;
    }
    if digits == 0 || index != 3 {
        return None;
    }
    octets[3] = u8::try_from(value).ok()?;
    Some(std::net::Ipv4Addr::from(octets))
}

/// The peer's address of a Remote description; `$` there is 449.
pub fn remote_address(sd: &SessionDescription) -> Result<Option<Allocation>, Refusal> {
    let v = view(sd)?;
    match (v.address, v.port) {
        (Some(address), Some(port)) => Ok(Some(Allocation { address, port })),
        (None, _) | (_, None)
            if sd
                .lines
                .iter()
                .any(|l| matches!(l.kind, 'c' | 'm') && l.value.contains('$')) =>
        {
            refuse(
                codes::BAD_VALUE,
                "CHOOSE ($) in Remote: only Local is left to the MG",
            )
        }
        _ => Ok(None),
    }
}

/// Whether a line is an `a=rtcp-fb` CCM line.
fn is_ccm_line(line: &SdpLine) -> bool {
    line.kind == 'a' && matches!(Attr::from_line(line), Ok(Attr::RtcpFb(fb)) if fb.ccm().is_some())
}

fn media_section(sd: &SessionDescription) -> &[SdpLine] {
    sd.media_sections().next().unwrap_or(&[])
}

/// Writes the chosen address and port (and other `$` values) into a Local
/// description and replaces its `ccm` lines with the negotiated ones.
pub fn resolve_local(
    sd: &SessionDescription,
    allocation: Option<Allocation>,
    session_id: u64,
    codecs: &[u8],
    ccm_lines: Option<Vec<SdpLine>>,
) -> Result<SessionDescription, Refusal> {
    let mut out = SessionDescription::default();
    out.lines
        .reserve_exact(sd.lines.len() + ccm_lines.as_ref().map_or(0, Vec::len));
    let first_codec = codecs.first().copied().unwrap_or(0);
    let missing = || Refusal::new(codes::BAD_VALUE, "CHOOSE ($) with nothing allocated");
    let mut ccm_lines = ccm_lines;
    let mut decimal = itoa::Buffer::new();
    // A line being fixed is written here, then copied once into its `Text`
    // (inline when short). Room for the longest `o=` with an IPv6 address.
    let mut fixed = String::with_capacity(128);
    for line in &sd.lines {
        if ccm_lines.is_some() && is_ccm_line(line) {
            continue;
        }
        let value: Option<Text> = match line.kind {
            'c' | 'o' | 'm' if line.value.bytes().any(|b| b == b'$') => {
                // Token by token, the single spaces between them kept as
                // they were.
                fixed.clear();
                for (i, t) in space_separated(&line.value).enumerate() {
                    if i > 0 {
                        fixed.push(' ');
                    }
                    match (line.kind, i, t) {
                        ('c', 2, "$") | ('o', 5, "$") => {
                            push_address(&mut fixed, allocation.ok_or_else(missing)?.address)
                        }
                        ('o', 1 | 2, "$") => fixed.push_str(decimal.format(session_id)),
                        ('o', 0, "$") => fixed.push('-'),
                        ('m', 1, "$") => {
                            fixed.push_str(decimal.format(allocation.ok_or_else(missing)?.port))
                        }
                        ('m', i, "$") if i >= 3 => fixed.push_str(decimal.format(first_codec)),
                        (_, _, t) if t.bytes().any(|b| b == b'$') => {
                            return refuse(
                                codes::BAD_VALUE,
                                format!("CHOOSE ($) the gateway cannot resolve in `{line}`"),
                            )
                        }
                        (_, _, t) => fixed.push_str(t),
                    }
                }
                Some(Text::from(fixed.as_str()))
            }
            _ => None,
        };
        let new_line = match value {
            Some(v) => SdpLine::new(line.kind, v),
            None => line.clone(),
        };
        let is_media = new_line.kind == 'm';
        out.lines.push(new_line);
        if is_media {
            if let Some(lines) = ccm_lines.take() {
                out.lines.extend(lines);
            }
        }
    }
    Ok(out)
}

/// The pieces of `value` between single spaces, as `str::split(' ')` gives
/// them, found by a plain byte scan (SDP values are short).
fn space_separated(value: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(value);
    std::iter::from_fn(move || {
        let s = rest?;
        match s.bytes().position(|b| b == b' ') {
            // A space is ASCII: both sides are at character boundaries.
            Some(i) => {
                rest = Some(&s[i + 1..]);
                Some(&s[..i])
            }
            None => {
                rest = None;
                Some(s)
            }
        }
    })
}

/// Writes `address` as SDP writes it (RFC 4566 clause 5.7: dotted decimal,
/// or the RFC 5952 text of IPv6).
fn push_address(out: &mut String, address: IpAddr) {
    match address {
        IpAddr::V4(v4) => {
            let mut decimal = itoa::Buffer::new();
            for (i, octet) in v4.octets().into_iter().enumerate() {
                if i > 0 {
                    out.push('.');
                }
                out.push_str(decimal.format(octet));
            }
        }
        // Formatting into a `String` cannot fail.
        IpAddr::V6(v6) => {
            let _ = write!(out, "{v6}");
        }
    }
}

/// Negotiates CCM for one stream; `None` when neither side has `ccm` lines.
pub fn negotiate(
    local: Option<&SessionDescription>,
    remote: Option<&SessionDescription>,
    caps: &CcmCapabilities,
) -> Result<Option<Vec<SdpLine>>, Refusal> {
    let local_media = local.map(media_section).unwrap_or(&[]);
    let remote_media = remote.map(media_section).unwrap_or(&[]);
    let local_has = local_media.iter().any(is_ccm_line);
    let remote_has = remote_media.iter().any(is_ccm_line);
    let bad = |e: ccm::CcmError| Refusal::new(codes::BAD_VALUE, e.to_string());
    let negotiation = if local_has {
        ccm::apply_instruction(local_media, remote_media, caps).map_err(bad)?
    } else if remote_has && local.is_some() {
        ccm::answer_offer(remote_media, caps).map_err(bad)?
    } else {
        return Ok(None);
    };
    Ok(Some(negotiation.answer_lines()))
}

/// A Local descriptor holding one description.
pub fn descriptor(sd: SessionDescription) -> LocalRemoteDescriptor {
    LocalRemoteDescriptor {
        groups: small_list![sd],
    }
}

/// The description AuditCapabilities reports for Media: `$` address and
/// port of each family the gateway serves, and its codecs.
pub fn capability_sdp(families: &[AddressFamily], codecs: &[u8]) -> SmallList<SessionDescription> {
    let formats = codecs
        .iter()
        .map(u8::to_string)
        .collect::<Vec<_>>()
        .join(" ");
    families
        .iter()
        .map(|f| {
            let mut sd = SessionDescription::default();
            sd.push('v', "0");
            sd.push('c', Text::from(format!("IN {} $", f.token())));
            sd.push('m', Text::from(format!("audio $ RTP/AVP {formats}")));
            sd
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sd(lines: &[(char, &str)]) -> SessionDescription {
        let mut sd = SessionDescription::default();
        for (k, v) in lines {
            sd.push(*k, *v);
        }
        sd
    }

    /// Addresses are written as SDP writes them: dotted decimal, and IPv6
    /// in its RFC 5952 form; numbers in decimal.
    #[test]
    fn resolved_addresses_and_numbers() {
        let local = sd(&[
            ('v', "0"),
            ('o', "- $ 7 IN IP6 $"),
            ('c', "IN IP6 $"),
            ('m', "video $ RTP/AVP 96 $"),
        ]);
        for (address, text) in [
            (IpAddr::from([0, 0, 0, 0]), "0.0.0.0"),
            (IpAddr::from([255, 10, 0, 100]), "255.10.0.100"),
            ("2001:db8:0:0:0:0:2:1".parse().unwrap(), "2001:db8::2:1"),
            ("::ffff:192.0.2.1".parse().unwrap(), "::ffff:192.0.2.1"),
        ] {
            let a = Allocation {
                address,
                port: 65535,
            };
            let out = resolve_local(&local, Some(a), u64::MAX, &[127], None).unwrap();
            let lines: Vec<String> = out.lines.iter().map(|l| l.to_string()).collect();
            assert_eq!(
                lines,
                [
                    "v=0".to_string(),
                    format!("o=- 18446744073709551615 7 IN IP6 {text}"),
                    format!("c=IN IP6 {text}"),
                    "m=video 65535 RTP/AVP 96 127".to_string(),
                ]
            );
        }
    }

    /// The byte scan splits exactly as `str::split(' ')` does.
    #[test]
    fn space_separated_splits_as_str_split() {
        for value in [
            "",
            " ",
            "IN IP4 $",
            "  IN  IP4 $ ",
            "audio $ RTP/AVP 0",
            "é $ ü",
            "a\tb c",
        ] {
            let ours: Vec<&str> = space_separated(value).collect();
            let std: Vec<&str> = value.split(' ').collect();
            assert_eq!(ours, std, "{value:?}");
        }
    }

    #[test]
    fn choose_is_resolved_in_local_and_refused_in_remote() {
        let local = sd(&[
            ('v', "0"),
            ('o', "- $ $ IN IP4 $"),
            ('c', "IN IP4 $"),
            ('m', "audio $ RTP/AVP $"),
        ]);
        let v = view(&local).unwrap();
        assert_eq!(
            (v.family, v.address, v.port),
            (AddressFamily::Ip4, None, None)
        );
        let a = Allocation {
            address: IpAddr::from([192, 0, 2, 1]),
            port: 20002,
        };
        let out = resolve_local(&local, Some(a), 7, &[8, 0], None).unwrap();
        let text: Vec<String> = out.lines.iter().map(|l| l.to_string()).collect();
        assert_eq!(
            text,
            [
                "v=0",
                "o=- 7 7 IN IP4 192.0.2.1",
                "c=IN IP4 192.0.2.1",
                "m=audio 20002 RTP/AVP 8"
            ]
        );
        assert_eq!(remote_address(&local).unwrap_err().code, 449);
        let remote = sd(&[
            ('v', "0"),
            ('c', "IN IP4 203.0.113.9"),
            ('m', "audio 4000 RTP/AVP 0"),
        ]);
        assert_eq!(
            remote_address(&remote).unwrap(),
            Some(Allocation {
                address: IpAddr::from([203, 0, 113, 9]),
                port: 4000
            })
        );
        let two = sd(&[
            ('v', "0"),
            ('m', "audio 1 RTP/AVP 0"),
            ('m', "video 2 RTP/AVP 96"),
        ]);
        assert_eq!(view(&two).unwrap_err().code, 449);
        let wrong = sd(&[('v', "0"), ('c', "IN IP6 192.0.2.1")]);
        assert_eq!(view(&wrong).unwrap_err().code, 449);
    }

    #[test]
    fn ccm_answer_keeps_only_what_the_gateway_supports() {
        let remote = sd(&[
            ('v', "0"),
            ('c', "IN IP4 203.0.113.9"),
            ('m', "video 4000 RTP/AVPF 96"),
            ('a', "rtcp-fb:96 ccm fir"),
            ('a', "rtcp-fb:96 ccm tstr"),
        ]);
        let local = sd(&[('v', "0"), ('c', "IN IP4 $"), ('m', "video $ RTP/AVPF 96")]);
        let lines = negotiate(
            Some(&local),
            Some(&remote),
            &CcmCapabilities::fir_and_tmmbr(),
        )
        .unwrap()
        .unwrap();
        let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        assert_eq!(text, ["a=rtcp-fb:96 ccm fir"]);
        let a = Allocation {
            address: IpAddr::from([192, 0, 2, 1]),
            port: 20002,
        };
        let out = resolve_local(&local, Some(a), 1, &[96], Some(lines)).unwrap();
        assert_eq!(
            out.lines.last().unwrap().to_string(),
            "a=rtcp-fb:96 ccm fir"
        );
        assert_eq!(
            negotiate(Some(&local), Some(&remote), &CcmCapabilities::none())
                .unwrap()
                .unwrap(),
            Vec::<SdpLine>::new()
        );
        assert_eq!(
            negotiate(Some(&local), None, &CcmCapabilities::none()).unwrap(),
            None
        );
    }

    #[test]
    fn ip_addresses_read_as_the_standard_parser_reads_them() {
        for text in [
            "192.0.2.1",
            "0.0.0.0",
            "255.255.255.255",
            "10.0.0.01",
            "256.1.1.1",
            "1.2.3",
            "1.2.3.4.5",
            "1..2.3",
            "",
            ".1.2.3",
            "1.2.3.",
            "+1.2.3.4",
            "1.2.3.4 ",
            "0x1.2.3.4",
            "::1",
            "2001:db8::2:1",
            "::ffff:192.0.2.1",
            "1.2.3.999",
            "01.2.3.4",
            "00.0.0.0",
        ] {
            assert_eq!(parse_ip(text), text.parse().ok(), "{text:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn ip_parse_agrees_with_std(text in "[0-9.:a-f]{0,18}") {
            proptest::prop_assert_eq!(parse_ip(&text), text.parse().ok());
        }

        #[test]
        fn dotted_quads_agree_with_std(a in 0u16..300, b in 0u16..300, c in 0u16..300, d in 0u16..300) {
            let text = format!("{a}.{b}.{c}.{d}");
            proptest::prop_assert_eq!(parse_ip(&text), text.parse().ok());
        }
    }
}
