//! The KeyDescription (the attestation extension's value) and the policy it
//! must meet. Read with a small DER reader of our own: strict on lengths and
//! types, tolerant where phones are known to differ (tag order, identical
//! duplicate tags, tags added by later KeyMint versions).
//!
//! Must not: read a property that matters for security from the
//! software-enforced list (only the app's identity lives there), or accept a
//! tag seen twice with different values.

use std::collections::BTreeMap;

use subtle::ConstantTimeEq;

use super::{AttestationError, AttestedKey, Expectations, SecurityLevel, VerifiedBoot};

// AuthorizationList tags (KeyMint tag numbers without their type bits).
const PURPOSE: u32 = 1;
const ALGORITHM: u32 = 2;
const KEY_SIZE: u32 = 3;
const EC_CURVE: u32 = 10;
const NO_AUTH_REQUIRED: u32 = 503;
const USER_AUTH_TYPE: u32 = 504;
const AUTH_TIMEOUT: u32 = 505;
const ORIGIN: u32 = 702;
const ROOT_OF_TRUST: u32 = 704;
const ATTESTATION_APPLICATION_ID: u32 = 709;

const PURPOSE_SIGN: i64 = 2;
const ALGORITHM_EC: i64 = 3;
const CURVE_P256: i64 = 1;
const ORIGIN_GENERATED: i64 = 0;
/// HardwareAuthenticatorType bits: PASSWORD (the device credential) and
/// FINGERPRINT (any class 3 biometric).
const AUTH_DEVICE_CREDENTIAL: i64 = 1;
const AUTH_BIOMETRIC: i64 = 2;

/// Package names Keystore writes when it could not tell which app asked.
const PLACEHOLDER_PACKAGES: [&[u8]; 2] = [b"AndroidSystem", b"UnknownApplication"];

/// Checks the KeyDescription DER `der` against the enrollment's `challenge`
/// and `expected`, and says what it attests.
pub(super) fn evaluate(
    der: &[u8],
    challenge: &[u8],
    expected: &Expectations,
) -> Result<AttestedKey, AttestationError> {
    let description = KeyDescription::parse(der)?;
    if description.attestation_version < 3 {
        return Err(AttestationError::AttestationVersionTooOld {
            version: description.attestation_version,
        });
    }
    let attestation_version = u32::try_from(description.attestation_version)
        .map_err(|_| malformed("the attestation version is out of range"))?;
    let security_level = security_level(
        description.attestation_security_level,
        description.key_security_level,
    )?;
    if !bool::from(description.challenge.ct_eq(challenge)) {
        return Err(AttestationError::ChallengeMismatch);
    }
    let software = &description.software_enforced;
    let hardware = &description.hardware_enforced;
    check_application(software, expected)?;

    let purposes = hardware.integer_set(PURPOSE, "purpose")?;
    if !purposes.unwrap_or_default().contains(&PURPOSE_SIGN) {
        return Err(AttestationError::NotASigningKey);
    }
    let ec = hardware.integer(ALGORITHM, "algorithm")? == Some(ALGORITHM_EC);
    let curve = hardware.integer(EC_CURVE, "ecCurve")?;
    let size = hardware.integer(KEY_SIZE, "keySize")?;
    if !ec || curve.is_some_and(|curve| curve != CURVE_P256) || size.is_some_and(|size| size != 256)
    {
        return Err(AttestationError::AttestedKeyNotP256);
    }
    if let Some(origin) = hardware.integer(ORIGIN, "origin")? {
        if origin != ORIGIN_GENERATED {
            return Err(AttestationError::KeyNotGenerated { origin });
        }
    }

    if hardware.has(NO_AUTH_REQUIRED) || software.has(NO_AUTH_REQUIRED) {
        return Err(AttestationError::NoUserAuthentication);
    }
    let user_auth_type = hardware.integer(USER_AUTH_TYPE, "userAuthType")?;
    let authenticators = match user_auth_type {
        Some(value) if value != 0 && value & !(AUTH_DEVICE_CREDENTIAL | AUTH_BIOMETRIC) == 0 => {
            value
        }
        found => return Err(AttestationError::UnacceptableUserAuthType { found }),
    };
    match hardware.integer(AUTH_TIMEOUT, "authTimeout")? {
        None | Some(0) => {}
        Some(seconds) => return Err(AttestationError::TimeBoundKey { seconds }),
    }
    if let Some(seconds) = software.integer(AUTH_TIMEOUT, "authTimeout")? {
        return Err(AttestationError::TimeBoundKey { seconds });
    }

    let root_of_trust = match hardware.get(ROOT_OF_TRUST) {
        Some(content) => Some(root_of_trust(content)?),
        None => None,
    };
    Ok(AttestedKey {
        security_level,
        attestation_version,
        biometric: authenticators & AUTH_BIOMETRIC != 0,
        device_credential: authenticators & AUTH_DEVICE_CREDENTIAL != 0,
        device_locked: root_of_trust.map(|(locked, _)| locked),
        verified_boot: root_of_trust.map(|(_, boot)| boot),
    })
}

