//! `h248d`: the gateway-side H.248 daemon (MG role).
//!
//! ```text
//! h248d [--config FILE]            run the service (embedded default without FILE)
//! h248d check-config [FILE]        check a configuration: exit 0 valid, 1 invalid
//! h248d default-config             print the embedded default configuration
//! ```
//!
//! Exit status: 0 success, 1 bad configuration or failure, 2 usage error.
//!
//! Under systemd (`etc/h248d.service`, `Type=notify`): READY=1 is sent after
//! the first registration with an MGC (`service.ready = "registered"`, the
//! default) or once the endpoint listens (`"listening"`); WATCHDOG=1 at half
//! the watchdog interval while the endpoint task answers; SIGHUP reloads
//! the log level and the rate limits; SIGTERM (or SIGINT) sends a Graceful
//! ServiceChange, drains and exits.

#![forbid(unsafe_code)]

/// mimalloc: per-transaction allocations (decoded requests, replies kept for
/// LONG-TIMER, tasks) come and go on several threads; it returns their memory
/// to the system once they are gone instead of keeping it in per-thread
/// arenas (benches/RESULTS.md: 133 MB instead of 345 MB after 100 000
/// contexts came and went).
#[global_allocator]
static GLOBAL: h248d::alloc::Allocator = h248d::alloc::Allocator;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use h248_stack::association::MgState;
use h248d::config::{Config, ReadyWhen, Settings, DEFAULT_CONFIG};
use h248d::gateway::{ExternalBackend, Gateway, MediaBackend, SimBackend};
use h248d::logging::{self, LogHandle};
use h248d::metrics::Metrics;
use h248d::service::{self, Running};
use sd_notify::NotifyState;
use tokio::signal::unix::{signal, SignalKind};

#[derive(Parser)]
#[command(
    name = "h248d",
    version,
    about = "The H.248 (Megaco v3) gateway-side daemon: registers with the MGC and serves its requests"
)]
struct Cli {
    /// Configuration file (TOML, see etc/h248d.toml); the embedded default when absent.
    #[arg(long, short, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Check a configuration file (or --config, or the embedded default): exit 0 if valid, 1 with the reason if not.
    CheckConfig {
        #[arg(value_name = "FILE")]
        file: Option<PathBuf>,
    },
    /// Print the embedded default configuration.
    DefaultConfig,
}

fn main() -> ExitCode {
    h248d::alloc::tune_for_daemon();
    let cli = Cli::parse();
    match cli.command {
        Some(Cmd::CheckConfig { file }) => check_config(file.as_deref().or(cli.config.as_deref())),
        Some(Cmd::DefaultConfig) => {
            print!("{DEFAULT_CONFIG}");
            ExitCode::SUCCESS
        }
        None => run(cli.config),
    }
}

