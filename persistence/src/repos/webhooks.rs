use chrono::{DateTime, Utc};
use gridline_domain::{
    audit::NewAuditEntry,
    cases::CaseEvent,
    ports::WebhookRepo,
    webhooks::{Attempt, EventFilter, Webhook},
    RepoError,
};
use uuid::Uuid;

use super::insert_audit;
use crate::{
    errors::map_sqlx,
    sql::{query, query_as, Dialect, SqlStore},
    types::Ts,
};

type HookRow = (Uuid, String, String, Option<Uuid>, Option<String>, bool, Vec<u8>, Option<String>, Ts, Ts);
const HOOK_COLUMNS: &str =
    "id, url, events, unit_id, unit_path, active, secret_sealed, disabled_reason, created_at, updated_at";

fn hook(
    (id, url, events, unit_id, unit_path, active, secret_sealed, disabled_reason, created_at, updated_at): HookRow,
) -> Result<Webhook, RepoError> {
    Ok(Webhook {
        id,
        url,
        events: EventFilter::from_stored(&events)
            .ok_or_else(|| RepoError::Unknown(anyhow::anyhow!("stored webhook events '{events}' are not valid")))?,
        unit: unit_id.zip(unit_path),
        active,
        secret_sealed,
        disabled_reason,
        created_at: created_at.0,
        updated_at: updated_at.0,
    })
}

type AttemptRow = (Uuid, Uuid, Uuid, i32, Ts, Option<i32>, i32, Option<String>);

fn attempt((id, webhook_id, event_id, n, at, status, duration_ms, error): AttemptRow) -> Attempt {
    Attempt {
        id,
        webhook_id,
        event_id,
        attempt: u32::try_from(n).unwrap_or_default(),
        at: at.0,
        status: status.and_then(|s| u16::try_from(s).ok()),
        duration_ms: u32::try_from(duration_ms).unwrap_or_default(),
        error,
    }
}

impl<DB: Dialect> SqlStore<DB> {
    /// The events of a write owed to webhook subscriptions, in its
    /// transaction: one row per event and subscription that wants it, all in
    /// one statement.
    /// The webhook outbox rows as a rider of a case write's statement
    /// (PostgreSQL): the same rows as [`Self::write_webhook_outbox`].
    pub(super) fn webhook_rider(events: &[CaseEvent]) -> Option<super::riders::Rider> {
        if events.is_empty() {
            return None;
        }
        let (uuid, ts) = (DB::AS_UUID, DB::AS_TIMESTAMP);
        let rows: Vec<String> = (0..events.len())
            .map(|i| format!("(${}{uuid}, ${}{ts}, ${}, ${})", 4 * i + 1, 4 * i + 2, 4 * i + 3, 4 * i + 4))
            .collect();
        // A subquery with named columns, not a WITH: this is a CTE itself.
        let sql = format!(
            "INSERT INTO outbox (target, recipient, event_id, next_at, created_at) \
             SELECT 'webhook', w.id, e.id, e.at, e.at FROM webhooks w JOIN (VALUES {}) AS e (id, at, pattern, path) \
             ON (w.events = ',*,' OR w.events LIKE e.pattern) \
             AND (w.unit_path IS NULL OR substr(e.path, 1, length(w.unit_path)) = w.unit_path) \
             WHERE w.active ON CONFLICT (target, recipient, event_id) DO NOTHING",
            rows.join(", ")
        );
        Some(super::riders::Rider { name: "hooks".into(), sql, args: Self::webhook_args(events) })
    }

    fn webhook_args(events: &[CaseEvent]) -> Vec<crate::sql::Arg> {
        events
            .iter()
            .flat_map(|e| {
                [
                    e.id.into(),
                    Ts(e.at).into(),
                    format!("%,{},%", e.event_type.as_str()).into(),
                    e.visible_after.grid_path.clone().into(),
                ]
            })
            .collect()
    }

    pub(super) async fn write_webhook_outbox(
        tx: &mut sqlx::Transaction<'_, DB>,
        events: &[CaseEvent],
    ) -> Result<(), RepoError> {
        if events.is_empty() {
            return Ok(());
        }
        let (uuid, ts) = (DB::AS_UUID, DB::AS_TIMESTAMP);
        let rows: Vec<String> = (0..events.len())
            .map(|i| format!("(${}{uuid}, ${}{ts}, ${}, ${})", 4 * i + 1, 4 * i + 2, 4 * i + 3, 4 * i + 4))
            .collect();
        let sql = format!(
            "WITH e (id, at, pattern, path) AS (VALUES {}) \
             INSERT INTO outbox (target, recipient, event_id, next_at, created_at) \
             SELECT 'webhook', w.id, e.id, e.at, e.at FROM webhooks w JOIN e \
             ON (w.events = ',*,' OR w.events LIKE e.pattern) \
             AND (w.unit_path IS NULL OR substr(e.path, 1, length(w.unit_path)) = w.unit_path) \
             WHERE w.active ON CONFLICT (target, recipient, event_id) DO NOTHING",
            rows.join(", ")
        );
        query(&sql).bind_all(Self::webhook_args(events)).execute(&mut *tx).await.map_err(map_sqlx)?;
        Ok(())
    }

