//! The contact page: profile, custom fields (edit), consent ledger (record opt-in/out), notes,
//! orders, conversations and a merged timeline.

mod consent;
mod fields;
mod message;
mod message_send;
mod notes;
mod page;
mod privacy;
mod view;

use crate::model::FieldError;

pub use consent::*;
pub use fields::*;
pub use message::*;
pub use message_send::*;
pub use notes::*;
pub use page::*;
pub use privacy::*;
pub use view::*;

/// Field values as typed, with their problems.
type Typed = (Vec<(String, String)>, Vec<FieldError>);