fn security_level(attestation: i64, key: i64) -> Result<SecurityLevel, AttestationError> {
    let level = |value: i64| match value {
        0 => Ok(None),
        1 => Ok(Some(SecurityLevel::TrustedEnvironment)),
        2 => Ok(Some(SecurityLevel::StrongBox)),
        level => Err(AttestationError::UnknownSecurityLevel { level }),
    };
    match (level(attestation)?, level(key)?) {
        (Some(attestation_level), Some(key_level)) if attestation_level == key_level => {
            Ok(attestation_level)
        }
        (None, _) | (_, None) => Err(AttestationError::SoftwareAttestation),
        _ => Err(AttestationError::SecurityLevelMismatch { attestation, key }),
    }
}

/// The attestationApplicationId must name `expected.package` and, when
/// signing digests are configured, one of them.
fn check_application(
    software: &AuthorizationList<'_>,
    expected: &Expectations,
) -> Result<(), AttestationError> {
    let content = software
        .octets(ATTESTATION_APPLICATION_ID, "attestationApplicationId")?
        .ok_or(AttestationError::MissingApplicationId)?;
    let application = sequence(read_one(content)?, "attestationApplicationId")?;
    let [packages, digests] = application.as_slice() else {
        return Err(malformed(
            "the attestationApplicationId does not have 2 elements",
        ));
    };
    let mut names = Vec::new();
    for package in set(*packages, "packageInfos")? {
        let info = sequence(package, "packageInfo")?;
        let [name, version] = info.as_slice() else {
            return Err(malformed("a packageInfo does not have 2 elements"));
        };
        names.push(octet_string(*name, "packageName")?);
        integer(*version, "package version")?;
    }
    let digests = set(*digests, "signatureDigests")?
        .into_iter()
        .map(|digest| octet_string(digest, "signature digest"))
        .collect::<Result<Vec<_>, _>>()?;

    if !names.contains(&expected.package.as_bytes()) {
        let found = listing(
            names
                .iter()
                .map(|name| String::from_utf8_lossy(name).into_owned()),
        );
        let placeholders_only =
            !names.is_empty() && names.iter().all(|name| PLACEHOLDER_PACKAGES.contains(name));
        if placeholders_only {
            return Err(AttestationError::UnnamedApplication { found });
        }
        return Err(AttestationError::WrongPackage {
            expected: expected.package.clone(),
            found,
        });
    }
    let known = |digest: &&[u8]| {
        expected
            .signing_digests
            .iter()
            .any(|wanted| wanted.as_slice() == *digest)
    };
    if !expected.signing_digests.is_empty() && !digests.iter().any(known) {
        let found = listing(
            digests
                .iter()
                .map(|digest| data_encoding::HEXLOWER.encode(digest)),
        );
        return Err(AttestationError::UnknownSigningCertificate { found });
    }
    Ok(())
}

