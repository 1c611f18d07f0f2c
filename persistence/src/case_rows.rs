//! Case rows and their conversion; shared by both backends.

use std::collections::BTreeMap;

use gridline_domain::{
    cases::{
        Case, CaseEvent, CaseStatus, Category, EventActor, EventType, ExtensionRequest, ExtensionState, Intake,
        Priority, Rating, Resident, Source, TimeLimit, TimeUnit, Visibility,
    },
    geo::Position,
    org::DepartmentKind,
    stats::{CaseTally, Trail},
    RepoError,
};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::types::Ts;

fn corrupt(what: &str, value: &str) -> RepoError {
    RepoError::Unknown(anyhow::anyhow!("stored {what} '{value}' is not valid"))
}

pub(crate) const CATEGORY_COLUMNS: &str = "code, parent_code, name_zh, name_en, department_kind, time_limits, \
     auto_accept, auto_dispatch, active, created_at, updated_at, auto_escalate_after_hours, requires_resolution_photo, public";

#[derive(sqlx::FromRow)]
pub(crate) struct CategoryRow {
    code: String,
    parent_code: Option<String>,
    name_zh: String,
    name_en: String,
    department_kind: String,
    time_limits: String,
    auto_accept: bool,
    auto_dispatch: bool,
    active: bool,
    created_at: Ts,
    updated_at: Ts,
    auto_escalate_after_hours: Option<i64>,
    requires_resolution_photo: bool,
    public: bool,
}

pub(crate) fn encode_limits(limits: &[TimeLimit]) -> String {
    Value::Array(
        limits
            .iter()
            .map(|l| json!({"priority": l.priority.as_str(), "amount": l.amount, "unit": l.unit.as_str()}))
            .collect(),
    )
    .to_string()
}

fn decode_limits(text: &str) -> Result<Vec<TimeLimit>, RepoError> {
    let value: Value = serde_json::from_str(text).map_err(|e| RepoError::Unknown(e.into()))?;
    value
        .as_array()
        .ok_or_else(|| corrupt("time limits", text))?
        .iter()
        .map(|l| {
            let parsed = || {
                Some(TimeLimit {
                    priority: Priority::parse(l["priority"].as_str()?)?,
                    amount: u32::try_from(l["amount"].as_u64()?).ok()?,
                    unit: TimeUnit::parse(l["unit"].as_str()?)?,
                })
            };
            parsed().ok_or_else(|| corrupt("time limit", &l.to_string()))
        })
        .collect()
}

impl TryFrom<CategoryRow> for Category {
    type Error = RepoError;

    fn try_from(r: CategoryRow) -> Result<Self, RepoError> {
        Ok(Self {
            department_kind: DepartmentKind::parse(&r.department_kind)
                .ok_or_else(|| corrupt("department kind", &r.department_kind))?,
            time_limits: decode_limits(&r.time_limits)?,
            code: r.code,
            parent_code: r.parent_code,
            name_zh: r.name_zh,
            name_en: r.name_en,
            auto_accept: r.auto_accept,
            auto_dispatch: r.auto_dispatch,
            auto_escalate_after_hours: match r.auto_escalate_after_hours {
                Some(h) => Some(u32::try_from(h).map_err(|_| corrupt("auto_escalate_after_hours", &h.to_string()))?),
                None => None,
            },
            requires_resolution_photo: r.requires_resolution_photo,
            public: r.public,
            active: r.active,
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
        })
    }
}

pub(crate) const CASE_COLUMNS: &str = "c.id, c.number, c.status, c.category_code, c.priority, c.description, c.lat, \
     c.lon, c.address, c.grid_id, c.grid_path, c.owner_unit_id, c.owner_path, c.suggested_department_id, \
     c.lead_department_id, c.handler_user_id, c.reporter_user_id, \
     c.reporter_api_key_id, c.reported_by_grid_worker, c.source, c.resident_name, c.resident_phone, \
     c.resolved_on_site, c.limit_started_at, c.due_at, c.warn_at, c.resolved_at, c.resolved_by, c.rework_count, c.version, \
     c.created_at, c.updated_at, c.suspended_at, c.suspended_until, c.tracking_code, c.closed_at, c.rating, c.rated_at, \
     c.external_ref, c.media_url, c.resident_email";

/// What the figures read of a case (see [`CaseTally`]).
pub(crate) const TALLY_COLUMNS: &str = "c.grid_id, c.grid_path, c.lead_department_id, c.category_code, \
     c.reporter_user_id, c.reported_by_grid_worker, c.created_at, c.status, c.resolved_on_site, c.due_at, \
     c.warn_at, c.suspended_at, c.trail, c.first_dispatched_at, c.last_resolved_at, c.rating";

