//! A declaration's total mass found by its own arithmetic.
//!
//! Flattened material declarations (a PDF table or web page read as a run
//! of words) lose the columns that tie "Total weight" to its number: the
//! label, the parts' masses, the substances' masses and their percentages
//! come out as one stream of numbers. What survives is the table's
//! arithmetic. The total `T` of a declaration is the number for which both
//! of these hold:
//!
//! - **shares**: at least [`MIN_SHARES`] of the other masses `m` have their
//!   share of the total, `100·m/T`, printed somewhere in the document (the
//!   "% of total weight" column), within the rounding both numbers allow;
//! - **balance**: some of the numbers below `T`, at least [`MIN_SHARES`] of
//!   them with a printed share, add up to `T` (the parts, or the
//!   substances, make up the whole).
//!
//! Where several numbers pass (a part's mass is the total of its
//! substances), the one with the most printed shares wins, then the larger.
//! The unit comes from the mass column's header ("Material weight [mg]",
//! "Weight (grams)"). Nothing here names a vendor or a layout: the checks
//! are the declaration's own sums.

use std::ops::Range;

use crate::util::lazy_re;

/// Printed shares a total needs before it is believed.
pub const MIN_SHARES: usize = 3;

/// Numbers read from one document, at most; a longer stream is not a
/// declaration table and is not searched (the search is quadratic).
const MAX_NUMBERS: usize = 3000;

/// Candidate totals whose balance is checked, best first.
const MAX_BALANCE_CHECKS: usize = 8;

/// Grid of the subset-sum search: the total is `GRID` steps.
const GRID: usize = 20_000;

lazy_re!(
    MASS_HEADER,
    // "Weight" glued to the header cell before it ("CAS numberMass(mg)")
    // is still a header when capitalised
    r"(?:(?i:(?-u:\b)(?:weight|mass))|Weight|Mass)(?i:(?:\s+[a-z]+){0,2}\s*[\[(]\s*(?P<u>mg|g|grams?|gramme?s?|milligrams?|kg)\s*[\])])"
);

/// A total mass the declaration's arithmetic confirms.
#[derive(Debug, Clone, PartialEq)]
pub struct BalancedTotal {
    /// As printed, in `unit`.
    pub value: f64,
    pub unit: String,
    /// Byte span of the total's number.
    pub number: Range<usize>,
    /// Byte span of the unit in the mass column's header.
    pub unit_span: Range<usize>,
    /// Masses whose printed share of the total was found.
    pub shares: usize,
}

#[derive(Debug, Clone, Copy)]
struct Num {
    value: f64,
    /// Digits after the decimal separator.
    decimals: u32,
    /// Significant digits as printed ("0.1488" → 4, "125" → 3).
    digits: u32,
    percent: bool,
    start: usize,
    end: usize,
    /// One of several readings of a number glued to the word before it
    /// ("MPT345.04122" may be 345.04122, 45.04122 or 5.04122): a
    /// candidate total only, never a part or a share.
    alt: bool,
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Standalone numbers: not part of a word, a CAS number, a date or a
/// code ("7440-50-8", "2012/3/26", "G5V-1" are skipped whole).
fn numbers(text: &str) -> Vec<Num> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let mut decimals = 0;
        if i + 1 < b.len() && matches!(b[i], b'.' | b',') && b[i + 1].is_ascii_digit() {
            let sep = b[i];
            let mut j = i + 1;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            // "1,800" is a thousands separator, not a decimal comma
            if sep == b'.' || j - i - 1 != 3 || &b[start..i] == b"0" {
                decimals = (j - i - 1) as u32;
                i = j;
            }
        }
        let end = i;
        let before = start.checked_sub(1).map(|k| b[k]);
        let after = b.get(end).copied();
        let glued = |c: Option<u8>| {
            c.is_some_and(|c| is_word_byte(c) || matches!(c, b'-' | b'/' | b'.' | b','))
        };
        // a separator right after is fine only when no digit follows it
        let after_ok = match after {
            Some(b'.' | b',') => !b.get(end + 1).is_some_and(u8::is_ascii_digit),
            c => !glued(c),
        };
        if glued(before) || !after_ok {
            // skip the rest of the token ("7440-50-8"), reading the cells a
            // web page glued together at its end
            let mut from = start;
            while from > 0 && is_token_byte(b[from - 1]) {
                from -= 1;
            }
            while i < b.len() && is_token_byte(b[i]) {
                i += 1;
            }
            glued_cells(text, from, i, &mut out);
            if out.len() > MAX_NUMBERS {
                return Vec::new();
            }
            continue;
        }
        let Some(s) = text.get(start..end) else {
            continue;
        };
        let Ok(value) = s.replace(',', ".").parse::<f64>() else {
            continue;
        };
        let digits = s
            .bytes()
            .filter(u8::is_ascii_digit)
            .skip_while(|&d| d == b'0')
            .count() as u32;
        let rest = text.get(end..).unwrap_or_default();
        let percent = rest.trim_start_matches([' ', '\t']).starts_with('%');
        out.push(Num {
            value,
            decimals,
            digits,
            percent,
            start,
            end,
            alt: false,
        });
        if out.len() > MAX_NUMBERS {
            return Vec::new();
        }
    }
    out
}

