//! The product table: list with search, add or change one, delete, import a CSV (all rows or
//! none).

mod actions;

use crate::app::AppState;
use crate::db;
use crate::db::orders::Product;
use crate::model::money;
use crate::web::error::Result;
use crate::web::extract::CurrentUser;
use crate::web::forms::FormErrors;
use crate::web::layout::{Layout, Nav};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use serde::Deserialize;

pub use actions::*;

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
