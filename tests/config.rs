//! The config file as an operator meets it: defaults, strictness about unknown keys, one report
//! of every problem with its key, tokens from the environment (a map here, never the process
//! environment) and the redacted `check` output. Pages and routes: `config_pages.rs`.

// Each test binary uses a different subset of the shared helpers.
#[allow(dead_code)]
#[path = "common/config_text.rs"]
mod support;

use std::collections::HashMap;
use std::time::Duration;

use reshelf::config::{LogFormat, PageFormat, Route};
use support::*;

#[test]
fn minimal_file_takes_the_spec_defaults() {
    let cfg = load(MINIMAL, &with_token()).expect("minimal config is valid");
    assert_eq!(cfg.listen.public, "0.0.0.0:8080".parse().unwrap());
    assert_eq!(cfg.listen.admin, "127.0.0.1:9100".parse().unwrap());
    assert!(cfg.listen.debug_header);
    assert_eq!(cfg.origin.url.to_string(), "http://127.0.0.1:3000/");
    assert_eq!(cfg.origin.connect_timeout, Duration::from_millis(1000));
    assert_eq!(cfg.origin.timeout, Duration::from_millis(15000));
    assert_eq!(cfg.origin.max_rewrite_bytes, 4_194_304);
    assert_eq!(cfg.fashionai.base_url, "https://catalog.api.fashionai.dev");
    assert_eq!(cfg.fashionai.token.expose(), TOKEN);
    assert_eq!(
        cfg.fashionai.recommendation_path,
        "/api/v1/products/protected/recommendation"
    );
    assert_eq!(cfg.fashionai.timeout, Duration::from_millis(120));
    assert_eq!(
        cfg.fashionai.search_path,
        "/v1/products/protected/search/detailed"
    );
    assert_eq!(
        cfg.fashionai.profile_path,
        "/api/v1/crm/protected/profile/email/{email}"
    );
    assert_eq!(cfg.endpoints.prefix, "/_reshelf");
    assert_eq!(
        cfg.endpoints.shop_the_look_timeout,
        Duration::from_millis(300)
    );
    assert_eq!(cfg.endpoints.search_timeout, Duration::from_millis(800));
    assert_eq!(cfg.endpoints.rate_limit_per_minute, 120);
    assert!(cfg.endpoints.trusted_proxies.is_empty());
    assert!(cfg.endpoints.cors_origins.is_empty());
    assert_eq!(cfg.raw.admin.token_env, "RESHELF_ADMIN_TOKEN");
    assert!(cfg.admin.token.is_none(), "admin token unset in the env");
    assert_eq!(cfg.log.format, LogFormat::Text);
    assert_eq!(cfg.cache.ttl, Duration::from_secs(300));
    assert_eq!(cfg.cache.max_bytes, 268_435_456);
    assert_eq!(cfg.identity.session_cookie, "reshelf_sid");
    assert_eq!(cfg.identity.user_cookie, None);
    assert_eq!(cfg.identity.user_header, None);
    assert_eq!(cfg.pages.len(), 1);
    assert_eq!(
        cfg.pages[0].route,
        Route::PathId {
            prefix: "/category/".into(),
            suffix: String::new()
        }
    );
    assert!(matches!(cfg.pages[0].format, PageFormat::Html(_)));
}
#[test]
fn unknown_keys_are_rejected_by_name_and_line() {
    let top = problems(
        &format!("{MINIMAL}\n[cache]\nttl_secs = 5\n"),
        &with_token(),
    );
    let message = message_for(&top, "cache.ttl_secs");
    assert!(message.contains("line 12"), "{message}");
    assert!(message.contains("did you mean `ttl_seconds`"), "{message}");

    let section = problems(&format!("[sessions]\nx = 1\n{MINIMAL}"), &with_token());
    assert!(message_for(&section, "sessions").contains("unknown section"));

    let in_page = problems(
        &MINIMAL.replace("format = \"html\"", "format = \"html\"\ntile = \"li\""),
        &with_token(),
    );
    let message = message_for(&in_page, "pages[0].tile");
    assert!(message.contains("line 8"), "{message}");
    assert!(message.contains("did you mean `tiles`"), "{message}");
}

#[test]
fn unknown_keys_come_with_every_other_problem() {
    let text = r#"
[listen]
publik = 1

[origin]
url = "ftp://x"

[[pages]]
path = "/category/{id}"
format = "htm"
tiles = "li"
product_id = "data-id"
"#;
    let found = problems(text, &with_token());
    let keys: Vec<&str> = found.iter().map(|p| p.key.as_str()).collect();
    for key in ["listen.publik", "origin.url", "pages[0].format"] {
        assert!(keys.contains(&key), "{key} missing from {found:?}");
    }
    assert!(message_for(&found, "listen.publik").contains("did you mean `public`"));
    // A key that belongs to another section is pointed there.
    let elsewhere = problems(
        &format!("{MINIMAL}\n[log]\nttl_seconds = 5\n"),
        &with_token(),
    );
    let message = message_for(&elsewhere, "log.ttl_seconds");
    assert!(message.contains("cache.ttl_seconds"), "{message}");
    // Unknown keys alone still make the config invalid.
    let only = problems(
        &MINIMAL.replace("[origin]", "[origin]\nurl_base = 1"),
        &with_token(),
    );
    assert_eq!(only.len(), 1, "{only:?}");
}

