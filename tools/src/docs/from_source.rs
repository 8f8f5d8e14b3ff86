//! The generated parts read from the workspace's sources: the `game!` key
//! table, the entry points, the file formats and the summary's fields, from
//! their doc comments.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result, ensure};

/// The key table of `game!`'s documentation (`engine/abi/src/game.rs`, what
/// `cargo doc -p hotloop-abi` shows), checked against the keys the macro
/// takes (`__game_key_list!`, which its error messages list).
pub(super) fn game_keys(workspace: &Path) -> Result<String> {
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
pub(super) fn entry_points(workspace: &Path) -> Result<String> {
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
pub(super) fn snapshot_format(workspace: &Path) -> Result<String> {
    let format = module_doc_paragraph(workspace, "engine/src/files/snapshot.rs", "Format")?;
    Ok(format!(
        "Format version {}. {format}\n",
        engine::files::snapshot::FORMAT_VERSION
    ))
}

/// The recording file format, from `engine/src/files/recording/mod.rs`.
pub(super) fn recording_format(workspace: &Path) -> Result<String> {
    let file = "engine/src/files/recording/mod.rs";
    let format = module_doc_paragraph(workspace, file, "File format")?;
    let older = module_doc_paragraph(workspace, file, "Older versions")?;
    Ok(format!(
        "Format version {}. {format}\n\n{older}\n",
        engine::files::recording::FORMAT_VERSION
    ))
}

/// The crash journal's file format, from `engine/src/files/journal/mod.rs`.
pub(super) fn journal_format(workspace: &Path) -> Result<String> {
    let format = module_doc_paragraph(workspace, "engine/src/files/journal/mod.rs", "File format")?;
    Ok(format!("{format}\n"))
}

/// The fields of a player's crash report, from `CrashReport`'s doc comments.
pub(super) fn crash_report_fields(workspace: &Path) -> Result<String> {
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
pub(super) fn summary_fields(workspace: &Path) -> Result<String> {
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
pub(super) fn plain_links(text: &str) -> String {
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
pub(super) fn summary_keys(summary: &serde_json::Value) -> std::collections::BTreeSet<String> {
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
