use chrono::{DateTime, Utc};
use gridline_domain::{
    notifications::{Audience, Notice, Notification, NotificationKind},
    ports::NotificationRepo,
    RepoError,
};
use uuid::Uuid;

use crate::{
    errors::map_sqlx,
    sql::{query, query_as, query_scalar, Arg, Dialect, SqlStore},
    types::Ts,
};

type Row = (Uuid, String, Uuid, String, String, Ts, Option<Ts>);

fn notification(user_id: Uuid, (id, kind, case_id, title, body, at, read_at): Row) -> Result<Notification, RepoError> {
    Ok(Notification {
        id,
        user_id,
        kind: NotificationKind::parse(&kind)
            .ok_or_else(|| RepoError::Unknown(anyhow::anyhow!("stored notification kind '{kind}' is not valid")))?,
        case_id,
        title,
        body,
        at: at.0,
        read: read_at.is_some(),
    })
}

impl<DB: Dialect> SqlStore<DB> {
    /// Writes the notifications a case write owes, in its transaction: one
    /// statement per notice, its audience resolved to active users there.
    /// (On PostgreSQL a case write sends them as riders instead.)
    pub(super) async fn write_notices(tx: &mut sqlx::Transaction<'_, DB>, notices: &[Notice]) -> Result<(), RepoError> {
        for n in notices {
            let (told, args) = told(n);
            if DB::WRITABLE_CTE {
                let sql =
                    format!("WITH told AS ({told} RETURNING user_id, event_id) {}", PUSH.replace("{source}", "told"));
                query(&sql).bind_all(args).execute(&mut *tx).await.map_err(map_sqlx)?;
            } else {
                query(&told).bind_all(args.clone()).execute(&mut *tx).await.map_err(map_sqlx)?;
                // $1 to $6: the event, its kind, case, texts and time.
                query(&PUSH.replace("{source}", "notifications"))
                    .bind_all(args[..6].to_vec())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_sqlx)?;
            }
        }
        Ok(())
    }

    /// The notices as riders of a case write's statement (PostgreSQL).
    pub(super) fn notice_riders(notices: &[Notice]) -> Vec<super::riders::Rider> {
        let mut riders = Vec::new();
        for (i, n) in notices.iter().enumerate() {
            let (told, args) = told(n);
            let name = format!("told_{i}");
            // Named before it is read: a CTE sees only those listed above it.
            let push = super::riders::Rider {
                name: format!("push_{i}"),
                sql: PUSH.replace("{source}", &name),
                args: args[..6].to_vec(),
            };
            riders.push(super::riders::Rider { name, sql: format!("{told} RETURNING user_id, event_id"), args });
            riders.push(push);
        }
        riders
    }
}

/// Phones of those told get it through the push gateway: an outbox row, in
/// the same transaction. `{source}`: the notifications just written.
const PUSH: &str = "INSERT INTO outbox (target, recipient, event_id, next_at, created_at) \
     SELECT 'push', n.user_id, n.event_id, $6, $6 FROM {source} n \
     WHERE n.event_id = $1 AND EXISTS (SELECT 1 FROM devices d WHERE d.user_id = n.user_id) \
     ON CONFLICT (target, recipient, event_id) DO NOTHING";

