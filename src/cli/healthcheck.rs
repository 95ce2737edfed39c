//! `flowcrm healthcheck`: a tiny HTTP/1.1 client for `GET /healthz`, so no curl is needed.

use crate::config::Loaded;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends `GET path` to `addr` (host:port) and returns the status code and body.
pub async fn http_get(addr: &str, path: &str) -> anyhow::Result<(u16, String)> {
    let work = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nUser-Agent: flowcrm-healthcheck\r\n\r\n"
        );
        stream.write_all(req.as_bytes()).await?;
        let mut buf = Vec::new();
        stream.read_to_end(&mut buf).await?;
        anyhow::Ok(buf)
    };
    let buf = tokio::time::timeout(Duration::from_secs(5), work)
        .await
        .map_err(|_| anyhow::anyhow!("no answer from {addr} within 5 s"))??;
    let text = String::from_utf8_lossy(&buf);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("not an HTTP answer from {addr}"))?;
    let body = text
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    Ok((status, body))
}

/// The address to reach a server listening on `listen` from this machine.
fn local_target(listen: &str) -> String {
    match listen.parse::<SocketAddr>() {
        Ok(a) if a.ip().is_unspecified() && a.is_ipv4() => format!("127.0.0.1:{}", a.port()),
        Ok(a) if a.ip().is_unspecified() => format!("[::1]:{}", a.port()),
        _ => listen.to_string(),
    }
}

pub(super) async fn run(loaded: &Loaded, url: Option<&str>) -> anyhow::Result<()> {
    let target = match url {
        Some(u) => {
            let rest = u.strip_prefix("http://").ok_or_else(|| {
                anyhow::anyhow!(
                    "--url must start with http:// (check the local port, not the TLS proxy)"
                )
            })?;
            rest.trim_end_matches('/').to_string()
        }
        None => local_target(&loaded.config.server.listen),
    };
    let (status, body) = http_get(&target, "/healthz").await?;
    anyhow::ensure!(status == 200, "unhealthy: HTTP {status} {}", body.trim());
    println!("healthy ({target})");
    Ok(())
}
