//! Choosing the server_id `cdc tail` registers with: never one a real replica uses, so the
//! tool cannot kick a production pipeline off (the server drops the older of two readers
//! with one id).

use std::collections::BTreeSet;

pub use crate::connection::replicas::ids_in_use;

/// Default ids come from this range, far above the small ids people give servers.
const RANGE_START: u32 = 0x6364_0000; // "cd" in the high bytes
const RANGE_LEN: u32 = 0x0001_0000;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum ServerIdError {
    #[error("server_id {id} is already used by {who}: pick another with --server-id (playbook duplicate-server-id)")]
    InUse { id: u32, who: String },
    #[error("server_id 0 cannot stream the binlog: pick another with --server-id")]
    Zero,
}

/// The id to use: the requested one if free, else the first free one of the default range,
/// varied by process id so two `cdc tail` runs do not collide either.
pub(crate) fn pick(
    requested: Option<u32>,
    used: &[(u32, String)],
    pid: u32,
) -> Result<u32, ServerIdError> {
    if let Some(id) = requested {
        if id == 0 {
            return Err(ServerIdError::Zero);
        }
        if let Some((_, who)) = used.iter().find(|(u, _)| *u == id) {
            return Err(ServerIdError::InUse {
                id,
                who: who.clone(),
            });
        }
        return Ok(id);
    }
    let taken: BTreeSet<u32> = used.iter().map(|(id, _)| *id).collect();
    let offset = pid % RANGE_LEN;
    (0..RANGE_LEN)
        .map(|i| RANGE_START + (offset + i) % RANGE_LEN)
        .find(|id| !taken.contains(id))
        .ok_or(ServerIdError::InUse {
            id: RANGE_START,
            who: "every id of the default range".into(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn used() -> Vec<(u32, String)> {
        vec![
            (1, "the server itself".into()),
            (5400, "a replica at 10.0.0.7:3306".into()),
            (RANGE_START + 7, "another cdc tail".into()),
        ]
    }

    #[test]
    fn a_requested_id_in_use_is_refused_with_who_holds_it() {
        let e = pick(Some(5400), &used(), 1).unwrap_err();
        assert_eq!(
            e.to_string(),
            "server_id 5400 is already used by a replica at 10.0.0.7:3306: pick another with --server-id (playbook duplicate-server-id)"
        );
        assert_eq!(
            pick(Some(1), &used(), 1).unwrap_err(),
            ServerIdError::InUse {
                id: 1,
                who: "the server itself".into()
            }
        );
        assert_eq!(pick(Some(0), &used(), 1), Err(ServerIdError::Zero));
        assert_eq!(pick(Some(77), &used(), 1), Ok(77));
    }

    #[test]
    fn the_default_skips_ids_in_use() {
        assert_eq!(pick(None, &used(), 3), Ok(RANGE_START + 3));
        assert_eq!(pick(None, &used(), 7), Ok(RANGE_START + 8));
    }
}
