//! The closed sets of values the contract names: each is an enum, so the
//! document lists its values and the server refuses any other before a
//! handler runs. Each converts to and from its domain counterpart.

use gridline_domain::{audit, cases, crs, identity, notifications, org, push};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Declares a wire enum whose variants are exactly those of a domain enum,
/// spelt in `snake_case`, with conversions both ways.
macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident = $domain:path { $($variant:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($variant),+
        }

        impl From<$name> for $domain {
            fn from(value: $name) -> Self {
                use $domain as D;
                match value {
                    $($name::$variant => D::$variant),+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(<$domain>::from(*self).as_str())
            }
        }

        impl From<$domain> for $name {
            fn from(value: $domain) -> Self {
                use $domain as D;
                match value {
                    $(D::$variant => Self::$variant),+
                }
            }
        }
    };
}

wire_enum! {
    /// The coordinate system of a point: `wgs84` (GPS, the default), `gcj02`
    /// (Amap, Tencent maps) or `bd09` (Baidu).
    Crs = crs::Crs { Wgs84, Gcj02, Bd09 }
}

wire_enum! {
    /// How urgent a case is: `urgent` cases get the shorter time limit.
    Priority = cases::Priority { Normal, Urgent }
}

wire_enum! {
    /// Where a case stands in its workflow.
    CaseStatus = cases::CaseStatus { Reported, Accepted, Rejected, Dispatched, InProgress, Resolved, Closed, Cancelled }
}

wire_enum! {
    /// Where a report came from.
    Source = cases::Source { GridWorker, Hotline, Sensor, Citizen, Integration }
}

wire_enum! {
    /// `none` (no limit runs), `ok`, `warning` (past 80% of the time) or `overdue`.
    TimeLimitStatus = cases::TimeLimitStatus { None, Ok, Warning, Overdue }
}

wire_enum! {
    /// The stage whose clock runs: `accept` (立案), `dispatch` (派遣),
    /// `handle` (处置), `verify` (核查), or `none` once the case is final.
    Stage = cases::Stage { Accept, Dispatch, Handle, Verify, None }
}

wire_enum! {
    /// How a time limit is counted.
    TimeUnit = cases::TimeUnit { NaturalHours, WorkingHours, WorkingDays }
}

wire_enum! {
    /// What happened to a case, in its timeline.
    EventType = cases::EventType {
        Reported, Accepted, Rejected, Escalated, Dispatched, Returned, Started, Resolved, Verified, Reworked,
        Cancelled, Corrected, ExtensionRequested, ExtensionDecided, Commented, Suspended, Resumed, Urged,
        Warning, Overdue, MediaAttached, Rated, Reopened,
    }
}

wire_enum! {
    /// 满意度: how satisfied a resident is with how his case ended.
    Rating = cases::Rating { Satisfied, BasicallySatisfied, Dissatisfied }
}

wire_enum! {
    /// The moment of a case a file documents: `report` (before), `resolution`
    /// (after), `verification`, or `comment` (added with a comment or later).
    AttachStage = cases::AttachStage { Report, Resolution, Verification, Comment }
}

wire_enum! {
    /// What a grant lets its holder do.
    Role = identity::Role { GridWorker, Dispatcher, DepartmentStaff, Leader, Admin }
}

wire_enum! {
    /// A level of the organisation tree.
    OrgKind = org::OrgKind { District, Street, Community, Grid }
}

wire_enum! {
    /// The kinds of responding departments (职能部门).
    DepartmentKind = org::DepartmentKind {
        UrbanManagement, Police, Housing, Property, Market, Fire, Environment, CivilAffairs, Other,
    }
}

wire_enum! {
    /// A security or administrative action in the audit log.
    AuditAction = audit::AuditAction {
        LoginSucceeded, LoginFailed, LoginThrottled, TokenFamilyRevoked, LoggedOut, PasswordChanged,
        PasswordChangeFailed, UserCreated, UserUpdated, UserDeactivated, UserActivated, RoleGranted, RoleRevoked,
        ApiKeyCreated, ApiKeyRevoked, SigningKeyRotated, OrgUnitCreated, OrgUnitUpdated, GridsImported,
        DepartmentCreated, DepartmentUpdated, CategoryChanged, SettingsChanged, CasesExported, WebhookChanged,
        WebhookDisabled,
    }
}

