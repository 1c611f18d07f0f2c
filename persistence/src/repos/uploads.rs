use chrono::{DateTime, Utc};
use gridline_domain::{
    media::{MediaId, Upload, Uploader},
    ports::UploadRepo,
    RepoError,
};
use uuid::Uuid;

use crate::{
    errors::map_sqlx,
    media_rows::{UploadRow, UPLOAD_COLUMNS},
    sql::{query, query_as, Dialect, SqlStore},
    types::Ts,
};

pub(crate) fn uploader_parts(uploader: Uploader) -> (&'static str, Uuid) {
    match uploader {
        Uploader::User(id) => ("user", id),
        Uploader::ApiKey(id) => ("api_key", id),
    }
}

fn count(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

#[async_trait::async_trait]
impl<DB: Dialect> UploadRepo for SqlStore<DB> {
    async fn create_upload(&self, u: &Upload) -> Result<(), RepoError> {
        let (kind, who) = uploader_parts(u.uploader);
        query(&format!(
            "INSERT INTO uploads ({UPLOAD_COLUMNS}, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)"
        ))
        .bind(u.id)
        .bind(kind)
        .bind(who)
        .bind(count(u.length))
        .bind(count(u.offset))
        .bind(u.filename.as_deref())
        .bind(u.declared_type.as_deref())
        .bind(u.media_id.as_ref().map(MediaId::as_str))
        .bind(Ts(u.created_at))
        .execute(self.writer())
        .await
        .map_err(map_sqlx)?;
        Ok(())
    }

    async fn upload(&self, id: Uuid) -> Result<Option<Upload>, RepoError> {
        // From the writer: a piece that arrived through another request a
        // moment ago must be counted, or the client is told to send it again.
        let row: Option<UploadRow> = query_as(&format!("SELECT {UPLOAD_COLUMNS} FROM uploads WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.writer())
            .await
            .map_err(map_sqlx)?;
        row.map(TryInto::try_into).transpose()
    }

    async fn advance_upload(
        &self,
        id: Uuid,
        from: u64,
        to: u64,
        media: Option<&MediaId>,
        at: DateTime<Utc>,
    ) -> Result<bool, RepoError> {
        let moved = query(
            "UPDATE uploads SET \"offset\" = $3, media_id = $4, updated_at = $5 \
             WHERE id = $1 AND \"offset\" = $2 AND media_id IS NULL",
        )
        .bind(id)
        .bind(count(from))
        .bind(count(to))
        .bind(media.map(MediaId::as_str))
        .bind(Ts(at))
        .execute(self.writer())
        .await
        .map_err(map_sqlx)?
        .rows_affected();
        Ok(moved == 1)
    }

    async fn drop_upload(&self, id: Uuid) -> Result<(), RepoError> {
        query("DELETE FROM uploads WHERE id = $1").bind(id).execute(self.writer()).await.map_err(map_sqlx)?;
        Ok(())
    }

    async fn stale_uploads(&self, before: DateTime<Utc>, limit: u32) -> Result<Vec<Uuid>, RepoError> {
        let ids: Vec<(Uuid,)> = query_as(&format!(
            "SELECT id FROM uploads WHERE updated_at < $1 ORDER BY updated_at LIMIT {}",
            limit.clamp(1, 1000)
        ))
        .bind(Ts(before))
        .fetch_all(self.reader())
        .await
        .map_err(map_sqlx)?;
        Ok(ids.into_iter().map(|(id,)| id).collect())
    }
}
