//! The product table: list with search, add or change one, delete, import a CSV (all rows or
//! none).

use super::cookies::FlashKind;
use super::error::{AppError, Result};
use super::extract::CurrentUser;
use super::forms::{FormErrors, redirect_with_flash};
use super::layout::{Layout, Nav};
use crate::app::AppState;
use crate::crm::access::AdminAction;
use crate::crm::products::{self, ProductInput};
use crate::db;
use crate::db::orders::Product;
use crate::model::money;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// Products per page.
const PAGE: u32 = 100;

/// The products page.
#[derive(Template, WebTemplate)]
#[template(path = "orders/products.html")]
pub struct ProductsPage {
    layout: Layout,
    q: String,
    rows: Vec<(Product, String)>,
    next: Option<String>,
    form: ProductForm,
    errors: FormErrors,
    import_error: String,
    skipped: Vec<(usize, String)>,
}

/// Query of `GET /products`.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    after: Option<String>,
}

/// Body of `POST /products`.
#[derive(Deserialize, Default, Clone)]
pub struct ProductForm {
    #[serde(default)]
    retailer_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    price: String,
    #[serde(default)]
    currency: String,
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    q: ListQuery,
    form: ProductForm,
    errors: FormErrors,
) -> Result<ProductsPage> {
    let search = Some(q.q.trim().to_string()).filter(|s| !s.is_empty());
    let after = q.after.clone();
    let rows = state
        .db
        .read(move |c| db::orders::products(c, search.as_deref(), after.as_deref(), PAGE))
        .await?;
    let next = (rows.len() == PAGE as usize)
        .then(|| rows.last().map(|p| p.retailer_id.clone()))
        .flatten();
    Ok(ProductsPage {
        layout: Layout::new(&user.ctx, "Products", Nav::Orders),
        q: q.q,
        rows: rows
            .into_iter()
            .map(|p| {
                let price = p
                    .price
                    .as_ref()
                    .map(|(m, c)| money::format(*m, c))
                    .unwrap_or_default();
                (p, price)
            })
            .collect(),
        next,
        form,
        errors,
        import_error: String::new(),
        skipped: Vec::new(),
    })
}

/// `GET /products`.
pub async fn index(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<ProductsPage> {
    page(
        &state,
        &user,
        q,
        ProductForm::default(),
        FormErrors::default(),
    )
    .await
}

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

/// `POST /products/import` (multipart `file`): every row is checked first; any bad row and
/// nothing is imported.
pub async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    mut form: Multipart,
) -> Result<Response> {
    user.require(AdminAction::Products)?;
    let mut bytes = Vec::new();
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some("file") {
            bytes = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        }
    }
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
        super::import::parse_csv(&bytes)
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
        .write(move |c| -> crate::db::Result<_> {
            let mut counts = (0, 0);
            for r in &good {
                if products::save(c, r, now)? {
                    counts.0 += 1;
                } else {
                    counts.1 += 1;
                }
            }
            Ok(counts)
        })
        .await?;
    Ok(redirect_with_flash(
        &state.cookies,
        "/products",
        FlashKind::Success,
        &format!("Imported: {created} product(s) added, {updated} updated."),
    ))
}
