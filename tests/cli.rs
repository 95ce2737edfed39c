//! The CLI as a sysadmin uses it: real binary, temp directories.

use std::io::Write;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_flowcrm");

fn run(dir: &std::path::Path, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(BIN);
    c.current_dir(dir).args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("FLOWCRM_") || k == "RUST_LOG" || k == "CREDENTIALS_DIRECTORY" {
            c.env_remove(k);
        }
    }
    c.envs(env.iter().copied());
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

/// An install in `dir` (database created), as `flowcrm migrate` makes it.
fn install(dir: &std::path::Path, env: &[(&str, &str)]) {
    let out = run(dir, &["migrate"], "", env);
    assert!(out.status.success(), "{}", text(&out));
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn check_config_lists_every_problem_and_exits_non_zero() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(
        dir.path().join("flowcrm.toml"),
        "[server]\nlisten = \"nowhere\"\nport = 80\n[database]\nreaders = 0\n",
    )
    .expect("write");
    let out = run(
        dir.path(),
        &["check-config"],
        "",
        &[("FLOWCRM_LOG__LEVLE", "debug")],
    );
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(t.contains("4 problem(s)"), "{t}");
    for want in [
        "server.port",
        "server.listen",
        "database.readers",
        "FLOWCRM_LOG__LEVLE",
    ] {
        assert!(t.contains(want), "{want} not reported: {t}");
    }
    // Serve refuses to start on the same config, listing the problems too.
    let out = run(dir.path(), &["serve"], "", &[]);
    assert!(!out.status.success());
    assert!(text(&out).contains("server.listen"));
}

#[test]
fn check_config_passes_with_no_file_and_warns_about_plaintext_secrets() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = run(dir.path(), &["check-config"], "", &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("built-in defaults"));
    let out = run(
        dir.path(),
        &["check-config"],
        "",
        &[("FLOWCRM_WHATSAPP__ACCESS_TOKEN", "EAAGsecret")],
    );
    assert!(out.status.success());
    let t = text(&out);
    assert!(t.contains("warning: whatsapp.access_token is set from env FLOWCRM_WHATSAPP__ACCESS_TOKEN as plaintext"), "{t}");
    assert!(!t.contains("EAAGsecret"), "never prints the value");
}

#[test]
fn user_add_list_disable_from_the_cli() {
    let dir = tempfile::tempdir().expect("tmp");
    install(dir.path(), &[]);
    let d = dir.path();
    let add = run(
        d,
        &[
            "user",
            "add",
            "--email",
            "Owner@Shop.example",
            "--role",
            "admin",
            "--name",
            "Owner",
        ],
        "a good passphrase\n",
        &[],
    );
    assert!(add.status.success(), "{}", text(&add));
    assert!(text(&add).contains("created admin user owner@shop.example"));

    let dup = run(
        d,
        &["user", "add", "--email", "owner@shop.example"],
        "a good passphrase\n",
        &[],
    );
    assert!(!dup.status.success());
    assert!(text(&dup).contains("already exists"), "{}", text(&dup));

    let long = run(
        d,
        &["user", "add", "--email", "b@shop.example"],
        &format!("{}\n", "x".repeat(73)),
        &[],
    );
    assert!(!long.status.success());
    assert!(text(&long).contains("at most 72 bytes"), "{}", text(&long));

    let bad_role = run(
        d,
        &[
            "user",
            "add",
            "--email",
            "c@shop.example",
            "--role",
            "owner",
        ],
        "a good passphrase\n",
        &[],
    );
    assert!(!bad_role.status.success());

    let only_admin = run(
        d,
        &["user", "disable", "--email", "owner@shop.example"],
        "",
        &[],
    );
    assert!(!only_admin.status.success(), "the last admin stays");
    assert!(
        text(&only_admin).contains("last active admin"),
        "{}",
        text(&only_admin)
    );
    let add = run(
        d,
        &["user", "add", "--email", "agent@shop.example"],
        "a good passphrase\n",
        &[],
    );
    assert!(add.status.success(), "{}", text(&add));
    let dis = run(
        d,
        &["user", "disable", "--email", "agent@shop.example"],
        "",
        &[],
    );
    assert!(dis.status.success(), "{}", text(&dis));
    let list = run(d, &["user", "list"], "", &[]);
    let t = text(&list);
    assert!(
        t.contains("agent@shop.example") && t.contains("disabled"),
        "{t}"
    );

    assert!(!t.contains("b@shop.example"), "refused user not created");

    let missing = run(
        d,
        &["user", "set-password", "--email", "ghost@shop.example"],
        "another passphrase\n",
        &[],
    );
    assert!(!missing.status.success());
    assert!(text(&missing).contains("no user with that email"));
}

