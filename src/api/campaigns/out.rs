//! What `/api/v1/campaigns` answers: campaigns with their funnel and cost, previews, recipients.

use crate::crm::campaigns::{Cost, Detail};
use crate::db::campaigns::Funnel;
use serde::Serialize;
use utoipa::ToSchema;

/// A cost in the rate table's currency.
#[derive(Debug, Serialize, ToSchema)]
pub struct CostOut {
    /// ISO 4217.
    pub currency: String,
    /// Total (decimal text).
    pub total: String,
    /// The rate table is still the seeded example.
    pub example_rates: bool,
    /// Messages Meta does not charge.
    pub free_messages: i64,
    /// Messages in markets without a rate.
    pub unpriced_messages: i64,
}

/// The funnel.
#[derive(Debug, Serialize, ToSchema)]
pub struct FunnelOut {
    /// In the audience when it started.
    pub audience: i64,
    /// Left out.
    pub left_out: i64,
    /// Waiting for their turn.
    pub pending: i64,
    /// Handed to the sender.
    pub queued: i64,
    /// Accepted by WhatsApp.
    pub sent: i64,
    /// Delivered.
    pub delivered: i64,
    /// Read.
    pub read: i64,
    /// Wrote back within 72 h.
    pub replied: i64,
    /// Failed.
    pub failed: i64,
    /// Opted out within 72 h.
    pub opted_out: i64,
    /// Cancelled before sending.
    pub cancelled: i64,
}

/// A campaign with its results.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignOut {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// draft, scheduled, sending, paused, done, cancelled.
    pub state: String,
    /// Template.
    pub template_name: String,
    /// Language.
    pub template_language: String,
    /// Segments.
    pub include_segments: Vec<i64>,
    /// Exclusion segments.
    pub exclude_segments: Vec<i64>,
    /// Scheduled time.
    pub scheduled_at: Option<String>,
    /// When the audience was taken.
    pub started_at: Option<String>,
    /// When it ended.
    pub finished_at: Option<String>,
    /// Funnel.
    pub funnel: FunnelOut,
    /// Failures: [error code, count].
    pub errors: Vec<(i64, i64)>,
    /// What Meta charged so far.
    pub cost: CostOut,
}

/// Campaigns, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignList {
    /// Campaigns.
    pub data: Vec<CampaignOut>,
}

/// Left out for one reason.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeftOutOut {
    /// `restricted`, `no_identity`, `opted_out`, `consent_unknown`, `capped`, `invalid_variables`.
    pub reason: String,
    /// What it means.
    pub label: String,
    /// How many.
    pub count: i64,
    /// The first contact ids.
    pub contact_ids: Vec<i64>,
}

/// Who a campaign reaches and what it costs.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewOut {
    /// Template category.
    pub category: String,
    /// Contacts who get it.
    pub recipients: i64,
    /// Who is left out and why.
    pub left_out: Vec<LeftOutOut>,
    /// Estimated cost.
    pub estimate: CostOut,
}

/// One recipient.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecipientOut {
    /// Contact id.
    pub contact_id: i64,
    /// pending, queued, skipped, cancelled.
    pub state: String,
    /// Why they were left out.
    pub reason: Option<String>,
    /// Message status rank: 1 sent, 2 failed, 3 delivered, 4 read.
    pub status_rank: i64,
    /// Meta's error code.
    pub error_code: Option<i64>,
    /// Replied at.
    pub replied_at: Option<String>,
    /// Opted out at.
    pub opted_out_at: Option<String>,
    /// The conversation.
    pub conversation_id: Option<i64>,
}

/// A page of recipients.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecipientPage {
    /// Recipients by contact id.
    pub data: Vec<RecipientOut>,
    /// Pass as `after` for the next page.
    pub next_after: Option<i64>,
}

pub(super) fn cost_out(c: &Cost) -> CostOut {
    CostOut {
        currency: c.currency.clone(),
        total: crate::crm::campaigns::cost::format_micro(c.total_micro, 2),
        example_rates: c.example,
        free_messages: c.free,
        unpriced_messages: c.unpriced,
    }
}

fn funnel_out(f: Funnel) -> FunnelOut {
    FunnelOut {
        audience: f.audience,
        left_out: f.skipped,
        pending: f.pending,
        queued: f.queued,
        sent: f.sent,
        delivered: f.delivered,
        read: f.read,
        replied: f.replied,
        failed: f.failed,
        opted_out: f.opted_out,
        cancelled: f.cancelled,
    }
}

pub(super) fn out(d: Detail) -> CampaignOut {
    let c = d.campaign;
    let ts = |t: Option<time::OffsetDateTime>| t.map(crate::api::rfc3339);
    CampaignOut {
        id: c.id,
        name: c.name,
        state: c.state.as_str().into(),
        template_name: c.template_name,
        template_language: c.template_language,
        include_segments: c.include,
        exclude_segments: c.exclude,
        scheduled_at: ts(c.scheduled_at),
        started_at: ts(c.started_at),
        finished_at: ts(c.finished_at),
        funnel: funnel_out(d.funnel),
        errors: d.errors,
        cost: cost_out(&d.actual),
    }
}
