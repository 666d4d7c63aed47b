//! `h248-load`: a load-generating MGC over UDP. It waits for the MG's
//! ServiceChange, then runs Add / Modify / Subtract call cycles at each
//! level of transactions in flight and prints one `RESULT` line per level
//! (the format of `../shared/tools/megaco-load`'s generator, so that either
//! can drive an MG and the figures compare). See `h248_benches::load` for
//! the cycle and the counting rules; this file is the socket and the clock.

use std::fs::OpenOptions;
use std::io::Write;
use std::net::{SocketAddr, UdpSocket};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use h248_benches::load::{procfs, quantile, Driver, LevelStats, LoadConfig, Phase};
use h248_stack::model::MId;
use h248_stack::wire::Encoding;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum EncodingArg {
    Pretty,
    Compact,
    Ber,
}

impl EncodingArg {
    fn encoding(self) -> Encoding {
        match self {
            EncodingArg::Pretty => Encoding::Pretty,
            EncodingArg::Compact => Encoding::Compact,
            EncodingArg::Ber => Encoding::Ber,
        }
    }

    fn name(self) -> &'static str {
        match self {
            EncodingArg::Pretty => "pretty",
            EncodingArg::Compact => "compact",
            EncodingArg::Ber => "ber",
        }
    }
}

/// Load-generating MGC: Add/Modify/Subtract cycles over UDP, N in flight.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The generator's own UDP address; the MG registers and replies here.
    #[arg(long, default_value = "127.0.0.1:2944")]
    listen: SocketAddr,
    /// The MG to drive (default: the source of its ServiceChange).
    #[arg(long)]
    mg: Option<SocketAddr>,
    /// Do not wait for a ServiceChange (needs --mg).
    #[arg(long, requires = "mg")]
    no_register: bool,
    /// Seconds to wait for the MG's ServiceChange.
    #[arg(long, default_value_t = 30)]
    register_timeout: u64,
    #[arg(long, value_enum, default_value_t = EncodingArg::Pretty)]
    encoding: EncodingArg,
    /// Protocol version of the requests (default: the MG's, else 1).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=3))]
    version: Option<u8>,
    /// Transactions in flight, one level after another.
    #[arg(long, value_delimiter = ',', default_value = "1,16,64,256")]
    concurrency: Vec<usize>,
    /// Measured seconds per level.
    #[arg(long, default_value_t = 20.0)]
    duration: f64,
    /// Unmeasured seconds before each level's window.
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    /// Per-transaction timeout (no retransmission).
    #[arg(long, default_value_t = 2000)]
    timeout_ms: u64,
    /// Process whose CPU and RSS are reported: a PID, `auto` (the owner of
    /// the MG's UDP port on this host) or `none`.
    #[arg(long, default_value = "auto")]
    mg_pid: String,
    /// Before the levels, open N contexts (Add only), read the MG's RSS,
    /// wait --hold-settle seconds, read it again, then Subtract them all.
    #[arg(long, default_value_t = 0)]
    hold: usize,
    /// Seconds between the two RSS readings of --hold: past the MG's reply
    /// cache (LONG-TIMER, megaco's reply_timer: 5 s in the load
    /// configuration) and the time its allocator then takes to give the
    /// freed memory back (h248d: 10 s after it was freed).
    #[arg(long, default_value_t = 16)]
    hold_settle: u64,
    /// Transactions in flight during --hold.
    #[arg(long, default_value_t = 64)]
    hold_concurrency: usize,
    /// Subtract with `Audit { Statistics }`.
    #[arg(long)]
    subtract_audit: bool,
    /// Print the first N messages sent and received.
    #[arg(long, default_value_t = 0)]
    dump: usize,
    /// Append one CSV row per level to this file.
    #[arg(long)]
    csv: Option<std::path::PathBuf>,
    /// Hard limit on the whole run (exit code 2 when reached).
    #[arg(long, default_value_t = 600)]
    max_seconds: u64,
}

/// The socket side: sends what the driver queues, feeds it what arrives.
struct Shell {
    socket: UdpSocket,
    peer: Option<SocketAddr>,
    driver: Driver,
    buffer: Vec<u8>,
    dump_left: usize,
    started: Instant,
    max_run: Duration,
    /// When outstanding transactions are next checked for their deadline.
    next_expiry_check: Instant,
}

