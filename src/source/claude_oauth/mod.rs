//! Source `claude_oauth`: plan windows, extra usage, the prepaid credit balance and the
//! plan name, from the endpoints Claude Code itself uses, with Claude Code's sign-in.
//!
//! Each poll re-reads the credentials (read-only), checks scope and expiry before calling
//! anything, then asks each endpoint that is due: `/api/oauth/usage`, `/api/oauth/profile`
//! (for the organisation, once a day) and the organisation's `/prepaid/credits`. A 401
//! re-reads the credentials and retries once. [`gate`] keeps every endpoint
//! polite.

pub mod credentials;
pub mod decode;

use super::gate::{self, Ask};
use super::pools::{self, Origin};
use crate::config::{AccountConfig, Config, OauthConfig};
use crate::http::{Client, Reply};
use crate::store::{Store, StoreError};
use credentials::{Credentials, CredentialsError, Locator};

pub use gate::Poll;

/// The source's name in the config, the snapshot and the store.
pub const NAME: &str = "claude_oauth";
/// The version of Claude Code whose requests these imitate.
const CLAUDE_CODE_VERSION: &str = "2.0.37";
/// The fact that holds the organisation id.
pub const ORG_FACT: &str = "organization.uuid";
/// How long the organisation id is trusted before the profile is asked again.
const PROFILE_EVERY_S: i64 = 86_400;

/// The source, built once from the config.
pub struct OauthSource {
    account: String,
    config: OauthConfig,
    locator: Locator,
    client: Client,
}

impl OauthSource {
    /// Builds the source for `account`, or `None` when it is off: turned off in the
    /// config, or not turned on and the account has no Claude Code credentials.
    /// `credentials_file` applies to the default account only.
    pub fn build(config: &Config, account: &AccountConfig) -> Option<OauthSource> {
        OauthSource::build_or_why(config, account).ok()
    }

    /// Why the source is off for `account`, when it is: turned off in the config, or no
    /// sign-in found (and where it looked).
    pub(crate) fn why_off(config: &Config, account: &AccountConfig) -> Option<String> {
        OauthSource::build_or_why(config, account).err()
    }

    fn build_or_why(config: &Config, account: &AccountConfig) -> Result<OauthSource, String> {
        let c = &config.oauth;
        let file = (account.name == crate::DEFAULT_ACCOUNT)
            .then(|| c.credentials_file.clone())
            .flatten();
        let locator = match &account.claude_config_dir {
            None => Locator::from_env(file),
            Some(dir) => Locator {
                file,
                config_dir: Some(dir.clone()),
                config_dir_is_custom: true,
            },
        };
        match (c.enabled, locator.read()) {
            (Some(false), _) => {
                return Err("off in the config ([sources.claude_oauth] enabled = false)".into());
            }
            (None, Err(CredentialsError::Missing(looked))) => {
                return Err(format!(
                    "no Claude Code sign-in found (looked in {looked}); sign in with \
                     `claude` and it turns on by itself, reading the plan windows, extra usage \
                     and credits"
                ));
            }
            _ => {}
        }
        Ok(OauthSource {
            account: account.name.clone(),
            locator,
            client: Client::new(c.timeout.0),
            config: c.clone(),
        })
    }

    /// How long one request may take.
    pub fn timeout(&self) -> std::time::Duration {
        self.client.timeout()
    }

    /// The account its figures are recorded under.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// Polls every endpoint that is due at `now`, noting in `poll` what it did as it goes
    /// (so a poll cut short by the cycle's deadline still tells what it got to).
    pub async fn poll(&self, store: &Store, now: i64, poll: &mut Poll) -> Result<(), StoreError> {
        let creds = match self.locator.load(now) {
            Ok(c) => c,
            Err(e) => {
                poll.errors.push(e.to_string());
                return Ok(());
            }
        };
        let mut session = Session {
            source: self,
            store,
            first_token: creds.access_token.clone(),
            creds,
            now,
            poll,
        };
        session.plan_name()?;
        session.usage().await?;
        session.credits().await
    }
}

/// One poll in progress.
struct Session<'a> {
    source: &'a OauthSource,
    store: &'a Store,
    /// The token the poll started with (a 401 may replace `creds`).
    first_token: credentials::Secret,
    creds: Credentials,
    now: i64,
    poll: &'a mut Poll,
}

