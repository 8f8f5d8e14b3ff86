//! A library whose field table lies about the state is refused, and the
//! old one keeps running.

use super::*;

/// A game library written by hand, with its own `unsafe` and no `game!`,
/// whose `state_fields` hands the engine `table`, claiming `claimed` bytes.
fn hostile_library(name: &str, table: &[u8], claimed: usize) -> PathBuf {
    let variant = Variant::of_demo(&format!("hostile-{name}"));
    variant.write(
        "lib.rs",
        &format!(
            r#"//! A hostile library: hand-written exports whose field table lies.
use hotloop_abi::{{Frame, Message, RawCanvas, StateLayout, Status}};

static TABLE: &[u8] = &{table:?};

#[unsafe(no_mangle)]
pub extern "C" fn abi_version() -> u32 {{
    hotloop_abi::ABI_VERSION
}}

#[unsafe(no_mangle)]
pub extern "C" fn state_layout() -> StateLayout {{
    StateLayout {{ size: 16, align: 8, fingerprint: 0x0bad_f00d }}
}}

/// # Safety
/// `out` holds `capacity` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn state_fields(out: *mut u8, capacity: usize) -> usize {{
    if !out.is_null() && TABLE.len() <= capacity {{
        unsafe {{ std::ptr::copy_nonoverlapping(TABLE.as_ptr(), out, TABLE.len()) }};
    }}
    {claimed}
}}

#[unsafe(no_mangle)]
pub extern "C" fn greet(_out: *mut Message) -> Status {{ Status::OK }}
#[unsafe(no_mangle)]
pub extern "C" fn init(_state: *mut u8, _error: *mut Message) -> Status {{ Status::OK }}
#[unsafe(no_mangle)]
pub extern "C" fn update(_state: *mut u8, _frame: *const Frame<'_>, _error: *mut Message) -> Status {{ Status::OK }}
#[unsafe(no_mangle)]
pub extern "C" fn render(_state: *const u8, _frame: *const Frame<'_>, _canvas: *mut RawCanvas, _error: *mut Message) -> Status {{ Status::OK }}
#[unsafe(no_mangle)]
pub extern "C" fn describe(_state: *const u8, _out: *mut Message) -> Status {{ Status::OK }}
"#
        ),
    );
    variant.build()
}

fn field(name: &'static str, offset: usize, size: usize, kind: FieldKind) -> Field {
    Field {
        name,
        old_name: None,
        type_name: "t",
        offset,
        size,
        align: 1,
        fingerprint: 1,
        kind,
        fields: &[],
    }
}

fn table(fields: &[Field]) -> Vec<u8> {
    let mut out = Vec::new();
    encode(fields, &mut out);
    out
}

#[test]
fn libraries_whose_field_table_lies_are_refused_and_the_old_one_runs_on() {
    let non_utf8 = {
        let mut bytes = 1u32.to_le_bytes().to_vec();
        bytes.extend_from_slice(&2u16.to_le_bytes());
        bytes.extend_from_slice(&[0xff, 0xfe]);
        bytes
    };
    let whole = table(&[field("a", 0, 4, FieldKind::U32)]);
    let ten_million = 10_000_000u32.to_le_bytes().to_vec();
    let cases: Vec<(&str, Vec<u8>, usize, &str)> = vec![
        (
            "past-the-state",
            table(&[field("far", 64, 8, FieldKind::U64)]),
            0,
            "field `far` (offset 64, 8 bytes) lies outside its 16-byte struct",
        ),
        (
            "overlapping",
            table(&[
                field("a", 0, 4, FieldKind::U32),
                field("b", 2, 4, FieldKind::U32),
            ]),
            0,
            "fields `a` and `b` overlap",
        ),
        ("ten-million", ten_million, 0, "more than 10000 fields"),
        (
            "larger-than-the-buffer",
            whole.clone(),
            1 << 30,
            "more than the 1048576 accepted",
        ),
        ("non-utf8", non_utf8, 0, "a field name is not UTF-8"),
        (
            "bigger-than-the-layout",
            table(&[field("state", 0, 32, FieldKind::Opaque)]),
            0,
            "field `state` (offset 0, 32 bytes) lies outside its 16-byte struct",
        ),
        (
            "lying-array",
            table(&[Field {
                fields: Box::leak(Box::new([field("[]", 0, 3, FieldKind::Opaque)])),
                ..field("cells", 0, 16, FieldKind::Array)
            }]),
            0,
            "array `cells` (16 bytes) is not a whole number of its 3-byte elements",
        ),
        (
            "trailing-bytes",
            whole.clone(),
            whole.len() + 4,
            "4 bytes after the field table",
        ),
    ];
    let libraries: Vec<_> = cases
        .iter()
        .map(|(name, table, claimed, _)| {
            let claimed = if *claimed == 0 { table.len() } else { *claimed };
            hostile_library(name, table, claimed)
        })
        .collect();

    let dir = tempfile::tempdir().unwrap();
    let library = dir.path().join("libgame.so");
    fs::copy(demo_library(), &library).unwrap();
    let mut engine = Engine::new(EngineConfig::new(&library)).expect("engine starts");
    run(&mut engine, 3);
    for (failures, ((name, _, _, reason), hostile)) in (1..).zip(cases.iter().zip(&libraries)) {
        let before = ticks(engine.state_bytes());
        hotloop_tests::install(hostile, &library);
        boundaries_until(&mut engine, name, |e| e.stats().failed_reloads == failures);
        let error = engine.current_error().unwrap_or_default().to_owned();
        assert!(
            error.contains("describes its state with a malformed field table")
                && error.contains(reason),
            "{name}: {error}"
        );
        run(&mut engine, 1);
        assert_eq!(
            ticks(engine.state_bytes()),
            before + 1,
            "{name}: the demo runs on"
        );
        assert_eq!(engine.generation(), 1, "{name}");
    }
}