#[test]
fn roles_reset_links_and_deletion_from_the_cli() {
    let dir = tempfile::tempdir().expect("tmp");
    install(dir.path(), &[]);
    let d = dir.path();
    for (email, role) in [
        ("owner@shop.example", "admin"),
        ("agent@shop.example", "agent"),
    ] {
        let add = run(
            d,
            &["user", "add", "--email", email, "--role", role],
            "a good passphrase\n",
            &[],
        );
        assert!(add.status.success(), "{}", text(&add));
    }
    let promote = run(
        d,
        &[
            "user",
            "set-role",
            "--email",
            "agent@shop.example",
            "--role",
            "admin",
        ],
        "",
        &[],
    );
    assert!(promote.status.success(), "{}", text(&promote));
    let link = run(
        d,
        &["user", "reset-link", "--email", "agent@shop.example"],
        "",
        &[],
    );
    assert!(text(&link).contains("/account/"), "{}", text(&link));
    let gone = run(
        d,
        &[
            "user",
            "delete",
            "--email",
            "agent@shop.example",
            "--reassign",
            "owner@shop.example",
        ],
        "",
        &[],
    );
    assert!(gone.status.success(), "{}", text(&gone));
    assert!(
        text(&gone).contains("0 conversation(s) handed on"),
        "{}",
        text(&gone)
    );
    assert!(!text(&run(d, &["user", "list"], "", &[])).contains("agent@shop.example"));
    let missing = run(
        d,
        &[
            "user",
            "set-role",
            "--email",
            "ghost@shop.example",
            "--role",
            "admin",
        ],
        "",
        &[],
    );
    assert!(!missing.status.success());
    assert!(
        text(&missing).contains("no user with the email ghost@shop.example"),
        "{}",
        text(&missing)
    );
}

#[test]
fn a_viewer_is_added_and_a_lost_two_factor_is_reset_from_the_cli() {
    let dir = tempfile::tempdir().expect("tmp");
    install(dir.path(), &[]);
    let d = dir.path();
    let add = run(
        d,
        &[
            "user",
            "add",
            "--email",
            "carla@shop.example",
            "--role",
            "viewer",
        ],
        "a good passphrase\n",
        &[],
    );
    assert!(add.status.success(), "{}", text(&add));
    assert!(text(&add).contains("created viewer user"), "{}", text(&add));
    let db = rusqlite::Connection::open(d.join("data/flowcrm.db")).expect("db");
    // Two-factor on, as after setting it up in the browser (the secret's bytes do not matter
    // here: the reset removes them unread).
    db.execute_batch(
        "INSERT INTO two_factor (user_id, secret, enabled_at, created_at)
           SELECT id, x'00', 1, 1 FROM users;
         INSERT INTO recovery_codes (user_id, code_hash) SELECT id, x'01' FROM users;",
    )
    .expect("two-factor rows");
    let reset = run(
        d,
        &["user", "reset-two-factor", "--email", "carla@shop.example"],
        "",
        &[],
    );
    assert!(reset.status.success(), "{}", text(&reset));
    assert!(text(&reset).contains("set it up again"), "{}", text(&reset));
    let left: (i64, i64, i64) = db
        .query_row(
            "SELECT (SELECT COUNT(*) FROM two_factor), (SELECT COUNT(*) FROM recovery_codes),
                    (SELECT COUNT(*) FROM users WHERE two_factor_reset_at IS NOT NULL)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("counts");
    assert_eq!(left, (0, 0, 1));
    let audited: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'two_factor.reset'",
            [],
            |r| r.get(0),
        )
        .expect("audit");
    assert_eq!(audited, 1);
    let bad = run(
        d,
        &[
            "user",
            "add",
            "--email",
            "x@shop.example",
            "--role",
            "owner",
        ],
        "a good passphrase\n",
        &[],
    );
    assert!(!bad.status.success());
    assert!(
        text(&bad).contains("admin, agent or viewer"),
        "{}",
        text(&bad)
    );
}

