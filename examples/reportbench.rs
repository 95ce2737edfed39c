//! The Reports page on the demo data (`benches/reports.sh` seeds 100,000 contacts and
//! 1,000,000 messages with `flowcrm demo seed`): starts the real `flowcrm serve` on the data
//! dir, signs in as an admin and times the page for the last 30 and 365 days (and the same
//! figures through the JSON API), N requests each after 10 warm-up requests.
//!
//! `reportbench --bin BIN --dir DATA_DIR [--requests N]`

// Statistics over durations: float conversions are the point.
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

#[path = "support/http.rs"]
mod http;

use http::{arg, sign_in};
use std::time::{Duration, Instant};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn cli(bin: &str, data: &str, args: &[&str], stdin: Option<&str>) -> anyhow::Result<String> {
    let mut child = std::process::Command::new(bin)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    if let Some(s) = stdin {
        std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), s.as_bytes())?;
    }
    let out = child.wait_with_output()?;
    Ok(String::from_utf8_lossy(&out.stdout).to_string())
}

async fn time_get(
    client: &reqwest::Client,
    url: &str,
    header: (&str, &str),
    n: usize,
) -> anyhow::Result<(Vec<f64>, usize)> {
    let mut times = Vec::new();
    let mut size = 0;
    for i in 0..n + 10 {
        let t = Instant::now();
        let r = client.get(url).header(header.0, header.1).send().await?;
        anyhow::ensure!(r.status() == 200, "{url}: {}", r.status());
        size = r.bytes().await?.len();
        if i >= 10 {
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    times.sort_by(f64::total_cmp);
    Ok((times, size))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let bin = arg("--bin", "target/release/flowcrm");
    let data = arg("--dir", "d");
    let n: usize = arg("--requests", "100").parse()?;
    let _ = cli(
        &bin,
        &data,
        &[
            "user",
            "add",
            "--email",
            "bench-owner@example.com",
            "--role",
            "admin",
        ],
        Some("correct horse battery"),
    )?;
    let key = cli(
        &bin,
        &data,
        &[
            "api-key",
            "create",
            "--name",
            "reports-bench",
            "--role",
            "admin",
        ],
        None,
    )?;
    let key = key
        .split_whitespace()
        .find(|w| w.len() > 30)
        .ok_or_else(|| anyhow::anyhow!("no key in: {key}"))?
        .to_string();
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let mut server = std::process::Command::new(&bin)
        .args([
            "--data-dir",
            &data,
            "--listen",
            &format!("127.0.0.1:{port}"),
            "serve",
        ])
        .env("FLOWCRM_LOG__LEVEL", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()?;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    for _ in 0..300 {
        if client.get(format!("{url}/healthz")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let cookie = sign_in(
        &client,
        &url,
        "bench-owner@example.com",
        "correct horse battery",
    )
    .await?;
    let auth = format!("Bearer {key}");
    for days in [30, 365] {
        let (page, size) = time_get(
            &client,
            &format!("{url}/reports?days={days}"),
            ("cookie", &cookie),
            n,
        )
        .await?;
        println!(
            "reports page, {days} days ({} KB): {n} requests after 10 warm-up: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            size / 1024,
            percentile(&page, 0.5),
            percentile(&page, 0.99),
            percentile(&page, 1.0)
        );
        let (api, _) = time_get(
            &client,
            &format!("{url}/api/v1/reports?days={days}"),
            ("authorization", &auth),
            n,
        )
        .await?;
        println!(
            "GET /api/v1/reports?days={days}: p50 {:.1} ms, p99 {:.1} ms",
            percentile(&api, 0.5),
            percentile(&api, 0.99)
        );
    }
    let _ = server.kill();
    let _ = server.wait();
    Ok(())
}
