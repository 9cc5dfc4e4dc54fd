//! The sync server's HTTP API as seen from a device (`docs/sync-protocol.md`).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;
use serde::de::DeserializeOwned;
use together_core::wire::billing::{
    CheckoutRequest, CheckoutSession, CreditBalance, CreditsCheckoutRequest, IdeaKind,
    SuggestRequest, Suggestions,
};
use together_core::wire::{
    AppendRequest, AppendResponse, CreateInviteRequest, CreateRelationshipRequest, DocInfo,
    ErrorBody, InviteResponse, KeyBundle, LoginRequest, NewEntry, PullResponse,
    RedeemInviteRequest, RedeemInviteResponse, RelationshipInfo, SessionResponse, SignupRequest,
};

use super::SyncError;

/// A connection to one sync server, signed in or not.
#[derive(Debug, Clone)]
pub struct Api {
    base: String,
    token: Option<String>,
    http: reqwest::Client,
}

impl Api {
    /// A client for the server at `base` (such as `https://sync.example.com`); plain `http://`
    /// only as [`super::server_url`] allows.
    pub fn new(base: &str, token: Option<String>) -> Result<Self, SyncError> {
        let base = base.trim().trim_end_matches('/').to_owned();
        super::server_url::check_server_url(&base, super::server_url::http_opted_in())?;
        // rustls with the ring provider; installing it twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|e| SyncError::Config(e.to_string()))?;
        Ok(Self { base, token, http })
    }