fn is_token_byte(b: u8) -> bool {
    is_word_byte(b) || matches!(b, b'-' | b'/' | b'.')
}

// A CAS number ending a token, maybe glued to the name before it
// ("fused60676-86-0").
lazy_re!(CAS_END, r"\d{2,7}-\d{2}-\d$");

/// Decimal places a run of glued cells may have.
const MAX_GLUED_DECIMALS: usize = 8;

/// Table cells a web page printed without separators, at the end of the
/// token `text[from..to]`: "0.2847585.000000.63220" (after a CAS number's
/// check digit, "7440-22-4") is 0.28475, 85.00000 and 0.63220, the only
/// split in which every cell has the same number of decimals and every
/// integer part is a number; "MPT345.04122", one decimal number glued to a
/// name, is read every way its integer part can start (345.04122,
/// 45.04122, 5.04122), each marked as an alternative. A date
/// ("26.03.2012") or a version ("1.2.3") has no such split.
fn glued_cells(text: &str, from: usize, to: usize, out: &mut Vec<Num>) {
    let b = text.as_bytes();
    let mut to = to;
    while to > from && b[to - 1] == b'.' {
        to -= 1;
    }
    let mut tail = to;
    while tail > from && (b[tail - 1].is_ascii_digit() || b[tail - 1] == b'.') {
        tail -= 1;
    }
    if tail > from && b[tail - 1] == b'-' {
        // a CAS number's single check digit comes first
        let head = text.get(from..(tail + 1).min(to)).unwrap_or_default();
        if !CAS_END.as_ref().is_some_and(|re| re.is_match(head)) {
            return;
        }
        tail += 1;
    }
    let Some(run) = text.get(tail..to) else {
        return;
    };
    if !run.starts_with(|c: char| c.is_ascii_digit()) || run.contains("..") {
        return;
    }
    let segs: Vec<&str> = run.split('.').collect();
    let cell = |start: usize, end: usize, decimals: usize, alt: bool| -> Option<Num> {
        let s = text.get(start..end)?;
        let value = s.parse::<f64>().ok()?;
        let digits = s
            .bytes()
            .filter(u8::is_ascii_digit)
            .skip_while(|&d| d == b'0')
            .count() as u32;
        Some(Num {
            value,
            decimals: decimals as u32,
            digits,
            percent: false,
            start,
            end,
            alt,
        })
    };
    match segs.len() {
        0 | 1 => {}
        2 => {
            let int = segs[0];
            if tail == from || int.len() > 7 {
                return;
            }
            // glued to the name before: every start of the integer part
            for k in 0..int.len() {
                if k + 1 < int.len() && int.as_bytes()[k] == b'0' {
                    continue;
                }
                out.extend(cell(tail + k, to, segs[1].len(), true));
            }
        }
        n => {
            let fits = |d: usize| {
                segs[n - 1].len() == d
                    && segs[1..n - 1]
                        .iter()
                        .all(|s| s.len() > d && (s.len() == d + 1 || s.as_bytes()[d] != b'0'))
            };
            let mut ds = (1..=MAX_GLUED_DECIMALS).filter(|&d| fits(d));
            let (Some(d), None) = (ds.next(), ds.next()) else {
                return;
            };
            // walk the cells: each is its integer digits, a dot, d decimals
            let mut at = tail;
            let mut int_len = segs[0].len();
            for seg in &segs[1..] {
                let end = at + int_len + 1 + d;
                out.extend(cell(at, end, d, false));
                at = end;
                int_len = seg.len() - d;
            }
        }
    }
}

