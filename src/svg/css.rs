//! Which CSS properties a stylesheet or `style` attribute declares, read
//! loosely on purpose: an extra match only refuses an odd SVG, a missed one
//! would let CSS resize the root behind the attribute check.

/// Properties that size the root element (after `-webkit-` is taken off):
/// they would override the `width`/`height`/`viewBox` the check reads.
pub(super) const SIZING: &[&str] = &[
    "width",
    "height",
    "min-width",
    "min-height",
    "max-width",
    "max-height",
    "inline-size",
    "block-size",
    "min-inline-size",
    "min-block-size",
    "max-inline-size",
    "max-block-size",
    "zoom",
    "aspect-ratio",
    "contain-intrinsic-size",
    "contain-intrinsic-width",
    "contain-intrinsic-height",
    "contain-intrinsic-inline-size",
    "contain-intrinsic-block-size",
    // Chromium's aliases of inline-size/block-size.
    "logical-width",
    "logical-height",
    "min-logical-width",
    "min-logical-height",
    "max-logical-width",
    "max-logical-height",
];

/// Properties that change what `em`/`ex`/`rem` are on the root.
pub(super) const FONT: &[&str] = &["font", "font-size", "font-family", "font-size-adjust"];

/// The first property of `names` that `css` declares, or why it cannot be
/// read. A declaration is `name: value`, and every real one starts after
/// `{`, `;`, `}` or a comment, so splitting on all of those (and on `*`,
/// `/`, which only adds pieces) puts each real name at the start of a piece.
/// CSS escapes (`wid\74h`) and `@import` (CSS this check never sees) are
/// refused rather than decoded.
pub(super) fn declared(css: &str, names: &[&str]) -> Result<Option<String>, String> {
    if css.contains('\\') {
        return Err("with a CSS escape ('\\')".into());
    }
    if css.to_ascii_lowercase().contains("@import") {
        return Err("with a CSS @import".into());
    }
    for piece in css.split(['{', '}', ';', '*', '/']) {
        let Some((name, _)) = piece.split_once(':') else {
            continue;
        };
        let name = name.trim().to_ascii_lowercase();
        let bare = name.strip_prefix("-webkit-").unwrap_or(&name);
        if names.contains(&bare) {
            return Ok(Some(name));
        }
    }
    Ok(None)
}
