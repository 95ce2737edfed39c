//! Tests of `outbound`.

use super::placeholders;

#[test]
fn placeholders_in_order_without_duplicates() {
    assert_eq!(placeholders("Olá {{1}}, pedido {{2}} de {{1}}"), ["1", "2"]);
    assert_eq!(
        placeholders("Hi {{ name }}, order {{order_id}}"),
        ["name", "order_id"]
    );
    assert!(placeholders("no vars {{").is_empty());
}

#[tokio::test]
async fn template_sends_are_checked_against_the_stored_template() {
    use super::{Error, check_template};
    use crate::db::templates::{Template, upsert};
    use crate::model::{Outbound, TemplateHeader, TemplateParam};
    let (db, _dir) = crate::db::testing::temp_db();
    let now = time::OffsetDateTime::now_utc();
    db.write(move |c| {
        let t = |name: &str, status: &str, components: &str| Template {
            meta_id: Some(format!("{name}-id")),
            name: name.into(),
            language: "pt_BR".into(),
            category: "UTILITY".into(),
            status: status.into(),
            reason: None,
            parameter_format: "POSITIONAL".into(),
            components: components.into(),
        };
        upsert(
            c,
            &t(
                "pedido",
                "APPROVED",
                r#"[{"type":"BODY","text":"Pedido {{1}} de {{2}}"}]"#,
            ),
            now,
        )?;
        upsert(
            c,
            &t(
                "foto",
                "approved",
                r#"[{"type":"header","format":"image"},{"type":"BODY","text":"Oi"}]"#,
            ),
            now,
        )?;
        upsert(c, &t("novo", "PENDING", "[]"), now)?;
        upsert(c, &t("quebrado", "APPROVED", "{not json"), now)
    })
    .await
    .expect("templates");
    let send = |name: &str, body: &[&str], header: Option<TemplateHeader>| Outbound::Template {
        name: name.into(),
        language: "pt_BR".into(),
        header,
        body: body
            .iter()
            .map(|t| TemplateParam {
                name: None,
                text: (*t).into(),
            })
            .collect(),
        buttons: Vec::new(),
    };
    let check = |m: Outbound| {
        let db = db.clone();
        async move { db.read(move |c| check_template(c, &m)).await }
    };
    let ok = check(send("pedido", &["42", "Ana"], None))
        .await
        .expect("fits");
    assert_eq!(ok.0, "Pedido 42 de Ana", "the timeline text is filled in");
    let short = check(send("pedido", &["42"], None)).await;
    assert!(
        matches!(&short, Err(Error::Template(m)) if m.contains("2 variable(s); 1 given")),
        "{short:?}"
    );
    let no_image = check(send("foto", &[], None)).await;
    assert!(
        matches!(&no_image, Err(Error::Template(m)) if m.contains("needs a image")),
        "{no_image:?}"
    );
    let image = TemplateHeader::Image {
        media_id: "77".into(),
    };
    assert!(
        check(send("foto", &[], Some(image))).await.is_ok(),
        "any case of TYPE and FORMAT"
    );
    let pending = check(send("novo", &[], None)).await;
    assert!(
        matches!(&pending, Err(Error::Template(m)) if m.contains("PENDING")),
        "{pending:?}"
    );
    let missing = check(send("nada", &[], None)).await;
    assert!(
        matches!(&missing, Err(Error::Template(m)) if m.contains("Sync templates")),
        "{missing:?}"
    );
    let corrupt = check(send("quebrado", &[], None)).await;
    assert!(matches!(corrupt, Err(Error::Corrupt(_))), "{corrupt:?}");
}
