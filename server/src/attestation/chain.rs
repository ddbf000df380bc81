//! The certificate chain of an attestation: each certificate signed by the
//! one above it with an accepted algorithm, CAs above the device key's
//! certificate, the top anchored at a configured root key, and the
//! attestation extension on the device key's certificate only.
//!
//! Must not: check the validity dates of the device key's certificate (phones
//! write 1970, 2048, 2106 or zero there), or of the phone's copy of a root
//! (the 2016 RSA root copy expired while its key is still Google's root
//! key); hand a signature to ring before its algorithm passed the allow-list.

use x509_parser::oid_registry::{
    OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_NIST_EC_P384, OID_PKCS1_RSAENCRYPTION,
    OID_PKCS1_SHA256WITHRSA, OID_PKCS1_SHA384WITHRSA, OID_PKCS1_SHA512WITHRSA,
    OID_SIG_ECDSA_WITH_SHA256, OID_SIG_ECDSA_WITH_SHA384,
};
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;

use super::{Anchor, AttestationError, MAX_CERT_BYTES, MAX_CHAIN_LEN};

/// The content octets of 1.3.6.1.4.1.11129.2.1.17, the KeyDescription extension.
const KEY_DESCRIPTION_OID: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x01, 0x11];

/// The length of an uncompressed P-256 point (0x04, x, y).
const P256_POINT_LEN: usize = 65;

/// Walks `chain` (leaf first) and returns the leaf's KeyDescription DER.
pub(super) fn verify<'a>(
    chain: &'a [Vec<u8>],
    key_point: &[u8],
    anchors: &[Anchor],
    now_unix: i64,
    allow_expired_intermediates: bool,
) -> Result<&'a [u8], AttestationError> {
    if key_point.len() != P256_POINT_LEN || key_point.first() != Some(&0x04) {
        return Err(AttestationError::MalformedEnrolledKey);
    }
    if chain.is_empty() {
        return Err(AttestationError::EmptyChain);
    }
    if chain.len() > MAX_CHAIN_LEN {
        return Err(AttestationError::ChainTooLong { count: chain.len() });
    }
    for (index, der) in chain.iter().enumerate() {
        if der.len() > MAX_CERT_BYTES {
            return Err(AttestationError::CertificateTooLarge {
                index,
                size: der.len(),
            });
        }
    }
    let certs = chain
        .iter()
        .enumerate()
        .map(|(index, der)| parse(index, der))
        .collect::<Result<Vec<_>, _>>()?;

    for (index, pair) in certs.windows(2).enumerate() {
        let (cert, issuer) = (&pair[0], &pair[1]);
        if cert.issuer().as_raw() != issuer.subject().as_raw() {
            return Err(AttestationError::IssuerMismatch { index });
        }
        // The certificate of the device's attestation key (just above the
        // leaf) says CA:FALSE on some factory-provisioned phones (a Sony
        // Xperia 10 III among them); everything above it must be a CA. A
        // chain extended below a device's leaf is still refused: only the leaf
        // may carry the key description.
        if index > 0 && !is_ca(issuer) {
            return Err(AttestationError::NotACa { index: index + 1 });
        }
        verify_signature(cert, index, issuer.public_key())?;
    }

    let top = certs.len() - 1;
    let top_is_root = anchors
        .iter()
        .any(|anchor| anchor.spki == certs[top].public_key().raw);
    if !top_is_root && !signed_by_anchor(&certs[top], top, anchors)? {
        return Err(AttestationError::UntrustedRoot);
    }

    // The CAs the phone sent, except its copy of the root.
    let checked_cas = if top_is_root { 1..top } else { 1..top + 1 };
    for index in checked_cas {
        let validity = certs[index].validity();
        let not_before = validity.not_before.timestamp();
        let not_after = validity.not_after.timestamp();
        if now_unix < not_before {
            return Err(AttestationError::CertificateNotYetValid { index, not_before });
        }
        if now_unix > not_after && !allow_expired_intermediates {
            return Err(AttestationError::CertificateExpired { index, not_after });
        }
    }

    for (index, cert) in certs.iter().enumerate().skip(1) {
        if key_descriptions(cert).next().is_some() {
            return Err(AttestationError::AttestationOutsideLeaf { index });
        }
    }
    let leaf = &certs[0];
    let mut found = key_descriptions(leaf);
    let key_description = found.next().ok_or(AttestationError::MissingAttestation)?;
    if found.next().is_some() {
        return Err(AttestationError::DuplicateAttestation);
    }

    let certified = leaf.public_key();
    let curve = certified
        .algorithm
        .parameters
        .as_ref()
        .and_then(|parameters| parameters.as_oid().ok());
    if certified.algorithm.algorithm != OID_KEY_TYPE_EC_PUBLIC_KEY
        || curve != Some(OID_EC_P256)
        || certified.subject_public_key.unused_bits != 0
    {
        return Err(AttestationError::CertifiedKeyNotP256);
    }
    if certified.subject_public_key.data.as_ref() != key_point {
        return Err(AttestationError::KeyMismatch);
    }
    Ok(key_description)
}

