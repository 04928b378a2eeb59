//! Every real and synthetic fixture in `testdata/publishsettings`: parse, resolve,
//! open the certificate.

use crate::common::{chain, fixture, fixture_dir};
use azmc_pki::pkcs12::MacStatus;
use azmc_wire::publishsettings::{self, PublishSettingsError, SchemaVersion};

struct Expect {
    file: &'static str,
    schema: SchemaVersion,
    endpoint: &'static str,
    /// (id, name) per subscription, in file order.
    subs: &'static [(&'static str, Option<&'static str>)],
    /// The certificate's thumbprint per subscription (openssl's fingerprint; `None` where
    /// OpenSSL cannot read the file because its MAC is broken).
    thumbprints: &'static [Option<&'static str>],
    common_name: &'static str,
    /// The MAC verifies (false for the two azure-xplat-cli files).
    mac_ok: bool,
}

const AZURE: &str = "https://management.core.windows.net";
const AZURE_SLASH: &str = "https://management.core.windows.net/";
const LOCAL: &str = "https://127.0.0.1:9";
const TOOLS: &str = "Windows Azure Tools";
const SYNTH_TP: Option<&str> = Some("7C1FB876BCC80600D7F653DEE1EF5BE60C306A6E");

/// A synthetic fixture: schema 2.0, the local endpoint, the synthetic certificate for its
/// one subscription `subs`, a good MAC.
const fn synthetic(
    file: &'static str,
    subs: &'static [(&'static str, Option<&'static str>)],
) -> Expect {
    Expect {
        file,
        schema: SchemaVersion::V2,
        endpoint: LOCAL,
        subs,
        thumbprints: &[SYNTH_TP],
        common_name: "ASM Test Mgmt Cert",
        mac_ok: true,
    }
}

