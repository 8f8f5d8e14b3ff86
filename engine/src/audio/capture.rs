//! `--audio-capture FILE.wav`: exactly what the mixer made, one block per
//! step, written by a thread of its own as 32-bit float stereo WAV at the
//! mix rate, so sample `n` is step time `n / 48000` s. Tests read it to
//! see when each sound started.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::thread::JoinHandle;

use crate::assets::MIX_RATE;

/// Blocks on their way to the file; the frame thread waits only when the
/// writer is this far behind.
const IN_FLIGHT: usize = 16;

/// The capture file being written.
pub struct Capture {
    path: PathBuf,
    blocks: Option<SyncSender<Vec<f32>>>,
    spare: Receiver<Vec<f32>>,
    /// Where the buffers are put at the first block, sized for it; then
    /// dropped, so that a writer that ended cannot leave `spare` waiting.
    fill_spare: Option<Sender<Vec<f32>>>,
    writer: Option<JoinHandle<Result<(), String>>>,
}

impl Capture {
    /// Starts writing `path`; `append` carries on an existing capture (an
    /// engine process restarted after a crash).
    ///
    /// # Errors
    /// When the file cannot be created or appended to.
    pub fn create(path: &Path, append: bool) -> Result<Self, String> {
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: MIX_RATE,
            bits_per_sample: 32,
            sample_format: hound::SampleFormat::Float,
        };
        let writer = match append && path.is_file() {
            true => hound::WavWriter::append(path),
            false => hound::WavWriter::create(path, spec),
        }
        .map_err(|e| format!("cannot write the audio capture {}: {e}", path.display()))?;
        let (blocks, full) = mpsc::sync_channel::<Vec<f32>>(IN_FLIGHT);
        let (give_back, spare) = mpsc::channel();
        let fill_spare = Some(give_back.clone());
        let shown = path.display().to_string();
        let writer = std::thread::Builder::new()
            .name("hotloop-capture".into())
            .spawn(move || {
                let mut writer = writer;
                let failed = |e: hound::Error| format!("writing the audio capture {shown}: {e}");
                for block in full {
                    for &sample in &block {
                        writer.write_sample(sample).map_err(failed)?;
                    }
                    // The header stays right after every block: a capture
                    // cut off by a crash still reads, and can be appended to.
                    writer.flush().map_err(failed)?;
                    let _ = give_back.send(block);
                }
                writer.finalize().map_err(failed)
            })
            .map_err(|e| format!("cannot start the audio capture's thread: {e}"))?;
        Ok(Self {
            path: path.to_path_buf(),
            blocks: Some(blocks),
            spare,
            fill_spare,
            writer: Some(writer),
        })
    }

    /// Hands one step's block to the writer, in a buffer it gave back: all
    /// are made at the first block, so none is allocated after it. Waits
    /// only when the writer is 16 blocks behind.
    pub fn write(&mut self, block: &[f32]) {
        if self.blocks.is_none() {
            return;
        }
        if let Some(fill) = self.fill_spare.take() {
            for _ in 0..=IN_FLIGHT {
                let _ = fill.send(Vec::with_capacity(block.len()));
            }
        }
        let Ok(mut buffer) = self.spare.recv() else {
            return self.stop();
        };
        buffer.clear();
        buffer.extend_from_slice(block);
        if let Some(blocks) = &self.blocks
            && blocks.send(buffer).is_err()
        {
            self.stop();
        }
    }

    /// Ends the writer and says why it failed, if it did.
    fn stop(&mut self) {
        drop(self.blocks.take());
        if let Some(writer) = self.writer.take() {
            match writer.join() {
                Ok(Ok(())) => log::debug!("audio capture {} written", self.path.display()),
                Ok(Err(error)) => log::error!("{error}"),
                Err(_) => log::error!("the audio capture's writer panicked"),
            }
        }
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        self.stop();
    }
}
