//! The route tables of the customer-data pages: contacts, a contact's data rights, segments,
//! custom fields, tags, orders and products (part of THE route table, `web::router`).

use super::routes::Routes;
use super::{
    api_keys, attachments, campaigns, contact_page, contacts, export, fields, import, order_form,
    orders, products, reports, segments, tags,
};
use crate::crm::access::AdminAction::{
    ApiKeys, BusinessHours, Campaigns, CustomFields, DeleteContacts, DeleteTags, EraseContacts,
    Export, Import, MergeContacts, Products, Reports, RestrictProcessing,
};
use crate::crm::access::Need::{Admin, Read, Work};
use axum::extract::DefaultBodyLimit;
use axum::routing::post;

/// A contact's data rights (admins): export, delete or erase, the erasure receipt.
pub(super) fn contact_data_routes() -> Routes {
    Routes::new()
        .get(
            "/contacts/{id}/export.zip",
            Admin(Export),
            contact_page::export_zip,
        )
        .get(
            "/contacts/{id}/delete",
            Admin(DeleteContacts),
            contact_page::remove_form,
        )
        .post(
            "/contacts/{id}/delete",
            Admin(DeleteContacts),
            contact_page::delete,
        )
        .post(
            "/contacts/{id}/erase",
            Admin(EraseContacts),
            contact_page::erase,
        )
        .get(
            "/settings/erasures/{code}",
            Admin(EraseContacts),
            contact_page::receipt,
        )
        .post(
            "/contacts/{id}/restrict",
            Admin(RestrictProcessing),
            contact_page::restrict,
        )
        .post("/contacts/{id}/no-ai", Work, contact_page::no_ai)
}

/// Broadcasts: everyone reads campaigns, their results and the rate table; admins build, send,
/// pause, resume, cancel and test them and change the rates; the recipients CSV is a list export.
pub(super) fn campaign_routes() -> Routes {
    Routes::new()
        .get("/campaigns", Read, campaigns::index)
        .get("/campaigns/new", Admin(Campaigns), campaigns::new_form)
        .post_with(
            "/campaigns/new",
            Admin(Campaigns),
            post(campaigns::create).layer(DefaultBodyLimit::max(attachments::MAX_UPLOAD)),
        )
        .get("/campaigns/rates", Read, campaigns::rates)
        .post("/campaigns/rates", Admin(Campaigns), campaigns::save_rates)
        .get("/campaigns/{id}", Read, campaigns::show)
        .get(
            "/campaigns/{id}/edit",
            Admin(Campaigns),
            campaigns::edit_form,
        )
        .post_with(
            "/campaigns/{id}/edit",
            Admin(Campaigns),
            post(campaigns::update).layer(DefaultBodyLimit::max(attachments::MAX_UPLOAD)),
        )
        .post(
            "/campaigns/{id}/delete",
            Admin(Campaigns),
            campaigns::delete,
        )
        .post(
            "/campaigns/{id}/state",
            Admin(Campaigns),
            campaigns::change_state,
        )
        .post(
            "/campaigns/{id}/test",
            Admin(Campaigns),
            campaigns::test_send,
        )
        .get(
            "/campaigns/{id}/recipients.csv",
            Admin(Export),
            campaigns::recipients_csv,
        )
}

/// Reports (agents see their own figures) and the business hours they count.
pub(super) fn report_routes() -> Routes {
    Routes::new()
        .get("/reports", Work, reports::index)
        .get("/reports/export/{section}", Work, reports::export)
        .get(
            "/reports/conversations.csv",
            Admin(Reports),
            reports::conversations_csv,
        )
        .get("/settings/business-hours", Read, reports::business_hours)
        .post(
            "/settings/business-hours",
            Admin(BusinessHours),
            reports::save_business_hours,
        )
        .post("/settings/csat", Admin(BusinessHours), reports::save_csat)
}

/// Pages about contacts, segments, custom fields, orders and products.
pub(super) fn crm_routes() -> Routes {
    Routes::new()
        .get("/contacts", Read, contacts::index)
        .get("/contacts/new", Work, contacts::new_form)
        .post("/contacts/new", Work, contacts::create)
        .get("/contacts/{id}", Read, contact_page::show)
        .get("/contacts/{id}/edit", Work, contacts::edit_form)
        .post("/contacts/{id}/edit", Work, contacts::update)
        .get(
            "/contacts/{id}/merge",
            Admin(MergeContacts),
            contacts::merge_preview,
        )
        .post(
            "/contacts/{id}/merge",
            Admin(MergeContacts),
            contacts::merge,
        )
        .get("/contacts/{id}/message", Work, contact_page::message_form)
        .post_with(
            "/contacts/{id}/message",
            Work,
            post(contact_page::send_message).layer(DefaultBodyLimit::max(attachments::MAX_UPLOAD)),
        )
        .post("/contacts/{id}/fields", Work, contact_page::set_fields)
        .post("/contacts/{id}/consent", Work, contact_page::set_consent)
        .post("/contacts/{id}/notes", Work, contact_page::add_note)
        .post(
            "/contacts/{id}/notes/{note}/delete",
            Work,
            contact_page::delete_note,
        )
        .get("/segments", Read, segments::index)
        .post("/segments", Work, segments::create)
        .post("/segments/{id}", Work, segments::rename)
        .post("/segments/{id}/delete", Work, segments::delete)
        .get("/settings/api-keys", Admin(ApiKeys), api_keys::index)
        .post("/settings/api-keys", Admin(ApiKeys), api_keys::create)
        .post(
            "/settings/api-keys/{id}/revoke",
            Admin(ApiKeys),
            api_keys::revoke,
        )
        .get("/settings/fields", Admin(CustomFields), fields::index)
        .post("/settings/fields", Admin(CustomFields), fields::create)
        .post("/settings/fields/{id}", Admin(CustomFields), fields::update)
        .post(
            "/settings/fields/{id}/delete",
            Admin(CustomFields),
            fields::delete,
        )
        .post("/contacts/tags", Work, tags::tag_contacts)
        .get("/contacts/export.csv", Admin(Export), export::contacts)
        .get("/contacts/import", Admin(Import), import::form)
        .post_with(
            "/contacts/import",
            Admin(Import),
            post(import::upload).layer(DefaultBodyLimit::max(import::MAX_CSV)),
        )
        .get("/orders/export.csv", Admin(Export), export::orders)
        .get("/tags", Read, tags::index)
        .post("/tags", Work, tags::create)
        .post("/tags/{id}", Work, tags::update)
        .post("/tags/{id}/delete", Admin(DeleteTags), tags::delete)
        .post("/conversations/{id}/tags", Work, tags::tag_conversation)
        .get("/orders", Read, orders::index)
        .get("/orders/new", Work, order_form::new_form)
        .post("/orders/new", Work, order_form::create)
        .get("/orders/{id}", Read, orders::show)
        .get("/orders/{id}/edit", Work, order_form::edit_form)
        .post("/orders/{id}/edit", Work, order_form::update)
        .post("/orders/{id}/status", Work, orders::change_status)
        .get("/orders/by-message/{id}", Read, orders::by_message)
        .get("/products", Read, products::index)
        .post("/products", Admin(Products), products::save)
        .post("/products/{id}/delete", Admin(Products), products::delete)
        .post_with(
            "/products/import",
            Admin(Products),
            post(products::import).layer(DefaultBodyLimit::max(import::MAX_CSV)),
        )
}
