//! Unknown query parameters are refused with a 422 naming them, as unknown body members are.
//! What each operation accepts is read from the OpenAPI document the routes are built from, so
//! a documented parameter is always accepted and an undocumented one never is.

use super::error::ApiError;
use crate::model::FieldError;
use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Arc;
use utoipa::openapi::RefOr;
use utoipa::openapi::path::ParameterIn;

/// Query parameter names by (method, path template relative to `/api/v1`).
#[derive(Debug, Default)]
pub struct Accepted(HashMap<(Method, String), Vec<String>>);

impl Accepted {
    /// Reads every operation's query parameters from `doc`.
    #[must_use]
    pub fn from_doc(doc: &utoipa::openapi::OpenApi) -> Self {
        let mut map = HashMap::new();
        for (path, item) in &doc.paths.paths {
            let ops = [
                (Method::GET, &item.get),
                (Method::PUT, &item.put),
                (Method::POST, &item.post),
                (Method::DELETE, &item.delete),
                (Method::PATCH, &item.patch),
            ];
            for (method, op) in ops {
                let Some(op) = op else { continue };
                let names = op
                    .parameters
                    .iter()
                    .flatten()
                    .filter_map(|p| match p {
                        RefOr::T(p) if matches!(p.parameter_in, ParameterIn::Query) => {
                            Some(p.name.clone())
                        }
                        _ => None,
                    })
                    .collect();
                map.insert((method, path.clone()), names);
            }
        }
        Self(map)
    }

    /// The problems with `query` for this operation: one per unknown parameter name.
    fn check(&self, method: &Method, template: &str, query: &str) -> Vec<FieldError> {
        let Some(known) = self.0.get(&(method.clone(), template.to_string())) else {
            return Vec::new();
        };
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
        let mut unknown: Vec<String> = pairs
            .into_iter()
            .map(|(k, _)| k)
            .filter(|k| !known.contains(k))
            .collect();
        unknown.sort_unstable();
        unknown.dedup();
        let accepted = if known.is_empty() {
            "This operation takes no query parameters.".to_string()
        } else {
            format!("This operation accepts: {}.", known.join(", "))
        };
        unknown
            .into_iter()
            .map(|k| FieldError::new(k, format!("Unknown query parameter. {accepted}")))
            .collect()
    }
}

/// Middleware (after routing): refuses unknown query parameters.
pub async fn refuse_unknown(
    accepted: Arc<Accepted>,
    matched: Option<MatchedPath>,
    req: Request,
    next: Next,
) -> Response {
    if let (Some(m), Some(query)) = (matched, req.uri().query()) {
        let template = m.as_str().strip_prefix("/api/v1").unwrap_or(m.as_str());
        let problems = accepted.check(req.method(), template, query);
        if !problems.is_empty() {
            return ApiError::Invalid(problems).into_response();
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn documented_parameters_pass_and_others_are_named() {
        let accepted = super::Accepted::from_doc(&super::super::openapi());
        let get = axum::http::Method::GET;
        assert!(
            accepted
                .check(&get, "/contacts", "q=ana&tag=1&limit=5")
                .is_empty()
        );
        let bad = accepted.check(&get, "/contacts", "q=ana&colour=red&colour=blue");
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].field, "colour");
        assert!(
            bad[0].message.contains("accepts: q, tag"),
            "{}",
            bad[0].message
        );
        let none = accepted.check(&get, "/contacts/{id}", "x=1");
        assert!(none[0].message.contains("takes no query parameters"));
    }
}
