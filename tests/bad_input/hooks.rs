//! Bad input for platform-hooks: each case says the exit code and what the message must name.

use super::*;

pub(crate) fn cases() -> Vec<Case> {
    vec![
        case(
            "an unknown hook",
            "platform-hooks",
            &["no-such-hook"],
            2,
            &["no-such-hook"],
        ),
        case(
            "fix of a missing file",
            "platform-hooks",
            &["fix", "work/none.tf"],
            1,
            &["work/none.tf"],
        ),
        case(
            "fix of a file tofu rejects",
            "platform-hooks",
            &["fix", "work/bad.tf"],
            1,
            &["work/bad.tf:1:", "fix it by hand"],
        )
        .file("work/bad.tf", "a = \n"),
        case(
            "fix of a file tofu would corrupt",
            "platform-hooks",
            &["fix", "work/l.tf"],
            1,
            &["work/l.tf:1:7", "[(true)]"],
        )
        .file("work/l.tf", "a = c[true]\n"),
        case(
            "install where .git/hooks is a file",
            "platform-hooks",
            &["install"],
            2,
            &[".git/hooks is a file", "move it away"],
        )
        .file(".git/HEAD", "ref: refs/heads/main\n")
        .file(
            ".git/config",
            "[core]\n\trepositoryformatversion = 0\n\tbare = false\n",
        )
        .file(".git/objects/info/.keep", "")
        .file(".git/refs/heads/.keep", "")
        .file(".git/hooks", "not a directory\n"),
    ]
}