/// How often deadlines are checked: a timeout is counted within this much
/// of its deadline, and a turn does not scan every outstanding transaction.
const EXPIRY_CHECK: Duration = Duration::from_millis(5);

#[derive(Debug)]
struct Watchdog;

impl Shell {
    /// Sends every queued datagram to the MG.
    fn flush(&mut self) {
        while let Some(datagram) = self.driver.poll_transmit() {
            self.dump(">>> SEND", &datagram);
            if let Some(peer) = self.peer {
                // A full socket buffer loses the datagram as the network
                // would; the transaction then times out and is counted.
                let _ = self.socket.send_to(&datagram, peer);
            }
        }
    }

    fn dump(&mut self, what: &str, datagram: &[u8]) {
        if self.dump_left > 0 {
            self.dump_left -= 1;
            println!("{what}\n{}", String::from_utf8_lossy(datagram));
        }
    }

    /// Receives for up to a few milliseconds, expires what is due, sends
    /// what the driver queued.
    fn turn(&mut self) -> Result<(), Watchdog> {
        match self.socket.recv_from(&mut self.buffer) {
            Ok((len, from)) => {
                let datagram = std::mem::take(&mut self.buffer);
                self.dump("<<< RECV", &datagram[..len]);
                if self.peer.is_none() {
                    self.peer = Some(from);
                }
                self.driver
                    .handle_datagram(Instant::now(), &datagram[..len]);
                self.buffer = datagram;
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                ) => {}
            // ICMP port unreachable (the MG not yet or no longer there)
            // surfaces as ECONNREFUSED on the next receive: keep going.
            Err(_) => {}
        }
        let now = Instant::now();
        if now >= self.next_expiry_check {
            self.next_expiry_check = now + EXPIRY_CHECK;
            self.driver.handle_timeouts(now);
        }
        self.flush();
        if now.duration_since(self.started) > self.max_run {
            return Err(Watchdog);
        }
        Ok(())
    }

    /// Turns until `until`.
    fn run_until(&mut self, until: Instant) -> Result<(), Watchdog> {
        while Instant::now() < until {
            self.turn()?;
        }
        Ok(())
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(code) => code,
        Err(Watchdog) => {
            eprintln!("h248-load: --max-seconds {} reached", args.max_seconds);
            ExitCode::from(2)
        }
    }
}

