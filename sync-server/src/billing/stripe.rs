//! Stripe's HTTP API, the parts the server uses, with plain reqwest: form-encoded POSTs, a pinned
//! `Stripe-Version`, an `Idempotency-Key` on every POST (a retried request never charges twice),
//! and the base URL from the configuration (tests point it at a local server speaking Stripe's
//! shape).

use serde::Deserialize;
use serde_json::Value;

/// The API version every request asks for. Webhook payloads may come in other versions; their
/// parsing is lenient (see `events`).
pub const STRIPE_VERSION: &str = "2025-03-31.basil";

/// Why a Stripe call failed.
#[derive(Debug, thiserror::Error)]
pub enum StripeError {
    /// Stripe could not be reached.
    #[error("Stripe cannot be reached: {0}")]
    Unreachable(String),
    /// Stripe answered with an error.
    #[error("Stripe refused the request ({status}): {message}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// Stripe's message.
        message: String,
    },
    /// The answer was not what Stripe documents.
    #[error("Stripe's answer was not understood: {0}")]
    Unexpected(String),
}

/// A Stripe API client. Its `Debug` never shows the secret key.
#[derive(Clone)]
pub struct Stripe {
    http: reqwest::Client,
    base: String,
    secret_key: String,
}

impl std::fmt::Debug for Stripe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stripe")
            .field("base", &self.base)
            .field("secret_key", &"[redacted]")
            .finish()
    }
}

/// Whether `id` looks like a Stripe object id (`sub_…`, `in_…`): safe to put in a URL path.
pub fn is_object_id(id: &str) -> bool {
    (3..=255).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// A hosted page (Checkout or the customer portal) to send the person to.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct HostedSession {
    /// Stripe's id (`cs_…`, `bps_…`).
    pub id: String,
    /// Where to send the person.
    pub url: String,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    message: Option<String>,
}

impl Stripe {
    /// A client for `base` (such as `https://api.stripe.com`) with the secret key.
    pub fn new(base: &str, secret_key: &str) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(30))
                .build()
                .unwrap_or_default(),
            base: base.trim_end_matches('/').to_owned(),
            secret_key: secret_key.to_owned(),
        }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Value, StripeError> {
        let response = request
            .bearer_auth(&self.secret_key)
            .header("Stripe-Version", STRIPE_VERSION)
            .send()
            .await
            .map_err(|e| StripeError::Unreachable(e.to_string()))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| StripeError::Unreachable(e.to_string()))?;
        if !status.is_success() {
            let message = serde_json::from_str::<ErrorBody>(&text)
                .ok()
                .and_then(|b| b.error.message)
                .unwrap_or_else(|| status.to_string());
            return Err(StripeError::Refused {
                status: status.as_u16(),
                message,
            });
        }
        serde_json::from_str(&text).map_err(|e| StripeError::Unexpected(e.to_string()))
    }

    /// POSTs `form` to `path` with `idempotency_key`.
    pub async fn post(
        &self,
        path: &str,
        form: &[(String, String)],
        idempotency_key: &str,
    ) -> Result<Value, StripeError> {
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Idempotency-Key", idempotency_key)
            .form(form);
        self.send(request).await
    }

    /// GETs `path`.
    pub async fn get(&self, path: &str) -> Result<Value, StripeError> {
        self.send(self.http.get(format!("{}{path}", self.base)))
            .await
    }

    /// Creates a Checkout Session from `form` (see `checkout`).
    pub async fn create_checkout_session(
        &self,
        form: &[(String, String)],
        idempotency_key: &str,
    ) -> Result<HostedSession, StripeError> {
        hosted(
            self.post("/v1/checkout/sessions", form, idempotency_key)
                .await?,
        )
    }

    /// Creates a customer portal session for `customer`.
    pub async fn create_portal_session(
        &self,
        customer: &str,
        return_url: &str,
        idempotency_key: &str,
    ) -> Result<HostedSession, StripeError> {
        let form = vec![
            ("customer".to_owned(), customer.to_owned()),
            ("return_url".to_owned(), return_url.to_owned()),
        ];
        hosted(
            self.post("/v1/billing_portal/sessions", &form, idempotency_key)
                .await?,
        )
    }

    /// Stripe's current subscription object; `None` when Stripe no longer knows it.
    pub async fn retrieve_subscription(&self, id: &str) -> Result<Option<Value>, StripeError> {
        if !is_object_id(id) {
            return Err(StripeError::Unexpected(format!(
                "{id:?} is not a Stripe id"
            )));
        }
        match self.get(&format!("/v1/subscriptions/{id}")).await {
            Ok(value) => Ok(Some(value)),
            Err(StripeError::Refused { status: 404, .. }) => Ok(None),
            Err(other) => Err(other),
        }
    }
}

impl Stripe {
    /// DELETEs `path` (cancelling a subscription now).
    pub async fn delete(&self, path: &str) -> Result<Value, StripeError> {
        self.send(self.http.delete(format!("{}{path}", self.base)))
            .await
    }

    /// Stops renewing subscription `id` at the end of its paid period.
    pub async fn cancel_at_period_end(&self, id: &str) -> Result<(), StripeError> {
        check_id(id)?;
        let form = vec![("cancel_at_period_end".to_owned(), "true".to_owned())];
        self.post(
            &format!("/v1/subscriptions/{id}"),
            &form,
            &format!("cancel-at-period-end:{id}"),
        )
        .await
        .map(drop)
    }

    /// Cancels subscription `id` now (no further invoice); a subscription already canceled is fine.
    pub async fn cancel_now(&self, id: &str) -> Result<(), StripeError> {
        check_id(id)?;
        match self.delete(&format!("/v1/subscriptions/{id}")).await {
            Ok(_) | Err(StripeError::Refused { status: 404, .. }) => Ok(()),
            Err(other) => Err(other),
        }
    }

    /// Refunds in full what invoice `invoice` collected (its payment intent, as the pinned API
    /// version lists it under `payments`, or as older versions put it on the invoice; or its
    /// charge). `Ok(false)` when the invoice collected nothing to refund.
    pub async fn refund_invoice(
        &self,
        invoice: &str,
        idempotency_key: &str,
    ) -> Result<bool, StripeError> {
        check_id(invoice)?;
        let found = self
            .get(&format!("/v1/invoices/{invoice}?expand[]=payments"))
            .await?;
        let payment_intent = super::events::id_of(found.get("payment_intent")).or_else(|| {
            found
                .pointer("/payments/data")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .find_map(|p| super::events::id_of(p.pointer("/payment/payment_intent")))
        });
        let form = match (payment_intent, super::events::id_of(found.get("charge"))) {
            (Some(intent), _) => vec![("payment_intent".to_owned(), intent)],
            (None, Some(charge)) => vec![("charge".to_owned(), charge)],
            (None, None) => return Ok(false),
        };
        self.post("/v1/refunds", &form, idempotency_key).await?;
        Ok(true)
    }
}

fn check_id(id: &str) -> Result<(), StripeError> {
    if is_object_id(id) {
        Ok(())
    } else {
        Err(StripeError::Unexpected(format!(
            "{id:?} is not a Stripe id"
        )))
    }
}

fn hosted(value: Value) -> Result<HostedSession, StripeError> {
    serde_json::from_value(value).map_err(|e| StripeError::Unexpected(e.to_string()))
}
