//! Removes what nobody will use: files never attached to a case, and uploads
//! abandoned half-way, once `GRIDLINE_MEDIA_ORPHAN_HOURS` have passed. It
//! runs with the sweeper on every node; each file is removed by the node
//! whose conditional delete of its row succeeded, so removal happens once.
//!
//! A file is content-addressed: the same bytes may be sent again while they
//! are being removed. So the bytes are moved aside first and purged only if
//! no row came back meanwhile; an upload that wrote its row after that finds
//! its bytes missing and writes them again (`routes::media::keep_file`).

use chrono::Duration;

use crate::state::AppState;

/// Files and uploads looked at per sweep.
const BATCH: u32 = 200;

/// One pass: every orphan and abandoned upload older than the setting.
pub(crate) async fn tidy(state: &AppState) -> anyhow::Result<()> {
    let before = state.now() - Duration::hours(i64::from(state.media.orphan_hours));
    for id in state.store.orphans(before, BATCH).await? {
        if !state.store.forget_orphan(&id, before).await? {
            // Attached or sent again since it was listed, or another node took it.
            continue;
        }
        state.media.store.set_aside(&id).await?;
        if state.store.media(&id).await?.is_some() {
            state.media.store.restore(&id).await?;
        } else {
            state.media.store.purge(&id).await?;
        }
        tracing::info!(media = %id, "an evidence file never attached was removed");
    }
    for upload in state.store.stale_uploads(before, BATCH).await? {
        state.media.store.drop_parts(upload).await?;
        state.store.drop_upload(upload).await?;
    }
    Ok(())
}
