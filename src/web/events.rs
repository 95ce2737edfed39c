//! `GET /events`: server-sent events for signed-in browsers. Each event names a conversation
//! that changed (`event: conversation`, `data: <id>`); pages fetch what they show again. A
//! listener that falls behind gets `event: reload`.

use super::extract::CurrentUser;
use crate::app::{AppState, Event};
use axum::extract::State;
use axum::response::sse::{self, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// `GET /events`.
pub async fn stream(
    State(state): State<AppState>,
    _user: CurrentUser,
) -> Sse<impl Stream<Item = Result<sse::Event, Infallible>>> {
    let rx = state.crm.events.subscribe();
    let events = stream::unfold(rx, |mut rx| async move {
        let e = match rx.recv().await {
            Ok(Event::Conversation(id)) => sse::Event::default()
                .event("conversation")
                .data(id.to_string()),
            Err(RecvError::Lagged(_)) => sse::Event::default().event("reload").data("1"),
            Err(RecvError::Closed) => return None,
        };
        Some((Ok(e), rx))
    });
    let hello = stream::once(async { Ok(sse::Event::default().event("ready").data("1")) });
    Sse::new(futures_util::StreamExt::chain(hello, events))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(20)))
}