/// A step the caller may take on a case now: the last segment of its endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CaseAction {
    Accept,
    Reject,
    Escalate,
    Dispatch,
    Return,
    Start,
    Resolve,
    Verify,
    Cancel,
    ExtensionRequests,
    ExtensionDecision,
    Comments,
    Update,
    Suspend,
    Resume,
    Urge,
    Feedback,
    Reopen,
}

impl From<cases::Step> for CaseAction {
    fn from(step: cases::Step) -> Self {
        use cases::Step as S;
        match step {
            S::Accept => Self::Accept,
            S::Reject => Self::Reject,
            S::Escalate => Self::Escalate,
            S::Dispatch => Self::Dispatch,
            S::Return => Self::Return,
            S::Start => Self::Start,
            S::Resolve => Self::Resolve,
            S::VerifyPassed | S::VerifyFailed => Self::Verify,
            S::Cancel => Self::Cancel,
            S::RequestExtension => Self::ExtensionRequests,
            S::DecideExtension => Self::ExtensionDecision,
            S::Comment => Self::Comments,
            S::Correct => Self::Update,
            S::Suspend => Self::Suspend,
            S::Resume => Self::Resume,
            S::Urge => Self::Urge,
            S::Feedback => Self::Feedback,
            S::Reopen => Self::Reopen,
        }
    }
}

/// Who caused an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    User,
    ApiKey,
    System,
    /// A resident through a public page; never named.
    Resident,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The wire spelling is the domain's own, so stored values, audit
    /// details and the document agree.
    #[test]
    fn wire_names_are_the_domain_names() {
        let name = |v: serde_json::Value| v.as_str().unwrap_or_default().to_owned();
        for s in cases::CaseStatus::ALL {
            assert_eq!(name(serde_json::json!(CaseStatus::from(s))), s.as_str());
        }
        for s in cases::Source::ALL {
            assert_eq!(name(serde_json::json!(Source::from(s))), s.as_str());
        }
        for r in identity::Role::ALL {
            assert_eq!(name(serde_json::json!(Role::from(r))), r.as_str());
        }
        for k in org::OrgKind::ALL {
            assert_eq!(name(serde_json::json!(OrgKind::from(k))), k.as_str());
        }
        for k in org::DepartmentKind::ALL {
            assert_eq!(name(serde_json::json!(DepartmentKind::from(k))), k.as_str());
        }
        for a in audit::AuditAction::ALL {
            assert_eq!(name(serde_json::json!(AuditAction::from(a))), a.as_str());
        }
        for e in cases::EventType::ALL {
            assert_eq!(name(serde_json::json!(EventType::from(e))), e.as_str());
        }
        for s in cases::Step::ALL {
            assert_eq!(name(serde_json::json!(CaseAction::from(s))), s.action());
        }
        for r in cases::Rating::ALL {
            assert_eq!(name(serde_json::json!(Rating::from(r))), r.as_str());
        }
        for p in [cases::Priority::Normal, cases::Priority::Urgent] {
            assert_eq!(name(serde_json::json!(Priority::from(p))), p.as_str());
        }
    }
}

wire_enum! {
    /// What a notification is about: `queued` (a report waits for acceptance,
    /// or was escalated to the unit), `dispatched`, `returned`,
    /// `verify_waiting`, `urged`, `extension_decided`, `warning`, `overdue`,
    /// `commented`, `closed` or `rejected`.
    NotificationKind = notifications::NotificationKind {
        Queued, Dispatched, Returned, VerifyWaiting, Urged, ExtensionDecided, Warning, Overdue, Commented, Closed,
        Rejected,
    }
}

wire_enum! {
    /// A phone's system: `android`, `ios` or `harmony` (HarmonyOS).
    Platform = push::Platform { Android, Ios, Harmony }
}

wire_enum! {
    /// The push service a token belongs to: `jpush` (极光), `getui` (个推), the
    /// vendors' own (`huawei`, `xiaomi`, `oppo`, `vivo`, `honor`), `apns` or `fcm`.
    PushProvider = push::PushProvider { Jpush, Getui, Huawei, Xiaomi, Oppo, Vivo, Honor, Apns, Fcm }
}
