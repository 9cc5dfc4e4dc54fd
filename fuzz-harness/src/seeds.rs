//! Seed inputs for every target, made from the real types and the real code paths (a real
//! pairing code, a real sealed entry, real `.automerge` exports of a couple's store), never copied
//! from elsewhere. `cargo run -p together-fuzz-harness --example write_seeds` writes them under
//! `fuzz/corpus/<target>/`; the replay test also runs them straight from here.

use std::path::Path;

use serde_json::{Value, json};
use together_client::Store;
use together_client::crypto;
use together_core::address::DocAddress;
use together_core::document::{CheckinInput, ProfileInput, RelationshipInput};
use together_core::domain::{PrivacyLevel, RelationshipType, Score};

use crate::{billing, documents, sealed};

/// One seed: its file name and its bytes.
pub type Seed = (String, Vec<u8>);

const REL: &str = "0190a4f8-5c1e-7d2a-9b3c-4d5e6f708192";
const USER: &str = "0190a4f8-5c1e-7d2a-9b3c-4d5e6f708193";

fn json_seeds(values: &[(&str, Value)]) -> Vec<Seed> {
    values
        .iter()
        .map(|(name, value)| ((*name).to_owned(), value.to_string().into_bytes()))
        .collect()
}

/// The seeds of `target`; empty for an unknown target.
pub fn for_target(target: &str) -> Vec<Seed> {
    match target {
        "wire_requests" => wire_requests(),
        "wire_responses" => wire_responses(),
        "doc_ids" => doc_ids(),
        "pairing_code" => pairing_code(),
        "sealed_envelope" => sealed_envelope(),
        "document_import" | "automerge_load" => document_import(),
        "document_merge" => document_merge(),
        "stripe_event" => stripe_event(),
        "stripe_signature" => stripe_signature(),
        "server_config" => server_config(),
        _ => Vec::new(),
    }
}

fn wire_requests() -> Vec<Seed> {
    let secret = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    json_seeds(&[
        (
            "signup",
            json!({ "email": "alice@example.com", "name": "Alice", "auth_secret": secret, "device_name": "Alice's laptop", "user_id": USER }),
        ),
        (
            "login",
            json!({ "email": "alice@example.com", "auth_secret": secret, "device_name": "phone" }),
        ),
        ("relationship", json!({ "relationship_id": REL })),
        (
            "invite",
            json!({ "secret_hash": secret, "expires_in_days": 7, "wrapped_key": "c2VhbGVk" }),
        ),
        ("redeem", json!({ "secret": "AAECAwQFBgcICQ==" })),
        (
            "append",
            json!({ "entries": [{ "entry_id": "e1", "ciphertext": "c2VhbGVkIG9uZQ==" }, { "entry_id": "0190a4f8-5c1e-7d2a", "ciphertext": "AA==" }] }),
        ),
        (
            "snapshot",
            json!({ "covers_seq": 256, "ciphertext": "c25hcHNob3Q=" }),
        ),
        ("keys", json!({ "bundle": "YnVuZGxl" })),
    ])
}

fn wire_responses() -> Vec<Seed> {
    let doc = format!("rel-{REL}-2026");
    json_seeds(&[
        (
            "session",
            json!({ "user_id": USER, "device_id": "d1", "token": "dG9rZW4" }),
        ),
        (
            "devices",
            json!([{ "device_id": "d1", "name": "laptop", "created_at": "2026-01-01T00:00:00Z", "last_seen_at": "2026-01-02T00:00:00Z", "current": true }]),
        ),
        (
            "relationships",
            json!([{ "relationship_id": REL, "members": [USER] }]),
        ),
        ("invite", json!({ "expires_at": "2026-01-08T00:00:00Z" })),
        (
            "redeemed",
            json!({ "relationship_id": REL, "wrapped_key": "c2VhbGVk" }),
        ),
        (
            "appended",
            json!({ "entries": [{ "entry_id": "e1", "seq": 1 }] }),
        ),
        (
            "pulled",
            json!({ "entries": [{ "seq": 1, "entry_id": "e1", "device_id": "d1", "ciphertext": "c2VhbGVk", "created_at": "2026-01-01T00:00:00Z" }], "more": false }),
        ),
        ("docs", json!([{ "doc_id": doc, "latest_seq": 3 }])),
        (
            "error",
            json!({ "error": "over quota", "code": "quota_exceeded" }),
        ),
        (
            "error_unknown_code",
            json!({ "error": "?", "code": "from_the_future" }),
        ),
        (
            "live",
            json!({ "type": "new_entries", "doc_id": doc, "latest_seq": 9 }),
        ),
        ("resync", json!({ "type": "resync" })),
        (
            "signed_entitlement",
            json!({ "payload": "{\"user_id\":\"u\"}", "signature": "c2ln", "public_key": "a2V5" }),
        ),
        (
            "entitlement",
            json!({ "user_id": USER, "relationship_id": REL, "level": "premium", "status": "active", "plan_id": "monthly", "entitled_until": "2026-02-01T00:00:00Z", "is_gift": false, "issued_at": "2026-01-01T00:00:00Z", "expires_at": "2026-01-08T00:00:00Z" }),
        ),
        (
            "checkout",
            json!({ "session_id": "cs_1", "checkout_url": "https://checkout.example/cs_1" }),
        ),
        (
            "plans",
            json!([{ "id": "monthly", "name": "Together", "price_cents": 999, "currency": "eur", "interval": "month", "features": ["ideas"] }]),
        ),
        (
            "addons",
            json!([{ "id": "ideas_10", "name": "10 ideas", "addon_type": "ai_credits", "price_cents": 299, "credits": 10 }]),
        ),
        (
            "ideas",
            json!({ "suggestions": ["a picnic"], "balance": 9 }),
        ),
    ])
}

