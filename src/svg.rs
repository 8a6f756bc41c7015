//! An SVG's size as the browser will render it in an `<img>`, checked
//! against the pixel cap before the page ever draws it. The sandbox writes
//! the text and has read this code, so the root element is found the way an
//! XML parser finds it (not the first `<svg` substring), missing dimensions
//! are derived the way the browser derives them, and anything whose size
//! cannot be computed is refused.

mod css;
mod xml;

use std::collections::HashSet;

use crate::figures::Size;
use crate::options::FigureCaps;

/// The largest single dimension accepted, even when the other is unknown.
const MAX_DIMENSION: f64 = (1u32 << 24) as f64;

/// An `<img>`'s size when its image gives none (CSS's default object size).
const DEFAULT_WIDTH: f64 = 300.0;
const DEFAULT_HEIGHT: f64 = 150.0;

/// A `width` or `height` attribute.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Length {
    /// Missing, or a percentage (of a container the image does not have).
    Auto,
    /// In px; `font` marks em/ex/rem, `unsure` a unit some browsers may not
    /// parse in SVG (rem, Q), which they would then treat as `Auto`.
    Px { px: f64, font: bool, unsure: bool },
}

/// Checks the SVG `text` and returns its rendered size; `Err` is the reason
/// it was dropped.
pub(crate) fn check(text: &[u8], caps: &FigureCaps) -> Result<Size, String> {
    let text = String::from_utf8_lossy(text);
    size(&text, caps).map_err(|reason| format!("image/svg+xml {reason}"))
}

/// [`check`] on text; each reason reads on from "image/svg+xml ".
fn size(text: &str, caps: &FigureCaps) -> Result<Size, String> {
    let doc = xml::parse(text)?;
    let root = &doc.root;
    if root.name != "svg" {
        let name = crate::protocol::truncate(root.name, 40);
        return Err(format!("whose root element is <{name}>, not <svg>"));
    }
    // Duplicates are a fatal XML error: no telling which one a reader takes.
    let mut seen = HashSet::new();
    for (name, _) in &root.attrs {
        if !seen.insert(*name) {
            let name = crate::protocol::truncate(name, 40);
            return Err(format!("with a duplicate {name} attribute"));
        }
    }
    let attr = |name: &str| root.attrs.iter().find(|(n, _)| *n == name).map(|a| a.1);
    for name in ["width", "height", "viewBox", "style"] {
        if attr(name).is_some_and(|v| v.contains('&')) {
            return Err(format!("with a reference ('&') in its {name} attribute"));
        }
    }
    // SMIL (`<set attributeName="width">`) can change the size after load.
    for value in &doc.animated {
        let target = value.trim().rsplit(':').next().unwrap_or_default();
        let lower = target.to_ascii_lowercase();
        if value.contains('&')
            || ["viewbox", "style"].contains(&lower.as_str())
            || css::SIZING.contains(&lower.as_str())
            || css::FONT.contains(&lower.as_str())
        {
            return Err("with an animation of its size".into());
        }
    }
    let sheets: Vec<&str> = attr("style")
        .into_iter()
        .chain(doc.styles.iter().map(String::as_str))
        .collect();
    for css in &sheets {
        if let Some(name) = css::declared(css, css::SIZING)? {
            let name = crate::protocol::truncate(&name, 40);
            return Err(format!("whose CSS sets {name} (size cannot be computed)"));
        }
    }
    let width = length(attr("width"))?;
    let height = length(attr("height"))?;
    let font_relative = [width, height]
        .iter()
        .any(|l| matches!(l, Length::Px { font: true, .. }));
    if font_relative {
        // em/ex/rem are computed from the root's font, which these set.
        let font_attr = css::FONT.iter().any(|name| attr(name).is_some());
        let mut font_css = false;
        for css in &sheets {
            font_css |= css::declared(css, css::FONT)?.is_some();
        }
        if font_attr || font_css {
            return Err(
                "with a font-relative size and a font set (size cannot be computed)".into(),
            );
        }
    }
    let view_box = attr("viewBox").map(view_box);
    // Every reading a browser may take: a length it cannot parse is `Auto`.
    let readings = |l: Length| match l {
        Length::Px { unsure: true, .. } => vec![l, Length::Auto],
        _ => vec![l],
    };
    let mut rendered = None;
    for w in readings(width) {
        for h in readings(height) {
            let (w, h) = derive(w, h, view_box.clone())?;
            cap(w, h, caps)?;
            rendered.get_or_insert((w, h));
        }
    }
    // Never None (each reading list has an element), but decoding sandbox
    // data must not panic even if that changes.
    let (w, h) = rendered.ok_or("image/svg+xml whose size cannot be computed")?;
    let px = |v: Option<f64>| v.map(|v| v.round() as u32);
    Ok(Size {
        width: px(w),
        height: px(h),
    })
}

