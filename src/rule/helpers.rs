//! The `cw` module: formatting and local-time helpers for rules.
//!
//! Every helper that talks about days uses the user's time zone and the snapshot's `now`,
//! so a rule reads the same at the same instant whether it runs in the daemon, in
//! `rules test` or in `rules replay`.

use crate::calendar;
use crate::format;
use jiff::tz::TimeZone;
use mlua::{Lua, Table};

/// Builds the read-only `cw` table for a rule evaluated at `now` in `tz`.
pub fn module(lua: &Lua, now: i64, tz: &TimeZone) -> mlua::Result<Table> {
    let cw = lua.create_table()?;
    words(lua, &cw)?;
    clock(lua, &cw, now, tz)?;
    days(lua, &cw, now, tz)?;
    cw.set_readonly(true);
    Ok(cw)
}

/// Money, percentages, durations and window names as people read them.
fn words(lua: &Lua, cw: &Table) -> mlua::Result<()> {
    cw.raw_set(
        "usd",
        lua.create_function(|_, v: Option<f64>| Ok(v.map_or("unknown".into(), format::usd)))?,
    )?;
    cw.raw_set(
        "pct",
        lua.create_function(|_, v: Option<f64>| Ok(v.map_or("unknown".into(), format::pct)))?,
    )?;
    cw.raw_set(
        "chance",
        lua.create_function(|_, v: Option<f64>| Ok(v.map_or("unknown".into(), format::chance)))?,
    )?;
    cw.raw_set(
        "duration",
        lua.create_function(|_, s: Option<f64>| {
            Ok(s.map_or("unknown".into(), |s| format::duration(s.round() as i64)))
        })?,
    )?;
    cw.raw_set(
        "window_name",
        lua.create_function(|_, key: Option<String>| {
            Ok(key.map_or("unknown".into(), |k| format::window_name(&k)))
        })?,
    )?;
    cw.raw_set(
        "seconds",
        lua.create_function(|_, text: Option<String>| {
            text.map(|text| {
                crate::config::parse_duration(&text)
                    .map(|d| d.as_secs() as i64)
                    .map_err(|e| mlua::Error::runtime(format!("cw.seconds: {e}")))
            })
            .transpose()
        })?,
    )
}

/// Times of day and dates, in the user's zone.
fn clock(lua: &Lua, cw: &Table, now: i64, tz: &TimeZone) -> mlua::Result<()> {
    let zone = tz.clone();
    cw.raw_set(
        "time",
        lua.create_function(move |_, t: Option<i64>| {
            Ok(known(t, |t| {
                calendar::zoned(t, &zone).strftime("%H:%M").to_string()
            }))
        })?,
    )?;
    let zone = tz.clone();
    cw.raw_set(
        "zone",
        lua.create_function(move |_, t: Option<i64>| {
            // Without an instant, the zone in force now.
            Ok(calendar::zoned(t.unwrap_or(now), &zone)
                .strftime("%Z")
                .to_string())
        })?,
    )?;
    let zone = tz.clone();
    cw.raw_set(
        "date",
        lua.create_function(move |_, t: Option<i64>| {
            Ok(known(t, |t| {
                calendar::zoned(t, &zone).strftime("%a %-d %b").to_string()
            }))
        })?,
    )?;
    let zone = tz.clone();
    cw.raw_set(
        "day_name",
        lua.create_function(move |_, t: Option<i64>| {
            Ok(known(t, |t| calendar::day_name(now, t, &zone)))
        })?,
    )?;
    let zone = tz.clone();
    cw.raw_set(
        "when",
        lua.create_function(move |_, t: Option<i64>| {
            Ok(known(t, |t| {
                let time = calendar::zoned(t, &zone).strftime("%H:%M").to_string();
                format!("{} at {time}", calendar::day_name(now, t, &zone))
            }))
        })?,
    )
}

/// Where local days start and end, and an instant's local parts.
fn days(lua: &Lua, cw: &Table, now: i64, tz: &TimeZone) -> mlua::Result<()> {
    let zone = tz.clone();
    cw.raw_set(
        "end_of_day",
        lua.create_function(move |_, (t, days): (Option<i64>, Option<i64>)| {
            // Without an instant, today's.
            Ok(calendar::start_of_day(
                t.unwrap_or(now),
                days.unwrap_or(0) + 1,
                &zone,
            ))
        })?,
    )?;
    let zone = tz.clone();
    cw.raw_set(
        "start_of_day",
        lua.create_function(move |_, (t, days): (Option<i64>, Option<i64>)| {
            Ok(calendar::start_of_day(
                t.unwrap_or(now),
                days.unwrap_or(0),
                &zone,
            ))
        })?,
    )?;
    let zone = tz.clone();
    cw.raw_set(
        "local_time",
        lua.create_function(move |lua, t: Option<i64>| local_time(lua, t.unwrap_or(now), &zone))?,
    )
}

/// `text` of an instant, or "unknown" without one: a rule may pass a field that is nil.
fn known(t: Option<i64>, text: impl FnOnce(i64) -> String) -> String {
    t.map_or("unknown".into(), text)
}

fn local_time(lua: &Lua, t: i64, tz: &TimeZone) -> mlua::Result<Table> {
    let z = calendar::zoned(t, tz);
    let fields = lua.create_table()?;
    fields.raw_set("year", z.year())?;
    fields.raw_set("month", z.month())?;
    fields.raw_set("day", z.day())?;
    fields.raw_set("hour", z.hour())?;
    fields.raw_set("minute", z.minute())?;
    fields.raw_set("weekday", z.weekday().to_monday_one_offset())?;
    fields.raw_set("day_name", z.strftime("%A").to_string())?;
    fields.raw_set("date", z.strftime("%Y-%m-%d").to_string())?;
    fields.set_readonly(true);
    Ok(fields)
}
