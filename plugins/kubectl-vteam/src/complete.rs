//! `kubectl_complete-vteam`: kubectl >= 1.26 runs it for `kubectl vteam <TAB>` with the words
//! typed so far, the one being completed last.

fn main() {
    let words: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(kubectl_vteam::completion::print(&words));
}
