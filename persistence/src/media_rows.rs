//! Evidence files' rows and their conversion; shared by both backends.

use gridline_domain::{
    geo::Position,
    media::{MediaId, StoredMedia, Upload, Uploader},
    RepoError,
};

use uuid::Uuid;

use crate::types::Ts;

#[derive(sqlx::FromRow)]
pub(crate) struct MediaRow {
    id: String,
    content_type: String,
    bytes: i64,
    width: Option<i32>,
    height: Option<i32>,
    duration_s: Option<f64>,
    taken_at: Option<Ts>,
    gps_lat: Option<f64>,
    gps_lon: Option<f64>,
    thumbnail: bool,
    created_at: Ts,
}

pub(crate) const MEDIA_COLUMNS: &str =
    "id, content_type, bytes, width, height, duration_s, taken_at, gps_lat, gps_lon, thumbnail, created_at";

impl TryFrom<MediaRow> for StoredMedia {
    type Error = RepoError;

    fn try_from(r: MediaRow) -> Result<Self, RepoError> {
        let id = r.id.clone();
        let corrupt = |what: &str| RepoError::Unknown(anyhow::anyhow!("corrupt row: media {id}: {what}"));
        let size = |v: Option<i32>| v.map(u32::try_from).transpose().map_err(|_| corrupt("a negative size"));
        Ok(Self {
            id: MediaId::parse(&r.id).ok_or_else(|| corrupt("not a SHA-256"))?,
            content_type: r.content_type,
            bytes: u64::try_from(r.bytes).map_err(|_| corrupt("a negative length"))?,
            width: size(r.width)?,
            height: size(r.height)?,
            duration_s: r.duration_s,
            taken_at: r.taken_at.map(|t| t.0),
            gps: r.gps_lat.zip(r.gps_lon).map(|(lat, lon)| Position { lat, lon }),
            thumbnail: r.thumbnail,
            created_at: r.created_at.0,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct UploadRow {
    id: Uuid,
    uploader_kind: String,
    uploader_id: Uuid,
    length: i64,
    offset: i64,
    filename: Option<String>,
    declared_type: Option<String>,
    media_id: Option<String>,
    created_at: Ts,
}

pub(crate) const UPLOAD_COLUMNS: &str =
    "id, uploader_kind, uploader_id, length, \"offset\", filename, declared_type, media_id, created_at";

impl TryFrom<UploadRow> for Upload {
    type Error = RepoError;

    fn try_from(r: UploadRow) -> Result<Self, RepoError> {
        let corrupt = |what: &str| RepoError::Unknown(anyhow::anyhow!("corrupt row: upload {}: {what}", r.id));
        let uploader = match r.uploader_kind.as_str() {
            "user" => Uploader::User(r.uploader_id),
            "api_key" => Uploader::ApiKey(r.uploader_id),
            _ => return Err(corrupt("an unknown kind of sender")),
        };
        let count = |v: i64| u64::try_from(v).map_err(|_| corrupt("a negative count"));
        let media_id = match &r.media_id {
            Some(id) => Some(MediaId::parse(id).ok_or_else(|| corrupt("not a SHA-256"))?),
            None => None,
        };
        Ok(Self {
            id: r.id,
            uploader,
            length: count(r.length)?,
            offset: count(r.offset)?,
            filename: r.filename,
            declared_type: r.declared_type,
            media_id,
            created_at: r.created_at.0,
        })
    }
}
