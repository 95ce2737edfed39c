//! `GET /contacts/{id}/message`: "Send a WhatsApp message" from the contact page. Free text
//! while the customer's 24-hour window is open, otherwise an approved template with its variables
//! filled from the contact (editable), a preview and a media header. Sending is
//! `message_send.rs`.

use crate::app::AppState;
use crate::crypto;
use crate::db;
use crate::model::{Contact, ContactId, CustomField, OptIn, TemplateStatus};
use crate::web::error::{AppError, Result};
use crate::web::extract::CurrentUser;
use crate::web::layout::{Layout, Nav};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};

/// A variable input of a template form.
pub struct Var {
    pub(super) input: String,
    pub(super) label: String,
    pub(super) value: String,
}

/// An approved template offered on the page.
pub struct StartTemplate {
    pub(super) name: String,
    pub(super) language: String,
    pub(super) category: String,
    pub(super) body: String,
    pub(super) header_text: String,
    pub(super) header_raw: String,
    /// `IMAGE`, `VIDEO`, `DOCUMENT` for a media header, else empty.
    pub(super) media: String,
    pub(super) accept: &'static str,
    pub(super) vars: Vec<Var>,
    pub(super) header_vars: Vec<Var>,
    pub(super) preview: String,
    /// Why this template cannot go to this contact (consent), if so.
    pub(super) refused: Option<String>,
}

/// The page.
#[derive(Template, WebTemplate)]
#[template(path = "contacts/message.html")]
pub struct MessagePage {
    pub(super) layout: Layout,
    pub(super) id: i64,
    pub(super) name: String,
    pub(super) connected: bool,
    /// Meta blocks sending right now: (title, detail).
    pub(super) sending_blocked: Option<(String, String)>,
    pub(super) admin: bool,
    /// The contact's WhatsApp number (or user id), when they have one.
    pub(super) reach: Option<String>,
    pub(super) window_open: bool,
    pub(super) opt_in: OptIn,
    /// The confirmation a template needs for this contact's consent, if any.
    pub(super) confirm: Option<String>,
    pub(super) templates: Vec<StartTemplate>,
    pub(super) suggestions: Vec<String>,
    pub(super) key: String,
}

/// The value a variable starts with: a named placeholder that matches a contact field takes its
/// value; the first positional one takes the contact's name.
fn prefill(
    placeholder: &str,
    position: usize,
    contact: &Contact,
    values: &[(CustomField, Option<String>)],
) -> String {
    let p = placeholder.to_ascii_lowercase();
    match p.as_str() {
        "1" if position == 1 => contact.display_name(),
        "name" | "first_name" | "customer_name" | "nome" => contact.display_name(),
        "phone" => contact
            .phone
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        "email" => contact.email.clone().unwrap_or_default(),
        _ => values
            .iter()
            .find(|(f, _)| f.key.eq_ignore_ascii_case(&p))
            .and_then(|(_, v)| v.clone())
            .unwrap_or_default(),
    }
}

fn fill(text: &str, vars: &[Var]) -> String {
    let mut out = text.to_string();
    for v in vars {
        let shown = if v.value.is_empty() {
            format!("[{}]", v.label)
        } else {
            v.value.clone()
        };
        out = out.replace(&format!("{{{{{}}}}}", v.label), &shown);
    }
    out
}

fn vars(
    text: &str,
    prefix: &str,
    contact: &Contact,
    values: &[(CustomField, Option<String>)],
) -> Vec<Var> {
    crate::crm::outbound::placeholders(text)
        .into_iter()
        .enumerate()
        .map(|(i, label)| Var {
            input: format!("{prefix}{}", i + 1),
            value: prefill(&label, i + 1, contact, values),
            label,
        })
        .collect()
}

fn offer(
    t: db::templates::Template,
    contact: &Contact,
    values: &[(CustomField, Option<String>)],
) -> db::Result<StartTemplate> {
    let parts = t.components()?;
    let body = parts.body_text().to_string();
    let header = parts.header();
    let header_text = header
        .filter(|h| !h.is_media())
        .map(|h| h.text.clone())
        .unwrap_or_default();
    let media = header
        .filter(|h| h.is_media())
        .map(|h| h.format.clone())
        .unwrap_or_default();
    let body_vars = vars(&body, "v", contact, values);
    let header_vars = vars(&header_text, "h", contact, values);
    let refused = (contact.opt_in == OptIn::Out && t.category.eq_ignore_ascii_case("MARKETING"))
        .then(|| "Marketing template: this contact opted out.".to_string());
    Ok(StartTemplate {
        preview: fill(&body, &body_vars),
        accept: crate::web::attachments::file::header_accept(&media),
        header_text: fill(&header_text, &header_vars),
        header_raw: header_text.clone(),
        vars: body_vars,
        header_vars,
        media,
        refused,
        name: t.name,
        language: t.language,
        category: t.category.to_lowercase(),
        body,
    })
}

/// `GET /contacts/{id}/message`.
pub async fn message_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<MessagePage> {
    crate::crm::access::may_read(user.who())?;
    let cid = ContactId(id);
    let now = state.clock.now();
    let ids = state.crm.whatsapp_ids().await?;
    let (contact, values, convs, templates) = state
        .db
        .read(move |c| -> db::Result<_> {
            let Some(contact) = db::contacts::get(c, cid)? else {
                return Ok(None);
            };
            Ok(Some((
                contact,
                crate::crm::fields::values_of(c, cid)?,
                db::conversations::for_contact(c, cid)?,
                db::templates::list(c)?,
            )))
        })
        .await?
        .ok_or(AppError::NotFound)?;
    let window_open = convs
        .iter()
        .any(|c| Some(&c.phone_number_id) == ids.phone_number_id.as_ref() && c.window_open(now));
    let has_written = convs.iter().any(|c| c.last_inbound_at.is_some());
    let offered = templates
        .into_iter()
        .filter(|t| t.status == TemplateStatus::Approved)
        .map(|t| offer(t, &contact, &values))
        .collect::<db::Result<Vec<_>>>()?;
    let mut suggestions: Vec<String> = [contact.display_name(), contact.name.clone()]
        .into_iter()
        .chain(contact.phone.as_ref().map(ToString::to_string))
        .chain(contact.email.clone())
        .chain(values.iter().filter_map(|(_, v)| v.clone()))
        .filter(|s| !s.trim().is_empty())
        .collect();
    suggestions.dedup();
    Ok(MessagePage {
        layout: Layout::new(
            &user.ctx,
            format!("Message {}", contact.display_name()),
            Nav::Contacts,
        ),
        id,
        name: contact.display_name(),
        connected: state.crm.connected().await?,
        sending_blocked: state.crm.sending_blocked(user.who()).await?,
        admin: user.session.user.role == crate::model::Role::Admin,
        reach: contact
            .phone
            .as_ref()
            .map(ToString::to_string)
            .or_else(|| contact.bsuid.clone()),
        window_open,
        opt_in: contact.opt_in,
        confirm: match contact.opt_in {
            OptIn::Out => Some(format!(
                "{} opted out; this message is about something they asked for",
                contact.display_name()
            )),
            OptIn::Unknown if !has_written => Some(format!(
                "{} agreed to receive WhatsApp messages from us",
                contact.display_name()
            )),
            _ => None,
        },
        templates: offered,
        suggestions,
        key: crypto::random_token().map_err(|e| AppError::Internal(e.into()))?,
    })
}
