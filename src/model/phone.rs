//! `PhoneE164`: a phone number in E.164 form (`+` and 6 to 15 digits).

use std::fmt;

/// Why a typed phone number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Nothing typed.
    #[error("Enter a phone number.")]
    Empty,
    /// No country code and no default region configured.
    #[error("Add the country code, e.g. +55 11 98888-7777 (or set crm.default_region).")]
    NoCountry,
    /// Not a number that exists in that country's numbering plan.
    #[error("{0} is not a valid phone number.")]
    Invalid(String),
}

/// A phone number in E.164 form, e.g. `+5511988887777`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct PhoneE164(String);

impl PhoneE164 {
    /// Parses an international number as WhatsApp sends it (`5511988887777`, `+55 11 98888-7777`):
    /// digits with an optional leading `+`, spaces, dashes, dots and brackets ignored.
    #[must_use]
    pub fn from_international(input: &str) -> Option<Self> {
        let trimmed = input.trim();
        let rest = trimmed.strip_prefix('+').unwrap_or(trimmed);
        let mut digits = String::with_capacity(16);
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return None,
            }
        }
        let ok = (6..=15).contains(&digits.len()) && !digits.starts_with('0');
        ok.then(|| Self(format!("+{digits}")))
    }

    /// Parses a number typed by a person: international (`+55 11 98888-7777`, `0055…`) or
    /// national in `default_region` (`(11) 98888-7777` with `BR`), validated against the
    /// numbering plan (libphonenumber metadata).
    pub fn parse(input: &str, default_region: Option<&str>) -> Result<Self, PhoneError> {
        let typed = input.trim();
        if typed.is_empty() {
            return Err(PhoneError::Empty);
        }
        let international = typed.starts_with('+') || typed.starts_with("00");
        let region = if international {
            None
        } else {
            let id = default_region.filter(|r| !r.is_empty()).and_then(|r| {
                r.to_ascii_uppercase()
                    .parse::<phonenumber::country::Id>()
                    .ok()
            });
            Some(id.ok_or(PhoneError::NoCountry)?)
        };
        let normalized = typed
            .strip_prefix("00")
            .map_or_else(|| typed.to_string(), |rest| format!("+{rest}"));
        let number = phonenumber::parse(region, &normalized)
            .map_err(|_| PhoneError::Invalid(typed.to_string()))?;
        if !phonenumber::is_valid(&number) {
            return Err(PhoneError::Invalid(typed.to_string()));
        }
        let e164 = number.format().mode(phonenumber::Mode::E164).to_string();
        Self::from_international(&e164).ok_or_else(|| PhoneError::Invalid(typed.to_string()))
    }

    /// Other forms the same line is known by on WhatsApp: Brazil's mobile ninth digit
    /// (+55 AA 9XXXX-XXXX vs +55 AA XXXX-XXXX), Mexico's former mobile `1` (+52 1 …) and
    /// Argentina's mobile `9` (+54 9 …).
    #[must_use]
    pub fn variants(&self) -> Vec<PhoneE164> {
        let d = &self.0[1..];
        let mut out = Vec::new();
        let mut push = |s: String| out.push(PhoneE164(format!("+{s}")));
        if let Some(rest) = d.strip_prefix("55") {
            let (area, sub) = rest.split_at(rest.len().min(2));
            if sub.len() == 9 && sub.starts_with('9') {
                push(format!("55{area}{}", &sub[1..]));
            } else if sub.len() == 8 && sub.starts_with(['6', '7', '8', '9']) {
                push(format!("55{area}9{sub}"));
            }
        } else if let Some(rest) = d.strip_prefix("52") {
            if rest.len() == 11 && rest.starts_with('1') {
                push(format!("52{}", &rest[1..]));
            } else if rest.len() == 10 {
                push(format!("521{rest}"));
            }
        } else if let Some(rest) = d.strip_prefix("54") {
            if rest.len() == 11 && rest.starts_with('9') {
                push(format!("54{}", &rest[1..]));
            } else if rest.len() == 10 {
                push(format!("549{rest}"));
            }
        }
        out
    }

    /// The number with its leading `+`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Wraps a value read back from the store (already normalised).
    #[must_use]
    pub fn from_stored(s: String) -> Self {
        Self(s)
    }
}

impl fmt::Display for PhoneE164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::{PhoneE164, PhoneError};

    #[test]
    fn typed_numbers_parse_with_a_default_region_and_are_validated() {
        let cases: &[(&str, Option<&str>, Result<&str, PhoneError>)] = &[
            ("+55 11 98888-7777", None, Ok("+5511988887777")),
            ("(11) 98888-7777", Some("BR"), Ok("+5511988887777")),
            ("011 98888 7777", Some("br"), Ok("+5511988887777")),
            ("0055 11 98888 7777", None, Ok("+5511988887777")),
            ("(415) 555-2671", Some("US"), Ok("+14155552671")),
            ("+44 20 7946 0958", Some("BR"), Ok("+442079460958")),
            ("98888-7777", None, Err(PhoneError::NoCountry)),
            ("", Some("BR"), Err(PhoneError::Empty)),
            (
                "+55 11 1234",
                None,
                Err(PhoneError::Invalid("+55 11 1234".into())),
            ),
            (
                "not a phone",
                Some("BR"),
                Err(PhoneError::Invalid("not a phone".into())),
            ),
        ];
        for (input, region, want) in cases {
            let got = PhoneE164::parse(input, *region);
            assert_eq!(
                got.as_ref().map(PhoneE164::as_str).map_err(Clone::clone),
                want.clone(),
                "{input} {region:?}"
            );
        }
    }

    #[test]
    fn known_national_variants_of_the_same_line() {
        let v = |s: &str| -> Vec<String> {
            PhoneE164::from_international(s)
                .expect("phone")
                .variants()
                .into_iter()
                .map(|p| p.0)
                .collect()
        };
        assert_eq!(
            v("+5511988887777"),
            ["+551188887777"],
            "Brazil mobile without the 9"
        );
        assert_eq!(
            v("+551188887777"),
            ["+5511988887777"],
            "Brazil mobile with the 9"
        );
        assert!(
            v("+551133334444").is_empty(),
            "Brazil landline has no variant"
        );
        assert_eq!(
            v("+5215512345678"),
            ["+525512345678"],
            "Mexico old mobile prefix"
        );
        assert_eq!(v("+525512345678"), ["+5215512345678"]);
        assert_eq!(v("+5491112345678"), ["+541112345678"], "Argentina mobile 9");
        assert!(v("+14155552671").is_empty());
    }

    #[test]
    fn international_numbers_normalise_to_e164() {
        let cases = [
            ("5511988887777", Some("+5511988887777")),
            ("+5511988887777", Some("+5511988887777")),
            ("+55 (11) 98888-7777", Some("+5511988887777")),
            ("16505551234", Some("+16505551234")),
            ("12345", None),
            ("1234567890123456", None),
            ("0511988887777", None),
            ("55119888x7777", None),
            ("", None),
        ];
        for (input, want) in cases {
            assert_eq!(
                PhoneE164::from_international(input)
                    .as_ref()
                    .map(PhoneE164::as_str),
                want,
                "{input}"
            );
        }
    }
}
