//! Parser tests over the recorded fixtures in `tests/fixtures/`.

use super::*;
use crate::model::{OrderItem, SharedPhone};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn only_message(name: &str) -> InboundMessage {
    let events = parse(&fixture(name)).expect("parses");
    assert_eq!(events.len(), 1, "{name}: {events:#?}");
    match events.into_iter().next() {
        Some(Event::Message(m)) => *m,
        other => panic!("{name}: expected a message, got {other:?}"),
    }
}

#[test]
fn text_message_with_sender_profile_and_user_id() {
    let m = only_message("text");
    assert_eq!(m.wamid, "wamid.TEXT1");
    assert_eq!(m.phone_number_id, "200000000000002");
    assert_eq!(
        m.customer_phone.as_ref().map(PhoneE164::as_str),
        Some("+5511988887777")
    );
    assert_eq!(m.customer_user_id.as_deref(), Some("BR.1234567890123456"));
    assert_eq!(m.profile_name.as_deref(), Some("Ana Lima"));
    assert_eq!(m.timestamp, 1_767_225_600);
    assert_eq!(
        m.content,
        Content::Text {
            body: "Olá! Quero saber do pedido 42".into()
        }
    );
}

#[test]
fn media_messages_keep_id_mime_hash_caption_and_filename() {
    let m = only_message("image");
    let Content::Image(media) = &m.content else {
        panic!("{:?}", m.content)
    };
    assert_eq!(media.id, "1003383421387256");
    assert_eq!(media.mime_type, "image/jpeg");
    assert_eq!(media.caption.as_deref(), Some("Foto do produto"));
    assert!(
        matches!(only_message("video").content, Content::Video(ref v) if v.id == "2003383421387256")
    );
    assert!(
        matches!(only_message("voice").content, Content::Audio { voice: true, ref media } if media.mime_type.starts_with("audio/ogg"))
    );
    let doc = only_message("document");
    assert_eq!(
        doc.content.media().and_then(|d| d.filename.as_deref()),
        Some("Orçamento São Paulo.pdf")
    );
    assert!(matches!(
        only_message("sticker").content,
        Content::Sticker { animated: true, .. }
    ));
}

#[test]
fn location_contacts_and_interactive_replies() {
    let Content::Location {
        latitude,
        longitude,
        name,
        ..
    } = only_message("location").content
    else {
        panic!()
    };
    let (Some(latitude), Some(longitude)) = (latitude, longitude) else {
        panic!("coordinates")
    };
    assert!((latitude + 23.5613).abs() < 1e-9 && (longitude + 46.6565).abs() < 1e-9);
    assert_eq!(name.as_deref(), Some("Loja Paulista"));

    let Content::Contacts { contacts } = only_message("contacts").content else {
        panic!()
    };
    assert_eq!(contacts[0].name, "Bruno Costa");
    assert_eq!(
        contacts[0].phones,
        vec![SharedPhone {
            phone: "+55 21 99999-1111".into(),
            wa_id: Some("5521999991111".into()),
            kind: Some("CELL".into())
        }]
    );
    assert_eq!(contacts[0].emails, vec!["bruno@example.com".to_string()]);

    let b = only_message("button_reply");
    assert_eq!(
        b.content,
        Content::ButtonReply {
            id: "confirm_42".into(),
            title: "Confirmar".into()
        }
    );
    assert_eq!(
        b.extras.context.and_then(|c| c.quoted_wamid).as_deref(),
        Some("wamid.OUT1")
    );
    assert_eq!(
        only_message("list_reply").content,
        Content::ListReply {
            id: "size_m".into(),
            title: "Tamanho M".into(),
            description: Some("Camiseta M".into())
        }
    );
    let Content::FlowReply {
        name,
        response_json,
        ..
    } = only_message("nfm_reply").content
    else {
        panic!()
    };
    assert_eq!(name, "flow");
    assert!(response_json.contains("01310-100"));
    assert_eq!(
        only_message("quick_reply").content,
        Content::QuickReply {
            payload: "ORDER42_OK".into(),
            text: "Sim, confirmar".into()
        }
    );
}

