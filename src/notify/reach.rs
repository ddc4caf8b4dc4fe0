//! Which channels can reach the person now, and why the others cannot: the answer to "will
//! I hear of it?". A rule whose channels all fail to reach anyone is as good as no rule, so
//! `check`, `rules check`, `status` and `rules test` say so, with the config to add.
//!
//! The desktop is asked whether a notification service is there (on Linux, the session
//! bus); email and a webhook count once configured (whether their server answers is
//! `notify test`'s question, and the outbox's); a channel whose last sends failed says so.

use super::desktop;
use crate::config::NotifyConfig;
use crate::store::ChannelHealth;
use crate::vocab::Channel;

/// Whether one channel can reach the person.
#[derive(Debug, Clone, PartialEq)]
pub enum Reach {
    /// It can.
    Ready,
    /// It cannot; why, and what would turn it on.
    Off(String),
}

/// Each channel's [`Reach`], in [`Channel::ALL`] order.
#[derive(Debug, Clone)]
pub struct Survey {
    reach: Vec<(Channel, Reach)>,
}

/// What to add to the config for a channel that is not set up.
const EMAIL_HOWTO: &str = "add [notify.email] with smtp_host, username, password_env, from \
                           and to to the config file (README: Configuration)";
const WEBHOOK_HOWTO: &str =
    "add [notify.webhook] with url (an ntfy topic works) to the config file";

/// Asks every channel; `failing` is what the store says of the channels whose last sends
/// failed (empty when there is no store).
pub(crate) fn survey(config: &NotifyConfig, failing: &[ChannelHealth]) -> Survey {
    let reach = Channel::ALL
        .into_iter()
        .map(|channel| (channel, one(channel, config, failing)))
        .collect();
    Survey { reach }
}

fn one(channel: Channel, config: &NotifyConfig, failing: &[ChannelHealth]) -> Reach {
    let configured = match channel {
        Channel::Desktop if !config.desktop => {
            return Reach::Off("off in the config ([notify.desktop] enabled = false)".into());
        }
        Channel::Desktop => match desktop::service_present(config.desktop_bus.as_deref()) {
            Ok(()) => true,
            Err(e) => {
                return Reach::Off(format!(
                    "no desktop notification service ({e}); on a machine without a desktop \
                     session, use email or a webhook"
                ));
            }
        },
        Channel::Email => config.email.is_some(),
        Channel::Webhook => config.webhook.is_some(),
        Channel::Alertmanager => config.alertmanager.is_some(),
    };
    if !configured {
        return Reach::Off(match channel {
            Channel::Desktop | Channel::Email => format!("not configured: {EMAIL_HOWTO}"),
            Channel::Webhook => format!("not configured: {WEBHOOK_HOWTO}"),
            Channel::Alertmanager => {
                "not configured: add [notify.alertmanager] with urls (docs/teams.md)".into()
            }
        });
    }
    match failing.iter().find(|c| c.channel == channel) {
        Some(c) => Reach::Off(format!(
            "its last {} sends failed: {}",
            c.failures,
            crate::format::clip(&c.last_error, 120)
        )),
        None => Reach::Ready,
    }
}

impl Survey {
    /// The reach of `channel`.
    pub fn of(&self, channel: Channel) -> Reach {
        // The survey holds every channel, in `Channel::ALL` order.
        self.reach[channel as usize].1.clone()
    }

    /// Of `channels` (a rule's), the ones that reach the person and the ones that do not,
    /// with why. Alertmanager reaches a team's routing, which counts.
    pub fn split(&self, channels: &[Channel]) -> (Vec<Channel>, Vec<(Channel, String)>) {
        let (mut ready, mut off) = (Vec::new(), Vec::new());
        for &c in channels {
            match self.of(c) {
                Reach::Ready => ready.push(c),
                Reach::Off(why) => off.push((c, why)),
            }
        }
        (ready, off)
    }

    /// Whether any channel that tells the person (not Alertmanager) can reach them.
    pub(crate) fn someone_reached(&self) -> bool {
        self.reach
            .iter()
            .any(|(c, r)| *c != Channel::Alertmanager && *r == Reach::Ready)
    }

    /// Every channel with its reach, for reports.
    pub fn all(&self) -> &[(Channel, Reach)] {
        &self.reach
    }
}

/// What to tell a person no channel can reach: the config to add (to the file named after
/// it), ready to paste.
pub const HOW_TO_BE_REACHED: &str = "\
Nothing can reach you from this machine: add email or a webhook to the config file
(below), e.g.

  [notify.email]
  smtp_host = \"smtp.example.com\"
  username = \"you@example.com\"
  password_env = \"CREDITWATCH_SMTP_PASSWORD\"
  from = \"creditwatch <you@example.com>\"
  to = [\"you@example.com\"]

  [notify.webhook]
  url = \"https://ntfy.sh\"
  topic = \"a-private-topic-of-yours\"

then `creditwatch notify test email` (or webhook) to try it.
";
