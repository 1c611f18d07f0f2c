use chrono::{DateTime, Utc};
use gridline_domain::{
    notifications::{Notification, NotificationKind},
    ports::{DeviceRepo, OutboxRepo},
    push::{Delivery, Device, Platform, PushProvider, Target},
    RepoError,
};
use uuid::Uuid;

use crate::{
    errors::map_sqlx,
    sql::{query, query_as, Dialect, SqlStore},
    types::Ts,
};

type DeviceRow = (Uuid, Uuid, Option<Uuid>, String, String, String, Ts);
const DEVICE_COLUMNS: &str = "id, user_id, session_id, platform, provider, push_token, created_at";

fn corrupt(what: &str, value: &str) -> RepoError {
    RepoError::Unknown(anyhow::anyhow!("stored {what} '{value}' is not valid"))
}

fn device(
    (id, user_id, session_id, platform, provider, push_token, created_at): DeviceRow,
) -> Result<Device, RepoError> {
    Ok(Device {
        id,
        user_id,
        session_id,
        platform: Platform::parse(&platform).ok_or_else(|| corrupt("platform", &platform))?,
        provider: PushProvider::parse(&provider).ok_or_else(|| corrupt("push provider", &provider))?,
        push_token,
        created_at: created_at.0,
    })
}

#[async_trait::async_trait]
impl<DB: Dialect> DeviceRepo for SqlStore<DB> {
    async fn register_device(&self, d: &Device) -> Result<(Device, bool), RepoError> {
        let mut tx = self.writer().begin().await.map_err(map_sqlx)?;
        let known: Option<DeviceRow> = query_as(&format!(
            "SELECT {DEVICE_COLUMNS} FROM devices WHERE user_id = $1 AND provider = $2 AND push_token = $3"
        ))
        .bind(d.user_id)
        .bind(d.provider.as_str())
        .bind(d.push_token.as_str())
        .fetch_optional(&mut tx)
        .await
        .map_err(map_sqlx)?;
        let answer = match known {
            Some(row) => {
                let mut known = device(row)?;
                query("UPDATE devices SET session_id = $2, platform = $3 WHERE id = $1")
                    .bind(known.id)
                    .bind(d.session_id)
                    .bind(d.platform.as_str())
                    .execute(&mut tx)
                    .await
                    .map_err(map_sqlx)?;
                (known.session_id, known.platform) = (d.session_id, d.platform);
                (known, false)
            }
            None => {
                query(&format!("INSERT INTO devices ({DEVICE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"))
                    .bind(d.id)
                    .bind(d.user_id)
                    .bind(d.session_id)
                    .bind(d.platform.as_str())
                    .bind(d.provider.as_str())
                    .bind(d.push_token.as_str())
                    .bind(Ts(d.created_at))
                    .execute(&mut tx)
                    .await
                    .map_err(map_sqlx)?;
                (d.clone(), true)
            }
        };
        tx.commit().await.map_err(map_sqlx)?;
        Ok(answer)
    }

