//! Tolerant JSON helpers shared by the network sources: an answer must be a JSON object
//! (HTML error pages are named as such); numbers, money in minor units and timestamps
//! that are missing or of the wrong type are unknown (`None`), never 0.

use serde_json::{Map, Value};

/// The answer is not a JSON object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the answer is not a JSON object{0}")]
pub struct NotJson(pub &'static str);

/// The body as a JSON object, or why it is not one.
pub fn object(body: &[u8]) -> Result<Map<String, Value>, NotJson> {
    let looks_html = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<');
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ if looks_html => Err(NotJson(" (it is HTML)")),
        _ => Err(NotJson("")),
    }
}

/// `10^places`, with places from 0 to 6 (default 2).
pub fn scale(places: Option<&Value>) -> f64 {
    let p = places
        .and_then(Value::as_u64)
        .filter(|p| *p <= 6)
        .unwrap_or(2);
    10f64.powi(p as i32)
}

/// A minor-unit amount (number or decimal string) in major units.
pub(crate) fn minor(v: Option<&Value>, scale: f64) -> Option<f64> {
    let raw = match v? {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    raw.is_finite().then_some(raw / scale)
}

/// A finite number.
pub fn number(v: Option<&Value>) -> Option<f64> {
    v?.as_f64().filter(|n| n.is_finite())
}

/// An RFC 3339 timestamp in unix seconds.
pub fn timestamp(v: Option<&Value>) -> Option<i64> {
    let text = v?.as_str()?;
    text.parse::<jiff::Timestamp>()
        .ok()
        .map(jiff::Timestamp::as_second)
}
