//! Android key attestation chains for the server's verifier tests: a P-384
//! root, a P-256 CA and a leaf certifying a P-256 point the test holds, whose
//! KeyDescription comes from a [`KeyDescriptionSpec`]. The spec's defaults
//! describe a good per-use TEE key; each field or knob breaks one rule.

use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType, IsCa, Issuer,
    KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, PKCS_ECDSA_P384_SHA384, PublicKeyData,
    SignatureAlgorithm, SigningKey, date_time_ymd,
};

use crate::der::{field, int, octets, seq, set_of, tlv};

/// 1.3.6.1.4.1.11129.2.1.17, the KeyDescription extension.
pub const KEY_DESCRIPTION_OID: [u64; 10] = [1, 3, 6, 1, 4, 1, 11129, 2, 1, 17];
/// The challenge the spec carries unless told otherwise.
pub const CHALLENGE: &[u8] = b"countersign-enrollment-challenge";
pub const PACKAGE: &str = "dev.countersign.app";
/// The SHA-256 of the app's (made-up) signing certificate.
pub const SIGNING_DIGEST: [u8; 32] = [0x5c; 32];

/// Security levels as the KeyDescription writes them.
pub const SOFTWARE: u8 = 0;
pub const TEE: u8 = 1;
pub const STRONGBOX: u8 = 2;

/// AlgorithmIdentifiers (DER) for [`ChainOptions::leaf_signature_algorithm`].
pub const ECDSA_WITH_SHA256: &[u8] = &[
    0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
];
/// ecdsa-with-SHA256 with a NULL parameter, as one real phone writes it.
pub const ECDSA_WITH_SHA256_NULL: &[u8] = &[
    0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02, 0x05, 0x00,
];
pub const ECDSA_WITH_SHA384: &[u8] = &[
    0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03,
];
pub const ECDSA_WITH_SHA1: &[u8] = &[
    0x30, 0x09, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01,
];
pub const SHA1_WITH_RSA: &[u8] = &[
    0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05, 0x05, 0x00,
];

/// RootOfTrust's deviceLocked and verifiedBootState (0 verified, 1 self
/// signed, 2 unverified, 3 failed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RootOfTrustSpec {
    pub device_locked: bool,
    pub verified_boot_state: u8,
}

/// What the leaf's KeyDescription says. `Default` is a good key: attestation
/// version 300 in a TEE, [`CHALLENGE`], [`PACKAGE`] signed with
/// [`SIGNING_DIGEST`], purpose {SIGN}, EC P-256, generated in the TEE,
/// unlocked on every use by a strong biometric or the device credential
/// (userAuthType 3, no authTimeout), on a locked, verified phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDescriptionSpec {
    pub attestation_version: i64,
    pub attestation_security_level: u8,
    pub key_security_level: u8,
    pub challenge: Vec<u8>,
    pub packages: Vec<String>,
    pub signing_digests: Vec<[u8; 32]>,
    pub purposes: Vec<i64>,
    pub algorithm: i64,
    pub ec_curve: Option<i64>,
    pub origin: Option<i64>,
    pub user_auth_type: Option<i64>,
    /// Seconds, in the hardware-enforced list.
    pub auth_timeout: Option<i64>,
    pub no_auth_required: bool,
    pub root_of_trust: Option<RootOfTrustSpec>,
    /// Writes both authorization lists in descending tag order.
    pub tags_out_of_order: bool,
    /// Repeats the algorithm tag with RSA (1) in the hardware-enforced list.
    pub conflicting_duplicate_tag: bool,
    /// Repeats the algorithm tag with the same value.
    pub identical_duplicate_tag: bool,
    /// Adds tags no KeyMint version defines, to both lists.
    pub unknown_tag: bool,
}

