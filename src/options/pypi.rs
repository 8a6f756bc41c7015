//! [`PypiOptions`], the value of `SandboxOptions.pypi`, declared once like
//! the options that hold it (see sandbox.rs for what is made of it): a
//! group `in JS "pypi"`, so its errors name `pypi.indexUrl` and
//! `pypi.allowed`, and an unknown field inside `pypi: {…}` is one too.

options! {
    /// `micropip.install` (and the import of an allowed name) from a package
    /// index, through the page: the page fetches the index and the wheels, for
    /// the names in `allowed` only, pure-Python wheels only, each checked
    /// against the index's sha256. micropip itself comes the same way, from the
    /// index (PyPI's micropip 0.11.1, pinned by its sha256).
    ///
    /// ```
    /// let options = pycage::SandboxOptions {
    ///     pypi: Some(pycage::PypiOptions {
    ///         index_url: None, // https://pypi.org/simple/
    ///         allowed: vec!["tabulate".into()],
    ///     }),
    ///     ..Default::default()
    /// };
    /// # let _ = options;
    /// ```
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct PypiOptions, in TypeScript "The value of {@link SandboxOptions.pypi}.",
        in JS "pypi"
    {
        /// A PEP 691 simple index.
        index_url: Option<String> = "indexUrl": "string" {
            unset: "`https://pypi.org/simple/`",
        }
        /// The distributions that may be installed (PEP 503 names compare equal).
        allowed: Vec<String> = "allowed": "string[]" {
            required: "the names that may be installed",
        }
    }
}
