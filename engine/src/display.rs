//! Which display a window opens on, as the environment names it: shared by
//! the window and by the supervisor, which reports a display that went away.

/// The display's name (`$DISPLAY`, else `$WAYLAND_DISPLAY`).
pub fn display_name() -> String {
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "(unnamed)".into())
}
