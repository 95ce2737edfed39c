//! The figure cards of the reports page: a value, what it means, and the trend against the
//! previous period (faster or slower for durations).

use crate::crm::reports::Report;
use crate::crm::reports::stats::{Stats, human};

/// A figure with its trend.
pub struct Card {
    /// What it is.
    pub label: &'static str,
    /// The figure.
    pub value: String,
    /// Secondary figures.
    pub sub: String,
    /// Against the previous period ("▲ 12 %").
    pub trend: String,
    /// `good`, `bad` or `flat`.
    pub trend_class: &'static str,
}

fn pct_change(now: i64, before: i64) -> Option<i64> {
    (before != 0).then(|| ((now - before) * 100) / before)
}

pub(super) fn count_card(label: &'static str, now: i64, before: i64) -> Card {
    let (trend, class) = match pct_change(now, before) {
        Some(p) if p > 0 => (format!("▲ {p} % vs previous"), "flat"),
        Some(p) if p < 0 => (format!("▼ {} % vs previous", -p), "flat"),
        Some(_) => ("= previous".into(), "flat"),
        None => (format!("{before} before"), "flat"),
    };
    Card {
        label,
        value: now.to_string(),
        sub: String::new(),
        trend,
        trend_class: class,
    }
}

pub(super) fn plain_card(label: &'static str, n: i64, sub: &str) -> Card {
    Card {
        label,
        value: n.to_string(),
        sub: sub.to_string(),
        trend: String::new(),
        trend_class: "flat",
    }
}

fn time_card(label: &'static str, now: &Stats, before: &Stats) -> Card {
    let Some(median) = now.median else {
        return Card {
            label,
            value: "—".into(),
            sub: "none in this period".into(),
            trend: String::new(),
            trend_class: "flat",
        };
    };
    let (trend, class) = match before.median.and_then(|b| pct_change(median, b)) {
        Some(p) if p > 0 => (format!("▲ {p} % slower"), "bad"),
        Some(p) if p < 0 => (format!("▼ {} % faster", -p), "good"),
        Some(_) => ("= previous".into(), "flat"),
        None => ("no figure before".into(), "flat"),
    };
    Card {
        label,
        value: human(median),
        sub: format!(
            "p90 {} · avg {} · {} measured",
            now.p90.map_or_else(String::new, human),
            now.avg.map_or_else(String::new, human),
            now.n
        ),
        trend,
        trend_class: class,
    }
}

pub(super) fn share(part: i64, whole: i64) -> String {
    if whole == 0 {
        "—".into()
    } else {
        format!("{} %", part * 100 / whole)
    }
}

fn note_card(label: &'static str, value: String, sub: String) -> Card {
    Card {
        label,
        value,
        sub,
        trend: String::new(),
        trend_class: "flat",
    }
}

pub(super) fn timings(r: &Report, business: bool) -> Vec<Card> {
    let (s, p) = (&r.summary, &r.previous);
    [
        ("First response", &s.first_response, &p.first_response),
        ("Resolution", &s.resolution, &p.resolution),
        ("Reply time", &s.reply_time, &p.reply_time),
        (
            "Wait for an assignee",
            &s.assignment_wait,
            &p.assignment_wait,
        ),
    ]
    .into_iter()
    .filter(|(label, ..)| r.reply_times || *label != "Reply time")
    .map(|(label, now, before)| time_card(label, now.pick(business), before.pick(business)))
    .collect()
}

pub(super) fn volume(r: &Report) -> Vec<Card> {
    let (s, p) = (&r.summary, &r.previous);
    vec![
        count_card(
            "Conversations opened",
            s.opened + s.reopened,
            p.opened + p.reopened,
        ),
        count_card("Resolved", s.resolved, p.resolved),
        count_card("Messages in", s.messages_in, p.messages_in),
        count_card("Messages out", s.messages_out, p.messages_out),
    ]
}

pub(super) fn window_and_csat(r: &Report) -> (Vec<Card>, Vec<Card>) {
    let w = r.window;
    let window = vec![
        note_card(
            "Replies inside the 24-hour window",
            share(w.inside, w.replies),
            format!("{} of {} replies", w.inside, w.replies),
        ),
        note_card(
            "Window closed unanswered",
            w.expired.to_string(),
            "conversations; only a template can reach them now".into(),
        ),
    ];
    let c = r.csat;
    let csat = if c.asked == 0 {
        Vec::new()
    } else {
        vec![
            note_card(
                "Satisfaction score",
                share(c.positive, c.answered),
                format!("{} of {} ratings were 4 or 5", c.positive, c.answered),
            ),
            note_card(
                "Survey response rate",
                share(c.answered, c.asked),
                format!("{} answered of {} asked", c.answered, c.asked),
            ),
        ]
    };
    (window, csat)
}
