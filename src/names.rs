//! The names of the stored metrics, in one place: sources write them, the snapshot, the
//! forecasts, the charts and the status line read them, and rules name them in
//! `s.history(...)` and a rule's `chart`. A typo here would be a pool that silently never
//! shows, so nothing else spells them.

/// A stored series with a meaning of its own: a pool's level a source records and a
/// forecast follows, or an app's hourly spend.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Metric {
    /// The prepaid credit balance, USD.
    CreditsBalance,
    /// Extra usage spent this month, USD.
    ExtraUsageUsed,
    /// A plan window's percent used (`five_hour`, `seven_day`, ...).
    WindowUsed(String),
    /// What one app spent in each hour (from the transcripts).
    AppSpend(String),
}

/// `credits.balance_usd`.
pub const CREDITS_BALANCE: &str = "credits.balance_usd";
/// `credits.currency` (a fact, not a sample).
pub const CREDITS_CURRENCY: &str = "credits.currency";
/// `credits.auto_reload.enabled`: 1 or 0.
pub const AUTO_RELOAD_ENABLED: &str = "credits.auto_reload.enabled";
/// `credits.auto_reload.threshold_usd`.
pub const AUTO_RELOAD_THRESHOLD: &str = "credits.auto_reload.threshold_usd";
/// `credits.auto_reload.reload_to_usd`.
pub const AUTO_RELOAD_TO: &str = "credits.auto_reload.reload_to_usd";
/// `extra_usage.used_usd`.
pub const EXTRA_USED: &str = "extra_usage.used_usd";
/// `extra_usage.enabled`: 1 or 0.
pub const EXTRA_ENABLED: &str = "extra_usage.enabled";
/// `extra_usage.capped`: 1 when a monthly cap is set.
pub const EXTRA_CAPPED: &str = "extra_usage.capped";
/// `extra_usage.limit_usd`.
pub const EXTRA_LIMIT: &str = "extra_usage.limit_usd";
/// `extra_usage.currency` (a fact).
pub const EXTRA_CURRENCY: &str = "extra_usage.currency";
/// `plan.name` (a fact).
pub const PLAN_NAME: &str = "plan.name";
/// `plan.tier` (a fact): the rate-limit tier (`default_claude_max_20x`), which tells Max 5x
/// from Max 20x.
pub const PLAN_TIER: &str = "plan.tier";

/// `apps.<app>.spend_usd`: what one app spent in each hour (from the transcripts).
const APP_PREFIX: &str = "apps.";
const APP_SPEND_SUFFIX: &str = ".spend_usd";

/// The samples a rule can ask `s.history` for, by name; windows and apps by pattern.
pub const HISTORY: &[&str] = &[
    CREDITS_BALANCE,
    AUTO_RELOAD_ENABLED,
    AUTO_RELOAD_THRESHOLD,
    AUTO_RELOAD_TO,
    EXTRA_USED,
    EXTRA_ENABLED,
    EXTRA_CAPPED,
    EXTRA_LIMIT,
    "plan.<window>.used_pct",
    "plan.<window>.resets_at",
    "apps.<app>.spend_usd",
];

/// The app an `apps.<app>.spend_usd` name is about.
pub(crate) fn app_of(name: &str) -> Option<&str> {
    name.strip_prefix(APP_PREFIX)?
        .strip_suffix(APP_SPEND_SUFFIX)
        .filter(|a| !a.is_empty())
}

/// Whether `s.history` knows `name`; when not, why, with the names it knows.
pub(crate) fn check_history(name: &str) -> Result<(), String> {
    let window = name
        .strip_prefix(WINDOW_PREFIX)
        .and_then(|w| {
            w.strip_suffix(USED_SUFFIX)
                .or(w.strip_suffix(RESETS_SUFFIX))
        })
        .is_some_and(|w| !w.is_empty() && !w.contains('.'));
    if window || app_of(name).is_some() || HISTORY.contains(&name) {
        return Ok(());
    }
    let hint = match name
        .strip_prefix(APP_PREFIX)
        .and_then(|r| r.split('.').next())
    {
        Some(app) if !app.is_empty() => format!("; did you mean apps.{app}.spend_usd?"),
        _ => String::new(),
    };
    Err(format!(
        "no metric named {name:?}{hint} (the metrics are {})",
        HISTORY.join(", ")
    ))
}

