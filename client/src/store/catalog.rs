//! Copies `together-core`'s built-in challenges and achievements into their tables, once per
//! catalogue version (so a newer app refreshes the content and an unchanged one writes nothing).

use jiff::Timestamp;
use rusqlite::{Connection, params};
use together_core::catalog::{ACHIEVEMENTS, CATALOG_VERSION, CHALLENGES};

use super::settings::{SettingKey, get_setting, put_setting};
use crate::error::Result;

/// Seeds or refreshes the catalogue when its version changed.
pub(crate) fn seed(conn: &mut Connection, now: Timestamp) -> Result<()> {
    if get_setting(conn, SettingKey::CatalogVersion)?.as_deref()
        == Some(&CATALOG_VERSION.to_string())
    {
        return Ok(());
    }
    let tx = conn.transaction()?;
    for c in CHALLENGES {
        tx.execute(
            "INSERT INTO challenges (id, challenge_name, challenge_type, difficulty_level, category,
                                     instructions, is_template)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1)
             ON CONFLICT (id) DO UPDATE SET
                challenge_name = excluded.challenge_name, challenge_type = excluded.challenge_type,
                difficulty_level = excluded.difficulty_level, category = excluded.category,
                instructions = excluded.instructions",
            params![c.id(), c.name, c.challenge_type, c.difficulty, c.category, c.instructions],
        )?;
    }
    for a in ACHIEVEMENTS {
        tx.execute(
            "INSERT INTO achievements (id, achievement_name, achievement_type, category, point_value, is_active)
             VALUES (?1, ?2, ?3, ?4, ?5, 1)
             ON CONFLICT (id) DO UPDATE SET
                achievement_name = excluded.achievement_name,
                achievement_type = excluded.achievement_type, category = excluded.category,
                point_value = excluded.point_value, is_active = 1",
            params![a.id(), a.name, a.achievement_type, a.category, a.points],
        )?;
    }
    put_setting(
        &tx,
        SettingKey::CatalogVersion,
        &CATALOG_VERSION.to_string(),
        now,
    )?;
    tx.commit()?;
    Ok(())
}
