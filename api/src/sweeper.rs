//! The sweeper, inside every node: it records a `warning` and an `overdue`
//! event when a running clock passes 80% and 100% of its time, resumes
//! suspensions whose date has come, and escalates or urges cases past their
//! deadline by their category's `auto_escalate_after_hours`. However many
//! nodes run one, each job is done once: an alarm by a conditional update of
//! its own marker, a resumption or an escalation by the case's version. What
//! it writes is dated when it happened, so a sweep after downtime catches up
//! as if it had run on time.

use std::time::Duration;

use actix_web::web;
use gridline_domain::{
    cases::{alarm_events, auto_escalate, resume_on_date, ClockContext},
    ports::WriteRecord,
    RepoError,
};

use crate::state::AppState;

/// Cases a sweep takes at a time, and the most batches one sweep works through.
const BATCH: u32 = 200;
const MAX_BATCHES: usize = 50;

/// Sweeps every `every` until the node stops.
pub(crate) async fn run(state: web::Data<AppState>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match sweep(&state).await {
            Ok(()) => state.metrics.swept(),
            Err(e) => tracing::warn!(error = %e, "the sweep failed; the next one retries"),
        }
        let kept_from = state.now() - chrono::Duration::days(gridline_domain::notifications::KEPT_DAYS);
        if let Err(e) = state.store.forget_notifications(kept_from).await {
            tracing::warn!(error = %e, "removing old notifications failed; the next sweep retries");
        }
        let settled_from = state.now() - chrono::Duration::days(gridline_domain::push::SETTLED_KEPT_DAYS);
        if let Err(e) = state.store.forget_settled(settled_from).await {
            tracing::warn!(error = %e, "removing old deliveries failed; the next sweep retries");
        }
        if let Err(e) = crate::media::janitor::tidy(&state).await {
            tracing::warn!(error = %format!("{e:#}"), "removing orphaned files failed; the next sweep retries");
        }
    }
}

/// One sweep at the clock's time: every alarm owed, every suspension due to end.
pub(crate) async fn sweep(state: &AppState) -> Result<(), RepoError> {
    let now = state.now();
    for _ in 0..MAX_BATCHES {
        let alarms = state.store.due_alarms(now, BATCH).await?;
        for alarm in &alarms {
            // False when another sweeper recorded it first: nothing to do.
            state.store.record_alarm(alarm, &alarm_events(alarm)).await?;
        }
        if alarms.len() < BATCH as usize {
            break;
        }
    }
    let calendar = state.calendar();
    let stage_limits = state.stage_limits();
    let today = calendar.local_date(now);
    for case in state.store.suspensions_ending(today, BATCH).await? {
        let Some(category) = state.category(&case.category_code).await? else { continue };
        let clocks = ClockContext { category: &category, calendar: &calendar, stage_limits: &stage_limits, now };
        let Some(outcome) = resume_on_date(&case, &clocks) else { continue };
        write(state, &outcome, case.version).await?;
    }
    for (case, events) in state.store.escalation_candidates(now, BATCH).await? {
        let Some(category) = state.category(&case.category_code).await? else { continue };
        let parent = match state.unit(case.owner_unit_id).await?.and_then(|o| o.parent_id) {
            Some(id) => state.unit(id).await?.map(|u| (u.id, u.path)),
            None => None,
        };
        let clocks = ClockContext { category: &category, calendar: &calendar, stage_limits: &stage_limits, now };
        let Some(outcome) = auto_escalate(&case, &events, parent, &clocks) else { continue };
        write(state, &outcome, case.version).await?;
    }
    Ok(())
}

/// Writes what the sweeper decided, unless the case changed meanwhile.
async fn write(state: &AppState, outcome: &gridline_domain::cases::Outcome, version: i64) -> Result<(), RepoError> {
    match state.store.update_case(outcome, version, &WriteRecord::default()).await {
        // Another sweeper, or someone's step, changed the case first; the next sweep looks again.
        Ok(_) | Err(RepoError::Conflict) => Ok(()),
        Err(e) => Err(e),
    }
}
