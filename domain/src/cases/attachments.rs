//! Evidence on a case: the photos of a report, the "after" photos of a
//! resolution, what a verifier saw, and files added with comments or later.
//! A verifier judges by comparing them, so each says when and by whom it was
//! attached, and whether its photo looks reused.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    model::{EventActor, EventType},
    workflow::{actor_of, event},
    Case, Outcome, Visibility,
};
use crate::{
    identity::Principal,
    media::{suspicious, MediaId, StoredMedia},
};

/// At most this many files in one request, as the phones' pickers allow.
pub const MAX_ATTACHMENTS: usize = 9;

/// The moment of the case a file documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachStage {
    Report,
    Resolution,
    Verification,
    Comment,
}

impl AttachStage {
    pub const ALL: [Self; 4] = [Self::Report, Self::Resolution, Self::Verification, Self::Comment];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Report => "report",
            Self::Resolution => "resolution",
            Self::Verification => "verification",
            Self::Comment => "comment",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// A file attached to a case.
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub media_id: MediaId,
    pub stage: AttachStage,
    pub caption: Option<String>,
    pub content_type: String,
    pub thumbnail: bool,
    /// Taken more than a day before it was attached, or more than 500 m from
    /// the case's point, as its EXIF says.
    pub suspicious: bool,
    /// Attached with an internal comment: seen only by whoever reads those.
    pub internal: bool,
    pub attached_by: EventActor,
    pub at: DateTime<Utc>,
    /// The `media_attached` event that lists it.
    pub event_id: Uuid,
}

/// A stored file to attach, with its caption.
#[derive(Debug, Clone)]
pub struct Evidence {
    pub media: StoredMedia,
    pub caption: Option<String>,
}

/// Attaches `files` to the outcome's case on behalf of `p`, with one
/// `media_attached` event after the step's own events. Nothing for none.
pub fn attach(
    outcome: &mut Outcome,
    p: &Principal,
    stage: AttachStage,
    files: Vec<Evidence>,
    internal: bool,
    now: DateTime<Utc>,
) {
    if files.is_empty() {
        return;
    }
    let case = &outcome.case;
    let mut e = event(case, Some(p), EventType::MediaAttached, case.status, now);
    e.internal = internal;
    e.changes.insert("stage".into(), stage.as_str().into());
    e.changes.insert("media".into(), files.iter().map(|f| f.media.id.as_str()).collect::<Vec<_>>().join(","));
    // Who could see the case is what the step left; a file changes nothing of it.
    let (before, after) = match outcome.events.last() {
        Some(last) => (last.visible_before.clone(), last.visible_after.clone()),
        None => (Some(Visibility::of(case)), Visibility::of(case)),
    };
    (e.visible_before, e.visible_after) = (before, after);
    let point = case.location;
    let attached: Vec<Attachment> = files
        .into_iter()
        .map(|f| Attachment {
            suspicious: suspicious(f.media.taken_at, f.media.gps, now, point),
            media_id: f.media.id,
            stage,
            caption: f.caption,
            content_type: f.media.content_type,
            thumbnail: f.media.thumbnail,
            internal,
            attached_by: actor_of(p),
            at: now,
            event_id: e.id,
        })
        .collect();
    outcome.case.attachments.extend(attached);
    outcome.events.push(e);
}

/// Whether a file attached to `case` may be seen by a caller who does or
/// does not read internal notes.
pub fn shows(attachment: &Attachment, reads_internal: bool) -> bool {
    reads_internal || !attachment.internal
}

/// The files of `case` attached by the events of an outcome: what a write adds.
pub fn attached_by<'a>(case: &'a Case, events: &'a [super::CaseEvent]) -> impl Iterator<Item = &'a Attachment> {
    case.attachments.iter().filter(|a| events.iter().any(|e| e.id == a.event_id))
}
