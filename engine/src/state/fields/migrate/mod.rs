//! Carrying a state over a layout change by field name, element by element
//! through arrays and lists.
//!
//! The two field tables are compared once into a plan: byte copies, and for
//! each array or list whose element type changed, a plan for one element
//! applied to every element. What changed in an element is therefore found
//! once per array, not once per element, and the report stays as short for
//! 10,000 particles as for one. Applying the plan only copies bytes between
//! the two buffers: nothing is ever built on the stack.

mod report;

use hotloop_abi::reflect::FieldKind;

use super::{FieldInfo, Sequence};

pub use report::{MigrationReport, SequenceReport};

/// Copies every field of `old` whose name (or declared former name) and type
/// match a field of `new`, recursively through described structs, and the
/// elements of arrays and lists whose element type or length changed: the
/// common prefix is carried, an array's further elements keep `init`'s
/// values, a list holds the carried elements only (with zero in fields new
/// to them, as it has no `init` value for them). Both tables were checked
/// against their states' sizes when their libraries loaded.
pub fn migrate(
    old_fields: &[FieldInfo],
    old: &[u8],
    new_fields: &[FieldInfo],
    new: &mut [u8],
) -> MigrationReport {
    let mut report = MigrationReport::default();
    let mut ops = Vec::new();
    let top = Scope {
        into: None,
        path: String::new(),
        full: String::new(),
    };
    plan_fields(
        (old_fields, 0),
        (new_fields, 0),
        &top,
        &mut report,
        &mut ops,
    );
    apply(&ops, old, 0, new, 0, &mut report);
    report
}

/// One step of a plan; offsets are from the start of the state, or of the
/// element the plan is for.
#[derive(Debug)]
enum Op<'a> {
    /// `len` bytes from `from` in the old state to `to` in the new.
    Copy { from: u64, to: u64, len: u64 },
    /// An array or list, element by element.
    Elements(Box<Elements<'a>>),
    /// An enum whose variants changed, carried by variant name.
    Variant(Box<Variants>),
}

/// An enum value at `from` (`old_size` bytes) written at `to` as the
/// variant of the same name; `names[i]` is the old variant `i`'s new
/// discriminant, if it still exists.
#[derive(Debug)]
struct Variants {
    from: u64,
    to: u64,
    old_size: u64,
    new_size: u64,
    names: Vec<(u64, String, Option<u64>)>,
    /// The field's path from the state's root (`[]` for elements).
    path: String,
}

#[derive(Debug)]
struct Elements<'a> {
    /// Where the old and the new field start.
    from: u64,
    to: u64,
    old: Sequence<'a>,
    new: Sequence<'a>,
    /// The plan for one element, from each slot's start.
    element: Vec<Op<'a>>,
    /// Index of its [`SequenceReport`].
    report: usize,
}

/// Where outcomes are written: the report's own lists (top level, `into`
/// `None`) or those of the sequence whose element is being planned, with
/// paths from that element. `full` is the path from the state's root, with
/// `[]` for each enclosing element, which names nested sequences.
struct Scope {
    into: Option<usize>,
    path: String,
    full: String,
}

impl Scope {
    fn field(&self, name: &str) -> Scope {
        let dot = |path: &str| {
            if path.is_empty() {
                name.to_owned()
            } else {
                format!("{path}.{name}")
            }
        };
        Scope {
            into: self.into,
            path: dot(&self.path),
            full: dot(&self.full),
        }
    }
}

enum Outcome {
    Carried,
    Removed,
    Changed,
    Added,
}

fn record(report: &mut MigrationReport, scope: &Scope, outcome: Outcome) {
    let path = scope.path.clone();
    match scope.into {
        None => match outcome {
            Outcome::Carried => report.carried.push(path),
            Outcome::Removed => report.removed.push(path),
            Outcome::Changed => report.changed.push(path),
            Outcome::Added => report.added.push(path),
        },
        Some(index) => {
            let sequence = &mut report.sequences[index];
            match outcome {
                // Implied by the element count.
                Outcome::Carried => {}
                Outcome::Removed => sequence.removed.push(path),
                Outcome::Changed => sequence.changed.push(path),
                Outcome::Added => sequence.added.push(path),
            }
        }
    }
}

