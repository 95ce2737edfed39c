//! What `demo seed` adds so a newcomer sees every feature without a Meta account: templates in
//! every review state, custom fields with values, orders across the whole pipeline, notes by a
//! team member, replies that quote the customer, and photos that display (pictures drawn
//! locally).

use super::demo_png::picture;
use crate::db::{self, Result};
use crate::model::{CustomField, FieldKind, OrderStatus, Role};
use rusqlite::Connection;
use std::path::Path;
use time::OffsetDateTime;

/// What the showcase added.
#[derive(Debug, Default)]
pub struct Showcase {
    /// Templates stored.
    pub templates: usize,
    /// Photos drawn.
    pub pictures: usize,
}

fn template(
    name: &str,
    category: &str,
    status: &str,
    reason: Option<&str>,
    components: &str,
) -> db::templates::Template {
    db::templates::Template {
        meta_id: Some(format!("demo-{name}")),
        name: name.into(),
        language: "pt_BR".into(),
        category: category.into(),
        status: crate::model::TemplateStatus::parse(status),
        reason: reason.map(String::from),
        parameter_format: "POSITIONAL".into(),
        components: components.into(),
    }
}

fn templates(conn: &Connection, now: OffsetDateTime) -> Result<usize> {
    let all = [
        template(
            "order_update",
            "UTILITY",
            "APPROVED",
            None,
            r#"[{"type":"BODY","text":"Olá {{1}}, seu pedido {{2}} saiu para entrega."}]"#,
        ),
        template(
            "promo_semana",
            "MARKETING",
            "APPROVED",
            None,
            r#"[{"type":"HEADER","format":"IMAGE"},{"type":"BODY","text":"{{1}}, esta semana tem 20% de desconto em camisetas!"},{"type":"FOOTER","text":"Responda SAIR para não receber mais"}]"#,
        ),
        template(
            "welcome_back",
            "UTILITY",
            "PENDING",
            None,
            r#"[{"type":"BODY","text":"Que bom te ver de novo, {{1}}!"}]"#,
        ),
        template(
            "desconto_relampago",
            "MARKETING",
            "REJECTED",
            Some("PROMOTIONAL"),
            r#"[{"type":"BODY","text":"SÓ HOJE!!! Tudo pela metade!!!"}]"#,
        ),
    ];
    for t in &all {
        db::templates::upsert(conn, t, now)?;
    }
    Ok(all.len())
}

fn fields(conn: &Connection, now: OffsetDateTime) -> Result<()> {
    let existing = db::custom_fields::list(conn)?;
    let mut defined = Vec::new();
    for (key, label, kind, options) in [
        (
            "tier",
            "Loyalty tier",
            FieldKind::Select,
            vec!["Gold", "Silver", "Bronze"],
        ),
        (
            "size",
            "Shirt size",
            FieldKind::Select,
            vec!["P", "M", "G", "GG"],
        ),
        ("birthday", "Birthday", FieldKind::Date, vec![]),
    ] {
        let f = if let Some(f) = existing.iter().find(|f| f.key == key) {
            f.clone()
        } else {
            let mut f = CustomField {
                id: 0,
                key: key.into(),
                label: label.into(),
                kind,
                options: options.iter().map(ToString::to_string).collect(),
            };
            f.id = db::custom_fields::insert(conn, &f, now)?;
            f
        };
        defined.push(f);
    }
    let filter = crate::model::ContactFilter::default();
    let at = crate::model::Now {
        at: now,
        zone: crate::model::Zone::utc(),
    };
    for (i, (row, _)) in db::contacts::list(conn, &filter, None, 40, &at)?
        .into_iter()
        .enumerate()
    {
        let values = [
            (&defined[0], ["Gold", "Silver", "Bronze"][i % 3].to_string()),
            (&defined[1], ["P", "M", "G", "GG"][i % 4].to_string()),
            (
                &defined[2],
                format!("19{}-0{}-1{}", 80 + i % 20, 1 + i % 9, i % 10),
            ),
        ];
        for (f, v) in values {
            db::custom_fields::set_value(conn, row.contact.id, f.id, Some(&v), None)?;
        }
    }
    Ok(())
}

/// Walks the demo orders along the pipeline so every status has some.
fn pipeline(conn: &Connection, now: OffsetDateTime) -> Result<()> {
    use OrderStatus::{Cancelled, Confirmed, Delivered, New, Paid, Shipped};
    let orders = db::orders::list(conn, &db::orders::OrderFilter::default(), None, 60)?;
    for (i, o) in orders.iter().filter(|o| o.status == New).enumerate() {
        let path: &[OrderStatus] = match i % 6 {
            0 => &[],
            1 => &[Confirmed],
            2 => &[Confirmed, Paid],
            3 => &[Confirmed, Paid, Shipped],
            4 => &[Confirmed, Paid, Shipped, Delivered],
            _ => &[Cancelled],
        };
        let mut from = New;
        for &to in path {
            db::orders::set_status(conn, o.id, from, to, None, now)?;
            from = to;
        }
    }
    Ok(())
}

