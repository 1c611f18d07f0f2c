//! Files named in a request to attach them to a case: each must be one the
//! caller sent, or may download because it is on a case he sees. Anything
//! else is refused on its pointer, so that nobody attaches (and so reads)
//! a file by guessing its SHA-256.

use std::collections::HashSet;

use gridline_domain::{
    cases::{can_see, shows, AttachStage, Evidence},
    identity::Principal,
    media::{MediaId, StoredMedia},
    policy::reads_internal_notes,
    validation,
};
use gridline_openapi::{cases::MediaRef, FieldError};

use crate::{error::ApiError, routes::media::uploader, state::AppState};

/// How many of a file's cases are looked at to decide whether a caller may
/// read it; the newest first (a photo sent again and again is the rare case).
const CASES_LOOKED_AT: u32 = 100;

/// Files to attach with a step, as what they document.
pub(crate) struct Attaching {
    pub stage: AttachStage,
    pub files: Vec<Evidence>,
    /// With an internal comment: hidden with it.
    pub internal: bool,
}

/// A stored file `p` may read: one he sent, or one attached to a case he
/// sees (an internal comment's only if he reads internal comments).
pub(crate) async fn readable(state: &AppState, p: &Principal, id: &MediaId) -> Result<Option<StoredMedia>, ApiError> {
    let Some(media) = state.store.media(id).await? else {
        return Ok(None);
    };
    if state.store.uploaded_by(id, uploader(p)).await? {
        return Ok(Some(media));
    }
    let internal = reads_internal_notes(p);
    let cases = state.store.cases_holding(id, CASES_LOOKED_AT).await?;
    let seen =
        cases.iter().any(|c| can_see(p, c) && c.attachments.iter().any(|a| a.media_id == *id && shows(a, internal)));
    Ok(seen.then_some(media))
}

/// The files a request names under `pointer` (`/media`), checked all at
/// once: every fault is reported with its place.
pub(crate) async fn evidence(
    state: &AppState,
    p: &Principal,
    refs: &[MediaRef],
    pointer: &str,
) -> Result<Vec<Evidence>, ApiError> {
    let mut errors = Vec::new();
    let mut files = Vec::new();
    let mut named = HashSet::new();
    for (i, r) in refs.iter().enumerate() {
        let at = format!("{pointer}/{i}");
        let Some(id) = MediaId::parse(&r.media_id) else {
            errors.push(FieldError::pointer(format!("{at}/media_id"), "must be 64 hexadecimal digits (a SHA-256)"));
            continue;
        };
        if !named.insert(id.clone()) {
            errors.push(FieldError::pointer(format!("{at}/media_id"), "names a file already named in this request"));
            continue;
        }
        let caption = match r.caption.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(text) => match validation::text(text, 200) {
                Ok(text) => Some(text),
                Err(e) => {
                    errors.push(FieldError::pointer(format!("{at}/caption"), e));
                    continue;
                }
            },
            None => None,
        };
        match readable(state, p, &id).await? {
            Some(media) => files.push(Evidence { media, caption }),
            None => errors.push(FieldError::pointer(
                format!("{at}/media_id"),
                "no file you uploaded or may see has this id: upload it first",
            )),
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(ApiError::Validation(errors))
    }
}