fn half_unit(decimals: u32) -> f64 {
    0.5 * 10f64.powi(-(decimals as i32))
}

/// Whether number `i` can be one of the masses that make up total `t`: a
/// mass below it, not a percentage and not an item number (a decimal, or
/// a whole number of at least two digits: "574" mg).
fn is_part(nums: &[Num], t: usize, i: usize) -> bool {
    i != t && is_mass(nums[i]) && nums[i].value < nums[t].value
}

fn is_mass(m: Num) -> bool {
    !m.alt && !m.percent && m.value > 0.0 && (m.decimals > 0 || m.value >= 10.0)
}

/// Masses below the candidate total whose share of it is printed.
fn printed_shares(nums: &[Num], by_value: &[usize], t: usize) -> Vec<bool> {
    let total = nums[t];
    let e_total = half_unit(total.decimals) / total.value;
    nums.iter()
        .enumerate()
        .map(|(i, m)| {
            if !is_part(nums, t, i) {
                return false;
            }
            let share = 100.0 * m.value / total.value;
            // both numbers are rounded: the share is known only so well
            let rel = half_unit(m.decimals) / m.value + e_total;
            if share < 0.5 || rel > 0.02 {
                return false;
            }
            let rel = rel.max(0.002);
            let widest = share * rel + 0.05;
            let lo = by_value.partition_point(|&k| nums[k].value < share - widest);
            by_value[lo..]
                .iter()
                .take_while(|&&k| nums[k].value <= share + widest)
                .any(|&k| {
                    let q = nums[k];
                    k != i
                        && k != t
                        && !q.alt
                        && q.decimals > 0
                        && q.value <= 100.0
                        && (q.value - m.value).abs() > 1e-12
                        && (share - q.value).abs() <= share * rel + half_unit(q.decimals)
                })
        })
        .collect()
}

/// Whether some of the numbers below the total, at least [`MIN_SHARES`]
/// of them with a printed share, add up to it (within 0.3%).
fn balances(nums: &[Num], t: usize, shared: &[bool], need: usize) -> bool {
    let total = nums[t].value;
    let step = total / GRID as f64;
    let top = GRID + GRID * 3 / 1000;
    // best[s]: most printed-share terms in a subset summing to s steps
    let mut best = vec![-1i32; top + 1];
    best[0] = 0;
    for (i, m) in nums.iter().enumerate() {
        if !is_part(nums, t, i) {
            continue;
        }
        let k = (m.value / step).round() as usize;
        if k == 0 || k > top {
            continue;
        }
        let add = i32::from(shared[i]);
        for s in (k..=top).rev() {
            if best[s - k] >= 0 && best[s - k] + add > best[s] {
                best[s] = best[s - k] + add;
            }
        }
    }
    let lo = GRID - GRID * 3 / 1000;
    best[lo..=top].iter().any(|&c| c >= need as i32)
}

lazy_re!(
    TOTAL_LABEL,
    r"(?i)(?-u:\b)(?:total(?:[ \t]+(?:product|unit|part|package|component|device))?|product|unit|part|package|component|device)[ \t]+(?:weight|mass)\*?(?:[ \t]*[\[(][^\])\n]{0,12}[\])])?[ \t]*[:：=]?\s*$"
);

/// Printed shares a candidate total needs, in its own count and among the
/// terms of its sum: [`MIN_SHARES`], or one for the number right after a
/// "Total weight" label (masses printed to one or two digits have shares
/// too coarse to check, and the label names the total already).
fn shares_needed(text: &str, nums: &[Num], t: usize) -> usize {
    if labelled_total(text, nums[t].start) {
        1
    } else {
        MIN_SHARES
    }
}

/// Whether the number at `at` directly follows a "Total weight" label.
fn labelled_total(text: &str, at: usize) -> bool {
    let mut from = at.saturating_sub(48);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    TOTAL_LABEL
        .as_ref()
        .is_some_and(|re| re.is_match(&text[from..at]))
}

/// The unit of the mass column: every mass header agrees on it, or the
/// nearest one before the total.
fn unit_for(text: &str, at: usize) -> Option<(String, Range<usize>)> {
    let re = MASS_HEADER.as_ref()?;
    let headers: Vec<(usize, Range<usize>, String)> = re
        .captures_iter(text)
        .filter_map(|c| {
            let u = c.name("u")?;
            let unit = match u.as_str().to_lowercase().as_str() {
                "mg" | "milligram" | "milligrams" => "mg",
                "kg" => "kg",
                _ => "g",
            };
            Some((c.get(0)?.start(), u.range(), unit.to_owned()))
        })
        .collect();
    let first = headers.first()?;
    if headers.iter().all(|h| h.2 == first.2) {
        return Some((first.2.clone(), first.1.clone()));
    }
    headers
        .iter()
        .rev()
        .find(|h| h.0 < at)
        .map(|h| (h.2.clone(), h.1.clone()))
}