#[derive(sqlx::FromRow)]
pub(crate) struct TallyRow {
    grid_id: Uuid,
    grid_path: String,
    lead_department_id: Option<Uuid>,
    category_code: String,
    reporter_user_id: Option<Uuid>,
    reported_by_grid_worker: bool,
    created_at: Ts,
    status: String,
    resolved_on_site: bool,
    due_at: Option<Ts>,
    warn_at: Option<Ts>,
    suspended_at: Option<Ts>,
    trail: i32,
    first_dispatched_at: Option<Ts>,
    last_resolved_at: Option<Ts>,
    rating: Option<String>,
}

impl TryFrom<TallyRow> for CaseTally {
    type Error = RepoError;

    fn try_from(r: TallyRow) -> Result<Self, RepoError> {
        Ok(Self {
            grid_id: r.grid_id,
            grid_path: r.grid_path,
            lead_department_id: r.lead_department_id,
            category_code: r.category_code,
            reporter_user_id: r.reporter_user_id,
            reported_by_grid_worker: r.reported_by_grid_worker,
            created_at: r.created_at.0,
            status: CaseStatus::parse(&r.status).ok_or_else(|| corrupt("status", &r.status))?,
            resolved_on_site: r.resolved_on_site,
            due_at: r.due_at.map(|t| t.0),
            warn_at: r.warn_at.map(|t| t.0),
            suspended_at: r.suspended_at.map(|t| t.0),
            rating: rating(r.rating)?,
            trail: Trail {
                marks: u32::try_from(r.trail).map_err(|_| corrupt("trail", &r.trail.to_string()))?,
                first_dispatched_at: r.first_dispatched_at.map(|t| t.0),
                last_resolved_at: r.last_resolved_at.map(|t| t.0),
            },
        })
    }
}

fn rating(column: Option<String>) -> Result<Option<Rating>, RepoError> {
    column.map(|r| Rating::parse(&r).ok_or_else(|| corrupt("rating", &r))).transpose()
}

#[derive(sqlx::FromRow)]
pub(crate) struct CaseRow {
    id: Uuid,
    number: String,
    status: String,
    category_code: String,
    priority: String,
    description: String,
    lat: f64,
    lon: f64,
    address: String,
    grid_id: Uuid,
    grid_path: String,
    owner_unit_id: Uuid,
    owner_path: String,
    suggested_department_id: Option<Uuid>,
    lead_department_id: Option<Uuid>,
    handler_user_id: Option<Uuid>,
    reporter_user_id: Option<Uuid>,
    reporter_api_key_id: Option<Uuid>,
    reported_by_grid_worker: bool,
    source: String,
    resident_name: Option<String>,
    resident_phone: Option<String>,
    resolved_on_site: bool,
    limit_started_at: Option<Ts>,
    due_at: Option<Ts>,
    warn_at: Option<Ts>,
    resolved_at: Option<Ts>,
    resolved_by: Option<Uuid>,
    rework_count: i32,
    version: i64,
    created_at: Ts,
    updated_at: Ts,
    suspended_at: Option<Ts>,
    suspended_until: Option<String>,
    tracking_code: Option<String>,
    closed_at: Option<Ts>,
    rating: Option<String>,
    rated_at: Option<Ts>,
    external_ref: Option<String>,
    media_url: Option<String>,
    resident_email: Option<String>,
}

/// A case's rows in `case_departments` (every department it was dispatched to
/// but the current lead), in the order they were first dispatched to.
#[derive(Debug, Default)]
pub(crate) struct Departments {
    history: Vec<Uuid>,
    assisting: Vec<(i32, Uuid)>,
}

impl Departments {
    pub(crate) fn add(&mut self, department: Uuid, assist_order: Option<i32>) {
        self.history.push(department);
        if let Some(order) = assist_order {
            self.assisting.push((order, department));
        }
    }
}

