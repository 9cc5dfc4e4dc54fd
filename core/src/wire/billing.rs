//! The billing routes' JSON bodies (`docs/billing.md`), shared by `together-server` and the device:
//! one definition of each request and answer, so neither side builds them by hand.

use serde::{Deserialize, Serialize};

/// The longest request id a client may send.
pub const MAX_REQUEST_ID_CHARS: usize = 64;

/// Whether `id` is a usable request id (the idempotency key of a purchase or an AI request): 1 to
/// 64 ASCII letters, digits, `-` or `_`, so it is safe in a header, a log line and a key.
pub fn is_request_id(id: &str) -> bool {
    (1..=MAX_REQUEST_ID_CHARS).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The shortest and longest discount code people can type, in characters: the operator's admin
/// command refuses others, and the app counts against the longest.
pub const DISCOUNT_CODE_LENGTH: std::ops::RangeInclusive<usize> = 3..=40;

/// `POST /v1/billing/checkout`: buy a plan for the caller's couple, or give it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CheckoutRequest {
    /// The plan (`GET /v1/plans`).
    pub plan_id: String,
    /// A discount code the person typed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_code: Option<String>,
    /// A gift for another couple: the email of one of its partners.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gift_to_email: Option<String>,
    /// A gift for the caller's own couple, bought ahead.
    #[serde(default)]
    pub gift: bool,
    /// Accepted from older apps and ignored: a retried request gets the couple's open checkout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// `POST /v1/billing/checkout` and `…/credits/checkout`: where to send the person to pay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckoutSession {
    /// Stripe's Checkout Session id.
    pub session_id: String,
    /// The hosted payment page.
    pub checkout_url: String,
}

/// `POST /v1/billing/credits/checkout`: buy a pack of AI credits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreditsCheckoutRequest {
    /// The pack (`GET /v1/addons`).
    pub addon_id: String,
    /// Makes a retried request reuse Stripe's session (see [`is_request_id`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9_-]{1,64}$"))]
    pub request_id: Option<String>,
}

/// `POST /v1/billing/portal`: the payer's Stripe customer portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalSession {
    /// The hosted portal page.
    pub url: String,
}

/// `GET /v1/ai/credits`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreditBalance {
    /// AI credits left.
    pub balance: i64,
}

/// How much of the app a couple has: the `level` of a signed [`super::Entitlement`] and of the
/// Premium screen. The wire words are the snake-case names (`free`, `premium`, `premium_plus`,
/// `lifetime`), the same the server stores as plan types.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AccessLevel {
    /// Nothing paid for (or it lapsed): every feature of the free app.
    #[default]
    Free,
    /// A Premium subscription.
    Premium,
    /// The larger Premium plan.
    PremiumPlus,
    /// Premium paid once, for good.
    Lifetime,
}

impl AccessLevel {
    /// Every level, for checks.
    pub const ALL: [Self; 4] = [Self::Free, Self::Premium, Self::PremiumPlus, Self::Lifetime];

    /// The word on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Free => "free",
            Self::Premium => "premium",
            Self::PremiumPlus => "premium_plus",
            Self::Lifetime => "lifetime",
        }
    }

    /// Whether Premium features are open at this level.
    pub const fn is_premium(self) -> bool {
        !matches!(self, Self::Free)
    }
}

impl std::fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for AccessLevel {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|level| level.as_str() == text)
            .ok_or_else(|| {
                format!("{text:?} is not an access level (free, premium, premium_plus, lifetime)")
            })
    }
}

/// The longest context a person may send with an AI request, in characters.
pub const MAX_IDEA_CONTEXT_CHARS: usize = 2000;

/// What AI ideas a person asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IdeaKind {
    /// Ideas for a date.
    DateIdeas,
    /// Questions to talk about.
    ConversationStarters,
}

impl IdeaKind {
    /// Every kind, for forms and checks.
    pub const ALL: [Self; 2] = [Self::DateIdeas, Self::ConversationStarters];

    /// The word on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::DateIdeas => "date_ideas",
            Self::ConversationStarters => "conversation_starters",
        }
    }
}

impl std::str::FromStr for IdeaKind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| {
                format!("{text:?} is not a kind of idea (date_ideas, conversation_starters)")
            })
    }
}

/// `POST /v1/ai/suggest`: ask the server's AI, paying with credits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SuggestRequest {
    /// What to ask for.
    pub kind: IdeaKind,
    /// What the couple chooses to share (interests, city...), at most 2,000 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub context: String,
    /// Makes a retried request spend once and ask once (see [`is_request_id`]).
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9_-]{1,64}$"))]
    pub request_id: String,
}

/// The answer of `POST /v1/ai/suggest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suggestions {
    /// One suggestion per entry.
    pub suggestions: Vec<String>,
    /// Credits left.
    pub balance: i64,
}

/// The answer to a Stripe webhook delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookAck {
    /// Always true: the event was stored.
    pub received: bool,
    /// The event was seen before and had no new effect.
    pub duplicate: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_short_safe_ascii() {
        assert!(is_request_id("q-1_A"));
        assert!(is_request_id(&"a".repeat(64)));
        assert!(!is_request_id(""));
        assert!(!is_request_id(&"a".repeat(65)));
        assert!(!is_request_id("é"));
        assert!(!is_request_id("a b"));
        assert!(!is_request_id("a\nb"));
    }

    #[test]
    fn access_levels_travel_as_the_words_the_server_signs() {
        for level in AccessLevel::ALL {
            let json = serde_json::to_string(&level).unwrap();
            assert_eq!(json, format!("\"{}\"", level.as_str()));
            assert_eq!(level.as_str().parse::<AccessLevel>(), Ok(level));
            assert_eq!(level.is_premium(), level != AccessLevel::Free);
        }
        assert!("gold".parse::<AccessLevel>().is_err());
    }

    #[test]
    fn idea_kinds_round_trip_through_their_words() {
        for kind in IdeaKind::ALL {
            assert_eq!(kind.as_str().parse::<IdeaKind>(), Ok(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
    }
}
