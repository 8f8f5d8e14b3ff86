//! `tools docs`: writes the parts of the book's reference pages that the code
//! can say itself, so they cannot drift from it: the command lines' `--help`
//! (clap's own text), the `game!` key table (the macro's documentation,
//! checked against the keys the macro takes) and the fields of the headless
//! summary (the doc comments of the structs it is serialised from).
//!
//! A generated part sits between two HTML comments in a hand-written page:
//!
//! ```text
//! <!-- generated: NAME (cargo run -p tools -- docs) -->
//! …
//! <!-- end of generated: NAME -->
//! ```
//!
//! `tools docs` rewrites what is between them; `tools docs --check`, and the
//! unit test below that `cargo test --workspace` runs, fail when a committed
//! page differs from what the code says now.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result, ensure};

mod from_source;
mod help;

use from_source::{
    crash_report_fields, entry_points, game_keys, journal_format, recording_format,
    snapshot_format, summary_fields,
};
use help::{hotloop_help, player_help, ship_help, tools_help};

/// One generated part of a page.
struct Part {
    /// The page, relative to the workspace.
    page: &'static str,
    /// The name in its markers.
    name: &'static str,
    /// Makes its text (without the markers).
    make: fn(&Path) -> Result<String>,
}

const PARTS: &[Part] = &[
    Part {
        page: "docs/src/reference/cli.md",
        name: "hotloop --help",
        make: hotloop_help,
    },
    Part {
        page: "docs/src/reference/cli.md",
        name: "cargo ship --help",
        make: ship_help,
    },
    Part {
        page: "docs/src/reference/cli.md",
        name: "shipped game --help",
        make: player_help,
    },
    Part {
        page: "docs/src/reference/cli.md",
        name: "tools --help",
        make: tools_help,
    },
    Part {
        page: "docs/src/reference/game-keys.md",
        name: "game! keys",
        make: game_keys,
    },
    Part {
        page: "docs/src/reference/entry-points.md",
        name: "entry points",
        make: entry_points,
    },
    Part {
        page: "docs/src/reference/files.md",
        name: "snapshot format",
        make: snapshot_format,
    },
    Part {
        page: "docs/src/reference/files.md",
        name: "recording format",
        make: recording_format,
    },
    Part {
        page: "docs/src/reference/files.md",
        name: "crash report fields",
        make: crash_report_fields,
    },
    Part {
        page: "docs/src/reference/files.md",
        name: "crash journal format",
        make: journal_format,
    },
    Part {
        page: "docs/src/reference/summary.md",
        name: "summary fields",
        make: summary_fields,
    },
];

