use super::*;

crate::state! {
    /// Padded: 3 bytes after `alive`, so zeroing must cover padding too.
    struct Enemy { alive: bool, hp: i32 }
}

fn enemy(hp: i32) -> Enemy {
    Enemy { alive: true, hp }
}

fn hps<const N: usize>(list: &List<Enemy, N>) -> Vec<i32> {
    list.iter().map(|enemy| enemy.hp).collect()
}

/// Every byte of `list`'s slots from `from` on.
fn free_bytes<const N: usize>(list: &List<Enemy, N>, from: usize) -> Vec<u8> {
    let slots = &list.items[from..];
    // SAFETY: viewing plain data's own bytes; `Enemy` has padding, but every
    // slot past the length was written with `write_bytes`, or is zero from `new`.
    unsafe { std::slice::from_raw_parts(slots.as_ptr().cast::<u8>(), size_of_val(slots)) }.to_vec()
}

fn all_zero(bytes: &[u8]) -> bool {
    bytes.iter().all(|&byte| byte == 0)
}

/// A list of 4 holding hp 1, 2, 3.
fn three() -> List<Enemy, 4> {
    List::from_iter([1, 2, 3].map(enemy))
}

#[test]
fn new_and_default_are_empty_with_zeroed_slots() {
    let list: List<Enemy, 4> = List::new();
    assert_eq!((list.len(), list.capacity(), list.is_empty()), (0, 4, true));
    assert!(all_zero(&free_bytes(&list, 0)));
    assert_eq!(List::<Enemy, 4>::default(), list);
}

#[test]
fn push_hands_the_item_back_when_full() {
    let mut list: List<Enemy, 2> = List::new();
    assert_eq!(list.push(enemy(1)), Ok(()));
    assert!(!list.is_full());
    assert_eq!(list.push(enemy(2)), Ok(()));
    assert!(list.is_full());
    assert_eq!(list.push(enemy(3)), Err(enemy(3)));
    assert_eq!(hps(&list), [1, 2]);
}

#[test]
fn pop_returns_the_last_and_zeroes_its_slot() {
    let mut list = three();
    assert_eq!(list.pop(), Some(enemy(3)));
    assert_eq!(hps(&list), [1, 2]);
    assert!(all_zero(&free_bytes(&list, 2)));
    list.clear();
    assert_eq!(list.pop(), None);
}

#[test]
fn insert_shifts_the_rest_and_refuses_when_full() {
    let mut list = three();
    assert_eq!(list.insert(1, enemy(9)), Ok(()));
    assert_eq!(hps(&list), [1, 9, 2, 3]);
    assert_eq!(list.insert(0, enemy(7)), Err(enemy(7)));
    let mut list: List<Enemy, 4> = List::new();
    list.insert(0, enemy(5)).unwrap();
    list.insert(1, enemy(6)).unwrap();
    assert_eq!(hps(&list), [5, 6]);
}

#[test]
#[should_panic(expected = "insert index 4 past the length 3")]
fn insert_past_the_length_panics() {
    let _ = three().insert(4, enemy(0));
}

#[test]
fn remove_keeps_the_order_and_zeroes_the_freed_slot() {
    let mut list = three();
    assert_eq!(list.remove(0), enemy(1));
    assert_eq!(hps(&list), [2, 3]);
    assert!(all_zero(&free_bytes(&list, 2)));
}

#[test]
#[should_panic(expected = "remove index 3 past the length 3")]
fn remove_past_the_length_panics() {
    three().remove(3);
}

#[test]
fn swap_remove_moves_the_last_in_and_zeroes_its_slot() {
    let mut list = three();
    assert_eq!(list.swap_remove(0), enemy(1));
    assert_eq!(hps(&list), [3, 2]);
    assert!(all_zero(&free_bytes(&list, 2)));
    assert_eq!(list.swap_remove(1), enemy(2));
    assert_eq!(hps(&list), [3]);
}

