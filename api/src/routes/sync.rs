//! Offline sync for phones: the cases in the caller's view, then every case
//! that changed since, each once per page, in change order, as the caller
//! sees it now, or `removed` when it left his view. Built on the change
//! sequence and its never-skip guarantee.
//!
//! A first sync is a snapshot of the view as of one change number: its open
//! cases, newest first, then those ended within the sync window, last
//! changed first. The changes after that number follow, so that whatever
//! changed during the snapshot is sent again, never lost. Each part is a
//! list the store already answers from an index at any size, and the phone
//! has what is still to be done before what is finished. A cursor names the
//! caller's grants: when they change, the view changes under the copy, and
//! the phone starts again (410).

use std::collections::HashMap;

use actix_web::{get, web};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use chrono::{DateTime, Duration, Utc};
use gridline_domain::{
    cases::{can_see, saw, Case, CaseEvent, CaseScope, CaseStatus},
    crs::Crs,
    identity::Principal,
    ports::{CaseFilter, CaseSort, ListCursor},
};
use gridline_openapi::{
    cases::{SyncItem, SyncPage, SyncQuery},
    FieldError, Problem,
};
use uuid::Uuid;

use crate::{auth::Auth, case_views, error::ApiError, extract::ValidQuery, state::AppState};

/// Events read per request at most, however few of them the caller sees.
const SCAN: u32 = 2_000;

/// Where a copy stands.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    /// Taking the snapshot as of change `mark`: a part of it, after the
    /// case at `after` in that part's order (none: from its start).
    Snapshot { mark: i64, part: Part, after: Option<ListCursor> },
    /// Following the changes after `seq`.
    Changes { seq: i64 },
}

/// The snapshot's two parts, which split its cases by status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// Open cases, newest first.
    Open,
    /// Cases ended (closed, rejected, cancelled) within the sync window,
    /// last changed first.
    Ended,
}

impl Part {
    fn tag(self) -> &'static str {
        match self {
            Part::Open => "o",
            Part::Ended => "e",
        }
    }

    fn sort(self) -> CaseSort {
        match self {
            Part::Open => CaseSort::Created,
            Part::Ended => CaseSort::Updated,
        }
    }

    /// The part's cases as a list filter, after `after`.
    fn filter(self, since: DateTime<Utc>, after: Option<ListCursor>, limit: u32) -> CaseFilter {
        let ended = self == Part::Ended;
        CaseFilter {
            statuses: CaseStatus::ALL.into_iter().filter(|s| s.is_final() == ended).collect(),
            updated_after: ended.then_some(since),
            sort: self.sort(),
            after,
            limit,
            ..CaseFilter::default()
        }
    }

    /// Where the part stands after `case`: its sort key, as the list's.
    fn cursor(self, case: &Case) -> ListCursor {
        ListCursor { key: super::case_list::key_of(case, self.sort()), id: case.id }
    }
}

struct Cursor {
    grants: String,
    issued: i64,
    phase: Phase,
}

/// A digest of what the caller may see: a cursor is good for that view only.
fn view_of(p: &Principal) -> String {
    let scope = CaseScope::of(p);
    let mut parts = vec![format!("{}{:?}{:?}", scope.all, scope.user_id, scope.api_key_id)];
    let mut grids: Vec<String> = scope.grid_ids.iter().map(Uuid::to_string).collect();
    let mut paths = scope.unit_paths.clone();
    let mut departments: Vec<String> = scope.department_ids.iter().map(Uuid::to_string).collect();
    grids.sort();
    paths.sort();
    departments.sort();
    parts.extend(grids.into_iter().chain(paths).chain(departments));
    let digest = ring::digest::digest(&ring::digest::SHA256, parts.join("|").as_bytes());
    digest.as_ref()[..8].iter().map(|b| format!("{b:02x}")).collect()
}

fn encode(c: &Cursor) -> String {
    let phase = match c.phase {
        Phase::Snapshot { mark, part, after: None } => format!("{}|{mark}", part.tag()),
        Phase::Snapshot { mark, part, after: Some(at) } => {
            format!("{}|{mark}|{}|{}", part.tag(), at.key.to_rfc3339(), at.id)
        }
        Phase::Changes { seq } => format!("c|{seq}"),
    };
    URL_SAFE_NO_PAD.encode(format!("1|{}|{}|{phase}", c.grants, c.issued))
}

