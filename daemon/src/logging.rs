//! Logging: `tracing` events and spans written by `tracing-subscriber` to
//! standard error (journald takes it from there), human-readable or one
//! JSON object per line, filtered by `log.level` or `RUST_LOG`. The filter
//! can be replaced while running (SIGHUP).
//!
//! Spans carry the fields operators search by: `peer` and `transaction` on
//! every request, `context` on the requests that name one.

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{reload, EnvFilter, Registry};

use crate::config::LogFormat;

/// Replaces the level filter of the installed subscriber.
#[derive(Debug, Clone)]
pub struct LogHandle {
    filter: reload::Handle<EnvFilter, Registry>,
    /// `RUST_LOG` was set at start: it wins over the configuration, also on
    /// reload.
    from_env: bool,
}

fn filter_of(level: &str) -> Result<EnvFilter, String> {
    EnvFilter::builder()
        .parse(level)
        .map_err(|e| format!("`{level}` is not a log filter: {e}"))
}

/// Installs the global subscriber. `RUST_LOG`, when set, overrides `level`.
pub fn init(format: LogFormat, level: &str) -> Result<LogHandle, String> {
    let env = std::env::var("RUST_LOG").ok().filter(|v| !v.is_empty());
    let from_env = env.is_some();
    let filter = filter_of(env.as_deref().unwrap_or(level))?;
    let (filter, handle) = reload::Layer::new(filter);
    // Colours only on a terminal (not in the journal or a file).
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let human = (format == LogFormat::Human).then(|| {
        tracing_subscriber::fmt::layer()
            .with_ansi(ansi)
            .with_writer(std::io::stderr)
            .with_target(true)
    });
    let json = (format == LogFormat::Json).then(|| {
        tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .with_writer(std::io::stderr)
    });
    tracing_subscriber::registry()
        .with(filter)
        .with(human)
        .with(json)
        .try_init()
        .map_err(|e| format!("cannot install the logger: {e}"))?;
    Ok(LogHandle {
        filter: handle,
        from_env,
    })
}

impl LogHandle {
    /// Applies a new `log.level` (ignored while `RUST_LOG` rules).
    pub fn set_level(&self, level: &str) -> Result<(), String> {
        if self.from_env {
            tracing::info!("RUST_LOG is set: log.level not reloaded");
            return Ok(());
        }
        let filter = filter_of(level)?;
        self.filter
            .reload(filter)
            .map_err(|e| format!("cannot reload the log filter: {e}"))
    }
}
