//! The scanner's cost on one 720p camera frame: a frame with a code (first
//! attempt reads it), a frame without one (a still image pays the whole cascade),
//! and one live-session frame (the per-frame budget).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::Path;

use countersign_core::scan::{
    Gray, LumaFrame, Rotation, ScanSession, decode_image_file, scan_luma,
};
use criterion::{Criterion, criterion_group, criterion_main};

fn frame(name: &str) -> Gray {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/testdata/qr/synthetic-seed1")
        .join(name);
    decode_image_file(&std::fs::read(path).unwrap()).unwrap()
}

fn luma(image: &Gray) -> LumaFrame<'_> {
    LumaFrame {
        width: image.width,
        height: image.height,
        row_stride: image.width,
        rotation: Rotation::Deg0,
        bytes: &image.pixels,
    }
}

fn scanning(c: &mut Criterion) {
    let with_code = frame("frame_0002.jpg");
    // A negative frame of the set: background clutter, no code.
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../shared/testdata/qr/synthetic-seed1/manifest.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let negative = manifest
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["negative"] == true)
        .unwrap();
    let without_code = frame(negative["file"].as_str().unwrap());

    c.bench_function("scan_720p_frame_with_code", |b| {
        b.iter(|| scan_luma(black_box(&luma(&with_code))).unwrap())
    });
    let mut group = c.benchmark_group("slow");
    group.sample_size(10);
    group.bench_function("scan_720p_frame_without_code_full_cascade", |b| {
        b.iter(|| scan_luma(black_box(&luma(&without_code))).unwrap())
    });
    group.finish();
    c.bench_function("session_720p_frame_without_code", |b| {
        let mut session = ScanSession::default();
        b.iter(|| session.push_frame(black_box(&luma(&without_code))).unwrap())
    });
}

criterion_group!(benches, scanning);
criterion_main!(benches);
