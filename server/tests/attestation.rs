//! The Android key attestation verifier against chains the test kit builds:
//! a good per-use TEE key passes, and each broken rule is refused with the
//! error that names it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use countersign_server::attestation::{
    AttestationError, AttestationRoots, AttestedKey, Expectations, SecurityLevel, VerifiedBoot,
    verify_android_key,
};
use countersign_testkit::START;
use countersign_testkit::attestation::{
    AttestationChain, CHALLENGE, ChainOptions, ECDSA_WITH_SHA1, ECDSA_WITH_SHA256,
    ECDSA_WITH_SHA256_NULL, ECDSA_WITH_SHA384, KeyDescriptionSpec, PACKAGE, RootOfTrustSpec,
    SHA1_WITH_RSA, SIGNING_DIGEST, SOFTWARE, STRONGBOX, TEE, chain_for, chain_with,
    device_key_point,
};

fn expectations() -> Expectations {
    Expectations {
        package: PACKAGE.to_owned(),
        signing_digests: vec![SIGNING_DIGEST],
        allow_expired_intermediates: false,
    }
}

/// Verifies `chain` for `key_point` against its own root, at the test kit's START.
fn verify_with(
    chain: &AttestationChain,
    key_point: &[u8],
    expected: &Expectations,
) -> Result<AttestedKey, AttestationError> {
    let roots = AttestationRoots::from_pem(&chain.root_pem).unwrap();
    verify_android_key(&chain.chain, key_point, CHALLENGE, expected, &roots, START)
}

/// Builds a chain for a fresh key as `spec` says and verifies it.
fn verify_spec(spec: KeyDescriptionSpec) -> Result<AttestedKey, AttestationError> {
    verify_options(spec, ChainOptions::default())
}

fn verify_options(
    spec: KeyDescriptionSpec,
    options: ChainOptions,
) -> Result<AttestedKey, AttestationError> {
    let point = device_key_point();
    let chain = chain_with(&spec, &point, &options);
    verify_with(&chain, &point, &expectations())
}

fn good_tee_key() -> AttestedKey {
    AttestedKey {
        security_level: SecurityLevel::TrustedEnvironment,
        attestation_version: 300,
        biometric: true,
        device_credential: true,
        device_locked: Some(true),
        verified_boot: Some(VerifiedBoot::Verified),
    }
}

// What passes.

#[test]
fn a_per_use_tee_key_of_our_app_is_accepted() {
    assert_eq!(
        verify_spec(KeyDescriptionSpec::default()),
        Ok(good_tee_key())
    );
}

#[test]
fn a_strongbox_key_is_accepted_as_strongbox() {
    let attested = verify_spec(KeyDescriptionSpec::default().at_level(STRONGBOX)).unwrap();
    assert_eq!(attested.security_level, SecurityLevel::StrongBox);
    assert_eq!(attested.security_level.as_str(), "strongbox");
}

#[test]
fn a_biometric_only_key_on_a_self_signed_os_says_so() {
    let spec = KeyDescriptionSpec {
        user_auth_type: Some(2),
        root_of_trust: Some(RootOfTrustSpec {
            device_locked: true,
            verified_boot_state: 1,
        }),
        ..KeyDescriptionSpec::default()
    };
    let attested = verify_spec(spec).unwrap();
    assert!(attested.biometric && !attested.device_credential);
    assert_eq!(attested.verified_boot, Some(VerifiedBoot::SelfSigned));
    assert_eq!(attested.verified_boot.unwrap().as_str(), "self_signed");
}

#[test]
fn a_chain_that_stops_below_the_root_is_anchored_by_the_root_key() {
    let point = device_key_point();
    let mut chain = chain_for(&KeyDescriptionSpec::default(), &point);
    chain.chain.pop();
    assert_eq!(
        verify_with(&chain, &point, &expectations()),
        Ok(good_tee_key())
    );
}

#[test]
fn tags_out_of_order_are_accepted() {
    let spec = KeyDescriptionSpec {
        tags_out_of_order: true,
        ..KeyDescriptionSpec::default()
    };
    assert_eq!(verify_spec(spec), Ok(good_tee_key()));
}

#[test]
fn an_unknown_tag_is_skipped() {
    let spec = KeyDescriptionSpec {
        unknown_tag: true,
        ..KeyDescriptionSpec::default()
    };
    assert_eq!(verify_spec(spec), Ok(good_tee_key()));
}

#[test]
fn a_tag_repeated_with_the_same_value_is_accepted() {
    let spec = KeyDescriptionSpec {
        identical_duplicate_tag: true,
        ..KeyDescriptionSpec::default()
    };
    assert_eq!(verify_spec(spec), Ok(good_tee_key()));
}

