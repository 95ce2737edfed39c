//! Tests of `outbound`.

use super::*;
use crate::model::{ListRow, ListSection, MediaKind, MetaError, ReplyButton, TemplateButtonParam};

fn to() -> Recipient {
    Recipient::Phone(PhoneE164::from_international("5511988887777").expect("phone"))
}

#[test]
fn text_body_matches_metas_shape() {
    let body = request_body(
        &Outbound::Text {
            body: "Pedido #42 confirmado".into(),
            preview_url: false,
        },
        &to(),
        Some("wamid.IN1"),
        "crm-msg-42",
    );
    assert_eq!(
        body,
        json!({"messaging_product":"whatsapp","recipient_type":"individual","to":"+5511988887777",
               "type":"text","text":{"preview_url":false,"body":"Pedido #42 confirmado"},
               "context":{"message_id":"wamid.IN1"},"biz_opaque_callback_data":"crm-msg-42"})
    );
}

#[test]
fn bsuid_recipients_use_the_recipient_field() {
    let body = request_body(
        &Outbound::Reaction {
            message_id: "wamid.X".into(),
            emoji: "👍".into(),
        },
        &Recipient::UserId("US.1".into()),
        None,
        "k",
    );
    assert_eq!(body["recipient"], "US.1");
    assert!(body.get("to").is_none());
    assert_eq!(
        body["reaction"],
        json!({"message_id": "wamid.X", "emoji": "👍"})
    );
}

#[test]
fn template_body_has_header_body_and_button_components() {
    let msg = Outbound::Template {
        name: "order_update".into(),
        language: "pt_BR".into(),
        header: Some(TemplateHeader::Image {
            media_id: "m1".into(),
        }),
        body: vec![
            TemplateParam {
                name: None,
                text: "Ana".into(),
            },
            TemplateParam {
                name: Some("order_id".into()),
                text: "42".into(),
            },
        ],
        buttons: vec![TemplateButtonParam {
            sub_type: "quick_reply".into(),
            index: 0,
            value: "ORDER42_OK".into(),
        }],
    };
    let body = request_body(&msg, &to(), None, "k");
    assert_eq!(
        body["template"],
        json!({"name":"order_update","language":{"code":"pt_BR"},"components":[
            {"type":"header","parameters":[{"type":"image","image":{"id":"m1"}}]},
            {"type":"body","parameters":[{"type":"text","text":"Ana"},{"type":"text","text":"42","parameter_name":"order_id"}]},
            {"type":"button","sub_type":"quick_reply","index":"0","parameters":[{"type":"payload","payload":"ORDER42_OK"}]}]})
    );
}

#[test]
fn interactive_and_media_bodies() {
    let buttons = Outbound::Buttons {
        header: None,
        body: "Confirma?".into(),
        footer: Some("Loja".into()),
        buttons: vec![ReplyButton {
            id: "yes".into(),
            title: "Sim".into(),
        }],
    };
    let b = request_body(&buttons, &to(), None, "k");
    assert_eq!(b["interactive"]["type"], "button");
    assert_eq!(
        b["interactive"]["action"]["buttons"][0],
        json!({"type":"reply","reply":{"id":"yes","title":"Sim"}})
    );
    assert_eq!(b["interactive"]["footer"], json!({"text":"Loja"}));
    let list = Outbound::List {
        header: Some("Cardápio".into()),
        body: "Escolha".into(),
        footer: None,
        button: "Ver opções".into(),
        sections: vec![ListSection {
            title: "Pizzas".into(),
            rows: vec![ListRow {
                id: "p1".into(),
                title: "Margherita".into(),
                description: Some("Clássica".into()),
            }],
        }],
    };
    let l = request_body(&list, &to(), None, "k");
    assert_eq!(
        l["interactive"]["action"]["sections"][0]["rows"][0]["description"],
        "Clássica"
    );
    let doc = Outbound::Media {
        kind: MediaKind::Document,
        media_id: "d1".into(),
        caption: Some("NF".into()),
        filename: Some("nf.pdf".into()),
    };
    assert_eq!(
        request_body(&doc, &to(), None, "k")["document"],
        json!({"id":"d1","caption":"NF","filename":"nf.pdf"})
    );
}

fn api(status: u16, code: i64) -> GraphError {
    GraphError::Api {
        status,
        error: MetaError {
            code,
            ..MetaError::default()
        },
    }
}

#[test]
fn error_classes_follow_the_reference_table() {
    for code in [130_429, 131_000, 131_016, 131_057, 1, 2, 4, 80_007] {
        assert_eq!(classify(&api(400, code)), ErrorClass::Retry, "{code}");
    }
    assert_eq!(classify(&api(400, 131_056)), ErrorClass::PairRate);
    assert_eq!(classify(&api(400, 131_047)), ErrorClass::WindowClosed);
    assert_eq!(classify(&api(401, 190)), ErrorClass::TokenInvalid);
    for code in [131_026, 131_049, 131_050, 132_000, 132_001, 100, 131_009] {
        assert_eq!(classify(&api(400, code)), ErrorClass::Permanent, "{code}");
    }
    assert_eq!(
        classify(&api(503, 0)),
        ErrorClass::Retry,
        "5xx without a body"
    );
    assert_eq!(
        classify(&GraphError::Invalid("html".into())),
        ErrorClass::Retry
    );
}
