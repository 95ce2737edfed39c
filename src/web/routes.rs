//! The page routes' rules, in one table. Every page route is added through [`Routes`] with its
//! [`Need`] (a rule of `crm::access`), so none can exist without one; [`enforce`] checks it on
//! every request before the handler runs (signed-out visitors go to the sign-in page, a role
//! that does not meet it gets 403 with the reason), and `route_rules` hands the same table to the
//! tests that walk every route for every role.

use super::context::RequestCtx;
use super::error::AppError;
use crate::app::AppState;
use crate::crm::access::{self, Need, Who};
use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::handler::Handler;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::MethodRouter;
use std::collections::HashMap;
use std::sync::Arc;

/// One route and its rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteRule {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The path pattern, e.g. `/contacts/{id}`.
    pub path: &'static str,
    /// What it needs.
    pub need: Need,
}

/// A router under construction that records each route's rule.
pub struct Routes {
    router: Router<AppState>,
    rules: Vec<RouteRule>,
}

impl Routes {
    pub fn new() -> Self {
        Self {
            router: Router::new(),
            rules: Vec::new(),
        }
    }

    fn add(
        mut self,
        method: &'static str,
        path: &'static str,
        need: Need,
        mr: MethodRouter<AppState>,
    ) -> Self {
        self.rules.push(RouteRule { method, path, need });
        self.router = self.router.route(path, mr);
        self
    }

    /// A page (`GET`).
    pub fn get<H, T>(self, path: &'static str, need: Need, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add("GET", path, need, axum::routing::get(handler))
    }

    /// A form action (`POST`).
    pub fn post<H, T>(self, path: &'static str, need: Need, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add("POST", path, need, axum::routing::post(handler))
    }

    /// A form action with its own layers (an upload's body limit).
    pub fn post_with(self, path: &'static str, need: Need, mr: MethodRouter<AppState>) -> Self {
        self.add("POST", path, need, mr)
    }

    /// Adds another group's routes.
    pub fn merge(mut self, other: Routes) -> Self {
        self.rules.extend(other.rules);
        self.router = self.router.merge(other.router);
        self
    }

    /// The router, with [`enforce`] on every route, and the table.
    pub fn finish(self) -> (Router<AppState>, Arc<Vec<RouteRule>>) {
        let table: HashMap<(&'static str, &'static str), Need> = self
            .rules
            .iter()
            .map(|r| ((r.method, r.path), r.need))
            .collect();
        let table = Arc::new(table);
        let router = self
            .router
            .route_layer(axum::middleware::from_fn(move |req, next| {
                enforce(Arc::clone(&table), req, next)
            }));
        (router, Arc::new(self.rules))
    }
}

/// Checks the matched route's rule for the person asking (the session layer ran first).
async fn enforce(
    table: Arc<HashMap<(&'static str, &'static str), Need>>,
    req: Request,
    next: Next,
) -> Response {
    let method = if req.method() == Method::HEAD {
        "GET"
    } else {
        req.method().as_str()
    };
    let path = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string());
    // No rule (cannot happen for a route added through `Routes`): refused, never open.
    let Some(need) = path
        .as_deref()
        .and_then(|p| table.get(&(method, p)))
        .copied()
    else {
        return AppError::Forbidden.into_response();
    };
    if need == Need::Public {
        return next.run(req).await;
    }
    let session = req
        .extensions()
        .get::<RequestCtx>()
        .and_then(|c| c.session.clone());
    let Some(session) = session else {
        let here = req.uri().path_and_query().map_or("/", |p| p.as_str());
        let q = serde_urlencoded::to_string([("next", here)]).unwrap_or_default();
        return Redirect::to(&format!("/login?{q}")).into_response();
    };
    match access::check_need(need, Who::user(session.user.id, session.user.role)) {
        Ok(()) => next.run(req).await,
        Err(denied) => AppError::from(denied).into_response(),
    }
}