#[test]
fn any_signing_certificate_is_accepted_when_none_is_configured() {
    let point = device_key_point();
    let chain = chain_for(
        &KeyDescriptionSpec {
            signing_digests: vec![[1; 32]],
            ..KeyDescriptionSpec::default()
        },
        &point,
    );
    let expected = Expectations {
        signing_digests: Vec::new(),
        ..expectations()
    };
    assert_eq!(verify_with(&chain, &point, &expected), Ok(good_tee_key()));
}

#[test]
fn ecdsa_with_a_null_parameter_is_accepted() {
    let options = ChainOptions {
        leaf_signature_algorithm: Some(ECDSA_WITH_SHA256_NULL.to_vec()),
        ..ChainOptions::default()
    };
    assert_eq!(
        verify_options(KeyDescriptionSpec::default(), options),
        Ok(good_tee_key())
    );
}

#[test]
fn the_leafs_validity_is_not_checked() {
    // The leaf says 1970 to 2048; the chain verifies long after 2048.
    let point = device_key_point();
    let chain = chain_for(&KeyDescriptionSpec::default(), &point);
    let roots = AttestationRoots::from_pem(&chain.root_pem).unwrap();
    let in_2049 = 2_493_072_000;
    let expected = Expectations {
        allow_expired_intermediates: true,
        ..expectations()
    };
    assert!(
        verify_android_key(&chain.chain, &point, CHALLENGE, &expected, &roots, in_2049).is_ok()
    );
}

// The key description's rules.

#[test]
fn a_software_attestation_is_refused() {
    assert_eq!(
        verify_spec(KeyDescriptionSpec::default().at_level(SOFTWARE)),
        Err(AttestationError::SoftwareAttestation)
    );
}

#[test]
fn a_software_key_in_a_tee_attestation_is_refused() {
    let spec = KeyDescriptionSpec {
        key_security_level: SOFTWARE,
        ..KeyDescriptionSpec::default()
    };
    assert_eq!(
        verify_spec(spec),
        Err(AttestationError::SoftwareAttestation)
    );
}

#[test]
fn security_levels_that_disagree_are_refused() {
    let spec = KeyDescriptionSpec {
        attestation_security_level: TEE,
        key_security_level: STRONGBOX,
        ..KeyDescriptionSpec::default()
    };
    assert_eq!(
        verify_spec(spec),
        Err(AttestationError::SecurityLevelMismatch {
            attestation: 1,
            key: 2
        })
    );
}

#[test]
fn a_key_usable_without_authentication_is_refused() {
    let spec = KeyDescriptionSpec {
        no_auth_required: true,
        user_auth_type: None,
        ..KeyDescriptionSpec::default()
    };
    assert_eq!(
        verify_spec(spec),
        Err(AttestationError::NoUserAuthentication)
    );
}

#[test]
fn no_auth_required_is_refused_even_beside_an_auth_type() {
    let spec = KeyDescriptionSpec {
        no_auth_required: true,
        ..KeyDescriptionSpec::default()
    };
    assert_eq!(
        verify_spec(spec),
        Err(AttestationError::NoUserAuthentication)
    );
}

#[test]
fn a_time_bound_key_is_refused_with_its_timeout() {
    let spec = KeyDescriptionSpec {
        auth_timeout: Some(30),
        ..KeyDescriptionSpec::default()
    };
    let refused = verify_spec(spec).unwrap_err();
    assert_eq!(refused, AttestationError::TimeBoundKey { seconds: 30 });
    assert!(
        refused
            .to_string()
            .contains("setUserAuthenticationParameters(0")
    );
}

#[test]
fn an_auth_timeout_of_zero_is_a_per_use_key() {
    let spec = KeyDescriptionSpec {
        auth_timeout: Some(0),
        ..KeyDescriptionSpec::default()
    };
    assert_eq!(verify_spec(spec), Ok(good_tee_key()));
}

#[test]
fn a_key_without_an_auth_type_is_refused() {
    let spec = KeyDescriptionSpec {
        user_auth_type: None,
        ..KeyDescriptionSpec::default()
    };
    assert_eq!(
        verify_spec(spec),
        Err(AttestationError::UnacceptableUserAuthType { found: None })
    );
}

#[test]
fn another_apps_key_is_refused_naming_the_package() {
    let spec = KeyDescriptionSpec {
        packages: vec!["com.example.other".to_owned()],
        ..KeyDescriptionSpec::default()
    };
    let refused = verify_spec(spec).unwrap_err();
    assert_eq!(
        refused,
        AttestationError::WrongPackage {
            expected: PACKAGE.to_owned(),
            found: "com.example.other".to_owned()
        }
    );
    assert_eq!(
        refused.to_string(),
        "the attestation names package com.example.other, not dev.countersign.app"
    );
}

