//! Tests of `contacts`.

use super::*;
use crate::model::{ContactFilter, ContactSort};

fn names(conn: &Connection, q: &str) -> Vec<String> {
    let f = ContactFilter {
        q: q.into(),
        sort: ContactSort::Name,
        ..ContactFilter::default()
    };
    let now = crate::model::Now {
        at: OffsetDateTime::now_utc(),
        zone: crate::model::Zone::utc(),
    };
    let n = count_matching(conn, &f, &now).expect("count");
    let rows = list(conn, &f, None, 100, &now).expect("list");
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

#[tokio::test]
async fn the_filter_sql_combines_tags_fields_consent_and_sorts_stably() {
    use crate::model::{CustomField, FieldKind, OptIn};
    let (db, _dir) = crate::db::testing::temp_db();
    let now = time::OffsetDateTime::from_unix_timestamp(1_767_225_600).expect("t");
    let p = |s: &str| crate::model::PhoneE164::parse(s, None).expect("phone");
    let (vip, gold) = db
        .write(move |c| -> crate::db::Result<_> {
            let vip = crate::db::tags::insert(c, "VIP", "red", now)?;
            let tier = CustomField {
                id: 0,
                key: "tier".into(),
                label: "Tier".into(),
                kind: FieldKind::Text,
                options: Vec::new(),
            };
            let field = crate::db::custom_fields::insert(c, &tier, now)?;
            let mut ids = Vec::new();
            for (i, name) in ["Bia", "Ana", "Caio", "Duda"].into_iter().enumerate() {
                let at = now + time::Duration::minutes(i64::try_from(i).expect("i"));
                ids.push(insert_manual(
                    c,
                    name,
                    &p(&format!("+551190000000{i}")),
                    None,
                    at,
                )?);
            }
            crate::db::tags::tag_contacts(c, vip, &[ids[0], ids[1], ids[3]])?;
            for id in [ids[1], ids[2], ids[3]] {
                crate::db::custom_fields::set_value(c, id, field, Some("gold"), None)?;
            }
            crate::db::consent::set_opt_in(c, ids[3], OptIn::Out, "test", None, now)?;
            Ok((vip, field))
        })
        .await
        .expect("seed");
    let defs = db.read(crate::db::custom_fields::list).await.expect("defs");
    assert!(defs.iter().any(|d| d.id == gold));
    let run = move |f: ContactFilter| {
        let db = db.clone();
        async move {
            db.read(move |c| {
                let now = crate::model::Now {
                    at: now,
                    zone: crate::model::Zone::utc(),
                };
                list(c, &f, None, 50, &now)
            })
            .await
            .expect("list")
            .into_iter()
            .map(|(r, _)| r.contact.name)
            .collect::<Vec<_>>()
        }
    };
    let mut f = ContactFilter::from_pairs(&[
        ("tag_all".into(), vip.to_string()),
        ("field".into(), "tier:eq:gold".into()),
        ("sort".into(), "name".into()),
    ])
    .expect("filter");
    assert_eq!(run(f.clone()).await, ["Ana", "Duda"]);
    f.opt_in = Some(OptIn::Out);
    assert_eq!(run(f.clone()).await, ["Duda"]);
    f.opt_in = None;
    f.sort = ContactSort::Oldest;
    assert_eq!(run(f).await, ["Ana", "Duda"]);
}
