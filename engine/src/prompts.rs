//! Versioned prompt files.
//!
//! A prompt is a Markdown file `prompts/<id>/<version>.md`:
//!
//! ```text
//! ---
//! id: extract_fields
//! version: v1
//! variables: subject, context
//! ---
//! ## system
//! ...
//! ## user
//! ... {{subject}} ... {{context}} ...
//! ```
//!
//! The front matter declares the variables; loading fails when the text
//! uses a variable it does not declare or declares one it does not use,
//! and rendering fails when a variable is missing or unknown. Released
//! versions are listed with their SHA-256 in `prompts/RELEASED`; a change
//! is a new version, never an edit (a test holds the files to the list).
//! Files are read at run time from the prompts directory; the released
//! versions are also compiled in, so a binary without the directory still
//! answers with the same prompts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PromptError {
    #[error("prompt {0}: {1}")]
    Invalid(String, String),
    #[error("no prompt {0}")]
    Missing(String),
    #[error("cannot read prompts from {0}: {1}")]
    Io(String, String),
}

#[derive(Debug, Clone)]
pub struct Prompt {
    pub id: String,
    pub version: String,
    pub variables: BTreeSet<String>,
    pub system: String,
    pub user: String,
    /// SHA-256 of the file, recorded in provenance.
    pub sha256: String,
}

/// Identifies the prompt an answer was produced with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PromptRef {
    pub id: String,
    pub version: String,
    pub sha256: String,
}

/// A rendered prompt.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub system: String,
    pub user: String,
}

/// Released prompt files, compiled in.
const BUILTIN: &[(&str, &str)] = &[
    (
        "extract_fields/v1.md",
        include_str!("../../prompts/extract_fields/v1.md"),
    ),
    (
        "extract_fields/v2.md",
        include_str!("../../prompts/extract_fields/v2.md"),
    ),
    ("answer/v1.md", include_str!("../../prompts/answer/v1.md")),
];

fn placeholders(text: &str) -> Result<BTreeSet<String>, String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("{{") {
        let after = &rest[i + 2..];
        let j = after
            .find("}}")
            .ok_or_else(|| "unclosed {{ placeholder".to_owned())?;
        let name = after[..j].trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("bad placeholder {{{{{name}}}}}"));
        }
        out.insert(name.to_owned());
        rest = &after[j + 2..];
    }
    Ok(out)
}

impl Prompt {
    /// Parses a prompt file; `name` (e.g. `extract_fields/v1.md`) is used in
    /// errors and checked against the front matter.
    pub fn parse(name: &str, text: &str) -> Result<Self, PromptError> {
        let bad = |m: &str| PromptError::Invalid(name.to_owned(), m.to_owned());
        let body = text
            .strip_prefix("---\n")
            .ok_or_else(|| bad("missing front matter"))?;
        let (front, body) = body
            .split_once("\n---\n")
            .ok_or_else(|| bad("unterminated front matter"))?;
        let mut meta = BTreeMap::new();
        for line in front.lines().filter(|l| !l.trim().is_empty()) {
            let (k, v) = line
                .split_once(':')
                .ok_or_else(|| bad("front matter lines are `key: value`"))?;
            meta.insert(k.trim().to_owned(), v.trim().to_owned());
        }
        let field = |k: &str| {
            meta.get(k)
                .cloned()
                .ok_or_else(|| bad(&format!("no `{k}`")))
        };
        let (id, version) = (field("id")?, field("version")?);
        if name != format!("{id}/{version}.md") {
            return Err(bad("id and version must match the file's path"));
        }
        let variables: BTreeSet<String> = field("variables")?
            .split(',')
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect();
        let (system, user) = body
            .split_once("\n## user\n")
            .ok_or_else(|| bad("no `## user` section"))?;
        let system = system
            .trim_start()
            .strip_prefix("## system\n")
            .ok_or_else(|| bad("no `## system` section first"))?;
        let (system, user) = (system.trim().to_owned(), user.trim().to_owned());
        let mut used = placeholders(&system).map_err(|e| bad(&e))?;
        used.extend(placeholders(&user).map_err(|e| bad(&e))?);
        if used != variables {
            return Err(bad(&format!(
                "declared variables {variables:?} differ from the ones used {used:?}"
            )));
        }
        Ok(Self {
            id,
            version,
            variables,
            system,
            user,
            sha256: format!("{:x}", Sha256::digest(text.as_bytes())),
        })
    }

    pub fn reference(&self) -> PromptRef {
        PromptRef {
            id: self.id.clone(),
            version: self.version.clone(),
            sha256: self.sha256.clone(),
        }
    }

