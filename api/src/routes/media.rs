//! Evidence files: sent once by their SHA-256 (a phone on a weak signal asks
//! first whether the server holds them), read back whole or in ranges.

use std::ops::Range;

use actix_web::{
    get, head,
    http::{header, StatusCode},
    post, put, web, HttpRequest, HttpResponse,
};
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use gridline_domain::{
    identity::{Actor, Principal},
    media::{MediaId, StoredMedia, Uploader},
};
use gridline_openapi::{
    media::{FileBytes, MediaGps, MediaInfo, MediaPath, MediaUpload},
    FieldError, Problem,
};

use crate::{
    auth::Auth,
    error::ApiError,
    extract::path_text,
    media::intake::{Refused, Taken},
    state::AppState,
};

pub(crate) fn uploader(p: &Principal) -> Uploader {
    match &p.actor {
        Actor::User { id, .. } => Uploader::User(*id),
        Actor::ApiKey { id, .. } => Uploader::ApiKey(*id),
    }
}

fn media_id(req: &HttpRequest) -> Result<MediaId, ApiError> {
    let raw = path_text(req, "media_id")?;
    MediaId::parse(raw).ok_or_else(|| {
        ApiError::InvalidPath(vec![FieldError::parameter("media_id", "must be 64 hexadecimal digits (a SHA-256)")])
    })
}

pub(crate) fn info(m: &StoredMedia) -> MediaInfo {
    MediaInfo {
        media_id: m.id.to_string(),
        content_type: m.content_type.clone(),
        bytes: m.bytes,
        width: m.width,
        height: m.height,
        duration_s: m.duration_s,
        taken_at: m.taken_at,
        gps: m.gps.map(|p| MediaGps { lat: p.lat, lon: p.lon }),
        thumbnail: m.thumbnail,
    }
}

/// The file the caller may read: one he sent, or one on a case he sees.
/// Anyone else learns nothing, not even that it exists.
async fn readable(state: &AppState, p: &Principal, id: &MediaId) -> Result<StoredMedia, ApiError> {
    crate::evidence::readable(state, p, id).await?.ok_or(ApiError::NotFound)
}

/// The body, read up to the media limit.
async fn body_within(payload: web::Payload, req: &HttpRequest, limit: usize) -> Result<Bytes, ApiError> {
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    collect_within(payload, limit, declared.map_or(0, |n| n as usize)).await
}