#[test]
fn retention_run_reports_per_kind_and_a_dry_run_says_nothing_changed() {
    let dir = tempfile::tempdir().expect("tmp");
    install(dir.path(), &[]);
    let env = [("FLOWCRM_RETENTION__MESSAGES_DAYS", "30")];
    let dry = run(dir.path(), &["retention", "run", "--dry-run"], "", &env);
    assert!(dry.status.success(), "{}", text(&dry));
    let out = text(&dry);
    assert!(out.contains("dry run, nothing changed"), "{out}");
    assert!(out.contains("messages 30 days, media files kept"), "{out}");
    assert!(out.contains("would remove         0 messages"), "{out}");
    let real = run(dir.path(), &["retention", "run"], "", &env);
    assert!(real.status.success(), "{}", text(&real));
    assert!(
        text(&real).contains("removed         0 audit entries"),
        "{}",
        text(&real)
    );
    let bad = run(
        dir.path(),
        &["retention", "run"],
        "",
        &[("FLOWCRM_RETENTION__MEDIA_DAYS", "0")],
    );
    assert!(!bad.status.success());
    assert!(
        text(&bad).contains("retention.media_days"),
        "{}",
        text(&bad)
    );
}

#[test]
fn secret_set_stores_the_value_encrypted() {
    let dir = tempfile::tempdir().expect("tmp");
    install(dir.path(), &[]);
    let d = dir.path();
    let token = "EAAGm0PlaintextShouldNeverBeOnDisk123";
    let set = run(
        d,
        &["secret", "set", "whatsapp.access_token"],
        &format!("{token}\n"),
        &[],
    );
    assert!(set.status.success(), "{}", text(&set));
    let list = run(d, &["secret", "list"], "", &[]);
    assert!(text(&list).contains("encrypted"), "{}", text(&list));
    assert!(!text(&list).contains(token));
    for entry in std::fs::read_dir(d.join("data")).expect("data dir") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            let bytes = std::fs::read(&path).expect("read");
            assert!(
                !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
                "plaintext in {}",
                path.display()
            );
        }
    }
    let unknown = run(d, &["secret", "set", "whatsapp.password"], "x\n", &[]);
    assert!(!unknown.status.success());
    assert!(text(&unknown).contains("known secrets"));

    // With the key file gone the database refuses, instead of making a new key.
    std::fs::remove_file(d.join("data/master.key")).expect("rm key");
    let again = run(d, &["secret", "list"], "", &[]);
    assert!(!again.status.success());
    assert!(text(&again).contains("is missing"), "{}", text(&again));
}

#[test]
fn init_writes_a_config_that_loads_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let out = run(d, &["init"], "", &[]);
    assert!(out.status.success(), "{}", text(&out));
    let cfg = std::fs::read_to_string(d.join("flowcrm.toml")).expect("config written");
    assert!(cfg.contains("\nverify_token = \""));
    assert!(d.join("data/master.key").exists() && d.join("data/flowcrm.db").exists());
    let check = run(d, &["check-config"], "", &[]);
    assert!(check.status.success(), "{}", text(&check));
    let again = run(d, &["init"], "", &[]);
    assert!(!again.status.success());
    assert!(text(&again).contains("--force"));
}

#[test]
fn commands_refuse_to_create_a_phantom_install_and_stay_quiet() {
    let dir = tempfile::tempdir().expect("tmp");
    for args in [
        &["user", "list"][..],
        &["secret", "list"],
        &["api-key", "list"],
    ] {
        let out = run(dir.path(), args, "", &[]);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            text(&out).contains("no FlowCRM data in data: pass --data-dir or --config"),
            "{}",
            text(&out)
        );
    }
    assert!(!dir.path().join("data").exists(), "nothing was created");
    install(dir.path(), &[]);
    let quiet = run(dir.path(), &["user", "list"], "", &[]);
    assert!(quiet.status.success());
    assert!(!text(&quiet).contains("INFO"), "{}", text(&quiet));
}

