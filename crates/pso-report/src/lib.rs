//! `pso-report`: charts rendered on the server as SVG (the same SVG goes into pages, e-mails
//! and PDF). Pure string building, linear in the number of rows, so a Gantt of thousands of
//! tasks renders in milliseconds. Presentation attributes only (no inline CSS), so the
//! document works under a strict Content-Security-Policy and outside a browser.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use std::fmt::Write;

/// Time scale of a Gantt chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zoom {
    Week,
    Month,
    Quarter,
}

impl Zoom {
    pub fn parse(s: &str) -> Option<Zoom> {
        match s {
            "week" => Some(Zoom::Week),
            "month" => Some(Zoom::Month),
            "quarter" => Some(Zoom::Quarter),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Zoom::Week => "week",
            Zoom::Month => "month",
            Zoom::Quarter => "quarter",
        }
    }

    /// The days one screen of the chart covers at this zoom (about 5,000 pixels): the date
    /// window of a long plan.
    pub fn window_days(self) -> i64 {
        match self {
            Zoom::Week => 26 * 7,
            Zoom::Month => 2 * 365,
            Zoom::Quarter => 6 * 365,
        }
    }

    fn px_per_day(self) -> f64 {
        match self {
            Zoom::Week => 28.0,
            Zoom::Month => 7.0,
            Zoom::Quarter => 2.2,
        }
    }
}

/// One line of the chart.
#[derive(Debug, Clone)]
pub struct GanttRow {
    pub label: String,
    /// WBS depth (0 = top level), for indentation.
    pub depth: usize,
    pub start: NaiveDateTime,
    pub finish: NaiveDateTime,
    pub group: bool,
    pub milestone: bool,
    pub critical: bool,
    /// The baseline's dates, drawn as a thin bar under the current one.
    pub baseline: Option<(NaiveDateTime, NaiveDateTime)>,
    /// Hover text (dates, float, why).
    pub tooltip: String,
    /// Percent complete, drawn as a darker part of the bar from its start.
    pub progress: Option<u8>,
}

/// A dependency between two rows (indices into `rows`).
#[derive(Debug, Clone, Copy)]
pub struct GanttLink {
    pub from: usize,
    pub to: usize,
    /// `FS`, `SS`, `FF` or `SF`.
    pub kind: &'static str,
}

#[derive(Debug, Clone)]
pub struct Gantt {
    pub rows: Vec<GanttRow>,
    pub links: Vec<GanttLink>,
    pub today: Option<NaiveDate>,
    /// The project's status date: progress is reported up to it.
    pub status_date: Option<NaiveDate>,
    pub zoom: Zoom,
    /// Draw only these dates (first, last day): bars are cut at the edges, so the chart's
    /// width stays bounded however long the plan runs. `None`: every date of the rows.
    pub window: Option<(NaiveDate, NaiveDate)>,
}

const ROW_H: f64 = 24.0;
const HEAD_H: f64 = 44.0;
const LABEL_W: f64 = 300.0;

/// XML text escape.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

fn quarter_of(d: NaiveDate) -> u32 {
    (d.month0() / 3) + 1
}

