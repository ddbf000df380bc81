//! uniffi's Swift-specific generator, of the same uniffi version as the library:
//! one modulemap for the three crates' headers, XCFramework-ready
//! (`scripts/ios/generate-swift.sh` runs it).

fn main() {
    uniffi::uniffi_bindgen_swift()
}
