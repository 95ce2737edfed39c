//! A contact's data rights from their page (admins): `GET /contacts/{id}/export.zip` (their
//! data as a ZIP), `GET /contacts/{id}/delete` (deleting and erasing side by side, with the
//! difference explained), `POST /contacts/{id}/delete` and `POST /contacts/{id}/erase` (typed
//! confirmation and a reason; shows the receipt), `GET /settings/erasures/{code}`, and
//! `POST /contacts/{id}/restrict` (restriction of processing).

use crate::api::files::zip_download;
use crate::app::AppState;
use crate::config::ErasedOrders;
use crate::crm::subject::{ERASE_WORD, Erase, Receipt};
use crate::db;
use crate::model::{Contact, ContactId};
use crate::web::cookies::FlashKind;
use crate::web::error::{AppError, Result};
use crate::web::extract::CurrentUser;
use crate::web::forms::{FormErrors, redirect_with_flash, see_other};
use crate::web::layout::{Layout, Nav};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// `GET /contacts/{id}/export.zip`: everything stored about the contact, with their media.
pub async fn export_zip(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response> {
    let scratch = state.crm.export_scratch()?;
    let (file, s) = state
        .crm
        .export_contact(ContactId(id), user.who(), user.actor(), scratch)
        .await?;
    Ok(zip_download(file, &s.name, s.size))
}

/// Body of `POST /contacts/{id}/restrict`.
#[derive(Debug, Deserialize)]
pub struct RestrictForm {
    /// `true` restricts, `false` lifts the restriction.
    pub restricted: bool,
}

/// `POST /contacts/{id}/restrict`: restricts processing (or lifts it) through
/// `Crm::set_restricted`.
pub async fn restrict(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<RestrictForm>,
) -> Result<Response> {
    state
        .crm
        .set_restricted(ContactId(id), f.restricted, user.who(), user.actor())
        .await?;
    let said = if f.restricted {
        "Processing restricted: they are left out of exports, AI, Sheets and broadcasts, and you can still talk to them."
    } else {
        "Restriction lifted."
    };
    Ok(redirect_with_flash(
        &state.cookies,
        &format!("/contacts/{id}"),
        FlashKind::Success,
        said,
    ))
}

/// Body of `POST /contacts/{id}/no-ai`.
#[derive(Debug, Deserialize)]
pub struct NoAiForm {
    /// `true`: they said "no AI"; `false`: lift it.
    pub no_ai: bool,
}

/// `POST /contacts/{id}/no-ai`: records or lifts their "no AI" through `Crm::set_no_ai`.
pub async fn no_ai(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<NoAiForm>,
) -> Result<Response> {
    state
        .crm
        .set_no_ai(user.who(), ContactId(id), f.no_ai)
        .await?;
    let said = if f.no_ai {
        "Noted: nothing of theirs is sent to AI assist."
    } else {
        "AI assist may be used for their conversations again."
    };
    Ok(redirect_with_flash(
        &state.cookies,
        &format!("/contacts/{id}"),
        FlashKind::Success,
        said,
    ))
}

/// The delete-or-erase page.
#[derive(Template, WebTemplate)]
#[template(path = "contacts/remove.html")]
pub struct RemovePage {
    layout: Layout,
    contact: Contact,
    /// Open erasure requests (code, subject) the erasure may answer.
    requests: Vec<(String, String)>,
    erase_word: &'static str,
    keeps_orders: bool,
    form: EraseForm,
    errors: FormErrors,
}

/// Body of `POST /contacts/{id}/erase`.
#[derive(Debug, Default, Deserialize)]
pub struct EraseForm {
    /// Must be the erase word.
    #[serde(default)]
    pub confirm: String,
    /// Why.
    #[serde(default)]
    pub reason: String,
    /// An open data request this answers (its code), or blank.
    #[serde(default)]
    pub request: String,
}

async fn remove_page(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    form: EraseForm,
    errors: FormErrors,
) -> Result<RemovePage> {
    let contact = state
        .db
        .read(move |c| db::contacts::get(c, ContactId(id)))
        .await?
        .ok_or(AppError::NotFound)?;
    let requests = state
        .crm
        .data_requests(user.who())
        .await?
        .into_iter()
        .filter(|r| r.status == "open" && matches!(r.kind.as_str(), "erasure" | "meta_deletion"))
        .map(|r| (r.code, r.subject))
        .collect();
    Ok(RemovePage {
        layout: Layout::new(&user.ctx, "Delete or erase a contact", Nav::Contacts),
        contact,
        requests,
        erase_word: ERASE_WORD,
        keeps_orders: state.config.privacy.erased_orders == ErasedOrders::Keep,
        form,
        errors,
    })
}

/// `GET /contacts/{id}/delete`: deleting and erasing explained, each with its form.
pub async fn remove_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<RemovePage> {
    remove_page(
        &state,
        &user,
        id,
        EraseForm::default(),
        FormErrors::default(),
    )
    .await
}

/// `POST /contacts/{id}/delete`: deletes the contact (`Crm::delete_contact`).
pub async fn delete(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response> {
    state
        .crm
        .delete_contact(ContactId(id), user.who(), user.actor())
        .await?;
    Ok(redirect_with_flash(
        &state.cookies,
        "/contacts",
        FlashKind::Success,
        "Contact deleted.",
    ))
}

/// `POST /contacts/{id}/erase`: erases the contact (`Crm::erase_contact`) and shows the receipt;
/// a missing confirmation or reason shows the form again.
pub async fn erase(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<EraseForm>,
) -> Result<Response> {
    let input = Erase {
        confirm: form.confirm.clone(),
        reason: form.reason.clone(),
        request: Some(form.request.clone()),
    };
    match state
        .crm
        .erase_contact(ContactId(id), input, user.who(), user.actor())
        .await
    {
        Ok(r) => Ok(see_other(&format!("/settings/erasures/{}", r.code))),
        Err(crate::crm::Error::Invalid(errors)) => {
            let page = remove_page(&state, &user, id, form, FormErrors(errors)).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The erasure receipt page.
#[derive(Template, WebTemplate)]
#[template(path = "contacts/receipt.html")]
pub struct ReceiptPage {
    layout: Layout,
    r: Receipt,
    when: String,
    rows: Vec<(&'static str, usize)>,
}

/// `GET /settings/erasures/{code}`: an erasure's receipt.
pub async fn receipt(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<ReceiptPage> {
    let r = state.crm.erasure_receipt(&code, user.who()).await?;
    let when = crate::web::when::stamp(&user.ctx.zone, r.at);
    Ok(ReceiptPage {
        layout: Layout::new(&user.ctx, "Erasure receipt", Nav::Settings),
        rows: r.rows(),
        when,
        r,
    })
}
