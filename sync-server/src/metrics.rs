//! The server's Prometheus metrics, served on the admin listener's `/metrics` ([`crate::admin`]).
//!
//! One [`Metrics`] per running server (not a global: tests run many servers in one process), held
//! by the API's state. Handlers count what only they know (appends, pull bytes, webhook outcomes,
//! sign-ins refused by the limiter, quota refusals, usage reports accepted and refused); the [`track`] middleware counts every request
//! by route and status with its latency; the gauges that describe the present (live sockets,
//! database size) are read when Prometheus scrapes, and so are the counts PostgreSQL's group
//! commit keeps of how it wrote its batches (the counters catch up with them).
//!
//! ## Architecture invariant
//! A label never carries text from outside: routes are the router's templates (never a raw path,
//! so no invite code or document id), methods outside the standard set are counted as `other`,
//! and statuses and the group commit's ways are the server's own. The number of series is bounded by the code, not by callers.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::storage::GroupCommitWays;

/// Latency buckets, in seconds: from a cached health check to a slow page of a large pull.
const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// Entries per append request: one edit up to the 1000-entry limit of a catch-up upload.
const BATCH_BUCKETS: [f64; 10] = [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0];

/// What a request is counted by.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
}

/// What a request's latency is counted by.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: String,
}

/// What a Stripe webhook delivery came to.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub enum WebhookOutcome {
    /// A new event, applied.
    Applied,
    /// An event already applied, acknowledged again.
    Duplicate,
    /// Not accepted: a bad signature, a malformed body, webhooks not configured.
    Refused,
    /// Accepted but not applied (the database or Stripe failed); Stripe retries it.
    Failed,
}

impl WebhookOutcome {
    fn label(self) -> &'static str {
        match self {
            Self::Applied => "applied",
            Self::Duplicate => "duplicate",
            Self::Refused => "refused",
            Self::Failed => "failed",
        }
    }
}

/// The label of a webhook outcome.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

/// Constructs the latency histograms of a [`Family`].
type LatencyFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

/// Every metric the server exports, registered once in its own registry.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: LatencyFamily,
    live_sockets: Gauge,
    appended_entries: Counter,
    append_batches: Histogram,
    pull_bytes: Counter,
    webhooks: Family<OutcomeLabels, Counter>,
    login_limited: Counter,
    quota_refusals: Counter,
    database_bytes: Gauge,
    usage_reports: Family<OutcomeLabels, Counter>,
    token_checks: Family<SourceLabels, Counter>,
    group_commit: Family<WayLabels, Counter>,
    /// Held while the group commit's counters catch up with the backend's at a scrape, so two
    /// scrapes at once never add the same batches twice.
    group_commit_catching_up: std::sync::Mutex<()>,
}

/// How a batch of appends was written (PostgreSQL's group commit).
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct WayLabels {
    way: &'static str,
}

