//! The opt-in usage upload (`POST /v1/usage`): the only thing a device ever tells the server about
//! how the app is used, and only when its person opted in.
//!
//! ## Privacy invariant
//! A report carries a day, a fresh random token for that day, and per feature three numbers — no
//! user id, relationship id, device id, content or event data. The server accepts it without
//! authentication (by design: an authenticated upload would tie usage to an account), keys it by the
//! token, so a device re-sending the same day replaces its own row, and a token is never reused on
//! another day, so uploads cannot be joined across days.

use serde::{Deserialize, Serialize};

/// The features a device reports on: a closed list, so a report cannot invent rows on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UsageFeature {
    /// The daily check-in.
    Checkin,
    /// The question of the day.
    Question,
    /// Partner quizzes (know-me, this-or-that).
    Quiz,
    /// The love-language quiz.
    LoveLanguages,
    /// "Thinking of you" pings.
    Ping,
    /// Shared goals.
    Goals,
    /// Activities and date ideas.
    Activities,
    /// Challenges.
    Challenges,
    /// Important dates.
    Dates,
    /// The talk log.
    TalkLog,
    /// Private notes.
    Notes,
    /// History and insights.
    History,
    /// The Premium screen and purchases.
    Premium,
    /// Settings and the account.
    Settings,
}

impl UsageFeature {
    /// Every feature, in a stable order (tables, pages and tests list them in this order).
    pub const ALL: [UsageFeature; 14] = [
        UsageFeature::Checkin,
        UsageFeature::Question,
        UsageFeature::Quiz,
        UsageFeature::LoveLanguages,
        UsageFeature::Ping,
        UsageFeature::Goals,
        UsageFeature::Activities,
        UsageFeature::Challenges,
        UsageFeature::Dates,
        UsageFeature::TalkLog,
        UsageFeature::Notes,
        UsageFeature::History,
        UsageFeature::Premium,
        UsageFeature::Settings,
    ];

    /// The feature's name on the wire and in `feature_usage_metrics.feature_name`.
    pub fn as_str(self) -> &'static str {
        match self {
            UsageFeature::Checkin => "checkin",
            UsageFeature::Question => "question",
            UsageFeature::Quiz => "quiz",
            UsageFeature::LoveLanguages => "love_languages",
            UsageFeature::Ping => "ping",
            UsageFeature::Goals => "goals",
            UsageFeature::Activities => "activities",
            UsageFeature::Challenges => "challenges",
            UsageFeature::Dates => "dates",
            UsageFeature::TalkLog => "talk_log",
            UsageFeature::Notes => "notes",
            UsageFeature::History => "history",
            UsageFeature::Premium => "premium",
            UsageFeature::Settings => "settings",
        }
    }

    /// The feature named `name` on the wire, if any.
    pub fn parse(name: &str) -> Option<UsageFeature> {
        Self::ALL.into_iter().find(|f| f.as_str() == name)
    }
}

/// The most interactions one report may claim for one feature on one day (more is refused).
pub const MAX_INTERACTIONS: u32 = 10_000;

/// The most seconds one report may claim for one feature: a whole day.
pub const MAX_SECONDS: u32 = 86_400;

/// The length, in characters, of a report token: 32 random bytes in URL-safe base64 without padding.
pub const TOKEN_CHARS: usize = 43;

/// The least number of contributors a `(feature, day)` row needs before the server shows it to
/// its operator (the k of k-anonymity); configurable on the server, this is the default.
pub const DEFAULT_K_THRESHOLD: u32 = 5;

/// One feature's use on one day, as one device saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FeatureUsage {
    /// Which feature.
    pub feature: UsageFeature,
    /// How many times the person used it (screen visits and actions), at most [`MAX_INTERACTIONS`].
    pub interactions: u32,
    /// Seconds spent on its screens, at most [`MAX_SECONDS`].
    pub seconds: u32,
    /// Whether the person completed its main action that day (saved a check-in, answered the
    /// question, finished a quiz round…).
    pub completed: bool,
}

/// `POST /v1/usage`: one device's use of the app on one past day. Answered `204 No Content`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UsageReport {
    /// The day reported (`YYYY-MM-DD`, the device's local day): at most 7 days ago, not today.
    pub day: String,
    /// A random token made for this day only ([`TOKEN_CHARS`] URL-safe base64 characters); a
    /// second report with the same token and day replaces the first.
    pub token: String,
    /// Each feature at most once; at most [`UsageFeature::ALL`]`.len()` entries.
    pub features: Vec<FeatureUsage>,
}

/// Why a usage report is refused, checked the same way on both sides.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsageReportError {
    /// The token is not 43 URL-safe base64 characters.
    #[error("the token is not a usage token")]
    Token,
    /// The day is not a date.
    #[error("the day is not a date")]
    Day,
    /// A feature appears twice, or there are too many entries.
    #[error("a feature is listed twice")]
    Duplicate,
    /// A count is above its bound.
    #[error("a count is out of range")]
    OutOfRange,
}

impl UsageReport {
    /// Checks the report's shape (not its day against the clock, which is the server's to judge).
    pub fn validate(&self) -> Result<jiff::civil::Date, UsageReportError> {
        if self.token.len() != TOKEN_CHARS
            || !self
                .token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(UsageReportError::Token);
        }
        let day: jiff::civil::Date = self.day.parse().map_err(|_| UsageReportError::Day)?;
        if self.features.len() > UsageFeature::ALL.len() {
            return Err(UsageReportError::Duplicate);
        }
        let mut seen = std::collections::BTreeSet::new();
        for usage in &self.features {
            if !seen.insert(usage.feature) {
                return Err(UsageReportError::Duplicate);
            }
            if usage.interactions > MAX_INTERACTIONS || usage.seconds > MAX_SECONDS {
                return Err(UsageReportError::OutOfRange);
            }
        }
        Ok(day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> UsageReport {
        UsageReport {
            day: "2026-11-28".into(),
            token: "a".repeat(TOKEN_CHARS),
            features: vec![FeatureUsage {
                feature: UsageFeature::Checkin,
                interactions: 3,
                seconds: 40,
                completed: true,
            }],
        }
    }

    #[test]
    fn a_wellformed_report_passes() {
        assert_eq!(report().validate().unwrap().to_string(), "2026-11-28");
    }

    #[test]
    fn bad_tokens_days_duplicates_and_counts_are_refused() {
        let mut r = report();
        r.token = "short".into();
        assert_eq!(r.validate(), Err(UsageReportError::Token));
        let mut r = report();
        r.day = "yesterday".into();
        assert_eq!(r.validate(), Err(UsageReportError::Day));
        let mut r = report();
        r.features.push(r.features[0]);
        assert_eq!(r.validate(), Err(UsageReportError::Duplicate));
        let mut r = report();
        r.features[0].seconds = MAX_SECONDS + 1;
        assert_eq!(r.validate(), Err(UsageReportError::OutOfRange));
    }

    #[test]
    fn feature_names_round_trip_and_unknown_fields_are_refused() {
        for f in UsageFeature::ALL {
            assert_eq!(UsageFeature::parse(f.as_str()), Some(f));
            let json = serde_json::to_string(&f).unwrap();
            assert_eq!(json, format!("\"{}\"", f.as_str()));
        }
        let extra = r#"{"day":"2026-11-28","token":"x","features":[],"user_id":"u"}"#;
        assert!(serde_json::from_str::<UsageReport>(extra).is_err());
    }
}