fn listing(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

/// RootOfTrust ::= SEQUENCE { verifiedBootKey OCTET STRING, deviceLocked
/// BOOLEAN, verifiedBootState ENUMERATED, verifiedBootHash OCTET STRING (v3+) }
fn root_of_trust(content: &[u8]) -> Result<(bool, VerifiedBoot), AttestationError> {
    let items = sequence(read_one(content)?, "rootOfTrust")?;
    let (key, locked, state, hash) = match items.as_slice() {
        [key, locked, state] => (key, locked, state, None),
        [key, locked, state, hash] => (key, locked, state, Some(hash)),
        _ => return Err(malformed("the rootOfTrust does not have 3 or 4 elements")),
    };
    octet_string(*key, "verifiedBootKey")?;
    if let Some(hash) = hash {
        octet_string(*hash, "verifiedBootHash")?;
    }
    let locked = boolean(*locked, "deviceLocked")?;
    let state = match enumerated(*state, "verifiedBootState")? {
        0 => VerifiedBoot::Verified,
        1 => VerifiedBoot::SelfSigned,
        2 => VerifiedBoot::Unverified,
        3 => VerifiedBoot::Failed,
        _ => return Err(malformed("the verifiedBootState is not one of the 4 known")),
    };
    Ok((locked, state))
}

/// The KeyDescription, by position: its field order never changed.
#[derive(Debug)]
struct KeyDescription<'a> {
    attestation_version: i64,
    attestation_security_level: i64,
    key_security_level: i64,
    challenge: &'a [u8],
    software_enforced: AuthorizationList<'a>,
    hardware_enforced: AuthorizationList<'a>,
}

impl<'a> KeyDescription<'a> {
    fn parse(der: &'a [u8]) -> Result<Self, AttestationError> {
        let items = sequence(read_one(der)?, "KeyDescription")?;
        let [
            attestation_version,
            attestation_security_level,
            key_version,
            key_security_level,
            challenge,
            unique_id,
            software_enforced,
            hardware_enforced,
        ] = items.as_slice()
        else {
            return Err(malformed(format!(
                "the KeyDescription has {} elements, not 8",
                items.len()
            )));
        };
        integer(*key_version, "keyMintVersion")?;
        octet_string(*unique_id, "uniqueId")?;
        Ok(Self {
            attestation_version: integer(*attestation_version, "attestationVersion")?,
            attestation_security_level: enumerated(
                *attestation_security_level,
                "attestationSecurityLevel",
            )?,
            key_security_level: enumerated(*key_security_level, "keyMintSecurityLevel")?,
            challenge: octet_string(*challenge, "attestationChallenge")?,
            software_enforced: AuthorizationList::parse(*software_enforced, "softwareEnforced")?,
            hardware_enforced: AuthorizationList::parse(*hardware_enforced, "hardwareEnforced")?,
        })
    }
}

/// An AuthorizationList as a set of `[tag] EXPLICIT` fields, whatever their
/// order; each value is read only when asked for, so tags we do not know
/// (and values we do not use, like the often malformed patch levels) pass.
#[derive(Debug)]
struct AuthorizationList<'a> {
    fields: BTreeMap<u32, &'a [u8]>,
}

impl<'a> AuthorizationList<'a> {
    fn parse(tlv: Tlv<'a>, what: &str) -> Result<Self, AttestationError> {
        let mut fields = BTreeMap::new();
        for field in sequence(tlv, what)? {
            if field.class != CONTEXT || !field.constructed {
                return Err(malformed(format!(
                    "the {what} list holds an element that is not an explicitly tagged field"
                )));
            }
            match fields.get(&field.tag) {
                None => {
                    fields.insert(field.tag, field.content);
                }
                // Some phones repeat a tag; only a repeat of the same value is harmless.
                Some(earlier) if *earlier == field.content => {}
                Some(_) => return Err(AttestationError::ConflictingTag { tag: field.tag }),
            }
        }
        Ok(Self { fields })
    }

