//! A batch of appends decided at once: the facts one PostgreSQL transaction of a handful of
//! set-based statements ([`super::batch_transaction`]) reads, or that the writer assumes and the
//! database then checks ([`super::batch_predicted`]), and the plan of what it writes, whatever the
//! batch's size (the group commit, [`super::group_commit`], runs it).
//!
//! Each append is decided on its own, in arrival order, exactly as if it ran alone: the facts
//! (standings, latest seqs, entry ids already stored, the uploaders' usage) are read once for the
//! whole batch under the same locks the single-append path takes (or assumed, then checked under
//! those locks), then [`plan`] decides every append in Rust. A refused append (another couple's document, over the quota) writes nothing
//! and gets its own error, so no savepoint is needed to roll it back; the others are written
//! together. Locks are taken in one global order (memberships, then documents, then users, each
//! sorted), so two batches (on one instance or two) wait for each other and never deadlock.

use std::collections::{BTreeMap, HashMap};

use crate::storage::documents::{AppendJob, Appended};
use crate::storage::relationships::Standing;
use crate::storage::{StorageError, quota};

/// What an append's outcome is, before the commit.
pub(super) type Outcome = Result<Appended, StorageError>;

/// What the batch read before deciding (under its locks), or what its writer assumes (checked
/// under the same locks when it writes).
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
    /// Account → the most its usage may have been above the usage assumed in [`Facts::stored`]
    /// with every append the plan accepted still accepted ([`quota::room`]: the least room its
    /// accepted charges left). Only accounts that were charged are here.
    pub room: BTreeMap<String, i64>,
}

impl Plan {
    /// Each document of the batch whose entries are written, with its latest seq after them.
    pub(super) fn latest_after(&self, jobs: &[AppendJob]) -> HashMap<String, i64> {
        let mut latest: HashMap<String, i64> = HashMap::new();
        for row in &self.rows {
            if let Some(job) = jobs.get(row.job) {
                let seq = latest.entry(job.doc_id.clone()).or_insert(row.seq);
                *seq = (*seq).max(row.seq);
            }
        }
        latest
    }
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
        match charge(&mut stored, &job.user_id, new_bytes, job.max_account_bytes) {
            Err(refused) => {
                plan.outcomes.push(Err(refused));
                continue;
            }
            Ok(Some(room)) => {
                let least = plan.room.entry(job.user_id.clone()).or_insert(room);
                *least = (*least).min(room);
            }
            Ok(None) => {}
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

/// [`quota::charged`] on usage read under the user's row lock, kept in `stored` for the appends
/// after it in the batch; the room the charge left ([`quota::room`]), if anything was charged.
fn charge(
    stored: &mut HashMap<String, i64>,
    user_id: &str,
    bytes: u64,
    max_bytes: u64,
) -> Result<Option<i64>, StorageError> {
    if bytes == 0 {
        return Ok(None);
    }
    // Too large for any quota is refused before the account is looked for, as in SQL.
    quota::sql_figures(bytes, max_bytes)?;
    let Some(usage) = stored.get_mut(user_id) else {
        return Err(StorageError::NotFound("no such account".into()));
    };
    *usage = quota::charged(*usage, bytes, max_bytes)?;
    Ok(Some(quota::room(*usage, max_bytes)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

    use super::*;
    use crate::storage::DocAccess;

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
        let room: Vec<_> = plan.room.iter().map(|(u, r)| (u.as_str(), *r)).collect();
        assert_eq!(
            room,
            [(BOB, 500), (ALICE, 0)],
            "Alice's batch filled her quota; Bob's left 500 bytes"
        );
        let mut latest: Vec<_> = plan.latest_after(&jobs).into_iter().collect();
        latest.sort();
        assert_eq!(
            latest,
            [(format!("user-{BOB}"), 1), (format!("user-{ALICE}"), 3)]
        );
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
