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
//!
//! The background thread copies the log only once it is long ([`COPY_ABOVE_PAGES`]): a log
//! copied back in full starts over at the next commit, and a commit that starts the log syncs its
//! new header before syncing itself (SQLite does, so that a crash cannot mix two generations of
//! the log): copying after every save would give every save two syncs where one does. A long log
//! costs nothing to the saves that append to it; readers find its pages through the log's index.
//! Once it copied a long log back and made it start over, the background thread itself makes the
//! first commit on the new log (one small settings row), so that header sync is paid on its
//! thread, not in the person's next save.

use rusqlite::Connection;
use together_core::document::timestamp_text;

use crate::error::Result;
use crate::store::Store;
use crate::store::settings::{SettingKey, put_setting};

/// The log size (in pages, 4 KiB each by default) at which a commit checkpoints by itself when no
/// background checkpoint kept the log smaller: 32 MiB, so the safety net never fires on a device
/// whose app copies the log back from [`COPY_ABOVE_PAGES`] on, yet the log stays bounded without one.
pub(crate) const AUTO_CHECKPOINT_PAGES: i64 = 8_192;

/// How often the app's background thread looks at the log (and copies it back once it is long):
/// soon after the log passes [`COPY_ABOVE_PAGES`], and a look costs microseconds.
pub const BACKGROUND_CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// The log size (in pages, 16 MiB) above which the background checkpoint also makes the log start over
/// (`RESTART`, after the `PASSIVE` copy did the long work): SQLite only rewinds the log when a
/// write begins on a fully copied log, which saves in quick succession (a burst of merges, an
/// import) never leave it; the log then only grows, and every save's sync extends the file.
pub(crate) const RESTART_ABOVE_PAGES: i64 = 4_096;

/// The log size (in pages, 16 MiB) from which the background checkpoint copies the log back:
/// at ≈ 20–30 pages per check-in save, one save in about 150 starts the log over (its commit
/// syncs twice); below it, the background checkpoint only looks (`NOOP`).
pub(crate) const COPY_ABOVE_PAGES: i64 = 4_096;

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
    /// Once the write-ahead log holds [`COPY_ABOVE_PAGES`] (a shorter one is only measured, see
    /// the module docs), copies it back into the database file without waiting for anyone
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
        let (log_frames, checkpointed_frames) = match run("NOOP")? {
            (log, copied) if log < COPY_ABOVE_PAGES => (log, copied),
            _ => run("PASSIVE")?,
        };
        if log_frames > RESTART_ABOVE_PAGES {
            // What is left to copy is what was written during the passive copy: little, so the
            // writers this waits for (and holds back) wait briefly. Busy is not an error here:
            // the next round tries again.
            let (log, copied) = run("RESTART")?;
            if log >= 0 && copied == log {
                self.start_log_over()?;
            }
        }
        // Outside WAL mode SQLite answers -1 for both counts.
        Ok(Checkpoint {
            log_frames: log_frames.max(0),
            checkpointed_frames: checkpointed_frames.max(0),
        })
    }

    /// The first commit on a fully copied log starts it over, and syncs the new log's header
    /// before its own sync: this thread makes that commit (one small row: when the log last
    /// started over), so the person's next save appends to the new log and syncs once.
    fn start_log_over(&self) -> Result<()> {
        let now = jiff::Timestamp::now();
        put_setting(
            &self.conn,
            SettingKey::LogStartedOverAt,
            &timestamp_text(now),
            now,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_pages(conn: &Connection) -> i64 {
        conn.query_row("PRAGMA wal_autocheckpoint", [], |row| row.get(0))
            .unwrap()
    }

    /// The log's frames and how many of them are copied, without copying any (`NOOP`).
    fn peek(conn: &Connection) -> (i64, i64) {
        conn.query_row("PRAGMA wal_checkpoint(NOOP)", [], |row| {
            Ok((row.get(1)?, row.get(2)?))
        })
        .unwrap()
    }

    #[test]
    fn saves_leave_the_log_to_the_background_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.sqlite3");
        let ui = Store::open(&path).unwrap();
        assert_eq!(log_pages(ui.conn()), AUTO_CHECKPOINT_PAGES);
        // More than the log may hold before the background thread copies it back.
        let big = (COPY_ABOVE_PAGES + 16) * 4096;
        ui.conn()
            .execute_batch(&format!(
                "CREATE TABLE scratch (x BLOB);
                 INSERT INTO scratch VALUES (zeroblob({big}));"
            ))
            .unwrap();
        let wal = path.with_extension("sqlite3-wal");
        let logged = std::fs::metadata(&wal).unwrap().len();
        assert!(
            logged > u64::try_from(big).unwrap(),
            "the commit stayed in the log: {logged} bytes"
        );

        // Another connection (the app's background thread) copies it back.
        let background = Store::open(&path).unwrap();
        let done = background.checkpoint().unwrap();
        assert!(done.log_frames > COPY_ABOVE_PAGES, "{done:?}");
        assert_eq!(done.checkpointed_frames, done.log_frames, "{done:?}");
        let copied: i64 = background
            .conn()
            .query_row("SELECT length(x) FROM scratch", [], |row| row.get(0))
            .unwrap();
        assert_eq!(copied, big);
    }

    #[test]
    fn after_a_long_log_is_copied_back_the_next_save_appends_to_a_log_already_started_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.sqlite3");
        let ui = Store::open(&path).unwrap();
        let big = (RESTART_ABOVE_PAGES + 16) * 4096;
        ui.conn()
            .execute_batch(&format!(
                "CREATE TABLE scratch (x BLOB);
                 INSERT INTO scratch VALUES (zeroblob({big}));"
            ))
            .unwrap();
        let background = Store::open(&path).unwrap();
        let done = background.checkpoint().unwrap();
        assert!(done.log_frames > RESTART_ABOVE_PAGES, "{done:?}");
        // The background connection's own small commit started the log over.
        let (started, _) = peek(ui.conn());
        assert!(
            (1..16).contains(&started),
            "the log was not started over by the background thread: {started} frames"
        );
        // So the person's next save appends to it (one sync) instead of starting it (two).
        ui.conn()
            .execute_batch("INSERT INTO scratch VALUES (zeroblob(10));")
            .unwrap();
        let (after, _) = peek(ui.conn());
        assert!(after > started, "{after} frames after {started}");
    }

    #[test]
    fn a_short_log_is_left_to_grow_so_the_next_save_appends_to_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.sqlite3");
        let ui = Store::open(&path).unwrap();
        ui.conn()
            .execute_batch("CREATE TABLE scratch (x INTEGER); INSERT INTO scratch VALUES (1);")
            .unwrap();
        let (before, _) = peek(ui.conn());
        assert!(before > 0);

        // A log this short is not copied: copying it would make the next commit start the log
        // over, which syncs the log's new header before the commit's own sync (two syncs).
        let background = Store::open(&path).unwrap();
        let done = background.checkpoint().unwrap();
        assert_eq!(done.log_frames, before, "{done:?}");
        assert!(done.checkpointed_frames < done.log_frames, "{done:?}");

        // So the next save appends to the log instead of starting it over.
        ui.conn()
            .execute_batch("INSERT INTO scratch VALUES (2);")
            .unwrap();
        let (after, copied) = peek(ui.conn());
        assert!(
            after > before,
            "the log started over: {after} frames after {before}"
        );
        assert!(copied < after);
    }
}
