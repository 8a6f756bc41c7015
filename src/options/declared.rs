//! One option as declared ([`Declared`]): what the checks, the JS reader,
//! the README's table and the tests read. Numbers are checked here, once,
//! whichever API set them.

use std::borrow::Cow;
use std::time::Duration;

use crate::errors::Error;

/// One option of an `options!` declaration.
#[derive(Debug)]
pub(crate) struct Declared {
    /// The Rust field, and its type.
    #[allow(dead_code)]
    pub rust: &'static str,
    #[allow(dead_code)]
    pub rust_type: &'static str,
    /// The option whose value holds it (`pypi` for `indexUrl`), or empty
    /// for a top-level option.
    pub group: &'static str,
    /// The JS property; with its group, the `field` of its errors
    /// ([`field`](Self::field)).
    pub js: &'static str,
    /// Its TypeScript type.
    #[allow(dead_code)]
    pub ts: &'static str,
    /// The doc, one line per line; its first paragraph is the summary.
    #[allow(dead_code)]
    pub doc: &'static str,
    /// The values a number may take.
    pub range: Option<Range>,
    /// The value when unset.
    pub default: Unset,
    /// The same in words ("30 s", "the sandbox's"), or empty.
    #[allow(dead_code)]
    pub default_text: &'static str,
}

/// The values a number may take, inclusive, in its unit (ms for a time).
#[derive(Debug)]
pub(crate) struct Range {
    pub min: f64,
    pub max: f64,
    /// As declared: "1 ms to 24 h".
    pub text: &'static str,
}

