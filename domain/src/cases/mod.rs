//! Cases (事件/案卷) and their workflow: collect → register → dispatch →
//! handle → verify → close, after the national digital urban management
//! standard (GB/T 30428).

mod attachments;
mod catalog;
mod category;
#[cfg(test)]
pub(crate) mod fixture;
mod model;
mod publication;
mod routing;
mod search;
mod stage;
mod sweep;
mod time_limit;
mod todo;
mod tracking;
mod transitions;
mod visibility;
mod workflow;

pub use attachments::{attach, attached_by, shows, AttachStage, Attachment, Evidence, MAX_ATTACHMENTS};
pub use catalog::default_catalog;
pub use category::{Category, Priority, TimeLimit, TimeUnit};
pub use model::{
    Case, CaseEvent, CaseStatus, EventActor, EventType, ExtensionRequest, ExtensionState, Intake, NewCase, Rating,
    Resident, Source, Visibility,
};
pub use publication::{external_case_id, open311_status, scrub};
pub use routing::nearest_department;
pub use search::{search_terms, TextQuery, TooShort};
pub use stage::{deadline, Stage, StageLimit, StageLimits};
pub use sweep::{alarm_events, auto_escalate, resume_on_date, Alarm};
pub use time_limit::{clock_status, TimeLimitStatus, WARNING_SHARE};
pub use todo::{todo_steps, Party, Pending, TodoRule, TodoScope, TODO_RULES};
pub use tracking::TrackingCode;
pub use transitions::{next_status, Step};
pub use visibility::{
    can_see, department_serves, mask_email, mask_phone, saw, sees_resident_phone, sees_tracking_code, CaseScope,
};
pub use workflow::{
    allowed_steps, apply, check, default_source, may_attach_as, may_report, rate_as_resident, report, ClockContext,
    Command, Decided, Outcome, ReportContext, StepError, WorkflowContext, REOPEN_WINDOW_DAYS,
};
