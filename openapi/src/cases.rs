//! Categories, cases, steps and timelines.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::values::{
    ActorKind, AttachStage, CaseAction, CaseStatus, Crs, DepartmentKind, EventType, Priority, Rating, Source, Stage,
    TimeLimitStatus, TimeUnit,
};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimeLimitView {
    pub priority: Priority,
    #[schema(minimum = 1, maximum = 8760)]
    pub amount: u32,
    pub unit: TimeUnit,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CategoryView {
    pub code: String,
    /// The 大类 of a 小类; `null` for a 大类.
    pub parent_code: Option<String>,
    pub name_zh: String,
    pub name_en: String,
    /// The kind of department its cases go to.
    pub department_kind: DepartmentKind,
    pub time_limits: Vec<TimeLimitView>,
    /// A grid worker's report is accepted at once.
    pub auto_accept: bool,
    /// An accepted case is dispatched at once to the routed department (网上推送).
    pub auto_dispatch: bool,
    /// Working hours past a deadline after which the sweeper escalates a case not
    /// yet dispatched one level up (上报上级), or urges one in handling (督办);
    /// `null`: never.
    pub auto_escalate_after_hours: Option<u32>,
    /// A resolution must carry an "after" photo (`media`).
    pub requires_resolution_photo: bool,
    /// Offered as an Open311 service, and its cases listed to anyone through Open311 (no personal data): matters
    /// of the street, not of a household.
    pub public: bool,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = crate::examples::create_category)]
pub struct CreateCategory {
    #[schema(min_length = 1, max_length = 64)]
    pub code: String,
    #[serde(default)]
    #[schema(max_length = 64)]
    pub parent_code: Option<String>,
    #[schema(max_length = 100)]
    pub name_zh: String,
    #[schema(max_length = 100)]
    pub name_en: String,
    pub department_kind: DepartmentKind,
    #[schema(max_items = 8)]
    pub time_limits: Vec<TimeLimitView>,
    #[serde(default)]
    pub auto_accept: bool,
    #[serde(default)]
    pub auto_dispatch: bool,
    /// 1 to 8760; absent or `null`: never.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 8760)]
    pub auto_escalate_after_hours: Option<u32>,
    /// A resolution must carry an "after" photo; default `false`.
    #[serde(default)]
    pub requires_resolution_photo: bool,
    /// Offered through Open311 and its cases listed there; default `false`.
    #[serde(default)]
    pub public: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = crate::examples::update_category)]
pub struct UpdateCategory {
    #[schema(max_length = 100)]
    pub name_zh: Option<String>,
    #[schema(max_length = 100)]
    pub name_en: Option<String>,
    pub department_kind: Option<DepartmentKind>,
    #[schema(max_items = 8)]
    pub time_limits: Option<Vec<TimeLimitView>>,
    pub auto_accept: Option<bool>,
    pub auto_dispatch: Option<bool>,
    /// 1 to 8760; `null` turns automatic escalation off.
    #[serde(default, with = "crate::double_option")]
    #[schema(value_type = Option<u32>, minimum = 1, maximum = 8760)]
    pub auto_escalate_after_hours: Option<Option<u32>>,
    /// A resolution must carry an "after" photo.
    pub requires_resolution_photo: Option<bool>,
    /// Offered through Open311 and its cases listed there.
    pub public: Option<bool>,
    /// `false` retires the category: no new reports, existing cases keep it.
    pub active: Option<bool>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// Latitude, in `crs`.
    #[schema(minimum = -90, maximum = 90)]
    pub lat: f64,
    /// Longitude, in `crs`.
    #[schema(minimum = -180, maximum = 180)]
    pub lon: f64,
    /// The system the point is in: in a request `wgs84` when absent (the
    /// point is stored in WGS-84); in an answer always given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crs: Option<Crs>,
}

/// The resident on whose behalf a case is reported.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Resident {
    #[schema(max_length = 100)]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 32)]
    pub phone: Option<String>,
    /// For a call back by e-mail.
    #[serde(default)]
    #[schema(max_length = 254)]
    pub email: Option<String>,
}

/// The resident as the caller may see him.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ResidentView {
    pub name: String,
    /// Masked (`138****5678`) for all but the owning unit's dispatchers and the handler.
    #[schema(pattern = "^[0-9 +()*-]{1,32}$")]
    pub phone: Option<String>,
    /// Masked (`z***@example.com`) for whoever sees the phone masked.
    pub email: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OnSite {
    /// What the grid worker did.
    #[schema(max_length = 2000)]
    pub note: String,
}

