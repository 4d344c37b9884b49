//! Sockets held by child processes. One process can hold no more sockets
//! than its open-file limit (20,000 here) and reads them all on one
//! runtime, so the socket-heavy scenarios spread their sockets over
//! `--processes` copies of the bench, each run as the hidden `bench hold`.
//!
//! The protocol is lines on the child's standard streams: the child opens
//! its sockets and prints a [`Ready`] line; it notes when each watched
//! update arrives, on the clock every process shares ([`crate::clock`]),
//! and prints a [`Complete`] line once every one of its sockets has one;
//! when its standard input closes it stops (once every socket has seen
//! every update, or `patience` has passed) and prints a [`Held`] line.

use crate::client::{open, tenant_notification_title, Socket, Target, WaUpdate};
use crate::clock::now_ns;
use crate::socketio;
use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use std::process::Stdio;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::{watch, Notify};
use tokio_tungstenite::tungstenite::Message;

/// What the sockets subscribe to.
#[derive(Clone)]
pub enum Subscribe {
    /// `/ws/connections?sessionId=…`
    Session(String),
    /// `/ws/whatsapp`, registered for the target's college with this token.
    College(String),
    /// `/ws/tenant`, joined to the target's tenant with this token.
    Tenant(String),
    /// `/socket.io/`, joined to the target's tenant with this token.
    SocketIo(String),
}

/// Which sockets a scenario holds (each scenario says what its default
/// means: connect-page sockets for `idle`, WhatsApp ones for `fanout`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Via {
    Connections,
    #[value(name = "whatsapp")]
    WhatsApp,
    Tenant,
    #[value(name = "socketio")]
    SocketIo,
}

impl Via {
    /// Sockets joined to the target's tenant, for the ways that have them.
    pub async fn tenant_subscription(self, target: &Target) -> anyhow::Result<Option<Subscribe>> {
        let channel = format!("tenant:{}", target.tenant);
        Ok(match self {
            Via::Tenant => Some(Subscribe::Tenant(target.token_for(&channel).await?)),
            Via::SocketIo => Some(Subscribe::SocketIo(target.token_for(&channel).await?)),
            Via::Connections | Via::WhatsApp => None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Via::Connections => "connections",
            Via::WhatsApp => "whatsapp",
            Via::Tenant => "tenant",
            Via::SocketIo => "socketio",
        }
    }
}

/// A child's first line: its sockets are open.
#[derive(Serialize, Deserialize)]
pub struct Ready {
    pub opened: usize,
    pub failed: usize,
}

/// A child's line once all its sockets have the watched update `complete`
/// (its index in the watch list).
#[derive(Serialize, Deserialize)]
pub struct Complete {
    pub complete: usize,
}

/// A child's last line (and the fleet's total).
#[derive(Serialize, Deserialize, Default)]
pub struct Held {
    /// Sockets the server had not closed when the child stopped.
    pub still_up: usize,
    /// Per socket, when each watched update arrived (ns on the shared
    /// clock; 0 if it never did).
    pub seen: Vec<Vec<u64>>,
}

struct Member {
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
    /// The latest update it reported complete.
    reported: Option<usize>,
}

/// The parent's handle on its socket-holding children.
pub struct Fleet {
    members: Vec<Member>,
    /// Sockets that did not open.
    pub failed: usize,
}

impl Fleet {
    /// Starts `processes` children sharing `sockets` between them and
    /// returns once every one has opened its share.
    pub async fn start(
        target: &Target,
        subscribe: &Subscribe,
        sockets: usize,
        processes: usize,
        watch: &[String],
    ) -> anyhow::Result<Fleet> {
        let exe = std::env::current_exe()?;
        let processes = processes.clamp(1, sockets.max(1));
        let mut members = Vec::with_capacity(processes);
        for i in 0..processes {
            let share = sockets / processes + usize::from(i < sockets % processes);
            let mut command = Command::new(&exe);
            command.args(["--server", &target.base, "--sockets-on", &target.sockets_base, "--tenant", &target.tenant.to_string(), "hold"]);
            command.args(["--sockets", &share.to_string()]);
            match subscribe {
                Subscribe::Session(id) => command.args(["--session", id]),
                Subscribe::College(token) => command.args(["--college-token", token]),
                Subscribe::Tenant(token) => command.args(["--tenant-token", token]),
                Subscribe::SocketIo(token) => command.args(["--socketio-token", token]),
            };
            if !watch.is_empty() {
                command.args(["--watch", &watch.join(",")]);
            }
            let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).kill_on_drop(true).spawn()?;
            let stdin = child.stdin.take().ok_or_else(|| anyhow::anyhow!("no stdin"))?;
            let stdout = child.stdout.take().ok_or_else(|| anyhow::anyhow!("no stdout"))?;
            members.push(Member { child, stdin, lines: BufReader::new(stdout).lines(), reported: None });
        }
        let mut failed = 0;
        for member in &mut members {
            let ready: Ready = next_line(&mut member.lines).await?;
            failed += ready.failed;
        }
        Ok(Fleet { members, failed })
    }