impl CaseRow {
    /// The case, given its departments, pending extension request and files.
    pub(crate) fn into_case(
        self,
        departments: Departments,
        pending_extension: Option<ExtensionRequest>,
        attachments: Vec<gridline_domain::cases::Attachment>,
    ) -> Result<Case, RepoError> {
        let Departments { history: mut department_history, mut assisting } = departments;
        // The lead is the case's own column; it is never also assisting.
        if let Some(lead) = self.lead_department_id {
            if !department_history.contains(&lead) {
                department_history.push(lead);
            }
            assisting.retain(|(_, id)| *id != lead);
        }
        assisting.sort_unstable();
        let assisting = assisting.into_iter().map(|(_, id)| id).collect();
        Ok(Case {
            id: self.id,
            number: self.number,
            status: CaseStatus::parse(&self.status).ok_or_else(|| corrupt("status", &self.status))?,
            category_code: self.category_code,
            priority: Priority::parse(&self.priority).ok_or_else(|| corrupt("priority", &self.priority))?,
            description: self.description,
            location: Position { lon: self.lon, lat: self.lat },
            address: self.address,
            grid_id: self.grid_id,
            grid_path: self.grid_path,
            owner_unit_id: self.owner_unit_id,
            owner_path: self.owner_path,
            suggested_department_id: self.suggested_department_id,
            lead_department_id: self.lead_department_id,
            assisting_department_ids: assisting,
            department_history,
            handler_user_id: self.handler_user_id,
            reporter_user_id: self.reporter_user_id,
            reporter_api_key_id: self.reporter_api_key_id,
            reported_by_grid_worker: self.reported_by_grid_worker,
            source: Source::parse(&self.source).ok_or_else(|| corrupt("source", &self.source))?,
            resident: self.resident_name.map(|name| Resident {
                name,
                phone: self.resident_phone,
                email: self.resident_email,
            }),
            resolved_on_site: self.resolved_on_site,
            limit_started_at: self.limit_started_at.map(|t| t.0),
            due_at: self.due_at.map(|t| t.0),
            warn_at: self.warn_at.map(|t| t.0),
            resolved_at: self.resolved_at.map(|t| t.0),
            resolved_by: self.resolved_by,
            rework_count: self.rework_count,
            suspended_at: self.suspended_at.map(|t| t.0),
            suspended_until: match self.suspended_until {
                Some(date) => Some(date.parse().map_err(|_| corrupt("suspended_until", &date))?),
                None => None,
            },
            pending_extension,
            attachments,
            tracking_code: self.tracking_code,
            intake: Intake { external_ref: self.external_ref, media_url: self.media_url },
            closed_at: self.closed_at.map(|t| t.0),
            rating: rating(self.rating)?,
            rated_at: self.rated_at.map(|t| t.0),
            version: self.version,
            created_at: self.created_at.0,
            updated_at: self.updated_at.0,
        })
    }

    pub(crate) fn id(&self) -> Uuid {
        self.id
    }
}

pub(crate) const EVENT_COLUMNS: &str = "seq, id, case_id, type, actor_kind, actor_id, actor_label, at, from_status, \
     to_status, note, internal, changes, visible_before, visible_after";

pub(crate) fn encode_visibility(v: &Visibility) -> String {
    json!({
        "grid_id": v.grid_id,
        "grid_path": v.grid_path,
        "owner_unit_id": v.owner_unit_id,
        "department_ids": v.department_ids,
        "handler_user_id": v.handler_user_id,
    })
    .to_string()
}

fn decode_visibility(text: &str) -> Result<Visibility, RepoError> {
    let v: Value = serde_json::from_str(text).map_err(|e| RepoError::Unknown(e.into()))?;
    let uuid = |key: &str| v[key].as_str().and_then(|s| Uuid::parse_str(s).ok());
    Ok(Visibility {
        grid_id: uuid("grid_id").ok_or_else(|| corrupt("visibility", text))?,
        grid_path: v["grid_path"].as_str().unwrap_or_default().to_owned(),
        owner_unit_id: uuid("owner_unit_id").ok_or_else(|| corrupt("visibility", text))?,
        department_ids: v["department_ids"]
            .as_array()
            .map(|a| a.iter().filter_map(|d| d.as_str().and_then(|s| Uuid::parse_str(s).ok())).collect())
            .unwrap_or_default(),
        handler_user_id: uuid("handler_user_id"),
    })
}

#[derive(sqlx::FromRow)]
pub(crate) struct EventRow {
    seq: i64,
    id: Uuid,
    case_id: Uuid,
    #[sqlx(rename = "type")]
    kind: String,
    actor_kind: String,
    actor_id: Option<Uuid>,
    actor_label: String,
    at: Ts,
    from_status: Option<String>,
    to_status: String,
    note: Option<String>,
    internal: bool,
    changes: String,
    visible_before: Option<String>,
    visible_after: String,
}

impl TryFrom<EventRow> for CaseEvent {
    type Error = RepoError;

