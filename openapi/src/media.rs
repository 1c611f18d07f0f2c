//! Evidence files: photos, short videos and voice notes, named by the
//! SHA-256 of their bytes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A file as the server stored it, read from its bytes.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = crate::examples::media_info)]
pub struct MediaInfo {
    /// The lowercase hex SHA-256 of the bytes: the file's name everywhere.
    #[schema(pattern = "^[0-9a-f]{64}$", min_length = 64, max_length = 64)]
    pub media_id: String,
    /// What the bytes are, judged from the bytes and never from a name:
    /// `image/jpeg`, `image/png`, `image/webp`, `image/heic`, `video/mp4`,
    /// `audio/mp4`, `audio/aac` or `audio/amr`.
    pub content_type: String,
    #[schema(minimum = 1)]
    pub bytes: u64,
    /// Pixels across, for images.
    pub width: Option<u32>,
    /// Pixels down, for images.
    pub height: Option<u32>,
    /// How long a video or voice note plays, in seconds.
    pub duration_s: Option<f64>,
    /// When the photo says it was taken (EXIF `DateTimeOriginal`; a time
    /// without an offset is read in the district's time zone).
    pub taken_at: Option<DateTime<Utc>>,
    /// Where the photo says it was taken (EXIF GPS), WGS-84.
    pub gps: Option<MediaGps>,
    /// Whether a preview is at `/api/v1/media/{media_id}/thumbnail` (JPEG,
    /// PNG and WebP; not HEIC, video or voice).
    pub thumbnail: bool,
}

/// A point in WGS-84.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub struct MediaGps {
    #[schema(minimum = -90, maximum = 90)]
    pub lat: f64,
    #[schema(minimum = -180, maximum = 180)]
    pub lon: f64,
}

/// A file's name in a path.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MediaPath {
    /// The lowercase hex SHA-256 of the file's bytes (either case is taken).
    #[param(pattern = "^[0-9a-fA-F]{64}$", min_length = 64, max_length = 64)]
    pub media_id: String,
}

/// A file's bytes, as sent or as stored.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct FileBytes(pub Vec<u8>);

/// A file sent as a form.
#[derive(ToSchema)]
pub struct MediaUpload {
    /// The file's bytes; its name and declared type are ignored.
    pub file: FileBytes,
}

/// An upload begun by `POST /api/v1/uploads` (tus 1.0): where its bytes go
/// and how many have arrived.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = crate::examples::upload_info)]
pub struct UploadInfo {
    pub upload_id: uuid::Uuid,
    /// Where to send the bytes (`PATCH`) and ask how many arrived (`HEAD`):
    /// also the `Location` header.
    pub location: String,
    /// The whole file's length, as `Upload-Length` declared it.
    pub length: u64,
    /// How many bytes have arrived.
    pub offset: u64,
}

/// An upload's id in a path.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct UploadPath {
    /// The id `POST /api/v1/uploads` gave in `Location`.
    pub upload_id: uuid::Uuid,
}

/// The tus version a request speaks: `Tus-Resumable: 1.0.0`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub enum TusVersion {
    #[serde(rename = "1.0.0")]
    V1_0_0,
}
