//! Backup and restore as a sysadmin runs them: the real binary, real files. A backup taken
//! while webhooks arrive holds a prefix of what was acknowledged; a restore gives back every
//! table and media file; a contact erased after the backup stays erased; damaged archives,
//! wrong keys and a running server are refused with their own messages.

mod common;

use common::{flowcrm, free_port, start_with, wait_healthy};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Output;

fn cli(dir: &Path, args: &[&str]) -> Output {
    flowcrm(dir).args(args).output().expect("run flowcrm")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let o = cli(dir, args);
    assert!(o.status.success(), "{args:?}: {}", text(&o));
    text(&o)
}

/// A seeded install in `dir/data` with one backup; returns the archive.
fn seeded_with_backup(dir: &Path) -> PathBuf {
    seed(dir);
    backup(dir)
}

fn seed(dir: &Path) {
    ok(
        dir,
        &[
            "--data-dir",
            "data",
            "demo",
            "seed",
            "--contacts",
            "30",
            "--messages",
            "400",
        ],
    );
}

/// Takes a backup of `dir/data`; returns the archive.
fn backup(dir: &Path) -> PathBuf {
    let o = cli(dir, &["--data-dir", "data", "backup"]);
    assert!(o.status.success(), "{}", text(&o));
    let path = String::from_utf8_lossy(&o.stdout).trim().to_string();
    assert!(
        Path::new(&path).extension().is_some_and(|e| e == "fcb"),
        "{}",
        text(&o)
    );
    PathBuf::from(path)
}

/// Every table's row count and a hash of its sorted rows (all but the backup run record, which
/// the live database finishes after the snapshot).
fn table_hashes(db: &Path) -> BTreeMap<String, (usize, String)> {
    let conn = rusqlite::Connection::open(db).expect("open");
    let names: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'backups'")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("names");
    let mut out = BTreeMap::new();
    for name in names {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM \"{name}\""))
            .expect("select");
        let cols = stmt.column_count();
        let mut rows: Vec<String> = stmt
            .query_map([], |r| {
                let mut line = String::new();
                for i in 0..cols {
                    let _ = write!(line, "{:?}|", r.get_ref(i)?);
                }
                Ok(line)
            })
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("rows");
        rows.sort();
        let hash = hex::encode(Sha256::digest(rows.join("\n").as_bytes()));
        out.insert(name, (rows.len(), hash));
    }
    out
}

fn media_hashes(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let bytes = std::fs::read(e.path()).expect("read");
        out.insert(
            e.file_name().to_string_lossy().into_owned(),
            hex::encode(Sha256::digest(&bytes)),
        );
    }
    out
}

fn remove_database(data: &Path) {
    for f in ["flowcrm.db", "flowcrm.db-wal", "flowcrm.db-shm"] {
        let _ = std::fs::remove_file(data.join(f));
    }
    let _ = std::fs::remove_dir_all(data.join("media"));
}

#[test]
fn a_restore_gives_back_every_table_and_media_file() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let archive = seeded_with_backup(d);
    let data = d.join("data");
    let tables = table_hashes(&data.join("flowcrm.db"));
    let media = media_hashes(&data.join("media"));
    assert!(tables["messages"].0 >= 400, "{:?}", tables["messages"]);
    assert!(media.len() >= 5, "the demo has photos: {media:?}");
    assert!(
        !std::fs::read(&archive)
            .expect("archive")
            .windows(16)
            .any(|w| w == b"SQLite format 3\0"),
        "the archive is encrypted"
    );

    remove_database(&data);
    let out = ok(
        d,
        &[
            "--data-dir",
            "data",
            "restore",
            archive.to_str().expect("utf8"),
        ],
    );
    assert!(
        out.contains("every SHA-256 matches") && out.contains("integrity_check: ok"),
        "{out}"
    );
    assert_eq!(table_hashes(&data.join("flowcrm.db")), tables);
    assert_eq!(media_hashes(&data.join("media")), media);
    // The restored install serves.
    let listen = format!("127.0.0.1:{}", free_port());
    let mut server = start_with(d, &listen, &[("FLOWCRM_SERVER__DATA_DIR", "data")]);
    wait_healthy(d, &listen, &mut server);
}

