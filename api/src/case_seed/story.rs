//! One seeded case's life, lived through the real workflow: every step is the
//! domain's own `report` and `apply`, taken by someone allowed to take it, at
//! a plausible moment, so that clocks, stages, visibility and the timeline are
//! exactly what the server would have written. Time never passes `now`.

use chrono::{DateTime, Duration, Utc};
use gridline_domain::{
    calendar::WorkCalendar,
    cases::{
        self, alarm_events, nearest_department, Alarm, Case, CaseEvent, CaseStatus, Category, Command, NewCase,
        Priority, ReportContext, Resident, Source, StageLimits, WorkflowContext,
    },
    geo::Position,
    identity::Principal,
    org::{Department, OrgUnit},
    ports::History,
};
use uuid::Uuid;

use super::{
    cast::Cast,
    words::{self, Dice},
};

/// The district and everyone in it, as the seed sees them.
pub(super) struct World {
    pub categories: Vec<Category>,
    pub grids: Vec<OrgUnit>,
    /// How many reports each grid gets, relatively: grids differ.
    pub grid_weights: Vec<f64>,
    pub units: std::collections::HashMap<Uuid, OrgUnit>,
    pub departments: Vec<Department>,
    pub calendar: std::sync::Arc<WorkCalendar>,
    pub stage_limits: StageLimits,
    pub cast: Cast,
    pub now: DateTime<Utc>,
}

fn hours(h: f64) -> Duration {
    Duration::seconds((h * 3600.0) as i64)
}

/// Where a case stops: a final state, or a state it still waits in today.
fn fate(dice: &mut Dice, age_days: i64) -> CaseStatus {
    use CaseStatus::*;
    let states = [Closed, Rejected, Cancelled, Resolved, InProgress, Dispatched, Accepted, Reported];
    let weights: [f64; 8] = match age_days {
        d if d > 30 => [0.82, 0.08, 0.04, 0.01, 0.025, 0.015, 0.005, 0.005],
        d if d > 7 => [0.55, 0.07, 0.03, 0.10, 0.12, 0.08, 0.03, 0.02],
        _ => [0.20, 0.05, 0.02, 0.15, 0.20, 0.15, 0.10, 0.13],
    };
    states[dice.weighted(&weights)]
}

/// A point inside the grid (its bounding box, drawn until inside).
fn point_in(dice: &mut Dice, grid: &OrgUnit) -> Position {
    let Some(boundary) = &grid.boundary else { return Position { lon: 116.4, lat: 39.9 } };
    let (min_lon, min_lat, max_lon, max_lat) = boundary.bbox();
    for _ in 0..20 {
        let p = Position { lon: dice.between(min_lon, max_lon), lat: dice.between(min_lat, max_lat) };
        if boundary.contains(p) {
            return p;
        }
    }
    Position { lon: (min_lon + max_lon) / 2.0, lat: (min_lat + max_lat) / 2.0 }
}

/// The timeline being written, with the alarms the sweeper would have added.
struct Life<'w> {
    world: &'w World,
    case: Case,
    events: Vec<CaseEvent>,
    category: &'w Category,
    route: Option<Uuid>,
    /// The deadline each alarm was last written for.
    warned_for: Option<DateTime<Utc>>,
    overdue_for: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
}

