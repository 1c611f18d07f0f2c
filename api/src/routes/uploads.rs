//! Resumable uploads: the tus 1.0 core protocol with its creation extension,
//! so that a photo cut off half-way on a weak signal goes on from where it
//! broke. Each piece is stored in the media store as it arrives (any node
//! can take the next); the database counts the bytes. The piece that
//! completes a file stores it as `PUT /api/v1/media/{sha256}` would.

use actix_web::{
    head,
    http::{
        header::{self, HeaderName, HeaderValue},
        StatusCode,
    },
    options, patch, post, web, HttpRequest, HttpResponse, ResponseError,
};
use base64::Engine;
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use gridline_domain::{
    identity::Principal,
    media::{MediaId, Upload},
};
use gridline_openapi::{
    media::{FileBytes, TusVersion, UploadInfo, UploadPath},
    FieldError, Problem,
};
use uuid::Uuid;

use super::media::{digest_of, keep_file, uploader};
use crate::{auth::Auth, error::ApiError, extract::path_uuid, state::AppState};

const TUS_VERSION: &str = "1.0.0";
const OFFSET_STREAM: &str = "application/offset+octet-stream";
/// The header that names the stored file once the last byte arrived.
const MEDIA_ID_HEADER: &str = "gridline-media-id";
/// More metadata than a name and a type is not a file's.
const MAX_METADATA_BYTES: usize = 4096;

/// Every answer of a tus route says which version it speaks, errors too.
fn tus(result: Result<HttpResponse, ApiError>) -> HttpResponse {
    let mut res = result.unwrap_or_else(|e| e.error_response());
    res.headers_mut().insert(HeaderName::from_static("tus-resumable"), HeaderValue::from_static(TUS_VERSION));
    res
}

fn speaks_tus(req: &HttpRequest) -> Result<(), ApiError> {
    match req.headers().get("tus-resumable").map(HeaderValue::as_bytes) {
        Some(v) if v == TUS_VERSION.as_bytes() => Ok(()),
        _ => Err(ApiError::TusVersion),
    }
}

fn bad_header(name: &str, detail: impl Into<String>) -> ApiError {
    ApiError::InvalidHeader(vec![FieldError::parameter(name, detail)])
}

/// A header holding a count of bytes; `None` when absent.
fn count_header(req: &HttpRequest, name: &str) -> Result<Option<u64>, ApiError> {
    let Some(raw) = req.headers().get(name) else {
        return Ok(None);
    };
    let text = raw.to_str().unwrap_or_default();
    let digits = !text.is_empty() && text.len() <= 19 && text.bytes().all(|b| b.is_ascii_digit());
    match text.parse::<u64>() {
        Ok(n) if digits => Ok(Some(n)),
        _ => Err(bad_header(name, "must be a non-negative whole number of bytes")),
    }
}

/// What a client says of its file in `Upload-Metadata`: comma-separated
/// pairs of a key and its value in base64. The names tus-js-client and
/// Uppy send (`filetype`, `name`) are read too.
#[derive(Debug, Default, PartialEq)]
struct Declared {
    filename: Option<String>,
    content_type: Option<String>,
}

fn declared(req: &HttpRequest) -> Result<Declared, ApiError> {
    let Some(raw) = req.headers().get("upload-metadata") else {
        return Ok(Declared::default());
    };
    let fault = |detail: &str| bad_header("Upload-Metadata", detail.to_owned());
    if raw.len() > MAX_METADATA_BYTES {
        return Err(fault("must be at most 4096 bytes"));
    }
    let text = raw.to_str().map_err(|_| fault("must be ASCII: keys and base64 values"))?;
    parse_metadata(text).map_err(fault)
}