#[test]
fn reactions_set_and_removed_with_missing_or_empty_emoji() {
    assert_eq!(
        only_message("reaction").content,
        Content::Reaction {
            message_id: "wamid.OUT1".into(),
            emoji: Some("👍".into())
        }
    );
    for name in ["reaction_removed", "reaction_removed_empty"] {
        assert_eq!(
            only_message(name).content,
            Content::Reaction {
                message_id: "wamid.OUT1".into(),
                emoji: None
            },
            "{name}"
        );
    }
}

#[test]
fn order_cart_keeps_exact_prices_and_integer_quantities() {
    let Content::Order {
        catalog_id,
        text,
        items,
    } = only_message("order").content
    else {
        panic!()
    };
    assert_eq!(catalog_id, "7777");
    assert_eq!(text.as_deref(), Some("Entrega amanhã?"));
    assert_eq!(
        items,
        vec![
            OrderItem {
                product_retailer_id: "SKU-CAMISA-M".into(),
                quantity: 2,
                item_price: "59.9".into(),
                currency: "BRL".into()
            },
            OrderItem {
                product_retailer_id: "SKU-BONE".into(),
                quantity: 1,
                item_price: "35.00".into(),
                currency: "BRL".into()
            },
        ]
    );
}

#[test]
fn system_notices_for_number_and_user_id_changes() {
    let Content::System {
        kind, new_wa_id, ..
    } = only_message("system_number_change").content
    else {
        panic!()
    };
    assert_eq!(
        (kind.as_str(), new_wa_id.as_deref()),
        ("user_changed_number", Some("5511977776666"))
    );
    let Content::System {
        kind, new_user_id, ..
    } = only_message("system_user_id_change").content
    else {
        panic!()
    };
    assert_eq!(
        (kind.as_str(), new_user_id.as_deref()),
        ("user_changed_user_id", Some("BR.9999999999999999"))
    );
}

#[test]
fn unsupported_and_unknown_types_are_kept_with_the_error_and_raw_json() {
    let u = only_message("unsupported");
    assert_eq!(
        u.content,
        Content::Unsupported {
            kind: Some("poll".into())
        }
    );
    assert_eq!(u.errors[0].code, 131_051);
    assert_eq!(
        u.errors[0].details,
        "Message type is currently not supported."
    );
    let n = only_message("unknown_type");
    assert_eq!(
        n.content,
        Content::Unsupported {
            kind: Some("hologram".into())
        }
    );
    assert_eq!(n.raw["brand_new_field"]["x"], 1, "unknown fields kept raw");
}

#[test]
fn context_forwarding_product_and_ad_referral() {
    let m = only_message("reply_forwarded_referral");
    let ctx = m.extras.context.expect("context");
    assert!(ctx.forwarded);
    assert_eq!(
        ctx.referred_product,
        Some(("7777".into(), "SKU-CAMISA-M".into()))
    );
    let r = m.extras.referral.expect("referral");
    assert_eq!(
        (r.source_type.as_str(), r.source_id.as_str()),
        ("ad", "120000000000")
    );
    assert_eq!(r.headline.as_deref(), Some("Camisetas 50% off"));
    assert_eq!(r.ctwa_clid.as_deref(), Some("ARAkLkA8rmlFeiCktEJQ"));
}

#[test]
fn bsuid_only_sender_numeric_timestamp_and_non_wamid_ids() {
    let m = only_message("bsuid_only");
    assert_eq!(m.customer_phone, None);
    assert_eq!(
        m.customer_user_id.as_deref(),
        Some("US.13491208655302741918")
    );
    assert_eq!(m.username.as_deref(), Some("zed.shop"));
    assert_eq!(m.timestamp, 1_767_225_800);
    let t = only_message("numeric_timestamp_test_id");
    assert_eq!(t.wamid, "ABGGFlA5Fpa");
    assert_eq!(t.timestamp, 1_767_225_600);
}