/// Where a device token's check was answered.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SourceLabels {
    source: &'static str,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A registry with every metric at zero.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("together");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route template and status",
            requests.clone(),
        );
        let latency: LatencyFamily = Family::new_with_constructor(latency_histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's arrival to its response's headers, by method and route template",
            latency.clone(),
        );
        let live_sockets = Gauge::default();
        registry.register(
            "live_sockets",
            "Devices connected to the live WebSocket now",
            live_sockets.clone(),
        );
        let appended_entries = Counter::default();
        registry.register(
            "appended_entries",
            "Encrypted entries appended to document logs (idempotent repeats included)",
            appended_entries.clone(),
        );
        let append_batches = Histogram::new(BATCH_BUCKETS);
        registry.register(
            "append_batch_entries",
            "Entries per accepted append request",
            append_batches.clone(),
        );
        let pull_bytes = Counter::default();
        registry.register(
            "pull_bytes",
            "Ciphertext bytes sent in pull pages (before base64)",
            pull_bytes.clone(),
        );
        let webhooks = Family::<OutcomeLabels, Counter>::default();
        // Every outcome exists from the start, at zero: an alert on `failed` works before the
        // first failure.
        for outcome in [
            WebhookOutcome::Applied,
            WebhookOutcome::Duplicate,
            WebhookOutcome::Refused,
            WebhookOutcome::Failed,
        ] {
            webhooks
                .get_or_create(&OutcomeLabels {
                    outcome: outcome.label(),
                })
                .inc_by(0);
        }
        registry.register(
            "webhook_events",
            "Stripe webhook deliveries by outcome (applied, duplicate, refused, failed)",
            webhooks.clone(),
        );
        let login_limited = Counter::default();
        registry.register(
            "login_limited",
            "Sign-ins refused by the failed-login limits (429)",
            login_limited.clone(),
        );
        let quota_refusals = Counter::default();
        registry.register(
            "quota_refusals",
            "Uploads refused because the account's storage quota is used up (507)",
            quota_refusals.clone(),
        );
        let usage_reports = Family::<OutcomeLabels, Counter>::default();
        for outcome in ["accepted", "refused"] {
            usage_reports
                .get_or_create(&OutcomeLabels { outcome })
                .inc_by(0);
        }
        registry.register(
            "usage_reports",
            "Opt-in usage reports (POST /v1/usage) by outcome (accepted, refused)",
            usage_reports.clone(),
        );
        let token_checks = Family::<SourceLabels, Counter>::default();
        for source in ["cache", "database"] {
            token_checks
                .get_or_create(&SourceLabels { source })
                .inc_by(0);
        }
        registry.register(
            "token_checks",
            "Device tokens checked, by where the answer came from (cache: checked in the database \
             less than ten seconds ago; database)",
            token_checks.clone(),
        );
        let group_commit = Family::<WayLabels, Counter>::default();
        registry.register(
            "group_commit_batches",
            "Batches of appends PostgreSQL's group commit wrote, by way (one_statement: on what \
             the writer knew; assumed_wrong and failed: tried so, then read first; read_first; \
             one_by_one); read from the backend at each scrape, absent on SQLite",
            group_commit.clone(),
        );
        let database_bytes = Gauge::default();
        registry.register(
            "database_bytes",
            "Size of the server's database in bytes, read at each scrape",
            database_bytes.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            live_sockets,
            appended_entries,
            append_batches,
            pull_bytes,
            webhooks,
            login_limited,
            quota_refusals,
            database_bytes,
            usage_reports,
            token_checks,
            group_commit,
            group_commit_catching_up: std::sync::Mutex::new(()),
        }
    }

    /// A device token checked: from the recent checks (`cached`) or in the database.
    pub fn token_checked(&self, cached: bool) {
        let source = if cached { "cache" } else { "database" };
        self.token_checks
            .get_or_create(&SourceLabels { source })
            .inc();
    }

    /// A usage report accepted (stored) or refused (malformed, out of range, too many).
    pub fn usage_report(&self, accepted: bool) {
        let outcome = if accepted { "accepted" } else { "refused" };
        self.usage_reports
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
    }

    /// One accepted append request of `entries` entries.
    pub fn appended(&self, entries: usize) {
        self.appended_entries
            .inc_by(u64::try_from(entries).unwrap_or(u64::MAX));
        #[allow(clippy::cast_precision_loss)] // at most 1000 entries per request
        self.append_batches.observe(entries as f64);
    }

    /// A pull page of `bytes` ciphertext bytes sent.
    pub fn pulled(&self, bytes: usize) {
        self.pull_bytes
            .inc_by(u64::try_from(bytes).unwrap_or(u64::MAX));
    }

    /// A Stripe webhook delivery's outcome.
    pub fn webhook(&self, outcome: WebhookOutcome) {
        self.webhooks
            .get_or_create(&OutcomeLabels {
                outcome: outcome.label(),
            })
            .inc();
    }

    /// A sign-in refused by the failed-login limits.
    pub fn login_limited(&self) {
        self.login_limited.inc();
    }

    /// The registry in Prometheus' text format, with the gauges of the present set first and the
    /// group commit's counters brought up to the backend's counts.
    pub fn render(
        &self,
        live_sockets: usize,
        database_bytes: Option<u64>,
        group_commit: Option<GroupCommitWays>,
    ) -> String {
        self.live_sockets
            .set(i64::try_from(live_sockets).unwrap_or(i64::MAX));
        if let Some(bytes) = database_bytes {
            self.database_bytes
                .set(i64::try_from(bytes).unwrap_or(i64::MAX));
        }
        if let Some(ways) = group_commit {
            let _catching_up = self
                .group_commit_catching_up
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for (way, count) in [
                ("one_statement", ways.one_statement),
                ("assumed_wrong", ways.assumed_wrong),
                ("failed", ways.failed),
                ("read_first", ways.read_first),
                ("one_by_one", ways.one_by_one),
            ] {
                let counter = self.group_commit.get_or_create(&WayLabels { way });
                // The backend's counts only grow: add what is new since the last scrape.
                counter.inc_by(count.saturating_sub(counter.get()));
            }
        }
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }

    fn request(&self, method: &'static str, route: String, status: StatusCode, seconds: f64) {
        if status == StatusCode::INSUFFICIENT_STORAGE {
            // The only 507 the server answers is a full quota.
            self.quota_refusals.inc();
        }
        self.latency
            .get_or_create(&RouteLabels {
                method,
                route: route.clone(),
            })
            .observe(seconds);
        self.requests
            .get_or_create(&RequestLabels {
                method,
                route,
                status: status.as_u16(),
            })
            .inc();
    }
}

