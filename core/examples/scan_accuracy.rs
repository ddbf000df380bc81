//! Accuracy and speed of the scanner on the shared test corpus:
//!   cargo run --release -p countersign-core --example scan_accuracy [-- --attempts]
//! Prints, for the real photos (zxing-cpp blackbox) and the synthetic 720p frames,
//! the detection rate and the median / p95 time per image of the full cascade and
//! of a live session; with --attempts, the same for every single attempt, which is
//! how the cascade's order was chosen. With --large, the real photos are also
//! blown up past `MAX_STILL_PIXELS` and scanned as `scan_image` scans a big
//! photo (scaled back down first), and a 4096×4096 noise picture is timed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use countersign_core::scan::{
    ALL_STRATEGIES, ALL_TRANSFORMS, Attempt, CASCADE, Gray, LumaFrame, MAX_STILL_PIXELS, Rotation,
    ScanSession, decode_image_file, downscale_factor, run_attempt,
};

struct Sample {
    name: String,
    image: Gray,
    /// None for frames that hold no code.
    expected: Option<String>,
}

fn testdata() -> PathBuf {
    std::env::var_os("COUNTERSIGN_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata"))
        .join("qr")
}

fn normalise(text: &str) -> String {
    text.replace("\r\n", "\n")
}

fn load_set(set: &str) -> Vec<Sample> {
    load_dir(&testdata().join(set))
}

/// A set in gen_frames.py's layout anywhere: frames plus manifest.json.
fn load_dir(dir: &Path) -> Vec<Sample> {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    manifest
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| !entry["structured_append_part"].as_bool().unwrap_or(false))
        .map(|entry| {
            let name = entry["file"].as_str().unwrap().to_owned();
            let image = decode_image_file(&std::fs::read(dir.join(&name)).unwrap()).unwrap();
            Sample {
                name,
                image,
                expected: entry["expected"].as_str().map(normalise),
            }
        })
        .collect()
}

struct Score {
    found: usize,
    positives: usize,
    false_positives: usize,
    times: Vec<Duration>,
}

impl Score {
    fn line(&mut self, label: &str) -> String {
        self.times.sort();
        let pick = |q: f64| {
            let index = ((self.times.len() as f64 - 1.0) * q).round() as usize;
            self.times[index].as_secs_f64() * 1000.0
        };
        format!(
            "{label:<44} {:>4}/{:<4} {:>5.1} %  {:>7.2}  {:>7.2}  {}",
            self.found,
            self.positives,
            100.0 * self.found as f64 / self.positives.max(1) as f64,
            pick(0.5),
            pick(0.95),
            self.false_positives
        )
    }
}

fn score(samples: &[Sample], mut scan: impl FnMut(&Gray) -> Option<String>) -> Score {
    let mut score = Score {
        found: 0,
        positives: 0,
        false_positives: 0,
        times: Vec::new(),
    };
    for sample in samples {
        let started = Instant::now();
        let found = scan(&sample.image);
        score.times.push(started.elapsed());
        match (&sample.expected, found) {
            (Some(expected), Some(text)) if normalise(&text) == *expected => score.found += 1,
            (None, Some(_)) => score.false_positives += 1,
            _ => {}
        }
        if sample.expected.is_some() {
            score.positives += 1;
        }
    }
    score
}

fn cascade(image: &Gray) -> Option<String> {
    CASCADE
        .iter()
        .find_map(|attempt| run_attempt(image, *attempt))
        .map(|(text, _)| text)
}

/// A live session on a still scene: the same frame pushed up to `frames` times,
/// each push timed as one frame.
fn session(samples: &[Sample], frames: usize) -> Score {
    let mut score = Score {
        found: 0,
        positives: 0,
        false_positives: 0,
        times: Vec::new(),
    };
    for sample in samples {
        let mut session = ScanSession::default();
        let frame = LumaFrame {
            width: sample.image.width,
            height: sample.image.height,
            row_stride: sample.image.width,
            rotation: Rotation::Deg0,
            bytes: &sample.image.pixels,
        };
        let mut found = None;
        for _ in 0..frames {
            let started = Instant::now();
            let result = session.push_frame(&frame).unwrap();
            score.times.push(started.elapsed());
            if let Some(result) = result {
                found = Some(result.text);
                break;
            }
        }
        match (&sample.expected, found) {
            (Some(expected), Some(text)) if normalise(&text) == *expected => score.found += 1,
            (None, Some(_)) => score.false_positives += 1,
            _ => {}
        }
        if sample.expected.is_some() {
            score.positives += 1;
        }
    }
    score
}

