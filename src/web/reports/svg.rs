//! Charts drawn on the server as inline SVG: bars, lines and a heatmap. No script, no external
//! reference; colours come from the page's CSS variables (so dark mode applies) through
//! classes; every mark has a `<title>` and every chart a text alternative, and the page shows
//! the same numbers as a table.

use std::fmt::Write as _;

const W: f64 = 400.0;
const H: f64 = 170.0;
const LEFT: f64 = 4.0;
const RIGHT: f64 = 4.0;
const TOP: f64 = 22.0;
const BOTTOM: f64 = 22.0;

/// Text safe inside SVG markup.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A series: its name, the CSS class that colours it, and one value per label.
pub struct Series<'a> {
    /// Legend name.
    pub name: &'a str,
    /// `s1`, `s2` … (colours in app.css).
    pub class: &'a str,
    /// Values.
    pub values: Vec<i64>,
}

fn open(out: &mut String, label: &str) {
    let _ = write!(
        out,
        "<svg class=\"chart\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
        esc(label)
    );
}

fn axes(out: &mut String, max: i64, first: &str, last: &str, fmt: &dyn Fn(i64) -> String) {
    let base = H - BOTTOM;
    let _ = write!(
        out,
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{}\" y2=\"{TOP}\" stroke-dasharray=\"3 3\"/>\
         <line class=\"axis\" x1=\"{LEFT}\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\"/>\
         <text class=\"tick\" x=\"{LEFT}\" y=\"{}\">max {}</text>\
         <text class=\"tick\" x=\"{LEFT}\" y=\"{}\">{}</text>\
         <text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
        W - RIGHT,
        W - RIGHT,
        TOP - 6.0,
        esc(&fmt(max)),
        H - 5.0,
        esc(first),
        W - RIGHT,
        H - 5.0,
        esc(last),
    );
}

fn y_of(v: i64, max: i64) -> f64 {
    let plot = H - BOTTOM - TOP;
    #[allow(clippy::cast_precision_loss)]
    let frac = if max > 0 { v as f64 / max as f64 } else { 0.0 };
    H - BOTTOM - frac * plot
}