    /// Fills every placeholder; each declared variable must be given and
    /// nothing else. Values are inserted verbatim, in one pass (a value
    /// that contains `{{x}}` is not expanded again).
    pub fn render(&self, vars: &BTreeMap<&str, String>) -> Result<Rendered, PromptError> {
        let given: BTreeSet<String> = vars.keys().map(|k| (*k).to_owned()).collect();
        if given != self.variables {
            return Err(PromptError::Invalid(
                format!("{}/{}", self.id, self.version),
                format!("variables given {given:?}, declared {:?}", self.variables),
            ));
        }
        let fill = |t: &str| {
            let mut out = String::with_capacity(t.len());
            let mut rest = t;
            while let Some(i) = rest.find("{{") {
                out.push_str(&rest[..i]);
                let after = &rest[i + 2..];
                let Some(j) = after.find("}}") else { break };
                let name = after[..j].trim();
                out.push_str(vars.get(name).map(String::as_str).unwrap_or_default());
                rest = &after[j + 2..];
            }
            out.push_str(rest);
            out
        };
        Ok(Rendered {
            system: fill(&self.system),
            user: fill(&self.user),
        })
    }
}

/// All prompts, by id and version.
#[derive(Debug, Clone, Default)]
pub struct PromptSet {
    prompts: BTreeMap<(String, String), Prompt>,
    pub source: String,
}

impl PromptSet {
    /// The released prompts compiled into the binary.
    pub fn builtin() -> Result<Self, PromptError> {
        let mut set = PromptSet {
            source: "builtin".into(),
            ..Default::default()
        };
        for (name, text) in BUILTIN {
            set.insert(Prompt::parse(name, text)?);
        }
        Ok(set)
    }

    /// Every `<id>/<version>.md` under `dir`.
    pub fn load(dir: &Path) -> Result<Self, PromptError> {
        let io = |e: std::io::Error| PromptError::Io(dir.display().to_string(), e.to_string());
        let mut set = PromptSet {
            source: dir.display().to_string(),
            ..Default::default()
        };
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(io)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        entries.sort();
        for sub in entries {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&sub)
                .map_err(io)?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "md"))
                .collect();
            files.sort();
            for f in files {
                let text = std::fs::read_to_string(&f).map_err(io)?;
                let name = format!(
                    "{}/{}",
                    sub.file_name().unwrap_or_default().to_string_lossy(),
                    f.file_name().unwrap_or_default().to_string_lossy()
                );
                set.insert(Prompt::parse(&name, &text)?);
            }
        }
        Ok(set)
    }

    /// The configured directory, else the nearest `prompts/` folder above
    /// the working directory or the executable, else the compiled-in set.
    pub fn discover(configured: Option<&Path>) -> Result<Self, PromptError> {
        if let Some(d) = configured {
            return Self::load(d);
        }
        match crate::config::find_upward("prompts", |d| d.join("RELEASED").is_file()) {
            Some(dir) => Self::load(&dir),
            None => Self::builtin(),
        }
    }

    fn insert(&mut self, p: Prompt) {
        self.prompts.insert((p.id.clone(), p.version.clone()), p);
    }

    pub fn get(&self, id: &str, version: &str) -> Result<&Prompt, PromptError> {
        self.prompts
            .get(&(id.to_owned(), version.to_owned()))
            .ok_or_else(|| PromptError::Missing(format!("{id}/{version}")))
    }

    pub fn names(&self) -> Vec<String> {
        self.prompts
            .keys()
            .map(|(i, v)| format!("{i}/{v}.md"))
            .collect()
    }

    pub fn by_name(&self, name: &str) -> Option<&Prompt> {
        self.prompts
            .values()
            .find(|p| format!("{}/{}.md", p.id, p.version) == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "---\nid: t\nversion: v1\nvariables: a, b\n---\n## system\nS {{a}}\n## user\nU {{b}} {{a}}\n";

    #[test]
    fn variables_are_checked_at_load_and_at_render() {
        let p = Prompt::parse("t/v1.md", GOOD).unwrap_or_else(|e| panic!("{e}"));
        let vars = BTreeMap::from([("a", "1".to_owned()), ("b", "{{a}}".to_owned())]);
        let r = p.render(&vars).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.system, "S 1");
        // Values are not expanded again.
        assert_eq!(r.user, "U {{a}} 1");
        assert!(p.render(&BTreeMap::from([("a", "1".to_owned())])).is_err());
        let extra = BTreeMap::from([
            ("a", String::new()),
            ("b", String::new()),
            ("c", String::new()),
        ]);
        assert!(p.render(&extra).is_err());
        let undeclared = GOOD.replace("U {{b}}", "U {{b}} {{c}}");
        assert!(Prompt::parse("t/v1.md", &undeclared).is_err());
        let unused = GOOD.replace("variables: a, b", "variables: a, b, c");
        assert!(Prompt::parse("t/v1.md", &unused).is_err());
        assert!(Prompt::parse("t/v2.md", GOOD).is_err());
    }
}
