//! The fleet: one invader steps per frame, bottom row first, so the march
//! ripples through it and speeds up as invaders fall. The first invader of
//! each sweep (the leader) decides for the whole fleet when to turn.

use hotloop_abi::{Frame, Play};

use crate::sprites::cell_offset;
use crate::state::{
    COLS, Fleet, GRID, INVADERS, Invader, Kind, Phase, Point, ROWS, START, Shot, State, WIDTH,
};

/// Sideways step of an invader, in pixels.
const STEP: i32 = 2;
/// How far the fleet drops at an edge.
const DROP: i32 = 8;
/// A laser fires after an invader's step with a chance of 1 in this.
const LASER_ODDS: u32 = 50;
/// Lasers in the air at most.
const MAX_LASERS: usize = 3;
/// Where a laser starts, from the top-left of the invader firing it.
const LASER_OFFSET: Point = Point::new(4, 10);

/// The fleet as it starts: five rows of eleven, one kind per row band.
pub fn new_fleet() -> Fleet {
    let mut cells = [Invader {
        pos: START,
        kind: Kind::Blipjoy,
        frame: 0,
        alive: true,
    }; INVADERS];
    for (index, cell) in cells.iter_mut().enumerate() {
        let (row, col) = (index / COLS, index % COLS);
        let kind = match row {
            0 => Kind::Blipjoy,
            1 | 2 => Kind::Ferris,
            _ => Kind::Cthulhu,
        };
        let corner = Point::new(col as i32 * GRID, row as i32 * GRID);
        cell.pos = START + corner + cell_offset(kind);
        cell.kind = kind;
    }
    Fleet {
        cells,
        // The last cell of a sweep: the first step starts a sweep with a leader.
        stepper: (COLS - 1) as u8,
        origin: START,
        leftward: false,
        descend: false,
    }
}

/// Steps the next invader: 2 px sideways (and 8 px down after a turn),
/// flips its frame, and maybe fires a laser.
pub fn step_fleet(state: &mut State, frame: &Frame) {
    let Some((index, leader)) = next_invader(&mut state.invaders) else {
        return;
    };
    let fleet = &mut state.invaders;
    if leader {
        steer(fleet);
        // The march: one low note per sweep, quicker as the fleet thins.
        frame
            .audio
            .play_with("sounds/march.wav", Play::default().volume(0.8));
    }
    let invader = &mut fleet.cells[index];
    invader.pos.x += if fleet.leftward { -STEP } else { STEP };
    if fleet.descend {
        invader.pos.y += DROP;
        if invader.pos.y + DROP >= state.player.pos.y {
            state.phase.set(Phase::Landed);
        }
    }
    invader.frame ^= 1;
    fire_laser(state);
}

/// The next live invader after the stepper, in sweep order (rows bottom
/// to top, columns left to right), and whether it leads a new sweep.
fn next_invader(fleet: &mut Fleet) -> Option<(usize, bool)> {
    if !fleet.cells.iter().any(|cell| cell.alive) {
        return None;
    }
    let mut leader = false;
    let mut at = fleet.stepper as usize % INVADERS;
    loop {
        let (mut row, mut col) = (at / COLS, at % COLS + 1);
        if col == COLS {
            col = 0;
            if row == 0 {
                row = ROWS - 1;
                leader = true;
            } else {
                row -= 1;
            }
        }
        at = row * COLS + col;
        fleet.stepper = at as u8;
        if fleet.cells[at].alive {
            return Some((at, leader));
        }
    }
}

/// The leader's decision: march on, or turn and drop at an edge.
fn steer(fleet: &mut Fleet) {
    fleet.descend = false;
    let (left, right) = edges(fleet);
    let turn = if fleet.leftward {
        left < STEP
    } else {
        right > WIDTH - STEP
    };
    if turn {
        fleet.leftward = !fleet.leftward;
        fleet.origin.y += DROP;
        fleet.descend = true;
    }
    fleet.origin.x += if fleet.leftward { -STEP } else { STEP };
}

/// Left and right edges of the live columns' cells, from the leader's grid.
fn edges(fleet: &Fleet) -> (i32, i32) {
    let live = |col: &usize| (0..ROWS).any(|row| fleet.cells[row * COLS + col].alive);
    let first = (0..COLS).find(live).unwrap_or(0) as i32;
    let last = (0..COLS).rev().find(live).unwrap_or(COLS - 1) as i32;
    (
        fleet.origin.x + first * GRID,
        fleet.origin.x + (last + 1) * GRID,
    )
}

/// One chance in 50 per step, with fewer than three lasers in the air: the
/// lowest invader of a random column fires (the next column's, if that
/// one is empty).
fn fire_laser(state: &mut State) {
    let roll = state.rng.u32(..);
    if state.lasers.len() >= MAX_LASERS || !roll.is_multiple_of(LASER_ODDS) {
        return;
    }
    let start = (roll / LASER_ODDS) as usize % COLS;
    let shooter = (0..COLS)
        .map(|offset| (start + offset) % COLS)
        .find_map(|col| {
            (0..ROWS)
                .rev()
                .map(|row| state.invaders.cells[row * COLS + col])
                .find(|cell| cell.alive)
        });
    if let Some(shooter) = shooter {
        let laser = Shot {
            pos: shooter.pos + LASER_OFFSET,
            age: 0,
        };
        let _ = state.lasers.push(laser);
    }
}
