//! The finders behind [`super::Redactor`]: each adds (start, end, kind) byte spans of `text`
//! that do not overlap a span an earlier finder took. Hand-written scanners (no regex engine):
//! linear in the text, which keeps a 2,000-message request in milliseconds.

use super::Kind;

type Spans = Vec<(usize, usize, Kind)>;

fn free(spans: &Spans, start: usize, end: usize) -> bool {
    spans.iter().all(|(s, e, _)| end <= *s || start >= *e)
}

fn word_char_before(text: &str, at: usize) -> bool {
    text[..at]
        .chars()
        .next_back()
        .is_some_and(char::is_alphanumeric)
}

fn word_char_after(text: &str, at: usize) -> bool {
    text[at..].chars().next().is_some_and(char::is_alphanumeric)
}

/// `local@domain.tld`.
pub(super) fn emails(text: &str, spans: &mut Spans) {
    let b = text.as_bytes();
    let local = |c: u8| c.is_ascii_alphanumeric() || b"._%+-".contains(&c);
    let domain = |c: u8| c.is_ascii_alphanumeric() || c == b'.' || c == b'-';
    for (at, _) in text.match_indices('@') {
        let mut start = at;
        while start > 0 && local(b[start - 1]) {
            start -= 1;
        }
        let mut end = at + 1;
        while end < b.len() && domain(b[end]) {
            end += 1;
        }
        while end > at + 1 && b[end - 1] == b'.' {
            end -= 1;
        }
        let host = &text[at + 1..end];
        let tld_ok = host.rsplit_once('.').is_some_and(|(name, tld)| {
            !name.is_empty() && tld.len() >= 2 && tld.bytes().all(|c| c.is_ascii_alphabetic())
        });
        if start < at && tld_ok && free(spans, start, end) {
            spans.push((start, end, Kind::Email));
        }
    }
}

/// Two letters, two check digits, then up to 30 letters or digits (single spaces allowed
/// between groups), 15 to 34 characters in all, that pass the ISO 13616 mod-97 check.
pub(super) fn ibans(text: &str, spans: &mut Spans) {
    let b = text.as_bytes();
    let mut i = 0;
    while i + 4 <= b.len() {
        let starts = b[i].is_ascii_uppercase()
            && b[i + 1].is_ascii_uppercase()
            && b[i + 2].is_ascii_digit()
            && b[i + 3].is_ascii_digit()
            && !word_char_before(text, i);
        if !starts {
            i += 1;
            continue;
        }
        // Candidate ends (byte offsets) after each alphanumeric character.
        let mut chars = 0;
        let mut ends = Vec::new();
        let mut j = i;
        while j < b.len() && chars < 34 {
            if b[j].is_ascii_alphanumeric() {
                chars += 1;
                j += 1;
                if chars >= 15 && !(j < b.len() && b[j].is_ascii_alphanumeric()) {
                    ends.push((j, chars));
                }
            } else if b[j] == b' ' && j + 1 < b.len() && b[j + 1].is_ascii_alphanumeric() && j > i {
                j += 1;
            } else {
                break;
            }
        }
        let found = ends
            .iter()
            .rev()
            .find(|(end, _)| mod97(&text[i..*end]) && !word_char_after(text, *end));
        if let Some((end, _)) = found {
            if free(spans, i, *end) {
                spans.push((i, *end, Kind::Iban));
            }
            i = *end;
        } else {
            i += 1;
        }
    }
}

fn mod97(iban: &str) -> bool {
    let s: Vec<u8> = iban
        .bytes()
        .filter(u8::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if s.len() < 15 {
        return false;
    }
    let mut rem: u32 = 0;
    for c in s[4..].iter().chain(&s[..4]) {
        let v = if c.is_ascii_digit() {
            u32::from(c - b'0')
        } else {
            u32::from(c - b'A') + 10
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(k, d)| {
            let d = u32::from(*d);
            if k % 2 == 1 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Runs of digits with spaces, dashes, dots, slashes or brackets between them: 13 to 19 digits
/// that pass Luhn are card numbers; 8 to 15 digits (7 with a leading `+`) are phone numbers.
/// A date written `2026-12-01` is neither.
pub(super) fn numbers(text: &str, spans: &mut Spans) {
    let b = text.as_bytes();
    let sep = |c: u8| b" -./()".contains(&c);
    let mut i = 0;
    while i < b.len() {
        let plus = b[i] == b'+' && i + 1 < b.len() && b[i + 1].is_ascii_digit();
        let open = b[i] == b'(' && i + 1 < b.len() && b[i + 1].is_ascii_digit();
        if !(b[i].is_ascii_digit() || plus || open) || word_char_before(text, i) {
            i += 1;
            continue;
        }
        let start = i;
        let mut j = i + usize::from(plus || open);
        let mut digits = Vec::new();
        let mut last_digit_end = j;
        while j < b.len() {
            if b[j].is_ascii_digit() {
                digits.push(b[j] - b'0');
                j += 1;
                last_digit_end = j;
            } else if sep(b[j])
                && j + 1 < b.len()
                && (b[j + 1].is_ascii_digit() || (b[j] == b' ' && b[j + 1] == b'(') || b[j] == b')')
            {
                j += 1;
            } else {
                break;
            }
        }
        let end = last_digit_end;
        let candidate = &text[start..end];
        let n = digits.len();
        let date = is_date(candidate);
        let kind = if !date && (13..=19).contains(&n) && luhn(&digits) {
            Some(Kind::Card)
        } else if !date && (n >= 8 || (plus && n >= 7)) && n <= 15 {
            Some(Kind::Phone)
        } else {
            None
        };
        if let Some(kind) = kind
            && !word_char_after(text, end)
            && free(spans, start, end)
        {
            spans.push((start, end, kind));
        }
        i = end.max(i + 1);
    }
}

fn is_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split(['-', '/', '.']).collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
        && (parts[0].len() == 4 || parts[2].len() == 4 || parts[2].len() == 2)
        && parts.iter().all(|p| p.len() <= 4)
}

/// The contact's names (already lower-case, longest first), whole words, any case.
pub(super) fn names(text: &str, names: &[String], spans: &mut Spans) {
    if names.is_empty() {
        return;
    }
    let lower = text.to_lowercase();
    // Lower-casing can change byte lengths (rare scripts); then only exact-length matches count.
    let same = lower.len() == text.len();
    for name in names {
        let hay = if same { lower.as_str() } else { text };
        for (at, m) in hay.match_indices(name.as_str()) {
            let end = at + m.len();
            if text.is_char_boundary(at)
                && text.is_char_boundary(end)
                && !word_char_before(text, at)
                && !word_char_after(text, end)
                && free(spans, at, end)
            {
                spans.push((at, end, Kind::Name));
            }
        }
    }
}