#[test]
fn migrate_and_version_report_the_schema() {
    let dir = tempfile::tempdir().expect("tmp");
    let first = run(dir.path(), &["migrate"], "", &[]);
    assert!(first.status.success(), "{}", text(&first));
    assert!(text(&first).contains("applied V1__init"));
    let second = run(dir.path(), &["migrate"], "", &[]);
    assert!(text(&second).contains("up to date"));
    let v = run(dir.path(), &["version"], "", &[]);
    assert!(text(&v).contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn a_database_from_a_newer_flowcrm_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("tmp");
    assert!(run(dir.path(), &["migrate"], "", &[]).status.success());
    let db = rusqlite::Connection::open(dir.path().join("data/flowcrm.db")).expect("open");
    db.execute(
        "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES (999, 'future', '', '0')",
        [],
    )
    .expect("insert");
    drop(db);
    let out = run(dir.path(), &["serve"], "", &[]);
    assert!(!out.status.success());
    let t = text(&out);
    assert!(t.contains("newer than this flowcrm binary"), "{t}");
}

#[test]
fn master_key_can_come_from_systemd_credentials() {
    let dir = tempfile::tempdir().expect("tmp");
    let creds = tempfile::tempdir().expect("creds");
    std::fs::write(creds.path().join("master.key"), [7u8; 32]).expect("key");
    let env = [(
        "CREDENTIALS_DIRECTORY",
        creds.path().to_str().expect("utf8"),
    )];
    install(dir.path(), &env);
    let set = run(
        dir.path(),
        &["secret", "set", "whatsapp.app_secret"],
        "s3cret-value\n",
        &env,
    );
    assert!(set.status.success(), "{}", text(&set));
    assert!(
        text(&set).contains(creds.path().to_str().expect("utf8")),
        "{}",
        text(&set)
    );
    assert!(
        !dir.path().join("data/master.key").exists(),
        "no key created in the data dir"
    );
    // Without the credential the database refuses rather than creating a second key.
    let without = run(dir.path(), &["secret", "list"], "", &[]);
    assert!(!without.status.success());
    assert!(
        text(&without).contains("master key file"),
        "{}",
        text(&without)
    );
}

#[test]
fn webhook_replay_stores_events_from_a_file_or_stdin_once() {
    let dir = tempfile::tempdir().expect("tmp");
    install(dir.path(), &[]);
    let fixture = format!("{}/tests/fixtures/batch.json", env!("CARGO_MANIFEST_DIR"));
    let first = run(
        dir.path(),
        &["webhook", "replay", "--file", &fixture],
        "",
        &[],
    );
    assert!(first.status.success(), "{}", text(&first));
    assert!(
        text(&first).contains("3 new message(s), 0 duplicate(s), 1 status(es)"),
        "{}",
        text(&first)
    );
    let body = std::fs::read_to_string(&fixture).expect("fixture");
    let again = run(dir.path(), &["webhook", "replay"], &body, &[]);
    assert!(
        text(&again).contains("0 new message(s), 3 duplicate(s)"),
        "{}",
        text(&again)
    );
    let bad = run(dir.path(), &["webhook", "replay"], "{oops", &[]);
    assert!(!bad.status.success());
    assert!(text(&bad).contains("not a webhook body"), "{}", text(&bad));
    let db = rusqlite::Connection::open(dir.path().join("data/flowcrm.db")).expect("db");
    let n: i64 = db
        .query_row("SELECT COUNT(*) FROM messages", [], |r| r.get(0))
        .expect("count");
    assert_eq!(n, 3);
}

#[test]
fn contacts_import_dry_run_then_real_run_reports_rows_and_is_atomic() {
    let dir = tempfile::tempdir().expect("tmp");
    install(dir.path(), &[]);
    let d = dir.path();
    let csv = d.join("contacts.csv");
    std::fs::write(
        &csv,
        "\u{feff}Nome,Telefone,E-mail,Etiquetas\n\
         Ana,(11) 98888-7777,ana@example.com,VIP; Atacado\n\
         Sem telefone,123,,\n\
         Bruno,+55 21 97777-6666,nope,\n\
         Caio,+55 31 96666-5555,,VIP\n\
         Ana de novo,+55 11 98888-7777,,\n",
    )
    .expect("csv");
    let env = [("FLOWCRM_CRM__DEFAULT_REGION", "BR")];
    let file = csv.to_str().expect("utf8");
    let dry = run(d, &["contacts", "import", file, "--dry-run"], "", &env);
    let t = text(&dry);
    assert!(dry.status.success(), "{t}");
    assert!(
        t.contains(
            "2 contact(s) would be created, 0 updated, 3 row(s) skipped, 2 tag(s) would be created"
        ),
        "{t}"
    );
    assert!(
        t.contains("line 3: phone: 123 is not a valid phone number."),
        "{t}"
    );
    assert!(t.contains("line 4: email:"), "{t}");
    assert!(t.contains("line 6: same phone as line 2"), "{t}");
    assert!(t.contains("dry run: nothing was changed"));
    let db = || rusqlite::Connection::open(d.join("data/flowcrm.db")).expect("db");
    let count = |sql: &str| -> i64 { db().query_row(sql, [], |r| r.get(0)).expect("count") };
    assert_eq!(
        count("SELECT COUNT(*) FROM contacts"),
        0,
        "dry run changed nothing"
    );

    let real = run(d, &["contacts", "import", file], "", &env);
    let t = text(&real);
    assert!(
        t.contains("2 contact(s) were created, 0 updated, 3 row(s) skipped, 2 tag(s) were created"),
        "{t}"
    );
    assert_eq!(count("SELECT COUNT(*) FROM contacts"), 2);
    assert_eq!(count("SELECT COUNT(*) FROM contact_tags"), 3);
    // Importing again updates instead of duplicating.
    let again = run(d, &["contacts", "import", file], "", &env);
    assert!(
        text(&again).contains("0 contact(s) were created, 2 updated"),
        "{}",
        text(&again)
    );
    assert_eq!(count("SELECT COUNT(*) FROM contacts"), 2);

    let no_phone = d.join("no_phone.csv");
    std::fs::write(&no_phone, "name,city\nAna,Rio\n").expect("csv");
    let r = run(
        d,
        &["contacts", "import", no_phone.to_str().expect("utf8")],
        "",
        &env,
    );
    assert!(!r.status.success());
    assert!(text(&r).contains("no phone column found"), "{}", text(&r));
    let mapped = run(
        d,
        &[
            "contacts",
            "import",
            no_phone.to_str().expect("utf8"),
            "--phone-column",
            "city",
        ],
        "",
        &env,
    );
    assert!(
        text(&mapped).contains("1 row(s) skipped"),
        "{}",
        text(&mapped)
    );
}

#[test]
fn demo_seed_fills_a_data_dir_with_every_kind_of_record() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = run(
        dir.path(),
        &["demo", "seed", "--contacts", "120", "--messages", "1500"],
        "",
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("seeding contacts: 120/120 (100%)"),
        "progress: {}",
        text(&out)
    );
    assert!(text(&out).contains("seeded 120 contacts, 1500 messages"));
    let db = rusqlite::Connection::open(dir.path().join("data/flowcrm.db")).expect("db");
    let one = |sql: &str| -> i64 { db.query_row(sql, [], |r| r.get(0)).expect(sql) };
    assert_eq!(one("SELECT COUNT(*) FROM contacts"), 120);
    assert_eq!(one("SELECT COUNT(*) FROM conversations"), 120);
    assert_eq!(
        one("SELECT COUNT(*) FROM messages WHERE wamid GLOB 'wamid.demo.[0-9]*'"),
        1500,
        "the conversations asked for, plus the showcase's quoted replies and scenes"
    );
    // The coexistence scenes, one digit each: 2 calls, 1 deletion, 1 edit, 1 Business-app echo.
    assert_eq!(
        one(
            "SELECT COUNT(via) + 10 * COUNT(edited_at) + 100 * COUNT(deleted_at) + 1000 * SUM(kind = 'call') FROM messages"
        ),
        2111
    );
    assert!(
        one("SELECT COUNT(DISTINCT kind) FROM messages") >= 10,
        "many message types"
    );
    assert!(one("SELECT COUNT(*) FROM orders") > 0);
    assert!(one("SELECT COUNT(*) FROM contact_tags") > 0);
    // Every feature shows: templates in each review state, custom field values, orders along
    // the pipeline, notes by a team member, photos that display.
    assert_eq!(one("SELECT COUNT(DISTINCT status) FROM templates"), 3);
    assert!(one("SELECT COUNT(*) FROM contact_field_values") >= 3);
    assert!(one("SELECT COUNT(DISTINCT status) FROM orders") >= 3);
    assert!(one("SELECT COUNT(*) FROM conversation_notes WHERE user_id IS NOT NULL") > 0);
    assert!(
        one(
            "SELECT COUNT(*) FROM messages WHERE direction = 'out' AND extras LIKE '%quoted_wamid%'"
        ) > 0,
        "replies quote the customer"
    );
    let stored =
        one("SELECT COUNT(*) FROM media WHERE state = 'stored' AND mime_type = 'image/png'");
    assert!(stored > 0, "photos are drawn");
    let png = std::fs::read_dir(dir.path().join("data/media"))
        .expect("media dir")
        .filter_map(Result::ok)
        .find(|e| e.path().extension().is_some_and(|x| x == "png"))
        .expect("a picture");
    assert!(
        std::fs::read(png.path())
            .expect("read")
            .starts_with(b"\x89PNG")
    );
    assert!(one("SELECT COUNT(DISTINCT status) FROM messages WHERE direction = 'out'") >= 3);
    assert_eq!(
        one("SELECT COUNT(*) FROM media WHERE state = 'pending'"),
        0,
        "nothing to download"
    );
    assert!(
        one(
            "SELECT COUNT(*) FROM conversations WHERE last_inbound_at > strftime('%s','now') - 86400"
        ) > 0,
        "some windows open"
    );

    // Same seed, same data: a second dir gets the same names.
    let dir2 = tempfile::tempdir().expect("tmp");
    assert!(
        run(
            dir2.path(),
            &["demo", "seed", "--contacts", "120", "--messages", "1500"],
            "",
            &[]
        )
        .status
        .success()
    );
    let db2 = rusqlite::Connection::open(dir2.path().join("data/flowcrm.db")).expect("db");
    let names = |c: &rusqlite::Connection| -> String {
        c.query_row("SELECT group_concat(name) FROM contacts", [], |r| r.get(0))
            .expect("names")
    };
    assert_eq!(names(&db), names(&db2));
    let bad = run(
        dir.path(),
        &["demo", "seed", "--contacts", "10", "--messages", "5"],
        "",
        &[],
    );
    assert!(!bad.status.success());
    assert!(text(&bad).contains("--messages must be at least --contacts"));
}

