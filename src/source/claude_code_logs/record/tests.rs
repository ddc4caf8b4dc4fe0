use super::*;

fn billed(line: &str) -> Record<'_> {
    match parse(line.as_bytes()) {
        Parsed::Billed(r) => r,
        other => panic!("expected a billed record, got {other:?}"),
    }
}

const LINE: &str = r#"{"type":"assistant","timestamp":"2026-11-18T08:33:00.045Z","requestId":"req_1","entrypoint":"cli","message":{"id":"msg_1","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"a \"quoted\" usage"}],"usage":{"input_tokens":28,"cache_creation_input_tokens":25776,"cache_read_input_tokens":73073,"output_tokens":1233,"cache_creation":{"ephemeral_5m_input_tokens":25000,"ephemeral_1h_input_tokens":776}}}}"#;

#[test]
fn reads_a_billed_response() {
    let r = billed(LINE);
    assert_eq!(r.message_id.as_deref(), Some("msg_1"));
    assert_eq!(r.request_id.as_deref(), Some("req_1"));
    assert_eq!(r.t, 1_794_990_780);
    assert_eq!(r.app, "claude-code");
    assert_eq!(r.model, "claude-sonnet-4-5");
    assert_eq!(
        r.tokens,
        Tokens {
            input: 28,
            output: 1233,
            cache_read: 73073,
            cache_write_5m: 25000,
            cache_write_1h: 776
        }
    );
}

#[test]
fn cache_writes_without_a_breakdown_are_five_minute_writes() {
    let line = r#"{"type":"assistant","timestamp":"2026-11-19T08:54:00.768Z","message":{"model":"claude-opus-4-1","usage":{"input_tokens":15,"cache_creation_input_tokens":1967,"output_tokens":991}}}"#;
    let r = billed(line);
    assert_eq!(r.tokens.cache_write_5m, 1967);
    assert_eq!(r.tokens.cache_write_1h, 0);
    assert_eq!(r.tokens.cache_read, 0, "a missing count is zero tokens");
}

#[test]
fn apps_come_from_the_entrypoint() {
    let app = |e: Option<&str>| app_for(e.map(Cow::Borrowed)).into_owned();
    assert_eq!(app(None), "claude-code");
    assert_eq!(app(Some("cli")), "claude-code");
    assert_eq!(app(Some("claude-desktop")), "claude-desktop");
    assert_eq!(app(Some("sdk-ts")), "claude-agent-sdk");
    assert_eq!(app(Some("sdk-py")), "claude-agent-sdk");
    assert_eq!(app(Some("claude-vscode")), "claude-vscode");
}

#[test]
fn lines_without_spend() {
    for line in [
        r#"{"type":"user","timestamp":"2026-11-18T08:33:00Z","message":{"role":"user","content":"usage"}}"#,
        r#"{"type":"summary","summary":"usage"}"#,
        r#"{"type":"assistant","timestamp":"2026-11-18T09:26:00.375Z","message":{"id":"m","model":"<synthetic>","usage":{"input_tokens":0}}}"#,
        r#"{"type":"assistant","isApiErrorMessage":true,"timestamp":"2026-11-18T09:26:00.375Z","message":{"model":"claude-opus-4-6","usage":{"input_tokens":3}}}"#,
        r#"{"type":"user","toolUseResult":{"usage":{"input_tokens":99}},"timestamp":"2026-11-18T08:33:00Z"}"#,
    ] {
        assert_eq!(parse(line.as_bytes()), Parsed::NoSpend, "{line}");
    }
}

#[test]
fn malformed_lines() {
    for line in [
        r#"{"type":"assistant","message":{"id":"msg_broken","usage":{"input_tokens":5,"#,
        r#"{"type":"assistant","timestamp":"2026-11-18T08:33:00Z","message":{"model":"claude-opus-4-6","usage":{"input_tokens":"five"}}}"#,
        r#"{"type":"assistant","timestamp":"yesterday","message":{"model":"claude-opus-4-6","usage":{"input_tokens":5}}}"#,
        "not json at all",
    ] {
        assert_eq!(parse(line.as_bytes()), Parsed::Malformed, "{line}");
    }
}

