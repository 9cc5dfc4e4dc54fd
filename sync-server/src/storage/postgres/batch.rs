//! A batch of appends in one PostgreSQL transaction, in a handful of set-based statements
//! whatever its size (the group commit, [`super::group_commit`], runs it).
//!
//! Each append is decided on its own, in arrival order, exactly as if it ran alone: the facts
//! (standings, latest seqs, entry ids already stored, the uploaders' usage) are read once for the
//! whole batch under the same locks the single-append path takes, then [`plan`] decides every
//! append in Rust. A refused append (another couple's document, over the quota) writes nothing
//! and gets its own error, so no savepoint is needed to roll it back; the others are written
//! together. Locks are taken in one global order (memberships, then documents, then users, each
//! sorted), so two batches (on one instance or two) wait for each other and never deadlock.
//!
//! Every lookup is a subquery per element of a sorted array (`unnest`), so PostgreSQL takes an
//! index scan per key in that order, whatever plan statistics would suggest for a join: a cached
//! generic plan made while a table was small must not become a sequential scan of a large one.

use std::collections::{BTreeMap, HashMap, HashSet};

use deadpool_postgres::GenericClient;

use super::{exec, rows};
use crate::storage::StorageError;
use crate::storage::documents::{AppendJob, Appended, DocAccess};
use crate::storage::relationships::Standing;
use crate::storage::rules::{self, Intent};

/// What an append's outcome is, before the commit.
pub(super) type Outcome = Result<Appended, StorageError>;

/// What the batch read before deciding (under its locks).
#[derive(Debug, Default)]
pub(super) struct Facts {
    /// (relationship, user) → standing; absent: never a member.
    pub standings: HashMap<(String, String), Standing>,
    /// Document → latest seq (0 for an empty or new document).
    pub latest: HashMap<String, i64>,
    /// (document, entry id) → seq, for the batch's entry ids already stored.
    pub known: HashMap<(String, String), i64>,
    /// Account → bytes stored; absent: no such account.
    pub stored: HashMap<String, i64>,
}

/// One entry to insert.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct NewRow {
    /// Index of its append in the batch.
    pub job: usize,
    /// Index of the entry in its append.
    pub entry: usize,
    /// Its seq.
    pub seq: i64,
}

/// What [`plan`] decided.
#[derive(Debug, Default)]
pub(super) struct Plan {
    /// Per append: its placements, or why it is refused.
    pub outcomes: Vec<Result<Vec<(String, i64)>, StorageError>>,
    /// The entries to insert.
    pub rows: Vec<NewRow>,
    /// Account → bytes to add to its usage.
    pub charges: BTreeMap<String, i64>,
}

/// Decides every append of the batch in arrival order, as one after the other would: an append
/// only sees the seqs and usage of those accepted before it, and a refused one changes nothing.
/// `authorized[i]` is the access decision for `jobs[i]`.
pub(super) fn plan(
    jobs: &[AppendJob],
    authorized: Vec<Result<(), StorageError>>,
    facts: &Facts,
) -> Plan {
    let mut latest = facts.latest.clone();
    let mut known: HashMap<(&str, &str), i64> = facts
        .known
        .iter()
        .map(|((doc, id), seq)| ((doc.as_str(), id.as_str()), *seq))
        .collect();
    let mut stored = facts.stored.clone();
    let mut plan = Plan::default();
    for (index, (job, access)) in jobs.iter().zip(authorized).enumerate() {
        if let Err(refused) = access {
            plan.outcomes.push(Err(refused));
            continue;
        }
        let mut seq = latest.get(&job.doc_id).copied().unwrap_or(0);
        let mut mine: HashMap<&str, i64> = HashMap::new();
        let mut placed = Vec::with_capacity(job.entries.len());
        let mut new_rows = Vec::new();
        // Only entries stored now count: a retried entry id was charged when first stored.
        let mut new_bytes: u64 = 0;
        for (entry, (entry_id, ciphertext)) in job.entries.iter().enumerate() {
            let existing = known
                .get(&(job.doc_id.as_str(), entry_id.as_str()))
                .or_else(|| mine.get(entry_id.as_str()));
            if let Some(existing) = existing {
                placed.push((entry_id.clone(), *existing));
                continue;
            }
            seq += 1;
            new_bytes =
                new_bytes.saturating_add(u64::try_from(ciphertext.len()).unwrap_or(u64::MAX));
            mine.insert(entry_id.as_str(), seq);
            new_rows.push(NewRow {
                job: index,
                entry,
                seq,
            });
            placed.push((entry_id.clone(), seq));
        }
        if let Err(refused) = charge(&mut stored, &job.user_id, new_bytes, job.max_account_bytes) {
            plan.outcomes.push(Err(refused));
            continue;
        }
        if new_bytes > 0 {
            // Within i64: `charge` refused anything larger.
            let bytes = i64::try_from(new_bytes).unwrap_or(i64::MAX);
            let total = plan.charges.entry(job.user_id.clone()).or_insert(0);
            *total = total.saturating_add(bytes);
        }
        latest.insert(job.doc_id.clone(), seq);
        for (entry_id, seq) in mine {
            known.insert((job.doc_id.as_str(), entry_id), seq);
        }
        plan.rows.extend(new_rows);
        plan.outcomes.push(Ok(placed));
    }
    plan
}

