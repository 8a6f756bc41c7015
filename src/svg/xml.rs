//! A small, strict XML reader: just enough to find an SVG's root element,
//! its `style` elements and its animation targets the way a browser's XML
//! parser does. Anything it is unsure of is an error, never a guess: the
//! sandbox writes the text and has read this code.
//!
//! Every scan moves forward (`find` from the current position, each byte
//! looked at a bounded number of times), so it is linear in the text.

/// XML's whitespace (`S`): what may separate names and attributes.
pub(super) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// A tag's `name = "value"` pairs, in order, values as written.
type Attributes<'a> = Vec<(&'a str, &'a str)>;

/// A start tag: its name, its attributes (raw values) in order, and where
/// it ends.
pub(super) struct Tag<'a> {
    pub name: &'a str,
    pub attrs: Attributes<'a>,
    pub self_closing: bool,
    /// Index just past the closing `>`.
    pub end: usize,
}

/// What the scan of a whole document found.
pub(super) struct Document<'a> {
    /// The first element after the prolog.
    pub root: Tag<'a>,
    /// The text of every `style` element (any prefix), as its CSS parser
    /// would get it: text and CDATA, without comments.
    pub styles: Vec<String>,
    /// Every `attributeName` value (what SMIL animations change).
    pub animated: Vec<&'a str>,
}

/// Where a name (element, attribute, PI target) starting at `at` ends. It
/// stops only at ASCII, so slicing there is on a char boundary.
fn name_end(b: &[u8], mut at: usize) -> usize {
    while at < b.len() && !is_space(b[at]) && !b"=>/?<\"'&".contains(&b[at]) {
        at += 1;
    }
    at
}

fn skip_space(b: &[u8], mut at: usize) -> usize {
    while at < b.len() && is_space(b[at]) {
        at += 1;
    }
    at
}

/// Index just past the first `pattern` at or after `from`, or `err`.
fn past(text: &str, from: usize, pattern: &str, err: &str) -> Result<usize, String> {
    text[from..]
        .find(pattern)
        .map(|i| from + i + pattern.len())
        .ok_or_else(|| err.to_string())
}

/// `name = "value"` pairs from `at` up to the first `>`, `/` or `?` where a
/// name would start, whose index is returned with them. XML requires
/// whitespace before each attribute and forbids `<` in values.
fn attributes(text: &str, mut at: usize) -> Result<(Attributes<'_>, usize), String> {
    let b = text.as_bytes();
    let mut attrs = Vec::new();
    loop {
        let spaced = skip_space(b, at);
        match b.get(spaced) {
            None => return Err("with an unterminated tag".into()),
            Some(b'>' | b'/' | b'?') => return Ok((attrs, spaced)),
            _ if spaced == at => return Err("with a malformed tag".into()),
            _ => {}
        }
        let end = name_end(b, spaced);
        if end == spaced {
            return Err("with a malformed tag".into());
        }
        let name = &text[spaced..end];
        at = skip_space(b, end);
        if b.get(at) != Some(&b'=') {
            return Err("with a malformed attribute".into());
        }
        at = skip_space(b, at + 1);
        let quote = match b.get(at) {
            Some(q @ (b'"' | b'\'')) => *q as char,
            _ => return Err("with an unquoted attribute".into()),
        };
        let close = past(text, at + 1, &quote.to_string(), "with an unterminated tag")?;
        let value = &text[at + 1..close - 1];
        if value.contains('<') {
            return Err("with '<' in an attribute".into());
        }
        attrs.push((name, value));
        at = close;
    }
}

/// The start tag whose `<` is at `at`.
fn start_tag(text: &str, at: usize) -> Result<Tag<'_>, String> {
    let b = text.as_bytes();
    let name_end = name_end(b, at + 1);
    if name_end == at + 1 {
        return Err("with a malformed tag".into());
    }
    let (attrs, end) = attributes(text, name_end)?;
    let (self_closing, end) = match (b[end], b.get(end + 1)) {
        (b'>', _) => (false, end + 1),
        (b'/', Some(b'>')) => (true, end + 2),
        _ => return Err("with a malformed tag".into()),
    };
    Ok(Tag {
        name: &text[at + 1..name_end],
        attrs,
        self_closing,
        end,
    })
}

/// Past a comment at `at`. XML forbids `--` inside one (so `--->` and
/// `-- >` are errors, not ends), which a browser's parser enforces.
fn comment(text: &str, at: usize) -> Result<usize, String> {
    let dashes = past(text, at + 4, "--", "with an unterminated comment")?;
    if text.as_bytes().get(dashes) != Some(&b'>') {
        return Err("with '--' inside a comment".into());
    }
    Ok(dashes + 1)
}

/// Past a processing instruction at `at`. The XML declaration may only
/// declare UTF-8: another encoding (UTF-16, ISO-2022-JP, ...) would make
/// the browser read different markup from these bytes than this reader.
/// `xml-stylesheet` could bring in CSS this check never sees.
fn processing_instruction(text: &str, at: usize) -> Result<usize, String> {
    let target_end = name_end(text.as_bytes(), at + 2);
    let target = &text[at + 2..target_end];
    if target.eq_ignore_ascii_case("xml-stylesheet") {
        return Err("with an xml-stylesheet instruction".into());
    }
    if target.eq_ignore_ascii_case("xml") {
        let (attrs, end) = attributes(text, target_end)?;
        if !text[end..].starts_with("?>") {
            return Err("with a malformed XML declaration".into());
        }
        match attrs.iter().find(|(name, _)| *name == "encoding") {
            Some((_, enc)) if !enc.eq_ignore_ascii_case("utf-8") => {
                return Err("whose XML declaration names an encoding other than UTF-8".into())
            }
            _ => return Ok(end + 2),
        }
    }
    past(
        text,
        target_end,
        "?>",
        "with an unterminated processing instruction",
    )
}

