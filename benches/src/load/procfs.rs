//! CPU time and memory of a process, read from Linux `/proc` (proc(5)).

use std::fs;
use std::time::Duration;

/// Clock ticks per second of the times in `/proc/<pid>/stat`: `USER_HZ`,
/// which the kernel fixes at 100 for user space on every architecture it
/// exports these fields for (see `sysconf(_SC_CLK_TCK)` in proc(5)).
const USER_HZ: u64 = 100;

/// User plus system CPU time of all threads of `pid` (fields 14 and 15 of
/// `/proc/<pid>/stat`), or `None` when the process is gone.
pub fn cpu_time(pid: u32) -> Option<Duration> {
    let [utime, stime] = stat_fields(pid, [14, 15])?;
    Some(Duration::from_millis((utime + stime) * 1000 / USER_HZ))
}

/// Numeric fields of `/proc/<pid>/stat`, by their 1-based numbers in
/// proc(5) (each after field 2), in the order asked.
fn stat_fields<const N: usize>(pid: u32, numbers: [usize; N]) -> Option<[u64; N]> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces:
    // count the fields after its closing parenthesis, which is field 3.
    let after_name: Vec<&str> = stat[stat.rfind(')')? + 1..]
        .split_ascii_whitespace()
        .collect();
    let mut values = [0; N];
    for (value, number) in values.iter_mut().zip(numbers) {
        *value = after_name.get(number.checked_sub(3)?)?.parse().ok()?;
    }
    Some(values)
}

/// Resident set size of `pid` in KiB (`VmRSS` of `/proc/<pid>/status`).
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_ascii_whitespace().next())
        .and_then(|kib| kib.parse().ok())
}

/// The process that has a UDP socket bound to `port` on this host (found
/// through the socket inodes of `/proc/net/udp` and `/proc/net/udp6` and
/// the `/proc/<pid>/fd` links), leaving out `exclude` (the generator
/// itself, which binds its own port). When several hold it, the newest one.
pub fn pid_of_udp_port(port: u16, exclude: Option<u32>) -> Option<u32> {
    let mut inodes = Vec::new();
    for table in ["/proc/net/udp", "/proc/net/udp6"] {
        let Ok(text) = fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_ascii_whitespace().collect();
            if fields.len() < 10 {
                continue;
            }
            let local_port = fields[1]
                .rsplit(':')
                .next()
                .and_then(|hex| u16::from_str_radix(hex, 16).ok());
            if local_port == Some(port) {
                inodes.push(format!("socket:[{}]", fields[9]));
            }
        }
    }
    if inodes.is_empty() {
        return None;
    }
    let mut found: Vec<(u64, u32)> = Vec::new();
    for entry in fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        if Some(pid) == exclude {
            continue;
        }
        let Ok(fds) = fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        let holds = fds.flatten().any(|fd| {
            fs::read_link(fd.path())
                .ok()
                .and_then(|target| target.to_str().map(|t| inodes.iter().any(|i| i == t)))
                .unwrap_or(false)
        });
        if holds {
            found.push((start_time(pid).unwrap_or(0), pid));
        }
    }
    found.into_iter().max().map(|(_, pid)| pid)
}

/// When `pid` started, in clock ticks after boot (field 22 of its stat).
fn start_time(pid: u32) -> Option<u64> {
    stat_fields(pid, [22]).map(|[start]| start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_cpu_time_and_memory() {
        let me = std::process::id();
        // The reading moves while this thread computes (bounded by a wall
        // clock so that a broken reading fails instead of hanging).
        let before = cpu_time(me).unwrap();
        let give_up = std::time::Instant::now() + Duration::from_secs(20);
        let mut x = 0u64;
        while cpu_time(me).unwrap() == before && std::time::Instant::now() < give_up {
            for i in 0..1_000_000u64 {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
            }
        }
        assert!(cpu_time(me).unwrap() > before);
        assert!(rss_kib(me).unwrap() > 0);
    }

    #[test]
    fn the_owner_of_a_udp_port_is_found() {
        let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = socket.local_addr().unwrap().port();
        let me = std::process::id();
        assert_eq!(pid_of_udp_port(port, None), Some(me));
        assert_eq!(pid_of_udp_port(port, Some(me)), None);
    }

    #[test]
    fn a_missing_process_reads_as_none() {
        assert_eq!(cpu_time(u32::MAX), None);
        assert_eq!(rss_kib(u32::MAX), None);
    }
}
