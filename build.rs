// Rebuild when migration files, templates or static assets are added: refinery and rust-embed
// only see files that existed at the last build otherwise.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=static");
    println!("cargo:rerun-if-changed=templates");
}
