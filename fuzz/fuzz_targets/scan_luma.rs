//! Arbitrary frame geometry and bytes: a typed error or a result, never a panic or
//! an out-of-bounds read.
#![no_main]

use countersign_core::scan::{LumaFrame, Rotation, ScanSession, scan_luma};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, arbitrary::Arbitrary)]
struct Input {
    width: u16,
    height: u16,
    padding: u8,
    rotation: u8,
    bytes: Vec<u8>,
}

fuzz_target!(|input: Input| {
    let rotation = match input.rotation % 4 {
        0 => Rotation::Deg0,
        1 => Rotation::Deg90,
        2 => Rotation::Deg180,
        _ => Rotation::Deg270,
    };
    let frame = LumaFrame {
        width: u32::from(input.width % 512),
        height: u32::from(input.height % 512),
        row_stride: u32::from(input.width % 512) + u32::from(input.padding),
        rotation,
        bytes: &input.bytes,
    };
    let _ = scan_luma(&frame);
    let _ = ScanSession::default().push_frame(&frame);
});
