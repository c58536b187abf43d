//! Delimited tables: CSV files and spreadsheet rows (cells joined by " | ").
//!
//! A bare number in a data row is a mass only because its column header says
//! so ("Product weight (kg)", "weight_kg"), and a country only because its
//! column is an assembly/origin column ("assembly_location"). The header row
//! usually lies outside the caller's regions (regions select one product's
//! rows), so headers are looked up in the whole text while values are taken
//! only from rows inside the regions.
//!
//! A weight column without a unit is trusted only in the Boavizta product
//! footprint schema, whose documented unit is the kilogram.

use std::ops::Range;

use crate::util::{lazy_re, parse_number, trim_span};
use crate::{Evidence, MassFinding, OriginFinding, OriginRole, country, units};

#[derive(Debug, Default)]
pub(crate) struct TableFindings {
    pub mass: Vec<MassFinding>,
    pub origin: Vec<OriginFinding>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delim {
    Pipe,
    Comma,
    Tab,
}

#[derive(Debug, Clone)]
struct Header {
    delim: Delim,
    cells: usize,
    weight: Option<(usize, String, bool)>, // (column, unit, unit written in the header)
    origin: Option<(usize, Vec<OriginRole>)>, // (column, stages its header names)
}

lazy_re!(
    WEIGHT_COL,
    r"(?i)^(?:(?:product|unit|net|item|total|device)[\s_\-]*)?(?:weight|mass)(?:[\s_\-]*[(\[]?\s*(?P<u>kg|g|mg|lbs?|grams?|kilograms?|oz)\s*[)\]]?)?$"
);
lazy_re!(
    ORIGIN_COL,
    r"(?i)^(?:(?:final[\s_\-]*)?(?:assembly|manufacturing|production)[\s_\-]*(?:location|site|country|place)|country[\s_\-]*of[\s_\-]*(?:origin|manufacture|manufacturing|assembly)|made[\s_\-]*in|origin|coo|origin[\s_\-]*country)$"
);

fn delimiter(line: &str) -> Option<Delim> {
    if line.contains(" | ") {
        Some(Delim::Pipe)
    } else if line.contains('\t') {
        Some(Delim::Tab)
    } else if line.contains(',') {
        Some(Delim::Comma)
    } else {
        None
    }
}

/// Cell spans (offsets in `line`), quotes stripped for CSV; `None` when a
/// CSV quote is left open (a multi-line field we do not try to follow).
fn cells(line: &str, delim: Delim) -> Option<Vec<(usize, usize)>> {
    let mut out = Vec::new();
    match delim {
        Delim::Pipe | Delim::Tab => {
            let sep = if delim == Delim::Pipe { '|' } else { '\t' };
            let mut start = 0;
            for (i, c) in line.char_indices() {
                if c == sep {
                    out.push(trim_span(line, start, i));
                    start = i + c.len_utf8();
                }
            }
            out.push(trim_span(line, start, line.len()));
        }
        Delim::Comma => {
            let mut start = 0;
            let mut in_quotes = false;
            for (i, c) in line.char_indices() {
                match c {
                    '"' => in_quotes = !in_quotes,
                    ',' if !in_quotes => {
                        out.push(unquote(line, start, i));
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            if in_quotes {
                return None;
            }
            out.push(unquote(
                line,
                start,
                line.trim_end_matches(['\r']).len().max(start),
            ));
        }
    }
    Some(out)
}

fn unquote(line: &str, start: usize, end: usize) -> (usize, usize) {
    let (s, e) = trim_span(line, start, end);
    match line.get(s..e) {
        Some(c) if c.len() >= 2 && c.starts_with('"') && c.ends_with('"') => (s + 1, e - 1),
        _ => (s, e),
    }
}

fn is_numeric(c: &str) -> bool {
    !c.is_empty() && parse_number(c).is_some()
}

fn header_of(line: &str, delim: Delim, spans: &[(usize, usize)]) -> Option<Header> {
    if spans.len() < 3 {
        return None;
    }
    let texts: Vec<&str> = spans
        .iter()
        .map(|&(s, e)| line.get(s..e).unwrap_or_default())
        .collect();
    if texts.iter().any(|t| is_numeric(t)) {
        return None;
    }
    let wordy = texts
        .iter()
        .filter(|t| t.chars().any(char::is_alphabetic))
        .count();
    if wordy * 10 < texts.len() * 6 {
        return None;
    }
    let boavizta = texts.iter().any(|t| t.eq_ignore_ascii_case("gwp_total"));
    let mut weight = None;
    let mut origin = None;
    for (i, t) in texts.iter().enumerate() {
        let name = t.trim_matches(|c: char| c == '*' || c.is_whitespace());
        if weight.is_none()
            && let Some(c) = WEIGHT_COL.as_ref().and_then(|re| re.captures(name))
        {
            match c.name("u") {
                Some(u) => weight = Some((i, u.as_str().to_string(), true)),
                None if boavizta => weight = Some((i, "kg".to_string(), false)),
                None => {}
            }
        }
        if origin.is_none() && ORIGIN_COL.as_ref().is_some_and(|re| re.is_match(name)) {
            origin = Some((i, crate::origin::origin_roles(name)));
        }
    }
    Some(Header {
        delim,
        cells: spans.len(),
        weight,
        origin,
    })
}

fn inside(regions: &[Range<usize>], s: usize, e: usize) -> bool {
    let idx = regions.partition_point(|r| r.end < e);
    regions.get(idx).is_some_and(|r| r.start <= s && e <= r.end)
}

pub(crate) fn find(text: &str, regions: &[Range<usize>]) -> TableFindings {
    let mut out = TableFindings::default();
    if regions.is_empty() {
        return out;
    }
    let mut header: Option<Header> = None;
    let mut pos = 0;
    for raw in text.split_inclusive('\n') {
        let ls = pos;
        pos += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let Some(delim) = delimiter(line) else {
            continue;
        };
        let Some(spans) = cells(line, delim) else {
            continue;
        };
        if let Some(h) = header_of(line, delim, &spans) {
            header = Some(h);
            continue;
        }
        let Some(h) = header.as_ref() else { continue };
        if h.delim != delim || (h.weight.is_none() && h.origin.is_none()) {
            continue;
        }
        let shape_ok = match delim {
            Delim::Comma => spans.len() == h.cells,
            _ => spans.len() <= h.cells + 2,
        };
        if !shape_ok {
            continue;
        }
        if let Some((col, unit, written)) = &h.weight
            && let Some(&(s, e)) = spans.get(*col)
        {
            let cell = line.get(s..e).unwrap_or_default();
            if let Some(value) = parse_number(cell).filter(|v| *v > 0.0)
                && let (Some(grams), true) = (
                    units::to_grams(value, unit),
                    inside(regions, ls + s, ls + e),
                )
            {
                out.mass.push(MassFinding {
                    grams,
                    value,
                    unit: unit.clone(),
                    evidence: Evidence {
                        start: ls + s,
                        end: ls + e,
                    },
                    confidence: if *written { 0.8 } else { 0.75 },
                    rule: "table_weight_column",
                });
            }
        }
        if let Some((col, roles)) = &h.origin
            && let Some(&(s, e)) = spans.get(*col)
        {
            let cell = line.get(s..e).unwrap_or_default();
            if let (Some(code), true) = (country::to_alpha2(cell), inside(regions, ls + s, ls + e))
            {
                out.origin.push(OriginFinding {
                    country: code.to_string(),
                    roles: roles.clone(),
                    evidence: Evidence {
                        start: ls + s,
                        end: ls + e,
                    },
                    confidence: 0.8,
                    rule: "table_origin_column",
                });
            }
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::single_range_in_vec_init)]
mod tests {
    use super::*;

    const BOAVIZTA: &str = "manufacturer,name,category,subcategory,gwp_total,gwp_use_ratio,yearly_tec,lifetime,use_location,report_date,sources,weight,assembly_location,screen_size,comment\n\
Dell,OptiPlex 7760 All-in-One,Workplace,Desktop,720,0.35,118.1,4,EU,\"December, 2018\",https://example/7760.pdf,13.23,China,27,\n\
Lenovo,C24-20,Workplace,Monitor,351,0.5,20,5,WW,2020,https://example/c24.pdf,3.01,CN,23.8,\n\
Dell,PowerEdge C4130,Datacenter,Server,12700,0.9,2767,4,EU,2019,https://example/c4130.pdf,20.2,EU,,\n\
Apple,MacBook Air,Workplace,Laptop,161,0.15,,3,WW,2020,https://example/mba.pdf,,,13,\n";

    #[test]
    fn patterns_compile() {
        assert!(WEIGHT_COL.is_some());
        assert!(ORIGIN_COL.is_some());
    }

    #[test]
    fn boavizta_rows() {
        let t = find(BOAVIZTA, &[0..BOAVIZTA.len()]);
        let masses: Vec<(f64, &str)> = t
            .mass
            .iter()
            .map(|m| (m.grams, &BOAVIZTA[m.evidence.start..m.evidence.end]))
            .collect();
        assert_eq!(
            masses,
            [(13_230.0, "13.23"), (3010.0, "3.01"), (20_200.0, "20.2")]
        );
        let origins: Vec<(&str, &str)> = t
            .origin
            .iter()
            .map(|o| {
                (
                    o.country.as_str(),
                    &BOAVIZTA[o.evidence.start..o.evidence.end],
                )
            })
            .collect();
        assert_eq!(origins, [("CN", "China"), ("CN", "CN")]);
        assert!(t.mass.iter().all(|m| m.unit == "kg"));
    }

    #[test]
    fn region_selects_one_product() {
        let start = BOAVIZTA.find("Lenovo").unwrap();
        let end = start + BOAVIZTA[start..].find('\n').unwrap();
        let t = find(BOAVIZTA, &[start..end]);
        assert_eq!(t.mass.len(), 1);
        assert_eq!(t.mass[0].value, 3.01);
        assert_eq!(t.origin.len(), 1);
        assert_eq!(t.origin[0].country, "CN");
    }

    #[test]
    fn spreadsheet_rows_with_unit_in_header() {
        let x = "*PCF-ID | Year of reporting | Product name (and functional unit) | Country (where company is incorporated) | Product weight (kg) | *Source for product weight | Product's carbon footprint (PCF, kg CO2e)\n\
10056-1-2014 | 2014 | Frosted Flakes, 23 oz., Produced in Lancaster, PA | USA | 0.74850000000000005 | Estimated | 2\n\
10261-1-2017 | 2017 | Multifunction Printers | Japan | 110 | Estimated | 1488\n";
        let t = find(x, &[0..x.len()]);
        let v: Vec<f64> = t.mass.iter().map(|m| m.grams).collect();
        assert_eq!(v.len(), 2);
        assert!((v[0] - 748.5).abs() < 1e-6);
        assert_eq!(v[1], 110_000.0);
        // the company's country of incorporation is not an origin
        assert!(t.origin.is_empty());
    }

    #[test]
    fn unitless_weight_outside_boavizta_is_ignored() {
        let x = "name,weight,colour\nwidget,12,red\n";
        assert!(find(x, &[0..x.len()]).mass.is_empty());
        let y = "name,weight_g,made_in\nwidget,12,Japan\n";
        let t = find(y, &[0..y.len()]);
        assert_eq!(t.mass.len(), 1);
        assert_eq!(t.mass[0].grams, 12.0);
        assert_eq!(t.origin[0].country, "JP");
    }

    #[test]
    fn malformed_rows_are_skipped() {
        let x = "manufacturer,name,gwp_total,weight,assembly_location\nA,\"unterminated,1,2,CN\nB,b,1,2\nC,c,1,2,CN,extra\n";
        let t = find(x, &[0..x.len()]);
        assert!(t.mass.is_empty());
        assert!(t.origin.is_empty());
    }
}
