use super::*;

#[test]
fn phones_emails_cards_ibans_and_names_become_stable_placeholders() {
    let mut r = Redactor::new(&["Maria Silva", "Mari"]);
    let a = r.redact("Hi, I'm Maria Silva, call +55 11 98765-4321 or mail maria.silva@example.com");
    assert_eq!(a, "Hi, I'm [NAME_1], call [PHONE_1] or mail [EMAIL_1]");
    let b = r.redact(
        "card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00. maria says +55 11 98765 4321",
    );
    assert_eq!(b, "card [CARD_1], IBAN [IBAN_1]. [NAME_2] says [PHONE_1]");
    let c = r.counts();
    assert_eq!((c.phone, c.email, c.card, c.iban, c.name), (1, 1, 1, 1, 2));
    assert_eq!(
        c.to_string(),
        "1 phone number, 1 email, 1 card number, 1 IBAN, 2 names"
    );
    assert_eq!(Counts::parse(&c.code()), c);
    assert_eq!(
        r.restore("Dear [NAME_1], we will call [PHONE_1]. [UNKNOWN_1] [x"),
        "Dear Maria Silva, we will call +55 11 98765-4321. [UNKNOWN_1] [x"
    );
}

#[test]
fn look_alikes_are_left_alone() {
    let mut r = Redactor::new(&["Al"]);
    let text = "Order 12345, due 2026-12-01 at 10:30, total 1250.00, card 4111 1111 1111 1112, \
                IBAN DE00 3704 0044 0532 0130 00, Alice at alice@home, version 1.2.3";
    assert_eq!(r.redact(text), text);
    assert!(r.counts().is_empty());
    assert_eq!(r.counts().to_string(), "nothing");
}

#[test]
fn numbers_in_many_shapes() {
    let mut r = Redactor::new(&[]);
    assert_eq!(r.redact("(11) 98765-4321"), "[PHONE_1]");
    assert_eq!(r.redact("ring 98765432!"), "ring [PHONE_2]!");
    assert_eq!(r.redact("+4479460 12345 now"), "[PHONE_3] now");
    assert_eq!(r.redact("5500-0000-0000-0004"), "[CARD_1]");
    assert_eq!(r.redact("GB82WEST12345698765432"), "[IBAN_1]");
    assert_eq!(r.redact("x: 4111111111111111."), "x: [CARD_2].");
}

#[test]
fn non_ascii_text_and_names() {
    let mut r = Redactor::new(&["José Ñúñez"]);
    assert_eq!(
        r.redact("Olá JOSÉ, você é José Ñúñez?"),
        "Olá [NAME_1], você é [NAME_2]?"
    );
    assert_eq!(r.redact("みどりいろ 09012345678"), "みどりいろ [PHONE_1]");
}

#[test]
fn particles_in_names_stay_ordinary_words() {
    let mut r = Redactor::new(&["Maria dos Santos"]);
    assert_eq!(
        r.redact("Maria dos Santos pediu dois dos azuis; Santos confirmou"),
        "[NAME_1] pediu dois dos azuis; [NAME_2] confirmou"
    );
}
