//! A lean HTTP/1.1 sender for the ingest scenarios: one kept-alive
//! connection per sender, driven by hyper's own client connection.
//!
//! The bench shares two cores with the server it measures, so every
//! microsecond it spends per request is taken from the server. reqwest
//! spent about 36 µs of CPU per webhook (a pooled client, the URL parsed and
//! a header map built for each request); this sender builds each request
//! from headers made once and needs no pool, because each sender owns its
//! connection.

use bytes::Bytes;
use http::header::{HeaderValue, CONTENT_TYPE, HOST};
use http::{Method, Request, Uri};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// One connection that posts to one path.
pub struct Poster {
    sender: http1::SendRequest<Full<Bytes>>,
    uri: Uri,
    host: HeaderValue,
    headers: Vec<(&'static str, HeaderValue)>,
}

impl Poster {
    /// Connects to `base` (`http://host:port`) to post JSON to `path` with
    /// `headers` on every request.
    pub async fn connect(base: &str, path: &str, headers: Vec<(&'static str, HeaderValue)>) -> anyhow::Result<Self> {
        let authority = base.strip_prefix("http://").ok_or_else(|| anyhow::anyhow!("the bench speaks plain http"))?;
        let stream = TcpStream::connect(authority).await?;
        stream.set_nodelay(true)?;
        let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(connection);
        Ok(Self { sender, uri: path.parse()?, host: HeaderValue::from_str(authority)?, headers })
    }

    /// Posts `body`; returns the answer's status once its body is read.
    pub async fn post(&mut self, body: Bytes) -> anyhow::Result<u16> {
        self.post_with(body, None).await
    }

    /// Posts `body` with one more header (a signature of this body).
    pub async fn post_with(&mut self, body: Bytes, extra: Option<(&'static str, HeaderValue)>) -> anyhow::Result<u16> {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(self.uri.clone())
            .header(HOST, self.host.clone())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        for (name, value) in self.headers.iter().cloned().chain(extra) {
            request = request.header(name, value);
        }
        self.sender.ready().await?;
        let response = self.sender.send_request(request.body(Full::new(body))?).await?;
        let status = response.status().as_u16();
        response.into_body().collect().await?;
        Ok(status)
    }
}
