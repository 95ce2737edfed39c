//! Web addresses in message text become links: only `http://` and `https://`, cut before
//! trailing punctuation, everything else stays text (askama escapes both).

/// A run of message text: plain, or a link to itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextPart {
    /// The text shown.
    pub text: String,
    /// The address, for a link.
    pub href: Option<String>,
}

fn plain(text: &str) -> TextPart {
    TextPart {
        text: text.to_string(),
        href: None,
    }
}

/// Splits `text` into plain runs and links.
#[must_use]
pub fn parts(text: &str) -> Vec<TextPart> {
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        let start = ["http://", "https://"]
            .iter()
            .filter_map(|p| {
                rest.char_indices().map(|(i, _)| i).find(|&i| {
                    rest[i..]
                        .get(..p.len())
                        .is_some_and(|head| head.eq_ignore_ascii_case(p))
                        && (i == 0 || !rest[..i].ends_with(|c: char| c.is_alphanumeric()))
                })
            })
            .min();
        let Some(start) = start else { break };
        let len = rest[start..]
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '`'))
            .unwrap_or(rest.len() - start);
        let mut url = &rest[start..start + len];
        while url.ends_with(['.', ',', ';', ':', '!', '?', ')', ']', '}', '\'']) {
            url = &url[..url.len() - 1];
        }
        let scheme_only = url.trim_end_matches('/').ends_with(':');
        if start > 0 {
            out.push(plain(&rest[..start]));
        }
        if scheme_only {
            out.push(plain(url));
        } else {
            out.push(TextPart {
                text: url.to_string(),
                href: Some(url.to_string()),
            });
        }
        rest = &rest[start + url.len()..];
    }
    if !rest.is_empty() {
        out.push(plain(rest));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links(text: &str) -> Vec<String> {
        parts(text).into_iter().filter_map(|p| p.href).collect()
    }

    #[test]
    fn only_http_and_https_become_links_without_trailing_punctuation() {
        assert_eq!(
            links("Veja https://loja.example/p?id=1."),
            ["https://loja.example/p?id=1"]
        );
        assert_eq!(links("(http://a.example/x), ok"), ["http://a.example/x"]);
        assert!(links("javascript:alert(1) ftp://x.example data:text/html,hi").is_empty());
        assert!(links("https:// nothing").is_empty());
        assert!(
            links("xhttps://evil.example").is_empty(),
            "not inside a word"
        );
        let all: String = parts("a https://b.example c")
            .into_iter()
            .map(|p| p.text)
            .collect();
        assert_eq!(all, "a https://b.example c", "no text is lost");
        assert_eq!(links("HTTPS://UP.example"), ["HTTPS://UP.example"]);
        assert_eq!(
            links("Não é ótimo? https://ã.example/ç ok"),
            ["https://ã.example/ç"]
        );
        assert!(links("São Paulo, amanhã à tarde").is_empty());
    }
}
