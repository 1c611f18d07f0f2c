use super::{bump_cache, insert_audit};
use crate::sql::{query, query_as, query_scalar, Dialect, SqlStore};

#[async_trait::async_trait]
impl<DB: Dialect> gridline_domain::ports::AuthRepo for SqlStore<DB> {
    async fn create_session(
        &self,
        session: &gridline_domain::auth::NewSession,
        refresh_hash: &[u8],
        audit: gridline_domain::audit::NewAuditEntry,
    ) -> Result<(), gridline_domain::RepoError> {
        use crate::errors::map_sqlx;
        let mut tx = self.writer().begin().await.map_err(map_sqlx)?;
        query("INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(session.id)
            .bind(session.user_id)
            .bind(crate::types::Ts(session.created_at))
            .bind(crate::types::Ts(session.expires_at))
            .execute(&mut tx)
            .await
            .map_err(map_sqlx)?;
        query("INSERT INTO refresh_tokens (token_hash, session_id, created_at) VALUES ($1, $2, $3)")
            .bind(refresh_hash)
            .bind(session.id)
            .bind(crate::types::Ts(session.created_at))
            .execute(&mut tx)
            .await
            .map_err(map_sqlx)?;
        insert_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(map_sqlx)
    }

    async fn rotate_refresh(
        &self,
        presented: &[u8],
        replacement: &[u8],
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<gridline_domain::auth::RefreshOutcome, gridline_domain::RepoError> {
        use crate::errors::map_sqlx;
        use gridline_domain::auth::RefreshOutcome;
        let now = crate::types::Ts(at);
        let mut tx = self.writer().begin().await.map_err(map_sqlx)?;
        // Claiming the token with a conditional UPDATE makes two racing
        // presentations of one token see exactly one winner.
        let claimed: Option<uuid::Uuid> = query_scalar(
            "UPDATE refresh_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL RETURNING session_id",
        )
        .bind(presented)
        .bind(now)
        .fetch_optional(&mut tx)
        .await
        .map_err(map_sqlx)?;
        let session_id = match claimed {
            Some(id) => id,
            None => {
                let family: Option<(uuid::Uuid, uuid::Uuid)> = query_as(
                    "SELECT s.id, s.user_id FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id \
                     WHERE t.token_hash = $1",
                )
                .bind(presented)
                .fetch_optional(&mut tx)
                .await
                .map_err(map_sqlx)?;
                let Some((session_id, user_id)) = family else { return Ok(RefreshOutcome::Invalid) };
                let revoked = query("UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
                    .bind(session_id)
                    .bind(now)
                    .execute(&mut tx)
                    .await
                    .map_err(map_sqlx)?
                    .rows_affected();
                tx.commit().await.map_err(map_sqlx)?;
                return Ok(if revoked > 0 {
                    RefreshOutcome::Reused { user_id, session_id }
                } else {
                    RefreshOutcome::Invalid
                });
            }
        };
        let live: Option<uuid::Uuid> = query_scalar(
            "SELECT s.user_id FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.id = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND u.active = $3",
        )
        .bind(session_id)
        .bind(now)
        .bind(true)
        .fetch_optional(&mut tx)
        .await
        .map_err(map_sqlx)?;
        let Some(user_id) = live else { return Ok(RefreshOutcome::Invalid) };
        query("INSERT INTO refresh_tokens (token_hash, session_id, created_at) VALUES ($1, $2, $3)")
            .bind(replacement)
            .bind(session_id)
            .bind(now)
            .execute(&mut tx)
            .await
            .map_err(map_sqlx)?;
        tx.commit().await.map_err(map_sqlx)?;
        Ok(RefreshOutcome::Rotated { user_id, session_id })
    }

    async fn revoke_by_refresh(
        &self,
        token_hash: &[u8],
        at: chrono::DateTime<chrono::Utc>,
        audit: gridline_domain::audit::NewAuditEntry,
    ) -> Result<Option<(uuid::Uuid, uuid::Uuid)>, gridline_domain::RepoError> {
        use crate::errors::map_sqlx;
        let mut tx = self.writer().begin().await.map_err(map_sqlx)?;
        let family: Option<(uuid::Uuid, uuid::Uuid)> = query_as(
            "SELECT s.id, s.user_id FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id \
             WHERE t.token_hash = $1 AND s.revoked_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(&mut tx)
        .await
        .map_err(map_sqlx)?;
        let Some((session_id, user_id)) = family else { return Ok(None) };
        query("UPDATE sessions SET revoked_at = $2 WHERE id = $1")
            .bind(session_id)
            .bind(crate::types::Ts(at))
            .execute(&mut tx)
            .await
            .map_err(map_sqlx)?;
        // A phone that logs out stops receiving pushes.
        query("DELETE FROM devices WHERE session_id = $1").bind(session_id).execute(&mut tx).await.map_err(map_sqlx)?;
        let mut audit = audit;
        audit.actor_user_id = Some(user_id);
        insert_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(map_sqlx)?;
        Ok(Some((session_id, user_id)))
    }

    async fn revoke_session(
        &self,
        session_id: uuid::Uuid,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), gridline_domain::RepoError> {
        let mut tx = self.writer().begin().await.map_err(crate::errors::map_sqlx)?;
        query("UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(session_id)
            .bind(crate::types::Ts(at))
            .execute(&mut tx)
            .await
            .map_err(crate::errors::map_sqlx)?;
        query("DELETE FROM devices WHERE session_id = $1")
            .bind(session_id)
            .execute(&mut tx)
            .await
            .map_err(crate::errors::map_sqlx)?;
        tx.commit().await.map_err(crate::errors::map_sqlx)?;
        Ok(())
    }

    async fn user_principal(
        &self,
        user_id: uuid::Uuid,
        session_id: uuid::Uuid,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<gridline_domain::identity::Principal>, gridline_domain::RepoError> {
        use crate::errors::map_sqlx;
        // One round trip on every authenticated request: the account,
        // its session and its grants together.
        let sql = format!(
            "SELECT u.username, {} FROM users u JOIN sessions s ON s.user_id = u.id \
             LEFT JOIN role_grants g ON g.user_id = u.id {} \
             WHERE u.id = $1 AND s.id = $2 AND u.active = $3 AND s.revoked_at IS NULL AND s.expires_at > $4 \
             ORDER BY g.created_at, g.id",
            crate::rows::OPTIONAL_SCOPE_COLUMNS,
            crate::rows::SCOPE_JOINS
        );
        let rows = query_as::<crate::rows::PrincipalRow>(&sql)
            .bind(user_id)
            .bind(session_id)
            .bind(true)
            .bind(crate::types::Ts(at))
            .fetch_all(self.reader())
            .await
            .map_err(map_sqlx)?;
        let Some(username) = rows.first().map(|r| r.username.clone()) else { return Ok(None) };
        let grants = rows.iter().filter_map(crate::rows::PrincipalRow::grant).collect::<Result<Vec<_>, _>>()?;
        Ok(Some(gridline_domain::identity::Principal {
            actor: gridline_domain::identity::Actor::User { id: user_id, username, session_id: Some(session_id) },
            grants,
        }))
    }

    async fn create_api_key(
        &self,
        key: &gridline_domain::auth::NewApiKey,
        audit: gridline_domain::audit::NewAuditEntry,
    ) -> Result<gridline_domain::auth::ApiKey, gridline_domain::RepoError> {
        use crate::errors::map_sqlx;
        let mut tx = self.writer().begin().await.map_err(map_sqlx)?;
        query(
            "INSERT INTO api_keys (id, name, role, unit_id, department_id, prefix, key_hash, created_by, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(key.id)
        .bind(&key.name)
        .bind(key.role.as_str())
        .bind(key.unit_id)
        .bind(key.department_id)
        .bind(&key.prefix)
        .bind(&key.key_hash)
        .bind(key.created_by)
        .bind(crate::types::Ts(key.created_at))
        .execute(&mut tx)
        .await
        .map_err(crate::errors::map_sqlx_reference)?;
        insert_audit(&mut tx, &audit).await?;
        // Case answers name a reporting key from each node's reference data.
        super::bump_cache(&mut tx, "reference").await?;
        let sql = format!(
            "SELECT {} FROM api_keys g {} WHERE g.id = $1",
            crate::rows::API_KEY_COLUMNS,
            crate::rows::SCOPE_JOINS
        );
        let row = query_as::<crate::rows::ApiKeyRow>(&sql).bind(key.id).fetch_one(&mut tx).await.map_err(map_sqlx)?;
        tx.commit().await.map_err(map_sqlx)?;
        row.try_into()
    }

    async fn api_keys(&self) -> Result<Vec<gridline_domain::auth::ApiKey>, gridline_domain::RepoError> {
        let sql = format!(
            "SELECT {} FROM api_keys g {} ORDER BY g.created_at, g.id",
            crate::rows::API_KEY_COLUMNS,
            crate::rows::SCOPE_JOINS
        );
        query_as::<crate::rows::ApiKeyRow>(&sql)
            .fetch_all(self.reader())
            .await
            .map_err(crate::errors::map_sqlx)?
            .into_iter()
            .map(TryInto::try_into)
            .collect()
    }

    async fn revoke_api_key(
        &self,
        id: uuid::Uuid,
        at: chrono::DateTime<chrono::Utc>,
        audit: gridline_domain::audit::NewAuditEntry,
    ) -> Result<gridline_domain::auth::ApiKey, gridline_domain::RepoError> {
        use crate::errors::map_sqlx;
        let mut tx = self.writer().begin().await.map_err(map_sqlx)?;
        query("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1")
            .bind(id)
            .bind(crate::types::Ts(at))
            .execute(&mut tx)
            .await
            .map_err(map_sqlx)?;
        let sql = format!(
            "SELECT {} FROM api_keys g {} WHERE g.id = $1",
            crate::rows::API_KEY_COLUMNS,
            crate::rows::SCOPE_JOINS
        );
        let row = query_as::<crate::rows::ApiKeyRow>(&sql)
            .bind(id)
            .fetch_optional(&mut tx)
            .await
            .map_err(map_sqlx)?
            .ok_or(gridline_domain::RepoError::NotFound)?;
        insert_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(map_sqlx)?;
        row.try_into()
    }

    async fn api_key_principal(
        &self,
        key_hash: &[u8],
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<gridline_domain::identity::Principal>, gridline_domain::RepoError> {
        use crate::errors::map_sqlx;
        let sql = format!(
            "SELECT {} FROM api_keys g {} WHERE g.key_hash = $1 AND g.revoked_at IS NULL",
            crate::rows::API_KEY_COLUMNS,
            crate::rows::SCOPE_JOINS
        );
        let Some(row) = query_as::<crate::rows::ApiKeyRow>(&sql)
            .bind(key_hash)
            .fetch_optional(self.reader())
            .await
            .map_err(map_sqlx)?
        else {
            return Ok(None);
        };
        // Recording every use would turn each read into a write.
        let stale = row.last_used_at.is_none_or(|t| at - t.0 > chrono::Duration::seconds(60));
        if stale {
            query("UPDATE api_keys SET last_used_at = $2 WHERE id = $1")
                .bind(row.scope.id)
                .bind(crate::types::Ts(at))
                .execute(self.writer())
                .await
                .map_err(map_sqlx)?;
        }
        let grant = row.scope.grant()?;
        Ok(Some(gridline_domain::identity::Principal {
            actor: gridline_domain::identity::Actor::ApiKey { id: row.scope.id, name: row.name },
            grants: vec![grant],
        }))
    }

    async fn signing_keys(&self) -> Result<Vec<gridline_domain::auth::SigningKey>, gridline_domain::RepoError> {
        Ok(query_as::<crate::rows::SigningKeyRow>(
            "SELECT kid, public_key, private_key_encrypted, created_at, retired_at FROM signing_keys \
             ORDER BY created_at DESC, kid",
        )
        .fetch_all(self.reader())
        .await
        .map_err(crate::errors::map_sqlx)?
        .into_iter()
        .map(Into::into)
        .collect())
    }

    async fn add_signing_key(
        &self,
        key: &gridline_domain::auth::SigningKey,
        only_if_none: bool,
        audit: Option<gridline_domain::audit::NewAuditEntry>,
    ) -> Result<bool, gridline_domain::RepoError> {
        use crate::errors::map_sqlx;
        let mut tx = self.writer().begin().await.map_err(map_sqlx)?;
        // Serialises concurrent first starts: the bump takes the row lock.
        bump_cache(&mut tx, "signing_keys").await?;
        if only_if_none {
            let count: i64 =
                query_scalar("SELECT COUNT(*) FROM signing_keys").fetch_one(&mut tx).await.map_err(map_sqlx)?;
            if count > 0 {
                return Ok(false);
            }
        }
        query("UPDATE signing_keys SET retired_at = $1 WHERE retired_at IS NULL")
            .bind(crate::types::Ts(key.created_at))
            .execute(&mut tx)
            .await
            .map_err(map_sqlx)?;
        query("INSERT INTO signing_keys (kid, public_key, private_key_encrypted, created_at) VALUES ($1, $2, $3, $4)")
            .bind(&key.kid)
            .bind(&key.public_key)
            .bind(&key.private_key_encrypted)
            .bind(crate::types::Ts(key.created_at))
            .execute(&mut tx)
            .await
            .map_err(map_sqlx)?;
        if let Some(audit) = &audit {
            insert_audit(&mut tx, audit).await?;
        }
        tx.commit().await.map_err(map_sqlx)?;
        Ok(true)
    }

    async fn hit_throttle(
        &self,
        key: &str,
        hit: &gridline_domain::ports::ThrottleHit,
    ) -> Result<gridline_domain::auth::Throttle, gridline_domain::RepoError> {
        // One statement, so that parallel attempts each see the count
        // the others left: $2 now, $3 window start.
        Ok(query_as::<crate::rows::ThrottleRow>(
            "INSERT INTO login_throttle (key, failures, window_started_at, locked_until) \
             VALUES ($1, 1, $2, NULL) \
             ON CONFLICT (key) DO UPDATE SET \
             failures = CASE WHEN login_throttle.locked_until > $2 THEN login_throttle.failures \
               WHEN login_throttle.locked_until IS NOT NULL OR login_throttle.window_started_at <= $3 THEN 1 \
               ELSE login_throttle.failures + 1 END, \
             window_started_at = CASE WHEN login_throttle.locked_until > $2 THEN login_throttle.window_started_at \
               WHEN login_throttle.locked_until IS NOT NULL OR login_throttle.window_started_at <= $3 THEN $2 \
               ELSE login_throttle.window_started_at END, \
             locked_until = CASE WHEN login_throttle.locked_until > $2 THEN login_throttle.locked_until END \
             RETURNING failures, window_started_at, locked_until",
        )
        .bind(key)
        .bind(crate::types::Ts(hit.now))
        .bind(crate::types::Ts(hit.window_start))
        .fetch_one(self.writer())
        .await
        .map_err(crate::errors::map_sqlx)?
        .into())
    }

    async fn lock_throttle(
        &self,
        key: &str,
        max: u32,
        until: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), gridline_domain::RepoError> {
        query(
            "UPDATE login_throttle SET locked_until = $3 \
             WHERE key = $1 AND failures >= $2 AND locked_until IS NULL",
        )
        .bind(key)
        .bind(i64::from(max))
        .bind(crate::types::Ts(until))
        .execute(self.writer())
        .await
        .map_err(crate::errors::map_sqlx)?;
        Ok(())
    }

    async fn release_throttle(&self, key: &str) -> Result<(), gridline_domain::RepoError> {
        query(
            "UPDATE login_throttle SET failures = failures - 1 \
             WHERE key = $1 AND failures > 0 AND locked_until IS NULL",
        )
        .bind(key)
        .execute(self.writer())
        .await
        .map_err(crate::errors::map_sqlx)?;
        Ok(())
    }

    async fn clear_throttle(&self, key: &str) -> Result<(), gridline_domain::RepoError> {
        query("DELETE FROM login_throttle WHERE key = $1")
            .bind(key)
            .execute(self.writer())
            .await
            .map_err(crate::errors::map_sqlx)?;
        Ok(())
    }
}