/// What an unset option is.
#[derive(Debug)]
pub(crate) enum Unset {
    /// Nothing declared (a callback, an optional limit).
    Nothing,
    /// A number, in its unit.
    Number(f64),
    /// A flag.
    Flag(bool),
    /// Decided when the options are resolved; the words say how.
    #[allow(dead_code)]
    Words(&'static str),
    /// Never: JS must give it (the words say why). A Rust caller gives
    /// every field anyway.
    #[cfg_attr(not(feature = "js"), allow(dead_code))]
    Required(&'static str),
}

/// A number an option holds: a time, a size, a count or a plain number.
pub(crate) trait Quantity: Copy {
    /// Counts and sizes: `2.7` is a mistake to report, not 2.
    const WHOLE: bool;
    /// In the declaration's unit: ms for a time.
    fn to_units(self) -> f64;
    /// From the declaration's unit; `n` is in range (and whole if WHOLE).
    fn from_units(n: f64) -> Self;
}

impl Quantity for Duration {
    const WHOLE: bool = false;
    fn to_units(self) -> f64 {
        // Exact for whole microseconds, unlike as_secs_f64() * 1000.
        self.as_nanos() as f64 / 1e6
    }
    fn from_units(ms: f64) -> Self {
        Duration::from_nanos((ms * 1e6).round() as u64)
    }
}

impl Quantity for u64 {
    const WHOLE: bool = true;
    fn to_units(self) -> f64 {
        self as f64
    }
    fn from_units(n: f64) -> Self {
        n as u64
    }
}

impl Quantity for usize {
    const WHOLE: bool = true;
    fn to_units(self) -> f64 {
        self as f64
    }
    fn from_units(n: f64) -> Self {
        n as usize
    }
}

impl Quantity for f64 {
    const WHOLE: bool = false;
    fn to_units(self) -> f64 {
        self
    }
    fn from_units(n: f64) -> Self {
        n
    }
}

/// One option's value from JS, by the Rust type of its field; `value` is
/// `None` when the field is missing or `undefined`. js/options.rs has the
/// implementations.
#[cfg(feature = "js")]
pub(crate) trait FromJs: Sized {
    fn from_js(value: Option<wasm_bindgen::JsValue>, option: &Declared) -> Result<Self, Error>;
}

/// What a declared default can give.
pub(crate) trait FromDefault: Sized {
    fn from_default(unset: &Unset) -> Option<Self>;
}

impl<T: Quantity> FromDefault for T {
    fn from_default(unset: &Unset) -> Option<Self> {
        match *unset {
            Unset::Number(n) => Some(T::from_units(n)),
            _ => None,
        }
    }
}

impl FromDefault for bool {
    fn from_default(unset: &Unset) -> Option<Self> {
        match *unset {
            Unset::Flag(flag) => Some(flag),
            _ => None,
        }
    }
}

impl Declared {
    /// An option with nothing but its names, for struct update syntax.
    pub(crate) const NOTHING: Declared = Declared {
        rust: "",
        rust_type: "",
        group: "",
        js: "",
        ts: "",
        doc: "",
        range: None,
        default: Unset::Nothing,
        default_text: "",
    };

    /// The option as its errors name it: `timeoutMs`, or `pypi.indexUrl`
    /// for a field of a group.
    pub(crate) fn field(&self) -> Cow<'static, str> {
        if self.group.is_empty() {
            Cow::Borrowed(self.js)
        } else {
            Cow::Owned(format!("{}.{}", self.group, self.js))
        }
    }

    /// `value` as JS gave it (`None` when missing), which must be there
    /// for an option declared as required.
    #[cfg_attr(not(feature = "js"), allow(dead_code))]
    pub(crate) fn given<V>(&self, value: Option<V>) -> Result<Option<V>, Error> {
        match (&value, &self.default) {
            (None, Unset::Required(why)) => Err(Error::options(
                &self.field(),
                format!("is required ({why})"),
            )),
            _ => Ok(value),
        }
    }

    /// `n` as this option's number: in its range, and whole for a count.
    pub(crate) fn number<T: Quantity>(&self, n: f64) -> Result<T, Error> {
        // A number declared without a range is pycage's bug; it must not
        // mean "no limit".
        let Some(range) = &self.range else {
            return Err(Error::options(
                &self.field(),
                "has no range in pycage's declaration (a bug in pycage)",
            ));
        };
        if !(n.is_finite() && n >= range.min && n <= range.max) {
            return Err(Error::options(
                &self.field(),
                format!("expected a number from {}", range.text),
            ));
        }
        if T::WHOLE && n.fract() != 0.0 {
            return Err(Error::options(
                &self.field(),
                format!("expected a whole number, got {n}"),
            ));
        }
        Ok(T::from_units(n))
    }

    /// `value`, if set, checked against the range.
    pub(crate) fn check<T: Quantity>(&self, value: Option<T>) -> Result<Option<T>, Error> {
        value.map(|v| self.number(v.to_units())).transpose()
    }

    /// `value`, or the declared default when unset.
    pub(crate) fn or_default<T: FromDefault>(&self, value: Option<T>) -> Result<T, Error> {
        match value {
            Some(value) => Ok(value),
            None => T::from_default(&self.default).ok_or_else(|| {
                Error::options(
                    &self.field(),
                    "has no default in pycage's declaration (a bug in pycage)",
                )
            }),
        }
    }

    /// The doc's first paragraph, on one line: the README's summary.
    #[cfg(test)]
    pub(crate) fn summary(&self) -> String {
        let lines: Vec<&str> = self
            .doc
            .lines()
            .map(str::trim)
            .take_while(|line| !line.is_empty())
            .collect();
        lines.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIGURES: Declared = Declared {
        js: "maxFigures",
        range: Some(Range {
            min: 0.0,
            max: 10.0,
            text: "0 to 10",
        }),
        ..Declared::NOTHING
    };

    fn message(result: Result<impl std::fmt::Debug, Error>) -> String {
        match result {
            Err(Error::Options { field, message }) => format!("{field}: {message}"),
            other => panic!("expected an options error, got {other:?}"),
        }
    }

    #[test]
    fn a_number_declared_without_a_range_is_an_error_not_no_limit() {
        let unranged = Declared {
            js: "maxFigurs",
            ..Declared::NOTHING
        };
        let error = message(unranged.number::<usize>(1.0));
        assert!(error.starts_with("maxFigurs: has no range"), "{error}");
        assert!(unranged.check(Some(5_usize)).is_err());
    }

    #[test]
    fn counts_must_be_whole_and_in_range() {
        assert_eq!(FIGURES.number::<usize>(2.0).ok(), Some(2));
        let error = message(FIGURES.number::<usize>(2.7));
        assert_eq!(error, "maxFigures: expected a whole number, got 2.7");
        let error = message(FIGURES.number::<u64>(-1.0));
        assert_eq!(error, "maxFigures: expected a number from 0 to 10");
        assert!(FIGURES.number::<usize>(f64::NAN).is_err());
        assert!(FIGURES.check(Some(11_u64)).is_err());
        assert_eq!(FIGURES.number::<f64>(2.5).ok(), Some(2.5));
    }

    #[test]
    fn a_time_is_its_milliseconds() {
        let timeout = Declared {
            js: "timeoutMs",
            range: Some(range![1 ms, 24 h]),
            ..Declared::NOTHING
        };
        assert_eq!(
            timeout.number::<Duration>(1.5).ok(),
            Some(Duration::from_micros(1500))
        );
        assert_eq!(Duration::from_micros(1500).to_units(), 1.5);
        assert!(timeout.check(Some(Duration::ZERO)).is_err());
        assert!(timeout.check(Some(Duration::from_secs(86_401))).is_err());
        let error = message(timeout.check(Some(Duration::ZERO)));
        assert_eq!(error, "timeoutMs: expected a number from 1 ms to 24 h");
    }

    #[test]
    fn a_missing_default_is_an_error_not_zero() {
        let error = message(FIGURES.or_default::<usize>(None));
        assert!(error.contains("has no default"), "{error}");
        let standby = Declared {
            default: Unset::Flag(true),
            ..Declared::NOTHING
        };
        assert_eq!(standby.or_default(None).ok(), Some(true));
        let bytes = Declared {
            default: default_value!(5 MiB),
            ..Declared::NOTHING
        };
        assert_eq!(bytes.or_default::<u64>(None).ok(), Some(5 << 20));
    }
}
