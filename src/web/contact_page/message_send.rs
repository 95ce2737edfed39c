//! `POST /contacts/{id}/message`: reads the form (text, or a template's variables and media
//! header), uploads a media header to WhatsApp, and sends through `Crm::start_conversation`,
//! landing in the conversation or coming back with why.

use crate::app::AppState;
use crate::crm::send::SendKey;
use crate::crm::start::Start;
use crate::db;
use crate::model::{ContactId, Outbound, TemplateHeader, TemplateParam};
use crate::web::attachments::file::{Upload, check, header_file, store_and_upload};
use crate::web::cookies::FlashKind;
use crate::web::error::Result;
use crate::web::extract::CurrentUser;
use crate::web::forms::{redirect_with_flash, see_other};
use axum::extract::{Multipart, Path, State};
use axum::response::Response;
use std::collections::HashMap;

/// The form as posted: its text fields and the media header file, if any.
struct Posted {
    fields: HashMap<String, String>,
    file: Option<Upload>,
}

async fn read(mut form: Multipart) -> std::result::Result<Posted, String> {
    let mut p = Posted {
        fields: HashMap::new(),
        file: None,
    };
    let cut = |e: axum::extract::multipart::MultipartError| format!("The form was cut off: {e}");
    while let Some(field) = form.next_field().await.map_err(cut)? {
        let name = field.name().unwrap_or("").to_string();
        if name == "header_file" {
            p.file = header_file(field).await?;
        } else {
            let text = field.text().await.map_err(cut)?;
            p.fields.insert(name, text);
        }
    }
    Ok(p)
}

/// The template message for the posted variables, in the template's own order and naming.
async fn template_message(
    state: &AppState,
    posted: &Posted,
) -> std::result::Result<(Outbound, String), String> {
    let get = |k: &str| posted.fields.get(k).map_or("", |v| v.trim()).to_string();
    let (name, language) = (get("name"), get("language"));
    let wanted = (name.clone(), language.clone());
    let t = state
        .db
        .read(move |c| db::templates::find(c, &wanted.0, &wanted.1))
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("There is no template `{name}` in {language}."))?;
    let parts = t.components().map_err(|e| e.to_string())?;
    let named = t.parameter_format.eq_ignore_ascii_case("NAMED");
    let params = |text: &str, prefix: &str| -> Vec<TemplateParam> {
        crate::crm::outbound::placeholders(text)
            .into_iter()
            .enumerate()
            .map(|(i, label)| TemplateParam {
                name: named.then_some(label),
                text: get(&format!("{prefix}{}", i + 1)),
            })
            .collect()
    };
    let header = parts.header();
    let header = match header.map(|h| (h.format.as_str(), h)) {
        Some(("IMAGE", _)) => Some(TemplateHeader::Image {
            media_id: String::new(),
        }),
        Some(("VIDEO", _)) => Some(TemplateHeader::Video {
            media_id: String::new(),
        }),
        Some(("DOCUMENT", _)) => Some(TemplateHeader::Document {
            media_id: String::new(),
            filename: None,
        }),
        Some((_, h)) if !crate::crm::outbound::placeholders(&h.text).is_empty() => {
            Some(TemplateHeader::Text {
                params: params(&h.text, "h"),
            })
        }
        _ => None,
    };
    let message = Outbound::Template {
        body: params(parts.body_text(), "v"),
        header,
        name,
        language,
        buttons: vec![],
    };
    Ok((message, get("key")))
}

/// Uploads the media header's file to WhatsApp and puts its id in the message.
async fn attach_header(
    state: &AppState,
    message: &mut Outbound,
    file: Option<&Upload>,
) -> std::result::Result<Option<crate::crm::outbound::LocalFile>, String> {
    let Outbound::Template {
        header:
            Some(
                h @ (TemplateHeader::Image { .. }
                | TemplateHeader::Video { .. }
                | TemplateHeader::Document { .. }),
            ),
        ..
    } = message
    else {
        return Ok(None);
    };
    let up = file.ok_or("This template has a photo, video or document header: choose the file.")?;
    check(up)?;
    let link = crate::web::conversations::meta_link(state)
        .await
        .ok_or(crate::crm::connection::NOT_CONNECTED)?;
    let local = store_and_upload(state, up, &link.token, &link.phone_number_id).await?;
    let id = local.media_id.clone();
    match h {
        TemplateHeader::Image { media_id } | TemplateHeader::Video { media_id } => *media_id = id,
        TemplateHeader::Document { media_id, filename } => {
            *media_id = id;
            *filename = Some(up.filename.clone());
        }
        TemplateHeader::Text { .. } => {}
    }
    Ok(Some(local))
}

/// `POST /contacts/{id}/message`: sends and lands in the conversation, or comes back with why.
pub async fn send_message(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    form: Multipart,
) -> Result<Response> {
    let back = format!("/contacts/{id}/message");
    let fail = |m: &str| redirect_with_flash(&state.cookies, &back, FlashKind::Error, m);
    let posted = match read(form).await {
        Ok(p) => p,
        Err(m) => return Ok(fail(&m)),
    };
    let field = |k: &str| posted.fields.get(k).map_or("", |v| v.trim()).to_string();
    let (mut message, key) = if field("kind") == "text" {
        let body = field("body");
        let preview_url = body.contains("https://");
        (Outbound::Text { body, preview_url }, field("key"))
    } else {
        match template_message(&state, &posted).await {
            Ok(m) => m,
            Err(m) => return Ok(fail(&m)),
        }
    };
    let file = match attach_header(&state, &mut message, posted.file.as_ref()).await {
        Ok(f) => f,
        Err(m) => return Ok(fail(&m)),
    };
    let started = state
        .crm
        .start_conversation(Start {
            contact_id: ContactId(id),
            message,
            key: SendKey::Form(key),
            author: Some(user.session.user.id),
            by: user.who(),
            confirm_consent: posted.fields.contains_key("confirm_consent"),
            file,
        })
        .await;
    match started {
        Ok(s) => Ok(see_other(&format!(
            "/conversations/{}#composer",
            s.conversation_id
        ))),
        Err(
            e @ (crate::crm::Error::NotFound(_)
            | crate::crm::Error::Denied(_)
            | crate::crm::Error::Db(_)),
        ) => Err(e.into()),
        Err(e) => Ok(fail(&e.to_string())),
    }
}
