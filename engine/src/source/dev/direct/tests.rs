use super::*;

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

#[test]
fn only_the_game_crates_library_is_recorded() {
    let game = OsString::from("game_logic");
    assert!(is_cdylib_of(
        &os(&[
            "--crate-name",
            "game_logic",
            "--crate-type",
            "cdylib",
            "--crate-type",
            "rlib"
        ]),
        &game
    ));
    assert!(!is_cdylib_of(
        &os(&["--crate-name", "hotloop_abi", "--crate-type", "lib"]),
        &game
    ));
    assert!(!is_cdylib_of(
        &os(&["--crate-name", "game_logic", "--crate-type", "rlib"]),
        &game
    ));
}

#[test]
fn rustcs_json_lines_are_read_as_artifacts_and_diagnostics() {
    let artifact = r#"{"$message_type":"artifact","artifact":"./libgood.so","emit":"link"}"#;
    assert!(matches!(
        serde_json::from_str(artifact),
        Ok(RustcLine::Artifact { artifact, emit }) if artifact == "./libgood.so" && emit == "link"
    ));
    let error = r#"{"$message_type":"diagnostic","message":"expected expression, found `}`","code":null,"level":"error","spans":[{"file_name":"bad.rs","byte_start":24,"byte_end":25,"line_start":1,"line_end":1,"column_start":25,"column_end":26,"is_primary":true,"text":[{"text":"pub fn f() -> u32 { 1 + }","highlight_start":25,"highlight_end":26}],"label":"expected expression","suggested_replacement":null,"suggestion_applicability":null,"expansion":null}],"children":[],"rendered":"error: expected expression, found `}`\n"}"#;
    let Ok(RustcLine::Diagnostic(diagnostic)) = serde_json::from_str(error) else {
        panic!("rustc's diagnostic line is not read as one");
    };
    let mut diagnostics = Diagnostics::default();
    diagnostics.read(&diagnostic);
    assert_eq!(
        diagnostics.first_error.unwrap().short,
        "error: expected expression, found `}` at bad.rs:1:25"
    );
    assert!(serde_json::from_str::<RustcLine>("warning: not JSON").is_err());
}

#[test]
fn direct_builds_emit_the_library_alone_with_a_cache_of_their_own() {
    let invocation = Invocation {
        rustc: PathBuf::from("/bin/rustc"),
        args: [
            "--crate-name",
            "g",
            "src/lib.rs",
            "--crate-type",
            "cdylib",
            "--crate-type",
            "rlib",
            "--emit=dep-info,link",
            "-C",
            "incremental=/w/target/debug/incremental",
            "-C",
            "codegen-units=16",
            "--out-dir",
            "/w/target/debug/deps",
        ]
        .map(String::from)
        .to_vec(),
        env: Vec::new(),
        cwd: PathBuf::from("/w"),
        rustc_modified: None,
    };
    let out = invocation.out_dir().unwrap();
    assert_eq!(
        invocation.library_only(&out).join(" "),
        "--crate-name g src/lib.rs --crate-type cdylib --emit=link \
         -C incremental=/w/target/debug/hotloop-dev/incremental -C codegen-units=16 \
         --out-dir /w/target/debug/hotloop-dev"
    );
}

#[test]
fn a_build_that_rust_lld_cannot_link_is_linked_as_recorded_and_the_session_stops_trying() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    // A stand-in rustc: fails to link when asked to use rust-lld itself,
    // else "writes" the library and says so, as rustc does.
    let rustc = dir.path().join("rustc");
    fs::write(
        &rustc,
        r#"#!/bin/sh
case "$*" in
  *linker-flavor=ld.lld*)
echo '{"$message_type":"diagnostic","message":"linking with `rust-lld` failed: exit status: 1","code":null,"level":"error","spans":[],"children":[],"rendered":"error: linking with `rust-lld` failed: exit status: 1\n"}' >&2
exit 1;;
esac
touch "$LIBRARY"
echo "{\"\$message_type\":\"artifact\",\"artifact\":\"$LIBRARY\",\"emit\":\"link\"}" >&2
"#,
    )
    .unwrap();
    fs::set_permissions(&rustc, fs::Permissions::from_mode(0o755)).unwrap();
    let library = dir.path().join("hotloop-dev/libg.so");
    let invocation = Invocation {
        rustc,
        args: ["--crate-name", "g", "src/lib.rs", "--out-dir"]
            .map(String::from)
            .into_iter()
            .chain([dir.path().join("deps").display().to_string()])
            .collect(),
        env: vec![("LIBRARY".into(), library.display().to_string())],
        cwd: dir.path().to_path_buf(),
        rustc_modified: None,
    };
    let mut fast_link = Some(FastLink::with_linker(Path::new("/nowhere/rust-lld")));
    let outcome = invocation.build(&mut fast_link);
    assert!(
        matches!(&outcome, Outcome::Built(built) if *built == library),
        "{outcome:?}"
    );
    assert_eq!(fast_link, None, "the session links through cc from now on");
}

#[test]
fn direct_builds_write_beside_cargos_output() {
    let invocation = Invocation {
        rustc: PathBuf::from("/bin/rustc"),
        args: ["--crate-name", "g", "--out-dir", "/w/target/debug/deps"]
            .map(String::from)
            .to_vec(),
        env: Vec::new(),
        cwd: PathBuf::from("/w"),
        rustc_modified: None,
    };
    assert_eq!(
        invocation.out_dir(),
        Some(PathBuf::from("/w/target/debug/hotloop-dev"))
    );
}

#[test]
fn a_recording_of_another_compiler_is_not_used() {
    let dir = tempfile::tempdir().unwrap();
    let rustc = dir.path().join("rustc");
    fs::write(&rustc, "").unwrap();
    let file = dir.path().join("capture.json");
    let invocation = Invocation {
        rustc: rustc.clone(),
        args: Vec::new(),
        env: Vec::new(),
        cwd: dir.path().to_path_buf(),
        rustc_modified: modified(&rustc),
    };
    invocation.save(&file).unwrap();
    assert_eq!(Invocation::load(&file), Some(invocation));
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(3600);
    let file_of_rustc = fs::File::options().write(true).open(&rustc).unwrap();
    file_of_rustc.set_modified(later).unwrap();
    assert_eq!(Invocation::load(&file), None);
}