    /// Returns once every child has reported watched update `k` on all its
    /// sockets, or after `patience` (a socket that misses it is counted
    /// when the fleet finishes). A child's earlier reports are skipped.
    pub async fn complete(&mut self, k: usize, patience: Duration) -> anyhow::Result<()> {
        let all = async {
            for member in &mut self.members {
                // A child whose sockets missed an earlier update may have
                // reported a later one already.
                while member.reported.is_none_or(|r| r < k) {
                    member.reported = Some(next_line::<Complete>(&mut member.lines).await?.complete);
                }
            }
            anyhow::Ok(())
        };
        match tokio::time::timeout(patience, all).await {
            Ok(done) => done,
            Err(_) => Ok(()),
        }
    }

    /// Tells every child to stop and gathers what they saw.
    pub async fn finish(self) -> anyhow::Result<Held> {
        let mut total = Held::default();
        // Every child stops at once; then each one's report is read.
        let mut stopped = Vec::with_capacity(self.members.len());
        for Member { child, stdin, lines, .. } in self.members {
            drop(stdin);
            stopped.push((child, lines));
        }
        for (mut child, mut lines) in stopped {
            let held: Held = loop {
                // Reports of updates the parent stopped waiting for come first.
                let line = lines.next_line().await?.ok_or_else(|| anyhow::anyhow!("a socket-holding child ended early"))?;
                if serde_json::from_str::<Complete>(&line).is_err() {
                    break serde_json::from_str(&line)?;
                }
            };
            total.still_up += held.still_up;
            total.seen.extend(held.seen);
            child.wait().await?;
        }
        Ok(total)
    }
}

async fn next_line<T: for<'de> Deserialize<'de>>(lines: &mut Lines<BufReader<ChildStdout>>) -> anyhow::Result<T> {
    let line = lines.next_line().await?.ok_or_else(|| anyhow::anyhow!("a socket-holding child ended early"))?;
    Ok(serde_json::from_str(&line)?)
}

/// What a child's sockets have seen, shared by their reading tasks.
struct Tally {
    watch: Vec<String>,
    /// Per watched update, the open sockets that do not have it yet. A
    /// socket that closes no longer counts, so an update the server can no
    /// longer deliver to it still completes. Signed: a socket may close
    /// before the count of those opened is added in.
    waiting: Vec<AtomicIsize>,
    /// Woken as each update completes.
    completed: Notify,
}

impl Tally {
    /// One socket fewer waits for update `k`; the last one reports it.
    fn done(&self, k: usize, by: isize) {
        if self.waiting[k].fetch_sub(by, Ordering::AcqRel) == by {
            println!("{}", serde_json::to_string(&Complete { complete: k }).expect("serialises"));
            self.completed.notify_one();
        }
    }

    /// Every update now also waits for the `opened` sockets.
    fn opened(&self, opened: usize) {
        for k in 0..self.waiting.len() {
            self.done(k, -(opened as isize));
        }
    }

