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
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};
use clap::CommandFactory;

use crate::Cli;

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

/// `hotloop --help`, as the engine binary prints it (`cargo dev --help`
/// prints the same: `cargo dev` is `cargo run -p engine -- --dev`).
fn hotloop_help(_: &Path) -> Result<String> {
    let engine = hotloop_tests::engine_binary();
    let output = Command::new(&engine)
        .arg("--help")
        .env_remove("RUST_LOG")
        .output()
        .with_context(|| format!("running {} --help", engine.display()))?;
    ensure!(output.status.success(), "hotloop --help failed");
    Ok(text_block(&String::from_utf8(output.stdout)?))
}

/// What clap prints for `args` (which end in `--help`) of `command`.
fn help_of(command: clap::Command, args: &[&str]) -> Result<String> {
    match command.try_get_matches_from(args) {
        Err(error) if error.kind() == clap::error::ErrorKind::DisplayHelp => {
            Ok(error.render().to_string())
        }
        _ => bail!("`{}` printed no help", args.join(" ")),
    }
}

/// `cargo ship --help`: `cargo ship` is `cargo run -q -p tools -- ship`.
fn ship_help(_: &Path) -> Result<String> {
    Ok(text_block(&help_of(
        Cli::command(),
        &["tools", "ship", "--help"],
    )?))
}

/// The shipped game's `--help`, then the flags it hides from players.
fn player_help(_: &Path) -> Result<String> {
    let command = engine::player::command().bin_name("GAME");
    let mut text = text_block(&help_of(command.clone(), &["GAME", "--help"])?);
    text.push_str(
        "\nHidden from `--help`, for developers and CI checking that the shipped game \
         plays as it did under `cargo dev`:\n\n| flag | what |\n|---|---|\n",
    );
    for arg in command.get_arguments().filter(|arg| arg.is_hide_set()) {
        let long = arg
            .get_long()
            .context("a hidden flag without a long name")?;
        let value = if arg.get_action().takes_values() {
            let name = arg
                .get_value_names()
                .and_then(|names| names.first())
                .map_or_else(|| arg.get_id().as_str().to_uppercase(), |n| n.to_string());
            format!(" <{name}>")
        } else {
            String::new()
        };
        let help = arg
            .get_long_help()
            .or(arg.get_help())
            .map(|help| help.to_string().replace('\n', " "))
            .unwrap_or_default();
        let _ = writeln!(text, "| `--{long}{value}` | {help} |");
    }
    Ok(text)
}

/// `tools --help`, then each of its commands' `--help`.
fn tools_help(_: &Path) -> Result<String> {
    let command = Cli::command();
    let mut text = text_block(&help_of(command.clone(), &["tools", "--help"])?);
    for sub in command.get_subcommands() {
        let name = sub.get_name();
        // `ship` has its own section above, as `cargo ship --help`.
        if name == "help" || name == "ship" {
            continue;
        }
        let _ = write!(
            text,
            "\n`cargo run -p tools -- {name} --help`:\n\n{}",
            text_block(&help_of(command.clone(), &["tools", name, "--help"])?)
        );
    }
    Ok(text)
}

/// The key table of `game!`'s documentation (`engine/abi/src/game.rs`, what
/// `cargo doc -p hotloop-abi` shows), checked against the keys the macro
/// takes (`__game_key_list!`, which its error messages list).
fn game_keys(workspace: &Path) -> Result<String> {
    let source = fs::read_to_string(workspace.join("engine/abi/src/game.rs"))?;
    let table: Vec<&str> = source
        .lines()
        .map(str::trim_start)
        .skip_while(|line| !line.starts_with("/// | key |"))
        .take_while(|line| line.starts_with("/// |"))
        .map(|line| &line["/// ".len()..])
        .collect();
    ensure!(
        table.len() > 2,
        "no `/// | key | …` table in engine/abi/src/game.rs"
    );
    let documented: Vec<&str> = table[2..]
        .iter()
        .filter_map(|row| row.split('|').nth(1))
        .map(|key| key.trim().trim_matches('`'))
        .collect();
    let taken: Vec<&str> = hotloop_abi::__game_key_list!()
        .split(", ")
        .map(|key| key.trim_matches('`'))
        .collect();
    ensure!(
        documented == taken,
        "`game!`'s documentation lists the keys {documented:?}, but the macro takes {taken:?}"
    );
    let mut text = String::new();
    for row in table {
        text.push_str(&plain_links(row));
        text.push('\n');
    }
    Ok(text)
}

