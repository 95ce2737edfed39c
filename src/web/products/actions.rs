//! Changing the product table: save one, delete one, import a CSV (admins).

use super::{ListQuery, ProductForm, page};
use crate::app::AppState;
use crate::crm::access::AdminAction;
use crate::crm::products::{self, ProductInput};
use crate::web::cookies::FlashKind;
use crate::web::error::{AppError, Result};
use crate::web::extract::CurrentUser;
use crate::web::forms::{FormErrors, redirect_with_flash};
use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// `POST /products`: adds a product or replaces the one with the same id.
pub async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<ProductForm>,
) -> Result<Response> {
    user.require(AdminAction::Products)?;
    let input = ProductInput {
        retailer_id: f.retailer_id.clone(),
        name: f.name.clone(),
        price: f.price.clone(),
        currency: f.currency.clone(),
    };
    let row = match products::check(&input) {
        Ok(r) => r,
        Err(errors) => {
            let p = page(&state, &user, ListQuery::default(), f, FormErrors(errors)).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
        }
    };
    let now = state.clock.now();
    let name = row.name.clone();
    let created = state
        .db
        .write(move |c| products::save(c, &row, now))
        .await?;
    Ok(redirect_with_flash(
        &state.cookies,
        "/products",
        FlashKind::Success,
        &format!(
            "Product “{name}” {}.",
            if created { "added" } else { "updated" }
        ),
    ))
}

/// `POST /products/{id}/delete`.
pub async fn delete(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response> {
    user.require(AdminAction::Products)?;
    let (now, actor) = (state.clock.now(), user.actor());
    if !state
        .db
        .write(move |c| products::delete(c, id, &actor, now))
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(redirect_with_flash(
        &state.cookies,
        "/products",
        FlashKind::Success,
        "Product deleted; past orders keep their lines.",
    ))
}

/// The bytes of the form's `file` field (empty when there is none).
async fn file_of(form: &mut Multipart) -> Vec<u8> {
    let mut bytes = Vec::new();
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some("file") {
            bytes = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        }
    }
    bytes
}

/// `POST /products/import` (multipart `file`): every row is checked first; any bad row and
/// nothing is imported.
pub async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    mut form: Multipart,
) -> Result<Response> {
    user.require(AdminAction::Products)?;
    let bytes = file_of(&mut form).await;
    let mut p = page(
        &state,
        &user,
        ListQuery::default(),
        ProductForm::default(),
        FormErrors::default(),
    )
    .await?;
    let parsed = if bytes.is_empty() {
        Err("Choose a CSV file.".to_string())
    } else {
        crate::web::import::parse_csv(&bytes)
    };
    let rows = parsed.and_then(|(header, records)| products::parse_csv_rows(&header, &records));
    let rows = match rows {
        Ok(r) => r,
        Err(e) => {
            p.import_error = e;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
        }
    };
    let skipped: Vec<(usize, String)> = rows
        .iter()
        .filter_map(|r| r.as_ref().err().cloned())
        .collect();
    if !skipped.is_empty() {
        p.import_error = format!(
            "Nothing was imported: {} row(s) need fixing.",
            skipped.len()
        );
        p.skipped = skipped;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
    }
    let now = state.clock.now();
    let good: Vec<_> = rows.into_iter().flatten().collect();
    let (created, updated) = state
        .db
        .write(move |c| products::save_all(c, &good, now))
        .await?;
    Ok(redirect_with_flash(
        &state.cookies,
        "/products",
        FlashKind::Success,
        &format!("Imported: {created} product(s) added, {updated} updated."),
    ))
}
