//! Tests of `message`.

use super::*;

#[test]
fn a_cart_with_absurd_quantities_still_has_a_summary() {
    let item = |q| OrderItem {
        product_retailer_id: "SKU".into(),
        quantity: q,
        item_price: "1".into(),
        currency: "BRL".into(),
    };
    let order = Content::Order {
        catalog_id: "1".into(),
        text: None,
        items: vec![item(i64::MAX), item(i64::MAX), item(-5)],
    };
    assert!(order.summary().starts_with("🛒 Order,"));
}
