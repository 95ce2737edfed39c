//! The main sections' pages. Until their capabilities land they show an honest empty state.

use super::extract::CurrentUser;
use super::layout::{Layout, Nav};
use askama::Template;
use askama_web::WebTemplate;
use axum::response::Redirect;

/// `GET /`.
pub async fn home() -> Redirect {
    Redirect::to("/inbox")
}

/// Orders.
#[derive(Template, WebTemplate)]
#[template(path = "orders/index.html")]
pub struct OrdersPage {
    layout: Layout,
}

/// `GET /orders`.
pub async fn orders(user: CurrentUser) -> OrdersPage {
    OrdersPage {
        layout: Layout::new(&user.ctx, "Orders", Nav::Orders),
    }
}