impl Default for KeyDescriptionSpec {
    fn default() -> Self {
        Self {
            attestation_version: 300,
            attestation_security_level: TEE,
            key_security_level: TEE,
            challenge: CHALLENGE.to_vec(),
            packages: vec![PACKAGE.to_owned()],
            signing_digests: vec![SIGNING_DIGEST],
            purposes: vec![2],
            algorithm: 3,
            ec_curve: Some(1),
            origin: Some(0),
            user_auth_type: Some(3),
            auth_timeout: None,
            no_auth_required: false,
            root_of_trust: Some(RootOfTrustSpec {
                device_locked: true,
                verified_boot_state: 0,
            }),
            tags_out_of_order: false,
            conflicting_duplicate_tag: false,
            identical_duplicate_tag: false,
            unknown_tag: false,
        }
    }
}

impl KeyDescriptionSpec {
    /// The same key attested at `level` ([`SOFTWARE`], [`TEE`], [`STRONGBOX`]).
    pub fn at_level(self, level: u8) -> Self {
        Self {
            attestation_security_level: level,
            key_security_level: level,
            ..self
        }
    }

    /// The KeyDescription's DER.
    pub fn der(&self) -> Vec<u8> {
        let mut software = vec![(701, int(1_767_268_800_000)), (709, self.application_id())];
        let mut hardware = vec![
            (
                1,
                set_of(&self.purposes.iter().map(|p| int(*p)).collect::<Vec<_>>()),
            ),
            (2, int(self.algorithm)),
            (3, int(256)),
        ];
        if let Some(curve) = self.ec_curve {
            hardware.push((10, int(curve)));
        }
        if self.no_auth_required {
            hardware.push((503, tlv(&[0x05], &[])));
        }
        if let Some(types) = self.user_auth_type {
            hardware.push((504, int(types)));
        }
        if let Some(seconds) = self.auth_timeout {
            hardware.push((505, int(seconds)));
        }
        if let Some(origin) = self.origin {
            hardware.push((702, int(origin)));
        }
        if let Some(root) = self.root_of_trust {
            let locked = if root.device_locked { 0xff } else { 0x00 };
            hardware.push((
                704,
                seq(&[
                    octets(&[0x11; 32]),
                    tlv(&[0x01], &[locked]),
                    tlv(&[0x0a], &[root.verified_boot_state]),
                    octets(&[0x22; 32]),
                ]),
            ));
        }
        hardware.push((705, int(150_000)));
        hardware.push((706, int(202_601)));
        if self.unknown_tag {
            software.push((850, octets(b"from a later KeyMint")));
            hardware.push((851, int(7)));
        }
        if self.identical_duplicate_tag {
            hardware.push((2, int(self.algorithm)));
        }
        if self.conflicting_duplicate_tag {
            hardware.push((2, int(1)));
        }
        if self.tags_out_of_order {
            software.sort_by_key(|(tag, _)| std::cmp::Reverse(*tag));
            hardware.sort_by_key(|(tag, _)| std::cmp::Reverse(*tag));
        }
        let list = |fields: &[(u32, Vec<u8>)]| {
            seq(&fields
                .iter()
                .map(|(tag, inner)| field(*tag, inner))
                .collect::<Vec<_>>())
        };
        seq(&[
            int(self.attestation_version),
            tlv(&[0x0a], &[self.attestation_security_level]),
            int(self.attestation_version),
            tlv(&[0x0a], &[self.key_security_level]),
            octets(&self.challenge),
            octets(&[]),
            list(&software),
            list(&hardware),
        ])
    }

    fn application_id(&self) -> Vec<u8> {
        let packages: Vec<Vec<u8>> = self
            .packages
            .iter()
            .map(|name| seq(&[octets(name.as_bytes()), int(1)]))
            .collect();
        let digests: Vec<Vec<u8>> = self.signing_digests.iter().map(|d| octets(d)).collect();
        octets(&seq(&[set_of(&packages), set_of(&digests)]))
    }
}

