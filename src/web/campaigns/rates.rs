//! `/campaigns/rates`: the owner's rate table (one row per market, an amount per category, in
//! the business's currency) and the marketing frequency cap. Everyone reads it; admins change
//! it through `Crm::save_campaign_rates`, which checks every row.

use crate::app::AppState;
use crate::crm::{self, campaigns::RateInput, campaigns::rates::amount};
use crate::model::FieldError;
use crate::model::campaign::{MARKETS, RATE_CATEGORIES};
use crate::web::cookies::FlashKind;
use crate::web::error::Result;
use crate::web::extract::CurrentUser;
use crate::web::forms::{FormErrors, redirect_with_flash};
use crate::web::layout::{Layout, Nav};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Blank rows offered for markets not in the table.
const SPARE: usize = 2;

/// A market's row: its name and an amount per category (`RATE_CATEGORIES` order).
pub struct MarketRow {
    market: String,
    amounts: [String; 3],
}

/// The rate table page.
#[derive(Template, WebTemplate)]
#[template(path = "campaigns/rates.html")]
pub struct RatesPage {
    layout: Layout,
    currency: String,
    cap_hours: String,
    example: bool,
    rows: Vec<MarketRow>,
    categories: [&'static str; 3],
    is_admin: bool,
    errors: FormErrors,
}

fn page(
    user: &CurrentUser,
    currency: String,
    cap_hours: String,
    example: bool,
    mut rows: Vec<MarketRow>,
    errors: Vec<FieldError>,
) -> RatesPage {
    rows.retain(|r| !r.market.trim().is_empty() || r.amounts.iter().any(|a| !a.trim().is_empty()));
    rows.extend((0..SPARE).map(|_| MarketRow {
        market: String::new(),
        amounts: Default::default(),
    }));
    RatesPage {
        layout: Layout::new(&user.ctx, "Broadcast rates", Nav::Campaigns),
        currency,
        cap_hours,
        example,
        rows,
        categories: RATE_CATEGORIES,
        is_admin: user.session.user.is_admin(),
        errors: FormErrors(errors),
    }
}

/// `GET /campaigns/rates`.
pub async fn rates(State(state): State<AppState>, user: CurrentUser) -> Result<RatesPage> {
    let t = state.crm.campaign_rates(user.who()).await?;
    let mut markets: Vec<String> = MARKETS.iter().map(|(m, _)| (*m).to_string()).collect();
    for r in &t.rates {
        if !markets.contains(&r.market) {
            markets.push(r.market.clone());
        }
    }
    if !markets.iter().any(|m| m == "Other") {
        markets.push("Other".into());
    }
    let rows = markets
        .into_iter()
        .map(|m| MarketRow {
            amounts: RATE_CATEGORIES.map(|c| {
                t.rates
                    .iter()
                    .find(|r| r.market == m && r.category == c)
                    .map_or_else(String::new, |r| amount(r.micro))
            }),
            market: m,
        })
        .collect();
    Ok(page(
        &user,
        t.currency,
        t.cap_hours.to_string(),
        t.example,
        rows,
        Vec::new(),
    ))
}

/// `POST /campaigns/rates`: `currency`, `cap_hours`, and per row `market` followed by one
/// amount per category, in order.
pub async fn save_rates(
    State(state): State<AppState>,
    user: CurrentUser,
    RawForm(body): RawForm,
) -> Result<Response> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let mut input = RateInput::default();
    let mut rows: Vec<MarketRow> = Vec::new();
    for (k, v) in pairs {
        match k.as_str() {
            "currency" => input.currency = v,
            "cap_hours" => input.cap_hours = v,
            "market" => rows.push(MarketRow {
                market: v,
                amounts: Default::default(),
            }),
            other => {
                if let (Some(i), Some(row)) = (
                    RATE_CATEGORIES.iter().position(|c| *c == other),
                    rows.last_mut(),
                ) {
                    row.amounts[i] = v;
                }
            }
        }
    }
    for r in &rows {
        for (c, a) in RATE_CATEGORIES.iter().zip(&r.amounts) {
            if !a.trim().is_empty() || r.market.trim().is_empty() {
                input
                    .rates
                    .push((r.market.clone(), (*c).to_string(), a.clone()));
            }
        }
    }
    let (currency, cap) = (input.currency.clone(), input.cap_hours.clone());
    match state
        .crm
        .save_campaign_rates(user.who(), user.actor(), input)
        .await
    {
        Ok(()) => Ok(redirect_with_flash(
            &state.cookies,
            "/campaigns/rates",
            FlashKind::Success,
            "Rates saved; estimates now use them.",
        )),
        Err(crm::Error::Invalid(e)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            page(&user, currency, cap, false, rows, e),
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}