impl Life<'_> {
    /// The warning and overdue events the running clock owed before `t`.
    fn alarms_until(&mut self, t: DateTime<Utc>) {
        let c = &self.case;
        if c.suspended_at.is_some() || c.status.is_final() {
            return;
        }
        let (Some(due), Some(warn)) = (c.due_at, c.warn_at) else { return };
        let warning = warn <= t && self.warned_for != Some(due);
        let overdue = due <= t && self.overdue_for != Some(due);
        if !(warning || overdue) {
            return;
        }
        self.events.extend(alarm_events(&Alarm { case: c.clone(), warning, overdue }));
        if warning {
            self.warned_for = Some(due);
        }
        if overdue {
            self.overdue_for = Some(due);
        }
    }

    /// Takes a step `after` the last one, unless that moment is still to come.
    fn step(&mut self, who: &Principal, command: Command, after: Duration) -> bool {
        let t = self.at + after;
        if t > self.world.now {
            return false;
        }
        self.alarms_until(t);
        let ctx = WorkflowContext {
            principal: who,
            now: t,
            category: self.category,
            route: self.route,
            calendar: &self.world.calendar,
            stage_limits: &self.world.stage_limits,
        };
        match cases::apply(&self.case, command, &ctx) {
            Ok(outcome) => {
                self.case = outcome.case;
                self.events.extend(outcome.events);
                self.at = t;
                true
            }
            Err(_) => false,
        }
    }

    /// What is left of the running deadline, in hours (at least a minute).
    fn budget_hours(&self) -> f64 {
        self.case.due_at.map_or(24.0, |due| ((due - self.at).num_minutes().max(1)) as f64 / 60.0)
    }
}

