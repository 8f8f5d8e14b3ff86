//! What an automatic migration says it did: short enough for the amber note
//! however big the state, because arrays and lists are summed up per array,
//! never listed per element.

use std::fmt;

/// What an automatic migration did, by field path.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MigrationReport {
    /// Fields whose values were carried over, whole or element by element.
    pub carried: Vec<String>,
    /// Old fields with no counterpart in the new state.
    pub removed: Vec<String>,
    /// Fields whose type changed (the new state has `init`'s value).
    pub changed: Vec<String>,
    /// New fields (they have `init`'s value).
    pub added: Vec<String>,
    /// Arrays and lists carried element by element, one entry each, in the
    /// order of the new state's fields (outer ones first).
    pub sequences: Vec<SequenceReport>,
    /// Enum values whose variant is gone (they keep `init`'s value), once
    /// per field and variant: "phase was `Paused`".
    pub lost_variants: Vec<String>,
}

/// What happened to one array or list carried element by element, summed
/// over every instance of it: an array inside the elements of another
/// counts the elements of all of them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SequenceReport {
    /// Its path; `[]` stands for every element of an enclosing array or
    /// list (`particles`, `grid[]`, `squads[].members`).
    pub path: String,
    /// Whether the new one is a list (capacity) or an array (length).
    pub list: bool,
    /// Slots of the old one (array length or list capacity).
    pub old_capacity: u64,
    /// Slots of the new one.
    pub new_capacity: u64,
    /// Old elements there were (a list's live ones).
    pub old: u64,
    /// Elements carried over.
    pub carried: u64,
    /// Old elements with no place in the new one (dropped from the end).
    pub dropped: u64,
    /// New array elements past the old ones, which keep `init`'s values.
    pub filled: u64,
    /// Fields new in the element, by path from the element (`age`).
    pub added: Vec<String>,
    /// Fields of the old element with no counterpart.
    pub removed: Vec<String>,
    /// Fields of the element whose type changed (`init`'s value).
    pub changed: Vec<String>,
}

impl fmt::Display for MigrationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
        if !self.lost_variants.is_empty() {
            write!(
                f,
                "; variant gone, `init`'s value kept: {}",
                self.lost_variants.join(", ")
            )?;
        }
        for sequence in &self.sequences {
            // "grid: 3 elements carried" says nothing "grid[]: …" does not.
            let inner = format!("{}[]", sequence.path);
            let nested = || self.sequences.iter().any(|s| s.path.starts_with(&inner));
            if !sequence.has_news() && nested() {
                continue;
            }
            write!(f, "; {sequence}")?;
        }
        Ok(())
    }
}

impl SequenceReport {
    /// Whether it says more than how many elements were carried.
    fn has_news(&self) -> bool {
        self.dropped > 0
            || self.filled > 0
            || (self.list && self.old_capacity != self.new_capacity)
            || !(self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty())
    }
}

/// "particles: 48 elements carried, field `age` added";
/// "enemies: 28 elements carried, 12 of 40 dropped (capacity 28)".
impl fmt::Display for SequenceReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: u64| if n == 1 { "" } else { "s" };
        write!(
            f,
            "{}: {} element{} carried",
            self.path,
            self.carried,
            plural(self.carried)
        )?;
        let size = if self.list { "capacity" } else { "length" };
        if self.dropped > 0 {
            write!(
                f,
                ", {} of {} dropped ({size} {})",
                self.dropped, self.old, self.new_capacity
            )?;
        } else if self.list && self.old_capacity != self.new_capacity {
            write!(f, ", {size} {}", self.new_capacity)?;
        }
        if self.filled > 0 {
            write!(f, ", {} new from `init`", self.filled)?;
        }
        for (verb, fields) in [
            ("added", &self.added),
            ("removed", &self.removed),
            ("changed type", &self.changed),
        ] {
            if let [first, rest @ ..] = fields.as_slice() {
                let s = if rest.is_empty() { "" } else { "s" };
                write!(f, ", field{s} `{first}`")?;
                for field in rest {
                    write!(f, ", `{field}`")?;
                }
                write!(f, " {verb}")?;
            }
        }
        Ok(())
    }
}
