//! What can grow without bound is capped before rules see it: a user (or a corrupt
//! transcript) with thousands of apps, models or projects would otherwise make every rule
//! that walks them run out of its memory or time budget. The costliest are kept by name and
//! the rest are summed as [`OTHER`], so no spend is lost from a total.

use super::apps::{App, Periods};
use std::collections::BTreeMap;

/// The name the rest are summed under.
pub const OTHER: &str = "other";
/// The most apps kept by name.
pub const MAX_APPS: usize = 20;
/// The most models, and projects, kept by name in each app.
pub const MAX_PER_APP: usize = 25;

/// Keeps the [`MAX_APPS`] costliest apps (this month, then the last 7 days) and sums the
/// rest into [`OTHER`]; each app's models and projects likewise.
pub fn apps(apps: BTreeMap<String, App>) -> BTreeMap<String, App> {
    let mut kept = keep(apps, MAX_APPS, |a| a.spend_usd, merge_app);
    for app in kept.values_mut() {
        app.by_model = keep(
            std::mem::take(&mut app.by_model),
            MAX_PER_APP,
            |p| *p,
            merge,
        );
        app.by_project = keep(
            std::mem::take(&mut app.by_project),
            MAX_PER_APP,
            |p| *p,
            merge,
        );
    }
    kept
}

/// The `max` entries of `all` that cost most, and the rest merged into [`OTHER`].
fn keep<T: Default>(
    all: BTreeMap<String, T>,
    max: usize,
    spend: impl Fn(&T) -> Periods,
    fold: fn(&mut T, T),
) -> BTreeMap<String, T> {
    if all.len() <= max {
        return all;
    }
    let mut ranked: Vec<(String, T)> = all.into_iter().collect();
    ranked.sort_by(|(_, a), (_, b)| {
        let (a, b) = (spend(a), spend(b));
        b.this_month
            .total_cmp(&a.this_month)
            .then(b.last_7d.total_cmp(&a.last_7d))
    });
    let rest = ranked.split_off(max - 1);
    let mut kept: BTreeMap<String, T> = ranked.into_iter().collect();
    let other = kept.entry(OTHER.to_string()).or_default();
    for (_, t) in rest {
        fold(other, t);
    }
    kept
}

fn merge(into: &mut Periods, p: Periods) {
    let sum = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
    };
    into.last_hour += p.last_hour;
    into.today += p.today;
    into.last_24h += p.last_24h;
    into.last_7d += p.last_7d;
    into.this_month += p.this_month;
    into.this_week = sum(into.this_week, p.this_week);
    into.last_week = sum(into.last_week, p.last_week);
}

fn merge_app(into: &mut App, app: App) {
    merge(&mut into.spend_usd, app.spend_usd);
    into.tokens += app.tokens;
    into.burn_usd_per_hour += app.burn_usd_per_hour;
    for (name, p) in app.by_model {
        merge(into.by_model.entry(name).or_default(), p);
    }
    for (name, p) in app.by_project {
        merge(into.by_project.entry(name).or_default(), p);
    }
    for (model, n) in app.unpriced_tokens {
        let at = into.unpriced_tokens.entry(model).or_default();
        *at = at.saturating_add(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spending(month: f64) -> App {
        App {
            spend_usd: Periods {
                this_month: month,
                ..Periods::default()
            },
            ..App::default()
        }
    }

    #[test]
    fn the_costliest_are_kept_and_the_rest_summed_as_other() {
        let apps: BTreeMap<String, App> = (0..5000)
            .map(|i| (format!("app-{i}"), spending(f64::from(i))))
            .collect();
        let total: f64 = apps.values().map(|a| a.spend_usd.this_month).sum();
        let kept = super::apps(apps);
        assert_eq!(kept.len(), MAX_APPS);
        assert!(kept.contains_key("app-4999") && !kept.contains_key("app-0"));
        let after: f64 = kept.values().map(|a| a.spend_usd.this_month).sum();
        assert!((after - total).abs() < 1e-6 * total);
        let few: BTreeMap<String, App> = [("a".to_string(), spending(1.0))].into();
        assert_eq!(super::apps(few.clone()), few);
    }
}
