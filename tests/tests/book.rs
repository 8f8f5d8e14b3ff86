//! The book (`docs/src/`) and the README, checked where mdBook does not
//! check them:
//!
//! - every relative link leads to a file that exists (for the book: a
//!   chapter listed in `SUMMARY.md`, inside `docs/src/`, since nothing else
//!   is in the built book), every `#anchor` to a heading of that page (with
//!   the ids mdBook 0.5 gives headings), and every image is there; every
//!   chapter file is listed in `SUMMARY.md`. The Markdown is read with
//!   pulldown-cmark and the options mdBook uses, so a link inside a code
//!   block is not a link;
//! - every Rust example that is not a quote of a file compiles (quotes are
//!   checked against their files by the tutorial test);
//! - the apt line and the two commands are the same in the README, the book
//!   and `.ci/run`, and every `HOTLOOP_…` variable is in the reference.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs;
use std::path::{Component, Path, PathBuf};

use hotloop_tests::workspace;
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// The parser options of mdBook 0.5.4 (`mdbook_markdown::new_cmark_parser`
/// with its defaults).
fn parser(text: &str) -> pulldown_cmark::OffsetIter<'_> {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_FOOTNOTES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TASKLISTS);
    options.insert(Options::ENABLE_HEADING_ATTRIBUTES);
    options.insert(Options::ENABLE_SMART_PUNCTUATION);
    options.insert(Options::ENABLE_DEFINITION_LIST);
    options.insert(Options::ENABLE_GFM);
    Parser::new_ext(text, options).into_offset_iter()
}