/// The README's table (counts 3, 1, 2, 5, 1, 1, 1; synthetic 1 each).
const FIXTURES: &[Expect] = &[
    Expect {
        file: "azure-sdk-for-python__test_legacy_mgmt_misc_3subs.publishsettings",
        schema: SchemaVersion::V2,
        endpoint: AZURE,
        subs: &[
            (
                "cafecafe-cafe-1234-1234-1234cafe0001",
                Some("Microsoft Azure Internal Consumption"),
            ),
            (
                "cafecafe-cafe-1234-1234-1234cafe0002",
                Some("Subscription Something Something"),
            ),
            (
                "cafecafe-cafe-1234-1234-1234cafe0003",
                Some("Work Subscription Something"),
            ),
        ],
        thumbprints: &[
            Some("9F75AD088804FB08875C41E14188F07CCBF06680"),
            Some("9C4061B8D1409C723C9CD8EA61AC4F1DC8387718"),
            Some("F8943F388221EB63298978FD03E65E33BF857019"),
        ],
        common_name: TOOLS,
        mac_ok: true,
    },
    Expect {
        file: "azure-xplat-cli__account-credentials.publishsettings",
        schema: SchemaVersion::V1,
        endpoint: AZURE_SLASH,
        subs: &[("db1ab6f0-4769-4b27-930e-01e2ef9c123c", Some("Account"))],
        thumbprints: &[None],
        common_name: TOOLS,
        mac_ok: false,
    },
    Expect {
        file: "azure-xplat-cli__account-credentials2.publishsettings",
        schema: SchemaVersion::V1,
        endpoint: AZURE_SLASH,
        subs: &[
            ("db1ab6f0-4769-4b27-930e-01e2ef9c123c", Some("Account")),
            ("db1ab6f0-4769-4b27-930e-01e2ef9c124d", Some("Other")),
        ],
        thumbprints: &[None, None],
        common_name: TOOLS,
        mac_ok: false,
    },
    Expect {
        file: "azurecoder-fluent-management__TestPublishSettings_v1_5subs.publishsettings",
        schema: SchemaVersion::V1,
        endpoint: AZURE_SLASH,
        subs: &[
            (
                "aaaaaaaa-8130-49d7-95f9-aaaaaaaaaaaa",
                Some("Windows Azure MSDN - Visual Studio Ultimate"),
            ),
            (
                "aaaaaaaa-8382-4990-b612-aaaaaaaaaaaa",
                Some("Windows Azure MSDN - Visual Studio Ultimate"),
            ),
            ("aaaaaaaa-7aac-492c-8b08-aaaaaaaaaaaa", Some("Test 1")),
            ("aaaaaaaa-e135-45ca-bc31-aaaaaaaaaaaa", Some("Test 2")),
            ("aaaaaaaa-f3f5-42d0-ba03-aaaaaaaaaaaa", Some("Test 3")),
        ],
        thumbprints: &[Some("F87DE91EB2D6ADEE0A322D77C8C23DDC4FD70679"); 5],
        common_name: TOOLS,
        mac_ok: true,
    },
    Expect {
        file: "azurecoder-fluent-management__TestPublishSettings_v2.publishsettings",
        schema: SchemaVersion::V2,
        endpoint: AZURE,
        subs: &[(
            "2ee96392-e3d2-4fcd-8e3a-d1c907c9c443",
            Some("3-Month Free Trial"),
        )],
        thumbprints: &[Some("9547DF143E9E13906A12DFA3113C108C1DCA3902")],
        common_name: TOOLS,
        mac_ok: true,
    },
    Expect {
        file: "c9-azure-cmdlet-node__elvis.publishsettings",
        schema: SchemaVersion::V1,
        endpoint: AZURE_SLASH,
        subs: &[(
            "9345d853-bcb4-49cb-980c-48aaca5cdc19",
            Some("3-Month Free Trial"),
        )],
        thumbprints: &[Some("97BE0B11A2887728E6B46614B2065BD81CDFFA18")],
        common_name: TOOLS,
        mac_ok: true,
    },
    Expect {
        file: "hashicorp-terraform__provider_test_revoked.publishsettings",
        schema: SchemaVersion::V2,
        endpoint: AZURE,
        subs: &[(
            "a65bf94f-26b3-4fb1-9d50-6e27c6096df1",
            Some("terraform-testing"),
        )],
        thumbprints: &[Some("6A7F31713273EBE91086040703CC857BB5ECC550")],
        common_name: TOOLS,
        mac_ok: true,
    },
    synthetic(
        "synthetic/forge-nullpw-nonminimal-der__go-FAILS.publishsettings",
        &[(
            "11111111-2222-3333-4444-555555555555",
            Some("Local ASM Test"),
        )],
    ),
    synthetic(
        "synthetic/null-password-3des-3des-sha1mac__ALL-CLIENTS-OK.publishsettings",
        &[(
            "11111111-2222-3333-4444-555555555555",
            Some("Local ASM Universal"),
        )],
    ),
    synthetic(
        "synthetic/openssl-legacy-emptypw-rc2-3des__xplat-cli-FAILS.publishsettings",
        &[(
            "11111111-2222-3333-4444-555555555555",
            Some("Local ASM Test"),
        )],
    ),
    synthetic(
        "synthetic/openssl3-default-aes256-sha256mac__go-xplat-FAIL.publishsettings",
        &[(
            "aaaaaaaa-2222-3333-4444-555555555555",
            Some("Local ASM AES"),
        )],
    ),
];

/// A new fixture dropped into the folder must be added to the table above.
#[test]
fn the_table_covers_every_fixture_file() {
    let mut on_disk = Vec::new();
    for sub in ["", "synthetic/"] {
        for entry in std::fs::read_dir(fixture_dir().join(sub)).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".publishsettings") {
                on_disk.push(format!("{sub}{name}"));
            }
        }
    }
    on_disk.sort();
    let mut listed: Vec<String> = FIXTURES.iter().map(|f| f.file.to_owned()).collect();
    listed.sort();
    assert_eq!(on_disk, listed);
    assert_eq!(on_disk.len(), 11);
}

