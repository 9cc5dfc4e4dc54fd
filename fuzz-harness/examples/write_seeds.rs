//! Writes every target's generated seeds to `fuzz/corpus/<target>/seed-<name>` (replacing older
//! `seed-` files; what the fuzzer found and was kept has other names and stays).
//!
//! `cargo run -p together-fuzz-harness --example write_seeds`

use std::path::Path;

use together_fuzz_harness::{TARGETS, seeds};

fn main() -> std::io::Result<()> {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    for target in TARGETS {
        let dir = corpus.join(target.name);
        std::fs::create_dir_all(&dir)?;
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("seed-"))
            {
                std::fs::remove_file(path)?;
            }
        }
        let seeds = seeds::for_target(target.name);
        for (name, bytes) in &seeds {
            std::fs::write(dir.join(format!("seed-{name}")), bytes)?;
        }
        println!("{}: {} seeds", target.name, seeds.len());
    }
    Ok(())
}