/// The quota rule of [`super::quota::charge`] on usage read under the user's row lock: adds
/// `bytes` to `user_id`'s usage if that keeps it within `max_bytes`.
fn charge(
    stored: &mut HashMap<String, i64>,
    user_id: &str,
    bytes: u64,
    max_bytes: u64,
) -> Result<(), StorageError> {
    if bytes == 0 {
        return Ok(());
    }
    let exceeded = || StorageError::QuotaExceeded { max_bytes };
    let bytes = i64::try_from(bytes).map_err(|_| exceeded())?;
    let max = i64::try_from(max_bytes).unwrap_or(i64::MAX);
    let Some(usage) = stored.get_mut(user_id) else {
        return Err(StorageError::NotFound("no such account".into()));
    };
    // `max - n` rather than `usage + n`: no overflow (both are >= 0).
    if *usage > max - bytes {
        return Err(exceeded());
    }
    *usage += bytes;
    Ok(())
}

/// Runs the batch inside the caller's transaction: an outcome per job, in order. An error is the
/// transaction's (the caller rolls back, and retries or runs the appends one by one).
pub(super) async fn run<C: GenericClient>(
    c: &C,
    jobs: &[AppendJob],
) -> Result<Vec<Outcome>, tokio_postgres::Error> {
    let mut facts = Facts::default();
    // 1. The writers' memberships, held (`FOR SHARE`) so a partner leaving waits for the commit.
    let mut pairs: Vec<(&str, &str)> = jobs
        .iter()
        .filter_map(|job| match &job.access {
            DocAccess::Relationship(r) => Some((r.as_str(), job.user_id.as_str())),
            DocAccess::Owner(_) => None,
        })
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    if !pairs.is_empty() {
        let (relationships, users): (Vec<&str>, Vec<&str>) = pairs.iter().copied().unzip();
        for row in rows(
            c,
            "SELECT t.r, t.u,
                    (SELECT m.ended_at IS NULL FROM memberships m
                     WHERE m.relationship_id = t.r AND m.user_id = t.u FOR SHARE)
             FROM unnest($1::text[], $2::text[]) AS t (r, u)",
            &[&relationships, &users],
        )
        .await?
        {
            let current: Option<bool> = row.get(2);
            let standing = match current {
                Some(true) => Standing::Current,
                Some(false) => Standing::Ended,
                None => continue,
            };
            facts.standings.insert((row.get(0), row.get(1)), standing);
        }
    }
    let authorized: Vec<Result<(), StorageError>> = jobs
        .iter()
        .map(|job| {
            let standing = match &job.access {
                DocAccess::Owner(_) => None,
                DocAccess::Relationship(r) => facts
                    .standings
                    .get(&(r.clone(), job.user_id.clone()))
                    .copied(),
            };
            rules::may_reach(&job.access, &job.user_id, standing, Intent::Write)
        })
        .collect();
    let allowed = || {
        jobs.iter()
            .zip(&authorized)
            .filter(|(_, access)| access.is_ok())
            .map(|(job, _)| job)
    };

    // 2. The documents, created if new, then locked, in doc_id order (the first upload's time
    // is a new document's creation time).
    let mut documents: BTreeMap<&str, (&DocAccess, &str)> = BTreeMap::new();
    for job in allowed() {
        documents
            .entry(job.doc_id.as_str())
            .or_insert((&job.access, job.now.as_str()));
    }
    let mut created: HashSet<String> = HashSet::new();
    if !documents.is_empty() {
        let ids: Vec<&str> = documents.keys().copied().collect();
        let mut owners: Vec<Option<&str>> = Vec::with_capacity(ids.len());
        let mut relationships: Vec<Option<&str>> = Vec::with_capacity(ids.len());
        let mut times: Vec<&str> = Vec::with_capacity(ids.len());
        for (access, now) in documents.values() {
            match access {
                DocAccess::Owner(o) => {
                    owners.push(Some(o.as_str()));
                    relationships.push(None);
                }
                DocAccess::Relationship(r) => {
                    owners.push(None);
                    relationships.push(Some(r.as_str()));
                }
            }
            times.push(now);
        }
        created = rows(
            c,
            "INSERT INTO documents (doc_id, owner_user_id, relationship_id, created_at)
             SELECT d, o, r, t FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
                AS n (d, o, r, t)
             ORDER BY d
             ON CONFLICT (doc_id) DO NOTHING RETURNING doc_id",
            &[&ids, &owners, &relationships, &times],
        )
        .await?
        .into_iter()
        .map(|row| row.get(0))
        .collect();
        exec(
            c,
            "SELECT (SELECT 1 FROM documents WHERE doc_id = t.d FOR UPDATE)
             FROM unnest($1::text[]) AS t (d)",
            &[&ids],
        )
        .await?;

        // 3. Read under the locks, in statements of their own (so they see every append
        // committed before the locks were granted), sent together: latest seqs, entry ids
        // already stored, and the uploaders' usage (their rows locked, in id order).
        let mut pairs: Vec<(&str, &str)> = allowed()
            .flat_map(|job| {
                job.entries
                    .iter()
                    .map(|(id, _)| (job.doc_id.as_str(), id.as_str()))
            })
            .collect();
        pairs.sort_unstable();
        pairs.dedup();
        let (entry_docs, entry_ids): (Vec<&str>, Vec<&str>) = pairs.into_iter().unzip();
        let mut users: Vec<&str> = allowed().map(|job| job.user_id.as_str()).collect();
        users.sort_unstable();
        users.dedup();
        let latest = async {
            rows(
                c,
                "SELECT t.d, coalesce((SELECT max(e.seq) FROM doc_entries e WHERE e.doc_id = t.d), 0)
                 FROM unnest($1::text[]) AS t (d)",
                &[&ids],
            )
            .await
        };
        let known = async {
            rows(
                c,
                "SELECT t.d, t.i,
                        (SELECT e.seq FROM doc_entries e WHERE e.doc_id = t.d AND e.entry_id = t.i)
                 FROM unnest($1::text[], $2::text[]) AS t (d, i)",
                &[&entry_docs, &entry_ids],
            )
            .await
        };
        let stored = async {
            rows(
                c,
                "SELECT t.u, (SELECT stored_bytes FROM users WHERE id = t.u FOR UPDATE)
                 FROM unnest($1::text[]) AS t (u)",
                &[&users],
            )
            .await
        };
        let (latest, known, stored) = tokio::try_join!(latest, known, stored)?;
        facts.latest = latest.into_iter().map(|r| (r.get(0), r.get(1))).collect();
        facts.known = known
            .into_iter()
            .filter_map(|r| Some(((r.get(0), r.get(1)), r.get::<_, Option<i64>>(2)?)))
            .collect();
        facts.stored = stored
            .into_iter()
            .filter_map(|r| Some((r.get(0), r.get::<_, Option<i64>>(1)?)))
            .collect();
    }

    // 4. Decide, then write what was accepted, together.
    let plan = plan(jobs, authorized, &facts);
    let ((), audiences) =
        tokio::try_join!(write(c, jobs, &plan, &created), audiences(c, jobs, &plan))?;
    Ok(plan
        .outcomes
        .into_iter()
        .zip(jobs)
        .map(|(outcome, job)| {
            outcome.map(|placed| Appended {
                placed,
                audience: match &job.access {
                    DocAccess::Owner(owner) => vec![owner.clone()],
                    DocAccess::Relationship(r) => audiences.get(r).cloned().unwrap_or_default(),
                },
            })
        })
        .collect())
}