/// A report (上报).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = crate::examples::report_case)]
pub struct ReportCase {
    /// A UUID the app chose (offline reports); the server makes one otherwise.
    #[serde(default)]
    pub id: Option<Uuid>,
    #[schema(max_length = 64)]
    pub category_code: String,
    #[schema(max_length = 2000)]
    pub description: String,
    pub priority: Priority,
    pub location: Location,
    #[schema(max_length = 200)]
    pub address: String,
    /// Otherwise the grid containing `location`.
    #[serde(default)]
    pub grid_id: Option<Uuid>,
    /// `grid_worker` (a grid worker's own report, and only that), `hotline`,
    /// `sensor`, `citizen` or `integration`. Default: `grid_worker` for a grid
    /// worker in his grid, `integration` for an API key, else `hotline`.
    #[serde(default)]
    pub source: Option<Source>,
    /// The resident on whose behalf the case is reported.
    #[serde(default)]
    pub resident: Option<Resident>,
    /// A matter the reporter settled himself: the case starts `resolved`.
    #[serde(default)]
    pub resolved_on_site: Option<OnSite>,
    /// Photos, videos or voice notes of the problem, uploaded first.
    #[serde(default)]
    #[schema(max_items = 9)]
    pub media: Vec<MediaRef>,
}

/// A file to attach: one the caller uploaded, or may download.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MediaRef {
    /// The file's SHA-256, as its upload answered.
    #[schema(pattern = "^[0-9a-fA-F]{64}$", min_length = 64, max_length = 64)]
    pub media_id: String,
    /// What it shows.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub caption: Option<String>,
}

/// A file attached to a case.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AttachmentView {
    #[schema(pattern = "^[0-9a-f]{64}$", min_length = 64, max_length = 64)]
    pub media_id: String,
    pub stage: AttachStage,
    pub caption: Option<String>,
    pub content_type: String,
    /// Whether `/api/v1/media/{media_id}/thumbnail` has a preview.
    pub thumbnail: bool,
    /// The photo's EXIF says it was taken more than 24 hours before it was
    /// attached, or more than 500 m from the case's point: perhaps reused.
    pub suspicious: bool,
    /// Who attached it.
    pub uploaded_by: EventActorView,
    /// When it was attached.
    pub at: DateTime<Utc>,
}