/// Renders the chart as a standalone `<svg>` element.
pub fn gantt_svg(g: &Gantt) -> String {
    let mut out = String::with_capacity(512 + g.rows.len() * 400);
    if g.rows.is_empty() {
        out.push_str(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"400\" height=\"40\" role=\"img\" \
             aria-label=\"Empty Gantt chart\"><text x=\"8\" y=\"24\" font-family=\"sans-serif\" \
             font-size=\"13\" fill=\"#555\">Nothing scheduled yet.</text></svg>",
        );
        return out;
    }
    let min = g
        .rows
        .iter()
        .map(|r| r.start)
        .chain(g.rows.iter().filter_map(|r| r.baseline.map(|b| b.0)))
        .min();
    let max = g
        .rows
        .iter()
        .map(|r| r.finish)
        .chain(g.rows.iter().filter_map(|r| r.baseline.map(|b| b.1)))
        .max();
    let (Some(min), Some(max)) = (min, max) else {
        return out;
    };
    let (first, last) = match g.window {
        Some((a, b)) => (a, b),
        None => (
            min.date() - Duration::days(3),
            max.date() + Duration::days(14),
        ),
    };
    // Start on a Monday (or a month start) a little before the first bar.
    let mut origin = first;
    origin -= Duration::days(origin.weekday().num_days_from_monday() as i64);
    if g.zoom != Zoom::Week {
        origin = NaiveDate::from_ymd_opt(origin.year(), origin.month(), 1).unwrap_or(origin);
    }
    let end = last;
    let ppd = g.zoom.px_per_day();
    let x_min = LABEL_W;
    let x_max = LABEL_W + ((end - origin).num_days() as f64) * ppd;
    let x_of = |t: NaiveDateTime| -> f64 {
        let mins = (t - origin.and_hms_opt(0, 0, 0).unwrap_or_default()).num_minutes() as f64;
        (LABEL_W + mins / 1440.0 * ppd).clamp(x_min - 4.0, x_max + 4.0)
    };
    // A bar wholly outside the window is not drawn (its label stays).
    let visible =
        |a: NaiveDateTime, b: NaiveDateTime| -> bool { b.date() >= origin && a.date() <= end };
    let width = LABEL_W + ((end - origin).num_days() as f64) * ppd;
    let height = HEAD_H + g.rows.len() as f64 * ROW_H + 8.0;
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"gantt\" width=\"{width:.0}\" height=\"{height:.0}\" \
         viewBox=\"0 0 {width:.0} {height:.0}\" role=\"img\" aria-label=\"Gantt chart of {} tasks\" \
         font-family=\"system-ui, sans-serif\" font-size=\"12\">",
        g.rows.len()
    );
    out.push_str(
        "<defs><marker id=\"arrow\" viewBox=\"0 0 8 8\" refX=\"7\" refY=\"4\" markerWidth=\"7\" \
         markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L8,4 L0,8 z\" fill=\"#6b7280\"/>\
         </marker></defs>",
    );
    // Zebra rows.
    for i in (0..g.rows.len()).step_by(2) {
        let _ = write!(
            out,
            "<rect x=\"0\" y=\"{:.1}\" width=\"{width:.0}\" height=\"{ROW_H}\" fill=\"#f7f8fa\"/>",
            HEAD_H + i as f64 * ROW_H
        );
    }
    // Time header and grid.
    let _ = write!(
        out,
        "<rect x=\"0\" y=\"0\" width=\"{width:.0}\" height=\"{HEAD_H}\" fill=\"#eef1f5\"/>\
         <text x=\"8\" y=\"28\" font-weight=\"600\" fill=\"#374151\">Task</text>"
    );
    let mut d = origin;
    while d <= end {
        let (tick, label, major) = match g.zoom {
            Zoom::Week => (
                d.weekday() == chrono::Weekday::Mon,
                format!("{} · W{:02}", d.format("%d %b"), d.iso_week().week()),
                d.day() <= 7,
            ),
            Zoom::Month => (d.day() == 1, d.format("%b %Y").to_string(), d.month() == 1),
            Zoom::Quarter => (
                d.day() == 1 && d.month0().is_multiple_of(3),
                format!("Q{} {}", quarter_of(d), d.year()),
                d.month() == 1,
            ),
        };
        if tick {
            let x = x_of(d.and_hms_opt(0, 0, 0).unwrap_or_default());
            let _ = write!(
                out,
                "<line x1=\"{x:.1}\" y1=\"{}\" x2=\"{x:.1}\" y2=\"{height:.0}\" stroke=\"{}\" stroke-width=\"1\"/>\
                 <text x=\"{:.1}\" y=\"28\" fill=\"#4b5563\">{}</text>",
                HEAD_H - 16.0,
                if major { "#cbd2dc" } else { "#e3e7ed" },
                x + 4.0,
                esc(&label)
            );
        }
        d += Duration::days(1);
    }
    let _ = write!(
        out,
        "<line x1=\"{LABEL_W}\" y1=\"0\" x2=\"{LABEL_W}\" y2=\"{height:.0}\" stroke=\"#9aa3af\"/>"
    );
    // Labels and bars.
    for (i, r) in g.rows.iter().enumerate() {
        let y = HEAD_H + i as f64 * ROW_H;
        let label: String = if r.label.chars().count() > 40 - r.depth.min(10) * 2 {
            let mut l: String = r.label.chars().take(38 - r.depth.min(10) * 2).collect();
            l.push('…');
            l
        } else {
            r.label.clone()
        };
        let _ = write!(
            out,
            "<g class=\"row\"><title>{}</title><text x=\"{:.1}\" y=\"{:.1}\" fill=\"#111827\"{}>{}</text>",
            esc(&r.tooltip),
            8.0 + r.depth as f64 * 14.0,
            y + 16.0,
            if r.group { " font-weight=\"600\"" } else { "" },
            esc(&label)
        );
        if let Some((bs, bf)) = r.baseline.filter(|(a, b)| visible(*a, *b)) {
            let (x0, x1) = (x_of(bs), x_of(bf).max(x_of(bs) + 2.0));
            let _ = write!(
                out,
                "<rect class=\"baseline\" x=\"{x0:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"4\" fill=\"#9ca3af\"/>",
                y + 17.0,
                x1 - x0
            );
        }
        let (x0, x1) = (x_of(r.start), x_of(r.finish));
        if !visible(r.start, r.finish) {
            out.push_str("</g>");
            continue;
        }
        if r.milestone {
            let cx = x0;
            let cy = y + ROW_H / 2.0;
            let _ = write!(
                out,
                "<path class=\"milestone\" d=\"M{:.1},{cy:.1} L{cx:.1},{:.1} L{:.1},{cy:.1} L{cx:.1},{:.1} z\" fill=\"{}\"/>",
                cx - 7.0,
                cy - 7.0,
                cx + 7.0,
                cy + 7.0,
                if r.critical { "#b91c1c" } else { "#1f2937" }
            );
        } else if r.group {
            let w = (x1 - x0).max(2.0);
            let _ = write!(
                out,
                "<path class=\"group-bar\" d=\"M{x0:.1},{:.1} h{w:.1} v10 l-5,-4 h{:.1} l-5,4 z\" fill=\"#374151\"/>",
                y + 6.0,
                -(w - 10.0).max(0.0)
            );
        } else {
            let w = (x1 - x0).max(3.0);
            let _ = write!(
                out,
                "<rect class=\"bar{}\" x=\"{x0:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"12\" rx=\"3\" fill=\"{}\"/>",
                if r.critical { " critical" } else { "" },
                y + 5.0,
                if r.critical { "#dc2626" } else { "#2563eb" }
            );
            if let Some(pct) = r.progress.filter(|p| *p > 0) {
                let done = w * f64::from(pct.min(100)) / 100.0;
                let _ = write!(
                    out,
                    "<rect class=\"progress\" x=\"{x0:.1}\" y=\"{:.1}\" width=\"{done:.1}\" height=\"6\" rx=\"2\" fill=\"#111827\" fill-opacity=\"0.55\"><title>{pct} % complete</title></rect>",
                    y + 8.0,
                );
            }
        }
        out.push_str("</g>");
    }
    // Dependencies: elbow connectors from the predecessor's end (or start) to the successor's
    // start (or end).
    for l in &g.links {
        let (Some(a), Some(b)) = (g.rows.get(l.from), g.rows.get(l.to)) else {
            continue;
        };
        if !visible(a.start, a.finish) || !visible(b.start, b.finish) {
            continue;
        }
        let from_x = if l.kind.starts_with('S') {
            x_of(a.start)
        } else {
            x_of(a.finish)
        };
        let to_x = if l.kind.ends_with('S') {
            x_of(b.start)
        } else {
            x_of(b.finish)
        };
        let y0 = HEAD_H + l.from as f64 * ROW_H + ROW_H / 2.0;
        let y1 = HEAD_H + l.to as f64 * ROW_H + ROW_H / 2.0;
        let mid = if to_x - 8.0 > from_x {
            (from_x + to_x) / 2.0
        } else {
            from_x + 6.0
        };
        let _ = write!(
            out,
            "<path class=\"link\" d=\"M{from_x:.1},{y0:.1} H{mid:.1} V{y1:.1} H{:.1}\" fill=\"none\" \
             stroke=\"#6b7280\" stroke-width=\"1\" marker-end=\"url(#arrow)\"/>",
            if l.kind.ends_with('S') { to_x - 1.0 } else { to_x + 1.0 }
        );
    }
    if let Some(t) = g.status_date {
        if t >= origin && t <= end {
            let x = x_of(t.and_hms_opt(0, 0, 0).unwrap_or_default());
            let _ = write!(
                out,
                "<line class=\"status-date\" x1=\"{x:.1}\" y1=\"{}\" x2=\"{x:.1}\" y2=\"{height:.0}\" \
                 stroke=\"#7c3aed\" stroke-width=\"1.5\"/>\
                 <text x=\"{:.1}\" y=\"{}\" fill=\"#7c3aed\" font-size=\"11\">status</text>",
                HEAD_H - 4.0,
                x + 3.0,
                HEAD_H - 18.0
            );
        }
    }
    if let Some(t) = g.today {
        if t >= origin && t <= end {
            let x = x_of(t.and_hms_opt(0, 0, 0).unwrap_or_default());
            let _ = write!(
                out,
                "<line class=\"today\" x1=\"{x:.1}\" y1=\"{}\" x2=\"{x:.1}\" y2=\"{height:.0}\" \
                 stroke=\"#e11d48\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/>\
                 <text x=\"{:.1}\" y=\"{}\" fill=\"#e11d48\" font-size=\"11\">today</text>",
                HEAD_H - 4.0,
                x + 3.0,
                HEAD_H - 6.0
            );
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
    }

    fn row(label: &str, a: &str, b: &str) -> GanttRow {
        GanttRow {
            label: label.into(),
            depth: 0,
            start: dt(a),
            finish: dt(b),
            group: false,
            milestone: false,
            critical: false,
            baseline: None,
            tooltip: String::new(),
            progress: None,
        }
    }

    #[test]
    fn bars_links_milestones_today() {
        let mut m = row("Go-live <v1>", "2026-03-13T18:00", "2026-03-13T18:00");
        m.milestone = true;
        m.critical = true;
        let mut a = row("Design", "2026-03-02T09:00", "2026-03-06T18:00");
        a.progress = Some(40);
        a.baseline = Some((dt("2026-03-02T09:00"), dt("2026-03-05T18:00")));
        let g = Gantt {
            rows: vec![a, row("Build", "2026-03-09T09:00", "2026-03-13T18:00"), m],
            links: vec![GanttLink {
                from: 0,
                to: 1,
                kind: "FS",
            }],
            today: NaiveDate::from_ymd_opt(2026, 3, 10),
            status_date: NaiveDate::from_ymd_opt(2026, 3, 9),
            zoom: Zoom::Week,
            window: None,
        };
        let svg = gantt_svg(&g);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("class=\"bar\"").count(), 2);
        assert_eq!(svg.matches("class=\"milestone\"").count(), 1);
        assert_eq!(svg.matches("class=\"link\"").count(), 1);
        assert_eq!(svg.matches("class=\"baseline\"").count(), 1);
        assert!(svg.contains("class=\"today\""));
        assert!(svg.contains("class=\"status-date\""));
        assert!(svg.contains("40 % complete"));
        assert!(svg.contains("Go-live &lt;v1&gt;"), "labels are escaped");
        assert!(!svg.contains("style="), "no inline CSS");
    }

    #[test]
    fn zoom_changes_scale() {
        let g = |zoom| Gantt {
            rows: vec![row("A", "2026-01-05T09:00", "2026-06-30T18:00")],
            links: vec![],
            today: None,
            status_date: None,
            zoom,
            window: None,
        };
        let w = |s: String| -> f64 {
            let i = s.find("width=\"").unwrap() + 7;
            s[i..].split('"').next().unwrap().parse().unwrap()
        };
        let (wk, mo, qu) = (
            w(gantt_svg(&g(Zoom::Week))),
            w(gantt_svg(&g(Zoom::Month))),
            w(gantt_svg(&g(Zoom::Quarter))),
        );
        assert!(wk > mo && mo > qu, "{wk} {mo} {qu}");
    }

    #[test]
    fn a_date_window_bounds_the_width_and_cuts_bars() {
        let rows = vec![
            row("Early", "2026-01-05T09:00", "2026-01-09T18:00"),
            row("Long", "2026-01-05T09:00", "2036-12-31T18:00"),
            row("Late", "2035-01-05T09:00", "2035-02-05T18:00"),
        ];
        let whole = gantt_svg(&Gantt {
            rows: rows.clone(),
            links: vec![],
            today: None,
            status_date: None,
            zoom: Zoom::Week,
            window: None,
        });
        let a = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let windowed = gantt_svg(&Gantt {
            rows,
            links: vec![],
            today: None,
            status_date: None,
            zoom: Zoom::Week,
            window: Some((a, a + Duration::days(Zoom::Week.window_days()))),
        });
        assert!(
            windowed.len() * 10 < whole.len(),
            "{} vs {}",
            windowed.len(),
            whole.len()
        );
        // Early and Long are drawn, Late (outside) is only a label.
        assert_eq!(windowed.matches("class=\"bar").count(), 2);
        assert!(windowed.contains(">Late<"));
    }
}
