//! The pool figures a notification carries: the numbers that matter at the time of the
//! decision, taken from the typed snapshot, so a webhook or an email can show them later
//! without the snapshot. Stored with the outbox row as JSON (absent values left out, as a
//! webhook receives them) and read back with [`Figures::read`].

use crate::snapshot::Snapshot;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The figures of one decision: credits, extra usage, plan windows, API spend and the app
/// that burns the most. Absent pools are left out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Figures {
    /// The instant of the decision, unix seconds.
    pub now: i64,
    /// The prepaid credit balance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credits: Option<CreditFigures>,
    /// Extra usage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra_usage: Option<ExtraFigures>,
    /// Plan windows by name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub windows: BTreeMap<String, WindowFigures>,
    /// API spend.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api: Option<ApiFigures>,
    /// The app that burns the most now, if any burns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_app: Option<TopApp>,
}

/// The credit balance and its forecast.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreditFigures {
    /// The balance, USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub balance_usd: Option<f64>,
    /// USD per hour over the last 24 hours.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub burn_usd_per_hour: Option<f64>,
    /// USD per day over the last 7 days.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub burn_usd_per_day: Option<f64>,
    /// The spend expected over the next 24 hours.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub burn_usd_next_24h: Option<f64>,
    /// When it runs out (or reloads), the median.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runs_out_at: Option<i64>,
    /// The 10th percentile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runs_out_earliest: Option<i64>,
    /// The 90th percentile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runs_out_latest: Option<i64>,
    /// `empty`, or `reload` with auto-reload on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runs_out_means: Option<String>,
    /// Where an auto-reload happens, for the chart's line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_reload_threshold_usd: Option<f64>,
}

impl CreditFigures {
    /// Whether the run-out is an auto-reload rather than an empty balance.
    pub fn reloads(&self) -> bool {
        self.runs_out_means.as_deref() == Some("reload")
    }
}

/// Extra usage and its forecast.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExtraFigures {
    /// Spent this month, USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub used_usd: Option<f64>,
    /// The monthly cap, USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit_usd: Option<f64>,
    /// Percent of the cap spent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub used_pct: Option<f64>,
    /// USD per day over the last 7 days.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub burn_usd_per_day: Option<f64>,
    /// The spend expected over the next 24 hours.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub burn_usd_next_24h: Option<f64>,
    /// When the cap is reached, the median.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit_at: Option<i64>,
    /// The 10th percentile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit_earliest: Option<i64>,
    /// The 90th percentile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit_latest: Option<i64>,
    /// When the month resets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resets_at: Option<i64>,
}

/// A plan window and its forecast.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WindowFigures {
    /// Percent used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub used_pct: Option<f64>,
    /// When it resets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resets_at: Option<i64>,
    /// When it is full, the median.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_at: Option<i64>,
    /// The 10th percentile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_earliest: Option<i64>,
    /// The 90th percentile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_latest: Option<i64>,
}

/// API spend.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApiFigures {
    /// Today (UTC), USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub today_usd: Option<f64>,
    /// This UTC month, USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub month_usd: Option<f64>,
    /// USD per day over the last 7 complete days.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub burn_usd_per_day: Option<f64>,
    /// The month's spend, the median.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub month_projected_usd: Option<f64>,
    /// The 10th percentile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub month_projected_low_usd: Option<f64>,
    /// The 90th percentile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub month_projected_high_usd: Option<f64>,
}

/// The app that burns the most.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TopApp {
    /// Its name.
    pub name: String,
    /// USD per hour, the average over the last 3 hours.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub burn_usd_per_hour: Option<f64>,
    /// Spent today.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub today_usd: Option<f64>,
}

