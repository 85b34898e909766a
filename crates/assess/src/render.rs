//! The daily report for people, in English, Ukrainian or Russian:
//! Markdown, and self-contained printable HTML with an SVG map. Each is a
//! deterministic function of the report, the language and truce-i18n's
//! catalogues (whose version the provenance section names), so anyone can
//! recompute any language byte for byte; the canonical JSON that a
//! statement's digest covers is the same for all three.

use std::fmt::Write as _;

use truce_i18n::{FluentValue, Lang, Messages};

use crate::daily::{DailyReport, Tally};
use crate::findings::{Estimate, Grade, GradeReason, Incident};

/// A whole number as an argument that is shown grouped and selects plural
/// forms.
fn count(n: impl Into<u64>) -> FluentValue<'static> {
    FluentValue::from(n.into())
}

/// An index or identifier as an argument: shown as it is, never grouped.
fn id(value: impl ToString) -> FluentValue<'static> {
    FluentValue::from(value.to_string())
}

fn estimate(m: &Messages, e: Option<Estimate>) -> String {
    match e {
        None => "–".to_owned(),
        Some(e) if e.low == e.high => m.number(e.best),
        Some(e) => format!("{} ({}–{})", m.number(e.best), m.number(e.low), m.number(e.high)),
    }
}

fn change(m: &Messages, now: u64, before: u64) -> String {
    match now.cmp(&before) {
        std::cmp::Ordering::Greater => format!("+{}", m.number(now - before)),
        std::cmp::Ordering::Less => format!("−{}", m.number(before - now)),
        std::cmp::Ordering::Equal => "±0".to_owned(),
    }
}

fn total(t: &Tally) -> u64 {
    t.incidents.values().sum()
}