fn parse(index: usize, der: &[u8]) -> Result<X509Certificate<'_>, AttestationError> {
    let malformed = |reason: String| AttestationError::MalformedCertificate { index, reason };
    let (rest, cert) =
        X509Certificate::from_der(der).map_err(|error| malformed(error.to_string()))?;
    if !rest.is_empty() {
        return Err(malformed(format!(
            "{} bytes follow the certificate",
            rest.len()
        )));
    }
    Ok(cert)
}

fn is_ca(cert: &X509Certificate<'_>) -> bool {
    matches!(cert.basic_constraints(), Ok(Some(constraints)) if constraints.value.ca)
}

/// The values of `cert`'s KeyDescription extensions.
fn key_descriptions<'c, 'a>(cert: &'c X509Certificate<'a>) -> impl Iterator<Item = &'a [u8]> + 'c {
    cert.iter_extensions()
        .filter(|extension| extension.oid.as_bytes() == KEY_DESCRIPTION_OID)
        .map(|extension| extension.value)
}

/// Whether the top certificate was signed by a configured root's key; an
/// algorithm the allow-list refuses is said as such.
fn signed_by_anchor(
    cert: &X509Certificate<'_>,
    index: usize,
    anchors: &[Anchor],
) -> Result<bool, AttestationError> {
    let mut refused = None;
    for anchor in anchors {
        if anchor.subject != cert.issuer().as_raw() {
            continue;
        }
        let Ok((_, key)) = SubjectPublicKeyInfo::from_der(&anchor.spki) else {
            continue;
        };
        match verify_signature(cert, index, &key) {
            Ok(()) => return Ok(true),
            Err(AttestationError::BadSignature { .. }) => {}
            Err(error) => refused = Some(error),
        }
    }
    match refused {
        Some(error) => Err(error),
        None => Ok(false),
    }
}

/// Checks `cert`'s signature algorithm against the allow-list and the
/// issuer's key, then its signature.
fn verify_signature(
    cert: &X509Certificate<'_>,
    index: usize,
    issuer_key: &SubjectPublicKeyInfo<'_>,
) -> Result<(), AttestationError> {
    check_algorithm(cert, index, issuer_key)?;
    cert.verify_signature(Some(issuer_key))
        .map_err(|_| AttestationError::BadSignature { index })
}

/// ECDSA with SHA-256/384 by a P-256 or P-384 key, or RSA PKCS#1 v1.5 with
/// SHA-256/384/512 by a key of 2048 bits or more; never SHA-1 or PSS. The
/// parameters (a NULL some phones add or leave out) are not compared.
fn check_algorithm(
    cert: &X509Certificate<'_>,
    index: usize,
    issuer_key: &SubjectPublicKeyInfo<'_>,
) -> Result<(), AttestationError> {
    let algorithm = &cert.signature_algorithm.algorithm;
    if *algorithm != cert.tbs_certificate.signature.algorithm {
        return Err(AttestationError::SignatureAlgorithmMismatch { index });
    }
    let key_type = &issuer_key.algorithm.algorithm;
    let fits = if *algorithm == OID_SIG_ECDSA_WITH_SHA256 || *algorithm == OID_SIG_ECDSA_WITH_SHA384
    {
        let curve = issuer_key
            .algorithm
            .parameters
            .as_ref()
            .and_then(|parameters| parameters.as_oid().ok());
        *key_type == OID_KEY_TYPE_EC_PUBLIC_KEY
            && matches!(curve, Some(curve) if curve == OID_EC_P256 || curve == OID_NIST_EC_P384)
    } else if *algorithm == OID_PKCS1_SHA256WITHRSA
        || *algorithm == OID_PKCS1_SHA384WITHRSA
        || *algorithm == OID_PKCS1_SHA512WITHRSA
    {
        *key_type == OID_PKCS1_RSAENCRYPTION && rsa_bits(issuer_key) >= 2048
    } else {
        return Err(AttestationError::UnsupportedSignatureAlgorithm {
            index,
            oid: algorithm.to_id_string(),
        });
    };
    if fits {
        Ok(())
    } else {
        Err(AttestationError::UnsupportedIssuerKey { index })
    }
}

/// The size of an RSA key's modulus in bits; 0 if it is not an RSA key.
fn rsa_bits(key: &SubjectPublicKeyInfo<'_>) -> usize {
    let Ok(PublicKey::RSA(rsa)) = key.parsed() else {
        return 0;
    };
    let modulus = rsa.modulus;
    let Some(first) = modulus.iter().position(|byte| *byte != 0) else {
        return 0;
    };
    let significant = &modulus[first..];
    (significant.len() - 1) * 8 + (8 - significant[0].leading_zeros() as usize)
}
