//! Link options for the phone library that no Cargo profile can express.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    // A cdylib's vtables and string tables need ~18,000 relative relocations
    // at load time; packed (DT_RELR) they take 2 KB instead of 430 KB. glibc
    // 2.36 and binutils 2.38 (Debian 12) understand them; the Android
    // equivalent (lld's --pack-dyn-relocs) is docs/benchmarks.md's to-do.
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-z,pack-relative-relocs");
    }
}
