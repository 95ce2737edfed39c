//! What a campaign costs: estimated from the owner's rate table before it is sent, and actual
//! from the `pricing` Meta reported for each of its messages after.

use super::audience::Member;
use crate::db::campaigns::rates::Rate;
use crate::model::campaign::charged;
use std::collections::BTreeMap;

/// A cost, by market and category.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Cost {
    /// ISO 4217 code of the rate table.
    pub currency: String,
    /// The rate table is still the seeded example.
    pub example: bool,
    /// Total in millionths of the currency unit.
    pub total_micro: i64,
    /// Lines by (market, category).
    pub lines: Vec<CostLine>,
    /// Messages Meta does not charge (utility inside the customer-service window).
    pub free: i64,
    /// Messages in a market the table has no rate for (and no "Other" rate).
    pub unpriced: i64,
}

/// One line of a cost.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CostLine {
    /// Market.
    pub market: String,
    /// Category (lower case).
    pub category: String,
    /// Messages.
    pub messages: i64,
    /// Rate per message (millionths), when the table has one.
    pub rate_micro: Option<i64>,
    /// Messages × rate.
    pub micro: i64,
}

/// The rate for `market` and `category`: the market's own, else "Other".
#[must_use]
pub fn rate_for(rates: &[Rate], market: &str, category: &str) -> Option<i64> {
    let find = |m: &str| {
        rates
            .iter()
            .find(|r| r.market == m && r.category.eq_ignore_ascii_case(category))
            .map(|r| r.micro)
    };
    find(market).or_else(|| find("Other"))
}

fn priced(
    counts: BTreeMap<(String, String), i64>,
    rates: &[Rate],
    currency: &str,
    example: bool,
) -> Cost {
    let mut cost = Cost {
        currency: currency.to_string(),
        example,
        ..Cost::default()
    };
    for ((market, category), messages) in counts {
        let rate = rate_for(rates, &market, &category);
        let micro = rate.map_or(0, |r| r.saturating_mul(messages));
        if rate.is_none() {
            cost.unpriced += messages;
        }
        cost.total_micro = cost.total_micro.saturating_add(micro);
        cost.lines.push(CostLine {
            market,
            category,
            messages,
            rate_micro: rate,
            micro,
        });
    }
    cost
}

/// The estimate for sending a template of `category` to `members`.
#[must_use]
pub fn estimate(
    members: &[Member],
    category: &str,
    rates: &[Rate],
    currency: &str,
    example: bool,
) -> Cost {
    estimate_counted(
        members.iter().map(|m| (m.market, m.window_open, 1)),
        category,
        rates,
        currency,
        example,
    )
}

/// The estimate for `groups` of recipients: (market, window open, how many).
#[must_use]
pub fn estimate_counted<'a>(
    groups: impl IntoIterator<Item = (&'a str, bool, i64)>,
    category: &str,
    rates: &[Rate],
    currency: &str,
    example: bool,
) -> Cost {
    let category = category.to_ascii_lowercase();
    let mut counts: BTreeMap<(String, String), i64> = BTreeMap::new();
    let mut free = 0;
    for (market, window_open, n) in groups {
        if charged(&category, window_open) {
            *counts
                .entry((market.to_string(), category.clone()))
                .or_default() += n;
        } else {
            free += n;
        }
    }
    let mut cost = priced(counts, rates, currency, example);
    cost.free = free;
    cost
}

/// The actual cost from what Meta charged: (market, category, messages).
#[must_use]
pub fn actual(
    charged: Vec<(String, String, i64)>,
    rates: &[Rate],
    currency: &str,
    example: bool,
) -> Cost {
    let counts = charged
        .into_iter()
        .map(|(m, c, n)| ((m, c), n))
        .collect::<BTreeMap<_, _>>();
    priced(counts, rates, currency, example)
}

/// `micro` millionths as a decimal amount with `places` decimals (rounded half up).
#[must_use]
pub fn format_micro(micro: i64, places: u32) -> String {
    let scale = 10i64.pow(6 - places.min(6));
    let rounded = (micro + scale / 2) / scale;
    let unit = 10i64.pow(places.min(6));
    if places == 0 {
        return rounded.to_string();
    }
    format!(
        "{}.{:0width$}",
        rounded / unit,
        rounded % unit,
        width = places as usize
    )
}

/// Parses a decimal amount ("0.0625", "1,5") into millionths.
#[must_use]
pub fn parse_micro(text: &str) -> Option<i64> {
    let t = text.trim().replace(',', ".");
    if t.is_empty() || t.starts_with('-') {
        return None;
    }
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    if frac.len() > 6
        || !whole
            .chars()
            .chain(frac.chars())
            .all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let frac: i64 = format!("{frac:0<6}").parse().ok()?;
    whole.checked_mul(1_000_000)?.checked_add(frac)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(market: &str, category: &str, micro: i64) -> Rate {
        Rate {
            market: market.into(),
            category: category.into(),
            micro,
        }
    }

    #[test]
    fn the_estimate_prices_each_market_and_frees_utility_inside_the_window() {
        let rates = [
            rate("Brazil", "utility", 6800),
            rate("Other", "utility", 7700),
        ];
        let m = |market: &'static str, window_open| Member {
            contact_id: 1,
            market,
            params: vec![],
            window_open,
        };
        let members = [
            m("Brazil", false),
            m("Brazil", false),
            m("India", false),
            m("Brazil", true),
        ];
        let c = estimate(&members, "UTILITY", &rates, "USD", true);
        assert_eq!(c.total_micro, 2 * 6800 + 7700);
        assert_eq!(c.free, 1);
        assert_eq!(c.lines.len(), 2);
        assert_eq!(c.unpriced, 0);
        let none = estimate(&members, "MARKETING", &rates, "USD", true);
        assert_eq!((none.unpriced, none.total_micro), (4, 0));
    }

    #[test]
    fn amounts_print_and_parse() {
        assert_eq!(format_micro(62_500, 4), "0.0625");
        assert_eq!(format_micro(1_234_567, 2), "1.23");
        assert_eq!(format_micro(995_000, 2), "1.00");
        assert_eq!(parse_micro("0.0625"), Some(62_500));
        assert_eq!(parse_micro("1,5"), Some(1_500_000));
        assert_eq!(parse_micro("12"), Some(12_000_000));
        assert_eq!(parse_micro("-1"), None);
        assert_eq!(parse_micro("0.0000001"), None);
        assert_eq!(parse_micro("abc"), None);
    }
}