/// A stream's bytes (a body, or a form's part), up to the media limit.
pub(crate) async fn collect_within<E: std::fmt::Display>(
    mut chunks: impl futures::Stream<Item = Result<Bytes, E>> + Unpin,
    limit: usize,
    expected: usize,
) -> Result<Bytes, ApiError> {
    let mut body = BytesMut::with_capacity(expected.min(limit));
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|e| ApiError::Unprocessable {
            code: "incomplete_body",
            detail: format!("the body did not arrive whole: {e}"),
            errors: Vec::new(),
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

pub(crate) fn refused(r: Refused) -> ApiError {
    let detail = r.to_string();
    match r {
        Refused::Unsupported => ApiError::UnsupportedFile(detail),
        Refused::TooLong { .. } => ApiError::Unprocessable { code: "too_long", detail, errors: Vec::new() },
        Refused::NoDuration => ApiError::Unprocessable { code: "unreadable_media", detail, errors: Vec::new() },
        Refused::TooManyPixels(_) => ApiError::Unprocessable { code: "too_many_pixels", detail, errors: Vec::new() },
        Refused::Unreadable(_) => ApiError::Unprocessable { code: "unreadable_media", detail, errors: Vec::new() },
    }
}

/// Store a file by its SHA-256
///
/// The raw bytes of one photo (JPEG, PNG, WebP, HEIC/HEIF), MP4 video of at most 60 s, or voice note (AAC,
/// AMR, M4A) of at most 120 s; what a file is comes from its bytes, never from a name. `media_id` is the
/// lowercase hex SHA-256 of the bytes: the same bytes are stored once, whoever sends them, and sending
/// them again answers 200 without storing anything. Photos' size, time and place are read from EXIF, and
/// JPEG, PNG and WebP get a 320-pixel preview. The limit is `GRIDLINE_MEDIA_MAX_BYTES` (20 MiB by default),
/// not the JSON body limit; images over 40 megapixels are refused.
#[utoipa::path(
    operation_id = "put_media",
    tag = "media",
    security(("bearer" = []), ("api_key" = [])),
    params(MediaPath),
    request_body(content = FileBytes, content_type = "application/octet-stream", description = "The file's bytes"),
    responses(
        (status = 200, description = "Already stored: nothing was stored again", body = MediaInfo),
        (status = 201, description = "Stored", body = MediaInfo),
        (status = 400, description = "A `media_id` that is not a SHA-256", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than `GRIDLINE_MEDIA_MAX_BYTES` (`payload_too_large`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "None of the kinds taken (`unsupported_media_type`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The bytes' SHA-256 is not `media_id` (`digest_mismatch`); a video or voice note too long (`too_long`); an image over 40 megapixels (`too_many_pixels`); a file that cannot be read (`unreadable_media`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/api/v1/media/{media_id}")]
pub(crate) async fn put_media(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let id = media_id(&req)?;
    let bytes = body_within(payload, &req, state.media.max_bytes).await?;
    let sent = digest_of(&bytes);
    if sent != id {
        return Err(ApiError::Unprocessable {
            code: "digest_mismatch",
            detail: format!("the body's SHA-256 is {sent}, not the path's {id}"),
            errors: vec![FieldError::parameter("media_id", "is not the SHA-256 of the body")],
        });
    }
    keep(&state, &auth.0, id, bytes).await
}

pub(crate) fn digest_of(bytes: &[u8]) -> MediaId {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    MediaId::of_digest(digest.as_ref().try_into().expect("a SHA-256 is 32 bytes"))
}

/// Stores a file sent by `p` unless it is stored already: 201, or 200.
async fn keep(state: &AppState, p: &Principal, id: MediaId, bytes: Bytes) -> Result<HttpResponse, ApiError> {
    let (stored, written) = keep_file(state, p, id, bytes).await?;
    let status = if written { StatusCode::CREATED } else { StatusCode::OK };
    Ok(HttpResponse::build(status).json(info(&stored)))
}

/// Stores a file sent by `p` unless it is stored already; whether this
/// call stored it.
pub(crate) async fn keep_file(
    state: &AppState,
    p: &Principal,
    id: MediaId,
    bytes: Bytes,
) -> Result<(StoredMedia, bool), ApiError> {
    let who = uploader(p);
    let zone = state.calendar().time_zone;
    let kept = match state.store.media(&id).await? {
        Some(stored) => state.store.record_upload(&StoredMedia { created_at: state.now(), ..stored }, who).await?,
        None => {
            let Taken { media, preview } =
                state.media.take(id.clone(), bytes.clone(), zone, state.now()).await?.map_err(refused)?;
            state.media.store.put(&id, bytes.clone(), preview).await.map_err(ApiError::from_store)?;
            state.store.record_upload(&media, who).await?
        }
    };
    // The orphan clean-up may have removed the bytes while this row was
    // written (media::janitor): they are written again.
    if !state.media.store.holds(&id).await.map_err(ApiError::from_store)? {
        let Taken { preview, .. } =
            state.media.take(id.clone(), bytes.clone(), zone, state.now()).await?.map_err(refused)?;
        state.media.store.put(&id, bytes, preview).await.map_err(ApiError::from_store)?;
    }
    Ok(kept)
}

/// Store a file sent as a form
///
/// One file in the `multipart/form-data` part named `file`, as a browser or a phone's form upload sends
/// it; otherwise as `PUT /api/v1/media/{media_id}`, whose name the server computes here. The file's own
/// name and declared type are ignored: what it is comes from its bytes.
#[utoipa::path(
    operation_id = "post_media",
    tag = "media",
    security(("bearer" = []), ("api_key" = [])),
    request_body(content = MediaUpload, content_type = "multipart/form-data", description = "One part named `file`"),
    responses(
        (status = 200, description = "Already stored: nothing was stored again", body = MediaInfo),
        (status = 201, description = "Stored", body = MediaInfo),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than `GRIDLINE_MEDIA_MAX_BYTES` (`payload_too_large`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not a `multipart/form-data` body, or a file of none of the kinds taken (`unsupported_media_type`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No part named `file`, or more than one (`validation_failed`); a video or voice note too long (`too_long`); an image over 40 megapixels (`too_many_pixels`); a file that cannot be read (`unreadable_media`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/media")]
pub(crate) async fn post_media(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let bytes = form_file(&req, payload, state.media.max_bytes).await?;
    keep(&state, &auth.0, digest_of(&bytes), bytes).await
}

/// The one part named `file` of a `multipart/form-data` body, read up to the media limit.
async fn form_file(req: &HttpRequest, payload: web::Payload, limit: usize) -> Result<Bytes, ApiError> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"));
    if !multipart {
        return Err(ApiError::UnsupportedFile("expected a multipart/form-data body with a part named file".into()));
    }
    let mut form = actix_multipart::Multipart::new(req.headers(), payload);
    let mut file = None;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|e| ApiError::Unprocessable {
            code: "incomplete_body",
            detail: format!("the form cannot be read: {e}"),
            errors: Vec::new(),
        })?;
        let is_file = field.name() == Some("file");
        if is_file && file.is_some() {
            return Err(ApiError::field("/file", "one file per request"));
        }
        let body = collect_within(&mut field, limit, 0).await?;
        if is_file {
            file = Some(body);
        }
    }
    file.ok_or_else(|| ApiError::field("/file", "a part named file is required"))
}

/// Ask whether the server holds a file
///
/// 200 when the caller sent these bytes before (and need not send them again), else 404: a phone that lost
/// the answer to an upload asks before sending again. Nobody learns whether others' files exist.
#[utoipa::path(
    operation_id = "head_media",
    tag = "media",
    security(("bearer" = []), ("api_key" = [])),
    params(MediaPath),
    responses(
        (status = 200, description = "Held: `Content-Length` and `Content-Type` are the file's"),
        (status = 400, description = "A `media_id` that is not a SHA-256"),
        (status = 401, description = "No valid credentials"),
        (status = 404, description = "Not a file this caller may read"),
    )
)]
#[head("/api/v1/media/{media_id}")]
pub(crate) async fn head_media(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = media_id(&req)?;
    let media = readable(&state, &auth.0, &id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, media.content_type.as_str()))
        .insert_header((header::ETAG, format!("\"{id}\"")))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .body(Announced(media.bytes)))
}

