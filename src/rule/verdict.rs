//! What `check` returned: nothing, one alert, or a list of keyed alerts.

use super::{Alert, Severity};
use mlua::{Table, Value};

/// The longest title, in characters.
pub const TITLE_MAX_CHARS: usize = 200;
/// The longest body, in bytes.
pub const BODY_MAX_BYTES: usize = 4096;
/// The longest key, in characters: a key names an alert among a rule's others (an app, a
/// window, a day), and is shown on the page, in `/metrics` and in the database.
pub const KEY_MAX_CHARS: usize = 200;
/// The most alerts one evaluation may return.
pub const ALERTS_MAX: usize = 100;

const FIELDS: &[&str] = &["key", "title", "body", "severity"];

/// Reads `check`'s result. An error names the field at fault, like `[2].title`.
pub fn read(value: Value) -> Result<Vec<Alert>, String> {
    let t = match value {
        Value::Nil | Value::Boolean(false) => return Ok(Vec::new()),
        Value::Table(t) => t,
        other => {
            return Err(format!(
                "check returned a {}; return nil when all is well, or a table with a title",
                lua_type(&other)
            ));
        }
    };
    if t.metatable().is_some() {
        return Err("check returned a table with a metatable".into());
    }
    if t.pairs::<Value, Value>().next().is_none() {
        // An empty list: a rule that collects alerts found none.
        return Ok(Vec::new());
    }
    if t.raw_get::<Value>("title")
        .map_err(|e| e.to_string())?
        .is_nil()
        && t.raw_len() > 0
    {
        return list(&t).map_err(|m| format!("check's result: {m}"));
    }
    let one = alert(&t, "", None).map_err(|m| format!("check's result: {m}"))?;
    Ok(vec![one])
}

fn list(t: &Table) -> Result<Vec<Alert>, String> {
    let n = t.raw_len();
    if t.pairs::<Value, Value>().count() != n {
        return Err(
            "check returned a list with other keys in it; return one alert or a list of alerts"
                .into(),
        );
    }
    if n > ALERTS_MAX {
        return Err(format!(
            "check returned {n} alerts; at most {ALERTS_MAX} are allowed"
        ));
    }
    let mut alerts: Vec<Alert> = Vec::with_capacity(n);
    for i in 1..=n {
        let at = format!("[{i}]");
        let item = match t.raw_get::<Value>(i).map_err(|e| e.to_string())? {
            Value::Table(item) => item,
            other => {
                return Err(format!(
                    "{at}: expected an alert table, not {}",
                    other.type_name()
                ));
            }
        };
        if item.metatable().is_some() {
            return Err(format!("{at}: the alert table has a metatable"));
        }
        let a = alert(&item, &at, Some(i))?;
        if alerts.iter().any(|b| b.key == a.key) {
            return Err(format!(
                "{at}.key: \"{}\" is used twice; each alert needs its own key",
                a.key
            ));
        }
        alerts.push(a);
    }
    Ok(alerts)
}

/// One alert table; `at` is where it is in the result (`[2]`), `index` its place in a list.
fn alert(t: &Table, at: &str, index: Option<usize>) -> Result<Alert, String> {
    let field = |name: &str| match at {
        "" => name.to_string(),
        _ => format!("{at}.{name}"),
    };
    known_fields(t, &field)?;
    Ok(Alert {
        key: key(t, &field("key"), index.is_some())?,
        title: title(t, &field("title"))?,
        body: body(t, &field("body"))?,
        severity: severity(t, &field("severity"))?,
    })
}

/// Every key of the table is one of [`FIELDS`].
fn known_fields(t: &Table, field: &dyn Fn(&str) -> String) -> Result<(), String> {
    for pair in t.pairs::<Value, Value>() {
        let (k, _) = pair.map_err(|e| e.to_string())?;
        let ok = matches!(&k, Value::String(s) if FIELDS.contains(&s.to_string_lossy().as_str()));
        if !ok {
            let name = k.to_string().unwrap_or_else(|_| k.type_name().into());
            return Err(format!(
                "{}: unknown field (expected one of: {})",
                field(&name),
                FIELDS.join(", ")
            ));
        }
    }
    Ok(())
}

/// `name` of `t`: a string, or `None` when nil; anything else names its type.
fn text(t: &Table, name: &str, at: &str) -> Result<Option<String>, String> {
    match t.raw_get::<Value>(name).map_err(|e| e.to_string())? {
        Value::Nil => Ok(None),
        Value::String(s) => Ok(Some(s.to_string_lossy())),
        other => Err(format!("{at}: must be a string, not {}", other.type_name())),
    }
}

/// The key: required in a list; a number reads as its digits.
fn key(t: &Table, at: &str, in_list: bool) -> Result<String, String> {
    if let Value::Integer(n) = t.raw_get::<Value>("key").map_err(|e| e.to_string())? {
        return Ok(n.to_string());
    }
    match text(t, "key", at)? {
        Some(key) if key.chars().count() > KEY_MAX_CHARS => Err(format!(
            "{at}: {} characters, over the limit of {KEY_MAX_CHARS}",
            key.chars().count()
        )),
        Some(key) => Ok(key),
        None if in_list => Err(format!("{at}: missing; every alert in a list needs a key")),
        None => Ok(String::new()),
    }
}

fn title(t: &Table, at: &str) -> Result<String, String> {
    let title = text(t, "title", at)?.ok_or_else(|| format!("{at}: missing"))?;
    if title.trim().is_empty() {
        return Err(format!("{at}: is empty"));
    }
    let chars = title.chars().count();
    if chars > TITLE_MAX_CHARS {
        return Err(format!(
            "{at}: {chars} characters, over the limit of {TITLE_MAX_CHARS}"
        ));
    }
    Ok(title)
}

fn body(t: &Table, at: &str) -> Result<String, String> {
    let body = text(t, "body", at)?.unwrap_or_default();
    if body.len() > BODY_MAX_BYTES {
        return Err(format!(
            "{at}: {} bytes, over the limit of {BODY_MAX_BYTES}",
            body.len()
        ));
    }
    Ok(body)
}

fn severity(t: &Table, at: &str) -> Result<Severity, String> {
    match text(t, "severity", at)? {
        None => Ok(Severity::Warning),
        Some(s) => Severity::parse(&s)
            .ok_or_else(|| format!("{at}: \"{s}\" is not one of info, warning, critical")),
    }
}

/// The type name a Luau user knows (`number`, not `integer`).
fn lua_type(v: &Value) -> &'static str {
    match v {
        Value::Integer(_) | Value::Number(_) => "number",
        other => other.type_name(),
    }
}
