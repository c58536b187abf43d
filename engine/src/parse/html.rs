//! HTML to text: drops scripts and styles, turns block elements into line
//! breaks and table cells into ` | ` separators, decodes entities.

pub(super) fn to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut rest = html;
    let mut skip_until: Option<&'static str> = None;
    while let Some(lt) = rest.find('<') {
        if skip_until.is_none() {
            out.push_str(&decode_entities(&rest[..lt]));
        }
        let after = &rest[lt..];
        // Comments may contain '>' characters.
        if after.starts_with("<!--") {
            rest = match after.find("-->") {
                Some(e) => &after[e + 3..],
                None => "",
            };
            continue;
        }
        let Some(gt) = after.find('>') else {
            rest = "";
            break;
        };
        let tag = after[1..gt].trim().to_ascii_lowercase();
        rest = &after[gt + 1..];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if let Some(end) = skip_until {
            if closing && name == end {
                skip_until = None;
            }
            continue;
        }
        match name.as_str() {
            "script" if !closing => skip_until = Some("script"),
            "style" if !closing => skip_until = Some("style"),
            "head" if !closing => skip_until = Some("head"),
            "br" | "p" | "div" | "li" | "tr" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6"
            | "table" | "section" | "article" | "ul" | "ol" | "dl" | "dt" | "dd" | "header"
            | "footer" => out.push('\n'),
            "td" | "th" if closing => out.push_str(" | "),
            _ => {}
        }
    }
    if skip_until.is_none() {
        out.push_str(&decode_entities(rest));
    }
    out
}

/// Decodes character references and the common named entities (also for
/// poppler's XHTML word boxes).
pub(super) fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp..];
        let semi = after.find(';').filter(|&i| i <= 10);
        let decoded = semi.and_then(|i| {
            let ent = &after[1..i];
            let c = match ent {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" | "#39" => Some('\''),
                "nbsp" => Some(' '),
                "deg" => Some('°'),
                "micro" => Some('µ'),
                "plusmn" => Some('±'),
                _ if ent.starts_with("#x") || ent.starts_with("#X") => {
                    u32::from_str_radix(&ent[2..], 16)
                        .ok()
                        .and_then(char::from_u32)
                }
                _ if ent.starts_with('#') => ent[1..].parse().ok().and_then(char::from_u32),
                _ => None,
            };
            c.map(|c| (c, i))
        });
        match decoded {
            Some((c, i)) => {
                out.push(if c == '\u{a0}' { ' ' } else { c });
                rest = &after[i + 1..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_tags_scripts_and_decodes_entities() {
        let html = "<html><head><title>x</title></head><body><script>var a='<p>';</script>\
                    <p>Weight:&nbsp;105&#160;mg &amp; more</p><!-- <b>hidden</b> -->\
                    <table><tr><td>Case</td><td>PBT</td></tr></table></body></html>";
        let text = to_text(html);
        assert!(text.contains("Weight: 105 mg & more"));
        assert!(text.contains("Case | PBT | "));
        assert!(!text.contains("var a"));
        assert!(!text.contains("hidden"));
    }

    #[test]
    fn unterminated_markup_does_not_panic() {
        assert_eq!(to_text("a < b"), "a ");
        assert_eq!(decode_entities("&#xZZ; &"), "&#xZZ; &");
    }
}