fn parse_metadata(text: &str) -> Result<Declared, &'static str> {
    let mut pairs: Vec<(&str, Option<String>)> = Vec::new();
    for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once(' ').map_or((pair, None), |(k, v)| (k, Some(v.trim())));
        if pairs.iter().any(|(k, _)| *k == key) {
            return Err("a key appears twice");
        }
        let value = match value {
            Some(v) => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(v)
                    .map_err(|_| "a value is not base64 (RFC 4648)")?;
                Some(String::from_utf8(bytes).map_err(|_| "a value is not UTF-8 text")?)
            }
            None => None,
        };
        pairs.push((key, value));
    }
    let first =
        |keys: &[&str]| keys.iter().find_map(|k| pairs.iter().find(|(key, _)| key == k).and_then(|(_, v)| v.clone()));
    let filename = first(&["filename", "name"]);
    if filename.as_ref().is_some_and(|n| n.chars().count() > 255 || n.chars().any(char::is_control)) {
        return Err("filename must be at most 255 characters, without control characters");
    }
    let content_type = first(&["content_type", "filetype", "type"]);
    if content_type.as_ref().is_some_and(|t| t.len() > 255 || !t.bytes().all(|b| b.is_ascii_graphic())) {
        return Err("content_type must be a media type such as image/jpeg");
    }
    Ok(Declared { filename, content_type })
}

/// The caller's upload; anyone else's is not found.
async fn own_upload(state: &AppState, p: &Principal, id: Uuid) -> Result<Upload, ApiError> {
    match state.store.upload(id).await? {
        Some(upload) if upload.uploader == uploader(p) => Ok(upload),
        _ => Err(ApiError::NotFound),
    }
}

fn location(id: Uuid) -> String {
    format!("/api/v1/uploads/{id}")
}

/// Ask what this server's tus speaks
///
/// tus discovery: the version (`Tus-Version: 1.0.0`), the extensions (`creation`) and the largest file
/// taken (`Tus-Max-Size`, `GRIDLINE_MEDIA_MAX_BYTES`). Needs no credentials.
#[utoipa::path(
    operation_id = "upload_options",
    tag = "media",
    security(()),
    responses(
        (status = 204, description = "`Tus-Version`, `Tus-Extension` and `Tus-Max-Size` say what is spoken",
            headers(
                ("Tus-Version" = String, description = "`1.0.0`"),
                ("Tus-Extension" = String, description = "`creation`"),
                ("Tus-Max-Size" = u64, description = "The largest file taken, in bytes"),
            )),
    )
)]
#[options("/api/v1/uploads")]
pub(crate) async fn upload_options(state: web::Data<AppState>) -> HttpResponse {
    tus(Ok(HttpResponse::NoContent()
        .insert_header(("Tus-Version", TUS_VERSION))
        .insert_header(("Tus-Extension", "creation"))
        .insert_header(("Tus-Max-Size", state.media.max_bytes.to_string()))
        .finish()))
}

/// Begin a resumable upload
///
/// tus 1.0 creation: `Upload-Length` declares the whole file's length and `Upload-Metadata` may name it
/// (`filename`, `content_type`; kept, never trusted). The answer's `Location` is where the bytes go by
/// `PATCH`, in as many pieces as the link allows; `HEAD` there says how many arrived. What the file is
/// is judged from its bytes when the last one arrives. Every request but `OPTIONS` carries
/// `Tus-Resumable: 1.0.0`.
#[utoipa::path(
    operation_id = "create_upload",
    tag = "media",
    security(("bearer" = []), ("api_key" = [])),
    params(
        ("Tus-Resumable" = TusVersion, Header, description = "`1.0.0`"),
        ("Upload-Length" = u64, Header, minimum = 1, description = "The whole file's length in bytes, at most `GRIDLINE_MEDIA_MAX_BYTES`"),
        ("Upload-Metadata" = Option<String>, Header, description = "Comma-separated `key base64(value)` pairs: `filename`, `content_type`"),
    ),
    responses(
        (status = 201, description = "Begun: send the bytes to `Location`", body = UploadInfo,
            headers(("Location" = String, description = "The upload's URL"))),
        (status = 400, description = "`Upload-Length` missing or not a count of bytes, or `Upload-Metadata` not pairs of a key and base64 (`invalid_header`)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "No `Tus-Resumable: 1.0.0` (`unsupported_tus_version`); `Tus-Version` says what is spoken", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`Upload-Length` over `GRIDLINE_MEDIA_MAX_BYTES` (`payload_too_large`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`Upload-Length: 0`: an empty file is none of the kinds taken (`unsupported_media_type`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/uploads")]