#[test]
fn an_unnamed_application_is_refused() {
    let spec = KeyDescriptionSpec {
        packages: vec!["UnknownApplication".to_owned()],
        ..KeyDescriptionSpec::default()
    };
    assert_eq!(
        verify_spec(spec),
        Err(AttestationError::UnnamedApplication {
            found: "UnknownApplication".to_owned()
        })
    );
}

#[test]
fn an_app_signed_by_another_certificate_is_refused() {
    let spec = KeyDescriptionSpec {
        signing_digests: vec![[0xab; 32]],
        ..KeyDescriptionSpec::default()
    };
    assert_eq!(
        verify_spec(spec),
        Err(AttestationError::UnknownSigningCertificate {
            found: "ab".repeat(32)
        })
    );
}

#[test]
fn another_enrollments_challenge_is_refused() {
    let spec = KeyDescriptionSpec {
        challenge: b"another enrollment's challenge".to_vec(),
        ..KeyDescriptionSpec::default()
    };
    assert_eq!(verify_spec(spec), Err(AttestationError::ChallengeMismatch));
}

#[test]
fn a_key_that_may_not_sign_is_refused() {
    let spec = KeyDescriptionSpec {
        purposes: vec![3],
        ..KeyDescriptionSpec::default()
    };
    assert_eq!(verify_spec(spec), Err(AttestationError::NotASigningKey));
}

#[test]
fn an_rsa_key_description_is_refused() {
    let spec = KeyDescriptionSpec {
        algorithm: 1,
        ec_curve: None,
        ..KeyDescriptionSpec::default()
    };
    assert_eq!(verify_spec(spec), Err(AttestationError::AttestedKeyNotP256));
}

#[test]
fn an_imported_key_is_refused() {
    let spec = KeyDescriptionSpec {
        origin: Some(2),
        ..KeyDescriptionSpec::default()
    };
    assert_eq!(
        verify_spec(spec),
        Err(AttestationError::KeyNotGenerated { origin: 2 })
    );
}

#[test]
fn attestation_version_2_is_refused() {
    let spec = KeyDescriptionSpec {
        attestation_version: 2,
        ..KeyDescriptionSpec::default()
    };
    assert_eq!(
        verify_spec(spec),
        Err(AttestationError::AttestationVersionTooOld { version: 2 })
    );
}

#[test]
fn a_tag_repeated_with_another_value_is_refused() {
    let spec = KeyDescriptionSpec {
        conflicting_duplicate_tag: true,
        ..KeyDescriptionSpec::default()
    };
    assert_eq!(
        verify_spec(spec),
        Err(AttestationError::ConflictingTag { tag: 2 })
    );
}

// The chain's rules.

#[test]
fn a_chain_for_another_key_is_refused() {
    let chain = chain_for(&KeyDescriptionSpec::default(), &device_key_point());
    assert_eq!(
        verify_with(&chain, &device_key_point(), &expectations()),
        Err(AttestationError::KeyMismatch)
    );
}

#[test]
fn an_enrolled_key_that_is_not_a_p256_point_is_refused() {
    let point = device_key_point();
    let chain = chain_for(&KeyDescriptionSpec::default(), &point);
    assert_eq!(
        verify_with(&chain, &point[..33], &expectations()),
        Err(AttestationError::MalformedEnrolledKey)
    );
}

#[test]
fn a_chain_to_an_unknown_root_is_refused() {
    let point = device_key_point();
    let chain = chain_for(&KeyDescriptionSpec::default(), &point);
    // Another root with the same name and a different key.
    let other = chain_for(&KeyDescriptionSpec::default(), &point);
    let roots = AttestationRoots::from_pem(&other.root_pem).unwrap();
    let refused = verify_android_key(
        &chain.chain,
        &point,
        CHALLENGE,
        &expectations(),
        &roots,
        START,
    );
    assert_eq!(refused, Err(AttestationError::UntrustedRoot));
    let mut below_root = chain.chain.clone();
    below_root.pop();
    let refused = verify_android_key(
        &below_root,
        &point,
        CHALLENGE,
        &expectations(),
        &roots,
        START,
    );
    assert_eq!(refused, Err(AttestationError::UntrustedRoot));
}

