//! The owner's rate table (`message_rates`): what Meta charges per template, by market and
//! category, in the business's currency (`settings` rates.currency). Until the owner saves it,
//! it is the example the schema seeded (`settings` rates.example).

use crate::db::{Result, settings};
use rusqlite::{Connection, params};
use time::OffsetDateTime;

/// One rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rate {
    /// Market ("Brazil", "Other").
    pub market: String,
    /// marketing, utility or authentication.
    pub category: String,
    /// Millionths of the currency unit per message.
    pub micro: i64,
}

/// The table, by market then category.
pub fn list(conn: &Connection) -> Result<Vec<Rate>> {
    let sql = "SELECT market, category, rate_micro FROM message_rates ORDER BY market = 'Other', market, category";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([], |r| {
        Ok(Rate {
            market: r.get(0)?,
            category: r.get(1)?,
            micro: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The currency, and whether the table is still the seeded example.
pub fn currency(conn: &Connection) -> Result<(String, bool)> {
    let currency = settings::get(conn, "rates.currency")?.map_or_else(|| "USD".into(), |s| s.value);
    let example = settings::get(conn, "rates.example")?.is_none_or(|s| s.value != "0");
    Ok((currency, example))
}

/// Replaces the table and its currency; it is no longer the example.
pub fn replace(
    conn: &Connection,
    currency: &str,
    rates: &[Rate],
    by: Option<i64>,
    now: OffsetDateTime,
) -> Result<()> {
    conn.prepare_cached("DELETE FROM message_rates")?
        .execute([])?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO message_rates (market, category, rate_micro) VALUES (?1, ?2, ?3)",
    )?;
    for r in rates {
        stmt.execute(params![r.market, r.category, r.micro])?;
    }
    settings::put(conn, "rates.currency", currency, by, now)?;
    settings::put(conn, "rates.example", "0", by, now)?;
    Ok(())
}
