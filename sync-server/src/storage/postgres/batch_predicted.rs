//! A batch of appends in one round trip and one statement, when its writer knows what the
//! database holds.
//!
//! A document always goes to the same writer ([`super::group_commit`]), so after one batch the
//! writer knows each document's latest seq; the appends that follow are almost always by current
//! members, of entries not stored yet, within their quota. [`super::batch::plan`] decides the batch
//! on those assumptions, in Rust, as it decides any batch; then one call of
//! `together_append_batch` (migration V15), a statement of its own (its own transaction), checks
//! them under the locks the other way takes, in the same order, and writes what was decided:
//!
//! - the writers' memberships, held (`FOR SHARE`) and expected current;
//! - the documents, locked (`FOR UPDATE`, in doc_id order) and expected to exist;
//! - each document's latest seq, expected to be the one assumed (read after the locks, so it sees
//!   every append committed before them);
//! - the uploaders' usage, locked (in id order) and expected to leave the room the plan's charges
//!   need ([`super::batch::Plan::room`]: decided as if they held nothing, every decision stands
//!   for any usage up to it);
//! - the entries inserted (an entry id already stored breaks `UNIQUE (doc_id, entry_id)`), their
//!   uploaders charged, and the audiences returned.
//!
//! An assumption that does not hold raises `together_expect`'s error (SQLSTATE `BTX01`), an entry
//! stored before the constraint's: either way PostgreSQL rolls the whole statement back, and the
//! writer forgets what it knew of those documents and runs the batch again the way that reads
//! first ([`batch_transaction::run`]). Nothing is decided twice: the rules stay in
//! [`super::batch::plan`] and [`crate::storage::rules`]; the function only compares and writes.
//!
//! Why a function: PostgreSQL answers each statement of a pipeline on its own (a `Sync`, a
//! flush, a wake-up of the connection's task and of the writer's), and the other way's dozen
//! statements in three round trips cost more in those than in running them (a batch of one append
//! took p50 1.7 ms that way against 1.2 ms in one call, timed in the writer under the load bench;
//! `docs/performance.md`). The call runs at the database's default isolation: read committed, as
//! written for; under a stricter default a conflict shows as a serialization failure or as a
//! unique violation of a seq taken meanwhile, and falls back the same way.

use std::collections::HashMap;

use deadpool_postgres::GenericClient;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;

use super::batch::{Facts, Outcome, Plan, plan};
use super::batch_transaction::{self, NewEntries};
use crate::storage::documents::{AppendJob, DocAccess};
use crate::storage::relationships::Standing;
use crate::storage::rules::{self, Intent};

/// The SQLSTATE `together_expect` raises when an expectation does not hold.
pub(super) const EXPECTATION_FAILED: &str = "BTX01";

/// Whether `error` is this batch's assumptions failing, not the way itself: an expectation, an
/// entry id (or, under a stricter isolation, a seq) stored meanwhile, or a write conflict with
/// another transaction (a serialization failure or a deadlock). The writer then simply reads and
/// decides again.
pub(super) fn assumed_wrong(error: &tokio_postgres::Error) -> bool {
    error.code().is_some_and(|code| {
        code.code() == EXPECTATION_FAILED
            || *code == SqlState::UNIQUE_VIOLATION
            || *code == SqlState::T_R_SERIALIZATION_FAILURE
            || *code == SqlState::T_R_DEADLOCK_DETECTED
    })
}

/// A batch decided on what its writer assumes, every append accepted: what [`write`] sends.
#[derive(Debug)]
pub(super) struct Decided {
    facts: Facts,
    plan: Plan,
}

/// Decides the batch on `latest` (each of its documents' latest seq, as the writer last saw it)
/// and on the assumptions above; `None` when that refuses any append. A refusal is only ever
/// decided on what the database holds: an entry sent again is free, and assumed new it could be
/// refused for a quota it does not need (and a refused append writes nothing that the database
/// could check), so such a batch goes the way that reads first.
pub(super) fn decide(jobs: &[AppendJob], latest: HashMap<String, i64>) -> Option<Decided> {
    // Every writer a current member, nothing of the batch stored yet, every uploader holding
    // nothing (the room its charges leave is checked instead).
    let mut facts = Facts {
        latest,
        ..Facts::default()
    };
    for job in jobs {
        if let DocAccess::Relationship(r) = &job.access {
            facts
                .standings
                .insert((r.clone(), job.user_id.clone()), Standing::Current);
        }
        facts.stored.insert(job.user_id.clone(), 0);
    }
    let authorized = jobs
        .iter()
        .map(|job| {
            let standing = match &job.access {
                DocAccess::Owner(_) => None,
                DocAccess::Relationship(_) => Some(Standing::Current),
            };
            rules::may_reach(&job.access, &job.user_id, standing, Intent::Write)
        })
        .collect();
    let plan = plan(jobs, authorized, &facts);
    if plan.outcomes.iter().any(Result::is_err) {
        return None;
    }
    Some(Decided { facts, plan })
}

/// Writes the batch `decided` as one statement (its own transaction) in one round trip: an
/// outcome per job, in order, and the latest seq of each document it wrote. An error rolled the
/// whole statement back; the caller then runs the batch the way that reads first.
pub(super) async fn write<C: GenericClient>(
    c: &C,
    jobs: &[AppendJob],
    decided: Decided,
) -> Result<(Vec<Outcome>, HashMap<String, i64>), tokio_postgres::Error> {
    let call = c
        .prepare_cached(
            "SELECT out_relationship, out_members FROM together_append_batch(
                 $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .await?;
    let Decided { facts, plan } = decided;
    let mut pairs: Vec<(&str, &str)> = facts
        .standings
        .keys()
        .map(|(r, u)| (r.as_str(), u.as_str()))
        .collect();
    pairs.sort_unstable();
    let (relationships, members): (Vec<&str>, Vec<&str>) = pairs.into_iter().unzip();
    let mut documents: Vec<(&str, i64)> = facts
        .latest
        .iter()
        .map(|(doc, seq)| (doc.as_str(), *seq))
        .collect();
    documents.sort_unstable();
    let (docs, seqs): (Vec<&str>, Vec<i64>) = documents.into_iter().unzip();
    // Every account of the batch is expected to exist; one charged, to have the room it needs.
    let mut users: Vec<(&str, i64)> = facts
        .stored
        .keys()
        .map(|user| {
            (
                user.as_str(),
                plan.room.get(user).copied().unwrap_or(i64::MAX),
            )
        })
        .collect();
    users.sort_unstable();
    let (users, rooms): (Vec<&str>, Vec<i64>) = users.into_iter().unzip();
    let new = NewEntries::of(jobs, &plan);
    let (charged, charges): (Vec<&str>, Vec<i64>) =
        plan.charges.iter().map(|(u, b)| (u.as_str(), *b)).unzip();
    let heard = batch_transaction::heard_relationships(jobs, &plan);

    // In the function's order: the checks' arrays, the new entries, the charges, the audiences.
    let mut params: Vec<&(dyn ToSql + Sync)> =
        vec![&relationships, &members, &docs, &seqs, &users, &rooms];
    params.extend(new.params());
    params.extend::<[&(dyn ToSql + Sync); 3]>([&charged, &charges, &heard]);
    let rows = c.query(&call, &params).await?;
    let audiences: HashMap<String, Vec<String>> = rows
        .into_iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    let latest = plan.latest_after(jobs);
    Ok((
        batch_transaction::answers(plan.outcomes, jobs, &audiences),
        latest,
    ))
}
