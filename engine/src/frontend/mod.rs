//! What drives the [`Engine`](crate::Engine) and shows it: the window (with
//! its overlay, inspector and keys), the headless runner, and the text they
//! draw with.

pub mod gamepads;
pub mod headless;
pub mod input;
pub mod inspector;
pub mod overlay;
pub mod stdin_keys;
pub mod text;
pub mod timings;
pub mod window;