#[test]
fn wrong_types_are_parse_errors_naming_the_key() {
    let e = parse_error(&format!("{MINIMAL}\n[cache]\nttl_seconds = \"5m\"\n"));
    assert!(e.contains("ttl_seconds"), "{e}");
}

#[test]
fn every_problem_is_reported_at_once_with_its_key() {
    let text = r#"
[listen]
public = "8080"
admin = "localhost:9100"

[origin]
url = "https://shop.example"
timeout_ms = 0

[fashionai]
base_url = "catalog.api.fashionai.dev"
profile_path = "/profile"
timeout_ms = 50000

[endpoints]
prefix = "/_reshelf/"
rate_limit_per_minute = 0
trusted_proxies = ["10.0.0.0/8", "10.0.0.0/33", "proxy.internal"]
cors_origins = ["https://shop.example", "https://shop.example/", "*"]

[log]
format = "yaml"

[cache]
ttl_seconds = 0
max_bytes = 0

[identity]
session_cookie = "my sid"
user_cookie = "u;id"
user_header = "X User"

[[pages]]
path = "category/{id}"
format = "xml"

[[pages]]
path = "/api/{id}"
format = "json"
tiles = "li"
product_id_pattern = "(\\d+)"
"#;
    let got = keys(text, &HashMap::new());
    let want = [
        "listen.public",
        "listen.admin",
        "origin.url",
        "origin.timeout_ms",
        "fashionai.base_url",
        "fashionai.token_env",
        "fashionai.profile_path",
        "fashionai.timeout_ms",
        "endpoints.prefix",
        "endpoints.rate_limit_per_minute",
        "endpoints.trusted_proxies[1]",
        "endpoints.trusted_proxies[2]",
        "endpoints.cors_origins[1]",
        "endpoints.cors_origins[2]",
        "log.format",
        "cache.ttl_seconds",
        "cache.max_bytes",
        "identity.session_cookie",
        "identity.user_cookie",
        "identity.user_header",
        "pages[0].path",
        "pages[0].format",
        "pages[1].product_id",
        "pages[1].tiles",
        "pages[1].product_id_pattern",
    ];
    for key in want {
        assert!(got.iter().any(|k| k == key), "{key} missing from {got:?}");
    }
    assert_eq!(
        got.len(),
        want.len(),
        "no extra or doubled problems: {got:?}"
    );

    // The error's own text lists them all, one per line, as `check` prints it.
    let shown = load(text, &HashMap::new()).unwrap_err().to_string();
    for key in want {
        assert!(
            shown.contains(&format!("  - {key}: ")),
            "{key} not in {shown}"
        );
    }
}

#[test]
fn missing_token_names_the_variable() {
    let p = problems(MINIMAL, &HashMap::new());
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].key, "fashionai.token_env");
    assert!(
        p[0].message
            .contains("environment variable FASHIONAI_APP_TOKEN is not set"),
        "{}",
        p[0].message
    );

    let custom = format!("{MINIMAL}\n[fashionai]\ntoken_env = \"SHOP_FAI_TOKEN\"\n");
    let p = problems(&custom, &with_token());
    assert!(message_for(&p, "fashionai.token_env").contains("SHOP_FAI_TOKEN"));
    let cfg = load(&custom, &env(&[("SHOP_FAI_TOKEN", "t0k")])).expect("valid");
    assert_eq!(cfg.fashionai.token.expose(), "t0k");
}

#[test]
fn empty_or_unsendable_token_is_a_problem_that_does_not_echo_it() {
    let p = problems(MINIMAL, &env(&[("FASHIONAI_APP_TOKEN", "")]));
    assert!(message_for(&p, "fashionai.token_env").contains("is empty"));

    let secret = "s3cret-with-newline\n";
    let p = problems(MINIMAL, &env(&[("FASHIONAI_APP_TOKEN", secret)]));
    let message = message_for(&p, "fashionai.token_env");
    assert!(message.contains("visible ASCII"), "{message}");
    assert!(!message.contains("s3cret"), "{message}");
}

