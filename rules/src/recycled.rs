//! Recycled-content kind from the wording of a claim.

use crate::RecycledKind;

/// Classifies the wording around a recycled-content claim.
///
/// Post-consumer: "PCR", "PCC" (post-consumer content), "post-consumer",
/// "post consumer", "postconsumer". Pre-consumer: "pre-consumer",
/// "preconsumer", "post-industrial", "PIR", "PIC" (post-industrial content).
/// Anything else, including plain "recycled", is `Unspecified`. When a phrase
/// names both (e.g. a definition of both terms) pre-consumer is checked first,
/// because "post-industrial" would otherwise be mistaken for "post-…".
pub fn kind_of(phrase: &str) -> RecycledKind {
    // Hyphens, spaces and their Unicode cousins all separate the same words.
    let folded: String = phrase
        .chars()
        .map(|c| match c {
            '-' | '‐' | '‑' | '–' | '—' | '_' => ' ',
            c => c,
        })
        .collect();
    let lower = folded.to_lowercase();
    let squashed: String = lower.split_whitespace().collect();
    let has_token = |t: &str| {
        folded
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| w.eq_ignore_ascii_case(t))
    };

    if squashed.contains("preconsumer")
        || squashed.contains("postindustrial")
        || squashed.contains("preindustrial")
        || has_token("PIR")
        || has_token("PIC")
    {
        return RecycledKind::PreConsumer;
    }
    if squashed.contains("postconsumer") || has_token("PCR") || has_token("PCC") {
        return RecycledKind::PostConsumer;
    }
    RecycledKind::Unspecified
}

#[cfg(test)]
mod tests {
    use super::kind_of;
    use crate::RecycledKind::*;

    #[test]
    fn post_consumer_spellings() {
        for p in [
            "PCR",
            "pcr",
            "35% PCR",
            "post-consumer recycled plastic",
            "post consumer recycled plastic",
            "postconsumer",
            "Post‑Consumer", // non-breaking hyphen
            "PCC recycled plastic",
            "Post-Consumer Recycled Content (PCC)",
        ] {
            assert_eq!(kind_of(p), PostConsumer, "{p}");
        }
    }

    #[test]
    fn pre_consumer_spellings() {
        for p in [
            "pre-consumer",
            "preconsumer recycled",
            "post-industrial",
            "Post Industrial Recycled",
            "PIR",
            "20% PIC",
            "Post-Industrial Recycled Content (PIC)",
        ] {
            assert_eq!(kind_of(p), PreConsumer, "{p}");
        }
    }

    #[test]
    fn unspecified() {
        for p in [
            "",
            "recycled",
            "100% recycled aluminium",
            "recyclable",
            "PCRs",
            "topic",
            "EPIC",
        ] {
            assert_eq!(kind_of(p), Unspecified, "{p}");
        }
    }
}