#[test]
fn every_fixture_parses_with_the_expected_subscriptions() {
    for f in FIXTURES {
        let ps =
            publishsettings::parse(&fixture(f.file)).unwrap_or_else(|e| panic!("{}: {e}", f.file));
        let subs = ps
            .subscriptions()
            .unwrap_or_else(|e| panic!("{}: {e}", f.file));
        assert_eq!(subs.len(), f.subs.len(), "{}", f.file);
        for (sub, (id, name)) in subs.iter().zip(f.subs) {
            assert_eq!(sub.id, *id, "{}", f.file);
            assert_eq!(sub.name.as_deref(), *name, "{}", f.file);
            assert_eq!(sub.schema, f.schema, "{}", f.file);
            assert_eq!(sub.endpoint.as_deref(), Some(f.endpoint), "{}", f.file);
            assert!(
                sub.pkcs12.len() > 1000,
                "{}: PKCS#12 of {} bytes",
                f.file,
                sub.pkcs12.len()
            );
        }
    }
}

#[test]
fn the_file_structure_is_kept_as_written() {
    // Schema 1.0: one profile, certificate and Url on it, none on the subscriptions.
    let v1 = publishsettings::parse(&fixture(
        "azurecoder-fluent-management__TestPublishSettings_v1_5subs.publishsettings",
    ))
    .unwrap();
    assert_eq!(v1.profiles.len(), 1);
    let p = &v1.profiles[0];
    assert_eq!(p.schema_version, None);
    assert_eq!(
        p.publish_method.as_deref(),
        Some("AzureServiceManagementAPI")
    );
    assert_eq!(p.url.as_deref(), Some(AZURE_SLASH));
    assert!(
        p.management_certificate
            .as_deref()
            .unwrap()
            .starts_with("MII")
    );
    assert_eq!(p.subscriptions.len(), 5);
    assert!(
        p.subscriptions
            .iter()
            .all(|s| s.management_certificate.is_none() && s.service_management_url.is_none())
    );

    // Schema 2.0: everything on the subscriptions.
    let v2 = publishsettings::parse(&fixture(
        "azure-sdk-for-python__test_legacy_mgmt_misc_3subs.publishsettings",
    ))
    .unwrap();
    assert_eq!(v2.profiles.len(), 1);
    let p = &v2.profiles[0];
    assert_eq!(p.schema_version.as_deref(), Some("2.0"));
    assert_eq!(p.url, None);
    assert_eq!(p.management_certificate, None);
    assert!(
        p.subscriptions
            .iter()
            .all(|s| s.management_certificate.is_some()
                && s.service_management_url.as_deref() == Some(AZURE))
    );
}

#[test]
fn every_certificate_opens_with_the_empty_password() {
    for f in FIXTURES {
        let subs = publishsettings::parse(&fixture(f.file))
            .unwrap()
            .subscriptions()
            .unwrap();
        let mut thumbprints = Vec::new();
        for (sub, expected_tp) in subs.iter().zip(f.thumbprints) {
            let opened = sub
                .open_certificate(!f.mac_ok)
                .unwrap_or_else(|e| panic!("{} {}: {}", f.file, sub.id, chain(&e)));
            let expected_mac = if f.mac_ok {
                MacStatus::Verified
            } else {
                MacStatus::Mismatch
            };
            assert_eq!(opened.mac, expected_mac, "{}", f.file);
            assert_eq!(
                opened.certificate.common_name(),
                Some(f.common_name),
                "{}",
                f.file
            );
            assert!(opened.key.matches(&opened.certificate), "{}", f.file);
            let tp = opened.certificate.thumbprint().to_string();
            if let Some(expected) = expected_tp {
                assert_eq!(tp, *expected, "{} {}", f.file, sub.id);
            }
            thumbprints.push(tp);
        }
        // Schema 1.0 files share the profile's one certificate.
        if f.schema == SchemaVersion::V1 {
            assert!(thumbprints.windows(2).all(|w| w[0] == w[1]), "{}", f.file);
        }
    }
}

#[test]
fn the_python_file_has_three_distinct_certificates() {
    let subs = publishsettings::parse(&fixture(FIXTURES[0].file))
        .unwrap()
        .subscriptions()
        .unwrap();
    let mut tps: Vec<_> = subs
        .iter()
        .map(|s| s.open_certificate(false).unwrap().certificate.thumbprint())
        .collect();
    tps.sort();
    tps.dedup();
    assert_eq!(tps.len(), 3);
}

