//! Reading a snapshot field that does not exist is an error that names it and the nearest
//! field that does: `s.plan.windows.five_hour.used_percent does not exist; did you mean
//! used_pct?`, where Lua alone would give `nil` and a confusing error lines later.
//!
//! Each of the snapshot's records (a window, an app, `spend_usd`, `s` itself) gets a
//! frozen metatable (not a protected one, which `table.freeze` refuses) whose `__index`
//! knows the record's path and its fields, the ones that are
//! `nil` now included, so `s.credits` is still `nil` when the balance is unknown. Maps
//! (`s.apps`, `windows`, `by_model`, ...) keep plain `nil` for a key they do not have: an
//! app with no spend is simply not there.

/// Fields whose value is a map from names (apps, windows, models, ...) to records.
const MAPS: &[&str] = &[
    "accounts",
    "apps",
    "sources",
    "windows",
    "by_model",
    "by_project",
    "by_workspace",
    "unpriced_tokens",
];

/// Whether the object under `field` is a map, whose missing keys are `nil`.
pub(crate) fn is_map(field: Option<&str>) -> bool {
    field.is_some_and(|f| MAPS.contains(&f))
}

/// The path of `key` below `path`, as a rule would write it: `s.plan`, `s.apps["claude-code"]`.
pub fn child(path: &str, key: &str) -> String {
    let plain = key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    match plain {
        true => format!("{path}.{key}"),
        false => format!("{path}[{key:?}]"),
    }
}

/// The chunk's start: `F` (freeze) and `setmetatable` as the state was made are its
/// arguments (`getmetatable` is a built-in, read-only once the state is sealed). Each
/// record's own frozen metatable holds its path and its fields (one table per record,
/// faster than weak side tables). `S(t, path, fields)` gives a record its metatable and
/// freezes it; `O` does the same without freezing (for `s`, which gets `history` first).
pub const PRELUDE: &str = r#"local F, SM = ...
local GM = getmetatable
local function distance(a, b)
  local prev = {}
  for j = 0, #b do prev[j] = j end
  for i = 1, #a do
    local cur = {[0] = i}
    for j = 1, #b do
      local cost = if string.byte(a, i) == string.byte(b, j) then 0 else 1
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
    end
    prev = cur
  end
  return prev[#b]
end
local function missing(t, k)
  local m = GM(t)
  local fields = m.fields
  if type(k) ~= "string" or fields[k] then return nil end
  local best, d = nil, math.huge
  for known in fields do
    local e = distance(k, known)
    if e < d or (e == d and known < best) then best, d = known, e end
  end
  local said = m.path .. "." .. k .. " does not exist"
  if best ~= nil and d <= math.max(2, #k // 3) then
    said ..= "; did you mean " .. best .. "?"
  end
  error(said, 2)
end
local function O(t, path, fields)
  return SM(t, F({__index = missing, path = path, fields = fields}))
end
local function S(t, path, fields) return F(O(t, path, fields)) end
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_as_a_rule_writes_them() {
        assert_eq!(child("s", "plan"), "s.plan");
        assert_eq!(child("s.apps", "claude-code"), "s.apps[\"claude-code\"]");
        assert_eq!(
            child("s.plan.windows", "five_hour"),
            "s.plan.windows.five_hour"
        );
        assert!(is_map(Some("by_project")) && !is_map(Some("spend_usd")) && !is_map(None));
    }
}
