//! A live scanning session: frames arrive at ~30 fps and each gets a hard time
//! budget, so the preview never stutters. The cascade is split by measured cost:
//! cheap attempts take turns on every frame for as long as their (learned) cost
//! fits the budget; one expensive attempt runs alone on every `EXPENSIVE_EVERY`-th
//! frame, rarely enough to keep the 95th-percentile frame within budget. Over a
//! few seconds the whole cascade has run. The first decode ends the session.

use std::time::{Duration, Instant};

use super::{Attempt, CHEAP_ATTEMPTS, EXPENSIVE_ATTEMPTS, LumaFrame, ScanError, ScanResult};
use super::{result, run_attempt};

/// A tenth of a frame at 30 fps: the preview and the rest of the app keep the core.
pub const DEFAULT_FRAME_BUDGET: Duration = Duration::from_millis(3);
/// One frame in 24 (under 5 %) may spend longer, on one expensive attempt.
pub const EXPENSIVE_EVERY: u64 = 24;

#[derive(Debug)]
pub struct ScanSession {
    budget: Duration,
    cheap_turn: usize,
    expensive_turn: usize,
    /// Learned cost of each cheap attempt on this device and frame size (EWMA).
    cheap_costs: Vec<Duration>,
    finished: bool,
    frames: u64,
}

impl Default for ScanSession {
    fn default() -> Self {
        Self::new(DEFAULT_FRAME_BUDGET)
    }
}

impl ScanSession {
    pub fn new(frame_budget: Duration) -> Self {
        Self {
            budget: frame_budget,
            cheap_turn: 0,
            expensive_turn: 0,
            cheap_costs: vec![Duration::ZERO; CHEAP_ATTEMPTS.len()],
            finished: false,
            frames: 0,
        }
    }

    /// Scans one frame. `Ok(Some(_))` once, for the first code found; after that
    /// the session is finished and further frames are ignored (`Ok(None)`).
    pub fn push_frame(&mut self, frame: &LumaFrame<'_>) -> Result<Option<ScanResult>, ScanError> {
        if self.finished {
            return Ok(None);
        }
        let image = frame.packed()?;
        self.frames += 1;
        let found = if self.frames % EXPENSIVE_EVERY == 0 {
            let attempt = EXPENSIVE_ATTEMPTS[self.expensive_turn % EXPENSIVE_ATTEMPTS.len()];
            self.expensive_turn += 1;
            run_attempt(&image, attempt)
        } else {
            self.cheap_attempts(&image)
        };
        Ok(found.map(|(text, points)| {
            self.finished = true;
            result(text, points, frame.rotation, frame.width, frame.height)
        }))
    }

    fn cheap_attempts(&mut self, image: &super::Gray) -> Option<(String, Vec<(f32, f32)>)> {
        let started = Instant::now();
        for ran in 0..CHEAP_ATTEMPTS.len() {
            let index = self.cheap_turn % CHEAP_ATTEMPTS.len();
            let estimate = self.cheap_costs[index];
            // The first attempt of a frame always runs; later ones only if they fit.
            if ran > 0 && started.elapsed() + estimate > self.budget {
                return None;
            }
            let attempt: Attempt = CHEAP_ATTEMPTS[index];
            let attempt_started = Instant::now();
            let found = run_attempt(image, attempt);
            let cost = attempt_started.elapsed();
            self.cheap_costs[index] = if estimate.is_zero() {
                cost
            } else {
                (estimate * 3 + cost) / 4
            };
            self.cheap_turn += 1;
            if found.is_some() {
                return found;
            }
        }
        None
    }

    pub fn is_finished(&self) -> bool {
        self.finished
    }

    pub fn frames_seen(&self) -> u64 {
        self.frames
    }
}