pub(crate) async fn create_upload(
    auth: Result<Auth, ApiError>,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> HttpResponse {
    tus(async {
        let p = auth?.0;
        speaks_tus(&req)?;
        if req.headers().contains_key("upload-defer-length") {
            return Err(bad_header("Upload-Defer-Length", "is not supported: declare Upload-Length"));
        }
        let length = count_header(&req, "upload-length")?
            .ok_or_else(|| bad_header("Upload-Length", "is required: the whole file's length in bytes"))?;
        if length > state.media.max_bytes as u64 {
            return Err(ApiError::PayloadTooLarge { limit: state.media.max_bytes });
        }
        if length == 0 {
            return Err(ApiError::UnsupportedFile("an empty file is none of the kinds taken".into()));
        }
        let Declared { filename, content_type } = declared(&req)?;
        let upload = Upload {
            id: Uuid::new_v4(),
            uploader: uploader(&p),
            length,
            offset: 0,
            filename,
            declared_type: content_type,
            media_id: None,
            created_at: state.now(),
        };
        state.store.create_upload(&upload).await?;
        let info = UploadInfo { upload_id: upload.id, location: location(upload.id), length, offset: 0 };
        Ok(HttpResponse::Created()
            .insert_header((header::LOCATION, info.location.as_str()))
            .insert_header(("Upload-Offset", "0"))
            .json(info))
    }
    .await)
}

fn progress(upload: &Upload, status: StatusCode) -> actix_web::HttpResponseBuilder {
    let mut res = HttpResponse::build(status);
    res.insert_header(("Upload-Offset", upload.offset.to_string()))
        .insert_header(("Upload-Length", upload.length.to_string()))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    if let Some(id) = &upload.media_id {
        res.insert_header((MEDIA_ID_HEADER, id.as_str()));
    }
    res
}

/// Ask how much of an upload arrived
///
/// tus 1.0: `Upload-Offset` is how many bytes arrived, the place to go on from after a cut; once the
/// last arrived, `Gridline-Media-Id` names the stored file. Another caller's upload is 404.
#[utoipa::path(
    operation_id = "upload_offset",
    tag = "media",
    security(("bearer" = []), ("api_key" = [])),
    params(UploadPath, ("Tus-Resumable" = TusVersion, Header, description = "`1.0.0`")),
    responses(
        (status = 200, description = "`Upload-Offset` bytes of `Upload-Length` arrived",
            headers(
                ("Upload-Offset" = u64, description = "How many bytes arrived"),
                ("Upload-Length" = u64, description = "The whole file's length"),
                ("Gridline-Media-Id" = String, description = "The stored file's SHA-256, once the upload is whole"),
            )),
        (status = 400, description = "An `upload_id` that is not a UUID"),
        (status = 401, description = "No valid credentials"),
        (status = 404, description = "No such upload of this caller's"),
        (status = 412, description = "No `Tus-Resumable: 1.0.0`"),
    )
)]
#[head("/api/v1/uploads/{upload_id}")]
pub(crate) async fn upload_offset(
    auth: Result<Auth, ApiError>,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> HttpResponse {
    tus(async {
        let p = auth?.0;
        let id = path_uuid(&req, "upload_id")?;
        speaks_tus(&req)?;
        let upload = own_upload(&state, &p, id).await?;
        Ok(progress(&upload, StatusCode::OK).finish())
    }
    .await)
}

/// What arrived of a piece: its bytes, and whether the link broke first.
struct Piece {
    bytes: Bytes,
    cut: Option<String>,
}

/// Reads a piece of at most `room` bytes. A body that breaks off is kept
/// as far as it came: that is what resuming is for.
async fn piece(mut payload: web::Payload, room: u64) -> Result<Piece, ApiError> {
    let mut bytes = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        match chunk {
            Ok(chunk) if bytes.len() as u64 + chunk.len() as u64 > room => {
                return Err(ApiError::PayloadTooLarge { limit: usize::try_from(room).unwrap_or(usize::MAX) })
            }
            Ok(chunk) => bytes.extend_from_slice(&chunk),
            Err(e) => return Ok(Piece { bytes: bytes.freeze(), cut: Some(e.to_string()) }),
        }
    }
    Ok(Piece { bytes: bytes.freeze(), cut: None })
}

