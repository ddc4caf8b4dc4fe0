//! What a command prints: one JSON object in the shape `creditwatch check --json` prints,
//! with any of `plan`, `extra_usage`, `credits` and `apps`. Only the fields a source can
//! know are read; the ones creditwatch works out itself (burn rates, projections, ages)
//! are accepted and ignored, so `check --json` output can be fed back. Anything else is
//! an error naming the field, so a typo never passes silently.

use crate::source::claude_oauth::decode::{
    AutoReload, Balance, Cap, ExtraUsage, Reload, Usage, WindowReading,
};
use serde_json::{Map, Value};

/// The spend periods an app may report, as in `s.apps[app].spend_usd`.
pub const PERIODS: [&str; 5] = ["last_hour", "today", "last_24h", "last_7d", "this_month"];
/// The token kinds an app may report, as in `s.apps[app].tokens`.
pub const TOKEN_KINDS: [&str; 6] = [
    "input",
    "output",
    "cache_read",
    "cache_write",
    "cache_write_5m",
    "cache_write_1h",
];

/// Everything one run reported.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reading {
    /// `plan.name`.
    pub plan_name: Option<String>,
    /// `plan.windows` and `extra_usage`.
    pub usage: Usage,
    /// `credits`.
    pub balance: Option<Balance>,
    /// `apps`.
    pub apps: Vec<AppReading>,
}

/// One app's reported figures.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AppReading {
    /// Its name (`cursor`, ...).
    pub name: String,
    /// Spend per period.
    pub spend: Vec<(&'static str, f64)>,
    /// Tokens per kind.
    pub tokens: Vec<(&'static str, u64)>,
}

/// What is wrong with the output, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", if path.is_empty() { String::new() } else { format!("`{path}`: ") })]
pub struct ReadingError {
    /// The dotted path of the field at fault (empty for the whole output).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

fn fail<T>(path: &str, message: impl Into<String>) -> Result<T, ReadingError> {
    Err(ReadingError {
        path: path.to_string(),
        message: message.into(),
    })
}

/// Reads a command's stdout.
pub fn read(stdout: &[u8]) -> Result<Reading, ReadingError> {
    let top: Value = serde_json::from_slice(stdout)
        .or_else(|e| fail("", format!("stdout is not JSON ({e})")))?;
    let top = object(&top, "")?;
    keys(
        top,
        "",
        &["plan", "extra_usage", "credits", "apps"],
        &["now", "account"],
    )?;
    let mut reading = Reading::default();
    if let Some(plan) = top.get("plan") {
        plan_table(object(plan, "plan")?, &mut reading)?;
    }
    if let Some(e) = top.get("extra_usage").filter(|v| !v.is_null()) {
        reading.usage.extra = Some(extra_usage(object(e, "extra_usage")?)?);
    }
    if let Some(c) = top.get("credits").filter(|v| !v.is_null()) {
        reading.balance = Some(credits(object(c, "credits")?)?);
    }
    if let Some(apps) = top.get("apps") {
        for (name, app) in object(apps, "apps")? {
            reading.apps.push(app_table(name, app)?);
        }
    }
    let empty = reading.plan_name.is_none()
        && reading.usage.windows.is_empty()
        && reading.usage.extra.is_none()
        && reading.balance.is_none()
        && reading.apps.is_empty();
    if empty {
        return fail(
            "",
            "reports no pool and no app (expected plan, extra_usage, credits or apps)",
        );
    }
    Ok(reading)
}

fn object<'a>(v: &'a Value, path: &str) -> Result<&'a Map<String, Value>, ReadingError> {
    v.as_object()
        .map_or_else(|| fail(path, "expected an object"), Ok)
}

/// Refuses keys that are neither `read` nor `ignored`.
fn keys(
    map: &Map<String, Value>,
    path: &str,
    read: &[&str],
    ignored: &[&str],
) -> Result<(), ReadingError> {
    for key in map.keys() {
        if !read.contains(&key.as_str()) && !ignored.contains(&key.as_str()) {
            let at = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            return fail(
                &at,
                format!("unknown field; expected one of: {}", read.join(", ")),
            );
        }
    }
    Ok(())
}

fn at(path: &str, key: &str) -> String {
    format!("{path}.{key}")
}

/// A number, `None` when absent or null.
fn number(map: &Map<String, Value>, path: &str, key: &str) -> Result<Option<f64>, ReadingError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_f64().filter(|n| n.is_finite()) {
            Some(n) => Ok(Some(n)),
            None => fail(&at(path, key), "expected a number"),
        },
    }
}

fn text(map: &Map<String, Value>, path: &str, key: &str) -> Result<Option<String>, ReadingError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => fail(&at(path, key), "expected a string"),
    }
}

fn flag(map: &Map<String, Value>, path: &str, key: &str) -> Result<Option<bool>, ReadingError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => fail(&at(path, key), "expected true or false"),
    }
}