/// The entry-point table of the ABI crate's documentation
/// (`engine/abi/src/lib.rs`), checked against the symbol names the loader
/// looks up (`hotloop_abi::symbols`), and those names.
fn entry_points(workspace: &Path) -> Result<String> {
    use hotloop_abi::symbols::{ALL, OPTIONAL};
    let source = fs::read_to_string(workspace.join("engine/abi/src/lib.rs"))?;
    let table: Vec<&str> = source
        .lines()
        .skip_while(|line| !line.starts_with("//! | symbol |"))
        .take_while(|line| line.starts_with("//! |"))
        .map(|line| &line["//! ".len()..])
        .collect();
    ensure!(
        table.len() > 2,
        "no `//! | symbol | …` table in engine/abi/src/lib.rs"
    );
    let documented: Vec<&str> = table[2..]
        .iter()
        .filter_map(|row| row.split('`').nth(1))
        .collect();
    for symbol in &documented {
        ensure!(
            ALL.contains(symbol) || OPTIONAL.contains(symbol),
            "the ABI crate's documentation lists `{symbol}`, which the loader does not look up"
        );
    }
    for symbol in ALL {
        ensure!(
            documented.contains(&symbol),
            "the ABI crate's documentation leaves out the required entry point `{symbol}`"
        );
    }
    let list = |symbols: &[&str]| {
        symbols
            .iter()
            .map(|symbol| format!("`{symbol}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut text = String::new();
    for row in table {
        text.push_str(&plain_links(row));
        text.push('\n');
    }
    let _ = write!(
        text,
        "\nRequired, in the order the loader checks them: {}. Optional: {}.\n",
        list(&ALL),
        list(&OPTIONAL)
    );
    Ok(text)
}

/// The paragraph of `file`'s module documentation that starts with `start`,
/// as one line with rustdoc's links made plain.
fn module_doc_paragraph(workspace: &Path, file: &str, start: &str) -> Result<String> {
    let source = fs::read_to_string(workspace.join(file))?;
    let paragraph: Vec<&str> = source
        .lines()
        .map_while(|line| line.strip_prefix("//!"))
        .map(str::trim)
        .skip_while(|line| !line.starts_with(start))
        .take_while(|line| !line.is_empty())
        .collect();
    ensure!(
        !paragraph.is_empty(),
        "{file}: no paragraph starting with `{start}` in its module documentation"
    );
    Ok(plain_links(&paragraph.join(" ")))
}

/// The snapshot file format, from `engine/src/files/snapshot.rs`.
fn snapshot_format(workspace: &Path) -> Result<String> {
    let format = module_doc_paragraph(workspace, "engine/src/files/snapshot.rs", "Format")?;
    Ok(format!(
        "Format version {}. {format}\n",
        engine::files::snapshot::FORMAT_VERSION
    ))
}

/// The recording file format, from `engine/src/files/recording/mod.rs`.
fn recording_format(workspace: &Path) -> Result<String> {
    let file = "engine/src/files/recording/mod.rs";
    let format = module_doc_paragraph(workspace, file, "File format")?;
    let older = module_doc_paragraph(workspace, file, "Versions 1 and 2")?;
    Ok(format!(
        "Format version {}. {format}\n\n{older}\n",
        engine::files::recording::FORMAT_VERSION
    ))
}

/// The fields of a player's crash report, from `CrashReport`'s doc comments.
fn crash_report_fields(workspace: &Path) -> Result<String> {
    let fields = struct_fields(workspace, "engine/src/runtime/crash_log.rs", "CrashReport")?;
    let mut text = String::from("| field | JSON | what |\n|---|---|---|\n");
    for field in fields {
        let _ = writeln!(
            text,
            "| `{}` | {} | {} |",
            field.name,
            json_type(&field.ty),
            field.doc
        );
    }
    Ok(text)
}

/// One documented field of a struct in the engine's source.
struct Field {
    name: String,
    ty: String,
    doc: String,
    attributes: String,
}

/// The fields of `pub struct name` in `file`, with their doc comments.
fn struct_fields(workspace: &Path, file: &str, name: &str) -> Result<Vec<Field>> {
    let source = fs::read_to_string(workspace.join(file))?;
    let header = format!("pub struct {name} {{");
    let body = source
        .lines()
        .skip_while(|line| !line.starts_with(&header))
        .skip(1)
        .take_while(|line| *line != "}");
    let (mut fields, mut doc, mut attributes) = (Vec::new(), Vec::new(), String::new());
    for line in body {
        let line = line.trim();
        if let Some(text) = line.strip_prefix("///") {
            doc.push(text.trim().to_owned());
        } else if line.starts_with("#[") {
            attributes.push_str(line);
        } else if let Some(field) = line.strip_prefix("pub ") {
            let (field, ty) = field
                .split_once(':')
                .with_context(|| format!("{file}: cannot read the field `{line}`"))?;
            fields.push(Field {
                name: field.trim().to_owned(),
                ty: ty.trim().trim_end_matches(',').to_owned(),
                doc: plain_links(&doc.join(" ")),
                attributes: std::mem::take(&mut attributes),
            });
            doc.clear();
        }
    }
    ensure!(
        !fields.is_empty(),
        "{file}: no `pub struct {name}` with fields"
    );
    Ok(fields)
}

/// How a Rust type of the summary reads in JSON.
fn json_type(ty: &str) -> String {
    match ty {
        "u32" | "u64" | "usize" | "f32" | "f64" => "number".to_owned(),
        "String" => "string".to_owned(),
        "Option<String>" => "string or null".to_owned(),
        "Option<u64>" => "number".to_owned(),
        "(u32, u32)" => "[number, number]".to_owned(),
        "FrameTimeSummary" => "object".to_owned(),
        "Option<serde_json::Value>" => "object".to_owned(),
        "Option<Vec<SystemTiming>>" => "array of objects".to_owned(),
        other => format!("`{other}`"),
    }
}

/// The fields of the summary line (`Summary`, with `ReloadStats` flattened
/// into it, `frame_times` and `systems` spelt out), from their doc comments.
fn summary_fields(workspace: &Path) -> Result<String> {
    let summary = struct_fields(workspace, "engine/src/runtime/report.rs", "Summary")?;
    let stats = struct_fields(workspace, "engine/src/runtime/report.rs", "ReloadStats")?;
    let frame_times = struct_fields(
        workspace,
        "engine/src/runtime/frame_times.rs",
        "FrameTimeSummary",
    )?;
    let systems = struct_fields(workspace, "engine/src/runtime/profile.rs", "SystemTiming")?;
    let mut text = String::from("| field | JSON | what |\n|---|---|---|\n");
    let mut row = |name: &str, field: &Field| {
        let absent = if field.attributes.contains("skip_serializing_if") {
            " Left out when there is none."
        } else {
            ""
        };
        let _ = writeln!(
            text,
            "| `{name}` | {} | {}{absent} |",
            json_type(&field.ty),
            field.doc
        );
    };
    for field in &summary {
        if field.attributes.contains("serde(flatten)") {
            ensure!(field.ty == "ReloadStats", "an unknown flattened field");
            for stat in &stats {
                row(&stat.name, stat);
            }
            continue;
        }
        row(&field.name, field);
        if field.name == "frame_times" {
            for inner in &frame_times {
                row(&format!("frame_times.{}", inner.name), inner);
            }
        }
        if field.name == "systems" {
            for inner in &systems {
                row(&format!("systems[].{}", inner.name), inner);
            }
        }
    }
    Ok(text)
}

/// Rustdoc's links made plain text, since their targets are not in the
/// book: ``[`Foo`](crate::Foo)`` and ``[`Foo`]`` become `` `Foo` ``.
fn plain_links(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find("[`") {
        let Some(close) = rest[open..].find("`]").map(|at| open + at) else {
            break;
        };
        out.push_str(&rest[..open]);
        let code = &rest[open + 1..close + 1];
        rest = &rest[close + 2..];
        match rest
            .strip_prefix('(')
            .and_then(|target| Some((target, target.find(')')?)))
        {
            // A web address works in the book too: the link stays.
            Some((target, end)) if target[..end].contains("://") => {
                let _ = write!(out, "[{code}]({})", &target[..end]);
                rest = &target[end + 1..];
            }
            Some((target, end)) => {
                out.push_str(code);
                rest = &target[end + 1..];
            }
            None => out.push_str(code),
        }
    }
    out.push_str(rest);
    out
}

/// The keys of a summary line, as the reference table names them
/// (`frame_times.median_ms`, `systems[].name`).
#[cfg(test)]
fn summary_keys(summary: &serde_json::Value) -> std::collections::BTreeSet<String> {
    let mut keys = std::collections::BTreeSet::new();
    for (key, value) in summary.as_object().expect("an object") {
        keys.insert(key.clone());
        match key.as_str() {
            "frame_times" => {
                for inner in value.as_object().expect("frame_times is an object").keys() {
                    keys.insert(format!("frame_times.{inner}"));
                }
            }
            "systems" => {
                for system in value.as_array().expect("systems is an array") {
                    for inner in system.as_object().expect("a system is an object").keys() {
                        keys.insert(format!("systems[].{inner}"));
                    }
                }
            }
            _ => {}
        }
    }
    keys
}

#[cfg(test)]
mod tests {
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
