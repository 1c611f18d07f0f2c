use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use gridline_domain::{
    ports::{Claim, FirstReport, IdempotencyKey, IdempotencyRepo, Receipt},
    RepoError,
};
use uuid::Uuid;

use crate::{
    errors::map_sqlx,
    sql::{query, query_as, Dialect, SqlStore},
    types::Ts,
};

#[async_trait]
impl<DB: Dialect> IdempotencyRepo for SqlStore<DB> {
    async fn claim_key(
        &self,
        key: &IdempotencyKey,
        at: DateTime<Utc>,
        stale_after: Duration,
    ) -> Result<Claim, RepoError> {
        let mut tx = self.writer().begin().await.map_err(map_sqlx)?;
        let inserted = query(
            "INSERT INTO idempotency_keys (principal, key, request_hash, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (principal, key) DO NOTHING",
        )
        .bind(&key.principal)
        .bind(&key.key)
        .bind(&key.request_hash)
        .bind(Ts(at))
        .execute(&mut tx)
        .await
        .map_err(map_sqlx)?
        .rows_affected();
        if inserted == 1 {
            tx.commit().await.map_err(map_sqlx)?;
            return Ok(Claim::Fresh);
        }
        let (hash, receipt, created_at): (Vec<u8>, Option<String>, Ts) = query_as(
            "SELECT request_hash, receipt, created_at FROM idempotency_keys WHERE principal = $1 AND key = $2",
        )
        .bind(&key.principal)
        .bind(&key.key)
        .fetch_one(&mut tx)
        .await
        .map_err(map_sqlx)?;
        let claim = if hash != key.request_hash {
            Claim::Mismatch
        } else if let Some(receipt) = receipt {
            Claim::Replay(Receipt(receipt))
        } else if at - created_at.0 > stale_after {
            // The node that claimed it died before answering: take it over.
            let taken = query(
                "UPDATE idempotency_keys SET created_at = $3 WHERE principal = $1 AND key = $2 \
                 AND completed_at IS NULL AND created_at = $4",
            )
            .bind(&key.principal)
            .bind(&key.key)
            .bind(Ts(at))
            .bind(created_at)
            .execute(&mut tx)
            .await
            .map_err(map_sqlx)?
            .rows_affected();
            if taken == 1 {
                Claim::Fresh
            } else {
                Claim::InProgress
            }
        } else {
            Claim::InProgress
        };
        tx.commit().await.map_err(map_sqlx)?;
        Ok(claim)
    }

    async fn complete_key(&self, key: &IdempotencyKey, receipt: &Receipt, at: DateTime<Utc>) -> Result<(), RepoError> {
        query(
            "UPDATE idempotency_keys SET receipt = $3, completed_at = $4 \
             WHERE principal = $1 AND key = $2 AND completed_at IS NULL",
        )
        .bind(&key.principal)
        .bind(&key.key)
        .bind(&receipt.0)
        .bind(Ts(at))
        .execute(self.writer())
        .await
        .map_err(map_sqlx)?;
        Ok(())
    }

    async fn release_key(&self, key: &IdempotencyKey) -> Result<(), RepoError> {
        query("DELETE FROM idempotency_keys WHERE principal = $1 AND key = $2 AND completed_at IS NULL")
            .bind(&key.principal)
            .bind(&key.key)
            .execute(self.writer())
            .await
            .map_err(map_sqlx)?;
        Ok(())
    }

    async fn purge_keys(&self, before: DateTime<Utc>) -> Result<u64, RepoError> {
        Ok(query("DELETE FROM idempotency_keys WHERE created_at < $1")
            .bind(Ts(before))
            .execute(self.writer())
            .await
            .map_err(map_sqlx)?
            .rows_affected())
    }

    async fn first_report(&self, case_id: Uuid) -> Result<Option<FirstReport>, RepoError> {
        let row: Option<(Option<String>, Option<Vec<u8>>, Option<String>)> =
            query_as("SELECT reporter, report_hash, report_receipt FROM cases WHERE id = $1")
                .bind(case_id)
                .fetch_optional(self.reader())
                .await
                .map_err(map_sqlx)?;
        Ok(match row {
            Some((Some(reporter), Some(request_hash), Some(receipt))) => {
                Some(FirstReport { reporter, request_hash, receipt: Receipt(receipt) })
            }
            _ => None,
        })
    }
}
