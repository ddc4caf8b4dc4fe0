//! The plans a person can pay for, with their prices and how much each allows against
//! Pro: a dated table in the binary, which `[plan.prices]` in the config overrides.

use serde::Serialize;

/// The day the bundled prices were last checked against Anthropic's pricing page.
pub const PRICES_AS_OF: &str = "2026-12-01";

/// One plan: its key, its name, its price and its allowance as a multiple of Pro's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Offer {
    /// `pro`, `max_5x` or `max_20x`: the key in the config and in `s.plan.fit`.
    pub key: &'static str,
    /// As people say it: `Max 5x`.
    pub name: &'static str,
    /// USD a month.
    pub usd_per_month: f64,
    /// The allowance as a multiple of Pro's (1, 5, 20).
    pub multiple: f64,
}

/// The keys of the plans, cheapest first.
pub const KEYS: [&str; 3] = ["pro", "max_5x", "max_20x"];

/// The bundled table, cheapest first.
pub(crate) fn bundled() -> Vec<Offer> {
    vec![
        Offer {
            key: "pro",
            name: "Pro",
            usd_per_month: 20.0,
            multiple: 1.0,
        },
        Offer {
            key: "max_5x",
            name: "Max 5x",
            usd_per_month: 100.0,
            multiple: 5.0,
        },
        Offer {
            key: "max_20x",
            name: "Max 20x",
            usd_per_month: 200.0,
            multiple: 20.0,
        },
    ]
}

/// Which plan the account pays for, from the plan name and rate-limit tier its sign-in
/// reports; `Err` says why it cannot be told (a Max plan without its tier, a team plan).
pub fn current(name: Option<&str>, tier: Option<&str>) -> Result<&'static str, String> {
    let tier = tier.unwrap_or("");
    if tier.contains("max_20x") {
        return Ok("max_20x");
    }
    if tier.contains("max_5x") {
        return Ok("max_5x");
    }
    match name {
        Some("pro") => Ok("pro"),
        Some("max") => Err(
            "a Max plan whose size (5x or 20x) the sign-in does not say: set \
                            `current` under [plan] in the config"
                .into(),
        ),
        Some(other) => Err(format!(
            "the {other} plan, which this comparison does not cover (it compares Pro, Max 5x \
             and Max 20x): set `current` under [plan] in the config to compare anyway"
        )),
        None => Err(
            "no plan reported yet: Claude Code's sign-in (`claude_oauth`) names it, or \
                     set `current` under [plan] in the config"
                .into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tier_tells_max_sizes_apart_and_a_bare_max_asks_for_the_config() {
        assert_eq!(
            current(Some("max"), Some("default_claude_max_20x")),
            Ok("max_20x")
        );
        assert_eq!(
            current(Some("max"), Some("default_claude_max_5x")),
            Ok("max_5x")
        );
        assert_eq!(current(Some("pro"), None), Ok("pro"));
        assert!(current(Some("max"), None).unwrap_err().contains("[plan]"));
        assert!(
            current(Some("team"), None)
                .unwrap_err()
                .contains("team plan")
        );
        assert_eq!(bundled().iter().map(|o| o.key).collect::<Vec<_>>(), KEYS);
    }
}
