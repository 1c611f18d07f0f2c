use super::{bump_cache, insert_audit};
use crate::sql::{query, query_as, query_scalar, Dialect, SqlStore};

#[async_trait::async_trait]
impl<DB: Dialect> gridline_domain::ports::UserRepo for SqlStore<DB> {
    async fn create_user(
        &self,
        user: &gridline_domain::ports::NewUser,
        audit: gridline_domain::audit::NewAuditEntry,
    ) -> Result<gridline_domain::identity::User, gridline_domain::RepoError> {
        use crate::errors::map_sqlx;
        let mut tx = self.writer().begin().await.map_err(map_sqlx)?;
        query(
            "INSERT INTO users (id, username, display_name, phone, password_hash, active, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(user.id)
        .bind(&user.username)
        .bind(&user.display_name)
        .bind(&user.phone)
        .bind(&user.password_hash)
        .bind(true)
        .bind(crate::types::Ts(user.at))
        .execute(&mut tx)
        .await
        .map_err(map_sqlx)?;
        insert_audit(&mut tx, &audit).await?;
        // Case answers show display names from each node's reference data.
        bump_cache(&mut tx, "reference").await?;
        tx.commit().await.map_err(map_sqlx)?;
        Ok(gridline_domain::identity::User {
            id: user.id,
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            phone: user.phone.clone(),
            active: true,
            created_at: user.at,
            updated_at: user.at,
        })
    }

    async fn user(
        &self,
        id: uuid::Uuid,
    ) -> Result<Option<gridline_domain::identity::User>, gridline_domain::RepoError> {
        let sql = format!("SELECT {} FROM users WHERE id = $1", crate::rows::USER_COLUMNS);
        Ok(query_as::<crate::rows::UserRow>(&sql)
            .bind(id)
            .fetch_optional(self.reader())
            .await
            .map_err(crate::errors::map_sqlx)?
            .map(Into::into))
    }

    async fn user_with_hash(
        &self,
        username: &str,
    ) -> Result<Option<(gridline_domain::identity::User, String)>, gridline_domain::RepoError> {
        let sql = format!("SELECT {}, password_hash FROM users WHERE username = $1", crate::rows::USER_COLUMNS);
        Ok(query_as::<crate::rows::UserWithHashRow>(&sql)
            .bind(username)
            .fetch_optional(self.reader())
            .await
            .map_err(crate::errors::map_sqlx)?
            .map(|r| (r.user.into(), r.password_hash)))
    }

    async fn password_hash(&self, id: uuid::Uuid) -> Result<Option<String>, gridline_domain::RepoError> {
        query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(self.reader())
            .await
            .map_err(crate::errors::map_sqlx)
    }

    async fn users(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<gridline_domain::identity::User>, gridline_domain::RepoError> {
        let sql = format!(
            "SELECT {} FROM users WHERE ($1 IS NULL OR username > $1) ORDER BY username LIMIT $2",
            crate::rows::USER_COLUMNS
        );
        Ok(query_as::<crate::rows::UserRow>(&sql)
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(self.reader())
            .await
            .map_err(crate::errors::map_sqlx)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    async fn user_count(&self) -> Result<i64, gridline_domain::RepoError> {
        query_scalar("SELECT COUNT(*) FROM users").fetch_one(self.reader()).await.map_err(crate::errors::map_sqlx)
    }

    async fn update_user(
        &self,
        id: uuid::Uuid,
        patch: &gridline_domain::ports::UserPatch,
        at: chrono::DateTime<chrono::Utc>,
        audit: gridline_domain::audit::NewAuditEntry,
    ) -> Result<gridline_domain::identity::User, gridline_domain::RepoError> {
        use crate::errors::map_sqlx;
        let mut tx = self.writer().begin().await.map_err(map_sqlx)?;
        let sql = format!("SELECT {} FROM users WHERE id = $1", crate::rows::USER_COLUMNS);
        let mut user: gridline_domain::identity::User = query_as::<crate::rows::UserRow>(&sql)
            .bind(id)
            .fetch_optional(&mut tx)
            .await
            .map_err(map_sqlx)?
            .ok_or(gridline_domain::RepoError::NotFound)?
            .into();
        if let Some(name) = &patch.display_name {
            user.display_name = name.clone();
        }
        if let Some(phone) = &patch.phone {
            user.phone = phone.clone();
        }
        if let Some(active) = patch.active {
            if !active && user.active {
                query("UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
                    .bind(id)
                    .bind(crate::types::Ts(at))
                    .execute(&mut tx)
                    .await
                    .map_err(map_sqlx)?;
            }
            user.active = active;
        }
        user.updated_at = at;
        query("UPDATE users SET display_name = $2, phone = $3, active = $4, updated_at = $5 WHERE id = $1")
            .bind(id)
            .bind(&user.display_name)
            .bind(&user.phone)
            .bind(user.active)
            .bind(crate::types::Ts(at))
            .execute(&mut tx)
            .await
            .map_err(map_sqlx)?;
        insert_audit(&mut tx, &audit).await?;
        if patch.display_name.is_some() {
            bump_cache(&mut tx, "reference").await?;
        }
        tx.commit().await.map_err(map_sqlx)?;
        Ok(user)
    }

    async fn names(&self) -> Result<Vec<(uuid::Uuid, String)>, gridline_domain::RepoError> {
        query_as::<(uuid::Uuid, String)>("SELECT id, display_name FROM users UNION ALL SELECT id, name FROM api_keys")
            .fetch_all(self.reader())
            .await
            .map_err(crate::errors::map_sqlx)
    }

    async fn set_password(
        &self,
        id: uuid::Uuid,
        hash: &str,
        keep_session: Option<uuid::Uuid>,
        at: chrono::DateTime<chrono::Utc>,
        audit: gridline_domain::audit::NewAuditEntry,
    ) -> Result<(), gridline_domain::RepoError> {
        use crate::errors::map_sqlx;
        let mut tx = self.writer().begin().await.map_err(map_sqlx)?;
        let changed = query("UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(hash)
            .bind(crate::types::Ts(at))
            .execute(&mut tx)
            .await
            .map_err(map_sqlx)?
            .rows_affected();
        if changed == 0 {
            return Err(gridline_domain::RepoError::NotFound);
        }
        query(
            "UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL \
             AND ($3 IS NULL OR id <> $3)",
        )
        .bind(id)
        .bind(crate::types::Ts(at))
        .bind(keep_session)
        .execute(&mut tx)
        .await
        .map_err(map_sqlx)?;
        insert_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(map_sqlx)
    }

    async fn grants(
        &self,
        user_id: uuid::Uuid,
    ) -> Result<Vec<gridline_domain::identity::Grant>, gridline_domain::RepoError> {
        let sql = format!(
            "SELECT {} FROM role_grants g {} WHERE g.user_id = $1 ORDER BY g.created_at, g.id",
            crate::rows::SCOPE_COLUMNS,
            crate::rows::SCOPE_JOINS
        );
        query_as::<crate::rows::ScopeRow>(&sql)
            .bind(user_id)
            .fetch_all(self.reader())
            .await
            .map_err(crate::errors::map_sqlx)?
            .iter()
            .map(crate::rows::ScopeRow::grant)
            .collect()
    }

    async fn department_staff(
        &self,
        department_id: uuid::Uuid,
    ) -> Result<Vec<gridline_domain::identity::User>, gridline_domain::RepoError> {
        let columns = crate::rows::USER_COLUMNS.split(", ").map(|c| format!("u.{c}")).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT DISTINCT {columns} FROM users u JOIN role_grants g ON g.user_id = u.id \
             WHERE g.department_id = $1 AND g.role = 'department_staff' AND u.active \
             ORDER BY u.display_name, u.id"
        );
        Ok(query_as::<crate::rows::UserRow>(&sql)
            .bind(department_id)
            .fetch_all(self.reader())
            .await
            .map_err(crate::errors::map_sqlx)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    async fn public_listing(
        &self,
        user_id: uuid::Uuid,
    ) -> Result<gridline_domain::identity::PublicListing, gridline_domain::RepoError> {
        let row = query_as::<crate::rows::ListingRow>(
            "SELECT u.display_name, l.listed, l.work_phone FROM public_listings l JOIN users u ON u.id = l.user_id \
             WHERE l.user_id = $1",
        )
        .bind(user_id)
        .fetch_optional(self.reader())
        .await
        .map_err(crate::errors::map_sqlx)?;
        Ok(row.map_or_else(Default::default, |r| gridline_domain::identity::PublicListing {
            listed: r.listed,
            work_phone: r.work_phone,
        }))
    }

    async fn set_public_listing(
        &self,
        user_id: uuid::Uuid,
        listing: &gridline_domain::identity::PublicListing,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), gridline_domain::RepoError> {
        query(
            "INSERT INTO public_listings (user_id, listed, work_phone, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id) DO UPDATE SET listed = excluded.listed, work_phone = excluded.work_phone, \
             updated_at = excluded.updated_at",
        )
        .bind(user_id)
        .bind(listing.listed)
        .bind(&listing.work_phone)
        .bind(crate::types::Ts(at))
        .execute(self.writer())
        .await
        .map_err(crate::errors::map_sqlx)?;
        Ok(())
    }

    async fn listed_grid_workers(
        &self,
        grid_id: uuid::Uuid,
    ) -> Result<Vec<(String, Option<String>)>, gridline_domain::RepoError> {
        let rows = query_as::<crate::rows::ListingRow>(
            "SELECT DISTINCT u.display_name, l.listed, l.work_phone, u.id FROM users u \
             JOIN public_listings l ON l.user_id = u.id JOIN role_grants g ON g.user_id = u.id \
             WHERE g.unit_id = $1 AND g.role = 'grid_worker' AND l.listed AND u.active \
             ORDER BY u.display_name, u.id",
        )
        .bind(grid_id)
        .fetch_all(self.reader())
        .await
        .map_err(crate::errors::map_sqlx)?;
        Ok(rows.into_iter().map(|r| (r.display_name, r.work_phone)).collect())
    }

    async fn add_grant(
        &self,
        grant: &gridline_domain::ports::NewGrant,
        audit: gridline_domain::audit::NewAuditEntry,
    ) -> Result<gridline_domain::identity::Grant, gridline_domain::RepoError> {
        use crate::errors::map_sqlx;
        let mut tx = self.writer().begin().await.map_err(map_sqlx)?;
        query(
            "INSERT INTO role_grants (id, user_id, role, unit_id, department_id, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(grant.id)
        .bind(grant.user_id)
        .bind(grant.role.as_str())
        .bind(grant.unit_id)
        .bind(grant.department_id)
        .bind(grant.created_by)
        .bind(crate::types::Ts(grant.at))
        .execute(&mut tx)
        .await
        .map_err(crate::errors::map_sqlx_reference)?;
        insert_audit(&mut tx, &audit).await?;
        let sql = format!(
            "SELECT {} FROM role_grants g {} WHERE g.id = $1",
            crate::rows::SCOPE_COLUMNS,
            crate::rows::SCOPE_JOINS
        );
        let row = query_as::<crate::rows::ScopeRow>(&sql).bind(grant.id).fetch_one(&mut tx).await.map_err(map_sqlx)?;
        tx.commit().await.map_err(map_sqlx)?;
        row.grant()
    }

    async fn remove_grant(
        &self,
        user_id: uuid::Uuid,
        grant_id: uuid::Uuid,
        audit: gridline_domain::audit::NewAuditEntry,
    ) -> Result<(), gridline_domain::RepoError> {
        use crate::errors::map_sqlx;
        let mut tx = self.writer().begin().await.map_err(map_sqlx)?;
        let removed = query("DELETE FROM role_grants WHERE id = $1 AND user_id = $2")
            .bind(grant_id)
            .bind(user_id)
            .execute(&mut tx)
            .await
            .map_err(map_sqlx)?
            .rows_affected();
        if removed == 0 {
            return Err(gridline_domain::RepoError::NotFound);
        }
        insert_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(map_sqlx)
    }
}
