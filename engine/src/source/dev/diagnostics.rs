//! What the compiler said, read the same way whether it came inside cargo's
//! messages ([`super::cargo`]) or straight from rustc ([`super::direct`]):
//! both carry rustc's JSON diagnostic, which `cargo_metadata` types.

use cargo_metadata::diagnostic::{Diagnostic, DiagnosticLevel};

/// A failed build: the compiler's first error in short, and every error
/// in full.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{short}")]
pub struct BuildError {
    /// One line for the overlay: the first error's message and where it points.
    pub short: String,
    /// Each error as the compiler rendered it, in order, for the terminal
    /// (as `cargo build` shows them).
    pub rendered: String,
    /// How many errors the build reported.
    pub errors: usize,
}

impl BuildError {
    /// A failure that is not a compiler diagnostic.
    pub(super) fn other(short: String) -> Self {
        Self {
            rendered: short.clone(),
            short,
            errors: 1,
        }
    }
}

/// The compiler's diagnostics of one build, as far as the dev loop needs them.
#[derive(Debug, Default)]
pub struct Diagnostics {
    /// The first error, and how many there were.
    pub first_error: Option<BuildError>,
    /// The error codes seen (`E0463`, …).
    pub codes: Vec<String>,
    /// For each error, the file its primary span points into, if any.
    pub files: Vec<Option<String>>,
}

impl Diagnostics {
    /// Reads one rustc diagnostic (cargo's `message`, or rustc's own JSON line).
    pub fn read(&mut self, diagnostic: &Diagnostic) {
        let text = &diagnostic.message;
        // rustc's closing "aborting due to N previous errors" is no error of its own.
        if diagnostic.level != DiagnosticLevel::Error || text.starts_with("aborting due to") {
            return;
        }
        let code = diagnostic.code.as_ref().map(|c| c.code.as_str());
        if let Some(code) = code {
            self.codes.push(code.to_owned());
        }
        let code = code.map(|c| format!("[{c}]")).unwrap_or_default();
        let primary = diagnostic.spans.iter().find(|s| s.is_primary);
        self.files.push(primary.map(|s| s.file_name.clone()));
        let at = primary
            .map(|s| format!(" at {}:{}:{}", s.file_name, s.line_start, s.column_start))
            .unwrap_or_default();
        let rendered = diagnostic.rendered.as_deref().unwrap_or(text).trim_end();
        match &mut self.first_error {
            Some(first) => {
                first.errors += 1;
                first.rendered.push_str("\n\n");
                first.rendered.push_str(rendered);
            }
            None => {
                self.first_error = Some(BuildError {
                    short: format!("error{code}: {text}{at}"),
                    rendered: rendered.to_owned(),
                    errors: 1,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// rustc's JSON for one diagnostic, as both cargo and rustc print it.
    fn diagnostic(level: &str, message: &str, line: u32) -> Diagnostic {
        serde_json::from_value(serde_json::json!({
            "$message_type": "diagnostic",
            "message": message,
            "code": {"code": "E0425", "explanation": null},
            "level": level,
            "spans": [{
                "file_name": "src/lib.rs", "byte_start": 0, "byte_end": 1,
                "line_start": line, "line_end": line, "column_start": 5, "column_end": 6,
                "is_primary": true, "text": [], "label": null,
                "suggested_replacement": null, "suggestion_applicability": null,
                "expansion": null
            }],
            "children": [],
            "rendered": format!("{level}[E0425]: {message}\n --> src/lib.rs:{line}:5"),
        }))
        .expect("rustc's diagnostic JSON")
    }

    #[test]
    fn the_first_error_is_kept_with_its_place_and_count_and_every_one_in_full() {
        let mut report = Diagnostics::default();
        report.read(&diagnostic("warning", "unused", 1));
        report.read(&diagnostic("error", "aborting due to 2 previous errors", 1));
        report.read(&diagnostic(
            "error",
            "cannot find value `x` in this scope",
            3,
        ));
        report.read(&diagnostic(
            "error",
            "cannot find value `y` in this scope",
            9,
        ));
        let first = report.first_error.unwrap();
        assert_eq!(
            first.short,
            "error[E0425]: cannot find value `x` in this scope at src/lib.rs:3:5"
        );
        assert_eq!(
            first.rendered,
            "error[E0425]: cannot find value `x` in this scope\n --> src/lib.rs:3:5\n\n\
             error[E0425]: cannot find value `y` in this scope\n --> src/lib.rs:9:5",
            "both errors, not the warning"
        );
        assert_eq!(first.errors, 2);
        assert_eq!(report.codes, ["E0425", "E0425"]);
        assert_eq!(
            report.files,
            [Some("src/lib.rs".into()), Some("src/lib.rs".into())]
        );
    }
}
