//! Graph API client (reqwest). The base URL and version come from configuration, so tests point
//! it at an in-process fake.

mod account;

pub use account::PHONE_FIELDS;

use crate::config::Secret;
use crate::model::MetaError;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// Errors from the Graph API.
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    /// Network trouble or a timeout; worth retrying.
    #[error("request failed: {0}")]
    Transport(#[from] reqwest::Error),
    /// Meta answered with an error object.
    #[error("HTTP {status}, code {}: {} {}", .error.code, .error.message, .error.details)]
    Api {
        /// HTTP status.
        status: u16,
        /// Meta's error.
        error: MetaError,
    },
    /// The file is larger than allowed.
    #[error("file is {size} bytes, more than the {limit}-byte limit")]
    TooLarge {
        /// Announced or downloaded size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The answer was not what the API documents.
    #[error("unexpected answer: {0}")]
    Invalid(String),
    /// Writing the file failed.
    #[error("cannot write the file: {0}")]
    Io(#[from] std::io::Error),
}

/// What `GET /{media-id}` tells about an attachment.
#[derive(Debug, Clone, Deserialize)]
pub struct MediaInfo {
    /// Download URL, valid for 5 minutes, needs the bearer token.
    pub url: String,
    /// MIME type.
    #[serde(default)]
    pub mime_type: String,
    /// SHA-256 of the file (hex).
    #[serde(default)]
    pub sha256: String,
    /// Size in bytes (a string or a number).
    #[serde(default)]
    pub file_size: Option<serde_json::Value>,
}

impl MediaInfo {
    /// Announced size, when given.
    #[must_use]
    pub fn size(&self) -> Option<u64> {
        match self.file_size.as_ref()? {
            serde_json::Value::Number(n) => n.as_u64(),
            serde_json::Value::String(s) => s.parse().ok(),
            _ => None,
        }
    }
}

/// A downloaded file.
#[derive(Debug, Clone)]
pub struct Downloaded {
    /// Bytes written.
    pub size: u64,
    /// SHA-256 of the bytes.
    pub sha256: [u8; 32],
    /// `Content-Type` of the answer.
    pub content_type: Option<String>,
}

/// Client for `{base_url}/{version}/…`.
#[derive(Debug, Clone)]
pub struct GraphClient {
    http: reqwest::Client,
    base_url: String,
    version: String,
}

/// Meta's error body: `{"error": {"code", "message", "type", "error_data": {"details"}}}`.
async fn api_error(resp: reqwest::Response) -> GraphError {
    let status = resp.status().as_u16();
    let body: serde_json::Value = resp.json().await.unwrap_or_default();
    let e = body.get("error").cloned().unwrap_or_default();
    let text =
        |v: Option<&serde_json::Value>| v.and_then(|x| x.as_str()).unwrap_or_default().to_string();
    GraphError::Api {
        status,
        error: MetaError {
            code: e
                .get("code")
                .and_then(serde_json::Value::as_i64)
                .unwrap_or(0),
            title: text(e.get("type")),
            message: text(e.get("message")),
            details: text(e.get("error_data").and_then(|d| d.get("details"))),
        },
    }
}

/// Meta's answer as JSON, or its error object for a non-2xx status.
async fn json_of(resp: reqwest::Response) -> Result<serde_json::Value, GraphError> {
    if !resp.status().is_success() {
        return Err(api_error(resp).await);
    }
    resp.json()
        .await
        .map_err(|e| GraphError::Invalid(e.to_string()))
}

impl GraphClient {
    /// A client for the Graph API at `base_url` (e.g. `https://graph.facebook.com`), `version`.
    pub fn new(base_url: &str, version: &str) -> Result<Self, GraphError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_mins(1))
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("FlowCRM/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            http,
            base_url: base_url.trim_end_matches('/').to_string(),
            version: version.to_string(),
        })
    }

    fn url(&self, path: &str) -> String {
        format!(
            "{}/{}/{}",
            self.base_url,
            self.version,
            path.trim_start_matches('/')
        )
    }

    /// `POST /{phone-number-id}/messages` with `body`; returns the new message's wamid (or
    /// `None` for requests that create no message, such as mark-as-read).
    #[tracing::instrument(skip_all, fields(phone_number_id = %phone_number_id), err(Display, level = "debug"))]
    pub async fn send_message(
        &self,
        token: &Secret,
        phone_number_id: &str,
        body: &serde_json::Value,
    ) -> Result<Option<String>, GraphError> {
        let resp = self
            .http
            .post(self.url(&format!("{phone_number_id}/messages")))
            .bearer_auth(token.expose())
            .json(body)
            .send()
            .await?;
        let answer = json_of(resp).await?;
        let wamid = answer
            .get("messages")
            .and_then(|m| m.get(0))
            .and_then(|m| m.get("id"))
            .and_then(serde_json::Value::as_str)
            .map(String::from);
        if wamid.is_none() && answer.get("success").is_none() {
            return Err(GraphError::Invalid(format!("no message id in {answer}")));
        }
        Ok(wamid)
    }

    /// One page of `GET /{waba-id}/message_templates`; returns the templates and the cursor of
    /// the next page, if any.
    #[tracing::instrument(skip_all, err(Display, level = "debug"))]
    pub async fn list_templates(
        &self,
        token: &Secret,
        waba_id: &str,
        after: Option<&str>,
    ) -> Result<(Vec<serde_json::Value>, Option<String>), GraphError> {
        let mut query = vec![("limit", "100")];
        if let Some(a) = after {
            query.push(("after", a));
        }
        let qs =
            serde_urlencoded::to_string(&query).map_err(|e| GraphError::Invalid(e.to_string()))?;
        let url = format!("{}?{qs}", self.url(&format!("{waba_id}/message_templates")));
        let resp = self
            .http
            .get(url)
            .bearer_auth(token.expose())
            .send()
            .await?;
        let page = json_of(resp).await?;
        let data = page
            .get("data")
            .and_then(serde_json::Value::as_array)
            .cloned()
            .ok_or_else(|| GraphError::Invalid("no data array".into()))?;
        let next = page
            .get("paging")
            .filter(|p| p.get("next").is_some())
            .and_then(|p| p.get("cursors"))
            .and_then(|c| c.get("after"))
            .and_then(serde_json::Value::as_str)
            .map(String::from);
        Ok((data, next))
    }

    /// `POST /{waba-id}/message_templates`: submits a new template for review; returns Meta's
    /// answer (`id`, `status`, `category`).
    #[tracing::instrument(skip_all, err(Display, level = "debug"))]
    pub async fn create_template(
        &self,
        token: &Secret,
        waba_id: &str,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, GraphError> {
        let resp = self
            .http
            .post(self.url(&format!("{waba_id}/message_templates")))
            .bearer_auth(token.expose())
            .json(body)
            .send()
            .await?;
        json_of(resp).await
    }

    /// `POST /{phone-number-id}/media`: uploads a file for sending; returns the media id.
    #[tracing::instrument(skip_all, err(Display, level = "debug"))]
    pub async fn upload_media(
        &self,
        token: &Secret,
        phone_number_id: &str,
        bytes: Vec<u8>,
        mime: &str,
        filename: &str,
    ) -> Result<String, GraphError> {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(filename.to_string())
            .mime_str(mime)
            .map_err(|e| GraphError::Invalid(e.to_string()))?;
        let form = reqwest::multipart::Form::new()
            .text("messaging_product", "whatsapp")
            .text("type", mime.to_string())
            .part("file", part);
        let resp = self
            .http
            .post(self.url(&format!("{phone_number_id}/media")))
            .bearer_auth(token.expose())
            .multipart(form)
            .send()
            .await?;
        let answer = json_of(resp).await?;
        answer
            .get("id")
            .and_then(serde_json::Value::as_str)
            .map(String::from)
            .ok_or_else(|| GraphError::Invalid(format!("no media id in {answer}")))
    }

    /// `GET /{media-id}`: where to download an attachment.
    #[tracing::instrument(skip_all, fields(media_id = %media_id), err(Display, level = "debug"))]
    pub async fn media_info(
        &self,
        token: &Secret,
        media_id: &str,
    ) -> Result<MediaInfo, GraphError> {
        let resp = self
            .http
            .get(self.url(media_id))
            .bearer_auth(token.expose())
            .send()
            .await?;
        serde_json::from_value(json_of(resp).await?).map_err(|e| GraphError::Invalid(e.to_string()))
    }

    /// Downloads `url` with the bearer token into `dest`, refusing more than `limit` bytes.
    #[tracing::instrument(skip_all, err(Display, level = "debug"))]
    pub async fn download(
        &self,
        token: &Secret,
        url: &str,
        limit: u64,
        dest: &Path,
    ) -> Result<Downloaded, GraphError> {
        let mut resp = self
            .http
            .get(url)
            .bearer_auth(token.expose())
            .send()
            .await?;
        if !resp.status().is_success() {
            return Err(api_error(resp).await);
        }
        if let Some(len) = resp.content_length()
            && len > limit
        {
            return Err(GraphError::TooLarge { size: len, limit });
        }
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        let mut file = tokio::fs::File::create(dest).await?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        while let Some(chunk) = resp.chunk().await? {
            size += chunk.len() as u64;
            if size > limit {
                return Err(GraphError::TooLarge { size, limit });
            }
            hasher.update(&chunk);
            file.write_all(&chunk).await?;
        }
        file.sync_all().await?;
        Ok(Downloaded {
            size,
            sha256: hasher.finalize().into(),
            content_type,
        })
    }
}
