//! What a message may carry besides its content: the quoted message, forwarding, a referred
//! product and the click-to-WhatsApp referral.

use serde::{Deserialize, Serialize};

/// Where a message came from: a reply, a forward, a question about a catalog product.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MessageContext {
    /// The message this one quotes (a reply).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quoted_wamid: Option<String>,
    /// Sender of the quoted message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quoted_from: Option<String>,
    /// Forwarded.
    #[serde(default)]
    pub forwarded: bool,
    /// Forwarded many times.
    #[serde(default)]
    pub frequently_forwarded: bool,
    /// Catalog product the customer asks about: (catalog id, product retailer id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referred_product: Option<(String, String)>,
}

/// A click-to-WhatsApp ad or post that started the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Referral {
    /// `ad` or `post`.
    pub source_type: String,
    /// Ad or post id.
    pub source_id: String,
    /// Link to the ad or post.
    pub source_url: String,
    /// Ad headline.
    pub headline: Option<String>,
    /// Ad body.
    pub body: Option<String>,
    /// `image` or `video`.
    pub media_type: Option<String>,
    /// Ad image.
    pub image_url: Option<String>,
    /// Ad video.
    pub video_url: Option<String>,
    /// Click id for conversion reporting.
    pub ctwa_clid: Option<String>,
}

/// Reply context and ad referral, stored beside the content.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MessageExtras {
    /// Reply / forward / product context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<MessageContext>,
    /// Ad referral.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral: Option<Referral>,
}

impl MessageExtras {
    /// True when there is nothing to store.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.context.is_none() && self.referral.is_none()
    }
}
