//! The webhook fuzz run at scale: N mutated payloads (the mutations of `tests/web/fuzz.rs`)
//! through FlowCRM's own parser and ingest (`whatsapp::webhook::parse`, then
//! `crm::inbound::record` into a fresh SQLite file, 500 bodies per transaction). Fails on any
//! panic, any error from the ingest, any event that panicked inside it (kept as a dead letter),
//! or a valid message of a mixed batch that was not stored. The HTTP layer around it (signature,
//! 200 after commit) is covered by the test; this runs the same cases a million at a time.
//!
//! ```sh
//! cargo run --profile fuzz --example fuzz_webhook -- 1000000 [seed]
//! ```

// Rates over counts: float conversion is the point.
#![allow(clippy::cast_precision_loss)]

#[path = "../tests/common/mutate.rs"]
mod mutate;

use flowcrm::db::{Db, Options};
use mutate::Rng;
use std::time::{Duration, Instant};

const PER_TRANSACTION: u64 = 500;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let cases: u64 = args.next().map_or(1_000_000, |a| a.parse().expect("cases"));
    let seed: u64 = args.next().map_or(1, |a| a.parse().expect("seed"));
    let dir = tempfile::tempdir().expect("tmp");
    let (db, _) = Db::open(&Options {
        path: dir.path().join("fuzz.db"),
        readers: 1,
        busy_timeout: Duration::from_secs(5),
    })
    .expect("open");
    let fixtures = mutate::fixtures();
    let mut rng = Rng::new(seed);
    let started = Instant::now();
    let (mut unparsable, mut mixed, mut events) = (0u64, 0u64, 0usize);
    let mut n = 0;
    while n < cases {
        let mut batch = Vec::new();
        for _ in 0..PER_TRANSACTION.min(cases - n) {
            let (body, wamid) = mutate::case(&mut rng, &fixtures, n);
            let parsed = std::panic::catch_unwind(|| flowcrm::whatsapp::webhook::parse(&body));
            match parsed {
                Err(panic) => panic!(
                    "case {n} of seed {seed}: the parser panicked ({panic:?}) on {}",
                    String::from_utf8_lossy(&body)
                ),
                Ok(Err(_)) => unparsable += 1,
                Ok(Ok(ev)) => {
                    events += ev.len();
                    batch.push((n, ev, wamid));
                }
            }
            n += 1;
        }
        mixed += batch.iter().filter(|(_, _, w)| w.is_some()).count() as u64;
        let lost = db
            .write(move |c| -> flowcrm::db::Result<_> {
                let now = time::OffsetDateTime::now_utc();
                let mut lost = Vec::new();
                for (n, ev, wamid) in &batch {
                    flowcrm::crm::inbound::record(
                        c,
                        ev,
                        None,
                        now,
                        &flowcrm::crm::consent::Keywords::default(),
                    )?;
                    if let Some(w) = wamid
                        && flowcrm::db::messages::find_by_wamid(c, w)?.is_none()
                    {
                        lost.push(*n);
                    }
                }
                Ok(lost)
            })
            .await
            .unwrap_or_else(|e| panic!("ingest failed near case {n} of seed {seed}: {e}"));
        assert!(
            lost.is_empty(),
            "valid messages lost in cases {lost:?} (seed {seed})"
        );
        if n % 100_000 == 0 {
            eprintln!("{n} cases, {:.0} s", started.elapsed().as_secs_f64());
        }
    }
    let dead = db
        .read(|c| flowcrm::db::webhook_log::recent_dead_letters(c, u32::MAX))
        .await
        .expect("read");
    let panicked = dead.iter().filter(|d| d.error.contains("panicked")).count();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{cases} cases (seed {seed}) in {secs:.1} s ({:.0}/s): {unparsable} bodies not JSON (dead letters over HTTP), \
         {mixed} mixed batches with every valid message stored, {events} events recorded, \
         {} events kept as dead letters, {panicked} panics",
        cases as f64 / secs,
        dead.len(),
    );
    let mut kinds: Vec<&str> = dead
        .iter()
        .map(|d| d.error.split(" not applied: ").nth(1).unwrap_or(&d.error))
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    for k in kinds.iter().take(10) {
        println!("  dead letter: {k}");
    }
    assert_eq!(panicked, 0, "an event made the ingest code panic");
    db.close().await;
}
