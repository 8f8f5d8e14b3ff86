use std::collections::HashMap;

use proptest::prelude::*;

use super::*;
use crate::testing::{assert_described, assert_no_allocation, from_noise};

crate::state! {
    /// Padded: 3 bytes after `alive`, so despawning must zero padding too.
    struct Enemy { alive: bool, hp: i32 }
    /// A handle to its own type: must compile (no fingerprint cycle).
    struct Unit { hp: i32, leader: Handle<Unit> }
    /// Not padded, so a `World`'s bytes can be viewed whole.
    struct Foe { alive: bool, kind: u8, shield: u16, hp: i32 }
    struct World {
        enemies: Pool<Foe, 4>,
        units: Pool<Unit, 2>,
        target: Handle<Foe>,
    }
}

fn enemy(hp: i32) -> Enemy {
    Enemy { alive: true, hp }
}

fn hps<const N: usize>(pool: &Pool<Enemy, N>) -> Vec<i32> {
    pool.iter().map(|(_, enemy)| enemy.hp).collect()
}

/// Every byte of a pool's items.
fn item_bytes<const N: usize>(pool: &Pool<Enemy, N>) -> Vec<u8> {
    let items = &pool.items;
    // SAFETY: viewing plain data's own bytes, padding included: callers
    // only look at pools whose every slot is free, which `new` and
    // `write_bytes` left all zero bytes.
    unsafe { std::slice::from_raw_parts(items.as_ptr().cast::<u8>(), size_of_val(items)) }.to_vec()
}

#[test]
fn new_and_default_are_empty() {
    let pool: Pool<Enemy, 4> = Pool::new();
    assert_eq!((pool.len(), pool.capacity()), (0, 4));
    assert!(pool.is_empty() && !pool.is_full());
    assert_eq!(pool, Pool::default());
    assert!(item_bytes(&pool).iter().all(|&b| b == 0));
}

#[test]
fn spawn_takes_the_lowest_free_slot_and_hands_the_item_back_when_full() {
    let mut pool: Pool<Enemy, 2> = Pool::new();
    let a = pool.spawn(enemy(1)).unwrap();
    let b = pool.spawn(enemy(2)).unwrap();
    assert_eq!((a.index(), b.index()), (0, 1));
    assert!(pool.is_full());
    assert_eq!(pool.spawn(enemy(3)), Err(enemy(3)));
    pool.despawn(a);
    assert_eq!(pool.spawn(enemy(4)).unwrap().index(), 0);
}

#[test]
fn a_stale_handle_finds_nothing_even_when_its_slot_is_reused() {
    let mut pool: Pool<Enemy, 4> = Pool::new();
    let old = pool.spawn(enemy(1)).unwrap();
    assert_eq!(pool.despawn(old), Some(enemy(1)));
    assert_eq!(pool.despawn(old), None, "twice does nothing");
    let new = pool.spawn(enemy(2)).unwrap();
    assert_eq!(new.index(), old.index());
    assert_ne!(new, old);
    assert_eq!(pool.get(old), None);
    assert_eq!(pool.get_mut(old), None);
    assert!(!pool.contains(old) && pool.contains(new));
    assert_eq!(pool.despawn(old), None);
    assert_eq!(pool.get(new), Some(&enemy(2)));
}

#[test]
fn despawn_zeroes_the_slot_padding_included() {
    let mut pool: Pool<Enemy, 2> = Pool::new();
    let a = pool.spawn(enemy(-1)).unwrap();
    pool.despawn(a);
    assert!(item_bytes(&pool).iter().all(|&b| b == 0));
}

#[test]
fn retain_despawns_while_iterating_and_the_order_stays() {
    let mut pool: Pool<Enemy, 4> = Pool::new();
    let handles: Vec<_> = (1..=4).map(|hp| pool.spawn(enemy(hp)).unwrap()).collect();
    let mut seen = Vec::new();
    pool.retain(|handle, enemy| {
        seen.push(handle);
        enemy.hp *= 10;
        enemy.hp != 20
    });
    assert_eq!(seen, handles);
    assert_eq!(hps(&pool), [10, 30, 40]);
    assert_eq!(pool.get(handles[1]), None);
    // A new entity takes the freed slot: slot order, not spawn order.
    pool.spawn(enemy(5)).unwrap();
    assert_eq!(hps(&pool), [10, 5, 30, 40]);
    pool.clear();
    assert!(pool.is_empty());
    assert!(handles.iter().all(|&h| !pool.contains(h)));
}

