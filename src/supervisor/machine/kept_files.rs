//! What the page keeps about a sandbox's files across its interpreters:
//! every file written through `write_file` (the uploads), which a fresh
//! interpreter gets back before anything else runs there, and the ledger of
//! files the code made, which are lost with their interpreter and reported
//! in the next `Execution.lostFiles`. Pure: the bytes are a type parameter
//! (files/upload.rs `Kept` in the browser), so this is tested natively.

use std::collections::BTreeMap;

use super::file_ledger::FileLedger;
use crate::files::Kept;

pub(in crate::supervisor) struct KeptFiles<B = Kept> {
    /// Written through `write_file`, by path: restored after a replacement
    /// (files/upload.rs: a Blob, or bytes of the page's own).
    uploads: BTreeMap<String, B>,
    /// Made or changed by runs (from `Execution.files`); bounded.
    ledger: FileLedger,
}

impl<B> Default for KeptFiles<B> {
    fn default() -> Self {
        KeptFiles {
            uploads: BTreeMap::new(),
            ledger: FileLedger::default(),
        }
    }
}

impl<B: Clone> KeptFiles<B> {
    /// The caller wrote `path` (the latest bytes are the ones restored).
    pub(in crate::supervisor) fn uploaded(&mut self, path: &str, data: B) {
        self.uploads.insert(path.to_string(), data);
    }

    /// A run made or changed `path`.
    pub(in crate::supervisor) fn made(&mut self, path: &str) {
        self.ledger.created(path);
    }

    /// The caller removed `path`: neither restored nor lost.
    pub(in crate::supervisor) fn removed(&mut self, path: &str) {
        self.uploads.remove(path);
        self.ledger.removed(path);
    }

    /// A fresh interpreter took over: what the code made there is lost,
    /// but for the uploads, returned in path order to be written first,
    /// and but for everything when a session comes back with its files
    /// (`with_session`: machine/kept_session.rs).
    pub(in crate::supervisor) fn interpreter_replaced(
        &mut self,
        with_session: bool,
    ) -> Vec<(String, B)> {
        let uploads = &self.uploads;
        self.ledger
            .interpreter_replaced(|path| with_session || uploads.contains_key(path));
        uploads
            .iter()
            .map(|(path, data)| (path.clone(), data.clone()))
            .collect()
    }

    /// The lost files for the next `Execution` (file_ledger.rs).
    pub(in crate::supervisor) fn take_lost(&mut self) -> Vec<String> {
        self.ledger.take_lost()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(uploads: &[(&str, u8)]) -> KeptFiles<u8> {
        let mut kept = KeptFiles::default();
        for (path, byte) in uploads {
            kept.uploaded(path, *byte);
        }
        kept
    }

    #[test]
    fn uploads_come_back_in_path_order_after_a_replacement() {
        let mut kept = kept(&[("/mnt/data/b.csv", 2), ("/mnt/data/a.csv", 1)]);
        let restored = kept.interpreter_replaced(false);
        assert_eq!(
            restored,
            [("/mnt/data/a.csv".into(), 1), ("/mnt/data/b.csv".into(), 2)]
        );
        assert!(kept.take_lost().is_empty(), "uploads are never lost");
        assert_eq!(
            kept.interpreter_replaced(false).len(),
            2,
            "and come back every time"
        );
    }

    #[test]
    fn a_second_upload_of_a_path_restores_its_latest_bytes() {
        let mut kept = kept(&[("/mnt/data/a.csv", 1), ("/mnt/data/a.csv", 9)]);
        assert_eq!(
            kept.interpreter_replaced(false),
            [("/mnt/data/a.csv".into(), 9)]
        );
    }

    #[test]
    fn a_removed_upload_is_neither_restored_nor_lost() {
        let mut kept = kept(&[("/mnt/data/a.csv", 1)]);
        kept.made("/mnt/data/a.csv"); // the code changed it too
        kept.removed("/mnt/data/a.csv");
        assert!(kept.interpreter_replaced(false).is_empty());
        assert!(kept.take_lost().is_empty());
    }

    #[test]
    fn what_the_code_made_is_lost_with_its_interpreter_and_reported_once() {
        let mut kept = kept(&[("/mnt/data/in.csv", 1)]);
        kept.made("/mnt/data/out.png");
        kept.made("/mnt/data/in.csv"); // rewritten by the code: the upload comes back
        kept.interpreter_replaced(false);
        assert_eq!(kept.take_lost(), ["/mnt/data/out.png"]);
        assert!(kept.take_lost().is_empty());
        kept.interpreter_replaced(false);
        assert!(
            kept.take_lost().is_empty(),
            "the new interpreter made nothing"
        );
    }

    #[test]
    fn nothing_is_lost_when_a_session_brings_the_files_back() {
        let mut kept = kept(&[("/mnt/data/in.csv", 1)]);
        kept.made("/mnt/data/out.png");
        assert_eq!(kept.interpreter_replaced(true).len(), 1, "uploads first");
        assert!(kept.take_lost().is_empty());
    }

    #[test]
    fn after_a_reset_nothing_is_restored_or_lost() {
        let mut kept = kept(&[("/mnt/data/in.csv", 1)]);
        kept.made("/mnt/data/out.png");
        kept = KeptFiles::default(); // what reset() does (files.rs forget_files)
        assert!(kept.interpreter_replaced(false).is_empty());
        assert!(kept.take_lost().is_empty());
    }
}
