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
        crate::store::Store::history(self, account, metric, since, until).map_err(|e| e.to_string())
    }
}

/// Compiles the snapshot into a Luau chunk that builds it: one table constructor, each
/// nested table frozen as it is made. Compiled once per cycle, it is run in every rule's
/// fresh state at the VM's own speed, many times faster than building the tables one
/// `rawset` at a time from Rust. The chunk returns the top-level table unfrozen, so
/// `history` can be added before it is frozen.
pub fn program(json: &Json) -> Result<Vec<u8>, String> {
    let Json::Object(top) = json else {
        return Err("the snapshot is not a JSON object".into());
    };
    let mut src = String::with_capacity(json.to_string().len() * 2);
    // `F` is `table.freeze` as it was before any rule code ran, passed in by [`load`].
    src.push_str("local F = ...\n");
    // The top-level tables are the default account's: build them once and use them in
    // both places, which halves the work.
    let account = top
        .get("account")
        .and_then(|a| a.as_str())
        .unwrap_or_default();
    let own = top.get("accounts").and_then(|a| a.get(account));
    let mut shared: Vec<&str> = Vec::new();
    for (i, (k, v)) in top.iter().enumerate() {
        if v.is_object() && own.and_then(|o| o.get(k)) == Some(v) {
            src.push_str(&format!("local T{i} = "));
            value_source(&mut src, v, &[]);
            src.push('\n');
            shared.push(k);
        }
    }
    src.push_str("return {");
    for (i, (k, v)) in top.iter().enumerate() {
        if v.is_null() {
            continue;
        }
        src.push('[');
        string_source(&mut src, k);
        src.push_str("]=");
        match shared.contains(&k.as_str()) {
            true => src.push_str(&format!("T{i}")),
            false if k == "accounts" => accounts_source(&mut src, v, account, top, &shared),
            false => value_source(&mut src, v, &[]),
        }
        src.push(',');
    }
    src.push_str("}\n");
    mlua::Compiler::new()
        .set_optimization_level(1)
        .compile(src)
        .map_err(|e| format!("cannot build the snapshot: {e}"))
}

/// `s.accounts`, with the default account's tables replaced by the shared locals.
fn accounts_source(
    src: &mut String,
    accounts: &Json,
    account: &str,
    top: &serde_json::Map<String, Json>,
    shared: &[&str],
) {
    let Json::Object(map) = accounts else {
        return value_source(src, accounts, &[]);
    };
    src.push_str("F({");
    for (name, a) in map {
        src.push('[');
        string_source(src, name);
        src.push_str("]=");
        if name == account {
            let refs: Vec<(&str, String)> = shared
                .iter()
                .map(|k| {
                    (
                        *k,
                        format!("T{}", top.keys().position(|t| t == k).unwrap_or(0)),
                    )
                })
                .collect();
            value_source(src, a, &refs);
        } else {
            value_source(src, a, &[]);
        }
        src.push(',');
    }
    src.push_str("})");
}

/// Runs a chunk made by [`program`] with `freeze` (Luau's own `table.freeze`), adds
/// `s.history`, and freezes the result.
pub fn load(
    lua: &Lua,
    program: &[u8],
    freeze: &mlua::Function,
    history: Value,
) -> mlua::Result<Table> {
    let s: Table = lua
        .load(program)
        .set_name("=snapshot")
        .set_mode(mlua::ChunkMode::Binary)
        .call(freeze)?;
    s.raw_set("history", history)?;
    s.set_readonly(true);
    Ok(s)
}

/// Emits `v`; `refs` names locals to use instead of the object's own fields (first level).
fn value_source(src: &mut String, v: &Json, refs: &[(&str, String)]) {
    use std::fmt::Write as _;
    match v {
        Json::Null => src.push_str("nil"),
        Json::Bool(b) => src.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => {
                let _ = write!(src, "{i}");
            }
            (None, Some(f)) if f.is_finite() => {
                let _ = write!(src, "{f:?}");
            }
            _ => src.push_str("nil"),
        },
        Json::String(s) => string_source(src, s),
        Json::Array(items) => {
            src.push_str("F({");
            for item in items {
                value_source(src, item, &[]);
                src.push(',');
            }
            src.push_str("})");
        }
        Json::Object(map) => object_source(src, map, refs),
    }
}

fn object_source(src: &mut String, map: &serde_json::Map<String, Json>, refs: &[(&str, String)]) {
    src.push_str("F({");
    for (k, v) in map {
        if v.is_null() {
            continue;
        }
        src.push('[');
        string_source(src, k);
        src.push_str("]=");
        match refs.iter().find(|(r, _)| r == k) {
            Some((_, local)) => src.push_str(local),
            None => value_source(src, v, &[]),
        }
        src.push(',');
    }
    src.push_str("})");
}

/// A Luau string literal: plain ASCII as is, every other byte as a decimal escape, so no
/// text from a source can end the literal or inject code.
fn string_source(src: &mut String, s: &str) {
    use std::fmt::Write as _;
    src.push('"');
    for b in s.bytes() {
        match b {
            b'"' | b'\\' => {
                let _ = write!(src, "\\{b:03}");
            }
            0x20..=0x7e => src.push(b as char),
            _ => {
                let _ = write!(src, "\\{b:03}");
            }
        }
    }
    src.push('"');
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