#[test]
fn handles_collected_first_can_be_despawned_afterwards() {
    let mut pool: Pool<Enemy, 4> = Pool::new();
    for hp in 1..=4 {
        pool.spawn(enemy(hp)).unwrap();
    }
    let odd: Vec<_> = pool
        .iter()
        .filter(|(_, e)| e.hp % 2 == 1)
        .map(|(h, _)| h)
        .collect();
    for handle in odd.iter().chain(&odd) {
        pool.despawn(*handle);
    }
    assert_eq!(hps(&pool), [2, 4]);
    assert_eq!(
        pool.handles().map(Handle::index).collect::<Vec<_>>(),
        [1, 3]
    );
    for (_, enemy) in pool.iter_mut() {
        enemy.hp += 1;
    }
    assert_eq!(hps(&pool), [3, 5]);
}

#[test]
fn a_slot_retires_instead_of_wrapping_its_generation() {
    let mut pool: Pool<Enemy, 2> = Pool::new();
    pool.generations[0] = RETIRED - 2; // the last free generation
    let last = pool.spawn(enemy(1)).unwrap();
    assert_eq!(last.generation(), u32::MAX - 2);
    pool.despawn(last);
    assert_eq!(pool.generations[0], RETIRED);
    let next = pool.spawn(enemy(2)).unwrap();
    assert_eq!(next.index(), 1, "the retired slot is skipped");
    assert!(pool.is_full());
    assert_eq!(pool.spawn(enemy(3)), Err(enemy(3)));
    assert_eq!(pool.get(last), None);
    assert_eq!((pool.len(), hps(&pool)), (1, vec![2]));
    // `u32::MAX` (odd) can only come from outside bytes: live, and retires.
    pool.generations[1] = u32::MAX;
    let odd = Handle::new(1, u32::MAX);
    assert_eq!(pool.despawn(odd), Some(enemy(2)));
    assert_eq!(pool.generations[1], RETIRED);
    pool.clear();
    assert_eq!(pool.generations, [RETIRED; 2]);
}

#[test]
fn none_foreign_and_out_of_range_handles_find_nothing() {
    let mut small: Pool<Enemy, 1> = Pool::new();
    let mut big: Pool<Enemy, 8> = Pool::new();
    small.spawn(enemy(1)).unwrap();
    let far = (0..8)
        .map(|hp| big.spawn(enemy(hp)).unwrap())
        .last()
        .unwrap();
    assert_eq!(small.get(far), None);
    assert_eq!(small.despawn(far), None);
    assert_eq!(small.get(Handle::NONE), None);
    assert!(Handle::<Enemy>::NONE.is_none() && Handle::<Enemy>::default().is_none());
    assert!(!far.is_none());
    // Another pool's handle to slot 0, generation 1, names this pool's
    // entity there: handles belong to the pool that gave them.
    assert_eq!(small.get(big.handles().next().unwrap()), Some(&enemy(1)));
}

#[test]
fn no_method_allocates() {
    let mut pool: Pool<Enemy, 8> = assert_no_allocation(Pool::new);
    assert_no_allocation(|| {
        let a = pool.spawn(enemy(1)).unwrap();
        let b = pool.spawn(enemy(2)).unwrap();
        pool.get_mut(a).unwrap().hp += 1;
        assert!(pool.contains(b) && pool.get(a).is_some());
        assert_eq!(pool.iter().count() + pool.iter_mut().count(), 4);
        assert_eq!(pool.handles().count(), pool.len());
        pool.retain(|_, enemy| enemy.hp > 1);
        pool.despawn(a);
        assert!(!pool.is_empty() && !pool.is_full());
        pool.clear();
    });
}