/// The customer with the most stored photos: id, phone, message ids, media file names.
fn customer_with_photos(db: &Path) -> (i64, String, Vec<i64>, Vec<String>) {
    let c = rusqlite::Connection::open(db).expect("open");
    let (id, phone): (i64, String) = c
        .query_row(
            "SELECT c.id, c.phone FROM contacts c JOIN conversations v ON v.contact_id = c.id
             JOIN messages m ON m.conversation_id = v.id JOIN media d ON d.message_id = m.id
             WHERE d.stored_name IS NOT NULL GROUP BY c.id ORDER BY COUNT(*) DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("a customer with photos");
    let ids = c
        .prepare(
            "SELECT m.id FROM messages m JOIN conversations v ON v.id = m.conversation_id
             WHERE v.contact_id = ?1",
        )
        .expect("prepare")
        .query_map([id], |r| r.get(0))
        .expect("ids")
        .collect::<Result<_, _>>()
        .expect("ids");
    let files = c
        .prepare(
            "SELECT d.stored_name FROM media d JOIN messages m ON m.id = d.message_id
             JOIN conversations v ON v.id = m.conversation_id
             WHERE v.contact_id = ?1 AND d.stored_name IS NOT NULL",
        )
        .expect("prepare")
        .query_map([id], |r| r.get(0))
        .expect("files")
        .collect::<Result<_, _>>()
        .expect("files");
    (id, phone, ids, files)
}

/// A seeded install whose customer with the most photos also wrote a word nobody else did
/// ("zebrafinchmarker"); returns their number (E.164 and digits) and media files.
fn seed_with_marked_customer(d: &Path) -> (String, String, Vec<String>) {
    seed(d);
    let data = d.join("data");
    let db = data.join("flowcrm.db");
    let (_, phone, _, files) = customer_with_photos(&db);
    assert!(!files.is_empty());
    // A word only this customer ever wrote, to look for in the search index afterwards.
    let digits = phone.trim_start_matches('+').to_string();
    let body = format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"1","changes":[{{"field":"messages","value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"15550009999","phone_number_id":"200000000000002"}},"contacts":[{{"profile":{{"name":"Marker"}},"wa_id":"{digits}"}}],"messages":[{{"from":"{digits}","id":"wamid.MARKER1","timestamp":"1767225600","type":"text","text":{{"body":"my zebrafinchmarker order"}}}}]}}}}]}}]}}"#
    );
    std::fs::write(d.join("marker.json"), body).expect("payload");
    ok(
        d,
        &[
            "--data-dir",
            "data",
            "webhook",
            "replay",
            "--file",
            "marker.json",
        ],
    );
    (phone, digits, files)
}

#[test]
fn a_contact_erased_after_the_backup_is_erased_again_by_the_restore() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let (phone, digits, files) = seed_with_marked_customer(d);
    let data = d.join("data");
    let db = data.join("flowcrm.db");
    let (_, _, ids, _) = customer_with_photos(&db);
    let archive = backup(d);

    let erased = ok(
        d,
        &[
            "--data-dir",
            "data",
            "contact",
            "erase",
            &phone,
            "--reason",
            "asked by email",
            "--yes",
        ],
    );
    let code = erased
        .split_whitespace()
        .find(|w| w.len() == 16 && w.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or_else(|| panic!("a receipt code in {erased}"))
        .to_string();

    let out = ok(
        d,
        &[
            "--data-dir",
            "data",
            "restore",
            archive.to_str().expect("utf8"),
        ],
    );
    assert!(
        out.contains("1 erasure(s) newer than the backup, 1 contact(s)"),
        "{out}"
    );
    let c = rusqlite::Connection::open(&db).expect("open");
    let count = |sql: &str, p: &str| -> i64 { c.query_row(sql, [p], |r| r.get(0)).expect(sql) };
    assert_eq!(
        count("SELECT COUNT(*) FROM contacts WHERE phone = ?1", &phone),
        0
    );
    let list = ids
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",");
    assert!(ids.len() > 5);
    assert_eq!(
        count(
            &format!("SELECT COUNT(*) FROM messages WHERE id IN ({list}) AND ?1 = ?1"),
            ""
        ),
        0
    );
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM messages_fts WHERE messages_fts MATCH ?1",
            "zebrafinchmarker"
        ),
        0,
        "gone from the search index"
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM erasures WHERE code = ?1", &code),
        1,
        "journal carried"
    );
    for f in &files {
        assert!(
            !data.join("media").join(f).exists(),
            "media file {f} is back"
        );
    }
    drop(c);
    assert_no_trace(&db, &[digits.as_str(), "zebrafinchmarker"]);
}