    fn get(&self, tag: u32) -> Option<&'a [u8]> {
        self.fields.get(&tag).copied()
    }

    fn has(&self, tag: u32) -> bool {
        self.fields.contains_key(&tag)
    }

    fn integer(&self, tag: u32, what: &str) -> Result<Option<i64>, AttestationError> {
        self.get(tag)
            .map(|content| integer(read_one(content)?, what))
            .transpose()
    }

    fn octets(&self, tag: u32, what: &str) -> Result<Option<&'a [u8]>, AttestationError> {
        self.get(tag)
            .map(|content| octet_string(read_one(content)?, what))
            .transpose()
    }

    fn integer_set(&self, tag: u32, what: &str) -> Result<Option<Vec<i64>>, AttestationError> {
        self.get(tag)
            .map(|content| {
                set(read_one(content)?, what)?
                    .into_iter()
                    .map(|item| integer(item, what))
                    .collect()
            })
            .transpose()
    }
}

fn malformed(reason: impl Into<String>) -> AttestationError {
    AttestationError::MalformedKeyDescription {
        reason: reason.into(),
    }
}

// A DER reader: identifiers (high tag numbers included), definite lengths in
// their shortest form, and the few universal types the KeyDescription uses.

const UNIVERSAL: u8 = 0;
const CONTEXT: u8 = 2;
const BOOLEAN: u32 = 1;
const INTEGER: u32 = 2;
const OCTET_STRING: u32 = 4;
const ENUMERATED: u32 = 10;
const SEQUENCE: u32 = 16;
const SET: u32 = 17;

/// One DER element: its identifier and its content octets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Tlv<'a> {
    class: u8,
    constructed: bool,
    tag: u32,
    content: &'a [u8],
}

/// The elements of `bytes`, one after the other, which they must fill.
fn read_all(mut bytes: &[u8]) -> Result<Vec<Tlv<'_>>, AttestationError> {
    let mut items = Vec::new();
    while !bytes.is_empty() {
        let (item, rest) = read_tlv(bytes)?;
        items.push(item);
        bytes = rest;
    }
    Ok(items)
}

/// The single element `bytes` holds.
fn read_one(bytes: &[u8]) -> Result<Tlv<'_>, AttestationError> {
    let (item, rest) = read_tlv(bytes)?;
    if !rest.is_empty() {
        return Err(malformed("bytes follow an element"));
    }
    Ok(item)
}

fn read_tlv(bytes: &[u8]) -> Result<(Tlv<'_>, &[u8]), AttestationError> {
    let truncated = || malformed("an element is cut short");
    let (&identifier, mut rest) = bytes.split_first().ok_or_else(truncated)?;
    let class = identifier >> 6;
    let constructed = identifier & 0x20 != 0;
    let mut tag = u32::from(identifier & 0x1f);
    if tag == 0x1f {
        // High tag number: base 128, most significant first, no leading zero digit.
        tag = 0;
        for digits in 1.. {
            let (&byte, after) = rest.split_first().ok_or_else(truncated)?;
            rest = after;
            if digits == 1 && byte == 0x80 {
                return Err(malformed("a tag number is not in its shortest form"));
            }
            if digits > 4 {
                return Err(malformed("a tag number is too large"));
            }
            tag = (tag << 7) | u32::from(byte & 0x7f);
            if byte & 0x80 == 0 {
                break;
            }
        }
        if tag < 0x1f {
            return Err(malformed("a tag number is not in its shortest form"));
        }
    }
    let (&first, after) = rest.split_first().ok_or_else(truncated)?;
    rest = after;
    let length = match first {
        0..=0x7f => usize::from(first),
        0x80 => return Err(malformed("an element has an indefinite length")),
        _ => {
            let count = usize::from(first & 0x7f);
            if count > 4 || rest.len() < count {
                return Err(truncated());
            }
            let (digits, after) = rest.split_at(count);
            rest = after;
            if digits[0] == 0 {
                return Err(malformed("a length is not in its shortest form"));
            }
            let length = digits
                .iter()
                .fold(0usize, |length, digit| (length << 8) | usize::from(*digit));
            if length < 0x80 {
                return Err(malformed("a length is not in its shortest form"));
            }
            length
        }
    };
    if rest.len() < length {
        return Err(truncated());
    }
    let (content, rest) = rest.split_at(length);
    Ok((
        Tlv {
            class,
            constructed,
            tag,
            content,
        },
        rest,
    ))
}

