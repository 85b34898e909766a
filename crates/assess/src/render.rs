//! The daily report for people: Markdown, and self-contained printable
//! HTML with an SVG map. Both are deterministic functions of the report.

use std::fmt::Write as _;

use crate::daily::{DailyReport, Tally};
use crate::findings::{Estimate, Grade};

fn estimate(e: Option<Estimate>) -> String {
    match e {
        None => "–".to_owned(),
        Some(e) if e.low == e.high => e.best.to_string(),
        Some(e) => format!("{} ({}–{})", e.best, e.low, e.high),
    }
}

fn change(now: u64, before: u64) -> String {
    match now.cmp(&before) {
        std::cmp::Ordering::Greater => format!("+{}", now - before),
        std::cmp::Ordering::Less => format!("−{}", before - now),
        std::cmp::Ordering::Equal => "±0".to_owned(),
    }
}

fn total(t: &Tally) -> u64 {
    t.incidents.values().sum()
}

fn grades(t: &Tally) -> String {
    Grade::ALL
        .iter()
        .map(|g| format!("{} {}", t.incidents.get(g.as_str()).copied().unwrap_or(0), g.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn violations(t: &Tally) -> String {
    if t.violations.is_empty() {
        return "none".to_owned();
    }
    t.violations.iter().map(|(rule, n)| format!("{rule}: {n}")).collect::<Vec<_>>().join(", ")
}

fn disruption(t: &Tally) -> String {
    if t.disruption.is_empty() {
        return "none reported".to_owned();
    }
    t.disruption.iter().map(|(s, n)| format!("{s} {n}")).collect::<Vec<_>>().join(", ")
}

/// Escapes text for Markdown tables and for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('|', "&#124;")
}

/// The report in Markdown.
pub fn markdown(report: &DailyReport) -> String {
    let mut out = String::new();
    let s = &report.summary;
    let p = &report.previous_period;
    let _ = writeln!(out, "# Daily report, {}\n", report.date);
    let _ = writeln!(out, "Period: {} to {} (UTC).\n", report.period.from, report.period.to);
    let _ = writeln!(out, "## Summary\n");
    let _ =
        writeln!(out, "| | this period | previous period | change |\n| --- | --- | --- | --- |");
    let _ = writeln!(
        out,
        "| incidents | {} | {} | {} |",
        total(s),
        total(p),
        change(total(s), total(p))
    );
    let nv = |t: &Tally| t.violations.values().sum::<u64>();
    let _ = writeln!(out, "| violations | {} | {} | {} |", nv(s), nv(p), change(nv(s), nv(p)));
    let _ = writeln!(out, "| killed | {} | {} | |", estimate(s.killed), estimate(p.killed));
    let _ = writeln!(out, "| injured | {} | {} | |", estimate(s.injured), estimate(p.injured));
    let _ = writeln!(
        out,
        "| coverage gaps | {} | {} | {} |\n",
        s.coverage_gaps,
        p.coverage_gaps,
        change(s.coverage_gaps, p.coverage_gaps)
    );
    let _ = writeln!(out, "Incidents by grade: {}.\n", grades(s));
    let _ = writeln!(out, "Violations by rule: {}.\n", violations(s));
    let _ = writeln!(out, "Customers cut off: {}.\n", disruption(s));
    if s.coverage_gaps > 0 {
        let _ = writeln!(
            out,
            "Silence is not compliance: {} coverage gap(s) overlap this period; no finding there \
             means the mission could not see, not that nothing happened.\n",
            s.coverage_gaps
        );
    }

    let _ = writeln!(out, "## By region\n");
    let _ = writeln!(
        out,
        "| region | incidents | violations | killed | injured | disruption | coverage gaps |"
    );
    let _ = writeln!(out, "| --- | --- | --- | --- | --- | --- | --- |");
    for r in &report.regions {
        let t = &r.tally;
        let _ = writeln!(
            out,
            "| {} | {} ({}) | {} | {} | {} | {} | {} |",
            escape(&r.region),
            total(t),
            grades(t),
            violations(t),
            estimate(t.killed),
            estimate(t.injured),
            disruption(t),
            t.coverage_gaps
        );
    }
    let _ = writeln!(out, "\n## By party\n");
    let _ = writeln!(
        out,
        "| party | incidents attributed | violations | coverage gaps caused |\n| --- | --- | --- | --- |"
    );
    for party in &report.parties {
        let v = if party.violations.is_empty() {
            "none".to_owned()
        } else {
            party.violations.iter().map(|(r, n)| format!("{r}: {n}")).collect::<Vec<_>>().join(", ")
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            escape(&party.party),
            party.incidents_attributed,
            v,
            party.coverage_gaps_caused
        );
    }
    let _ = writeln!(out, "\n## Violations\n");
    if report.violations.is_empty() {
        let _ = writeln!(out, "None found.");
    }
    for v in &report.violations {
        let _ = writeln!(
            out,
            "* {}: rule `{}` of agreement {}, by {} (confidence {}, incident {}); entries {}.",
            v.incident,
            v.rule,
            v.agreement,
            v.party.as_deref().unwrap_or("?"),
            v.confidence.unwrap_or("not stated"),
            v.grade.as_str(),
            v.cites.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
        );
    }
    let _ = writeln!(out, "\n## Incidents\n");
    let _ = writeln!(
        out,
        "| incident | time (UTC) | place | grade | verdicts | entries |\n| --- | --- | --- | --- | --- | --- |"
    );
    for i in &report.incidents {
        let verdicts: Vec<String> = i
            .verdicts
            .iter()
            .map(|v| format!("{}: {} ({})", v.rule, v.finding.as_str(), v.reason))
            .collect();
        let place = i
            .location
            .place
            .clone()
            .unwrap_or_else(|| format!("{:.4}, {:.4}", i.location.lat, i.location.lon));
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            i.id,
            i.time.from,
            escape(&place),
            i.grade.as_str(),
            escape(&verdicts.join("; ")),
            i.reports.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
        );
    }
    let _ = writeln!(out, "\n## Coverage gaps\n");
    if report.coverage_gaps.is_empty() {
        let _ = writeln!(out, "None reported.");
    }
    for g in &report.coverage_gaps {
        let _ = writeln!(
            out,
            "* entry {}: {} by {}, {} to {}, {} ({} m around {:.4}, {:.4}), reported by {}.",
            g.index,
            g.gap.as_str(),
            g.by.as_deref().unwrap_or("unknown"),
            g.time.from,
            g.time.to,
            escape(g.region.as_deref().unwrap_or("region not given")),
            g.radius_m,
            g.lat,
            g.lon,
            g.source
        );
    }
    let pv = &report.provenance;
    let _ = writeln!(out, "\n## Provenance\n");
    let _ = writeln!(
        out,
        "Computed by Truce {} from the log `{}` at tree size {} (root hash `{}`), against agreement \
         entries {}. Parameters: {}. Recompute it with `truce report --log LOG --agreement {} --date {} --at {}`.",
        pv.truce_version,
        escape(&pv.origin),
        pv.checkpoint_size,
        pv.root_hash,
        pv.agreements.iter().map(u64::to_string).collect::<Vec<_>>().join(", "),
        serde_json::to_string(&pv.parameters).unwrap_or_default(),
        pv.agreements.iter().map(u64::to_string).collect::<Vec<_>>().join(" --agreement "),
        report.date,
        pv.checkpoint_size
    );
    out
}

const GRADE_COLOURS: [(Grade, &str); 5] = [
    (Grade::Verified, "#b2182b"),
    (Grade::Probable, "#ef8a62"),
    (Grade::Reported, "#67a9cf"),
    (Grade::Contested, "#762a83"),
    (Grade::Discounted, "#999999"),
];

fn colour(grade: Grade) -> &'static str {
    GRADE_COLOURS.iter().find(|(g, _)| *g == grade).map_or("#000000", |(_, c)| c)
}

