//! The snapshot as a rule sees it: a frozen Lua table built from the snapshot's JSON, with
//! `s.history` attached.
//!
//! Every table is made read-only, so a rule cannot change what it (or `cw`) reads. JSON
//! `null` becomes an absent key, so an unknown value is `nil` in Lua.

use super::strict;
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
    ) -> Result<Vec<(i64, f64)>, crate::store::StoreError>;
}

/// A history with no samples, for snapshots evaluated away from any store.
pub struct NoHistory;

impl History for NoHistory {
    fn samples(
        &self,
        _: &str,
        _: &str,
        _: i64,
        _: i64,
    ) -> Result<Vec<(i64, f64)>, crate::store::StoreError> {
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
    ) -> Result<Vec<(i64, f64)>, crate::store::StoreError> {
        crate::store::Store::history(self, account, metric, since, until)
    }
}

/// Compiles the snapshot into a Luau chunk that builds it: one table constructor, each
/// nested table frozen as it is made. Compiled once per cycle, it is run in every rule's
/// fresh state at the VM's own speed, many times faster than building the tables one
/// `rawset` at a time from Rust. The chunk returns the top-level table unfrozen, so
/// `history` can be added before it is frozen. Records know their fields
/// ([`super::strict`]).
pub fn program(json: &Json) -> Result<Vec<u8>, String> {
    let Json::Object(top) = json else {
        return Err("the snapshot is not a JSON object".into());
    };
    let mut b = Builder::default();
    let mut body = String::with_capacity(json.to_string().len() * 2);
    // The top-level tables are the default account's: build them once and use them in
    // both places, which halves the work.
    let account = top
        .get("account")
        .and_then(|a| a.as_str())
        .unwrap_or_default();
    let own = top.get("accounts").and_then(|a| a.get(account));
    let mut shared: Vec<(&str, String)> = Vec::new();
    for (i, (k, v)) in top.iter().enumerate() {
        if v.is_object() && own.and_then(|o| o.get(k)) == Some(v) {
            body.push_str(&format!("local T{i} = "));
            b.value(&mut body, v, k, &strict::child("s", k), &[]);
            body.push('\n');
            shared.push((k, format!("T{i}")));
        }
    }
    let mut fields: Vec<&str> = top.keys().map(String::as_str).collect();
    fields.push("history");
    body.push_str("return O({");
    for (k, v) in top {
        if v.is_null() {
            continue;
        }
        entry_key(&mut body, k);
        match shared.iter().find(|(s, _)| s == k) {
            Some((_, local)) => body.push_str(local),
            None if k == "accounts" => {
                let path = strict::child("s", k);
                b.accounts(&mut body, v, account, &path, &shared);
            }
            None => b.value(&mut body, v, k, &strict::child("s", k), &[]),
        }
        body.push(',');
    }
    let set = b.fields(&fields);
    body.push_str(&format!("}}, \"s\", K[{set}])\n"));
    let mut src = String::from(strict::PRELUDE);
    src.push_str("local K = {");
    for set in &b.sets {
        src.push_str(set);
        src.push(',');
    }
    src.push_str("}\n");
    src.push_str(&body);
    mlua::Compiler::new()
        .set_optimization_level(1)
        .compile(src)
        .map_err(|e| format!("cannot build the snapshot: {e}"))
}

/// `[key]=`, in a table constructor.
fn entry_key(src: &mut String, key: &str) {
    src.push('[');
    string_source(src, key);
    src.push_str("]=");
}

/// The chunk's tables as they are emitted, and the field sets of its records.
#[derive(Default)]
struct Builder {
    /// Each distinct set of field names, as a Luau constructor (`{["a"]=true,...}`).
    sets: Vec<String>,
}

impl Builder {
    /// The index (from 1) in `K` of the field set `fields`, added if new.
    fn fields(&mut self, fields: &[&str]) -> usize {
        let mut set = String::from("F({");
        for f in fields {
            entry_key(&mut set, f);
            set.push_str("true,");
        }
        set.push_str("})");
        if let Some(i) = self.sets.iter().position(|s| *s == set) {
            i + 1
        } else {
            self.sets.push(set);
            self.sets.len()
        }
    }

    /// `s.accounts`, with the default account's tables replaced by the shared locals.
    fn accounts(
        &mut self,
        src: &mut String,
        accounts: &Json,
        account: &str,
        path: &str,
        shared: &[(&str, String)],
    ) {
        let Json::Object(map) = accounts else {
            return self.value(src, accounts, "accounts", path, &[]);
        };
        src.push_str("F({");
        for (name, a) in map {
            entry_key(src, name);
            let refs = if name == account { shared } else { &[] };
            self.value(src, a, "", &strict::child(path, name), refs);
            src.push(',');
        }
        src.push_str("})");
    }

    /// Emits `v`, found under `field` at `path`; `refs` names locals to use instead of the
    /// object's own fields (first level).
    fn value(
        &mut self,
        src: &mut String,
        v: &Json,
        field: &str,
        path: &str,
        refs: &[(&str, String)],
    ) {
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
                for (i, item) in items.iter().enumerate() {
                    self.value(src, item, "", &format!("{path}[{}]", i + 1), &[]);
                    src.push(',');
                }
                src.push_str("})");
            }
            Json::Object(map) => self.object(src, map, field, path, refs),
        }
    }

    fn object(
        &mut self,
        src: &mut String,
        map: &serde_json::Map<String, Json>,
        field: &str,
        path: &str,
        refs: &[(&str, String)],
    ) {
        let record = !strict::is_map(Some(field));
        src.push_str(if record { "S({" } else { "F({" });
        for (k, v) in map {
            if v.is_null() {
                continue;
            }
            entry_key(src, k);
            match refs.iter().find(|(r, _)| r == k) {
                Some((_, local)) => src.push_str(local),
                None if record => self.value(src, v, k, &strict::child(path, k), &[]),
                None => self.value(src, v, "", &strict::child(path, k), &[]),
            }
            src.push(',');
        }
        if record {
            let keys: Vec<&str> = map.keys().map(String::as_str).collect();
            let set = self.fields(&keys);
            src.push_str("}, ");
            string_source(src, path);
            src.push_str(&format!(", K[{set}])"));
        } else {
            src.push_str("})");
        }
    }
}

/// Runs a chunk made by [`program`] with `freeze` and `setmetatable` (Luau's own, from
/// before any rule code ran), adds `s.history`, and freezes the result.
pub fn load(
    lua: &Lua,
    program: &[u8],
    (freeze, setmetatable): (&mlua::Function, &mlua::Function),
    history: Value,
) -> mlua::Result<Table> {
    let s: Table = lua
        .load(program)
        .set_name("=snapshot")
        .set_mode(mlua::ChunkMode::Binary)
        .call((freeze, setmetatable))?;
    s.raw_set("history", history)?;
    s.set_readonly(true);
    Ok(s)
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
pub(crate) fn samples_table(lua: &Lua, samples: &[(i64, f64)]) -> mlua::Result<Table> {
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
