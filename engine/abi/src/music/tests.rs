use super::*;

fn at(number: u64) -> Frame<'static> {
    Frame {
        number,
        ..Frame::default()
    }
}

#[test]
fn playing_the_same_track_again_keeps_its_start() {
    let mut music = Music::default();
    assert_eq!(music.track(), None);
    music.play("theme.ogg", &at(3));
    music.set_volume(0.5);
    music.play("theme.ogg", &at(9));
    assert_eq!(
        (music.track(), music.started(), music.volume()),
        (Some("theme.ogg"), 3, 0.5)
    );
    music.play("boss.ogg", &at(12));
    assert_eq!(
        (music.track(), music.started(), music.volume()),
        (Some("boss.ogg"), 12, 1.0)
    );
    music.restart("boss.ogg", &at(20));
    assert_eq!(music.started(), 20);
    music.stop();
    assert_eq!(music, Music::SILENCE);
}

#[test]
fn the_engine_reads_what_game_code_wrote() {
    let mut music = Music::default();
    music.play("a/b.wav", &at(77));
    music.set_volume(0.25);
    // The bytes as the state buffer holds them: `repr(C)`, no padding.
    let mut bytes = [0u8; 48];
    bytes[..7].copy_from_slice(b"a/b.wav");
    bytes[32..40].copy_from_slice(&77u64.to_ne_bytes());
    bytes[40..44].copy_from_slice(&0.25f32.to_ne_bytes());
    assert_eq!(Music::from_bytes(&bytes), Some(music));
    assert_eq!(Music::from_bytes(&bytes[..40]), None);
    assert_eq!(size_of::<Music>(), 48);
}

#[test]
#[should_panic(expected = "1 to 32 bytes")]
fn a_track_name_too_long_panics() {
    Music::default().play(&"x".repeat(33), &at(0));
}