/// Evidence added to a case later.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = crate::examples::attach_media)]
pub struct AttachMedia {
    #[schema(min_items = 1, max_items = 9)]
    pub media: Vec<MediaRef>,
    /// What the files document: `comment` by default; `report` for the
    /// reporter, `resolution` for whoever may resolve the case, `verification`
    /// for whoever may verify it.
    #[serde(default)]
    pub stage: Option<AttachStage>,
    /// Shown only to those who read internal comments (not integrations).
    #[serde(default)]
    pub internal: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ExtensionView {
    pub id: Uuid,
    pub hours: u32,
    pub reason: String,
    pub requested_by: Option<Uuid>,
    pub requested_at: DateTime<Utc>,
}

/// Display names of what a case refers to, so that a list is drawn without
/// further look-ups; `null` where the case has none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CaseLabels {
    /// The category's Chinese name.
    pub category: Option<String>,
    pub grid: Option<String>,
    pub owner_unit: Option<String>,
    pub lead_department: Option<String>,
    /// The handler's display name.
    pub handler: Option<String>,
    /// The reporting user's display name, or the reporting API key's name.
    pub reporter: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CaseView {
    pub id: Uuid,
    /// Readable, e.g. `2026-000123`. Unique; each node draws numbers in blocks,
    /// so numbers have gaps and follow the order of reports only roughly.
    pub number: String,
    pub status: CaseStatus,
    pub category_code: String,
    pub priority: Priority,
    pub description: String,
    pub location: Location,
    pub address: String,
    pub grid_id: Uuid,
    /// The unit that acts on the case: its community, or above after escalation.
    pub owner_unit_id: Uuid,
    /// Where routing sends the case.
    pub suggested_department_id: Option<Uuid>,
    pub lead_department_id: Option<Uuid>,
    pub assisting_department_ids: Vec<Uuid>,
    pub handler_user_id: Option<Uuid>,
    pub reporter_user_id: Option<Uuid>,
    pub source: Source,
    pub resident: Option<ResidentView>,
    pub resolved_on_site: bool,
    /// The stage whose clock `due_at`, `warn_at` and `time_limit_status` describe.
    pub stage: Stage,
    /// When the running time limit runs out; counted in working time for a
    /// category whose limits are in working hours or days.
    pub due_at: Option<DateTime<Utc>>,
    /// When the running time limit enters its last 20% (预警).
    pub warn_at: Option<DateTime<Utc>>,
    /// 挂账: `null` when not suspended; else the date it resumes by itself,
    /// or `indefinite` until resumed by hand. Its clock stands still.
    #[schema(pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2}|indefinite)$")]
    pub suspended_until: Option<String>,
    pub time_limit_status: TimeLimitStatus,
    pub rework_count: i32,
    pub pending_extension: Option<ExtensionView>,
    /// The code the resident follows the case with at `/public/v1/cases/{tracking_code}` (12 characters of
    /// Crockford's base32), on cases reported for a resident: shown to whoever reported it and to the owning
    /// unit's dispatchers, `null` to anyone else.
    #[schema(pattern = "^[0-9A-HJKMNP-TV-Z]{12}$")]
    pub tracking_code: Option<String>,
    /// The sender's own ticket number, for a case filed through Open311 with `external_ref` (a 12345
    /// hotline's); `null` otherwise.
    pub external_ref: Option<String>,
    /// The photo URL an Open311 client sent, as given (never fetched by Gridline); `null` otherwise.
    pub media_url: Option<String>,
    /// When the case was last closed; `null` while open.
    pub closed_at: Option<DateTime<Utc>>,
    /// 回访: how satisfied the resident was with its last closing; `null` until he says.
    pub rating: Option<Rating>,
    /// Rises by one with every change; `If-Match: "<version>"` acts only on this version.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The steps the caller may take now.
    pub allowed_actions: Vec<CaseAction>,
    pub labels: CaseLabels,
    /// Evidence files, in the order they were attached; those of internal
    /// comments only for callers who read internal comments.
    pub attachments: Vec<AttachmentView>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CasePage {
    pub items: Vec<CaseView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Only the caller: the one value `handler` and `reporter` take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Me {
    Me,
}

/// How a list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseSort {
    /// Newest reported first (the default).
    Created,
    /// Most recently changed first.
    Updated,
    /// Soonest due first; cases without a running clock last.
    Due,
}

/// Every filter narrows, within what the caller may see.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseListQuery {
    /// One status, or several separated by commas (`reported,accepted`).
    #[param(value_type = Option<Vec<CaseStatus>>, style = Form, explode = false)]
    pub status: Option<String>,
    /// A category; a 大类 includes its 小类.
    #[param(max_length = 64)]
    pub category_code: Option<String>,
    pub priority: Option<Priority>,
    /// Cases in the grids under this org unit.
    pub unit_id: Option<Uuid>,
    pub grid_id: Option<Uuid>,
    pub lead_department_id: Option<Uuid>,
    /// `me`: the cases the caller handles.
    pub handler: Option<Me>,
    /// `me`: the cases the caller reported.
    pub reporter: Option<Me>,
    pub time_limit_status: Option<TimeLimitStatus>,
    /// The stage whose clock runs (`none`: closed, rejected or cancelled).
    pub stage: Option<Stage>,
    /// `true`: only suspended cases (挂账); `false`: none of them.
    pub suspended: Option<bool>,
    /// Reported at or after this moment.
    pub created_after: Option<DateTime<Utc>>,
    /// Reported before this moment.
    pub created_before: Option<DateTime<Utc>>,
    /// Changed at or after this moment.
    pub updated_after: Option<DateTime<Utc>>,
    /// `minLon,minLat,maxLon,maxLat` in `crs`: cases whose point lies inside.
    #[param(pattern = r"^-?[0-9]+(\.[0-9]+)?,-?[0-9]+(\.[0-9]+)?,-?[0-9]+(\.[0-9]+)?,-?[0-9]+(\.[0-9]+)?$")]
    pub bbox: Option<String>,
    /// Text in the number, description or address, or the category's names
    /// (Chinese or English); every word needs two characters (`飞线` finds
    /// 飞线充电). A shorter word is 400 `query_too_short`.
    #[param(min_length = 2, max_length = 100)]
    pub q: Option<String>,
    /// The system of points given (`bbox`, `lat`/`lon`) and answered; default `wgs84`.
    pub crs: Option<Crs>,
    /// `created` (default), `updated` or `due`.
    pub sort: Option<CaseSort>,
    /// From the previous page's `next_cursor`, with the same filters and sort.
    pub cursor: Option<String>,
    /// 1 to 200; default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// Corrections before dispatch; each is an event.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = crate::examples::update_case)]
pub struct UpdateCase {
    #[schema(max_length = 64)]
    pub category_code: Option<String>,
    pub priority: Option<Priority>,
    pub grid_id: Option<Uuid>,
    pub location: Option<Location>,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = crate::examples::reason)]
pub struct Reason {
    #[schema(max_length = 2000)]
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = crate::examples::rejection)]
pub struct Rejection {
    #[schema(max_length = 2000)]
    pub reason: String,
    /// The case this one repeats.
    #[serde(default)]
    pub duplicate_of: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = crate::examples::dispatch)]
