macro_rules! idempotency_repo {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl gridline_domain::ports::IdempotencyRepo for $store {
            async fn claim_key(
                &self,
                key: &gridline_domain::ports::IdempotencyKey,
                at: chrono::DateTime<chrono::Utc>,
                stale_after: chrono::Duration,
            ) -> Result<gridline_domain::ports::Claim, gridline_domain::RepoError> {
                use gridline_domain::ports::{Claim, StoredAnswer};
                use $crate::errors::map_sqlx;
                let mut tx = self.writer().begin().await.map_err(map_sqlx)?;
                let inserted = sqlx::query(
                    "INSERT INTO idempotency_keys (principal, key, request_hash, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (principal, key) DO NOTHING",
                )
                .bind(&key.principal)
                .bind(&key.key)
                .bind(&key.request_hash)
                .bind($crate::types::Ts(at))
                .execute(&mut *tx)
                .await
                .map_err(map_sqlx)?
                .rows_affected();
                if inserted == 1 {
                    tx.commit().await.map_err(map_sqlx)?;
                    return Ok(Claim::Fresh);
                }
                let (hash, status, answer, created_at): (Vec<u8>, Option<i32>, Option<String>, $crate::types::Ts) =
                    sqlx::query_as(
                        "SELECT request_hash, status, answer, created_at FROM idempotency_keys \
                         WHERE principal = $1 AND key = $2",
                    )
                    .bind(&key.principal)
                    .bind(&key.key)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(map_sqlx)?;
                let claim = if hash != key.request_hash {
                    Claim::Mismatch
                } else if let (Some(status), Some(body)) = (status, answer) {
                    Claim::Replay(StoredAnswer { status: u16::try_from(status).unwrap_or(500), body })
                } else if at - created_at.0 > stale_after {
                    // The node that claimed it died before answering: take it over.
                    let taken = sqlx::query(
                        "UPDATE idempotency_keys SET created_at = $3 WHERE principal = $1 AND key = $2 \
                         AND status IS NULL AND created_at = $4",
                    )
                    .bind(&key.principal)
                    .bind(&key.key)
                    .bind($crate::types::Ts(at))
                    .bind(created_at)
                    .execute(&mut *tx)
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

            async fn complete_key(
                &self,
                key: &gridline_domain::ports::IdempotencyKey,
                answer: &gridline_domain::ports::StoredAnswer,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), gridline_domain::RepoError> {
                sqlx::query(
                    "UPDATE idempotency_keys SET status = $3, answer = $4, completed_at = $5 \
                     WHERE principal = $1 AND key = $2 AND status IS NULL",
                )
                .bind(&key.principal)
                .bind(&key.key)
                .bind(i32::from(answer.status))
                .bind(&answer.body)
                .bind($crate::types::Ts(at))
                .execute(self.writer())
                .await
                .map_err($crate::errors::map_sqlx)?;
                Ok(())
            }

            async fn release_key(
                &self,
                key: &gridline_domain::ports::IdempotencyKey,
            ) -> Result<(), gridline_domain::RepoError> {
                sqlx::query("DELETE FROM idempotency_keys WHERE principal = $1 AND key = $2 AND status IS NULL")
                    .bind(&key.principal)
                    .bind(&key.key)
                    .execute(self.writer())
                    .await
                    .map_err($crate::errors::map_sqlx)?;
                Ok(())
            }

            async fn purge_keys(
                &self,
                before: chrono::DateTime<chrono::Utc>,
            ) -> Result<u64, gridline_domain::RepoError> {
                Ok(sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
                    .bind($crate::types::Ts(before))
                    .execute(self.writer())
                    .await
                    .map_err($crate::errors::map_sqlx)?
                    .rows_affected())
            }

            async fn first_report(
                &self,
                case_id: uuid::Uuid,
            ) -> Result<Option<gridline_domain::ports::FirstReport>, gridline_domain::RepoError> {
                let row: Option<(Option<String>, Option<Vec<u8>>, Option<i32>, Option<String>)> = sqlx::query_as(
                    "SELECT reporter, report_hash, report_status, report_answer FROM cases WHERE id = $1",
                )
                .bind(case_id)
                .fetch_optional(self.reader())
                .await
                .map_err($crate::errors::map_sqlx)?;
                Ok(match row {
                    Some((Some(reporter), Some(request_hash), Some(status), Some(body))) => {
                        Some(gridline_domain::ports::FirstReport {
                            reporter,
                            request_hash,
                            answer: gridline_domain::ports::StoredAnswer {
                                status: u16::try_from(status).unwrap_or(201),
                                body,
                            },
                        })
                    }
                    _ => None,
                })
            }
        }
    };
}
pub(crate) use idempotency_repo;
