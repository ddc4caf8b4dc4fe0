//! The integration tests, as one binary: one link step instead of one per file, and one
//! set of helpers (`support`) for all of them. Each module is an area; each starts real
//! parts (the binary, loopback servers, a session bus) as DESIGN.md section 10 describes.

// Tests build their fixtures where they use them, spell out whole scenarios in one function
// and print what they got when it is wrong: pedantic lints on those habits stay off here.
#![allow(
    clippy::default_trait_access,
    clippy::format_collect,
    clippy::items_after_statements,
    clippy::match_wild_err_arm,
    clippy::too_many_lines,
    clippy::unnecessary_debug_formatting,
    clippy::used_underscore_binding
)]

mod support;

mod accounts;
mod admin;
mod alertmanager;
mod browser;
mod chaos;
mod cli;
mod clock;
mod command;
mod crash;
mod daemon;
mod dashboard;
mod database;
#[cfg(not(target_os = "macos"))]
mod desktop;
mod email;
mod email_settings;
mod examples;
mod files;
mod first_day;
mod forecast;
mod hostile;
mod lock;
mod logs;
mod oauth;
mod oauth_failures;
mod packaging;
mod plan;
mod reach;
mod reload;
mod remote_write;
mod resilience;
mod rule_authors;
mod rules;
mod security;
mod service;
mod slow;
mod spend_cases;
mod spend_reports;
mod statusline;
mod story;
mod team;
mod team_prometheus;
/// The bench's synthetic users, shared with `benches/forecast/` (which reads more of them).
#[path = "../../benches/traces/mod.rs"]
#[allow(dead_code)]
mod traces;
mod web;
mod webhook;
