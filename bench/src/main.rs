//! `bench`: drives a running Tidings server over real HTTP and WebSocket on
//! loopback and prints a table and one JSON line per scenario. It starts no
//! server; `scripts/bench` does that. (The `floor-…` scenarios measure
//! the machine instead, between peers of their own: [`scenarios::floor`],
//! [`scenarios::floor_http`].) Loopback addresses only; every scenario is
//! bounded in count and time. The socket-heavy scenarios hold
//! their sockets in child processes of this same binary ([`fleet`]).

mod client;
mod clock;
mod fleet;
mod poster;
mod report;
mod scenarios;
mod socketio;

use clap::{Parser, Subcommand};
use client::Target;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser)]
#[command(name = "bench", about = "Measure a running Tidings server")]
struct Cli {
    /// The server (loopback only).
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    server: String,
    /// Another node of the same cluster, where the sockets open (webhooks
    /// and API calls still go to `--server`).
    #[arg(long)]
    sockets_on: Option<String>,
    /// Where the server keeps its generated secrets (read when the secrets
    /// are not given).
    #[arg(long, default_value = "tidings-data")]
    data_dir: PathBuf,
    #[arg(long, env = "WEBHOOK_SECRET")]
    webhook_secret: Option<String>,
    #[arg(long, env = "WHATSAPP_APP_SECRET")]
    app_secret: Option<String>,
    /// A tenant API key (`tidings admin create-api-key`), for fanout and mixed.
    #[arg(long, env = "TIDINGS_API_KEY")]
    api_key: Option<String>,
    #[arg(long, default_value_t = 1)]
    tenant: i64,
    /// The server's pid, to read its memory and CPU from /proc.
    #[arg(long)]
    server_pid: Option<u32>,
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Subcommand)]
enum Scenario {
    /// Signed webhooks with unique ids from concurrent senders.
    Ingest {
        #[arg(long, default_value_t = 20_000)]
        count: usize,
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        /// Send at this rate instead of as fast as acknowledged.
        #[arg(long)]
        rate: Option<u64>,
        /// Meanwhile, this many refused socket subscriptions.
        #[arg(long, default_value_t = 0)]
        refused_joins: usize,
    },
    /// Signed webhooks through one pooled general-purpose HTTP client
    /// (reqwest) on one thread, as senders in the wild post.
    IngestPooled {
        #[arg(long, default_value_t = 30_000)]
        count: usize,
        /// Requests in flight (and so pooled connections).
        #[arg(long, default_value_t = 32)]
        connections: usize,
    },
    /// Sessions created, watched and scanned.
    ConnectFlow {
        #[arg(long, default_value_t = 200)]
        sessions: usize,
        #[arg(long, default_value_t = 1)]
        concurrency: usize,
        /// Other webhooks per second sent meanwhile.
        #[arg(long)]
        background_rate: Option<u64>,
    },
    /// One college's updates to many sockets.
    Fanout {
        #[arg(long, default_value_t = 500)]
        sockets: usize,
        #[arg(long, default_value_t = 50)]
        messages: usize,
        /// Client processes the sockets are spread over.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
        processes: u16,
        /// Sockets beside them that subscribe and never read.
        #[arg(long, default_value_t = 0)]
        stalled: usize,
        /// `whatsapp`: `/ws/whatsapp` sockets sent statuses; `tenant` or
        /// `socketio`: `/ws/tenant` or Socket.IO sockets joined to the
        /// tenant, sent notifications raised through the API.
        #[arg(long, value_enum, default_value_t = fleet::Via::WhatsApp)]
        via: fleet::Via,
    },
    /// Time to apply a backlog stored while processing was paused.
    Drain,
    /// A page catching up, by offset, on the updates it missed.
    Resume {
        #[arg(long, default_value_t = 1_000)]
        missed: usize,
        #[arg(long, default_value_t = 5)]
        rounds: usize,
    },
    /// Idle sockets held open.
    Idle {
        #[arg(long, default_value_t = 5_000)]
        sockets: usize,
        #[arg(long, default_value_t = 30)]
        hold_secs: u64,
        /// Client processes the sockets are spread over.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
        processes: u16,
        /// `connections`: connect-page sockets; `tenant` or `socketio`:
        /// `/ws/tenant` or Socket.IO sockets joined to the tenant.
        #[arg(long, value_enum, default_value_t = fleet::Via::Connections)]
        via: fleet::Via,
    },
    /// A steady webhook rate while sockets come and go.
    Mixed {
        #[arg(long, default_value_t = 500)]
        rate: u64,
        #[arg(long, default_value_t = 10)]
        secs: u64,
        #[arg(long, default_value_t = 100)]
        watchers: usize,
        #[arg(long, default_value_t = 4)]
        churn: usize,
    },
    /// Statuses for distinct messages at a fixed rate while sockets
    /// watch: whether applying and delivering keep up with acknowledging.
    Sustained {
        #[arg(long, default_value_t = 2_000)]
        rate: u64,
        #[arg(long, default_value_t = 30)]
        secs: u64,
        #[arg(long, default_value_t = 100)]
        watchers: usize,
        #[arg(long, default_value_t = 64)]
        senders: usize,
    },
    /// The machine's own floor for fanout: raw loopback sockets, no server.
    FloorFanout {
        #[arg(long, default_value_t = 500)]
        sockets: usize,
        #[arg(long, default_value_t = 50)]
        messages: usize,
        /// Threads that share the sending.
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=16))]
        writers: u16,
    },
    /// The machine's own floor for ingest: raw loopback round trips, no server.
    FloorRequests {
        #[arg(long, default_value_t = 100_000)]
        count: usize,
        #[arg(long, default_value_t = 128)]
        connections: usize,
    },
    /// The floor of `ingest-pooled`: the same client against an HTTP
    /// server with nothing behind it (a child process of this binary).
    FloorPooled {
        #[arg(long, default_value_t = 30_000)]
        count: usize,
        #[arg(long, default_value_t = 32)]
        connections: usize,
    },
    /// floor-pooled's answering child.
    #[command(hide = true)]
    FloorAnswer,
    /// A socket-holding child of fanout and idle (see `fleet`).
    #[command(hide = true)]
    Hold {
        #[arg(long)]
        sockets: usize,
        #[arg(long, required_unless_present_any = ["college_token", "tenant_token", "socketio_token"])]
        session: Option<String>,
        #[arg(long)]
        college_token: Option<String>,
        #[arg(long)]
        tenant_token: Option<String>,
        #[arg(long)]
        socketio_token: Option<String>,
        /// Message ids whose `sent` updates are timed, comma-separated.
        #[arg(long, value_delimiter = ',')]
        watch: Vec<String>,
    },
}

