//! What a model's tokens cost: the bundled price table, the user's overrides, and the
//! long-context rule.
//!
//! Prices are USD per million tokens in the order input, 5-minute cache write, 1-hour cache
//! write, cache read, output. A model id with a date or provider decoration
//! (`claude-sonnet-4-5-20250929`, `us.anthropic.claude-opus-4-1-20250805-v1:0`,
//! `claude-opus-4-6@20260101`) is priced as its base model. A model that is not in the table
//! is never priced at zero: [`PriceTable::cost`] returns `None` and the tokens are reported
//! as unpriced.
//!
//! Fast mode (`usage.speed: "fast"`) is billed at a premium and is priced as a model of
//! its own, the base model with [`FAST_SUFFIX`] (`claude-opus-4-6-fast`), so it has its own
//! rows, can be overridden like any model, and shows separately in reports. A fast
//! response of a model with no fast row is unpriced, not priced at the normal rate.
//!
//! The bundled rates are Anthropic's public list prices (the pricing page and the fast-mode
//! page, as read on 2026-11-30 from stored copies of those pages).

use std::collections::BTreeMap;

/// Token counts of one API response.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tokens {
    /// Uncached input tokens.
    pub input: u64,
    /// Output tokens.
    pub output: u64,
    /// Tokens read from the prompt cache.
    pub cache_read: u64,
    /// Tokens written to the 5-minute prompt cache.
    pub cache_write_5m: u64,
    /// Tokens written to the 1-hour prompt cache.
    pub cache_write_1h: u64,
}

/// The most tokens of any one kind a single response can have: no model's context or
/// output comes near it, so a count above it is a corrupt line, refused as malformed.
pub const MAX_RESPONSE_TOKENS: u64 = 1_000_000_000;

/// The most tokens of any one kind an Admin API usage row (an organisation's day for one
/// model) is taken to hold; beyond it the row is refused as malformed.
pub const MAX_ROW_TOKENS: u64 = 1_000_000_000_000_000;

impl Tokens {
    /// Every token of the response, the figure dedupe compares copies by. Sums saturate:
    /// no count can wrap into a small or negative one.
    pub fn total(&self) -> u64 {
        self.input
            .saturating_add(self.output)
            .saturating_add(self.input_side() - self.input)
    }

    /// The input side of the request, which decides the long-context tier.
    pub(crate) fn input_side(&self) -> u64 {
        self.input
            .saturating_add(self.cache_read)
            .saturating_add(self.cache_write())
    }

    /// Cache writes of both lengths.
    pub fn cache_write(&self) -> u64 {
        self.cache_write_5m.saturating_add(self.cache_write_1h)
    }

    /// The largest count of any kind.
    pub fn largest(&self) -> u64 {
        [
            self.input,
            self.output,
            self.cache_read,
            self.cache_write_5m,
            self.cache_write_1h,
        ]
        .into_iter()
        .max()
        .unwrap_or(0)
    }
}

impl std::ops::AddAssign for Tokens {
    fn add_assign(&mut self, t: Tokens) {
        self.input = self.input.saturating_add(t.input);
        self.output = self.output.saturating_add(t.output);
        self.cache_read = self.cache_read.saturating_add(t.cache_read);
        self.cache_write_5m = self.cache_write_5m.saturating_add(t.cache_write_5m);
        self.cache_write_1h = self.cache_write_1h.saturating_add(t.cache_write_1h);
    }
}

/// Tokens as JSON shows them: each kind, and the sums people ask for (`cache_write`,
/// `total`).
#[derive(serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
struct Shown {
    input: u64,
    output: u64,
    cache_read: u64,
    cache_write: Option<u64>,
    cache_write_5m: Option<u64>,
    cache_write_1h: Option<u64>,
    #[serde(skip_deserializing)]
    total: u64,
}

impl serde::Serialize for Tokens {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Shown {
            input: self.input,
            output: self.output,
            cache_read: self.cache_read,
            cache_write: Some(self.cache_write()),
            cache_write_5m: Some(self.cache_write_5m),
            cache_write_1h: Some(self.cache_write_1h),
            total: self.total(),
        }
        .serialize(s)
    }
}

