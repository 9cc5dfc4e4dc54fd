//! Benchmark: a couple five years in, on real SQLite files.
//!
//! ```text
//! cargo bench -p together-client --bench five_years
//! ```
//!
//! Generates the history through the real write path (Alice's and Bob's devices, merged through
//! exported documents): about 4,000 check-ins, 600 activities, 50 goals and 2,000 talk-log entries.
//! Then measures, and prints:
//! - check-in save latency (p50, p99, max) on top of that history, at the app's pace (the goal) and
//!   in a burst (back to back), beside **the floor** measured in
//!   the same run, interleaved save by save so both see the same machine: a bare Automerge change
//!   (a check-in-sized map) plus one SQLite row committed with `synchronous=FULL` in a WAL file on
//!   the same disk. It prints save/floor ratios (target: p99 ratio ≤ 2);
//! - opening the store in a fresh process until Today's data is ready (target: ≤ 150 ms), and that
//!   process's peak resident memory;
//! - the size of each document and of the database.
//!
//! A bench binary rather than criterion: the targets are percentiles and a cold-process figure,
//! which this measures directly.
//!
//! For profiling: `FIVE_YEARS_KEEP=DIR` keeps the generated couple in `DIR`, and
//! `five_years --saves-only DIR` then runs only the 500 saves on a copy of it (for `perf record`).

#![allow(clippy::unwrap_used, clippy::print_stdout, missing_docs)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use jiff::civil::{Date, date};
use jiff::{Timestamp, ToSpan};
use together_client::Store;
use together_core::document::{
    ActivityInput, CheckinInput, GoalInput, LogInput, ProfileInput, RelationshipInput,
};
use together_core::domain::{
    ActivityType, CommunicationType, GoalType, PrivacyLevel, Rating, RelationshipType, Score,
};

/// About five and a half years of days: with both partners checking in on almost every day this
/// makes the ≈ 4,000 check-ins of the issue's five-year couple.
const DAYS: i64 = 2000;
const START: Date = date(2021, 1, 1);

fn now() -> Timestamp {
    "2026-01-01T08:00:00Z".parse().unwrap()
}

fn profile(name: &str, tz: &str) -> ProfileInput {
    ProfileInput {
        name: name.into(),
        nickname: None,
        photo_url: None,
        timezone: tz.into(),
        love_language_primary: None,
        love_language_secondary: None,
    }
}

fn checkin(day: Date, seed: i64) -> CheckinInput {
    let score = |k: i64| Score::new("score", 1 + (seed * k + day.day() as i64) % 10).unwrap();
    CheckinInput {
        date: day,
        connection: score(3),
        mood: score(5),
        satisfaction: score(7),
        note: Some(format!(
            "grateful for day {seed}: the little things, coffee, a long walk"
        )),
    }
}

fn at(day: Date) -> Timestamp {
    day.at(19, 0, 0, 0)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .unwrap()
        .timestamp()
}