/// Cities drawn on the map for orientation: (name, lat, lon).
const CITIES: [(&str, f64, f64); 8] = [
    ("Kyiv", 50.45, 30.52),
    ("Kharkiv", 49.99, 36.23),
    ("Odesa", 46.48, 30.73),
    ("Lviv", 49.84, 24.03),
    ("Dnipro", 48.46, 35.05),
    ("Zaporizhzhia", 47.84, 35.14),
    ("Kherson", 46.64, 32.61),
    ("Donetsk", 48.00, 37.80),
];

/// The map of the report's incidents and coverage gaps: an equirectangular
/// projection of Ukraine and its neighbours.
pub fn svg_map(report: &DailyReport) -> String {
    const WEST: f64 = 22.0;
    const EAST: f64 = 40.5;
    const NORTH: f64 = 52.6;
    const SOUTH: f64 = 44.0;
    const SCALE: f64 = 50.0;
    let k = libm::cos(48.3f64.to_radians());
    let x = |lon: f64| (lon - WEST) * SCALE * k;
    let y = |lat: f64| (NORTH - lat) * SCALE;
    let (width, height) = (x(EAST), y(SOUTH));
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.1} {height:.1}" role="img" aria-label="Map of the incidents of {date}">"##,
        date = report.date
    );
    // The sea, then the countries: Ukraine within its recognised borders.
    let _ = write!(svg, r##"<rect width="{width:.1}" height="{height:.1}" fill="#dfe9f0"/>"##);
    for country in crate::countries() {
        let fill = if country.iso_a3 == "UKR" { "#f7f4ec" } else { "#e6e2d8" };
        let _ = write!(
            svg,
            r##"<path fill="{fill}" stroke="#9a948a" stroke-width="0.6" fill-rule="evenodd" d=""##
        );
        for ring in country.polygons.iter().flatten() {
            for (n, p) in ring.iter().enumerate() {
                let _ = write!(
                    svg,
                    "{}{:.1} {:.1}",
                    if n == 0 { "M" } else { "L" },
                    x(p.lon),
                    y(p.lat)
                );
            }
            svg.push('Z');
        }
        let _ = write!(svg, r##""><title>{}</title></path>"##, country.name);
    }
    for lon in (22..=40).step_by(2) {
        let _ = write!(
            svg,
            r##"<line x1="{0:.1}" y1="0" x2="{0:.1}" y2="{height:.1}" stroke="#ddd" stroke-width="0.5"/>"##,
            x(f64::from(lon))
        );
    }
    for lat in (44..=52).step_by(2) {
        let _ = write!(
            svg,
            r##"<line x1="0" y1="{0:.1}" x2="{width:.1}" y2="{0:.1}" stroke="#ddd" stroke-width="0.5"/>"##,
            y(f64::from(lat))
        );
    }
    for (name, lat, lon) in CITIES {
        let _ = write!(
            svg,
            r##"<circle cx="{:.1}" cy="{:.1}" r="1.5" fill="#444"/><text x="{:.1}" y="{:.1}" font-size="9" fill="#444" font-family="sans-serif">{name}</text>"##,
            x(lon),
            y(lat),
            x(lon) + 3.0,
            y(lat) - 3.0
        );
    }
    for g in &report.coverage_gaps {
        let r = (g.radius_m / 111_000.0 * SCALE).max(2.0);
        let _ = write!(
            svg,
            r##"<circle cx="{:.1}" cy="{:.1}" r="{r:.1}" fill="#888" fill-opacity="0.25" stroke="#666" stroke-dasharray="2 2"><title>coverage gap {}: {}</title></circle>"##,
            x(g.lon),
            y(g.lat),
            g.index,
            g.gap.as_str()
        );
    }
    for i in &report.incidents {
        let harm = i.harm.killed.map_or(0, |e| e.best) + i.harm.injured.map_or(0, |e| e.best);
        let r = 3.0 + (harm as f64).min(100.0).sqrt();
        let _ = write!(
            svg,
            r##"<circle cx="{:.1}" cy="{:.1}" r="{r:.1}" fill="{}" fill-opacity="0.8" stroke="#fff" stroke-width="0.8"><title>{}: {}</title></circle>"##,
            x(i.location.lon),
            y(i.location.lat),
            colour(i.grade),
            i.id,
            i.grade.as_str()
        );
    }
    for (n, (grade, c)) in GRADE_COLOURS.iter().enumerate() {
        let ly = 12.0 + n as f64 * 12.0;
        let _ = write!(
            svg,
            r##"<circle cx="10" cy="{ly:.1}" r="4" fill="{c}"/><text x="18" y="{:.1}" font-size="9" font-family="sans-serif">{}</text>"##,
            ly + 3.0,
            grade.as_str()
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The report as one self-contained, printable HTML page.
pub fn html(report: &DailyReport) -> String {
    let mut body = String::new();
    let mut section = |title: &str, content: String| {
        let _ = write!(body, "<section><h2>{}</h2>{content}</section>", escape(title));
    };
    let s = &report.summary;
    let p = &report.previous_period;
    let nv = |t: &Tally| t.violations.values().sum::<u64>();
    section(
        "Summary",
        format!(
            "<table><tr><th></th><th>this period</th><th>previous period</th><th>change</th></tr>\
             <tr><td>incidents</td><td>{}</td><td>{}</td><td>{}</td></tr>\
             <tr><td>violations</td><td>{}</td><td>{}</td><td>{}</td></tr>\
             <tr><td>killed</td><td>{}</td><td>{}</td><td></td></tr>\
             <tr><td>injured</td><td>{}</td><td>{}</td><td></td></tr>\
             <tr><td>coverage gaps</td><td>{}</td><td>{}</td><td>{}</td></tr></table>\
             <p>Incidents by grade: {}. Violations by rule: {}. Customers cut off: {}.</p>",
            total(s),
            total(p),
            change(total(s), total(p)),
            nv(s),
            nv(p),
            change(nv(s), nv(p)),
            estimate(s.killed),
            estimate(p.killed),
            estimate(s.injured),
            estimate(p.injured),
            s.coverage_gaps,
            p.coverage_gaps,
            change(s.coverage_gaps, p.coverage_gaps),
            grades(s),
            escape(&violations(s)),
            escape(&disruption(s))
        ),
    );
    section("Map", format!("<figure>{}</figure>", svg_map(report)));
    // The tables of the Markdown form, converted: one source of truth.
    let markdown = markdown(report);
    let tables: String = markdown
        .split("\n## ")
        .skip(2)
        .map(|part| {
            let (title, rest) = part.split_once('\n').unwrap_or((part, ""));
            format!("<section><h2>{}</h2>{}</section>", escape(title), markdown_block_to_html(rest))
        })
        .collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Daily report {date}</title><style>{STYLE}</style></head><body>\
         <h1>Daily report, {date}</h1><p>Period: {from} to {to} (UTC).</p>{body}{tables}</body></html>\n",
        date = report.date,
        from = report.period.from,
        to = report.period.to,
    )
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}\
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}\
figure{margin:0}svg{width:100%;height:auto;border:1px solid #ccc}code{font-size:.85em}\
@media print{body{margin:0;max-width:none}section{break-inside:avoid}}";

/// Markdown tables, lists and paragraphs (as [`markdown`] writes them) to
/// HTML.
fn markdown_block_to_html(block: &str) -> String {
    let mut out = String::new();
    let mut in_list = false;
    let mut in_table = false;
    for line in block.lines() {
        let line = line.trim_end();
        if line.starts_with('|') {
            if line.starts_with("| ---") {
                continue;
            }
            let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
            let tag = if in_table { "td" } else { "th" };
            if !in_table {
                out.push_str("<table>");
                in_table = true;
            }
            out.push_str("<tr>");
            for cell in cells {
                let _ = write!(out, "<{tag}>{}</{tag}>", code(cell));
            }
            out.push_str("</tr>");
            continue;
        }
        if in_table {
            out.push_str("</table>");
            in_table = false;
        }
        if let Some(item) = line.strip_prefix("* ") {
            if !in_list {
                out.push_str("<ul>");
                in_list = true;
            }
            let _ = write!(out, "<li>{}</li>", code(item));
            continue;
        }
        if in_list {
            out.push_str("</ul>");
            in_list = false;
        }
        if !line.is_empty() {
            let _ = write!(out, "<p>{}</p>", code(line));
        }
    }
    if in_table {
        out.push_str("</table>");
    }
    if in_list {
        out.push_str("</ul>");
    }
    out
}

/// Inline code spans; the text is already escaped by [`markdown`].
fn code(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{part}</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}
