//! The money side of a report: template cost per day from the charged messages and the rate
//! table, orders and revenue per currency and day, and the click-to-WhatsApp ads.

use super::build::day_index;
use super::figures::{AdRow, Report, Revenue};
use crate::crm::campaigns::cost::rate_for;
use crate::db::{self, Result, reports::queries as q};
use crate::model::Zone;
use crate::model::campaign::market_of;
use rusqlite::Connection;
use std::collections::BTreeMap;

/// Cost per day, revenue per currency and day, and the ads.
pub(super) fn money(conn: &Connection, r: &mut Report, zone: &Zone) -> Result<()> {
    let range = r.range;
    let (from, to) = range.secs();
    let rates = db::campaigns::rates::list(conn)?;
    let (currency, example) = db::campaigns::rates::currency(conn)?;
    r.cost_currency = currency;
    r.cost_example = example;
    let mut rate_cache: BTreeMap<(String, String), Option<i64>> = BTreeMap::new();
    for (at, prefix, category, n) in q::charged(conn, from, to)? {
        let rate = *rate_cache
            .entry((prefix.clone(), category.clone()))
            .or_insert_with(|| {
                rate_for(
                    &rates,
                    market_of(Some(prefix.as_str()).filter(|p| !p.is_empty())),
                    &category,
                )
            });
        if rate.is_none() {
            r.unpriced += n;
        }
        let micro = n * rate.unwrap_or(0);
        r.cost_micro += micro;
        if let Some(d) = day_index(zone, &range, at).and_then(|i| r.days.get_mut(i)) {
            d.charged += n;
            d.cost_micro += micro;
        }
    }
    let mut revenue: BTreeMap<String, Revenue> = BTreeMap::new();
    for (at, currency, total) in q::orders(conn, from, to)? {
        let e = revenue.entry(currency.clone()).or_insert_with(|| Revenue {
            currency,
            orders: 0,
            total_minor: 0,
            per_day: vec![(0, 0); r.days.len()],
        });
        e.orders += 1;
        e.total_minor += total;
        if let Some(d) = day_index(zone, &range, at).and_then(|i| e.per_day.get_mut(i)) {
            d.0 += 1;
            d.1 += total;
        }
    }
    r.revenue = revenue.into_values().collect();
    let mut ads: Vec<AdRow> = q::ads(conn, from, to)?
        .into_iter()
        .map(|(source_id, headline, conversations)| AdRow {
            source_id,
            headline,
            conversations,
            orders: Vec::new(),
        })
        .collect();
    for (ad, currency, n, total) in q::ad_orders(conn, from, to)? {
        if let Some(row) = ads.iter_mut().find(|a| a.source_id == ad) {
            row.orders.push((currency, n, total));
        } else {
            ads.push(AdRow {
                source_id: ad,
                headline: String::new(),
                conversations: 0,
                orders: vec![(currency, n, total)],
            });
        }
    }
    r.ads = ads;
    Ok(())
}
