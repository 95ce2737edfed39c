//! Queueing outbound messages: the 24-hour window, template approval and variables, Meta's
//! limits, idempotency. A queued message is a message row plus an outbox row, committed before
//! anything is sent.

use super::{Error, Result};
use crate::db;
use crate::model::{
    Content, Direction, FieldError, MediaRef, MessageContext, MessageExtras, Outbound,
    TemplateHeader, TemplateStatus, UserId,
};
use crate::whatsapp::outbound::{Recipient, request_body};
use rusqlite::Connection;
use time::OffsetDateTime;

/// A message to queue.
#[derive(Debug, Clone)]
pub struct QueueRequest<'a> {
    /// Conversation row id.
    pub conversation_id: i64,
    /// What to send.
    pub message: &'a Outbound,
    /// Customer message to quote.
    pub reply_to: Option<&'a str>,
    /// Caller's key: the same key never queues twice.
    pub idempotency_key: &'a str,
    /// Who wrote it.
    pub author: Option<UserId>,
    /// Who is sending, checked against the conversation's assignee; `None` for FlowCRM itself.
    pub by: Option<super::access::Who>,
    /// The sender confirmed that a contact whose consent is unknown (or who opted out) may get
    /// this template (see `consent::template_allowed`).
    pub confirm_consent: bool,
    /// The campaign sending it, if any.
    pub campaign: Option<i64>,
}

/// A queued message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Queued {
    /// The message row.
    pub message_id: i64,
    /// True when the key had been used: nothing new was queued.
    pub duplicate: bool,
}

/// Placeholders (`{{1}}`, `{{name}}`) in a template text, in order of first appearance.
#[must_use]
pub fn placeholders(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let name = after[..end].trim().to_string();
        if !name.is_empty() && !out.contains(&name) {
            out.push(name);
        }
        rest = &after[end + 2..];
    }
    out
}

/// Checks a template send against the synced template: approved, variables complete and well
/// formed. Returns the body text with the variables filled in, for the timeline, and the
/// template's category (`None` for anything but a template).
fn check_template(conn: &Connection, msg: &Outbound) -> Result<(String, Option<String>)> {
    let Outbound::Template {
        name,
        language,
        header,
        body,
        ..
    } = msg
    else {
        return Ok((String::new(), None));
    };
    let Some(t) = db::templates::find(conn, name, language)? else {
        return Err(Error::Template(format!(
            "There is no template `{name}` in {language}. Sync templates from Meta first."
        )));
    };
    if t.status != TemplateStatus::Approved {
        return Err(Error::Template(format!(
            "Template `{name}` ({language}) is {}, not APPROVED; Meta would refuse it.",
            t.status
        )));
    }
    let components = t.components()?;
    let body_text = components.body_text().to_string();
    let wanted = placeholders(&body_text);
    let named = t.parameter_format.eq_ignore_ascii_case("NAMED");
    let mut problems = Vec::new();
    if body.len() != wanted.len() {
        problems.push(format!(
            "The template body has {} variable(s); {} given.",
            wanted.len(),
            body.len()
        ));
    } else if named {
        for (want, got) in wanted.iter().zip(body) {
            if got.name.as_deref() != Some(want.as_str()) {
                problems.push(format!("Variable `{want}` is missing (named template)."));
            }
        }
    }
    let header_c = components.header();
    let format = header_c.map_or("TEXT", |h| h.format.as_str());
    let header_vars = placeholders(header_c.map_or("", |h| h.text.as_str()));
    match (format, header) {
        ("IMAGE", Some(TemplateHeader::Image { .. }))
        | ("VIDEO", Some(TemplateHeader::Video { .. }))
        | ("DOCUMENT", Some(TemplateHeader::Document { .. })) => {}
        ("IMAGE" | "VIDEO" | "DOCUMENT", _) if header_c.is_some() => {
            problems.push(format!(
                "The template header needs a {} .",
                format.to_lowercase()
            ));
        }
        (_, Some(TemplateHeader::Text { params })) if params.len() != header_vars.len() => {
            problems.push(format!(
                "The template header has {} variable(s); {} given.",
                header_vars.len(),
                params.len()
            ));
        }
        (_, None) if !header_vars.is_empty() => {
            problems.push(format!(
                "The template header has {} variable(s); none given.",
                header_vars.len()
            ));
        }
        _ => {}
    }
    if !problems.is_empty() {
        return Err(Error::Template(problems.join(" ")));
    }
    let mut filled = body_text;
    for (want, got) in wanted.iter().zip(body) {
        filled = filled.replace(&format!("{{{{{want}}}}}"), &got.text);
    }
    Ok((filled, Some(t.category)))
}