#[test]
fn admin_token_is_optional_but_must_be_sendable_when_set() {
    let mut vars = with_token();
    vars.insert("RESHELF_ADMIN_TOKEN".into(), "admin-secret".into());
    let cfg = load(MINIMAL, &vars).expect("valid");
    assert_eq!(
        cfg.admin.token.as_ref().map(|t| t.expose()),
        Some("admin-secret")
    );

    vars.insert("RESHELF_ADMIN_TOKEN".into(), "two words".into());
    assert_eq!(keys(MINIMAL, &vars), ["admin.token_env"]);

    let off = format!("{MINIMAL}\n[admin]\ntoken_env = \"\"\n");
    assert!(load(&off, &vars).expect("valid").admin.token.is_none());
}

#[test]
fn listen_addresses_must_parse_and_differ() {
    let with = |listen: &str| format!("[listen]\n{listen}\n{MINIMAL}");
    assert_eq!(
        keys(&with("public = \"0.0.0.0\""), &with_token()),
        ["listen.public"]
    );
    assert_eq!(
        keys(&with("admin = \"127.0.0.1:99999\""), &with_token()),
        ["listen.admin"]
    );
    let same = with("public = \"127.0.0.1:9100\"");
    assert_eq!(keys(&same, &with_token()), ["listen.admin"]);
    let wildcard = with("public = \"0.0.0.0:9100\"");
    assert_eq!(keys(&wildcard, &with_token()), ["listen.admin"]);
    // Ephemeral ports never collide; IPv6 is fine.
    let ok = with("public = \"127.0.0.1:0\"\nadmin = \"[::1]:0\"");
    let cfg = load(&ok, &with_token()).expect("valid");
    assert_eq!(cfg.listen.admin, "[::1]:0".parse().unwrap());
}

#[test]
fn listen_connection_keys_have_defaults_and_bounds() {
    let with = |listen: &str| format!("[listen]\n{listen}\n{MINIMAL}");
    let cfg = load(&with(""), &with_token()).expect("valid");
    let c = &cfg.listen.connections;
    assert_eq!(c.request_head_timeout, Duration::from_secs(10));
    assert_eq!(c.idle_timeout, Duration::from_secs(60));
    assert_eq!(c.send_timeout, Duration::from_secs(60));
    assert_eq!(c.h2_keepalive_interval, Some(Duration::from_secs(30)));
    assert_eq!(c.h2_keepalive_timeout, Duration::from_secs(10));
    assert_eq!(
        c.max_connections, None,
        "0 = derived from the nofile budget"
    );
    assert_eq!(c.connection_wait, Duration::from_millis(500));
    assert_eq!(c.max_requests, None, "0 = the connection budget");
    let off = load(
        &with("h2_keepalive_interval_ms = 0\nmax_connections = 100\nmax_requests = 300"),
        &with_token(),
    )
    .expect("valid");
    assert_eq!(off.listen.connections.h2_keepalive_interval, None);
    assert_eq!(off.listen.connections.max_connections, Some(100));
    assert_eq!(off.listen.connections.max_requests, Some(300));
    // Every bad value is reported, each with its key.
    let bad = with(
        "request_head_timeout_ms = 0\nidle_timeout_ms = 50\nsend_timeout_ms = 0\n\
         h2_keepalive_interval_ms = 10\nconnection_wait_ms = 120000\nmax_requests = 20000000",
    );
    assert_eq!(
        keys(&bad, &with_token()),
        [
            "listen.request_head_timeout_ms",
            "listen.idle_timeout_ms",
            "listen.send_timeout_ms",
            "listen.h2_keepalive_interval_ms",
            "listen.max_requests",
            "listen.connection_wait_ms",
        ]
    );
}

#[test]
fn origin_shedding_keys_have_defaults_and_bounds() {
    let cfg = load(MINIMAL, &with_token()).expect("valid");
    assert_eq!(cfg.origin.max_connections, Some(1024));
    assert_eq!(cfg.origin.queue_timeout, Duration::from_millis(500));
    let with = |keys: &str| MINIMAL.replace("[origin]", &format!("[origin]\n{keys}"));
    let unbounded = load(
        &with("max_connections = 0\nqueue_timeout_ms = 0"),
        &with_token(),
    )
    .expect("valid");
    assert_eq!(unbounded.origin.max_connections, None, "0 = no bound");
    assert_eq!(unbounded.origin.queue_timeout, Duration::ZERO);
    let bad = with("max_connections = 2000000\nqueue_timeout_ms = 61000");
    assert_eq!(
        keys(&bad, &with_token()),
        ["origin.max_connections", "origin.queue_timeout_ms"]
    );
}

