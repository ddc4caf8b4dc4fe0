//! The dedupe key of a response: what makes copies of one API response one row.
//!
//! A `message.id` belongs to exactly one response, so when a line has one it is the key by
//! itself. Claude Code writes a response several times (once per content block, again in a
//! resumed session's file, again in a sidechain such as `/btw`, which replays a parent's
//! message under a new `requestId`, and again inside an agent's progress line): every copy
//! has the same message id, and the copy with the most tokens wins. A line without a
//! message id is keyed by its `requestId`, and a line with neither by its place in the
//! file.
//!
//! Until migration 10 the key of a line with a message id was (`message.id`, `requestId`)
//! (a sidechain replay was a second row). Rows stored under that key are moved to the new
//! one the first time their transcript is read again; [`legacy_key`] names the old key.

use super::record::Record;
use xxhash_rust::xxh3::Xxh3;

/// The key a response is stored under.
pub(crate) fn dedupe_key(r: &Record<'_>, path: &str, offset: u64) -> i64 {
    let mut h = Xxh3::new();
    match (&r.message_id, &r.request_id) {
        (Some(id), _) => {
            h.update(b"\x01message\0");
            h.update(id.as_bytes());
        }
        (None, Some(req)) => {
            // Unchanged since the first version, so these rows need no move.
            h.update(b"\0");
            h.update(req.as_bytes());
        }
        (None, None) => {
            h.update(b"@");
            h.update(path.as_bytes());
            h.update(format!(":{offset}").as_bytes());
        }
    }
    h.digest() as i64
}

/// The key a response with a message id was stored under before migration 10.
pub fn legacy_key(r: &Record<'_>) -> Option<i64> {
    let id = r.message_id.as_deref()?;
    let mut h = Xxh3::new();
    h.update(id.as_bytes());
    h.update(b"\0");
    h.update(r.request_id.as_deref().unwrap_or("").as_bytes());
    Some(h.digest() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::price::Tokens;
    use std::borrow::Cow;

    fn record(id: Option<&'static str>, req: Option<&'static str>) -> Record<'static> {
        Record {
            message_id: id.map(Cow::Borrowed),
            request_id: req.map(Cow::Borrowed),
            t: 0,
            app: Cow::Borrowed("claude-code"),
            model: Cow::Borrowed("claude-opus-4-6"),
            tokens: Tokens::default(),
            sidechain: false,
            cwd: None,
            session: None,
        }
    }

    #[test]
    fn a_message_id_is_the_key_whatever_the_request() {
        let parent = record(Some("msg_1"), Some("req_parent"));
        let replay = record(Some("msg_1"), Some("req_btw"));
        assert_eq!(dedupe_key(&parent, "a", 0), dedupe_key(&replay, "b", 9));
        assert_ne!(legacy_key(&parent), legacy_key(&replay));
        assert_ne!(legacy_key(&parent), Some(dedupe_key(&parent, "a", 0)));
    }

    #[test]
    fn without_a_message_id_the_request_or_the_place_keys_it() {
        let by_request = record(None, Some("req_1"));
        assert_eq!(
            dedupe_key(&by_request, "a", 0),
            dedupe_key(&by_request, "b", 5)
        );
        assert_eq!(legacy_key(&by_request), None);
        // The key of the first version for these lines: "" + NUL + requestId.
        let mut h = Xxh3::new();
        h.update(b"\0req_1");
        assert_eq!(dedupe_key(&by_request, "a", 0), h.digest() as i64);
        let anonymous = record(None, None);
        assert_ne!(
            dedupe_key(&anonymous, "a", 0),
            dedupe_key(&anonymous, "a", 1)
        );
    }
}
