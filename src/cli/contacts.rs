//! `flowcrm contacts import FILE`: CSV import with a dry run, progress on stderr and one
//! transaction. `export` and `erase` are in `contact_data`.

use crate::app;
use crate::config::Loaded;
use crate::crm::import::{self, Mapping};
use anyhow::Context;
use clap::Subcommand;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Contact subcommands.
#[derive(Debug, Subcommand)]
pub enum ContactsCommand {
    /// Import contacts from a CSV file with a header row. Columns are found by their header
    /// (name/nome, phone/telefone/whatsapp, email, tags); override with the flags.
    Import {
        /// The CSV file.
        file: PathBuf,
        /// Check every row and report what would happen; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Header (or 1-based position) of the name column.
        #[arg(long)]
        name_column: Option<String>,
        /// Header (or 1-based position) of the phone column.
        #[arg(long)]
        phone_column: Option<String>,
        /// Header (or 1-based position) of the email column.
        #[arg(long)]
        email_column: Option<String>,
        /// Header (or 1-based position) of the tags column (tags separated by ; or ,).
        #[arg(long)]
        tags_column: Option<String>,
        /// Header (or 1-based position) of the opt-in column (yes/no); `opt_in_source` is
        /// read from a column of that name when there is one.
        #[arg(long)]
        opt_in_column: Option<String>,
        /// Field separator.
        #[arg(long, default_value = ",")]
        delimiter: char,
    },
    /// Write everything stored about one contact to a ZIP (`contact.json` and their media),
    /// for an access or portability request. Audited.
    Export {
        /// The contact: its id, or its phone number with `+` and country code.
        contact: String,
        /// Where to write the ZIP (default: `contact-<id>-<date>.zip` here). An existing file
        /// is not overwritten.
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// Erase one contact from every store (messages, media files, notes, raw webhook data,
    /// search index, audit details, consent; orders per `privacy.erased_orders`), empty the
    /// database log, and print the receipt. Cannot be undone.
    Erase {
        /// The contact: its id, or its phone number with `+` and country code.
        contact: String,
        /// Why (kept in the erasure record).
        #[arg(long)]
        reason: String,
        /// The code of an open data request this answers (closed with the receipt).
        #[arg(long)]
        request: Option<String>,
        /// Confirm without being asked to type ERASE (for scripts).
        #[arg(long)]
        yes: bool,
    },
}

fn read(file: &PathBuf, delimiter: char) -> anyhow::Result<(Vec<String>, Vec<Vec<String>>)> {
    let delimiter = u8::try_from(delimiter).context("the delimiter must be one ASCII character")?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_path(file)
        .with_context(|| format!("cannot read {}", file.display()))?;
    let mut header: Vec<String> = reader
        .headers()
        .context("cannot read the header row")?
        .iter()
        .map(String::from)
        .collect();
    if let Some(first) = header.first_mut() {
        *first = first.trim_start_matches('\u{feff}').to_string();
    }
    let mut records = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.with_context(|| format!("line {}: not valid CSV", i + 2))?;
        records.push(rec.iter().map(String::from).collect());
    }
    Ok((header, records))
}

/// Prints `done / total` on stderr until `stop`.
pub(super) fn progress(
    done: Arc<AtomicUsize>,
    total: usize,
    what: &'static str,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let tty = std::io::stderr().is_terminal();
        let mut last = Instant::now();
        loop {
            let n = done.load(Ordering::Relaxed).min(total);
            let pct = (n * 100).checked_div(total).unwrap_or(100);
            let bar = "#".repeat(pct / 4) + &".".repeat(25 - pct / 4);
            if tty {
                eprint!("\r{what} [{bar}] {n}/{total} ({pct}%)");
                let _ = std::io::stderr().flush();
            } else if last.elapsed() >= Duration::from_secs(2) || n == total {
                eprintln!("{what}: {n}/{total} ({pct}%)");
                last = Instant::now();
            }
            if n >= total {
                if tty {
                    eprintln!();
                }
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
}

pub(super) async fn run(loaded: &Loaded, cmd: ContactsCommand) -> anyhow::Result<()> {
    let ContactsCommand::Import {
        file,
        dry_run,
        name_column,
        phone_column,
        email_column,
        tags_column,
        opt_in_column,
        delimiter,
    } = cmd
    else {
        return super::contact_data::run(loaded, cmd).await;
    };
    let (header, records) = read(&file, delimiter)?;
    let (db, _) = app::open_db(&loaded.config).await?;
    let defs = db.read(crate::db::custom_fields::list).await?;
    let mut mapping = Mapping::from_header_with_fields(&header, &defs);
    for (field, spec) in [
        ("name", name_column),
        ("phone", phone_column),
        ("email", email_column),
        ("tags", tags_column),
        ("opt_in", opt_in_column),
    ] {
        if let Some(s) = spec {
            mapping
                .set(field, &header, &s)
                .map_err(|e| anyhow::anyhow!(e))?;
        }
    }
    anyhow::ensure!(
        mapping.phone.is_some(),
        "no phone column found; name it phone (or telefone, whatsapp) or pass --phone-column"
    );
    let region = loaded.config.crm.default_region.clone();
    let rows = import::parse_rows(&records, &mapping, region.as_deref());
    let done = Arc::new(AtomicUsize::new(0));
    let bar = progress(
        Arc::clone(&done),
        rows.len(),
        if dry_run { "checking" } else { "importing" },
    );
    let now = time::OffsetDateTime::now_utc();
    let counter = Arc::clone(&done);
    let result = db
        .write(move |c| import::apply(c, &rows, dry_run, &counter, now))
        .await;
    let _ = bar.await;
    db.close().await;
    let report = result?;
    let verb = if dry_run { "would be" } else { "were" };
    println!(
        "{} contact(s) {verb} created, {} updated, {} row(s) skipped, {} tag(s) {verb} created, {} opt-in/out change(s) {verb} recorded",
        report.created,
        report.updated,
        report.skipped.len(),
        report.tags_created,
        report.consents
    );
    if !mapping.fields.is_empty() {
        let keys: Vec<&str> = mapping.fields.iter().map(|(_, f)| f.key.as_str()).collect();
        println!("custom field columns: {}", keys.join(", "));
    }
    for (line, why) in report.skipped.iter().take(100) {
        println!("  line {line}: {why}");
    }
    if report.skipped.len() > 100 {
        println!("  … and {} more", report.skipped.len() - 100);
    }
    for c in report
        .changes
        .iter()
        .filter(|c| !c.fields.is_empty())
        .take(100)
    {
        let what: Vec<String> = c
            .fields
            .iter()
            .map(|(f, old, new)| {
                format!(
                    "{f}: {} → {new}",
                    if old.is_empty() { "(empty)" } else { old }
                )
            })
            .collect();
        println!("  line {} ({}): {}", c.line, c.name, what.join("; "));
    }
    if dry_run {
        println!("dry run: nothing was changed");
    }
    Ok(())
}
