//! One decoding attempt on a packed grayscale image with one strategy, through
//! rxing (a pure-Rust port of ZXing and zxing-cpp). Nothing here may panic out:
//! every call into the decoder runs inside `catch_unwind`.

use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};

use rxing::common::{GlobalHistogramBinarizer, HybridBinarizer};
use rxing::qrcode::QRCodeReader;
use rxing::qrcode::cpp_port::QrReader;
use rxing::{
    BarcodeFormat, Binarizer, BinaryBitmap, DecodeHintValue, DecodeHints, ImmutableReader,
    Luma8Source, LuminanceSource, Reader,
};

/// A packed 8-bit grayscale image (row stride = width).
#[derive(Clone)]
pub struct Gray {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

impl std::fmt::Debug for Gray {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Gray({}x{})", self.width, self.height)
    }
}

impl Gray {
    /// Averages `factor`×`factor` blocks: fewer pixels to search, and sensor noise
    /// and JPEG ringing averaged away. Points found in the result are scaled back.
    pub fn downscaled(&self, factor: u32) -> Gray {
        let factor = factor.max(1);
        let width = self.width / factor;
        let height = self.height / factor;
        let source_width = self.width as usize;
        let f = factor as usize;
        let mut pixels = Vec::with_capacity(width as usize * height as usize);
        for y in 0..height as usize {
            for x in 0..width as usize {
                let mut sum = 0u32;
                for dy in 0..f {
                    let row = (y * f + dy) * source_width + x * f;
                    for value in &self.pixels[row..row + f] {
                        sum += u32::from(*value);
                    }
                }
                pixels.push((sum / (factor * factor)) as u8);
            }
        }
        Gray {
            width,
            height,
            pixels,
        }
    }

    /// Maps the 1st..99th percentile of brightness onto 0..255: low-contrast frames
    /// (dim rooms, glare-washed screens) get the dynamic range the binarizer needs.
    pub fn stretched(&self) -> Gray {
        let mut histogram = [0usize; 256];
        for value in &self.pixels {
            histogram[usize::from(*value)] += 1;
        }
        let cut = self.pixels.len() / 100;
        let percentile = |from_top: bool| {
            let mut seen = 0;
            let mut order: Vec<usize> = (0..256).collect();
            if from_top {
                order.reverse();
            }
            for level in order {
                seen += histogram[level];
                if seen > cut {
                    return level as i32;
                }
            }
            if from_top { 255 } else { 0 }
        };
        let (low, high) = (percentile(false), percentile(true));
        let range = (high - low).max(1);
        let table: Vec<u8> = (0..256)
            .map(|level| ((level - low).clamp(0, range) * 255 / range) as u8)
            .collect();
        Gray {
            width: self.width,
            height: self.height,
            pixels: self.pixels.iter().map(|v| table[usize::from(*v)]).collect(),
        }
    }

    /// Unsharp mask (2·pixel − 3×3 mean): restores edges that focus blur and
    /// JPEG softened.
    pub fn sharpened(&self) -> Gray {
        let (w, h) = (self.width as usize, self.height as usize);
        // 3-wide horizontal sums first, then three of those rows per output pixel.
        let mut row_sums = vec![0u16; w * h];
        for y in 0..h {
            let row = &self.pixels[y * w..(y + 1) * w];
            for x in 1..w.saturating_sub(1) {
                row_sums[y * w + x] =
                    u16::from(row[x - 1]) + u16::from(row[x]) + u16::from(row[x + 1]);
            }
        }
        let mut pixels = self.pixels.clone();
        for y in 1..h.saturating_sub(1) {
            for x in 1..w.saturating_sub(1) {
                let sum = i32::from(row_sums[(y - 1) * w + x])
                    + i32::from(row_sums[y * w + x])
                    + i32::from(row_sums[(y + 1) * w + x]);
                let center = i32::from(self.pixels[y * w + x]);
                pixels[y * w + x] = (2 * center - sum / 9).clamp(0, 255) as u8;
            }
        }
        Gray {
            width: self.width,
            height: self.height,
            pixels,
        }
    }

    /// Light-on-dark codes (dark mode screens) read as ordinary ones after this.
    pub fn inverted(&self) -> Gray {
        Gray {
            width: self.width,
            height: self.height,
            pixels: self.pixels.iter().map(|value| 255 - value).collect(),
        }
    }
}

/// How to binarize and search. The cheap ones run on every frame; the rest rotate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Strategy {
    /// Local thresholds (copes with uneven light), zxing-cpp's detector only.
    Hybrid,
    /// Hybrid, with ZXing's slower, more thorough search and its Java detector as fallback.
    HybridTryHarder,
    /// One global threshold: better on low contrast with even light.
    GlobalHistogram,
}

pub const ALL_STRATEGIES: [Strategy; 3] = [
    Strategy::Hybrid,
    Strategy::HybridTryHarder,
    Strategy::GlobalHistogram,
];

#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    pub text: String,
    pub points: Vec<(f32, f32)>,
}

pub fn decode(image: &Gray, strategy: Strategy) -> Option<Decoded> {
    if image.width < 21 || image.height < 21 {
        // Smaller than one version-1 symbol; rxing is also known to panic on 0×0.
        return None;
    }
    catch_unwind(AssertUnwindSafe(|| decode_unguarded(image, strategy)))
        .ok()
        .flatten()
}

fn decode_unguarded(image: &Gray, strategy: Strategy) -> Option<Decoded> {
    let source = Luma8Source::new_with_slice(&image.pixels, image.width, image.height).ok()?;
    match strategy {
        Strategy::Hybrid => run(BinaryBitmap::new(HybridBinarizer::new(source)), false),
        Strategy::HybridTryHarder => run(BinaryBitmap::new(HybridBinarizer::new(source)), true),
        Strategy::GlobalHistogram => run(
            BinaryBitmap::new(GlobalHistogramBinarizer::new(source)),
            false,
        ),
    }
}

fn run<B: Binarizer>(mut bitmap: BinaryBitmap<B>, try_harder: bool) -> Option<Decoded>
where
    B::Source: LuminanceSource,
{
    let hints = DecodeHints::default()
        .with(DecodeHintValue::PossibleFormats(HashSet::from([
            BarcodeFormat::QR_CODE,
        ])))
        .with(DecodeHintValue::TryHarder(try_harder));
    let result = match QrReader.immutable_decode_with_hints(&mut bitmap, &hints) {
        Ok(result) => result,
        Err(_) if try_harder => QRCodeReader.decode_with_hints(&mut bitmap, &hints).ok()?,
        Err(_) => return None,
    };
    Some(Decoded {
        text: result.getText().to_owned(),
        points: result.getPoints().iter().map(|p| (p.x, p.y)).collect(),
    })
}