#[test]
fn a_chain_to_googles_roots_is_refused_when_it_ends_elsewhere() {
    let point = device_key_point();
    let chain = chain_for(&KeyDescriptionSpec::default(), &point);
    let roots = AttestationRoots::google().unwrap();
    let refused = verify_android_key(
        &chain.chain,
        &point,
        CHALLENGE,
        &expectations(),
        &roots,
        START,
    );
    assert_eq!(refused, Err(AttestationError::UntrustedRoot));
}

#[test]
fn a_tampered_leaf_signature_is_refused() {
    let point = device_key_point();
    let mut chain = chain_for(&KeyDescriptionSpec::default(), &point);
    // The last byte is the signature's.
    *chain.chain[0].last_mut().unwrap() ^= 0x01;
    assert_eq!(
        verify_with(&chain, &point, &expectations()),
        Err(AttestationError::BadSignature { index: 0 })
    );
}

#[test]
fn a_certificate_appended_above_the_root_is_refused() {
    let point = device_key_point();
    let mut chain = chain_for(&KeyDescriptionSpec::default(), &point);
    // Same subject as our root, another key: the root's signature fails.
    let other = chain_for(&KeyDescriptionSpec::default(), &point);
    chain.chain.push(other.chain[2].clone());
    assert_eq!(
        verify_with(&chain, &point, &expectations()),
        Err(AttestationError::BadSignature { index: 2 })
    );
}

#[test]
fn a_chain_without_its_intermediate_is_refused() {
    let point = device_key_point();
    let mut chain = chain_for(&KeyDescriptionSpec::default(), &point);
    chain.chain.remove(1);
    assert_eq!(
        verify_with(&chain, &point, &expectations()),
        Err(AttestationError::IssuerMismatch { index: 0 })
    );
}

#[test]
fn an_expired_intermediate_is_refused_unless_allowed() {
    let point = device_key_point();
    let options = ChainOptions {
        expired_intermediate: true,
        ..ChainOptions::default()
    };
    let chain = chain_with(&KeyDescriptionSpec::default(), &point, &options);
    let refused = verify_with(&chain, &point, &expectations()).unwrap_err();
    assert_eq!(
        refused,
        AttestationError::CertificateExpired {
            index: 1,
            not_after: 1_748_736_000
        }
    );
    assert!(refused.to_string().starts_with("certificate 1 is expired"));
    let allowed = Expectations {
        allow_expired_intermediates: true,
        ..expectations()
    };
    assert_eq!(verify_with(&chain, &point, &allowed), Ok(good_tee_key()));
}

#[test]
fn an_intermediate_not_valid_yet_is_refused() {
    let point = device_key_point();
    let chain = chain_for(&KeyDescriptionSpec::default(), &point);
    let roots = AttestationRoots::from_pem(&chain.root_pem).unwrap();
    // 2025-05-01: the root is valid, the intermediate (from 2025-06-01) not yet.
    let refused = verify_android_key(
        &chain.chain,
        &point,
        CHALLENGE,
        &expectations(),
        &roots,
        1_746_057_600,
    );
    assert_eq!(
        refused,
        Err(AttestationError::CertificateNotYetValid {
            index: 1,
            not_before: 1_748_736_000
        })
    );
}

#[test]
fn more_than_8_certificates_are_refused() {
    let point = device_key_point();
    let chain = chain_for(&KeyDescriptionSpec::default(), &point);
    let mut long = chain.chain.clone();
    while long.len() < 9 {
        long.push(chain.chain[2].clone());
    }
    let roots = AttestationRoots::from_pem(&chain.root_pem).unwrap();
    let refused = verify_android_key(&long, &point, CHALLENGE, &expectations(), &roots, START);
    assert_eq!(refused, Err(AttestationError::ChainTooLong { count: 9 }));
    // 8 is the limit, not an error: the root may be repeated.
    long.pop();
    let accepted = verify_android_key(&long, &point, CHALLENGE, &expectations(), &roots, START);
    assert_eq!(accepted, Ok(good_tee_key()));
}

#[test]
fn an_empty_chain_is_refused() {
    let roots = AttestationRoots::google().unwrap();
    let refused = verify_android_key(
        &[],
        &device_key_point(),
        CHALLENGE,
        &expectations(),
        &roots,
        START,
    );
    assert_eq!(refused, Err(AttestationError::EmptyChain));
}

#[test]
fn garbage_instead_of_a_certificate_is_refused() {
    let point = device_key_point();
    let mut chain = chain_for(&KeyDescriptionSpec::default(), &point);
    chain.chain[1] = b"not a certificate".to_vec();
    assert!(matches!(
        verify_with(&chain, &point, &expectations()),
        Err(AttestationError::MalformedCertificate { index: 1, .. })
    ));
}

