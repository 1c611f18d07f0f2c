use std::collections::HashMap;

use chrono::{DateTime, Utc};
use gridline_domain::{
    cases::{Case, CaseEvent},
    ports::StatsRepo,
    stats::CaseTally,
    RepoError,
};
use uuid::Uuid;

use crate::{
    case_rows::{EventRow, TallyRow, EVENT_COLUMNS, TALLY_COLUMNS},
    errors::map_sqlx,
    sql::{query_as, Dialect, SqlStore},
    types::Ts,
};

/// Ids per `IN (…)` list, well inside both backends' limits on parameters.
const CHUNK: usize = 500;

#[async_trait::async_trait]
impl<DB: Dialect> StatsRepo for SqlStore<DB> {
    async fn reported_between(
        &self,
        path: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<CaseTally>, RepoError> {
        let sql = format!(
            "SELECT {TALLY_COLUMNS} FROM cases c WHERE c.created_at >= $2 AND c.created_at < $3 AND c.grid_path LIKE $1"
        );
        query_as::<TallyRow>(&sql)
            .bind(format!("{path}%"))
            .bind(Ts(from))
            .bind(Ts(to))
            .fetch_all(self.reader())
            .await
            .map_err(map_sqlx)?
            .into_iter()
            .map(TryInto::try_into)
            .collect()
    }
}

impl<DB: Dialect> SqlStore<DB> {
    /// Each case with its events, in order.
    pub(super) async fn with_timelines(&self, cases: Vec<Case>) -> Result<Vec<(Case, Vec<CaseEvent>)>, RepoError> {
        let mut events: HashMap<Uuid, Vec<CaseEvent>> = HashMap::new();
        for chunk in cases.chunks(CHUNK) {
            let placeholders = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
            let sql = format!("SELECT {EVENT_COLUMNS} FROM case_events WHERE case_id IN ({placeholders}) ORDER BY seq");
            let rows = chunk
                .iter()
                .fold(query_as::<EventRow>(&sql), |q, c| q.bind(c.id))
                .fetch_all(self.reader())
                .await
                .map_err(map_sqlx)?;
            for row in rows {
                let event: CaseEvent = row.try_into()?;
                events.entry(event.case_id).or_default().push(event);
            }
        }
        Ok(cases
            .into_iter()
            .map(|c| {
                let timeline = events.remove(&c.id).unwrap_or_default();
                (c, timeline)
            })
            .collect())
    }
}