#[test]
fn origin_url_rules() {
    let with = |url: &str| MINIMAL.replace("http://127.0.0.1:3000", url);
    let p = problems(&with("https://shop.example"), &with_token());
    assert!(message_for(&p, "origin.url").contains("https origins are not supported yet"));
    for bad in [
        "http://shop.example/shop",
        "http://shop.example/?x=1",
        "ftp://shop.example",
        "shop.example:3000",
        "http://u:p@shop.example",
    ] {
        assert_eq!(keys(&with(bad), &with_token()), ["origin.url"], "{bad}");
    }
    let missing = MINIMAL.replace("url = \"http://127.0.0.1:3000\"", "");
    let p = problems(&missing, &with_token());
    assert!(message_for(&p, "origin.url").contains("required"));

    let cfg = load(&with("http://Shop.Example"), &with_token()).expect("valid");
    assert_eq!(cfg.origin.url.to_string(), "http://shop.example:80/");
    let cfg = load(&with("http://[::1]:3000/"), &with_token()).expect("valid");
    assert_eq!(cfg.origin.url.port_u16(), Some(3000));
    assert_eq!(cfg.origin.url.host(), Some("[::1]"));
}

#[test]
fn fashionai_base_url_is_stored_without_trailing_slash() {
    let text = format!("{MINIMAL}\n[fashionai]\nbase_url = \"http://127.0.0.1:7000/\"\n");
    let cfg = load(&text, &with_token()).expect("valid");
    assert_eq!(cfg.fashionai.base_url, "http://127.0.0.1:7000");
    let text = format!("{MINIMAL}\n[fashionai]\nbase_url = \"https://api.example/fai/\"\n");
    let cfg = load(&text, &with_token()).expect("valid");
    assert_eq!(cfg.fashionai.base_url, "https://api.example/fai");
}

#[test]
fn trusted_proxies_and_cors_origins_are_normalized() {
    let text = format!(
        "{MINIMAL}\n[endpoints]\ntrusted_proxies = [\"10.0.0.0/8\", \"192.168.1.7\", \"::1\", \"fd00::/8\"]\n\
         cors_origins = [\"https://WWW.Shop.Example:443\", \"http://localhost:5173\"]\n"
    );
    let cfg = load(&text, &with_token()).expect("valid");
    let nets: Vec<String> = cfg
        .endpoints
        .trusted_proxies
        .iter()
        .map(|n| n.to_string())
        .collect();
    assert_eq!(
        nets,
        ["10.0.0.0/8", "192.168.1.7/32", "::1/128", "fd00::/8"]
    );
    assert_eq!(
        cfg.endpoints.cors_origins,
        ["https://www.shop.example", "http://localhost:5173"]
    );
}

#[test]
fn identity_names_are_checked() {
    let text = format!(
        "{MINIMAL}\n[identity]\nsession_cookie = \"sid\"\nuser_cookie = \"uid\"\nuser_header = \"X-Shop-User\"\n"
    );
    let cfg = load(&text, &with_token()).expect("valid");
    assert_eq!(cfg.identity.user_cookie.as_deref(), Some("uid"));
    assert_eq!(
        cfg.identity.user_header.as_ref().map(|h| h.as_str()),
        Some("x-shop-user")
    );
    let empty = format!("{MINIMAL}\n[identity]\nsession_cookie = \"\"\n");
    assert_eq!(keys(&empty, &with_token()), ["identity.session_cookie"]);
}
#[test]
fn debug_never_shows_tokens() {
    let mut vars = with_token();
    vars.insert("RESHELF_ADMIN_TOKEN".into(), "admin-secret-xyz".into());
    let cfg = load(MINIMAL, &vars).expect("valid");
    let debug = format!("{cfg:?} {cfg:#?}");
    assert!(!debug.contains(TOKEN), "{debug}");
    assert!(!debug.contains("admin-secret-xyz"));
    assert!(debug.contains("[redacted]"));
    assert_eq!(cfg.fashionai.token.to_string(), "[redacted]");
}

#[test]
fn redacted_toml_describes_tokens_and_parses_back() {
    let pattern = MINIMAL.replace(
        "product_id = \"data-product-id\"",
        "product_id = \"class\"\nproduct_id_pattern = \"\\\\bpost-(\\\\d+)\\\\b\"",
    );
    let cfg = load(&pattern, &with_token()).expect("valid");
    let out = cfg.to_redacted_toml();
    assert!(!out.contains(TOKEN), "{out}");
    assert!(
        out.contains(&format!(
            "# fashionai token: from FASHIONAI_APP_TOKEN (set, {} bytes, redacted)",
            TOKEN.len()
        )),
        "{out}"
    );
    assert!(
        out.contains("# admin token: from RESHELF_ADMIN_TOKEN (unset)"),
        "{out}"
    );
    assert!(
        out.contains("[origin]") && out.contains("timeout_ms = 15000"),
        "{out}"
    );

    let again = load(&out, &with_token()).expect("check output is itself a valid config");
    assert_eq!(again.raw.pages[0].product_id_pattern, "\\bpost-(\\d+)\\b");
    assert_eq!(again.to_redacted_toml(), out, "stable through a round trip");
}
