//! A shipped game's crash journal: the last few seconds of play, kept in a
//! mapped file as the game runs, so that they outlive a process that dies
//! without unwinding (an abort: a stack overflow, a panic while panicking,
//! running out of memory; or a kill), which no handler inside it survives.
//! The kernel keeps a mapped file's written pages when the process dies, so
//! every step recorded before the death is in the file. The next start
//! finds a journal left open and turns it into a crash report.
//!
//! Two checkpoints take turns: every few seconds the state is copied into
//! the one not in use, which only then becomes current and collects the
//! steps from there. The current checkpoint is whole whenever the process
//! dies, even during a copy.
//!
//! File format (little-endian, fixed offsets, a 232-byte header): magic
//! `HLJOURNL`, version (u32), update rate (u32), the state's fingerprint,
//! size and alignment (u64 each), the field table's length (u64), steps per
//! checkpoint (u64), the current checkpoint (u32, 0 or 1), open (u32: 1
//! until the game ends normally or its failure is reported), stepping (u32:
//! 1 while the last recorded step runs), the game's name (u32 length, then
//! 128 bytes), each checkpoint's first frame number and step count (u64
//! each); then the field table, the two checkpoints' states, and for each
//! checkpoint room for its steps, each as a recording's 172-byte step record.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering, compiler_fence};

use crate::codec::Reader;
use crate::files::recording::{self, Recording, Step};
use crate::files::snapshot::Snapshot;
use crate::shared::SharedBytes;
use crate::state::StateBuffer;
use crate::state::check_layout;
use crate::state::fields::FieldTable;
use hotloop_abi::StateLayout;

const MAGIC: &[u8; 8] = b"HLJOURNL";
const VERSION: u32 = 1;
/// A journal's file name ends so: what [`found_in`] looks for.
pub const EXTENSION: &str = "hljournal";
/// Bytes of the game's name kept.
pub const NAME_CAP: usize = 128;
const RATE: usize = 12;
const FINGERPRINT: usize = 16;
const SIZE: usize = 24;
const ALIGN: usize = 32;
const TABLE_LEN: usize = 40;
const CAPACITY: usize = 48;
const CURRENT: usize = 56;
const OPEN: usize = 60;
const STEPPING: usize = 64;
const NAME_LEN: usize = 68;
const NAME: usize = 72;
/// Each checkpoint's first frame number and step count.
const CHECKPOINTS: usize = NAME + NAME_CAP;
/// Where the field table starts.
pub const HEADER_LEN: usize = CHECKPOINTS + 2 * 16;
const _: () = assert!(HEADER_LEN == 232 && NAME_CAP == 128 && recording::STEP_LEN == 172);
/// Largest field table accepted when reading one back, in bytes.
const MAX_TABLE: u64 = 1 << 20;
/// The largest journal kept in a file. A file's written pages go to disk
/// within half a minute, and the checkpoints rewrite both copies of the
/// state every 10 s: for a state of up to 32 MiB that is at most about 2
/// MB/s. A bigger journal stays in memory (panics are still reported).
const MAPPED_UP_TO: usize = 64 << 20;

/// What the journal is written to.
#[derive(Debug)]
enum Backing {
    /// A file that outlives the process.
    Mapped { map: SharedBytes, path: PathBuf },
    /// Memory, where no file could be made: a failure game code reports
    /// (a panic) is still written out, a death is not.
    Memory(Vec<u8>),
}

/// The journal of a running game (see the module doc). Allocates nothing
/// per step.
#[derive(Debug)]
pub struct Journal {
    backing: Backing,
    /// The sizes its regions are laid out from (see `places`).
    table_len: usize,
    state_len: usize,
    capacity: usize,
    current: usize,
    steps: usize,
}

/// Where the parts of a journal are.
#[derive(Clone, Copy)]
struct Places {
    table: usize,
    states: usize,
    steps: usize,
    end: usize,
}

fn places(table_len: usize, state_len: usize, capacity: usize) -> Option<Places> {
    let states = HEADER_LEN.checked_add(table_len)?;
    let steps = states.checked_add(state_len.checked_mul(2)?)?;
    let end = steps.checked_add(capacity.checked_mul(2 * recording::STEP_LEN)?)?;
    Some(Places {
        table: HEADER_LEN,
        states,
        steps,
        end,
    })
}

