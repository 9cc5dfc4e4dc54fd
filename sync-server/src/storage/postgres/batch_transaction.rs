//! A batch of appends as one PostgreSQL transaction in three round trips, whatever its size: the
//! statements each step needs are sent together (tokio-postgres pipelines the requests of futures
//! polled together, `try_join!(biased; …)` polls them in the order written, and PostgreSQL runs
//! them one after the other, in the order sent):
//!
//! 1. `BEGIN` ([`BEGIN`]: read committed, generic plans), and the writers' memberships read and
//!    held (`FOR SHARE`);
//! 2. the documents created if new and locked (in doc_id order), then, in statements of their
//!    own (so each sees every append committed before the locks were granted), the latest seqs,
//!    the entry ids already stored and the uploaders' usage (their rows locked, in id order);
//! 3. the accepted entries inserted, their uploaders charged, the documents created for nothing
//!    removed, the audiences read, and `COMMIT`.
//!
//! Between steps 2 and 3 [`super::batch::plan`] decides every append in Rust. Each step's
//! statements are prepared before step 1 is sent (once per connection: the cache keeps them), so
//! nothing of a step waits for a `Parse` and a statement can never fall behind the `COMMIT` sent
//! after it. A statement that fails aborts the transaction: PostgreSQL then answers the pipelined
//! `COMMIT` with a rollback, the failed statement's error is what this returns, and the caller
//! rolls back to be sure before the connection goes back to the pool.
//!
//! Every lookup is a subquery per element of a sorted array (`unnest`), so PostgreSQL takes an
//! index scan per key in that order, whatever plan statistics would suggest for a join: a cached
//! generic plan made while a table was small must not become a sequential scan of a large one.

use std::collections::{BTreeMap, HashMap, HashSet};

use deadpool_postgres::GenericClient;
use tokio_postgres::Statement;
use tokio_postgres::types::ToSql;

use super::batch::{Facts, Outcome, Plan, plan};
use crate::storage::StorageError;
use crate::storage::documents::{AppendJob, Appended, DocAccess};
use crate::storage::relationships::Standing;
use crate::storage::rules::{self, Intent};

/// How a batch begins: read committed, whatever the server's default (the reads after the locks
/// must see what committed before them), and its statements run on their generic plans
/// (`plan_cache_mode`, PostgreSQL 12 or newer). With array parameters (`unnest($1)`, `= ANY($1)`)
/// PostgreSQL judged a plan made for the batch at hand cheaper than the generic one, and planned
/// seven of the statements again at every batch: more time than running them. Every lookup is by
/// key and index (above), so the generic plan is the plan whatever the batch. Set for the
/// transaction alone (`SET LOCAL`), in the same message as `BEGIN`: no round trip of its own, and
/// nothing a connection pooler in front of PostgreSQL must carry over.
pub(super) const BEGIN: &str =
    "BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL plan_cache_mode = force_generic_plan";

/// Every statement of a batch, prepared before the first is sent.
struct Statements {
    memberships: Statement,
    create_documents: Statement,
    lock_documents: Statement,
    latest: Statement,
    known: Statement,
    stored: Statement,
    insert_entries: Statement,
    charge: Statement,
    remove_documents: Statement,
    audiences: Statement,
}

