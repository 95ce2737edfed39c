//! A new message template as the business writes it, checked against Meta's rules before it is
//! submitted for review.

/// Template categories Meta accepts.
pub const CATEGORIES: &[&str] = &["UTILITY", "MARKETING", "AUTHENTICATION"];

/// A template to submit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateDraft {
    /// Lowercase letters, digits and underscores.
    pub name: String,
    /// Language code such as `pt_BR` or `en_US`.
    pub language: String,
    /// `UTILITY`, `MARKETING` or `AUTHENTICATION`.
    pub category: String,
    /// Optional plain-text header.
    pub header: Option<String>,
    /// Body with `{{1}}`, `{{2}}` … variables.
    pub body: String,
    /// Optional footer.
    pub footer: Option<String>,
    /// One example value per body variable, in order (Meta requires them).
    pub examples: Vec<String>,
    /// Up to three quick-reply buttons.
    pub quick_replies: Vec<String>,
}

/// Number of `{{n}}` variables, when they are numbered 1, 2, 3 … without gaps.
fn numbered_vars(text: &str) -> Result<usize, String> {
    let mut seen = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or("A variable is not closed with }}.")?;
        let n: usize = after[..end].trim().parse().map_err(|_| {
            format!(
                "`{{{{{}}}}}` is not a numbered variable like {{{{1}}}}.",
                &after[..end]
            )
        })?;
        seen.push(n);
        rest = &after[end + 2..];
    }
    seen.sort_unstable();
    seen.dedup();
    if seen.iter().enumerate().any(|(i, n)| *n != i + 1) {
        return Err("Variables must be numbered {{1}}, {{2}}, … without gaps.".into());
    }
    Ok(seen.len())
}

impl TemplateDraft {
    /// Checks every field; returns (field, message) pairs.
    pub fn validate(&self) -> Result<usize, Vec<(&'static str, String)>> {
        let mut e = Vec::new();
        let name_ok = !self.name.is_empty()
            && self.name.len() <= 512
            && self
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !name_ok {
            e.push((
                "name",
                "Use lowercase letters, digits and underscores, e.g. order_update.".to_string(),
            ));
        }
        let lang_ok = (2..=8).contains(&self.language.len())
            && self
                .language
                .bytes()
                .all(|b| b.is_ascii_alphabetic() || b == b'_');
        if !lang_ok {
            e.push((
                "language",
                "Use a language code such as en_US or pt_BR.".to_string(),
            ));
        }
        if !CATEGORIES.contains(&self.category.as_str()) {
            e.push((
                "category",
                "Choose utility, marketing or authentication.".to_string(),
            ));
        }
        if self.header.as_ref().is_some_and(|h| h.chars().count() > 60) {
            e.push((
                "header",
                "The header is limited to 60 characters.".to_string(),
            ));
        }
        if self.footer.as_ref().is_some_and(|f| f.chars().count() > 60) {
            e.push((
                "footer",
                "The footer is limited to 60 characters.".to_string(),
            ));
        }
        let mut vars = 0;
        if self.body.trim().is_empty() {
            e.push(("body", "Write the message text.".to_string()));
        } else if self.body.chars().count() > 1024 {
            e.push((
                "body",
                "The body is limited to 1024 characters.".to_string(),
            ));
        } else {
            match numbered_vars(&self.body) {
                Ok(n) => vars = n,
                Err(m) => e.push(("body", m)),
            }
        }
        if self.examples.len() != vars {
            e.push((
                "examples",
                format!(
                    "Give one example per variable: {vars} needed, {} given.",
                    self.examples.len()
                ),
            ));
        }
        if self.quick_replies.len() > 3 || self.quick_replies.iter().any(|q| q.chars().count() > 25)
        {
            e.push((
                "quick_replies",
                "Up to 3 quick replies of at most 25 characters.".to_string(),
            ));
        }
        if e.is_empty() { Ok(vars) } else { Err(e) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> TemplateDraft {
        TemplateDraft {
            name: "order_update".into(),
            language: "pt_BR".into(),
            category: "UTILITY".into(),
            body: "Olá {{1}}, seu pedido {{2}} saiu.".into(),
            examples: vec!["Ana".into(), "42".into()],
            ..TemplateDraft::default()
        }
    }

    #[test]
    fn a_good_draft_passes_and_counts_its_variables() {
        assert_eq!(draft().validate(), Ok(2));
    }

    #[test]
    fn every_problem_is_reported() {
        let bad = TemplateDraft {
            name: "Order Update".into(),
            language: "portuguese!".into(),
            category: "PROMO".into(),
            body: "Olá {{1}} e {{3}}".into(),
            examples: vec![],
            quick_replies: vec!["a".into(), "b".into(), "c".into(), "d".into()],
            ..TemplateDraft::default()
        };
        let fields: Vec<_> = bad
            .validate()
            .expect_err("bad")
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(
            fields,
            ["name", "language", "category", "body", "quick_replies"]
        );
        let missing = TemplateDraft {
            examples: vec!["Ana".into()],
            ..draft()
        };
        assert!(
            missing
                .validate()
                .is_err_and(|e| e[0].1.contains("2 needed, 1 given"))
        );
    }
}
