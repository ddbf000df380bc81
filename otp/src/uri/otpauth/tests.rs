use proptest::prelude::*;

use super::*;

fn parse(text: &str) -> ParsedOtpauth {
    parse_otpauth(text).unwrap_or_else(|error| panic!("{text}: {error}"))
}

#[test]
fn google_example_with_encoded_issuer_and_label() {
    let parsed = parse(
        "otpauth://totp/ACME%20Co:john.doe@email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ\
         &issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30",
    );
    let account = parsed.account;
    assert_eq!(account.issuer.as_deref(), Some("ACME Co"));
    assert_eq!(account.name, "john.doe@email.com");
    assert_eq!(account.params, OtpParams::default_totp());
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
}

#[test]
fn separator_may_be_percent_encoded_and_spaces_written_as_plus_in_parameters() {
    let account = parse("otpauth://hotp/Air%20Canada%3ABenjamin?secret=KUVJJOM753IHTNDSZVCNKL7GII&issuer=Air+Canada&algorithm=SHA256&digits=7&counter=50").account;
    assert_eq!(account.issuer.as_deref(), Some("Air Canada"));
    assert_eq!(account.name, "Benjamin");
    assert_eq!(account.params.kind(), OtpKind::Hotp { counter: 50 });
    assert_eq!(account.params.digits(), 7);
    assert_eq!(account.params.algorithm(), Algorithm::Sha256);
}

#[test]
fn plus_in_a_label_is_kept_as_written() {
    // Android's Uri.getPath (Google Authenticator, Aegis) keeps `+` in the path.
    let account =
        parse("otpauth://totp/Example:jane+test@example.com?secret=JBSWY3DPEHPK3PXP").account;
    assert_eq!(account.name, "jane+test@example.com");
}

#[test]
fn utf8_labels_and_space_after_the_colon() {
    let account =
        parse("otpauth://totp/B%C3%BCro%20M%C3%BCller:%20j%C3%BCrgen?secret=JBSWY3DPEHPK3PXP")
            .account;
    assert_eq!(account.issuer.as_deref(), Some("Büro Müller"));
    assert_eq!(account.name, "jürgen");
}

#[test]
fn issuer_parameter_alone_and_label_alone_both_name_the_issuer() {
    let from_parameter = parse("otpauth://totp/jane?secret=JBSWY3DPEHPK3PXP&issuer=GitHub").account;
    assert_eq!(from_parameter.issuer.as_deref(), Some("GitHub"));
    assert_eq!(from_parameter.name, "jane");
    let from_label = parse("otpauth://totp/GitHub:jane?secret=JBSWY3DPEHPK3PXP").account;
    assert_eq!(from_label.issuer.as_deref(), Some("GitHub"));
    let none = parse("otpauth://totp/jane?secret=JBSWY3DPEHPK3PXP").account;
    assert_eq!(none.issuer, None);
}

#[test]
fn disagreeing_issuers_use_the_parameter_and_say_so() {
    let parsed = parse("otpauth://totp/Old%20Name:jane?secret=JBSWY3DPEHPK3PXP&issuer=New%20Name");
    assert_eq!(parsed.account.issuer.as_deref(), Some("New Name"));
    assert!(parsed.warnings.contains(&UriWarning::IssuerMismatch {
        label: "Old Name".into(),
        parameter: "New Name".into()
    }));
}

#[test]
fn secrets_in_any_case_with_padding_and_spaces_are_the_same_secret() {
    let canonical = parse("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP")
        .account
        .secret;
    for secret in [
        "jbswy3dpehpk3pxp",
        "JBSWY3DPEHPK3PXP%3D%3D%3D%3D",
        "JBSW%20Y3DP%20EHPK%203PXP",
        "JBSWY3DPEHPK3PXP====",
    ] {
        let uri = format!("otpauth://totp/a?secret={secret}");
        assert_eq!(parse(&uri).account.secret, canonical, "{uri}");
    }
}

