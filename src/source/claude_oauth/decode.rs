//! Tolerant decoding of the OAuth endpoints' answers: unknown fields are ignored, and a
//! missing field or one of the wrong type is unknown (`None`), never 0. Money arrives in
//! minor units, as a number or a decimal string, scaled by `decimal_places` / `exponent`.

use crate::source::json::{NotJson, minor, number, object, scale, timestamp};
use serde_json::{Map, Value};

/// One plan window as the usage endpoint reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowReading {
    /// `five_hour`, `seven_day`, `seven_day_opus`, ...
    pub name: String,
    /// Percent used.
    pub used_pct: f64,
    /// When it resets, unix seconds; `None` when it has not started.
    pub resets_at: Option<i64>,
}

/// Pay-as-you-go usage beyond the plan.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExtraUsage {
    /// Whether it is turned on.
    pub enabled: Option<bool>,
    /// Spent this month.
    pub used: Option<f64>,
    /// The monthly cap.
    pub limit: Cap,
    /// ISO currency code.
    pub currency: Option<String>,
}

/// Extra usage's monthly cap, as reported.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Cap {
    /// Not reported.
    #[default]
    Unknown,
    /// Reported as none: spending is not capped.
    Uncapped,
    /// This many USD a month.
    Usd(f64),
}

/// Auto-reload of the prepaid balance, as reported.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Reload {
    /// Not reported.
    #[default]
    Unknown,
    /// Reported as none: the balance is not reloaded.
    Off,
    /// Its settings.
    Set(AutoReload),
}

/// What `/api/oauth/usage` says.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Usage {
    /// Every window that reported a level.
    pub windows: Vec<WindowReading>,
    /// Extra usage, when reported.
    pub extra: Option<ExtraUsage>,
}

/// Auto-reload of the prepaid balance.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoReload {
    /// Whether it is on.
    pub enabled: bool,
    /// The balance below which it reloads.
    pub threshold: Option<f64>,
    /// The balance it reloads to.
    pub reload_to: Option<f64>,
}

/// What `/prepaid/credits` says.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Balance {
    /// The balance; `None` when unknown (a negative amount is the "unknown" sentinel).
    pub amount: Option<f64>,
    /// ISO currency code.
    pub currency: Option<String>,
    /// Auto-reload.
    pub auto_reload: Reload,
}

/// Decodes `/api/oauth/usage`, in either shape (flat windows or `limits[]`).
pub fn usage(body: &[u8]) -> Result<Usage, NotJson> {
    let map = object(body)?;
    let mut windows = Vec::new();
    for (name, value) in &map {
        if matches!(name.as_str(), "extra_usage" | "spend" | "limits") {
            continue;
        }
        let Some(w) = value.as_object() else { continue };
        if let Some(used_pct) = number(w.get("utilization")) {
            windows.push(WindowReading {
                name: name.clone(),
                used_pct,
                resets_at: timestamp(w.get("resets_at")),
            });
        }
    }
    for limit in map
        .get("limits")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(l) = limit.as_object() else { continue };
        let (Some(name), Some(used_pct)) = (limit_name(l), number(l.get("percent"))) else {
            continue;
        };
        if !windows.iter().any(|w| w.name == name) {
            windows.push(WindowReading {
                name,
                used_pct,
                resets_at: timestamp(l.get("resets_at")),
            });
        }
    }
    let extra = map
        .get("extra_usage")
        .and_then(Value::as_object)
        .map(extra_usage)
        .or_else(|| map.get("spend").and_then(Value::as_object).map(spend));
    Ok(Usage { windows, extra })
}

/// The snapshot name of a `limits[]` entry: `session` is the 5-hour window, `weekly` the
/// 7-day one, and a scoped weekly limit is named after its model or surface.
fn limit_name(l: &Map<String, Value>) -> Option<String> {
    let kind = l.get("kind").and_then(Value::as_str).unwrap_or("");
    let group = l.get("group").and_then(Value::as_str).unwrap_or(kind);
    let scope = l.get("scope").and_then(Value::as_object);
    let scoped = scope.and_then(|s| {
        ["model", "surface"].iter().find_map(|k| {
            let v = s.get(*k)?;
            v.as_str()
                .or_else(|| v.get("display_name").and_then(Value::as_str))
                .or_else(|| v.get("id").and_then(Value::as_str))
                .map(slug)
        })
    });
    let base = match group {
        "session" => "five_hour".to_string(),
        "weekly" => "seven_day".to_string(),
        "" => return None,
        other => slug(other),
    };
    Some(match scoped {
        Some(s) if !s.is_empty() => format!("{base}_{s}"),
        _ => base,
    })
}

