use super::{bump_cache, insert_audit};
use crate::sql::{query, query_as, query_scalar, Dialect, SqlStore, EMPTY_REACH_PER_CASE};

/// The most of the newest cases a filtered list page is looked for among
/// before the filter's own plan runs (see `worth_a_recent_window`); and see
/// `EMPTY_REACH_PER_CASE`. Measured by bench/scale.sh.
const LAST_WINDOW: u32 = 20_000;
/// Pages longer than this (an export's) go straight to the filter's plan:
/// their window would hold thousands of whole cases in the statement at once,
/// and an export's memory is bounded.
const MAX_WINDOWED_PAGE: u32 = 200;
/// Fewer cases than this meeting a filter make it rare: its own plan sorts
/// them at once (see `a_filter_is_rare`).
const RARE: i64 = 2_000;
/// Up to how many to-dos are gathered rule by rule rather than found by
/// walking the due order (see `todo_cases`). Measured by bench/scale.sh.
const FEW_TODOS: u64 = 2_000;

#[async_trait::async_trait]
impl<DB: Dialect> gridline_domain::ports::CaseRepo for SqlStore<DB> {
    async fn categories(&self) -> Result<Vec<gridline_domain::cases::Category>, gridline_domain::RepoError> {
        let sql = format!(
            "SELECT {} FROM categories ORDER BY COALESCE(parent_code, code), parent_code IS NOT NULL, code",
            crate::case_rows::CATEGORY_COLUMNS
        );
        query_as::<crate::case_rows::CategoryRow>(&sql)
            .fetch_all(self.reader())
            .await
            .map_err(crate::errors::map_sqlx)?
            .into_iter()
            .map(TryInto::try_into)
            .collect()
    }

    async fn category(
        &self,
        code: &str,
    ) -> Result<Option<gridline_domain::cases::Category>, gridline_domain::RepoError> {
        let sql = format!("SELECT {} FROM categories WHERE code = $1", crate::case_rows::CATEGORY_COLUMNS);
        query_as::<crate::case_rows::CategoryRow>(&sql)
            .bind(code)
            .fetch_optional(self.reader())
            .await
            .map_err(crate::errors::map_sqlx)?
            .map(TryInto::try_into)
            .transpose()
    }

    async fn save_category(
        &self,
        category: &gridline_domain::cases::Category,
        create: bool,
        audit: gridline_domain::audit::NewAuditEntry,
    ) -> Result<(), gridline_domain::RepoError> {
        use crate::errors::map_sqlx;
        let mut tx = self.writer().begin().await.map_err(map_sqlx)?;
        Self::write_category(&mut tx, category, create).await?;
        bump_cache(&mut tx, "reference").await?;
        insert_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(map_sqlx)
    }

    async fn install_categories(
        &self,
        defaults: &[gridline_domain::cases::Category],
    ) -> Result<(), gridline_domain::RepoError> {
        use crate::errors::map_sqlx;
        let mut tx = self.writer().begin().await.map_err(map_sqlx)?;
        let count: i64 = query_scalar("SELECT COUNT(*) FROM categories").fetch_one(&mut tx).await.map_err(map_sqlx)?;
        if count > 0 {
            return Ok(());
        }
        let installed = async {
            for category in defaults {
                Self::write_category(&mut tx, category, true).await?;
            }
            bump_cache(&mut tx, "reference").await?;
            tx.commit().await.map_err(map_sqlx)
        };
        // A node installing them at the same moment waits on the first one's
        // rows, then finds them taken: at the insert or at the commit.
        match installed.await {
            // Another node installed them first.
            Err(gridline_domain::RepoError::Duplicate(_)) => Ok(()),
            other => other,
        }
    }

    async fn take_case_numbers(&self, n: u32) -> Result<Vec<i64>, gridline_domain::RepoError> {
        DB::take_case_numbers(self.writer(), n).await
    }

    async fn create_case(
        &self,
        outcome: &gridline_domain::cases::Outcome,
        record: &gridline_domain::ports::WriteRecord,
    ) -> Result<Vec<gridline_domain::cases::CaseEvent>, gridline_domain::RepoError> {
        use crate::errors::map_sqlx;
        let trail = gridline_domain::stats::Trail::of(&outcome.events);
        let sql = format!("INSERT INTO cases ({CASE_INSERT_COLUMNS}) VALUES {}", tuples::<DB>(1, CASE_INSERT_WIDTH, 0));
        let insert = query(&sql).bind_all(case_values(&outcome.case, record.report.as_ref(), &trail));
        // Attached files are checked between statements, so they need a transaction.
        let at_once = DB::WRITABLE_CTE
            && !outcome.events.is_empty()
            && outcome.extension.is_none()
            && gridline_domain::cases::attached_by(&outcome.case, &outcome.events).next().is_none();
        let events = if at_once {
            let notices =
                gridline_domain::notifications::notices(&outcome.case, &outcome.events, outcome.extension.as_ref());
            self.insert_case_at_once(&outcome.events, insert, Self::riders(outcome, record, &notices)).await?
        } else {
            let mut tx = self.writer().begin().await.map_err(map_sqlx)?;
            let seqs = DB::reserve_seqs(&mut tx, outcome.events.len()).await?;
            let events = Self::write_outcome(&mut tx, outcome, record, &seqs, Some(insert)).await?;
            tx.commit().await.map_err(map_sqlx)?;
            events
        };
        self.note_change();
        Ok(events)
    }

    async fn case(&self, id: uuid::Uuid) -> Result<Option<gridline_domain::cases::Case>, gridline_domain::RepoError> {
        self.one_case("c.id = $1", id.into()).await
    }

    async fn case_by_tracking_code(
        &self,
        code: &str,
    ) -> Result<Option<gridline_domain::cases::Case>, gridline_domain::RepoError> {
        self.one_case("c.tracking_code = $1", code.into()).await
    }