fn run(args: &Args) -> Result<ExitCode, Watchdog> {
    let socket = match UdpSocket::bind(args.listen) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("h248-load: cannot bind {}: {e}", args.listen);
            return Ok(ExitCode::from(1));
        }
    };
    // Short receive waits keep timeouts and phase ends on time without a
    // timer thread.
    socket
        .set_read_timeout(Some(Duration::from_millis(2)))
        .expect("a non-zero read timeout is accepted");
    let mid = match args.listen {
        SocketAddr::V4(a) => MId::Ip4 {
            address: *a.ip(),
            port: Some(a.port()),
        },
        SocketAddr::V6(a) => MId::Ip6 {
            address: *a.ip(),
            port: Some(a.port()),
        },
    };
    let driver = Driver::new(LoadConfig {
        encoding: args.encoding.encoding(),
        version: args.version,
        mid,
        subtract_audit: args.subtract_audit,
        timeout: Duration::from_millis(args.timeout_ms),
    });
    let mut shell = Shell {
        socket,
        peer: args.mg,
        driver,
        buffer: vec![0; 65_536],
        dump_left: args.dump,
        started: Instant::now(),
        max_run: Duration::from_secs(args.max_seconds),
        next_expiry_check: Instant::now(),
    };
    println!(
        "h248-load: listening on {}, encoding {}",
        args.listen,
        args.encoding.name()
    );
    if !args.no_register {
        println!(
            "waiting up to {}s for the MG's ServiceChange...",
            args.register_timeout
        );
        let deadline = Instant::now() + Duration::from_secs(args.register_timeout);
        while shell.driver.registered().is_none() {
            if Instant::now() > deadline {
                eprintln!("h248-load: no ServiceChange from the MG");
                return Ok(ExitCode::from(1));
            }
            shell.turn()?;
        }
        // Answering its ServiceChange set the peer, unless --mg did.
    }
    let Some(peer) = shell.peer else {
        eprintln!("h248-load: no MG address (give --mg)");
        return Ok(ExitCode::from(1));
    };
    let mg_pid = match args.mg_pid.as_str() {
        "none" => None,
        "auto" => procfs::pid_of_udp_port(peer.port(), Some(std::process::id())),
        pid => match pid.parse() {
            Ok(pid) => Some(pid),
            Err(_) => {
                eprintln!("h248-load: --mg-pid takes a PID, auto or none");
                return Ok(ExitCode::from(1));
            }
        },
    };
    println!(
        "target MG {peer}, protocol version {}, MG os pid {}",
        shell.driver.version(),
        mg_pid.map_or("unknown".to_string(), |p| p.to_string())
    );
    if args.hold > 0 {
        hold_test(&mut shell, args, mg_pid)?;
    }
    for &level in &args.concurrency {
        run_level(&mut shell, args, level, mg_pid)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn run_level(
    shell: &mut Shell,
    args: &Args,
    level: usize,
    mg_pid: Option<u32>,
) -> Result<(), Watchdog> {
    let start = Instant::now();
    shell.driver.start_level(start, level);
    shell.flush();
    shell.run_until(start + Duration::from_secs_f64(args.warmup))?;

    shell.driver.begin_measure();
    let me = std::process::id();
    let cpu_before = (mg_pid.and_then(procfs::cpu_time), procfs::cpu_time(me));
    let window_start = Instant::now();
    shell.run_until(window_start + Duration::from_secs_f64(args.duration))?;
    let stats = shell.driver.begin_drain();
    let seconds = window_start.elapsed().as_secs_f64();
    let cpu_after = (mg_pid.and_then(procfs::cpu_time), procfs::cpu_time(me));
    let rss = mg_pid.and_then(procfs::rss_kib);

    // Finish the cycles in progress so that no context stays open.
    let drain_end = Instant::now() + Duration::from_millis(args.timeout_ms) * 2;
    while shell.driver.outstanding() > 0 && Instant::now() < drain_end {
        shell.turn()?;
    }
    debug_assert_eq!(shell.driver.phase(), Phase::Drain);

    let percent = |before: Option<Duration>, after: Option<Duration>| match (before, after) {
        (Some(b), Some(a)) => Some(100.0 * a.saturating_sub(b).as_secs_f64() / seconds),
        _ => None,
    };
    let mg_cpu = percent(cpu_before.0, cpu_after.0);
    let gen_cpu = percent(cpu_before.1, cpu_after.1);
    report(args, level, seconds, stats, mg_cpu, gen_cpu, rss);
    Ok(())
}

fn report(
    args: &Args,
    level: usize,
    seconds: f64,
    mut stats: LevelStats,
    mg_cpu: Option<f64>,
    gen_cpu: Option<f64>,
    rss: Option<u64>,
) {
    stats.latencies_us.sort_unstable();
    for kind in &mut stats.latencies_by_kind_us {
        kind.sort_unstable();
    }
    let q = |samples: &[u32], p| quantile(samples, p).map_or("na".to_string(), |v| v.to_string());
    let pct = |v: Option<f64>| v.map_or("na".to_string(), |v| format!("{v:.1}"));
    let tps = stats.transactions as f64 / seconds;
    // Transactions per second of MG CPU: the figure issue 6 compares.
    let per_cpu_second = match mg_cpu {
        Some(cpu) if cpu > 0.0 => format!("{:.0}", tps * 100.0 / cpu),
        _ => "na".to_string(),
    };
    let rss = rss.map_or("na".to_string(), |v| v.to_string());
    let lat = &stats.latencies_us;
    let [p50, p90, p99, max] = [0.5, 0.9, 0.99, 1.0].map(|p| q(lat, p));
    let (mg_cpu, gen_cpu) = (pct(mg_cpu), pct(gen_cpu));
    println!(
        "RESULT enc={} conc={level} secs={seconds:.1} trans={} tps={:.0} cycles_per_s={:.0} \
         p50_us={p50} p90_us={p90} p99_us={p99} max_us={max} add_p50_us={} mod_p50_us={} \
         sub_p50_us={} errors={} timeouts={} late={} mg_cpu_pct={mg_cpu} gen_cpu_pct={gen_cpu} \
         mg_rss_kb={rss} \
         trans_per_mg_cpu_s={per_cpu_second} undecodable={}",
        args.encoding.name(),
        stats.transactions,
        tps,
        stats.cycles as f64 / seconds,
        q(&stats.latencies_by_kind_us[0], 0.5),
        q(&stats.latencies_by_kind_us[1], 0.5),
        q(&stats.latencies_by_kind_us[2], 0.5),
        stats.errors,
        stats.timeouts,
        stats.late,
        stats.undecodable,
    );
    if !stats.error_samples.is_empty() {
        println!("  error samples: {:?}", stats.error_samples);
    }
    if let Some(path) = &args.csv {
        let new = !path.exists();
        let row = format!(
            "{},{level},{seconds:.1},{},{tps:.0},{:.0},{p50},{p90},{p99},{max},{},{},{},{mg_cpu},\
             {gen_cpu},{rss},{per_cpu_second}\n",
            args.encoding.name(),
            stats.transactions,
            stats.cycles as f64 / seconds,
            stats.errors,
            stats.timeouts,
            stats.late,
        );
        let written = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut f| {
                if new {
                    f.write_all(
                        b"enc,conc,secs,trans,tps,cycles_per_s,p50_us,p90_us,p99_us,max_us,\
                          errors,timeouts,late,mg_cpu_pct,gen_cpu_pct,mg_rss_kb,trans_per_mg_cpu_s\n",
                    )?;
                }
                f.write_all(row.as_bytes())
            });
        if let Err(e) = written {
            eprintln!("h248-load: cannot write {}: {e}", path.display());
        }
    }
}

