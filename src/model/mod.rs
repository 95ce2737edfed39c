//! Domain types only: ids, newtypes that parse their input, enums. No IO; imports nothing internal.

pub mod ai;
pub mod campaign;
mod contact;
mod contact_filter;
mod conversation;
mod custom_field;
mod field;
pub mod hours;
mod ids;
mod message;
pub mod money;
mod order;
mod outbound;
mod phone;
pub mod report;
pub mod schedule;
pub mod sheets;
mod tag;
mod template;
mod template_draft;
pub mod upload;
mod user;
mod zone;

pub use contact::{Contact, ContactId};
pub use contact_filter::{
    ContactFilter, ContactSort, FIELD_OPS, FieldCondition, FieldOp, MAX_SEARCH, OptIn, search_text,
};
pub use conversation::{Conversation, ConversationStatus, SERVICE_WINDOW, window_closes_at};
pub use custom_field::{CustomField, FIELD_KINDS, FieldKind, check_field_key};
pub use field::FieldError;
pub use ids::{ConversationId, MessageId, OrderId, TagId};
pub use message::{
    Content, DeliveryStatus, Direction, MediaRef, Message, MessageContext, MessageExtras,
    MetaError, OrderItem, Referral, SharedContact, SharedPhone,
};
pub use order::{ORDER_STATUSES, OrderStatus};
pub use outbound::{
    ListRow, ListSection, MediaKind, Outbound, OutboxState, ReplyButton, TemplateButtonParam,
    TemplateHeader, TemplateParam, check_param,
};
pub use phone::{PhoneE164, PhoneError};
pub use tag::{MAX_TAG_NAME, TAG_COLORS, Tag, check_tag};
pub use template::{Component, TemplateComponents, TemplateStatus};
pub use template_draft::{CATEGORIES, TemplateDraft};
pub use user::{Email, EmailError, EmailNotifications, Preferences, Role, User, UserId};
pub use zone::{Now, Zone, date_range};
