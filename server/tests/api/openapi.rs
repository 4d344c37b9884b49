//! The OpenAPI document at `/api/openapi.json`: it names every route the
//! router serves and no other, and PyPI's `openapi-spec-validator` (which
//! shares no code with the Rust that writes it) accepts it as OpenAPI 3.1.

use crate::helpers::spawn_app;
use app::protocol::OutboundEventType;
use leptos::prelude::LeptosOptions;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use tidings::config::Settings;
use tidings::Application;

/// The methods a `MethodRouter` lists, as its `Debug` names them.
const METHODS: [&str; 9] = ["get", "head", "delete", "options", "patch", "post", "put", "trace", "connect"];
/// What a route that is a whole service (`route_service`, Socket.IO's)
/// serves: any method.
const ANY: &str = "*";

/// A bound application on a fresh SQLite file, not serving: the router is
/// read, not called.
async fn application(dir: &tempfile::TempDir) -> Application {
    let data_dir = dir.path().display().to_string();
    let settings = Settings::from_lookup(&move |k| (k == "TIDINGS_DATA_DIR").then(|| data_dir.clone())).expect("settings");
    let options = LeptosOptions::builder().output_name("tidings").site_addr("127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap()).build();
    Application::build(settings, options).await.expect("app builds")
}

fn route_id(text: &str) -> &str {
    text.trim().trim_end_matches(',')
}

/// The (method, path) pairs a router serves, read from its `Debug` form
/// (axum 0.8): `path_router.routes` maps each `RouteId` to a
/// `MethodRouter { get: Route | None, … }` or a whole-service `Route`, and
/// `path_router.node.paths` maps each `RouteId` to its path. The fallback
/// router (Leptos' file handler) is not read. Panics on a shape it does not
/// know, so a change in axum's `Debug` fails here rather than passing.
fn served(debug: &str) -> BTreeSet<(String, String)> {
    let main = debug.split("fallback_router:").next().expect("a path router");
    let (routes, node) = main.split_once("node: Node {").expect("the path router's node");
    let paths: HashMap<&str, &str> = node
        .split("RouteId(")
        .skip(1)
        .map(|entry| {
            let (id, rest) = entry.split_once(')').expect("RouteId(N)");
            (route_id(id), rest.split('"').nth(1).expect("a quoted path"))
        })
        .collect();
    let mut served = BTreeSet::new();
    for entry in routes.split("RouteId(").skip(1) {
        let (id, rest) = entry.split_once(')').expect("RouteId(N)");
        let path = paths.get(route_id(id)).unwrap_or_else(|| panic!("route {id} has no path")).to_string();
        let endpoint = rest.trim_start_matches(':').trim_start();
        if endpoint.starts_with("Route(") {
            served.insert((ANY.to_owned(), path));
            continue;
        }
        assert!(endpoint.starts_with("MethodRouter("), "unknown endpoint for {path}: {}", &endpoint[..endpoint.len().min(80)]);
        let mut methods = 0;
        for line in endpoint.lines() {
            let Some((name, value)) = line.trim().split_once(": ") else { continue };
            if METHODS.contains(&name) {
                methods += 1;
                if value != "None," {
                    served.insert((name.to_uppercase(), path.clone()));
                }
            }
        }
        assert_eq!(methods, METHODS.len(), "{path}'s MethodRouter lists {methods} methods, not {}", METHODS.len());
    }
    served
}

/// The (method, path) pairs the document describes under `paths`.
fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let paths = doc["paths"].as_object().expect("paths");
    paths
        .iter()
        .flat_map(|(path, item)| {
            let item = item.as_object().expect("a path item");
            METHODS.iter().filter(|m| item.contains_key(**m)).map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect()
}

/// Every `$ref` in `value`.
fn refs(value: &Value) -> BTreeSet<String> {
    match value {
        Value::Object(map) => {
            map.iter().flat_map(|(k, v)| if k == "$ref" { v.as_str().map(str::to_owned).into_iter().collect() } else { refs(v) }).collect()
        }
        Value::Array(items) => items.iter().flat_map(refs).collect(),
        _ => BTreeSet::new(),
    }
}

/// Every route the router serves is in the document, and every operation
/// in the document is served. Leptos' pages (HTML, listed by
/// `generate_route_list`) are not API and are left out; so are the
/// simulators' routes, which stand in for third parties' APIs and are
/// mounted only when no real provider is configured (this router is built
/// without them).
#[tokio::test]
async fn the_document_names_every_route_served_and_no_other() {
    let dir = tempfile::tempdir().unwrap();
    let app = application(&dir).await;
    let all = served(&format!("{:#?}", app.router()));
    let pages: BTreeSet<String> = leptos_axum::generate_route_list(app::App).iter().map(|r| r.path().to_owned()).collect();
    assert!(pages.len() >= 5, "Leptos lists its pages: {pages:?}");
    let served: BTreeSet<_> = all.iter().filter(|(method, path)| !(method == "GET" && pages.contains(path))).cloned().collect();
    // About sixty operations: fewer means the parse above missed some.
    assert!(served.len() >= 60, "only {} routes read from the router's Debug form: {served:?}", served.len());
    assert!(served.contains(&("GET".into(), "/api/openapi.json".into())));

    let doc = serde_json::to_value(tidings::api::openapi::document()).unwrap();
    let documented = documented(&doc);
    let paths: BTreeSet<&String> = documented.iter().map(|(_, path)| path).collect();
    let undocumented: Vec<_> = served
        .iter()
        .filter(|(method, path)| if method == ANY { !paths.contains(path) } else { !documented.contains(&(method.clone(), path.clone())) })
        .collect();
    assert!(undocumented.is_empty(), "served but not in the OpenAPI document: {undocumented:?}");
    let unserved: Vec<_> = documented
        .iter()
        .filter(|(method, path)| !served.contains(&(method.clone(), path.clone())) && !served.contains(&(ANY.to_owned(), path.clone())))
        .collect();
    assert!(unserved.is_empty(), "in the OpenAPI document but not served: {unserved:?}");

    let dangling: Vec<_> = refs(&doc).into_iter().filter(|r| doc.pointer(r.trim_start_matches('#')).is_none()).collect();
    assert!(dangling.is_empty(), "references to nothing: {dangling:?}");

    // Every event Tidings posts to tenants is under `webhooks`.
    for event in OutboundEventType::SUBSCRIBABLE.into_iter().chain([OutboundEventType::Test]) {
        assert!(doc["webhooks"][event.name()]["post"].is_object(), "no webhook for {}", event.name());
    }
}

/// The validator's CLI: `./scripts/test` installs it from PyPI and sets
/// `TIDINGS_TEST_OPENAPI_VALIDATOR`. Without it (a plain `cargo test`) the
/// validation is skipped, as the ACA-Py tests are without their agent.
fn validator() -> Option<PathBuf> {
    let path = std::env::var_os("TIDINGS_TEST_OPENAPI_VALIDATOR").map(PathBuf::from);
    if path.is_none() {
        eprintln!(
            "skipped the independent validation: TIDINGS_TEST_OPENAPI_VALIDATOR is not set \
             (`export TIDINGS_TEST_OPENAPI_VALIDATOR=$(./scripts/openapi-validator)`; ./scripts/test sets it)"
        );
    }
    path
}

/// The document the real server serves is OpenAPI 3.1, as an independent
/// validator reads it.
#[tokio::test]
async fn the_served_document_is_valid_openapi_3_1() {
    let validator = validator();
    let app = spawn_app(&[]).await;
    let response = app.http.get(app.url("/api/openapi.json")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let text = response.text().await.unwrap();
    let doc: Value = serde_json::from_str(&text).expect("the document is JSON");
    let version = doc["openapi"].as_str().expect("an `openapi` version");
    assert!(version.starts_with("3.1."), "OpenAPI {version}, not 3.1.x");
    assert!(doc["webhooks"].as_object().is_some_and(|w| !w.is_empty()), "the outbound events are under `webhooks`");

    let Some(validator) = validator else {
        app.stop().await;
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, &text).unwrap();
    let output = tokio::process::Command::new(&validator).arg(&file).output().await.expect("the validator runs");
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{} refused the document:\n{said}", validator.display());
    app.stop().await;
}
