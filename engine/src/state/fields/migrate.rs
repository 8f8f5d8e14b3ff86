//! Carrying a state over a layout change by field name.

use hotloop_abi::reflect::FieldKind;

use super::FieldInfo;

/// What an automatic migration did, by field path.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MigrationReport {
    /// Fields whose values were carried over.
    pub carried: Vec<String>,
    /// Old fields with no counterpart in the new state.
    pub removed: Vec<String>,
    /// Fields whose type changed (the new state has `init`'s value).
    pub changed: Vec<String>,
    /// New fields (they have `init`'s value).
    pub added: Vec<String>,
}

impl std::fmt::Display for MigrationReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "carried over {} field(s) by name", self.carried.len())?;
        for (label, list) in [
            ("removed", &self.removed),
            ("changed type", &self.changed),
            ("new", &self.added),
        ] {
            if !list.is_empty() {
                write!(f, "; {label}: {}", list.join(", "))?;
            }
        }
        Ok(())
    }
}

/// Copies every field of `old` whose name (or declared former name) and type
/// match a field of `new`, recursively through described structs. Both tables
/// were checked against their states' sizes when their libraries loaded.
pub fn migrate(
    old_fields: &[FieldInfo],
    old: &[u8],
    new_fields: &[FieldInfo],
    new: &mut [u8],
) -> MigrationReport {
    let mut report = MigrationReport::default();
    carry(old_fields, old, 0, new_fields, new, 0, "", &mut report);
    report
}

#[allow(clippy::too_many_arguments)] // Two (table, bytes, base) triples and the output.
fn carry(
    old_fields: &[FieldInfo],
    old: &[u8],
    old_base: u64,
    new_fields: &[FieldInfo],
    new: &mut [u8],
    new_base: u64,
    prefix: &str,
    report: &mut MigrationReport,
) {
    let mut used = vec![false; old_fields.len()];
    for field in new_fields {
        let path = format!("{prefix}{}", field.name);
        let found = old_fields
            .iter()
            .position(|old| old.name == field.name)
            .or_else(|| {
                let former = field.old_name.as_deref()?;
                old_fields.iter().position(|old| old.name == former)
            });
        let Some(index) = found else {
            report.added.push(path);
            continue;
        };
        used[index] = true;
        let source = &old_fields[index];
        let (from, to) = (old_base + source.offset, new_base + field.offset);
        if source.fingerprint == field.fingerprint && source.size == field.size {
            let (from, to, len) = (from as usize, to as usize, field.size as usize);
            if let (Some(bytes), Some(target)) =
                (old.get(from..from + len), new.get_mut(to..to + len))
            {
                target.copy_from_slice(bytes);
                report.carried.push(path);
                continue;
            }
        }
        if source.kind == FieldKind::Struct && field.kind == FieldKind::Struct {
            carry(
                &source.fields,
                old,
                from,
                &field.fields,
                new,
                to,
                &format!("{path}."),
                report,
            );
        } else {
            report.changed.push(path);
        }
    }
    for (field, used) in old_fields.iter().zip(used) {
        if !used {
            report.removed.push(format!("{prefix}{}", field.name));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::fields::decode;
    use crate::state::fields::decode::tests::{field, layout, table};

    #[test]
    fn migration_carries_matching_fields_and_reports_the_rest() {
        let old = decode(
            &table(&[
                field("ticks", 0, 8, FieldKind::U64, 1),
                field("gone", 8, 4, FieldKind::U32, 2),
                field("speed", 12, 4, FieldKind::F32, 3),
            ]),
            layout(16),
        )
        .unwrap();
        let new = decode(
            &table(&[
                field("speed", 0, 8, FieldKind::F64, 4),
                field("ticks", 8, 8, FieldKind::U64, 1),
                field("fresh", 16, 4, FieldKind::U32, 5),
            ]),
            layout(24),
        )
        .unwrap();
        let mut old_bytes = vec![0u8; 16];
        old_bytes[..8].copy_from_slice(&42u64.to_le_bytes());
        let mut new_bytes = vec![0u8; 24];
        let report = migrate(&old, &old_bytes, &new, &mut new_bytes);
        assert_eq!(u64::from_le_bytes(new_bytes[8..16].try_into().unwrap()), 42);
        assert_eq!(report.carried, ["ticks"]);
        assert_eq!(report.changed, ["speed"]);
        assert_eq!(report.added, ["fresh"]);
        assert_eq!(report.removed, ["gone"]);
        assert_eq!(
            report.to_string(),
            "carried over 1 field(s) by name; removed: gone; changed type: speed; new: fresh"
        );
    }
}
