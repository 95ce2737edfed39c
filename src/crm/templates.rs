//! Templates at Meta: sync every template of the WABA (all pages) and submit new ones.
//! Used by `flowcrm templates sync` and the templates page.

use crate::clock::SharedClock;
use crate::config::Secret;
use crate::db::{self, Db, templates::Template};
use crate::model::TemplateStatus;
use crate::whatsapp::client::{GraphClient, GraphError};

/// Why a sync failed.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// `whatsapp.waba_id` or the access token is missing.
    #[error("{0}")]
    NotConfigured(&'static str),
    /// The Graph API refused or failed.
    #[error(transparent)]
    Graph(#[from] GraphError),
    /// The store failed.
    #[error(transparent)]
    Db(#[from] db::Error),
}

/// Most pages fetched (100 templates each): Meta allows up to 6,000 templates per WABA.
const MAX_PAGES: usize = 100;

fn template_of(v: &serde_json::Value) -> Option<Template> {
    let s = |k: &str| {
        v.get(k)
            .and_then(serde_json::Value::as_str)
            .map(String::from)
    };
    Some(Template {
        meta_id: s("id"),
        name: s("name")?,
        language: s("language")?,
        category: s("category").unwrap_or_default(),
        status: TemplateStatus::parse(&s("status").unwrap_or_default()),
        reason: s("rejected_reason").filter(|r| r != "NONE"),
        parameter_format: s("parameter_format").unwrap_or_else(|| "POSITIONAL".into()),
        components: v
            .get("components")
            .map_or_else(|| "[]".into(), ToString::to_string),
    })
}

/// Fetches all templates and stores them; returns how many.
pub async fn sync(
    db: &Db,
    client: &GraphClient,
    clock: &SharedClock,
    token: Option<&Secret>,
    waba_id: Option<&str>,
) -> Result<usize, SyncError> {
    let waba = waba_id.ok_or(SyncError::NotConfigured(
        "the WhatsApp Business Account id is not set (Settings → WhatsApp, or whatsapp.waba_id)",
    ))?;
    let token = token.ok_or(SyncError::NotConfigured("the access token is not set (Settings → WhatsApp, or flowcrm secret set whatsapp.access_token)"))?;
    let mut all = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let (page, next) = client.list_templates(token, waba, after.as_deref()).await?;
        all.extend(page.iter().filter_map(template_of));
        match next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    let n = all.len();
    let now = clock.now();
    db.write(move |c| -> crate::db::Result<_> {
        for t in &all {
            db::templates::upsert(c, t, now)?;
        }
        Ok(())
    })
    .await?;
    Ok(n)
}

/// Submits a new template to Meta for review and stores it with the status Meta answered
/// (normally `PENDING`; the status webhook brings `APPROVED` or `REJECTED` with the reason).
pub async fn create(
    db: &Db,
    client: &GraphClient,
    clock: &SharedClock,
    token: Option<&Secret>,
    waba_id: Option<&str>,
    draft: &crate::model::TemplateDraft,
    actor: &super::contacts::Actor,
) -> Result<Template, SyncError> {
    let waba = waba_id.ok_or(SyncError::NotConfigured(
        "the WhatsApp Business Account id is not set (Settings → WhatsApp, or whatsapp.waba_id)",
    ))?;
    let token = token.ok_or(SyncError::NotConfigured("the access token is not set (Settings → WhatsApp, or flowcrm secret set whatsapp.access_token)"))?;
    let body = crate::whatsapp::outbound::template_create_body(draft);
    let answer = client.create_template(token, waba, &body).await?;
    let s = |k: &str| {
        answer
            .get(k)
            .and_then(serde_json::Value::as_str)
            .map(String::from)
    };
    let t = Template {
        meta_id: s("id"),
        name: draft.name.clone(),
        language: draft.language.clone(),
        category: s("category").unwrap_or_else(|| draft.category.clone()),
        status: s("status").map_or(TemplateStatus::Pending, |s| TemplateStatus::parse(&s)),
        reason: None,
        parameter_format: "POSITIONAL".into(),
        components: body
            .get("components")
            .map_or_else(|| "[]".into(), ToString::to_string),
    };
    let (stored, now, actor) = (t.clone(), clock.now(), actor.clone());
    db.write(move |c| {
        db::templates::upsert(c, &stored, now)?;
        let target = format!("template:{}/{}", stored.name, stored.language);
        let detail = stored.meta_id.clone().unwrap_or_default();
        super::audit(c, &actor, "template.submit", target, detail, now)
    })
    .await?;
    Ok(t)
}
