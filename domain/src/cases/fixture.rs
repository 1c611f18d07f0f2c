//! A case for the domain's unit tests to start from: reported by a grid
//! worker at `at`, nothing else decided. Each test sets what it is about.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Case, CaseStatus, Priority, Source};
use crate::geo::Position;

pub(crate) fn case_at(status: CaseStatus, at: DateTime<Utc>) -> Case {
    Case {
        id: Uuid::nil(),
        number: "2026-000001".into(),
        status,
        category_code: "sanitation".into(),
        priority: Priority::Normal,
        description: String::new(),
        location: Position { lon: 116.4, lat: 39.9 },
        address: String::new(),
        grid_id: Uuid::nil(),
        grid_path: "/".into(),
        owner_unit_id: Uuid::nil(),
        owner_path: "/".into(),
        suggested_department_id: None,
        lead_department_id: None,
        assisting_department_ids: Vec::new(),
        department_history: Vec::new(),
        handler_user_id: None,
        reporter_user_id: None,
        reporter_api_key_id: None,
        reported_by_grid_worker: true,
        source: Source::GridWorker,
        resident: None,
        resolved_on_site: false,
        limit_started_at: None,
        due_at: None,
        warn_at: None,
        resolved_at: None,
        resolved_by: None,
        rework_count: 0,
        suspended_at: None,
        suspended_until: None,
        pending_extension: None,
        attachments: Vec::new(),
        tracking_code: None,
        closed_at: None,
        rating: None,
        rated_at: None,
        intake: Default::default(),
        version: 1,
        created_at: at,
        updated_at: at,
    }
}