/// Nearest-neighbour enlargement by `factor` (a photo of the same scene taken
/// at a higher resolution, without new detail).
fn enlarged(image: &Gray, factor: u32) -> Gray {
    let (width, height) = (image.width * factor, image.height * factor);
    let mut pixels = Vec::with_capacity((width * height) as usize);
    for y in 0..height {
        for x in 0..width {
            pixels.push(image.pixels[((y / factor) * image.width + x / factor) as usize]);
        }
    }
    Gray {
        width,
        height,
        pixels,
    }
}

/// What `scan_image` does to a still image: scale down past the cap, then the cascade.
fn still_image(image: &Gray) -> Option<String> {
    let factor = downscale_factor(image.width, image.height);
    let scaled = image.downscaled(factor);
    cascade(if factor > 1 { &scaled } else { image })
}

fn large_photos() {
    let samples = load_set("zxing-blackbox");
    let large: Vec<Sample> = samples
        .iter()
        .map(|sample| {
            let pixels = u64::from(sample.image.width) * u64::from(sample.image.height);
            let mut factor = 1;
            while pixels * u64::from(factor * factor) <= MAX_STILL_PIXELS {
                factor += 1;
            }
            Sample {
                name: sample.name.clone(),
                image: enlarged(&sample.image, factor),
                expected: sample.expected.clone(),
            }
        })
        .collect();
    println!(
        "\nreal photos enlarged past {} MP, scanned as scan_image does",
        MAX_STILL_PIXELS / 1_000_000
    );
    println!(
        "{}",
        score(&large, still_image).line("scaled down, then the cascade")
    );
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let noise = Gray {
        width: 4096,
        height: 4096,
        pixels: (0..4096 * 4096)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 56) as u8
            })
            .collect(),
    };
    let started = Instant::now();
    let found = still_image(&noise);
    println!(
        "4096x4096 noise: whole cascade after scaling down {:.2} s (found: {})",
        started.elapsed().as_secs_f64(),
        found.is_some()
    );
}

fn main() {
    if std::env::args().any(|arg| arg == "--large") {
        large_photos();
        return;
    }
    let per_attempt = std::env::args().any(|arg| arg == "--attempts");
    let misses = std::env::args().any(|arg| arg == "--misses");
    let only_synthetic = std::env::args().any(|arg| arg == "--synthetic");
    // --set DIR (repeatable): sets made elsewhere, e.g. the hidden seeds of
    // scripts/scanner/make_hidden_sets.sh, instead of the shared ones.
    let args: Vec<String> = std::env::args().collect();
    let extra: Vec<(String, &str)> = args
        .windows(2)
        .filter(|pair| pair[0] == "--set")
        .map(|pair| (pair[1].clone(), "set from --set"))
        .collect();
    let sets: Vec<(String, &str)> = if extra.is_empty() {
        vec![
            ("zxing-blackbox".to_owned(), "real photos"),
            ("synthetic-seed1".to_owned(), "synthetic 720p frames"),
        ]
    } else {
        extra
    };
    for (set, label) in sets {
        if only_synthetic && set != "synthetic-seed1" {
            continue;
        }
        let samples = if label == "set from --set" {
            load_dir(Path::new(&set))
        } else {
            load_set(&set)
        };
        println!("\n{label} ({set}, {} images)", samples.len());
        println!(
            "{:<44} {:>9} {:>7}  {:>7}  {:>7}  false+",
            "", "found", "rate", "median", "p95 ms"
        );
        println!(
            "{}",
            score(&samples, cascade).line("full cascade (still image)")
        );
        println!(
            "{}",
            session(&samples, 30).line("live session, found within 30 frames (1 s)")
        );
        println!(
            "{}",
            session(&samples, 120).line("live session, found within 120 frames (4 s)")
        );
        if per_attempt {
            for transform in ALL_TRANSFORMS {
                for strategy in ALL_STRATEGIES {
                    let attempt = Attempt {
                        transform,
                        strategy,
                    };
                    let mut hits = Vec::new();
                    let mut line = score(&samples, |image| {
                        let found = run_attempt(image, attempt).map(|(t, _)| t);
                        hits.push(found.is_some());
                        found
                    });
                    let new: usize = samples
                        .iter()
                        .zip(&hits)
                        .filter(|(s, hit)| {
                            **hit
                                && s.expected.as_ref().is_some_and(|e| {
                                    cascade(&s.image).map(|t| normalise(&t)).as_ref() != Some(e)
                                })
                        })
                        .count();
                    println!(
                        "{}  new vs cascade: {new}",
                        line.line(&format!("{transform:?} + {strategy:?}"))
                    );
                }
            }
        }
        if misses {
            for sample in &samples {
                if sample.expected.is_some()
                    && cascade(&sample.image).map(|t| normalise(&t)) != sample.expected
                {
                    println!("  missed {}", sample.name);
                }
            }
        }
    }
}
