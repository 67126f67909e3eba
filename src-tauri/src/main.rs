//! The Citizens Connect desktop app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    citizens_desktop::run();
}
