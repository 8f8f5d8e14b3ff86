//! Placeholder while the port is written.
#![forbid(unsafe_code)]

use hotloop_abi::{Frame, state};

state! {
    /// The game's state.
    pub struct State {
        /// Steps run.
        pub ticks: u64,
    }
}

fn init() -> State {
    State { ticks: 0 }
}

fn count(state: &mut State, _frame: &Frame) {
    state.ticks += 1;
}

hotloop_abi::game! {
    state: State,
    init: init,
    systems: [count],
}