/// How the chain around the leaf is built.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChainOptions {
    /// The CA's validity ended on 2025-06-01 (before [`crate::START`]).
    pub expired_intermediate: bool,
    /// The CA carries the same KeyDescription extension as the leaf.
    pub attestation_on_intermediate: bool,
    /// The leaf names this AlgorithmIdentifier (DER) inside and outside its
    /// signed part, and is signed again by the CA (ECDSA with SHA-256 still).
    pub leaf_signature_algorithm: Option<Vec<u8>>,
    /// Then names this one inside its signed part only.
    pub leaf_inner_signature_algorithm: Option<Vec<u8>>,
}

/// An attestation chain and the root it ends at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttestationChain {
    /// The root certificate, to configure as the trust anchor.
    pub root_pem: String,
    /// DER, the leaf first, ending with the root.
    pub chain: Vec<Vec<u8>>,
}

/// A fresh P-256 public key, as a 65-byte uncompressed point: the key the
/// phone would enroll.
pub fn device_key_point() -> Vec<u8> {
    KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)
        .unwrap()
        .public_key_raw()
        .to_vec()
}

/// A root → CA → leaf chain attesting `key_point` as `spec` describes.
pub fn chain_for(spec: &KeyDescriptionSpec, key_point: &[u8]) -> AttestationChain {
    chain_with(spec, key_point, &ChainOptions::default())
}

/// As [`chain_for`], with the chain's own knobs.
pub fn chain_with(
    spec: &KeyDescriptionSpec,
    key_point: &[u8],
    options: &ChainOptions,
) -> AttestationChain {
    let authority = AttestationAuthority::with_options(options);
    AttestationChain {
        root_pem: authority.root_pem(),
        chain: authority.issue_with(spec, key_point, options),
    }
}

/// A root and CA that attest any number of keys: what a server under test
/// trusts before the phone exists (a phone's chain is made at enrollment, for
/// that enrollment's challenge).
pub struct AttestationAuthority {
    root: rcgen::Certificate,
    intermediate: Vec<u8>,
    ca_issuer: Issuer<'static, KeyPair>,
}

impl AttestationAuthority {
    pub fn new() -> Self {
        Self::with_options(&ChainOptions::default())
    }

    fn with_options(options: &ChainOptions) -> Self {
        let root_key = KeyPair::generate_for(&PKCS_ECDSA_P384_SHA384).unwrap();
        let mut root_params = ca_params("Test Key Attestation Root");
        root_params.not_before = date_time_ymd(2025, 1, 1);
        root_params.not_after = date_time_ymd(2045, 1, 1);
        let root = root_params.self_signed(&root_key).unwrap();
        let root_issuer = Issuer::new(root_params, root_key);

        let ca_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        let mut ca = ca_params("Test Droid CA");
        if options.expired_intermediate {
            ca.not_before = date_time_ymd(2020, 1, 1);
            ca.not_after = date_time_ymd(2025, 6, 1);
        } else {
            ca.not_before = date_time_ymd(2025, 6, 1);
            ca.not_after = date_time_ymd(2035, 6, 1);
        }
        if options.attestation_on_intermediate {
            ca.custom_extensions.push(CustomExtension::from_oid_content(
                &KEY_DESCRIPTION_OID,
                KeyDescriptionSpec::default().der(),
            ));
        }
        let intermediate = ca.signed_by(&ca_key, &root_issuer).unwrap();
        Self {
            root,
            intermediate: intermediate.der().to_vec(),
            ca_issuer: Issuer::new(ca, ca_key),
        }
    }

    /// The root certificate, to configure as the server's trust anchor.
    pub fn root_pem(&self) -> String {
        self.root.pem()
    }

    /// The chain (leaf, CA, root; DER) attesting `key_point` as `spec` says.
    pub fn issue(&self, spec: &KeyDescriptionSpec, key_point: &[u8]) -> Vec<Vec<u8>> {
        self.issue_with(spec, key_point, &ChainOptions::default())
    }