/// Past a `<!DOCTYPE` at `at`. Quoted literals may hold `>` or `[`; an
/// internal subset (`[` outside them) can declare entities, so it is refused.
fn doctype(text: &str, at: usize) -> Result<usize, String> {
    let b = text.as_bytes();
    let mut i = at + "<!DOCTYPE".len();
    if !b.get(i).copied().is_some_and(is_space) {
        return Err("with a malformed DOCTYPE".into());
    }
    while i < b.len() {
        match b[i] {
            q @ (b'"' | b'\'') => {
                i = past(
                    text,
                    i + 1,
                    &(q as char).to_string(),
                    "with a malformed DOCTYPE",
                )?
            }
            b'[' => return Err("with a DOCTYPE internal subset (entity declarations)".into()),
            b'<' => return Err("with a malformed DOCTYPE".into()),
            b'>' => return Ok(i + 1),
            _ => i += 1,
        }
    }
    Err("with an unterminated DOCTYPE".into())
}

/// The text of the `style` element `name` from `at` (just past its start
/// tag) to its end tag, and the index past that. Entity and character references could
/// spell a property name, and child elements make its text unclear: both
/// are refused.
fn style_text(text: &str, mut at: usize, name: &str) -> Result<(String, usize), String> {
    let mut css = String::new();
    loop {
        let lt = at
            + text[at..]
                .find('<')
                .ok_or("with an unterminated style element")?;
        let chunk = &text[at..lt];
        if chunk.contains('&') {
            return Err("with a reference ('&') in a style element".into());
        }
        css.push_str(chunk);
        let rest = &text[lt..];
        at = if rest.starts_with("<![CDATA[") {
            let end = past(text, lt + 9, "]]>", "with an unterminated CDATA section")?;
            css.push_str(&text[lt + 9..end - 3]);
            end
        } else if rest.starts_with("<!--") {
            comment(text, lt)?
        } else if rest.starts_with("<?") {
            processing_instruction(text, lt)?
        } else if rest.starts_with("</") {
            if text[lt + 2..name_end(text.as_bytes(), lt + 2)] != *name {
                return Err("with an unterminated style element".into());
            }
            return Ok((css, past(text, lt, ">", "with an unterminated tag")?));
        } else {
            return Err("with markup inside a style element".into());
        };
    }
}

/// Reads the prolog (BOM, whitespace, XML declaration, processing
/// instructions, comments, one DOCTYPE) up to the root element, then scans
/// the rest for `style` elements and `attributeName` attributes.
pub(super) fn parse(text: &str) -> Result<Document<'_>, String> {
    let b = text.as_bytes();
    let mut at = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut doctype_seen = false;
    let root = loop {
        at = skip_space(b, at);
        let rest = &text[at..];
        at = if rest.is_empty() {
            return Err("without a root element".into());
        } else if !rest.starts_with('<') {
            return Err("with text before its root element".into());
        } else if rest.starts_with("<?") {
            processing_instruction(text, at)?
        } else if rest.starts_with("<!--") {
            comment(text, at)?
        } else if rest.starts_with("<!DOCTYPE") && !doctype_seen {
            doctype_seen = true;
            doctype(text, at)?
        } else if rest.starts_with("<!") || rest.starts_with("</") {
            return Err("with unexpected markup before its root element".into());
        } else {
            break start_tag(text, at)?;
        };
    };
    let mut doc = Document {
        animated: attribute_names(&root).collect(),
        styles: Vec::new(),
        root,
    };
    at = doc.root.end;
    while let Some(found) = text[at..].find('<') {
        let lt = at + found;
        let rest = &text[lt..];
        at = if rest.starts_with("<!--") {
            comment(text, lt)?
        } else if rest.starts_with("<![CDATA[") {
            past(text, lt + 9, "]]>", "with an unterminated CDATA section")?
        } else if rest.starts_with("<?") {
            processing_instruction(text, lt)?
        } else if rest.starts_with("</") {
            past(text, lt, ">", "with an unterminated tag")?
        } else if rest.starts_with("<!") {
            return Err("with a markup declaration inside the root element".into());
        } else {
            let tag = start_tag(text, lt)?;
            doc.animated.extend(attribute_names(&tag));
            let local = tag.name.rsplit(':').next().unwrap_or(tag.name);
            if local.eq_ignore_ascii_case("link") {
                // An XHTML <link rel=stylesheet> could style the root with CSS
                // this check never sees.
                return Err("with a link element".into());
            }
            if local.eq_ignore_ascii_case("style") && !tag.self_closing {
                let (css, end) = style_text(text, tag.end, tag.name)?;
                doc.styles.push(css);
                end
            } else {
                tag.end
            }
        };
    }
    Ok(doc)
}

/// A tag's `attributeName` values (any prefix).
fn attribute_names<'a, 't>(tag: &'t Tag<'a>) -> impl Iterator<Item = &'a str> + 't {
    tag.attrs
        .iter()
        .filter(|(name, _)| name.rsplit(':').next() == Some("attributeName"))
        .map(|(_, value)| *value)
}