#[test]
fn an_80_bit_secret_is_accepted_but_flagged_weak() {
    let parsed = parse("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP");
    assert_eq!(parsed.warnings, vec![UriWarning::WeakSecret { bits: 80 }]);
    assert!(parsed.account.has_weak_secret());
    let strong = parse("otpauth://totp/a?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ");
    assert!(strong.warnings.is_empty());
}

#[test]
fn unknown_parameters_are_kept_in_order() {
    let account = parse("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&image=https%3A%2F%2Fexample.com%2Fa.png&color=red").account;
    assert_eq!(
        account.extra,
        vec![
            ("image".to_owned(), "https://example.com/a.png".to_owned()),
            ("color".to_owned(), "red".to_owned())
        ]
    );
    let rebuilt = build_otpauth(&account);
    assert!(
        rebuilt.ends_with("&image=https%3A%2F%2Fexample.com%2Fa.png&color=red"),
        "{rebuilt}"
    );
}

#[test]
fn steam_is_read_from_the_steam_type_and_from_the_encoder_parameter() {
    let aegis = parse("otpauth://steam/Boeing:Sophia?secret=JRZCL47CMXVOQMNPZR2F7J4RGI&issuer=Boeing&algorithm=SHA1&digits=5&period=30").account;
    assert_eq!(aegis.params.kind(), OtpKind::Steam { period: 30 });
    assert_eq!(aegis.code_at(59).unwrap().value, "9WW3X");
    let encoder = parse(
        "otpauth://totp/Steam:gaben?secret=JRZCL47CMXVOQMNPZR2F7J4RGI&issuer=Steam&encoder=steam",
    )
    .account;
    assert_eq!(encoder.params.kind(), OtpKind::Steam { period: 30 });
}

#[test]
fn scheme_and_type_are_case_insensitive() {
    let account = parse("OTPAUTH://TOTP/a?secret=JBSWY3DPEHPK3PXP").account;
    assert_eq!(account.params, OtpParams::default_totp());
}

fn refusal(text: &str) -> UriError {
    match parse_otpauth(text) {
        Ok(parsed) => panic!("{text} was accepted as {parsed:?}"),
        Err(error) => error,
    }
}

#[test]
fn every_refusal_names_the_field_that_is_wrong() {
    let cases: Vec<(&str, UriError, &str)> = vec![
        (
            "https://example.com/login",
            UriError::NotOtpauth {
                start: "https://example.com/login".into(),
            },
            "scheme",
        ),
        (
            "otpauth-migration://offline?data=CgA",
            UriError::MigrationBatch,
            "scheme",
        ),
        (
            "otpauth://motp/a?secret=JBSWY3DPEHPK3PXP",
            UriError::UnknownType {
                found: "motp".into(),
            },
            "type",
        ),
        (
            "otpauth://totp/a?issuer=x",
            UriError::MissingSecret,
            "secret",
        ),
        (
            "otpauth://totp/a?secret=",
            UriError::MissingSecret,
            "secret",
        ),
        (
            "otpauth://totp/a?secret=JBSWY3DP1HPK3PXP",
            UriError::Secret(SecretError::NotBase32 {
                position: 8,
                character: '1',
            }),
            "secret",
        ),
        (
            "otpauth://totp/a?secret=JBSWY3DP+HPK3PXP",
            UriError::Secret(SecretError::NotBase32 {
                position: 8,
                character: '+',
            }),
            "secret",
        ),
        (
            "otpauth://totp/a?secret=JBSWY3DPEHPK3PXPA",
            UriError::Secret(SecretError::Base32Length { length: 17 }),
            "secret",
        ),
        (
            "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=5",
            UriError::DigitsOutOfRange { value: 5 },
            "digits",
        ),
        (
            "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=12",
            UriError::DigitsOutOfRange { value: 12 },
            "digits",
        ),
        (
            "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=six",
            UriError::NotANumber {
                field: "digits",
                value: "six".into(),
            },
            "digits",
        ),
        (
            "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&period=0",
            UriError::PeriodZero,
            "period",
        ),
        (
            "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&period=-30",
            UriError::NotANumber {
                field: "period",
                value: "-30".into(),
            },
            "period",
        ),
        (
            "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&algorithm=MD5",
            UriError::UnknownAlgorithm {
                value: "MD5".into(),
            },
            "algorithm",
        ),
        (
            "otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP",
            UriError::HotpWithoutCounter,
            "counter",
        ),
        (
            "otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP&counter=x",
            UriError::NotANumber {
                field: "counter",
                value: "x".into(),
            },
            "counter",
        ),
        (
            "otpauth://totp/%FF%FE?secret=JBSWY3DPEHPK3PXP",
            UriError::NotUtf8 { field: "label" },
            "label",
        ),
    ];
    for (text, expected, field) in cases {
        let error = refusal(text);
        assert_eq!(error, expected, "{text}");
        assert_eq!(error.field(), field, "{text}");
        assert!(
            error.to_string().contains(field) || field == "scheme" || field == "type",
            "{error}"
        );
    }
}

