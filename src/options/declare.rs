//! What the crate makes of an `options!` declaration (sandbox.rs, run.rs,
//! pypi.rs): the pub struct with its rustdoc, the table of
//! [`Declared`](super::Declared) options, the JS names (unknown fields are errors), the range checks, the
//! JS reader and the TypeScript interface. The README's table is written
//! from the same table (declaration_tests.rs checks it).
//!
//! An entry reads
//!
//! ```text
//! /// The doc: its first paragraph is the README's summary.
//! rust_field: RustType = "jsName": "TypeScript type" {
//!     range: [1 ms, 24 h],  // optional: the values a number may take
//!     default: 30 s,        // optional: the value when unset (a number or a flag)
//!     unset: "words",       // or, instead, what applies when unset, in words
//!     required: "why",      // or: JS must give it; missing, the error says why
//! }
//! ```
//!
//! A group of options that is one option's value (`pypi`: pypi.rs) is
//! declared the same way, with the option's JS name after its TypeScript
//! doc (`in JS "pypi"`); the option's TypeScript type is then the group's
//! interface (`"PypiOptions"`).
//!
//! Numbers are written with their unit (`ms`, `s`, `min`, `h`; `B`, `KiB`,
//! `MiB`, `GiB`; `M` for millions; none for a plain count), so the docs
//! read the same text the checks compute with. A time is a `Duration` in
//! Rust and a number of milliseconds in JS.

/// The factor of a unit: times in ms, sizes in bytes.
macro_rules! unit {
    () => {
        1.0
    };
    (ms) => {
        1.0
    };
    (s) => {
        1e3
    };
    (min) => {
        6e4
    };
    (h) => {
        3.6e6
    };
    (B) => {
        1.0
    };
    (KiB) => {
        1024.0
    };
    (MiB) => {
        1048576.0
    };
    (GiB) => {
        1073741824.0
    };
    (M) => {
        1e6
    };
}

/// `[1 ms, 24 h]` as a [`Range`](super::Range).
macro_rules! range {
    [$lo:literal $($lo_unit:ident)?, $hi:literal $($hi_unit:ident)?] => {
        $crate::options::Range {
            min: $lo as f64 * unit!($($lo_unit)?),
            max: $hi as f64 * unit!($($hi_unit)?),
            text: range_text![$lo $($lo_unit)?, $hi $($hi_unit)?],
        }
    };
}

/// `[1 ms, 24 h]` in words, as a literal: "1 ms to 24 h".
macro_rules! range_text {
    [$lo:literal $($lo_unit:ident)?, $hi:literal $($hi_unit:ident)?] => {
        concat!(stringify!($lo $($lo_unit)?), " to ", stringify!($hi $($hi_unit)?))
    };
}

/// A `default:` as an [`Unset`](super::Unset).
macro_rules! default_value {
    (true) => { $crate::options::Unset::Flag(true) };
    (false) => { $crate::options::Unset::Flag(false) };
    ($n:literal $($unit:ident)?) => { $crate::options::Unset::Number($n as f64 * unit!($($unit)?)) };
}

/// `$code`, for an option declared with a range.
macro_rules! if_ranged {
    ($range:tt $($code:tt)*) => { $($code)* };
}

/// `$code`, for an option declared as required.
macro_rules! if_required {
    ($why:literal $($code:tt)*) => { $($code)* };
}

/// `"?"` in TypeScript for an optional field, nothing for a required one.
macro_rules! optional_mark {
    () => {
        "?"
    };
    ($why:literal) => {
        ""
    };
}