/// Memory per open context: open `--hold` contexts, read the MG's RSS, wait
/// past its reply cache, read again, close them all.
fn hold_test(shell: &mut Shell, args: &Args, mg_pid: Option<u32>) -> Result<(), Watchdog> {
    println!(
        "--- hold test: opening {} contexts (Add only, {} in flight)",
        args.hold, args.hold_concurrency
    );
    let rss_kb = || mg_pid.and_then(procfs::rss_kib);
    let pause =
        |shell: &mut Shell, seconds| shell.run_until(Instant::now() + Duration::from_secs(seconds));
    pause(shell, 1)?;
    let before = rss_kb();
    let stall = Duration::from_millis(args.timeout_ms) * 2;
    let mut progress = Instant::now();
    let mut held_so_far = 0;
    loop {
        shell
            .driver
            .hold_open(Instant::now(), args.hold, args.hold_concurrency);
        shell.flush();
        if shell.driver.held() >= args.hold || shell.driver.outstanding() == 0 {
            break;
        }
        shell.turn()?;
        if shell.driver.held() > held_so_far {
            held_so_far = shell.driver.held();
            progress = Instant::now();
        } else if progress.elapsed() > stall {
            println!(
                "hold: stalled with {} outstanding",
                shell.driver.outstanding()
            );
            break;
        }
    }
    let opened = shell.driver.held();
    pause(shell, 1)?;
    let held = rss_kb();
    let show = |v: Option<u64>| v.map_or("na".to_string(), |v| v.to_string());
    println!(
        "opened {opened} contexts; MG RSS {} kB -> {} kB",
        show(before),
        show(held)
    );
    // Past the MG's reply cache (megaco's reply_timer, h248d's LONG-TIMER
    // in the load configuration: 5 s), so that cached replies have aged out.
    pause(shell, args.hold_settle)?;
    let settled = rss_kb();
    println!(
        "after {} s more (reply cache expired): MG RSS {} kB",
        args.hold_settle,
        show(settled)
    );
    loop {
        shell
            .driver
            .hold_close(Instant::now(), args.hold_concurrency);
        shell.flush();
        if shell.driver.held() == 0 && shell.driver.outstanding() == 0 {
            break;
        }
        shell.turn()?;
    }
    pause(shell, 7)?;
    let after = rss_kb();
    let per_context = match (before, settled) {
        (Some(b), Some(s)) if opened > 0 => {
            Some(((s as f64 - b as f64) * 1024.0 / opened as f64).round())
        }
        _ => None,
    };
    println!(
        "RESULT hold contexts={opened} rss_before_kb={} rss_held_kb={} rss_held_settled_kb={} \
         rss_after_subtract_kb={} bytes_per_context={}",
        show(before),
        show(held),
        show(settled),
        show(after),
        per_context.map_or("na".to_string(), |v| format!("{v:.0}"))
    );
    Ok(())
}
