//! The inspector's rows, made again only when what they show changes: the
//! field table, a byte of the state they were made from (a list's length,
//! whether a `Maybe` holds a value), or the element chosen in an array.
//! A frame with the panel open then reads values only, allocating nothing.

use std::cell::RefCell;
use std::sync::Arc;

use crate::state::fields::{Browse, FieldTable, ReadAt, Row};

/// The rows and what they were made from.
#[derive(Debug, Default)]
pub(super) struct Rows {
    browse: Browse,
    list: Vec<Row>,
    /// What `list` was made from; `None`: make it again.
    shown: Option<Shown>,
}

/// The table the rows were made from, and every read of the state made
/// while making them.
#[derive(Debug)]
struct Shown {
    table: Arc<FieldTable>,
    reads: Vec<Seen>,
}

/// One read of the state while the rows were made.
#[derive(Debug)]
struct Seen {
    offset: usize,
    len: usize,
    bytes: [u8; 8],
    found: bool,
}

impl Seen {
    /// Whether the same read gives the same bytes now.
    fn holds_in(&self, state: &dyn ReadAt) -> bool {
        let mut now = [0; 8];
        match now.get_mut(..self.len) {
            Some(now_read) => {
                state.read_at(self.offset, now_read) == self.found && now == self.bytes
            }
            None => false,
        }
    }
}

/// The state, noting every read made through it.
struct Noted<'a> {
    state: &'a dyn ReadAt,
    reads: RefCell<Vec<Seen>>,
}

impl ReadAt for Noted<'_> {
    fn read_at(&self, offset: usize, out: &mut [u8]) -> bool {
        let found = self.state.read_at(offset, out);
        let mut bytes = [0; 8];
        if let (true, Some(kept)) = (found, bytes.get_mut(..out.len())) {
            kept.copy_from_slice(out);
        }
        self.reads.borrow_mut().push(Seen {
            offset,
            len: out.len(),
            bytes,
            found,
        });
        found
    }
}

impl Rows {
    /// The rows for `table` and `state` as they are now.
    pub(super) fn of(&mut self, table: &Arc<FieldTable>, state: &dyn ReadAt) -> &[Row] {
        if let Some(shown) = &self.shown
            && Arc::ptr_eq(&shown.table, table)
            && shown.reads.iter().all(|seen| seen.holds_in(state))
        {
            return &self.list;
        }
        let mut reads = self
            .shown
            .take()
            .map(|shown| shown.reads)
            .unwrap_or_default();
        reads.clear();
        let noted = Noted {
            state,
            reads: RefCell::new(reads),
        };
        self.list = self.browse.rows(table.fields(), Some(&noted));
        self.shown = Some(Shown {
            table: Arc::clone(table),
            reads: noted.reads.into_inner(),
        });
        &self.list
    }

    /// The rows as last made.
    pub(super) fn last(&self) -> &[Row] {
        &self.list
    }

    /// When row `index` is an array's or a list's, shows the element
    /// `steps` away from the one it shows.
    pub(super) fn step(&mut self, index: usize, steps: i64) {
        if let Some(Row::Elements(elements)) = self.list.get(index) {
            self.browse.step(elements, steps);
            self.shown = None;
        }
    }
}
