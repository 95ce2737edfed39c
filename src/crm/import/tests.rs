//! Tests of `import`.

use super::*;

fn recs(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| r.iter().map(|s| (*s).to_string()).collect())
        .collect()
}

#[test]
fn header_names_map_to_fields_in_several_languages() {
    let m = Mapping::from_header(&[
        "Nome".into(),
        "Telefone".into(),
        "E-mail".into(),
        "Etiquetas".into(),
    ]);
    assert_eq!(
        m,
        Mapping {
            name: Some(0),
            phone: Some(1),
            email: Some(2),
            tags: Some(3),
            ..Mapping::default()
        }
    );
}

#[tokio::test]
async fn a_failure_part_way_leaves_nothing_behind() {
    let (db, _dir) = crate::db::testing::temp_db();
    db.write(|c| crate::db::testing::fail_contact_inserts_named(c, "boom"))
        .await
        .expect("trigger");
    let m = Mapping {
        name: Some(0),
        phone: Some(1),
        email: None,
        tags: Some(2),
        ..Mapping::default()
    };
    let rows = parse_rows(
        &recs(&[
            &["Ana", "+5511988887777", "VIP"],
            &["Bia", "+5521988880000", ""],
            &["boom", "+5531977770000", ""],
        ]),
        &m,
        None,
    );
    let done = AtomicUsize::new(0);
    let now = OffsetDateTime::now_utc();
    let result = db.write(move |c| apply(c, &rows, false, &done, now)).await;
    assert!(result.is_err());
    let counts = db
        .read(|c| -> crate::db::Result<_> {
            Ok((
                crate::db::contacts::count(c)?,
                crate::db::tags::list(c)?.len(),
            ))
        })
        .await
        .expect("read");
    assert_eq!(
        counts,
        (0, 0),
        "no contact and no tag from the failed import"
    );
}

#[test]
fn bad_rows_are_reported_by_line_number() {
    let m = Mapping {
        name: Some(0),
        phone: Some(1),
        email: Some(2),
        tags: Some(3),
        ..Mapping::default()
    };
    let rows = parse_rows(
        &recs(&[
            &["Ana", "(11) 98888-7777", "ana@example.com", "VIP; Atacado"],
            &["Bad phone", "123", "", ""],
            &["Bad email", "(21) 97777-6666", "nope", ""],
            &["Ana again", "+55 11 98888-7777", "", ""],
        ]),
        &m,
        Some("BR"),
    );
    assert!(
        rows[0]
            .as_ref()
            .is_ok_and(|r| r.tags == ["VIP", "Atacado"] && r.phone.as_str() == "+5511988887777")
    );
    assert_eq!(
        rows[1],
        Err((3, "phone: 123 is not a valid phone number.".into()))
    );
    assert!(matches!(&rows[2], Err((4, why)) if why.starts_with("email:")));
    assert_eq!(rows[3], Err((5, "same phone as line 2".into())));
}