    async fn update_case(
        &self,
        outcome: &gridline_domain::cases::Outcome,
        expected_version: i64,
        record: &gridline_domain::ports::WriteRecord,
    ) -> Result<Vec<gridline_domain::cases::CaseEvent>, gridline_domain::RepoError> {
        use crate::errors::map_sqlx;
        let c = &outcome.case;
        let trail = gridline_domain::stats::Trail::of(&outcome.events);
        let mut tx = self.writer().begin().await.map_err(map_sqlx)?;
        let seqs = DB::reserve_seqs(&mut tx, outcome.events.len()).await?;
        let updated = query(
            "UPDATE cases SET status = $3, category_code = $4, priority = $5, description = $6, lat = $7, \
             lon = $8, grid_id = $9, grid_path = $10, owner_unit_id = $11, owner_path = $12, \
             suggested_department_id = $13, lead_department_id = $14, handler_user_id = $15, \
             limit_started_at = $16, due_at = $17, warn_at = $18, resolved_at = $19, rework_count = $20, \
             version = $21, updated_at = $22, resolved_by = $23, suspended_at = $24, suspended_until = $25, \
             trail = trail | $26, first_dispatched_at = COALESCE(first_dispatched_at, $27), \
             last_resolved_at = COALESCE($28, last_resolved_at), search_terms = $29, closed_at = $30, \
             rating = $31, rated_at = $32, departments = $33 WHERE id = $1 AND version = $2",
        )
        .bind(c.id)
        .bind(expected_version)
        .bind(c.status.as_str())
        .bind(&c.category_code)
        .bind(c.priority.as_str())
        .bind(&c.description)
        .bind(c.location.lat)
        .bind(c.location.lon)
        .bind(c.grid_id)
        .bind(&c.grid_path)
        .bind(c.owner_unit_id)
        .bind(&c.owner_path)
        .bind(c.suggested_department_id)
        .bind(c.lead_department_id)
        .bind(c.handler_user_id)
        .bind(c.limit_started_at.map(crate::types::Ts))
        .bind(c.due_at.map(crate::types::Ts))
        .bind(c.warn_at.map(crate::types::Ts))
        .bind(c.resolved_at.map(crate::types::Ts))
        .bind(c.rework_count)
        .bind(c.version)
        .bind(crate::types::Ts(c.updated_at))
        .bind(c.resolved_by)
        .bind(c.suspended_at.map(crate::types::Ts))
        .bind(c.suspended_until.map(|d| d.to_string()))
        .bind(trail_bits(&trail))
        .bind(trail.first_dispatched_at.map(crate::types::Ts))
        .bind(trail.last_resolved_at.map(crate::types::Ts))
        .bind(gridline_domain::cases::search_terms(c))
        .bind(c.closed_at.map(crate::types::Ts))
        .bind(c.rating.map(|r| r.as_str()))
        .bind(c.rated_at.map(crate::types::Ts))
        .bind(departments_of(c))
        .execute(&mut tx)
        .await
        .map_err(map_sqlx)?
        .rows_affected();
        if updated == 0 {
            return Err(gridline_domain::RepoError::Conflict);
        }
        if c.pending_extension.is_none() && outcome.extension.is_none() {
            // A pending request lapses when the case is returned or resolved.
            query(
                "UPDATE case_extension_requests SET state = 'refused', decided_at = $2 \
                 WHERE case_id = $1 AND state = 'pending'",
            )
            .bind(c.id)
            .bind(crate::types::Ts(c.updated_at))
            .execute(&mut tx)
            .await
            .map_err(map_sqlx)?;
        }
        let events = Self::write_outcome(&mut tx, outcome, record, &seqs, None).await?;
        tx.commit().await.map_err(map_sqlx)?;
        self.note_change();
        Ok(events)
    }