#[test]
fn statuses_with_pricing_callback_data_and_errors() {
    let events = parse(&fixture("status_sent")).expect("parses");
    let Event::Status(s) = &events[0] else {
        panic!()
    };
    assert_eq!(
        (s.wamid.as_str(), s.status),
        ("wamid.OUT1", DeliveryStatus::Sent)
    );
    assert_eq!(s.callback_data.as_deref(), Some("crm-msg-1"));
    let events = parse(&fixture("status_delivered")).expect("parses");
    let Event::Status(s) = &events[0] else {
        panic!()
    };
    assert_eq!(s.pricing_category.as_deref(), Some("service"));
    assert_eq!(s.pricing_type.as_deref(), Some("free_customer_service"));
    assert_eq!(s.pricing_model.as_deref(), Some("PMP"));
    assert_eq!(s.billable, Some(true));
    let events = parse(&fixture("status_failed")).expect("parses");
    let Event::Status(s) = &events[0] else {
        panic!()
    };
    assert_eq!(s.status, DeliveryStatus::Failed);
    assert_eq!(s.errors[0].code, 131_049);
}

#[test]
fn batched_post_yields_every_entry_change_message_and_status() {
    let events = parse(&fixture("batch")).expect("parses");
    let ids: Vec<_> = events
        .iter()
        .map(|e| match e {
            Event::Message(m) => m.wamid.clone(),
            Event::Status(s) => format!("status:{}", s.wamid),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        ids,
        [
            "wamid.TEXT1",
            "status:wamid.OUT1",
            "wamid.BATCH_BIA",
            "wamid.BATCH_CAIO"
        ]
    );
    let Event::Message(caio) = &events[3] else {
        panic!()
    };
    assert_eq!(
        caio.profile_name.as_deref(),
        Some("Caio"),
        "profile matched by wa_id"
    );
}

#[test]
fn malformed_bodies_fail_and_odd_shapes_do_not() {
    assert!(parse(b"{not json").is_err());
    assert!(parse(b"[1,2]").is_err());
    assert_eq!(
        parse(br#"{"object":"whatsapp_business_account"}"#).expect("ok"),
        vec![]
    );
    let other = parse(br#"{"object":"page","entry":[]}"#).expect("ok");
    assert!(matches!(&other[0], Event::Other { field, .. } if field == "object:page"));
    // A message without an id cannot be stored as a message but is kept raw.
    let body = br#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"from":"5511988887777","type":"text"}]}}]}]}"#;
    let events = parse(body).expect("ok");
    assert!(matches!(&events[0], Event::Other { field, .. } if field == "messages.invalid"));
}

#[test]
fn strings_over_whatsapps_text_limit_are_cut_with_a_marker() {
    let long = "a".repeat(1_000_000);
    let name = "é".repeat(5_000);
    let exact = "x".repeat(MAX_TEXT_CHARS);
    let body = serde_json::json!({"object": "whatsapp_business_account", "entry": [{"changes": [
        {"field": "messages", "value": {
            "metadata": {"phone_number_id": "1"},
            "contacts": [{"profile": {"name": name}, "wa_id": "5511988887777"}],
            "messages": [
                {"from": "5511988887777", "id": "wamid.LONG", "timestamp": "1", "type": "text",
                 "text": {"body": long}},
                {"from": "5511988887777", "id": "wamid.EXACT", "timestamp": "1", "type": "text",
                 "text": {"body": exact}}]}}]}]});
    let events = parse(body.to_string().as_bytes()).expect("parses");
    let Event::Message(m) = &events[0] else {
        panic!("{events:?}")
    };
    let Content::Text { body } = &m.content else {
        panic!("{:?}", m.content)
    };
    assert!(body.starts_with(&"a".repeat(MAX_TEXT_CHARS)));
    assert!(
        body.ends_with("[cut: 1000000 characters in all]"),
        "{}",
        &body[4000..]
    );
    assert!(body.chars().count() < MAX_TEXT_CHARS + 50);
    assert!(
        m.raw.to_string().len() < 10_000,
        "the stored raw message is cut too"
    );
    let profile = m.profile_name.as_deref().expect("name");
    assert!(profile.starts_with(&"é".repeat(MAX_TEXT_CHARS)) && profile.contains("[cut: 5000"));
    let Event::Message(m) = &events[1] else {
        panic!("{events:?}")
    };
    assert!(
        matches!(&m.content, Content::Text { body } if body.chars().count() == MAX_TEXT_CHARS),
        "a text of exactly the limit is kept whole"
    );
}