#[test]
fn contact_export_writes_a_zip_and_contact_erase_needs_confirmation_and_prints_the_receipt() {
    let dir = tempfile::tempdir().expect("tmp");
    install(dir.path(), &[]);
    let d = dir.path();
    let csv = d.join("c.csv");
    std::fs::write(
        &csv,
        "name,phone,email\nAna Quixote,+351 919 000 111,ana@quixote.example\n",
    )
    .expect("csv");
    let out = run(
        d,
        &["contacts", "import", csv.to_str().expect("utf8")],
        "",
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));

    let out = run(
        d,
        &["contact", "export", "+351919000111", "--out", "ana.zip"],
        "",
        &[],
    );
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(
        t.contains("wrote ana.zip") && t.contains("0 messages, 0 media files"),
        "{t}"
    );
    let zip = std::fs::File::open(d.join("ana.zip")).expect("zip written");
    let mut zip = zip::ZipArchive::new(zip).expect("a ZIP");
    let doc: serde_json::Value =
        serde_json::from_reader(zip.by_name("contact.json").expect("json")).expect("parses");
    assert_eq!(doc["contact"]["email"], "ana@quixote.example");
    let again = run(d, &["contact", "export", "1", "--out", "ana.zip"], "", &[]);
    assert!(
        !again.status.success(),
        "an existing file is not overwritten"
    );
    assert!(text(&again).contains("not overwritten"), "{}", text(&again));
    let unknown = run(d, &["contact", "export", "77"], "", &[]);
    assert!(!unknown.status.success());
    assert!(
        text(&unknown).contains("no such contact"),
        "{}",
        text(&unknown)
    );

    // Without a terminal or --yes nothing is erased.
    let refused = run(
        d,
        &["contact", "erase", "1", "--reason", "asked"],
        "ERASE\n",
        &[],
    );
    assert!(!refused.status.success());
    assert!(text(&refused).contains("pass --yes"), "{}", text(&refused));
    let db = rusqlite::Connection::open(d.join("data/flowcrm.db")).expect("db");
    let contacts = |db: &rusqlite::Connection| -> i64 {
        db.query_row("SELECT COUNT(*) FROM contacts", [], |r| r.get(0))
            .expect("count")
    };
    assert_eq!(contacts(&db), 1);
    let erased = run(
        d,
        &[
            "contact",
            "erase",
            "+351919000111",
            "--reason",
            "asked by email",
            "--yes",
        ],
        "",
        &[],
    );
    let t = text(&erased);
    assert!(erased.status.success(), "{t}");
    assert!(
        t.contains("erased contact 1") && t.contains("; receipt "),
        "{t}"
    );
    assert_eq!(contacts(&db), 0);
    let reason: String = db
        .query_row("SELECT reason FROM erasures", [], |r| r.get(0))
        .expect("record");
    assert_eq!(reason, "asked by email");
}