/// What a raw cursor says, if this server gave it.
enum Decoded {
    Cursor(Cursor),
    /// A snapshot cursor of a server that paged the snapshot by id.
    ByIdSnapshot,
}

fn decode(raw: &str) -> Option<Decoded> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(raw).ok()?).ok()?;
    let parts: Vec<&str> = text.split('|').collect();
    let part = |tag: &str| [Part::Open, Part::Ended].into_iter().find(|p| p.tag() == tag);
    let phase = match parts.as_slice() {
        ["1", _, _, "s", _, _] => return Some(Decoded::ByIdSnapshot),
        ["1", _, _, "c", seq] => Phase::Changes { seq: seq.parse().ok()? },
        ["1", _, _, tag, mark] => Phase::Snapshot { mark: mark.parse().ok()?, part: part(tag)?, after: None },
        ["1", _, _, tag, mark, key, id] => Phase::Snapshot {
            mark: mark.parse().ok()?,
            part: part(tag)?,
            after: Some(ListCursor {
                key: DateTime::parse_from_rfc3339(key).ok()?.with_timezone(&Utc),
                id: id.parse().ok()?,
            }),
        },
        _ => return None,
    };
    Some(Decoded::Cursor(Cursor { grants: parts[1].to_owned(), issued: parts[2].parse().ok()?, phase }))
}

/// Sync a phone's copy
///
/// Without a cursor: every case in the caller's view that is open or changed within the sync window
/// (`GRIDLINE_SYNC_WINDOW_DAYS`), a page at a time: the open ones newest first, then those ended (closed,
/// rejected, cancelled) within the window, last changed first. Then, with each answer's `next_cursor`: one item per case
/// that changed since, in change order, each as the caller sees it now (masked as the list masks it), or
/// `removed: true` when it left his view (a case moved to another grid, say). A client that applies the items
/// holds what `GET /api/v1/cases` shows it. Call again at once while `has_more`. A cursor made before the
/// caller's grants changed, or older than the sync window, is 410 `sync_reset`: start again without one.
#[utoipa::path(
    operation_id = "sync_cases",
    tag = "cases",
    security(("bearer" = []), ("api_key" = [])),
    params(SyncQuery),
    responses(
        (status = 200, description = "A page of the copy's changes", body = SyncPage),
        (status = 400, description = "A cursor this server did not give, or a bad limit", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`sync_reset`: the caller's view changed or the cursor is too old; sync again without a cursor", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/sync")]
pub(crate) async fn sync(
    auth: Auth,
    state: web::Data<AppState>,
    query: ValidQuery<SyncQuery>,
) -> Result<web::Json<SyncPage>, ApiError> {
    let query = query.parse()?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::InvalidQuery(vec![FieldError::parameter("limit", "must be between 1 and 500")]));
    }
    let p = &auth.0;
    let grants = view_of(p);
    let now = state.now();
    let window = Duration::days(i64::from(state.sync_window_days));
    let phase = match query.cursor.as_deref() {
        None => Phase::Snapshot { mark: state.store.change_mark().await?, part: Part::Open, after: None },
        Some(raw) => {
            let cursor = match decode(raw) {
                Some(Decoded::Cursor(cursor)) => cursor,
                Some(Decoded::ByIdSnapshot) => {
                    return Err(ApiError::SyncReset("this server pages a first sync differently now"))
                }
                None => {
                    let problem = FieldError::parameter("cursor", "is not a cursor this server gave");
                    return Err(ApiError::InvalidQuery(vec![problem]));
                }
            };
            if cursor.grants != grants {
                return Err(ApiError::SyncReset("your grants changed since this cursor"));
            }
            if cursor.issued < (now - window).timestamp() {
                return Err(ApiError::SyncReset("this cursor is older than the sync window"));
            }
            cursor.phase
        }
    };
    let crs = query.crs.map_or(Crs::Wgs84, Into::into);
    let names = state.reference();
    let view = |c: &gridline_domain::cases::Case| case_views::case(c, p, now, &names, crs);
    let next = |phase| encode(&Cursor { grants: grants.clone(), issued: now.timestamp(), phase });
    match phase {
        Phase::Snapshot { mark, part, after } => {
            let since = now - window;
            let scope = CaseScope::of(p);
            let mut cases = part_cases(&state, &scope, part, since, after, limit, now).await?;
            let mut at = (part, cases.last().map(|c| part.cursor(c)).or(after));
            // The open cases ran out within the page: the ended ones fill it.
            if part == Part::Open && cases.len() < limit as usize {
                let rest = limit - cases.len() as u32;
                let ended = part_cases(&state, &scope, Part::Ended, since, None, rest, now).await?;
                at = (Part::Ended, ended.last().map(|c| Part::Ended.cursor(c)));
                cases.extend(ended);
            }
            let items = cases
                .iter()
                .map(|c| SyncItem { seq: mark, case_id: c.id, removed: false, case: Some(view(c)) })
                .collect();
            let (phase, has_more) = match at {
                (part, after) if cases.len() == limit as usize => (Phase::Snapshot { mark, part, after }, true),
                _ => (Phase::Changes { seq: mark }, state.store.change_mark().await? > mark),
            };
            Ok(web::Json(SyncPage { items, next_cursor: next(phase), has_more }))
        }
        Phase::Changes { seq } => {
            let events = state.store.changes(seq, SCAN).await?;
            let (taken, last_seq, stopped) = take_cases(&events, limit as usize, seq);
            let ids: Vec<Uuid> = taken.iter().map(|(id, _)| *id).collect();
            let current: HashMap<Uuid, _> =
                state.store.cases_with_ids(&ids).await?.into_iter().map(|c| (c.id, c)).collect();
            let items = taken
                .into_iter()
                .filter_map(|(id, at)| {
                    let case = current.get(&id)?;
                    if can_see(p, case) {
                        return Some(SyncItem { seq: at, case_id: id, removed: false, case: Some(view(case)) });
                    }
                    // Out of view now: tell the caller to drop it only if he could see it once.
                    let was_seen = events
                        .iter()
                        .filter(|e| e.case_id == id && e.seq <= last_seq)
                        .any(|e| saw(p, &e.visible_after) || e.visible_before.as_ref().is_some_and(|v| saw(p, v)));
                    was_seen.then_some(SyncItem { seq: at, case_id: id, removed: true, case: None })
                })
                .collect();
            let has_more = stopped || events.len() == SCAN as usize;
            Ok(web::Json(SyncPage { items, next_cursor: next(Phase::Changes { seq: last_seq }), has_more }))
        }
    }
}

