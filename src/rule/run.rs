//! Compiling a rule file and evaluating it against a snapshot, each in a fresh sandbox.

use super::error::RuleError;
use super::sandbox::{Budget, Sandbox, TIME_BUDGET};
use super::value::{self, History};
use super::{Alert, Meta, Rule, contract, helpers, verdict};
use crate::vocab::AlertState;
use jiff::tz::TimeZone;
use mlua::{ChunkMode, Function, Value};

/// Everything an evaluation reads.
pub struct Input<'a> {
    /// The snapshot as `check --json` prints it.
    pub snapshot: &'a serde_json::Value,
    /// Where `s.history` reads samples from.
    pub history: &'a dyn History,
    /// The user's time zone, for `cw`.
    pub tz: &'a TimeZone,
    /// Each rule's alerts that are pending or firing now, by rule and key: what `check`'s
    /// second argument tells it.
    pub open: Open,
    /// The snapshot compiled to a Luau chunk, once for every rule of the cycle.
    program: std::cell::OnceCell<Result<Vec<u8>, String>>,
}

/// Alerts pending or firing, by rule and key.
pub type Open = std::collections::BTreeMap<String, std::collections::BTreeMap<String, AlertState>>;

/// The open alerts among `rows`, as [`Input::open`] takes them.
pub fn open_of<'r>(rows: impl IntoIterator<Item = &'r crate::store::AlertRow>) -> Open {
    let mut open = Open::new();
    for r in rows {
        if r.state != AlertState::Inactive {
            open.entry(r.rule.clone())
                .or_default()
                .insert(r.key.clone(), r.state);
        }
    }
    open
}

impl<'a> Input<'a> {
    /// What the rules of one cycle read.
    pub fn new(
        snapshot: &'a serde_json::Value,
        history: &'a dyn History,
        tz: &'a TimeZone,
    ) -> Input<'a> {
        Input {
            snapshot,
            history,
            tz,
            open: Open::new(),
            program: std::cell::OnceCell::new(),
        }
    }

    /// The same input, with the rules' open alerts.
    #[must_use]
    pub fn with_open(mut self, open: Open) -> Input<'a> {
        self.open = open;
        self
    }

    fn program(&self) -> Result<&[u8], String> {
        self.program
            .get_or_init(|| value::program(self.snapshot))
            .as_deref()
            .map_err(Clone::clone)
    }

    /// The instant the snapshot describes.
    pub fn now(&self) -> i64 {
        self.snapshot
            .get("now")
            .and_then(serde_json::Value::as_i64)
            .unwrap_or(0)
    }

    fn account(&self) -> &str {
        self.snapshot
            .get("account")
            .and_then(|v| v.as_str())
            .unwrap_or(crate::DEFAULT_ACCOUNT)
    }
}

/// The largest rule file accepted.
pub const SOURCE_MAX_BYTES: usize = 1024 * 1024;

/// Compiles `source` and runs its top level once to read the contract, so a syntax error,
/// a failing top level or a malformed table is caught when the file is loaded.
pub fn compile(
    name: &str,
    file: &str,
    source: &str,
    tz: &TimeZone,
    now: i64,
) -> Result<Rule, RuleError> {
    if source.len() > SOURCE_MAX_BYTES {
        return Err(RuleError::new(
            file,
            None,
            format!("the file is over {} KiB", SOURCE_MAX_BYTES / 1024),
        ));
    }
    let bytecode = mlua::Compiler::new()
        .set_optimization_level(1)
        .compile(source)
        .map_err(|e| syntax_error(file, &e))?;
    let sandbox =
        Sandbox::new(name, TIME_BUDGET).map_err(|e| RuleError::from_lua(file, &e, Budget::Left))?;
    let (meta, _) = top_level(&sandbox, file, &bytecode, source, now, tz)?;
    Ok(Rule {
        name: name.to_string(),
        file: file.to_string(),
        meta,
        source: source.to_string(),
        bytecode,
    })
}

/// Runs `rule` against the snapshot and returns the alerts it raised.
pub fn evaluate(rule: &Rule, input: &Input) -> Result<Vec<Alert>, RuleError> {
    evaluate_measured(rule, input).0
}

/// Like [`evaluate`], also returning the bytes the rule's state held when `check` returned
/// (the snapshot, `cw` and what the rule allocated), for benchmarks and diagnostics.
pub fn evaluate_measured(rule: &Rule, input: &Input) -> (Result<Vec<Alert>, RuleError>, usize) {
    let mut used = 0;
    let result = evaluate_in(rule, input, &mut used);
    (result, used)
}

