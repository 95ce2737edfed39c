//! A row FlowCRM wants in a tab, packed: one string holds every cell (a type byte and the
//! text), so 100,000 rows stay a few tens of megabytes; cells come out as text (compared and
//! hashed) or as the JSON value sent to Google (numbers and booleans keep their type).

use super::plan::text;
use crate::model::ContactId;
use serde_json::Value;

/// A row FlowCRM wants in the tab: its key and one value per configured column, packed in one
/// string (a type byte and the text per cell), so 100,000 rows stay small.
#[derive(Debug, Clone)]
pub struct Want {
    /// The `flowcrm_id` cell.
    pub key: String,
    /// Whose data it is.
    pub contact: Option<ContactId>,
    packed: String,
    ends: Vec<u32>,
}

impl Want {
    /// A row of `cells` (one per configured column, in order).
    #[must_use]
    pub fn new(key: String, contact: Option<ContactId>, cells: &[Value]) -> Self {
        let mut packed = String::new();
        let mut ends = Vec::with_capacity(cells.len());
        for v in cells {
            packed.push(match v {
                Value::Number(_) => 'n',
                Value::Bool(_) => 'b',
                _ => 's',
            });
            packed.push_str(&text(v));
            ends.push(u32::try_from(packed.len()).unwrap_or(u32::MAX));
        }
        Self {
            key,
            contact,
            packed,
            ends,
        }
    }

    fn span(&self, i: usize) -> (char, &str) {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        let cell = &self.packed[start..self.ends[i] as usize];
        let kind = cell.chars().next().unwrap_or('s');
        (kind, &cell[1..])
    }

    /// Cell `i` as text (how it is compared and hashed).
    #[must_use]
    pub fn text(&self, i: usize) -> &str {
        self.span(i).1
    }

    /// Cell `i` as the value sent to Google (numbers and booleans keep their type).
    #[must_use]
    pub fn value(&self, i: usize) -> Value {
        match self.span(i) {
            ('n', t) => t
                .parse::<i64>()
                .ok()
                .map(serde_json::Number::from)
                .or_else(|| t.parse::<f64>().ok().and_then(serde_json::Number::from_f64))
                .map_or_else(|| Value::String(t.to_string()), Value::Number),
            ('b', t) => Value::Bool(t == "true"),
            (_, t) => Value::String(t.to_string()),
        }
    }

    /// The full row as appended: `width` cells from column A, the key and each column in place.
    #[must_use]
    pub fn row(&self, key_col: usize, positions: &[usize], width: usize) -> Vec<Value> {
        let mut row = vec![Value::String(String::new()); width];
        row[key_col] = Value::String(self.key.clone());
        for (c, at) in positions.iter().enumerate() {
            row[*at] = self.value(c);
        }
        row
    }
}
