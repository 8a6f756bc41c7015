//! JSON nesting depth, counted before the page parses JSON the sandbox sent:
//! a few KB of `[[[[...` parse fine but make the host's `JSON.stringify`
//! and `structuredClone` of the result throw (they recurse).

/// The deepest JSON value kept in a result; deeper ones are dropped.
pub(crate) const MAX_JSON_DEPTH: usize = 64;

/// The deepest nesting of `[`/`{` in `text`, outside JSON strings (where a
/// `\` escapes the next character, so `\"` does not end one). One pass, no
/// allocation; it does not validate, `JSON.parse` does that afterwards.
pub(crate) fn depth(text: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for b in text.bytes() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(levels: usize) -> String {
        "[".repeat(levels) + &"]".repeat(levels)
    }

    #[test]
    fn counts_arrays_and_objects() {
        assert_eq!(depth("1"), 0);
        assert_eq!(depth("{}"), 1);
        assert_eq!(depth(r#"{"a": [1, {"b": []}], "c": {}}"#), 4);
        assert_eq!(depth(&nested(MAX_JSON_DEPTH)), MAX_JSON_DEPTH);
        assert_eq!(depth(&nested(MAX_JSON_DEPTH + 1)), MAX_JSON_DEPTH + 1);
        assert_eq!(depth(&nested(10_000)), 10_000);
    }

    #[test]
    fn brackets_in_strings_do_not_count() {
        assert_eq!(depth(r#"["[[[{{{", "]]]"]"#), 1);
        // An escaped quote does not end the string; an escaped backslash does not escape it.
        assert_eq!(depth(r#"["\"[[[", "\\", [[]]]"#), 3);
        assert_eq!(depth(r#"{"k\"}": "{\"[\""}"#), 1);
    }

    #[test]
    fn a_string_cannot_hide_nesting() {
        // Closing brackets outside strings cannot lower the count below zero
        // to hide later nesting.
        let hidden = "]]]]".to_string() + &nested(MAX_JSON_DEPTH + 1);
        assert_eq!(depth(&hidden), MAX_JSON_DEPTH + 1);
        // Hostile text where strings end and start mid-way.
        let tricky = format!(r#"["\\"{}"#, nested(70));
        assert_eq!(depth(&tricky), 71);
    }
}