#[test]
fn debug_and_equality_show_live_entities() {
    let mut a: Pool<Enemy, 3> = Pool::new();
    let first = a.spawn(enemy(1)).unwrap();
    a.spawn(enemy(2)).unwrap();
    a.despawn(first);
    assert_eq!(
        format!("{a:?}"),
        "{Handle(1v1): Enemy { alive: true, hp: 2 }}"
    );
    let mut b: Pool<Enemy, 3> = Pool::new();
    b.spawn(enemy(1)).unwrap();
    b.spawn(enemy(2)).unwrap();
    assert_ne!(a, b, "same entities, other generations: other handles");
    let first = b.handles().next().unwrap();
    b.despawn(first);
    assert_eq!(a, b);
}

#[test]
fn fields_describe_every_byte_and_fingerprints_tell_types_apart() {
    assert_described::<Handle<Enemy>>(&[]);
    assert_described::<Pool<u32, 3>>(&[]);
    assert_described::<Pool<u64, 3>>(&[12, 13, 14, 15]);
    let [generations, items] = Pool::<Enemy, 4>::FIELDS else {
        panic!("two fields")
    };
    assert_eq!(
        (generations.name, generations.kind),
        ("generations", FieldKind::Array)
    );
    assert_eq!(
        (items.name, items.offset, items.kind),
        ("items", 16, FieldKind::Array)
    );
    assert_eq!(items.fields[0].fingerprint, Enemy::FINGERPRINT);
    let [index, generation] = Handle::<Enemy>::FIELDS else {
        panic!("two fields")
    };
    assert_eq!(
        (index.name, index.offset, index.kind),
        ("index", 0, FieldKind::U32)
    );
    assert_eq!((generation.name, generation.offset), ("generation", 4));

    let pool = Pool::<Enemy, 4>::FINGERPRINT;
    assert_ne!(pool, Pool::<Enemy, 5>::FINGERPRINT);
    assert_ne!(pool, Pool::<Unit, 4>::FINGERPRINT);
    assert_ne!(pool, <crate::List<Enemy, 4>>::FINGERPRINT);
    assert_ne!(pool, <[Enemy; 4]>::FINGERPRINT);
    assert_ne!(Handle::<u32>::FINGERPRINT, Handle::<u64>::FINGERPRINT);
    assert_ne!(Handle::<u32>::FINGERPRINT, Handle::<f32>::FINGERPRINT);
    assert_ne!(Handle::<Enemy>::FINGERPRINT, <[u32; 2]>::FINGERPRINT);
}

#[test]
fn a_state_with_pools_and_handles_passes_the_engines_check() {
    let mut world = World {
        enemies: Pool::new(),
        units: Pool::new(),
        target: Handle::NONE,
    };
    let foe = Foe {
        alive: true,
        kind: 1,
        shield: 2,
        hp: 3,
    };
    world.target = world.enemies.spawn(foe).unwrap();
    let leader = world
        .units
        .spawn(Unit {
            hp: 1,
            leader: Handle::NONE,
        })
        .unwrap();
    world.units.spawn(Unit { hp: 1, leader }).unwrap();
    let mut table = Vec::new();
    crate::reflect::table_of::<World>(&mut table);
    assert!(!table.is_empty());
    let world = [world];
    assert_described::<World>(&[]);
    // SAFETY: viewing plain data's own bytes: `World` has no padding.
    let bytes =
        unsafe { std::slice::from_raw_parts(world.as_ptr().cast::<u8>(), size_of::<World>()) };
    assert_eq!(crate::reflect::check_values(World::FIELDS, bytes), Ok(()));
    let mut bytes = bytes.to_vec();
    let alive = std::mem::offset_of!(World, enemies) + 16;
    bytes[alive] = 2;
    assert_eq!(
        crate::reflect::check_values(World::FIELDS, &bytes)
            .unwrap_err()
            .to_string(),
        "field `enemies.items[0].alive` holds 2, not a bool (0 or 1)"
    );
}