/// A case reported at `created_at` and lived until it reaches its fate or today.
pub(super) fn live(world: &World, dice: &mut Dice, created_at: DateTime<Utc>, number: String) -> Option<History> {
    let grid = &world.grids[dice.weighted(&world.grid_weights)];
    let owner = world.units.get(&grid.parent_id?)?;
    let category = dice.pick(&world.categories);
    let workers = world.cast.workers.get(&grid.id)?;
    let dispatcher = world.cast.dispatchers.get(&owner.id)?;
    let as_worker = dice.chance(0.85);
    let reporter = if as_worker { dice.pick(workers) } else { dispatcher };
    let address = words::address(dice);
    let new = NewCase {
        id: uuid::Builder::from_random_bytes(dice.bytes16()).into_uuid(),
        category_code: category.code.clone(),
        priority: if dice.chance(0.1) { Priority::Urgent } else { Priority::Normal },
        description: words::description(dice, category, &address),
        location: point_in(dice, grid),
        address,
        grid_id: Some(grid.id),
        source: if as_worker { Source::GridWorker } else { Source::Hotline },
        resident: (!as_worker).then(|| {
            let (name, phone) = words::resident(dice);
            Resident { name, phone: Some(phone), email: None }
        }),
        resolved_on_site: (as_worker && dice.chance(0.06)).then(|| "已现场处置 settled on the spot".to_owned()),
        intake: Default::default(),
    };
    let lineage: Vec<Uuid> = grid.path.split('/').filter_map(|s| Uuid::parse_str(s).ok()).collect();
    let kin: Vec<Department> =
        world.departments.iter().filter(|d| d.kind == category.department_kind).cloned().collect();
    let route = nearest_department(&lineage, category.department_kind, &kin);
    let ctx = ReportContext {
        principal: reporter,
        now: created_at,
        category,
        grid,
        owner,
        route,
        number,
        calendar: &world.calendar,
        stage_limits: &world.stage_limits,
    };
    let reported = cases::report(new, &ctx, "/grid_id").ok()?;
    let mut life = Life {
        world,
        case: reported.case,
        events: reported.events,
        category,
        route,
        warned_for: None,
        overdue_for: None,
        at: created_at,
    };
    let serving: Vec<&Department> =
        world.departments.iter().filter(|d| cases::department_serves(d, &grid.path)).collect();
    let lead = route.or_else(|| serving.first().map(|d| d.id))?;
    let fate = fate(dice, (world.now - created_at).num_days());
    let (rework, returned, suspend, urge) =
        (dice.chance(0.08), dice.chance(0.03), dice.chance(0.03), dice.chance(0.06));
    let mut was_returned = false;
    for _ in 0..16 {
        let status = life.case.status;
        if status == fate || status.is_final() {
            break;
        }
        let went = match status {
            CaseStatus::Reported if fate == CaseStatus::Rejected => {
                let reason = "非本辖区或重复上报 outside the area or reported twice".to_owned();
                life.step(dispatcher, Command::Reject { reason, duplicate_of: None }, hours(dice.between(0.1, 3.0)))
            }
            CaseStatus::Reported if fate == CaseStatus::Cancelled => {
                let reason = "问题已自行消除 gone by itself".to_owned();
                life.step(reporter, Command::Cancel { reason }, hours(dice.between(0.05, 1.0)))
            }
            CaseStatus::Reported => {
                let late = dice.chance(0.2);
                life.step(
                    dispatcher,
                    Command::Accept,
                    hours(if late { dice.between(1.0, 8.0) } else { dice.between(0.05, 0.9) }),
                )
            }
            CaseStatus::Accepted => {
                let assisting =
                    serving.iter().map(|d| d.id).filter(|d| *d != lead && dice.chance(0.05)).take(1).collect();
                let command = Command::Dispatch { lead, assisting, handler: None, note: None };
                life.step(dispatcher, command, hours(dice.between(0.1, 2.5)))
            }
            CaseStatus::Dispatched if returned && !was_returned => {
                was_returned = true;
                let staff = world.cast.staff.get(&life.case.lead_department_id?)?;
                let reason = "不属于本部门职责 not ours to handle".to_owned();
                life.step(staff, Command::Return { reason }, hours(dice.between(0.5, 4.0)))
            }
            CaseStatus::Dispatched => {
                let staff = world.cast.staff.get(&life.case.lead_department_id?)?;
                life.step(staff, Command::Start, hours(dice.between(0.2, 4.0)))
            }
            CaseStatus::InProgress => {
                let staff = world.cast.staff.get(&life.case.lead_department_id?)?;
                if suspend
                    && life.case.suspended_at.is_none()
                    && !life.events.iter().any(|e| e.event_type == cases::EventType::Suspended)
                {
                    let reason = "需等待施工条件 waiting for works to be possible".to_owned();
                    life.step(dispatcher, Command::Suspend { reason, until: None }, hours(dice.between(1.0, 8.0)))
                } else if life.case.suspended_at.is_some() {
                    life.step(dispatcher, Command::Resume, hours(dice.between(24.0, 240.0)))
                } else {
                    if urge && !life.events.iter().any(|e| e.event_type == cases::EventType::Urged) {
                        let note = "请加快处置进度 please speed up".to_owned();
                        life.step(&world.cast.leader, Command::Urge { note }, hours(dice.between(0.5, 6.0)));
                    }
                    let share = if dice.chance(0.15) { dice.between(1.0, 2.0) } else { dice.between(0.1, 0.95) };
                    let note = "已处置完毕，现场已恢复 handled, the place is back to normal".to_owned();
                    let after = hours(life.budget_hours() * share);
                    life.step(staff, Command::Resolve { note }, after)
                }
            }
            CaseStatus::Resolved => {
                let resolver = life.case.resolved_by;
                let verifier = workers.iter().find(|w| Some(w.actor_id()) != resolver).unwrap_or(dispatcher);
                let passed = !(rework && life.case.rework_count == 0);
                let note = Some(if passed {
                    "核查通过 verified".to_owned()
                } else {
                    "现场未整改到位 not done".to_owned()
                });
                let late = dice.chance(0.15);
                let after = hours(if late { dice.between(6.0, 30.0) } else { dice.between(0.5, 5.0) });
                life.step(verifier, Command::Verify { passed, note }, after)
            }
            _ => false,
        };
        if !went {
            break;
        }
        if dice.chance(0.08) && !life.case.status.is_final() {
            let text = "已联系相关人员，正在跟进 in touch, following up".to_owned();
            life.step(dispatcher, Command::Comment { text, internal: dice.chance(0.3) }, hours(dice.between(0.1, 2.0)));
        }
    }
    life.alarms_until(world.now);
    let due = life.case.due_at;
    let open = !life.case.status.is_final();
    Some(History {
        warned: open && due.is_some() && life.warned_for == due,
        overdue_noted: open && due.is_some() && life.overdue_for == due,
        case: life.case,
        events: life.events,
    })
}