fn doc_ids() -> Vec<Seed> {
    [
        format!("rel-{REL}"),
        format!("rel-{REL}-2026"),
        format!("user-{USER}"),
        REL.to_owned(),
        format!("rel-{}é1234", "a".repeat(35)),
        format!("rel-{}", REL.to_uppercase()),
        format!("\"{USER}\""),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, text)| (format!("id-{i}"), text.into_bytes()))
    .collect()
}

fn pairing_code() -> Vec<Seed> {
    let code = together_client::fuzzing::new_pairing_code();
    vec![
        ("code".into(), code.clone().into_bytes()),
        (
            "typed".into(),
            code.to_lowercase().replace('-', " ").into_bytes(),
        ),
        ("short".into(), b"ABCD-EFGH".to_vec()),
    ]
}

fn sealed_envelope() -> Vec<Seed> {
    let doc = format!("rel-{REL}-2026");
    let entry = crypto::seal(&sealed::KEY, &doc, "e1", b"an Automerge change");
    vec![
        ("entry".into(), sealed::join(&doc, "e1", &entry)),
        (
            "pairing".into(),
            sealed::join(
                "pairing",
                REL,
                &crypto::seal(&sealed::KEY, "pairing", REL, &[2; 32]),
            ),
        ),
        ("truncated".into(), sealed::join(&doc, "e1", &entry[..30])),
    ]
}

/// A couple's store with a profile, a relationship and a check-in, and what it exports.
struct Device {
    _dir: tempfile::TempDir,
    store: Store,
}

fn checkin(day: i8, score: i64) -> Option<CheckinInput> {
    Some(CheckinInput {
        date: jiff::civil::date(2026, 1, day),
        connection: Score::new("connection", score).ok()?,
        mood: Score::new("mood", score).ok()?,
        satisfaction: Score::new("satisfaction", score).ok()?,
        note: Some("grateful for the walk".into()),
    })
}

fn device() -> Option<Device> {
    let dir = tempfile::tempdir().ok()?;
    let mut store = Store::open(&dir.path().join("together.sqlite3")).ok()?;
    let profile = ProfileInput {
        name: "Alice".into(),
        nickname: None,
        photo_url: None,
        timezone: "Europe/Paris".into(),
        love_language_primary: None,
        love_language_secondary: None,
    };
    store.set_profile(&profile, documents::now()).ok()?;
    let relationship = RelationshipInput {
        relationship_type: RelationshipType::Married,
        start_date: Some(jiff::civil::date(2019, 6, 1)),
        anniversary_date: None,
        privacy_level: PrivacyLevel::Balanced,
    };
    store
        .create_relationship(&relationship, documents::now())
        .ok()?;
    store.checkin(&checkin(1, 7)?, documents::now()).ok()?;
    Some(Device { _dir: dir, store })
}

/// Every document the device holds, as (address, full save).
fn exports(device: &mut Device) -> Vec<(DocAddress, Vec<u8>)> {
    let Ok(out) = tempfile::tempdir() else {
        return Vec::new();
    };
    let Ok(paths) = device.store.export_documents(out.path(), documents::now()) else {
        return Vec::new();
    };
    paths.iter().filter_map(|p| read_export(p)).collect()
}

fn read_export(path: &Path) -> Option<(DocAddress, Vec<u8>)> {
    let address = path.file_stem()?.to_str()?.parse().ok()?;
    Some((address, std::fs::read(path).ok()?))
}

/// The newest change the device queued for upload for `address` (an incremental Automerge change).
fn newest_change(device: &Device, address: DocAddress) -> Option<Vec<u8>> {
    let conn = rusqlite::Connection::open(device.store.path()).ok()?;
    conn.query_row(
        "SELECT bytes FROM outbox WHERE doc_id = ?1 ORDER BY rowid DESC LIMIT 1",
        [address.doc_id()],
        |row| row.get(0),
    )
    .ok()
}

