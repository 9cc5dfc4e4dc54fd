//! When the write-ahead log is copied back into the database file (a WAL checkpoint), and by whom.
//!
//! SQLite's default is an automatic checkpoint inside the commit that takes the log past 1,000
//! pages: on a store with years of history that is one save in every few dozen, and that save
//! then also copies the log into the database file and syncs it: the slowest saves a person
//! feels. Here a save only appends to the log and syncs it (`synchronous=FULL`: durable at
//! commit, as before); the app copies the log back from a background thread on its own
//! connection ([`Store::checkpoint`]), off the UI's path. The connection's automatic checkpoint
//! stays as a safety net at a larger size, for processes that run no background checkpoint (a
//! long `together sync --watch`); short CLI commands checkpoint when they close, as SQLite
//! always does for the last connection.

use rusqlite::Connection;

use crate::error::Result;
use crate::store::Store;

/// The log size (in pages, 4 KiB each by default) at which a commit checkpoints by itself when no
/// background checkpoint kept the log smaller: 32 MiB, so the safety net never fires on a device
/// whose app checkpoints every few seconds, yet the log stays bounded without one.
pub(crate) const AUTO_CHECKPOINT_PAGES: i64 = 8_192;

/// How often the app's background thread checkpoints: frequent enough that the log stays a few
/// hundred pages at a person's pace, rare enough to cost nothing while nothing changes.
pub const BACKGROUND_CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// The log size (in pages, 16 MiB) above which the background checkpoint also makes the log start over
/// (`RESTART`, after the `PASSIVE` copy did the long work): SQLite only rewinds the log when a
/// write begins on a fully copied log, which saves in quick succession (a burst of merges, an
/// import) never leave it; the log then only grows, and every save's sync extends the file.
pub(crate) const RESTART_ABOVE_PAGES: i64 = 4_096;

/// What a checkpoint found and did, in log frames (pages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    /// Frames in the log when it ran.
    pub log_frames: i64,
    /// Frames copied into the database file so far (all of them unless a reader held some back).
    pub checkpointed_frames: i64,
}

/// Sets the connection's automatic checkpoint to the safety net's size.
pub(crate) fn configure(conn: &Connection) -> Result<()> {
    conn.pragma_update(None, "wal_autocheckpoint", AUTO_CHECKPOINT_PAGES)?;
    Ok(())
}

impl Store {
    /// Copies the write-ahead log back into the database file without waiting for anyone
    /// (`PRAGMA wal_checkpoint(PASSIVE)`): writers on other connections carry on meanwhile; a log
    /// longer than [`RESTART_ABOVE_PAGES`] is then made to start over (`RESTART`, which waits
    /// for the writer of the moment and holds the next one back while it copies the rest). Meant
    /// for a background thread with its own connection (see the module docs); a no-op outside
    /// WAL mode and on a read-only store.
    pub fn checkpoint(&self) -> Result<Checkpoint> {
        if self.read_only {
            return Ok(Checkpoint {
                log_frames: 0,
                checkpointed_frames: 0,
            });
        }
        let run = |mode: &str| -> Result<(i64, i64)> {
            let (_busy, log, copied): (i64, i64, i64) =
                self.conn
                    .query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |row| {
                        Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                    })?;
            Ok((log, copied))
        };
        let (log_frames, checkpointed_frames) = run("PASSIVE")?;
        if log_frames > RESTART_ABOVE_PAGES {
            // What is left to copy is what was written during the passive copy: little, so the
            // writers this waits for (and holds back) wait briefly. Busy is not an error here:
            // the next round tries again.
            run("RESTART")?;
        }
        // Outside WAL mode SQLite answers -1 for both counts.
        Ok(Checkpoint {
            log_frames: log_frames.max(0),
            checkpointed_frames: checkpointed_frames.max(0),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_pages(conn: &Connection) -> i64 {
        conn.query_row("PRAGMA wal_autocheckpoint", [], |row| row.get(0))
            .unwrap()
    }

    #[test]
    fn saves_leave_the_log_to_the_background_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.sqlite3");
        let ui = Store::open(&path).unwrap();
        assert_eq!(log_pages(ui.conn()), AUTO_CHECKPOINT_PAGES);
        ui.conn()
            .execute_batch(
                "CREATE TABLE scratch (x BLOB);
                 INSERT INTO scratch VALUES (zeroblob(40000));",
            )
            .unwrap();
        let wal = path.with_extension("sqlite3-wal");
        let logged = std::fs::metadata(&wal).unwrap().len();
        assert!(
            logged > 40_000,
            "the commit stayed in the log: {logged} bytes"
        );

        // Another connection (the app's background thread) copies it back.
        let background = Store::open(&path).unwrap();
        let done = background.checkpoint().unwrap();
        assert!(done.log_frames >= 10, "{done:?}");
        assert_eq!(done.checkpointed_frames, done.log_frames, "{done:?}");
        let copied: i64 = background
            .conn()
            .query_row("SELECT length(x) FROM scratch", [], |row| row.get(0))
            .unwrap();
        assert_eq!(copied, 40_000);
    }
}
