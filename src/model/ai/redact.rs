//! Redaction before any text leaves for the AI endpoint: phone numbers, email addresses, card
//! numbers (Luhn checked), IBANs (mod-97 checked) and the contact's names become stable
//! placeholders (`[PHONE_1]`, `[EMAIL_1]`, `[CARD_1]`, `[IBAN_1]`, `[NAME_1]`): the same value
//! gets the same placeholder across every message of one request, and [`Redactor::restore`]
//! puts the originals back into what the model answered.

use std::collections::HashMap;
use std::fmt;

/// What a placeholder stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A phone number.
    Phone,
    /// An email address.
    Email,
    /// A payment card number.
    Card,
    /// An IBAN.
    Iban,
    /// One of the contact's names.
    Name,
}

impl Kind {
    const ALL: [Self; 5] = [Self::Phone, Self::Email, Self::Card, Self::Iban, Self::Name];

    fn tag(self) -> &'static str {
        match self {
            Self::Phone => "PHONE",
            Self::Email => "EMAIL",
            Self::Card => "CARD",
            Self::Iban => "IBAN",
            Self::Name => "NAME",
        }
    }

    fn words(self, n: usize) -> &'static str {
        match (self, n == 1) {
            (Self::Phone, true) => "phone number",
            (Self::Phone, false) => "phone numbers",
            (Self::Email, true) => "email",
            (Self::Email, false) => "emails",
            (Self::Card, true) => "card number",
            (Self::Card, false) => "card numbers",
            (Self::Iban, true) => "IBAN",
            (Self::Iban, false) => "IBANs",
            (Self::Name, true) => "name",
            (Self::Name, false) => "names",
        }
    }
}

/// How many distinct values of each kind were replaced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Phone numbers.
    pub phone: usize,
    /// Email addresses.
    pub email: usize,
    /// Card numbers.
    pub card: usize,
    /// IBANs.
    pub iban: usize,
    /// Names.
    pub name: usize,
}

impl Counts {
    fn get(&self, kind: Kind) -> usize {
        match kind {
            Kind::Phone => self.phone,
            Kind::Email => self.email,
            Kind::Card => self.card,
            Kind::Iban => self.iban,
            Kind::Name => self.name,
        }
    }

    /// Nothing was replaced.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        Kind::ALL.iter().all(|k| self.get(*k) == 0)
    }

    /// The compact form the AI log stores: `phone=2 email=1` (empty when nothing).
    #[must_use]
    pub fn code(&self) -> String {
        Kind::ALL
            .iter()
            .filter(|k| self.get(**k) > 0)
            .map(|k| format!("{}={}", k.tag().to_lowercase(), self.get(*k)))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Reads [`Counts::code`] back.
    #[must_use]
    pub fn parse(code: &str) -> Self {
        let mut c = Self::default();
        for part in code.split_whitespace() {
            let Some((k, n)) = part.split_once('=') else {
                continue;
            };
            let n = n.parse().unwrap_or(0);
            match k {
                "phone" => c.phone = n,
                "email" => c.email = n,
                "card" => c.card = n,
                "iban" => c.iban = n,
                "name" => c.name = n,
                _ => {}
            }
        }
        c
    }
}

impl fmt::Display for Counts {
    /// "2 phone numbers, 1 email" (or "nothing").
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = Kind::ALL
            .iter()
            .filter(|k| self.get(**k) > 0)
            .map(|k| format!("{} {}", self.get(*k), k.words(self.get(*k))))
            .collect();
        if parts.is_empty() {
            f.write_str("nothing")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

/// Words inside names that are ordinary words too ("Maria dos Santos"): hidden only as part of
/// the whole name, so the rest of the conversation keeps them.
const PARTICLES: [&str; 12] = [
    "dos", "das", "del", "der", "den", "van", "von", "los", "las", "the", "and", "bin",
];

/// Replaces identifiers with placeholders and restores them; one per AI request.
#[derive(Debug, Default)]
pub struct Redactor {
    /// The contact's names, lower-cased, longest first.
    names: Vec<String>,
    /// (kind, normalised value) → placeholder.
    seen: HashMap<(Kind, String), String>,
    /// placeholder → the original text.
    originals: HashMap<String, String>,
    counts: Counts,
}

impl Redactor {
    /// A redactor that also hides `names` (the contact's name and profile name: the whole name
    /// and each word of three letters or more).
    #[must_use]
    pub fn new(names: &[&str]) -> Self {
        let mut list: Vec<String> = Vec::new();
        for name in names {
            let name = name.trim();
            if name.chars().count() >= 2 {
                list.push(name.to_lowercase());
            }
            for word in name.split(|c: char| !c.is_alphanumeric()) {
                if word.chars().count() >= 3 && !PARTICLES.contains(&word.to_lowercase().as_str()) {
                    list.push(word.to_lowercase());
                }
            }
        }
        list.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
        list.dedup();
        Self {
            names: list,
            ..Self::default()
        }
    }

    /// What has been replaced so far.
    #[must_use]
    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// `text` with every identifier replaced by its placeholder.
    pub fn redact(&mut self, text: &str) -> String {
        let mut spans: Vec<(usize, usize, Kind)> = Vec::new();
        scan::emails(text, &mut spans);
        scan::ibans(text, &mut spans);
        scan::numbers(text, &mut spans);
        scan::names(text, &self.names, &mut spans);
        spans.sort_unstable_by_key(|s| s.0);
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (start, end, kind) in spans {
            out.push_str(&text[at..start]);
            out.push_str(&self.placeholder(kind, &text[start..end]));
            at = end;
        }
        out.push_str(&text[at..]);
        out
    }

    fn placeholder(&mut self, kind: Kind, value: &str) -> String {
        let key = match kind {
            Kind::Phone | Kind::Card | Kind::Iban => value
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_uppercase(),
            Kind::Email | Kind::Name => value.to_lowercase(),
        };
        if let Some(p) = self.seen.get(&(kind, key.clone())) {
            return p.clone();
        }
        let n = match kind {
            Kind::Phone => &mut self.counts.phone,
            Kind::Email => &mut self.counts.email,
            Kind::Card => &mut self.counts.card,
            Kind::Iban => &mut self.counts.iban,
            Kind::Name => &mut self.counts.name,
        };
        *n += 1;
        let p = format!("[{}_{}]", kind.tag(), n);
        self.seen.insert((kind, key), p.clone());
        self.originals.insert(p.clone(), value.to_string());
        p
    }

    /// `text` (the model's answer) with every placeholder this redactor made put back.
    #[must_use]
    pub fn restore(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(open) = rest.find('[') {
            out.push_str(&rest[..open]);
            let tail = &rest[open..];
            match tail.find(']').map(|close| &tail[..=close]) {
                Some(p) if self.originals.contains_key(p) => {
                    out.push_str(&self.originals[p]);
                    rest = &tail[p.len()..];
                }
                _ => {
                    out.push('[');
                    rest = &tail[1..];
                }
            }
        }
        out.push_str(rest);
        out
    }
}

mod scan;

#[cfg(test)]
mod tests;
