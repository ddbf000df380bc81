//! What only the phone can do, implemented in Kotlin/Swift: keep the vault key
//! (Keystore / Keychain), ask for a fingerprint or Face ID, and hold hardware
//! signing keys (StrongBox / Secure Enclave). Adapters turn them into the core's
//! traits.

use std::sync::Arc;

use countersign_core::keys::{SecretStore, SecretStoreError};
use countersign_core::push::device::{
    BiometricGate, CreatedUserKey, DeviceSigner, GateError, UserKeySigner,
};
use countersign_core::push::jose::{JoseError, Jwk, JwsSigner, base64url};
use countersign_core::secret::SecretBytes;

use crate::error::FfiError;

/// Keystore / Keychain: where the vault key lives (this device only, after first unlock).
#[uniffi::export(with_foreign)]
pub trait KeyStore: Send + Sync {
    fn load(&self, name: String) -> Result<Option<Vec<u8>>, FfiError>;
    fn store(&self, name: String, value: Vec<u8>) -> Result<(), FfiError>;
    fn delete(&self, name: String) -> Result<(), FfiError>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum BiometricOutcome {
    Passed,
    Failed,
    Cancelled,
    Unavailable,
}

/// BiometricPrompt / LocalAuthentication: `suspend fun` in Kotlin, `async` in
/// Swift, so no thread blocks while the prompt is up (the core holds no lock
/// meanwhile either). An error (any exception the app throws arrives as
/// `FfiError::Platform`) stops the approval like "unavailable", and says why.
#[uniffi::export(with_foreign)]
#[async_trait::async_trait]
pub trait BiometricPrompt: Send + Sync {
    async fn confirm(&self, reason: String) -> Result<BiometricOutcome, FfiError>;
}

/// A P-256 public key as its two 32-byte coordinates.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PublicKeyPoint {
    pub x: Vec<u8>,
    pub y: Vec<u8>,
}

/// A new user key: its public point and its attestation certificate chain
/// (leaf first, DER; empty where the platform attests nothing).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AttestedPublicKey {
    pub point: PublicKeyPoint,
    pub attestation_chain: Vec<Vec<u8>>,
}

/// What signing with a user key came to.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum UserSignature {
    /// The user passed the prompt and the key signed: r || s, 64 bytes.
    Signed { signature: Vec<u8> },
    /// The prompt did not pass (failed, cancelled, unavailable): nothing signed.
    Refused { outcome: BiometricOutcome },
    /// The platform invalidated the key (Android: the screen lock was removed
    /// or changed): the account must be enrolled again.
    KeyInvalidated,
}

/// StrongBox / Secure Enclave P-256 keys. `sign` returns ES256 as r || s (64
/// bytes): convert from the platform's DER first.
///
/// User keys (ADR 0014): `create_user_key` makes a key the hardware uses only
/// after the user passed a biometric or the screen lock for that one
/// signature, attested with `attestation_challenge` (Android: per-use key,
/// `setUserAuthenticationParameters(0, BIOMETRIC_STRONG | DEVICE_CREDENTIAL)`,
/// API 30+), or returns `None` where it cannot (older Android, no screen
/// lock). `sign_as_user` shows the platform prompt bound to that signature
/// (`BiometricPrompt` with a `CryptoObject`) and signs only if it passes.
#[uniffi::export(with_foreign)]
#[async_trait::async_trait]
pub trait HardwareKeyStore: Send + Sync {
    fn create_key(&self, alias: String) -> Result<PublicKeyPoint, FfiError>;
    fn public_key(&self, alias: String) -> Result<PublicKeyPoint, FfiError>;
    fn sign(&self, alias: String, message: Vec<u8>) -> Result<Vec<u8>, FfiError>;
    fn create_user_key(
        &self,
        alias: String,
        attestation_challenge: Vec<u8>,
    ) -> Result<Option<AttestedPublicKey>, FfiError>;
    async fn sign_as_user(
        &self,
        alias: String,
        message: Vec<u8>,
        reason: String,
    ) -> Result<UserSignature, FfiError>;
}

pub(crate) struct KeyStoreAdapter(pub Arc<dyn KeyStore>);

impl std::fmt::Debug for KeyStoreAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyStoreAdapter")
    }
}

fn store_error(error: FfiError) -> SecretStoreError {
    SecretStoreError::Unavailable {
        reason: error.to_string(),
    }
}

impl SecretStore for KeyStoreAdapter {
    fn load(&self, name: &str) -> Result<Option<SecretBytes>, SecretStoreError> {
        Ok(self
            .0
            .load(name.to_owned())
            .map_err(store_error)?
            .map(SecretBytes::new))
    }

    fn store(&self, name: &str, value: &SecretBytes) -> Result<(), SecretStoreError> {
        self.0
            .store(name.to_owned(), value.expose_secret().to_vec())
            .map_err(store_error)
    }

    fn delete(&self, name: &str) -> Result<(), SecretStoreError> {
        self.0.delete(name.to_owned()).map_err(store_error)
    }
}

pub(crate) struct GateAdapter(pub Arc<dyn BiometricPrompt>);