pub struct Dispatch {
    pub lead_department_id: Uuid,
    /// Departments that help (协同处理); they see and comment on the case.
    #[serde(default)]
    #[schema(max_items = 10)]
    pub assisting_department_ids: Vec<Uuid>,
    /// A member of the lead department's staff.
    #[serde(default)]
    pub handler_user_id: Option<Uuid>,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// 挂账: why the case cannot be handled now, and when it resumes by itself.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = crate::examples::suspension)]
pub struct Suspension {
    #[schema(max_length = 2000)]
    pub reason: String,
    /// A date after today (the calendar's time zone) on which the case
    /// resumes by itself; absent or `null`: until resumed by hand.
    #[serde(default)]
    pub resume_on: Option<chrono::NaiveDate>,
}

/// 督办: what the leader or the higher unit presses for.
/// How a resident's rating reached the platform: `phone` (a dispatcher's follow-up call, 回访).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackChannel {
    Phone,
}

/// What a resident said of how his case ended, taken down on the phone.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = crate::examples::phone_feedback)]
pub struct PhoneFeedback {
    pub rating: Rating,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub comment: Option<String>,
    /// `phone`, the one channel a dispatcher records (the default).
    #[serde(default)]
    pub channel: Option<FeedbackChannel>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = crate::examples::urging)]
pub struct Urging {
    #[schema(max_length = 2000)]
    pub note: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = crate::examples::resolution)]
pub struct Resolution {
    #[schema(max_length = 2000)]
    pub note: String,
    /// The "after" photos; required where the category says so.
    #[serde(default)]
    #[schema(max_items = 9)]
    pub media: Vec<MediaRef>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = crate::examples::verification)]
pub struct Verification {
    /// `true` closes the case; `false` sends it back for rework (返工).
    pub passed: bool,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
    /// What the verifier saw on site.
    #[serde(default)]
    #[schema(max_items = 9)]
    pub media: Vec<MediaRef>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = crate::examples::extension_request)]
pub struct ExtensionRequestBody {
    /// 1 to 720.
    pub hours: u32,
    #[schema(max_length = 2000)]
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = crate::examples::extension_decision)]
pub struct ExtensionDecision {
    pub approved: bool,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = crate::examples::comment)]
