//! What a restore brought back, as the sandbox reports it
//! (`sandbox.restoredSession`). The report comes from the restored
//! interpreter, so it is attacker data: parsed strictly, with its lists and
//! strings bounded.

use serde::{Deserialize, Serialize};

/// Most names kept in each list; the rest are counted in a last entry.
const MAX_NAMES: usize = 10_000;
/// Longest name and reason kept, in bytes.
const MAX_NAME: usize = 200;
const MAX_REASON: usize = 500;

/// What a session brought back into a new sandbox.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RestoredSession {
    /// Nothing was left out, at export or at restore.
    pub exact: bool,
    /// The names restored into the namespace, sorted.
    pub variables: Vec<String>,
    /// What was left out, and why: at export (a generator, an open file, a
    /// live JS object) and then at restore (a package that cannot load).
    pub skipped: Vec<SkippedName>,
    /// Files written back into the working directory.
    pub files: u32,
}

/// A name the session could not keep, and why.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SkippedName {
    /// The variable's name, or a file's path (`/mnt/data/...`).
    pub name: String,
    /// Why, in a short sentence.
    pub reason: String,
}

/// The sandbox's report (JSON text) of a restore.
pub(crate) fn parse_summary(text: &str) -> Result<RestoredSession, String> {
    let mut summary: RestoredSession = serde_json::from_str(text)
        .map_err(|e| format!("the sandbox's report of the restore is malformed: {e}"))?;
    let over = summary.variables.len().saturating_sub(MAX_NAMES);
    summary.variables.truncate(MAX_NAMES);
    for name in &mut summary.variables {
        clip(name, MAX_NAME);
    }
    if over > 0 {
        summary.variables.push(format!("... and {over} more"));
    }
    let over = summary.skipped.len().saturating_sub(MAX_NAMES);
    summary.skipped.truncate(MAX_NAMES);
    for skipped in &mut summary.skipped {
        clip(&mut skipped.name, MAX_NAME);
        clip(&mut skipped.reason, MAX_REASON);
    }
    if over > 0 {
        summary.skipped.push(SkippedName {
            name: format!("... and {over} more"),
            reason: "not listed".into(),
        });
    }
    // "exact" is the sandbox's word; the lists are checked here.
    summary.exact = summary.exact && summary.skipped.is_empty();
    Ok(summary)
}

fn clip(text: &mut String, max: usize) {
    let kept = crate::protocol::truncate(text, max).len();
    text.truncate(kept);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_parses() {
        let text = r#"{"exact":false,"variables":["a","b"],"skipped":[{"name":"g","reason":"cannot save a generator"}],"files":2}"#;
        let summary = parse_summary(text).unwrap();
        assert_eq!(summary.variables, ["a", "b"]);
        assert_eq!(summary.skipped[0].name, "g");
        assert_eq!(summary.files, 2);
    }

    #[test]
    fn a_malformed_report_is_refused() {
        for text in [
            "",
            "{}",
            "[]",
            r#"{"exact":true,"variables":[1],"skipped":[],"files":0}"#,
            r#"{"exact":true,"variables":[],"skipped":[],"files":-1}"#,
            r#"{"exact":true,"variables":[],"skipped":[],"files":0,"more":1}"#,
        ] {
            assert!(parse_summary(text).is_err(), "{text}");
        }
    }

    #[test]
    fn an_exact_claim_with_skipped_names_is_not_exact() {
        let text =
            r#"{"exact":true,"variables":[],"skipped":[{"name":"g","reason":"r"}],"files":0}"#;
        assert!(!parse_summary(text).unwrap().exact);
    }

    #[test]
    fn long_names_and_long_lists_are_bounded() {
        let names: Vec<String> = (0..MAX_NAMES + 5)
            .map(|i| format!("{i}{}", "x".repeat(300)))
            .collect();
        let text =
            serde_json::json!({"exact": false, "variables": names, "skipped": [], "files": 0})
                .to_string();
        let summary = parse_summary(&text).unwrap();
        assert_eq!(summary.variables.len(), MAX_NAMES + 1);
        assert!(summary.variables[0].len() <= MAX_NAME);
        assert_eq!(summary.variables[MAX_NAMES], "... and 5 more");
    }
}