#[test]
fn the_two_xplat_files_share_a_certificate_whose_mac_does_not_verify() {
    let one = publishsettings::parse(&fixture(FIXTURES[1].file))
        .unwrap()
        .find("db1ab6f0-4769-4b27-930e-01e2ef9c123c")
        .unwrap();
    let two = publishsettings::parse(&fixture(FIXTURES[2].file))
        .unwrap()
        .find("Other")
        .unwrap();
    for sub in [&one, &two] {
        let err = sub.open_certificate(false).unwrap_err();
        assert!(
            matches!(err, PublishSettingsError::Unreadable { .. }),
            "{err:?}"
        );
        let msg = chain(&err);
        assert!(
            msg.starts_with(&format!(
                "subscription {}: cannot open the ManagementCertificate: ",
                sub.id
            )),
            "{msg}"
        );
        assert!(
            msg.contains("MAC") && msg.contains("does not verify"),
            "{msg}"
        );
    }
    let a = one.open_certificate(true).unwrap();
    let b = two.open_certificate(true).unwrap();
    assert_eq!(a.certificate, b.certificate);
    assert_eq!(a.mac, MacStatus::Mismatch);
}

#[test]
fn find_by_id_or_name() {
    let ps = publishsettings::parse(&fixture(FIXTURES[3].file)).unwrap();
    // Id, ignoring case and surrounding blanks.
    let s = ps.find(" AAAAAAAA-7AAC-492C-8B08-AAAAAAAAAAAA ").unwrap();
    assert_eq!(s.name.as_deref(), Some("Test 1"));
    // Name, ignoring case.
    let s = ps.find("test 3").unwrap();
    assert_eq!(s.id, "aaaaaaaa-f3f5-42d0-ba03-aaaaaaaaaaaa");
    assert_eq!(s.endpoint.as_deref(), Some(AZURE_SLASH));
    assert_eq!(s.schema, SchemaVersion::V1);

    // Two subscriptions share a name.
    let err = ps
        .find("windows azure msdn - visual studio ultimate")
        .unwrap_err();
    assert!(
        matches!(err, PublishSettingsError::Ambiguous { ref matches, .. } if matches.len() == 2)
    );
    assert_eq!(
        err.to_string(),
        "\"windows azure msdn - visual studio ultimate\" matches several subscriptions \
         (aaaaaaaa-8130-49d7-95f9-aaaaaaaaaaaa \"Windows Azure MSDN - Visual Studio Ultimate\", \
         aaaaaaaa-8382-4990-b612-aaaaaaaaaaaa \"Windows Azure MSDN - Visual Studio Ultimate\"); \
         give the subscription id"
    );

    // Nothing: the message lists what there is.
    let ps = publishsettings::parse(&fixture(FIXTURES[2].file)).unwrap();
    let err = ps.find("nope").unwrap_err();
    assert_eq!(
        err.to_string(),
        "no subscription \"nope\" in the file (it has db1ab6f0-4769-4b27-930e-01e2ef9c123c \"Account\", \
         db1ab6f0-4769-4b27-930e-01e2ef9c124d \"Other\")"
    );
    match err {
        PublishSettingsError::NoSuchSubscription { wanted, available } => {
            assert_eq!(wanted, "nope");
            assert_eq!(available.len(), 2);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn debug_output_never_shows_certificates() {
    for f in FIXTURES {
        let data = String::from_utf8(fixture(f.file)).unwrap();
        let ps = publishsettings::parse(data.as_bytes()).unwrap();
        let subs = ps.subscriptions().unwrap();
        let debug = format!("{ps:?} {subs:?}");
        assert!(!debug.contains("MII"), "{}: {debug}", f.file);
        assert!(debug.contains("base64 characters, redacted"), "{debug}");
        assert!(debug.contains("bytes, redacted"), "{debug}");
        assert!(debug.contains(f.subs[0].0), "{debug}");
        let opened = format!("{:?}", subs[0].open_certificate(true).unwrap());
        assert!(
            !opened.contains("MII") && opened.contains("redacted"),
            "{opened}"
        );
    }
}
