//! Usage reports, their folded figures, weekly activity and cohorts in SQLite.

use rusqlite::params;
use together_core::wire::usage::FeatureUsage;

use super::SqliteStorage;
use crate::storage::StorageError;
use crate::storage::rules::usage::{
    self as rules, CohortFacts, CohortRow, FeatureUsageMetric, UsageSums,
};
use crate::storage::usage::Usage;

/// The Monday of an account's creation week, in SQLite's date functions.
const COHORT_WEEK: &str = "date(u.created_at, 'weekday 0', '-6 days')";

#[async_trait::async_trait]
impl Usage for SqliteStorage {
    async fn store_usage_report(
        &self,
        day: String,
        token: String,
        features: Vec<FeatureUsage>,
    ) -> Result<(), StorageError> {
        self.with_conn(move |conn| {
            let tx = crate::storage::sqlite::write_transaction(conn)?;
            tx.execute(
                "DELETE FROM usage_reports WHERE day = ?1 AND token = ?2",
                params![day, token],
            )?;
            {
                let mut insert = tx.prepare_cached(
                    "INSERT INTO usage_reports (day, token, feature, interactions, seconds, completed)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?;
                for usage in &features {
                    insert.execute(params![
                        day,
                        token,
                        usage.feature.as_str(),
                        usage.interactions,
                        usage.seconds,
                        i64::from(usage.completed)
                    ])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn usage_sums(&self, from: String, to: String) -> Result<Vec<UsageSums>, StorageError> {
        self.with_conn(move |conn| {
            let mut statement = conn.prepare_cached(
                "SELECT r.day, r.feature,
                        (SELECT count(DISTINCT d.token) FROM usage_reports d WHERE d.day = r.day),
                        sum(CASE WHEN r.interactions > 0 THEN 1 ELSE 0 END),
                        sum(r.interactions),
                        sum(CASE WHEN r.interactions > 0 THEN r.seconds ELSE 0 END),
                        sum(CASE WHEN r.interactions > 0 AND r.completed = 1 THEN 1 ELSE 0 END)
                 FROM usage_reports r WHERE r.day BETWEEN ?1 AND ?2
                 GROUP BY r.day, r.feature ORDER BY r.day, r.feature",
            )?;
            let rows = statement.query_map(params![from, to], |r| {
                Ok(UsageSums {
                    day: r.get(0)?,
                    feature: r.get(1)?,
                    reports: r.get(2)?,
                    active: r.get(3)?,
                    interactions: r.get(4)?,
                    active_seconds: r.get(5)?,
                    completed_active: r.get(6)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn replace_feature_usage(
        &self,
        from: String,
        to: String,
        rows: Vec<FeatureUsageMetric>,
        purge_before: String,
    ) -> Result<(), StorageError> {
        self.with_conn(move |conn| {
            let tx = crate::storage::sqlite::write_transaction(conn)?;
            tx.execute(
                "DELETE FROM feature_usage_metrics WHERE metric_date BETWEEN ?1 AND ?2",
                params![from, to],
            )?;
            {
                let mut insert = tx.prepare_cached(
                    "INSERT INTO feature_usage_metrics (id, feature_name, metric_date, total_users,
                        active_users, total_interactions, average_time_spent_seconds, completion_rate)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )?;
                for row in &rows {
                    insert.execute(params![
                        format!("usage-{}-{}", row.date, row.feature),
                        row.feature,
                        row.date,
                        row.total_users,
                        row.active_users,
                        row.total_interactions,
                        row.average_time_spent_seconds,
                        row.completion_rate
                    ])?;
                }
            }
            tx.execute(
                "DELETE FROM usage_reports WHERE day < ?1",
                params![purge_before],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn feature_usage_unfiltered(
        &self,
        from: String,
        to: String,
    ) -> Result<Vec<FeatureUsageMetric>, StorageError> {
        self.with_conn(move |conn| {
            let mut statement = conn.prepare_cached(
                "SELECT feature_name, metric_date, total_users, active_users, total_interactions,
                        average_time_spent_seconds, completion_rate
                 FROM feature_usage_metrics WHERE metric_date BETWEEN ?1 AND ?2
                 ORDER BY metric_date DESC, feature_name",
            )?;
            let rows = statement.query_map(params![from, to], |r| {
                Ok(FeatureUsageMetric {
                    feature: r.get(0)?,
                    date: r.get(1)?,
                    total_users: r.get(2)?,
                    active_users: r.get(3)?,
                    total_interactions: r.get(4)?,
                    average_time_spent_seconds: r.get(5)?,
                    completion_rate: r.get(6)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn record_active_week(
        &self,
        account_id: String,
        week: String,
    ) -> Result<(), StorageError> {
        self.with_conn(move |conn| {
            // Through `users`: an account deleted meanwhile records nothing.
            conn.prepare_cached(
                "INSERT INTO account_active_weeks (account_id, week)
                 SELECT id, ?2 FROM users WHERE id = ?1
                 ON CONFLICT (account_id, week) DO NOTHING",
            )?
            .execute(params![account_id, week])?;
            Ok(())
        })
        .await
    }

    async fn cohort_facts(&self) -> Result<CohortFacts, StorageError> {
        self.with_conn(|conn| {
            let sizes = conn
                .prepare(&format!(
                    "SELECT {COHORT_WEEK} AS cw, count(*) FROM users u GROUP BY cw"
                ))?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            let active = conn
                .prepare(&format!(
                    "SELECT {COHORT_WEEK} AS cw, a.week, count(*)
                     FROM account_active_weeks a JOIN users u ON u.id = a.account_id
                     GROUP BY cw, a.week"
                ))?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            let paying = conn
                .prepare(&format!(
                    "SELECT {COHORT_WEEK}, u.id, s.created_at, s.canceled_at
                     FROM users u JOIN subscriptions s
                       ON s.user_id = u.id
                       OR s.relationship_id IN
                          (SELECT m.relationship_id FROM memberships m WHERE m.user_id = u.id)
                     WHERE s.status NOT IN ('incomplete', 'incomplete_expired')"
                ))?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(CohortFacts {
                sizes,
                active,
                paying,
            })
        })
        .await
    }

    async fn replace_cohorts(&self, rows: Vec<CohortRow>, now: String) -> Result<(), StorageError> {
        self.with_conn(move |conn| {
            // Reads before it writes: it must hold the write lock from its start.
            let tx = crate::storage::sqlite::write_transaction(conn)?;
            let stored: Option<String> =
                tx.query_row("SELECT max(computed_at) FROM user_cohorts", [], |row| {
                    row.get(0)
                })?;
            if !rules::cohorts_replace(stored.as_deref(), &now) {
                return Ok(());
            }
            tx.execute("DELETE FROM user_cohorts", [])?;
            {
                let mut insert = tx.prepare_cached(
                    "INSERT INTO user_cohorts (id, cohort_week, weeks_since_signup, cohort_size,
                        active_users, paying_users, retention_rate, computed_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )?;
                for row in &rows {
                    insert.execute(params![
                        format!("cohort-{}-{}", row.cohort_week, row.weeks_since_signup),
                        row.cohort_week,
                        row.weeks_since_signup,
                        row.cohort_size,
                        row.active_users,
                        row.paying_users,
                        row.retention_rate,
                        now
                    ])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn user_cohorts(&self) -> Result<Vec<CohortRow>, StorageError> {
        self.with_conn(|conn| {
            let mut statement = conn.prepare_cached(
                "SELECT cohort_week, weeks_since_signup, cohort_size, active_users, paying_users,
                        retention_rate
                 FROM user_cohorts ORDER BY cohort_week DESC, weeks_since_signup",
            )?;
            let rows = statement.query_map([], |r| {
                Ok(CohortRow {
                    cohort_week: r.get(0)?,
                    weeks_since_signup: r.get(1)?,
                    cohort_size: r.get(2)?,
                    active_users: r.get(3)?,
                    paying_users: r.get(4)?,
                    retention_rate: r.get(5)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }
}
