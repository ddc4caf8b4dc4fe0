//! `creditwatch rules check | test | replay`: the tools for writing rules.

use super::Context;
use super::table::Table;
use crate::calendar;
use crate::rule::{self, Alert, Input, NoHistory, Rule, RuleError, RuleSet};
use crate::store::Store;
use anyhow::Context as _;
use serde_json::json;
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

/// `rules check`: loads every file; exit 1 when any is broken.
pub fn check(ctx: &Context, as_json: bool) -> anyhow::Result<ExitCode> {
    let config = ctx.load_config()?;
    let tz = calendar::local_zone();
    let dir = ctx.rules_dir(&config);
    let rules = RuleSet::load(&dir, &tz, ctx.now);
    let mut broken: Vec<&RuleError> = rules.errors().collect();
    let folder_error = rules
        .folder_error()
        .map(|e| RuleError::new("rules folder", None, e));
    broken.extend(folder_error.as_ref());
    let (failed, tried_on) = try_each(ctx, &config, &rules, &tz)?;
    broken.extend(failed.iter());
    let store = Store::open_read_only(&ctx.paths.database())?;
    let survey = super::reach::survey(&config, store.as_ref());
    let checked = Checked {
        dir: &dir,
        rules: &rules,
        broken: &broken,
        survey: &survey,
    };
    match as_json {
        true => println!("{}", serde_json::to_string_pretty(&check_json(&checked))?),
        false => print!("{}", check_text(&checked, tried_on, &ctx.config_file)),
    }
    Ok(if broken.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// What `rules check` found, to print.
struct Checked<'a> {
    dir: &'a Path,
    rules: &'a RuleSet,
    broken: &'a [&'a RuleError],
    survey: &'a crate::notify::reach::Survey,
}

/// `rules check --json`: each rule with its meta and the channels that cannot reach the
/// person, and the errors.
fn check_json(c: &Checked<'_>) -> serde_json::Value {
    let loaded: Vec<_> = c
        .rules
        .rules()
        .map(|r| {
            let (_, off) = c.survey.split(&r.meta.channels);
            let off: serde_json::Map<String, serde_json::Value> = off
                .into_iter()
                .map(|(c, why)| (c.to_string(), why.into()))
                .collect();
            json!({"rule": r.name, "file": r.file, "meta": r.meta, "cannot_reach": off})
        })
        .collect();
    let errors: Vec<_> = c
        .broken
        .iter()
        .map(|e| json!({"file": e.file, "line": e.line, "message": e.message}))
        .collect();
    json!({"dir": c.dir, "rules": loaded, "errors": errors})
}

/// `rules check` as text: the rules that load, what they ran on, the broken ones, and
/// whom the channels reach.
fn check_text(c: &Checked<'_>, tried_on: &str, config_file: &Path) -> String {
    let mut out = String::new();
    let mut t = Table::new(&["rule", "channels", "description", "note"]).text_columns(&[1, 2, 3]);
    for r in c
        .rules
        .rules()
        .filter(|r| !c.broken.iter().any(|e| e.file == r.file))
    {
        let channels: Vec<&str> = r.meta.channels.iter().map(|c| c.as_str()).collect();
        t.row(vec![
            r.file.clone(),
            channels.join(", "),
            r.meta.description.clone(),
            super::reach::rule_note(c.survey, &r.meta.channels).unwrap_or_default(),
        ]);
    }
    let _ = writeln!(out, "Rules in {}", c.dir.display());
    if !t.is_empty() {
        out.push_str(&t.render());
        let _ = writeln!(out, "Each rule was run once on {tried_on}.");
    }
    for e in c.broken {
        let _ = writeln!(out, "broken: {e}");
    }
    if !t.is_empty() {
        let _ = write!(out, "\n{}", super::reach::section(c.survey, config_file));
    }
    if t.is_empty() && c.broken.is_empty() && !c.dir.exists() {
        out.push_str(
            "  no rules folder yet: the first `creditwatch check` or `creditwatch run` creates \
             it with the example rules\n",
        );
    } else if t.is_empty() && c.broken.is_empty() {
        out.push_str("  no rule files (*.lua, *.luau)\n");
    }
    out
}