#[async_trait::async_trait]
impl BiometricGate for GateAdapter {
    async fn confirm(&self, reason: &str) -> Result<(), GateError> {
        match self.0.confirm(reason.to_owned()).await {
            Ok(BiometricOutcome::Passed) => Ok(()),
            Ok(BiometricOutcome::Failed) => Err(GateError::Failed),
            Ok(BiometricOutcome::Cancelled) => Err(GateError::Cancelled),
            Ok(BiometricOutcome::Unavailable) => Err(GateError::Unavailable(
                "no biometric sensor or none enrolled".into(),
            )),
            Err(error) => Err(GateError::Unavailable(format!(
                "the biometric prompt failed: {error}"
            ))),
        }
    }
}

pub(crate) struct HardwareAdapter(pub Arc<dyn HardwareKeyStore>);

struct HardwareKey {
    store: Arc<dyn HardwareKeyStore>,
    alias: String,
    jwk: Jwk,
}

fn jwk_of(point: &PublicKeyPoint) -> Result<Jwk, String> {
    if point.x.len() != 32 || point.y.len() != 32 {
        return Err("a P-256 coordinate is 32 bytes".into());
    }
    let mut uncompressed = vec![0x04];
    uncompressed.extend_from_slice(&point.x);
    uncompressed.extend_from_slice(&point.y);
    Jwk::from_uncompressed_point(&uncompressed).map_err(|e| e.to_string())
}

impl JwsSigner for HardwareKey {
    fn public_jwk(&self) -> Jwk {
        self.jwk.clone()
    }

    fn sign_es256(&self, message: &[u8]) -> Result<Vec<u8>, JoseError> {
        let signature = self
            .store
            .sign(self.alias.clone(), message.to_vec())
            .map_err(|e| JoseError::SigningFailed {
                reason: e.to_string(),
            })?;
        if signature.len() != 64 {
            return Err(JoseError::SigningFailed {
                reason: format!(
                    "the hardware key returned {} bytes, not r || s ({})",
                    signature.len(),
                    base64url(&signature)
                ),
            });
        }
        Ok(signature)
    }
}

struct HardwareUserKey {
    store: Arc<dyn HardwareKeyStore>,
    alias: String,
    jwk: Jwk,
}

#[async_trait::async_trait]
impl UserKeySigner for HardwareUserKey {
    fn public_jwk(&self) -> Jwk {
        self.jwk.clone()
    }

    async fn sign_for_user(&self, message: &[u8], reason: &str) -> Result<Vec<u8>, GateError> {
        let signed = self
            .store
            .sign_as_user(self.alias.clone(), message.to_vec(), reason.to_owned())
            .await;
        match signed {
            Ok(UserSignature::Signed { signature }) if signature.len() == 64 => Ok(signature),
            Ok(UserSignature::Signed { signature }) => Err(GateError::Unavailable(format!(
                "the hardware key returned {} bytes, not r || s",
                signature.len()
            ))),
            Ok(UserSignature::Refused { outcome }) => Err(match outcome {
                BiometricOutcome::Cancelled => GateError::Cancelled,
                BiometricOutcome::Unavailable => {
                    GateError::Unavailable("no biometric or screen lock is set up".into())
                }
                // A `Passed` that signed nothing is not a pass.
                BiometricOutcome::Failed | BiometricOutcome::Passed => GateError::Failed,
            }),
            Ok(UserSignature::KeyInvalidated) => Err(GateError::KeyInvalidated),
            Err(error) => Err(GateError::Unavailable(format!(
                "the phone's key store failed: {error}"
            ))),
        }
    }
}

impl DeviceSigner for HardwareAdapter {
    fn create_user_key(
        &self,
        alias: &str,
        challenge: &[u8],
    ) -> Result<Option<CreatedUserKey>, String> {
        let created = self
            .0
            .create_user_key(alias.to_owned(), challenge.to_vec())
            .map_err(|e| e.to_string())?;
        created
            .map(|key| {
                Ok(CreatedUserKey {
                    jwk: jwk_of(&key.point)?,
                    attestation_chain: key.attestation_chain,
                })
            })
            .transpose()
    }

    fn user_key(&self, alias: &str) -> Result<Box<dyn UserKeySigner>, String> {
        let point = self
            .0
            .public_key(alias.to_owned())
            .map_err(|e| e.to_string())?;
        Ok(Box::new(HardwareUserKey {
            store: self.0.clone(),
            alias: alias.to_owned(),
            jwk: jwk_of(&point)?,
        }))
    }

    fn create(&self, alias: &str) -> Result<Box<dyn JwsSigner>, String> {
        let point = self
            .0
            .create_key(alias.to_owned())
            .map_err(|e| e.to_string())?;
        Ok(Box::new(HardwareKey {
            store: self.0.clone(),
            alias: alias.to_owned(),
            jwk: jwk_of(&point)?,
        }))
    }

    fn open(&self, alias: &str) -> Result<Box<dyn JwsSigner>, String> {
        let point = self
            .0
            .public_key(alias.to_owned())
            .map_err(|e| e.to_string())?;
        Ok(Box::new(HardwareKey {
            store: self.0.clone(),
            alias: alias.to_owned(),
            jwk: jwk_of(&point)?,
        }))
    }
}
