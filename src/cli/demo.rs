//! `flowcrm demo seed`: fills a data dir with realistic demo data, with a progress bar.

use super::demo_data::{self as demo, Rng};
use crate::app;
use crate::config::Loaded;
use clap::Subcommand;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// Demo subcommands.
#[derive(Debug, Subcommand)]
pub enum DemoCommand {
    /// Add demo contacts with conversations of every message type, statuses, tags, notes and
    /// orders. Run it on a fresh data dir, then `flowcrm serve`.
    Seed {
        /// Contacts (each with one conversation).
        #[arg(long, default_value_t = 200)]
        contacts: usize,
        /// Messages in all (both directions), spread over the conversations.
        #[arg(long, default_value_t = 3000)]
        messages: usize,
        /// Random seed: the same seed gives the same data.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
}

/// Contacts per transaction.
const CHUNK: usize = 500;

pub(super) async fn run(loaded: &Loaded, cmd: DemoCommand) -> anyhow::Result<()> {
    let DemoCommand::Seed {
        contacts,
        messages,
        seed,
    } = cmd;
    anyhow::ensure!(
        (1..=10_000_000).contains(&contacts),
        "--contacts must be from 1 to 10000000"
    );
    anyhow::ensure!(
        messages >= contacts,
        "--messages must be at least --contacts (one per conversation)"
    );
    let (db, _) = app::open_db(&loaded.config).await?;
    let existing = db.read(crate::db::contacts::count).await?;
    if existing > 0 {
        eprintln!(
            "note: the data dir already has {existing} contact(s); demo data is added beside them"
        );
    }
    let now = time::OffsetDateTime::now_utc();
    let (tags, agents) = db.write(move |c| demo::prepare(c, now)).await?;
    let per = messages / contacts;
    let done = Arc::new(AtomicUsize::new(0));
    let bar = super::contacts::progress(Arc::clone(&done), contacts, "seeding contacts");
    let started = Instant::now();
    let mut rng = Rng::new(seed);
    let (mut n_contacts, mut n_messages, mut n_orders) = (0, 0, 0);
    let mut from = 0;
    while from < contacts {
        let to = (from + CHUNK).min(contacts);
        // The remainder of the messages goes to the newest conversations.
        let extra = messages - per * contacts;
        let (tags, agents, mut r) = (tags.clone(), agents.clone(), rng.clone());
        let (seeded, r) = db
            .write(move |c| -> crate::db::Result<_> {
                let s = demo::seed(
                    c,
                    &mut r,
                    (&tags, &agents),
                    (from, to),
                    (per, extra),
                    contacts,
                    now,
                )?;
                Ok((s, r))
            })
            .await?;
        rng = r;
        n_contacts += seeded.contacts;
        n_messages += seeded.messages;
        n_orders += seeded.orders;
        done.store(to, Ordering::Relaxed);
        from = to;
    }
    let _ = bar.await;
    let media_dir = loaded.config.media_dir();
    let shown = db
        .write(move |c| super::demo_showcase::showcase(c, &media_dir, now))
        .await?;
    db.close().await;
    println!(
        "seeded {n_contacts} contacts, {n_messages} messages and {n_orders} orders in {:.1} s, with {} templates (approved, pending, rejected), custom fields, orders across the pipeline, notes and quoted replies by Camila (demo) and {} photos; start the server with `flowcrm serve`",
        started.elapsed().as_secs_f64(),
        shown.templates,
        shown.pictures
    );
    Ok(())
}
