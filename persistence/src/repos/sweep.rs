use chrono::{DateTime, NaiveDate, Utc};
use gridline_domain::{
    cases::{Alarm, Case, CaseEvent},
    ports::SweepRepo,
    RepoError,
};
use uuid::Uuid;

use crate::{
    case_rows::{CaseRow, CASE_COLUMNS},
    errors::map_sqlx,
    sql::{query, query_as, Dialect, SqlStore},
    types::Ts,
};

/// A running clock: the case is open and not suspended.
const RUNNING: &str = "c.status NOT IN ('closed', 'rejected', 'cancelled') AND c.suspended_at IS NULL \
     AND c.due_at IS NOT NULL";
/// A threshold passed and not yet recorded for the deadline in force, and
/// the order it fell due in: each is read off its own partial index
/// (migration 0019/0017), whose predicate these repeat word for word.
const WARNING_OWED: &str =
    "(c.warning_sent_for IS NULL OR c.warning_sent_for <> c.due_at) AND c.warn_at <= $1 ORDER BY c.warn_at";
const OVERDUE_OWED: &str =
    "(c.overdue_sent_for IS NULL OR c.overdue_sent_for <> c.due_at) AND c.due_at <= $1 ORDER BY c.due_at";

impl<DB: Dialect> SqlStore<DB> {
    async fn owed(&self, owed: &str, now: DateTime<Utc>, limit: u32) -> Result<Vec<Uuid>, RepoError> {
        let sql = format!("SELECT c.id FROM cases c WHERE {RUNNING} AND {owed} LIMIT $2");
        self.ids_at(&sql, now, limit).await
    }

    /// The ids a statement over `$1` (now) and `$2` (a limit) selects.
    async fn ids_at(&self, sql: &str, now: DateTime<Utc>, limit: u32) -> Result<Vec<Uuid>, RepoError> {
        let rows = query_as::<(Uuid,)>(sql)
            .bind(Ts(now))
            .bind(i64::from(limit))
            .fetch_all(self.reader())
            .await
            .map_err(map_sqlx)?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    pub(super) async fn cases_by_id(&self, ids: &[Uuid]) -> Result<Vec<Case>, RepoError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders = (1..=ids.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let sql = format!("SELECT {CASE_COLUMNS} FROM cases c WHERE c.id IN ({placeholders}) ORDER BY c.due_at");
        let rows = ids
            .iter()
            .fold(query_as::<CaseRow>(&sql), |q, id| q.bind(*id))
            .fetch_all(self.reader())
            .await
            .map_err(map_sqlx)?;
        self.complete(rows).await
    }
}

#[async_trait::async_trait]
impl<DB: Dialect> SweepRepo for SqlStore<DB> {
    async fn due_alarms(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<Alarm>, RepoError> {
        let warning = self.owed(WARNING_OWED, now, limit).await?;
        let overdue = self.owed(OVERDUE_OWED, now, limit).await?;
        let mut ids = warning.clone();
        ids.extend(overdue.iter().filter(|id| !warning.contains(id)));
        ids.truncate(limit as usize);
        Ok(self
            .cases_by_id(&ids)
            .await?
            .into_iter()
            .map(|case| Alarm { warning: warning.contains(&case.id), overdue: overdue.contains(&case.id), case })
            .collect())
    }

    async fn record_alarm(&self, alarm: &Alarm, events: &[CaseEvent]) -> Result<bool, RepoError> {
        let Some(due) = alarm.case.due_at else { return Ok(false) };
        let mut tx = self.writer().begin().await.map_err(map_sqlx)?;
        // Only the sweeper that moves the marker from another deadline to this one writes the events.
        let mut sets = Vec::new();
        let mut owed = Vec::new();
        if alarm.warning {
            sets.push("warning_sent_for = due_at");
            owed.push("(warning_sent_for IS NULL OR warning_sent_for <> due_at)");
        }
        if alarm.overdue {
            sets.push("overdue_sent_for = due_at");
            owed.push("(overdue_sent_for IS NULL OR overdue_sent_for <> due_at)");
        }
        if sets.is_empty() {
            return Ok(false);
        }
        let sql = format!(
            "UPDATE cases SET {} WHERE id = $1 AND due_at = $2 AND suspended_at IS NULL AND {}",
            sets.join(", "),
            owed.join(" AND ")
        );
        let moved =
            query(&sql).bind(alarm.case.id).bind(Ts(due)).execute(&mut tx).await.map_err(map_sqlx)?.rows_affected();
        if moved == 0 {
            return Ok(false);
        }
        let seqs = DB::reserve_seqs(&mut tx, events.len()).await?;
        Self::insert_events(&mut tx, events, &seqs, None, Vec::new()).await?;
        let notices = gridline_domain::notifications::notices(&alarm.case, events, None);
        Self::write_notices(&mut tx, &notices).await?;
        Self::write_webhook_outbox(&mut tx, events).await?;
        tx.commit().await.map_err(map_sqlx)?;
        self.note_change();
        Ok(true)
    }

    async fn escalation_candidates(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<(Case, Vec<CaseEvent>)>, RepoError> {
        let sql = format!(
            "SELECT c.id FROM cases c JOIN categories k ON k.code = c.category_code \
             WHERE {RUNNING} AND k.auto_escalate_after_hours IS NOT NULL AND c.due_at <= $1 \
             AND c.status IN ('reported', 'accepted', 'dispatched', 'in_progress') ORDER BY c.due_at LIMIT $2"
        );
        let ids = self.ids_at(&sql, now, limit).await?;
        let cases = self.cases_by_id(&ids).await?;
        self.with_timelines(cases).await
    }

    async fn suspensions_ending(&self, today: NaiveDate, limit: u32) -> Result<Vec<Case>, RepoError> {
        let rows = query_as::<(Uuid,)>(
            "SELECT c.id FROM cases c WHERE c.suspended_at IS NOT NULL AND c.suspended_until IS NOT NULL \
             AND c.suspended_until <= $1 ORDER BY c.suspended_until LIMIT $2",
        )
        .bind(today.to_string())
        .bind(i64::from(limit))
        .fetch_all(self.reader())
        .await
        .map_err(map_sqlx)?;
        let ids: Vec<Uuid> = rows.into_iter().map(|(id,)| id).collect();
        self.cases_by_id(&ids).await
    }
}
