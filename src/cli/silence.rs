//! `creditwatch silence`: hold back a rule's notifications for a while, list and remove
//! silences.

use super::Context;
use super::table::Table;
use crate::alert::RULE_ERRORS;
use crate::format::duration;
use crate::store::Store;

/// `silence RULE [--key K] --for 8h`.
pub fn add(ctx: &Context, rule: &str, key: Option<&str>, length: &str) -> anyhow::Result<()> {
    let config = ctx.load_config()?;
    let secs = crate::config::parse_duration(length)
        .map_err(|e| anyhow::anyhow!("--for {length}: {e}"))?
        .as_secs() as i64;
    if secs == 0 {
        anyhow::bail!("--for {length}: a silence must last at least 1s");
    }
    let dir = ctx.rules_dir(&config);
    let known = known_rules(&dir);
    if rule != RULE_ERRORS && !known.iter().any(|r| r == rule) {
        anyhow::bail!(
            "no rule named {rule:?} in {} (rules: {})",
            dir.display(),
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        );
    }
    let store = Store::open(&ctx.paths.database())?;
    let id = store.add_silence(rule, key, ctx.now + secs, ctx.now)?;
    let what = match key {
        Some(k) => format!("{rule} [{k}]"),
        None => rule.to_string(),
    };
    println!(
        "Silenced {what} for {} (silence {id}); remove it with `creditwatch silence remove {id}`.",
        duration(secs)
    );
    Ok(())
}

/// `silence list`.
pub fn list(ctx: &Context, json: bool) -> anyhow::Result<()> {
    let store = Store::open(&ctx.paths.database())?;
    let silences = store.silences(ctx.now)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&silences)?);
        return Ok(());
    }
    if silences.is_empty() {
        println!("No silences.");
        return Ok(());
    }
    print!("{}", table(silences, ctx.now));
    Ok(())
}

/// The silences as a table: number, rule, key (`*` for all) and time left.
pub fn table(silences: Vec<crate::store::SilenceRow>, now: i64) -> String {
    let mut t = Table::new(&["id", "rule", "key", "ends in"]);
    for s in silences {
        let key = s.key.unwrap_or_else(|| "*".into());
        t.row(vec![s.id.to_string(), s.rule, key, duration(s.until - now)]);
    }
    t.render()
}

/// `silence remove ID`: held notifications go out at the next cycle.
pub fn remove(ctx: &Context, id: i64) -> anyhow::Result<()> {
    let store = Store::open(&ctx.paths.database())?;
    if !store.remove_silence(id)? {
        anyhow::bail!("no silence {id}; `creditwatch silence list` shows them");
    }
    println!("Removed silence {id}.");
    Ok(())
}

/// The names of the rule files in `dir`, sorted.
pub(super) fn known_rules(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .filter(|n| crate::rule::is_rule_file(n))
                .map(|n| {
                    n.trim_end_matches(".luau")
                        .trim_end_matches(".lua")
                        .to_string()
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}
