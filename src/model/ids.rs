//! Row ids as types of their own, so a message id can never be passed where a conversation id
//! is meant. (`ContactId` and `UserId` live with their records.)

use std::fmt;

macro_rules! row_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

row_id!(
    /// Primary key of a conversation.
    ConversationId
);
row_id!(
    /// Primary key of a message.
    MessageId
);
row_id!(
    /// Primary key of a tag.
    TagId
);
row_id!(
    /// Primary key of an order.
    OrderId
);
