//! Every series name creditwatch exposes on `/metrics` or pushes by remote write, with its
//! help text, in one table: the page's families and the pushed counters take their names
//! from here, and [`ALL`] lists them for the docs' test.

/// A series' name and what it measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Name {
    /// `creditwatch_...`.
    pub name: &'static str,
    /// The `# HELP` text.
    pub help: &'static str,
}

/// `creditwatch_alerts`.
pub const ALERTS: Name = Name {
    name: "creditwatch_alerts",
    help: "Alert instances by state.",
};

/// `creditwatch_alert_firing`.
pub const ALERT_FIRING: Name = Name {
    name: "creditwatch_alert_firing",
    help: "1 for each firing alert, by rule and key.",
};

/// `creditwatch_outbox`.
pub const OUTBOX: Name = Name {
    name: "creditwatch_outbox",
    help: "Notifications in the outbox by delivery state.",
};

/// `creditwatch_last_cycle_seconds`.
pub const LAST_CYCLE_SECONDS: Name = Name {
    name: "creditwatch_last_cycle_seconds",
    help: "When the daemon last ran a cycle, unix seconds.",
};

/// `creditwatch_credits_balance_usd`.
pub const CREDITS_BALANCE_USD: Name = Name {
    name: "creditwatch_credits_balance_usd",
    help: "Prepaid usage-credit balance, USD.",
};

/// `creditwatch_credits_burn_usd_per_hour`.
pub const CREDITS_BURN_USD_PER_HOUR: Name = Name {
    name: "creditwatch_credits_burn_usd_per_hour",
    help: "How fast the credit balance falls, USD per hour.",
};

/// `creditwatch_credits_runs_out_at_seconds`.
pub const CREDITS_RUNS_OUT_AT_SECONDS: Name = Name {
    name: "creditwatch_credits_runs_out_at_seconds",
    help: "When the credit balance is projected to run out, unix seconds.",
};

/// `creditwatch_plan_window_used_ratio`.
pub const PLAN_WINDOW_USED_RATIO: Name = Name {
    name: "creditwatch_plan_window_used_ratio",
    help: "Share of a plan window used, 0 to 1.",
};

/// `creditwatch_plan_window_burn_ratio_per_hour`.
pub const PLAN_WINDOW_BURN_RATIO_PER_HOUR: Name = Name {
    name: "creditwatch_plan_window_burn_ratio_per_hour",
    help: "How fast a plan window fills, share per hour.",
};

/// `creditwatch_plan_window_full_at_seconds`.
pub const PLAN_WINDOW_FULL_AT_SECONDS: Name = Name {
    name: "creditwatch_plan_window_full_at_seconds",
    help: "When a plan window is projected to be full, unix seconds.",
};

/// `creditwatch_plan_window_resets_at_seconds`.
pub const PLAN_WINDOW_RESETS_AT_SECONDS: Name = Name {
    name: "creditwatch_plan_window_resets_at_seconds",
    help: "When a plan window resets, unix seconds.",
};

/// `creditwatch_extra_usage_used_usd`.
pub const EXTRA_USAGE_USED_USD: Name = Name {
    name: "creditwatch_extra_usage_used_usd",
    help: "Extra usage spent this month, USD.",
};

/// `creditwatch_extra_usage_limit_usd`.
pub const EXTRA_USAGE_LIMIT_USD: Name = Name {
    name: "creditwatch_extra_usage_limit_usd",
    help: "The monthly extra-usage cap, USD.",
};

/// `creditwatch_extra_usage_burn_usd_per_day`.
pub const EXTRA_USAGE_BURN_USD_PER_DAY: Name = Name {
    name: "creditwatch_extra_usage_burn_usd_per_day",
    help: "How fast extra usage is spent, USD per day.",
};

/// `creditwatch_extra_usage_limit_at_seconds`.
pub const EXTRA_USAGE_LIMIT_AT_SECONDS: Name = Name {
    name: "creditwatch_extra_usage_limit_at_seconds",
    help: "When extra usage is projected to reach its cap, unix seconds.",
};

/// `creditwatch_api_month_usd`.
pub const API_MONTH_USD: Name = Name {
    name: "creditwatch_api_month_usd",
    help: "API spend this month, USD.",
};

/// `creditwatch_api_burn_usd_per_day`.
pub const API_BURN_USD_PER_DAY: Name = Name {
    name: "creditwatch_api_burn_usd_per_day",
    help: "API spend rate, USD per day.",
};

/// `creditwatch_api_month_projected_usd`.
pub const API_MONTH_PROJECTED_USD: Name = Name {
    name: "creditwatch_api_month_projected_usd",
    help: "API spend projected for the whole month, USD.",
};

/// `creditwatch_app_spend_usd`.
pub const APP_SPEND_USD: Name = Name {
    name: "creditwatch_app_spend_usd",
    help: "What an app spent over a period, USD.",
};

/// `creditwatch_app_burn_usd_per_hour`.
pub const APP_BURN_USD_PER_HOUR: Name = Name {
    name: "creditwatch_app_burn_usd_per_hour",
    help: "An app's spend over the last hour, USD per hour.",
};