/// What the timeline shows for an outbound message.
fn timeline_content(msg: &Outbound, template_text: String) -> Content {
    match msg {
        Outbound::Text { body, .. } => Content::Text { body: body.clone() },
        Outbound::Media {
            kind,
            media_id,
            caption,
            filename,
        } => {
            let m = MediaRef {
                id: media_id.clone(),
                mime_type: String::new(),
                sha256: String::new(),
                caption: caption.clone(),
                filename: filename.clone(),
            };
            match kind {
                crate::model::MediaKind::Image => Content::Image(m),
                crate::model::MediaKind::Video => Content::Video(m),
                crate::model::MediaKind::Audio => Content::Audio {
                    media: m,
                    voice: false,
                },
                crate::model::MediaKind::Document => Content::Document(m),
                crate::model::MediaKind::Sticker => Content::Sticker {
                    media: m,
                    animated: false,
                },
            }
        }
        Outbound::Template { name, .. } => Content::Text {
            body: if template_text.is_empty() {
                format!("Template {name}")
            } else {
                template_text
            },
        },
        Outbound::Buttons { body, .. } | Outbound::List { body, .. } => {
            Content::Text { body: body.clone() }
        }
        Outbound::Reaction { message_id, emoji } => Content::Reaction {
            message_id: message_id.clone(),
            emoji: Some(emoji.clone()).filter(|e| !e.is_empty()),
        },
    }
}

/// Whether `by` may send into `conversation` now: they may work it (see `access`), and a
/// free-form message needs the 24-hour window open.
pub fn sendable(
    conversation: &crate::model::Conversation,
    by: Option<super::access::Who>,
    free_form: bool,
    now: OffsetDateTime,
) -> Result<()> {
    if let Some(who) = by {
        super::access::may_work(who, conversation.assignee_id.map(UserId))?;
    }
    if free_form && !conversation.window_open(now) {
        return Err(Error::WindowClosed);
    }
    Ok(())
}

