//! The control block's slots, as the engine and the supervisor use them.
use super::*;
use std::sync::mpsc::channel;

fn fresh() -> &'static Control {
    Box::leak(Box::default())
}

fn running(control: &Control) -> Vec<(Call, u64)> {
    control
        .calls()
        .into_iter()
        .flatten()
        .map(|c| (c.call, c.library))
        .collect()
}

#[test]
fn a_call_is_visible_until_its_guard_drops() {
    let control = fresh();
    install(control);
    let control = installed().expect("installed");
    assert_eq!(running(control), []);
    let update = enter(Call::Update, 42);
    assert_eq!(running(control), [(Call::Update, 42)]);
    drop(update);
    let load = enter(Call::Load, 7);
    let greet = enter(Call::Greet, 7);
    assert_eq!(running(control), [(Call::Greet, 7)], "one slot per thread");
    drop(greet);
    assert_eq!(running(control), [(Call::Load, 7)]);
    drop(load);
    assert_eq!(running(control), []);
    begin_step(5);
    assert_eq!(control.steps(), (0, 5, 0));
    commit(5, 9);
    assert_eq!(control.steps(), (5, 5, 9));
}

/// Two threads whose calls overlap, entered A then B and left A then B:
/// with one slot shared by call kind, B's guard restored A's `Load` and
/// the slot showed it forever.
#[test]
fn interleaved_calls_on_two_threads_leave_no_call_behind() {
    let control = fresh();
    let (to_b, from_a) = channel();
    let (to_a, from_b) = channel();
    let a = std::thread::spawn(move || {
        let load = control.enter(Call::Load, 1);
        to_b.send(()).unwrap();
        from_b.recv().unwrap();
        drop(load);
        to_b.send(()).unwrap();
    });
    let b = std::thread::spawn(move || {
        from_a.recv().unwrap();
        let greet = control.enter(Call::Greet, 2);
        to_a.send(()).unwrap();
        from_a.recv().unwrap();
        drop(greet);
        assert_eq!(running(control), []);
    });
    a.join().unwrap();
    b.join().unwrap();
    assert_eq!(running(control), []);
}

#[test]
fn each_thread_shows_its_own_call_in_order_of_entry() {
    let control = fresh();
    let (entered, wait) = channel();
    let (leave, left) = channel::<()>();
    let frame = std::thread::spawn(move || {
        let _update = control.enter(Call::Update, 1);
        entered.send(nix::unistd::gettid().as_raw()).unwrap();
        let _ = left.recv();
    });
    let frame_thread = wait.recv().unwrap();
    let _load = control.enter(Call::Load, 2);
    let calls: Vec<_> = control.calls().into_iter().flatten().collect();
    assert_eq!(calls.len(), 2, "{calls:?}");
    let update = calls.iter().find(|c| c.call == Call::Update).unwrap();
    let load = calls.iter().find(|c| c.call == Call::Load).unwrap();
    assert!(load.serial > update.serial, "{calls:?}");
    assert_eq!(i64::from(update.thread), i64::from(frame_thread));
    assert_eq!(
        i64::from(load.thread),
        i64::from(nix::unistd::gettid().as_raw())
    );
    drop(leave);
    frame.join().unwrap();
    assert_eq!(
        running(control),
        [(Call::Load, 2)],
        "an ended thread frees its slot"
    );
    let free = control
        .slots
        .iter()
        .filter(|slot| slot.thread.load(Ordering::Relaxed) == 0)
        .count();
    assert_eq!(free, SLOTS - 1);
}

/// `process::exit` in game code ends the thread in its call, running
/// its thread-local destructors but no guard's `drop`.
#[test]
fn a_thread_that_ends_in_a_call_still_shows_it() {
    let control = fresh();
    std::thread::spawn(move || std::mem::forget(control.enter(Call::Update, 3)))
        .join()
        .unwrap();
    assert_eq!(running(control), [(Call::Update, 3)]);
}
