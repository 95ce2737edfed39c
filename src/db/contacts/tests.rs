//! Tests of `contacts`.

use super::*;
use crate::model::{ContactFilter, ContactSort};

fn names(conn: &Connection, q: &str) -> Vec<String> {
    let f = ContactFilter {
        q: q.into(),
        sort: ContactSort::Name,
        ..ContactFilter::default()
    };
    let now = OffsetDateTime::now_utc();
    let n = count_matching(conn, &f, now).expect("count");
    let rows = list(conn, &f, None, 100, now).expect("list");
    assert_eq!(
        usize::try_from(n).ok(),
        Some(rows.len()),
        "count agrees for {q:?}"
    );
    rows.into_iter()
        .map(|(r, _)| r.contact.display_name())
        .collect()
}

#[tokio::test]
async fn search_finds_substrings_through_the_index_and_stays_in_step() {
    let (db, _dir) = crate::db::testing::temp_db();
    let found = db
        .write(|c| -> crate::db::Result<_> {
            let now = OffsetDateTime::now_utc();
            let p = |s: &str| PhoneE164::from_stored(s.into());
            let ana = insert_manual(
                c,
                "Ana Lima",
                &p("+5511988887777"),
                Some("ana@shop.example"),
                now,
            )?;
            insert_manual(c, "Bruno \"Bigode\" Souza", &p("+5521977776666"), None, now)?;
            insert_manual(
                c,
                "Caio",
                &p("+5531966665555"),
                Some("caio_100%@x.example"),
                now,
            )?;
            let id = insert(c, None, Some("BR.1"), "Dani WhatsApp", now)?;
            let mut out = vec![
                names(c, "lima"),       // name, index
                names(c, "ANA"),        // case-insensitive
                names(c, "(11) 98888"), // phone digits of a formatted number
                names(c, "shop.exa"),   // email
                names(c, "\"Bigode\""), // quotes in the query are literal
                names(c, "_100%"),      // LIKE wildcards are literal
                names(c, "an"),         // two letters: scanned, not indexed
                names(c, "whatsapp"),   // WhatsApp profile name
                names(c, "zzz"),        // nothing
            ];
            set_details(c, ana, "Ana Paula", None, None, now)?;
            out.push(names(c, "lima"));
            out.push(names(c, "paula"));
            delete(c, id)?;
            out.push(names(c, "whatsapp"));
            Ok(out)
        })
        .await
        .expect("db");
    let want: Vec<Vec<&str>> = vec![
        vec!["Ana Lima"],
        vec!["Ana Lima"],
        vec!["Ana Lima"],
        vec!["Ana Lima"],
        vec!["Bruno \"Bigode\" Souza"],
        vec!["Caio"],
        vec!["Ana Lima", "Dani WhatsApp"],
        vec!["Dani WhatsApp"],
        vec![],
        vec![],
        vec!["Ana Paula"],
        vec![],
    ];
    assert_eq!(found, want);
}
