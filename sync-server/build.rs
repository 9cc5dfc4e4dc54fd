//! Rebuild when a migration is added: `embed_migrations!` only tracks the files it already knows.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
