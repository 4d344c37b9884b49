//! floor-pooled: what an HTTP server costs on this machine's runtime under
//! the pooled client of `ingest-pooled`, with nothing behind it.
//!
//! A child process of this binary answers every POST on tokio's default
//! runtime (two worker threads here, as Tidings') through hyper's HTTP/1.1
//! server, reading the body and answering a JSON acknowledgement of the
//! size Tidings' is; no routing, no middleware, no JSON parsing, no storage.
//! The parent drives it with the same client, thread and connections as
//! `ingest-pooled` and reads the child's CPU time from `/proc`. The
//! difference to `ingest-pooled` is what Tidings adds to each webhook.

use super::ingest_pooled::send;
use super::{cpu_secs, us_each};
use crate::report::Report;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// An acknowledgement as long as Tidings' answer to a platform webhook.
const ANSWER: &str = r#"{"received":true,"duplicate":false,"webhookId":"pooled-0000000000000000-00000","topic":"credential.offer-sent","connectionId":null,"state":null,"timestamp":"2026-01-01T00:00:00.000000000Z"}"#;

/// Drives a fresh answering child with `count` webhooks over `connections`.
pub async fn run(count: usize, connections: usize) -> anyhow::Result<Report> {
    let child = Answerer::start()?;
    let url = format!("http://127.0.0.1:{}/api/webhooks/confirmd", child.port);
    let pid = child.process.id();
    let before = cpu_secs(pid)?;
    let (mut latencies, failures, elapsed) = send(url, "floor".into(), "floor".into(), count, connections).await?;
    let used = cpu_secs(pid)? - before;
    drop(child);
    let mut report = Report::new("floor-pooled");
    report
        .add("requests", count as u64)
        .add("connections", connections as u64)
        .add("answered_per_s", (latencies.len() as f64 / elapsed).round())
        .add("non_2xx", failures as u64)
        .add("server_cpu_us_per_request", us_each(used, count))
        .latency("answer", &mut latencies);
    Ok(report)
}

/// The answering child, stopped when dropped.
struct Answerer {
    process: Child,
    port: u16,
}

impl Answerer {
    fn start() -> anyhow::Result<Self> {
        // Its stdin is a pipe from this process: if this process dies
        // without stopping it, the pipe closes and the child ends too.
        let mut process =
            Command::new(std::env::current_exe()?).arg("floor-answer").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
        let mut line = String::new();
        let stdout = process.stdout.take().ok_or_else(|| anyhow::anyhow!("the answering child has no stdout"))?;
        BufReader::new(stdout).read_line(&mut line)?;
        let port = match line.trim().parse() {
            Ok(port) => port,
            Err(_) => {
                let _ = process.kill();
                let _ = process.wait();
                anyhow::bail!("the answering child did not say its port: {line:?}");
            }
        };
        Ok(Self { process, port })
    }
}

impl Drop for Answerer {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// The child: answers on a loopback port it prints, until killed or its
/// parent is gone (its stdin ends).
pub async fn answer() -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("{}", listener.local_addr()?.port());
    tokio::spawn(async {
        let _ = tokio::io::copy(&mut tokio::io::stdin(), &mut tokio::io::sink()).await;
        std::process::exit(0);
    });
    loop {
        let (stream, _) = listener.accept().await?;
        // As Tidings' accepted sockets.
        stream.set_nodelay(true)?;
        tokio::spawn(async move {
            let service = hyper::service::service_fn(answer_one);
            let _ = hyper::server::conn::http1::Builder::new().serve_connection(hyper_util::rt::TokioIo::new(stream), service).await;
        });
    }
}

async fn answer_one(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let body = request.into_body().collect().await?.to_bytes();
    let status = if body.is_empty() { http::StatusCode::BAD_REQUEST } else { http::StatusCode::OK };
    let mut response = Response::new(Full::new(Bytes::from_static(ANSWER.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    Ok(response)
}
