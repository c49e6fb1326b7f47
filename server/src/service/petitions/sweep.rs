//! The expiry of petitions: one whose link lapsed before the address was confirmed ends `failed`,
//! with the reason in its history and an audit row, so the queues show only petitions that can
//! still move (reads and links already treat a lapsed one as over without it).

use serde_json::json;

use super::{history_row, transition};
use crate::db::audit_events;
use crate::db::petitions as rows;
use crate::error::AppResult;
use crate::model::petitions::PetitionStatus;
use crate::service::mutation::Effect;
use crate::service::{Actor, Context, Deps, audit, write};

/// Ends up to 500 lapsed petitions; returns how many.
pub async fn run_once(deps: &Deps) -> AppResult<usize> {
    let now = deps.clock.now();
    write(&deps.db, Effect::Commit, move |tx| {
        let sweep = Context {
            actor: Actor::System("expiry sweep"),
            request_id: String::new(),
            operation_id: "expire_petition",
        };
        let mut ended = 0;
        for mut row in rows::lapsed(tx, now.naive_utc(), 500)? {
            // Another writer may have moved it meanwhile: then it is not this sweep's.
            if transition(tx, &mut row, PetitionStatus::Failed, now).is_err() {
                continue;
            }
            let detail = json!({"reason": "the link expired before the address was confirmed"});
            let event = history_row(&sweep, now, &row.id, "failed", Some(detail.clone()));
            rows::add_history(tx, &[event])?;
            let entry = audit::success("petition", &row.id, Some(detail));
            let audited = audit::actor_row(&sweep.actor, "expire_petition", None, now, entry);
            audit_events::insert(tx, &[audited])?;
            ended += 1;
        }
        Ok(ended)
    })
    .await
}
