//! `GET /campaigns/{id}`: what the campaign sends and to whom (the preview with who is left
//! out and why, the estimate), the test send, its actions, and once started the funnel with
//! rates, failures by code, the actual cost and the recipients at a stage (100 a page).

use super::{cost_line, money, percent};
use crate::app::AppState;
use crate::crm::campaigns::{Cost, Detail, Preview};
use crate::db::{self, campaigns::Campaign, campaigns::Stage};
use crate::model::Zone;
use crate::model::campaign::{Binding, CONTACT_FIELDS, CampaignState};
use crate::web::error::Result;
use crate::web::extract::CurrentUser;
use crate::web::forms::FormErrors;
use crate::web::layout::{Layout, Nav};
use crate::web::when;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use serde::Deserialize;

/// One stage of the funnel as shown.
pub struct StageLine {
    key: &'static str,
    label: &'static str,
    count: i64,
    rate: String,
}

/// One recipient as listed.
pub struct RecipientLine {
    contact_id: i64,
    name: String,
    address: String,
    stage: String,
    when: String,
    conversation_id: Option<i64>,
}

/// Left out for one reason: label, count, the first few (id, name).
pub struct LeftOutLine {
    label: &'static str,
    count: i64,
    sample: Vec<(i64, String)>,
}

/// The campaign page.
#[derive(Template, WebTemplate)]
#[template(path = "campaigns/show.html")]
pub struct CampaignPage {
    layout: Layout,
    d: Detail,
    state: CampaignState,
    facts: Vec<(&'static str, String)>,
    body: String,
    bindings: Vec<String>,
    recipients: i64,
    left_out: Vec<LeftOutLine>,
    estimate: Cost,
    estimate_line: String,
    estimate_lines: Vec<EstimateLine>,
    recorded: bool,
    actual_line: String,
    stages: Vec<StageLine>,
    errors_by_code: Vec<(i64, i64)>,
    stage: &'static str,
    list: Vec<RecipientLine>,
    next: Option<i64>,
    is_admin: bool,
    test_key: String,
    test_errors: FormErrors,
    test_to: String,
}

impl CampaignPage {
    fn started(&self) -> bool {
        self.d.campaign.started_at.is_some()
    }
}

/// `?stage=&after=` of the recipients list.
#[derive(Debug, Default, Deserialize)]
pub struct StageQuery {
    #[serde(default)]
    stage: Option<String>,
    #[serde(default)]
    after: Option<i64>,
}

impl StageQuery {
    /// The stage asked for (everyone when none or unknown).
    pub(super) fn stage_or_all(&self) -> Stage {
        self.stage
            .as_deref()
            .and_then(Stage::parse)
            .unwrap_or(Stage::All)
    }
}

fn binding_text(b: &Binding, n: usize) -> String {
    match b {
        Binding::Text { text } => format!("{{{{{n}}}}} = “{text}”"),
        Binding::Field { field, fallback } => {
            let label = CONTACT_FIELDS.iter().find(|(k, _)| k == field).map_or_else(
                || field.trim_start_matches("field:").to_string(),
                |(_, l)| (*l).to_string(),
            );
            if fallback.is_empty() {
                format!("{{{{{n}}}}} = {label} (left out when empty)")
            } else {
                format!("{{{{{n}}}}} = {label}, or “{fallback}”")
            }
        }
    }
}

fn stages(d: &Detail) -> Vec<StageLine> {
    let f = &d.funnel;
    let line = |key, label, count| StageLine {
        key,
        label,
        count,
        rate: percent(count, f.queued),
    };
    vec![
        line("queued", "Queued", f.queued),
        line("sent", "Sent", f.sent),
        line("delivered", "Delivered", f.delivered),
        line("read", "Read", f.read),
        line("replied", "Replied (within 72 h)", f.replied),
        line("failed", "Failed", f.failed),
        line("opted_out", "Opted out afterwards", f.opted_out),
        StageLine {
            key: "pending",
            label: "Waiting their turn",
            count: f.pending,
            rate: String::new(),
        },
        StageLine {
            key: "skipped",
            label: "Left out",
            count: f.skipped,
            rate: String::new(),
        },
        StageLine {
            key: "cancelled",
            label: "Cancelled before sending",
            count: f.cancelled,
            rate: String::new(),
        },
    ]
}

fn stage_label(r: &db::campaigns::RecipientRow) -> String {
    match (r.stage(), r.reason.as_deref(), r.error_code) {
        ("left out", reason, _) => format!(
            "left out: {}",
            reason
                .and_then(crate::model::campaign::LeftOut::parse)
                .map_or("—", |x| x.label())
        ),
        ("pending", _, _) => "waiting".into(),
        ("failed", _, Some(code)) => format!("failed ({code})"),
        (stage, _, _) => stage.into(),
    }
}

/// The campaign's settings as (label, text) lines, times in `zone`.
async fn facts_of(
    state: &AppState,
    c: &Campaign,
    category: &str,
    zone: &Zone,
) -> Result<(Vec<(&'static str, String)>, String)> {
    let (tn, tl) = (c.template_name.clone(), c.template_language.clone());
    let (body, segments) = state
        .db
        .read(move |conn| -> db::Result<_> {
            let body = db::templates::find(conn, &tn, &tl)?
                .and_then(|t| t.components().ok().map(|p| p.body_text().to_string()))
                .unwrap_or_default();
            Ok((body, db::segments::list(conn)?))
        })
        .await?;
    let names = |ids: &[i64]| {
        ids.iter()
            .map(|i| {
                segments
                    .iter()
                    .find(|s| s.id == *i)
                    .map_or_else(|| format!("segment {i} (deleted)"), |s| s.name.clone())
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut facts = vec![
        (
            "Template",
            format!(
                "{} ({}) · {}",
                c.template_name,
                c.template_language,
                category.to_lowercase()
            ),
        ),
        ("Send to", names(&c.include)),
    ];
    if !c.exclude.is_empty() {
        facts.push(("Except", names(&c.exclude)));
    }
    if c.allow_unknown {
        facts.push(("Consent", "unknown consent allowed (utility)".into()));
    }
    if c.header.is_some() {
        facts.push(("Header", "media uploaded to WhatsApp".into()));
    }
    let at = |x| when::stamp(zone, x);
    match (c.started_at, c.scheduled_at) {
        (Some(s), _) => facts.push(("Started", at(s))),
        (None, Some(s)) => facts.push(("Scheduled for", format!("{} ({})", at(s), zone.name()))),
        (None, None) => facts.push(("When", "when you send it".into())),
    }
    if let Some(f) = c.finished_at {
        facts.push(("Finished", at(f)));
    }
    Ok((facts, body))
}

/// The preview's parts: recipients, who is left out, the estimate and its lines, whether it
/// is the recorded audience. A template that cannot be sent any more shows none.
type Parts = (i64, Vec<LeftOutLine>, Cost, Vec<EstimateLine>, bool);

/// One line of the estimate: market, category, messages, rate, amount.
type EstimateLine = (String, String, i64, String, String);

fn preview_parts(preview: Option<Preview>) -> Parts {
    let Some(p) = preview else {
        return (0, Vec::new(), Cost::default(), Vec::new(), false);
    };
    let lines = p
        .estimate
        .lines
        .iter()
        .map(|l| {
            (
                l.market.clone(),
                l.category.clone(),
                l.messages,
                l.rate_micro
                    .map_or_else(|| "no rate".into(), crate::crm::campaigns::rates::amount),
                money(l.micro, &p.estimate.currency),
            )
        })
        .collect();
    let left_out = p
        .left_out
        .into_iter()
        .map(|(r, count, sample)| LeftOutLine {
            label: r.label(),
            count,
            sample,
        })
        .collect();
    (p.recipients, left_out, p.estimate, lines, p.recorded)
}

/// Everything the page draws; `test` is the test send's (key, problems, number typed).
pub(super) async fn page(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    query: StageQuery,
    test: (String, FormErrors, String),
) -> Result<CampaignPage> {
    let who = user.who();
    let zone = user.ctx.zone.clone();
    let detail = state.crm.campaign(who, id).await?;
    let preview = match state
        .crm
        .preview_campaign(who, id, state.zone.clone())
        .await
    {
        Ok(p) => Some(p),
        Err(crate::crm::Error::Template(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let at_stage = query.stage_or_all();
    let rows = if detail.campaign.started_at.is_some() {
        state
            .crm
            .campaign_recipients(who, id, at_stage, query.after.unwrap_or(0))
            .await?
    } else {
        Vec::new()
    };
    let next = (rows.len() >= crate::crm::campaigns::results_page())
        .then(|| rows.last().map(|r| r.contact_id))
        .flatten();
    let category = preview
        .as_ref()
        .map_or_else(|| detail.campaign.category.clone(), |p| p.category.clone());
    let (facts, body) = facts_of(state, &detail.campaign, &category, &zone).await?;
    let (recipients, left_out, estimate, estimate_lines, recorded) = preview_parts(preview);
    let list = rows
        .iter()
        .map(|r| RecipientLine {
            contact_id: r.contact_id,
            name: r.name.clone(),
            address: r.address.clone(),
            stage: stage_label(r),
            when: r
                .replied_at
                .or(r.queued_at)
                .map(|x| when::stamp(&zone, x))
                .unwrap_or_default(),
            conversation_id: r.conversation_id,
        })
        .collect();
    let (key, test_errors, test_to) = test;
    Ok(CampaignPage {
        layout: Layout::new(&user.ctx, detail.campaign.name.clone(), Nav::Campaigns),
        state: detail.campaign.state,
        bindings: detail
            .campaign
            .variables
            .iter()
            .enumerate()
            .map(|(i, b)| binding_text(b, i + 1))
            .collect(),
        facts,
        body,
        recipients,
        left_out,
        estimate_line: cost_line(&estimate),
        estimate_lines,
        estimate,
        recorded,
        actual_line: cost_line(&detail.actual),
        stages: stages(&detail),
        errors_by_code: detail.errors.clone(),
        stage: at_stage.as_str(),
        list,
        next,
        is_admin: user.session.user.is_admin(),
        test_key: if key.is_empty() {
            crate::crypto::random_token().unwrap_or_default()
        } else {
            key
        },
        test_errors,
        test_to,
        d: detail,
    })
}

/// `GET /campaigns/{id}`.
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<StageQuery>,
) -> Result<CampaignPage> {
    page(&state, &user, id, q, Default::default()).await
}