fn plan_table(plan: &Map<String, Value>, reading: &mut Reading) -> Result<(), ReadingError> {
    keys(plan, "plan", &["name", "windows"], &[])?;
    reading.plan_name = text(plan, "plan", "name")?;
    let Some(windows) = plan.get("windows") else {
        return Ok(());
    };
    for (name, w) in object(windows, "plan.windows")? {
        let path = format!("plan.windows.{name}");
        let w = object(w, &path)?;
        keys(
            w,
            &path,
            &["used_pct", "resets_at"],
            &["burn_pct_per_hour", "full_at", "source", "age_s"],
        )?;
        let Some(used_pct) = number(w, &path, "used_pct")? else {
            return fail(
                &at(&path, "used_pct"),
                "missing: a window needs its percent used",
            );
        };
        reading.usage.windows.push(WindowReading {
            name: name.clone(),
            used_pct,
            resets_at: number(w, &path, "resets_at")?.map(|r| r as i64),
        });
    }
    Ok(())
}

fn extra_usage(e: &Map<String, Value>) -> Result<ExtraUsage, ReadingError> {
    let p = "extra_usage";
    keys(
        e,
        p,
        &["enabled", "used_usd", "limit_usd", "currency"],
        &[
            "remaining_usd",
            "used_pct",
            "resets_at",
            "burn_usd_per_day",
            "limit_at",
            "age_s",
        ],
    )?;
    Ok(ExtraUsage {
        enabled: flag(e, p, "enabled")?,
        used: number(e, p, "used_usd")?,
        // Present and null means uncapped; absent means not reported.
        limit: match e.get("limit_usd") {
            None => Cap::Unknown,
            Some(_) => number(e, p, "limit_usd")?.map_or(Cap::Uncapped, Cap::Usd),
        },
        currency: text(e, p, "currency")?,
    })
}

fn credits(c: &Map<String, Value>) -> Result<Balance, ReadingError> {
    let p = "credits";
    keys(
        c,
        p,
        &["balance_usd", "currency", "auto_reload"],
        &[
            "burn_usd_per_hour",
            "burn_usd_per_day",
            "runs_out_at",
            "runs_out_in_hours",
            "runs_out_means",
            "method",
            "age_s",
        ],
    )?;
    let Some(amount) = number(c, p, "balance_usd")? else {
        return fail(
            crate::names::CREDITS_BALANCE,
            "missing: credits need a balance",
        );
    };
    let auto_reload = match c.get("auto_reload") {
        None => Reload::Unknown,
        Some(Value::Null) => Reload::Off,
        Some(a) => {
            let path = "credits.auto_reload";
            let a = object(a, path)?;
            keys(a, path, &["enabled", "threshold_usd", "amount_usd"], &[])?;
            let Some(enabled) = flag(a, path, "enabled")? else {
                return fail(&at(path, "enabled"), "missing");
            };
            Reload::Set(AutoReload {
                enabled,
                threshold: number(a, path, "threshold_usd")?,
                reload_to: number(a, path, "amount_usd")?,
            })
        }
    };
    Ok(Balance {
        amount: Some(amount),
        currency: text(c, p, "currency")?,
        auto_reload,
    })
}

fn app_table(name: &str, app: &Value) -> Result<AppReading, ReadingError> {
    let path = format!("apps.{name}");
    let ok = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    if name.is_empty() || !name.chars().all(ok) {
        return fail(
            &path,
            "an app's name may hold letters, digits, `-` and `_` only",
        );
    }
    let app = object(app, &path)?;
    keys(
        app,
        &path,
        &["spend_usd", "tokens"],
        &[
            "burn_usd_per_hour",
            "by_model",
            "by_project",
            "unpriced_tokens",
        ],
    )?;
    let mut reading = AppReading {
        name: name.to_string(),
        ..AppReading::default()
    };
    if let Some(spend) = app.get("spend_usd") {
        let p = at(&path, "spend_usd");
        let spend = object(spend, &p)?;
        keys(spend, &p, &PERIODS, &[])?;
        for period in PERIODS {
            if let Some(v) = number(spend, &p, period)? {
                reading.spend.push((period, v));
            }
        }
    }
    if let Some(tokens) = app.get("tokens") {
        let p = at(&path, "tokens");
        let tokens = object(tokens, &p)?;
        // `total` is worked out, as in `check --json`, so that output can be fed back.
        keys(tokens, &p, &TOKEN_KINDS, &["total"])?;
        for kind in TOKEN_KINDS {
            match tokens.get(kind) {
                None | Some(Value::Null) => {}
                Some(v) => match v.as_u64() {
                    Some(n) => reading.tokens.push((kind, n)),
                    None => return fail(&at(&p, kind), "expected a whole number of tokens"),
                },
            }
        }
    }
    if reading.spend.is_empty() && reading.tokens.is_empty() {
        return fail(&path, "reports neither spend_usd nor tokens");
    }
    Ok(reading)
}

#[cfg(test)]
mod tests;
