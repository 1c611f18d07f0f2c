//! The inbox (消息): what each user was told, and when he read it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::values::NotificationKind;

/// Something a user was told about a case.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NotificationView {
    /// Also the id of the case's event that caused it.
    pub id: Uuid,
    pub kind: NotificationKind,
    pub case_id: Uuid,
    /// Chinese, one line, with the case's number.
    pub title: String,
    pub body: String,
    pub at: DateTime<Utc>,
    pub read: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NotificationPage {
    /// Newest first.
    pub items: Vec<NotificationView>,
    /// Pass as `cursor` for older ones; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// `true`: only those not read yet.
    pub unread: Option<bool>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<Uuid>,
    /// 1 to 200; default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UnreadCount {
    pub unread: i64,
}

/// Which notifications to mark read: `ids`, or everything `up_to` one
/// (inclusive).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
#[schema(example = crate::examples::mark_read)]
pub enum MarkRead {
    Ids(MarkIds),
    UpTo(MarkUpTo),
}

/// These notifications (others' ids, or unknown ones, change nothing).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkIds {
    #[schema(min_items = 1, max_items = 200)]
    pub ids: Vec<Uuid>,
}

/// This notification and every older one.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkUpTo {
    pub up_to: Uuid,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MarkedRead {
    /// How many were unread and are read now.
    pub marked: u64,
    /// How many are still unread.
    pub unread: i64,
}