/// The list's longest page: the store finds one among the newest cases,
/// where a longer one would gather and sort every case of the part.
const LIST_PAGE: u32 = 200;

/// Up to `limit` cases of a snapshot's part after `after`, a list page at a time.
async fn part_cases(
    state: &AppState,
    scope: &CaseScope,
    part: Part,
    since: DateTime<Utc>,
    mut after: Option<ListCursor>,
    limit: u32,
    now: DateTime<Utc>,
) -> Result<Vec<Case>, ApiError> {
    let mut cases: Vec<Case> = Vec::new();
    while cases.len() < limit as usize {
        let want = (limit - cases.len() as u32).min(LIST_PAGE);
        let page = state.store.cases(scope, &part.filter(since, after, want), now).await?;
        let full = page.len() == want as usize;
        after = page.last().map(|c| part.cursor(c)).or(after);
        cases.extend(page);
        if !full {
            break;
        }
    }
    Ok(cases)
}

/// The cases the events change, each with its last event's number, ordered
/// by it; at most `limit` of them. Also the number of the last event taken
/// (the next cursor) and whether events were left for the next page.
fn take_cases(events: &[CaseEvent], limit: usize, from: i64) -> (Vec<(Uuid, i64)>, i64, bool) {
    let mut last: HashMap<Uuid, i64> = HashMap::new();
    let mut through = from;
    for e in events {
        if !last.contains_key(&e.case_id) && last.len() == limit {
            let mut taken: Vec<(Uuid, i64)> = last.into_iter().collect();
            taken.sort_by_key(|(_, seq)| *seq);
            return (taken, through, true);
        }
        last.insert(e.case_id, e.seq);
        through = e.seq;
    }
    let mut taken: Vec<(Uuid, i64)> = last.into_iter().collect();
    taken.sort_by_key(|(_, seq)| *seq);
    (taken, through, false)
}