/// The statement writing one notice's notifications, and its values ($1 to
/// $6: the event, its kind, case, texts and time; then the audience's).
fn told(n: &Notice) -> (String, Vec<Arg>) {
    let mut args: Vec<Arg> = vec![
        n.event_id.into(),
        n.kind.as_str().to_owned().into(),
        n.case_id.into(),
        n.title.clone().into(),
        n.body.clone().into(),
        Ts(n.at).into(),
    ];
    let param = |args: &mut Vec<Arg>, value: Arg| {
        args.push(value);
        format!("${}", args.len())
    };
    let mut parts = Vec::new();
    for a in &n.audience {
        parts.push(match a {
            Audience::Dispatchers(unit) => format!(
                "u.id IN (SELECT g.user_id FROM role_grants g WHERE g.role = 'dispatcher' AND g.unit_id = {})",
                param(&mut args, (*unit).into())
            ),
            Audience::GridWorkers(grid) => format!(
                "u.id IN (SELECT g.user_id FROM role_grants g WHERE g.role = 'grid_worker' AND g.unit_id = {})",
                param(&mut args, (*grid).into())
            ),
            Audience::DepartmentStaff(department) => format!(
                "u.id IN (SELECT g.user_id FROM role_grants g \
                 WHERE g.role = 'department_staff' AND g.department_id = {})",
                param(&mut args, (*department).into())
            ),
            Audience::User(id) => format!("u.id = {}", param(&mut args, (*id).into())),
        });
    }
    let except: Vec<String> = n.except.iter().map(|id| param(&mut args, (*id).into())).collect();
    let except = if except.is_empty() { String::new() } else { format!(" AND u.id NOT IN ({})", except.join(", ")) };
    let sql = format!(
        "INSERT INTO notifications (user_id, event_id, kind, case_id, title, body, at) \
         SELECT u.id, $1, $2, $3, $4, $5, $6 FROM users u WHERE u.active AND ({}){except} \
         ON CONFLICT (user_id, event_id) DO NOTHING",
        parts.join(" OR ")
    );
    (sql, args)
}

#[async_trait::async_trait]
impl<DB: Dialect> NotificationRepo for SqlStore<DB> {
    async fn notifications(
        &self,
        user: Uuid,
        unread_only: bool,
        before: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<Notification>, RepoError> {
        let unread = if unread_only { " AND read_at IS NULL" } else { "" };
        let older = if before.is_some() { " AND event_id < $2" } else { "" };
        let sql = format!(
            "SELECT event_id, kind, case_id, title, body, at, read_at FROM notifications \
             WHERE user_id = $1{unread}{older} ORDER BY event_id DESC LIMIT {}",
            limit.clamp(1, 200)
        );
        let mut q = query_as::<Row>(&sql).bind(user);
        if let Some(before) = before {
            q = q.bind(before);
        }
        let rows = q.fetch_all(self.reader()).await.map_err(map_sqlx)?;
        rows.into_iter().map(|r| notification(user, r)).collect()
    }

    async fn unread_count(&self, user: Uuid) -> Result<i64, RepoError> {
        query_scalar::<i64>("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
            .bind(user)
            .fetch_one(self.reader())
            .await
            .map_err(map_sqlx)
    }

    async fn mark_read(&self, user: Uuid, ids: &[Uuid], at: DateTime<Utc>) -> Result<u64, RepoError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let list = (0..ids.len()).map(|i| format!("${}", i + 3)).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL AND event_id IN ({list})"
        );
        let mut q = query(&sql).bind(user).bind(Ts(at));
        for id in ids {
            q = q.bind(*id);
        }
        Ok(q.execute(self.writer()).await.map_err(map_sqlx)?.rows_affected())
    }

    async fn mark_read_up_to(&self, user: Uuid, id: Uuid, at: DateTime<Utc>) -> Result<u64, RepoError> {
        let done =
            query("UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL AND event_id <= $3")
                .bind(user)
                .bind(Ts(at))
                .bind(id)
                .execute(self.writer())
                .await
                .map_err(map_sqlx)?;
        Ok(done.rows_affected())
    }

    async fn notifications_of_events(&self, events: &[Uuid]) -> Result<Vec<Notification>, RepoError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let list = (1..=events.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT user_id, event_id, kind, case_id, title, body, at, read_at FROM notifications \
             WHERE event_id IN ({list})"
        );
        let mut q = query_as::<(Uuid, Uuid, String, Uuid, String, String, Ts, Option<Ts>)>(&sql);
        for id in events {
            q = q.bind(*id);
        }
        let rows = q.fetch_all(self.reader()).await.map_err(map_sqlx)?;
        rows.into_iter()
            .map(|(user, id, kind, case_id, title, body, at, read_at)| {
                notification(user, (id, kind, case_id, title, body, at, read_at))
            })
            .collect()
    }

    async fn forget_notifications(&self, before: DateTime<Utc>) -> Result<u64, RepoError> {
        let done = query("DELETE FROM notifications WHERE at < $1")
            .bind(Ts(before))
            .execute(self.writer())
            .await
            .map_err(map_sqlx)?;
        Ok(done.rows_affected())
    }
}
