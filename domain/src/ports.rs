//! Repository traits: what the application needs from storage. Every method
//! that changes something and is worth auditing takes its audit entry, which
//! the store writes in the same transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{
    audit::{AuditEntry, NewAuditEntry},
    auth::{ApiKey, NewApiKey, NewSession, RefreshOutcome, SigningKey, Throttle},
    cases::{Case, CaseEvent, CaseScope, CaseStatus, Category, Outcome, TimeLimitStatus},
    geo::Boundary,
    identity::{Grant, Principal, PublicListing, Role, User},
    org::{Department, DepartmentKind, OrgKind, OrgUnit},
    RepoError,
};

/// Whether the store can answer right now; backs the readiness probe.
#[async_trait]
pub trait Readiness: Send + Sync {
    /// Runs a trivial round trip to the store.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when the store cannot be reached.
    async fn ping(&self) -> Result<(), RepoError>;

    /// Work waiting behind the store, for operators' gauges.
    async fn backlog(&self) -> Result<Backlog, RepoError>;
}

/// What is waiting, as the store sees it now.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Backlog {
    /// Push and webhook deliveries neither made nor given up.
    pub outbox_pending: i64,
    /// How long the oldest case write still in flight has run: readers of
    /// the change sequence (sync, changes, streams) wait for it.
    pub oldest_change_writer_s: f64,
}

/// Filters for listing org units.
#[derive(Debug, Clone, Default)]
pub struct UnitFilter {
    pub kind: Option<OrgKind>,
    pub parent_id: Option<Uuid>,
}

/// Changeable fields of a unit; `None` leaves a field alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct UnitPatch {
    pub code: Option<String>,
    pub name: Option<String>,
    pub boundary: Option<Option<Boundary>>,
    pub responsible_person: Option<Option<String>>,
    pub contact_phone: Option<Option<String>>,
}

#[derive(Debug, Clone, Default)]
pub struct DepartmentPatch {
    pub code: Option<String>,
    pub name: Option<String>,
    pub kind: Option<DepartmentKind>,
    pub responsible_person: Option<Option<String>>,
    pub contact_phone: Option<Option<String>>,
}

#[async_trait]
pub trait OrgRepo: Send + Sync {
    /// # Errors
    /// `Duplicate(Taken::Code)` for a code in use.
    async fn create_unit(&self, unit: &OrgUnit, audit: NewAuditEntry) -> Result<(), RepoError>;
    async fn unit(&self, id: Uuid) -> Result<Option<OrgUnit>, RepoError>;
    async fn unit_by_code(&self, code: &str) -> Result<Option<OrgUnit>, RepoError>;
    async fn units(&self, filter: &UnitFilter) -> Result<Vec<OrgUnit>, RepoError>;
    /// The unit at `path` and everything below it, top down.
    async fn subtree(&self, path: &str) -> Result<Vec<OrgUnit>, RepoError>;
    /// # Errors
    /// `NotFound`, or `Duplicate(Taken::Code)` for a code in use.
    async fn update_unit(
        &self,
        id: Uuid,
        patch: &UnitPatch,
        at: DateTime<Utc>,
        audit: NewAuditEntry,
    ) -> Result<OrgUnit, RepoError>;
    /// Inserts or replaces (by id) every unit in one transaction: all or nothing.
    async fn save_units(&self, units: &[OrgUnit], audit: NewAuditEntry) -> Result<(), RepoError>;
    /// Every grid that has a boundary.
    async fn grid_boundaries(&self) -> Result<Vec<(Uuid, Boundary)>, RepoError>;

    /// # Errors
    /// `Duplicate(Taken::Code)` for a code in use.
    async fn create_department(&self, dept: &Department, audit: NewAuditEntry) -> Result<(), RepoError>;
    async fn department(&self, id: Uuid) -> Result<Option<Department>, RepoError>;
    async fn departments(&self, kind: Option<DepartmentKind>) -> Result<Vec<Department>, RepoError>;
    async fn update_department(
        &self,
        id: Uuid,
        patch: &DepartmentPatch,
        at: DateTime<Utc>,
        audit: NewAuditEntry,
    ) -> Result<Department, RepoError>;
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub phone: Option<String>,
    pub password_hash: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    pub display_name: Option<String>,
    pub phone: Option<Option<String>>,
    pub active: Option<bool>,
}

