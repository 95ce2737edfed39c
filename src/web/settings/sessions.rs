//! `/settings/sessions`: where you are signed in (browser, address, sign-in time, last seen),
//! and ending one session or every other. Your own only; admins end someone else's from the
//! team page.

use crate::app::AppState;
use crate::web::cookies::FlashKind;
use crate::web::error::{AppError, Result};
use crate::web::extract::CurrentUser;
use crate::web::forms::redirect_with_flash;
use crate::web::layout::{Layout, Nav};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::Response;

/// One session as the page lists it.
pub struct SessionLine {
    id: i64,
    browser: String,
    ip: String,
    signed_in: String,
    last_seen: String,
    current: bool,
}

/// The page.
#[derive(Template, WebTemplate)]
#[template(path = "settings/sessions.html")]
pub struct SessionsPage {
    layout: Layout,
    sessions: Vec<SessionLine>,
}

/// "Firefox on Android" from a User-Agent, or the raw text when it is not recognised.
fn browser(ua: &str) -> String {
    let name = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .iter()
    .find(|(k, _)| ua.contains(k))
    .map(|(_, n)| *n);
    let os = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS", "macOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(k, _)| ua.contains(k))
    .map(|(_, n)| *n);
    match (name, os) {
        (Some(n), Some(o)) => format!("{n} on {o}"),
        (Some(n), None) => n.to_string(),
        (None, Some(o)) => format!("A browser on {o}"),
        (None, None) if ua.is_empty() => "Unknown browser".into(),
        (None, None) => ua.chars().take(60).collect(),
    }
}

/// `GET /settings/sessions`.
pub async fn sessions_page(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<SessionsPage> {
    let rows = state.auth.my_sessions(&user.session.user).await?;
    let zone = &user.ctx.zone;
    Ok(SessionsPage {
        layout: Layout::new(&user.ctx, "Where you are signed in", Nav::Settings),
        sessions: rows
            .into_iter()
            .map(|s| SessionLine {
                current: s.id == user.session.id,
                id: s.id,
                browser: browser(&s.user_agent),
                ip: s.ip,
                signed_in: crate::web::when::stamp(zone, s.created_at),
                last_seen: crate::web::when::stamp(zone, s.last_seen_at),
            })
            .collect(),
    })
}

/// `POST /settings/sessions/{id}/end`: ends one of your sessions.
pub async fn end_session(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response> {
    if !state
        .auth
        .end_my_session(&user.session.user, id, &user.ctx.client)
        .await?
    {
        return Err(AppError::NotFound);
    }
    let msg = if id == user.session.id {
        "This session ended."
    } else {
        "Session ended: that browser must sign in again."
    };
    Ok(redirect_with_flash(
        &state.cookies,
        "/settings/sessions",
        FlashKind::Success,
        msg,
    ))
}

/// `POST /settings/sessions/end-others`: ends every session but this one.
pub async fn end_other_sessions(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response> {
    let n = state
        .auth
        .end_other_sessions(&user.session.user, user.session.id, &user.ctx.client)
        .await?;
    Ok(redirect_with_flash(
        &state.cookies,
        "/settings/sessions",
        FlashKind::Success,
        &format!("Signed out everywhere else ({n} session(s) ended)."),
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn browsers_are_named_from_their_user_agent() {
        let chrome_android = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36";
        assert_eq!(super::browser(chrome_android), "Chrome on Android");
        assert_eq!(
            super::browser("Mozilla/5.0 (Windows NT 10.0; rv:133.0) Gecko/20100101 Firefox/133.0"),
            "Firefox on Windows"
        );
        assert_eq!(super::browser(""), "Unknown browser");
    }
}