fn expect<'a>(
    tlv: Tlv<'a>,
    tag: u32,
    constructed: bool,
    what: &str,
) -> Result<&'a [u8], AttestationError> {
    if tlv.class != UNIVERSAL || tlv.tag != tag || tlv.constructed != constructed {
        let kind = match tag {
            BOOLEAN => "a BOOLEAN",
            INTEGER => "an INTEGER",
            OCTET_STRING => "an OCTET STRING",
            ENUMERATED => "an ENUMERATED",
            SEQUENCE => "a SEQUENCE",
            _ => "a SET",
        };
        return Err(malformed(format!("the {what} is not {kind}")));
    }
    Ok(tlv.content)
}

fn sequence<'a>(tlv: Tlv<'a>, what: &str) -> Result<Vec<Tlv<'a>>, AttestationError> {
    read_all(expect(tlv, SEQUENCE, true, what)?)
}

fn set<'a>(tlv: Tlv<'a>, what: &str) -> Result<Vec<Tlv<'a>>, AttestationError> {
    read_all(expect(tlv, SET, true, what)?)
}

fn octet_string<'a>(tlv: Tlv<'a>, what: &str) -> Result<&'a [u8], AttestationError> {
    expect(tlv, OCTET_STRING, false, what)
}

fn integer(tlv: Tlv<'_>, what: &str) -> Result<i64, AttestationError> {
    signed(expect(tlv, INTEGER, false, what)?, what)
}

fn enumerated(tlv: Tlv<'_>, what: &str) -> Result<i64, AttestationError> {
    signed(expect(tlv, ENUMERATED, false, what)?, what)
}

/// A two's complement big-endian number of at most 64 significant bits.
fn signed(content: &[u8], what: &str) -> Result<i64, AttestationError> {
    let Some(&first) = content.first() else {
        return Err(malformed(format!("the {what} is empty")));
    };
    if content.len() > 16 {
        return Err(malformed(format!("the {what} is out of range")));
    }
    let start: i128 = if first & 0x80 != 0 { -1 } else { 0 };
    let value = content
        .iter()
        .fold(start, |value, byte| (value << 8) | i128::from(*byte));
    i64::try_from(value).map_err(|_| malformed(format!("the {what} is out of range")))
}

