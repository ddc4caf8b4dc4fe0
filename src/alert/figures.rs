//! The pool figures a notification carries: the numbers that matter at the time of the
//! decision, taken from the snapshot, so a webhook or an email can show them later without
//! the snapshot.

use serde_json::{Map, Value, json};

/// The figures of a snapshot (as `check --json` prints it): credits, extra usage, plan
/// windows, API spend and the app that burns the most. Absent pools are left out.
pub fn of(snapshot: &Value) -> Value {
    let mut out = Map::new();
    out.insert("now".into(), snapshot["now"].clone());
    if let Some(c) = snapshot.get("credits").filter(|c| c.is_object()) {
        let mut credits = pick(
            c,
            &[
                "balance_usd",
                "burn_usd_per_hour",
                "burn_usd_per_day",
                "burn_usd_next_24h",
                "runs_out_at",
                "runs_out_earliest",
                "runs_out_latest",
                "runs_out_means",
            ],
        );
        // Where a reload happens, for the chart's line.
        if let Some(t) = c
            .pointer("/auto_reload/threshold_usd")
            .filter(|t| t.is_number())
        {
            credits["auto_reload_threshold_usd"] = t.clone();
        }
        out.insert("credits".into(), credits);
    }
    if let Some(x) = snapshot.get("extra_usage").filter(|x| x.is_object()) {
        out.insert(
            "extra_usage".into(),
            pick(
                x,
                &[
                    "used_usd",
                    "limit_usd",
                    "used_pct",
                    "burn_usd_per_day",
                    "burn_usd_next_24h",
                    "limit_at",
                    "limit_earliest",
                    "limit_latest",
                    "resets_at",
                ],
            ),
        );
    }
    if let Some(Value::Object(windows)) = snapshot.pointer("/plan/windows") {
        let w: Map<String, Value> = windows
            .iter()
            .map(|(name, w)| {
                let keys = [
                    "used_pct",
                    "resets_at",
                    "full_at",
                    "full_earliest",
                    "full_latest",
                ];
                (name.clone(), pick(w, &keys))
            })
            .collect();
        if !w.is_empty() {
            out.insert("windows".into(), Value::Object(w));
        }
    }
    if let Some(a) = snapshot.get("api").filter(|a| a.is_object()) {
        out.insert(
            "api".into(),
            pick(
                a,
                &[
                    "today_usd",
                    "month_usd",
                    "burn_usd_per_day",
                    "month_projected_usd",
                    "month_projected_low_usd",
                    "month_projected_high_usd",
                ],
            ),
        );
    }
    if let Some(Value::Object(apps)) = snapshot.get("apps") {
        let rate = |a: &Value| a["burn_usd_per_hour"].as_f64().unwrap_or(0.0);
        if let Some((name, app)) = apps
            .iter()
            .filter(|(_, a)| rate(a) > 0.0)
            .max_by(|a, b| rate(a.1).total_cmp(&rate(b.1)))
        {
            out.insert(
                "top_app".into(),
                json!({"name": name, "burn_usd_per_hour": app["burn_usd_per_hour"], "today_usd": app["spend_usd"]["today"]}),
            );
        }
    }
    Value::Object(out)
}

fn pick(v: &Value, keys: &[&str]) -> Value {
    Value::Object(
        keys.iter()
            .filter_map(|k| {
                v.get(*k)
                    .filter(|x| !x.is_null())
                    .map(|x| (k.to_string(), x.clone()))
            })
            .collect(),
    )
}