/// A method as a label: the standard ones by name, anything else `other`.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Middleware counting every request by method, route template and status, with its latency.
pub async fn track(
    State(metrics): State<std::sync::Arc<Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("(no route)", MatchedPath::as_str)
        .to_owned();
    let response = next.run(request).await;
    metrics.request(
        method,
        route,
        response.status(),
        started.elapsed().as_secs_f64(),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_names_every_metric_and_counts_move() {
        let metrics = Metrics::new();
        metrics.appended(3);
        metrics.pulled(1234);
        metrics.webhook(WebhookOutcome::Duplicate);
        metrics.login_limited();
        metrics.usage_report(true);
        metrics.usage_report(false);
        metrics.usage_report(false);
        metrics.request(
            "PUT",
            "/v1/docs/{doc_id}/entries".into(),
            StatusCode::INSUFFICIENT_STORAGE,
            0.002,
        );
        let text = metrics.render(2, Some(4096), None);
        for line in [
            "together_appended_entries_total 3",
            "together_pull_bytes_total 1234",
            "together_webhook_events_total{outcome=\"duplicate\"} 1",
            "together_login_limited_total 1",
            "together_usage_reports_total{outcome=\"accepted\"} 1",
            "together_usage_reports_total{outcome=\"refused\"} 2",
            "together_quota_refusals_total 1",
            "together_live_sockets 2",
            "together_database_bytes 4096",
            "together_append_batch_entries_count 1",
            "together_http_requests_total{method=\"PUT\",route=\"/v1/docs/{doc_id}/entries\",status=\"507\"} 1",
            "together_http_request_duration_seconds_count{method=\"PUT\",route=\"/v1/docs/{doc_id}/entries\"} 1",
        ] {
            assert!(text.contains(line), "{line} missing from:\n{text}");
        }
    }

    #[test]
    fn an_unknown_method_is_one_label() {
        let odd = Method::from_bytes(b"FROBNICATE").unwrap();
        assert_eq!(method_label(&odd), "other");
        assert_eq!(method_label(&Method::GET), "GET");
    }
}
