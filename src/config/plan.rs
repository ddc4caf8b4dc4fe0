//! `[plan]`: what `creditwatch plan` compares against: which plan the user pays for when the
//! sign-in does not say, how many limited days a plan may have and still "do", and the
//! price table's overrides.

use crate::plan::offers::{self, Offer};
use serde::{Deserialize, Deserializer};

/// A plan "would have done" a month with at most this many limited days, by default.
pub const DEFAULT_LIMITED_DAYS: u32 = 2;

/// `[plan]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawPlan {
    current: Option<PlanKey>,
    limited_days: Option<u32>,
    prices: RawPrices,
}

/// `[plan.prices]`: one table per plan, each overriding the bundled one.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawPrices {
    pro: Option<RawOffer>,
    max_5x: Option<RawOffer>,
    max_20x: Option<RawOffer>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOffer {
    usd_per_month: Amount,
    multiple: Amount,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum PlanKey {
    Pro,
    #[serde(rename = "max_5x")]
    Max5x,
    #[serde(rename = "max_20x")]
    Max20x,
}

/// A finite amount above zero.
#[derive(Debug, Clone, Copy)]
struct Amount(f64);

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        let v = f64::deserialize(de)?;
        if !v.is_finite() || v <= 0.0 {
            return Err(serde::de::Error::custom(format!(
                "must be a number above 0, not {v}"
            )));
        }
        Ok(Amount(v))
    }
}

/// The validated `[plan]`.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanConfig {
    /// The plan paid for, when the config says (it wins over the sign-in's).
    pub current: Option<&'static str>,
    /// The limited days a plan may have and still "do".
    pub limited_days: u32,
    /// The plans with their prices, cheapest first as bundled.
    pub offers: Vec<Offer>,
    /// Whether any price was overridden (the report says so instead of the table's date).
    pub overridden: bool,
}

impl Default for PlanConfig {
    fn default() -> Self {
        RawPlan::default().build()
    }
}

impl RawPlan {
    /// The validated settings.
    pub(super) fn build(self) -> PlanConfig {
        let mut offers = offers::bundled();
        let mut overridden = false;
        let given = [self.prices.pro, self.prices.max_5x, self.prices.max_20x];
        for (offer, raw) in offers.iter_mut().zip(given) {
            if let Some(r) = raw {
                (offer.usd_per_month, offer.multiple) = (r.usd_per_month.0, r.multiple.0);
                overridden = true;
            }
        }
        PlanConfig {
            current: self.current.map(|k| match k {
                PlanKey::Pro => "pro",
                PlanKey::Max5x => "max_5x",
                PlanKey::Max20x => "max_20x",
            }),
            limited_days: self.limited_days.unwrap_or(DEFAULT_LIMITED_DAYS),
            offers,
            overridden,
        }
    }
}