/// None of `needles` is anywhere in the database file or its WAL.
fn assert_no_trace(db: &Path, needles: &[&str]) {
    for suffix in ["", "-wal"] {
        let bytes = std::fs::read(format!("{}{suffix}", db.display())).unwrap_or_default();
        for needle in needles {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{needle} is still in flowcrm.db{suffix}"
            );
        }
    }
}

/// Erases the contact with this number through the CLI.
fn erase(d: &Path, phone: &str) -> String {
    ok(
        d,
        &[
            "--data-dir",
            "data",
            "contact",
            "erase",
            phone,
            "--reason",
            "x",
            "--yes",
        ],
    )
}

fn restore_fails(d: &Path, archive: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "--data-dir",
        "data",
        "restore",
        archive.to_str().expect("utf8"),
    ];
    args.extend_from_slice(extra);
    let o = cli(d, &args);
    assert!(!o.status.success(), "{}", text(&o));
    text(&o)
}

#[test]
fn damaged_archives_wrong_keys_and_a_running_server_are_refused_and_nothing_changes() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let archive = seeded_with_backup(d);
    let db = d.join("data/flowcrm.db");
    let before = table_hashes(&db);
    let unchanged = |what: &str| {
        assert!(table_hashes(&db) == before, "{what} changed the database");
    };
    let bytes = std::fs::read(&archive).expect("archive");

    let tampered = d.join("tampered.fcb");
    let mut t = bytes.clone();
    let mid = t.len() / 2;
    t[mid] ^= 0x01;
    std::fs::write(&tampered, &t).expect("write");
    let out = restore_fails(d, &tampered, &[]);
    assert!(out.contains("was altered or damaged"), "{out}");

    let truncated = d.join("truncated.fcb");
    std::fs::write(&truncated, &bytes[..bytes.len() * 2 / 3]).expect("write");
    let out = restore_fails(d, &truncated, &[]);
    assert!(out.contains("is truncated"), "{out}");

    let other_key = d.join("other.key");
    std::fs::write(&other_key, format!("{}\n", "ab".repeat(32))).expect("key");
    let out = restore_fails(
        d,
        &archive,
        &["--key-file", other_key.to_str().expect("utf8")],
    );
    assert!(out.contains("wrong backup key"), "{out}");

    let junk = d.join("junk.fcb");
    std::fs::write(&junk, b"PK\x03\x04 a zip, not a backup").expect("write");
    let out = restore_fails(d, &junk, &[]);
    assert!(out.contains("not a FlowCRM backup archive"), "{out}");

    unchanged("a refused restore");

    let listen = format!("127.0.0.1:{}", free_port());
    let mut server = start_with(d, &listen, &[("FLOWCRM_SERVER__DATA_DIR", "data")]);
    wait_healthy(d, &listen, &mut server);
    let before = table_hashes(&db);
    let out = restore_fails(d, &archive, &[]);
    assert!(
        out.contains("a FlowCRM server (process") && out.contains("stop it first"),
        "{out}"
    );
    let verified = ok(
        d,
        &[
            "--data-dir",
            "data",
            "restore",
            "--verify-only",
            archive.to_str().expect("utf8"),
        ],
    );
    assert!(
        verified.contains("is restorable (nothing was changed)"),
        "{verified}"
    );
    drop(server);
    assert!(
        table_hashes(&db) == before,
        "the refused restore changed the database"
    );
    let leftovers: Vec<_> = std::fs::read_dir(d.join("data"))
        .expect("dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            n.starts_with(".restore") || n.starts_with(".verify") || n.starts_with("pre-restore")
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_plain_database_copy_such_as_a_litestream_restore_is_restored_with_the_journal_applied() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let (phone, _, files) = seed_with_marked_customer(d);
    let data = d.join("data");
    let old = d.join("replica.db");
    rusqlite::Connection::open(data.join("flowcrm.db"))
        .expect("open")
        .execute("VACUUM INTO ?1", [old.to_str().expect("utf8")])
        .expect("copy");
    let media_before = media_hashes(&data.join("media"));
    erase(d, &phone);
    let out = ok(
        d,
        &["--data-dir", "data", "restore", old.to_str().expect("utf8")],
    );
    assert!(out.contains("restoring the database only"), "{out}");
    assert!(
        out.contains("1 erasure(s) newer than the backup, 1 contact(s)"),
        "{out}"
    );
    let c = rusqlite::Connection::open(data.join("flowcrm.db")).expect("open");
    let n: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM contacts WHERE phone = ?1",
            [&phone],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(n, 0);
    let media_after = media_hashes(&data.join("media"));
    for f in &files {
        assert!(!media_after.contains_key(f), "{f} came back");
    }
    assert_eq!(
        media_after.len() + files.len(),
        media_before.len(),
        "the other media files stayed where they were"
    );
}