impl Statements {
    /// From the connection's statement cache (one round trip the first time on a connection).
    async fn prepare<C: GenericClient>(c: &C) -> Result<Self, tokio_postgres::Error> {
        let (memberships, create_documents, lock_documents, latest, known) = tokio::try_join!(
            c.prepare_cached(
                "SELECT t.r, t.u,
                        (SELECT m.ended_at IS NULL FROM memberships m
                         WHERE m.relationship_id = t.r AND m.user_id = t.u FOR SHARE)
                 FROM unnest($1::text[], $2::text[]) AS t (r, u)"
            ),
            c.prepare_cached(
                "INSERT INTO documents (doc_id, owner_user_id, relationship_id, created_at)
                 SELECT d, o, r, t FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
                    AS n (d, o, r, t)
                 ORDER BY d
                 ON CONFLICT (doc_id) DO NOTHING RETURNING doc_id"
            ),
            c.prepare_cached(
                "SELECT (SELECT 1 FROM documents WHERE doc_id = t.d FOR UPDATE)
                 FROM unnest($1::text[]) AS t (d)"
            ),
            c.prepare_cached(
                "SELECT t.d, coalesce((SELECT max(e.seq) FROM doc_entries e WHERE e.doc_id = t.d), 0)
                 FROM unnest($1::text[]) AS t (d)"
            ),
            c.prepare_cached(
                "SELECT t.d, t.i,
                        (SELECT e.seq FROM doc_entries e WHERE e.doc_id = t.d AND e.entry_id = t.i)
                 FROM unnest($1::text[], $2::text[]) AS t (d, i)"
            ),
        )?;
        let (stored, insert_entries, charge, remove_documents, audiences) = tokio::try_join!(
            c.prepare_cached(
                "SELECT t.u, (SELECT stored_bytes FROM users WHERE id = t.u FOR UPDATE)
                 FROM unnest($1::text[]) AS t (u)"
            ),
            c.prepare_cached(
                "INSERT INTO doc_entries (doc_id, seq, entry_id, device_id, ciphertext, created_at)
                 SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[],
                                      $5::bytea[], $6::text[])"
            ),
            c.prepare_cached(
                "UPDATE users
                 SET stored_bytes = stored_bytes + ($2::bigint[])[array_position($1::text[], id::text)]
                 WHERE id = ANY($1)"
            ),
            c.prepare_cached("DELETE FROM documents WHERE doc_id = ANY($1)"),
            c.prepare_cached(
                "SELECT t.r, ARRAY(SELECT m.user_id FROM memberships m WHERE m.relationship_id = t.r)
                 FROM unnest($1::text[]) AS t (r)"
            ),
        )?;
        Ok(Self {
            memberships,
            create_documents,
            lock_documents,
            latest,
            known,
            stored,
            insert_entries,
            charge,
            remove_documents,
            audiences,
        })
    }
}

/// Runs the batch as one transaction, from `BEGIN` to `COMMIT`: an outcome per job, in order, and
/// the latest seq of each document it read or wrote (what the writer may assume next time,
/// [`super::batch_predicted`]). An error is the transaction's: the caller rolls back, then
/// retries or runs the appends one by one.
pub(super) async fn run<C: GenericClient>(
    c: &C,
    jobs: &[AppendJob],
) -> Result<(Vec<Outcome>, HashMap<String, i64>), tokio_postgres::Error> {
    let statements = Statements::prepare(c).await?;
    let s = &statements;

    // 1. BEGIN, and the memberships.
    let mut pairs: Vec<(&str, &str)> = jobs
        .iter()
        .filter_map(|job| match &job.access {
            DocAccess::Relationship(r) => Some((r.as_str(), job.user_id.as_str())),
            DocAccess::Owner(_) => None,
        })
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    let (relationships, users): (Vec<&str>, Vec<&str>) = pairs.iter().copied().unzip();
    let memberships = async {
        if pairs.is_empty() {
            return Ok(Vec::new());
        }
        c.query(&s.memberships, &[&relationships, &users]).await
    };
    let ((), memberships) = tokio::try_join!(biased; c.batch_execute(BEGIN), memberships)?;
    let mut facts = Facts::default();
    for row in memberships {
        let standing = match row.get::<_, Option<bool>>(2) {
            Some(true) => Standing::Current,
            Some(false) => Standing::Ended,
            None => continue,
        };
        facts.standings.insert((row.get(0), row.get(1)), standing);
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

    // 2. The documents (created if new, the first upload's time their creation time), locked,
    // then what the plan needs, read under the locks.
    let allowed = || {
        jobs.iter()
            .zip(&authorized)
            .filter(|(_, access)| access.is_ok())
            .map(|(job, _)| job)
    };
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
        let create: [&(dyn ToSql + Sync); 4] = [&ids, &owners, &relationships, &times];
        let lock: [&(dyn ToSql + Sync); 1] = [&ids];
        let known: [&(dyn ToSql + Sync); 2] = [&entry_docs, &entry_ids];
        let stored: [&(dyn ToSql + Sync); 1] = [&users];
        let (new, _, latest, known, stored) = tokio::try_join!(
            biased;
            c.query(&s.create_documents, &create),
            c.execute(&s.lock_documents, &lock),
            c.query(&s.latest, &lock),
            c.query(&s.known, &known),
            c.query(&s.stored, &stored),
        )?;
        created = new.into_iter().map(|row| row.get(0)).collect();
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

    // 3. Decide, then write what was accepted, read who hears of it, and commit.
    let plan = plan(jobs, authorized, &facts);
    let ((), audiences, ()) = tokio::try_join!(
        biased;
        write(c, s, jobs, &plan, &created),
        audiences(c, s, jobs, &plan),
        c.batch_execute("COMMIT"),
    )?;
    let mut latest = facts.latest;
    latest.extend(plan.latest_after(jobs));
    // A document this batch created for appends it refused is gone again.
    latest.retain(|_, seq| *seq > 0);
    Ok((answers(plan.outcomes, jobs, &audiences), latest))
}

/// Each append's answer: where its entries were placed and who hears of them, or why it was
/// refused.
pub(super) fn answers(
    outcomes: Vec<Result<Vec<(String, i64)>, StorageError>>,
    jobs: &[AppendJob],
    audiences: &HashMap<String, Vec<String>>,
) -> Vec<Outcome> {
    outcomes
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
        .collect()
}

/// The plan's new entries as the columns of `doc_entries`, one array each (`unnest`ed by SQL).
#[derive(Debug, Default)]
pub(super) struct NewEntries<'a> {
    pub docs: Vec<&'a str>,
    pub seqs: Vec<i64>,
    pub ids: Vec<&'a str>,
    pub devices: Vec<&'a str>,
    pub blobs: Vec<&'a [u8]>,
    pub times: Vec<&'a str>,
}