/// Makes, from the entries of one options type: the struct, `DECLARED`
/// (each option, by field), `ALL` (the same in order), `JS_NAMES`,
/// `check_ranges`, `from_js` (with the `js` feature) and `TYPESCRIPT`.
///
/// A group of options that is itself one option's value (`pypi`'s
/// [`PypiOptions`](super::PypiOptions)) names that option after its
/// TypeScript doc, `in JS "pypi"`: its errors name their field as
/// `pypi.indexUrl`, and it gets its JS reader as an option's value
/// (`FromJs for Option<PypiOptions>`: an object with no unknown field, or
/// nothing). Its entries may be `required: "why"` (no `?` in TypeScript;
/// a missing field is an error that says why).
macro_rules! options {
    // A group inside another: its fields' errors are named `group.field`.
    (
        $(#[$attr:meta])*
        pub struct $name:ident, in TypeScript $ts_doc:literal, in JS $group:literal {
            $($entries:tt)*
        }
    ) => {
        options! {
            @group $group
            $(#[$attr])*
            pub struct $name, in TypeScript $ts_doc {
                $($entries)*
            }
        }

        /// The group as one option's value: an object of its fields (no
        /// other), or nothing when unset, `undefined` or `null`.
        #[cfg(feature = "js")]
        impl $crate::options::FromJs for Option<$name> {
            fn from_js(
                value: Option<wasm_bindgen::JsValue>,
                option: &Declared,
            ) -> Result<Self, Error> {
                let read = |get: &dyn Fn(&str) -> Option<wasm_bindgen::JsValue>| {
                    $name::from_js(get)
                };
                $crate::js::options::group(value, option, JS_NAMES, read)
            }
        }
    };
    // The options of an API call (`SandboxOptions`, `RunOptions`).
    (
        $(#[$attr:meta])*
        pub struct $name:ident, in TypeScript $ts_doc:literal {
            $($entries:tt)*
        }
    ) => {
        options! {
            @group ""
            $(#[$attr])*
            pub struct $name, in TypeScript $ts_doc {
                $($entries)*
            }
        }
    };
    (
        @group $group:literal
        $(#[$attr:meta])*
        pub struct $name:ident, in TypeScript $ts_doc:literal {
            $(
                $(#[doc = $doc:literal])*
                $field:ident: $ty:ty = $js:literal: $ts:literal {
                    $(range: $range:tt,)?
                    $(default: $default:tt $($default_unit:ident)?,)?
                    $(unset: $unset:literal,)?
                    $(required: $required:literal,)?
                }
            )*
        }
    ) => {
        use $crate::errors::Error;
        use $crate::options::{Declared, Unset};

        $(#[$attr])*
        pub struct $name {
            $(
                $(#[doc = $doc])*
                #[doc = ""]
                #[doc = concat!("`", $js, "` in JS.")]
                $(#[doc = concat!("From ", range_text!$range, ".")])?
                $(#[doc = concat!("Default: ", stringify!($default $($default_unit)?), ".")])?
                $(#[doc = concat!("Default: ", $unset, ".")])?
                $(#[doc = concat!("Required in JS (", $required, ").")])?
                pub $field: $ty,
            )*
        }

        /// Each option as declared, by its Rust field.
        pub(crate) struct Declarations {
            $(pub(crate) $field: Declared,)*
        }

        // An option declared with both a range and a default gives every
        // field, so the update from NOTHING is needless there.
        #[allow(clippy::needless_update)]
        pub(crate) const DECLARED: Declarations = Declarations {
            $($field: Declared {
                rust: stringify!($field),
                rust_type: stringify!($ty),
                group: $group,
                js: $js,
                ts: $ts,
                doc: concat!($($doc, "\n",)*),
                $(range: Some(range!$range),)?
                $(default: default_value!($default $($default_unit)?),)?
                $(default: Unset::Words($unset),)?
                $(default: Unset::Required($required),)?
                default_text: concat!(
                    $(stringify!($default $($default_unit)?),)?
                    $($unset,)?
                    $(if_required!($required "required"),)?
                ),
                ..Declared::NOTHING
            },)*
        };

        /// The options in the declaration's order.
        #[allow(dead_code)]
        pub(crate) const ALL: &[&Declared] = &[$(&DECLARED.$field),*];

        /// The JS names: any other field of the object is an error.
        #[cfg_attr(not(feature = "js"), allow(dead_code))]
        pub(crate) const JS_NAMES: &[&str] = &[$($js),*];

        /// The interface for the `.d.ts` (js/types.rs emits it, through a
        /// custom section the dead-code lint does not see).
        #[allow(dead_code)]
        pub(crate) const TYPESCRIPT: &str = concat!(
            "/** ", $ts_doc, " */\nexport interface ", stringify!($name), " {\n",
            $(
                "  /**\n",
                $("   *", $doc, "\n",)*
                $("   * From ", range_text!$range, ".\n",)?
                $("   * Default: ", stringify!($default $($default_unit)?), ".\n",)?
                $("   * Default: ", $unset, ".\n",)?
                $("   * Required (", $required, ").\n",)?
                "   */\n  ", $js, optional_mark!($($required)?), ": ", $ts, ";\n",
            )*
            "}\n"
        );

        impl $name {
            /// Checks each option declared with a range (a Rust caller
            /// sets them directly; the JS reader checked them already).
            pub(crate) fn check_ranges(&self) -> Result<(), Error> {
                $($(if_ranged!($range DECLARED.$field.check(self.$field)?;);)?)*
                Ok(())
            }

            /// Reads each option from a JS object, given the value of
            /// each field by its JS name (js/options.rs); a required one
            /// that is missing is an error.
            #[cfg(feature = "js")]
            pub(crate) fn from_js(
                get: impl Fn(&str) -> Option<wasm_bindgen::JsValue>,
            ) -> Result<Self, Error> {
                use $crate::options::FromJs;
                Ok($name {
                    $($field: FromJs::from_js(
                        DECLARED.$field.given(get($js))?,
                        &DECLARED.$field,
                    )?,)*
                })
            }
        }
    };
}