/// A grant to add: the scope by id; the store checks it exists.
#[derive(Debug, Clone)]
pub struct NewGrant {
    pub id: Uuid,
    pub user_id: Uuid,
    pub role: Role,
    pub unit_id: Option<Uuid>,
    pub department_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub at: DateTime<Utc>,
}

#[async_trait]
pub trait UserRepo: Send + Sync {
    /// # Errors
    /// `Duplicate(Taken::Username)` for a taken username.
    async fn create_user(&self, user: &NewUser, audit: NewAuditEntry) -> Result<User, RepoError>;
    async fn user(&self, id: Uuid) -> Result<Option<User>, RepoError>;
    /// The user and his password hash, for login.
    async fn user_with_hash(&self, username: &str) -> Result<Option<(User, String)>, RepoError>;
    async fn password_hash(&self, id: Uuid) -> Result<Option<String>, RepoError>;
    async fn users(&self, after: Option<&str>, limit: u32) -> Result<Vec<User>, RepoError>;
    /// The display name of every user and the name of every API key, by id.
    async fn names(&self) -> Result<Vec<(Uuid, String)>, RepoError>;
    async fn user_count(&self) -> Result<i64, RepoError>;
    /// Deactivating also revokes every session of the user.
    async fn update_user(
        &self,
        id: Uuid,
        patch: &UserPatch,
        at: DateTime<Utc>,
        audit: NewAuditEntry,
    ) -> Result<User, RepoError>;
    /// Sets a new hash and revokes every session but `keep_session`.
    async fn set_password(
        &self,
        id: Uuid,
        hash: &str,
        keep_session: Option<Uuid>,
        at: DateTime<Utc>,
        audit: NewAuditEntry,
    ) -> Result<(), RepoError>;
    async fn grants(&self, user_id: Uuid) -> Result<Vec<Grant>, RepoError>;
    /// The user's 公示 listing (not listed until he says so).
    async fn public_listing(&self, user_id: Uuid) -> Result<PublicListing, RepoError>;
    async fn set_public_listing(
        &self,
        user_id: Uuid,
        listing: &PublicListing,
        at: DateTime<Utc>,
    ) -> Result<(), RepoError>;
    /// The active grid workers of a grid who chose to be listed, by display
    /// name: each display name and work phone.
    async fn listed_grid_workers(&self, grid_id: Uuid) -> Result<Vec<(String, Option<String>)>, RepoError>;
    /// Active users holding a staff grant in the department, by display name.
    async fn department_staff(&self, department_id: Uuid) -> Result<Vec<User>, RepoError>;
    /// # Errors
    /// `NotFound` when the user, unit or department does not exist;
    /// `Duplicate(Taken::Grant)` when the same grant exists.
    async fn add_grant(&self, grant: &NewGrant, audit: NewAuditEntry) -> Result<Grant, RepoError>;
    /// # Errors
    /// `NotFound` when the user has no such grant.
    async fn remove_grant(&self, user_id: Uuid, grant_id: Uuid, audit: NewAuditEntry) -> Result<(), RepoError>;
}

/// One attempt against a throttle counter.
#[derive(Debug, Clone)]
pub struct ThrottleHit {
    pub now: DateTime<Utc>,
    /// Attempts before this belong to an expired window.
    pub window_start: DateTime<Utc>,
}

#[async_trait]
pub trait AuthRepo: Send + Sync {
    async fn create_session(
        &self,
        session: &NewSession,
        refresh_hash: &[u8],
        audit: NewAuditEntry,
    ) -> Result<(), RepoError>;
    /// Marks `presented` used and stores `replacement`, atomically; a token
    /// presented twice revokes its family.
    async fn rotate_refresh(
        &self,
        presented: &[u8],
        replacement: &[u8],
        at: DateTime<Utc>,
    ) -> Result<RefreshOutcome, RepoError>;
    /// Revokes the family `token_hash` belongs to; returns its session and user.
    async fn revoke_by_refresh(
        &self,
        token_hash: &[u8],
        at: DateTime<Utc>,
        audit: NewAuditEntry,
    ) -> Result<Option<(Uuid, Uuid)>, RepoError>;
    async fn revoke_session(&self, session_id: Uuid, at: DateTime<Utc>) -> Result<(), RepoError>;
    /// The principal of an access token: `None` when the user is inactive or
    /// the session revoked or expired.
    async fn user_principal(
        &self,
        user_id: Uuid,
        session_id: Uuid,
        at: DateTime<Utc>,
    ) -> Result<Option<Principal>, RepoError>;