fn check_config(path: Option<&Path>) -> ExitCode {
    let name = path.map_or("(embedded default)".to_string(), |p| {
        p.display().to_string()
    });
    match Config::load_settings(path) {
        Ok(settings) => {
            println!(
                "ok: {name}: {} MG {} on {} {}, {} MGC(s)",
                settings.profile_kind.as_str(),
                settings.source.mg.mid,
                settings.transport.as_str(),
                settings.bind,
                settings.association.mgcs.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The gateway engine over the configured media backend. Must run inside
/// the tokio runtime (the gateway spawns its event task).
fn gateway(settings: &Settings) -> Arc<Gateway> {
    let backend: Arc<dyn MediaBackend> = match &settings.external {
        Some(external) => Arc::new(ExternalBackend::new(external.clone())),
        None => Arc::new(SimBackend::new(settings.sim.clone())),
    };
    Arc::new(Gateway::new(settings.gateway.clone(), backend))
}

fn run(path: Option<PathBuf>) -> ExitCode {
    let settings = match Config::load_settings(path.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let log = match logging::init(settings.log_format, &settings.runtime.log_level) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("h248d")
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(serve(path, settings, log))
}

fn notify(state: &[NotifyState]) {
    // Outside systemd NOTIFY_SOCKET is unset and this does nothing.
    if let Err(e) = sd_notify::notify(false, state) {
        tracing::debug!(error = %e, "sd_notify failed");
    }
}

async fn serve(path: Option<PathBuf>, settings: Settings, log: LogHandle) -> ExitCode {
    let metrics = Arc::new(Metrics::new());
    let gateway = gateway(&settings);
    let running = match service::start(&settings, gateway.clone(), metrics).await {
        Ok(r) => Arc::new(running_ok(r)),
        Err(e) => {
            tracing::error!(error = %e, "cannot start");
            return ExitCode::FAILURE;
        }
    };
    let (mut term, mut int, mut hup) = match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::hangup()),
    ) {
        (Ok(t), Ok(i), Ok(h)) => (t, i, h),
        _ => {
            tracing::error!("cannot install signal handlers");
            return ExitCode::FAILURE;
        }
    };

    // READY=1.
    match settings.ready {
        ReadyWhen::Listening => notify(&[NotifyState::Ready]),
        ReadyWhen::Registered => {
            let r = running.clone();
            tokio::spawn(async move {
                if let Some(reg) = r.registered().await {
                    let status = format!("registered with {}", reg.peer);
                    notify(&[NotifyState::Ready, NotifyState::Status(&status)]);
                }
            });
        }
    }

    // WATCHDOG=1 at half the interval, while the endpoint answers.
    let mut usec = 0u64;
    if sd_notify::watchdog_enabled(false, &mut usec) && usec > 0 {
        let every = Duration::from_micros(usec / 2);
        let r = running.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                if r.healthy(every).await {
                    notify(&[NotifyState::Watchdog]);
                } else {
                    tracing::error!("endpoint not answering: watchdog not fed");
                }
            }
        });
    }

    // Memory freed after a burst goes back to the system once it has gone
    // unused for the allocator's purge delay, even when no traffic follows.
    tokio::spawn(async {
        let mut tick =
            tokio::time::interval(Duration::from_millis(h248d::alloc::GIVE_BACK_EVERY_MS));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            h248d::alloc::give_back_unused();
        }
    });

    let mut state = running.watch_state();
    let failed = loop {
        tokio::select! {
            _ = term.recv() => break false,
            _ = int.recv() => break false,
            _ = hup.recv() => reload(path.as_deref(), &settings, &running, &log),
            changed = state.changed() => {
                if changed.is_err() || *state.borrow() == MgState::Failed {
                    tracing::error!("registration failed: exiting");
                    break true;
                }
            }
        }
    };
    notify(&[NotifyState::Stopping]);
    let report = running.shutdown().await;
    // Release the media of every termination left.
    gateway.shutdown().await;
    tracing::info!(?report, "exit");
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn running_ok(r: Running) -> Running {
    tracing::info!(local = %r.local_addr(), metrics = ?r.metrics_addr(), "started");
    r
}

/// SIGHUP: re-reads the file; applies the log level and the rate limits;
/// names the other changes, which need a restart.
fn reload(path: Option<&Path>, current: &Settings, running: &Running, log: &LogHandle) {
    let Some(path) = path else {
        tracing::info!("SIGHUP: running on the embedded default, nothing to reload");
        return;
    };
    let config = match Config::load(path) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "SIGHUP: configuration not reloaded");
            return;
        }
    };
    let settings = match config.validate() {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "SIGHUP: configuration not reloaded");
            return;
        }
    };
    if let Err(e) = log.set_level(&settings.runtime.log_level) {
        tracing::error!(error = %e, "SIGHUP: log level not reloaded");
    }
    running.reload(&settings.runtime);
    if settings.restart_needed(current) {
        tracing::warn!("SIGHUP: settings other than log.level and the rate limits changed; they take effect on restart");
    }
    tracing::info!("SIGHUP: reloaded");
}
