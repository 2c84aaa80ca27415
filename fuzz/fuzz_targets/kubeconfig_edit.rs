//! The kubeconfig editor of `kubectl vteam use`: never a panic, and an edit keeps every byte it
//! does not own: every other context, cluster and user reads back as it was, and the file
//! parses again with the new current context.
#![no_main]

use kubectl_vteam::kubeconfig::doc::{Doc, Edits};
use libfuzzer_sys::fuzz_target;

const OWNED: &str = "vteam-fuzz";

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(doc) = Doc::parse(src, "config") else {
        return;
    };
    let mut edits = Edits::default();
    let item = |indent: usize| {
        let pad = " ".repeat(indent);
        format!("{pad}- name: {OWNED}\n{pad}  context:\n{pad}    cluster: {OWNED}\n{pad}    user: {OWNED}\n")
    };
    if doc
        .upsert_item(&mut edits, "contexts", OWNED, item)
        .is_err()
    {
        return;
    }
    doc.set_current_context(&mut edits, OWNED);
    let edited = edits.apply(src);
    let after = Doc::parse(&edited, "config")
        .unwrap_or_else(|e| panic!("the edit made a file we cannot read: {e}\n{edited}"));
    assert_eq!(after.current_context().as_deref(), Some(OWNED), "{edited}");
    for list in ["contexts", "clusters", "users"] {
        for name in doc.names(list).unwrap_or_default() {
            if name == OWNED {
                continue;
            }
            // An append to a file without a final line break adds one: the only byte that
            // may change in another item.
            let text = |d: &Doc| {
                let t = d.item_text(list, &name).ok().flatten()?;
                Some(t.trim_end_matches('\n').to_string())
            };
            assert_eq!(text(&after), text(&doc), "{list} {name:?} changed:\n{edited}");
        }
    }
});