/// The total mass of a flattened declaration, when its arithmetic
/// confirms one (see the module docs); `None` otherwise.
pub fn balanced_total(text: &str) -> Option<BalancedTotal> {
    // no mass column, no unit to report: skip the sums
    if !MASS_HEADER.as_ref().is_some_and(|re| re.is_match(text)) {
        return None;
    }
    let nums = numbers(text);
    if nums.len() < 2 * MIN_SHARES {
        return None;
    }
    let mut by_value: Vec<usize> = (0..nums.len()).collect();
    by_value.sort_by(|&a, &b| nums[a].value.total_cmp(&nums[b].value));
    // a column of parts per million adds up to a million whatever the part
    // weighs: that sum is not a mass
    let ppm = text.to_lowercase().contains("ppm");
    let mut passing: Vec<(usize, usize, Vec<bool>)> = nums
        .iter()
        .enumerate()
        .filter(|(_, n)| !n.percent && n.value > 0.0 && n.digits >= 3)
        .filter(|(_, n)| !(ppm && n.value == 1_000_000.0))
        .filter_map(|(t, _)| {
            let shared = printed_shares(&nums, &by_value, t);
            let count = shared.iter().filter(|&&s| s).count();
            (count >= shares_needed(text, &nums, t)).then_some((t, count, shared))
        })
        .collect();
    // A number printed right after a "Total weight" label is the total
    // the document itself names; the count of printed shares can favour a
    // column of percentages that happens to match other numbers.
    let named = |t: usize| labelled_total(text, nums[t].start);
    passing.sort_by(|a, b| {
        named(b.0)
            .cmp(&named(a.0))
            .then(b.1.cmp(&a.1))
            .then(nums[b.0].value.total_cmp(&nums[a.0].value))
    });
    // Each balance check is a subset-sum over every number: the best few
    // candidates are tried, so a hostile stream of numbers stays cheap.
    let (t, shares, _) = passing
        .into_iter()
        .take(MAX_BALANCE_CHECKS)
        .find(|(t, _, shared)| balances(&nums, *t, shared, shares_needed(text, &nums, *t)))?;
    let total = nums[t];
    let (unit, unit_span) = unit_for(text, total.start)?;
    Some(BalancedTotal {
        value: total.value,
        unit,
        number: total.start..total.end,
        unit_span,
        shares,
    })
}

/// Longest row label read before a mass, in bytes.
const MAX_LABEL: usize = 240;