/// mdBook's id for a heading's text (`mdbook_html::utils::id_from_content`).
fn id_from_content(content: &str) -> String {
    content
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|ch| {
            if ch.is_alphanumeric() || ch == '_' || ch == '-' {
                Some(ch)
            } else if ch.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

/// A link, an image or an HTML `src`/`href` in a page.
#[derive(Debug)]
struct Link {
    target: String,
    image: bool,
    line: usize,
}

/// What the checks need of one page.
#[derive(Debug, Default)]
struct Page {
    links: Vec<Link>,
    /// Heading ids, as mdBook makes them (duplicates get `-1`, `-2`, …).
    anchors: HashSet<String>,
}

fn read_page(text: &str) -> Page {
    let line_of = |offset: usize| text[..offset].matches('\n').count() + 1;
    let mut page = Page::default();
    // mdBook numbers duplicate ids across headings and definition terms.
    let mut heading: Option<(String, Option<String>)> = None;
    for (event, range) in parser(text) {
        match event {
            Event::Start(Tag::Heading { id, .. }) => {
                heading = Some((String::new(), id.map(|id| id.to_string())));
            }
            Event::Start(Tag::DefinitionListTitle) => heading = Some((String::new(), None)),
            Event::End(TagEnd::Heading(_) | TagEnd::DefinitionListTitle) => {
                let (content, id) = heading.take().expect("a heading was open");
                let mut id = id.unwrap_or_else(|| id_from_content(&content));
                if page.anchors.contains(&id) {
                    let base = id.clone();
                    id = (1..)
                        .map(|n| format!("{base}-{n}"))
                        .find(|candidate| !page.anchors.contains(candidate))
                        .expect("a free id");
                }
                page.anchors.insert(id);
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((content, _)) = &mut heading {
                    content.push_str(&t);
                }
            }
            Event::Start(Tag::Link { dest_url, .. }) => page.links.push(Link {
                target: dest_url.to_string(),
                image: false,
                line: line_of(range.start),
            }),
            Event::Start(Tag::Image { dest_url, .. }) => page.links.push(Link {
                target: dest_url.to_string(),
                image: true,
                line: line_of(range.start),
            }),
            Event::Html(html) | Event::InlineHtml(html) => {
                for (attribute, image) in [("src=\"", true), ("href=\"", false)] {
                    let mut rest = &*html;
                    while let Some(at) = rest.find(attribute) {
                        rest = &rest[at + attribute.len()..];
                        let end = rest.find('"').unwrap_or(rest.len());
                        page.links.push(Link {
                            target: rest[..end].to_owned(),
                            image,
                            line: line_of(range.start),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    page
}

/// `path` with `.` and `..` taken out (the files need not exist).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The Markdown files under `dir`, at any depth, sorted.
fn markdown_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Every problem with the links of the README and the book in `root` (a
/// workspace: `README.md`, `docs/src/SUMMARY.md` and the chapters), as
/// `file:line: what`.
fn link_problems(root: &Path) -> Vec<String> {
    let book = root.join("docs/src");
    let chapters = markdown_files(&book);
    let mut files = vec![root.join("README.md")];
    files.extend(chapters.iter().cloned());
    let pages: BTreeMap<PathBuf, Page> = files
        .iter()
        .map(|file| (file.clone(), read_page(&fs::read_to_string(file).unwrap())))
        .collect();
    let summary = book.join("SUMMARY.md");
    let listed: BTreeSet<PathBuf> = pages[&summary]
        .links
        .iter()
        .map(|link| normalize(&book.join(&link.target)))
        .collect();
    let mut problems = Vec::new();
    let shown = |path: &Path| {
        path.strip_prefix(root)
            .unwrap_or(path)
            .display()
            .to_string()
    };
    for chapter in &chapters {
        if *chapter != summary && !listed.contains(chapter) {
            problems.push(format!(
                "{}: not listed in docs/src/SUMMARY.md, so not in the book",
                shown(chapter)
            ));
        }
    }
    for (file, page) in &pages {
        let in_book = file.starts_with(&book);
        for link in &page.links {
            let at = format!("{}:{}", shown(file), link.line);
            let target = &link.target;
            // A web address (https:, mailto:) is not checked here.
            if target.split_once(':').is_some_and(|(scheme, _)| {
                !scheme.is_empty()
                    && scheme
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
            }) {
                continue;
            }
            let (path, anchor) = match target.split_once('#') {
                Some((path, anchor)) => (path, Some(anchor)),
                None => (target.as_str(), None),
            };
            let resolved = if path.is_empty() {
                file.clone()
            } else {
                normalize(&file.parent().unwrap().join(path))
            };
            if path.is_empty() && anchor.is_none() {
                problems.push(format!("{at}: an empty link"));
                continue;
            }
            if !resolved.exists() {
                let what = if link.image { "image" } else { "link" };
                problems.push(format!("{at}: {what} to {target}: no such file"));
                continue;
            }
            if in_book && !resolved.starts_with(&book) {
                problems.push(format!(
                    "{at}: link to {target}: outside docs/src/, so not in the built book"
                ));
                continue;
            }
            let is_chapter = resolved.extension().is_some_and(|e| e == "md");
            if in_book && is_chapter && !listed.contains(&resolved) {
                problems.push(format!(
                    "{at}: link to {target}: not a chapter of docs/src/SUMMARY.md"
                ));
                continue;
            }
            if let Some(anchor) = anchor {
                match pages.get(&resolved) {
                    Some(target_page) if target_page.anchors.contains(anchor) => {}
                    Some(_) => problems.push(format!(
                        "{at}: link to {target}: {} has no heading with the id `{anchor}`",
                        shown(&resolved)
                    )),
                    None => problems.push(format!(
                        "{at}: link to {target}: an anchor into a file that is not a page"
                    )),
                }
            }
        }
    }
    problems
}

#[test]
fn every_link_anchor_and_image_of_the_readme_and_the_book_resolves() {
    let problems = link_problems(&workspace());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The check itself, on a small book with one of each mistake.
#[test]
fn a_broken_link_a_missing_anchor_and_a_missing_image_are_found() {
    let root = tempfile::tempdir().unwrap();
    let book = root.path().join("docs/src");
    fs::create_dir_all(book.join("guide")).unwrap();
    fs::write(
        root.path().join("README.md"),
        "See [the guide](docs/src/guide/a.md#the-games-keys).\n\
         And [a heading that is not there](docs/src/guide/a.md#nothing).\n",
    )
    .unwrap();
    fs::write(
        book.join("SUMMARY.md"),
        "# Summary\n\n- [A](guide/a.md)\n- [Gone](guide/gone.md)\n",
    )
    .unwrap();
    fs::write(
        book.join("guide/a.md"),
        "# A\n\n## The `game!`'s keys\n\n## Twice\n\n## Twice\n\n\
         [fine](#twice-1) [fine too](#the-games-keys) [wrong](#twice-2)\n\
         ![a picture](../images/nope.png) [outside](../../../README.md)\n\
         [orphan](b.md)\n\n```text\n[not a link](nowhere.md)\n```\n",
    )
    .unwrap();
    fs::write(book.join("guide/b.md"), "# B\n").unwrap();
    let problems = link_problems(root.path());
    let expected = [
        "README.md:2: link to docs/src/guide/a.md#nothing: docs/src/guide/a.md has no heading with the id `nothing`",
        "docs/src/SUMMARY.md:4: link to guide/gone.md: no such file",
        "docs/src/guide/a.md:9: link to #twice-2: docs/src/guide/a.md has no heading with the id `twice-2`",
        "docs/src/guide/a.md:10: image to ../images/nope.png: no such file",
        "docs/src/guide/a.md:10: link to ../../../README.md: outside docs/src/, so not in the built book",
        "docs/src/guide/a.md:11: link to b.md: not a chapter of docs/src/SUMMARY.md",
        "docs/src/guide/b.md: not listed in docs/src/SUMMARY.md, so not in the book",
    ];
    let found: BTreeSet<&str> = problems.iter().map(String::as_str).collect();
    assert_eq!(found, expected.into_iter().collect(), "{problems:#?}");
}

/// Every `HOTLOOP_…` environment variable the code, the tests or CI use is
/// named on the book's environment page.
#[test]
fn every_hotloop_environment_variable_is_in_the_reference() {
    let root = workspace();
    let page = fs::read_to_string(root.join("docs/src/reference/environment.md")).unwrap();
    let mut used = BTreeSet::new();
    let mut dirs: Vec<PathBuf> = [
        "engine",
        "game-logic",
        "examples",
        "tests",
        "tools",
        "fuzz",
        ".ci",
    ]
    .iter()
    .map(|dir| root.join(dir))
    .collect();
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                if !path.ends_with("target") {
                    dirs.push(path);
                }
                continue;
            }
            let Ok(text) = fs::read_to_string(&path) else {
                continue;
            };
            for (at, _) in text.match_indices("HOTLOOP_") {
                // `__HOTLOOP_GAME` is a static `game!` defines, not a variable.
                if text[..at].ends_with('_') {
                    continue;
                }
                let name: String = text[at..]
                    .chars()
                    .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                    .collect();
                // `HOTLOOP_` alone, in this very check.
                if name.len() > "HOTLOOP_".len() {
                    used.insert(name);
                }
            }
        }
    }
    assert!(used.len() >= 10, "only {used:?}");
    let missing: Vec<&String> = used
        .iter()
        .filter(|name| !page.contains(&format!("`{name}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/src/reference/environment.md does not name {missing:?}"
    );
}

/// The code blocks that start with `sudo apt-get install` in the README
/// and the book.
fn apt_lines(text: &str) -> Vec<String> {
    text.lines()
        .filter(|line| line.starts_with("sudo apt-get install "))
        .map(str::to_owned)
        .collect()
}

/// The README and the book give one apt line, word for word, and it
/// installs exactly the packages `.ci/run` installs.
#[test]
fn the_apt_line_is_the_same_everywhere_and_is_what_ci_installs() {
    let root = workspace();
    let readme = apt_lines(&fs::read_to_string(root.join("README.md")).unwrap());
    assert_eq!(readme.len(), 1, "the README gives one apt line");
    let mut in_book = 0;
    for chapter in ["guide/running.md", "tutorial/1-run-it.md"] {
        let text = fs::read_to_string(root.join("docs/src").join(chapter)).unwrap();
        for line in apt_lines(&text) {
            assert_eq!(
                line, readme[0],
                "{chapter}'s apt line differs from the README's"
            );
            in_book += 1;
        }
    }
    assert_eq!(in_book, 2, "the running chapter and part 1 each give it");
    let packages: BTreeSet<&str> = readme[0]
        .trim_start_matches("sudo apt-get install ")
        .split_whitespace()
        .collect();
    let ci = fs::read_to_string(root.join(".ci/run")).unwrap();
    let list = &ci[ci.find("packages=(").expect("the package list") + "packages=(".len()..];
    let list = &list[..list.find("\n)").expect("its end")];
    let ci_packages: BTreeSet<&str> = list
        .lines()
        .map(|line| line.split('#').next().unwrap())
        .flat_map(str::split_whitespace)
        .collect();
    assert_eq!(packages, ci_packages);
}

/// The README's two commands are the book's, and `.ci/run` runs the test
/// command they give.
#[test]
fn the_two_commands_are_the_same_in_the_readme_the_book_and_ci() {
    let root = workspace();
    let block = |text: &str| {
        let start = text.find("```sh\ncargo dev ").expect("the two commands") + "```sh\n".len();
        text[start..start + text[start..].find("```").unwrap()].to_owned()
    };
    let readme = block(&fs::read_to_string(root.join("README.md")).unwrap());
    let book = block(&fs::read_to_string(root.join("docs/src/guide/running.md")).unwrap());
    assert_eq!(readme, book);
    let test = readme
        .lines()
        .find(|line| line.starts_with("cargo test"))
        .and_then(|line| line.split('#').next())
        .map(str::trim)
        .expect("the test command");
    let ci = fs::read_to_string(root.join(".ci/run")).unwrap();
    assert!(
        ci.lines()
            .any(|line| !line.starts_with('#') && line.trim_end().ends_with(test)),
        "`.ci/run` does not run `{test}`"
    );
}

/// A ```` ```rust ```` block of the book that is not a quote of a file
/// (`// file: …`, checked by the tutorial test), with mdBook's hidden lines
/// (`# …`) shown: the source it stands for.
struct Example {
    chapter: String,
    line: usize,
    source: String,
}

fn rust_examples(book: &Path) -> Vec<Example> {
    let mut examples = Vec::new();
    for file in markdown_files(book) {
        let text = fs::read_to_string(&file).unwrap();
        let mut lines = text.lines().enumerate();
        while let Some((at, line)) = lines.next() {
            let Some(info) = line.strip_prefix("```") else {
                continue;
            };
            let block: Vec<&str> = lines
                .by_ref()
                .map(|(_, l)| l)
                .take_while(|l| !l.starts_with("```"))
                .collect();
            let rust = info.split(',').next() == Some("rust");
            if !rust
                || info.contains("ignore")
                || block.first().is_some_and(|l| l.starts_with("// file: "))
            {
                continue;
            }
            let source: Vec<&str> = block
                .iter()
                .map(|l| match l.strip_prefix("# ") {
                    Some(hidden) => hidden,
                    None if l.trim() == "#" => "",
                    None => l,
                })
                .collect();
            examples.push(Example {
                chapter: file.strip_prefix(book).unwrap().display().to_string(),
                line: at + 1,
                source: source.join("\n"),
            });
        }
    }
    examples
}

/// Every Rust example of the book compiles, as a game crate of its own
/// with `#![forbid(unsafe_code)]`, against this workspace's `hotloop-abi`.
#[test]
fn every_rust_example_in_the_book_compiles() {
    let root = workspace();
    let examples = rust_examples(&root.join("docs/src"));
    assert!(examples.len() >= 15, "only {} examples", examples.len());
    let dir = hotloop_tests::variants_dir().join("book-examples");
    let _ = fs::remove_dir_all(dir.join("crates"));
    let abi = root.join("engine/abi");
    let mut members = Vec::new();
    for (n, example) in examples.iter().enumerate() {
        let name = format!("example-{n:02}");
        let krate = dir.join("crates").join(&name);
        fs::create_dir_all(&krate).unwrap();
        fs::write(
            krate.join("Cargo.toml"),
            format!(
                "# {}:{}\n[package]\nname = \"book-{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
                 [lib]\npath = \"lib.rs\"\n\n[dependencies]\nhotloop-abi = {{ path = {:?} }}\n",
                example.chapter,
                example.line,
                abi.display().to_string()
            ),
        )
        .unwrap();
        fs::write(
            krate.join("lib.rs"),
            format!(
                "//! {}:{}\n#![forbid(unsafe_code)]\n#![allow(dead_code, unused)]\n\n{}\n",
                example.chapter, example.line, example.source
            ),
        )
        .unwrap();
        members.push(format!("\"crates/{name}\""));
    }
    fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"3\"\nmembers = [{}]\n",
            members.join(", ")
        ),
    )
    .unwrap();
    fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let output =
        std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(["build", "--quiet", "--workspace", "--manifest-path"])
            .arg(dir.join("Cargo.toml"))
            .arg("--target-dir")
            .arg(dir.join("target"))
            .output()
            .unwrap();
    let index: Vec<String> = examples
        .iter()
        .enumerate()
        .map(|(n, e)| format!("book-example-{n:02}: docs/src/{}:{}", e.chapter, e.line))
        .collect();
    assert!(
        output.status.success(),
        "a Rust example of the book does not compile:\n{}\n{}",
        String::from_utf8_lossy(&output.stderr),
        index.join("\n")
    );
}