impl Figures {
    /// The figures of the default account's pools in `s`.
    pub fn of(s: &Snapshot) -> Figures {
        Figures {
            now: s.now,
            credits: s.credits.as_ref().map(|c| CreditFigures {
                balance_usd: Some(c.balance_usd),
                burn_usd_per_hour: c.burn_usd_per_hour,
                burn_usd_per_day: c.burn_usd_per_day,
                burn_usd_next_24h: c.burn_usd_next_24h,
                runs_out_at: c.runs_out_at,
                runs_out_earliest: c.runs_out_earliest,
                runs_out_latest: c.runs_out_latest,
                runs_out_means: Some(c.runs_out_means.as_str().to_string()),
                auto_reload_threshold_usd: c.auto_reload.as_ref().and_then(|r| r.threshold_usd),
            }),
            extra_usage: s.extra_usage.as_ref().map(|x| ExtraFigures {
                used_usd: x.used_usd,
                limit_usd: x.limit_usd,
                used_pct: x.used_pct,
                burn_usd_per_day: x.burn_usd_per_day,
                burn_usd_next_24h: x.burn_usd_next_24h,
                limit_at: x.limit_at,
                limit_earliest: x.limit_earliest,
                limit_latest: x.limit_latest,
                resets_at: Some(x.resets_at),
            }),
            windows: s
                .plan
                .windows
                .iter()
                .map(|(name, w)| {
                    let figures = WindowFigures {
                        used_pct: Some(w.used_pct),
                        resets_at: w.resets_at,
                        full_at: w.full_at,
                        full_earliest: w.full_earliest,
                        full_latest: w.full_latest,
                    };
                    (name.clone(), figures)
                })
                .collect(),
            api: s.api.as_ref().map(|a| ApiFigures {
                today_usd: Some(a.today_usd),
                month_usd: Some(a.month_usd),
                burn_usd_per_day: Some(a.burn_usd_per_day),
                month_projected_usd: Some(a.month_projected_usd),
                month_projected_low_usd: Some(a.month_projected_low_usd),
                month_projected_high_usd: Some(a.month_projected_high_usd),
            }),
            top_app: top_app(s),
        }
    }

    /// The figures an outbox row carries; what a row without them (or an older shape)
    /// lacks is absent.
    pub fn read(stored: &serde_json::Value) -> Figures {
        Figures::deserialize(stored).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "a notification's figures are unreadable; it goes without them");
            Figures::default()
        })
    }

    /// As stored with an outbox row (without figures, logged, in the case that cannot be).
    pub(crate) fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_else(|e| {
            tracing::error!(error = %e, "cannot encode a notification's figures");
            serde_json::Value::Null
        })
    }
}

/// The app with the highest burn now, if any burns.
fn top_app(s: &Snapshot) -> Option<TopApp> {
    let (name, app) = s
        .apps
        .iter()
        .filter(|(_, a)| a.burn_usd_per_hour > 0.0)
        .max_by(|a, b| a.1.burn_usd_per_hour.total_cmp(&b.1.burn_usd_per_hour))?;
    Some(TopApp {
        name: name.clone(),
        burn_usd_per_hour: Some(app.burn_usd_per_hour),
        today_usd: Some(app.spend_usd.today),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_back_as_stored_and_leave_absent_values_out() {
        // The shape stored before the figures were typed, every field there is.
        let stored = serde_json::json!({
            "now": 1795190400,
            "credits": {"balance_usd": 12.5, "burn_usd_per_hour": 0.8, "burn_usd_per_day": 19.2,
                        "burn_usd_next_24h": 19.5, "runs_out_at": 1795244400,
                        "runs_out_earliest": 1795230000, "runs_out_latest": 1795262400,
                        "runs_out_means": "reload", "auto_reload_threshold_usd": 5.0},
            "extra_usage": {"used_usd": 85.0, "limit_usd": 100.0, "used_pct": 85.0,
                            "burn_usd_per_day": 12.0, "limit_at": 1795300000,
                            "resets_at": 1796083200},
            "windows": {"five_hour": {"used_pct": 72.0, "resets_at": 1795197600,
                                      "full_at": 1795195440}},
            "api": {"today_usd": 3.0, "month_usd": 140.0},
            "top_app": {"name": "claude-code", "burn_usd_per_hour": 4.2, "today_usd": 18.3}
        });
        let f = Figures::read(&stored);
        assert!(f.credits.as_ref().unwrap().reloads());
        assert_eq!(f.windows["five_hour"].full_at, Some(1795195440));
        assert_eq!(
            f.to_json(),
            stored,
            "what a webhook receives does not change"
        );
        // A row with no figures, or another shape, reads as none.
        assert_eq!(Figures::read(&serde_json::Value::Null), Figures::default());
        let empty = Figures::read(&serde_json::json!({"now": 5}));
        assert_eq!(empty.to_json(), serde_json::json!({"now": 5}));
    }
}
