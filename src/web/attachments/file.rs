//! Reading an attachment from the form, checking it against Meta's limits, keeping a local copy and uploading it to Meta.

use crate::app::AppState;
use crate::config::Secret;
use crate::crm::outbound::LocalFile;
use crate::crypto;
use crate::model::{MediaKind, upload};
use axum::extract::Multipart;

pub(crate) struct Upload {
    pub(crate) bytes: Vec<u8>,
    pub(crate) mime: String,
    pub(crate) filename: String,
    pub(crate) caption: String,
    pub(crate) key: String,
}

/// The file a template's media header takes (`header_file`): `None` when none was chosen.
pub(crate) async fn header_file(
    field: axum::extract::multipart::Field<'_>,
) -> std::result::Result<Option<Upload>, String> {
    let filename: String = field
        .file_name()
        .unwrap_or("file")
        .chars()
        .filter(|c| !c.is_control() && *c != '/' && *c != '\\')
        .collect();
    let mime = field.content_type().unwrap_or("").to_ascii_lowercase();
    let bytes = field
        .bytes()
        .await
        .map_err(|e| format!("The form was cut off: {e}"))?
        .to_vec();
    Ok((!bytes.is_empty()).then(|| Upload {
        bytes,
        mime,
        filename,
        caption: String::new(),
        key: String::new(),
    }))
}

/// The file types a template header of `format` (IMAGE, VIDEO, DOCUMENT) takes, for `accept`.
pub(crate) fn header_accept(format: &str) -> &'static str {
    match format {
        "IMAGE" => "image/jpeg,image/png",
        "VIDEO" => "video/mp4,video/3gpp",
        "DOCUMENT" => "application/pdf",
        _ => "",
    }
}

pub(super) async fn read_form(mut form: Multipart) -> std::result::Result<Upload, String> {
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
pub(crate) fn check(up: &Upload) -> std::result::Result<MediaKind, String> {
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
pub(crate) async fn store_and_upload(
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