/// Queues a message after every local check. Runs in one writer transaction.
pub fn queue(conn: &Connection, req: &QueueRequest<'_>, now: OffsetDateTime) -> Result<Queued> {
    if let Some(message_id) = db::outbox::find_by_key(conn, req.idempotency_key)? {
        return Ok(Queued {
            message_id,
            duplicate: true,
        });
    }
    let Some(conversation) = db::conversations::get(conn, req.conversation_id)? else {
        return Err(Error::NotFound("conversation"));
    };
    sendable(&conversation, req.by, req.message.needs_open_window(), now)?;
    if let Err(problems) = req.message.validate() {
        return Err(Error::Invalid(
            problems
                .into_iter()
                .map(|p| FieldError::new("message", p))
                .collect(),
        ));
    }
    let (template_text, category) = check_template(conn, req.message)?;
    let Some(contact) = db::contacts::get(conn, conversation.contact_id)? else {
        return Err(Error::NotFound("contact"));
    };
    if let (Some(category), Outbound::Template { name, .. }) = (category, req.message) {
        let has_written = db::conversations::has_written(conn, contact.id)?;
        let confirmed = super::consent::template_allowed(
            contact.opt_in,
            &category,
            has_written,
            req.confirm_consent,
            name,
        )?;
        if let Some(text) = confirmed {
            let user = req.by.and_then(|w| w.user).map(|u| u.0);
            db::contact_events::insert(conn, contact.id, "consent_confirmed", &text, user, now)?;
        }
    }
    let recipient = match (contact.phone, contact.bsuid) {
        (Some(p), _) => Recipient::Phone(p),
        (None, Some(u)) => Recipient::UserId(u),
        (None, None) => return Err(Error::NotFound("WhatsApp number for this contact")),
    };
    let body = request_body(req.message, &recipient, req.reply_to, req.idempotency_key);
    let content = timeline_content(req.message, template_text);
    let extras = MessageExtras {
        context: req.reply_to.map(|r| MessageContext {
            quoted_wamid: Some(r.to_string()),
            ..MessageContext::default()
        }),
        referral: None,
    };
    let placeholder = format!("local:{}", req.idempotency_key);
    let new = db::messages::NewMessage {
        wamid: &placeholder,
        conversation_id: conversation.id,
        direction: Direction::Out,
        content: &content,
        extras: &extras,
        raw: None,
        sent_at: now,
        received_at: now,
        error: None,
    };
    let Some(message_id) = db::messages::insert(conn, &new)? else {
        return Err(db::Error::Conflict("message placeholder".into()).into());
    };
    let request = body.to_string();
    let entry = db::outbox::NewEntry {
        message_id,
        idempotency_key: req.idempotency_key,
        recipient: recipient.as_str(),
        request: &request,
        author_id: req.author.map(|a| a.0),
        campaign_id: req.campaign,
    };
    db::outbox::insert(conn, &entry, now)?;
    db::conversations::record_outbound(conn, conversation.id, now)?;
    if let Some(author) = req.author
        && !matches!(req.message, Outbound::Reaction { .. })
    {
        super::reports::record::happened(
            conn,
            conversation.id,
            crate::model::report::Happening::Reply(Some(author.0)),
            now,
        )?;
    }
    Ok(Queued {
        message_id,
        duplicate: false,
    })
}

/// The local copy of a file sent to WhatsApp.
#[derive(Debug, Clone)]
pub struct LocalFile {
    /// Meta's media id from the upload.
    pub media_id: String,
    /// MIME type.
    pub mime: String,
    /// File name under the media directory.
    pub stored_name: String,
    /// Size in bytes.
    pub size: i64,
    /// Original name (documents).
    pub filename: Option<String>,
}

/// Records the local copy of a file sent with `message_id`, so the timeline can show it.
pub fn attach_local_file(
    conn: &Connection,
    message_id: i64,
    f: &LocalFile,
    now: OffsetDateTime,
) -> db::Result<()> {
    db::media::insert(
        conn,
        message_id,
        &f.media_id,
        &f.mime,
        "",
        f.filename.as_deref(),
        None,
        now,
    )?;
    if let Some(row) = db::media::for_message(conn, message_id)? {
        db::media::mark_stored(conn, row.id, &f.stored_name, &f.mime, f.size)?;
    }
    Ok(())
}

/// Lets the sender go on after Meta refused the token (once a new one is set), with an audit
/// entry; `false` when sending was not paused.
pub fn resume_sending(
    conn: &Connection,
    actor: &super::contacts::Actor,
    now: OffsetDateTime,
) -> db::Result<bool> {
    if !db::outbox::resume(conn)? {
        return Ok(false);
    }
    super::audit(
        conn,
        actor,
        "sending.resume",
        String::new(),
        String::new(),
        now,
    )?;
    Ok(true)
}

/// Puts a failed message back in the queue. The window is checked again for free-form messages.
pub fn retry(conn: &Connection, message_id: i64, now: OffsetDateTime) -> db::Result<bool> {
    if db::outbox::requeue(conn, message_id, now)? {
        db::messages::clear_failure(conn, message_id)?;
        return Ok(true);
    }
    Ok(false)
}

#[cfg(test)]
mod tests;