#[test]
fn privacy_notice_prints_markdown_listing_only_the_processors_switched_on() {
    let dir = tempfile::tempdir().expect("tmp");
    install(dir.path(), &[]);
    let d = dir.path();
    let off = run(
        d,
        &["privacy", "notice"],
        "",
        &[("FLOWCRM_PRIVACY__CONTROLLER_NAME", "Loja Exemplo Lda")],
    );
    let t = text(&off);
    assert!(off.status.success(), "{t}");
    assert!(t.starts_with("# Privacy notice"), "{t}");
    assert!(
        t.contains("**Loja Exemplo Lda** is the data controller"),
        "{t}"
    );
    assert!(
        t.contains("- **Meta Platforms (WhatsApp Business Cloud API)**"),
        "{t}"
    );
    assert!(!t.contains("Email relay"), "SMTP is off: {t}");
    assert!(
        t.contains("| Audit log of actions by the team | 365 days |"),
        "{t}"
    );
    let on = run(
        d,
        &["privacy", "notice"],
        "",
        &[
            ("FLOWCRM_SMTP__HOST", "mail.loja.example"),
            ("FLOWCRM_SMTP__FROM_ADDRESS", "crm@loja.example"),
            ("FLOWCRM_RETENTION__MESSAGES_DAYS", "730"),
        ],
    );
    let t = text(&on);
    assert!(on.status.success(), "{t}");
    assert!(t.contains("- **Email relay (mail.loja.example)**"), "{t}");
    assert!(
        t.contains("| Messages, with their delivery statuses and edits | 730 days |"),
        "{t}"
    );
    assert!(
        !t.contains("&#") && !t.contains("&quot;"),
        "Markdown, not HTML-escaped: {t}"
    );
}