/// The size an `<img>` renders: both lengths if given; one from the other
/// and the viewBox's ratio; with neither, the default width and the ratio,
/// or 300x150. `None` where nothing gives it (the page's layout does). A
/// viewBox that is needed but invalid is an error, not ignored: the browser's
/// parser may read it where this one cannot.
fn derive(
    width: Length,
    height: Length,
    view_box: Option<Result<(f64, f64), String>>,
) -> Result<(Option<f64>, Option<f64>), String> {
    let ratio = || match &view_box {
        Some(Ok((w, h))) => Ok(Some(h / w)),
        Some(Err(e)) => Err(e.clone()),
        None => Ok(None),
    };
    Ok(match (width, height) {
        (Length::Px { px: w, .. }, Length::Px { px: h, .. }) => (Some(w), Some(h)),
        (Length::Px { px: w, .. }, Length::Auto) => (Some(w), ratio()?.map(|r| w * r)),
        (Length::Auto, Length::Px { px: h, .. }) => (ratio()?.map(|r| h / r), Some(h)),
        (Length::Auto, Length::Auto) => match ratio()? {
            Some(r) => (Some(DEFAULT_WIDTH), Some(DEFAULT_WIDTH * r)),
            None => (Some(DEFAULT_WIDTH), Some(DEFAULT_HEIGHT)),
        },
    })
}

/// Refuses a size over the caps; an unknown dimension counts as the
/// default object size, which is what an `<img>` without CSS would use.
fn cap(width: Option<f64>, height: Option<f64>, caps: &FigureCaps) -> Result<(), String> {
    for v in [width, height].into_iter().flatten() {
        if !v.is_finite() || v > MAX_DIMENSION {
            return Err(format!(
                "with a dimension of {v:.0} px (size cannot be computed)"
            ));
        }
    }
    let (w, h) = (
        width.unwrap_or(DEFAULT_WIDTH),
        height.unwrap_or(DEFAULT_HEIGHT),
    );
    if w * h > caps.max_pixels as f64 {
        return Err(format!(
            "of {w:.0}x{h:.0} is over maxImagePixels ({})",
            caps.max_pixels
        ));
    }
    Ok(())
}

/// The end of a number at `at` (sign, digits, optional fraction, optional
/// exponent), or `None`. Stricter than browsers, never looser: what they
/// would not parse, this refuses.
fn number_end(b: &[u8], mut at: usize) -> Option<usize> {
    let digits = |mut i: usize| {
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    if matches!(b.get(at), Some(b'+' | b'-')) {
        at += 1;
    }
    let int_end = digits(at);
    let mut end = int_end;
    if b.get(end) == Some(&b'.') {
        end = digits(end + 1);
        if end == int_end + 1 {
            return None;
        }
    } else if int_end == at {
        return None;
    }
    if matches!(b.get(end), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(b.get(end + 1), Some(b'+' | b'-')));
        let exp_end = digits(end + 1 + sign);
        if exp_end > end + 1 + sign {
            end = exp_end;
        }
    }
    Some(end)
}

/// A `width`/`height` value. No surrounding whitespace, a known unit, and a
/// finite, non-negative size; anything else cannot be computed.
fn length(value: Option<&str>) -> Result<Length, String> {
    let Some(value) = value else {
        return Ok(Length::Auto);
    };
    let bad = || {
        let shown = crate::protocol::truncate(value, 40);
        format!("with a length {shown:?} (size cannot be computed)")
    };
    let end = number_end(value.as_bytes(), 0).ok_or_else(bad)?;
    let number: f64 = value[..end].parse().map_err(|_| bad())?;
    let (scale, font, unsure) = match &value[end..] {
        "%" => return Ok(Length::Auto),
        "" | "px" => (1.0, false, false),
        "pt" => (4.0 / 3.0, false, false),
        "pc" => (16.0, false, false),
        "in" => (96.0, false, false),
        "cm" => (96.0 / 2.54, false, false),
        "mm" => (96.0 / 25.4, false, false),
        "Q" => (96.0 / 101.6, false, true),
        "em" => (16.0, true, false),
        "ex" => (8.0, true, false),
        "rem" => (16.0, true, true),
        _ => return Err(bad()),
    };
    let px = number * scale;
    if !px.is_finite() || px < 0.0 {
        return Err(bad());
    }
    Ok(Length::Px { px, font, unsure })
}

/// A viewBox's width and height: four numbers separated by whitespace
/// and/or one comma, width and height positive, all finite as the 32-bit
/// floats browsers store them in.
fn view_box(value: &str) -> Result<(f64, f64), String> {
    let invalid = || "with an invalid viewBox (size cannot be computed)".to_string();
    let b = value.as_bytes();
    let mut numbers = [0f64; 4];
    let mut at = 0;
    for (i, slot) in numbers.iter_mut().enumerate() {
        if i > 0 {
            let start = at;
            while b.get(at).copied().is_some_and(xml::is_space) {
                at += 1;
            }
            if b.get(at) == Some(&b',') {
                at += 1;
                while b.get(at).copied().is_some_and(xml::is_space) {
                    at += 1;
                }
            }
            if at == start {
                return Err(invalid());
            }
        }
        let end = number_end(b, at).ok_or_else(invalid)?;
        let n: f64 = value[at..end].parse().map_err(|_| invalid())?;
        let stored = n as f32;
        if !stored.is_finite() || (stored != 0.0 && !stored.is_normal()) {
            return Err(invalid());
        }
        *slot = f64::from(stored);
        at = end;
    }
    let [_, _, w, h] = numbers;
    if at != b.len() || w <= 0.0 || h <= 0.0 {
        return Err(invalid());
    }
    Ok((w, h))
}

#[cfg(test)]
mod markup_tests;
#[cfg(test)]
mod tests;