/// The body of an answer to `HEAD`: the length of what `GET` would send,
/// and nothing (the server sends no body to `HEAD`, but takes
/// `Content-Length` from the body's size).
struct Announced(u64);

impl actix_web::body::MessageBody for Announced {
    type Error = std::convert::Infallible;

    fn size(&self) -> actix_web::body::BodySize {
        actix_web::body::BodySize::Sized(self.0)
    }

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Bytes, Self::Error>>> {
        std::task::Poll::Ready(None)
    }
}

/// One `bytes=` range of a file of `size` bytes; `None` for none, or for a
/// form not served in part (several ranges): then the whole file is sent.
fn requested_range(req: &HttpRequest, size: u64) -> Result<Option<Range<u64>>, ApiError> {
    let Some(raw) = req.headers().get(header::RANGE) else {
        return Ok(None);
    };
    // Any form is answered whole but one that is not text at all.
    let value =
        raw.to_str().ok().filter(|v| v.bytes().all(|b| b == b' ' || b.is_ascii_graphic())).ok_or_else(|| {
            ApiError::InvalidHeader(vec![FieldError::parameter("Range", "must be visible ASCII, as bytes=first-last")])
        })?;
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((first, last)) = spec.split_once('-') else {
        return Ok(None);
    };
    let (first, last) = (first.trim(), last.trim());
    let range = match (first.parse::<u64>(), last.parse::<u64>()) {
        (Ok(first), Ok(last)) if first <= last => first..last.saturating_add(1).min(size),
        (Ok(first), Err(_)) if last.is_empty() => first..size,
        (Err(_), Ok(suffix)) if first.is_empty() && suffix > 0 => size.saturating_sub(suffix)..size,
        _ => return Ok(None),
    };
    if range.start >= size {
        return Err(ApiError::RangeNotSatisfiable { size });
    }
    Ok(Some(range))
}

