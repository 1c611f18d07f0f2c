use super::{bump_cache, insert_audit};
use crate::sql::{query, query_as, Dialect, SqlStore};

#[async_trait::async_trait]
impl<DB: Dialect> gridline_domain::ports::OrgRepo for SqlStore<DB> {
    async fn create_unit(
        &self,
        unit: &gridline_domain::org::OrgUnit,
        audit: gridline_domain::audit::NewAuditEntry,
    ) -> Result<(), gridline_domain::RepoError> {
        use crate::errors::map_sqlx;
        let mut tx = self.writer().begin().await.map_err(map_sqlx)?;
        Self::upsert_unit(&mut tx, unit).await?;
        bump_cache(&mut tx, "reference").await?;
        if unit.boundary.is_some() {
            bump_cache(&mut tx, "grids").await?;
        }
        insert_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(map_sqlx)
    }

    async fn unit(&self, id: uuid::Uuid) -> Result<Option<gridline_domain::org::OrgUnit>, gridline_domain::RepoError> {
        let sql = format!("SELECT {} FROM org_units WHERE id = $1", crate::rows::UNIT_COLUMNS);
        query_as::<crate::rows::UnitRow>(&sql)
            .bind(id)
            .fetch_optional(self.reader())
            .await
            .map_err(crate::errors::map_sqlx)?
            .map(TryInto::try_into)
            .transpose()
    }

    async fn unit_by_code(
        &self,
        code: &str,
    ) -> Result<Option<gridline_domain::org::OrgUnit>, gridline_domain::RepoError> {
        let sql = format!("SELECT {} FROM org_units WHERE code = $1", crate::rows::UNIT_COLUMNS);
        query_as::<crate::rows::UnitRow>(&sql)
            .bind(code)
            .fetch_optional(self.reader())
            .await
            .map_err(crate::errors::map_sqlx)?
            .map(TryInto::try_into)
            .transpose()
    }

    async fn units(
        &self,
        filter: &gridline_domain::ports::UnitFilter,
    ) -> Result<Vec<gridline_domain::org::OrgUnit>, gridline_domain::RepoError> {
        let sql = format!(
            "SELECT {} FROM org_units WHERE ($1 IS NULL OR kind = $1) AND ($2 IS NULL OR parent_id = $2) \
             ORDER BY path",
            crate::rows::UNIT_COLUMNS
        );
        query_as::<crate::rows::UnitRow>(&sql)
            .bind(filter.kind.map(|k| k.as_str()))
            .bind(filter.parent_id)
            .fetch_all(self.reader())
            .await
            .map_err(crate::errors::map_sqlx)?
            .into_iter()
            .map(TryInto::try_into)
            .collect()
    }

    async fn subtree(&self, path: &str) -> Result<Vec<gridline_domain::org::OrgUnit>, gridline_domain::RepoError> {
        let sql = format!(
            "SELECT {} FROM org_units WHERE path LIKE $1 ORDER BY length(path), code",
            crate::rows::UNIT_COLUMNS
        );
        query_as::<crate::rows::UnitRow>(&sql)
            .bind(format!("{path}%"))
            .fetch_all(self.reader())
            .await
            .map_err(crate::errors::map_sqlx)?
            .into_iter()
            .map(TryInto::try_into)
            .collect()
    }