/// `creditwatch_source_up`.
pub const SOURCE_UP: Name = Name {
    name: "creditwatch_source_up",
    help: "1 when a source's last attempt worked.",
};

/// `creditwatch_source_last_success_seconds`.
pub const SOURCE_LAST_SUCCESS_SECONDS: Name = Name {
    name: "creditwatch_source_last_success_seconds",
    help: "When a source last worked, unix seconds.",
};

/// `creditwatch_credits_runs_out_earliest_seconds`.
pub const CREDITS_RUNS_OUT_EARLIEST_SECONDS: Name = Name {
    name: "creditwatch_credits_runs_out_earliest_seconds",
    help: "Credits run out: 10th percentile of the forecast, unix seconds.",
};

/// `creditwatch_credits_runs_out_latest_seconds`.
pub const CREDITS_RUNS_OUT_LATEST_SECONDS: Name = Name {
    name: "creditwatch_credits_runs_out_latest_seconds",
    help: "Credits run out: 90th percentile of the forecast, unix seconds.",
};

/// `creditwatch_plan_window_full_earliest_seconds`.
pub const PLAN_WINDOW_FULL_EARLIEST_SECONDS: Name = Name {
    name: "creditwatch_plan_window_full_earliest_seconds",
    help: "A plan window is full: 10th percentile, unix seconds.",
};

/// `creditwatch_plan_window_full_latest_seconds`.
pub const PLAN_WINDOW_FULL_LATEST_SECONDS: Name = Name {
    name: "creditwatch_plan_window_full_latest_seconds",
    help: "A plan window is full: 90th percentile, unix seconds.",
};

/// `creditwatch_extra_usage_limit_earliest_seconds`.
pub const EXTRA_USAGE_LIMIT_EARLIEST_SECONDS: Name = Name {
    name: "creditwatch_extra_usage_limit_earliest_seconds",
    help: "Extra usage reaches its cap: 10th percentile, unix seconds.",
};

/// `creditwatch_extra_usage_limit_latest_seconds`.
pub const EXTRA_USAGE_LIMIT_LATEST_SECONDS: Name = Name {
    name: "creditwatch_extra_usage_limit_latest_seconds",
    help: "Extra usage reaches its cap: 90th percentile, unix seconds.",
};

/// `creditwatch_api_month_projected_low_usd`.
pub const API_MONTH_PROJECTED_LOW_USD: Name = Name {
    name: "creditwatch_api_month_projected_low_usd",
    help: "API spend projected for the month: low end, USD.",
};

/// `creditwatch_api_month_projected_high_usd`.
pub const API_MONTH_PROJECTED_HIGH_USD: Name = Name {
    name: "creditwatch_api_month_projected_high_usd",
    help: "API spend projected for the month: high end, USD.",
};

/// `creditwatch_spend_usd_total`.
pub const SPEND_USD_TOTAL: Name = Name {
    name: "creditwatch_spend_usd_total",
    help: "Everything this machine recorded for an app and model, USD (pushed by remote write).",
};

/// `creditwatch_tokens_total`.
pub const TOKENS_TOTAL: Name = Name {
    name: "creditwatch_tokens_total",
    help: "Tokens this machine recorded for an app and model, by type (pushed by remote write).",
};

/// Every name above, in the order the page shows them (the pushed counters last).
pub const ALL: &[Name] = &[
    ALERTS,
    ALERT_FIRING,
    OUTBOX,
    LAST_CYCLE_SECONDS,
    CREDITS_BALANCE_USD,
    CREDITS_BURN_USD_PER_HOUR,
    CREDITS_RUNS_OUT_AT_SECONDS,
    PLAN_WINDOW_USED_RATIO,
    PLAN_WINDOW_BURN_RATIO_PER_HOUR,
    PLAN_WINDOW_FULL_AT_SECONDS,
    PLAN_WINDOW_RESETS_AT_SECONDS,
    EXTRA_USAGE_USED_USD,
    EXTRA_USAGE_LIMIT_USD,
    EXTRA_USAGE_BURN_USD_PER_DAY,
    EXTRA_USAGE_LIMIT_AT_SECONDS,
    API_MONTH_USD,
    API_BURN_USD_PER_DAY,
    API_MONTH_PROJECTED_USD,
    APP_SPEND_USD,
    APP_BURN_USD_PER_HOUR,
    SOURCE_UP,
    SOURCE_LAST_SUCCESS_SECONDS,
    CREDITS_RUNS_OUT_EARLIEST_SECONDS,
    CREDITS_RUNS_OUT_LATEST_SECONDS,
    PLAN_WINDOW_FULL_EARLIEST_SECONDS,
    PLAN_WINDOW_FULL_LATEST_SECONDS,
    EXTRA_USAGE_LIMIT_EARLIEST_SECONDS,
    EXTRA_USAGE_LIMIT_LATEST_SECONDS,
    API_MONTH_PROJECTED_LOW_USD,
    API_MONTH_PROJECTED_HIGH_USD,
    SPEND_USD_TOTAL,
    TOKENS_TOTAL,
];