#[test]
fn compact_leaves_no_stale_copy_of_an_erased_contact_in_the_file() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let (phone, digits, _) = seed_with_marked_customer(d);
    // A freshly restored (rebuilt, tightly packed) database is where b-tree rebalancing after
    // an erasure moves cells around most.
    let archive = backup(d);
    remove_database(&d.join("data"));
    ok(
        d,
        &[
            "--data-dir",
            "data",
            "restore",
            archive.to_str().expect("utf8"),
        ],
    );
    erase(d, &phone);
    let out = ok(d, &["--data-dir", "data", "compact"]);
    assert!(out.contains("compacted"), "{out}");
    let db = d.join("data/flowcrm.db");
    assert_no_trace(&db, &[digits.as_str(), "zebrafinchmarker"]);
}

#[test]
fn an_interrupted_restore_keeps_the_server_from_starting_until_it_is_run_again() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let archive = seeded_with_backup(d);
    let marker = d.join("data/RESTORE-IN-PROGRESS");
    // What a restore killed half way through its swap leaves behind.
    std::fs::write(
        &marker,
        "the data it replaces was moved to data/pre-restore-x",
    )
    .expect("marker");
    let listen = format!("127.0.0.1:{}", free_port());
    let refused = cli(d, &["--data-dir", "data", "--listen", &listen, "serve"]);
    assert!(!refused.status.success());
    let t = text(&refused);
    assert!(
        t.contains("was interrupted") && t.contains("pre-restore-x"),
        "{t}"
    );
    let compact = cli(d, &["--data-dir", "data", "compact"]);
    assert!(!compact.status.success(), "{}", text(&compact));

    ok(
        d,
        &[
            "--data-dir",
            "data",
            "restore",
            archive.to_str().expect("utf8"),
        ],
    );
    assert!(!marker.exists(), "the finished restore removes the marker");
    let mut server = start_with(d, &listen, &[("FLOWCRM_SERVER__DATA_DIR", "data")]);
    wait_healthy(d, &listen, &mut server);
}