    async fn update_unit(
        &self,
        id: uuid::Uuid,
        patch: &gridline_domain::ports::UnitPatch,
        at: chrono::DateTime<chrono::Utc>,
        audit: gridline_domain::audit::NewAuditEntry,
    ) -> Result<gridline_domain::org::OrgUnit, gridline_domain::RepoError> {
        use crate::errors::map_sqlx;
        let mut tx = self.writer().begin().await.map_err(map_sqlx)?;
        let sql = format!("SELECT {} FROM org_units WHERE id = $1", crate::rows::UNIT_COLUMNS);
        let row = query_as::<crate::rows::UnitRow>(&sql)
            .bind(id)
            .fetch_optional(&mut tx)
            .await
            .map_err(map_sqlx)?
            .ok_or(gridline_domain::RepoError::NotFound)?;
        let mut unit: gridline_domain::org::OrgUnit = row.try_into()?;
        if let Some(code) = &patch.code {
            unit.code = code.clone();
        }
        if let Some(name) = &patch.name {
            unit.name = name.clone();
        }
        if let Some(boundary) = &patch.boundary {
            unit.boundary = boundary.clone();
            bump_cache(&mut tx, "grids").await?;
        }
        if let Some(person) = &patch.responsible_person {
            unit.responsible_person = person.clone();
        }
        if let Some(phone) = &patch.contact_phone {
            unit.contact_phone = phone.clone();
        }
        unit.updated_at = at;
        Self::upsert_unit(&mut tx, &unit).await?;
        bump_cache(&mut tx, "reference").await?;
        insert_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(map_sqlx)?;
        Ok(unit)
    }

    async fn save_units(
        &self,
        units: &[gridline_domain::org::OrgUnit],
        audit: gridline_domain::audit::NewAuditEntry,
    ) -> Result<(), gridline_domain::RepoError> {
        use crate::errors::map_sqlx;
        let mut tx = self.writer().begin().await.map_err(map_sqlx)?;
        for unit in units {
            Self::upsert_unit(&mut tx, unit).await?;
        }
        bump_cache(&mut tx, "reference").await?;
        bump_cache(&mut tx, "grids").await?;
        insert_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(map_sqlx)
    }

    async fn grid_boundaries(
        &self,
    ) -> Result<Vec<(uuid::Uuid, gridline_domain::geo::Boundary)>, gridline_domain::RepoError> {
        let rows: Vec<(uuid::Uuid, String)> =
            query_as("SELECT id, boundary FROM org_units WHERE kind = 'grid' AND boundary IS NOT NULL")
                .fetch_all(self.reader())
                .await
                .map_err(crate::errors::map_sqlx)?;
        rows.into_iter()
            .map(|(id, text)| {
                crate::geojson::decode(&text).map(|b| (id, b)).map_err(gridline_domain::RepoError::Unknown)
            })
            .collect()
    }

    async fn create_department(
        &self,
        dept: &gridline_domain::org::Department,
        audit: gridline_domain::audit::NewAuditEntry,
    ) -> Result<(), gridline_domain::RepoError> {
        use crate::errors::map_sqlx;
        let mut tx = self.writer().begin().await.map_err(map_sqlx)?;
        Self::upsert_department(&mut tx, dept).await?;
        bump_cache(&mut tx, "reference").await?;
        insert_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(map_sqlx)
    }

    async fn department(
        &self,
        id: uuid::Uuid,
    ) -> Result<Option<gridline_domain::org::Department>, gridline_domain::RepoError> {
        let sql = format!(
            "SELECT {} FROM departments d JOIN org_units u ON u.id = d.unit_id WHERE d.id = $1",
            crate::rows::DEPARTMENT_COLUMNS
        );
        query_as::<crate::rows::DepartmentRow>(&sql)
            .bind(id)
            .fetch_optional(self.reader())
            .await
            .map_err(crate::errors::map_sqlx)?
            .map(TryInto::try_into)
            .transpose()
    }

    async fn departments(
        &self,
        kind: Option<gridline_domain::org::DepartmentKind>,
    ) -> Result<Vec<gridline_domain::org::Department>, gridline_domain::RepoError> {
        let sql = format!(
            "SELECT {} FROM departments d JOIN org_units u ON u.id = d.unit_id \
             WHERE ($1 IS NULL OR d.kind = $1) ORDER BY d.code",
            crate::rows::DEPARTMENT_COLUMNS
        );
        query_as::<crate::rows::DepartmentRow>(&sql)
            .bind(kind.map(|k| k.as_str()))
            .fetch_all(self.reader())
            .await
            .map_err(crate::errors::map_sqlx)?
            .into_iter()
            .map(TryInto::try_into)
            .collect()
    }