#[test]
#[should_panic(expected = "swap_remove index 0 past the length 0")]
fn swap_remove_on_an_empty_list_panics() {
    List::<Enemy, 4>::new().swap_remove(0);
}

#[test]
fn retain_keeps_the_order_and_zeroes_what_it_drops() {
    let mut list = three();
    list.retain(|enemy| enemy.hp != 2);
    assert_eq!(hps(&list), [1, 3]);
    assert!(all_zero(&free_bytes(&list, 2)));

    let mut list = three();
    list.retain_mut(|enemy| {
        enemy.hp -= 1;
        enemy.hp > 0
    });
    assert_eq!(hps(&list), [1, 2]);
    assert!(all_zero(&free_bytes(&list, 2)));
}

#[test]
fn truncate_and_clear_zero_every_freed_slot() {
    let mut list = three();
    list.truncate(5);
    assert_eq!(list.len(), 3, "longer than the list: nothing happens");
    list.truncate(1);
    assert_eq!(hps(&list), [1]);
    assert!(all_zero(&free_bytes(&list, 1)));
    list.clear();
    assert!(list.is_empty());
    assert!(all_zero(&free_bytes(&list, 0)));
}

#[test]
fn slices_iterators_and_indexing_see_only_the_items() {
    let mut list = three();
    assert_eq!(list.as_slice().len(), 3);
    assert_eq!(list[2], enemy(3));
    assert_eq!(list[1..].len(), 2);
    list[0].hp = 10;
    for enemy in list.iter_mut() {
        enemy.hp += 1;
    }
    for enemy in &mut list {
        enemy.hp += 1;
    }
    list.as_mut_slice()[1].hp = 0;
    assert_eq!(hps(&list), [12, 0, 5]);
    assert_eq!((&list).into_iter().count(), 3);
    // Slice methods through `Deref`.
    list.sort_by_key(|enemy| enemy.hp);
    assert_eq!(list.first(), Some(&enemy(0)));
    assert!(list.contains(&enemy(12)));
}

#[test]
#[should_panic(expected = "the len is 3 but the index is 3")]
fn indexing_a_free_slot_panics() {
    let list = three();
    let _ = list[3];
}

#[test]
fn from_iter_truncates_and_try_from_iter_says_what_did_not_fit() {
    let list: List<Enemy, 2> = (1..=5).map(enemy).collect();
    assert_eq!(hps(&list), [1, 2]);
    assert_eq!(
        List::<Enemy, 2>::try_from_iter((1..=5).map(enemy)),
        Err(enemy(3))
    );
    let list = List::<Enemy, 2>::try_from_iter([enemy(4)]).unwrap();
    assert_eq!(hps(&list), [4]);
}

#[test]
fn debug_and_equality_ignore_free_slots() {
    let mut a = three();
    let b = List::<Enemy, 4>::from_iter([1, 2].map(enemy));
    assert_ne!(a, b);
    a.pop();
    assert_eq!(a, b);
    assert_eq!(
        format!("{b:?}"),
        "[Enemy { alive: true, hp: 1 }, Enemy { alive: true, hp: 2 }]"
    );
}

#[test]
fn the_field_table_describes_the_length_and_the_items() {
    type Enemies = List<Enemy, 4>;
    let [len, items] = Enemies::FIELDS else {
        panic!("two fields")
    };
    assert_eq!((len.name, len.offset, len.kind), ("len", 0, FieldKind::U32));
    assert_eq!(items.name, "items");
    assert_eq!(items.offset, std::mem::offset_of!(Enemies, items));
    assert_eq!(items.kind, FieldKind::Array);
    assert_eq!(items.size, 4 * size_of::<Enemy>());
    assert_eq!(items.fields[0].fingerprint, Enemy::FINGERPRINT);
    assert_eq!(Enemies::KIND, FieldKind::List);
    assert_ne!(Enemies::FINGERPRINT, <[Enemy; 4]>::FINGERPRINT);
    assert_ne!(Enemies::FINGERPRINT, List::<Enemy, 5>::FINGERPRINT);
}