/// Reads what [`Serialize`](serde::Serialize) writes; `cache_write` without the two lengths
/// counts as 5-minute writes, as a transcript's cache writes without a breakdown do.
impl<'de> serde::Deserialize<'de> for Tokens {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Tokens, D::Error> {
        let s = Shown::deserialize(d)?;
        let split = s.cache_write_5m.is_some() || s.cache_write_1h.is_some();
        Ok(Tokens {
            input: s.input,
            output: s.output,
            cache_read: s.cache_read,
            cache_write_5m: match split {
                true => s.cache_write_5m.unwrap_or(0),
                false => s.cache_write.unwrap_or(0),
            },
            cache_write_1h: s.cache_write_1h.unwrap_or(0),
        })
    }
}

/// The price of one model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Price {
    /// USD per million tokens: input, 5m cache write, 1h cache write, cache read, output.
    pub rates: [f64; 5],
    /// The premium tier for requests whose input side exceeds a threshold.
    pub long_context: Option<LongContext>,
}

/// A long-context tier: the whole request is billed at `rates` above `threshold`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LongContext {
    /// Input-side tokens (input + cache writes + cache reads) above which the tier applies.
    pub threshold: u64,
    /// The tier's rates, in the same order as [`Price::rates`].
    pub rates: [f64; 5],
}

/// Model prices, keyed by base model id.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceTable {
    prices: BTreeMap<String, Price>,
}

/// Appended to a base model id for its fast-mode price.
pub const FAST_SUFFIX: &str = "-fast";

const fn tier(input: f64, w5: f64, w1: f64, read: f64, output: f64) -> [f64; 5] {
    [input, w5, w1, read, output]
}

const HAIKU_3: [f64; 5] = tier(0.25, 0.30, 0.50, 0.03, 1.25);
const HAIKU_3_5: [f64; 5] = tier(0.80, 1.00, 1.60, 0.08, 4.0);
const HAIKU_4_5: [f64; 5] = tier(1.0, 1.25, 2.0, 0.10, 5.0);
const SONNET: [f64; 5] = tier(3.0, 3.75, 6.0, 0.30, 15.0);
const SONNET_LONG: [f64; 5] = tier(6.0, 7.50, 12.0, 0.60, 22.50);
const OPUS_4: [f64; 5] = tier(15.0, 18.75, 30.0, 1.50, 75.0);
const OPUS_4_5: [f64; 5] = tier(5.0, 6.25, 10.0, 0.50, 25.0);
/// Opus 4.6 and 4.7 fast mode: 6x the standard rates up to 200k input tokens...
const OPUS_FAST: [f64; 5] = tier(30.0, 37.50, 60.0, 3.0, 150.0);
/// ...and $60 input, $225 output (cache rates from the input rate) above.
const OPUS_FAST_LONG: [f64; 5] = tier(60.0, 75.0, 120.0, 6.0, 225.0);

/// The long-context tier of Sonnet 4 and 4.5.
const SONNET_LONG_CONTEXT: LongContext = LongContext {
    threshold: 200_000,
    rates: SONNET_LONG,
};

/// The long-context tier of Opus fast mode.
const OPUS_FAST_LONG_CONTEXT: LongContext = LongContext {
    threshold: 200_000,
    rates: OPUS_FAST_LONG,
};

