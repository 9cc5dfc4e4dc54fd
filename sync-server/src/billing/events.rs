//! Reading Stripe events leniently across API versions: ids that may be strings or expanded
//! objects, subscription periods at the top level (before 2025-03-31) or on the items (after), the
//! invoice's subscription at the top level or under `parent`.

use serde_json::{Map, Value};

/// A webhook event, as much of it as the server uses, plus the raw JSON to store.
#[derive(Debug, Clone)]
pub struct Event {
    /// `evt_…`.
    pub id: String,
    /// Such as `invoice.paid`.
    pub event_type: String,
    /// When Stripe created it (Unix seconds).
    pub created: i64,
    /// `data.object`.
    pub object: Value,
}

/// Why a body is not an event.
#[derive(Debug, thiserror::Error)]
#[error("not a Stripe event: {0}")]
pub struct NotAnEvent(pub String);

impl Event {
    /// Parses a webhook body.
    pub fn parse(body: &[u8]) -> Result<Self, NotAnEvent> {
        let value: Value = serde_json::from_slice(body).map_err(|e| NotAnEvent(e.to_string()))?;
        let text = |key: &str| {
            value
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| NotAnEvent(format!("no {key}")))
        };
        Ok(Self {
            id: text("id")?,
            event_type: text("type")?,
            created: value.get("created").and_then(Value::as_i64).unwrap_or(0),
            object: value
                .get("data")
                .and_then(|d| d.get("object"))
                .cloned()
                .ok_or_else(|| NotAnEvent("no data.object".into()))?,
        })
    }
}

/// An id field that may be a string or an expanded object with an `id`.
pub fn id_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(id) => Some(id.clone()),
        Value::Object(object) => object.get("id").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

