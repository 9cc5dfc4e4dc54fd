//! Replays, with the stable toolchain on every `cargo test`, every committed seed
//! (`fuzz/corpus/<target>/`), every saved crasher (`fuzz/regressions/<target>/`) and every seed the
//! generator makes, through the same bodies the libFuzzer targets run: none may panic.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use together_fuzz_harness::{TARGETS, Target, seeds};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// The files of `fuzz/<kind>/<target>/`, sorted; none when the folder does not exist.
fn files(kind: &str, target: &Target) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(fuzz_dir().join(kind).join(target.name)) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Runs `target` on `bytes`; `Err` names the input when the body panicked.
fn replay(target: &Target, what: &str, bytes: &[u8]) -> Result<(), String> {
    catch_unwind(AssertUnwindSafe(|| (target.run)(bytes)))
        .map_err(|_| format!("{}: {what} panicked", target.name))
}

#[test]
fn every_committed_seed_and_crasher_replays_without_a_panic() {
    let mut failures = Vec::new();
    let mut replayed = 0;
    for target in TARGETS {
        for kind in ["corpus", "regressions"] {
            for path in files(kind, target) {
                let bytes = std::fs::read(&path).expect("a corpus file is readable");
                replayed += 1;
                if let Err(failure) = replay(target, &path.display().to_string(), &bytes) {
                    failures.push(failure);
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(replayed >= TARGETS.len(), "only {replayed} files replayed");
}

#[test]
fn every_generated_seed_replays_without_a_panic() {
    let mut failures = Vec::new();
    for target in TARGETS {
        let seeds = seeds::for_target(target.name);
        assert!(!seeds.is_empty(), "{} has no seeds", target.name);
        for (name, bytes) in seeds {
            if let Err(failure) = replay(target, &name, &bytes) {
                failures.push(failure);
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn every_target_has_a_libfuzzer_binary_and_a_committed_corpus() {
    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).unwrap_or_default();
    for target in TARGETS {
        let source = format!("fuzz_targets/{}.rs", target.name);
        assert!(fuzz_dir().join(&source).is_file(), "no {source}");
        assert!(
            manifest.contains(&format!("path = \"{source}\"")),
            "{source} is not a [[bin]] of fuzz/Cargo.toml"
        );
        assert!(
            !files("corpus", target).is_empty(),
            "fuzz/corpus/{} is empty: run the write_seeds example",
            target.name
        );
    }
}

/// Found by `stripe_signature`: a `t=` far in the past made `now - t` overflow inside
/// `billing::signature::verify` (a panic with overflow checks, as in debug builds and under the
/// fuzzer). `verify` now compares with `abs_diff`.
#[test]
fn a_signature_timestamp_far_from_now_is_refused_not_a_panic() {
    use together_server::billing::signature;
    for header in [
        "t=-9223372036854775808,v1=00",
        "t=9223372036854775807,v1=00",
    ] {
        let secrets = vec!["whsec_fuzz_current".to_owned()];
        assert!(signature::verify(header, b"{}", &secrets, 1_767_225_600).is_err());
    }
}