/// The bundled table: (base model id, rates, long-context tier).
const BUNDLED: &[(&str, [f64; 5], Option<LongContext>)] = &[
    ("claude-3-haiku", HAIKU_3, None),
    ("claude-3-5-haiku", HAIKU_3_5, None),
    ("claude-haiku-4-5", HAIKU_4_5, None),
    ("claude-3-sonnet", SONNET, None),
    ("claude-3-5-sonnet", SONNET, None),
    ("claude-3-7-sonnet", SONNET, None),
    ("claude-sonnet-4", SONNET, Some(SONNET_LONG_CONTEXT)),
    ("claude-sonnet-4-5", SONNET, Some(SONNET_LONG_CONTEXT)),
    ("claude-sonnet-4-6", SONNET, None),
    ("claude-3-opus", OPUS_4, None),
    ("claude-opus-4", OPUS_4, None),
    ("claude-opus-4-1", OPUS_4, None),
    ("claude-opus-4-5", OPUS_4_5, None),
    ("claude-opus-4-6", OPUS_4_5, None),
    ("claude-opus-4-7", OPUS_4_5, None),
    (
        "claude-opus-4-6-fast",
        OPUS_FAST,
        Some(OPUS_FAST_LONG_CONTEXT),
    ),
    (
        "claude-opus-4-7-fast",
        OPUS_FAST,
        Some(OPUS_FAST_LONG_CONTEXT),
    ),
];

impl PriceTable {
    /// The prices creditwatch ships with.
    pub(crate) fn bundled() -> PriceTable {
        let prices = BUNDLED
            .iter()
            .map(|&(model, rates, long_context)| {
                (
                    model.to_string(),
                    Price {
                        rates,
                        long_context,
                    },
                )
            })
            .collect();
        PriceTable { prices }
    }

    /// Adds or replaces the price of a model (its id is reduced to the base model first).
    pub fn set(&mut self, model: &str, price: Price) {
        self.prices.insert(base_model(model).to_string(), price);
    }

    /// The price of a model, if known.
    pub fn get(&self, model: &str) -> Option<&Price> {
        self.prices.get(base_model(model))
    }

    /// What `tokens` of `model` cost in USD, or `None` for a model the table does not know.
    pub fn cost(&self, model: &str, tokens: &Tokens) -> Option<f64> {
        let price = self.get(model)?;
        let rates = match price.long_context {
            Some(lc) if tokens.input_side() > lc.threshold => lc.rates,
            _ => price.rates,
        };
        let counts = [
            tokens.input,
            tokens.cache_write_5m,
            tokens.cache_write_1h,
            tokens.cache_read,
            tokens.output,
        ];
        let micro: f64 = counts
            .iter()
            .zip(rates)
            .map(|(&n, rate)| n as f64 * rate)
            .sum();
        Some(micro / 1_000_000.0)
    }

    /// A fingerprint of every price, so stored costs can be recomputed when it changes.
    pub(crate) fn fingerprint(&self) -> String {
        let mut text = String::new();
        for (model, p) in &self.prices {
            text.push_str(&format!("{model}={:?};{:?}\n", p.rates, p.long_context));
        }
        format!("{:016x}", xxhash_rust::xxh3::xxh3_64(text.as_bytes()))
    }
}

/// Reduces a model id to the base model the price table is keyed by.
///
/// Drops a provider prefix (`us.anthropic.`), a version suffix (`-v1:0`), a `@date` or
/// `-YYYYMMDD` date suffix, and a bracketed variant tag (`[1m]`).
pub(crate) fn base_model(model: &str) -> &str {
    let mut m = model.trim();
    if !m.starts_with("claude-")
        && let Some(i) = memchr::memmem::find(m.as_bytes(), b"claude-")
    {
        m = &m[i..];
    }
    if let Some(i) = m.find('[') {
        m = &m[..i];
    }
    if let Some(i) = m.find('@') {
        m = &m[..i];
    }
    if let Some(i) = memchr::memrchr(b'-', m.as_bytes()).filter(|&i| m[i + 1..].starts_with('v'))
        && m[i + 2..].chars().all(|c| c.is_ascii_digit() || c == ':')
        && m.len() > i + 2
    {
        m = &m[..i];
    }
    if m.len() > 9 {
        let (head, tail) = m.split_at(m.len() - 9);
        if tail.starts_with('-') && tail[1..].bytes().all(|b| b.is_ascii_digit()) {
            m = head;
        }
    }
    m
}

#[cfg(test)]
mod tests;