pub struct CommentBody {
    #[schema(max_length = 2000)]
    pub text: String,
    /// Internal comments are never shown to citizens or integrations.
    #[serde(default)]
    pub internal: bool,
    /// Files that go with the comment (hidden with it when it is internal).
    #[serde(default)]
    #[schema(max_items = 9)]
    pub media: Vec<MediaRef>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EventActorView {
    pub kind: ActorKind,
    pub id: Option<Uuid>,
    pub label: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CaseEventView {
    /// The event's place in the global change sequence.
    pub seq: i64,
    pub id: Uuid,
    #[serde(rename = "type")]
    pub type_: EventType,
    pub actor: EventActorView,
    pub at: DateTime<Utc>,
    pub from_status: Option<CaseStatus>,
    pub to_status: CaseStatus,
    pub note: Option<String>,
    pub internal: bool,
    /// What changed: field → new value.
    pub changes: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangeQuery {
    /// The last `seq` already seen; 0 or absent for the start.
    pub after: Option<i64>,
    /// 1 to 5000; default 500.
    #[param(minimum = 1, maximum = 5000)]
    pub limit: Option<u32>,
}

/// Who could see a case at one moment.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VisibilityView {
    pub grid_id: Uuid,
    pub owner_unit_id: Uuid,
    /// Every department the case was ever dispatched to.
    pub department_ids: Vec<Uuid>,
    pub handler_user_id: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChangeView {
    pub case_id: Uuid,
    pub event: CaseEventView,
    /// `null` for a report.
    pub visible_before: Option<VisibilityView>,
    pub visible_after: VisibilityView,
}

/// A page of the caller's to-dos.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TodoQuery {
    /// The system of points given (`bbox`, `lat`/`lon`) and answered; default `wgs84`.
    pub crs: Option<Crs>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1 to 200; default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// How many cases wait for each step, over all of the caller's to-dos (not
/// only this page): the app's badges.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TodoCounts {
    pub accept: u64,
    pub reject: u64,
    pub dispatch: u64,
    #[serde(rename = "return")]
    pub return_: u64,
    pub start: u64,
    pub resolve: u64,
    pub verify: u64,
    pub cancel: u64,
    #[serde(rename = "extension-requests")]
    pub extension_requests: u64,
    #[serde(rename = "extension-decision")]
    pub extension_decision: u64,
    pub suspend: u64,
    pub resume: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TodoPage {
    /// Soonest due first; each with the `allowed_actions` that make it a to-do.
    pub items: Vec<CaseView>,
    pub counts: TodoCounts,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Where to look for open cases already reported.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NearbyQuery {
    /// Latitude of the point, in `crs`.
    #[param(minimum = -90.0, maximum = 90.0)]
    pub lat: f64,
    /// Longitude of the point, in `crs`.
    #[param(minimum = -180.0, maximum = 180.0)]
    pub lon: f64,
    /// 1 to 2000 metres; default 200.
    #[param(minimum = 1, maximum = 2000)]
    pub radius_m: Option<u32>,
    /// Only this category (a 大类 with its 小类).
    #[param(max_length = 64)]
    pub category_code: Option<String>,
    /// The system of points given (`bbox`, `lat`/`lon`) and answered; default `wgs84`.
    pub crs: Option<Crs>,
    /// 1 to 100; default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NearbyCase {
    /// From the point asked about, in metres.
    pub distance_m: f64,
    pub case: CaseView,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NearbyPage {
    /// Nearest first.
    pub items: Vec<NearbyCase>,
}

/// How a case is read.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseReadQuery {
    /// The system the answer's point is in; default `wgs84`.
    pub crs: Option<Crs>,
}

/// Where a phone's copy stands.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SyncQuery {
    /// The previous answer's `next_cursor`; none to start from nothing.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
    /// 1 to 500; default 100.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// The system of the answered points; default `wgs84`.
    pub crs: Option<Crs>,
}

/// One case's change, as the caller sees the case now.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SyncItem {
    /// The change sequence number of the case's last change given here.
    pub seq: i64,
    pub case_id: Uuid,
    /// `true`: the case left the caller's view (drop it); no `case` then.
    pub removed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case: Option<CaseView>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SyncPage {
    pub items: Vec<SyncItem>,
    /// Always present: send it next time, now if `has_more`, later otherwise.
    pub next_cursor: String,
    pub has_more: bool,
}

/// An exported case's point (RFC 7946: WGS-84, longitude first).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ExportPoint {
    /// Always `Point`.
    #[serde(rename = "type")]
    pub type_: String,
    /// `[longitude, latitude]`, WGS-84.
    #[schema(min_items = 2, max_items = 2)]
    pub coordinates: Vec<f64>,
}

/// What an exported feature says of its case: no resident's personal data.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ExportProperties {
    pub number: String,
    pub status: CaseStatus,
    pub category_code: String,
    pub priority: Priority,
    pub description: String,
    pub address: String,
    pub stage: Stage,
    pub time_limit_status: TimeLimitStatus,
    pub due_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub labels: CaseLabels,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ExportFeature {
    /// Always `Feature`.
    #[serde(rename = "type")]
    pub type_: String,
    pub id: Uuid,
    pub geometry: ExportPoint,
    pub properties: ExportProperties,
}

/// Exported cases as a GeoJSON FeatureCollection (RFC 7946).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ExportCollection {
    /// Always `FeatureCollection`.
    #[serde(rename = "type")]
    pub type_: String,
    pub features: Vec<ExportFeature>,
}