    fn issue_with(
        &self,
        spec: &KeyDescriptionSpec,
        key_point: &[u8],
        options: &ChainOptions,
    ) -> Vec<Vec<u8>> {
        let mut leaf_params = CertificateParams::default();
        leaf_params.distinguished_name = DistinguishedName::new();
        leaf_params
            .distinguished_name
            .push(DnType::CommonName, "Android Keystore Key");
        // Like phones: from the epoch to a far year, never checked.
        leaf_params.not_before = date_time_ymd(1970, 1, 1);
        leaf_params.not_after = date_time_ymd(2048, 1, 1);
        leaf_params.serial_number = Some(1u64.into());
        leaf_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        leaf_params
            .custom_extensions
            .push(CustomExtension::from_oid_content(
                &KEY_DESCRIPTION_OID,
                spec.der(),
            ));
        let point = DevicePoint(key_point);
        let mut leaf = leaf_params
            .signed_by(&point, &self.ca_issuer)
            .unwrap()
            .der()
            .to_vec();
        if let Some(outer) = &options.leaf_signature_algorithm {
            let inner = options
                .leaf_inner_signature_algorithm
                .as_deref()
                .unwrap_or(outer);
            leaf = resign(&leaf, outer, inner, self.ca_issuer.key());
        }
        vec![leaf, self.intermediate.clone(), self.root.der().to_vec()]
    }
}

impl std::fmt::Debug for AttestationAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AttestationAuthority")
    }
}

impl Default for AttestationAuthority {
    fn default() -> Self {
        Self::new()
    }
}

fn ca_params(name: &str) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params
}

/// A public key the test holds the private half of elsewhere (or not at
/// all): rcgen certifies it without signing anything with it.
struct DevicePoint<'a>(&'a [u8]);

impl PublicKeyData for DevicePoint<'_> {
    fn der_bytes(&self) -> &[u8] {
        self.0
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &PKCS_ECDSA_P256_SHA256
    }
}

/// `cert` with its two AlgorithmIdentifiers replaced, signed again by `key`.
fn resign(cert: &[u8], outer: &[u8], inner: &[u8], key: &KeyPair) -> Vec<u8> {
    let parts = elements(content(cert));
    let mut tbs_fields = elements(content(parts[0]));
    // version [0], serialNumber, signature: the AlgorithmIdentifier is third.
    assert_eq!(tbs_fields[0][0], 0xa0, "a v3 certificate");
    tbs_fields[2] = inner;
    let tbs = tlv(&[0x30], &tbs_fields.concat());
    let signature = key.sign(&tbs).unwrap();
    let mut bits = vec![0u8];
    bits.extend(signature);
    tlv(
        &[0x30],
        &[tbs, outer.to_vec(), tlv(&[0x03], &bits)].concat(),
    )
}

// A reader just good enough for the certificates above (the writer: `crate::der`).

/// The header length and total length of the element `bytes` starts with
/// (one identifier octet, definite length).
fn measure(bytes: &[u8]) -> (usize, usize) {
    let first = bytes[1];
    if first < 0x80 {
        return (2, 2 + usize::from(first));
    }
    let count = usize::from(first & 0x7f);
    let length = bytes[2..2 + count]
        .iter()
        .fold(0usize, |length, digit| (length << 8) | usize::from(*digit));
    (2 + count, 2 + count + length)
}

fn content(element: &[u8]) -> &[u8] {
    let (header, total) = measure(element);
    &element[header..total]
}

fn elements(mut bytes: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let (_, total) = measure(bytes);
        out.push(&bytes[..total]);
        bytes = &bytes[total..];
    }
    out
}

/// A server's attestation settings trusting `root_pem` (written to the
/// returned file, which must outlive the server's start; rewrite it and
/// restart to trust another) for [`PACKAGE`], any signer.
pub fn trusting(
    root_pem: &str,
) -> (
    countersign_server::config::AttestationConfig,
    tempfile::NamedTempFile,
) {
    let roots = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(roots.path(), root_pem).unwrap();
    let config = countersign_server::config::AttestationConfig {
        roots_file: Some(roots.path().to_owned()),
        android_package: Some(PACKAGE.to_owned()),
        android_signing_digests: Vec::new(),
    };
    (config, roots)
}
