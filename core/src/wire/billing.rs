//! The billing routes' JSON bodies (`docs/billing.md`), shared by `together-server` and the device:
//! one definition of each request and answer, so neither side builds them by hand.

use serde::{Deserialize, Serialize};

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
    /// Makes a retried request reuse Stripe's session (1–64 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
    pub context: String,
    /// Makes a retried request spend once and ask once (1–64 letters, digits, `-`, `_`).
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