/// When `app` is not among `known` but one of them is a likely typo away (`claude_code`
/// for `claude-code`), why, naming it. An app that is simply not there (no spend yet) is
/// not an error: its history is empty.
pub(crate) fn misnamed_app(app: &str, known: &[&str]) -> Option<String> {
    if known.contains(&app) {
        return None;
    }
    let best = known
        .iter()
        .map(|k| (distance(app, k), *k))
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)))?;
    (best.0 <= (app.chars().count() / 3).max(2)).then(|| {
        format!(
            "no app named {app:?}; did you mean apps.{}.spend_usd? (the apps are {})",
            best.1,
            known.join(", ")
        )
    })
}

/// The edit distance between two names.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j + 1] + 1).min(cur[j] + 1).min(prev[j] + cost));
        }
        prev = cur;
    }
    prev[b.len()]
}

const WINDOW_PREFIX: &str = "plan.";
const USED_SUFFIX: &str = ".used_pct";
const RESETS_SUFFIX: &str = ".resets_at";

impl Metric {
    /// The stored name.
    pub fn name(&self) -> String {
        match self {
            Metric::CreditsBalance => CREDITS_BALANCE.to_string(),
            Metric::ExtraUsageUsed => EXTRA_USED.to_string(),
            Metric::WindowUsed(w) => window_used(w),
            Metric::AppSpend(app) => format!("{APP_PREFIX}{app}{APP_SPEND_SUFFIX}"),
        }
    }

    /// The metric a stored name is, if it is one of these.
    pub fn parse(name: &str) -> Option<Metric> {
        match name {
            CREDITS_BALANCE => Some(Metric::CreditsBalance),
            EXTRA_USED => Some(Metric::ExtraUsageUsed),
            _ => window_of(name)
                .map(|w| Metric::WindowUsed(w.to_string()))
                .or_else(|| app_of(name).map(|a| Metric::AppSpend(a.to_string()))),
        }
    }
}

/// `plan.<window>.used_pct`.
pub(crate) fn window_used(window: &str) -> String {
    format!("{WINDOW_PREFIX}{window}{USED_SUFFIX}")
}

/// `plan.<window>.resets_at`.
pub(crate) fn window_resets(window: &str) -> String {
    format!("{WINDOW_PREFIX}{window}{RESETS_SUFFIX}")
}

/// The window a `plan.<window>.used_pct` name is about.
pub(crate) fn window_of(name: &str) -> Option<&str> {
    name.strip_prefix(WINDOW_PREFIX)?
        .strip_suffix(USED_SUFFIX)
        .filter(|w| !w.is_empty() && !w.contains('.'))
}

/// The prefix and suffix that select every window's used metric.
pub(crate) fn window_used_pattern() -> (&'static str, &'static str) {
    (WINDOW_PREFIX, USED_SUFFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_knows_its_names_and_says_which_when_not() {
        for ok in [
            "credits.balance_usd",
            "plan.five_hour.used_pct",
            "plan.seven_day.resets_at",
            "apps.claude-code.spend_usd",
        ] {
            assert_eq!(check_history(ok), Ok(()), "{ok}");
        }
        let e = check_history("apps.claude-code.spend_usd.today").unwrap_err();
        assert!(
            e.contains("did you mean apps.claude-code.spend_usd?"),
            "{e}"
        );
        assert!(e.contains("credits.balance_usd, "), "{e}");
        assert!(check_history("credits.balance").is_err());
        assert_eq!(app_of("apps.cursor.spend_usd"), Some("cursor"));
    }

    #[test]
    fn names_round_trip() {
        for m in [
            Metric::CreditsBalance,
            Metric::ExtraUsageUsed,
            Metric::WindowUsed("five_hour".into()),
            Metric::AppSpend("claude-code".into()),
        ] {
            assert_eq!(Metric::parse(&m.name()), Some(m));
        }
        assert_eq!(window_resets("seven_day"), "plan.seven_day.resets_at");
        assert_eq!(Metric::parse("plan.a.b.used_pct"), None);
        assert_eq!(Metric::parse("credits.balance"), None);
    }
}