/// Builds the five-year couple in `dir/alice` (and `dir/bob`), returns Alice's database path.
fn generate(dir: &Path) -> std::path::PathBuf {
    let alice_db = dir.join("alice/together.sqlite3");
    let mut alice = Store::open(&alice_db).unwrap();
    let mut bob = Store::open(&dir.join("bob/together.sqlite3")).unwrap();
    alice
        .set_profile(&profile("Alice", "Europe/Paris"), now())
        .unwrap();
    bob.set_profile(&profile("Bob", "Europe/Paris"), now())
        .unwrap();
    let relationship = alice
        .create_relationship(
            &RelationshipInput {
                relationship_type: RelationshipType::Married,
                start_date: Some(START),
                anniversary_date: None,
                privacy_level: PrivacyLevel::Balanced,
            },
            now(),
        )
        .unwrap();
    let exchange = dir.join("exchange");
    alice.export_documents(&exchange, now()).unwrap();
    bob.import_documents(&exchange, now()).unwrap();
    bob.join_relationship(relationship, now()).unwrap();

    let started = Instant::now();
    let mut goals = Vec::new();
    for g in 0..50 {
        let input = GoalInput {
            name: format!("Goal {g}"),
            goal_type: GoalType::Habit,
            target_count: 20,
            start_date: None,
            target_date: None,
        };
        goals.push(alice.add_goal(&input, now()).unwrap());
    }
    for i in 0..DAYS {
        let day = START.checked_add(i.days()).unwrap();
        // Both partners check in on almost every day: about 4,000 check-ins in all.
        if i % 50 != 3 {
            alice.checkin(&checkin(day, i), at(day)).unwrap();
        }
        if i % 50 != 7 {
            bob.checkin(&checkin(day, i + 1), at(day)).unwrap();
        }
        if i % 3 == 0 && i / 3 < 600 {
            let input = ActivityInput {
                name: format!("Activity {i}"),
                activity_type: ActivityType::DateNight,
                planned_date: Some(at(day)),
                duration_minutes: Some(120),
                cost_cents: Some(4500),
            };
            let id = alice.add_activity(&input, at(day)).unwrap();
            alice.complete_activity(id, at(day), at(day)).unwrap();
            alice
                .rate_activity(id, Rating::new(1 + i % 5).unwrap(), at(day))
                .unwrap();
        }
        {
            let input = LogInput {
                communication_type: CommunicationType::DailyTalk,
                topic: Some("how the day went".into()),
                outcome: None,
                duration_minutes: Some(20),
                when: at(day),
                follow_up_needed: false,
            };
            bob.add_log(&input, at(day)).unwrap();
        }
        if i % 40 == 0 {
            alice
                .progress_goal(goals[(i / 40) as usize % goals.len()], 1, at(day))
                .unwrap();
        }
    }
    let bob_out = dir.join("from-bob");
    bob.export_documents(&bob_out, now()).unwrap();
    let merge_started = Instant::now();
    alice.import_documents(&bob_out, now()).unwrap();
    println!(
        "generated in {:.1} s (merging Bob's five years into Alice's device: {} ms)",
        started.elapsed().as_secs_f64(),
        merge_started.elapsed().as_millis()
    );
    alice_db
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn count(db: &Path, table: &str) -> i64 {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

/// In a fresh process: open the store and get Today's data ready; prints the time and peak RSS.
fn open_only(db: &Path) {
    let started = Instant::now();
    let store = Store::open(db).unwrap();
    let view = store.today_view(Timestamp::now()).unwrap();
    let checkins = store.visible_checkins().unwrap();
    let goals = store.goals().unwrap();
    let elapsed = started.elapsed();
    assert!(view.display_name.is_some() && !checkins.is_empty() && !goals.is_empty());
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak = status
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .map(|l| l.split_whitespace().nth(1).unwrap_or("?").to_owned())
        .unwrap_or_else(|| "?".into());
    println!("{} {}", elapsed.as_micros(), peak);
}

/// The floor a check-in save cannot beat: one Automerge change of a check-in's size and one SQLite
/// row with it, committed durably (WAL, `synchronous=FULL`), as the store's own file is.
struct Floor {
    doc: automerge::AutoCommit,
    checkins: automerge::ObjId,
    conn: rusqlite::Connection,
}

impl Floor {
    fn new(dir: &Path) -> Self {
        use automerge::transaction::Transactable;
        let conn = rusqlite::Connection::open(dir.join("floor.sqlite3")).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.pragma_update(None, "synchronous", "FULL").unwrap();
        conn.execute_batch("CREATE TABLE changes (seq INTEGER PRIMARY KEY, bytes BLOB NOT NULL)")
            .unwrap();
        let mut doc = automerge::AutoCommit::new();
        let checkins = doc
            .put_object(automerge::ROOT, "checkins", automerge::ObjType::Map)
            .unwrap();
        Self {
            doc,
            checkins,
            conn,
        }
    }

    fn step(&mut self, i: i64) -> Duration {
        use automerge::transaction::Transactable;
        let started = Instant::now();
        let key = format!("checkin-{i}");
        let checkin = self
            .doc
            .put_object(&self.checkins, key.as_str(), automerge::ObjType::Map)
            .unwrap();
        for (field, value) in [("connection", 5_i64), ("mood", 6), ("satisfaction", 7)] {
            self.doc.put(&checkin, field, value).unwrap();
        }
        self.doc
            .put(
                &checkin,
                "note",
                "grateful for the little things, coffee, a long walk",
            )
            .unwrap();
        self.doc.put(&checkin, "date", "2026-06-01").unwrap();
        let bytes = self.doc.save_incremental();
        let tx = self.conn.transaction().unwrap();
        tx.execute(
            "INSERT INTO changes (seq, bytes) VALUES (?1, ?2)",
            rusqlite::params![i, bytes],
        )
        .unwrap();
        tx.commit().unwrap();
        started.elapsed()
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Wall-clock and CPU samples of the saves and of the floor, sorted.
struct Samples {
    saves: Vec<Duration>,
    floors: Vec<Duration>,
    save_cpu: Vec<Duration>,
    floor_cpu: Vec<Duration>,
}

/// How the saves follow each other.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pace {
    /// As in the app: a person's saves are seconds apart and the app's background thread looks at
    /// the log every 2 s (and copies it back once it is long), so it runs between two saves.
    /// Here the background connection does the same between two saves, off the clock.
    App,
    /// Back to back, the background thread checkpointing every 50 ms while the saves run (a burst:
    /// many merges after a long time offline, an import): the log is never fully copied between
    /// two writes, so only the background checkpoint's `RESTART` bounds it.
    Burst,
}

/// 500 check-in saves on top of the history in `db`, from `first` on, each followed by a floor
/// step. CPU time is measured too: it does not depend on how busy the disk is, which wall-clock
/// time on a shared machine does.
fn saves(db: &Path, floor_dir: &Path, pace: Pace, first: Date) -> Samples {
    let mut store = Store::open(db).unwrap();
    let mut floor = Floor::new(floor_dir);
    // The app's background checkpoint: its own connection, between two saves at the app's pace,
    // on its own thread every 50 ms in a burst.
    let mut background = Some(Store::open(db).unwrap());
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let burst = (pace == Pace::Burst).then(|| {
        let (stop, background) = (std::sync::Arc::clone(&stop), background.take().unwrap());
        std::thread::spawn(move || {
            let (mut runs, mut largest) = (0_u32, 0_i64);
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(50));
                largest = largest.max(background.checkpoint().unwrap().log_frames);
                runs += 1;
            }
            (runs, largest)
        })
    });
    let mut s = Samples {
        saves: Vec::new(),
        floors: Vec::new(),
        save_cpu: Vec::new(),
        floor_cpu: Vec::new(),
    };
    // The pages each save's commit wrote, from the log's length between two saves at the app's
    // pace (a log copied back in full starts over at the next save).
    let mut pages_per_save = Vec::new();
    let mut log_after_last = None::<i64>;
    let mut largest_paced = 0_i64;
    for i in 0..500_i64 {
        if let Some(paced) = &background {
            let seen = paced.checkpoint().unwrap();
            if let Some(before) = log_after_last {
                let written = if seen.log_frames >= before {
                    seen.log_frames - before
                } else {
                    seen.log_frames
                };
                pages_per_save.push(written);
            }
            largest_paced = largest_paced.max(seen.log_frames);
            log_after_last = Some(if seen.checkpointed_frames == seen.log_frames {
                0
            } else {
                seen.log_frames
            });
        }
        let day = first.checked_add(i.days()).unwrap();
        let cpu = cpu_time::ThreadTime::now();
        let t = Instant::now();
        store.checkin(&checkin(day, i), at(day)).unwrap();
        s.saves.push(t.elapsed());
        s.save_cpu.push(cpu.elapsed());
        let cpu = cpu_time::ThreadTime::now();
        s.floors.push(floor.step(i));
        s.floor_cpu.push(cpu.elapsed());
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    match burst.map(|thread| thread.join().unwrap()) {
        None => {
            pages_per_save.sort_unstable();
            println!(
                "checkpoint between saves; largest log {largest_paced} pages; pages per save p50 {} max {}",
                pages_per_save
                    .get(pages_per_save.len() / 2)
                    .copied()
                    .unwrap_or(0),
                pages_per_save.last().copied().unwrap_or(0)
            );
        }
        Some((runs, largest)) => println!(
            "background checkpoints {runs:>4} while the saves ran; largest log {largest} pages before one"
        ),
    }
    for samples in [
        &mut s.saves,
        &mut s.floors,
        &mut s.save_cpu,
        &mut s.floor_cpu,
    ] {
        samples.sort();
    }
    s
}

/// Prints a run of saves beside the floor, and their ratios.
fn report(s: &Samples) {
    println!(
        "check-in save        p50 {:.2} ms   p99 {:.2} ms   max {:.2} ms   (500 saves)",
        ms(percentile(&s.saves, 0.50)),
        ms(percentile(&s.saves, 0.99)),
        ms(*s.saves.last().unwrap())
    );
    println!(
        "floor (change + row) p50 {:.2} ms   p99 {:.2} ms   max {:.2} ms   (interleaved with the saves)",
        ms(percentile(&s.floors, 0.50)),
        ms(percentile(&s.floors, 0.99)),
        ms(*s.floors.last().unwrap())
    );
    println!(
        "CPU per save         p50 {:.2} ms   p99 {:.2} ms;   floor p50 {:.2} ms   p99 {:.2} ms",
        ms(percentile(&s.save_cpu, 0.50)),
        ms(percentile(&s.save_cpu, 0.99)),
        ms(percentile(&s.floor_cpu, 0.50)),
        ms(percentile(&s.floor_cpu, 0.99))
    );
    println!(
        "save / floor         p50 {:.2}x   p99 {:.2}x   (target: p99 <= 2)",
        ms(percentile(&s.saves, 0.50)) / ms(percentile(&s.floors, 0.50)),
        ms(percentile(&s.saves, 0.99)) / ms(percentile(&s.floors, 0.99))
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(position) = args.iter().position(|a| a == "--open-only") {
        open_only(Path::new(&args[position + 1]));
        return;
    }
    if let Some(position) = args.iter().position(|a| a == "--saves-only") {
        let kept = Path::new(&args[position + 1]);
        let work = tempfile::tempdir().unwrap();
        for file in ["together.sqlite3", "together.sqlite3-wal"] {
            let from = kept.join("alice").join(file);
            if from.exists() {
                std::fs::copy(&from, work.path().join(file)).unwrap();
            }
        }
        let pace = if args.iter().any(|a| a == "--burst") {
            Pace::Burst
        } else {
            Pace::App
        };
        let first = START.checked_add(DAYS.days()).unwrap();
        let s = saves(
            &work.path().join("together.sqlite3"),
            work.path(),
            pace,
            first,
        );
        println!(
            "saves p50 {:.2} ms p99 {:.2} ms (cpu p50 {:.2} p99 {:.2}); floor p50 {:.2} ms p99 {:.2} ms (cpu p50 {:.2} p99 {:.2})",
            ms(percentile(&s.saves, 0.5)),
            ms(percentile(&s.saves, 0.99)),
            ms(percentile(&s.save_cpu, 0.5)),
            ms(percentile(&s.save_cpu, 0.99)),
            ms(percentile(&s.floors, 0.5)),
            ms(percentile(&s.floors, 0.99)),
            ms(percentile(&s.floor_cpu, 0.5)),
            ms(percentile(&s.floor_cpu, 0.99))
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = generate(dir.path());
    if let Ok(keep) = std::env::var("FIVE_YEARS_KEEP") {
        let keep = Path::new(&keep).join("alice");
        std::fs::create_dir_all(&keep).unwrap();
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .unwrap();
        drop(conn);
        std::fs::copy(&db, keep.join("together.sqlite3")).unwrap();
        println!("kept the generated couple in {}", keep.display());
    }
    for table in [
        "daily_checkins",
        "activities",
        "shared_goals",
        "communication_log",
    ] {
        println!("{table:<20} {:>6} rows", count(&db, table));
    }

    // Check-in save latency on top of the history (500 new days in the next year), each save
    // followed by one step of the floor, so both see the same machine at the same moments.
    let first = START.checked_add(DAYS.days()).unwrap();
    println!("-- saves at the app's pace (the goal's figure)");
    report(&saves(&db, dir.path(), Pace::App, first));
    println!("-- saves back to back (a burst)");
    let later = first.checked_add(500.days()).unwrap();
    std::fs::create_dir_all(dir.path().join("burst")).unwrap();
    report(&saves(&db, &dir.path().join("burst"), Pace::Burst, later));

    // Open in fresh processes (page cache warm, process cold), ten times.
    let exe = std::env::current_exe().unwrap();
    let mut opens = Vec::new();
    let mut peak_kib = 0_u64;
    for _ in 0..10 {
        let output = Command::new(&exe)
            .args(["--open-only", db.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = String::from_utf8(output.stdout).unwrap();
        let mut words = text.split_whitespace();
        opens.push(Duration::from_micros(
            words.next().unwrap().parse().unwrap(),
        ));
        peak_kib = peak_kib.max(words.next().unwrap().parse().unwrap_or(0));
    }
    opens.sort();
    println!(
        "open to Today ready  p50 {:.1} ms   max {:.1} ms   (fresh process x10, target <= 150 ms); peak RSS {:.1} MiB",
        percentile(&opens, 0.5).as_secs_f64() * 1e3,
        opens.last().unwrap().as_secs_f64() * 1e3,
        peak_kib as f64 / 1024.0
    );

    // Document sizes (full saves) and the database.
    let mut store = Store::open(&db).unwrap();
    let out = dir.path().join("sizes");
    let mut files = store.export_documents(&out, Timestamp::now()).unwrap();
    files.sort();
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let kind = if name.starts_with("user-") {
            "user".to_owned()
        } else if name.len() > 50 {
            format!("series {}", &name[41..45])
        } else {
            "relationship".to_owned()
        };
        println!(
            "document {kind:<14} {:>8.1} KiB",
            std::fs::metadata(&file).unwrap().len() as f64 / 1024.0
        );
    }
    drop(store);
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    println!(
        "database file        {:>8.1} MiB",
        std::fs::metadata(&db).unwrap().len() as f64 / 1024.0 / 1024.0
    );
}
