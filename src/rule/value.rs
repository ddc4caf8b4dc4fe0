//! The snapshot as a rule sees it: a frozen Lua table built from the snapshot's JSON, with
//! `s.history` attached.
//!
//! Every table is made read-only, so a rule cannot change what it (or `cw`) reads. JSON
//! `null` becomes an absent key, so an unknown value is `nil` in Lua.

use mlua::{Lua, Table, Value};
use serde_json::Value as Json;

/// The most samples one `s.history` call returns; older ones are dropped first.
pub const HISTORY_LIMIT: usize = 20_000;

/// Stored samples a rule can read through `s.history`.
pub trait History {
    /// The samples of `metric` for `account` with `since <= t <= until`, oldest first.
    fn samples(
        &self,
        account: &str,
        metric: &str,
        since: i64,
        until: i64,
    ) -> Result<Vec<(i64, f64)>, String>;
}

/// A history with no samples, for snapshots evaluated away from any store.
pub struct NoHistory;

impl History for NoHistory {
    fn samples(&self, _: &str, _: &str, _: i64, _: i64) -> Result<Vec<(i64, f64)>, String> {
        Ok(Vec::new())
    }
}

impl History for crate::store::Store {
    fn samples(
        &self,
        account: &str,
        metric: &str,
        since: i64,
        until: i64,
    ) -> Result<Vec<(i64, f64)>, String> {
        crate::store::Store::samples(self, account, metric, since, until)
            .map(|v| v.into_iter().map(|s| (s.t, s.v)).collect())
            .map_err(|e| e.to_string())
    }
}

/// Converts JSON into a read-only Lua value.
pub fn frozen(lua: &Lua, json: &Json) -> mlua::Result<Value> {
    Ok(match json {
        Json::Null => Value::Nil,
        Json::Bool(b) => Value::Boolean(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i as mlua::Integer),
            None => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::String(lua.create_string(s)?),
        Json::Array(items) => {
            let t = lua.create_table_with_capacity(items.len(), 0)?;
            for item in items {
                t.raw_push(frozen(lua, item)?)?;
            }
            t.set_readonly(true);
            Value::Table(t)
        }
        Json::Object(map) => Value::Table(object(lua, map, None)?),
    })
}

/// Builds a read-only table from a JSON object, with `extra` set before it is frozen.
pub fn object(
    lua: &Lua,
    map: &serde_json::Map<String, Json>,
    extra: Option<(&str, Value)>,
) -> mlua::Result<Table> {
    let t = lua.create_table_with_capacity(0, map.len() + 1)?;
    for (k, v) in map {
        t.raw_set(k.as_str(), frozen(lua, v)?)?;
    }
    if let Some((k, v)) = extra {
        t.raw_set(k, v)?;
    }
    t.set_readonly(true);
    Ok(t)
}

/// The list of `{t, v}` tables `s.history` returns.
pub fn samples_table(lua: &Lua, samples: &[(i64, f64)]) -> mlua::Result<Table> {
    let start = samples.len().saturating_sub(HISTORY_LIMIT);
    let list = lua.create_table_with_capacity(samples.len() - start, 0)?;
    for &(t, v) in &samples[start..] {
        let point = lua.create_table_with_capacity(0, 2)?;
        point.raw_set("t", t)?;
        point.raw_set("v", v)?;
        point.set_readonly(true);
        list.raw_push(point)?;
    }
    list.set_readonly(true);
    Ok(list)
}