/// Runs every loaded rule once, so a misspelt field (`spend_usd.todya`) is caught before the
/// daemon runs it: on the snapshot the stored history gives now, or, before there is one,
/// on an empty snapshot. The rules that failed, and what they ran on.
fn try_each(
    ctx: &Context,
    config: &crate::config::Config,
    rules: &RuleSet,
    tz: &jiff::tz::TimeZone,
) -> anyhow::Result<(Vec<RuleError>, &'static str)> {
    let store = Store::open_read_only(&ctx.paths.database())?;
    let (snapshot, on) = match &store {
        Some(s) => (
            crate::snapshot::build(s, config, ctx.now, tz)?,
            "the snapshot of your stored history",
        ),
        None => (
            crate::snapshot::Snapshot::default(),
            "an empty snapshot (nothing is stored yet: run `creditwatch check` for a real one)",
        ),
    };
    let json = crate::cycle::rules_view(&snapshot)?;
    let history: &dyn rule::History = match &store {
        Some(s) => s,
        None => &NoHistory,
    };
    let input = Input::new(&json, history, tz);
    let failed = rules
        .rules()
        .filter_map(|r| rule::evaluate(r, &input).err())
        .collect();
    Ok((failed, on))
}

/// The rule file `rule` names: the file itself when it exists, else the rule of that name
/// in the rules folder `dir()` (`daily-digest` is `daily-digest.lua` or `.luau` there).
/// The folder is only looked up for a name, so a file needs no readable config.
fn find(
    rule: &Path,
    dir: impl FnOnce() -> anyhow::Result<std::path::PathBuf>,
) -> anyhow::Result<std::path::PathBuf> {
    if rule.is_file() {
        return Ok(rule.to_path_buf());
    }
    let dir = dir()?;
    let name = rule.to_string_lossy();
    for candidate in [
        format!("{name}.lua"),
        format!("{name}.luau"),
        name.to_string(),
    ] {
        let path = dir.join(&candidate);
        if path.is_file() && !candidate.contains('/') {
            return Ok(path);
        }
    }
    let known = super::silence::known_rules(&dir);
    anyhow::bail!(
        "no rule file {} and no rule named {name:?} in {} (rules: {})",
        rule.display(),
        dir.display(),
        if known.is_empty() {
            "none".to_string()
        } else {
            known.join(", ")
        }
    )
}

/// Reads and compiles one rule file given by path.
fn compile_file(path: &Path, tz: &jiff::tz::TimeZone, now: i64) -> Result<Rule, RuleError> {
    let file = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("rule.lua");
    let name = file.trim_end_matches(".luau").trim_end_matches(".lua");
    let source = crate::textfile::read_to_string(path).map_err(|e| {
        RuleError::new(
            &path.display().to_string(),
            None,
            format!("cannot read: {e}"),
        )
    })?;
    rule::compile(name, file, &source, tz, now)
}