#[test]
fn bytes_after_a_certificate_are_refused() {
    let point = device_key_point();
    let mut chain = chain_for(&KeyDescriptionSpec::default(), &point);
    chain.chain[0].push(0);
    assert!(matches!(
        verify_with(&chain, &point, &expectations()),
        Err(AttestationError::MalformedCertificate { index: 0, .. })
    ));
}

#[test]
fn an_oversized_certificate_is_refused() {
    let point = device_key_point();
    let mut chain = chain_for(&KeyDescriptionSpec::default(), &point);
    chain.chain[1].resize(16 * 1024 + 1, 0);
    assert_eq!(
        verify_with(&chain, &point, &expectations()),
        Err(AttestationError::CertificateTooLarge {
            index: 1,
            size: 16 * 1024 + 1
        })
    );
}

#[test]
fn the_attestation_extension_on_the_intermediate_is_refused() {
    let options = ChainOptions {
        attestation_on_intermediate: true,
        ..ChainOptions::default()
    };
    assert_eq!(
        verify_options(KeyDescriptionSpec::default(), options),
        Err(AttestationError::AttestationOutsideLeaf { index: 1 })
    );
}

#[test]
fn a_leaf_signed_with_sha1_is_refused_before_verifying() {
    for algorithm in [SHA1_WITH_RSA, ECDSA_WITH_SHA1] {
        let options = ChainOptions {
            leaf_signature_algorithm: Some(algorithm.to_vec()),
            ..ChainOptions::default()
        };
        let refused = verify_options(KeyDescriptionSpec::default(), options);
        assert!(
            matches!(
                &refused,
                Err(AttestationError::UnsupportedSignatureAlgorithm { index: 0, oid })
                    if oid == "1.2.840.113549.1.1.5" || oid == "1.2.840.10045.4.1"
            ),
            "{refused:?}"
        );
    }
}

#[test]
fn an_rsa_algorithm_under_an_ec_key_is_refused() {
    // sha256WithRSAEncryption named on a leaf its P-256 CA signed.
    let sha256_with_rsa = [
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00,
    ];
    let options = ChainOptions {
        leaf_signature_algorithm: Some(sha256_with_rsa.to_vec()),
        ..ChainOptions::default()
    };
    assert_eq!(
        verify_options(KeyDescriptionSpec::default(), options),
        Err(AttestationError::UnsupportedIssuerKey { index: 0 })
    );
}

#[test]
fn different_algorithms_inside_and_outside_the_signature_are_refused() {
    let options = ChainOptions {
        leaf_signature_algorithm: Some(ECDSA_WITH_SHA256.to_vec()),
        leaf_inner_signature_algorithm: Some(ECDSA_WITH_SHA384.to_vec()),
        ..ChainOptions::default()
    };
    assert_eq!(
        verify_options(KeyDescriptionSpec::default(), options),
        Err(AttestationError::SignatureAlgorithmMismatch { index: 0 })
    );
}

// The roots.

#[test]
fn the_shipped_google_roots_are_two() {
    let roots = AttestationRoots::google().unwrap();
    assert_eq!(roots.len(), 2);
}

#[test]
fn a_root_bundle_of_garbage_is_refused() {
    assert_eq!(
        AttestationRoots::from_pem("no certificates here\n"),
        Err(AttestationError::EmptyRootBundle)
    );
    assert_eq!(
        AttestationRoots::from_pem(""),
        Err(AttestationError::EmptyRootBundle)
    );
    let not_base64 = "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
    assert!(matches!(
        AttestationRoots::from_pem(not_base64),
        Err(AttestationError::BadRoot { block: 0, .. })
    ));
    let not_der = "-----BEGIN CERTIFICATE-----\nZ2FyYmFnZQ==\n-----END CERTIFICATE-----\n";
    assert!(matches!(
        AttestationRoots::from_pem(not_der),
        Err(AttestationError::BadRoot { block: 0, .. })
    ));
}

#[test]
fn a_root_bundle_with_a_private_key_is_refused() {
    let point = device_key_point();
    let chain = chain_for(&KeyDescriptionSpec::default(), &point);
    let bundle = format!(
        "{}-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        chain.root_pem
    );
    assert!(matches!(
        AttestationRoots::from_pem(&bundle),
        Err(AttestationError::BadRoot { block: 1, .. })
    ));
}

#[test]
fn a_root_bundle_with_an_unclosed_block_is_refused() {
    let point = device_key_point();
    let chain = chain_for(&KeyDescriptionSpec::default(), &point);
    let cut = chain.root_pem.replace("-----END CERTIFICATE-----", "");
    assert!(matches!(
        AttestationRoots::from_pem(&cut),
        Err(AttestationError::BadRoot { block: 0, .. })
    ));
}
