//! What the engine tells the developer on screen: the newest problem (a
//! build, a library or an asset that failed) and a note (the state was
//! migrated, saved, loaded; the loop started over). Each problem stays until
//! the same kind of thing succeeds again; the banner shows the newest one,
//! and a note that came after it is shown too, so that pressing F5 with an
//! old error on screen still says where the state went.

/// A message and when it came, in the order of all messages.
#[derive(Clone, Debug)]
struct Stamped {
    order: u64,
    text: String,
}

/// The engine's current problems and note.
#[derive(Clone, Debug, Default)]
pub(crate) struct Messages {
    next: u64,
    code: Option<Stamped>,
    asset: Option<Stamped>,
    note: Option<Stamped>,
}

impl Messages {
    fn stamp(&mut self, text: String) -> Stamped {
        self.next += 1;
        Stamped {
            order: self.next,
            text,
        }
    }

    /// The game code failed: a build, a load, a panic, a crash, a file.
    pub fn code_failed(&mut self, text: String) {
        self.code = Some(self.stamp(text));
    }

    /// Appends to the code problem, if there is one (it stays as old as it was).
    pub fn add_to_code_problem(&mut self, more: &str) {
        if let Some(problem) = &mut self.code {
            problem.text.push_str(more);
        }
    }

    /// Good code runs again.
    pub fn code_ok(&mut self) {
        self.code = None;
    }

    /// An asset failed to load.
    pub fn asset_failed(&mut self, text: String) {
        self.asset = Some(self.stamp(text));
    }

    /// The assets load again.
    pub fn assets_ok(&mut self) {
        self.asset = None;
    }

    /// Sets the note, or clears it.
    pub fn note(&mut self, text: Option<String>) {
        self.note = text.map(|text| self.stamp(text));
    }

    /// The newest problem.
    pub fn error(&self) -> Option<&str> {
        let newest = match (&self.code, &self.asset) {
            (Some(code), Some(asset)) if asset.order > code.order => asset,
            (Some(code), _) => code,
            (None, Some(asset)) => asset,
            (None, None) => return None,
        };
        Some(&newest.text)
    }

    /// The note.
    pub fn notice(&self) -> Option<&str> {
        self.note.as_ref().map(|note| note.text.as_str())
    }

    /// The note, if it came after every problem still shown.
    pub fn fresh_notice(&self) -> Option<&str> {
        let note = self.note.as_ref()?;
        let newest_problem = [&self.code, &self.asset]
            .into_iter()
            .flatten()
            .map(|problem| problem.order)
            .max()
            .unwrap_or(0);
        (note.order > newest_problem).then_some(note.text.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_problem_shows_and_each_clears_with_its_own_success() {
        let mut messages = Messages::default();
        messages.code_failed("update panicked".into());
        messages.asset_failed("tunables.toml: expected a number".into());
        assert_eq!(messages.error(), Some("tunables.toml: expected a number"));
        messages.assets_ok();
        assert_eq!(
            messages.error(),
            Some("update panicked"),
            "the older one is still true"
        );
        messages.asset_failed("player.png: not a PNG".into());
        messages.code_failed("build failed".into());
        assert_eq!(messages.error(), Some("build failed"));
        messages.code_ok();
        assert_eq!(messages.error(), Some("player.png: not a PNG"));
    }

    #[test]
    fn a_note_after_the_problem_is_shown_with_it() {
        let mut messages = Messages::default();
        messages.note(Some("carried over 5 field(s) by name".into()));
        messages.code_failed("update panicked".into());
        assert_eq!(messages.fresh_notice(), None, "older than the problem");
        messages.note(Some("state saved to quicksave.hlstate".into()));
        assert_eq!(
            messages.fresh_notice(),
            Some("state saved to quicksave.hlstate")
        );
        assert_eq!(messages.error(), Some("update panicked"));
        messages.note(None);
        assert_eq!(messages.notice(), None);
    }
}
