//! How the commands say who will hear of an alert: a line per channel, and a note on each
//! rule that cannot reach the person now ([`crate::notify::reach`]).

use crate::config::Config;
use crate::notify::reach::{self, Reach, Survey};
use crate::store::Store;
use crate::vocab::Channel;
use std::fmt::Write as _;

/// Asks every channel of `config`, with what `store` (when there is one) says of the
/// channels whose sends failed.
pub(crate) fn survey(config: &Config, store: Option<&Store>) -> Survey {
    let failing = match store.map(Store::channels_failing) {
        Some(Ok(failing)) => failing,
        // Without the store's word, each channel is judged by the config alone; said once.
        Some(Err(e)) => {
            eprintln!("creditwatch: cannot read which channels failed: {e}");
            Vec::new()
        }
        None => Vec::new(),
    };
    reach::survey(&config.notify, &failing)
}

/// A note for a rule sending to `channels`, when any of them cannot reach the person
/// (`None`: all of them can, and there is nothing to say).
pub(crate) fn rule_note(survey: &Survey, channels: &[Channel]) -> Option<String> {
    let (ready, off) = survey.split(channels);
    if off.is_empty() {
        return None;
    }
    let cannot: Vec<String> = off.iter().map(|(c, _)| c.to_string()).collect();
    Some(match ready.is_empty() {
        true => format!("reaches nobody now: {} cannot", cannot.join(", ")),
        false => format!(
            "reaches you by {} only: {} cannot",
            ready
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            cannot.join(", ")
        ),
    })
}

/// Alertmanager when it is not set up: a team's channel, not a way to reach one person,
/// so not worth a line.
pub(crate) fn team_channel_unset(channel: Channel, reach: &Reach) -> bool {
    channel == Channel::Alertmanager
        && matches!(reach, Reach::Off(why) if why.starts_with("not configured"))
}

/// The `Channels` section: each channel, whether it reaches the person and why not, and
/// the config to add when none does.
pub fn section(survey: &Survey, config_file: &std::path::Path) -> String {
    let mut out = String::from("Channels\n");
    for (channel, r) in survey.all() {
        if team_channel_unset(*channel, r) {
            continue;
        }
        let said = match r {
            Reach::Ready => "reaches you".to_string(),
            Reach::Off(why) => format!("cannot reach you: {why}"),
        };
        let _ = writeln!(out, "  {channel:<13}{said}");
    }
    if !survey.someone_reached() {
        let _ = write!(
            out,
            "\n{}The config file: {}\n",
            reach::HOW_TO_BE_REACHED,
            config_file.display()
        );
    }
    out.push('\n');
    out
}