    async fn devices(&self, user: Uuid) -> Result<Vec<Device>, RepoError> {
        let rows: Vec<DeviceRow> =
            query_as(&format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE user_id = $1 ORDER BY created_at, id"))
                .bind(user)
                .fetch_all(self.reader())
                .await
                .map_err(map_sqlx)?;
        rows.into_iter().map(device).collect()
    }

    async fn remove_device(&self, user: Uuid, id: Uuid) -> Result<bool, RepoError> {
        let done = query("DELETE FROM devices WHERE user_id = $1 AND id = $2")
            .bind(user)
            .bind(id)
            .execute(self.writer())
            .await
            .map_err(map_sqlx)?;
        Ok(done.rows_affected() == 1)
    }
}

type DeliveryRow = (String, Uuid, Uuid, i32, Ts);

fn delivery((target, recipient, event_id, attempts, created_at): DeliveryRow) -> Result<Delivery, RepoError> {
    Ok(Delivery {
        target: Target::parse(&target).ok_or_else(|| corrupt("delivery target", &target))?,
        recipient,
        event_id,
        attempts: u32::try_from(attempts).unwrap_or_default(),
        created_at: created_at.0,
    })
}

impl<DB: Dialect> SqlStore<DB> {
    async fn settle(&self, d: &Delivery, set: &str, at: DateTime<Utc>, error: Option<&str>) -> Result<(), RepoError> {
        query(&format!(
            "UPDATE outbox SET {set} = $4, claimed_until = NULL, last_error = $5 \
             WHERE target = $1 AND recipient = $2 AND event_id = $3"
        ))
        .bind(d.target.as_str())
        .bind(d.recipient)
        .bind(d.event_id)
        .bind(Ts(at))
        .bind(error)
        .execute(self.writer())
        .await
        .map_err(map_sqlx)?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl<DB: Dialect> OutboxRepo for SqlStore<DB> {
    async fn claim_deliveries(
        &self,
        now: DateTime<Utc>,
        lease: std::time::Duration,
        limit: u32,
    ) -> Result<Vec<Delivery>, RepoError> {
        let until = now + chrono::Duration::from_std(lease).unwrap_or_default();
        let sql = format!(
            "UPDATE outbox SET claimed_until = $2, attempts = attempts + 1 \
             WHERE (target, recipient, event_id) IN ( \
                SELECT c.target, c.recipient, c.event_id FROM outbox c \
                WHERE c.delivered_at IS NULL AND c.failed_at IS NULL AND c.next_at <= $1 \
                AND (c.claimed_until IS NULL OR c.claimed_until < $1) \
                AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.target = c.target AND e.recipient = c.recipient \
                    AND e.delivered_at IS NULL AND e.failed_at IS NULL AND e.event_id < c.event_id) \
                ORDER BY c.next_at LIMIT {}{}) \
             RETURNING target, recipient, event_id, attempts, created_at",
            limit.clamp(1, 100),
            DB::SKIP_LOCKED
        );
        let rows: Vec<DeliveryRow> =
            query_as(&sql).bind(Ts(now)).bind(Ts(until)).fetch_all(self.writer()).await.map_err(map_sqlx)?;
        rows.into_iter().map(delivery).collect()
    }

    async fn delivered(&self, d: &Delivery, at: DateTime<Utc>) -> Result<(), RepoError> {
        self.settle(d, "delivered_at", at, None).await
    }

    async fn retry_later(&self, d: &Delivery, next_at: DateTime<Utc>, error: &str) -> Result<(), RepoError> {
        self.settle(d, "next_at", next_at, Some(error)).await
    }

    async fn give_up(&self, d: &Delivery, at: DateTime<Utc>, error: &str) -> Result<(), RepoError> {
        self.settle(d, "failed_at", at, Some(error)).await
    }

    async fn forget_settled(&self, before: DateTime<Utc>) -> Result<u64, RepoError> {
        let mut tx = self.writer().begin().await.map_err(map_sqlx)?;
        let deliveries = query("DELETE FROM outbox WHERE delivered_at < $1 OR failed_at < $1")
            .bind(Ts(before))
            .execute(&mut tx)
            .await
            .map_err(map_sqlx)?
            .rows_affected();
        let attempts = query("DELETE FROM webhook_attempts WHERE at < $1")
            .bind(Ts(before))
            .execute(&mut tx)
            .await
            .map_err(map_sqlx)?
            .rows_affected();
        tx.commit().await.map_err(map_sqlx)?;
        Ok(deliveries + attempts)
    }

    async fn notification(&self, user: Uuid, event_id: Uuid) -> Result<Option<Notification>, RepoError> {
        let row: Option<(String, Uuid, String, String, Ts, Option<Ts>)> = query_as(
            "SELECT kind, case_id, title, body, at, read_at FROM notifications WHERE user_id = $1 AND event_id = $2",
        )
        .bind(user)
        .bind(event_id)
        .fetch_optional(self.reader())
        .await
        .map_err(map_sqlx)?;
        row.map(|(kind, case_id, title, body, at, read_at)| {
            Ok(Notification {
                id: event_id,
                user_id: user,
                kind: NotificationKind::parse(&kind).ok_or_else(|| corrupt("notification kind", &kind))?,
                case_id,
                title,
                body,
                at: at.0,
                read: read_at.is_some(),
            })
        })
        .transpose()
    }
}
