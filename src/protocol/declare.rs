//! What the crate makes of the declaration in messages.rs (build.rs has a
//! `from_sandbox!` of its own, which keeps only the `type` names).

/// Makes, from messages.rs's entries: `FromSandbox` (a variant per
/// message), `types` (a constant per `type` string), `TYPES` (all of
/// them), `decode_as` (the payload for a `type`), `weight` and
/// `unexpected`.
macro_rules! from_sandbox {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident($payload:ty) = $name:ident: $type:literal {
            decode: $decode:ident,
            weight: |$m:pat_param| $weight:expr,
            unexpected: $unexpected:literal $(,)?
        }
    )*) => {
        use super::*;
        use super::decode::{parse, snapshot_bytes};

        /// Sandbox to page.
        #[derive(Debug)]
        pub(crate) enum FromSandbox {
            $($(#[doc = $doc])* $variant($payload),)*
        }

        /// The `type` of each message sandbox to page.
        pub(crate) mod types {
            $(#[allow(dead_code)] pub(crate) const $name: &str = $type;)*
        }

        /// Every `type` sandbox to page, in the declaration's order.
        #[allow(dead_code)]
        pub(crate) const TYPES: &[(&str, &str)] = &[$((stringify!($name), $type)),*];

        /// Each message's `type` and how a violation names it, for the tests.
        #[cfg(test)]
        pub(crate) const UNEXPECTED: &[(&str, &str)] = &[$(($type, $unexpected)),*];

        /// `msg` decoded as the message of type `kind` (which it has), or
        /// None if no message has that type.
        pub(super) fn decode_as(kind: &str, msg: JsValue) -> Option<Result<FromSandbox, String>> {
            match kind {
                $($type => Some($decode(msg).map(FromSandbox::$variant)),)*
                _ => None,
            }
        }

        impl FromSandbox {
            /// Approximate bytes carried, for the flood budget.
            pub(crate) fn weight(&self) -> usize {
                match self {
                    $(FromSandbox::$variant($m) => $weight,)*
                }
            }

            /// How a violation names the message when nothing asked for it.
            pub(crate) fn unexpected(&self) -> &'static str {
                match self {
                    $(FromSandbox::$variant(_) => $unexpected,)*
                }
            }
        }
    };
}