#[allow(dead_code)]
#[path = "web/fake_sheets.rs"]
mod fake_sheets;

#[test]
fn sheets_sync_from_the_command_line_writes_the_sheet_and_a_second_run_writes_nothing() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let fake = rt.block_on(fake_sheets::FakeSheets::start());
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let env = [
        ("FLOWCRM_SHEETS__API_BASE", fake.base.as_str()),
        ("FLOWCRM_SHEETS__SPREADSHEET", fake_sheets::SPREADSHEET),
        ("FLOWCRM_SHEETS__CONTACTS_COLUMNS", "name; phone"),
    ];
    install(d, &env);
    let bad = run(
        d,
        &["secret", "set", "sheets.service_account"],
        "{\"type\": \"user\"}",
        &env,
    );
    assert!(
        !bad.status.success() && text(&bad).contains("not a service-account key"),
        "{}",
        text(&bad)
    );
    let set = run(
        d,
        &["secret", "set", "sheets.service_account"],
        &fake.key_json(),
        &env,
    );
    assert!(
        text(&set).contains("sync@flowcrm-test.iam.gserviceaccount.com"),
        "{}",
        text(&set)
    );
    std::fs::write(
        d.join("c.csv"),
        "name,phone\nAna,+351910000001\n=cmd(),+351910000002\n",
    )
    .expect("csv");
    let import = run(d, &["contacts", "import", "c.csv"], "", &env);
    assert!(import.status.success(), "{}", text(&import));
    let dry = run(d, &["sheets", "sync", "--dry-run"], "", &env);
    assert!(
        text(&dry).contains("rows would be added 2"),
        "{}",
        text(&dry)
    );
    assert!(fake.tab("Contacts").is_none(), "a dry run writes nothing");
    let first = run(d, &["sheets", "sync"], "", &env);
    assert!(
        first.status.success() && text(&first).contains("rows added 2"),
        "{}",
        text(&first)
    );
    let rows = fake.tab("Contacts").expect("tab").rows;
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[2][1], serde_json::json!("=cmd()"), "sent as text");
    fake.clear_seen();
    let again = run(d, &["sheets", "sync"], "", &env);
    assert!(
        text(&again).contains("rows added 0, updated 0, deleted 0"),
        "{}",
        text(&again)
    );
    assert!(
        fake.api_requests().iter().all(|r| r.method == "GET"),
        "no write when nothing changed"
    );
    let status = run(d, &["sheets", "status"], "", &env);
    assert!(
        text(&status).contains(fake_sheets::SPREADSHEET) && text(&status).contains("cli"),
        "{}",
        text(&status)
    );
}

#[path = "common/fake_ai.rs"]
mod fake_ai;

#[test]
fn ai_key_status_and_test_from_the_command_line() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let fake = rt.block_on(fake_ai::FakeAi::start(Some("sk-cli-key")));
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let env = [
        ("FLOWCRM_AI__BASE_URL", fake.base.as_str()),
        ("FLOWCRM_AI__MODEL", "cli-model"),
        ("FLOWCRM_AI__CONTEXT_TOKENS", "1000"),
    ];
    install(d, &env);
    // Without the key the endpoint refuses: the test says so and exits non-zero.
    let refused = run(d, &["ai", "test"], "", &env);
    assert!(
        !refused.status.success() && text(&refused).contains("refused the API key (401)"),
        "{}",
        text(&refused)
    );
    let set = run(d, &["secret", "set", "ai.api_key"], "sk-cli-key\n", &env);
    assert!(set.status.success(), "{}", text(&set));
    fake.inner.lock().expect("lock").truncate_to = Some(300);
    let cut = run(d, &["ai", "test"], "", &env);
    assert!(
        !cut.status.success() && text(&cut).contains("Truncated") && text(&cut).contains("num_ctx"),
        "{}",
        text(&cut)
    );
    fake.inner.lock().expect("lock").truncate_to = None;
    fake.reply("PELICAN");
    let ok = run(d, &["ai", "test"], "", &env);
    assert!(
        ok.status.success() && text(&ok).contains("read the whole test prompt"),
        "{}",
        text(&ok)
    );
    let status = run(d, &["ai", "status"], "", &env);
    let s = text(&status);
    assert!(
        s.contains("AI assist: off")
            && s.contains("API key:   set")
            && s.contains("in 3 calls")
            && s.contains("cli-model"),
        "{s}"
    );
    assert!(s.contains("auth") && s.contains("by the CLI"), "{s}");
}