    /// The server's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    async fn send<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, SyncError> {
        let request = match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        };
        let response = request
            .send()
            .await
            .map_err(|e| SyncError::Offline(e.to_string()))?;
        let status = response.status();
        if status.is_success() {
            // Some answers have no body (204, or 200 for a snapshot another device already beat).
            let body = response
                .bytes()
                .await
                .map_err(|e| SyncError::Offline(e.to_string()))?;
            let body: &[u8] = if body.is_empty() { b"null" } else { &body };
            return serde_json::from_slice(body).map_err(|e| SyncError::Protocol(e.to_string()));
        }
        let (message, code) = response
            .json::<ErrorBody>()
            .await
            .map(|b| (b.error, b.code))
            .unwrap_or_else(|_| (status.to_string(), None));
        Err(SyncError::Refused {
            status: status.as_u16(),
            message,
            code,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, SyncError> {
        self.send(self.http.post(self.url(path)).json(body)).await
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, SyncError> {
        self.send(self.http.get(self.url(path))).await
    }

    /// Creates an account (the password stays on the device: only `auth_secret` is sent).
    pub async fn signup(
        &self,
        email: &str,
        auth_secret: &[u8; 32],
        user_id: &str,
        device_name: &str,
        signup_code: Option<&str>,
    ) -> Result<SessionResponse, SyncError> {
        let body = SignupRequest {
            email: email.to_owned(),
            name: None,
            auth_secret: STANDARD.encode(auth_secret),
            device_name: device_name.to_owned(),
            user_id: Some(user_id.to_owned()),
            signup_code: signup_code.map(str::to_owned),
        };
        self.post("/v1/accounts", &body).await
    }

    /// Signs this device in.
    pub async fn login(
        &self,
        email: &str,
        auth_secret: &[u8; 32],
        device_name: &str,
    ) -> Result<SessionResponse, SyncError> {
        let body = LoginRequest {
            email: email.to_owned(),
            auth_secret: STANDARD.encode(auth_secret),
            device_name: device_name.to_owned(),
        };
        self.post("/v1/sessions", &body).await
    }

    /// Sends one day's opt-in usage counts (`POST /v1/usage`). Never signed: the report must not
    /// be tied to an account (`together_core::wire::usage`).
    pub async fn send_usage(
        &self,
        report: &together_core::wire::usage::UsageReport,
    ) -> Result<(), SyncError> {
        self.send::<()>(self.http.post(self.url("/v1/usage")).json(report))
            .await
    }

    /// Signs this device out.
    pub async fn logout(&self) -> Result<(), SyncError> {
        self.send::<()>(self.http.delete(self.url("/v1/sessions/current")))
            .await
    }

    /// Deletes the account on the server (devices, keys, the person's own documents).
    pub async fn delete_account(&self) -> Result<(), SyncError> {
        self.send::<()>(self.http.delete(self.url("/v1/account")))
            .await
    }

    /// The plans the server sells (`GET /v1/plans`); an empty list from a server without billing.
    pub async fn plans(&self) -> Result<Vec<together_core::view::PlanView>, SyncError> {
        match self.get("/v1/plans").await {
            Err(SyncError::Refused { status: 404, .. }) => Ok(Vec::new()),
            other => other,
        }
    }

    /// The couple's signed entitlement; `None` from a server that sells nothing.
    pub async fn entitlements(
        &self,
    ) -> Result<Option<together_core::wire::SignedEntitlement>, SyncError> {
        match self.get("/v1/entitlements").await {
            Ok(signed) => Ok(Some(signed)),
            Err(SyncError::Refused {
                status: 404 | 503, ..
            }) => Ok(None),
            Err(other) => Err(other),
        }
    }

    /// Add-ons on sale (credit packs); empty from a server that sells none.
    pub async fn addons(&self) -> Result<Vec<together_core::view::AddonView>, SyncError> {
        match self.get("/v1/addons").await {
            Err(SyncError::Refused {
                status: 404 | 503, ..
            }) => Ok(Vec::new()),
            other => other,
        }
    }

    /// The person's AI-credit balance.
    pub async fn credits(&self) -> Result<i64, SyncError> {
        self.get::<CreditBalance>("/v1/ai/credits")
            .await
            .map(|answer| answer.balance)
    }

    /// Asks for AI suggestions, spending credits once per `request_id`.
    pub async fn suggest(
        &self,
        kind: IdeaKind,
        context: &str,
        request_id: &str,
    ) -> Result<Suggestions, SyncError> {
        let body = SuggestRequest {
            kind,
            context: context.to_owned(),
            request_id: request_id.to_owned(),
        };
        self.post("/v1/ai/suggest", &body).await
    }

    /// Starts paying for a credit pack (Stripe Checkout, one-time).
    pub async fn buy_addon(&self, addon_id: &str) -> Result<CheckoutSession, SyncError> {
        let body = CreditsCheckoutRequest {
            addon_id: addon_id.to_owned(),
            request_id: None,
        };
        self.post("/v1/billing/credits/checkout", &body).await
    }

    /// Starts paying for `plan_id` (Stripe Checkout); refused while the couple is entitled.
    pub async fn checkout(
        &self,
        plan_id: &str,
        discount_code: Option<&str>,
    ) -> Result<CheckoutSession, SyncError> {
        let body = CheckoutRequest {
            plan_id: plan_id.to_owned(),
            discount_code: discount_code.map(str::to_owned),
            gift_to_email: None,
            gift: false,
            request_id: None,
        };
        self.post("/v1/billing/checkout", &body).await
    }

    /// The account's signed-in devices.
    pub async fn devices(&self) -> Result<Vec<together_core::wire::DeviceInfo>, SyncError> {
        self.get("/v1/devices").await
    }

    /// Signs one of the account's devices out.
    pub async fn revoke(&self, device_id: &str) -> Result<(), SyncError> {
        self.send::<()>(
            self.http
                .delete(self.url(&format!("/v1/devices/{device_id}"))),
        )
        .await
    }

    /// Registers a relationship made on this device (harmless when already registered).
    pub async fn register_relationship(&self, relationship_id: &str) -> Result<(), SyncError> {
        let body = CreateRelationshipRequest {
            relationship_id: relationship_id.to_owned(),
        };
        self.post::<_, RelationshipInfo>("/v1/relationships", &body)
            .await
            .map(drop)
    }

    /// The relationships of the signed-in account.
    pub async fn relationships(&self) -> Result<Vec<RelationshipInfo>, SyncError> {
        self.get("/v1/relationships").await
    }

    /// The relationship's invites with their state, newest first.
    pub async fn invites(
        &self,
        relationship_id: &str,
    ) -> Result<Vec<together_core::wire::InviteInfo>, SyncError> {
        self.get(&format!("/v1/relationships/{relationship_id}/invites"))
            .await
    }

    /// Stores an invite: the hash of its secret and the sealed relationship key.
    pub async fn invite(
        &self,
        relationship_id: &str,
        secret_hash: &[u8; 32],
        wrapped_key: &[u8],
    ) -> Result<InviteResponse, SyncError> {
        let body = CreateInviteRequest {
            secret_hash: STANDARD.encode(secret_hash),
            expires_in_days: None,
            wrapped_key: Some(STANDARD.encode(wrapped_key)),
        };
        self.post(
            &format!("/v1/relationships/{relationship_id}/invites"),
            &body,
        )
        .await
    }

    /// Redeems an invite secret.
    pub async fn redeem(&self, secret: &[u8]) -> Result<RedeemInviteResponse, SyncError> {
        self.post(
            "/v1/invites/redeem",
            &RedeemInviteRequest {
                secret: STANDARD.encode(secret),
            },
        )
        .await
    }

    /// Leaves a relationship.
    pub async fn leave(&self, relationship_id: &str) -> Result<(), SyncError> {
        self.send::<()>(
            self.http
                .delete(self.url(&format!("/v1/relationships/{relationship_id}/membership"))),
        )
        .await
    }

    /// The documents the account can reach, with their latest seq.
    pub async fn documents(&self) -> Result<Vec<DocInfo>, SyncError> {
        self.get("/v1/docs").await
    }

    /// Appends sealed entries to a document's log.
    pub async fn append(
        &self,
        doc_id: &str,
        entries: Vec<(String, Vec<u8>)>,
    ) -> Result<AppendResponse, SyncError> {
        let body = AppendRequest {
            entries: entries
                .into_iter()
                .map(|(entry_id, sealed)| NewEntry {
                    entry_id,
                    ciphertext: STANDARD.encode(sealed),
                })
                .collect(),
        };
        self.post(&format!("/v1/docs/{doc_id}/entries"), &body)
            .await
    }

    /// One page of a document's log after `after`.
    pub async fn pull(&self, doc_id: &str, after: i64) -> Result<PullResponse, SyncError> {
        self.get(&format!(
            "/v1/docs/{doc_id}/entries?after={after}&limit=500"
        ))
        .await
    }

    /// Stores a sealed snapshot covering the log up to `covers_seq`.
    pub async fn put_snapshot(
        &self,
        doc_id: &str,
        covers_seq: i64,
        sealed: &[u8],
    ) -> Result<(), SyncError> {
        let body = together_core::wire::Snapshot {
            covers_seq,
            ciphertext: STANDARD.encode(sealed),
        };
        let request = self
            .http
            .put(self.url(&format!("/v1/docs/{doc_id}/snapshot")))
            .json(&body);
        match self.send::<serde_json::Value>(request).await {
            Ok(_) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The newest sealed snapshot of a document: (covers_seq, sealed bytes).
    pub async fn snapshot(&self, doc_id: &str) -> Result<Option<(i64, Vec<u8>)>, SyncError> {
        match self
            .get::<together_core::wire::Snapshot>(&format!("/v1/docs/{doc_id}/snapshot"))
            .await
        {
            Ok(snapshot) => STANDARD
                .decode(snapshot.ciphertext)
                .map(|bytes| Some((snapshot.covers_seq, bytes)))
                .map_err(|e| SyncError::Protocol(e.to_string())),
            Err(SyncError::Refused { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Stores the account's sealed key bundle.
    pub async fn put_keys(&self, sealed: &[u8]) -> Result<(), SyncError> {
        let body = KeyBundle {
            bundle: STANDARD.encode(sealed),
        };
        self.send::<()>(self.http.put(self.url("/v1/keys")).json(&body))
            .await
    }

    /// The account's sealed key bundle, if one was stored.
    pub async fn keys(&self) -> Result<Option<Vec<u8>>, SyncError> {
        match self.get::<KeyBundle>("/v1/keys").await {
            Ok(bundle) => STANDARD
                .decode(bundle.bundle)
                .map(Some)
                .map_err(|e| SyncError::Protocol(e.to_string())),
            Err(SyncError::Refused { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
