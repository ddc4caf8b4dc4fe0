//! The table a rule file returns: its description, channels, timing, and `check`.

use super::Meta;
use crate::vocab::Channel;
use mlua::{Function, Table, Value};

const FIELDS: &[&str] = &[
    "description",
    "channels",
    "hold",
    "repeat_after",
    "notify_resolved",
    "chart",
    "scope",
    "check",
];

/// Reads a rule file's returned value. An error names the field at fault.
pub fn read(value: Value) -> Result<(Meta, Function), String> {
    let Value::Table(t) = value else {
        return Err(format!(
            "the file must return a table with a `check` function, not {}",
            value.type_name()
        ));
    };
    if t.metatable().is_some() {
        return Err("the returned table must not have a metatable".into());
    }
    for pair in t.pairs::<Value, Value>() {
        let (k, _) = pair.map_err(|e| e.to_string())?;
        let name = match &k {
            Value::String(s) => s.to_string_lossy(),
            other => {
                return Err(format!(
                    "unexpected {} key in the returned table",
                    other.type_name()
                ));
            }
        };
        if !FIELDS.contains(&name.as_str()) {
            return Err(format!(
                "unknown field `{name}` (expected one of: {})",
                FIELDS.join(", ")
            ));
        }
    }
    let check = match t.raw_get::<Value>("check").map_err(|e| e.to_string())? {
        Value::Function(f) => f,
        Value::Nil => return Err("`check` is missing: add `check = function(s) ... end`".into()),
        other => {
            return Err(format!(
                "`check` must be a function, not {}",
                other.type_name()
            ));
        }
    };
    let meta = Meta {
        description: string(&t, "description")?.unwrap_or_default(),
        channels: channels(&t)?,
        hold_s: duration(&t, "hold")?.unwrap_or(0),
        repeat_after_s: duration(&t, "repeat_after")?,
        notify_resolved: match t
            .raw_get::<Value>("notify_resolved")
            .map_err(|e| e.to_string())?
        {
            Value::Nil => false,
            Value::Boolean(b) => b,
            other => {
                return Err(format!(
                    "`notify_resolved` must be true or false, not {}",
                    other.type_name()
                ));
            }
        },
        chart: chart(&t)?,
        scope: scope(&t)?,
    };
    Ok((meta, check))
}

fn string(t: &Table, field: &str) -> Result<Option<String>, String> {
    match t.raw_get::<Value>(field).map_err(|e| e.to_string())? {
        Value::Nil => Ok(None),
        Value::String(s) => Ok(Some(s.to_string_lossy())),
        other => Err(format!(
            "`{field}` must be a string, not {}",
            other.type_name()
        )),
    }
}

fn channels(t: &Table) -> Result<Vec<Channel>, String> {
    let list = match t.raw_get::<Value>("channels").map_err(|e| e.to_string())? {
        Value::Nil => return Ok(vec![Channel::Desktop]),
        Value::Table(list) => list,
        Value::String(s) => {
            return Err(format!(
                "`channels` must be a list, like {{ \"{}\" }}",
                s.to_string_lossy()
            ));
        }
        other => {
            return Err(format!(
                "`channels` must be a list of names, not {}",
                other.type_name()
            ));
        }
    };
    let mut names = Vec::new();
    for item in list.sequence_values::<Value>() {
        let name = match item.map_err(|e| e.to_string())? {
            Value::String(s) => s.to_string_lossy(),
            other => {
                return Err(format!(
                    "`channels` holds a {}; use names like \"email\"",
                    other.type_name()
                ));
            }
        };
        let Some(channel) = Channel::parse(&name) else {
            return Err(format!(
                "`channels`: unknown channel \"{name}\" (expected one of: {})",
                Channel::list(", ")
            ));
        };
        if !names.contains(&channel) {
            names.push(channel);
        }
    }
    if names.is_empty() {
        return Err("`channels` is empty: name at least one of desktop, email, webhook".into());
    }
    Ok(names)
}

/// The metric an email charts: any that `s.history` knows.
fn chart(t: &Table) -> Result<Option<String>, String> {
    let Some(metric) = string(t, "chart")? else {
        return Ok(None);
    };
    crate::names::check_history(&metric)
        .map(|()| Some(metric))
        .map_err(|e| format!("`chart`: {e}"))
}

/// Whom the rule's alerts are about: `"account"` (the default) or `"machine"`.
fn scope(t: &Table) -> Result<crate::vocab::Scope, String> {
    let Some(word) = string(t, "scope")? else {
        return Ok(crate::vocab::Scope::Account);
    };
    crate::vocab::Scope::parse(&word)
        .ok_or_else(|| format!("`scope` must be \"account\" or \"machine\", not {word:?}"))
}

/// A duration given as `"15m"` or as a number of seconds.
fn duration(t: &Table, field: &str) -> Result<Option<i64>, String> {
    match t.raw_get::<Value>(field).map_err(|e| e.to_string())? {
        Value::Nil => Ok(None),
        Value::String(s) => crate::config::parse_duration(&s.to_string_lossy())
            .map(|d| Some(d.as_secs() as i64))
            .map_err(|e| format!("`{field}`: {e}")),
        Value::Integer(n) if n >= 0 => Ok(Some(n)),
        Value::Number(n) if n.is_finite() && n >= 0.0 => Ok(Some(n.round() as i64)),
        other => Err(format!(
            "`{field}` must be a duration like \"15m\" or a number of seconds, not {}",
            other
                .to_string()
                .unwrap_or_else(|_| other.type_name().into())
        )),
    }
}

/// The line where `field = ` first appears in the source, to point a contract error at it.
pub(crate) fn line_of(source: &str, field: &str) -> Option<usize> {
    source
        .lines()
        .position(|l| {
            l.trim_start()
                .strip_prefix(field)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}
