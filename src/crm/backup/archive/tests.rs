use super::*;

const KEY: [u8; 32] = [3u8; 32];

fn fixture() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("snap.db");
    std::fs::write(&db, b"SQLite format 3\0 pretend database").expect("db");
    let media = dir.path().join("media");
    std::fs::create_dir_all(media.join("2026")).expect("media");
    std::fs::write(media.join("a.jpg"), vec![1u8; 300_000]).expect("a");
    std::fs::write(media.join("2026/b.ogg"), b"voice").expect("b");
    (dir, db, media)
}

fn info() -> Info {
    Info {
        schema: 26,
        created_at: "2026-12-02T03:00:00Z".into(),
    }
}

#[test]
fn files_come_back_byte_for_byte_with_their_hashes_checked() {
    let (dir, db, media) = fixture();
    let out = dir.path().join("x.fcb");
    let (manifest, len) = write(&out, &KEY, &media, || Ok((db.clone(), info()))).expect("write");
    assert_eq!(std::fs::metadata(&out).expect("meta").len(), len);
    let names: Vec<&str> = manifest.parts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["media/2026/b.ogg", "media/a.jpg", "flowcrm.db"]);
    assert_eq!(manifest.media_files(), 2);
    let dest = dir.path().join("restored");
    std::fs::create_dir(&dest).expect("dest");
    let back = read(&out, &KEY, Extract::Everything(&dest)).expect("read");
    assert_eq!(back, manifest);
    assert_eq!(
        std::fs::read(dest.join("flowcrm.db")).expect("db"),
        std::fs::read(&db).expect("db")
    );
    assert_eq!(
        std::fs::read(dest.join("media/a.jpg")).expect("a"),
        vec![1u8; 300_000]
    );
    assert_eq!(
        std::fs::read(dest.join("media/2026/b.ogg")).expect("b"),
        b"voice"
    );
    // Checking alone writes nothing.
    let only = dir.path().join("only");
    std::fs::create_dir(&only).expect("only");
    read(&out, &KEY, Extract::Database(&only)).expect("check");
    assert!(only.join("flowcrm.db").exists());
    assert!(!only.join("media").exists());
}

#[test]
fn media_that_arrive_while_the_snapshot_is_taken_are_in_the_archive() {
    let (dir, db, media) = fixture();
    let out = dir.path().join("x.fcb");
    let (manifest, _) = write(&out, &KEY, &media, || {
        // The media job stores a file while the snapshot is being taken.
        std::fs::write(media.join("late.jpg"), b"late").expect("late");
        Ok((db.clone(), info()))
    })
    .expect("write");
    let names: Vec<&str> = manifest.parts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "media/2026/b.ogg",
            "media/a.jpg",
            "flowcrm.db",
            "media/late.jpg"
        ]
    );
    read(&out, &KEY, Extract::Nothing).expect("reads back");
}

#[test]
fn the_key_is_not_inside_and_errors_are_distinct() {
    let (dir, db, media) = fixture();
    let out = dir.path().join("x.fcb");
    write(&out, &KEY, &media, || Ok((db.clone(), info()))).expect("write");
    let bytes = std::fs::read(&out).expect("read");
    assert!(!bytes.windows(32).any(|w| w == KEY), "key inside");
    assert!(
        !bytes.windows(8).any(|w| w == b"pretend "),
        "plaintext inside"
    );
    let wrong = read(&out, &[4u8; 32], Extract::Nothing).expect_err("wrong key");
    assert!(wrong.to_string().starts_with("wrong backup key"), "{wrong}");
    let cut = dir.path().join("cut.fcb");
    std::fs::write(&cut, &bytes[..bytes.len() - 10]).expect("cut");
    let truncated = read(&cut, &KEY, Extract::Nothing).expect_err("truncated");
    assert!(truncated.to_string().contains("truncated"), "{truncated}");
    let mut altered = bytes.clone();
    altered[200] ^= 0x40;
    let bad = dir.path().join("bad.fcb");
    std::fs::write(&bad, &altered).expect("bad");
    let tampered = read(&bad, &KEY, Extract::Nothing).expect_err("tampered");
    assert!(
        tampered.to_string().contains("altered or damaged"),
        "{tampered}"
    );
    assert!(!safe_name("media/../master.key"));
    assert!(!safe_name("/etc/passwd"));
    assert!(!safe_name("media/"));
    assert!(safe_name("media/x/y.jpg"));
}