impl<'a> NewEntries<'a> {
    /// The rows `plan` accepted, from `jobs`.
    pub(super) fn of(jobs: &'a [AppendJob], plan: &Plan) -> Self {
        let mut new = Self::default();
        for row in &plan.rows {
            let Some(job) = jobs.get(row.job) else {
                continue;
            };
            let Some((entry_id, ciphertext)) = job.entries.get(row.entry) else {
                continue;
            };
            new.docs.push(job.doc_id.as_str());
            new.seqs.push(row.seq);
            new.ids.push(entry_id.as_str());
            new.devices.push(job.device_id.as_str());
            new.blobs.push(ciphertext.as_slice());
            new.times.push(job.now.as_str());
        }
        new
    }

    /// The six columns as a statement's parameters, in `doc_entries`' order (what
    /// `unnest($1, …, $6)` reads).
    pub(super) fn params(&self) -> [&(dyn ToSql + Sync); 6] {
        [
            &self.docs,
            &self.seqs,
            &self.ids,
            &self.devices,
            &self.blobs,
            &self.times,
        ]
    }
}

/// Inserts the accepted entries, charges their uploaders, and removes the documents this batch
/// created for appends that were all refused (as a refused single append would roll back). Every
/// statement is sent on the first poll (none waits for another), before the `COMMIT` after it.
async fn write<C: GenericClient>(
    c: &C,
    s: &Statements,
    jobs: &[AppendJob],
    plan: &Plan,
    created: &HashSet<String>,
) -> Result<(), tokio_postgres::Error> {
    let new = NewEntries::of(jobs, plan);
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
        if new.docs.is_empty() {
            return Ok(0);
        }
        c.execute(&s.insert_entries, &new.params()).await
    };
    let charge = async {
        if users.is_empty() {
            return Ok(0);
        }
        c.execute(&s.charge, &[&users, &bytes]).await
    };
    let remove = async {
        if unused.is_empty() {
            return Ok(0);
        }
        c.execute(&s.remove_documents, &[&unused]).await
    };
    tokio::try_join!(biased; insert, charge, remove)?;
    Ok(())
}

/// The relationships whose documents got entries (sorted, once each): whose members live push
/// tells.
pub(super) fn heard_relationships<'a>(jobs: &'a [AppendJob], plan: &Plan) -> Vec<&'a str> {
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
    relationships
}

/// The members (current or former) of the relationships whose documents got entries: who live
/// push tells, as of this transaction.
async fn audiences<C: GenericClient>(
    c: &C,
    s: &Statements,
    jobs: &[AppendJob],
    plan: &Plan,
) -> Result<HashMap<String, Vec<String>>, tokio_postgres::Error> {
    let relationships = heard_relationships(jobs, plan);
    let mut audiences: HashMap<String, Vec<String>> = HashMap::new();
    if relationships.is_empty() {
        return Ok(audiences);
    }
    for row in c.query(&s.audiences, &[&relationships]).await? {
        audiences.insert(row.get(0), row.get(1));
    }
    Ok(audiences)
}
