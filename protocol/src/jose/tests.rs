use super::*;

fn b64(json: &str) -> String {
    base64url(json.as_bytes())
}

#[test]
fn rfc7515_appendix_a3_es256_example_verifies() {
    let key: Jwk = serde_json::from_str(
        r#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#,
    )
    .unwrap();
    let jws = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
    let (input, signature) = jws.rsplit_once('.').unwrap();
    let signature = base64url_decode(signature).unwrap();
    assert_eq!(verify_es256(input.as_bytes(), &signature, &key), Ok(()));
    let mut tampered = signature.clone();
    tampered[10] ^= 1;
    assert_eq!(
        verify_es256(input.as_bytes(), &tampered, &key),
        Err(JoseError::BadSignature)
    );
}

#[test]
fn rfc7638_section_3_1_thumbprint() {
    let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
    assert_eq!(
        thumbprint_of(&[("e", "AQAB"), ("kty", "RSA"), ("n", n)]),
        "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    );
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Claims {
    hello: String,
}

fn signed(typ: &str) -> (SoftwareKey, String) {
    let key = SoftwareKey::generate().unwrap();
    let jws = sign(
        typ,
        &Claims {
            hello: "world".into(),
        },
        &key,
        false,
    )
    .unwrap();
    (key, jws)
}

#[test]
fn signed_messages_verify_and_read_back() {
    let (key, jws) = signed("countersign-answer+jwt");
    let compact = Compact::parse(&jws).unwrap();
    assert_eq!(
        compact.verify(&key.public_jwk(), "countersign-answer+jwt"),
        Ok(())
    );
    assert_eq!(compact.claims::<Claims>().unwrap().hello, "world");
    assert_eq!(compact.header.kid, key.public_jwk().thumbprint());
    // A key restored from its PKCS#8 form is the same key.
    let restored = SoftwareKey::from_pkcs8(key.expose_pkcs8().clone()).unwrap();
    assert_eq!(restored.public_jwk(), key.public_jwk());
}

#[test]
fn a_signature_made_for_one_message_type_is_not_accepted_as_another() {
    let (key, jws) = signed("countersign-request+jwt");
    assert_eq!(
        Compact::parse(&jws)
            .unwrap()
            .verify(&key.public_jwk(), "countersign-answer+jwt"),
        Err(JoseError::WrongType {
            expected: "countersign-answer+jwt".into(),
            found: "countersign-request+jwt".into()
        })
    );
}

#[test]
fn tampering_or_another_key_fails() {
    let (key, jws) = signed("t");
    let (header, rest) = jws.split_once('.').unwrap();
    let (_, signature) = rest.split_once('.').unwrap();
    let forged = format!("{header}.{}.{signature}", b64(r#"{"hello":"mallory"}"#));
    assert_eq!(
        Compact::parse(&forged)
            .unwrap()
            .verify(&key.public_jwk(), "t"),
        Err(JoseError::BadSignature)
    );
    let other = SoftwareKey::generate().unwrap();
    assert_eq!(
        Compact::parse(&jws)
            .unwrap()
            .verify(&other.public_jwk(), "t"),
        Err(JoseError::KidMismatch)
    );
    // Same kid claimed, other key's signature.
    let impostor = sign(
        "t",
        &Claims {
            hello: "world".into(),
        },
        &other,
        false,
    )
    .unwrap();
    let (_, impostor_rest) = impostor.split_once('.').unwrap();
    let spliced = format!("{header}.{impostor_rest}");
    assert_eq!(
        Compact::parse(&spliced)
            .unwrap()
            .verify(&key.public_jwk(), "t"),
        Err(JoseError::BadSignature)
    );
}

#[test]
fn alg_none_crit_der_signatures_and_junk_are_refused() {
    let payload = b64(r#"{"hello":"world"}"#);
    let sig = base64url(&[0u8; 64]);
    let none = format!(
        "{}.{payload}.",
        b64(r#"{"alg":"none","typ":"t","kid":"k"}"#)
    );
    assert_eq!(
        Compact::parse(&none).unwrap_err(),
        JoseError::UnsupportedAlgorithm { alg: "none".into() }
    );
    let crit = format!(
        "{}.{payload}.{sig}",
        b64(r#"{"alg":"ES256","typ":"t","kid":"k","crit":["x"]}"#)
    );
    assert!(matches!(
        Compact::parse(&crit),
        Err(JoseError::Malformed { .. })
    ));
    let der = format!(
        "{}.{payload}.{}",
        b64(r#"{"alg":"ES256","typ":"t","kid":"k"}"#),
        base64url(&[0x30; 70])
    );
    assert!(matches!(
        Compact::parse(&der),
        Err(JoseError::Malformed { .. })
    ));
    for junk in ["", "a.b", "a.b.c.d", "!!.!!.!!"] {
        assert!(Compact::parse(junk).is_err(), "{junk}");
    }
}

#[test]
fn jwks_with_private_parts_wrong_curves_or_bad_points_are_refused() {
    let good = SoftwareKey::generate().unwrap().public_jwk();
    let with_d: Jwk = serde_json::from_value(
        serde_json::json!({"kty":"EC","crv":"P-256","x":good.x,"y":good.y,"d":"AAAA"}),
    )
    .unwrap();
    assert!(matches!(
        with_d.uncompressed_point(),
        Err(JoseError::BadKey { .. })
    ));
    let p384 = Jwk {
        crv: "P-384".into(),
        ..good.clone()
    };
    assert!(matches!(
        p384.uncompressed_point(),
        Err(JoseError::BadKey { .. })
    ));
    let short = Jwk {
        x: base64url(&[1; 31]),
        ..good.clone()
    };
    assert!(matches!(
        short.uncompressed_point(),
        Err(JoseError::BadKey { .. })
    ));
    // A point that is not on the curve never verifies anything.
    let off_curve = Jwk {
        y: base64url(&[7; 32]),
        ..good
    };
    assert_eq!(
        verify_es256(b"m", &[1; 64], &off_curve),
        Err(JoseError::BadSignature)
    );
    // Serializing never writes d.
    assert!(!serde_json::to_string(&with_d).unwrap().contains("\"d\""));
}
