//! The opt-in report, as pure functions: which past days are due ([`due_days`]) and what one day's
//! report says ([`build_report`]). No clock, no SQLite, no network: the caller passes them in.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use together_core::view::UsageScreen;
use together_core::wire::usage::{
    FeatureUsage, MAX_INTERACTIONS, MAX_SECONDS, UsageFeature, UsageReport,
};

use super::UsageEvent;

/// How many days back a device still reports a day it has not reported yet.
pub const MAX_DAYS_BACK: i16 = 7;

/// One local day of recorded usage: its page views (screen, seconds) and its events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayUsage {
    /// The screens viewed that day with the seconds spent on each view.
    pub page_views: Vec<(UsageScreen, i64)>,
    /// The events recorded that day.
    pub events: Vec<UsageEvent>,
}

impl DayUsage {
    /// Whether anything the report counts happened that day.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
            && self
                .page_views
                .iter()
                .all(|(screen, _)| screen.feature().is_none())
    }
}

/// The days to report on `today`: past days (never today, at most [`MAX_DAYS_BACK`] back) on
/// which something was recorded and that were not reported yet, oldest first.
pub fn due_days(today: Date, recorded: &BTreeSet<Date>, reported: &BTreeSet<Date>) -> Vec<Date> {
    let earliest = today
        .checked_sub(jiff::Span::new().days(MAX_DAYS_BACK))
        .unwrap_or(Date::MIN);
    recorded
        .range(earliest..today)
        .filter(|day| !reported.contains(day))
        .copied()
        .collect()
}

/// The report of `day` under `token`: per feature, its screens' views and its events count as
/// interactions, its screens' seconds as time spent, and an event that completes the feature's
/// main action as `completed`. Counts are capped at the wire's bounds; features not used are left
/// out; screens no feature owns are not reported.
pub fn build_report(day: Date, token: String, usage: &DayUsage) -> UsageReport {
    #[derive(Default)]
    struct Tally {
        interactions: u64,
        seconds: u64,
        completed: bool,
    }
    let mut tallies: BTreeMap<UsageFeature, Tally> = BTreeMap::new();
    for (screen, seconds) in &usage.page_views {
        if let Some(feature) = screen.feature() {
            let tally = tallies.entry(feature).or_default();
            tally.interactions = tally.interactions.saturating_add(1);
            tally.seconds = tally
                .seconds
                .saturating_add(u64::try_from(*seconds).unwrap_or(0));
        }
    }
    for event in &usage.events {
        let tally = tallies.entry(event.feature()).or_default();
        tally.interactions = tally.interactions.saturating_add(1);
        tally.completed |= event.completes();
    }
    let cap = |value: u64, max: u32| u32::try_from(value).unwrap_or(u32::MAX).min(max);
    UsageReport {
        day: day.to_string(),
        token,
        features: tallies
            .into_iter()
            .map(|(feature, t)| FeatureUsage {
                feature,
                interactions: cap(t.interactions, MAX_INTERACTIONS),
                seconds: cap(t.seconds, MAX_SECONDS),
                completed: t.completed,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use together_core::wire::usage::TOKEN_CHARS;

    fn days(list: &[Date]) -> BTreeSet<Date> {
        list.iter().copied().collect()
    }

    #[test]
    fn due_days_are_past_recorded_unreported_and_at_most_a_week_back() {
        let today = date(2026, 11, 29);
        let recorded = days(&[
            date(2026, 11, 20), // 9 days back: too old
            date(2026, 11, 22), // exactly 7 back: due
            date(2026, 11, 25), // reported already
            date(2026, 11, 28), // yesterday: due
            date(2026, 11, 29), // today: never
            date(2026, 11, 30), // a clock ahead: never
        ]);
        let reported = days(&[date(2026, 11, 25)]);
        assert_eq!(
            due_days(today, &recorded, &reported),
            vec![date(2026, 11, 22), date(2026, 11, 28)]
        );
        assert!(due_days(today, &BTreeSet::new(), &reported).is_empty());
    }

    #[test]
    fn screens_and_events_fold_into_features() {
        let usage = DayUsage {
            page_views: vec![
                (UsageScreen::Today, 40),
                (UsageScreen::Today, 5),
                (UsageScreen::Goals, 12),
                (UsageScreen::Inbox, 300),      // no feature: not reported
                (UsageScreen::Onboarding, 100), // no feature: not reported
            ],
            events: vec![
                UsageEvent::CheckinSaved,
                UsageEvent::PingSent,
                UsageEvent::SignUp,
            ],
        };
        let token = "t".repeat(TOKEN_CHARS);
        let report = build_report(date(2026, 11, 28), token.clone(), &usage);
        assert_eq!(report.day, "2026-11-28");
        assert_eq!(report.token, token);
        let feature = |f: UsageFeature| report.features.iter().find(|u| u.feature == f).copied();
        assert_eq!(
            feature(UsageFeature::Checkin),
            Some(FeatureUsage {
                feature: UsageFeature::Checkin,
                interactions: 3,
                seconds: 45,
                completed: true
            })
        );
        assert_eq!(
            feature(UsageFeature::Goals),
            Some(FeatureUsage {
                feature: UsageFeature::Goals,
                interactions: 1,
                seconds: 12,
                completed: false
            })
        );
        assert_eq!(
            feature(UsageFeature::Ping).map(|u| (u.interactions, u.seconds, u.completed)),
            Some((1, 0, true))
        );
        // Signing up is a Settings interaction that completes nothing.
        assert_eq!(
            feature(UsageFeature::Settings).map(|u| u.completed),
            Some(false)
        );
        assert_eq!(report.features.len(), 4, "{report:?}");
        report.validate().unwrap();
    }

    #[test]
    fn counts_are_capped_at_the_wire_bounds() {
        let usage = DayUsage {
            page_views: vec![
                (UsageScreen::History, 80_000),
                (UsageScreen::History, 80_000),
            ],
            events: vec![UsageEvent::GoalProgressed; 10_500],
        };
        let report = build_report(date(2026, 11, 28), "x".repeat(TOKEN_CHARS), &usage);
        report.validate().unwrap();
        let history = report
            .features
            .iter()
            .find(|u| u.feature == UsageFeature::History)
            .unwrap();
        assert_eq!(history.seconds, MAX_SECONDS);
        let goals = report
            .features
            .iter()
            .find(|u| u.feature == UsageFeature::Goals)
            .unwrap();
        assert_eq!(goals.interactions, MAX_INTERACTIONS);
    }

    #[test]
    fn a_day_of_only_unreported_screens_is_empty() {
        let usage = DayUsage {
            page_views: vec![(UsageScreen::Inbox, 10)],
            events: vec![],
        };
        assert!(usage.is_empty());
        assert!(
            !DayUsage {
                page_views: vec![],
                events: vec![UsageEvent::PingSent],
            }
            .is_empty()
        );
    }
}
