use super::*;

fn approx(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-9, "{a} != {b}");
}

#[test]
fn base_model_strips_decorations() {
    assert_eq!(
        base_model("claude-sonnet-4-5-20250929"),
        "claude-sonnet-4-5"
    );
    assert_eq!(base_model("claude-sonnet-4-5"), "claude-sonnet-4-5");
    assert_eq!(
        base_model("us.anthropic.claude-opus-4-1-20250805-v1:0"),
        "claude-opus-4-1"
    );
    assert_eq!(base_model("claude-opus-4-6@20260101"), "claude-opus-4-6");
    assert_eq!(
        base_model("claude-sonnet-4-5-20250929[1m]"),
        "claude-sonnet-4-5"
    );
    assert_eq!(base_model("claude-3-5-haiku-20241022"), "claude-3-5-haiku");
    // A trailing version number that is part of the name stays.
    assert_eq!(base_model("claude-opus-4"), "claude-opus-4");
}

#[test]
fn prices_every_token_kind() {
    let t = PriceTable::bundled();
    let tokens = Tokens {
        input: 1_000_000,
        output: 1_000_000,
        cache_read: 1_000_000,
        cache_write_5m: 1_000_000,
        cache_write_1h: 1_000_000,
    };
    // Haiku 4.5: 1 + 5 + 0.10 + 1.25 + 2
    approx(t.cost("claude-haiku-4-5-20251001", &tokens).unwrap(), 9.35);
}

#[test]
fn long_context_bills_the_whole_request_at_the_premium() {
    let t = PriceTable::bundled();
    let at = |input| Tokens {
        input,
        output: 1000,
        cache_read: 150_000,
        cache_write_5m: 50_000,
        cache_write_1h: 0,
    };
    // Exactly 200k on the input side: the standard tier.
    let base = at(0);
    approx(
        t.cost("claude-sonnet-4-5", &base).unwrap(),
        (1000.0 * 15.0 + 150_000.0 * 0.3 + 50_000.0 * 3.75) / 1e6,
    );
    // One more token: the whole request at the premium rates.
    let over = at(1);
    approx(
        t.cost("claude-sonnet-4-5", &over).unwrap(),
        (1.0 * 6.0 + 1000.0 * 22.5 + 150_000.0 * 0.6 + 50_000.0 * 7.5) / 1e6,
    );
    // Sonnet 4.6 and Opus have no such tier.
    approx(
        t.cost("claude-sonnet-4-6", &over).unwrap(),
        (1.0 * 3.0 + 1000.0 * 15.0 + 150_000.0 * 0.3 + 50_000.0 * 3.75) / 1e6,
    );
}

#[test]
fn unknown_models_are_unpriced_not_free() {
    let t = PriceTable::bundled();
    assert_eq!(t.cost("claude-mystery-9", &Tokens::default()), None);
    assert_eq!(t.cost("<synthetic>", &Tokens::default()), None);
}

#[test]
fn overrides_replace_and_extend_and_change_the_fingerprint() {
    let mut t = PriceTable::bundled();
    let before = t.fingerprint();
    let price = Price {
        rates: [2.0, 2.5, 4.0, 0.2, 10.0],
        long_context: None,
    };
    t.set("claude-mystery-9-20270101", price);
    let tokens = Tokens {
        input: 500_000,
        ..Tokens::default()
    };
    approx(t.cost("claude-mystery-9", &tokens).unwrap(), 1.0);
    assert_ne!(t.fingerprint(), before);
    t.set("claude-opus-4-6", price);
    approx(t.cost("claude-opus-4-6", &tokens).unwrap(), 1.0);
}

#[test]
fn tokens_show_their_sums_and_read_back_a_write_without_its_length_as_5_minutes() {
    let t = Tokens {
        input: 1,
        output: 2,
        cache_read: 3,
        cache_write_5m: 4,
        cache_write_1h: 5,
    };
    let shown = serde_json::to_value(t).unwrap();
    assert_eq!(
        shown,
        serde_json::json!({"input": 1, "output": 2, "cache_read": 3, "cache_write": 9,
                           "cache_write_5m": 4, "cache_write_1h": 5, "total": 15})
    );
    assert_eq!(serde_json::from_value::<Tokens>(shown).unwrap(), t);
    let reported: Tokens =
        serde_json::from_value(serde_json::json!({"input": 7, "cache_write": 40})).unwrap();
    assert_eq!(
        (
            reported.input,
            reported.cache_write_5m,
            reported.cache_write_1h
        ),
        (7, 40, 0)
    );
    let mut sum = t;
    sum += reported;
    assert_eq!(sum.total(), 15 + 47);
}
