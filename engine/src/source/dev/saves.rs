//! When an editor's save is complete, so the build can start at once.
//!
//! Editors save in different ways: a direct write (open, write, close), a
//! new file renamed into place, or the old file renamed to a backup and a
//! new one written. Each ends with an event that says the file is whole: a
//! close after writing, or a rename onto the source's name. Until then the
//! source is being written or is missing, and building would compile half a
//! file or none. [`Saves`] follows the sources a save touched and says how
//! long to wait for more events once every one is whole: not at all before
//! a direct build, which another file of the same "save all" stops, and a
//! moment before a cargo build, which nothing stops. While one is not whole,
//! longer (a platform or tool that never reports a close falls back to
//! that).

use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::EventKind;
use notify::event::{AccessKind, AccessMode, ModifyKind, RenameMode};

/// Quiet time after the last event while every source a save touched is
/// whole, before a build that cannot be stopped (cargo's): the other files
/// of a "save all" arrive within it. A direct build starts at once instead:
/// another file's events stop it, and one build of both follows.
pub const SETTLE_SAVED: Duration = Duration::from_millis(3);

/// Quiet time after the last event while a source is still being written or
/// is missing (renamed away, deleted), or where the platform never says a
/// write is complete.
pub const SETTLE_UNFINISHED: Duration = Duration::from_millis(15);

/// What one file-system event says about a source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Created or written to: more may come before it is whole.
    Writing,
    /// Whole: closed after writing, renamed into place, or only touched.
    Written,
    /// Renamed away or deleted: a new one may be on its way.
    Gone,
}

impl Step {
    /// The step an event is, or `None` for events that change nothing (a
    /// read, an open, the pair of a rename that its two halves already say).
    pub fn of(kind: &EventKind) -> Option<Self> {
        match kind {
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => Some(Self::Written),
            EventKind::Access(_) => None,
            EventKind::Modify(ModifyKind::Name(RenameMode::To)) => Some(Self::Written),
            EventKind::Modify(ModifyKind::Name(RenameMode::From)) => Some(Self::Gone),
            EventKind::Modify(ModifyKind::Name(RenameMode::Both)) => None,
            EventKind::Modify(ModifyKind::Metadata(_)) => Some(Self::Written),
            EventKind::Remove(_) => Some(Self::Gone),
            EventKind::Create(_) | EventKind::Modify(_) | EventKind::Any | EventKind::Other => {
                Some(Self::Writing)
            }
        }
    }
}

/// The sources touched since the last build that are not whole yet.
#[derive(Debug, Default)]
pub struct Saves {
    unfinished: Vec<PathBuf>,
}

impl Saves {
    /// Notes one event about `path`.
    pub fn note(&mut self, path: &Path, step: Step) {
        let known = self.unfinished.iter().position(|p| p == path);
        match (step, known) {
            (Step::Written, Some(at)) => {
                self.unfinished.swap_remove(at);
            }
            (Step::Writing | Step::Gone, None) => self.unfinished.push(path.to_owned()),
            _ => {}
        }
    }

    /// Whether every source touched so far is whole.
    pub fn complete(&self) -> bool {
        self.unfinished.is_empty()
    }