    async fn cases(
        &self,
        scope: &gridline_domain::cases::CaseScope,
        filter: &gridline_domain::ports::CaseFilter,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<gridline_domain::cases::Case>, gridline_domain::RepoError> {
        let limit = filter.limit.clamp(1, 500);
        let windowed = limit <= MAX_WINDOWED_PAGE
            && crate::case_query::worth_a_recent_window::<DB>(scope, filter)
            && !(DB::SORTS_BROAD_MATCHES
                && (self.a_filter_is_rare(filter).await? || self.own_view_is_rare(scope, filter).await?));
        if !windowed {
            return self.filtered_page(scope, filter, now).await;
        }
        // The suite's districts are small enough for the windows to reach
        // their oldest case: test builds check them against the filter's own
        // plan on every page.
        agreeing(
            || self.windowed_page(scope, filter, now, limit),
            || self.filtered_page(scope, filter, now),
            "the windows and the filter's plan",
            filter,
        )
        .await
    }

    async fn case_events(
        &self,
        case_id: uuid::Uuid,
    ) -> Result<Vec<gridline_domain::cases::CaseEvent>, gridline_domain::RepoError> {
        let sql =
            format!("SELECT {} FROM case_events WHERE case_id = $1 ORDER BY seq", crate::case_rows::EVENT_COLUMNS);
        query_as::<crate::case_rows::EventRow>(&sql)
            .bind(case_id)
            .fetch_all(self.reader())
            .await
            .map_err(crate::errors::map_sqlx)?
            .into_iter()
            .map(TryInto::try_into)
            .collect()
    }

    async fn nearest_cases(
        &self,
        scope: &gridline_domain::cases::CaseScope,
        filter: &gridline_domain::ports::CaseFilter,
        center: gridline_domain::geo::Position,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<gridline_domain::cases::Case>, gridline_domain::RepoError> {
        let (where_sql, mut args) = crate::case_query::list_where::<DB>(scope, filter, now);
        let n = args.len();
        // Degrees of longitude shrink with the cosine of the latitude.
        let squeeze = center.lat.to_radians().cos().powi(2);
        args.extend([center.lat.into(), center.lon.into(), squeeze.into()]);
        let sql = format!(
            "SELECT {} FROM cases c WHERE {where_sql} \
             ORDER BY (c.lat - ${a}) * (c.lat - ${a}) + (c.lon - ${o}) * (c.lon - ${o}) * ${s}, c.id LIMIT {}",
            crate::case_rows::CASE_COLUMNS,
            filter.limit.clamp(1, 500),
            a = n + 1,
            o = n + 2,
            s = n + 3,
        );
        self.cases_from(&sql, args).await
    }

    async fn cases_with_ids(
        &self,
        ids: &[uuid::Uuid],
    ) -> Result<Vec<gridline_domain::cases::Case>, gridline_domain::RepoError> {
        self.cases_by_id(ids).await
    }

    async fn last_changes(&self, ids: &[uuid::Uuid]) -> Result<Vec<(uuid::Uuid, i64)>, gridline_domain::RepoError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders = (1..=ids.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let sql =
            format!("SELECT case_id, MAX(seq) FROM case_events WHERE case_id IN ({placeholders}) GROUP BY case_id");
        ids.iter()
            .fold(query_as::<(uuid::Uuid, i64)>(&sql), |q, id| q.bind(*id))
            .fetch_all(self.reader())
            .await
            .map_err(crate::errors::map_sqlx)
    }

    async fn change_mark(&self) -> Result<i64, gridline_domain::RepoError> {
        match DB::change_horizon(self.reader()).await? {
            Some(horizon) => Ok(horizon),
            None => query_scalar::<i64>("SELECT COALESCE(MAX(seq), 0) FROM case_events")
                .fetch_one(self.reader())
                .await
                .map_err(crate::errors::map_sqlx),
        }
    }

    async fn todo_cases(
        &self,
        who: &gridline_domain::cases::TodoScope,
        after: Option<gridline_domain::ports::ListCursor>,
        limit: u32,
        expected: u64,
    ) -> Result<Vec<gridline_domain::cases::Case>, gridline_domain::RepoError> {
        use gridline_domain::{cases::TODO_RULES, ports::CaseSort};
        let order = crate::case_query::list_order(CaseSort::Due);
        let limit = limit.clamp(1, 500);
        let gathered = || {
            // Few: gathered rule by rule, each from its own index, then sorted. Walking
            // the due order would pass every open case to find none.
            let (union, after_sql, args) = crate::case_query::todo_union(TODO_RULES, who, after);
            let sql = format!(
                "SELECT {} FROM ({union}) t CROSS JOIN cases c WHERE c.id = t.id AND {after_sql} \
                 ORDER BY {order} LIMIT {limit}",
                crate::case_rows::CASE_COLUMNS
            );
            (sql, args)
        };
        let walked = || {
            // Many: the due order's index, walked until a page holds.
            let (where_sql, args) = crate::case_query::todo_where(TODO_RULES, who, after);
            let sql = format!(
                "SELECT {} FROM cases c WHERE {where_sql} ORDER BY {order} LIMIT {limit}",
                crate::case_rows::CASE_COLUMNS
            );
            (sql, args)
        };
        let (sql, args) = if expected <= FEW_TODOS { gathered() } else { walked() };
        let page = self.cases_from(&sql, args).await?;
        // Test builds answer by both plans and insist they agree: the suite's
        // callers have few to-dos, and the walk would otherwise go untested.
        if cfg!(debug_assertions) {
            let (sql, args) = if expected <= FEW_TODOS { walked() } else { gathered() };
            let other = self.cases_from(&sql, args).await?;
            let ids = |cases: &[gridline_domain::cases::Case]| cases.iter().map(|c| c.id).collect::<Vec<_>>();
            assert_eq!(ids(&page), ids(&other), "the to-do plans disagree");
        }
        Ok(page)
    }

    async fn todo_counts(
        &self,
        who: &gridline_domain::cases::TodoScope,
    ) -> Result<Vec<u64>, gridline_domain::RepoError> {
        use gridline_domain::cases::TODO_RULES;
        let mut b = crate::case_query::Builder::new();
        let counts: Vec<String> = TODO_RULES
            .iter()
            .enumerate()
            .flat_map(|(i, rule)| {
                crate::case_query::todo_count_parts(&mut b, rule, who).into_iter().map(move |(sign, clause)| {
                    format!("SELECT CAST({i} AS BIGINT), CAST({sign} * COUNT(*) AS BIGINT) FROM cases c WHERE {clause}")
                })
            })
            .collect();
        let rows = query_as::<(i64, i64)>(&counts.join(" UNION ALL "))
            .bind_all(b.args)
            .fetch_all(self.reader())
            .await
            .map_err(crate::errors::map_sqlx)?;
        let mut out = vec![0; TODO_RULES.len()];
        for (i, n) in rows {
            if let Some(slot) = usize::try_from(i).ok().and_then(|i| out.get_mut(i)) {
                *slot += n;
            }
        }
        let out = out.into_iter().map(|n: i64| u64::try_from(n).unwrap_or(0)).collect();
        Ok(out)
    }

    async fn changes(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<Vec<gridline_domain::cases::CaseEvent>, gridline_domain::RepoError> {
        let horizon = DB::change_horizon(self.reader()).await?;
        let sql = format!(
            "SELECT {} FROM case_events WHERE seq > $1 AND seq <= $3 ORDER BY seq LIMIT $2",
            crate::case_rows::EVENT_COLUMNS,
        );
        query_as::<crate::case_rows::EventRow>(&sql)
            .bind(after)
            .bind(i64::from(limit))
            .bind(horizon.unwrap_or(i64::MAX))
            .fetch_all(self.reader())
            .await
            .map_err(crate::errors::map_sqlx)?
            .into_iter()
            .map(TryInto::try_into)
            .collect()
    }
}

impl<DB: Dialect> SqlStore<DB> {
    /// A list page looked for among the newest cases first, else by the
    /// filter's own plan.
    async fn windowed_page(
        &self,
        scope: &gridline_domain::cases::CaseScope,
        filter: &gridline_domain::ports::CaseFilter,
        now: chrono::DateTime<chrono::Utc>,
        limit: u32,
    ) -> Result<Vec<gridline_domain::cases::Case>, gridline_domain::RepoError> {
        match self.page_among_newest(scope, filter, now, limit).await? {
            Some(page) => Ok(page),
            // The page's start is found again by the filter's plan: given a
            // cursor, SQLite would walk the time order to the oldest case.
            None => self.filtered_page(scope, filter, now).await,
        }
    }

    /// A list page by the filter's own plan.
    async fn filtered_page(
        &self,
        scope: &gridline_domain::cases::CaseScope,
        filter: &gridline_domain::ports::CaseFilter,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<gridline_domain::cases::Case>, gridline_domain::RepoError> {
        let branched = match DB::ORDERS_VIEW_BRANCHES {
            true => crate::case_query::view_branches::<DB>(scope, filter, now),
            false => None,
        };
        let Some((wheres, args)) = branched else { return self.whole_view_page(scope, filter, now).await };
        let (order, limit) = (crate::case_query::list_order(filter.sort), filter.limit.clamp(1, 500));
        let branches: Vec<String> = wheres
            .iter()
            .map(|w| format!("(SELECT c.id FROM cases c WHERE {w} ORDER BY {order} LIMIT {limit})"))
            .collect();
        let sql = format!(
            "SELECT {} FROM cases c WHERE c.id IN ({}) ORDER BY {order} LIMIT {limit}",
            crate::case_rows::CASE_COLUMNS,
            branches.join(" UNION ALL ")
        );
        // The suite's grid workers list by status: test builds check the
        // branches against the whole view's plan.
        agreeing(
            || self.cases_from(&sql, args.clone()),
            || self.whole_view_page(scope, filter, now),
            "the view's branches and the whole view",
            filter,
        )
        .await
    }

    /// A list page by one plan over the caller's whole view.
    async fn whole_view_page(
        &self,
        scope: &gridline_domain::cases::CaseScope,
        filter: &gridline_domain::ports::CaseFilter,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<gridline_domain::cases::Case>, gridline_domain::RepoError> {
        let (where_sql, args) = crate::case_query::list_where::<DB>(scope, filter, now);
        let sql = format!(
            "SELECT {} FROM cases c WHERE {where_sql} ORDER BY {} LIMIT {}",
            crate::case_rows::CASE_COLUMNS,
            crate::case_query::list_order(filter.sort),
            filter.limit.clamp(1, 500)
        );
        self.cases_from(&sql, args).await
    }

    /// A list page looked for among the newest cases after the cursor:
    /// the order's index is walked through widening windows, each taking up
    /// where the last ended, and the walk stops at the page's last case.
    /// `None` when the windows run out (twice none, or `LAST_WINDOW` cases
    /// looked at): then the filter's own plan answers (see
    /// `worth_a_recent_window`).
    async fn page_among_newest(
        &self,
        scope: &gridline_domain::cases::CaseScope,
        filter: &gridline_domain::ports::CaseFilter,
        now: chrono::DateTime<chrono::Utc>,
        limit: u32,
    ) -> Result<Option<Vec<gridline_domain::cases::Case>>, gridline_domain::RepoError> {
        use crate::case_query::{list_order, list_where_among, time_order, window_range, Among, Builder};
        let (key, index) = time_order(filter.sort).expect("windows are for time orders");
        let order = list_order(filter.sort);
        let unpaged = gridline_domain::ports::CaseFilter { after: None, ..filter.clone() };
        let by_search_key = match DB::SEARCH_KEYS_BY_TIME {
            Some(index) if filter.text.is_some() && filter.sort == gridline_domain::ports::CaseSort::Created => {
                self.lowest_search_key(index, filter.after).await?.map(|lowest| (index, lowest))
            }
            _ => None,
        };
        let among = Among::Recent { lowest_key: by_search_key.map(|(_, lowest)| lowest) };
        let walked = by_search_key.map_or(index, |(index, _)| index);
        let (where_sql, args) = list_where_among::<DB>(scope, &unpaged, now, among);
        let mut page = Vec::new();
        // Where the search index is tested off the time order's index, a
        // case that does not match costs a step along that index and nothing
        // more: one statement over the whole reach walks no further than the
        // windows would (it stops at the page's last case), without a
        // statement, a boundary and the index's matches read again per window.
        let first = match by_search_key {
            Some(_) => LAST_WINDOW,
            None => limit * DB::FIRST_WINDOW_PER_CASE,
        };
        let (mut from, mut looked, mut window) = (filter.after, 0u32, first);
        loop {
            let end = match DB::BOUNDS_FIRST_WINDOW || looked > 0 {
                true => Some(self.window_end(key, index, from, window).await?),
                false => None,
            };
            let mut b = Builder { args: args.clone() };
            let range = window_range(&mut b, key, from, end.flatten());
            let sql = format!(
                "SELECT {columns} FROM {source} AND {where_sql} ORDER BY {order} LIMIT {want}",
                columns = crate::case_rows::CASE_COLUMNS,
                source = DB::window_source(walked, &range, &order, window, end.is_some()),
                want = limit as usize - page.len(),
            );
            page.extend(self.rows_from(&sql, b.args).await?);
            if page.len() == limit as usize {
                return Ok(Some(self.complete(page).await?));
            }
            let end = match end {
                Some(end) => end,
                None => self.window_end(key, index, from, window).await?,
            };
            let Some(to) = end else {
                // Fewer cases than the window were left: every one was looked at.
                return Ok(Some(self.complete(page).await?));
            };
            (from, looked) = (Some(to), looked + window);
            // Enough for the page at the share found so far; ten times more
            // when none was found yet, and none in the empty reach is rare.
            let wanted = match page.len() as u64 {
                0 if looked >= limit * EMPTY_REACH_PER_CASE => return Ok(None),
                0 => u64::from(looked) * 10,
                n => u64::from(looked) * u64::from(limit) * 3 / 2 / n,
            };
            if looked >= LAST_WINDOW {
                return Ok(None);
            }
            window = (wanted.min(u64::from(LAST_WINDOW)) as u32).saturating_sub(looked).max(limit);
        }
    }

    /// The lowest `search_key` among the cases any window after `from` can
    /// reach (the newest `LAST_WINDOW` and a page more), read off `index`
    /// alone (0 when none is indexed yet: every match).
    async fn lowest_search_key(
        &self,
        index: &str,
        from: Option<gridline_domain::ports::ListCursor>,
    ) -> Result<Option<i64>, gridline_domain::RepoError> {
        let mut b = crate::case_query::Builder::new();
        let range = crate::case_query::window_range(&mut b, "c.created_at", from, None);
        let sql = format!(
            "SELECT COALESCE(MIN(search_key), 0) FROM (SELECT c.search_key FROM cases c {walk} WHERE {range} \
             ORDER BY c.created_at DESC, c.id DESC LIMIT {reach}) w",
            walk = DB::walking(index),
            reach = LAST_WINDOW + MAX_WINDOWED_PAGE,
        );
        let lowest: Option<(i64,)> =
            query_as(&sql).bind_all(b.args).fetch_optional(self.reader()).await.map_err(crate::errors::map_sqlx)?;
        Ok(lowest.map(|(key,)| key))
    }

    /// The last case of a window of `window` cases after `from` in a
    /// newest-first order, read off the order's index alone; none when fewer
    /// are left.
    async fn window_end(
        &self,
        key: &str,
        index: &str,
        from: Option<gridline_domain::ports::ListCursor>,
        window: u32,
    ) -> Result<Option<gridline_domain::ports::ListCursor>, gridline_domain::RepoError> {
        let mut b = crate::case_query::Builder::new();
        let range = crate::case_query::window_range(&mut b, key, from, None);
        let sql = format!(
            "SELECT {key}, c.id FROM cases c {walk} WHERE {range} ORDER BY {key} DESC, c.id DESC LIMIT 1 OFFSET {skip}",
            walk = DB::walking(index),
            skip = window.max(1) - 1,
        );
        let end: Option<(crate::types::Ts, uuid::Uuid)> =
            query_as(&sql).bind_all(b.args).fetch_optional(self.reader()).await.map_err(crate::errors::map_sqlx)?;
        Ok(end.map(|(key, id)| gridline_domain::ports::ListCursor { key: key.0, id }))
    }

    /// Whether one of the filter's indexed conditions alone is met by fewer
    /// than `RARE` cases (see `indexed_filters`): each is counted from its
    /// index, and counting stops at `RARE`.
    async fn a_filter_is_rare(
        &self,
        filter: &gridline_domain::ports::CaseFilter,
    ) -> Result<bool, gridline_domain::RepoError> {
        let (clauses, args) = crate::case_query::indexed_filters(filter);
        Ok(self.counted_up_to_rare(&clauses, args).await?.iter().any(|n| *n < RARE))
    }

    /// How many cases each condition holds, counted up to `RARE`.
    async fn counted_up_to_rare(
        &self,
        conditions: &[String],
        args: Vec<crate::sql::Arg>,
    ) -> Result<Vec<i64>, gridline_domain::RepoError> {
        if conditions.is_empty() {
            return Ok(Vec::new());
        }
        let counts: Vec<String> = conditions
            .iter()
            .map(|c| format!("SELECT COUNT(*) FROM (SELECT 1 FROM cases c WHERE {c} LIMIT {RARE}) q"))
            .collect();
        let counts: Vec<(i64,)> = query_as(&counts.join(" UNION ALL "))
            .bind_all(args)
            .fetch_all(self.reader())
            .await
            .map_err(crate::errors::map_sqlx)?;
        Ok(counts.into_iter().map(|(n,)| n).collect())
    }

    /// Whether the caller's view, where it holds only his own cases for the
    /// filter's statuses (`own_view_parts`), holds fewer than `RARE`: then
    /// the windows would look among the newest cases in vain (department
    /// staff's reported cases: none, after two windows of 2,200 cases).
    async fn own_view_is_rare(
        &self,
        scope: &gridline_domain::cases::CaseScope,
        filter: &gridline_domain::ports::CaseFilter,
    ) -> Result<bool, gridline_domain::RepoError> {
        let Some((parts, args)) = crate::case_query::own_view_parts(scope, filter) else { return Ok(false) };
        Ok(self.counted_up_to_rare(&parts, args).await?.iter().sum::<i64>() < RARE)
    }

    async fn write_category(
        tx: &mut sqlx::Transaction<'_, DB>,
        c: &gridline_domain::cases::Category,
        create: bool,
    ) -> Result<(), gridline_domain::RepoError> {
        let sql = if create {
            "INSERT INTO categories (code, parent_code, name_zh, name_en, department_kind, time_limits, \
             auto_accept, auto_dispatch, active, created_at, updated_at, auto_escalate_after_hours, \
             requires_resolution_photo, public) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        } else {
            "UPDATE categories SET parent_code = $2, name_zh = $3, name_en = $4, department_kind = $5, \
             time_limits = $6, auto_accept = $7, auto_dispatch = $8, active = $9, updated_at = $11, \
             auto_escalate_after_hours = $12, requires_resolution_photo = $13, public = $14 \
             WHERE code = $1 AND created_at = $10"
        };
        query(sql)
            .bind(&c.code)
            .bind(&c.parent_code)
            .bind(&c.name_zh)
            .bind(&c.name_en)
            .bind(c.department_kind.as_str())
            .bind(crate::case_rows::encode_limits(&c.time_limits))
            .bind(c.auto_accept)
            .bind(c.auto_dispatch)
            .bind(c.active)
            .bind(crate::types::Ts(c.created_at))
            .bind(crate::types::Ts(c.updated_at))
            .bind(c.auto_escalate_after_hours.map(i64::from))
            .bind(c.requires_resolution_photo)
            .bind(c.public)
            .execute(&mut *tx)
            .await
            .map_err(crate::errors::map_sqlx)?;
        Ok(())
    }

    /// Department history, the extension request and the events of an outcome.
    /// What rides with an outcome's events on PostgreSQL: the idempotency
    /// receipt, the departments when they change, the notifications and the
    /// webhook rows.
    fn riders(
        outcome: &gridline_domain::cases::Outcome,
        record: &gridline_domain::ports::WriteRecord,
        notices: &[gridline_domain::notifications::Notice],
    ) -> Vec<super::riders::Rider> {
        let mut riders = Vec::new();
        if let Some(key) = &record.key {
            riders.push(super::riders::Rider {
                name: "receipt".into(),
                sql: RECEIPT.into(),
                args: receipt_args(key, outcome.case.updated_at),
            });
        }
        if changes_departments(outcome) {
            riders.extend(Self::departments_rider(&outcome.case));
        }
        riders.extend(Self::notice_riders(notices));
        riders.extend(Self::webhook_rider(&outcome.events));
        riders
    }

    async fn write_outcome(
        tx: &mut sqlx::Transaction<'_, DB>,
        outcome: &gridline_domain::cases::Outcome,
        record: &gridline_domain::ports::WriteRecord,
        seqs: &[Option<i64>],
        new_case: Option<crate::sql::Query<'_, ()>>,
    ) -> Result<Vec<gridline_domain::cases::CaseEvent>, gridline_domain::RepoError> {
        use crate::errors::map_sqlx;
        let c = &outcome.case;
        let notices = gridline_domain::notifications::notices(c, &outcome.events, outcome.extension.as_ref());
        // The events first: a new case's own INSERT goes with them, and on
        // PostgreSQL so do the receipt, the departments, the notifications
        // and the webhook rows.
        let riding = DB::WRITABLE_CTE && !outcome.events.is_empty();
        let riders = if riding { Self::riders(outcome, record, &notices) } else { Vec::new() };
        let events = Self::insert_events(tx, &outcome.events, seqs, new_case, riders).await?;
        if !riding {
            if let Some(key) = &record.key {
                query(RECEIPT).bind_all(receipt_args(key, c.updated_at)).execute(&mut *tx).await.map_err(map_sqlx)?;
            }
            if changes_departments(outcome) {
                Self::write_departments(tx, c).await?;
            }
        }
        Self::write_attachments(tx, outcome).await?;
        if !riding {
            Self::write_notices(tx, &notices).await?;
            Self::write_webhook_outbox(tx, &outcome.events).await?;
        }
        if let Some(r) = &outcome.extension {
            query(
                "INSERT INTO case_extension_requests (id, case_id, hours, reason, state, requested_by, \
                 requested_at, decided_by, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (id) DO UPDATE SET state = excluded.state, decided_by = excluded.decided_by, \
                 decided_at = excluded.decided_at",
            )
            .bind(r.id)
            .bind(r.case_id)
            .bind(i32::try_from(r.hours).unwrap_or(i32::MAX))
            .bind(&r.reason)
            .bind(r.state.as_str())
            .bind(r.requested_by)
            .bind(crate::types::Ts(r.requested_at))
            .bind(r.decided_by)
            .bind(r.decided_at.map(crate::types::Ts))
            .execute(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        }
        Ok(events)
    }

    /// All of a step's events in one statement (a report accepted and
    /// dispatched at once has three), with the new case's own INSERT in front
    /// and `riders` beside them where the dialect can run them all as one
    /// statement (riders are only given where it can, and with events).
    pub(super) async fn insert_events(
        tx: &mut sqlx::Transaction<'_, DB>,
        events: &[gridline_domain::cases::CaseEvent],
        seqs: &[Option<i64>],
        new_case: Option<crate::sql::Query<'_, ()>>,
        riders: Vec<super::riders::Rider>,
    ) -> Result<Vec<gridline_domain::cases::CaseEvent>, gridline_domain::RepoError> {
        use crate::errors::map_sqlx;
        let lead = match new_case {
            Some(insert) if DB::WRITABLE_CTE && !events.is_empty() => Some(insert.into_parts()),
            Some(insert) => {
                insert.execute(&mut *tx).await.map_err(map_sqlx)?;
                None
            }
            None => None,
        };
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let (sql, args) = Self::events_statement(events, Numbering::Given(seqs), lead, riders);
        let rows = query_as::<(uuid::Uuid, i64)>(&sql).bind_all(args).fetch_all(&mut *tx).await.map_err(map_sqlx)?;
        Self::numbered(events, rows)
    }

    /// A new case, its events, their numbers and what rides with them as one
    /// statement outside any transaction of ours (PostgreSQL): it commits by
    /// itself, or not at all, and costs no `BEGIN`, number reservation or
    /// `COMMIT` of its own.
    async fn insert_case_at_once(
        &self,
        events: &[gridline_domain::cases::CaseEvent],
        new_case: crate::sql::Query<'_, ()>,
        riders: Vec<super::riders::Rider>,
    ) -> Result<Vec<gridline_domain::cases::CaseEvent>, gridline_domain::RepoError> {
        let (sql, args) = Self::events_statement(events, Numbering::Reserve, Some(new_case.into_parts()), riders);
        let rows = query_as::<(uuid::Uuid, i64)>(&sql)
            .bind_all(args)
            .fetch_all(self.writer())
            .await
            .map_err(crate::errors::map_sqlx)?;
        Self::numbered(events, rows)
    }

    /// The statement inserting `events` (and `lead`, the new case, and the
    /// riders, as CTEs), returning each event's id and number.
    fn events_statement(
        events: &[gridline_domain::cases::CaseEvent],
        numbering: Numbering<'_>,
        lead: Option<(&str, Vec<crate::sql::Arg>)>,
        riders: Vec<super::riders::Rider>,
    ) -> (String, Vec<crate::sql::Arg>) {
        const COLUMNS: usize = 15;
        let (lead_sql, mut args) = lead.unwrap_or_default();
        let mut ctes = Vec::new();
        let values = match numbering {
            Numbering::Given(_) => tuples::<DB>(events.len(), COLUMNS, args.len()),
            Numbering::Reserve => {
                // Materialised: the reservation runs once, before any event reads it.
                ctes.push(format!("reserved AS MATERIALIZED (SELECT reserve_case_event_seqs({}) AS s)", events.len()));
                let given = tuples::<DB>(events.len(), COLUMNS - 1, args.len());
                let mut rows: Vec<String> = Vec::with_capacity(events.len());
                for (i, row) in given.split("), (").enumerate() {
                    let row = row.trim_start_matches('(').trim_end_matches(')');
                    rows.push(format!("({row}, (SELECT s[{}] FROM reserved))", i + 1));
                }
                rows.join(", ")
            }
        };
        let insert_events = format!(
            "INSERT INTO case_events (id, case_id, type, actor_kind, actor_id, actor_label, at, from_status, \
             to_status, note, internal, changes, visible_before, visible_after, seq) VALUES {values} RETURNING id, seq"
        );
        if !lead_sql.is_empty() {
            ctes.push(format!("new_case AS ({lead_sql})"));
        }
        for (i, e) in events.iter().enumerate() {
            let (kind, actor_id, label) = crate::case_rows::actor_columns(&e.actor);
            args.extend([
                e.id.into(),
                e.case_id.into(),
                e.event_type.as_str().into(),
                kind.into(),
                actor_id.into(),
                label.into(),
                crate::types::Ts(e.at).into(),
                e.from_status.map(|s| s.as_str()).into(),
                e.to_status.as_str().into(),
                (&e.note).into(),
                e.internal.into(),
                crate::case_rows::changes_json(&e.changes).into(),
                e.visible_before.as_ref().map(crate::case_rows::encode_visibility).into(),
                crate::case_rows::encode_visibility(&e.visible_after).into(),
            ]);
            if let Numbering::Given(seqs) = numbering {
                args.push(seqs.get(i).copied().flatten().into());
            }
        }
        let sql = if riders.is_empty() {
            let with = if ctes.is_empty() { String::new() } else { format!("WITH {} ", ctes.join(", ")) };
            format!("{with}{insert_events}")
        } else {
            ctes.push(format!("ev AS ({insert_events})"));
            for r in riders {
                ctes.push(format!("{} AS ({})", r.name, super::riders::shifted(&r.sql, args.len())));
                args.extend(r.args);
            }
            format!("WITH {} SELECT id, seq FROM ev", ctes.join(", "))
        };
        (sql, args)
    }

    /// The events with the numbers the database gave them.
    fn numbered(
        events: &[gridline_domain::cases::CaseEvent],
        rows: Vec<(uuid::Uuid, i64)>,
    ) -> Result<Vec<gridline_domain::cases::CaseEvent>, gridline_domain::RepoError> {
        let numbered: std::collections::HashMap<uuid::Uuid, i64> = rows.into_iter().collect();
        events
            .iter()
            .map(|e| {
                let seq = numbered.get(&e.id).copied().ok_or_else(|| {
                    gridline_domain::RepoError::Unknown(anyhow::anyhow!("event {} was not numbered", e.id))
                })?;
                Ok(gridline_domain::cases::CaseEvent { seq, ..e.clone() })
            })
            .collect()
    }

    /// The files the outcome's events attached, in one statement.
    async fn write_attachments(
        tx: &mut sqlx::Transaction<'_, DB>,
        outcome: &gridline_domain::cases::Outcome,
    ) -> Result<(), gridline_domain::RepoError> {
        const COLUMNS: usize = 14;
        let new: Vec<_> = gridline_domain::cases::attached_by(&outcome.case, &outcome.events).collect();
        if new.is_empty() {
            return Ok(());
        }
        // An attached file is kept for good: the orphan clean-up passes it by.
        let ids: Vec<&str> = new.iter().map(|a| a.media_id.as_str()).collect();
        let placeholders = (1..=ids.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let sql = format!("UPDATE media SET attached = true WHERE id IN ({placeholders}) RETURNING id");
        let mut mark = query_as::<(String,)>(&sql);
        for id in &ids {
            mark = mark.bind(*id);
        }
        let marked = mark.fetch_all(&mut *tx).await.map_err(crate::errors::map_sqlx)?;
        if ids.iter().any(|id| !marked.iter().any(|(m,)| m == id)) {
            // Removed as an orphan since it was checked: the caller tries again and is told.
            return Err(gridline_domain::RepoError::Conflict);
        }
        let sql = format!(
            "INSERT INTO case_media ({}) VALUES {}",
            crate::case_rows::ATTACHMENT_COLUMNS,
            tuples::<DB>(new.len(), COLUMNS, 0)
        );
        let mut insert = query(&sql);
        for (ordinal, a) in new.into_iter().enumerate() {
            let (kind, actor_id, label) = crate::case_rows::actor_columns(&a.attached_by);
            insert = insert
                .bind(outcome.case.id)
                .bind(a.media_id.as_str())
                .bind(a.stage.as_str())
                .bind(&a.caption)
                .bind(&a.content_type)
                .bind(a.thumbnail)
                .bind(a.suspicious)
                .bind(a.internal)
                .bind(kind)
                .bind(actor_id)
                .bind(label)
                .bind(crate::types::Ts(a.at))
                .bind(a.event_id)
                .bind(i32::try_from(ordinal).unwrap_or(i32::MAX));
        }
        insert.execute(&mut *tx).await.map_err(crate::errors::map_sqlx)?;
        Ok(())
    }

    /// Every department the case was dispatched to but its lead (the lead is
    /// the case's own column), each with its place among the assisting ones;
    /// one statement, none for a case with only a lead.
    pub(super) async fn write_departments(
        tx: &mut sqlx::Transaction<'_, DB>,
        c: &gridline_domain::cases::Case,
    ) -> Result<(), gridline_domain::RepoError> {
        if let Some(upsert) = Self::departments_rider(c) {
            query(&upsert.sql).bind_all(upsert.args).execute(&mut *tx).await.map_err(crate::errors::map_sqlx)?;
        }
        Ok(())
    }

    /// The upsert of a case's departments (history, lead and assisting
    /// ones), or none when it has none but its lead.
    fn departments_rider(c: &gridline_domain::cases::Case) -> Option<super::riders::Rider> {
        let rows: Vec<(uuid::Uuid, Option<i32>)> = c
            .department_history
            .iter()
            .filter(|d| Some(**d) != c.lead_department_id)
            .map(|d| (*d, c.assisting_department_ids.iter().position(|a| a == d).and_then(|i| i32::try_from(i).ok())))
            .collect();
        if rows.is_empty() {
            return None;
        }
        let tuples: Vec<String> =
            (0..rows.len()).map(|i| format!("($1, ${}, $2, ${})", 3 + 2 * i, 4 + 2 * i)).collect();
        let sql = format!(
            "INSERT INTO case_departments (case_id, department_id, first_at, assist_order) VALUES {} \
             ON CONFLICT (case_id, department_id) DO UPDATE SET assist_order = excluded.assist_order",
            tuples.join(", ")
        );
        let mut args: Vec<crate::sql::Arg> = vec![c.id.into(), crate::types::Ts(c.updated_at).into()];
        for (department, order) in rows {
            args.push(department.into());
            args.push(order.into());
        }
        Some(super::riders::Rider { name: "departments".into(), sql, args })
    }

    /// The case that `condition` (on `c`, with one parameter) finds.
    async fn one_case(
        &self,
        condition: &str,
        arg: crate::sql::Arg,
    ) -> Result<Option<gridline_domain::cases::Case>, gridline_domain::RepoError> {
        let sql = format!("SELECT {} FROM cases c WHERE {condition}", crate::case_rows::CASE_COLUMNS);
        Ok(self.cases_from(&sql, vec![arg]).await?.pop())
    }

    /// The cases a built query selects (`CASE_COLUMNS` of `c`), completed.
    pub(super) async fn cases_from(
        &self,
        sql: &str,
        args: Vec<crate::sql::Arg>,
    ) -> Result<Vec<gridline_domain::cases::Case>, gridline_domain::RepoError> {
        let rows = self.rows_from(sql, args).await?;
        self.complete(rows).await
    }

    /// Cases' own rows, without what `complete` adds: a page gathered from
    /// several windows is completed once, in three statements, not three a window.
    async fn rows_from(
        &self,
        sql: &str,
        args: Vec<crate::sql::Arg>,
    ) -> Result<Vec<crate::case_rows::CaseRow>, gridline_domain::RepoError> {
        query_as::<crate::case_rows::CaseRow>(sql)
            .bind_all(args)
            .fetch_all(self.reader())
            .await
            .map_err(crate::errors::map_sqlx)
    }

    /// Adds department history, assisting departments and pending extension requests to rows.
    pub(super) async fn complete(
        &self,
        rows: Vec<crate::case_rows::CaseRow>,
    ) -> Result<Vec<gridline_domain::cases::Case>, gridline_domain::RepoError> {
        use crate::errors::map_sqlx;
        use std::collections::HashMap;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<uuid::Uuid> = rows.iter().map(crate::case_rows::CaseRow::id).collect();
        let placeholders = (1..=ids.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT case_id, department_id, assist_order FROM case_departments WHERE case_id IN ({placeholders}) \
             ORDER BY first_at, department_id"
        );
        let ids: Vec<crate::sql::Arg> = ids.into_iter().map(Into::into).collect();
        let mut history: HashMap<uuid::Uuid, crate::case_rows::Departments> = HashMap::new();
        let departments = query_as::<(uuid::Uuid, uuid::Uuid, Option<i32>)>(&sql).bind_all(ids.clone());
        for (case_id, department_id, assist_order) in departments.fetch_all(self.reader()).await.map_err(map_sqlx)? {
            history.entry(case_id).or_default().add(department_id, assist_order);
        }
        let sql = format!(
            "SELECT {} FROM case_extension_requests WHERE state = 'pending' AND case_id IN ({placeholders})",
            crate::case_rows::EXTENSION_COLUMNS
        );
        let mut pending: HashMap<uuid::Uuid, gridline_domain::cases::ExtensionRequest> = HashMap::new();
        let requests = query_as::<crate::case_rows::ExtensionRow>(&sql).bind_all(ids.clone());
        for row in requests.fetch_all(self.reader()).await.map_err(map_sqlx)? {
            let request: gridline_domain::cases::ExtensionRequest = row.try_into()?;
            pending.insert(request.case_id, request);
        }
        let sql = format!(
            "SELECT {} FROM case_media WHERE case_id IN ({placeholders}) ORDER BY attached_at, event_id, ordinal",
            crate::case_rows::ATTACHMENT_COLUMNS
        );
        let mut files: HashMap<uuid::Uuid, Vec<gridline_domain::cases::Attachment>> = HashMap::new();
        let attached = query_as::<crate::case_rows::AttachmentRow>(&sql).bind_all(ids);
        for row in attached.fetch_all(self.reader()).await.map_err(map_sqlx)? {
            let case_id = row.case_id;
            files.entry(case_id).or_default().push(row.try_into()?);
        }
        rows.into_iter()
            .map(|row| {
                let id = row.id();
                row.into_case(
                    history.remove(&id).unwrap_or_default(),
                    pending.remove(&id),
                    files.remove(&id).unwrap_or_default(),
                )
            })
            .collect()
    }
}

/// The trail's marks as the `trail` column holds them (an `integer`).
pub(crate) fn trail_bits(trail: &gridline_domain::stats::Trail) -> i32 {
    i32::try_from(trail.marks).unwrap_or(i32::MAX)
}

/// `rows` tuples of `width` numbered parameters, the first after `offset`.
pub(crate) fn tuples<DB: Dialect>(rows: usize, width: usize, offset: usize) -> String {
    let positional = DB::POSITIONAL_VALUES && offset == 0;
    (0..rows)
        .map(|i| {
            let ps: Vec<String> = (1..=width)
                .map(|c| if positional { "?".to_owned() } else { format!("${}", offset + i * width + c) })
                .collect();
            format!("({})", ps.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) const CASE_INSERT_COLUMNS: &str = "id, number, status, category_code, priority, description, lat, lon, \
     address, grid_id, grid_path, owner_unit_id, owner_path, suggested_department_id, lead_department_id, \
     handler_user_id, reporter_user_id, reporter_api_key_id, reported_by_grid_worker, source, resident_name, \
     resident_phone, resolved_on_site, limit_started_at, due_at, warn_at, resolved_at, rework_count, version, \
     created_at, updated_at, reporter, report_hash, report_receipt, resolved_by, suspended_at, suspended_until, \
     trail, first_dispatched_at, last_resolved_at, search_terms, tracking_code, closed_at, rating, rated_at, \
     external_ref, media_url, resident_email, departments";
pub(crate) const CASE_INSERT_WIDTH: usize = 49;

/// The row's `departments` (migrations sqlite 0028, postgres 0031): every
/// department the case has been with, its lead among them, as 32 hex digits
/// each, sorted, separated by spaces; what department staff's view tests.
pub(crate) fn departments_of(c: &gridline_domain::cases::Case) -> Option<String> {
    let mut ids: Vec<uuid::Uuid> = c.department_history.iter().copied().chain(c.lead_department_id).collect();
    ids.sort_unstable();
    ids.dedup();
    (!ids.is_empty()).then(|| ids.iter().map(|id| id.simple().to_string()).collect::<Vec<_>>().join(" "))
}

/// A new case's row, in [`CASE_INSERT_COLUMNS`] order.
pub(crate) fn case_values(
    c: &gridline_domain::cases::Case,
    report: Option<&gridline_domain::ports::FirstReport>,
    trail: &gridline_domain::stats::Trail,
) -> Vec<crate::sql::Arg> {
    use crate::{sql::Arg, types::Ts};
    vec![
        c.id.into(),
        (&c.number).into(),
        c.status.as_str().into(),
        (&c.category_code).into(),
        c.priority.as_str().into(),
        (&c.description).into(),
        c.location.lat.into(),
        c.location.lon.into(),
        (&c.address).into(),
        c.grid_id.into(),
        (&c.grid_path).into(),
        c.owner_unit_id.into(),
        (&c.owner_path).into(),
        c.suggested_department_id.into(),
        c.lead_department_id.into(),
        c.handler_user_id.into(),
        c.reporter_user_id.into(),
        c.reporter_api_key_id.into(),
        c.reported_by_grid_worker.into(),
        c.source.as_str().into(),
        c.resident.as_ref().map(|r| r.name.clone()).into(),
        c.resident.as_ref().and_then(|r| r.phone.clone()).into(),
        c.resolved_on_site.into(),
        c.limit_started_at.map(Ts).into(),
        c.due_at.map(Ts).into(),
        c.warn_at.map(Ts).into(),
        c.resolved_at.map(Ts).into(),
        c.rework_count.into(),
        c.version.into(),
        Ts(c.created_at).into(),
        Ts(c.updated_at).into(),
        report.map(|r| r.reporter.clone()).into(),
        Arg::Bytes(report.map(|r| r.request_hash.clone())),
        report.map(|r| r.receipt.0.clone()).into(),
        c.resolved_by.into(),
        c.suspended_at.map(Ts).into(),
        c.suspended_until.map(|d| d.to_string()).into(),
        trail_bits(trail).into(),
        trail.first_dispatched_at.map(Ts).into(),
        trail.last_resolved_at.map(Ts).into(),
        gridline_domain::cases::search_terms(c).into(),
        c.tracking_code.clone().into(),
        c.closed_at.map(Ts).into(),
        c.rating.map(|r| r.as_str()).into(),
        c.rated_at.map(Ts).into(),
        c.intake.external_ref.clone().into(),
        c.intake.media_url.clone().into(),
        c.resident.as_ref().and_then(|r| r.email.clone()).into(),
        departments_of(c).into(),
    ]
}

const RECEIPT: &str = "UPDATE idempotency_keys SET receipt = $3, completed_at = $4 WHERE principal = $1 AND key = $2";

fn receipt_args(
    (key, receipt): &(gridline_domain::ports::IdempotencyKey, gridline_domain::ports::Receipt),
    at: chrono::DateTime<chrono::Utc>,
) -> Vec<crate::sql::Arg> {
    vec![key.principal.clone().into(), key.key.clone().into(), receipt.0.clone().into(), crate::types::Ts(at).into()]
}

/// Only a dispatch or a return changes the departments: the history grows,
/// the lead and the assisting ones change.
fn changes_departments(outcome: &gridline_domain::cases::Outcome) -> bool {
    use gridline_domain::cases::EventType;
    outcome.events.iter().any(|e| matches!(e.event_type, EventType::Dispatched | EventType::Returned))
}

/// How a statement's events get their numbers.
#[derive(Clone, Copy)]
enum Numbering<'a> {
    /// Reserved by an earlier statement of the transaction.
    Given(&'a [Option<i64>]),
    /// Reserved by the statement itself (`reserve_case_event_seqs`).
    Reserve,
}

/// A page by `plan`; test builds also answer it by `reference` and insist
/// both list the same cases (asking again when a write came between).
async fn agreeing<P, R>(
    plan: impl Fn() -> P,
    reference: impl Fn() -> R,
    plans: &str,
    filter: &gridline_domain::ports::CaseFilter,
) -> Result<Vec<gridline_domain::cases::Case>, gridline_domain::RepoError>
where
    P: std::future::Future<Output = Result<Vec<gridline_domain::cases::Case>, gridline_domain::RepoError>>,
    R: std::future::Future<Output = Result<Vec<gridline_domain::cases::Case>, gridline_domain::RepoError>>,
{
    let mut page = plan().await?;
    if cfg!(debug_assertions) {
        let ids = |cases: &[gridline_domain::cases::Case]| cases.iter().map(|c| c.id).collect::<Vec<_>>();
        for attempt in 0.. {
            if ids(&page) == ids(&reference().await?) {
                break;
            }
            assert!(attempt < 3, "{plans} disagree on {filter:?}");
            page = plan().await?;
        }
    }
    Ok(page)
}