    fn all_complete(&self) -> bool {
        self.waiting.iter().all(|n| n.load(Ordering::Acquire) <= 0)
    }

    /// Returns once every open socket has every watched update, or at
    /// `deadline`.
    async fn wait_all(&self, deadline: tokio::time::Instant) {
        while !self.all_complete() {
            tokio::select! {
                _ = self.completed.notified() => {}
                _ = tokio::time::sleep_until(deadline) => return,
            }
        }
    }
}

/// `bench hold`: the child's side.
pub async fn hold(target: &Target, subscribe: Subscribe, sockets: usize, watch: Vec<String>, patience: Duration) -> anyhow::Result<()> {
    let (stop, stopped) = watch::channel(false);
    let waiting = watch.iter().map(|_| AtomicIsize::new(0)).collect();
    let tally = Arc::new(Tally { watch, waiting, completed: Notify::new() });
    // Each socket is read from the moment it opens, so it answers pings.
    let mut tasks = Vec::with_capacity(sockets);
    let mut failed = 0;
    for _ in 0..sockets {
        let socket = match &subscribe {
            Subscribe::Session(id) => open(&target.ws(&format!("/ws/connections?sessionId={id}"))).await,
            Subscribe::College(token) => target.college_socket(token).await,
            Subscribe::Tenant(token) => target.tenant_socket(token).await,
            Subscribe::SocketIo(token) => target.socketio_socket(token).await,
        };
        match socket {
            Ok(socket) => tasks.push(tokio::spawn(read(socket, tally.clone(), stopped.clone()))),
            Err(err) => {
                if failed == 0 {
                    eprintln!("a socket did not open: {err:#}");
                }
                failed += 1;
            }
        }
    }
    tally.opened(tasks.len());
    println!("{}", serde_json::to_string(&Ready { opened: tasks.len(), failed })?);
    // The parent closes our standard input when it is done sending.
    tokio::io::copy(&mut tokio::io::stdin(), &mut tokio::io::sink()).await?;
    // Every socket stays open until all have everything: one that closed
    // as soon as it had the last update would load the server with its
    // teardown while the others are still being sent to.
    tally.wait_all(tokio::time::Instant::now() + patience).await;
    let _ = stop.send(true);
    let results = futures_util::future::join_all(tasks).await;
    let mut held = Held::default();
    for (up, seen) in results.into_iter().flatten() {
        held.still_up += usize::from(up);
        held.seen.push(seen);
    }
    println!("{}", serde_json::to_string(&held)?);
    Ok(())
}

/// Reads one socket until told to stop or it closes. Reading also answers
/// the server's pings. Returns whether the socket was still up, and when
/// each watched update arrived.
async fn read(mut socket: Socket, tally: Arc<Tally>, mut stop: watch::Receiver<bool>) -> (bool, Vec<u64>) {
    let mut seen = vec![0u64; tally.watch.len()];
    // Socket.IO's server pings; its client answers (outside `select!`,
    // whose stop future holds a lock guard).
    let mut pong = false;
    loop {
        if std::mem::take(&mut pong) {
            let _ = socket.send(Message::Text(socketio::PONG.into())).await;
        }
        tokio::select! {
            _ = stop.wait_for(|stop| *stop) => return (true, seen),
            frame = socket.next() => match frame {
                Some(Ok(Message::Text(text))) => {
                    let at = now_ns();
                    if text.as_str() == socketio::PING {
                        pong = true;
                        continue;
                    }
                    let text = text.as_str();
                    let key = WaUpdate::sent(text).or_else(|| socketio::notification_title(text)).or_else(|| tenant_notification_title(text));
                    let Some(key) = key else { continue };
                    let Some(k) = tally.watch.iter().position(|w| w == key) else { continue };
                    if seen[k] == 0 {
                        seen[k] = at;
                        tally.done(k, 1);
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => {
                    // Closed: no longer waited for.
                    for k in seen.iter().enumerate().filter(|(_, at)| **at == 0).map(|(k, _)| k) {
                        tally.done(k, 1);
                    }
                    return (false, seen);
                }
            },
        }
    }
}