/// Plans the fields of a struct (`new`) from those of its old version
/// (`old`), each with the offset its struct starts at.
fn plan_fields<'a>(
    (old_fields, old_base): (&'a [FieldInfo], u64),
    (new_fields, new_base): (&'a [FieldInfo], u64),
    scope: &Scope,
    report: &mut MigrationReport,
    ops: &mut Vec<Op<'a>>,
) {
    let mut used = vec![false; old_fields.len()];
    for field in new_fields {
        let inner = scope.field(&field.name);
        let found = old_fields
            .iter()
            .position(|old| old.name == field.name)
            .or_else(|| {
                let former = field.old_name.as_deref()?;
                old_fields.iter().position(|old| old.name == former)
            });
        let Some(index) = found else {
            record(report, &inner, Outcome::Added);
            continue;
        };
        used[index] = true;
        let source = &old_fields[index];
        plan_value(
            (source, old_base + source.offset),
            (field, new_base + field.offset),
            &inner,
            report,
            ops,
        );
    }
    for (field, used) in old_fields.iter().zip(used) {
        if !used {
            record(report, &scope.field(&field.name), Outcome::Removed);
        }
    }
}

/// Plans one value of the new state from the old value with its name.
fn plan_value<'a>(
    (old, from): (&'a FieldInfo, u64),
    (new, to): (&'a FieldInfo, u64),
    scope: &Scope,
    report: &mut MigrationReport,
    ops: &mut Vec<Op<'a>>,
) {
    if old.fingerprint == new.fingerprint && old.size == new.size {
        push_copy(ops, from, to, new.size);
        record(report, scope, Outcome::Carried);
        return;
    }
    if old.kind == FieldKind::Struct && new.kind == FieldKind::Struct {
        plan_fields((&old.fields, from), (&new.fields, to), scope, report, ops);
        return;
    }
    if old.kind == FieldKind::Enum && new.kind == FieldKind::Enum {
        let names = old
            .fields
            .iter()
            .map(|variant| {
                let now = new.fields.iter().find(|v| v.name == variant.name);
                (variant.offset, variant.name.clone(), now.map(|v| v.offset))
            })
            .collect();
        ops.push(Op::Variant(Box::new(Variants {
            from,
            to,
            old_size: old.size,
            new_size: new.size,
            names,
            path: scope.full.clone(),
        })));
        record(report, scope, Outcome::Carried);
        return;
    }
    if let (FieldKind::Maybe, FieldKind::Maybe, [old_some, old_value], [new_some, new_value]) = (
        old.kind,
        new.kind,
        old.fields.as_slice(),
        new.fields.as_slice(),
    ) {
        // The flag goes with the value: a value that cannot be carried
        // leaves `init`'s whole `Maybe`, never `Some` of zero bytes.
        let mut value = Vec::new();
        plan_value(
            (old_value, from + old_value.offset),
            (new_value, to + new_value.offset),
            scope,
            report,
            &mut value,
        );
        if !value.is_empty() {
            push_copy(ops, from + old_some.offset, to + new_some.offset, 1);
            ops.extend(value);
        }
        return;
    }
    if let (Some(old_run), Some(new_run)) = (old.sequence(), new.sequence()) {
        let index = report.sequences.len();
        report.sequences.push(SequenceReport {
            path: scope.full.clone(),
            list: new.kind == FieldKind::List,
            old_capacity: old_run.capacity,
            new_capacity: new_run.capacity,
            ..SequenceReport::default()
        });
        let within = Scope {
            into: Some(index),
            path: String::new(),
            full: format!("{}[]", scope.full),
        };
        let mut element = Vec::new();
        plan_value(
            (old_run.element, 0),
            (new_run.element, 0),
            &within,
            report,
            &mut element,
        );
        if !element.is_empty() {
            ops.push(Op::Elements(Box::new(Elements {
                from,
                to,
                old: old_run,
                new: new_run,
                element,
                report: index,
            })));
            record(report, scope, Outcome::Carried);
            return;
        }
        // Nothing of an element carries over: the array as a whole changed.
        report.sequences.truncate(index);
    }
    record(report, scope, Outcome::Changed);
}

/// Adds a copy, merged into the previous one when both sides continue it
/// (the fields an element kept, say, are usually back to back).
fn push_copy(ops: &mut Vec<Op<'_>>, from: u64, to: u64, len: u64) {
    if let Some(Op::Copy {
        from: last_from,
        to: last_to,
        len: last_len,
    }) = ops.last_mut()
        && *last_from + *last_len == from
        && *last_to + *last_len == to
    {
        *last_len += len;
        return;
    }
    ops.push(Op::Copy { from, to, len });
}

/// Runs `ops` with the old value at `old_base` and the new at `new_base`.
fn apply(
    ops: &[Op<'_>],
    old: &[u8],
    old_base: u64,
    new: &mut [u8],
    new_base: u64,
    report: &mut MigrationReport,
) {
    for op in ops {
        match op {
            Op::Copy { from, to, len } => copy(old, old_base + from, new, new_base + to, *len),
            Op::Elements(elements) => {
                apply_elements(elements, old, old_base, new, new_base, report);
            }
            Op::Variant(variants) => apply_variant(variants, old, old_base, new, new_base, report),
        }
    }
}

fn apply_elements(
    elements: &Elements<'_>,
    old: &[u8],
    old_base: u64,
    new: &mut [u8],
    new_base: u64,
    report: &mut MigrationReport,
) {
    let Elements {
        from,
        to,
        old: old_run,
        new: new_run,
        element,
        report: index,
    } = elements;
    let (from, to) = (old_base + from, new_base + to);
    let live = old_run.live(old, from);
    let carried = live.min(new_run.capacity);
    if new_run.len_at.is_some() {
        // A list's slots are its elements or zero: none of `init`'s elements
        // stays, and fields new to the carried ones start at zero.
        let slots = new_run.slot(new_run.capacity) - new_run.items;
        fill_zero(new, to + new_run.items, slots);
    }
    let whole = matches!(element.as_slice(), [Op::Copy { from: 0, to: 0, len }]
        if *len == old_run.stride() && *len == new_run.stride());
    if whole {
        // Equal elements: the common prefix in one copy.
        let len = carried * new_run.stride();
        copy(old, from + old_run.items, new, to + new_run.items, len);
    } else {
        for slot in 0..carried {
            let (old_at, new_at) = (from + old_run.slot(slot), to + new_run.slot(slot));
            apply(element, old, old_at, new, new_at, report);
        }
    }
    if let Some(len_at) = new_run.len_at {
        let len = u32::try_from(carried).unwrap_or(u32::MAX);
        write(new, to + len_at, &len.to_le_bytes());
    }
    let sequence = &mut report.sequences[*index];
    sequence.old += live;
    sequence.carried += carried;
    sequence.dropped += live - carried;
    if new_run.len_at.is_none() {
        sequence.filled += new_run.capacity - carried;
    }
}

/// Writes the new discriminant of the old value's variant; a value whose
/// variant is gone keeps `init`'s value, and the report says so once per
/// field and variant.
fn apply_variant(
    variants: &Variants,
    old: &[u8],
    old_base: u64,
    new: &mut [u8],
    new_base: u64,
    report: &mut MigrationReport,
) {
    let from = usize::try_from(old_base + variants.from).unwrap_or(usize::MAX);
    let Some(bytes) = usize::try_from(variants.old_size)
        .ok()
        .and_then(|size| old.get(from..from.checked_add(size)?))
    else {
        return;
    };
    let mut word = [0u8; 8];
    word[..bytes.len().min(8)].copy_from_slice(&bytes[..bytes.len().min(8)]);
    let value = u64::from_le_bytes(word);
    match variants.names.iter().find(|(old, ..)| *old == value) {
        Some((_, _, Some(now))) => {
            let size = usize::try_from(variants.new_size).unwrap_or(0).min(8);
            write(new, new_base + variants.to, &now.to_le_bytes()[..size]);
        }
        Some((_, name, None)) => {
            let note = format!("{} was `{name}`", variants.path);
            if !report.lost_variants.contains(&note) {
                report.lost_variants.push(note);
            }
        }
        // Not a variant: the old state was checked, so this cannot be.
        None => {}
    }
}

/// Copies `len` bytes; the tables were checked against both sizes, so a
/// range outside either is skipped rather than trusted.
fn copy(old: &[u8], from: u64, new: &mut [u8], to: u64, len: u64) {
    let (Ok(from), Ok(to), Ok(len)) = (
        usize::try_from(from),
        usize::try_from(to),
        usize::try_from(len),
    ) else {
        return;
    };
    if let (Some(source), Some(target)) = (
        from.checked_add(len).and_then(|end| old.get(from..end)),
        to.checked_add(len).and_then(|end| new.get_mut(to..end)),
    ) {
        target.copy_from_slice(source);
    }
}

fn write(new: &mut [u8], at: u64, bytes: &[u8]) {
    let at = usize::try_from(at).unwrap_or(usize::MAX);
    if let Some(target) = at
        .checked_add(bytes.len())
        .and_then(|end| new.get_mut(at..end))
    {
        target.copy_from_slice(bytes);
    }
}

fn fill_zero(new: &mut [u8], at: u64, len: u64) {
    let (Ok(at), Ok(len)) = (usize::try_from(at), usize::try_from(len)) else {
        return;
    };
    if let Some(target) = at.checked_add(len).and_then(|end| new.get_mut(at..end)) {
        target.fill(0);
    }
}

#[cfg(test)]
mod kinds_tests;
#[cfg(test)]
mod tests;
