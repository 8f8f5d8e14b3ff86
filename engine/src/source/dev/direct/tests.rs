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

/// The recorded command of a game `g` in `dir`, compiled by the stand-in
/// script `rustc` (made executable here) with `env`.
fn stand_in(dir: &Path, rustc: PathBuf, env: Vec<(String, String)>) -> Invocation {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&rustc, fs::Permissions::from_mode(0o755)).unwrap();
    Invocation {
        rustc,
        args: ["--crate-name", "g", "src/lib.rs", "--out-dir"]
            .map(String::from)
            .into_iter()
            .chain([dir.join("deps").display().to_string()])
            .collect(),
        env,
        cwd: dir.to_path_buf(),
        rustc_modified: None,
    }
}

#[test]
fn a_build_that_rust_lld_cannot_link_is_linked_as_recorded_and_the_session_stops_trying() {
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
    let library = dir.path().join("hotloop-dev/libg.so");
    let invocation = stand_in(
        dir.path(),
        rustc,
        vec![("LIBRARY".into(), library.display().to_string())],
    );
    let mut fast_link = Some(FastLink::with_linker(Path::new("/nowhere/rust-lld")));
    let outcome = invocation.build(&mut fast_link, &Cancel::default());
    assert!(
        matches!(&outcome, Outcome::Built(built) if *built == library),
        "{outcome:?}"
    );
    assert_eq!(fast_link, None, "the session links through cc from now on");
}

#[test]
fn a_cancelled_build_stops_with_the_linker_it_started_and_counts_for_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // A stand-in rustc that starts a "linker" (which says who it is) and
    // waits for it; only a kill ends either.
    let rustc = dir.path().join("rustc");
    let linker = dir.path().join("linker.pid");
    // What the last finished build left, which stays.
    let out = dir.path().join("hotloop-dev");
    fs::create_dir_all(out.join("incremental")).unwrap();
    fs::write(out.join("libg.so"), b"the last build").unwrap();
    fs::write(
        &rustc,
        "#!/bin/sh\nmkdir -p \"$OUT/rustcAbC123\"\ntouch \"$OUT/g.a1.rcgu.o\" \"$OUT/libg.so.tmp1f\"\nsleep 600 &\necho $! > \"$LINKER.part\"\nmv \"$LINKER.part\" \"$LINKER\"\nwait\n",
    )
    .unwrap();
    let invocation = stand_in(
        dir.path(),
        rustc,
        vec![
            ("LINKER".into(), linker.display().to_string()),
            ("OUT".into(), out.display().to_string()),
        ],
    );
    let cancel = Cancel::default();
    let (done, outcome) = std::sync::mpsc::channel();
    let building = cancel.clone();
    std::thread::spawn(move || {
        let mut fast_link = Some(FastLink::with_linker(Path::new("/nowhere/rust-lld")));
        let outcome = invocation.build(&mut fast_link, &building);
        let _ = done.send((outcome, fast_link.is_some()));
    });
    // Wait for the event (the linker running), not for a time.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !linker.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the stand-in never started"
        );
        std::thread::yield_now();
    }
    let pid = fs::read_to_string(&linker).unwrap().trim().to_owned();
    cancel.cancel();
    let (outcome, kept_fast_link) = outcome
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the cancelled build returns");
    assert!(matches!(outcome, Outcome::Cancelled), "{outcome:?}");
    assert!(kept_fast_link, "a stopped build says nothing about linking");
    // The linker is gone too, or a zombie no one has reaped yet (it may take
    // a moment to finish exiting after it closed its output).
    let state = || {
        let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let state = stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .next();
        state.map(str::to_owned)
    };
    while !matches!(state().as_deref(), None | Some("Z" | "X")) {
        assert!(
            std::time::Instant::now() < deadline,
            "the linker still runs: {:?}",
            state()
        );
        std::thread::yield_now();
    }
    // What the stopped build left is gone; the cache and the last library stay.
    let mut left: Vec<_> = fs::read_dir(&out)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(left, ["incremental", "libg.so"]);
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