/// Download a file
///
/// The file's bytes with its stored type, to its sender. `Range: bytes=` asks for part of it (206, one
/// range; a request for several gets the whole file); `If-None-Match` with its `ETag` answers 304.
#[utoipa::path(
    operation_id = "get_media",
    tag = "media",
    security(("bearer" = []), ("api_key" = [])),
    params(
        MediaPath,
        ("Range" = Option<String>, Header, pattern = "^[ -~]*$", description = "One range of bytes, `bytes=first-last`, `bytes=first-` or `bytes=-suffix`; visible ASCII, else 400"),
    ),
    responses(
        (status = 200, description = "The whole file, in its own type", content((FileBytes = "image/jpeg"), (FileBytes = "image/png"), (FileBytes = "image/webp"), (FileBytes = "image/heic"), (FileBytes = "video/mp4"), (FileBytes = "audio/mp4"), (FileBytes = "audio/aac"), (FileBytes = "audio/amr"))),
        (status = 206, description = "The range asked for, with `Content-Range`", content((FileBytes = "image/jpeg"), (FileBytes = "image/png"), (FileBytes = "image/webp"), (FileBytes = "image/heic"), (FileBytes = "video/mp4"), (FileBytes = "audio/mp4"), (FileBytes = "audio/aac"), (FileBytes = "audio/amr"))),
        (status = 304, description = "Unchanged: the `If-None-Match` given is the file's `ETag`"),
        (status = 400, description = "A `media_id` that is not a SHA-256 (`invalid_path_parameter`), or a `Range` that is not visible ASCII (`invalid_header`)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not a file this caller may read", body = Problem, content_type = "application/problem+json"),
        (status = 416, description = "A range outside the file (`range_not_satisfiable`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/media/{media_id}")]
pub(crate) async fn get_media(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = media_id(&req)?;
    let media = readable(&state, &auth.0, &id).await?;
    let etag = format!("\"{id}\"");
    if unchanged(&req, &etag) {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, etag)).finish());
    }
    let range = requested_range(&req, media.bytes)?;
    let read = state.media.store.read(&id, range.clone()).await.map_err(ApiError::from_store)?;
    let mut res = match range {
        Some(_) => {
            let mut res = HttpResponse::PartialContent();
            res.insert_header((
                header::CONTENT_RANGE,
                format!("bytes {}-{}/{}", read.range.start, read.range.end - 1, read.size),
            ));
            res
        }
        None => HttpResponse::Ok(),
    };
    Ok(res
        .insert_header((header::CONTENT_TYPE, media.content_type.as_str()))
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "private"))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .no_chunking(read.range.end - read.range.start)
        .streaming(read.body))
}

fn unchanged(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag || tag.trim() == "*"))
}

/// Download a file's preview
///
/// A JPEG whose longest side is 320 pixels, without the photo's metadata, for lists and maps. Files that
/// are not JPEG, PNG or WebP have none (`no_thumbnail`).
#[utoipa::path(
    operation_id = "get_media_thumbnail",
    tag = "media",
    security(("bearer" = []), ("api_key" = [])),
    params(MediaPath),
    responses(
        (status = 200, description = "The preview", body = FileBytes, content_type = "image/jpeg"),
        (status = 400, description = "A `media_id` that is not a SHA-256", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not a file this caller may read (`not_found`), or one without a preview (`no_thumbnail`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/media/{media_id}/thumbnail")]
pub(crate) async fn get_media_thumbnail(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = media_id(&req)?;
    let media = readable(&state, &auth.0, &id).await?;
    if !media.thumbnail {
        return Err(ApiError::Missing {
            code: "no_thumbnail",
            detail: format!("a {} file has no preview", media.content_type),
        });
    }
    let read = state.media.store.read_preview(&id).await.map_err(ApiError::from_store)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "image/jpeg"))
        .insert_header((header::ETAG, format!("\"{id}-320\"")))
        .insert_header((header::CACHE_CONTROL, "private"))
        .no_chunking(read.size)
        .streaming(read.body))
}