/// The row labels of a flattened declaration whose total its arithmetic
/// confirms: for each mass below the total, the words printed right before
/// it, back to the previous number or CAS number ("3 Lead frame &clip
/// Copper Alloy 40.19" gives "Lead frame &clip Copper Alloy"). A table's
/// rows print the part, then its homogeneous material, then its mass,
/// while the substance columns come out as runs of names, CAS numbers and
/// percentages, so substance masses get no label. A label holding a `%`
/// is a percentage column's header, and the number after it a share, not
/// a mass. Empty when the document has no confirmed total.
pub fn row_labels(text: &str) -> Vec<Range<usize>> {
    let Some(total) = balanced_total(text) else {
        return Vec::new();
    };
    let nums = numbers(text);
    let mut bounds: Vec<usize> = nums.iter().map(|n| n.end).collect();
    if let Some(re) = crate::materials::CAS.as_ref() {
        bounds.extend(re.find_iter(text).map(|m| m.end()));
    }
    bounds.sort_unstable();
    let mut out = Vec::new();
    for n in &nums {
        if !is_mass(*n) || n.value >= total.value {
            continue;
        }
        let prev = bounds.partition_point(|&b| b <= n.start);
        let mut from = prev.checked_sub(1).map_or(0, |k| bounds[k]);
        if n.start - from > MAX_LABEL {
            from = n.start - MAX_LABEL;
            while !text.is_char_boundary(from) {
                from += 1;
            }
        }
        let Some(label) = text.get(from..n.start) else {
            continue;
        };
        if label.contains('%') || !label.chars().any(char::is_alphabetic) {
            continue;
        }
        out.push(from..n.start);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn header_pattern_compiles() {
        assert!(MASS_HEADER.is_some());
    }

    #[test]
    fn standalone_numbers_skip_codes_dates_and_cas_numbers() {
        let n = numbers("CAS 7440-50-8 on 2012/3/26: 0.511 mg, 29.0% and 1,800 G5V-1 3.");
        let v: Vec<f64> = n.iter().map(|n| n.value).collect();
        // a thousands separator is not read as a decimal comma
        assert_eq!(v, vec![0.511, 29.0, 3.0]);
        assert!(n[1].percent);
        assert_eq!((n[0].decimals, n[0].digits), (3, 3));
    }

    #[test]
    fn glued_cells_split_where_every_cell_has_the_same_decimals() {
        let v =
            |t: &str| -> Vec<(f64, bool)> { numbers(t).iter().map(|n| (n.value, n.alt)).collect() };
        assert_eq!(
            v("Silver (Ag)7440-22-40.2847585.000000.63220"),
            [(0.28475, false), (85.0, false), (0.6322, false)]
        );
        assert_eq!(
            v("subTotal17.47900100.0000038.80668"),
            [(17.479, false), (100.0, false), (38.80668, false)]
        );
        // one number glued to a name: each reading is an alternative
        assert_eq!(
            v("PBSS5250XSOT89MPT345.04122 mg"),
            [(345.04122, true), (45.04122, true), (5.04122, true)]
        );
        // dates, versions and codes are not cells
        assert!(v("26.03.2012 v1.2.3 7440-50-8 G5V-1").is_empty());
        assert_eq!(v("rev1.25"), [(1.25, true)]);
    }

    // A flattened declaration table: the label "Total weight" is far from
    // its number, and a part's mass sits where the total should.
    const FLAT: &str = "MATERIAL DECLARATION Construction element Material weight [mg] \
        Frame Copper alloy Total weight 40.19 Die Silicon 3.25 Solder 11.25 \
        Mold Epoxy compound 69.06 Plating Tin 1.25 \
        Subpart mass of total wt. (%) 32.15% 2.60% 9.00% 55.25% 1.00% \
        Substances Copper 7440-50-8 97.5% Iron 7439-89-6 2.5% 125 page 1 of 2";

    #[test]
    fn the_total_is_the_number_the_parts_and_their_shares_agree_on() {
        let t = balanced_total(FLAT).unwrap();
        assert_eq!(t.value, 125.0);
        assert_eq!(t.unit, "mg");
        assert_eq!(&FLAT[t.number.clone()], "125");
        assert_eq!(&FLAT[t.unit_span.clone()], "mg");
        assert_eq!(t.shares, 5);
    }

    #[test]
    fn shares_without_a_balance_or_a_balance_without_shares_are_not_a_total() {
        // the shares printed, but one part's mass missing: no sum reaches 125
        let no_balance = FLAT.replace("69.06", "n/a");
        assert_eq!(balanced_total(&no_balance), None);
        // the parts add up, but no share of the total is printed
        let no_shares = FLAT.replace("32.15% 2.60% 9.00% 55.25% 1.00%", "");
        assert_eq!(balanced_total(&no_shares), None);
        // no unit for the mass column: not reported
        let no_unit = FLAT.replace("[mg]", "");
        assert_eq!(balanced_total(&no_unit), None);
    }

    #[test]
    fn row_labels_are_the_words_before_each_mass() {
        let labels: Vec<&str> = row_labels(FLAT)
            .into_iter()
            .map(|r| FLAT[r].trim())
            .collect();
        assert_eq!(
            labels,
            [
                "MATERIAL DECLARATION Construction element Material weight [mg] \
                 Frame Copper alloy Total weight",
                "Die Silicon",
                "Solder",
                "Mold Epoxy compound",
                "Plating Tin",
            ]
        );
        // no confirmed total, no rows
        assert!(row_labels(&FLAT.replace("69.06", "n/a")).is_empty());
    }

    #[test]
    fn a_datasheet_table_of_numbers_has_no_total() {
        let text = "Electrical characteristics 1.5 2.5 3.3 5.0 12.0 24.0 \
            Voltage (V) 3.3 5.0 Current (mA) 20.0 40.0 60.0 Weight (g) 2.1";
        assert_eq!(balanced_total(text), None);
    }
}