/// One step of a game's use of a pool, for the model test.
#[derive(Clone, Debug)]
enum Op {
    Spawn(i32),
    /// Despawns the n-th handle ever issued (modulo their count).
    Despawn(usize),
    /// Keeps the entities whose hp is not a multiple of this.
    Retain(i32),
    Clear,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..100i32).prop_map(Op::Spawn),
        3 => (0..64usize).prop_map(Op::Despawn),
        1 => (2..5i32).prop_map(Op::Retain),
        1 => Just(Op::Clear),
    ]
}

proptest! {
    /// The pool against a model: a map of the live handles. Every handle
    /// ever issued is distinct, stale ones find nothing, and `spawn` takes
    /// the lowest slot no live handle holds.
    #[test]
    fn behaves_like_a_map_of_unique_handles(ops in prop::collection::vec(op(), 0..200)) {
        let mut pool: Pool<Enemy, 6> = Pool::new();
        let mut live: HashMap<Handle<Enemy>, i32> = HashMap::new();
        let mut issued: Vec<Handle<Enemy>> = Vec::new();
        for op in ops {
            match op {
                Op::Spawn(hp) => {
                    let lowest = (0..6).find(|&i| !live.keys().any(|h| h.index() == i));
                    match pool.spawn(enemy(hp)) {
                        Ok(handle) => {
                            prop_assert_eq!(Some(handle.index()), lowest);
                            prop_assert!(!issued.contains(&handle));
                            issued.push(handle);
                            live.insert(handle, hp);
                        }
                        Err(back) => {
                            prop_assert_eq!(back, enemy(hp));
                            prop_assert_eq!(lowest, None);
                        }
                    }
                }
                Op::Despawn(n) if !issued.is_empty() => {
                    let handle = issued[n % issued.len()];
                    let expected = live.remove(&handle).map(enemy);
                    prop_assert_eq!(pool.despawn(handle), expected);
                }
                Op::Despawn(_) => {}
                Op::Retain(m) => {
                    pool.retain(|_, e| e.hp % m != 0);
                    live.retain(|_, hp| *hp % m != 0);
                }
                Op::Clear => {
                    pool.clear();
                    live.clear();
                }
            }
            for handle in &issued {
                prop_assert_eq!(pool.get(*handle).map(|e| e.hp), live.get(handle).copied());
            }
            let mut expected: Vec<_> = live.iter().map(|(h, hp)| (*h, *hp)).collect();
            expected.sort_by_key(|(h, _)| h.index());
            let seen: Vec<_> = pool.iter().map(|(h, e)| (h, e.hp)).collect();
            prop_assert_eq!(seen, expected);
            prop_assert_eq!(pool.len(), live.len());
            prop_assert_eq!(pool.is_full(), live.len() == 6);
        }
    }

    /// A pool from any bytes the engine accepts (any generations, any
    /// items): no method panics, and they agree with each other.
    #[test]
    fn any_accepted_bytes_make_a_consistent_pool(
        noise in prop::collection::vec(any::<u8>(), 1..64),
        probes in prop::collection::vec((0..10u32, any::<u32>()), 0..16),
    ) {
        let mut pool: Pool<Enemy, 5> = from_noise(&noise);
        let handles: Vec<_> = pool.handles().collect();
        prop_assert_eq!(pool.len(), handles.len());
        prop_assert_eq!(pool.is_empty(), handles.is_empty());
        for &handle in &handles {
            prop_assert!(pool.contains(handle) && pool.get(handle).is_some());
        }
        for (index, generation) in probes {
            let probe = Handle::new(index, generation);
            let found = pool.get(probe).is_some();
            prop_assert_eq!(found, handles.contains(&probe));
            prop_assert_eq!(pool.get_mut(probe).is_some(), found);
        }
        prop_assert_eq!(pool.get(Handle::NONE), None);
        let free = 5 - handles.len() - pool.generations.iter().filter(|&&g| g == RETIRED).count();
        for _ in 0..free {
            let spawned = pool.spawn(enemy(1)).unwrap();
            prop_assert!(!handles.contains(&spawned));
        }
        prop_assert!(pool.is_full());
        for &handle in &handles {
            prop_assert!(pool.despawn(handle).is_some());
            prop_assert!(!pool.contains(handle));
        }
        pool.clear();
        prop_assert!(pool.is_empty());
    }
}
