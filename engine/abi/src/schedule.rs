//! What one `update` runs, in order, as [`game!`](crate::game) lays it
//! out: the `on_reload` systems (first step after a new build), the
//! [`GameState`] transition (exit and enter systems), then the systems,
//! each behind its run condition. Plain tables of function pointers built
//! at compile time: nothing is allocated per step, and a system without a
//! condition costs one branch.

use crate::{Frame, GameState, StateData};

/// A system: what `systems`, `on_enter`, `on_exit` and `on_reload` list.
pub type SystemFn<S> = fn(&mut S, &Frame<'_>);

/// A system and the condition it runs under (`system.run_if(condition)`).
pub struct System<S: 'static> {
    /// The system.
    pub run: SystemFn<S>,
    /// Runs the system only when it returns true; `None`: always.
    pub run_if: Option<fn(&S) -> bool>,
}

impl<S> System<S> {
    /// Runs the system if its condition holds.
    #[inline]
    pub fn run_on(&self, state: &mut S, frame: &Frame<'_>) {
        if self.run_if.is_none_or(|condition| condition(state)) {
            (self.run)(state, frame);
        }
    }
}

/// A list of systems as `game!` read it, and their names (one per line).
pub struct Systems<S: 'static> {
    /// The systems, in order.
    pub list: &'static [System<S>],
    /// Each system's name as written, followed by a newline.
    pub names: &'static str,
}

/// Everything `update` runs.
pub struct Schedule<S: 'static> {
    /// `systems`: every step, in order.
    pub systems: &'static [System<S>],
    /// `on_reload`: first, in the first step after a new build is swapped in.
    pub on_reload: &'static [System<S>],
    /// The `game_state` transition (exit and enter systems), if the game
    /// has one: after `on_reload`, before `systems`.
    pub transition: Option<SystemFn<S>>,
}

impl<S> Schedule<S> {
    /// Everything that runs before `systems`: `on_reload` (when the frame
    /// says so), then a waiting transition.
    #[inline]
    pub fn prepare(&self, state: &mut S, frame: &Frame<'_>) {
        if frame.reloaded {
            for system in self.on_reload {
                system.run_on(state, frame);
            }
        }
        if let Some(transition) = self.transition {
            transition(state, frame);
        }
    }

    /// One step: [`prepare`](Self::prepare), then every system whose
    /// condition holds, in order.
    #[inline]
    pub fn run(&self, state: &mut S, frame: &Frame<'_>) {
        self.prepare(state, frame);
        for system in self.systems {
            system.run_on(state, frame);
        }
    }
}

/// Whether the [`GameState`] has no transition to make this step (the
/// cheap check `game!`'s transition makes before [`transition`]).
#[inline]
pub fn settled<E: StateData + PartialEq>(game_state: &GameState<E>) -> bool {
    game_state.settled()
}

/// Makes the transition the [`GameState`] at `access(state)` waits for:
/// enters the initial value (first step), or runs the exit systems of the
/// current value, switches to the requested one and runs its enter
/// systems. `enter` and `exit` list `(value, system)` pairs; every system
/// listed for the value runs, in list order.
pub fn transition<S, E: StateData + PartialEq>(
    state: &mut S,
    frame: &Frame<'_>,
    access: impl Fn(&mut S) -> &mut GameState<E>,
    enter: &[(E, SystemFn<S>)],
    exit: &[(E, SystemFn<S>)],
) {
    let Some((from, to)) = access(state).begin_transition() else {
        return;
    };
    if let Some(from) = from {
        for (value, system) in exit {
            if *value == from {
                system(state, frame);
            }
        }
        access(state).switch(to);
    }
    for (value, system) in enter {
        if *value == to {
            system(state, frame);
        }
    }
}