impl Session<'_> {
    fn account(&self) -> &str {
        &self.source.account
    }

    fn origin(&self) -> Origin<'_> {
        Origin {
            account: &self.source.account,
            source: NAME,
        }
    }

    fn plan_name(&mut self) -> Result<(), StoreError> {
        if let Some(plan) = self.creds.subscription.clone() {
            pools::plan_fact(
                self.store,
                self.origin(),
                crate::names::PLAN_NAME,
                &plan,
                self.now,
            )?;
        }
        if let Some(tier) = self.creds.tier.clone() {
            pools::plan_fact(
                self.store,
                self.origin(),
                crate::names::PLAN_TIER,
                &tier,
                self.now,
            )?;
        }
        Ok(())
    }

    async fn usage(&mut self) -> Result<(), StoreError> {
        let Some(reply) = self.get("usage", "/api/oauth/usage").await? else {
            return Ok(());
        };
        match decode::usage(&reply.body) {
            Ok(usage) => {
                let read = pools::usage(self.store, self.origin(), &usage, self.now)?;
                self.poll.read.push(read);
            }
            Err(e) => self.poll.errors.push(format!("usage: {e}")),
        }
        Ok(())
    }

    async fn credits(&mut self) -> Result<(), StoreError> {
        let Some(org) = self.organization().await? else {
            return Ok(());
        };
        let path = format!("/api/oauth/organizations/{org}/prepaid/credits");
        let Some(reply) = self.get("credits", &path).await? else {
            return Ok(());
        };
        match decode::balance(&reply.body) {
            Ok(balance) => {
                let read = pools::balance(self.store, self.origin(), &balance, self.now)?;
                self.poll.read.push(read);
            }
            Err(e) => self.poll.errors.push(format!("credits: {e}")),
        }
        Ok(())
    }

    /// The organisation id: remembered, or asked of the profile endpoint once a day.
    async fn organization(&mut self) -> Result<Option<String>, StoreError> {
        let known = self.store.fact(self.account(), ORG_FACT)?;
        if let Some((org, t)) = &known
            && self.now - t < PROFILE_EVERY_S
        {
            return Ok(Some(org.clone()));
        }
        let Some(reply) = self.get("profile", "/api/oauth/profile").await? else {
            return Ok(known.map(|(org, _)| org));
        };
        match decode::profile(&reply.body) {
            Ok(profile) if profile.organization.is_some() => {
                self.remember_profile(&profile)?;
                Ok(profile.organization)
            }
            Ok(_) => {
                self.poll
                    .errors
                    .push("profile: no organization in the answer".into());
                Ok(known.map(|(org, _)| org))
            }
            Err(e) => {
                self.poll.errors.push(format!("profile: {e}"));
                Ok(known.map(|(org, _)| org))
            }
        }
    }

    /// Records the organisation, the account's email (its label for a team's servers)
    /// and, when the credentials did not name the plan, its kind.
    fn remember_profile(&self, profile: &decode::Profile) -> Result<(), StoreError> {
        let (store, account, now) = (self.store, self.account(), self.now);
        if let Some(org) = &profile.organization {
            store.set_fact(account, ORG_FACT, org, now, NAME)?;
        }
        if let Some(email) = &profile.email {
            store.set_fact(account, crate::store::EMAIL_FACT, email, now, NAME)?;
        }
        if let Some(kind) = profile.kind.as_deref()
            && store.fact(account, crate::names::PLAN_NAME)?.is_none()
        {
            let plan = kind.strip_prefix("claude_").unwrap_or(kind);
            pools::plan_fact(store, self.origin(), crate::names::PLAN_NAME, plan, now)?;
        }
        if let Some(tier) = profile.tier.as_deref() {
            pools::plan_fact(store, self.origin(), crate::names::PLAN_TIER, tier, now)?;
        }
        Ok(())
    }

    /// GETs `path` when `endpoint` is due; a 2xx reply, or `None` (with the error noted).
    async fn get(&mut self, endpoint: &str, path: &str) -> Result<Option<Reply>, StoreError> {
        let account = self.source.account.clone();
        let ask = Ask {
            store: self.store,
            account: &account,
            endpoint,
            interval_s: self.source.config.interval.as_secs() as i64,
            now: self.now,
        };
        if !gate::admit(ask, self.poll)? {
            return Ok(None);
        }
        let url = format!("{}{path}", self.source.config.base_url);
        self.poll.requests += 1;
        let mut result = self.call(&url).await;
        if matches!(&result, Ok(r) if r.status == 401) {
            // Claude Code may have refreshed the token since this poll read it.
            match self.source.locator.load(self.now) {
                Ok(fresh) => self.creds = fresh,
                Err(e) => self.poll.errors.push(self.redact(&e.to_string())),
            }
            self.poll.requests += 1;
            result = self.call(&url).await;
        }
        let (first, last) = (self.first_token.clone(), self.creds.access_token.clone());
        gate::settle(ask, self.poll, result, refusal, |m| {
            last.redact(&first.redact(m))
        })
    }

    /// Removes the tokens from a message built from what a server said, before it goes
    /// to the health record, the endpoint's stored error or a log.
    fn redact(&self, message: &str) -> String {
        self.creds
            .access_token
            .redact(&self.first_token.redact(message))
    }

    async fn call(&self, url: &str) -> Result<Reply, crate::http::HttpError> {
        let bearer = format!("Bearer {}", self.creds.access_token.expose());
        let agent = format!("claude-code/{CLAUDE_CODE_VERSION}");
        self.source
            .client
            .get(
                url,
                &[
                    ("Authorization", &bearer),
                    ("anthropic-beta", "oauth-2025-04-20"),
                    ("User-Agent", &agent),
                    ("Accept", "application/json"),
                ],
            )
            .await
    }
}

/// A non-2xx answer in words, with a hint for the two that mean the sign-in.
fn refusal(r: &Reply) -> String {
    let hint = match r.status {
        401 => credentials::SIGN_IN_AGAIN,
        403 => "the sign-in lacks the user:profile scope?",
        _ => "",
    };
    gate::refusal(r, hint)
}
