//! Meta prices templates by the recipient's market: a country for the largest ones, a region
//! ("Rest of Western Europe"…) or "Other" for the rest. FlowCRM knows the country markets by
//! their calling codes; everything else is "Other", which the owner's rate table prices.

/// The markets FlowCRM tells apart, with their calling codes (longest match wins).
pub const MARKETS: &[(&str, &[&str])] = &[
    ("North America", &["1"]),
    ("Argentina", &["54"]),
    ("Brazil", &["55"]),
    ("Chile", &["56"]),
    ("Colombia", &["57"]),
    ("Egypt", &["20"]),
    ("France", &["33"]),
    ("Germany", &["49"]),
    ("India", &["91"]),
    ("Indonesia", &["62"]),
    ("Israel", &["972"]),
    ("Italy", &["39"]),
    ("Malaysia", &["60"]),
    ("Mexico", &["52"]),
    ("Netherlands", &["31"]),
    ("Nigeria", &["234"]),
    ("Pakistan", &["92"]),
    ("Peru", &["51"]),
    ("Russia", &["7"]),
    ("Saudi Arabia", &["966"]),
    ("South Africa", &["27"]),
    ("Spain", &["34"]),
    ("Turkey", &["90"]),
    ("United Arab Emirates", &["971"]),
    ("United Kingdom", &["44"]),
];

/// The market of an E.164 phone number (`+5511…` → "Brazil"); "Other" when FlowCRM does not
/// tell its country apart, or there is no phone.
#[must_use]
pub fn market_of(phone: Option<&str>) -> &'static str {
    let Some(digits) = phone.map(|p| p.trim_start_matches('+')) else {
        return "Other";
    };
    let mut best: Option<(&'static str, usize)> = None;
    for (market, codes) in MARKETS {
        for code in *codes {
            if digits.starts_with(code) && best.is_none_or(|(_, n)| code.len() > n) {
                best = Some((market, code.len()));
            }
        }
    }
    best.map_or("Other", |(m, _)| m)
}