    async fn update_department(
        &self,
        id: uuid::Uuid,
        patch: &gridline_domain::ports::DepartmentPatch,
        at: chrono::DateTime<chrono::Utc>,
        audit: gridline_domain::audit::NewAuditEntry,
    ) -> Result<gridline_domain::org::Department, gridline_domain::RepoError> {
        use crate::errors::map_sqlx;
        let mut tx = self.writer().begin().await.map_err(map_sqlx)?;
        let sql = format!(
            "SELECT {} FROM departments d JOIN org_units u ON u.id = d.unit_id WHERE d.id = $1",
            crate::rows::DEPARTMENT_COLUMNS
        );
        let row = query_as::<crate::rows::DepartmentRow>(&sql)
            .bind(id)
            .fetch_optional(&mut tx)
            .await
            .map_err(map_sqlx)?
            .ok_or(gridline_domain::RepoError::NotFound)?;
        let mut dept: gridline_domain::org::Department = row.try_into()?;
        if let Some(code) = &patch.code {
            dept.code = code.clone();
        }
        if let Some(name) = &patch.name {
            dept.name = name.clone();
        }
        if let Some(kind) = patch.kind {
            dept.kind = kind;
        }
        if let Some(person) = &patch.responsible_person {
            dept.responsible_person = person.clone();
        }
        if let Some(phone) = &patch.contact_phone {
            dept.contact_phone = phone.clone();
        }
        dept.updated_at = at;
        Self::upsert_department(&mut tx, &dept).await?;
        bump_cache(&mut tx, "reference").await?;
        insert_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(map_sqlx)?;
        Ok(dept)
    }
}

impl<DB: Dialect> SqlStore<DB> {
    async fn upsert_unit(
        tx: &mut sqlx::Transaction<'_, DB>,
        unit: &gridline_domain::org::OrgUnit,
    ) -> Result<(), gridline_domain::RepoError> {
        query(
            "INSERT INTO org_units (id, kind, code, name, parent_id, path, boundary, responsible_person, \
             contact_phone, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (id) DO UPDATE SET code = excluded.code, name = excluded.name, \
             boundary = excluded.boundary, responsible_person = excluded.responsible_person, \
             contact_phone = excluded.contact_phone, updated_at = excluded.updated_at",
        )
        .bind(unit.id)
        .bind(unit.kind.as_str())
        .bind(&unit.code)
        .bind(&unit.name)
        .bind(unit.parent_id)
        .bind(&unit.path)
        .bind(unit.boundary.as_ref().map(crate::geojson::encode))
        .bind(&unit.responsible_person)
        .bind(&unit.contact_phone)
        .bind(crate::types::Ts(unit.created_at))
        .bind(crate::types::Ts(unit.updated_at))
        .execute(&mut *tx)
        .await
        .map_err(crate::errors::map_sqlx)?;
        Ok(())
    }

    async fn upsert_department(
        tx: &mut sqlx::Transaction<'_, DB>,
        dept: &gridline_domain::org::Department,
    ) -> Result<(), gridline_domain::RepoError> {
        query(
            "INSERT INTO departments (id, kind, code, name, unit_id, responsible_person, contact_phone, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, code = excluded.code, name = excluded.name, \
             responsible_person = excluded.responsible_person, contact_phone = excluded.contact_phone, \
             updated_at = excluded.updated_at",
        )
        .bind(dept.id)
        .bind(dept.kind.as_str())
        .bind(&dept.code)
        .bind(&dept.name)
        .bind(dept.unit_id)
        .bind(&dept.responsible_person)
        .bind(&dept.contact_phone)
        .bind(crate::types::Ts(dept.created_at))
        .bind(crate::types::Ts(dept.updated_at))
        .execute(&mut *tx)
        .await
        .map_err(crate::errors::map_sqlx)?;
        Ok(())
    }
}
