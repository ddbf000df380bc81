//! The uniffi-bindgen of the same uniffi version as the library (they must match):
//! `cargo run -p countersign-ffi --bin uniffi-bindgen -- generate --library …`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
