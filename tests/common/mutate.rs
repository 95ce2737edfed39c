//! Random mutations of recorded webhook payloads, for the fuzz test (`tests/web/fuzz.rs`) and
//! the on-demand million-case run (`examples/fuzz_webhook.rs`). Deterministic for a seed, no
//! dependencies: a xorshift generator and `serde_json`.
#![allow(dead_code)] // each crate uses part of it

use serde_json::{Map, Value, json};

/// xorshift64*: small, fast, good enough to pick mutations.
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed` (any value).
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next number.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n.max(1) as u64).unwrap_or(0)
    }
}

/// Values that are wrong where a string, number or object was expected.
fn odd_value(rng: &mut Rng) -> Value {
    match rng.below(14) {
        0 => Value::Null,
        1 => json!(true),
        2 => json!(-1),
        3 => json!(1e308),
        4 => json!(u64::MAX),
        5 => json!(i64::MIN),
        6 => json!(""),
        7 => json!([]),
        8 => json!({}),
        9 => json!("x".repeat(100_000)),
        10 => json!("\u{0}\u{1}\u{7f}\u{202e}\u{feff}"),
        11 => json!([1, "two", {"three": null}]),
        12 => json!("wamid.\"quoted\" \\ back"),
        _ => json!({"nested": {"deeper": [{"id": 1}]}}),
    }
}

/// Paths to every node of `v` (object keys and array indexes).
fn paths(v: &Value, here: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(here.clone());
    match v {
        Value::Object(o) => {
            for (k, c) in o {
                here.push(k.clone());
                paths(c, here, out);
                here.pop();
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                here.push(i.to_string());
                paths(c, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

fn node_mut<'a>(v: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    let mut cur = v;
    for p in path {
        cur = match cur {
            Value::Object(o) => o.get_mut(p)?,
            Value::Array(a) => a.get_mut(p.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// One structural mutation of `v`: a node replaced by an odd value, removed, given an extra
/// field, nested deep (only when `deep` is still true, which it then clears: two nestings could
/// pass `serde_json`'s 128-level limit, and a body that deep cannot be parsed at all), or a
/// number made huge.
pub fn mutate_value(rng: &mut Rng, v: &mut Value, deep: &mut bool) {
    let mut all = Vec::new();
    paths(v, &mut Vec::new(), &mut all);
    let path = all[rng.below(all.len())].clone();
    let mut kind = rng.below(6);
    if kind == 3 && !*deep {
        kind = 0;
    }
    if kind == 1
        && let Some((last, parent)) = path.split_last()
        && let Some(Value::Object(o)) = node_mut(v, parent)
    {
        o.remove(last);
        return;
    }
    let Some(node) = node_mut(v, &path) else {
        return;
    };
    match kind {
        2 => {
            if let Value::Object(o) = node {
                o.insert("unexpected_field".into(), odd_value(rng));
            } else {
                *node = odd_value(rng);
            }
        }
        3 => {
            *deep = false;
            let mut deep = node.take();
            // Kept under serde_json's 128-level limit with the envelope around it: deeper
            // bodies cannot be parsed at all and are the text mutations' business.
            for _ in 0..(20 + rng.below(60)) {
                deep = Value::Array(vec![deep]);
            }
            *node = deep;
        }
        4 => *node = json!(99_999_999_999_999_999_999_999_999_f64),
        _ => *node = odd_value(rng),
    }
}

/// One mutation of the body's text: cut short, bytes flipped, invalid UTF-8 or escapes put in,
/// a key duplicated, or very deep nesting around it.
pub fn mutate_text(rng: &mut Rng, body: &[u8]) -> Vec<u8> {
    let mut b = body.to_vec();
    let at = rng.below(b.len().max(1));
    match rng.below(7) {
        0 => b.truncate(at),
        1 => {
            for _ in 0..=rng.below(8) {
                let i = rng.below(b.len().max(1));
                if let Some(x) = b.get_mut(i) {
                    *x ^= 1 << rng.below(8);
                }
            }
        }
        2 => {
            let bad: &[&[u8]] = &[b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf0\x28\x8c\x28"];
            let piece = bad[rng.below(bad.len())];
            b.splice(at..at, piece.iter().copied());
        }
        3 => {
            let escapes: &[&[u8]] = &[b"\\uD800", b"\\x41", b"\\u00", b"\\", b"\\uDC00\\uD800"];
            // Inside a string if we can find one: after the next quote.
            let q = b[at..]
                .iter()
                .position(|c| *c == b'"')
                .map_or(at, |p| at + p + 1);
            let piece = escapes[rng.below(escapes.len())];
            b.splice(q..q, piece.iter().copied());
        }
        4 => {
            // A duplicated key: `"id":"dup",` right after an opening brace.
            if let Some(p) = b.iter().position(|c| *c == b'{') {
                let dup: &[&[u8]] = &[
                    b"\"id\":\"dup\",",
                    b"\"object\":\"x\",",
                    b"\"field\":7,",
                    b"\"type\":\"text\",",
                ];
                let piece = dup[rng.below(dup.len())];
                let at = p + 1;
                b.splice(at..at, piece.iter().copied());
            }
        }
        5 => {
            let depth = 100 + rng.below(5000);
            let mut deep = vec![b'['; depth];
            deep.extend_from_slice(&b);
            deep.extend(std::iter::repeat_n(b']', depth));
            b = deep;
        }
        _ => {
            let text = String::from_utf8_lossy(&b).replace("\"1767225600\"", "1e400");
            b = text.into_bytes();
        }
    }
    b
}

/// The `changes` of a recorded payload (its first entry).
pub fn changes_of(body: &[u8]) -> Vec<Value> {
    let v: Value = serde_json::from_slice(body).expect("fixture is JSON");
    v["entry"][0]["changes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// A valid one-text-message change from `phone` with `wamid`.
pub fn valid_text(wamid: &str, phone: &str) -> Value {
    json!({"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550009999", "phone_number_id": "200000000000002"},
        "contacts": [{"profile": {"name": "Fuzz"}, "wa_id": phone}],
        "messages": [{"from": phone, "id": wamid, "timestamp": "1767225600",
                      "type": "text", "text": {"body": "valid"}}]}})
}

/// A webhook body with these changes.
pub fn envelope(changes: Vec<Value>) -> Vec<u8> {
    let mut entry = Map::new();
    entry.insert("id".into(), json!("100000000000001"));
    entry.insert("changes".into(), Value::Array(changes));
    json!({"object": "whatsapp_business_account", "entry": [entry]})
        .to_string()
        .into_bytes()
}

/// One fuzz case from the fixture bodies: either the text of a whole body mutated (`None` for
/// the valid message), or a mixed batch: a valid message with `wamid` beside a structurally
/// mutated change, in random order (`Some(wamid)`: it must be stored).
pub fn case(rng: &mut Rng, fixtures: &[Vec<u8>], n: u64) -> (Vec<u8>, Option<String>) {
    let fixture = &fixtures[rng.below(fixtures.len())];
    if rng.below(3) == 0 {
        return (mutate_text(rng, fixture), None);
    }
    let mut changes = changes_of(fixture);
    let mut deep = true;
    for c in &mut changes {
        for _ in 0..=rng.below(3) {
            mutate_value(rng, c, &mut deep);
        }
    }
    let wamid = format!("wamid.FUZZ.VALID.{n}");
    let phone = format!("55119{:08}", n % 100_000_000);
    let valid = valid_text(&wamid, &phone);
    let at = rng.below(changes.len() + 1);
    changes.insert(at, valid);
    (envelope(changes), Some(wamid))
}

/// Every recorded payload in `tests/fixtures/`.
pub fn fixtures() -> Vec<Vec<u8>> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .expect("fixtures")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| std::fs::read(p).expect("read"))
        .collect()
}