    /// # Errors
    /// `NotFound` when the unit or department does not exist.
    async fn create_api_key(&self, key: &NewApiKey, audit: NewAuditEntry) -> Result<ApiKey, RepoError>;
    async fn api_keys(&self) -> Result<Vec<ApiKey>, RepoError>;
    async fn revoke_api_key(&self, id: Uuid, at: DateTime<Utc>, audit: NewAuditEntry) -> Result<ApiKey, RepoError>;
    /// The principal of a live key, recording its use (at most once a minute).
    async fn api_key_principal(&self, key_hash: &[u8], at: DateTime<Utc>) -> Result<Option<Principal>, RepoError>;

    async fn signing_keys(&self) -> Result<Vec<SigningKey>, RepoError>;
    /// Adds a key and retires every other current one, in one transaction.
    /// With `only_if_none`, adds it only when there is no key at all (first start).
    async fn add_signing_key(
        &self,
        key: &SigningKey,
        only_if_none: bool,
        audit: Option<NewAuditEntry>,
    ) -> Result<bool, RepoError>;

    /// Counts one attempt against `key` in one atomic statement and returns
    /// the counter after it. While locked the count stands still; a lock that
    /// has run out, or a window older than `window_start`, starts afresh.
    async fn hit_throttle(&self, key: &str, hit: &ThrottleHit) -> Result<Throttle, RepoError>;
    /// Locks `key` until `until` when it counts `max` attempts or more.
    async fn lock_throttle(&self, key: &str, max: u32, until: DateTime<Utc>) -> Result<(), RepoError>;
    /// Gives back one attempt (one that turned out a success), unless the key is locked.
    async fn release_throttle(&self, key: &str) -> Result<(), RepoError>;
    async fn clear_throttle(&self, key: &str) -> Result<(), RepoError>;
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub action: Option<crate::audit::AuditAction>,
    pub after: Option<i64>,
    pub limit: u32,
}