#[test]
fn timestamps() {
    assert_eq!(unix_seconds("1970-01-01T00:00:00Z"), Some(0));
    assert_eq!(
        unix_seconds("2026-11-20T18:08:00.523Z"),
        Some(1_795_198_080)
    );
    assert_eq!(
        unix_seconds("2026-11-20T19:08:00+01:00"),
        Some(1_795_198_080)
    );
    assert_eq!(unix_seconds("2026-13-20T18:08:00.523Z"), None);
    assert_eq!(unix_seconds(""), None);
}

#[test]
fn fast_mode_is_a_model_of_its_own() {
    let line = r#"{"type":"assistant","timestamp":"2026-11-20T06:00:00.000Z","message":{"id":"m","model":"claude-opus-4-6-20260101","usage":{"input_tokens":10,"output_tokens":1,"speed":"fast"}}}"#;
    assert_eq!(billed(line).model, "claude-opus-4-6-fast");
    let standard = line.replace("\"fast\"", "\"standard\"");
    assert_eq!(billed(&standard).model, "claude-opus-4-6");
}

#[test]
fn a_line_without_a_model_is_billed_to_the_unknown_model() {
    let line = r#"{"type":"assistant","timestamp":"2026-11-20T08:00:01.000Z","message":{"usage":{"input_tokens":1000,"output_tokens":50}}}"#;
    let r = billed(line);
    assert_eq!(r.model, UNKNOWN_MODEL);
    assert_eq!(r.tokens.total(), 1050);
}

#[test]
fn sidechains_and_the_older_shape_without_a_type() {
    let side = r#"{"type":"assistant","isSidechain":true,"timestamp":"2026-11-20T07:00:05.000Z","requestId":"r2","message":{"id":"m","model":"claude-sonnet-4","usage":{"output_tokens":10}}}"#;
    assert!(billed(side).sidechain);
    let role = r#"{"timestamp":"2026-11-18T10:00:00.000Z","message":{"role":"assistant","id":"a","model":"claude-sonnet-4-20250514","usage":{"input_tokens":100}},"requestId":"r","costUSD":0.12}"#;
    let r = billed(role);
    assert!(!r.sidechain);
    assert_eq!(r.model, "claude-sonnet-4");
}

#[test]
fn an_agents_message_in_a_progress_line_is_billed_as_a_sidechain() {
    let line = r#"{"sessionId":"s","type":"progress","entrypoint":"sdk-ts","data":{"message":{"type":"assistant","timestamp":"2026-11-20T06:00:01.000Z","message":{"model":"claude-haiku-4-5-20251001","id":"msg_haiku","usage":{"input_tokens":20,"output_tokens":2}},"requestId":"req_haiku"}},"timestamp":"2026-11-20T06:00:01.001Z"}"#;
    let r = billed(line);
    assert_eq!(
        (r.message_id.as_deref(), r.request_id.as_deref()),
        (Some("msg_haiku"), Some("req_haiku"))
    );
    assert_eq!((r.t, r.app.as_ref()), (1_795_154_401, "claude-agent-sdk"));
    assert!(r.sidechain);
    let user = r#"{"type":"progress","data":{"message":{"type":"user","timestamp":"2026-11-20T06:00:01.000Z","message":{"role":"user","content":"usage"}}}}"#;
    assert_eq!(parse(user.as_bytes()), Parsed::NoSpend);
}

#[test]
fn usage_in_a_line_of_unknown_kind_is_counted_as_unknown() {
    for line in [
        r#"{"type":"telemetry","timestamp":"2026-11-20T09:00:01.000Z","message":{"model":"claude-haiku-4-5","usage":{"input_tokens":5}}}"#,
        r#"{"timestamp":"2026-11-20T09:00:02.000Z","message":{"model":"claude-haiku-4-5","usage":{"input_tokens":7}}}"#,
    ] {
        assert_eq!(parse(line.as_bytes()), Parsed::Unknown, "{line}");
    }
    // The word alone, in a known line or an unknown one without usage, is nothing.
    let word = r#"{"type":"telemetry","text":"usage"}"#;
    assert_eq!(parse(word.as_bytes()), Parsed::NoSpend);
}
