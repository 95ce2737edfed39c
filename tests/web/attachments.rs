//! Sending files from the conversation page.

use crate::fake_graph::{customer_writes, run_sender, setup};
use crate::helpers::TestApp;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use flowcrm::model::Role;

pub const JPEG: &[u8] = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00 a tiny test picture";

pub async fn upload(
    app: &mut TestApp,
    conv: i64,
    csrf: Option<&str>,
    mime: &str,
    name: &str,
    bytes: &[u8],
) -> crate::helpers::TestResponse {
    let boundary = "XbOuNdArYx";
    let mut body = Vec::new();
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\nNota do pedido\r\n").as_bytes());
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {mime}\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let uri = match csrf {
        Some(t) => format!("/conversations/{conv}/attachments?csrf_token={t}"),
        None => format!("/conversations/{conv}/attachments"),
    };
    let req = Request::post(uri)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .expect("request");
    app.send(req).await
}

#[tokio::test]
async fn a_photo_is_uploaded_queued_sent_by_id_and_shown_in_the_timeline() {
    let (mut app, fake) = setup().await;
    let conv = customer_writes(&mut app, "wamid.IN.1").await;
    app.logged_in_as("agent@shop.example", Role::Agent).await;
    let csrf = app.get(&format!("/conversations/{conv}")).await.csrf();
    let r = upload(
        &mut app,
        conv,
        Some(&csrf),
        "image/jpeg",
        "pedido.jpg",
        JPEG,
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        fake.uploads.lock().expect("lock").clone(),
        vec![("image/jpeg".to_string(), JPEG.to_vec())]
    );
    run_sender(&app).await;
    let sent = fake.sent.lock().expect("lock").clone();
    let image = sent
        .iter()
        .find(|b| b["type"] == "image")
        .expect("image sent");
    assert_eq!(
        image["image"],
        serde_json::json!({"id": "uploaded-1", "caption": "Nota do pedido"})
    );
    let page = app.get(&format!("/conversations/{conv}")).await;
    let start = page.body.find("<img src=\"/media/").expect("image shown") + 10;
    let url: String = page.body[start..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    let file = app.get(&url).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.header("content-type"), Some("image/jpeg"));
}

#[tokio::test]
async fn wrong_or_disguised_files_are_refused_before_anything_is_uploaded() {
    let (mut app, fake) = setup().await;
    let conv = customer_writes(&mut app, "wamid.IN.1").await;
    app.logged_in_as("agent@shop.example", Role::Agent).await;
    let csrf = app.get(&format!("/conversations/{conv}")).await.csrf();
    upload(
        &mut app,
        conv,
        Some(&csrf),
        "image/jpeg",
        "x.jpg",
        b"<html><script>alert(1)</script>",
    )
    .await;
    let page = app.get(&format!("/conversations/{conv}")).await;
    assert!(
        page.body.contains("does not look like a image/jpeg file"),
        "{}",
        page.body
    );
    upload(
        &mut app,
        conv,
        Some(&csrf),
        "text/html",
        "x.html",
        b"<html>",
    )
    .await;
    let page = app.get(&format!("/conversations/{conv}")).await;
    assert!(
        page.body
            .contains("WhatsApp cannot send this type of file (text/html)")
    );
    let big = vec![0xFFu8; 6 * 1024 * 1024];
    let mut big_jpeg = JPEG.to_vec();
    big_jpeg.extend_from_slice(&big);
    upload(
        &mut app,
        conv,
        Some(&csrf),
        "image/jpeg",
        "big.jpg",
        &big_jpeg,
    )
    .await;
    let page = app.get(&format!("/conversations/{conv}")).await;
    assert!(page.body.contains("WhatsApp allows 5120 KB"), "size limit");
    assert!(fake.uploads.lock().expect("lock").is_empty());
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 0);
}

#[tokio::test]
async fn an_upload_without_the_csrf_token_is_403() {
    let (mut app, fake) = setup().await;
    let conv = customer_writes(&mut app, "wamid.IN.1").await;
    app.logged_in_as("agent@shop.example", Role::Agent).await;
    let r = upload(&mut app, conv, None, "image/jpeg", "a.jpg", JPEG).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(fake.uploads.lock().expect("lock").is_empty());
}