/// A string field.
pub fn text(object: &Value, key: &str) -> Option<String> {
    object.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// An integer field.
pub fn int(object: &Value, key: &str) -> Option<i64> {
    object.get(key).and_then(Value::as_i64)
}

/// The object's `metadata`, empty when absent.
pub fn metadata(object: &Value) -> Map<String, Value> {
    object
        .get("metadata")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// A metadata value.
pub fn meta(object: &Value, key: &str) -> Option<String> {
    metadata(object)
        .get(key)
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// A subscription's state as Stripe reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionState {
    /// `sub_…`.
    pub id: String,
    /// `cus_…`.
    pub customer: Option<String>,
    /// Stripe's status word.
    pub status: String,
    /// Ends at the period's end.
    pub cancel_at_period_end: bool,
    /// Current period (Unix seconds).
    pub period_start: Option<i64>,
    /// Current period end (Unix seconds).
    pub period_end: Option<i64>,
    /// The first item's price.
    pub price_id: Option<String>,
    /// Its amount.
    pub unit_amount: Option<i64>,
    /// `month`, `year`.
    pub interval: Option<String>,
    /// When it was canceled (Unix seconds).
    pub canceled_at: Option<i64>,
    /// When it started (Unix seconds).
    pub created: Option<i64>,
    /// Our metadata (relationship, payer, gift).
    pub relationship_id: Option<String>,
    /// Who pays.
    pub user_id: Option<String>,
    /// Who gave it, for a gift.
    pub gift_from_user_id: Option<String>,
}

/// Reads a subscription object of any API version.
pub fn subscription_state(object: &Value) -> Option<SubscriptionState> {
    if object.get("object").and_then(Value::as_str) != Some("subscription") {
        return None;
    }
    let first_item = object
        .get("items")
        .and_then(|i| i.get("data"))
        .and_then(Value::as_array)
        .and_then(|items| items.first());
    let price = first_item
        .and_then(|item| item.get("price").or_else(|| item.get("plan")))
        .or_else(|| object.get("plan"));
    let period = |key: &str| int(object, key).or_else(|| first_item.and_then(|i| int(i, key)));
    Some(SubscriptionState {
        id: text(object, "id")?,
        customer: id_of(object.get("customer")),
        status: text(object, "status")?,
        cancel_at_period_end: object
            .get("cancel_at_period_end")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        period_start: period("current_period_start"),
        period_end: period("current_period_end"),
        price_id: price.and_then(|p| text(p, "id")),
        unit_amount: price.and_then(|p| int(p, "unit_amount").or_else(|| int(p, "amount"))),
        interval: price.and_then(|p| {
            p.get("recurring")
                .and_then(|r| text(r, "interval"))
                .or_else(|| text(p, "interval"))
        }),
        canceled_at: int(object, "canceled_at"),
        created: int(object, "start_date").or_else(|| int(object, "created")),
        relationship_id: meta(object, "relationship_id"),
        user_id: meta(object, "user_id"),
        gift_from_user_id: meta(object, "gift_from_user_id"),
    })
}

/// The subscription an invoice belongs to, in any API version.
pub fn invoice_subscription(invoice: &Value) -> Option<String> {
    id_of(invoice.get("subscription")).or_else(|| {
        invoice
            .get("parent")
            .and_then(|p| p.get("subscription_details"))
            .and_then(|d| id_of(d.get("subscription")))
    })
}

/// The kind of payment a Checkout Session made.
pub fn payment_kind(session: &Value) -> &'static str {
    match meta(session, "kind").as_deref() {
        Some("credits") => "ai_credits",
        Some("addon") => "addon",
        Some("gift") => "gift",
        _ => "subscription",
    }
}

/// A payment as one event tells of it (each backend stores it with its own SQL).
pub struct PaymentRow {
    /// The Stripe subscription an invoice belongs to.
    pub stripe_subscription: Option<String>,
    /// `subscription`, `ai_credits`, `addon`, `gift`.
    pub kind: &'static str,
    /// Cents.
    pub amount: i64,
    /// Payment status.
    pub status: &'static str,
    /// Our subscription row.
    pub subscription: Option<String>,
    /// The payer.
    pub user: Option<String>,
    /// The couple.
    pub relationship: Option<String>,
    /// When it happened (RFC 3339).
    pub created_at: String,
    /// How it was paid.
    pub method: Option<String>,
}

/// A payment's status once `refunded` of its `amount` (cents) went back.
pub fn refund_status(refunded: i64, amount: i64) -> &'static str {
    if refunded >= amount {
        "refunded"
    } else {
        "partially_refunded"
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn periods_are_found_before_and_after_they_moved_to_items() {
        let old = json!({ "object": "subscription", "id": "sub_1", "status": "active",
            "customer": "cus_1", "current_period_start": 10, "current_period_end": 20,
            "plan": { "id": "price_1", "amount": 999, "interval": "month" } });
        let new = json!({ "object": "subscription", "id": "sub_1", "status": "active",
            "customer": { "id": "cus_1" },
            "items": { "data": [ { "current_period_start": 10, "current_period_end": 20,
                "price": { "id": "price_1", "unit_amount": 999, "recurring": { "interval": "month" } } } ] } });
        let (old, new) = (
            subscription_state(&old).unwrap(),
            subscription_state(&new).unwrap(),
        );
        assert_eq!(old, new);
        assert_eq!(new.period_end, Some(20));
        assert_eq!(new.unit_amount, Some(999));
        assert_eq!(new.customer.as_deref(), Some("cus_1"));
    }

    #[test]
    fn the_invoice_subscription_is_found_in_both_shapes() {
        assert_eq!(
            invoice_subscription(&json!({ "subscription": "sub_1" })).as_deref(),
            Some("sub_1")
        );
        assert_eq!(
            invoice_subscription(
                &json!({ "parent": { "subscription_details": { "subscription": "sub_2" } } })
            )
            .as_deref(),
            Some("sub_2")
        );
        assert!(Event::parse(b"{\"id\":1}").is_err());
    }
}