    fn try_from(r: EventRow) -> Result<Self, RepoError> {
        let actor = actor_of_columns(&r.actor_kind, r.actor_id, r.actor_label);
        let status = |s: &str| CaseStatus::parse(s).ok_or_else(|| corrupt("status", s));
        Ok(Self {
            seq: r.seq,
            id: r.id,
            case_id: r.case_id,
            event_type: EventType::parse(&r.kind).ok_or_else(|| corrupt("event type", &r.kind))?,
            actor,
            at: r.at.0,
            from_status: r.from_status.as_deref().map(status).transpose()?,
            to_status: status(&r.to_status)?,
            note: r.note,
            internal: r.internal,
            changes: serde_json::from_str::<BTreeMap<String, String>>(&r.changes)
                .map_err(|e| RepoError::Unknown(e.into()))?,
            visible_before: r.visible_before.as_deref().map(decode_visibility).transpose()?,
            visible_after: decode_visibility(&r.visible_after)?,
        })
    }
}

pub(crate) fn actor_of_columns(kind: &str, id: Option<Uuid>, label: String) -> EventActor {
    match (kind, id) {
        ("user", Some(id)) => EventActor::User { id, label },
        ("api_key", Some(id)) => EventActor::ApiKey { id, label },
        ("system", None) if label == RESIDENT => EventActor::Resident,
        _ => EventActor::System,
    }
}

/// A resident is kept as kind `system` labelled `resident`: the CHECK of
/// migration 0003 knows three kinds, and SQLite cannot change a CHECK without
/// rewriting the events table; the platform's own label is `system`.
const RESIDENT: &str = "resident";

pub(crate) fn actor_columns(actor: &EventActor) -> (&'static str, Option<Uuid>, String) {
    match actor {
        EventActor::User { id, label } => ("user", Some(*id), label.clone()),
        EventActor::ApiKey { id, label } => ("api_key", Some(*id), label.clone()),
        EventActor::System => ("system", None, "system".into()),
        EventActor::Resident => ("system", None, RESIDENT.into()),
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ExtensionRow {
    id: Uuid,
    case_id: Uuid,
    hours: i32,
    reason: String,
    state: String,
    requested_by: Option<Uuid>,
    requested_at: Ts,
    decided_by: Option<Uuid>,
    decided_at: Option<Ts>,
}

pub(crate) const EXTENSION_COLUMNS: &str =
    "id, case_id, hours, reason, state, requested_by, requested_at, decided_by, decided_at";

impl TryFrom<ExtensionRow> for ExtensionRequest {
    type Error = RepoError;

    fn try_from(r: ExtensionRow) -> Result<Self, RepoError> {
        Ok(Self {
            id: r.id,
            case_id: r.case_id,
            hours: u32::try_from(r.hours).map_err(|_| corrupt("hours", &r.hours.to_string()))?,
            reason: r.reason,
            state: ExtensionState::parse(&r.state).ok_or_else(|| corrupt("extension state", &r.state))?,
            requested_by: r.requested_by,
            requested_at: r.requested_at.0,
            decided_by: r.decided_by,
            decided_at: r.decided_at.map(|t| t.0),
        })
    }
}

pub(crate) fn changes_json(changes: &BTreeMap<String, String>) -> String {
    serde_json::to_string(changes).unwrap_or_else(|_| "{}".into())
}

pub(crate) const ATTACHMENT_COLUMNS: &str = "case_id, media_id, stage, caption, content_type, thumbnail, suspicious, \
     internal, actor_kind, actor_id, actor_label, attached_at, event_id, ordinal";

#[derive(sqlx::FromRow)]
pub(crate) struct AttachmentRow {
    pub(crate) case_id: Uuid,
    media_id: String,
    stage: String,
    caption: Option<String>,
    content_type: String,
    thumbnail: bool,
    suspicious: bool,
    internal: bool,
    actor_kind: String,
    actor_id: Option<Uuid>,
    actor_label: String,
    attached_at: Ts,
    event_id: Uuid,
    #[allow(dead_code)]
    ordinal: i32,
}

impl TryFrom<AttachmentRow> for gridline_domain::cases::Attachment {
    type Error = RepoError;

    fn try_from(r: AttachmentRow) -> Result<Self, RepoError> {
        Ok(Self {
            media_id: gridline_domain::media::MediaId::parse(&r.media_id)
                .ok_or_else(|| corrupt("media id", &r.media_id))?,
            stage: gridline_domain::cases::AttachStage::parse(&r.stage).ok_or_else(|| corrupt("stage", &r.stage))?,
            caption: r.caption,
            content_type: r.content_type,
            thumbnail: r.thumbnail,
            suspicious: r.suspicious,
            internal: r.internal,
            attached_by: actor_of_columns(&r.actor_kind, r.actor_id, r.actor_label),
            at: r.attached_at.0,
            event_id: r.event_id,
        })
    }
}