/// Inserts the accepted entries, charges their uploaders, and removes the documents this batch
/// created for appends that were all refused (as a refused single append would roll back).
async fn write<C: GenericClient>(
    c: &C,
    jobs: &[AppendJob],
    plan: &Plan,
    created: &HashSet<String>,
) -> Result<(), tokio_postgres::Error> {
    let mut docs = Vec::with_capacity(plan.rows.len());
    let mut seqs = Vec::with_capacity(plan.rows.len());
    let mut ids = Vec::with_capacity(plan.rows.len());
    let mut devices = Vec::with_capacity(plan.rows.len());
    let mut blobs: Vec<&[u8]> = Vec::with_capacity(plan.rows.len());
    let mut times = Vec::with_capacity(plan.rows.len());
    for row in &plan.rows {
        let Some(job) = jobs.get(row.job) else {
            continue;
        };
        let Some((entry_id, ciphertext)) = job.entries.get(row.entry) else {
            continue;
        };
        docs.push(job.doc_id.as_str());
        seqs.push(row.seq);
        ids.push(entry_id.as_str());
        devices.push(job.device_id.as_str());
        blobs.push(ciphertext.as_slice());
        times.push(job.now.as_str());
    }
    let (users, bytes): (Vec<&str>, Vec<i64>) =
        plan.charges.iter().map(|(u, b)| (u.as_str(), *b)).unzip();
    let used: HashSet<&str> = jobs
        .iter()
        .zip(&plan.outcomes)
        .filter(|(_, outcome)| outcome.is_ok())
        .map(|(job, _)| job.doc_id.as_str())
        .collect();
    let unused: Vec<&str> = created
        .iter()
        .map(String::as_str)
        .filter(|doc| !used.contains(doc))
        .collect();
    let insert = async {
        if docs.is_empty() {
            return Ok(0);
        }
        exec(
            c,
            "INSERT INTO doc_entries (doc_id, seq, entry_id, device_id, ciphertext, created_at)
             SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::bytea[],
                                  $6::text[])",
            &[&docs, &seqs, &ids, &devices, &blobs, &times],
        )
        .await
    };
    let charge = async {
        if users.is_empty() {
            return Ok(0);
        }
        exec(
            c,
            "UPDATE users SET stored_bytes = stored_bytes + ($2::bigint[])[array_position($1::text[], id::text)]
             WHERE id = ANY($1)",
            &[&users, &bytes],
        )
        .await
    };
    let remove = async {
        if unused.is_empty() {
            return Ok(0);
        }
        exec(
            c,
            "DELETE FROM documents WHERE doc_id = ANY($1)",
            &[&unused],
        )
        .await
    };
    tokio::try_join!(insert, charge, remove)?;
    Ok(())
}