fn grades(m: &Messages, t: &Tally) -> String {
    Grade::ALL
        .iter()
        .map(|g| {
            let n = t.incidents.get(g.as_str()).copied().unwrap_or(0);
            format!("{} {}", m.term("grade", g.as_str()), m.number(n))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn violations(m: &Messages, t: &std::collections::BTreeMap<String, u64>) -> String {
    if t.is_empty() {
        return m.text("report-none");
    }
    t.iter().map(|(rule, n)| format!("{rule}: {}", m.number(*n))).collect::<Vec<_>>().join(", ")
}

fn disruption(m: &Messages, t: &Tally) -> String {
    if t.disruption.is_empty() {
        return m.text("report-none-reported");
    }
    t.disruption
        .iter()
        .map(|(s, n)| format!("{} {}", m.term("service", s), m.number(*n)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn indices(list: &[u64]) -> String {
    list.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
}

/// Why an incident has its grade, in the language of `m`.
fn grade_reason(m: &Messages, reason: &GradeReason) -> String {
    let message = format!("reason-{}", reason.code());
    match reason {
        GradeReason::ObservedWithEvidence { entry }
        | GradeReason::CredibleWithEvidence { entry } => {
            m.format(&message, &[("entry", id(entry))])
        }
        GradeReason::CredibleGroups { groups } | GradeReason::Uncorroborated { groups } => {
            m.format(&message, &[("groups", count(*groups as u64))])
        }
        GradeReason::IndependentGroups { groups, credible } => m.format(
            &message,
            &[("groups", count(*groups as u64)), ("credible", count(*credible as u64))],
        ),
        GradeReason::Denied { denier, affirmer } => {
            m.format(&message, &[("denier", id(denier)), ("affirmer", id(affirmer))])
        }
        GradeReason::Perpetrators { named } => {
            let named: Vec<String> = named
                .iter()
                .map(|n| {
                    m.format(
                        "reason-perpetrator",
                        &[("party", id(n.party.to_uppercase())), ("entry", id(n.entry))],
                    )
                })
                .collect();
            m.format(&message, &[("named", id(named.join(", ")))])
        }
        GradeReason::Withdrawn | GradeReason::NotAffirmed => m.text(&message),
    }
}

/// Escapes text for Markdown tables and for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('|', "&#124;")
}

/// A region as a report names it, in the language of `m` where the
/// gazetteer knows it.
fn region(m: &Messages, reported: &str) -> String {
    crate::region_name(reported, m.lang()).unwrap_or(reported).to_owned()
}

fn place(i: &Incident) -> String {
    i.location
        .place
        .clone()
        .unwrap_or_else(|| format!("{:.4}, {:.4}", i.location.lat, i.location.lon))
}

/// The report in Markdown, in `lang`.
pub fn markdown(report: &DailyReport, lang: Lang) -> String {
    let m = Messages::of(lang);
    let mut out = String::new();
    let s = &report.summary;
    let p = &report.previous_period;
    let _ =
        writeln!(out, "# {}\n", m.format("report-title", &[("date", id(m.date(&report.date)))]));
    let _ = writeln!(out, "{}\n", period(m, report));
    let _ = writeln!(out, "## {}\n", m.text("report-summary"));
    let _ = writeln!(
        out,
        "| | {} | {} | {} |\n| --- | --- | --- | --- |",
        m.text("report-this-period"),
        m.text("report-previous-period"),
        m.text("report-change")
    );
    let mut row = |label: &str, now: String, before: String, delta: String| {
        let _ = writeln!(out, "| {} | {now} | {before} | {delta} |", m.text(label));
    };
    let nv = |t: &Tally| t.violations.values().sum::<u64>();
    row("report-incidents", m.number(total(s)), m.number(total(p)), change(m, total(s), total(p)));
    row("report-violations", m.number(nv(s)), m.number(nv(p)), change(m, nv(s), nv(p)));
    row("report-killed", estimate(m, s.killed), estimate(m, p.killed), String::new());
    row("report-injured", estimate(m, s.injured), estimate(m, p.injured), String::new());
    row(
        "report-coverage-gaps",
        m.number(s.coverage_gaps),
        m.number(p.coverage_gaps),
        change(m, s.coverage_gaps, p.coverage_gaps),
    );
    out.push('\n');
    let _ = writeln!(out, "{}\n", m.format("report-by-grade", &[("list", id(grades(m, s)))]));
    let _ = writeln!(
        out,
        "{}\n",
        m.format("report-by-rule", &[("list", id(violations(m, &s.violations)))])
    );
    let _ = writeln!(out, "{}\n", m.format("report-cut-off", &[("list", id(disruption(m, s)))]));
    if s.coverage_gaps > 0 {
        let _ =
            writeln!(out, "{}\n", m.format("report-silence", &[("gaps", count(s.coverage_gaps))]));
    }

    let _ = writeln!(out, "## {}\n", m.text("report-by-region"));
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} | {} |",
        m.text("report-region"),
        m.text("report-incidents"),
        m.text("report-violations"),
        m.text("report-killed"),
        m.text("report-injured"),
        m.text("report-disruption"),
        m.text("report-coverage-gaps"),
    );
    let _ = writeln!(out, "| --- | --- | --- | --- | --- | --- | --- |");
    for r in &report.regions {
        let t = &r.tally;
        let region =
            r.region.as_deref().map_or_else(|| m.text("report-region-unknown"), |r| region(m, r));
        let _ = writeln!(
            out,
            "| {} | {} ({}) | {} | {} | {} | {} | {} |",
            escape(&region),
            m.number(total(t)),
            grades(m, t),
            violations(m, &t.violations),
            estimate(m, t.killed),
            estimate(m, t.injured),
            disruption(m, t),
            m.number(t.coverage_gaps)
        );
    }
    let _ = writeln!(out, "\n## {}\n", m.text("report-by-party"));
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} |\n| --- | --- | --- | --- |",
        m.text("report-party"),
        m.text("report-attributed"),
        m.text("report-violations"),
        m.text("report-gaps-caused"),
    );
    for party in &report.parties {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            escape(&party.party),
            m.number(party.incidents_attributed),
            violations(m, &party.violations),
            m.number(party.coverage_gaps_caused)
        );
    }
    let _ = writeln!(out, "\n## {}\n", m.text("report-violations-title"));
    if report.violations.is_empty() {
        let _ = writeln!(out, "{}", m.text("report-none-found"));
    }
    for v in &report.violations {
        let confidence = match v.confidence {
            Some(c) => m.term("confidence", c),
            None => m.text("report-confidence-unstated"),
        };
        let party = v.party.clone().unwrap_or_else(|| m.text("report-unknown-party"));
        let line = m.format(
            "report-violation",
            &[
                ("incident", id(&v.incident)),
                ("rule", id(format!("`{}`", v.rule))),
                ("agreement", id(v.agreement)),
                ("party", id(party)),
                ("confidence", id(confidence)),
                ("grade", id(m.term("grade", v.grade.as_str()))),
                ("entries", id(indices(&v.cites))),
            ],
        );
        let _ = writeln!(out, "* {line}");
    }
    let _ = writeln!(out, "\n## {}\n", m.text("report-incidents-title"));
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} |\n| --- | --- | --- | --- | --- | --- |",
        m.text("report-incident"),
        m.text("report-time"),
        m.text("report-place"),
        m.text("report-grade"),
        m.text("report-verdicts"),
        m.text("report-entries"),
    );
    for i in &report.incidents {
        let verdicts: Vec<String> = i
            .verdicts
            .iter()
            .map(|v| {
                format!(
                    "{}: {} ({})",
                    v.rule,
                    m.term("finding", v.finding.as_str()),
                    m.term("verdict", v.reason.as_str())
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            i.id,
            m.date_time(&i.time.from),
            escape(&place(i)),
            escape(&format!(
                "{} ({})",
                m.term("grade", i.grade.as_str()),
                i.grade_reasons.iter().map(|r| grade_reason(m, r)).collect::<Vec<_>>().join("; ")
            )),
            escape(&verdicts.join("; ")),
            indices(&i.reports)
        );
    }
    let _ = writeln!(out, "\n## {}\n", m.text("report-gaps-title"));
    if report.coverage_gaps.is_empty() {
        let _ = writeln!(out, "{}", m.text("report-none-reported-sentence"));
    }
    for g in &report.coverage_gaps {
        let line = m.format(
            "report-gap",
            &[
                ("entry", id(g.index)),
                ("gap", id(m.term("gap", g.gap.as_str()))),
                ("by", id(g.by.clone().unwrap_or_else(|| m.text("report-unknown-party")))),
                ("from", id(m.date_time(&g.time.from))),
                ("to", id(m.date_time(&g.time.to))),
                (
                    "region",
                    id(escape(
                        &g.region
                            .as_deref()
                            .map_or_else(|| m.text("report-region-unknown"), |r| region(m, r)),
                    )),
                ),
                ("radius", count(g.radius_m.round() as u64)),
                ("lat", id(format!("{:.4}", g.lat))),
                ("lon", id(format!("{:.4}", g.lon))),
                ("source", id(&g.source)),
            ],
        );
        let _ = writeln!(out, "* {line}");
    }
    let pv = &report.provenance;
    let command = format!(
        "`truce report --log LOG --agreement {} --date {} --at {} --lang {}`",
        pv.agreements.iter().map(u64::to_string).collect::<Vec<_>>().join(" --agreement "),
        report.date,
        pv.checkpoint_size,
        lang.tag()
    );
    let _ = writeln!(out, "\n## {}\n", m.text("report-provenance"));
    let _ = writeln!(
        out,
        "{}",
        m.format(
            "report-provenance-text",
            &[
                ("version", id(&pv.truce_version)),
                ("origin", id(format!("`{}`", escape(&pv.origin)))),
                ("size", id(pv.checkpoint_size)),
                ("root", id(format!("`{}`", pv.root_hash))),
                ("agreements", id(indices(&pv.agreements))),
                ("parameters", id(serde_json::to_string(&pv.parameters).unwrap_or_default())),
                ("catalogue", id(truce_i18n::catalogue_version())),
                ("command", id(command)),
            ],
        )
    );
    out
}

/// "Period: FROM to TO (UTC)."
fn period(m: &Messages, report: &DailyReport) -> String {
    m.format(
        "report-period",
        &[
            ("from", id(m.date_time(&report.period.from))),
            ("to", id(m.date_time(&report.period.to))),
        ],
    )
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

/// Cities drawn on the map for orientation: (message, lat, lon).
const CITIES: [(&str, f64, f64); 8] = [
    ("city-kyiv", 50.45, 30.52),
    ("city-kharkiv", 49.99, 36.23),
    ("city-odesa", 46.48, 30.73),
    ("city-lviv", 49.84, 24.03),
    ("city-dnipro", 48.46, 35.05),
    ("city-zaporizhzhia", 47.84, 35.14),
    ("city-kherson", 46.64, 32.61),
    ("city-donetsk", 48.00, 37.80),
];

/// The map of the report's incidents and coverage gaps, labelled in
/// `lang`: an equirectangular projection of Ukraine and its neighbours.
pub fn svg_map(report: &DailyReport, lang: Lang) -> String {
    const WEST: f64 = 22.0;
    const EAST: f64 = 40.5;
    const NORTH: f64 = 52.6;
    const SOUTH: f64 = 44.0;
    const SCALE: f64 = 50.0;
    let m = Messages::of(lang);
    let k = libm::cos(48.3f64.to_radians());
    let x = |lon: f64| (lon - WEST) * SCALE * k;
    let y = |lat: f64| (NORTH - lat) * SCALE;
    let (width, height) = (x(EAST), y(SOUTH));
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.1} {height:.1}" role="img" aria-label="{}">"##,
        escape(&m.format("report-map-label", &[("date", id(m.date(&report.date)))]))
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
        let _ = write!(svg, r##""><title>{}</title></path>"##, m.term("country", &country.iso_a3));
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
            r##"<circle cx="{:.1}" cy="{:.1}" r="1.5" fill="#444"/><text x="{:.1}" y="{:.1}" font-size="9" fill="#444" font-family="sans-serif">{}</text>"##,
            x(lon),
            y(lat),
            x(lon) + 3.0,
            y(lat) - 3.0,
            escape(&m.text(name))
        );
    }
    for g in &report.coverage_gaps {
        let r = (g.radius_m / 111_000.0 * SCALE).max(2.0);
        let _ = write!(
            svg,
            r##"<circle cx="{:.1}" cy="{:.1}" r="{r:.1}" fill="#888" fill-opacity="0.25" stroke="#666" stroke-dasharray="2 2"><title>{}</title></circle>"##,
            x(g.lon),
            y(g.lat),
            escape(&m.format(
                "report-map-gap",
                &[("entry", id(g.index)), ("gap", id(m.term("gap", g.gap.as_str())))]
            ))
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
            m.term("grade", i.grade.as_str())
        );
    }
    for (n, (grade, c)) in GRADE_COLOURS.iter().enumerate() {
        let ly = 12.0 + n as f64 * 12.0;
        let _ = write!(
            svg,
            r##"<circle cx="10" cy="{ly:.1}" r="4" fill="{c}"/><text x="18" y="{:.1}" font-size="9" font-family="sans-serif">{}</text>"##,
            ly + 3.0,
            m.term("grade", grade.as_str())
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The report as one self-contained, printable HTML page, in `lang`.
pub fn html(report: &DailyReport, lang: Lang) -> String {
    let m = Messages::of(lang);
    // The Markdown form's sections, converted: one source of truth. Its
    // summary section comes first, then the map, then the rest.
    let markdown = markdown(report, lang);
    let mut sections = markdown.split("\n## ").skip(1).map(|part| {
        let (title, rest) = part.split_once('\n').unwrap_or((part, ""));
        format!("<section><h2>{}</h2>{}</section>", escape(title), markdown_block_to_html(rest))
    });
    let summary = sections.next().unwrap_or_default();
    let rest: String = sections.collect();
    let map = format!(
        "<section><h2>{}</h2><figure>{}</figure></section>",
        escape(&m.text("report-map")),
        svg_map(report, lang)
    );
    let title = m.format("report-title", &[("date", id(m.date(&report.date)))]);
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head><body>\
         <h1>{title}</h1><p>{period}</p>{summary}{map}{rest}</body></html>\n",
        title = escape(&title),
        period = escape(&period(m, report)),
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use truce_entry::{Confidence, EventKind, GapKind, Role, Service, TargetCategory};
    use truce_i18n::{Lang, message_ids};

    use crate::findings::{Finding, Grade, GradeReason, VerdictReason};

    /// Each vocabulary family of the catalogues (`kind-` ...) holds a
    /// message for every value the code can give, and for no other; the
    /// `dash-`, `report-`, `check-` and `detail-` families are held to the
    /// code by truce-i18n's own test.
    #[test]
    fn the_catalogues_name_every_value_of_every_vocabulary() {
        let strs = |values: Vec<&str>| values.into_iter().map(str::to_owned).collect::<Vec<_>>();
        let families: Vec<(&str, Vec<String>)> = vec![
            ("grade", strs(Grade::ALL.iter().map(|g| g.as_str()).collect())),
            (
                "finding",
                strs(
                    [Finding::Violation, Finding::NoViolation, Finding::NoFinding]
                        .map(Finding::as_str)
                        .to_vec(),
                ),
            ),
            ("kind", strs(EventKind::ALL.iter().map(|v| v.as_str()).collect())),
            ("target", strs(TargetCategory::ALL.iter().map(|v| v.as_str()).collect())),
            ("service", strs(Service::ALL.iter().map(|v| v.as_str()).collect())),
            ("gap", strs(GapKind::ALL.iter().map(|v| v.as_str()).collect())),
            ("role", strs(Role::ALL.iter().map(|v| v.as_str()).collect())),
            ("confidence", strs(Confidence::ALL.iter().map(|v| v.as_str()).collect())),
            // `Responsibility::basis` and the members of `Harm`.
            ("responsibility", strs(vec!["assessment", "reports"])),
            ("harm", strs(vec!["killed", "killed_civilian", "injured", "injured_civilian"])),
            ("reason", {
                let mut codes = strs(GradeReason::CODES.to_vec());
                codes.push("perpetrator".to_owned()); // one party of `perpetrators`
                codes
            }),
            ("verdict", strs(VerdictReason::ALL.iter().map(|v| v.as_str()).collect())),
            ("city", super::CITIES.iter().map(|(id, ..)| id["city-".len()..].to_owned()).collect()),
            ("country", crate::countries().iter().map(|c| c.iso_a3.clone()).collect()),
        ];
        // Each value's message, by the serialised names of the code.
        let harm = serde_json::to_value(crate::findings::Harm::default()).expect("JSON");
        let harm: Vec<String> = harm.as_object().expect("an object").keys().cloned().collect();
        assert_eq!(harm.iter().collect::<BTreeSet<_>>(), families[9].1.iter().collect());
        for lang in Lang::ALL {
            let ids: BTreeSet<&str> = message_ids(lang).into_iter().collect();
            for (family, values) in &families {
                let expected: BTreeSet<String> =
                    values.iter().map(|v| format!("{family}-{v}")).collect();
                let found: BTreeSet<String> = ids
                    .iter()
                    .filter(|id| id.strip_prefix(family).is_some_and(|r| r.starts_with('-')))
                    .map(|id| (*id).to_owned())
                    .collect();
                assert_eq!(found, expected, "{lang}.ftl, family {family}");
            }
            let known: BTreeSet<&str> = families
                .iter()
                .map(|(f, _)| *f)
                .chain(["dash", "report", "check", "detail"])
                .collect();
            for id in &ids {
                let family = id.split('-').next().unwrap_or_default();
                assert!(known.contains(family), "{lang}.ftl: {id} is of no family the code uses");
            }
        }
    }
}
