//! Demo data: realistic contacts and conversations with every message type, statuses, tags,
//! notes and catalog orders, recorded through the same code path as Meta's webhooks (so the
//! data looks exactly like real data), plus replies from the business.

use crate::crm::inbound::{self, Outcome};
use crate::db::{self, Result};
use crate::model::{
    Content, ConversationStatus, Direction, MediaRef, MessageContext, MessageExtras, MetaError,
    OrderItem, PhoneE164, Referral, SharedContact, SharedPhone,
};
use crate::whatsapp::webhook::{Event, InboundMessage};
use rusqlite::Connection;
use time::{Duration, OffsetDateTime};

const FIRST: &[&str] = &[
    "Ana", "Bruno", "Carla", "Diego", "Elisa", "Felipe", "Gabriela", "Heitor", "Isabela", "João",
    "Karina", "Lucas", "Mariana", "Nicolas", "Olívia", "Paulo", "Queila", "Rafael", "Sofia",
    "Tiago", "Úrsula", "Vitor", "Wesley", "Ximena", "Yasmin", "Zeca", "María", "José", "Lucía",
    "Emma", "Liam", "Noah", "Chloé", "Amara", "Kofi",
];
const LAST: &[&str] = &[
    "Silva",
    "Santos",
    "Oliveira",
    "Souza",
    "Lima",
    "Pereira",
    "Costa",
    "Rodrigues",
    "Almeida",
    "Nascimento",
    "García",
    "Martínez",
    "López",
    "Smith",
    "Okafor",
    "Dubois",
    "Rossi",
    "Müller",
];
const ASKS: &[&str] = &[
    "Oi! Vocês têm a camiseta preta no tamanho M?",
    "Qual o prazo de entrega para Campinas?",
    "Bom dia, meu pedido ainda não chegou",
    "Quanto custa o frete para o Rio?",
    "Vocês aceitam Pix?",
    "Hi, is the blue dress still available in size S?",
    "Can I change the delivery address of my order?",
    "Hola, ¿tienen envío a Buenos Aires?",
    "Obrigado, chegou tudo certinho!",
    "Preciso trocar o tamanho, como faço?",
    "Vocês abrem no sábado?",
    "Do you have a discount for two items?",
    "Quero cancelar a compra, por favor",
    "A nota fiscal vem junto com o produto?",
];
const REPLIES: &[&str] = &[
    "Olá! Temos sim, posso separar para você?",
    "O prazo é de 2 a 4 dias úteis.",
    "Vou verificar o rastreio e já te retorno.",
    "Aceitamos Pix, cartão e boleto.",
    "Yes! I can reserve it for you until tomorrow.",
    "Claro, me passa o novo endereço completo.",
    "Sim, abrimos das 9h às 13h no sábado.",
    "Perfeito, o pedido foi confirmado.",
];
const PRODUCTS: &[(&str, &str, i64)] = &[
    ("SKU-CAMISETA-M", "Camiseta básica M", 5990),
    ("SKU-CAMISETA-G", "Camiseta básica G", 5990),
    ("SKU-VESTIDO-AZUL", "Vestido azul", 18990),
    ("SKU-BONE", "Boné bordado", 3500),
    ("SKU-MEIA-3", "Kit 3 meias", 2990),
];
/// Tags and colours the demo uses.
pub const TAGS: &[(&str, &str)] = &[
    ("VIP", "red"),
    ("Atacado", "blue"),
    ("Novo cliente", "green"),
    ("Aguardando pagamento", "yellow"),
    ("Troca", "orange"),
    ("Follow-up", "purple"),
];

