//! `POST /conversations/{id}/attachments`: send a photo, video, audio file or document. The file
//! is checked (type, Meta's size limit, first bytes), uploaded to WhatsApp, kept locally for the
//! timeline, and the message queued in the outbox.

pub(crate) mod file;

use crate::app::AppState;
use crate::crm::outbound::LocalFile;
use crate::crm::send::{Outgoing, SendKey};
use crate::model::ConversationId;
use crate::model::{MediaKind, Outbound};
use crate::web::cookies::FlashKind;
use crate::web::error::Result;
use crate::web::extract::CurrentUser;
use crate::web::forms::{redirect_with_flash, see_other};
use axum::extract::{Multipart, Path, State};
use axum::response::Response;

use file::{check, read_form, store_and_upload};

/// Largest upload accepted (Meta's document limit plus form overhead).
pub const MAX_UPLOAD: usize = 101 * 1024 * 1024;

/// The message for an uploaded file: a caption where WhatsApp shows one, a file name for
/// documents only.
fn media_message(kind: MediaKind, file: &mut LocalFile, caption: &str) -> Outbound {
    if kind != MediaKind::Document {
        file.filename = None;
    }
    let captioned = matches!(
        kind,
        MediaKind::Image | MediaKind::Video | MediaKind::Document
    );
    Outbound::Media {
        kind,
        media_id: file.media_id.clone(),
        caption: Some(caption.to_string()).filter(|c| captioned && !c.is_empty()),
        filename: file.filename.clone(),
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
    // Checked before the upload to Meta too, so a refused send wastes nothing.
    match state
        .crm
        .check_free_form(ConversationId(id), user.who())
        .await
    {
        Err(e @ crate::crm::Error::WindowClosed) => return fail(&e.to_string()),
        other => other?,
    }
    let Some(link) = crate::web::conversations::meta_link(&state).await else {
        return fail(crate::crm::connection::NOT_CONNECTED);
    };
    let mut file = match store_and_upload(&state, &up, &link.token, &link.phone_number_id).await {
        Ok(f) => f,
        Err(m) => return fail(&m),
    };
    let message = media_message(kind, &mut file, &up.caption);
    let sent = state
        .crm
        .send(Outgoing {
            conversation_id: ConversationId(id),
            message,
            reply_to: None,
            key: SendKey::Form(up.key),
            author: Some(user.session.user.id),
            by: Some(user.who()),
            file: Some(file),
            confirm_consent: false,
        })
        .await;
    if let Err(e) = sent {
        return fail(&e.to_string());
    }
    Ok(see_other(&format!("{back}#composer")))
}
