//! Tests of `outbound`.

use super::*;

fn text(body: &str) -> Outbound {
    Outbound::Text {
        body: body.into(),
        preview_url: false,
    }
}

#[test]
fn text_limits() {
    assert!(text("hi").validate().is_ok());
    assert!(text("").validate().is_err());
    assert!(text(&"a".repeat(4096)).validate().is_ok());
    let e = text(&"a".repeat(4097)).validate().expect_err("too long");
    assert_eq!(
        e,
        vec!["The message is 4097 characters; the limit is 4096.".to_string()]
    );
}

#[test]
fn buttons_limits_are_all_reported() {
    let b = |t: &str| ReplyButton {
        id: t.into(),
        title: t.into(),
    };
    let m = Outbound::Buttons {
        header: None,
        body: "Choose".into(),
        footer: Some("f".repeat(61)),
        buttons: vec![b("a"), b("a"), b("c"), b("this title is far too long")],
    };
    let e = m.validate().expect_err("invalid");
    assert!(e.iter().any(|x| x.contains("1 to 3 buttons")), "{e:?}");
    assert!(e.iter().any(|x| x.contains("footer")), "{e:?}");
    assert!(e.iter().any(|x| x.contains("different")), "{e:?}");
    assert!(e.iter().any(|x| x.contains("button title is 26")), "{e:?}");
}

#[test]
fn list_limits() {
    let row = |i: usize| ListRow {
        id: format!("r{i}"),
        title: format!("Row {i}"),
        description: None,
    };
    let ok = Outbound::List {
        header: None,
        body: "Pick".into(),
        footer: None,
        button: "Options".into(),
        sections: vec![ListSection {
            title: "A".into(),
            rows: (0..10).map(row).collect(),
        }],
    };
    assert!(ok.validate().is_ok());
    let too_many = Outbound::List {
        header: None,
        body: "Pick".into(),
        footer: None,
        button: "Options".into(),
        sections: vec![ListSection {
            title: "A".into(),
            rows: (0..11).map(row).collect(),
        }],
    };
    assert!(too_many.validate().is_err());
}

#[test]
fn media_and_template_params() {
    let audio = Outbound::Media {
        kind: MediaKind::Audio,
        media_id: "1".into(),
        caption: Some("x".into()),
        filename: None,
    };
    assert!(audio.validate().is_err(), "audio has no caption");
    let t = |v: &str| Outbound::Template {
        name: "order_update".into(),
        language: "pt_BR".into(),
        header: None,
        body: vec![TemplateParam {
            name: None,
            text: v.into(),
        }],
        buttons: vec![],
    };
    assert!(t("Ana").validate().is_ok());
    assert!(t("two\nlines").validate().is_err());
    assert!(t("too     spaced").validate().is_err());
    assert!(t(" ").validate().is_err());
    assert!(!t("Ana").needs_open_window());
    assert!(text("x").needs_open_window());
}
