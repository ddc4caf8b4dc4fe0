//! Real parts that tests talk to.
#![allow(dead_code)]

pub mod admin;
pub mod anthropic;
pub mod bin;
pub mod browser;
pub mod engines;
pub mod fixtures;
pub mod http;
pub mod outbox;
pub mod running;
pub mod secrets;
pub mod smtp;
pub mod smtp_server;
pub mod tree;
pub mod wait;

/// The instant most tests run at: 2026-11-20T16:00:00Z, a Friday, the day of the fixtures'
/// responses.
pub const NOW: i64 = 1_795_190_400;
/// The next morning, 2026-11-21T09:00:00Z, after the last fixture response.
pub const NEXT_MORNING: i64 = 1_795_251_600;