#[test]
fn error_messages_never_contain_the_secret() {
    let error = refusal("otpauth://totp/a?secret=JBSWY3DP1HPK3PXP&digits=5");
    assert!(!error.to_string().contains("JBSWY3DP"), "{error}");
    let error = refusal("otpauth://totp/a?secret=JBSWY3DP1HPK3PXP");
    assert!(!error.to_string().contains("JBSWY3DP"), "{error}");
}

#[test]
fn built_uri_reads_like_the_key_uri_format() {
    let account = parse(
        "otpauth://totp/ACME%20Co:jane%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co",
    )
    .account;
    assert_eq!(
        build_otpauth(&account),
        "otpauth://totp/ACME%20Co:jane@example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30"
    );
}

fn text_strategy() -> impl Strategy<Value = String> {
    // Anything printable, including `:`, `%`, `+`, `&`, `=`, `?`, `/`, `#` and non-ASCII,
    // without leading or trailing white space (which the parser trims, as GA does).
    "[^\\p{C}]{0,24}".prop_map(|text| text.trim().to_owned())
}

fn params_strategy() -> impl Strategy<Value = OtpParams> {
    let algorithm = prop_oneof![
        Just(Algorithm::Sha1),
        Just(Algorithm::Sha256),
        Just(Algorithm::Sha512)
    ];
    let kind = prop_oneof![
        (1u32..=600, prop_oneof![Just(0i64), 1i64..=2_000_000_000])
            .prop_map(|(period, t0)| OtpKind::Totp { period, t0 }),
        any::<u64>().prop_map(|counter| OtpKind::Hotp { counter }),
        (1u32..=600).prop_map(|period| OtpKind::Steam { period }),
    ];
    (algorithm, MIN_DIGITS..=MAX_DIGITS, kind)
        .prop_map(|(algorithm, digits, kind)| OtpParams::new(algorithm, digits, kind).unwrap())
}

proptest! {
    #[test]
    fn build_then_parse_gives_back_the_same_account(
        issuer in proptest::option::of(text_strategy().prop_filter("non-empty", |s| !s.is_empty())),
        name in text_strategy(),
        secret in proptest::collection::vec(any::<u8>(), 1..64),
        params in params_strategy(),
        extra in proptest::collection::vec(("[a-z][a-z_]{0,8}".prop_filter("not a known parameter", |k| !KNOWN_PARAMETERS.contains(&k.as_str())), text_strategy()), 0..3),
    ) {
        let account = OtpAccount { issuer, name, secret: SecretBytes::new(secret), params, extra };
        let uri = build_otpauth(&account);
        let reparsed = parse_otpauth(&uri).map_err(|e| TestCaseError::fail(format!("{uri}: {e}")))?;
        prop_assert_eq!(&reparsed.account, &account, "{}", uri);
        let mismatch = reparsed.warnings.iter().any(|w| matches!(w, UriWarning::IssuerMismatch { .. }));
        prop_assert!(!mismatch, "issuer mismatch for {}", uri);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "otpauth://\\PC{0,80}") {
        let _ = parse_otpauth(&text);
    }
}
