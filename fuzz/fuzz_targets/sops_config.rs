//! `.sops.yaml` from a repository: creation rules, regexes, recipients, stores; and the rule
//! a path gets. Never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use secret_seal::config::Config;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(config) = Config::parse(text, Path::new("/repo/.sops.yaml")) {
        let _ = config.rule_for(Path::new(
            "/repo/stacks/teams/team-a/env/dev.secrets.tfvars.json",
        ));
    }
});
