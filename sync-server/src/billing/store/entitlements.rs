//! Who has Premium. The rules live here, above the backends: which subscriptions a couple (or a lone
//! payer) holds — **a subscription follows its payer** — and what a subscription's status
//! entitles. A backend only lists the candidate subscriptions with the facts these rules read.

use jiff::Timestamp;

use crate::storage::StorageError;

/// A couple's access, decided from their subscriptions.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Access {
    /// `premium` (or the plan's type) while entitled, else `free`.
    pub level: String,
    /// The entitling subscription's status, if any.
    pub status: Option<String>,
    /// Its plan.
    pub plan_id: Option<String>,
    /// Until when it entitles (RFC 3339), if it does.
    pub entitled_until: Option<String>,
    /// A gift.
    pub is_gift: bool,
}

impl Access {
    /// No subscription entitles the couple (or there is no couple).
    pub fn free() -> Self {
        Self {
            level: "free".into(),
            status: None,
            plan_id: None,
            entitled_until: None,
            is_gift: false,
        }
    }
}

/// How an entitlement follows a subscription's status: trialing and active entitle until the
/// period ends (also when canceling at period end); past_due keeps access for `grace_days`
/// after the period; every other status gives none.
pub fn entitled_until(
    status: &str,
    period_end: Option<i64>,
    grace_days: i64,
    now: i64,
) -> Option<i64> {
    let end = match status {
        "trialing" | "active" => period_end.unwrap_or(now + 86_400),
        "past_due" => period_end.unwrap_or(now) + grace_days * 86_400,
        _ => return None,
    };
    (end > now).then_some(end)
}

/// Unix seconds of a stored time.
pub fn unix(text: Option<String>) -> Option<i64> {
    text.and_then(|t| t.parse::<Timestamp>().ok())
        .map(|t| t.as_second())
}

/// How final a status is, to order two states Stripe stamped in the same second.
pub fn finality(status: &str) -> i32 {
    match status {
        "incomplete" => 0,
        "trialing" => 1,
        "active" => 2,
        "past_due" => 3,
        "paused" => 4,
        "unpaid" => 5,
        "canceled" | "incomplete_expired" => 6,
        _ => -1,
    }
}

/// Whose access is asked for: a couple, or a person with no couple now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holder {
    /// A current relationship.
    Relationship(String),
    /// A person without a current relationship (what they pay for still follows them).
    Payer(String),
}

/// A subscription that may cover a holder, with the facts [`holds`] decides on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Stripe's subscription id.
    pub stripe_subscription_id: Option<String>,
    /// Stripe's status.
    pub status: String,
    /// End of the paid period (RFC 3339).
    pub current_period_end: Option<String>,
    /// Its plan.
    pub plan_id: Option<String>,
    /// The plan's type (`premium`...), `premium` when unknown.
    pub plan_type: String,
    /// A gift.
    pub is_gift: bool,
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// It was bought for the holder's relationship.
    pub for_holder: bool,
    /// The relationship it was bought for exists and has not ended.
    pub relationship_goes_on: bool,
    /// Its payer was a member of the relationship it was bought for (or that relationship is gone).
    pub payer_was_member: bool,
    /// Its payer is the holder (the lone payer, or a current member of the holder's relationship).
    pub payer_is_holder: bool,
}

/// Whether a holder holds `candidate`. A subscription covers the relationship it was bought for
/// while that relationship goes on. Once it ended (a partner left), it **follows its payer**: it
/// covers the payer's next relationship, or the payer alone, and the former partner's inherited
/// access ends. A gift to another couple follows nobody: it ends with the couple it was given to
/// (the giver still manages it in the customer portal).
pub fn holds(candidate: &Candidate) -> bool {
    if candidate.relationship_goes_on {
        candidate.for_holder
    } else {
        candidate.payer_was_member && candidate.payer_is_holder
    }
}

/// Whether `candidate` entitles at `now`.
pub fn entitles(candidate: &Candidate, grace_days: i64, now: i64) -> bool {
    entitled_until(
        &candidate.status,
        unix(candidate.current_period_end.clone()),
        grace_days,
        now,
    )
    .is_some()
}

/// The access the held candidates give at `now`: the one entitling longest.
pub fn best_access(candidates: &[Candidate], grace_days: i64, now: i64) -> Access {
    candidates
        .iter()
        .filter(|c| holds(c))
        .filter_map(|c| {
            entitled_until(
                &c.status,
                unix(c.current_period_end.clone()),
                grace_days,
                now,
            )
            .map(|until| (until, c))
        })
        .max_by_key(|(until, _)| *until)
        .map_or_else(Access::free, |(until, c)| Access {
            level: c.plan_type.clone(),
            status: Some(c.status.clone()),
            plan_id: c.plan_id.clone(),
            entitled_until: Some(crate::clock::stamp(
                Timestamp::from_second(until).unwrap_or(Timestamp::UNIX_EPOCH),
            )),
            is_gift: c.is_gift,
        })
}

/// Who has Premium, and whose Stripe customer a person manages.
#[async_trait::async_trait]
pub trait Entitlements {
    /// A couple's (or a lone payer's) access now.
    async fn access(
        &self,
        holder: Holder,
        grace_days: i64,
        now: Timestamp,
    ) -> Result<Access, StorageError>;

    /// The Stripe customer of what `user_id` pays for (their newest subscription), for the customer
    /// portal. Only the payer's own: a gift's recipient or a former partner gets `None`, and a payer
    /// keeps managing (and can cancel) what they pay for after leaving the couple.
    async fn customer_of_payer(&self, user_id: String) -> Result<Option<String>, StorageError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate() -> Candidate {
        Candidate {
            stripe_subscription_id: Some("sub".into()),
            status: "active".into(),
            current_period_end: Some("2026-12-31T00:00:00.000Z".into()),
            plan_id: Some("plan".into()),
            plan_type: "premium".into(),
            is_gift: false,
            created_at: "2026-11-01T00:00:00.000Z".into(),
            for_holder: true,
            relationship_goes_on: true,
            payer_was_member: true,
            payer_is_holder: true,
        }
    }

    #[test]
    fn a_subscription_covers_its_couple_then_follows_its_payer() {
        assert!(holds(&candidate()));
        let other_couple = Candidate {
            for_holder: false,
            ..candidate()
        };
        assert!(!holds(&other_couple), "someone else's going couple");
        let after_breakup = Candidate {
            relationship_goes_on: false,
            ..candidate()
        };
        assert!(holds(&after_breakup), "the payer keeps it");
        let former_partner = Candidate {
            relationship_goes_on: false,
            payer_is_holder: false,
            ..candidate()
        };
        assert!(
            !holds(&former_partner),
            "the partner's inherited access ends"
        );
        let ended_gift = Candidate {
            relationship_goes_on: false,
            payer_was_member: false,
            ..candidate()
        };
        assert!(!holds(&ended_gift), "a gift follows nobody");
    }

    #[test]
    fn status_decides_with_grace_for_past_due() {
        let now = 1_795_000_000; // 2026-11-18
        assert_eq!(best_access(&[candidate()], 3, now).level, "premium");
        let canceled = Candidate {
            status: "canceled".into(),
            ..candidate()
        };
        assert_eq!(best_access(&[canceled], 3, now).level, "free");
        let due = Candidate {
            status: "past_due".into(),
            current_period_end: Some("2026-11-16T00:00:00.000Z".into()),
            ..candidate()
        };
        assert_eq!(
            best_access(std::slice::from_ref(&due), 3, now).level,
            "premium"
        );
        assert_eq!(best_access(&[due], 1, now).level, "free");
    }
}
