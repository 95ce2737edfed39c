//! `POST /conversations/{id}/attachments`: send a photo, video, audio file or document. The file
//! is checked (type, Meta's size limit, first bytes), uploaded to WhatsApp, kept locally for the
//! timeline, and the message queued in the outbox.

use super::cookies::FlashKind;
use super::error::{AppError, Result};
use super::extract::CurrentUser;
use super::forms::{redirect_with_flash, see_other};
use crate::app::AppState;
use crate::config::Secret;
use crate::crm::access;
use crate::crm::outbound::LocalFile;
use crate::crm::send::{Outgoing, SendKey};
use crate::crypto;
use crate::db;
use crate::model::{MediaKind, Outbound, UserId, upload};
use axum::extract::{Multipart, Path, State};
use axum::response::Response;

/// Largest upload accepted (Meta's document limit plus form overhead).
pub const MAX_UPLOAD: usize = 101 * 1024 * 1024;

struct Upload {
    bytes: Vec<u8>,
    mime: String,
    filename: String,
    caption: String,
    key: String,
}

async fn read_form(mut form: Multipart) -> std::result::Result<Upload, String> {
    let mut up = Upload {
        bytes: Vec::new(),
        mime: String::new(),
        filename: String::new(),
        caption: String::new(),
        key: String::new(),
    };
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| format!("The upload was cut off: {e}"))?
    {
        match field.name().unwrap_or("") {
            "file" => {
                up.filename = field
                    .file_name()
                    .unwrap_or("file")
                    .chars()
                    .filter(|c| !c.is_control() && *c != '/' && *c != '\\')
                    .collect();
                up.mime = field
                    .content_type()
                    .unwrap_or("")
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                up.bytes = field
                    .bytes()
                    .await
                    .map_err(|e| format!("The upload was cut off: {e}"))?
                    .to_vec();
            }
            "caption" => up.caption = field.text().await.unwrap_or_default().trim().to_string(),
            "key" => up.key = field.text().await.unwrap_or_default(),
            _ => {}
        }
    }
    Ok(up)
}

/// Checks the file; returns its kind.
fn check(up: &Upload) -> std::result::Result<MediaKind, String> {
    if up.bytes.is_empty() {
        return Err("Choose a file to send.".into());
    }
    let Some((kind, limit)) = upload::accepted(&up.mime) else {
        return Err(format!(
            "WhatsApp cannot send this type of file ({}). Send JPEG or PNG photos, MP4 videos, MP3/OGG/AAC audio, PDF or Office documents.",
            if up.mime.is_empty() {
                "unknown"
            } else {
                &up.mime
            }
        ));
    };
    if up.bytes.len() > limit {
        return Err(format!(
            "The file is {} KB; WhatsApp allows {} KB for this type.",
            up.bytes.len() / 1024,
            limit / 1024
        ));
    }
    if !upload::content_matches(&up.mime, &up.bytes) {
        return Err(format!("The file does not look like a {} file.", up.mime));
    }
    Ok(kind)
}

/// Keeps a local copy and uploads the file to WhatsApp; the local copy is removed on failure.
async fn store_and_upload(
    state: &AppState,
    up: &Upload,
    token: &Secret,
    pnid: &str,
) -> std::result::Result<LocalFile, String> {
    let name = crypto::random_bytes::<16>()
        .map(hex::encode)
        .map_err(|e| e.to_string())?;
    let ext: String = std::path::Path::new(&up.filename)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("bin")
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(8)
        .collect();
    let stored_name = format!("{name}.{ext}");
    let path = state.config.media_dir().join(&stored_name);
    tokio::fs::write(&path, &up.bytes)
        .await
        .map_err(|e| format!("Cannot store the file: {e}"))?;
    match state
        .sender
        .client
        .upload_media(token, pnid, up.bytes.clone(), &up.mime, &up.filename)
        .await
    {
        Ok(media_id) => Ok(LocalFile {
            media_id,
            mime: up.mime.clone(),
            stored_name,
            size: i64::try_from(up.bytes.len()).unwrap_or(i64::MAX),
            filename: Some(up.filename.clone()),
        }),
        Err(e) => {
            let _ = tokio::fs::remove_file(&path).await;
            tracing::warn!(error = %e, "media upload to WhatsApp failed");
            Err(format!("WhatsApp did not accept the file: {e}"))
        }
    }
}

/// `POST /conversations/{id}/attachments`.
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    form: Multipart,
) -> Result<Response> {
    let back = format!("/conversations/{id}");
    let fail = |m: &str| {
        Ok(redirect_with_flash(
            &state.cookies,
            &back,
            FlashKind::Error,
            m,
        ))
    };
    let up = match read_form(form).await {
        Ok(u) => u,
        Err(m) => return fail(&m),
    };
    let kind = match check(&up) {
        Ok(k) => k,
        Err(m) => return fail(&m),
    };
    let now = state.clock.now();
    let conv = state
        .db
        .read(move |c| db::conversations::get(c, id))
        .await?
        .ok_or(AppError::NotFound)?;
    // Checked before the upload to Meta too, so a refused send wastes nothing.
    access::may_work(user.who(), conv.assignee_id.map(UserId))?;
    if !conv.window_open(now) {
        return fail("The 24-hour window is closed; only an approved template can be sent.");
    }
    let (Some(token), Some(pnid)) = (
        state.secret("whatsapp.access_token").await,
        state.config.whatsapp.phone_number_id.clone(),
    ) else {
        return fail(
            "WhatsApp is not connected: set whatsapp.phone_number_id and the access token.",
        );
    };
    let mut file = match store_and_upload(&state, &up, &token, &pnid).await {
        Ok(f) => f,
        Err(m) => return fail(&m),
    };
    if kind != MediaKind::Document {
        file.filename = None;
    }
    let caption = Some(up.caption.clone()).filter(|c| {
        !c.is_empty()
            && matches!(
                kind,
                MediaKind::Image | MediaKind::Video | MediaKind::Document
            )
    });
    let message = Outbound::Media {
        kind,
        media_id: file.media_id.clone(),
        caption,
        filename: file.filename.clone(),
    };
    let sent = state
        .crm
        .send(Outgoing {
            conversation_id: id,
            message,
            reply_to: None,
            key: SendKey::Form(up.key),
            author: Some(user.session.user.id),
            by: Some(user.who()),
            file: Some(file),
        })
        .await;
    if let Err(e) = sent {
        return fail(&e.to_string());
    }
    Ok(see_other(&format!("{back}#composer")))
}
