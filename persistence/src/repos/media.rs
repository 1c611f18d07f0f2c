use chrono::{DateTime, Utc};
use gridline_domain::{
    media::{MediaId, StoredMedia, Uploader},
    ports::MediaRepo,
    RepoError,
};

use super::uploads::uploader_parts;
use crate::{
    errors::map_sqlx,
    media_rows::{MediaRow, MEDIA_COLUMNS},
    sql::{query, query_as, query_scalar, Dialect, SqlStore},
    types::Ts,
};

#[async_trait::async_trait]
impl<DB: Dialect> MediaRepo for SqlStore<DB> {
    async fn record_upload(&self, m: &StoredMedia, uploader: Uploader) -> Result<(StoredMedia, bool), RepoError> {
        let mut tx = self.writer().begin().await.map_err(map_sqlx)?;
        let written = query(&format!(
            "INSERT INTO media ({MEDIA_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (id) DO NOTHING"
        ))
        .bind(m.id.as_str())
        .bind(m.content_type.as_str())
        .bind(i64::try_from(m.bytes).unwrap_or(i64::MAX))
        .bind(m.width.map(|w| w as i32))
        .bind(m.height.map(|h| h as i32))
        .bind(m.duration_s)
        .bind(m.taken_at.map(Ts))
        .bind(m.gps.map(|p| p.lat))
        .bind(m.gps.map(|p| p.lon))
        .bind(m.thumbnail)
        .bind(Ts(m.created_at))
        .execute(&mut tx)
        .await
        .map_err(map_sqlx)?
        .rows_affected()
            == 1;
        let (kind, id) = uploader_parts(uploader);
        query(
            "INSERT INTO media_uploads (media_id, uploader_kind, uploader_id, uploaded_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (media_id, uploader_kind, uploader_id) DO UPDATE SET uploaded_at = excluded.uploaded_at",
        )
        .bind(m.id.as_str())
        .bind(kind)
        .bind(id)
        .bind(Ts(m.created_at))
        .execute(&mut tx)
        .await
        .map_err(map_sqlx)?;
        let stored: MediaRow = query_as(&format!("SELECT {MEDIA_COLUMNS} FROM media WHERE id = $1"))
            .bind(m.id.as_str())
            .fetch_one(&mut tx)
            .await
            .map_err(map_sqlx)?;
        tx.commit().await.map_err(map_sqlx)?;
        Ok((stored.try_into()?, written))
    }

    async fn media(&self, id: &MediaId) -> Result<Option<StoredMedia>, RepoError> {
        let row: Option<MediaRow> = query_as(&format!("SELECT {MEDIA_COLUMNS} FROM media WHERE id = $1"))
            .bind(id.as_str())
            .fetch_optional(self.reader())
            .await
            .map_err(map_sqlx)?;
        row.map(TryInto::try_into).transpose()
    }

    async fn uploaded_by(&self, id: &MediaId, uploader: Uploader) -> Result<bool, RepoError> {
        let (kind, who) = uploader_parts(uploader);
        let found = query_scalar::<i64>(
            "SELECT COUNT(*) FROM media_uploads WHERE media_id = $1 AND uploader_kind = $2 AND uploader_id = $3",
        )
        .bind(id.as_str())
        .bind(kind)
        .bind(who)
        .fetch_one(self.reader())
        .await
        .map_err(map_sqlx)?;
        Ok(found > 0)
    }

    async fn cases_holding(&self, id: &MediaId, limit: u32) -> Result<Vec<gridline_domain::cases::Case>, RepoError> {
        let sql = format!(
            "SELECT {} FROM cases c WHERE c.id IN (SELECT case_id FROM case_media WHERE media_id = $1) \
             ORDER BY c.created_at DESC LIMIT {}",
            crate::case_rows::CASE_COLUMNS,
            limit.clamp(1, 500)
        );
        self.cases_from(&sql, vec![id.as_str().to_owned().into()]).await
    }

    async fn orphans(&self, before: DateTime<Utc>, limit: u32) -> Result<Vec<MediaId>, RepoError> {
        let ids: Vec<(String,)> = query_as(&format!(
            "SELECT m.id FROM media m WHERE NOT m.attached AND m.created_at < $1 \
             AND NOT EXISTS (SELECT 1 FROM media_uploads u WHERE u.media_id = m.id AND u.uploaded_at >= $1) \
             ORDER BY m.created_at LIMIT {}",
            limit.clamp(1, 1000)
        ))
        .bind(Ts(before))
        .fetch_all(self.reader())
        .await
        .map_err(map_sqlx)?;
        Ok(ids.into_iter().filter_map(|(id,)| MediaId::parse(&id)).collect())
    }

    async fn forget_orphan(&self, id: &MediaId, before: DateTime<Utc>) -> Result<bool, RepoError> {
        let mut tx = self.writer().begin().await.map_err(map_sqlx)?;
        let gone = query(
            "DELETE FROM media WHERE id = $1 AND NOT attached AND created_at < $2 \
             AND NOT EXISTS (SELECT 1 FROM media_uploads u WHERE u.media_id = $1 AND u.uploaded_at >= $2)",
        )
        .bind(id.as_str())
        .bind(Ts(before))
        .execute(&mut tx)
        .await
        .map_err(map_sqlx)?
        .rows_affected()
            == 1;
        if gone {
            query("DELETE FROM media_uploads WHERE media_id = $1")
                .bind(id.as_str())
                .execute(&mut tx)
                .await
                .map_err(map_sqlx)?;
        }
        tx.commit().await.map_err(map_sqlx)?;
        Ok(gone)
    }
}
