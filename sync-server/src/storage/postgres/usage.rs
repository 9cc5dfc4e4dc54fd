//! Usage reports, their folded figures, weekly activity and cohorts in PostgreSQL. A report's
//! replacement is one transaction; two instances folding at once are kept apart by the job lease,
//! and each fold's replacement is one transaction too.

use together_core::wire::usage::FeatureUsage;

use super::{PostgresStorage, exec, one, rows};
use crate::storage::StorageError;
use crate::storage::rules::usage::{
    self as rules, CohortFacts, CohortRow, FeatureUsageMetric, UsageSums,
};
use crate::storage::usage::Usage;

/// The Monday of an account's creation week.
const COHORT_WEEK: &str =
    "to_char(date_trunc('week', u.created_at::timestamptz AT TIME ZONE 'UTC'), 'YYYY-MM-DD')";

#[async_trait::async_trait]
impl Usage for PostgresStorage {
    async fn store_usage_report(
        &self,
        day: String,
        token: String,
        features: Vec<FeatureUsage>,
    ) -> Result<(), StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        exec(
            &tx,
            "DELETE FROM usage_reports WHERE day = $1 AND token = $2",
            &[&day, &token],
        )
        .await?;
        for usage in &features {
            let interactions = i32::try_from(usage.interactions).unwrap_or(i32::MAX);
            let seconds = i32::try_from(usage.seconds).unwrap_or(i32::MAX);
            let completed = i32::from(usage.completed);
            // A resend racing this one: the later commit's figures win, feature by feature.
            exec(
                &tx,
                "INSERT INTO usage_reports (day, token, feature, interactions, seconds, completed)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (day, token, feature) DO UPDATE SET
                    interactions = excluded.interactions, seconds = excluded.seconds,
                    completed = excluded.completed",
                &[
                    &day,
                    &token,
                    &usage.feature.as_str(),
                    &interactions,
                    &seconds,
                    &completed,
                ],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn usage_sums(&self, from: String, to: String) -> Result<Vec<UsageSums>, StorageError> {
        let client = self.client().await?;
        let found = rows(
            &client,
            "SELECT r.day, r.feature,
                    (SELECT count(DISTINCT d.token) FROM usage_reports d WHERE d.day = r.day),
                    sum(CASE WHEN r.interactions > 0 THEN 1 ELSE 0 END)::BIGINT,
                    sum(r.interactions)::BIGINT,
                    sum(CASE WHEN r.interactions > 0 THEN r.seconds ELSE 0 END)::BIGINT,
                    sum(CASE WHEN r.interactions > 0 AND r.completed = 1 THEN 1 ELSE 0 END)::BIGINT
             FROM usage_reports r WHERE r.day BETWEEN $1 AND $2
             GROUP BY r.day, r.feature ORDER BY r.day, r.feature",
            &[&from, &to],
        )
        .await?;
        Ok(found
            .into_iter()
            .map(|r| UsageSums {
                day: r.get(0),
                feature: r.get(1),
                reports: r.get(2),
                active: r.get(3),
                interactions: r.get(4),
                active_seconds: r.get(5),
                completed_active: r.get(6),
            })
            .collect())
    }

    async fn replace_feature_usage(
        &self,
        from: String,
        to: String,
        metrics: Vec<FeatureUsageMetric>,
        purge_before: String,
    ) -> Result<(), StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        exec(
            &tx,
            "DELETE FROM feature_usage_metrics WHERE metric_date BETWEEN $1 AND $2",
            &[&from, &to],
        )
        .await?;
        for row in &metrics {
            exec(
                &tx,
                "INSERT INTO feature_usage_metrics (id, feature_name, metric_date, total_users,
                    active_users, total_interactions, average_time_spent_seconds, completion_rate)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    &format!("usage-{}-{}", row.date, row.feature),
                    &row.feature,
                    &row.date,
                    &row.total_users,
                    &row.active_users,
                    &row.total_interactions,
                    &row.average_time_spent_seconds,
                    &row.completion_rate,
                ],
            )
            .await?;
        }
        exec(
            &tx,
            "DELETE FROM usage_reports WHERE day < $1",
            &[&purge_before],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn feature_usage_unfiltered(
        &self,
        from: String,
        to: String,
    ) -> Result<Vec<FeatureUsageMetric>, StorageError> {
        let client = self.client().await?;
        let found = rows(
            &client,
            "SELECT feature_name, metric_date, total_users, active_users, total_interactions,
                    average_time_spent_seconds, completion_rate
             FROM feature_usage_metrics WHERE metric_date BETWEEN $1 AND $2
             ORDER BY metric_date DESC, feature_name",
            &[&from, &to],
        )
        .await?;
        Ok(found
            .into_iter()
            .map(|r| FeatureUsageMetric {
                feature: r.get(0),
                date: r.get(1),
                total_users: r.get(2),
                active_users: r.get(3),
                total_interactions: r.get(4),
                average_time_spent_seconds: r.get(5),
                completion_rate: r.get(6),
            })
            .collect())
    }

    async fn record_active_week(
        &self,
        account_id: String,
        week: String,
    ) -> Result<(), StorageError> {
        let client = self.client().await?;
        // Through `users`: an account deleted meanwhile records nothing.
        exec(
            &client,
            "INSERT INTO account_active_weeks (account_id, week)
             SELECT id, $2 FROM users WHERE id = $1
             ON CONFLICT (account_id, week) DO NOTHING",
            &[&account_id, &week],
        )
        .await?;
        Ok(())
    }

    async fn cohort_facts(&self) -> Result<CohortFacts, StorageError> {
        let client = self.client().await?;
        let sizes = rows(
            &client,
            &format!("SELECT {COHORT_WEEK} AS cw, count(*) FROM users u GROUP BY cw"),
            &[],
        )
        .await?
        .into_iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
        let active = rows(
            &client,
            &format!(
                "SELECT {COHORT_WEEK} AS cw, a.week, count(*)
                 FROM account_active_weeks a JOIN users u ON u.id = a.account_id
                 GROUP BY cw, a.week"
            ),
            &[],
        )
        .await?
        .into_iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
        let paying = rows(
            &client,
            &format!(
                "SELECT {COHORT_WEEK}, u.id, s.created_at, s.canceled_at
                 FROM users u JOIN subscriptions s
                   ON s.user_id = u.id
                   OR s.relationship_id IN
                      (SELECT m.relationship_id FROM memberships m WHERE m.user_id = u.id)
                 WHERE s.status NOT IN ('incomplete', 'incomplete_expired')"
            ),
            &[],
        )
        .await?
        .into_iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
        Ok(CohortFacts {
            sizes,
            active,
            paying,
        })
    }

    async fn replace_cohorts(
        &self,
        cohorts: Vec<CohortRow>,
        now: String,
    ) -> Result<(), StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // Replacers wait for each other (readers do not), so the check below sees the last one.
        tx.batch_execute("LOCK TABLE user_cohorts IN SHARE ROW EXCLUSIVE MODE")
            .await?;
        let stored: Option<String> = one(&tx, "SELECT max(computed_at) FROM user_cohorts", &[])
            .await?
            .get(0);
        if !rules::cohorts_replace(stored.as_deref(), &now) {
            return Ok(());
        }
        exec(&tx, "DELETE FROM user_cohorts", &[]).await?;
        for row in &cohorts {
            exec(
                &tx,
                "INSERT INTO user_cohorts (id, cohort_week, weeks_since_signup, cohort_size,
                    active_users, paying_users, retention_rate, computed_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    &format!("cohort-{}-{}", row.cohort_week, row.weeks_since_signup),
                    &row.cohort_week,
                    &row.weeks_since_signup,
                    &row.cohort_size,
                    &row.active_users,
                    &row.paying_users,
                    &row.retention_rate,
                    &now,
                ],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn user_cohorts(&self) -> Result<Vec<CohortRow>, StorageError> {
        let client = self.client().await?;
        let found = rows(
            &client,
            "SELECT cohort_week, weeks_since_signup, cohort_size, active_users, paying_users,
                    retention_rate
             FROM user_cohorts ORDER BY cohort_week DESC, weeks_since_signup",
            &[],
        )
        .await?;
        Ok(found
            .into_iter()
            .map(|r| CohortRow {
                cohort_week: r.get(0),
                weeks_since_signup: r.get(1),
                cohort_size: r.get(2),
                active_users: r.get(3),
                paying_users: r.get(4),
                retention_rate: r.get(5),
            })
            .collect())
    }
}
