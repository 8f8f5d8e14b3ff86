//! Starting an engine: the first library, its state (on the heap, or in the
//! session's shared memory when supervised), watchers and assets.

use std::sync::Arc;
use std::time::Duration;

use super::messages::Messages;
use super::{Engine, EngineConfig, ReloadRecord, ReloadStats, SwapKind};
use crate::assets::{AssetStore, AssetWatcher};
use crate::audio::AudioOut;
use crate::error::StartError;
use crate::loader::library::GameLibrary;
use crate::loader::shadow::ShadowDir;
use crate::runtime::frame_times::FrameTimes;
use crate::runtime::looping::Looper;
use crate::session::Session;
use crate::shared::control;
use crate::source::ReloadSource;
use crate::source::watcher::LibraryWatcher;
use crate::state::{StateBuffer, StepCopy};
use hotloop_abi::Message;

impl Engine {
    pub(super) fn start(
        config: EngineConfig,
        session: Option<Session>,
    ) -> Result<Self, StartError> {
        let shadows = Arc::new(shadow_dir(session.as_ref())?);
        let library = GameLibrary::load(&config.library, &shadows)?;
        Self::start_with(config, library, session, shadows)
    }

    pub(super) fn start_linked(
        config: EngineConfig,
        game: &hotloop_abi::symbols::LinkedGame,
    ) -> Result<Self, StartError> {
        let shadows = Arc::new(ShadowDir::none().map_err(|source| StartError::Setup {
            what: "the retiring thread".into(),
            source,
        })?);
        let library = GameLibrary::linked(game)?;
        Self::start_with(config, library, None, shadows)
    }

    fn start_with(
        config: EngineConfig,
        library: GameLibrary,
        session: Option<Session>,
        shadows: Arc<ShadowDir>,
    ) -> Result<Self, StartError> {
        let (mut state, before_step) =
            allocate(session.as_ref(), 1, &library).map_err(|source| StartError::Setup {
                what: "the session's state files".into(),
                source,
            })?;
        library.init(&mut state)?;
        let greeting = library.greeting().to_owned();
        log::info!("generation 1: {greeting}");
        let history = vec![ReloadRecord {
            generation: 1,
            first_step: 0,
            source: config.library.clone(),
            greeting,
            kind: SwapKind::Build,
            switch_time: Duration::ZERO,
        }];
        let mut engine =
            Self::assemble(config, Some(library), state, before_step, session, shadows)?;
        engine.set_profiling(engine.config.profile_systems);
        if let Some(reports) = engine.config.crash_reports.clone() {
            // The last run's death, told before this one's journal starts.
            for told in super::crash_log::report_leftovers(&reports.dir) {
                log::warn!("{told}");
                engine.messages.note(Some(told));
            }
            engine.crash_log = Some(super::crash_log::CrashLog::new(
                reports.dir,
                reports.game,
                &engine.state,
                engine.table.described(),
                engine.clock,
                engine.display.rate,
            ));
        }
        engine.history = history;
        engine.stats.generation = 1;
        engine.newest_generation = 1;
        engine.persist();
        if let Some(session) = &engine.session {
            session.control().set_phase(control::Phase::Running);
        }
        Ok(engine)
    }

    /// An engine around a state and library, with its watchers and assets set up.
    pub(super) fn assemble(
        config: EngineConfig,
        library: Option<GameLibrary>,
        state: StateBuffer,
        before_step: StateBuffer,
        session: Option<Session>,
        shadows: Arc<ShadowDir>,
    ) -> Result<Self, StartError> {
        let source: Option<Box<dyn ReloadSource>> =
            if config.watch {
                let loaded = library.as_ref().map(GameLibrary::id);
                let watcher = LibraryWatcher::spawn(&config.library, loaded, shadows.clone())
                    .map_err(|e| StartError::Setup {
                        what: format!("a watcher on {}", config.library.display()),
                        source: std::io::Error::other(e),
                    })?;
                Some(Box::new(watcher))
            } else {
                None
            };
        let table = library
            .as_ref()
            .map(|library| library.table().clone())
            .unwrap_or_default();
        let display = super::display_of(&config, library.as_ref());
        let (assets, asset_watcher, asset_error) = match &config.assets {
            Some(dir) => {
                let (store, errors) = AssetStore::load(dir);
                let watcher = config
                    .watch_assets
                    .then(|| AssetWatcher::spawn(dir))
                    .transpose()
                    .map_err(|e| StartError::Setup {
                        what: format!("a watcher on {}", dir.display()),
                        source: std::io::Error::other(e),
                    })?;
                for error in &errors {
                    log::error!("{error}");
                }
                (store, watcher, errors.into_iter().next())
            }
            None => (AssetStore::default(), None, None),
        };
        let mut messages = Messages::default();
        if let Some(error) = asset_error {
            messages.asset_failed(error);
        }
        let before_step = StepCopy::new(before_step, &state, config.step_copy);
        let resuming = session.as_ref().is_some_and(Session::is_resuming);
        let audio = AudioOut::new(&config.audio, resuming).map_err(|reason| StartError::Setup {
            what: "the audio capture".into(),
            source: std::io::Error::other(reason),
        })?;
        Ok(Self {
            before_step,
            config,
            library,
            table,
            display,
            state,
            fallback: None,
            steps: 0,
            clock: 0,
            stats: ReloadStats::default(),
            newest_generation: 0,
            messages,
            paused: false,
            building: None,
            history: Vec::new(),
            scratch: Message::new(),
            frame_times: FrameTimes::default(),
            looper: Looper::default(),
            reloaded_at: None,
            profile: None,
            assets,
            asset_watcher,
            audio,
            session,
            state_serial: 1,
            superseded: Vec::new(),
            crash_log: None,
            crashed: Vec::new(),
            restarted_after: None,
            last_build_time: std::time::UNIX_EPOCH,
            source,
            shadows,
        })
    }
}

/// A shadow directory: the session's when supervised, else a temporary one.
pub(super) fn shadow_dir(session: Option<&Session>) -> Result<ShadowDir, StartError> {
    session
        .map_or_else(ShadowDir::create, Session::shadow_dir)
        .map_err(|source| StartError::Setup {
            what: "the shadow directory".into(),
            source,
        })
}

/// Zeroed buffers for `library`'s state and its per-step copy: in the
/// session's shared memory (as layout `serial`) when supervised.
pub(super) fn allocate(
    session: Option<&Session>,
    serial: u64,
    library: &GameLibrary,
) -> std::io::Result<(StateBuffer, StateBuffer)> {
    let layout = library.layout();
    match session {
        Some(session) => {
            let (now, before) =
                session.create_state(serial, layout.size as usize, library.table().bytes())?;
            let shared = |bytes| {
                StateBuffer::shared(bytes, layout)
                    .map_err(|reason| std::io::Error::new(std::io::ErrorKind::InvalidData, reason))
            };
            Ok((shared(now)?, shared(before)?))
        }
        None => {
            let state = StateBuffer::zeroed(layout).expect("GameLibrary::load checked the layout");
            Ok((state.clone(), state))
        }
    }
}