/// A demo agent (no password: an admin hands them a link from the team page), made once.
pub(super) fn demo_agent(
    conn: &Connection,
    email: &str,
    name: &str,
    now: OffsetDateTime,
) -> Result<crate::model::User> {
    let email = crate::model::Email::parse(email).map_err(|e| db::Error::Task(e.to_string()))?;
    if let Some(u) = db::users::find_by_email(conn, &email)? {
        return Ok(u);
    }
    let hash = crate::crypto::random_token()
        .and_then(|t| crate::crypto::hash_password(&t))
        .map_err(|e| db::Error::Task(e.to_string()))?;
    let new = db::users::NewUser {
        email,
        name: name.into(),
        role: Role::Agent,
        password_hash: hash,
    };
    db::users::insert(conn, &new, now)
}

/// Camila (demo) wrote notes.
fn notes(conn: &Connection, now: OffsetDateTime) -> Result<()> {
    let user = demo_agent(conn, "camila.demo@example.com", "Camila (demo)", now)?;
    let rows = db::inbox::conversations(
        conn,
        &db::inbox::InboxFilter {
            view: db::inbox::View::All,
            status: None,
            contact: None,
            tag: None,
            window: None,
            now,
        },
        None,
        12,
    )?;
    for (i, r) in rows.iter().enumerate() {
        let text = [
            "Cliente pediu troca de tamanho; confirmar estoque de M.",
            "Pagamento por Pix combinado para amanhã.",
            "Prefere entrega depois das 18h.",
        ][i % 3];
        db::inbox::add_note(conn, r.id, Some(user.id.0), text, now)?;
        quoted_reply(conn, r.id, i, now)?;
    }
    Ok(())
}

/// An answer that quotes the customer's last message, as an agent's reply does.
fn quoted_reply(conn: &Connection, conversation: i64, i: usize, now: OffsetDateTime) -> Result<()> {
    use crate::model::{Content, Direction, MessageContext, MessageExtras};
    let Some(quoted) = db::inbox::last_inbound_wamid(conn, conversation)? else {
        return Ok(());
    };
    let body = [
        "Sobre isso: já separamos para você!",
        "Claro, vamos verificar agora.",
        "Combinado, obrigado!",
    ][i % 3];
    let content = Content::Text { body: body.into() };
    let extras = MessageExtras {
        context: Some(MessageContext {
            quoted_wamid: Some(quoted),
            ..MessageContext::default()
        }),
        referral: None,
    };
    let wamid = format!("wamid.demo.quote.{conversation}");
    db::messages::insert(
        conn,
        &db::messages::NewMessage {
            wamid: &wamid,
            conversation_id: conversation,
            direction: Direction::Out,
            content: &content,
            extras: &extras,
            raw: None,
            sent_at: now,
            received_at: now,
            error: None,
        },
    )?;
    db::conversations::record_outbound(conn, conversation, now)
}

/// Draws pictures for photo messages whose file the demo could not have.
fn pictures(conn: &Connection, media_dir: &Path) -> Result<usize> {
    let palette = [
        ([15, 118, 110], [224, 242, 240]),
        ([180, 35, 24], [253, 232, 230]),
        ([29, 78, 216], [230, 238, 251]),
        ([138, 75, 0], [255, 241, 219]),
    ];
    let ids = db::media::lost_images(conn, 60)?;
    crate::app::create_private_dir(media_dir).map_err(|e| db::Error::Task(e.to_string()))?;
    for (i, id) in ids.iter().enumerate() {
        let (a, b) = palette[i % palette.len()];
        let png = picture(160, a, b);
        let name = format!("demo-{id}.png");
        std::fs::write(media_dir.join(&name), &png).map_err(|e| db::Error::Task(e.to_string()))?;
        db::media::mark_stored(
            conn,
            *id,
            &name,
            "image/png",
            i64::try_from(png.len()).unwrap_or(0),
        )?;
    }
    Ok(ids.len())
}

/// Adds the showcase; safe to run again (it updates what it made).
pub fn showcase(conn: &Connection, media_dir: &Path, now: OffsetDateTime) -> Result<Showcase> {
    let templates = templates(conn, now)?;
    fields(conn, now)?;
    pipeline(conn, now)?;
    notes(conn, now)?;
    super::demo_coexistence::scenes(conn, now)?;
    let pictures = pictures(conn, media_dir)?;
    Ok(Showcase {
        templates,
        pictures,
    })
}
