//! Real parts that tests talk to.
#![allow(dead_code)]

pub mod admin;
pub mod anthropic;
pub mod bin;
pub mod http;
pub mod outbox;
pub mod secrets;
pub mod smtp;
pub mod smtp_server;
pub mod tree;
pub mod wait;