/// `rules test FILE --snapshot S.json`: what the rule returns and would send; nothing is
/// sent. Exit 0 whether or not it fires, 1 when it fails.
pub fn test(
    ctx: &Context,
    rule: &Path,
    snapshot: &Path,
    at: Option<i64>,
    as_json: bool,
) -> anyhow::Result<ExitCode> {
    let file = &find(rule, || Ok(ctx.rules_dir(&ctx.load_config()?)))?;
    let text = std::fs::read_to_string(snapshot)
        .with_context(|| format!("cannot read snapshot {}", snapshot.display()))?;
    let mut json: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("snapshot {} is not valid JSON", snapshot.display()))?;
    let tz = calendar::local_zone();
    if let (Some(at), Some(fields)) = (at, json.as_object_mut()) {
        // The rule's `s.now` and its helpers' "today" move with it.
        fields.insert("now".into(), at.into());
    }
    let now = json
        .get("now")
        .and_then(serde_json::Value::as_i64)
        .unwrap_or(ctx.now);
    let db = ctx.paths.database();
    let store = if db.exists() {
        Some(Store::open(&db)?)
    } else {
        None
    };
    let history: &dyn rule::History = match &store {
        Some(s) => s,
        None => &NoHistory,
    };
    let result = compile_file(file, &tz, now).and_then(|r| {
        let input = Input::new(&json, history, &tz);
        rule::evaluate(&r, &input).map(|alerts| (r, alerts))
    });
    let name = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    if as_json {
        let (alerts, error) = match &result {
            Ok((_, alerts)) => (alerts.clone(), None),
            Err(e) => (Vec::new(), Some(e.to_string())),
        };
        let out =
            json!({"rule": name, "fired": !alerts.is_empty(), "alerts": alerts, "error": error});
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        match &result {
            Ok((r, alerts)) => {
                // A config that does not load is told by every other command; here the
                // channels are judged as the defaults have them, and that is said.
                let config = ctx.load_config().unwrap_or_else(|e| {
                    eprintln!("creditwatch: {e}; channels judged by the default config");
                    crate::config::Config::default()
                });
                let survey = super::reach::survey(&config, store.as_ref());
                print!("{}", describe(r, alerts, &survey));
            }
            Err(e) => {
                println!("{name} failed: {e}");
                // No field near it: more likely a field this snapshot file predates.
                let unknown = e.message.contains(" does not exist");
                if unknown && !e.message.contains("did you mean") {
                    println!(
                        "(if the field is new, this snapshot predates it: `creditwatch check --json > {}` saves a current one)",
                        snapshot.display()
                    );
                }
            }
        }
    }
    Ok(if result.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn describe(r: &Rule, alerts: &[Alert], survey: &crate::notify::reach::Survey) -> String {
    let mut out = String::new();
    if alerts.is_empty() {
        let _ = writeln!(out, "{}: does not fire (check returned nothing).", r.name);
        return out;
    }
    let _ = writeln!(
        out,
        "{}: fires {} alert{}.",
        r.name,
        alerts.len(),
        if alerts.len() == 1 { "" } else { "s" }
    );
    for a in alerts {
        let key = if a.key.is_empty() {
            String::new()
        } else {
            format!(" [{}]", a.key)
        };
        let _ = writeln!(
            out,
            "\n{}{key} ({})\n  title: {}",
            r.name,
            a.severity.as_str(),
            a.title
        );
        for line in a.body.lines() {
            let _ = writeln!(out, "  | {line}");
        }
    }
    let hold = match r.meta.hold_s {
        0 => "at once".to_string(),
        s => format!("once it has held for {}", crate::format::duration(s)),
    };
    let (ready, off) = survey.split(&r.meta.channels);
    let to: Vec<String> = r
        .meta
        .channels
        .iter()
        .map(|c| match off.iter().find(|(o, _)| o == c) {
            Some((_, why)) => {
                let why = match why.starts_with("not configured") {
                    true => "not configured",
                    false => why.as_str(),
                };
                format!("{c} (which cannot reach you: {why})")
            }
            None => c.to_string(),
        })
        .collect();
    let _ = writeln!(
        out,
        "\nWould send to {} {hold} (nothing was sent).",
        to.join(", ")
    );
    if ready.is_empty() {
        let _ = writeln!(
            out,
            "No channel of this rule can reach you now: see `creditwatch check` for how to add one."
        );
    }
    out
}

/// `rules replay FILE --since 7d`: evaluates the rule at every step over stored history and
/// lists when it would have fired, repeated and resolved.
pub fn replay(
    ctx: &Context,
    rule: &Path,
    since: &str,
    step: &str,
    as_json: bool,
) -> anyhow::Result<ExitCode> {
    let config = ctx.load_config()?;
    let file = &find(rule, || Ok(ctx.rules_dir(&config)))?;
    let since_s = crate::config::parse_duration(since)
        .map_err(|e| anyhow::anyhow!("--since {since}: {e}"))?
        .as_secs() as i64;
    let step_s = crate::config::parse_duration(step)
        .map_err(|e| anyhow::anyhow!("--step {step}: {e}"))?
        .as_secs()
        .max(60) as i64;
    let tz = calendar::local_zone();
    let rule = match compile_file(file, &tz, ctx.now) {
        Ok(rule) => rule,
        Err(e) => {
            eprintln!("creditwatch: {e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let store = Store::open(&ctx.paths.database())?;
    let events = crate::alert::replay::run(
        &store,
        &config,
        &rule,
        ctx.now - since_s,
        ctx.now,
        step_s,
        &tz,
    )?;
    if as_json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({"rule": rule.name, "events": events}))?
        );
    } else {
        print!("{}", super::replay::render(&rule, &events, since, &tz));
    }
    Ok(ExitCode::SUCCESS)
}