fn secret(given: Option<String>, dir: &std::path::Path, file: &str) -> anyhow::Result<String> {
    match given {
        Some(s) => Ok(s),
        None => Ok(std::fs::read_to_string(dir.join(file))
            .map_err(|e| anyhow::anyhow!("{}: {e} (pass the secret or --data-dir)", dir.join(file).display()))?
            .trim()
            .to_owned()),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let host = reqwest::Url::parse(&cli.server)?.host_str().unwrap_or_default().to_owned();
    anyhow::ensure!(matches!(host.as_str(), "127.0.0.1" | "localhost" | "[::1]" | "::1"), "the bench only targets loopback");
    // Many sockets need many descriptors: take the hard limit.
    let (_, hard) = rlimit::Resource::NOFILE.get()?;
    rlimit::Resource::NOFILE.set(hard, hard)?;
    // The floors start their own peers and need no server.
    let floor = match cli.scenario {
        Scenario::FloorFanout { sockets, messages, writers } => Some(scenarios::floor::fanout(sockets, messages, writers.into())?),
        Scenario::FloorRequests { count, connections } => Some(scenarios::floor::requests(count, connections)?),
        Scenario::FloorPooled { count, connections } => Some(scenarios::floor_http::run(count, connections).await?),
        Scenario::FloorAnswer => return scenarios::floor_http::answer().await,
        _ => None,
    };
    if let Some(report) = floor {
        report.print();
        return Ok(());
    }
    // A socket-holding child signs nothing.
    let child = matches!(cli.scenario, Scenario::Hold { .. });
    let secret = |given, file| if child { Ok(String::new()) } else { secret(given, &cli.data_dir, file) };
    let base = cli.server.trim_end_matches('/').to_owned();
    let target = Target {
        sockets_base: cli.sockets_on.map_or_else(|| base.clone(), |s| s.trim_end_matches('/').to_owned()),
        base,
        http: reqwest::Client::builder().pool_max_idle_per_host(256).timeout(Duration::from_secs(30)).build()?,
        webhook_secret: secret(cli.webhook_secret, "webhook-secret")?,
        app_secret: secret(cli.app_secret, "whatsapp-app-secret")?,
        api_key: cli.api_key,
        tenant: cli.tenant,
    };
    let report = match cli.scenario {
        Scenario::Ingest { count, concurrency, rate, refused_joins } => {
            scenarios::ingest::run(&target, count, concurrency, rate, refused_joins).await?
        }
        Scenario::IngestPooled { count, connections } => scenarios::ingest_pooled::run(&target, count, connections, cli.server_pid).await?,
        Scenario::ConnectFlow { sessions, concurrency, background_rate } => {
            scenarios::connect_flow::run(&target, sessions, concurrency, background_rate).await?
        }
        Scenario::Fanout { sockets, messages, processes, stalled, via } => {
            scenarios::fanout::run(&target, sockets, processes.into(), messages, stalled, via).await?
        }
        Scenario::Drain => scenarios::drain::run(&target).await?,
        Scenario::Resume { missed, rounds } => scenarios::resume::run(&target, missed, rounds).await?,
        Scenario::Idle { sockets, hold_secs, processes, via } => {
            let pid = cli.server_pid.ok_or_else(|| anyhow::anyhow!("idle needs --server-pid"))?;
            scenarios::idle::run(&target, sockets, processes.into(), Duration::from_secs(hold_secs), pid, via).await?
        }
        Scenario::Mixed { rate, secs, watchers, churn } => {
            scenarios::mixed::run(&target, rate, secs, watchers, churn, cli.server_pid).await?
        }
        Scenario::Sustained { rate, secs, watchers, senders } => scenarios::sustained::run(&target, rate, secs, watchers, senders).await?,
        Scenario::FloorFanout { .. } | Scenario::FloorRequests { .. } | Scenario::FloorPooled { .. } | Scenario::FloorAnswer => {
            unreachable!("handled above")
        }
        Scenario::Hold { sockets, session, college_token, tenant_token, socketio_token, watch } => {
            let subscribe = match (session, college_token, tenant_token, socketio_token) {
                (Some(session), ..) => fleet::Subscribe::Session(session),
                (None, Some(token), ..) => fleet::Subscribe::College(token),
                (None, None, Some(token), _) => fleet::Subscribe::Tenant(token),
                (None, None, None, token) => fleet::Subscribe::SocketIo(token.unwrap_or_default()),
            };
            return fleet::hold(&target, subscribe, sockets, watch, Duration::from_secs(10)).await;
        }
    };
    report.print();
    Ok(())
}
