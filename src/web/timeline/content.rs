//! One message as a timeline bubble shows it: its content view, delivery tick and error line.

use super::Bubble;
use crate::db::messages::TimelineItem;
use crate::model::{Content, DeliveryStatus, Direction, OutboxState};

pub(super) fn tick(item: &TimelineItem) -> &'static str {
    if item.message.direction == Direction::In {
        return "";
    }
    // Sent from the phone: FlowCRM knows only the ticks Meta reports for it.
    if item.message.via_business_app && item.message.status.is_none() {
        return "";
    }
    match (item.message.status, item.outbox_state) {
        (_, Some(OutboxState::NeedsTemplate)) => "needs template",
        (Some(DeliveryStatus::Failed), _) | (_, Some(OutboxState::Failed)) => "failed",
        (Some(s), _) => s.as_str(),
        (None, Some(OutboxState::Queued | OutboxState::Sending)) => "queued",
        (None, Some(OutboxState::Unknown)) => "unconfirmed",
        (None, _) => "accepted",
    }
}

/// Meta's error for a message, as one line.
pub(super) fn error_text(m: &crate::model::Message) -> String {
    m.error
        .as_ref()
        .map(|e| {
            format!("{} ({}): {}", e.title, e.code, e.details)
                .trim_end_matches([':', ' '])
                .to_string()
        })
        .unwrap_or_default()
}

pub(super) fn content_view(
    b: &mut Bubble,
    content: &Content,
    products: &std::collections::HashMap<String, String>,
) {
    match content {
        Content::Image(_) => b.media_kind = "image",
        Content::Video(_) => b.media_kind = "video",
        Content::Audio { .. } => b.media_kind = "audio",
        Content::Document(m) => {
            b.media_kind = "document";
            b.details
                .push(m.filename.clone().unwrap_or_else(|| "document".into()));
        }
        Content::Sticker { .. } => b.media_kind = "sticker",
        Content::Location {
            latitude,
            longitude,
            name,
            address,
            ..
        } => {
            b.text = "📍 Location".into();
            b.details
                .extend([name.clone(), address.clone()].into_iter().flatten());
            if let (Some(latitude), Some(longitude)) = (latitude, longitude) {
                b.details.push(format!("{latitude:.5}, {longitude:.5}"));
                b.link = Some((
                    format!(
                        "https://www.openstreetmap.org/?mlat={latitude}&mlon={longitude}#map=17/{latitude}/{longitude}"
                    ),
                    "Open map".into(),
                ));
            }
        }
        Content::Contacts { contacts } => {
            for c in contacts {
                let phones: Vec<_> = c.phones.iter().map(|p| p.phone.as_str()).collect();
                b.details.push(
                    format!("{} {}", c.name, phones.join(", "))
                        .trim()
                        .to_string(),
                );
            }
        }
        Content::ButtonReply { title, .. } | Content::ListReply { title, .. } => {
            b.details.push(format!("Chose: {title}"));
        }
        Content::QuickReply { text, .. } => b.details.push(format!("Tapped: {text}")),
        Content::Order {
            items, catalog_id, ..
        } => {
            for i in items {
                let what = products.get(&i.product_retailer_id).map_or_else(
                    || i.product_retailer_id.clone(),
                    |name| format!("{name} ({})", i.product_retailer_id),
                );
                b.details.push(format!(
                    "{} × {what} @ {} {}",
                    i.quantity, i.item_price, i.currency
                ));
            }
            b.details.push(format!("Catalog {catalog_id}"));
        }
        Content::Unsupported { .. }
        | Content::System { .. }
        | Content::Revoke { .. }
        | Content::Deleted { .. }
        | Content::Call { .. }
        | Content::CallPermission { .. } => {
            b.notice = true;
        }
        _ => {}
    }
}

/// The times of a call and of a call permission, in the viewer's zone.
pub(super) fn call_details(b: &mut Bubble, content: &Content, zone: &crate::model::Zone) {
    let at = |t: i64| {
        time::OffsetDateTime::from_unix_timestamp(t)
            .ok()
            .map(|t| crate::web::when::stamp(zone, t))
    };
    match content {
        Content::Call {
            started_at,
            ended_at,
            ..
        } => {
            if let Some(s) = started_at.and_then(at) {
                b.details.push(format!("Connected {s}"));
            }
            if let Some(e) = ended_at.and_then(at) {
                b.details.push(format!("Ended {e}"));
            }
        }
        Content::CallPermission {
            response,
            expires_at,
            ..
        } => {
            if response == "accept" {
                match expires_at.and_then(at) {
                    Some(until) => b.details.push(format!("Permission granted until {until}")),
                    None => b.details.push("Permission granted".into()),
                }
            } else {
                b.details.push("Permission refused".into());
            }
        }
        _ => {}
    }
}
