//! The snapshot the benches share: the busy fixture widened to a heavy user's size, 4 apps
//! with 30 projects and 6 models each.

/// The widened busy fixture, as `check --json` prints a snapshot.
pub fn widened() -> serde_json::Value {
    let text = include_str!("../../tests/fixtures/snapshots/busy.json");
    let mut s: serde_json::Value = serde_json::from_str(text).unwrap();
    let app = s["apps"]["claude-code"].clone();
    let periods = app["spend_usd"].clone();
    let mut apps = serde_json::Map::new();
    for name in ["claude-code", "claude-desktop", "cursor", "zed"] {
        let mut a = app.clone();
        for i in 0..30 {
            a["by_project"][format!("project-{i}")] = periods.clone();
        }
        for i in 0..6 {
            a["by_model"][format!("claude-model-{i}")] = periods.clone();
        }
        apps.insert(name.to_string(), a);
    }
    s["apps"] = serde_json::Value::Object(apps.clone());
    s["accounts"]["default"]["apps"] = serde_json::Value::Object(apps);
    s
}
