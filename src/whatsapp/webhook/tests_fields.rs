//! Parser tests for the fields beyond a customer's message: Business-app echoes, the phone's
//! history, edits and deletions, calls, preferences, the address book and account alerts.

use super::*;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn events(name: &str) -> Vec<Event> {
    parse(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn message(e: &Event) -> &InboundMessage {
    match e {
        Event::Message(m) => m,
        other => panic!("expected a message, got {other:?}"),
    }
}

#[test]
fn template_events_and_other_fields() {
    let events = parse(&fixture("template_status_update")).expect("parses");
    assert_eq!(
        events,
        vec![Event::Template(TemplateUpdate {
            meta_id: "987654321".into(),
            name: Some("order_update".into()),
            language: Some("pt_BR".into()),
            status: Some("REJECTED".into()),
            reason: Some("INCORRECT_CATEGORY".into()),
            category: Some("UTILITY".into()),
            quality: None,
        })]
    );
    let events = parse(&fixture("template_quality_update")).expect("parses");
    assert!(matches!(&events[0], Event::Template(t) if t.quality.as_deref() == Some("YELLOW")));
    let events = parse(&fixture("phone_quality_update")).expect("parses");
    assert!(
        matches!(&events[0], Event::Alert(a) if a.field == "phone_number_quality_update" && a.topic == "limit" && a.severity == Severity::Warning && a.title.contains("TIER_1K")),
        "{events:?}"
    );
    let events = parse(&fixture("system_errors")).expect("parses");
    assert!(
        matches!(&events[0], Event::Alert(a) if a.field == "messages.errors" && a.title.contains("131000")),
        "{events:?}"
    );
}

#[test]
fn echoes_are_the_business_app_writing_to_the_customer_whichever_way_from_and_to_point() {
    let e = events("echo_text");
    let m = message(&e[0]);
    assert_eq!(m.author, Author::BusinessApp);
    assert_eq!(
        m.customer_phone.as_ref().map(PhoneE164::as_str),
        Some("+5511988887777")
    );
    assert_eq!(m.customer_user_id.as_deref(), Some("BR.1234567890123456"));
    // pywa's echoed edits put the customer in `from` and the business in `to`.
    let swapped = String::from_utf8(fixture("echo_text"))
        .expect("utf8")
        .replace("\"from\": \"15550009999\"", "\"from\": \"X\"")
        .replace("\"to\": \"5511988887777\"", "\"to\": \"15550009999\"")
        .replace("\"from\": \"X\"", "\"from\": \"5511988887777\"");
    assert!(
        swapped.contains("\"to\": \"15550009999\""),
        "swapped: {swapped}"
    );
    let e = parse(swapped.as_bytes()).expect("parses");
    assert_eq!(
        message(&e[0])
            .customer_phone
            .as_ref()
            .map(PhoneE164::as_str),
        Some("+5511988887777")
    );
}

#[test]
fn edits_and_deletions_are_changes_of_their_original_not_messages() {
    let Event::Change(c) = &events("edit_caption")[0] else {
        panic!("a change")
    };
    assert_eq!(c.target_wamid, "wamid.IMAGE1");
    assert!(
        matches!(&c.edit, Some(Content::Image(m)) if m.caption.as_deref() == Some("Foto do produto, cor azul"))
    );
    let Event::Change(c) = &events("echo_revoke")[0] else {
        panic!("a change")
    };
    assert_eq!(
        (c.target_wamid.as_str(), c.edit.is_none()),
        ("wamid.ECHO2", true)
    );
}

#[test]
fn history_messages_are_imported_with_their_direction_and_the_phones_tick() {
    let e = events("history");
    let (a, b) = (message(&e[0]), message(&e[1]));
    assert!(a.imported && b.imported);
    assert_eq!(
        (a.author, b.author),
        (Author::Customer, Author::BusinessApp)
    );
    assert_eq!(
        b.customer_phone.as_ref().map(PhoneE164::as_str),
        Some("+5511977776666")
    );
    assert_eq!(b.history_status, Some(DeliveryStatus::Read));
    let declined = events("history_declined");
    assert!(
        matches!(&declined[0], Event::Alert(a) if a.topic == "history" && a.severity == Severity::Info)
    );
}

#[test]
fn calls_map_to_states_and_statuses_of_business_calls() {
    let state = |name: &str| match &events(name)[0] {
        Event::Call(c) => (c.state.clone(), c.business_initiated, c.duration),
        other => panic!("{name}: {other:?}"),
    };
    assert_eq!(state("call_connect"), ("ringing".into(), false, None));
    assert_eq!(
        state("call_terminate"),
        ("answered".into(), false, Some(135))
    );
    assert_eq!(state("call_missed"), ("missed".into(), false, None));
    assert_eq!(
        state("call_status_rejected"),
        ("rejected".into(), true, None)
    );
    let e = events("call_permission_accept");
    assert!(
        matches!(&message(&e[0]).content, Content::CallPermission { response, expires_at: Some(1_767_831_400), .. } if response == "accept")
    );
}

#[test]
fn preferences_address_book_and_the_smaller_gaps() {
    assert!(
        matches!(&events("preference_stop")[0], Event::Preference(p) if p.value == "stop" && p.category == "marketing_messages" && p.timestamp == 1_767_226_000)
    );
    let book = events("address_book");
    assert!(
        matches!(&book[0], Event::AddressBook(b) if b.full_name.as_deref() == Some("Carla Souza (fornecedora)") && b.action == "add")
    );
    assert!(
        matches!(&book[1], Event::AddressBook(b) if b.full_name.is_none() && b.action == "remove")
    );

    let e = events("user_id_only");
    let m = message(&e[0]);
    assert_eq!(m.customer_phone, None);
    assert_eq!(m.customer_user_id.as_deref(), Some("BR.9999888877776666"));
    assert_eq!(
        m.customer_parent_user_id.as_deref(),
        Some("BR.ENT.5555444433332222")
    );

    let e = events("no_type");
    assert!(
        matches!(&message(&e[0]).content, Content::Location { name: Some(n), .. } if n == "Loja Paulista")
    );
    let e = events("location_bad_coords");
    assert!(matches!(
        &message(&e[0]).content,
        Content::Location {
            latitude: None,
            longitude: None,
            name: Some(_),
            address: Some(_),
            ..
        }
    ));
    let e = events("value_errors");
    assert_eq!(message(&e[0]).errors.first().map(|x| x.code), Some(131_051));
    let Event::Status(s) = &events("status_conversation")[0] else {
        panic!("a status")
    };
    assert_eq!(
        s.conversation,
        Some((
            "CONVERSATION_ID_1".into(),
            Some("referral_conversion".into()),
            Some(1_767_312_000)
        ))
    );
    assert!(
        matches!(&events("status_deleted")[0], Event::Status(s) if s.status == DeliveryStatus::Deleted)
    );
}

#[test]
fn account_updates_name_what_blocks_sending() {
    let alert = |name: &str| match &events(name)[0] {
        Event::Alert(a) => a.clone(),
        other => panic!("{name}: {other:?}"),
    };
    let r = alert("account_restriction");
    assert!(r.blocks_sending && r.severity == Severity::Critical && r.at == Some(1_767_230_000));
    assert!(
        r.detail
            .starts_with("Starting conversations (templates) is blocked"),
        "{}",
        r.detail
    );
    assert!(!alert("account_reinstated").blocks_sending);
    assert!(alert("account_offboarded").blocks_sending);
    assert_eq!(
        alert("template_components_update").topic,
        "template:987654321"
    );
    // An event Meta adds later is still an alert, never dropped.
    let odd = String::from_utf8(fixture("account_offboarded"))
        .expect("utf8")
        .replace("ACCOUNT_OFFBOARDED", "SOMETHING_NEW");
    let e = parse(odd.as_bytes()).expect("parses");
    assert!(
        matches!(&e[0], Event::Alert(a) if a.severity == Severity::Info && a.title.contains("something new"))
    );
}