/// Send the next piece of an upload
///
/// tus 1.0: the bytes from `Upload-Offset` (which must be how many arrived: otherwise 409 and `HEAD` says
/// where to go on). A piece cut off by the link is kept as far as it came. The piece that completes the
/// file answers 204 with `Gridline-Media-Id`, the stored file's SHA-256, for attaching; a file of a kind
/// not taken is refused then (415) and its upload is gone.
#[utoipa::path(
    operation_id = "upload_piece",
    tag = "media",
    security(("bearer" = []), ("api_key" = [])),
    params(
        UploadPath,
        ("Tus-Resumable" = TusVersion, Header, description = "`1.0.0`"),
        ("Upload-Offset" = u64, Header, minimum = 0, description = "How many bytes arrived before this piece"),
    ),
    request_body(content = FileBytes, content_type = "application/offset+octet-stream", description = "The file's bytes from `Upload-Offset` on"),
    responses(
        (status = 204, description = "The piece arrived; `Upload-Offset` is the new count",
            headers(
                ("Upload-Offset" = u64, description = "How many bytes arrived"),
                ("Gridline-Media-Id" = String, description = "The stored file's SHA-256, when this piece completed it"),
            )),
        (status = 400, description = "An `upload_id` that is not a UUID (`invalid_path_parameter`), or `Upload-Offset` missing or not a count (`invalid_header`)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such upload of this caller's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`Upload-Offset` is not how many bytes arrived (`offset_mismatch`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "No `Tus-Resumable: 1.0.0` (`unsupported_tus_version`)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The piece goes past `Upload-Length` (`payload_too_large`); nothing of it is kept", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "A body not of type `application/offset+octet-stream`, or a completed file of none of the kinds taken (`unsupported_media_type`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A completed file too long to play (`too_long`), over 40 megapixels (`too_many_pixels`) or unreadable (`unreadable_media`); or a piece cut off (`incomplete_body`; what came is kept)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/api/v1/uploads/{upload_id}")]
pub(crate) async fn upload_piece(
    auth: Result<Auth, ApiError>,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    tus(async {
        let p = auth?.0;
        let id = path_uuid(&req, "upload_id")?;
        speaks_tus(&req)?;
        let offset_stream = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case(OFFSET_STREAM));
        if !offset_stream {
            return Err(ApiError::UnsupportedFile(format!("a piece of an upload is sent as {OFFSET_STREAM}")));
        }
        let from = count_header(&req, "upload-offset")?
            .ok_or_else(|| bad_header("Upload-Offset", "is required: how many bytes arrived before this piece"))?;
        let upload = own_upload(&state, &p, id).await?;
        if from != upload.offset {
            return Err(offset_mismatch(&upload));
        }
        if upload.is_complete() {
            // The last piece's answer was lost: it is answered again.
            return Ok(progress(&upload, StatusCode::NO_CONTENT).finish());
        }
        let room = upload.length - upload.offset;
        if count_header(&req, "content-length")?.is_some_and(|n| n > room) {
            return Err(ApiError::PayloadTooLarge { limit: usize::try_from(room).unwrap_or(usize::MAX) });
        }
        let Piece { bytes, cut } = piece(payload, room).await?;
        let to = from + bytes.len() as u64;
        let moved = if to == upload.length {
            complete(&state, &p, &upload, bytes).await?
        } else if bytes.is_empty() {
            upload.clone()
        } else {
            state.media.store.put_part(id, from, bytes).await.map_err(ApiError::from_store)?;
            if !state.store.advance_upload(id, from, to, None, state.now()).await? {
                return Err(offset_mismatch(&own_upload(&state, &p, id).await?));
            }
            Upload { offset: to, ..upload }
        };
        if let Some(why) = cut {
            return Err(ApiError::Unprocessable {
                code: "incomplete_body",
                detail: format!("the piece broke off after {} bytes, which were kept: {why}", moved.offset - from),
                errors: Vec::new(),
            });
        }
        Ok(progress(&moved, StatusCode::NO_CONTENT).finish())
    }
    .await)
}

fn offset_mismatch(upload: &Upload) -> ApiError {
    ApiError::Conflict {
        code: "offset_mismatch",
        detail: format!("{} bytes of this upload have arrived: go on from there", upload.offset),
        errors: vec![FieldError::parameter("Upload-Offset", format!("must be {}", upload.offset))],
    }
}

/// The last piece: the file is joined, judged and stored, and the upload
/// names it. A file refused is gone with its upload (its bytes cannot
/// become a file this server takes).
async fn complete(state: &AppState, p: &Principal, upload: &Upload, last: Bytes) -> Result<Upload, ApiError> {
    let mut whole = BytesMut::from(
        state.media.store.joined_parts(upload.id, upload.offset).await.map_err(ApiError::from_store)?.as_ref(),
    );
    whole.extend_from_slice(&last);
    let whole = whole.freeze();
    let media_id: MediaId = digest_of(&whole);
    match keep_file(state, p, media_id.clone(), whole).await {
        Ok(_) => {}
        Err(refused @ (ApiError::UnsupportedFile(_) | ApiError::Unprocessable { .. })) => {
            state.store.drop_upload(upload.id).await?;
            forget_parts(state, upload.id).await;
            return Err(refused);
        }
        Err(other) => return Err(other),
    }
    // Another request may have completed it a moment before: same bytes, same file.
    state.store.advance_upload(upload.id, upload.offset, upload.length, Some(&media_id), state.now()).await?;
    forget_parts(state, upload.id).await;
    Ok(Upload { offset: upload.length, media_id: Some(media_id), ..upload.clone() })
}

/// Parts of a finished upload are no longer needed; one left behind is
/// removed with abandoned uploads.
async fn forget_parts(state: &AppState, id: Uuid) {
    if let Err(e) = state.media.store.drop_parts(id).await {
        tracing::warn!(upload = %id, error = %format!("{e:#}"), "an upload's parts were not removed");
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_metadata, Declared};

    #[test]
    fn metadata_is_read_as_tus_writes_it() {
        // filename "现场.jpg", content_type "image/jpeg", and a key without a value.
        let text = "filename 546w5Zy6LmpwZw==,content_type aW1hZ2UvanBlZw==,is_confidential";
        let want = Declared { filename: Some("现场.jpg".into()), content_type: Some("image/jpeg".into()) };
        assert_eq!(parse_metadata(text), Ok(want));
        // tus-js-client's names.
        let js = parse_metadata("name YS5wbmc=, filetype aW1hZ2UvcG5n").unwrap();
        assert_eq!((js.filename.as_deref(), js.content_type.as_deref()), (Some("a.png"), Some("image/png")));
        assert_eq!(parse_metadata(""), Ok(Declared::default()));
        for bad in ["filename not*base64", "filename YQ==,filename Yg==", "filename //79", "content_type YSBi"] {
            assert!(parse_metadata(bad).is_err(), "{bad}");
        }
    }
}