fn evaluate_in(rule: &Rule, input: &Input, used: &mut usize) -> Result<Vec<Alert>, RuleError> {
    let file = rule.file.as_str();
    let sandbox = Sandbox::new(&rule.name, TIME_BUDGET)
        .map_err(|e| RuleError::from_lua(file, &e, Budget::Left))?;
    let now = input.now();
    let (_, check) = top_level(&sandbox, file, &rule.bytecode, &rule.source, now, input.tz)?;
    let lua = &sandbox.lua;
    let fail = |e: mlua::Error| RuleError::from_lua(file, &e, sandbox.budget());
    let result = lua.scope(|scope| {
        let account = input.account().to_string();
        let history = scope.create_function(
            move |lua, (metric, since_s, acct): (String, f64, Option<String>)| {
                let acct = acct.as_deref().unwrap_or(&account);
                crate::names::check_history(&metric)
                    .map_err(|e| mlua::Error::runtime(format!("s.history: {e}")))?;
                if let Some(app) = crate::names::app_of(&metric) {
                    let apps = match acct == account {
                        true => &input.snapshot["apps"],
                        false => &input.snapshot["accounts"][acct]["apps"],
                    };
                    let known: Vec<&str> = apps
                        .as_object()
                        .map(|m| m.keys().map(String::as_str).collect())
                        .unwrap_or_default();
                    if let Some(e) = crate::names::misnamed_app(app, &known) {
                        return Err(mlua::Error::runtime(format!("s.history: {e}")));
                    }
                }
                let since = now - since_s.max(0.0).round() as i64;
                let samples = input
                    .history
                    .samples(acct, &metric, since, now)
                    .map_err(|e| mlua::Error::runtime(e.to_string()))?;
                value::samples_table(lua, &samples)
            },
        )?;
        let program = input.program().map_err(mlua::Error::runtime)?;
        let s = value::load(
            lua,
            program,
            (&sandbox.freeze, &sandbox.setmetatable),
            Value::Function(history),
        )?;
        // A rule with no entry has no alert open: every key is nil to it.
        let mine = input.open.get(&rule.name).cloned().unwrap_or_default();
        // `open(key)`: "pending" or "firing" while this rule's alert (of `key`, or its single
        // alert) is, else nil; so a rule can hold on to an alert until its condition falls
        // well below the one that started it.
        let open = scope.create_function(move |_, key: Option<String>| {
            Ok(mine
                .get(key.as_deref().unwrap_or(""))
                .map(|state| state.as_str()))
        })?;
        let value = check.call::<Value>((s, Value::Function(open)));
        *used = lua.used_memory();
        value
    });
    let value = result.map_err(fail)?;
    verdict::read(value).map_err(|m| RuleError::new(file, None, m))
}

/// Loads the compiled chunk into a sealed sandbox and reads the table it returns.
fn top_level(
    sandbox: &Sandbox,
    file: &str,
    bytecode: &[u8],
    source: &str,
    now: i64,
    tz: &TimeZone,
) -> Result<(Meta, Function), RuleError> {
    let lua = &sandbox.lua;
    let fail = |e: mlua::Error| RuleError::from_lua(file, &e, sandbox.budget());
    let cw = helpers::module(lua, now, tz).map_err(fail)?;
    lua.globals().raw_set("cw", cw).map_err(fail)?;
    sandbox.pin_clock(now).map_err(fail)?;
    sandbox.seal().map_err(fail)?;
    let returned: Value = lua
        .load(bytecode)
        .set_name(format!("={file}"))
        .set_mode(ChunkMode::Binary)
        .eval()
        .map_err(fail)?;
    contract::read(returned).map_err(|m| {
        let field = m.split('`').nth(1).unwrap_or("");
        let line = (!field.is_empty())
            .then(|| contract::line_of(source, field))
            .flatten();
        RuleError::new(file, line, m)
    })
}

fn syntax_error(file: &str, err: &mlua::Error) -> RuleError {
    let text = match err {
        mlua::Error::SyntaxError { message, .. } => message.as_str(),
        _ => "",
    };
    // Luau's compiler reports `LINE: message` or `:LINE: message`, without a chunk name.
    let rest = text.trim_start().trim_start_matches(':');
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    match digits.parse::<usize>() {
        Ok(line) => RuleError::new(
            file,
            Some(line),
            rest[digits.len()..].trim_start_matches(':').trim(),
        ),
        Err(_) => RuleError::from_lua(file, err, Budget::Left),
    }
}
