use super::*;

#[test]
fn markets_follow_the_longest_calling_code() {
    assert_eq!(market_of(Some("+5511987654321")), "Brazil");
    assert_eq!(market_of(Some("+14155550100")), "North America");
    assert_eq!(market_of(Some("+971501234567")), "United Arab Emirates");
    assert_eq!(market_of(Some("+97312345678")), "Other");
    assert_eq!(market_of(Some("+79161234567")), "Russia");
    assert_eq!(market_of(None), "Other");
}

#[test]
fn utility_is_free_inside_the_window_and_marketing_never_is() {
    assert!(charged("marketing", true));
    assert!(charged("MARKETING", false));
    assert!(!charged("UTILITY", true));
    assert!(charged("utility", false));
    assert!(charged("authentication", true));
}

#[test]
fn bindings_read_as_json_and_are_checked() {
    let b: Vec<Binding> =
        serde_json::from_str(r#"[{"field":"first_name","fallback":"there"},{"text":"20%"}]"#)
            .expect("bindings");
    assert_eq!(
        b[0],
        Binding::Field {
            field: "first_name".into(),
            fallback: "there".into()
        }
    );
    assert!(b.iter().enumerate().all(|(i, b)| b.check(i + 1).is_ok()));
    let bad = Binding::Field {
        field: "shoe_size".into(),
        fallback: String::new(),
    };
    assert!(
        bad.check(1)
            .expect_err("unknown field")
            .contains("not a contact field")
    );
    let tab = Binding::Text {
        text: "a\tb".into(),
    };
    assert!(tab.check(2).expect_err("tab").contains("tab"));
    assert_eq!(
        Binding::Field {
            field: "field:tier".into(),
            fallback: String::new()
        }
        .custom_key(),
        Some("tier")
    );
}

#[test]
fn states_and_reasons_round_trip() {
    for s in CampaignState::ALL {
        assert_eq!(CampaignState::parse(s.as_str()), Some(s));
    }
    for r in LeftOut::ALL {
        assert_eq!(LeftOut::parse(r.as_str()), Some(r));
    }
    assert_eq!(first_name("  Ana Maria Souza"), "Ana");
}
