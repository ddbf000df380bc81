//! `pam_countersign.so`: after the password, a Countersign push to the
//! user's phone (or a typed code) decides a Linux login. docs/pam.md is the
//! how-to; ADR 0020 says why the module is built this way.

pub mod config;
pub mod login;
pub mod relying_party;

#[cfg(target_os = "linux")]
mod ffi;