    async fn write_hook(&self, h: &Webhook, create: bool, audit: NewAuditEntry) -> Result<(), RepoError> {
        let mut tx = self.writer().begin().await.map_err(map_sqlx)?;
        let sql = if create {
            format!("INSERT INTO webhooks ({HOOK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
        } else {
            "UPDATE webhooks SET url = $2, events = $3, unit_id = $4, unit_path = $5, active = $6, \
             secret_sealed = $7, disabled_reason = $8, updated_at = $10 WHERE id = $1 AND created_at = $9"
                .to_owned()
        };
        let (unit_id, unit_path) = h.unit.clone().unzip();
        query(&sql)
            .bind(h.id)
            .bind(h.url.as_str())
            .bind(h.events.stored())
            .bind(unit_id)
            .bind(unit_path)
            .bind(h.active)
            .bind(h.secret_sealed.clone())
            .bind(h.disabled_reason.clone())
            .bind(Ts(h.created_at))
            .bind(Ts(h.updated_at))
            .execute(&mut tx)
            .await
            .map_err(map_sqlx)?;
        insert_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(map_sqlx)?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl<DB: Dialect> WebhookRepo for SqlStore<DB> {
    async fn create_webhook(&self, h: &Webhook, audit: NewAuditEntry) -> Result<(), RepoError> {
        self.write_hook(h, true, audit).await
    }

    async fn webhooks(&self) -> Result<Vec<Webhook>, RepoError> {
        let rows: Vec<HookRow> = query_as(&format!("SELECT {HOOK_COLUMNS} FROM webhooks ORDER BY created_at, id"))
            .fetch_all(self.reader())
            .await
            .map_err(map_sqlx)?;
        rows.into_iter().map(hook).collect()
    }

    async fn webhook(&self, id: Uuid) -> Result<Option<Webhook>, RepoError> {
        let row: Option<HookRow> = query_as(&format!("SELECT {HOOK_COLUMNS} FROM webhooks WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.writer())
            .await
            .map_err(map_sqlx)?;
        row.map(hook).transpose()
    }

    async fn update_webhook(&self, h: &Webhook, audit: NewAuditEntry) -> Result<(), RepoError> {
        self.write_hook(h, false, audit).await
    }

    async fn delete_webhook(&self, id: Uuid, audit: NewAuditEntry) -> Result<bool, RepoError> {
        let mut tx = self.writer().begin().await.map_err(map_sqlx)?;
        let gone = query("DELETE FROM webhooks WHERE id = $1").bind(id).execute(&mut tx).await.map_err(map_sqlx)?;
        if gone.rows_affected() == 0 {
            return Ok(false);
        }
        query("DELETE FROM outbox WHERE target = 'webhook' AND recipient = $1")
            .bind(id)
            .execute(&mut tx)
            .await
            .map_err(map_sqlx)?;
        insert_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(map_sqlx)?;
        Ok(true)
    }

    async fn record_attempt(&self, a: &Attempt) -> Result<(), RepoError> {
        query(
            "INSERT INTO webhook_attempts (id, webhook_id, event_id, attempt, at, status, duration_ms, error) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(a.id)
        .bind(a.webhook_id)
        .bind(a.event_id)
        .bind(i32::try_from(a.attempt).unwrap_or(i32::MAX))
        .bind(Ts(a.at))
        .bind(a.status.map(i32::from))
        .bind(i32::try_from(a.duration_ms).unwrap_or(i32::MAX))
        .bind(a.error.clone())
        .execute(self.writer())
        .await
        .map_err(map_sqlx)?;
        Ok(())
    }

    async fn attempts(&self, webhook: Uuid, before: Option<Uuid>, limit: u32) -> Result<Vec<Attempt>, RepoError> {
        let older = if before.is_some() { " AND id < $2" } else { "" };
        let sql = format!(
            "SELECT id, webhook_id, event_id, attempt, at, status, duration_ms, error FROM webhook_attempts \
             WHERE webhook_id = $1{older} ORDER BY id DESC LIMIT {}",
            limit.clamp(1, 200)
        );
        let mut q = query_as::<AttemptRow>(&sql).bind(webhook);
        if let Some(before) = before {
            q = q.bind(before);
        }
        Ok(q.fetch_all(self.reader()).await.map_err(map_sqlx)?.into_iter().map(attempt).collect())
    }

    async fn redeliver(&self, webhook: Uuid, event_id: Uuid, at: DateTime<Utc>) -> Result<bool, RepoError> {
        let done = query(
            "UPDATE outbox SET next_at = $3, delivered_at = NULL, failed_at = NULL, claimed_until = NULL, \
             attempts = 0, created_at = $3 WHERE target = 'webhook' AND recipient = $1 AND event_id = $2",
        )
        .bind(webhook)
        .bind(event_id)
        .bind(Ts(at))
        .execute(self.writer())
        .await
        .map_err(map_sqlx)?;
        Ok(done.rows_affected() == 1)
    }

    async fn disable_webhook(&self, id: Uuid, reason: &str, audit: NewAuditEntry) -> Result<(), RepoError> {
        let mut tx = self.writer().begin().await.map_err(map_sqlx)?;
        query("UPDATE webhooks SET active = false, disabled_reason = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(reason)
            .bind(Ts(audit.at))
            .execute(&mut tx)
            .await
            .map_err(map_sqlx)?;
        // What it was still owed is given up with it.
        query(
            "UPDATE outbox SET failed_at = $2, claimed_until = NULL WHERE target = 'webhook' AND recipient = $1 \
             AND delivered_at IS NULL AND failed_at IS NULL",
        )
        .bind(id)
        .bind(Ts(audit.at))
        .execute(&mut tx)
        .await
        .map_err(map_sqlx)?;
        insert_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(map_sqlx)?;
        Ok(())
    }

    async fn event(&self, id: Uuid) -> Result<Option<CaseEvent>, RepoError> {
        let sql = format!("SELECT {} FROM case_events WHERE id = $1", crate::case_rows::EVENT_COLUMNS);
        let row: Option<crate::case_rows::EventRow> =
            query_as(&sql).bind(id).fetch_optional(self.reader()).await.map_err(map_sqlx)?;
        row.map(TryInto::try_into).transpose()
    }
}