    /// How long to wait for another event before building: nothing, once
    /// every source is whole, before a build that a newer save can stop
    /// (`stoppable`).
    pub fn quiet_time(&self, stoppable: bool) -> Duration {
        match (self.complete(), stoppable) {
            (false, _) => SETTLE_UNFINISHED,
            (true, true) => Duration::ZERO,
            (true, false) => SETTLE_SAVED,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::sync::mpsc;
    use std::time::Instant;

    use notify::{RecursiveMode, Watcher};

    use super::*;

    /// Runs `save` in a watched directory holding `a.rs` and `b.rs`, and
    /// feeds the real events about them to a [`Saves`]: whether it was
    /// complete after each one, and the `Saves` after all of them.
    fn completeness_while(save: impl FnOnce(&Path)) -> (Vec<bool>, Saves) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        for name in ["a.rs", "b.rs"] {
            fs::write(root.join(name), "// before\n").unwrap();
        }
        let (send, events) = mpsc::channel();
        let mut watcher = notify::recommended_watcher(move |event| {
            let _ = send.send(event);
        })
        .unwrap();
        watcher.watch(&root, RecursiveMode::Recursive).unwrap();
        save(&root);
        // The marker's close is the last event of the save.
        fs::write(root.join("done"), "").unwrap();
        let mut saves = Saves::default();
        let mut after_each = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let event: notify::Event = events.recv_timeout(left).unwrap().unwrap();
            if event.paths.iter().any(|p| p.ends_with("done")) {
                if Step::of(&event.kind) == Some(Step::Written) {
                    return (after_each, saves);
                }
                continue;
            }
            let Some(step) = Step::of(&event.kind) else {
                continue;
            };
            for path in event
                .paths
                .iter()
                .filter(|p| p.extension() == Some("rs".as_ref()))
            {
                saves.note(path, step);
                after_each.push(saves.complete());
            }
        }
    }

    fn incomplete_until_the_end(after_each: &[bool]) -> bool {
        after_each
            .split_last()
            .is_some_and(|(last, before)| *last && before.iter().all(|c| !c))
    }

    #[test]
    fn a_direct_write_is_complete_when_closed() {
        let (after_each, saves) =
            completeness_while(|dir| fs::write(dir.join("a.rs"), "// after\n").unwrap());
        assert!(incomplete_until_the_end(&after_each), "{after_each:?}");
        assert_eq!(saves.quiet_time(false), SETTLE_SAVED);
        assert_eq!(saves.quiet_time(true), Duration::ZERO);
    }

    #[test]
    fn a_file_renamed_into_place_is_complete_at_once() {
        let (after_each, saves) = completeness_while(|dir| {
            fs::write(dir.join(".a.rs.tmp"), "// after\n").unwrap();
            fs::rename(dir.join(".a.rs.tmp"), dir.join("a.rs")).unwrap();
        });
        assert_eq!(after_each, [true]);
        assert_eq!(saves.quiet_time(false), SETTLE_SAVED);
        assert_eq!(saves.quiet_time(true), Duration::ZERO);
    }

    #[test]
    fn a_backup_then_write_is_incomplete_until_the_new_file_is_closed() {
        let (after_each, saves) = completeness_while(|dir| {
            fs::rename(dir.join("a.rs"), dir.join("a.rs~")).unwrap();
            fs::write(dir.join("a.rs"), "// after\n").unwrap();
        });
        assert!(incomplete_until_the_end(&after_each), "{after_each:?}");
        assert_eq!(saves.quiet_time(false), SETTLE_SAVED);
        assert_eq!(saves.quiet_time(true), Duration::ZERO);
    }

    #[test]
    fn a_source_renamed_away_and_not_replaced_stays_incomplete() {
        let (after_each, saves) = completeness_while(|dir| {
            fs::rename(dir.join("a.rs"), dir.join("a.rs~")).unwrap();
        });
        assert_eq!(after_each, [false]);
        assert_eq!(saves.quiet_time(true), SETTLE_UNFINISHED);
    }

    #[test]
    fn two_files_saved_together_are_complete_when_both_are_closed() {
        let (after_each, saves) = completeness_while(|dir| {
            let (mut a, mut b) = (
                fs::File::create(dir.join("a.rs")).unwrap(),
                fs::File::create(dir.join("b.rs")).unwrap(),
            );
            use std::io::Write;
            a.write_all(b"// after\n").unwrap();
            b.write_all(b"// after\n").unwrap();
            drop(a);
            drop(b);
        });
        assert!(incomplete_until_the_end(&after_each), "{after_each:?}");
        assert_eq!(saves.quiet_time(false), SETTLE_SAVED);
        assert_eq!(saves.quiet_time(true), Duration::ZERO);
    }
}
