//! Downloads inbound media after the webhook committed: `GET /{media-id}`, then the file with
//! the bearer token; checks size and SHA-256; stores it under a generated name. Retries with
//! backoff; media past Meta's 7-day expiry is marked lost with the reason.

use crate::clock::SharedClock;
use crate::config::Secret;
use crate::crypto;
use crate::db::{self, Db, media::MediaRow};
use crate::whatsapp::client::{GraphClient, GraphError};
use std::path::PathBuf;
use time::Duration;

/// Meta deletes inbound media this long after the webhook.
pub const MEDIA_EXPIRY: Duration = Duration::days(7);
/// Largest attachment fetched (Meta's inbound limit for documents).
pub const MAX_MEDIA_BYTES: u64 = 100 * 1024 * 1024;
/// Attempts before an attachment is given up.
pub const MAX_ATTEMPTS: i64 = 10;
/// Attachments handled per call.
const BATCH: u32 = 16;

/// What one run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Stored.
    pub stored: usize,
    /// Failed this time, will retry.
    pub retried: usize,
    /// Given up.
    pub lost: usize,
}

/// What the job needs.
#[derive(Debug, Clone)]
pub struct MediaJob {
    /// The store.
    pub db: Db,
    /// Graph API client.
    pub client: GraphClient,
    /// Where files go.
    pub media_dir: PathBuf,
    /// Time source.
    pub clock: SharedClock,
}

fn extension(mime: &str) -> &'static str {
    match mime.split(';').next().unwrap_or("").trim() {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "video/mp4" => "mp4",
        "video/3gpp" => "3gp",
        "audio/ogg" => "ogg",
        "audio/mpeg" => "mp3",
        "audio/mp4" => "m4a",
        "audio/aac" => "aac",
        "audio/amr" => "amr",
        "application/pdf" => "pdf",
        "text/plain" => "txt",
        _ => "bin",
    }
}

/// Backoff before attempt `attempts + 1`: 30 s doubling, capped at an hour, with jitter.
fn backoff(attempts: i64) -> Duration {
    let base = 30i64 << attempts.clamp(0, 7);
    let jitter = crypto::random_bytes::<1>().map_or(0, |b| i64::from(b[0]) % 10);
    Duration::seconds(base.min(3600) + jitter)
}

/// The announced hash as bytes: Meta's media endpoint gives hex; accept base64 too.
fn announced_hash(s: &str) -> Option<Vec<u8>> {
    if s.len() == 64 {
        return hex::decode(s).ok();
    }
    None
}

enum Attempt {
    Stored,
    Retry(String),
    Lost(String),
}

impl MediaJob {
    /// Handles the attachments that are due; `token` is the Graph API access token.
    pub async fn run_once(&self, token: Option<&Secret>) -> db::Result<Outcome> {
        // Without a token nothing can be fetched; leave the rows untouched (no attempts burnt)
        // until an admin stores one.
        let Some(token) = token else {
            return Ok(Outcome::default());
        };
        let now = self.clock.now();
        let due = self.db.read(move |c| db::media::due(c, now, BATCH)).await?;
        let mut out = Outcome::default();
        for item in due {
            let attempt = if now - item.received_at > MEDIA_EXPIRY {
                Attempt::Lost("expired: Meta keeps inbound media for 7 days".into())
            } else {
                self.fetch(token, &item).await
            };
            let (id, attempts) = (item.id, item.attempts);
            match attempt {
                Attempt::Stored => out.stored += 1,
                Attempt::Retry(why) if attempts + 1 >= MAX_ATTEMPTS => {
                    out.lost += 1;
                    let reason = format!("gave up after {MAX_ATTEMPTS} attempts: {why}");
                    self.db
                        .write(move |c| db::media::mark_lost(c, id, &reason))
                        .await?;
                }
                Attempt::Retry(why) => {
                    out.retried += 1;
                    tracing::warn!(media = id, error = %why, "media download failed; will retry");
                    let next = now + backoff(attempts);
                    self.db
                        .write(move |c| db::media::mark_retry(c, id, &why, next))
                        .await?;
                }
                Attempt::Lost(why) => {
                    out.lost += 1;
                    self.db
                        .write(move |c| db::media::mark_lost(c, id, &why))
                        .await?;
                }
            }
        }
        Ok(out)
    }

    async fn fetch(&self, token: &Secret, item: &MediaRow) -> Attempt {
        let info = match self.client.media_info(token, &item.media_id).await {
            Ok(i) => i,
            Err(e) => return Attempt::Retry(e.to_string()),
        };
        if let Some(size) = info.size()
            && size > MAX_MEDIA_BYTES
        {
            return Attempt::Lost(format!(
                "file is {size} bytes, over the {MAX_MEDIA_BYTES}-byte limit"
            ));
        }
        let mime = if info.mime_type.is_empty() {
            item.mime_type.clone()
        } else {
            info.mime_type.clone()
        };
        let Ok(name) = crypto::random_bytes::<16>().map(hex::encode) else {
            return Attempt::Retry("no randomness for a file name".into());
        };
        let stored_name = format!("{name}.{}", extension(&mime));
        let tmp = self.media_dir.join(format!(".{name}.part"));
        let result = self
            .client
            .download(token, &info.url, MAX_MEDIA_BYTES, &tmp)
            .await;
        let checked = match result {
            Ok(d) if info.size().is_some_and(|s| s != d.size) => Err(format!(
                "size mismatch: announced {:?}, got {}",
                info.size(),
                d.size
            )),
            Ok(d) if announced_hash(&info.sha256).is_some_and(|h| h != d.sha256) => Err(format!(
                "sha256 mismatch: announced {}, got {}",
                info.sha256,
                hex::encode(d.sha256)
            )),
            Ok(d) => Ok(d),
            Err(GraphError::TooLarge { size, limit }) => {
                let _ = tokio::fs::remove_file(&tmp).await;
                return Attempt::Lost(format!("file is over {limit} bytes ({size}+)"));
            }
            Err(e) => Err(e.to_string()),
        };
        let downloaded = match checked {
            Ok(d) => d,
            Err(why) => {
                let _ = tokio::fs::remove_file(&tmp).await;
                return Attempt::Retry(why);
            }
        };
        if let Err(e) = tokio::fs::rename(&tmp, self.media_dir.join(&stored_name)).await {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Attempt::Retry(format!("cannot store the file: {e}"));
        }
        let (id, size) = (item.id, i64::try_from(downloaded.size).unwrap_or(i64::MAX));
        let name = stored_name.clone();
        match self
            .db
            .write(move |c| db::media::mark_stored(c, id, &name, &mime, size))
            .await
        {
            Ok(()) => Attempt::Stored,
            Err(e) => {
                let _ = tokio::fs::remove_file(self.media_dir.join(&stored_name)).await;
                Attempt::Retry(e.to_string())
            }
        }
    }
}
