//! The conversation page: timeline, composer (free-form while the 24-hour window is open,
//! approved templates otherwise), retry of failed messages, reactions. Every send goes through
//! `Crm::send`; viewing the page changes nothing (marking seen is a POST).

mod ai;
mod choices;
mod compose;
mod page;

use crate::app::AppState;

pub use ai::*;
pub use choices::*;
pub use compose::*;
pub use page::*;

/// The WhatsApp connection in force, when there is one.
pub(super) async fn meta_link(state: &AppState) -> Option<crate::crm::MetaLink> {
    Some(crate::crm::MetaLink {
        token: state.secret("whatsapp.access_token").await?,
        phone_number_id: state.crm.whatsapp_ids().await.ok()?.phone_number_id?,
        client: state.graph.clone(),
    })
}