/// Every page with generated parts, as the code says it should read now:
/// (path relative to the workspace, text now, text generated).
fn regenerate(workspace: &Path) -> Result<Vec<(&'static str, String, String)>> {
    let mut pages: Vec<(&'static str, String, String)> = Vec::new();
    for part in PARTS {
        if !pages.iter().any(|(page, ..)| *page == part.page) {
            let text = fs::read_to_string(workspace.join(part.page))
                .with_context(|| format!("reading {}", part.page))?;
            pages.push((part.page, text.clone(), text));
        }
        let page = pages
            .iter_mut()
            .find(|(page, ..)| *page == part.page)
            .expect("added above");
        let made = (part.make)(workspace).with_context(|| format!("generating `{}`", part.name))?;
        page.2 =
            replace_part(&page.2, part.name, &made).with_context(|| format!("in {}", part.page))?;
    }
    Ok(pages)
}

/// Writes every generated part into its page.
pub fn write(workspace: &Path) -> Result<()> {
    for (page, now, generated) in regenerate(workspace)? {
        if now == generated {
            println!("{page}: up to date");
        } else {
            fs::write(workspace.join(page), generated)?;
            println!("{page}: written");
        }
    }
    Ok(())
}

/// Fails, naming the page and the first line that differs, when a committed
/// page is not what the code says now.
pub fn check(workspace: &Path) -> Result<()> {
    let mut stale = String::new();
    for (page, now, generated) in regenerate(workspace)? {
        if now != generated {
            let (line, (old, new)) = now
                .lines()
                .chain(std::iter::repeat(""))
                .zip(generated.lines().chain(std::iter::repeat("")))
                .enumerate()
                .find(|(_, (old, new))| old != new)
                .expect("the texts differ");
            let _ = writeln!(
                stale,
                "{page}:{}: the page says\n    {old}\nbut the code says\n    {new}",
                line + 1
            );
        }
    }
    ensure!(
        stale.is_empty(),
        "the book's generated reference is out of date; run `cargo run -p tools -- docs`:\n{stale}"
    );
    Ok(())
}

/// `text` with the part `name` between its markers replaced by `made`.
fn replace_part(text: &str, name: &str, made: &str) -> Result<String> {
    let begin = format!("<!-- generated: {name} (cargo run -p tools -- docs) -->\n");
    let end = format!("<!-- end of generated: {name} -->");
    let start = text
        .find(&begin)
        .with_context(|| format!("no marker `{}`", begin.trim_end()))?
        + begin.len();
    let stop = start
        + text[start..]
            .find(&end)
            .with_context(|| format!("no marker `{end}`"))?;
    Ok(format!("{}{made}{}", &text[..start], &text[stop..]))
}

/// `text` as a Markdown code block, without trailing spaces (which editors
/// strip, and the check would then call the page stale).
fn text_block(text: &str) -> String {
    let lines: Vec<&str> = text.trim_end().lines().map(str::trim_end).collect();
    format!("```text\n{}\n```\n", lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::from_source::{plain_links, summary_keys};
    use super::*;

    #[test]
    fn the_books_generated_reference_is_what_the_code_says() {
        check(&hotloop_tests::workspace()).unwrap();
    }

    #[test]
    fn a_stale_page_is_named_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let workspace = hotloop_tests::workspace();
        for part in PARTS {
            let copy = dir.path().join(part.page);
            fs::create_dir_all(copy.parent().unwrap()).unwrap();
            fs::copy(workspace.join(part.page), &copy).unwrap();
        }
        for file in [
            "engine/abi/src/game.rs",
            "engine/abi/src/lib.rs",
            "engine/src/runtime/report.rs",
            "engine/src/runtime/frame_times.rs",
            "engine/src/runtime/profile.rs",
            "engine/src/runtime/crash_log.rs",
            "engine/src/files/snapshot.rs",
            "engine/src/files/recording/mod.rs",
            "engine/src/files/journal/mod.rs",
        ] {
            let copy = dir.path().join(file);
            fs::create_dir_all(copy.parent().unwrap()).unwrap();
            fs::copy(workspace.join(file), &copy).unwrap();
        }
        check(dir.path()).unwrap();
        // A summary field documented differently in the code.
        let report = dir.path().join("engine/src/runtime/report.rs");
        let text = fs::read_to_string(&report).unwrap();
        fs::write(
            &report,
            text.replacen("/// Steps run.", "/// Update steps run.", 1),
        )
        .unwrap();
        let error = format!("{:#}", check(dir.path()).unwrap_err());
        assert!(
            error.contains("docs/src/reference/summary.md:")
                && error.contains("| `frames` | number | Update steps run. |"),
            "{error}"
        );
        // A key the macro takes that its documentation does not list.
        let game = dir.path().join("engine/abi/src/game.rs");
        let text = fs::read_to_string(&game).unwrap();
        let without: String = text
            .lines()
            .filter(|line| !line.starts_with("/// | `on_reload` |"))
            .map(|line| format!("{line}\n"))
            .collect();
        fs::write(&game, without).unwrap();
        let error = format!("{:#}", check(dir.path()).unwrap_err());
        assert!(error.contains("but the macro takes"), "{error}");
    }

    /// The summary table names exactly the keys a real summary line has
    /// (with `--dump-state` and `--profile-systems`, which add theirs).
    #[test]
    fn the_summary_table_names_every_key_of_a_real_summary() {
        let library = hotloop_tests::demo_library();
        let run = hotloop_tests::EngineProcess::start([
            "--headless",
            "--no-watch",
            "--frames",
            "3",
            "--dump-state",
            "--profile-systems",
            "--lib",
            library.to_str().unwrap(),
        ])
        .finish();
        assert!(run.status.success(), "{}", run.stderr);
        let printed = summary_keys(&run.summary());
        let table = summary_fields(&hotloop_tests::workspace()).unwrap();
        let documented: std::collections::BTreeSet<String> = table
            .lines()
            .skip(2)
            .filter_map(|row| row.split('`').nth(1))
            .map(str::to_owned)
            .collect();
        assert_eq!(printed, documented);
    }

    #[test]
    fn rustdoc_links_become_plain_text() {
        assert_eq!(
            plain_links("a [`state!`](crate::state) type, [`RESOLUTION`] of it"),
            "a `state!` type, `RESOLUTION` of it"
        );
        assert_eq!(
            plain_links("see [`x`](https://example.org/x) here"),
            "see [`x`](https://example.org/x) here"
        );
    }
}