/// Bars, one group per label (series side by side); `fmt` writes a value.
#[must_use]
pub fn bars(
    title: &str,
    labels: &[String],
    series: &[Series<'_>],
    fmt: &dyn Fn(i64) -> String,
) -> String {
    let mut out = String::new();
    open(&mut out, title);
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .max()
        .unwrap_or(0);
    let n = labels.len().max(1);
    #[allow(clippy::cast_precision_loss)]
    let slot = (W - LEFT - RIGHT) / n as f64;
    #[allow(clippy::cast_precision_loss)]
    let bar = (slot * 0.8 / series.len().max(1) as f64).max(0.5);
    for (i, label) in labels.iter().enumerate() {
        for (j, s) in series.iter().enumerate() {
            let v = s.values.get(i).copied().unwrap_or(0);
            let y = y_of(v, max);
            #[allow(clippy::cast_precision_loss)]
            let x = LEFT + slot * i as f64 + slot * 0.1 + bar * j as f64;
            let _ = write!(
                out,
                "<rect class=\"{}\" x=\"{x:.2}\" y=\"{y:.2}\" width=\"{bar:.2}\" height=\"{:.2}\"><title>{}: {} {}</title></rect>",
                esc(s.class),
                (H - BOTTOM - y).max(0.0),
                esc(label),
                esc(&fmt(v)),
                esc(s.name)
            );
        }
    }
    axes(
        &mut out,
        max,
        labels.first().map_or("", String::as_str),
        labels.last().map_or("", String::as_str),
        fmt,
    );
    out.push_str("</svg>");
    out
}

/// Lines, one per series.
#[must_use]
pub fn lines(
    title: &str,
    labels: &[String],
    series: &[Series<'_>],
    fmt: &dyn Fn(i64) -> String,
) -> String {
    let mut out = String::new();
    open(&mut out, title);
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .max()
        .unwrap_or(0);
    let n = labels.len();
    #[allow(clippy::cast_precision_loss)]
    let step = if n > 1 {
        (W - LEFT - RIGHT) / (n - 1) as f64
    } else {
        0.0
    };
    for s in series {
        let mut points = String::new();
        for (i, v) in s.values.iter().enumerate() {
            #[allow(clippy::cast_precision_loss)]
            let x = LEFT + step * i as f64;
            let _ = write!(points, "{x:.2},{:.2} ", y_of(*v, max));
        }
        let _ = write!(
            out,
            "<polyline class=\"line {}\" fill=\"none\" points=\"{}\"><title>{}</title></polyline>",
            esc(s.class),
            points.trim_end(),
            esc(s.name)
        );
    }
    axes(
        &mut out,
        max,
        labels.first().map_or("", String::as_str),
        labels.last().map_or("", String::as_str),
        fmt,
    );
    out.push_str("</svg>");
    out
}

/// A weekday × hour heatmap (Monday first); darker is more.
#[must_use]
pub fn heatmap(title: &str, grid: &[[i64; 24]; 7], days: &[&str; 7]) -> String {
    let mut out = String::new();
    let (left, top, cell_w, cell_h) = (36.0, 4.0, 15.0, 19.0);
    let (w, h) = (left + cell_w * 24.0 + 2.0, top + cell_h * 7.0 + 16.0);
    let _ = write!(
        out,
        "<svg class=\"chart heat\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
        esc(title)
    );
    let max = grid.iter().flatten().copied().max().unwrap_or(0);
    for (d, row) in grid.iter().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let y = top + cell_h * d as f64;
        let _ = write!(
            out,
            "<text class=\"tick\" x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            left - 4.0,
            y + cell_h * 0.7,
            esc(&days[d][..3])
        );
        for (hour, v) in row.iter().enumerate() {
            #[allow(clippy::cast_precision_loss)]
            let (x, level) = (
                left + cell_w * hour as f64,
                if max > 0 { *v as f64 / max as f64 } else { 0.0 },
            );
            let _ = write!(
                out,
                "<rect class=\"cell\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill-opacity=\"{:.2}\"><title>{} {hour:02}:00: {v}</title></rect>",
                cell_w - 1.0,
                cell_h - 1.0,
                0.06 + 0.94 * level,
                esc(days[d])
            );
        }
    }
    for hour in [0, 6, 12, 18] {
        let _ = write!(
            out,
            "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\">{hour:02}</text>",
            left + cell_w * f64::from(hour),
            top + cell_h * 7.0 + 12.0
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(svg: &str) {
        let doc = roxmltree::Document::parse(svg).expect("well-formed SVG");
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        for n in doc.descendants().filter(roxmltree::Node::is_element) {
            assert_ne!(n.tag_name().name(), "script");
            assert_ne!(n.tag_name().name(), "foreignObject");
            for a in n.attributes() {
                assert!(!a.name().starts_with("on"), "event handler {}", a.name());
                assert!(!a.value().contains("javascript:"), "{}", a.value());
                assert_ne!(a.name(), "href", "no external reference");
            }
        }
    }

    #[test]
    fn charts_are_well_formed_and_carry_no_script_even_with_hostile_labels() {
        let labels: Vec<String> = vec![
            "2026-12-01".into(),
            "<script>alert(1)</script>".into(),
            "\" onload=\"alert(1)".into(),
        ];
        let s = [
            Series {
                name: "in & <out>",
                class: "s1",
                values: vec![3, 0, 7],
            },
            Series {
                name: "out",
                class: "s2\" onclick=\"x",
                values: vec![1, 2, 3],
            },
        ];
        let fmt = |v: i64| format!("{v} <b>");
        for svg in [
            bars("Messages <per day>", &labels, &s, &fmt),
            lines("Opened", &labels, &s, &fmt),
        ] {
            check(&svg);
            assert!(!svg.contains("<script"), "{svg}");
        }
        let mut grid = [[0; 24]; 7];
        grid[0][9] = 12;
        grid[6][23] = 3;
        let svg = heatmap("Inbound & co", &grid, &crate::model::hours::WEEKDAYS);
        check(&svg);
        assert!(svg.contains("<title>Monday 09:00: 12</title>"));
    }

    #[test]
    fn empty_data_still_draws() {
        check(&bars("Nothing", &[], &[], &|v| v.to_string()));
        check(&lines(
            "Nothing",
            &["a".into()],
            &[Series {
                name: "x",
                class: "s1",
                values: vec![0],
            }],
            &|v| v.to_string(),
        ));
        check(&heatmap(
            "Nothing",
            &[[0; 24]; 7],
            &crate::model::hours::WEEKDAYS,
        ));
    }
}