#[async_trait]
pub trait AuditRepo: Send + Sync {
    async fn append(&self, entry: NewAuditEntry) -> Result<(), RepoError>;
    async fn entries(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, RepoError>;
}

/// Versions of shared data that nodes cache (grid boundaries, signing keys):
/// a node polls them and reloads what moved, so that a change through one
/// node reaches every node.
#[async_trait]
pub trait CacheVersions: Send + Sync {
    async fn cache_versions(&self) -> Result<Vec<(String, i64)>, RepoError>;
}

/// District-wide settings kept as documents (the working calendar, the stage
/// time limits): the API owns their format and stores them as text. Nodes
/// cache them with the reference data, whose version a save bumps.
#[async_trait]
pub trait SettingsRepo: Send + Sync {
    async fn setting(&self, name: &str) -> Result<Option<String>, RepoError>;
    async fn save_setting(
        &self,
        name: &str,
        value: &str,
        at: DateTime<Utc>,
        audit: NewAuditEntry,
    ) -> Result<(), RepoError>;
}

/// What the sweeper reads and writes. Two sweepers at once do each job once:
/// an alarm is recorded by a conditional update of its own marker, a
/// resumption by the case's version.
#[async_trait]
pub trait SweepRepo: Send + Sync {
    /// Open, unsuspended cases whose running clock passed a threshold not yet
    /// recorded for the deadline in force, soonest due first.
    async fn due_alarms(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<crate::cases::Alarm>, RepoError>;
    /// Writes an alarm's events unless another sweeper has for this deadline;
    /// answers whether this one did. The case's version stays.
    async fn record_alarm(&self, alarm: &crate::cases::Alarm, events: &[CaseEvent]) -> Result<bool, RepoError>;
    /// Open, unsuspended cases past their deadline whose category escalates
    /// automatically, each with its timeline, soonest due first.
    async fn escalation_candidates(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<(Case, Vec<CaseEvent>)>, RepoError>;
    /// Suspended cases whose resume date is `today` or earlier.
    async fn suspensions_ending(&self, today: chrono::NaiveDate, limit: u32) -> Result<Vec<Case>, RepoError>;
}

/// Evidence files: what is known of each and who sent it. The bytes live in
/// an object store, never here.
#[async_trait]
pub trait MediaRepo: Send + Sync {
    /// Records that `uploader` sent the file, writing the file's row unless
    /// it is there already. Answers the row as stored (the first upload's)
    /// and whether this call wrote it.
    async fn record_upload(
        &self,
        media: &crate::media::StoredMedia,
        uploader: crate::media::Uploader,
    ) -> Result<(crate::media::StoredMedia, bool), RepoError>;
    async fn media(&self, id: &crate::media::MediaId) -> Result<Option<crate::media::StoredMedia>, RepoError>;
    /// Whether `uploader` sent the file.
    async fn uploaded_by(
        &self,
        id: &crate::media::MediaId,
        uploader: crate::media::Uploader,
    ) -> Result<bool, RepoError>;
    /// The cases the file is attached to, newest first, at most `limit`.
    async fn cases_holding(&self, id: &crate::media::MediaId, limit: u32) -> Result<Vec<Case>, RepoError>;
    /// Files never attached, first stored before `before` and not sent
    /// again since, oldest first.
    async fn orphans(&self, before: DateTime<Utc>, limit: u32) -> Result<Vec<crate::media::MediaId>, RepoError>;
    /// Removes an orphan's row, unless it was attached or sent again
    /// meanwhile: whether this call removed it (another node may have).
    async fn forget_orphan(&self, id: &crate::media::MediaId, before: DateTime<Utc>) -> Result<bool, RepoError>;
}

/// Files on their way in, piece by piece. Only the count of bytes that
/// arrived is kept here; the pieces are in the object store.
#[async_trait]
pub trait UploadRepo: Send + Sync {
    async fn create_upload(&self, upload: &crate::media::Upload) -> Result<(), RepoError>;
    async fn upload(&self, id: Uuid) -> Result<Option<crate::media::Upload>, RepoError>;
    /// Moves an upload's offset from `from` to `to` (and names its file when
    /// it is whole), unless another request moved it first: whether it did.
    async fn advance_upload(
        &self,
        id: Uuid,
        from: u64,
        to: u64,
        media: Option<&crate::media::MediaId>,
        at: DateTime<Utc>,
    ) -> Result<bool, RepoError>;
    async fn drop_upload(&self, id: Uuid) -> Result<(), RepoError>;
    /// Uploads nobody added to since `before`, finished or not.
    async fn stale_uploads(&self, before: DateTime<Utc>, limit: u32) -> Result<Vec<Uuid>, RepoError>;
}

/// The inbox: notifications are written with the events that cause them
/// (by the case writes); here they are read and marked read.
#[async_trait]
pub trait NotificationRepo: Send + Sync {
    /// A user's notifications, newest first, older than `before` if given.
    async fn notifications(
        &self,
        user: Uuid,
        unread_only: bool,
        before: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<crate::notifications::Notification>, RepoError>;
    async fn unread_count(&self, user: Uuid) -> Result<i64, RepoError>;
    /// Marks these of the user's notifications read: how many were unread.
    async fn mark_read(&self, user: Uuid, ids: &[Uuid], at: DateTime<Utc>) -> Result<u64, RepoError>;
    /// Marks read every notification of the user up to this one, inclusive.
    async fn mark_read_up_to(&self, user: Uuid, id: Uuid, at: DateTime<Utc>) -> Result<u64, RepoError>;
    /// The notifications these events caused, whoever they went to.
    async fn notifications_of_events(
        &self,
        events: &[Uuid],
    ) -> Result<Vec<crate::notifications::Notification>, RepoError>;
    /// Removes notifications older than `before`.
    async fn forget_notifications(&self, before: DateTime<Utc>) -> Result<u64, RepoError>;
}

/// Users' phones, for push notifications.
#[async_trait]
pub trait DeviceRepo: Send + Sync {
    /// Registers a phone, or answers the one registered with the same
    /// provider and token (then `false`), moved to this session.
    async fn register_device(&self, device: &crate::push::Device) -> Result<(crate::push::Device, bool), RepoError>;
    async fn devices(&self, user: Uuid) -> Result<Vec<crate::push::Device>, RepoError>;
    /// Whether the user had this device.
    async fn remove_device(&self, user: Uuid, id: Uuid) -> Result<bool, RepoError>;
}

/// Deliveries leaving the platform, written with the changes they carry.
#[async_trait]
pub trait OutboxRepo: Send + Sync {
    /// Takes up to `limit` deliveries due at `now` for `lease`: no other node
    /// takes them meanwhile. Only the oldest waiting delivery of each
    /// recipient is taken, so that each receives its events in order.
    async fn claim_deliveries(
        &self,
        now: DateTime<Utc>,
        lease: std::time::Duration,
        limit: u32,
    ) -> Result<Vec<crate::push::Delivery>, RepoError>;
    async fn delivered(&self, delivery: &crate::push::Delivery, at: DateTime<Utc>) -> Result<(), RepoError>;
    async fn retry_later(
        &self,
        delivery: &crate::push::Delivery,
        next_at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), RepoError>;
    async fn give_up(&self, delivery: &crate::push::Delivery, at: DateTime<Utc>, error: &str) -> Result<(), RepoError>;
    /// Removes deliveries received or given up before `before`, and webhook
    /// attempts made before it: how many rows went.
    async fn forget_settled(&self, before: DateTime<Utc>) -> Result<u64, RepoError>;
    /// The notification a push delivery carries.
    async fn notification(
        &self,
        user: Uuid,
        event_id: Uuid,
    ) -> Result<Option<crate::notifications::Notification>, RepoError>;
}

/// Webhook subscriptions and their delivery attempts.
#[async_trait]
pub trait WebhookRepo: Send + Sync {
    async fn create_webhook(&self, hook: &crate::webhooks::Webhook, audit: NewAuditEntry) -> Result<(), RepoError>;
    async fn webhooks(&self) -> Result<Vec<crate::webhooks::Webhook>, RepoError>;
    async fn webhook(&self, id: Uuid) -> Result<Option<crate::webhooks::Webhook>, RepoError>;
    async fn update_webhook(&self, hook: &crate::webhooks::Webhook, audit: NewAuditEntry) -> Result<(), RepoError>;
    /// Removes it with what it is still owed; whether it was there.
    async fn delete_webhook(&self, id: Uuid, audit: NewAuditEntry) -> Result<bool, RepoError>;
    async fn record_attempt(&self, attempt: &crate::webhooks::Attempt) -> Result<(), RepoError>;
    /// A subscription's attempts, newest first, older than `before` if given.
    async fn attempts(
        &self,
        webhook: Uuid,
        before: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<crate::webhooks::Attempt>, RepoError>;
    /// Sends an event to a subscription again, now; whether it was ever owed to it.
    async fn redeliver(&self, webhook: Uuid, event_id: Uuid, at: DateTime<Utc>) -> Result<bool, RepoError>;
    /// Turns a subscription off, with why.
    async fn disable_webhook(&self, id: Uuid, reason: &str, audit: NewAuditEntry) -> Result<(), RepoError>;
    /// One event of a case's timeline.
    async fn event(&self, id: Uuid) -> Result<Option<CaseEvent>, RepoError>;
}

/// What the figures are computed from.
#[async_trait]
pub trait StatsRepo: Send + Sync {
    /// What the figures read of each case reported in `[from, to)` whose
    /// grid lies under the unit at `path`.
    async fn reported_between(
        &self,
        path: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<crate::stats::CaseTally>, RepoError>;
}

/// A case with its whole history, written at once (`gridline admin seed-cases`).
#[derive(Debug, Clone)]
pub struct History {
    pub case: Case,
    pub events: Vec<CaseEvent>,
    /// The events hold the running deadline's warning (and overdue) alarm,
    /// so that the sweeper does not write it again.
    pub warned: bool,
    pub overdue_noted: bool,
}

#[async_trait]
pub trait BulkRepo: Send + Sync {
    /// Writes the cases, their departments and timelines in one transaction.
    async fn insert_histories(&self, cases: &[History]) -> Result<(), RepoError>;
    /// Up to `limit` cases written before the search index existed.
    async fn unindexed_cases(&self, limit: u32) -> Result<Vec<Case>, RepoError>;
    /// Sets the search terms of these cases (id, terms).
    async fn save_search_terms(&self, terms: &[(Uuid, String)]) -> Result<(), RepoError>;
}

/// How a list is ordered: newest reported first (the default), most recently
/// changed first, or soonest due first (cases without a running clock last).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CaseSort {
    #[default]
    Created,
    Updated,
    Due,
}

impl CaseSort {
    pub const ALL: [Self; 3] = [Self::Created, Self::Updated, Self::Due];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Due => "due",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// Where the previous page ended: its last case's sort key and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListCursor {
    pub key: DateTime<Utc>,
    pub id: Uuid,
}

/// Filters for listing cases, all combined; the caller's visibility comes
/// as a [`CaseScope`]. An empty list filters nothing.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Case numbers (`2026-000123`).
    pub numbers: Vec<String>,
    pub statuses: Vec<CaseStatus>,
    /// Exact codes (a 大类 already expanded to its 小类).
    pub category_codes: Vec<String>,
    pub priority: Option<crate::cases::Priority>,
    /// Cases whose grid lies under this unit path.
    pub unit_path: Option<String>,
    pub grid_id: Option<Uuid>,
    pub lead_department_id: Option<Uuid>,
    pub handler_user_id: Option<Uuid>,
    pub reporter_user_id: Option<Uuid>,
    pub reporter_api_key_id: Option<Uuid>,
    pub time_limit_status: Option<TimeLimitStatus>,
    pub suspended: Option<bool>,
    pub created_after: Option<DateTime<Utc>>,
    pub created_before: Option<DateTime<Utc>>,
    pub updated_after: Option<DateTime<Utc>>,
    /// (min lon, min lat, max lon, max lat), WGS-84.
    pub bbox: Option<crate::geo::BBox>,
    pub text: Option<crate::cases::TextQuery>,
    /// Matches nothing (a filter no case can meet, e.g. `handler=me` for a key).
    pub nothing: bool,
    pub sort: CaseSort,
    pub after: Option<ListCursor>,
    pub limit: u32,
}

/// A request guarded by an `Idempotency-Key`, scoped to its caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    pub principal: String,
    pub key: String,
    /// Hash of method, path and canonical body: the same key with another request is refused.
    pub request_hash: Vec<u8>,
}

/// What the first request's caller was told, kept for its replays and
/// written with the change it reports. Opaque to the store: the layer that
/// answers writes and reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt(pub String);

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Nobody used the key: the caller proceeds and must complete or release it.
    Fresh,
    /// The first request finished: what it was told.
    Replay(Receipt),
    /// The first request is still running.
    InProgress,
    /// The key was used for another request.
    Mismatch,
}

/// How a report with a client-chosen id was first answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstReport {
    pub reporter: String,
    pub request_hash: Vec<u8>,
    pub receipt: Receipt,
}

/// What a write records besides the case: the key it completes, and for a
/// report its own first answer (so that a replay of the same id gets it).
#[derive(Debug, Clone, Default)]
pub struct WriteRecord {
    pub key: Option<(IdempotencyKey, Receipt)>,
    pub report: Option<FirstReport>,
}

#[async_trait]
pub trait IdempotencyRepo: Send + Sync {
    /// Claims `key`, or says what holds it. A claim older than `stale_after`
    /// that never completed (its node died) may be taken over.
    async fn claim_key(
        &self,
        key: &IdempotencyKey,
        at: DateTime<Utc>,
        stale_after: chrono::Duration,
    ) -> Result<Claim, RepoError>;
    /// Stores what a request was told without a change (a refusal).
    async fn complete_key(&self, key: &IdempotencyKey, receipt: &Receipt, at: DateTime<Utc>) -> Result<(), RepoError>;
    /// Forgets a claim whose request failed on the server's side, so a retry runs again.
    async fn release_key(&self, key: &IdempotencyKey) -> Result<(), RepoError>;
    /// Drops keys older than `before`.
    async fn purge_keys(&self, before: DateTime<Utc>) -> Result<u64, RepoError>;
    async fn first_report(&self, case_id: Uuid) -> Result<Option<FirstReport>, RepoError>;
}

#[async_trait]
pub trait CaseRepo: Send + Sync {
    async fn categories(&self) -> Result<Vec<Category>, RepoError>;
    async fn category(&self, code: &str) -> Result<Option<Category>, RepoError>;
    /// Inserts (`create`) or replaces a category.
    ///
    /// # Errors
    /// `Duplicate(Taken::Code)` when creating an existing code.
    async fn save_category(&self, category: &Category, create: bool, audit: NewAuditEntry) -> Result<(), RepoError>;
    /// Installs `defaults` when the catalog is empty.
    async fn install_categories(&self, defaults: &[Category]) -> Result<(), RepoError>;
    /// `n` case numbers no other caller gets (not always consecutive).
    async fn take_case_numbers(&self, n: u32) -> Result<Vec<i64>, RepoError>;
    /// Writes a new case and its first events in one transaction; returns the events with their `seq`.
    ///
    /// # Errors
    /// `Duplicate(Taken::CaseId)` when the id exists.
    async fn create_case(&self, outcome: &Outcome, record: &WriteRecord) -> Result<Vec<CaseEvent>, RepoError>;
    async fn case(&self, id: Uuid) -> Result<Option<Case>, RepoError>;
    /// The case a resident follows with this code (canonical form).
    async fn case_by_tracking_code(&self, code: &str) -> Result<Option<Case>, RepoError>;
    /// Writes a step's outcome if the case is still at `expected_version`.
    ///
    /// # Errors
    /// `Conflict` when another writer got there first.
    async fn update_case(
        &self,
        outcome: &Outcome,
        expected_version: i64,
        record: &WriteRecord,
    ) -> Result<Vec<CaseEvent>, RepoError>;
    async fn cases(&self, scope: &CaseScope, filter: &CaseFilter, now: DateTime<Utc>) -> Result<Vec<Case>, RepoError>;
    async fn case_events(&self, case_id: Uuid) -> Result<Vec<CaseEvent>, RepoError>;
    /// These cases, in no particular order; unknown ids are left out.
    async fn cases_with_ids(&self, ids: &[Uuid]) -> Result<Vec<Case>, RepoError>;
    /// The number of each case's latest committed event; unknown ids are left out.
    async fn last_changes(&self, ids: &[Uuid]) -> Result<Vec<(Uuid, i64)>, RepoError>;
    /// The highest change number a reader may read up to now: every event
    /// numbered at or below it is committed or will never be.
    async fn change_mark(&self) -> Result<i64, RepoError>;
    /// Cases the filter keeps, nearest `center` first (by a planar
    /// approximation, exact enough to order within a few kilometres).
    async fn nearest_cases(
        &self,
        scope: &CaseScope,
        filter: &CaseFilter,
        center: crate::geo::Position,
        now: DateTime<Utc>,
    ) -> Result<Vec<Case>, RepoError>;
    /// The caller's to-dos: cases any of `TODO_RULES` holds for, soonest due
    /// first. `expected` is about how many there are (the sum of
    /// `todo_counts`), which decides how the store looks for them.
    async fn todo_cases(
        &self,
        who: &crate::cases::TodoScope,
        after: Option<ListCursor>,
        limit: u32,
        expected: u64,
    ) -> Result<Vec<Case>, RepoError>;
    /// How many cases each of `TODO_RULES` holds for, in its order.
    async fn todo_counts(&self, who: &crate::cases::TodoScope) -> Result<Vec<u64>, RepoError>;
    /// Every case event after `after` in the global change sequence, in order.
    /// A reader following it never misses an event that commits late.
    async fn changes(&self, after: i64, limit: u32) -> Result<Vec<CaseEvent>, RepoError>;
}

/// Everything the application needs from one store, behind one object.
pub trait Store:
    Readiness
    + OrgRepo
    + UserRepo
    + AuthRepo
    + AuditRepo
    + CacheVersions
    + CaseRepo
    + IdempotencyRepo
    + SettingsRepo
    + SweepRepo
    + StatsRepo
    + BulkRepo
    + MediaRepo
    + UploadRepo
    + NotificationRepo
    + DeviceRepo
    + OutboxRepo
    + WebhookRepo
{
}

impl<
        T: Readiness
            + OrgRepo
            + UserRepo
            + AuthRepo
            + AuditRepo
            + CacheVersions
            + CaseRepo
            + IdempotencyRepo
            + SettingsRepo
            + SweepRepo
            + StatsRepo
            + BulkRepo
            + MediaRepo
            + UploadRepo
            + NotificationRepo
            + DeviceRepo
            + OutboxRepo
            + WebhookRepo,
    > Store for T
{
}
