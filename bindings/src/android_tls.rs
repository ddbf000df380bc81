//! HTTPS on Android: reqwest verifies certificates with rustls-platform-verifier,
//! which asks Android's own trust store through the JVM and so needs the app's
//! `Context` once, before the first request; without it every https request
//! fails. The app calls this from `Application.onCreate`
//! (`dev.countersign.app.PlatformTls`).
//!
//! The one place the workspace allows `unsafe`: a JNI entry point must be an
//! unmangled `extern "system"` function the JVM finds by name. Its body is
//! safe Rust through the `jni` crate, which also catches panics so none
//! unwinds into the JVM. On other platforms the verifier needs no JVM and the
//! entry answers `true` at once, so the JVM tests can call it on the host.
#![allow(unsafe_code)]

use jni::EnvUnowned;
use jni::errors::ThrowRuntimeExAndDefault;
use jni::objects::JObject;

/// `PlatformTls.nativeInit(context)`: `true` once the verifier can be used; a
/// failure is thrown to Kotlin as a `RuntimeException` (and answers `false`).
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_countersign_app_PlatformTls_nativeInit<'local>(
    mut env: EnvUnowned<'local>,
    _class: JObject<'local>,
    context: JObject<'local>,
) -> bool {
    env.with_env(|env| -> jni::errors::Result<bool> {
        #[cfg(target_os = "android")]
        rustls_platform_verifier::android::init_with_env(env, context)?;
        #[cfg(not(target_os = "android"))]
        let _ = (env, context);
        Ok(true)
    })
    .resolve::<ThrowRuntimeExAndDefault>()
}