/// The members (current or former) of the relationships whose documents got entries: who live
/// push tells, as of this transaction.
async fn audiences<C: GenericClient>(
    c: &C,
    jobs: &[AppendJob],
    plan: &Plan,
) -> Result<HashMap<String, Vec<String>>, tokio_postgres::Error> {
    let mut relationships: Vec<&str> = jobs
        .iter()
        .zip(&plan.outcomes)
        .filter(|(_, outcome)| outcome.is_ok())
        .filter_map(|(job, _)| match &job.access {
            DocAccess::Relationship(r) => Some(r.as_str()),
            DocAccess::Owner(_) => None,
        })
        .collect();
    relationships.sort_unstable();
    relationships.dedup();
    let mut audiences: HashMap<String, Vec<String>> = HashMap::new();
    if relationships.is_empty() {
        return Ok(audiences);
    }
    for row in rows(
        c,
        "SELECT t.r, ARRAY(SELECT m.user_id FROM memberships m WHERE m.relationship_id = t.r)
         FROM unnest($1::text[]) AS t (r)",
        &[&relationships],
    )
    .await?
    {
        audiences.insert(row.get(0), row.get(1));
    }
    Ok(audiences)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

    use super::*;

    const ALICE: &str = "0190a6f0-0000-7000-8000-00000000a11c";
    const BOB: &str = "0190a6f0-0000-7000-8000-000000000b0b";

    fn job(user: &str, entries: &[(&str, usize)]) -> AppendJob {
        let doc = format!("user-{user}");
        AppendJob {
            access: DocAccess::of(&doc).unwrap(),
            doc_id: doc,
            user_id: user.into(),
            device_id: format!("{user}-phone"),
            entries: entries
                .iter()
                .map(|(id, len)| ((*id).to_owned(), vec![7; *len]))
                .collect(),
            now: "2026-01-01T00:00:00.000Z".into(),
            max_account_bytes: 1000,
        }
    }

    /// The twin of SQLite's `in_one_group_commit_a_refused_append_rolls_back_alone`.
    #[test]
    fn in_one_batch_a_refused_append_changes_nothing_and_the_next_ones_go_on() {
        let jobs = vec![
            job(ALICE, &[("a1", 900)]),
            job(ALICE, &[("a2", 50), ("a3", 200)]),
            job(BOB, &[("b1", 500)]),
            job(ALICE, &[("a4", 100), ("a4", 100), ("a0", 5)]),
            job(BOB, &[("b1", 500)]),
        ];
        let mut facts = Facts::default();
        facts.stored.insert(ALICE.into(), 0);
        facts.stored.insert(BOB.into(), 0);
        // `a0` was stored before (seq 1 of Alice's document): a retry, free and placed where it is.
        facts.latest.insert(format!("user-{ALICE}"), 1);
        facts
            .known
            .insert((format!("user-{ALICE}"), "a0".into()), 1);
        let plan = plan(&jobs, (0..5).map(|_| Ok(())).collect(), &facts);
        let placed: Vec<_> = plan
            .outcomes
            .iter()
            .map(|o| o.as_ref().map_err(ToString::to_string).cloned())
            .collect();
        assert_eq!(placed[0], Ok(vec![("a1".to_owned(), 2)]));
        assert!(
            matches!(plan.outcomes[1], Err(StorageError::QuotaExceeded { .. })),
            "a2 goes with a3"
        );
        assert_eq!(placed[2], Ok(vec![("b1".to_owned(), 1)]));
        assert_eq!(
            placed[3],
            Ok(vec![
                ("a4".to_owned(), 3),
                ("a4".to_owned(), 3),
                ("a0".to_owned(), 1)
            ]),
            "the refused append took no seq; a4 twice is stored once"
        );
        assert_eq!(placed[4], Ok(vec![("b1".to_owned(), 1)]), "a retry");
        let rows: Vec<(usize, usize, i64)> =
            plan.rows.iter().map(|r| (r.job, r.entry, r.seq)).collect();
        assert_eq!(rows, [(0, 0, 2), (2, 0, 1), (3, 0, 3)]);
        let charges: Vec<_> = plan.charges.into_iter().collect();
        assert_eq!(charges, [(BOB.to_owned(), 500), (ALICE.to_owned(), 1000)]);
    }

    #[test]
    fn a_refused_access_or_a_missing_account_is_that_append_alone() {
        let jobs = vec![job(ALICE, &[("a1", 10)]), job(BOB, &[("b1", 10)])];
        let mut facts = Facts::default();
        facts.stored.insert(BOB.into(), 0);
        let refused = vec![Ok(()), Ok(())];
        let plan = plan(&jobs, refused, &facts);
        assert!(matches!(plan.outcomes[0], Err(StorageError::NotFound(_))));
        assert!(plan.outcomes[1].is_ok());
        let plan = super::plan(
            &jobs,
            vec![Err(StorageError::RelationshipEnded), Ok(())],
            &facts,
        );
        assert!(matches!(
            plan.outcomes[0],
            Err(StorageError::RelationshipEnded)
        ));
        assert_eq!(plan.rows.len(), 1);
        assert_eq!(plan.charges.len(), 1);
    }
}
