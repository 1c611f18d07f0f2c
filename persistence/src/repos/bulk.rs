//! Whole cases written at once, for `gridline admin seed-cases`: many rows per
//! statement, one transaction per call, the change sequence kept as steps keep it.

use gridline_domain::{
    cases::{Case, CaseEvent},
    ports::{BulkRepo, History},
    stats::Trail,
    RepoError,
};

use super::cases::{case_values, tuples, CASE_INSERT_COLUMNS, CASE_INSERT_WIDTH};
use uuid::Uuid;

use crate::{
    case_rows::{CaseRow, CASE_COLUMNS},
    errors::map_sqlx,
    sql::{query, query_as, Arg, Dialect, SqlStore},
    types::Ts,
};

/// Rows per statement: well inside both backends' limits on parameters
/// (SQLite's 32,766), and small enough that no statement is slow to bind.
const CASES_PER_STATEMENT: usize = 250;
const EVENTS_PER_STATEMENT: usize = 500;

#[async_trait::async_trait]
impl<DB: Dialect> BulkRepo for SqlStore<DB> {
    async fn insert_histories(&self, cases: &[History]) -> Result<(), RepoError> {
        let events: Vec<CaseEvent> = cases.iter().flat_map(|h| h.events.iter().cloned()).collect();
        let mut tx = self.writer().begin().await.map_err(map_sqlx)?;
        // The first statement, as for every case write (see reserve_seqs).
        let seqs = DB::reserve_seqs(&mut tx, events.len()).await?;
        // The sweeper's markers go in with the row: set by an UPDATE after,
        // they wrote every marked case twice (a dead row and an entry in each
        // index), 7% of the cases.
        for chunk in cases.chunks(CASES_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO cases ({CASE_INSERT_COLUMNS}, warning_sent_for, overdue_sent_for) VALUES {}",
                tuples::<DB>(chunk.len(), CASE_INSERT_WIDTH + 2, 0)
            );
            let args = chunk.iter().flat_map(|h| {
                let marked = |noted: bool| Arg::from(h.case.due_at.filter(|_| noted).map(Ts));
                let mut row = case_values(&h.case, None, &Trail::of(&h.events));
                row.extend([marked(h.warned), marked(h.overdue_noted)]);
                row
            });
            query(&sql).bind_all(args).execute(&mut tx).await.map_err(map_sqlx)?;
        }
        for h in
            cases.iter().filter(|h| h.case.department_history.iter().any(|d| Some(*d) != h.case.lead_department_id))
        {
            Self::write_departments(&mut tx, &h.case).await?;
        }
        for (chunk, seqs) in events.chunks(EVENTS_PER_STATEMENT).zip(seqs.chunks(EVENTS_PER_STATEMENT)) {
            Self::insert_events(&mut tx, chunk, seqs, None, Vec::new()).await?;
        }
        tx.commit().await.map_err(map_sqlx)
    }

    async fn unindexed_cases(&self, limit: u32) -> Result<Vec<Case>, RepoError> {
        let sql = format!("SELECT {CASE_COLUMNS} FROM cases c WHERE c.search_terms IS NULL LIMIT $1");
        let rows = query_as::<CaseRow>(&sql).bind(i64::from(limit)).fetch_all(self.reader()).await.map_err(map_sqlx)?;
        self.complete(rows).await
    }

    async fn save_search_terms(&self, terms: &[(Uuid, String)]) -> Result<(), RepoError> {
        let mut tx = self.writer().begin().await.map_err(map_sqlx)?;
        for (id, terms) in terms {
            query("UPDATE cases SET search_terms = $2 WHERE id = $1")
                .bind(*id)
                .bind(terms)
                .execute(&mut tx)
                .await
                .map_err(map_sqlx)?;
        }
        tx.commit().await.map_err(map_sqlx)
    }
}
