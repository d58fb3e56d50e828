//! Settings layered and validated: defaults, ranges, and the refusals.

use super::*;

#[test]
fn defaults_are_the_documented_ones() {
    let config = Config::validate(Settings::default()).unwrap();
    assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(config.data_dir, PathBuf::from("./siaga-data"));
    assert_eq!(config.whatsapp.api_version, "v25.0");
    assert_eq!(config.whatsapp.graph_url, "https://graph.facebook.com");
    assert!(config.whatsapp.sandbox());
    assert_eq!(config.body_limit_bytes, 4 * 1024 * 1024);
    assert_eq!(config.thread_window, chrono::Duration::hours(24));
    assert_eq!(config.session_policy.max_age, chrono::Duration::days(7));
    assert_eq!(
        config.session_policy.recheck_interval,
        Duration::from_secs(30)
    );
}

#[test]
fn session_settings_outside_their_range_are_refused() {
    for (line, name) in [
        ("session_max_hours = 0", "session-max-hours"),
        ("session_max_hours = 721", "session-max-hours"),
        (
            "subscription_recheck_seconds = 0",
            "subscription-recheck-seconds",
        ),
        (
            "subscription_recheck_seconds = 31",
            "subscription-recheck-seconds",
        ),
    ] {
        let settings: Settings = toml::from_str(line).unwrap();
        let error = Config::validate(settings).unwrap_err().to_string();
        assert!(error.contains(name), "{line}: {error}");
    }
}

#[test]
fn flags_win_over_the_file() {
    let file: Settings =
        toml::from_str("listen = \"0.0.0.0:9000\"\nticket_prefix = \"LP\"\n").unwrap();
    let flags = Settings {
        listen: Some("127.0.0.1:7000".into()),
        ..Settings::default()
    };
    let config = Config::validate(flags.over(file)).unwrap();
    assert_eq!(config.listen.to_string(), "127.0.0.1:7000");
    assert_eq!(config.ticket_prefix, "LP");
}

#[test]
fn a_live_token_without_app_secret_or_phone_id_is_refused() {
    let settings = Settings {
        wa_access_token: Some("token".into()),
        ..Settings::default()
    };
    assert!(
        Config::validate(settings.clone())
            .unwrap_err()
            .to_string()
            .contains("wa-phone-number-id")
    );
    let settings = Settings {
        wa_phone_number_id: Some("1".into()),
        ..settings
    };
    assert!(
        Config::validate(settings)
            .unwrap_err()
            .to_string()
            .contains("wa-app-secret")
    );
}

#[test]
fn unknown_file_keys_and_bad_values_are_refused() {
    assert!(toml::from_str::<Settings>("lisen = \"x\"").is_err());
    let bad = Settings {
        listen: Some("nowhere".into()),
        ..Settings::default()
    };
    assert!(Config::validate(bad).is_err());
    let bad = Settings {
        ticket_prefix: Some("WA-".into()),
        ..Settings::default()
    };
    assert!(Config::validate(bad).is_err());
}

#[test]
fn the_example_config_file_is_valid() {
    let settings: Settings = toml::from_str(include_str!("../../config.example.toml")).unwrap();
    Config::validate(settings).unwrap();
}

/// The four purposes' lines of the example file, uncommented as an admin would, map each
/// purpose to the template they name.
#[test]
fn the_example_files_template_lines_map_the_four_purposes() {
    let example = include_str!("../../config.example.toml");
    let uncommented: Vec<&str> = example
        .lines()
        .map(|line| match line.strip_prefix("# ") {
            Some(setting) if setting.contains("_template = {") => setting,
            _ => line,
        })
        .collect();
    let settings: Settings = toml::from_str(&uncommented.join("\n")).unwrap();
    let config = Config::validate(settings).unwrap();
    let named = |template: &Option<crate::profile::TemplateRef>| {
        template
            .as_ref()
            .map(|template| (template.name.clone(), template.language.clone()))
    };
    let replies = &config.replies;
    let id = |name: &str| Some((name.to_string(), "id".to_string()));
    assert_eq!(named(&replies.fallback_template), id("status_laporan"));
    assert_eq!(named(&replies.forwarded_template), id("laporan_diteruskan"));
    assert_eq!(named(&replies.resolved_template), id("laporan_selesai"));
    assert_eq!(named(&replies.satisfaction_template), id("survei_kepuasan"));
}

