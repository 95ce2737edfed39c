//! `flowcrm campaign list` and `flowcrm campaign show ID`: campaigns with their funnel and
//! cost, through the same use cases as the Campaigns page (`crm::campaigns`).

use crate::app::{self, AppState};
use crate::config::Loaded;
use crate::crm::access::Who;
use crate::crm::campaigns::cost::format_micro;
use crate::crm::campaigns::{Cost, Detail};
use clap::Subcommand;

/// Campaign subcommands.
#[derive(Debug, Subcommand)]
pub enum CampaignCommand {
    /// Every campaign, newest first, with its state and funnel.
    List,
    /// One campaign: its settings, who was left out and why, the funnel, failures and cost.
    Show {
        /// The campaign's number (from `campaign list`).
        id: i64,
    },
}

pub(super) async fn run(loaded: &Loaded, cmd: CampaignCommand) -> anyhow::Result<()> {
    let state = AppState::open(loaded.config.clone(), app::system_clock()).await?;
    let result = async {
        match cmd {
            CampaignCommand::List => list(&state).await,
            CampaignCommand::Show { id } => show(&state, id).await,
        }
    }
    .await;
    state.db.close().await;
    result
}

fn money(c: &Cost) -> String {
    let example = if c.example { " (example rates)" } else { "" };
    format!("{} {}{example}", format_micro(c.total_micro, 2), c.currency)
}

async fn list(state: &AppState) -> anyhow::Result<()> {
    let rows = state.crm.campaigns(Who::system(), None).await?;
    if rows.is_empty() {
        println!(
            "No campaigns yet. Create one on the Campaigns page or with POST /api/v1/campaigns."
        );
        return Ok(());
    }
    println!(
        "{:>5}  {:<10}  {:>8}  {:>8}  {:>9}  {:>6}  {:>7}  {:>6}  name",
        "id", "state", "queued", "sent", "delivered", "read", "replied", "failed"
    );
    for d in rows {
        let f = d.funnel;
        println!(
            "{:>5}  {:<10}  {:>8}  {:>8}  {:>9}  {:>6}  {:>7}  {:>6}  {}",
            d.campaign.id,
            d.campaign.state.as_str(),
            f.queued,
            f.sent,
            f.delivered,
            f.read,
            f.replied,
            f.failed,
            d.campaign.name
        );
    }
    Ok(())
}

fn print_detail(d: &Detail) {
    let c = &d.campaign;
    println!("campaign {}: {}", c.id, c.name);
    println!("state:     {}", c.state);
    println!(
        "template:  {} ({}) {}",
        c.template_name, c.template_language, c.category
    );
    if let Some(at) = c.scheduled_at {
        println!("scheduled: {at}");
    }
    if let Some(at) = c.started_at {
        println!("started:   {at}");
    }
    if let Some(at) = c.finished_at {
        println!("finished:  {at}");
    }
    for (reason, n) in &c.left_out {
        println!("left out:  {n} — {}", reason.label());
    }
    let f = d.funnel;
    println!(
        "funnel:    {} in audience, {} queued, {} sent, {} delivered, {} read, {} replied, {} failed, {} opted out, {} pending, {} cancelled",
        f.audience,
        f.queued,
        f.sent,
        f.delivered,
        f.read,
        f.replied,
        f.failed,
        f.opted_out,
        f.pending,
        f.cancelled
    );
    for (code, n) in &d.errors {
        println!("failed:    {n} with error {code}");
    }
    println!("cost so far (from Meta's pricing): {}", money(&d.actual));
}

async fn show(state: &AppState, id: i64) -> anyhow::Result<()> {
    let d = state.crm.campaign(Who::system(), id).await?;
    print_detail(&d);
    if d.campaign.started_at.is_none() {
        let p = state
            .crm
            .preview_campaign(Who::system(), id, state.zone.clone())
            .await?;
        println!("would reach: {} contacts", p.recipients);
        for (reason, n, _) in &p.left_out {
            println!("would leave out: {n} — {}", reason.label());
        }
        println!("estimate:  {}", money(&p.estimate));
    }
    Ok(())
}
