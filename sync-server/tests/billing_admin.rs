//! The operator's billing commands, as run from a shell against a live server (either backend):
//! what is for sale follows them at once, and a mistake gets a message that names it. The runtime
//! has its own threads: the test blocks on the admin process while the in-process server (its revenue
//! job holds the billing lock for a moment) must keep going.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use std::process::Command;

use common::Server;
use common::billing::{add_plan, admin, billing_server, couple};
use common::fake_stripe::FakeStripe;
use serde_json::{Value, json};

/// Runs an admin command that must fail; its stderr.
fn admin_refused(server: &Server, args: &[&str]) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_together-server"));
    command
        .args(args)
        .arg("--data-dir")
        .arg(server.dir.path().join("server-data"));
    if let Some(url) = &server.database_url {
        command.arg("--database-url").arg(url);
    }
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{args:?} must fail");
    String::from_utf8(output.stderr).unwrap()
}

fn create_code(code: &str) -> Vec<&str> {
    vec![
        "discounts",
        "create",
        "--code",
        code,
        "--percent",
        "20",
        "--stripe-coupon",
        "coupon_x",
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_too_short_a_duplicate_and_a_past_date_each_get_their_own_message() {
    let stripe = FakeStripe::start().await;
    let server = billing_server(&stripe, false).await;
    let short = admin_refused(&server, &create_code("AB"));
    assert!(
        short.contains("a discount code is 3 to 40 characters (got 2)"),
        "{short}"
    );
    admin(&server, &create_code("LOVE20"));
    let twice = admin_refused(&server, &create_code("love20"));
    assert!(
        twice.contains("a discount code with these letters exists already"),
        "{twice}"
    );
    let mut past = create_code("SPRING");
    past.extend(["--valid-until", "2020-01-31"]);
    let refused = admin_refused(&server, &past);
    assert!(
        refused.contains("--valid-until is in the past"),
        "{refused}"
    );
    let listed: Value =
        serde_json::from_str(&admin(&server, &["discounts", "list", "--json"])).unwrap();
    let codes: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["LOVE20"], "nothing else was stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deactivated_code_is_refused_at_checkout_until_it_is_activated_again() {
    let stripe = FakeStripe::start().await;
    let server = billing_server(&stripe, false).await;
    let plan = add_plan(&server);
    admin(&server, &create_code("LOVE20"));
    assert_eq!(
        admin(&server, &["discounts", "deactivate", "love20"]),
        "inactive"
    );
    let pair = couple(&server, "a@example.com", "b@example.com").await;
    let refused = pair
        .a
        .post(
            "/v1/billing/checkout",
            json!({ "plan_id": plan, "discount_code": "LOVE20" }),
        )
        .await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(refused.body["error"], "this discount code is not valid");
    let listed: Value =
        serde_json::from_str(&admin(&server, &["discounts", "list", "--json"])).unwrap();
    assert_eq!(listed[0]["is_active"], false);

    assert_eq!(
        admin(&server, &["discounts", "activate", "LOVE20"]),
        "active"
    );
    let opened = pair
        .a
        .post(
            "/v1/billing/checkout",
            json!({ "plan_id": plan, "discount_code": "LOVE20" }),
        )
        .await;
    assert_eq!(opened.status, 201, "{}", opened.body);
    let missing = admin_refused(&server, &["discounts", "deactivate", "NOPE99"]);
    assert!(missing.contains("no discount code NOPE99"), "{missing}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_active_items_with_a_stripe_price_are_for_sale() {
    let stripe = FakeStripe::start().await;
    let server = billing_server(&stripe, false).await;
    let priced = add_plan(&server);
    let unpriced = admin(
        &server,
        &["plans", "add", "--name", "Draft", "--price-cents", "500"],
    );
    let pack = admin(
        &server,
        &[
            "addons",
            "add",
            "--name",
            "20 ideas",
            "--price-cents",
            "499",
            "--stripe-price",
            "price_pack",
            "--credits",
            "20",
        ],
    );
    let anyone = common::Device::anonymous(&server);
    let plans = anyone.get("/v1/plans").await;
    let ids: Vec<&str> = plans
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [priced.as_str()],
        "the plan without a price is not offered"
    );
    let listing = admin(&server, &["plans", "list"]);
    let draft = listing.lines().find(|l| l.starts_with(&unpriced)).unwrap();
    assert!(draft.ends_with("not sold (no Stripe price)"), "{draft}");

    assert_eq!(anyone.get("/v1/addons").await.body[0]["id"], pack.as_str());
    assert_eq!(admin(&server, &["addons", "deactivate", &pack]), "off sale");
    assert_eq!(anyone.get("/v1/addons").await.body, json!([]));
    let pair = couple(&server, "a@example.com", "b@example.com").await;
    let refused = pair
        .a
        .post(
            "/v1/billing/credits/checkout",
            json!({ "addon_id": pack, "request_id": "r1" }),
        )
        .await;
    assert_eq!(refused.status, 404, "{}", refused.body);
    let listed: Value =
        serde_json::from_str(&admin(&server, &["addons", "list", "--json"])).unwrap();
    assert_eq!(
        listed[0]["is_active"], false,
        "still listed for the operator"
    );
    assert_eq!(admin(&server, &["addons", "activate", &pack]), "on sale");
    assert_eq!(anyone.get("/v1/addons").await.body[0]["id"], pack.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revenue_ranges_are_checked_before_anything_is_read_or_written() {
    let stripe = FakeStripe::start().await;
    let server = billing_server(&stripe, false).await;
    let backwards = admin_refused(
        &server,
        &[
            "revenue",
            "show",
            "--from",
            "2026-11-30",
            "--to",
            "2026-11-01",
        ],
    );
    assert!(
        backwards.contains("--from 2026-11-30 is after --to 2026-11-01"),
        "{backwards}"
    );
    let centuries = admin_refused(
        &server,
        &[
            "revenue",
            "recompute",
            "--from",
            "1900-01-01",
            "--to",
            "2100-01-01",
        ],
    );
    assert!(centuries.contains("more than 3660 days"), "{centuries}");
    assert_eq!(
        admin(
            &server,
            &[
                "revenue",
                "recompute",
                "--from",
                "2026-11-01",
                "--to",
                "2026-11-30"
            ]
        ),
        "recomputed 30 days"
    );
}