#[test]
fn the_business_account_id_and_the_purposes_templates_come_from_the_file() {
    let settings: Settings = toml::from_str(
        r#"
wa_business_account_id = " 102030405060708 "
[replies]
resolved_template = { name = "laporan_selesai" }
satisfaction_template = { name = "survei_kepuasan", language = "id" }
"#,
    )
    .unwrap();
    let config = Config::validate(settings).unwrap();
    assert_eq!(
        config.whatsapp.business_account_id.as_deref(),
        Some("102030405060708")
    );
    let resolved = config.replies.resolved_template.unwrap();
    assert_eq!(
        (resolved.name.as_str(), resolved.language.as_str()),
        ("laporan_selesai", "id")
    );
    assert!(config.replies.satisfaction_template.is_some());

    let settings: Settings = toml::from_str(r#"wa_business_account_id = "+62 811""#).unwrap();
    let error = Config::validate(settings).unwrap_err().to_string();
    assert!(error.contains("wa-business-account-id"), "{error}");
}

const TWO_NUMBERS: &str = r#"
wa_app_secret = "secret"
wa_access_token = "global-token"
wa_business_account_id = "102030405060708"
[[whatsapp.numbers]]
phone_number_id = "112233445566778"
display_number = "6281370002110"
label = "Polda Sumsel"

[[whatsapp.numbers]]
phone_number_id = "223344556677889"
display_number = "6281370002111"
label = "Polrestabes Palembang"
default_unit = "POLRESTABES_PALEMBANG"
access_token = "palembang-token"
business_account_id = "203040506070809"
[whatsapp.numbers.replies]
new_report = "Diterima Polrestabes. Tiket {ticket}."
"#;

#[test]
fn two_numbers_come_from_the_file_with_their_fallbacks() {
    let settings: Settings = toml::from_str(TWO_NUMBERS).unwrap();
    let config = Config::validate(settings).unwrap();
    let numbers = &config.whatsapp.numbers;
    assert_eq!(numbers.len(), 2);
    assert_eq!(numbers[0].access_token.as_deref(), Some("global-token"));
    assert_eq!(
        numbers[0].business_account_id.as_deref(),
        Some("102030405060708")
    );
    assert_eq!(numbers[1].access_token.as_deref(), Some("palembang-token"));
    assert_eq!(
        numbers[1].default_unit.as_ref().map(|unit| unit.as_str()),
        Some("POLRESTABES_PALEMBANG")
    );
    assert!(numbers[1].replies.new_report.is_some());
    assert!(!format!("{config:?}").contains("palembang-token"));
    let channels = config.whatsapp.channels();
    assert_eq!(
        channels.template_account(Some("223344556677889")),
        Some("203040506070809")
    );
    assert_eq!(channels.template_account(None), None);
}

#[test]
fn the_single_number_settings_are_a_one_number_configuration() {
    let settings: Settings = toml::from_str(
        "wa_phone_number_id = \"112233445566778\"\nwa_access_token = \"t\"\nwa_app_secret = \"s\"",
    )
    .unwrap();
    let config = Config::validate(settings).unwrap();
    assert_eq!(config.whatsapp.numbers.len(), 1);
    assert_eq!(
        config.whatsapp.numbers[0].phone_number_id,
        "112233445566778"
    );
    assert_eq!(
        config.whatsapp.numbers[0].access_token.as_deref(),
        Some("t")
    );
    // Named in both places: the same number.
    let both = format!("wa_phone_number_id = \"223344556677889\"\n{TWO_NUMBERS}");
    let config = Config::validate(toml::from_str(&both).unwrap()).unwrap();
    assert_eq!(config.whatsapp.numbers.len(), 2);
}

#[test]
fn conflicting_or_malformed_numbers_are_refused_clearly() {
    let conflicting = format!("wa_phone_number_id = \"999\"\n{TWO_NUMBERS}");
    let error = Config::validate(toml::from_str(&conflicting).unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("wa-phone-number-id") && error.contains("999"),
        "{error}"
    );
    for (entry, expected) in [
        (
            "phone_number_id = \"12x\"\nlabel = \"A\"",
            "not a phone number id",
        ),
        (
            "phone_number_id = \"111\"\nlabel = \"A\"\ndefault_unit = \"polres lahat\"",
            "default_unit",
        ),
        ("phone_number_id = \"111\"\nlabel = \" \"", "label"),
    ] {
        let text = format!("[[whatsapp.numbers]]\n{entry}\n");
        let error = Config::validate(toml::from_str(&text).unwrap())
            .unwrap_err()
            .to_string();
        assert!(error.contains(expected), "{entry}: {error}");
    }
    let twice = "[[whatsapp.numbers]]\nphone_number_id = \"111\"\nlabel = \"A\"\n\
                 [[whatsapp.numbers]]\nphone_number_id = \"111\"\nlabel = \"B\"\n";
    let error = Config::validate(toml::from_str(twice).unwrap())
        .unwrap_err()
        .to_string();
    assert!(error.contains("listed twice"), "{error}");
}