fn slug(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

fn extra_usage(e: &Map<String, Value>) -> ExtraUsage {
    let scale = scale(e.get("decimal_places"));
    let limit = match e.get("monthly_limit") {
        Some(Value::Null) => Cap::Uncapped,
        other => minor(other, scale).map_or(Cap::Unknown, Cap::Usd),
    };
    ExtraUsage {
        enabled: e.get("is_enabled").and_then(Value::as_bool),
        used: minor(e.get("used_credits"), scale),
        limit,
        currency: e
            .get("currency")
            .and_then(Value::as_str)
            .map(str::to_string),
    }
}

/// The newer `spend` object: `{used: money, limit: money | null, enabled}`.
fn spend(s: &Map<String, Value>) -> ExtraUsage {
    let limit = match s.get("limit") {
        Some(Value::Null) => Cap::Uncapped,
        other => other
            .and_then(money)
            .map_or(Cap::Unknown, |(v, _)| Cap::Usd(v)),
    };
    let used = s.get("used").and_then(money);
    ExtraUsage {
        enabled: s.get("enabled").and_then(Value::as_bool),
        currency: used.as_ref().and_then(|(_, c)| c.clone()),
        used: used.map(|(v, _)| v),
        limit,
    }
}

/// `{amount_minor, currency, exponent}`.
fn money(v: &Value) -> Option<(f64, Option<String>)> {
    let m = v.as_object()?;
    let value = minor(m.get("amount_minor"), scale(m.get("exponent")))?;
    let currency = m
        .get("currency")
        .and_then(Value::as_str)
        .map(str::to_string);
    Some((value, currency))
}

/// Decodes `/prepaid/credits`.
pub fn balance(body: &[u8]) -> Result<Balance, NotJson> {
    let map = object(body)?;
    let nested = map
        .get("balance")
        .and_then(|b| b.get("money"))
        .and_then(money);
    let (amount, currency) = match minor(map.get("amount"), 100.0) {
        Some(v) => (
            Some(v),
            map.get("currency")
                .and_then(Value::as_str)
                .map(str::to_string),
        ),
        None => nested.map_or((None, None), |(v, c)| (Some(v), c)),
    };
    let auto_reload = match map.get("auto_reload_settings") {
        Some(Value::Null) => Reload::Off,
        Some(Value::Object(a)) => Reload::Set(AutoReload {
            enabled: a.get("enabled").and_then(Value::as_bool).unwrap_or(false),
            threshold: minor(a.get("threshold_cents"), 100.0),
            reload_to: minor(a.get("reload_to_cents"), 100.0),
        }),
        _ => Reload::Unknown,
    };
    Ok(Balance {
        amount: amount.filter(|v| *v >= 0.0),
        currency,
        auto_reload,
    })
}

/// What `/api/oauth/profile` says: the organisation, its kind, and the account's email.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Profile {
    /// The organisation id the credits endpoint needs.
    pub organization: Option<String>,
    /// The organisation's kind (`claude_max`, ...).
    pub kind: Option<String>,
    /// The rate-limit tier (`default_claude_max_20x`, ...).
    pub tier: Option<String>,
    /// The account's email address: who the account is, on every machine it is used on.
    pub email: Option<String>,
}

/// Decodes `/api/oauth/profile`.
pub fn profile(body: &[u8]) -> Result<Profile, NotJson> {
    let map = object(body)?;
    let field = |part: &str, k: &str| {
        map.get(part)
            .and_then(Value::as_object)
            .and_then(|o| o.get(k))
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    Ok(Profile {
        organization: field("organization", "uuid"),
        kind: field("organization", "organization_type"),
        tier: field("organization", "rate_limit_tier"),
        email: field("account", "email_address"),
    })
}

#[cfg(test)]
mod tests;