/// A small deterministic random generator (xorshift64*), so a seed gives the same data.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    /// A number below `n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        usize::try_from(x >> 33).unwrap_or(0) % n.max(1)
    }

    fn pick<'a>(&mut self, xs: &'a [&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

/// Sets up the product table, the tags and the demo agents; returns the tag and agent ids.
pub fn prepare(conn: &Connection, now: OffsetDateTime) -> Result<(Vec<i64>, Vec<i64>)> {
    let mut agents = Vec::new();
    for (email, name) in super::demo_agents::AGENTS {
        agents.push(
            super::demo_showcase::demo_agent(conn, email, name, now)?
                .id
                .0,
        );
    }
    for (sku, name, price) in PRODUCTS {
        db::orders::upsert_product(conn, sku, name, Some((*price, "BRL")), now)?;
    }
    let existing = db::tags::list(conn)?;
    let mut ids = Vec::new();
    for (name, color) in TAGS {
        let id = match existing.iter().find(|(t, _)| t.name == *name) {
            Some((t, _)) => t.id,
            None => db::tags::insert(conn, name, color, now)?,
        };
        ids.push(id);
    }
    Ok((ids, agents))
}

fn media(id: String, mime: &str, caption: Option<&str>) -> MediaRef {
    MediaRef {
        id,
        mime_type: mime.into(),
        sha256: String::new(),
        caption: caption.map(Into::into),
        filename: None,
    }
}

/// The content of the `k`-th customer message of a conversation: mostly text, and every other
/// type now and then.
fn customer_content(rng: &mut Rng, key: &str, k: usize, prev_wamid: Option<&str>) -> Content {
    let n = rng.below(40);
    let id = || format!("demo-media-{key}-{k}");
    match n {
        0 => Content::Image(media(id(), "image/jpeg", Some("Essa aqui"))),
        1 => Content::Audio {
            media: media(id(), "audio/ogg", None),
            voice: true,
        },
        2 => Content::Document(media(id(), "application/pdf", Some("comprovante.pdf"))),
        3 => Content::Sticker {
            media: media(id(), "image/webp", None),
            animated: false,
        },
        4 => Content::Video(media(id(), "video/mp4", None)),
        5 => Content::Location {
            latitude: Some(-23.5613),
            longitude: Some(-46.6565),
            name: Some("Av. Paulista, 1000".into()),
            address: Some("São Paulo - SP".into()),
            url: None,
        },
        6 => Content::Contacts {
            contacts: vec![SharedContact {
                name: "Loja Centro".into(),
                phones: vec![SharedPhone {
                    phone: "+55 11 3333-4444".into(),
                    wa_id: None,
                    kind: Some("WORK".into()),
                }],
                emails: vec![],
            }],
        },
        7 => Content::ButtonReply {
            id: "yes".into(),
            title: "Sim, confirmar".into(),
        },
        8 => Content::ListReply {
            id: "size-m".into(),
            title: "Tamanho M".into(),
            description: Some("Pronta entrega".into()),
        },
        9 => match prev_wamid {
            Some(w) => Content::Reaction {
                message_id: w.into(),
                emoji: Some("👍".into()),
            },
            None => Content::Text {
                body: "👍".into()
            },
        },
        10 => Content::Unsupported {
            kind: Some("poll".into()),
        },
        _ => Content::Text {
            body: rng.pick(ASKS).into(),
        },
    }
}

/// What one chunk added.
#[derive(Debug, Default, Clone)]
pub struct Seeded {
    /// Contacts.
    pub contacts: usize,
    /// Messages (both ways).
    pub messages: usize,
    /// Orders from carts.
    pub orders: usize,
}

/// Seeds contacts `from..to`, each with one conversation of `base` messages (one more for the
/// last `extra` of all `total` contacts), ending at times spread over the last 60 days (the newest within the 24-hour
/// window). Call inside one transaction.
#[allow(clippy::too_many_lines)]
pub fn seed(
    conn: &Connection,
    rng: &mut Rng,
    (tags, agents): (&[i64], &[i64]),
    (from, to): (usize, usize),
    (base, extra): (usize, usize),
    total: usize,
    now: OffsetDateTime,
) -> Result<Seeded> {
    let mut out = Seeded::default();
    let keywords = crate::crm::consent::Keywords::default();
    let pnid = "demo-phone-number";
    for i in from..to {
        let per_conversation = base + usize::from(i + extra >= total);
        let area = [11, 21, 31, 41, 51, 61, 71, 81][i % 8];
        let phone = PhoneE164::from_stored(format!("+55{area}9{:08}", 10_000_000 + i));
        let name = format!("{} {}", rng.pick(FIRST), rng.pick(LAST));
        // Newest contacts wrote most recently; the last ~2% are within the window.
        let age_minutes = i64::try_from((total - i) * 86_400 / total.max(1)).unwrap_or(0);
        let end = now
            - Duration::minutes(age_minutes)
            - Duration::minutes(i64::try_from(rng.below(60)).unwrap_or(0));
        let start = end - Duration::minutes(i64::try_from(per_conversation * 7).unwrap_or(0));
        let mut last_in: Option<String> = None;
        let mut outcome = Outcome::default();
        let mut agent: Option<i64> = None;
        for k in 0..per_conversation {
            let at = start + Duration::minutes(i64::try_from(k * 7).unwrap_or(0));
            let wamid = format!("wamid.demo.{i}.{k}");
            let customer = k == 0 || rng.below(100) < 55;
            if customer {
                let content = if k == per_conversation / 2 && rng.below(5) == 0 {
                    out.orders += 1;
                    let p = PRODUCTS[rng.below(PRODUCTS.len())];
                    Content::Order {
                        catalog_id: "demo-catalog".into(),
                        text: Some("Pode enviar hoje?".into()),
                        items: vec![OrderItem {
                            product_retailer_id: p.0.into(),
                            quantity: i64::try_from(1 + rng.below(3)).unwrap_or(1),
                            item_price: format!("{}.{:02}", p.2 / 100, p.2 % 100),
                            currency: "BRL".into(),
                        }],
                    }
                } else {
                    customer_content(rng, &i.to_string(), k, last_in.as_deref())
                };
                let extras = MessageExtras {
                    context: (rng.below(30) == 0).then(|| MessageContext {
                        forwarded: true,
                        ..MessageContext::default()
                    }),
                    referral: (k == 0 && rng.below(10) == 0).then(|| Referral {
                        source_type: "ad".into(),
                        source_id: "demo-ad-1".into(),
                        source_url: "https://fb.me/demo".into(),
                        headline: Some("Promoção de inverno".into()),
                        ..Referral::default()
                    }),
                };
                let errors = if matches!(content, Content::Unsupported { .. }) {
                    vec![MetaError {
                        code: 131_051,
                        title: "Message type unknown".into(),
                        message: "Message type unknown".into(),
                        details: "Message type is currently not supported.".into(),
                    }]
                } else {
                    Vec::new()
                };
                let m = InboundMessage {
                    phone_number_id: pnid.into(),
                    wamid: wamid.clone(),
                    author: crate::whatsapp::webhook::Author::Customer,
                    imported: false,
                    history_status: None,
                    customer_phone: Some(phone.clone()),
                    customer_user_id: None,
                    customer_parent_user_id: None,
                    profile_name: Some(name.clone()),
                    username: None,
                    timestamp: at.unix_timestamp(),
                    content,
                    extras,
                    errors,
                    raw: serde_json::Value::Null,
                };
                outcome +=
                    inbound::record(conn, &[Event::Message(Box::new(m))], None, at, &keywords)?;
                last_in = Some(wamid);
            } else if let Some(conv) = outcome.conversations.first().copied() {
                let content = Content::Text {
                    body: rng.pick(REPLIES).into(),
                };
                let new = db::messages::NewMessage {
                    wamid: &wamid,
                    conversation_id: conv,
                    direction: Direction::Out,
                    content: &content,
                    extras: &MessageExtras::default(),
                    raw: None,
                    sent_at: at,
                    received_at: at,
                    error: None,
                };
                let id =
                    db::messages::insert(conn, &new)?.ok_or(db::Error::Conflict(wamid.clone()))?;
                db::conversations::record_outbound(conn, conv, at)?;
                // Written by an agent in FlowCRM: their outbox row, sent, and what the reports
                // record for a person's reply.
                let agent = *agent.get_or_insert_with(|| agents[rng.below(agents.len())]);
                super::demo_agents::sent_by(conn, id, &wamid, agent, conv, at)?;
                let s = super::demo_agents::delivery(rng, pnid, &wamid, &phone, at);
                inbound::record(conn, &[Event::Status(s)], None, at, &keywords)?;
            }
            out.messages += 1;
        }
        out.contacts += 1;
        if let Some(contact) = db::contacts::find_by_phone(conn, &phone)? {
            db::contacts::set_details(
                conn,
                contact,
                &name,
                None,
                Some(&format!("cliente{i}@example.com")),
                now,
            )?;
            if rng.below(4) == 0 {
                let tag = tags[rng.below(tags.len())];
                db::tags::tag_contacts(conn, tag, &[contact])?;
            }
            if rng.below(3) == 0 {
                db::consent::set_opt_in(
                    conn,
                    contact,
                    crate::model::OptIn::In,
                    "demo: signup form",
                    None,
                    now,
                )?;
            }
            if let Some(conv) = outcome.conversations.first().copied() {
                if rng.below(8) == 0 {
                    db::tags::tag_conversation(conn, tags[rng.below(tags.len())], conv)?;
                }
                if rng.below(25) == 0 {
                    db::inbox::add_note(conn, conv, None, "Cliente prefere retirar na loja.", now)?;
                }
                if rng.below(4) == 0 {
                    let status =
                        [ConversationStatus::Pending, ConversationStatus::Resolved][rng.below(2)];
                    let by = agent.unwrap_or(agents[0]);
                    let later =
                        end + Duration::minutes(i64::try_from(5 + rng.below(120)).unwrap_or(5));
                    super::demo_agents::settle(conn, conv, status, by, later.min(now))?;
                }
            }
        }
    }
    db::media::give_up_pending(conn, "Demo data: there is no file for this attachment.")?;
    Ok(out)
}
