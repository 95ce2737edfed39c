//! `GET /privacy` (public): the privacy notice generated from the live configuration
//! (`crm::notice`), for customers and for Meta's app review.

use crate::app::AppState;
use crate::crm::notice::Notice;
use crate::web::error::Result;
use crate::web::extract::Ctx;
use crate::web::layout::{Layout, Nav};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

/// The privacy notice page.
#[derive(Template, WebTemplate)]
#[template(path = "privacy/notice.html")]
pub struct NoticePage {
    layout: Layout,
    n: Notice,
}

/// `GET /privacy`.
pub async fn page(State(state): State<AppState>, Ctx(ctx): Ctx) -> Result<NoticePage> {
    let n = state
        .crm
        .privacy_notice(&state.config, state.cookies.uses(&state.config))
        .await?;
    Ok(NoticePage {
        layout: Layout::new(&ctx, "Privacy notice", Nav::None),
        n,
    })
}
