//! Cases and events as a given caller sees them.

use chrono::{DateTime, Utc};
use gridline_domain::{
    cases::{
        allowed_steps, mask_email, mask_phone, sees_resident_phone, sees_tracking_code, shows, Case, CaseEvent,
        Category, EventActor,
    },
    crs::Crs,
    identity::Principal,
    policy::reads_internal_notes,
};
use gridline_openapi::{
    cases::{
        AttachmentView, CaseEventView, CaseView, CategoryView, EventActorView, ExtensionView, Location, ResidentView,
        TimeLimitView,
    },
    notifications::NotificationView,
    values::ActorKind,
};

use crate::reference_data::ReferenceData;

pub fn category(c: &Category) -> CategoryView {
    CategoryView {
        code: c.code.clone(),
        parent_code: c.parent_code.clone(),
        name_zh: c.name_zh.clone(),
        name_en: c.name_en.clone(),
        department_kind: c.department_kind.into(),
        time_limits: c
            .time_limits
            .iter()
            .map(|l| TimeLimitView { priority: l.priority.into(), amount: l.amount, unit: l.unit.into() })
            .collect(),
        auto_accept: c.auto_accept,
        auto_dispatch: c.auto_dispatch,
        auto_escalate_after_hours: c.auto_escalate_after_hours,
        requires_resolution_photo: c.requires_resolution_photo,
        public: c.public,
        active: c.active,
        created_at: c.created_at,
        updated_at: c.updated_at,
    }
}

/// The case as `p` may see it: the resident's phone masked unless he is the
/// owning unit's dispatcher or the handler; the steps he may take now; the
/// names of what it refers to.
pub(crate) fn case(c: &Case, p: &Principal, now: DateTime<Utc>, names: &ReferenceData, crs: Crs) -> CaseView {
    let at = crs.from_wgs84(c.location);
    let full_phone = sees_resident_phone(p, c);
    CaseView {
        id: c.id,
        number: c.number.clone(),
        status: c.status.into(),
        category_code: c.category_code.clone(),
        priority: c.priority.into(),
        description: c.description.clone(),
        location: Location { lat: at.lat, lon: at.lon, crs: Some(crs.into()) },
        address: c.address.clone(),
        grid_id: c.grid_id,
        owner_unit_id: c.owner_unit_id,
        suggested_department_id: c.suggested_department_id,
        lead_department_id: c.lead_department_id,
        assisting_department_ids: c.assisting_department_ids.clone(),
        handler_user_id: c.handler_user_id,
        reporter_user_id: c.reporter_user_id,
        source: c.source.into(),
        resident: c.resident.as_ref().map(|r| ResidentView {
            name: r.name.clone(),
            phone: r.phone.as_deref().map(|ph| if full_phone { ph.to_owned() } else { mask_phone(ph) }),
            email: r.email.as_deref().map(|e| if full_phone { e.to_owned() } else { mask_email(e) }),
        }),
        resolved_on_site: c.resolved_on_site,
        stage: c.stage().into(),
        due_at: c.due_at,
        warn_at: c.warn_at,
        suspended_until: c
            .suspended_at
            .map(|_| c.suspended_until.map_or_else(|| "indefinite".to_owned(), |d| d.to_string())),
        time_limit_status: c.time_limit_status(now).into(),
        rework_count: c.rework_count,
        pending_extension: c.pending_extension.as_ref().map(|e| ExtensionView {
            id: e.id,
            hours: e.hours,
            reason: e.reason.clone(),
            requested_by: e.requested_by,
            requested_at: e.requested_at,
        }),
        tracking_code: c.tracking_code.clone().filter(|_| sees_tracking_code(p, c)),
        external_ref: c.intake.external_ref.clone(),
        media_url: c.intake.media_url.clone(),
        closed_at: c.closed_at,
        rating: c.rating.map(Into::into),
        version: c.version,
        created_at: c.created_at,
        updated_at: c.updated_at,
        allowed_actions: allowed_steps(p, c).into_iter().map(Into::into).collect(),
        labels: names.labels(c),
        attachments: attachments(c, reads_internal_notes(p)),
    }
}

fn attachments(c: &Case, reads_internal: bool) -> Vec<AttachmentView> {
    c.attachments
        .iter()
        .filter(|a| shows(a, reads_internal))
        .map(|a| AttachmentView {
            media_id: a.media_id.to_string(),
            stage: a.stage.into(),
            caption: a.caption.clone(),
            content_type: a.content_type.clone(),
            thumbnail: a.thumbnail,
            suspicious: a.suspicious,
            uploaded_by: actor(&a.attached_by),
            at: a.at,
        })
        .collect()
}

fn actor(a: &EventActor) -> EventActorView {
    let (kind, id) = match a {
        EventActor::User { id, .. } => (ActorKind::User, Some(*id)),
        EventActor::ApiKey { id, .. } => (ActorKind::ApiKey, Some(*id)),
        EventActor::System => (ActorKind::System, None),
        EventActor::Resident => (ActorKind::Resident, None),
    };
    EventActorView { kind, id, label: a.label().into() }
}

pub fn event(e: &CaseEvent) -> CaseEventView {
    CaseEventView {
        seq: e.seq,
        id: e.id,
        type_: e.event_type.into(),
        actor: actor(&e.actor),
        at: e.at,
        from_status: e.from_status.map(Into::into),
        to_status: e.to_status.into(),
        note: e.note.clone(),
        internal: e.internal,
        changes: e.changes.clone(),
    }
}

/// A notification as its user reads it (inbox, stream, push gateway).
pub(crate) fn notification(n: &gridline_domain::notifications::Notification) -> NotificationView {
    NotificationView {
        id: n.id,
        kind: n.kind.into(),
        case_id: n.case_id,
        title: n.title.clone(),
        body: n.body.clone(),
        at: n.at,
        read: n.read,
    }
}