fn put_u32(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

fn put_u64(bytes: &mut [u8], at: usize, value: u64) {
    bytes[at..at + 8].copy_from_slice(&value.to_le_bytes());
}

impl Journal {
    /// Starts the journal of `game` at `path` (a new file, locked while
    /// this process lives), or in memory when that fails (logged). It
    /// starts from `state` before the step of frame number `clock`; each
    /// checkpoint holds up to `capacity` steps.
    pub fn create(
        path: Option<&Path>,
        game: &str,
        (state, table): (&StateBuffer, Option<&FieldTable>),
        clock: u64,
        rate: u32,
        capacity: usize,
    ) -> Self {
        let table_bytes = table.map_or(&[][..], FieldTable::bytes);
        let state_len = state.bytes().len();
        let len = places(table_bytes.len(), state_len, capacity)
            .expect("a state that fits in memory fits in a journal")
            .end;
        let path = path.filter(|path| {
            let small = len <= MAPPED_UP_TO;
            if !small {
                log::info!(
                    "the crash journal would be {} MiB, more than the {} MiB kept in a file: it stays in memory, and a crash that ends the process will leave no report (not {})",
                    len >> 20,
                    MAPPED_UP_TO >> 20,
                    path.display()
                );
            }
            small
        });
        let mapped = path.map(|path| {
            let made = path
                .parent()
                .map_or(Ok(()), fs::create_dir_all)
                .and_then(|()| SharedBytes::create_locked(path, len));
            (path, made)
        });
        let backing = match mapped {
            Some((path, Ok(map))) => Backing::Mapped {
                map,
                path: path.to_owned(),
            },
            Some((path, Err(error))) => {
                log::warn!(
                    "no crash journal at {} ({error}): a crash that ends the process will leave no report",
                    path.display()
                );
                Backing::Memory(vec![0; len])
            }
            None => Backing::Memory(vec![0; len]),
        };
        let mut journal = Self {
            backing,
            table_len: table_bytes.len(),
            state_len,
            capacity,
            current: 0,
            steps: 0,
        };
        let layout = state.layout();
        let bytes = journal.bytes_mut();
        bytes[..8].copy_from_slice(MAGIC);
        put_u32(bytes, 8, VERSION);
        put_u32(bytes, RATE, rate);
        put_u64(bytes, FINGERPRINT, layout.fingerprint);
        put_u64(bytes, SIZE, layout.size);
        put_u64(bytes, ALIGN, layout.align);
        put_u64(bytes, TABLE_LEN, table_bytes.len() as u64);
        put_u64(bytes, CAPACITY, capacity as u64);
        let name = &game.as_bytes()[..game.len().min(NAME_CAP)];
        put_u32(bytes, NAME_LEN, name.len() as u32);
        bytes[NAME..NAME + name.len()].copy_from_slice(name);
        bytes[HEADER_LEN..HEADER_LEN + table_bytes.len()].copy_from_slice(table_bytes);
        journal.checkpoint(state, clock);
        journal.set_open(true);
        journal
    }

    /// The file it is written to (`None`: kept in memory).
    pub fn path(&self) -> Option<&Path> {
        match &self.backing {
            Backing::Mapped { path, .. } => Some(path),
            Backing::Memory(_) => None,
        }
    }

    fn bytes_mut(&mut self) -> &mut [u8] {
        match &mut self.backing {
            Backing::Mapped { map, .. } => map.bytes_mut(),
            Backing::Memory(bytes) => bytes,
        }
    }

    fn bytes(&self) -> &[u8] {
        match &self.backing {
            Backing::Mapped { map, .. } => map.bytes(),
            Backing::Memory(bytes) => bytes,
        }
    }

    fn places(&self) -> Places {
        places(self.table_len, self.state_len, self.capacity).expect("checked at creation")
    }

    /// Whether the current checkpoint holds as many steps as it can.
    pub fn is_full(&self) -> bool {
        self.steps >= self.capacity
    }

    /// Copies `state`, before the step of frame number `first_step`, into
    /// the checkpoint not in use, and makes it current.
    pub fn checkpoint(&mut self, state: &StateBuffer, first_step: u64) {
        let next = 1 - self.current;
        let places = self.places();
        let len = self.state_len;
        let bytes = self.bytes_mut();
        let at = places.states + next * len;
        bytes[at..at + len].copy_from_slice(state.bytes());
        put_u64(bytes, CHECKPOINTS + next * 16, first_step);
        put_u64(bytes, CHECKPOINTS + next * 16 + 8, 0);
        // The checkpoint is whole in the file before it becomes current.
        compiler_fence(Ordering::SeqCst);
        put_u32(bytes, CURRENT, next as u32);
        self.current = next;
        self.steps = 0;
    }

    /// Records the step that runs next, and marks it running until
    /// [`stepped`](Self::stepped). The checkpoint must not be full.
    pub fn push(&mut self, step: &Step) {
        assert!(!self.is_full(), "checkpoint the journal when it is full");
        let (current, steps) = (self.current, self.steps);
        let at = self.places().steps + (current * self.capacity + steps) * recording::STEP_LEN;
        let bytes = self.bytes_mut();
        bytes[at..at + recording::STEP_LEN].copy_from_slice(&step.encode());
        compiler_fence(Ordering::SeqCst);
        put_u64(bytes, CHECKPOINTS + current * 16 + 8, steps as u64 + 1);
        put_u32(bytes, STEPPING, 1);
        self.steps += 1;
    }

    /// The recorded step is done.
    pub fn stepped(&mut self) {
        put_u32(self.bytes_mut(), STEPPING, 0);
    }

    /// Marks the journal as needing no report (`false`: the game ended
    /// normally, or its failure was reported), or as needing one.
    pub fn set_open(&mut self, open: bool) {
        put_u32(self.bytes_mut(), OPEN, u32::from(open));
    }

    /// The recording the journal holds now.
    ///
    /// # Errors
    /// Never for a journal this process writes; see [`read`].
    pub fn contents(&self) -> Result<Contents, String> {
        read(self.bytes())
    }

    /// Ends the journal after a normal end: the file is removed.
    pub fn close(mut self) {
        self.set_open(false);
        if let Backing::Mapped { map, path } = self.backing {
            // Unmapped and unlocked first: Windows removes no mapped file.
            drop(map);
            if let Err(error) = fs::remove_file(&path) {
                log::warn!("could not remove {}: {error}", path.display());
            }
        }
    }
}

/// What a journal holds.
#[derive(Debug)]
pub struct Contents {
    /// The game and its build, as the journal names it.
    pub game: String,
    /// From the current checkpoint up to the last step recorded.
    pub recording: Recording,
    /// Whether the game was still running: it ended without closing it,
    /// and without reporting a failure.
    pub open: bool,
    /// Whether the last step recorded was still running.
    pub stepping: bool,
}

/// Reads a journal's bytes, checking every length and every value before
/// trusting it (a journal is a file, and files may hold anything).
///
/// # Errors
/// What is wrong with the bytes.
pub fn read(bytes: &[u8]) -> Result<Contents, String> {
    let mut reader = Reader::new(bytes, "crash journal");
    if reader.take(MAGIC.len())? != MAGIC {
        return Err("not a hotloop crash journal (bad magic)".into());
    }
    let version = reader.u32()?;
    if version != VERSION {
        return Err(format!(
            "journal version {version}, this build reads {VERSION}"
        ));
    }
    let rate = reader.u32()?;
    let layout = StateLayout {
        fingerprint: reader.u64()?,
        size: reader.u64()?,
        align: reader.u64()?,
    };
    check_layout(layout).map_err(|reason| format!("bad layout ({layout}): {reason}"))?;
    let table_len = reader.u64()?;
    if table_len > MAX_TABLE {
        return Err(format!(
            "a field table of {table_len} bytes is more than the {MAX_TABLE} accepted"
        ));
    }
    let capacity = reader.u64()?;
    let flag = |value: u32, what: &str| match value {
        0 => Ok(false),
        1 => Ok(true),
        other => Err(format!("{what} is {other}, not 0 or 1")),
    };
    let current = usize::from(flag(reader.u32()?, "the current checkpoint")?);
    let open = flag(reader.u32()?, "the open flag")?;
    let stepping = flag(reader.u32()?, "the stepping flag")?;
    let name_len = reader.u32()? as usize;
    let name = reader.take(NAME_CAP)?;
    let game = name
        .get(..name_len)
        .ok_or_else(|| format!("a name of {name_len} bytes is longer than {NAME_CAP}"))?;
    let game = String::from_utf8_lossy(game).into_owned();
    let mut checkpoints = [(0, 0); 2];
    for checkpoint in &mut checkpoints {
        *checkpoint = (reader.u64()?, reader.u64()?);
    }
    let (first_step, steps) = checkpoints[current];
    let sizes = (
        usize::try_from(table_len),
        usize::try_from(layout.size),
        usize::try_from(capacity),
    );
    let (Ok(table_len), Ok(state_len), Ok(capacity)) = sizes else {
        return Err("its sizes do not fit in memory".into());
    };
    let places = places(table_len, state_len, capacity)
        .filter(|places| places.end == bytes.len())
        .ok_or_else(|| format!("{} bytes is not the length its header gives", bytes.len()))?;
    if steps > capacity as u64 {
        return Err(format!("{steps} steps in a checkpoint of {capacity}"));
    }
    let table = Some(&bytes[places.table..places.states])
        .filter(|table| !table.is_empty())
        .map(|table| FieldTable::decode(table.to_vec(), layout))
        .transpose()
        .map_err(|reason| format!("bad field table: {reason}"))?;
    let mut state = StateBuffer::zeroed(layout).map_err(str::to_owned)?;
    let at = places.states + current * state_len;
    state
        .bytes_mut()
        .copy_from_slice(&bytes[at..at + state_len]);
    if let Some(table) = &table {
        table
            .admit(state.bytes_mut())
            .map_err(|invalid| format!("the state is not valid: {invalid}"))?;
    }
    let mut recording = Recording {
        start: Snapshot { state, table },
        first_step,
        rate,
        inputs: Vec::with_capacity(steps as usize),
        reloaded: Vec::new(),
    };
    let first = places.steps + current * capacity * recording::STEP_LEN;
    let records = bytes[first..first + steps as usize * recording::STEP_LEN]
        .chunks_exact(recording::STEP_LEN);
    for (index, record) in (0..).zip(records) {
        let step = Step::decode(record, index)?;
        if step.reloaded {
            recording.mark_next_reloaded();
        }
        recording.inputs.push(step.input);
    }
    Ok(Contents {
        game,
        recording,
        open,
        stepping,
    })
}

/// The journals in `dir`, oldest name first: those of games still running
/// among them ([`load_left`] tells them apart).
pub fn found_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == EXTENSION))
        .collect();
    found.sort();
    found
}

/// Reads the journal at `path`, if no running game holds it (its lock).
///
/// # Errors
/// When it cannot be read or is no valid journal.
pub fn load_left(path: &Path) -> Result<Option<Contents>, String> {
    let cannot = |e: io::Error| format!("cannot read {}: {e}", path.display());
    let mut file = fs::File::open(path).map_err(cannot)?;
    if file.try_lock().is_err() {
        return Ok(None);
    }
    // Through the handle that holds the lock: Windows refuses others.
    let mut bytes = Vec::new();
    io::Read::read_to_end(&mut file, &mut bytes).map_err(cannot)?;
    read(&bytes)
        .map(Some)
        .map_err(|e| format!("{} is not a valid crash journal: {e}", path.display()))
}

/// A new journal's path in `dir`: named by the time, this process and a
/// count, so two copies of a game running at once, or two engines in one
/// process, keep one each.
pub fn new_path(dir: &Path) -> PathBuf {
    static MADE: AtomicU32 = AtomicU32::new(0);
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let count = MADE.fetch_add(1, Ordering::Relaxed);
    let pid = std::process::id();
    dir.join(format!("running-{stamp}-{pid}-{count}.{EXTENSION}"))
}

#[cfg(test)]
mod tests;
