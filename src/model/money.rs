//! Money in minor units (cents), never floats: parsing Meta's decimal prices with the
//! currency's exponent, and formatting.

/// Digits after the decimal point for an ISO 4217 currency (2 unless listed).
#[must_use]
pub fn exponent(currency: &str) -> u32 {
    match currency.to_ascii_uppercase().as_str() {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// ISO 4217 codes of currencies in use (no funds or precious metals), space-separated.
const ISO_4217: &str = concat!(
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN ",
    "BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF ",
    "CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK ",
    "DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF ",
    "GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD ",
    "JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD ",
    "LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN ",
    "MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP ",
    "PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD ",
    "SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP ",
    "TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES ",
    "VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ",
);

/// Whether `code` (upper case) is an ISO 4217 currency in use.
#[must_use]
pub fn is_currency(code: &str) -> bool {
    code.len() == 3 && ISO_4217.split(' ').any(|c| c == code)
}

/// Why a price could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Not a plain non-negative decimal number.
    #[error("`{0}` is not a price")]
    NotANumber(String),
    /// More decimals than the currency has (e.g. 1.234 BRL).
    #[error("`{0}` has more decimals than {1} allows")]
    TooPrecise(String, String),
    /// Too large to count.
    #[error("amount too large")]
    Overflow,
}

/// Parses a decimal price (`59.9`, `35.00`, `35`) into minor units of `currency`.
pub fn to_minor(text: &str, currency: &str) -> Result<i64, MoneyError> {
    let t = text.trim();
    let bad = || MoneyError::NotANumber(t.to_string());
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let exp = exponent(currency) as usize;
    let significant = frac.trim_end_matches('0');
    if significant.len() > exp {
        return Err(MoneyError::TooPrecise(t.to_string(), currency.to_string()));
    }
    let mut digits = format!("{whole}{significant}");
    digits.extend(std::iter::repeat_n('0', exp - significant.len()));
    digits.parse::<i64>().map_err(|_| MoneyError::Overflow)
}

/// Formats minor units as a decimal with the currency code, e.g. `BRL 154.80`.
#[must_use]
pub fn format(minor: i64, currency: &str) -> String {
    let exp = exponent(currency);
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    if exp == 0 {
        return format!("{currency} {sign}{abs}");
    }
    let unit = 10u64.pow(exp);
    format!(
        "{currency} {sign}{}.{:0width$}",
        abs / unit,
        abs % unit,
        width = exp as usize
    )
}

/// `quantity × unit`, summed, without overflow.
pub fn line_total(quantity: i64, unit_minor: i64) -> Result<i64, MoneyError> {
    quantity.checked_mul(unit_minor).ok_or(MoneyError::Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_prices_become_minor_units() {
        let cases = [
            ("59.9", "BRL", Ok(5990)),
            ("35.00", "BRL", Ok(3500)),
            ("35", "BRL", Ok(3500)),
            ("0.1", "USD", Ok(10)),
            ("1500", "JPY", Ok(1500)),
            (
                "1.5",
                "JPY",
                Err(MoneyError::TooPrecise("1.5".into(), "JPY".into())),
            ),
            ("1.234", "KWD", Ok(1234)),
            (
                "1.999",
                "BRL",
                Err(MoneyError::TooPrecise("1.999".into(), "BRL".into())),
            ),
            ("-1", "BRL", Err(MoneyError::NotANumber("-1".into()))),
            ("1e3", "BRL", Err(MoneyError::NotANumber("1e3".into()))),
            ("", "BRL", Err(MoneyError::NotANumber(String::new()))),
        ];
        for (text, cur, want) in cases {
            assert_eq!(to_minor(text, cur), want, "{text} {cur}");
        }
    }

    #[test]
    fn totals_never_use_floats() {
        // 0.1 + 0.2 style sums stay exact.
        let total: i64 = ["0.10", "0.20"]
            .iter()
            .map(|p| to_minor(p, "USD").expect("price"))
            .sum();
        assert_eq!(total, 30);
        assert_eq!(line_total(3, 1999), Ok(5997));
        assert_eq!(line_total(i64::MAX, 2), Err(MoneyError::Overflow));
        assert_eq!(format(15480, "BRL"), "BRL 154.80");
        assert_eq!(format(1500, "JPY"), "JPY 1500");
        assert_eq!(format(1234, "KWD"), "KWD 1.234");
    }
}
