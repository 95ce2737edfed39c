//! The owner's rate table and broadcast settings: what Meta charges per template by market and
//! category, in the business's currency, and the marketing frequency cap.

use super::audience::cap_hours;
use super::cost::{format_micro, parse_micro};
use crate::crm::access::{self, AdminAction, Who};
use crate::crm::contacts::Actor;
use crate::crm::{Crm, Error, Result};
use crate::db::{self, campaigns::rates::Rate};
use crate::model::FieldError;
use crate::model::campaign::RATE_CATEGORIES;

/// Most hours a frequency cap may span (30 days).
pub const MAX_CAP_HOURS: i64 = 720;

/// The rate table as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateTable {
    /// ISO 4217 code.
    pub currency: String,
    /// Still the seeded example.
    pub example: bool,
    /// The rates.
    pub rates: Vec<Rate>,
    /// Frequency cap for marketing campaigns (hours; 0: none).
    pub cap_hours: i64,
}

/// A rate table a person typed: (market, category, amount text).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateInput {
    /// Currency code.
    pub currency: String,
    /// Frequency cap in hours.
    pub cap_hours: String,
    /// Rows; blank amounts are dropped.
    pub rates: Vec<(String, String, String)>,
}

fn check(input: &RateInput) -> std::result::Result<(String, i64, Vec<Rate>), Vec<FieldError>> {
    let mut e = Vec::new();
    let currency = input.currency.trim().to_ascii_uppercase();
    if !crate::model::money::is_currency(&currency) {
        e.push(FieldError::new(
            "currency",
            "Use an ISO 4217 currency code such as BRL, USD or EUR.",
        ));
    }
    let cap = match input.cap_hours.trim().parse::<i64>() {
        Ok(h) if (0..=MAX_CAP_HOURS).contains(&h) => h,
        _ => {
            e.push(FieldError::new(
                "cap_hours",
                format!("Use a whole number of hours from 0 (no cap) to {MAX_CAP_HOURS}."),
            ));
            0
        }
    };
    let mut rates: Vec<Rate> = Vec::new();
    for (market, category, amount) in &input.rates {
        let (market, amount) = (market.trim(), amount.trim());
        if market.is_empty() && amount.is_empty() {
            continue;
        }
        let category = category.trim().to_ascii_lowercase();
        if market.is_empty() || market.chars().count() > 60 {
            e.push(FieldError::new(
                "rates",
                "Each rate needs a market name (at most 60 characters).",
            ));
            continue;
        }
        if !RATE_CATEGORIES.contains(&category.as_str()) {
            e.push(FieldError::new(
                "rates",
                format!("{market}: `{category}` is not marketing, utility or authentication."),
            ));
            continue;
        }
        if amount.is_empty() {
            continue;
        }
        let Some(micro) = parse_micro(amount) else {
            e.push(FieldError::new(
                "rates",
                format!("{market} {category}: `{amount}` is not an amount (e.g. 0.0625)."),
            ));
            continue;
        };
        if rates
            .iter()
            .any(|r| r.market.eq_ignore_ascii_case(market) && r.category == category)
        {
            e.push(FieldError::new(
                "rates",
                format!("{market} {category} is in the table twice."),
            ));
            continue;
        }
        rates.push(Rate {
            market: market.to_string(),
            category,
            micro,
        });
    }
    if e.is_empty() {
        Ok((currency, cap, rates))
    } else {
        Err(e)
    }
}

impl Crm {
    /// The rate table and broadcast settings (every role).
    pub async fn campaign_rates(&self, who: Who) -> Result<RateTable> {
        access::may_read(who)?;
        self.db
            .read(|c| {
                let (currency, example) = db::campaigns::rates::currency(c)?;
                Ok(RateTable {
                    currency,
                    example,
                    rates: db::campaigns::rates::list(c)?,
                    cap_hours: cap_hours(c)?,
                })
            })
            .await
    }

    /// Replaces the rate table and settings (admins): every problem listed, nothing saved on
    /// any; audited.
    pub async fn save_campaign_rates(
        &self,
        who: Who,
        actor: Actor,
        input: RateInput,
    ) -> Result<()> {
        access::require(who, AdminAction::Campaigns)?;
        let (currency, cap, rates) = check(&input).map_err(Error::Invalid)?;
        let now = self.clock.now();
        let by = who.user.map(|u| u.0);
        self.db
            .write(move |c| {
                db::campaigns::rates::replace(c, &currency, &rates, by, now)?;
                db::settings::put(c, "campaigns.cap_hours", &cap.to_string(), by, now)?;
                let detail = format!("{} rates in {currency}; frequency cap {cap} h", rates.len());
                crate::crm::audit(c, &actor, "campaign.rates", String::new(), detail, now)?;
                Ok(())
            })
            .await
    }
}

/// A rate as typed in the table (4 decimals).
#[must_use]
pub fn amount(micro: i64) -> String {
    format_micro(micro, 4)
}