/// A BOOLEAN of one octet; phones write TRUE as 0x01 as well as 0xFF.
fn boolean(tlv: Tlv<'_>, what: &str) -> Result<bool, AttestationError> {
    match expect(tlv, BOOLEAN, false, what)? {
        [value] => Ok(*value != 0),
        _ => Err(malformed(format!("the {what} is not one octet"))),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    use countersign_testkit::der::{
        enumerated as enumerated_value, field, int, octets, seq, set_of, tlv,
    };

    const CHALLENGE: &[u8] = b"enrollment challenge";
    const DIGEST: [u8; 32] = [7; 32];

    fn expectations() -> Expectations {
        Expectations {
            package: "dev.countersign.app".to_owned(),
            signing_digests: vec![DIGEST],
            allow_expired_intermediates: false,
        }
    }

    fn application_id(packages: &[&str]) -> Vec<u8> {
        let infos: Vec<Vec<u8>> = packages
            .iter()
            .map(|name| seq(&[octets(name.as_bytes()), int(42)]))
            .collect();
        field(
            709,
            octets(&seq(&[set_of(&infos), set_of(&[octets(&DIGEST)])])),
        )
    }

    fn root_of_trust_field(locked: u8, state: u8) -> Vec<u8> {
        field(
            704,
            seq(&[
                octets(&[1; 32]),
                tlv(&[0x01], &[locked]),
                enumerated_value(state),
                octets(&[2; 32]),
            ]),
        )
    }

    /// A good per-use TEE key's hardware list, in ascending tag order.
    fn hardware_fields() -> Vec<Vec<u8>> {
        vec![
            field(1, set_of(&[int(2)])),
            field(2, int(3)),
            field(3, int(256)),
            field(10, int(1)),
            field(504, int(3)),
            field(702, int(0)),
            root_of_trust_field(0xff, 0),
        ]
    }

    fn software_fields() -> Vec<Vec<u8>> {
        vec![
            field(701, int(1_767_268_800_000)),
            application_id(&["dev.countersign.app"]),
        ]
    }

    fn description(software: &[Vec<u8>], hardware: &[Vec<u8>]) -> Vec<u8> {
        seq(&[
            int(300),
            enumerated_value(1),
            int(300),
            enumerated_value(1),
            octets(CHALLENGE),
            octets(&[]),
            seq(software),
            seq(hardware),
        ])
    }

    fn evaluate_lists(
        software: &[Vec<u8>],
        hardware: &[Vec<u8>],
    ) -> Result<AttestedKey, AttestationError> {
        evaluate(&description(software, hardware), CHALLENGE, &expectations())
    }

    fn is_malformed(result: Result<AttestedKey, AttestationError>) -> bool {
        matches!(
            result,
            Err(AttestationError::MalformedKeyDescription { .. })
        )
    }

    #[test]
    fn a_per_use_tee_key_is_accepted_with_what_it_attests() {
        let attested = evaluate_lists(&software_fields(), &hardware_fields()).unwrap();
        assert_eq!(
            attested,
            AttestedKey {
                security_level: SecurityLevel::TrustedEnvironment,
                attestation_version: 300,
                biometric: true,
                device_credential: true,
                device_locked: Some(true),
                verified_boot: Some(VerifiedBoot::Verified),
            }
        );
    }

    #[test]
    fn high_tag_numbers_are_read_in_base_128() {
        let (item, rest) = read_tlv(&[0xbf, 0x85, 0x45, 0x02, 0x05, 0x00, 0xff]).unwrap();
        assert_eq!(
            (item.class, item.constructed, item.tag),
            (CONTEXT, true, 709)
        );
        assert_eq!(item.content, &[0x05, 0x00]);
        assert_eq!(rest, &[0xff]);
        assert_eq!(read_tlv(&[0xbf, 0x83, 0x77, 0x00]).unwrap().0.tag, 503);
    }

    #[test]
    fn fields_out_of_ascending_order_are_accepted() {
        let mut hardware = hardware_fields();
        hardware.reverse();
        let mut software = software_fields();
        software.reverse();
        assert!(evaluate_lists(&software, &hardware).is_ok());
    }

    #[test]
    fn a_tag_repeated_with_the_same_value_is_accepted() {
        let mut hardware = hardware_fields();
        hardware.push(field(2, int(3)));
        assert!(evaluate_lists(&software_fields(), &hardware).is_ok());
    }

    #[test]
    fn a_tag_repeated_with_another_value_is_refused() {
        let mut hardware = hardware_fields();
        hardware.push(field(2, int(1)));
        assert_eq!(
            evaluate_lists(&software_fields(), &hardware),
            Err(AttestationError::ConflictingTag { tag: 2 })
        );
    }

    #[test]
    fn unknown_tags_are_skipped_whatever_they_hold() {
        let mut hardware = hardware_fields();
        // mlDsaVariant, moduleHash, and an unassigned tag holding no DER at all.
        hardware.push(field(11, int(1)));
        hardware.push(field(724, octets(&[9; 32])));
        hardware.push(field(850, vec![0xde, 0xad]));
        // A vendor patch level of 0, as some phones write.
        hardware.push(field(718, int(0)));
        assert!(evaluate_lists(&software_fields(), &hardware).is_ok());
    }

    #[test]
    fn a_description_without_8_elements_is_malformed() {
        let der = seq(&[int(300), enumerated_value(1), int(300), enumerated_value(1)]);
        assert!(is_malformed(evaluate(&der, CHALLENGE, &expectations())));
    }

    #[test]
    fn bytes_after_the_description_are_malformed() {
        let mut der = description(&software_fields(), &hardware_fields());
        der.push(0);
        assert!(is_malformed(evaluate(&der, CHALLENGE, &expectations())));
    }

    #[test]
    fn a_length_beyond_the_data_is_malformed() {
        let mut der = description(&software_fields(), &hardware_fields());
        der.truncate(der.len() - 1);
        assert!(is_malformed(evaluate(&der, CHALLENGE, &expectations())));
    }

    #[test]
    fn lengths_must_be_definite_and_shortest() {
        assert!(read_tlv(&[0x30, 0x80, 0x00, 0x00]).is_err());
        assert!(read_tlv(&[0x04, 0x81, 0x01, 0x00]).is_err());
        assert!(read_tlv(&[0x04, 0x82, 0x00, 0x81, 0x00]).is_err());
        assert!(read_tlv(&[0xbf, 0x80, 0x83, 0x77, 0x00]).is_err());
        assert!(read_tlv(&[0xbf, 0x1e, 0x00]).is_err());
        assert!(read_tlv(&[0xbf, 0x83]).is_err());
    }

    #[test]
    fn a_known_tag_holding_the_wrong_type_is_malformed() {
        let mut hardware = hardware_fields();
        hardware[1] = field(2, octets(&[3]));
        assert!(is_malformed(evaluate_lists(&software_fields(), &hardware)));
    }

    #[test]
    fn a_field_that_is_not_explicitly_tagged_is_malformed() {
        let mut hardware = hardware_fields();
        hardware.push(int(5));
        assert!(is_malformed(evaluate_lists(&software_fields(), &hardware)));
    }

    #[test]
    fn a_device_locked_true_written_as_one_is_read_as_true() {
        let mut hardware = hardware_fields();
        hardware[6] = root_of_trust_field(0x01, 1);
        let attested = evaluate_lists(&software_fields(), &hardware).unwrap();
        assert_eq!(attested.device_locked, Some(true));
        assert_eq!(attested.verified_boot, Some(VerifiedBoot::SelfSigned));
    }

    #[test]
    fn an_unknown_verified_boot_state_is_malformed() {
        let mut hardware = hardware_fields();
        hardware[6] = root_of_trust_field(0xff, 4);
        assert!(is_malformed(evaluate_lists(&software_fields(), &hardware)));
    }

    #[test]
    fn without_a_root_of_trust_the_boot_state_is_unknown() {
        let mut hardware = hardware_fields();
        hardware.pop();
        let attested = evaluate_lists(&software_fields(), &hardware).unwrap();
        assert_eq!(
            (attested.device_locked, attested.verified_boot),
            (None, None)
        );
    }

    #[test]
    fn user_auth_type_any_is_refused() {
        let mut hardware = hardware_fields();
        hardware[4] = field(504, int(0xffff_ffff));
        assert_eq!(
            evaluate_lists(&software_fields(), &hardware),
            Err(AttestationError::UnacceptableUserAuthType {
                found: Some(0xffff_ffff)
            })
        );
    }

    #[test]
    fn a_biometric_only_key_reports_no_device_credential() {
        let mut hardware = hardware_fields();
        hardware[4] = field(504, int(2));
        let attested = evaluate_lists(&software_fields(), &hardware).unwrap();
        assert!(attested.biometric && !attested.device_credential);
    }

    #[test]
    fn an_auth_timeout_in_the_software_list_is_refused() {
        let mut software = software_fields();
        software.push(field(505, int(0)));
        assert_eq!(
            evaluate_lists(&software, &hardware_fields()),
            Err(AttestationError::TimeBoundKey { seconds: 0 })
        );
    }

    #[test]
    fn an_auth_timeout_of_zero_in_the_hardware_list_is_a_per_use_key() {
        let mut hardware = hardware_fields();
        hardware.push(field(505, int(0)));
        assert!(evaluate_lists(&software_fields(), &hardware).is_ok());
    }

    #[test]
    fn no_auth_required_in_the_software_list_is_refused() {
        let mut software = software_fields();
        software.push(field(503, tlv(&[0x05], &[])));
        assert_eq!(
            evaluate_lists(&software, &hardware_fields()),
            Err(AttestationError::NoUserAuthentication)
        );
    }

    #[test]
    fn security_relevant_values_in_the_software_list_do_not_count() {
        // purpose and algorithm only in the software list: not attested by hardware.
        let software = [
            software_fields(),
            vec![field(1, set_of(&[int(2)])), field(2, int(3))],
        ]
        .concat();
        let hardware: Vec<Vec<u8>> = hardware_fields().split_off(2);
        assert_eq!(
            evaluate_lists(&software, &hardware),
            Err(AttestationError::NotASigningKey)
        );
    }

    #[test]
    fn an_imported_key_is_refused() {
        let mut hardware = hardware_fields();
        hardware[5] = field(702, int(2));
        assert_eq!(
            evaluate_lists(&software_fields(), &hardware),
            Err(AttestationError::KeyNotGenerated { origin: 2 })
        );
    }

    #[test]
    fn a_p384_key_is_refused() {
        let mut hardware = hardware_fields();
        hardware[3] = field(10, int(2));
        assert_eq!(
            evaluate_lists(&software_fields(), &hardware),
            Err(AttestationError::AttestedKeyNotP256)
        );
    }

    #[test]
    fn placeholder_package_names_alone_are_refused() {
        let mut software = software_fields();
        software[1] = application_id(&["AndroidSystem"]);
        assert_eq!(
            evaluate_lists(&software, &hardware_fields()),
            Err(AttestationError::UnnamedApplication {
                found: "AndroidSystem".to_owned()
            })
        );
    }

    #[test]
    fn our_package_among_shared_uid_packages_is_accepted() {
        let mut software = software_fields();
        software[1] = application_id(&["AndroidSystem", "dev.countersign.app", "com.example"]);
        assert!(evaluate_lists(&software, &hardware_fields()).is_ok());
    }

    #[test]
    fn a_missing_application_id_is_refused() {
        let software = vec![software_fields().remove(0)];
        assert_eq!(
            evaluate_lists(&software, &hardware_fields()),
            Err(AttestationError::MissingApplicationId)
        );
    }

    #[test]
    fn an_app_signed_by_another_certificate_is_refused() {
        let expected = Expectations {
            signing_digests: vec![[8; 32]],
            ..expectations()
        };
        let der = description(&software_fields(), &hardware_fields());
        assert_eq!(
            evaluate(&der, CHALLENGE, &expected),
            Err(AttestationError::UnknownSigningCertificate {
                found: data_encoding::HEXLOWER.encode(&DIGEST)
            })
        );
        let any = Expectations {
            signing_digests: Vec::new(),
            ..expectations()
        };
        assert!(evaluate(&der, CHALLENGE, &any).is_ok());
    }

    #[test]
    fn attestation_version_2_is_too_old() {
        let rebuilt = seq(&[
            int(2),
            enumerated_value(1),
            int(3),
            enumerated_value(1),
            octets(CHALLENGE),
            octets(&[]),
            seq(&software_fields()),
            seq(&hardware_fields()),
        ]);
        assert_eq!(
            evaluate(&rebuilt, CHALLENGE, &expectations()),
            Err(AttestationError::AttestationVersionTooOld { version: 2 })
        );
    }

    #[test]
    fn integers_are_read_as_twos_complement() {
        let read = |bytes: &[u8]| integer(read_one(bytes).unwrap(), "test");
        assert_eq!(read(&[0x02, 0x01, 0xff]), Ok(-1));
        assert_eq!(
            read(&[0x02, 0x05, 0x00, 0xff, 0xff, 0xff, 0xff]),
            Ok(0xffff_ffff)
        );
        assert!(read(&[0x02, 0x00]).is_err());
        assert!(read(&[0x02, 0x09, 0x01, 0, 0, 0, 0, 0, 0, 0, 0]).is_err());
    }
}
