fn main() {
    // The window's files are embedded at compile time: a new front-end build must rebuild
    // the app, or it would keep serving the old (or a half-written) one.
    println!("cargo:rerun-if-changed=../ui/dist");
    tauri_build::build();
}
