//! `PhoneE164`: a phone number in E.164 form (`+` and 6 to 15 digits).

use std::fmt;

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
    use super::PhoneE164;

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
