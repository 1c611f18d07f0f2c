//! `gridline admin seed-cases`: fills the demo district with realistic cases
//! (every state, category, grid and reporter, reported over two years, with
//! their whole timelines) by bulk insert, for measuring at district scale.

mod cast;
mod story;
mod words;

use std::{collections::HashMap, time::Instant};

use chrono::{DateTime, Datelike, Duration, Utc};
use futures::stream::{FuturesUnordered, StreamExt};
use gridline_domain::{org::OrgKind, ports::Store};

use crate::{auth::Passwords, reference_data::ReferenceData};

/// Cases per transaction.
const BATCH: usize = 1_000;
/// How far back the seeded cases go.
const SPAN_DAYS: i64 = 730;

/// What `seed-cases` wrote.
pub(crate) struct Seeded {
    pub cases: u64,
    pub events: u64,
    pub skipped: u64,
    pub seconds: f64,
}

/// Seeds `count` cases reported over the two years before `now`, oldest first.
pub(crate) async fn seed_cases(
    store: &dyn Store,
    passwords: &Passwords,
    password: &str,
    count: u64,
    seed: u64,
    now: DateTime<Utc>,
    writers: usize,
) -> anyhow::Result<Seeded> {
    let started = Instant::now();
    let reference = ReferenceData::load(store).await?;
    let units: Vec<_> = store.units(&Default::default()).await?;
    let mut grids: Vec<_> = units.iter().filter(|u| u.kind == OrgKind::Grid && u.boundary.is_some()).cloned().collect();
    grids.sort_by(|a, b| a.code.cmp(&b.code));
    anyhow::ensure!(!grids.is_empty(), "no grids to fill: seed the demo district first (gridline serve --demo)");
    let departments = store.departments(None).await?;
    let cast = cast::Cast::assemble(store, &units, &departments, passwords, password).await?;
    let mut categories: Vec<_> = store.categories().await?.into_iter().filter(|c| c.active).collect();
    categories.sort_by(|a, b| a.code.cmp(&b.code));
    // Busy grids and quiet ones: the first grid gets six times the last one's reports.
    let grid_weights = (0..grids.len()).map(|i| 6.0 - 5.0 * i as f64 / grids.len().max(2) as f64).collect();
    let world = story::World {
        categories,
        grids,
        grid_weights,
        units: units.into_iter().map(|u| (u.id, u)).collect::<HashMap<_, _>>(),
        departments,
        calendar: reference.calendar(),
        stage_limits: reference.stage_limits(),
        cast,
        now,
    };
    let mut dice = words::Dice::new(seed);
    let first = now - Duration::days(SPAN_DAYS);
    let step = Duration::days(SPAN_DAYS).num_seconds() as f64 / count.max(1) as f64;
    let mut seeded = Seeded { cases: 0, events: 0, skipped: 0, seconds: 0.0 };
    let mut writing = FuturesUnordered::new();
    let mut i = 0u64;
    while i < count {
        let n = BATCH.min((count - i) as usize);
        let numbers = store.take_case_numbers(u32::try_from(n).unwrap_or(u32::MAX)).await?;
        let mut batch = Vec::with_capacity(n);
        for (k, number) in numbers.into_iter().enumerate() {
            let offset = (i + k as u64) as f64 * step + dice.between(0.0, step);
            let created_at = first + Duration::seconds(offset as i64);
            let number = format!("{}-{number:06}", created_at.year());
            match story::live(&world, &mut dice, created_at, number) {
                Some(history) => batch.push(history),
                None => seeded.skipped += 1,
            }
        }
        seeded.cases += batch.len() as u64;
        seeded.events += batch.iter().map(|h| h.events.len() as u64).sum::<u64>();
        writing.push(async move { store.insert_histories(&batch).await });
        if writing.len() >= writers.max(1) {
            writing.next().await.transpose()?;
        }
        i += n as u64;
        if i % 100_000 < BATCH as u64 {
            tracing::info!(cases = seeded.cases, events = seeded.events, "seeding");
        }
    }
    while let Some(written) = writing.next().await {
        written?;
    }
    seeded.seconds = started.elapsed().as_secs_f64();
    Ok(seeded)
}