fn kind_name(address: DocAddress) -> &'static str {
    address.kind().as_str()
}

fn document_import() -> Vec<Seed> {
    let Some(mut device) = device() else {
        return Vec::new();
    };
    exports(&mut device)
        .into_iter()
        .map(|(address, bytes)| {
            (
                kind_name(address).to_owned(),
                documents::join(address, &bytes),
            )
        })
        .collect()
}

fn document_merge() -> Vec<Seed> {
    let Some(mut device) = device() else {
        return Vec::new();
    };
    let before = exports(&mut device);
    // A second check-in and a changed profile: incremental changes on top of the exports.
    let later = checkin(2, 9).and_then(|c| device.store.checkin(&c, documents::now()).ok());
    if later.is_none() {
        return Vec::new();
    }
    let mut seeds = Vec::new();
    for (address, base) in before {
        let name = kind_name(address);
        seeds.push((
            format!("{name}-whole"),
            documents::join_merge(address, &[], &base),
        ));
        if let Some(change) = newest_change(&device, address) {
            seeds.push((
                format!("{name}-change"),
                documents::join_merge(address, &base, &change),
            ));
        }
    }
    seeds
}

fn stripe_event() -> Vec<Seed> {
    let subscription = json!({
        "id": "sub_1", "object": "subscription", "customer": "cus_1", "status": "active",
        "cancel_at_period_end": false, "canceled_at": null, "start_date": 1_767_225_600,
        "items": { "data": [{ "price": { "id": "price_monthly" }, "current_period_end": 1_769_904_000 }] },
        "metadata": { "relationship_id": REL, "user_id": USER }
    });
    let legacy = json!({
        "id": "sub_2", "customer": { "id": "cus_2" }, "status": "past_due",
        "current_period_end": 1_769_904_000, "metadata": { "gift_from_user_id": USER }
    });
    let invoice = json!({
        "id": "in_1", "customer": "cus_1",
        "parent": { "subscription_details": { "subscription": "sub_1" } }
    });
    let event = |id: &str, kind: &str, object: &Value| json!({ "id": id, "object": "event", "type": kind, "created": 1_767_225_600, "data": { "object": object } });
    json_seeds(&[
        (
            "subscription_created",
            event("evt_1", "customer.subscription.created", &subscription),
        ),
        (
            "subscription_legacy",
            event("evt_2", "customer.subscription.updated", &legacy),
        ),
        ("invoice_paid", event("evt_3", "invoice.paid", &invoice)),
        (
            "checkout_completed",
            event(
                "evt_4",
                "checkout.session.completed",
                &json!({ "id": "cs_1", "mode": "payment", "metadata": { "addon_id": "ideas_10", "user_id": USER } }),
            ),
        ),
        (
            "no_object",
            json!({ "id": "evt_5", "type": "invoice.paid" }),
        ),
    ])
}

/// Stripe's `v1` signature, computed here independently of the server's code.
fn stripe_v1(secret: &str, timestamp: i64, body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let Ok(mut mac) = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

fn stripe_signature() -> Vec<Seed> {
    let body = br#"{"id":"evt_1","type":"invoice.paid","data":{"object":{}}}"#;
    let secrets = billing::secrets();
    let good = stripe_v1(&secrets[0], billing::NOW, body);
    let rotated = stripe_v1(&secrets[1], billing::NOW, body);
    let headers = [
        ("valid", format!("t={},v1={good}", billing::NOW)),
        (
            "rotated",
            format!("t={},v1=00ff,v1={rotated},v0=abc", billing::NOW),
        ),
        ("stale", format!("t={},v1={good}", billing::NOW - 301)),
        ("no_timestamp", format!("v1={good}")),
        ("odd", "t=,v1=,=,,t=1,t=2".to_owned()),
    ];
    headers
        .into_iter()
        .map(|(name, header)| {
            let mut bytes = format!("{header}\n").into_bytes();
            bytes.extend_from_slice(body);
            (name.to_owned(), bytes)
        })
        .collect()
}

fn server_config() -> Vec<Seed> {
    let full = r#"listen = "0.0.0.0:8787"
data_dir = "/var/lib/together"
trusted_proxies = ["127.0.0.1", "::1"]

[login_limits]
per_account = 10
per_address = 50
window_seconds = 900

[billing]
stripe_api_base = "https://api.stripe.example"
success_url = "https://app.example/paid"
cancel_url = "https://app.example/cancelled"
grace_days = 7
ai_cost_credits = 1
ai_base_url = "http://127.0.0.1:11434/v1"
ai_model = "small"
"#;
    vec![
        ("full".into(), full.as_bytes().to_vec()),
        ("empty".into(), Vec::new()),
        (
            "out_of_range".into(),
            b"[billing]\ngrace_days = 61\n[login_limits]\nwindow_seconds = 0\n".to_vec(),
        ),
    ]
}