#[test]
fn campaign_list_and_show_read_the_same_campaigns_as_the_page() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    install(d, &[]);
    let empty = run(d, &["campaign", "list"], "", &[]);
    assert!(
        empty.status.success() && text(&empty).contains("No campaigns yet"),
        "{}",
        text(&empty)
    );
    {
        let db = rusqlite::Connection::open(d.join("data/flowcrm.db")).expect("db");
        db.execute_batch(
            "INSERT INTO templates (meta_id, name, language, category, status, components, parameter_format, updated_at)
               VALUES ('t1', 'promo', 'pt_BR', 'MARKETING', 'APPROVED', '[{\"type\":\"BODY\",\"text\":\"Oi!\"}]', 'POSITIONAL', 0);
             INSERT INTO contacts (phone, name, opt_in, created_at, updated_at) VALUES ('+5511911110001', 'Ana', 'in', 0, 0);
             INSERT INTO contacts (phone, name, opt_in, created_at, updated_at) VALUES ('+5511911110002', 'Bia', 'out', 0, 0);
             INSERT INTO segments (name, filter, created_at, updated_at) VALUES ('Everyone', '{}', 0, 0);
             INSERT INTO campaigns (name, template_name, template_language, include_segments, created_at, updated_at)
               VALUES ('Natal', 'promo', 'pt_BR', '[1]', 0, 0);",
        )
        .expect("seed");
    }
    let list = run(d, &["campaign", "list"], "", &[]);
    assert!(list.status.success(), "{}", text(&list));
    assert!(
        text(&list).contains("Natal") && text(&list).contains("draft"),
        "{}",
        text(&list)
    );
    let show = run(d, &["campaign", "show", "1"], "", &[]);
    let out = text(&show);
    assert!(show.status.success(), "{out}");
    assert!(out.contains("would reach: 1 contacts"), "{out}");
    assert!(out.contains("would leave out: 1 — Opted out"), "{out}");
    assert!(out.contains("estimate:  0.06 USD (example rates)"), "{out}");
    let missing = run(d, &["campaign", "show", "99"], "", &[]);
    assert!(!missing.status.success(), "{}", text(&missing));
}

/// The demo agents' replies and resolutions are in the reports, and `reports backfill`
/// rebuilds the same events from the stored history.
#[test]
fn reports_backfill_rebuilds_what_was_recorded_live() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = run(
        dir.path(),
        &["demo", "seed", "--contacts", "120", "--messages", "1500"],
        "",
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    let db = rusqlite::Connection::open(dir.path().join("data/flowcrm.db")).expect("db");
    let one = |sql: &str| -> i64 { db.query_row(sql, [], |r| r.get(0)).expect(sql) };
    let events = "SELECT group_concat(kind || ':' || conversation_id || ':' || at || ':' || COALESCE(user_id, '') || ':' || COALESCE(seconds, '') || ':' || COALESCE(business_seconds, ''), ',') FROM (SELECT * FROM report_events ORDER BY conversation_id, at, kind, user_id)";
    let first: String = db.query_row(events, [], |r| r.get(0)).expect("events");
    assert!(
        one(
            "SELECT COUNT(*) FROM report_events WHERE kind = 'first_response' AND user_id IS NOT NULL"
        ) > 50
    );
    assert!(one("SELECT COUNT(*) FROM report_events WHERE kind = 'resolved'") > 0);
    let out = run(dir.path(), &["reports", "backfill"], "", &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("replayed 12"), "{}", text(&out));
    let again: String = db.query_row(events, [], |r| r.get(0)).expect("events");
    let (a, b): (Vec<&str>, Vec<&str>) = (first.split(',').collect(), again.split(',').collect());
    let differ = a.iter().zip(&b).position(|(x, y)| x != y);
    assert!(
        differ.is_none() && a.len() == b.len(),
        "the back-fill differs from what was recorded live at {differ:?}: {:?} / {:?}",
        differ.map(|i| &a[i.saturating_sub(2)..(i + 2).min(a.len())]),
        differ.map(|i| &b[i.saturating_sub(2)..(i + 2).min(b.len())])
    );
}
